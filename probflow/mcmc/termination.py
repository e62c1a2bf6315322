"""When a NUTS trajectory stops: U-turns across merged halves, and divergences."""

from __future__ import annotations

import jax.numpy as jnp

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
    whole = momentum_sum_a + momentum_sum_b
    a_extended = momentum_sum_a + inner_momentum_b
    b_extended = momentum_sum_b + inner_momentum_a
    # The six projections in one product and one reduction: XLA on CPU runs each separate
    # dot as two kernels, and this runs once per merge of a NUTS tree.
    projections = jnp.sum(jnp.stack([
        outer_velocity_a * whole, outer_velocity_b * whole,
        outer_velocity_a * a_extended, inner_velocity_b * a_extended,
        inner_velocity_a * b_extended, outer_velocity_b * b_extended,
    ]), axis=-1)  # fmt: skip
    # ``is_turning`` on each span: stop unless every projection is positive (NaN stops).
    return ~jnp.all(projections > 0)
