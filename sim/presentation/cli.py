"""Command line: ``alliance-sim`` (or ``python -m sim``).

Commands: run, sweep, compare, discover, validate, plot, evidence, schema, list, app, hub. Bad
input prints one line on stderr naming the file, the field and what is allowed, and exits with
status 2.
"""

from __future__ import annotations

import argparse
import atexit
import gc
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
    "max_runs": "--max-runs",
    "where": "--where",
    "min_coverage": "--min-coverage",
    "box": "--box",
}


def cmd_run(args: argparse.Namespace) -> int:
    """Run a scenario's replicates and write results and plots."""
    from sim.experiments.results import prepare_output, write_results
    from sim.experiments.run import run_scenario
    from sim.schema.limits import MAX_REPLICATES

    loaded = load_scenario(resolve_scenario(args.scenario))
    # The same bound as the file's 'replicates', checked before anything is made.
    if args.replicates is not None and not 1 <= args.replicates <= MAX_REPLICATES:
        raise InputError(
            loaded.path,
            "--replicates",
            f"must be at least 1 and at most {MAX_REPLICATES:,} (got {args.replicates})",
        )
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
    from sim.experiments import sizing

    # Read first: a bad file is refused before the imports below (a second), and its size
    # tells whether a pool will run it (as run_sweep decides, from the same functions).
    loaded = load_scenario(resolve_scenario(args.scenario))
    workers = args.workers
    if workers is None:
        points, replicates = sizing.design_size(loaded)
        small = sizing.runs_in_this_process(loaded, points * replicates)
        workers = 1 if small else sizing.default_workers()
    if args.dask is None and workers > 1:
        # A local pool's workers fork from a server that first imports the model (Mesa,
        # pandas, pyarrow: about as long as this process's own imports below, 0.9-1.5 s on 2
        # cores). Started now, it imports on another core while this process does, instead of
        # after it: 0.74x the time of a 2-worker sweep of 30 runs (benchmarks/README.md). The
        # same server and preload as sim.experiments.sweep.executors._Processes uses (a test
        # checks it).
        import multiprocessing
        import multiprocessing.forkserver

        multiprocessing.get_context("forkserver").set_forkserver_preload(
            ["sim.experiments.sweep.executors"]
        )
        multiprocessing.forkserver.ensure_running()
    from sim.experiments.sweep import run_sweep

    if not args.no_report:
        # Imported now (matplotlib, 0.3 s), not after the runs: a pool sweep here fills the
        # time it would otherwise wait for the fork server's imports (4% of a 2-worker sweep
        # of 30 or 300 runs).
        from sim.presentation.report import sweep_report
    # A sweep leaves some 1,500 modules loaded, and at exit Python's last collection walks all
    # their objects: 0.26 s of CPU of a 30-run sweep, which took 1.96 s and now 1.82 s
    # (benchmarks/README.md). Frozen first, they are left to the system; at exit only, so
    # that a caller that runs on in this process (tests) keeps its collector. Registered
    # again rather than twice.
    atexit.unregister(gc.freeze)
    atexit.register(gc.freeze)

    out = Path(args.out)
    report = run_sweep(
        loaded,
        out,
        resume=args.resume,
        workers=args.workers,
        dask=args.dask,
        chunk_size=args.chunk_size,
        retries=args.retries,
        max_runs=args.max_runs,
        # The plan (runs, estimated time and disk) goes to stderr, before the first run.
        on_plan=lambda plan: print(plan, file=sys.stderr, flush=True),
    )
    reported = not args.no_report and report.runs_done > 0  # nothing to analyse otherwise
    if reported:
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
    from sim.experiments.results import output_error
    from sim.presentation.report import compare_report

    out = Path(args.out)
    try:  # what is there before, so that a failed comparison takes away only what it wrote
        before = set(os.listdir(out)) if out.is_dir() else None
        existed = out.exists() or out.is_symlink()
    except OSError as error:
        raise output_error(out, error) from None
    try:
        paths = compare_report([Path(f) for f in args.sweeps], out)
    except BaseException as error:
        if before is not None or not existed:  # never touch a file that was there
            _remove_new(out, before)
        if isinstance(error, OSError):  # the sweeps are read by then: writing failed
            raise output_error(out, error) from None
        raise
    for path in paths:
        print(path)
    return 0


def cmd_discover(args: argparse.Namespace) -> int:
    """Scenario discovery: which ranges of a sweep's parameters lead to runs meeting a condition.

    PRIM boxes (peeling trajectory, box limits, quasi-p-values), a CART tree and feature scores
    (EMA Workbench). Writes tables, PNGs and discovery.html into --out (default
    SWEEP_DIR/discovery/<condition>/), and a section in the sweep's report.html.
    """
    from sim.experiments.discovery import default_out, discover
    from sim.presentation.discovery_report import discovery_report

    folder = Path(args.sweep)
    if not 0 < args.min_coverage <= 1:
        raise InputError(folder, "--min-coverage", f"must be in (0, 1] (got {args.min_coverage})")
    found = discover(folder, args.where, min_coverage=args.min_coverage, box=args.box)
    out = Path(args.out) if args.out else default_out(found)
    out, shown = discovery_report(found, out, force=args.force)
    print(found.summary())
    for line in found.describe_box():
        print(f"  {line}")
    if simpler := found.simpler():
        print(f"  {simpler}")
    top = ", ".join(
        f"{row.parameter} {row.score:.2f}" for row in found.feature_scores.head(3).itertuples()
    )
    print(f"feature scores: {top}")
    for note in found.notes:
        print(f"note: {note}")
    report = f"; section added to {folder / 'report.html'}" if shown else ""
    print(f"results in {out} (discovery.html{report})")
    return 0


def _remove_new(folder: Path, before: set[str] | None) -> None:
    """Remove what was written into ``folder`` since ``before`` (None: the folder, if made)."""
    import shutil

    if before is None:
        if folder.is_dir() and not folder.is_symlink():
            shutil.rmtree(folder, ignore_errors=True)
        return
    try:
        for name in set(os.listdir(folder)) - before:
            path = folder / name
            if path.is_dir() and not path.is_symlink():
                shutil.rmtree(path, ignore_errors=True)
            else:
                path.unlink(missing_ok=True)
    except OSError:
        pass  # the first error is the one to report


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
    from sim.experiments.results import output_error
    from sim.presentation.plots import plot_results

    folder = Path(args.results)
    try:
        if not folder.is_dir():
            raise InputError(
                folder, "(folder)", "not a folder; give one written by 'alliance-sim run'"
            )
        for required in ("steps.csv", "summary.csv", "manifest.json"):
            if not (folder / required).is_file():
                raise InputError(
                    folder, required, "missing; give a folder written by 'alliance-sim run'"
                )
        before = set(os.listdir(folder / "plots")) if (folder / "plots").is_dir() else None
    except OSError as error:
        raise InputError(folder, "(folder)", f"cannot read: {error.strerror or error}") from None
    try:
        # The tables are read and checked first (load_stored): a bad one is an InputError
        # naming it. An OSError after that comes from writing the figures.
        paths = plot_results(folder)
    except BaseException as error:
        _remove_new(folder / "plots", before)
        if isinstance(error, OSError):
            raise output_error(folder / "plots", error, field="plots") from None
        raise
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


def cmd_world_from_edges(args: argparse.Namespace) -> int:
    """Turn a signed edge list (source, target, sign; optional weight, year) into a world file."""
    from sim.loading.edges import world_from_edges
    from sim.loading.generate import world_to_toml

    out = Path(args.out)
    if out.suffix != ".toml":
        raise InputError(out, "--out", "a world file needs the .toml suffix")
    if out.exists() and not (args.force and out.is_file()):
        raise InputError(out, "--out", "exists; choose another path or pass --force")
    if not out.parent.is_dir():
        raise InputError(out, "--out", f"folder {out.parent} does not exist")
    world = world_from_edges(args.edges, name=args.name, year=args.year)
    header = (
        f"# Made by 'alliance-sim world from-edges' from {Path(args.edges).name}: every positive\n"
        "# edge a mutual alliance, every negative edge a mutual rivalry, each citing its row;\n"
        "# states and [model] parameters are stated assumptions (see sim/loading/edges.py).\n\n"
    )
    temporary = out.with_name(f".{out.name}.{os.getpid()}.tmp")
    try:
        temporary.write_text(header + world_to_toml(world), encoding="utf-8")
        os.replace(temporary, out)
    except OSError as exc:
        temporary.unlink(missing_ok=True)
        raise InputError(out, "--out", f"cannot write: {exc.strerror or exc}") from None
    ties = len(world.ties)
    print(f"{out}: {len(world.states)} states, {ties} ties (world '{world.meta.name}')")
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
    # Reacton's own opt-in renderer (reacton 1.11) skips the parts of a page whose arguments
    # and state did not change, where the default one walks the whole page at every update:
    # the server's work per click about halves (benchmarks/README.md, bench_app.py).
    env = {"REACTON_FAST": "1"}
    return serve("app.py", args.host, args.port, "alliance-sim app: open http://{}/", env)


def cmd_hub(args: argparse.Namespace) -> int:
    """Serve a class session hub (sim/presentation/hub_app.py): students play states."""
    scenario = resolve_scenario(args.scenario)
    load_scenario(scenario)  # a bad file is one line here, not a broken page in class
    env = {"ALLIANCE_SIM_HUB_SCENARIO": str(scenario.resolve())}
    hint = (
        " (this computer only: --host 0.0.0.0 lets students join from the school network)"
        if args.host == "127.0.0.1"
        else ""
    )
    address = "alliance-sim hub: teacher: http://{0}/teacher; students: http://{0}/join"
    return serve("hub_app.py", args.host, args.port, address + hint, env)


def serve(script: str, host: str, port: int, banner: str, env: dict[str, str] | None = None) -> int:
    """Run a page of sim/presentation on Solara until Ctrl+C (or SIGTERM).

    Args:
        script: The page's file in sim/presentation.
        host: Address to listen on.
        port: Port to listen on.
        banner: The line printed first; ``{}`` (or ``{0}``) becomes ``host:port``.
        env: Variables for the server besides this process's own.
    """
    import importlib.util
    import signal
    import subprocess

    if not 1 <= port <= 65535:
        raise InputError("(command line)", "--port", f"must be 1 to 65535 (got {port})")
    if importlib.util.find_spec("solara") is None:
        raise InputError(
            "(command line)",
            script.removesuffix(".py").removesuffix("_app"),
            "needs solara; install with: pip install 'alliance-sim[app]'",
        )
    app = Path(str(resources.files("sim.presentation"))) / script
    # Solara's own `solara run`, with the page's files compressed once (solara_server.py).
    launcher = "sim.presentation.solara_server"
    command = [sys.executable, "-m", launcher, "run", str(app), "--host", host]
    command += ["--port", str(port), "--production", "--no-open", "--no-check-version"]
    # A classroom server should not report to anyone: Solara's usage telemetry stays off.
    variables = {**os.environ, **(env or {}), "SOLARA_TELEMETRY_MIXPANEL_ENABLE": "False"}
    print(f"{banner.format(f'{host}:{port}')} in a browser; Ctrl+C stops it")
    sys.stdout.flush()  # the URL comes before the server's own lines
    server = subprocess.Popen(command, env=variables)
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
    from sim.schema.limits import MAX_RUNS_DEFAULT, MAX_RUNS_HARD

    sweep.add_argument(
        "--max-runs",
        type=int,
        metavar="N",
        help=f"allow a new sweep of up to N runs (default: {MAX_RUNS_DEFAULT:,}; "
        f"at most {MAX_RUNS_HARD:,})",
    )
    sweep.add_argument("--no-report", action="store_true", help="skip the analysis report")
    sweep.set_defaults(handler=cmd_sweep)

    compare = commands.add_parser(
        "compare", help="compare sweep folders side by side", description=cmd_compare.__doc__
    )
    compare.add_argument("sweeps", nargs="+", help="folders written by 'alliance-sim sweep'")
    compare.add_argument("--out", required=True, help="folder for the PNGs and report.html")
    compare.set_defaults(handler=cmd_compare)

    discover = commands.add_parser(
        "discover",
        help="which parameter ranges of a sweep lead to an outcome (PRIM, CART)",
        description=cmd_discover.__doc__,
    )
    discover.add_argument(
        "sweep", metavar="SWEEP_DIR", help="folder written by 'alliance-sim sweep'"
    )
    discover.add_argument(
        "--where",
        required=True,
        metavar="EXPRESSION",
        help="the runs of interest, e.g. 'war_weeks > 6', 'intervened_Russia', "
        "'gain_karabakh >= 0.3 and not capitulation' (see docs/discovery.md)",
    )
    discover.add_argument(
        "--out", metavar="DIR", help="folder to write (default: SWEEP_DIR/discovery/<condition>)"
    )
    discover.add_argument(
        "--min-coverage",
        type=float,
        default=0.5,
        metavar="F",
        help="choose the densest box with at least this coverage (default: 0.5)",
    )
    discover.add_argument(
        "--box", type=int, metavar="N", help="choose box N of the peeling trajectory instead"
    )
    discover.add_argument("--force", action="store_true", help="replace an existing folder")
    discover.set_defaults(handler=cmd_discover)

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

    world = commands.add_parser(
        "world", help="make world files", description="Make world files from other data."
    )
    world_commands = world.add_subparsers(dest="world_command", required=True, metavar="COMMAND")
    edges = world_commands.add_parser(
        "from-edges",
        help="a world from a signed edge list (CSV)",
        description=cmd_world_from_edges.__doc__,
    )
    edges.add_argument("edges", help="CSV with columns source,target,sign[,weight][,year]")
    edges.add_argument("--out", required=True, help="world file to write (.toml)")
    edges.add_argument("--name", help="the world's name (default: the CSV's name)")
    edges.add_argument("--year", type=int, help="the world's year (default: latest in the list)")
    edges.add_argument("--force", action="store_true", help="replace an existing file")
    edges.set_defaults(handler=cmd_world_from_edges)

    app = commands.add_parser(
        "app", help="serve the classroom app in a browser", description=cmd_app.__doc__
    )
    app.add_argument(
        "--host", default="127.0.0.1", help="address to listen on (default: this computer only)"
    )
    app.add_argument("--port", type=int, default=8765, help="port (default: 8765)")
    app.set_defaults(handler=cmd_app)

    hub = commands.add_parser(
        "hub",
        help="serve a class session: students play states from their browsers",
        description=cmd_hub.__doc__,
    )
    hub.add_argument(
        "scenario",
        nargs="?",
        default="classroom",
        help="scenario file, or the name of a built-in scenario (default: classroom)",
    )
    hub.add_argument(
        "--host",
        default="127.0.0.1",
        help="address to listen on (default: 127.0.0.1, this computer only; "
        "0.0.0.0 lets students on the school network join)",
    )
    hub.add_argument("--port", type=int, default=8766, help="port (default: 8766)")
    hub.set_defaults(handler=cmd_hub)
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
