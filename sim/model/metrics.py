"""Per-week metrics and per-run summaries, as flat dicts ready for a pandas DataFrame.

Escalation levels: 0 peace, 1 crisis (a state mobilised against another), 2 war between two
states, 3 war with a third party fighting in it.
"""

from __future__ import annotations

import math
from functools import lru_cache
from typing import TYPE_CHECKING

import networkx as nx

from sim.model import balance
from sim.model.rules import reliability
from sim.schema.columns import (
    CONTROL,
    FIRST_INTERVENTION,
    GAIN,
    INTERVENED,
    LOSSES,
    STATE_METRICS,
    TRIANGLE_COLUMNS,
    column,
)

if TYPE_CHECKING:
    from sim.model.conflict import Crisis, War
    from sim.model.model import AllianceModel


@lru_cache(maxsize=4096)
def _balance_of(
    nodes: tuple[str, ...], edges: frozenset[tuple[str, str, int]]
) -> tuple[float, int, float, tuple[int, ...]]:
    """Balance metrics of a signed network, cached: the sign pattern rarely changes.

    Nodes and edges are added in sorted order so results do not depend on hash order. The
    frustration index is exact for connected components of up to 20 states and an upper bound
    from a deterministic local search above that
    (:func:`sim.model.balance.frustration_index`), so it stays affordable on worlds of hundreds
    of states; the walk index is two eigen-decompositions of an N x N matrix, paid once per new
    sign pattern thanks to the cache.
    """
    graph = nx.Graph()
    graph.add_nodes_from(nodes)
    graph.add_edges_from((a, b, {"sign": s}) for a, b, s in sorted(edges))
    census = balance.triangle_census(graph)
    balanced, total = census["+++"] + census["+--"], sum(census.values())
    return (
        balanced / total if total else math.nan,
        balance.frustration_index(graph),
        balance.walk_balance_index(graph),
        tuple(census[pattern] for pattern in balance.TRIANGLE_PATTERNS),
    )


def signed_edges(model: AllianceModel) -> frozenset[tuple[str, str, int]]:
    """Signed edges of the network this week (war pairs count as hostile)."""
    at_war = {
        frozenset((a, d))
        for war in model.active_wars()
        for a in war.attackers
        for d in war.defenders
    }
    return model.net.signed_edges(at_war)


@lru_cache(maxsize=256)
def _control_columns(theatres: tuple[str, ...]) -> tuple[str, ...]:
    """Column names of the theatres' control, built once per set of theatres."""
    return tuple(column(CONTROL, theatre) for theatre in theatres)


@lru_cache(maxsize=256)
def _state_columns(names: tuple[str, ...]) -> tuple[tuple[str, ...], ...]:
    """Column names of each state's weekly metrics, in row order, built once per set of states."""
    return tuple(tuple(column(metric, name) for metric in STATE_METRICS) for name in names)


def conflicts_of_the_week(model: AllianceModel) -> tuple[list[War], list[Crisis]]:
    """The wars and crises open at any moment of the week just played.

    Metrics are recorded after the week is played, so this includes those that ended in it and
    those that began and ended in it (an offensive both sides settle at once, a crisis ended by
    a stand-down in its first week): a week's row says what happened during the week.
    """
    played = model.week - 1
    wars = [war for war in model.wars if war.end is None or war.end >= played]
    crises = [crisis for crisis in model.crises if crisis.end is None or crisis.end >= played]
    return wars, crises


def escalation(wars: list[War], crises: list[Crisis]) -> int:
    """Highest escalation level among these wars and crises.

    0 peace, 1 a crisis, 2 a war between two states, 3 a war in which a third party fights.
    """
    level = int(bool(crises))
    for war in wars:
        level = max(level, 3 if len(war.attackers) + len(war.defenders) > 2 else 2)
    return level


def war_weeks(model: AllianceModel) -> int:
    """Number of weeks in which some war was fought.

    A war is fought from the week it starts to the week of its last contest: a ceasefire is
    agreed before that week's fighting, so the week before it; a capitulation comes out of the
    week's fighting, so its own week; a war still on, every week played.
    """
    weeks: set[int] = set()
    for war in model.wars:
        if war.end is None:
            last = model.week - 1
        elif war.outcome == "capitulation":
            last = war.end
        else:
            last = war.end - 1
        weeks.update(range(war.start, last + 1))
    return len(weeks)


def record_step(model: AllianceModel) -> dict[str, float]:
    """Return this week's metrics as one flat row."""
    names = tuple(model.states)
    share, frustration, walk, triangles = _balance_of(names, signed_edges(model))
    wars, crises = conflicts_of_the_week(model)
    row: dict[str, float] = {
        "step": model.week,
        "escalation": escalation(wars, crises),
        "wars": len(wars),
        "crises": len(crises),
        "ceasefires": sum(w.outcome == "ceasefire" for w in model.wars),
        "peacekeepers": int(any(w.peacekeepers for w in model.wars)),
        "balanced_triangles": share,
        "frustration": frustration,
        "walk_balance": walk,
        # Spelled out rather than unpacked from a zip: this row is built every week of every run.
        TRIANGLE_COLUMNS[0]: triangles[0],
        TRIANGLE_COLUMNS[1]: triangles[1],
        TRIANGLE_COLUMNS[2]: triangles[2],
        TRIANGLE_COLUMNS[3]: triangles[3],
        "pledges_due": model.pledges_due,
        "pledges_honoured": model.pledges_honoured,
        "reliability": reliability(model.pledges_honoured, model.pledges_due),
    }
    row.update(zip(_control_columns(tuple(model.control)), model.control.values(), strict=True))
    # Who is doing what, gathered once per week rather than once per state (nobody, in peace).
    fighting: set[str] = set()
    intervening: set[str] = set()
    showing: set[str] = set()
    mediating: set[str] = set()
    if wars or crises:
        members = [(w, m) for w in wars for m in (*w.attackers, *w.defenders)]
        fighting = {m for _, m in members}
        intervening = {m for w, m in members if m not in w.primaries}
        conflicts: list[War | Crisis] = [*wars, *crises]
        showing = {s for c in conflicts for group in c.shows.values() for s in group}
        mediating = {s for w in wars for s in w.mediating}
    dependence = model.net.dependence_of
    delivered = model.delivered
    for name, keys in zip(names, _state_columns(names), strict=True):
        row[keys[0]] = 1 if name in fighting else 0
        row[keys[1]] = 1 if name in intervening else 0
        row[keys[2]] = 1 if name in showing else 0
        row[keys[3]] = 1 if name in mediating else 0
        row[keys[4]] = delivered[name]
        # sum() over no wars is the int 0; skip building the generator in peace.
        row[keys[5]] = sum(w.losses.get(name, 0.0) for w in model.wars) if model.wars else 0
        row[keys[6]] = model.strength(name)
        row[keys[7]] = dependence[name]
    return row


def summarise_run(model: AllianceModel) -> dict[str, object]:
    """Summarise a finished run: war, its length and end, who intervened and when, territory."""
    first_row, last_row = model.records[0], model.records[-1]
    summary: dict[str, object] = {
        "steps": model.week,
        "max_escalation": max(r["escalation"] for r in model.records),
        "wars": len(model.wars),
        "war_weeks": war_weeks(model),
        "ceasefire": any(w.outcome == "ceasefire" for w in model.wars),
        "capitulation": any(w.outcome == "capitulation" for w in model.wars),
        "first_war_end": min((w.end for w in model.wars if w.end is not None), default=math.nan),
        "peacekeepers": ";".join(sorted({w.peacekeepers for w in model.wars if w.peacekeepers})),
        "reliability": last_row["reliability"],
        "pledges_due": model.pledges_due,
        "pledges_honoured": model.pledges_honoured,
    }
    for theatre in model.control:
        key = column(CONTROL, theatre)
        summary[column(GAIN, theatre)] = last_row[key] - first_row[key]
        summary[key] = last_row[key]
    for name in model.states:
        joined = [r["step"] for r in model.records if r[column("intervening", name)]]
        summary[column(INTERVENED, name)] = bool(joined)
        summary[column(FIRST_INTERVENTION, name)] = min(joined) - 1 if joined else math.nan
        summary[column(LOSSES, name)] = last_row[column(LOSSES, name)]
    return summary
