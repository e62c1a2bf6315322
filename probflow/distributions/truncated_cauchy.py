"""The Cauchy distribution truncated to an interval."""

from __future__ import annotations

import math

import jax
import jax.numpy as jnp

from probflow.core import checks
from probflow.distributions import constraints
from probflow.distributions.student_t import _log1p_square
from probflow.distributions.truncated_normal import _TruncatedLocScale

__all__ = ["TruncatedCauchy"]


def _atan_difference(b, a):
    """``atan(b) - atan(a)`` for ``b >= a``, without cancellation when both are large.

    Uses ``atan((b - a) / (1 + a b))`` when ``a b > -1`` (same side of 0, or near it), where
    the plain difference of two angles close to ``+-pi/2`` would lose digits.
    """
    same_side = a * b > -1.0
    denom = jnp.where(same_side, 1.0 + a * b, 1.0)
    near = jnp.arctan2(b - a, denom)
    return jnp.where(same_side & jnp.isfinite(a) & jnp.isfinite(b), near,
                     jnp.arctan(b) - jnp.arctan(a))


class TruncatedCauchy(_TruncatedLocScale):
    """Cauchy distribution with ``loc`` and ``scale`` restricted to ``[low, high]``.

    With ``z = (x - loc) / scale`` and standardised bounds ``a``, ``b``: ``log_prob(x) =
    -log(scale) - log(1 + z**2) - log(atan(b) - atan(a))`` inside, ``-inf`` outside;
    ``cdf(x) = (atan(z) - atan(a)) / (atan(b) - atan(a))``, quantile ``loc + scale
    tan(atan(a) + p (atan(b) - atan(a)))`` (sampling by it is reparameterized). Differences
    of arctangents are formed as ``atan((b - a) / (1 + a b))`` where both bounds lie in the
    same tail, so far-tail truncations keep their digits. Mean ``loc + scale log((1 +
    b**2) / (1 + a**2)) / (2 (atan b - atan a))``, variance ``scale**2 ((b - a) / (atan b -
    atan a) - 1) - (mean - loc)**2``, mode ``loc`` clipped to the interval. The bounds may
    be infinite (``low=-inf`` and ``high=inf`` give the Cauchy, with NaN moments).

    Args:
        loc: location of the untruncated Cauchy.
        scale: positive.
        low: lower bound.
        high: upper bound, greater than ``low``.

    Examples:
        >>> import probflow.distributions as pfd
        >>> d = pfd.TruncatedCauchy(loc=0.0, scale=1.0, low=-1.0, high=1.0)
        >>> float(d.cdf(0.0)), round(float(d.variance()), 4)
        (0.5, 0.2732)
    """

    @staticmethod
    def _interval_check(low, high):
        return checks.greater_than("high", high, low, "low")

    @property
    def support(self) -> constraints.Constraint:
        return constraints.Interval(self.low, self.high)

    def _sample(self, key, sample_shape):
        u = jax.random.uniform(key, sample_shape + self.batch_shape, self.dtype)
        return jnp.clip(self._quantile(u), self.low, self.high)

    def _log_prob(self, value):
        a, b = self._bounds()
        inside = (value >= self.low) & (value <= self.high)
        z = (value - self.loc) / self.scale
        lp = -jnp.log(self.scale) - _log1p_square(z) - jnp.log(_atan_difference(b, a))
        return jnp.where(inside, lp, -jnp.inf)

    def _cdf(self, value):
        a, b = self._bounds()
        z = (jnp.clip(value, self.low, self.high) - self.loc) / self.scale
        return _atan_difference(z, a) / _atan_difference(b, a)

    def _survival_function(self, value):
        a, b = self._bounds()
        z = (jnp.clip(value, self.low, self.high) - self.loc) / self.scale
        return _atan_difference(b, z) / _atan_difference(b, a)

    def _quantile(self, value):
        a, b = self._bounds()
        angle = jnp.arctan(a) + value * _atan_difference(b, a)
        return self.loc + self.scale * jnp.tan(jnp.clip(angle, -0.5 * math.pi, 0.5 * math.pi))

    def _mean(self):
        a, b = self._bounds()
        shift = 0.5 * (_log1p_square(b) - _log1p_square(a)) / _atan_difference(b, a)
        return jnp.broadcast_to(self.loc + self.scale * shift, self.batch_shape)

    def _variance(self):
        a, b = self._bounds()
        width = _atan_difference(b, a)
        shift = 0.5 * (_log1p_square(b) - _log1p_square(a)) / width
        var = jnp.square(self.scale) * ((b - a) / width - 1.0 - jnp.square(shift))
        return jnp.broadcast_to(var, self.batch_shape)
