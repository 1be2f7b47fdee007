"""Classroom what-ifs: slider settings applied to a scenario, replicates, outcomes in words.

Pure functions behind the browser app (:mod:`sim.presentation.app`) and the notebooks. A
setting never changes the model: it becomes scenario levers, overrides and events, exactly what
a scenario file could say, so a what-if in class is a scenario a student could write down.

This module holds the settings, the switches and how they apply; the rest is by topic, its
public names importable from here too: :mod:`.uploads` (opening scenario files and dropped
uploads), :mod:`.account` (a run in plain sentences, two settings compared) and
:mod:`.live_plot` (figures of a live run).
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Literal

from sim.experiments.run import build_model
from sim.loading.scenarios import LoadedScenario, with_changes
from sim.model.model import AllianceModel
from sim.model.rules import dated_status
from sim.presentation.account import compare, comparison_markdown, outcome_summary
from sim.presentation.live_plot import live_figure, network_now, stored_from_model
from sim.presentation.uploads import open_scenario, open_upload, open_uploads
from sim.schema.errors import InputError
from sim.schema.scenario import Distraction, Event, TieChange
from sim.schema.world import ArmsTie, Tie

__all__ = [
    "DISTRACTION_LEVEL",
    "MAX_ARMS_FACTOR",
    "Settings",
    "Switch",
    "SwitchSetting",
    "apply_settings",
    "arms_ties",
    "compare",
    "comparison_markdown",
    "default_settings",
    "event_switches",
    "live_figure",
    "network_now",
    "new_model",
    "open_scenario",
    "open_upload",
    "open_uploads",
    "outcome_summary",
    "stored_from_model",
    "supply_routes",
    "switch_is_on",
    "with_switch",
]

#: How much of a state's capability its "busy elsewhere" switch ties down, unless the scenario
#: already has it busy (then its own level stays).
DISTRACTION_LEVEL = 0.5
#: Largest arms multiplier: three times the scenario's volume.
MAX_ARMS_FACTOR = 3.0
#: The settings an on/off switch sets: a state busy elsewhere, an arms tie's deliveries, or an
#: actor's supply route open.
SwitchSetting = Literal["distracted", "arms", "routes"]


@dataclass(frozen=True)
class Settings:
    """What the sliders and switches of the app say.

    Attributes:
        commitment: Per state, how far it honours its pledges (0-1).
        risk_appetite: Per state, tolerance of war risk (0-1).
        economic_weight: Per state, weight of energy and trade ties (0-10).
        arms: Per arms tie id, a multiplier (0-3) of the scenario's volume. 0 is no deliveries
            at all: the tie is cut in week 0 (a ``tie_cut`` event), as its switch turned off.
        distracted: Per state, whether it is busy elsewhere (a ``distraction`` event).
        routes: Per supply route (a tie an actor's supplies come through), whether it is open;
            closed is a blockade from week 0 (a ``tie_suspend`` event).
    """

    commitment: dict[str, float] = field(default_factory=dict)
    risk_appetite: dict[str, float] = field(default_factory=dict)
    economic_weight: dict[str, float] = field(default_factory=dict)
    arms: dict[str, float] = field(default_factory=dict)
    distracted: dict[str, bool] = field(default_factory=dict)
    routes: dict[str, bool] = field(default_factory=dict)


@dataclass(frozen=True)
class Switch:
    """One on/off switch of the page.

    Attributes:
        setting: The :class:`Settings` field it sets (``"distracted"``, ``"arms"``, ``"routes"``).
        key: The state, arms tie id or supply route id it acts on, a key of that field.
        label: What happens while it is on, in words (every switch: on = it happens).
    """

    setting: SwitchSetting
    key: str
    label: str


def _in_force(loaded: LoadedScenario) -> list[Tie]:
    """The world's ties in force in the scenario's year (its start), in world order."""
    year = loaded.scenario.year or loaded.world.meta.year
    return [t for t in loaded.world.ties if dated_status(t.since, t.until, year) == "active"]


def arms_ties(loaded: LoadedScenario) -> list[ArmsTie]:
    """Arms ties in force in the scenario's year (its start), in world order."""
    return [tie for tie in _in_force(loaded) if isinstance(tie, ArmsTie)]


def event_switches(loaded: LoadedScenario) -> list[Switch]:
    """The on/off switches of a scenario's world: states busy elsewhere, arms, supply routes.

    One switch per state of the world (in name order), one per arms tie in force in the
    scenario's year and one per supply route in force then (in world order), so a switch never
    names a state or tie the world lacks. Each label says what happens while the switch is on;
    every switch has that one sense.
    """
    busy = [
        Switch("distracted", state, f"{state} busy elsewhere")
        for state in sorted(loaded.world.states)
    ]
    arms = [
        Switch("arms", tie.id, f"{tie.source} → {tie.target} arms deliveries")
        for tie in arms_ties(loaded)
    ]
    routes = [
        Switch("routes", tie.id, f"{tie.source} → {tie.target} supply route open")
        for tie in supply_routes(loaded)
    ]
    return busy + arms + routes


def switch_is_on(settings: Settings, switch: Switch) -> bool:
    """Whether ``switch`` is on: its state busy elsewhere, or its arms tie delivering (above 0×)."""
    if switch.setting == "arms":
        return settings.arms.get(switch.key, 1.0) > 0
    if switch.setting == "routes":
        return bool(settings.routes.get(switch.key, True))
    return bool(settings.distracted.get(switch.key, False))


def with_switch(settings: Settings, switch: Switch, on: bool) -> Settings:
    """The settings with ``switch`` turned on or off.

    An arms switch and its slider are one setting: off is 0×; on is 1× (the scenario's volume)
    when it was off, and leaves a volume above 0 as it is.
    """
    if switch.setting == "arms":
        factor = settings.arms.get(switch.key, 1.0)
        factor = (factor or 1.0) if on else 0.0
        return replace(settings, arms={**settings.arms, switch.key: factor})
    if switch.setting == "routes":
        return replace(settings, routes={**settings.routes, switch.key: on})
    return replace(settings, distracted={**settings.distracted, switch.key: on})


def supply_routes(loaded: LoadedScenario) -> list[Tie]:
    """Ties some actor's supplies come through (``supplied_via``), in force at the start."""
    routes = {route for state in loaded.world.states.values() for route in state.supplied_via}
    return [tie for tie in _in_force(loaded) if tie.id in routes]


def _is_cut(event: Event, tie: str) -> bool:
    """Whether ``event`` stops ``tie`` from week 0 (a suspension or a cut)."""
    return (
        isinstance(event, TieChange)
        and event.tie == tie
        and event.step == 0
        and event.kind in ("tie_suspend", "tie_cut")
    )


def _is_busy(event: Event, state: str) -> bool:
    """Whether ``event`` is a distraction of ``state`` (of any level)."""
    return isinstance(event, Distraction) and event.state == state


def default_settings(loaded: LoadedScenario) -> Settings:
    """The settings that leave a scenario as it is: its levers, volumes and events.

    A state is ``distracted`` if the scenario has it busy elsewhere at some level above 0; an
    arms tie is at 0× if the scenario suspends or cuts it in week 0, else at 1×; a supply
    route is closed if the scenario suspends or cuts it in week 0, else open.

    Args:
        loaded: A loaded scenario.

    Returns:
        Settings whose :func:`apply_settings` gives back the same world and timeline.
    """
    states = loaded.world.states
    events = loaded.scenario.events
    return Settings(
        commitment={s: st.commitment.value for s, st in states.items()},
        risk_appetite={s: st.risk_appetite.value for s, st in states.items()},
        economic_weight={s: st.economic_weight.value for s, st in states.items()},
        arms={
            tie.id: 0.0 if any(_is_cut(e, tie.id) for e in events) else 1.0
            for tie in arms_ties(loaded)
        },
        distracted={
            s: any(isinstance(e, Distraction) and e.state == s and e.level > 0 for e in events)
            for s in sorted(states)
        },
        routes={
            tie.id: not any(_is_cut(e, tie.id) for e in events) for tie in supply_routes(loaded)
        },
    )


def _check_keys(loaded: LoadedScenario, settings: Settings) -> None:
    """Every state and tie the switches and arms sliders name is one the page offers."""
    allowed = {
        "distracted": sorted(loaded.world.states),
        "arms": [tie.id for tie in arms_ties(loaded)],
        "routes": [tie.id for tie in supply_routes(loaded)],
    }
    what_of = {"distracted": "state", "arms": "arms tie in force", "routes": "supply route"}
    for setting, names in allowed.items():
        for key in getattr(settings, setting):
            if key not in names:
                what = what_of[setting]
                raise InputError(
                    loaded.path,
                    f"{setting}.{key}",
                    f"unknown {what} {key!r}; allowed: {', '.join(names) or 'none'}",
                )


def _events(loaded: LoadedScenario, settings: Settings) -> list[dict[str, object]]:
    """The scenario's timeline with the switches applied, as scenario-file tables.

    A state switched busy adds a ``distraction`` at :data:`DISTRACTION_LEVEL` in week 0 for the
    whole run; an arms tie at 0× adds a ``tie_cut`` in week 0, so nothing is delivered on it;
    a supply route switched closed adds a ``tie_suspend`` (a blockade) in week 0. A state
    switched calm, a tie the scenario stops in week 0 set above 0×, or a route it blocks in
    week 0 switched open, removes the scenario's events behind it. Settings left as the
    scenario has them change nothing.
    """
    base = default_settings(loaded)
    events = list(loaded.scenario.events)
    added: list[dict[str, object]] = []
    for state, busy in settings.distracted.items():
        if bool(busy) == base.distracted.get(state, False):
            continue
        # Off: the scenario's distractions of the state go. On: so do its level-0 ones (the
        # only ones it can have here), which would end the switch's distraction.
        events = [e for e in events if not _is_busy(e, state)]
        if busy:
            added.append(
                {"step": 0, "kind": "distraction", "state": state, "level": DISTRACTION_LEVEL}
            )
    for tie, factor in settings.arms.items():
        cut = float(factor) == 0.0
        if cut == (base.arms.get(tie, 1.0) == 0.0):
            continue
        if cut:
            added.append({"step": 0, "kind": "tie_cut", "tie": tie})
        else:
            events = [e for e in events if not _is_cut(e, tie)]
    for route, open_ in settings.routes.items():
        if bool(open_) == base.routes.get(route, True):
            continue
        if open_:
            events = [e for e in events if not _is_cut(e, route)]
        else:
            added.append({"step": 0, "kind": "tie_suspend", "tie": route})
    # Added events go first: at week 0 they set the stage before any offensive of that week.
    return added + [e.model_dump(exclude_none=True) for e in events]


def apply_settings(loaded: LoadedScenario, settings: Settings) -> LoadedScenario:
    """Return the scenario with the app's settings as levers, overrides and events.

    Args:
        loaded: A loaded scenario (its world already has the file's levers and overrides).
        settings: Slider and switch values; states or ties not named keep the scenario's value.

    Returns:
        A new :class:`LoadedScenario`; ``loaded`` is not changed.

    Raises:
        InputError: if a setting is out of range (a commitment above 1, an arms multiplier
            above 3) or names a state or arms tie the page does not offer, naming the scenario
            file and the field. Levers, overrides and events (the switches' too) go through
            :func:`sim.loading.scenarios.with_changes`, so they get exactly the checks a
            scenario file gets.
    """
    _check_keys(loaded, settings)
    sc = loaded.scenario
    levers = {name: lv.model_dump(exclude_none=True) for name, lv in sc.levers.items()}
    for lever in ("commitment", "risk_appetite", "economic_weight"):
        for state, value in getattr(settings, lever).items():
            levers.setdefault(state, {})[lever] = float(value)
    overrides = dict(sc.overrides)
    for tie in arms_ties(loaded):
        factor = float(settings.arms.get(tie.id, 1.0))
        if not 0 <= factor <= MAX_ARMS_FACTOR:
            raise InputError(
                loaded.path, f"arms.{tie.id}", f"must be 0 to {MAX_ARMS_FACTOR} (got {factor})"
            )
        # 0x is no deliveries: a cut (see _events), the scenario's own volume left as it is.
        if factor not in (0.0, 1.0):
            overrides[f"ties.{tie.id}.volume_usd_m"] = factor * tie.volume_usd_m.value
    events = _events(loaded, settings)
    return with_changes(loaded, levers=levers, overrides=overrides, events=events)


def new_model(loaded: LoadedScenario, replicate: int = 0) -> AllianceModel:
    """A fresh model of one replicate at week 0 (:func:`sim.experiments.run.build_model`)."""
    return build_model(loaded, replicate)
