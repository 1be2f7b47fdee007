"""The methods of scenario discovery: PRIM, CART and feature scores, as the EMA Workbench has them.

Thin wrappers around ``ema_workbench.analysis`` (Kwakkel 2017), itself on scikit-learn, that
turn what the Workbench returns into plain tables for :func:`sim.experiments.discovery.discover`
(:func:`prim`, :func:`cart`, :func:`feature_scores`, :func:`significant_only`):

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

The Workbench and scikit-learn are imported inside the functions, so importing this module
(and the command line) stays fast.
"""

from __future__ import annotations

import contextlib
import math
import warnings
from collections.abc import Iterator
from typing import Any

import numpy as np
import pandas as pd

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
#: Columns of the table of restricted limits (``Discovery.limits``).
LIMIT_COLUMNS = ["box", "parameter", "low", "high", "qp_low", "qp_high", "qp"]


@contextlib.contextmanager
def quiet() -> Iterator[None]:
    """Silence the EMA Workbench's warnings (optional extras missing, pandas deprecations)."""
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", module=r"ema_workbench(\.|$)")
        warnings.filterwarnings("ignore", message=r".*(ipyparallel|altair).*")
        yield


def format_qp(value: float) -> str:
    """A quasi-p-value for people: two digits; one too small for a float is '< 1e-300'."""
    if math.isnan(value):
        return "-"
    return "< 1e-300" if value < 1e-300 else f"{value:.2g}"


def _qp(value: Any) -> float:
    """A quasi-p-value; the Workbench's -1 (that side not restricted) becomes NaN."""
    value = float(value)
    return math.nan if value < 0 else value


def prim(
    x: pd.DataFrame, y: np.ndarray, peel_alpha: float, paste_alpha: float, mass_min: float
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """PRIM's first box with its whole trajectory: statistics per box, limits per restriction.

    Args:
        x: The swept parameters, one column each, one row per run.
        y: Whether each run meets the condition.
        peel_alpha: Share of a box peeled at each step.
        paste_alpha: Share pasted back at each step.
        mass_min: The smallest box, as a share of all runs.

    Returns:
        The trajectory (index ``box``: coverage, density, mass, restricted, runs, matches) and
        the limits (:data:`LIMIT_COLUMNS`, one row per restricted parameter of each box).
    """
    from ema_workbench.analysis import prim as workbench_prim

    finder = workbench_prim.Prim(
        x, y, peel_alpha=peel_alpha, paste_alpha=paste_alpha, mass_min=mass_min
    )
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
    return trajectory, _limits(list(x.columns), found.box_lims, found.p_values)


def _limits(parameters: list[str], box_lims: list[Any], p_values: list[Any]) -> pd.DataFrame:
    """The restricted limits of every box on PRIM's trajectory, with their quasi-p-values."""
    initial = box_lims[0]
    rows = []
    for i, (lims, qps) in enumerate(zip(box_lims, p_values, strict=True)):
        for parameter in parameters:
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
    limits = pd.DataFrame(rows, columns=LIMIT_COLUMNS)
    limits["qp"] = limits["qp"].replace(np.inf, np.nan)
    return limits


def significant_only(
    x: pd.DataFrame, y: np.ndarray, limits: pd.DataFrame
) -> dict[str, float] | None:
    """A box's statistics once its limits that are not significant are lifted, one by one.

    Args:
        x: The swept parameters, one row per run.
        y: Whether each run meets the condition.
        limits: The box's rows of the limits table (:func:`prim`).

    Returns:
        Coverage, density, mass, restricted (parameters), runs and matches of the box with
        only its significant limits; None when every limit is significant, or none is.
    """
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


def cart(
    x: pd.DataFrame, y: np.ndarray, depth: int, mass_min: float, seed: int
) -> tuple[pd.DataFrame, str, Any]:
    """A CART tree of at most ``depth`` levels: its leaves as boxes, and its rules as text.

    Args:
        x: The swept parameters, one row per run.
        y: Whether each run meets the condition.
        depth: The tree's largest depth.
        mass_min: The smallest leaf, as a share of all runs.
        seed: The classifier's random state.

    Returns:
        The leaves (index ``leaf``, densest first: rule, runs, matches, coverage, density,
        mass), the tree as text rules, and the fitted ``DecisionTreeClassifier``.
    """
    from ema_workbench.analysis import cart as workbench_cart
    from sklearn.tree import DecisionTreeClassifier, export_text

    tree = workbench_cart.CART(x, y, mass_min=mass_min)
    # The Workbench's own build_tree grows the tree without a depth limit; fit the same
    # classifier with one and let the Workbench read the leaves' boxes and statistics.
    leaf = max(1, math.ceil(mass_min * len(y)))
    tree.clf = DecisionTreeClassifier(max_depth=depth, min_samples_leaf=leaf, random_state=seed)
    tree.clf.fit(x.to_numpy(), y)
    initial = x.agg(["min", "max"]).reset_index(drop=True)
    rows = [
        _leaf(box, stats, initial, len(y), int(y.sum()))
        for box, stats in zip(tree.boxes, tree.stats, strict=True)
    ]
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


def _leaf(
    box: pd.DataFrame, stats: dict[str, Any], initial: pd.DataFrame, runs: int, matches: int
) -> dict[str, Any]:
    """One leaf of a CART tree: its rule (the limits it sets) and its statistics."""
    parts = []
    for parameter in initial.columns:
        low, high = box.loc[0, parameter], box.loc[1, parameter]
        if low != initial.loc[0, parameter]:
            parts.append(f"{parameter} > {low:.4g}")
        if high != initial.loc[1, parameter]:
            parts.append(f"{parameter} <= {high:.4g}")
    mass = float(stats["mass"])
    return {
        "rule": " and ".join(parts) or "(all runs)",
        "runs": round(mass * runs),
        "matches": round(float(stats["coverage"]) * matches),
        "coverage": float(stats["coverage"]),
        "density": float(stats["density"]),
        "mass": mass,
    }


def feature_scores(x: pd.DataFrame, y: np.ndarray, seed: int) -> tuple[pd.DataFrame, str]:
    """Extra-trees importances of the parameters for telling the condition apart.

    Args:
        x: The swept parameters, one row per run.
        y: Whether each run meets the condition.
        seed: Seed of the trees, and of the subsample of more than :data:`SCORING_MAX_RUNS`.

    Returns:
        parameter and score (they sum to 1), highest first; and a note if the runs were
        subsampled ('' if not).
    """
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
