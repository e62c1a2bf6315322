"""``ExtendedInterval``: onto an interval whose ends may be infinite, elementwise."""

from __future__ import annotations

import jax
import jax.numpy as jnp

from probflow.bijectors._utils import float_params
from probflow.bijectors.bijector import Bijector
from probflow.core.numerics import softplus, softplus_inverse
from probflow.typing import ArrayLike

__all__ = ["ExtendedInterval"]


class ExtendedInterval(Bijector):
    """From the reals onto ``(low, high)`` where either end may be ``-inf``/``+inf``, per element.

    Per element: both ends finite, ``low + (high - low) sigmoid(x)``; only ``low`` finite,
    ``low + softplus(x)``; only ``high`` finite, ``high - softplus(-x)``; neither, ``x``. The
    choice is made with ``jnp.where``, so the bounds may be traced arrays whose finiteness is
    only known at run time (e.g. the support of a generalized Pareto or extreme-value
    distribution, whose upper or lower end depends on the sign of a parameter).

    Args:
        low: lower ends (``-inf`` allowed).
        high: upper ends (``+inf`` allowed); ``high > low``.

    Examples:
        >>> import jax.numpy as jnp
        >>> import probflow.bijectors as pfb
        >>> b = pfb.ExtendedInterval(jnp.asarray([0.0, -jnp.inf, 0.0, -jnp.inf]),
        ...                          jnp.asarray([1.0, 2.0, jnp.inf, jnp.inf]))
        >>> [round(float(v), 4) for v in b.forward(jnp.zeros(4))]
        [0.5, 1.3069, 0.6931, 0.0]
    """

    low: jax.Array
    high: jax.Array

    def __init__(self, low: ArrayLike, high: ArrayLike, *, validate_args: bool = False,
                 name: str | None = None):
        low, high = float_params(low, high)
        self._set(low=low, high=high, validate_args=validate_args, name=name)

    def _cases(self):
        has_low, has_high = jnp.isfinite(self.low), jnp.isfinite(self.high)
        low = jnp.where(has_low, self.low, 0.0)
        high = jnp.where(has_high, self.high, 1.0)
        width = jnp.where(has_low & has_high, high - low, 1.0)
        return has_low, has_high, low, high, width

    def _forward(self, x):
        has_low, has_high, low, high, width = self._cases()
        both = low + width * jax.nn.sigmoid(x)
        below = low + softplus(x)
        above = high - softplus(-x)
        return jnp.where(has_low & has_high, both,
                         jnp.where(has_low, below, jnp.where(has_high, above, x)))

    def _inverse(self, y):
        has_low, has_high, low, high, width = self._cases()
        u = jnp.where(has_low & has_high, (y - low) / width, 0.5)
        both = jnp.log(u) - jnp.log1p(-u)
        below = softplus_inverse(jnp.where(has_low, y - low, 1.0))
        above = -softplus_inverse(jnp.where(has_high, high - y, 1.0))
        return jnp.where(has_low & has_high, both,
                         jnp.where(has_low, below, jnp.where(has_high, above, y)))

    def _forward_log_det_jacobian(self, x):
        has_low, has_high, _, _, width = self._cases()
        both = jnp.log(width) - softplus(-x) - softplus(x)
        below = -softplus(-x)
        above = -softplus(x)
        return jnp.where(has_low & has_high, both,
                         jnp.where(has_low, below, jnp.where(has_high, above, jnp.zeros_like(x))))

    def _inverse_log_det_jacobian(self, y):
        return -self._forward_log_det_jacobian(self._inverse(y))

    def _is_increasing(self):
        return True


