"""Command line: ``alliance-sim`` (or ``python -m sim``).

Commands: run, sweep, compare, validate, plot, evidence, schema, list, app. Bad input prints
one line on stderr naming the file, the field and what is allowed, and exits with status 2.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import Sequence
from importlib import resources
from pathlib import Path

from sim.loading.builtin import builtin_scenarios, resolve_scenario
from sim.loading.scenarios import load_scenario
from sim.schema.errors import InputError
from sim.schema.scenario import Scenario

EXIT_BAD_INPUT = 2
#: Library errors name a function's parameter; on the command line the user typed its flag.
FLAGS = {
    "out": "--out",
    "workers": "--workers",
    "dask": "--dask",
    "chunk_size": "--chunk-size",
    "retries": "--retries",
}


def cmd_run(args: argparse.Namespace) -> int:
    """Run a scenario's replicates and write results and plots."""
    from sim.experiments.results import prepare_output, write_results
    from sim.experiments.run import run_scenario

    loaded = load_scenario(resolve_scenario(args.scenario))
    if args.replicates is not None and args.replicates < 1:
        raise InputError(loaded.path, "--replicates", f"must be at least 1 (got {args.replicates})")
    out = Path(args.out)
    prepare_output(out, args.force)
    results = run_scenario(loaded, args.replicates)
    if args.no_plots:
        write_results(loaded, results, out)
    else:
        from sim.presentation.plots import plot_results  # matplotlib loads only to draw

        write_results(loaded, results, out, extra=plot_results)
    summary = results.summary
    print(
        f"{loaded.scenario.name}: {len(summary)} replicate(s) x {loaded.scenario.steps} weeks; "
        f"war in {int((summary['wars'] > 0).sum())}, "
        f"ceasefire in {int(summary['ceasefire'].sum())}; "
        f"results in {out}"
    )
    return 0


def cmd_sweep(args: argparse.Namespace) -> int:
    """Run every replicate of every design point of a scenario; stream results to Parquet."""
    from sim.experiments.sweep import run_sweep

    loaded = load_scenario(resolve_scenario(args.scenario))
    out = Path(args.out)
    report = run_sweep(
        loaded,
        out,
        resume=args.resume,
        workers=args.workers,
        dask=args.dask,
        chunk_size=args.chunk_size,
        retries=args.retries,
    )
    reported = not args.no_report and report.runs_done > 0  # nothing to analyse otherwise
    if reported:
        from sim.presentation.report import sweep_report

        sweep_report(out)
    design = report.design
    print(
        f"{loaded.scenario.name}: {report.runs_done}/{design.runs} runs "
        f"({len(design.points)} point(s) x {design.replicates} replicate(s); "
        f"{report.runs_run} run now), {report.failed_runs} failed, {report.seconds:.1f} s; "
        f"results in {out}" + (f", report {out / 'report.html'}" if reported else "")
    )
    for chunk, error in report.failed:
        print(f"alliance-sim: chunk {chunk} failed: {error}", file=sys.stderr)
    return 1 if report.failed else 0


def cmd_compare(args: argparse.Namespace) -> int:
    """Compare the outcomes of sweep folders side by side; write PNGs and an HTML report."""
    from sim.presentation.report import compare_report

    for path in compare_report([Path(f) for f in args.sweeps], Path(args.out)):
        print(path)
    return 0


def cmd_validate(args: argparse.Namespace) -> int:
    """Validate scenario files; print one line per file."""
    for name in args.scenarios:
        loaded = load_scenario(resolve_scenario(name))
        print(
            f"{loaded.path}: ok ({loaded.scenario.name}, {loaded.scenario.steps} weeks, "
            f"{len(loaded.scenario.events)} events)"
        )
    return 0


def cmd_plot(args: argparse.Namespace) -> int:
    """Redraw the plots of a results folder from its stored tables."""
    from sim.presentation.plots import plot_results

    folder = Path(args.results)
    for required in ("steps.csv", "summary.csv", "manifest.json"):
        if not (folder / required).is_file():
            raise InputError(
                folder, required, "missing; give a folder written by 'alliance-sim run'"
            )
    try:
        paths = plot_results(folder)
    except (ValueError, KeyError, OSError) as error:  # pandas' parser errors are ValueErrors
        raise InputError(folder, "(results)", f"cannot be plotted: {error}") from None
    for path in paths:
        print(path)
    return 0


def cmd_evidence(args: argparse.Namespace) -> int:
    """Print the evidence table of the built-in world or a world file."""
    from sim.loading.worlds import load_world_file
    from sim.presentation.evidence import evidence_markdown, evidence_rows
    from sim.schema.world import BUILTIN_WORLD

    world = load_world_file(args.world or BUILTIN_WORLD, args.world or BUILTIN_WORLD, "--world")
    if args.format == "markdown":
        print(evidence_markdown(world), end="")
    else:
        import csv

        rows = evidence_rows(world)
        writer = csv.DictWriter(sys.stdout, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    return 0


def cmd_schema(args: argparse.Namespace) -> int:
    """Print the JSON Schema of scenario files."""
    print(json.dumps(Scenario.model_json_schema(), indent=2))
    return 0


def cmd_list(args: argparse.Namespace) -> int:
    """List the built-in scenarios and the question each asks."""
    for name, path in builtin_scenarios().items():
        loaded = load_scenario(path)
        print(f"{name:32s} {loaded.scenario.question}")
    return 0


def cmd_app(args: argparse.Namespace) -> int:
    """Serve the classroom app (sim/presentation/app.py, on Solara) until Ctrl+C."""
    import importlib.util
    import os
    import signal
    import subprocess

    if not 1 <= args.port <= 65535:
        raise InputError("(command line)", "--port", f"must be 1 to 65535 (got {args.port})")
    if importlib.util.find_spec("solara") is None:
        raise InputError(
            "(command line)", "app", "needs solara; install with: pip install 'alliance-sim[app]'"
        )
    app = Path(str(resources.files("sim.presentation"))) / "app.py"
    command = [sys.executable, "-m", "solara", "run", str(app), "--host", args.host]
    command += ["--port", str(args.port), "--production", "--no-open", "--no-check-version"]
    # A classroom server should not report to anyone: Solara's usage telemetry stays off.
    env = {**os.environ, "SOLARA_TELEMETRY_MIXPANEL_ENABLE": "False"}
    print(f"alliance-sim app: open http://{args.host}:{args.port}/ in a browser; Ctrl+C stops it")
    sys.stdout.flush()  # the URL comes before the server's own lines
    server = subprocess.Popen(command, env=env)
    # Ctrl+C reaches the server through the terminal; a plain SIGTERM (a service manager, a
    # test) reaches only this process, so pass it on rather than leave the server orphaned.
    signal.signal(signal.SIGTERM, lambda *_: server.terminate())
    try:
        return server.wait()
    except KeyboardInterrupt:
        server.wait()
        return 0
    finally:
        if server.poll() is None:
            server.kill()


def build_parser() -> argparse.ArgumentParser:
    """Build the argument parser with one sub-command per task."""
    parser = argparse.ArgumentParser(
        prog="alliance-sim",
        description="Agent-based model of the alliance network around the South Caucasus.",
    )
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    run = commands.add_parser(
        "run", help="run a scenario and write results and plots", description=cmd_run.__doc__
    )
    run.add_argument("scenario", help="scenario file, or the name of a built-in scenario")
    run.add_argument("--out", required=True, help="results folder to create")
    run.add_argument("--replicates", type=int, help="run only this many replicates")
    run.add_argument("--force", action="store_true", help="replace an existing results folder")
    run.add_argument("--no-plots", action="store_true", help="write tables only")
    run.set_defaults(handler=cmd_run)

    sweep = commands.add_parser(
        "sweep",
        help="run a scenario's sweep (design points x replicates) into Parquet",
        description=cmd_sweep.__doc__,
    )
    sweep.add_argument("scenario", help="scenario file, or the name of a built-in scenario")
    sweep.add_argument("--out", required=True, help="results folder (new, or with --resume)")
    sweep.add_argument("--resume", action="store_true", help="run only what is not yet stored")
    sweep.add_argument(
        "--workers",
        type=int,
        help="processes (default: every core this process may use; 1: serial)",
    )
    sweep.add_argument(
        "--dask", metavar="ADDRESS", help="Dask scheduler tcp://HOST:PORT or 'local'"
    )
    sweep.add_argument("--chunk-size", type=int, help="runs per task (default: automatic)")
    sweep.add_argument("--retries", type=int, default=2, help="retries of a failed chunk")
    sweep.add_argument("--no-report", action="store_true", help="skip the analysis report")
    sweep.set_defaults(handler=cmd_sweep)

    compare = commands.add_parser(
        "compare", help="compare sweep folders side by side", description=cmd_compare.__doc__
    )
    compare.add_argument("sweeps", nargs="+", help="folders written by 'alliance-sim sweep'")
    compare.add_argument("--out", required=True, help="folder for the PNGs and report.html")
    compare.set_defaults(handler=cmd_compare)

    validate = commands.add_parser(
        "validate", help="check scenario files", description=cmd_validate.__doc__
    )
    validate.add_argument("scenarios", nargs="+", help="scenario files or built-in names")
    validate.set_defaults(handler=cmd_validate)

    plot = commands.add_parser(
        "plot", help="redraw plots from a results folder", description=cmd_plot.__doc__
    )
    plot.add_argument("results", help="folder written by 'alliance-sim run'")
    plot.set_defaults(handler=cmd_plot)

    evidence = commands.add_parser(
        "evidence",
        help="print every figure and tie with its source",
        description=cmd_evidence.__doc__,
    )
    evidence.add_argument("--world", help="world file (default: the built-in world)")
    evidence.add_argument("--format", choices=["markdown", "csv"], default="markdown")
    evidence.set_defaults(handler=cmd_evidence)

    schema = commands.add_parser(
        "schema", help="print the scenario JSON Schema", description=cmd_schema.__doc__
    )
    schema.set_defaults(handler=cmd_schema)

    listing = commands.add_parser(
        "list", help="list built-in scenarios", description=cmd_list.__doc__
    )
    listing.set_defaults(handler=cmd_list)

    app = commands.add_parser(
        "app", help="serve the classroom app in a browser", description=cmd_app.__doc__
    )
    app.add_argument(
        "--host", default="127.0.0.1", help="address to listen on (default: this computer only)"
    )
    app.add_argument("--port", type=int, default=8765, help="port (default: 8765)")
    app.set_defaults(handler=cmd_app)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point; returns the exit status."""
    args = build_parser().parse_args(argv)
    try:
        return args.handler(args)
    except InputError as error:
        field = FLAGS.get(error.field, error.field)
        line = f"alliance-sim: {error.file}: {field}: {error.message}"
        print(" ".join(line.splitlines()), file=sys.stderr)  # always one line
        return EXIT_BAD_INPUT
    except BrokenPipeError:
        # The reader went away (`alliance-sim list | head`): stop quietly, and keep Python's
        # own flush at exit from raising the same error again.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 1


if __name__ == "__main__":
    sys.exit(main())
