"""Class sessions of the classroom hub, without a browser: joining, choosing, the clock, debrief."""

from __future__ import annotations

import threading
from functools import cache
from typing import Any

import ipyvuetify as v
import pytest
import solara

from sim.loading.builtin import builtin_scenarios
from sim.loading.scenarios import LoadedScenario, load_scenario
from sim.presentation import hub as hub_module
from sim.presentation import hub_app
from sim.presentation.cli import EXIT_BAD_INPUT, main
from sim.presentation.debrief import Debrief, Outcome
from sim.presentation.hub import (
    ClassSession,
    Hub,
    HubError,
    chances,
    decision_words,
    option_words,
)
from sim.schema.limits import CLASS_IDLE_HOURS

WAR = "war:Azerbaijan-Armenia@karabakh"


@cache
def classroom() -> LoadedScenario:
    return load_scenario(builtin_scenarios()["classroom"])


def session(**options: Any) -> ClassSession:
    return Hub().open(classroom(), **options)


def at_war(s: ClassSession) -> None:
    """Play the quiet week 0, after which Azerbaijan's offensive is under way."""
    s.advance(now=0.0)
    assert s.model.active_wars()


def one_line(error: pytest.ExceptionInfo[HubError]) -> str:
    text = str(error.value)
    assert "\n" not in text
    return text


# --- the registry ----------------------------------------------------------------------------
def test_a_code_finds_its_session_typed_in_any_case() -> None:
    hub = Hub()
    first, second = hub.open(classroom()), hub.open(classroom())
    assert first.code != second.code and len(first.code) == 4
    assert hub.get(f" {first.code.lower()} ") is first
    assert hub.get(second.code) is second


def test_a_bad_code_is_one_line() -> None:
    with pytest.raises(HubError) as refused:
        Hub().get("zzzz")
    assert one_line(refused) == "no class has the code 'ZZZZ'; check it on the projector"


def test_a_class_idle_for_hours_gives_up_its_place_to_a_new_one() -> None:
    hub = Hub(limit=2)
    idle, busy = hub.open(classroom()), hub.open(classroom())
    ani = idle.join("Ani", "Armenia")
    idle.touched -= CLASS_IDLE_HOURS * 3600 + 1  # nothing changed in the idle class since then
    with pytest.raises(HubError, match="students per state"):
        hub.open(classroom(), team_size=0)  # refused: the idle class stays open
    assert hub.get(idle.code) is idle
    third = hub.open(classroom())
    assert hub.get(busy.code) is busy and hub.get(third.code) is third
    with pytest.raises(HubError, match="no class has the code"):
        hub.get(idle.code)
    with pytest.raises(HubError, match="the teacher has closed this class"):
        idle.for_student(ani)


def test_the_hub_holds_a_bounded_number_of_sessions() -> None:
    hub = Hub(limit=2)
    first = hub.open(classroom())
    hub.open(classroom())
    with pytest.raises(HubError, match="2 classes are open already"):
        hub.open(classroom())
    ani = first.join("Ani", "Armenia")
    hub.close(first.code)
    hub.open(classroom())
    with pytest.raises(HubError, match="no class has the code"):
        hub.get(first.code)
    with pytest.raises(HubError, match="the teacher has closed this class"):
        first.for_student(ani)


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"team_size": 0}, "students per state must be 1 to 6 (got 0)"),
        ({"replicates": 1000}, "debrief runs must be 1 to 200 (got 1000)"),
        ({"seconds_per_week": -5.0}, "seconds per week must be above 0 (got -5.0)"),
    ],
)
def test_bad_session_settings_are_refused(options: dict[str, object], message: str) -> None:
    with pytest.raises(HubError) as refused:
        session(**options)
    assert one_line(refused) == message


# --- joining ---------------------------------------------------------------------------------
def test_a_taken_state_is_refused_and_the_free_ones_named() -> None:
    s = session()
    s.join("Ani", "Armenia")
    with pytest.raises(HubError) as refused:
        s.join("Bob", "Armenia")
    assert one_line(refused) == (
        "Armenia is taken by Ani; free: Azerbaijan, Iran, Israel, Russia, Turkey"
    )


def test_the_same_name_joining_again_gets_its_place_back() -> None:
    s = session()
    key = s.join("Ani", "Armenia")
    assert s.join(" Ani ", "Armenia") == key
    assert s.held() == {"Armenia": ["Ani"]}


def test_a_team_shares_a_state_up_to_its_size() -> None:
    s = session(team_size=2)
    s.join("Ani", "Armenia")
    s.join("Bob", "Armenia")
    with pytest.raises(HubError, match="Armenia is taken by Ani, Bob"):
        s.join("Cem", "Armenia")
    assert s.free_states() == ["Azerbaijan", "Iran", "Israel", "Russia", "Turkey"]


@pytest.mark.parametrize(
    ("name", "state", "message"),
    [
        ("", "Armenia", "a name must have 1 to 40 characters"),
        ("x" * 41, "Armenia", "a name must have 1 to 40 characters"),
        ("Ani", "Atlantis", "no state 'Atlantis'; choose one of: Armenia, Azerbaijan,"),
    ],
)
def test_bad_joins_are_one_line(name: str, state: str, message: str) -> None:
    with pytest.raises(HubError) as refused:
        session().join(name, state)
    assert one_line(refused).startswith(message)


def test_a_full_class_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(hub_module, "MAX_CLASS_STUDENTS", 2)
    s = session(team_size=3)
    s.join("Ani", "Armenia")
    s.join("Bob", "Armenia")
    with pytest.raises(HubError, match="the class is full"):
        s.join("Cem", "Iran")


def test_many_browsers_joining_at_once_never_share_a_state() -> None:
    s = session()
    joined: list[str] = []

    def try_all(student: int) -> None:
        for state in s.states:
            try:
                s.join(f"student {student}", state)
            except HubError:
                continue
            joined.append(state)
            return

    threads = [threading.Thread(target=try_all, args=(i,)) for i in range(20)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(joined) == s.states
    assert all(len(names) == 1 for names in s.held().values())


# --- choosing and the clock --------------------------------------------------------------------
def test_students_see_their_own_options_and_picks_only() -> None:
    s = session()
    ani, bob = s.join("Ani", "Armenia"), s.join("Bob", "Russia")
    at_war(s)
    russia = {WAR: "mediate", f"{WAR} arms": "abstain"}  # Russia also arms Armenia
    s.submit(bob, russia)
    mine = s.for_student(ani)
    assert [d.key for d in mine.decisions] == [WAR]
    assert [o.label() for o in mine.decisions[0].options] == ["continue", "settle"]
    assert mine.picks == {} and "mediate" not in repr(mine)
    assert mine.waiting_for == ["Armenia"]
    assert s.for_student(bob).picks == russia
    assert s.for_teacher().picks == {"Russia": {WAR: "Mediate", f"{WAR} arms": "No extra arms"}}


def test_a_bad_pick_is_one_line_and_changes_nothing() -> None:
    s = session()
    ani = s.join("Ani", "Armenia")
    at_war(s)
    with pytest.raises(HubError) as refused:
        s.submit(ani, {WAR: "attack"})
    assert one_line(refused) == f"Armenia: {WAR}: no option 'attack'; allowed: continue, settle"
    assert s.chosen == {} and s.model.chosen == {}


def test_the_week_advances_when_every_held_state_has_chosen() -> None:
    s = session()
    ani, aze = s.join("Ani", "Armenia"), s.join("Aza", "Azerbaijan")
    at_war(s)
    s.submit(ani, {WAR: "settle"})
    assert s.model.week == 1 and s.waiting_for() == ["Azerbaijan"]
    s.submit(aze, {WAR: "settle"})
    assert s.model.week == 2
    war = s.model.wars[0]
    assert war.outcome == "ceasefire" and war.end == 1  # both primaries settled: rule 7.11
    assert [(p.week, p.state, p.option, p.words, p.by) for p in s.history] == [
        (1, "Armenia", "settle", "Seek a ceasefire", "Ani"),
        (1, "Azerbaijan", "settle", "Seek a ceasefire", "Aza"),
    ]


def test_paused_or_switched_off_the_week_waits_for_the_teacher() -> None:
    s = session()
    ani = s.join("Ani", "Armenia")
    at_war(s)
    s.set_paused(True)
    s.submit(ani, {WAR: "continue"})
    assert s.model.week == 1 and s.everyone_chose()
    s.advance()
    assert s.model.week == 2
    s.set_paused(False)
    s.set_auto_advance(False)
    s.submit(ani, {WAR: "continue"})
    assert s.model.week == 2 and s.everyone_chose()


def test_the_timer_advances_the_week_unless_paused() -> None:
    s = session(seconds_per_week=30.0)
    s.join("Ani", "Armenia")
    at_war(s)  # the week began at time 0
    s.tick(now=29.0)
    assert s.model.week == 1 and s.seconds_left(now=29.0) == pytest.approx(1.0)
    s.set_paused(True)
    s.tick(now=100.0)
    assert s.model.week == 1 and s.seconds_left() is None
    s.set_paused(False, now=100.0)
    s.tick(now=130.0)
    assert s.model.week == 2


def test_a_student_who_leaves_hands_the_state_back_to_the_model() -> None:
    s = session()
    ani = s.join("Ani", "Armenia")
    at_war(s)
    s.set_paused(True)
    s.submit(ani, {WAR: "settle"})
    s.leave(ani)
    assert s.model.chosen == {} and s.held() == {}
    with pytest.raises(HubError, match="no longer in this class"):
        s.for_student(ani)


def test_nothing_is_chosen_after_the_last_week() -> None:
    s = session()
    ani = s.join("Ani", "Armenia")
    while not s.finished:
        s.advance()
    assert s.decisions("Armenia") == []
    with pytest.raises(HubError, match="played every week"):
        s.submit(ani, {})


# --- the debrief -------------------------------------------------------------------------------
def test_a_class_that_leaves_every_choice_to_the_model_is_its_first_run() -> None:
    s = session(replicates=6)
    s.join("Ani", "Armenia")
    while not s.finished:
        s.advance()
    report = s.debrief()
    assert report.weeks == 8 and report.replicates == 6
    for outcome in report.outcomes:
        assert len(outcome.runs) == 6
        assert outcome.class_value == outcome.runs[0], outcome.name


def test_the_debrief_sets_the_class_against_the_model_runs() -> None:
    s = session(replicates=10)
    ani, aze = s.join("Ani", "Armenia"), s.join("Aza", "Azerbaijan")
    at_war(s)
    s.submit(ani, {WAR: "settle"})
    s.submit(aze, {WAR: "settle"})
    while not s.finished:
        s.advance()
    report = s.debrief()
    names = [o.name for o in report.outcomes]
    assert names[:4] == ["a war", "weeks at war", "a ceasefire", "a capitulation"]
    assert "weeks Armenia chose settle" in names
    ceasefire = report.outcomes[2]
    yes = sum(1 for v in ceasefire.runs if v)
    assert ceasefire.class_value == 1.0
    assert f"| a ceasefire | yes | yes in {yes} of 10 |" in report.markdown()
    assert f"In your class's run a ceasefire came, as in {yes} of the model's 10 runs." in (
        report.sentences()
    )
    weeks = report.outcomes[1]
    assert weeks.class_value == 1.0  # the war was fought in week 0 only
    less = sum(1 for v in weeks.runs if v < 1.0)
    assert report.sentences()[1].startswith("Weeks at war: 1 in your class's run")
    assert less == 0


def test_the_debriefs_model_runs_hold_no_lock_and_follow_a_class_that_moved_on(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    s = session(replicates=3)
    s.join("Ani", "Armenia")
    s.advance()
    asked: list[int] = []
    free: list[bool] = []
    real = hub_module.model_runs

    def runs(loaded: LoadedScenario, weeks: int, replicates: int) -> list[Any]:
        asked.append(weeks)
        # Another page (another thread) can take the session's lock meanwhile ...
        got: list[bool] = []

        def take_the_lock() -> None:
            got.append(s.lock.acquire(timeout=5))
            if got[-1]:
                s.lock.release()

        other = threading.Thread(target=take_the_lock)
        other.start()
        other.join()
        free.append(got == [True])
        if len(asked) == 1:  # ... and move the class on to the next week
            mover = threading.Thread(target=s.advance, daemon=True)
            mover.start()
            mover.join(timeout=5)
        return real(loaded, weeks, replicates)

    monkeypatch.setattr(hub_module, "model_runs", runs)
    report = s.debrief()
    assert asked == [1, 2] and free == [True, True]
    assert report.weeks == 2 and s.debrief() is report


def test_the_timer_keeps_time_with_only_a_students_page_open() -> None:
    s = session(seconds_per_week=0.3)
    key = s.join("Ani", "Armenia")
    _, page = solara.render(hub_app.StudentClass(s, key, lambda: None), handle_error=False)
    try:
        waited = threading.Event()
        for _ in range(100):  # up to 10 s on a busy machine; the timer needs 0.3-0.8 s
            if s.model.week > 0:
                break
            waited.wait(0.1)
        assert s.model.week > 0
    finally:
        page.close()


def test_a_students_page_keeps_its_widgets_when_a_line_above_them_goes() -> None:
    """The 'Still choosing' line goes when the last state chooses: what is below it stays put.

    Reacton matches a component's children by place unless they carry keys; a line that came
    and went above the account would make it build the account and the buttons anew.
    """
    s = session()
    s.set_auto_advance(False)
    ani, aza = s.join("Ani", "Armenia"), s.join("Aza", "Azerbaijan")
    at_war(s)
    _, page = solara.render(hub_app.StudentClass(s, ani, lambda: None), handle_error=False)
    try:
        leave = page.find(v.Btn, children=["Leave the class"]).widget
        s.submit(ani, {WAR: "settle"})
        s.submit(aza, {WAR: "settle"})
        waited = threading.Event()
        for _ in range(100):
            texts = [w.children for w in page.find(v.Html).widgets]
            if not any("Still choosing" in str(t) for t in texts):
                break
            waited.wait(0.1)
        else:
            pytest.fail("the page still says that a state is choosing")
        assert page.find(v.Btn, children=["Leave the class"]).widget is leave
    finally:
        page.close()


# --- the command -------------------------------------------------------------------------------
def test_hub_command_serves_the_scenario_on_localhost_and_says_so(
    solara_servers: list[tuple[list[str], dict[str, str]]], capsys: pytest.CaptureFixture[str]
) -> None:
    calls = solara_servers
    assert main(["hub", "karabakh_2020", "--port", "8999"]) == 0
    ((command, env),) = calls
    assert command[command.index("--host") + 1] == "127.0.0.1"
    assert command[command.index("--port") + 1] == "8999"
    assert command[4].endswith("sim/presentation/hub_app.py")
    assert env["ALLIANCE_SIM_HUB_SCENARIO"] == str(builtin_scenarios()["karabakh_2020"].resolve())
    assert env["SOLARA_TELEMETRY_MIXPANEL_ENABLE"] == "False"
    out = capsys.readouterr().out
    assert "teacher: http://127.0.0.1:8999/teacher; students: http://127.0.0.1:8999/join" in out
    assert "--host 0.0.0.0 lets students join from the school network" in out


def test_hub_command_on_the_school_network(
    solara_servers: list[tuple[list[str], dict[str, str]]], capsys: pytest.CaptureFixture[str]
) -> None:
    calls = solara_servers
    assert main(["hub", "--host", "0.0.0.0"]) == 0
    ((command, env),) = calls
    assert command[command.index("--host") + 1] == "0.0.0.0"
    assert env["ALLIANCE_SIM_HUB_SCENARIO"].endswith("classroom.toml")
    assert "--host 0.0.0.0 lets" not in capsys.readouterr().out


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["hub", "no-such-scenario.toml"], "no-such-scenario.toml"),
        (["hub", "--port", "0"], "--port: must be 1 to 65535 (got 0)"),
    ],
)
def test_hub_command_bad_input_is_one_line(
    argv: list[str],
    message: str,
    solara_servers: list[tuple[list[str], dict[str, str]]],
    capsys: pytest.CaptureFixture[str],
) -> None:
    calls = solara_servers
    assert main(argv) == EXIT_BAD_INPUT
    (line,) = capsys.readouterr().err.splitlines()
    assert message in line and not calls


# --- options in words ---------------------------------------------------------------------------
def test_options_are_told_in_words_with_the_agent_s_chances() -> None:
    s = session()
    at_war(s)
    (posture, arms) = s.decisions("Russia")
    assert decision_words(posture) == "War: Azerbaijan against Armenia in karabakh"
    assert decision_words(arms) == "War (arms): Azerbaijan against Armenia in karabakh"
    assert [option_words(arms, i) for i in range(len(arms.options))] == [
        "No extra arms",
        "Surge arms to Armenia",
    ]
    words = [option_words(posture, i) for i in range(len(posture.options))]
    assert words[0] == "Stay out" and "Fight for Armenia against Azerbaijan" in words
    odds = chances(s.model, posture)
    assert sum(odds) == pytest.approx(1.0)
    best = max(range(len(odds)), key=odds.__getitem__)
    assert posture.utilities[best] == max(posture.utilities)


@pytest.mark.parametrize(
    ("outcome", "sentence"),
    [
        (
            Outcome("weeks at war", "weeks", 7.0, (4.0, 5.0, 6.0)),
            "Weeks at war: 7 in your class's run, more than in any of the model's 3 runs.",
        ),
        (
            Outcome("ground gained by A in t", "ground", -0.1, (0.0, 0.2)),
            "Ground gained by A in t: -10% in your class's run, less than in any of the "
            "model's 2 runs.",
        ),
        (
            Outcome("weeks at war", "weeks", 5.0, (4.0, 5.0, 6.0, 7.0)),
            "Weeks at war: 5 in your class's run; of the model's 4 runs, 1 had less, 2 more "
            "and 1 the same (median 5.5).",
        ),
        (
            Outcome("a ceasefire", "yes/no", 0.0, (1.0, 0.0, 0.0), "a truce", "no truce"),
            "In your class's run no truce, as in 2 of the model's 3 runs.",
        ),
    ],
)
def test_each_outcome_is_one_plain_sentence(outcome: Outcome, sentence: str) -> None:
    report = Debrief(8, len(outcome.runs), (outcome,))
    assert report.sentences() == [sentence]
    (row,) = report.markdown().splitlines()[2:]
    assert row.startswith(f"| {outcome.name} |")
