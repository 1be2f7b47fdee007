"""The world: states, theatres, typed ties and model parameters, each number with its evidence.

The world is data (``sim/data/world.toml``); this module only reads and checks it. Every number
is a :class:`Figure` that is either documented (a source document and a figure found in it),
derived by a stated formula, or an assumption with a reason and a range for sensitivity analysis.
"""

from __future__ import annotations

import difflib
import math
from typing import Annotated, Any, Literal, get_args

from pydantic import BaseModel, ConfigDict, Field, ValidationInfo, model_validator

from sim.schema.vocabulary import Obligation, Scope

BUILTIN_WORLD = "builtin"

#: Figure fields whose values are shares or probabilities and must lie in [0, 1].
UNIT_INTERVAL_FIELDS = frozenset(
    {
        "commitment",
        "risk_appetite",
        "share",
        "strength",
        "intensity",
        "owner_control",
        "share_of_owner_territory",
        "stake",
    }
)

#: Figures the rules divide by, so they must be above 0.
POSITIVE_FIELDS = frozenset({"arms_full_volume", "trade_full_turnover_bn"})

#: The model parameters the rules read (``AllianceModel.param``); every world gives all of them,
#: with its evidence, in its ``[model]`` table.
MODEL_PARAMETERS = (
    "alliance_cost",
    "alliance_inertia",
    "alliance_revision_step",
    "alliance_threat_weight",
    "alliance_trust_weight",
    "arms_cost",
    "arms_effect",
    "arms_full_volume",
    "capitulation_strength",
    "ceasefire_bonus",
    "conquest_share",
    "distraction_cost",
    "heider_p",
    "heider_updates",
    "hold_option_share",
    "lanchester_rate",
    "logit_lambda",
    "mediation_trade_share",
    "mediation_value",
    "mobilisation_cost",
    "new_alliance_delay",
    "new_tie_strength",
    "peacekeeper_factor",
    "precision_multiplier",
    "projection_share",
    "reach_without_border",
    "review_share",
    "rivalry_onset_share",
    "sanction_cost",
    "sanction_share",
    "sanction_trade_loss",
    "show_of_force_cost",
    "show_of_force_effect",
    "show_of_force_share",
    "stand_down_cost",
    "supplier_review_share",
    "supply_half_life",
    "territory_rate",
    "tie_rate",
    "trade_full_turnover_bn",
    "trust_decay",
    "trust_rate",
    "tullock_r",
    "w_affinity",
    "w_economic",
    "w_hostility",
    "w_obligation",
    "w_territory",
    "war_cost",
    "war_weariness",
    "wartime_surge",
)


class Strict(BaseModel):
    """Base for every schema: unknown keys are errors, so typos never pass silently."""

    model_config = ConfigDict(extra="forbid")


class Evidence(Strict):
    """A documented fact: which document, a figure found verbatim in it, and the fact."""

    doc: str
    figure: str
    fact: str


class Figure(Strict):
    """A number with its evidence.

    Documented figures name ``doc``, ``figure`` and ``fact``; assumptions give ``assumption`` and
    ``range``. A figure may be both (a documented ordering with an assumed magnitude). In a
    scenario (validation context ``{"scenario": True}``) a bare number is accepted and recorded
    as a scenario setting.
    """

    value: float
    doc: str | None = None
    figure: str | None = None
    fact: str | None = None
    formula: str | None = None
    assumption: str | None = None
    range: tuple[float, float] | None = None

    @model_validator(mode="before")
    @classmethod
    def _bare_number_in_scenarios(cls, data: Any, info: ValidationInfo) -> Any:
        if isinstance(data, int | float) and not isinstance(data, bool):
            if info.context and info.context.get("scenario"):
                return {"value": data, "assumption": "set by the scenario"}
            raise ValueError(
                "a world figure needs its evidence: "
                "{value = ..., doc/figure/fact or assumption/range}"
            )
        return data

    @model_validator(mode="after")
    def _has_evidence(self) -> Figure:
        documented = self.doc is not None and self.figure is not None and self.fact is not None
        if not documented and self.assumption is None:
            raise ValueError("give doc, figure and fact, or an assumption with its reason")
        if self.range is not None and self.range[0] > self.range[1]:
            raise ValueError("range must be [low, high] with low <= high")
        return self

    @property
    def documented(self) -> bool:
        """Whether the figure rests on a source document."""
        return self.doc is not None


class State(Strict):
    """An actor of the world: a state, or a de facto authority holding a theatre, and its levers.

    ``kind`` says which (the rules treat both alike; an authority that gives up the theatre it
    holds dissolves, docs/ODD.md 7.19). ``supplied_via`` lists the transit or border ties its
    supplies come through: when none of them is in force (a blockade), it is cut off.
    """

    kind: Literal["state", "authority"] = "state"
    supplied_via: list[str] = []
    memberships: list[str] = []
    capability: Figure
    commitment: Figure
    risk_appetite: Figure
    economic_weight: Figure


class Theatre(Strict):
    """A territory where fighting can happen."""

    owner: str
    held_by: str
    claimants: list[str] = []
    owner_control: Figure
    share_of_owner_territory: Figure
    stake: Figure


class TieBase(Strict):
    """Fields common to every tie."""

    id: str
    source: str
    target: str = ""
    mutual: bool = False
    #: First year the tie is in force (none: in force from the start of any run).
    since: int | None = None
    #: First year the tie is no longer in force (none: it does not end by date).
    until: int | None = None
    evidence: list[Evidence] = []

    @model_validator(mode="after")
    def _dates_in_order(self) -> TieBase:
        if self.since is not None and self.until is not None and self.until <= self.since:
            raise ValueError(f"until ({self.until}) must be a later year than since ({self.since})")
        return self

    def pairs(self) -> list[tuple[str, str]]:
        """Return the directed (from, to) pairs the tie stands for."""
        if self.mutual:
            return [(self.source, self.target), (self.target, self.source)]
        return [(self.source, self.target)]


class AllianceTie(TieBase):
    """A pledge typed by ATOP obligation (Leeds et al. 2002), with its conditions."""

    kind: Literal["alliance"]
    obligation: Obligation
    scope: Scope = "own_territory"
    theatres: list[str] = []
    strength: Figure
    consultation_delay: Figure


class ArmsTie(TieBase):
    """Arms transfers from a supplier; ``precision`` marks drones and guided munitions."""

    kind: Literal["arms"]
    precision: bool = False
    volume_usd_m: Figure


class EnergyTie(TieBase):
    """Energy supply: ``share`` is the part of the target's supply that the source provides."""

    kind: Literal["energy"]
    commodity: str
    share: Figure


class TransitTie(TieBase):
    """Transit: ``share`` is how much of the target's links run through the source."""

    kind: Literal["transit"]
    share: Figure


class TradeTie(TieBase):
    """Bilateral trade, by annual turnover."""

    kind: Literal["trade"]
    turnover_usd_bn: Figure


class BorderTie(TieBase):
    """A land border, open or closed."""

    kind: Literal["border"]
    open: bool = True


class RivalryTie(TieBase):
    """A rivalry or dispute, by intensity in [0, 1]."""

    kind: Literal["rivalry"]
    issue: str
    intensity: Figure


class MediationTie(TieBase):
    """A mediation role between two parties; ``peacekeeping`` if it can police a ceasefire."""

    kind: Literal["mediation"]
    parties: tuple[str, str]
    peacekeeping: bool = False
    strength: Figure

    def pairs(self) -> list[tuple[str, str]]:
        """Return (mediator, party) pairs."""
        return [(self.source, party) for party in self.parties]


Tie = Annotated[
    AllianceTie
    | ArmsTie
    | EnergyTie
    | TransitTie
    | TradeTie
    | BorderTie
    | RivalryTie
    | MediationTie,
    Field(discriminator="kind"),
]


def union_kinds(union: object) -> tuple[str, ...]:
    """List the ``kind`` tags of a discriminated union of models, in the union's order.

    Args:
        union: An ``Annotated[A | B | ..., Field(discriminator="kind")]`` whose members are
            pydantic models, each with a ``kind`` field typed as a ``Literal``.

    Returns:
        Every value of every member's ``kind`` Literal: the tags pydantic accepts.
    """
    members = get_args(get_args(union)[0])
    return tuple(
        tag for member in members for tag in get_args(member.model_fields["kind"].annotation)
    )


#: The kinds of tie a world or a ``tie_create`` event may give, from the :data:`Tie` union.
TIE_KINDS: tuple[str, ...] = union_kinds(Tie)


class Document(Strict):
    """A source document."""

    file: str
    title: str


class Meta(Strict):
    """The world's name and the year it describes.

    A world file's ``[meta]`` may also name a ``base`` world that it adds to; the loader merges
    the two before this schema sees them (:func:`sim.loading.worlds.read_world_table`).
    """

    name: str
    year: int


class World(Strict):
    """The whole world file."""

    meta: Meta
    documents: dict[str, Document] = {}
    states: dict[str, State]
    theatres: dict[str, Theatre] = {}
    ties: list[Tie] = []
    model: dict[str, Figure]

    @model_validator(mode="after")
    def _references_exist(self) -> World:
        self._check_theatre_states()
        self._check_ties()
        self._check_supply_routes()
        self._check_figures()
        self._check_tie_evidence()
        self._check_model_parameters()
        return self

    def _check_state(self, where: str, name: str) -> None:
        """Raise ValueError unless ``name`` is a state of this world."""
        if name not in self.states:
            allowed = ", ".join(sorted(self.states))
            raise ValueError(f"{where}: unknown state {name!r}; allowed: {allowed}")

    def _check_theatre_states(self) -> None:
        """Every theatre's owner, holder and claimants are states."""
        for key, theatre in self.theatres.items():
            self._check_state(f"theatres.{key}.owner", theatre.owner)
            self._check_state(f"theatres.{key}.held_by", theatre.held_by)
            for claimant in theatre.claimants:
                self._check_state(f"theatres.{key}.claimants", claimant)

    def _check_ties(self) -> None:
        """Tie ids are unique; ties join two different states; alliances name theatres."""
        seen: set[str] = set()
        for i, tie in enumerate(self.ties):
            if tie.id in seen:
                raise ValueError(f"ties[{i}].id: duplicate tie id {tie.id!r}")
            seen.add(tie.id)
            for a, b in tie.pairs():
                self._check_state(f"ties[{i}] ({tie.id})", a)
                self._check_state(f"ties[{i}] ({tie.id})", b)
                if a == b:
                    raise ValueError(f"ties[{i}] ({tie.id}): a tie needs two different states")
            if isinstance(tie, AllianceTie):
                for theatre in tie.theatres:
                    if theatre not in self.theatres:
                        raise ValueError(f"ties[{i}].theatres: unknown theatre {theatre!r}")

    def _check_supply_routes(self) -> None:
        """Every ``supplied_via`` names a transit or border tie that reaches the actor."""
        by_id = {tie.id: tie for tie in self.ties}
        for name, state in self.states.items():
            for route in state.supplied_via:
                where = f"states.{name}.supplied_via"
                tie = by_id.get(route)
                if tie is None or tie.kind not in ("transit", "border"):
                    raise ValueError(f"{where}: {route!r} is not a transit or border tie")
                if name not in (tie.source, tie.target):
                    raise ValueError(f"{where}: tie {route!r} does not reach {name}")

    def _check_figures(self) -> None:
        """Every figure cites a known document and is finite, >= 0, and <= 1 for shares."""
        for where, figure in iter_figures(self):
            if figure.doc is not None and figure.doc not in self.documents:
                raise ValueError(f"{where}.doc: unknown document {figure.doc!r}")
            if not math.isfinite(figure.value) or figure.value < 0:
                raise ValueError(f"{where}: must be a finite number >= 0 (got {figure.value})")
            name = where.rsplit(".", 1)[1]
            if name in UNIT_INTERVAL_FIELDS and figure.value > 1:
                raise ValueError(f"{where}: must be between 0 and 1 (got {figure.value})")
            if name in POSITIVE_FIELDS and figure.value == 0:
                raise ValueError(f"{where}: must be above 0 (got {figure.value})")

    def _check_tie_evidence(self) -> None:
        """Every piece of tie evidence cites a known document."""
        for i, tie in enumerate(self.ties):
            for j, ev in enumerate(tie.evidence):
                if ev.doc not in self.documents:
                    raise ValueError(f"ties[{i}].evidence[{j}].doc: unknown document {ev.doc!r}")

    def _check_model_parameters(self) -> None:
        """The [model] table gives exactly the parameters of :data:`MODEL_PARAMETERS`."""
        for name in self.model:
            if name not in MODEL_PARAMETERS:
                raise ValueError(
                    f"model.{name}: unknown parameter{_did_you_mean(name, MODEL_PARAMETERS)}; "
                    f"allowed: {', '.join(MODEL_PARAMETERS)}"
                )
        missing = [name for name in MODEL_PARAMETERS if name not in self.model]
        if missing:
            raise ValueError(
                f"model: missing {', '.join(missing)}; every world gives all of "
                f"{', '.join(MODEL_PARAMETERS)} (the built-in world's [model] table has them all)"
            )

    def param(self, name: str) -> float:
        """Return the value of model parameter ``name``."""
        return self.model[name].value

    def tie(self, tie_id: str) -> Tie:
        """Return the tie with id ``tie_id`` (KeyError if none)."""
        for tie in self.ties:
            if tie.id == tie_id:
                return tie
        raise KeyError(tie_id)


def iter_figures(world: World) -> list[tuple[str, Figure]]:
    """List every figure in the world with its dotted path (as used by scenario overrides)."""
    found: list[tuple[str, Figure]] = []
    for name, state in world.states.items():
        found += [(f"states.{name}.{f}", v) for f, v in state if isinstance(v, Figure)]
    for name, theatre in world.theatres.items():
        found += [(f"theatres.{name}.{f}", v) for f, v in theatre if isinstance(v, Figure)]
    for tie in world.ties:
        found += [(f"ties.{tie.id}.{f}", v) for f, v in tie if isinstance(v, Figure)]
    found += [(f"model.{name}", v) for name, v in world.model.items()]
    return found


def _did_you_mean(name: str, known: tuple[str, ...]) -> str:
    """`` (did you mean 'x'?)`` for the closest known name, or ``""`` when none is close."""
    close = difflib.get_close_matches(name, known, n=1)
    return f" (did you mean {close[0]!r}?)" if close else ""
