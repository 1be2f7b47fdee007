"""Choice (docs/ODD.md 7.1): logit choice among options valued by their utilities."""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Sequence
from itertools import accumulate

import numpy as np


def logit_probabilities(utilities: Sequence[float], rationality: float) -> np.ndarray:
    """Return logit (McFadden 1974) choice probabilities, P(a) ∝ exp(λ U(a)).

    Args:
        utilities: utility of each option.
        rationality: λ ≥ 0; 0 chooses uniformly, large values approach best response.

    Returns:
        Probabilities summing to 1, computed stably (max-shifted).
    """
    u = rationality * np.asarray(utilities, dtype=float)
    weights = np.exp(u - u.max())
    return weights / weights.sum()


def logit_choice(utilities: Sequence[float], rationality: float, rng: np.random.Generator) -> int:
    """Draw an option index by logit choice (one uniform draw from ``rng``).

    The index where ``rng.random()`` × the total falls in the cumulative
    :func:`logit_probabilities`, bit for bit: the exponentials and their sum are numpy's (its
    ``exp`` and pairwise sum round differently from :mod:`math`'s), the rest is the same IEEE
    arithmetic on Python floats, which on a handful of options costs far less than a dozen numpy
    calls. Every state makes such a choice about every conflict, every week.
    """
    scaled = [rationality * u for u in utilities]
    top = max(scaled)
    weights = np.exp(np.array([u - top for u in scaled]))
    total = float(weights.sum())
    cumulative = list(accumulate([w / total for w in weights.tolist()]))
    return bisect_right(cumulative, rng.random() * cumulative[-1])
