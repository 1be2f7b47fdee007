"""Tie dynamics (docs/ODD.md 7.18) as invariants over random worlds and as rules.

States form, keep, renew and leave alliances and end rivalries by their own choices at each
new year of a run; optionally constrained triad dynamics resolve unbalanced triangles.
"""

from __future__ import annotations

import itertools
from typing import Any

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from strategies import builtin_model, figure, timelines, world_dicts

from sim.loading.worlds import load_world, shipped_worlds
from sim.model import dynamics, rules
from sim.model.model import WEEKS_PER_YEAR, AllianceModel
from sim.model.network import TieNetwork
from sim.schema.world import World

YEARS = 3
#: The options of the yearly review that are off in the shipped worlds.
OPTIONAL_RULES = ("alliance_revision_step", "rivalry_onset_share", "supplier_review_share")
STEPS = YEARS * WEEKS_PER_YEAR
RUNS = settings(max_examples=25, deadline=None)
units = st.floats(0.0, 1.0)


@st.composite
def moving_worlds(draw: st.DrawFn, heider: bool = False) -> tuple[World, list[Any]]:
    """A random world whose pairs all come up for review, with offensives and tie events."""
    kinds = ("alliance", "alliance", "rivalry", "rivalry", "trade", "arms")
    data = draw(world_dicts(3, 7, 14, kinds))
    data["model"] |= {
        "review_share": figure(1.0, 0.0, 1.0),
        "logit_lambda": figure(draw(st.floats(0.5, 4.0)), 0.5, 10.0),
        "heider_updates": figure(float(draw(st.integers(0, 5))) if heider else 0.0, 0.0, 20.0),
        # The optional rules, off or on, so that every invariant holds with them too.
        "alliance_revision_step": figure(draw(st.sampled_from((0.0, 0.1, 0.3))), 0.0, 0.3),
        "rivalry_onset_share": figure(draw(st.sampled_from((0.0, 0.5, 1.0))), 0.0, 1.0),
        "supplier_review_share": figure(draw(st.sampled_from((0.0, 0.5, 1.0))), 0.0, 1.0),
    }
    world = World.model_validate(data)
    # No restores or creations: a scenario that scripts an alliance between enemies at war is
    # its author's doing, not the states'.
    kinds = ("offensive", "offensive", "tie_suspend", "tie_cut", "sanction")
    return world, draw(timelines(world, STEPS, max_events=6, kinds=kinds))


def step_through(world: World, events: list[Any], seed: int, check: Any) -> AllianceModel:
    model = AllianceModel(world, year=2000, events=events, rng=np.random.default_rng(seed))
    for _ in range(STEPS):
        before = _snapshot(model)
        model.step()
        check(model, before)
    return model


def _snapshot(model: AllianceModel) -> dict[str, Any]:
    wars = [w for w in model.wars if w.active]
    return {
        "allies": {s: set(a) for s, a in model.net.allies.items()},
        "at_war": {frozenset((a, d)) for w in wars for a in w.attackers for d in w.defenders},
        "status": dict(model.net.status),
        "cut": {t for t, s in model.net.status.items() if s == "cut"},
    }


@RUNS
@given(moving_worlds(), st.integers(0, 2**32 - 1))
def test_no_alliance_binds_the_two_sides_of_a_war(world_events: Any, seed: int) -> None:
    def check(model: AllianceModel, before: dict[str, Any]) -> None:
        for war in model.active_wars():
            for a, d in itertools.product(war.attackers, war.defenders):
                assert d not in model.net.allies[a], (a, d, model.net.changes[-3:])

    step_through(*world_events, seed, check)


@RUNS
@given(moving_worlds(), st.integers(0, 2**32 - 1))
def test_a_tie_that_ends_is_absent_from_every_later_week(world_events: Any, seed: int) -> None:
    gone: set[str] = set()

    def check(model: AllianceModel, before: dict[str, Any]) -> None:
        active = {t.id for t in model.net.active()}
        assert not active & gone, active & gone
        gone.update(t for t, s in model.net.status.items() if s == "cut")

    step_through(*world_events, seed, check)


@RUNS
@given(moving_worlds(), st.integers(0, 2**32 - 1))
def test_alliances_form_only_between_states_free_to_ally(world_events: Any, seed: int) -> None:
    def check(model: AllianceModel, before: dict[str, Any]) -> None:
        for change in model.net.changes:
            if change["reason"] != "rule:formed" or change["step"] != model.week - 1:
                continue
            a, b = str(change["source"]), str(change["target"])
            assert b not in before["allies"].get(a, set()), (a, b)
            assert frozenset((a, b)) not in before["at_war"], (a, b)
            assert model.week - 1 > 0 and (model.week - 1) % WEEKS_PER_YEAR == 0

    step_through(*world_events, seed, check)


@RUNS
@given(moving_worlds(heider=True), st.integers(0, 2**32 - 1))
def test_the_change_log_rebuilds_the_ties_in_force(world_events: Any, seed: int) -> None:
    world, events = world_events
    status: dict[str, Any] = {}

    def check(model: AllianceModel, before: dict[str, Any]) -> None:
        if not status:
            status.update(before["status"])
        for change in model.net.changes:
            if change["step"] == model.week - 1:
                status[str(change["tie"])] = change["status"]
        assert status == model.net.status

    step_through(world, events, seed, check)


@RUNS
@given(moving_worlds(), st.integers(0, 2**32 - 1))
def test_revised_alliances_move_by_the_step_and_stay_within_bounds(
    world_events: Any, seed: int
) -> None:
    world, events = world_events
    step = world.model["alliance_revision_step"].value
    start = {t.id: t.strength.value for t in world.ties if t.kind == "alliance"}
    model = step_through(world, events, seed, lambda model, before: None)
    revised = [c for c in model.net.changes if c["reason"] in ("rule:deepened", "rule:diluted")]
    assert step > 0 or not revised
    for change in revised:
        tie = model.net.ties[str(change["tie"])]
        assert change["kind"] == "alliance" and 0.0 <= tie.strength.value <= 1.0
        if tie.id in start:  # a multiple of the step away from where it began, or at a bound
            moved = abs(tie.strength.value - start[tie.id]) / step
            bounded = tie.strength.value in (0.0, 1.0)
            assert bounded or abs(moved - round(moved)) < 1e-9, (tie.id, moved)


@RUNS
@given(moving_worlds(), st.integers(0, 2**32 - 1))
def test_rivalries_begin_only_between_states_that_fought_in_the_past_year(
    world_events: Any, seed: int
) -> None:
    world, events = world_events

    def check(model: AllianceModel, before: dict[str, Any]) -> None:
        week = model.week - 1
        for change in model.net.changes:
            if change["reason"] != "rule:rivalry" or change["step"] != week:
                continue
            pair = {str(change["source"]), str(change["target"])}
            fought = any(
                (w.end is None or w.end > week - WEEKS_PER_YEAR)
                and any({a, d} == pair for a in w.attackers for d in w.defenders)
                for w in model.wars
            )
            assert fought and world.model["rivalry_onset_share"].value > 0, pair

    step_through(world, events, seed, check)


@RUNS
@given(moving_worlds(), st.integers(0, 2**32 - 1))
def test_a_recipient_changes_supplier_only_to_a_state_not_against_it(
    world_events: Any, seed: int
) -> None:
    world, events = world_events

    def check(model: AllianceModel, before: dict[str, Any]) -> None:
        week = model.week - 1
        today = [c for c in model.net.changes if c["step"] == week]
        dropped = [c for c in today if c["reason"] == "rule:dropped"]
        added = [c for c in today if c["reason"] == "rule:supplier"]
        assert len(dropped) == len(added)  # a tie is dropped only for another supplier
        for old, new in zip(dropped, added, strict=True):
            recipient, supplier = str(new["target"]), str(new["source"])
            assert old["target"] == recipient and supplier not in (recipient, old["source"])
            assert model.net.ties[str(new["tie"])].volume_usd_m.value == (  # type: ignore[union-attr]
                model.net.ties[str(old["tie"])].volume_usd_m.value  # type: ignore[union-attr]
            )
            # Not a rival now, unless their rivalry began in this same review (the review reads
            # the rivalries it found).
            rivalry = [
                t.id
                for t in model.net.active()
                if t.kind == "rivalry" and {t.source, t.target} == {recipient, supplier}
            ]
            begun = {str(c["tie"]) for c in today if c["status"] == "active"}
            assert set(rivalry) <= begun, (recipient, supplier, rivalry)

    step_through(world, events, seed, check)


def test_a_recipient_leaves_a_supplier_allied_with_its_rival() -> None:
    # B arms A; B is allied with C, A's rival; D supplies arms elsewhere and is free. Every tie
    # comes up: A drops B for D at the first review, and only then.
    fig = {"value": 0.5, "assumption": "test"}
    strength = {"value": 1.0, "assumption": "test"}
    states = {
        name: {
            "capability": {"value": 1.0, "assumption": "test"},
            "commitment": fig,
            "risk_appetite": {"value": 0.0, "assumption": "test"},
            "economic_weight": fig,
        }
        for name in "ABCDE"
    }
    ties = [
        {"id": "b_a", "kind": "arms", "source": "B", "target": "A", "volume_usd_m": fig},
        {
            "id": "d_e",
            "kind": "arms",
            "source": "D",
            "target": "E",
            "precision": True,
            "volume_usd_m": fig,
        },
        {
            "id": "b_c",
            "kind": "alliance",
            "source": "B",
            "target": "C",
            "mutual": True,
            "obligation": "defence",
            "strength": strength,
            "consultation_delay": fig,
        },
        {
            "id": "a_c",
            "kind": "rivalry",
            "source": "A",
            "target": "C",
            "mutual": True,
            "issue": "x",
            "intensity": strength,
        },
    ]
    model_table = builtin_model(
        review_share=1.0, supplier_review_share=1.0, w_hostility=2.0, logit_lambda=10.0
    )
    world = World.model_validate(
        {
            "meta": {"name": "t", "year": 2000},
            "states": states,
            "theatres": {},
            "ties": ties,
            "model": model_table,
        }
    )
    model = AllianceModel(world, year=2000, rng=np.random.default_rng(1))
    for _ in range(WEEKS_PER_YEAR + 1):
        model.step()
    reasons = [(c["reason"], c["source"], c["target"]) for c in model.net.changes]
    assert ("rule:dropped", "B", "A") in reasons and ("rule:supplier", "D", "A") in reasons
    new = next(t for t in model.net.active() if t.kind == "arms" and t.target == "A")
    assert new.source == "D" and new.precision  # type: ignore[union-attr]


def test_the_optional_rules_off_change_nothing_and_draw_nothing(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # At 0 the three rules leave a run as it would be without them: the same changes and the
    # same random stream as a run whose review skips them altogether.
    world = load_world(shipped_worlds()["south_caucasus_history"])
    assert all(world.model[name].value == 0 for name in OPTIONAL_RULES)

    def run() -> tuple[list[dict[str, object]], float]:
        model = AllianceModel(world, year=2019, rng=np.random.default_rng(7))
        for _ in range(3 * WEEKS_PER_YEAR + 1):
            model.step()
        return model.net.changes, float(model.rng.random())

    with_rules = run()
    monkeypatch.setattr(dynamics, "_revise", lambda *args: False)
    monkeypatch.setattr(dynamics, "_start_rivalries", lambda *args: False)
    monkeypatch.setattr(dynamics, "_review_suppliers", lambda *args: False)
    assert run() == with_rules
    assert any(str(c["reason"]).startswith("rule:") for c in with_rules[0])  # the review ran


@settings(max_examples=25, deadline=None)
@given(st.integers(0, 2**32 - 1), st.integers(4, 8), st.floats(0.0, 1.0))
def test_triad_updates_never_raise_the_number_of_unbalanced_triangles(
    seed: int, n: int, p: float
) -> None:
    # A complete signed graph of alliances and rivalries, with no other dynamics and no war.
    rng = np.random.default_rng(seed)
    states = [f"S{i}" for i in range(n)]
    ties = []
    for a, b in itertools.combinations(states, 2):
        kind = "alliance" if rng.random() < 0.5 else "rivalry"
        tie = {"id": f"{a}{b}", "kind": kind, "source": a, "target": b, "mutual": True}
        fig = {"value": 0.5, "assumption": "test"}
        extra = {"obligation": "defence", "strength": fig, "consultation_delay": fig}
        ties.append(tie | (extra if kind == "alliance" else {"issue": "x", "intensity": fig}))
    state = {
        k: {"value": 1.0, "assumption": "test"}
        for k in ("capability", "commitment", "risk_appetite", "economic_weight")
    }
    model_table = builtin_model(review_share=0.0, heider_updates=20.0, heider_p=p)
    world = World.model_validate(
        {
            "meta": {"name": "triads", "year": 2000},
            "states": dict.fromkeys(states, state),
            "ties": ties,
            "model": model_table,
        }
    )
    model = AllianceModel(world, year=2000, rng=np.random.default_rng(seed))
    counts = [_unbalanced(model.net)]
    for _ in range(4 * WEEKS_PER_YEAR):
        model.step()
        counts.append(_unbalanced(model.net))
    assert all(b <= a for a, b in itertools.pairwise(counts)), counts


def test_triad_updates_balance_a_lone_unbalanced_triangle() -> None:
    # Two alliances and a rivalry among three states (++-): with p = 1 the rivalry turns
    # positive at the first review (a jammed state needs more triangles than one).
    model = AllianceModel(
        _triangle_world(("alliance", "alliance", "rivalry"), 1.0),
        year=2000,
        rng=np.random.default_rng(0),
    )
    assert _unbalanced(model.net) == 1
    for _ in range(WEEKS_PER_YEAR + 1):
        model.step()
    assert _unbalanced(model.net) == 0
    reasons = [(c["kind"], c["status"], c["reason"]) for c in model.net.changes]
    assert reasons == [("rivalry", "cut", "rule:heider"), ("alliance", "active", "rule:heider")]


def _triangle_world(kinds: tuple[str, str, str], p: float) -> World:
    fig = {"value": 0.5, "assumption": "test"}
    pairs = (("A", "B"), ("B", "C"), ("A", "C"))
    ties = []
    for (a, b), kind in zip(pairs, kinds, strict=True):
        tie = {"id": f"{a}{b}", "kind": kind, "source": a, "target": b, "mutual": True}
        extra = {"obligation": "defence", "strength": fig, "consultation_delay": fig}
        ties.append(tie | (extra if kind == "alliance" else {"issue": "x", "intensity": fig}))
    state = {k: fig for k in ("capability", "commitment", "risk_appetite", "economic_weight")}
    return World.model_validate(
        {
            "meta": {"name": "triangle", "year": 2000},
            "states": dict.fromkeys("ABC", state),
            "ties": ties,
            "model": builtin_model(review_share=0.0, heider_updates=1.0, heider_p=p),
        }
    )


def _unbalanced(net: TieNetwork) -> int:
    sign = {frozenset((a, b)): s for a, b, s in net.signed_edges(set())}
    return sum(
        1
        for a, b, c in itertools.combinations(sorted({x for e in sign for x in e}), 3)
        if all(frozenset(e) in sign for e in ((a, b), (b, c), (a, c)))
        and rules.triad_imbalanced(
            sign[frozenset((a, b))], sign[frozenset((b, c))], sign[frozenset((a, c))]
        )
    )


@given(st.sampled_from([(1, 1, -1), (1, -1, 1), (-1, 1, 1), (-1, -1, -1)]), units, units, units)
def test_an_akr_flip_balances_its_triangle(
    signs: tuple[int, int, int], p: float, draw: float, pick: float
) -> None:
    edge = rules.akr_flip(signs, p, min(draw, 0.999), min(pick, 0.999))
    flipped = tuple(-s if i == edge else s for i, s in enumerate(signs))
    assert not rules.triad_imbalanced(*flipped)


@given(units, units, units, st.booleans(), units, units)
def test_alliance_value_rises_with_shared_threat_and_trust_and_falls_with_hostility(
    shared: float, trust: float, hostility: float, existing: bool, more: float, cost: float
) -> None:
    def u(s: float, t: float, h: float) -> float:
        return rules.alliance_utility(
            s,
            t,
            h,
            existing,
            w_threat=2.0,
            w_trust=1.0,
            w_hostility=0.8,
            cost=cost,
            inertia=0.5,
        )

    base = u(shared, trust, hostility)
    assert u(min(1.0, shared + more), trust, hostility) >= base
    assert u(shared, min(1.0, trust + more), hostility) >= base
    assert u(shared, trust, min(1.0, hostility + more)) <= base


@given(st.floats(-5, 5), st.floats(0, 10), units)
def test_consent_is_more_likely_the_more_a_tie_is_worth(u: float, lam: float, draw: float) -> None:
    if rules.consents(u, lam, draw):
        assert rules.consents(u + 1.0, lam, draw)


@given(
    st.dictionaries(st.sampled_from("abcde"), units),
    st.dictionaries(st.sampled_from("abcde"), units),
)
def test_shared_threat_is_bounded_symmetric_and_needs_a_common_rival(
    a: dict[str, float], b: dict[str, float]
) -> None:
    value = rules.shared_threat(a, b)
    assert 0.0 <= value <= 1.0
    assert value == rules.shared_threat(b, a)
    if not a.keys() & b.keys():
        assert value == 0.0


def test_a_broken_pledge_makes_leaving_likelier() -> None:
    # The same alliance, valued by a state that trusts its partner and by one betrayed.
    kept = rules.alliance_utility(
        0.2, 0.8, 0.0, True, w_threat=2.0, w_trust=1.0, w_hostility=0.8, cost=0.3, inertia=0.5
    )
    betrayed = rules.alliance_utility(
        0.2,
        rules.trust_update(0.8, False, 0.9),
        0.0,
        True,
        w_threat=2.0,
        w_trust=1.0,
        w_hostility=0.8,
        cost=0.3,
        inertia=0.5,
    )
    draws = np.linspace(0, 0.999, 200)
    assert sum(rules.consents(betrayed, 8.0, d) for d in draws) < sum(
        rules.consents(kept, 8.0, d) for d in draws
    )


def test_same_seed_same_history() -> None:
    from sim.loading.worlds import load_world

    world = load_world()
    runs = []
    for _ in range(2):
        model = AllianceModel(world, year=2023, rng=np.random.default_rng(7))
        for _ in range(4 * WEEKS_PER_YEAR):
            model.step()
        runs.append(model.net.changes)
    assert runs[0] == runs[1] and any(c["reason"].startswith("rule:") for c in runs[0])


def test_a_pledge_whose_term_ends_is_renewed_or_lapses_by_the_parties_choice() -> None:
    # A and B share a strong rival C; their pledge runs 2000-2002. Kept, it is renewed for
    # another two-year term from 2002; worth nothing to them, it is not.
    def run(cost: float, threat_weight: float) -> AllianceModel:
        fig = {"value": 0.5, "assumption": "test"}
        pledge = {
            "id": "ab",
            "kind": "alliance",
            "source": "A",
            "target": "B",
            "mutual": True,
            "obligation": "defence",
            "strength": fig,
            "consultation_delay": fig,
            "since": 2000,
            "until": 2002,
        }
        rivals = [
            {
                "id": f"{s}c",
                "kind": "rivalry",
                "source": s,
                "target": "C",
                "mutual": True,
                "issue": "x",
                "intensity": {"value": 1.0, "assumption": "test"},
            }
            for s in "AB"
        ]
        state = {
            k: {"value": 1.0, "assumption": "test"}
            for k in ("capability", "commitment", "risk_appetite", "economic_weight")
        }
        table = builtin_model(
            alliance_cost=cost, alliance_threat_weight=threat_weight, logit_lambda=10.0
        )
        world = World.model_validate(
            {
                "meta": {"name": "renewal", "year": 2000},
                "states": dict.fromkeys("ABC", state),
                "ties": [pledge, *rivals],
                "model": table,
            }
        )
        model = AllianceModel(world, year=2000, rng=np.random.default_rng(3))
        for _ in range(2 * WEEKS_PER_YEAR + 1):
            model.step()
        return model

    kept = run(0.0, 4.0)
    assert kept.net.status["ab"] == "active"
    assert (kept.net.ties["ab"].since, kept.net.ties["ab"].until) == (2002, 2004)
    assert [c["reason"] for c in kept.net.changes if c["tie"] == "ab"] == ["dates", "rule:renewed"]
    unwanted = run(1.0, 0.0)  # left at a review, or lapsed at its end: never renewed
    assert unwanted.net.status["ab"] in ("cut", "ended")
    assert "rule:renewed" not in [c["reason"] for c in unwanted.net.changes]
