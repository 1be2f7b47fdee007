"""The ODD's parameter table (docs/ODD.md, section 7) agrees with the built-in world.

The table must list every model parameter (``MODEL_PARAMETERS``) once, with the default value
and sensitivity range of the built-in world's ``[model]`` table, so the description cannot drift
from ``sim/data/world.toml``.
"""

from __future__ import annotations

import math
import re
from pathlib import Path

import pytest

from sim.loading.worlds import load_world
from sim.schema.world import MODEL_PARAMETERS, World

ODD = Path(__file__).resolve().parents[1] / "docs" / "ODD.md"
HEADER = ["parameter", "value", "range", "used in", "meaning and basis"]
NAME = re.compile(r"`([a-z_]+)`")
RANGE = re.compile(r"\[\s*([^,\]]+?)\s*,\s*([^,\]]+?)\s*\]")


class Row:
    """One row of the parameter table: the name, value and range as written."""

    def __init__(self, cells: list[str], line: int) -> None:
        self.cells, self.line = cells, line
        match = NAME.fullmatch(cells[0])
        self.name = match.group(1) if match else cells[0]


def cells(line: str) -> list[str]:
    return [cell.strip() for cell in line.strip().strip("|").split("|")]


def parameter_rows(text: str) -> list[Row]:
    """The rows of the first table after the ``**Parameters**`` paragraph."""
    lines = text.splitlines()
    starts = [i for i, line in enumerate(lines) if line.startswith("**Parameters**")]
    assert len(starts) == 1, "docs/ODD.md needs exactly one paragraph starting **Parameters**"
    i = starts[0]
    while i < len(lines) and not lines[i].startswith("|"):
        i += 1
    assert i < len(lines), "no table follows the **Parameters** paragraph in docs/ODD.md"
    assert cells(lines[i]) == HEADER, f"docs/ODD.md:{i + 1}: table header is not {HEADER}"
    rows = []
    for number, line in enumerate(lines[i + 2 :], start=i + 3):
        if not line.startswith("|"):
            break
        row = cells(line)
        assert len(row) == len(HEADER), f"docs/ODD.md:{number}: {len(row)} cells, not 5: {line}"
        rows.append(Row(row, number))
    return rows


def number(text: str, where: str) -> float:
    try:
        return float(text)
    except ValueError:
        raise AssertionError(f"{where}: {text!r} is not a number") from None


def differences(text: str, world: World) -> list[str]:
    """Every way the table in ``text`` disagrees with ``world``, each naming the parameter."""
    rows = parameter_rows(text)
    problems = []
    names = [row.name for row in rows]
    for name in sorted(set(MODEL_PARAMETERS) - set(names)):
        problems.append(f"{name}: a model parameter missing from the ODD table")
    for name in sorted(set(names) - set(MODEL_PARAMETERS)):
        problems.append(f"{name}: in the ODD table but not a model parameter")
    for name in sorted({n for n in names if names.count(n) > 1}):
        problems.append(f"{name}: listed {names.count(name)} times in the ODD table")
    for row in rows:
        if row.name not in world.model:
            continue
        figure = world.model[row.name]
        where = f"{row.name} (docs/ODD.md:{row.line})"
        value = number(row.cells[1], f"{where} value")
        if not math.isclose(value, figure.value):
            problems.append(f"{where}: value {row.cells[1]}, world.toml says {figure.value:g}")
        match = RANGE.fullmatch(row.cells[2])
        if match is None:
            problems.append(f"{where}: range {row.cells[2]!r} is not written [low, high]")
            continue
        low, high = (number(bound, f"{where} range") for bound in match.groups())
        if figure.range is None:
            problems.append(f"{where}: range {row.cells[2]}, world.toml gives none")
        elif not (math.isclose(low, figure.range[0]) and math.isclose(high, figure.range[1])):
            expected = f"[{figure.range[0]:g}, {figure.range[1]:g}]"
            problems.append(f"{where}: range {row.cells[2]}, world.toml says {expected}")
        if not row.cells[4]:
            problems.append(f"{where}: no meaning and basis given")
    return problems


@pytest.fixture(scope="module")
def world() -> World:
    return load_world()


def test_the_odd_parameter_table_lists_every_model_parameter_with_its_value_and_range(
    world: World,
) -> None:
    problems = differences(ODD.read_text(encoding="utf-8"), world)
    assert not problems, "docs/ODD.md parameter table is out of date:\n" + "\n".join(problems)


def test_the_built_in_world_gives_a_range_for_every_model_parameter(world: World) -> None:
    assert set(world.model) == set(MODEL_PARAMETERS)
    assert [name for name in MODEL_PARAMETERS if world.model[name].range is None] == []


@pytest.mark.parametrize(
    ("old", "new", "expected"),
    [
        ("| `tullock_r` | 1.5 |", "| `tullock_r` | 1.6 |", "tullock_r (docs/ODD.md:"),
        ("| [0.5, 3] | 7.10 |", "| [0.5, 4] | 7.10 |", "tullock_r (docs/ODD.md:"),
        ("| `sanction_share` |", "| `sanction_shares` |", "sanction_share: a model parameter"),
        ("| `arms_cost` | 0.05 |", "| `arms_cost` | 0.05x |", "arms_cost (docs/ODD.md:"),
    ],
    ids=["value", "range", "name", "not-a-number"],
)
def test_a_drifted_table_is_caught_and_the_parameter_named(
    world: World, old: str, new: str, expected: str
) -> None:
    text = ODD.read_text(encoding="utf-8")
    assert text.count(old) == 1
    try:
        problems = differences(text.replace(old, new), world)
    except AssertionError as error:
        problems = [str(error)]
    assert problems and expected in problems[0], problems
