"""Scenario files: the schema of what a user may write (world, year, levers, events, sweep).

A scenario sets initial conditions and shocks only (which world, which year, overrides, levers,
a timeline of events); what happens after comes from the rules in :mod:`sim.model.rules`.
Checks against a particular world live in :mod:`sim.loading.checks`.
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field, StrictFloat, StrictInt

from sim.schema.limits import MAX_REPLICATES, MAX_SAMPLES, MAX_STEPS
from sim.schema.world import BUILTIN_WORLD, Strict, Tie, union_kinds


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

#: The kinds of event a scenario's timeline may hold, from the :data:`Event` union.
EVENT_KINDS: tuple[str, ...] = union_kinds(Event)


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
        le=MAX_SAMPLES,
        description="Base samples: points for 'latin', N for 'sobol' (a power of 2; "
        "N*(D+2) points), trajectories for 'morris' (N*(D+1) points).",
    )
    levels: StrictInt = Field(4, ge=2, le=100, description="Grid levels of 'morris'.")


class Scenario(Strict):
    """A scenario file."""

    name: str = Field(min_length=1)
    question: str = ""
    world: str = Field(
        BUILTIN_WORLD,
        description="'builtin', the name of a world shipped in sim/data/worlds (e.g. "
        "'great_powers_1872'), or a world file path, relative to the scenario.",
    )
    year: StrictInt | None = Field(
        None,
        ge=1800,
        le=2100,
        description="The year the run starts: ties are in force from their 'since' up to their "
        "'until' year, and the calendar advances every 52 weeks; default: the world's year.",
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
