"""Sweep reports: figures of a sweep's outcomes and one self-contained HTML page.

Draws what :mod:`sim.experiments.analysis` computes from a sweep folder and writes PNGs plus
one HTML report, the images embedded as base64, that can be sent as a single file:

* ``sweep_report(folder)``: outcome distributions per design point, a heatmap per outcome for
  a two-parameter grid, the signed network's balance and tie changes where the network moves
  (:mod:`sim.presentation.sweep_structure`), and the sensitivity indices with their
  confidence intervals of Sobol' and Morris designs; written into ``folder/report/`` and
  ``folder/report.html``.
* ``compare_report(folders, out)``: the outcomes of several sweeps side by side.
* ``discovery_report(discovery)``: the figures and HTML page of a scenario discovery
  (:mod:`sim.experiments.discovery`), and its section in the sweep's ``report.html``.

Figures follow :mod:`sim.presentation.plots`: the object API, Okabe-Ito colours, large fonts.
"""

from __future__ import annotations

import base64
import html
import math
from pathlib import Path
from typing import Any

import matplotlib as mpl
import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from sim.experiments.analysis import (
    SweepData,
    gain_columns,
    label,
    load_sweep,
    outcome_columns,
    point_means,
    sensitivity,
)
from sim.experiments.discovery import FOLDER, Discovery, format_qp, write_discovery
from sim.experiments.results import output_error
from sim.presentation.plot_base import CYCLE, NOTE_GREY, STYLE, save_png
from sim.presentation.sweep_structure import network_structure
from sim.schema.errors import InputError

#: Above this many points, distributions are drawn as point means against each parameter.
MAX_BOXES = 30
#: Above this many parameters, that scatter is unreadable: a histogram of point means instead.
MAX_SCATTER_PARAMETERS = 6
#: Parameters shown per outcome in the sensitivity figure (the most influential; the HTML table
#: lists them all).
MAX_SENSITIVITY_BARS = 15
#: Rows of the per-point table shown in the HTML report.
MAX_TABLE_ROWS = 60


# --- figures -------------------------------------------------------------------------------


def _panels(count: int, width: float = 6.5, height: float = 4.8) -> tuple[Figure, list[Any]]:
    cols = min(count, 2)
    rows = math.ceil(count / cols)
    figure = Figure(figsize=(width * cols, height * rows), layout="constrained")
    axes = figure.subplots(rows, cols, squeeze=False).ravel().tolist()
    for ax in axes[count:]:
        ax.set_visible(False)
    return figure, axes[:count]


def distributions_figure(data: SweepData, outcomes: list[str]) -> Figure:
    """Outcome distributions per design point.

    One point: a histogram over replicates. Up to ``MAX_BOXES`` points: a box per point.
    More: each point's mean against each parameter (one colour per parameter, x scaled to the
    parameter's range), or, above ``MAX_SCATTER_PARAMETERS`` parameters, a histogram of the
    point means (which parameter moves them is the sensitivity figure's question).
    """
    points = data.runs["point"].nunique()
    figure, axes = _panels(len(outcomes))
    for ax, outcome in zip(axes, outcomes, strict=True):
        ax.set_title(label(outcome))
        values = data.runs[["point", outcome]].dropna()
        if points == 1:
            ax.hist(
                values[outcome], bins=min(20, max(5, values[outcome].nunique())), color=CYCLE[0]
            )
            ax.set_xlabel(label(outcome))
            ax.set_ylabel("runs")
        elif points <= MAX_BOXES:
            groups = [g[outcome].to_numpy() for _, g in values.groupby("point")]
            ax.boxplot(
                groups,
                tick_labels=[str(p) for p in sorted(values["point"].unique())],
                medianprops={"color": CYCLE[1], "linewidth": 3},
            )
            ax.set_xlabel("design point (values in the table below)")
            ax.tick_params(axis="x", labelsize=10)
        elif len(data.design.parameters) > MAX_SCATTER_PARAMETERS:
            means = point_means(data, [outcome])[outcome].dropna()
            ax.hist(means, bins=20, color=CYCLE[0])
            ax.set_xlabel(f"mean over replicates at each of {len(means)} points")
            ax.set_ylabel("design points")
        else:
            means = point_means(data, [outcome])
            for i, parameter in enumerate(data.design.parameters):
                x = means[parameter]
                span = (x.max() - x.min()) or 1.0
                ax.scatter(
                    (x - x.min()) / span,
                    means[outcome],
                    s=18,
                    alpha=0.7,
                    color=CYCLE[i % len(CYCLE)],
                    label=parameter,
                )
            ax.set_xlabel("parameter, scaled from its low (0) to its high (1)")
            ax.set_ylabel("mean over replicates")
            ax.legend(fontsize=10, loc="best")
    figure.suptitle(f"{data.name}: outcomes over {len(data.runs)} runs")
    return figure


def heatmap_figure(data: SweepData, outcomes: list[str]) -> Figure | None:
    """Mean outcome over a two-parameter grid, one heatmap per outcome; None otherwise."""
    design = data.design
    if design.kind != "grid" or len(design.parameters) != 2:
        return None
    rows_p, cols_p = design.parameters
    means = point_means(data, outcomes)
    figure, axes = _panels(len(outcomes), width=7.0, height=5.6)
    for ax, outcome in zip(axes, outcomes, strict=True):
        grid = means.pivot_table(index=rows_p, columns=cols_p, values=outcome)
        image = ax.imshow(grid.to_numpy(), origin="lower", aspect="auto", cmap="viridis")
        ax.set_xticks(range(grid.shape[1]), [f"{v:g}" for v in grid.columns])
        ax.set_yticks(range(grid.shape[0]), [f"{v:g}" for v in grid.index])
        ax.set_xlabel(cols_p)
        ax.set_ylabel(rows_p)
        ax.set_title(label(outcome))
        ax.grid(False)
        for (i, j), value in np.ndenumerate(grid.to_numpy()):
            if not math.isnan(value):
                ax.text(
                    j,
                    i,
                    f"{value:.2g}",
                    ha="center",
                    va="center",
                    fontsize=12,
                    color="white" if value < np.nanmean(grid.to_numpy()) else "black",
                )
        figure.colorbar(image, ax=ax, label="mean over replicates")
    figure.suptitle(f"{data.name}: mean outcome over the grid")
    return figure


def sensitivity_figure(name: str, indices: pd.DataFrame) -> Figure | None:
    """Bars of the sensitivity indices with their 95% confidence intervals; None if none."""
    if indices.empty:
        return None
    outcomes = list(dict.fromkeys(indices["outcome"]))
    shown = min(MAX_SENSITIVITY_BARS, indices["parameter"].nunique())
    figure, axes = _panels(len(outcomes), width=7.5, height=max(4.8, 1.2 + 0.42 * shown))
    for ax, outcome in zip(axes, outcomes, strict=True):
        table = indices[indices["outcome"] == outcome]
        kinds = list(dict.fromkeys(table["index"]))
        # The most influential by the first index (S1 or mu*) at the top; the rest are in the
        # report's table.
        first = table[table["index"] == kinds[0]].sort_values("value", ascending=False)
        parameters = list(first["parameter"][:shown])[::-1]
        y = np.arange(len(parameters))
        height = 0.8 / len(kinds)
        for k, kind in enumerate(kinds):
            rows = table[table["index"] == kind].set_index("parameter").loc[parameters]
            ax.barh(
                y + k * height,
                rows["value"],
                height,
                xerr=rows["conf"].fillna(0).to_numpy(),
                color=CYCLE[k],
                label=kind,
                capsize=4,
            )
        ax.set_yticks(y + height * (len(kinds) - 1) / 2, parameters, fontsize=11)
        ax.set_title(label(outcome))
        ax.legend(fontsize=11, loc="lower right")
    total = indices["parameter"].nunique()
    top = (
        "" if shown == total else f"\nthe {shown} parameters of {total} with the largest {kinds[0]}"
    )
    figure.suptitle(f"{name}: sensitivity (bars: 95% confidence){top}")
    return figure


def compare_figure(sweeps: list[SweepData], names: list[str], outcomes: list[str]) -> Figure:
    """Each outcome's distribution over all runs of each sweep, side by side."""
    figure, axes = _panels(len(outcomes))
    for ax, outcome in zip(axes, outcomes, strict=True):
        groups = [
            s.runs[outcome].dropna().to_numpy() if outcome in s.runs else np.array([])
            for s in sweeps
        ]
        parts = ax.boxplot(
            groups,
            tick_labels=names,
            patch_artist=True,
            medianprops={"color": "black", "linewidth": 3},
        )
        for i, box in enumerate(parts["boxes"]):
            box.set_facecolor(CYCLE[i % len(CYCLE)])
            box.set_alpha(0.6)
        ax.set_title(label(outcome))
        ax.tick_params(axis="x", labelrotation=15, labelsize=11)
    figure.suptitle("Outcomes over all runs of each sweep")
    return figure


# --- the HTML report -----------------------------------------------------------------------


def _img(path: Path, alt: str) -> str:
    data = base64.b64encode(path.read_bytes()).decode("ascii")
    return f'<img alt="{html.escape(alt)}" src="data:image/png;base64,{data}">'


CSS = (
    "body{font-family:sans-serif;max-width:1400px;margin:2em auto;padding:0 1em;color:#222}"
    "img{max-width:100%;border:1px solid #ddd;margin:.5em 0}"
    "table{border-collapse:collapse;font-size:14px}td,th{border:1px solid #ccc;padding:3px 8px;"
    "text-align:right}th{background:#f0f0f0}.note{color:" + NOTE_GREY + "}"
)


def write_html(path: Path, title: str, sections: list[tuple[str, str]]) -> Path:
    """Write one self-contained HTML page: inline CSS and images, no external asset."""
    body = "".join(f"<h2>{html.escape(h)}</h2>\n{content}\n" for h, content in sections)
    page = (
        f'<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
        f"<title>{html.escape(title)}</title><style>{CSS}</style></head>\n"
        f"<body><h1>{html.escape(title)}</h1>\n{body}</body></html>\n"
    )
    path.write_text(page, encoding="utf-8")
    return path


def _table(frame: pd.DataFrame, **kwargs: Any) -> str:
    return frame.to_html(float_format=lambda v: f"{v:.4g}", na_rep="", border=0, **kwargs)


def _describe(data: SweepData) -> str:
    info, design = data.manifest, data.design
    failed = info.get("chunks_failed") or []
    items = {
        "scenario": f"{data.name}: {info.get('scenario_file')}",
        "scenario sha256": info.get("scenario_sha256"),
        "design": f"{design.kind}, {len(design.points)} point(s) x {design.replicates} "
        f"replicate(s) = {design.runs} runs; {len(data.runs)} stored",
        "parameters": ", ".join(design.parameters) or "(none: replicates only)",
        "seeds": info.get("seeding"),
        "failed chunks": ", ".join(str(f["chunk"]) for f in failed) or "none",
    }
    rows = "".join(
        f"<tr><th>{html.escape(k)}</th><td style='text-align:left'>{html.escape(str(v))}</td></tr>"
        for k, v in items.items()
    )
    return f"<table>{rows}</table>"


def sweep_report(folder: Path) -> list[Path]:
    """Analyse a sweep folder: PNGs in ``folder/report/`` and ``folder/report.html``.

    Args:
        folder: A folder written by ``alliance-sim sweep``.

    Returns:
        The files written, the HTML report last.
    """
    data = load_sweep(folder)
    outcomes = outcome_columns(data.runs)
    figures_dir = data.folder / "report"
    figures_dir.mkdir(exist_ok=True)
    indices, notes = sensitivity(data, outcomes)
    written: list[Path] = []
    sections = [("Sweep", _describe(data))]
    with mpl.rc_context(STYLE):
        path = save_png(distributions_figure(data, outcomes), figures_dir / "distributions.png")
        written.append(path)
        sections.append(("Outcome distributions", _img(path, "outcome distributions")))
        if (figure := heatmap_figure(data, outcomes)) is not None:
            path = save_png(figure, figures_dir / "heatmaps.png")
            written.append(path)
            sections.append(("Heatmaps", _img(path, "heatmaps over the grid")))
        if (structure := network_structure(data)) is not None:
            figure, per_point = structure
            path = save_png(figure, figures_dir / "structure.png")
            written.append(path)
            table = data.design.table().join(per_point, how="inner").head(MAX_TABLE_ROWS)
            changes = (
                "<p>Mean tie changes per run of each design point, by reason:</p>" + _table(table)
                if per_point.columns.size
                else "<p class='note'>This sweep stored no tie changes (begun by an earlier "
                "version).</p>"
            )
            image = _img(path, "balance of the signed network and tie changes")
            sections.append(("The signed network", image + changes))
        if (figure := sensitivity_figure(data.name, indices)) is not None:
            path = save_png(figure, figures_dir / "sensitivity.png")
            written.append(path)
            sections.append(("Sensitivity", _img(path, "sensitivity indices")))
    if not indices.empty or notes:
        note = "".join(f"<p class='note'>{html.escape(n)}</p>" for n in notes)
        table = "" if indices.empty else _table(indices, index=False)
        sections.append(("Sensitivity indices (95% confidence)", table + note))
    means = point_means(data, outcomes)
    more = len(means) - MAX_TABLE_ROWS
    sections.append(
        (
            "Mean outcome per design point",
            _table(means.head(MAX_TABLE_ROWS))
            + (
                f"<p class='note'>{more} more point(s) in the Parquet files.</p>"
                if more > 0
                else ""
            ),
        )
    )
    written.append(write_html(data.folder / "report.html", f"Sweep: {data.name}", sections))
    add_discoveries(data.folder)  # the sections of `alliance-sim discover`, if any
    return written


def compare_report(folders: list[Path], out: Path) -> list[Path]:
    """Compare sweeps side by side: ``out/compare.png`` and ``out/report.html``.

    Args:
        folders: Folders written by ``alliance-sim sweep``.
        out: Folder for the figures and the report (created if missing).

    Returns:
        The files written, the HTML report last.

    Raises:
        InputError: if a folder is not a sweep, or ``out`` cannot be a folder.
    """
    sweeps = [load_sweep(f) for f in folders]  # all read before anything is written
    try:
        if out.exists() and not out.is_dir():
            raise InputError(out, "out", "exists and is not a folder; give a folder path")
        if not out.resolve().parent.is_dir():
            raise InputError(out, "out", f"parent folder {out.resolve().parent} does not exist")
    except OSError as error:  # a name too long, a folder that may not be looked into
        raise output_error(out, error) from None
    names = [s.name for s in sweeps]
    if len(set(names)) < len(names):  # the same scenario twice: tell them apart by folder
        names = [f"{s.name} ({s.folder.name})" for s in sweeps]
    found = list(dict.fromkeys(c for s in sweeps for c in outcome_columns(s.runs)))
    gains = set(gain_columns(found))
    outcomes = sorted(found, key=lambda c: c not in gains)  # stable: gains first
    out.mkdir(parents=True, exist_ok=True)
    with mpl.rc_context(STYLE):
        path = save_png(compare_figure(sweeps, names, outcomes), out / "compare.png")
    rows = []
    for name, s in zip(names, sweeps, strict=True):
        for outcome in outcomes:
            values = s.runs[outcome].dropna() if outcome in s.runs else pd.Series(dtype=float)
            half = 1.96 * values.std() / math.sqrt(len(values)) if len(values) > 1 else math.nan
            rows.append(
                {
                    "sweep": name,
                    "outcome": outcome,
                    "runs": len(values),
                    "mean": values.mean(),
                    "95% CI ±": half,
                    "median": values.median(),
                }
            )
    table = pd.DataFrame(rows).pivot(index="outcome", columns="sweep")
    sections = [
        *((f"Sweep {name}", _describe(s)) for name, s in zip(names, sweeps, strict=True)),
        ("Outcomes side by side", _img(path, "outcomes side by side")),
        ("Means with 95% confidence intervals", _table(table)),
    ]
    report = write_html(out / "report.html", "Comparison: " + " vs ".join(names), sections)
    return [path, report]


# --- scenario discovery --------------------------------------------------------------------
#
# `alliance-sim discover` (sim.experiments.discovery) writes its tables into a folder, by
# default SWEEP/discovery/<condition>/; the figures and discovery.html below go in with them.
# Each such folder also holds section.html, a short account that the sweep's report.html shows
# under "Scenario discovery: <condition>" (added when discover runs, and again whenever
# sweep_report rewrites the report).

#: Parameters shown in the feature-score figure (the table lists them all).
MAX_SCORE_BARS = 20
#: Rows of the trajectory table shown in discovery.html (trajectory.csv has them all).
MAX_TRAJECTORY_ROWS = 80
#: Marks around each discovery's block in the sweep's report.html.
DISCOVERY_START, DISCOVERY_END = "<!-- discovery -->", "<!-- /discovery -->"
#: What boxes mean, and do not, at the foot of every discovery page.
READING_BOXES = (
    "<ul>"
    "<li><b>Coverage</b>: the share of all runs meeting the condition that lie inside the box. "
    "<b>Density</b>: the share of the runs inside the box that meet it (the whole sweep's "
    "density is the share of all runs that do). <b>Mass</b>: the share of all runs inside "
    "the box. Peeling trades coverage for density: the analyst picks the box.</li>"
    "<li><b>Restricted parameters</b> are those whose range the box narrows; the others may "
    "take any value of the sweep's range. A restriction that keeps most of a range, or whose "
    "quasi-p-value is large, adds little and is usually dropped.</li>"
    "<li><b>Quasi-p-value</b> of a limit: the one-sided binomial probability of the box's "
    "density, or more, if that limit were lifted (Bryant &amp; Lempert 2010). Small means the "
    "limit matters. It is not a p-value of a test planned in advance (PRIM chose the limit "
    "from the same runs), and the replicates of a design point share its parameters and, by "
    "the sweep's common random numbers, their draws, so the runs are not independent cases.</li>"
    "<li><b>The ranges are the sweep's assumptions</b>, not evidence: a box says where, in the "
    "space the sweep chose to explore, the model gives the outcome; not how likely that "
    "region is in the world, nor that the model's mechanism is the world's.</li>"
    "<li><b>CART</b> asks the same question as a tree of if-then splits; its leaves are boxes "
    "too. <b>Feature scores</b> (extra-trees importances, summing to 1) rank the parameters by "
    "how much they tell the runs apart, interactions included; they give no direction.</li>"
    "</ul>"
)


def trajectory_figure(discovery: Discovery) -> Figure:
    """PRIM's peeling trajectory: coverage against density of every box, the chosen one ringed."""
    d = discovery
    trajectory = d.trajectory
    figure = Figure(figsize=(9, 6.5), layout="constrained")
    ax = figure.subplots()
    most = int(trajectory["restricted"].max())
    colours = mpl.colormaps["viridis"].resampled(most + 1)
    points = ax.scatter(
        trajectory["coverage"],
        trajectory["density"],
        c=trajectory["restricted"],
        cmap=colours,
        vmin=-0.5,
        vmax=most + 0.5,
        s=45,
        zorder=3,
    )
    figure.colorbar(points, ax=ax, label="restricted parameters", ticks=range(most + 1))
    chosen = trajectory.loc[d.chosen]
    ax.scatter(
        [chosen["coverage"]],
        [chosen["density"]],
        s=380,
        facecolors="none",
        edgecolors=CYCLE[1],
        linewidths=3,
        zorder=4,
        label=f"box {d.chosen} ({d.chosen_by})",
    )
    ax.axhline(d.share, color=NOTE_GREY, linestyle=":", linewidth=2, label="all runs")
    if d.settings.get("box") is None:
        ax.axvline(
            float(d.settings.get("min_coverage", 0.5)),
            color=NOTE_GREY,
            linestyle="--",
            linewidth=2,
            label="minimum coverage",
        )
    ax.set_xlim(0, 1.03)
    ax.set_ylim(0, 1.03)
    ax.set_xlabel("coverage (share of the matching runs in the box)")
    ax.set_ylabel("density (share of the box's runs that match)")
    ax.legend(fontsize=11, loc="lower left")
    ax.set_title(f"PRIM: {d.condition}")
    return figure


def box_figure(discovery: Discovery, i: int | None = None) -> Figure:
    """The limits of box ``i`` (default: the chosen one) on each restricted parameter's range.

    Each parameter's bar is the sweep's range scaled to [0, 1]; the coloured part is what the
    box keeps, solid when a limit's quasi-p-value is below 0.05 and pale when not; the
    quasi-p-values of the low and the high limit are written on the right.
    """
    d = discovery
    i = d.chosen if i is None else i
    table = d.box(i).sort_values("qp", na_position="last")
    stats = d.stats(i)
    rows = max(1, len(table))
    figure = Figure(figsize=(11, 1.6 + 0.75 * rows), layout="constrained")
    ax = figure.subplots()
    for y, (_, row) in enumerate(table.iloc[::-1].iterrows()):
        span = (row["range_high"] - row["range_low"]) or 1.0
        low = (row["low"] - row["range_low"]) / span
        high = (row["high"] - row["range_low"]) / span
        ax.barh(y, 1.0, left=0.0, height=0.5, color="#e6e6e6")
        ax.barh(
            y,
            high - low,
            left=low,
            height=0.5,
            color=CYCLE[0],
            alpha=1.0 if row["significant"] else 0.35,
        )
        ax.text(low, y + 0.3, f"{row['low']:.3g}", ha="center", va="bottom", fontsize=11)
        ax.text(high, y + 0.3, f"{row['high']:.3g}", ha="center", va="bottom", fontsize=11)
        qps = [format_qp(row[f"qp_{side}"]) for side in ("low", "high")]
        ax.text(1.02, y, " | ".join(qps), ha="left", va="center", fontsize=12)
    ax.set_yticks(range(len(table)), [str(p) for p in table.index[::-1]], fontsize=12)
    ax.set_xlim(0, 1.3)
    ax.text(1.02, rows - 0.45, "qp: low | high", ha="left", va="center", fontsize=12)
    ax.set_ylim(-0.6, rows - 0.2)
    ax.set_xticks([0, 0.25, 0.5, 0.75, 1.0])
    ax.set_xlabel("share of the sweep's range (0: its low end, 1: its high end)")
    ax.grid(False)
    if table.empty:
        ax.text(0.5, 0, "no restriction: this box holds every run", ha="center", va="center")
        ax.set_yticks([])
    ax.set_title(
        f"box {i}: coverage {stats['coverage']:.2f}, density {stats['density']:.2f}, "
        f"mass {stats['mass']:.3f}",
        fontsize=15,
    )
    figure.suptitle(f"{d.condition}", fontsize=17)
    return figure


def scores_figure(discovery: Discovery) -> Figure:
    """Feature scores (extra-trees importances) of the parameters, largest at the top."""
    scores = discovery.feature_scores.head(MAX_SCORE_BARS).iloc[::-1]
    figure = Figure(figsize=(10, 1.5 + 0.45 * len(scores)), layout="constrained")
    ax = figure.subplots()
    ax.barh(range(len(scores)), scores["score"], color=CYCLE[2])
    ax.set_yticks(range(len(scores)), list(scores["parameter"]), fontsize=12)
    ax.set_xlabel("importance (extra trees; all parameters sum to 1)")
    shown = len(discovery.feature_scores)
    more = "" if shown <= MAX_SCORE_BARS else f" (the {MAX_SCORE_BARS} of {shown} largest)"
    ax.set_title(f"Feature scores: {discovery.condition}{more}", fontsize=16)
    return figure


def cart_figure(discovery: Discovery) -> Figure:
    """The CART tree: each node's split, runs and runs meeting the condition (``value``)."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from sklearn.tree import plot_tree

    figure = Figure(figsize=(17, 8.5), layout="constrained")
    FigureCanvasAgg(figure)  # plot_tree measures its text with the canvas's renderer
    ax = figure.subplots()
    plot_tree(
        discovery.cart_model,
        ax=ax,
        feature_names=discovery.parameters,
        class_names=["no", "yes"],
        filled=True,
        impurity=False,
        rounded=True,
        precision=3,
        fontsize=11,
    )
    ax.set_title(
        f"CART: {discovery.condition} (value = [runs that do not meet it, runs that do])",
        fontsize=16,
    )
    return figure


def _box_table(discovery: Discovery, i: int | None = None) -> str:
    table = discovery.box(i)
    if table.empty:
        return "<p class='note'>No restriction: the box holds every run.</p>"
    return _table(table.drop(columns=["qp"]))


def discovery_section(discovery: Discovery, images: dict[str, Path]) -> str:
    """The short account of a discovery that the sweep's report shows: box and trajectory."""
    d = discovery
    lines = "".join(f"<li>{html.escape(line)}</li>" for line in d.describe_box())
    simpler = f"<p>The same box {html.escape(d.simpler())}.</p>" if d.simpler() else ""
    return (
        f"<p>{html.escape(d.summary())}</p>"
        + (f"<ul>{lines}</ul>" if lines else "")
        + simpler
        + _img(images["box"], "box limits")
        + _img(images["trajectory"], "PRIM trajectory")
    )


def discovery_page(discovery: Discovery, images: dict[str, Path]) -> list[tuple[str, str]]:
    """The sections of ``discovery.html``."""
    d = discovery
    settings = ", ".join(f"{k} {v}" for k, v in d.settings.items() if v is not None)
    items = {
        "sweep": f"{d.name}: {d.folder}",
        "condition": d.condition,
        "runs meeting it": f"{d.matches:,} of {d.runs:,} ({d.share:.1%})",
        "parameters": ", ".join(d.parameters),
        "chosen box": f"{d.chosen} ({d.chosen_by}) of {len(d.trajectory)} on the trajectory",
        "settings": settings,
        **({"notes": "; ".join(d.notes)} if d.notes else {}),
    }
    described = "".join(
        f"<tr><th>{html.escape(k)}</th><td style='text-align:left'>{html.escape(str(v))}</td></tr>"
        for k, v in items.items()
    )
    trajectory = d.trajectory.head(MAX_TRAJECTORY_ROWS)
    more = len(d.trajectory) - len(trajectory)
    return [
        ("Scenario discovery", f"<table>{described}</table>"),
        (
            f"Chosen box: {d.chosen}",
            f"<p>{html.escape(d.summary())}</p>"
            + _img(images["box"], "box limits")
            + _box_table(d)
            + (f"<p>The same box {html.escape(d.simpler())}.</p>" if d.simpler() else ""),
        ),
        (
            "PRIM peeling trajectory",
            _img(images["trajectory"], "PRIM trajectory")
            + _table(trajectory)
            + (f"<p class='note'>{more} more box(es) in trajectory.csv.</p>" if more > 0 else "")
            + "<p class='note'>The limits of every box are in boxes.csv; pick another with "
            "--box N.</p>",
        ),
        (
            f"CART tree (depth {d.settings.get('cart_depth')})",
            _img(images["cart"], "CART tree")
            + f"<pre>{html.escape(d.cart_rules)}</pre>"
            + _table(d.cart_leaves),
        ),
        (
            "Feature scores",
            _img(images["scores"], "feature scores") + _table(d.feature_scores, index=False),
        ),
        ("Reading the boxes", READING_BOXES),
    ]


def discovery_report(
    discovery: Discovery, out: Path | None = None, *, force: bool = False
) -> tuple[Path, bool]:
    """Write a discovery's folder: its tables, PNGs, ``discovery.html`` and ``section.html``.

    Args:
        discovery: What :func:`sim.experiments.discovery.discover` found.
        out: The folder (default: ``SWEEP/discovery/<slug of the condition>``).
        force: Replace a folder that holds something.

    Returns:
        The folder, and whether the sweep's ``report.html`` now shows the discovery (it does
        when the folder is in ``SWEEP/discovery/`` and the sweep has a report).

    Raises:
        InputError: on ``out`` if it holds something and ``force`` is not given, or if it or
            the sweep's report cannot be written.
    """

    def draw(staging: Path) -> None:
        with mpl.rc_context(STYLE):
            images = {
                "trajectory": save_png(trajectory_figure(discovery), staging / "trajectory.png"),
                "box": save_png(box_figure(discovery), staging / "box.png"),
                "scores": save_png(scores_figure(discovery), staging / "feature_scores.png"),
                "cart": save_png(cart_figure(discovery), staging / "cart.png"),
            }
        title = f"Scenario discovery: {discovery.condition} ({discovery.name})"
        write_html(staging / "discovery.html", title, discovery_page(discovery, images))
        (staging / "section.html").write_text(
            discovery_section(discovery, images), encoding="utf-8"
        )

    folder = write_discovery(discovery, out, force=force, extra=draw)
    shown = False
    if (folder.resolve().parent == (discovery.folder / FOLDER).resolve()) and (
        discovery.folder / "report.html"
    ).is_file():
        shown = add_discoveries(discovery.folder)
    return folder, shown


def add_discoveries(folder: Path) -> bool:
    """Show every discovery stored in ``folder/discovery/`` in the sweep's ``report.html``.

    Replaces the discovery sections the report held before (they are marked), so that running
    it again, or after a discovery is redone or deleted, leaves one section per stored
    discovery, in the order of their folder names. The report is rewritten atomically.

    Returns:
        Whether the report exists (and was updated).

    Raises:
        InputError: if the report cannot be written.
    """
    import json
    import os
    import re

    report = folder / "report.html"
    try:
        page = report.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        return False
    page = re.sub(
        re.escape(DISCOVERY_START) + r".*?" + re.escape(DISCOVERY_END) + r"\n?",
        "",
        page,
        flags=re.DOTALL,
    )
    blocks = []
    for section in sorted((folder / FOLDER).glob("*/section.html")):
        try:
            content = section.read_text(encoding="utf-8")
            about = json.loads((section.parent / "discovery.json").read_text(encoding="utf-8"))
            condition = str(about["condition"])
        except (OSError, ValueError, KeyError, TypeError):
            continue  # not a discovery folder, or a damaged one: leave it out
        link = f"{FOLDER}/{section.parent.name}/discovery.html"
        blocks.append(
            f"{DISCOVERY_START}\n<h2>Scenario discovery: {html.escape(condition)}</h2>\n"
            f"{content}\n<p><a href='{html.escape(link)}'>The full analysis: trajectory, every "
            f"box, CART tree and feature scores</a></p>\n{DISCOVERY_END}\n"
        )
    end = page.rfind("</body>")
    if end < 0:
        return False
    page = page[:end] + "".join(blocks) + page[end:]
    temporary = report.with_name(f".{report.name}.{os.getpid()}.tmp")
    try:
        temporary.write_text(page, encoding="utf-8")
        os.replace(temporary, report)
    except OSError as error:
        temporary.unlink(missing_ok=True)
        raise output_error(report, error, field="report.html") from None
    return True
