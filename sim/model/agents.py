"""StateAgent: one state that observes the crises and wars around it and chooses what to do.

Every week each state values its options with an explicit utility (security, alliance
obligation and reputation, economic dependence, cost of war, risk) and picks one by logit choice.
Agents only read the model's state; the model carries the choices out after all have chosen,
so the order in which agents choose does not matter.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import mesa

from sim.model.conflict import Crisis, War
from sim.model.rules import (
    consultation_done,
    expected_gain,
    logit_choice,
    marginal_territory_value,
    territory_value,
    war_cost,
)

if TYPE_CHECKING:
    from sim.model.model import AllianceModel


@dataclass(frozen=True)
class Choice:
    """An action a state takes this week about one conflict."""

    action: str  # abstain, show_of_force, intervene, mediate, sanction, supply_arms,
    #              continue, settle, attack, hold, stand_down
    conflict: War | Crisis
    beneficiary: str | None = None
    opponent: str | None = None


class StateAgent(mesa.Agent):
    """A state in the alliance network."""

    model: AllianceModel

    def __init__(self, model: AllianceModel, name: str) -> None:
        super().__init__(model)
        self.name = name
        self.choices: list[Choice] = []

    def lever(self, field: str) -> float:
        """Return one of this state's policy levers (commitment, risk_appetite, economic_weight)."""
        return getattr(self.model.world.states[self.name], field).value

    @property
    def risk_factor(self) -> float:
        """Multiplier on war costs: 2 (1 − risk appetite), 1 at a neutral appetite."""
        return 2.0 * (1.0 - self.lever("risk_appetite"))

    def decide(self) -> None:
        """Choose this week's actions for every active war and crisis."""
        self.choices = []
        for war in self.model.active_wars():
            if self.name in war.primaries:
                self.choices.append(self._fight_or_settle(war))
            elif war.side_of(self.name) is None:
                self.choices.append(self._bystander_posture(war))
            if self.name not in war.primaries:
                arms = self._arms_supply(war)
                if arms is not None:
                    self.choices.append(arms)
        for crisis in self.model.active_crises():
            if crisis.challenger == self.name:
                self.choices.append(self._challenge(crisis))
            elif crisis.target != self.name:
                self.choices.append(self._bystander_posture(crisis))

    # --- utilities ---------------------------------------------------------------------------
    def support_value(self, friend: str, foe: str) -> float:
        """Value of backing ``friend`` against ``foe``: affinity, rivalry, economic stakes.

        B = w_aff·bond(i, friend) + w_host·hostility(i, foe)
            + w_econ·economic_weight·(dependence(i, friend) − dependence(i, foe)).
        Affinity and rivalry follow balance of threat (Walt 1987); dependence follows Oneal &
        Russett (1997): a state is reluctant to oppose those it depends on.
        """
        net, m = self.model.net, self.model
        me = self.name
        economic = (
            m.param("w_economic")
            * self.lever("economic_weight")
            * (net.dependence.get((me, friend), 0.0) - net.dependence.get((me, foe), 0.0))
        )
        return (
            m.param("w_affinity") * net.bond.get((me, friend), 0.0)
            + m.param("w_hostility") * net.hostility.get((me, foe), 0.0)
            + economic
        )

    def obligation(self, war: War, side: list[str]) -> float:
        """Pull of this state's invoked, consulted pledges to members of ``side``.

        commitment × trust in the pledge (Snyder 1984: the fear of abandonment grows with
        the pledge's credibility), largest over the pledges that apply.
        """
        now = self.model.week
        pulls = [
            self.lever("commitment") * self.model.trust[p.tie_id, p.pledger, p.protege]
            for p in war.pledges
            if p.pledger == self.name
            and p.protege in side
            and consultation_done(p.invoked_step, now, p.delay)
        ]
        return max(pulls, default=0.0)

    def may_intervene(self, war: War, side: list[str], other: list[str]) -> bool:
        """Whether joining ``side`` is allowed: never against an ally, never before consultations.

        A state with pledges to a member of ``side`` that cover the war's theatre acts under
        them, so it first waits out the shortest of their consultation delays (the 2010
        Turkey–Azerbaijan agreement, D001). Pledges limited to other theatres do not count.
        """
        if any(enemy in self.model.net.allies[self.name] for enemy in other):
            return False
        delays = [
            tie.consultation_delay.value
            for tie, pledger, protege in self.model.net.pledges
            if pledger == self.name
            and protege in side
            and (not tie.theatres or war.theatre in tie.theatres)
        ]
        return not delays or consultation_done(war.start, self.model.week, min(delays))

    def _bystander_posture(self, conflict: War | Crisis) -> Choice:
        m = self.model
        options = [Choice("abstain", conflict)]
        utilities = [0.0]
        distraction = m.distraction[self.name]
        sides = conflict.sides()
        for side, other in (sides, sides[::-1]):
            friend, foe = side[0], other[0]
            value = self.support_value(friend, foe)
            pledged = self.obligation(conflict, side) if isinstance(conflict, War) else 0.0
            if value <= 0.0 and pledged == 0.0:
                continue  # no tie, interest or pledge draws it to this side: not an option
            options.append(Choice("show_of_force", conflict, friend, foe))
            share = m.param("show_of_force_share")
            utilities.append(
                share * value
                - m.param("show_of_force_cost") * self.risk_factor
                - share * m.param("distraction_cost") * distraction
            )
            options.append(Choice("sanction", conflict, friend, foe))
            utilities.append(
                m.param("sanction_share") * value
                - m.param("sanction_trade_loss")
                * m.param("w_economic")
                * self.lever("economic_weight")
                * m.net.dependence.get((self.name, foe), 0.0)
                - m.param("sanction_cost")
            )
            if isinstance(conflict, War) and self.may_intervene(conflict, side, other):
                joined = m.side_force(conflict, side) + m.projection(self.name, conflict)
                p_win = m.contest(joined, m.side_force(conflict, other))
                cost = (
                    war_cost(m.param("war_cost"), self.risk_factor, p_win)
                    + m.param("distraction_cost") * distraction
                )
                options.append(Choice("intervene", conflict, friend, foe))
                utilities.append(value + m.param("w_obligation") * pledged - cost)
        if isinstance(conflict, War):
            for role in m.net.mediators:
                if role.source == self.name and set(role.parties) == set(conflict.primaries):
                    a, b = conflict.primaries
                    options.append(Choice("mediate", conflict))
                    utilities.append(
                        m.param("mediation_value") * role.strength.value
                        + m.param("mediation_trade_share")
                        * m.param("w_economic")
                        * self.lever("economic_weight")
                        * (
                            m.net.dependence.get((self.name, a), 0.0)
                            + m.net.dependence.get((self.name, b), 0.0)
                        )
                    )
        return options[logit_choice(utilities, m.param("logit_lambda"), m.rng)]

    def _arms_supply(self, war: War) -> Choice | None:
        m = self.model
        options: list[Choice] = []
        utilities: list[float] = []
        for tie in m.net.arms_from.get(self.name, ()):
            side = war.side_of(tie.target)
            if side is None or war.side_of(self.name) == 1 - side:
                continue
            foe = war.sides()[1 - side][0]
            options.append(Choice("supply_arms", war, tie.target, foe))
            utilities.append(
                self.support_value(tie.target, foe) - m.param("arms_cost") * self.risk_factor
            )
        if not options:
            return None
        chosen = logit_choice([0.0, *utilities], m.param("logit_lambda"), m.rng)
        return options[chosen - 1] if chosen else None

    def _fight_or_settle(self, war: War) -> Choice:
        """Continue or seek a ceasefire: expected territory against losses and war-weariness.

        Fighting reveals the balance of forces week by week; settlement comes when a side's
        expected gain no longer pays for its losses (Wagner 2000; Slantchev 2003).
        """
        m = self.model
        side = war.side_of(self.name)
        assert side is not None
        owner_side = m.owner_side(war)
        p_owner = m.owner_win_probability(war)
        theatre = m.world.theatres[war.theatre]
        control = m.control[war.theatre]
        held = control if side == owner_side else 1.0 - control
        gain = expected_gain(
            control, p_owner, m.param("territory_rate"), owner_side=side == owner_side
        ) * marginal_territory_value(held)
        own = max(m.side_force(war, war.sides()[side]), 1e-9)
        enemy = m.side_force(war, war.sides()[1 - side])
        weekly_loss = m.param("lanchester_rate") * enemy / own
        worn = 1.0 - war.strength[self.name]
        fight = (
            m.param("w_territory") * theatre.stake.value * m.claim(self.name, war.theatre) * gain
            - m.param("war_cost") * self.risk_factor * weekly_loss
            - m.param("war_weariness") * worn
        )
        settle = m.param("ceasefire_bonus") * m.mediation_factor(war)
        options = [Choice("continue", war), Choice("settle", war)]
        return options[logit_choice([fight, settle], m.param("logit_lambda"), m.rng)]

    def _challenge(self, crisis: Crisis) -> Choice:
        """Attack, hold or stand down, against the target's expected coalition (deterrence)."""
        m = self.model
        options = [Choice("hold", crisis), Choice("stand_down", crisis)]
        weeks = m.week - crisis.start + 1
        utilities = [0.0, -m.param("stand_down_cost")]
        if crisis.target not in m.net.allies[self.name]:
            own = m.strength(self.name) + m.shows_for(crisis, self.name)
            p = m.contest(own, m.expected_defence(crisis))
            held = 1.0 - m.prize_share(crisis)
            prize = (
                m.world.theatres[crisis.theatre].stake.value
                * m.claim(self.name, crisis.theatre)
                * (1.0 - territory_value(held))
            )
            attack = m.param("w_territory") * prize * (2.0 * p - 1.0) - war_cost(
                m.param("war_cost"), self.risk_factor, p
            )
            options.append(Choice("attack", crisis, self.name, crisis.target))
            utilities.append(attack)
            utilities[0] = m.param("hold_option_share") * max(0.0, attack)
        utilities[0] -= m.param("mobilisation_cost") * weeks
        return options[logit_choice(utilities, m.param("logit_lambda"), m.rng)]
