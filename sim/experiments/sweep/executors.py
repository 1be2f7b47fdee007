"""Where a sweep's chunks run: this process, a local process pool, or a Dask cluster.

Each executor takes chunks with ``submit`` and hands back futures of
:class:`~sim.experiments.sweep.chunks.ChunkResult`; :func:`execute` keeps ``capacity`` of them
in flight and retries failed ones. Local pool workers, and Dask workers that see the results
folder, write each chunk's big steps table themselves, so the parent only writes the rest.
"""

from __future__ import annotations

import multiprocessing
import secrets
from collections.abc import Callable, Iterator
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sim.experiments.sweep.chunks import Chunk, ChunkResult, run_chunk
from sim.experiments.sweep.storage import write_chunk_table
from sim.loading.scenarios import LoadedScenario
from sim.schema.errors import InputError

if TYPE_CHECKING:
    from distributed import LocalCluster

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


# --- what runs in the workers --------------------------------------------------------------

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
    assert result.steps is not None
    write_chunk_table(out, "steps", result.index, result.steps)
    return ChunkResult(result.index, result.runs, None, result.ties)


def run_on_dask(loaded: LoadedScenario, chunk: Chunk, out: str, mark: str) -> ChunkResult:
    """Run a chunk on a Dask worker, which stores the steps itself if it sees ``out``.

    A worker sees the sweep's folder when it can read the mark file ``out/mark`` that this
    sweep wrote there with its own random name (a shared disk, or a LocalCluster). It then
    writes the steps table, the biggest, so the parent only receives the per-run table; any
    other worker sends everything back.

    Args:
        loaded: The scenario.
        chunk: The runs to run.
        out: The sweep's results folder, as a path on the machine that runs the sweep.
        mark: Name of the mark file in ``out``.

    Returns:
        The chunk's tables; ``steps`` is None when this worker stored it.
    """
    result = run_chunk(loaded, chunk)
    if Path(out, mark).is_file():
        return _store_steps(result, Path(out))
    return result


# --- the executors -------------------------------------------------------------------------


class _Serial:
    """Runs chunks in this process, one at a time."""

    capacity = 1

    def __init__(self, loaded: LoadedScenario) -> None:
        self.loaded = loaded

    def submit(self, chunk: Chunk) -> Future[ChunkResult]:
        future: Future[ChunkResult] = Future()
        try:
            future.set_result(run_chunk(self.loaded, chunk))
        except Exception as error:  # a failed run fails its chunk, to be retried
            future.set_exception(error)
        return future

    def wait(self, futures: set[Any]) -> set[Any]:
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
        # runner) can deadlock. The server preloads this module, which defines _init_worker
        # and _run_in_worker and imports the model, once for every worker.
        context = multiprocessing.get_context("forkserver")
        context.set_forkserver_preload([__name__])
        return ProcessPoolExecutor(
            self.workers,
            mp_context=context,
            initializer=_init_worker,
            initargs=(self.loaded, self.out),
        )

    def submit(self, chunk: Chunk) -> Future[ChunkResult]:
        try:
            return self.pool.submit(_run_in_worker, chunk)
        except BrokenProcessPool:
            self.pool.shutdown(wait=False, cancel_futures=True)
            self.pool = self._start()
            return self.pool.submit(_run_in_worker, chunk)

    def wait(self, futures: set[Any]) -> set[Any]:
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
        self.cluster: LocalCluster | None = None
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

    def wait(self, futures: set[Any]) -> set[Any]:
        from distributed import wait as dask_wait

        return set(dask_wait(list(futures), return_when="FIRST_COMPLETED").done)

    def close(self) -> None:
        self.client.close()
        if self.cluster is not None:
            self.cluster.close()
        self.mark.unlink(missing_ok=True)


#: Any of the executors: ``submit``, ``wait``, ``close`` and a ``capacity``.
Executor = _Serial | _Processes | _Dask


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


def open_executor(loaded: LoadedScenario, workers: int, dask: str | None, out: Path) -> Executor:
    """Start the executor: Dask when ``dask`` is given, else serial for 1 worker, else a pool.

    Local pool workers write their chunks' steps into ``out`` themselves; so do Dask workers
    that see ``out`` (:func:`run_on_dask`); others send everything back, so a cluster needs no
    disk shared with this machine.

    Args:
        loaded: The scenario.
        workers: Worker processes (of the pool, or of a ``"local"`` Dask cluster).
        dask: A Dask scheduler address, ``"local"``, or None for no Dask.
        out: The sweep's results folder.

    Returns:
        The executor; close it when done.

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
    executor: Executor,
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
