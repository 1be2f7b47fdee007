"""Classroom hub pages: the teacher runs a class session, students join and play states.

Run it with ``alliance-sim hub`` (or ``solara run sim/presentation/hub_app.py``). Three pages:
``/`` (who are you?), ``/teacher`` (open a class; the network, the class's choices, the clock,
the debrief) and ``/join`` (a student joins with the code and chooses for their state). Shared
state lives in one place, the registry :data:`sim.presentation.hub.HUB`; a page keeps only
which class (and which student) it is, in ``use_reactive``. Each page polls its class for
changes made by other browsers (:func:`use_class_changes`).
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable
from pathlib import Path

import solara

from sim.loading.builtin import builtin_scenarios
from sim.presentation.app import CSS
from sim.presentation.hub import (
    CODE_LENGTH,
    HUB,
    ClassSession,
    HubError,
    StudentView,
    TeacherView,
    chances,
    decision_words,
    option_words,
)
from sim.presentation.live_plot import stored_from_model
from sim.presentation.live_view import NETWORK_HEIGHT, Chart, Option, network_option
from sim.presentation.page_text import Bullets, Grid, Heading, Paragraph
from sim.presentation.uploads import open_scenario

#: Set by ``alliance-sim hub``: the scenario file the teacher's form offers first.
SCENARIO_VARIABLE = "ALLIANCE_SIM_HUB_SCENARIO"
#: How often a page looks for changes made by other browsers (seconds).
POLL_SECONDS = 0.5
HUB_CSS = (
    CSS
    + """
.join-code { font-size: 72px; font-weight: 700; letter-spacing: 12px; }
.v-application table { border-collapse: collapse; }
.v-application td, .v-application th { padding: 4px 14px; border-bottom: 1px solid #ccc; }
"""
)


@solara.component
def Layout(children: list[solara.Element]) -> solara.Element:
    """Every page: large type, no navigation bar (a student has no business on /teacher)."""
    style = {"padding": "24px", "max-width": "1600px"}
    return solara.Column(children=[solara.Style(HUB_CSS), *children], style=style)


def use_class_changes(session: ClassSession | None) -> None:
    """Render again when the class changes (another browser chose, the week advanced).

    It also runs the class's timer, so the timer keeps time while any page of the class is
    open (the teacher's or a student's), and renders every second while a timer runs so that
    the countdown moves.
    """
    _, set_seen = solara.use_state((-1, -1))

    def watch(cancel: threading.Event) -> None:
        while session is not None and not cancel.wait(POLL_SECONDS):
            session.tick()
            left = session.seconds_left()
            set_seen((session.version, -1 if left is None else int(left)))

    solara.use_thread(watch, [session], intrusive_cancel=False)


def error_line(message: str) -> None:
    """One line of red text (solara.Error fails with this ipyvuetify; the plain Alert works)."""
    if message:
        error_alert(message)


def error_alert(message: str) -> solara.Element:
    """The red line of :func:`error_line`, as an element a page can give a key."""
    return solara.v.Alert(type="error", children=[message])


def clock_text(week: int, steps: int, paused: bool, seconds_left: float | None) -> str:
    """``Week 3 of 8``, and the timer or the pause."""
    text = f"Week {week} of {steps}" if week < steps else f"Week {week} of {steps}: the end"
    if paused:
        return f"{text} (paused)"
    return text if seconds_left is None else f"{text} ({seconds_left:.0f} s left)"


@solara.component
def Home() -> None:
    """Who are you: the teacher opens a class, a student joins one."""
    solara.Title("alliance-sim class")
    Heading("alliance-sim: play the states", 1)
    with solara.Row():
        with solara.Link("/join"):
            solara.Button("I am a student: join a class", color="primary")
        with solara.Link("/teacher"):
            solara.Button("I am the teacher: open a class", outlined=True)


# --- the teacher -------------------------------------------------------------------------------
def scenario_choices() -> dict[str, str]:
    """Scenarios the teacher may open: the one ``alliance-sim hub`` was given, then built-ins."""
    choices = {name: str(path) for name, path in builtin_scenarios().items()}
    given = os.environ.get(SCENARIO_VARIABLE, "")
    if given:
        choices = {Path(given).stem: given, **choices}
    return choices


@solara.component
def TeacherPage() -> None:
    """Open a class, then run it."""
    solara.Title("alliance-sim class: teacher")
    code = solara.use_reactive("")
    if code.value:
        try:
            session = HUB.get(code.value)
        except HubError:
            code.set("")
            return
        TeacherClass(session, on_close=lambda: code.set(""))
    else:
        OpenClass(on_open=code.set)


@solara.component
def OpenClass(on_open: Callable[[str], None]) -> None:
    """The teacher's form: scenario, students per state, timer, debrief runs."""
    choices = scenario_choices()
    scenario = solara.use_reactive(next(iter(choices)))
    team = solara.use_reactive(1)
    seconds = solara.use_reactive(0)
    runs = solara.use_reactive(20)
    error = solara.use_reactive("")

    def open_class() -> None:
        loaded, message = open_scenario(choices[scenario.value])
        if loaded is None:
            error.set(message)
            return
        timer = float(seconds.value) if seconds.value > 0 else None
        try:
            session = HUB.open(
                loaded, team_size=team.value, seconds_per_week=timer, replicates=runs.value
            )
        except HubError as refused:
            error.set(str(refused))
            return
        on_open(session.code)

    Heading("Open a class", 1)
    solara.Select("Scenario", values=list(choices), value=scenario)
    solara.InputInt("Students per state (a team shares one)", value=team)
    solara.InputInt("Seconds per week (0: no timer)", value=seconds)
    solara.InputInt("Model runs for the debrief", value=runs)
    solara.Button("Open the class", on_click=open_class, color="primary")
    error_line(error.value)


def network_picture(session: ClassSession) -> Option:
    """The network of ties as it stands this week, for the browser to draw."""
    with session.lock:
        stored = stored_from_model(session.loaded, session.model)
    return network_option(stored)


@solara.component
def TeacherClass(session: ClassSession, on_close: Callable[[], None]) -> None:
    """The teacher's view: the code, the clock and its controls, the network, the choices."""
    use_class_changes(session)
    view = session.for_teacher()
    picture = solara.use_memo(lambda: network_picture(session), [session, view.week])

    def close() -> None:
        HUB.close(session.code)
        on_close()

    Heading(session.loaded.scenario.name, 1)
    with solara.Row(style={"align-items": "center"}):
        solara.Text("Students: open /join on this server, class code", style={"font-size": "32px"})
        solara.Text(view.code, classes=["join-code"])
    with solara.Row(style={"align-items": "center"}):
        Heading(clock_text(view.week, view.steps, view.paused, view.seconds_left), 2)
        solara.Button("Next week", on_click=session.advance, color="primary")
        if view.paused:
            solara.Button("Resume", on_click=lambda: session.set_paused(False), outlined=True)
        else:
            solara.Button("Pause", on_click=lambda: session.set_paused(True), outlined=True)
        solara.Switch(
            label="Next week when every student has chosen",
            value=view.auto_advance,
            on_value=session.set_auto_advance,
        )
    with solara.Columns([3, 2]):
        with solara.Column():
            Chart(picture, NETWORK_HEIGHT)
        with solara.Column():
            Heading("The class this week", 2)
            Grid(("state", "held by", "this week"), states_table(session.states, view))
            Heading("What happened", 2)
            story = view.story or ["Not started."]
            Bullets(story)
    # Keyed: the history appears after the first pick, and the debrief (which keeps whether
    # the teacher asked for it) must not be built anew below it.
    if view.history:
        Heading("The class's choices", 2).key("history-heading")
        Grid(("week", "state", "chose", "by"), history_table(view)).key("history")
    Debrief(session, view.week >= view.steps).key("debrief")
    solara.Button("Close the class", on_click=close, outlined=True).key("close")


def states_table(states: list[str], view: TeacherView) -> list[tuple[str, str, str]]:
    """One row per state: who holds it, and what they chose this week (or that they choose)."""
    rows = []
    for state in states:
        holders = ", ".join(view.held.get(state, [])) or "the model"
        if state not in view.held:
            status = "the model decides"
        elif state in view.waiting_for:
            status = "choosing…"
        elif state in view.picks:
            status = "; ".join(view.picks[state].values())
        else:
            status = "nothing to decide"
        rows.append((state, holders, status))
    return rows


def history_table(view: TeacherView) -> list[tuple[str, str, str, str]]:
    """The class's picks, week by week."""
    return [(str(p.week), p.state, p.words, p.by) for p in view.history]


@solara.component
def Debrief(session: ClassSession, finished: bool) -> None:
    """The class against the model's own runs: shown at the end, or when the teacher asks."""
    asked = solara.use_reactive(False)
    Heading("Debrief", 2)
    if not (finished or asked.value):
        solara.Button(
            "Compare the class with the model so far",
            on_click=lambda: asked.set(True),
            outlined=True,
        )
        return
    report = session.debrief()
    Paragraph(
        f"Your class against the model's agents playing every state, {report.replicates} runs "
        f"of the same scenario over the same {report.weeks} weeks."
    )
    Grid(report.header(), report.rows())
    Bullets(report.sentences())


# --- a student -----------------------------------------------------------------------------------
@solara.component
def JoinPage() -> None:
    """Join a class with its code, then choose for your state each week."""
    solara.Title("alliance-sim class: student")
    joined = solara.use_reactive(("", ""))  # (class code, student key)
    code, key = joined.value
    if key:
        try:
            session = HUB.get(code)
            session.student(key)
        except HubError as gone:
            error_line(f"{gone}")
            solara.Button("Join again", on_click=lambda: joined.set(("", "")), color="primary")
            return
        StudentClass(session, key, on_leave=lambda: joined.set(("", "")))
    else:
        JoinForm(on_join=lambda code, key: joined.set((code, key)))


def find_class(code: str) -> tuple[ClassSession | None, str]:
    """The class with this code, or None and why not (nothing yet while the code is short)."""
    if len("".join(code.split())) < CODE_LENGTH:
        return None, ""
    try:
        return HUB.get(code), ""
    except HubError as refused:
        return None, str(refused)


@solara.component
def JoinForm(on_join: Callable[[str, str], None]) -> None:
    """Class code and name, then a free state to hold."""
    code = solara.use_reactive("")
    name = solara.use_reactive("")
    error = solara.use_reactive("")
    Heading("Join a class", 1)
    solara.InputText("Class code (on the projector)", value=code, continuous_update=True)
    solara.InputText("Your name", value=name, continuous_update=True)
    session, refused = find_class(code.value)
    use_class_changes(session)  # a hook: called on every render, with or without a class
    error_line(refused)
    if session is not None:
        Heading("Choose a state", 2)
        with solara.Row():
            for state in session.states:
                holders = session.holders(state)
                taken = len(holders) >= session.team_size
                text = f"{state} ({', '.join(holders)})" if holders else state

                def join(state: str = state) -> None:
                    try:
                        on_join(session.code, session.join(name.value, state))
                    except HubError as refused:
                        error.set(str(refused))

                solara.Button(text, on_click=join, disabled=taken, color="primary")
    error_line(error.value)


@solara.component
def StudentClass(session: ClassSession, key: str, on_leave: Callable[[], None]) -> None:
    """A student's view: their state's decisions this week, the public picture."""

    def leave() -> None:
        session.leave(key)
        on_leave()

    use_class_changes(session)
    # The last click's error line, and a count of clicks: a click shows its pick at once,
    # without waiting for the next look at the class.
    clicked = solara.use_reactive(("", 0))

    def after_pick(message: str) -> None:
        clicked.set((message, clicked.value[1] + 1))

    try:
        view = session.for_student(key)
    except HubError as gone:
        error_line(str(gone))
        return
    team = (
        f" (with {', '.join(n for n in view.team if n != view.name)})" if len(view.team) > 1 else ""
    )
    # Keys on the children: lines come and go (the choices, an error, "Still choosing"), and
    # children matched by place would be built anew below them at every such change.
    Heading(f"You are {view.state}{team}", 1).key("state")
    Heading(clock_text(view.week, view.steps, view.paused, view.seconds_left), 2).key("clock")
    if view.week >= view.steps:
        Paragraph("The class has played every week: look at the debrief on the projector.").key(
            "over"
        )
    elif not view.decisions:
        Paragraph(f"{view.state} has nothing to decide this week.").key("nothing")
    else:
        Choices(session, key, view, on_pick=after_pick).key("choices")
    if clicked.value[0]:
        error_alert(clicked.value[0]).key("error")
    if view.waiting_for:
        Paragraph(f"Still choosing: {', '.join(view.waiting_for)}.").key("waiting")
    Heading("What happened", 2).key("happened")
    story = view.story or ["Not started."]
    Bullets(story).key("story")
    held = ", ".join(f"{state}: {', '.join(names)}" for state, names in view.held.items())
    others = " The model plays the others." if len(view.held) < len(session.states) else ""
    Paragraph(f"Held by the class: {held}.{others}").key("held")
    solara.Button("Leave the class", on_click=leave, outlined=True).key("leave")


@solara.component
def Choices(
    session: ClassSession, key: str, view: StudentView, on_pick: Callable[[str], None]
) -> None:
    """One row of buttons per decision; the model's agent's utility and chance under each.

    ``on_pick`` gets the error line of each click (empty if the pick was taken).
    """
    for decision in view.decisions:
        Heading(decision_words(decision), 3)
        odds = chances(session.model, decision)
        with solara.Row(style={"flex-wrap": "wrap"}):
            for index, option in enumerate(decision.options):
                picked = view.picks.get(decision.key) == option.label()

                def pick(label: str = option.label(), which: str = decision.key) -> None:
                    try:
                        session.submit(key, {which: label})
                        on_pick("")
                    except HubError as refused:
                        on_pick(str(refused))

                with solara.Column(gap="2px", style={"align-items": "center"}):
                    words = option_words(decision, index)
                    solara.Button(
                        words,
                        on_click=pick,
                        color="primary",
                        outlined=not picked,
                        classes=["picked"] if picked else [],
                    )
                    solara.Text(
                        f"model: utility {decision.utilities[index]:+.2f}, "
                        f"picks it {100 * odds[index]:.0f}%",
                        style={"font-size": "16px"},
                    )
        # Always a line here: a line that came and went would shift the buttons below it,
        # and the page would rebuild them under the student's next click.
        if decision.key in view.picks:
            Paragraph(f"Chosen by {view.picked_by}; you can change it until the week is played.")
        else:
            Paragraph("Not chosen yet: if the week is played first, the model decides.")


routes = [
    solara.Route(path="/", component=Home, label="alliance-sim class", layout=Layout),
    solara.Route(path="teacher", component=TeacherPage, label="teacher"),
    solara.Route(path="join", component=JoinPage, label="join"),
]
