"""Scenario discovery's files: the runs table it reads, and the folder of tables it writes.

:func:`read_design` reads a sweep's manifest and design; :func:`read_runs` only the columns the
analysis needs of its ``runs/`` (never ``steps/``), and :func:`read_outcome` which runs meet the
condition; :func:`sweep_ranges` gives each parameter's range as the sweep's file stated it.
:func:`write_discovery` writes a :class:`~sim.experiments.discovery.Discovery`'s tables
(:func:`write_tables`) into a folder atomically; the figures and the HTML page are
:func:`sim.presentation.discovery_report.discovery_report`.
"""

from __future__ import annotations

import contextlib
import json
import math
import shutil
import tempfile
import tomllib
from collections.abc import Callable
from importlib import metadata
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from sim.experiments.conditions import Condition
from sim.experiments.discovery_methods import CART_DEPTH
from sim.experiments.results import check_output_folder, make_parents, output_error, remove_folders
from sim.experiments.sweep import Design, design_from_manifest, read_manifest
from sim.schema.errors import InputError

if TYPE_CHECKING:
    from sim.experiments.discovery import Discovery

#: The folder of a sweep where discoveries go by default, one sub-folder per condition.
FOLDER = "discovery"
#: The files :func:`write_tables` writes, in the order it writes them.
TABLES = (
    "trajectory.csv",
    "boxes.csv",
    "chosen_box.json",
    "feature_scores.csv",
    "cart.txt",
    "cart_leaves.csv",
    "discovery.json",
)


# --- reading the sweep -----------------------------------------------------------------------


def read_design(folder: Path) -> tuple[dict[str, Any], Design]:
    """The sweep's manifest and its design (which parameters it varied, over what)."""
    info = read_manifest(folder)
    try:
        design = design_from_manifest(info)
    except (KeyError, TypeError, ValueError) as error:
        raise InputError(
            folder, "manifest.json", f"holds no readable sweep design ({error})"
        ) from None
    return info, design


def read_runs(folder: Path, columns: list[str]) -> pd.DataFrame:
    """Only ``columns`` (and ``run``) of a sweep's runs table, sorted by ``run``."""
    wanted = list(dict.fromkeys(["run", *columns]))
    try:
        table = pq.read_table(folder / "runs", columns=wanted)
    except (pa.ArrowException, OSError, ValueError) as error:
        raise InputError(
            folder,
            "runs",
            f"cannot be read ({short(error)}); run the sweep again, or delete a damaged "
            "chunk and resume",
        ) from None
    except MemoryError:
        raise InputError(folder, "runs", "too large to read into memory") from None
    return table.to_pandas().sort_values("run", ignore_index=True)


def read_outcome(
    folder: Path, design: Design, condition: Condition
) -> tuple[pd.DataFrame, np.ndarray]:
    """The swept parameters of every run (as floats), and whether each run meets the condition."""
    runs = read_runs(folder, [*design.parameters, *condition.columns])
    y = condition.evaluate(runs)
    _check_split(folder, condition, len(y), int(y.sum()))
    return runs[design.parameters].astype(float), y


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


def short(error: BaseException) -> str:
    """An error's message on one line, at most 200 characters."""
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


def _cart_text(d: Discovery) -> str:
    """``cart.txt``: a header, the tree's rules and its leaves, densest first."""
    header = (
        f"CART tree (depth <= {d.settings.get('cart_depth', CART_DEPTH)}) for {d.condition!r} "
        f"on {d.name}: {d.matches:,} of {d.runs:,} runs meet it.\n"
        "Weights at a leaf: [runs that do not meet it, runs that do].\n\n"
    )
    leaves = d.cart_leaves.to_string(float_format=lambda v: f"{v:.3f}")
    return header + d.cart_rules + "\nLeaves, densest first:\n" + leaves + "\n"


def _about(d: Discovery) -> dict[str, Any]:
    """``discovery.json``: what was asked of which sweep, the settings, notes and versions."""
    return {
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


def write_tables(discovery: Discovery, folder: Path) -> list[Path]:
    """Write a discovery's tables into ``folder`` (which exists); return the files.

    ``trajectory.csv``, ``boxes.csv`` (the restricted limits of every box), ``chosen_box.json``,
    ``feature_scores.csv``, ``cart.txt``, ``cart_leaves.csv`` and ``discovery.json`` (what was
    asked of which sweep, the settings, the notes and the versions).
    """
    d = discovery
    d.trajectory.to_csv(folder / "trajectory.csv")
    d.limits.to_csv(folder / "boxes.csv", index=False)
    (folder / "chosen_box.json").write_text(json.dumps(chosen_box_json(d), indent=2) + "\n")
    d.feature_scores.to_csv(folder / "feature_scores.csv", index=False)
    (folder / "cart.txt").write_text(_cart_text(d))
    d.cart_leaves.to_csv(folder / "cart_leaves.csv")
    (folder / "discovery.json").write_text(json.dumps(_json(_about(d)), indent=2) + "\n")
    return [folder / name for name in TABLES]


def write_discovery(
    discovery: Discovery,
    out: Path | None = None,
    *,
    force: bool = False,
    extra: Callable[[Path], object] | None = None,
) -> Path:
    """Write a discovery's folder atomically: a staging folder renamed into place when whole.

    Args:
        discovery: What :func:`sim.experiments.discovery.discover` found.
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
        _swap_in(staging, target)
    except BaseException as error:
        if staging is not None:
            shutil.rmtree(staging, ignore_errors=True)
        remove_folders(made)
        if isinstance(error, OSError):
            raise output_error(out, error, staging) from None
        raise
    return out


def _swap_in(staging: Path, target: Path) -> None:
    """Rename ``staging`` to ``target``, replacing what is there only once the rename is done."""
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
