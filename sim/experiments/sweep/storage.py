"""The results folder of a sweep: Parquet tables per chunk, the manifest, and resuming.

Each chunk is stored as it finishes, so memory stays flat; the worker writes the big steps table
when it sees the results folder (local workers, Dask workers on a shared disk), the parent
writes the rest:

* ``runs/chunk-NNNNNN.parquet``: one row per run (``run``, ``point``, ``replicate``, the
  point's parameter values under their dotted paths, then
  :func:`sim.model.metrics.summarise_run`);
* ``steps/chunk-NNNNNN.parquet``: one row per week per run (``run``, ``point``,
  ``replicate``, then :func:`sim.model.metrics.record_step`);
* ``manifest.json``: the scenario text and its SHA-256, the design (every point), the seeding
  scheme, package versions and which chunks are done.

Every file is written to a hidden temporary name and renamed into place, so a sweep killed at
any moment leaves only whole files; ``resume`` runs what is missing: a chunk counts as done
once the manifest lists it, which it does only after both its files are in place.
"""

from __future__ import annotations

import itertools
import json
import os
from collections.abc import Callable
from operator import itemgetter
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

from sim.experiments.results import check_output_folder, describe
from sim.experiments.sweep.designs import Design
from sim.loading.scenarios import LoadedScenario
from sim.schema.errors import InputError

SEEDING = (
    "common random numbers: run (point p, replicate r) draws from numpy "
    "SeedSequence(seed, spawn_key=(r,)), the stream of replicate r of 'alliance-sim run'"
)
INDEX_COLUMNS = ("run", "point", "replicate")
MANIFEST = "manifest.json"


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
    """Path of a chunk's file of ``table`` (``runs`` or ``steps``).

    Args:
        folder: The sweep's results folder.
        table: ``runs`` or ``steps``.
        index: The chunk.

    Returns:
        ``folder/table/chunk-NNNNNN.parquet``.
    """
    return folder / table / f"chunk-{index:06d}.parquet"


def write_chunk_table(folder: Path, table: str, index: int, data: pa.Table) -> None:
    """Write a chunk's table of ``table`` (``runs`` or ``steps``) atomically.

    Args:
        folder: The sweep's results folder.
        table: ``runs`` or ``steps``.
        index: The chunk.
        data: The table to write.
    """
    _write_atomic(chunk_file(folder, table, index), lambda p: pq.write_table(data, p))


# --- the manifest --------------------------------------------------------------------------


def read_manifest(folder: Path) -> dict[str, Any]:
    """Read a sweep folder's manifest.

    Args:
        folder: A folder written by ``alliance-sim sweep``.

    Returns:
        The manifest.

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
    return info


def check_output(out: Path, loaded: LoadedScenario, resume: bool) -> dict[str, Any] | None:
    """Check a sweep may write into ``out``; return the stored manifest when resuming.

    Args:
        out: The results folder.
        loaded: The scenario to sweep.
        resume: Whether ``out`` may hold a sweep of this scenario, to continue.

    Returns:
        The stored manifest, or None when ``out`` is new or empty.

    Raises:
        InputError: if ``out`` is a file, is not empty without ``resume``, or holds another
            scenario's sweep.
    """
    hint = "pass --resume to continue the sweep stored there, or choose another folder"
    if not check_output_folder(out, empty_unless=resume, hint=hint):
        return None
    info = read_manifest(out)
    if info.get("scenario_sha256") != loaded.sha256:
        raise InputError(
            out,
            "scenario_sha256",
            f"holds a sweep of another scenario file (sha256 "
            f"{str(info.get('scenario_sha256'))[:12]}, this one {loaded.sha256[:12]}); "
            "results of different scenarios are not mixed: choose another folder",
        )
    return info


def new_manifest(loaded: LoadedScenario, design: Design, chunk_size: int) -> dict[str, Any]:
    """Describe a sweep well enough to repeat it: scenario, design, seeds, chunks, versions.

    Args:
        loaded: The scenario.
        design: Its design.
        chunk_size: Runs per chunk.

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
        "chunks_done": [],
        "chunks_failed": [],
    }


# --- resuming: which chunks are done -------------------------------------------------------


def stored_chunks(out: Path, info: dict[str, Any]) -> set[int]:
    """The chunks a manifest lists as done whose two files are both in ``out``.

    Args:
        out: The results folder.
        info: Its manifest (a new one lists no chunk).

    Returns:
        The indices of the chunks that need not run again.
    """
    return {
        i
        for i in info.get("chunks_done", [])
        if chunk_file(out, "runs", i).is_file() and chunk_file(out, "steps", i).is_file()
    }


def start_folder(out: Path, info: dict[str, Any], done: set[int]) -> None:
    """Create the results folder, write the manifest and remove files left half-written.

    The manifest comes first: a folder killed before it exists is empty or holds only it.

    Args:
        out: The results folder.
        info: The manifest; its done chunks become ``done``, its failed ones none.
        done: The chunks already stored.
    """
    out.mkdir(parents=True, exist_ok=True)
    info["chunks_done"] = sorted(done)
    info["chunks_failed"] = []
    write_json(out / MANIFEST, info)
    for folder in (out, out / "runs", out / "steps"):
        folder.mkdir(exist_ok=True)
        for leftover in folder.glob(".*.tmp"):  # from a sweep killed mid-write
            leftover.unlink()


def mark_done(out: Path, info: dict[str, Any], done: set[int], index: int) -> None:
    """Record a chunk as done in the manifest, once both its files are written.

    Args:
        out: The results folder.
        info: The manifest, updated.
        done: The chunks done so far, updated.
        index: The chunk just stored.
    """
    done.add(index)
    info["chunks_done"] = sorted(done)
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
