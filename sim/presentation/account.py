"""What happened, for a class: one run told in plain sentences, two settings compared in a table.

:func:`outcome_summary` reads the tables of one run (a results folder's, or a live run's from
:func:`~sim.presentation.live_plot.stored_from_model`), the very tables the page draws and
offers for download, so the words and the charts cannot disagree. :func:`compare` runs two
settings of a scenario over the same replicates, and :func:`comparison_markdown` puts the result
on a slide.

Weeks are counted as the weekly table (``steps.csv``) and every chart count them: row ``step``
N holds what happened during week N, and row 0 is the start. The action log's ``step`` counts
the weeks played before an action, so an action at log step k happened in week k + 1
(:func:`week_of`).
"""

from __future__ import annotations

import math

import pandas as pd

from sim.experiments.run import run_scenario
from sim.loading.scenarios import LoadedScenario
from sim.presentation.plot_base import Stored
from sim.schema.columns import CONTROL, GAIN, INTERVENED, column

#: What a state outside the fighting did, by action, as the log's row fills it in.
VERBS = {
    "supply_arms": "stepped up arms to {other} from week {week}",
    "intervene": "intervened for {other} in week {week}",
    "show_of_force": "showed force for {other} from week {week}",
    "mediate": "mediated from week {week}",
    "sanction": "used sanctions from week {week}",
    "pledge_honoured": "honoured its pledge to {other} in week {week}",
    "pledge_broken": "broke its pledge to {other} in week {week}",
}
#: Scheduled events the account names, by log entry.
SCHEDULED = {
    "tie_cut": "Tie {detail} ({state} → {other}) cut in week {week}.",
    "tie_suspend": "Tie {detail} ({state} → {other}) suspended in week {week}.",
    "tie_restore": "Tie {detail} ({state} → {other}) restored in week {week}.",
    "distraction": "{state} busy elsewhere from week {week} ({detail}).",
    "cut_off": "{state} cut off from its supplies (no {detail}) from week {week}.",
    "resupplied": "{state} supplied again from week {week}.",
}


def week_of(step: object) -> int:
    """The week of an action-log row, as the weekly table and the charts count weeks.

    The log's ``step`` is the number of weeks played before the action, so the action falls
    in the next week: log step 0 is week 1, shown at week 1 of every chart.
    """
    return int(str(step)) + 1


def _percent(share: float) -> str:
    """A share as a whole percentage: ``0.456`` gives ``46%``."""
    return f"{100 * share:.0f}%"


def _theatre(label: object) -> str:
    """The theatre of a conflict label such as ``war:Azerbaijan-Armenia@karabakh``."""
    return str(label).rsplit("@", 1)[-1]


def outcome_summary(
    loaded: LoadedScenario, stored: Stored, replicate: int | None = None
) -> list[str]:
    """Say in plain words what happened in one run so far, one sentence per line.

    Args:
        loaded: The scenario the run is of (for its states and the theatres' owners).
        stored: The run's tables (``steps``, ``actions``), as the page draws them.
        replicate: Which replicate of the tables to tell (default: the first one in them).

    Returns:
        Sentences such as "Azerbaijan attacked Armenia in karabakh in week 1.",
        "Arms delivered: Russia $12m, Turkey $5m.", "Ceasefire in week 7.", with weeks counted
        as the weekly table counts them (:func:`week_of`). A run without war tells its crises,
        shows of force and mediation.
    """
    if replicate is None:
        replicate = int(stored.steps["replicate"].iloc[0])
    steps = stored.steps[stored.steps["replicate"] == replicate].sort_values("step")
    actions = stored.actions
    if len(actions):
        actions = actions[actions["replicate"] == replicate]
    log = [{**row, "week": week_of(row["step"])} for row in actions.to_dict("records")]
    week = int(steps["step"].iloc[-1])
    if week == 0:
        return ["Not started: week 0 is the start, before anything happens."]
    wars = [row for row in log if row["action"] == "war"]
    crises = [row for row in log if row["action"] == "mobilise"]
    fighters = {str(row[side]) for row in wars for side in ("state", "other")}
    outsiders = sorted(set(loaded.world.states) - fighters)
    opening = [] if wars else [f"No war in {week} week{'s' * (week != 1)}."]
    if not wars and not crises:
        opening = [f"No crisis and no war in {week} week{'s' * (week != 1)}."]
    return [
        *opening,
        *_scheduled(log),
        *_conflicts(log),
        *_what_others_did(_first_actions(log, fighters), outsiders, bool(wars)),
        *_deliveries(steps, sorted(loaded.world.states), week),
        *_how_it_ends(log, steps),
        *_ground(loaded, steps),
    ]


def _scheduled(log: list[dict[str, object]]) -> list[str]:
    """The scenario's and the settings' cuts, suspensions, distractions and blockades, in order."""
    return [
        SCHEDULED[str(row["action"])].format(**row) for row in log if row["action"] in SCHEDULED
    ]


def _conflicts(log: list[dict[str, object]]) -> list[str]:
    """Crises and wars as they began, and crises as they ended, in the order they came."""
    lines = []
    for row in log:
        where, when = _theatre(row["conflict"]), row["week"]
        if row["action"] == "mobilise":
            lines.append(
                f"{row['state']} mobilised against {row['other']} over {where} "
                f"in week {when}: a crisis."
            )
        elif row["action"] == "stand_down":
            lines.append(f"{row['state']} stood down in week {when}: the crisis ended without war.")
        elif row["action"] == "war":
            lines.append(f"{row['state']} attacked {row['other']} in {where} in week {when}.")
    return lines


def _first_actions(
    log: list[dict[str, object]], fighters: set[str]
) -> dict[tuple[str, str], dict[str, object]]:
    """The first log row of each action in :data:`VERBS` by each state not fighting."""
    first: dict[tuple[str, str], dict[str, object]] = {}
    for row in log:
        if row["action"] in VERBS and row["state"] not in fighters:
            first.setdefault((str(row["state"]), str(row["action"])), row)
    return first


def _what_others_did(
    first: dict[tuple[str, str], dict[str, object]], outsiders: list[str], war: bool
) -> list[str]:
    """One sentence per state outside the fighting that acted; in a war, who stayed out."""
    lines = []
    for state in sorted({state for state, _ in first}):
        done = [VERBS[action].format(**row) for (s, action), row in first.items() if s == state]
        lines.append(f"{state} {'; '.join(done)}.")
    stayed_out = [s for s in outsiders if (s, "intervene") not in first]
    if war and stayed_out:
        lines.append(f"Did not intervene: {', '.join(stayed_out)}.")
    return lines


def _deliveries(steps: pd.DataFrame, states: list[str], week: int) -> list[str]:
    """Arms each supplier delivered in weeks 1 to ``week``, largest first (none: no line)."""
    sent = {
        state: float(steps[column("arms_out_usd_m", state)].iloc[1:].sum())
        for state in states
        if column("arms_out_usd_m", state) in steps
    }
    named = [
        f"{state} ${value:,.0f}m"
        for state, value in sorted(sent.items(), key=lambda kv: -kv[1])
        if value > 0.5
    ]
    if not named:
        return [f"No arms delivered in weeks 1 to {week}."]
    return [f"Arms delivered in weeks 1 to {week}: {', '.join(named)}."]


def _how_it_ends(log: list[dict[str, object]], steps: pd.DataFrame) -> list[str]:
    """Ceasefires and capitulations in the order they came, and whether a war goes on."""
    lines = []
    ended = 0
    for row in log:
        if row["action"] == "ceasefire":
            ended += 1
            keepers = f" ({row['detail']})" if row["detail"] else ""
            lines.append(f"Ceasefire in week {row['week']}{keepers}.")
        elif row["action"] == "capitulation":
            ended += 1
            day = str(row["detail"]).removeprefix("day ")
            on_day = f" on day {day} of" if day.isdigit() else " in"
            lines.append(f"{row['state']} capitulated{on_day} week {row['week']}.")
        elif row["action"] == "dissolved":
            lines.append(f"{row['state']} dissolved in week {row['week']}: all its ties ended.")
    if ended < sum(row["action"] == "war" for row in log):
        lines.append(f"Still at war in week {int(steps['step'].iloc[-1])}.")
    return lines


def _ground(loaded: LoadedScenario, steps: pd.DataFrame) -> list[str]:
    """How much of each theatre whose control changed its owner holds, now and at the start."""
    lines = []
    start, now = steps.iloc[0], steps.iloc[-1]
    for name, theatre in loaded.world.theatres.items():
        before, after = float(start[column(CONTROL, name)]), float(now[column(CONTROL, name)])
        if not math.isclose(before, after, abs_tol=0.005):
            lines.append(
                f"{theatre.owner} holds {_percent(after)} of {name} "
                f"({_percent(before)} at the start)."
            )
    return lines


def compare(before: LoadedScenario, after: LoadedScenario, replicates: int = 5) -> pd.DataFrame:
    """Outcomes of two settings of a scenario over the same replicates, side by side.

    Both settings run replicates ``0..replicates-1`` of the scenario's seed, so the random
    streams match and the difference comes from the settings.

    Args:
        before: The scenario as it is (or any first setting).
        after: The what-if setting.
        replicates: Replicates per setting.

    Returns:
        One row per outcome (share of runs with a war, mean weeks at war, share ending in a
        ceasefire or a capitulation, mean ground gained by the owner of each theatre that
        changed hands, share of runs in which each state intervened), columns ``before``
        and ``after``.
    """
    summaries = {
        "before": run_scenario(before, replicates).summary,
        "after": run_scenario(after, replicates).summary,
    }
    frame = pd.DataFrame(
        {label: _outcomes(before, summary) for label, summary in summaries.items()}
    )
    # A theatre no run fought over or a state no run saw intervene only adds noise on a slide.
    quiet = frame.index.str.contains("gained|intervened") & (frame.abs().max(axis=1) < 0.005)
    return frame[~quiet]


def _outcomes(loaded: LoadedScenario, summary: pd.DataFrame) -> dict[str, float]:
    """One setting's column of :func:`compare`: shares of runs and means, by outcome."""
    table = {
        "runs with a war": float((summary["wars"] > 0).mean()),
        "weeks at war (mean)": float(summary["war_weeks"].mean()),
        "runs ending in a ceasefire": float(summary["ceasefire"].astype(bool).mean()),
        "runs ending in a capitulation": float(summary["capitulation"].astype(bool).mean()),
    }
    for name, theatre in loaded.world.theatres.items():
        table[f"{name}: ground gained by {theatre.owner} (mean)"] = float(
            summary[column(GAIN, name)].mean()
        )
    for state in sorted(loaded.world.states):
        table[f"runs in which {state} intervened"] = float(
            summary[column(INTERVENED, state)].astype(bool).mean()
        )
    return table


def comparison_cells(table: pd.DataFrame) -> list[list[str]]:
    """The cells of a comparison table as text: shares as percentages, weeks with one decimal."""
    return [
        [f"{value:.1f}" if "weeks" in str(name) else _percent(value) for value in row]
        for name, row in table.iterrows()
    ]


def comparison_markdown(table: pd.DataFrame) -> str:
    """A comparison table as Markdown, with the cells of :func:`comparison_cells`."""
    lines = ["| outcome | before | after |", "|:---|---:|---:|"]
    for name, cells in zip(table.index, comparison_cells(table), strict=True):
        lines.append(f"| {name} | {' | '.join(cells)} |")
    return "\n".join(lines)
