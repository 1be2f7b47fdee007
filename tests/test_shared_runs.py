"""Comparisons shared by the app's tabs: computed once per settings, equal to a fresh one."""

from __future__ import annotations

import dataclasses
import threading
import time
from pathlib import Path

import pandas as pd
import pytest

from sim.loading.scenarios import LoadedScenario, load_scenario
from sim.presentation import shared_runs
from sim.presentation.classroom import apply_settings, compare, default_settings

SCENARIOS = Path(__file__).resolve().parents[1] / "scenarios"


@pytest.fixture(scope="module")
def classroom() -> LoadedScenario:
    return load_scenario(SCENARIOS / "classroom.toml")


@pytest.fixture
def counted(monkeypatch: pytest.MonkeyPatch) -> list[tuple[str, str]]:
    """Empty the shared tables; count the comparisons actually computed (slowly)."""
    monkeypatch.setattr(shared_runs, "_kept", type(shared_runs._kept)())
    calls: list[tuple[str, str]] = []

    def slow_compare(before: LoadedScenario, after: LoadedScenario, runs: int) -> pd.DataFrame:
        calls.append((shared_runs.run_key(before), shared_runs.run_key(after)))
        time.sleep(0.2)  # long enough for other tabs to ask meanwhile
        return compare(before, after, runs)

    monkeypatch.setattr(shared_runs, "compare", slow_compare)
    return calls


def what_if(loaded: LoadedScenario, russia: float) -> LoadedScenario:
    settings = default_settings(loaded)
    commitment = {**settings.commitment, "Russia": russia}
    return apply_settings(loaded, dataclasses.replace(settings, commitment=commitment))


def test_the_same_settings_are_one_run_for_every_tab(
    classroom: LoadedScenario, counted: list[tuple[str, str]]
) -> None:
    before = what_if(classroom, 0.75)
    tables: list[pd.DataFrame] = []
    # Ten tabs ask at once, each with settings of its own making (equal, not the same object).
    tabs = [
        threading.Thread(
            target=lambda: tables.append(
                shared_runs.shared_comparison(before, what_if(classroom, 1.0), 2)
            )
        )
        for _ in range(10)
    ]
    for tab in tabs:
        tab.start()
    for tab in tabs:
        tab.join()
    assert len(counted) == 1
    assert len(tables) == 10 and all(t is tables[0] for t in tables)
    pd.testing.assert_frame_equal(tables[0], compare(before, what_if(classroom, 1.0), 2))


def test_other_settings_are_other_runs(
    classroom: LoadedScenario, counted: list[tuple[str, str]]
) -> None:
    before = what_if(classroom, 0.75)
    keys = {shared_runs.run_key(what_if(classroom, c)) for c in (0.0, 0.5, 1.0)}
    assert len(keys) == 3
    assert shared_runs.run_key(before) == shared_runs.run_key(what_if(classroom, 0.75))
    for commitment in (0.0, 1.0, 0.0):
        shared_runs.shared_comparison(before, what_if(classroom, commitment), 2)
    assert len(counted) == 2
    shared_runs.shared_comparison(before, what_if(classroom, 1.0), 3)  # more runs: not the same
    assert len(counted) == 3


def test_only_the_latest_tables_are_kept(
    classroom: LoadedScenario, counted: list[tuple[str, str]], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(shared_runs, "MAX_KEPT", 2)
    before = what_if(classroom, 0.75)
    for commitment in (0.1, 0.2, 0.3, 0.1):
        shared_runs.shared_comparison(before, what_if(classroom, commitment), 1)
    assert len(counted) == 4  # 0.1 was dropped for 0.3, and computed again
    assert len(shared_runs._kept) == 2
