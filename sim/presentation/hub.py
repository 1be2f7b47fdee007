"""Class sessions of the classroom hub: students hold states and choose their actions each week.

A teacher opens a :class:`ClassSession` of a scenario in the :class:`Hub` (the one registry of
open sessions, keyed by a short join code); students join it with the code, each holding one
state (or a team sharing one), and each week pick one option of every decision their state
faces (:meth:`sim.model.agents.StateAgent.decisions`). The model plays every state nobody
holds, and any decision a holder leaves open. The week advances when the teacher says so, when
every held state with a decision has chosen (unless paused), or when the teacher's timer runs
out. Every method takes the session's lock: the pages of many browsers call them at once.

Pure logic, no web pages: :mod:`sim.presentation.hub_app` shows it in the browser.
"""

from __future__ import annotations

import secrets
import threading
import time
from dataclasses import dataclass, field

from sim.experiments.run import build_model
from sim.loading.scenarios import LoadedScenario
from sim.model.agents import Decision
from sim.model.conflict import War
from sim.model.model import AllianceModel
from sim.model.rules import logit_probabilities
from sim.presentation.account import outcome_summary
from sim.presentation.debrief import Debrief, debrief, model_runs
from sim.presentation.live_plot import stored_from_model
from sim.schema.limits import (
    CLASS_IDLE_HOURS,
    MAX_CLASS_SESSIONS,
    MAX_CLASS_STUDENTS,
    MAX_DEBRIEF_REPLICATES,
    MAX_NAME_CHARS,
    MAX_TEAM,
)

#: Letters of a join code: no 0/O or 1/I/L to misread from a projector.
CODE_LETTERS = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"
CODE_LENGTH = 4


#: What each option does, in words for a student: ``{friend}`` is the side it helps,
#: ``{foe}`` the other.
OPTION_WORDS: dict[str, str] = {
    "abstain": "Stay out",
    "show_of_force": "Show force for {friend} against {foe}",
    "sanction": "Sanction {foe}",
    "intervene": "Fight for {friend} against {foe}",
    "mediate": "Mediate",
    "supply_arms": "Surge arms to {friend}",
    "continue": "Fight on",
    "settle": "Seek a ceasefire",
    "attack": "Attack {foe}",
    "hold": "Hold, mobilised",
    "stand_down": "Stand down",
}


def option_words(decision: Decision, index: int) -> str:
    """One option of a decision in words: ``Fight for Armenia against Azerbaijan``."""
    choice = decision.options[index]
    if decision.surge and choice.action == "abstain":
        return "No extra arms"
    return OPTION_WORDS[choice.action].format(friend=choice.beneficiary, foe=choice.opponent)


def decision_words(decision: Decision) -> str:
    """What a decision is about, in words: ``War: Azerbaijan against Armenia in karabakh``."""
    conflict = decision.options[0].conflict
    first, second = conflict.sides()
    what = "War" if isinstance(conflict, War) else "Crisis"
    about = " (arms)" if decision.surge else ""
    return f"{what}{about}: {first[0]} against {second[0]} in {conflict.theatre}"


def chances(model: AllianceModel, decision: Decision) -> list[float]:
    """How likely the model's agent is to pick each option (logit choice, docs/ODD.md 7.1)."""
    return [float(p) for p in logit_probabilities(decision.utilities, model.param("logit_lambda"))]


class HubError(ValueError):
    """A request the hub refuses, in one line a student or teacher can act on."""


@dataclass(frozen=True)
class Pick:
    """One option a class chose: in ``week``, for ``state``, by the student named ``by``.

    ``option`` is the option's label (:meth:`sim.model.agents.Choice.label`), ``words`` what it
    does (:func:`option_words`).
    """

    week: int
    state: str
    decision: str
    option: str
    words: str
    by: str


@dataclass(frozen=True)
class StudentView:
    """What a student's page shows: their state's decisions and picks, and the public picture.

    Never another state's picks: those show in the log once the week is played.
    """

    name: str
    state: str
    team: list[str]
    week: int
    steps: int
    paused: bool
    seconds_left: float | None
    decisions: list[Decision]
    picks: dict[str, str]
    picked_by: str
    waiting_for: list[str]
    held: dict[str, list[str]]
    story: list[str]


@dataclass(frozen=True)
class TeacherView:
    """What the teacher's page shows: everyone's picks, who is still choosing, the clock."""

    code: str
    week: int
    steps: int
    paused: bool
    auto_advance: bool
    seconds_left: float | None
    held: dict[str, list[str]]
    picks: dict[str, dict[str, str]]
    waiting_for: list[str]
    history: list[Pick]
    story: list[str]


@dataclass
class Student:
    """A student in a class session: the name they gave and the state they hold."""

    name: str
    state: str


@dataclass(eq=False)
class ClassSession:
    """One class playing one scenario (replicate 0) together, week by week.

    Attributes:
        code: The join code students type.
        loaded: The scenario.
        team_size: How many students may hold one state.
        seconds_per_week: The teacher's timer: the week advances this long after it began
            (None: no timer).
        replicates: Runs of the model's own agents the debrief compares the class with.
    """

    code: str
    loaded: LoadedScenario
    team_size: int = 1
    seconds_per_week: float | None = None
    replicates: int = 20
    model: AllianceModel = field(init=False)
    students: dict[str, Student] = field(default_factory=dict)
    #: This week's picks by state (decision key → option label), in words, and who made them.
    chosen: dict[str, dict[str, str]] = field(default_factory=dict)
    chosen_words: dict[str, dict[str, str]] = field(default_factory=dict)
    chosen_by: dict[str, str] = field(default_factory=dict)
    history: list[Pick] = field(default_factory=list)
    paused: bool = False
    auto_advance: bool = True
    closed: bool = False
    week_started: float = field(default_factory=time.monotonic)
    #: When anything last changed (``time.monotonic``): an idle class may give up its place.
    touched: float = field(default_factory=time.monotonic)
    #: Counts every change, so a page can tell that it has something new to show.
    version: int = 0
    lock: threading.RLock = field(default_factory=threading.RLock, repr=False)
    _debrief: tuple[tuple[int, tuple[str, ...]], Debrief] | None = field(default=None, repr=False)
    #: The story told at a week: every page of the class asks for it at every render.
    _story: tuple[int, list[str]] = field(default=(0, []), repr=False)

    def __post_init__(self) -> None:
        if not 1 <= self.team_size <= MAX_TEAM:
            raise HubError(f"students per state must be 1 to {MAX_TEAM} (got {self.team_size})")
        if not 1 <= self.replicates <= MAX_DEBRIEF_REPLICATES:
            raise HubError(
                f"debrief runs must be 1 to {MAX_DEBRIEF_REPLICATES} (got {self.replicates})"
            )
        if self.seconds_per_week is not None and self.seconds_per_week <= 0:
            raise HubError(f"seconds per week must be above 0 (got {self.seconds_per_week})")
        self.model = build_model(self.loaded, 0)

    # --- who holds what --------------------------------------------------------------------------
    @property
    def states(self) -> list[str]:
        """Every state of the scenario's world, in name order."""
        return list(self.model.states)

    @property
    def steps(self) -> int:
        """Weeks the scenario runs."""
        return self.loaded.scenario.steps

    @property
    def finished(self) -> bool:
        """Whether the class has played every week of the scenario."""
        return self.model.week >= self.steps

    def holders(self, state: str) -> list[str]:
        """Names of the students holding ``state``, in the order they joined."""
        return [s.name for s in self.students.values() if s.state == state]

    def held(self) -> dict[str, list[str]]:
        """Every held state and its holders."""
        with self.lock:
            return {state: self.holders(state) for state in self.states if self.holders(state)}

    def free_states(self) -> list[str]:
        """States a student may still join (fewer holders than the team size)."""
        with self.lock:
            return [s for s in self.states if len(self.holders(s)) < self.team_size]

    def join(self, name: str, state: str) -> str:
        """Let a student named ``name`` hold ``state``; return their student key.

        The same name joining the same state again (a reloaded browser) gets its place back.

        Raises:
            HubError: an empty or long name, an unknown or full state, a full class.
        """
        name = " ".join(name.split())
        if not name or len(name) > MAX_NAME_CHARS:
            raise HubError(f"a name must have 1 to {MAX_NAME_CHARS} characters")
        with self.lock:
            if state not in self.model.states:
                raise HubError(f"no state {state!r}; choose one of: {', '.join(self.states)}")
            for key, student in self.students.items():
                if student.name == name and student.state == state:
                    return key
            if len(self.holders(state)) >= self.team_size:
                free = ", ".join(self.free_states()) or "none"
                raise HubError(
                    f"{state} is taken by {', '.join(self.holders(state))}; free: {free}"
                )
            if len(self.students) >= MAX_CLASS_STUDENTS:
                raise HubError(f"the class is full ({MAX_CLASS_STUDENTS} students)")
            key = secrets.token_hex(8)
            self.students[key] = Student(name, state)
            self._changed()
            return key

    def student(self, key: str) -> Student:
        """The student with this key (one line if they are no longer in the class)."""
        with self.lock:
            if self.closed:
                raise HubError("the teacher has closed this class")
            if key not in self.students:
                raise HubError("you are no longer in this class; join again")
            return self.students[key]

    def leave(self, key: str) -> None:
        """Take a student out of the class; the model plays their state if nobody else holds it."""
        with self.lock:
            student = self.students.pop(key, None)
            if student is not None and not self.holders(student.state):
                self.chosen.pop(student.state, None)
                self.chosen_words.pop(student.state, None)
                self.model.chosen.pop(student.state, None)
            self._changed()

    # --- choosing -------------------------------------------------------------------------------
    def decisions(self, state: str) -> list[Decision]:
        """What ``state`` decides this week, with the model's utility of each option."""
        with self.lock:
            return [] if self.finished else self.model.states[state].decisions()

    def submit(self, key: str, picks: dict[str, str], now: float | None = None) -> None:
        """Record a student's picks for their state this week (a teammate's replace them).

        Raises:
            HubError: the class has ended, or a pick is not one of the state's options.
        """
        with self.lock:
            student = self.student(key)
            if self.finished:
                raise HubError("the class has played every week")
            try:
                self.model.choose(student.state, picks)
            except ValueError as refused:
                raise HubError(str(refused)) from None
            self.chosen[student.state] = {**self.chosen.get(student.state, {}), **picks}
            words = self.chosen_words.setdefault(student.state, {})
            for decision in self.decisions(student.state):
                if decision.key in picks:
                    labels = [option.label() for option in decision.options]
                    words[decision.key] = option_words(decision, labels.index(picks[decision.key]))
            self.chosen_by[student.state] = student.name
            self._changed()
            if self.auto_advance and not self.paused and self.everyone_chose():
                self.advance(now)

    def waiting_for(self) -> list[str]:
        """Held states with a decision this week that their holders have not yet all made."""
        with self.lock:
            return [
                state
                for state in self.held()
                if {d.key for d in self.decisions(state)} - set(self.chosen.get(state, {}))
            ]

    def everyone_chose(self) -> bool:
        """Whether some held state had a decision this week and every held one has made its."""
        with self.lock:
            return bool(self.chosen) and not self.waiting_for()

    # --- the clock ------------------------------------------------------------------------------
    def advance(self, now: float | None = None) -> None:
        """Play the week: the class's picks and the model's own choices for everything else."""
        with self.lock:
            if self.finished:
                return
            week = self.model.week
            for state, picks in sorted(self.chosen.items()):
                words, by = self.chosen_words[state], self.chosen_by[state]
                self.history += [Pick(week, state, k, v, words[k], by) for k, v in picks.items()]
            self.model.step()
            self.chosen, self.chosen_words, self.chosen_by = {}, {}, {}
            self.week_started = time.monotonic() if now is None else now
            self._changed()

    def tick(self, now: float | None = None) -> None:
        """Advance the week if the teacher's timer has run out (not while paused)."""
        now = time.monotonic() if now is None else now
        with self.lock:
            if self.seconds_per_week is None or self.paused or self.finished:
                return
            if now - self.week_started >= self.seconds_per_week:
                self.advance(now)

    def seconds_left(self, now: float | None = None) -> float | None:
        """Seconds before the timer advances the week (None: no timer, or paused)."""
        if self.seconds_per_week is None or self.paused:
            return None
        now = time.monotonic() if now is None else now
        return max(0.0, self.seconds_per_week - (now - self.week_started))

    def set_auto_advance(self, on: bool) -> None:
        """Whether the week moves on by itself once every held state has chosen."""
        with self.lock:
            self.auto_advance = on
            self._changed()

    def set_paused(self, paused: bool, now: float | None = None) -> None:
        """Pause or resume the clock; on resuming, the timer starts the week's time afresh."""
        with self.lock:
            self.paused = paused
            if not paused:
                self.week_started = time.monotonic() if now is None else now
            self._changed()

    # --- what the pages show ----------------------------------------------------------------------
    def story(self) -> list[str]:
        """The run so far in plain sentences (the public picture everyone sees)."""
        with self.lock:
            week, told = self._story
            if week != self.model.week:
                # Told from the run's tables, as the classroom page tells its runs.
                told = outcome_summary(self.loaded, stored_from_model(self.loaded, self.model))
                self._story = (self.model.week, told)
            return list(told)

    def for_student(self, key: str, now: float | None = None) -> StudentView:
        """A student's view (one line if they are no longer in the class)."""
        with self.lock:
            me = self.student(key)
            return StudentView(
                name=me.name,
                state=me.state,
                team=self.holders(me.state),
                week=self.model.week,
                steps=self.steps,
                paused=self.paused,
                seconds_left=self.seconds_left(now),
                decisions=self.decisions(me.state),
                picks=dict(self.chosen.get(me.state, {})),
                picked_by=self.chosen_by.get(me.state, ""),
                waiting_for=self.waiting_for(),
                held=self.held(),
                story=self.story(),
            )

    def for_teacher(self, now: float | None = None) -> TeacherView:
        """The teacher's view of the whole class."""
        with self.lock:
            return TeacherView(
                code=self.code,
                week=self.model.week,
                steps=self.steps,
                paused=self.paused,
                auto_advance=self.auto_advance,
                seconds_left=self.seconds_left(now),
                held=self.held(),
                picks={state: dict(picks) for state, picks in self.chosen_words.items()},
                waiting_for=self.waiting_for(),
                history=list(self.history),
                story=self.story(),
            )

    # --- after the class ------------------------------------------------------------------------
    def debrief(self) -> Debrief:
        """The class's run against the model's own agents over the weeks played so far.

        Kept until the week or the held states change. The model's runs, which take a moment,
        are made outside the session's lock, so the class's pages are not held up meanwhile; if
        the class moved on to another week during them, they are made again for that week.
        """
        while True:
            with self.lock:
                week = self.model.week
                key = (week, tuple(sorted(self.held())))
                if self._debrief is not None and self._debrief[0] == key:
                    return self._debrief[1]
            runs = model_runs(self.loaded, week, self.replicates)
            with self.lock:
                if self.model.week == week:  # weeks only advance, so this loop ends
                    held = sorted(self.held())
                    found = debrief(
                        self.loaded, self.model, held, self.history, self.replicates, runs
                    )
                    self._debrief = ((week, tuple(held)), found)
                    return found

    def _changed(self) -> None:
        self.version += 1
        self.touched = time.monotonic()


class Hub:
    """The registry of open class sessions, by join code (one per server, thread-safe)."""

    def __init__(self, limit: int = MAX_CLASS_SESSIONS) -> None:
        self.limit = limit
        self._sessions: dict[str, ClassSession] = {}
        self._lock = threading.Lock()

    def open(
        self,
        loaded: LoadedScenario,
        *,
        team_size: int = 1,
        seconds_per_week: float | None = None,
        replicates: int = 20,
    ) -> ClassSession:
        """Open a class session of ``loaded`` under a new join code.

        Args:
            loaded: The scenario the class plays.
            team_size: How many students may hold one state.
            seconds_per_week: The timer (None: none).
            replicates: Model runs for the debrief.

        A hub at its limit first closes the classes idle for :data:`CLASS_IDLE_HOURS`.

        Raises:
            HubError: the hub holds its limit of sessions, none of them idle, or a setting is
                out of range.
        """
        with self._lock:
            idle: list[ClassSession] = []
            if len(self._sessions) >= self.limit:
                since = time.monotonic() - CLASS_IDLE_HOURS * 3600
                idle = [s for s in self._sessions.values() if s.touched < since]
            if len(self._sessions) - len(idle) >= self.limit:
                raise HubError(f"{self.limit} classes are open already; close one first")
            code = self._new_code()
            # Built before any idle class is dropped: bad settings leave the hub as it was.
            opened = ClassSession(code, loaded, team_size, seconds_per_week, replicates)
            for session in idle:
                del self._sessions[session.code]
            self._sessions[code] = opened
        for session in idle:
            _mark_closed(session)
        return opened

    def get(self, code: str) -> ClassSession:
        """The session with this join code (typed in any case, spaces ignored).

        Raises:
            HubError: no open class has this code.
        """
        wanted = "".join(code.split()).upper()
        with self._lock:
            if wanted not in self._sessions:
                raise HubError(f"no class has the code {wanted!r}; check it on the projector")
            return self._sessions[wanted]

    def close(self, code: str) -> None:
        """Close a session: its students' pages say so, its code no longer works."""
        with self._lock:
            session = self._sessions.pop(code, None)
        if session is not None:
            _mark_closed(session)

    def _new_code(self) -> str:
        while True:
            code = "".join(secrets.choice(CODE_LETTERS) for _ in range(CODE_LENGTH))
            if code not in self._sessions:
                return code


def _mark_closed(session: ClassSession) -> None:
    """Tell a session's pages that it is closed (after it has left the hub's registry)."""
    with session.lock:
        session.closed = True
        session._changed()


#: The hub of this server: every page of every browser finds its class here.
HUB = Hub()
