"""Run a scenario's replicates and write the results folder, all or nothing.

A results folder holds ``steps.csv`` (one row per step per replicate), ``actions.csv`` (every
action and event, with its week), ``summary.csv`` (one row per replicate), ``network.csv``
(the ties in force at the plotted steps), ``manifest.json``
(scenario text and hash, seeds, package versions) and ``plots/``. It is written in a temporary
folder beside the target and renamed into place only when complete, so a failed run leaves
nothing behind.
"""

from __future__ import annotations

import json
import platform
import shutil
import sys
import tempfile
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path

import numpy as np
import pandas as pd

from sim.metrics import summarise_run
from sim.model import AllianceModel
from sim.scenario import InputError, LoadedScenario

NETWORK_COLUMNS = ["step", "source", "target", "kind", "weight", "tie"]
ACTION_COLUMNS = ["step", "state", "action", "other", "conflict", "detail"]
PACKAGES = ("alliance-sim", "mesa", "numpy", "networkx", "pandas", "pydantic", "matplotlib")


@dataclass
class Results:
    """The tables of a finished scenario run."""

    steps: pd.DataFrame
    actions: pd.DataFrame
    summary: pd.DataFrame
    network: pd.DataFrame


def replicate_rng(seed: int, replicate: int) -> np.random.Generator:
    """Random stream of one replicate: ``SeedSequence(seed, spawn_key=(replicate,))``.

    The same stream as ``SeedSequence(seed).spawn(n)[replicate]``, so any replicate can be
    re-run alone, in any order or process, with identical results.
    """
    return np.random.default_rng(np.random.SeedSequence(seed, spawn_key=(replicate,)))


def network_steps(loaded: LoadedScenario) -> list[int]:
    """Steps at which the network is stored for plotting (default: first and last)."""
    return sorted(set(loaded.scenario.plots.network_steps or [0, loaded.scenario.steps]))


def run_replicate(loaded: LoadedScenario, replicate: int) -> tuple[AllianceModel, list[dict]]:
    """Run one replicate to its last step; return the model and its network snapshots."""
    sc = loaded.scenario
    model = AllianceModel(
        loaded.world, year=sc.year, events=sc.events, rng=replicate_rng(sc.seed, replicate)
    )
    snapshot_at = set(network_steps(loaded))
    snapshots = model.network_snapshot() if 0 in snapshot_at else []
    for _ in range(sc.steps):
        model.step()
        if model.week in snapshot_at:
            snapshots += model.network_snapshot()
    return model, snapshots


def run_scenario(loaded: LoadedScenario, replicates: int | None = None) -> Results:
    """Run every replicate of a scenario (or the first ``replicates``) and gather the tables."""
    steps: list[dict[str, object]] = []
    actions: list[dict[str, object]] = []
    summaries: list[dict[str, object]] = []
    networks: list[dict[str, object]] = []
    for replicate in range(replicates or loaded.scenario.replicates):
        model, snapshots = run_replicate(loaded, replicate)
        # Plain rows, and one DataFrame per table at the end: four frames per replicate
        # plus assign() and concat() cost more than running the replicate.
        networks += [{"replicate": replicate, **row} for row in snapshots]
        steps += [{"replicate": replicate, **row} for row in model.records]
        actions += [{"replicate": replicate, **row} for row in model.log]
        summaries.append({"replicate": replicate, **summarise_run(model)})
    return Results(
        steps=pd.DataFrame(steps),
        actions=pd.DataFrame(actions, columns=["replicate", *ACTION_COLUMNS]),
        summary=pd.DataFrame(summaries),
        network=pd.DataFrame(networks, columns=["replicate", *NETWORK_COLUMNS]),
    )


def package_versions(packages: tuple[str, ...] = PACKAGES) -> dict[str, str]:
    """Installed versions of ``packages`` ("not installed" for a missing one)."""
    versions = {}
    for package in packages:
        try:
            versions[package] = metadata.version(package)
        except metadata.PackageNotFoundError:
            versions[package] = "not installed"
    return versions


def manifest(loaded: LoadedScenario, replicates: int) -> dict[str, object]:
    """Describe a run well enough to repeat it: scenario text and hash, seeds, versions."""
    versions = package_versions()
    sc = loaded.scenario
    return {
        "scenario": sc.name,
        "scenario_file": str(loaded.path),
        "scenario_sha256": loaded.sha256,
        "scenario_text": loaded.text,
        "world": sc.world,
        "year": sc.year if sc.year is not None else loaded.world.meta.year,
        "seed": sc.seed,
        "replicates": replicates,
        "seeding": "numpy SeedSequence(seed, spawn_key=(replicate,))",
        "steps": sc.steps,
        "time_step": "week",
        "python": platform.python_version(),
        "packages": versions,
        "command": " ".join(sys.argv),
    }


def prepare_output(out: Path, force: bool) -> None:
    """Check an output folder can be written, before any work is done."""
    if out.exists() and not out.is_dir():
        raise InputError(out, "--out", "exists and is not a folder; give a new folder path")
    if out.is_dir() and any(out.iterdir()) and not force:
        raise InputError(
            out, "--out", "folder exists and is not empty; choose another or pass --force"
        )
    check_parents(out)


def check_parents(out: Path) -> None:
    """Missing parent folders are made when writing (as ``mkdir -p``); a file in the way is not."""
    for parent in out.resolve().parents:
        if parent.exists() and not parent.is_dir():
            raise InputError(out, "--out", f"{parent} is a file, not a folder")


def make_parents(out: Path) -> list[Path]:
    """Create the missing parent folders of ``out``; return them, deepest first."""
    missing = [p for p in out.resolve().parents if not p.exists()]
    for folder in reversed(missing):
        folder.mkdir()
    return missing


def write_results(loaded: LoadedScenario, results: Results, out: Path, plot: bool = True) -> None:
    """Write tables, manifest and plots into ``out`` atomically (temp folder, then rename)."""
    out = out.resolve()
    made = make_parents(out)
    staging = Path(tempfile.mkdtemp(prefix=f".{out.name}.", dir=out.parent))
    try:
        results.steps.to_csv(staging / "steps.csv", index=False)
        results.actions.to_csv(staging / "actions.csv", index=False)
        results.summary.to_csv(staging / "summary.csv", index=False)
        results.network.to_csv(staging / "network.csv", index=False)
        info = manifest(loaded, int(results.summary["replicate"].nunique()))
        (staging / "manifest.json").write_text(json.dumps(info, indent=2) + "\n")
        if plot:
            from sim.plots import plot_results  # matplotlib loads only when plots are drawn

            plot_results(staging)
        if out.exists():
            shutil.rmtree(out)
        staging.rename(out)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        for folder in made:  # deepest first; nothing half written is left behind
            folder.rmdir()
        raise
