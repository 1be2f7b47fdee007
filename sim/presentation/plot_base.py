"""What every figure of a results folder shares: colours, style, the stored tables.

:class:`Stored` holds a results folder's tables as read back from disk (or as a live run
gives them, :func:`sim.presentation.classroom.stored_from_model`); the figure modules
(:mod:`~sim.presentation.timeseries_plot`, :mod:`~sim.presentation.network_plot`,
:mod:`~sim.presentation.outcomes_plot`, :mod:`~sim.presentation.alliance_plot`) draw from it
alone. Columns are named by :mod:`sim.schema.columns`. Figures use Okabe-Ito colours and large
fonts so they stay legible on a classroom projector.
"""

from __future__ import annotations

import io
import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd
from cycler import cycler
from matplotlib.axes import Axes
from matplotlib.figure import Figure

from sim.schema.columns import CONTROL, NETWORK_COLUMNS, TIE_CHANGE_COLUMNS, column, names_of
from sim.schema.errors import InputError
from sim.schema.vocabulary import TIE_STATUSES

if TYPE_CHECKING:
    from matplotlib.typing import RcKeyType

# Okabe & Ito (2008): distinguishable under the common colour-vision deficiencies.
OKABE_ITO = {
    "black": "#000000",
    "orange": "#E69F00",
    "sky": "#56B4E9",
    "green": "#009E73",
    "yellow": "#F0E442",
    "blue": "#0072B2",
    "vermillion": "#D55E00",
    "purple": "#CC79A7",
    "grey": "#999999",
}
# Yellow is left out of the cycle: it vanishes on a white background under a projector.
CYCLE = [OKABE_ITO[c] for c in ("blue", "vermillion", "green", "orange", "purple", "sky", "black")]
NOTE_GREY = "#555555"

#: Matplotlib settings of every figure: ``with mpl.rc_context(STYLE): ...``.
STYLE: dict[RcKeyType, Any] = {
    "font.size": 14,
    "axes.titlesize": 18,
    "axes.titleweight": "bold",
    "axes.labelsize": 15,
    "xtick.labelsize": 14,
    "ytick.labelsize": 14,
    "legend.fontsize": 14,
    "legend.title_fontsize": 14,
    "figure.titlesize": 22,
    "figure.titleweight": "bold",
    "axes.prop_cycle": cycler(color=CYCLE),
    "axes.spines.top": False,
    "axes.spines.right": False,
    "axes.grid": True,
    "grid.alpha": 0.3,
    "lines.linewidth": 3,
    "savefig.dpi": 100,
    "savefig.facecolor": "white",
}

ESCALATION_LABELS = ["peace", "crisis", "war", "war +\n3rd party"]
#: The model's calendar (``sim.model.model.WEEKS_PER_YEAR``, which tests/test_plots.py checks
#: this against), written here so that redrawing a folder does not import the model and Mesa.
WEEKS_PER_YEAR = 52
CONFLICT_THEATRE = re.compile(r"^(?:war|crisis):.+@(?P<theatre>.+)$")


@dataclass
class Stored:
    """The tables of a results folder, as read back from disk."""

    name: str
    steps: pd.DataFrame
    summary: pd.DataFrame
    actions: pd.DataFrame
    network: pd.DataFrame | None
    #: ``tie_changes.csv``; None for a folder written before the file existed.
    tie_changes: pd.DataFrame | None = None
    #: The run's first calendar year (``manifest.json``), if known.
    year: int | None = None

    @property
    def replicates(self) -> int:
        """Number of replicates in the run."""
        return int(self.steps["replicate"].nunique())

    @property
    def states(self) -> list[str]:
        """State names, sorted, from the per-state columns of ``steps.csv``."""
        return sorted(names_of("strength", self.steps.columns))


#: Columns the figures need, per table of a results folder, and those that hold text.
REQUIRED = {
    "steps.csv": ("replicate", "step", "escalation", "balanced_triangles", "frustration"),
    "summary.csv": ("replicate", "war_weeks", "max_escalation"),
    "network.csv": NETWORK_COLUMNS,
    "actions.csv": (),
    "tie_changes.csv": ("replicate", *TIE_CHANGE_COLUMNS),
}
TEXT_COLUMNS = {
    "summary.csv": ("peacekeepers",),
    "network.csv": ("source", "target", "kind", "tie"),
    "actions.csv": ("state", "action", "other", "conflict", "detail"),
    "tie_changes.csv": ("tie", "kind", "source", "target", "status", "reason"),
}
#: Columns that must hold a whole number in every row.
WHOLE = {
    "steps.csv": ("replicate", "step"),
    "summary.csv": ("replicate", "war_weeks", "max_escalation"),
    "network.csv": ("replicate", "step"),
    "tie_changes.csv": ("replicate", "step"),
}
#: Text columns that must hold a name in every row (a mediation tie has no target).
NAMED = {
    "network.csv": ("source", "target", "kind"),
    "tie_changes.csv": ("tie", "kind", "source", "status", "reason"),
}
#: Text columns whose every value must be one of a known few.
ONE_OF = {"tie_changes.csv": {"status": TIE_STATUSES}}
RERUN = "run the scenario again with 'alliance-sim run'"


def load_stored(folder: Path) -> Stored:
    """Read a results folder's tables, checking that the figures can be drawn from them.

    Args:
        folder: The results folder.

    Returns:
        The stored tables, the scenario name (the folder name if the manifest lacks one) and
        the run's first year (None if the manifest lacks it); a missing or empty
        ``actions.csv`` becomes an empty frame, a missing ``network.csv`` or
        ``tie_changes.csv`` (a folder written before it existed) None.

    Raises:
        InputError: naming the folder and the file that is missing, cannot be read, is cut
            short or garbled, lacks a column or holds a value the figures cannot use.
    """
    folder = Path(folder)
    manifest = _read_manifest(folder)
    network = folder / "network.csv"
    changes = folder / "tie_changes.csv"
    year = manifest.get("year")
    if not isinstance(year, int) or isinstance(year, bool) or not 0 < year < 10_000:
        year = None  # not a year the figures can print (a bool is an int to Python)
    return Stored(
        name=str(manifest.get("scenario") or folder.name),
        steps=_read_table(folder, "steps.csv"),
        summary=_read_table(folder, "summary.csv"),
        actions=_read_table(folder, "actions.csv", optional=True),
        network=_read_table(folder, "network.csv", optional=True) if network.is_file() else None,
        tie_changes=(
            _read_table(folder, "tie_changes.csv", optional=True) if changes.is_file() else None
        ),
        year=year,
    )


def _read_bytes(folder: Path, name: str) -> bytes:
    try:
        return (folder / name).read_bytes()
    except OSError as error:
        raise InputError(folder, name, f"cannot read: {error.strerror or error}") from None
    except MemoryError:
        raise InputError(folder, name, "too large to read into memory") from None


def _read_manifest(folder: Path) -> dict[str, Any]:
    raw = _read_bytes(folder, "manifest.json")
    try:
        manifest = json.loads(raw.decode("utf-8"))
    except UnicodeDecodeError:
        raise InputError(folder, "manifest.json", f"not UTF-8 text; {RERUN}") from None
    except ValueError as error:  # json.JSONDecodeError
        raise InputError(folder, "manifest.json", f"not valid JSON ({error}); {RERUN}") from None
    if not isinstance(manifest, dict):
        raise InputError(folder, "manifest.json", f"not a JSON object; {RERUN}")
    return manifest


def _read_table(folder: Path, name: str, optional: bool = False) -> pd.DataFrame:
    """Read and check one CSV table; an optional one may be missing or empty."""
    if optional and not (folder / name).is_file():
        return pd.DataFrame()
    raw = _read_bytes(folder, name)
    if not raw.strip():
        if optional:  # a table with no rows may be written without a header
            return pd.DataFrame()
        raise InputError(folder, name, f"empty; {RERUN}")
    if not raw.endswith(b"\n"):  # every table is written whole, ending its last line
        raise InputError(folder, name, f"ends in the middle of a line (cut short?); {RERUN}")
    text = {c: "string" for c in TEXT_COLUMNS.get(name, ())}
    try:
        table = pd.read_csv(io.BytesIO(raw), dtype=text)
    except MemoryError:
        raise InputError(folder, name, "too large to read into memory") from None
    except UnicodeDecodeError:
        raise InputError(folder, name, f"not UTF-8 text; {RERUN}") from None
    except ValueError as error:  # pandas' parser errors, a header-only garbled file
        reason = " ".join(str(error).split())
        raise InputError(folder, name, f"not a readable table ({reason}); {RERUN}") from None
    _check_table(folder, name, table, optional)
    return table


def _check_table(folder: Path, name: str, table: pd.DataFrame, optional: bool) -> None:
    missing = [c for c in REQUIRED[name] if c not in table.columns]
    if missing:
        raise InputError(folder, name, f"lacks column(s) {', '.join(missing)}; {RERUN}")
    if table.empty:  # no values to check (and pandas types the columns as text)
        if optional:
            return
        raise InputError(folder, name, f"has no rows; {RERUN}")
    text = TEXT_COLUMNS.get(name, ())
    for col in table.columns:
        values = table[col]
        if col in text:
            if col in NAMED.get(name, ()) and values.isna().any():
                row = int(values.isna().to_numpy().argmax())
                raise InputError(folder, name, f"column {col} is empty in row {row + 1}; {RERUN}")
            allowed = ONE_OF.get(name, {}).get(col)
            if allowed is not None and not values.dropna().isin(allowed).all():
                bad = values.notna() & ~values.isin(allowed)
                row = int(bad.to_numpy().argmax())
                raise InputError(
                    folder,
                    name,
                    f"column {col} holds {str(values.iloc[row])[:40]!r} in row {row + 1}, "
                    f"not one of {', '.join(allowed)}; {RERUN}",
                )
            continue
        if name == "actions.csv" and col not in ("replicate", "step"):
            continue  # free text the figures only search
        if not (pd.api.types.is_numeric_dtype(values) or pd.api.types.is_bool_dtype(values)):
            bad = pd.to_numeric(values, errors="coerce").isna() & values.notna()
            row = int(bad.to_numpy().argmax()) if bool(bad.any()) else 0
            raise InputError(
                folder,
                name,
                f"column {col} holds {str(values.iloc[row])[:40]!r} in row {row + 1}, "
                f"not a number; {RERUN}",
            )
        numbers = values.astype(float)
        if bool(np.isinf(numbers).any()):
            raise InputError(folder, name, f"column {col} holds an infinite value; {RERUN}")
        if col in WHOLE.get(name, ()) and not (
            numbers.notna().all() and (numbers == numbers.round()).all()
        ):
            raise InputError(
                folder, name, f"column {col} must hold a whole number in every row; {RERUN}"
            )


def save_png(figure: Figure, path: Path) -> Path:
    """Write a figure as a PNG and return its path."""
    # No software tag: the bytes then depend only on the data, not on the matplotlib version.
    figure.savefig(path, format="png", metadata={"Software": None})
    return path


# --- which theatres and states matter -----------------------------------------------------


def contested_theatres(stored: Stored) -> list[str]:
    """Theatres whose control changes in some replicate, else those fought or quarrelled over.

    Args:
        stored: The results tables.

    Returns:
        Theatre names in the order of the ``control`` columns; empty if none is contested.
    """
    theatres = names_of(CONTROL, stored.steps.columns)
    by_run = stored.steps.groupby("replicate")
    changed = [t for t in theatres if (by_run[column(CONTROL, t)].nunique() > 1).any()]
    if changed:
        return changed
    named = set()
    if "conflict" in stored.actions:
        for label in stored.actions["conflict"].dropna().astype(str):
            if match := CONFLICT_THEATRE.match(label):
                named.add(match["theatre"])
    return [t for t in theatres if t in named]


def share_of_runs(stored: Stored, metric: str) -> pd.Series:
    """Share of replicates in which each state's weekly 0/1 ``metric`` flag was ever set."""
    columns = {column(metric, s): s for s in stored.states if column(metric, s) in stored.steps}
    ever = stored.steps.groupby("replicate")[list(columns)].max().mean()
    return ever.rename(index=columns).reindex(stored.states, fill_value=0.0)


# --- time, and how the network moved ------------------------------------------------------


@dataclass(frozen=True)
class TimeAxis:
    """Weeks as the figures show them: calendar years for a run of a year or more, else weeks.

    Week ``w`` is the boundary between weeks ``w - 1`` and ``w`` (``steps.csv`` row ``w``; a
    tie change logged at step ``w`` happens there); year ``y0 + w / 52`` on a calendar axis.
    """

    start_year: int | None

    @property
    def label(self) -> str:
        """Name of the axis."""
        return "week" if self.start_year is None else "year"

    def x(self, weeks: Any) -> Any:
        """Position of a week (or an array of weeks) on the axis."""
        if self.start_year is None:
            return weeks
        return self.start_year + np.asarray(weeks, dtype=float) / WEEKS_PER_YEAR


def last_week(stored: Stored) -> int:
    """The run's last step (``steps.csv`` rows run from 0 to it)."""
    return int(stored.steps["step"].max())


def time_axis(stored: Stored) -> TimeAxis:
    """Years when the run spans a year or more and its first year is known, else weeks."""
    years = last_week(stored) >= WEEKS_PER_YEAR and stored.year is not None
    return TimeAxis(stored.year if years else None)


def network_moves(stored: Stored) -> bool:
    """Whether the figures of the moving network are worth drawing for this folder.

    They need ``tie_changes.csv`` (folders written before it are skipped), and some tie changed
    or the run spans a year (the states review their ties at each new year).
    """
    changes = stored.tie_changes
    if changes is None:
        return False
    return not changes.empty or last_week(stored) >= WEEKS_PER_YEAR


#: How each reason of ``tie_changes.csv`` reads in a figure (others are printed as they are).
REASON_LABELS = {
    "dates": "dates",
    "war": "war",
    "sanction": "sanction",
    "normalisation": "normalisation (event)",
    "tie_create": "created (event)",
    "tie_suspend": "suspended (event)",
    "tie_restore": "restored (event)",
    "tie_cut": "cut (event)",
    "rule:formed": "formed by the states",
    "rule:left": "left",
    "rule:renewed": "renewed",
    "rule:normalised": "normalised by the states",
    "rule:heider": "triad balancing",
    "rule:deepened": "deepened",
    "rule:diluted": "watered down",
    "rule:rivalry": "rivalry after war",
    "rule:dropped": "supplier dropped",
    "rule:supplier": "new supplier",
    "dissolved": "actor dissolved",
}
#: Reasons that put a new version of a tie in force without starting or ending it: a renewal
#: for another term, an alliance deepened or watered down.
REVISIONS = ("rule:renewed", "rule:deepened", "rule:diluted")
#: Why a tie changed, in the groups the figures mark: the states' own choices (``rule:...``),
#: the tie's dates, a war (fought between the two, or lost by an actor that then dissolved),
#: or a scripted event (including sanctions).
REASON_GROUPS = ("states", "dates", "event", "war")


def reason_label(reason: str) -> str:
    """A reason of ``tie_changes.csv`` in words."""
    return REASON_LABELS.get(reason, reason)


def reason_group(reason: str) -> str:
    """The group of :data:`REASON_GROUPS` a reason belongs to."""
    if reason.startswith("rule:"):
        return "states"
    if reason in ("dates", "war"):
        return reason
    if reason == "dissolved":  # an outcome of a war the actor lost, not a scripted event
        return "war"
    return "event"


def pair_label(a: str, b: str) -> str:
    """An unordered pair of states, sorted: ``"France – Russia"``."""
    first, second = sorted((a, b))
    return f"{first} – {second}"


def note(ax: Axes, text: str) -> None:
    """Replace a panel's plot with a centred note saying why it is empty."""
    ax.text(
        0.5,
        0.5,
        text,
        transform=ax.transAxes,
        ha="center",
        va="center",
        fontsize=18,
        color=NOTE_GREY,
    )
    # tick_params, not set_xticks([]): x ticks are shared with the other panels of the figure.
    ax.tick_params(left=False, labelleft=False, bottom=False, labelbottom=False)
    for spine in ax.spines.values():
        spine.set_visible(False)
    ax.grid(False)
