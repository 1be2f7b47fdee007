"""What happened, for a class: one run told in plain sentences, two settings compared in a table.

:func:`outcome_summary` reads a live model's wars, action log and weekly records;
:func:`compare` runs two settings of a scenario over the same replicates, and
:func:`comparison_markdown` puts the result on a slide.
"""

from __future__ import annotations

import math

import pandas as pd

from sim.experiments.run import run_scenario
from sim.loading.scenarios import LoadedScenario
from sim.model.model import AllianceModel
from sim.schema.columns import CONTROL, GAIN, INTERVENED, column

#: What a state outside the fighting did, by action, as the log's row fills it in.
VERBS = {
    "supply_arms": "supplied arms to {other} from week {step}",
    "intervene": "intervened for {other} in week {step}",
    "show_of_force": "showed force for {other} from week {step}",
    "mediate": "mediated from week {step}",
    "sanction": "used sanctions from week {step}",
    "pledge_honoured": "honoured its pledge to {other} in week {step}",
    "pledge_broken": "broke its pledge to {other} in week {step}",
}


def _percent(share: float) -> str:
    """A share as a whole percentage: ``0.456`` gives ``46%``."""
    return f"{100 * share:.0f}%"


def outcome_summary(loaded: LoadedScenario, model: AllianceModel) -> list[str]:
    """Say in plain words what happened in one run so far, one sentence per line.

    Args:
        loaded: The scenario the model runs (for the theatres' owners).
        model: A model stepped any number of weeks.

    Returns:
        Sentences such as "Azerbaijan attacked Armenia in karabakh in week 0.",
        "Turkey supplied arms to Azerbaijan from week 0.", "Did not intervene: Iran, Russia.",
        "Ceasefire in week 6.", from the model's wars, action log and weekly records.
    """
    if not model.wars:
        return [f"No war in {model.week} week{'s' * (model.week != 1)}."]
    attacks = [
        f"{war.attackers[0]} attacked {war.defenders[0]} in {war.theatre} in week {war.start}."
        for war in model.wars
    ]
    fighters = {state for war in model.wars for state in war.primaries}
    outsiders = sorted(set(model.world.states) - fighters)
    return [
        *attacks,
        *_what_others_did(_first_actions(model.log, fighters), outsiders),
        *_how_it_ends(model),
        *_ground(loaded, model),
    ]


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
    first: dict[tuple[str, str], dict[str, object]], outsiders: list[str]
) -> list[str]:
    """One sentence per state outside the fighting that acted, then who did not intervene."""
    lines = []
    for state in sorted({state for state, _ in first}):
        done = [VERBS[action].format(**row) for (s, action), row in first.items() if s == state]
        lines.append(f"{state} {'; '.join(done)}.")
    stayed_out = [s for s in outsiders if (s, "intervene") not in first]
    if stayed_out:
        lines.append(f"Did not intervene: {', '.join(stayed_out)}.")
    return lines


def _how_it_ends(model: AllianceModel) -> list[str]:
    """Ceasefires and capitulations in the order they came, and whether a war goes on."""
    lines = []
    for row in model.log:
        if row["action"] == "ceasefire":
            keepers = f" ({row['detail']})" if row["detail"] else ""
            lines.append(f"Ceasefire in week {row['step']}{keepers}.")
        elif row["action"] == "capitulation":
            lines.append(f"{row['state']} capitulated in week {row['step']}.")
    if model.active_wars():
        lines.append(f"Still at war in week {model.week}.")
    return lines


def _ground(loaded: LoadedScenario, model: AllianceModel) -> list[str]:
    """How much of each theatre whose control changed its owner holds, now and at the start."""
    lines = []
    start, now = model.records[0], model.records[-1]
    for name, theatre in loaded.world.theatres.items():
        before, after = start[column(CONTROL, name)], now[column(CONTROL, name)]
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


def comparison_markdown(table: pd.DataFrame) -> str:
    """A comparison table as Markdown: shares as percentages, weeks with one decimal."""
    lines = ["| outcome | before | after |", "|:---|---:|---:|"]
    for name, row in table.iterrows():
        cells = [f"{value:.1f}" if "weeks" in str(name) else _percent(value) for value in row]
        lines.append(f"| {name} | {' | '.join(cells)} |")
    return "\n".join(lines)
