"""The triangular distribution."""

from __future__ import annotations

import math

import jax
import jax.numpy as jnp

from probflow.core import checks
from probflow.core.numerics import promote_floats
from probflow.distributions import constraints
from probflow.distributions.distribution import Distribution
from probflow.typing import ArrayLike

__all__ = ["Triangular"]


class Triangular(Distribution):
    """Triangular distribution on ``[low, high]`` with mode ``peak``.

    Density ``2 (x - low) / ((high - low)(peak - low))`` below the peak and
    ``2 (high - x) / ((high - low)(high - peak))`` above. Mean ``(low + high + peak) / 3``,
    variance ``(low**2 + high**2 + peak**2 - low high - low peak - high peak) / 18``, entropy
    ``1/2 + log((high - low) / 2)``. Sampling by the inverse cdf (reparameterized).

    Args:
        low: lower end.
        high: upper end, ``> low``.
        peak: mode, ``low <= peak <= high``.

    Examples:
        >>> import probflow.distributions as pfd
        >>> d = pfd.Triangular(0.0, 2.0, 0.5)
        >>> round(float(d.mean()), 4), float(d.cdf(0.5))
        (0.8333, 0.25)
    """

    low: jax.Array
    high: jax.Array
    peak: jax.Array
    reparameterized = True

    def __init__(self, low: ArrayLike = 0.0, high: ArrayLike = 1.0, peak: ArrayLike = 0.5, *,
                 validate_args: bool = False, name: str | None = None):
        low, high, peak = promote_floats(low, high, peak)
        self._set(low=low, high=high, peak=peak, validate_args=validate_args, name=name)
        self._validate(
            checks.Check("high - low", high - low, lambda v: v > 0, "positive"),
            checks.Check("peak", (peak - low) * (high - peak), lambda v: v >= 0,
                         "between low and high (the product (peak - low)(high - peak) is "
                         "shown)"),
        )

    @property
    def support(self) -> constraints.Constraint:
        return constraints.Interval(self.low, self.high)

    def _sample(self, key, sample_shape):
        u = jax.random.uniform(key, sample_shape + self.batch_shape, self.dtype)
        return self._quantile(u)

    def _log_prob(self, value):
        a, b, c = self.low, self.high, self.peak
        width = b - a
        rising = (value >= a) & (value < c)
        falling = (value >= c) & (value <= b)
        left = jnp.log(2.0) + jnp.log(jnp.where(rising, value - a, 1.0)) - jnp.log(
            width * jnp.where(rising, c - a, 1.0))
        right = jnp.log(2.0) + jnp.log(jnp.where(falling, b - value, 1.0)) - jnp.log(
            width * jnp.where(falling & (b > c), b - c, 1.0))
        # At the peak of a right-angled triangle (peak == high) the density is 2 / width.
        right = jnp.where(falling & (b == c), math.log(2.0) - jnp.log(width), right)
        return jnp.where(rising, left, jnp.where(falling, right, -jnp.inf))

    def _cdf(self, value):
        a, b, c = self.low, self.high, self.peak
        width = b - a
        x = jnp.clip(value, a, b)
        left = jnp.square(x - a) / (width * jnp.where(c > a, c - a, 1.0))
        right = 1.0 - jnp.square(b - x) / (width * jnp.where(b > c, b - c, 1.0))
        return jnp.where(x < c, left, right)

    def _quantile(self, value):
        a, b, c = self.low, self.high, self.peak
        width = b - a
        split = (c - a) / width
        left = a + jnp.sqrt(value * width * (c - a))
        right = b - jnp.sqrt((1.0 - value) * width * (b - c))
        return jnp.where(value < split, left, right)

    def _mean(self):
        return jnp.broadcast_to((self.low + self.high + self.peak) / 3.0, self.batch_shape)

    def _variance(self):
        a, b, c = self.low, self.high, self.peak
        var = (a * a + b * b + c * c - a * b - a * c - b * c) / 18.0
        return jnp.broadcast_to(var, self.batch_shape)

    def _mode(self):
        return jnp.broadcast_to(self.peak, self.batch_shape)

    def _entropy(self):
        return jnp.broadcast_to(0.5 + jnp.log(0.5 * (self.high - self.low)), self.batch_shape)
