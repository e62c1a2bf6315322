"""The double-sided Maxwell distribution."""

from __future__ import annotations

import math

import jax
import jax.numpy as jnp
from jax.scipy import special

from probflow.core import checks
from probflow.core.numerics import promote_floats
from probflow.distributions import constraints
from probflow.distributions.distribution import Distribution
from probflow.typing import Array, ArrayLike, PRNGKey

__all__ = ["DoublesidedMaxwell"]

_HALF_LOG_2PI = 0.5 * math.log(2.0 * math.pi)
_EULER_GAMMA = 0.5772156649015329


class DoublesidedMaxwell(Distribution):
    """A Maxwell (chi with 3 degrees of freedom) magnitude with a random sign, about ``loc``.

    With ``z = (x - loc) / scale``: ``log_prob(x) = 2 log|z| - z**2 / 2 - log(scale) -
    log(2 pi) / 2``, so the density vanishes at ``loc`` and is bimodal at ``loc +- sqrt(2)
    scale``. ``|X - loc| / scale`` is chi with 3 degrees of freedom, which gives the cdf
    ``1/2 + sign(z) P(chi_3 <= |z|) / 2`` (``P(chi_3 <= r) = erf(r / sqrt 2) - sqrt(2 / pi)
    r exp(-r**2 / 2)``), mean ``loc``, variance ``3 scale**2`` and entropy ``log(scale) +
    log(2 pi) / 2 + gamma - 1/2 + log 2`` (``gamma`` Euler's constant). Used by TFP for
    measure-valued gradients. Sampling is reparameterized (the norm of three normals with a
    random sign).

    Args:
        loc: centre of symmetry.
        scale: positive.

    Examples:
        >>> import probflow.distributions as pfd
        >>> d = pfd.DoublesidedMaxwell(loc=0.0, scale=1.0)
        >>> float(d.log_prob(0.0)), float(d.variance())
        (-inf, 3.0)
    """

    loc: jax.Array
    scale: jax.Array
    reparameterized = True

    def __init__(self, loc: ArrayLike, scale: ArrayLike, *, validate_args: bool = False,
                 name: str | None = None):
        loc, scale = promote_floats(loc, scale)
        self._set(loc=loc, scale=scale, validate_args=validate_args, name=name)
        self._validate(checks.positive("scale", scale))

    @property
    def support(self) -> constraints.Constraint:
        return constraints.real

    def _sample(self, key: PRNGKey, sample_shape: tuple[int, ...]) -> Array:
        shape = sample_shape + self.batch_shape
        key_normal, key_sign = jax.random.split(key)
        radius = jnp.linalg.norm(jax.random.normal(key_normal, shape + (3,), self.dtype), axis=-1)
        sign = jax.random.rademacher(key_sign, shape, self.dtype)
        return self.loc + self.scale * sign * radius

    def _log_prob(self, value):
        z = (value - self.loc) / self.scale
        nonzero = z != 0
        log_z2 = jnp.where(nonzero, jnp.log(jnp.square(jnp.where(nonzero, z, 1.0))), -jnp.inf)
        return log_z2 - 0.5 * jnp.square(z) - jnp.log(self.scale) - _HALF_LOG_2PI

    def _chi3_tail(self, r):
        """``P(chi_3 > r)`` for ``r >= 0``: ``erfc(r / sqrt 2) + sqrt(2 / pi) r exp(-r**2/2)``."""
        return 2.0 * special.ndtr(-r) + 2.0 * r * jnp.exp(-0.5 * jnp.square(r) - _HALF_LOG_2PI)

    def _cdf(self, value):
        z = (value - self.loc) / self.scale
        half_tail = 0.5 * self._chi3_tail(jnp.abs(z))
        return jnp.where(z < 0, half_tail, 1.0 - half_tail)

    def _survival_function(self, value):
        z = (value - self.loc) / self.scale
        half_tail = 0.5 * self._chi3_tail(jnp.abs(z))
        return jnp.where(z > 0, half_tail, 1.0 - half_tail)

    def _mean(self):
        return jnp.broadcast_to(self.loc, self.batch_shape)

    def _variance(self):
        return jnp.broadcast_to(3.0 * jnp.square(self.scale), self.batch_shape)

    def _entropy(self):
        h = jnp.log(self.scale) + _HALF_LOG_2PI + _EULER_GAMMA - 0.5 + math.log(2.0)
        return jnp.broadcast_to(h, self.batch_shape)
