"""Run time against the number of states, on generated worlds (sim.loading.generate).

For each N in --sizes, ``--worlds`` generated worlds (the first seeds whose world has a disputed
theatre, so that every run sees wars) each run a --steps-week
timeline of three offensives and two mobilisations (sim.loading.generate.generate_events).
The time of one run is construction plus stepping (metrics recorded every week, as in
``alliance-sim run``), the median over ``--repeats`` repeats, taken after one untimed warm-up
run. The growth exponent is the slope of log(time) on log(N) by least squares. Writes a
log-log plot to --plot.

Usage: .venv/bin/python benchmarks/bench_scale.py [--sizes 10 25 50 100 200] [--plot PATH]
"""

from __future__ import annotations

import argparse
import gc
import statistics
import time
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402

from sim.experiments.run import replicate_rng  # noqa: E402
from sim.loading.generate import generate_events, generate_world  # noqa: E402
from sim.model.model import AllianceModel  # noqa: E402


def disputed_seeds(n: int, count: int) -> list[int]:
    """The first ``count`` seeds whose N-state world has a disputed theatre (so it sees wars)."""
    seeds: list[int] = []
    seed = 0
    while len(seeds) < count:
        if any(t.claimants for t in generate_world(n, seed).theatres.values()):
            seeds.append(seed)
        seed += 1
    return seeds


def time_run(n: int, seed: int, steps: int) -> tuple[float, int]:
    """Seconds for one run of a generated world; also the number of wars it saw."""
    world = generate_world(n, seed)
    events = generate_events(world, steps, seed)
    gc.collect()
    start = time.perf_counter()
    model = AllianceModel(world, events=events, rng=replicate_rng(seed, 0))
    for _ in range(steps):
        model.step()
    return time.perf_counter() - start, len(model.wars)


def main() -> None:
    """Time every size, print a table and the growth exponent, and draw the plot."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[10, 25, 50, 100, 200])
    parser.add_argument("--steps", type=int, default=120)
    parser.add_argument("--worlds", type=int, default=3)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--plot", type=Path, default=Path(__file__).parent / "scale.png")
    args = parser.parse_args()
    time_run(args.sizes[0], 0, args.steps)  # warm-up: imports and caches
    medians = []
    print(f"{'N':>5} {'ties':>6} {'wars':>5} {'median s/run':>13} {'max s/run':>10}")
    for n in args.sizes:
        times, wars = [], []
        seeds = disputed_seeds(n, args.worlds)
        for seed in seeds:
            runs = [time_run(n, seed, args.steps) for _ in range(args.repeats)]
            times.append(statistics.median(t for t, _ in runs))
            wars.append(runs[0][1])
        medians.append(statistics.median(times))
        ties = statistics.mean(len(generate_world(n, seed).ties) for seed in seeds)
        war_mean = statistics.mean(wars)
        print(f"{n:5d} {ties:6.0f} {war_mean:5.1f} {medians[-1]:13.3f} {max(times):10.3f}")
    slope = float(np.polyfit(np.log(args.sizes), np.log(medians), 1)[0])
    print(f"growth exponent (slope of log time on log N): {slope:.2f}")
    fig, ax = plt.subplots(figsize=(5, 4))
    ax.loglog(args.sizes, medians, "o-", label=f"model (slope {slope:.2f})")
    ref = np.array(args.sizes, dtype=float)
    ax.loglog(ref, medians[0] * (ref / ref[0]), ":", label="∝ N")
    ax.loglog(ref, medians[0] * (ref / ref[0]) ** 2, "--", label="∝ N²")
    ax.set_xlabel("states N")
    ax.set_ylabel(f"seconds per {args.steps}-week run")
    ax.set_title("Run time on generated worlds")
    ax.legend()
    fig.tight_layout()
    fig.savefig(args.plot, dpi=120)
    print(f"plot: {args.plot}")


if __name__ == "__main__":
    main()
