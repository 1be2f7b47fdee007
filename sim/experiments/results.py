"""The results folder of ``alliance-sim run``, written all or nothing, and what describes it.

A results folder holds ``steps.csv`` (one row per step per replicate), ``actions.csv`` (every
action and event, with its week), ``summary.csv`` (one row per replicate), ``network.csv``
(the ties in force at the plotted steps), ``tie_changes.csv`` (every change of a tie's status,
with its week and reason), ``manifest.json`` (scenario text and hash, seeds,
package versions) and whatever the caller adds (the command line adds ``plots/``). It is
written in a temporary folder beside the target and renamed into place only when complete, so a
failed run leaves nothing behind.
"""

from __future__ import annotations

import contextlib
import errno
import json
import os
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
        InputError: on field ``out`` if it is a file, lies under a file, cannot be looked at
            (a name too long, no permission), or is not empty and that is not allowed.
    """
    try:
        if out.exists() and not out.is_dir():
            raise InputError(out, "out", "exists and is not a folder; give a new folder path")
        for parent in out.resolve().parents:
            if parent.exists() and not parent.is_dir():
                raise InputError(out, "out", f"{parent} is a file, not a folder")
        filled = out.is_dir() and any(out.iterdir())
    except OSError as error:
        raise output_error(out, error) from None
    if filled and not empty_unless:
        raise InputError(out, "out", f"folder exists and is not empty; {hint}")
    return filled


def prepare_output(out: Path, force: bool) -> None:
    """Check a run's output folder: new, empty, or to be replaced with ``force``.

    Besides :func:`check_output_folder`, makes and removes an empty folder where the staging
    folder of :func:`write_results` will go, so that a folder that cannot be written (no
    permission, a read-only or virtual file system, a name too long) is refused before the
    run rather than after it.

    Raises:
        InputError: on field ``out``.
    """
    check_output_folder(out, empty_unless=force, hint="choose another or pass --force")
    try:
        target = out.resolve()
        base = next(p for p in target.parents if p.exists())  # the root always exists
        probe = Path(tempfile.mkdtemp(prefix=_staging_prefix(target), dir=base))
        probe.rmdir()
    except OSError as error:
        raise output_error(out, error) from None


def make_parents(out: Path) -> list[Path]:
    """Create the missing parent folders of ``out``; return them, deepest first.

    If one cannot be made, those made before it are removed and the ``OSError`` is raised.
    """
    missing = [p for p in out.resolve().parents if not p.exists()]
    made: list[Path] = []
    try:
        for folder in reversed(missing):
            folder.mkdir()
            made.insert(0, folder)
    except BaseException:
        remove_folders(made)
        raise
    return made


def remove_folders(folders: list[Path]) -> None:
    """Remove empty folders this program made, deepest first, ignoring any that cannot be."""
    for folder in folders:
        with contextlib.suppress(OSError):
            folder.rmdir()


#: What the user may do about an output folder that cannot be written, by ``errno``.
OUTPUT_HINTS = {
    errno.ENOSPC: "free some space or choose another folder",
    errno.EDQUOT: "free some space or choose another folder",
    errno.EFBIG: "choose another folder",
    errno.EACCES: "choose a folder you may write to",
    errno.EPERM: "choose a folder you may write to",
    errno.EROFS: "choose a folder on a writable file system",
    errno.ENAMETOOLONG: "use shorter folder names",
    errno.ENOTDIR: "a part of the path is a file; give a folder path",
    errno.ENOENT: "choose a folder on a disk you may write to",
}


def output_error(
    out: Path, error: OSError, staging: Path | None = None, field: str = "out"
) -> InputError:
    """Turn an ``OSError`` met while checking or writing ``out`` into a one-line error.

    Args:
        out: The results folder asked for.
        error: What the operating system said.
        staging: The staging folder being written, if any: files in it are named as they
            would be in ``out``, not by the staging folder's random name.
        field: The field to name (``out``, shown as ``--out`` on the command line).

    Returns:
        An :class:`InputError` on ``field`` naming the file or folder and the reason.
    """
    where = str(error.filename) if error.filename is not None else ""
    if staging is not None and where.startswith(str(staging)):
        where = str(out) + where.removeprefix(str(staging))
    elif Path(where).name.startswith(_staging_prefix(out)):  # making a staging folder
        where = f"in {Path(where).parent}"
    if where in (str(out), os.path.abspath(out)):
        where = ""  # the error names it already
    reason = error.strerror or str(error) or type(error).__name__
    hint = OUTPUT_HINTS.get(error.errno or 0, "choose another folder")
    what = f"cannot write {where}" if where else "cannot be written"
    return InputError(out, field, f"{what}: {reason}; {hint}")


def _staging_prefix(out: Path) -> str:
    """Prefix of the staging folder: ``.NAME.``, the name cut so the folder's name fits."""
    name = out.name.encode()[:200].decode(errors="ignore")
    return f".{name}."


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
    try:
        out = out.resolve()
    except OSError as error:
        raise output_error(out, error) from None
    made: list[Path] = []
    staging: Path | None = None
    writing = ""  # the file being written, for an error that does not say (a full disk)
    try:
        made = make_parents(out)
        staging = Path(tempfile.mkdtemp(prefix=_staging_prefix(out), dir=out.parent))
        tables = {
            "steps.csv": results.steps,
            "actions.csv": results.actions,
            "summary.csv": results.summary,
            "network.csv": results.network,
            "tie_changes.csv": results.tie_changes,
        }
        for writing, table in tables.items():
            table.to_csv(staging / writing, index=False)
        writing = "manifest.json"
        info = manifest(loaded, int(results.summary["replicate"].nunique()))
        (staging / writing).write_text(json.dumps(info, indent=2) + "\n")
        if extra is not None:
            writing = ""
            extra(staging)
        _replace(staging, out)
    except BaseException as error:
        if staging is not None:
            shutil.rmtree(staging, ignore_errors=True)
        remove_folders(made)  # deepest first; nothing half written is left behind
        if isinstance(error, OSError):
            if error.filename is None and staging is not None and writing:
                error.filename = str(staging / writing)
            raise output_error(out, error, staging) from None
        if isinstance(error, MemoryError):
            raise InputError(
                out, "out", "out of memory writing the results; ask for fewer replicates or steps"
            ) from None
        raise


def _replace(staging: Path, out: Path) -> None:
    """Rename ``staging`` to ``out``; an existing ``out`` is set aside first, then removed.

    If the rename fails, the old ``out`` is put back, so ``--force`` loses nothing on failure.
    """
    old = staging.with_name(staging.name + ".old") if out.exists() else None
    if old is not None:
        out.rename(old)
    try:
        staging.rename(out)
    except BaseException:
        if old is not None:
            old.rename(out)
        raise
    if old is not None:
        shutil.rmtree(old, ignore_errors=True)
