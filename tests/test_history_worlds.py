"""History worlds: one world file per period, its ties switched on and off by their dates.

``sim/data/worlds/great_powers_1872.toml`` holds the European great powers 1872-1907 (Taylor
1954; Langer 1931, 1935) and ``sim/data/worlds/south_caucasus_history.toml`` the South Caucasus
1991-2024 (the built-in world's ties, dated). The checks here read the ties in force in chosen
years (a model built in year Y, before any step) against the history, check the evidence, and
run the two example scenarios that go with the worlds.
"""

from __future__ import annotations

import csv
import re
from functools import cache
from pathlib import Path

import pytest

from sim.loading.scenarios import load_scenario
from sim.loading.worlds import load_world
from sim.model.balance import frustration_index, frustration_partition, is_balanced, signed_graph
from sim.model.metrics import signed_edges
from sim.model.model import WEEKS_PER_YEAR, AllianceModel
from sim.presentation.cli import main
from sim.schema.world import AllianceTie, World, iter_figures

REPO = Path(__file__).resolve().parents[1]
WORLDS = REPO / "sim" / "data" / "worlds"
GREAT_POWERS = WORLDS / "great_powers_1872.toml"
CAUCASUS = WORLDS / "south_caucasus_history.toml"
SEEDS = REPO.parent / "shared" / "seeds"

BRI, FRA, RUS, AUT, GER, ITA = (
    "Britain",
    "France",
    "Russia",
    "Austria-Hungary",
    "Germany",
    "Italy",
)
ARMENIA, AZERBAIJAN = "Armenia", "Azerbaijan"
ENTENTE = {BRI, FRA, RUS}
TRIPLE_ALLIANCE = {GER, AUT, ITA}


@cache
def world(path: Path) -> World:
    return load_world(path)


@cache
def model_in(path: Path, year: int) -> AllianceModel:
    """A model of the world in ``year``, before its first step: the ties of that year."""
    return AllianceModel(world(path), year=year, rng=0)


def active(path: Path, year: int) -> set[str]:
    return {tie for tie, status in model_in(path, year).net.status.items() if status == "active"}


def allied(path: Path, year: int, a: str, b: str) -> bool:
    return b in model_in(path, year).net.allies[a]


def enemies(path: Path, year: int, a: str, b: str) -> bool:
    return model_in(path, year).net.hostility.get((a, b), 0.0) > 0.0


def edges_as_triples(edges: dict[frozenset[str], int]) -> list[tuple[str, str, int]]:
    triples = []
    for pair, sign in edges.items():
        a, b = sorted(pair)
        triples.append((a, b, sign))
    return triples


def signs(path: Path, year: int) -> dict[frozenset[str], int]:
    """The signed network of ``year``: each pair with a sign, +1 or -1."""
    return {frozenset((a, b)): s for a, b, s in signed_edges(model_in(path, year))}


# --- both worlds: they load, and every figure and tie carries its evidence ------------------------


@pytest.mark.parametrize("path", [GREAT_POWERS, CAUCASUS], ids=lambda p: p.stem)
def test_the_world_loads_with_evidence_for_every_tie(path: Path) -> None:
    loaded = world(path)
    documented = {where.split(".")[1] for where, figure in iter_figures(loaded) if figure.doc}
    # A tie's evidence is its list of facts, or (as for a few built-in ties) a documented figure.
    assert loaded.ties and all(tie.evidence or tie.id in documented for tie in loaded.ties)
    cited = {ev.doc for tie in loaded.ties for ev in tie.evidence}
    cited |= {figure.doc for _, figure in iter_figures(loaded) if figure.doc}
    assert cited == set(loaded.documents), "a document is listed but never cited, or vice versa"
    for where, figure in iter_figures(loaded):
        if figure.assumption is not None:
            assert figure.range is not None, f"{where}: an assumption needs a range"
        if figure.range is not None:
            assert figure.range[0] <= figure.value <= figure.range[1], where


@pytest.mark.parametrize("path", [GREAT_POWERS, CAUCASUS], ids=lambda p: p.stem)
def test_the_evidence_command_prints_the_world(
    path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["evidence", "--world", str(path)]) == 0
    out = capsys.readouterr().out
    assert out.startswith(f"# Evidence: {world(path).meta.name}")
    assert all(f"ties.{tie.id}" in out for tie in world(path).ties)
    assert out.count("| documented |") >= sum(len(tie.evidence) for tie in world(path).ties)


# --- the great powers, 1872-1907 ----------------------------------------------------------------


def test_the_league_of_the_three_emperors_1873_to_1878() -> None:
    for a, b in ((GER, AUT), (GER, RUS), (AUT, RUS)):
        assert allied(GREAT_POWERS, 1875, a, b)
    assert enemies(GREAT_POWERS, 1875, FRA, GER)  # Alsace-Lorraine, from 1871
    assert not allied(GREAT_POWERS, 1872, GER, RUS)  # before the league
    assert not allied(GREAT_POWERS, 1878, GER, RUS)  # broken by the Congress of Berlin


def test_1880_the_dual_alliance_alone() -> None:
    assert allied(GREAT_POWERS, 1880, GER, AUT)
    assert "dual_alliance" in active(GREAT_POWERS, 1880)
    assert not allied(GREAT_POWERS, 1880, GER, RUS) and not allied(GREAT_POWERS, 1880, AUT, RUS)


def test_1883_the_triple_alliance_and_the_renewed_league() -> None:
    assert allied(GREAT_POWERS, 1883, GER, ITA) and allied(GREAT_POWERS, 1883, AUT, ITA)
    assert allied(GREAT_POWERS, 1883, GER, RUS)  # the three emperors' treaty of 1881
    assert enemies(GREAT_POWERS, 1883, FRA, ITA)  # Tunis, 1881
    assert enemies(GREAT_POWERS, 1883, BRI, FRA)  # Egypt, 1882


def test_1888_the_reinsurance_treaty_and_the_mediterranean_agreements() -> None:
    assert allied(GREAT_POWERS, 1888, GER, RUS)
    assert "reinsurance" in active(GREAT_POWERS, 1888)
    # The three emperors' treaty lapsed in 1887; the Bulgarian crisis set Vienna against Russia.
    assert not allied(GREAT_POWERS, 1888, AUT, RUS) and enemies(GREAT_POWERS, 1888, AUT, RUS)
    assert allied(GREAT_POWERS, 1888, BRI, ITA) and allied(GREAT_POWERS, 1888, BRI, AUT)


def test_1891_germany_and_russia_no_longer_allied() -> None:
    assert not allied(GREAT_POWERS, 1891, GER, RUS)
    assert model_in(GREAT_POWERS, 1891).net.status["reinsurance"] == "ended"
    assert allied(GREAT_POWERS, 1891, FRA, RUS)  # the consultation accord of August 1891


def test_1895_the_franco_russian_alliance_with_its_military_convention() -> None:
    assert allied(GREAT_POWERS, 1895, FRA, RUS)
    pledges = {
        (tie.id, tie.obligation)
        for tie, pledger, protege in model_in(GREAT_POWERS, 1895).net.pledges
        if {pledger, protege} == {FRA, RUS}
    }
    assert ("franco_russian_1894", "defence") in pledges
    assert model_in(GREAT_POWERS, 1893).net.status["franco_russian_1894"] == "not_yet"


def test_1899_fashoda_and_the_naval_rivalry() -> None:
    assert enemies(GREAT_POWERS, 1899, BRI, FRA) and enemies(GREAT_POWERS, 1899, BRI, GER)
    assert not model_in(GREAT_POWERS, 1899).net.allies[BRI]  # Mediterranean agreements gone
    assert not enemies(GREAT_POWERS, 1897, BRI, GER)


def test_1905_britain_and_france_not_enemies() -> None:
    assert not enemies(GREAT_POWERS, 1905, BRI, FRA)
    assert allied(GREAT_POWERS, 1905, BRI, FRA)  # the Entente Cordiale, 1904
    assert signs(GREAT_POWERS, 1905)[frozenset((BRI, FRA))] == 1
    assert enemies(GREAT_POWERS, 1905, BRI, RUS)  # until the convention of 1907
    assert not enemies(GREAT_POWERS, 1905, FRA, ITA)  # eased by the accords of 1900-1902


def test_1890s_balanced_with_britain_beside_the_triple_alliance() -> None:
    # With the Mediterranean agreements in force (1887-1897) and the Franco-Russian alliance
    # made, the signed network of 1895 is balanced: France and Russia against the rest.
    graph = signed_graph(signed_edges(model_in(GREAT_POWERS, 1895)))
    assert is_balanced(graph)
    camps = frustration_partition(graph)
    assert camps[FRA] == camps[RUS] != camps[BRI] == camps[GER] == camps[AUT] == camps[ITA]


def test_1907_two_camps_with_italy_one_frustrated_edge_from_balance() -> None:
    # What the world encodes for 1907: the Triple Entente (Britain-France 1904, Britain-Russia
    # 1907, France-Russia 1894) all positive; the Triple Alliance (Germany-Austria-Hungary 1879,
    # Germany-Italy and Austria-Hungary-Italy 1882, their alliance ties outweighing the
    # Austro-Italian rivalry) all positive; France-Germany, Britain-Germany and
    # Austria-Hungary-Russia negative; Germany-Russia, Britain-Austria-Hungary, Britain-Italy,
    # France-Austria-Hungary and Italy-Russia without a tie. Italy is the ambiguous member:
    # formally in the Triple Alliance, it promised France neutrality in 1902, so France-Italy is
    # positive across the blocs. Austria-Hungary-Russia (a Balkan truce since 1897, still
    # coded as a rivalry) and Austria-Hungary-Italy (allies and rivals) are ambiguous too.
    edges = signs(GREAT_POWERS, 1907)
    positive = {frozenset(p) for p in ((BRI, FRA), (BRI, RUS), (FRA, RUS), (GER, AUT))}
    positive |= {frozenset(p) for p in ((GER, ITA), (AUT, ITA), (FRA, ITA))}
    negative = {frozenset(p) for p in ((FRA, GER), (BRI, GER), (AUT, RUS))}
    assert edges == {pair: 1 for pair in positive} | {pair: -1 for pair in negative}

    graph = signed_graph(edges_as_triples(edges))
    assert not is_balanced(graph) and frustration_index(graph) == 1
    camps = frustration_partition(graph)
    assert {camps[s] for s in ENTENTE} != {camps[s] for s in TRIPLE_ALLIANCE}
    assert len({camps[s] for s in ENTENTE}) == len({camps[s] for s in TRIPLE_ALLIANCE}) == 1
    frustrated = [
        (a, b) for a, b, s in graph.edges(data="sign") if (camps[a] != camps[b]) == (s > 0)
    ]
    assert [frozenset(pair) for pair in frustrated] == [frozenset((FRA, ITA))]
    # Without Italy's accord with France the two blocs would be exactly balanced.
    assert is_balanced(graph.subgraph(ENTENTE | {GER, AUT}))


def test_every_great_power_pledge_is_dated_and_the_model_is_the_builtin_one() -> None:
    # Every pledge of the great powers carries its first year (the world begins in 1872).
    for tie in world(GREAT_POWERS).ties:
        if isinstance(tie, AllianceTie):
            assert tie.since is not None and tie.since >= 1872, tie.id
    assert world(GREAT_POWERS).model == load_world().model


def test_the_history_scenario_calendar_switches_the_treaties() -> None:
    # The example scenario starts in 1889 with the tie dynamics off: after one year the
    # Reinsurance Treaty has ended, after two the Franco-Russian accord is in force.
    loaded = load_scenario(REPO / "scenarios" / "great_powers_1872.toml")
    model = AllianceModel(loaded.world, year=loaded.scenario.year, rng=0)
    assert model.net.status["reinsurance"] == "active"
    for _ in range(WEEKS_PER_YEAR + 1):
        model.step()
    assert model.year == 1890 and model.net.status["reinsurance"] == "ended"
    assert model.net.status["franco_russian_1891"] == "not_yet"
    for _ in range(WEEKS_PER_YEAR):
        model.step()
    assert model.year == 1891 and FRA in model.net.allies[RUS]


# --- the South Caucasus, 1991-2024 --------------------------------------------------------------


def test_1993_before_the_ceasefire() -> None:
    on = active(CAUCASUS, 1993)
    assert {"arm_aze_karabakh", "tur_arm_rivalry", "tur_arm_border"} <= on
    # The Tashkent treaty was signed in 1992 but in force only from 1994; the Turkish
    # memorandum and Russia's brokering of the ceasefire are of 1994 too.
    assert not {"rus_arm_csto", "tur_aze_1994_memorandum", "rus_mediation_1994"} & on
    assert "tur_arm_border_1991" not in on  # the border closed in April 1993
    assert not model_in(CAUCASUS, 1993).net.mediators
    assert model_in(CAUCASUS, 1993).net.allies[ARMENIA] == set()


def test_2011_partnership_csto_and_mediation_without_peacekeepers() -> None:
    on = active(CAUCASUS, 2011)
    assert {"tur_aze_1994_memorandum", "tur_aze_2010_partnership", "rus_arm_csto"} <= on
    assert {"rus_arm_1997_treaty", "rus_mediation_1994", "isr_tur_rivalry"} <= on
    assert not {"tur_aze_shusha_2021", "isr_aze_arms", "rus_tur_rivalry", "rus_mediation"} & on
    assert [role.peacekeeping for role in model_in(CAUCASUS, 2011).net.mediators] == [False]


def test_2021_shusha_peacekeepers_and_the_monitoring_centre() -> None:
    on = active(CAUCASUS, 2021)
    assert {"tur_aze_shusha_2021", "rus_mediation", "tur_rus_monitoring", "rus_arm_csto"} <= on
    assert "aze_rus_2022_declaration" not in on
    roles = {role.id: role.peacekeeping for role in model_in(CAUCASUS, 2021).net.mediators}
    assert roles == {"rus_mediation": True, "tur_rus_monitoring": False}


def test_2024_after_the_csto_freeze_and_the_peacekeepers() -> None:
    status = model_in(CAUCASUS, 2024).net.status
    for ended in ("rus_arm_csto", "rus_mediation", "tur_rus_monitoring", "arm_aze_karabakh"):
        assert status[ended] == "ended", ended
    on = active(CAUCASUS, 2024)
    assert {"aze_rus_2022_declaration", "arm_aze_rivalry_2024", "rus_mediation_2024"} <= on
    # The bilateral treaty of 1997 still binds Russia to Armenia; Russia is allied to both.
    assert model_in(CAUCASUS, 2024).net.allies[RUS] == {ARMENIA, AZERBAIJAN}
    assert not any(role.peacekeeping for role in model_in(CAUCASUS, 2024).net.mediators)
    assert enemies(CAUCASUS, 2024, ARMENIA, AZERBAIJAN)


def test_built_on_the_builtin_world_with_its_evidence_kept() -> None:
    builtin, history = load_world(), world(CAUCASUS)
    assert history.states == builtin.states and history.theatres == builtin.theatres
    assert history.model == builtin.model
    assert {k: v for k, v in history.documents.items() if k != "PUBLIC"} == builtin.documents
    dates = ("since", "until", "evidence")
    for tie in builtin.ties:
        dated = history.tie(tie.id)
        assert dated.model_dump(exclude=set(dates)) == tie.model_dump(exclude=set(dates)), tie.id
        assert dated.evidence[: len(tie.evidence)] == tie.evidence, tie.id
        if tie.since is not None:
            assert dated.since == tie.since, tie.id
    assert {t.id for t in history.ties} - {t.id for t in builtin.ties} == {
        "rus_arm_1997_treaty",
        "tur_arm_border_1991",
        "arm_aze_rivalry_2024",
        "rus_mediation_1994",
        "rus_mediation_2024",
    }


def test_public_record_dates_are_flagged() -> None:
    for tie in world(CAUCASUS).ties:
        for ev in tie.evidence:
            if ev.doc == "PUBLIC":
                assert ev.fact.startswith("Public record: "), tie.id
                assert re.search(r"\b(19|20)\d\d\b", ev.figure), (tie.id, ev.figure)


def normalise(text: str) -> str:
    text = text.translate(str.maketrans({"\u2019": "'", "\u2013": "-", "\u2014": "-"}))
    return re.sub(r"\s+", " ", text).strip().lower()


def test_document_figures_appear_in_their_documents() -> None:
    if not SEEDS.is_dir():
        pytest.skip(f"source documents not found at {SEEDS}")
    history = world(CAUCASUS)
    cited = [(tie.id, ev.doc, ev.figure) for tie in history.ties for ev in tie.evidence]
    cited += [(where, f.doc, f.figure or "") for where, f in iter_figures(history) if f.doc]
    for where, doc, figure in cited:
        if doc == "PUBLIC":
            continue
        text = normalise((SEEDS / history.documents[doc].file).read_text(errors="replace"))
        assert normalise(figure) in text, (where, doc, figure)


# --- the example scenarios run ------------------------------------------------------------------


def read_rows(path: Path) -> list[dict[str, str]]:
    with path.open(newline="", encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


def test_the_great_powers_scenario_runs_and_traces_the_balance(tmp_path: Path) -> None:
    path = REPO / "scenarios" / "great_powers_1872.toml"
    out = tmp_path / "out"
    assert main(["run", str(path), "--replicates", "1", "--no-plots", "--out", str(out)]) == 0
    frustration = {int(r["step"]): int(r["frustration"]) for r in read_rows(out / "steps.csv")}
    assert len(frustration) == 988 + 1

    def in_year(year: int) -> int:  # the week after the first step of ``year``
        return (year - 1889) * WEEKS_PER_YEAR + 1

    assert frustration[in_year(1895)] == 0  # balanced: France and Russia against the rest
    assert frustration[in_year(1907)] == 1  # Entente against Triple Alliance, but for Italy
    assert frustration[988] == 1


def test_the_caucasus_scenario_runs_both_offensives(tmp_path: Path) -> None:
    path = REPO / "scenarios" / "south_caucasus_history.toml"
    out = tmp_path / "out"
    assert main(["run", str(path), "--replicates", "1", "--no-plots", "--out", str(out)]) == 0
    (summary,) = read_rows(out / "summary.csv")
    assert summary["wars"] == "2"
    ties = {}
    for row in read_rows(out / "network.csv"):
        ties.setdefault(int(row["step"]), set()).add(row["tie"])
    assert "rus_arm_csto" in ties[0] and "rus_mediation_1994" in ties[0]
    assert "rus_mediation" in ties[92]  # the 2020 war: the peacekeeping role
    assert "rus_arm_csto" not in ties[312] and "rus_arm_1997_treaty" in ties[312]


def test_a_scenario_names_a_shipped_world_by_name_from_anywhere(tmp_path: Path) -> None:
    # The name resolves inside the package, so a scenario outside the repository (or one
    # installed from a wheel, as sim.scenarios) finds the world.
    from sim.schema.errors import InputError

    path = tmp_path / "s.toml"
    path.write_text('name = "s"\nworld = "great_powers_1872"\nyear = 1880\nsteps = 2\nseed = 1\n')
    assert "Germany" in load_scenario(path).world.states
    path.write_text('name = "s"\nworld = "great_powers_1873"\nsteps = 2\nseed = 1\n')
    with pytest.raises(InputError) as caught:
        load_scenario(path)
    assert caught.value.field == "world"
    assert "no world named 'great_powers_1873'; built-in worlds: builtin, gahuku_gama" in (
        caught.value.message
    )
