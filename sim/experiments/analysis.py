"""Analysis of sweep results, in numbers: outcomes, point means, sensitivity indices.

Reads only what :mod:`sim.experiments.sweep` stored (``manifest.json`` and the ``runs/``
Parquet dataset):

* :func:`load_sweep`: a sweep folder's manifest, design and per-run table;
* :func:`outcome_columns` and :func:`point_means`: which outcomes to analyse, and their mean
  over the replicates of each design point;
* :func:`sensitivity`: sensitivity indices with confidence intervals for Sobol' designs
  (first-order and total, the Saltelli et al. 2010 and Jansen 1999 estimators, via
  ``SALib.analyze.sobol``) and Morris designs (mu*, the mean absolute elementary effect,
  Campolongo et al. 2007, via ``SALib.analyze.morris``).

The figures and the HTML report drawn from these are :mod:`sim.presentation.report`.
"""

from __future__ import annotations

import math
import tomllib
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from sim.experiments.sweep import Design, design_from_manifest, read_manifest, salib_problem
from sim.experiments.sweep.storage import MANIFEST
from sim.schema.columns import GAIN, column, names_of
from sim.schema.errors import InputError

#: Outcomes analysed when present, besides ``gain_<theatre>`` for every theatre that moved.
OUTCOMES = ("war_weeks", "max_escalation", "reliability")
LABELS = {
    "wars": "wars started",
    "war_weeks": "war length (weeks)",
    "max_escalation": "peak escalation (0-3)",
    "reliability": "alliance reliability",
}


@dataclass
class SweepData:
    """A stored sweep: its name, manifest, design and per-run table."""

    folder: Path
    name: str
    manifest: dict[str, Any]
    design: Design
    runs: pd.DataFrame


def load_sweep(folder: Path) -> SweepData:
    """Read a sweep folder's manifest and per-run table.

    Raises:
        InputError: if the folder is not a sweep folder, has no stored run, or a file of it
            cannot be read (naming the file: a garbled manifest, a damaged Parquet file).
    """
    folder = Path(folder)
    info = read_manifest(folder)
    try:
        design = design_from_manifest(info)
    except (KeyError, TypeError, ValueError) as error:
        raise InputError(
            folder, MANIFEST, f"holds no readable sweep design ({type(error).__name__}: {error})"
        ) from None
    files = _run_files(folder)
    if not files:
        raise InputError(folder, "runs", "no stored run yet; run or resume the sweep first")
    try:
        runs = pd.read_parquet(folder / "runs")
    except (pa.ArrowException, OSError, ValueError, MemoryError) as error:
        raise _unreadable_runs(folder, files, error) from None
    for name in ("run", "point"):
        if name not in runs or not pd.api.types.is_integer_dtype(runs[name]):
            raise InputError(folder, "runs", f"lacks a whole-number column {name!r}; {REDO}")
    runs = runs.sort_values("run", ignore_index=True)
    return SweepData(folder, str(info.get("scenario") or folder.name), info, design, runs)


REDO = "run the sweep again"


def _run_files(folder: Path) -> list[Path]:
    """The Parquet files of ``folder/runs`` a reader sees (pyarrow skips '.' and '_' names)."""
    try:
        return sorted(
            p for p in (folder / "runs").glob("*.parquet") if not p.name.startswith((".", "_"))
        )
    except OSError as error:
        raise InputError(folder, "runs", f"cannot read: {error.strerror or error}") from None


def _unreadable_runs(folder: Path, files: list[Path], error: BaseException) -> InputError:
    """The error of a ``runs`` table that cannot be read: the first bad file, by name."""
    if isinstance(error, MemoryError):
        return InputError(folder, "runs", "too large to read into memory")
    for file in files:
        try:
            pq.read_table(file)
        except (pa.ArrowException, OSError, ValueError) as bad:
            reason = " ".join(str(bad).split())[:200]
            return InputError(
                folder,
                f"runs/{file.name}",
                f"cannot be read ({reason}); delete it and run the sweep again with --resume "
                "to redo its chunk",
            )
    reason = " ".join(str(error).split())[:200]
    return InputError(folder, "runs", f"the files cannot be read together ({reason}); {REDO}")


def label(outcome: str) -> str:
    """Axis label of an outcome column."""
    theatres = names_of(GAIN, [outcome])
    if theatres:
        return f"ground gained: {theatres[0]}"
    return LABELS.get(outcome, outcome)


def gain_columns(columns: Iterable[object]) -> list[str]:
    """The ``gain`` outcome columns among ``columns`` (one per theatre), in column order."""
    return [column(GAIN, theatre) for theatre in names_of(GAIN, columns)]


def outcome_columns(runs: pd.DataFrame) -> list[str]:
    """Outcomes to analyse, in report order.

    Gains that are not all 0; the number of wars when it varies across runs (whether a crisis
    turns into war); the standard outcomes that have some value.
    """
    gains = [c for c in gain_columns(runs.columns) if (runs[c].fillna(0) != 0).any()]
    wars = ["wars"] if "wars" in runs and runs["wars"].nunique() > 1 else []
    chosen = [c for c in OUTCOMES if c in runs and runs[c].notna().any()]
    return gains + wars + chosen


def point_means(data: SweepData, outcomes: list[str]) -> pd.DataFrame:
    """Mean of each outcome over the replicates of each point, beside the point's values."""
    means = data.runs.groupby("point")[outcomes].mean()
    return data.design.table().join(means, how="inner")


# --- the network's structure ----------------------------------------------------------------

#: Weekly measures of the signed network read for the report (:mod:`sim.model.balance`).
STRUCTURE = ("frustration", "balanced_triangles")


def weekly_structure(data: SweepData) -> pd.DataFrame:
    """The weekly balance measures of every stored run: only the columns needed are read.

    Args:
        data: A stored sweep.

    Returns:
        Columns ``run``, ``point``, ``step`` and :data:`STRUCTURE`; empty when the sweep stored
        no weekly table.
    """
    folder = data.folder / "steps"
    if not any(folder.glob("chunk-*.parquet")):
        return pd.DataFrame(columns=["run", "point", "step", *STRUCTURE])
    try:
        return pd.read_parquet(folder, columns=["run", "point", "step", *STRUCTURE])
    except (pa.ArrowException, OSError, ValueError) as error:
        reason = " ".join(str(error).split())[:200]
        raise InputError(data.folder, "steps", f"cannot be read ({reason}); {REDO}") from None


def tie_changes(data: SweepData) -> pd.DataFrame | None:
    """Every stored tie change of the sweep (``ties/``), or None for a sweep stored without it.

    Raises:
        InputError: if the table cannot be read, naming it.
    """
    folder = data.folder / "ties"
    if not folder.is_dir():
        return None
    try:
        return pd.read_parquet(folder)
    except (pa.ArrowException, OSError, ValueError) as error:
        reason = " ".join(str(error).split())[:200]
        raise InputError(data.folder, "ties", f"cannot be read ({reason}); {REDO}") from None


def changes_per_run(data: SweepData, changes: pd.DataFrame) -> pd.DataFrame:
    """Mean tie changes per run of each design point, by reason (``tie_changes.csv``'s).

    Args:
        data: A stored sweep (its runs count the runs of each point, those without a change
            included).
        changes: Its tie changes (:func:`tie_changes`).

    Returns:
        One row per point with a stored run, one column per reason, in reason order.
    """
    runs = data.runs.groupby("point").size()
    counts = changes.groupby(["point", "reason"]).size().unstack(fill_value=0)
    counts = counts.reindex(index=runs.index, fill_value=0).sort_index(axis=1)
    return counts.div(runs, axis=0)


# --- sensitivity ---------------------------------------------------------------------------


def sensitivity(data: SweepData, outcomes: list[str]) -> tuple[pd.DataFrame, list[str]]:
    """Sensitivity indices of each outcome's point mean, with 95% confidence intervals.

    Sobol' designs give ``S1`` and ``ST`` (``SALib.analyze.sobol``, no second order, as
    sampled); Morris designs give ``mu_star`` and ``sigma`` (``SALib.analyze.morris``). The
    bootstrap is seeded by the scenario seed, so the report is reproducible.

    Args:
        data: A stored sweep.
        outcomes: Outcome columns.

    Returns:
        Long table (outcome, parameter, index, value, conf) and notes on what was skipped.
    """
    design = data.design
    if design.kind not in ("sobol", "morris"):
        return pd.DataFrame(), []
    from SALib.analyze import morris, sobol

    sweep = _sweep_table(data)
    problem = salib_problem(design.parameters, [sweep["ranges"][p] for p in design.parameters])
    means = data.runs.groupby("point")[outcomes].mean().reindex(range(len(design.points)))
    seed = int(data.manifest["seed"])
    rows: list[dict[str, object]] = []
    notes: list[str] = []
    for outcome in outcomes:
        y = means[outcome].to_numpy(dtype=float)
        if np.isnan(y).any():
            notes.append(f"{outcome}: not every point has a value (failed runs, or none defined)")
            continue
        if np.ptp(y) == 0:
            notes.append(f"{outcome}: the same at every point, so no parameter moves it")
            continue
        pairs: tuple[tuple[str, str | None], ...]  # (index, its confidence or None)
        if design.kind == "sobol":
            result = sobol.analyze(problem, y, calc_second_order=False, seed=seed)
            pairs = (("S1", "S1_conf"), ("ST", "ST_conf"))
        else:
            result = morris.analyze(
                problem, design.points, y, num_levels=int(sweep.get("levels", 4)), seed=seed
            )
            pairs = (("mu_star", "mu_star_conf"), ("sigma", None))
        for i, parameter in enumerate(design.parameters):
            for index, conf in pairs:
                rows.append(
                    {
                        "outcome": outcome,
                        "parameter": parameter,
                        "index": index,
                        "value": float(result[index][i]),
                        "conf": float(result[conf][i]) if conf else math.nan,
                    }
                )
    return pd.DataFrame(rows), notes


def _sweep_table(data: SweepData) -> dict[str, Any]:
    """The ``[sweep]`` table of the stored scenario text."""
    return tomllib.loads(str(data.manifest["scenario_text"])).get("sweep", {})
