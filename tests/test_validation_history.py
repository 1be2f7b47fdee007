"""The living network: the recorded validation files of the tie dynamics are current.

``validation/great_powers.py`` and ``validation/history_episodes.py`` write one row per run
and the summaries computed from those rows. Re-running every replicate takes minutes, so these
tests re-run the first few replicates of every condition and check them against their rows,
then check that each summary file is what the recorded rows give (docs/validation.md, "The
living network").
"""

import csv
import importlib.util
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
VALIDATION = ROOT / "validation"
RESULTS = VALIDATION / "results"
FIRST = 3  # replicates re-run per condition


def load(name: str):
    """Import a script of validation/ (a folder, not a package), once."""
    if name not in sys.modules:
        spec = importlib.util.spec_from_file_location(name, VALIDATION / f"{name}.py")
        module = importlib.util.module_from_spec(spec)
        sys.modules[name] = module
        spec.loader.exec_module(module)
    return sys.modules[name]


load("episodes")  # history_episodes imports it by name, as when run as a script
great_powers = load("great_powers")
history = load("history_episodes")


def read(name: str) -> list[dict[str, str]]:
    with (RESULTS / name).open(newline="") as handle:
        return list(csv.DictReader(handle))


def as_text(row: dict[str, object]) -> dict[str, str]:
    """A computed row as the CSV file stores it."""
    return {key: str(value) for key, value in row.items()}


def assert_same_table(recorded: list[dict[str, str]], computed: list[dict[str, object]]) -> None:
    assert len(recorded) == len(computed)
    for old, new in zip(recorded, computed, strict=True):
        assert list(old) == list(new)
        for key, value in new.items():
            if isinstance(value, float):
                assert float(old[key]) == pytest.approx(value, abs=1e-9), key
            else:
                assert old[key] == str(value), key


# --- the great powers, 1872-1907 ------------------------------------------------------------------


@pytest.fixture(scope="module")
def great_power_runs() -> list[dict[str, str]]:
    return read("great_powers_runs.csv")


@pytest.mark.parametrize("condition", great_powers.CONDITIONS, ids=lambda c: c.name)
def test_first_great_power_runs_are_current(condition, great_power_runs) -> None:
    recorded = {
        int(r["replicate"]): r for r in great_power_runs if r["condition"] == condition.name
    }
    assert len(recorded) == condition.replicates
    world = condition.build()
    for replicate in range(min(FIRST, condition.replicates)):
        assert as_text(great_powers.run(condition, replicate, world)) == recorded[replicate]


def test_great_power_summaries_follow_from_the_runs(great_power_runs) -> None:
    summaries, dyads = [], []
    for condition in great_powers.CONDITIONS:
        rows = [r for r in great_power_runs if r["condition"] == condition.name]
        summaries.append(great_powers.summarise(rows))
        dyads += great_powers.dyad_rows(rows, great_powers.record_1907())
    assert_same_table(read("great_powers.csv"), summaries)
    assert_same_table(read("great_powers_dyads.csv"), dyads)


def test_the_record_reaches_the_two_blocs_in_1904_and_the_dynamics_not_from_1872() -> None:
    # What the recorded files say, in the words of docs/validation.md.
    summary = {r["condition"]: r for r in read("great_powers.csv")}
    assert summary["record"]["first_year_min"] == "1904"
    assert float(summary["record"]["blocs_1907"]) == 1.0
    assert float(summary["dynamics"]["blocs_ever"]) == 0.0
    assert float(summary["dynamics_heider"]["blocs_ever"]) == 0.0


def test_the_two_blocs_test_on_hand_made_networks() -> None:
    entente = [("Britain", "France", 1), ("Britain", "Russia", 1), ("France", "Russia", 1)]
    triple = [("Austria-Hungary", "Germany", 1), ("Austria-Hungary", "Italy", 1)]
    triple += [("Germany", "Italy", 1)]
    across = [("France", "Germany", -1)]
    assert great_powers.two_blocs(frozenset(entente + triple + across))
    # Two cliques with no tie between them: the camps could be put together either way.
    assert not great_powers.two_blocs(frozenset(entente + triple))
    # With one negative tie, putting all six in one camp is as good as one frustrated edge.
    assert not great_powers.two_blocs(
        frozenset(entente + triple + across + [("France", "Italy", 1)])
    )
    # The recorded 1907 network: one frustrated edge (France-Italy), still the unique best split.
    across += [("Britain", "Germany", -1), ("Austria-Hungary", "Russia", -1)]
    recorded = frozenset(entente + triple + across + [("France", "Italy", 1)])
    assert great_powers.two_blocs(recorded)
    assert recorded == great_powers.signed_edges(
        great_powers.AllianceModel(great_powers.load_world(great_powers.WORLD), year=1907, rng=0)
    )
    # The mid-1890s camps: France and Russia against the other four.
    mid = [("France", "Russia", 1), ("France", "Germany", -1), ("Britain", "Russia", -1)]
    mid += [("Britain", "Italy", 1), ("Austria-Hungary", "Britain", 1)] + triple
    assert great_powers.two_blocs(frozenset(mid), great_powers.MID_1890S)
    assert not great_powers.two_blocs(frozenset(mid))


# --- the South Caucasus, 1991-2024 ----------------------------------------------------------------


def test_every_year_the_ties_in_force_are_the_dated_ones() -> None:
    for row in history.record().values():
        assert row["built_matches_dates"] == 1, row["year"]
        assert row["calendar_matches_dates"] == 1, row["year"]
        assert row["calendar_signs_match_built"] == 1, row["year"]


@pytest.fixture(scope="module")
def drift_runs() -> list[dict[str, str]]:
    return read("history_dates_runs.csv")


@pytest.mark.parametrize("condition", history.DYNAMICS, ids=lambda c: c.name)
def test_first_caucasus_runs_with_dynamics_are_current(condition, drift_runs) -> None:
    recorded = {int(r["replicate"]): r for r in drift_runs if r["condition"] == condition.name}
    assert len(recorded) == condition.replicates
    for replicate in range(FIRST):
        assert as_text(history.drift(condition, replicate)) == recorded[replicate]


def test_caucasus_summaries_follow_from_the_runs(drift_runs) -> None:
    assert_same_table(read("history_dates.csv"), history.date_rows(drift_runs))
    assert_same_table(read("history_dates_dyads.csv"), history.dyad_rows(drift_runs))
    assert_same_table(read("history_dates_alliances.csv"), history.alliance_rows(drift_runs))


@pytest.fixture(scope="module")
def war_runs() -> list[dict[str, str]]:
    return read("history_episodes_runs.csv")


@pytest.mark.parametrize("condition", history.WAR_CONDITIONS, ids=lambda c: c.name)
def test_first_2020_war_runs_are_current(condition, war_runs) -> None:
    recorded = {int(r["replicate"]): r for r in war_runs if r["condition"] == condition.name}
    assert len(recorded) == condition.replicates
    for replicate in range(FIRST):
        assert as_text(history.war_run(condition.name, replicate)) == recorded[replicate]


def test_2020_war_summaries_follow_from_the_runs(war_runs) -> None:
    summaries = []
    for condition in history.WAR_CONDITIONS:
        rows = [r for r in war_runs if r["condition"] == condition.name]
        summaries.append(history.war_summary(rows))
    assert_same_table(read("history_episodes.csv"), summaries)


def test_the_reference_war_matches_the_episode_file() -> None:
    # karabakh_2020 here is the same run as validation/episodes.py's: same facts, same streams.
    recorded = {
        r["fact"]: float(r["hit_rate"]) for r in read("episodes.csv") if r["episode"] == "war_2020"
    }
    summary = next(r for r in read("history_episodes.csv") if r["condition"] == "karabakh_2020")
    if int(summary["replicates"]) == 200:
        for fact in (*history.WAR.facts, "all"):
            assert float(summary[fact]) == pytest.approx(recorded[fact]), fact
