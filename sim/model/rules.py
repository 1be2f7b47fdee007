"""The model's rules as small pure functions: choice, contest, attrition, pledges, trust, ties.

Each function states its formula and the work behind it; the agents and the model only call
these. See docs/ODD.md (Details) for how they fit together.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence

import numpy as np

from sim.schema.world import AllianceTie


def logit_probabilities(utilities: Sequence[float], rationality: float) -> np.ndarray:
    """Return logit (McFadden 1974) choice probabilities, P(a) ∝ exp(λ U(a)).

    Args:
        utilities: utility of each option.
        rationality: λ ≥ 0; 0 chooses uniformly, large values approach best response.

    Returns:
        Probabilities summing to 1, computed stably (max-shifted).
    """
    u = rationality * np.asarray(utilities, dtype=float)
    weights = np.exp(u - u.max())
    return weights / weights.sum()


def logit_choice(utilities: Sequence[float], rationality: float, rng: np.random.Generator) -> int:
    """Draw an option index by logit choice (one uniform draw from ``rng``)."""
    cumulative = np.cumsum(logit_probabilities(utilities, rationality))
    return int(np.searchsorted(cumulative, rng.random() * cumulative[-1], side="right"))


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


def control_after_week(control: float, days_won: int, days: int, rate: float) -> float:
    """Return the owner's share of a theatre after a week of daily contests.

    Each day is a Tullock contest; the front moves by ``rate / days`` towards the day's
    winner, so a week won outright moves it by ``rate``. Clipped to [0, 1].
    """
    change = rate * (2 * days_won - days) / days
    return min(1.0, max(0.0, control + change))


def expected_gain(control: float, p_owner: float, rate: float, owner_side: bool) -> float:
    """Return the expected change of a side's share of the theatre over the next week.

    E[Δ] = rate·p − rate·(1−p), truncated so control stays in [0, 1]; negated for the occupier.
    """
    up = min(rate, 1.0 - control)
    down = min(rate, control)
    gain = p_owner * up - (1.0 - p_owner) * down
    return gain if owner_side else -gain


def territory_value(held: float) -> float:
    """Concave value of holding a share of a theatre: v(h) = 1 − (1 − h)², so v(0)=0, v(1)=1.

    Diminishing returns: the first ground taken is worth most (marginal value 2 (1 − h)),
    which lets an advancing side stop short of taking everything.
    """
    return 1.0 - (1.0 - held) ** 2


def marginal_territory_value(held: float) -> float:
    """Derivative of :func:`territory_value`: 2 (1 − h)."""
    return 2.0 * (1.0 - held)


def war_cost(base: float, risk_factor: float, win_probability: float) -> float:
    """Expected cost of going to war: base × risk factor × (1 + risk of defeat).

    The risk of defeat is 1 − p for the contest success p of the side joined (Tullock 1980).
    """
    return base * risk_factor * (1.0 + (1.0 - win_probability))


def arms_multiplier(stock_bn: float, effect: float) -> float:
    """Return the capability multiplier from an arms stock: 1 + effect · stock (in $bn).

    Precision systems enter the stock already weighted (see :func:`weighted_volume`).
    """
    return 1.0 + effect * stock_bn


def weighted_volume(volume_usd_m: float, precision: bool, precision_multiplier: float) -> float:
    """Convert a delivery in $m to stock units ($bn, precision systems weighted up)."""
    return volume_usd_m / 1000.0 * (precision_multiplier if precision else 1.0)


def noisy_or(weights: Iterable[float]) -> float:
    """Combine tie weights in [0, 1] as 1 − Π(1 − w): bounded, and more ties never weigh less."""
    remaining = 1.0
    for w in weights:
        # Same clamp as min(1, max(0, w)), NaN to 0, without two builtin calls per weight.
        remaining *= 1.0 - (1.0 if w >= 1.0 else w if w > 0.0 else 0.0)
    return 1.0 - remaining


def pledge_applies(
    pledge: AllianceTie, protege_is_defender: bool, theatre: str, owner: str, *, protege: str
) -> bool:
    """Whether a pledge is invoked by a war, by its ATOP conditions (Leeds et al. 2002).

    Defence and consultation pledges are invoked when the protected state is attacked; offence
    pledges when it attacks. ``own_territory`` scope covers only wars fought on the protected
    state's own territory (the CSTO's treaty area did not include Karabakh); a ``theatres`` list
    narrows the scope further. ``protege`` is the state the pledge protects here (either end of
    a mutual tie). Neutrality and non-aggression pledges are never invoked; they only forbid
    fighting the partner.
    """
    if pledge.obligation in ("neutrality", "non_aggression"):
        return False
    if pledge.obligation == "offence" and protege_is_defender:
        return False
    if pledge.obligation in ("defence", "consultation") and not protege_is_defender:
        return False
    if pledge.theatres and theatre not in pledge.theatres:
        return False
    return pledge.scope == "any" or owner == protege


def consultation_done(invoked_step: int, now: int, delay: float) -> bool:
    """Whether a pledge's consultation delay has passed (it may be honoured from then on)."""
    return now - invoked_step >= math.ceil(delay)


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


def pair_sign(positive: float, negative: float) -> int:
    """Sign of a pair in the signed network: +1, −1, or 0 when neither dominates."""
    if positive > negative:
        return 1
    if negative > positive:
        return -1
    return 0
