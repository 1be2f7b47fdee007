"""The hook for people's choices: a chosen option is taken, a bad one refused, none changes nothing.

A person (in the classroom hub, a student holding a state) picks, before a week, one option of
some of a state's decisions (:meth:`AllianceModel.choose`); the state takes it instead of
drawing one. Listing the options (:meth:`StateAgent.decisions`) reads the model only.
"""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from strategies import wars_in_worlds

from sim.experiments.run import build_model
from sim.loading.builtin import builtin_scenarios
from sim.loading.scenarios import load_scenario
from sim.model.agents import Choice
from sim.model.model import AllianceModel
from sim.schema.world import World

STEPS = 8
RUNS = settings(
    max_examples=20,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
SEEDS = st.integers(0, 2**32 - 1)
#: Wars with only their opening offensive: nothing changes a state's options between the week
#: they are listed and the week it decides, so every pick must be taken.
QUIET_WARS = wars_in_worlds(STEPS, max_events=0)
#: Actions about a war that the log records whenever they are taken (an intervention is
#: re-checked when carried out, and "abstain", "continue", "hold" are not logged).
LOGGED = {"show_of_force", "sanction", "mediate", "supply_arms", "settle"}


def trace(model: AllianceModel) -> tuple[list[dict[str, object]], list[dict[str, float]]]:
    return model.log, model.records


def run_plain(world: World, events: list[Any], seed: int) -> AllianceModel:
    model = AllianceModel(world, events=events, rng=seed)
    for _ in range(STEPS):
        model.step()
    return model


@RUNS
@given(QUIET_WARS, SEEDS)
def test_listing_options_and_empty_picks_change_nothing(
    world_events: tuple[World, list[Any]], seed: int
) -> None:
    world, events = world_events
    plain = run_plain(world, events, seed)
    hooked = AllianceModel(world, events=events, rng=seed)
    for _ in range(STEPS):
        for name, agent in hooked.states.items():
            agent.decisions()
            hooked.choose(name, {})
        hooked.step()
    assert trace(hooked) == trace(plain)


@RUNS
@given(QUIET_WARS, SEEDS, st.data())
def test_a_chosen_option_is_taken_and_logged(
    world_events: tuple[World, list[Any]], seed: int, data: st.DataObject
) -> None:
    world, events = world_events
    model = AllianceModel(world, events=events, rng=seed)
    for _ in range(STEPS):
        picked: dict[str, list[tuple[bool, Choice]]] = {}
        for name, agent in model.states.items():
            picks = {}
            for decision in agent.decisions():
                choice = data.draw(st.sampled_from(decision.options))
                picks[decision.key] = choice.label()
                picked.setdefault(name, []).append((decision.surge, choice))
            model.choose(name, picks)
        week = model.week
        model.step()
        assert model.chosen == {}  # a pick holds for one week only
        for name, choices in picked.items():
            taken = [c for surge, c in choices if not (surge and c.action == "abstain")]
            assert model.states[name].choices == taken
            logged = {
                (row["action"], row["conflict"])
                for row in model.log
                if row["step"] == week and row["state"] == name
            }
            for choice in taken:
                if choice.action in LOGGED:
                    assert (choice.action, choice.conflict.label()) in logged


def classroom_at_war() -> AllianceModel:
    """The classroom scenario after its first week: Azerbaijan's offensive is under way."""
    loaded = load_scenario(builtin_scenarios()["classroom"])
    model = build_model(loaded, 0)
    model.step()
    assert model.active_wars()
    return model


def test_both_sides_settling_ends_the_war() -> None:
    model = classroom_at_war()
    war = model.active_wars()[0]
    for state in war.primaries:
        (decision,) = model.states[state].decisions()
        assert [c.label() for c in decision.options] == ["continue", "settle"]
        model.choose(state, {decision.key: "settle"})
    model.step()
    assert war.outcome == "ceasefire" and war.end == 1
    assert {r["state"] for r in model.log if r["action"] == "settle"} == set(war.primaries)


@pytest.mark.parametrize(
    ("state", "picks", "message"),
    [
        ("Atlantis", {}, "no state 'Atlantis'; allowed: Armenia, Azerbaijan"),
        ("Armenia", {"war:x": "settle"}, "Armenia: no decision 'war:x'; allowed: war:"),
        ("Armenia", {"war:Azerbaijan-Armenia@karabakh": "attack"}, "no option 'attack'"),
        ("Turkey", {"war:Azerbaijan-Armenia@karabakh": "settle"}, "allowed: abstain"),
    ],
)
def test_a_bad_choice_is_refused_in_one_line(
    state: str, picks: dict[str, str], message: str
) -> None:
    model = classroom_at_war()
    model.choose("Azerbaijan", {"war:Azerbaijan-Armenia@karabakh": "settle"})
    before = dict(model.chosen)
    with pytest.raises(ValueError, match="^[^\n]+$") as refused:
        model.choose(state, picks)
    assert message in str(refused.value)
    assert model.chosen == before


def test_a_pick_that_is_no_longer_offered_leaves_the_choice_to_the_state() -> None:
    plain, hooked = classroom_at_war(), classroom_at_war()
    war = hooked.active_wars()[0]
    # As if picked last week and gone since: a bystander has no "settle" among its options.
    hooked.chosen["Russia"] = {war.label(): Choice("settle", war)}
    (posture,) = [d for d in hooked.states["Russia"].decisions() if d.key == war.label()]
    assert "settle" not in [c.action for c in posture.options]
    for model in (plain, hooked):
        for _ in range(4):
            model.step()
    assert trace(hooked) == trace(plain)
