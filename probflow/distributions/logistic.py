"""The logistic distribution."""

from __future__ import annotations

import math

import jax
import jax.numpy as jnp

from probflow.core import checks
from probflow.core.numerics import logit, promote_floats, softplus
from probflow.distributions import constraints
from probflow.distributions.distribution import Distribution
from probflow.typing import ArrayLike

__all__ = ["Logistic"]


class Logistic(Distribution):
    """Logistic distribution with location ``loc`` and scale ``scale``.

    With ``z = (x - loc) / scale``: ``log_prob(x) = -|z| - 2 log(1 + exp(-|z|)) - log(scale)``,
    ``cdf = sigmoid(z)``, ``log_cdf = -softplus(-z)``, ``log_survival = -softplus(z)`` (exact
    in both tails), ``quantile(p) = loc + scale * logit(p)``. Mean, median and mode are
    ``loc``; variance ``(pi scale)**2 / 3``; entropy ``log(scale) + 2``. Sampling is
    reparameterized.

    Args:
        loc: location; broadcast with ``scale``.
        scale: scale, positive.

    Examples:
        >>> import probflow.distributions as pfd
        >>> d = pfd.Logistic(loc=0.0, scale=1.0)
        >>> round(float(d.log_prob(0.0)), 4)
        -1.3863
        >>> round(float(d.quantile(0.75)), 4)
        1.0986
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
        eps = jax.random.logistic(key, sample_shape + self.batch_shape, dtype=self.dtype)
        return self.loc + self.scale * eps

    def _z(self, value):
        return (value - self.loc) / self.scale

    def _log_prob(self, value):
        abs_z = jnp.abs(self._z(value))
        return -abs_z - 2.0 * jnp.log1p(jnp.exp(-abs_z)) - jnp.log(self.scale)

    def _cdf(self, value):
        return jax.nn.sigmoid(self._z(value))

    def _log_cdf(self, value):
        return -softplus(-self._z(value))

    def _survival_function(self, value):
        return jax.nn.sigmoid(-self._z(value))

    def _log_survival_function(self, value):
        return -softplus(self._z(value))

    def _quantile(self, value):
        return self.loc + self.scale * logit(value)

    def _mean(self):
        return jnp.broadcast_to(self.loc, self.batch_shape)

    def _variance(self):
        return jnp.broadcast_to(jnp.square(self.scale) * (math.pi**2 / 3.0), self.batch_shape)

    def _mode(self):
        return self._mean()

    def _entropy(self):
        return jnp.broadcast_to(jnp.log(self.scale) + 2.0, self.batch_shape)
