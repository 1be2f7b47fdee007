"""Plots are drawn from a results folder's stored files alone, for wars and for quiet runs."""

from __future__ import annotations

import hashlib
import shutil
import struct
from pathlib import Path

import pandas as pd
import pytest

from sim.experiments import run as runner
from sim.experiments.results import write_results
from sim.loading.scenarios import load_scenario
from sim.presentation.cli import main
from sim.presentation.plots import plot_results

SCENARIOS = Path(__file__).parents[1] / "scenarios"
PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


@pytest.fixture(scope="module")
def folders(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """Results folders of three replicates, written with plots as ``alliance-sim run`` does.

    Classroom has a war; baseline has none, so every 'nothing happened' branch is drawn.
    """
    out = {}
    for name in ("classroom", "baseline"):
        loaded = load_scenario(SCENARIOS / f"{name}.toml")
        results = runner.run_scenario(loaded, replicates=3)
        out[name] = tmp_path_factory.mktemp(name) / "run"
        write_results(loaded, results, out[name], extra=plot_results)
    return out


def expected_names(folder: Path) -> set[str]:
    steps = sorted(pd.read_csv(folder / "network.csv")["step"].unique())
    return {"timeseries.png", "outcomes.png", *(f"network_step_{s:03d}.png" for s in steps)}


def png_size(path: Path) -> tuple[int, int]:
    """Width and height from the PNG header, after checking the signature."""
    head = path.read_bytes()[:24]
    assert head[:8] == PNG_MAGIC, f"{path.name} is not a PNG"
    return struct.unpack(">II", head[16:24])


def digests(folder: Path) -> dict[str, str]:
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in folder.glob("*.png")}


@pytest.mark.parametrize("name", ["classroom", "baseline"])
def test_run_writes_every_figure_as_a_projector_sized_png(
    folders: dict[str, Path], name: str
) -> None:
    results_folder = folders[name]
    plots = results_folder / "plots"
    names = {p.name for p in plots.iterdir()}
    assert names == expected_names(results_folder)
    # First and last week are stored by default, so there are at least two network figures.
    assert {"network_step_000.png"} < names - {"timeseries.png", "outcomes.png"}
    for path in plots.iterdir():
        width, height = png_size(path)
        assert width >= 1200 and height >= 900
        assert 20_000 < path.stat().st_size < 3_000_000


def test_plot_command_redraws_identical_figures_from_stored_files(
    folders: dict[str, Path], tmp_path: Path
) -> None:
    results_folder = folders["classroom"]  # one folder is enough: drawing is shared with run
    before = digests(results_folder / "plots")
    copy = tmp_path / "copy"
    shutil.copytree(results_folder, copy, ignore=shutil.ignore_patterns("plots"))
    assert main(["plot", str(copy)]) == 0
    assert digests(copy / "plots") == before  # deterministic: same tables, same bytes


def test_plot_command_rejects_a_folder_without_results(tmp_path: Path) -> None:
    empty = tmp_path / "empty"
    empty.mkdir()
    assert main(["plot", str(empty)]) == 2
    assert not (empty / "plots").exists()


def test_single_replicate_without_network_table_still_plots(tmp_path: Path) -> None:
    loaded = load_scenario(SCENARIOS / "classroom.toml")
    folder = tmp_path / "run"
    write_results(loaded, runner.run_scenario(loaded, replicates=1), folder)
    (folder / "network.csv").unlink()
    (folder / "plots").mkdir()
    (folder / "plots" / "network_step_000.png").write_bytes(PNG_MAGIC)  # left by a past drawing
    # Give reliability values, so the band is drawn rather than the 'no pledge' note.
    steps = pd.read_csv(folder / "steps.csv")
    steps["reliability"] = [float("nan")] * 2 + [0.5] * (len(steps) - 2)
    steps.to_csv(folder / "steps.csv", index=False)

    written = plot_results(folder)

    assert [p.name for p in written] == ["timeseries.png", "outcomes.png"]
    # Network figures of the earlier drawing are removed, not left to pass as current.
    assert sorted(p.name for p in (folder / "plots").iterdir()) == [
        "outcomes.png",
        "timeseries.png",
    ]
    for path in written:
        png_size(path)
