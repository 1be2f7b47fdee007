"""The week-by-week figure of a results folder: median and 10-90% band over replicates.

``timeseries_figure`` draws six panels: escalation, control of the contested theatres,
alliance reliability, structural balance, and how many states fight, intervene, show force or
mediate. The classroom app reuses single panels for its live figure.

``structure_figure`` follows the signed network as it moves: frustration, the share of balanced
triangles, the triangles of each sign pattern, and the ties begun and ended each year.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import pandas as pd
from matplotlib.artist import Artist
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Patch
from matplotlib.ticker import MaxNLocator

from sim.presentation.plot_base import (
    CYCLE,
    ESCALATION_LABELS,
    NOTE_GREY,
    OKABE_ITO,
    REVISIONS,
    WEEKS_PER_YEAR,
    Stored,
    TimeAxis,
    contested_theatres,
    last_week,
    network_moves,
    note,
    time_axis,
)
from sim.schema.columns import CONTROL, TRIANGLE_COLUMNS, column

if TYPE_CHECKING:
    from matplotlib.typing import LineStyleType


def band(steps: pd.DataFrame, values: pd.Series | str) -> pd.DataFrame:
    """10th, 50th and 90th percentile over replicates of a weekly value, one row per week.

    Args:
        steps: ``steps.csv`` (needs its ``step`` column).
        values: A column name of ``steps`` or a series aligned with it.

    Returns:
        Columns ``low``, ``median``, ``high`` indexed by week; weeks without values stay NaN.
    """
    series = steps[values] if isinstance(values, str) else values
    quantiles = series.groupby(steps["step"]).quantile([0.1, 0.5, 0.9]).unstack()
    quantiles.columns = ["low", "median", "high"]
    return quantiles


def draw_band(ax: Axes, table: pd.DataFrame, colour: str) -> tuple[Artist, Artist]:
    """Draw a median line over a 10-90% band; return both artists as one legend handle."""
    weeks = table.index.to_numpy()
    patch = ax.fill_between(weeks, table["low"], table["high"], color=colour, alpha=0.25, lw=0)
    (line,) = ax.plot(weeks, table["median"], color=colour)
    return (patch, line)


def band_key(figure: Figure, replicates: int) -> None:
    """One legend for the whole figure: what the line and the band are, over how many runs."""
    runs = f"{replicates} replicate{'s' * (replicates != 1)}"
    handles = [
        Line2D([], [], color=NOTE_GREY, linewidth=3),
        Patch(facecolor=NOTE_GREY, alpha=0.3, linewidth=0),
    ]
    labels = [f"line: median of {runs}", "shaded: 10–90% of replicates"]
    figure.legend(handles, labels, loc="outside lower center", ncol=2, fontsize=16, frameon=False)


def timeseries_figure(stored: Stored) -> Figure:
    """Six weekly panels: escalation, control, reliability, balance, fighting, diplomacy."""
    figure = Figure(figsize=(19, 11), layout="constrained")
    axes = figure.subplots(2, 3, sharex=True).ravel()
    panel_escalation(axes[0], stored)
    panel_control(axes[1], stored)
    panel_reliability(axes[2], stored)
    panel_balance(axes[3], stored)
    fighting = {"fighting": "fighting", "intervening": "intervening"}
    panel_counts(axes[4], stored, fighting, "States fighting or intervening")
    diplomacy = {"showing force": "showing_force", "mediating": "mediating"}
    panel_counts(axes[5], stored, diplomacy, "States showing force or mediating")
    for ax in axes[3:]:
        ax.set_xlabel("week")
    axes[0].xaxis.set_major_locator(MaxNLocator(integer=True))
    figure.suptitle(f"Scenario {stored.name}: week by week")
    band_key(figure, stored.replicates)
    return figure


def panel_escalation(ax: Axes, stored: Stored) -> None:
    """Escalation level, labelled in words rather than codes."""
    draw_band(ax, band(stored.steps, "escalation"), OKABE_ITO["vermillion"])
    ax.set_yticks(range(4), ESCALATION_LABELS)
    ax.set_ylim(-0.2, 3.3)
    ax.set_title("Escalation")


def panel_control(ax: Axes, stored: Stored) -> None:
    """Owner's share of each contested theatre."""
    ax.set_title("Control of contested theatres")
    theatres = contested_theatres(stored)
    if not theatres:
        note(ax, "no theatre contested")
        return
    handles = [
        draw_band(ax, band(stored.steps, column(CONTROL, t)), CYCLE[i % len(CYCLE)])
        for i, t in enumerate(theatres)
    ]
    ax.set_ylim(-0.03, 1.05)
    ax.set_ylabel("owner's share of theatre")
    ax.legend(handles, theatres, title="theatre", loc="best", framealpha=0.9)


def panel_reliability(ax: Axes, stored: Stored) -> None:
    """Share of invoked alliance pledges honoured so far (undefined until one is invoked)."""
    ax.set_title("Alliance reliability")
    if stored.steps.get("reliability", pd.Series(dtype=float)).isna().all():
        note(ax, "no pledge invoked\nin any replicate")
        return
    draw_band(ax, band(stored.steps, "reliability"), OKABE_ITO["blue"])
    ax.set_ylim(-0.03, 1.05)
    ax.set_ylabel("pledges honoured / invoked")


def panel_balance(ax: Axes, stored: Stored) -> None:
    """Balanced-triangle share (left axis) and frustration index (right axis).

    The axis labels are coloured like their lines, which says more than a legend would.
    """
    blue, red = OKABE_ITO["blue"], OKABE_ITO["vermillion"]
    draw_band(ax, band(stored.steps, "balanced_triangles"), blue)
    ax.set_ylim(-0.03, 1.05)
    ax.set_ylabel("share of triangles balanced", color=blue)
    ax.tick_params(axis="y", colors=blue)
    twin = ax.twinx()
    draw_band(twin, band(stored.steps, "frustration"), red)
    # Headroom, so a small frustration count does not sit on top of the triangle share.
    twin.set_ylim(-0.1, max(2.0, float(stored.steps["frustration"].max()) * 1.3))
    twin.set_ylabel("frustration (ties to flip)", color=red)
    twin.tick_params(axis="y", colors=red)
    twin.yaxis.set_major_locator(MaxNLocator(integer=True))
    twin.grid(False)
    twin.spines["right"].set_visible(True)
    ax.set_title("Structural balance")


def panel_counts(ax: Axes, stored: Stored, metrics: dict[str, str], title: str) -> None:
    """Number of states with each weekly flag set, e.g. fighting or mediating.

    Args:
        ax: The panel.
        stored: The results tables.
        metrics: Legend label -> weekly per-state 0/1 metric (``"fighting"``, ``"mediating"``).
        title: The panel's title.
    """
    handles, top = [], 1
    for i, metric in enumerate(metrics.values()):
        columns = [column(metric, s) for s in stored.states if column(metric, s) in stored.steps]
        table = band(stored.steps, stored.steps[columns].sum(axis=1))
        handles.append(draw_band(ax, table, CYCLE[i]))
        top = max(top, int(table["high"].max()))
    ax.set_ylim(-0.1, top * 1.45 + 0.2)  # headroom above the bands for the legend
    ax.yaxis.set_major_locator(MaxNLocator(integer=True))
    ax.set_ylabel("number of states")
    ax.set_title(title)
    ax.legend(handles, list(metrics), loc="upper right", ncol=2, framealpha=0.9)


# --- the structure of the signed network over a long run ------------------------------------

#: Each triangle column: legend text, colour, line style (solid balanced, dashed unbalanced).
TRIANGLE_STYLE: dict[str, tuple[str, str, LineStyleType]] = {
    "triangles_ppp": ("+ + +  balanced", OKABE_ITO["blue"], "-"),
    "triangles_pnn": ("+ − −  balanced", OKABE_ITO["sky"], "-"),
    "triangles_ppn": ("+ + −  unbalanced", OKABE_ITO["vermillion"], "--"),
    "triangles_nnn": ("− − −  unbalanced", OKABE_ITO["orange"], "--"),
}


def structure_figure(stored: Stored) -> Figure | None:
    """Frustration, balanced share, triangles by pattern and ties begun or ended per year.

    Drawn when :func:`~sim.presentation.plot_base.network_moves` (some tie changed, or the run
    spans a year); the time axis is in calendar years for a run of a year or more.

    Returns:
        The figure, or None for a short run in which no tie changed and for a folder without
        ``tie_changes.csv``.
    """
    if not network_moves(stored):
        return None
    axis = time_axis(stored)
    figure = Figure(figsize=(19, 11), layout="constrained")
    axes = figure.subplots(2, 2, sharex=True).ravel()
    red, blue = OKABE_ITO["vermillion"], OKABE_ITO["blue"]
    draw_band(axes[0], on_axis(band(stored.steps, "frustration"), axis), red)
    axes[0].set_ylim(-0.1, max(2.0, float(stored.steps["frustration"].max()) * 1.15))
    axes[0].yaxis.set_major_locator(MaxNLocator(integer=True))
    axes[0].set_ylabel("ties to flip")
    axes[0].set_title("Frustration: ties against the best two-camp split")
    draw_band(axes[1], on_axis(band(stored.steps, "balanced_triangles"), axis), blue)
    axes[1].set_ylim(-0.03, 1.05)
    axes[1].set_ylabel("share of triangles")
    axes[1].set_title("Share of triangles balanced")
    panel_triangles(axes[2], stored, axis)
    panel_turnover(axes[3], stored, axis)
    for ax in axes[2:]:
        ax.set_xlabel(axis.label)
    end = last_week(stored)
    axes[0].set_xlim(axis.x(0), axis.x(end))
    axes[0].xaxis.set_major_locator(MaxNLocator(integer=True))
    figure.suptitle(f"Scenario {stored.name}: the signed network, {axis.label} by {axis.label}")
    band_key(figure, stored.replicates)
    return figure


def on_axis(table: pd.DataFrame, axis: TimeAxis) -> pd.DataFrame:
    """A weekly table re-indexed by position on the time axis (weeks or years)."""
    return table.set_axis(axis.x(table.index.to_numpy()), axis="index")


def panel_triangles(ax: Axes, stored: Stored, axis: TimeAxis) -> None:
    """Number of triangles of each sign pattern (a note for folders without the counts)."""
    ax.set_title("Triangles by sign pattern")
    if not set(TRIANGLE_COLUMNS) <= set(stored.steps.columns):
        note(ax, "triangle counts not stored\n(folder written before they were)")
        return
    handles, labels, top = [], [], 1.0
    for name, (label, colour, style) in TRIANGLE_STYLE.items():
        table = on_axis(band(stored.steps, name), axis)
        patch, line = draw_band(ax, table, colour)
        if isinstance(line, Line2D):
            line.set_linestyle(style)
        handles.append((patch, line))
        labels.append(label)
        top = max(top, float(table["high"].max()))
    ax.set_ylim(-0.2, top * 1.4 + 0.5)  # headroom for the legend
    ax.yaxis.set_major_locator(MaxNLocator(integer=True))
    ax.set_ylabel("number of triangles")
    ax.legend(handles, labels, loc="upper center", ncol=2, framealpha=0.9, handlelength=3)


def panel_turnover(ax: Axes, stored: Stored, axis: TimeAxis) -> None:
    """Ties begun (up) and ended (down) per year or week, per replicate on average.

    The states' own choices (``rule:...`` in ``tie_changes.csv``) are coloured, changes by the
    ties' dates or by events grey; renewals and revisions begin and end nothing and are not
    counted.
    """
    yearly = axis.start_year is not None
    ax.set_title(f"Ties begun (up) and ended (down) per {axis.label}")
    changes = stored.tie_changes
    if changes is None or changes.empty:
        note(ax, "no tie changed\nin any replicate")
        return
    changes = changes[~changes["reason"].isin(REVISIONS)]
    width = WEEKS_PER_YEAR if yearly else 1
    period = changes["step"].astype(int) // width
    began = changes["status"] == "active"
    chosen = changes["reason"].str.startswith("rule:").fillna(False)
    runs = stored.replicates
    bins = period.drop_duplicates().sort_values().to_numpy()
    left = axis.x(bins * width)
    bar = 0.8 * (axis.x(width) - axis.x(0))
    grey = OKABE_ITO["grey"]
    for sign, mask, colour in (
        (1, began, OKABE_ITO["blue"]),
        (-1, ~began, OKABE_ITO["vermillion"]),
    ):
        by_states = (period[mask & chosen].value_counts() / runs).reindex(bins, fill_value=0)
        other = (period[mask & ~chosen].value_counts() / runs).reindex(bins, fill_value=0)
        ax.bar(left, sign * by_states.to_numpy(), width=bar, align="edge", color=colour, zorder=3)
        ax.bar(
            left,
            sign * other.to_numpy(),
            bottom=sign * by_states.to_numpy(),
            width=bar,
            align="edge",
            color=grey,
            zorder=3,
        )
    ax.axhline(0, color="black", linewidth=1.2, zorder=4)
    ax.set_ylabel("ties per replicate (mean)")
    shown = [
        (bool((began & chosen).any()), OKABE_ITO["blue"], "begun by the states' choice"),
        (bool((~began & chosen).any()), OKABE_ITO["vermillion"], "ended by the states' choice"),
        (bool((~chosen).any()), grey, "begun or ended by dates or events"),
    ]
    handles = [Patch(facecolor=colour, label=text) for present, colour, text in shown if present]
    bottom, top = (float(v) for v in ax.get_ylim())
    ax.set_ylim(min(bottom, -1.0), max(top, 1.0) * 2.0)  # headroom for the legend
    ax.legend(handles=handles, loc="upper center", framealpha=0.9)
