"""Tie dynamics (docs/ODD.md 7.18): alliances formed, kept, renewed and left; rivalries ended."""

from __future__ import annotations

import math

from sim.model.rules.ties import noisy_or


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


def revision(utility: float, rationality: float, draw: float) -> int:
    """How a state revises an alliance it keeps: +1 deepens it, 0 leaves it, -1 waters it down.

    Alliances are renegotiated as the interests behind them change (Leeds & Savun 2007), and
    their depth is a matter of degree (Benson & Clinton 2016). A three-option logit choice
    (McFadden 1974) between deepening (utility U, the value of the alliance), leaving it as it
    is (0) and watering it down (-U): a valued alliance tends to deepen, one kept only by
    inertia to thin. ``draw`` is one uniform number in [0, 1).
    """
    z = rationality * utility
    top = abs(z)  # subtracted from every exponent, so none overflows
    deepen, same, dilute = math.exp(z - top), math.exp(-top), math.exp(-z - top)
    total = deepen + same + dilute
    if draw < deepen / total:
        return 1
    if draw < (deepen + same) / total:
        return 0
    return -1


def revised_strength(strength: float, direction: int, step: float) -> float:
    """An alliance's strength after a revision: moved by ``step`` in ``direction``, in [0, 1]."""
    return min(1.0, max(0.0, strength + direction * step))


def supplier_utility(
    trust: float,
    hostility: float,
    backs_rival: bool,
    *,
    w_trust: float,
    w_hostility: float,
    inertia: float,
) -> float:
    """Value to a recipient of keeping an arms supplier, at a review (ODD 7.18).

    U = w_trust × (trust in the supplier − ½) − w_hostility × (hostility between them + 1 if
    the supplier is allied with a rival of the recipient) + inertia. Arms ties follow political
    alignment, and recipients diversify away from a patron they can no longer rely on (Krause
    1992; Kinsella 1998 on arms supply and rivalry).
    """
    against = hostility + (1.0 if backs_rival else 0.0)
    return w_trust * (trust - 0.5) - w_hostility * against + inertia
