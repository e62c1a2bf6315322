"""The log-logistic (Fisk) distribution."""

from __future__ import annotations

import math

import jax
import jax.numpy as jnp

from probflow.core import checks
from probflow.core.numerics import promote_floats, softplus
from probflow.distributions import constraints
from probflow.distributions.distribution import Distribution
from probflow.typing import ArrayLike

__all__ = ["LogLogistic"]


class LogLogistic(Distribution):
    """``X = exp(Y)`` with ``Y ~ Logistic(loc, scale)`` (TFP's parameterisation).

    ``exp(loc)`` is the median and ``1 / scale`` the shape. With
    ``z = (log x - loc) / scale``: ``log_prob(x) = -z - 2 softplus(-z) - log(scale x)``,
    ``cdf(x) = sigmoid(z)``, ``quantile(p) = exp(loc + scale logit(p))``. Mean
    ``exp(loc) pi scale / sin(pi scale)`` for ``scale < 1`` (inf otherwise); variance
    finite for ``scale < 1/2``; mode ``exp(loc) ((1 - scale) / (1 + scale))**scale`` for
    ``scale < 1`` (0 otherwise); entropy ``loc + log(scale) + 2``. Sampling is
    reparameterized.

    Args:
        loc: location of ``log X``.
        scale: scale of ``log X``, positive.

    Examples:
        >>> import probflow.distributions as pfd
        >>> d = pfd.LogLogistic(0.5, 0.3)
        >>> round(float(d.cdf(2.0)), 4)
        0.6556
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
        return constraints.nonnegative

    def _sample(self, key, sample_shape):
        y = jax.random.logistic(key, sample_shape + self.batch_shape, self.dtype)
        return jnp.exp(self.loc + self.scale * y)

    def _z(self, value):
        x = jnp.where(value > 0, value, 1.0)
        return (jnp.log(x) - self.loc) / self.scale, x

    def _log_prob(self, value):
        z, x = self._z(value)
        lp = -z - 2.0 * softplus(-z) - jnp.log(self.scale * x)
        return jnp.where(value > 0, lp, -jnp.inf)

    def _log_cdf(self, value):
        z, _ = self._z(value)
        return jnp.where(value > 0, -softplus(-z), -jnp.inf)

    def _log_survival_function(self, value):
        z, _ = self._z(value)
        return jnp.where(value > 0, -softplus(z), 0.0)

    def _cdf(self, value):
        z, _ = self._z(value)
        return jnp.where(value > 0, jax.nn.sigmoid(z), 0.0)

    def _survival_function(self, value):
        z, _ = self._z(value)
        return jnp.where(value > 0, jax.nn.sigmoid(-z), 1.0)

    def _quantile(self, value):
        return jnp.exp(self.loc + self.scale * (jnp.log(value) - jnp.log1p(-value)))

    def _raw_moment(self, n):
        s = self.scale
        ok = n * s < 1
        t = math.pi * n * jnp.where(ok, s, 0.25)
        return jnp.where(ok, jnp.exp(n * self.loc) * t / jnp.sin(t), jnp.inf)

    def _mean(self):
        return jnp.broadcast_to(self._raw_moment(1.0), self.batch_shape)

    def _variance(self):
        m1, m2 = self._raw_moment(1.0), self._raw_moment(2.0)
        var = jnp.where(jnp.isfinite(m2), m2 - jnp.square(m1), jnp.inf)
        var = jnp.where(jnp.isfinite(m1), var, jnp.nan)
        return jnp.broadcast_to(var, self.batch_shape)

    def _mode(self):
        s = self.scale
        safe = jnp.where(s < 1, s, 0.5)
        mode = jnp.exp(self.loc) * jnp.power((1.0 - safe) / (1.0 + safe), safe)
        return jnp.broadcast_to(jnp.where(s < 1, mode, 0.0), self.batch_shape)

    def _entropy(self):
        return jnp.broadcast_to(self.loc + jnp.log(self.scale) + 2.0, self.batch_shape)
