"""Side by side, in one run: the project's own model through mesa.batch_run against
`alliance-sim sweep`, the same scenario and the same number of runs, on 1 and 2 processes.

Copied from ../shared/tools/sweep_vs_batch_run.py (outside this repository; the script the
issue "Sweeps at the speed of the model" measured with), with its four imports fixed for the
package's new layout (sim.metrics -> sim.model.metrics, sim.model.AllianceModel ->
sim.model.model.AllianceModel, sim.runner -> sim.experiments.run, sim.scenario ->
sim.loading.scenarios). Its method is unchanged. Additions: the load average printed with each
round; ruff's formatting; and the scenario file is written only by the first process, not again
by every batch_run worker that re-imports this module (a worker rewriting it while another
read it once gave a worker a truncated file: "name: Field required").

Usage (from the project root, with its venv):  .venv/bin/python benchmarks/bench_batch_run.py N
It writes a copy of scenarios/karabakh_2020.toml with N replicates and a one-point sweep grid into
a temporary folder. batch_run collects one summary per run at the end (in memory); the sweep does
everything it always does (Parquet, manifest, report). Prints runs/s per round.
It builds the model the way sim.runner.run_replicate did on 2026-12-03 (now
sim.experiments.run.build_model).
"""

import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import mesa

from sim.experiments.run import replicate_rng
from sim.loading.scenarios import load_scenario
from sim.model.metrics import summarise_run
from sim.model.model import AllianceModel

HERE = os.environ.get("SVB_DIR") or tempfile.mkdtemp(prefix="sweep-vs-batch-")
os.environ["SVB_DIR"] = HERE  # worker processes re-import this module: same folder
N = int(os.environ.get("SVB_N", sys.argv[1] if len(sys.argv) > 1 else "3000"))
os.environ["SVB_N"] = str(N)
SCENARIO = os.path.join(HERE, "k.toml")
if not os.path.exists(SCENARIO):  # written once, by the first process: see the docstring
    text = Path("scenarios/karabakh_2020.toml").read_text()
    lines = [
        f"replicates = {N}" if line.startswith("replicates") else line for line in text.splitlines()
    ]
    Path(SCENARIO).write_text(
        "\n".join(lines)
        + '\n\n[sweep]\ndesign = "grid"\n\n[sweep.grid]\n"model.tullock_r" = [1.5]\n'
    )
LOADED = load_scenario(SCENARIO)
SC = LOADED.scenario


class BatchRunModel(AllianceModel):
    """The project's model as batch_run expects it: kwargs in, a DataCollector, `running`."""

    def __init__(self, replicate=0, rng=None, **kwargs):
        super().__init__(
            LOADED.world, year=SC.year, events=SC.events, rng=replicate_rng(SC.seed, replicate)
        )
        self.left = SC.steps
        self.datacollector = mesa.DataCollector(model_reporters={"summary": summarise_run})

    def step(self):
        super().step()
        self.left -= 1
        if self.left <= 0:
            self.running = False
            self.datacollector.collect(self)


def batch(processes):
    start = time.perf_counter()
    rows = mesa.batch_run(
        BatchRunModel,
        parameters={"replicate": range(N)},
        number_processes=processes,
        rng=[None],
        data_collection_period=-1,
        max_steps=SC.steps + 1,
        display_progress=False,
    )
    assert len(rows) == N, len(rows)
    return N / (time.perf_counter() - start)


def sweep(workers):
    out = os.path.join(HERE, f"sweep{workers}")
    shutil.rmtree(out, ignore_errors=True)
    start = time.perf_counter()
    subprocess.run(
        [sys.executable, "-m", "sim", "sweep", SCENARIO, "--out", out, "--workers", str(workers)],
        check=True,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    return N / (time.perf_counter() - start)


if __name__ == "__main__":
    for round_ in range(2):
        load = os.getloadavg()[0]
        rates = {
            "batch_run 1p": batch(1),
            "sweep 1w": sweep(1),
            "batch_run 2p": batch(2),
            "sweep 2w": sweep(2),
        }
        print(
            round_,
            {k: round(v) for k, v in rates.items()},
            f"sweep/batch_run 1p {rates['sweep 1w'] / rates['batch_run 1p']:.2f}",
            f"2p {rates['sweep 2w'] / rates['batch_run 2p']:.2f}",
            f"(load {load:.2f} -> {os.getloadavg()[0]:.2f})",
            flush=True,
        )
    shutil.rmtree(HERE, ignore_errors=True)
