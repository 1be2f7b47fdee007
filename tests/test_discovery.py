"""Scenario discovery: the condition grammar, PRIM/CART/feature scores, the CLI and the report."""

from __future__ import annotations

import builtins
import json
import re
import shutil
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from sim.experiments import discovery as discovery_module
from sim.experiments.conditions import column_kinds, parse_condition, slug
from sim.experiments.discovery import choose_box, discover
from sim.experiments.sweep import Design
from sim.experiments.sweep.storage import write_design
from sim.presentation.cli import main
from sim.schema.errors import InputError

ROOT = Path(__file__).resolve().parents[1]
PARAMETERS = ["x1", "x2", "x3", "x4"]


def fake_sweep(folder: Path, x: pd.DataFrame, outcomes: dict[str, np.ndarray]) -> Path:
    """A sweep folder as `alliance-sim sweep` writes it: manifest, design, one runs chunk."""
    folder.mkdir(parents=True)
    design = Design("latin", list(x.columns), x.to_numpy(dtype=float), 1)
    write_design(folder, design)
    ranges = "\n".join(f'"{p}" = [0.0, 1.0]' for p in x.columns)
    manifest = {
        "kind": "alliance-sim sweep",
        "scenario": "synthetic",
        "seed": 7,
        "scenario_text": f'name = "synthetic"\n[sweep]\n[sweep.ranges]\n{ranges}\n',
        "design": design.to_json(),
    }
    (folder / "manifest.json").write_text(json.dumps(manifest))
    n = len(x)
    columns = {
        "run": np.arange(n, dtype=np.int64),
        "point": np.arange(n, dtype=np.int64),
        "replicate": np.zeros(n, dtype=np.int64),
        **{p: x[p].to_numpy(dtype=float) for p in x.columns},
        **outcomes,
    }
    (folder / "runs").mkdir()
    pq.write_table(pa.table(columns), folder / "runs" / "chunk-000000.parquet")
    return folder


@pytest.fixture(scope="module")
def box_sweep(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """2,000 runs uniform on [0, 1]^4; the condition's true box is x1 > 0.6 and x2 < 0.3."""
    rng = np.random.default_rng(11)
    x = pd.DataFrame(rng.uniform(size=(2000, 4)), columns=PARAMETERS)
    hit = ((x["x1"] > 0.6) & (x["x2"] < 0.3)).to_numpy()
    weeks = np.where(hit, 8.0, 2.0)
    weeks[::97] = np.nan  # some missing values: a comparison with them is false
    outcomes = {
        "hit": hit,
        "war_weeks": weeks,
        "gain_karabakh": x["x3"].to_numpy(),
        "peacekeepers": np.where(hit, "Russia", ""),
    }
    return fake_sweep(tmp_path_factory.mktemp("sweeps") / "box", x, outcomes)


@pytest.fixture(scope="module")
def box_discovery(box_sweep: Path) -> discovery_module.Discovery:
    return discover(box_sweep, "hit")


# --- PRIM finds the box it should ----------------------------------------------------------


def test_prim_recovers_the_true_box(box_discovery: discovery_module.Discovery) -> None:
    d = box_discovery
    box = d.box()
    assert set(box.index) == {"x1", "x2"}, box  # x3 and x4 unrestricted
    assert abs(box.loc["x1", "low"] - 0.6) <= 0.05
    assert box.loc["x1", "high"] >= 0.95  # only the lower side of x1 is peeled
    assert abs(box.loc["x2", "high"] - 0.3) <= 0.05
    assert box.loc["x2", "low"] <= 0.05
    assert box["significant"].all()
    stats = d.stats()
    assert stats["density"] >= 0.95 and stats["coverage"] >= 0.9
    # Feature scores rank the two parameters that matter first.
    assert set(d.feature_scores["parameter"][:2]) == {"x1", "x2"}
    assert d.feature_scores["score"].sum() == pytest.approx(1.0)
    # CART's densest leaf is the same box.
    assert "x1 > 0.6" in d.cart_leaves.loc[0, "rule"] or "x1 > 0.5" in d.cart_leaves.loc[0, "rule"]
    assert d.cart_leaves.loc[0, "density"] >= 0.9
    assert "x2 <= 0.3" in d.cart_rules or "x2 <= 0.2" in d.cart_rules


def test_default_box_is_the_densest_above_the_minimum_coverage(
    box_discovery: discovery_module.Discovery,
) -> None:
    t = box_discovery.trajectory
    eligible = t[t["coverage"] >= 0.5]
    assert box_discovery.chosen in eligible.index
    assert t.loc[box_discovery.chosen, "density"] == eligible["density"].max()
    # At minimum coverage 1 only boxes that keep every matching run qualify.
    chosen = choose_box(t, 1.0)
    assert t.loc[chosen, "coverage"] == 1.0
    assert t.loc[chosen, "density"] == t[t["coverage"] == 1.0]["density"].max()


def test_box_by_number_and_its_limits(box_sweep: Path) -> None:
    d = discover(box_sweep, "hit", box=2)
    assert d.chosen == 2 and d.chosen_by == "chosen by number"
    # Every box's limits lie inside the sweep's ranges, and boxes only ever shrink while peeling.
    assert ((d.limits["low"] >= 0) & (d.limits["high"] <= 1)).all()
    assert (d.trajectory["mass"].iloc[:3].diff().dropna() < 0).all()
    with pytest.raises(InputError, match="no box 999"):
        discover(box_sweep, "hit", box=999)


def test_reads_only_the_runs_columns_it_needs(
    box_sweep: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    folder = tmp_path / "copy"
    shutil.copytree(box_sweep, folder)
    (folder / "steps").mkdir()
    (folder / "steps" / "chunk-000000.parquet").write_bytes(b"not parquet at all")
    asked: list[list[str]] = []
    read = pq.read_table

    def spy(source: object, columns: list[str] | None = None, **kw: object) -> pa.Table:
        if Path(str(source)).name == "runs":  # design.parquet is read through it too
            asked.append(list(columns or []))
        return read(source, columns=columns, **kw)

    monkeypatch.setattr(discovery_module.pq, "read_table", spy)
    d = discover(folder, "war_weeks > 6")
    assert asked == [["run", *PARAMETERS, "war_weeks"]]
    monkeypatch.undo()
    weeks = pd.read_parquet(folder / "runs")["war_weeks"]
    assert d.matches == int((weeks > 6).sum()) and 0 < d.matches < d.runs


# --- the grammar ------------------------------------------------------------------------------

TABLE = pd.DataFrame(
    {
        "a": [True, True, False, False, True],
        "b": [True, False, True, False, False],
        "c": [False, True, True, False, True],
        "war_weeks": [1.0, 7.0, np.nan, 3.0, 12.0],
        "states.Russia.commitment": [0.1, 0.5, 0.9, 0.3, 0.7],
        "peacekeepers": ["Russia", "", "Russia", "", ""],
    }
)
KINDS = column_kinds(dict(TABLE.dtypes))


def where(text: str) -> list[bool]:
    return parse_condition(text, KINDS).evaluate(TABLE).tolist()


def test_column_kinds() -> None:
    assert KINDS == {
        "a": "flag",
        "b": "flag",
        "c": "flag",
        "war_weeks": "number",
        "states.Russia.commitment": "number",
        "peacekeepers": "text",
    }


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("a", [True, True, False, False, True]),
        ("not a", [False, False, True, True, False]),
        ("war_weeks > 6", [False, True, False, False, True]),
        ("war_weeks >= 7", [False, True, False, False, True]),
        ("war_weeks <= 3", [True, False, False, True, False]),
        ("war_weeks == 3", [False, False, False, True, False]),
        # A missing value makes every comparison false, != included.
        ("war_weeks != 3", [True, True, False, False, True]),
        ("not war_weeks == 3", [True, True, True, False, True]),
        ("2 < war_weeks <= 12", [False, True, False, True, True]),
        ("states.Russia.commitment >= 0.5 and not a", [False, False, True, False, False]),
        ("`states.Russia.commitment` < 0.2", [True, False, False, False, False]),
        ("war_weeks > -1e1", [True, True, False, True, True]),
        ("a == true", [True, True, False, False, True]),
        ("a != False", [True, True, False, False, True]),
        ("peacekeepers == 'Russia'", [True, False, True, False, False]),
        ('peacekeepers != "Russia"', [False, True, False, True, True]),
        ("a AND b", [True, False, False, False, False]),
    ],
)
def test_valid_conditions(text: str, expected: list[bool]) -> None:
    assert where(text) == expected


def test_precedence() -> None:
    t = TABLE
    a, b, c = t["a"].to_numpy(), t["b"].to_numpy(), t["c"].to_numpy()
    # not binds tighter than and, and tighter than or.
    assert where("a or b and c") == list(a | (b & c))
    assert where("a or b and c") != list((a | b) & c)
    assert where("(a or b) and c") == list((a | b) & c)
    assert where("not a and b") == list(~a & b)
    assert where("not (a and b)") == list(~(a & b))
    assert where("not not a") == list(a)
    assert where("a and b or c") == list((a & b) | c)
    assert where("war_weeks > 6 or a and not c") == [True, True, False, False, True]


def test_text_and_slug() -> None:
    condition = parse_condition("  gain  >=0.3 and(not  a )", {"gain": "number", "a": "flag"})
    assert condition.text == "gain >= 0.3 and ( not a )"
    assert condition.columns == ("gain", "a")
    assert condition.slug == "gain-ge-0.3-and-not-a"
    assert slug("war_weeks > 6") == "war_weeks-gt-6"
    assert slug("x > -1") == "x-gt-neg1"
    long = slug(" and ".join(f"column_{i} > {i}" for i in range(40)))
    assert len(long) <= 80 and re.fullmatch(r"[A-Za-z0-9._-]+", long)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("__import__('os')", "function calls are not allowed"),
        ("__import__('os').system('true')", "function calls are not allowed"),
        ("abs(war_weeks) > 1", "function calls are not allowed"),
        ("war_weeks.real > 1", "unknown column 'war_weeks.real'"),
        ("a.__class__", "unknown column 'a.__class__'"),
        ("war_weeks.__class__.__mro__", "unknown column"),
        ("TABLE['a']", "unexpected '\\['"),
        ("lambda: 1", "unexpected ':'"),
        ("war_week > 6", "unknown column 'war_week' \\(did you mean war_weeks\\?\\)"),
        ("war_weeks = 6", "write '==' to compare"),
        ("a && b", "write 'and'"),
        ("a || b", "write 'or'"),
        ("war_weeks", "is a number, not true/false"),
        ("not war_weeks", "war_weeks is a number"),
        ("a > 0", "cannot compare a \\(true/false\\) with 0 \\(a number\\)"),
        ("peacekeepers < 'R'", "text can only be compared with == or !="),
        ("war_weeks > 'six'", "cannot compare war_weeks \\(a number\\) with 'six' \\(text\\)"),
        ("(a and b", "expected '\\)'"),
        ("a and", "expected a column"),
        ("a b", "join conditions with 'and' or 'or'"),
        ("- a", "'-' must be followed by a number"),
        ("", "empty condition"),
        ("   ", "empty condition"),
        ("(" * 70 + "a" + ")" * 70, "nested more than 64 deep"),
        ("not " * 70 + "a", "nested more than 64 deep"),
        ("a or " * 500 + "a", "longer than 2000 characters"),
    ],
)
def test_refusals(text: str, message: str) -> None:
    with pytest.raises(InputError) as caught:
        parse_condition(text, KINDS, file="sweep", field="where")
    error = caught.value
    assert error.field == "where" and error.file == "sweep"
    assert re.search(message, error.message), error.message
    assert "\n" not in str(error)
    assert "allowed: column names, numbers, true/false" in error.message


def test_unknown_column_lists_some_columns() -> None:
    kinds = {
        "run": "number",
        "point": "number",
        "war_weeks": "number",
        "intervened_Russia": "flag",
        "ceasefire": "flag",
        "gain_karabakh": "number",
        "model.war_cost": "number",
    }
    with pytest.raises(InputError) as caught:
        parse_condition("russia_intervened", kinds)  # type: ignore[arg-type]
    message = caught.value.message
    assert "war_weeks, ceasefire, gain_karabakh, intervened_Russia, model.war_cost" in message
    assert "(7 in all)" in message


def test_the_grammar_never_calls_eval(monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(*args: object, **kwargs: object) -> None:
        raise AssertionError("eval, exec or compile was called")

    for name in ("eval", "exec", "compile"):
        monkeypatch.setattr(builtins, name, refuse)
    assert where("war_weeks > 6 and (a or not b)") == [False, True, False, False, True]
    with pytest.raises(InputError):
        where("__import__('os')")


# --- the command line ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("condition", "message"),
    [
        ("war_weeks > 100", "holds in none of the 2,000 runs"),
        ("x1 >= 0", "holds in every one of the 2,000 runs"),
        ("hit or not hit", "holds in every one of the 2,000 runs"),
        ("war_wekes > 1", "unknown column 'war_wekes' \\(did you mean war_weeks\\?\\)"),
        ("__import__('os')", "function calls are not allowed"),
    ],
)
def test_cli_refuses_in_one_line_and_writes_nothing(
    box_sweep: Path, condition: str, message: str, capsys: pytest.CaptureFixture[str]
) -> None:
    before = sorted(p.relative_to(box_sweep) for p in box_sweep.rglob("*"))
    assert main(["discover", str(box_sweep), "--where", condition]) == 2
    captured = capsys.readouterr()
    lines = captured.err.strip().splitlines()
    assert len(lines) == 1, captured.err
    assert lines[0].startswith(f"alliance-sim: {box_sweep}: --where: ")
    assert re.search(message, lines[0]), lines[0]
    assert captured.out == ""
    assert sorted(p.relative_to(box_sweep) for p in box_sweep.rglob("*")) == before


@pytest.mark.parametrize(
    ("extra", "field"),
    [(["--min-coverage", "0"], "--min-coverage"), (["--box", "5000"], "--box")],
)
def test_cli_refuses_bad_box_choices(
    box_sweep: Path, extra: list[str], field: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["discover", str(box_sweep), "--where", "hit", *extra]) == 2
    assert f": {field}: " in capsys.readouterr().err
    assert not (box_sweep / "discovery").exists()


def test_cli_refuses_a_folder_that_is_not_a_sweep(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["discover", str(tmp_path), "--where", "war_weeks > 6"]) == 2
    assert "manifest.json" in capsys.readouterr().err
    assert list(tmp_path.iterdir()) == []


def test_cli_writes_tables_figures_and_page(
    box_sweep: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "found"
    assert main(["discover", str(box_sweep), "--where", "hit", "--out", str(out)]) == 0
    printed = capsys.readouterr().out
    assert "'hit' holds in" in printed and f"results in {out}" in printed
    names = {p.name for p in out.iterdir()}
    assert names == {
        "trajectory.csv",
        "boxes.csv",
        "chosen_box.json",
        "feature_scores.csv",
        "cart.txt",
        "cart_leaves.csv",
        "discovery.json",
        "trajectory.png",
        "box.png",
        "feature_scores.png",
        "cart.png",
        "discovery.html",
        "section.html",
    }
    chosen = json.loads((out / "chosen_box.json").read_text())
    assert {limit["parameter"] for limit in chosen["limits"]} == {"x1", "x2"}
    trajectory = pd.read_csv(out / "trajectory.csv")
    assert list(trajectory.columns) == ["box", *discovery_module.TRAJECTORY_COLUMNS]
    boxes = pd.read_csv(out / "boxes.csv")
    assert set(boxes["box"]) <= set(trajectory["box"])
    assert "|--- x" in (out / "cart.txt").read_text()
    page = (out / "discovery.html").read_text()
    assert page.count("data:image/png;base64,") == 4
    assert not (box_sweep / "discovery").exists()  # --out elsewhere: the sweep is untouched
    # The folder exists now: refused without --force, replaced with it.
    assert main(["discover", str(box_sweep), "--where", "hit", "--out", str(out)]) == 2
    assert "--force" in capsys.readouterr().err
    assert main(["discover", str(box_sweep), "--where", "hit", "--out", str(out), "--force"]) == 0


# --- end to end on a real sweep -------------------------------------------------------------


@pytest.mark.slow
def test_cli_end_to_end_on_a_small_sweep(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    text = (ROOT / "scenarios" / "sweep_karabakh_discovery.toml").read_text()
    text = text.replace("samples = 1000", "samples = 24")
    scenario = tmp_path / "small.toml"
    scenario.write_text(text)
    sweep = tmp_path / "sweep"
    assert main(["sweep", str(scenario), "--out", str(sweep), "--workers", "1"]) == 0
    capsys.readouterr()
    runs = pd.read_parquet(sweep / "runs")
    assert len(runs) == 48
    condition = "max_escalation >= 3"
    assert 0 < (runs["max_escalation"] >= 3).sum() < len(runs)  # the condition splits the runs
    assert main(["discover", str(sweep), "--where", condition]) == 0
    printed = capsys.readouterr().out
    out = sweep / "discovery" / "max_escalation-ge-3"
    assert (out / "discovery.html").is_file() and (out / "trajectory.png").is_file()
    assert f"section added to {sweep / 'report.html'}" in printed
    report = (sweep / "report.html").read_text()
    assert report.count("<h2>Scenario discovery: max_escalation &gt;= 3</h2>") == 1
    assert "discovery/max_escalation-ge-3/discovery.html" in report
    # Again with --force, and the report rewritten by sweep_report: still one section.
    assert main(["discover", str(sweep), "--where", condition, "--force"]) == 0
    from sim.presentation.report import sweep_report

    sweep_report(sweep)
    report = (sweep / "report.html").read_text()
    assert report.count("<h2>Scenario discovery: max_escalation &gt;= 3</h2>") == 1
    assert report.rstrip().endswith("</html>")
