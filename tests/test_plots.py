"""Plots are drawn from a results folder's stored files alone, for wars and for quiet runs."""

from __future__ import annotations

import hashlib
import shutil
import struct
from pathlib import Path

import pandas as pd
import pytest
from matplotlib.patches import FancyArrowPatch, Rectangle

from sim.experiments import run as runner
from sim.experiments.results import write_results
from sim.loading.scenarios import load_scenario
from sim.presentation.alliance_plot import alliance_figure, alliance_periods, shown_pairs
from sim.presentation.cli import main
from sim.presentation.network_plot import network_figures
from sim.presentation.plot_base import Stored, load_stored
from sim.presentation.plots import plot_results
from sim.presentation.timeseries_plot import structure_figure
from sim.schema.columns import NETWORK_COLUMNS, TIE_CHANGE_COLUMNS, TRIANGLE_COLUMNS
from sim.schema.errors import InputError

SCENARIOS = Path(__file__).parents[1] / "scenarios"
PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


@pytest.fixture(scope="module")
def folders(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """Results folders of three replicates, written with plots as ``alliance-sim run`` does.

    Classroom has a war; baseline has none, so every 'nothing happened' branch is drawn.
    """
    out = {}
    for name in ("classroom", "baseline"):
        loaded = load_scenario(SCENARIOS / f"{name}.toml")
        results = runner.run_scenario(loaded, replicates=3)
        out[name] = tmp_path_factory.mktemp(name) / "run"
        write_results(loaded, results, out[name], extra=plot_results)
    return out


def expected_names(folder: Path) -> set[str]:
    """The figures of a folder: the moving network's only with a change log, and then only
    for a run of a year or more or one in which ties changed (alliances, rivalries or arms
    ties of the first replicate, for the timeline)."""
    steps = sorted(pd.read_csv(folder / "network.csv")["step"].unique())
    names = {"timeseries.png", "outcomes.png", *(f"network_step_{s:03d}.png" for s in steps)}
    if (folder / "tie_changes.csv").is_file():
        changes = pd.read_csv(folder / "tie_changes.csv")
        long = steps[-1] >= 52
        first = changes[changes["replicate"] == 0]
        names |= {"structure.png"} if long or len(changes) else set()
        timeline = long or first["kind"].isin(["alliance", "rivalry", "arms"]).any()
        names |= {"alliances.png"} if timeline else set()
    return names


def png_size(path: Path) -> tuple[int, int]:
    """Width and height from the PNG header, after checking the signature."""
    head = path.read_bytes()[:24]
    assert head[:8] == PNG_MAGIC, f"{path.name} is not a PNG"
    return struct.unpack(">II", head[16:24])


def digests(folder: Path) -> dict[str, str]:
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in folder.glob("*.png")}


@pytest.mark.parametrize("name", ["classroom", "baseline"])
def test_run_writes_every_figure_as_a_projector_sized_png(
    folders: dict[str, Path], name: str
) -> None:
    results_folder = folders[name]
    plots = results_folder / "plots"
    names = {p.name for p in plots.iterdir()}
    assert names == expected_names(results_folder)
    # First and last week are stored by default, so there are at least two network figures.
    assert {"network_step_000.png"} < names - {"timeseries.png", "outcomes.png", "structure.png"}
    for path in plots.iterdir():
        width, height = png_size(path)
        assert width >= 1200 and height >= 900
        assert 20_000 < path.stat().st_size < 3_000_000


def test_plot_command_redraws_identical_figures_from_stored_files(
    folders: dict[str, Path], tmp_path: Path
) -> None:
    results_folder = folders["classroom"]  # one folder is enough: drawing is shared with run
    before = digests(results_folder / "plots")
    copy = tmp_path / "copy"
    shutil.copytree(results_folder, copy, ignore=shutil.ignore_patterns("plots"))
    assert main(["plot", str(copy)]) == 0
    assert digests(copy / "plots") == before  # deterministic: same tables, same bytes


def test_plot_command_rejects_a_folder_without_results(tmp_path: Path) -> None:
    empty = tmp_path / "empty"
    empty.mkdir()
    assert main(["plot", str(empty)]) == 2
    assert not (empty / "plots").exists()


def test_single_replicate_without_network_table_still_plots(tmp_path: Path) -> None:
    loaded = load_scenario(SCENARIOS / "classroom.toml")
    folder = tmp_path / "run"
    write_results(loaded, runner.run_scenario(loaded, replicates=1), folder)
    (folder / "network.csv").unlink()
    (folder / "plots").mkdir()
    (folder / "plots" / "network_step_000.png").write_bytes(PNG_MAGIC)  # left by a past drawing
    # Give reliability values, so the band is drawn rather than the 'no pledge' note.
    steps = pd.read_csv(folder / "steps.csv")
    steps["reliability"] = [float("nan")] * 2 + [0.5] * (len(steps) - 2)
    steps.to_csv(folder / "steps.csv", index=False)

    written = plot_results(folder)

    # A sanction suspended a transit tie: the structure is drawn; no timeline without the
    # ties in force at week 0.
    assert not pd.read_csv(folder / "tie_changes.csv").empty
    assert [p.name for p in written] == ["timeseries.png", "structure.png", "outcomes.png"]
    # Network figures of the earlier drawing are removed, not left to pass as current.
    assert sorted(p.name for p in (folder / "plots").iterdir()) == [
        "outcomes.png",
        "structure.png",
        "timeseries.png",
    ]
    for path in written:
        png_size(path)


# --- the moving network: alliance timeline, structure, what changed between network figures ---

MULTI_YEAR = """
name = "living_network"
question = "How do the states rearrange their ties over three years?"
world = "builtin"
year = 2023
steps = 156
seed = 1
replicates = 2

[plots]
network_steps = [0, 53, 156]
"""
MOVING_FIGURES = {"alliances.png", "structure.png"}


@pytest.fixture(scope="module")
def multi_year(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A three-year run of the built-in world: the states review their ties every 52 weeks."""
    folder = tmp_path_factory.mktemp("multi_year")
    scenario = folder / "living_network.toml"
    scenario.write_text(MULTI_YEAR)
    assert main(["run", str(scenario), "--out", str(folder / "run")]) == 0
    return folder / "run"


def test_a_multi_year_run_draws_the_alliance_timeline_and_the_structure(multi_year: Path) -> None:
    changes = pd.read_csv(multi_year / "tie_changes.csv")
    assert changes["reason"].str.startswith("rule:").any()  # the states changed some ties
    names = {p.name for p in (multi_year / "plots").iterdir()}
    assert names == expected_names(multi_year) | MOVING_FIGURES
    for name in MOVING_FIGURES:
        width, height = png_size(multi_year / "plots" / name)
        assert width >= 1200 and height >= 700


def test_a_short_run_without_tie_changes_draws_neither_new_figure(
    folders: dict[str, Path],
) -> None:
    baseline = folders["baseline"]
    assert pd.read_csv(baseline / "tie_changes.csv").empty
    assert int(pd.read_csv(baseline / "steps.csv")["step"].max()) < 52
    assert not MOVING_FIGURES & {p.name for p in (baseline / "plots").iterdir()}


def test_a_short_run_whose_alliances_stay_draws_the_structure_but_no_timeline(
    folders: dict[str, Path],
) -> None:
    classroom = folders["classroom"]
    changes = pd.read_csv(classroom / "tie_changes.csv")
    assert len(changes) and set(changes["kind"]) == {"transit"}  # sanctions on a transit tie
    names = {p.name for p in (classroom / "plots").iterdir()}
    assert "structure.png" in names and "alliances.png" not in names


def test_plot_command_redraws_the_moving_network_figures_identically(
    multi_year: Path, tmp_path: Path
) -> None:
    before = digests(multi_year / "plots")
    assert set(before) >= MOVING_FIGURES
    copy = tmp_path / "copy"
    shutil.copytree(multi_year, copy, ignore=shutil.ignore_patterns("plots"))
    assert main(["plot", str(copy)]) == 0
    assert digests(copy / "plots") == before


def test_a_folder_from_before_the_change_log_still_plots_without_the_new_figures(
    multi_year: Path, tmp_path: Path
) -> None:
    old = tmp_path / "old"
    shutil.copytree(multi_year, old)  # with plots, so stale new figures are there to remove
    (old / "tie_changes.csv").unlink()
    steps = pd.read_csv(old / "steps.csv")
    steps.drop(columns=list(TRIANGLE_COLUMNS)).to_csv(old / "steps.csv", index=False)

    written = {p.name for p in plot_results(old)}

    assert written == expected_names(old)
    assert {p.name for p in (old / "plots").iterdir()} == expected_names(old)


def test_structure_figure_without_triangle_counts_notes_their_absence(multi_year: Path) -> None:
    stored = load_stored(multi_year)
    stored.steps = stored.steps.drop(columns=list(TRIANGLE_COLUMNS))
    figure = structure_figure(stored)
    assert figure is not None
    texts = [t.get_text() for ax in figure.axes for t in ax.texts]
    assert any("triangle counts not stored" in t for t in texts)


# A hand-made run of three states over two years (week 104 is the last step) and its log.
HAND_NETWORK = [
    # replicate, step, source, target, kind, weight, tie
    (0, 0, "A", "B", "alliance", 0.8, "ab_pact"),
    (0, 0, "B", "A", "alliance", 0.8, "ab_pact"),  # a mutual pledge: two rows, one tie
    (0, 0, "A", "C", "rivalry", 0.5, "ac_old"),
    (0, 0, "C", "A", "rivalry", 0.5, "ac_old"),
    (0, 0, "A", "C", "arms", 0.3, "ac_arms"),
    (0, 0, "B", "C", "trade", 0.2, "bc_trade"),
    (0, 0, "A", "B", "border", 1.0, "ab_border"),
    (0, 104, "A", "C", "rivalry", 0.5, "ac_new"),
    (0, 104, "C", "A", "rivalry", 0.5, "ac_new"),
    (0, 104, "A", "C", "arms", 0.3, "ac_arms"),
    (0, 104, "A", "B", "border", 1.0, "ab_border"),
    (1, 0, "A", "B", "alliance", 0.8, "ab_pact"),
]
HAND_CHANGES = [
    # replicate, step, tie, kind, source, target, status, reason
    (0, 0, "bc_new", "alliance", "B", "C", "active", "tie_create"),
    (0, 10, "ac_arms", "arms", "A", "C", "suspended", "sanction"),
    (0, 20, "ac_arms", "arms", "A", "C", "active", "tie_restore"),
    (0, 52, "ab_pact", "alliance", "A", "B", "cut", "rule:left"),
    (0, 52, "ac_old", "rivalry", "A", "C", "ended", "dates"),
    (0, 52, "ac_new", "rivalry", "A", "C", "active", "dates"),  # same week: no break
    (0, 52, "bc_new", "alliance", "B", "C", "active", "rule:renewed"),  # no break either
    (0, 52, "bc_trade", "trade", "B", "C", "suspended", "sanction"),  # not a timeline kind
    (0, 60, "bc_new", "alliance", "B", "C", "cut", "war"),
    (0, 104, "ab_new", "alliance", "A", "B", "active", "rule:formed"),  # too late to count
    (1, 52, "ab_pact", "alliance", "A", "B", "cut", "rule:left"),  # another replicate
]
HAND_PERIODS = [
    # pair, kind, start, end, began_by, ended_by
    ("A – B", "alliance", 0, 52, None, "rule:left"),
    ("A – B", "alliance", 104, 104, "rule:formed", None),
    ("A – C", "arms", 0, 10, None, "sanction"),
    ("A – C", "arms", 20, 104, "tie_restore", None),
    ("A – C", "rivalry", 0, 104, None, None),
    ("B – C", "alliance", 0, 60, "tie_create", "war"),
]


def hand_stored(network_steps: tuple[int, ...] = (0, 104)) -> Stored:
    network = pd.DataFrame(HAND_NETWORK, columns=["replicate", *NETWORK_COLUMNS])
    changes = pd.DataFrame(HAND_CHANGES, columns=["replicate", *TIE_CHANGE_COLUMNS])
    steps = pd.DataFrame(
        [
            {
                "replicate": r,
                "step": s,
                "escalation": 0,
                "balanced_triangles": 1.0,
                "frustration": 0,
                "strength_A": 1.0,
                "strength_B": 1.0,
                "strength_C": 1.0,
            }
            for r in (0, 1)
            for s in range(105)
        ]
    )
    return Stored(
        name="hand",
        steps=steps,
        summary=pd.DataFrame({"replicate": [0, 1], "war_weeks": 0, "max_escalation": 0}),
        actions=pd.DataFrame(),
        network=network[network["step"].isin(network_steps)],
        tie_changes=changes,
        year=1900,
    )


def test_alliance_periods_follow_the_change_log() -> None:
    periods = alliance_periods(hand_stored(), 0)
    got = [
        (
            p.pair,
            p.kind,
            p.start,
            p.end,
            None if pd.isna(p.began_by) else p.began_by,
            None if pd.isna(p.ended_by) else p.ended_by,
        )
        for p in periods.itertuples()
    ]
    assert got == HAND_PERIODS
    assert periods.loc[periods["kind"] == "rivalry", "ties"].tolist() == ["ac_new, ac_old"]


def test_alliance_periods_without_week_0_in_network_csv_are_rebuilt_from_the_log() -> None:
    # Ties never changed are known from the last stored week, the others from their first change.
    assert alliance_periods(hand_stored((104,)), 0).equals(alliance_periods(hand_stored(), 0))


def test_alliance_periods_of_another_replicate_use_its_own_log() -> None:
    periods = alliance_periods(hand_stored(), 1)
    assert periods[["pair", "kind", "start", "end"]].values.tolist() == [
        ["A – B", "alliance", 0, 52]
    ]


def test_the_timeline_draws_one_bar_per_period_and_a_mark_per_change() -> None:
    stored = hand_stored()
    figure = alliance_figure(stored)
    assert figure is not None
    (ax,) = figure.axes
    bars = [p for p in ax.patches if isinstance(p, Rectangle)]
    assert len(bars) == len(HAND_PERIODS)
    # Years on the axis: the run spans two years from 1900.
    assert ax.get_xlabel() == "year"
    assert [b.get_x() for b in bars][:2] == pytest.approx([1900, 1902])
    marks = [line for line in ax.lines if line.get_marker() in ("o", "D", "^", "X", "|")]
    boundaries = sum(by is not None for p in HAND_PERIODS for by in p[4:])
    assert len(marks) == boundaries + 1  # and the renewal of B-C in week 52
    assert [t.get_text() for t in ax.get_yticklabels()] == ["A – B", "A – C", "B – C"]


def test_the_timeline_lists_changed_pairs_first_when_there_are_too_many() -> None:
    pairs = [f"S{i:02d} – T" for i in range(40)]
    periods = pd.DataFrame(
        {
            "pair": pairs,
            "kind": "alliance",
            "start": 0,
            "end": 104,
            "began_by": [None] * 35 + ["rule:formed"] * 5,
            "ended_by": None,
            "ties": pairs,
        }
    )
    shown, left_out = shown_pairs(periods, pd.DataFrame(columns=["pair", "kind", "step"]))
    assert len(shown) == 30 and set(pairs[35:]) <= set(shown) and shown == sorted(shown)
    assert "10 more pairs whose ties never changed not shown" in left_out


def test_network_figures_mark_the_ties_begun_and_list_those_ended() -> None:
    stored = hand_stored()
    figures = dict(network_figures(stored))
    first, last = ([t.get_text() for t in figures[s].legends[0].get_texts()] for s in (0, 104))
    assert not any("Since" in t for t in first)
    assert "Since week 0 (1900):" in last
    began = last[last.index("begun (highlighted)") + 1 : last.index("ended")]
    ended = last[last.index("ended") + 1 :]
    assert [t.replace("\n", " ") for t in began] == ["A – C rivalry (dates; replaces another)"]
    assert [t.replace("\n", " ") for t in ended] == [
        "A – B alliance (left)",  # in the order they happened
        "B – C trade (sanction)",
        "B – C alliance (began and ended: war)",
    ]
    arcs = [a for a in figures[104].axes[0].get_children() if isinstance(a, FancyArrowPatch)]
    assert len(arcs) == 3  # A-B border, A-C rivalry and arms
    highlighted = [a for a in arcs if a.get_path_effects()]
    assert len(highlighted) == 1  # the new A-C rivalry, and nothing else


def test_tie_changes_with_an_unknown_status_are_refused(multi_year: Path, tmp_path: Path) -> None:
    folder = tmp_path / "run"
    shutil.copytree(multi_year, folder, ignore=shutil.ignore_patterns("plots"))
    changes = pd.read_csv(folder / "tie_changes.csv")
    changes.loc[0, "status"] = "vanished"
    changes.to_csv(folder / "tie_changes.csv", index=False)
    with pytest.raises(InputError, match="column status holds 'vanished'") as caught:
        load_stored(folder)
    assert caught.value.field == "tie_changes.csv"
    assert main(["plot", str(folder)]) == 2


def test_the_figures_count_the_weeks_of_a_year_as_the_model_does() -> None:
    from sim.model.model import WEEKS_PER_YEAR
    from sim.presentation import plot_base

    assert plot_base.WEEKS_PER_YEAR == WEEKS_PER_YEAR
