"""Chunks of a sweep: consecutive runs sent to a worker together, and how one is run.

Runs are numbered ``run = point * replicates + replicate`` and cut into chunks of consecutive
runs; a chunk is the unit of work of an executor, of storage (one Parquet file per table) and of
resuming.

Seeds are common random numbers: replicate ``r`` of every point draws from
:func:`sim.experiments.run.replicate_rng` ``(seed, r)``, so it equals replicate ``r`` of
``alliance-sim run`` on the scenario with that point's values as overrides, and two points
differ by their parameters, not their luck (Law 2015, *Simulation Modeling and Analysis*,
ch. 11).
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from dataclasses import dataclass

import pyarrow as pa

from sim.experiments.run import build_model
from sim.experiments.sweep.designs import Design
from sim.experiments.sweep.storage import runs_table, steps_table, ties_table
from sim.loading.scenarios import LoadedScenario
from sim.model.metrics import summarise_run
from sim.schema.limits import MAX_CHUNKS
from sim.schema.world import Figure, World, iter_figures

#: Largest default chunk: bounds the memory of one chunk's tables and the work lost to a crash.
MAX_CHUNK = 250


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
    """The tables of one finished chunk; ``steps`` is None when a local worker stored it.

    ``ties`` holds every tie change of the chunk's runs (a few rows a run at most), so it
    travels with the per-run table.
    """

    index: int
    runs: pa.Table
    steps: pa.Table | None
    ties: pa.Table


def default_chunk_size(runs: int, workers: int) -> int:
    """Chunk size: about four chunks per worker, so the load balances, at most MAX_CHUNK.

    A sweep so big that this would make more than :data:`~sim.schema.limits.MAX_CHUNKS` chunks
    gets bigger ones, so that it keeps at most that many.

    Args:
        runs: Runs in the sweep.
        workers: Workers that share them.

    Returns:
        Runs per chunk, at least 1.
    """
    balanced = min(MAX_CHUNK, math.ceil(runs / (4 * workers)))
    return max(1, balanced, math.ceil(runs / MAX_CHUNKS))


def chunks_to_run(design: Design, size: int, done: set[int]) -> Iterator[Chunk]:
    """The chunks of a sweep not yet done, each with the values of the points it uses.

    Args:
        design: The sweep's design.
        size: Runs per chunk (the last chunk may have fewer).
        done: Chunks already stored, skipped.

    Yields:
        The chunks to run, in order.
    """
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


def _set_point(
    figures: dict[str, Figure], parameters: tuple[str, ...], values: tuple[float, ...]
) -> None:
    for path, value in zip(parameters, values, strict=True):
        figures[path].value = value


def run_chunk(loaded: LoadedScenario, chunk: Chunk) -> ChunkResult:
    """Run the runs of a chunk and return their tables.

    Each run is built as :func:`sim.experiments.run.run_replicate` builds replicate ``r``
    (:func:`sim.experiments.run.build_model`), on a copy of the scenario's world with the
    point's values set (one copy per chunk, reset per point: every point sets the same
    parameters).

    Args:
        loaded: The scenario.
        chunk: Which runs, and the values of their points.

    Returns:
        The per-run, per-step and tie-change tables of the chunk.
    """
    sc = loaded.scenario
    world: World = loaded.world.model_copy(deep=True) if chunk.parameters else loaded.world
    figures = dict(iter_figures(world))
    runs: list[dict[str, object]] = []
    steps: list[dict[str, float]] = []
    index: dict[str, list[int]] = {"run": [], "point": [], "replicate": []}
    changes: list[dict[str, object]] = []
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
        changes += [
            {"run": run, "point": point, "replicate": replicate, **row} for row in model.net.changes
        ]
    run_columns = {key: [r[key] for r in runs] for key in runs[0]}
    return ChunkResult(
        chunk.index, runs_table(run_columns), steps_table(index, steps), ties_table(changes)
    )
