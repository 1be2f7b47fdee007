"""Scenarios and helpers shared by the sweep tests (test_sweep, test_sweep_limits)."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
SCENARIOS = ROOT / "scenarios"

#: A short war: six weeks of an Azerbaijani offensive, three replicates.
BASE = """\
name = "t"
year = 2020
steps = 6
seed = 5
replicates = 3

[[events]]
step = 0
kind = "offensive"
attacker = "Azerbaijan"
defender = "Armenia"
theatre = "karabakh"
"""

#: BASE over a 2 x 2 grid: 4 points of 3 replicates.
GRID = (
    BASE
    + """
[sweep]
replicates = 3

[sweep.grid]
"model.tullock_r" = [1.0, 2.0]
"ties.tur_aze_arms.volume_usd_m" = [10, 200]
"""
)


def write(folder: Path, text: str, name: str = "s.toml") -> Path:
    """Write a scenario file into ``folder``; return its path."""
    path = folder / name
    path.write_text(text)
    return path


def stored(folder: Path, table: str = "runs") -> pd.DataFrame:
    """A stored table, in run order (and week order for steps)."""
    keys = ["run", "step"] if table == "steps" else ["run"]
    return pd.read_parquet(folder / table).sort_values(keys, ignore_index=True)
