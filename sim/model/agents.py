"""StateAgent: one state that observes the crises and wars around it and chooses what to do.

Every week each state lists its options about each conflict, values each with the utilities
of :mod:`sim.model.rules` (docs/ODD.md 7.4-7.8) from what it observes of the model, and picks
one by logit choice. Agents only read the model's state; the model carries the choices out
after all have chosen, so the order in which agents choose does not matter. Listing the
options (:meth:`StateAgent.decisions`) and drawing one are separate, so the options and their
utilities can be shown to a person, who may choose for the state instead
(:meth:`sim.model.model.AllianceModel.choose`, docs/ODD.md 7.1).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property
from typing import TYPE_CHECKING

import mesa

from sim.model import rules
from sim.model.conflict import Crisis, War
from sim.schema.vocabulary import Action

if TYPE_CHECKING:
    from sim.model.model import AllianceModel


@dataclass(frozen=True)
class Choice:
    """An action a state takes this week about one conflict."""

    action: Action
    conflict: War | Crisis
    beneficiary: str | None = None
    opponent: str | None = None

    def label(self) -> str:
        """The option in words, unique in its decision: ``intervene (Armenia vs Azerbaijan)``."""
        if self.beneficiary is None:
            return self.action
        return f"{self.action} ({self.beneficiary} vs {self.opponent})"


#: An option of a decision before it is a :class:`Choice`: (action, beneficiary, opponent).
Option = tuple[Action, str | None, str | None]


@dataclass(frozen=True)
class Decision:
    """One decision a state faces this week: its options and the model's utility of each.

    ``key`` names it for the week: the conflict's label, with `` arms`` added for the choice
    whether to surge arms into a war (a state outside the war may face both about one war).
    ``surge`` marks that choice, whose ``abstain`` option means "no surge". The options are
    kept as plain tuples and become :class:`Choice` objects only when asked for: every state
    decides about every conflict every week, and takes one option of each decision.
    """

    key: str
    conflict: War | Crisis
    plain: tuple[Option, ...]
    utilities: tuple[float, ...]
    surge: bool = False

    @cached_property
    def options(self) -> tuple[Choice, ...]:
        """Every option as a :class:`Choice`, in order."""
        return tuple(self.choice(index) for index in range(len(self.plain)))

    def choice(self, index: int) -> Choice:
        """Option ``index`` as a :class:`Choice`."""
        action, beneficiary, opponent = self.plain[index]
        return Choice(action, self.conflict, beneficiary, opponent)


class StateAgent(mesa.Agent):
    """A state in the alliance network."""

    model: AllianceModel

    def __init__(self, model: AllianceModel, name: str) -> None:
        super().__init__(model)
        self.name = name
        self.choices: list[Choice] = []

    def lever(self, field: str) -> float:
        """Return one of this state's policy levers (commitment, risk_appetite, economic_weight)."""
        return float(getattr(self.model.world.states[self.name], field).value)

    @property
    def risk_factor(self) -> float:
        """Multiplier on war costs (:func:`sim.model.rules.risk_factor`)."""
        return rules.risk_factor(self.lever("risk_appetite"))

    def decisions(self) -> list[Decision]:
        """This week's decisions about every active war and crisis (reads the model, draws none)."""
        found: list[Decision] = []
        if self.name in self.model.dissolved:
            return found
        for war in self.model.active_wars():
            if self.name in war.primaries:
                found.append(self._fight_or_settle(war))
            elif war.side_of(self.name) is None:
                found.append(self._bystander_posture(war))
            if self.name not in war.primaries:
                arms = self._arms_supply(war)
                if arms is not None:
                    found.append(arms)
        for crisis in self.model.active_crises():
            if crisis.challenger == self.name:
                found.append(self._challenge(crisis))
            elif crisis.target != self.name:
                found.append(self._bystander_posture(crisis))
        return found

    def decide(self) -> None:
        """Choose this week's actions: a person's choice where one was made, else by logit.

        A person's choice whose option has gone by the time the state decides (a scheduled
        event changed the situation) is dropped, and the state chooses for itself.
        """
        held = self.model.chosen.pop(self.name, {})
        self.choices = []
        for decision in self.decisions():
            choice = held.get(decision.key)
            if choice is None or choice not in decision.options:
                index = rules.logit_choice(
                    decision.utilities, self.model.param("logit_lambda"), self.model.rng
                )
                choice = decision.choice(index)
            if not (decision.surge and choice.action == "abstain"):
                self.choices.append(choice)

    # --- what the state observes ---------------------------------------------------------------
    def support_value(self, friend: str, foe: str) -> float:
        """Value of backing ``friend`` against ``foe`` (:func:`sim.model.rules.support_value`)."""
        net, m, me = self.model.net, self.model, self.name
        return rules.support_value(
            net.bond.get((me, friend), 0.0),
            net.hostility.get((me, foe), 0.0),
            net.dependence.get((me, friend), 0.0),
            net.dependence.get((me, foe), 0.0),
            w_affinity=m.param("w_affinity"),
            w_hostility=m.param("w_hostility"),
            w_economic=m.param("w_economic"),
            economic_weight=self.lever("economic_weight"),
        )

    def obligation(self, war: War, side: list[str]) -> float:
        """Pull of this state's invoked, consulted pledges to members of ``side`` (ODD 7.5)."""
        now = self.model.week
        trusts = [
            self.model.trust[p.tie_id, p.pledger, p.protege]
            for p in war.pledges
            if p.pledger == self.name
            and p.protege in side
            and rules.consultation_done(p.invoked_step, now, p.delay)
        ]
        return rules.obligation_pull(self.lever("commitment"), trusts)

    def may_intervene(self, war: War, side: list[str], other: list[str]) -> bool:
        """Whether joining ``side`` is allowed (:func:`sim.model.rules.may_join`, ODD 7.9)."""
        net = self.model.net
        owner = self.model.world.theatres[war.theatre].owner
        delays = [
            tie.consultation_delay.value
            for tie, pledger, protege in net.pledges
            if pledger == self.name
            and protege in side
            and rules.pledge_covers(tie, war.theatre, owner, protege=protege)
        ]
        allied = any(enemy in net.allies[self.name] for enemy in other)
        return rules.may_join(allied, delays, war.start, self.model.week)

    # --- choices ------------------------------------------------------------------------------
    def _bystander_posture(self, conflict: War | Crisis) -> Decision:
        """Abstain, show force, sanction, intervene or mediate (ODD 7.5)."""
        m = self.model
        options: list[Option] = [("abstain", None, None)]
        utilities = [0.0]
        sides = conflict.sides()
        for side, other in (sides, sides[::-1]):
            friend, foe = side[0], other[0]
            value = self.support_value(friend, foe)
            pledged = self.obligation(conflict, side) if isinstance(conflict, War) else 0.0
            if value <= 0.0 and pledged == 0.0:
                continue  # no tie, interest or pledge draws it to this side: not an option
            options.append(("show_of_force", friend, foe))
            utilities.append(self._show_of_force(value))
            options.append(("sanction", friend, foe))
            utilities.append(self._sanction(value, foe))
            if isinstance(conflict, War) and self.may_intervene(conflict, side, other):
                options.append(("intervene", friend, foe))
                utilities.append(self._intervention(conflict, side, other, value, pledged))
        if isinstance(conflict, War):
            for role in m.net.mediators:
                if role.source == self.name and set(role.parties) == set(conflict.primaries):
                    options.append(("mediate", None, None))
                    utilities.append(self._mediation(role.strength.value, conflict))
        return Decision(conflict.label(), conflict, tuple(options), tuple(utilities))

    def _show_of_force(self, value: float) -> float:
        m = self.model
        return rules.show_of_force_utility(
            value,
            share=m.param("show_of_force_share"),
            cost=m.param("show_of_force_cost"),
            risk=self.risk_factor,
            distraction_cost=m.param("distraction_cost"),
            distraction=m.distraction[self.name],
        )

    def _sanction(self, value: float, foe: str) -> float:
        m = self.model
        return rules.sanction_utility(
            value,
            share=m.param("sanction_share"),
            trade_loss=m.param("sanction_trade_loss"),
            w_economic=m.param("w_economic"),
            economic_weight=self.lever("economic_weight"),
            dependence_on_target=m.net.dependence.get((self.name, foe), 0.0),
            cost=m.param("sanction_cost"),
        )

    def _intervention(
        self, war: War, side: list[str], other: list[str], value: float, pledged: float
    ) -> float:
        m = self.model
        joined = m.side_force(war, side) + m.projection(self.name, war)
        return rules.intervention_utility(
            value,
            w_obligation=m.param("w_obligation"),
            obligation=pledged,
            base_cost=m.param("war_cost"),
            risk=self.risk_factor,
            win_probability=m.contest(joined, m.side_force(war, other)),
            distraction_cost=m.param("distraction_cost"),
            distraction=m.distraction[self.name],
        )

    def _mediation(self, tie_strength: float, war: War) -> float:
        m = self.model
        a, b = war.primaries
        dependence = m.net.dependence.get((self.name, a), 0.0) + m.net.dependence.get(
            (self.name, b), 0.0
        )
        return rules.mediation_utility(
            tie_strength,
            dependence,
            mediation_value=m.param("mediation_value"),
            trade_share=m.param("mediation_trade_share"),
            w_economic=m.param("w_economic"),
            economic_weight=self.lever("economic_weight"),
        )

    def _arms_supply(self, war: War) -> Decision | None:
        """Surge arms to one belligerent it supplies, or not (ODD 7.6)."""
        m = self.model
        options: list[Option] = [("abstain", None, None)]
        utilities = [0.0]
        for tie in m.net.arms_from.get(self.name, ()):
            side = war.side_of(tie.target)
            if side is None or war.side_of(self.name) == 1 - side or tie.target in m.cut_off:
                continue
            foe = war.sides()[1 - side][0]
            options.append(("supply_arms", tie.target, foe))
            utilities.append(
                rules.arms_surge_utility(
                    self.support_value(tie.target, foe),
                    arms_cost=m.param("arms_cost"),
                    risk=self.risk_factor,
                )
            )
        if len(options) == 1:
            return None
        return Decision(f"{war.label()} arms", war, tuple(options), tuple(utilities), surge=True)

    def _fight_or_settle(self, war: War) -> Decision:
        """Continue or seek a ceasefire (ODD 7.7)."""
        m = self.model
        side = war.side_of(self.name)
        assert side is not None
        owner_side = m.owner_side(war)
        control = m.control[war.theatre]
        held = control if side == owner_side else 1.0 - control
        gain = rules.valued_gain(
            control,
            m.owner_win_probability(war),
            m.param("territory_rate"),
            side == owner_side,
            held,
        )
        own = max(m.side_force(war, war.sides()[side]), 1e-9)
        enemy = m.side_force(war, war.sides()[1 - side])
        fight = rules.fight_utility(
            gain,
            rules.weekly_attrition(m.param("lanchester_rate"), enemy, own),
            1.0 - war.strength[self.name],
            w_territory=m.param("w_territory"),
            stake=m.world.theatres[war.theatre].stake.value,
            claim=m.claim(self.name, war.theatre),
            base_cost=m.param("war_cost"),
            risk=self.risk_factor,
            war_weariness=m.param("war_weariness"),
        )
        settle = rules.settle_utility(m.param("ceasefire_bonus"), m.mediation_factor(war))
        options: tuple[Option, ...] = (("continue", None, None), ("settle", None, None))
        return Decision(war.label(), war, options, (fight, settle))

    def _challenge(self, crisis: Crisis) -> Decision:
        """Attack, hold or stand down, against the target's expected coalition (ODD 7.8)."""
        m = self.model
        weeks = m.week - crisis.start + 1
        attack: float | None = None
        if crisis.target not in m.net.allies[self.name]:
            own = m.strength(self.name) + m.shows_for(crisis, self.name)
            attack = rules.attack_utility(
                m.contest(own, m.expected_defence(crisis)),
                1.0 - m.prize_share(crisis),
                w_territory=m.param("w_territory"),
                stake=m.world.theatres[crisis.theatre].stake.value,
                claim=m.claim(self.name, crisis.theatre),
                base_cost=m.param("war_cost"),
                risk=self.risk_factor,
            )
        options: list[Option] = [("hold", None, None), ("stand_down", None, None)]
        utilities = [
            rules.hold_utility(
                attack,
                weeks,
                hold_share=m.param("hold_option_share"),
                mobilisation_cost=m.param("mobilisation_cost"),
            ),
            rules.stand_down_utility(m.param("stand_down_cost")),
        ]
        if attack is not None:
            options.append(("attack", self.name, crisis.target))
            utilities.append(attack)
        return Decision(crisis.label(), crisis, tuple(options), tuple(utilities))
