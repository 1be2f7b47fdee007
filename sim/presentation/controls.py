"""The classroom page's controls and its Info panel: switches, sliders, and what they mean.

Every switch has one sense, "on = it happens" (a state busy elsewhere, an arms tie delivering,
a supply route open), and says so on its own line; an arms tie's switch and its slider are one
setting (off is 0×).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from typing import Any

import solara

from sim.loading.scenarios import LoadedScenario
from sim.presentation.classroom import (
    MAX_ARMS_FACTOR,
    Settings,
    Switch,
    arms_ties,
    event_switches,
    switch_is_on,
    with_switch,
)
from sim.presentation.page_text import Bullets, Heading, Paragraph


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
    """Switches and sliders; each change becomes the scenario's levers, overrides, events."""
    s = settings.value
    # Each handler changes the settings of the moment it is called (settings.value), not those
    # of this render (s): two quick moves must both count.

    def per_key(setting: str, key: str) -> Callable[[float], None]:
        def on_value(value: float) -> None:
            now = settings.value
            changed = {**getattr(now, setting), key: value}
            settings.set(dataclasses.replace(now, **{setting: changed}))

        return on_value

    def every(setting: str) -> Callable[[float], None]:
        def on_value(value: float) -> None:
            now = settings.value
            changed: dict[str, Any] = {setting: dict.fromkeys(getattr(now, setting), value)}
            settings.set(dataclasses.replace(now, **changed))

        return on_value

    def flip(switch: Switch) -> Callable[[bool], None]:
        def on_value(value: bool) -> None:
            settings.set(with_switch(settings.value, switch, value))

        return on_value

    Heading("Events: on = it happens", 3)
    for switch in event_switches(loaded):
        on = switch_is_on(s, switch)
        solara.Switch(
            label=f"{switch.label}: {'ON' if on else 'off'}",
            value=on,
            on_value=flip(switch),
            color="success",
            classes=["event-switch", "is-on" if on else "is-off"],
        )
    Heading("Honouring pledges (commitment)", 3)
    for state in sorted(s.commitment):
        value = s.commitment[state]
        Lever(f"{state}: {value:.2f}", value, per_key("commitment", state))
    Heading("Arms deliveries (× scenario volume; 0× = none)", 3)
    for tie in arms_ties(loaded):
        factor = s.arms.get(tie.id, 1.0)
        shown = f"{factor:.2f}×" + (" (none)" if factor == 0 else "")
        Lever(
            f"{tie.source} → {tie.target}: {shown}",
            factor,
            per_key("arms", tie.id),
            MAX_ARMS_FACTOR,
        )
    if s.risk_appetite:  # a world has states, but a page must not divide by zero if not
        Heading("Every state", 3)
        risk = sum(s.risk_appetite.values()) / len(s.risk_appetite)
        Lever(f"Risk appetite: {risk:.2f}", risk, every("risk_appetite"))
        weight = sum(s.economic_weight.values()) / len(s.economic_weight)
        # Up to 3 (or the world's own weight, if larger): a slider never clamps a value.
        Lever(
            f"Weight of energy and trade ties: {weight:.2f}",
            weight,
            every("economic_weight"),
            max(3.0, weight),
        )


#: The Info panel: what the model is, what each control does, what it cannot tell.
INFO = {
    "What this is": [
        "A simulation of the states around the South Caucasus and the ties between them: "
        "alliances and pledges, arms supplies, energy and trade, borders, rivalries.",
        "Each week every state looks at the wars and crises of the moment and picks what to "
        "do: stay out, show force, sanction, mediate, step up arms to a side, or join the "
        "fighting. Fighting moves the line in a contested area (a theatre).",
        "Some choices are drawn at random. One run is one possible history; 'New random run' "
        "draws another, and 'Compare' runs five of each to see what changes on average.",
    ],
    "What the controls do": [
        "Events (on = it happens): a state busy elsewhere has half its forces tied down for "
        "the whole run; an arms tie switched off delivers nothing from week 1 (the same as "
        "its slider at 0×); a supply route switched off is blocked from week 1, so the side "
        "it supplies gets nothing and weakens week by week.",
        "Honouring pledges: how far a state keeps its promises of help (0 never, 1 always).",
        "Arms deliveries: the yearly arms volume of a tie, times this factor.",
        "Risk appetite: how much war risk the states accept. Weight of energy and trade "
        "ties: how much a state's energy, transit and trade ties count in its choices.",
        "Weeks: week 0 is the start; week N shows what happened during the N-th week, in the "
        "text, the charts and the downloaded tables alike.",
    ],
    "What it cannot tell": [
        "It is a model with stated assumptions, not a forecast. The numbers behind it come "
        "from public sources, and many are judgements (docs/ODD.md lists each one).",
        "It knows only the states and ties in its world file, and leaves out domestic "
        "politics, economies and leaders' personalities.",
        "One run shows one possible course; compare many runs before drawing a conclusion.",
    ],
}


@solara.component
def Info() -> None:
    """The Info panel, folded until its button opens it: the model, its controls, its limits."""
    # Not solara.Details: with this ipyvuetify it fails (no ExpansionPanelHeader).
    shown = solara.use_reactive(False)
    solara.Button(
        "Hide the Info" if shown.value else "Info: what this model is and is not",
        on_click=lambda: shown.set(not shown.value),
        outlined=True,
        icon_name="mdi-information-outline",
    )
    if not shown.value:
        return
    with solara.Column(classes=["info"]):
        for title, lines in INFO.items():
            Heading(title, 3)
            Bullets(lines)
        Paragraph(
            "Read more in the teachers' guide (docs/teachers-guide.md) and the model's "
            "description (docs/ODD.md)."
        )
