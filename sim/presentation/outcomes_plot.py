"""The outcomes figure of a results folder: distributions over replicates.

``outcomes_figure`` draws war length, territory changing hands, the highest escalation reached,
which states got involved, and the arms each supplied.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.ticker import MaxNLocator

from sim.presentation.plot_base import (
    CYCLE,
    ESCALATION_LABELS,
    NOTE_GREY,
    OKABE_ITO,
    Stored,
    contested_theatres,
    note,
    share_of_runs,
)
from sim.schema.columns import GAIN, INTERVENED, column


def outcomes_figure(stored: Stored) -> Figure:
    """Distributions over replicates: war length, gains, peak escalation, state involvement."""
    figure = Figure(figsize=(19, 11), layout="constrained")
    grid = figure.add_gridspec(2, 3)
    panel_war_weeks(figure.add_subplot(grid[0, 0]), stored)
    panel_gains(figure.add_subplot(grid[0, 1]), stored)
    panel_max_escalation(figure.add_subplot(grid[0, 2]), stored)
    panel_involvement(figure.add_subplot(grid[1, :2]), stored)
    panel_arms(figure.add_subplot(grid[1, 2]), stored)
    runs = stored.replicates
    figure.suptitle(f"Scenario {stored.name}: outcomes over {runs} replicate{'s' * (runs != 1)}")
    return figure


def panel_war_weeks(ax: Axes, stored: Stored) -> None:
    """Histogram of weeks at war per replicate, one bar per whole week."""
    ax.set_title("How long the war lasts")
    weeks = stored.summary["war_weeks"].astype(float).dropna()
    top = int(weeks.max()) if len(weeks) else 0
    if top == 0:
        note(ax, "no war in any replicate")
        return
    ax.hist(
        weeks,
        bins=np.arange(-0.5, top + 1.5).tolist(),
        color=OKABE_ITO["vermillion"],
        edgecolor="white",
        linewidth=1.5,
    )
    # Whole weeks only; a stride keeps long runs from crowding the axis.
    ax.set_xticks(range(0, top + 1, max(1, math.ceil((top + 1) / 12))))
    ax.set_xlim(-0.6, top + 0.6)
    ax.set_xlabel("weeks at war")
    ax.set_ylabel("replicates")
    ax.yaxis.set_major_locator(MaxNLocator(integer=True))


def panel_gains(ax: Axes, stored: Stored) -> None:
    """Histogram of the change in the owner's share of each contested theatre."""
    ax.set_title("Territory changing hands")
    theatres = [t for t in contested_theatres(stored) if column(GAIN, t) in stored.summary]
    gains = [stored.summary[column(GAIN, t)].astype(float).dropna() for t in theatres]
    if not theatres or not any(len(g) for g in gains):
        note(ax, "no theatre contested")
        return
    # Bins 0.1 wide centred on round shares, so "no change" gets a bar of its own at 0.
    values = pd.concat(gains)
    low, high = math.floor(min(values.min(), -0.2) * 10), math.ceil(max(values.max(), 0.2) * 10)
    bins = ((np.arange(low, high + 2) - 0.5) / 10).tolist()
    ax.hist(
        gains,
        bins=bins,
        label=theatres,
        color=CYCLE[: len(theatres)],
        edgecolor="white",
        linewidth=1.5,
    )
    ax.axvline(0, color=NOTE_GREY, linewidth=1.5, zorder=0)  # behind the bars: marks no change
    ax.set_xlabel("gain in owner's share of theatre")
    ax.set_ylabel("replicates")
    ax.yaxis.set_major_locator(MaxNLocator(integer=True))
    ax.legend(title="theatre", loc="best")


def panel_max_escalation(ax: Axes, stored: Stored) -> None:
    """Share of replicates by the highest escalation level reached, with counts on the bars."""
    peak = stored.summary["max_escalation"].astype(int)
    counts = peak.value_counts().reindex(range(4), fill_value=0)
    colours = [OKABE_ITO[c] for c in ("green", "orange", "vermillion", "black")]
    bars = ax.bar(range(4), (counts / max(len(peak), 1)).to_numpy(), color=colours)
    ax.bar_label(bars, labels=[str(c) for c in counts], padding=3, fontsize=15)
    ax.set_xticks(range(4), ESCALATION_LABELS)
    ax.set_ylim(0, 1.12)
    ax.set_ylabel("share of replicates")
    ax.set_title("Highest escalation reached")


def panel_involvement(ax: Axes, stored: Stored) -> None:
    """Per state, share of replicates in which it fought as third party, showed force, mediated."""
    states = stored.states
    intervened = {
        s: stored.summary[column(INTERVENED, s)].astype(float).mean()
        if column(INTERVENED, s) in stored.summary
        else 0.0
        for s in states
    }
    series = {
        "fought as third party": pd.Series(intervened).reindex(states),
        "showed force": share_of_runs(stored, "showing_force"),
        "mediated": share_of_runs(stored, "mediating"),
    }
    width = 0.8 / len(series)
    positions = np.arange(len(states))
    for i, (label, values) in enumerate(series.items()):
        offset = (i - (len(series) - 1) / 2) * width
        ax.bar(positions + offset, values.fillna(0).to_numpy(), width, label=label, color=CYCLE[i])
    ax.set_xticks(positions, states)
    ax.set_ylim(0, 1.3)  # headroom above 1 keeps the legend clear of the bars
    ax.set_yticks(np.linspace(0, 1, 6))
    ax.set_ylabel("share of replicates")
    ax.set_title("Who got involved")
    ax.legend(loc="upper center", ncol=3, framealpha=0.9)
    if not any(values.fillna(0).any() for values in series.values()):
        ax.text(
            0.5,
            0.45,
            "no state fought as third party, showed force or mediated",
            transform=ax.transAxes,
            ha="center",
            fontsize=18,
            color=NOTE_GREY,
        )


def panel_arms(ax: Axes, stored: Stored) -> None:
    """Mean weekly arms deliveries per state: median over replicates with a 10-90% bar."""
    states = stored.states
    # Week 0 is recorded before any delivery, so it would only drag the mean down.
    steps = stored.steps[stored.steps["step"] > 0]
    steps = stored.steps if steps.empty else steps
    arms = {column("arms_out_usd_m", s): s for s in states}
    columns = {name: s for name, s in arms.items() if name in steps}
    per_run = steps.groupby("replicate")[list(columns)].mean().rename(columns=columns)
    per_run = per_run.reindex(columns=states, fill_value=0.0)
    median = per_run.median()
    spread = [
        (median - per_run.quantile(0.1)).to_numpy(),
        (per_run.quantile(0.9) - median).to_numpy(),
    ]
    positions = np.arange(len(states))
    ax.barh(
        positions,
        median.to_numpy(),
        color=OKABE_ITO["orange"],
        xerr=spread,
        error_kw={"elinewidth": 2, "capsize": 5},
    )
    ax.set_yticks(positions, states)
    ax.invert_yaxis()  # alphabetical from the top, as in the other panels' reading order
    ax.set_xlabel("US$ m per week (median, 10–90%)")
    ax.set_title("Arms supplied")
    ax.grid(axis="y", visible=False)
