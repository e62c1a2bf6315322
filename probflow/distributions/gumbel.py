"""The Gumbel (maximum extreme value, type I) distribution."""

from __future__ import annotations

import math

import jax
import jax.numpy as jnp

from probflow.core import checks
from probflow.core.numerics import log1mexp, promote_floats
from probflow.distributions import constraints
from probflow.distributions.distribution import Distribution
from probflow.typing import ArrayLike

__all__ = ["Gumbel"]

_EULER_GAMMA = 0.5772156649015329


class Gumbel(Distribution):
    """Gumbel distribution (of maxima) with location ``loc`` and scale ``scale``.

    With ``z = (x - loc) / scale``: ``log_prob(x) = -z - exp(-z) - log(scale)``,
    ``log_cdf = -exp(-z)``, ``log_survival = log(1 - exp(-t))`` with ``t = exp(-z)`` (through
    ``log1mexp``, and the series ``-z - t/2 + t**2/24`` when ``t`` is tiny, so it stays finite
    far in the right tail), ``quantile(p) = loc - scale log(-log p)``. Mean
    ``loc + scale * euler_gamma``, variance ``(pi scale)**2 / 6``, mode ``loc``, entropy
    ``log(scale) + euler_gamma + 1``. Sampling is reparameterized.

    Args:
        loc: location (the mode); broadcast with ``scale``.
        scale: scale, positive.

    Examples:
        >>> import probflow.distributions as pfd
        >>> d = pfd.Gumbel(loc=0.0, scale=1.0)
        >>> round(float(d.cdf(0.0)), 4)
        0.3679
        >>> round(float(d.mean()), 4)
        0.5772
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
        eps = jax.random.gumbel(key, sample_shape + self.batch_shape, dtype=self.dtype)
        return self.loc + self.scale * eps

    def _z(self, value):
        return (value - self.loc) / self.scale

    def _log_prob(self, value):
        z = self._z(value)
        return -z - jnp.exp(-z) - jnp.log(self.scale)

    def _cdf(self, value):
        return jnp.exp(-jnp.exp(-self._z(value)))

    def _log_cdf(self, value):
        return -jnp.exp(-self._z(value))

    def _survival_function(self, value):
        return -jnp.expm1(-jnp.exp(-self._z(value)))

    def _log_survival_function(self, value):
        z = self._z(value)
        t = jnp.exp(-z)
        # log(1 - exp(-t)) = log(t) - t/2 + t^2/24 + O(t^4); for tiny t use the series so that
        # the result stays finite (about -z) after exp(-z) underflows.
        tiny = t < 1e-5
        series = -z - 0.5 * t + jnp.square(t) / 24.0
        direct = log1mexp(jnp.where(tiny, 1.0, t))
        return jnp.where(tiny, series, direct)

    def _quantile(self, value):
        # -log(p) computed as -log1p(p - 1) above 1/2, where p - 1 is exact.
        upper = value > 0.5
        neg_log_p = jnp.where(
            upper, -jnp.log1p(jnp.where(upper, value, 1.0) - 1.0), -jnp.log(value)
        )
        return self.loc - self.scale * jnp.log(neg_log_p)

    def _mean(self):
        return jnp.broadcast_to(self.loc + self.scale * _EULER_GAMMA, self.batch_shape)

    def _variance(self):
        return jnp.broadcast_to(jnp.square(self.scale) * (math.pi**2 / 6.0), self.batch_shape)

    def _mode(self):
        return jnp.broadcast_to(self.loc, self.batch_shape)

    def _entropy(self):
        return jnp.broadcast_to(jnp.log(self.scale) + _EULER_GAMMA + 1.0, self.batch_shape)
