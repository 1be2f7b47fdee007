"""A signed edge list (source, target, sign; optionally weight and year) as a world file.

Researchers often hold a signed network as a CSV edge list. :func:`world_from_edges` turns one
into a valid world: every node a state with neutral, stated assumptions, every positive edge a
mutual alliance and every negative edge a mutual rivalry, each citing its row, and the model
parameters of the built-in world. The conventions are those of the Gahuku–Gama world
(``sim/data/worlds/gahuku_gama.toml``), which this function reproduces from its CSV.
"""

from __future__ import annotations

import csv
import io
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from sim.loading.errors import first_error
from sim.loading.worlds import load_world
from sim.schema.errors import InputError
from sim.schema.limits import MAX_FILE_BYTES
from sim.schema.world import World

REQUIRED = ("source", "target", "sign")
OPTIONAL = ("weight", "year")
#: Strength of an alliance or intensity of a rivalry when the list gives no weight.
DEFAULT_WEIGHT = 0.5

_STATE = {
    "capability": {
        "value": 1.0,
        "assumption": "Equal actors: an edge list records ties, not strength.",
        "range": [0.5, 2.0],
    },
    "commitment": {
        "value": 0.75,
        "assumption": "Leeds, Long & Mitchell (2000) benchmark, as in the built-in world.",
        "range": [0.0, 1.0],
    },
    "risk_appetite": {"value": 0.5, "assumption": "Neutral midpoint.", "range": [0.0, 1.0]},
    "economic_weight": {
        "value": 1.0,
        "assumption": "Neutral default; the world has no economic ties.",
        "range": [0.0, 2.0],
    },
}


def _read_rows(path: Path) -> list[dict[str, str]]:
    """Read the CSV's rows, refusing anything that is not a small regular text file."""
    try:
        if not path.is_file():
            raise InputError(path, "(file)", "not a regular file; give a CSV edge list")
        if path.stat().st_size > MAX_FILE_BYTES:
            raise InputError(path, "(file)", f"larger than {MAX_FILE_BYTES // 2**20} MB")
        text = path.read_bytes().decode("utf-8-sig")
    except OSError as exc:
        raise InputError(path, "(file)", f"cannot read: {exc.strerror or exc}") from None
    except UnicodeDecodeError:
        raise InputError(path, "(file)", "not UTF-8 text; give a CSV edge list") from None
    reader = csv.DictReader(io.StringIO(text))
    columns = [c.strip() for c in reader.fieldnames or []]
    missing = [c for c in REQUIRED if c not in columns]
    if missing:
        raise InputError(
            path,
            "(header)",
            f"missing column {', '.join(missing)}; needs {', '.join(REQUIRED)}, "
            f"may add {', '.join(OPTIONAL)}",
        )
    unknown = [c for c in columns if c not in REQUIRED + OPTIONAL]
    if unknown:
        raise InputError(
            path,
            "(header)",
            f"unknown column {unknown[0]!r}; allowed: {', '.join(REQUIRED + OPTIONAL)}",
        )
    return [{k.strip(): (v or "").strip() for k, v in row.items() if k} for row in reader]


def _edge(path: Path, line: int, row: dict[str, str]) -> tuple[str, str, int, float, int | None]:
    """Check one row; return (source, target, sign, weight, year)."""
    where = f"row {line}"
    source, target = row.get("source", ""), row.get("target", "")
    if not source or not target:
        raise InputError(path, where, "source and target must both be named")
    if source == target:
        raise InputError(path, where, f"a self-loop ({source!r} to itself); a tie needs two actors")
    sign = row.get("sign", "")
    if sign not in ("1", "+1", "-1"):
        raise InputError(path, where, f"sign must be +1 or -1 (got {sign!r})")
    weight = DEFAULT_WEIGHT
    if row.get("weight"):
        try:
            weight = float(row["weight"])
        except ValueError:
            weight = -1.0
        if not 0.0 < weight <= 1.0:
            raise InputError(
                path, where, f"weight must be a number in (0, 1] (got {row['weight']!r})"
            )
    year = None
    if row.get("year"):
        if not row["year"].lstrip("-").isdigit() or not 1800 <= int(row["year"]) <= 2100:
            raise InputError(
                path, where, f"year must be a whole year 1800-2100 (got {row['year']!r})"
            )
        year = int(row["year"])
    return source, target, 1 if sign != "-1" else -1, weight, year


def _tie(
    source: str, target: str, sign: int, weight: float, year: int | None, line: int, figure: str
) -> dict[str, Any]:
    """The world's tie for one edge: a mutual alliance (+1) or a mutual rivalry (−1)."""
    kind = "alliance" if sign > 0 else "rivalry"
    stated = "given in the list" if weight != DEFAULT_WEIGHT else "not given, so middling"
    tie: dict[str, Any] = {
        "id": f"{kind}_{source}_{target}",
        "kind": kind,
        "source": source,
        "target": target,
        "mutual": True,
        "evidence": [
            {
                "doc": "EDGES",
                "figure": figure,
                "fact": f"Row {line}: {source} and {target} "
                f"are {'allies' if sign > 0 else 'enemies'}.",
            }
        ],
    }
    figure_value = {"value": weight, "assumption": f"Edge weight {stated}.", "range": [0.2, 1.0]}
    if sign > 0:
        tie |= {
            "obligation": "defence",
            "scope": "any",
            "strength": figure_value,
            "consultation_delay": {
                "value": 0,
                "assumption": "An edge list records no consultation clause.",
                "range": [0, 2],
            },
        }
    else:
        tie |= {"issue": "edge list", "intensity": figure_value}
    if year is not None:
        tie["since"] = year
    return tie


def world_from_edges(
    path: str | Path, *, name: str | None = None, year: int | None = None
) -> World:
    """Build a world from a signed edge list.

    Args:
        path: A CSV file with columns ``source``, ``target``, ``sign`` (+1 or −1) and
            optionally ``weight`` (in (0, 1]: an alliance's strength or a rivalry's intensity)
            and ``year`` (the tie is in force from that year).
        name: The world's name (default: the file's name without suffix).
        year: The world's year (default: the latest year in the list, else 2000).

    Returns:
        A validated world; its ``[model]`` parameters are the built-in world's.

    Raises:
        InputError: naming the file and the row, for a sign that is not ±1, a pair given
            twice, a self-loop, a bad weight or year, or a missing column.
    """
    file = Path(path)
    seen: dict[frozenset[str], int] = {}
    states: dict[str, dict[str, Any]] = {}
    ties: list[dict[str, Any]] = []
    years: list[int] = []
    for line, row in enumerate(_read_rows(file), start=2):  # line 1 is the header
        source, target, sign, weight, since = _edge(file, line, row)
        pair = frozenset((source, target))
        if pair in seen:
            raise InputError(
                file,
                f"row {line}",
                f"the pair {source}–{target} is already given in row "
                f"{seen[pair]}; give each pair once",
            )
        seen[pair] = line
        for state in (source, target):
            states.setdefault(state, _STATE)
        figure = ",".join(row.get(c, "") for c in REQUIRED)
        ties.append(_tie(source, target, sign, weight, since, line, figure))
        years += [since] if since is not None else []
    if not ties:
        raise InputError(file, "(file)", "no edges; give at least one row")
    builtin = load_world()
    # The model parameters come with the documents they cite.
    cited = {figure.doc for figure in builtin.model.values() if figure.doc is not None}
    documents = {key: builtin.documents[key].model_dump() for key in sorted(cited)}
    documents["EDGES"] = {"file": file.name, "title": f"Signed edge list {file.name}"}
    data = {
        "meta": {"name": name or file.stem, "year": year or max(years, default=2000)},
        "documents": documents,
        "states": states,
        "ties": ties,
        "model": builtin.model_dump(mode="json", exclude_none=True)["model"],
    }
    try:
        return World.model_validate(data)
    except ValidationError as exc:  # a state name the schema refuses, for example
        raise first_error(file, exc) from None
