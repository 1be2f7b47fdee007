"""Running a sweep: a design of points, thousands of runs, results streamed to Parquet.

A sweep runs every replicate of every design point of a scenario's ``[sweep]`` table (or just
its replicates when it has none). The runs are cut into chunks of consecutive runs
(:mod:`sim.experiments.sweep.chunks`, which also explains the seeding) and sent to an executor:
this process (serial), a local process pool, or a Dask cluster
(:mod:`sim.experiments.sweep.executors`). Each chunk is stored as it finishes, and the folder
can be resumed after a crash (:mod:`sim.experiments.sweep.storage`, which describes its
layout).

Every size is checked against :mod:`sim.schema.limits` before anything is made: the options,
the design's points (counted, not built), the runs (at most ``max_runs``, by default
:data:`~sim.schema.limits.MAX_RUNS_DEFAULT`) and the chunks. Then the folder is locked, and the
plan (runs, and estimates of time and disk from one timed run) is reported before the runs.
"""

from __future__ import annotations

import math
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pyarrow as pa
from tqdm import tqdm

from sim.experiments.sizing import default_workers, design_size, runs_in_this_process
from sim.experiments.sweep.chunks import (
    ChunkResult,
    chunks_to_run,
    default_chunk_size,
    run_chunk,
)
from sim.experiments.sweep.designs import Design, design_from_manifest, make_design
from sim.experiments.sweep.executors import execute, open_executor
from sim.experiments.sweep.storage import (
    TABLES,
    check_fingerprint,
    check_output,
    chunk_tables,
    fingerprint,
    mark_done,
    mark_failed,
    new_manifest,
    parquet_size,
    read_manifest,
    start_folder,
    stored_chunks,
    sweep_lock,
    write_chunk_table,
)
from sim.loading.scenarios import LoadedScenario
from sim.schema.errors import InputError
from sim.schema.limits import (
    MAX_CHUNK_SIZE,
    MAX_CHUNKS,
    MAX_RETRIES,
    MAX_RUNS_DEFAULT,
    MAX_RUNS_HARD,
    MAX_WORKERS,
)


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


@dataclass(frozen=True)
class SweepPlan:
    """What a sweep is about to do, with estimates of its time and disk.

    The estimates come from the sweep's first two runs, made in memory just before it starts
    (nothing is written): the first warms the process up, the second is timed. ``seconds`` is
    that time x the runs to run / the workers; ``disk_bytes`` is the Parquet bytes one more run
    adds to a chunk's files x every run, plus each chunk's fixed bytes and the design file.
    Runs differ in length, so both are estimates only.
    """

    name: str
    points: int
    replicates: int
    runs: int
    to_run: int
    workers: int
    seconds_per_run: float | None = None
    bytes_per_run: float | None = None
    seconds: float | None = None
    disk_bytes: float | None = None

    def __str__(self) -> str:
        head = (
            f"{self.name}: plan: {self.points:,} point(s) x {self.replicates:,} replicate(s) "
            f"= {self.runs:,} runs"
        )
        if self.to_run == 0:
            return f"{head}, all stored: nothing to run"
        head += f", {self.to_run:,} to run on {self.workers} worker(s)"
        if self.seconds is None or self.disk_bytes is None or self.seconds_per_run is None:
            return f"{head}; no estimate (the timed run failed)"
        return (
            f"{head}; estimated {_duration(self.seconds)} and {_size(self.disk_bytes)} on disk "
            f"(estimates from one timed run: {self.seconds_per_run:.2g} s, "
            f"{_size(self.bytes_per_run or 0)} stored per run)"
        )


def _duration(seconds: float) -> str:
    """A duration in the unit that suits it: ``0.4 s``, ``12 min``, ``3.1 h``, ``9.5 days``."""
    for unit, size in (("days", 86400.0), ("h", 3600.0), ("min", 60.0)):
        if seconds >= 2 * size:
            return (
                f"{seconds / size:.2g} {unit}"
                if seconds < 10 * size
                else (f"{seconds / size:,.0f} {unit}")
            )
    return f"{seconds:.2g} s"


def _size(count: float) -> str:
    """Bytes in the decimal unit that suits them: ``950 B``, ``1.2 MB``, ``3.4 TB``."""
    for unit, size in (("TB", 1e12), ("GB", 1e9), ("MB", 1e6), ("kB", 1e3)):
        if count >= size:
            return (
                f"{count / size:.2g} {unit}" if count < 10 * size else f"{count / size:,.0f} {unit}"
            )
    return f"{count:.0f} B"


def plan_sweep(
    loaded: LoadedScenario, design: Design, chunk_size: int, to_run: int, workers: int
) -> SweepPlan:
    """The plan of a sweep, its estimates from its first two runs made here (nothing written).

    Args:
        loaded: The scenario.
        design: Its design.
        chunk_size: Runs per chunk.
        to_run: Runs not yet stored.
        workers: Runs that go on at once.

    Returns:
        The plan; without estimates when nothing is to run, or the timed run failed.
    """
    plan = SweepPlan(
        loaded.scenario.name, len(design.points), design.replicates, design.runs, to_run, workers
    )
    if to_run == 0:
        return plan
    # Run 0 warms the process up (its first run pays for caches and lazy imports) and gives
    # the bytes of a one-run chunk; run 1, timed, gives the time of a run and, with run 0,
    # the bytes one more run adds to a chunk's files.
    try:
        first = run_chunk(loaded, next(chunks_to_run(design, 1, set())))
        started = time.perf_counter()
        second = run_chunk(loaded, next(chunks_to_run(design, 1, {0}))) if design.runs > 1 else None
        seconds = time.perf_counter() - started if second is not None else None
    except Exception:  # the sweep itself will report the failing chunks
        return plan
    one = _stored_bytes(first)
    if second is None or seconds is None:  # a one-run sweep: run 0 is all there is
        per_file, per_run, seconds = 0, one, 0.0
    else:
        both = _stored_bytes(first, second)
        per_run = max(both - one, 0)
        per_file = max(one - per_run, 0)
    chunks = math.ceil(design.runs / chunk_size)
    design_bytes = (design.points.size + len(design.points)) * 8
    return SweepPlan(
        plan.name,
        plan.points,
        plan.replicates,
        plan.runs,
        to_run,
        workers,
        seconds_per_run=seconds,
        bytes_per_run=per_run,
        seconds=seconds * to_run / workers,
        disk_bytes=chunks * per_file + design.runs * per_run + design_bytes,
    )


def _stored_bytes(*results: ChunkResult) -> int:
    """Parquet bytes of the tables of the given chunks, stored as one chunk."""
    total = 0
    for name in TABLES:
        tables = [getattr(r, name) for r in results if getattr(r, name) is not None]
        if tables:
            total += parquet_size(pa.concat_tables(tables, promote_options="permissive"))
    return total


def run_sweep(
    loaded: LoadedScenario,
    out: Path,
    *,
    resume: bool = False,
    workers: int | None = None,
    dask: str | None = None,
    chunk_size: int | None = None,
    retries: int = 2,
    max_runs: int | None = None,
    progress: bool | None = None,
    on_plan: Callable[[SweepPlan], object] | None = None,
) -> SweepReport:
    """Run a sweep and stream its results into ``out``.

    Args:
        loaded: The scenario (its ``[sweep]`` table, if any, gives the design).
        out: The results folder; must be new or empty unless ``resume``.
        resume: Continue the sweep stored in ``out``: chunks already written are skipped. The
            stored fingerprint must match the scenario's (:func:`~.storage.fingerprint`).
        workers: Worker processes (default: :func:`~sim.experiments.sizing.default_workers`,
            or this process alone for a sweep of less than
            :data:`~sim.experiments.sizing.SMALL_SWEEP` state-weeks); 1 runs in this process.
        dask: A Dask scheduler address, or ``"local"`` for a LocalCluster.
        chunk_size: Runs per chunk (default: :func:`default_chunk_size`; a resumed sweep
            keeps its own).
        retries: Times a failed chunk is sent again.
        max_runs: Most runs a new sweep may plan (default
            :data:`~sim.schema.limits.MAX_RUNS_DEFAULT`, at most
            :data:`~sim.schema.limits.MAX_RUNS_HARD`); a resumed sweep was checked when it began.
        progress: Show a progress bar (default: when stderr is a terminal).
        on_plan: Called with the :class:`SweepPlan` once the folder is locked, before any run;
            the plan's estimates cost one run, made only when this is given.

    Returns:
        What was run, what failed and how long it took.

    Raises:
        InputError: for a bad folder, option, size or Dask address, for a folder another sweep
            is writing, or a resume of a different experiment, before anything is written.
    """
    started = time.perf_counter()
    out = Path(out)
    left_to_default = workers is None and dask is None
    workers, max_runs = _check_options(out, workers, retries, chunk_size, max_runs)
    if not check_output(out, resume):  # a new sweep: sized before anything is made
        _check_size(loaded, out, workers, chunk_size, max_runs)
    with sweep_lock(out):
        design, info, new = _open_manifest(loaded, out, resume, workers, chunk_size, max_runs)
        size = int(info["chunk_size"])
        done = stored_chunks(out, info)
        before = _runs_in(done, size, design.runs)
        small = runs_in_this_process(loaded, design.runs - before)
        run_on = 1 if left_to_default and small else workers
        # The executor starts before anything is written: a bad Dask address leaves no folder.
        executor = open_executor(loaded, run_on, dask, out)
        try:
            if on_plan is not None:
                parallel = max(1, executor.capacity // 2)
                on_plan(plan_sweep(loaded, design, size, design.runs - before, parallel))
            start_folder(out, info, design if new else None, done)
            with _progress_bar(loaded.scenario.name, design.runs, before, progress) as bar:
                store = _store(out, info, done, bar.update)
                failed = execute(chunks_to_run(design, size, done), executor, store, retries)
            mark_failed(out, info, failed)
        except OSError as error:  # a full disk, a folder made read-only: one line, resumable
            where = f" {error.filename}" if error.filename else ""
            reason = error.strerror or str(error) or type(error).__name__
            raise InputError(
                out,
                "out",
                f"stopped writing{where}: {reason}; the chunks stored so far are kept: "
                "free space (or fix the folder), then continue with --resume",
            ) from None
        finally:
            executor.close()
    runs_done = _runs_in(done, size, design.runs)
    seconds = time.perf_counter() - started
    return SweepReport(out, design, runs_done, runs_done - before, failed, seconds)


def _bounded(out: Path, name: str, value: int, low: int, high: int) -> None:
    """Refuse an option outside ``[low, high]``, naming it and the range."""
    if not low <= value <= high:
        raise InputError(out, name, f"must be at least {low} and at most {high:,} (got {value})")


def _check_options(
    out: Path, workers: int | None, retries: int, chunk_size: int | None, max_runs: int | None
) -> tuple[int, int]:
    """Check the options of :func:`run_sweep`; return the workers and the most runs allowed."""
    if workers is None:
        workers = default_workers()
    _bounded(out, "workers", workers, 1, MAX_WORKERS)
    _bounded(out, "retries", retries, 0, MAX_RETRIES)
    if chunk_size is not None:
        _bounded(out, "chunk_size", chunk_size, 1, MAX_CHUNK_SIZE)
    if max_runs is None:
        max_runs = MAX_RUNS_DEFAULT
    _bounded(out, "max_runs", max_runs, 1, MAX_RUNS_HARD)
    return workers, max_runs


def _check_size(
    loaded: LoadedScenario, out: Path, workers: int, chunk_size: int | None, max_runs: int
) -> None:
    """Refuse a new sweep too big to start: its points, runs or chunks, none of them built."""
    points, replicates = design_size(loaded)
    runs = points * replicates
    planned = f"the sweep plans {runs:,} runs ({points:,} point(s) x {replicates:,} replicate(s))"
    if runs > MAX_RUNS_HARD:
        raise InputError(
            loaded.path,
            "sweep",
            f"{planned}, more than any sweep may run ({MAX_RUNS_HARD:,}); "
            "use fewer points or replicates",
        )
    if runs > max_runs:
        raise InputError(
            loaded.path,
            "max_runs",
            f"{planned}, more than the {max_runs:,} allowed (default {MAX_RUNS_DEFAULT:,}); "
            f"pass --max-runs {runs} to run them (at most {MAX_RUNS_HARD:,}), "
            "or use fewer points or replicates",
        )
    size = chunk_size or default_chunk_size(runs, workers)
    chunks = math.ceil(runs / size)
    if chunks > MAX_CHUNKS:
        raise InputError(
            out,
            "chunk_size",
            f"{size:,} run(s) per chunk cut {runs:,} runs into {chunks:,} chunks; at most "
            f"{MAX_CHUNKS:,} are allowed (each is three files): give at least "
            f"{math.ceil(runs / MAX_CHUNKS):,}",
        )


def _open_manifest(
    loaded: LoadedScenario,
    out: Path,
    resume: bool,
    workers: int,
    chunk_size: int | None,
    max_runs: int,
) -> tuple[Design, dict[str, Any], bool]:
    """The design and manifest of the sweep, and whether it is new (else stored in ``out``).

    Called with the folder locked, so its contents are checked again: no other sweep can
    change them from here on.
    """
    if not check_output(out, resume):
        _check_size(loaded, out, workers, chunk_size, max_runs)
        design = make_design(loaded)
        size = chunk_size or default_chunk_size(design.runs, workers)
        return design, new_manifest(loaded, design, size, fingerprint(loaded, design)), True
    stored = read_manifest(out)
    # Everything but the design first: a changed scenario is named as such, and the design
    # is only built again for the same scenario.
    check_fingerprint(out, stored, fingerprint(loaded, None))
    check_fingerprint(out, stored, {"design_sha256": make_design(loaded).sha256()})
    design = design_from_manifest(stored)
    if chunk_size is not None and chunk_size != stored["chunk_size"]:
        raise InputError(
            out,
            "chunk_size",
            f"the stored sweep uses {stored['chunk_size']}"
            "; resume it without --chunk-size or with the same size",
        )
    return design, stored, False


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
    tables = chunk_tables(info)

    def store(result: ChunkResult) -> None:
        write_chunk_table(out, "runs", result.index, result.runs)
        if result.steps is not None:  # else a local worker has written it already
            write_chunk_table(out, "steps", result.index, result.steps)
        if "ties" in tables:  # a sweep begun before the table existed goes on without it
            write_chunk_table(out, "ties", result.index, result.ties)
        # The manifest last: a chunk listed as done has all its files.
        mark_done(out, info, done, result.index)
        advance(result.runs.num_rows)

    return store
