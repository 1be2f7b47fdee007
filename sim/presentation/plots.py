"""Figures of a results folder, drawn from its stored tables alone.

``plot_results(folder)`` reads ``steps.csv``, ``summary.csv``, ``actions.csv``, ``network.csv``
and ``manifest.json`` and writes PNGs into ``folder/plots/``:

* ``timeseries.png``: week-by-week median and 10-90% replicate band of escalation, control of
  the contested theatres, alliance reliability, structural balance and what the states do;
* ``network_step_<NNN>.png``: the tie network of the first replicate at each stored step;
* ``outcomes.png``: distributions over replicates of war length, territorial gain, peak
  escalation and each state's involvement.

Only the stored files are read, so ``alliance-sim plot DIR`` redraws a finished run without
the model. Figures use the object API (no pyplot state), Okabe-Ito colours and large fonts so
they stay legible on a classroom projector.
"""

from __future__ import annotations

import json
import math
import re
from dataclasses import dataclass
from pathlib import Path

import matplotlib as mpl
import numpy as np
import pandas as pd
from cycler import cycler
from matplotlib.artist import Artist
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Circle, FancyArrowPatch, Patch
from matplotlib.ticker import MaxNLocator

# Okabe & Ito (2008): distinguishable under the common colour-vision deficiencies.
OKABE_ITO = {
    "black": "#000000",
    "orange": "#E69F00",
    "sky": "#56B4E9",
    "green": "#009E73",
    "yellow": "#F0E442",
    "blue": "#0072B2",
    "vermillion": "#D55E00",
    "purple": "#CC79A7",
    "grey": "#999999",
}
# Yellow is left out of the cycle: it vanishes on a white background under a projector.
CYCLE = [OKABE_ITO[c] for c in ("blue", "vermillion", "green", "orange", "purple", "sky", "black")]
NOTE_GREY = "#555555"

STYLE = {
    "font.size": 14,
    "axes.titlesize": 18,
    "axes.titleweight": "bold",
    "axes.labelsize": 15,
    "xtick.labelsize": 14,
    "ytick.labelsize": 14,
    "legend.fontsize": 14,
    "legend.title_fontsize": 14,
    "figure.titlesize": 22,
    "figure.titleweight": "bold",
    "axes.prop_cycle": cycler(color=CYCLE),
    "axes.spines.top": False,
    "axes.spines.right": False,
    "axes.grid": True,
    "grid.alpha": 0.3,
    "lines.linewidth": 3,
    "savefig.dpi": 100,
    "savefig.facecolor": "white",
}

ESCALATION_LABELS = ["peace", "crisis", "war", "war +\n3rd party"]

# Tie kind -> (colour, line style, widest line in points). Kinds that belong together share a
# colour (energy and its transit); rivalry is dashed and war thick, as a viewer expects.
TIE_STYLE: dict[str, tuple[str, str, float]] = {
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
DEFAULT_TIE_STYLE = (OKABE_ITO["grey"], "-", 3.0)
CONFLICT_THEATRE = re.compile(r"^(?:war|crisis):.+@(?P<theatre>.+)$")


@dataclass
class Stored:
    """The tables of a results folder, as read back from disk."""

    name: str
    steps: pd.DataFrame
    summary: pd.DataFrame
    actions: pd.DataFrame
    network: pd.DataFrame | None

    @property
    def replicates(self) -> int:
        """Number of replicates in the run."""
        return int(self.steps["replicate"].nunique())

    @property
    def states(self) -> list[str]:
        """State names, sorted, from the per-state columns of ``steps.csv``."""
        return sorted(c.removeprefix("strength_") for c in self.steps if c.startswith("strength_"))


def plot_results(folder: Path) -> list[Path]:
    """Draw every figure of a results folder into ``folder/plots/``.

    Args:
        folder: A folder written by ``alliance-sim run`` (``steps.csv``, ``summary.csv`` and
            ``manifest.json`` at least; ``actions.csv`` and ``network.csv`` are optional).

    Returns:
        The PNG files written, in drawing order.
    """
    folder = Path(folder)
    stored = load_stored(folder)
    out = folder / "plots"
    out.mkdir(exist_ok=True)
    # Old network figures of steps no longer stored would otherwise pass as current ones.
    for stale in out.glob("network_step_*.png"):
        stale.unlink()
    written = []
    with mpl.rc_context(STYLE):
        written.append(_save(timeseries_figure(stored), out / "timeseries.png"))
        for step, figure in network_figures(stored):
            written.append(_save(figure, out / f"network_step_{step:03d}.png"))
        written.append(_save(outcomes_figure(stored), out / "outcomes.png"))
    return written


def load_stored(folder: Path) -> Stored:
    """Read a results folder's tables.

    Args:
        folder: The results folder.

    Returns:
        The stored tables and the scenario name (the folder name if the manifest lacks one);
        a missing or empty ``actions.csv`` becomes an empty frame, a missing ``network.csv``
        None.
    """
    manifest = json.loads((folder / "manifest.json").read_text())
    network = folder / "network.csv"
    return Stored(
        name=str(manifest.get("scenario") or folder.name),
        steps=pd.read_csv(folder / "steps.csv"),
        summary=pd.read_csv(folder / "summary.csv"),
        actions=_read_table(folder / "actions.csv"),
        network=_read_table(network) if network.is_file() else None,
    )


def _read_table(path: Path) -> pd.DataFrame:
    if not path.is_file():
        return pd.DataFrame()
    try:
        return pd.read_csv(path)
    except pd.errors.EmptyDataError:  # a table with no rows may be written without a header
        return pd.DataFrame()


def _save(figure: Figure, path: Path) -> Path:
    # No software tag: the bytes then depend only on the data, not on the matplotlib version.
    figure.savefig(path, format="png", metadata={"Software": None})
    return path


# --- which theatres and states matter -----------------------------------------------------


def contested_theatres(stored: Stored) -> list[str]:
    """Theatres whose control changes in some replicate, else those fought or quarrelled over.

    Args:
        stored: The results tables.

    Returns:
        Theatre names in the order of the ``control_`` columns; empty if none is contested.
    """
    theatres = [c.removeprefix("control_") for c in stored.steps if c.startswith("control_")]
    by_run = stored.steps.groupby("replicate")
    changed = [t for t in theatres if (by_run[f"control_{t}"].nunique() > 1).any()]
    if changed:
        return changed
    named = set()
    if "conflict" in stored.actions:
        for label in stored.actions["conflict"].dropna().astype(str):
            if match := CONFLICT_THEATRE.match(label):
                named.add(match["theatre"])
    return [t for t in theatres if t in named]


def share_of_runs(stored: Stored, prefix: str) -> pd.Series:
    """Share of replicates in which each state's weekly 0/1 flag ``<prefix><S>`` was ever set."""
    columns = {f"{prefix}{s}": s for s in stored.states if f"{prefix}{s}" in stored.steps}
    ever = stored.steps.groupby("replicate")[list(columns)].max().mean()
    return ever.rename(index=columns).reindex(stored.states, fill_value=0.0)


# --- time series --------------------------------------------------------------------------


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


def note(ax: Axes, text: str) -> None:
    """Replace a panel's plot with a centred note saying why it is empty."""
    ax.text(
        0.5,
        0.5,
        text,
        transform=ax.transAxes,
        ha="center",
        va="center",
        fontsize=18,
        color=NOTE_GREY,
    )
    # tick_params, not set_xticks([]): x ticks are shared with the other panels of the figure.
    ax.tick_params(left=False, labelleft=False, bottom=False, labelbottom=False)
    for spine in ax.spines.values():
        spine.set_visible(False)
    ax.grid(False)


def timeseries_figure(stored: Stored) -> Figure:
    """Six weekly panels: escalation, control, reliability, balance, fighting, diplomacy."""
    figure = Figure(figsize=(19, 11), layout="constrained")
    axes = figure.subplots(2, 3, sharex=True).ravel()
    panel_escalation(axes[0], stored)
    panel_control(axes[1], stored)
    panel_reliability(axes[2], stored)
    panel_balance(axes[3], stored)
    fighting = {"fighting": "fighting_", "intervening": "intervening_"}
    panel_counts(axes[4], stored, fighting, "States fighting or intervening")
    diplomacy = {"showing force": "showing_force_", "mediating": "mediating_"}
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
        draw_band(ax, band(stored.steps, f"control_{t}"), CYCLE[i % len(CYCLE)])
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


def panel_counts(ax: Axes, stored: Stored, prefixes: dict[str, str], title: str) -> None:
    """Number of states with each weekly flag set, e.g. fighting or mediating."""
    handles, top = [], 1
    for i, prefix in enumerate(prefixes.values()):
        columns = [f"{prefix}{s}" for s in stored.states if f"{prefix}{s}" in stored.steps]
        table = band(stored.steps, stored.steps[columns].sum(axis=1))
        handles.append(draw_band(ax, table, CYCLE[i]))
        top = max(top, int(table["high"].max()))
    ax.set_ylim(-0.1, top * 1.45 + 0.2)  # headroom above the bands for the legend
    ax.yaxis.set_major_locator(MaxNLocator(integer=True))
    ax.set_ylabel("number of states")
    ax.set_title(title)
    ax.legend(handles, list(prefixes), loc="upper right", ncol=2, framealpha=0.9)


# --- network ------------------------------------------------------------------------------


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
    columns = {f"strength_{s}": s for s in states if f"strength_{s}" in rows}
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
        fighting = _flag(week, f"fighting_{state}")
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
        strength = week[f"strength_{state}"].iloc[0] if _has(week, f"strength_{state}") else None
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


def _has(week: pd.DataFrame, column: str) -> bool:
    return column in week and len(week) > 0


def _flag(week: pd.DataFrame, column: str) -> bool:
    return _has(week, column) and bool(week[column].iloc[0])


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


# --- outcomes -----------------------------------------------------------------------------


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
        bins=np.arange(-0.5, top + 1.5),
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
    theatres = [t for t in contested_theatres(stored) if f"gain_{t}" in stored.summary]
    gains = [stored.summary[f"gain_{t}"].astype(float).dropna() for t in theatres]
    if not theatres or not any(len(g) for g in gains):
        note(ax, "no theatre contested")
        return
    # Bins 0.1 wide centred on round shares, so "no change" gets a bar of its own at 0.
    values = pd.concat(gains)
    low, high = math.floor(min(values.min(), -0.2) * 10), math.ceil(max(values.max(), 0.2) * 10)
    bins = (np.arange(low, high + 2) - 0.5) / 10
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
        s: stored.summary[f"intervened_{s}"].astype(float).mean()
        if f"intervened_{s}" in stored.summary
        else 0.0
        for s in states
    }
    series = {
        "fought as third party": pd.Series(intervened).reindex(states),
        "showed force": share_of_runs(stored, "showing_force_"),
        "mediated": share_of_runs(stored, "mediating_"),
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
    columns = {f"arms_out_usd_m_{s}": s for s in states if f"arms_out_usd_m_{s}" in steps}
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
