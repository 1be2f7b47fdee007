"""Scenario discovery: which of a sweep's parameter ranges lead to an outcome of interest.

Given a sweep folder and a condition on its runs table (:mod:`.conditions`, e.g.
``intervened_Russia`` or ``war_weeks > 6``), :func:`discover` asks which combinations of the
swept parameters make the condition hold (Bryant & Lempert 2010, *Thinking inside the box*),
with three views from the EMA Workbench (Kwakkel 2017, ``ema_workbench.analysis``), itself on
scikit-learn: PRIM's peeling trajectory of boxes, each with its *coverage*, *density*, *mass*
and the quasi-p-values of its limits, of which the analyst picks one (by default the densest
with coverage at least ``min_coverage``, 0.5); a CART tree of if-then rules; and feature scores
that rank the parameters (:mod:`.discovery_methods` says how each works).

Only ``manifest.json``, ``design.parquet`` and the columns the analysis needs of ``runs/`` are
read, never ``steps/``. :func:`write_discovery` stores the tables; the figures and the HTML
page are :func:`sim.presentation.discovery_report.discovery_report`. This module holds the
result and the steps of :func:`discover`; the reading and writing of files is
:mod:`.discovery_files`. The public names of both modules are importable from here too.

The ranges of the parameters are the sweep's assumptions: a box says where in the space the
sweep explored the condition holds, under the model, not how likely that region is.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from sim.experiments.conditions import Condition, column_kinds, parse_condition
from sim.experiments.discovery_files import (
    FOLDER,
    chosen_box_json,
    default_out,
    read_design,
    read_outcome,
    read_runs,
    short,
    sweep_ranges,
    versions,
    write_discovery,
    write_tables,
)
from sim.experiments.discovery_methods import (
    CART_DEPTH,
    MASS_MIN,
    PASTE_ALPHA,
    PEEL_ALPHA,
    SCORING_MAX_RUNS,
    SCORING_TREES,
    SIGNIFICANT,
    cart,
    feature_scores,
    format_qp,
    prim,
    quiet,
)
from sim.experiments.discovery_methods import significant_only as _significant_only
from sim.experiments.sweep import Design
from sim.schema.errors import InputError

__all__ = [
    "CART_DEPTH",
    "DEFAULT_MIN_COVERAGE",
    "FOLDER",
    "MASS_MIN",
    "PASTE_ALPHA",
    "PEEL_ALPHA",
    "SCORING_MAX_RUNS",
    "SCORING_TREES",
    "SIGNIFICANT",
    "TRAJECTORY_COLUMNS",
    "Discovery",
    "choose_box",
    "chosen_box_json",
    "default_out",
    "discover",
    "format_qp",
    "read_design",
    "read_outcome",
    "read_runs",
    "sweep_ranges",
    "versions",
    "write_discovery",
    "write_tables",
]

#: The default for choosing a box: the densest whose coverage is at least this.
DEFAULT_MIN_COVERAGE = 0.5
#: Columns of :attr:`Discovery.trajectory`.
TRAJECTORY_COLUMNS = ["coverage", "density", "mass", "restricted", "runs", "matches"]


@dataclass
class Discovery:
    """What scenario discovery found for one condition on one sweep.

    Attributes:
        folder: The sweep folder.
        name: The sweep's scenario name.
        condition: The condition, written out plainly (``war_weeks > 6``).
        slug: The condition as a folder name (``war_weeks-gt-6``).
        parameters: The swept parameters PRIM, CART and the scores were given.
        ranges: Per parameter (index), ``low`` and ``high`` of the sweep's design: the
            ranges the sweep assumed, not evidence.
        runs: Runs analysed.
        matches: Runs meeting the condition.
        trajectory: PRIM's peeling and pasting trajectory, one row per box (index ``box``):
            coverage, density, mass, restricted (the number of restricted parameters), runs
            and matches in the box.
        limits: The restricted parameters of every box: box, parameter, low, high, qp_low
            and qp_high (the quasi-p-values of the lower and of the upper limit; empty where
            that side is not restricted), qp (the smaller of the two: the restriction of the
            parameter is significant when one of its limits is).
        chosen: The chosen box (an index of ``trajectory``).
        chosen_by: How it was chosen.
        feature_scores: parameter, score (extra-trees importance; they sum to 1), highest first.
        cart_rules: The CART tree as text rules.
        cart_leaves: One row per leaf: rule, runs, matches, coverage, density, mass.
        cart_model: The fitted ``sklearn.tree.DecisionTreeClassifier``.
        significant_only: The chosen box with its limits of quasi-p-value 0.05 or more
            lifted: its coverage, density, mass, restricted (parameters), runs and matches;
            None when every limit is significant (or none is).
        settings: The settings used (PRIM's alphas and minimum mass, depth, seed, ...).
        notes: What the reader should know (parameters left out, runs subsampled).
    """

    folder: Path
    name: str
    condition: str
    slug: str
    parameters: list[str]
    ranges: pd.DataFrame
    runs: int
    matches: int
    trajectory: pd.DataFrame
    limits: pd.DataFrame
    chosen: int
    chosen_by: str
    feature_scores: pd.DataFrame
    cart_rules: str
    cart_leaves: pd.DataFrame
    cart_model: Any
    significant_only: dict[str, float] | None = None
    settings: dict[str, Any] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)

    @property
    def share(self) -> float:
        """The share of all runs that meet the condition (the density of the whole sweep)."""
        return self.matches / self.runs

    def box(self, i: int | None = None) -> pd.DataFrame:
        """The restricted parameters of box ``i`` (default: the chosen box).

        Returns:
            One row per restricted parameter (index): ``low`` and ``high`` of the box, the
            sweep's ``range_low`` and ``range_high``, ``kept`` (the share of the range the box
            keeps), ``qp_low``, ``qp_high``, ``qp`` and ``significant`` (``qp`` below 0.05:
            at least one of its limits is significant).
        """
        i = self.chosen if i is None else i
        if i not in self.trajectory.index:
            raise KeyError(f"no box {i}: the trajectory has boxes 0 to {len(self.trajectory) - 1}")
        rows = self.limits[self.limits["box"] == i].set_index("parameter")
        table = rows[["low", "high"]].join(
            self.ranges.rename(columns={"low": "range_low", "high": "range_high"})
        )
        span = (table["range_high"] - table["range_low"]).replace(0, np.nan)
        table["kept"] = (table["high"] - table["low"]) / span
        table[["qp_low", "qp_high", "qp"]] = rows[["qp_low", "qp_high", "qp"]]
        table["significant"] = table["qp"] < SIGNIFICANT
        return table

    def stats(self, i: int | None = None) -> dict[str, Any]:
        """Coverage, density, mass, restricted, runs and matches of box ``i`` (default: chosen)."""
        row = self.trajectory.loc[self.chosen if i is None else i]
        return {k: float(row[k]) for k in TRAJECTORY_COLUMNS[:3]} | {
            k: int(row[k]) for k in TRAJECTORY_COLUMNS[3:]
        }

    def describe_box(self, i: int | None = None) -> list[str]:
        """Box ``i`` in words, one line per restricted parameter."""
        table = self.box(i)
        lines = []
        for parameter, row in table.iterrows():
            sides = [
                f"{side} limit {format_qp(row[f'qp_{side}'])}"
                + ("" if row[f"qp_{side}"] < SIGNIFICANT else " (not significant)")
                for side in ("low", "high")
                if not math.isnan(row[f"qp_{side}"])
            ]
            lines.append(
                f"{parameter} in [{row['low']:.3g}, {row['high']:.3g}] of "
                f"[{row['range_low']:.3g}, {row['range_high']:.3g}]; qp: {', '.join(sides)}"
            )
        return lines

    def summary(self) -> str:
        """One line: the condition, how often it holds and the chosen box's statistics."""
        s = self.stats()
        return (
            f"{self.name}: {self.condition!r} holds in {self.matches:,} of {self.runs:,} runs "
            f"({self.share:.1%}); box {self.chosen} ({self.chosen_by}): coverage "
            f"{s['coverage']:.2f}, density {s['density']:.2f}, mass {s['mass']:.3f}, "
            f"{s['restricted']} of {len(self.parameters)} parameter(s) restricted"
        )

    def simpler(self) -> str:
        """The chosen box with only its significant restrictions, in words ('' if the same)."""
        s = self.significant_only
        if s is None:
            return ""
        return (
            f"with only its significant limits ({s['restricted']} parameter(s)): coverage "
            f"{s['coverage']:.2f}, density {s['density']:.2f}, mass {s['mass']:.3f}"
        )


def choose_box(trajectory: pd.DataFrame, min_coverage: float) -> int:
    """The densest box with coverage at least ``min_coverage`` (ties: more coverage, earlier).

    The first box holds every run, with coverage 1, so there is always one.
    """
    eligible = trajectory[trajectory["coverage"] >= min_coverage - 1e-12]
    ranked = eligible.sort_values(["density", "coverage"], ascending=False, kind="stable")
    return int(ranked.index[0])


def discover(
    folder: str | Path,
    where: str,
    *,
    min_coverage: float = DEFAULT_MIN_COVERAGE,
    box: int | None = None,
    peel_alpha: float = PEEL_ALPHA,
    paste_alpha: float = PASTE_ALPHA,
    mass_min: float = MASS_MIN,
    cart_depth: int = CART_DEPTH,
    seed: int | None = None,
) -> Discovery:
    """Find which ranges of a sweep's parameters lead to the runs meeting ``where``.

    Args:
        folder: A folder written by ``alliance-sim sweep``.
        where: The condition on the runs table (:mod:`sim.experiments.conditions`).
        min_coverage: Choose the densest box with at least this coverage (0 to 1).
        box: Choose this box of the trajectory instead.
        peel_alpha: Share of a box PRIM peels at each step.
        paste_alpha: Share PRIM pastes back at each step.
        mass_min: PRIM's smallest box, and CART's smallest leaf, as a share of all runs.
        cart_depth: Depth of the CART tree.
        seed: Seed of the extra trees (and of the subsample of a big sweep); default: the
            sweep's seed.

    Returns:
        The trajectory, the boxes, the chosen box, the CART tree and the feature scores.

    Raises:
        InputError: on ``where`` for a bad condition, one that no run or every run meets; on
            ``min_coverage`` or ``box`` out of range; on the sweep's files if they are not a
            sweep or cannot be read; on ``design`` if the sweep varies no parameter.
    """
    folder = Path(folder)
    _check_choice(folder, min_coverage, box)
    info, design = read_design(folder)
    condition = _read_condition(folder, where, design)
    x_all, y = read_outcome(folder, design, condition)
    varying, notes = _varying(design, x_all)
    x = x_all[varying].reset_index(drop=True)
    seed = int(info.get("seed", 0)) if seed is None else int(seed)
    with quiet():
        trajectory, limits = prim(x, y, peel_alpha, paste_alpha, mass_min)
        leaves, rules, model = cart(x, y, cart_depth, mass_min, seed)
        scores, note = feature_scores(x, y, seed)
    chosen, chosen_by = _choose(folder, trajectory, min_coverage, box)
    return Discovery(
        folder=folder,
        name=str(info.get("scenario") or folder.name),
        condition=condition.text,
        slug=condition.slug,
        parameters=varying,
        ranges=sweep_ranges(info, design, x_all).loc[varying],
        runs=len(y),
        matches=int(y.sum()),
        trajectory=trajectory,
        limits=limits,
        chosen=chosen,
        chosen_by=chosen_by,
        feature_scores=scores,
        cart_rules=rules,
        cart_leaves=leaves,
        cart_model=model,
        significant_only=_significant_only(x, y, limits[limits["box"] == chosen]),
        settings=_settings(peel_alpha, paste_alpha, mass_min, min_coverage, box, cart_depth, seed),
        notes=[*notes, note] if note else notes,
    )


# --- the steps of discover() -----------------------------------------------------------------


def _check_choice(folder: Path, min_coverage: float, box: int | None) -> None:
    """Refuse a ``min_coverage`` outside (0, 1] and a ``box`` that is not a box number."""
    if not (isinstance(min_coverage, int | float) and 0 < min_coverage <= 1):
        raise InputError(folder, "min_coverage", f"must be in (0, 1] (got {min_coverage})")
    if box is not None and (not isinstance(box, int) or box < 0):
        raise InputError(folder, "box", f"must be a box number, 0 or more (got {box})")


def _read_condition(folder: Path, where: str, design: Design) -> Condition:
    """Parse ``where`` against the runs table's columns; refuse a sweep without parameters.

    Only the first chunk's footer is read here: the columns and their types.
    """
    schema = _schema(folder, _run_files(folder))
    kinds = column_kinds({name: schema.field(name).type for name in schema.names})
    condition = parse_condition(where, kinds, file=folder, field="where")
    if not design.parameters:
        raise InputError(
            folder,
            "design",
            "the sweep varies no parameter (replicates only), so no range can explain the "
            "condition; sweep some parameters first",
        )
    missing = [p for p in design.parameters if p not in kinds]
    if missing:
        raise InputError(folder, "runs", f"lacks the parameter column(s) {', '.join(missing)}")
    return condition


def _run_files(folder: Path) -> list[Path]:
    """The chunk files of the sweep's runs table, in name order."""
    try:
        return sorted(
            p for p in (folder / "runs").glob("*.parquet") if not p.name.startswith((".", "_"))
        )
    except OSError as error:
        raise InputError(folder, "runs", f"cannot read: {error.strerror or error}") from None


def _schema(folder: Path, files: list[Path]) -> pa.Schema:
    """The runs table's schema, from the first chunk's footer (every chunk has the same)."""
    if not files:
        raise InputError(folder, "runs", "no stored run yet; run or resume the sweep first")
    try:
        return pq.read_schema(files[0])
    except (pa.ArrowException, OSError, ValueError) as error:
        raise InputError(
            folder,
            f"runs/{files[0].name}",
            f"cannot be read ({short(error)}); run the sweep again",
        ) from None


def _varying(design: Design, x: pd.DataFrame) -> tuple[list[str], list[str]]:
    """The parameters that vary across the runs, and a note naming any left out."""
    varying = [p for p in design.parameters if x[p].nunique() > 1]
    fixed = [p for p in design.parameters if p not in varying]
    return varying, [f"left out, the same in every run: {', '.join(fixed)}"] if fixed else []


def _choose(
    folder: Path, trajectory: pd.DataFrame, min_coverage: float, box: int | None
) -> tuple[int, str]:
    """The chosen box and how it was chosen: by number if given, else :func:`choose_box`."""
    if box is None:
        chosen_by = f"the densest with coverage >= {min_coverage:g}"
        return choose_box(trajectory, min_coverage), chosen_by
    if box >= len(trajectory):
        raise InputError(
            folder, "box", f"no box {box}: the trajectory has boxes 0 to {len(trajectory) - 1}"
        )
    return box, "chosen by number"


def _settings(
    peel_alpha: float,
    paste_alpha: float,
    mass_min: float,
    min_coverage: float,
    box: int | None,
    cart_depth: int,
    seed: int,
) -> dict[str, Any]:
    """The settings a discovery records (``discovery.json``), with the scoring constants."""
    return {
        "peel_alpha": peel_alpha,
        "paste_alpha": paste_alpha,
        "mass_min": mass_min,
        "min_coverage": min_coverage,
        "box": box,
        "cart_depth": cart_depth,
        "scoring_trees": SCORING_TREES,
        "scoring_max_runs": SCORING_MAX_RUNS,
        "seed": seed,
    }
