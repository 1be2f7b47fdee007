"""Classroom what-ifs: slider settings applied to a scenario, replicates, outcomes in words.

Pure functions behind the browser app (:mod:`sim.presentation.app`) and the notebooks. A
setting never changes the model: it becomes scenario levers, overrides and events, exactly what
a scenario file could say, so a what-if in class is a scenario a student could write down.
"""

from __future__ import annotations

import dataclasses
import math
import os
import tempfile
import tomllib
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

import pandas as pd
from matplotlib.figure import Figure
from matplotlib.ticker import MaxNLocator

from sim.experiments.run import build_model, run_scenario
from sim.loading.files import decode_text
from sim.loading.scenarios import LoadedScenario, load_scenario, with_changes
from sim.loading.worlds import shipped_worlds
from sim.model.metrics import summarise_run
from sim.model.model import AllianceModel
from sim.model.rules import dated_status
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
from sim.schema.limits import MAX_FILE_BYTES
from sim.schema.scenario import Distraction, Event, TieChange
from sim.schema.world import BUILTIN_WORLD, ArmsTie

#: How much of a state's capability its "busy elsewhere" switch ties down, unless the scenario
#: already has it busy (then its own level stays).
DISTRACTION_LEVEL = 0.5
#: Largest arms multiplier: three times the scenario's volume.
MAX_ARMS_FACTOR = 3.0
#: The settings an on/off switch sets: a state busy elsewhere, or an arms tie cut.
SwitchSetting = Literal["distracted", "cut"]


@dataclass(frozen=True)
class Settings:
    """What the sliders and switches of the app say.

    Attributes:
        commitment: Per state, how far it honours its pledges (0-1).
        risk_appetite: Per state, tolerance of war risk (0-1).
        economic_weight: Per state, weight of energy and trade ties (0-10).
        arms: Per arms tie id, a multiplier (0-3) of the scenario's volume.
        distracted: Per state, whether it is busy elsewhere (a ``distraction`` event).
        cut: Per arms tie id, whether the tie is cut in week 0 (a ``tie_cut`` event).
    """

    commitment: dict[str, float] = field(default_factory=dict)
    risk_appetite: dict[str, float] = field(default_factory=dict)
    economic_weight: dict[str, float] = field(default_factory=dict)
    arms: dict[str, float] = field(default_factory=dict)
    distracted: dict[str, bool] = field(default_factory=dict)
    cut: dict[str, bool] = field(default_factory=dict)


@dataclass(frozen=True)
class Switch:
    """One on/off switch of the page.

    Attributes:
        setting: The :class:`Settings` field it sets (``"distracted"`` or ``"cut"``).
        key: The state or arms tie id it acts on, a key of that field.
        label: What switching it on does, in words.
    """

    setting: SwitchSetting
    key: str
    label: str


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


def _upload_name(name: str) -> str:
    """The file name of an upload without any folder, printable, never empty, "." or ".."."""
    base = name.replace("\\", "/").rsplit("/", 1)[-1]
    base = "".join(ch if ch.isprintable() else "?" for ch in base)
    return base if base not in ("", ".", "..") else "upload.toml"


def _toml(data: bytes) -> dict[str, object] | None:
    """The TOML table of a file's bytes, or None if they are not UTF-8 TOML.

    Decoded and parsed as :func:`sim.loading.scenarios.load_scenario` does, so the ``world``
    checked here is the one the loader would read.
    """
    try:
        return tomllib.loads(decode_text(data))
    except (UnicodeDecodeError, tomllib.TOMLDecodeError, ValueError, RecursionError):
        return None


def _world_refusal(name: str, table: dict[str, object] | None, worlds: set[str]) -> str:
    """The line refusing an uploaded scenario's ``world``, or ``""`` if it is allowed.

    Allowed: ``"builtin"``, the name of a world shipped with the package, and the file name of a
    world file dropped in the same upload. A
    scenario that is not TOML, or whose ``world`` is not a string, is left to the loader, which
    refuses it before it reads any world.
    """
    world = (table or {}).get("world", BUILTIN_WORLD)
    shipped = shipped_worlds()
    if not isinstance(world, str) or world in (BUILTIN_WORLD, *shipped) or world in worlds:
        return ""
    dropped = ", ".join(sorted(worlds)) if worlds else "none was dropped"
    shown = world if len(world) <= 80 else world[:77] + "..."
    return (
        f"{name}: world: an uploaded scenario may use only a built-in world "
        f"({', '.join([BUILTIN_WORLD, *shipped])}) or the file name of a world file dropped "
        f"with it ({dropped}); got {shown!r}"
    )


def open_uploads(files: Sequence[tuple[str, bytes]]) -> tuple[LoadedScenario | None, str]:
    """Load one uploaded scenario, with the world files dropped with it; errors name the upload.

    An uploaded scenario may use only the built-in world (``world = "builtin"``, the default)
    or a world file uploaded with it, named by its file name (``world = "my_world.toml"``). Any
    other ``world`` (a path on the server, ``../x.toml``, a file not dropped) is refused before
    any file but the upload is read. A dropped file is a world file if it has a ``[meta]``
    table; exactly one of the files must be a scenario.

    The scenario and the world it names go to a private temporary folder for the time of
    loading, since scenarios are read from a path; the loaded scenario keeps its text and is
    named by the upload's file name.

    Args:
        files: ``(file name, contents)`` of each dropped file.

    Returns:
        The scenario and ``""``, or None and one line saying what is wrong.
    """
    uploads: dict[str, bytes] = {}
    for raw_name, data in files:
        name = _upload_name(raw_name)
        if name in uploads:
            return None, f"{name}: (file): dropped twice; drop each file once"
        if len(data) > MAX_FILE_BYTES:
            return None, (
                f"{name}: (file): larger than {MAX_FILE_BYTES // 2**20} MB; scenario and world "
                "files are short text files"
            )
        uploads[name] = data
    tables = {name: _toml(data) for name, data in uploads.items()}
    # A world file has a [meta] table, or is named by another dropped file (even a broken one:
    # the loader then says what is wrong with it).
    named = {
        (other, table.get("world"))
        for other, table in tables.items()
        if table is not None and isinstance(table.get("world"), str)
    }
    worlds = {
        name
        for name, table in tables.items()
        if (table is not None and "meta" in table)
        or any(world == name and other != name for other, world in named)
    }
    scenarios = [name for name in uploads if name not in worlds]
    if not uploads:
        return None, "(upload): no file was dropped"
    if not scenarios:
        return None, (
            f"{', '.join(sorted(worlds))}: (file): only world files were dropped; drop the "
            "scenario file together with its world file"
        )
    if len(scenarios) > 1:
        return None, (
            f"{', '.join(scenarios)}: (file): drop one scenario file at a time (with the world "
            "file it names, if any)"
        )
    (name,) = scenarios
    refusal = _world_refusal(name, tables[name], worlds)
    if refusal:
        return None, refusal
    world = (tables[name] or {}).get("world")
    with tempfile.TemporaryDirectory(prefix="alliance-sim-upload-") as folder:
        for file in {name, *([world] if isinstance(world, str) and world in worlds else [])}:
            (Path(folder) / file).write_bytes(uploads[file])
        loaded, message = open_scenario(Path(folder) / name, shown_as=name)
        # A world file's error names its path: the upload's name is what the user knows.
        for prefix in {str(Path(folder)), os.path.realpath(folder)}:
            message = message.replace(prefix + os.sep, "")
    if loaded is None:
        return None, message
    # The loader parses as _toml does, so this never refuses; if they ever differ, it still must.
    refusal = _world_refusal(name, {"world": loaded.scenario.world}, worlds)
    if refusal:
        return None, refusal
    return dataclasses.replace(loaded, path=Path(name)), ""


def open_upload(name: str, data: bytes) -> tuple[LoadedScenario | None, str]:
    """Load one uploaded scenario file alone, as :func:`open_uploads`."""
    return open_uploads([(name, data)])


def arms_ties(loaded: LoadedScenario) -> list[ArmsTie]:
    """Arms ties in force in the scenario's year (its start), in world order."""
    year = loaded.scenario.year or loaded.world.meta.year
    return [
        tie
        for tie in loaded.world.ties
        if isinstance(tie, ArmsTie) and dated_status(tie.since, tie.until, year) == "active"
    ]


def event_switches(loaded: LoadedScenario) -> list[Switch]:
    """The on/off switches of a scenario's world: every state busy elsewhere, every arms tie cut.

    One switch per state of the world (in name order) and one per arms tie in force in the
    scenario's year (in world order), so a switch never names a state or tie the world lacks.
    Each label says what switching it on does.
    """
    busy = [
        Switch("distracted", state, f"{state} busy elsewhere")
        for state in sorted(loaded.world.states)
    ]
    cut = [
        Switch("cut", tie.id, f"{tie.source} → {tie.target} arms cut") for tie in arms_ties(loaded)
    ]
    return busy + cut


def _is_cut(event: Event, tie: str) -> bool:
    """Whether ``event`` stops ``tie`` from week 0 (a suspension or a cut)."""
    return (
        isinstance(event, TieChange)
        and event.tie == tie
        and event.step == 0
        and event.kind in ("tie_suspend", "tie_cut")
    )


def _is_busy(event: Event, state: str) -> bool:
    """Whether ``event`` is a distraction of ``state`` (of any level)."""
    return isinstance(event, Distraction) and event.state == state


def default_settings(loaded: LoadedScenario) -> Settings:
    """The settings that leave a scenario as it is: its levers, volumes and events.

    A state is ``distracted`` if the scenario has it busy elsewhere at some level above 0; an
    arms tie is ``cut`` if the scenario suspends or cuts it in week 0.

    Args:
        loaded: A loaded scenario.

    Returns:
        Settings whose :func:`apply_settings` gives back the same world and timeline.
    """
    states = loaded.world.states
    events = loaded.scenario.events
    return Settings(
        commitment={s: st.commitment.value for s, st in states.items()},
        risk_appetite={s: st.risk_appetite.value for s, st in states.items()},
        economic_weight={s: st.economic_weight.value for s, st in states.items()},
        arms={tie.id: 1.0 for tie in arms_ties(loaded)},
        distracted={
            s: any(isinstance(e, Distraction) and e.state == s and e.level > 0 for e in events)
            for s in sorted(states)
        },
        cut={tie.id: any(_is_cut(e, tie.id) for e in events) for tie in arms_ties(loaded)},
    )


def _check_keys(loaded: LoadedScenario, settings: Settings) -> None:
    """Every state and tie the switches and arms sliders name is one the page offers."""
    allowed = {
        "distracted": sorted(loaded.world.states),
        "cut": [tie.id for tie in arms_ties(loaded)],
        "arms": [tie.id for tie in arms_ties(loaded)],
    }
    for setting, names in allowed.items():
        for key in getattr(settings, setting):
            if key not in names:
                what = "state" if setting == "distracted" else "arms tie in force"
                raise InputError(
                    loaded.path,
                    f"{setting}.{key}",
                    f"unknown {what} {key!r}; allowed: {', '.join(names) or 'none'}",
                )


def _events(loaded: LoadedScenario, settings: Settings) -> list[dict[str, object]]:
    """The scenario's timeline with the switches applied, as scenario-file tables.

    A switch turned on adds its event in week 0 (a ``distraction`` at
    :data:`DISTRACTION_LEVEL` for the whole run, a ``tie_cut``); a switch turned off that the
    scenario had on removes the scenario's events behind it. Switches left as the scenario has
    them change nothing.
    """
    base = default_settings(loaded)
    events = list(loaded.scenario.events)
    added: list[dict[str, object]] = []
    for state, busy in settings.distracted.items():
        if bool(busy) == base.distracted.get(state, False):
            continue
        # Off: the scenario's distractions of the state go. On: so do its level-0 ones (the
        # only ones it can have here), which would end the switch's distraction.
        events = [e for e in events if not _is_busy(e, state)]
        if busy:
            added.append(
                {"step": 0, "kind": "distraction", "state": state, "level": DISTRACTION_LEVEL}
            )
    for tie, cut in settings.cut.items():
        if bool(cut) == base.cut.get(tie, False):
            continue
        if cut:
            added.append({"step": 0, "kind": "tie_cut", "tie": tie})
        else:
            events = [e for e in events if not _is_cut(e, tie)]
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
            above 3) or names a state or arms tie the page does not offer, naming the scenario
            file and the field. Levers, overrides and events (the switches' too) go through
            :func:`sim.loading.scenarios.with_changes`, so they get exactly the checks a
            scenario file gets.
    """
    _check_keys(loaded, settings)
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
