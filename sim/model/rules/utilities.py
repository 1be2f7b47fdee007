"""Utilities of the states' choices (docs/ODD.md 7.4-7.8): support, posture, war, peace, crises."""

from __future__ import annotations

from collections.abc import Collection, Iterable


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
