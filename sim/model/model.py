"""AllianceModel: six (or any number of) states, their tie network, crises and wars, week by week.

One step is one week:

1. the scenario's events for this week happen (shocks and policy moves);
2. every state chooses, all from the same observed situation (:mod:`sim.model.agents`);
3. the choices are carried out (interventions, shows of force, arms, mediation, ceasefires);
4. each war is fought for a week (Tullock contest for ground, Lanchester attrition);
5. trust and arms ties relax, and the week's metrics are recorded (:mod:`sim.model.metrics`).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping, Sequence
from typing import assert_never

import mesa
import numpy as np

from sim.model import dynamics, metrics, rules, supply
from sim.model.agents import Choice, StateAgent
from sim.model.conflict import Crisis, Pledge, War
from sim.model.events import apply_event
from sim.model.network import TieNetwork
from sim.schema.scenario import Event
from sim.schema.vocabulary import LogEntry, WarOutcome
from sim.schema.world import ArmsTie, World

WEEKS_PER_YEAR = 52
DAYS_PER_WEEK = 7


class AllianceModel(mesa.Model):
    """The alliance network model (see docs/ODD.md)."""

    def __init__(
        self,
        world: World,
        *,
        year: int | None = None,
        events: Sequence[Event] = (),
        rng: np.random.Generator | int | None = None,
    ) -> None:
        super().__init__(rng=rng)
        self.world = world
        #: The world's model parameters, read once: the rules ask for them a thousand times a run.
        self.params = {name: figure.value for name, figure in world.model.items()}
        #: The calendar: the run starts in ``start_year`` and ``year`` advances every 52 weeks.
        self.start_year = year if year is not None else world.meta.year
        self.year = self.start_year
        self.week = 0
        self.schedule: dict[int, list[Event]] = defaultdict(list)
        for event in events:
            self.schedule[event.step].append(event)
        self.arms_flow: dict[str, float] = {}
        self.net = TieNetwork(world, self.year, self.arms_tie_strength)
        self.trust = {(t.id, a, b): t.strength.value for t, a, b in self.net.pledges}
        self.control = {name: t.owner_control.value for name, t in world.theatres.items()}
        self.distraction = dict.fromkeys(world.states, 0.0)
        self.arms_stock = dict.fromkeys(world.states, 0.0)
        for tie in self.net.arms:
            self.arms_stock[tie.target] += self._stock_units(tie, tie.volume_usd_m.value)
        self.delivered = dict.fromkeys(world.states, 0.0)
        #: Actors supplied through named routes (``supplied_via``): the weeks each has been cut
        #: off from all of them, those cut off now, and each actor's supply factor on strength.
        self.weeks_cut = {name: 0 for name, s in sorted(world.states.items()) if s.supplied_via}
        self.cut_off: set[str] = set()
        self.supply = dict.fromkeys(world.states, 1.0)
        #: Authorities that gave up the theatre they held: their ties are cut, they choose no more.
        self.dissolved: set[str] = set()
        self.surging: set[tuple[str, str]] = set()
        self.wars: list[War] = []
        self.crises: list[Crisis] = []
        self.pledges_due = 0
        self.pledges_honoured = 0
        self.log: list[dict[str, object]] = []
        self.records: list[dict[str, float]] = []
        #: Options people chose for the coming week (:meth:`choose`), by state and decision key.
        self.chosen: dict[str, dict[str, Choice]] = {}
        self.states = {name: StateAgent(self, name) for name in sorted(world.states)}
        self.records.append(metrics.record_step(self))

    def step(self) -> None:
        """Advance one week."""
        self.week = self.net.step = self.steps - 1
        # A new year: dated ties switch on and off, then the states review the ties as they now
        # stand (a pledge that just ran out may be renewed), all before the week's events.
        year = self.start_year + self.week // WEEKS_PER_YEAR
        new_year = False
        if year != self.year:
            new_year = self.net.set_year(year)
            new_year |= dynamics.review(self, year)
        self.year = year
        events = self.schedule.get(self.week, ())
        for event in events:
            apply_event(self, event)
        if self.weeks_cut:
            supply.check(self)
        # Only dates and events switch alliances on, so trust in a new pledge starts here.
        if events or new_year:
            for tie, pledger, protege in self.net.pledges:
                self.trust.setdefault((tie.id, pledger, protege), tie.strength.value)
        if self.wars or self.crises:  # states choose only about wars and crises
            self.agents.do("decide")
        self.carry_out()
        for war in self.active_wars():
            self.fight(war)
        self.deliver_arms()
        if self.cut_off:
            supply.run_down(self)
        self.relax_trust()
        self.week += 1
        self.records.append(metrics.record_step(self))

    def choose(self, state: str, picks: Mapping[str, str]) -> None:
        """Have ``state`` take these options in the coming week instead of choosing them itself.

        Args:
            state: A state of the world.
            picks: Decision key → option label, from ``self.states[state].decisions()``
                (:class:`~sim.model.agents.Decision`, :meth:`~sim.model.agents.Choice.label`).
                Decisions not named are left to the state, as are all the next week's.

        Raises:
            ValueError: one line naming the state, the decision and what is allowed, if the
                state, a key or a label is not one of this week's; nothing is kept then.
        """
        if state not in self.states:
            raise ValueError(f"no state {state!r}; allowed: {', '.join(self.states)}")
        decisions = {d.key: d for d in self.states[state].decisions()}
        chosen: dict[str, Choice] = {}
        for key, label in picks.items():
            if key not in decisions:
                allowed = ", ".join(decisions) or "none this week"
                raise ValueError(f"{state}: no decision {key!r}; allowed: {allowed}")
            labels = [option.label() for option in decisions[key].options]
            if label not in labels:
                raise ValueError(
                    f"{state}: {key}: no option {label!r}; allowed: {', '.join(labels)}"
                )
            chosen[key] = decisions[key].options[labels.index(label)]
        if chosen:  # there is a decision, so a conflict, so the states will decide next week
            self.chosen.setdefault(state, {}).update(chosen)

    # --- observations the agents read ----------------------------------------------------------
    def param(self, name: str) -> float:
        """Return a model parameter of the world (as it was when the model was built)."""
        return self.params[name]

    def active_wars(self) -> list[War]:
        """Return the wars still being fought."""
        return [war for war in self.wars if war.active]

    def active_crises(self) -> list[Crisis]:
        """Return the crises still open."""
        return [crisis for crisis in self.crises if crisis.active]

    def strength(self, state: str) -> float:
        """Own military strength: capability × arms multiplier × (1 − distraction) × supply."""
        return (
            rules.military_strength(
                self.world.states[state].capability.value,
                rules.arms_multiplier(self.arms_stock[state], self.param("arms_effect")),
                self.distraction[state],
            )
            * self.supply[state]
        )

    def projection(self, state: str, conflict: War | Crisis) -> float:
        """Strength a third party can bring to a conflict: a share, less without a border."""
        attackers, defenders = conflict.sides()
        neighbours = self.net.neighbours[state]
        bordering = not (neighbours.isdisjoint(attackers) and neighbours.isdisjoint(defenders))
        reach = 1.0 if bordering else self.param("reach_without_border")
        return rules.projected_force(self.strength(state), self.param("projection_share"), reach)

    def shows_for(self, conflict: War | Crisis, state: str) -> float:
        """Strength added to ``state``'s side by this week's shows of force for it."""
        showing = conflict.shows.get(state)
        if not showing:  # the usual case, asked for every side's force in every utility
            return 0.0
        effect = self.param("show_of_force_effect")
        return sum(effect * self.projection(s, conflict) for s in sorted(showing))

    def side_force(self, war: War, side: list[str]) -> float:
        """Fighting strength of a coalition: members' remaining force plus shows of force."""
        total = 0.0
        for member in side:
            total += self.full_force(war, member) * war.strength[member] + self.shows_for(
                war, member
            )
        return total

    def full_force(self, war: War, member: str) -> float:
        """A belligerent's force at full strength: its own if a primary, else what it projects."""
        return self.strength(member) if member in war.primaries else self.projection(member, war)

    def owner_side(self, war: War) -> int:
        """Index of the side fighting for the theatre's owner (the defenders if neither)."""
        return 0 if self.world.theatres[war.theatre].owner in war.attackers else 1

    def contest(self, force_a: float, force_b: float) -> float:
        """Tullock contest success of A against B at the world's decisiveness."""
        return rules.tullock_share(force_a, force_b, self.param("tullock_r"))

    def owner_win_probability(self, war: War) -> float:
        """Probability that the owner's side wins this week's contest for ground."""
        side = self.owner_side(war)
        sides = war.sides()
        return self.contest(
            self.side_force(war, sides[side]), self.side_force(war, sides[1 - side])
        )

    def mediation_factor(self, war: War) -> float:
        """0 without a mediator, 1 with one, ``peacekeeper_factor`` if one can deploy peacekeepers.

        Reference: Fearon (1995): a third party able to police a deal eases the commitment problem.
        """
        brokers = war.mediating | war.proposals
        can_police = bool(brokers) and self.peacekeeper(war, brokers) is not None
        return rules.mediation_factor(bool(brokers), can_police, self.param("peacekeeper_factor"))

    def peacekeeper(self, war: War, brokers: set[str]) -> str | None:
        """Return a broker able to police this war's ceasefire, if any (alphabetical order).

        Only a mediation role between this war's two primaries with peacekeeping counts.
        """
        able = {
            role.source
            for role in self.net.mediators
            if role.peacekeeping and set(role.parties) == set(war.primaries)
        }
        return min(brokers & able, default=None)

    def expected_defence(self, crisis: Crisis) -> float:
        """Force the challenger expects against it: the target, shows of force, trusted pledges.

        Deterrence by extended alliances: each applicable pledge adds its pledger's projected
        force weighted by trust and the pledger's commitment (Walt 1987; Crescenzi 2007). A
        pledger allied to the challenger too is not expected to fight it.
        """
        target = crisis.target
        owner = self.world.theatres[crisis.theatre].owner
        backing: dict[str, float] = {}
        for tie, pledger, protege in self.net.pledges:
            if (
                protege == target
                and pledger != crisis.challenger
                and crisis.challenger not in self.net.allies[pledger]
                and rules.pledge_applies(tie, True, crisis.theatre, owner, protege=protege)
            ):
                commitment = self.world.states[pledger].commitment.value
                backing[pledger] = max(
                    backing.get(pledger, 0.0), self.trust[tie.id, pledger, protege] * commitment
                )
        expected = self.strength(target) + self.shows_for(crisis, target)
        for pledger, weight in backing.items():
            # A pledger brings its force once, however many of its pledges apply.
            expected += weight * self.projection(pledger, crisis)
        return expected

    def claim(self, state: str, theatre: str) -> float:
        """Share of a theatre's stake that ``state`` values: 1 for its owner or a claimant."""
        place = self.world.theatres[theatre]
        return rules.claim_share(state, place.owner, place.claimants, self.param("conquest_share"))

    def prize_share(self, crisis: Crisis) -> float:
        """Share of the theatre the challenger would win: what it does not yet control."""
        control = self.control[crisis.theatre]
        owner = self.world.theatres[crisis.theatre].owner
        return 1.0 - control if crisis.challenger == owner else control

    # --- changes -------------------------------------------------------------------------------
    def start_war(self, attacker: str, defender: str, theatre: str) -> War:
        """Open a war and invoke the pledges its conditions cover."""
        # An attack ends any alliance between the two (possible only when a scenario scripts
        # the offensive: a state never chooses to attack an ally).
        for tie in list(self.net.active()):
            if tie.kind == "alliance" and {tie.source, tie.target} == {attacker, defender}:
                self.net.set_status(tie.id, "cut", "war")
        war = War([attacker], [defender], theatre, start=self.week)
        war.strength = {attacker: 1.0, defender: 1.0}
        war.losses = {attacker: 0.0, defender: 0.0}
        owner = self.world.theatres[theatre].owner
        for tie, pledger, protege in self.net.pledges:
            for member, defending in ((defender, True), (attacker, False)):
                if (
                    protege == member
                    and pledger not in (attacker, defender)
                    and rules.pledge_applies(tie, defending, theatre, owner, protege=protege)
                ):
                    war.pledges.append(
                        Pledge(
                            tie.id,
                            pledger,
                            protege,
                            tie.obligation,
                            self.week,
                            tie.consultation_delay.value,
                        )
                    )
        self.wars.append(war)
        self.note(attacker, "war", war, defender, f"offensive in {theatre}")
        return war

    def end_war(
        self, war: War, how: WarOutcome, loser: str | None = None, day: int | None = None
    ) -> None:
        """Stop a war by ``ceasefire`` or ``capitulation`` (of ``loser``, on ``day`` of the week).

        Pledges that were due and not honoured count as broken. An authority that capitulates
        dissolves (:func:`sim.model.supply.dissolve`).
        """
        war.end = self.week
        war.outcome = how
        brokers = war.mediating | war.proposals
        if how == "ceasefire":
            war.peacekeepers = self.peacekeeper(war, brokers)
        for pledge in war.pledges:
            if pledge.due and pledge.honoured_step is None:
                key = (pledge.tie_id, pledge.pledger, pledge.protege)
                self.trust[key] = rules.trust_update(
                    self.trust[key], False, self.param("trust_rate")
                )
                self.note(pledge.pledger, "pledge_broken", war, pledge.protege, pledge.tie_id)
        detail = f"peacekeepers: {war.peacekeepers}" if war.peacekeepers else ""
        if loser is None:
            self.note(war.attackers[0], how, war, war.defenders[0], detail)
        else:
            self.note(loser, how, war, "", f"day {day}" if day else detail)
            if self.world.states[loser].kind == "authority":
                supply.dissolve(self, loser)

    def carry_out(self) -> None:
        """Carry out the week's choices, score pledges, then end wars both sides settle."""
        self.surging = set()
        if not self.wars and not self.crises:
            return  # states choose only about wars and crises: nothing to carry out
        conflicts: list[War | Crisis] = [*self.active_wars(), *self.active_crises()]
        for conflict in conflicts:
            conflict.shows = {}
            if isinstance(conflict, War):
                conflict.mediating = set()
        settling: dict[int, set[str]] = defaultdict(set)
        supportive: set[tuple[str, str]] = set()
        # Who joins which side this week: a joiner's pledges to a fellow joiner bind it too.
        self.joining: dict[tuple[int, int | None], set[str]] = defaultdict(set)
        for agent in self.states.values():
            for choice in agent.choices:
                if choice.action == "intervene" and isinstance(choice.conflict, War):
                    war, friend = choice.conflict, choice.beneficiary
                    assert friend is not None
                    self.joining[id(war), war.side_of(friend)].add(agent.name)
        for agent in self.states.values():
            for choice in agent.choices:
                self._carry_out_one(agent.name, choice, settling, supportive)
        for war in self.active_wars():
            self._score_pledges(war, supportive)
            if rules.ceasefire_agreed(war.primaries, settling[id(war)]):
                self.end_war(war, "ceasefire")
            war.proposals = set()

    def _carry_out_one(
        self,
        state: str,
        choice: Choice,
        settling: dict[int, set[str]],
        supportive: set[tuple[str, str]],
    ) -> None:
        conflict, friend = choice.conflict, choice.beneficiary
        if not conflict.active:
            return
        # Agents offer intervene, mediate and settle only about wars, attack and stand_down
        # only about crises, and name a beneficiary for every choice that helps someone.
        match choice.action:
            case "abstain" | "continue" | "hold":
                return
            case "show_of_force":
                assert friend is not None
                conflict.shows.setdefault(friend, set()).add(state)
            case "intervene":
                assert isinstance(conflict, War) and friend is not None
                if not self._join(state, conflict, friend):
                    return
            case "mediate":
                assert isinstance(conflict, War)
                conflict.mediating.add(state)
            case "sanction":
                self.sanction(state, choice.opponent)
            case "supply_arms":
                assert friend is not None
                self.surging.add((state, friend))
            case "settle":
                assert isinstance(conflict, War)
                settling[id(conflict)].add(state)
            case "attack":
                assert isinstance(conflict, Crisis)
                conflict.end = self.week
                self.start_war(conflict.challenger, conflict.target, conflict.theatre)
            case "stand_down":
                assert isinstance(conflict, Crisis)
                conflict.end = self.week
            case _:
                assert_never(choice.action)
        if friend is not None:
            supportive.add((state, friend))
        self.note(state, choice.action, conflict, friend or choice.opponent)

    def _join(self, state: str, war: War, friend: str) -> bool:
        """Add ``state`` to ``friend``'s side if the rules still allow it; return whether it did.

        Re-checked against the sides as they stand now: an ally may have joined the other side
        earlier this week, or a protégé may be joining this one with us (docs/ODD.md 7.9).
        """
        index = war.side_of(friend)
        assert index is not None
        side, other = war.sides()[index], war.sides()[1 - index]
        fellows = sorted(self.joining[id(war), index] - {state})
        if not self.states[state].may_intervene(war, [*side, *fellows], other):
            return False
        side.append(state)
        war.strength[state] = 1.0
        war.losses[state] = 0.0
        return True

    def _score_pledges(self, war: War, supportive: set[tuple[str, str]]) -> None:
        """Mark pledges due once consulted, and honoured when the pledger acts on them.

        Defence and offence pledges are honoured only by fighting on the protected side;
        consultation pledges by any support (arms, show of force, mediation, fighting).
        """
        for pledge in war.pledges:
            if pledge.honoured_step is not None or not rules.consultation_done(
                pledge.invoked_step, self.week, pledge.delay
            ):
                continue
            if not pledge.due:
                pledge.due = True
                self.pledges_due += 1
            fighting = war.side_of(pledge.pledger) == war.side_of(pledge.protege)
            helped = fighting or (
                pledge.obligation == "consultation"
                and (
                    (pledge.pledger, pledge.protege) in supportive
                    or pledge.pledger in war.mediating
                )
            )
            if helped:
                pledge.honoured_step = self.week
                self.pledges_honoured += 1
                key = (pledge.tie_id, pledge.pledger, pledge.protege)
                self.trust[key] = rules.trust_update(
                    self.trust[key], True, self.param("trust_rate")
                )
                self.note(pledge.pledger, "pledge_honoured", war, pledge.protege, pledge.tie_id)

    def fight(self, war: War) -> None:
        """One week of war: daily Tullock contests for ground and Lanchester square-law attrition.

        The week's attrition is one explicit Euler step, spread evenly over its seven days. A
        primary whose force falls below ``capitulation_strength`` gives up the theatre on the
        first day it does; the fighting ends that day, and the losses count the days fought.
        """
        sides = war.sides()
        forces = [self.side_force(war, side) for side in sides]
        owner = self.owner_side(war)
        days_won = int(
            self.rng.binomial(DAYS_PER_WEEK, self.contest(forces[owner], forces[1 - owner]))
        )
        self.control[war.theatre] = rules.control_after_week(
            self.control[war.theatre], days_won, DAYS_PER_WEEK, self.param("territory_rate")
        )
        rate = self.param("lanchester_rate")
        capitulation = self.param("capitulation_strength")
        after = self._attrition(war, forces, rate, 1.0)
        losers: list[str] = []
        day = DAYS_PER_WEEK
        if any(rules.capitulates(after[m][1], capitulation) for m in war.primaries):
            # Someone gives up this week: find the day (the week's last day gives ``after``).
            for day in range(1, DAYS_PER_WEEK + 1):
                after = self._attrition(war, forces, rate, day / DAYS_PER_WEEK)
                losers = [m for m in war.primaries if rules.capitulates(after[m][1], capitulation)]
                if losers:
                    break
        for member, (lost, strength) in after.items():
            war.losses[member] += lost
            war.strength[member] = strength
        if losers:
            lost_by_owner = war.side_of(losers[0]) == owner
            self.control[war.theatre] = 0.0 if lost_by_owner else 1.0
            self.end_war(war, "capitulation", loser=losers[0], day=day)

    def _attrition(
        self, war: War, forces: list[float], rate: float, weeks: float
    ) -> dict[str, tuple[float, float]]:
        """Each belligerent's force lost and remaining strength after ``weeks`` of fighting.

        Each side's loss (Lanchester square law) falls on its members by their share of its
        force.
        """
        remaining = rules.lanchester_square_step(forces[0], forces[1], rate, rate, weeks)
        after: dict[str, tuple[float, float]] = {}
        for index, side in enumerate(war.sides()):
            lost = forces[index] - remaining[index]
            for member in side:
                full = self.full_force(war, member)
                share = full * war.strength[member] / forces[index] if forces[index] else 0.0
                after[member] = (
                    share * lost,
                    max(0.0, war.strength[member] - share * lost / max(full, 1e-9)),
                )
        return after

    def sanction(self, state: str, target: str | None) -> None:
        """Suspend ``state``'s economic and arms ties to ``target``."""
        for tie in list(self.net.active()):
            if (
                tie.kind in ("arms", "energy", "trade", "transit")
                and (state, target) in tie.pairs()
            ):
                self.net.set_status(tie.id, "suspended", "sanction")

    def deliver_arms(self) -> None:
        """Weekly deliveries on every active arms tie; a surge where the supplier chose one.

        The stock depreciates by 1/52 a week, so a steady flow keeps one year of deliveries.
        """
        self.delivered = dict.fromkeys(self.world.states, 0.0)
        changed = False
        keep = 1.0 - 1.0 / WEEKS_PER_YEAR
        stock = self.arms_stock
        for state, units in stock.items():
            stock[state] = units * keep
        if not self.net.arms:
            return
        # Parameters read once a week, not once per tie (each read is a dict and a pydantic
        # attribute look-up).
        surge_factor = self.param("wartime_surge") if self.surging else 1.0
        full_volume = self.param("arms_full_volume")
        precision = self.param("precision_multiplier")
        rate = self.param("tie_rate")
        for tie in self.net.arms:
            surge = (tie.source, tie.target) in self.surging
            volume = tie.volume_usd_m.value / WEEKS_PER_YEAR * (surge_factor if surge else 1.0)
            if tie.target in self.cut_off:  # nothing gets through a blockade
                volume = 0.0
            stock[tie.target] += rules.weighted_volume(volume, tie.precision, precision)
            self.delivered[tie.source] += volume
            target = min(1.0, volume * WEEKS_PER_YEAR / full_volume)
            before = self.arms_tie_strength(tie)
            if before != target:  # a steady flow is at its target already: relax leaves it
                after = self.arms_flow[tie.id] = rules.relax(before, target, rate)
                changed |= abs(after - before) > 1e-9
        if changed:
            self.net.reweigh_arms()

    def relax_trust(self) -> None:
        """Trust drifts back towards each pledge's stated strength (reputations fade)."""
        if not self.net.pledges:
            return
        decay = self.param("trust_decay")
        trust = self.trust
        for key, stated in self.net.stated_trust:
            value = trust[key]
            if value != stated:  # trust at its stated strength stays there: skip the update
                trust[key] = rules.relax(value, stated, decay)

    def network_snapshot(self) -> list[dict[str, object]]:
        """Ties in force now, one row per directed pair, plus war pairs (kind ``war``)."""
        return self.net.snapshot(self.week, self.trust, self.active_wars())

    def arms_tie_strength(self, tie: ArmsTie) -> float:
        """Weight of an arms tie in the signed network, from its recent deliveries."""
        flow = self.arms_flow.get(tie.id)  # setdefault would compute the default every call
        if flow is None:
            flow = self.arms_flow[tie.id] = min(
                1.0, tie.volume_usd_m.value / self.param("arms_full_volume")
            )
        return flow

    def _stock_units(self, tie: ArmsTie, volume_usd_m: float) -> float:
        return rules.weighted_volume(
            volume_usd_m, tie.precision, self.param("precision_multiplier")
        )

    def note(
        self,
        state: str,
        action: LogEntry,
        conflict: War | Crisis | None,
        other: str | None = None,
        detail: str = "",
    ) -> None:
        """Append a row to the action log."""
        self.log.append(
            {
                "step": self.week,
                "state": state,
                "action": action,
                "other": other or "",
                "conflict": conflict.label() if conflict is not None else "",
                "detail": detail,
            }
        )
