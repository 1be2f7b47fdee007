"""The sweep report's section on the signed network: its balance over the weeks, its changes.

Drawn from the stored tables only (``steps/`` and ``ties/``, :mod:`sim.experiments.analysis`),
and only where the network is an outcome of the sweep: a balance measure differs between weeks
or runs, or the states changed some tie by their own choices. A sweep whose network moves only
by the scenario's scripted events and leaves the balance as it was gets no section: the report
would show flat lines.
"""

from __future__ import annotations

import pandas as pd
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.ticker import MaxNLocator

from sim.experiments.analysis import (
    STRUCTURE,
    SweepData,
    changes_per_run,
    tie_changes,
    weekly_structure,
)
from sim.presentation.plot_base import OKABE_ITO, REASON_GROUPS, note, reason_group
from sim.presentation.timeseries_plot import band, draw_band

#: Above this many design points, the changes are shown per run, not per point.
MAX_POINT_BARS = 30
GROUP_COLOURS = dict(
    zip(
        REASON_GROUPS,
        (OKABE_ITO["blue"], OKABE_ITO["orange"], OKABE_ITO["green"], OKABE_ITO["vermillion"]),
        strict=True,
    )
)


def network_structure(data: SweepData) -> tuple[Figure, pd.DataFrame] | None:
    """The figure and the per-point table of the section, or None when the network never moves.

    Args:
        data: A stored sweep.

    Returns:
        The figure (frustration and balanced share by week over every run, tie changes per run
        by why they changed) and the mean tie changes per run of each point by reason; None
        when the balance measures are constant and no state changed a tie by its choice.
    """
    weekly = weekly_structure(data)
    changes = tie_changes(data)
    chosen = changes is not None and bool(changes["reason"].str.startswith("rule:").any())
    varies = any(weekly[name].nunique() > 1 for name in STRUCTURE)
    if not (chosen or varies):
        return None
    per_point = (
        changes_per_run(data, changes)
        if changes is not None
        else pd.DataFrame(index=data.runs["point"].unique())
    )
    figure = Figure(figsize=(19, 5.5), layout="constrained")
    axes = figure.subplots(1, 3)
    draw_band(axes[0], band(weekly, "frustration"), OKABE_ITO["vermillion"])
    axes[0].yaxis.set_major_locator(MaxNLocator(integer=True))
    axes[0].set_title("Frustration (ties to flip)")
    draw_band(axes[1], band(weekly, "balanced_triangles"), OKABE_ITO["blue"])
    axes[1].set_ylim(-0.03, 1.05)
    axes[1].set_title("Share of triangles balanced")
    for ax in axes[:2]:
        ax.set_xlabel("week")
    runs = data.runs["run"].nunique()
    figure.suptitle(
        f"Sweep {data.name}: the signed network over {runs:,} runs "
        "(line: median; band: 10th-90th percentile)"
    )
    _panel_changes(axes[2], per_point, changes is not None)
    return figure, per_point


def _panel_changes(ax: Axes, per_point: pd.DataFrame, stored: bool) -> None:
    """Mean tie changes per run by group of reason, one stacked bar per design point."""
    ax.set_title("Tie changes per run, by why")
    if not stored:
        note(ax, "not stored by this sweep")
        return
    if per_point.empty or not per_point.to_numpy().any():
        note(ax, "no tie changed")
        return
    groups = per_point.T.groupby(lambda reason: reason_group(str(reason))).sum().T
    if len(groups) > MAX_POINT_BARS:
        totals = groups.sum(axis=1)
        ax.hist(totals, bins=min(30, max(5, totals.nunique())), color=OKABE_ITO["blue"])
        ax.set_xlabel("mean tie changes per run of a design point")
        ax.set_ylabel("design points")
        return
    bottom = pd.Series(0.0, index=groups.index)
    for group in REASON_GROUPS:
        if group in groups:
            ax.bar(
                groups.index,
                groups[group],
                bottom=bottom,
                color=GROUP_COLOURS[group],
                label=group,
            )
            bottom = bottom + groups[group]  # a new series: the bars keep the old one
    ax.set_xlabel("design point")
    ax.set_xticks(groups.index)
    ax.set_ylabel("changes per run (mean)")
    ax.set_ylim(0, float(bottom.max()) * 1.35)  # headroom for the legend
    ax.legend(title="changed by", fontsize="small")
