"""Parameter sweeps: many runs of a scenario's design points, streamed to Parquet.

:func:`run_sweep` (in ``run``) runs one; ``designs`` builds the points, ``chunks`` runs them in
chunks, ``executors`` sends chunks to this process, a process pool or Dask, and ``storage``
writes the results folder.
"""

from sim.experiments.sweep.designs import Design, design_from_manifest, make_design, salib_problem
from sim.experiments.sweep.executors import DASK_CONFIG, local_dask_cluster
from sim.experiments.sweep.run import SweepPlan, SweepReport, run_sweep
from sim.experiments.sweep.storage import read_manifest

__all__ = [
    "DASK_CONFIG",
    "Design",
    "SweepPlan",
    "SweepReport",
    "design_from_manifest",
    "local_dask_cluster",
    "make_design",
    "read_manifest",
    "run_sweep",
    "salib_problem",
]
