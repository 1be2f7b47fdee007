"""Sweep analysis: distributions, heatmaps, sensitivity indices, comparison, one HTML file."""

from __future__ import annotations

import base64
import re
from pathlib import Path

import pandas as pd
import pytest

from sim.experiments import analysis, sweep
from sim.loading.scenarios import load_scenario
from sim.presentation import report
from sim.presentation.cli import EXIT_BAD_INPUT, main
from sim.presentation.sweep_structure import network_structure

BASE = """\
name = "{name}"
year = 2020
steps = 8
seed = 9
replicates = {replicates}

[[events]]
step = 0
kind = "offensive"
attacker = "Azerbaijan"
defender = "Armenia"
theatre = "karabakh"
"""
GRID = '[sweep.grid]\n"model.tullock_r" = [1.0, 2.5]\n"states.Russia.commitment" = [0.2, 0.9]\n'
# Russia has no pledge that covers Karabakh, so its commitment cannot move these outcomes;
# arms to Azerbaijan and the decisiveness of fighting do.
RANGES = (
    '[sweep.ranges]\n"states.Russia.commitment" = [0, 1]\n'
    '"ties.tur_aze_arms.volume_usd_m" = [5, 400]\n"model.tullock_r" = [0.8, 3]\n'
)


def make_sweep(folder: Path, name: str, spec: str, replicates: int = 2) -> Path:
    path = folder / f"{name}.toml"
    path.write_text(BASE.format(name=name, replicates=replicates) + "\n" + spec)
    out = folder / name
    sweep.run_sweep(load_scenario(path), out, workers=1)
    return out


def images(page: str) -> list[bytes]:
    return [base64.b64decode(m) for m in re.findall(r'src="data:image/png;base64,([^"]+)"', page)]


def assert_self_contained(page: str) -> None:
    assert not re.search(r"""(src|href)=["'](?!data:)""", page), "external asset in report"
    assert all(png.startswith(b"\x89PNG") for png in images(page))


def test_a_grid_report_has_distributions_heatmaps_and_a_point_table(tmp_path: Path) -> None:
    out = make_sweep(tmp_path, "grid", GRID)
    written = report.sweep_report(out)
    names = [p.name for p in written]
    assert names == ["distributions.png", "heatmaps.png", "report.html"]
    page = (out / "report.html").read_text()
    assert_self_contained(page)
    assert len(images(page)) == 2
    assert "Mean outcome per design point" in page and "states.Russia.commitment" in page


def test_heatmap_cells_are_the_point_means(tmp_path: Path) -> None:
    out = make_sweep(tmp_path, "grid", GRID)
    data = analysis.load_sweep(out)
    means = analysis.point_means(data, ["war_weeks"])
    runs = pd.read_parquet(out / "runs")
    expected = runs.groupby(["model.tullock_r", "states.Russia.commitment"])["war_weeks"].mean()
    got = means.set_index(["model.tullock_r", "states.Russia.commitment"])["war_weeks"]
    pd.testing.assert_series_equal(got.sort_index(), expected.sort_index(), check_names=False)
    figure = report.heatmap_figure(data, ["war_weeks"])
    cells = figure.axes[0].images[0].get_array()
    assert sorted(cells.ravel().tolist()) == sorted(expected.tolist())


def test_sobol_indices_rank_a_parameter_that_matters_above_one_that_cannot(
    tmp_path: Path,
) -> None:
    out = make_sweep(tmp_path, "sobol", '[sweep]\ndesign = "sobol"\nsamples = 8\n' + RANGES, 1)
    data = analysis.load_sweep(out)
    indices, _ = analysis.sensitivity(data, ["gain_karabakh"])
    st = indices[indices["index"] == "ST"].set_index("parameter")["value"]
    assert st["states.Russia.commitment"] == pytest.approx(0, abs=1e-12)
    assert max(st["ties.tur_aze_arms.volume_usd_m"], st["model.tullock_r"]) > 0.1
    assert set(indices["index"]) == {"S1", "ST"} and indices["conf"].notna().all()
    written = report.sweep_report(out)
    assert [p.name for p in written] == ["distributions.png", "sensitivity.png", "report.html"]
    page = written[-1].read_text()
    assert_self_contained(page)
    assert "Sensitivity indices (95% confidence)" in page


def test_morris_gives_mu_star_with_confidence(tmp_path: Path) -> None:
    spec = '[sweep]\ndesign = "morris"\nsamples = 6\n' + RANGES
    out = make_sweep(tmp_path, "morris", spec, 1)
    indices, _ = analysis.sensitivity(analysis.load_sweep(out), ["gain_karabakh"])
    mu = indices[indices["index"] == "mu_star"].set_index("parameter")
    assert mu.loc["states.Russia.commitment", "value"] == 0
    assert mu["value"].max() > 0 and mu["conf"].notna().all()


def test_an_outcome_that_never_changes_is_noted_not_analysed(tmp_path: Path) -> None:
    out = make_sweep(tmp_path, "sobol", '[sweep]\ndesign = "sobol"\nsamples = 4\n' + RANGES, 1)
    indices, notes = analysis.sensitivity(analysis.load_sweep(out), ["max_escalation"])
    assert indices.empty
    assert notes == ["max_escalation: the same at every point, so no parameter moves it"]


def test_compare_puts_sweeps_side_by_side(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    first = make_sweep(tmp_path, "slow", '[sweep.grid]\n"model.tullock_r" = [0.8]\n', 4)
    second = make_sweep(tmp_path, "fast", '[sweep.grid]\n"model.tullock_r" = [3.0]\n', 4)
    figs = tmp_path / "figs"
    assert main(["compare", str(first), str(second), "--out", str(figs)]) == 0
    assert capsys.readouterr().out.split() == [str(figs / "compare.png"), str(figs / "report.html")]
    page = (figs / "report.html").read_text()
    assert_self_contained(page)
    assert "Comparison: slow vs fast" in page
    runs = pd.read_parquet(first / "runs")
    assert f"{runs['war_weeks'].mean():.4g}" in page


def test_compare_of_a_folder_that_is_not_a_sweep_is_one_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "empty").mkdir()
    code = main(["compare", str(tmp_path / "empty"), "--out", str(tmp_path / "figs")])
    assert code == EXIT_BAD_INPUT
    err = capsys.readouterr().err.splitlines()
    assert err == [
        f"alliance-sim: {tmp_path / 'empty'}: manifest.json: missing or not a sweep manifest; "
        "give a folder written by 'alliance-sim sweep'"
    ]
    assert not (tmp_path / "figs").exists()


def test_a_replicates_only_sweep_gets_histograms(tmp_path: Path) -> None:
    out = make_sweep(tmp_path, "plain", "", 6)
    written = report.sweep_report(out)
    assert [p.name for p in written] == ["distributions.png", "report.html"]
    assert "(none: replicates only)" in written[-1].read_text()


def test_many_parameters_give_readable_figures(tmp_path: Path) -> None:
    # Above six parameters the point means are a histogram, not a scatter per parameter; the
    # sensitivity bars show the most influential parameters first, at most 15 of them.
    names = [f"model.{p}" for p in ("tullock_r", "territory_rate", "war_weariness", "w_territory")]
    names += [f"model.{p}" for p in ("war_cost", "lanchester_rate", "ceasefire_bonus")]
    spec = '[sweep]\ndesign = "latin"\nsamples = 40\n\n[sweep.ranges]\n' + "".join(
        f'"{name}" = [{lo}, {hi}]\n'
        for name, (lo, hi) in zip(
            names,
            [(0.8, 3), (0.05, 0.4), (1, 10), (4, 24), (0.5, 3), (0.01, 0.1), (0, 2)],
            strict=True,
        )
    )
    data = analysis.load_sweep(make_sweep(tmp_path, "latin", spec, 1))
    figure = report.distributions_figure(data, ["gain_karabakh"])
    ax = figure.axes[0]
    assert not ax.collections and len(ax.patches) == 20  # 20 histogram bars, no scatter

    parameters = [f"p{i:02d}" for i in range(20)]
    indices = pd.DataFrame(
        [
            {"outcome": "war_weeks", "parameter": p, "index": k, "value": v, "conf": 0.0}
            for i, p in enumerate(parameters)
            for k, v in (("mu_star", float(i)), ("sigma", 1.0))
        ]
    )
    figure = report.sensitivity_figure("t", indices)
    assert figure is not None
    shown = [tick.get_text() for tick in figure.axes[0].get_yticklabels()]
    assert shown == parameters[5:]  # the 15 largest, the largest at the top (last tick)


def test_the_number_of_wars_is_an_outcome_only_where_it_varies() -> None:
    crisis = pd.DataFrame({"wars": [0, 1, 0], "war_weeks": [0, 3, 0], "gain_caspian": [0, 0.2, 0]})
    war = pd.DataFrame(
        {"wars": [1, 1, 1], "war_weeks": [5, 6, 4], "gain_karabakh": [0.8, 0.7, 0.9]}
    )
    assert analysis.outcome_columns(crisis) == ["gain_caspian", "wars", "war_weeks"]
    assert analysis.outcome_columns(war) == ["gain_karabakh", "war_weeks"]


def history_sweep(folder: Path) -> Path:
    """Two points of the tie dynamics' review share over the dated South Caucasus network."""
    root = Path(__file__).resolve().parents[1]
    text = (root / "scenarios" / "south_caucasus_history.toml").read_text(encoding="utf-8")
    text = text.replace('"model.review_share" = 0.0\n', "")
    text += '\n[sweep]\nreplicates = 2\n\n[sweep.grid]\n"model.review_share" = [0.0, 1.0]\n'
    path = folder / "history.toml"
    path.write_text(text)
    out = folder / "history"
    sweep.run_sweep(load_scenario(path), out, workers=1)
    return out


def test_a_sweep_whose_network_moves_gets_a_section_on_it(tmp_path: Path) -> None:
    out = history_sweep(tmp_path)
    written = report.sweep_report(out)
    assert "structure.png" in [p.name for p in written]
    page = (out / "report.html").read_text()
    assert "The signed network" in page
    assert_self_contained(page)
    # The table's figures are the stored changes counted per run, each point's runs included.
    data = analysis.load_sweep(out)
    ties = pd.read_parquet(out / "ties")
    per_point = analysis.changes_per_run(data, analysis.tie_changes(data))
    for (point, reason), count in ties.groupby(["point", "reason"]).size().items():
        assert per_point.loc[point, reason] == count / 2
    assert per_point.loc[0].get("rule:formed", 0) == 0  # no choices where the review is off


def test_a_sweep_stored_without_tie_changes_still_shows_the_balance(tmp_path: Path) -> None:
    out = history_sweep(tmp_path)
    for file in (out / "ties").iterdir():
        file.unlink()
    (out / "ties").rmdir()
    data = analysis.load_sweep(out)
    assert analysis.tie_changes(data) is None
    structure = network_structure(data)
    assert structure is not None  # the balance measures vary over the weeks
    assert list(structure[1].columns) == [] and sorted(structure[1].index) == [0, 1]
