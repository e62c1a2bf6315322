"""The log-uniform (reciprocal) distribution."""

from __future__ import annotations

import jax
import jax.numpy as jnp

from probflow.core import checks
from probflow.core.numerics import promote_floats
from probflow.distributions import constraints
from probflow.distributions.distribution import Distribution
from probflow.typing import ArrayLike

__all__ = ["LogUniform"]


class LogUniform(Distribution):
    """Log-uniform distribution on ``[low, high]``: ``log X ~ Uniform(log low, log high)``.

    ``log_prob(x) = -log(x) - log(log(high / low))`` inside the support, ``-inf`` outside
    (NumPyro's ``LogUniform``; scipy's ``loguniform(low, high)``). ``cdf(x) = log(x / low) /
    log(high / low)``, quantile ``low (high / low)**p`` (sampling by it is reparameterized),
    mean ``(high - low) / log(high / low)``, variance ``(high**2 - low**2) / (2 log(high /
    low)) - mean**2``, entropy ``(log low + log high) / 2 + log(log(high / low))``.

    Args:
        low: positive lower bound.
        high: upper bound, greater than ``low``.

    Examples:
        >>> import probflow.distributions as pfd
        >>> d = pfd.LogUniform(1.0, 100.0)
        >>> round(float(d.cdf(10.0)), 4), round(float(d.quantile(0.5)), 4)
        (0.5, 10.0)
    """

    low: jax.Array
    high: jax.Array
    reparameterized = True

    def __init__(self, low: ArrayLike, high: ArrayLike, *, validate_args: bool = False,
                 name: str | None = None):
        low, high = promote_floats(low, high)
        self._set(low=low, high=high, validate_args=validate_args, name=name)
        self._validate(checks.positive("low", low),
                       checks.greater_than("high", high, low, "low"))

    @property
    def support(self) -> constraints.Constraint:
        return constraints.Interval(self.low, self.high)

    def _log_width(self):
        return jnp.log(self.high) - jnp.log(self.low)

    def _sample(self, key, sample_shape):
        u = jax.random.uniform(key, sample_shape + self.batch_shape, self.dtype)
        return jnp.clip(self._quantile(u), self.low, self.high)

    def _inside(self, value):
        return (value >= self.low) & (value <= self.high)

    def _log_prob(self, value):
        inside = self._inside(value)
        lp = -jnp.log(jnp.where(inside, value, self.low)) - jnp.log(self._log_width())
        return jnp.where(inside, lp, -jnp.inf)

    def _cdf(self, value):
        x = jnp.clip(value, self.low, self.high)
        return (jnp.log(x) - jnp.log(self.low)) / self._log_width()

    def _survival_function(self, value):
        x = jnp.clip(value, self.low, self.high)
        return (jnp.log(self.high) - jnp.log(x)) / self._log_width()

    def _quantile(self, value):
        return self.low * jnp.exp(value * self._log_width())

    def _mean(self):
        return jnp.broadcast_to((self.high - self.low) / self._log_width(), self.batch_shape)

    def _variance(self):
        second = (jnp.square(self.high) - jnp.square(self.low)) / (2.0 * self._log_width())
        return jnp.broadcast_to(second - jnp.square(self._mean()), self.batch_shape)

    def _mode(self):
        return jnp.broadcast_to(self.low, self.batch_shape)

    def _entropy(self):
        h = 0.5 * (jnp.log(self.low) + jnp.log(self.high)) + jnp.log(self._log_width())
        return jnp.broadcast_to(h, self.batch_shape)
