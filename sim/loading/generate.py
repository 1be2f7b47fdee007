"""Random worlds of any size: seeded, deterministic, valid against the world schema.

A generated world places ``n_states`` states at random points of the unit square, draws land
borders between near neighbours (a planar-ish graph), sorts the states into a few blocs and lays
typed ties over that geometry: alliances of every ATOP obligation type inside blocs, rivalries
across them, arms from the strongest states to their bloc partners, energy, transit and trade
between neighbours, and mediation roles of large states between rival pairs. Each rival pair
along a border may get a disputed theatre. The [model] parameters are those of the built-in
world, so a generated world differs only in its states and ties.

Every figure is an assumption that names the generator and its seed, as the world schema asks
of any number without a source document.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from sim.loading.toml_text import toml_document
from sim.loading.worlds import load_world
from sim.schema.scenario import Event, Mobilise, Offensive
from sim.schema.world import World

#: ATOP obligation types (Leeds et al. 2002) and how often the generator draws each.
OBLIGATIONS: dict[str, float] = {
    "defence": 0.4,
    "consultation": 0.25,
    "non_aggression": 0.15,
    "neutrality": 0.1,
    "offence": 0.1,
}


def _figure(value: float, seed: int, what: str, spread: float = 0.5) -> dict[str, Any]:
    """A figure table whose evidence says it was drawn by the generator."""
    low, high = value * (1 - spread), value * (1 + spread)
    return {
        "value": round(float(value), 4),
        "assumption": f"{what}: drawn by sim.loading.generate (seed {seed}); no source document.",
        "range": [round(float(low), 4), round(float(high), 4)],
    }


def _unit(value: float, seed: int, what: str) -> dict[str, Any]:
    """A figure in [0, 1] with a range kept inside [0, 1]."""
    fig = _figure(value, seed, what)
    fig["range"] = [max(0.0, fig["range"][0]), min(1.0, fig["range"][1])]
    return fig


def border_pairs(points: np.ndarray, k: int) -> list[tuple[int, int]]:
    """Join each point to its ``k`` nearest neighbours; return the pairs ``(i, j)``, ``i < j``.

    A k-nearest-neighbour graph of random points is sparse (at most ``k n`` edges) and
    mostly planar, like a map of land borders.
    """
    n = len(points)
    if n < 2:
        return []
    diff = points[:, None, :] - points[None, :, :]
    dist = np.einsum("ijk,ijk->ij", diff, diff)
    np.fill_diagonal(dist, np.inf)
    nearest = np.argsort(dist, axis=1, kind="stable")[:, : min(k, n - 1)]
    return sorted({(min(i, int(j)), max(i, int(j))) for i in range(n) for j in nearest[i]})


def generate_world(
    n_states: int,
    seed: int,
    *,
    blocs: int | None = None,
    neighbours: int = 3,
    year: int = 2020,
    theatre_share: float = 0.5,
    cross_alliances: float = 0.15,
) -> World:
    """Generate a random, valid world of ``n_states`` states.

    The steps below draw from one random generator in a fixed order, so the same arguments
    always give the same world, byte for byte once written by :func:`world_to_toml`.

    Args:
        n_states: number of states, at least 2.
        seed: seed of the generator; the same arguments always give the same world.
        blocs: number of blocs (camps) the states are sorted into; default about sqrt(n)/2 + 1,
            at least 2.
        neighbours: each state borders its ``neighbours`` nearest states.
        year: the year of the world (every tie is in force from it).
        theatre_share: share of bordering rival pairs that dispute a theatre.
        cross_alliances: chance that two bordering states of different blocs are allied
            instead of (possibly) rivals.

    Returns:
        A :class:`sim.schema.world.World` validated by its own schema.

    Raises:
        ValueError: if ``n_states`` < 2.
    """
    if n_states < 2:
        raise ValueError(f"n_states must be at least 2, got {n_states}")
    rng = np.random.default_rng(seed)
    n_blocs = blocs if blocs is not None else max(2, round(math.sqrt(n_states) / 2) + 1)
    names = [f"S{i:03d}" for i in range(n_states)]
    points, bloc, capability = _place_states(rng, n_states, n_blocs)
    borders = border_pairs(points, neighbours)
    states = _state_tables(rng, seed, names, capability)
    ties = _Ties(rng, seed, names)
    rivals = _border_ties(ties, borders, bloc, cross_alliances)
    members = {b: np.flatnonzero(bloc == b) for b in range(n_blocs)}
    _distant_pledges(ties, members)
    _arms_ties(ties, members, capability)
    _mediation_ties(ties, rivals, capability)
    theatres = _disputed_theatres(rng, seed, names, rivals, theatre_share)
    theatres.update(_home_theatres(seed, names))
    documents, model = _builtin_model()
    return World.model_validate(
        {
            "meta": {"name": f"generated world (n={n_states}, seed={seed})", "year": year},
            "documents": documents,
            "states": states,
            "theatres": theatres,
            "ties": ties.rows,
            "model": model,
        }
    )


def _place_states(
    rng: np.random.Generator, n_states: int, n_blocs: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Draw the states' points in the unit square, their blocs and their capabilities.

    Returns:
        ``(points, bloc, capability)``: an ``(n, 2)`` array of points, each state's bloc
        number, and each state's capability index (rounded to 3 places).
    """
    points = rng.random((n_states, 2))
    # Blocs are spatial: the nearest of a few random centres, so allies tend to be neighbours.
    centres = rng.random((n_blocs, 2))
    bloc = np.argmin(((points[:, None, :] - centres[None, :, :]) ** 2).sum(axis=2), axis=1)
    capability = np.round(rng.lognormal(0.0, 0.8, n_states), 3)
    return points, bloc, capability


def _state_tables(
    rng: np.random.Generator, seed: int, names: list[str], capability: np.ndarray
) -> dict[str, dict[str, Any]]:
    """Draw each state's levers (commitment, risk appetite, economic weight), state by state."""
    return {
        name: {
            "capability": _figure(max(0.05, capability[i]), seed, "capability index"),
            "commitment": _unit(rng.uniform(0.5, 0.9), seed, "commitment"),
            "risk_appetite": _unit(rng.uniform(0.3, 0.7), seed, "risk appetite"),
            "economic_weight": _figure(rng.uniform(0.5, 1.5), seed, "economic weight"),
        }
        for i, name in enumerate(names)
    }


@dataclass
class _Ties:
    """The ties drawn so far, with the generator that draws them and the states' names."""

    rng: np.random.Generator
    seed: int
    names: list[str]
    rows: list[dict[str, Any]] = field(default_factory=list)

    def add(self, kind: str, i: int, j: int, **fields: Any) -> None:
        """Add a tie of ``kind`` from state ``i`` to state ``j``, numbered in order."""
        source, target = self.names[i], self.names[j]
        row = {"id": f"{kind}_{len(self.rows)}", "kind": kind, "source": source, "target": target}
        self.rows.append(row | fields)

    def alliance(self, i: int, j: int) -> None:
        """Add an alliance of a random ATOP obligation type between states ``i`` and ``j``."""
        rng, seed = self.rng, self.seed
        kinds = list(OBLIGATIONS)
        weights = np.array(list(OBLIGATIONS.values()))
        obligation = kinds[int(rng.choice(len(kinds), p=weights / weights.sum()))]
        self.add(
            "alliance",
            i,
            j,
            mutual=bool(rng.random() < 0.7),
            obligation=obligation,
            scope="any" if rng.random() < 0.3 else "own_territory",
            strength=_unit(rng.uniform(0.3, 0.9), seed, "pledge strength"),
            consultation_delay=_figure(
                float(rng.integers(0, 4)) if obligation == "consultation" else 0.0,
                seed,
                "consultation delay in weeks",
            ),
        )


def _border_ties(
    ties: _Ties, borders: list[tuple[int, int]], bloc: np.ndarray, cross_alliances: float
) -> list[tuple[int, int]]:
    """Lay ties along each border: the border, a pledge or a rivalry, and economic links.

    Returns:
        The bordering pairs ``(i, j)`` that became rivals, in border order.
    """
    rivals: list[tuple[int, int]] = []
    for i, j in borders:
        ties.add("border", i, j, mutual=True, open=bool(ties.rng.random() < 0.8))
        if _pledge_or_rivalry(ties, i, j, bool(bloc[i] == bloc[j]), cross_alliances):
            rivals.append((i, j))
        _economic_ties(ties, i, j)
    return rivals


def _pledge_or_rivalry(
    ties: _Ties, i: int, j: int, same_bloc: bool, cross_alliances: float
) -> bool:
    """Maybe ally or make rivals of two bordering states; return whether they became rivals."""
    rng = ties.rng
    if same_bloc:
        if rng.random() < 0.6:
            ties.alliance(i, j)
    elif rng.random() < cross_alliances:
        # Pledges across blocs (a Turkey-Russia kind of tie) create conflicts of loyalty.
        ties.alliance(i, j)
    elif rng.random() < 0.5:
        intensity = rng.uniform(0.3, 0.9)
        ties.add(
            "rivalry",
            i,
            j,
            mutual=True,
            issue="border",
            intensity=_unit(intensity, ties.seed, "rivalry"),
        )
        return True
    return False


def _economic_ties(ties: _Ties, i: int, j: int) -> None:
    """Maybe add trade, energy and transit ties between two bordering states."""
    rng, seed = ties.rng, ties.seed
    if rng.random() < 0.5:
        turnover = rng.lognormal(0.0, 1.0)
        ties.add("trade", i, j, mutual=True, turnover_usd_bn=_figure(turnover, seed, "trade $bn"))
    if rng.random() < 0.25:
        i2, j2 = (i, j) if rng.random() < 0.5 else (j, i)
        ties.add(
            "energy",
            i2,
            j2,
            commodity="gas",
            share=_unit(rng.uniform(0.1, 0.6), seed, "energy share"),
        )
    if rng.random() < 0.1:
        ties.add("transit", i, j, share=_unit(rng.uniform(0.1, 0.5), seed, "transit share"))


def _distant_pledges(ties: _Ties, members: dict[int, np.ndarray]) -> None:
    """Distant pledges inside a bloc: the great-power guarantee without a border."""
    for group in members.values():
        if len(group) > 2:
            i, j = (int(x) for x in ties.rng.choice(group, 2, replace=False))
            ties.alliance(i, j)


def _arms_ties(ties: _Ties, members: dict[int, np.ndarray], capability: np.ndarray) -> None:
    """Arms: the strongest quarter of each bloc supplies two partners of its bloc."""
    rng = ties.rng
    for group in members.values():
        ranked = sorted(group, key=lambda x: -capability[x])
        for supplier in ranked[: max(1, len(group) // 4)]:
            partners = [int(x) for x in group if x != supplier]
            for target in rng.permutation(partners)[:2] if partners else []:
                volume = rng.lognormal(4.5, 1.0)
                ties.add(
                    "arms",
                    int(supplier),
                    int(target),
                    precision=bool(rng.random() < 0.3),
                    volume_usd_m=_figure(volume, ties.seed, "arms $m a year"),
                )


def _mediation_ties(ties: _Ties, rivals: list[tuple[int, int]], capability: np.ndarray) -> None:
    """Mediation: a strong state outside a rival pair's blocs (else any strong third state)."""
    rng, names = ties.rng, ties.names
    n_strong = max(3, len(names) // 10)
    strong = [int(x) for x in np.argsort(-capability, kind="stable")[:n_strong]]
    for i, j in rivals:
        if rng.random() < 0.5:
            third = [s for s in strong if s not in (i, j)]
            if third:
                m = third[int(rng.integers(len(third)))]
                ties.add(
                    "mediation",
                    m,
                    i,
                    parties=[names[i], names[j]],
                    peacekeeping=bool(rng.random() < 0.3),
                    strength=_unit(rng.uniform(0.3, 0.8), ties.seed, "mediation strength"),
                )


def _disputed_theatres(
    rng: np.random.Generator,
    seed: int,
    names: list[str],
    rivals: list[tuple[int, int]],
    theatre_share: float,
) -> dict[str, Any]:
    """Give some rival pairs (at least one, if any) a theatre one owns and the other claims."""
    theatres: dict[str, Any] = {}
    for i, j in rivals:
        if rng.random() < theatre_share or not theatres:
            owner, claimant = (i, j) if rng.random() < 0.5 else (j, i)
            control = float(rng.choice([1.0, rng.uniform(0.0, 1.0)]))
            theatres[f"T{len(theatres):03d}"] = {
                "owner": names[owner],
                "held_by": names[owner] if control >= 0.5 else names[claimant],
                "claimants": [names[claimant]],
                "owner_control": _unit(control, seed, "owner control"),
                "share_of_owner_territory": _unit(rng.uniform(0.05, 0.3), seed, "share"),
                "stake": _unit(rng.uniform(0.3, 1.0), seed, "stake"),
            }
    return theatres


def _home_theatres(seed: int, names: list[str]) -> dict[str, Any]:
    """A home theatre per state, wholly its own, so every state can be attacked at home."""
    return {
        f"home_{name}": {
            "owner": name,
            "held_by": name,
            "owner_control": _unit(1.0, seed, "owner control"),
            "share_of_owner_territory": _unit(1.0, seed, "share"),
            "stake": _unit(1.0, seed, "stake"),
        }
        for name in names
    }


def _builtin_model() -> tuple[dict[str, Any], dict[str, Any]]:
    """The built-in world's [model] table, and the documents its figures cite.

    Returns:
        ``(documents, model)`` as world-file tables.
    """
    builtin = load_world().model_dump(mode="json", exclude_none=True)
    model = builtin["model"]
    # The built-in parameters keep their evidence, so the documents they cite come along.
    cited = {fig["doc"] for fig in model.values() if "doc" in fig}
    documents = {key: doc for key, doc in builtin["documents"].items() if key in cited}
    return documents, model


def generate_events(
    world: World, steps: int, seed: int, *, wars: int = 3, crises: int = 2
) -> list[Event]:
    """Draw a timeline of offensives and mobilisations over a world's disputed theatres.

    Each event picks a theatre with a claimant; the claimant attacks (or mobilises against)
    the owner in a random week of the first half of the run. Allies never attack each other,
    as the model forbids it; a world without disputed theatres gets no events.

    Args:
        world: the world the events refer to.
        steps: length of the run in weeks.
        seed: seed of the draw.
        wars: number of offensives.
        crises: number of mobilisations.

    Returns:
        Events sorted by week, ready for :class:`sim.model.AllianceModel`.
    """
    rng = np.random.default_rng(seed)
    disputed = sorted(k for k, t in world.theatres.items() if t.claimants)
    if not disputed:
        return []
    events: list[Event] = []
    for index in range(wars + crises):
        key = disputed[int(rng.integers(len(disputed)))]
        place = world.theatres[key]
        step = int(rng.integers(0, max(1, steps // 2)))
        if index < wars:
            events.append(
                Offensive(
                    kind="offensive",
                    step=step,
                    attacker=place.claimants[0],
                    defender=place.owner,
                    theatre=key,
                )
            )
        else:
            events.append(
                Mobilise(
                    kind="mobilise",
                    step=step,
                    state=place.claimants[0],
                    target=place.owner,
                    theatre=key,
                )
            )
    return sorted(events, key=lambda e: e.step)


def world_to_toml(world: World) -> str:
    """Write a world as a world file that :func:`sim.loading.worlds.load_world` reads back equal.

    Useful to save a generated world and point a scenario's ``world`` at it.
    """
    data = world.model_dump(mode="json", exclude_none=True)
    return toml_document(data, inline=_flat)


def _flat(table: dict[str, Any]) -> bool:
    """Whether a table holds no table: a figure, a document, a piece of evidence, ``[meta]``."""
    return not any(
        isinstance(v, dict) or (isinstance(v, list) and any(isinstance(x, dict) for x in v))
        for v in table.values()
    )
