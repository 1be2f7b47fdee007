"""The classroom helpers behind the app: settings become scenario inputs, outcomes become words."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

import pytest

from sim.experiments.run import run_replicate, run_scenario
from sim.loading.generate import generate_events, generate_world, world_to_toml
from sim.loading.scenarios import LoadedScenario, load_scenario
from sim.loading.worlds import load_world
from sim.model.metrics import summarise_run
from sim.presentation.classroom import (
    DISTRACTION_LEVEL,
    Settings,
    apply_settings,
    compare,
    comparison_markdown,
    default_settings,
    event_switches,
    live_figure,
    network_now,
    new_model,
    open_scenario,
    open_upload,
    open_uploads,
    outcome_summary,
    stored_from_model,
    switch_is_on,
    with_switch,
)
from sim.presentation.cli import EXIT_BAD_INPUT, main
from sim.schema.errors import InputError
from sim.schema.scenario import Distraction, TieChange
from sim.schema.world import ArmsTie, iter_figures

SCENARIOS = Path(__file__).resolve().parents[1] / "scenarios"


@pytest.fixture(scope="module")
def classroom() -> LoadedScenario:
    return load_scenario(SCENARIOS / "classroom.toml")


@pytest.fixture(scope="module")
def karabakh() -> LoadedScenario:
    return load_scenario(SCENARIOS / "karabakh_2020.toml")


def figures(loaded: LoadedScenario) -> dict[str, float]:
    return {path: figure.value for path, figure in iter_figures(loaded.world)}


def stepped(loaded: LoadedScenario):
    model = new_model(loaded)
    for _ in range(loaded.scenario.steps):
        model.step()
    return model


@pytest.mark.parametrize(
    "name", ["classroom", "karabakh_2020", "russia_distracted", "israel_azerbaijan_cutoff"]
)
def test_default_settings_leave_the_scenario_as_it_is(name: str) -> None:
    loaded = load_scenario(SCENARIOS / f"{name}.toml")
    same = apply_settings(loaded, default_settings(loaded))
    assert figures(same) == figures(loaded)
    assert same.scenario.events == loaded.scenario.events
    assert run_scenario(same, 2).summary.equals(run_scenario(loaded, 2).summary)


def test_sliders_become_levers_and_overrides(karabakh: LoadedScenario) -> None:
    base = default_settings(karabakh)
    what_if = dataclasses.replace(
        base,
        commitment={**base.commitment, "Russia": 1.0},
        risk_appetite=dict.fromkeys(base.risk_appetite, 0.2),
        arms={**base.arms, "tur_aze_arms": 2.0},
    )
    changed = apply_settings(karabakh, what_if)
    assert changed.world.states["Russia"].commitment.value == 1.0
    assert changed.scenario.levers["Russia"].commitment == 1.0
    assert {s.risk_appetite.value for s in changed.world.states.values()} == {0.2}
    # A multiplier of the scenario's own volume (36, set by the file), not of the world's 192.
    assert changed.world.tie("tur_aze_arms").volume_usd_m.value == 72
    assert changed.world.tie("isr_aze_arms").volume_usd_m.value == (
        karabakh.world.tie("isr_aze_arms").volume_usd_m.value
    )
    # The scenario it came from is untouched.
    assert karabakh.world.states["Russia"].commitment.value == 0.75
    assert karabakh.world.tie("tur_aze_arms").volume_usd_m.value == 36


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"commitment": {"Russia": 1.5}}, "levers.Russia.commitment"),
        ({"economic_weight": {"Iran": 11.0}}, "levers.Iran.economic_weight"),
        ({"arms": {"tur_aze_arms": 3.5}}, "arms.tur_aze_arms"),
        # The scenario-file check (sim.loading.scenarios.with_changes), not one of the app's.
        ({"risk_appetite": {"Nowhere": 0.5}}, "levers.Nowhere"),
    ],
)
def test_out_of_range_settings_are_input_errors(
    classroom: LoadedScenario, change: dict, field: str
) -> None:
    settings = dataclasses.replace(default_settings(classroom), **change)
    with pytest.raises(InputError) as error:
        apply_settings(classroom, settings)
    assert error.value.field == field
    assert "\n" not in str(error.value)


def test_switches_become_events(classroom: LoadedScenario, karabakh: LoadedScenario) -> None:
    base = default_settings(classroom)
    # As the scenario is: nobody busy elsewhere, every arms tie delivering its volume.
    assert set(base.distracted) == set(classroom.world.states)
    assert base.arms == {"tur_aze_arms": 1.0, "isr_aze_arms": 1.0, "rus_arm_arms": 1.0}
    assert not any(base.distracted.values())
    events = apply_settings(
        classroom,
        dataclasses.replace(
            base,
            distracted={**base.distracted, "Russia": True},
            arms={**base.arms, "tur_aze_arms": 0.0, "isr_aze_arms": 0.0},
        ),
    ).scenario.events
    kinds = {(e.kind, getattr(e, "tie", getattr(e, "state", None))) for e in events}
    assert {
        ("distraction", "Russia"),
        ("tie_cut", "tur_aze_arms"),
        ("tie_cut", "isr_aze_arms"),
    } <= kinds
    assert ("tie_cut", "rus_arm_arms") not in kinds
    assert [e.level for e in events if e.kind == "distraction"] == [DISTRACTION_LEVEL]
    assert all(e.step == 0 for e in events)
    # karabakh_2020 has Russia distracted already: switching it off removes that event.
    assert default_settings(karabakh).distracted == {
        s: s == "Russia" for s in karabakh.world.states
    }
    calm = apply_settings(
        karabakh,
        dataclasses.replace(
            default_settings(karabakh),
            distracted=dict.fromkeys(karabakh.world.states, False),
        ),
    )
    assert not [e for e in calm.scenario.events if e.kind == "distraction"]


def test_a_scenario_that_cuts_a_tie_has_it_at_zero() -> None:
    cutoff = load_scenario(SCENARIOS / "israel_azerbaijan_cutoff.toml")
    base = default_settings(cutoff)
    assert base.arms == {"tur_aze_arms": 1.0, "isr_aze_arms": 0.0, "rus_arm_arms": 1.0}
    isr = next(w for w in event_switches(cutoff) if w.key == "isr_aze_arms")
    assert not switch_is_on(base, isr)
    restored = apply_settings(cutoff, with_switch(base, isr, True))
    assert [e.kind for e in restored.scenario.events] == ["offensive"]
    # Set above 0x, the tie delivers that share of its volume and the scenario's cut goes.
    half = apply_settings(cutoff, dataclasses.replace(base, arms={"isr_aze_arms": 0.5}))
    assert [e.kind for e in half.scenario.events] == ["offensive"]
    volume = cutoff.world.tie("isr_aze_arms").volume_usd_m.value
    assert half.world.tie("isr_aze_arms").volume_usd_m.value == 0.5 * volume


def test_every_switch_says_what_on_does(classroom: LoadedScenario) -> None:
    switches = event_switches(classroom)
    base = default_settings(classroom)
    assert [(w.setting, w.key) for w in switches] == [
        *(("distracted", s) for s in sorted(classroom.world.states)),
        ("arms", "tur_aze_arms"),
        ("arms", "isr_aze_arms"),
        ("arms", "rus_arm_arms"),
    ]
    for switch in switches:
        # On = it happens: a state busy elsewhere (off as the scenario is), an arms tie
        # delivering (on as the scenario is). Flipped, the switch adds the event that stops or
        # starts what its label names.
        is_arms = switch.setting == "arms"
        assert switch_is_on(base, switch) is is_arms
        flipped_one = with_switch(base, switch, not is_arms)
        assert switch_is_on(flipped_one, switch) is not is_arms
        (added,) = [
            e
            for e in apply_settings(classroom, flipped_one).scenario.events
            if e.kind != "offensive"
        ]
        if switch.setting == "distracted":
            assert switch.label == f"{switch.key} busy elsewhere"
            assert (added.kind, added.state) == ("distraction", switch.key)
        else:
            tie = classroom.world.tie(switch.key)
            assert switch.label == f"{tie.source} → {tie.target} arms deliveries"
            assert flipped_one.arms[switch.key] == 0.0
            assert (added.kind, added.tie) == ("tie_cut", switch.key)


def test_a_cut_stops_the_arms(classroom: LoadedScenario) -> None:
    with_arms = stepped(classroom)
    base = default_settings(classroom)
    no_arms = apply_settings(classroom, dataclasses.replace(base, arms={"tur_aze_arms": 0.0}))
    without = stepped(no_arms)
    sent = [sum(r["arms_out_usd_m_Turkey"] for r in m.records) for m in (with_arms, without)]
    assert sent[0] > 0 and sent[1] == 0
    accounts = [
        outcome_summary(loaded, stored_from_model(loaded, m))
        for loaded, m in ((classroom, with_arms), (no_arms, without))
    ]
    turkey = [[line for line in lines if line.startswith("Turkey ")] for lines in accounts]
    assert "stepped up arms to Azerbaijan" in turkey[0][0]
    assert not any("arms" in line for line in turkey[1])
    assert "Turkey $" in next(line for line in accounts[0] if line.startswith("Arms delivered"))
    assert "Turkey" not in next(line for line in accounts[1] if line.startswith("Arms delivered"))


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"distracted": {"Narnia": True}}, "distracted.Narnia"),
        ({"distracted": {"Narnia": False}}, "distracted.Narnia"),
        # A tie of the world, but not an arms tie: no switch or slider acts on it.
        ({"arms": {"rus_arm_csto": 0.0}}, "arms.rus_arm_csto"),
        ({"arms": {"no_such_tie": 2.0}}, "arms.no_such_tie"),
    ],
)
def test_switches_and_sliders_name_only_what_the_page_offers(
    classroom: LoadedScenario, change: dict, field: str
) -> None:
    with pytest.raises(InputError) as error:
        apply_settings(classroom, dataclasses.replace(default_settings(classroom), **change))
    assert error.value.field == field
    assert "\n" not in str(error.value)


def test_outcome_summary_agrees_with_the_run_summary(classroom: LoadedScenario) -> None:
    model = stepped(classroom)
    summary = summarise_run(model)
    lines = outcome_summary(classroom, stored_from_model(classroom, model))
    # The offensive of log step 0 is fought in week 1, as the weekly table counts weeks.
    assert lines[0] == "Azerbaijan attacked Armenia in karabakh in week 1."
    if summary["ceasefire"]:
        assert any(
            line.startswith(f"Ceasefire in week {summary['first_war_end'] + 1}") for line in lines
        )
    stayed_out = sorted(
        s for s in ("Iran", "Israel", "Russia", "Turkey") if not summary["intervened_" + s]
    )
    assert f"Did not intervene: {', '.join(stayed_out)}." in lines
    owner = f"Azerbaijan holds {100 * model.records[-1]['control_karabakh']:.0f}% of karabakh"
    assert any(line.startswith(owner) for line in lines)


def test_outcome_summary_without_a_war(classroom: LoadedScenario) -> None:
    peaceful = dataclasses.replace(
        classroom, scenario=classroom.scenario.model_copy(update={"events": []})
    )
    model = new_model(peaceful)
    for _ in range(3):
        model.step()
    lines = outcome_summary(peaceful, stored_from_model(peaceful, model))
    assert lines[0] == "No crisis and no war in 3 weeks."
    assert lines[1].startswith("Arms delivered in weeks 1 to 3: Israel $")
    assert len(lines) == 2
    model = new_model(peaceful)
    assert outcome_summary(peaceful, stored_from_model(peaceful, model)) == [
        "Not started: week 0 is the start, before anything happens."
    ]


def test_live_model_is_replicate_zero(classroom: LoadedScenario) -> None:
    model, _ = run_replicate(classroom, 0)
    assert stepped(classroom).records == model.records


def test_compare_runs_both_settings(classroom: LoadedScenario) -> None:
    base = default_settings(classroom)
    without = apply_settings(
        classroom, dataclasses.replace(base, arms={**base.arms, "tur_aze_arms": 0.0})
    )
    table = compare(classroom, without, 5)
    for label, loaded in (("before", classroom), ("after", without)):
        summary = run_scenario(loaded, 5).summary
        assert table.loc["weeks at war (mean)", label] == summary["war_weeks"].mean()
        assert table.loc["runs ending in a capitulation", label] == summary["capitulation"].mean()
        gained = "karabakh: ground gained by Azerbaijan (mean)"
        assert table.loc[gained, label] == summary["gain_karabakh"].mean()
    assert not table["before"].equals(table["after"])
    same = compare(classroom, classroom, 3)
    assert same["before"].equals(same["after"])
    text = comparison_markdown(table)
    assert text.splitlines()[0] == "| outcome | before | after |"
    assert len(text.splitlines()) == len(table) + 2


def test_network_picture_of_a_live_run(classroom: LoadedScenario) -> None:
    model = new_model(classroom)
    model.step()
    stored = stored_from_model(classroom, model)
    assert list(stored.steps["step"]) == [0, 1]
    figure = network_now(stored)
    assert "week 1" in figure.get_suptitle()
    assert {t.get_text() for t in figure.legends[0].get_texts()} >= {"alliance", "arms", "war"}
    panels = live_figure(stored).axes
    assert [ax.get_title() for ax in panels[:3]] == [
        "Escalation",
        "Territory held by its owner",
        "Fighting or intervening",
    ]


def test_app_command_serves_on_localhost(
    solara_servers: list[tuple[list[str], dict[str, str]]], capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["app", "--port", "8999"]) == 0
    ((command, env),) = solara_servers
    assert env["SOLARA_TELEMETRY_MIXPANEL_ENABLE"] == "False"
    assert command[command.index("--host") + 1] == "127.0.0.1"
    assert command[command.index("--port") + 1] == "8999"
    assert "--production" in command and command[4].endswith("sim/presentation/app.py")
    assert "http://127.0.0.1:8999/" in capsys.readouterr().out


def test_app_command_rejects_a_bad_port(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["app", "--port", "70000"]) == EXIT_BAD_INPUT
    err = capsys.readouterr().err.splitlines()
    assert len(err) == 1 and "--port" in err[0] and "65535" in err[0]


def test_a_bad_upload_is_one_line_naming_the_upload() -> None:
    loaded, message = open_upload("my_what_if.toml", b'name = "x"\nsteps = "many"\n')
    assert loaded is None
    assert message.startswith("my_what_if.toml: steps: ")
    assert "\n" not in message


def test_a_good_upload_loads(classroom: LoadedScenario) -> None:
    loaded, message = open_upload("copy.toml", classroom.text.encode())
    assert message == ""
    assert loaded is not None and loaded.scenario == classroom.scenario
    assert open_scenario("no-such.toml")[1].startswith("no-such.toml: (file): cannot read")


# --- Any valid world, not only the built-in one ------------------------------------------------

GAHUKU_GAMA = Path(__file__).resolve().parents[1] / "sim" / "data" / "worlds" / "gahuku_gama.toml"


def scenario_text(world: str, events: list[dict[str, object]], steps: int = 6) -> str:
    """A small scenario file on ``world`` with ``events`` (inline tables)."""

    def table(event: dict[str, object]) -> str:
        return "{ " + ", ".join(f"{k} = {json.dumps(v)}" for k, v in event.items()) + " }"

    lines = [
        'name = "elsewhere"',
        'question = "What if the world were another one?"',
        f"world = {json.dumps(world)}",
        f"steps = {steps}",
        "seed = 3",
        f"events = [{', '.join(table(e) for e in events)}]",
    ]
    return "\n".join(lines) + "\n"


def generated_scenario(folder: Path) -> LoadedScenario:
    """A generated world with arms ties and theatres, one state busy and one arms tie cut."""
    world = generate_world(8, 3)
    (folder / "generated.toml").write_text(world_to_toml(world), encoding="utf-8")
    arms = [tie.id for tie in world.ties if isinstance(tie, ArmsTie)]
    events: list[dict[str, object]] = [
        {"step": 0, "kind": "distraction", "state": "S001", "level": 0.4},
        {"step": 0, "kind": "tie_suspend", "tie": arms[0]},
        *(e.model_dump() for e in generate_events(world, 6, 1, wars=2, crises=0)),
    ]
    path = folder / "generated_scenario.toml"
    path.write_text(scenario_text("generated.toml", events), encoding="utf-8")
    return load_scenario(path)


@pytest.fixture(scope="module", params=["gahuku_gama", "generated"])
def elsewhere(request: pytest.FixtureRequest, tmp_path_factory) -> LoadedScenario:
    folder = tmp_path_factory.mktemp(request.param)
    if request.param == "generated":
        return generated_scenario(folder)
    path = folder / "gahuku.toml"
    path.write_text(scenario_text(str(GAHUKU_GAMA), []), encoding="utf-8")
    return load_scenario(path)


def flipped(settings: Settings) -> Settings:
    """Every switch the other way."""
    return dataclasses.replace(
        settings,
        distracted={key: not on for key, on in settings.distracted.items()},
        arms={key: 0.0 if factor else 1.0 for key, factor in settings.arms.items()},
    )


def test_switches_exist_only_for_the_worlds_states_and_arms_ties(
    elsewhere: LoadedScenario,
) -> None:
    world = elsewhere.world
    switches = event_switches(elsewhere)
    arms = [tie.id for tie in world.ties if isinstance(tie, ArmsTie)]
    assert [w.key for w in switches if w.setting == "distracted"] == sorted(world.states)
    assert [w.key for w in switches if w.setting == "arms"] == arms
    base = default_settings(elsewhere)
    assert set(base.distracted) == set(world.states)
    assert set(arms) == set(base.arms)
    if arms:  # the generated scenario has one state busy and one tie suspended in week 0
        assert [s for s, on in base.distracted.items() if on] == ["S001"]
        assert [t for t, factor in base.arms.items() if factor == 0] == [arms[0]]
    same = apply_settings(elsewhere, base)
    assert same.scenario.events == elsewhere.scenario.events
    assert figures(same) == figures(elsewhere)


def test_classroom_functions_on_another_world(elsewhere: LoadedScenario) -> None:
    base = default_settings(elsewhere)
    what_if = apply_settings(elsewhere, flipped(base))
    events = what_if.scenario.events
    # Each switch flipped: its event added, or the scenario's own event removed.
    busy = {e.state for e in events if isinstance(e, Distraction)}
    cut = {e.tie for e in events if isinstance(e, TieChange)}
    assert busy == {s for s, on in base.distracted.items() if not on}
    assert cut == {t for t, factor in base.arms.items() if factor}
    assert busy <= set(elsewhere.world.states)
    model = new_model(what_if)
    for _ in range(3):
        model.step()
    lines = outcome_summary(what_if, stored_from_model(what_if, model))
    assert lines and all(isinstance(line, str) and "\n" not in line for line in lines)
    if elsewhere.scenario.events:  # the generated world's wars
        assert any(" attacked " in line for line in lines) and model.wars
    else:
        assert lines[0] == "No crisis and no war in 3 weeks."
    table = compare(elsewhere, what_if, 2)
    assert list(table.columns) == ["before", "after"]
    assert "weeks at war (mean)" in table.index
    assert comparison_markdown(table).startswith("| outcome | before | after |")
    stored = stored_from_model(what_if, model)
    assert "week 3" in network_now(stored).get_suptitle()
    assert len(live_figure(stored).axes) >= 3


def test_a_tie_not_yet_in_force_has_no_switch(tmp_path: Path, classroom: LoadedScenario) -> None:
    # isr_aze_arms starts in 2012: a 2010 scenario has no such tie in force to cut.
    path = tmp_path / "early.toml"
    path.write_text(classroom.text.replace("year = 2020", "year = 2010"), encoding="utf-8")
    early = load_scenario(path)
    assert "isr_aze_arms" not in {w.key for w in event_switches(early)}
    assert "isr_aze_arms" not in default_settings(early).arms
    with pytest.raises(InputError, match="isr_aze_arms"):
        apply_settings(
            early, dataclasses.replace(default_settings(early), arms={"isr_aze_arms": 0.0})
        )


def test_a_slider_beyond_what_a_file_may_say_is_one_line_on_the_page(tmp_path: Path) -> None:
    from sim.presentation.run_view import checked

    loaded = generated_scenario(tmp_path)
    tie = next(tie.id for tie in loaded.world.ties if isinstance(tie, ArmsTie))
    big = loaded.text + f'\n[overrides]\n"ties.{tie}.volume_usd_m" = 400000.0\n'
    (tmp_path / "big.toml").write_text(big, encoding="utf-8")
    loaded = load_scenario(tmp_path / "big.toml")
    # Three times 400,000 is more than any scenario file may set (1e6).
    settings = dataclasses.replace(default_settings(loaded), arms={tie: 3.0})
    applied, message = checked(loaded, settings)
    assert applied is None
    assert message == (
        f"{tmp_path / 'big.toml'}: overrides.ties.{tie}.volume_usd_m: "
        "must be a finite number from 0 to 1e+06 (got 1200000.0)"
    )
    assert checked(loaded, default_settings(loaded))[1] == ""


# --- Uploads may use only the built-in world or a world dropped with them ----------------------


def with_world(text: str, world: str) -> bytes:
    """A scenario's text with its ``world`` line set to ``world``."""
    lines = [line for line in text.splitlines() if not line.startswith("world")]
    return (f"world = {json.dumps(world)}\n" + "\n".join(lines) + "\n").encode()


@pytest.mark.parametrize(
    "world",
    [
        "/etc/passwd",
        "../x.toml",
        "../../sim/data/worlds/gahuku_gama.toml",
        str(GAHUKU_GAMA),  # an absolute path to a valid world: still not allowed
        "sub/gahuku.toml",
        "what_if.toml",  # the scenario itself
    ],
)
@pytest.mark.parametrize("with_a_world", [False, True])
def test_an_upload_may_not_name_a_world_on_the_server(
    world: str, with_a_world: bool, monkeypatch: pytest.MonkeyPatch
) -> None:
    def no_reading(path: object) -> None:
        raise AssertionError(f"read {path} before refusing the upload")

    # Refused before the loader (or anything else) opens a file.
    monkeypatch.setattr("sim.presentation.uploads.load_scenario", no_reading)
    files = [("what_if.toml", with_world(scenario_text("x", []), world))]
    if with_a_world:
        files.append(("gahuku.toml", GAHUKU_GAMA.read_bytes()))
    loaded, message = open_uploads(files)
    assert loaded is None
    dropped = "gahuku.toml" if with_a_world else "none was dropped"
    assert message == (
        "what_if.toml: world: an uploaded scenario may use only a built-in world (builtin, "
        "gahuku_gama, great_powers_1872, south_caucasus_history, south_caucasus_nkr) or the file "
        "name of a world "
        f"file dropped with it ({dropped}); got {world!r}"
    )


@pytest.mark.parametrize("base", ["/etc/passwd.toml", "../x.toml", str(GAHUKU_GAMA), "what_if"])
def test_a_dropped_world_may_be_built_only_on_a_builtin_world(
    base: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    def no_reading(path: object) -> None:
        raise AssertionError(f"read {path} before refusing the upload")

    monkeypatch.setattr("sim.presentation.uploads.load_scenario", no_reading)
    world = GAHUKU_GAMA.read_text().replace("[meta]\n", f"[meta]\nbase = {json.dumps(base)}\n")
    files = [
        ("what_if.toml", with_world(scenario_text("x", []), "mine.toml")),
        ("mine.toml", world.encode()),
    ]
    loaded, message = open_uploads(files)
    assert loaded is None
    assert message.startswith("mine.toml: meta.base: an uploaded world may be built only on a ")
    assert message.endswith(f"got {base!r}")


def test_a_dropped_world_built_on_a_shipped_world_loads() -> None:
    world = '[meta]\nname = "mine"\nbase = "south_caucasus_nkr"\n'
    files = [
        ("what_if.toml", with_world(scenario_text("x", []), "mine.toml")),
        ("mine.toml", world.encode()),
    ]
    loaded, message = open_uploads(files)
    assert message == "" and loaded is not None
    assert "NKR" in loaded.world.states


def test_an_upload_may_use_the_builtin_world(classroom: LoadedScenario) -> None:
    loaded, message = open_upload("mine.toml", with_world(classroom.text, "builtin"))
    assert message == ""
    assert loaded is not None and loaded.world == classroom.world
    assert loaded.path == Path("mine.toml")


@pytest.mark.parametrize("world_first", [False, True])
def test_an_upload_may_use_a_world_dropped_with_it(world_first: bool) -> None:
    scenario = ("on_gahuku.toml", scenario_text("gahuku.toml", []).encode())
    world = ("gahuku.toml", GAHUKU_GAMA.read_bytes())
    loaded, message = open_uploads([world, scenario] if world_first else [scenario, world])
    assert message == ""
    assert loaded is not None
    assert loaded.world == load_world(GAHUKU_GAMA)
    assert loaded.path == Path("on_gahuku.toml")
    assert {w.key for w in event_switches(loaded)} == set(loaded.world.states)
    # An error in a later edit names the upload, not a temporary copy.
    with pytest.raises(InputError, match=r"^on_gahuku\.toml: distracted\.Russia: "):
        apply_settings(
            loaded, dataclasses.replace(default_settings(loaded), distracted={"Russia": True})
        )


@pytest.mark.parametrize(
    ("files", "message"),
    [
        (
            [("w.toml", GAHUKU_GAMA.read_bytes())],
            "w.toml: (file): only world files were dropped; drop the scenario file together "
            "with its world file",
        ),
        (
            [("a.toml", b'name = "a"\nsteps = 2\nseed = 1\n'), ("b.toml", b'name = "b"\n')],
            "a.toml, b.toml: (file): drop one scenario file at a time (with the world file it "
            "names, if any)",
        ),
        (
            [("a.toml", b'name = "a"\n'), ("a.toml", b'name = "a"\n')],
            "a.toml: (file): dropped twice; drop each file once",
        ),
        (
            [("big.toml", b"#" * (10 * 2**20 + 1))],
            "big.toml: (file): larger than 10 MB; scenario and world files are short text files",
        ),
        (
            # A broken world file named by the scenario: the loader's error, naming the upload.
            [("s.toml", scenario_text("w.toml", []).encode()), ("w.toml", b"[meta\n")],
            "s.toml: world: world file 'w.toml' is invalid TOML: Expected ']' at the end of a "
            "table declaration (at line 1, column 6)",
        ),
        ([], "(upload): no file was dropped"),
    ],
)
def test_bad_drops_are_one_line(files: list[tuple[str, bytes]], message: str) -> None:
    assert open_uploads(files) == (None, message)


def test_an_upload_name_never_leaves_the_temporary_folder(classroom: LoadedScenario) -> None:
    for name in ("../../escape.toml", "..", "/etc/x.toml", "a\\..\\b.toml"):
        loaded, message = open_upload(name, classroom.text.encode())
        assert message == "" and loaded is not None
        assert len(loaded.path.parts) == 1 and loaded.path.name not in ("", ".", "..")


def test_a_switch_on_lasts_the_whole_run(tmp_path: Path, classroom: LoadedScenario) -> None:
    # The scenario ends a distraction Russia never had (level 0 in week 2): the switch starts
    # off, and on it keeps Russia busy past week 2.
    text = classroom.text.replace(
        "[plots]",
        '[[events]]\nstep = 2\nkind = "distraction"\nstate = "Russia"\nlevel = 0.0\n\n[plots]',
    )
    (tmp_path / "ends.toml").write_text(text, encoding="utf-8")
    loaded = load_scenario(tmp_path / "ends.toml")
    base = default_settings(loaded)
    assert base.distracted["Russia"] is False
    busy = apply_settings(
        loaded, dataclasses.replace(base, distracted={**base.distracted, "Russia": True})
    )
    model = new_model(busy)
    for _ in range(4):
        model.step()
    assert model.distraction["Russia"] == DISTRACTION_LEVEL
