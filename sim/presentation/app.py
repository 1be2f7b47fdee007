"""Classroom app: pick a scenario, move a lever, watch the network and the outcome change.

Run it with ``alliance-sim app`` (or ``solara run sim/presentation/app.py``). Every browser
tab gets its own scenario, settings and model: all state lives in ``use_reactive`` inside the
components (:func:`Page`, :func:`Main`), never at module level, so a class of students can
share one server.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable

import matplotlib as mpl
import solara

from sim.loading.builtin import builtin_scenarios
from sim.loading.scenarios import LoadedScenario, load_scenario
from sim.model.model import AllianceModel
from sim.presentation.classroom import (
    MAX_ARMS_FACTOR,
    Settings,
    apply_settings,
    arms_ties,
    compare,
    comparison_markdown,
    default_settings,
    live_figure,
    network_now,
    new_model,
    open_scenario,
    open_upload,
    outcome_summary,
    stored_from_model,
)
from sim.presentation.plot_base import STYLE

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

    def distracted(value: bool) -> None:
        settings.set(dataclasses.replace(settings.value, russia_distracted=value))

    def drones(value: bool) -> None:
        settings.set(dataclasses.replace(settings.value, turkish_drones=value))

    def israel_cut(value: bool) -> None:
        settings.set(dataclasses.replace(settings.value, israel_cut=value))

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

    solara.Markdown("### Events")
    solara.Switch(
        label="Russia distracted elsewhere", value=s.russia_distracted, on_value=distracted
    )
    solara.Switch(label="Turkish drones and arms", value=s.turkish_drones, on_value=drones)
    solara.Switch(label="Israeli supplies cut", value=s.israel_cut, on_value=israel_cut)
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
    solara.Markdown("### Every state")
    risk = sum(s.risk_appetite.values()) / len(s.risk_appetite)
    Lever(f"Risk appetite: {risk:.2f}", risk, risk_of_all)
    weight = sum(s.economic_weight.values()) / len(s.economic_weight)
    Lever(f"Weight of energy and trade ties: {weight:.2f}", weight, weight_of_all, 3.0)


@solara.component
def Page() -> None:
    """The whole page: scenario picker and levers at the side; run, pictures and outcome."""
    solara.Style(CSS)
    solara.Title("alliance-sim classroom")
    builtin = builtin_scenarios()
    first = "classroom" if "classroom" in builtin else next(iter(builtin))
    # A built-in scenario that does not load is a broken installation: the error shows.
    initial = solara.use_memo(lambda: load_scenario(builtin[first]), [])
    loaded = solara.use_reactive(initial)
    settings = solara.use_reactive(default_settings(initial))
    choice = solara.use_reactive(first)
    path_text = solara.use_reactive("")
    error = solara.use_reactive("")

    def show(found: LoadedScenario | None, message: str) -> None:
        error.set(message)
        if found is not None:
            loaded.set(found)
            settings.set(default_settings(found))

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
            solara.FileDrop(
                label="…or drop a scenario file here",
                on_file=lambda file: show(*open_upload(file["name"], file["data"])),
                lazy=False,
            )
            if error.value:
                # solara.Error fails with this ipyvuetify (its text= flag); the plain Alert works.
                solara.v.Alert(type="error", children=[error.value])
            Levers(loaded.value, settings)
        # A new scenario gets a new Main (keyed by file and content): its run starts at week 0.
        Main(loaded.value, settings.value).key(f"{loaded.value.path}:{loaded.value.sha256}")


def run_to(loaded: LoadedScenario, weeks: int) -> AllianceModel:
    """A fresh model of replicate 0 stepped ``weeks`` weeks (the same seed gives the same run)."""
    model = new_model(loaded)
    for _ in range(weeks):
        model.step()
    return model


@solara.component
def Main(loaded: LoadedScenario, settings: Settings) -> None:
    """Step, run, reset; the network, the weekly plots, the outcome and the comparison."""
    sc = loaded.scenario
    applied = solara.use_memo(lambda: apply_settings(loaded, settings), [loaded, settings])
    # The page keeps the week, not the model: a moved slider replays the what-if to the same
    # week from the same seed, so the class sees the change at the moment they are looking at.
    week = solara.use_reactive(0)
    weeks = min(week.value, sc.steps)
    model = solara.use_memo(lambda: run_to(applied, weeks), [applied, weeks])
    # The comparison's Markdown table and the settings it was run for (None: not run yet).
    nothing: tuple[str, LoadedScenario | None] = ("", None)
    comparison = solara.use_reactive(nothing)

    def run_comparison() -> None:
        before = apply_settings(loaded, default_settings(loaded))
        comparison.set((comparison_markdown(compare(before, applied, REPLICATES)), applied))

    solara.Markdown(f"# {sc.name}\n**{sc.question}**")
    with solara.Row(style={"align-items": "center"}):
        solara.Button("Step one week", on_click=lambda: week.set(weeks + 1), color="primary")
        solara.Button("Run to the end", on_click=lambda: week.set(sc.steps), color="primary")
        solara.Button("Reset", on_click=lambda: week.set(0), outlined=True)
        solara.Markdown(f"## Week {model.week} of {sc.steps}")
    with mpl.rc_context(STYLE):
        stored = stored_from_model(applied, model)
        network = network_now(stored)
        network.supxlabel("")  # the key is written below the picture, in large type
        with solara.Columns([3, 2]):
            with solara.Column():
                solara.FigureMatplotlib(network, dpi=100, format="png")
                solara.Markdown(KEY)
            with solara.Column():
                solara.Markdown("## What happened")
                lines = outcome_summary(applied, model) if model.week else ["Not started."]
                solara.Markdown("\n".join(f"- {line}" for line in lines))
        solara.FigureMatplotlib(live_figure(stored), dpi=100, format="png")
    solara.Markdown(f"## Before and after the what-if ({REPLICATES} runs each)")
    solara.Button("Compare with the scenario as it is", on_click=run_comparison, color="primary")
    table, for_settings = comparison.value
    if table and for_settings is applied:
        solara.Markdown(table)
