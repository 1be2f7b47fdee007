"""A class's run against the model's own agents: a table and plain sentences for the debrief.

The class played replicate 0 of a scenario, holding some states. The model then plays the same
scenario over the same weeks ``replicates`` times (replicates 0, 1, … of its seed, as
``alliance-sim run`` would) with its own agents in every state, and each outcome of the class's
run is set against the spread of those runs: where the class's run falls tells how far the
class chose as the model's agents would have.
"""

from __future__ import annotations

import statistics
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal

from sim.experiments.run import build_model
from sim.loading.scenarios import LoadedScenario
from sim.model.metrics import summarise_run
from sim.model.model import AllianceModel
from sim.schema.columns import GAIN, INTERVENED, column

if TYPE_CHECKING:
    from sim.presentation.hub import Pick

Kind = Literal["yes/no", "weeks", "ground", "times"]


#: Actions the log records when taken ("abstain", "continue" and "hold" leave no row).
LOGGED_ACTIONS = (
    "show_of_force",
    "sanction",
    "intervene",
    "mediate",
    "supply_arms",
    "settle",
    "attack",
    "stand_down",
)


@dataclass(frozen=True)
class Outcome:
    """One outcome: what it is, its kind, the class's value and each model run's value.

    A yes/no outcome also says what it means in words either way (``yes``, ``no``).
    """

    name: str
    kind: Kind
    class_value: float
    runs: tuple[float, ...]
    yes: str = ""
    no: str = ""


@dataclass(frozen=True)
class Debrief:
    """The class's outcomes against the model's runs over the same ``weeks``."""

    weeks: int
    replicates: int
    outcomes: tuple[Outcome, ...]

    def header(self) -> tuple[str, str, str]:
        """The columns of :meth:`rows`."""
        return ("outcome", "your class", f"the model's {self.replicates} runs")

    def rows(self) -> list[tuple[str, str, str]]:
        """One row per outcome: its name, the class's value and the model's spread."""
        return [(o.name, _value(o.kind, o.class_value), _spread(o)) for o in self.outcomes]

    def markdown(self) -> str:
        """The outcomes as a Markdown table (for notes and files; the page draws :meth:`rows`)."""
        lines = ["| " + " | ".join(self.header()) + " |", "|:---|---:|---:|"]
        lines += ["| " + " | ".join(row) + " |" for row in self.rows()]
        return "\n".join(lines)

    def sentences(self) -> list[str]:
        """One plain sentence per outcome: the class's value, the model's, how they compare."""
        return [_sentence(o) for o in self.outcomes]


def model_runs(loaded: LoadedScenario, weeks: int, replicates: int) -> list[AllianceModel]:
    """Replicates ``0..replicates-1`` of the scenario, the model's agents in every state."""
    runs = []
    for replicate in range(replicates):
        model = build_model(loaded, replicate)
        for _ in range(weeks):
            model.step()
        runs.append(model)
    return runs


def debrief(
    loaded: LoadedScenario,
    played: AllianceModel,
    held: Sequence[str],
    history: Sequence[Pick],
    replicates: int,
    runs: Sequence[AllianceModel] | None = None,
) -> Debrief:
    """Compare a class's run with ``replicates`` runs of the model's own agents.

    Args:
        loaded: The scenario the class played.
        played: The class's model, stepped as far as the class went.
        held: The states students held.
        history: The class's picks (for the actions of the held states).
        replicates: How many runs of the model's agents.
        runs: Those runs, if already made (:func:`model_runs` for the weeks played).

    Returns:
        The outcomes: whether there was a war, weeks at war, ceasefire, capitulation, ground
        gained in each theatre fought over (in percent of the theatre), whether each held
        state outside the fighting intervened, and in how many weeks each held state took
        each logged action the class picked for it.
    """
    if runs is None:
        runs = model_runs(loaded, played.week, replicates)
    mine, theirs = summarise_run(played), [summarise_run(m) for m in runs]
    for summary in (mine, *theirs):
        summary["war"] = summary["wars"] != 0

    def numbers(key: str) -> tuple[float, tuple[float, ...]]:
        return float(mine[key]), tuple(float(s[key]) for s in theirs)  # type: ignore[arg-type]

    outcomes = [
        Outcome("a war", "yes/no", *numbers("war"), "there was a war", "there was no war"),
        Outcome("weeks at war", "weeks", *numbers("war_weeks")),
        Outcome(
            "a ceasefire", "yes/no", *numbers("ceasefire"), "a ceasefire came", "no ceasefire came"
        ),
        Outcome(
            "a capitulation",
            "yes/no",
            *numbers("capitulation"),
            "a side capitulated",
            "no side capitulated",
        ),
    ]
    for name, theatre in loaded.world.theatres.items():
        if any(w.theatre == name for m in (played, *runs) for w in m.wars):
            ground = f"ground gained by {theatre.owner} in {name}"
            outcomes.append(Outcome(ground, "ground", *numbers(column(GAIN, name))))
    fighters = {state for war in played.wars for state in war.primaries}
    for state in [s for s in held if s not in fighters]:  # a primary does not intervene
        outcomes.append(
            Outcome(
                f"{state} intervened",
                "yes/no",
                *numbers(column(INTERVENED, state)),
                f"{state} intervened",
                f"{state} did not intervene",
            )
        )
    for state in held:
        picked = {p.option.split(" ")[0] for p in history if p.state == state}
        for action in [a for a in LOGGED_ACTIONS if a in picked]:
            outcomes.append(
                Outcome(
                    f"weeks {state} chose {action}",
                    "times",
                    float(_weeks_taking(played, state, action)),
                    tuple(float(_weeks_taking(m, state, action)) for m in runs),
                )
            )
    return Debrief(played.week, replicates, tuple(outcomes))


def _weeks_taking(model: AllianceModel, state: str, action: str) -> int:
    """Weeks in which the log shows ``state`` taking ``action``."""
    return len({r["step"] for r in model.log if r["state"] == state and r["action"] == action})


def _value(kind: Kind, value: float) -> str:
    if kind == "yes/no":
        return "yes" if value else "no"
    if kind == "ground":
        return f"{100 * value:+.0f}%"
    return f"{value:g}"


def _spread(o: Outcome) -> str:
    """The model's runs in a few words: how many said yes, or the median and the range."""
    if o.kind == "yes/no":
        return f"yes in {sum(1 for v in o.runs if v)} of {len(o.runs)}"
    low, mid, high = min(o.runs), statistics.median(o.runs), max(o.runs)
    return f"median {_value(o.kind, mid)} ({_value(o.kind, low)} to {_value(o.kind, high)})"


def _sentence(o: Outcome) -> str:
    """What the class's value of one outcome says against the model's runs."""
    n = len(o.runs)
    if o.kind == "yes/no":
        same = sum(1 for v in o.runs if bool(v) == bool(o.class_value))
        said = o.yes if o.class_value else o.no
        return f"In your class's run {said}, as in {same} of the model's {n} runs."
    below = sum(1 for v in o.runs if v < o.class_value)
    above = sum(1 for v in o.runs if v > o.class_value)
    start = f"{o.name[0].upper()}{o.name[1:]}: {_value(o.kind, o.class_value)} in your class's run"
    if below == n or above == n:
        return f"{start}, {'more' if below == n else 'less'} than in any of the model's {n} runs."
    median = _value(o.kind, statistics.median(o.runs))
    return (
        f"{start}; of the model's {n} runs, {below} had less, {above} more and "
        f"{n - below - above} the same (median {median})."
    )
