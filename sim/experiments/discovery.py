"""Scenario discovery: which of a sweep's parameter ranges lead to an outcome of interest.

Given a sweep folder and a condition on its runs table (:mod:`.conditions`, e.g.
``intervened_Russia`` or ``war_weeks > 6``), :func:`discover` asks which combinations of the
swept parameters make the condition hold (Bryant & Lempert 2010, *Thinking inside the box*),
with three views from the EMA Workbench (Kwakkel 2017, ``ema_workbench.analysis``), itself on
scikit-learn:

* **PRIM** (Friedman & Fisher 1999, ``ema_workbench.analysis.prim.Prim``): starting from the
  whole sweep, it peels off 5% slices of one parameter's range at a time, keeping the peel that
  raises the share of runs meeting the condition most, down to 5% of the runs, then pastes
  back what helps. Every box on that *peeling trajectory* has a *coverage* (the share of all
  runs meeting the condition that lie in the box), a *density* (the share of the runs in the
  box that meet it), a *mass* (the share of all runs in the box), its restricted parameters
  with their ``[low, high]``, and per restricted limit a *quasi-p-value*: the one-sided
  binomial probability of a density this high if that limit were lifted (Bryant & Lempert
  2010). The analyst picks one box: by default the densest with coverage at least
  ``min_coverage`` (0.5).
* **CART** (Breiman et al. 1984; ``ema_workbench.analysis.cart.CART`` on scikit-learn's
  ``DecisionTreeClassifier``), at most three levels deep: the same question as a tree of
  if-then rules, each leaf a box with its coverage and density.
* **Feature scores** (``ema_workbench.analysis.feature_scoring.get_ex_feature_scores``):
  the impurity-based importances of an extra-trees classifier (Geurts et al. 2006), which rank
  the parameters by how much they tell the condition apart, interactions included.

Only ``manifest.json``, ``design.parquet`` and the columns the analysis needs of ``runs/`` are
read, never ``steps/``. :func:`write_discovery` stores the tables; the figures and the HTML
page are :func:`sim.presentation.report.discovery_report`.

The ranges of the parameters are the sweep's assumptions: a box says where in the space the
sweep explored the condition holds, under the model, not how likely that region is.
"""

from __future__ import annotations

import contextlib
import json
import math
import os
import shutil
import tempfile
import tomllib
import warnings
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from importlib import metadata
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from sim.experiments.conditions import Condition, column_kinds, parse_condition
from sim.experiments.results import check_output_folder, make_parents, output_error, remove_folders
from sim.experiments.sweep import Design, design_from_manifest, read_manifest
from sim.schema.errors import InputError

#: The default for choosing a box: the densest whose coverage is at least this.
DEFAULT_MIN_COVERAGE = 0.5
#: PRIM's settings (the EMA Workbench's defaults): the share of a box peeled or pasted at each
#: step, and the smallest box, as a share of all runs.
PEEL_ALPHA = 0.05
PASTE_ALPHA = 0.05
MASS_MIN = 0.05
#: The CART tree's depth.
CART_DEPTH = 3
#: Extra trees for the feature scores, fitted on at most this many runs (drawn at random,
#: seeded, from larger sweeps: the ranking is stable well below that and the fit stays fast).
SCORING_TREES = 100
SCORING_MAX_RUNS = 25_000
#: A quasi-p-value below this marks a restriction as significant in the tables.
SIGNIFICANT = 0.05
#: The folder of a sweep where discoveries go by default, one sub-folder per condition.
FOLDER = "discovery"
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


# --- reading the sweep -----------------------------------------------------------------------


def _run_files(folder: Path) -> list[Path]:
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
            f"cannot be read ({_short(error)}); run the sweep again",
        ) from None


def read_runs(folder: Path, columns: list[str]) -> pd.DataFrame:
    """Only ``columns`` (and ``run``) of a sweep's runs table, sorted by ``run``."""
    wanted = list(dict.fromkeys(["run", *columns]))
    try:
        table = pq.read_table(folder / "runs", columns=wanted)
    except (pa.ArrowException, OSError, ValueError) as error:
        raise InputError(
            folder,
            "runs",
            f"cannot be read ({_short(error)}); run the sweep again, or delete a damaged "
            "chunk and resume",
        ) from None
    except MemoryError:
        raise InputError(folder, "runs", "too large to read into memory") from None
    return table.to_pandas().sort_values("run", ignore_index=True)


def _short(error: BaseException) -> str:
    return " ".join(str(error).split())[:200]


def sweep_ranges(info: dict[str, Any], design: Design, x: pd.DataFrame) -> pd.DataFrame:
    """Each parameter's ``low`` and ``high`` as the sweep's file gave them.

    The ``[sweep.ranges]`` of sampled designs, or the smallest and largest value of a grid's
    list; the values in the runs where the manifest holds no scenario text.
    """
    ranges: dict[str, Any] = {}
    grid: dict[str, Any] = {}
    with contextlib.suppress(KeyError, TypeError, ValueError, tomllib.TOMLDecodeError):
        sweep = tomllib.loads(str(info["scenario_text"])).get("sweep", {})
        ranges, grid = dict(sweep.get("ranges", {})), dict(sweep.get("grid", {}))
    rows = {}
    for parameter in design.parameters:
        values = ranges.get(parameter) or grid.get(parameter) or []
        try:
            low, high = float(min(values)), float(max(values))
        except (TypeError, ValueError):
            low, high = float(x[parameter].min()), float(x[parameter].max())
        rows[parameter] = {"low": low, "high": high}
    frame = pd.DataFrame.from_dict(rows, orient="index", columns=["low", "high"])
    frame.index.name = "parameter"
    return frame


# --- the analysis ----------------------------------------------------------------------------


@contextlib.contextmanager
def _quiet() -> Iterator[None]:
    """Silence the EMA Workbench's warnings (optional extras missing, pandas deprecations)."""
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", module=r"ema_workbench(\.|$)")
        warnings.filterwarnings("ignore", message=r".*(ipyparallel|altair).*")
        yield


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
    if not (isinstance(min_coverage, int | float) and 0 < min_coverage <= 1):
        raise InputError(folder, "min_coverage", f"must be in (0, 1] (got {min_coverage})")
    if box is not None and (not isinstance(box, int) or box < 0):
        raise InputError(folder, "box", f"must be a box number, 0 or more (got {box})")
    info = read_manifest(folder)
    try:
        design = design_from_manifest(info)
    except (KeyError, TypeError, ValueError) as error:
        raise InputError(
            folder, "manifest.json", f"holds no readable sweep design ({error})"
        ) from None
    files = _run_files(folder)
    schema = _schema(folder, files)
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
    runs = read_runs(folder, [*design.parameters, *condition.columns])
    y = condition.evaluate(runs)
    n, k = len(y), int(y.sum())
    _check_split(folder, condition, n, k)
    x_all = runs[design.parameters].astype(float)
    varying = [p for p in design.parameters if x_all[p].nunique() > 1]
    notes = []
    if fixed := [p for p in design.parameters if p not in varying]:
        notes.append(f"left out, the same in every run: {', '.join(fixed)}")
    x = x_all[varying].reset_index(drop=True)
    seed = int(info.get("seed", 0)) if seed is None else int(seed)

    with _quiet():
        trajectory, limits = _prim(x, y, peel_alpha, paste_alpha, mass_min)
        leaves, rules, model = _cart(x, y, cart_depth, mass_min, seed)
        scores, note = _feature_scores(x, y, seed)
    if note:
        notes.append(note)
    if box is None:
        chosen = choose_box(trajectory, min_coverage)
        chosen_by = f"the densest with coverage >= {min_coverage:g}"
    elif box >= len(trajectory):
        raise InputError(
            folder, "box", f"no box {box}: the trajectory has boxes 0 to {len(trajectory) - 1}"
        )
    else:
        chosen, chosen_by = box, "chosen by number"
    significant_only = _significant_only(x, y, limits[limits["box"] == chosen])
    settings = {
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
    return Discovery(
        folder=folder,
        name=str(info.get("scenario") or folder.name),
        condition=condition.text,
        slug=condition.slug,
        parameters=varying,
        ranges=sweep_ranges(info, design, x_all).loc[varying],
        runs=n,
        matches=k,
        trajectory=trajectory,
        limits=limits,
        chosen=chosen,
        chosen_by=chosen_by,
        feature_scores=scores,
        cart_rules=rules,
        cart_leaves=leaves,
        cart_model=model,
        significant_only=significant_only,
        settings=settings,
        notes=notes,
    )


def _check_split(folder: Path, condition: Condition, n: int, k: int) -> None:
    """Refuse a condition met by no run or by every run: there is nothing to tell apart."""
    if 0 < k < n:
        return
    which = "none" if k == 0 else "every one"
    hint = "loosen it" if k == 0 else "tighten it"
    raise InputError(
        folder,
        "where",
        f"{condition.text!r} holds in {which} of the {n:,} runs, so no range of the "
        f"parameters tells the runs apart; {hint} so that some runs meet it and some do not",
    )


def _significant_only(
    x: pd.DataFrame, y: np.ndarray, limits: pd.DataFrame
) -> dict[str, float] | None:
    """A box's statistics once its limits that are not significant are lifted, one by one."""
    low_kept = limits["qp_low"] < SIGNIFICANT
    high_kept = limits["qp_high"] < SIGNIFICANT
    restricted = limits["qp_low"].notna().sum() + limits["qp_high"].notna().sum()
    if low_kept.sum() + high_kept.sum() in (0, restricted):
        return None
    inside = np.ones(len(y), dtype=bool)
    for row, low, high in zip(limits.itertuples(), low_kept, high_kept, strict=True):
        values = x[row.parameter].to_numpy()
        if low:
            inside &= values >= row.low
        if high:
            inside &= values <= row.high
    kept = limits[low_kept | high_kept]
    n, k = int(inside.sum()), int(y[inside].sum())
    return {
        "coverage": k / int(y.sum()),
        "density": k / n if n else math.nan,
        "mass": n / len(y),
        "restricted": len(kept),
        "runs": n,
        "matches": k,
    }


def _prim(
    x: pd.DataFrame, y: np.ndarray, peel_alpha: float, paste_alpha: float, mass_min: float
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """PRIM's first box with its whole trajectory: statistics per box, limits per restriction."""
    from ema_workbench.analysis import prim

    finder = prim.Prim(x, y, peel_alpha=peel_alpha, paste_alpha=paste_alpha, mass_min=mass_min)
    found = finder.find_box()
    raw = found.peeling_trajectory
    trajectory = pd.DataFrame(
        {
            "coverage": raw["coverage"].astype(float).to_numpy(),
            "density": raw["density"].astype(float).to_numpy(),
            "mass": raw["mass"].astype(float).to_numpy(),
            "restricted": raw["res_dim"].astype(int).to_numpy(),
            "runs": raw["n"].astype(int).to_numpy(),
            "matches": raw["k"].astype(int).to_numpy(),
        }
    )
    trajectory.index.name = "box"
    initial = found.box_lims[0]
    rows = []
    for i, (lims, qps) in enumerate(zip(found.box_lims, found.p_values, strict=True)):
        for parameter in x.columns:
            low, high = float(lims.loc[0, parameter]), float(lims.loc[1, parameter])
            if low == initial.loc[0, parameter] and high == initial.loc[1, parameter]:
                continue
            qp_low, qp_high = (_qp(v) for v in qps.get(parameter, [-1, -1]))
            rows.append(
                {
                    "box": i,
                    "parameter": parameter,
                    "low": low,
                    "high": high,
                    "qp_low": qp_low,
                    "qp_high": qp_high,
                    "qp": np.nanmin([qp_low, qp_high, np.inf]),
                }
            )
    limits = pd.DataFrame(
        rows, columns=["box", "parameter", "low", "high", "qp_low", "qp_high", "qp"]
    )
    limits["qp"] = limits["qp"].replace(np.inf, np.nan)
    return trajectory, limits


def format_qp(value: float) -> str:
    """A quasi-p-value for people: two digits; one too small for a float is '< 1e-300'."""
    if math.isnan(value):
        return "-"
    return "< 1e-300" if value < 1e-300 else f"{value:.2g}"


def _qp(value: Any) -> float:
    """A quasi-p-value; the Workbench's -1 (that side not restricted) becomes NaN."""
    value = float(value)
    return math.nan if value < 0 else value


def _cart(
    x: pd.DataFrame, y: np.ndarray, depth: int, mass_min: float, seed: int
) -> tuple[pd.DataFrame, str, Any]:
    """A CART tree of at most ``depth`` levels: its leaves as boxes, and its rules as text."""
    from ema_workbench.analysis import cart
    from sklearn.tree import DecisionTreeClassifier, export_text

    tree = cart.CART(x, y, mass_min=mass_min)
    # The Workbench's own build_tree grows the tree without a depth limit; fit the same
    # classifier with one and let the Workbench read the leaves' boxes and statistics.
    leaf = max(1, math.ceil(mass_min * len(y)))
    tree.clf = DecisionTreeClassifier(max_depth=depth, min_samples_leaf=leaf, random_state=seed)
    tree.clf.fit(x.to_numpy(), y)
    initial = x.agg(["min", "max"]).reset_index(drop=True)
    rows = []
    for box, stats in zip(tree.boxes, tree.stats, strict=True):
        parts = []
        for parameter in x.columns:
            low, high = box.loc[0, parameter], box.loc[1, parameter]
            if low != initial.loc[0, parameter]:
                parts.append(f"{parameter} > {low:.4g}")
            if high != initial.loc[1, parameter]:
                parts.append(f"{parameter} <= {high:.4g}")
        mass = float(stats["mass"])
        rows.append(
            {
                "rule": " and ".join(parts) or "(all runs)",
                "runs": round(mass * len(y)),
                "matches": round(float(stats["coverage"]) * int(y.sum())),
                "coverage": float(stats["coverage"]),
                "density": float(stats["density"]),
                "mass": mass,
            }
        )
    leaves = pd.DataFrame(rows).sort_values("density", ascending=False, ignore_index=True)
    leaves.index.name = "leaf"
    text = export_text(
        tree.clf,
        feature_names=list(x.columns),
        class_names=["no", "yes"],
        show_weights=True,
        decimals=3,
    )
    return leaves, text, tree.clf


def _feature_scores(x: pd.DataFrame, y: np.ndarray, seed: int) -> tuple[pd.DataFrame, str]:
    """Extra-trees importances of the parameters for telling the condition apart."""
    from ema_workbench.analysis.feature_scoring import get_ex_feature_scores
    from ema_workbench.analysis.scenario_discovery_util import RuleInductionType

    note = ""
    if len(y) > SCORING_MAX_RUNS:
        rows = np.sort(np.random.default_rng(seed).choice(len(y), SCORING_MAX_RUNS, replace=False))
        x, y = x.iloc[rows], y[rows]
        note = (
            f"feature scores from {SCORING_MAX_RUNS:,} runs drawn at random (seed {seed}); "
            "PRIM and CART use every run"
        )
    scores, _ = get_ex_feature_scores(
        x,
        y,
        mode=RuleInductionType.CLASSIFICATION,
        nr_trees=SCORING_TREES,
        max_features=max(1, round(x.shape[1] / 3)),
        random_state=seed,
    )
    table = pd.DataFrame(
        {"parameter": [str(p) for p in scores.index], "score": scores.iloc[:, 0].astype(float)}
    )
    return table.sort_values("score", ascending=False, ignore_index=True), note


# --- writing ---------------------------------------------------------------------------------


def default_out(discovery: Discovery) -> Path:
    """Where a discovery goes by default: ``SWEEP/discovery/<slug of the condition>``."""
    return discovery.folder / FOLDER / discovery.slug


def _json(value: Any) -> Any:
    """JSON-safe: NaN becomes null, numpy numbers Python numbers."""
    if isinstance(value, dict):
        return {str(k): _json(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_json(v) for v in value]
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value


def chosen_box_json(discovery: Discovery) -> dict[str, Any]:
    """The chosen box as ``chosen_box.json`` holds it."""
    table = discovery.box()
    return _json(
        {
            "condition": discovery.condition,
            "box": discovery.chosen,
            "chosen_by": discovery.chosen_by,
            **discovery.stats(),
            "significant_only": discovery.significant_only,
            "limits": [
                {"parameter": parameter, **{k: row[k] for k in table.columns}}
                for parameter, row in table.iterrows()
            ],
        }
    )


def versions() -> dict[str, str]:
    """Versions of the libraries that did the analysis."""
    found = {}
    for package in ("alliance-sim", "ema_workbench", "scikit-learn", "pandas", "numpy"):
        with contextlib.suppress(metadata.PackageNotFoundError):
            found[package] = metadata.version(package)
    return found


def write_tables(discovery: Discovery, folder: Path) -> list[Path]:
    """Write a discovery's tables into ``folder`` (which exists); return the files.

    ``trajectory.csv``, ``boxes.csv`` (the restricted limits of every box), ``chosen_box.json``,
    ``feature_scores.csv``, ``cart.txt``, ``cart_leaves.csv`` and ``discovery.json`` (what was
    asked of which sweep, the settings, the notes and the versions).
    """
    d = discovery
    written = []
    path = folder / "trajectory.csv"
    d.trajectory.to_csv(path)
    written.append(path)
    path = folder / "boxes.csv"
    d.limits.to_csv(path, index=False)
    written.append(path)
    path = folder / "chosen_box.json"
    path.write_text(json.dumps(chosen_box_json(d), indent=2) + "\n")
    written.append(path)
    path = folder / "feature_scores.csv"
    d.feature_scores.to_csv(path, index=False)
    written.append(path)
    path = folder / "cart.txt"
    header = (
        f"CART tree (depth <= {d.settings.get('cart_depth', CART_DEPTH)}) for {d.condition!r} "
        f"on {d.name}: {d.matches:,} of {d.runs:,} runs meet it.\n"
        "Weights at a leaf: [runs that do not meet it, runs that do].\n\n"
    )
    leaves = d.cart_leaves.to_string(float_format=lambda v: f"{v:.3f}")
    path.write_text(header + d.cart_rules + "\nLeaves, densest first:\n" + leaves + "\n")
    written.append(path)
    path = folder / "cart_leaves.csv"
    d.cart_leaves.to_csv(path)
    written.append(path)
    path = folder / "discovery.json"
    summary = {
        "kind": "alliance-sim discovery",
        "sweep": str(d.folder),
        "scenario": d.name,
        "condition": d.condition,
        "slug": d.slug,
        "runs": d.runs,
        "matches": d.matches,
        "parameters": d.parameters,
        "ranges": {p: [r["low"], r["high"]] for p, r in d.ranges.iterrows()},
        "boxes": len(d.trajectory),
        "chosen_box": d.chosen,
        "settings": d.settings,
        "notes": d.notes,
        "versions": versions(),
    }
    path.write_text(json.dumps(_json(summary), indent=2) + "\n")
    written.append(path)
    return written


def write_discovery(
    discovery: Discovery,
    out: Path | None = None,
    *,
    force: bool = False,
    extra: Callable[[Path], object] | None = None,
) -> Path:
    """Write a discovery's folder atomically: a staging folder renamed into place when whole.

    Args:
        discovery: What :func:`discover` found.
        out: The folder (default: :func:`default_out`); made with its parents if missing.
        force: Replace a folder that exists and is not empty.
        extra: Called with the staging folder once the tables are in (the figures and the HTML
            page are drawn there).

    Returns:
        The folder written.

    Raises:
        InputError: on ``out`` if it holds something and ``force`` is not given, or cannot be
            written; nothing is left behind then.
    """
    out = default_out(discovery) if out is None else Path(out)
    check_output_folder(out, empty_unless=force, hint="choose another or pass --force")
    made: list[Path] = []
    staging: Path | None = None
    try:
        target = out.resolve()
        made = make_parents(target)
        staging = Path(tempfile.mkdtemp(prefix=f".{target.name[:200]}.", dir=target.parent))
        write_tables(discovery, staging)
        if extra is not None:
            extra(staging)
        old = staging.with_name(staging.name + ".old") if target.exists() else None
        if old is not None:
            target.rename(old)
        try:
            staging.rename(target)
        except BaseException:
            if old is not None:
                old.rename(target)
            raise
        if old is not None:
            shutil.rmtree(old, ignore_errors=True)
    except BaseException as error:
        if staging is not None:
            shutil.rmtree(staging, ignore_errors=True)
        remove_folders(made)
        if isinstance(error, OSError):
            raise output_error(out, error, staging) from None
        raise
    return out


def is_inside(path: Path, folder: Path) -> bool:
    """Whether ``path`` lies inside ``folder`` (after resolving both)."""
    try:
        return Path(os.path.realpath(path)).is_relative_to(os.path.realpath(folder))
    except (OSError, ValueError):
        return False
