"""Column names of the stored tables, written once: the metrics write them, plots read them.

Per-theatre and per-state columns are ``<metric>_<name>`` (``control_karabakh``,
``intervening_Turkey``); :func:`column` builds one and :func:`names_of` finds the names a table
has for a metric, so no module spells a prefix of its own.
"""

from __future__ import annotations

from collections.abc import Iterable

#: Columns of ``network.csv`` (after ``replicate``): the ties in force at a stored step.
NETWORK_COLUMNS = ("step", "source", "target", "kind", "weight", "tie")
#: Columns of ``tie_changes.csv`` (after ``replicate``): every change of a tie's status after
#: week 0, with its reason (``dates``, an event kind, ``sanction``, ``normalisation`` or
#: ``rule:...`` for the states' own choices); with the ties in force at week 0 it rebuilds the
#: ties in force every week.
TIE_CHANGE_COLUMNS = ("step", "tie", "kind", "source", "target", "status", "reason")
#: Columns of ``actions.csv`` (after ``replicate``): one row per action or event.
ACTION_COLUMNS = ("step", "state", "action", "other", "conflict", "detail")

#: Weekly counts of signed triangles by pattern: +++, ++-, +--, --- (sim.model.balance).
TRIANGLE_COLUMNS = ("triangles_ppp", "triangles_ppn", "triangles_pnn", "triangles_nnn")
#: Weekly metrics of each state in ``steps.csv``, in row order.
STATE_METRICS = (
    "fighting",
    "intervening",
    "showing_force",
    "mediating",
    "arms_out_usd_m",
    "losses",
    "strength",
    "dependence",
)
#: Weekly metric of each theatre: the owner's share of it.
CONTROL = "control"
#: Per-run outcomes in ``summary.csv``: per theatre, ground the owner gained.
GAIN = "gain"
#: Per-run outcomes per state: whether and when it intervened, and its losses.
INTERVENED = "intervened"
FIRST_INTERVENTION = "first_intervention"
LOSSES = "losses"


def column(metric: str, name: str) -> str:
    """Column of ``metric`` for one state or theatre, e.g. ``column("control", "karabakh")``."""
    return f"{metric}_{name}"


def names_of(metric: str, columns: Iterable[object]) -> list[str]:
    """Names of the states or theatres that have a ``metric`` column, in column order."""
    prefix = f"{metric}_"
    return [str(c).removeprefix(prefix) for c in columns if str(c).startswith(prefix)]
