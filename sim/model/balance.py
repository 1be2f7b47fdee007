"""Structural balance metrics of signed undirected networks.

A signed network is a :class:`networkx.Graph` whose edges carry an integer attribute
``sign`` in {+1, -1} (alliance / enmity). Edges without that attribute, or with sign 0,
are ignored by every function here; any other value raises :class:`ValueError`.

References:
    Cartwright, D. & Harary, F. (1956). Structural balance: a generalization of Heider's
    theory. *Psychological Review* 63(5), 277-293.
    Harary, F. (1959). On the measurement of structural balance. *Behavioral Science* 4(4),
    316-323.
    Aref, S. & Wilson, M. C. (2018). Measuring partial balance in signed networks.
    *Journal of Complex Networks* 6(4), 566-595.
    Estrada, E. & Benzi, M. (2014). Walk-based measure of balance in signed networks:
    detecting lack of balance in social networks. *Physical Review E* 90, 042802.
    Estrada, E. (2019). Rethinking structural balance in signed social networks.
    *Discrete Applied Mathematics* 268, 70-90.
"""

import math
from collections.abc import Hashable, Iterable
from typing import Any

import networkx as nx
import numpy as np

SIGN = "sign"
"""Name of the edge attribute holding the sign of a tie."""

# The heuristic is deterministic: a fixed seed and a fixed number of random restarts.
_SEED = 0
_RANDOM_STARTS = 8

Camps = dict[Hashable, int]


def _checked_sign(sign: Any) -> int:
    """Return ``sign`` as an int after checking it is -1, 0 or +1."""
    if sign not in (-1, 0, 1):
        raise ValueError(f"edge sign must be -1, 0 or +1, got {sign!r}")
    return int(sign)


def _signed_part(G: nx.Graph, *, self_loops: bool) -> nx.Graph:
    """Return a graph on the nodes of ``G`` keeping only its edges of sign +1 or -1."""
    H = nx.Graph()
    H.add_nodes_from(G)
    for u, v, data in G.edges(data=True):
        sign = _checked_sign(data.get(SIGN, 0))
        if sign and (self_loops or u != v):
            H.add_edge(u, v, **{SIGN: sign})
    return H


def signed_graph(edges: Iterable[tuple[Hashable, Hashable, int]]) -> nx.Graph:
    """Build a signed graph from ``(u, v, sign)`` triples.

    Args:
        edges: Triples of two node labels and a sign in {-1, 0, +1}. A repeated pair keeps
            the last sign given, as :meth:`networkx.Graph.add_edge` does.

    Returns:
        An undirected :class:`networkx.Graph` with the sign stored in the ``sign`` edge
        attribute.

    Raises:
        ValueError: If a sign is not -1, 0 or +1.
    """
    G = nx.Graph()
    for u, v, sign in edges:
        G.add_edge(u, v, **{SIGN: _checked_sign(sign)})
    return G


#: Sign patterns of a triangle, by its number of negative edges (0 to 3).
TRIANGLE_PATTERNS = ("+++", "++-", "+--", "---")


@nx.utils.not_implemented_for("directed")
@nx.utils.not_implemented_for("multigraph")
def triangle_census(G: nx.Graph) -> dict[str, int]:
    """Count the signed triangles of a graph by sign pattern.

    Heider's (1946) balance theory and Cartwright & Harary (1956): ``+++`` (three friends)
    and ``+--`` (two friends with a common enemy) are balanced, ``++-`` and ``---`` are not;
    Antal, Krapivsky & Redner (2005) follow the four counts under triad dynamics. Only
    triangles whose three edges are all signed count; self-loops are ignored.

    Args:
        G: Undirected signed graph.

    Returns:
        The number of triangles of each pattern of :data:`TRIANGLE_PATTERNS`, keyed by it.
    """
    H = _signed_part(G, self_loops=False)
    rank = {node: i for i, node in enumerate(H)}
    counts = [0, 0, 0, 0]
    # Enumerate each triangle once, as u < v < w in insertion order.
    for u in H:
        later = {v for v in H[u] if rank[v] > rank[u]}
        for v in later:
            for w in later.intersection(H[v]):
                if rank[w] > rank[v]:
                    signs = (H[u][v][SIGN], H[v][w][SIGN], H[u][w][SIGN])
                    counts[sum(s < 0 for s in signs)] += 1
    return dict(zip(TRIANGLE_PATTERNS, counts, strict=True))


def triangle_balance(G: nx.Graph) -> tuple[int, int]:
    """Count the balanced triangles of a signed graph.

    A triangle is balanced when the product of its three edge signs is positive
    (Cartwright & Harary 1956): patterns ``+++`` and ``+--`` of :func:`triangle_census`.

    Args:
        G: Undirected signed graph.

    Returns:
        ``(balanced, total)``: the number of balanced triangles and of all signed triangles.
    """
    census = triangle_census(G)
    return census["+++"] + census["+--"], sum(census.values())


def balanced_triangle_share(G: nx.Graph) -> float:
    """Return the share of signed triangles that are balanced.

    This is the triangle index of balance of Cartwright & Harary (1956); it is the
    ``balance_score(g, "triangles")`` of the R package signnet.

    Args:
        G: Undirected signed graph.

    Returns:
        Balanced triangles divided by all signed triangles, in [0, 1]; ``math.nan`` when
        the graph has no signed triangle.
    """
    balanced, total = triangle_balance(G)
    return balanced / total if total else math.nan


def _tree_camps(H: nx.Graph) -> Camps:
    """Assign camps so that every edge of a BFS spanning forest of ``H`` is satisfied.

    On a balanced graph this assignment satisfies every edge: all cycles are positive, so
    the sign of any non-tree edge agrees with the tree path between its ends.
    """
    camp: Camps = {}
    for root in H:
        if root in camp:
            continue
        camp[root] = 0
        for a, b in nx.bfs_edges(H, root):
            camp[b] = camp[a] ^ int(H[a][b][SIGN] < 0)
    return camp


def _exact_camps(n: int, u: np.ndarray, v: np.ndarray, neg: np.ndarray) -> np.ndarray:
    """Return a least-frustrated camp vector of a connected component by full enumeration.

    Node 0 stays in camp 0: swapping the two camps never changes the count, so the
    2^(n-1) remaining assignments cover every split. Each is the binary expansion of an
    integer, and the loop runs over edges while numpy runs over all assignments at once.
    """
    codes = np.arange(1 << (n - 1), dtype=np.int64)
    bits = np.zeros((n, codes.size), dtype=np.uint8)
    bits[1:] = (codes[None, :] >> np.arange(n - 1)[:, None]) & 1
    frustrated = np.zeros(codes.size, dtype=np.int32)
    for a, b, s in zip(u, v, neg.astype(np.uint8), strict=True):
        # An edge is frustrated when "different camps" disagrees with "negative".
        frustrated += bits[a] ^ bits[b] ^ s
    return bits[:, int(np.argmin(frustrated))].astype(np.int64)


def _descend(camp: np.ndarray, indptr: np.ndarray, nbr: np.ndarray, sign: np.ndarray) -> None:
    """Flip single nodes in place, always the most improving one, until none improves.

    With spins x = 1 - 2 * camp, ``gain[i]`` is (satisfied - frustrated) edges at node i,
    so flipping i changes the frustration by ``gain[i]``; the descent stops at a local
    minimum where every gain is >= 0. Each flip lowers the count by at least one, so it
    ends after at most m flips.
    """
    x = 1 - 2 * camp
    src = np.repeat(np.arange(camp.size), np.diff(indptr))
    field = np.bincount(src, weights=sign * x[nbr], minlength=camp.size).astype(np.int64)
    gain = x * field
    while True:
        i = int(np.argmin(gain))
        if gain[i] >= 0:
            break
        lo, hi = indptr[i], indptr[i + 1]
        near = nbr[lo:hi]
        field[near] -= 2 * sign[lo:hi] * x[i]
        x[i] = -x[i]
        gain[near] = x[near] * field[near]
        gain[i] = -gain[i]
    camp[:] = (1 - x) // 2


def _heuristic_camps(
    n: int,
    u: np.ndarray,
    v: np.ndarray,
    neg: np.ndarray,
    starts: list[np.ndarray],
) -> np.ndarray:
    """Return the best local minimum reached by :func:`_descend` from each start."""
    # Self-loops cannot be changed by any flip, so the descent works without them.
    keep = u != v
    src = np.concatenate([u[keep], v[keep]])
    dst = np.concatenate([v[keep], u[keep]])
    sign = np.concatenate([1 - 2 * neg[keep], 1 - 2 * neg[keep]]).astype(np.int64)
    order = np.argsort(src, kind="stable")
    nbr, sign = dst[order], sign[order]
    indptr = np.concatenate([[0], np.cumsum(np.bincount(src, minlength=n))])
    best, best_cost = starts[0], math.inf
    for start in starts:
        camp = start.copy()
        _descend(camp, indptr, nbr, sign)
        cost = int(np.sum(camp[u] ^ camp[v] ^ neg))
        if cost < best_cost:
            best, best_cost = camp, cost
    return best


def _least_frustrated_camps(G: nx.Graph, exact_limit: int) -> tuple[int, Camps]:
    """Solve each connected component; return the total count and the camps found."""
    H = _signed_part(G, self_loops=True)
    tree = _tree_camps(H)
    rng = np.random.default_rng(_SEED)
    camps: Camps = {}
    total = 0
    # Components and their nodes in the graph's own node order, not in the order of the sets
    # networkx returns (which follows string hashes, so changes with PYTHONHASHSEED): the
    # heuristic's starts and tie-breaks then depend only on the graph.
    position = {node: i for i, node in enumerate(H)}
    components = [sorted(c, key=position.__getitem__) for c in nx.connected_components(H)]
    for nodes in sorted(components, key=lambda c: position[c[0]]):
        index = {node: i for i, node in enumerate(nodes)}
        n = len(nodes)
        triples = [(index[a], index[b], int(s < 0)) for a, b, s in H.edges(nodes, data=SIGN)]
        u, v, neg = np.array(triples, dtype=np.int64).reshape(-1, 3).T
        if not triples:
            camp = np.zeros(n, dtype=np.int64)
        elif n <= exact_limit:
            camp = _exact_camps(n, u, v, neg)
        else:
            # The spanning-tree start makes the heuristic exact on balanced components, and
            # the all-one-camp start keeps its result at or below the number of negatives.
            starts = [
                np.array([tree[node] for node in nodes], dtype=np.int64),
                np.zeros(n, dtype=np.int64),
                *(rng.integers(0, 2, n) for _ in range(_RANDOM_STARTS)),
            ]
            camp = _heuristic_camps(n, u, v, neg, starts)
        if triples:
            total += int(np.sum(camp[u] ^ camp[v] ^ neg))
        camps.update(zip(nodes, camp.tolist(), strict=True))
    return total, camps


@nx.utils.not_implemented_for("directed")
@nx.utils.not_implemented_for("multigraph")
def frustration_index(G: nx.Graph, exact_limit: int = 20) -> int:
    """Return the frustration index (line index of balance) of a signed graph.

    The frustration index is the fewest edges whose sign disagrees with some split of the
    nodes into two camps, an edge agreeing when it is positive inside a camp or negative
    across the camps (Harary 1959; Aref & Wilson 2018). Equivalently, the fewest edges
    whose deletion (or sign change) leaves a balanced graph. It is the sum over connected
    components.

    A component with at most ``exact_limit`` nodes is solved exactly by enumerating all
    2^(n-1) of its splits with numpy (about 0.5 M splits at the default limit of 20).
    A larger component gets a deterministic heuristic instead: steepest single-node-flip
    descent from a spanning-tree start, an all-one-camp start and a few seeded random
    starts, keeping the best local minimum. The result is then an **upper bound** on the
    frustration index, although it is still 0 exactly when the component is balanced
    and never above its number of negative edges nor half its edges (excluding
    self-loops). A negative self-loop is always frustrated.

    Args:
        G: Undirected signed graph.
        exact_limit: Largest component, in nodes, solved exactly. Use 0 to force the
            heuristic everywhere.

    Returns:
        The number of frustrated edges under the best split found.
    """
    return _least_frustrated_camps(G, exact_limit)[0]


@nx.utils.not_implemented_for("directed")
@nx.utils.not_implemented_for("multigraph")
def frustration_partition(G: nx.Graph, exact_limit: int = 20) -> Camps:
    """Return a two-camp split attaining :func:`frustration_index`.

    Camps are labelled per connected component, so "camp 0" of two components need not
    be related. The split is optimal for components of at most ``exact_limit`` nodes and
    the heuristic's best otherwise (see :func:`frustration_index`).

    Args:
        G: Undirected signed graph.
        exact_limit: Largest component, in nodes, solved exactly.

    Returns:
        A dict mapping every node of ``G`` to camp 0 or 1.
    """
    return _least_frustrated_camps(G, exact_limit)[1]


@nx.utils.not_implemented_for("directed")
@nx.utils.not_implemented_for("multigraph")
def walk_balance_index(G: nx.Graph) -> float:
    """Return the walk-based balance index of Estrada & Benzi (2014) and Estrada (2019).

    The index is tr exp(A) / tr exp(|A|) = sum(exp(eig(A))) / sum(exp(eig(|A|))), where
    A is the symmetric signed adjacency matrix over all nodes of ``G`` and |A| its
    unsigned counterpart: the share of closed walks, weighted by 1/k! for length k, that
    are positive. It is the ``balance_score(g, "walk")`` of the R package signnet.

    Args:
        G: Undirected signed graph.

    Returns:
        A value in (0, 1], equal to 1 (up to rounding) exactly when ``G`` is balanced;
        1.0 for the graph without nodes.
    """
    if len(G) == 0:
        return 1.0
    signed = nx.to_numpy_array(_signed_part(G, self_loops=True), nodelist=list(G), weight=SIGN)
    lam_signed = np.linalg.eigvalsh(signed)
    lam_unsigned = np.linalg.eigvalsh(np.abs(signed))
    # The spectral radius of |A| bounds every eigenvalue of A (Wielandt), so shifting by it
    # keeps all exponents <= 0 and the ratio free of overflow on large dense graphs.
    shift = lam_unsigned.max()
    return float(np.exp(lam_signed - shift).sum() / np.exp(lam_unsigned - shift).sum())


@nx.utils.not_implemented_for("directed")
@nx.utils.not_implemented_for("multigraph")
def is_balanced(G: nx.Graph) -> bool:
    """Return whether a signed graph is balanced.

    By the structure theorem (Cartwright & Harary 1956) a signed graph is balanced, i.e.
    every cycle has a positive sign product, exactly when its nodes split into two camps
    with all positive edges inside and all negative edges across: when its frustration
    index is 0. That split is checked in linear time from a BFS spanning forest, so the
    answer is exact for graphs of any size.

    Args:
        G: Undirected signed graph.

    Returns:
        True when the frustration index is 0.
    """
    H = _signed_part(G, self_loops=True)
    camp = _tree_camps(H)
    return all((camp[a] != camp[b]) == (s < 0) for a, b, s in H.edges(data=SIGN))
