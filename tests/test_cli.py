"""The command line: every command, the one-line exit-2 contract and all-or-nothing output."""

from __future__ import annotations

import errno
import hashlib
import json
import os
import shutil
import subprocess
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import pandas as pd
import pytest

from sim.experiments import results as results_module
from sim.loading.builtin import builtin_scenarios
from sim.loading.scenarios import load_scenario
from sim.loading.worlds import load_world
from sim.presentation.cli import EXIT_BAD_INPUT, main
from sim.presentation.evidence import evidence_rows
from sim.schema.columns import NETWORK_COLUMNS

REPO = Path(__file__).resolve().parents[1]
SCENARIO_FILES = sorted((REPO / "scenarios").glob("*.toml"))
NAMES = [path.stem for path in SCENARIO_FILES]
COMMANDS = [
    "run",
    "sweep",
    "compare",
    "app",
    "hub",
    "validate",
    "plot",
    "evidence",
    "schema",
    "list",
]
GOOD = 'name = "t"\nsteps = 4\nseed = 1\nreplicates = 1\n'


def stderr_lines(capsys: pytest.CaptureFixture[str]) -> list[str]:
    return capsys.readouterr().err.splitlines()


def leftovers(folder: Path, out_name: str) -> list[str]:
    """The output folder or any staging folder ``.out_name.*`` in ``folder``."""
    return sorted(
        p.name for p in folder.iterdir() if p.name == out_name or p.name.startswith(f".{out_name}.")
    )


def test_builtin_scenarios_are_the_repository_files() -> None:
    assert NAMES, "no scenarios/*.toml in the repository"
    assert builtin_scenarios() == {path.stem: path for path in SCENARIO_FILES}


@pytest.mark.parametrize("name", NAMES)
def test_validate_builtin(name: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["validate", name]) == 0
    captured = capsys.readouterr()
    assert captured.err == ""
    assert captured.out.count(": ok (") == 1


def test_validate_many_paths_stops_at_first_bad(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    bad = tmp_path / "bad.toml"
    bad.write_text(GOOD + "stpes = 3\n")
    assert main(["validate", str(SCENARIO_FILES[0]), str(bad)]) == EXIT_BAD_INPUT
    captured = capsys.readouterr()
    assert captured.out.count(": ok (") == 1
    assert captured.err.splitlines() == [
        f"alliance-sim: {bad}: stpes: unknown field; 'alliance-sim schema' lists the allowed ones"
    ]


def test_validate_unknown_name_lists_builtins(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["validate", "no_such_scenario"]) == EXIT_BAD_INPUT
    (line,) = stderr_lines(capsys)
    assert "no_such_scenario: (file):" in line
    assert all(name in line for name in NAMES)


def test_list(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["list"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert [line.split()[0] for line in lines] == NAMES
    assert all(len(line.split()) > 1 for line in lines), "every scenario should state its question"


def test_schema(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["schema"]) == 0
    schema = json.loads(capsys.readouterr().out)
    assert schema["title"] == "Scenario"
    assert {
        "name",
        "steps",
        "seed",
        "replicates",
        "world",
        "year",
        "levers",
        "overrides",
        "events",
        "plots",
    } <= set(schema["properties"])
    assert {"name", "steps", "seed"} <= set(schema["required"])
    assert schema["additionalProperties"] is False


def test_evidence_markdown(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["evidence"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].startswith("# Evidence")
    header = "| item | value | basis | document | figure | fact or reason | range |"
    start = lines.index(header)
    assert lines[start + 1] == "|---|---|---|---|---|---|---|"
    table = lines[start + 2 :]
    assert len(table) == len(evidence_rows(load_world()))
    assert all(
        line.startswith("| ") and line.endswith(" |") and line.count(" | ") == 6 for line in table
    )


def test_evidence_csv(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["evidence", "--format", "csv"]) == 0
    from io import StringIO

    frame = pd.read_csv(StringIO(capsys.readouterr().out), keep_default_na=False)
    assert len(frame) == len(evidence_rows(load_world()))
    assert set(frame["basis"]) <= {"documented", "derived", "assumption"}


def test_evidence_missing_world(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    missing = tmp_path / "w.toml"
    assert main(["evidence", "--world", str(missing)]) == EXIT_BAD_INPUT
    (line,) = stderr_lines(capsys)
    assert line.startswith(f"alliance-sim: {missing}: --world: cannot read world file")


@pytest.mark.parametrize("command", [None, *COMMANDS])
def test_help(command: str | None, capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as info:
        main([command, "--help"] if command else ["--help"])
    assert info.value.code == 0
    assert "usage: alliance-sim" in capsys.readouterr().out


def test_module_entry_point() -> None:
    done = subprocess.run(
        [sys.executable, "-m", "sim", "--help"],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert all(command in done.stdout for command in COMMANDS)


def test_run_writes_every_table(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "tmp").mkdir()
    assert main(["run", "classroom", "--replicates", "2", "--no-plots", "--out", "tmp/x"]) == 0
    assert capsys.readouterr().err == ""
    out = tmp_path / "tmp" / "x"
    assert sorted(p.name for p in (tmp_path / "tmp").iterdir()) == ["x"]  # no staging left
    assert {"steps.csv", "actions.csv", "summary.csv", "network.csv", "manifest.json"} <= {
        p.name for p in out.iterdir()
    }
    scenario = builtin_scenarios()["classroom"]
    loaded = load_scenario(scenario)
    n = loaded.scenario.steps

    steps = pd.read_csv(out / "steps.csv")
    assert len(steps) == 2 * (n + 1)  # one row per step (0..n) per replicate
    assert steps.groupby("replicate")["step"].apply(list).to_dict() == {
        0: list(range(n + 1)),
        1: list(range(n + 1)),
    }
    summary = pd.read_csv(out / "summary.csv")
    assert summary["replicate"].tolist() == [0, 1]
    actions = pd.read_csv(out / "actions.csv")
    assert {"replicate", "step", "state", "action"} <= set(actions.columns)
    assert actions["step"].between(0, n).all()
    network = pd.read_csv(out / "network.csv")
    assert list(network.columns) == ["replicate", *NETWORK_COLUMNS]
    assert set(network["step"]) <= {0, n, *loaded.scenario.plots.network_steps}

    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["replicates"] == 2
    assert manifest["steps"] == n
    assert manifest["scenario_sha256"] == hashlib.sha256(scenario.read_bytes()).hexdigest()
    assert manifest["scenario_text"] == scenario.read_text(encoding="utf-8")


BAD_SCENARIOS: dict[str, tuple[str, str]] = {
    # id: (file text, field named on stderr)
    "malformed toml": ('name = "t\nsteps = 3\n', "(file)"),
    "unknown state": (GOOD + "[levers.Georgia]\ncommitment = 0.5\n", "levers.Georgia"),
    "unknown theatre": (
        GOOD + '[[events]]\nstep = 0\nkind = "offensive"\n'
        'attacker = "Azerbaijan"\ndefender = "Armenia"\ntheatre = "mars"\n',
        "events[0].theatre",
    ),
    "unknown tie": (
        GOOD + '[[events]]\nstep = 1\nkind = "tie_cut"\ntie = "nope"\n',
        "events[0].tie",
    ),
    "event at the last step": (
        GOOD + '[[events]]\nstep = 4\nkind = "tie_cut"\ntie = "tur_aze_arms"\n',
        "events[0].step",
    ),
    "unknown event kind": (GOOD + '[[events]]\nstep = 0\nkind = "invade"\n', "events[0]"),
    "negative steps": ('name = "t"\nsteps = -1\nseed = 1\n', "steps"),
    "zero replicates": ('name = "t"\nsteps = 3\nseed = 1\nreplicates = 0\n', "replicates"),
    "lever above 1": (GOOD + "[levers.Russia]\ncommitment = 1.01\n", "levers.Russia.commitment"),
    "override nan": (GOOD + '[overrides]\n"model.tullock_r" = nan\n', "overrides.model.tullock_r"),
    "override above 1": (
        GOOD + '[overrides]\n"states.Iran.risk_appetite" = 2\n',
        "overrides.states.Iran.risk_appetite",
    ),
    "typo": (GOOD + "seeed = 2\n", "seeed"),
    "bad world path": (GOOD + 'world = "nowhere/world.toml"\n', "world"),
    "newline in a key": (GOOD + '"a\\nb" = 1\n', "a"),
}


@pytest.mark.parametrize("text,field", BAD_SCENARIOS.values(), ids=BAD_SCENARIOS.keys())
def test_run_bad_scenario(
    text: str, field: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    scenario = tmp_path / "my scenario.toml"
    scenario.write_text(text)
    out = tmp_path / "out"
    assert main(["run", str(scenario), "--no-plots", "--out", str(out)]) == EXIT_BAD_INPUT
    captured = capsys.readouterr()
    assert captured.out == ""
    lines = captured.err.splitlines()
    assert len(lines) == 1, lines
    assert lines[0].startswith(f"alliance-sim: {scenario}: {field}")
    assert leftovers(tmp_path, "out") == []


def test_run_missing_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    missing = tmp_path / "missing.toml"
    assert main(["run", str(missing), "--out", str(tmp_path / "out")]) == EXIT_BAD_INPUT
    (line,) = stderr_lines(capsys)
    assert line.startswith(f"alliance-sim: {missing}: (file): cannot read")
    assert leftovers(tmp_path, "out") == []


@pytest.mark.parametrize("replicates", ["0", "-3"])
def test_run_bad_replicates_option(
    replicates: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "out"
    assert (
        main(["run", "classroom", "--replicates", replicates, "--no-plots", "--out", str(out)])
        == EXIT_BAD_INPUT
    )
    (line,) = stderr_lines(capsys)
    assert "classroom.toml: --replicates: must be at least 1" in line
    assert leftovers(tmp_path, "out") == []


def test_run_out_is_a_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "out"
    out.write_text("keep me")
    assert main(["run", "classroom", "--no-plots", "--out", str(out)]) == EXIT_BAD_INPUT
    (line,) = stderr_lines(capsys)
    assert line.startswith(f"alliance-sim: {out}: --out: exists and is not a folder")
    assert out.read_text() == "keep me"
    assert leftovers(tmp_path, "out") == ["out"]


def test_run_out_is_a_non_empty_folder(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "out"
    out.mkdir()
    (out / "notes.txt").write_text("keep me")
    assert main(["run", "classroom", "--no-plots", "--out", str(out)]) == EXIT_BAD_INPUT
    (line,) = stderr_lines(capsys)
    assert line.startswith(f"alliance-sim: {out}: --out: ") and "--force" in line
    assert [p.name for p in out.iterdir()] == ["notes.txt"]
    assert leftovers(tmp_path, "out") == ["out"]


def test_run_out_missing_parents_are_made(tmp_path: Path) -> None:
    out = tmp_path / "no" / "such" / "out"
    assert main(["run", "classroom", "--replicates", "1", "--no-plots", "--out", str(out)]) == 0
    assert (out / "steps.csv").is_file()


def test_run_out_under_a_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "afile").write_text("x")
    out = tmp_path / "afile" / "out"
    assert main(["run", "classroom", "--no-plots", "--out", str(out)]) == EXIT_BAD_INPUT
    (line,) = stderr_lines(capsys)
    assert line.startswith(f"alliance-sim: {out}: --out: ") and "is a file" in line
    assert sorted(p.name for p in tmp_path.iterdir()) == ["afile"]


def test_a_failed_run_removes_the_parents_it_made(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken_plots(folder: Path) -> list[Path]:
        raise RuntimeError("disk full")

    monkeypatch.setattr("sim.presentation.plots.plot_results", broken_plots)
    with pytest.raises(RuntimeError):
        main(["run", "classroom", "--replicates", "1", "--out", str(tmp_path / "a" / "b" / "out")])
    assert list(tmp_path.iterdir()) == []


def test_run_force_replaces_a_folder(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "out"
    out.mkdir()
    (out / "old.txt").write_text("old")
    args = ["run", "classroom", "--replicates", "1", "--no-plots", "--out", str(out)]
    assert main([*args, "--force"]) == 0
    assert not (out / "old.txt").exists()
    assert (out / "manifest.json").is_file()
    assert leftovers(tmp_path, "out") == ["out"]


def test_run_into_an_empty_folder(tmp_path: Path) -> None:
    out = tmp_path / "out"
    out.mkdir()
    assert main(["run", "classroom", "--replicates", "1", "--no-plots", "--out", str(out)]) == 0
    assert (out / "steps.csv").is_file()


def test_failed_write_leaves_nothing(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    def broken(*args: object, **kwargs: object) -> dict[str, object]:
        raise RuntimeError("disk full")

    monkeypatch.setattr(results_module, "manifest", broken)
    with pytest.raises(RuntimeError, match="disk full"):
        main(
            ["run", "classroom", "--replicates", "1", "--no-plots", "--out", str(tmp_path / "out")]
        )
    assert list(tmp_path.iterdir()) == []


def test_plot_on_a_folder_without_results(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["plot", str(tmp_path)]) == EXIT_BAD_INPUT
    (line,) = stderr_lines(capsys)
    assert line.startswith(f"alliance-sim: {tmp_path}: steps.csv: missing")


def test_a_reader_that_stops_early_gets_no_traceback() -> None:
    done = subprocess.run(
        f"'{sys.executable}' -m sim list | head -1", shell=True, capture_output=True, text=True
    )
    assert done.stdout.startswith("baseline")
    assert "Traceback" not in done.stderr and "BrokenPipe" not in done.stderr


@pytest.mark.slow
def test_an_installed_wheel_has_the_world_and_the_built_in_scenarios(tmp_path: Path) -> None:
    # The Makefile installs the project editable; users may install a wheel, where nothing of
    # the repository is beside the package.
    pip = [sys.executable, "-m", "pip", "--disable-pip-version-check", "-q"]
    subprocess.run([*pip, "wheel", "--no-deps", "-w", tmp_path / "wheel", REPO], check=True)
    wheel = next((tmp_path / "wheel").glob("*.whl"))
    subprocess.run([*pip, "install", "--no-deps", "--target", tmp_path / "site", wheel], check=True)
    code = (
        "import sys, sim; from sim.presentation.cli import main; print(sim.__file__); "
        "sys.exit(main(['run', 'karabakh_2020', '--replicates', '1', '--out', 'out']))"
    )
    done = subprocess.run(
        [sys.executable, "-c", code],
        cwd=tmp_path,
        env={**os.environ, "PYTHONPATH": str(tmp_path / "site")},
        capture_output=True,
        text=True,
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines()[0].startswith(str(tmp_path / "site"))
    assert (tmp_path / "out" / "steps.csv").is_file()
    assert (tmp_path / "out" / "plots" / "timeseries.png").is_file()


# --- output folders that cannot be written; results folders that cannot be read -----------

RUN_1 = ["run", "classroom", "--replicates", "1", "--no-plots", "--out"]


def one_line(capsys: pytest.CaptureFixture[str]) -> str:
    """The single stderr line of a refused command (and nothing on stdout)."""
    captured = capsys.readouterr()
    assert captured.out == ""
    lines = captured.err.splitlines()
    assert len(lines) == 1, lines
    assert "Traceback" not in captured.err
    return lines[0]


@pytest.mark.parametrize("out", ["/proc/alliance-sim-test/out", "/sys/alliance-sim-test"])
def test_run_into_a_virtual_file_system_is_refused_before_running(
    out: str, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    top = Path(out).parents[-2]  # /proc or /sys
    if not top.is_dir():
        pytest.skip(f"no {top} here")

    def no_run(*args: object, **kwargs: object) -> None:
        raise AssertionError("the run should not start")

    monkeypatch.setattr("sim.experiments.run.run_scenario", no_run)
    assert main([*RUN_1, out]) == EXIT_BAD_INPUT
    line = one_line(capsys)
    assert line.startswith(f"alliance-sim: {out}: --out: cannot write in /")
    assert not Path(out).exists()


@pytest.mark.parametrize("where", ["name", "parent"])
def test_run_out_with_a_name_too_long(
    where: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    long = "a" * 300
    out = tmp_path / long if where == "name" else tmp_path / long / "out"
    assert main([*RUN_1, str(out)]) == EXIT_BAD_INPUT
    line = one_line(capsys)
    assert line == (
        f"alliance-sim: {out}: --out: cannot be written: File name too long; "
        "use shorter folder names"
    )
    assert list(tmp_path.iterdir()) == []


def test_run_out_with_a_long_name_that_fits(tmp_path: Path) -> None:
    out = tmp_path / ("b" * 250)  # the staging folder's name must fit too
    assert main([*RUN_1, str(out)]) == 0
    assert (out / "manifest.json").is_file()
    assert [p.name for p in tmp_path.iterdir()] == [out.name]


def fail_on(name: str, error: OSError, monkeypatch: pytest.MonkeyPatch) -> None:
    """Make writing the table ``name`` fail with ``error`` after writing part of it."""
    to_csv = pd.DataFrame.to_csv

    def failing(
        frame: pd.DataFrame, path: object = None, *args: object, **kwargs: object
    ) -> object:
        if isinstance(path, Path) and path.name == name:
            path.write_text("replicate,st")  # half a header: the disk filled up
            if error.filename == "PATH":
                error.filename = str(path)
            raise error
        return to_csv(frame, path, *args, **kwargs)

    monkeypatch.setattr(pd.DataFrame, "to_csv", failing)


def test_a_full_disk_leaves_nothing_behind(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    fail_on("network.csv", OSError(errno.ENOSPC, "No space left on device"), monkeypatch)
    out = tmp_path / "a" / "b" / "out"
    assert main([*RUN_1, str(out)]) == EXIT_BAD_INPUT
    assert one_line(capsys) == (
        f"alliance-sim: {out}: --out: cannot write {out}/network.csv: No space left on device; "
        "free some space or choose another folder"
    )
    assert list(tmp_path.iterdir()) == []  # staging folder and the parents made are gone


def test_permission_denied_while_writing_names_the_file(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    fail_on("summary.csv", PermissionError(errno.EACCES, "Permission denied", "PATH"), monkeypatch)
    out = tmp_path / "out"
    assert main([*RUN_1, str(out)]) == EXIT_BAD_INPUT
    assert one_line(capsys) == (
        f"alliance-sim: {out}: --out: cannot write {out}/summary.csv: Permission denied; "
        "choose a folder you may write to"
    )
    assert leftovers(tmp_path, "out") == []


def test_a_failed_forced_run_keeps_the_old_folder(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    out = tmp_path / "out"
    out.mkdir()
    (out / "old.txt").write_text("old")
    fail_on("steps.csv", OSError(errno.EDQUOT, "Disk quota exceeded"), monkeypatch)
    assert main([*RUN_1, str(out), "--force"]) == EXIT_BAD_INPUT
    assert "Disk quota exceeded" in one_line(capsys)
    assert [p.name for p in out.iterdir()] == ["old.txt"]
    assert leftovers(tmp_path, "out") == ["out"]


@contextmanager
def mounted(folder: Path, options: str) -> Iterator[Path]:
    """A tmpfs mounted on ``folder`` with ``options`` (skips where mounting is not permitted)."""
    folder.mkdir()
    if shutil.which("mount") is None or os.geteuid() != 0:
        pytest.skip("mounting a tmpfs needs root and mount(8)")
    done = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", options, "tmpfs", str(folder)],
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here: {done.stderr.strip()}")
    try:
        yield folder
    finally:
        subprocess.run(["umount", str(folder)], check=False)


@pytest.fixture
def tiny_disk(tmp_path: Path) -> Iterator[Path]:
    """A 64 KiB tmpfs mounted for the test."""
    with mounted(tmp_path / "disk", "size=64k") as disk:
        yield disk


def test_run_into_a_read_only_file_system(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # Root may write into a folder of mode 0o500; not into a read-only mount.
    with mounted(tmp_path / "ro", "ro,size=64k") as disk:
        out = disk / "a" / "out"
        assert main([*RUN_1, str(out)]) == EXIT_BAD_INPUT
        assert one_line(capsys) == (
            f"alliance-sim: {out}: --out: cannot write in {disk}: Read-only file system; "
            "choose a folder on a writable file system"
        )
        assert list(disk.iterdir()) == []


@pytest.mark.parametrize("plots", [False, True], ids=["tables", "plots"])
def test_a_really_full_disk_leaves_nothing_behind(
    plots: bool, tiny_disk: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tiny_disk / "a" / "out"
    args = ["run", "classroom", "--replicates", "6" if not plots else "2", "--out", str(out)]
    assert main([*args, *([] if plots else ["--no-plots"])]) == EXIT_BAD_INPUT
    line = one_line(capsys)
    assert line.startswith(f"alliance-sim: {out}: --out: cannot ")
    assert line.endswith("No space left on device; free some space or choose another folder")
    assert list(tiny_disk.iterdir()) == []


@pytest.fixture(scope="module")
def stored(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A results folder of two replicates, without plots."""
    out = tmp_path_factory.mktemp("stored") / "run"
    assert main(["run", "classroom", "--replicates", "2", "--no-plots", "--out", str(out)]) == 0
    return out


def _cut(text: str) -> str:
    return text[: len(text) // 2]


def _drop_column(text: str, name: str) -> str:
    rows = [line.split(",") for line in text.splitlines()]
    at = rows[0].index(name)
    return "".join(",".join(r[:at] + r[at + 1 :]) + "\n" for r in rows)


def _set_cell(text: str, name: str, value: str) -> str:
    lines = text.splitlines()
    at = lines[0].split(",").index(name)
    cells = lines[2].split(",")
    cells[at] = value
    lines[2] = ",".join(cells)
    return "\n".join(lines) + "\n"


CORRUPTIONS: dict[str, tuple[str, Callable[[str], str], str]] = {
    # id: (file, how it is changed, what the error says after "FILE: ")
    "steps cut short": ("steps.csv", _cut, "ends in the middle of a line"),
    "steps garbage": ("steps.csv", lambda t: "\x00\x01,\x02\n\x03", "ends in the middle"),
    "steps empty": ("steps.csv", lambda t: "", "empty"),
    "steps header only": ("steps.csv", lambda t: t.splitlines()[0] + "\n", "has no rows"),
    "steps without a column": (
        "steps.csv",
        lambda t: _drop_column(t, "escalation"),
        "lacks column(s) escalation",
    ),
    "steps with text for a number": (
        "steps.csv",
        lambda t: _set_cell(t, "frustration", "lots"),
        "column frustration holds 'lots' in row 2, not a number",
    ),
    "steps with a fractional week": (
        "steps.csv",
        lambda t: _set_cell(t, "step", "1.5"),
        "column step must hold a whole number",
    ),
    "steps with infinity": (
        "steps.csv",
        lambda t: _set_cell(t, "escalation", "inf"),
        "column escalation holds an infinite value",
    ),
    "too many cells": ("steps.csv", lambda t: t + "1,2,3," * 200 + "\n", "not a readable table"),
    "summary cut short": ("summary.csv", _cut, "ends in the middle of a line"),
    "summary without a column": (
        "summary.csv",
        lambda t: _drop_column(t, "max_escalation"),
        "lacks column(s) max_escalation",
    ),
    "network without a column": (
        "network.csv",
        lambda t: _drop_column(t, "kind"),
        "lacks column(s) kind",
    ),
    "network with an empty name": (
        "network.csv",
        lambda t: _set_cell(t, "source", ""),
        "column source is empty in row 2",
    ),
    "actions cut short": ("actions.csv", _cut, "ends in the middle of a line"),
    "manifest not JSON": ("manifest.json", lambda t: t[:40], "not valid JSON"),
    "manifest a list": ("manifest.json", lambda t: "[1, 2]\n", "not a JSON object"),
    "manifest not UTF-8": ("manifest.json", lambda t: "\udcff", "not UTF-8 text"),
}


@pytest.mark.parametrize("file,change,says", CORRUPTIONS.values(), ids=CORRUPTIONS.keys())
def test_plot_of_a_corrupted_results_folder_names_the_file(
    file: str,
    change: Callable[[str], str],
    says: str,
    stored: Path,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    folder = tmp_path / "run"
    shutil.copytree(stored, folder)
    text = (folder / file).read_text(encoding="utf-8")
    (folder / file).write_bytes(change(text).encode("utf-8", errors="surrogateescape"))
    assert main(["plot", str(folder)]) == EXIT_BAD_INPUT
    line = one_line(capsys)
    assert line.startswith(f"alliance-sim: {folder}: {file}: {says}"), line
    assert not (folder / "plots").exists()


def test_plot_that_cannot_write_removes_the_figures_it_drew(
    stored: Path,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    folder = tmp_path / "run"
    shutil.copytree(stored, folder)
    from sim.presentation import plots

    save_png = plots.save_png

    def fills_the_disk(figure: object, path: Path) -> Path:
        if path.name == "outcomes.png":  # the last one: the others are written by then
            raise OSError(errno.ENOSPC, "No space left on device", str(path))
        return save_png(figure, path)  # type: ignore[arg-type]

    monkeypatch.setattr(plots, "save_png", fills_the_disk)
    assert main(["plot", str(folder)]) == EXIT_BAD_INPUT
    assert one_line(capsys) == (
        f"alliance-sim: {folder}/plots: plots: cannot write {folder}/plots/outcomes.png: "
        "No space left on device; free some space or choose another folder"
    )
    assert not (folder / "plots").exists()


def test_plot_of_a_path_that_is_not_a_folder(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "file").write_text("x")
    for path in (tmp_path / "file", tmp_path / ("a" * 300)):
        assert main(["plot", str(path)]) == EXIT_BAD_INPUT
        assert one_line(capsys).startswith(f"alliance-sim: {path}: (folder): ")


SWEEP = """\
name = "{name}"
year = 2020
steps = 4
seed = 3
replicates = 2

[[events]]
step = 0
kind = "offensive"
attacker = "Azerbaijan"
defender = "Armenia"
theatre = "karabakh"

[sweep.grid]
"model.tullock_r" = [1.0, 2.0]
"""


@pytest.fixture(scope="module")
def sweeps(tmp_path_factory: pytest.TempPathFactory) -> list[Path]:
    """Two small sweep folders."""
    from sim.experiments.sweep import run_sweep

    folder = tmp_path_factory.mktemp("sweeps")
    out = []
    for name in ("first", "second"):
        path = folder / f"{name}.toml"
        path.write_text(SWEEP.format(name=name))
        run_sweep(load_scenario(path), folder / name, workers=1, progress=False)
        out.append(folder / name)
    return out


def copy_sweeps(sweeps: list[Path], tmp_path: Path) -> list[Path]:
    copies = [tmp_path / s.name for s in sweeps]
    for source, copy in zip(sweeps, copies, strict=True):
        shutil.copytree(source, copy)
    return copies


def test_compare_of_a_sweep_with_a_damaged_parquet_file(
    sweeps: list[Path], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    first, second = copy_sweeps(sweeps, tmp_path)
    chunk = sorted((second / "runs").glob("*.parquet"))[-1]
    chunk.write_bytes(chunk.read_bytes()[:100])
    out = tmp_path / "figs"
    assert main(["compare", str(first), str(second), "--out", str(out)]) == EXIT_BAD_INPUT
    line = one_line(capsys)
    assert line.startswith(f"alliance-sim: {second}: runs/{chunk.name}: cannot be read (")
    assert line.endswith("delete it and run the sweep again with --resume to redo its chunk")
    assert not out.exists()


@pytest.mark.parametrize(
    "manifest,says",
    [
        ("{not json", "manifest.json: missing or not a sweep manifest"),
        ('{"kind": "alliance-sim sweep"}', "manifest.json: holds no readable sweep design"),
        (
            '{"kind": "alliance-sim sweep", "design": {"points": "x"}}',
            "manifest.json: holds no readable sweep design",
        ),
    ],
)
def test_compare_of_a_sweep_with_a_damaged_manifest(
    manifest: str,
    says: str,
    sweeps: list[Path],
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    first, second = copy_sweeps(sweeps, tmp_path)
    (first / "manifest.json").write_text(manifest)
    out = tmp_path / "figs"
    assert main(["compare", str(first), str(second), "--out", str(out)]) == EXIT_BAD_INPUT
    assert one_line(capsys).startswith(f"alliance-sim: {first}: {says}")
    assert not out.exists()


def test_compare_into_a_folder_that_cannot_be_written(
    sweeps: list[Path], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    for out, says in [
        ("/proc/alliance-sim-test", "cannot be written: No such file or directory"),
        (str(tmp_path / ("a" * 300)), "cannot be written: File name too long"),
        (str(tmp_path / ("a" * 300) / "figs"), "cannot be written: File name too long"),
    ]:
        assert main(["compare", *map(str, sweeps), "--out", out]) == EXIT_BAD_INPUT
        assert one_line(capsys).startswith(f"alliance-sim: {out}: --out: {says}")
        assert not Path(out[:200]).exists()


@pytest.mark.parametrize("existed", [False, True])
def test_compare_on_a_full_disk_takes_back_what_it_wrote(
    existed: bool,
    sweeps: list[Path],
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from sim.presentation import report

    def full(path: Path, *args: object) -> Path:
        path.write_text("<!DOCTYPE")
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(report, "write_html", full)
    out = tmp_path / "figs"
    if existed:
        out.mkdir()
        (out / "notes.txt").write_text("keep me")
    assert main(["compare", *map(str, sweeps), "--out", str(out)]) == EXIT_BAD_INPUT
    assert one_line(capsys) == (
        f"alliance-sim: {out}: --out: cannot be written: No space left on device; "
        "free some space or choose another folder"
    )
    if existed:
        assert [p.name for p in out.iterdir()] == ["notes.txt"]
    else:
        assert not out.exists()


def test_a_run_without_any_action_is_plotted(tmp_path: Path) -> None:
    # actions.csv then holds only its header: pandas types its empty columns as text.
    scenario = tmp_path / "quiet.toml"
    scenario.write_text(GOOD)
    out = tmp_path / "out"
    assert main(["run", str(scenario), "--out", str(out)]) == 0
    assert len(pd.read_csv(out / "actions.csv")) == 0
    assert (out / "plots" / "timeseries.png").is_file()
    assert main(["plot", str(out)]) == 0
