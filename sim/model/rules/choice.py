"""Choice (docs/ODD.md 7.1): logit choice among options valued by their utilities."""

from __future__ import annotations

from collections.abc import Sequence

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
    """Draw an option index by logit choice (one uniform draw from ``rng``)."""
    cumulative = np.cumsum(logit_probabilities(utilities, rationality))
    return int(np.searchsorted(cumulative, rng.random() * cumulative[-1], side="right"))
