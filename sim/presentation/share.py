"""What a classroom page gives away: its settings as a link, its what-if as a file, its tables.

:func:`settings_query` and :func:`read_query` put a page's scenario, settings, week and run in
the address bar and read them back (a reloaded or shared link shows the same page).
:func:`what_if_toml` writes the what-if as a scenario file that ``python -m sim run FILE``
accepts, and :func:`tables_zip` the shown run's tables as CSV files.
"""

from __future__ import annotations

import io
import math
import zipfile
from dataclasses import dataclass, replace
from urllib.parse import parse_qsl, urlencode

from sim.loading.scenarios import LoadedScenario
from sim.loading.toml_text import toml_document
from sim.presentation.account import week_of
from sim.presentation.classroom import MAX_ARMS_FACTOR, Settings, default_settings
from sim.presentation.plot_base import Stored
from sim.schema.limits import MAX_REPLICATES

#: Settings fields held per state or tie as numbers, with their largest value in a link.
NUMBERS = {
    "commitment": 1.0,
    "risk_appetite": 1.0,
    "economic_weight": 10.0,
    "arms": MAX_ARMS_FACTOR,
}
#: Settings fields held per state or tie as on/off switches.
SWITCHES = ("distracted", "routes")
#: Words a link may use for a switch.
ON_OFF = {"on": True, "off": False}


@dataclass(frozen=True)
class Shared:
    """A page as a link gives it: settings, week, run, and any part of the link refused."""

    settings: Settings
    week: int = 0
    replicate: int = 0
    refused: str = ""


def settings_query(
    name: str, loaded: LoadedScenario, settings: Settings, week: int, replicate: int
) -> str:
    """The query string of a page: its scenario, and what differs from the scenario as it is.

    Numbers are written with ``repr``, so a link read back gives exactly the same floats.
    """
    base = default_settings(loaded)
    params = [("scenario", name)]
    if week:
        params.append(("week", str(week)))
    if replicate:
        params.append(("run", str(replicate)))
    for setting in NUMBERS:
        for key, value in getattr(settings, setting).items():
            if value != getattr(base, setting).get(key):
                params.append((f"{setting}.{key}", repr(float(value))))
    for setting in SWITCHES:
        for key, on in getattr(settings, setting).items():
            if on != getattr(base, setting).get(key):
                params.append((f"{setting}.{key}", "on" if on else "off"))
    return urlencode(params)


def query_scenario(search: str | None) -> str | None:
    """The scenario a query string names, if any."""
    return dict(parse_qsl(search or "")).get("scenario")


def read_query(search: str | None, loaded: LoadedScenario) -> Shared:
    """The settings, week and run of a query string, on the scenario as it is.

    A part of the link the page does not offer (an unknown state, a number out of range, a
    word that is not a number) is left out and named in ``refused``, one line; the rest holds.
    """
    settings = default_settings(loaded)
    week, replicate, refused = 0, 0, []
    for key, text in parse_qsl(search or ""):
        setting, _, name = key.partition(".")
        current = getattr(settings, setting, None) if name else None
        try:
            if key in ("week", "run"):
                number = int(text)
                # A run the downloaded what-if can hold: replicates up to MAX_REPLICATES.
                top = loaded.scenario.steps if key == "week" else MAX_REPLICATES - 1
                if not 0 <= number <= top:
                    raise ValueError(text)
                week, replicate = (number, replicate) if key == "week" else (week, number)
            elif setting in NUMBERS and isinstance(current, dict) and name in current:
                value = float(text)
                if not (math.isfinite(value) and 0 <= value <= NUMBERS[setting]):
                    raise ValueError(text)
                settings = replace(settings, **{setting: {**current, name: value}})
            elif setting in SWITCHES and isinstance(current, dict) and name in current:
                settings = replace(settings, **{setting: {**current, name: ON_OFF[text]}})
            elif key != "scenario":
                raise KeyError(key)
        except (ValueError, KeyError):
            refused.append(f"{key}={text}")
    message = f"(link): left out what this page does not offer: {', '.join(refused)}"
    return Shared(settings, week, replicate, message if refused else "")


def what_if_toml(applied: LoadedScenario, replicate: int) -> str:
    """The what-if as a scenario file: ``python -m sim run FILE`` runs it as the page does.

    The page's run is replicate ``replicate`` of the file's seed; the file asks for enough
    replicates to include it, and says which one it is.
    """
    data = applied.scenario.model_dump(mode="json", exclude_none=True)
    data["replicates"] = max(int(data.get("replicates", 1)), replicate + 1)
    head = (
        f"# What-if from the classroom page, on scenario {applied.scenario.name!r}.\n"
        f"# The page showed replicate {replicate} (the replicate column of the results).\n"
    )
    return head + toml_document(data)


def tables_zip(stored: Stored) -> bytes:
    """The shown run's tables as CSV files in one zip, as the page draws and tells them.

    ``actions.csv`` gains a first column ``week``: the week of each action as the page, the
    charts and ``steps.csv`` count weeks (its ``step`` + 1, see
    :func:`~sim.presentation.account.week_of`).
    """
    actions = stored.actions.copy()
    actions.insert(0, "week", [week_of(step) for step in actions.get("step", [])])
    tables = {
        "steps.csv": stored.steps,
        "actions.csv": actions,
        "summary.csv": stored.summary,
        "network.csv": stored.network,
    }
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, table in tables.items():
            if table is not None:
                archive.writestr(name, table.to_csv(index=False))
    return buffer.getvalue()
