"""Time one run of the built-in ``baseline`` and ``karabakh_2020`` scenarios against bare Mesa.

The *model* is ``sim.experiments.run.run_replicate(loaded, replicate)`` on a scenario:
construction of :class:`sim.model.model.AllianceModel`, the network snapshots of the
scenario's ``plots.network_steps`` (default: the first and last step), and one call of
``model.step()`` per week. Two scenarios are timed: ``baseline`` (6 states, 26 weeks of
peace) and ``karabakh_2020`` (the same states, 12 weeks, a war from week 0).

The *floor* is the least a Mesa model of the same size does: a :class:`mesa.Model` with one
agent per state of the scenario, seeded the same way (``sim.experiments.run.replicate_rng``),
stepped as many weeks; each step every agent ``decide``s (reads three attributes, draws one
random number) through ``model.agents.do("decide")``, and the model appends one dict of
per-agent values to ``records`` (the minimal per-step data recording).

All four (each scenario and its floor) are timed in one process with
:func:`time.perf_counter`, interleaved in batches (the order rotates batch by batch,
``gc.collect()`` before each batch); the table shows the median and the minimum over batches
of the mean time per run, and each scenario's ratio to its own floor. The project's target is
a ratio of at most 3.

Further sections, for one scenario (``--scenario``, default ``baseline``), time construction
and stepping separately, break one run down by phase of ``AllianceModel.step``, and compare
``run_scenario`` (which adds the pandas tables and the per-run summary) with bare
``run_replicate``. ``--profile`` runs cProfile over 200 runs of that scenario and prints the
top 15 functions by cumulative and by self time.

Usage::

    .venv/bin/python benchmarks/bench_baseline.py [--repeats N] [--batches B] [--quick]
        [--scenario NAME] [--profile]
"""

from __future__ import annotations

import argparse
import cProfile
import gc
import io
import os
import platform
import pstats
import statistics
import sys
import time
from collections import defaultdict
from collections.abc import Callable, Iterator, Sequence
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import Any

import mesa
import numpy as np

import sim.model.metrics
from sim.experiments.run import network_steps, replicate_rng, run_replicate, run_scenario
from sim.loading.scenarios import LoadedScenario, load_scenario
from sim.model.model import AllianceModel

ROOT = Path(__file__).resolve().parents[1]
SCENARIOS = ROOT / "scenarios"
#: The scenarios of the whole-run table: a peaceful run and a war.
HEADLINE = ("baseline", "karabakh_2020")
TARGET_RATIO = 3.0
PROFILE_RUNS = 200
TOP = 15
CALLS = "_calls"


# --- the floor: a bare Mesa model of the same size ---------------------------------------------
class FloorAgent(mesa.Agent):
    """A state that reads a few of its attributes and draws one random number a step."""

    model: FloorModel

    def __init__(self, model: FloorModel, name: str, capability: float, commitment: float) -> None:
        super().__init__(model)
        self.name = name
        self.capability = capability
        self.commitment = commitment
        self.posture = 0.0

    def decide(self) -> None:
        """Trivial decision: three attribute reads and one draw from the model's generator."""
        self.posture = (
            self.capability * self.commitment * (1.0 - self.model.distraction)
            + self.model.rng.random()
        )


class FloorModel(mesa.Model):
    """Bare Mesa model: ``n`` agents, ``agents.do("decide")`` and one record dict per step."""

    def __init__(self, names: Sequence[str], rng: np.random.Generator) -> None:
        super().__init__(rng=rng)
        self.week = 0
        self.distraction = 0.0
        self.states = {name: FloorAgent(self, name, 1.0 + i, 0.5) for i, name in enumerate(names)}
        self.records: list[dict[str, float]] = [self.record()]

    def step(self) -> None:
        """Advance one week: every agent decides, then the week is recorded."""
        self.agents.do("decide")
        self.week += 1
        self.records.append(self.record())

    def record(self) -> dict[str, float]:
        """Return this week's row: the step and one value per agent."""
        row: dict[str, float] = {"step": self.week}
        for name, agent in self.states.items():
            row[f"posture_{name}"] = agent.posture
        return row


@dataclass(frozen=True)
class Workload:
    """A scenario and the matching floor parameters."""

    name: str
    loaded: LoadedScenario
    names: list[str]
    steps: int
    seed: int
    replicates: int

    def run_model(self, i: int) -> AllianceModel:
        """One run (replicate ``i`` modulo the scenario's replicate count)."""
        model, _ = run_replicate(self.loaded, i % self.replicates)
        return model

    def build_model(self, i: int) -> AllianceModel:
        """Construct the model exactly as ``run_replicate`` does, without stepping it."""
        sc = self.loaded.scenario
        return AllianceModel(
            self.loaded.world,
            year=sc.year,
            events=sc.events,
            rng=replicate_rng(sc.seed, i % self.replicates),
        )

    def step_model(self, model: AllianceModel) -> None:
        """Step a constructed model as ``run_replicate`` does, snapshots included."""
        snapshot_at = set(network_steps(self.loaded))
        snapshots = model.network_snapshot() if 0 in snapshot_at else []
        for _ in range(self.steps):
            model.step()
            if model.week in snapshot_at:
                snapshots += model.network_snapshot()

    def build_floor(self, i: int) -> FloorModel:
        """Construct the floor model, seeded like the scenario's replicate ``i``."""
        return FloorModel(self.names, replicate_rng(self.seed, i % self.replicates))

    def step_floor(self, model: FloorModel) -> None:
        """Step the floor model as many weeks as the scenario."""
        for _ in range(self.steps):
            model.step()

    def run_floor(self, i: int) -> FloorModel:
        """One floor run: construction and all steps."""
        model = self.build_floor(i)
        self.step_floor(model)
        return model


class EmptyModel(mesa.Model):
    """Mesa alone: no agents, an empty ``step`` (the cost of Mesa's step machinery)."""

    def step(self) -> None:
        """Do nothing."""


def build_empty(i: int) -> EmptyModel:
    """Construct an empty Mesa model with a generator seeded like the replicates."""
    return EmptyModel(rng=replicate_rng(0, i))


def workload(name: str) -> Workload:
    """Load a built-in scenario and size the floor to it (its states and weeks)."""
    loaded = load_scenario(SCENARIOS / f"{name}.toml")
    sc = loaded.scenario
    return Workload(name, loaded, sorted(loaded.world.states), sc.steps, sc.seed, sc.replicates)


# --- timing ------------------------------------------------------------------------------------
@dataclass
class Timing:
    """Mean milliseconds per call of each batch."""

    label: str
    batches: list[float]

    @property
    def median(self) -> float:
        """Median over batches."""
        return statistics.median(self.batches)

    @property
    def best(self) -> float:
        """Minimum over batches."""
        return min(self.batches)


def batch_ms(fn: Callable[[int], object], repeats: int) -> float:
    """Mean ms per call of ``fn(i)`` over ``repeats`` calls."""
    gc.collect()
    start = time.perf_counter()
    for i in range(repeats):
        fn(i)
    return (time.perf_counter() - start) / repeats * 1e3


def prepared_batch_ms(
    build: Callable[[int], Any], use: Callable[[Any], object], repeats: int
) -> float:
    """Mean ms per call of ``use(obj)`` on ``repeats`` objects built beforehand (untimed)."""
    objects = [build(i) for i in range(repeats)]
    gc.collect()
    start = time.perf_counter()
    for obj in objects:
        use(obj)
    return (time.perf_counter() - start) / repeats * 1e3


def interleaved(jobs: dict[str, Callable[[], float]], batches: int) -> list[Timing]:
    """Run each job once per batch, rotating their order, after one untimed warm-up round."""
    for job in jobs.values():
        job()
    results = {label: Timing(label, []) for label in jobs}
    labels = list(jobs)
    for b in range(batches):
        shift = b % len(labels)
        for label in labels[shift:] + labels[:shift]:
            results[label].batches.append(jobs[label]())
    return list(results.values())


def print_table(title: str, rows: list[Timing], floor: Timing | None = None) -> None:
    """Print median and min ms per call, and the ratio to ``floor`` when given."""
    print(f"\n{title}")
    header = f"  {'':<34}{'median ms':>11}{'min ms':>10}"
    if floor is not None:
        header += f"{'ratio (med)':>13}{'ratio (min)':>13}"
    print(header)
    for row in rows:
        line = f"  {row.label:<34}{row.median:>11.3f}{row.best:>10.3f}"
        if floor is not None:
            line += f"{row.median / floor.median:>12.2f}x{row.best / floor.best:>12.2f}x"
        print(line)


# --- sections ----------------------------------------------------------------------------------
def headline(workloads: Sequence[Workload], repeats: int, batches: int) -> None:
    """Time whole runs of each scenario against a whole floor run of its size, interleaved."""
    jobs: dict[str, Callable[[], float]] = {}
    for w in workloads:
        jobs[f"{w.name} run (run_replicate)"] = partial(batch_ms, w.run_model, repeats)
        jobs[f"{w.name} floor (bare Mesa)"] = partial(batch_ms, w.run_floor, repeats)
    rows = interleaved(jobs, batches)
    print(f"\nWhole run ({batches} batches x {repeats} runs, all rows interleaved)")
    print(f"  {'':<34}{'median ms':>11}{'min ms':>10}{'ratio (med)':>13}{'ratio (min)':>13}")
    for w, model, floor in zip(workloads, rows[::2], rows[1::2], strict=True):
        for row in (model, floor):
            print(
                f"  {row.label:<34}{row.median:>11.3f}{row.best:>10.3f}"
                f"{row.median / floor.median:>12.2f}x{row.best / floor.best:>12.2f}x"
            )
        ratio = model.median / floor.median
        verdict = "MET" if ratio <= TARGET_RATIO else "NOT MET"
        print(
            f"  {w.name}: {len(w.names)} agents, {w.steps} steps; target ratio <= "
            f"{TARGET_RATIO:g}x: {verdict} (median ratio {ratio:.2f}x, "
            f"{model.median / w.steps * 1e3:.0f} us vs {floor.median / w.steps * 1e3:.0f} us "
            f"per step including construction)"
        )


def construction_vs_stepping(w: Workload, repeats: int, batches: int) -> None:
    """Time construction alone and stepping alone (on models built beforehand, untimed)."""
    rows = interleaved(
        {
            f"{w.name}: construct": lambda: batch_ms(w.build_model, repeats),
            f"{w.name}: {w.steps} steps + snapshots": lambda: prepared_batch_ms(
                w.build_model, w.step_model, repeats
            ),
            "floor: construct": lambda: batch_ms(w.build_floor, repeats),
            f"floor: {w.steps} steps": lambda: prepared_batch_ms(
                w.build_floor, w.step_floor, repeats
            ),
            "empty mesa.Model: construct": lambda: batch_ms(build_empty, repeats),
            f"empty mesa.Model: {w.steps} steps": lambda: prepared_batch_ms(
                build_empty, lambda m: [m.step() for _ in range(w.steps)], repeats
            ),
        },
        batches,
    )
    print_table("Construction vs stepping (ms per run)", rows)
    model_build, model_step, floor_build, floor_step = rows[:4]
    print(
        f"  construction ratio {model_build.median / floor_build.median:.2f}x, "
        f"stepping ratio {model_step.median / floor_step.median:.2f}x "
        f"({model_step.median / w.steps * 1e3:.1f} us vs "
        f"{floor_step.median / w.steps * 1e3:.1f} us per step)"
    )


@contextmanager
def timed_methods(
    obj: object, names: Sequence[str], totals: dict[str, float], label: str | None = None
) -> Iterator[None]:
    """Accumulate the wall time of calls to ``obj.<name>`` into ``totals[label or name]``.

    The wrapper is set as an attribute of ``obj`` (an instance or a module) and removed, or
    the original put back, on exit. Every call also counts in ``totals[CALLS]``.
    """
    saved = {name: obj.__dict__.get(name) for name in names}
    for name in names:
        fn = getattr(obj, name)
        key = label or name

        def wrapper(
            *args: Any, _fn: Callable[..., Any] = fn, _key: str = key, **kwargs: Any
        ) -> Any:
            start = time.perf_counter()
            try:
                return _fn(*args, **kwargs)
            finally:
                totals[_key] += time.perf_counter() - start
                totals[CALLS] += 1

        setattr(obj, name, wrapper)
    try:
        yield
    finally:
        for name, original in saved.items():
            if original is None:
                delattr(obj, name)
            else:
                setattr(obj, name, original)


@contextmanager
def phase_timers(model: AllianceModel, totals: dict[str, float]) -> Iterator[None]:
    """Accumulate wall time of the phases of ``AllianceModel.step`` into ``totals``.

    Wraps bound methods on this model instance and its agents; ``record_step`` is reached
    through the ``sim.model.metrics`` module, so it is patched there for the duration only.
    """
    with ExitStack() as stack:
        stack.enter_context(
            timed_methods(
                model,
                ("carry_out", "fight", "deliver_arms", "relax_trust", "network_snapshot"),
                totals,
            )
        )
        for agent in model.states.values():
            stack.enter_context(timed_methods(agent, ("decide",), totals, "agents decide"))
        stack.enter_context(
            timed_methods(sim.model.metrics, ("record_step",), totals, "metrics.record_step")
        )
        yield


def wrapper_overhead(calls: int = 20_000) -> float:
    """Seconds one timing wrapper adds to a call beyond the interval it records."""

    class Probe:
        def noop(self) -> None:
            """Do nothing."""

    probe = Probe()
    start = time.perf_counter()
    for _ in range(calls):
        probe.noop()
    bare = time.perf_counter() - start
    totals: dict[str, float] = defaultdict(float)
    with timed_methods(probe, ("noop",), totals):
        start = time.perf_counter()
        for _ in range(calls):
            probe.noop()
        wrapped = time.perf_counter() - start
    return max(0.0, (wrapped - totals["noop"] - bare) / calls)


def phases(w: Workload, repeats: int, batches: int) -> None:
    """Break a run down by phase (instrumented; wrapper overhead subtracted)."""
    construct = "construct (incl. record of step 0)"
    glue = "mesa step machinery + step() glue"
    totals: dict[str, float] = defaultdict(float)
    runs = repeats * batches
    for i in range(runs):
        start = time.perf_counter()
        model = w.build_model(i)
        totals[construct] += time.perf_counter() - start
        with phase_timers(model, totals):
            start = time.perf_counter()
            w.step_model(model)
            totals["_run"] += time.perf_counter() - start
    overhead = totals.pop(CALLS) * wrapper_overhead()
    run = totals.pop("_run") - overhead
    totals[glue] = run - sum(v for k, v in totals.items() if k != construct)
    total = run + totals[construct]
    print(
        f"\nPhases of a {w.name} run (instrumented, mean of {runs} runs, "
        f"{overhead / runs * 1e6:.0f} us/run of timer overhead subtracted)"
    )
    for label, seconds in sorted(totals.items(), key=lambda kv: -kv[1]):
        print(f"  {label:<40}{seconds / runs * 1e6:>9.1f} us{seconds / total:>8.1%}")
    print(f"  {'total':<40}{total / runs * 1e6:>9.1f} us")


def scenario_overhead(w: Workload, batches: int) -> None:
    """Compare ``run_scenario`` (tables and summaries) with bare ``run_replicate``."""
    n = w.replicates
    rows = interleaved(
        {
            f"run_replicate x {n}": lambda: batch_ms(w.run_model, n),
            f"run_scenario({n} replicates)": lambda: (
                batch_ms(lambda _: run_scenario(w.loaded, n), 1) / n
            ),
        },
        max(3, batches // 3),
    )
    print_table("Per replicate: run_scenario vs run_replicate (ms per replicate)", rows)
    print(
        f"  pandas tables + summarise_run add {rows[1].median - rows[0].median:.3f} ms "
        f"per replicate ({rows[1].median / rows[0].median:.2f}x)"
    )


def path_prefixes() -> set[str]:
    """Directories to strip from profile lines, so they read ``sim/…`` and ``mesa/…``."""
    package_dirs = (
        Path(mesa.__file__).parents[1],
        Path(sim.model.metrics.__file__).parents[2],
        Path(statistics.__file__).parent,
    )
    return {f"{directory}/" for directory in package_dirs}


def profile(w: Workload, runs: int = PROFILE_RUNS) -> None:
    """cProfile ``runs`` runs; print the top functions by cumulative and self time."""
    w.run_model(0)
    profiler = cProfile.Profile()
    profiler.enable()
    for i in range(runs):
        w.run_model(i)
    profiler.disable()
    for key, title in (("cumulative", "cumulative"), ("tottime", "self")):
        out = io.StringIO()
        stats = pstats.Stats(profiler, stream=out)
        stats.sort_stats(key).print_stats(TOP)
        body = out.getvalue()
        for prefix in sorted(path_prefixes(), key=len, reverse=True):
            body = body.replace(prefix, "")
        start = body.find("   ncalls")
        print(
            f"\ncProfile, {runs} {w.name} runs, top {TOP} by {title} time "
            f"(profiler overhead inflates call-heavy code):"
        )
        print(body[start:].rstrip())


def main(argv: Sequence[str] | None = None) -> int:
    """Parse arguments and run the benchmark sections."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=50, help="runs per timed batch (50)")
    parser.add_argument("--batches", type=int, default=15, help="timed batches (15)")
    parser.add_argument(
        "--scenario",
        default=HEADLINE[0],
        choices=HEADLINE,
        help=f"scenario of the breakdown sections and the profile ({HEADLINE[0]})",
    )
    parser.add_argument(
        "--profile", action="store_true", help=f"also cProfile {PROFILE_RUNS} runs of --scenario"
    )
    parser.add_argument(
        "--quick", action="store_true", help="whole-run table only (skip breakdown sections)"
    )
    args = parser.parse_args(argv)
    if args.repeats < 1 or args.batches < 1:
        parser.error("--repeats and --batches must be >= 1")
    workloads = {name: workload(name) for name in HEADLINE}
    w = workloads[args.scenario]
    print(
        f"alliance-sim run-cost benchmark: python {platform.python_version()}, "
        f"mesa {mesa.__version__}, numpy {np.__version__}, {platform.machine()}, "
        f"{os.cpu_count()} cpus, sim from {Path(sim.model.metrics.__file__).parents[1]}"
    )
    headline(list(workloads.values()), args.repeats, args.batches)
    if not args.quick:
        construction_vs_stepping(w, args.repeats, args.batches)
        phases(w, args.repeats, max(1, args.batches // 3))
        scenario_overhead(w, args.batches)
    if args.profile:
        profile(w)
    return 0


if __name__ == "__main__":
    sys.exit(main())
