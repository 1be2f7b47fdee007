"""Actors beyond the states: a de facto authority, its supply routes, its collapse (ODD 7.19).

Invariants: an actor none of whose supply routes is in force gets no deliveries, and its
strength is scaled by ``supply_factor`` of the weeks it has been cut off (back to 1 the week a
route reopens); a war that ends by capitulation ends on a day 1-7 of the week it was fought in,
with no more losses than the whole week would have cost; an authority that capitulates
dissolves, and from then on has no tie in force and makes no choice. A world file can be built
on another (``meta.base``).
"""

from __future__ import annotations

import dataclasses
import math
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sim.experiments.run import run_replicate
from sim.loading.scenarios import load_scenario
from sim.loading.worlds import load_world, load_world_file, shipped_worlds
from sim.model import rules
from sim.model.model import DAYS_PER_WEEK, AllianceModel
from sim.presentation.account import outcome_summary
from sim.presentation.classroom import (
    apply_settings,
    default_settings,
    event_switches,
    switch_is_on,
    with_switch,
)
from sim.presentation.live_plot import stored_from_model
from sim.presentation.plot_base import reason_group
from sim.presentation.share import read_query, settings_query, what_if_toml
from sim.schema.errors import InputError
from sim.schema.scenario import Offensive, TieChange
from sim.schema.vocabulary import ACTIONS
from sim.schema.world import World

ROOT = Path(__file__).resolve().parent.parent
NKR, CORRIDOR = "NKR", "arm_nkr_lachin_corridor"
WORLD = load_world(shipped_worlds()["south_caucasus_nkr"])


# --- the rule ------------------------------------------------------------------------------------
@given(
    st.integers(0, 500),
    st.integers(0, 500),
    st.floats(1.0, 100.0, allow_nan=False),
)
def test_supply_factor_halves_every_half_life_and_only_falls(a: int, b: int, h: float) -> None:
    assert rules.supply_factor(0, h) == 1.0
    low, high = sorted((a, b))
    assert 0.0 <= rules.supply_factor(high, h) <= rules.supply_factor(low, h) <= 1.0
    assert math.isclose(rules.supply_factor(low, h) / 2, rules.supply_factor(low + h, h))


# --- the model -----------------------------------------------------------------------------------
def world_with(capability: float, half_life: float) -> World:
    world = WORLD.model_copy(deep=True)
    world.states[NKR].capability.value = capability
    world.model["supply_half_life"].value = half_life
    return world


@settings(max_examples=40, deadline=None)
@given(
    seed=st.integers(0, 2**32 - 1),
    cut=st.integers(0, 20),
    reopen=st.one_of(st.none(), st.integers(1, 30)),
    attack=st.integers(0, 30),
    capability=st.floats(0.05, 0.4),
    half_life=st.floats(4.0, 52.0),
)
def test_supply_collapse_and_dissolution_invariants(
    seed: int, cut: int, reopen: int | None, attack: int, capability: float, half_life: float
) -> None:
    events = [
        TieChange(step=cut, kind="tie_suspend", tie=CORRIDOR),
        Offensive(
            step=attack, kind="offensive", attacker="Azerbaijan", defender=NKR, theatre="karabakh"
        ),
    ]
    if reopen is not None:
        events.append(TieChange(step=cut + reopen, kind="tie_restore", tie=CORRIDOR))
    model = AllianceModel(world_with(capability, half_life), year=2023, events=events, rng=seed)
    weeks_cut = 0
    dissolved_at: int | None = None
    for week in range(40):
        stock = model.arms_stock[NKR]
        model.step()
        if NKR in model.cut_off:
            # Nothing reaches it: its stock only runs down (no shipments are scheduled).
            assert model.arms_stock[NKR] <= stock
            weeks_cut += 1
        else:
            weeks_cut = 0
        assert model.weeks_cut[NKR] == weeks_cut
        assert model.supply[NKR] == rules.supply_factor(weeks_cut, half_life)
        if NKR in model.dissolved:
            dissolved_at = week if dissolved_at is None else dissolved_at
            assert all(NKR not in (tie.source, tie.target) for tie in model.net.active()), (
                "a dissolved authority keeps no tie in force"
            )
    for row in model.log:
        if row["action"] == "capitulation":
            day = int(str(row["detail"]).removeprefix("day "))
            assert 1 <= day <= DAYS_PER_WEEK
        if dissolved_at is not None and int(str(row["step"])) > dissolved_at:
            assert not (row["state"] == NKR and row["action"] in ACTIONS), row
    for war in model.wars:
        if war.outcome == "capitulation":
            assert war.end is not None and war.end >= war.start
    if dissolved_at is not None:
        assert any(w.outcome == "capitulation" and NKR in w.primaries for w in model.wars)


@settings(max_examples=60, deadline=None)
@given(
    attacker_force=st.floats(0.01, 10.0),
    defender_force=st.floats(0.01, 10.0),
    strength=st.floats(0.06, 1.0),
)
def test_fewer_days_fought_cost_no_more(
    attacker_force: float, defender_force: float, strength: float
) -> None:
    model = AllianceModel(WORLD, year=2023, rng=0)
    war = model.start_war("Azerbaijan", NKR, "karabakh")
    war.strength[NKR] = strength
    rate = model.param("lanchester_rate")
    forces = [attacker_force, defender_force]
    days = [model._attrition(war, forces, rate, d / DAYS_PER_WEEK) for d in range(1, 8)]
    for earlier, later in zip(days, days[1:], strict=False):
        for member in ("Azerbaijan", NKR):
            assert earlier[member][0] <= later[member][0] + 1e-12  # losses grow with days
            assert earlier[member][1] >= later[member][1] - 1e-12  # strength only falls


def test_a_blockade_cuts_the_authority_off_and_a_reopened_route_resupplies_it() -> None:
    events = [
        TieChange(step=0, kind="tie_suspend", tie=CORRIDOR),
        TieChange(step=5, kind="tie_restore", tie=CORRIDOR),
    ]
    model = AllianceModel(WORLD, year=2023, events=events, rng=1)
    for _ in range(8):
        model.step()
    entries = [(r["step"], r["action"]) for r in model.log if r["state"] == NKR]
    assert entries == [(0, "cut_off"), (5, "resupplied")]
    assert model.supply[NKR] == 1.0 and model.weeks_cut[NKR] == 0


def test_the_blocked_authority_collapses_where_the_supplied_one_settles() -> None:
    """The same offensive, with and without nine months of blockade (validation/*2023*)."""
    outcomes = {}
    for name in ("collapse_2023", "collapse_2023_open"):
        loaded = load_scenario(ROOT / "validation" / f"{name}.toml")
        model = AllianceModel(
            loaded.world, year=loaded.scenario.year, events=loaded.scenario.events, rng=7
        )
        for _ in range(loaded.scenario.steps):
            model.step()
        outcomes[name] = model.wars[0].outcome
    assert outcomes == {"collapse_2023": "capitulation", "collapse_2023_open": "ceasefire"}


# --- worlds built on worlds ----------------------------------------------------------------------
def test_the_authority_world_adds_to_the_history_world() -> None:
    history = load_world(shipped_worlds()["south_caucasus_history"])
    assert set(WORLD.states) == {*history.states, NKR}
    assert WORLD.states[NKR].kind == "authority"
    assert all(state.kind == "state" for name, state in WORLD.states.items() if name != NKR)
    assert [t.id for t in WORLD.ties][: len(history.ties)] == [t.id for t in history.ties]
    assert WORLD.theatres["karabakh"].held_by == NKR
    assert WORLD.model == history.model and WORLD.meta.year == history.meta.year


def write(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


ACTOR = """
[states.Militia]
kind = "authority"
supplied_via = ["{route}"]
capability = {{ value = 0.1, assumption = "test", range = [0.0, 1.0] }}
commitment = {{ value = 0.5, assumption = "test", range = [0.0, 1.0] }}
risk_appetite = {{ value = 0.5, assumption = "test", range = [0.0, 1.0] }}
economic_weight = {{ value = 1.0, assumption = "test", range = [0.0, 2.0] }}

[[ties]]
id = "road"
kind = "transit"
source = "Iran"
target = "Militia"
share = {{ value = 1.0, assumption = "test", range = [0.0, 1.0] }}

[[ties]]
id = "tur_aze_arms"
kind = "arms"
source = "Turkey"
target = "Azerbaijan"
volume_usd_m = {{ value = 1.0, assumption = "test", range = [0.0, 10.0] }}
"""


def test_a_world_built_on_the_builtin_one_adds_and_replaces(tmp_path: Path) -> None:
    text = '[meta]\nname = "plus"\nbase = "builtin"\n' + ACTOR.format(route="road")
    world = load_world(write(tmp_path / "plus.toml", text))
    builtin = load_world()
    assert set(world.states) == {*builtin.states, "Militia"}
    assert world.meta.name == "plus" and world.meta.year == builtin.meta.year
    assert world.tie("tur_aze_arms").volume_usd_m.value == 1.0  # replaced, in its place
    ids = [t.id for t in world.ties]
    assert ids == [*(t.id for t in builtin.ties), "road"]


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ('[meta]\nname = "x"\nbase = "nowhere"\n', "meta.base: no world named 'nowhere'"),
        ('[meta]\nname = "x"\nbase = "loop.toml"\n', "meta.base: the bases loop"),
        ('[meta]\nname = "x"\nbase = "../none.toml"\n', "meta.base: cannot read '../none.toml'"),
        ('[meta]\nname = "x"\nbase = "w.txt"\n', "meta.base: 'w.txt' must be a .toml file"),
        ('[meta]\nname = "x"\nbase = 5\n', "meta.base: must be a world name or a path"),
        (
            '[meta]\nname = "x"\nbase = "builtin"\n' + ACTOR.format(route="tur_aze_border"),
            "states.Militia.supplied_via: tie 'tur_aze_border' does not reach Militia",
        ),
        (
            '[meta]\nname = "x"\nbase = "builtin"\n' + ACTOR.format(route="tur_aze_arms"),
            "'tur_aze_arms' is not a transit or border tie",
        ),
    ],
)
def test_a_bad_base_or_route_is_one_line_naming_the_field(
    tmp_path: Path, text: str, message: str
) -> None:
    path = write(tmp_path / "loop.toml", text)
    write(tmp_path / "w.txt", "not a world file")
    with pytest.raises(InputError) as caught:
        load_world_file(path, tmp_path / "scenario.toml", "world")
    assert message in str(caught.value) and "\n" not in str(caught.value)


def test_the_account_tells_the_blockade_the_day_of_the_collapse_and_the_dissolution() -> None:
    loaded = load_scenario(ROOT / "scenarios" / "karabakh_2023.toml")
    model, _ = run_replicate(loaded, 0)
    lines = outcome_summary(loaded, stored_from_model(loaded, model))
    day = next(r["detail"] for r in model.log if r["action"] == "capitulation")
    assert "NKR cut off from its supplies (no arm_nkr_lachin_corridor) from week 1." in lines
    assert f"NKR capitulated on {day} of week 38." in lines
    assert "NKR dissolved in week 38: all its ties ended." in lines


def test_ties_ended_by_a_dissolution_are_marked_as_an_outcome_of_war_not_a_scripted_event() -> None:
    assert reason_group("dissolved") == reason_group("war") == "war"
    assert reason_group("tie_suspend") == "event"


def test_a_dissolved_authority_is_not_attacked_again() -> None:
    events = [
        TieChange(step=0, kind="tie_suspend", tie=CORRIDOR),
        *(
            Offensive(
                step=week, kind="offensive", attacker="Azerbaijan", defender=NKR, theatre="karabakh"
            )
            for week in (30, 35)
        ),
    ]
    model = AllianceModel(WORLD, year=2023, events=events, rng=0)
    for _ in range(40):
        model.step()
    assert NKR in model.dissolved and model.wars[0].outcome == "capitulation"
    assert len(model.wars) == 1


def test_a_world_may_be_built_on_a_file_beside_it_built_on_another(tmp_path: Path) -> None:
    write(tmp_path / "first.toml", '[meta]\nname = "first"\nbase = "south_caucasus_nkr"\n')
    (tmp_path / "sub").mkdir()
    path = write(
        tmp_path / "sub" / "second.toml", '[meta]\nname = "second"\nbase = "../first.toml"\n'
    )
    world = load_world(path)
    assert world.meta.name == "second" and NKR in world.states
    assert world.model_dump(exclude={"meta"}) == WORLD.model_dump(exclude={"meta"})


# --- in the classroom: the blockade as a switch ----------------------------------------------
def test_the_classroom_switch_of_a_supply_route_lifts_or_imposes_the_blockade() -> None:
    loaded = load_scenario(ROOT / "scenarios" / "karabakh_2023.toml")
    base = default_settings(loaded)
    (route,) = [w for w in event_switches(loaded) if w.setting == "routes"]
    assert (route.key, route.label) == (CORRIDOR, "Armenia → NKR supply route open")
    assert not switch_is_on(base, route)  # the scenario blocks it in week 0
    assert apply_settings(loaded, base).scenario.events == loaded.scenario.events
    lifted = apply_settings(loaded, with_switch(base, route, True))
    assert [e.kind for e in lifted.scenario.events] == ["offensive"]
    model, _ = run_replicate(lifted, 0)
    assert not any(r["action"] == "cut_off" for r in model.log)
    # The link and the downloaded what-if carry the switch.
    opened = with_switch(base, route, True)
    query = settings_query("karabakh_2023", loaded, opened, 0, 0)
    assert f"routes.{CORRIDOR}=on" in query
    assert read_query(query, loaded).settings == opened
    assert "tie_suspend" not in what_if_toml(lifted, 0)


def test_a_supply_route_switched_off_blocks_it_from_week_0() -> None:
    loaded = load_scenario(ROOT / "validation" / "collapse_2023_open.toml")
    base = default_settings(loaded)
    assert base.routes == {CORRIDOR: True}
    blocked = apply_settings(loaded, dataclasses.replace(base, routes={CORRIDOR: False}))
    first = blocked.scenario.events[0]
    assert isinstance(first, TieChange)
    assert (first.step, first.kind, first.tie) == (0, "tie_suspend", CORRIDOR)
    with pytest.raises(InputError, match=r"routes\.nowhere: unknown supply route 'nowhere'"):
        apply_settings(loaded, dataclasses.replace(base, routes={"nowhere": False}))
