"""Scenario events: the shocks and policy moves a scenario schedules, applied at a week's start."""

from __future__ import annotations

from typing import TYPE_CHECKING

from sim.model.conflict import Crisis
from sim.schema.scenario import (
    ArmsShipment,
    CeasefireProposal,
    Distraction,
    Event,
    Mobilise,
    Normalisation,
    Offensive,
    Sanction,
    TieChange,
    TieCreate,
)
from sim.schema.vocabulary import TieStatus
from sim.schema.world import BorderTie, RivalryTie

if TYPE_CHECKING:
    from sim.model.model import AllianceModel

_STATUS: dict[str, TieStatus] = {
    "tie_suspend": "suspended",
    "tie_restore": "active",
    "tie_cut": "cut",
}


def apply_event(model: AllianceModel, event: Event) -> None:
    """Apply one scheduled event to the model and log it."""
    match event:
        case Offensive():
            if model.dissolved & {event.attacker, event.defender}:
                return  # an actor that has dissolved no longer fights
            if not any(
                w.theatre == event.theatre
                and {event.attacker, event.defender} <= {*w.attackers, *w.defenders}
                for w in model.active_wars()
            ):
                model.start_war(event.attacker, event.defender, event.theatre)
            return
        case Mobilise():
            if model.dissolved & {event.state, event.target}:
                return
            model.crises.append(Crisis(event.state, event.target, event.theatre, model.week))
            model.note(event.state, "mobilise", model.crises[-1], event.target)
            return
        case ArmsShipment():
            units = (
                event.volume_usd_m
                / 1000.0
                * (model.param("precision_multiplier") if event.precision else 1.0)
            )
            model.arms_stock[event.recipient] += units
            detail = f"${event.volume_usd_m:g}m"
            model.note(event.supplier, "arms_shipment", None, event.recipient, detail)
            return
        case TieCreate():
            # Its trust starts after this week's events (model.step).
            model.net.add(event.tie, event.kind)
            model.note(event.tie.source, "tie_create", None, event.tie.target, event.tie.id)
            return
        case TieChange():
            if model.net.set_status(event.tie, _STATUS[event.kind], event.kind):
                tie = model.net.ties[event.tie]
                model.note(tie.source, event.kind, None, tie.target, event.tie)
            return
        case Sanction():
            model.sanction(event.state, event.target)
            model.note(event.state, "sanction", None, event.target, "scheduled")
            return
        case Distraction():
            model.distraction[event.state] = event.level
            model.note(event.state, "distraction", None, None, f"level {event.level:g}")
            return
        case CeasefireProposal():
            for war in model.active_wars():
                if set(war.primaries) == set(event.parties):
                    war.proposals.add(event.mediator)
                    model.note(event.mediator, "ceasefire_proposal", war)
            return
        case Normalisation():
            pair = set(event.states)
            for tie in list(model.net.ties.values()):
                if {tie.source, tie.target} == pair:
                    if isinstance(tie, RivalryTie):
                        model.net.set_status(tie.id, "suspended", "normalisation")
                    elif isinstance(tie, BorderTie) and not tie.open:
                        model.net.ties[tie.id] = tie.model_copy(update={"open": True})
            model.net.reindex()
            model.note(event.states[0], "normalisation", None, event.states[1])
