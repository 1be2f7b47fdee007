"""The classroom helpers behind the app: settings become scenario inputs, outcomes become words."""

from __future__ import annotations

import dataclasses
import signal
import subprocess
from pathlib import Path

import pytest

from sim.experiments.run import run_replicate, run_scenario
from sim.loading.scenarios import LoadedScenario, load_scenario
from sim.model.metrics import summarise_run
from sim.presentation.classroom import (
    DISTRACTION_LEVEL,
    apply_settings,
    compare,
    comparison_markdown,
    default_settings,
    live_figure,
    network_now,
    new_model,
    open_scenario,
    open_upload,
    outcome_summary,
    stored_from_model,
)
from sim.presentation.cli import EXIT_BAD_INPUT, main
from sim.schema.errors import InputError
from sim.schema.world import iter_figures

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
    assert (base.russia_distracted, base.turkish_drones, base.israel_cut) == (False, True, False)
    events = apply_settings(
        classroom,
        dataclasses.replace(base, russia_distracted=True, turkish_drones=False, israel_cut=True),
    ).scenario.events
    kinds = {(e.kind, getattr(e, "tie", getattr(e, "state", None))) for e in events}
    assert {
        ("distraction", "Russia"),
        ("tie_suspend", "tur_aze_arms"),
        ("tie_cut", "isr_aze_arms"),
    } <= kinds
    assert [e.level for e in events if e.kind == "distraction"] == [DISTRACTION_LEVEL]
    assert all(e.step == 0 for e in events)
    # karabakh_2020 has Russia distracted already: switching it off removes that event.
    assert default_settings(karabakh).russia_distracted
    calm = apply_settings(
        karabakh, dataclasses.replace(default_settings(karabakh), russia_distracted=False)
    )
    assert not [e for e in calm.scenario.events if e.kind == "distraction"]


def test_without_turkish_drones_turkey_sends_no_arms(classroom: LoadedScenario) -> None:
    with_drones = stepped(classroom)
    without = stepped(
        apply_settings(
            classroom, dataclasses.replace(default_settings(classroom), turkish_drones=False)
        )
    )
    sent = [sum(r["arms_out_usd_m_Turkey"] for r in m.records) for m in (with_drones, without)]
    assert sent[0] > 0 and sent[1] == 0
    turkey = [
        [line for line in outcome_summary(classroom, m) if line.startswith("Turkey ")]
        for m in (with_drones, without)
    ]
    assert "supplied arms to Azerbaijan" in turkey[0][0]
    assert not any("supplied arms" in line for line in turkey[1])


def test_outcome_summary_agrees_with_the_run_summary(classroom: LoadedScenario) -> None:
    model = stepped(classroom)
    summary = summarise_run(model)
    lines = outcome_summary(classroom, model)
    assert lines[0] == "Azerbaijan attacked Armenia in karabakh in week 0."
    if summary["ceasefire"]:
        assert any(
            line.startswith(f"Ceasefire in week {summary['first_war_end']}") for line in lines
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
    assert outcome_summary(peaceful, model) == ["No war in 3 weeks."]


def test_live_model_is_replicate_zero(classroom: LoadedScenario) -> None:
    model, _ = run_replicate(classroom, 0)
    assert stepped(classroom).records == model.records


def test_compare_runs_both_settings(classroom: LoadedScenario) -> None:
    base = default_settings(classroom)
    without = apply_settings(classroom, dataclasses.replace(base, turkish_drones=False))
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
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    calls: list[list[str]] = []

    class FakeServer:
        def __init__(self, command: list[str], env: dict[str, str]) -> None:
            assert env["SOLARA_TELEMETRY_MIXPANEL_ENABLE"] == "False"
            calls.append(command)

        def wait(self) -> int:
            return 0

        def poll(self) -> int:
            return 0

    monkeypatch.setattr(subprocess, "Popen", FakeServer)
    monkeypatch.setattr(signal, "signal", lambda *args: None)  # leave pytest's handlers alone
    assert main(["app", "--port", "8999"]) == 0
    (command,) = calls
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
