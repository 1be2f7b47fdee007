"""Designs of a sweep: the points of parameter space it runs, and the replicates of each."""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from sim.loading.scenarios import LoadedScenario


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

    def to_json(self) -> dict[str, object]:
        """The design as stored in the manifest."""
        return {
            "kind": self.kind,
            "parameters": self.parameters,
            "replicates": self.replicates,
            "points": self.points.tolist(),
        }


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
    """
    sc = loaded.scenario
    sweep = sc.sweep
    replicates = (sweep.replicates if sweep else None) or sc.replicates
    if sweep is None or (sweep.design == "grid" and not sweep.grid):
        return Design("replicates", [], np.empty((1, 0)), replicates)
    if sweep.design == "grid":
        parameters = list(sweep.grid)
        points = np.array(list(itertools.product(*sweep.grid.values())), dtype=float)
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

    Args:
        info: The manifest, as :func:`sim.experiments.sweep.storage.read_manifest` returns it.

    Returns:
        The design the sweep ran.
    """
    stored = info["design"]
    # The explicit shape keeps a replicates-only design (one point, no parameter) 2-D.
    shape = (len(stored["points"]), len(stored["parameters"]))
    points = np.array(stored["points"], dtype=float).reshape(shape)
    return Design(stored["kind"], list(stored["parameters"]), points, int(stored["replicates"]))
