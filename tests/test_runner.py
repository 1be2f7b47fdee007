"""Runs are reproducible replicate by replicate, and results folders are all-or-nothing."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest

from sim.experiments import results as results_folder
from sim.experiments import run as runner
from sim.loading.scenarios import load_scenario
from sim.presentation.plots import plot_results

SCENARIOS = Path(__file__).resolve().parents[1] / "scenarios"


def test_a_replicate_run_alone_equals_the_same_replicate_in_a_batch() -> None:
    loaded = load_scenario(SCENARIOS / "classroom.toml")
    batch = runner.run_scenario(loaded, replicates=4)
    alone, _ = runner.run_replicate(loaded, 3)
    expected = batch.steps[batch.steps["replicate"] == 3].drop(columns="replicate")
    pd.testing.assert_frame_equal(
        pd.DataFrame(alone.records), expected.reset_index(drop=True), check_dtype=False
    )


def test_replicate_streams_follow_seed_sequence_spawning() -> None:
    import numpy as np

    children = np.random.SeedSequence(99).spawn(3)
    for index, child in enumerate(children):
        assert runner.replicate_rng(99, index).random() == np.random.default_rng(child).random()


def test_results_folder_holds_tables_manifest_and_plots(tmp_path: Path) -> None:
    loaded = load_scenario(SCENARIOS / "classroom.toml")
    results = runner.run_scenario(loaded, replicates=2)
    out = tmp_path / "run"
    results_folder.write_results(loaded, results, out, extra=plot_results)
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["scenario_sha256"] == loaded.sha256
    assert manifest["replicates"] == 2
    assert manifest["packages"]["mesa"].startswith("3.")
    steps = pd.read_csv(out / "steps.csv")
    assert len(steps) == 2 * (loaded.scenario.steps + 1)
    assert sorted(p.name for p in (out / "plots").glob("*.png"))


def test_a_failure_while_writing_leaves_nothing_behind(tmp_path: Path) -> None:
    loaded = load_scenario(SCENARIOS / "classroom.toml")
    results = runner.run_scenario(loaded, replicates=1)

    def broken_plots(folder: Path) -> list[Path]:
        raise RuntimeError("disk full")

    with pytest.raises(RuntimeError):
        results_folder.write_results(loaded, results, tmp_path / "run", extra=broken_plots)
    assert list(tmp_path.iterdir()) == []
