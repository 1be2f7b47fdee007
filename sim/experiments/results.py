"""The results folder of ``alliance-sim run``, written all or nothing, and what describes it.

A results folder holds ``steps.csv`` (one row per step per replicate), ``actions.csv`` (every
action and event, with its week), ``summary.csv`` (one row per replicate), ``network.csv``
(the ties in force at the plotted steps), ``manifest.json`` (scenario text and hash, seeds,
package versions) and whatever the caller adds (the command line adds ``plots/``). It is
written in a temporary folder beside the target and renamed into place only when complete, so a
failed run leaves nothing behind.
"""

from __future__ import annotations

import json
import platform
import shutil
import sys
import tempfile
from collections.abc import Callable
from importlib import metadata
from pathlib import Path

from sim.experiments.run import SEEDING, Results
from sim.loading.scenarios import LoadedScenario
from sim.schema.errors import InputError

#: Packages whose versions every manifest records (runs and sweeps alike).
PACKAGES = (
    "alliance-sim",
    "mesa",
    "numpy",
    "networkx",
    "pandas",
    "pydantic",
    "matplotlib",
    "pyarrow",
    "SALib",
    "dask",
    "distributed",
    "tqdm",
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


def describe(loaded: LoadedScenario) -> dict[str, object]:
    """What every manifest says of the scenario and the software: enough to repeat a run."""
    sc = loaded.scenario
    return {
        "scenario": sc.name,
        "scenario_file": str(loaded.path),
        "scenario_sha256": loaded.sha256,
        "scenario_text": loaded.text,
        "world": sc.world,
        "year": sc.year if sc.year is not None else loaded.world.meta.year,
        "seed": sc.seed,
        "steps": sc.steps,
        "time_step": "week",
        "python": platform.python_version(),
        "packages": package_versions(),
        "command": " ".join(sys.argv),
    }


def manifest(loaded: LoadedScenario, replicates: int) -> dict[str, object]:
    """The manifest of a run: :func:`describe` plus its replicates and seeding."""
    return {**describe(loaded), "replicates": replicates, "seeding": SEEDING}


def check_output_folder(out: Path, *, empty_unless: bool, hint: str) -> bool:
    """Check a results folder may be written, before any work is done.

    Args:
        out: The folder to write.
        empty_unless: Whether a non-empty folder is allowed (``--force``, ``--resume``).
        hint: What the user may do about a non-empty folder, for the error.

    Returns:
        Whether the folder already holds something.

    Raises:
        InputError: on field ``out`` if it is a file, lies under a file, or is not empty
            and that is not allowed.
    """
    if out.exists() and not out.is_dir():
        raise InputError(out, "out", "exists and is not a folder; give a new folder path")
    for parent in out.resolve().parents:
        if parent.exists() and not parent.is_dir():
            raise InputError(out, "out", f"{parent} is a file, not a folder")
    filled = out.is_dir() and any(out.iterdir())
    if filled and not empty_unless:
        raise InputError(out, "out", f"folder exists and is not empty; {hint}")
    return filled


def prepare_output(out: Path, force: bool) -> None:
    """Check a run's output folder: new, empty, or to be replaced with ``force``."""
    check_output_folder(out, empty_unless=force, hint="choose another or pass --force")


def make_parents(out: Path) -> list[Path]:
    """Create the missing parent folders of ``out``; return them, deepest first."""
    missing = [p for p in out.resolve().parents if not p.exists()]
    for folder in reversed(missing):
        folder.mkdir()
    return missing


def write_results(
    loaded: LoadedScenario,
    results: Results,
    out: Path,
    extra: Callable[[Path], object] | None = None,
) -> None:
    """Write tables and manifest into ``out`` atomically (temp folder, then rename).

    Args:
        loaded: The scenario that was run.
        results: Its tables.
        out: The results folder (replaced if it exists).
        extra: Called with the staging folder once the tables are in, to add files that must
            land with them (the command line draws the plots here).
    """
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
        if extra is not None:
            extra(staging)
        if out.exists():
            shutil.rmtree(out)
        staging.rename(out)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        for folder in made:  # deepest first; nothing half written is left behind
            folder.rmdir()
        raise
