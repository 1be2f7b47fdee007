"""What every figure of a results folder shares: colours, style, the stored tables.

:class:`Stored` holds a results folder's tables as read back from disk (or as a live run
gives them, :func:`sim.presentation.classroom.stored_from_model`); the figure modules
(:mod:`~sim.presentation.timeseries_plot`, :mod:`~sim.presentation.network_plot`,
:mod:`~sim.presentation.outcomes_plot`) draw from it alone. Columns are named by
:mod:`sim.schema.columns`. Figures use Okabe-Ito colours and large fonts so they stay legible
on a classroom projector.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pandas as pd
from cycler import cycler
from matplotlib.axes import Axes
from matplotlib.figure import Figure

from sim.schema.columns import CONTROL, column, names_of

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


def load_stored(folder: Path) -> Stored:
    """Read a results folder's tables.

    Args:
        folder: The results folder.

    Returns:
        The stored tables and the scenario name (the folder name if the manifest lacks one);
        a missing or empty ``actions.csv`` becomes an empty frame, a missing ``network.csv``
        None.
    """
    manifest = json.loads((folder / "manifest.json").read_text())
    network = folder / "network.csv"
    return Stored(
        name=str(manifest.get("scenario") or folder.name),
        steps=pd.read_csv(folder / "steps.csv"),
        summary=pd.read_csv(folder / "summary.csv"),
        actions=_read_table(folder / "actions.csv"),
        network=_read_table(network) if network.is_file() else None,
    )


def _read_table(path: Path) -> pd.DataFrame:
    if not path.is_file():
        return pd.DataFrame()
    try:
        return pd.read_csv(path)
    except pd.errors.EmptyDataError:  # a table with no rows may be written without a header
        return pd.DataFrame()


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
