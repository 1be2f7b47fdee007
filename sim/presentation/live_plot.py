"""Figures of a live run for the classroom app: the network now, and the run week by week.

:func:`stored_from_model` shapes a model being stepped in the browser like a results folder, so
the figure modules (:mod:`.network_plot`, :mod:`.timeseries_plot`) draw it as they draw a
stored run.
"""

from __future__ import annotations

import pandas as pd
from matplotlib.figure import Figure
from matplotlib.ticker import MaxNLocator

from sim.loading.scenarios import LoadedScenario
from sim.model.metrics import summarise_run
from sim.model.model import AllianceModel
from sim.presentation.network_plot import (
    TIE_STYLE,
    NetworkCanvas,
    circle_layout,
    network_figure,
    node_radii,
)
from sim.presentation.plot_base import Stored
from sim.presentation.timeseries_plot import panel_control, panel_counts, panel_escalation
from sim.schema.columns import ACTION_COLUMNS, NETWORK_COLUMNS


def stored_from_model(loaded: LoadedScenario, model: AllianceModel, replicate: int = 0) -> Stored:
    """The tables of one live run, shaped like a results folder, for the figure modules.

    Args:
        loaded: The scenario the model runs (for its name).
        model: A model stepped any number of weeks.
        replicate: The replicate the model is, for the tables' ``replicate`` column.

    Returns:
        A :class:`~sim.presentation.plot_base.Stored` of that replicate, with the network of
        the current week.
    """
    tag = {"replicate": replicate}
    return Stored(
        name=loaded.scenario.name,
        steps=pd.DataFrame([{**tag, **row} for row in model.records]),
        summary=pd.DataFrame([{**tag, **summarise_run(model)}]),
        actions=pd.DataFrame(
            [{**tag, **row} for row in model.log], columns=["replicate", *ACTION_COLUMNS]
        ),
        network=pd.DataFrame(
            [{**tag, **row} for row in model.network_snapshot()],
            columns=["replicate", *NETWORK_COLUMNS],
        ),
    )


def network_now(stored: Stored) -> Figure:
    """The network of a live run at its latest week, with the legend of every tie kind.

    Every kind is in the legend, not only those present, so the legend stays put while the
    class watches ties appear and vanish.
    """
    network = stored.network
    step = int(network["step"].max()) if network is not None and len(network) else 0
    states = stored.states
    canvas = NetworkCanvas(0, circle_layout(states), node_radii(stored, 0, states), list(TIE_STYLE))
    rows = network if network is not None else pd.DataFrame(columns=["source", "target", "kind"])
    figure = network_figure(stored, rows, step, canvas)
    # A page column is narrower than the saved PNG: a smaller canvas keeps the type (in points)
    # large relative to the picture, and so readable once the browser scales it to fit.
    figure.set_size_inches(9, 6.6)
    figure.suptitle(f"Network at week {step}")  # the page's heading already names the scenario
    return figure


def live_figure(stored: Stored) -> Figure:
    """Escalation, territory and who fights or intervenes, week by week, for a live run.

    Three of the panels of :func:`~sim.presentation.timeseries_plot.timeseries_figure`, side
    by side, so each is large enough to read from the back of a classroom.
    """
    figure = Figure(figsize=(13, 4.5), layout="constrained")
    axes = figure.subplots(1, 3, sharex=True)
    panel_escalation(axes[0], stored)
    panel_control(axes[1], stored)
    fighting = {"fighting": "fighting", "intervening": "intervening"}
    panel_counts(axes[2], stored, fighting, "")
    # Shorter titles than the saved figure's: three panels share one row here.
    axes[1].set_title("Territory held by its owner")
    axes[2].set_title("Fighting or intervening")
    for ax in axes:
        ax.set_xlabel("week")
        ax.set_xlim(0, max(1, int(stored.steps["step"].max())))
    axes[0].xaxis.set_major_locator(MaxNLocator(integer=True))
    return figure
