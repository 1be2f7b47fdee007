"""Known results: the Gahuku-Gama network as a world, and the documents' episodes as targets."""

import csv
import importlib.util
import sys
from importlib.resources import files
from pathlib import Path

import pytest

from sim.loading.worlds import load_world
from sim.model import balance
from sim.model.model import AllianceModel

ROOT = Path(__file__).resolve().parent.parent
GAHUKU_GAMA = ROOT / "sim" / "data" / "worlds" / "gahuku_gama.toml"


def load_episodes():
    """Import validation/episodes.py (a script folder, not a package)."""
    path = ROOT / "validation" / "episodes.py"
    spec = importlib.util.spec_from_file_location("episodes", path)
    module = importlib.util.module_from_spec(spec)
    sys.modules["episodes"] = module
    spec.loader.exec_module(module)
    return module


episodes = load_episodes()


@pytest.fixture(scope="module")
def gahuku_model() -> AllianceModel:
    return AllianceModel(load_world(GAHUKU_GAMA), rng=0)


def test_gahuku_gama_world_has_the_published_ties(gahuku_model):
    """The world file holds exactly the 58 signed ties of the data set, no more, no fewer."""
    text = files("sim").joinpath("data", "gahuku_gama.csv").read_text(encoding="utf-8")
    published = {
        (min(r["source"], r["target"]), max(r["source"], r["target"]), int(r["sign"]))
        for r in csv.DictReader(text.splitlines())
    }
    assert len(gahuku_model.states) == 16
    assert gahuku_model.net.signed_edges(set()) == published


def test_model_network_reproduces_published_balance(gahuku_model):
    """Triangle share and walk index (signnet README), frustration 7 (Aref & Wilson 2018)."""
    graph = balance.signed_graph(gahuku_model.net.signed_edges(set()))
    assert balance.balanced_triangle_share(graph) == pytest.approx(0.8676471, abs=5e-8)
    assert balance.walk_balance_index(graph) == pytest.approx(0.3575761, abs=5e-8)
    assert balance.frustration_index(graph) == 7


def test_model_metrics_row_reproduces_published_balance(gahuku_model):
    """The weekly metrics row (what steps.csv stores) carries the same figures."""
    row = gahuku_model.records[0]
    assert row["balanced_triangles"] == pytest.approx(0.8676471, abs=5e-8)
    assert row["walk_balance"] == pytest.approx(0.3575761, abs=5e-8)
    assert row["frustration"] == 7


def test_gahuku_gama_world_runs_and_keeps_its_balance():
    """Without wars nothing changes a sign, so the balance stays where it started."""
    model = AllianceModel(load_world(GAHUKU_GAMA), rng=1)
    for _ in range(10):
        model.step()
    assert {r["frustration"] for r in model.records} == {7}


def test_recorded_episode_hit_rates_are_current():
    """validation/results/episodes.csv is what validation/episodes.py gives today."""
    recorded = {}
    with (ROOT / "validation" / "results" / "episodes.csv").open() as handle:
        for row in csv.DictReader(handle):
            recorded[row["episode"], row["fact"]] = float(row["hit_rate"])
    for episode in (*episodes.EPISODES, *episodes.AUTHORITY_EPISODES):
        for fact, rate in episodes.hit_rates(episode).items():
            assert recorded[episode.name, fact] == pytest.approx(rate), (episode.name, fact)


def test_peacekeeper_fact_fails_without_the_russian_mediation_role():
    """Cutting the only peacekeeping role makes the 'Russian peacekeepers' fact impossible."""
    war = episodes.EPISODES[0]
    loaded = episodes.load_scenario(war.scenario)
    world = loaded.world.model_copy(deep=True)
    world.ties = [t for t in world.ties if t.id != "rus_mediation"]
    loaded = episodes.dataclasses.replace(loaded, world=world)
    for r in range(10):
        model, _ = episodes.run_replicate(loaded, r)
        assert not episodes.ceasefire_russian_peacekeepers(model)


def test_turkish_show_fact_fails_without_turkish_ties():
    """Without its ties to Azerbaijan, Turkey has no reason to show force in the 2001 crisis."""
    loaded = episodes.load_scenario(episodes.EPISODES[2].scenario)
    world = loaded.world.model_copy(deep=True)
    world.ties = [t for t in world.ties if {t.source, t.target} != {"Turkey", "Azerbaijan"}]
    loaded = episodes.dataclasses.replace(loaded, world=world)
    for r in range(10):
        model, _ = episodes.run_replicate(loaded, r)
        assert not episodes.turkish_show_then_stand_down(model)


def test_parameters_reach_the_model():
    """with_parameters changes only the world of the copy it returns."""
    loaded = episodes.load_scenario(episodes.EPISODES[0].scenario)
    before = loaded.world.param("territory_rate")
    changed = episodes.with_parameters(loaded, {"territory_rate": before + 0.1})
    assert changed.world.param("territory_rate") == before + 0.1
    assert loaded.world.param("territory_rate") == before
