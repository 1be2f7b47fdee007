"""Designs of a sweep: the points of parameter space it runs, and the replicates of each.

A design is sized before it is built (:func:`~sim.experiments.sizing.design_size`): a grid's
points are the product of its value lists' lengths and a sampled design's follow from
``samples`` and the number of ranges, so a request beyond
:data:`~sim.schema.limits.MAX_DESIGN_POINTS` is refused in one line before anything is
allocated. A sweep folder keeps its design's points in ``design.parquet`` beside the manifest,
which holds only the design's kind, parameters, size and SHA-256.
"""

from __future__ import annotations

import hashlib
import itertools
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from sim.experiments.sizing import design_size
from sim.loading.scenarios import LoadedScenario
from sim.schema.errors import InputError

#: The file of a sweep folder that holds the design's points, one row per point.
DESIGN_FILE = "design.parquet"


@dataclass(frozen=True)
class Design:
    """The points of a sweep: one row per point, one column per parameter (dotted path)."""

    kind: str
    parameters: list[str]
    points: np.ndarray  # shape (points, parameters)
    replicates: int

    @property
    def runs(self) -> int:
        """Number of runs: every replicate of every point."""
        return len(self.points) * self.replicates

    def table(self) -> pd.DataFrame:
        """The design as a DataFrame indexed by point."""
        frame = pd.DataFrame(self.points, columns=self.parameters)
        frame.index.name = "point"
        return frame

    def sha256(self) -> str:
        """SHA-256 of the design: its kind, parameters, replicates and every point's values.

        The values are hashed as little-endian float64 bytes, so the same design gives the same
        hash wherever it is computed.
        """
        header = json.dumps([self.kind, self.parameters, self.replicates]).encode()
        values = np.ascontiguousarray(self.points, dtype="<f8")
        digest = hashlib.sha256(header)
        digest.update(str(values.shape).encode())
        digest.update(values.tobytes())
        return digest.hexdigest()

    def to_json(self) -> dict[str, object]:
        """The design as the manifest describes it; the points are in :data:`DESIGN_FILE`."""
        return {
            "kind": self.kind,
            "parameters": self.parameters,
            "replicates": self.replicates,
            "point_count": len(self.points),
            "points_file": DESIGN_FILE,
            "sha256": self.sha256(),
        }

    def to_arrow(self) -> pa.Table:
        """The points as a table: ``point`` (int64), then one float64 column per parameter."""
        columns = {"point": pa.array(np.arange(len(self.points)), type=pa.int64())}
        for i, name in enumerate(self.parameters):
            columns[name] = pa.array(self.points[:, i], type=pa.float64())
        return pa.table(columns)


class Manifest(dict[str, Any]):
    """A sweep's manifest as read from its folder: a dict that remembers the folder.

    :func:`design_from_manifest` reads the design's points from ``folder``/:data:`DESIGN_FILE`.
    """

    def __init__(self, data: dict[str, Any], folder: Path | None = None) -> None:
        super().__init__(data)
        self.folder = folder


def make_design(loaded: LoadedScenario) -> Design:
    """Build the design points of a scenario's ``[sweep]`` table.

    A grid takes every combination of the listed values (the first parameter varies slowest).
    Sampled designs use SALib, seeded by the scenario seed: Latin hypercube
    (``SALib.sample.latin``), Sobol' with Saltelli's scheme and no second-order terms
    (``SALib.sample.sobol``, N*(D+2) points) and Morris trajectories (``SALib.sample.morris``,
    N*(D+1) points).

    Args:
        loaded: A validated scenario.

    Returns:
        The design; one point with no parameters when the scenario has no ``[sweep]``.

    Raises:
        InputError: when the design is too big (:func:`design_size`), before it is built.
    """
    sc = loaded.scenario
    sweep = sc.sweep
    points_count, replicates = design_size(loaded)
    if sweep is None or (sweep.design == "grid" and not sweep.grid):
        return Design("replicates", [], np.empty((1, 0)), replicates)
    if sweep.design == "grid":
        parameters = list(sweep.grid)
        points = np.fromiter(
            itertools.chain.from_iterable(itertools.product(*sweep.grid.values())),
            dtype=float,
            count=points_count * len(parameters),
        ).reshape(points_count, len(parameters))
        return Design("grid", parameters, points, replicates)
    from SALib.sample import latin, morris, sobol  # only sampled designs need SALib

    parameters = list(sweep.ranges)
    problem = salib_problem(parameters, [list(sweep.ranges[p]) for p in parameters])
    samples = int(sweep.samples or 0)
    if sweep.design == "latin":
        points = latin.sample(problem, samples, seed=sc.seed)
    elif sweep.design == "sobol":
        points = sobol.sample(problem, samples, calc_second_order=False, seed=sc.seed)
    else:
        points = morris.sample(problem, samples, num_levels=sweep.levels, seed=sc.seed)
    return Design(sweep.design, parameters, np.asarray(points, dtype=float), replicates)


def salib_problem(parameters: list[str], bounds: list[list[float]]) -> dict[str, object]:
    """SALib's problem dictionary for named parameters and their ``[low, high]`` bounds.

    Args:
        parameters: The parameters' dotted paths.
        bounds: The ``[low, high]`` range of each parameter, in the same order.

    Returns:
        The dictionary SALib's samplers and analysers take as ``problem``.
    """
    return {"num_vars": len(parameters), "names": parameters, "bounds": bounds}


def design_from_manifest(info: dict[str, Any]) -> Design:
    """Read the design stored in a sweep's manifest back.

    The points are read from the folder's :data:`DESIGN_FILE` (manifests written before it
    existed hold them under ``design.points``), and checked against the manifest's size and
    SHA-256.

    Args:
        info: The manifest, as :func:`sim.experiments.sweep.storage.read_manifest` returns it.

    Returns:
        The design the sweep ran.

    Raises:
        InputError: if the design file is missing, unreadable or not the one the manifest
            describes.
    """
    stored = info["design"]
    kind, parameters, replicates = stored["kind"], list(stored["parameters"]), stored["replicates"]
    if isinstance(stored.get("points"), list):  # a manifest written before design.parquet
        # The explicit shape keeps a replicates-only design (one point, no parameter) 2-D.
        shape = (len(stored["points"]), len(parameters))
        points = np.array(stored["points"], dtype=float).reshape(shape)
        return Design(kind, parameters, points, int(replicates))
    folder = getattr(info, "folder", None)
    if folder is None:
        raise InputError(
            "(manifest)", "design", "read the manifest with read_manifest(folder) to get its design"
        )
    path = Path(folder) / str(stored.get("points_file", DESIGN_FILE))
    try:
        table = pq.read_table(path, columns=["point", *parameters])
        points = np.empty((table.num_rows, len(parameters)))
        for i, name in enumerate(parameters):
            points[:, i] = table.column(name).to_numpy()
    except (OSError, KeyError, ValueError, pa.ArrowException) as error:
        raise InputError(
            folder, path.name, f"cannot read the sweep's design points: {error}"
        ) from None
    design = Design(kind, parameters, points, int(replicates))
    if len(points) != stored.get("point_count") or design.sha256() != stored.get("sha256"):
        raise InputError(
            folder,
            path.name,
            f"does not hold the design the manifest describes ({len(points):,} points, sha256 "
            f"{design.sha256()[:12]}; the manifest says {stored.get('point_count')} points, "
            f"sha256 {str(stored.get('sha256'))[:12]}); the folder was altered",
        )
    return design
