"""The tie network: which ties are on, and the pair-wise quantities the agents read from it.

Ties are switched on and off by their dates (``since``, ``until``) as the run's calendar
advances, and by events (suspend, restore, cut, create); every change is logged with its week
and reason. After every change :meth:`TieNetwork.reindex` recomputes the pair tables, so the
per-step rules only do dictionary look-ups.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable

from sim.model.conflict import War
from sim.model.rules import dated_status, noisy_or, pair_sign
from sim.schema.vocabulary import TieStatus
from sim.schema.world import AllianceTie, ArmsTie, MediationTie, Tie, World

Pair = tuple[str, str]
#: Trust in each pledge, keyed by (tie id, pledger, protégé).
Trust = dict[tuple[str, str, str], float]


class TieNetwork:
    """Active ties of a world and the derived pair tables.

    Attributes:
        bond: positive weight of a pair in [0, 1] (alliances, arms, energy, trade, transit),
            symmetric, combined by noisy-or.
        dependence: how far the first state depends on the second (energy and transit shares
            it receives, trade intensity), in [0, 1] (Oneal & Russett 1997).
        hostility: rivalry intensity of a pair in [0, 1], symmetric.
        allies: for each state, the states it has any active alliance with.
        neighbours: for each state, the states it shares a border with (open or closed).
    """

    def __init__(self, world: World, year: int, arms_strength: Callable[[ArmsTie], float]) -> None:
        self.world = world
        self.ties: dict[str, Tie] = {tie.id: tie for tie in world.ties}
        self.status: dict[str, TieStatus] = {
            tie.id: dated_status(tie.since, tie.until, year) for tie in world.ties
        }
        #: The week changes are logged under (the model sets it at each week's start).
        self.step = 0
        #: Every change of a tie's status after the start, in order (``tie_changes.csv``).
        self.changes: list[dict[str, object]] = []
        self._arms_strength = arms_strength
        self.reindex()

    def active(self) -> list[Tie]:
        """Return the ties in force."""
        return [tie for tie_id, tie in self.ties.items() if self.status[tie_id] == "active"]

    def set_status(
        self, tie_id: str, status: TieStatus, reason: str, *, reindex: bool = True
    ) -> bool:
        """Suspend, restore or cut a tie; return whether it changed.

        A cut tie stays cut, and a tie past its ``until`` year stays ended: events act within
        the world's history. Restoring a tie not yet in force brings it forward.
        """
        now = self.status[tie_id]
        if now == "cut" or now == status or (now == "ended" and status == "active"):
            return False
        self._change(tie_id, status, reason)
        if reindex:
            self.reindex()
        return True

    def add(self, tie: Tie, reason: str, *, reindex: bool = True) -> None:
        """Add a new tie, in force at once."""
        self.ties[tie.id] = tie
        self._change(tie.id, "active", reason)
        if reindex:
            self.reindex()

    def replace(self, tie: Tie, reason: str) -> None:
        """Put a new version of a tie in force in place of the old (a renewal); log it."""
        self.ties[tie.id] = tie
        self._change(tie.id, "active", reason)

    def set_year(self, year: int) -> bool:
        """Switch dated ties on or off for a new year; return whether any changed.

        Ties suspended or cut by events stay so; a tie restored before its ``since`` stays on.
        """
        changed = False
        for tie_id, tie in self.ties.items():
            if self.status[tie_id] in ("suspended", "cut"):
                continue
            dated = dated_status(tie.since, tie.until, year)
            # Years only advance, so "not yet" here means a tie an event restored early.
            if dated != self.status[tie_id] and dated != "not_yet":
                self._change(tie_id, dated, "dates")
                changed = True
        if changed:
            self.reindex()
        return changed

    def _change(self, tie_id: str, status: TieStatus, reason: str) -> None:
        self.status[tie_id] = status
        tie = self.ties[tie_id]
        self.changes.append(
            {
                "step": self.step,
                "tie": tie_id,
                "kind": tie.kind,
                "source": tie.source,
                "target": tie.target,
                "status": status,
                "reason": reason,
            }
        )

    def reindex(self) -> None:
        """Recompute the pair tables from the active ties."""
        positive: dict[Pair, list[float]] = defaultdict(list)
        depends: dict[Pair, list[float]] = defaultdict(list)
        rivalry: dict[Pair, list[float]] = defaultdict(list)
        self.allies: dict[str, set[str]] = defaultdict(set)
        self.neighbours: dict[str, set[str]] = defaultdict(set)
        self.pledges: list[tuple[AllianceTie, str, str]] = []
        #: Each pledge's key in the trust table and the strength its tie states.
        self.stated_trust: list[tuple[tuple[str, str, str], float]] = []
        self.arms: list[ArmsTie] = []
        #: Active arms ties by supplier, in tie order.
        self.arms_from: dict[str, list[ArmsTie]] = defaultdict(list)
        self.mediators: list[MediationTie] = []
        #: Where each active arms tie's weight sits in its pair's list of positive weights.
        self._arms_slots: list[tuple[ArmsTie, Pair, int]] = []
        #: Ties in force and the directed pairs each stands for, in tie order (the snapshot's rows).
        self.directed: list[tuple[Tie, str, str]] = []
        full_trade = self.world.param("trade_full_turnover_bn")
        for tie in self.active():
            self.directed += [(tie, source, target) for source, target in tie.pairs()]
            # A tie weighs once per pair, however many directions it runs in.
            a, b = tie.source, tie.target
            pair = (a, b) if a <= b else (b, a)
            # Dispatch on the ``kind`` tag: a class pattern on a pydantic model goes through
            # ABCMeta.__instancecheck__, which dominated reindexing large worlds.
            match tie.kind:
                case "alliance":
                    positive[pair].append(tie.strength.value)
                    for a, b in tie.pairs():
                        # Alliance binds both ends, even a one-way guarantee.
                        self.allies[a].add(b)
                        self.allies[b].add(a)
                        self.pledges.append((tie, a, b))
                        self.stated_trust.append(((tie.id, a, b), tie.strength.value))
                case "arms":
                    self._arms_slots.append((tie, pair, len(positive[pair])))
                    positive[pair].append(self._arms_strength(tie))
                    self.arms.append(tie)
                    self.arms_from[tie.source].append(tie)
                case "energy" | "transit":
                    positive[pair].append(tie.share.value)
                    depends[tie.target, tie.source].append(tie.share.value)
                case "trade":
                    intensity = min(1.0, tie.turnover_usd_bn.value / full_trade)
                    positive[pair].append(intensity)
                    for a, b in tie.pairs():
                        depends[b, a].append(intensity)
                case "border":
                    for a, b in tie.pairs():
                        self.neighbours[a].add(b)
                case "rivalry":
                    rivalry[pair].append(tie.intensity.value)
                case "mediation":
                    self.mediators.append(tie)
        self._positive = positive
        self.bond = _symmetric(positive)
        self.hostility = _symmetric(rivalry)
        self.dependence = {pair: noisy_or(ws) for pair, ws in depends.items()}
        # Grouped by state in one pass (not one scan of all pairs per state), in the pairs'
        # order, so each state's noisy-or multiplies the same factors in the same order.
        by_state: dict[str, list[float]] = defaultdict(list)
        for (a, _), w in self.dependence.items():
            by_state[a].append(w)
        #: Each state's overall dependence: noisy-or over the states it depends on.
        self.dependence_of: dict[str, float] = {
            name: noisy_or(by_state.get(name, ())) for name in self.world.states
        }
        self._signed: dict[frozenset[frozenset[str]], frozenset[tuple[str, str, int]]] = {}

    def reweigh_arms(self) -> None:
        """Update the bonds after arms flows changed, the ties in force being the same.

        Each arms pair's weights are combined again in the order :meth:`reindex` listed them,
        so the bonds are those a full reindex would give, at a fraction of its cost (a war
        changes the flows every week). The signed edges computed so far stay valid unless a
        bond's sign changed.
        """
        changed: dict[Pair, None] = {}
        for tie, pair, slot in self._arms_slots:
            self._positive[pair][slot] = self._arms_strength(tie)
            changed[pair] = None
        signs_kept = True
        for a, b in changed:
            before = self.bond[a, b]
            after = self.bond[a, b] = self.bond[b, a] = noisy_or(self._positive[a, b])
            # A bond enters the signed network only through its sign against the pair's
            # hostility, or against 1 while the pair is at war (signed_edges).
            for hostile in (self.hostility.get((a, b), 0.0), 1.0):
                signs_kept &= pair_sign(before, hostile) == pair_sign(after, hostile)
        if not signs_kept:
            self._signed = {}

    def signed_edges(self, at_war: set[frozenset[str]]) -> frozenset[tuple[str, str, int]]:
        """Return the signed network as ``(a, b, sign)`` triples with ``a < b``.

        A pair is +1 where its bond outweighs its hostility, −1 where hostility wins; a pair
        fighting on opposite sides of a war counts as fully hostile (weight 1). Cached until the
        next :meth:`reindex`: in a steady week this is one dictionary look-up.
        """
        key = frozenset(at_war)
        edges = self._signed.get(key)
        if edges is None:
            pairs = set(self.bond) | set(self.hostility) | {tuple(sorted(p)) for p in at_war}
            found: set[tuple[str, str, int]] = set()
            for a, b in pairs:
                if a >= b:
                    continue
                hostile = 1.0 if frozenset((a, b)) in at_war else self.hostility.get((a, b), 0.0)
                sign = pair_sign(self.bond.get((a, b), 0.0), hostile)
                if sign:
                    found.add((a, b, sign))
            edges = self._signed[key] = frozenset(found)
        return edges

    def tie_weight(self, tie: Tie, source: str, target: str, trust: Trust) -> float:
        """Current weight of a tie: trust for pledges, recent flow for arms, else its figure."""
        # Dispatch on the ``kind`` tag: a class pattern on a pydantic model goes through
        # ABCMeta.__instancecheck__ (~0.1 us per failed case, up to 6 per border tie).
        if tie.kind == "alliance":
            return trust.get((tie.id, source, target), tie.strength.value)
        if tie.kind == "arms":
            return self._arms_strength(tie)
        if tie.kind == "energy" or tie.kind == "transit":
            return tie.share.value
        if tie.kind == "trade":
            return min(1.0, tie.turnover_usd_bn.value / self.world.param("trade_full_turnover_bn"))
        if tie.kind == "rivalry":
            return tie.intensity.value
        if tie.kind == "mediation":
            return tie.strength.value
        return 1.0

    def snapshot(self, step: int, trust: Trust, wars: list[War]) -> list[dict[str, object]]:
        """Ties in force, one row per directed pair, plus the pairs at war (kind ``war``).

        Rows have the columns of ``network.csv`` (:data:`sim.schema.columns.NETWORK_COLUMNS`).
        """
        rows: list[dict[str, object]] = [
            {
                "step": step,
                "source": source,
                "target": target,
                "kind": tie.kind,
                "weight": self.tie_weight(tie, source, target, trust),
                "tie": tie.id,
            }
            for tie, source, target in self.directed
        ]
        for war in wars:
            label = war.label()
            rows += [
                {"step": step, "source": a, "target": d, "kind": "war", "weight": 1.0, "tie": label}
                for a in war.attackers
                for d in war.defenders
            ]
        return rows


def _symmetric(weights: dict[Pair, list[float]]) -> dict[Pair, float]:
    """One noisy-or weight per unordered pair, stored under both orders."""
    combined: dict[Pair, float] = {}
    for (a, b), ws in weights.items():
        combined[a, b] = combined[b, a] = noisy_or(ws)
    return combined
