"""Conflict formulas of sim.model.formulas against closed forms: Lanchester, Tullock, Richardson."""

import math

import numpy as np
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from sim.model.formulas import (
    lanchester_square_annihilation_time,
    lanchester_square_exact,
    richardson_equilibrium,
    richardson_stable,
    richardson_step,
    tullock_symmetric_equilibrium,
)
from sim.model.rules import lanchester_square_step, tullock_share

FAST = settings(max_examples=60, deadline=None)
forces = st.floats(1.0, 100.0)
rates = st.floats(0.01, 0.5)


@FAST
@given(forces, forces, rates, rates, st.floats(0.0, 1.0))
def test_square_law_invariant_on_exact_solution(a0, b0, alpha, beta, share):
    """α A² − β B² is constant along the exact solution, up to annihilation."""
    t = share * min(lanchester_square_annihilation_time(a0, b0, alpha, beta), 50.0)
    a, b = lanchester_square_exact(a0, b0, alpha, beta, t)
    before = alpha * a0**2 - beta * b0**2
    assert alpha * a**2 - beta * b**2 == pytest.approx(before, rel=1e-7, abs=1e-6 * a0 * b0)


@FAST
@given(forces, forces, rates, rates)
def test_annihilation_time_zeroes_the_loser(a0, b0, alpha, beta):
    assume(abs(alpha * a0**2 - beta * b0**2) > 1e-3 * (alpha * a0**2))
    t = lanchester_square_annihilation_time(a0, b0, alpha, beta)
    a, b = lanchester_square_exact(a0, b0, alpha, beta, t)
    loser = b if alpha * a0**2 > beta * b0**2 else a
    assert loser == pytest.approx(0.0, abs=1e-6 * max(a0, b0))


@FAST
@given(forces, forces, rates, rates)
def test_euler_steps_converge_to_exact_solution(a0, b0, alpha, beta):
    """The model's discrete step is first-order: halving dt about halves the error."""
    horizon = 0.5 * min(lanchester_square_annihilation_time(a0, b0, alpha, beta), 10.0)
    exact = np.array(lanchester_square_exact(a0, b0, alpha, beta, horizon))
    errors = []
    for n in (50, 100, 200):
        a, b = a0, b0
        for _ in range(n):
            a, b = lanchester_square_step(a, b, alpha, beta, dt=horizon / n)
        errors.append(float(np.abs(np.array([a, b]) - exact).max()))
    scale = max(a0, b0)
    assert errors[2] <= errors[0] + 1e-9 * scale
    if errors[0] > 1e-7 * scale:  # above rounding noise the error shrinks like dt
        assert errors[2] / errors[0] == pytest.approx(0.25, abs=0.08)


def test_annihilation_time_on_a_draw_is_infinite():
    assert lanchester_square_annihilation_time(10.0, 20.0, 0.4, 0.1) == math.inf


def best_response(rival: float, value: float, r: float) -> float:
    """Numerical best response in a two-player Tullock contest, by a fine grid then refinement."""
    grid = np.linspace(0.0, value, 20001)
    payoff = [value * tullock_share(x, rival, r) - x for x in grid]
    x = float(grid[int(np.argmax(payoff))])
    step = value / 20000
    for _ in range(40):  # local refinement: try a step either side, then halve the step
        candidates = [x - step, x, x + step]
        x = max(
            (c for c in candidates if c >= 0), key=lambda c: value * tullock_share(c, rival, r) - c
        )
        step /= 2
    return x


@settings(max_examples=15, deadline=None)
@given(st.floats(1.0, 100.0), st.floats(0.3, 1.9))
def test_tullock_symmetric_equilibrium_is_a_best_response(value, r):
    """Spending x* = r V / 4 is each player's best response to the other spending x*.

    r stops short of 2, where spending nothing pays as much as x* (zero profit) and the
    pure equilibrium ends.
    """
    x_star = tullock_symmetric_equilibrium(value, r)
    assert best_response(x_star, value, r) == pytest.approx(x_star, rel=1e-4)


@pytest.mark.parametrize("r", [2.5, 4.0])
def test_no_pure_equilibrium_above_r_2(r):
    """Above r = n / (n - 1) = 2, x* loses money and spending nothing beats it."""
    x_star = tullock_symmetric_equilibrium(10.0, r)
    assert 10.0 * tullock_share(x_star, x_star, r) - x_star < 0.0
    assert best_response(x_star, 10.0, r) != pytest.approx(x_star, rel=1e-2)


def test_tullock_r1_spends_a_quarter_of_the_prize():
    assert best_response(25.0, 100.0, 1.0) == pytest.approx(25.0, rel=1e-5)


coefficients = st.floats(0.05, 1.0)


@FAST
@given(coefficients, coefficients, coefficients, coefficients, st.floats(0, 5), st.floats(0, 5))
def test_richardson_equilibrium_is_a_fixed_point(k, l_, a, b, g, h):
    assume(abs(a * b - k * l_) > 1e-3)
    x, y = richardson_equilibrium((k, l_, a, b), (g, h))
    nx_, ny = richardson_step(x, y, (k, l_, a, b), (g, h), dt=0.1)
    assert (nx_, ny) == pytest.approx((x, y), abs=1e-9 * (1 + abs(x) + abs(y)))


@FAST
@given(coefficients, coefficients, coefficients, coefficients, st.floats(0, 5), st.floats(0, 5))
def test_richardson_stability_condition(k, l_, a, b, g, h):
    """Paths converge to the equilibrium when a b > k l and run away when a b < k l."""
    rates = (k, l_, a, b)
    assume(abs(a * b - k * l_) > 0.05)
    x_star, y_star = richardson_equilibrium(rates, (g, h))
    x, y = x_star + 1.0, y_star + 1.0
    for _ in range(10000):
        x, y = richardson_step(x, y, rates, (g, h), dt=0.1)
        if abs(x) > 1e6:
            break
    distance = math.hypot(x - x_star, y - y_star)
    if richardson_stable(rates):
        assert distance < 0.05
    else:
        assert distance > math.hypot(1.0, 1.0)


def test_richardson_singular_has_no_equilibrium():
    assert richardson_equilibrium((1.0, 1.0, 1.0, 1.0), (1.0, 1.0)) is None
