"""The alliance timeline: when each pair of states was allied or rivals, and why that changed.

``alliance_periods`` rebuilds, for one replicate, the periods in force of each pair's
alliances, rivalries and arms ties from the ties in force at week 0 (``network.csv``, step 0)
and the change log (``tie_changes.csv``); ``alliance_figure`` draws them as one row of bars per
pair, with a mark where a period began or ended saying why: the states' own choice, the tie's
dates, a scripted event, a war.
"""

from __future__ import annotations

from collections import defaultdict

import pandas as pd
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Patch
from matplotlib.ticker import MaxNLocator

from sim.presentation.network_plot import TIE_STYLE
from sim.presentation.plot_base import (
    NOTE_GREY,
    OKABE_ITO,
    REVISIONS,
    WEEKS_PER_YEAR,
    Stored,
    TimeAxis,
    last_week,
    network_moves,
    pair_label,
    reason_group,
    time_axis,
)
from sim.schema.columns import TIE_CHANGE_COLUMNS

#: Tie kinds of the timeline, in lane order within a pair's row (top to bottom).
TIMELINE_KINDS = ("alliance", "rivalry", "arms")
#: Columns of :func:`alliance_periods`.
PERIOD_COLUMNS = ("pair", "kind", "start", "end", "began_by", "ended_by", "ties")
#: Most pairs drawn; beyond it, the pairs whose ties changed least are left out (and counted).
MAX_PAIRS = 30
RENEWED = "rule:renewed"
#: Width of the time axis in inches, roughly (the figure less the pair names).
BAR_INCHES = 15.0
#: Tallest figure, in inches.
MAX_HEIGHT = 14.0
#: Mark of each reason group (plot_base.REASON_GROUPS): marker, fill, legend text.
MARKS = {
    "states": ("o", OKABE_ITO["green"], "the states' choice (formed, left, normalised, balanced)"),
    "dates": ("D", "white", "the tie's dates (signed, expired)"),
    "event": ("^", OKABE_ITO["yellow"], "a scripted event or a sanction"),
    "war": ("X", OKABE_ITO["vermillion"], "war between the two, or an actor dissolved after one"),
}
KIND_COLOURS = {kind: TIE_STYLE[kind][0] for kind in TIMELINE_KINDS}


def first_replicate(stored: Stored) -> int:
    """The replicate the single-run figures show: the lowest numbered."""
    return int(stored.steps["replicate"].min())


def replicate_changes(stored: Stored, replicate: int) -> pd.DataFrame:
    """The change log of one replicate in the order the changes happened (empty if none)."""
    changes = stored.tie_changes
    if changes is None or changes.empty:
        return pd.DataFrame(columns=["replicate", *TIE_CHANGE_COLUMNS])
    rows = changes[changes["replicate"] == replicate]
    # Stable: changes of one week keep the order they were logged in.
    return rows.sort_values("step", kind="stable")


def ties_at_start(stored: Stored, replicate: int) -> pd.DataFrame:
    """The ties in force at week 0 of a replicate: ``tie, kind, source, target``.

    Read from ``network.csv`` at step 0. A folder whose plotted weeks leave out week 0 is
    rebuilt from the log instead: a tie was in force at the start if its first change ends it
    (or revises it: :data:`~.plot_base.REVISIONS`), or if it never changed and is in force at
    some stored week.
    """
    columns = ["tie", "kind", "source", "target"]
    network = stored.network
    if network is None or network.empty:
        network = pd.DataFrame(columns=["replicate", "step", *columns])
    network = network[(network["replicate"] == replicate) & (network["kind"] != "war")]
    at_zero = network[network["step"] == 0]
    if len(at_zero) or not len(network):
        return at_zero.drop_duplicates("tie")[columns].reset_index(drop=True)
    changes = replicate_changes(stored, replicate)
    first = changes.drop_duplicates("tie")
    ended_first = first[(first["status"] != "active") | first["reason"].isin(REVISIONS)]
    steady = network[~network["tie"].isin(changes["tie"])].drop_duplicates("tie")
    return pd.concat([ended_first[columns], steady[columns]], ignore_index=True)


def alliance_periods(
    stored: Stored, replicate: int, kinds: tuple[str, ...] = TIMELINE_KINDS
) -> pd.DataFrame:
    """Periods in force of each pair's ties of each kind, rebuilt from the stored tables.

    A pair is allied (or rivals, or trading arms) while any tie of that kind between the two is
    in force, in either direction: a treaty replaced by another the same week, or a renewal,
    does not break the period.

    Args:
        stored: The results tables (``network.csv`` and ``tie_changes.csv``).
        replicate: The replicate to rebuild.
        kinds: The tie kinds to follow.

    Returns:
        One row per period (:data:`PERIOD_COLUMNS`), sorted by pair, kind and start: ``pair``
        ("A – B", sorted), ``kind``, ``start`` and ``end`` (weeks: in force from the start of
        week ``start`` to the start of week ``end``; a period still in force ends at the run's
        last step), ``began_by`` and ``ended_by`` (the reasons of the log that began or ended
        it, joined by ", "; None if in force at week 0 or at the end), ``ties`` (the ids of its
        ties, sorted, joined by ", ").
    """
    start = ties_at_start(stored, replicate)
    changes = replicate_changes(stored, replicate)
    changes = changes[changes["kind"].isin(kinds)]
    active: dict[tuple[str, str], set[str]] = defaultdict(set)
    members: dict[tuple[str, str], list[str]] = defaultdict(list)
    opened: dict[tuple[str, str], tuple[int, str | None]] = {}
    rows: list[dict[str, object]] = []

    def key(row: pd.Series) -> tuple[str, str]:
        return (pair_label(str(row["source"]), str(row["target"])), str(row["kind"]))

    def close(at: tuple[str, str], week: int, why: str | None) -> None:
        began, began_by = opened.pop(at)
        rows.append(
            {
                "pair": at[0],
                "kind": at[1],
                "start": began,
                "end": week,
                "began_by": began_by,
                "ended_by": why,
                "ties": ", ".join(sorted(members.pop(at))),
            }
        )

    for _, row in start[start["kind"].isin(kinds)].iterrows():
        at = key(row)
        active[at].add(str(row["tie"]))
        members[at].append(str(row["tie"]))
        opened[at] = (0, None)
    for week, group in changes.groupby("step", sort=True):
        before = {at for at, ties in active.items() if ties}
        reasons: dict[tuple[str, str], list[str]] = defaultdict(list)
        for _, row in group.iterrows():
            at, tie = key(row), str(row["tie"])
            if row["status"] == "active" and tie not in active[at]:
                active[at].add(tie)
            elif row["status"] != "active" and tie in active[at]:
                active[at].discard(tie)
            else:
                continue  # a renewal, or a change to a tie not in force: no boundary
            reasons[at].append(str(row["reason"]))
            if tie not in members[at]:
                members[at].append(tie)
        for at, why in reasons.items():
            text = ", ".join(dict.fromkeys(why))
            if at in before and not active[at]:
                close(at, int(week), text)
            elif at not in before and active[at]:
                opened[at] = (int(week), text)
                members[at] = [t for t in members[at] if t in active[at]]
    end = last_week(stored)
    for at in list(opened):
        close(at, end, None)
    table = pd.DataFrame(rows, columns=list(PERIOD_COLUMNS))
    return table.sort_values(["pair", "kind", "start"], ignore_index=True)


def renewals(
    stored: Stored, replicate: int, kinds: tuple[str, ...] = TIMELINE_KINDS
) -> pd.DataFrame:
    """Renewals in a replicate's log (``rule:renewed``): ``pair, kind, step``."""
    changes = replicate_changes(stored, replicate)
    rows = changes[(changes["reason"] == RENEWED) & changes["kind"].isin(kinds)]
    pairs = [
        pair_label(str(a), str(b)) for a, b in zip(rows["source"], rows["target"], strict=True)
    ]
    return pd.DataFrame({"pair": pairs, "kind": rows["kind"].to_numpy(), "step": rows["step"]})


def shown_pairs(periods: pd.DataFrame, renewed: pd.DataFrame) -> tuple[list[str], str]:
    """The pairs to draw, sorted by name, and a note saying which are left out ("" if none).

    At most :data:`MAX_PAIRS`: beyond it, the pairs with most changes (periods begun or ended
    during the run, renewals) are kept, then the others by name.
    """
    pairs = sorted(periods["pair"].unique())
    if len(pairs) <= MAX_PAIRS:
        return pairs, ""
    boundaries = periods["began_by"].notna().astype(int) + periods["ended_by"].notna().astype(int)
    score = boundaries.groupby(periods["pair"]).sum()
    score = score.add(renewed.groupby("pair").size(), fill_value=0)
    keep = sorted(pairs, key=lambda p: (-float(score.get(p, 0)), p))[:MAX_PAIRS]
    changed = int((score > 0).sum())
    hidden = len(pairs) - MAX_PAIRS
    if changed >= MAX_PAIRS:
        text = f"the {MAX_PAIRS} of {len(pairs)} pairs whose ties changed most"
    else:
        text = f"the {changed} pairs whose ties changed, and {MAX_PAIRS - changed} others"
    unchanged = " whose ties never changed" if changed < MAX_PAIRS else ""
    return sorted(keep), f"{text}; {hidden} more pair{'s' * (hidden != 1)}{unchanged} not shown"


def alliance_figure(stored: Stored) -> Figure | None:
    """One row per pair with bars for its alliances, rivalries and arms ties in force.

    Drawn for the first replicate when the folder has ``network.csv`` and ``tie_changes.csv``,
    some pair had a tie of these kinds, and the run spans a year or one of these ties changed
    in that replicate (a short run whose only change is, say, a sanction on a transit tie
    has no timeline to show).

    Returns:
        The figure, or None when there is nothing to draw.
    """
    if stored.network is None or stored.network.empty or not network_moves(stored):
        return None
    replicate = first_replicate(stored)
    changes = replicate_changes(stored, replicate)
    if last_week(stored) < WEEKS_PER_YEAR and not changes["kind"].isin(TIMELINE_KINDS).any():
        return None
    periods = alliance_periods(stored, replicate)
    if periods.empty:
        return None
    renewed = renewals(stored, replicate)
    pairs, left_out = shown_pairs(periods, renewed)
    kinds = [k for k in TIMELINE_KINDS if k in set(periods["kind"])]
    axis = time_axis(stored)
    # Lanes tall enough for a line of small type, within a figure a projector can show whole.
    tall = min(MAX_HEIGHT, max(7.5, 3.2 + 0.28 * max(2, len(kinds)) * len(pairs)))
    lane_inches = (tall - 3.2) / len(pairs) * 0.8 / len(kinds)
    figure = Figure(figsize=(19, tall), layout="constrained")
    ax = figure.add_subplot()
    row_of = {pair: i for i, pair in enumerate(pairs)}
    height = 0.8 / len(kinds)
    lane = {kind: -0.4 + height * (i + 0.5) for i, kind in enumerate(kinds)}
    shown = periods[periods["pair"].isin(row_of)]
    end = last_week(stored)
    span = float(axis.x(end) - axis.x(0)) or 1.0
    for _, period in shown.iterrows():
        y = row_of[period["pair"]] + lane[period["kind"]]
        left, right = axis.x(period["start"]), axis.x(period["end"])
        colour = KIND_COLOURS[period["kind"]]
        ax.barh(
            y,
            right - left,
            left=left,
            height=height * 0.85,
            color=colour,
            alpha=0.85,
            lw=0,
            zorder=2,
        )
        # The ties' names where the bar is long enough for them (about 0.1 inch a character).
        names = str(period["ties"])
        fits = (right - left) / span * BAR_INCHES > 0.1 * len(names) + 0.4
        if fits and lane_inches >= 0.22:
            ax.text(
                left + span * 0.012,
                y,
                names,
                va="center",
                fontsize=12,
                color="black" if period["kind"] == "arms" else "white",
                zorder=3,
            )
        for week, why in (
            (period["start"], period["began_by"]),
            (period["end"], period["ended_by"]),
        ):
            if isinstance(why, str):
                _mark(ax, axis.x(week), y, reason_group(why.split(", ")[0]))
    for _, renewal in renewed[renewed["pair"].isin(row_of)].iterrows():
        y = row_of[renewal["pair"]] + lane[renewal["kind"]]
        ax.plot(axis.x(renewal["step"]), y, "|", color="white", ms=22, mew=3.5, zorder=4)
    _frame(ax, pairs, axis, end)
    _legend(figure, kinds, shown, renewed[renewed["pair"].isin(row_of)])
    plural = {"alliance": "alliances", "rivalry": "rivalries", "arms": "arms ties"}
    what = ", ".join(plural[k] for k in kinds[:-1]) + (" and " if len(kinds) > 1 else "")
    what += plural[kinds[-1]]
    figure.suptitle(f"Scenario {stored.name}: {what} over time (replicate {replicate})")
    if left_out:
        ax.set_title(left_out, fontsize=15, fontweight="normal", color=NOTE_GREY)
    return figure


def _mark(ax: Axes, x: float, y: float, group: str) -> None:
    marker, fill, _ = MARKS[group]
    ax.plot(x, y, marker, color=fill, mec="black", mew=1.8, ms=13, zorder=5, clip_on=False)


def _frame(ax: Axes, pairs: list[str], axis: TimeAxis, end: int) -> None:
    """Pair names down the side (first at the top), time along the bottom, rows ruled off."""
    ax.set_yticks(range(len(pairs)), pairs)
    ax.set_ylim(len(pairs) - 0.5, -0.5)
    for row in range(len(pairs) - 1):
        ax.axhline(row + 0.5, color="#DDDDDD", linewidth=1, zorder=1)
    ax.grid(axis="y", visible=False)
    ax.tick_params(axis="y", length=0)
    left, right = axis.x(0), axis.x(end)
    margin = (right - left) * 0.01
    ax.set_xlim(left - margin, right + margin)
    ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    ax.set_xlabel(axis.label)


def _legend(figure: Figure, kinds: list[str], periods: pd.DataFrame, renewed: pd.DataFrame) -> None:
    """Bar colours, then the marks the figure uses, under the plot."""
    handles: list[Patch | Line2D] = [
        Patch(facecolor=KIND_COLOURS[k], alpha=0.85, label=f"{k} in force") for k in kinds
    ]
    reasons = pd.concat([periods["began_by"], periods["ended_by"]]).dropna().astype(str)
    groups = {reason_group(r.split(", ")[0]) for r in reasons}
    for group, (marker, fill, text) in MARKS.items():
        if group in groups:
            handles.append(
                Line2D(
                    [],
                    [],
                    marker=marker,
                    color=fill,
                    mec="black",
                    mew=1.8,
                    ms=13,
                    ls="none",
                    label=f"began or ended by {text}",
                )
            )
    if len(renewed):
        handles.append(
            Line2D(
                [],
                [],
                marker="|",
                color=NOTE_GREY,
                ms=22,
                mew=3.5,
                ls="none",
                label="renewed by the states (white tick)",
            )
        )
    figure.legend(handles=handles, loc="outside lower center", ncol=2, fontsize=15, frameon=False)
