"""Scenario files: the schema, strict validation against the world, and one-line input errors.

A scenario sets initial conditions and shocks only (which world, which year, overrides, levers,
a timeline of events); what happens after comes from the rules in :mod:`sim.rules`.
"""

from __future__ import annotations

import hashlib
import math
import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Literal

from pydantic import Field, StrictFloat, StrictInt, ValidationError

from sim.world import (
    BUILTIN_WORLD,
    UNIT_INTERVAL_FIELDS,
    Figure,
    Strict,
    Tie,
    World,
    iter_figures,
    load_world,
)

MAX_STEPS = 1000
MAX_REPLICATES = 100_000
#: Largest number a scenario may set: anything bigger is a typo, not a figure.
MAX_FIGURE = 1e6


class InputError(Exception):
    """Bad user input: names the file, the field and what is allowed, in one line."""

    def __init__(self, file: str | Path, field: str, message: str) -> None:
        self.file, self.field, self.message = str(file), field, message
        super().__init__(f"{file}: {field}: {message}")


class EventBase(Strict):
    """Fields common to every event."""

    step: StrictInt = Field(ge=0, description="Step (week) at whose start the event happens.")


class Offensive(EventBase):
    """``attacker`` opens a war on ``defender`` in ``theatre``."""

    kind: Literal["offensive"]
    attacker: str
    defender: str
    theatre: str


class Mobilise(EventBase):
    """``state`` mobilises against ``target`` over ``theatre``: a crisis, not yet a war."""

    kind: Literal["mobilise"]
    state: str
    target: str
    theatre: str


class ArmsShipment(EventBase):
    """A one-off delivery of arms."""

    kind: Literal["arms_shipment"]
    supplier: str
    recipient: str
    volume_usd_m: StrictFloat = Field(gt=0, le=100_000)
    precision: bool = False


class TieCreate(EventBase):
    """A new tie (figures may be bare numbers)."""

    kind: Literal["tie_create"]
    tie: Tie


class TieChange(EventBase):
    """Suspend, restore or cut (for good) an existing tie."""

    kind: Literal["tie_suspend", "tie_restore", "tie_cut"]
    tie: str


class Sanction(EventBase):
    """``state`` sanctions ``target``: its arms, energy, trade and transit ties to it stop."""

    kind: Literal["sanction"]
    state: str
    target: str


class Distraction(EventBase):
    """``state`` is busy elsewhere: ``level`` of its capability is tied down (0 ends it)."""

    kind: Literal["distraction"]
    state: str
    level: StrictFloat = Field(ge=0, le=1)


class CeasefireProposal(EventBase):
    """``mediator`` proposes a ceasefire in the war between ``parties``."""

    kind: Literal["ceasefire_proposal"]
    mediator: str
    parties: tuple[str, str]


class Normalisation(EventBase):
    """Two states normalise: their rivalries end and their border opens."""

    kind: Literal["normalisation"]
    states: tuple[str, str]


Event = Annotated[
    Offensive
    | Mobilise
    | ArmsShipment
    | TieCreate
    | TieChange
    | Sanction
    | Distraction
    | CeasefireProposal
    | Normalisation,
    Field(discriminator="kind"),
]


class Levers(Strict):
    """Policy levers of one state (each optional)."""

    commitment: StrictFloat | None = Field(
        None, ge=0, le=1, description="How far it honours pledges."
    )
    risk_appetite: StrictFloat | None = Field(
        None, ge=0, le=1, description="Tolerance of war risk."
    )
    economic_weight: StrictFloat | None = Field(
        None, ge=0, le=10, description="Weight of economic ties."
    )


class PlotOptions(Strict):
    """What the plots show."""

    network_steps: list[StrictInt] = Field(
        default_factory=list, description="Steps to draw the network at (default: first and last)."
    )


SWEEP_DESIGNS = ("grid", "latin", "sobol", "morris")


class Sweep(Strict):
    """How to sweep a scenario: replicates, and a grid or a sampled design over its figures.

    Parameters are the dotted paths of ``[overrides]``. ``grid`` lists values per parameter
    (every combination is a design point); ``ranges`` gives ``[low, high]`` per parameter for
    the sampled designs (Latin hypercube, Sobol, Morris), which draw ``samples`` base samples.
    """

    replicates: StrictInt | None = Field(
        None, ge=1, le=MAX_REPLICATES, description="Replicates per point; default: the scenario's."
    )
    design: Literal["grid", "latin", "sobol", "morris"] = Field(
        "grid", description="'grid' over listed values, or a sampled design over 'ranges'."
    )
    grid: dict[str, list[StrictFloat]] = Field(
        default_factory=dict, description="Dotted path -> the values to try (design 'grid')."
    )
    ranges: dict[str, tuple[StrictFloat, StrictFloat]] = Field(
        default_factory=dict,
        description="Dotted path -> [low, high] (designs 'latin', 'sobol', 'morris').",
    )
    samples: StrictInt | None = Field(
        None,
        ge=2,
        le=MAX_REPLICATES,
        description="Base samples: points for 'latin', N for 'sobol' (a power of 2; "
        "N*(D+2) points), trajectories for 'morris' (N*(D+1) points).",
    )
    levels: StrictInt = Field(4, ge=2, le=100, description="Grid levels of 'morris'.")


class Scenario(Strict):
    """A scenario file."""

    name: str = Field(min_length=1)
    question: str = ""
    world: str = Field(
        BUILTIN_WORLD, description="'builtin' or a world file path, relative to the scenario."
    )
    year: StrictInt | None = Field(
        None,
        ge=1900,
        le=2100,
        description="Ties dated after this year are off; default: the world's year.",
    )
    steps: StrictInt = Field(ge=1, le=MAX_STEPS, description="Number of weekly steps.")
    seed: StrictInt = Field(ge=0, lt=2**63)
    replicates: StrictInt = Field(1, ge=1, le=MAX_REPLICATES)
    levers: dict[str, Levers] = {}
    overrides: dict[str, StrictFloat] = Field(
        default_factory=dict,
        description="Dotted path -> number, e.g. 'model.tullock_r' or "
        "'ties.tur_aze_arms.volume_usd_m'.",
    )
    events: list[Event] = []
    plots: PlotOptions = PlotOptions()
    sweep: Sweep | None = Field(None, description="What 'alliance-sim sweep' varies.")


@dataclass(frozen=True)
class LoadedScenario:
    """A validated scenario with the world it runs on (overrides and levers applied)."""

    path: Path
    text: str
    sha256: str
    scenario: Scenario
    world: World

    def __reduce__(self) -> tuple[object, tuple[object, ...]]:
        # Sent to worker processes as plain data and validated again there. A pydantic model
        # unpickled as it is gets attribute names that are fresh strings, not the interned
        # ones, so each attribute read takes CPython's slow path (4x slower per read; a whole
        # chunk of runs 10% slower, see benchmarks/README.md).
        return (
            _validated,
            (
                self.path,
                self.text,
                self.sha256,
                self.scenario.model_dump(),
                self.world.model_dump(),
            ),
        )


def _validated(
    path: Path, text: str, sha256: str, scenario: dict[str, object], world: dict[str, object]
) -> LoadedScenario:
    scenario_model = Scenario.model_validate(scenario, context={"scenario": True})
    return LoadedScenario(path, text, sha256, scenario_model, World.model_validate(world))


_TAGS = frozenset(
    {
        "offensive",
        "mobilise",
        "arms_shipment",
        "tie_create",
        "tie_suspend",
        "tie_restore",
        "tie_cut",
        "sanction",
        "distraction",
        "ceasefire_proposal",
        "normalisation",
        "alliance",
        "arms",
        "energy",
        "transit",
        "trade",
        "border",
        "rivalry",
        "mediation",
    }
)


def _field_name(loc: tuple[int | str, ...]) -> str:
    """Dotted field path of a pydantic error location, without pydantic's internal parts.

    Pydantic puts the tag of a discriminated union right after the list index or the ``tie``
    key it belongs to; only those tags are dropped, so a user's key named like one stays.
    """
    parts: list[str] = []
    previous: int | str | None = None
    for item in loc:
        internal = isinstance(item, str) and (
            item.startswith("function-")
            or (item in _TAGS and (isinstance(previous, int) or previous == "tie"))
        )
        if isinstance(item, int):
            parts.append(f"[{item}]")
        elif not internal:
            parts.append(("." if parts else "") + str(item))
        previous = item
    return "".join(parts) or "(top level)"


def first_error(file: str | Path, error: ValidationError) -> InputError:
    """Turn the first pydantic error into an :class:`InputError`."""
    err = error.errors()[0]
    message = err["msg"]
    if err["type"] == "value_error" and not err["loc"]:
        # Checks across a whole file (World._references_exist) name their field first.
        where, _, detail = message.removeprefix("Value error, ").partition(": ")
        if detail:
            return InputError(file, where, detail)
    if err["type"] == "extra_forbidden":
        message = "unknown field; 'alliance-sim schema' lists the allowed ones"
    elif err["type"] == "union_tag_invalid":
        message = (
            f"unknown kind {err['input'].get('kind')!r}; allowed: {err['ctx']['expected_tags']}"
        )
    elif "input" in err and not isinstance(err["input"], dict | list):
        message += f" (got {err['input']!r})"
    return InputError(file, _field_name(err["loc"]), message)


def _check_world_references(file: Path, sc: Scenario, world: World) -> None:
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


def apply_overrides(file: Path, sc: Scenario, world: World) -> World:
    """Return a copy of ``world`` with the scenario's levers and overrides set."""
    world = world.model_copy(deep=True)
    figures = dict(iter_figures(world))
    settings = {
        f"states.{name}.{field}": value
        for name, levers in sc.levers.items()
        for field, value in levers.model_dump(exclude_none=True).items()
    }
    settings.update(sc.overrides)
    for path, value in settings.items():
        where = f"overrides.{path}" if path in sc.overrides else f"levers.{path.split('.', 1)[1]}"
        check_figure_path(file, where, path, figures)
        check_number(file, where, path.rsplit(".", 1)[1], value)
        figures[path].value = value
    return world


def _check_sweep(file: Path, sweep: Sweep, world: World) -> None:
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


def load_world_file(path: str | Path, file: str | Path, field: str) -> World:
    """Load a world file, turning any problem into an :class:`InputError` on ``file``/``field``."""
    try:
        return load_world(path)
    except OSError as exc:
        raise InputError(
            file, field, f"cannot read world file {str(path)!r}: {exc.strerror or exc}"
        ) from None
    except ValidationError as exc:  # before ValueError, of which it is a subclass
        inner = first_error(path, exc)
        raise InputError(
            file, field, f"world file invalid at {inner.field}: {inner.message}"
        ) from None
    except (tomllib.TOMLDecodeError, UnicodeDecodeError, RecursionError, ValueError) as exc:
        raise InputError(file, field, f"world file {str(path)!r} is invalid TOML: {exc}") from None


def load_scenario(path: str | Path) -> LoadedScenario:
    """Read, validate and resolve a scenario file.

    Raises:
        InputError: for any problem, naming the file and the field.
    """
    file = Path(path)
    try:
        raw = file.read_bytes()
    except OSError as exc:
        raise InputError(file, "(file)", f"cannot read: {exc.strerror or exc}") from None
    try:
        text = raw.decode("utf-8")
        data = tomllib.loads(text)
    except UnicodeDecodeError:
        raise InputError(file, "(file)", "not UTF-8 text; a scenario is a TOML file") from None
    except (tomllib.TOMLDecodeError, ValueError, RecursionError) as exc:  # huge ints, deep nesting
        raise InputError(file, "(file)", f"invalid TOML: {exc}") from None
    try:
        sc = Scenario.model_validate(data, context={"scenario": True})
    except ValidationError as exc:
        raise first_error(file, exc) from None
    world_path = sc.world if sc.world == BUILTIN_WORLD else str((file.parent / sc.world).resolve())
    world = load_world_file(world_path, file, "world")
    _check_world_references(file, sc, world)
    world = apply_overrides(file, sc, world)
    if sc.sweep is not None:
        _check_sweep(file, sc.sweep, world)
    return LoadedScenario(file, text, hashlib.sha256(raw).hexdigest(), sc, world)
