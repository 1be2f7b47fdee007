"""Sweeps: the [sweep] spec and its validation, designs, seeds, executors and the results folder."""

from __future__ import annotations

import json
import pickle
from pathlib import Path

import dask
import duckdb
import numpy as np
import pandas as pd
import pyarrow.parquet as pq
import pytest
import yaml
from distributed import Client, LocalCluster
from SALib.sample import latin, morris, sobol
from sweep_cases import BASE, GRID, ROOT, SCENARIOS, stored, write

from sim.experiments import sizing, sweep
from sim.experiments.run import run_scenario
from sim.experiments.sweep import executors
from sim.experiments.sweep.chunks import Chunk, ChunkResult, chunks_to_run, run_chunk
from sim.experiments.sweep.storage import chunk_file
from sim.loading.scenarios import load_scenario, with_changes
from sim.presentation.cli import EXIT_BAD_INPUT, main
from sim.schema.columns import TIE_CHANGE_COLUMNS


@pytest.fixture(scope="module")
def cluster() -> object:
    with sweep.local_dask_cluster(2) as local:
        yield local


# --- the spec and its validation -------------------------------------------------------------

BAD_SPECS = [
    ('[sweep.grid]\n"model.tullock_q" = [1.0]\n', "sweep.grid.model.tullock_q", "no such figure"),
    (
        '[sweep.grid]\n"ties.aze_isr_oil.share" = [0.5, 1.5]\n',
        "sweep.grid.ties.aze_isr_oil.share",
        "between 0 and 1",
    ),
    ('[sweep.grid]\n"model.tullock_r" = [1.0, 1.0]\n', "sweep.grid.model.tullock_r", "differ"),
    ('[sweep.grid]\n"model.tullock_r" = []\n', "sweep.grid.model.tullock_r", "at least one"),
    ('[sweep.grid]\n"model.tullock_r" = [-1.0]\n', "sweep.grid.model.tullock_r", "from 0 to"),
    (
        '[sweep]\ndesign = "sobol"\nsamples = 6\n[sweep.ranges]\n"model.tullock_r" = [1, 2]\n',
        "sweep.samples",
        "power of 2",
    ),
    (
        '[sweep]\ndesign = "latin"\nsamples = 8\n[sweep.ranges]\n"model.tullock_r" = [2, 1]\n',
        "sweep.ranges.model.tullock_r",
        "low < high",
    ),
    (
        '[sweep]\ndesign = "morris"\nsamples = 4\n'
        '[sweep.ranges]\n"states.Russia.commitment" = [0.5, 2]\n',
        "sweep.ranges.states.Russia.commitment",
        "between 0 and 1",
    ),
    (
        '[sweep]\ndesign = "latin"\n[sweep.ranges]\n"model.tullock_r" = [1, 2]\n',
        "sweep.samples",
        "needs 'samples'",
    ),
    ('[sweep]\ndesign = "sobol"\nsamples = 8\n', "sweep.ranges", "at least one range"),
    (
        '[sweep]\ndesign = "sobol"\nsamples = 8\n[sweep.grid]\n"model.tullock_r" = [1.0]\n',
        "sweep.grid",
        "takes 'ranges'",
    ),
    ('[sweep.ranges]\n"model.tullock_r" = [1, 2]\n', "sweep.ranges", "takes 'grid'"),
    ('[sweep]\ndesign = "factorial"\n', "sweep.design", "'grid', 'latin', 'sobol' or 'morris'"),
    ("[sweep]\nreplicates = 0\n", "sweep.replicates", "greater than or equal to 1"),
    ("[sweep]\nrepliactes = 3\n", "sweep.repliactes", "unknown field"),
]


@pytest.mark.parametrize(("spec", "field", "message"), BAD_SPECS)
def test_a_bad_sweep_spec_is_one_line_naming_file_and_field(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], spec: str, field: str, message: str
) -> None:
    path = write(tmp_path, BASE + "\n" + spec)
    out = tmp_path / "out"
    assert main(["sweep", str(path), "--out", str(out)]) == EXIT_BAD_INPUT
    err = capsys.readouterr().err.splitlines()
    assert len(err) == 1
    assert err[0].startswith(f"alliance-sim: {path}: {field}: ")
    assert message in err[0]
    assert not out.exists()


def test_the_sweep_scenarios_validate_and_have_designs() -> None:
    for path in sorted(SCENARIOS.glob("sweep_*.toml")):
        loaded = load_scenario(path)
        assert loaded.scenario.sweep is not None
        assert sweep.make_design(loaded).runs > 1


@pytest.mark.parametrize(
    "path", sorted(SCENARIOS.glob("sweep_*_morris.toml")), ids=lambda p: p.stem
)
def test_the_morris_screenings_cover_every_model_parameter_over_its_world_range(
    path: Path,
) -> None:
    loaded = load_scenario(path)
    assert loaded.scenario.sweep is not None
    ranges = {path: list(bounds) for path, bounds in loaded.scenario.sweep.ranges.items()}
    world = {f"model.{name}": list(f.range) for name, f in loaded.world.model.items() if f.range}
    assert ranges == world
    assert len(ranges) == len(loaded.world.model)


def test_a_grid_is_every_combination(tmp_path: Path) -> None:
    design = sweep.make_design(load_scenario(write(tmp_path, GRID)))
    assert design.parameters == ["model.tullock_r", "ties.tur_aze_arms.volume_usd_m"]
    assert design.points.tolist() == [[1, 10], [1, 200], [2, 10], [2, 200]]
    assert design.runs == 12


@pytest.mark.parametrize("kind", ["latin", "sobol", "morris"])
def test_sampled_designs_are_salibs_seeded_by_the_scenario(tmp_path: Path, kind: str) -> None:
    spec = (
        f'[sweep]\ndesign = "{kind}"\nsamples = 8\nreplicates = 2\n[sweep.ranges]\n'
        '"model.tullock_r" = [1, 2]\n"states.Russia.commitment" = [0, 1]\n'
    )
    design = sweep.make_design(load_scenario(write(tmp_path, BASE + spec)))
    problem = {"num_vars": 2, "names": design.parameters, "bounds": [[1, 2], [0, 1]]}
    expected = {
        "latin": lambda: latin.sample(problem, 8, seed=5),
        "sobol": lambda: sobol.sample(problem, 8, calc_second_order=False, seed=5),
        "morris": lambda: morris.sample(problem, 8, num_levels=4, seed=5),
    }[kind]()
    np.testing.assert_array_equal(design.points, expected)
    assert len(design.points) == {"latin": 8, "sobol": 8 * 4, "morris": 8 * 3}[kind]
    assert design.runs == 2 * len(design.points)


def test_a_scenario_without_a_sweep_sweeps_its_replicates(tmp_path: Path) -> None:
    loaded = load_scenario(write(tmp_path, BASE))
    report = sweep.run_sweep(loaded, tmp_path / "out", workers=1)
    assert (report.design.parameters, report.design.runs, report.runs_done) == ([], 3, 3)
    runs = stored(tmp_path / "out")
    expected = run_scenario(loaded).summary
    assert runs["replicate"].tolist() == [0, 1, 2]
    pd.testing.assert_series_equal(runs["war_weeks"], expected["war_weeks"], check_dtype=False)
    resumed = sweep.run_sweep(loaded, tmp_path / "out", resume=True, workers=1)
    assert (resumed.design.points.shape, resumed.runs_run) == ((1, 0), 0)


# --- seeds: a run equals 'alliance-sim run' of its point ---------------------------------------


def test_each_run_equals_alliance_sim_run_of_its_point(tmp_path: Path) -> None:
    loaded = load_scenario(write(tmp_path, GRID))
    sweep.run_sweep(loaded, tmp_path / "out", workers=1, chunk_size=5)
    runs, steps = stored(tmp_path / "out"), stored(tmp_path / "out", "steps")
    for point, (r, volume) in enumerate(sweep.make_design(loaded).points):
        overrides = (
            f'\n[overrides]\n"model.tullock_r" = {r}\n"ties.tur_aze_arms.volume_usd_m" = {volume}\n'
        )
        alone = run_scenario(load_scenario(write(tmp_path, BASE + overrides, f"p{point}.toml")))
        mine = runs[runs["point"] == point].reset_index(drop=True)
        summary = alone.summary.drop(columns="replicate")
        pd.testing.assert_frame_equal(mine[summary.columns], summary, check_dtype=False)
        mine_steps = steps[steps["point"] == point].reset_index(drop=True)
        pd.testing.assert_frame_equal(
            mine_steps[alone.steps.columns], alone.steps, check_dtype=False
        )
        assert (mine["model.tullock_r"] == r).all()


def history_sweep(tmp_path: Path) -> Path:
    """The South Caucasus history scenario, swept over the tie dynamics (off and on)."""
    text = (ROOT / "scenarios" / "south_caucasus_history.toml").read_text(encoding="utf-8")
    text = text.replace('"model.review_share" = 0.0\n', "")
    grid = '\n[sweep]\nreplicates = 2\n\n[sweep.grid]\n"model.review_share" = [0.0, 1.0]\n'
    return write(tmp_path, text + grid, "history.toml")


def test_a_sweep_stores_the_tie_changes_alliance_sim_run_logs(tmp_path: Path) -> None:
    # Six years of the dated network, with the states' own choices off and on: the stored
    # changes of each run are the tie_changes.csv rows of `alliance-sim run` at its point.
    loaded = load_scenario(history_sweep(tmp_path))
    sweep.run_sweep(loaded, tmp_path / "out", workers=1, chunk_size=3)
    ties = stored(tmp_path / "out", "ties")
    assert set(ties.columns) == {"run", "point", "replicate", *TIE_CHANGE_COLUMNS}
    by_reason = ties.groupby("point")["reason"].agg(lambda r: {x.split(":")[0] for x in r})
    assert "rule" not in by_reason[0] and "rule" in by_reason[1]  # choices only where on
    for point, (share,) in enumerate(sweep.make_design(loaded).points):
        changed = with_changes(loaded, overrides={"model.review_share": share})
        alone = run_scenario(changed, replicates=2)
        mine = ties[ties["point"] == point].drop(columns=["run", "point"]).reset_index(drop=True)
        expected = alone.tie_changes.reset_index(drop=True)
        pd.testing.assert_frame_equal(mine[expected.columns], expected, check_dtype=False)


def test_a_sweep_begun_before_the_ties_table_resumes_without_it(tmp_path: Path) -> None:
    loaded = load_scenario(history_sweep(tmp_path))
    out = tmp_path / "out"
    sweep.run_sweep(loaded, out, workers=1, chunk_size=1, max_runs=4)
    # As an earlier version left it: no tables listed, no ties folder, two chunks done.
    info = json.loads((out / "manifest.json").read_text())
    del info["tables"]
    info["chunks_done"] = [[0, 1]]
    (out / "manifest.json").write_text(json.dumps(info))
    for file in (out / "ties").iterdir():
        file.unlink()
    (out / "ties").rmdir()
    resumed = sweep.run_sweep(loaded, out, resume=True, workers=1)
    assert (resumed.runs_run, resumed.runs_done) == (2, 4)
    assert not (out / "ties").exists()
    assert stored(out)["run"].tolist() == [0, 1, 2, 3]


def test_points_share_random_numbers_and_differ_only_by_parameters(tmp_path: Path) -> None:
    # Common random numbers: two points with no effective difference give identical runs.
    spec = '[sweep.grid]\n"states.Israel.commitment" = [0.2, 0.9]\n'
    loaded = load_scenario(write(tmp_path, BASE + spec))
    sweep.run_sweep(loaded, tmp_path / "out", workers=1)
    steps = stored(tmp_path / "out", "steps")
    first = steps[steps["point"] == 0].drop(columns=["run", "point"]).reset_index(drop=True)
    second = steps[steps["point"] == 1].drop(columns=["run", "point"]).reset_index(drop=True)
    pd.testing.assert_frame_equal(first, second)


# --- executors --------------------------------------------------------------------------------


@pytest.mark.slow
def test_results_are_identical_whatever_the_executor_and_chunking(
    tmp_path: Path, cluster: LocalCluster
) -> None:
    loaded = load_scenario(write(tmp_path, GRID))
    setups = {
        "serial": {"workers": 1, "chunk_size": 12},
        "processes": {"workers": 2, "chunk_size": 5},
        "dask": {"workers": 2, "dask": cluster.scheduler_address, "chunk_size": 2},
        "dask_one_run_per_chunk": {"dask": cluster.scheduler_address, "chunk_size": 1},
    }
    results = {}
    for name, options in setups.items():
        report = sweep.run_sweep(loaded, tmp_path / name, **options)
        assert report.runs_done == 12 and not report.failed
        results[name] = (stored(tmp_path / name), stored(tmp_path / name, "steps"))
    chunks = len(list((tmp_path / "dask" / "runs").glob("*.parquet")))
    assert chunks == 6
    assert not list((tmp_path / "dask").glob(".*")), "the workers' mark file is left behind"
    for name in setups:
        pd.testing.assert_frame_equal(results[name][0], results["serial"][0])
        pd.testing.assert_frame_equal(results[name][1], results["serial"][1])


@pytest.mark.slow
def test_the_local_dask_cluster_runs_with_the_settings_for_sweeps(cluster: LocalCluster) -> None:
    with Client(cluster) as client:
        on_workers = client.run(lambda: {key: dask.config.get(key) for key in sweep.DASK_CONFIG})
        on_scheduler = client.run_on_scheduler(
            lambda dask_scheduler: "stealing" in dask_scheduler.extensions
        )
    assert len(on_workers) == 2
    for settings in on_workers.values():
        assert settings == sweep.DASK_CONFIG
    assert on_scheduler is False
    assert dask.config.get("distributed.worker.profile.enabled") is True  # left as it was here


def test_the_dask_settings_in_the_docs_are_the_ones_the_local_cluster_uses() -> None:
    text = (SCENARIOS.parent / "docs" / "sweeps.md").read_text()
    block = text.split("```yaml\n", 1)[1].split("```", 1)[0]

    def flatten(tree: dict[str, object], prefix: str = "") -> dict[str, object]:
        flat: dict[str, object] = {}
        for key, value in tree.items():
            if isinstance(value, dict):
                flat |= flatten(value, f"{prefix}{key}.")
            else:
                flat[f"{prefix}{key}"] = value
        return flat

    assert flatten(yaml.safe_load(block)) == sweep.DASK_CONFIG


def test_a_dask_worker_stores_the_steps_only_where_it_sees_the_sweep_folder(
    tmp_path: Path,
) -> None:
    loaded = load_scenario(write(tmp_path, GRID))
    design = sweep.make_design(loaded)
    chunk = next(chunks_to_run(design, 4, set()))
    out = tmp_path / "out"
    (out / "steps").mkdir(parents=True)
    steps_file = chunk_file(out, "steps", chunk.index)

    elsewhere = executors.run_on_dask(loaded, chunk, str(out), ".mark-of-another-machine.tmp")
    assert elsewhere.steps is not None and not steps_file.exists()

    (out / ".mark.tmp").touch()
    here = executors.run_on_dask(loaded, chunk, str(out), ".mark.tmp")
    assert here.steps is None
    pd.testing.assert_frame_equal(
        pq.read_table(steps_file).to_pandas(), elsewhere.steps.to_pandas()
    )
    pd.testing.assert_frame_equal(here.runs.to_pandas(), elsewhere.runs.to_pandas())


@pytest.mark.parametrize("path", sorted(SCENARIOS.glob("*.toml")), ids=lambda p: p.stem)
def test_a_scenario_sent_to_a_worker_arrives_whole(path: Path) -> None:
    # Workers get the scenario pickled; it is validated again on arrival (sim.schema.scenario).
    loaded = load_scenario(path)
    arrived = pickle.loads(pickle.dumps(loaded))
    assert arrived == loaded
    assert arrived.world is not loaded.world


def test_a_failing_chunk_is_retried_then_reported(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    loaded = load_scenario(write(tmp_path, GRID))
    real = run_chunk
    calls: dict[int, int] = {}

    def flaky(loaded: object, chunk: Chunk) -> ChunkResult:
        calls[chunk.index] = calls.get(chunk.index, 0) + 1
        if chunk.index == 1 and calls[1] <= 2:
            raise RuntimeError("worker lost")
        if chunk.index == 2:
            raise RuntimeError("always fails")
        return real(loaded, chunk)

    monkeypatch.setattr(executors, "run_chunk", flaky)
    out = tmp_path / "out"
    report = sweep.run_sweep(loaded, out, workers=1, chunk_size=3, retries=2)
    assert calls == {0: 1, 1: 3, 2: 3, 3: 1}
    assert report.failed == [(2, "RuntimeError: always fails")]
    assert report.failed_runs == 3
    info = json.loads((out / "manifest.json").read_text())
    assert info["chunks_done"] == [[0, 1], [3, 3]]
    assert info["chunks_failed"] == [{"chunk": 2, "error": "RuntimeError: always fails"}]
    monkeypatch.setattr(executors, "run_chunk", real)
    resumed = sweep.run_sweep(loaded, out, resume=True, workers=1)
    assert (resumed.runs_run, resumed.runs_done, resumed.failed) == (3, 12, [])
    sweep.run_sweep(loaded, tmp_path / "whole", workers=1)
    pd.testing.assert_frame_equal(stored(out), stored(tmp_path / "whole"))


# --- the results folder -------------------------------------------------------------------------


def test_results_open_in_pandas_and_duckdb(tmp_path: Path) -> None:
    loaded = load_scenario(write(tmp_path, GRID))
    out = tmp_path / "out"
    sweep.run_sweep(loaded, out, workers=1, chunk_size=5)
    runs = pd.read_parquet(out / "runs")
    assert sorted(runs["run"]) == list(range(12))
    assert {"model.tullock_r", "ties.tur_aze_arms.volume_usd_m", "war_weeks"} <= set(runs)
    query = f"""
        select "model.tullock_r" as r, count(*) as n, avg(war_weeks) as weeks
        from '{out}/runs/*.parquet' group by r order by r
    """
    by_r = duckdb.sql(query).df()
    assert by_r["n"].tolist() == [6, 6]
    expected = runs.groupby("model.tullock_r")["war_weeks"].mean().to_numpy()
    np.testing.assert_allclose(by_r["weeks"], expected)
    weeks = duckdb.sql(f"select count(*) from '{out}/steps/*.parquet'").fetchall()[0][0]
    assert weeks == 12 * (loaded.scenario.steps + 1)


def test_the_manifest_describes_the_sweep(tmp_path: Path) -> None:
    loaded = load_scenario(write(tmp_path, GRID))
    sweep.run_sweep(loaded, tmp_path / "out", workers=1, chunk_size=5)
    info = json.loads((tmp_path / "out" / "manifest.json").read_text())
    assert info["scenario_sha256"] == loaded.sha256
    assert info["scenario_text"] == loaded.text
    assert info["design"]["point_count"] == 4 and info["design"]["points_file"] == "design.parquet"
    stored_design = sweep.design_from_manifest(sweep.read_manifest(tmp_path / "out"))
    assert stored_design.points.tolist() == [[1, 10], [1, 200], [2, 10], [2, 200]]
    assert info["chunks_done"] == [[0, 2]] and info["chunk_size"] == 5
    assert info["fingerprint"]["scenario_sha256"] == loaded.sha256
    assert "spawn_key=(r,)" in info["seeding"]
    assert info["packages"]["pyarrow"] != "not installed"


def test_a_non_empty_folder_needs_resume_and_the_same_scenario(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = write(tmp_path, GRID)
    out = tmp_path / "out"
    out.mkdir()
    (out / "notes.txt").write_text("mine")
    assert main(["sweep", str(path), "--out", str(out), "--no-report"]) == EXIT_BAD_INPUT
    assert "pass --resume" in capsys.readouterr().err
    assert sorted(p.name for p in out.iterdir()) == ["notes.txt"]
    assert main(["sweep", str(path), "--out", str(out), "--resume"]) == EXIT_BAD_INPUT
    assert "manifest.json: missing or not a sweep manifest" in capsys.readouterr().err

    done = tmp_path / "done"
    assert main(["sweep", str(path), "--out", str(done), "--workers", "1", "--no-report"]) == 0
    capsys.readouterr()  # its plan and summary
    other = write(tmp_path, GRID.replace("seed = 5", "seed = 6"), "other.toml")
    before = sorted(p.name for p in (done / "runs").iterdir())
    assert main(["sweep", str(other), "--out", str(done), "--resume"]) == EXIT_BAD_INPUT
    err = capsys.readouterr().err.splitlines()
    assert len(err) == 1 and "the scenario file is not the one this sweep began with" in err[0]
    assert sorted(p.name for p in (done / "runs").iterdir()) == before


def test_sweep_command_prints_a_summary_and_writes_a_report(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = write(tmp_path, GRID)
    out = tmp_path / "out"
    assert main(["sweep", str(path), "--out", str(out), "--workers", "1"]) == 0
    line = capsys.readouterr().out.strip()
    assert line.startswith("t: 12/12 runs (4 point(s) x 3 replicate(s); 12 run now), 0 failed")
    assert line.endswith(f"results in {out}, report {out / 'report.html'}")
    assert (out / "report.html").is_file()
    assert main(["sweep", str(path), "--out", str(out), "--resume", "--no-report"]) == 0
    assert "12/12 runs" in capsys.readouterr().out


@pytest.mark.slow
def test_an_unreachable_dask_scheduler_is_one_line_and_writes_nothing(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(executors, "DASK_TIMEOUT", "1s")  # nothing listens there: do not wait long
    path = write(tmp_path, GRID)
    out = tmp_path / "out"
    code = main(["sweep", str(path), "--out", str(out), "--dask", "tcp://127.0.0.1:9"])
    assert code == EXIT_BAD_INPUT
    err = capsys.readouterr().err.splitlines()
    assert len(err) == 1 and "--dask: cannot connect" in err[0]
    assert not out.exists()


@pytest.mark.parametrize(
    ("option", "message"),
    [
        (["--workers", "0"], "--workers: must be at least 1 and at most 256 (got 0)"),
        (["--chunk-size", "0"], "--chunk-size: must be at least 1 and at most 10,000 (got 0)"),
        (["--retries", "-1"], "--retries: must be at least 0 and at most 100 (got -1)"),
    ],
)
def test_bad_sweep_options_are_one_line_and_write_nothing(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], option: list[str], message: str
) -> None:
    out = tmp_path / "out"
    assert main(["sweep", str(write(tmp_path, GRID)), "--out", str(out), *option]) == 2
    assert capsys.readouterr().err.splitlines() == [f"alliance-sim: {out}: {message}"]
    assert not out.exists()


def test_the_progress_bar_shows_runs_rate_and_time_left(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    loaded = load_scenario(write(tmp_path, GRID))
    sweep.run_sweep(loaded, tmp_path / "shown", workers=1, chunk_size=4, progress=True)
    err = capsys.readouterr().err
    assert "12/12" in err and "run/s" in err and "<00:00" in err
    sweep.run_sweep(loaded, tmp_path / "hidden", workers=1, chunk_size=4)  # stderr: no tty
    assert capsys.readouterr().err == ""


def test_the_default_worker_count_respects_cpu_affinity(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sizing.os, "sched_getaffinity", lambda pid: {0}, raising=False)
    monkeypatch.setattr(sizing.os, "cpu_count", lambda: 64)
    assert sizing.usable_cores() == 1
    monkeypatch.delattr(sizing.os, "sched_getaffinity")
    assert sizing.usable_cores() == 64


@pytest.mark.slow
def test_the_command_starts_the_pools_fork_server_first_with_the_pools_preload(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    # `alliance-sim sweep` starts the pool's fork server before its own imports, so that the
    # server imports the model on another core meanwhile. It must preload what the pool's
    # workers run (else they would import it late, one by one); a serial sweep starts none.
    import multiprocessing.forkserver

    preloads: list[list[str]] = []
    real = multiprocessing.forkserver.set_forkserver_preload

    def record(names: list[str]) -> None:
        preloads.append(list(names))
        real(names)

    monkeypatch.setattr(multiprocessing.forkserver, "set_forkserver_preload", record)
    path = write(tmp_path, GRID)
    args = ["sweep", str(path), "--no-report", "--out"]
    assert main([*args, str(tmp_path / "pool"), "--workers", "2"]) == 0
    assert preloads == [[executors.__name__], [executors.__name__]]
    preloads.clear()
    assert main([*args, str(tmp_path / "serial"), "--workers", "1"]) == 0
    # Nor does a sweep left to its default workers that is too small for a pool (12 runs).
    assert main([*args, str(tmp_path / "small")]) == 0
    assert preloads == []
    capsys.readouterr()
    pd.testing.assert_frame_equal(stored(tmp_path / "pool"), stored(tmp_path / "serial"))
