"""Classroom what-ifs: slider settings applied to a scenario, replicates, outcomes in words.

Pure functions behind the browser app (:mod:`sim.presentation.app`) and the notebooks. A
setting never changes the model: it becomes scenario levers, overrides and events, exactly what
a scenario file could say, so a what-if in class is a scenario a student could write down.
"""

from __future__ import annotations

import math
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd
from matplotlib.figure import Figure
from matplotlib.ticker import MaxNLocator

from sim.experiments.run import build_model, run_scenario
from sim.loading.scenarios import LoadedScenario, load_scenario, with_changes
from sim.model.metrics import summarise_run
from sim.model.model import AllianceModel
from sim.presentation.network_plot import (
    TIE_STYLE,
    NetworkCanvas,
    circle_layout,
    network_figure,
    node_radii,
)
from sim.presentation.plot_base import Stored
from sim.presentation.timeseries_plot import panel_control, panel_counts, panel_escalation
from sim.schema.columns import CONTROL, GAIN, INTERVENED, column
from sim.schema.errors import InputError
from sim.schema.world import ArmsTie

#: The three event switches of the app: the tie or state each one acts on.
DRONE_TIE = "tur_aze_arms"
ISRAEL_TIE = "isr_aze_arms"
DISTRACTED = "Russia"
#: How much of Russia's capability the "distracted" switch ties down.
DISTRACTION_LEVEL = 0.5
#: Largest arms multiplier: three times the scenario's volume.
MAX_ARMS_FACTOR = 3.0


@dataclass(frozen=True)
class Settings:
    """What the sliders and switches of the app say.

    Attributes:
        commitment: Per state, how far it honours its pledges (0-1).
        risk_appetite: Per state, tolerance of war risk (0-1).
        economic_weight: Per state, weight of energy and trade ties (0-10).
        arms: Per arms tie id, a multiplier (0-3) of the scenario's volume.
        russia_distracted: Russia is busy elsewhere from week 0.
        turkish_drones: Turkish arms to Azerbaijan flow.
        israel_cut: Israeli arms to Azerbaijan are cut in week 0.
    """

    commitment: dict[str, float] = field(default_factory=dict)
    risk_appetite: dict[str, float] = field(default_factory=dict)
    economic_weight: dict[str, float] = field(default_factory=dict)
    arms: dict[str, float] = field(default_factory=dict)
    russia_distracted: bool = False
    turkish_drones: bool = True
    israel_cut: bool = False


def open_scenario(
    source: str | Path, shown_as: str | None = None
) -> tuple[LoadedScenario | None, str]:
    """Load a scenario file for the page, turning bad input into the line to show.

    Args:
        source: A scenario file path.
        shown_as: The name to show in an error instead of the path (an upload's file name).

    Returns:
        The scenario and ``""``, or None and one line naming the file, the field and the problem.
    """
    try:
        return load_scenario(source), ""
    except InputError as error:
        return None, f"{shown_as or error.file}: {error.field}: {error.message}"


def open_upload(name: str, data: bytes) -> tuple[LoadedScenario | None, str]:
    """Load an uploaded scenario file, as :func:`open_scenario`; errors name the upload.

    The bytes go to a private temporary folder for the time of loading, since scenarios are
    read from a path (the loaded scenario keeps its text). A world file named in the scenario
    would be looked for beside that copy, so an upload should use the built-in world.
    """
    with tempfile.TemporaryDirectory(prefix="alliance-sim-upload-") as folder:
        target = Path(folder) / (Path(name).name or "upload.toml")
        target.write_bytes(data)
        return open_scenario(target, shown_as=Path(name).name)


def arms_ties(loaded: LoadedScenario) -> list[ArmsTie]:
    """Arms ties in force in the scenario's year, in world order."""
    year = loaded.scenario.year or loaded.world.meta.year
    return [
        tie
        for tie in loaded.world.ties
        if isinstance(tie, ArmsTie) and (tie.since is None or tie.since <= year)
    ]


def _suspends(loaded: LoadedScenario, tie: str, kinds: set[str]) -> bool:
    """Whether an event of one of ``kinds`` acts on ``tie`` at week 0."""
    return any(
        e.kind in kinds and e.tie == tie and e.step == 0
        for e in loaded.scenario.events
        if hasattr(e, "tie")
    )


def default_settings(loaded: LoadedScenario) -> Settings:
    """The settings that leave a scenario as it is: its levers, volumes and events.

    Args:
        loaded: A loaded scenario.

    Returns:
        Settings whose :func:`apply_settings` gives back the same world and timeline.
    """
    states = loaded.world.states
    return Settings(
        commitment={s: st.commitment.value for s, st in states.items()},
        risk_appetite={s: st.risk_appetite.value for s, st in states.items()},
        economic_weight={s: st.economic_weight.value for s, st in states.items()},
        arms={tie.id: 1.0 for tie in arms_ties(loaded)},
        russia_distracted=any(
            e.kind == "distraction" and e.state == DISTRACTED and e.level > 0
            for e in loaded.scenario.events
        ),
        turkish_drones=not _suspends(loaded, DRONE_TIE, {"tie_suspend", "tie_cut"}),
        israel_cut=_suspends(loaded, ISRAEL_TIE, {"tie_cut", "tie_suspend"}),
    )


def _events(loaded: LoadedScenario, settings: Settings) -> list[dict[str, object]]:
    """The scenario's timeline with the three switches applied, as scenario-file tables."""
    base = default_settings(loaded)
    events = list(loaded.scenario.events)
    added: list[dict[str, object]] = []
    if settings.russia_distracted != base.russia_distracted:
        if settings.russia_distracted:
            added.append(
                {"step": 0, "kind": "distraction", "state": DISTRACTED, "level": DISTRACTION_LEVEL}
            )
        else:
            events = [e for e in events if not (e.kind == "distraction" and e.state == DISTRACTED)]
    if settings.turkish_drones != base.turkish_drones:
        if settings.turkish_drones:
            events = [e for e in events if getattr(e, "tie", None) != DRONE_TIE]
        else:
            added.append({"step": 0, "kind": "tie_suspend", "tie": DRONE_TIE})
    if settings.israel_cut != base.israel_cut:
        if settings.israel_cut:
            added.append({"step": 0, "kind": "tie_cut", "tie": ISRAEL_TIE})
        else:
            events = [e for e in events if getattr(e, "tie", None) != ISRAEL_TIE]
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
            above 3), naming the scenario file and the field. Levers, overrides and events
            go through :func:`sim.loading.scenarios.with_changes`, so they get exactly the
            checks a scenario file gets.
    """
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
        if factor != 1.0:
            overrides[f"ties.{tie.id}.volume_usd_m"] = factor * tie.volume_usd_m.value
    events = _events(loaded, settings)
    return with_changes(loaded, levers=levers, overrides=overrides, events=events)


def new_model(loaded: LoadedScenario, replicate: int = 0) -> AllianceModel:
    """A fresh model of one replicate at week 0 (:func:`sim.experiments.run.build_model`)."""
    return build_model(loaded, replicate)


def _percent(share: float) -> str:
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
    log = model.log
    if not model.wars:
        return [f"No war in {model.week} week{'s' * (model.week != 1)}."]
    lines = [
        f"{war.attackers[0]} attacked {war.defenders[0]} in {war.theatre} in week {war.start}."
        for war in model.wars
    ]
    fighters = {state for war in model.wars for state in war.primaries}
    verbs = {
        "supply_arms": "supplied arms to {other} from week {step}",
        "intervene": "intervened for {other} in week {step}",
        "show_of_force": "showed force for {other} from week {step}",
        "mediate": "mediated from week {step}",
        "sanction": "used sanctions from week {step}",
        "pledge_honoured": "honoured its pledge to {other} in week {step}",
        "pledge_broken": "broke its pledge to {other} in week {step}",
    }
    first: dict[tuple[str, str], dict[str, object]] = {}
    for row in log:
        if row["action"] in verbs and row["state"] not in fighters:
            first.setdefault((str(row["state"]), str(row["action"])), row)
    for state in sorted({state for state, _ in first}):
        done = [verbs[action].format(**row) for (s, action), row in first.items() if s == state]
        lines.append(f"{state} {'; '.join(done)}.")
    outsiders = sorted(set(model.world.states) - fighters)
    stayed_out = [s for s in outsiders if (s, "intervene") not in first]
    if stayed_out:
        lines.append(f"Did not intervene: {', '.join(stayed_out)}.")
    for row in log:
        if row["action"] == "ceasefire":
            keepers = f" ({row['detail']})" if row["detail"] else ""
            lines.append(f"Ceasefire in week {row['step']}{keepers}.")
        elif row["action"] == "capitulation":
            lines.append(f"{row['state']} capitulated in week {row['step']}.")
    if model.active_wars():
        lines.append(f"Still at war in week {model.week}.")
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
    rows: dict[str, dict[str, float]] = {}
    for label, summary in summaries.items():
        table = {
            "runs with a war": float((summary["wars"] > 0).mean()),
            "weeks at war (mean)": float(summary["war_weeks"].mean()),
            "runs ending in a ceasefire": float(summary["ceasefire"].astype(bool).mean()),
            "runs ending in a capitulation": float(summary["capitulation"].astype(bool).mean()),
        }
        for name, theatre in before.world.theatres.items():
            table[f"{name}: ground gained by {theatre.owner} (mean)"] = float(
                summary[column(GAIN, name)].mean()
            )
        for state in sorted(before.world.states):
            table[f"runs in which {state} intervened"] = float(
                summary[column(INTERVENED, state)].astype(bool).mean()
            )
        rows[label] = table
    frame = pd.DataFrame(rows)
    # A theatre no run fought over or a state no run saw intervene only adds noise on a slide.
    quiet = frame.index.str.contains("gained|intervened") & (frame.abs().max(axis=1) < 0.005)
    return frame[~quiet]


def comparison_markdown(table: pd.DataFrame) -> str:
    """A comparison table as Markdown: shares as percentages, weeks with one decimal."""
    lines = ["| outcome | before | after |", "|:---|---:|---:|"]
    for name, row in table.iterrows():
        cells = [f"{value:.1f}" if "weeks" in str(name) else _percent(value) for value in row]
        lines.append(f"| {name} | {' | '.join(cells)} |")
    return "\n".join(lines)


def stored_from_model(loaded: LoadedScenario, model: AllianceModel) -> Stored:
    """The tables of one live run, shaped like a results folder, for the figure modules.

    Args:
        loaded: The scenario the model runs (for its name).
        model: A model stepped any number of weeks.

    Returns:
        A :class:`~sim.presentation.plot_base.Stored` of replicate 0, with the network of the
        current week.
    """
    return Stored(
        name=loaded.scenario.name,
        steps=pd.DataFrame([{"replicate": 0, **row} for row in model.records]),
        summary=pd.DataFrame([{"replicate": 0, **summarise_run(model)}]),
        actions=pd.DataFrame([{"replicate": 0, **row} for row in model.log]),
        network=pd.DataFrame([{"replicate": 0, **row} for row in model.network_snapshot()]),
    )


def network_now(stored: Stored) -> Figure:
    """The network of a live run at its latest week, with the legend of every tie kind.

    Every kind is in the legend, not only those present, so the legend stays put while the
    class watches ties appear and vanish.
    """
    network = stored.network
    step = int(network["step"].max()) if network is not None and len(network) else 0
    states = stored.states
    canvas = NetworkCanvas(0, circle_layout(states), node_radii(stored, 0, states), list(TIE_STYLE))
    rows = network if network is not None else pd.DataFrame(columns=["source", "target", "kind"])
    figure = network_figure(stored, rows, step, canvas)
    # A page column is narrower than the saved PNG: a smaller canvas keeps the type (in points)
    # large relative to the picture, and so readable once the browser scales it to fit.
    figure.set_size_inches(9, 6.6)
    figure.suptitle(f"Network at week {step}")  # the page's heading already names the scenario
    return figure


def live_figure(stored: Stored) -> Figure:
    """Escalation, territory and who fights or intervenes, week by week, for a live run.

    Three of the panels of :func:`~sim.presentation.timeseries_plot.timeseries_figure`, side
    by side, so each is large enough to read from the back of a classroom.
    """
    figure = Figure(figsize=(13, 4.5), layout="constrained")
    axes = figure.subplots(1, 3, sharex=True)
    panel_escalation(axes[0], stored)
    panel_control(axes[1], stored)
    fighting = {"fighting": "fighting", "intervening": "intervening"}
    panel_counts(axes[2], stored, fighting, "")
    # Shorter titles than the saved figure's: three panels share one row here.
    axes[1].set_title("Territory held by its owner")
    axes[2].set_title("Fighting or intervening")
    for ax in axes:
        ax.set_xlabel("week")
        ax.set_xlim(0, max(1, int(stored.steps["step"].max())))
    axes[0].xaxis.set_major_locator(MaxNLocator(integer=True))
    return figure
