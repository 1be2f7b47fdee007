"""One truth on the classroom page: the account, the charts' tables and the files agree.

The account (:func:`outcome_summary`) is read from the tables the charts draw and the page
offers for download, with one week numbering; 0x arms and a switched-off arms tie are one
setting; the page's link and its downloaded what-if give back the same run.
"""

from __future__ import annotations

import dataclasses
import io
import re
import zipfile
from pathlib import Path

import pandas as pd
import pytest

from sim.loading.builtin import builtin_scenarios
from sim.loading.scenarios import LoadedScenario, load_scenario
from sim.presentation.account import week_of
from sim.presentation.classroom import (
    apply_settings,
    default_settings,
    event_switches,
    network_now,
    outcome_summary,
    stored_from_model,
    with_switch,
)
from sim.presentation.cli import main
from sim.presentation.plot_base import Stored
from sim.presentation.run_view import KeptRun, run_to
from sim.presentation.share import read_query, settings_query, tables_zip, what_if_toml
from sim.schema.columns import CONTROL, column

BUILTIN = builtin_scenarios()
#: Sweep scenarios are for ``alliance-sim sweep``, not the page.
PAGE_SCENARIOS = [name for name in BUILTIN if not name.startswith("sweep_")]


@pytest.fixture(scope="module")
def classroom() -> LoadedScenario:
    return load_scenario(BUILTIN["classroom"])


def told(loaded: LoadedScenario, weeks: int | None = None) -> tuple[Stored, list[str]]:
    """A run to ``weeks`` (default: the end), its tables and its account."""
    model = run_to(loaded, loaded.scenario.steps if weeks is None else weeks)
    stored = stored_from_model(loaded, model)
    return stored, outcome_summary(loaded, stored)


def weeks_in(lines: list[str], pattern: str) -> list[int]:
    """The week numbers of the lines matching ``pattern`` (which ends in ``week (\\d+)``)."""
    return [int(m.group(1)) for line in lines if (m := re.search(pattern, line))]


@pytest.mark.parametrize("name", PAGE_SCENARIOS)
def test_the_account_agrees_with_the_charts_tables(name: str) -> None:
    loaded = load_scenario(BUILTIN[name])
    stored, lines = told(loaded)
    steps = stored.steps.set_index("step")
    wars, crises = steps["wars"], steps["crises"]
    # Every war, crisis and ending the text names is on the charts in that very week.
    attacks = weeks_in(lines, r" attacked .* in week (\d+)\.$")
    endings = weeks_in(lines, r"(?:Ceasefire|capitulated) in week (\d+)")
    assert all(wars[week] > 0 for week in attacks + endings)
    assert all(crises[week] > 0 for week in weeks_in(lines, r" mobilised .* in week (\d+):"))
    if attacks:
        assert min(attacks) == wars[wars > 0].index.min()
    if endings and len(endings) == len(attacks):  # every war over: the charts' last war week
        assert max(endings) == wars[wars > 0].index.max()
    # A run without war says so, and still tells its crises.
    assert (lines[0].startswith("No war in")) == (wars.sum() == 0 and crises.sum() > 0)
    assert lines[0].startswith("No crisis and no war") == (wars.sum() + crises.sum() == 0)
    # Arms: the suppliers named are those the weekly table has delivering, with its sums.
    states = sorted(loaded.world.states)
    sent = {s: steps[column("arms_out_usd_m", s)].iloc[1:].sum() for s in states}
    (arms_line,) = [line for line in lines if "arms delivered" in line.lower()]
    named = dict(re.findall(r"(\w[\w ]*?) \$([\d,]+)m", arms_line))
    assert set(named) == {s for s, total in sent.items() if total > 0.5}
    assert all(named[s] == f"{sent[s]:,.0f}" for s in named)
    for state, week in re.findall(
        r"^(\w+) .*stepped up arms to \w+ from week (\d+)", "\n".join(lines), re.M
    ):
        assert steps[column("arms_out_usd_m", state)].loc[int(week) :].sum() > 0
    # Ground: the last row of the weekly table.
    for owner, share, theatre in re.findall(
        r"^(\w+) holds (\d+)% of (\w+)", "\n".join(lines), re.M
    ):
        assert owner == loaded.world.theatres[theatre].owner
        assert int(share) == round(100 * steps[column(CONTROL, theatre)].iloc[-1])
    # The network picture is of the week the text tells.
    assert network_now(stored).get_suptitle() == f"Network at week {steps.index.max()}"


def test_week_numbering_is_the_weekly_tables(classroom: LoadedScenario) -> None:
    stored, lines = told(classroom)
    actions = stored.actions
    (war,) = actions[actions["action"] == "war"].to_dict("records")
    # The log's step 0 is week 1 of the text, the charts and the downloaded actions table.
    assert war["step"] == 0 and week_of(war["step"]) == 1
    assert lines[0] == "Azerbaijan attacked Armenia in karabakh in week 1."
    steps = stored.steps.set_index("step")
    assert steps.loc[0, "wars"] == 0 and steps.loc[1, "wars"] == 1
    with zipfile.ZipFile(io.BytesIO(tables_zip(stored))) as archive:
        downloaded = pd.read_csv(archive.open("actions.csv"))
        assert set(archive.namelist()) == {"steps.csv", "actions.csv", "summary.csv", "network.csv"}
    assert list(downloaded["week"]) == [step + 1 for step in downloaded["step"]]
    assert downloaded.loc[downloaded["action"] == "war", "week"].tolist() == [1]


def test_zero_arms_is_the_switch_off(classroom: LoadedScenario) -> None:
    base = default_settings(classroom)
    for switch in [w for w in event_switches(classroom) if w.setting == "arms"]:
        slider = apply_settings(classroom, dataclasses.replace(base, arms={switch.key: 0.0}))
        off = apply_settings(classroom, with_switch(base, switch, False))
        assert slider.scenario == off.scenario and slider.world == off.world
        (stored_slider, lines_slider), (stored_off, lines_off) = told(slider), told(off)
        pd.testing.assert_frame_equal(stored_slider.steps, stored_off.steps)
        assert lines_slider == lines_off
        # No deliveries: no arms on the tie's line, no arms line drawn, no supply in the text.
        tie = classroom.world.tie(switch.key)
        out = stored_off.steps[column("arms_out_usd_m", tie.source)].iloc[1:]
        assert out.sum() == 0  # each supplier here has one arms tie
        network = stored_off.network
        assert not ((network["kind"] == "arms") & (network["tie"] == switch.key)).any()
        assert not any(line.startswith(tie.source) and "arms" in line for line in lines_off)
        # The same as a scenario file that cuts the tie in week 0.
        assert ("tie_cut", switch.key) in {
            (e.kind, getattr(e, "tie", None)) for e in off.scenario.events if e.step == 0
        }


def test_a_link_gives_back_the_page(classroom: LoadedScenario) -> None:
    base = default_settings(classroom)
    what_if = dataclasses.replace(
        base,
        commitment={**base.commitment, "Russia": 0.35000000000000003},
        arms={**base.arms, "tur_aze_arms": 0.0, "isr_aze_arms": 2.5},
        distracted={**base.distracted, "Iran": True},
        risk_appetite=dict.fromkeys(base.risk_appetite, 0.8),
    )
    query = settings_query("classroom", classroom, what_if, 5, 3)
    assert query.startswith("scenario=classroom&week=5&run=3&")
    shared = read_query(query, classroom)
    assert (shared.settings, shared.week, shared.replicate, shared.refused) == (what_if, 5, 3, "")
    # The scenario as it is: nothing but its name.
    assert settings_query("classroom", classroom, base, 0, 0) == "scenario=classroom"
    bad = read_query("scenario=classroom&commitment.Narnia=1&arms.tur_aze_arms=9&week=x", classroom)
    assert bad.settings == base and bad.week == 0
    assert read_query("run=99999&week=9", classroom).refused == (
        "(link): left out what this page does not offer: week=9"
    )
    assert read_query("run=100000", classroom).replicate == 0
    assert bad.refused == (
        "(link): left out what this page does not offer: commitment.Narnia=1, "
        "arms.tur_aze_arms=9, week=x"
    )


def test_the_downloaded_what_if_runs_as_the_page(classroom: LoadedScenario, tmp_path: Path) -> None:
    base = default_settings(classroom)
    settings = dataclasses.replace(
        base,
        commitment={**base.commitment, "Russia": 1.0},
        arms={**base.arms, "tur_aze_arms": 0.0, "rus_arm_arms": 1.5},
        distracted={**base.distracted, "Israel": True},
    )
    applied, replicate = apply_settings(classroom, settings), 2
    page = stored_from_model(applied, run_to(applied, classroom.scenario.steps, replicate), 2)
    file = tmp_path / "what_if.toml"
    file.write_text(what_if_toml(applied, replicate), encoding="utf-8")
    assert main(["run", str(file), "--out", str(tmp_path / "out"), "--no-plots"]) == 0
    steps = pd.read_csv(tmp_path / "out" / "steps.csv")
    ran = steps[steps["replicate"] == replicate].reset_index(drop=True)
    pd.testing.assert_frame_equal(ran, page.steps[ran.columns], check_dtype=False)
    actions = pd.read_csv(tmp_path / "out" / "actions.csv", keep_default_na=False)
    ran_log = actions[actions["replicate"] == replicate].reset_index(drop=True)
    assert ran_log["action"].tolist() == page.actions["action"].tolist()
    assert ran_log["step"].tolist() == page.actions["step"].tolist()


@pytest.mark.parametrize("name", PAGE_SCENARIOS)
def test_every_scenario_downloads_as_itself(name: str, tmp_path: Path) -> None:
    loaded = load_scenario(BUILTIN[name])
    file = tmp_path / f"{name}.toml"
    file.write_text(what_if_toml(loaded, 0), encoding="utf-8")
    again = load_scenario(file)
    assert again.scenario == loaded.scenario and again.world == loaded.world


@pytest.mark.parametrize("name", ["classroom", "karabakh_2020", "south_caucasus_history"])
def test_a_run_stepped_on_is_the_run_replayed(name: str) -> None:
    """The page steps its kept model on to a later week: the very run a replay gives."""
    loaded = load_scenario(BUILTIN[name])
    applied = apply_settings(loaded, default_settings(loaded))
    weeks = min(loaded.scenario.steps, 30)
    kept = KeptRun()
    early = run_to(applied, weeks // 3, 1, kept)
    kept.keep(applied, 1, weeks // 3, early)
    later = run_to(applied, weeks, 1, kept)
    assert later is early  # stepped on, not replayed
    replayed = run_to(applied, weeks, 1)
    on, again = stored_from_model(applied, later, 1), stored_from_model(applied, replayed, 1)
    for table in ("steps", "summary", "actions", "network"):
        pd.testing.assert_frame_equal(getattr(on, table), getattr(again, table))
    kept.keep(applied, 1, weeks, later)
    # An earlier week, another run or other settings (even equal ones) start afresh.
    assert run_to(applied, weeks - 1, 1, kept) is not later
    kept.keep(applied, 1, weeks, later)
    assert run_to(applied, weeks, 0, kept) is not later
    kept.keep(applied, 1, weeks, later)
    assert run_to(dataclasses.replace(applied), weeks, 1, kept) is not later
