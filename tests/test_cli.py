"""The command line: every command, the one-line exit-2 contract and all-or-nothing output."""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
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
COMMANDS = ["run", "sweep", "compare", "app", "validate", "plot", "evidence", "schema", "list"]
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
