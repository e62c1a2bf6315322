"""The normal distribution."""

from __future__ import annotations

import math

import jax
import jax.numpy as jnp
from jax.scipy import special

from probflow.core import checks
from probflow.core.numerics import promote_floats
from probflow.distributions import constraints
from probflow.distributions.distribution import Distribution
from probflow.distributions.kl import register_kl

__all__ = ["Normal"]

_HALF_LOG_2PI = 0.5 * math.log(2.0 * math.pi)


class Normal(Distribution):
    """Normal (Gaussian) distribution with mean ``loc`` and standard deviation ``scale``.

    ``log_prob(x) = -((x - loc) / scale)**2 / 2 - log(scale) - log(2 pi) / 2``.
    Sampling is reparameterized. ``log_cdf`` uses ``log_ndtr`` and stays accurate
    far in the left tail (``log_cdf(-40)`` is finite, as is its gradient).

    Args:
        loc: mean; any shape, broadcast with ``scale``.
        scale: standard deviation, positive.

    Examples:
        >>> import jax, jax.numpy as jnp
        >>> import probflow.distributions as pfd
        >>> d = pfd.Normal(loc=0.0, scale=2.0)
        >>> x = d.sample(jax.random.key(0), (1000,))
        >>> x.shape
        (1000,)
        >>> float(d.log_prob(0.0))  # doctest: +ELLIPSIS
        -1.612...
        >>> float(d.cdf(0.0))
        0.5
    """

    loc: jax.Array
    scale: jax.Array
    reparameterized = True

    def __init__(self, loc, scale, *, validate_args: bool = False, name: str | None = None):
        loc, scale = promote_floats(loc, scale)
        self._set(loc=loc, scale=scale, validate_args=validate_args, name=name)
        self._validate(checks.positive("scale", scale))

    @property
    def support(self):
        return constraints.real

    def _sample(self, key, sample_shape):
        shape = sample_shape + self.batch_shape
        eps = jax.random.normal(key, shape, dtype=self.dtype)
        return self.loc + self.scale * eps

    def _log_prob(self, value):
        z = (value - self.loc) / self.scale
        return -0.5 * jnp.square(z) - jnp.log(self.scale) - _HALF_LOG_2PI

    def _z(self, value):
        return (value - self.loc) / self.scale

    def _cdf(self, value):
        return special.ndtr(self._z(value))

    def _log_cdf(self, value):
        return special.log_ndtr(self._z(value))

    def _survival_function(self, value):
        return special.ndtr(-self._z(value))

    def _log_survival_function(self, value):
        return special.log_ndtr(-self._z(value))

    def _quantile(self, value):
        return self.loc + self.scale * special.ndtri(value)

    def _mean(self):
        return jnp.broadcast_to(self.loc, self.batch_shape)

    def _stddev(self):
        return jnp.broadcast_to(self.scale, self.batch_shape)

    def _mode(self):
        return self._mean()

    def _entropy(self):
        return jnp.broadcast_to(0.5 + _HALF_LOG_2PI + jnp.log(self.scale), self.batch_shape)


@register_kl(Normal, Normal)
def _kl_normal_normal(p: Normal, q: Normal):
    ratio = jnp.square(p.scale / q.scale)
    diff = jnp.square((p.loc - q.loc) / q.scale)
    return 0.5 * (ratio + diff - 1.0 - jnp.log(ratio))
