"""The run on the classroom page: step, play, reset; the pictures, the account, the comparison.

Everything slow (the run, its account, the comparison's runs) is worked out in a thread
(``solara.use_thread``), so a click changes the page at once: until the new run is ready, the
previous one is dimmed under a "working out" line, and a comparison made for other settings
is gone. Each result carries the settings it is of, and the page shows a result as current
only if they are the settings of the controls.
"""

from __future__ import annotations

import base64
import threading
from collections.abc import Callable
from dataclasses import dataclass

import pandas as pd
import solara
from solara.alias import rv as v
from solara.util import CancelledError

from sim.loading.scenarios import LoadedScenario
from sim.model.model import AllianceModel
from sim.presentation.account import comparison_cells
from sim.presentation.classroom import (
    Settings,
    apply_settings,
    default_settings,
    new_model,
    outcome_summary,
    stored_from_model,
)
from sim.presentation.live_view import (
    NETWORK_HEIGHT,
    WEEKLY_HEIGHT,
    Chart,
    Option,
    network_option,
    weekly_option,
)
from sim.presentation.page_text import Bullets, Heading, Paragraph, Table
from sim.presentation.plot_base import Stored
from sim.presentation.share import settings_query, tables_zip, what_if_toml
from sim.presentation.shared_runs import shared_comparison
from sim.schema.errors import InputError
from sim.schema.limits import MAX_REPLICATES

REPLICATES = 5
KEY = (
    "Circle area: military strength (the number under the name); red ring: fighting. "
    "Thicker lines: stronger ties. Arrows: supplier → recipient, attacker → defender."
)


class KeptRun:
    """The model of the last run a page worked out, to step on from rather than replay.

    A later week of the same run (the very scenario object and replicate) steps the kept
    model on from its week: the same steps from the same state as a replay from week 0, so
    the same run, and a click late in a long scenario costs a week, not the whole run. A job
    takes the model (under a lock) and keeps it again once it has read it, so two jobs never
    step one model; a job that finds none, or one of another run or of a later week, starts
    afresh.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._kept: tuple[LoadedScenario, int, int, AllianceModel] | None = None

    def take(self, loaded: LoadedScenario, replicate: int, weeks: int) -> tuple[AllianceModel, int]:
        """The kept model and its week if it is of this run and not past ``weeks``; or a new one."""
        with self._lock:
            kept, self._kept = self._kept, None
        if kept is not None and kept[0] is loaded and kept[1] == replicate and kept[2] <= weeks:
            return kept[3], kept[2]
        return new_model(loaded, replicate), 0

    def keep(self, loaded: LoadedScenario, replicate: int, week: int, model: AllianceModel) -> None:
        """Keep ``model``, a run of ``loaded`` stepped to ``week``, for the next job."""
        with self._lock:
            self._kept = (loaded, replicate, week, model)


def run_to(
    loaded: LoadedScenario, weeks: int, replicate: int = 0, kept: KeptRun | None = None
) -> AllianceModel:
    """One replicate stepped to week ``weeks`` (same seed, same run), from ``kept`` if it can.

    The caller gives the model back to ``kept`` (:meth:`KeptRun.keep`) once it has read it.
    """
    model, week = kept.take(loaded, replicate, weeks) if kept else (new_model(loaded, replicate), 0)
    for _ in range(week, weeks):
        model.step()
    return model


def checked(loaded: LoadedScenario, settings: Settings) -> tuple[LoadedScenario | None, str]:
    """The scenario with the settings applied and ``""``, or None and the one-line error."""
    try:
        return apply_settings(loaded, settings), ""
    except InputError as error:
        return None, str(error)


@dataclass(frozen=True)
class View:
    """One run as the page shows it, with the settings it is of."""

    applied: LoadedScenario
    replicate: int
    week: int
    stored: Stored
    lines: list[str]
    network: Option
    weekly: Option
    tables: bytes
    what_if: str

    def of(self, applied: LoadedScenario | None, replicate: int, week: int) -> bool:
        """Whether this is the run of these settings (the very scenario object, not a copy)."""
        return self.applied is applied and (self.replicate, self.week) == (replicate, week)


def work_out(
    applied: LoadedScenario, replicate: int, week: int, cancel: threading.Event, kept: KeptRun
) -> View:
    """Run, tell and draw one run; give up as soon as the page has moved on."""
    model = run_to(applied, week, replicate, kept)
    stored = stored_from_model(applied, model, replicate)
    kept.keep(applied, replicate, week, model)  # read: the next job may step it on
    lines = outcome_summary(applied, stored)
    if cancel.is_set():
        raise CancelledError()
    # The pictures as ECharts options, plain data the browser draws (sim.presentation.live_view).
    network, weekly = network_option(stored), weekly_option(stored)
    tables, what_if = tables_zip(stored), what_if_toml(applied, replicate)
    return View(applied, replicate, week, stored, lines, network, weekly, tables, what_if)


@solara.component
def Main(
    loaded: LoadedScenario,
    settings: Settings,
    week: solara.Reactive[int],
    replicate: solara.Reactive[int],
    on_reset: Callable[[], None],
    name: str,
) -> None:
    """Step, play, reset, new run; the network, the weekly plots, the outcome, the comparison."""
    sc = loaded.scenario
    # A setting the scenario file could not hold either is one line on the page, as a file is.
    applied, refused = solara.use_memo(lambda: checked(loaded, settings), [loaded, settings])
    # The page keeps the week: a moved slider replays the what-if to the same week from the
    # same seed, so the class sees the change at the moment they are looking at. (The model of
    # the last run is kept only to step it on to a later week of the same run.)
    weeks, run = min(week.value, sc.steps), replicate.value
    playing = solara.use_reactive(False)
    pause = solara.use_reactive(1.0)
    kept = solara.use_memo(KeptRun, [])

    def job(cancel: threading.Event) -> View | None:
        return None if applied is None else work_out(applied, run, weeks, cancel, kept)

    result = solara.use_thread(job, [applied, run, weeks], intrusive_cancel=False)
    view = result.value
    fresh = (
        result.state == solara.ResultState.FINISHED
        and view is not None
        and view.of(applied, run, weeks)
    )

    def tick(cancel: threading.Event) -> None:
        """While playing, the next week after a pause, once this one is on the page."""
        if not (playing.value and fresh):
            return
        if weeks >= sc.steps:
            playing.set(False)
        elif not cancel.wait(pause.value):
            week.set(weeks + 1)

    solara.use_thread(tick, [playing.value, fresh, weeks], intrusive_cancel=False)

    def reset() -> None:
        playing.set(False)
        on_reset()

    Heading(sc.name, 1)
    if sc.question.strip():
        Paragraph(sc.question, bold=True)
    if applied is None:
        solara.v.Alert(type="error", children=[refused])
        return
    with solara.Row(classes=["controls-row"]):
        solara.Button("Step one week", on_click=lambda: week.set(min(weeks + 1, sc.steps)))
        solara.Button(
            "Pause" if playing.value else "Play",
            on_click=lambda: playing.set(not playing.value),
            color="primary",
        )
        solara.Button("Run to the end", on_click=lambda: week.set(sc.steps), color="primary")
        solara.Button("Reset", on_click=reset, outlined=True)
        solara.Button(
            "New random run",
            on_click=lambda: replicate.set(run + 1),
            outlined=True,
            disabled=run + 1 >= MAX_REPLICATES,  # a what-if file holds no more replicates
        )
    with solara.Row(classes=["controls-row"]):
        Heading(f"Week {weeks} of {sc.steps}", 2)
        Paragraph(f"Random run {run + 1} (replicate {run} of seed {sc.seed})")
    solara.SliderFloat(
        f"Pause between weeks when playing: {pause.value:.1f} s",
        value=pause,
        min=0.0,
        max=3.0,
        step=0.1,
    )
    # Keys, not places, tie what follows to the widgets already in the browser: the lines
    # below come and go with a click, and without keys the run's pictures, account and
    # comparison would take new places and be built anew (new widgets, new charts) twice a
    # click, once when the run goes stale and once when the new one is ready.
    failed = result.state == solara.ResultState.ERROR
    if failed:
        solara.v.Alert(type="error", children=[f"{name}: could not run: {result.error}"]).key(
            "error"
        )
    # Always on the page, hidden while there is nothing to work out: a line made and dropped
    # at every click is a widget built anew in the browser twice a click.
    solara.v.Html(
        tag="p",
        class_="computing" if not (fresh or failed) else "computing-idle",
        children=[f"Working out week {weeks} with these settings… (dimmed: the previous run)"],
    ).key("working")
    if view is not None:
        # The run's own settings as the address writes them: one can check that they are the
        # controls' (the browser tests do).
        query = settings_query(name, loaded, settings, weeks, run) if fresh else ""
        Shown(view, fresh, query).key("shown")
        Downloads(view, name, fresh).key("downloads")
    Comparison(loaded, applied).key("comparison")


def data_link(data: bytes, mime: str) -> str:
    """A ``data:`` address holding ``data``: a link to it downloads without any request."""
    return f"data:{mime};base64,{base64.b64encode(data).decode()}"


@solara.component
def Downloads(view: View, name: str, fresh: bool) -> None:
    """The shown run's tables and its what-if as a scenario file, as download links.

    Hidden while the shown run is not the controls' own (``fresh`` false), not removed: the
    links stay in the browser and only their addresses change with the run.
    """
    # Links to data: addresses, not solara.FileDownload, whose button does not show with this
    # ipyvuetify; the files are small (a run's tables, one scenario file).
    files = {
        "Download the run's tables (CSV)": (
            f"{name}_run{view.replicate}_week{view.week}.zip",
            data_link(view.tables, "application/zip"),
        ),
        "Download the what-if (scenario file)": (
            f"{name}_what_if_run{view.replicate}.toml",
            data_link(view.what_if.encode(), "application/toml"),
        ),
    }
    with solara.Row(classes=["controls-row"]):
        for label, (filename, address) in files.items():
            v.Html(
                tag="a",
                attributes={"href": address, "download": filename},
                class_="download-link" if fresh else "download-link waiting",
                children=[label],
            )


@solara.component
def Shown(view: View, fresh: bool, query: str) -> None:
    """A run's pictures and account; dimmed unless it is the run of the controls' settings.

    ``query`` (the settings as the address gives them) goes in the ``data-query`` attribute.
    """
    with v.Html(tag="div", class_="fresh" if fresh else "stale", attributes={"data-query": query}):
        with solara.ColumnsResponsive(12, large=[7, 5]):
            with solara.Column():
                Chart(view.network, NETWORK_HEIGHT)
                Paragraph(KEY)
            with solara.Column():
                Heading("What happened", 2)
                Bullets(view.lines)
        Chart(view.weekly, WEEKLY_HEIGHT)


@solara.component
def Comparison(loaded: LoadedScenario, applied: LoadedScenario) -> None:
    """Five runs of the scenario as it is beside five of the what-if, on request."""
    # The what-if the comparison was asked for (None: not asked).
    asked: solara.Reactive[LoadedScenario | None] = solara.use_reactive(None)

    def job(cancel: threading.Event) -> tuple[LoadedScenario, pd.DataFrame] | None:
        what_if = asked.value
        if what_if is None:
            return None
        before = apply_settings(loaded, default_settings(loaded))
        # One computation for every tab that asks with the same settings.
        return what_if, shared_comparison(before, what_if, REPLICATES)

    result = solara.use_thread(job, [asked.value], intrusive_cancel=False)
    Heading(f"Before and after the what-if ({REPLICATES} runs each)", 2)
    solara.Button(
        "Compare with the scenario as it is",
        on_click=lambda: asked.set(applied),
        color="primary",
    )
    # Asked for other settings than the controls' now: nothing to show until asked again.
    if asked.value is not applied:
        return
    done = result.value
    if result.state == solara.ResultState.FINISHED and done is not None and done[0] is applied:
        Table(done[1], "outcome", comparison_cells(done[1]))
    else:
        Paragraph(f"Running {REPLICATES} + {REPLICATES} runs…")
