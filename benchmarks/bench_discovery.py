"""Scenario discovery on a big sweep: `alliance-sim discover` on 100,000 synthetic runs.

Writes a fake sweep folder the way `alliance-sim sweep` lays it out (manifest.json,
design.parquet, runs/chunk-*.parquet of 250 runs each, the columns of a real Karabakh sweep:
8 parameters and 45 outcome columns), with a known box behind the condition, then times:

* the import of the EMA Workbench (in a fresh interpreter: what every command pays once);
* reading the columns the analysis needs, and the whole runs table for comparison;
* each step of ``discover``: PRIM (peeling, pasting, quasi-p-values of every box), CART,
  feature scores (extra trees on at most 25,000 of the runs);
* the figures, tables and HTML page (``discovery_report``);
* the whole command, ``alliance-sim discover DIR --where ...``, in a fresh process.

    .venv/bin/python benchmarks/bench_discovery.py                 # 100,000 runs, ~1 minute
    .venv/bin/python benchmarks/bench_discovery.py --runs 20000 --repeats 1
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

import sim
from sim.experiments import discovery as discovery_module
from sim.experiments import discovery_methods
from sim.experiments.sweep import Design
from sim.experiments.sweep.storage import write_design

PARAMETERS = [
    "states.Russia.commitment",
    "states.Russia.risk_appetite",
    "model.w_obligation",
    "model.war_cost",
    "model.logit_lambda",
    "model.distraction_cost",
    "model.territory_rate",
    "model.ceasefire_bonus",
]
STATES = ["Armenia", "Azerbaijan", "Iran", "Israel", "Russia", "Turkey"]
THEATRES = ["karabakh", "armenia", "azerbaijan", "nakhchivan", "caspian"]
CONDITION = "intervened_Russia"
CHUNK = 250


def fake_sweep(folder: Path, runs: int, seed: int = 1) -> None:
    """A sweep folder of ``runs`` runs (one replicate per point) with a known box."""
    rng = np.random.default_rng(seed)
    folder.mkdir(parents=True)
    x = rng.uniform(size=(runs, len(PARAMETERS)))
    design = Design("latin", PARAMETERS, x, 1)
    write_design(folder, design)
    ranges = "\n".join(f'"{p}" = [0.0, 1.0]' for p in PARAMETERS)
    manifest = {
        "kind": "alliance-sim sweep",
        "scenario": "bench_discovery",
        "seed": seed,
        "scenario_text": f'name = "bench_discovery"\n[sweep]\n[sweep.ranges]\n{ranges}\n',
        "design": design.to_json(),
    }
    (folder / "manifest.json").write_text(json.dumps(manifest))
    # Russia steps in when its risk appetite is high and its distraction cheap, with 5% noise.
    box = (x[:, 1] > 0.7) & (x[:, 5] < 0.5)
    intervened = np.where(rng.uniform(size=runs) < 0.05, ~box, box)
    columns: dict[str, np.ndarray] = {
        "run": np.arange(runs, dtype=np.int64),
        "point": np.arange(runs, dtype=np.int64),
        "replicate": np.zeros(runs, dtype=np.int64),
        **{p: x[:, i] for i, p in enumerate(PARAMETERS)},
    }
    for name in ("steps", "max_escalation", "wars", "war_weeks"):
        columns[name] = rng.integers(0, 12, runs).astype(float)
    columns["ceasefire"] = rng.uniform(size=runs) < 0.8
    columns["capitulation"] = rng.uniform(size=runs) < 0.2
    for name in ("first_war_end", "reliability", "pledges_due", "pledges_honoured"):
        columns[name] = rng.uniform(size=runs)
    columns["peacekeepers"] = np.where(rng.uniform(size=runs) < 0.5, "Russia", "")
    for theatre in THEATRES:
        columns[f"gain_{theatre}"] = rng.uniform(size=runs)
        columns[f"control_{theatre}"] = rng.uniform(size=runs)
    for state in STATES:
        flag = intervened if state == "Russia" else rng.uniform(size=runs) < 0.3
        columns[f"intervened_{state}"] = flag
        columns[f"first_intervention_{state}"] = np.where(flag, rng.integers(0, 12, runs), np.nan)
        columns[f"losses_{state}"] = rng.uniform(size=runs)
    table = pa.table(columns)
    (folder / "runs").mkdir()
    for i, start in enumerate(range(0, runs, CHUNK)):
        pq.write_table(table.slice(start, CHUNK), folder / "runs" / f"chunk-{i:06d}.parquet")


def cpu() -> float:
    """CPU seconds of this process and its finished children (user + system)."""
    own = resource.getrusage(resource.RUSAGE_SELF)
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


def clock(label: str, function, *args, **kwargs):  # type: ignore[no-untyped-def]
    """Run and time ``function``: wall seconds, and CPU seconds (the machine is shared)."""
    start, used = time.perf_counter(), cpu()
    result = function(*args, **kwargs)
    seconds = time.perf_counter() - start
    print(f"  {label:<56s} {seconds:6.2f} s wall {cpu() - used:6.2f} s CPU")
    return result, seconds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=100_000)
    parser.add_argument("--repeats", type=int, default=3, help="timings of discover()")
    args = parser.parse_args()
    root = Path(tempfile.mkdtemp(prefix="bench-discovery-"))
    python = sys.executable
    try:
        folder = root / "sweep"
        print(f"sim from {Path(sim.__file__).parent}; {args.runs:,} runs in {root}")
        start = time.perf_counter()
        fake_sweep(folder, args.runs)
        files = len(list((folder / "runs").iterdir()))
        size = sum(p.stat().st_size for p in (folder / "runs").iterdir()) / 2**20
        print(
            f"  fake sweep: {files} chunk files, {size:.1f} MiB, "
            f"{time.perf_counter() - start:.1f} s to write"
        )
        code = "from ema_workbench.analysis import prim, cart, feature_scoring"
        clock(
            "import ema_workbench.analysis (fresh interpreter)",
            subprocess.run,
            [python, "-W", "ignore", "-c", code],
            check=True,
        )
        with discovery_methods.quiet():
            from ema_workbench.analysis import cart, feature_scoring, prim  # noqa: F401

        clock("read the whole runs table (all 53 columns)", pd.read_parquet, folder / "runs")
        runs, _ = clock(
            "read the needed columns (run, 8 parameters, condition)",
            discovery_module.read_runs,
            folder,
            [*PARAMETERS, CONDITION],
        )
        x = runs[PARAMETERS]
        y = runs[CONDITION].to_numpy()
        with discovery_methods.quiet():
            (trajectory, _), _ = clock(
                "PRIM: peel, paste, quasi-p of every box",
                discovery_methods.prim,
                x,
                y,
                0.05,
                0.05,
                0.05,
            )
            clock("CART, depth 3", discovery_methods.cart, x, y, 3, 0.05, 1)
            clock(
                f"feature scores (extra trees, <= {discovery_methods.SCORING_MAX_RUNS:,} runs)",
                discovery_methods.feature_scores,
                x,
                y,
                1,
            )
        times = []
        for _ in range(args.repeats):
            found, seconds = clock(
                "discover(): all of the above, in one call",
                discovery_module.discover,
                folder,
                CONDITION,
            )
            times.append(seconds)
        median = sorted(times)[len(times) // 2]
        label = f"discover(): min | median of {args.repeats}"
        print(f"  {label:<56s} {min(times):6.2f} s | {median:.2f} s wall")
        from sim.presentation.discovery_report import discovery_report

        clock("discovery_report(): tables, 4 PNGs, discovery.html", discovery_report, found)
        command = [python, "-m", "sim", "discover", str(folder), "--where", CONDITION]
        command += ["--out", str(root / "cli"), "--force"]
        clock(
            "alliance-sim discover (fresh process, everything)",
            subprocess.run,
            command,
            check=True,
            capture_output=True,
            env={**os.environ, "PYTHONWARNINGS": "ignore"},
        )
        print()
        print(found.summary())
        for line in found.describe_box():
            print(f"  {line}")
        print(f"  {len(trajectory)} boxes on the trajectory")
    finally:
        shutil.rmtree(root, ignore_errors=True)


if __name__ == "__main__":
    main()
