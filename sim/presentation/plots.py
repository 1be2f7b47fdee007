"""Figures of a results folder, drawn from its stored tables alone.

``plot_results(folder)`` reads ``steps.csv``, ``summary.csv``, ``actions.csv``, ``network.csv``,
``tie_changes.csv`` and ``manifest.json`` and writes PNGs into ``folder/plots/``:

* ``timeseries.png``: week-by-week median and 10-90% replicate band of escalation, control of
  the contested theatres, alliance reliability, structural balance and what the states do;
* ``network_step_<NNN>.png``: the tie network of the first replicate at each stored step, the
  ties begun since the previous stored step highlighted and those ended listed;
* ``alliances.png``: the first replicate's alliances, rivalries and arms ties, one row of
  periods in force per pair, marked with why each began or ended;
* ``structure.png``: frustration, share of balanced triangles and triangles by sign pattern
  (median and 10-90% band), and ties begun and ended per year;
* ``outcomes.png``: distributions over replicates of war length, territorial gain, peak
  escalation and each state's involvement.

``structure.png`` is drawn when some tie changed or the run spans a year, ``alliances.png`` when
the run spans a year or an alliance, rivalry or arms tie of the first replicate changed; neither
for a folder written before ``tie_changes.csv`` existed.

Only the stored files are read, so ``alliance-sim plot DIR`` redraws a finished run without
the model. Figures use the object API (no pyplot state), Okabe-Ito colours and large fonts so
they stay legible on a classroom projector.

The figures are drawn by :mod:`~sim.presentation.timeseries_plot`,
:mod:`~sim.presentation.network_plot`, :mod:`~sim.presentation.alliance_plot` and
:mod:`~sim.presentation.outcomes_plot`, from the tables and style of
:mod:`~sim.presentation.plot_base`.
"""

from __future__ import annotations

from pathlib import Path

import matplotlib as mpl

from sim.presentation.alliance_plot import alliance_figure
from sim.presentation.network_plot import network_figures
from sim.presentation.outcomes_plot import outcomes_figure
from sim.presentation.plot_base import STYLE, Stored, load_stored, save_png
from sim.presentation.timeseries_plot import structure_figure, timeseries_figure

# STYLE, Stored and load_stored live in plot_base (the figure modules share them); they are
# named here too, so that a notebook can draw its own figures from this one module.
__all__ = ["STYLE", "Stored", "load_stored", "plot_results"]


def plot_results(folder: Path) -> list[Path]:
    """Draw every figure of a results folder into ``folder/plots/``.

    Args:
        folder: A folder written by ``alliance-sim run`` (``steps.csv``, ``summary.csv`` and
            ``manifest.json`` at least; ``actions.csv``, ``network.csv`` and
            ``tie_changes.csv`` are optional).

    Returns:
        The PNG files written, in drawing order.
    """
    folder = Path(folder)
    stored = load_stored(folder)
    out = folder / "plots"
    out.mkdir(exist_ok=True)
    # Old figures no longer drawn (network steps not stored now, the figures of the moving
    # network for a quiet run) would otherwise pass as current ones.
    for stale in [*out.glob("network_step_*.png"), out / "alliances.png", out / "structure.png"]:
        stale.unlink(missing_ok=True)
    written = []
    with mpl.rc_context(STYLE):
        written.append(save_png(timeseries_figure(stored), out / "timeseries.png"))
        for step, figure in network_figures(stored):
            written.append(save_png(figure, out / f"network_step_{step:03d}.png"))
        if (alliances := alliance_figure(stored)) is not None:
            written.append(save_png(alliances, out / "alliances.png"))
        if (structure := structure_figure(stored)) is not None:
            written.append(save_png(structure, out / "structure.png"))
        written.append(save_png(outcomes_figure(stored), out / "outcomes.png"))
    return written
