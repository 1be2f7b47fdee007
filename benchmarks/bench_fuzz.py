"""Fuzz ``alliance-sim run`` (and ``plot``) with thousands of mutated input files.

The mutation strategy is the one of ``tests/test_fuzz.py`` (imported from there): shipped
scenarios and the built-in world with keys dropped, tables and entries duplicated, values
retyped or pushed to extremes, unknown names, odd world paths, garbled TOML text. Every case
runs ``main(["run", FILE, "--replicates", "1", "--no-plots", "--out", OUT])`` in this process
and is counted as

* **ok**: exit 0 and a complete results folder;
* **refused**: exit 2, exactly one stderr line starting ``alliance-sim: ``, nothing left;
* **failure**: anything else: a traceback, another exit status, more or fewer lines, an output
  or staging folder left behind.

With ``--draw N`` the first N runs that succeed are also plotted (``alliance-sim plot`` on
the fresh folder must exit 0: a run's own tables must be drawable). With ``--plot-cases N``
it also damages N copies of a results folder (cut, junk bytes, a bad
cell, a dropped column or header, a missing or empty file) and runs ``alliance-sim plot`` on
each, counted the same way (ok: exit 0; refused: exit 2 and one line naming the folder).

Each failure's files, traceback and mutations are saved under ``--keep`` (default
``/tmp/bench_fuzz_failures``). Hypothesis drives the generation (generate phase only: no
shrinking, no example database), so every case is a fresh draw; ``--seed`` repeats a session.

Usage::

    .venv/bin/python benchmarks/bench_fuzz.py [--cases 3000] [--draw 0] [--plot-cases 0] [--seed 0]
"""

from __future__ import annotations

import argparse
import collections
import io
import os
import platform
import shutil
import sys
import tempfile
import time
import traceback
from contextlib import redirect_stderr, redirect_stdout
from pathlib import Path

from hypothesis import HealthCheck, Phase, given, seed, settings
from hypothesis import strategies as st

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))

import test_fuzz  # noqa: E402  (the shared strategy)

from sim.presentation.cli import EXIT_BAD_INPUT, main  # noqa: E402


class Tally:
    """Outcome counts, timings and the failures seen."""

    def __init__(self, keep: Path) -> None:
        self.counts: collections.Counter[str] = collections.Counter()
        self.fields: collections.Counter[str] = collections.Counter()
        self.failures: collections.Counter[str] = collections.Counter()
        self.warnings: collections.Counter[str] = collections.Counter()
        self.times: list[float] = []
        self.slowest: tuple[float, list[str]] = (0.0, [])
        self.drawn = 0
        self.keep = keep

    def refused(self, line: str) -> None:
        """Count a refusal by the field it names (``alliance-sim: FILE: FIELD: ...``)."""
        parts = line.split(": ")
        field = parts[2] if len(parts) > 3 else "?"
        field = field.split("[")[0].split(".")[0]  # events[3].step -> events
        self.fields[field] += 1

    def fail(self, signature: str, files: dict[str, str | bytes | None], notes: str) -> None:
        """Count a failure; keep the files of the first few of each kind."""
        self.counts["failure"] += 1
        self.failures[signature] += 1
        if self.failures[signature] > 3:
            return
        folder = self.keep / f"{sum(self.failures.values()):05d}"
        folder.mkdir(parents=True, exist_ok=True)
        for name, content in files.items():
            if isinstance(content, bytes):
                (folder / name).write_bytes(content)
            elif content is not None:
                (folder / name).write_text(content, encoding="utf-8")
        (folder / "what.txt").write_text(f"{signature}\n\n{notes}\n", encoding="utf-8")


def signature_of(error: BaseException) -> str:
    """Where an exception came from: its type and the innermost frame in ``sim/``."""
    frames = [f for f in traceback.extract_tb(error.__traceback__) if "/sim/" in f.filename]
    where = f"{Path(frames[-1].filename).name}:{frames[-1].lineno}" if frames else "?"
    return f"{type(error).__name__} at {where}: {str(error)[:80]}"


def draw_plots(folder: Path) -> list[str]:
    """Run ``alliance-sim plot`` on a fresh results folder: what goes wrong, if anything."""
    stderr = io.StringIO()
    with redirect_stdout(io.StringIO()), redirect_stderr(stderr):
        code = main(["plot", str(folder)])
    return [] if code == 0 else [f"plot of the run's own folder: exit {code}: {stderr.getvalue()}"]


def fuzz_runs(cases: int, tally: Tally, session_seed: int, draw: int = 0) -> None:
    """Run ``cases`` mutated scenarios through ``alliance-sim run``; plot the first ``draw`` ok."""

    @seed(session_seed)
    @settings(
        max_examples=cases,
        deadline=None,
        database=None,
        phases=[Phase.generate],
        suppress_health_check=list(HealthCheck),
    )
    @given(data=st.data())
    def one(data: st.DataObject) -> None:
        case = test_fuzz.draw_case(data)
        files: dict[str, str | bytes | None] = {
            "scenario.toml": case.scenario,
            "world.toml": case.world,
        }
        notes = "\n".join(case.ops)
        with tempfile.TemporaryDirectory() as tmp:
            start = time.perf_counter()
            try:
                outcome = test_fuzz.run_case(case, Path(tmp))
            except Exception as error:  # a traceback is what we are looking for
                tally.times.append(time.perf_counter() - start)
                tb = "".join(traceback.format_exception(error))
                tally.fail(signature_of(error), files, f"{notes}\n\n{tb}")
                return
            took = time.perf_counter() - start
            if outcome.code == 0 and not outcome.problems and tally.drawn < draw:
                tally.drawn += 1  # the run's own tables must be drawable
                outcome.problems += draw_plots(Path(tmp) / "out")
        tally.times.append(took)
        if took > tally.slowest[0]:
            tally.slowest = (took, [case.base, *case.ops])
        for warning in outcome.warnings:
            tally.warnings[warning[:100]] += 1
        if outcome.problems:
            tally.fail("; ".join(outcome.problems)[:120], files, f"{notes}\n\n{outcome}")
        elif outcome.code == 0:
            tally.counts["ok"] += 1
        else:
            tally.counts["refused"] += 1
            tally.refused(outcome.stderr.strip())

    one()


def fuzz_plots(cases: int, tally: Tally, session_seed: int) -> None:
    """Damage ``cases`` copies of a results folder and run ``alliance-sim plot`` on each."""
    with tempfile.TemporaryDirectory() as tmp:
        original = Path(tmp) / "run"
        args = ["run", "classroom", "--replicates", "2", "--no-plots", "--out", str(original)]
        with redirect_stdout(io.StringIO()):
            assert main(args) == 0

        @seed(session_seed)
        @settings(
            max_examples=cases,
            deadline=None,
            database=None,
            phases=[Phase.generate],
            suppress_health_check=list(HealthCheck),
        )
        @given(data=st.data())
        def one(data: st.DataObject) -> None:
            folder = Path(tmp) / "copy"
            shutil.rmtree(folder, ignore_errors=True)
            shutil.copytree(original, folder)
            what = test_fuzz.draw_corruption(data, folder)
            files: dict[str, str | bytes | None] = {
                p.name: p.read_bytes() for p in folder.iterdir() if p.is_file()
            }
            stdout, stderr = io.StringIO(), io.StringIO()
            start = time.perf_counter()
            try:
                with redirect_stdout(stdout), redirect_stderr(stderr):
                    code = main(["plot", str(folder)])
            except Exception as error:
                tb = "".join(traceback.format_exception(error))
                tally.fail(signature_of(error), files, f"{what}\n\n{tb}")
                return
            finally:
                tally.times.append(time.perf_counter() - start)
            lines = stderr.getvalue().splitlines()
            if code == 0 and not lines:
                tally.counts["ok"] += 1
            elif (
                code == EXIT_BAD_INPUT
                and len(lines) == 1
                and lines[0].startswith(f"alliance-sim: {folder}: ")
            ):
                tally.counts["refused"] += 1
                tally.refused(lines[0].replace(str(folder), "FOLDER"))
            else:
                tally.fail(f"plot exit {code}: {lines[:2]}", files, what)

        one()


def report(title: str, tally: Tally, seconds: float) -> None:
    """Print the counts, the fields refused, the failures and the time."""
    n = len(tally.times)
    each = 1000 * seconds / max(n, 1)
    print(f"\n== {title}: {n} cases in {seconds:.1f} s ({each:.0f} ms a case)")
    for outcome in ("ok", "refused", "failure"):
        count = tally.counts[outcome]
        print(f"  {outcome:8s} {count:6d}  {100 * count / max(n, 1):5.1f}%")
    if tally.times:
        times = sorted(tally.times)
        print(
            f"  time a case: median {1000 * times[n // 2]:.0f} ms, "
            f"99% {1000 * times[min(n - 1, int(0.99 * n))]:.0f} ms, max {1000 * times[-1]:.0f} ms"
        )
    if tally.slowest[1]:
        print(f"  slowest: {tally.slowest[0]:.2f} s: {'; '.join(tally.slowest[1])[:160]}")
    if tally.fields:
        top = ", ".join(f"{f} {c}" for f, c in tally.fields.most_common(12))
        print(f"  refused on: {top}")
    for warning, count in tally.warnings.most_common(5):
        print(f"  warning x{count}: {warning}")
    for signature, count in tally.failures.most_common():
        print(f"  FAILURE x{count}: {signature}")


def main_bench(argv: list[str] | None = None) -> int:
    """Run the fuzz sessions and print their tallies; exit 1 if any case failed."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", type=int, default=3000, help="mutated scenarios to run")
    parser.add_argument("--plot-cases", type=int, default=0, help="damaged folders to plot")
    parser.add_argument(
        "--draw", type=int, default=0, help="also plot the first N runs that succeed"
    )
    parser.add_argument("--seed", type=int, default=0, help="hypothesis seed of the session")
    parser.add_argument("--keep", type=Path, default=Path("/tmp/bench_fuzz_failures"))
    args = parser.parse_args(argv)
    shutil.rmtree(args.keep, ignore_errors=True)
    print(
        f"bench_fuzz: {platform.machine()}, {os.cpu_count()} cores, Python "
        f"{platform.python_version()}, load {os.getloadavg()[0]:.1f}, seed {args.seed}"
    )
    failed = 0
    if args.cases > 0:
        tally = Tally(args.keep / "run")
        start = time.perf_counter()
        fuzz_runs(args.cases, tally, args.seed, args.draw)
        report("alliance-sim run", tally, time.perf_counter() - start)
        if args.draw:
            print(f"  plotted the first {tally.drawn} runs that succeeded")
        failed += tally.counts["failure"]
    if args.plot_cases > 0:
        tally = Tally(args.keep / "plot")
        start = time.perf_counter()
        fuzz_plots(args.plot_cases, tally, args.seed)
        report("alliance-sim plot (damaged folders)", tally, time.perf_counter() - start)
        failed += tally.counts["failure"]
    print(f"\nload at the end {os.getloadavg()[0]:.1f}; failures kept in {args.keep}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main_bench())
