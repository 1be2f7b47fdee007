"""Dated ties: a world holds a history; a run's calendar switches ties on and off by their dates.

Invariants (docs/ODD.md 7.2): a tie is in force only from its ``since`` year (unless an event
brings it forward) and never from its ``until`` year on; every change of a tie's status is in
the change log with its week and reason, and replaying the log from the start gives the ties in
force every week.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from strategies import timelines, world_dicts

from sim.loading.errors import first_error
from sim.model.model import WEEKS_PER_YEAR, AllianceModel
from sim.model.rules import dated_status
from sim.schema.world import World

START = 2000
YEARS = 3
STEPS = YEARS * WEEKS_PER_YEAR


@st.composite
def dated_worlds(draw: st.DrawFn) -> tuple[World, list[Any]]:
    """A random world whose ties carry random dates around a four-year run, and a timeline."""
    data = draw(world_dicts(2, 6, 12, ("alliance", "rivalry", "arms", "trade", "border")))
    for tie in data["ties"]:
        since = draw(st.none() | st.integers(START - 2, START + YEARS))
        until = draw(st.none() | st.integers((since or START - 3) + 1, START + YEARS + 1))
        tie |= {"since": since, "until": until}
    world = World.model_validate(data)
    kinds = ("tie_suspend", "tie_restore", "tie_cut", "tie_create", "sanction", "offensive")
    events = draw(timelines(world, STEPS, max_events=6, kinds=kinds))
    return world, events


def run_and_watch(world: World, events: list[Any], seed: int) -> AllianceModel:
    model = AllianceModel(world, year=START, events=events, rng=np.random.default_rng(seed))
    restored = set()  # ties an event brought back or forward: their dates no longer rule
    for _ in range(STEPS):
        model.step()
        year = model.year
        assert year == START + (model.week - 1) // WEEKS_PER_YEAR
        restored |= {
            c["tie"] for c in model.net.changes if c["reason"] in ("tie_restore", "tie_create")
        }
        for tie_id, tie in model.net.ties.items():
            status = model.net.status[tie_id]
            if tie.until is not None and year >= tie.until:
                assert status != "active", (tie_id, tie.until, year)
            if status == "active" and tie_id not in restored:
                assert dated_status(tie.since, tie.until, year) == "active", (tie_id, year)
    return model


@settings(max_examples=30, deadline=None)
@given(dated_worlds(), st.integers(0, 2**32 - 1))
def test_ties_are_in_force_only_within_their_dates(
    world_events: tuple[World, list[Any]], seed: int
) -> None:
    run_and_watch(*world_events, seed)


@settings(max_examples=30, deadline=None)
@given(dated_worlds(), st.integers(0, 2**32 - 1))
def test_the_change_log_rebuilds_the_ties_in_force_every_week(
    world_events: tuple[World, list[Any]], seed: int
) -> None:
    world, events = world_events
    model = AllianceModel(world, year=START, events=events, rng=np.random.default_rng(seed))
    status = dict(model.net.status)
    for _ in range(STEPS):
        model.step()
        for change in model.net.changes:
            if change["step"] == model.week - 1:
                status[str(change["tie"])] = change["status"]  # type: ignore[assignment]
        assert status == model.net.status


def test_a_history_world_switches_a_tie_from_ally_to_enemy() -> None:
    # One world file holds a history: a pair allied until 2002, rivals from then on.
    data = {
        "meta": {"name": "history", "year": START},
        "states": {name: _state() for name in ("A", "B")},
        "ties": [
            _tie("ab_alliance", "alliance", until=START + 2),
            _tie("ab_rivalry", "rivalry", since=START + 2),
        ],
        "model": _model(),
    }
    model = AllianceModel(World.model_validate(data), year=START, rng=0)
    signs = {}
    for _ in range(STEPS):
        model.step()
        signs[model.year] = model.records[-1]["walk_balance"], model.net.hostility.get(("A", "B"))
    assert signs[START][1] is None and signs[START + 2][1] == pytest.approx(0.5)
    assert model.net.status == {"ab_alliance": "ended", "ab_rivalry": "active"}
    changes = [(c["step"], c["tie"], c["status"], c["reason"]) for c in model.net.changes]
    week = 2 * WEEKS_PER_YEAR
    assert changes == [
        (week, "ab_alliance", "ended", "dates"),
        (week, "ab_rivalry", "active", "dates"),
    ]


def test_until_must_come_after_since() -> None:
    data = {
        "meta": {"name": "bad", "year": START},
        "states": {name: _state() for name in ("A", "B")},
        "ties": [_tie("ab", "rivalry", since=2005, until=2005)],
        "model": _model(),
    }
    with pytest.raises(Exception) as caught:
        World.model_validate(data)
    error = first_error("w.toml", caught.value)  # type: ignore[arg-type]
    assert error.field == "ties[0]" and "until (2005) must be a later year than since (2005)" in (
        error.message
    )


def _state() -> dict[str, Any]:
    fig = {"value": 0.5, "assumption": "test"}
    return {"capability": fig, "commitment": fig, "risk_appetite": fig, "economic_weight": fig}


def _tie(tie_id: str, kind: str, **dates: int) -> dict[str, Any]:
    fig = {"value": 0.5, "assumption": "test"}
    tie: dict[str, Any] = {"id": tie_id, "kind": kind, "source": "A", "target": "B", "mutual": True}
    if kind == "alliance":
        tie |= {"obligation": "defence", "strength": fig, "consultation_delay": fig}
    else:
        tie |= {"issue": "test", "intensity": fig}
    return tie | dates


def _model() -> dict[str, Any]:
    from strategies import builtin_model

    return builtin_model(review_share=0.0)  # dates alone: the tie dynamics stay off
