"""Tie dynamics (docs/ODD.md 7.18): once a year states review their alliances and rivalries.

At the start of each new year of a run, once dated ties have switched on and off for it:

1. every alliance in force is reviewed by the states bound by it: each keeps it or leaves it;
   a pledge whose term ended this year is renewed for another term if every party keeps it;
   optionally, an alliance kept is deepened or watered down;
2. pairs without an alliance may form one, if both want it;
3. rivals without a territorial claim between them may end their rivalry, if both want it;
4. optionally, states that fought each other in the past year may become rivals;
5. optionally, recipients of arms review their suppliers and may change to another;
6. optionally, Heider-type constrained triad dynamics resolve unbalanced triangles.

Each decision is a utility of :mod:`sim.model.rules` (shared threat, trust, hostility, cost)
and a logit draw from the model's random stream, pairs visited in sorted order, so a run is
reproducible. Every change goes to the tie change log with its reason (``rule:...``).
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from typing import TYPE_CHECKING

from sim.model import rules
from sim.schema.world import AllianceTie, ArmsTie, Figure, RivalryTie, Tie

if TYPE_CHECKING:
    from sim.model.model import AllianceModel

Pair = tuple[str, str]
#: Weeks in a model year (the calendar of :mod:`sim.model.model`).
WEEKS_PER_YEAR = 52


def review(model: AllianceModel, year: int) -> bool:
    """Run the year's review of ties; return whether any tie changed."""
    wars = model.active_wars()
    at_war = {frozenset((a, d)) for w in wars for a in w.attackers for d in w.defenders}
    changed = False
    if model.param("review_share") > 0.0:
        context = Context.of(model)
        changed |= _review_alliances(model, context, year)
        changed |= _form_alliances(model, context, at_war, year)
        changed |= _end_rivalries(model, context)
        changed |= _start_rivalries(model, year)
        changed |= _review_suppliers(model, context, year)
    changed |= _heider(model, at_war, year)
    if changed:
        model.net.reindex()
    return changed


def _threats(model: AllianceModel) -> dict[str, dict[str, float]]:
    """For each state, the threat each of its rivals poses (:func:`sim.model.rules.threat`)."""
    strength = {s: model.strength(s) for s in model.states}
    found: dict[str, dict[str, float]] = {s: {} for s in model.states}
    for (a, b), hostility in sorted(model.net.hostility.items()):
        if hostility > 0:
            found[a][b] = rules.threat(hostility, strength[b], strength[a])
    return found


class Trusts:
    """How far each state trusts another's pledges, read once per review from the model.

    Trust in the partner's pledges to it (the mean over them), else in the partner's pledges to
    anyone (its reputation), else ½. Pledges of ties no longer in force count: they are the
    record (Crescenzi 2007).
    """

    def __init__(self, trust: dict[tuple[str, str, str], float]) -> None:
        to_me: dict[Pair, list[float]] = {}
        anyone: dict[str, list[float]] = {}
        for (_, pledger, protege), value in sorted(trust.items()):
            to_me.setdefault((protege, pledger), []).append(value)
            anyone.setdefault(pledger, []).append(value)
        self.to_me = {pair: sum(vs) / len(vs) for pair, vs in to_me.items()}
        self.anyone = {state: sum(vs) / len(vs) for state, vs in anyone.items()}

    def of(self, truster: str, partner: str) -> float:
        """How far ``truster`` trusts ``partner``'s pledges."""
        found = self.to_me.get((truster, partner))
        return found if found is not None else self.anyone.get(partner, 0.5)


@dataclass(frozen=True)
class Context:
    """What every decision of one review reads: threats, trusts and the weights of 7.18.

    Parameters are read once per review, not once per pair: a large world reviews tens of
    thousands of pairs.
    """

    threats: dict[str, dict[str, float]]
    trusts: Trusts
    weights: dict[str, float]
    rationality: float

    @classmethod
    def of(cls, model: AllianceModel) -> Context:
        """The context of a review of ``model``'s ties now."""
        weights = {
            "alliance_threat_weight": model.param("alliance_threat_weight"),
            "alliance_trust_weight": model.param("alliance_trust_weight"),
            "w_hostility": model.param("w_hostility"),
            "alliance_cost": model.param("alliance_cost"),
            "alliance_inertia": model.param("alliance_inertia"),
        }
        return cls(
            _threats(model),
            Trusts(model.trust),
            weights,
            model.param("logit_lambda"),
        )


def _wants(
    model: AllianceModel,
    me: str,
    partner: str,
    context: Context,
    existing: bool,
) -> bool:
    """Whether ``me`` keeps (``existing``) or would form an alliance with ``partner``."""
    utility = _alliance_value(model, me, partner, context, existing)
    return rules.consents(utility, context.rationality, float(model.rng.random()))


def _alliance_value(
    model: AllianceModel, me: str, partner: str, context: Context, existing: bool
) -> float:
    """The value to ``me`` of an alliance with ``partner`` (:func:`.rules.alliance_utility`)."""
    return rules.alliance_utility(
        rules.shared_threat(context.threats[me], context.threats[partner]),
        context.trusts.of(me, partner),
        model.net.hostility.get((me, partner), 0.0),
        existing,
        w_threat=context.weights["alliance_threat_weight"],
        w_trust=context.weights["alliance_trust_weight"],
        w_hostility=context.weights["w_hostility"],
        cost=context.weights["alliance_cost"],
        inertia=context.weights["alliance_inertia"],
    )


def _reviewed(model: AllianceModel) -> bool:
    """Whether a pair comes up for review this year (``review_share`` of pairs do)."""
    return float(model.rng.random()) < model.param("review_share")


def _review_alliances(model: AllianceModel, context: Context, year: int) -> bool:
    """Each party to an alliance keeps or leaves it; a pledge whose term ended is renewed or lapses.

    Dated ties have already switched for the new year, so a pledge whose ``until`` is this year
    has just ended by its dates: it comes back for another term if every pledger keeps it.
    """
    changed = False
    for tie_id, tie in sorted(model.net.ties.items()):
        status = model.net.status[tie_id]
        lapsing = status == "ended" and tie.until == year
        if not isinstance(tie, AllianceTie) or (status != "active" and not lapsing):
            continue
        if not _reviewed(model):
            continue
        # The pledgers decide: both ends of a mutual pledge, the source of a one-way one.
        deciders = [(tie.source, tie.target)] + ([(tie.target, tie.source)] if tie.mutual else [])
        # Each pledger's value of keeping it, asked in turn (a no ends the asking, and the draws).
        values = [_alliance_value(model, me, other, context, True) for me, other in deciders]
        keep = all(
            rules.consents(value, context.rationality, float(model.rng.random()))
            for value in values
        )
        if lapsing and keep:
            # A new term of the same length from this year (the old dates are in the log).
            until = rules.renewed_until(tie.since, year, year)
            since = year if until is not None else tie.since
            renewed = tie.model_copy(update={"since": since, "until": until})
            model.net.replace(renewed, "rule:renewed")
            changed = True
        elif not lapsing and not keep:
            model.net.set_status(tie_id, "cut", "rule:left", reindex=False)
            changed = True
        elif not lapsing:
            changed |= _revise(model, tie, min(values), context)
    return changed


def _revise(model: AllianceModel, tie: AllianceTie, value: float, context: Context) -> bool:
    """Deepen or water down an alliance its pledgers keep, by ``alliance_revision_step``.

    ``value`` is the least willing pledger's value of the alliance (a treaty changes only as far
    as every party agrees); a step of 0 leaves alliances at their strength and draws nothing.
    """
    step = model.param("alliance_revision_step")
    if step <= 0.0:
        return False
    direction = rules.revision(value, context.rationality, float(model.rng.random()))
    strength = rules.revised_strength(tie.strength.value, direction, step)
    if strength == tie.strength.value:
        return False
    revised = tie.model_copy(update={"strength": Figure.model_validate(_figure(strength))})
    model.net.replace(revised, "rule:deepened" if direction > 0 else "rule:diluted")
    return True


def _form_alliances(
    model: AllianceModel,
    context: Context,
    at_war: set[frozenset[str]],
    year: int,
) -> bool:
    """Pairs with a common rival, no alliance and no war between them, form one if both want it.

    Only a shared threat makes an alliance an option (as a bystander with no reason to back a
    side is offered no option to, docs/ODD.md 7.9): choice noise alone never forms one, however
    many pairs a large world has, and only such pairs are visited.
    """
    threatened: dict[str, list[str]] = {}
    for state, rivals in context.threats.items():
        for rival in rivals:
            threatened.setdefault(rival, []).append(state)
    candidates = sorted(
        {
            (a, b)
            for group in threatened.values()
            for a, b in itertools.combinations(sorted(group), 2)
        }
    )
    changed = False
    for a, b in candidates:
        if b in model.net.allies[a] or frozenset((a, b)) in at_war or not _reviewed(model):
            continue
        if _wants(model, a, b, context, False) and _wants(model, b, a, context, False):
            model.net.add(_new_alliance(model, a, b, year), "rule:formed", reindex=False)
            changed = True
    return changed


def _end_rivalries(model: AllianceModel, context: Context) -> bool:
    """Rivals without a territorial claim between them end the rivalry if both want it."""
    changed = False
    for tie in sorted(model.net.active(), key=lambda t: t.id):
        if not isinstance(tie, RivalryTie) or not _reviewed(model):
            continue
        a, b = tie.source, tie.target
        disputed = _disputed(model, a, b)
        ends = True
        for me, other in ((a, b), (b, a)):
            utility = rules.normalisation_utility(
                rules.shared_threat(context.threats[me], context.threats[other]),
                model.net.hostility.get((me, other), 0.0),
                disputed,
                w_threat=model.param("alliance_threat_weight"),
                w_hostility=model.param("w_hostility"),
                inertia=model.param("alliance_inertia"),
            )
            draw = float(model.rng.random())
            ends &= utility is not None and rules.consents(
                utility, model.param("logit_lambda"), draw
            )
        if ends:
            model.net.set_status(tie.id, "cut", "rule:normalised", reindex=False)
            changed = True
    return changed


def _start_rivalries(model: AllianceModel, year: int) -> bool:
    """Each pair that fought on opposite sides in the past year becomes rivals, by chance.

    Rivalries begin with militarised disputes, though few disputes start one (Diehl & Goertz
    2000; Klein, Goertz & Diehl 2006): a pair not yet rivals starts a rivalry with probability
    ``rivalry_onset_share`` (0 turns the rule off and draws nothing).
    """
    share = model.param("rivalry_onset_share")
    if share <= 0.0:
        return False
    since = model.week - WEEKS_PER_YEAR
    fought = sorted(
        {
            (min(a, d), max(a, d))
            for war in model.wars
            if war.end is None or war.end > since
            for a in war.attackers
            for d in war.defenders
        }
    )
    changed = False
    for a, b in fought:
        if _rivals(model, a, b) or float(model.rng.random()) >= share:
            continue
        model.net.add(_new_rivalry(model, a, b, year, "war"), "rule:rivalry", reindex=False)
        changed = True
    return changed


def _rivals(model: AllianceModel, a: str, b: str) -> bool:
    """Whether a rivalry between ``a`` and ``b`` is in force."""
    return any(
        isinstance(tie, RivalryTie) and {tie.source, tie.target} == {a, b}
        for tie in model.net.active()
    )


def _review_suppliers(model: AllianceModel, context: Context, year: int) -> bool:
    """Recipients of arms keep their suppliers or change to another (ODD 7.18).

    ``supplier_review_share`` of the arms ties in force come up each year (0 turns the rule off
    and draws nothing). A recipient that says no to :func:`sim.model.rules.supplier_utility`
    moves the tie's volume to the state it trusts most among those that supply arms to anyone,
    are neither its rivals nor allied with one, and do not supply it already; with no such
    state it keeps its supplier. Alliances and rivalries are read as the review found them.
    """
    share = model.param("supplier_review_share")
    if share <= 0.0:
        return False
    arms = sorted((t for t in model.net.active() if isinstance(t, ArmsTie)), key=lambda t: t.id)
    suppliers = sorted({tie.source for tie in arms})
    changed = False
    for tie in arms:
        if float(model.rng.random()) >= share:
            continue
        me, supplier = tie.target, tie.source
        rivals = set(context.threats[me])
        utility = rules.supplier_utility(
            context.trusts.of(me, supplier),
            model.net.hostility.get((me, supplier), 0.0),
            bool(model.net.allies[supplier] & rivals),
            w_trust=context.weights["alliance_trust_weight"],
            w_hostility=context.weights["w_hostility"],
            inertia=context.weights["alliance_inertia"],
        )
        if rules.consents(utility, context.rationality, float(model.rng.random())):
            continue
        supplying = {t.source for t in arms if t.target == me}
        others = [
            s
            for s in suppliers
            if s != me
            and s not in supplying
            and s not in rivals
            and not model.net.allies[s] & rivals
        ]
        if not others:
            continue  # nobody else to buy from: it keeps its patron
        best = min(others, key=lambda s: (-context.trusts.of(me, s), s))
        model.net.set_status(tie.id, "cut", "rule:dropped", reindex=False)
        model.net.add(_new_supply(model, tie, best, arms, year), "rule:supplier", reindex=False)
        changed = True
    return changed


def _heider(model: AllianceModel, at_war: set[frozenset[str]], year: int) -> bool:
    """Constrained triad dynamics (Antal, Krapivsky & Redner 2005) on the signed network.

    ``heider_updates`` times a year an unbalanced triangle (pairs at war excluded) is drawn and
    one of its edges flipped as :func:`sim.model.rules.akr_flip` says, if that does not raise
    the number of unbalanced triangles. A flip to negative ends the pair's alliances and starts
    a rivalry; a flip to positive ends its rivalries and forms an alliance. The pair's other
    ties (trade, arms, energy) stay, so its sign follows from all of them, as always.
    """
    updates = int(round(model.param("heider_updates")))
    changed = False
    for _ in range(updates):
        model.net.reindex()
        sign = {
            frozenset((a, b)): s
            for a, b, s in model.net.signed_edges(set())
            if frozenset((a, b)) not in at_war
        }
        triads = _unbalanced(sign)
        if not triads:
            break
        a, b, c = triads[int(model.rng.integers(len(triads)))]
        edges = (frozenset((a, b)), frozenset((b, c)), frozenset((a, c)))
        draw, pick = float(model.rng.random()), float(model.rng.random())
        signs = (sign[edges[0]], sign[edges[1]], sign[edges[2]])
        edge = edges[rules.akr_flip(signs, model.param("heider_p"), draw, pick)]
        before = sum(1 for t in triads if _has(t, edge))
        flipped = {**sign, edge: -sign[edge]}
        after = sum(1 for t in _unbalanced(flipped) if _has(t, edge))
        if after > before:
            continue  # constrained: a flip may not add unbalanced triangles
        a, b = sorted(edge)
        if sign[edge] < 0 and _disputed(model, a, b):
            continue  # a territorial claim keeps a rivalry, as in the yearly review
        _flip(model, (a, b), -sign[edge], year)
        changed = True
    return changed


def _disputed(model: AllianceModel, a: str, b: str) -> bool:
    """Whether one of the two claims a theatre the other owns (Vasquez 1993)."""
    return any(
        {place.owner, claimant} == {a, b}
        for place in model.world.theatres.values()
        for claimant in place.claimants
    )


def _has(triad: tuple[str, str, str], edge: frozenset[str]) -> bool:
    return edge <= set(triad)


def _unbalanced(sign: dict[frozenset[str], int]) -> list[tuple[str, str, str]]:
    """Unbalanced triangles of a signed network, each as a sorted triple, in sorted order."""
    neighbours: dict[str, set[str]] = {}
    for edge in sign:
        a, b = sorted(edge)
        neighbours.setdefault(a, set()).add(b)
        neighbours.setdefault(b, set()).add(a)
    found = []
    for a in sorted(neighbours):
        for b in sorted(n for n in neighbours[a] if n > a):
            for c in sorted(n for n in neighbours[a] & neighbours[b] if n > b):
                ab, bc, ac = (
                    sign[frozenset((a, b))],
                    sign[frozenset((b, c))],
                    sign[frozenset((a, c))],
                )
                if rules.triad_imbalanced(ab, bc, ac):
                    found.append((a, b, c))
    return found


def _flip(model: AllianceModel, pair: tuple[str, ...], to: int, year: int) -> None:
    """Turn a pair's sign: end its alliances (or rivalries) and start a rivalry (or alliance)."""
    a, b = pair
    ending = AllianceTie if to < 0 else RivalryTie
    for tie in sorted(model.net.active(), key=lambda t: t.id):
        if isinstance(tie, ending) and {tie.source, tie.target} == {a, b}:
            model.net.set_status(tie.id, "cut", "rule:heider", reindex=False)
    new = (
        _new_alliance(model, a, b, year) if to > 0 else _new_rivalry(model, a, b, year, "alignment")
    )
    model.net.add(new, "rule:heider", reindex=False)


def _figure(value: float) -> dict[str, object]:
    return {"value": value, "assumption": "set by the tie dynamics (docs/ODD.md 7.18)"}


def _new_alliance(model: AllianceModel, a: str, b: str, year: int) -> Tie:
    """A mutual defence pledge between ``a`` and ``b`` from ``year``, on the world's terms."""
    return AllianceTie.model_validate(
        {
            "id": _unique(model, f"pact_{a}_{b}_{year}"),
            "kind": "alliance",
            "source": a,
            "target": b,
            "mutual": True,
            "obligation": "defence",
            "scope": "any",
            "since": year,
            "strength": _figure(model.param("new_tie_strength")),
            "consultation_delay": _figure(model.param("new_alliance_delay")),
        }
    )


def _new_rivalry(model: AllianceModel, a: str, b: str, year: int, issue: str) -> Tie:
    """A mutual rivalry between ``a`` and ``b`` from ``year``, over ``issue``."""
    return RivalryTie.model_validate(
        {
            "id": _unique(model, f"rivalry_{a}_{b}_{year}"),
            "kind": "rivalry",
            "source": a,
            "target": b,
            "mutual": True,
            "issue": issue,
            "since": year,
            "intensity": _figure(model.param("new_tie_strength")),
        }
    )


def _new_supply(
    model: AllianceModel, old: ArmsTie, supplier: str, arms: list[ArmsTie], year: int
) -> Tie:
    """The arms tie that replaces ``old`` from ``supplier``: same volume, from ``year``.

    Precision weapons come with it if the new supplier sends them to anyone.
    """
    precision = any(t.precision for t in arms if t.source == supplier)
    return ArmsTie.model_validate(
        {
            "id": _unique(model, f"arms_{supplier}_{old.target}_{year}"),
            "kind": "arms",
            "source": supplier,
            "target": old.target,
            "precision": precision,
            "since": year,
            "volume_usd_m": _figure(old.volume_usd_m.value),
        }
    )


def _unique(model: AllianceModel, stem: str) -> str:
    """A tie id not yet used in this run: ``stem``, or ``stem`` with a counter."""
    if stem not in model.net.ties:
        return stem
    n = 2
    while f"{stem}_{n}" in model.net.ties:
        n += 1
    return f"{stem}_{n}"
