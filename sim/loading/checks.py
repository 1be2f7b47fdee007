"""Checks of a scenario against its world: names, steps, numbers and sweep parameters."""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path
from typing import assert_never

from sim.schema.errors import InputError
from sim.schema.limits import MAX_FIGURE
from sim.schema.scenario import (
    ArmsShipment,
    CeasefireProposal,
    Distraction,
    Event,
    Mobilise,
    Normalisation,
    Offensive,
    Sanction,
    Scenario,
    Sweep,
    TieChange,
    TieCreate,
)
from sim.schema.world import (
    POSITIVE_FIELDS,
    UNIT_INTERVAL_FIELDS,
    AllianceTie,
    Figure,
    World,
    iter_figures,
)


def check_world_references(file: Path, sc: Scenario, world: World) -> None:
    """Check every state, theatre, tie and step the scenario names exists in the world.

    Args:
        file: The scenario file, named in errors.
        sc: The scenario.
        world: The world it runs on.

    Raises:
        InputError: at the first reference the world does not hold.
    """
    refs = _References(file, world, {tie.id for tie in world.ties})
    for name in sc.levers:
        refs.state(f"levers.{name}", name)
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
        _check_event(refs, where, ev)
    for step in sc.plots.network_steps:
        if not 0 <= step <= sc.steps:
            raise InputError(file, "plots.network_steps", f"{step} is outside 0..{sc.steps}")


@dataclass
class _References:
    """What a scenario may name: the world's states and theatres, and the ties so far."""

    file: Path
    world: World
    tie_ids: set[str]

    def state(self, field: str, name: str) -> None:
        """Raise unless ``name`` is a state of the world."""
        if name not in self.world.states:
            allowed = ", ".join(sorted(self.world.states))
            raise InputError(self.file, field, f"unknown state {name!r}; allowed: {allowed}")

    def differ(self, field: str, first: str, second: str) -> None:
        """Raise if two states that must differ are the same."""
        if first == second:
            raise InputError(self.file, field, f"the two states must differ (both {first!r})")

    def theatre(self, field: str, name: str) -> None:
        """Raise unless ``name`` is a theatre of the world."""
        if name not in self.world.theatres:
            allowed = ", ".join(sorted(self.world.theatres))
            raise InputError(self.file, field, f"unknown theatre {name!r}; allowed: {allowed}")


def _check_event(refs: _References, where: str, ev: Event) -> None:
    """Check the names one event gives, by its kind."""
    match ev:
        case Offensive():
            _check_campaign(refs, where, ("attacker", "defender"), (ev.attacker, ev.defender))
            refs.theatre(f"{where}.theatre", ev.theatre)
        case Mobilise():
            _check_campaign(refs, where, ("state", "target"), (ev.state, ev.target))
            refs.theatre(f"{where}.theatre", ev.theatre)
        case ArmsShipment():
            refs.state(f"{where}.supplier", ev.supplier)
            refs.state(f"{where}.recipient", ev.recipient)
            refs.differ(f"{where}.recipient", ev.supplier, ev.recipient)
        case TieCreate():
            _check_tie_create(refs, where, ev)
        case TieChange():
            if ev.tie not in refs.tie_ids:
                raise InputError(
                    refs.file,
                    f"{where}.tie",
                    f"unknown tie {ev.tie!r}; see 'alliance-sim evidence' for tie ids",
                )
        case Sanction():
            refs.state(f"{where}.state", ev.state)
            refs.state(f"{where}.target", ev.target)
            refs.differ(f"{where}.target", ev.state, ev.target)
        case Distraction():
            refs.state(f"{where}.state", ev.state)
        case CeasefireProposal():
            refs.state(f"{where}.mediator", ev.mediator)
            for party in ev.parties:
                refs.state(f"{where}.parties", party)
            refs.differ(f"{where}.parties", *ev.parties)
        case Normalisation():
            for name in ev.states:
                refs.state(f"{where}.states", name)
            refs.differ(f"{where}.states", *ev.states)
        case _:
            assert_never(ev)


def _check_campaign(
    refs: _References, where: str, fields: tuple[str, str], pair: tuple[str, str]
) -> None:
    """An offensive's or a mobilisation's two sides: known states, and not the same one."""
    for field, value in zip(fields, pair, strict=True):
        refs.state(f"{where}.{field}", value)
    if pair[0] == pair[1]:
        raise InputError(refs.file, f"{where}.{fields[1]}", "must differ from the " + fields[0])


def _check_tie_create(refs: _References, where: str, ev: TieCreate) -> None:
    """A new tie: a fresh id, known and different states, known theatres, allowed numbers."""
    if ev.tie.id in refs.tie_ids:
        raise InputError(refs.file, f"{where}.tie.id", f"tie {ev.tie.id!r} already exists")
    for a, b in ev.tie.pairs():
        refs.state(f"{where}.tie", a)
        refs.state(f"{where}.tie", b)
        refs.differ(f"{where}.tie", a, b)
    if isinstance(ev.tie, AllianceTie):
        for theatre in ev.tie.theatres:
            refs.theatre(f"{where}.tie.theatres", theatre)
    for name, figure in ev.tie:
        if isinstance(figure, Figure):
            check_number(refs.file, f"{where}.tie.{name}", name, figure.value)
    refs.tie_ids.add(ev.tie.id)


def check_number(file: Path, field: str, name: str, value: float) -> None:
    """A scenario's number must be finite, in [0, MAX_FIGURE], and in [0, 1] for shares."""
    if not math.isfinite(value) or not 0 <= value <= MAX_FIGURE:
        raise InputError(
            file, field, f"must be a finite number from 0 to {MAX_FIGURE:g} (got {value})"
        )
    if name in UNIT_INTERVAL_FIELDS and value > 1:
        raise InputError(file, field, f"must be between 0 and 1 (got {value})")
    if name in POSITIVE_FIELDS and value == 0:
        raise InputError(file, field, f"must be above 0: the rules divide by it (got {value})")


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
