"""Pledges and hard constraints (docs/ODD.md 7.9): which pledges a war invokes, who may join."""

from __future__ import annotations

import math
from collections.abc import Sequence

from sim.schema.world import AllianceTie


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
