"""Property tests of the pure rule functions in :mod:`sim.model.rules`."""

from __future__ import annotations

import itertools
import math
from typing import Any, cast

import numpy as np
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from sim.loading.worlds import load_world
from sim.model import rules
from sim.schema.world import AllianceTie

FAST = settings(max_examples=200, deadline=None)

unit = st.floats(0.0, 1.0)
rate = st.floats(0.0, 1.0)
utility = st.floats(-50.0, 50.0)
utilities = st.lists(utility, min_size=1, max_size=8)
rationality = st.floats(0.0, 20.0)
# Forces in the model are of order 0.01..100; the ends of the float range are tested apart.
effort = st.one_of(st.just(0.0), st.floats(1e-6, 1e6))
decisiveness = st.floats(0.1, 5.0)


# --- logit choice ------------------------------------------------------------------------------
@FAST
@given(utilities, rationality)
def test_logit_probabilities_are_a_distribution(us: list[float], lam: float) -> None:
    p = rules.logit_probabilities(us, lam)
    assert p.shape == (len(us),)
    assert np.all(np.isfinite(p))
    assert np.all(p >= 0.0)
    assert math.isclose(float(p.sum()), 1.0, rel_tol=1e-12)


@FAST
@given(utilities, rationality, st.data())
def test_logit_probabilities_are_monotone_in_utility(
    us: list[float], lam: float, data: st.DataObject
) -> None:
    p = rules.logit_probabilities(us, lam)
    for i, j in itertools.combinations(range(len(us)), 2):
        if us[i] > us[j]:
            assert p[i] >= p[j]
        elif us[i] == us[j]:
            assert p[i] == pytest.approx(p[j], rel=1e-12)
    # Raising one option's utility never lowers its probability.
    k = data.draw(st.integers(0, len(us) - 1))
    bump = data.draw(st.floats(0.0, 10.0))
    raised = list(us)
    raised[k] += bump
    assert rules.logit_probabilities(raised, lam)[k] >= p[k] - 1e-12


@FAST
@given(utilities)
def test_logit_is_uniform_at_zero_rationality(us: list[float]) -> None:
    p = rules.logit_probabilities(us, 0.0)
    np.testing.assert_allclose(p, np.full(len(us), 1.0 / len(us)), rtol=1e-12)


@FAST
@given(utilities, st.integers(0, 7), st.floats(0.1, 5.0))
def test_logit_approaches_best_response(us: list[float], k: int, gap: float) -> None:
    k %= len(us)
    us = list(us)
    us[k] = max(us) + gap  # a unique best option, by at least ``gap``
    p = rules.logit_probabilities(us, 1e4)
    assert p[k] > 1.0 - 1e-9
    assert int(np.argmax(rules.logit_probabilities(us, 1.0))) == k


@settings(max_examples=20, deadline=None)
@given(
    st.lists(st.floats(-1.0, 1.0), min_size=2, max_size=5),
    st.floats(0.0, 4.0),
    st.integers(0, 2**32 - 1),
)
def test_logit_choice_frequencies_match_probabilities(
    us: list[float], lam: float, seed: int
) -> None:
    n = 4000
    rng = np.random.default_rng(seed)
    counts = np.bincount([rules.logit_choice(us, lam, rng) for _ in range(n)], minlength=len(us))
    assert len(counts) == len(us)
    p = rules.logit_probabilities(us, lam)
    sigma = np.sqrt(p * (1 - p) / n)
    # Five standard errors (plus a floor for p near 0 or 1): a false alarm is ~1e-6 per option.
    assert np.all(np.abs(counts / n - p) <= 5 * sigma + 2.0 / n)


@FAST
@given(st.lists(utility, min_size=1, max_size=13), rationality, st.data())
def test_logit_choice_is_the_draw_on_the_cumulative_logit_probabilities(
    us: list[float], lam: float, data: st.DataObject
) -> None:
    # The choice is computed on Python floats for speed; it must pick exactly the option that
    # numpy's cumulative probabilities give for the same draw (up to 13 options: numpy sums
    # 8 or more values pairwise), or a run's results would change. Draws that land exactly on
    # a boundary between options catch a cumulative probability off by one rounding.
    cumulative = np.cumsum(rules.logit_probabilities(us, lam))
    k = data.draw(st.integers(0, len(us) - 1))
    on_boundary = float(cumulative[k] / cumulative[-1])
    draw = data.draw(
        st.one_of(st.floats(0.0, 1.0, exclude_max=True), st.just(on_boundary)).filter(
            lambda x: x < 1.0
        )
    )
    expected = int(np.searchsorted(cumulative, draw * cumulative[-1], side="right"))

    class Fixed:
        def random(self) -> float:
            return draw

    assert rules.logit_choice(us, lam, cast(np.random.Generator, Fixed())) == expected


def test_logit_choice_uses_one_draw_and_never_picks_an_impossible_option() -> None:
    a, b = np.random.default_rng(3), np.random.default_rng(3)
    rules.logit_choice([0.0, 1.0, 2.0], 1.0, a)
    b.random()
    assert a.random() == b.random()

    class Top:
        def random(self) -> float:
            return float(np.nextafter(1.0, 0.0))

    class Bottom:
        def random(self) -> float:
            return 0.0

    options = [-1e3, 0.0, 0.1, -1e3]  # first and last have probability exp(-8000) = 0
    for stub in (Top(), Bottom()):
        k = rules.logit_choice(options, 8.0, cast(np.random.Generator, stub))
        assert k in (1, 2)


# --- Tullock contest ---------------------------------------------------------------------------
@FAST
@given(effort, effort, decisiveness)
def test_tullock_share_is_a_probability_and_symmetric(a: float, b: float, r: float) -> None:
    p = rules.tullock_share(a, b, r)
    assert 0.0 <= p <= 1.0
    assert p + rules.tullock_share(b, a, r) == pytest.approx(1.0, abs=1e-12)


@FAST
@given(effort, effort, effort, decisiveness)
def test_tullock_share_increases_with_own_effort(
    a: float, extra: float, b: float, r: float
) -> None:
    assert rules.tullock_share(a + extra, b, r) >= rules.tullock_share(a, b, r) - 1e-12


@FAST
@given(effort, effort)
def test_tullock_share_at_unit_decisiveness_is_the_ratio(a: float, b: float) -> None:
    assume(a + b > 0)
    assert rules.tullock_share(a, b, 1.0) == pytest.approx(a / (a + b), rel=1e-12, abs=1e-15)


@FAST
@given(effort, decisiveness)
def test_tullock_equal_efforts_tie(a: float, r: float) -> None:
    assert rules.tullock_share(a, a, r) == pytest.approx(0.5)


@FAST
@given(st.floats(1e-3, 1e3), st.floats(1e-3, 1e3), st.floats(0.1, 3.0))
def test_tullock_share_is_the_power_ratio(a: float, b: float, r: float) -> None:
    assert rules.tullock_share(a, b, r) == pytest.approx(a**r / (a**r + b**r), rel=1e-9)


@FAST
@given(st.floats(1e-3, 1e3), st.floats(1e-3, 1e3), st.floats(0.1, 5.0), st.floats(0.0, 5.0))
def test_tullock_decisiveness_favours_the_stronger_side(
    a: float, b: float, r: float, more: float
) -> None:
    strong, weak = max(a, b), min(a, b)
    assert (
        rules.tullock_share(strong, weak, r + more) >= rules.tullock_share(strong, weak, r) - 1e-12
    )


def test_tullock_one_empty_side_loses() -> None:
    assert rules.tullock_share(0.0, 2.0, 1.5) == 0.0
    assert rules.tullock_share(2.0, 0.0, 1.5) == 1.0
    assert rules.tullock_share(0.0, 0.0, 1.5) == 0.5


@pytest.mark.parametrize(
    ("a", "b", "expected"),
    [
        (1e-200, 1e-200, 0.5),  # both powers underflow to 0.0: once 0 / (0 + 0)
        (1e-200, 0.0, 1.0),  # a positive side against an empty one wins
        (1e200, 1e200, 0.5),  # both powers overflow: once OverflowError from float.__pow__
        (1e-300, 1e300, 0.0),  # the ratio itself overflows
        (1e300, 1e-300, 1.0),
    ],
)
def test_tullock_share_at_extreme_efforts(a: float, b: float, expected: float) -> None:
    """Regression: x**r under- or overflowed for extreme efforts (found by these tests)."""
    assert rules.tullock_share(a, b, 2.0) == pytest.approx(expected)


# --- Lanchester square law ---------------------------------------------------------------------
strength = st.floats(0.0, 1e4)
coefficient = st.floats(0.0, 1.0)


@FAST
@given(strength, strength, coefficient, coefficient, st.floats(0.0, 10.0))
def test_lanchester_step_never_negative_and_never_gains(
    a: float, b: float, alpha: float, beta: float, dt: float
) -> None:
    a2, b2 = rules.lanchester_square_step(a, b, alpha, beta, dt)
    assert 0.0 <= a2 <= a
    assert 0.0 <= b2 <= b


@FAST
@given(strength, strength, coefficient, st.floats(0.0, 1.0))
def test_lanchester_stronger_side_loses_less(a: float, b: float, k: float, dt: float) -> None:
    assume(k * dt <= 1.0)  # a week's attrition below the whole force, as in the model
    big, small = max(a, b), min(a, b)
    big2, small2 = rules.lanchester_square_step(big, small, k, k, dt)
    assert big - big2 <= small - small2 + 1e-9


def _square_law_error(
    a: float, b: float, alpha: float, beta: float, dt: float, horizon: float
) -> float:
    invariant = alpha * a * a - beta * b * b
    for _ in range(round(horizon / dt)):
        a, b = rules.lanchester_square_step(a, b, alpha, beta, dt)
    return abs(alpha * a * a - beta * b * b - invariant)


@FAST
@given(st.floats(1.0, 100.0), st.floats(1.0, 100.0), st.floats(0.01, 0.1), st.floats(0.01, 0.1))
def test_lanchester_conserves_the_square_law_to_second_order(
    a: float, b: float, alpha: float, beta: float
) -> None:
    q = alpha * a * a - beta * b * b
    assume(abs(q) > 1e-3 * (alpha * a * a + beta * b * b))
    # One Euler step changes Q by exactly -alpha*beta*dt^2*Q (no side wiped out yet).
    errors = []
    for dt in (0.1, 0.05, 0.025):
        a2, b2 = rules.lanchester_square_step(a, b, alpha, beta, dt)
        error = abs(alpha * a2 * a2 - beta * b2 * b2 - q)
        assert error <= alpha * beta * dt * dt * abs(q) * (1 + 1e-6) + 1e-9 * (a * a + b * b)
        errors.append(error)
    assert errors[1] < errors[0] / 3 and errors[2] < errors[1] / 3
    # Over a fixed horizon the global error shrinks as dt does (first order in dt).
    horizon = 0.2 / max(alpha, beta) * min(a, b) / max(a, b)  # short: no side wiped out
    coarse = _square_law_error(a, b, alpha, beta, horizon / 4, horizon)
    fine = _square_law_error(a, b, alpha, beta, horizon / 64, horizon)
    assert fine <= coarse / 4 + 1e-9 * (a * a + b * b)


# --- ground and its value ----------------------------------------------------------------------
@FAST
@given(unit, st.integers(1, 14), st.data(), rate)
def test_control_stays_in_unit_interval_and_follows_the_winner(
    control: float, days: int, data: st.DataObject, r: float
) -> None:
    won = data.draw(st.integers(0, days))
    after = rules.control_after_week(control, won, days, r)
    assert 0.0 <= after <= 1.0
    if 2 * won > days:
        assert after >= control
    elif 2 * won < days:
        assert after <= control
    else:
        assert after == pytest.approx(control)
    assert abs(after - control) <= r + 1e-12
    assert rules.control_after_week(control, days, days, r) == pytest.approx(min(1.0, control + r))


@FAST
@given(unit, unit, rate)
def test_expected_gain_sign_and_bounds(control: float, p: float, r: float) -> None:
    owner = rules.expected_gain(control, p, r, owner_side=True)
    occupier = rules.expected_gain(control, p, r, owner_side=False)
    assert owner == -occupier
    assert abs(owner) <= r + 1e-12
    assert 0.0 - 1e-12 <= control + owner <= 1.0 + 1e-12
    if p == 1.0:
        assert owner >= 0.0
    if p == 0.0:
        assert owner <= 0.0
    if control >= 1.0:
        assert owner <= 0.0
    if control <= 0.0:
        assert owner >= 0.0
    if min(r, 1.0 - control) == min(r, control) > 0:  # room both ways: sign of p - 1/2
        assert (owner > 0) == (p > 0.5)
        assert (owner < 0) == (p < 0.5)


@FAST
@given(unit, unit, unit, rate)
def test_expected_gain_is_monotone_in_win_probability(
    control: float, p: float, q: float, r: float
) -> None:
    lo, hi = sorted((p, q))
    assert rules.expected_gain(control, hi, r, True) >= rules.expected_gain(control, lo, r, True)


@FAST
@given(unit, unit)
def test_territory_value_is_increasing_concave_and_bounded(h: float, k: float) -> None:
    lo, hi = sorted((h, k))
    assert 0.0 <= rules.territory_value(lo) <= rules.territory_value(hi) <= 1.0
    assert rules.marginal_territory_value(lo) >= rules.marginal_territory_value(hi) >= 0.0
    assert rules.territory_value(0.0) == 0.0 and rules.territory_value(1.0) == 1.0


@FAST
@given(st.floats(0.0, 5.0), st.floats(0.0, 2.0), unit, unit)
def test_war_cost_falls_with_the_chance_of_winning(
    base: float, risk: float, p: float, q: float
) -> None:
    lo, hi = sorted((p, q))
    assert rules.war_cost(base, risk, hi) <= rules.war_cost(base, risk, lo)
    assert base * risk <= rules.war_cost(base, risk, lo) + 1e-12 <= 2 * base * risk + 1e-9


# --- pledges (ATOP obligations) ----------------------------------------------------------------
def _pledge(
    obligation: str,
    scope: str = "own_territory",
    theatres: list[str] | None = None,
    target: str = "P",
) -> AllianceTie:
    figure: dict[str, Any] = {"value": 0.5, "assumption": "test", "range": [0.0, 1.0]}
    return AllianceTie.model_validate(
        {
            "id": "x",
            "kind": "alliance",
            "source": "G",
            "target": target,
            "obligation": obligation,
            "scope": scope,
            "theatres": theatres or [],
            "strength": figure,
            "consultation_delay": figure,
        }
    )


def _expected_applies(
    obligation: str, scope: str, listed: bool | None, defender: bool, own: bool
) -> bool:
    """The ATOP truth table, written out independently of the rule."""
    if obligation in ("neutrality", "non_aggression"):
        return False
    if obligation == "offence" and defender:
        return False
    if obligation in ("defence", "consultation") and not defender:
        return False
    if listed is False:  # a theatres list that does not name this theatre
        return False
    return scope == "any" or own


@pytest.mark.parametrize(
    "obligation", ["defence", "offence", "neutrality", "non_aggression", "consultation"]
)
@pytest.mark.parametrize("scope", ["own_territory", "any"])
@pytest.mark.parametrize("listed", [None, True, False])
@pytest.mark.parametrize("defender", [True, False])
@pytest.mark.parametrize("own", [True, False])
def test_pledge_applies_truth_table(
    obligation: str, scope: str, listed: bool | None, defender: bool, own: bool
) -> None:
    theatres = None if listed is None else (["front"] if listed else ["elsewhere"])
    tie = _pledge(obligation, scope, theatres)
    owner = "P" if own else "Q"
    assert rules.pledge_applies(tie, defender, "front", owner, protege="P") == _expected_applies(
        obligation, scope, listed, defender, own
    )


def test_csto_pledge_does_not_cover_karabakh() -> None:
    world = load_world()
    csto = world.tie("rus_arm_csto")
    assert isinstance(csto, AllianceTie)
    karabakh = world.theatres["karabakh"]
    armenia = world.theatres["armenia"].owner
    assert not rules.pledge_applies(csto, True, "karabakh", karabakh.owner, protege="Armenia")
    assert rules.pledge_applies(csto, True, "armenia", armenia, protege="Armenia")
    # The mutual CSTO tie also runs Armenia -> Russia: it covers Russia at home only.
    assert not rules.pledge_applies(csto, True, "armenia", armenia, protege="Russia")
    nakhchivan = world.tie("tur_aze_nakhchivan_guarantee")
    assert isinstance(nakhchivan, AllianceTie)
    assert rules.pledge_applies(nakhchivan, True, "nakhchivan", "Azerbaijan", protege="Azerbaijan")
    assert not rules.pledge_applies(
        nakhchivan, True, "azerbaijan", "Azerbaijan", protege="Azerbaijan"
    )


def test_pledge_scope_follows_the_protected_end_of_a_mutual_tie() -> None:
    tie = _pledge("defence").model_copy(update={"mutual": True})  # G <-> P
    assert rules.pledge_applies(tie, True, "front", "G", protege="G")
    assert not rules.pledge_applies(tie, True, "front", "P", protege="G")
    assert rules.pledge_applies(tie, True, "front", "P", protege="P")
    assert not rules.pledge_applies(tie, True, "front", "G", protege="P")


@FAST
@given(
    st.sampled_from(["defence", "offence", "neutrality", "non_aggression", "consultation"]),
    st.sampled_from(["own_territory", "any"]),
    st.booleans(),
    st.booleans(),
    st.sampled_from(["P", "Q"]),
)
def test_offence_never_for_defenders_and_neutrality_never_invoked(
    obligation: str, scope: str, defender: bool, listed: bool, owner: str
) -> None:
    tie = _pledge(obligation, scope, ["front"] if listed else None)
    applies = rules.pledge_applies(tie, defender, "front", owner, protege="P")
    if obligation in ("neutrality", "non_aggression"):
        assert not applies
    if obligation == "offence" and defender:
        assert not applies
    if obligation in ("defence", "consultation") and not defender:
        assert not applies
    if scope == "own_territory" and owner != "P":
        assert not applies


@FAST
@given(st.integers(0, 100), st.integers(0, 100), st.integers(0, 100), st.floats(0.0, 10.0))
def test_consultation_done_is_monotone_and_waits_for_the_delay(
    invoked: int, wait: int, more: int, delay: float
) -> None:
    now = invoked + wait
    done = rules.consultation_done(invoked, now, delay)
    assert done == (wait >= math.ceil(delay))
    if done:
        assert rules.consultation_done(invoked, now + more, delay)
    if wait < delay:
        assert not done
    assert rules.consultation_done(invoked, invoked + math.ceil(delay), delay)


# --- trust, reliability, ties ------------------------------------------------------------------
@FAST
@given(unit, st.booleans(), rate)
def test_trust_update_stays_in_unit_interval_and_moves_toward_outcome(
    trust: float, honoured: bool, r: float
) -> None:
    after = rules.trust_update(trust, honoured, r)
    outcome = 1.0 if honoured else 0.0
    assert 0.0 <= after <= 1.0
    assert abs(after - outcome) <= abs(trust - outcome) + 1e-15
    if honoured:
        assert after >= trust
    else:
        assert after <= trust


@FAST
@given(st.floats(-10, 10), st.floats(-10, 10), rate)
def test_relax_moves_between_value_and_target(value: float, target: float, r: float) -> None:
    after = rules.relax(value, target, r)
    assert min(value, target) - 1e-12 <= after <= max(value, target) + 1e-12


@FAST
@given(st.integers(0, 1000), st.integers(0, 1000))
def test_reliability_is_a_share_or_nan(honoured: int, extra: int) -> None:
    invoked = honoured + extra
    value = rules.reliability(honoured, invoked)
    if invoked == 0:
        assert math.isnan(value)
    else:
        assert 0.0 <= value <= 1.0
    assert math.isnan(rules.reliability(0, 0))


weights = st.lists(st.floats(-1.0, 2.0), max_size=8)


@FAST
@given(weights, st.floats(-1.0, 2.0), st.randoms())
def test_noisy_or_is_bounded_monotone_and_order_free(
    ws: list[float], extra: float, rnd: Any
) -> None:
    value = rules.noisy_or(ws)
    assert 0.0 <= value <= 1.0
    assert rules.noisy_or([*ws, extra]) >= value - 1e-12
    shuffled = list(ws)
    rnd.shuffle(shuffled)
    assert rules.noisy_or(shuffled) == pytest.approx(value, abs=1e-12)
    if ws:
        raised = [*ws[:-1], max(ws[-1], extra)]
        assert rules.noisy_or(raised) >= value - 1e-12
    assert rules.noisy_or([]) == 0.0
    assert rules.noisy_or([1.0, *ws]) == 1.0


@FAST
@given(unit)
def test_noisy_or_of_one_weight_is_that_weight(w: float) -> None:
    assert rules.noisy_or([w]) == pytest.approx(w, abs=1e-15)


@FAST
@given(unit, unit)
def test_pair_sign_is_antisymmetric(positive: float, negative: float) -> None:
    sign = rules.pair_sign(positive, negative)
    assert sign in (-1, 0, 1)
    assert rules.pair_sign(negative, positive) == -sign
    assert (sign == 0) == (positive == negative)


@FAST
@given(st.floats(0.0, 1e4), st.booleans(), st.floats(1.0, 5.0), st.floats(0.0, 3.0))
def test_arms_stock_units_and_multiplier(
    volume: float, precision: bool, multiplier: float, effect: float
) -> None:
    units = rules.weighted_volume(volume, precision, multiplier)
    plain = rules.weighted_volume(volume, False, multiplier)
    assert units >= plain >= 0.0
    assert plain == pytest.approx(volume / 1000.0)
    assert rules.arms_multiplier(units, effect) >= 1.0


# --- 7.18 revising alliances and changing arms suppliers -------------------------------------

DRAWS = np.linspace(0.0, 1.0, 20_001, endpoint=False)


def revision_shares(utility: float, rationality: float) -> dict[int, float]:
    """The share of uniform draws that give each revision: the choice's probabilities."""
    picks = [rules.revision(utility, rationality, float(d)) for d in DRAWS]
    return {k: picks.count(k) / len(picks) for k in (-1, 0, 1)}


@FAST
@given(st.floats(-5.0, 5.0), st.floats(0.5, 10.0))
def test_revision_is_a_three_option_logit_choice(utility: float, rationality: float) -> None:
    shares = revision_shares(utility, rationality)
    z = rationality * utility
    # Written out directly (exp(z), 1, exp(-z)), within the grid's resolution.
    weights = {1: math.exp(z), 0: 1.0, -1: math.exp(-z)}
    total = sum(weights.values())
    for option, weight in weights.items():
        assert shares[option] == pytest.approx(weight / total, abs=2e-4)
    mirrored = revision_shares(-utility, rationality)
    assert shares[1] == pytest.approx(mirrored[-1], abs=2e-4)


@FAST
@given(st.floats(-1e6, 1e6), st.floats(0.0, 1.0))
def test_revision_never_overflows(utility: float, draw: float) -> None:
    assert rules.revision(utility, 10.0, draw) in (-1, 0, 1)


@FAST
@given(unit, st.sampled_from((-1, 0, 1)), st.floats(0.0, 0.3))
def test_a_revised_strength_stays_a_strength(strength: float, direction: int, step: float) -> None:
    revised = rules.revised_strength(strength, direction, step)
    assert 0.0 <= revised <= 1.0
    assert (revised - strength) * direction >= 0.0
    assert abs(revised - strength) <= step + 1e-12


@FAST
@given(unit, unit, st.booleans(), st.floats(0.0, 4.0), st.floats(0.01, 4.0))
def test_a_supplier_is_worth_less_the_less_it_is_trusted_and_the_more_it_is_against(
    trust: float, hostility: float, backs_rival: bool, w_trust: float, w_hostility: float
) -> None:
    def value(t: float, h: float, backs: bool) -> float:
        return rules.supplier_utility(
            t, h, backs, w_trust=w_trust, w_hostility=w_hostility, inertia=0.5
        )

    base = value(trust, hostility, backs_rival)
    assert value(min(1.0, trust + 0.1), hostility, backs_rival) >= base
    assert value(trust, min(1.0, hostility + 0.1), backs_rival) <= base
    assert value(trust, hostility, True) < value(trust, hostility, False)
