"""The evidence behind the built-in world: citations found in their documents, sane assumptions.

Citations are checked against the source documents in ``<repo>/../shared/seeds/``; where that
folder is absent (outside this repository's CI) only the citation test is skipped.
"""

from __future__ import annotations

import re
from functools import cache
from pathlib import Path

import pytest

from sim.loading.worlds import load_world
from sim.presentation.evidence import evidence_markdown
from sim.schema.world import MODEL_PARAMETERS, Figure, World, iter_figures

REPO = Path(__file__).resolve().parents[1]
SEEDS = Path(__file__).resolve().parents[2] / "shared" / "seeds"
WORLD = load_world()

ASCII = str.maketrans(
    {
        "\u2018": "'",
        "\u2019": "'",
        "\u201a": "'",
        "\u201b": "'",
        "\u2032": "'",
        "\u00b4": "'",
        "\u201c": '"',
        "\u201d": '"',
        "\u201e": '"',
        "\u201f": '"',
        "\u2033": '"',
        "\u2010": "-",
        "\u2011": "-",
        "\u2012": "-",
        "\u2013": "-",
        "\u2014": "-",
        "\u2015": "-",
        "\u2212": "-",
        "\u00a0": " ",
        "\u202f": " ",
        "\u2009": " ",
    }
)


def normalise(text: str) -> str:
    """Lower case, curly quotes and dashes as ASCII, runs of whitespace as one space."""
    return re.sub(r"\s+", " ", text.translate(ASCII)).strip().lower()


def citations(world: World) -> list[tuple[str, str, str]]:
    """(where, document key, figure) for every documented figure and tie evidence entry."""
    found = [(path, fig.doc, fig.figure or "") for path, fig in iter_figures(world) if fig.doc]
    for tie in world.ties:
        found += [
            (f"ties.{tie.id}.evidence[{j}]", ev.doc, ev.figure) for j, ev in enumerate(tie.evidence)
        ]
    return found


CITATIONS = citations(WORLD)


@cache
def document_text(file: str) -> str:
    return normalise((SEEDS / file).read_text(encoding="utf-8", errors="replace"))


def test_normalise() -> None:
    assert normalise("The \u201cTurkic\u201d  world\u2019s\n\t1994\u20132020 \u2014 ok") == (
        'the "turkic" world\'s 1994-2020 - ok'
    )


def test_world_cites_documents() -> None:
    assert len(CITATIONS) >= 20
    assert all(figure.strip() for _, _, figure in CITATIONS), "empty figure string"


@pytest.mark.parametrize("where,doc,figure", CITATIONS, ids=[c[0] for c in CITATIONS])
def test_cited_document_key_exists(where: str, doc: str, figure: str) -> None:
    assert doc in WORLD.documents, f"{where}: unknown document {doc!r}"


def test_every_listed_document_is_cited() -> None:
    assert {doc for _, doc, _ in CITATIONS} == set(WORLD.documents)


@pytest.mark.parametrize("where,doc,figure", CITATIONS, ids=[c[0] for c in CITATIONS])
def test_figure_appears_in_its_document(where: str, doc: str, figure: str) -> None:
    if not SEEDS.is_dir():
        pytest.skip(
            f"source documents not found at {SEEDS}: the citation check needs the "
            "shared seed folder beside this repository"
        )
    file = WORLD.documents[doc].file
    assert (SEEDS / file).is_file(), f"{where}: {doc} names {file}, missing from {SEEDS}"
    assert normalise(figure) in document_text(file), (
        f"{where}: figure {figure!r} not found in {doc} ({file})"
    )


FIGURES = iter_figures(WORLD)


@pytest.mark.parametrize("where,figure", FIGURES, ids=[path for path, _ in FIGURES])
def test_assumption_has_a_range_holding_its_value(where: str, figure: Figure) -> None:
    if figure.assumption is not None:
        assert figure.range is not None, f"{where}: an assumption needs a range"
    if figure.range is not None:
        low, high = figure.range
        assert low <= figure.value <= high, f"{where}: {figure.value} outside [{low}, {high}]"


def test_docs_evidence_is_current() -> None:
    docs = REPO / "docs" / "evidence.md"
    assert docs.is_file(), "run: alliance-sim evidence > docs/evidence.md"
    assert docs.read_text(encoding="utf-8") == evidence_markdown(WORLD), (
        "docs/evidence.md is stale; run: alliance-sim evidence > docs/evidence.md"
    )


def test_the_declared_model_parameters_are_exactly_those_the_rules_read() -> None:
    # Every parameter a world must give is read somewhere, and nothing is read that a world
    # need not give (it would fail with a KeyError mid-run instead of a one-line input error).
    source = "\n".join(path.read_text() for path in (REPO / "sim").rglob("*.py"))
    read = set(re.findall(r"""\bparam\(\s*["']([a-z_]+)["']\s*\)""", source))
    assert read == set(MODEL_PARAMETERS)
    assert set(WORLD.model) == set(MODEL_PARAMETERS)
