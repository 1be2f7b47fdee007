"""Comparisons every tab of one app server shares: the same settings give the same runs.

A run depends only on its scenario, its world and its replicate (which seeds it), so the
"before and after" table one tab computed serves every tab that asks with the same settings:
in class, most tabs follow the teacher's "set Russia's commitment to 1". Tabs asking for the
same table at once wait for one computation instead of each running it: the runs hold the
GIL, so thirty at once would each take thirty times as long.
"""

from __future__ import annotations

import hashlib
import threading
from collections import OrderedDict

import pandas as pd

from sim.loading.scenarios import LoadedScenario
from sim.presentation.account import compare

#: Tables kept (each a dozen rows): the latest asked for.
MAX_KEPT = 64

_lock = threading.Lock()
_kept: OrderedDict[tuple[str, str, int], pd.DataFrame] = OrderedDict()
_computing: dict[tuple[str, str, int], threading.Lock] = {}


def run_key(loaded: LoadedScenario) -> str:
    """A digest of everything a run depends on but its replicate: the scenario and its world.

    The file's own hash is not enough: settings from the app change the scenario and world
    (:func:`~sim.loading.scenarios.with_changes`) and keep the file's text and hash.
    """
    digest = hashlib.sha256(loaded.scenario.model_dump_json().encode())
    digest.update(b"\0")
    digest.update(loaded.world.model_dump_json().encode())
    return digest.hexdigest()


def shared_comparison(
    before: LoadedScenario, after: LoadedScenario, replicates: int
) -> pd.DataFrame:
    """:func:`~sim.presentation.account.compare`, computed once per settings for all tabs.

    The table returned may be shared with other tabs: read it, do not change it.
    """
    key = (run_key(before), run_key(after), replicates)
    with _lock:
        if key in _kept:
            _kept.move_to_end(key)
            return _kept[key]
        computing = _computing.setdefault(key, threading.Lock())
    with computing:  # a second tab asking for the same table waits here for the first
        with _lock:
            if key in _kept:
                return _kept[key]
        table = compare(before, after, replicates)
        with _lock:
            _kept[key] = table
            while len(_kept) > MAX_KEPT:
                _kept.popitem(last=False)
            _computing.pop(key, None)
    return table
