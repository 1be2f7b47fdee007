"""Parameter sweeps: a design of points, thousands of runs, results streamed to Parquet.

A sweep runs every replicate of every design point of a scenario's ``[sweep]`` table (or just
its replicates when it has none). Runs are numbered ``run = point * replicates + replicate``
and sent to an executor in chunks of consecutive runs: this process (serial), a local process
pool, or a Dask cluster. Each chunk is stored as it finishes, so memory stays flat; the
worker writes the big steps table when it sees the results folder (local workers, Dask workers
on a shared disk), the parent writes the rest:

* ``runs/chunk-NNNNNN.parquet``: one row per run (``run``, ``point``, ``replicate``, the
  point's parameter values under their dotted paths, then :func:`sim.metrics.summarise_run`);
* ``steps/chunk-NNNNNN.parquet``: one row per week per run (``run``, ``point``,
  ``replicate``, then :func:`sim.metrics.record_step`);
* ``manifest.json``: the scenario text and its SHA-256, the design (every point), the seeding
  scheme, package versions and which chunks are done.

Every file is written to a hidden temporary name and renamed into place, so a sweep killed at
any moment leaves only whole files; ``resume`` runs what is missing.

Seeds are common random numbers: replicate ``r`` of every point draws from
:func:`sim.runner.replicate_rng` ``(seed, r)``, so it equals replicate ``r`` of ``alliance-sim
run`` on the scenario with that point's values as overrides, and two points differ by their
parameters, not their luck (Law 2015, *Simulation Modeling and Analysis*, ch. 11).
"""

from __future__ import annotations

import itertools
import json
import math
import multiprocessing
import os
import secrets
import sys
import time
from collections.abc import Callable, Iterator
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, field
from operator import itemgetter
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
from tqdm import tqdm

from sim.experiments.results import check_output_folder, describe
from sim.experiments.run import build_model
from sim.loading.scenarios import LoadedScenario
from sim.model.metrics import summarise_run
from sim.schema.errors import InputError
from sim.schema.world import World, iter_figures

if TYPE_CHECKING:
    from distributed import LocalCluster

SEEDING = (
    "common random numbers: run (point p, replicate r) draws from numpy "
    "SeedSequence(seed, spawn_key=(r,)), the stream of replicate r of 'alliance-sim run'"
)
INDEX_COLUMNS = ("run", "point", "replicate")
MANIFEST = "manifest.json"
#: Largest default chunk: bounds the memory of one chunk's tables and the work lost to a crash.
MAX_CHUNK = 250
#: How long to try reaching a Dask scheduler before giving up.
DASK_TIMEOUT = "10s"
#: Dask settings for chunks of pure-Python runs, used by the LocalCluster of ``--dask local``
#: (docs/sweeps.md gives them as a config file for other clusters). Each quiets a periodic
#: task that wakes Dask's event loops on the cores the runs use; together they took a 2,000-run
#: sweep on a 2-core LocalCluster from 1.13 s to 1.07 s (benchmarks/README.md).
DASK_CONFIG: dict[str, object] = {
    # The statistical profiler samples every thread's stack every 10 ms, taking the GIL.
    "distributed.worker.profile.enabled": False,
    # Chunks are of one size and wait on the scheduler, not on workers: nothing to steal.
    "distributed.scheduler.work-stealing": False,
    "distributed.admin.tick.interval": "500ms",
    "distributed.admin.system-monitor.interval": "2s",
    "distributed.worker.memory.monitor-interval": "1s",
}


@dataclass(frozen=True)
class Design:
    """The points of a sweep: one row per point, one column per parameter (dotted path)."""

    kind: str
    parameters: list[str]
    points: np.ndarray  # shape (points, parameters)
    replicates: int

    @property
    def runs(self) -> int:
        """Number of runs: every replicate of every point."""
        return len(self.points) * self.replicates

    def table(self) -> pd.DataFrame:
        """The design as a DataFrame indexed by point."""
        frame = pd.DataFrame(self.points, columns=self.parameters)
        frame.index.name = "point"
        return frame

    def to_json(self) -> dict[str, object]:
        """The design as stored in the manifest."""
        return {
            "kind": self.kind,
            "parameters": self.parameters,
            "replicates": self.replicates,
            "points": self.points.tolist(),
        }


def make_design(loaded: LoadedScenario) -> Design:
    """Build the design points of a scenario's ``[sweep]`` table.

    A grid takes every combination of the listed values (the first parameter varies slowest).
    Sampled designs use SALib, seeded by the scenario seed: Latin hypercube
    (``SALib.sample.latin``), Sobol' with Saltelli's scheme and no second-order terms
    (``SALib.sample.sobol``, N*(D+2) points) and Morris trajectories (``SALib.sample.morris``,
    N*(D+1) points).

    Args:
        loaded: A validated scenario.

    Returns:
        The design; one point with no parameters when the scenario has no ``[sweep]``.
    """
    sc = loaded.scenario
    sweep = sc.sweep
    replicates = (sweep.replicates if sweep else None) or sc.replicates
    if sweep is None or (sweep.design == "grid" and not sweep.grid):
        return Design("replicates", [], np.empty((1, 0)), replicates)
    if sweep.design == "grid":
        parameters = list(sweep.grid)
        points = np.array(list(itertools.product(*sweep.grid.values())), dtype=float)
        return Design("grid", parameters, points, replicates)
    from SALib.sample import latin, morris, sobol  # only sampled designs need SALib

    parameters = list(sweep.ranges)
    problem = salib_problem(parameters, [list(sweep.ranges[p]) for p in parameters])
    samples = int(sweep.samples or 0)
    if sweep.design == "latin":
        points = latin.sample(problem, samples, seed=sc.seed)
    elif sweep.design == "sobol":
        points = sobol.sample(problem, samples, calc_second_order=False, seed=sc.seed)
    else:
        points = morris.sample(problem, samples, num_levels=sweep.levels, seed=sc.seed)
    return Design(sweep.design, parameters, np.asarray(points, dtype=float), replicates)


def salib_problem(parameters: list[str], bounds: list[list[float]]) -> dict[str, object]:
    """SALib's problem dictionary for named parameters and their ``[low, high]`` bounds."""
    return {"num_vars": len(parameters), "names": parameters, "bounds": bounds}


def design_from_manifest(info: dict[str, Any]) -> Design:
    """Read the design stored in a sweep's manifest back."""
    stored = info["design"]
    # The explicit shape keeps a replicates-only design (one point, no parameter) 2-D.
    shape = (len(stored["points"]), len(stored["parameters"]))
    points = np.array(stored["points"], dtype=float).reshape(shape)
    return Design(stored["kind"], list(stored["parameters"]), points, int(stored["replicates"]))


# --- running one chunk ---------------------------------------------------------------------


@dataclass(frozen=True)
class Chunk:
    """Runs ``start`` to ``stop - 1`` of a sweep, with the values of the points they use."""

    index: int
    start: int
    stop: int
    replicates: int
    parameters: tuple[str, ...]
    points: dict[int, tuple[float, ...]]


@dataclass(frozen=True)
class ChunkResult:
    """The tables of one finished chunk; ``steps`` is None when a local worker stored it."""

    index: int
    runs: pa.Table
    steps: pa.Table | None


def _column(values: list[object]) -> pa.Array:
    # Types follow the values, not the first row, so every chunk gets the same schema: the
    # metrics give an int 0 where a float is due in peace, so numbers are all float64.
    if all(type(v) is bool for v in values):
        return pa.array(values, type=pa.bool_())
    if all(type(v) is str for v in values):
        return pa.array(values, type=pa.string())
    return pa.array(values, type=pa.float64())


def _table(columns: dict[str, list[object]]) -> pa.Table:
    arrays = {
        name: pa.array(values, type=pa.int64()) if name in INDEX_COLUMNS else _column(values)
        for name, values in columns.items()
    }
    return pa.table(arrays)


def _steps_table(index: dict[str, list[int]], rows: list[dict[str, float]]) -> pa.Table:
    # Weekly rows are all numbers (sim.metrics.record_step), so they go through one float
    # matrix: a C-level getter per row instead of a Python loop per column and row, read by
    # fromiter with the size known (a quarter faster than numpy.array on a list of tuples).
    keys = list(rows[0])
    values = itertools.chain.from_iterable(map(itemgetter(*keys), rows))
    flat = np.fromiter(values, dtype=np.float64, count=len(rows) * len(keys))
    matrix = flat.reshape(len(rows), len(keys)).T.copy()
    columns = {k: pa.array(v, type=pa.int64()) for k, v in index.items()}
    columns.update(zip(keys, map(pa.array, matrix), strict=True))
    columns["step"] = columns["step"].cast(pa.int64())  # the week is an index, like run
    return pa.table(columns)


def _set_point(
    figures: dict[str, Any], parameters: tuple[str, ...], values: tuple[float, ...]
) -> None:
    for path, value in zip(parameters, values, strict=True):
        figures[path].value = value


def run_chunk(loaded: LoadedScenario, chunk: Chunk) -> ChunkResult:
    """Run the runs of a chunk and return their tables.

    Each run is built as :func:`sim.runner.run_replicate` builds replicate ``r``, on a copy
    of the scenario's world with the point's values set (one copy per chunk, reset per point:
    every point sets the same parameters).

    Args:
        loaded: The scenario.
        chunk: Which runs, and the values of their points.

    Returns:
        The per-run and per-step tables of the chunk.
    """
    sc = loaded.scenario
    world: World = loaded.world.model_copy(deep=True) if chunk.parameters else loaded.world
    figures = dict(iter_figures(world))
    runs: list[dict[str, object]] = []
    steps: list[dict[str, object]] = []
    index: dict[str, list[int]] = {"run": [], "point": [], "replicate": []}
    current = -1
    for run in range(chunk.start, chunk.stop):
        point, replicate = divmod(run, chunk.replicates)
        if point != current:
            _set_point(figures, chunk.parameters, chunk.points[point])
            current = point
        model = build_model(loaded, replicate, world)
        for _ in range(sc.steps):
            model.step()
        runs.append(
            {
                "run": run,
                "point": point,
                "replicate": replicate,
                **dict(zip(chunk.parameters, chunk.points[point], strict=True)),
                **summarise_run(model),
            }
        )
        # Rows are kept as the model made them and turned into columns once per chunk:
        # per-run column appends cost about a tenth of a run.
        steps += model.records
        for key, value in (("run", run), ("point", point), ("replicate", replicate)):
            index[key] += [value] * len(model.records)
    run_columns = {key: [r[key] for r in runs] for key in runs[0]}
    return ChunkResult(chunk.index, _table(run_columns), _steps_table(index, steps))


# --- executors -----------------------------------------------------------------------------

_WORKER_SCENARIO: LoadedScenario | None = None
_WORKER_OUT: Path | None = None


def _init_worker(loaded: LoadedScenario, out: Path) -> None:
    global _WORKER_SCENARIO, _WORKER_OUT
    _WORKER_SCENARIO, _WORKER_OUT = loaded, out


def _run_in_worker(chunk: Chunk) -> ChunkResult:
    """Run a chunk in a local worker, which stores the big steps table itself.

    Writing the steps in the worker keeps the parent (which shares the cores) nearly idle;
    the chunk counts as done only once the parent has written its runs and the manifest.
    """
    assert _WORKER_SCENARIO is not None and _WORKER_OUT is not None, "worker not initialised"
    return _store_steps(run_chunk(_WORKER_SCENARIO, chunk), _WORKER_OUT)


def _store_steps(result: ChunkResult, out: Path) -> ChunkResult:
    """Write a chunk's steps table into ``out``; return the chunk without it."""
    steps = result.steps
    assert steps is not None
    _write_atomic(chunk_file(out, "steps", result.index), lambda p: pq.write_table(steps, p))
    return ChunkResult(result.index, result.runs, None)


def run_on_dask(loaded: LoadedScenario, chunk: Chunk, out: str, mark: str) -> ChunkResult:
    """Run a chunk on a Dask worker, which stores the steps itself if it sees ``out``.

    A worker sees the sweep's folder when it can read the mark file ``out/mark`` that this
    sweep wrote there with its own random name (a shared disk, or a LocalCluster). It then
    writes the steps table, the biggest, so the parent only receives the per-run table; any
    other worker sends everything back.
    """
    result = run_chunk(loaded, chunk)
    if Path(out, mark).is_file():
        return _store_steps(result, Path(out))
    return result


class _Serial:
    """Runs chunks in this process, one at a time."""

    capacity = 1

    def __init__(self, loaded: LoadedScenario) -> None:
        self.loaded = loaded

    def submit(self, chunk: Chunk) -> Future:
        future: Future = Future()
        try:
            future.set_result(run_chunk(self.loaded, chunk))
        except Exception as error:  # a failed run fails its chunk, to be retried
            future.set_exception(error)
        return future

    def wait(self, futures: set) -> set:
        return set(futures)

    def close(self) -> None:
        """Nothing to release."""


class _Processes:
    """A local process pool; a pool broken by a dead worker is replaced."""

    def __init__(self, loaded: LoadedScenario, workers: int, out: Path) -> None:
        self.loaded, self.workers, self.out = loaded, workers, out
        self.capacity = 2 * workers  # keeps every worker busy while the parent writes
        self.pool = self._start()

    def _start(self) -> ProcessPoolExecutor:
        # forkserver, not fork: forking a parent that runs threads (a Dask client, a test
        # runner) can deadlock; the server preloads the model once for every worker.
        context = multiprocessing.get_context("forkserver")
        context.set_forkserver_preload([__name__])
        return ProcessPoolExecutor(
            self.workers,
            mp_context=context,
            initializer=_init_worker,
            initargs=(self.loaded, self.out),
        )

    def submit(self, chunk: Chunk) -> Future:
        try:
            return self.pool.submit(_run_in_worker, chunk)
        except BrokenProcessPool:
            self.pool.shutdown(wait=False, cancel_futures=True)
            self.pool = self._start()
            return self.pool.submit(_run_in_worker, chunk)

    def wait(self, futures: set) -> set:
        return wait(futures, return_when=FIRST_COMPLETED).done

    def close(self) -> None:
        self.pool.shutdown(wait=True, cancel_futures=True)


class _Dask:
    """A Dask cluster at an address, or a LocalCluster for ``"local"``."""

    def __init__(self, loaded: LoadedScenario, address: str, workers: int, out: Path) -> None:
        from distributed import Client

        self.out = out.resolve()  # workers may run in another working directory
        # Written at the first chunk, when the folder exists; random, so that a worker on
        # another machine never finds one by chance in a folder of the same path.
        self.mark = self.out / f".dask-worker-sees-this-{secrets.token_hex(8)}.tmp"
        self.cluster = None
        if address == "local":
            self.cluster = local_dask_cluster(workers)
            self.client = Client(self.cluster)
        else:
            self.client = Client(address, timeout=DASK_TIMEOUT)
        threads = sum(w["nthreads"] for w in self.client.scheduler_info()["workers"].values())
        self.capacity = 2 * max(threads, 1)
        # Sent once to every worker, not once per chunk.
        self.scenario = self.client.scatter(loaded, broadcast=True)

    def submit(self, chunk: Chunk) -> Any:
        if not self.mark.exists():
            self.mark.touch()
        return self.client.submit(
            run_on_dask, self.scenario, chunk, str(self.out), self.mark.name, pure=False
        )

    def wait(self, futures: set) -> set:
        from distributed import wait as dask_wait

        return set(dask_wait(list(futures), return_when="FIRST_COMPLETED").done)

    def close(self) -> None:
        self.client.close()
        if self.cluster is not None:
            self.cluster.close()
        self.mark.unlink(missing_ok=True)


def local_dask_cluster(workers: int) -> LocalCluster:
    """A Dask LocalCluster of single-threaded worker processes, set up with DASK_CONFIG.

    Args:
        workers: Number of worker processes.

    Returns:
        The running cluster; close it (or use it in a ``with`` block) when done.
    """
    import dask
    from distributed import LocalCluster

    # The settings are read when the scheduler and the workers start, so they need to hold
    # only while the cluster is built.
    with dask.config.set(DASK_CONFIG):
        return LocalCluster(
            n_workers=workers, threads_per_worker=1, processes=True, dashboard_address=None
        )


def open_executor(
    loaded: LoadedScenario, workers: int, dask: str | None, out: Path
) -> _Serial | _Processes | _Dask:
    """Start the executor: Dask when ``dask`` is given, else serial for 1 worker, else a pool.

    Local pool workers write their chunks' steps into ``out`` themselves; so do Dask workers
    that see ``out`` (:func:`run_on_dask`); others send everything back, so a cluster needs no
    disk shared with this machine.

    Raises:
        InputError: when the Dask scheduler cannot be reached.
    """
    if dask is not None:
        try:
            return _Dask(loaded, dask, workers, out)
        except (OSError, TimeoutError, ValueError) as error:
            raise InputError(
                dask,
                "dask",
                f"cannot connect to a Dask scheduler ({error}); "
                "give tcp://HOST:PORT of a running 'dask scheduler', or 'local'",
            ) from None
    if workers == 1:
        return _Serial(loaded)
    return _Processes(loaded, workers, out)


def execute(
    chunks: Iterator[Chunk],
    executor: _Serial | _Processes | _Dask,
    on_result: Callable[[ChunkResult], None],
    retries: int,
) -> list[tuple[int, str]]:
    """Run chunks with at most ``executor.capacity`` in flight, retrying failed ones.

    Args:
        chunks: The chunks to run.
        executor: Where they run.
        on_result: Called in this process with each finished chunk, as it finishes.
        retries: How many times a failed chunk is sent again before it counts as failed.

    Returns:
        The chunks that still failed, with the last error of each.
    """
    pending: dict[Any, tuple[Chunk, int]] = {}
    failed: list[tuple[int, str]] = []
    source = iter(chunks)

    def fill() -> None:
        while len(pending) < executor.capacity and (chunk := next(source, None)) is not None:
            pending[executor.submit(chunk)] = (chunk, 0)

    fill()
    while pending:
        for future in executor.wait(set(pending)):
            chunk, attempts = pending.pop(future)
            error = future.exception()
            if error is None:
                on_result(future.result())
            elif attempts < retries:
                pending[executor.submit(chunk)] = (chunk, attempts + 1)
            else:
                failed.append((chunk.index, f"{type(error).__name__}: {error}"))
        fill()
    return failed


# --- the results folder --------------------------------------------------------------------


def _write_atomic(path: Path, write: Callable[[Path], None]) -> None:
    # A hidden temporary name: pyarrow and DuckDB skip files starting with '.' when reading.
    temporary = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        write(temporary)
        os.replace(temporary, path)
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise


def write_json(path: Path, data: dict[str, object]) -> None:
    """Write JSON atomically (temporary file, then rename)."""
    _write_atomic(path, lambda p: p.write_text(json.dumps(data, indent=1) + "\n"))


def chunk_file(folder: Path, table: str, index: int) -> Path:
    """Path of a chunk's file of ``table`` (``runs`` or ``steps``)."""
    return folder / table / f"chunk-{index:06d}.parquet"


def usable_cores() -> int:
    """Cores this process may run on (the default number of workers).

    Its CPU affinity where the system has one, since a container or ``taskset`` may allow fewer
    cores than the machine has; else every core.
    """
    if hasattr(os, "sched_getaffinity"):
        return len(os.sched_getaffinity(0))
    return os.cpu_count() or 1


def default_chunk_size(runs: int, workers: int) -> int:
    """Chunk size: about four chunks per worker, so the load balances, at most MAX_CHUNK."""
    return max(1, min(MAX_CHUNK, math.ceil(runs / (4 * workers))))


def read_manifest(folder: Path) -> dict[str, Any]:
    """Read a sweep folder's manifest.

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


def new_manifest(loaded: LoadedScenario, design: Design, chunk_size: int) -> dict[str, object]:
    """Describe a sweep well enough to repeat it: scenario, design, seeds, chunks, versions."""
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


def chunks_to_run(design: Design, size: int, done: set[int]) -> Iterator[Chunk]:
    """The chunks of a sweep not yet done, each with the values of the points it uses."""
    for index in range(math.ceil(design.runs / size)):
        if index in done:
            continue
        start, stop = index * size, min((index + 1) * size, design.runs)
        first, last = start // design.replicates, (stop - 1) // design.replicates
        yield Chunk(
            index,
            start,
            stop,
            design.replicates,
            tuple(design.parameters),
            {p: tuple(design.points[p]) for p in range(first, last + 1)},
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
    if workers is None:
        workers = usable_cores()
    if workers < 1:
        raise InputError(out, "workers", f"must be at least 1 (got {workers})")
    if retries < 0:
        raise InputError(out, "retries", f"must be 0 or more (got {retries})")
    if chunk_size is not None and chunk_size < 1:
        raise InputError(out, "chunk_size", f"must be at least 1 (got {chunk_size})")
    stored = check_output(out, loaded, resume)
    if stored is not None:
        design = design_from_manifest(stored)
        if chunk_size is not None and chunk_size != stored["chunk_size"]:
            raise InputError(
                out,
                "chunk_size",
                f"the stored sweep uses {stored['chunk_size']}"
                "; resume it without --chunk-size or with the same size",
            )
        info = stored
    else:
        design = make_design(loaded)
        info = new_manifest(loaded, design, chunk_size or default_chunk_size(design.runs, workers))
    size = int(info["chunk_size"])
    done = {
        i
        for i in info.get("chunks_done", [])
        if chunk_file(out, "runs", i).is_file() and chunk_file(out, "steps", i).is_file()
    }
    executor = open_executor(
        loaded, workers, dask, out
    )  # before writing: a bad address leaves none
    try:
        # The manifest first: a folder killed before it exists is empty or holds only it.
        out.mkdir(parents=True, exist_ok=True)
        info["chunks_done"] = sorted(done)
        info["chunks_failed"] = []
        write_json(out / MANIFEST, info)
        for folder in (out, out / "runs", out / "steps"):
            folder.mkdir(exist_ok=True)
            for leftover in folder.glob(".*.tmp"):  # from a sweep killed mid-write
                leftover.unlink()

        def runs_in(index: int) -> int:
            return min(size, design.runs - index * size)

        runs_done = sum(runs_in(i) for i in done)
        bar = tqdm(
            total=design.runs,
            initial=runs_done,
            unit="run",
            desc=loaded.scenario.name,
            disable=not (sys.stderr.isatty() if progress is None else progress),
        )

        def store(result: ChunkResult) -> None:
            _write_atomic(
                chunk_file(out, "runs", result.index), lambda p: pq.write_table(result.runs, p)
            )
            steps = result.steps
            if steps is not None:  # else a local worker has written it already
                _write_atomic(
                    chunk_file(out, "steps", result.index), lambda p: pq.write_table(steps, p)
                )
            # The manifest last: a chunk listed as done has both its files.
            done.add(result.index)
            info["chunks_done"] = sorted(done)
            write_json(out / MANIFEST, info)
            bar.update(result.runs.num_rows)

        before = runs_done
        with bar:
            failed = execute(chunks_to_run(design, size, done), executor, store, retries)
    finally:
        executor.close()
    info["chunks_failed"] = [{"chunk": i, "error": e} for i, e in failed]
    write_json(out / MANIFEST, info)
    runs_done = sum(runs_in(i) for i in done)
    return SweepReport(
        out, design, runs_done, runs_done - before, failed, time.perf_counter() - started
    )
