"""How big a sweep is and where it runs, decided without importing the sweep machinery.

The command line asks before its own imports (about a second: Mesa, pandas, pyarrow), so that a
sweep that needs a pool of workers can start the pool's server meanwhile; this module imports
nothing heavier than the scenario it is given.
"""

from __future__ import annotations

import math
import os

from sim.loading.scenarios import LoadedScenario
from sim.schema.errors import InputError
from sim.schema.limits import MAX_DESIGN_POINTS, MAX_WORKERS

#: Work, in state-weeks (runs x weeks x states), below which a sweep left to its default
#: workers runs in this process: at most about a quarter of a second here (a state-week costs
#: 5e-6 to 5e-5 s), less than starting and feeding a pool of workers costs (benchmarks/README.md).
#: Its chunks are cut as for the default workers all the same, so its files do not change.
SMALL_SWEEP = 5_000


def usable_cores() -> int:
    """Cores this process may run on.

    Its CPU affinity where the system has one, since a container or ``taskset`` may allow fewer
    cores than the machine has; else every core.

    Returns:
        The number of cores, at least 1.
    """
    if hasattr(os, "sched_getaffinity"):
        return len(os.sched_getaffinity(0))
    return os.cpu_count() or 1


def default_workers() -> int:
    """The worker processes of a sweep not told how many.

    Returns:
        Its usable cores, at most :data:`~sim.schema.limits.MAX_WORKERS`.
    """
    return min(usable_cores(), MAX_WORKERS)


def runs_in_this_process(loaded: LoadedScenario, runs: int) -> bool:
    """Whether a sweep left to its default workers runs ``runs`` runs here, without a pool.

    Args:
        loaded: A validated scenario.
        runs: The runs still to do.

    Returns:
        True below :data:`SMALL_SWEEP` state-weeks.
    """
    return runs * loaded.scenario.steps * len(loaded.world.states) < SMALL_SWEEP


def design_size(loaded: LoadedScenario) -> tuple[int, int]:
    """The number of points and the replicates of a scenario's design, without building it.

    Args:
        loaded: A validated scenario.

    Returns:
        ``(points, replicates)``.

    Raises:
        InputError: on ``sweep.grid`` or ``sweep.samples`` when the design would have more than
            :data:`~sim.schema.limits.MAX_DESIGN_POINTS` points.
    """
    sc = loaded.scenario
    sweep = sc.sweep
    replicates = (sweep.replicates if sweep else None) or sc.replicates
    if sweep is None or (sweep.design == "grid" and not sweep.grid):
        return 1, replicates
    limit = f"at most {MAX_DESIGN_POINTS:,} design points are allowed"
    if sweep.design == "grid":
        lengths = [len(values) for values in sweep.grid.values()]
        points = math.prod(lengths)  # an exact int however big: nothing is materialised
        if points > MAX_DESIGN_POINTS:
            shape = " x ".join(str(n) for n in lengths)
            raise InputError(
                loaded.path,
                "sweep.grid",
                f"{len(lengths)} parameter(s) of {shape} values make {points:,} points; "
                f"{limit}: list fewer values or parameters",
            )
        return points, replicates
    samples, dimensions = int(sweep.samples or 0), len(sweep.ranges)
    per_sample = {"latin": 1, "sobol": dimensions + 2, "morris": dimensions + 1}[sweep.design]
    points = samples * per_sample
    if points > MAX_DESIGN_POINTS:
        rule = {"latin": "samples", "sobol": "samples x (D + 2)", "morris": "samples x (D + 1)"}
        raise InputError(
            loaded.path,
            "sweep.samples",
            f"{sweep.design!r} with {samples:,} samples over D = {dimensions} parameter(s) "
            f"makes {points:,} points ({rule[sweep.design]}); {limit}: "
            f"give at most {MAX_DESIGN_POINTS // per_sample:,} samples",
        )
    return points, replicates
