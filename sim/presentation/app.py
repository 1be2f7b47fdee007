"""Classroom app: pick a scenario, move a lever, watch the network and the outcome change.

Run it with ``alliance-sim app`` (or ``solara run sim/presentation/app.py``). Every browser
tab gets its own scenario, settings and model: all state lives in ``use_reactive`` inside the
components (:func:`Page`, :func:`Main`), never at module level, so a class of students can
share one server.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import solara
from solara.toestand import Ref

from sim.loading.builtin import builtin_scenarios
from sim.loading.scenarios import LoadedScenario, load_scenario
from sim.model.model import AllianceModel
from sim.presentation.classroom import (
    MAX_ARMS_FACTOR,
    Settings,
    apply_settings,
    arms_ties,
    comparison_markdown,
    default_settings,
    event_switches,
    new_model,
    open_scenario,
    open_uploads,
    outcome_summary,
    stored_from_model,
)
from sim.presentation.live_view import (
    NETWORK_HEIGHT,
    WEEKLY_HEIGHT,
    Chart,
    network_option,
    weekly_option,
)
from sim.presentation.shared_runs import shared_comparison
from sim.schema.errors import InputError
from sim.schema.limits import MAX_FILE_BYTES

REPLICATES = 5
KEY = (
    "Circle area: military strength (the number under the name); red ring: fighting. "
    "Thicker lines: stronger ties. Arrows: supplier → recipient, attacker → defender."
)
# Large type for a projector at the back of a classroom.
CSS = """
.v-application, .v-label, .v-input, .v-btn, .v-select__selection { font-size: 20px !important; }
.v-application h1 { font-size: 40px; } .v-application h2 { font-size: 30px; }
.v-application li, .v-application p, .v-application td, .v-application th { font-size: 22px; }
.v-btn { min-height: 48px; }
.v-label { opacity: 1 !important; color: #111 !important; }
.v-application img { max-width: 100%; height: auto; }
.v-application h3 { font-size: 24px; font-weight: 600; margin-top: 12px; }
.event-switch .v-input__details { display: none; }
.event-switch .v-selection-control { min-height: 36px; }
"""


@solara.component
def Lever(
    label: str, value: float, on_value: Callable[[float], None], maximum: float = 1.0
) -> None:
    """One slider from 0 to ``maximum`` under its label, which carries the value."""
    # The label goes above, not beside: beside it, long labels squeeze the slider to a stub.
    with solara.Column(gap="0px"):
        solara.Text(label, style={"font-size": "20px"})
        solara.SliderFloat(
            "", value=value, on_value=on_value, min=0, max=maximum, step=0.05, thumb_label=False
        )


@solara.component
def Levers(loaded: LoadedScenario, settings: solara.Reactive[Settings]) -> None:
    """Sliders and switches; each change becomes the scenario's levers, overrides, events."""
    s = settings.value
    # Each handler changes the settings of the moment it is called (settings.value), not those
    # of this render (s): two quick moves must both count.

    def switch_of(setting: str, key: str) -> Callable[[bool], None]:
        def on_value(value: bool) -> None:
            now = settings.value
            changed = {**getattr(now, setting), key: value}
            settings.set(dataclasses.replace(now, **{setting: changed}))

        return on_value

    def commitment_of(state: str) -> Callable[[float], None]:
        def on_value(value: float) -> None:
            now = settings.value
            settings.set(dataclasses.replace(now, commitment={**now.commitment, state: value}))

        return on_value

    def arms_of(tie: str) -> Callable[[float], None]:
        def on_value(value: float) -> None:
            now = settings.value
            settings.set(dataclasses.replace(now, arms={**now.arms, tie: value}))

        return on_value

    def risk_of_all(value: float) -> None:
        every = dict.fromkeys(s.risk_appetite, value)
        settings.set(dataclasses.replace(settings.value, risk_appetite=every))

    def weight_of_all(value: float) -> None:
        every = dict.fromkeys(s.economic_weight, value)
        settings.set(dataclasses.replace(settings.value, economic_weight=every))

    solara.Markdown("### Events (switched on: it happens)")
    for switch in event_switches(loaded):
        solara.Switch(
            label=switch.label,
            value=bool(getattr(s, switch.setting).get(switch.key, False)),
            on_value=switch_of(switch.setting, switch.key),
            classes=["event-switch"],
        )
    solara.Markdown("### Honouring pledges (commitment)")
    for state in sorted(s.commitment):
        Lever(f"{state}: {s.commitment[state]:.2f}", s.commitment[state], commitment_of(state))
    solara.Markdown("### Arms support (× scenario volume)")
    for tie in arms_ties(loaded):
        factor = s.arms.get(tie.id, 1.0)
        Lever(
            f"{tie.source} → {tie.target}: {factor:.2f}×",
            factor,
            arms_of(tie.id),
            MAX_ARMS_FACTOR,
        )
    if s.risk_appetite:  # a world has states, but a page must not divide by zero if not
        solara.Markdown("### Every state")
        risk = sum(s.risk_appetite.values()) / len(s.risk_appetite)
        Lever(f"Risk appetite: {risk:.2f}", risk, risk_of_all)
        weight = sum(s.economic_weight.values()) / len(s.economic_weight)
        # Up to 3 (or the world's own weight, if larger): a slider never clamps a value.
        Lever(
            f"Weight of energy and trade ties: {weight:.2f}",
            weight,
            weight_of_all,
            max(3.0, weight),
        )


def read_drop(file: Any) -> tuple[str, bytes]:
    """Name and contents of a dropped file, reading no more than one byte past the limit.

    A file over :data:`~sim.schema.limits.MAX_FILE_BYTES` is refused by
    :func:`~sim.presentation.classroom.open_uploads` without being read to its end.
    """
    return str(file["name"]), file["file_obj"].read(MAX_FILE_BYTES + 1)


@dataclass(frozen=True)
class Shown:
    """What the page shows: a scenario, its settings, the last error line, two counters.

    ``load`` counts the scenarios loaded: each one (even the same file again) starts at week 0.
    ``drops`` counts the drops handled: each gives a fresh drop zone, since Solara's ignores a
    drop of files with the same names and sizes as the last (an edited file dropped again).
    """

    loaded: LoadedScenario
    settings: Settings
    error: str = ""
    load: int = 0
    drops: int = 0

    def then(self, found: LoadedScenario | None, message: str, *, drop: bool = False) -> Shown:
        """What the page shows next: ``found`` as it is, or this with the error ``message``."""
        drops = self.drops + int(drop)
        if found is None:
            return dataclasses.replace(self, error=message, drops=drops)
        return Shown(found, default_settings(found), message, self.load + 1, drops)


@solara.component
def Page() -> None:
    """The whole page: scenario picker and levers at the side; run, pictures and outcome."""
    solara.Style(CSS)
    solara.Title("alliance-sim classroom")
    builtin = builtin_scenarios()
    first = "classroom" if "classroom" in builtin else next(iter(builtin))
    # A built-in scenario that does not load is a broken installation: the error shows.
    start = solara.use_memo(lambda: load_scenario(builtin[first]), [])
    initial = solara.use_memo(lambda: Shown(start, default_settings(start)), [])
    # The scenario, its settings and the error line change together, in one update: a render
    # between two updates would apply one scenario's settings to another's world.
    shown = solara.use_reactive(initial)
    settings = Ref(shown.fields.settings)
    choice = solara.use_reactive(first)
    path_text = solara.use_reactive("")

    def show(found: LoadedScenario | None, message: str) -> None:
        shown.set(shown.value.then(found, message))

    def dropped(files: list[Any]) -> None:
        try:
            found, message = open_uploads([read_drop(file) for file in files])
        except OSError as exc:  # the browser went away in the middle of the upload
            found, message = None, f"(upload): could not read the dropped files: {exc}"
        shown.set(shown.value.then(found, message, drop=True))

    def pick(name: str) -> None:
        choice.set(name)
        show(*open_scenario(builtin[name]))

    with solara.Columns([1, 3]):
        with solara.Column():
            solara.Markdown("## Scenario")
            solara.Select(
                "Built-in scenario", values=list(builtin), value=choice.value, on_value=pick
            )
            solara.InputText("…or the path of a scenario file", value=path_text)
            solara.Button(
                "Load file",
                on_click=lambda: show(*open_scenario(path_text.value.strip())),
                outlined=True,
            )
            solara.FileDropMultiple(
                label="…or drop a scenario file here (with its world file, if it has its own)",
                on_file=dropped,
                lazy=True,
            ).key(f"drop-{shown.value.drops}")
            if shown.value.error:
                # solara.Error fails with this ipyvuetify (its text= flag); the plain Alert works.
                solara.v.Alert(type="error", children=[shown.value.error])
            Levers(shown.value.loaded, settings)
        # A new scenario gets a new Main (keyed by the load): its run starts at week 0.
        Main(shown.value.loaded, shown.value.settings).key(f"load-{shown.value.load}")


def run_to(loaded: LoadedScenario, weeks: int) -> AllianceModel:
    """A fresh model of replicate 0 stepped ``weeks`` weeks (the same seed gives the same run)."""
    model = new_model(loaded)
    for _ in range(weeks):
        model.step()
    return model


def checked(loaded: LoadedScenario, settings: Settings) -> tuple[LoadedScenario | None, str]:
    """The scenario with the settings applied and ``""``, or None and the one-line error."""
    try:
        return apply_settings(loaded, settings), ""
    except InputError as error:
        return None, str(error)


@solara.component
def Main(loaded: LoadedScenario, settings: Settings) -> None:
    """Step, run, reset; the network, the weekly plots, the outcome and the comparison."""
    sc = loaded.scenario
    # A setting the scenario file could not hold either is one line on the page, as a file is.
    applied, refused = solara.use_memo(lambda: checked(loaded, settings), [loaded, settings])
    # The page keeps the week, not the model: a moved slider replays the what-if to the same
    # week from the same seed, so the class sees the change at the moment they are looking at.
    week = solara.use_reactive(0)
    weeks = min(week.value, sc.steps)
    model = solara.use_memo(
        lambda: run_to(applied, weeks) if applied is not None else None, [applied, weeks]
    )
    # The comparison's Markdown table and the settings it was run for (None: not run yet).
    nothing: tuple[str, LoadedScenario | None] = ("", None)
    comparison = solara.use_reactive(nothing)

    # An empty question would be "****", which Markdown draws as a horizontal rule.
    solara.Markdown(f"# {sc.name}" + (f"\n**{sc.question}**" if sc.question.strip() else ""))
    if applied is None or model is None:
        solara.v.Alert(type="error", children=[refused])
        return
    what_if = applied

    def run_comparison() -> None:
        before = apply_settings(loaded, default_settings(loaded))
        table = shared_comparison(before, what_if, REPLICATES)  # one computation for all tabs
        comparison.set((comparison_markdown(table), what_if))

    with solara.Row(style={"align-items": "center"}):
        solara.Button("Step one week", on_click=lambda: week.set(weeks + 1), color="primary")
        solara.Button("Run to the end", on_click=lambda: week.set(sc.steps), color="primary")
        solara.Button("Reset", on_click=lambda: week.set(0), outlined=True)
        solara.Markdown(f"## Week {model.week} of {sc.steps}")
    stored = stored_from_model(applied, model)
    with solara.Columns([3, 2]):
        with solara.Column():
            Chart(network_option(stored), NETWORK_HEIGHT)
            solara.Markdown(KEY)
        with solara.Column():
            solara.Markdown("## What happened")
            lines = outcome_summary(applied, model) if model.week else ["Not started."]
            solara.Markdown("\n".join(f"- {line}" for line in lines))
    Chart(weekly_option(stored), WEEKLY_HEIGHT)
    solara.Markdown(f"## Before and after the what-if ({REPLICATES} runs each)")
    solara.Button("Compare with the scenario as it is", on_click=run_comparison, color="primary")
    table, for_settings = comparison.value
    if table and for_settings is applied:
        solara.Markdown(table)
