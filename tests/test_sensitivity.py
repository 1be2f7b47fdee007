"""Outcomes respond to the levers in the direction the source documents suggest.

Each check compares two settings of one lever over many replicates and asserts the difference
of the means by a margin of several standard errors, so it fails if the rule behind it is
removed or reversed.
"""

from __future__ import annotations

import dataclasses
import math
from pathlib import Path

import pandas as pd
from pydantic import TypeAdapter

from sim.experiments.run import run_scenario
from sim.loading.scenarios import LoadedScenario, load_scenario
from sim.schema.scenario import Event

SCENARIOS = Path(__file__).resolve().parents[1] / "scenarios"
REPLICATES = 150


def _with(
    loaded: LoadedScenario,
    *,
    volume: float | None = None,
    extra_events: list[dict] | None = None,
    replace_level: float | None = None,
) -> LoadedScenario:
    world = loaded.world.model_copy(deep=True)
    if volume is not None:
        world.tie("tur_aze_arms").volume_usd_m.value = volume
    events = list(loaded.scenario.events)
    if replace_level is not None:
        events = [
            e.model_copy(update={"level": replace_level}) if e.kind == "distraction" else e
            for e in events
        ]
    adapter = TypeAdapter(Event)
    events += [adapter.validate_python(e, context={"scenario": True}) for e in extra_events or []]
    scenario = loaded.scenario.model_copy(update={"events": events, "replicates": REPLICATES})
    return dataclasses.replace(loaded, world=world, scenario=scenario)


def _margin(a: pd.Series, b: pd.Series, sigmas: float = 4.0) -> float:
    """Several standard errors of the difference of two means."""
    return sigmas * math.sqrt(a.var() / len(a) + b.var() / len(b))


def test_turkish_arms_raise_azerbaijani_gains_in_2020() -> None:
    # D000: Turkish drones and munitions gave Azerbaijan a large battlefield advantage.
    base = load_scenario(SCENARIOS / "karabakh_2020.toml")
    without = run_scenario(_with(base, volume=0)).summary
    with_2020_level = run_scenario(_with(base, volume=256)).summary
    gain_without, gain_with = without["gain_karabakh"], with_2020_level["gain_karabakh"]
    assert gain_with.mean() - gain_without.mean() > _margin(gain_with, gain_without)
    # Stronger arms also shorten the war.
    assert with_2020_level["war_weeks"].mean() < without["war_weeks"].mean()


def test_turkish_pledges_deter_iran() -> None:
    # D001: the Turkish show of force ended the 2001 Iranian incursions.
    base = load_scenario(SCENARIOS / "iran_escalation.toml")
    suspend = [
        {"step": 0, "kind": "tie_suspend", "tie": tie}
        for tie in ("tur_aze_1994_memorandum", "tur_aze_2010_partnership", "tur_aze_shusha_2021")
    ]
    with_turkey = run_scenario(_with(base)).summary["wars"] > 0
    without_turkey = run_scenario(_with(base, extra_events=suspend)).summary["wars"] > 0
    assert without_turkey.mean() - with_turkey.mean() > _margin(
        without_turkey.astype(float), with_turkey.astype(float)
    )


def test_russian_distraction_weakens_csto_deterrence() -> None:
    # D001: Russian intervention on Armenia's behalf is what makes an attack on Armenia costly.
    base = load_scenario(SCENARIOS / "russia_distracted.toml")
    distracted = run_scenario(_with(base)).summary["wars"] > 0
    attentive = run_scenario(_with(base, replace_level=0.0)).summary["wars"] > 0
    assert distracted.mean() - attentive.mean() > _margin(
        distracted.astype(float), attentive.astype(float)
    )
