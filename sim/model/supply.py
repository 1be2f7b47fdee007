"""Actors' supply routes, cut-off and dissolution (docs/ODD.md 7.19).

An actor with ``supplied_via`` routes is cut off in a week when none of them is in force; while
cut off it gets no deliveries (:meth:`sim.model.model.AllianceModel.deliver_arms`) and its
strength falls by :func:`sim.model.rules.supply_factor`. An authority that capitulates dissolves.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from sim.model import rules

if TYPE_CHECKING:
    from sim.model.model import AllianceModel


def check(model: AllianceModel) -> None:
    """Mark who is cut off this week: an actor none of whose supply routes is in force.

    Run after the week's events, so a blockade (a ``tie_suspend`` of the route) counts from the
    week it is imposed. A route is a transit tie in force, or a border tie in force and open.
    """
    for actor in model.weeks_cut:
        routes = model.world.states[actor].supplied_via
        cut = not any(_open(model, route) for route in routes)
        if cut and actor not in model.cut_off:
            model.cut_off.add(actor)
            model.note(actor, "cut_off", None, detail=", ".join(routes))
        elif not cut and actor in model.cut_off:
            model.cut_off.discard(actor)
            model.weeks_cut[actor] = 0
            model.supply[actor] = 1.0
            model.note(actor, "resupplied", None)


def _open(model: AllianceModel, route: str) -> bool:
    tie = model.net.ties[route]
    return model.net.status[route] == "active" and (tie.kind != "border" or tie.open)


def run_down(model: AllianceModel) -> None:
    """Another week cut off: each such actor's supply factor falls (:func:`rules.supply_factor`)."""
    half_life = model.param("supply_half_life")
    for actor in sorted(model.cut_off):
        model.weeks_cut[actor] += 1
        model.supply[actor] = rules.supply_factor(model.weeks_cut[actor], half_life)


def dissolve(model: AllianceModel, actor: str) -> None:
    """End an authority that gave up its theatre: cut every tie it has, in force or to come.

    A dissolved actor makes no more choices (:meth:`sim.model.agents.StateAgent.decisions`).
    """
    model.dissolved.add(actor)
    for tie_id, tie in model.net.ties.items():
        if actor in (tie.source, tie.target) and model.net.status[tie_id] != "ended":
            model.net.set_status(tie_id, "cut", "dissolved", reindex=False)
    model.net.reindex()
    model.note(actor, "dissolved", None)
