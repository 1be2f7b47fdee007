"""Shared test configuration: the `slow` marker for tests that cannot carry a decorator.

Slow tests (browser, notebooks, wheel build, process pools, Dask clusters, subprocesses) are
marked with ``@pytest.mark.slow`` where they are defined. ``tests/test_sweep_resume.py`` does
not import pytest, so its two tests that start and SIGKILL ``alliance-sim sweep`` processes are
marked here instead. ``make check`` runs ``pytest -m "not slow"``; ``make test`` runs them all.
"""

from __future__ import annotations

import signal
import subprocess

import pytest

SLOW_ELSEWHERE = {
    "test_sweep_resume.py": {
        "test_a_sweep_killed_twice_and_resumed_equals_an_uninterrupted_one",
        "test_a_killed_worker_process_loses_nothing",
    },
}


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        names = SLOW_ELSEWHERE.get(item.path.name, set())
        if getattr(item, "originalname", item.name) in names:
            item.add_marker(pytest.mark.slow)


@pytest.fixture
def solara_servers(monkeypatch: pytest.MonkeyPatch) -> list[tuple[list[str], dict[str, str]]]:
    """The Solara servers a command would start, recorded (command, environment), not started."""
    calls: list[tuple[list[str], dict[str, str]]] = []

    class FakeServer:
        def __init__(self, command: list[str], env: dict[str, str]) -> None:
            calls.append((command, env))

        def wait(self) -> int:
            return 0

        def poll(self) -> int:
            return 0

    monkeypatch.setattr(subprocess, "Popen", FakeServer)
    monkeypatch.setattr(signal, "signal", lambda *args: None)  # leave pytest's handlers alone
    return calls
