"""One rule for pledges: a pledge's scope decides both whether a war invokes it and whether its
consultations hold a state back (docs/ODD.md 7.9)."""

from __future__ import annotations

import math
from pathlib import Path

from hypothesis import given
from hypothesis import strategies as st

from sim.experiments.run import build_model
from sim.loading.scenarios import load_scenario
from sim.model import rules
from sim.model.model import AllianceModel
from sim.schema.vocabulary import OBLIGATIONS
from sim.schema.world import AllianceTie

SCENARIOS = Path(__file__).resolve().parents[1] / "scenarios"


def war_of_2020() -> AllianceModel:
    """The 2020 world at week 0, with Azerbaijan's offensive in Karabakh just begun."""
    model = build_model(load_scenario(SCENARIOS / "karabakh_2020.toml"), 0)
    model.start_war("Azerbaijan", "Armenia", "karabakh")
    return model


def test_the_csto_does_not_hold_russia_back_outside_its_treaty_area() -> None:
    # The CSTO pledge covers Armenia's own territory, not Karabakh: it is neither invoked nor
    # a reason to wait for consultations there, so Russia may act at once, as any bystander.
    model = war_of_2020()
    war = model.wars[0]
    assert not any(p.pledger == "Russia" for p in war.pledges)
    assert model.states["Russia"].may_intervene(war, war.defenders, war.attackers)


def test_turkey_consults_before_fighting_for_azerbaijan_on_its_territory() -> None:
    # The 2010 partnership and the 1994 memorandum cover Azerbaijan's own territory, which
    # Karabakh is: Turkey acting for Azerbaijan there acts under them and waits two weeks of
    # consultations (D001), although Azerbaijan attacked and so invoked neither.
    model = war_of_2020()
    war = model.wars[0]
    turkey = model.states["Turkey"]
    assert not any(p.pledger == "Turkey" for p in war.pledges)
    assert not turkey.may_intervene(war, war.attackers, war.defenders)
    model.week = 2
    assert turkey.may_intervene(war, war.attackers, war.defenders)


pledges = st.builds(
    AllianceTie,
    id=st.just("p"),
    kind=st.just("alliance"),
    source=st.just("A"),
    target=st.just("B"),
    mutual=st.booleans(),
    obligation=st.sampled_from(OBLIGATIONS),
    scope=st.sampled_from(["own_territory", "any"]),
    theatres=st.lists(st.sampled_from(["x", "y"]), unique=True, max_size=2),
    strength=st.just({"value": 0.5, "assumption": "test"}),
    consultation_delay=st.just({"value": 1, "assumption": "test"}),
)


@given(pledges, st.booleans(), st.sampled_from(["x", "y"]), st.sampled_from(["A", "B", "C"]))
def test_a_pledge_is_invoked_only_where_it_covers_the_war(
    pledge: AllianceTie, defending: bool, theatre: str, owner: str
) -> None:
    for protege in ("A", "B"):
        if rules.pledge_applies(pledge, defending, theatre, owner, protege=protege):
            assert rules.pledge_covers(pledge, theatre, owner, protege=protege)


@given(st.booleans(), st.lists(st.floats(0, 5), max_size=4), st.integers(0, 10), st.integers(0, 10))
def test_may_join_waits_for_the_shortest_delay_and_never_joins_against_an_ally(
    allied: bool, delays: list[float], start: int, elapsed: int
) -> None:
    allowed = rules.may_join(allied, delays, start, start + elapsed)
    if allied:
        assert not allowed
    elif not delays:
        assert allowed
    else:
        assert allowed == (elapsed >= min(math.ceil(d) for d in delays))
