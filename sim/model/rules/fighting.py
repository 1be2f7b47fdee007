"""Fighting, its end, trust and arms (docs/ODD.md 7.10-7.13)."""

from __future__ import annotations

import math
from collections.abc import Collection, Iterable


def tullock_share(x_a: float, x_b: float, decisiveness: float) -> float:
    """Return side A's contest success probability, x_a^r / (x_a^r + x_b^r).

    Tullock (1980), ratio form (Hirshleifer 1989, Public Choice 63). Two empty sides tie at 1/2.
    Computed as 1 / (1 + (x_b / x_a)^r) so that extreme efforts neither underflow nor overflow.
    """
    if x_a <= 0:
        return 0.5 if x_b <= 0 else 0.0
    if x_b <= 0:
        return 1.0
    try:
        return 1.0 / (1.0 + (x_b / x_a) ** decisiveness)
    except OverflowError:  # x_b vastly larger than x_a
        return 0.0


def lanchester_square_step(
    a: float, b: float, alpha: float, beta: float, dt: float = 1.0
) -> tuple[float, float]:
    """Advance Lanchester's (1916) square law by one explicit Euler step.

    dA/dt = -β B, dB/dt = -α A: aimed fire, each side's losses proportional to the other's size.

    Returns:
        The two strengths after ``dt``, floored at 0.
    """
    return max(0.0, a - beta * b * dt), max(0.0, b - alpha * a * dt)


def control_after_week(control: float, days_won: int, days: int, rate: float) -> float:
    """Return the owner's share of a theatre after a week of daily contests.

    Each day is a Tullock contest; the front moves by ``rate / days`` towards the day's
    winner, so a week won outright moves it by ``rate``. Clipped to [0, 1].
    """
    change = rate * (2 * days_won - days) / days
    return min(1.0, max(0.0, control + change))


def capitulates(strength: float, threshold: float) -> bool:
    """Whether a belligerent gives up the theatre: its remaining force is below ``threshold``."""
    return strength < threshold


def ceasefire_agreed(primaries: Iterable[str], settling: Collection[str]) -> bool:
    """Whether a war ends in a ceasefire: both primaries chose to settle in the same week."""
    return all(state in settling for state in primaries)


# --- 7.12-7.13 Trust and arms --------------------------------------------------------------


def trust_update(trust: float, honoured: bool, rate: float) -> float:
    """Move trust towards 1 when a pledge is honoured and 0 when it is broken.

    Reputation learning after Crescenzi (2007, AJPS 51): trust ← trust + ρ (outcome − trust).
    """
    return trust + rate * ((1.0 if honoured else 0.0) - trust)


def relax(value: float, target: float, rate: float) -> float:
    """Exponential relaxation towards ``target``: value + rate · (target − value)."""
    return value + rate * (target - value)


def reliability(honoured: int, invoked: int) -> float:
    """Share of invoked pledges honoured (Leeds, Long & Mitchell 2000); nan before any."""
    return honoured / invoked if invoked else math.nan
