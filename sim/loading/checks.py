"""Checks of a scenario against its world: names, steps, numbers and sweep parameters."""

from __future__ import annotations

import math
from pathlib import Path

from sim.schema.errors import InputError
from sim.schema.scenario import (
    MAX_FIGURE,
    ArmsShipment,
    CeasefireProposal,
    Distraction,
    Mobilise,
    Normalisation,
    Offensive,
    Sanction,
    Scenario,
    Sweep,
    TieChange,
    TieCreate,
)
from sim.schema.world import UNIT_INTERVAL_FIELDS, Figure, World, iter_figures


def check_world_references(file: Path, sc: Scenario, world: World) -> None:
    """Check every state, theatre, tie and step the scenario names exists in the world."""
    states = sorted(world.states)
    tie_ids = {tie.id for tie in world.ties}

    def state(field: str, name: str) -> None:
        if name not in world.states:
            raise InputError(file, field, f"unknown state {name!r}; allowed: {', '.join(states)}")

    def differ(field: str, first: str, second: str) -> None:
        if first == second:
            raise InputError(file, field, f"the two states must differ (both {first!r})")

    for name in sc.levers:
        state(f"levers.{name}", name)
    # Events take effect week by week (list order within a week), so check them in that order:
    # a tie must be created in an earlier event than any change to it.
    for i, ev in sorted(enumerate(sc.events), key=lambda item: item[1].step):
        where = f"events[{i}]"
        if ev.step >= sc.steps:
            raise InputError(
                file,
                f"{where}.step",
                f"{ev.step} is not before the last step; allowed: 0..{sc.steps - 1}",
            )
        match ev:
            case Offensive() | Mobilise():
                pair = (
                    (ev.attacker, ev.defender)
                    if isinstance(ev, Offensive)
                    else (ev.state, ev.target)
                )
                names = (
                    ("attacker", "defender") if isinstance(ev, Offensive) else ("state", "target")
                )
                for field, value in zip(names, pair, strict=True):
                    state(f"{where}.{field}", value)
                if pair[0] == pair[1]:
                    raise InputError(
                        file, f"{where}.{names[1]}", "must differ from the " + names[0]
                    )
                if ev.theatre not in world.theatres:
                    raise InputError(
                        file,
                        f"{where}.theatre",
                        f"unknown theatre {ev.theatre!r}; "
                        f"allowed: {', '.join(sorted(world.theatres))}",
                    )
            case ArmsShipment():
                state(f"{where}.supplier", ev.supplier)
                state(f"{where}.recipient", ev.recipient)
                differ(f"{where}.recipient", ev.supplier, ev.recipient)
            case TieCreate():
                if ev.tie.id in tie_ids:
                    raise InputError(file, f"{where}.tie.id", f"tie {ev.tie.id!r} already exists")
                for a, b in ev.tie.pairs():
                    state(f"{where}.tie", a)
                    state(f"{where}.tie", b)
                    differ(f"{where}.tie", a, b)
                for theatre in getattr(ev.tie, "theatres", []):
                    if theatre not in world.theatres:
                        raise InputError(
                            file,
                            f"{where}.tie.theatres",
                            f"unknown theatre "
                            f"{theatre!r}; allowed: {', '.join(sorted(world.theatres))}",
                        )
                for name, figure in ev.tie:
                    if isinstance(figure, Figure):
                        check_number(file, f"{where}.tie.{name}", name, figure.value)
                tie_ids.add(ev.tie.id)
            case TieChange():
                if ev.tie not in tie_ids:
                    raise InputError(
                        file,
                        f"{where}.tie",
                        f"unknown tie {ev.tie!r}; see 'alliance-sim evidence' for tie ids",
                    )
            case Sanction():
                state(f"{where}.state", ev.state)
                state(f"{where}.target", ev.target)
                differ(f"{where}.target", ev.state, ev.target)
            case Distraction():
                state(f"{where}.state", ev.state)
            case CeasefireProposal():
                state(f"{where}.mediator", ev.mediator)
                for party in ev.parties:
                    state(f"{where}.parties", party)
                differ(f"{where}.parties", *ev.parties)
            case Normalisation():
                for name in ev.states:
                    state(f"{where}.states", name)
                differ(f"{where}.states", *ev.states)
    for step in sc.plots.network_steps:
        if not 0 <= step <= sc.steps:
            raise InputError(file, "plots.network_steps", f"{step} is outside 0..{sc.steps}")


def check_number(file: Path, field: str, name: str, value: float) -> None:
    """A scenario's number must be finite, in [0, MAX_FIGURE], and in [0, 1] for shares."""
    if not math.isfinite(value) or not 0 <= value <= MAX_FIGURE:
        raise InputError(
            file, field, f"must be a finite number from 0 to {MAX_FIGURE:g} (got {value})"
        )
    if name in UNIT_INTERVAL_FIELDS and value > 1:
        raise InputError(file, field, f"must be between 0 and 1 (got {value})")


def check_figure_path(file: Path, where: str, path: str, figures: dict[str, Figure]) -> None:
    """A dotted path must name a figure of the world; else say which paths are near it."""
    if path in figures:
        return
    parts = path.split(".")
    known: list[str] = []
    for cut in range(len(parts) - 1, 0, -1):  # the longest prefix that names something
        known = sorted(p for p in figures if p.startswith(".".join(parts[:cut]) + "."))[:8]
        if known:
            break
    hint = (
        f"e.g. {', '.join(known)}"
        if known
        else "paths start with states., theatres., ties. or model."
    )
    raise InputError(file, where, f"no such figure in the world; {hint}")


def check_sweep(file: Path, sweep: Sweep, world: World) -> None:
    """Check a sweep's parameters exist and its values are allowed, like ``[overrides]``."""
    figures = dict(iter_figures(world))
    sampled = sweep.design != "grid"
    if sampled and sweep.grid:
        raise InputError(file, "sweep.grid", f"design {sweep.design!r} takes 'ranges', not 'grid'")
    if not sampled and sweep.ranges:
        raise InputError(file, "sweep.ranges", "design 'grid' takes 'grid', not 'ranges'")
    if sampled and not sweep.ranges:
        raise InputError(file, "sweep.ranges", f"design {sweep.design!r} needs at least one range")
    if sampled and sweep.samples is None:
        raise InputError(file, "sweep.samples", f"design {sweep.design!r} needs 'samples'")
    # Sobol' sequences lose their balance properties off powers of two (SALib warns).
    if (
        sweep.design == "sobol"
        and sweep.samples is not None
        and sweep.samples & (sweep.samples - 1)
    ):
        raise InputError(
            file, "sweep.samples", f"must be a power of 2 for 'sobol' (got {sweep.samples})"
        )
    for path, values in sweep.grid.items():
        where = f"sweep.grid.{path}"
        check_figure_path(file, where, path, figures)
        if not values:
            raise InputError(file, where, "needs at least one value")
        if len(set(values)) != len(values):
            raise InputError(file, where, f"values must differ (got {values})")
        for value in values:
            check_number(file, where, path.rsplit(".", 1)[1], value)
    for path, (low, high) in sweep.ranges.items():
        where = f"sweep.ranges.{path}"
        check_figure_path(file, where, path, figures)
        for value in (low, high):
            check_number(file, where, path.rsplit(".", 1)[1], value)
        if not low < high:
            raise InputError(
                file, where, f"needs [low, high] with low < high (got [{low}, {high}])"
            )
