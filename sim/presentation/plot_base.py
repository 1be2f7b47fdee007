"""What every figure of a results folder shares: colours, style, the stored tables.

:class:`Stored` holds a results folder's tables as read back from disk (or as a live run
gives them, :func:`sim.presentation.classroom.stored_from_model`); the figure modules
(:mod:`~sim.presentation.timeseries_plot`, :mod:`~sim.presentation.network_plot`,
:mod:`~sim.presentation.outcomes_plot`) draw from it alone. Columns are named by
:mod:`sim.schema.columns`. Figures use Okabe-Ito colours and large fonts so they stay legible
on a classroom projector.
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

from sim.schema.columns import CONTROL, NETWORK_COLUMNS, column, names_of
from sim.schema.errors import InputError

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
CONFLICT_THEATRE = re.compile(r"^(?:war|crisis):.+@(?P<theatre>.+)$")


@dataclass
class Stored:
    """The tables of a results folder, as read back from disk."""

    name: str
    steps: pd.DataFrame
    summary: pd.DataFrame
    actions: pd.DataFrame
    network: pd.DataFrame | None

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
}
TEXT_COLUMNS = {
    "summary.csv": ("peacekeepers",),
    "network.csv": ("source", "target", "kind", "tie"),
    "actions.csv": ("state", "action", "other", "conflict", "detail"),
}
#: Columns that must hold a whole number in every row.
WHOLE = {
    "steps.csv": ("replicate", "step"),
    "summary.csv": ("replicate", "war_weeks", "max_escalation"),
    "network.csv": ("replicate", "step"),
}
#: Text columns that must hold a name in every row.
NAMED = {"network.csv": ("source", "target", "kind")}
RERUN = "run the scenario again with 'alliance-sim run'"


def load_stored(folder: Path) -> Stored:
    """Read a results folder's tables, checking that the figures can be drawn from them.

    Args:
        folder: The results folder.

    Returns:
        The stored tables and the scenario name (the folder name if the manifest lacks one);
        a missing or empty ``actions.csv`` becomes an empty frame, a missing ``network.csv``
        None.

    Raises:
        InputError: naming the folder and the file that is missing, cannot be read, is cut
            short or garbled, lacks a column or holds a value the figures cannot use.
    """
    folder = Path(folder)
    manifest = _read_manifest(folder)
    network = folder / "network.csv"
    return Stored(
        name=str(manifest.get("scenario") or folder.name),
        steps=_read_table(folder, "steps.csv"),
        summary=_read_table(folder, "summary.csv"),
        actions=_read_table(folder, "actions.csv", optional=True),
        network=_read_table(folder, "network.csv", optional=True) if network.is_file() else None,
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
