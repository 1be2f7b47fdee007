"""One run, built and seeded in one place, and a scenario's replicates gathered into tables.

Every part of the software that runs the model (``alliance-sim run``, sweeps, the classroom app,
the notebooks, the validation scripts) builds it with :func:`build_model`, so replicate ``r`` of
a scenario is the same run wherever it is made: that is what the common random numbers of a
sweep and the matched comparisons of the app rest on.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from sim.loading.scenarios import LoadedScenario
from sim.model.metrics import summarise_run
from sim.model.model import AllianceModel
from sim.schema.columns import ACTION_COLUMNS, NETWORK_COLUMNS, TIE_CHANGE_COLUMNS
from sim.schema.world import World

SEEDING = "numpy SeedSequence(seed, spawn_key=(replicate,))"


@dataclass
class Results:
    """The tables of a finished scenario run."""

    steps: pd.DataFrame
    actions: pd.DataFrame
    summary: pd.DataFrame
    network: pd.DataFrame
    tie_changes: pd.DataFrame


def replicate_rng(seed: int, replicate: int) -> np.random.Generator:
    """Random stream of one replicate: ``SeedSequence(seed, spawn_key=(replicate,))``.

    The same stream as ``SeedSequence(seed).spawn(n)[replicate]``, so any replicate can be
    re-run alone, in any order or process, with identical results.
    """
    return np.random.default_rng(np.random.SeedSequence(seed, spawn_key=(replicate,)))


def build_model(
    loaded: LoadedScenario, replicate: int, world: World | None = None
) -> AllianceModel:
    """Build replicate ``replicate`` of a scenario at week 0, seeded by :func:`replicate_rng`.

    Args:
        loaded: The scenario (its world already has its levers and overrides).
        replicate: Which replicate; its random stream depends only on the seed and this.
        world: A world to run instead of ``loaded.world``: a sweep's copy with a design
            point's values set (checked when the sweep was loaded).

    Returns:
        The model, ready to step.
    """
    sc = loaded.scenario
    return AllianceModel(
        world if world is not None else loaded.world,
        year=sc.year,
        events=sc.events,
        rng=replicate_rng(sc.seed, replicate),
    )


def network_steps(loaded: LoadedScenario) -> list[int]:
    """Steps at which the network is stored for plotting (default: first and last)."""
    return sorted(set(loaded.scenario.plots.network_steps or [0, loaded.scenario.steps]))


def run_replicate(loaded: LoadedScenario, replicate: int) -> tuple[AllianceModel, list[dict]]:
    """Run one replicate to its last step; return the model and its network snapshots."""
    model = build_model(loaded, replicate)
    snapshot_at = set(network_steps(loaded))
    snapshots = model.network_snapshot() if 0 in snapshot_at else []
    for _ in range(loaded.scenario.steps):
        model.step()
        if model.week in snapshot_at:
            snapshots += model.network_snapshot()
    return model, snapshots


def run_scenario(loaded: LoadedScenario, replicates: int | None = None) -> Results:
    """Run every replicate of a scenario (or the first ``replicates``) and gather the tables."""
    steps: list[dict[str, object]] = []
    actions: list[dict[str, object]] = []
    summaries: list[dict[str, object]] = []
    networks: list[dict[str, object]] = []
    changes: list[dict[str, object]] = []
    for replicate in range(replicates or loaded.scenario.replicates):
        model, snapshots = run_replicate(loaded, replicate)
        # Plain rows, and one DataFrame per table at the end: four frames per replicate
        # plus assign() and concat() cost more than running the replicate.
        networks += [{"replicate": replicate, **row} for row in snapshots]
        steps += [{"replicate": replicate, **row} for row in model.records]
        actions += [{"replicate": replicate, **row} for row in model.log]
        summaries.append({"replicate": replicate, **summarise_run(model)})
        changes += [{"replicate": replicate, **row} for row in model.net.changes]
    return Results(
        steps=pd.DataFrame(steps),
        actions=pd.DataFrame(actions, columns=["replicate", *ACTION_COLUMNS]),
        summary=pd.DataFrame(summaries),
        network=pd.DataFrame(networks, columns=["replicate", *NETWORK_COLUMNS]),
        tie_changes=pd.DataFrame(changes, columns=["replicate", *TIE_CHANGE_COLUMNS]),
    )
