"""The living network: run the great powers of 1872 forward with the tie dynamics on.

The world ``sim/data/worlds/great_powers_1872.toml`` records the alliances and rivalries of
the six European great powers from 1872 to 1907 (Taylor 1954; Langer 1931, 1935). Here the
record is *not* imposed: each run starts from the ties in force in 1872 only (every tie whose
``since`` is after 1872 is dropped, and the ``until`` of the others removed), and the states'
yearly reviews (docs/ODD.md 7.18) make and break ties for 35 years, 1873 to 1907. The question
is whether, how often and by when the runs arrive at the two camps of 1907.

The two-bloc configuration of 1907, precisely: the split {Britain, France, Russia} against
{Germany, Austria-Hungary, Italy} is the *unique* least frustrated two-camp split of the
signed network (every other split of the six leaves more edges frustrated, an edge frustrated
when it is positive across the camps or negative inside one). It is then the split
:func:`sim.model.balance.frustration_partition` returns. The recorded network of 1907 meets it
(frustration 1: France-Italy, Italy's neutrality accord of 1902, is the frustrated edge).
A second, earlier target is read in 1895: the record's camps then, {France, Russia} against the
other four, the unique best split (and, stricter, a balanced network with exactly those camps,
which the record of 1895 is).

Conditions (common random numbers: replicate r uses stream r of seed 1872 in each):

- ``record``: the world as recorded, dynamics off (``review_share`` = 0): the reference run;
- ``dynamics``: the 1872 ties only, the world's default parameters;
- ``dynamics_heider``: the same with Heider triad dynamics on (``heider_updates`` = 5);
- ``rivalries_recorded``: the 1872 ties plus every recorded rivalry on its recorded dates, so
  the enmities are an input and only the alliances come from the dynamics;
- ``rivalries_recorded_heider``: the same with ``heider_updates`` = 5.

Run ``.venv/bin/python validation/great_powers.py`` to write, in ``validation/results/``:
``great_powers_runs.csv`` (one row per run), ``great_powers.csv`` (per condition) and
``great_powers_dyads.csv`` (per condition and pair: how often the 1907 sign is reproduced).
``tests/test_validation_history.py`` re-runs the first replicates and checks the files are
current. See docs/validation.md, "The living network".
"""

from __future__ import annotations

import gc
import itertools
import statistics
import time
from collections import Counter
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

import networkx as nx
from episodes import write_csv

from sim.experiments.run import replicate_rng
from sim.loading.worlds import load_world
from sim.model import balance
from sim.model.metrics import signed_edges
from sim.model.model import WEEKS_PER_YEAR, AllianceModel
from sim.schema.world import World

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "validation" / "results"
WORLD = ROOT / "sim" / "data" / "worlds" / "great_powers_1872.toml"
START, END = 1872, 1907
SEED = 1872
REPLICATES = 1000
BY_YEARS = (1880, 1890, 1900)

ENTENTE = frozenset({"Britain", "France", "Russia"})
TRIPLE_ALLIANCE = frozenset({"Germany", "Austria-Hungary", "Italy"})
STATES = tuple(sorted(ENTENTE | TRIPLE_ALLIANCE))
#: The camps of the mid-1890s in the record: the Franco-Russian alliance against the other four
#: (Britain then tied to Austria-Hungary and Italy by the Mediterranean agreements).
MID_1890S, MID_YEAR = frozenset({"France", "Russia"}), 1895
DYADS = tuple(itertools.combinations(STATES, 2))
#: The kinds of change the tie dynamics log (``reason`` of ``model.net.changes``).
RULES = ("formed", "left", "renewed", "normalised", "heider")

Edges = frozenset[tuple[str, str, int]]


def dyad_label(a: str, b: str) -> str:
    """Column label of a pair: the two names, sorted, joined by ``|``."""
    return "|".join(sorted((a, b)))


# --- the worlds -----------------------------------------------------------------------------------
def as_of(world: World, year: int, keep_rivalries: bool = False) -> World:
    """The world with only the ties in force in ``year``, undated from then on.

    Ties that start after ``year`` or ended by it are dropped, and the rest lose their
    ``until``, so nothing of the later record is imposed. With ``keep_rivalries`` every
    rivalry stays with its recorded dates (the enmities become an input).
    """
    data = world.model_dump()
    ties = []
    for tie in data["ties"]:
        if keep_rivalries and tie["kind"] == "rivalry":
            ties.append(tie)
            continue
        since, until = tie.get("since"), tie.get("until")
        if (since is None or since <= year) and (until is None or until > year):
            ties.append({**tie, "until": None})
    data["ties"] = ties
    return World.model_validate(data)


def with_parameters(world: World, params: Mapping[str, float]) -> World:
    """A copy of ``world`` with some ``[model]`` parameters set."""
    world = world.model_copy(deep=True)
    for name, value in params.items():
        world.model[name] = world.model[name].model_copy(update={"value": float(value)})
    return world


@dataclass(frozen=True)
class Condition:
    """One way of running the period: the world it starts from and its parameters."""

    name: str
    description: str
    world: Callable[[World], World]
    params: Mapping[str, float] = field(default_factory=dict)
    replicates: int = REPLICATES

    def build(self) -> World:
        """The world of this condition, parameters set."""
        return with_parameters(self.world(load_world(WORLD)), self.params)


CONDITIONS = (
    Condition(
        "record",
        "the world as recorded, ties on their dates, dynamics off (deterministic)",
        lambda w: w,
        {"review_share": 0.0},
        replicates=1,
    ),
    Condition("dynamics", "ties of 1872 only; default parameters", lambda w: as_of(w, START)),
    Condition(
        "dynamics_heider",
        "ties of 1872 only; heider_updates = 5",
        lambda w: as_of(w, START),
        {"heider_updates": 5},
    ),
    Condition(
        "rivalries_recorded",
        "ties of 1872 plus all recorded rivalries on their dates; default parameters",
        lambda w: as_of(w, START, keep_rivalries=True),
    ),
    Condition(
        "rivalries_recorded_heider",
        "ties of 1872 plus all recorded rivalries on their dates; heider_updates = 5",
        lambda w: as_of(w, START, keep_rivalries=True),
        {"heider_updates": 5},
    ),
)


# --- the two camps --------------------------------------------------------------------------------
def split_cost(edges: Iterable[tuple[str, str, int]], camp: frozenset[str]) -> int:
    """Edges frustrated by the split ``camp`` / the rest: positive across, negative inside."""
    return sum(
        (a in camp) != (b in camp) if s > 0 else (a in camp) == (b in camp) for a, b, s in edges
    )


def two_blocs(edges: Edges, camp: frozenset[str] = ENTENTE) -> bool:
    """Whether ``camp`` / the rest is the unique least frustrated split of the network.

    By default the camps of 1907, Entente against Triple Alliance. All 32 splits of the six are
    tried; a network with a state without ties, or two parts without a tie between them, has
    no unique best split.
    """
    target = split_cost(edges, camp)
    rest = frozenset(STATES) - camp
    first, *others = STATES
    for k in range(len(others) + 1):
        for chosen in itertools.combinations(others, k):
            split = frozenset((first, *chosen))
            if split not in (camp, rest) and split_cost(edges, split) <= target:
                return False
    return True


def graph_of(edges: Edges) -> nx.Graph:
    """The signed graph of the six powers (every state a node, with or without ties)."""
    graph = balance.signed_graph(edges)
    graph.add_nodes_from(STATES)
    return graph


def signs_of(edges: Edges) -> dict[str, int]:
    """The sign of every pair, 0 where it has none."""
    found = {dyad_label(a, b): s for a, b, s in edges}
    return {dyad_label(a, b): found.get(dyad_label(a, b), 0) for a, b in DYADS}


@cache
def record_1907() -> dict[str, int]:
    """The recorded signs of 1907: the history world built in that year, before any step."""
    return signs_of(signed_edges(AllianceModel(load_world(WORLD), year=END, rng=0)))


# --- one run --------------------------------------------------------------------------------------
def run(condition: Condition, replicate: int, world: World | None = None) -> dict[str, object]:
    """Run one replicate from 1872 to the first week of 1907; return its row of figures.

    The network is read in 1872 (before any step) and after the first week of each later year,
    when that year's review and date switches have happened; nothing else changes a sign in a
    run without wars. The last step is week 1820, the first of 1907.
    """
    world = world if world is not None else condition.build()
    model = AllianceModel(world, year=START, rng=replicate_rng(SEED, replicate))
    first: int | None = None
    years_in_blocs = years_balanced = 0
    for year in range(START, END + 1):
        if year > START:  # step to the first week of ``year``, week (year - START) * 52
            for _ in range((year - START) * WEEKS_PER_YEAR + 1 - model.steps):
                model.step()
        assert model.year == year
        edges = signed_edges(model)
        if year == MID_YEAR:
            camps_mid = two_blocs(edges, MID_1890S)
            balanced_mid = camps_mid and split_cost(edges, MID_1890S) == 0
        blocs = two_blocs(edges)
        if blocs and first is None:
            first = year
        years_in_blocs += blocs
        years_balanced += balance.is_balanced(graph_of(edges))
    graph = graph_of(edges)
    frustration = balance.frustration_index(graph)
    optimal = split_cost(edges, ENTENTE) == frustration
    if blocs:  # then frustration_partition must give the same split
        camps = balance.frustration_partition(graph)
        assert {s for s in STATES if camps[s] == camps["Britain"]} == ENTENTE
    reasons = Counter(str(c["reason"]).removeprefix("rule:") for c in model.net.changes)
    record = record_1907()
    signs = signs_of(edges)
    return {
        "condition": condition.name,
        "replicate": replicate,
        "camps_1895": int(camps_mid),
        "balanced_camps_1895": int(balanced_mid),
        "first_year": first if first is not None else "",
        "years_in_blocs": years_in_blocs,
        "blocs_1907": int(blocs),
        "optimal_1907": int(optimal),
        "frustration_1907": frustration,
        "balanced_1907": int(balance.is_balanced(graph)),
        "years_balanced": years_balanced,
        "positive_1907": sum(s > 0 for s in signs.values()),
        "negative_1907": sum(s < 0 for s in signs.values()),
        "matched_1907": sum(signs[d] == record[d] for d in signs),
        **{rule: reasons[rule] for rule in RULES},
        **signs,
    }


# --- summaries ------------------------------------------------------------------------------------
def _number(value: object) -> float:
    """A figure of a run row, whether computed (int) or read back from a CSV file (str)."""
    return float(str(value))


def summarise(rows: list[dict[str, object]]) -> dict[str, object]:
    """Per-condition figures from the runs of one condition (values as read from a CSV too)."""
    n = len(rows)
    firsts = sorted(int(_number(r["first_year"])) for r in rows if str(r["first_year"]) != "")

    def share(pred: Callable[[dict[str, object]], bool]) -> float:
        return round(sum(map(pred, rows)) / n, 4)

    def mean(column: str) -> float:
        return round(sum(_number(r[column]) for r in rows) / n, 4)

    summary: dict[str, object] = {
        "condition": rows[0]["condition"],
        "replicates": n,
        "camps_1895": share(lambda r: _number(r["camps_1895"]) == 1),
        "balanced_camps_1895": share(lambda r: _number(r["balanced_camps_1895"]) == 1),
        "blocs_ever": round(len(firsts) / n, 4),
    }
    for year in BY_YEARS:
        summary[f"blocs_by_{year}"] = round(sum(f <= year for f in firsts) / n, 4)
    summary |= {
        "blocs_1907": share(lambda r: _number(r["blocs_1907"]) == 1),
        "first_year_median": statistics.median(firsts) if firsts else "",
        "first_year_min": firsts[0] if firsts else "",
        "years_in_blocs_mean": mean("years_in_blocs"),
        "optimal_1907": share(lambda r: _number(r["optimal_1907"]) == 1),
        "frustration_1907_mean": mean("frustration_1907"),
        "frustration_1907_max": max(int(_number(r["frustration_1907"])) for r in rows),
        "balanced_1907": share(lambda r: _number(r["balanced_1907"]) == 1),
        "years_balanced_share": round(mean("years_balanced") / (END - START + 1), 4),
        "positive_1907_mean": mean("positive_1907"),
        "negative_1907_mean": mean("negative_1907"),
        "matched_1907_mean": mean("matched_1907"),
        "all_matched_1907": share(lambda r: _number(r["matched_1907"]) == len(DYADS)),
    }
    for rule in RULES:
        summary[f"{rule}_mean"] = mean(rule)
    return summary


def dyad_rows(rows: list[dict[str, object]], record: Mapping[str, int]) -> list[dict[str, object]]:
    """Per pair: the recorded sign of 1907 and how often the runs end with each sign."""
    n = len(rows)
    out = []
    for a, b in DYADS:
        label = dyad_label(a, b)
        counts = Counter(int(_number(r[label])) for r in rows)
        out.append(
            {
                "condition": rows[0]["condition"],
                "dyad": label,
                "record_1907": record[label],
                "positive": round(counts[1] / n, 4),
                "none": round(counts[0] / n, 4),
                "negative": round(counts[-1] / n, 4),
                "match": round(counts[record[label]] / n, 4),
            }
        )
    return out


def main() -> None:
    """Run every condition and write the three CSV files."""
    RESULTS.mkdir(parents=True, exist_ok=True)
    record = record_1907()
    runs, summaries, dyads = [], [], []
    for condition in CONDITIONS:
        world = condition.build()
        began = time.perf_counter()
        rows = []
        for replicate in range(condition.replicates):
            rows.append(run(condition, replicate, world))
            if replicate % 50 == 49:
                gc.collect()  # a model's agents and the model refer to each other
        seconds = (time.perf_counter() - began) / condition.replicates
        runs += rows
        summary = summarise(rows)
        summaries.append(summary)
        dyads += dyad_rows(rows, record)
        print(
            f"{condition.name:26} {seconds:.3f} s/run",
            {
                k: summary[k]
                for k in (
                    "blocs_ever",
                    "blocs_1907",
                    "first_year_median",
                    "frustration_1907_mean",
                    "balanced_1907",
                    "matched_1907_mean",
                )
            },
        )
    write_csv(RESULTS / "great_powers_runs.csv", runs)
    write_csv(RESULTS / "great_powers.csv", summaries)
    write_csv(RESULTS / "great_powers_dyads.csv", dyads)


if __name__ == "__main__":
    main()
