"""The week-by-week figure of a results folder: median and 10-90% band over replicates.

``timeseries_figure`` draws six panels: escalation, control of the contested theatres,
alliance reliability, structural balance, and how many states fight, intervene, show force or
mediate. The classroom app reuses single panels for its live figure.
"""

from __future__ import annotations

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
    Stored,
    contested_theatres,
    note,
)
from sim.schema.columns import CONTROL, column


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
