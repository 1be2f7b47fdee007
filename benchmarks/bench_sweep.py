"""Sweep machinery: throughput per executor, parent memory, and per-run overhead.

Everything runs the built-in ``baseline`` scenario (26 weeks, no events, about 1 ms a run) as
a replicates-only sweep, so the numbers measure the machinery, not the model. Ratios are taken
within one invocation; see benchmarks/README.md.

    .venv/bin/python benchmarks/bench_sweep.py            # all sections, ~1 minute
    .venv/bin/python benchmarks/bench_sweep.py --runs 2000 --big 20000
"""

from __future__ import annotations

import argparse
import dataclasses
import gc
import json
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import sim
from sim.experiments.run import run_replicate
from sim.experiments.sweep import local_dask_cluster, run_sweep
from sim.loading.scenarios import LoadedScenario, load_scenario

BASELINE = Path(__file__).resolve().parents[1] / "scenarios" / "baseline.toml"


def with_replicates(replicates: int) -> LoadedScenario:
    loaded = load_scenario(BASELINE)
    scenario = loaded.scenario.model_copy(update={"replicates": replicates})
    return dataclasses.replace(loaded, scenario=scenario)


def timed_sweep(loaded: LoadedScenario, **options: object) -> float:
    """Seconds for one whole sweep into a fresh temporary folder (removed afterwards)."""
    folder = Path(tempfile.mkdtemp(prefix="bench-sweep-"))
    try:
        gc.collect()
        start = time.perf_counter()
        report = run_sweep(loaded, folder / "out", progress=False, **options)
        seconds = time.perf_counter() - start
        assert report.runs_done == loaded.scenario.replicates and not report.failed
        return seconds
    finally:
        shutil.rmtree(folder)


def best(times: list[float]) -> float:
    return min(times)


def throughput(runs: int, repeats: int) -> None:
    loaded = with_replicates(runs)
    timed_sweep(with_replicates(50), workers=2)  # warm-up: the forkserver and imports
    times: dict[str, list[float]] = {"serial": [], "processes": [], "dask": []}
    for _ in range(repeats):  # interleaved, so a busy moment hits every executor alike
        times["serial"].append(timed_sweep(loaded, workers=1))
        times["processes"].append(timed_sweep(loaded, workers=2))
        # The cluster lives only while Dask is timed: its scheduler and nannies would
        # otherwise share the two cores with the serial and pool sweeps.
        with local_dask_cluster(2) as cluster:
            address = cluster.scheduler_address
            timed_sweep(with_replicates(50), dask=address)  # warm-up: imports in the workers
            times["dask"].append(timed_sweep(loaded, dask=address))
    rate = {name: runs / best(t) for name, t in times.items()}
    print(f"\n## Throughput, {runs} runs, best of {repeats} (runs per second)")
    print("| executor | runs/s | vs serial |")
    print("|---|---:|---:|")
    for name, value in rate.items():
        print(f"| {name} | {value:,.0f} | {value / rate['serial']:.2f}x |")
    print(f"processes / serial: {rate['processes'] / rate['serial']:.2f}x (target >= 1.8x)")
    print(f"dask / processes: {rate['dask'] / rate['processes']:.2f}x (target within 10%)")


def replicate_loop(runs: int) -> float:
    """Seconds for ``runs`` calls of run_replicate (after one warm-up call)."""
    loaded = with_replicates(runs)
    run_replicate(loaded, 0)
    start = time.perf_counter()
    for replicate in range(runs):
        run_replicate(loaded, replicate)
    return time.perf_counter() - start


def ceiling(runs: int, repeats: int) -> None:
    """What two processes gain on this machine now, with no sweep machinery at all."""
    import multiprocessing

    with multiprocessing.get_context("forkserver").Pool(2) as pool:
        pool.map(replicate_loop, [10, 10])
        one = min(pool.map(replicate_loop, [runs])[0] for _ in range(repeats))
        two = min(max(pool.map(replicate_loop, [runs // 2, runs // 2])) for _ in range(repeats))
    print(f"\n## Ceiling: {runs} bare run_replicate calls in 1 process vs split over 2")
    print(f"1 process {one:.2f} s, 2 processes {two:.2f} s: {one / two:.2f}x (2.0x on idle cores)")


def overhead(runs: int, repeats: int) -> None:
    """The serial sweep in this process against a bare loop over run_replicate."""
    loaded = with_replicates(runs)
    direct, swept = [], []
    for _ in range(repeats):
        gc.collect()
        start = time.perf_counter()
        for replicate in range(runs):
            run_replicate(loaded, replicate)
        direct.append(time.perf_counter() - start)
        swept.append(timed_sweep(loaded, workers=1, chunk_size=250))
    d, s = best(direct) / runs * 1e3, best(swept) / runs * 1e3
    print(f"\n## Per-run overhead, serial, {runs} runs, best of {repeats}")
    print(
        f"run_replicate loop: {d:.3f} ms/run; sweep: {s:.3f} ms/run; ratio {s / d:.3f} "
        "(target <= 1.10)"
    )
    print(
        "(run_replicate also takes two network snapshots a sweep does not; the sweep adds "
        "summarise_run, the Parquet tables and the writes)"
    )


def child_peak_rss(runs: int) -> int:
    """Peak RSS in KiB of a fresh process that runs a serial sweep of ``runs`` runs."""
    code = (
        "import json, resource, sys, tempfile\n"
        "sys.path.insert(0, sys.argv[2])\n"
        "from bench_sweep import with_replicates\n"
        "from sim.experiments.sweep import run_sweep\n"
        "out = tempfile.mkdtemp(prefix='bench-sweep-mem-')\n"
        "run_sweep(with_replicates(int(sys.argv[1])), out + '/out', workers=1, progress=False)\n"
        "print(json.dumps([resource.getrusage(resource.RUSAGE_SELF).ru_maxrss, out]))\n"
    )
    here = str(Path(__file__).resolve().parent)
    done = subprocess.run(
        [sys.executable, "-c", code, str(runs), here], capture_output=True, text=True, check=True
    )
    peak, out = json.loads(done.stdout.strip().splitlines()[-1])
    shutil.rmtree(out)
    return int(peak)


def memory(small: int, big: int) -> None:
    peaks = {runs: child_peak_rss(runs) for runs in (small, big)}
    print("\n## Parent peak RSS (serial sweep: the parent runs and writes everything)")
    for runs, peak in peaks.items():
        print(f"{runs:>7,} runs: {peak / 1024:.0f} MiB")
    print(f"ratio {big:,} / {small:,} runs: {peaks[big] / peaks[small]:.2f}x (target flat, ~1.0)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=2000, help="runs of the throughput sweeps")
    parser.add_argument("--repeats", type=int, default=3, help="timed repeats (best is shown)")
    parser.add_argument("--big", type=int, default=10_000, help="runs of the memory sweep")
    args = parser.parse_args()
    print(
        f"sim from {Path(sim.__file__).parent}; {os.cpu_count()} cores; "
        f"python {sys.version.split()[0]}; load {os.getloadavg()[0]:.1f}"
    )
    throughput(args.runs, args.repeats)
    ceiling(args.runs, args.repeats)
    overhead(args.runs, args.repeats)
    memory(args.runs, args.big)
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"\n(this process peaked at {rss:.0f} MiB)")


if __name__ == "__main__":
    main()
