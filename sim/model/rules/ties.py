"""The tie network (docs/ODD.md 7.2, 7.16): ties in force by their dates, pair weights and signs."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Literal

#: What a tie's dates say of it in a year.
DatedStatus = Literal["not_yet", "active", "ended"]


def dated_status(since: int | None, until: int | None, year: int) -> DatedStatus:
    """Whether a dated tie is in force in ``year``: from ``since`` up to, not including, ``until``.

    A tie without dates is always in force; events (suspend, restore, cut) act on top of this.
    """
    if since is not None and year < since:
        return "not_yet"
    if until is not None and year >= until:
        return "ended"
    return "active"


def noisy_or(weights: Iterable[float]) -> float:
    """Combine tie weights in [0, 1] as 1 − Π(1 − w): bounded, and more ties never weigh less."""
    remaining = 1.0
    for w in weights:
        # Same clamp as min(1, max(0, w)), NaN to 0, without two builtin calls per weight.
        remaining *= 1.0 - (1.0 if w >= 1.0 else w if w > 0.0 else 0.0)
    return 1.0 - remaining


def pair_sign(positive: float, negative: float) -> int:
    """Sign of a pair in the signed network: +1, −1, or 0 when neither dominates."""
    if positive > negative:
        return 1
    if negative > positive:
        return -1
    return 0
