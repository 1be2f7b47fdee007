"""Signed edge lists in: `alliance-sim world from-edges` and sim.loading.edges."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sim.loading.edges import world_from_edges
from sim.loading.worlds import load_world
from sim.model.metrics import _balance_of, signed_edges
from sim.model.model import AllianceModel
from sim.presentation.cli import EXIT_BAD_INPUT, main
from sim.schema.errors import InputError

ROOT = Path(__file__).resolve().parents[1]
GAHUKU_GAMA_CSV = ROOT / "sim" / "data" / "gahuku_gama.csv"
GAHUKU_GAMA_WORLD = ROOT / "sim" / "data" / "worlds" / "gahuku_gama.toml"


def balance_of(world_path: Path) -> tuple[float, int, float, tuple[int, ...]]:
    model = AllianceModel(load_world(world_path), rng=0)
    return _balance_of(tuple(model.states), signed_edges(model))


def test_the_gahuku_gama_list_gives_the_published_network(tmp_path: Path) -> None:
    out = tmp_path / "gg.toml"
    assert main(["world", "from-edges", str(GAHUKU_GAMA_CSV), "--out", str(out)]) == 0
    share, frustration, walk, _ = balance_of(out)
    # Read (1954) as published: signnet's triangle and walk indices, Aref & Wilson's 7.
    assert share == pytest.approx(0.8676471, abs=5e-8)
    assert walk == pytest.approx(0.3575761, abs=5e-8)
    assert frustration == 7
    assert balance_of(out) == balance_of(GAHUKU_GAMA_WORLD)


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "edges.csv"
    path.write_text(text)
    return path


@pytest.mark.parametrize(
    ("rows", "field", "words"),
    [
        ("a,b,2\n", "row 2", "sign must be +1 or -1 (got '2')"),
        ("a,b,1\nb,c,x\n", "row 3", "sign must be +1 or -1 (got 'x')"),
        ("a,a,1\n", "row 2", "self-loop"),
        ("a,b,1\nb,a,-1\n", "row 3", "already given in row 2"),
        ("a,b,1\na,b,1\n", "row 3", "already given in row 2"),
        (",b,1\n", "row 2", "must both be named"),
    ],
)
def test_bad_rows_are_one_line_naming_the_row(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], rows: str, field: str, words: str
) -> None:
    path = write(tmp_path, "source,target,sign\n" + rows)
    with pytest.raises(InputError) as caught:
        world_from_edges(path)
    assert caught.value.field == field and words in caught.value.message
    out = tmp_path / "w.toml"
    assert main(["world", "from-edges", str(path), "--out", str(out)]) == EXIT_BAD_INPUT
    (line,) = capsys.readouterr().err.strip().splitlines()
    assert line.startswith(f"alliance-sim: {path}: {field}: ")
    assert not out.exists() and sorted(p.name for p in tmp_path.iterdir()) == ["edges.csv"]


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ("source,target\na,b\n", "missing column sign"),
        ("source,target,sign,colour\na,b,1,red\n", "unknown column 'colour'"),
        ("source,target,sign,weight\na,b,1,2\n", "weight must be a number in (0, 1]"),
        ("source,target,sign,year\na,b,1,1700\n", "year must be a whole year 1800-2100"),
        ("source,target,sign\n", "no edges"),
    ],
)
def test_bad_headers_and_values(tmp_path: Path, text: str, words: str) -> None:
    with pytest.raises(InputError, match=words.replace("(", r"\(").replace(")", r"\)")):
        world_from_edges(write(tmp_path, text))


def test_an_existing_world_file_is_kept_without_force(tmp_path: Path) -> None:
    out = tmp_path / "w.toml"
    out.write_text("mine")
    path = write(tmp_path, "source,target,sign\na,b,1\n")
    assert main(["world", "from-edges", str(path), "--out", str(out)]) == EXIT_BAD_INPUT
    assert out.read_text() == "mine"
    assert main(["world", "from-edges", str(path), "--out", str(out), "--force"]) == 0
    assert load_world(out).states.keys() == {"a", "b"}


names = st.sampled_from([f"s{i}" for i in range(12)])


@settings(max_examples=40, deadline=None)
@given(
    st.dictionaries(
        st.tuples(names, names).filter(lambda p: p[0] < p[1]),
        st.tuples(
            st.sampled_from([1, -1]),
            st.sampled_from(["", "0.3", "1"]),
            st.sampled_from(["", "1990", "2005"]),
        ),
        min_size=1,
        max_size=30,
    )
)
def test_the_world_holds_exactly_the_edges_given(
    tmp_path_factory: pytest.TempPathFactory, edges: dict
) -> None:
    lines = ["source,target,sign,weight,year"]
    lines += [f"{a},{b},{s},{w},{y}" for (a, b), (s, w, y) in edges.items()]
    path = tmp_path_factory.mktemp("edges") / "e.csv"
    path.write_text("\n".join(lines) + "\n")
    world = world_from_edges(path)
    latest = max((int(y) for _, _, y in edges.values() if y), default=2000)
    assert world.meta.year == latest
    model = AllianceModel(world, rng=0)  # every tie in force by the world's year
    assert signed_edges(model) == {(a, b, s) for (a, b), (s, _, _) in edges.items()}
