"""Sweep reports: figures of a sweep's outcomes and one self-contained HTML page.

Draws what :mod:`sim.experiments.analysis` computes from a sweep folder and writes PNGs plus
one HTML report, the images embedded as base64, that can be sent as a single file:

* ``sweep_report(folder)``: outcome distributions per design point, a heatmap per outcome for
  a two-parameter grid, the signed network's balance and tie changes where the network moves
  (:mod:`sim.presentation.sweep_structure`), and the sensitivity indices with their
  confidence intervals of Sobol' and Morris designs; written into ``folder/report/`` and
  ``folder/report.html``.
* ``compare_report(folders, out)``: the outcomes of several sweeps side by side.
* the sections of scenario discoveries (:mod:`sim.presentation.discovery_report`), kept when
  the report is written again.

Figures follow :mod:`sim.presentation.plots`: the object API, Okabe-Ito colours, large fonts.
"""

from __future__ import annotations

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
from sim.experiments.results import output_error
from sim.presentation.discovery_report import add_discoveries
from sim.presentation.html_page import html_table, img, write_html
from sim.presentation.plot_base import CYCLE, STYLE, save_png
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
        sections.append(("Outcome distributions", img(path, "outcome distributions")))
        if (figure := heatmap_figure(data, outcomes)) is not None:
            path = save_png(figure, figures_dir / "heatmaps.png")
            written.append(path)
            sections.append(("Heatmaps", img(path, "heatmaps over the grid")))
        if (structure := network_structure(data)) is not None:
            figure, per_point = structure
            path = save_png(figure, figures_dir / "structure.png")
            written.append(path)
            table = data.design.table().join(per_point, how="inner").head(MAX_TABLE_ROWS)
            changes = (
                "<p>Mean tie changes per run of each design point, by reason:</p>"
                + html_table(table)
                if per_point.columns.size
                else "<p class='note'>This sweep stored no tie changes (begun by an earlier "
                "version).</p>"
            )
            image = img(path, "balance of the signed network and tie changes")
            sections.append(("The signed network", image + changes))
        if (figure := sensitivity_figure(data.name, indices)) is not None:
            path = save_png(figure, figures_dir / "sensitivity.png")
            written.append(path)
            sections.append(("Sensitivity", img(path, "sensitivity indices")))
    if not indices.empty or notes:
        note = "".join(f"<p class='note'>{html.escape(n)}</p>" for n in notes)
        table = "" if indices.empty else html_table(indices, index=False)
        sections.append(("Sensitivity indices (95% confidence)", table + note))
    means = point_means(data, outcomes)
    more = len(means) - MAX_TABLE_ROWS
    sections.append(
        (
            "Mean outcome per design point",
            html_table(means.head(MAX_TABLE_ROWS))
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
        ("Outcomes side by side", img(path, "outcomes side by side")),
        ("Means with 95% confidence intervals", html_table(table)),
    ]
    report = write_html(out / "report.html", "Comparison: " + " vs ".join(names), sections)
    return [path, report]
