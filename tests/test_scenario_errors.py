"""Bad scenario files: each problem is one InputError naming file, field and what is allowed.

Scenarios are built from a valid base dict and written as TOML by the small serializer below
(``tomli_w`` is not a dependency). Hand-written cases pin the field path and message of each kind
of mistake; hypothesis checks that no mutation or garbage ever escapes as another exception.
"""

from __future__ import annotations

import copy
import hashlib
import math
import pickle
import re
import shutil
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st
from pydantic import TypeAdapter, ValidationError

from sim.loading.generate import generate_world
from sim.loading.scenarios import load_scenario
from sim.loading.toml_text import toml_key, toml_value
from sim.loading.worlds import builtin_world_path
from sim.schema.errors import InputError
from sim.schema.scenario import EVENT_KINDS, Event
from sim.schema.world import TIE_KINDS, Tie

BUILTIN_TEXT = builtin_world_path().read_text(encoding="utf-8")

FAST = settings(
    max_examples=150,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)

# --------------------------------------------------------------------------------------------
# A tiny TOML writer: a top-level table of `key = value` lines, nested values inline.
# --------------------------------------------------------------------------------------------


def to_toml(data: dict[str, Any]) -> str:
    """A whole TOML document from a dict, every value inline (the package's own writer)."""
    return "".join(f"{toml_key(k)} = {toml_value(v)}\n" for k, v in data.items())


# --------------------------------------------------------------------------------------------
# The valid base scenario: every event kind once, levers, overrides and plots.
# --------------------------------------------------------------------------------------------

BASE: dict[str, Any] = {
    "name": "all kinds",
    "question": "Does every part of the schema load?",
    "year": 2020,
    "steps": 10,
    "seed": 1,
    "replicates": 2,
    "levers": {"Russia": {"commitment": 0.5, "risk_appetite": 0.4, "economic_weight": 1.2}},
    "overrides": {"model.tullock_r": 1.5, "ties.tur_aze_arms.volume_usd_m": 36},
    "events": [
        {"step": 0, "kind": "distraction", "state": "Russia", "level": 0.3},
        {
            "step": 0,
            "kind": "offensive",
            "attacker": "Azerbaijan",
            "defender": "Armenia",
            "theatre": "karabakh",
        },
        {
            "step": 1,
            "kind": "mobilise",
            "state": "Iran",
            "target": "Azerbaijan",
            "theatre": "caspian",
        },
        {
            "step": 2,
            "kind": "arms_shipment",
            "supplier": "Turkey",
            "recipient": "Azerbaijan",
            "volume_usd_m": 50.0,
            "precision": True,
        },
        {
            "step": 3,
            "kind": "tie_create",
            "tie": {
                "id": "new_pledge",
                "kind": "alliance",
                "source": "Russia",
                "target": "Azerbaijan",
                "obligation": "defence",
                "strength": 0.5,
                "consultation_delay": 1,
            },
        },
        {"step": 4, "kind": "tie_suspend", "tie": "isr_aze_arms"},
        {"step": 5, "kind": "sanction", "state": "Israel", "target": "Iran"},
        {
            "step": 6,
            "kind": "ceasefire_proposal",
            "mediator": "Russia",
            "parties": ["Armenia", "Azerbaijan"],
        },
        {"step": 7, "kind": "normalisation", "states": ["Turkey", "Armenia"]},
        {"step": 9, "kind": "tie_restore", "tie": "isr_aze_arms"},
    ],
    "plots": {"network_steps": [0, 5, 10]},
}

Loc = tuple[str | int, ...]


def set_at(path: Loc, value: Any) -> Callable[[dict[str, Any]], None]:
    """A mutation that sets ``value`` at ``path`` (creating missing tables)."""

    def mutate(data: dict[str, Any]) -> None:
        node: Any = data
        for key in path[:-1]:
            node = node.setdefault(key, {}) if isinstance(node, dict) else node[key]
        node[path[-1]] = value

    return mutate


def drop_at(path: Loc) -> Callable[[dict[str, Any]], None]:
    """A mutation that removes the key or item at ``path``."""

    def mutate(data: dict[str, Any]) -> None:
        node: Any = data
        for key in path[:-1]:
            node = node[key]
        del node[path[-1]]

    return mutate


def write(tmp_path: Path, data: dict[str, Any] | str | bytes, name: str = "bad.toml") -> Path:
    path = tmp_path / name
    if isinstance(data, bytes):
        path.write_bytes(data)
    elif isinstance(data, str):
        path.write_text(data, encoding="utf-8")
    else:
        path.write_text(to_toml(data), encoding="utf-8")
    return path


@dataclass(frozen=True)
class Case:
    """A malformed scenario and the error it must give."""

    id: str
    field: str
    allowed: tuple[str, ...] = ()  # substrings the message must contain
    mutate: Callable[[dict[str, Any]], None] | None = None
    raw: str | bytes | None = None  # the whole file, instead of a mutation of BASE
    world: str | bytes | None = None  # text of a world file 'world.toml' beside the scenario


STATES = ("allowed: Armenia, Azerbaijan, Iran, Israel, Russia, Turkey",)
THEATRES = ("allowed: armenia, azerbaijan, caspian, karabakh, nakhchivan",)

CASES: list[Case] = [
    # the file itself
    Case("malformed toml", "(file)", ("invalid TOML",), raw='name = "x\nsteps = 3\n'),
    Case("duplicate key", "(file)", ("invalid TOML",), raw='name = "a"\nname = "b"\n'),
    Case("not utf-8", "(file)", ("not UTF-8",), raw=b'name = "\xff\xfe"\n'),
    Case(
        "integer too long to parse",
        "(file)",
        ("invalid TOML",),
        raw='name = "x"\nseed = 1\nsteps = ' + "9" * 5000 + "\n",
    ),
    Case(
        "nesting too deep to parse",
        "(file)",
        ("invalid TOML",),
        raw='name = "x"\nx = ' + "[" * 5000 + "]" * 5000 + "\n",
    ),
    Case("empty file", "name", ("required",), raw=""),
    # top-level fields
    Case("missing steps", "steps", ("required",), drop_at(("steps",))),
    Case("missing seed", "seed", ("required",), drop_at(("seed",))),
    Case("missing name", "name", ("required",), drop_at(("name",))),
    Case("empty name", "name", ("at least 1 character",), set_at(("name",), "")),
    Case("name not a string", "name", ("valid string",), set_at(("name",), 5)),
    Case("negative steps", "steps", ("greater than or equal to 1", "-5"), set_at(("steps",), -5)),
    Case("zero steps", "steps", ("greater than or equal to 1",), set_at(("steps",), 0)),
    Case("absurd steps", "steps", ("less than or equal to 1000",), set_at(("steps",), 10**9)),
    Case("steps as words", "steps", ("valid integer", "'ten'"), set_at(("steps",), "ten")),
    Case("fractional steps", "steps", ("valid integer",), set_at(("steps",), 2.5)),
    Case("steps nan", "steps", (), set_at(("steps",), math.nan)),
    Case(
        "zero replicates", "replicates", ("greater than or equal to 1",), set_at(("replicates",), 0)
    ),
    Case(
        "absurd replicates",
        "replicates",
        ("less than or equal to 100000",),
        set_at(("replicates",), 10**7),
    ),
    Case("negative seed", "seed", ("greater than or equal to 0",), set_at(("seed",), -1)),
    Case("seed beyond 64 bits", "seed", ("less than",), set_at(("seed",), 2**63)),
    Case("year too early", "year", ("greater than or equal to 1800",), set_at(("year",), 1066)),
    Case(
        "year as a date",
        "year",
        ("valid integer",),
        raw='name = "x"\nsteps = 3\nseed = 1\nyear = 2020-01-01\n',
    ),
    Case("typo at top level", "stpes", ("unknown field",), set_at(("stpes",), 3)),
    Case("capitalised key", "Steps", ("unknown field",), set_at(("Steps",), 3)),
    # levers
    Case(
        "lever for unknown state",
        "levers.Georgia",
        ("unknown state 'Georgia'", *STATES),
        set_at(("levers", "Georgia", "commitment"), 0.5),
    ),
    Case(
        "lever above 1",
        "levers.Russia.commitment",
        ("less than or equal to 1", "1.5"),
        set_at(("levers", "Russia", "commitment"), 1.5),
    ),
    Case(
        "lever nan",
        "levers.Russia.commitment",
        ("nan",),
        set_at(("levers", "Russia", "commitment"), math.nan),
    ),
    Case(
        "lever negative",
        "levers.Russia.risk_appetite",
        ("greater than or equal to 0",),
        set_at(("levers", "Russia", "risk_appetite"), -0.1),
    ),
    Case(
        "lever infinite",
        "levers.Russia.economic_weight",
        ("less than or equal to 10",),
        set_at(("levers", "Russia", "economic_weight"), math.inf),
    ),
    Case(
        "lever typo",
        "levers.Russia.comitment",
        ("unknown field",),
        set_at(("levers", "Russia", "comitment"), 0.5),
    ),
    Case(
        "levers not a table",
        "levers.Russia",
        ("valid dictionary",),
        set_at(("levers", "Russia"), 3),
    ),
    # overrides
    Case(
        "override of no figure",
        "overrides.model.nope",
        ("no such figure", "e.g. model."),
        set_at(("overrides", "model.nope"), 1.0),
    ),
    Case(
        "override of unknown root",
        "overrides.bogus",
        ("paths start with states.",),
        set_at(("overrides", "bogus"), 1.0),
    ),
    Case(
        "override of a figure the tie lacks",
        "overrides.ties.tur_aze_arms.strength",
        ("no such figure", "e.g. ties."),
        set_at(("overrides", "ties.tur_aze_arms.strength"), 0.5),
    ),
    Case(
        "unit-interval override above 1",
        "overrides.states.Russia.commitment",
        ("between 0 and 1", "1.5"),
        set_at(("overrides", "states.Russia.commitment"), 1.5),
    ),
    Case(
        "theatre share above 1",
        "overrides.theatres.karabakh.owner_control",
        ("between 0 and 1",),
        set_at(("overrides", "theatres.karabakh.owner_control"), 2.0),
    ),
    Case(
        "negative override",
        "overrides.ties.tur_aze_arms.volume_usd_m",
        ("from 0 to",),
        set_at(("overrides", "ties.tur_aze_arms.volume_usd_m"), -1.0),
    ),
    Case(
        "nan override",
        "overrides.model.tullock_r",
        ("finite",),
        set_at(("overrides", "model.tullock_r"), math.nan),
    ),
    Case(
        "infinite override",
        "overrides.model.tullock_r",
        ("finite",),
        set_at(("overrides", "model.tullock_r"), math.inf),
    ),
    Case(
        "override not a number",
        "overrides.model.tullock_r",
        ("valid number",),
        set_at(("overrides", "model.tullock_r"), "high"),
    ),
    Case(
        "override as a nested table",
        "overrides.model",
        ("valid number",),
        set_at(("overrides", "model"), {"tullock_r": 2.0}),
    ),
    # events: references to the world
    Case(
        "unknown attacker",
        "events[1].attacker",
        ("unknown state 'Georgia'", *STATES),
        set_at(("events", 1, "attacker"), "Georgia"),
    ),
    Case(
        "unknown defender",
        "events[1].defender",
        ("unknown state",),
        set_at(("events", 1, "defender"), "armenia"),
    ),
    Case(
        "attacker is defender",
        "events[1].defender",
        ("must differ",),
        set_at(("events", 1, "defender"), "Azerbaijan"),
    ),
    Case(
        "unknown theatre",
        "events[1].theatre",
        ("unknown theatre 'mars'", *THEATRES),
        set_at(("events", 1, "theatre"), "mars"),
    ),
    Case(
        "mobilise unknown target",
        "events[2].target",
        ("unknown state",),
        set_at(("events", 2, "target"), "Georgia"),
    ),
    Case(
        "mobilise unknown theatre",
        "events[2].theatre",
        ("unknown theatre", *THEATRES),
        set_at(("events", 2, "theatre"), "Caspian"),
    ),
    Case(
        "arms from unknown supplier",
        "events[3].supplier",
        ("unknown state",),
        set_at(("events", 3, "supplier"), "USA"),
    ),
    Case(
        "suspend unknown tie",
        "events[5].tie",
        ("unknown tie 'nope'", "alliance-sim evidence"),
        set_at(("events", 5, "tie"), "nope"),
    ),
    Case(
        "restore unknown tie",
        "events[9].tie",
        ("unknown tie",),
        set_at(("events", 9, "tie"), "isr_aze_arm"),
    ),
    Case(
        "sanction unknown target",
        "events[6].target",
        ("unknown state",),
        set_at(("events", 6, "target"), "EU"),
    ),
    Case(
        "distraction of unknown state",
        "events[0].state",
        ("unknown state", *STATES),
        set_at(("events", 0, "state"), "China"),
    ),
    Case(
        "mediator unknown",
        "events[7].mediator",
        ("unknown state",),
        set_at(("events", 7, "mediator"), "OSCE"),
    ),
    Case(
        "ceasefire party unknown",
        "events[7].parties",
        ("unknown state 'Karabakh'",),
        set_at(("events", 7, "parties"), ["Armenia", "Karabakh"]),
    ),
    Case(
        "three ceasefire parties",
        "events[7].parties",
        ("at most 2",),
        set_at(("events", 7, "parties"), ["Armenia", "Azerbaijan", "Turkey"]),
    ),
    Case(
        "normalisation unknown state",
        "events[8].states",
        ("unknown state",),
        set_at(("events", 8, "states"), ["Turkey", "Armenian"]),
    ),
    Case(
        "tie_create duplicate id",
        "events[4].tie.id",
        ("already exists",),
        set_at(("events", 4, "tie", "id"), "tur_aze_arms"),
    ),
    Case(
        "tie_create unknown state",
        "events[4].tie",
        ("unknown state 'NATO'",),
        set_at(("events", 4, "tie", "target"), "NATO"),
    ),
    Case(
        "tie_create unknown tie kind",
        "events[4].tie",
        ("unknown kind 'friendship'", "'alliance'"),
        set_at(("events", 4, "tie", "kind"), "friendship"),
    ),
    Case(
        "tie_create bad obligation",
        "events[4].tie.obligation",
        ("'defence'",),
        set_at(("events", 4, "tie", "obligation"), "eternal"),
    ),
    Case(
        "tie_create missing figure",
        "events[4].tie.strength",
        ("required",),
        drop_at(("events", 4, "tie", "strength")),
    ),
    Case(
        "tie_create figure without evidence",
        "events[4].tie.strength",
        ("assumption",),
        set_at(("events", 4, "tie", "strength"), {"value": 0.5}),
    ),
    # events: steps
    Case(
        "event at the last step",
        "events[9].step",
        ("allowed: 0..9",),
        set_at(("events", 9, "step"), 10),
    ),
    Case(
        "event after the last step",
        "events[0].step",
        ("allowed: 0..9", "11"),
        set_at(("events", 0, "step"), 11),
    ),
    Case(
        "event at a negative step",
        "events[1].step",
        ("greater than or equal to 0",),
        set_at(("events", 1, "step"), -1),
    ),
    Case(
        "event step as text",
        "events[1].step",
        ("valid integer",),
        set_at(("events", 1, "step"), "first"),
    ),
    Case("event without step", "events[2].step", ("required",), drop_at(("events", 2, "step"))),
    # events: shape
    Case(
        "unknown event kind",
        "events[1]",
        ("unknown kind 'invade'", "'offensive'"),
        set_at(("events", 1, "kind"), "invade"),
    ),
    Case("event without kind", "events[1]", ("'kind'",), drop_at(("events", 1, "kind"))),
    Case(
        "event field typo",
        "events[1].atacker",
        ("unknown field",),
        set_at(("events", 1, "atacker"), "Azerbaijan"),
    ),
    Case(
        "field of another kind",
        "events[0].target",
        ("unknown field",),
        set_at(("events", 0, "target"), "Armenia"),
    ),
    Case(
        "event missing field", "events[1].theatre", ("required",), drop_at(("events", 1, "theatre"))
    ),
    Case("event not a table", "events[3]", ("valid dictionary",), set_at(("events", 3), 7)),
    Case("events not a list", "events", ("valid list",), set_at(("events",), "none")),
    Case(
        "distraction level above 1",
        "events[0].level",
        ("less than or equal to 1",),
        set_at(("events", 0, "level"), 1.5),
    ),
    Case(
        "distraction level negative",
        "events[0].level",
        ("greater than or equal to 0",),
        set_at(("events", 0, "level"), -0.2),
    ),
    Case(
        "distraction level nan",
        "events[0].level",
        ("nan",),
        set_at(("events", 0, "level"), math.nan),
    ),
    Case(
        "arms volume zero",
        "events[3].volume_usd_m",
        ("greater than 0",),
        set_at(("events", 3, "volume_usd_m"), 0),
    ),
    Case(
        "arms volume negative",
        "events[3].volume_usd_m",
        ("greater than 0",),
        set_at(("events", 3, "volume_usd_m"), -5.0),
    ),
    Case(
        "arms volume infinite",
        "events[3].volume_usd_m",
        ("inf",),
        set_at(("events", 3, "volume_usd_m"), math.inf),
    ),
    Case(
        "precision not a bool",
        "events[3].precision",
        ("valid boolean",),
        set_at(("events", 3, "precision"), "sometimes"),
    ),
    # plots
    Case(
        "network step after the end",
        "plots.network_steps",
        ("outside 0..10",),
        set_at(("plots", "network_steps"), [0, 11]),
    ),
    Case(
        "negative network step",
        "plots.network_steps",
        ("outside 0..10",),
        set_at(("plots", "network_steps"), [-1]),
    ),
    Case(
        "plots typo",
        "plots.netwrok_steps",
        ("unknown field",),
        set_at(("plots", "netwrok_steps"), [0]),
    ),
    # the world file the scenario names
    Case(
        "missing world file",
        "world",
        ("cannot read world file", "no_such_world.toml"),
        set_at(("world",), "no_such_world.toml"),
    ),
    Case("world is a folder", "world", ("cannot read world file",), set_at(("world",), ".")),
    Case(
        "world is malformed TOML",
        "world",
        ("invalid TOML",),
        set_at(("world",), "world.toml"),
        world="meta = {name = \n",
    ),
    Case(
        "world is not UTF-8",
        "world",
        ("world file",),
        set_at(("world",), "world.toml"),
        world=b"\xff\xfe\x00\x01",
    ),
    Case(
        "world fails its schema",
        "world",
        ("world file invalid at",),
        set_at(("world",), "world.toml"),
        world='[meta]\nname = "w"\nyear = 2020\n',
    ),
    Case(
        "world lacks a model parameter",
        "world",
        ("world file invalid at model: missing war_cost;", "every world gives all of"),
        set_at(("world",), "world.toml"),
        world="\n".join(
            line for line in BUILTIN_TEXT.splitlines() if not line.startswith("war_cost =")
        ),
    ),
    Case(
        "world has an unknown model parameter",
        "world",
        (
            "world file invalid at model.war_costt: unknown parameter (did you mean "
            "'war_cost'?); allowed: alliance_cost",
        ),
        set_at(("world",), "world.toml"),
        world=BUILTIN_TEXT.replace(
            "[model]\n", '[model]\nwar_costt = { value = 2.0, assumption = "typo" }\n'
        ),
    ),
    Case(
        "world names an unknown state",
        "world",
        ("world file invalid at theatres.karabakh.owner: unknown state 'Azerbaycan'",),
        set_at(("world",), "world.toml"),
        world=BUILTIN_TEXT.replace('owner = "Azerbaijan"', 'owner = "Azerbaycan"', 1),
    ),
    # Cases found while writing these tests, fixed in sim/loading/ since.
    Case(
        "override hint lists the tie's own figures",
        "overrides.ties.tur_aze_arms.strength",
        ("ties.tur_aze_arms.volume_usd_m",),
        set_at(("overrides", "ties.tur_aze_arms.strength"), 0.5),
    ),
    Case(
        "tie_create unit-interval figure above 1",
        "events[4].tie.strength",
        ("between 0 and 1",),
        set_at(("events", 4, "tie", "strength"), 5.0),
    ),
    Case(
        "tie_create nan figure",
        "events[4].tie.strength",
        ("finite",),
        set_at(("events", 4, "tie", "strength"), math.nan),
    ),
    Case(
        "tie_create unknown theatre",
        "events[4].tie.theatres",
        ("unknown theatre",),
        set_at(("events", 4, "tie", "theatres"), ["mars"]),
    ),
    Case(
        "tie_create with itself",
        "events[4].tie",
        ("differ",),
        set_at(("events", 4, "tie", "target"), "Russia"),
    ),
    Case("steps as a quoted number", "steps", ("valid integer",), set_at(("steps",), "10")),
    Case("steps as a boolean", "steps", ("valid integer",), set_at(("steps",), True)),
    Case(
        "normalisation of a state with itself",
        "events[8].states",
        ("differ",),
        set_at(("events", 8, "states"), ["Turkey", "Turkey"]),
    ),
]


def build(case: Case, tmp_path: Path) -> Path:
    """Write the case's scenario (and world file, if any) into ``tmp_path``."""
    if case.world is not None:
        write(tmp_path, case.world, "world.toml")
    if case.raw is not None:
        return write(tmp_path, case.raw)
    data = copy.deepcopy(BASE)
    assert case.mutate is not None
    case.mutate(data)
    return write(tmp_path, data)


def assert_input_error(case: Case, path: Path) -> None:
    with pytest.raises(InputError) as info:
        load_scenario(path)
    error = info.value
    assert error.file == str(path)
    assert error.field == case.field, f"message was: {error.message}"
    for text in case.allowed:
        assert text in error.message, f"{text!r} not in {error.message!r}"
    assert str(error) == f"{path}: {case.field}: {error.message}"


def test_base_scenario_is_valid(tmp_path: Path) -> None:
    loaded = load_scenario(write(tmp_path, BASE, "base.toml"))
    assert loaded.scenario.steps == BASE["steps"]
    assert [ev.kind for ev in loaded.scenario.events] == [ev["kind"] for ev in BASE["events"]]
    assert loaded.world.states["Russia"].commitment.value == 0.5
    assert loaded.world.param("tullock_r") == 1.5


def test_case_ids_are_unique() -> None:
    ids = [case.id for case in CASES]
    assert len(ids) == len(set(ids))


@pytest.mark.parametrize("case", CASES, ids=[case.id for case in CASES])
def test_malformed_scenario(case: Case, tmp_path: Path) -> None:
    assert_input_error(case, build(case, tmp_path))


def test_missing_file(tmp_path: Path) -> None:
    path = tmp_path / "nope.toml"
    with pytest.raises(InputError) as info:
        load_scenario(path)
    assert (info.value.file, info.value.field) == (str(path), "(file)")
    assert "cannot read" in info.value.message


def test_scenario_path_is_a_folder(tmp_path: Path) -> None:
    with pytest.raises(InputError) as info:
        load_scenario(tmp_path)
    assert info.value.field == "(file)"


def test_world_path_is_relative_to_the_scenario(tmp_path: Path) -> None:
    (tmp_path / "worlds").mkdir()
    shutil.copy(builtin_world_path(), tmp_path / "worlds" / "copy.toml")
    (tmp_path / "scenarios").mkdir()
    path = write(tmp_path / "scenarios", copy.deepcopy(BASE) | {"world": "../worlds/copy.toml"})
    assert load_scenario(path).world.meta.year == 2023


# --------------------------------------------------------------------------------------------
# TIE_KINDS and EVENT_KINDS are exactly the kinds pydantic accepts.
# --------------------------------------------------------------------------------------------


@pytest.mark.parametrize(("union", "kinds"), [(Tie, TIE_KINDS), (Event, EVENT_KINDS)])
def test_kinds_are_the_tags_pydantic_accepts(union: Any, kinds: tuple[str, ...]) -> None:
    with pytest.raises(ValidationError) as info:
        TypeAdapter(union).validate_python({"kind": "no such kind"})
    (error,) = info.value.errors()
    assert error["type"] == "union_tag_invalid"
    assert len(set(kinds)) == len(kinds)
    assert set(kinds) == set(re.findall(r"'([^']+)'", error["ctx"]["expected_tags"]))


def test_a_tie_of_every_kind_round_trips() -> None:
    adapter: TypeAdapter[Any] = TypeAdapter(Tie)
    ties = {tie.kind: tie for tie in generate_world(60, 3).ties}
    assert sorted(ties) == sorted(TIE_KINDS)
    for tie in ties.values():
        assert adapter.validate_json(adapter.dump_json(tie)) == tie


def test_an_event_of_every_kind_round_trips() -> None:
    adapter: TypeAdapter[Any] = TypeAdapter(Event)
    tables = [*BASE["events"], {"step": 9, "kind": "tie_cut", "tie": "isr_aze_arms"}]
    events = [adapter.validate_python(table, context={"scenario": True}) for table in tables]
    assert sorted({ev.kind for ev in events}) == sorted(EVENT_KINDS)
    for ev in events:
        assert adapter.validate_json(adapter.dump_json(ev)) == ev


# --------------------------------------------------------------------------------------------
# Hypothesis: nothing but InputError, ever.
# --------------------------------------------------------------------------------------------

SCALARS = st.one_of(
    st.integers(min_value=-(2**64), max_value=2**64),
    st.floats(allow_nan=True, allow_infinity=True),
    st.booleans(),
    st.text(max_size=12),
)
VALUES = st.recursive(
    SCALARS,
    lambda inner: st.one_of(
        st.lists(inner, max_size=3), st.dictionaries(st.text(max_size=8), inner, max_size=3)
    ),
    max_leaves=6,
)
STATE_FIELDS = {
    "attacker",
    "defender",
    "state",
    "target",
    "supplier",
    "recipient",
    "mediator",
    "source",
}


def locations(node: Any, prefix: Loc = ()) -> list[Loc]:
    """Every key or item path inside the scenario tree."""
    found: list[Loc] = []
    items = node.items() if isinstance(node, dict) else enumerate(node)
    for key, value in items:
        found.append((*prefix, key))
        if isinstance(value, dict | list):
            found += locations(value, (*prefix, key))
    return found


def containers(node: Any, prefix: Loc = ()) -> list[Loc]:
    """Paths of every table (dict) in the tree, the root included."""
    found: list[Loc] = [prefix] if isinstance(node, dict) else []
    items = node.items() if isinstance(node, dict) else enumerate(node)
    for key, value in items:
        if isinstance(value, dict | list):
            found += containers(value, (*prefix, key))
    return found


def get(data: Any, path: Loc) -> Any:
    for key in path:
        data = data[key]
    return data


@st.composite
def mutated_scenarios(draw: st.DrawFn) -> dict[str, Any]:
    data = copy.deepcopy(BASE)
    for _ in range(draw(st.integers(min_value=1, max_value=3))):
        op = draw(st.sampled_from(["drop", "retype", "insert", "state", "numbers"]))
        if op == "drop":
            path = draw(st.sampled_from(locations(data)))
            del get(data, path[:-1])[path[-1]]
        elif op == "retype":
            path = draw(st.sampled_from(locations(data)))
            get(data, path[:-1])[path[-1]] = draw(VALUES)
        elif op == "insert":
            table = get(data, draw(st.sampled_from(containers(data))))
            table[draw(st.text(min_size=1, max_size=10))] = draw(VALUES)
        elif op == "state":
            paths = [p for p in locations(data) if p[-1] in STATE_FIELDS]
            if paths:
                path = draw(st.sampled_from(paths))
                get(data, path[:-1])[path[-1]] = draw(
                    st.one_of(
                        st.text(max_size=12), st.sampled_from(["Russia", "Turkey", "russia", ""])
                    )
                )
        else:
            numbers = [
                p
                for p in locations(data)
                if p[-1] in {"steps", "replicates", "step", "seed", "year"}
            ]
            path = draw(st.sampled_from(numbers)) if numbers else ("steps",)
            get(data, path[:-1])[path[-1]] = draw(st.integers(min_value=-(2**70), max_value=2**70))
    return data


@FAST
@given(data=mutated_scenarios())
def test_mutated_scenarios_load_or_raise_input_error(data: dict[str, Any], tmp_path: Path) -> None:
    path = write(tmp_path, data)
    try:
        loaded = load_scenario(path)
    except InputError as error:
        event(f"InputError at {error.field.split('[')[0].split('.')[0]}")
        assert error.file == str(path)
        assert error.field
        assert error.message
    else:
        event("loads")
        assert loaded.scenario.steps >= 1
        assert all(0 <= ev.step < loaded.scenario.steps for ev in loaded.scenario.events)


FRAGMENTS = [
    *to_toml(BASE).splitlines(),
    "[levers.Russia]",
    "[[events]]",
    "[plots]",
    "[overrides]",
    'kind = "offensive"',
    "step = 0",
    "steps = -1",
    "x = [",
    "= 1",
    '"',
    "[[",
    "]]",
    "nan",
    "inf",
    "0x1F",
    "1979-05-27T07:32:00Z",
    "'''",
    '"""',
    "\\u0000",
    "\x00",
    "a.b.c = 1",
    "[a]\n[a]",
]


@FAST
@given(
    content=st.one_of(
        st.binary(max_size=200),
        st.text(max_size=200),
        st.lists(st.sampled_from(FRAGMENTS), max_size=25).map("\n".join),
        st.lists(st.one_of(st.sampled_from(FRAGMENTS), st.text(max_size=10)), max_size=25).map(
            " ".join
        ),
    )
)
def test_arbitrary_files_raise_only_input_error(content: str | bytes, tmp_path: Path) -> None:
    path = tmp_path / "any.toml"
    if isinstance(content, str):
        path.write_bytes(content.encode("utf-8"))
    else:
        path.write_bytes(content)
    try:
        load_scenario(path)
    except InputError as error:
        assert error.file == str(path)
        assert error.field


def test_a_scenario_with_every_event_kind_survives_pickling(tmp_path: Path) -> None:
    # Sweeps send scenarios to worker processes pickled, and they are validated again there
    # (LoadedScenario.__reduce__): bare numbers in created ties must read back the same.
    loaded = load_scenario(write(tmp_path, BASE, "base.toml"))
    assert {ev.kind for ev in loaded.scenario.events} >= {"tie_create", "sanction"}
    assert pickle.loads(pickle.dumps(loaded)) == loaded


# --------------------------------------------------------------------------------------------
# Files are read only where they should be; a byte-order mark is accepted.
# (The command-line side, devices and FIFOs are in tests/test_file_safety.py.)
# --------------------------------------------------------------------------------------------


def test_a_world_reference_to_a_non_toml_file_is_refused(tmp_path: Path) -> None:
    shutil.copy(builtin_world_path(), tmp_path / "world.txt")
    path = write(tmp_path, copy.deepcopy(BASE) | {"world": "world.txt"})
    with pytest.raises(InputError) as info:
        load_scenario(path)
    assert (info.value.file, info.value.field) == (str(path), "world")
    assert (
        info.value.message
        == f"world file '{tmp_path.resolve() / 'world.txt'}' must be a .toml file"
    )


def test_a_world_reference_to_a_folder_is_not_a_regular_file(tmp_path: Path) -> None:
    (tmp_path / "worlds.toml").mkdir()
    path = write(tmp_path, copy.deepcopy(BASE) | {"world": "worlds.toml"})
    with pytest.raises(InputError) as info:
        load_scenario(path)
    assert info.value.field == "world"
    assert info.value.message.endswith(": not a regular file (a directory)")


def test_a_scenario_that_is_not_a_toml_file_is_refused(tmp_path: Path) -> None:
    path = write(tmp_path, BASE, "base.txt")
    with pytest.raises(InputError) as info:
        load_scenario(path)
    assert (info.value.field, info.value.message) == ("(file)", "must be a .toml file")


def test_a_world_reference_with_a_nul_character_is_one_input_error(tmp_path: Path) -> None:
    path = write(tmp_path, copy.deepcopy(BASE) | {"world": "wor\x00ld.toml"})
    with pytest.raises(InputError) as info:
        load_scenario(path)
    assert info.value.field == "world"
    assert "cannot read world file" in info.value.message


def test_a_world_file_schema_error_does_not_quote_the_value(tmp_path: Path) -> None:
    write(tmp_path, 'meta = "hunter2"\n', "world.toml")
    path = write(tmp_path, copy.deepcopy(BASE) | {"world": "world.toml"})
    with pytest.raises(InputError) as info:
        load_scenario(path)
    assert info.value.field == "world"
    assert info.value.message.startswith("world file invalid at meta: ")
    assert "hunter2" not in str(info.value)


def test_a_scenario_with_a_byte_order_mark_loads(tmp_path: Path) -> None:
    # Windows editors save UTF-8 with a byte-order mark; tomllib alone refuses it.
    text = to_toml(BASE)
    path = write(tmp_path, b"\xef\xbb\xbf" + text.encode("utf-8"), "bom.toml")
    loaded = load_scenario(path)
    assert loaded.scenario.steps == BASE["steps"]
    assert loaded.text == text  # without the mark, so the manifest's copy parses again
    assert loaded.sha256 == hashlib.sha256(path.read_bytes()).hexdigest()  # the file's bytes


def test_a_world_file_with_a_byte_order_mark_loads(tmp_path: Path) -> None:
    write(tmp_path, b"\xef\xbb\xbf" + BUILTIN_TEXT.encode("utf-8"), "world.toml")
    path = write(tmp_path, copy.deepcopy(BASE) | {"world": "world.toml"})
    assert load_scenario(path).world.meta.year == 2023
