"""The model's rules as small pure functions, one per formula or decision of docs/ODD.md.

The agents (:mod:`sim.model.agents`) and the model (:mod:`sim.model.model`) gather what a
state observes and call these; every utility, threshold and update is here, with the work
behind it. Section numbers refer to docs/ODD.md (7 Submodels). Closed forms used only for
analysis and tests are in :mod:`sim.model.formulas`.
"""

from __future__ import annotations

import math
from collections.abc import Collection, Iterable, Sequence
from typing import Literal

import numpy as np

from sim.schema.world import AllianceTie

#: What a tie's dates say of it in a year.
DatedStatus = Literal["not_yet", "active", "ended"]

# --- 7.1 Choice ----------------------------------------------------------------------------


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


# --- 7.3 Strength and projection -------------------------------------------------------------


def military_strength(capability: float, arms_multiplier: float, distraction: float) -> float:
    """A state's own strength: capability × arms multiplier × (1 − distraction)."""
    return capability * arms_multiplier * (1.0 - distraction)


def projected_force(strength: float, projection_share: float, reach: float) -> float:
    """Force a third party brings to a conflict: strength × projection share × reach.

    Reach is 1 next to a belligerent, less without a land border (Boulding 1962, loss of
    strength with distance).
    """
    return strength * projection_share * reach


def risk_factor(risk_appetite: float) -> float:
    """Multiplier on war costs: 2 (1 − risk appetite), 1 at a neutral appetite of 0.5."""
    return 2.0 * (1.0 - risk_appetite)


def arms_multiplier(stock_bn: float, effect: float) -> float:
    """Return the capability multiplier from an arms stock: 1 + effect · stock (in $bn).

    Precision systems enter the stock already weighted (see :func:`weighted_volume`).
    """
    return 1.0 + effect * stock_bn


def weighted_volume(volume_usd_m: float, precision: bool, precision_multiplier: float) -> float:
    """Convert a delivery in $m to stock units ($bn, precision systems weighted up)."""
    return volume_usd_m / 1000.0 * (precision_multiplier if precision else 1.0)


# --- 7.4-7.8 Utilities of the states' choices --------------------------------------------------


def support_value(
    bond: float,
    hostility: float,
    dependence_on_friend: float,
    dependence_on_foe: float,
    *,
    w_affinity: float,
    w_hostility: float,
    w_economic: float,
    economic_weight: float,
) -> float:
    """Value of backing a friend against a foe (7.4).

    B = w_aff·bond(i, f) + w_host·hostility(i, e) + w_econ·ew_i·(dep(i, f) − dep(i, e)).
    Affinity and rivalry follow balance of threat (Walt 1987); dependence follows Oneal &
    Russett (1997): a state is reluctant to oppose those it depends on.
    """
    economic = w_economic * economic_weight * (dependence_on_friend - dependence_on_foe)
    return w_affinity * bond + w_hostility * hostility + economic


def obligation_pull(commitment: float, trusts: Iterable[float]) -> float:
    """Pull of a state's invoked, consulted pledges to one side (7.5): commitment × trust.

    The largest over the pledges that apply; 0 without one. Snyder (1984): the fear of
    abandonment grows with the pledge's credibility.
    """
    return max((commitment * trust for trust in trusts), default=0.0)


def show_of_force_utility(
    value: float,
    *,
    share: float,
    cost: float,
    risk: float,
    distraction_cost: float,
    distraction: float,
) -> float:
    """Utility of a show of force for a side (7.5): σ B − cost ρ − σ distraction_cost δ."""
    return share * value - cost * risk - share * distraction_cost * distraction


def sanction_utility(
    value: float,
    *,
    share: float,
    trade_loss: float,
    w_economic: float,
    economic_weight: float,
    dependence_on_target: float,
    cost: float,
) -> float:
    """Utility of sanctioning the other side (7.5): a share of B less the trade it forgoes.

    U = share B − trade_loss w_econ ew dep(i, e) − cost (Oneal & Russett 1997: dependence makes
    economic coercion costly to the sender too).
    """
    return share * value - trade_loss * w_economic * economic_weight * dependence_on_target - cost


def war_cost(base: float, risk_factor: float, win_probability: float) -> float:
    """Expected cost of going to war: base × risk factor × (1 + risk of defeat).

    The risk of defeat is 1 − p for the contest success p of the side joined (Tullock 1980).
    """
    return base * risk_factor * (1.0 + (1.0 - win_probability))


def intervention_utility(
    value: float,
    *,
    w_obligation: float,
    obligation: float,
    base_cost: float,
    risk: float,
    win_probability: float,
    distraction_cost: float,
    distraction: float,
) -> float:
    """Utility of joining a war on a side (7.5): B + w_obl O − [war cost + distraction cost].

    The war cost is :func:`war_cost` at the odds of the side joined, with the intervener's
    projected force added.
    """
    cost = war_cost(base_cost, risk, win_probability) + distraction_cost * distraction
    return value + w_obligation * obligation - cost


def mediation_utility(
    tie_strength: float,
    dependence_on_parties: float,
    *,
    mediation_value: float,
    trade_share: float,
    w_economic: float,
    economic_weight: float,
) -> float:
    """Utility of mediating between a war's primaries (7.5).

    mediation_value × the mediation tie's strength + trade_share w_econ ew (dep(i, a) +
    dep(i, b)): a broker values its standing and the trade a war puts at risk.
    """
    return mediation_value * tie_strength + trade_share * w_economic * economic_weight * (
        dependence_on_parties
    )


def arms_surge_utility(value: float, *, arms_cost: float, risk: float) -> float:
    """Utility of surging arms to a belligerent (7.6): B − arms_cost ρ, against 0 for none."""
    return value - arms_cost * risk


def territory_value(held: float) -> float:
    """Concave value of holding a share of a theatre: v(h) = 1 − (1 − h)², so v(0)=0, v(1)=1.

    Diminishing returns: the first ground taken is worth most (marginal value 2 (1 − h)),
    which lets an advancing side stop short of taking everything.
    """
    return 1.0 - (1.0 - held) ** 2


def marginal_territory_value(held: float) -> float:
    """Derivative of :func:`territory_value`: 2 (1 − h)."""
    return 2.0 * (1.0 - held)


def expected_gain(control: float, p_owner: float, rate: float, owner_side: bool) -> float:
    """Return the expected change of a side's share of the theatre over the next week.

    E[Δ] = rate·p − rate·(1−p), truncated so control stays in [0, 1]; negated for the occupier.
    """
    up = min(rate, 1.0 - control)
    down = min(rate, control)
    gain = p_owner * up - (1.0 - p_owner) * down
    return gain if owner_side else -gain


def fight_utility(
    gain: float,
    weekly_loss: float,
    worn: float,
    *,
    w_territory: float,
    stake: float,
    claim: float,
    base_cost: float,
    risk: float,
    war_weariness: float,
) -> float:
    """Utility of fighting on for a week (7.7; after Wagner 2000 and Slantchev 2003).

    w_territory × stake × claim × expected valued gain − war_cost ρ × weekly losses −
    war_weariness × share of force lost: fighting reveals the balance week by week, and a side
    settles when its expected gain no longer pays for its losses.
    """
    return (
        w_territory * stake * claim * gain - base_cost * risk * weekly_loss - war_weariness * worn
    )


def valued_gain(
    control: float, p_owner: float, rate: float, owner_side: bool, held: float
) -> float:
    """Expected change of a side's share next week, valued at the margin (7.7).

    :func:`expected_gain` × :func:`marginal_territory_value` of the share the side holds.
    """
    return expected_gain(control, p_owner, rate, owner_side) * marginal_territory_value(held)


def weekly_attrition(rate: float, enemy_force: float, own_force: float) -> float:
    """Share of a side's force lost in a week of square-law fire: rate × F_enemy / F_own."""
    return rate * enemy_force / own_force


def settle_utility(ceasefire_bonus: float, mediation: float) -> float:
    """Utility of seeking a ceasefire (7.7): ceasefire_bonus × mediation factor."""
    return ceasefire_bonus * mediation


def mediation_factor(has_broker: bool, can_police: bool, peacekeeper_factor: float) -> float:
    """0 without a mediator or proposer, 1 with one, ``peacekeeper_factor`` if one can police.

    Fearon (1995): a third party able to enforce a deal eases the commitment problem.
    """
    if not has_broker:
        return 0.0
    return peacekeeper_factor if can_police else 1.0


def claim_share(state: str, owner: str, claimants: Collection[str], conquest_share: float) -> float:
    """Share of a theatre's stake a state values: 1 for its owner or a claimant, else less.

    Limited aims: a state without a claim values conquest at ``conquest_share``.
    """
    return 1.0 if state == owner or state in claimants else conquest_share


def attack_utility(
    win_probability: float,
    held: float,
    *,
    w_territory: float,
    stake: float,
    claim: float,
    base_cost: float,
    risk: float,
) -> float:
    """Utility of a challenger's attack (7.8).

    w_territory × stake × claim × (1 − v(h)) × (2p − 1) − war cost, with v the concave value
    of the share h it holds and p its odds against the expected defence (deterrence by
    extended alliances: Walt 1987; Crescenzi 2007).
    """
    prize = stake * claim * (1.0 - territory_value(held))
    return w_territory * prize * (2.0 * win_probability - 1.0) - war_cost(
        base_cost, risk, win_probability
    )


def hold_utility(
    attack: float | None, weeks: int, *, hold_share: float, mobilisation_cost: float
) -> float:
    """Utility of holding a mobilisation (7.8): the option value of attacking later, less upkeep.

    hold_share × max(0, U_attack) − mobilisation_cost × weeks; without an attack option (the
    target is an ally) only the upkeep.
    """
    option = hold_share * max(0.0, attack) if attack is not None else 0.0
    return option - mobilisation_cost * weeks


def stand_down_utility(stand_down_cost: float) -> float:
    """Utility of standing down (7.8): the loss of face, −stand_down_cost."""
    return -stand_down_cost


# --- 7.9 Pledges and hard constraints ------------------------------------------------------


def pledge_covers(pledge: AllianceTie, theatre: str, owner: str, *, protege: str) -> bool:
    """Whether a war in ``theatre`` lies within a pledge's territorial scope (Leeds et al. 2002).

    ``own_territory`` scope covers only wars fought on the protected state's own territory
    (the CSTO's treaty area did not include Karabakh); a ``theatres`` list narrows the scope
    further. ``protege`` is the state the pledge protects here (either end of a mutual tie).
    """
    if pledge.theatres and theatre not in pledge.theatres:
        return False
    return pledge.scope == "any" or owner == protege


def pledge_applies(
    pledge: AllianceTie, protege_is_defender: bool, theatre: str, owner: str, *, protege: str
) -> bool:
    """Whether a war invokes a pledge, by its ATOP conditions (Leeds et al. 2002).

    Defence and consultation pledges are invoked when the protected state is attacked, offence
    pledges when it attacks, and only within the pledge's scope (:func:`pledge_covers`).
    Neutrality and non-aggression pledges are never invoked; they only forbid fighting the
    partner.
    """
    if pledge.obligation in ("neutrality", "non_aggression"):
        return False
    if pledge.obligation == "offence" and protege_is_defender:
        return False
    if pledge.obligation in ("defence", "consultation") and not protege_is_defender:
        return False
    return pledge_covers(pledge, theatre, owner, protege=protege)


def consultation_done(invoked_step: int, now: int, delay: float) -> bool:
    """Whether a pledge's consultation delay has passed (it may be honoured from then on)."""
    return now - invoked_step >= math.ceil(delay)


def may_join(allied_with_other_side: bool, delays: Sequence[float], start: int, now: int) -> bool:
    """Whether a state may join a war on a side: never against an ally, never before consulting.

    ``delays`` are the consultation delays of its pledges to members of the side that cover the
    war (:func:`pledge_covers`): a state acting for a partner where their pledge holds acts
    under it, whoever fired first, so it waits out the shortest delay since the war began (the
    2010 Turkey–Azerbaijan agreement, D001). Outside every pledge's scope it acts as any
    bystander. Invocation (:func:`pledge_applies`) adds the direction of attack and decides
    whether the pledge is owed, not whether the state may act.
    """
    if allied_with_other_side:
        return False
    return not delays or consultation_done(start, now, min(delays))


# --- 7.10-7.11 Fighting and its end -----------------------------------------------------------


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


# --- 7.2, 7.16 Tie network -------------------------------------------------------------------


def dated_status(since: int | None, until: int | None, year: int) -> DatedStatus:
    """Whether a dated tie is in force in ``year``: from ``since`` up to, not including, ``until``.

    A tie without dates is always in force; events (suspend, restore, cut) act on top of this.
    """
    if since is not None and year < since:
        return "not_yet"
    if until is not None and year >= until:
        return "ended"
    return "active"


def noisy_or(weights: Iterable[float]) -> float:
    """Combine tie weights in [0, 1] as 1 − Π(1 − w): bounded, and more ties never weigh less."""
    remaining = 1.0
    for w in weights:
        # Same clamp as min(1, max(0, w)), NaN to 0, without two builtin calls per weight.
        remaining *= 1.0 - (1.0 if w >= 1.0 else w if w > 0.0 else 0.0)
    return 1.0 - remaining


def pair_sign(positive: float, negative: float) -> int:
    """Sign of a pair in the signed network: +1, −1, or 0 when neither dominates."""
    if positive > negative:
        return 1
    if negative > positive:
        return -1
    return 0


# --- 7.18 Tie dynamics: alliances formed, kept, renewed and left; rivalries ended --------------


def threat(hostility: float, rival_strength: float, own_strength: float) -> float:
    """Threat a rival poses: hostility × its share of the pair's power (Walt 1987).

    Balance of threat weighs intentions (hostility, in [0, 1]) by aggregate power; the share
    r / (r + o) keeps the result in [0, hostility]. 0 when neither has any strength.
    """
    total = rival_strength + own_strength
    return hostility * rival_strength / total if total > 0 else 0.0


def shared_threat(threats_a: dict[str, float], threats_b: dict[str, float]) -> float:
    """Threat two states face in common: noisy-or over common rivals of the lesser threat.

    A common enemy draws states together (Walt 1987; in landscape theory, Axelrod & Bennett
    1993, states align to minimise their frustration with the powers around them). Rivals are
    visited in sorted order, so the result does not depend on dict order. In [0, 1].
    """
    common = sorted(threats_a.keys() & threats_b.keys())
    return noisy_or(min(threats_a[k], threats_b[k]) for k in common)


def alliance_utility(
    shared: float,
    trust: float,
    hostility: float,
    existing: bool,
    *,
    w_threat: float,
    w_trust: float,
    w_hostility: float,
    cost: float,
    inertia: float,
) -> float:
    """Value to a state of an alliance with a partner, at a review (ODD 7.18).

    U = w_threat × shared threat + w_trust × (trust in the partner − ½) − w_hostility ×
    hostility between them − cost, + inertia for an alliance already in force. A common threat
    is why states ally (Walt 1987); a partner whose pledges were broken under fire is worth
    less (Crescenzi 2007; Gibler 2008); every alliance costs autonomy and risks entrapment
    (Snyder 1984); treaties in force are renewed by default unless something changed.
    """
    keep = inertia if existing else 0.0
    return w_threat * shared + w_trust * (trust - 0.5) - w_hostility * hostility - cost + keep


def normalisation_utility(
    shared: float,
    hostility: float,
    disputed: bool,
    *,
    w_threat: float,
    w_hostility: float,
    inertia: float,
) -> float | None:
    """Value to a state of ending a rivalry, or None when a territorial claim divides them.

    Rivalries over territory endure while the claim stands (Vasquez 1993); others end when a
    common threat outweighs the rivalry and its inertia: U = w_threat × shared threat −
    w_hostility × hostility − inertia.
    """
    if disputed:
        return None
    return w_threat * shared - w_hostility * hostility - inertia


def consents(utility: float, rationality: float, draw: float) -> bool:
    """Whether a state says yes to a tie worth ``utility`` against 0 for no, by logit choice.

    ``draw`` is one uniform number in [0, 1): the state says yes with probability
    P(yes) = exp(λU) / (exp(λU) + 1) (McFadden 1974), computed stably.
    """
    # The logistic function of λU, through exp of a non-positive number only, so it never
    # overflows; a scalar formula, since reviews of large worlds make many such draws.
    z = rationality * utility
    if z >= 0:
        yes = 1.0 / (1.0 + math.exp(-z))
    else:
        e = math.exp(z)
        yes = e / (1.0 + e)
    return draw < yes


def renewed_until(since: int | None, until: int, year: int) -> int | None:
    """The new end year of a dated pledge renewed in ``year``: another term of the same length.

    A pledge without a start year is renewed without an end.
    """
    return year + (until - since) if since is not None else None


def triad_imbalanced(sign_ab: int, sign_bc: int, sign_ac: int) -> bool:
    """Whether a signed triangle is unbalanced: the product of its signs is negative (Heider)."""
    return sign_ab * sign_bc * sign_ac < 0


def akr_flip(signs: tuple[int, int, int], p: float, draw: float, pick: float) -> int:
    """Which edge of an unbalanced triad an update of constrained triad dynamics flips.

    Antal, Krapivsky & Redner (2005): in a ``++-`` triad the negative edge turns positive with
    probability ``p``, else one of the two positive edges (chosen by ``pick``) turns negative;
    in a ``---`` triad one edge (chosen by ``pick``) turns positive. Either way the triad
    becomes balanced. ``draw`` and ``pick`` are uniform numbers in [0, 1).

    Returns:
        The index (0, 1 or 2) of the edge to flip.
    """
    negatives = [i for i, s in enumerate(signs) if s < 0]
    positives = [i for i, s in enumerate(signs) if s > 0]
    if len(negatives) == 3:
        return int(pick * 3)
    if draw < p:
        return negatives[0]
    return positives[int(pick * len(positives))]
