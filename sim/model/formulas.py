"""Closed forms of the conflict literature, offered for analysis and as checks on the rules.

The model itself advances wars step by step (:mod:`sim.model.rules`); these are the exact
solutions and equilibria those steps are tested against (tests/test_formulas.py), and tools
for a researcher's own analysis.
"""

from __future__ import annotations

import math


def lanchester_square_exact(
    a0: float, b0: float, alpha: float, beta: float, t: float
) -> tuple[float, float]:
    """Return the exact solution of the square law at time ``t`` (before either side is gone).

    With ω = √(αβ): A(t) = a0 cosh ωt − b0 √(β/α) sinh ωt and B(t) = b0 cosh ωt − a0 √(α/β)
    sinh ωt (Lanchester 1916; Taylor 1983, *Lanchester Models of Warfare*). Along it
    α A² − β B² stays equal to α a0² − β b0². Needs α, β > 0; valid until a side reaches 0.
    """
    omega = math.sqrt(alpha * beta)
    c, s = math.cosh(omega * t), math.sinh(omega * t)
    return a0 * c - b0 * math.sqrt(beta / alpha) * s, b0 * c - a0 * math.sqrt(alpha / beta) * s


def lanchester_square_annihilation_time(a0: float, b0: float, alpha: float, beta: float) -> float:
    """Return when the weaker side of the square law is annihilated (``inf`` on a draw).

    Side B is the loser when α a0² > β b0²; it reaches 0 when tanh(ωt) = b0 √β / (a0 √α), so
    t = atanh(b0 √β / (a0 √α)) / ω, and symmetrically for A (Taylor 1983). Needs α, β > 0.
    """
    omega = math.sqrt(alpha * beta)
    strength_a, strength_b = a0 * math.sqrt(alpha), b0 * math.sqrt(beta)
    if strength_a == strength_b:
        return math.inf
    ratio = min(strength_a, strength_b) / max(strength_a, strength_b)
    return math.atanh(ratio) / omega


def tullock_symmetric_equilibrium(value: float, decisiveness: float, players: int = 2) -> float:
    """Return each player's spending in the symmetric Nash equilibrium of a Tullock contest.

    Each of n risk-neutral players spending x against the others' x wins the prize V with
    probability x^r / Σ x_j^r; the symmetric equilibrium is x* = r V (n − 1) / n² (Tullock
    1980; Nitzan 1994, *Eur. J. Political Economy* 10), a pure equilibrium for r ≤ n / (n − 1).
    Two players with r = 1 each spend V / 4. Offered for analysis and tests: the model's
    contests are between forces already in the field, not chosen outlays.
    """
    return decisiveness * value * (players - 1) / players**2


def richardson_step(
    x: float,
    y: float,
    rates: tuple[float, float, float, float],
    grievances: tuple[float, float],
    dt: float = 1.0,
) -> tuple[float, float]:
    """Advance Richardson's (1960) arms race by one explicit Euler step.

    dx/dt = k y − a x + g and dy/dt = l x − b y + h, with ``rates`` = (k, l, a, b): reaction to
    the rival's arms (k, l) and fatigue (a, b), and ``grievances`` = (g, h). Offered for
    analysis: the model itself moves arms by ties and wartime surges, not by this law.
    """
    k, l_, a, b = rates
    g, h = grievances
    return x + (k * y - a * x + g) * dt, y + (l_ * x - b * y + h) * dt


def richardson_equilibrium(
    rates: tuple[float, float, float, float], grievances: tuple[float, float]
) -> tuple[float, float] | None:
    """Return the fixed point of Richardson's arms race, or None when it does not exist.

    x* = (k h + b g) / (a b − k l), y* = (l g + a h) / (a b − k l); it is stable exactly when
    a b > k l (Richardson 1960, *Arms and Insecurity*). None when a b = k l.
    """
    k, l_, a, b = rates
    g, h = grievances
    det = a * b - k * l_
    if det == 0:
        return None
    return (k * h + b * g) / det, (l_ * g + a * h) / det


def richardson_stable(rates: tuple[float, float, float, float]) -> bool:
    """Whether Richardson's equilibrium attracts every path: fatigue beats reaction, a b > k l."""
    k, l_, a, b = rates
    return a * b > k * l_
