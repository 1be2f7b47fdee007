"""Crises and wars: who is on which side, the theatre, and the pledges a war has invoked."""

from __future__ import annotations

from dataclasses import dataclass, field

from sim.schema.vocabulary import Obligation, WarOutcome


@dataclass
class Pledge:
    """An alliance pledge invoked by a war: ``pledger`` is expected to help ``protege``.

    ``due`` turns true once the consultation delay has passed; from then on the pledge counts
    in the reliability metric, honoured or not.
    """

    tie_id: str
    pledger: str
    protege: str
    obligation: Obligation
    invoked_step: int
    delay: float
    due: bool = False
    honoured_step: int | None = None


@dataclass
class Crisis:
    """A challenger mobilised against a target over a theatre, short of war."""

    challenger: str
    target: str
    theatre: str
    start: int
    end: int | None = None
    shows: dict[str, set[str]] = field(default_factory=dict)

    @property
    def active(self) -> bool:
        """Whether the crisis is still on."""
        return self.end is None

    def sides(self) -> tuple[list[str], list[str]]:
        """Return (challenger side, target side)."""
        return [self.challenger], [self.target]

    def label(self) -> str:
        """How the action log names it: ``crisis:<challenger>-<target>@<theatre>``."""
        return f"crisis:{self.challenger}-{self.target}@{self.theatre}"


@dataclass
class War:
    """A war between two coalitions over one theatre.

    ``attackers[0]`` and ``defenders[0]`` are the primary belligerents; later members joined
    by intervening. ``strength`` is each member's remaining share of its force (Lanchester);
    ``shows`` maps a belligerent to the states showing force for it this week; ``mediating``
    and ``proposals`` hold this week's mediators and ceasefire proposers.
    """

    attackers: list[str]
    defenders: list[str]
    theatre: str
    start: int
    pledges: list[Pledge] = field(default_factory=list)
    strength: dict[str, float] = field(default_factory=dict)
    losses: dict[str, float] = field(default_factory=dict)
    end: int | None = None
    shows: dict[str, set[str]] = field(default_factory=dict)
    mediating: set[str] = field(default_factory=set)
    proposals: set[str] = field(default_factory=set)
    peacekeepers: str | None = None
    outcome: WarOutcome | None = None

    @property
    def active(self) -> bool:
        """Whether the fighting goes on."""
        return self.end is None

    @property
    def primaries(self) -> tuple[str, str]:
        """Return the attacker and defender who started it."""
        return self.attackers[0], self.defenders[0]

    def sides(self) -> tuple[list[str], list[str]]:
        """Return (attacking coalition, defending coalition)."""
        return self.attackers, self.defenders

    def label(self) -> str:
        """How the action log names it: ``war:<attacker>-<defender>@<theatre>``."""
        return f"war:{self.attackers[0]}-{self.defenders[0]}@{self.theatre}"

    def side_of(self, state: str) -> int | None:
        """Return 0 for the attackers, 1 for the defenders, None for a bystander."""
        if state in self.attackers:
            return 0
        if state in self.defenders:
            return 1
        return None
