"""Fuzzing the input files: whatever a scenario or world file holds, a run ends cleanly.

Hypothesis mutates the shipped scenarios (``scenarios/*.toml``) and the built-in world
(``sim/data/world.toml``) structurally: it drops keys and entries, duplicates tables and array
entries, gives values another type (string, number, bool, table, array), extreme values
(huge, negative, nan and inf, very long strings), unknown names (states, ties, theatres) and
odd world paths (``/dev/null``, ``../../etc/passwd``, a folder); now and then it garbles the
TOML text itself. Each mutated file goes through ``alliance-sim run`` (one replicate, no
plots, at most 20 weeks unless the mutation is about the bounds of ``steps``), which must
either exit 0 with a complete results folder, or exit 2 with exactly one line on stderr that
starts with ``alliance-sim: `` and leave no output or staging folder behind.

The same strategy, with a budget of thousands of cases, is ``benchmarks/bench_fuzz.py``; it
imports :func:`draw_case`, :func:`run_case` and :func:`draw_corruption` from here.
"""

from __future__ import annotations

import copy
import io
import math
import os
import re
import resource
import subprocess
import sys
import tempfile
import tomllib
import warnings
from contextlib import redirect_stderr, redirect_stdout
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sim.loading.toml_text import toml_document
from sim.presentation.cli import EXIT_BAD_INPUT, main
from sim.presentation.plot_base import load_stored
from sim.schema.errors import InputError

REPO = Path(__file__).resolve().parents[1]
SCENARIO_FILES = sorted((REPO / "scenarios").glob("*.toml"))
WORLD_FILE = REPO / "sim" / "data" / "world.toml"
WORLD: dict[str, Any] = tomllib.loads(WORLD_FILE.read_text(encoding="utf-8"))
SCENARIOS: dict[str, dict[str, Any]] = {
    p.stem: tomllib.loads(p.read_text(encoding="utf-8")) for p in SCENARIO_FILES
}


def _world_file(reference: str) -> Path:
    """The file of a scenario's ``world``: the built-in world, a shipped one, or a path."""
    if reference == "builtin":
        return WORLD_FILE
    shipped = REPO / "sim" / "data" / "worlds" / f"{reference}.toml"
    return shipped if shipped.is_file() else (REPO / "scenarios" / reference).resolve()


# A world given by a path relative to scenarios/ is given by its absolute path instead: the
# cases are written into a temporary folder. (Names of shipped worlds work anywhere.)
for _doc in SCENARIOS.values():
    if "/" in _doc.get("world", "") or str(_doc.get("world", "")).endswith(".toml"):
        _doc["world"] = str(_world_file(_doc["world"]))
#: The world each scenario runs on, parsed: the one a world mutation starts from.
WORLDS: dict[str, dict[str, Any]] = {
    name: tomllib.loads(_world_file(doc.get("world", "builtin")).read_text(encoding="utf-8"))
    for name, doc in SCENARIOS.items()
}
#: Longest run the fuzz asks for, in weeks (runs stay fast); the bounds have their own values.
MAX_FUZZ_STEPS = 20
TABLES = ("steps.csv", "actions.csv", "summary.csv", "network.csv", "manifest.json")
SETTINGS = settings(
    max_examples=100,
    deadline=None,
    database=None,
    suppress_health_check=list(HealthCheck),
)

# --- a small TOML writer (tomllib only reads) ------------------------------------------------


def toml_text(doc: dict[str, Any]) -> str:
    """TOML text that ``tomllib`` reads back as ``doc`` (the package's own writer)."""
    return toml_document(doc)


# --- the mutations ---------------------------------------------------------------------------

Key = str | int
Where = tuple[Key, ...]

STATES = sorted(WORLD["states"])
THEATRES = sorted(WORLD["theatres"])
TIES = [t["id"] for t in WORLD["ties"]]
#: Names a mutation puts where a name goes: known ones (in the wrong place) and unknown ones.
NAMES = [
    *STATES,
    *THEATRES,
    *TIES[:6],
    "Georgia",
    "azerbaijan",
    "IRAN",
    " Turkey",
    "Atlantis",
    "mars",
    "Karabakh",
    "nope",
    "tie_cut",
    "offensive",
    "alliance",
    "rivalry",
    "builtin",
    "",
    "states.Iran.commitment",
    "model.tullock_r",
    "ties.tur_aze_arms.volume_usd_m",
]
#: Values at and far beyond the edges; the very long string is 100 000 characters.
EXTREMES: list[object] = [
    0,
    -1,
    -(2**63),
    2**63 - 1,
    10**30,
    1e308,
    -1e308,
    5e-324,
    -0.0,
    math.nan,
    math.inf,
    -math.inf,
    "",
    "x" * 100_000,
    "\u202e\u0301\U0001f600\u00e9",
    "line\nbreak\ttab\x00nul",
    [],
    {},
    [0] * 1000,
]
#: Where a scenario's ``world`` may point. Files that never end (/dev/zero, /dev/urandom,
#: /dev/stdin, a FIFO) are tried apart, in a process with a memory limit and a time-out
#: (:func:`test_world_files_that_never_end_are_refused`): read whole, one would exhaust the
#: memory or wait forever.
WORLD_PATHS = [
    "/dev/null",
    "../../etc/passwd",
    "/etc/passwd",
    "/",
    ".",
    "..",
    "",
    "/proc/self/status",
    "/proc/self/mem",
    "/etc",
    "nowhere/world.toml",
    "world.toml",
    "scenario.toml",
    "~/world.toml",
    "BUILTIN",
    "a" * 5000,
    "nul\x00byte.toml",
]
#: Values of ``steps`` beyond its bounds (1 to 1000) or of another type.
STEP_BOUNDS: list[object] = [0, -1, 1001, 10**6, 2**63 - 1, 1.5, math.nan, math.inf, "12", True]

scalars = st.one_of(
    st.text(st.characters(codec="utf-8"), max_size=12),
    st.integers(-(10**6), 10**6),
    st.floats(allow_nan=True, allow_infinity=True),
    st.booleans(),
)
other_values = st.one_of(
    scalars,
    st.dictionaries(st.sampled_from(["value", "x", "step", "kind", "id"]), scalars, max_size=3),
    st.lists(scalars, max_size=3),
)


def places(node: object, prefix: Where = ()) -> list[Where]:
    """Every key and array index below ``node``, as paths from it."""
    found: list[Where] = []
    items: list[tuple[Key, object]] = []
    if isinstance(node, dict):
        items = list(node.items())
    elif isinstance(node, list):
        items = list(enumerate(node))
    for key, value in items:
        found.append((*prefix, key))
        found.extend(places(value, (*prefix, key)))
    return found


def _parent(doc: dict[str, Any], where: Where) -> Any:
    node: Any = doc
    for key in where[:-1]:
        node = node[key]
    return node


def mutate(data: st.DataObject, doc: dict[str, Any], label: str, scenario: bool) -> str:
    """Apply one mutation to ``doc`` in place; return what was done, for the report."""
    kinds = ["drop", "duplicate", "retype", "extreme", "rename", "add key"]
    kinds += ["nudge", "swap"] * 3  # a third of the cases or so stay valid, to reach the model
    if scenario:
        kinds += ["steps bounds", "world path"]
    kind = data.draw(st.sampled_from(kinds), label=f"{label} mutation")
    if kind in ("nudge", "swap"):  # mutations that often keep the file valid: the model runs
        return _plausible(data, doc, label, kind)
    if kind == "steps bounds":
        doc["steps"] = data.draw(st.sampled_from(STEP_BOUNDS), label="steps")
        return f"{label}: steps = {doc['steps']!r}"
    if kind == "world path":
        doc["world"] = data.draw(st.sampled_from(WORLD_PATHS), label="world path")
        return f"{label}: world = {doc['world'][:40]!r}"
    spots = places(doc)
    if kind == "add key":
        tables: list[Where] = [()] + [w for w in spots if isinstance(_follow(doc, w), dict)]
        where = data.draw(st.sampled_from(tables), label="table")
        key = data.draw(st.sampled_from(["unknown", "valu", "Value", *NAMES[:8]]), label="key")
        _follow(doc, where)[key] = data.draw(other_values, label="value")
        return f"{label}: add {key!r} at {_show(where)}"
    if not spots:
        return f"{label}: nothing to mutate"
    where = data.draw(st.sampled_from(spots), label="where")
    parent, key = _parent(doc, where), where[-1]
    if kind == "drop":
        del parent[key]
    elif kind == "duplicate":
        twin = copy.deepcopy(parent[key])
        if isinstance(parent, list):
            parent.insert(int(key), twin)
        else:
            parent[data.draw(st.sampled_from([f"{key}_2", *NAMES[:10]]), label="as")] = twin
    elif kind == "retype":
        parent[key] = data.draw(other_values, label="value")
    elif kind == "extreme":
        # A copy: the lists and tables of EXTREMES must not be shared between places or cases.
        parent[key] = copy.deepcopy(data.draw(st.sampled_from(EXTREMES), label="value"))
    elif isinstance(parent, dict) and data.draw(st.booleans(), label="rename key"):
        parent[data.draw(st.sampled_from(NAMES), label="name")] = parent.pop(key)
    else:
        parent[key] = data.draw(st.sampled_from(NAMES), label="name")
    return f"{label}: {kind} at {_show(where)}"


#: Names that may stand in for each other: a state for a state, a theatre for a theatre.
KINDS_OF_NAME = [STATES, THEATRES, TIES]


def _plausible(data: st.DataObject, doc: dict[str, Any], label: str, kind: str) -> str:
    """A number moved (often within bounds) or a name swapped for another of its kind."""
    spots = places(doc)
    if kind == "nudge":
        spots = [
            w
            for w in spots
            if isinstance(_follow(doc, w), int | float) and not isinstance(_follow(doc, w), bool)
        ]
    else:
        spots = [
            w
            for w in spots
            if any(_follow(doc, w) in names or w[-1] in names for names in KINDS_OF_NAME)
        ]
    if not spots:
        return f"{label}: no place to {kind}"
    where = data.draw(st.sampled_from(spots), label="where")
    parent, key = _parent(doc, where), where[-1]
    if kind == "nudge":
        value = parent[key]
        bound = 2 * abs(float(value)) + 1 if math.isfinite(value) and abs(value) < 1e300 else 1e6
        parent[key] = data.draw(
            st.one_of(
                st.floats(0, 1),
                st.floats(-bound, bound),
                st.integers(0, 20),
                st.just(value * 10),
            ),
            label="number",
        )
        return f"{label}: nudge {_show(where)} {value!r} -> {parent[key]!r}"
    value = parent[key]
    if isinstance(value, str) and any(value in names for names in KINDS_OF_NAME):
        names = next(n for n in KINDS_OF_NAME if value in n)
        parent[key] = data.draw(st.sampled_from(names), label="name")
        return f"{label}: swap {_show(where)} {value!r} -> {parent[key]!r}"
    names = next(n for n in KINDS_OF_NAME if key in n)
    new = data.draw(st.sampled_from(names), label="name")
    parent[new] = parent.pop(key)
    return f"{label}: rename {_show(where)} -> {new!r}"


def _follow(doc: dict[str, Any], where: Where) -> Any:
    node: Any = doc
    for key in where:
        node = node[key]
    return node


def _show(where: Where) -> str:
    return ".".join(str(k)[:30] for k in where) or "(top)"


def cap_steps(doc: dict[str, Any]) -> None:
    """Keep a run short: at most ``MAX_FUZZ_STEPS`` weeks, events and plots moved inside."""
    steps = doc.get("steps")
    if isinstance(steps, int) and not isinstance(steps, bool) and steps > MAX_FUZZ_STEPS:
        doc["steps"] = MAX_FUZZ_STEPS
        for event in doc.get("events", []):
            if isinstance(event, dict) and isinstance(event.get("step"), int):
                event["step"] = min(event["step"], MAX_FUZZ_STEPS - 1)
        plots = doc.get("plots", {})
        if isinstance(plots, dict) and isinstance(plots.get("network_steps"), list):
            plots["network_steps"] = sorted(
                {min(s, MAX_FUZZ_STEPS) for s in plots["network_steps"]}
            )


def _slow_steps(value: object) -> bool:
    """Whether ``steps`` is within its bounds but above the fuzz's cap (so: slow)."""
    if isinstance(value, bool):
        return False
    try:
        number = float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return False
    return MAX_FUZZ_STEPS < number <= 1000


def garble(data: st.DataObject, text: str) -> tuple[str, str]:
    """Change the TOML text itself: a line duplicated, dropped or swapped, a cut, junk."""
    lines = text.splitlines(keepends=True)
    kind = data.draw(st.sampled_from(["duplicate", "drop", "swap", "cut", "junk"]), label="text")
    at = data.draw(st.integers(0, max(0, len(lines) - 1)), label="line")
    if kind == "duplicate":  # a key or a [table] header twice
        lines.insert(at, lines[at] if lines else "")
    elif kind == "drop" and lines:
        del lines[at]
    elif kind == "swap" and lines:
        other = data.draw(st.integers(0, len(lines) - 1), label="other line")
        lines[at], lines[other] = lines[other], lines[at]
    elif kind == "cut":
        text = "".join(lines)
        return text[: data.draw(st.integers(0, len(text)), label="cut at")], "text: cut"
    else:
        junk = data.draw(st.text(st.characters(codec="utf-8"), max_size=20))
        lines.insert(at, junk)
    return "".join(lines), f"text: {kind} line {at}"


@dataclass
class Case:
    """A mutated scenario (and world), as TOML text, with what was done to them."""

    base: str
    scenario: str
    world: str | None
    ops: list[str] = field(default_factory=list)


def draw_case(data: st.DataObject) -> Case:
    """Draw a shipped scenario, maybe its world (most often the built-in one) beside it, and
    mutate them."""
    base = data.draw(st.sampled_from(sorted(SCENARIOS)), label="scenario")
    doc = copy.deepcopy(SCENARIOS[base])
    cap_steps(doc)
    ops: list[str] = []
    world: dict[str, Any] | None = None
    if data.draw(st.integers(0, 2), label="mutate world") == 0:
        world = copy.deepcopy(WORLDS[base])
        doc["world"] = "world.toml"
        for _ in range(data.draw(st.integers(1, 2), label="world mutations")):
            ops.append(mutate(data, world, "world", scenario=False))
    for _ in range(data.draw(st.integers(0 if world else 1, 3), label="scenario mutations")):
        ops.append(mutate(data, doc, "scenario", scenario=True))
    if _slow_steps(doc.get("steps")):  # a value like 700 is allowed, only slow: keep it short
        doc["steps"] = MAX_FUZZ_STEPS
    scenario_text = toml_text(doc)
    world_text = toml_text(world) if world is not None else None
    if data.draw(st.integers(0, 7), label="garble") == 0:
        if world_text is not None and data.draw(st.booleans(), label="garble world"):
            world_text, op = garble(data, world_text)
        else:
            scenario_text, op = garble(data, scenario_text)
        ops.append(op)
    return Case(base, scenario_text, world_text, ops)


# --- running a case ----------------------------------------------------------------------------


@dataclass
class Outcome:
    """How ``alliance-sim run`` ended on a case, and what is wrong with that (if anything)."""

    code: int
    stdout: str
    stderr: str
    problems: list[str]
    warnings: list[str]


def run_case(case: Case, folder: Path) -> Outcome:
    """Write the case into ``folder`` and run it; exceptions (tracebacks) propagate."""
    scenario = folder / "scenario.toml"
    scenario.write_text(case.scenario, encoding="utf-8")
    if case.world is not None:
        (folder / "world.toml").write_text(case.world, encoding="utf-8")
    out = folder / "out"
    stdout, stderr = io.StringIO(), io.StringIO()
    args = ["run", str(scenario), "--replicates", "1", "--no-plots", "--out", str(out)]
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        with redirect_stdout(stdout), redirect_stderr(stderr):
            code = main(args)
    err = stderr.getvalue()
    return Outcome(
        code,
        stdout.getvalue(),
        err,
        problems(code, err, folder),
        [f"{w.category.__name__}: {w.message}" for w in caught],
    )


def problems(code: int, err: str, folder: Path) -> list[str]:
    """What breaks the promise: exit 0 with all files, or exit 2, one line, nothing left."""
    found = []
    out = folder / "out"
    left = sorted(p.name for p in folder.iterdir() if p.name.startswith(".out."))
    if left:
        found.append(f"staging left behind: {left}")
    if code == 0:
        missing = [t for t in TABLES if not (out / t).is_file()]
        if missing:
            found.append(f"exit 0 but missing {missing}")
        if err:
            found.append(f"exit 0 with stderr {err!r}")
        if not missing:
            try:  # what 'alliance-sim plot' would say of the folder
                load_stored(out)
            except InputError as error:
                found.append(f"plot would refuse the run's own tables: {error}")
    elif code == EXIT_BAD_INPUT:
        lines = err.splitlines()
        if len(lines) != 1 or not lines[0].startswith("alliance-sim: "):
            found.append(f"exit 2 with stderr {err!r}")
        if out.exists():
            found.append("exit 2 but the output folder exists")
    else:
        found.append(f"exit {code}")
    return found


@SETTINGS
@given(data=st.data())
def test_a_mutated_scenario_runs_or_is_refused_in_one_line(data: st.DataObject) -> None:
    case = draw_case(data)
    with tempfile.TemporaryDirectory() as tmp:
        outcome = run_case(case, Path(tmp))
    assert not outcome.problems, (case.ops, outcome)


@pytest.mark.parametrize("world", WORLD_PATHS, ids=lambda p: repr(p[:20]))
def test_every_odd_world_path_is_refused_in_one_line(world: str, tmp_path: Path) -> None:
    doc = copy.deepcopy(SCENARIOS["classroom"])
    doc["world"] = world
    outcome = run_case(Case("classroom", toml_text(doc), None), tmp_path)
    assert outcome.code == EXIT_BAD_INPUT and not outcome.problems, outcome
    assert ": world: " in outcome.stderr


@pytest.mark.parametrize("steps", STEP_BOUNDS, ids=repr)
def test_steps_beyond_their_bounds(steps: object, tmp_path: Path) -> None:
    doc = copy.deepcopy(SCENARIOS["classroom"])
    doc["steps"] = steps
    outcome = run_case(Case("classroom", toml_text(doc), None), tmp_path)
    assert not outcome.problems, outcome


def test_the_writer_round_trips_the_shipped_files() -> None:
    for doc in [*WORLDS.values(), *SCENARIOS.values()]:
        assert tomllib.loads(toml_text(doc)) == doc


# --- corrupted results folders (what 'alliance-sim plot' reads) --------------------------------


def draw_corruption(data: st.DataObject, folder: Path) -> str:
    """Damage one file of a results folder in place; return what was done."""
    name = data.draw(st.sampled_from(TABLES), label="file")
    path = folder / name
    raw = path.read_bytes()
    kind = data.draw(
        st.sampled_from(["cut", "bytes", "cell", "drop column", "header", "delete", "empty"]),
        label="corruption",
    )
    if kind == "cut":
        path.write_bytes(raw[: data.draw(st.integers(0, len(raw)), label="at")])
    elif kind == "bytes":
        junk = data.draw(st.binary(min_size=1, max_size=8), label="junk")
        at = data.draw(st.integers(0, len(raw)), label="at")
        path.write_bytes(raw[:at] + junk + raw[at + len(junk) :])
    elif kind == "delete":
        path.unlink()
    elif kind == "empty":
        path.write_bytes(b"")
    else:
        lines = raw.decode("utf-8", errors="replace").splitlines()
        if len(lines) < 2:
            return f"{name}: {kind} (too short)"
        cells = [line.split(",") for line in lines]
        column = data.draw(st.integers(0, len(cells[0]) - 1), label="column")
        if kind == "cell":
            row = data.draw(st.integers(1, len(cells) - 1), label="row")
            value = data.draw(
                st.sampled_from(["", "x", "nan", "inf", "-inf", "-1", "1e300", "1.5", '"']),
                label="value",
            )
            if column < len(cells[row]):
                cells[row][column] = value
        elif kind == "drop column":
            cells = [c[:column] + c[column + 1 :] for c in cells]
        else:
            cells[0][column] = data.draw(st.sampled_from(["step", "", "x", "replicate"]))
        path.write_text("".join(",".join(c) + "\n" for c in cells), encoding="utf-8")
    return f"{name}: {kind}"


@pytest.fixture(scope="module")
def results_folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("fuzz") / "run"
    args = ["run", "classroom", "--replicates", "2", "--no-plots", "--out", str(out)]
    assert main(args) == 0
    return out


@settings(SETTINGS, max_examples=40)
@given(data=st.data())
def test_a_corrupted_results_folder_is_read_or_refused_naming_the_file(
    data: st.DataObject, results_folder: Path
) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp) / "run"
        folder.mkdir()
        for name in TABLES:
            (folder / name).write_bytes((results_folder / name).read_bytes())
        what = draw_corruption(data, folder)
        try:
            load_stored(folder)
        except InputError as error:
            assert error.file == str(folder), what
            assert re.fullmatch(r"[a-z]+\.(csv|json)", error.field), (what, error)
            assert "\n" not in error.message


# Found by benchmarks/bench_fuzz.py: the rules divide by these, and 0 was accepted.
@pytest.mark.parametrize("parameter", ["arms_full_volume", "trade_full_turnover_bn"])
def test_a_zero_full_volume_is_refused(parameter: str, tmp_path: Path) -> None:
    doc = copy.deepcopy(SCENARIOS["karabakh_2020"])
    doc["overrides"] = {f"model.{parameter}": 0}
    outcome = run_case(Case("karabakh_2020", toml_text(doc), None), tmp_path)
    assert outcome.code == EXIT_BAD_INPUT and not outcome.problems, outcome


ENDLESS = ["/dev/zero", "/dev/urandom", "/dev/stdin", "FIFO"]
ENDLESS_SCRIPT = """
import os, sys
from pathlib import Path
from sim.presentation.cli import main
folder = Path(sys.argv[1])
for world in sys.argv[2:]:
    scenario = folder / "scenario.toml"
    scenario.write_text(f'name = "t"\\nsteps = 4\\nseed = 1\\nworld = "{world}"\\n')
    out = str(folder / "out")
    code = main(["run", str(scenario), "--replicates", "1", "--no-plots", "--out", out])
    print(code, flush=True)
    print("--", file=sys.stderr, flush=True)
"""


def test_world_files_that_never_end_are_refused(tmp_path: Path) -> None:
    # Apart, in a process with 2 GB of address space and a minute: read whole, /dev/zero
    # would take all the memory there is, and a FIFO or /dev/stdin would wait forever.
    fifo = tmp_path / "fifo"
    os.mkfifo(fifo)
    worlds = [str(fifo) if w == "FIFO" else w for w in ENDLESS]

    def limit() -> None:
        resource.setrlimit(resource.RLIMIT_AS, (2 << 30, 2 << 30))

    done = subprocess.run(
        [sys.executable, "-c", ENDLESS_SCRIPT, str(tmp_path), *worlds],
        capture_output=True,
        text=True,
        timeout=60,
        preexec_fn=limit,
        stdin=subprocess.PIPE,  # never written: reading it would block
        check=False,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.split() == ["2"] * len(worlds), done.stderr[-2000:]
    lines = done.stderr.split("--\n")[:-1]
    for world, err in zip(worlds, lines, strict=True):
        assert err.count("\n") == 1 and err.startswith("alliance-sim: "), (world, err)
        assert ": world: " in err
