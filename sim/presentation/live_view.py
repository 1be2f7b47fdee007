"""The classroom app's live pictures, drawn in the browser by ECharts.

Drawing the two matplotlib figures of :mod:`.live_plot` as PNG took the server about a second
of CPU per click (most of it clipping the network's arcs at the circles' rims), and a server
draws for a whole class. Here the server only says what to draw: :func:`network_option` and
:func:`weekly_option` turn a live run's tables into ECharts options (plain JSON of a few
kilobytes), and :func:`Chart` hands one to ``solara.FigureEcharts``, which draws it in the
browser. ECharts comes with ``solara-assets`` and is served by the app's own server, so the
page works offline.

The pictures say what the matplotlib ones say, in the same colours: states on the fixed
circle (:func:`~sim.presentation.network_plot.circle_layout`), circle area for strength, a red
ring for a state fighting, one arc per tie kind and pair (:func:`~sim.presentation.
network_plot.network_arcs`) whose width and opacity grow with its weight, arrows for one-way
ties; and escalation, territory held and the number of states fighting or intervening, week by
week. A live run has one replicate, so the weekly charts draw its values as lines (the saved
figures' 10-90% bands over replicates would have no width).
"""

from __future__ import annotations

import dataclasses
from typing import Any

import pandas as pd
import solara

from sim.presentation.network_plot import (
    DEFAULT_TIE_STYLE,
    TIE_STYLE,
    Arc,
    circle_layout,
    network_arcs,
    node_radii,
)
from sim.presentation.plot_base import (
    CYCLE,
    ESCALATION_LABELS,
    NOTE_GREY,
    OKABE_ITO,
    Stored,
    contested_theatres,
)
from sim.schema.columns import CONTROL, column

#: An ECharts option: JSON-ready dicts, lists, strings and numbers.
Option = dict[str, Any]

#: Height of the network picture on the page, in CSS pixels.
NETWORK_HEIGHT = 640
#: Height of the weekly charts on the page, in CSS pixels.
WEEKLY_HEIGHT = 420
#: Room at the network picture's right for the legend of tie kinds, in pixels.
LEGEND_WIDTH = 230
#: The network's drawing box in layout units (that of the saved figures), so circles keep
#: their place and size as ties come and go.
NETWORK_BOX = ((-1.6, 1.6), (-1.55, 1.5))
#: Room above the network for its title, in pixels.
TITLE_ROOM = 50
#: Pixels per layout unit: the drawing box fills the picture's height under the title.
UNIT = (NETWORK_HEIGHT - TITLE_ROOM) / (NETWORK_BOX[1][1] - NETWORK_BOX[1][0])
#: Line dashes per line style, in line widths (matplotlib's own proportions).
DASHES: dict[str, list[float]] = {"--": [3.7, 1.6], ":": [1.0, 1.65], "-.": [6.4, 1.6, 1.0, 1.6]}
#: The curvature of a "straight" arc: too little to see.
STRAIGHT = 0.001
FONT = "sans-serif"
#: Type on the page, in CSS pixels: readable from the back of a classroom.
TEXT_SIZE = 20
TITLE_SIZE = 26
LABEL_SIZE = 22


def _line_type(style: object, width: float) -> str | list[float]:
    """An ECharts line ``type`` for a matplotlib line style: solid, or dashes scaled by width."""
    if style in DASHES:
        return [round(d * max(width, 1.0), 1) for d in DASHES[str(style)]]
    return "solid"


def _label_position(x: float, y: float) -> str:
    """Where a state's label goes: outside the ring, on its side of the centre."""
    if abs(x) >= 0.3:
        return "right" if x > 0 else "left"
    return "top" if y > 0 else "bottom"


def _latest(stored: Stored) -> tuple[int, pd.DataFrame]:
    """The latest week of the network table and its rows (week 0 and none without ties)."""
    network = stored.network
    if network is None or network.empty:
        return 0, pd.DataFrame(columns=["source", "target", "kind", "weight", "tie"])
    step = int(network["step"].max())
    return step, network[network["step"] == step]


def network_option(stored: Stored) -> Option:
    """The network of a live run at its latest week, as an ECharts graph.

    Args:
        stored: The tables of a live run (:func:`~sim.presentation.live_plot.stored_from_model`).

    Returns:
        An option with one graph series: a node per state (``symbolSize`` the circle's
        diameter, a red border for a state fighting) and a link per arc (its ``lineStyle``
        width, opacity, dashes and curvature; an arrow at the receiving end of a one-way
        tie). Every tie kind is in the legend, so it stays put as ties come and go.
    """
    step, rows = _latest(stored)
    states = stored.states
    layout = circle_layout(states)
    # node_radii on the strength columns alone: on all of steps it copies a wide table.
    strength = [c for c in (column("strength", s) for s in states) if c in stored.steps]
    narrow = dataclasses.replace(stored, steps=stored.steps[["replicate", "step", *strength]])
    # A live run has one replicate, not always replicate 0 (a page may show another run).
    replicate = int(stored.steps["replicate"].min()) if len(stored.steps) else 0
    radii = node_radii(narrow, replicate, states).get(step, {})
    rows_of_week = stored.steps[stored.steps["step"] == step]
    # One row as a dict: a few dozen lookups in a frame cost more than the rest of the picture.
    week: dict[str, Any] = rows_of_week.iloc[0].to_dict() if len(rows_of_week) else {}
    nodes = [_node(state, xy, radii.get(state, 0.08), week) for state, xy in layout.items()]
    # Invisible corners fix the drawing box, which ECharts otherwise fits to the nodes.
    nodes += [
        {"name": f"corner {x} {y}", "x": x, "y": -y, "symbolSize": 0, "label": {"show": False}}
        for x in NETWORK_BOX[0]
        for y in NETWORK_BOX[1]
    ]
    arcs = network_arcs(rows)
    # War arcs last: they are drawn over the others, as in the saved figures.
    links = [_link(arc) for arc in sorted(arcs, key=lambda arc: arc.kind == "war")]
    fighting = [s for s in states if _fighting(week, s)]
    return {
        "animation": False,
        "aria": {"enabled": True, "label": {"description": _describe(step, fighting, arcs)}},
        "title": {
            "text": f"Network at week {step}",
            "textStyle": _title_style(TITLE_SIZE),
        },
        "graphic": [_tie_key()],
        "series": [
            {
                "type": "graph",
                "layout": "none",
                "silent": True,
                "top": TITLE_ROOM,
                "bottom": 0,
                "left": 0,
                "right": LEGEND_WIDTH,
                "data": nodes,
                "links": links,
            }
        ],
    }


def _fighting(week: dict[str, Any], state: str) -> bool:
    return bool(week.get(column("fighting", state), False))


def _node(state: str, xy: tuple[float, float], radius: float, week: dict[str, Any]) -> Option:
    """One state: a circle of the saved figures' size, its name and strength outside."""
    x, y = xy
    fighting = _fighting(week, state)
    strength_column = column("strength", state)
    strength = week.get(strength_column)
    label = state if strength is None or pd.isna(strength) else f"{state}\n{strength:.1f}"
    return {
        "name": state,
        "x": x,
        "y": -y,  # screen y grows downwards
        "symbolSize": round(2 * radius * UNIT, 1),
        "itemStyle": {
            "color": "#DDEEFF",
            "borderColor": OKABE_ITO["vermillion"] if fighting else "#222222",
            "borderWidth": 6 if fighting else 2,
        },
        "label": {
            "show": True,
            "formatter": label,
            "position": _label_position(x, y),
            "distance": 8,
            "fontSize": LABEL_SIZE,
            "fontWeight": "bold",
            "fontFamily": FONT,
            "color": "#000000",
            "lineHeight": LABEL_SIZE + 2,
        },
    }


def _link(arc: Arc) -> Option:
    """One arc: width and opacity grow with its weight, an arrow where a one-way tie arrives."""
    colour, style, widest = TIE_STYLE.get(arc.kind, DEFAULT_TIE_STYLE)
    width = round(widest * (0.35 + 0.65 * arc.weight) * 4 / 3, 1)  # points to pixels
    source, target, rad = arc.a, arc.b, arc.rad
    if arc.arrow == "<|-":  # the arrow goes at the target's end: turn the arc round
        source, target, rad = arc.b, arc.a, -arc.rad
    return {
        "source": source,
        "target": target,
        "symbol": ["none", "none" if arc.arrow == "-" else "arrow"],
        "symbolSize": [0, 14 + width],
        "lineStyle": {
            "color": colour,
            "width": width,
            "type": _line_type(style, width),
            "opacity": round(0.4 + 0.6 * arc.weight, 3),
            # Never 0: beside curved links of the same pair, ECharts 5.4 draws a straight one
            # elsewhere in the picture (seen with the arcs fanned out by arc_radius).
            "curveness": rad or STRAIGHT,
        },
    }


def _tie_key() -> Option:
    """The legend of every tie kind, a sample line and its name, at the picture's right."""
    children: list[Option] = [
        {
            "type": "text",
            "x": 0,
            "y": 0,
            "style": {"text": "tie kind", "font": f"bold {TEXT_SIZE}px {FONT}", "fill": "#000"},
        }
    ]
    for i, (kind, (colour, style, widest)) in enumerate(TIE_STYLE.items()):
        y = 36 + 32 * i
        width = max(widest, 3.5) * 4 / 3
        line_style = {"stroke": colour, "lineWidth": width, "lineDash": _line_type(style, width)}
        children.append(
            {"type": "line", "shape": {"x1": 0, "y1": y, "x2": 56, "y2": y}, "style": line_style}
        )
        text = {"text": kind, "font": f"{TEXT_SIZE}px {FONT}", "fill": "#000"}
        children.append(
            {"type": "text", "x": 68, "y": y, "style": {**text, "verticalAlign": "middle"}}
        )
    return {"type": "group", "right": 20, "top": "middle", "children": children}


def _describe(step: int, fighting: list[str], arcs: list[Arc]) -> str:
    """The picture in words, for screen readers (ECharts sets it as the chart's aria-label)."""
    war = [f"{arc.a}–{arc.b}" for arc in arcs if arc.kind == "war"]
    return (
        f"Network at week {step}. Fighting: {', '.join(fighting) or 'none'}. "
        f"Wars: {', '.join(war) or 'none'}. {len(arcs)} tie arcs."
    )


def weekly_option(stored: Stored) -> Option:
    """Escalation, territory held and who fights or intervenes, week by week, as ECharts.

    Three panels side by side, as in :func:`~sim.presentation.live_plot.live_figure`: one grid,
    x axis (weeks) and y axis each, and a line per value of the run.
    """
    steps = stored.steps.sort_values("step")
    weeks = [int(w) for w in steps["step"]]
    last = max(1, max(weeks, default=0))
    panels = [
        _escalation(steps, weeks),
        _territory(stored, steps, weeks),
        _counts(stored, steps, weeks),
    ]
    option: Option = {
        "animation": False,
        "aria": {
            "enabled": True,
            "label": {"description": f"Week by week to week {max(weeks, default=0)}."},
        },
        "tooltip": {"trigger": "axis"},
        "title": [],
        "grid": [],
        "xAxis": [],
        "yAxis": [],
        "legend": [],
        "series": [],
        "graphic": [],
    }
    for i, panel in enumerate(panels):
        left = 3 + 33.4 * i  # percent of the width
        option["title"].append(
            {
                "text": panel["title"],
                "left": f"{left + 14}%",
                "textAlign": "center",
                "textStyle": _title_style(TITLE_SIZE - 4),
            }
        )
        option["grid"].append({"left": f"{left + 4}%", "width": "24%", "top": 90, "bottom": 60})
        option["xAxis"].append(
            {
                "gridIndex": i,
                "type": "value",
                "min": 0,
                "max": last,
                "minInterval": 1,
                "name": "week",
                "nameLocation": "middle",
                "nameGap": 32,
                **_axis_text(),
            }
        )
        option["yAxis"].append({"gridIndex": i, **panel["y"], **_axis_text()})
        for series in panel["series"]:
            option["series"].append({**series, "xAxisIndex": i, "yAxisIndex": i})
        if panel["legend"]:
            option["legend"].append(
                {
                    "data": panel["legend"],
                    "left": f"{left + 6}%",
                    "top": 44,
                    "itemWidth": 36,
                    "textStyle": {"fontSize": TEXT_SIZE - 2, "fontFamily": FONT},
                }
            )
        if panel["note"]:
            option["graphic"].append(
                {
                    "type": "text",
                    "left": f"{left + 9}%",
                    "top": "middle",
                    "style": {
                        "text": panel["note"],
                        "font": f"{TEXT_SIZE}px {FONT}",
                        "fill": NOTE_GREY,
                    },
                }
            )
    return option


def _title_style(size: int) -> Option:
    """Bold black titles, as in the saved figures."""
    return {"fontSize": size, "fontWeight": "bold", "fontFamily": FONT, "color": "#000"}


def _axis_text() -> Option:
    """Axis type and names large enough for a projector."""
    return {
        "axisLabel": {
            "fontSize": TEXT_SIZE - 2,
            "fontFamily": FONT,
            "color": "#000",
            "lineHeight": TEXT_SIZE,
        },
        "nameTextStyle": {"fontSize": TEXT_SIZE - 2, "fontFamily": FONT, "color": "#000"},
    }


def _line(name: str, weeks: list[int], values: pd.Series, colour: str) -> Option:
    """One weekly line (gaps where the run has no value)."""
    data = [[w, None if pd.isna(v) else float(v)] for w, v in zip(weeks, values, strict=True)]
    return {
        "type": "line",
        "name": name,
        "data": data,
        "showSymbol": False,
        "color": colour,
        "lineStyle": {"width": 4},
    }


def _escalation(steps: pd.DataFrame, weeks: list[int]) -> Option:
    """Escalation, its levels named in words rather than codes."""
    return {
        "title": "Escalation",
        "y": {
            "type": "category",
            "data": ESCALATION_LABELS,
            "boundaryGap": False,
            "splitLine": {"show": True},
        },
        "series": [_line("escalation", weeks, steps["escalation"], OKABE_ITO["vermillion"])],
        "legend": [],
        "note": "",
    }


def _territory(stored: Stored, steps: pd.DataFrame, weeks: list[int]) -> Option:
    """The owner's share of each contested theatre (a note if none is contested)."""
    theatres = contested_theatres(stored)
    return {
        "title": "Territory held by its owner",
        "y": {
            "type": "value",
            "min": 0,
            "max": 1,
            "name": "owner's share of theatre",
            "nameLocation": "middle",
            "nameGap": 48,
        },
        "series": [
            _line(t, weeks, steps[column(CONTROL, t)], CYCLE[i % len(CYCLE)])
            for i, t in enumerate(theatres)
        ],
        "legend": theatres,
        "note": "" if theatres else "no theatre contested",
    }


def _counts(stored: Stored, steps: pd.DataFrame, weeks: list[int]) -> Option:
    """How many states fight and how many intervene each week."""
    series, top = [], 1
    for i, metric in enumerate(("fighting", "intervening")):
        columns = [column(metric, s) for s in stored.states if column(metric, s) in steps]
        counts = steps[columns].sum(axis=1)
        series.append(_line(metric, weeks, counts, CYCLE[i]))
        top = max(top, int(counts.max()) if len(counts) else 0)
    return {
        "title": "Fighting or intervening",
        "y": {
            "type": "value",
            "min": 0,
            "max": top + 1,  # headroom: a line at the top edge is hard to see
            "minInterval": 1,
            "name": "number of states",
            "nameLocation": "middle",
            "nameGap": 40,
        },
        "series": series,
        "legend": ["fighting", "intervening"],
        "note": "",
    }


@solara.component
def Chart(option: Option, height: int) -> None:
    """An ECharts option drawn in the browser, as wide as its column and ``height`` pixels high.

    For :func:`network_option` (:data:`NETWORK_HEIGHT`) and :func:`weekly_option`
    (:data:`WEEKLY_HEIGHT`); the options are plain data, so a page may build them in a thread.
    """
    solara.FigureEcharts(
        option=option,
        attributes={"style": f"height: {height}px; width: 100%;"},
        responsive=True,
    )
