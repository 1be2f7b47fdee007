"""Running a sweep: a design of points, thousands of runs, results streamed to Parquet.

A sweep runs every replicate of every design point of a scenario's ``[sweep]`` table (or just
its replicates when it has none). The runs are cut into chunks of consecutive runs
(:mod:`sim.experiments.sweep.chunks`, which also explains the seeding) and sent to an executor:
this process (serial), a local process pool, or a Dask cluster
(:mod:`sim.experiments.sweep.executors`). Each chunk is stored as it finishes, and the folder
can be resumed after a crash (:mod:`sim.experiments.sweep.storage`, which describes its
layout).
"""

from __future__ import annotations

import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from tqdm import tqdm

from sim.experiments.sweep.chunks import ChunkResult, chunks_to_run, default_chunk_size
from sim.experiments.sweep.designs import Design, design_from_manifest, make_design
from sim.experiments.sweep.executors import execute, open_executor, usable_cores
from sim.experiments.sweep.storage import (
    check_output,
    mark_done,
    mark_failed,
    new_manifest,
    start_folder,
    stored_chunks,
    write_chunk_table,
)
from sim.loading.scenarios import LoadedScenario
from sim.schema.errors import InputError


@dataclass
class SweepReport:
    """What a finished sweep did."""

    out: Path
    design: Design
    runs_done: int
    runs_run: int
    failed: list[tuple[int, str]] = field(default_factory=list)
    seconds: float = 0.0

    @property
    def failed_runs(self) -> int:
        """Runs in chunks that failed after their retries."""
        return self.design.runs - self.runs_done


def run_sweep(
    loaded: LoadedScenario,
    out: Path,
    *,
    resume: bool = False,
    workers: int | None = None,
    dask: str | None = None,
    chunk_size: int | None = None,
    retries: int = 2,
    progress: bool | None = None,
) -> SweepReport:
    """Run a sweep and stream its results into ``out``.

    Args:
        loaded: The scenario (its ``[sweep]`` table, if any, gives the design).
        out: The results folder; must be new or empty unless ``resume``.
        resume: Continue the sweep stored in ``out``: chunks already written are skipped.
        workers: Worker processes (default: :func:`usable_cores`); 1 runs in this process.
        dask: A Dask scheduler address, or ``"local"`` for a LocalCluster.
        chunk_size: Runs per chunk (default: :func:`default_chunk_size`; a resumed sweep
            keeps its own).
        retries: Times a failed chunk is sent again.
        progress: Show a progress bar (default: when stderr is a terminal).

    Returns:
        What was run, what failed and how long it took.

    Raises:
        InputError: for a bad folder, chunk size or Dask address, before anything is written.
    """
    started = time.perf_counter()
    out = Path(out)
    workers = _check_options(out, workers, retries, chunk_size)
    design, info = _open_manifest(loaded, out, resume, workers, chunk_size)
    size = int(info["chunk_size"])
    done = stored_chunks(out, info)
    before = _runs_in(done, size, design.runs)
    # The executor starts before anything is written: a bad Dask address leaves no folder.
    executor = open_executor(loaded, workers, dask, out)
    try:
        start_folder(out, info, done)
        with _progress_bar(loaded.scenario.name, design.runs, before, progress) as bar:
            store = _store(out, info, done, bar.update)
            failed = execute(chunks_to_run(design, size, done), executor, store, retries)
    finally:
        executor.close()
    mark_failed(out, info, failed)
    runs_done = _runs_in(done, size, design.runs)
    seconds = time.perf_counter() - started
    return SweepReport(out, design, runs_done, runs_done - before, failed, seconds)


def _check_options(out: Path, workers: int | None, retries: int, chunk_size: int | None) -> int:
    """Check the options of :func:`run_sweep`; return the number of workers."""
    if workers is None:
        workers = usable_cores()
    if workers < 1:
        raise InputError(out, "workers", f"must be at least 1 (got {workers})")
    if retries < 0:
        raise InputError(out, "retries", f"must be 0 or more (got {retries})")
    if chunk_size is not None and chunk_size < 1:
        raise InputError(out, "chunk_size", f"must be at least 1 (got {chunk_size})")
    return workers


def _open_manifest(
    loaded: LoadedScenario, out: Path, resume: bool, workers: int, chunk_size: int | None
) -> tuple[Design, dict[str, Any]]:
    """The design and manifest of the sweep: those stored in ``out`` when resuming, else new."""
    stored = check_output(out, loaded, resume)
    if stored is None:
        design = make_design(loaded)
        size = chunk_size or default_chunk_size(design.runs, workers)
        return design, new_manifest(loaded, design, size)
    design = design_from_manifest(stored)
    if chunk_size is not None and chunk_size != stored["chunk_size"]:
        raise InputError(
            out,
            "chunk_size",
            f"the stored sweep uses {stored['chunk_size']}"
            "; resume it without --chunk-size or with the same size",
        )
    return design, stored


def _runs_in(chunks: set[int], size: int, runs: int) -> int:
    """Runs in the given chunks of a sweep of ``runs`` runs cut into chunks of ``size``."""
    return sum(min(size, runs - index * size) for index in chunks)


def _progress_bar(name: str, total: int, initial: int, progress: bool | None) -> Any:
    """A tqdm bar of runs, shown when ``progress`` says so (None: when stderr is a terminal)."""
    shown = sys.stderr.isatty() if progress is None else progress
    return tqdm(total=total, initial=initial, unit="run", desc=name, disable=not shown)


def _store(
    out: Path, info: dict[str, Any], done: set[int], advance: Callable[[int], object]
) -> Callable[[ChunkResult], None]:
    """The callback that stores each finished chunk in ``out`` and advances the progress bar."""

    def store(result: ChunkResult) -> None:
        write_chunk_table(out, "runs", result.index, result.runs)
        if result.steps is not None:  # else a local worker has written it already
            write_chunk_table(out, "steps", result.index, result.steps)
        # The manifest last: a chunk listed as done has both its files.
        mark_done(out, info, done, result.index)
        advance(result.runs.num_rows)

    return store
