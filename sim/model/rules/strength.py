"""Strength and projection (docs/ODD.md 7.3): a state's force, what it projects, its risk."""

from __future__ import annotations


def military_strength(capability: float, arms_multiplier: float, distraction: float) -> float:
    """A state's own strength: capability × arms multiplier × (1 − distraction)."""
    return capability * arms_multiplier * (1.0 - distraction)


def projected_force(strength: float, projection_share: float, reach: float) -> float:
    """Force a third party brings to a conflict: strength × projection share × reach.

    Reach is 1 next to a belligerent, less without a land border (Boulding 1962, loss of
    strength with distance).
    """
    return strength * projection_share * reach


def risk_factor(risk_appetite: float) -> float:
    """Multiplier on war costs: 2 (1 − risk appetite), 1 at a neutral appetite of 0.5."""
    return 2.0 * (1.0 - risk_appetite)


def arms_multiplier(stock_bn: float, effect: float) -> float:
    """Return the capability multiplier from an arms stock: 1 + effect · stock (in $bn).

    Precision systems enter the stock already weighted (see :func:`weighted_volume`).
    """
    return 1.0 + effect * stock_bn


def weighted_volume(volume_usd_m: float, precision: bool, precision_multiplier: float) -> float:
    """Convert a delivery in $m to stock units ($bn, precision systems weighted up)."""
    return volume_usd_m / 1000.0 * (precision_multiplier if precision else 1.0)


def supply_factor(weeks_cut: int, half_life: float) -> float:
    """Share of its fighting strength an actor keeps after ``weeks_cut`` weeks cut off: 2^(−w/h).

    A force cut off from its supply routes runs down its ammunition, fuel and food without
    replacement (van Creveld 1977, *Supplying War*); the halving every ``half_life`` weeks is
    the model's assumption. 1 when not cut off, falling towards 0 the longer the blockade.
    """
    return 0.5 ** (weeks_cut / half_life)
