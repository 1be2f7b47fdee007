"""Sweep machinery: throughput per executor, parent memory, per-run overhead and fixed cost.

Everything but the fixed cost runs the built-in ``baseline`` scenario (26 weeks, no events,
about 1 ms a run) as a replicates-only sweep, so the numbers measure the machinery, not the
model. The fixed cost is that of a whole ``alliance-sim sweep`` command of a few runs of
``karabakh_2020`` (12 weeks) in a fresh process, against the imports it cannot avoid. Ratios are
taken within one invocation; see benchmarks/README.md.

    .venv/bin/python benchmarks/bench_sweep.py            # all sections, ~1 minute
    .venv/bin/python benchmarks/bench_sweep.py --runs 2000 --big 20000
    .venv/bin/python benchmarks/bench_sweep.py --only fixed --repeats 7
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
from sim.experiments.run import build_model, run_replicate
from sim.experiments.sweep import local_dask_cluster, run_sweep
from sim.loading.scenarios import LoadedScenario, load_scenario

ROOT = Path(__file__).resolve().parents[1]
BASELINE = ROOT / "scenarios" / "baseline.toml"
KARABAKH = ROOT / "scenarios" / "karabakh_2020.toml"


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


def small_sweep_file(folder: Path, runs: int) -> Path:
    """karabakh_2020 with ``runs`` replicates and a one-point grid, as bench_batch_run.py has it."""
    lines = [
        f"replicates = {runs}" if line.startswith("replicates") else line
        for line in KARABAKH.read_text().splitlines()
    ]
    path = folder / "k.toml"
    path.write_text("\n".join(lines) + '\n\n[sweep.grid]\n"model.tullock_r" = [1.5]\n')
    return path


def fixed_cost(runs: int, repeats: int) -> None:
    """A whole small sweep command in a fresh process, its model time, and the import floor."""
    folder = Path(tempfile.mkdtemp(prefix="bench-sweep-fixed-"))
    try:
        scenario = small_sweep_file(folder, runs)
        loaded = load_scenario(scenario)
        model: list[float] = []
        for _ in range(repeats + 1):  # the first warms the process up
            gc.collect()
            start = time.perf_counter()
            for replicate in range(runs):
                run = build_model(loaded, replicate)
                for _ in range(loaded.scenario.steps):
                    run.step()
            model.append(time.perf_counter() - start)
        model_s = sorted(model[1:])[len(model[1:]) // 2]
        py = sys.executable
        sweep = [py, "-m", "sim", "sweep", str(scenario), "--out"]
        # The import lines end as the sweep command ends: gc.freeze() spares the last collection.
        frozen = "; import gc; gc.freeze()"
        commands = {
            "python -c pass": [py, "-c", "pass"],
            "python -c 'import mesa'": [py, "-c", "import mesa" + frozen],
            "imports of a sweep with report": [
                py,
                "-c",
                "import sim.presentation.cli, sim.experiments.sweep, sim.presentation.report"
                + frozen,
            ],
            "sweep --workers 1 --no-report": [*sweep, "OUT", "--workers", "1", "--no-report"],
            "sweep --workers 1": [*sweep, "OUT", "--workers", "1"],
            "sweep --workers 2": [*sweep, "OUT", "--workers", "2"],
            "sweep (default workers)": [*sweep, "OUT"],
        }
        times: dict[str, list[float]] = {name: [] for name in commands}
        load = [os.getloadavg()[0]]
        for round_ in range(repeats + 1):  # round 0 is a warm-up (disk cache, bytecode)
            names = list(commands)
            names = names[round_ % len(names) :] + names[: round_ % len(names)]
            for name in names:
                out = folder / "out"
                shutil.rmtree(out, ignore_errors=True)
                command = [str(out) if part == "OUT" else part for part in commands[name]]
                start = time.perf_counter()
                # Not captured: a pipe would also wait for the pool's fork server, which
                # outlives the command by a moment.
                subprocess.run(
                    command,
                    check=True,
                    cwd=ROOT,
                    stdout=subprocess.DEVNULL,
                    stderr=subprocess.DEVNULL,
                )
                if round_:
                    times[name].append(time.perf_counter() - start)
            load.append(os.getloadavg()[0])
    finally:
        shutil.rmtree(folder)
    print(f"\n## Fixed cost: {runs} runs of karabakh_2020, fresh processes, {repeats} rounds")
    print(f"(load {min(load):.2f}-{max(load):.2f}; model time of the {runs} runs alone, in this")
    print(f"process: {model_s:.3f} s, median)")
    print("| command | median s | min s | median minus model time |")
    print("|---|---:|---:|---:|")
    for name, values in times.items():
        median = sorted(values)[len(values) // 2]
        minus = f"{median - model_s:.3f}" if name.startswith("sweep") else ""
        print(f"| {name} | {median:.3f} | {min(values):.3f} | {minus} |")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=2000, help="runs of the throughput sweeps")
    parser.add_argument("--repeats", type=int, default=3, help="timed repeats (best is shown)")
    parser.add_argument("--big", type=int, default=10_000, help="runs of the memory sweep")
    parser.add_argument("--small", type=int, default=30, help="runs of the fixed-cost sweep")
    parser.add_argument(
        "--only",
        choices=["throughput", "ceiling", "overhead", "memory", "fixed"],
        help="run one section only",
    )
    args = parser.parse_args()
    print(
        f"sim from {Path(sim.__file__).parent}; {os.cpu_count()} cores; "
        f"python {sys.version.split()[0]}; load {os.getloadavg()[0]:.1f}"
    )
    sections = {
        "throughput": lambda: throughput(args.runs, args.repeats),
        "ceiling": lambda: ceiling(args.runs, args.repeats),
        "overhead": lambda: overhead(args.runs, args.repeats),
        "memory": lambda: memory(args.runs, args.big),
        "fixed": lambda: fixed_cost(args.small, args.repeats),
    }
    for name, section in sections.items():
        if args.only in (None, name):
            section()
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"\n(this process peaked at {rss:.0f} MiB)")


if __name__ == "__main__":
    main()
