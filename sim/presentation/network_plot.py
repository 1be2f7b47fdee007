"""Figures of the tie network: states on a fixed circle, one arc per tie kind between a pair.

``network_figures`` draws the first replicate's network at each stored step; every figure of
a run shares one :class:`NetworkCanvas` (layout, node sizes, legend), so they compare week to
week. Each figure after the first marks what changed since the previous stored step
(:class:`TieDelta`): ties begun are highlighted, ties ended are listed with the reason
``tie_changes.csv`` gives.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Circle, FancyArrowPatch
from matplotlib.patheffects import Normal, Stroke

from sim.presentation.plot_base import (
    OKABE_ITO,
    WEEKS_PER_YEAR,
    Stored,
    pair_label,
    reason_label,
)
from sim.schema.columns import column

if TYPE_CHECKING:
    from matplotlib.typing import LineStyleType

# Tie kind -> (colour, line style, widest line in points). Kinds that belong together share a
# colour (energy and its transit); rivalry is dashed and war thick, as a viewer expects.
TIE_STYLE: dict[str, tuple[str, LineStyleType, float]] = {
    "alliance": (OKABE_ITO["blue"], "-", 5.0),
    "arms": (OKABE_ITO["orange"], "-", 5.0),
    "energy": (OKABE_ITO["purple"], "-", 4.0),
    "transit": (OKABE_ITO["purple"], "-.", 4.0),
    "trade": (OKABE_ITO["sky"], ":", 4.0),
    "border": (OKABE_ITO["grey"], "-", 1.5),
    "rivalry": (OKABE_ITO["black"], "--", 4.0),
    "mediation": (OKABE_ITO["green"], ":", 4.0),
    "war": (OKABE_ITO["vermillion"], "-", 9.0),
}
DEFAULT_TIE_STYLE: tuple[str, LineStyleType, float] = (OKABE_ITO["grey"], "-", 3.0)
#: Highlight under a tie begun since the previous stored step: a broad marker-pen stroke.
NEW_TIE_HALO = OKABE_ITO["yellow"]
NEW_TIE_HALO_WIDTH = 13.0
#: Most ties listed as begun, and as ended, under a network figure's legend.
MAX_LISTED = 8
#: Characters of a listed change beyond which its reason goes on a second line.
LISTED_WIDTH = 34


def circle_layout(states: list[str]) -> dict[str, tuple[float, float]]:
    """Same positions in every figure: sorted names clockwise from the top of a unit circle."""
    names = sorted(states)
    angles = [math.pi / 2 - 2 * math.pi * i / len(names) for i in range(len(names))]
    return {n: (math.cos(a), math.sin(a)) for n, a in zip(names, angles, strict=True)}


@dataclass
class NetworkCanvas:
    """What every network figure of a run shares: replicate, layout, node sizes, legend."""

    replicate: int
    layout: dict[str, tuple[float, float]]
    radii: dict[int, dict[str, float]]
    kinds: list[str]
    #: The run's first calendar year, to name the year of each week (None: weeks only).
    year: int | None = None


@dataclass
class TieDelta:
    """What changed between two stored steps of one replicate.

    Attributes:
        since: The previous stored step.
        began: Ties in force now and not then: ``tie, kind, label`` (:func:`tie_labels`),
            ``reason`` and ``at``, the step of its last logged change ("" and -1 if none).
        ended: Ties in force then and not now, and ties begun and ended in between (their
            ``reason`` says so); the same columns.
    """

    since: int
    began: pd.DataFrame
    ended: pd.DataFrame


def network_figures(stored: Stored) -> list[tuple[int, Figure]]:
    """One network figure per stored step, for the first replicate; none without network.csv.

    Every figure after the first marks the ties begun and ended since the one before.
    """
    network = stored.network
    if network is None or network.empty or "step" not in network:
        return []
    first = int(network["replicate"].min()) if "replicate" in network else 0
    if "replicate" in network:
        network = network[network["replicate"] == first]
    states = sorted(set(stored.states) | set(network["source"]) | set(network["target"]))
    kinds = [k for k in TIE_STYLE if k in set(network["kind"])]
    kinds += sorted(set(network["kind"]) - set(kinds))
    last_steps = int(stored.steps["step"].max()) if len(stored.steps) else 0
    year = stored.year if last_steps >= WEEKS_PER_YEAR else None
    radii = node_radii(stored, first, states)
    canvas = NetworkCanvas(first, circle_layout(states), radii, kinds, year)
    figures = []
    before: tuple[int, pd.DataFrame] | None = None
    for step, rows in network.groupby("step", sort=True):
        delta = None if before is None else tie_delta(stored, first, *before, int(step), rows)
        figures.append((int(step), network_figure(stored, rows, int(step), canvas, delta)))
        before = (int(step), rows)
    return figures


def tie_delta(
    stored: Stored, replicate: int, since: int, then: pd.DataFrame, step: int, now: pd.DataFrame
) -> TieDelta:
    """Ties begun and ended between two stored steps, with the reasons of the change log.

    A snapshot at step ``s`` holds the ties after the changes logged at steps below ``s``, so
    the changes between two snapshots are those logged at ``since <= step < step``. Without
    ``tie_changes.csv`` the reasons are empty and ties that came and went are not seen.
    """
    old, new = tie_labels(then), tie_labels(now)
    began = new[~new["tie"].isin(old["tie"])]
    ended = old[~old["tie"].isin(new["tie"])]
    log = stored.tie_changes
    if log is None or log.empty:
        log = pd.DataFrame(columns=["replicate", "step", "tie", "kind", "source", "target"])
        log = log.assign(status=pd.Series(dtype=str), reason=pd.Series(dtype=str))
    window = log[(log["replicate"] == replicate) & (log["step"] >= since) & (log["step"] < step)]
    last = window.drop_duplicates("tie", keep="last").set_index("tie")
    came_and_went = window[
        ~window["tie"].isin(old["tie"])
        & ~window["tie"].isin(new["tie"])
        & (window["status"] == "active")
    ]

    def with_reason(rows: pd.DataFrame, prefix: str = "") -> pd.DataFrame:
        logged = [t in last.index for t in rows["tie"]]
        reasons = [
            prefix + reason_label(str(last.at[t, "reason"])) if known else ""
            for t, known in zip(rows["tie"], logged, strict=True)
        ]
        at = [
            int(last.at[t, "step"]) if known else -1
            for t, known in zip(rows["tie"], logged, strict=True)
        ]
        listed = rows.assign(reason=reasons, at=at)  # in the order they happened
        return listed.sort_values(["at", "label"], kind="stable", ignore_index=True)

    ended = pd.concat(
        [with_reason(ended), with_reason(tie_labels(came_and_went), "began and ended: ")],
        ignore_index=True,
    ).sort_values(["at", "label"], kind="stable", ignore_index=True)
    return TieDelta(since, with_reason(began), ended)


def tie_labels(rows: pd.DataFrame) -> pd.DataFrame:
    """One row per tie (wars left out), ``tie, kind, label``, in the order of ``rows``.

    The label names a tie between two states by its pair ("France – Russia alliance"), one
    that reaches several (a mediator's) by its source and the others ("Russia mediation
    (Armenia, Azerbaijan)").
    """
    labels: list[dict[str, str]] = []
    for tie, group in rows[rows["kind"] != "war"].groupby("tie", sort=False):
        source, kind = str(group["source"].iloc[0]), str(group["kind"].iloc[0])
        pairs = list(
            dict.fromkeys(
                pair_label(str(a), str(b))
                for a, b in zip(group["source"], group["target"], strict=True)
                if pd.notna(b) and str(b)
            )
        )
        if len(pairs) == 1:
            label = f"{pairs[0]} {kind}"
        else:
            others = sorted({str(b) for b in group["target"].dropna()} - {source})
            label = f"{source} {kind}" + (f" ({', '.join(others)})" if others else "")
        labels.append({"tie": str(tie), "kind": kind, "label": label})
    return pd.DataFrame(labels, columns=["tie", "kind", "label"])


def node_radii(stored: Stored, replicate: int, states: list[str]) -> dict[int, dict[str, float]]:
    """Node radius per week and state, with area proportional to strength.

    One scale (the replicate's strongest state-week) serves every figure, so sizes compare
    across weeks; a floor keeps weak states visible.
    """
    rows = stored.steps[stored.steps["replicate"] == replicate]
    present = [s for s in states if column("strength", s) in rows]
    # One array, not a frame walked row by row: the live page asks for this at every click.
    strength = rows[[column("strength", s) for s in present]].to_numpy(dtype=float)
    known = ~np.isnan(strength)
    top = float(np.nanmax(strength)) if known.any() else 1.0
    radius = 0.2 * np.sqrt(np.clip(strength, 0, None) / max(top, 1e-9))
    radii = {}
    for week, row, row_known in zip(rows["step"].to_numpy(), radius, known, strict=True):
        found = {
            s: max(0.045, float(r)) if ok else 0.08
            for s, r, ok in zip(present, row, row_known, strict=True)
        }
        radii[int(week)] = {s: found.get(s, 0.08) for s in states}
    return radii


def _radii_at(radii: dict[int, dict[str, float]], step: int) -> dict[str, float]:
    """Node radii at a week, or at the latest earlier week recorded (empty if none)."""
    earlier = [w for w in radii if w <= step]
    return radii[max(earlier)] if earlier else {}


def network_figure(
    stored: Stored,
    rows: pd.DataFrame,
    step: int,
    canvas: NetworkCanvas,
    delta: TieDelta | None = None,
) -> Figure:
    """Draw the ties in force at one week between states on the fixed circle.

    With a ``delta``, the ties begun since its step are highlighted and those begun and ended
    are listed under the legend.
    """
    figure = Figure(figsize=(15, 11), layout="constrained")
    ax = figure.add_subplot()
    week = stored.steps[
        (stored.steps["replicate"] == canvas.replicate) & (stored.steps["step"] == step)
    ]
    nodes = draw_nodes(ax, week, canvas.layout, _radii_at(canvas.radii, step))
    new = set(delta.began["tie"]) if delta is not None else set()
    for (a, b), pair_rows in _pairs(rows):
        draw_pair(ax, a, b, pair_rows, canvas.layout, nodes, new)
    ax.set_xlim(-1.6, 1.6)
    ax.set_ylim(-1.55, 1.5)
    ax.set_aspect("equal")
    ax.axis("off")
    changes = change_entries(delta, canvas) if delta is not None else []
    handles = [*tie_legend(canvas.kinds), *changes]
    legend = figure.legend(
        handles=handles,
        title="tie kind",
        loc="outside right center",
        fontsize=17,
        title_fontsize=17,
        handlelength=3.5,
        frameon=False,
    )
    # One legend (two would overlap the titles): the list of changes in smaller type.
    for handle, text in zip(handles, legend.get_texts(), strict=True):
        if handle.get_gid() == "heading":
            text.set_fontweight("bold")
        elif handle in changes:
            text.set_fontsize(14)
    when = f"week {step}" + (f" ({_year_of(canvas, step)})" if canvas.year is not None else "")
    title = f"Scenario {stored.name}: network at {when} (replicate {canvas.replicate})"
    figure.suptitle(title)
    figure.supxlabel(
        "Circle area ∝ military strength (number under the name); red ring: fighting this week."
        "\nLine width and opacity ∝ tie weight. Arrow: one-way tie (supplier → recipient, "
        "guarantor → protégé, attacker → defender).",
        fontsize=14,
        color="#333333",
    )
    return figure


def _year_of(canvas: NetworkCanvas, step: int) -> int:
    """Calendar year of the week a snapshot follows (the start year for step 0)."""
    assert canvas.year is not None
    return canvas.year + max(step - 1, 0) // WEEKS_PER_YEAR


def change_entries(delta: TieDelta, canvas: NetworkCanvas) -> list[Line2D]:
    """Legend entries listing the ties begun (highlighted) and ended since the previous step.

    A tie that takes over from one of the same kind and pair ended the same week (a treaty
    replaced by the next) is listed once, as begun, saying so. Headings are entries without a
    line; their text is set bold by :func:`network_figure`.
    """
    handles: list[Line2D] = []

    # Same label and the same logged week: one tie took over from the other.
    succession = delta.began.merge(delta.ended, on=["label", "at"])
    replaced = set(succession.loc[succession["at"] >= 0, "label"])
    ended = delta.ended[~delta.ended["label"].isin(replaced)]

    def heading(text: str) -> None:
        handles.append(Line2D([], [], linestyle="none", label=text, gid="heading"))

    def entries(rows: pd.DataFrame, begun: bool) -> None:
        for _, tie in rows.head(MAX_LISTED).iterrows():
            colour, style, _ = TIE_STYLE.get(str(tie["kind"]), DEFAULT_TIE_STYLE)
            why = [str(tie["reason"])] if tie["reason"] else []
            if begun and tie["label"] in replaced:
                why.append("replaces another")
            line = Line2D([], [], color=colour, linestyle=style, linewidth=3.5)
            if begun:
                halo = [Stroke(linewidth=NEW_TIE_HALO_WIDTH, foreground=NEW_TIE_HALO), Normal()]
                line.set_path_effects(halo)
            else:
                line.set_alpha(0.35)
            label = str(tie["label"])
            if why:  # on a line of its own if the entry would be wide: the picture keeps the room
                reason = f"({'; '.join(why)})"
                label += f"\n{reason}" if len(label) + len(reason) > LISTED_WIDTH else f" {reason}"
            line.set_label(label)
            handles.append(line)
        if len(rows) > MAX_LISTED:
            heading(f"… and {len(rows) - MAX_LISTED} more")

    since = f"week {delta.since}"
    if canvas.year is not None:
        since += f" ({_year_of(canvas, delta.since)})"
    if len(delta.began) or len(ended):
        heading("")
        heading(f"Since {since}:")
    if len(delta.began):
        heading("begun (highlighted)")
        entries(delta.began, True)
    if len(ended):
        heading("ended")
        entries(ended, False)
    return handles


def _pairs(rows: pd.DataFrame) -> list[tuple[tuple[str, str], pd.DataFrame]]:
    """Rows grouped by unordered state pair, pairs in sorted order for a stable drawing."""
    first = rows[["source", "target"]].min(axis=1).rename("a")
    second = rows[["source", "target"]].max(axis=1).rename("b")
    return [(pair, group) for pair, group in rows.groupby([first, second], sort=True)]


def draw_nodes(
    ax: Axes,
    week: pd.DataFrame,
    layout: dict[str, tuple[float, float]],
    radii: dict[str, float],
) -> dict[str, Circle]:
    """Draw each state as a circle (red ring if fighting), its name and strength outside."""
    nodes = {}
    for state, (x, y) in layout.items():
        radius = radii.get(state, 0.08)
        fighting = _flag(week, column("fighting", state))
        node = Circle(
            (x, y),
            radius,
            facecolor="#DDEEFF",
            zorder=5,
            edgecolor=OKABE_ITO["vermillion"] if fighting else "#222222",
            linewidth=6 if fighting else 2,
        )
        ax.add_patch(node)
        nodes[state] = node
        strength_column = column("strength", state)
        strength = week[strength_column].iloc[0] if _has(week, strength_column) else None
        label = state if strength is None or pd.isna(strength) else f"{state}\n{strength:.1f}"
        scale = 1 + radius + 0.08  # just outside the circle, on the ray from the centre
        ax.text(
            x * scale,
            y * scale,
            label,
            ha=_side(x),
            va=_side(y, "v"),
            fontsize=19,
            fontweight="bold",
            zorder=6,
            linespacing=1.1,
        )
    return nodes


def _has(week: pd.DataFrame, name: str) -> bool:
    return name in week and len(week) > 0


def _flag(week: pd.DataFrame, name: str) -> bool:
    return _has(week, name) and bool(week[name].iloc[0])


def _side(coordinate: float, axis: str = "h") -> str:
    """Alignment that puts a label outside the ring on this side of the centre."""
    if abs(coordinate) < 0.3:
        return "center"
    if axis == "h":
        return "left" if coordinate > 0 else "right"
    return "bottom" if coordinate > 0 else "top"


def arc_radius(index: int, count: int) -> float:
    """Curvature of the ``index``-th of ``count`` arcs between one pair, fanned out evenly.

    One arc is straight; otherwise arcs alternate sides with growing curvature, symmetric
    about the straight line (odd counts keep a straight middle arc).
    """
    if count == 1:
        return 0.0
    spacing = 0.18
    sign = 1 if index % 2 == 0 else -1
    if count % 2:
        return spacing * ((index + 1) // 2) * sign
    return spacing * (index // 2 + 0.5) * sign


@dataclass(frozen=True)
class Arc:
    """One arc of the network picture: every tie of one kind between one pair of states.

    Attributes:
        a: The pair's first state (in sorted order).
        b: The pair's second state.
        kind: The tie kind.
        arrow: ``"-"`` (both ways), ``"-|>"`` (``a`` to ``b``) or ``"<|-"`` (``b`` to ``a``).
        weight: The strongest weight of its ties, clipped to 0-1.
        rad: Its curvature (:func:`arc_radius`), so the arcs of a pair fan out.
        ties: The ids of its ties.
    """

    a: str
    b: str
    kind: str
    arrow: str
    weight: float
    rad: float
    ties: frozenset[str]


#: One network row as the arcs need it: source, target, kind, weight, tie id (None: no ids).
TieRow = tuple[str, object, str, float, object]


def _tie_rows(rows: pd.DataFrame) -> list[TieRow]:
    """The rows as plain tuples: a week has a few dozen, too few for pandas to pay off."""
    ties = rows["tie"] if "tie" in rows else [None] * len(rows)
    columns = (rows["source"], rows["target"], rows["kind"], rows["weight"], ties)
    return list(zip(*columns, strict=True))


def kind_arcs(a: str, b: str, rows: pd.DataFrame) -> list[Arc]:
    """The arcs of one pair, one per kind, in the order of :data:`TIE_STYLE`.

    Several ties of one kind (e.g. three Turkish-Azerbaijani pledges) merge into one arc at the
    strongest weight: the projector shows kinds, the tables keep the detail.
    """
    return _arcs(a, b, _tie_rows(rows))


def _arcs(a: str, b: str, rows: list[TieRow]) -> list[Arc]:
    order = {k: i for i, k in enumerate(TIE_STYLE)}
    by_kind: dict[str, list[TieRow]] = {}
    for row in rows:
        by_kind.setdefault(row[2], []).append(row)
    kinds = sorted(by_kind, key=lambda k: (order.get(k, len(order)), k))
    arcs = []
    for i, kind in enumerate(kinds):
        group = by_kind[kind]
        forward = any(row[0] == a for row in group)
        backward = any(row[0] == b for row in group)
        arrow = "-" if forward and backward else "-|>" if forward else "<|-"
        weights = [row[3] for row in group if not math.isnan(row[3])]  # as pandas' max: no NaN
        weight = float(np.clip(max(weights, default=math.nan), 0.0, 1.0))
        ties = frozenset(str(row[4]) for row in group if row[4] is not None)
        arcs.append(Arc(a, b, str(kind), arrow, weight, arc_radius(i, len(kinds)), ties))
    return arcs


def network_arcs(rows: pd.DataFrame) -> list[Arc]:
    """Every arc of a week's network rows, pair by pair in sorted order (as :func:`_pairs`)."""
    pairs: dict[tuple[str, str], list[TieRow]] = {}
    for row in _tie_rows(rows):
        # A row without a target (a mediation's) pairs its source with itself, as in _pairs.
        ends = sorted(str(end) for end in row[:2] if isinstance(end, str))
        pairs.setdefault((ends[0], ends[-1]), []).append(row)
    return [arc for pair in sorted(pairs) for arc in _arcs(*pair, pairs[pair])]


def draw_pair(
    ax: Axes,
    a: str,
    b: str,
    rows: pd.DataFrame,
    layout: dict[str, tuple[float, float]],
    nodes: dict[str, Circle],
    new: set[str] | None = None,
) -> None:
    """Draw the ties of one pair, one arc per kind (:func:`kind_arcs`), fanned out.

    An arc with a tie among ``new`` (ids of ties begun since the previous figure) is
    highlighted.
    """
    for arc in kind_arcs(a, b, rows):
        ends = (layout[a], layout[b])
        patch = tie_arrow(arc.kind, arc.weight, arc.arrow, arc.rad, ends)
        patch.patchA, patch.patchB = nodes[a], nodes[b]  # clip the line at the circles' rims
        if new and arc.ties & new:
            halo = [Stroke(linewidth=NEW_TIE_HALO_WIDTH, foreground=NEW_TIE_HALO), Normal()]
            patch.set_path_effects(halo)
        ax.add_artist(patch)  # not add_patch: limits are fixed, and updating them is slow


def tie_arrow(
    kind: str,
    weight: float,
    arrow: str,
    rad: float,
    ends: tuple[tuple[float, float], tuple[float, float]],
) -> FancyArrowPatch:
    """One tie as a curved line; width and opacity grow with its weight."""
    colour, style, widest = TIE_STYLE.get(kind, DEFAULT_TIE_STYLE)
    return FancyArrowPatch(
        ends[0],
        ends[1],
        arrowstyle=arrow,
        connectionstyle=f"arc3,rad={rad:.3f}",
        mutation_scale=28,
        linewidth=widest * (0.35 + 0.65 * weight),
        linestyle=style,
        color=colour,
        alpha=0.4 + 0.6 * weight,
        shrinkA=3,
        shrinkB=3,
        zorder=4 if kind == "war" else 3,
    )


def tie_legend(kinds: list[str]) -> list[Line2D]:
    """Legend entries for the tie kinds of the run, the same in every network figure."""
    handles = []
    for kind in kinds:
        colour, style, widest = TIE_STYLE.get(kind, DEFAULT_TIE_STYLE)
        width = max(widest, 3.5)
        handles.append(Line2D([], [], color=colour, linestyle=style, linewidth=width, label=kind))
    return handles
