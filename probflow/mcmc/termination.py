"""When a NUTS trajectory stops: U-turns across merged halves, and divergences."""

from __future__ import annotations

from probflow.mcmc.metrics import is_turning
from probflow.typing import Array

__all__ = ["is_merge_turning"]


def is_merge_turning(
    momentum_sum_a: Array,
    outer_velocity_a: Array,
    inner_momentum_a: Array,
    inner_velocity_a: Array,
    momentum_sum_b: Array,
    inner_momentum_b: Array,
    inner_velocity_b: Array,
    outer_velocity_b: Array,
) -> Array:
    """U-turn test of the span made by joining two adjacent spans ``a`` and ``b``.

    "Inner" ends touch the junction, "outer" ends are the far ends. Besides the
    criterion over the whole span, two extra checks (as in Stan since 2.23) look
    across the junction: ``a`` extended by ``b``'s first point, and ``b`` extended by
    ``a``'s last point. They catch U-turns a merge of two non-turning halves hides.

    All arguments are flat ``(d,)`` vectors; returns a boolean scalar.

    Examples:
        >>> import jax.numpy as jnp
        >>> one = jnp.array([1.0])
        >>> bool(is_merge_turning(one, one, one, one, one, one, one, one))
        False
        >>> bool(is_merge_turning(one, one, one, one, -one, -one, -one, -one))
        True
    """
    whole = is_turning(outer_velocity_a, outer_velocity_b, momentum_sum_a + momentum_sum_b)
    a_extended = is_turning(outer_velocity_a, inner_velocity_b, momentum_sum_a + inner_momentum_b)
    b_extended = is_turning(inner_velocity_a, outer_velocity_b, momentum_sum_b + inner_momentum_a)
    return whole | a_extended | b_extended
