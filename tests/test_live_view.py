"""The app's live pictures (ECharts options) say what the stored tables of the run say."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

import pandas as pd
import pytest

from sim.loading.scenarios import LoadedScenario, load_scenario
from sim.presentation.classroom import (
    apply_settings,
    arms_ties,
    default_settings,
    new_model,
    stored_from_model,
)
from sim.presentation.live_view import STRAIGHT, UNIT, network_option, weekly_option
from sim.presentation.network_plot import TIE_STYLE, kind_arcs
from sim.presentation.plot_base import OKABE_ITO, Stored
from sim.schema.columns import CONTROL, column

SCENARIOS = Path(__file__).resolve().parents[1] / "scenarios"
ARMS = TIE_STYLE["arms"][0]
WAR = TIE_STYLE["war"][0]


@pytest.fixture(scope="module")
def classroom() -> LoadedScenario:
    return load_scenario(SCENARIOS / "classroom.toml")


def live(loaded: LoadedScenario, weeks: int) -> Stored:
    model = new_model(loaded)
    for _ in range(weeks):
        model.step()
    return stored_from_model(loaded, model)


def states_of(option: dict) -> dict[str, dict]:
    return {n["name"]: n for n in option["series"][0]["data"] if not n["name"].startswith("corner")}


def links_of(option: dict, colour: str) -> set[tuple[str, str, bool]]:
    """(source, target, arrow at the target) of the links drawn in one colour."""
    return {
        (link["source"], link["target"], link["symbol"][1] == "arrow")
        for link in option["series"][0]["links"]
        if link["lineStyle"]["color"] == colour
    }


def latest(stored: Stored) -> tuple[pd.Series, pd.DataFrame]:
    assert stored.network is not None
    step = int(stored.network["step"].max())
    week = stored.steps[stored.steps["step"] == step].iloc[0]
    return week, stored.network[stored.network["step"] == step]


@pytest.mark.parametrize("weeks", [0, 3, 8])
def test_network_shows_who_fights_and_how_strong(classroom: LoadedScenario, weeks: int) -> None:
    stored = live(classroom, weeks)
    option = network_option(stored)
    week, _ = latest(stored)
    nodes = states_of(option)
    assert sorted(nodes) == stored.states
    red = {s for s, n in nodes.items() if n["itemStyle"]["borderColor"] == OKABE_ITO["vermillion"]}
    assert red == {s for s in stored.states if week[column("fighting", s)]}
    assert option["title"]["text"] == f"Network at week {weeks}"
    # Circle area grows with strength; the label carries the number.
    by_strength = sorted(stored.states, key=lambda s: week[column("strength", s)])
    sizes = [nodes[s]["symbolSize"] for s in by_strength]
    assert sizes == sorted(sizes)
    for state, node in nodes.items():
        assert node["label"]["formatter"] == f"{state}\n{week[column('strength', state)]:.1f}"
        assert node["symbolSize"] <= 2 * 0.2 * UNIT + 0.1  # the saved figures' largest circle


def test_war_arrows_point_from_attacker_to_defender(classroom: LoadedScenario) -> None:
    stored = live(classroom, 3)
    _, rows = latest(stored)
    wars = rows[rows["kind"] == "war"]
    assert len(wars), "the classroom scenario is at war in week 3"
    assert links_of(network_option(stored), WAR) == {
        (str(a), str(b), True) for a, b in zip(wars["source"], wars["target"], strict=True)
    }
    assert "Wars: Armenia–Azerbaijan" in network_option(stored)["aria"]["label"]["description"]
    assert links_of(network_option(live(classroom, 0)), WAR) == set()


def test_arms_arrows_follow_the_ties_delivered(classroom: LoadedScenario) -> None:
    stored = live(classroom, 2)
    _, rows = latest(stored)
    arms = rows[rows["kind"] == "arms"]
    expected = {(str(a), str(b), True) for a, b in zip(arms["source"], arms["target"], strict=True)}
    assert links_of(network_option(stored), ARMS) == expected
    # Cut one supplier's arms in the what-if: its arrow goes, the others stay.
    tie = arms_ties(classroom)[0]
    assert (tie.source, tie.target, True) in expected
    settings = default_settings(classroom)
    # 0x is no deliveries: the tie is cut, as its switch turned off.
    cut = apply_settings(classroom, dataclasses.replace(settings, arms={tie.id: 0.0}))
    shown = links_of(network_option(live(cut, 2)), ARMS)
    assert (tie.source, tie.target, True) not in shown
    assert shown == expected - {(tie.source, tie.target, True)}


def test_heavier_ties_are_wider_and_arcs_never_quite_straight(classroom: LoadedScenario) -> None:
    stored = live(classroom, 1)
    _, rows = latest(stored)
    links = network_option(stored)["series"][0]["links"]
    assert len(links) == sum(
        len(kind_arcs(a, b, group))
        for (a, b), group in rows.assign(
            a=rows[["source", "target"]].min(axis=1), b=rows[["source", "target"]].max(axis=1)
        ).groupby(["a", "b"])
    )
    assert all(link["lineStyle"]["curveness"] != 0 for link in links)
    assert any(link["lineStyle"]["curveness"] == STRAIGHT for link in links)
    by_kind: dict[str, list[tuple[float, float]]] = {}
    for link in links:
        style = link["lineStyle"]
        by_kind.setdefault(style["color"], []).append((style["opacity"], style["width"]))
    for pairs in by_kind.values():  # one colour, one widest line: opacity and width rise together
        assert [w for _, w in sorted(pairs)] == sorted(w for _, w in pairs)


def test_kind_arcs_merge_ties_of_a_kind_at_the_strongest_weight() -> None:
    rows = pd.DataFrame(
        {
            "source": ["Turkey", "Turkey", "Azerbaijan", "Azerbaijan"],
            "target": ["Azerbaijan", "Azerbaijan", "Turkey", "Turkey"],
            "kind": ["alliance", "alliance", "energy", "alliance"],
            "weight": [0.3, 0.9, 1.4, 0.5],
            "tie": ["p1", "p2", "gas", "p3"],
        }
    )
    alliance, energy = kind_arcs("Azerbaijan", "Turkey", rows)
    assert (alliance.kind, alliance.arrow, alliance.weight) == ("alliance", "-", 0.9)
    assert alliance.ties == {"p1", "p2", "p3"}
    assert (energy.kind, energy.arrow, energy.weight) == ("energy", "-|>", 1.0)
    assert alliance.rad == -energy.rad != 0


def test_weekly_charts_follow_the_run(classroom: LoadedScenario) -> None:
    stored = live(classroom, 5)
    option = weekly_option(stored)
    assert [t["text"] for t in option["title"]] == [
        "Escalation",
        "Territory held by its owner",
        "Fighting or intervening",
    ]
    series = {(s["xAxisIndex"], s["name"]): s["data"] for s in option["series"]}
    steps = stored.steps
    escalation = zip(steps["step"], steps["escalation"], strict=True)
    assert series[0, "escalation"] == [[w, float(e)] for w, e in escalation]
    fighting = steps[[column("fighting", s) for s in stored.states]].sum(axis=1)
    assert [v for _, v in series[2, "fighting"]] == [float(n) for n in fighting]
    assert [v for _, v in series[1, "karabakh"]] == list(steps[column(CONTROL, "karabakh")])
    assert option["xAxis"][0]["max"] == 5
    assert option["yAxis"][0]["data"][0] == "peace"


def test_options_are_plain_json(classroom: LoadedScenario) -> None:
    stored = live(classroom, 8)
    for option in (network_option(stored), weekly_option(stored)):
        assert json.loads(json.dumps(option, allow_nan=False)) == option


def test_a_run_of_another_replicate_keeps_its_circle_sizes(classroom: LoadedScenario) -> None:
    stored = live(classroom, 3)
    other = dataclasses.replace(
        stored,
        steps=stored.steps.assign(replicate=4),
        network=None if stored.network is None else stored.network.assign(replicate=4),
    )
    sizes = {s: n["symbolSize"] for s, n in states_of(network_option(stored)).items()}
    assert {s: n["symbolSize"] for s, n in states_of(network_option(other)).items()} == sizes
    assert len(set(sizes.values())) > 1
