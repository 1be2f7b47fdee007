"""Classroom app: pick a scenario, move a lever, watch the network and the outcome change.

Run it with ``alliance-sim app`` (or ``solara run sim/presentation/app.py``). Every browser
tab gets its own scenario, settings and model: all state lives in ``use_reactive`` inside the
components (:func:`Page`, :func:`~sim.presentation.run_view.Main`), never at module level, so
a class of students can share one server. The page's scenario, settings, week and run are in
its address (:mod:`.share`): a reload or a shared link shows the same page.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Any

import solara
from solara.toestand import Ref

from sim.loading.builtin import builtin_scenarios
from sim.loading.scenarios import LoadedScenario, load_scenario
from sim.presentation.classroom import Settings, default_settings, open_scenario, open_uploads
from sim.presentation.controls import Info, Levers
from sim.presentation.page_text import Heading
from sim.presentation.run_view import Main
from sim.presentation.share import query_scenario, read_query, settings_query
from sim.presentation.upload_widget import FileUpload
from sim.schema.limits import MAX_FILE_BYTES

# Large type for a projector at the back of a classroom; columns stack on a narrow screen.
CSS = """
.v-application, .v-label, .v-input, .v-btn, .v-select__selection { font-size: 20px !important; }
.v-application h1 { font-size: 36px; line-height: 1.2; } .v-application h2 { font-size: 28px; }
.v-application li, .v-application p, .v-application td, .v-application th { font-size: 21px; }
.v-application h3 { font-size: 23px; font-weight: 600; margin-top: 12px; }
.v-btn { min-height: 48px; }
.v-label { opacity: 1 !important; color: #111 !important; }
.v-application img { max-width: 100%; height: auto; }
.v-application img.widget-image { margin: 0; }
.event-switch .v-input__details, .event-switch .v-messages { display: none; }
.event-switch { margin-top: 4px !important; }
.event-switch.is-on .v-label { font-weight: 600; }
.controls-row { flex-wrap: wrap; gap: 8px; align-items: center; }
.stale { opacity: 0.25; filter: grayscale(1); }
.computing { background: #fff3cd; border-left: 6px solid #b8860b; padding: 6px 12px; }
.computing-idle { display: none; }
table { border-collapse: collapse; } td, th { padding: 4px 12px; border-bottom: 1px solid #ccc; }
td.number { text-align: right; }
.download-link { border: 1px solid currentColor; border-radius: 4px; padding: 10px 16px;
  color: #1565c0 !important; text-decoration: none; font-size: 18px; }
.download-link.waiting { visibility: hidden; pointer-events: none; }
"""


def read_upload(file: Any) -> tuple[str, bytes]:
    """Name and contents of an uploaded file, reading no more than one byte past the limit.

    A file over :data:`~sim.schema.limits.MAX_FILE_BYTES` is refused by
    :func:`~sim.presentation.classroom.open_uploads` without being read to its end.
    """
    return str(file["name"]), file["file_obj"].read(MAX_FILE_BYTES + 1)


@dataclass(frozen=True)
class Shown:
    """What the page shows: a scenario, its settings, week and run, the last error line.

    ``name`` is the built-in scenario's name (``""`` for a file or an upload: the address then
    names no scenario). ``load`` counts the scenarios loaded: each one (even the same file
    again) starts afresh. ``drops`` counts the uploads handled: each gives a fresh upload zone,
    since Solara's ignores files with the same names and sizes as the last (an edited file).
    """

    loaded: LoadedScenario
    settings: Settings
    name: str = ""
    week: int = 0
    replicate: int = 0
    error: str = ""
    load: int = 0
    drops: int = 0

    def then(
        self, found: LoadedScenario | None, message: str, name: str = "", *, drop: bool = False
    ) -> Shown:
        """What the page shows next: ``found`` at week 0, or this with the error ``message``."""
        drops = self.drops + int(drop)
        if found is None:
            return dataclasses.replace(self, error=message, drops=drops)
        return Shown(found, default_settings(found), name, 0, 0, message, self.load + 1, drops)

    def reset(self) -> Shown:
        """The scenario as it is, at week 0 of its first run."""
        return dataclasses.replace(
            self, settings=default_settings(self.loaded), week=0, replicate=0, error=""
        )


def first_page(search: str | None, builtin: dict[str, Any]) -> Shown:
    """The page an address asks for: its scenario (a built-in one), settings, week and run."""
    asked = query_scenario(search)
    name = asked if asked in builtin else "classroom" if "classroom" in builtin else ""
    name = name or next(iter(builtin))
    # A built-in scenario that does not load is a broken installation: the error shows.
    loaded = load_scenario(builtin[name])
    shared = read_query(search, loaded)
    error = shared.refused
    if asked is not None and asked != name:
        error = f"(link): no built-in scenario {asked!r}; showing {name!r}"
    return Shown(loaded, shared.settings, name, shared.week, shared.replicate, error)


@solara.component
def Page() -> None:
    """The whole page: scenario, Info and controls at the side; run, pictures and outcome."""
    solara.Style(CSS)
    solara.Title("alliance-sim classroom")
    builtin = solara.use_memo(builtin_scenarios, [])
    router = solara.use_router()
    initial = solara.use_memo(lambda: first_page(router.search, builtin), [])
    # The scenario, its settings and the error line change together, in one update: a render
    # between two updates would apply one scenario's settings to another's world.
    shown = solara.use_reactive(initial)
    # The same field references at every render: a child given the same arguments as before
    # is not rendered again (a new reference never equals the last), so a step leaves the
    # controls alone, and the address following the page renders neither them nor the run.
    settings, week, replicate = solara.use_memo(
        lambda: (Ref(shown.fields.settings), Ref(shown.fields.week), Ref(shown.fields.replicate)),
        [],
    )
    path_text = solara.use_reactive("")
    now = shown.value

    def keep_address() -> None:
        """The address says what the page shows; a file or an upload it cannot name: none."""
        query = ""
        if now.name:
            query = settings_query(now.name, now.loaded, now.settings, now.week, now.replicate)
        if query != (router.search or ""):
            path = router.path or "/"
            router.push(f"{path}?{query}" if query else path)

    solara.use_effect(keep_address, [now.load, now.settings, now.week, now.replicate])

    def show(found: LoadedScenario | None, message: str, name: str = "") -> None:
        shown.set(shown.value.then(found, message, name))

    def uploaded(files: list[Any]) -> None:
        try:
            found, message = open_uploads([read_upload(file) for file in files])
        except OSError as exc:  # the browser went away in the middle of the upload
            found, message = None, f"(upload): could not read the files: {exc}"
        shown.set(shown.value.then(found, message, drop=True))

    with solara.ColumnsResponsive(12, large=[3, 9]):
        with solara.Column():
            Heading("Scenario", 2)
            solara.Select(
                "Built-in scenario",
                values=list(builtin),
                value=now.name or None,
                on_value=lambda name: show(*open_scenario(builtin[name]), name),
            )
            solara.InputText("…or the path of a scenario file", value=path_text)
            solara.Button(
                "Load file",
                on_click=lambda: show(*open_scenario(path_text.value.strip())),
                outlined=True,
            )
            FileUpload(
                "…or drop a scenario file here (with its world file, if it has its own)",
                "Upload scenario file…",
                uploaded,
            ).key(f"upload-{now.drops}")
            if now.error:
                # solara.Error fails with this ipyvuetify (its text= flag); the plain Alert works.
                solara.v.Alert(type="error", children=[now.error])
            Info()
            Levers(now.loaded, settings)
        # A new scenario gets a new Main (keyed by the load): its run starts afresh.
        Main(
            now.loaded,
            now.settings,
            week,
            replicate,
            lambda: shown.set(shown.value.reset()),
            now.name or now.loaded.path.stem,
        ).key(f"load-{now.load}")
