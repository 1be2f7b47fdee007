"""The South Caucasus history world: its dated ties, and the 2020 war with the tie dynamics on.

Two checks on ``sim/data/worlds/south_caucasus_history.toml`` (1991-2024):

1. *The dates* (a test of the data and the calendar, no randomness): for each year 1992-2024
   the ties in force in a model built in that year are exactly those the file dates to it
   (``since`` <= year < ``until``), and so are the ties in force in the first week of that
   year of one run from 1991 with the dynamics off, with the same signed network. Then the
   same peaceful run with the dynamics on (the world's defaults, and with ``heider_updates`` =
   5): in what share of runs are the ties in force, and the signs, still the recorded ones in
   each year, and how many pairs' signs differ.
2. *The 2020 war on the dated network*: a run from 2019 with the 2020 offensive in week 90
   (late September 2020, as in ``scenarios/south_caucasus_history.toml``) and the set-up of
   ``scenarios/karabakh_2020.toml`` (Turkish arms at their pre-war $36m, Russia distracted at
   0.3 from the war's start), 102 weeks, so that the 2020 review (week 52) is the only one
   before the war. The four stylised facts of the 2020 war (``validation/episodes.py``) are
   scored with the dynamics off and on, beside ``karabakh_2020`` itself as the reference.

Run ``.venv/bin/python validation/history_episodes.py`` to write, in ``validation/results/``:
``history_dates.csv`` (per year), ``history_dates_dyads.csv`` (the signs of 2020 pair by pair),
``history_dates_alliances.csv`` (how often and when the dynamics cut each recorded alliance),
``history_dates_runs.csv`` (per run), ``history_episodes.csv`` (per condition) and
``history_episodes_runs.csv`` (per run).
``tests/test_validation_history.py`` re-runs the first replicates and checks they are current.
See docs/validation.md, "The living network".
"""

from __future__ import annotations

import gc
import itertools
import statistics
import time
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

from episodes import EPISODES, about_six_weeks, write_csv

from sim.experiments.run import build_model, replicate_rng
from sim.loading.scenarios import LoadedScenario, load_scenario, with_changes
from sim.loading.worlds import load_world
from sim.model.metrics import signed_edges, war_weeks
from sim.model.model import WEEKS_PER_YEAR, AllianceModel
from sim.schema.world import World

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "validation" / "results"
WORLD = ROOT / "sim" / "data" / "worlds" / "south_caucasus_history.toml"
HISTORY_SCENARIO = ROOT / "scenarios" / "south_caucasus_history.toml"
START, FIRST, LAST = 1991, 1992, 2024
SEED = 1991
REPLICATES = 200
OUTSIDERS = ("Turkey", "Russia", "Israel", "Iran")
WAR = EPISODES[0]
assert WAR.name == "war_2020" and WAR.facts["about_six_weeks"] is about_six_weeks

Signs = dict[tuple[str, str], int]


def with_parameters(world: World, params: Mapping[str, float]) -> World:
    """A copy of ``world`` with some ``[model]`` parameters set."""
    world = world.model_copy(deep=True)
    for name, value in params.items():
        world.model[name] = world.model[name].model_copy(update={"value": float(value)})
    return world


# --- 1. the dates -------------------------------------------------------------------------------
def dated(world: World, year: int) -> set[str]:
    """The ties the file puts in force in ``year``: ``since`` <= year < ``until``."""
    return {
        t.id
        for t in world.ties
        if (t.since is None or t.since <= year) and (t.until is None or year < t.until)
    }


def in_force(model: AllianceModel) -> set[str]:
    """The ties in force in a model now."""
    return {tie_id for tie_id, status in model.net.status.items() if status == "active"}


def signs(model: AllianceModel) -> Signs:
    """The signed network now, as a pair -> sign mapping."""
    return {(a, b): s for a, b, s in signed_edges(model)}


def years_of_a_run(model: AllianceModel) -> dict[int, tuple[set[str], Signs]]:
    """Step ``model`` from 1991 to the first week of 2024; ties and signs of each year's week 1."""
    found = {}
    for year in range(FIRST, LAST + 1):
        for _ in range((year - START) * WEEKS_PER_YEAR + 1 - model.steps):
            model.step()
        assert model.year == year
        found[year] = (in_force(model), signs(model))
    return found


@cache
def recorded_signs() -> dict[int, Signs]:
    """The recorded signed network of each year: a model built in that year, before any step."""
    world = load_world(WORLD)
    return {year: signs(AllianceModel(world, year=year, rng=0)) for year in range(FIRST, LAST + 1)}


@cache
def record() -> dict[int, dict[str, object]]:
    """Per year: the dated ties, and whether a built model and the calendar agree with them."""
    world = load_world(WORLD)
    calendar = years_of_a_run(
        AllianceModel(with_parameters(world, {"review_share": 0.0}), year=START, rng=0)
    )
    rows = {}
    for year in range(FIRST, LAST + 1):
        built = AllianceModel(world, year=year, rng=0)
        ties, run_signs = calendar[year]
        rows[year] = {
            "year": year,
            "ties_in_force": len(dated(world, year)),
            "signed_pairs": len(signs(built)),
            "built_matches_dates": int(in_force(built) == dated(world, year)),
            "calendar_matches_dates": int(ties == dated(world, year)),
            "calendar_signs_match_built": int(run_signs == recorded_signs()[year]),
        }
    return rows


@dataclass(frozen=True)
class Dynamics:
    """A peaceful run of the history world from 1991 with the tie dynamics on."""

    name: str
    params: Mapping[str, float] = field(default_factory=dict)
    replicates: int = REPLICATES


DYNAMICS = (Dynamics("dynamics"), Dynamics("dynamics_heider", {"heider_updates": 5}))


def drift(condition: Dynamics, replicate: int) -> dict[str, object]:
    """One run with the dynamics on: per year, how many pairs' signs differ from the record."""
    world = with_parameters(load_world(WORLD), condition.params)
    model = AllianceModel(world, year=START, rng=replicate_rng(SEED, replicate))
    years = years_of_a_run(model)
    reference = recorded_signs()
    first_ties = first_signs = None
    row: dict[str, object] = {"condition": condition.name, "replicate": replicate}
    for year, (ties, run_signs) in years.items():
        wanted = reference[year]
        if first_ties is None and ties != dated(world, year):
            first_ties = year
        if first_signs is None and run_signs != wanted:
            first_signs = year
        both = set(run_signs) | set(wanted)
        row[f"d{year}"] = sum(run_signs.get(p, 0) != wanted.get(p, 0) for p in both)
    row["first_year_ties_differ"] = first_ties if first_ties is not None else ""
    row["first_year_signs_differ"] = first_signs if first_signs is not None else ""
    reasons = Counter(str(c["reason"]).removeprefix("rule:") for c in model.net.changes)
    row |= {rule: reasons[rule] for rule in ("formed", "left", "renewed", "normalised", "heider")}
    # The year each recorded alliance was cut by a rule (left, or a Heider flip), if it was.
    cut = {
        str(c["tie"]): START + int(str(c["step"])) // WEEKS_PER_YEAR
        for c in model.net.changes
        if str(c["reason"]).startswith("rule:") and c["status"] == "cut"
    }
    row |= {f"cut_{tie}": cut.get(tie, "") for tie in recorded_alliances()}
    row |= {f"s{SIGN_YEAR}_{a}|{b}": years[SIGN_YEAR][1].get((a, b), 0) for a, b in pairs()}
    return row


SIGN_YEAR = 2020  # the year whose signs are compared pair by pair (the war's year)


@cache
def pairs() -> tuple[tuple[str, str], ...]:
    """Every pair of the six states, sorted."""
    return tuple(itertools.combinations(sorted(load_world(WORLD).states), 2))


@cache
def recorded_alliances() -> tuple[str, ...]:
    """The ids of the world's alliance ties, in file order."""
    return tuple(t.id for t in load_world(WORLD).ties if t.kind == "alliance")


def dyad_rows(runs: list[dict[str, object]]) -> list[dict[str, object]]:
    """Per condition and pair: the recorded sign of 2020 and how often runs have each sign."""
    rows = []
    for condition in DYNAMICS:
        mine = [r for r in runs if r["condition"] == condition.name]
        n = len(mine)
        for a, b in pairs():
            wanted = recorded_signs()[SIGN_YEAR].get((a, b), 0)
            counts = Counter(int(str(r[f"s{SIGN_YEAR}_{a}|{b}"])) for r in mine)
            rows.append(
                {
                    "condition": condition.name,
                    "dyad": f"{a}|{b}",
                    f"record_{SIGN_YEAR}": wanted,
                    "positive": round(counts[1] / n, 4),
                    "none": round(counts[0] / n, 4),
                    "negative": round(counts[-1] / n, 4),
                    "match": round(counts[wanted] / n, 4),
                }
            )
    return rows


def alliance_rows(runs: list[dict[str, object]]) -> list[dict[str, object]]:
    """Per condition and recorded alliance: how often, and when, the dynamics cut it."""
    world = load_world(WORLD)
    rows = []
    for condition in DYNAMICS:
        mine = [r for r in runs if r["condition"] == condition.name]
        for tie_id in recorded_alliances():
            tie = world.tie(tie_id)
            years = sorted(int(str(r[f"cut_{tie_id}"])) for r in mine if r[f"cut_{tie_id}"] != "")
            # Years a run has with the tie in force by the record, within the checked period.
            first, last = max(tie.since or START, FIRST), min((tie.until or LAST + 1) - 1, LAST)
            rows.append(
                {
                    "condition": condition.name,
                    "tie": tie_id,
                    "since": tie.since or "",
                    "until": tie.until or "",
                    "cut_share": round(len(years) / len(mine), 4),
                    "cut_year_median": statistics.median(years) if years else "",
                    "years_after_start_median": (
                        statistics.median(y - first for y in years) if years else ""
                    ),
                    "in_force_at_record_end": round(
                        sum(
                            str(r[f"cut_{tie_id}"]) == "" or int(str(r[f"cut_{tie_id}"])) > last
                            for r in mine
                        )
                        / len(mine),
                        4,
                    ),
                }
            )
    return rows


def _not_yet(runs: list[dict[str, object]], column: str, year: int) -> int:
    """How many runs had not yet departed from the record by ``year`` (``column`` a first year)."""
    return sum(str(r[column]) == "" or int(str(r[column])) > year for r in runs)


def date_rows(runs: list[dict[str, object]]) -> list[dict[str, object]]:
    """Per year: the record checks, then per dynamics condition the share still on record."""
    rows = []
    for year, checks in record().items():
        row = dict(checks)
        for condition in DYNAMICS:
            mine = [r for r in runs if r["condition"] == condition.name]
            n = len(mine)
            differences = sum(int(str(r[f"d{year}"])) for r in mine)
            ties = _not_yet(mine, "first_year_ties_differ", year)
            same = _not_yet(mine, "first_year_signs_differ", year)
            row[f"{condition.name}_same_ties"] = round(ties / n, 4)
            row[f"{condition.name}_same_signs_so_far"] = round(same / n, 4)
            row[f"{condition.name}_same_signs"] = round(
                sum(int(str(r[f"d{year}"])) == 0 for r in mine) / n, 4
            )
            row[f"{condition.name}_signs_differing_mean"] = round(differences / n, 4)
        rows.append(row)
    return rows


# --- 2. the 2020 war ----------------------------------------------------------------------------
WAR_WEEK = 90  # late September 2020 on a calendar from 2019 (week 38 of 2020)
WAR_STEPS = WAR_WEEK + 12  # as karabakh_2020: 12 weeks from the offensive; before the 2021 review


@dataclass(frozen=True)
class WarCondition:
    """One way to run the 2020 war: the reference scenario, or the history world from 2019."""

    name: str
    description: str
    params: Mapping[str, float] | None  # None: karabakh_2020 as it is
    replicates: int = REPLICATES


WAR_CONDITIONS = (
    WarCondition("karabakh_2020", "scenarios/karabakh_2020.toml as it is (reference)", None),
    WarCondition("history_off", "history world from 2019; dynamics off", {"review_share": 0.0}),
    WarCondition("history_on", "history world from 2019; dynamics on (defaults)", {}),
    WarCondition(
        "history_on_heider",
        "history world from 2019; dynamics on; heider_updates = 5",
        {"heider_updates": 5},
    ),
)


@cache
def war_scenario(name: str) -> tuple[LoadedScenario, int, int]:
    """The loaded scenario of a war condition, the offensive's week and the weeks to run."""
    condition = next(c for c in WAR_CONDITIONS if c.name == name)
    if condition.params is None:
        loaded = load_scenario(WAR.scenario)
        (offensive,) = (e.step for e in loaded.scenario.events if e.kind == "offensive")
        return loaded, offensive, loaded.scenario.steps
    loaded = load_scenario(HISTORY_SCENARIO)
    # The file turns the dynamics off; set them explicitly, every condition.
    params = {"review_share": 1.0, "heider_updates": 0.0, **condition.params}
    overrides = {f"model.{k}": v for k, v in params.items()}
    overrides["ties.tur_aze_arms.volume_usd_m"] = 36  # pre-war level, as karabakh_2020
    events: list[dict[str, object]] = [
        {"step": WAR_WEEK, "kind": "distraction", "state": "Russia", "level": 0.3},
        {
            "step": WAR_WEEK,
            "kind": "offensive",
            "attacker": "Azerbaijan",
            "defender": "Armenia",
            "theatre": "karabakh",
        },
    ]
    return with_changes(loaded, overrides=overrides, events=events), WAR_WEEK, WAR_STEPS


def war_run(name: str, replicate: int) -> dict[str, object]:
    """One replicate of a war condition: the facts and what else happened."""
    loaded, offensive, steps = war_scenario(name)
    model = build_model(loaded, replicate)
    for _ in range(offensive):  # to the eve of the offensive: the ties the war starts from
        model.step()
    allied = "Azerbaijan" in model.net.allies["Armenia"]
    rivals = model.net.status["arm_aze_karabakh"] == "active"
    for _ in range(steps - offensive):
        model.step()
    facts = {fact: int(test(model)) for fact, test in WAR.facts.items()}
    fought = {m for w in model.wars for m in (*w.attackers, *w.defenders)}
    reasons = Counter(str(c["reason"]) for c in model.net.changes)
    return {
        "condition": name,
        "replicate": replicate,
        **facts,
        "all": int(all(facts.values())),
        "war_weeks": war_weeks(model),
        "control_karabakh": round(model.control["karabakh"], 6),
        "third_party_fought": int(bool(fought & set(OUTSIDERS))),
        **{f"fought_{s}": int(s in fought) for s in OUTSIDERS},
        "allied_at_offensive": int(allied),
        "karabakh_rivalry_at_offensive": int(rivals),
        "pledges_due": model.pledges_due,
        "pledges_honoured": model.pledges_honoured,
        "new_pacts": ";".join(
            sorted(
                "|".join(sorted((str(c["source"]), str(c["target"]))))
                for c in model.net.changes
                if c["kind"] == "alliance"
                and str(c["reason"]).startswith("rule:")
                and c["status"] == "active"
                and c["reason"] != "rule:renewed"
            )
        ),
        "rule_changes": sum(n for r, n in reasons.items() if r.startswith("rule:")),
        "formed": reasons["rule:formed"],
        "left": reasons["rule:left"],
        "heider": reasons["rule:heider"],
    }


def war_summary(rows: list[dict[str, object]]) -> dict[str, object]:
    """Per condition: hit rates of the facts, and what else the runs did."""
    n = len(rows)

    def mean(column: str) -> float:
        return round(sum(float(str(r[column])) for r in rows) / n, 4)

    condition = next(c for c in WAR_CONDITIONS if c.name == rows[0]["condition"])
    summary: dict[str, object] = {
        "condition": condition.name,
        "description": condition.description,
        "replicates": n,
    }
    for column in (*WAR.facts, "all"):
        summary[column] = mean(column)
    weeks = Counter(int(str(r["war_weeks"])) for r in rows)
    summary["war_weeks_mode"] = weeks.most_common(1)[0][0]
    summary["control_median"] = statistics.median(float(str(r["control_karabakh"])) for r in rows)
    pacts = Counter(p for r in rows for p in set(str(r["new_pacts"]).split(";")) if p)
    summary["new_pacts_most_common"] = "; ".join(
        f"{pair} {count / n:.3f}" for pair, count in pacts.most_common(4)
    )
    for column in (
        "pledges_due",
        "pledges_honoured",
        "third_party_fought",
        *(f"fought_{s}" for s in OUTSIDERS),
        "allied_at_offensive",
        "karabakh_rivalry_at_offensive",
        "rule_changes",
        "formed",
        "left",
        "heider",
    ):
        summary[column] = mean(column)
    return summary


def main() -> None:
    """Run both checks and write the six CSV files."""
    RESULTS.mkdir(parents=True, exist_ok=True)
    began = time.perf_counter()
    drifts = []
    for condition in DYNAMICS:
        for replicate in range(condition.replicates):
            drifts.append(drift(condition, replicate))
            if replicate % 50 == 49:
                gc.collect()  # a model's agents and the model refer to each other
    dates = date_rows(drifts)
    for row in dates:
        print(*row.values())
    print(f"dates: {time.perf_counter() - began:.0f} s")
    write_csv(RESULTS / "history_dates_runs.csv", drifts)
    write_csv(RESULTS / "history_dates.csv", dates)
    write_csv(RESULTS / "history_dates_dyads.csv", dyad_rows(drifts))
    write_csv(RESULTS / "history_dates_alliances.csv", alliance_rows(drifts))
    runs, summaries = [], []
    for condition in WAR_CONDITIONS:
        began = time.perf_counter()
        rows = []
        for replicate in range(condition.replicates):
            rows.append(war_run(condition.name, replicate))
            if replicate % 50 == 49:
                gc.collect()
        runs += rows
        summaries.append(war_summary(rows))
        print(summaries[-1], f"{time.perf_counter() - began:.0f} s")
    write_csv(RESULTS / "history_episodes_runs.csv", runs)
    write_csv(RESULTS / "history_episodes.csv", summaries)


if __name__ == "__main__":
    main()
