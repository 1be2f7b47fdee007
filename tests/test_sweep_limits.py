"""Sweeps within bounds: sizes refused before work, the plan, the manifest, fingerprint, lock."""

from __future__ import annotations

import dataclasses
import fcntl
import hashlib
import json
import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from sweep_cases import BASE, GRID, SCENARIOS, stored, write

from sim.experiments import sizing, sweep
from sim.experiments.analysis import load_sweep
from sim.experiments.sweep import designs, storage
from sim.experiments.sweep import run as sweep_run
from sim.experiments.sweep.chunks import default_chunk_size
from sim.loading.scenarios import LoadedScenario, load_scenario
from sim.loading.worlds import builtin_world_path
from sim.presentation.cli import EXIT_BAD_INPUT, main
from sim.schema.errors import InputError
from sim.schema.limits import (
    MAX_CHUNK_SIZE,
    MAX_CHUNKS,
    MAX_DESIGN_POINTS,
    MAX_REPLICATES,
    MAX_RETRIES,
    MAX_RUNS_DEFAULT,
    MAX_RUNS_HARD,
    MAX_WORKERS,
)

# Long enough runs (two years of weeks) that a sweep is still going when it is looked at.
LONG = BASE.replace("steps = 6", "steps = 104").replace("replicates = 3", "replicates = 20") + (
    '\n[sweep.grid]\n"model.tullock_r" = [1.0, 2.0, 3.0]\n'
)


def one_error_line(capsys: pytest.CaptureFixture[str]) -> str:
    err = capsys.readouterr().err.splitlines()
    assert len(err) == 1, err
    return err[0]


def snapshot(folder: Path) -> dict[str, bytes]:
    """Every file of a folder with its bytes, to show that nothing changed."""
    return {str(p.relative_to(folder)): p.read_bytes() for p in folder.rglob("*") if p.is_file()}


def model_ranges(count: int) -> dict[str, list[float]]:
    """``count`` model parameters with their ranges in the built-in world."""
    world = load_scenario(SCENARIOS / "baseline.toml").world
    ranges = {f"model.{n}": list(f.range) for n, f in world.model.items() if f.range}
    assert len(ranges) >= count
    return dict(list(ranges.items())[:count])


def sampled(kind: str, samples: int, dimensions: int, replicates: int = 1) -> str:
    lines = "".join(f'"{p}" = {r}\n' for p, r in model_ranges(dimensions).items())
    return (
        BASE
        + f'\n[sweep]\ndesign = "{kind}"\nsamples = {samples}\nreplicates = {replicates}\n'
        + f"[sweep.ranges]\n{lines}"
    )


class NoProduct:
    """Stands in for itertools in the designs module: building a grid here is a failure."""

    def __getattr__(self, name: str) -> object:
        import itertools

        if name == "product":
            raise AssertionError("the grid was built before its size was checked")
        return getattr(itertools, name)


# --- every size bounded before work starts -------------------------------------------------


def test_run_replicates_obey_the_bound_of_the_file_field(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    def never(*args: object, **kwargs: object) -> None:
        raise AssertionError("the replicates ran")

    monkeypatch.setattr("sim.experiments.run.run_scenario", never)
    out = tmp_path / "out"
    for replicates in (MAX_REPLICATES + 1, 1_000_000_000):
        args = ["run", "classroom", "--replicates", str(replicates), "--no-plots", "--out"]
        assert main([*args, str(out)]) == EXIT_BAD_INPUT
        line = one_error_line(capsys)
        assert line.endswith(
            f"classroom.toml: --replicates: must be at least 1 and at most "
            f"{MAX_REPLICATES:,} (got {replicates})"
        )
        assert not out.exists()
    # The file field has the same bound.
    text = BASE.replace("replicates = 3", f"replicates = {MAX_REPLICATES + 1}")
    assert main(["validate", str(write(tmp_path, text))]) == EXIT_BAD_INPUT
    assert "replicates" in one_error_line(capsys)


@pytest.mark.parametrize(
    ("option", "message"),
    [
        (["--workers", "0"], f"--workers: must be at least 1 and at most {MAX_WORKERS} (got 0)"),
        (
            ["--workers", str(MAX_WORKERS + 1)],
            f"--workers: must be at least 1 and at most {MAX_WORKERS} (got {MAX_WORKERS + 1})",
        ),
        (
            ["--chunk-size", str(MAX_CHUNK_SIZE + 1)],
            f"--chunk-size: must be at least 1 and at most {MAX_CHUNK_SIZE:,} "
            f"(got {MAX_CHUNK_SIZE + 1})",
        ),
        (
            ["--retries", str(MAX_RETRIES + 1)],
            f"--retries: must be at least 0 and at most {MAX_RETRIES} (got {MAX_RETRIES + 1})",
        ),
        (
            ["--max-runs", str(MAX_RUNS_HARD + 1)],
            f"--max-runs: must be at least 1 and at most {MAX_RUNS_HARD:,} "
            f"(got {MAX_RUNS_HARD + 1})",
        ),
        (["--max-runs", "0"], f"--max-runs: must be at least 1 and at most {MAX_RUNS_HARD:,}"),
    ],
)
def test_sweep_flags_beyond_their_limits_are_one_line_and_write_nothing(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], option: list[str], message: str
) -> None:
    out = tmp_path / "a" / "out"
    assert main(["sweep", str(write(tmp_path, GRID)), "--out", str(out), *option]) == 2
    assert one_error_line(capsys).startswith(f"alliance-sim: {out}: {message}")
    assert not (tmp_path / "a").exists()


def test_the_default_worker_count_is_bounded_too(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sizing, "usable_cores", lambda: 4 * MAX_WORKERS)
    assert sweep_run._check_options(Path("out"), None, 2, None, None) == (
        MAX_WORKERS,
        MAX_RUNS_DEFAULT,
    )
    # The largest values allowed pass.
    args = (Path("out"), MAX_WORKERS, MAX_RETRIES, MAX_CHUNK_SIZE, MAX_RUNS_HARD)
    assert sweep_run._check_options(*args) == (MAX_WORKERS, MAX_RUNS_HARD)


def test_a_grid_too_big_is_refused_from_its_value_counts_before_it_is_built(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(designs, "itertools", NoProduct())
    lines = "".join(
        f'"{p}" = {np.linspace(low, high, 100).tolist()}\n'
        for p, (low, high) in model_ranges(10).items()
    )
    path = write(tmp_path, BASE + "\n[sweep]\nreplicates = 1\n[sweep.grid]\n" + lines)
    out = tmp_path / "out"
    assert main(["sweep", str(path), "--out", str(out)]) == EXIT_BAD_INPUT
    assert one_error_line(capsys) == (
        f"alliance-sim: {path}: sweep.grid: 10 parameter(s) of "
        + " x ".join(["100"] * 10)
        + f" values make {100**10:,} points; at most {MAX_DESIGN_POINTS:,} design points "
        "are allowed: list fewer values or parameters"
    )
    assert not out.exists()
    with pytest.raises(InputError, match="sweep.grid"):
        sweep.make_design(load_scenario(path))


def test_a_grid_of_exactly_the_limit_is_allowed(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(sizing, "MAX_DESIGN_POINTS", 4)
    loaded = load_scenario(write(tmp_path, GRID))
    assert sizing.design_size(loaded) == (4, 3)
    assert len(sweep.make_design(loaded).points) == 4
    monkeypatch.setattr(sizing, "MAX_DESIGN_POINTS", 3)
    with pytest.raises(InputError, match="make 4 points; at most 3 design points"):
        sizing.design_size(loaded)


@pytest.mark.parametrize(
    ("kind", "samples", "dimensions", "points", "rule"),
    [
        ("sobol", 65536, 14, 65536 * 16, "samples x (D + 2)"),
        ("morris", 100_000, 10, 100_000 * 11, "samples x (D + 1)"),
    ],
)
def test_a_sampled_design_too_big_is_refused_before_salib_draws_it(
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    kind: str,
    samples: int,
    dimensions: int,
    points: int,
    rule: str,
) -> None:
    import importlib

    def never(*args: object, **kwargs: object) -> None:
        raise AssertionError("SALib drew the design before its size was checked")

    monkeypatch.setattr(importlib.import_module(f"SALib.sample.{kind}"), "sample", never)
    path = write(tmp_path, sampled(kind, samples, dimensions))
    out = tmp_path / "out"
    assert main(["sweep", str(path), "--out", str(out)]) == EXIT_BAD_INPUT
    per_sample = points // samples
    assert one_error_line(capsys) == (
        f"alliance-sim: {path}: sweep.samples: {kind!r} with {samples:,} samples over "
        f"D = {dimensions} parameter(s) makes {points:,} points ({rule}); at most "
        f"{MAX_DESIGN_POINTS:,} design points are allowed: give at most "
        f"{MAX_DESIGN_POINTS // per_sample:,} samples"
    )
    assert not out.exists()


def test_a_latin_design_is_sized_by_its_samples(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # MAX_SAMPLES keeps a Latin hypercube below MAX_DESIGN_POINTS; the check is still there.
    monkeypatch.setattr(sizing, "MAX_DESIGN_POINTS", 7)
    loaded = load_scenario(write(tmp_path, sampled("latin", 8, 2)))
    with pytest.raises(InputError, match="'latin' with 8 samples .* makes 8 points"):
        sizing.design_size(loaded)


@pytest.mark.parametrize("kind", ["latin", "sobol", "morris"])
def test_the_counted_size_is_the_size_of_the_built_design(tmp_path: Path, kind: str) -> None:
    loaded = load_scenario(write(tmp_path, sampled(kind, 8, 3, replicates=2)))
    design = sweep.make_design(loaded)
    assert sizing.design_size(loaded) == (len(design.points), 2)


def test_more_runs_than_the_default_need_max_runs(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    values = [1.0 + i / 10 for i in range(11)]
    text = BASE + f'\n[sweep]\nreplicates = 100000\n[sweep.grid]\n"model.tullock_r" = {values}\n'
    path = write(tmp_path, text)
    out = tmp_path / "out"
    assert main(["sweep", str(path), "--out", str(out)]) == EXIT_BAD_INPUT
    assert one_error_line(capsys) == (
        f"alliance-sim: {path}: --max-runs: the sweep plans 1,100,000 runs (11 point(s) x "
        f"100,000 replicate(s)), more than the {MAX_RUNS_DEFAULT:,} allowed (default "
        f"{MAX_RUNS_DEFAULT:,}); pass --max-runs 1100000 to run them (at most "
        f"{MAX_RUNS_HARD:,}), or use fewer points or replicates"
    )
    assert not out.exists()
    # Raised far enough, the limit lets it through (checked without running it).
    loaded = load_scenario(path)
    sweep_run._check_size(loaded, out, 2, None, 1_100_000)
    with pytest.raises(InputError, match="more than the 1,099,999 allowed"):
        sweep_run._check_size(loaded, out, 2, None, 1_099_999)
    # ...but not past the hard limit, whatever --max-runs says.
    many = [1.0 + i / 1000 for i in range(1001)]
    hard = write(tmp_path, text.replace(str(values), str(many)), "hard.toml")
    args = ["sweep", str(hard), "--out", str(out), "--max-runs", str(MAX_RUNS_HARD)]
    assert main(args) == EXIT_BAD_INPUT
    assert one_error_line(capsys) == (
        f"alliance-sim: {hard}: sweep: the sweep plans 100,100,000 runs (1,001 point(s) x "
        f"100,000 replicate(s)), more than any sweep may run ({MAX_RUNS_HARD:,}); use fewer "
        "points or replicates"
    )
    assert not out.exists()


def test_too_many_chunks_are_refused_and_the_default_chunk_keeps_below_the_limit(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    values = [1.0 + i / 10 for i in range(11)]
    text = BASE + f'\n[sweep]\nreplicates = 100000\n[sweep.grid]\n"model.tullock_r" = {values}\n'
    path = write(tmp_path, text)
    out = tmp_path / "out"
    args = ["sweep", str(path), "--out", str(out), "--max-runs", "2000000", "--chunk-size", "1"]
    assert main(args) == EXIT_BAD_INPUT
    assert one_error_line(capsys) == (
        f"alliance-sim: {out}: --chunk-size: 1 run(s) per chunk cut 1,100,000 runs into "
        f"1,100,000 chunks; at most {MAX_CHUNKS:,} are allowed (each is three files): give at "
        "least 11"
    )
    assert not out.exists()
    for runs in (1, 12, 1_000_000, MAX_RUNS_HARD):
        size = default_chunk_size(runs, 2)
        assert 1 <= size <= MAX_CHUNK_SIZE and -(-runs // size) <= MAX_CHUNKS
    assert default_chunk_size(12, 1) == 3  # small sweeps keep their chunks as before


# --- the plan ------------------------------------------------------------------------------


PLAN = re.compile(
    r"^t: plan: 4 point\(s\) x 3 replicate\(s\) = 12 runs, 12 to run on 1 worker\(s\); "
    r"estimated \S+ (s|min|h|days) and \S+ (B|kB|MB|GB|TB) on disk "
    r"\(estimates from one timed run: \S+ s, \S+ (B|kB|MB) stored per run\)$"
)


def test_a_sweep_prints_its_plan_with_estimates_before_it_runs(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = write(tmp_path, GRID)
    out = tmp_path / "out"
    assert main(["sweep", str(path), "--out", str(out), "--workers", "1", "--no-report"]) == 0
    captured = capsys.readouterr()
    assert PLAN.match(captured.err.strip()), captured.err
    assert captured.out.startswith("t: 12/12 runs")
    # The plan's timed runs change nothing: the tables equal those of a sweep without a plan.
    sweep.run_sweep(load_scenario(path), tmp_path / "plain", workers=1)
    for table in ("runs", "steps"):
        pd.testing.assert_frame_equal(stored(out, table), stored(tmp_path / "plain", table))


def test_the_plan_comes_before_any_run_and_its_estimates_are_measured(tmp_path: Path) -> None:
    loaded = load_scenario(write(tmp_path, GRID))
    out = tmp_path / "out"
    plans: list[sweep_run.SweepPlan] = []

    def seen(plan: sweep_run.SweepPlan) -> None:
        assert not (out / "runs").exists() and not (out / "manifest.json").exists()
        plans.append(plan)

    sweep.run_sweep(loaded, out, workers=1, chunk_size=5, on_plan=seen)
    (plan,) = plans
    assert (plan.points, plan.replicates, plan.runs, plan.to_run, plan.workers) == (4, 3, 12, 12, 1)
    assert plan.seconds is not None and plan.seconds_per_run is not None
    assert plan.seconds == pytest.approx(plan.seconds_per_run * 12)
    stored = sum(p.stat().st_size for p in out.rglob("*.parquet"))
    assert plan.disk_bytes is not None and stored / 2 < plan.disk_bytes < stored * 2


def test_a_resumed_plan_counts_what_is_stored_and_times_nothing_when_all_is(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    loaded = load_scenario(write(tmp_path, GRID))
    out = tmp_path / "out"
    sweep.run_sweep(loaded, out, workers=1, chunk_size=5)
    plans: list[sweep_run.SweepPlan] = []

    def never(*args: object) -> None:
        raise AssertionError("a run was timed with nothing to run")

    monkeypatch.setattr(sweep_run, "run_chunk", never)
    sweep.run_sweep(loaded, out, resume=True, workers=1, on_plan=plans.append)
    assert str(plans[0]) == (
        "t: plan: 4 point(s) x 3 replicate(s) = 12 runs, all stored: nothing to run"
    )


def test_a_small_sweep_left_to_its_default_workers_runs_in_this_process(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A pool costs more to start and feed than a sweep of a fraction of a second takes here;
    # the chunks are cut as for the default workers all the same, so the files do not change.
    loaded = load_scenario(write(tmp_path, GRID))  # 12 runs of 6 weeks
    work = 12 * 6 * len(loaded.world.states)
    assert work < sizing.SMALL_SWEEP
    opened: list[int] = []
    real = sweep_run.open_executor

    def record(loaded: LoadedScenario, workers: int, dask: str | None, out: Path) -> object:
        opened.append(workers)
        return real(loaded, 1, dask, out)

    monkeypatch.setattr(sweep_run, "open_executor", record)
    monkeypatch.setattr(sizing, "usable_cores", lambda: 2)
    plans: list[sweep_run.SweepPlan] = []
    sweep.run_sweep(loaded, tmp_path / "small", on_plan=plans.append)
    assert opened == [1] and plans[0].workers == 1
    info = json.loads((tmp_path / "small" / "manifest.json").read_text())
    assert info["chunk_size"] == default_chunk_size(12, 2) == 2
    sweep.run_sweep(loaded, tmp_path / "asked", workers=2)  # asked for: kept
    monkeypatch.setattr(sizing, "SMALL_SWEEP", work)  # no longer small
    sweep.run_sweep(loaded, tmp_path / "large")
    assert opened == [1, 2, 2]


# --- the manifest stays small; the design is in design.parquet ------------------------------


def test_the_manifest_holds_no_design_points_and_the_design_reads_back(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # 1,000 Morris trajectories over every model parameter (38 or more): 39,000 points or more,
    # which the manifest used to hold as JSON (1.5 MB, rewritten after every chunk). Nothing
    # is run here.
    path = SCENARIOS / "sweep_karabakh_morris.toml"
    text = path.read_text().replace("samples = 10", "samples = 1000")
    loaded = load_scenario(write(tmp_path, text))
    monkeypatch.setattr(sweep_run, "execute", lambda *args: [])
    out = tmp_path / "out"
    sweep.run_sweep(loaded, out, workers=1)
    assert (out / "manifest.json").stat().st_size < 20_000
    info = storage.read_manifest(out)
    design = sweep.make_design(loaded)
    assert loaded.scenario.sweep is not None
    points = 1000 * (len(loaded.scenario.sweep.ranges) + 1)
    assert len(design.points) == points >= 39_000
    assert info["design"]["point_count"] == points
    assert info["design"]["sha256"] == design.sha256()
    stored = sweep.design_from_manifest(info)
    np.testing.assert_array_equal(stored.points, design.points)
    assert (stored.kind, stored.parameters, stored.replicates) == (
        design.kind,
        design.parameters,
        design.replicates,
    )


def test_analysis_reads_the_design_and_a_manifest_of_an_earlier_version_still_reads(
    tmp_path: Path,
) -> None:
    loaded = load_scenario(write(tmp_path, GRID))
    out = tmp_path / "out"
    sweep.run_sweep(loaded, out, workers=1)
    data = load_sweep(out)
    assert data.design.points.tolist() == [[1, 10], [1, 200], [2, 10], [2, 200]]
    old = dict(json.loads((out / "manifest.json").read_text()))
    old["design"] = {
        "kind": "grid",
        "parameters": data.design.parameters,
        "replicates": 3,
        "points": data.design.points.tolist(),
    }
    np.testing.assert_array_equal(sweep.design_from_manifest(old).points, data.design.points)


def test_an_altered_design_file_is_refused(tmp_path: Path) -> None:
    loaded = load_scenario(write(tmp_path, GRID))
    out = tmp_path / "out"
    sweep.run_sweep(loaded, out, workers=1)
    other = dataclasses.replace(sweep.make_design(loaded), points=np.zeros((4, 2)))
    storage.write_design(out, other)
    with pytest.raises(InputError, match="design.parquet: does not hold the design"):
        load_sweep(out)
    (out / "design.parquet").unlink()
    with pytest.raises(InputError, match="design.parquet: cannot read the sweep's design"):
        sweep.design_from_manifest(storage.read_manifest(out))


def test_done_chunks_are_listed_as_ranges(tmp_path: Path) -> None:
    assert storage.chunk_ranges({0, 1, 2, 5, 7, 8}) == [[0, 2], [5, 5], [7, 8]]
    assert storage.listed_chunks({"chunks_done": [[0, 2], [5, 5], [7, 8]]}) == {0, 1, 2, 5, 7, 8}
    assert storage.listed_chunks({"chunks_done": [0, 2]}) == {0, 2}  # earlier manifests
    loaded = load_scenario(write(tmp_path, GRID))
    sweep.run_sweep(loaded, tmp_path / "out", workers=1, chunk_size=1)
    info = json.loads((tmp_path / "out" / "manifest.json").read_text())
    assert info["chunks_done"] == [[0, 11]]


# --- resume proves it continues the same experiment -------------------------------------------


def test_the_manifest_fingerprints_what_decides_the_results(tmp_path: Path) -> None:
    text = GRID + '\n[overrides]\n"model.war_cost" = 0.3\n[levers.Russia]\ncommitment = 0.6\n'
    loaded = load_scenario(write(tmp_path, text))
    sweep.run_sweep(loaded, tmp_path / "out", workers=1)
    prints = json.loads((tmp_path / "out" / "manifest.json").read_text())["fingerprint"]
    world = hashlib.sha256(loaded.world.model_dump_json().encode()).hexdigest()
    assert prints == {
        "scenario_sha256": loaded.sha256,
        "world_sha256": world,
        "overrides": {"model.war_cost": 0.3, "states.Russia.commitment": 0.6},
        "seed": 5,
        "steps": 6,
        "design_sha256": sweep.make_design(loaded).sha256(),
        "versions": prints["versions"],
    }
    assert set(prints["versions"]) == {"alliance-sim", "mesa", "numpy", "networkx"}
    assert "not installed" not in prints["versions"].values()


def refused_resume(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], path: Path, out: Path
) -> str:
    before = snapshot(out)
    assert main(["sweep", str(path), "--out", str(out), "--resume", "--workers", "1"]) == 2
    assert snapshot(out) == before, "a refused resume changed the folder"
    return one_error_line(capsys)


def test_resume_refuses_a_changed_world_file(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    world = tmp_path / "w.toml"
    world.write_text(builtin_world_path().read_text())
    path = write(tmp_path, GRID.replace("year = 2020", 'world = "w.toml"\nyear = 2020'))
    out = tmp_path / "out"
    sweep.run_sweep(load_scenario(path), out, workers=1, chunk_size=5)
    before = json.loads((out / "manifest.json").read_text())["fingerprint"]["world_sha256"]
    world.write_text(
        world.read_text().replace(
            "lanchester_rate = { value = 0.04", "lanchester_rate = { value = 0.05"
        )
    )
    now = hashlib.sha256(load_scenario(path).world.model_dump_json().encode()).hexdigest()
    assert refused_resume(tmp_path, capsys, path, out) == (
        f"alliance-sim: {out}: --out: --resume: the world (its world file, or the built-in "
        f"world) changed since this sweep began (sha256 {before[:12]} now {now[:12]}); "
        "results of different worlds are not mixed: choose another folder"
    )
    # A comment in the scenario is a change of the file, and named as such.
    world.write_text(builtin_world_path().read_text())
    path.write_text(path.read_text() + "# a comment\n")
    line = refused_resume(tmp_path, capsys, path, out)
    assert "--resume: the scenario file is not the one this sweep began with (sha256 " in line
    assert line.endswith("results of different scenarios are not mixed: choose another folder")


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (
            {"overrides": {"model.tullock_r": 2.5}},
            "--resume: the scenario's overrides or levers changed since this sweep began "
            "(model.tullock_r: unset now 2.5); results of different worlds are not mixed",
        ),
        (
            {"seed": 6},
            "--resume: the seed changed since this sweep began (5 now 6); results of "
            "different seeds are not mixed",
        ),
        (
            {"steps": 7},
            "--resume: the number of weeks changed since this sweep began (6 now 7); results "
            "of different lengths are not mixed",
        ),
    ],
)
def test_resume_refuses_a_scenario_changed_behind_the_same_text(
    tmp_path: Path, change: dict[str, object], message: str
) -> None:
    # The scenario file's hash alone would not see these (a scenario changed in memory, as the
    # classroom app changes one): each part is compared itself.
    loaded = load_scenario(write(tmp_path, GRID))
    out = tmp_path / "out"
    sweep.run_sweep(loaded, out, workers=1, chunk_size=5)
    before = snapshot(out)
    changed = dataclasses.replace(loaded, scenario=loaded.scenario.model_copy(update=change))
    with pytest.raises(InputError) as refused:
        sweep.run_sweep(changed, out, resume=True, workers=1)
    assert (refused.value.field, refused.value.message.split(": choose")[0]) == ("out", message)
    assert snapshot(out) == before


def test_resume_refuses_a_design_drawn_differently(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    import SALib.sample.latin

    path = write(tmp_path, sampled("latin", 8, 2))
    out = tmp_path / "out"
    sweep.run_sweep(load_scenario(path), out, workers=1)
    before = json.loads((out / "manifest.json").read_text())["fingerprint"]["design_sha256"]
    real = SALib.sample.latin.sample
    # As if another SALib drew other points from the same file and seed.
    monkeypatch.setattr(SALib.sample.latin, "sample", lambda *a, **k: real(*a, **k)[::-1])
    now = sweep.make_design(load_scenario(path)).sha256()
    assert refused_resume(tmp_path, capsys, path, out) == (
        f"alliance-sim: {out}: --out: --resume: the design changed since this sweep began "
        f"(sha256 {before[:12]} now {now[:12]}); results of different designs are not mixed: "
        "choose another folder"
    )


def test_resume_refuses_other_package_versions(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    path = write(tmp_path, GRID)
    out = tmp_path / "out"
    sweep.run_sweep(load_scenario(path), out, workers=1, chunk_size=5)
    versions = json.loads((out / "manifest.json").read_text())["fingerprint"]["versions"]
    real = storage.package_versions
    monkeypatch.setattr(
        storage, "package_versions", lambda packages: {**real(packages), "numpy": "0.0"}
    )
    assert refused_resume(tmp_path, capsys, path, out) == (
        f"alliance-sim: {out}: --out: --resume: numpy changed since this sweep began "
        f"({versions['numpy']} now 0.0); results of different versions are not mixed: "
        f"install numpy {versions['numpy']} again, or choose another folder"
    )


def test_resume_refuses_a_sweep_without_a_fingerprint(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = write(tmp_path, GRID)
    out = tmp_path / "out"
    sweep.run_sweep(load_scenario(path), out, workers=1, chunk_size=5)
    info = json.loads((out / "manifest.json").read_text())
    del info["fingerprint"]
    (out / "manifest.json").write_text(json.dumps(info))
    assert "--resume: the sweep stored here has no fingerprint" in refused_resume(
        tmp_path, capsys, path, out
    )


# --- the lock: one sweep writes a folder at a time ------------------------------------------


def test_a_locked_folder_is_refused_in_one_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = write(tmp_path, GRID)
    out = tmp_path / "out"
    sweep.run_sweep(load_scenario(path), out, workers=1, chunk_size=5)
    # flock locks belong to an open file: a second open of the file conflicts with it even
    # in this process, as another process's would.
    handle = os.open(out / ".sweep.lock", os.O_RDWR | os.O_CREAT)
    try:
        fcntl.flock(handle, fcntl.LOCK_EX)
        os.write(handle, b"4242\n")
        line = refused_resume(tmp_path, capsys, path, out)
    finally:
        os.close(handle)
    assert line == (
        f"alliance-sim: {out}: --out: another 'alliance-sim sweep' (process 4242) is writing "
        "this folder; wait for it to end, or choose another folder"
    )
    assert main(["sweep", str(path), "--out", str(out), "--resume", "--no-report"]) == 0
    assert not (out / ".sweep.lock").exists()


def test_a_refused_start_leaves_no_folder_and_no_lock(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def refuse(*args: object) -> None:
        raise InputError("tcp://nowhere", "dask", "cannot connect")

    monkeypatch.setattr(sweep_run, "open_executor", refuse)
    out = tmp_path / "a" / "b" / "out"
    with pytest.raises(InputError, match="cannot connect"):
        sweep.run_sweep(load_scenario(write(tmp_path, GRID)), out, workers=1)
    assert not (tmp_path / "a").exists()


HOLD_LOCK = """\
import fcntl, os, sys, time
handle = os.open(sys.argv[1], os.O_RDWR | os.O_CREAT)
fcntl.flock(handle, fcntl.LOCK_EX)
os.write(handle, b"%d\\n" % os.getpid())
print("held", flush=True)
time.sleep(120)
"""


@pytest.mark.slow
def test_a_lock_held_by_another_process_refuses_a_sweep(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = write(tmp_path, GRID)
    out = tmp_path / "out"
    sweep.run_sweep(load_scenario(path), out, workers=1, chunk_size=5)
    holder = subprocess.Popen(
        [sys.executable, "-c", HOLD_LOCK, str(out / ".sweep.lock")], stdout=subprocess.PIPE
    )
    try:
        assert holder.stdout is not None and holder.stdout.readline() == b"held\n"
        line = refused_resume(tmp_path, capsys, path, out)
        assert line.endswith(
            f"--out: another 'alliance-sim sweep' (process {holder.pid}) is writing this "
            "folder; wait for it to end, or choose another folder"
        )
    finally:
        holder.kill()
        holder.wait()
        assert holder.stdout is not None
        holder.stdout.close()


def stored_chunks(out: Path) -> int:
    return len(list((out / "runs").glob("chunk-*.parquet"))) if (out / "runs").is_dir() else 0


@pytest.mark.slow
def test_a_second_sweep_is_refused_and_a_sigkilled_one_does_not_block_resume(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = write(tmp_path, LONG)
    out = tmp_path / "out"
    command = [sys.executable, "-m", "sim", "sweep", str(path), "--out", str(out)]
    command += ["--workers", "1", "--chunk-size", "1", "--no-report"]
    process = subprocess.Popen(
        command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, start_new_session=True
    )
    try:
        deadline = time.monotonic() + 60
        while stored_chunks(out) < 2:
            assert process.poll() is None, process.stderr.read() if process.stderr else ""
            assert time.monotonic() < deadline, "the first sweep stored too few chunks in time"
            time.sleep(0.005)
        args = ["sweep", str(path), "--out", str(out), "--resume", "--workers", "1"]
        assert main(args) == EXIT_BAD_INPUT
        assert one_error_line(capsys).endswith(
            f"--out: another 'alliance-sim sweep' (process {process.pid}) is writing this "
            "folder; wait for it to end, or choose another folder"
        )
        assert process.poll() is None, "the first sweep ended before the second was refused"
    finally:
        os.killpg(process.pid, signal.SIGKILL)  # the sweep's own process group, nothing else
        process.wait()
        if process.stderr is not None:
            process.stderr.close()
    assert (out / ".sweep.lock").exists(), "SIGKILL leaves the lock file; the lock is gone"
    killed_at = stored_chunks(out)
    assert killed_at < 60, "the first sweep ended before it was killed"
    loaded = load_scenario(path)
    report = sweep.run_sweep(loaded, out, resume=True, workers=1)
    assert report.runs_done == 60 and not report.failed
    assert not (out / ".sweep.lock").exists()
    sweep.run_sweep(loaded, tmp_path / "whole", workers=1, chunk_size=30)
    for table in ("runs", "steps"):
        pd.testing.assert_frame_equal(stored(out, table), stored(tmp_path / "whole", table))


def test_a_full_disk_stops_a_sweep_in_one_line_and_keeps_what_is_stored(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    # The parent's write of a chunk's runs table meets a full disk (pyarrow raises OSError).
    import errno

    from sim.experiments.sweep import run as sweep_run

    real = sweep_run.write_chunk_table
    calls = {"n": 0}

    def full_after_one(*args: object, **kwargs: object) -> object:
        calls["n"] += 1
        if calls["n"] > 2:
            raise OSError(errno.ENOSPC, "No space left on device")
        return real(*args, **kwargs)

    monkeypatch.setattr(sweep_run, "write_chunk_table", full_after_one)
    out = tmp_path / "sweep"
    args = ["sweep", "sweep_commitment_grid", "--out", str(out), "--workers", "1"]
    assert main([*args, "--chunk-size", "8", "--no-report"]) == EXIT_BAD_INPUT
    (line,) = capsys.readouterr().err.strip().splitlines()[-1:]
    assert line.startswith(f"alliance-sim: {out}: --out: stopped writing: No space left on")
    assert "continue with --resume" in line
    assert not list(out.rglob(".*.tmp"))  # no half-written file
