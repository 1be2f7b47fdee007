"""The results folder of a sweep: Parquet tables per chunk, the manifest, resuming and the lock.

Each chunk is stored as it finishes, so memory stays flat; the worker writes the big steps table
when it sees the results folder (local workers, Dask workers on a shared disk), the parent
writes the rest:

* ``runs/chunk-NNNNNN.parquet``: one row per run (``run``, ``point``, ``replicate``, the
  point's parameter values under their dotted paths, then
  :func:`sim.model.metrics.summarise_run`);
* ``steps/chunk-NNNNNN.parquet``: one row per week per run (``run``, ``point``,
  ``replicate``, then :func:`sim.model.metrics.record_step`);
* ``ties/chunk-NNNNNN.parquet``: every change of a tie's status (``run``, ``point``,
  ``replicate``, then the columns of ``tie_changes.csv`` of ``alliance-sim run``), which with the
  world's ties at week 0 rebuilds the network of every run at every week (folders of sweeps
  begun before this table existed have none, and resume without it);
* ``design.parquet``: the design's points, one row per point (written once, before the
  manifest);
* ``manifest.json``: the scenario text and its SHA-256, the design's kind, parameters, size and
  SHA-256, the fingerprint of everything that decides the results (:func:`fingerprint`), the
  seeding scheme, package versions and which chunks are done (as ``[first, last]`` runs of
  chunk numbers, so it stays small however long the sweep).

Every file is written to a hidden temporary name and renamed into place, so a sweep killed at
any moment leaves only whole files; ``resume`` runs what is missing: a chunk counts as done
once the manifest lists it, which it does only after all its files are in place. Resuming
compares the stored fingerprint with the scenario's and refuses, naming what changed, rather
than mix results of different experiments. While a sweep writes its folder it holds an
exclusive ``flock`` on ``.sweep.lock`` in it (:func:`sweep_lock`): a second sweep of the same
folder is refused, and the kernel drops the lock when its holder dies, even by ``kill -9``.
"""

from __future__ import annotations

import fcntl
import hashlib
import itertools
import json
import os
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from operator import itemgetter
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

from sim.experiments.results import check_output_folder, describe, package_versions
from sim.experiments.sweep.designs import DESIGN_FILE, Design, Manifest
from sim.loading.scenarios import LoadedScenario
from sim.schema.columns import TIE_CHANGE_COLUMNS
from sim.schema.errors import InputError

SEEDING = (
    "common random numbers: run (point p, replicate r) draws from numpy "
    "SeedSequence(seed, spawn_key=(r,)), the stream of replicate r of 'alliance-sim run'"
)
INDEX_COLUMNS = ("run", "point", "replicate")
#: The tables of every chunk, one folder each, in the order they are written.
TABLES = ("runs", "steps", "ties")
#: The tables of a sweep begun before the ``ties`` table existed (its manifest lists none).
EARLIER_TABLES = ("runs", "steps")
MANIFEST = "manifest.json"
#: The lock file a running sweep holds in its folder (:func:`sweep_lock`).
LOCK = ".sweep.lock"
#: Packages whose versions decide a run's numbers (networkx computes the balance metrics): a
#: sweep is resumed only on the versions it began with.
RESULT_PACKAGES = ("alliance-sim", "mesa", "numpy", "networkx")


# --- the Parquet tables of a chunk ---------------------------------------------------------


def _column(values: list[object]) -> pa.Array:
    # Types follow the values, not the first row, so every chunk gets the same schema: the
    # metrics give an int 0 where a float is due in peace, so numbers are all float64.
    if all(type(v) is bool for v in values):
        return pa.array(values, type=pa.bool_())
    if all(type(v) is str for v in values):
        return pa.array(values, type=pa.string())
    return pa.array(values, type=pa.float64())


def runs_table(columns: dict[str, list[object]]) -> pa.Table:
    """The per-run table of a chunk, from its columns (index columns first).

    Args:
        columns: Values of each column, one per run.

    Returns:
        The table: the index columns as int64, the others typed by their values.
    """
    arrays = {
        name: pa.array(values, type=pa.int64()) if name in INDEX_COLUMNS else _column(values)
        for name, values in columns.items()
    }
    return pa.table(arrays)


def steps_table(index: dict[str, list[int]], rows: list[dict[str, float]]) -> pa.Table:
    """The per-week table of a chunk.

    Args:
        index: The ``run``, ``point`` and ``replicate`` of every row.
        rows: The weekly rows the models recorded (:func:`sim.model.metrics.record_step`).

    Returns:
        The table: the index columns and ``step`` as int64, the metrics as float64.
    """
    # Weekly rows are all numbers, so they go through one float matrix: a C-level getter per
    # row instead of a Python loop per column and row, read by fromiter with the size known
    # (a quarter faster than numpy.array on a list of tuples).
    keys = list(rows[0])
    values = itertools.chain.from_iterable(map(itemgetter(*keys), rows))
    flat = np.fromiter(values, dtype=np.float64, count=len(rows) * len(keys))
    matrix = flat.reshape(len(rows), len(keys)).T.copy()
    columns = {k: pa.array(v, type=pa.int64()) for k, v in index.items()}
    columns.update(zip(keys, map(pa.array, matrix), strict=True))
    columns["step"] = columns["step"].cast(pa.int64())  # the week is an index, like run
    return pa.table(columns)


def ties_table(rows: list[dict[str, object]]) -> pa.Table:
    """The tie changes of a chunk, with the same schema whether it has rows or none.

    Args:
        rows: The ``run``, ``point`` and ``replicate`` of each change, then its
            :data:`~sim.schema.columns.TIE_CHANGE_COLUMNS`.

    Returns:
        The table: index columns and ``step`` as int64, the others as strings.
    """
    integers = (*INDEX_COLUMNS, "step")
    columns = (*INDEX_COLUMNS, *TIE_CHANGE_COLUMNS)
    return pa.table(
        {
            name: pa.array(
                [row[name] for row in rows], type=pa.int64() if name in integers else pa.string()
            )
            for name in columns
        }
    )


def chunk_tables(info: dict[str, Any]) -> tuple[str, ...]:
    """The tables each chunk of a sweep stores: :data:`TABLES`, or fewer for an earlier sweep.

    Args:
        info: The sweep's manifest.

    Returns:
        The table names.
    """
    return tuple(info.get("tables", EARLIER_TABLES))


# --- writing files -------------------------------------------------------------------------


def _write_atomic(path: Path, write: Callable[[Path], object]) -> None:
    # A hidden temporary name: pyarrow and DuckDB skip files starting with '.' when reading.
    temporary = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        write(temporary)
        os.replace(temporary, path)
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise


def write_json(path: Path, data: dict[str, object]) -> None:
    """Write JSON atomically (temporary file, then rename).

    Args:
        path: The file to write.
        data: What to write into it.
    """
    _write_atomic(path, lambda p: p.write_text(json.dumps(data, indent=1) + "\n"))


def chunk_file(folder: Path, table: str, index: int) -> Path:
    """Path of a chunk's file of ``table`` (one of :data:`TABLES`).

    Args:
        folder: The sweep's results folder.
        table: One of :data:`TABLES`.
        index: The chunk.

    Returns:
        ``folder/table/chunk-NNNNNN.parquet``.
    """
    return folder / table / f"chunk-{index:06d}.parquet"


def write_chunk_table(folder: Path, table: str, index: int, data: pa.Table) -> None:
    """Write a chunk's table of ``table`` (one of :data:`TABLES`) atomically.

    Args:
        folder: The sweep's results folder.
        table: One of :data:`TABLES`.
        index: The chunk.
        data: The table to write.
    """
    _write_atomic(chunk_file(folder, table, index), lambda p: pq.write_table(data, p))


def write_design(folder: Path, design: Design) -> None:
    """Store a design's points in ``folder/design.parquet`` atomically.

    Args:
        folder: The sweep's results folder.
        design: The design.
    """
    table = design.to_arrow()
    _write_atomic(folder / DESIGN_FILE, lambda p: pq.write_table(table, p))


def parquet_size(table: pa.Table) -> int:
    """Bytes of ``table`` written as a chunk file is (in memory: nothing touches the disk).

    Args:
        table: A chunk's table.

    Returns:
        The size of its Parquet file.
    """
    sink = pa.BufferOutputStream()
    pq.write_table(table, sink)
    return int(sink.getvalue().size)


# --- the manifest --------------------------------------------------------------------------


def read_manifest(folder: Path) -> Manifest:
    """Read a sweep folder's manifest.

    Args:
        folder: A folder written by ``alliance-sim sweep``.

    Returns:
        The manifest: a dict that remembers ``folder``, where
        :func:`~sim.experiments.sweep.designs.design_from_manifest` finds the design's points.

    Raises:
        InputError: if the folder has no readable sweep manifest.
    """
    try:
        info = json.loads((folder / MANIFEST).read_text())
    except (OSError, ValueError):
        info = None
    if not isinstance(info, dict) or info.get("kind") != "alliance-sim sweep":
        raise InputError(
            folder,
            MANIFEST,
            "missing or not a sweep manifest; give a folder written by 'alliance-sim sweep'",
        )
    return Manifest(info, Path(folder))


def check_output(out: Path, resume: bool) -> bool:
    """Check a sweep may write into ``out``, before anything is made.

    Args:
        out: The results folder.
        resume: Whether ``out`` may hold a sweep, to continue.

    Returns:
        Whether ``out`` holds something (a lock file left by a killed sweep does not count).

    Raises:
        InputError: on ``out`` if it is a file, lies under a file, or is not empty without
            ``resume``.
    """
    hint = "pass --resume to continue the sweep stored there, or choose another folder"
    if not check_output_folder(out, empty_unless=True, hint=hint):
        return False
    filled = any(p.name != LOCK for p in out.iterdir())
    if filled and not resume:
        raise InputError(out, "out", f"folder exists and is not empty; {hint}")
    return filled


def fingerprint(loaded: LoadedScenario, design: Design | None) -> dict[str, Any]:
    """Everything that decides a sweep's results, to prove a resumed sweep is the same one.

    The scenario file's SHA-256; the SHA-256 of the world it runs on as validated, canonical
    JSON (the built-in world or its world file, with the scenario's levers and overrides set,
    so a changed world file is seen whatever its path); the levers and overrides themselves;
    the seed and weeks; the design's SHA-256 (its points, as SALib or the grid made them); and
    the versions of the packages that compute a run (:data:`RESULT_PACKAGES`).

    Args:
        loaded: The scenario.
        design: Its design; None leaves the design out (a resumed sweep compares the rest
            before it builds the design again).

    Returns:
        The fingerprint, as stored in the manifest.
    """
    sc = loaded.scenario
    settings = {
        f"states.{name}.{key}": value
        for name, levers in sc.levers.items()
        for key, value in levers.model_dump(exclude_none=True).items()
    }
    settings.update(sc.overrides)
    prints: dict[str, Any] = {
        "scenario_sha256": loaded.sha256,
        "world_sha256": hashlib.sha256(loaded.world.model_dump_json().encode()).hexdigest(),
        "overrides": dict(sorted(settings.items())),
        "seed": sc.seed,
        "steps": sc.steps,
    }
    if design is not None:
        prints["design_sha256"] = design.sha256()
    prints["versions"] = package_versions(RESULT_PACKAGES)
    return prints


#: What each part of the fingerprint is called when it changed, and what is not mixed.
_PARTS = {
    "scenario_sha256": ("the scenario file is not the one this sweep began with", "scenarios"),
    "world_sha256": (
        "the world (its world file, or the built-in world) changed since this sweep began",
        "worlds",
    ),
    "overrides": ("the scenario's overrides or levers changed since this sweep began", "worlds"),
    "seed": ("the seed changed since this sweep began", "seeds"),
    "steps": ("the number of weeks changed since this sweep began", "lengths"),
    "design_sha256": ("the design changed since this sweep began", "designs"),
}


def _change(key: str, before: Any, now: Any) -> str:
    """The values of a changed part of the fingerprint, in a few words."""
    if key.endswith("sha256"):
        return f"sha256 {str(before)[:12]} now {str(now)[:12]}"
    if key == "overrides":
        before, now = dict(before or {}), dict(now)
        changed = sorted(k for k in before.keys() | now.keys() if before.get(k) != now.get(k))
        parts = [f"{k}: {before.get(k, 'unset')} now {now.get(k, 'unset')}" for k in changed]
        return "; ".join(parts)
    return f"{before} now {now}"


def check_fingerprint(out: Path, stored: dict[str, Any], current: dict[str, Any]) -> None:
    """Refuse to resume a sweep whose fingerprint differs from the scenario's.

    Args:
        out: The results folder.
        stored: Its manifest.
        current: :func:`fingerprint` of the scenario to resume it with (or some of its parts:
            only those given are compared).

    Raises:
        InputError: on ``out``, naming the first part that differs, its values before and now.
    """
    before = stored.get("fingerprint")
    if not isinstance(before, dict):
        raise InputError(
            out,
            "out",
            "--resume: the sweep stored here has no fingerprint (an older alliance-sim began "
            "it), so it cannot be shown to be the same experiment; choose another folder",
        )
    for key, (what, kinds) in _PARTS.items():
        if key in current and before.get(key) != current[key]:
            raise InputError(
                out,
                "out",
                f"--resume: {what} ({_change(key, before.get(key), current[key])}); "
                f"results of different {kinds} are not mixed: choose another folder",
            )
    versions = before.get("versions") or {}
    for package, version in current.get("versions", {}).items():
        if versions.get(package) != version:
            raise InputError(
                out,
                "out",
                f"--resume: {package} changed since this sweep began "
                f"({versions.get(package, 'unknown')} now {version}); results of different "
                f"versions are not mixed: install {package} {versions.get(package, '?')} "
                "again, or choose another folder",
            )


def new_manifest(
    loaded: LoadedScenario, design: Design, chunk_size: int, prints: dict[str, Any]
) -> dict[str, Any]:
    """Describe a sweep well enough to repeat it: scenario, design, seeds, chunks, versions.

    Args:
        loaded: The scenario.
        design: Its design (its points go to ``design.parquet``; the manifest has its hash).
        chunk_size: Runs per chunk.
        prints: Its :func:`fingerprint`.

    Returns:
        The manifest, with no chunk done yet.
    """
    return {
        "kind": "alliance-sim sweep",
        **describe(loaded),
        "seeding": SEEDING,
        "runs": design.runs,
        "chunk_size": chunk_size,
        "design": design.to_json(),
        "fingerprint": prints,
        "tables": list(TABLES),
        "chunks_done": [],
        "chunks_failed": [],
    }


# --- resuming: which chunks are done -------------------------------------------------------


def stored_chunks(out: Path, info: dict[str, Any]) -> set[int]:
    """The chunks a manifest lists as done whose files (:func:`chunk_tables`) are all in ``out``.

    Args:
        out: The results folder.
        info: Its manifest (a new one lists no chunk).

    Returns:
        The indices of the chunks that need not run again.
    """
    tables = chunk_tables(info)
    return {
        i
        for i in listed_chunks(info)
        if all(chunk_file(out, table, i).is_file() for table in tables)
    }


def listed_chunks(info: dict[str, Any]) -> set[int]:
    """The chunks a manifest lists as done.

    Args:
        info: The manifest: ``chunks_done`` holds ``[first, last]`` runs of chunk numbers
            (manifests of earlier versions list single numbers, also read).

    Returns:
        The chunk numbers.
    """
    chunks: set[int] = set()
    for entry in info.get("chunks_done", []):
        if isinstance(entry, list):
            chunks.update(range(int(entry[0]), int(entry[1]) + 1))
        else:
            chunks.add(int(entry))
    return chunks


def chunk_ranges(chunks: set[int]) -> list[list[int]]:
    """Chunk numbers as ``[first, last]`` runs of consecutive numbers, as the manifest lists them.

    Args:
        chunks: Chunk numbers.

    Returns:
        The runs, in order: ``{0, 1, 2, 5}`` gives ``[[0, 2], [5, 5]]``.
    """
    ranges: list[list[int]] = []
    for index in sorted(chunks):
        if ranges and ranges[-1][1] == index - 1:
            ranges[-1][1] = index
        else:
            ranges.append([index, index])
    return ranges


def start_folder(out: Path, info: dict[str, Any], design: Design | None, done: set[int]) -> None:
    """Write the design and the manifest, and remove files left half-written.

    The design comes first, then the manifest: a folder killed before the manifest exists
    holds nothing a resume would trust.

    Args:
        out: The results folder (it exists: :func:`sweep_lock` made it).
        info: The manifest; its done chunks become ``done``, its failed ones none.
        design: The design to store, for a new sweep; None when resuming (it is stored).
        done: The chunks already stored.
    """
    out.mkdir(parents=True, exist_ok=True)
    if design is not None:
        write_design(out, design)
    info["chunks_done"] = chunk_ranges(done)
    info["chunks_failed"] = []
    write_json(out / MANIFEST, info)
    for folder in (out, *(out / table for table in chunk_tables(info))):
        folder.mkdir(exist_ok=True)
        for leftover in folder.glob(".*.tmp"):  # from a sweep killed mid-write
            leftover.unlink()


def mark_done(out: Path, info: dict[str, Any], done: set[int], index: int) -> None:
    """Record a chunk as done in the manifest, once all its files are written.

    Args:
        out: The results folder.
        info: The manifest, updated.
        done: The chunks done so far, updated.
        index: The chunk just stored.
    """
    done.add(index)
    info["chunks_done"] = chunk_ranges(done)
    write_json(out / MANIFEST, info)


def mark_failed(out: Path, info: dict[str, Any], failed: list[tuple[int, str]]) -> None:
    """Record in the manifest the chunks that failed after their retries.

    Args:
        out: The results folder.
        info: The manifest, updated.
        failed: Each failed chunk with its last error.
    """
    info["chunks_failed"] = [{"chunk": i, "error": e} for i, e in failed]
    write_json(out / MANIFEST, info)


# --- the lock: one sweep writes a folder at a time -------------------------------------------


@contextmanager
def sweep_lock(out: Path) -> Iterator[None]:
    """Hold an exclusive lock on ``out`` while a sweep writes it; make ``out`` if need be.

    The lock is a ``fcntl.flock`` on ``out/.sweep.lock``. The kernel releases it when the
    process ends however it ends, so the file a sweep killed with SIGKILL leaves behind blocks
    nothing; a sweep that ends removes it. Folders made here are removed again when nothing
    was written into them (a refused or failed start leaves nothing behind).

    Args:
        out: The results folder.

    Yields:
        Nothing; the lock is held inside the ``with`` block.

    Raises:
        InputError: on ``out`` when another process holds the lock, or the folder or its lock
            file cannot be made.
    """
    path = out / LOCK
    made: list[Path] = []
    try:
        target = out.resolve()
        made = [p for p in (target, *target.parents) if not p.exists()]  # deepest first
        target.mkdir(parents=True, exist_ok=True)
        handle = _acquire(out, path)
    except BaseException as error:
        _remove_empty(made)
        if isinstance(error, OSError):
            raise InputError(
                out,
                "out",
                f"cannot lock {error.filename or path}: {error.strerror or error}; "
                "choose a folder you may write to",
            ) from None
        raise
    try:
        yield
    finally:
        path.unlink(missing_ok=True)  # while still holding it, so no one locks a removed file
        os.close(handle)
        _remove_empty(made)


def _acquire(out: Path, path: Path) -> int:
    """Open and lock ``path``; return its descriptor (not inherited by child processes)."""
    for _ in range(100):
        handle = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = os.read(handle, 32).decode(errors="replace").strip()
            os.close(handle)
            who = f" (process {holder})" if holder.isdigit() else ""
            raise InputError(
                out,
                "out",
                f"another 'alliance-sim sweep'{who} is writing this folder; "
                "wait for it to end, or choose another folder",
            ) from None
        except BaseException:
            os.close(handle)
            raise
        # Its holder may have removed the file between our open and our lock: then we hold
        # a lock on a file no one else will see, and must lock the one now at the path.
        try:
            current = os.stat(path)
        except FileNotFoundError:
            current = None
        mine = os.fstat(handle)
        if current is not None and (current.st_ino, current.st_dev) == (mine.st_ino, mine.st_dev):
            os.ftruncate(handle, 0)
            os.write(handle, f"{os.getpid()}\n".encode())
            return handle
        os.close(handle)
    raise InputError(out, "out", "cannot take the sweep's lock: its file keeps changing")


def _remove_empty(folders: list[Path]) -> None:
    """Remove the given folders, deepest first, as long as they are empty."""
    for folder in folders:
        try:
            folder.rmdir()
        except OSError:
            return
