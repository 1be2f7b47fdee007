"""Figures of the tie network: states on a fixed circle, one arc per tie kind between a pair.

``network_figures`` draws the first replicate's network at each stored step; every figure of
a run shares one :class:`NetworkCanvas` (layout, node sizes, legend), so they compare week to
week.
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

from sim.presentation.plot_base import OKABE_ITO, Stored
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


def network_figures(stored: Stored) -> list[tuple[int, Figure]]:
    """One network figure per stored step, for the first replicate; none without network.csv."""
    network = stored.network
    if network is None or network.empty or "step" not in network:
        return []
    first = int(network["replicate"].min()) if "replicate" in network else 0
    if "replicate" in network:
        network = network[network["replicate"] == first]
    states = sorted(set(stored.states) | set(network["source"]) | set(network["target"]))
    kinds = [k for k in TIE_STYLE if k in set(network["kind"])]
    kinds += sorted(set(network["kind"]) - set(kinds))
    canvas = NetworkCanvas(first, circle_layout(states), node_radii(stored, first, states), kinds)
    return [
        (int(step), network_figure(stored, rows, int(step), canvas))
        for step, rows in network.groupby("step", sort=True)
    ]


def node_radii(stored: Stored, replicate: int, states: list[str]) -> dict[int, dict[str, float]]:
    """Node radius per week and state, with area proportional to strength.

    One scale (the replicate's strongest state-week) serves every figure, so sizes compare
    across weeks; a floor keeps weak states visible.
    """
    rows = stored.steps[stored.steps["replicate"] == replicate].set_index("step")
    columns = {column("strength", s): s for s in states if column("strength", s) in rows}
    strength = rows[list(columns)].rename(columns=columns).reindex(columns=states)
    top = float(np.nanmax(strength.to_numpy())) if strength.notna().any().any() else 1.0
    radius = 0.2 * np.sqrt(strength.clip(lower=0) / max(top, 1e-9))
    return {
        int(week): {s: max(0.045, float(r)) if pd.notna(r) else 0.08 for s, r in row.items()}
        for week, row in radius.iterrows()
    }


def _radii_at(radii: dict[int, dict[str, float]], step: int) -> dict[str, float]:
    """Node radii at a week, or at the latest earlier week recorded (empty if none)."""
    earlier = [w for w in radii if w <= step]
    return radii[max(earlier)] if earlier else {}


def network_figure(stored: Stored, rows: pd.DataFrame, step: int, canvas: NetworkCanvas) -> Figure:
    """Draw the ties in force at one week between states on the fixed circle."""
    figure = Figure(figsize=(15, 11), layout="constrained")
    ax = figure.add_subplot()
    week = stored.steps[
        (stored.steps["replicate"] == canvas.replicate) & (stored.steps["step"] == step)
    ]
    nodes = draw_nodes(ax, week, canvas.layout, _radii_at(canvas.radii, step))
    for (a, b), pair_rows in _pairs(rows):
        draw_pair(ax, a, b, pair_rows, canvas.layout, nodes)
    ax.set_xlim(-1.6, 1.6)
    ax.set_ylim(-1.55, 1.5)
    ax.set_aspect("equal")
    ax.axis("off")
    figure.legend(
        handles=tie_legend(canvas.kinds),
        title="tie kind",
        loc="outside right center",
        fontsize=17,
        title_fontsize=17,
        handlelength=3.5,
        frameon=False,
    )
    title = f"Scenario {stored.name}: network at week {step} (replicate {canvas.replicate})"
    figure.suptitle(title)
    figure.supxlabel(
        "Circle area ∝ military strength (number under the name); red ring: fighting this week."
        "\nLine width and opacity ∝ tie weight. Arrow: one-way tie (supplier → recipient, "
        "guarantor → protégé, attacker → defender).",
        fontsize=14,
        color="#333333",
    )
    return figure


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


def draw_pair(
    ax: Axes,
    a: str,
    b: str,
    rows: pd.DataFrame,
    layout: dict[str, tuple[float, float]],
    nodes: dict[str, Circle],
) -> None:
    """Draw the ties of one pair, one arc per kind, fanned out so none hides another.

    Several ties of one kind (e.g. three Turkish-Azerbaijani pledges) merge into one arc at the
    strongest weight: the projector shows kinds, the tables keep the detail.
    """
    order = {k: i for i, k in enumerate(TIE_STYLE)}
    kinds = sorted(rows["kind"].unique(), key=lambda k: (order.get(k, len(order)), k))
    for i, kind in enumerate(kinds):
        tie = rows[rows["kind"] == kind]
        forward = bool((tie["source"] == a).any())
        backward = bool((tie["source"] == b).any())
        arrow = "-" if forward and backward else "-|>" if forward else "<|-"
        weight = float(np.clip(tie["weight"].max(), 0.0, 1.0))
        ends = (layout[a], layout[b])
        patch = tie_arrow(kind, weight, arrow, arc_radius(i, len(kinds)), ends)
        patch.patchA, patch.patchB = nodes[a], nodes[b]  # clip the line at the circles' rims
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
