"""``GeneralizedPareto``: the reals onto the support of a generalized Pareto distribution."""

from __future__ import annotations

import jax
import jax.numpy as jnp

from probflow.bijectors._utils import float_params, positive
from probflow.bijectors.bijector import Bijector
from probflow.core.numerics import softplus, softplus_inverse
from probflow.typing import ArrayLike

__all__ = ["GeneralizedPareto"]


class GeneralizedPareto(Bijector):
    """From the reals onto the support of ``GeneralizedPareto(loc, scale, concentration)``.

    For ``concentration >= 0`` the support is ``[loc, inf)`` and the map is
    ``y = loc + softplus(x)``; for ``concentration < 0`` it is
    ``[loc, loc + scale / |concentration|]`` and the map is
    ``y = loc + (scale / |concentration|) sigmoid(x)`` (TFP's choice; the distribution's
    default event-space bijector). The branch is chosen elementwise, so the parameters may
    be batches mixing both signs.

    Args:
        loc: real.
        scale: positive.
        concentration: real.

    Examples:
        >>> import probflow.bijectors as pfb
        >>> round(float(pfb.GeneralizedPareto(1.0, 2.0, 0.5).forward(0.0)), 4)
        1.6931
        >>> float(pfb.GeneralizedPareto(1.0, 2.0, -0.5).forward(0.0))  # midpoint of [1, 5]
        3.0
    """

    loc: jax.Array
    scale: jax.Array
    concentration: jax.Array

    def __init__(self, loc: ArrayLike, scale: ArrayLike, concentration: ArrayLike, *,
                 validate_args: bool = False, name: str | None = None):
        loc, scale, concentration = float_params(loc, scale, concentration)
        self._set(loc=loc, scale=scale, concentration=concentration,
                  validate_args=validate_args, name=name)
        self._validate(positive("scale", scale))

    def _branch(self):
        """``(bounded, width)``: where the support is bounded, and its width there (1 else)."""
        negative = self.concentration < 0
        # A safe denominator where unused keeps gradients finite at concentration = 0.
        ratio = self.scale / jnp.where(negative, self.concentration, -1.0)
        bounded = negative & jnp.isfinite(ratio)
        return bounded, jnp.where(bounded, jnp.abs(ratio), 1.0)

    def _forward(self, x):
        bounded, width = self._branch()
        return self.loc + jnp.where(bounded, width * jax.nn.sigmoid(x), softplus(x))

    def _inverse(self, y):
        bounded, width = self._branch()
        z = y - self.loc
        u = jnp.where(bounded, z / width, 0.5)
        safe_z = jnp.where(bounded, 1.0, z)
        return jnp.where(bounded, jnp.log(u) - jnp.log1p(-u), softplus_inverse(safe_z))

    def _forward_log_det_jacobian(self, x):
        bounded, width = self._branch()
        log_sigmoid = -softplus(-x)
        return jnp.where(bounded, jnp.log(width) + log_sigmoid - softplus(x), log_sigmoid)

    def _is_increasing(self):
        return True
