"""The Moyal distribution."""

from __future__ import annotations

import math

import jax
import jax.numpy as jnp
from jax.scipy import special

from probflow.core import checks
from probflow.core.numerics import promote_floats
from probflow.distributions import constraints
from probflow.distributions.distribution import Distribution
from probflow.typing import ArrayLike

__all__ = ["Moyal"]

_EULER_GAMMA = 0.5772156649015329
_HALF_LOG_2PI = 0.5 * math.log(2.0 * math.pi)


class Moyal(Distribution):
    """Moyal distribution (an approximation of the Landau distribution).

    With ``z = (x - loc) / scale``: ``log_prob(x) = -(z + exp(-z)) / 2 - log(scale) -
    log(2 pi) / 2``; ``cdf(x) = erfc(exp(-z/2) / sqrt(2)) = 2 Phi(-exp(-z/2))``. Mean
    ``loc + scale (euler_gamma + log 2)``, variance ``(pi scale)**2 / 2``, mode ``loc``,
    entropy ``log(scale) + (1 + euler_gamma + log(4 pi)) / 2``. Sampling as
    ``loc - 2 scale log|N|`` with ``N`` standard normal (reparameterized).

    Args:
        loc: location (the mode).
        scale: scale, positive.

    Examples:
        >>> import probflow.distributions as pfd
        >>> d = pfd.Moyal(0.5, 1.3)
        >>> round(float(d.cdf(2.0)), 4)
        0.5744
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

    def _sample(self, key, sample_shape):
        n = jax.random.normal(key, sample_shape + self.batch_shape, self.dtype)
        return self.loc - 2.0 * self.scale * jnp.log(jnp.abs(n))

    def _z(self, value):
        return (value - self.loc) / self.scale

    def _log_prob(self, value):
        z = self._z(value)
        return -0.5 * (z + jnp.exp(-z)) - jnp.log(self.scale) - _HALF_LOG_2PI

    def _log_cdf(self, value):
        return math.log(2.0) + special.log_ndtr(-jnp.exp(-0.5 * self._z(value)))

    def _cdf(self, value):
        return 2.0 * special.ndtr(-jnp.exp(-0.5 * self._z(value)))

    def _survival_function(self, value):
        # 1 - 2 Phi(-t) = 2 Phi(t) - 1 = erf(t / sqrt 2)
        return special.erf(jnp.exp(-0.5 * self._z(value)) / math.sqrt(2.0))

    def _quantile(self, value):
        return self.loc - 2.0 * self.scale * jnp.log(-special.ndtri(0.5 * value))

    def _mean(self):
        return jnp.broadcast_to(self.loc + self.scale * (_EULER_GAMMA + math.log(2.0)),
                                self.batch_shape)

    def _variance(self):
        return jnp.broadcast_to(0.5 * jnp.square(math.pi * self.scale), self.batch_shape)

    def _mode(self):
        return jnp.broadcast_to(self.loc, self.batch_shape)

    def _entropy(self):
        h = jnp.log(self.scale) + 0.5 * (1.0 + _EULER_GAMMA + math.log(4.0 * math.pi))
        return jnp.broadcast_to(h, self.batch_shape)
