"""Hypothesis strategies for random worlds and scenario timelines.

``worlds()`` draws valid :class:`sim.schema.world.World` objects: random states and levers,
theatres, a random mix of every kind of tie, and model parameters drawn inside the ranges the
built-in world states for them. ``timelines(world, steps)`` draws scheduled events valid for a
world. Every figure carries generated evidence: ``{"value": v, "assumption": "generated",
"range": [lo, hi]}`` with ``lo <= v <= hi``.
"""

from __future__ import annotations

import string
from functools import cache
from typing import Any

from hypothesis import strategies as st
from pydantic import TypeAdapter

from sim.loading.worlds import load_world
from sim.schema.scenario import Event
from sim.schema.world import Theatre, World

OBLIGATIONS = ("defence", "offence", "neutrality", "non_aggression", "consultation")
TIE_KINDS = ("alliance", "arms", "energy", "transit", "trade", "border", "rivalry", "mediation")
YEAR = 2023

EVENT_ADAPTER: TypeAdapter[Any] = TypeAdapter(Event)


@cache
def builtin_world() -> World:
    """The built-in world, loaded once (treat as read-only)."""
    return load_world()


@cache
def model_ranges() -> dict[str, tuple[float, float]]:
    """Name -> (low, high) of every model parameter of the built-in world."""
    ranges: dict[str, tuple[float, float]] = {}
    for name, fig in builtin_world().model.items():
        lo, hi = fig.range if fig.range is not None else (fig.value, fig.value)
        ranges[name] = (min(float(lo), fig.value), max(float(hi), fig.value))
    return ranges


def builtin_model(**values: float) -> dict[str, dict[str, Any]]:
    """The built-in [model] section as generated figures, with some values replaced."""
    table = {}
    for name, (lo, hi) in model_ranges().items():
        value = values.pop(name, builtin_world().model[name].value)
        table[name] = figure(value, min(lo, value), max(hi, value))
    assert not values, f"unknown model parameters: {sorted(values)}"
    return table


def figure(value: float, lo: float, hi: float) -> dict[str, Any]:
    """A generated figure with its evidence."""
    assert lo <= value <= hi
    return {"value": value, "assumption": "generated", "range": [lo, hi]}


def values(lo: float, hi: float) -> st.SearchStrategy[float]:
    """Floats in [lo, hi] rounded to 4 decimals, with the ends likely.

    Rounding keeps out values like 1e-290, whose powers underflow: a world figure is a
    judgement, never that precise (the rules' own edge cases are tested in test_rules.py).
    """
    return st.one_of(
        st.sampled_from([lo, hi]),
        st.floats(lo, hi, allow_nan=False, allow_infinity=False).map(
            lambda v: min(hi, max(lo, round(v, 4)))
        ),
    )


@st.composite
def figures(draw: st.DrawFn, lo: float, hi: float) -> dict[str, Any]:
    """A figure drawn in [lo, hi]."""
    return figure(draw(values(lo, hi)), lo, hi)


names = st.text(alphabet=string.ascii_letters, min_size=1, max_size=6)


@st.composite
def pairs(draw: st.DrawFn, states: list[str]) -> tuple[str, str]:
    """Two different states."""
    a = draw(st.sampled_from(states))
    b = draw(st.sampled_from([s for s in states if s != a]))
    return a, b


@st.composite
def tie_dicts(
    draw: st.DrawFn,
    tie_id: str,
    states: list[str],
    theatres: list[str],
    kind: str | None = None,
    dated: bool = True,
) -> dict[str, Any]:
    """One tie of ``kind`` (random if None) between states of the world, as a dict."""
    kind = kind or draw(st.sampled_from(TIE_KINDS))
    source, target = draw(pairs(states))
    tie: dict[str, Any] = {"id": tie_id, "kind": kind, "source": source}
    if dated and draw(st.integers(0, 4)) == 0:
        tie["since"] = draw(st.integers(YEAR - 5, YEAR + 5))
    if kind == "mediation":
        parties = [s for s in states if s != source]
        if len(parties) < 2:
            kind = tie["kind"] = "border"
        else:
            a, b = draw(st.lists(st.sampled_from(parties), min_size=2, max_size=2, unique=True))
            tie.update(
                parties=[a, b], peacekeeping=draw(st.booleans()), strength=draw(figures(0.0, 1.0))
            )
            return tie
    tie["target"] = target
    match kind:
        case "alliance":
            tie.update(
                mutual=draw(st.booleans()),
                obligation=draw(st.sampled_from(OBLIGATIONS)),
                scope=draw(st.sampled_from(["own_territory", "any"])),
                theatres=draw(st.lists(st.sampled_from(theatres), unique=True, max_size=2))
                if theatres
                else [],
                strength=draw(figures(0.0, 1.0)),
                consultation_delay=figure(
                    draw(st.one_of(st.sampled_from([0.0, 1.0, 2.0, 3.0]), values(0.0, 3.0))),
                    0.0,
                    3.0,
                ),
            )
        case "arms":
            tie.update(precision=draw(st.booleans()), volume_usd_m=draw(figures(0.0, 1000.0)))
        case "energy":
            tie.update(
                commodity=draw(st.sampled_from(["oil", "gas"])), share=draw(figures(0.0, 1.0))
            )
        case "transit":
            tie.update(share=draw(figures(0.0, 1.0)))
        case "trade":
            tie.update(mutual=draw(st.booleans()), turnover_usd_bn=draw(figures(0.0, 20.0)))
        case "border":
            tie.update(mutual=draw(st.booleans()), open=draw(st.booleans()))
        case "rivalry":
            tie.update(
                mutual=draw(st.booleans()),
                issue=draw(st.sampled_from(["land", "sea"])),
                intensity=draw(figures(0.0, 1.0)),
            )
    return tie


@st.composite
def world_dicts(
    draw: st.DrawFn,
    min_states: int = 2,
    max_states: int = 7,
    max_ties: int = 16,
    kinds: tuple[str, ...] = TIE_KINDS,
) -> dict[str, Any]:
    """A world as the dict a world file would hold; tie kinds drawn from ``kinds``."""
    states = draw(st.lists(names, min_size=min_states, max_size=max_states, unique=True))
    state_table = {
        name: {
            "memberships": [],
            "capability": draw(figures(0.0, 10.0)),
            "commitment": draw(figures(0.0, 1.0)),
            "risk_appetite": draw(figures(0.0, 1.0)),
            "economic_weight": draw(figures(0.0, 2.0)),
        }
        for name in states
    }
    theatre_names = draw(
        st.lists(
            st.text(alphabet=string.ascii_lowercase, min_size=1, max_size=5),
            min_size=1,
            max_size=4,
            unique=True,
        )
    )
    theatres: dict[str, dict[str, Any]] = {}
    for name in theatre_names:
        owner = draw(st.sampled_from(states))
        theatres[name] = {
            "owner": owner,
            "held_by": draw(st.sampled_from(states)),
            "owner_control": draw(figures(0.0, 1.0)),
            "share_of_owner_territory": draw(figures(0.0, 1.0)),
            "stake": draw(figures(0.0, 1.0)),
        }
        if "claimants" in Theatre.model_fields:
            others = [s for s in states if s != owner]
            theatres[name]["claimants"] = draw(
                st.lists(st.sampled_from(others), unique=True, max_size=2)
            )
    n_ties = draw(st.integers(0, max_ties))
    ties = [
        draw(tie_dicts(f"t{i}", states, theatre_names, draw(st.sampled_from(kinds))))
        for i in range(n_ties)
    ]
    model = {name: draw(figures(lo, hi)) for name, (lo, hi) in model_ranges().items()}
    return {
        "meta": {"name": "generated", "year": YEAR},
        "states": state_table,
        "theatres": theatres,
        "ties": ties,
        "model": model,
    }


@st.composite
def worlds(
    draw: st.DrawFn,
    min_states: int = 2,
    max_states: int = 7,
    max_ties: int = 16,
    kinds: tuple[str, ...] = TIE_KINDS,
) -> World:
    """A valid random :class:`World`."""
    return World.model_validate(draw(world_dicts(min_states, max_states, max_ties, kinds)))


#: Tie kinds weighted towards pledges and the motives to act on them.
ALLIANCE_HEAVY = (
    "alliance",
    "alliance",
    "alliance",
    "rivalry",
    "rivalry",
    "arms",
    "energy",
    "border",
    "trade",
    "mediation",
)


def event(data: dict[str, Any]) -> Any:
    """Validate one scenario event (bare numbers allowed, as in a scenario file)."""
    return EVENT_ADAPTER.validate_python(data, context={"scenario": True})


EVENT_KINDS = (
    "offensive",
    "offensive",
    "mobilise",
    "mobilise",
    "distraction",
    "arms_shipment",
    "tie_suspend",
    "tie_restore",
    "tie_cut",
    "tie_create",
    "sanction",
    "ceasefire_proposal",
    "normalisation",
)


@st.composite
def event_dicts(
    draw: st.DrawFn,
    world: World,
    steps: int,
    created: dict[str, int],
    kinds: tuple[str, ...] = EVENT_KINDS,
    exclude: frozenset[str] = frozenset(),
) -> dict[str, Any]:
    """One event valid for ``world`` in a run of ``steps`` weeks.

    ``created`` maps the ids of ties made by earlier ``tie_create`` events to their weeks (ids
    stay unique; later events may suspend, restore or cut them from that week on). ``exclude``
    names states the event must not involve.
    """
    states = [s for s in sorted(world.states) if s not in exclude]
    theatres = sorted(world.theatres)
    kind = draw(st.sampled_from(kinds))
    step = draw(st.integers(0, steps - 1))
    base: dict[str, Any] = {"step": step, "kind": kind}
    if kind in ("tie_suspend", "tie_restore", "tie_cut"):
        ties = [t.id for t in world.ties if not ({a for p in t.pairs() for a in p} & exclude)]
        ties += [tie_id for tie_id, week in created.items() if week <= step]
        if ties:
            return base | {"tie": draw(st.sampled_from(ties))}
        kind = "distraction"
    if len(states) < 2:
        assert states, "at least one state must be free to act"
        kind = "distraction"
    base["kind"] = kind
    match kind:
        case "offensive":
            a, d = draw(pairs(states))
            return base | {"attacker": a, "defender": d, "theatre": draw(st.sampled_from(theatres))}
        case "mobilise":
            a, d = draw(pairs(states))
            return base | {"state": a, "target": d, "theatre": draw(st.sampled_from(theatres))}
        case "distraction":
            return base | {"state": draw(st.sampled_from(states)), "level": draw(values(0.0, 1.0))}
        case "arms_shipment":
            supplier, recipient = draw(pairs(states))
            return base | {
                "supplier": supplier,
                "recipient": recipient,
                "volume_usd_m": draw(values(1.0, 2000.0)),
                "precision": draw(st.booleans()),
            }
        case "tie_create":
            tie_id = f"new{len(created)}"
            created[tie_id] = step
            tie = draw(tie_dicts(tie_id, states, theatres, dated=False))
            return base | {"tie": tie}
        case "sanction":
            a, d = draw(pairs(states))
            return base | {"state": a, "target": d}
        case "ceasefire_proposal":
            mediator = draw(st.sampled_from(states))
            return base | {"mediator": mediator, "parties": list(draw(pairs(states)))}
        case "normalisation":
            return base | {"states": list(draw(pairs(states)))}
    raise AssertionError(kind)


@st.composite
def timelines(
    draw: st.DrawFn,
    world: World,
    steps: int,
    max_events: int = 8,
    kinds: tuple[str, ...] = EVENT_KINDS,
    exclude: frozenset[str] = frozenset(),
) -> list[Any]:
    """A list of scheduled events valid for ``world`` (pydantic ``Event`` objects)."""
    created: dict[str, int] = {}
    n = draw(st.integers(0, max_events))
    raw = [draw(event_dicts(world, steps, created, kinds, exclude)) for _ in range(n)]
    return [event(data) for data in raw]


@st.composite
def wars_in_worlds(
    draw: st.DrawFn,
    steps: int,
    min_states: int = 2,
    max_states: int = 7,
    max_events: int = 8,
    kinds: tuple[str, ...] = TIE_KINDS,
    max_ties: int = 16,
) -> tuple[World, list[Any]]:
    """A world and a timeline that opens with an offensive (so there is a war to watch)."""
    world = draw(worlds(min_states, max_states, max_ties, kinds))
    events = draw(timelines(world, steps, max_events))
    a, d = draw(pairs(sorted(world.states)))
    opening = event(
        {
            "step": draw(st.integers(0, min(2, steps - 1))),
            "kind": "offensive",
            "attacker": a,
            "defender": d,
            "theatre": draw(st.sampled_from(sorted(world.theatres))),
        }
    )
    return world, [opening, *events]


@st.composite
def pledged_wars(draw: st.DrawFn, steps: int, max_events: int = 4) -> tuple[World, list[Any]]:
    """A war whose primaries hold pledges from third parties with consultation delays.

    One to three third parties pledge (defence, offence or consultation; delays of 1 to 3
    weeks) to the attacker or the defender (or to a fellow third party drawn in by the same
    rivalry), and have a rivalry with the other side and a high appetite for risk, so they
    often want to join, and the delay is what holds them back.
    """
    data = draw(world_dicts(min_states=3, max_states=6, max_ties=8, kinds=ALLIANCE_HEAVY))
    names = sorted(data["states"])
    attacker, defender = draw(pairs(names))
    theatre = draw(st.sampled_from(sorted(data["theatres"])))
    thirds = [s for s in names if s not in (attacker, defender)]
    pledgers = draw(st.lists(st.sampled_from(thirds), min_size=1, max_size=3, unique=True))
    for i, pledger in enumerate(pledgers):
        protege, foe = draw(st.sampled_from([(attacker, defender), (defender, attacker)]))
        fellows = [s for s in thirds if s != pledger]
        if fellows and draw(st.booleans()):
            # A pledge to a fellow third party, which the same rivalry draws into the war.
            protege = draw(st.sampled_from(fellows))
            data["ties"].append(
                {
                    "id": f"f{i}",
                    "kind": "rivalry",
                    "source": protege,
                    "target": foe,
                    "mutual": True,
                    "issue": "war",
                    "intensity": draw(figures(0.5, 1.0)),
                }
            )
            data["states"][protege]["risk_appetite"] = draw(figures(0.6, 1.0))
        obligation = (
            "offence" if protege == attacker else draw(st.sampled_from(["defence", "consultation"]))
        )
        delay = draw(st.one_of(st.sampled_from([1.0, 2.0, 3.0]), values(0.5, 3.0)))
        data["ties"].append(
            {
                "id": f"p{i}",
                "kind": "alliance",
                "source": pledger,
                "target": protege,
                "mutual": draw(st.booleans()),
                "obligation": obligation,
                "scope": draw(st.sampled_from(["any", "any", "own_territory"])),
                "theatres": draw(st.sampled_from([[], [theatre]])),
                "strength": draw(figures(0.5, 1.0)),
                "consultation_delay": figure(delay, 0.0, 3.0),
            }
        )
        data["ties"].append(
            {
                "id": f"r{i}",
                "kind": "rivalry",
                "source": pledger,
                "target": foe,
                "mutual": True,
                "issue": "war",
                "intensity": draw(figures(0.5, 1.0)),
            }
        )
        data["states"][pledger]["risk_appetite"] = draw(figures(0.6, 1.0))
        data["states"][pledger]["commitment"] = draw(figures(0.5, 1.0))
    world = World.model_validate(data)
    opening = event(
        {
            "step": draw(st.integers(0, 2)),
            "kind": "offensive",
            "attacker": attacker,
            "defender": defender,
            "theatre": theatre,
        }
    )
    kinds = tuple(k for k in EVENT_KINDS if k not in ("tie_suspend", "tie_cut", "tie_create"))
    return world, [opening, *draw(timelines(world, steps, max_events, kinds))]
