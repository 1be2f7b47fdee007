import csv
import itertools
import math
import time
from importlib.resources import files

import networkx as nx
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sim.model.balance import (
    balanced_triangle_share,
    frustration_index,
    frustration_partition,
    is_balanced,
    signed_graph,
    triangle_balance,
    triangle_census,
    walk_balance_index,
)

FAST = settings(max_examples=150, deadline=None)


def gahuku_gama() -> nx.Graph:
    text = files("sim").joinpath("data", "gahuku_gama.csv").read_text(encoding="utf-8")
    rows = csv.DictReader(text.splitlines())
    return signed_graph((row["source"], row["target"], int(row["sign"])) for row in rows)


@st.composite
def signed_graphs(draw, max_nodes: int = 9, unsigned_edges: bool = False) -> nx.Graph:
    """Random graph on 0..max_nodes nodes; each pair is absent, +1 or -1.

    With ``unsigned_edges`` a pair may also be an edge of sign 0 or without a sign, which
    every function must ignore.
    """
    n = draw(st.integers(0, max_nodes))
    choices = [None, 1, -1] + (["unsigned", 0] if unsigned_edges else [])
    G = nx.Graph()
    G.add_nodes_from(range(n))
    for u, v in itertools.combinations(range(n), 2):
        kind = draw(st.sampled_from(choices))
        if kind == "unsigned":
            G.add_edge(u, v)
        elif kind is not None:
            G.add_edge(u, v, sign=kind)
    return G


@st.composite
def balanced_graphs(draw, max_nodes: int = 9) -> nx.Graph:
    """Random graph whose signs come from a random two-camp split."""
    n = draw(st.integers(0, max_nodes))
    camp = draw(st.lists(st.integers(0, 1), min_size=n, max_size=n))
    G = nx.Graph()
    G.add_nodes_from(range(n))
    for u, v in itertools.combinations(range(n), 2):
        if draw(st.booleans()):
            G.add_edge(u, v, sign=1 if camp[u] == camp[v] else -1)
    return G


def signed_edges(G: nx.Graph) -> list[tuple[int, int, int]]:
    return [(u, v, s) for u, v, s in G.edges(data="sign", default=0) if s]


def brute_triangles(G: nx.Graph) -> tuple[int, int]:
    balanced = total = 0
    for a, b, c in itertools.combinations(G.nodes, 3):
        pairs = [(a, b), (b, c), (a, c)]
        if all(G.has_edge(x, y) and G.edges[x, y].get("sign", 0) != 0 for x, y in pairs):
            total += 1
            balanced += math.prod(G.edges[x, y]["sign"] for x, y in pairs) > 0
    return balanced, total


def cost(G: nx.Graph, camp: dict) -> int:
    return sum((camp[u] != camp[v]) != (s < 0) for u, v, s in signed_edges(G))


def brute_frustration(G: nx.Graph) -> int:
    nodes = list(G)
    return min(
        cost(G, dict(zip(nodes, bits, strict=True)))
        for bits in itertools.product([0, 1], repeat=len(nodes))
    )


def switched(G: nx.Graph, node) -> nx.Graph:
    """Harary switching: negate every signed edge at ``node``."""
    H = G.copy()
    for nbr in H[node]:
        if H.edges[node, nbr].get("sign"):
            H.edges[node, nbr]["sign"] *= -1
    return H


# Published figures for the Gahuku-Gama network (see /work/shared/data/README.md).


def test_gahuku_gama_size():
    G = gahuku_gama()
    signs = [s for _, _, s in G.edges(data="sign")]
    assert (len(G), len(signs), signs.count(1), signs.count(-1)) == (16, 58, 29, 29)


def test_gahuku_gama_triangle_share_signnet():
    assert balanced_triangle_share(gahuku_gama()) == pytest.approx(0.8676471, abs=5e-8)


def test_gahuku_gama_walk_index_signnet():
    assert walk_balance_index(gahuku_gama()) == pytest.approx(0.3575761, abs=5e-8)


def test_gahuku_gama_frustration_aref_wilson():
    G = gahuku_gama()
    assert frustration_index(G) == 7
    assert cost(G, frustration_partition(G)) == 7
    assert not is_balanced(G)


def test_gahuku_gama_frustration_is_fast():
    G = gahuku_gama()
    start = time.perf_counter()
    frustration_index(G)
    assert time.perf_counter() - start < 0.5


def test_exact_limit_component_is_fast():
    rng = np.random.default_rng(1)
    n = 20
    G = signed_graph(
        (u, v, int(rng.choice([-1, 1]))) for u, v in itertools.combinations(range(n), 2)
    )
    start = time.perf_counter()
    frustration_index(G, exact_limit=n)
    assert time.perf_counter() - start < 5


# Conventions.


def test_unsigned_and_zero_edges_are_ignored():
    # The signed ties form a tree; read as +1, either ignored tie would close a negative cycle.
    G = signed_graph([(0, 1, -1), (1, 2, 1), (0, 3, 1), (0, 2, 0)])
    G.add_edge(2, 3)
    assert triangle_balance(G) == (0, 0)
    assert math.isnan(balanced_triangle_share(G))
    assert frustration_index(G) == 0
    assert is_balanced(G)
    assert walk_balance_index(G) == pytest.approx(1, abs=1e-12)


@pytest.mark.parametrize("sign", [2, -3, 0.5, "+"])
def test_invalid_sign_raises(sign):
    with pytest.raises(ValueError):
        signed_graph([(0, 1, sign)])
    G = nx.Graph()
    G.add_edge(0, 1, sign=sign)
    with pytest.raises(ValueError):
        frustration_index(G)


@pytest.mark.parametrize("graph_type", [nx.DiGraph, nx.MultiGraph])
@pytest.mark.parametrize(
    "function",
    [triangle_balance, balanced_triangle_share, frustration_index, walk_balance_index, is_balanced],
)
def test_directed_and_multigraphs_rejected(graph_type, function):
    with pytest.raises(nx.NetworkXNotImplemented):
        function(graph_type([(0, 1, {"sign": 1})]))


def test_negative_self_loop_is_always_frustrated():
    G = signed_graph([(0, 0, -1), (0, 1, 1)])
    assert frustration_index(G) == 1
    assert frustration_index(G, exact_limit=0) == 1
    assert not is_balanced(G)


# Properties.


@FAST
@given(signed_graphs(unsigned_edges=True))
def test_triangle_balance_matches_brute_force(G):
    assert triangle_balance(G) == brute_triangles(G)


@FAST
@given(signed_graphs(unsigned_edges=True))
def test_triangle_census_matches_brute_force(G):
    expected = dict.fromkeys(("+++", "++-", "+--", "---"), 0)
    for a, b, c in itertools.combinations(G.nodes, 3):
        signs = [
            G.edges[x, y].get("sign", 0) if G.has_edge(x, y) else 0
            for x, y in ((a, b), (b, c), (a, c))
        ]
        if 0 not in signs:
            expected["+" * signs.count(1) + "-" * signs.count(-1)] += 1
    assert triangle_census(G) == expected


def test_gahuku_gama_triangle_census_adds_up_to_the_published_share():
    census = triangle_census(gahuku_gama())
    balanced = census["+++"] + census["+--"]
    assert balanced / sum(census.values()) == pytest.approx(0.8676471, abs=5e-8)


@FAST
@given(signed_graphs(max_nodes=8, unsigned_edges=True))
def test_frustration_matches_brute_force(G):
    expected = brute_frustration(G)
    assert frustration_index(G) == expected
    assert cost(G, frustration_partition(G)) == expected
    assert set(frustration_partition(G)) == set(G)


@FAST
@given(balanced_graphs())
def test_planted_split_is_balanced(G):
    assert frustration_index(G) == 0
    assert frustration_index(G, exact_limit=0) == 0
    assert is_balanced(G)
    share = balanced_triangle_share(G)
    assert share == 1 or (math.isnan(share) and triangle_balance(G)[1] == 0)
    assert walk_balance_index(G) == pytest.approx(1, abs=1e-9)


@FAST
@given(balanced_graphs(), st.data())
def test_one_flip_in_balanced_graph(G, data):
    # Flipping a tie that lies on a cycle makes that cycle negative, and the planted split
    # then has one frustrated tie; flipping a bridge changes no cycle.
    if G.number_of_edges() == 0:
        return
    u, v = data.draw(st.sampled_from(sorted(G.edges)))
    G.edges[u, v]["sign"] *= -1
    bridges = {frozenset(edge) for edge in nx.bridges(G)}
    expected = 0 if frozenset((u, v)) in bridges else 1
    assert frustration_index(G) == expected
    assert is_balanced(G) == (expected == 0)


@FAST
@given(signed_graphs())
def test_is_balanced_iff_zero_frustration(G):
    assert is_balanced(G) == (frustration_index(G) == 0)


@FAST
@given(signed_graphs())
def test_frustration_bounds(G):
    # All nodes in one camp frustrates exactly the negative ties; a uniformly random split
    # frustrates each tie with probability 1/2, so some split frustrates at most m/2
    # (and so does any local minimum of single-node flips).
    edges = signed_edges(G)
    negatives = sum(s < 0 for _, _, s in edges)
    for limit in (20, 0):
        value = frustration_index(G, exact_limit=limit)
        assert 0 <= value <= negatives
        assert 2 * value <= len(edges)


@FAST
@given(signed_graphs())
def test_heuristic_is_upper_bound(G):
    assert frustration_index(G, exact_limit=0) >= frustration_index(G)


@FAST
@given(signed_graphs(), st.sampled_from([0, 20]))
def test_partition_is_a_single_flip_local_minimum(G, limit):
    camp = frustration_partition(G, exact_limit=limit)
    value = cost(G, camp)
    assert value == frustration_index(G, exact_limit=limit)
    for node in G:
        assert cost(G, camp | {node: 1 - camp[node]}) >= value


@FAST
@given(signed_graphs(), st.data())
def test_switching_invariance(G, data):
    if len(G) == 0:
        return
    H = switched(G, data.draw(st.sampled_from(list(G))))
    assert frustration_index(H) == frustration_index(G)
    assert triangle_balance(H) == triangle_balance(G)
    assert walk_balance_index(H) == pytest.approx(walk_balance_index(G), abs=1e-9)


@FAST
@given(signed_graphs())
def test_walk_index_range(G):
    value = walk_balance_index(G)
    assert 0 < value <= 1 + 1e-12


@FAST
@given(signed_graphs(), st.randoms(use_true_random=False))
def test_walk_index_relabel_invariant(G, random):
    labels = [f"n{i}" for i in range(len(G))]
    random.shuffle(labels)
    H = nx.relabel_nodes(G, dict(zip(G, labels, strict=True)))
    assert walk_balance_index(H) == pytest.approx(walk_balance_index(G), abs=1e-9)
