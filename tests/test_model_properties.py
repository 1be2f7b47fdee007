"""Invariants of whole model runs, over random worlds and timelines and the built-in scenarios.

Each run is stepped by hand so that every invariant is checked after every week. Events are
pydantic objects from :mod:`sim.schema.scenario`; random worlds and timelines come from
``tests/strategies.py``.
"""

from __future__ import annotations

import itertools
import json
import math
import os
import subprocess
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from strategies import (
    ALLIANCE_HEAVY,
    builtin_model,
    event,
    pairs,
    pledged_wars,
    timelines,
    wars_in_worlds,
    worlds,
)

from sim.experiments.run import replicate_rng
from sim.loading.checks import check_world_references
from sim.loading.scenarios import LoadedScenario, load_scenario
from sim.model.conflict import War
from sim.model.model import AllianceModel
from sim.model.rules import pair_sign
from sim.schema.errors import InputError
from sim.schema.scenario import Offensive, Scenario, TieChange, TieCreate
from sim.schema.world import AllianceTie, World, iter_figures

ROOT = Path(__file__).resolve().parent.parent
SCENARIOS = sorted((ROOT / "scenarios").glob("*.toml"))
STEPS = 16
RUNS = settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
SEEDS = st.integers(0, 2**32 - 1)


# --- driving a run -------------------------------------------------------------------------------
@dataclass
class Week:
    """What happened in one step, for the checks: membership before and after, joiners."""

    week: int  # the week the step simulated (model.week - 1 after it)
    before: dict[int, tuple[list[str], list[str]]]  # id(war) -> sides after the previous step
    joined: dict[int, set[str]]  # id(war) -> states that entered it this week
    control_before: dict[str, float]
    new_wars: list[War] = field(default_factory=list)


Check = Callable[[AllianceModel, Week], None]


def run(
    world: World,
    events: Sequence[Any],
    seed: int,
    steps: int = STEPS,
    checks: Sequence[Check] = (),
    year: int | None = None,
    rng: np.random.Generator | None = None,
) -> AllianceModel:
    """Run ``steps`` weeks, calling every check after every week."""
    model = AllianceModel(
        world,
        year=year,
        events=list(events),
        rng=rng if rng is not None else np.random.default_rng(seed),
    )
    for check in checks:
        check(model, Week(-1, {}, {}, dict(model.control)))
    for _ in range(steps):
        before = {id(w): (list(w.attackers), list(w.defenders)) for w in model.wars}
        control = dict(model.control)
        known = {id(w) for w in model.wars}
        model.step()
        week = Week(
            model.week - 1, before, {}, control, [w for w in model.wars if id(w) not in known]
        )
        for war in model.wars:
            old = set(itertools.chain(*before.get(id(war), ([], []))))
            week.joined[id(war)] = {*war.attackers, *war.defenders} - old
        for check in checks:
            check(model, week)
    return model


def scenario_runs(replicates: int = 3) -> list[tuple[str, LoadedScenario, int]]:
    """Built-in scenarios and the replicates to run of each."""
    return [(path.stem, load_scenario(path), r) for path in SCENARIOS for r in range(replicates)]


def run_scenario(
    loaded: LoadedScenario, replicate: int, checks: Sequence[Check], steps: int | None = None
) -> AllianceModel:
    sc = loaded.scenario
    return run(
        loaded.world,
        sc.events,
        0,
        steps or sc.steps,
        checks,
        year=sc.year,
        rng=replicate_rng(sc.seed, replicate),
    )


def offensive_primaries(model: AllianceModel, war: War) -> bool:
    """Whether the war's primaries were put there by a scheduled ``offensive`` event."""
    return any(
        isinstance(e, Offensive)
        and (e.attacker, e.defender, e.theatre) == (*war.primaries, war.theatre)
        for e in model.schedule.get(war.start, ())
    )


def recent(model: AllianceModel, war: War) -> bool:
    """Whether the war was fought (or ended) in the week just simulated."""
    return war.end is None or war.end >= model.week - 1


# --- checks run after every step ---------------------------------------------------------------
def check_no_ally_on_the_other_side(model: AllianceModel, week: Week) -> None:
    """No state stands opposite an ally it was allied with when either of them joined.

    Alliances are checked as they stood this week (tie events happen at the start of a week,
    before anyone chooses). Only the primaries of a scheduled offensive are exempt.
    """
    allies = model.net.allies
    for war in model.wars:
        if not recent(model, war):
            continue
        entered = week.joined.get(id(war), set())
        for a, d in itertools.product(war.attackers, war.defenders):
            if not ({a, d} & entered) or (d not in allies[a] and a not in allies[d]):
                continue  # an alliance binds both ends, whichever way its pledge runs
            if {a, d} == set(war.primaries) and offensive_primaries(model, war):
                continue
            raise AssertionError(
                f"week {week.week}: {a} (attacking) and {d} (defending) are allies in "
                f"{war.theatre} war {war.primaries}; joined this week: {sorted(entered)}"
            )


def covering_delays(
    model: AllianceModel, state: str, side: Sequence[str], theatre: str
) -> list[float]:
    # A pledge binds its consultations where its scope covers the war (docs/ODD.md 7.9): the
    # theatre is in its list, if it has one, and own-territory pledges only on the protégé's.
    owner = model.world.theatres[theatre].owner
    return [
        tie.consultation_delay.value
        for tie, pledger, protege in model.net.pledges
        if pledger == state
        and protege in side
        and (not tie.theatres or theatre in tie.theatres)
        and (tie.scope == "any" or owner == protege)
    ]


def check_consultations(model: AllianceModel, week: Week) -> None:
    """Pledges are honoured, and pledgers join, only after the consultation delay."""
    for war in model.wars:
        for p in war.pledges:
            assert p.invoked_step == war.start
            if p.honoured_step is not None:
                assert p.honoured_step - p.invoked_step >= math.ceil(p.delay), p
                assert p.due
                if p.obligation in ("defence", "offence"):  # honoured only by fighting
                    assert war.side_of(p.pledger) == war.side_of(p.protege), p
        # A war begun by this week's events could be joined at once, seen with its primaries.
        attackers, defenders = week.before.get(id(war), (war.attackers[:1], war.defenders[:1]))
        for state in week.joined.get(id(war), set()) - set(war.primaries):
            side, seen = (
                (war.attackers, attackers) if state in war.attackers else (war.defenders, defenders)
            )
            # Pledges to the members the joiner saw when it chose (the side as it stood) ...
            delays = covering_delays(model, state, seen, war.theatre)
            if delays:
                assert week.week - war.start >= math.ceil(min(delays)), (
                    f"{state} joined {seen} in week {week.week} of a war begun in week "
                    f"{war.start}, before its consultation delay {min(delays)}"
                )
            # ... and to those who joined beside it in the same week.
            delays = covering_delays(model, state, side, war.theatre)
            if delays:
                assert week.week - war.start >= math.ceil(min(delays)), (
                    f"{state} joined {side} in week {week.week} of a war begun in week "
                    f"{war.start}, before its consultation delay {min(delays)}"
                )


def check_bounds(model: AllianceModel, week: Week) -> None:
    """Reliability, counts, control, strengths, escalation and trust stay in range."""
    row = model.records[-1]
    due, honoured = row["pledges_due"], row["pledges_honoured"]
    assert 0 <= honoured <= due
    if due == 0:
        assert math.isnan(row["reliability"])
    else:
        assert 0.0 <= row["reliability"] <= 1.0
    assert row["escalation"] in (0, 1, 2, 3)
    for key, value in row.items():
        if key.startswith("control_"):
            assert 0.0 <= value <= 1.0, (key, value)
        if key.startswith(("strength_", "losses_", "arms_out_usd_m_")):
            assert value >= 0.0, (key, value)
        if key.startswith(("dependence_",)):
            assert 0.0 <= value <= 1.0, (key, value)
    for war in model.wars:
        members = [*war.attackers, *war.defenders]
        assert len(members) == len(set(members)), f"a state twice in a war: {members}"
        attackers, defenders = week.before.get(id(war), (war.attackers[:1], war.defenders[:1]))
        assert war.attackers[: len(attackers)] == attackers, "an attacker left or moved"
        assert war.defenders[: len(defenders)] == defenders, "a defender left or moved"
        assert all(0.0 <= war.strength[m] <= 1.0 for m in members), war.strength
    for key, trust in model.trust.items():
        assert 0.0 <= trust <= 1.0 + 1e-12, (key, trust)
    # The counters are the pledges marked due and honoured, and reliability their ratio.
    pledges = [p for war in model.wars for p in war.pledges]
    assert due == sum(p.due for p in pledges)
    assert honoured == sum(p.honoured_step is not None for p in pledges)
    if due:
        assert row["reliability"] == pytest.approx(honoured / due)
    if len(model.records) > 1:
        prev = model.records[-2]
        assert row["pledges_due"] >= prev["pledges_due"]
        assert row["pledges_honoured"] >= prev["pledges_honoured"]
        for name in model.states:
            assert row[f"losses_{name}"] >= prev[f"losses_{name}"] - 1e-12


def check_escalation_level(model: AllianceModel, week: Week) -> None:
    """The recorded level matches the wars and crises open now or ended in the week played."""
    played = model.week - 1
    wars = [w for w in model.wars if w.active or w.end == played]
    if any(len(w.attackers) + len(w.defenders) > 2 for w in wars):
        expected = 3
    elif wars:
        expected = 2
    else:
        expected = int(any(c.active or c.end == played for c in model.crises))
    assert model.records[-1]["escalation"] == expected
    if any(war.start == played for war in model.wars):  # a war that broke out counts
        assert expected >= 2


def check_week_activity(model: AllianceModel, week: Week) -> None:
    """A week's row counts every war and member of the week, including a war that ended in it."""
    played = model.week - 1
    wars = [w for w in model.wars if w.active or w.end == played]
    row = model.records[-1]
    assert row["wars"] == len(wars)
    for name in model.states:
        members = [w for w in wars if name in (*w.attackers, *w.defenders)]
        assert row[f"fighting_{name}"] == int(bool(members))
        joined = any(name not in w.primaries for w in members)
        assert row[f"intervening_{name}"] == int(joined)


def brute_signs(model: AllianceModel) -> dict[frozenset[str], int]:
    """Signed edges recomputed from the pair tables, independent of network.signed_graph."""
    at_war = {
        frozenset((a, d)) for w in model.active_wars() for a in w.attackers for d in w.defenders
    }
    signs: dict[frozenset[str], int] = {}
    for a, b in itertools.combinations(sorted(model.world.states), 2):
        hostile = 1.0 if frozenset((a, b)) in at_war else model.net.hostility.get((a, b), 0.0)
        sign = pair_sign(model.net.bond.get((a, b), 0.0), hostile)
        if sign:
            signs[frozenset((a, b))] = sign
    return signs


def check_balance_metrics(model: AllianceModel, week: Week) -> None:
    """Recorded triangle share and frustration equal a brute-force count on the signed edges."""
    signs = brute_signs(model)
    names = sorted(model.world.states)
    balanced = total = 0
    for trio in itertools.combinations(names, 3):
        edges = [frozenset(p) for p in itertools.combinations(trio, 2)]
        if all(e in signs for e in edges):
            total += 1
            balanced += math.prod(signs[e] for e in edges) > 0
    row = model.records[-1]
    if total == 0:
        assert math.isnan(row["balanced_triangles"])
    else:
        assert row["balanced_triangles"] == pytest.approx(balanced / total)
    # Frustration: fewest edges left unsatisfied by any split into two camps.
    best = len(signs)
    for camps in itertools.product((0, 1), repeat=len(names) - 1):
        camp = dict(zip(names, (0, *camps), strict=True))
        bad = sum(
            (camp[a] != camp[b]) != (s < 0)
            for a, b in (sorted(e) for e in signs)
            for s in [signs[frozenset((a, b))]]
        )
        best = min(best, bad)
    assert row["frustration"] == best


def check_control_moves_only_in_war(model: AllianceModel, week: Week) -> None:
    """A theatre's control changes only in a week when a war over it is fought."""
    if week.week < 0:
        return
    fought = {
        w.theatre
        for w in model.wars
        if w.start <= week.week
        and (
            w.end is None
            or w.end > week.week
            or (w.end == week.week and w.outcome == "capitulation")
        )
    }
    for theatre, control in model.control.items():
        if control != week.control_before[theatre]:
            assert theatre in fought, (
                f"week {week.week}: control of {theatre} moved "
                f"{week.control_before[theatre]} -> {control} with no war there"
            )


def check_war_endings(model: AllianceModel, week: Week) -> None:
    """A ceasefire needs both primaries to settle that week; capitulation a spent primary."""
    for war in model.wars:
        if war.end != week.week:
            continue
        if war.outcome == "ceasefire":
            label = war.label()
            settled = {
                row["state"]
                for row in model.log
                if row["step"] == week.week
                and row["action"] == "settle"
                and row["conflict"] == label
            }
            assert set(war.primaries) <= settled, (war.primaries, settled)
        else:
            assert war.outcome == "capitulation"
            capitulation = model.param("capitulation_strength")
            spent = [p for p in war.primaries if war.strength[p] < capitulation]
            assert spent, war.strength
            others = [
                w
                for w in model.wars
                if w is not war
                and w.theatre == war.theatre
                and w.start <= week.week
                and (w.end is None or w.end >= week.week)
            ]
            if not others:  # the winner takes the whole theatre
                owner_lost = war.side_of(spent[0]) == model.owner_side(war)
                assert model.control[war.theatre] == (0.0 if owner_lost else 1.0)


def pledge_should_apply(
    tie: AllianceTie, protege: str, defending: bool, theatre: str, owner: str
) -> bool:
    """ATOP conditions, with ``own_territory`` meaning the protected state's own territory."""
    if tie.obligation in ("neutrality", "non_aggression"):
        return False
    if (tie.obligation == "offence") == defending:
        return False
    if tie.theatres and theatre not in tie.theatres:
        return False
    return tie.scope == "any" or owner == protege


def check_invoked_pledges(model: AllianceModel, week: Week) -> None:
    """A new war invokes exactly the pledges to its primaries that its conditions cover."""
    if any(isinstance(e, TieChange | TieCreate) for e in model.schedule.get(week.week, ())):
        return  # the alliance set may have changed between the war's start and now
    for war in week.new_wars:
        owner = model.world.theatres[war.theatre].owner
        invoked = {(p.tie_id, p.pledger, p.protege) for p in war.pledges}
        for tie, pledger, protege in model.net.pledges:
            if protege not in war.primaries or pledger in war.primaries:
                continue
            key = (tie.id, pledger, protege)
            defending = protege == war.defenders[0]
            assert (key in invoked) == pledge_should_apply(
                tie, protege, defending, war.theatre, owner
            ), key
        for p in war.pledges:
            assert p.obligation not in ("neutrality", "non_aggression")


ALL_CHECKS: tuple[Check, ...] = (
    check_no_ally_on_the_other_side,
    check_consultations,
    check_bounds,
    check_escalation_level,
    check_week_activity,
    check_balance_metrics,
    check_control_moves_only_in_war,
    check_war_endings,
    check_invoked_pledges,
)


# --- random worlds -----------------------------------------------------------------------------
#: Worlds dense in pledges and rivalries, where third parties join wars often.
pledge_wars = wars_in_worlds(STEPS, min_states=3, kinds=ALLIANCE_HEAVY, max_ties=20)


@RUNS
@given(pledge_wars, SEEDS)
def test_no_state_fights_its_own_ally(world_events: tuple[World, list[Any]], seed: int) -> None:
    world, events = world_events
    run(world, events, seed, checks=[check_no_ally_on_the_other_side])


@RUNS
@given(st.one_of(pledged_wars(STEPS), pledge_wars), SEEDS)
def test_consultation_delays_are_respected(
    world_events: tuple[World, list[Any]], seed: int
) -> None:
    world, events = world_events
    run(world, events, seed, checks=[check_consultations, check_invoked_pledges])


@RUNS
@given(wars_in_worlds(STEPS), SEEDS)
def test_metrics_stay_in_range(world_events: tuple[World, list[Any]], seed: int) -> None:
    world, events = world_events
    run(world, events, seed, checks=[check_bounds, check_escalation_level, check_week_activity])


@settings(RUNS, max_examples=30)
@given(wars_in_worlds(STEPS), SEEDS)
def test_balance_metrics_match_brute_force(
    world_events: tuple[World, list[Any]], seed: int
) -> None:
    world, events = world_events
    run(world, events, seed, checks=[check_balance_metrics])


@RUNS
@given(wars_in_worlds(STEPS), SEEDS)
def test_wars_move_ground_and_end_only_by_the_rules(
    world_events: tuple[World, list[Any]], seed: int
) -> None:
    world, events = world_events
    run(world, events, seed, checks=[check_control_moves_only_in_war, check_war_endings])


def _outputs(model: AllianceModel) -> tuple[str, str]:
    return json.dumps(model.records, sort_keys=True), json.dumps(model.log, sort_keys=True)


@settings(RUNS, max_examples=30)
@given(wars_in_worlds(STEPS), SEEDS)
def test_same_seed_same_run(world_events: tuple[World, list[Any]], seed: int) -> None:
    world, events = world_events
    first = run(world, events, seed)
    second = run(world.model_copy(deep=True), events, seed)
    assert _outputs(first) == _outputs(second)


def without_ties_of(world: World, state: str) -> World:
    """The world with every tie that involves ``state`` removed."""
    kept = [t for t in world.ties if state not in {s for p in t.pairs() for s in p}]
    return world.model_copy(update={"ties": kept})


@st.composite
def tieless_worlds(draw: st.DrawFn) -> tuple[World, list[Any], str]:
    """A world with a war, and a state with no tie at all that no event involves."""
    world = draw(worlds(min_states=3, kinds=ALLIANCE_HEAVY))
    loner = draw(st.sampled_from(sorted(world.states)))
    world = without_ties_of(world, loner)
    others = sorted(set(world.states) - {loner})
    events = draw(timelines(world, STEPS, exclude=frozenset({loner})))
    a, d = draw(pairs(others))
    opening = event(
        {
            "step": 0,
            "kind": "offensive",
            "attacker": a,
            "defender": d,
            "theatre": draw(st.sampled_from(sorted(world.theatres))),
        }
    )
    return world, [opening, *events], loner


def check_tieless(loner: str, acts: Sequence[str]) -> Check:
    """The loner never surges arms, nor takes any of ``acts``."""
    columns = {"mediate": "mediating", "intervene": "intervening", "show_of_force": "showing_force"}

    def check(model: AllianceModel, week: Week) -> None:
        assert all(source != loner for source, _ in model.surging), model.surging
        done = [r for r in model.log if r["state"] == loner and r["action"] in acts]
        assert not done, done
        for act in acts:
            assert model.records[-1][f"{columns[act]}_{loner}"] == 0, act

    return check


@RUNS
@given(tieless_worlds(), SEEDS)
def test_a_state_without_ties_stays_out(
    world_events: tuple[World, list[Any], str], seed: int
) -> None:
    world, events, loner = world_events
    acts = ("mediate", "intervene", "show_of_force")
    run(world, events, seed, checks=[check_tieless(loner, acts)])


@settings(RUNS, max_examples=60)
@given(st.data())
def test_generated_worlds_and_timelines_pass_scenario_validation(data: st.DataObject) -> None:
    """The strategies make only inputs a scenario file could hold (guards the other tests)."""
    world = data.draw(worlds())
    events = data.draw(timelines(world, STEPS, max_events=12))
    sc = Scenario.model_validate(
        {"name": "generated", "steps": STEPS, "seed": 0}, context={"scenario": True}
    )
    sc = sc.model_copy(update={"events": events})
    check_world_references(Path("generated.toml"), sc, world)
    for name, figure in iter_figures(world):
        assert figure.range is not None and figure.range[0] <= figure.value <= figure.range[1]
        assert figure.assumption == "generated", name


# --- built-in scenarios ------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("name", "loaded", "replicate"),
    scenario_runs(),
    ids=[f"{n}-{r}" for n, _, r in scenario_runs()],
)
def test_builtin_scenarios_keep_every_invariant(
    name: str, loaded: LoadedScenario, replicate: int
) -> None:
    run_scenario(loaded, replicate, ALL_CHECKS)


def test_builtin_scenarios_never_put_allies_on_opposite_sides() -> None:
    """The strict form: at no step, whoever joined when, unless both are event primaries."""

    def strict(model: AllianceModel, week: Week) -> None:
        for war in model.active_wars():
            for a, d in itertools.product(war.attackers, war.defenders):
                if d in model.net.allies[a] or a in model.net.allies[d]:
                    assert {a, d} == set(war.primaries) and offensive_primaries(model, war)

    for _, loaded, replicate in scenario_runs(5):
        run_scenario(loaded, replicate, [strict])


def test_karabakh_runs_differ_between_seeds_and_repeat_with_the_same() -> None:
    loaded = load_scenario(ROOT / "scenarios" / "karabakh_2020.toml")
    runs = [_outputs(run_scenario(loaded, r, ())) for r in range(4)]
    assert len(set(runs)) > 1
    assert runs == [_outputs(run_scenario(loaded, r, ())) for r in range(4)]


RUN_IN_CHILD = """
import json, sys
from sim.experiments.run import run_replicate
from sim.loading.scenarios import load_scenario
model, _ = run_replicate(load_scenario(sys.argv[1]), 0)
print(json.dumps([model.records, model.log], sort_keys=True))
"""


@pytest.fixture(scope="module")
def karabakh_in_two_processes() -> list[list[Any]]:
    """karabakh_2020, replicate 0, run in two processes with different string hash seeds."""
    outputs = []
    for hash_seed in ("1", "2"):
        env = {**os.environ, "PYTHONHASHSEED": hash_seed}
        done = subprocess.run(
            [sys.executable, "-c", RUN_IN_CHILD, str(ROOT / "scenarios" / "karabakh_2020.toml")],
            env=env,
            capture_output=True,
            text=True,
            check=True,
            cwd=ROOT,
        )
        outputs.append(json.loads(done.stdout))
    return outputs


@pytest.mark.slow
def test_actions_do_not_depend_on_the_hash_seed(karabakh_in_two_processes: list[Any]) -> None:
    first, second = karabakh_in_two_processes
    assert first[1] == second[1]


@pytest.mark.slow
def test_records_do_not_depend_on_the_hash_seed(karabakh_in_two_processes: list[Any]) -> None:
    first, second = karabakh_in_two_processes
    assert json.dumps(first[0]) == json.dumps(second[0])


# --- regressions: deterministic reproductions of violations these tests found ---------------
def _fig(value: float) -> dict[str, Any]:
    return {"value": value, "assumption": "test", "range": [min(0.0, value), max(1.0, value)]}


def _state(capability: float = 1.0, risk: float = 1.0) -> dict[str, Any]:
    return {
        "capability": _fig(capability),
        "commitment": _fig(1.0),
        "risk_appetite": _fig(risk),
        "economic_weight": _fig(1.0),
    }


def four_state_world(name: str, ties: list[dict[str, Any]]) -> World:
    """States A, B, X, Y; theatre t owned by B; the given ties; near-best-response choice."""
    return World.model_validate(
        {
            "meta": {"name": name, "year": 2023},
            "states": {state: _state() for state in ("A", "B", "X", "Y")},
            "theatres": {
                "t": {
                    "owner": "B",
                    "held_by": "B",
                    "owner_control": _fig(1.0),
                    "share_of_owner_territory": _fig(1.0),
                    "stake": _fig(1.0),
                }
            },
            "ties": ties,
            "model": builtin_model(logit_lambda=10.0),
        }
    )


def _pledge(mutual: bool, obligation: str, delay: float, scope: str = "any") -> dict[str, Any]:
    """X's alliance with Y; by default it covers wars anywhere (the theatre is B's)."""
    return {
        "id": "xy",
        "kind": "alliance",
        "source": "X",
        "target": "Y",
        "mutual": mutual,
        "obligation": obligation,
        "scope": scope,
        "strength": _fig(0.5),
        "consultation_delay": _fig(delay),
    }


def _rivalry(a: str, b: str) -> dict[str, Any]:
    """A full-intensity mutual rivalry between ``a`` and ``b``."""
    return {
        "id": f"{a.lower()}{b.lower()}",
        "kind": "rivalry",
        "source": a,
        "target": b,
        "mutual": True,
        "issue": "i",
        "intensity": _fig(1.0),
    }


def two_camps_world() -> World:
    """A attacks B; X hates B and Y hates A; X and Y are allied to each other only."""
    return four_state_world(
        "two camps",
        [_pledge(True, "non_aggression", 0.0), _rivalry("X", "B"), _rivalry("Y", "A")],
    )


def test_allies_do_not_join_opposite_sides_in_the_same_week() -> None:
    offensive = event(
        {"step": 0, "kind": "offensive", "attacker": "A", "defender": "B", "theatre": "t"}
    )
    model = run(two_camps_world(), [offensive], seed=1, steps=1)
    war = model.wars[0]
    assert not (
        {"X", "Y"} <= {*war.attackers, *war.defenders} and war.side_of("X") != war.side_of("Y")
    ), (war.attackers, war.defenders)


def test_mutual_own_territory_pledge_covers_each_partner_at_home() -> None:
    world = load_world_2023()
    # Armenia attacks Azerbaijan at home: Russia's pledge to Azerbaijan under the 2022
    # declaration (source Azerbaijan, target Russia, mutual) covers Azerbaijan's territory.
    offensive = event(
        {
            "step": 0,
            "kind": "offensive",
            "attacker": "Armenia",
            "defender": "Azerbaijan",
            "theatre": "azerbaijan",
        }
    )
    model = run(world, [offensive], seed=0, steps=1)
    invoked = {(p.tie_id, p.pledger, p.protege) for p in model.wars[0].pledges}
    assert ("aze_rus_2022_declaration", "Russia", "Azerbaijan") in invoked, invoked


def load_world_2023() -> World:
    return load_scenario(ROOT / "scenarios" / "baseline.toml").world


def test_a_guarantee_binds_both_ends() -> None:
    """G guarantees P (one way); G attacks X; P, armed by X and hostile to G, must stay out."""
    world = World.model_validate(
        {
            "meta": {"name": "guarantee", "year": 2023},
            "states": {name: _state() for name in ("G", "P", "X")},
            "theatres": {
                "t": {
                    "owner": "X",
                    "held_by": "X",
                    "owner_control": _fig(1.0),
                    "share_of_owner_territory": _fig(1.0),
                    "stake": _fig(1.0),
                }
            },
            "ties": [
                {
                    "id": "g_p",
                    "kind": "alliance",
                    "source": "G",
                    "target": "P",
                    "obligation": "defence",
                    "strength": _fig(0.5),
                    "consultation_delay": _fig(0.0),
                },
                {
                    "id": "x_p",
                    "kind": "arms",
                    "source": "X",
                    "target": "P",
                    "volume_usd_m": _fig(1000.0),
                },
                {
                    "id": "p_g",
                    "kind": "rivalry",
                    "source": "P",
                    "target": "G",
                    "mutual": True,
                    "issue": "i",
                    "intensity": _fig(1.0),
                },
            ],
            "model": builtin_model(logit_lambda=10.0),
        }
    )
    offensive = event(
        {"step": 0, "kind": "offensive", "attacker": "G", "defender": "X", "theatre": "t"}
    )
    model = run(world, [offensive], seed=0, steps=4)
    assert "G" in model.net.allies["P"] and "P" in model.net.allies["G"]
    assert "P" not in model.wars[0].defenders, model.log


def test_a_pledger_waits_even_when_its_protege_joins_the_same_week() -> None:
    """X owes Y a defence pledge with three weeks of consultations; both hate A, who attacks B.

    Choosing together in week 0, Y joins B and so does X: X then fights beside Y before its
    consultations are over (may_intervene saw only B on that side).
    """
    world = four_state_world(
        "co-joiners",
        [_pledge(False, "defence", 3.0), _rivalry("X", "A"), _rivalry("Y", "A")],
    )
    offensive = event(
        {"step": 0, "kind": "offensive", "attacker": "A", "defender": "B", "theatre": "t"}
    )
    model = run(world, [offensive], seed=1, steps=1)
    defenders = model.wars[0].defenders
    assert not {"X", "Y"} <= set(defenders), defenders


def test_israel_without_ties_stays_out_of_karabakh() -> None:
    loaded = load_scenario(ROOT / "scenarios" / "karabakh_2020.toml")
    world = without_ties_of(loaded.world, "Israel")
    sc = loaded.scenario
    model = run(world, sc.events, 0, sc.steps, year=sc.year, rng=replicate_rng(sc.seed, 2))
    acts = [(r["step"], r["action"]) for r in model.log if r["state"] == "Israel"]
    assert not acts, acts


def test_a_tie_changed_before_it_is_created_is_an_input_error(tmp_path: Path) -> None:
    path = tmp_path / "order.toml"
    path.write_text("""
name = "order"
steps = 6
seed = 1
[[events]]
step = 4
kind = "tie_create"
[events.tie]
id = "new_pledge"
kind = "alliance"
source = "Iran"
target = "Armenia"
obligation = "defence"
strength = 0.5
consultation_delay = 0
[[events]]
step = 1
kind = "tie_suspend"
tie = "new_pledge"
""")
    try:
        loaded = load_scenario(path)
    except InputError as error:
        assert error.field.startswith("events[1]"), error
        return
    run_scenario(loaded, 0, ())  # raises KeyError: 'new_pledge' at week 1
