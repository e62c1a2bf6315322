"""``QuantizedDistribution``: ``ceil(X)`` clipped to ``[low, high]``, a distribution on integers."""

from __future__ import annotations

import math
from typing import Any

import jax
import jax.numpy as jnp
import numpy as np

from probflow.core import checks
from probflow.core.numerics import log_sub_exp, promote_floats
from probflow.distributions import constraints
from probflow.distributions._wrappers import (
    array_finiteness_checks,
    check_scalar_base,
    expand_draws,
)
from probflow.distributions.distribution import Distribution
from probflow.typing import Array, ArrayLike, Shape

__all__ = ["QuantizedDistribution", "log_interval_mass"]


def log_interval_mass(distribution: Distribution, a: ArrayLike, b: ArrayLike) -> Array:
    """``log P(a < X <= b) = log(F(b) - F(a))`` for ``a <= b``, accurate in both tails.

    The difference is taken between upper tails (``S(a) - S(b)``) when ``F(a) > 1/2``, so
    an interval far in the right tail does not cancel to zero.

    Examples:
        >>> import probflow.distributions as pfd
        >>> round(float(log_interval_mass(pfd.Normal(0.0, 1.0), 30.0, 31.0)), 2)
        -454.32
    """
    a, b = jnp.asarray(a), jnp.asarray(b)
    a_finite, b_finite = jnp.isfinite(a), jnp.isfinite(b)
    # Infinite ends are handled here, never passed to the base (its gradients there are NaN).
    a_safe = jnp.where(a_finite, a, jnp.where(b_finite, b - 1.0, 0.0))
    b_safe = jnp.where(b_finite, b, a_safe + 1.0)
    log_cdf_a = jnp.where(a_finite, distribution.log_cdf(a_safe), jnp.where(a < 0, -jnp.inf, 0.0))
    log_sf_a = jnp.where(a_finite, distribution.log_survival_function(a_safe),
                         jnp.where(a < 0, 0.0, -jnp.inf))
    log_cdf_b = jnp.where(b_finite, distribution.log_cdf(b_safe), jnp.where(b > 0, 0.0, -jnp.inf))
    log_sf_b = jnp.where(b_finite, distribution.log_survival_function(b_safe),
                         jnp.where(b > 0, -jnp.inf, 0.0))
    right = log_cdf_a > math.log(0.5)
    return jnp.where(right, log_sub_exp(log_sf_a, log_sf_b), log_sub_exp(log_cdf_b, log_cdf_a))


class QuantizedDistribution(Distribution):
    """Integer-valued ``Y = ceil(X)``, clipped to ``[low, high]``, for a scalar ``X``.

    Sampling: draw ``X`` from ``distribution``, take ``ceil(X)`` and clip it to
    ``[low, high]``. For whole ``y``: ``P(Y = y) = P(y - 1 < X <= y)`` inside,
    ``P(Y = low) = P(X <= low)``, ``P(Y = high) = P(X > high - 1)`` and 0 outside or at
    non-integers. Differences of the base's cdf are taken in log space between the
    nearer tails (the base's ``log_cdf``/``log_survival_function``), so far-tail masses
    keep their precision. ``cdf(y) = F(floor(y))`` between the cut-offs, 0 below ``low``,
    1 from ``high`` on. ``low``/``high`` default to no cut-off (``None``). For rounding
    to the nearest integer (TFP's discretized logistic), shift the base by ``-0.5`` first.

    Args:
        distribution: scalar distribution of ``X`` with a cdf.
        low, high: whole-number cut-offs (``low < high``), or ``None``.

    Examples:
        >>> import probflow.distributions as pfd
        >>> d = pfd.QuantizedDistribution(pfd.Normal(0.0, 1.0), low=-1.0, high=1.0)
        >>> round(float(d.prob(0.0)), 4), round(float(d.prob(-1.0)), 4)
        (0.3413, 0.1587)
        >>> float(d.cdf(1.0))
        1.0
    """

    distribution: Distribution
    low: jax.Array
    high: jax.Array
    infinite_params = {"low": "-inf", "high": "+inf"}

    def __init__(self, distribution: Distribution, low: ArrayLike | None = None,
                 high: ArrayLike | None = None, *, validate_args: bool = False,
                 name: str | None = None):
        check_scalar_base("QuantizedDistribution", distribution, "distribution")
        float_dtype = jnp.result_type(distribution.dtype, jnp.float32)
        if not jnp.issubdtype(distribution.dtype, jnp.floating):
            float_dtype = jnp.zeros(()).dtype
        low, high = promote_floats(jnp.asarray(-jnp.inf if low is None else low, float_dtype),
                                   jnp.asarray(jnp.inf if high is None else high, float_dtype))
        self._set(distribution=distribution, low=low, high=high, validate_args=validate_args,
                  name=name)
        self._validate(
            checks.Check("low", low, _whole_or_infinite, "a whole number (or None)"),
            checks.Check("high", high, _whole_or_infinite, "a whole number (or None)"),
            checks.Check("high - low", high - low, lambda v: v > 0, "positive"),
        )

    def _finiteness_checks(self):
        return array_finiteness_checks(self)

    @property
    def batch_shape(self) -> Shape:
        return tuple(jnp.broadcast_shapes(self.distribution.batch_shape, jnp.shape(self.low),
                                          jnp.shape(self.high)))

    @property
    def dtype(self) -> np.dtype:
        return self.low.dtype

    @property
    def support(self) -> constraints.Constraint:
        shape = self.batch_shape
        return constraints.IntegerInterval(jnp.broadcast_to(self.low, shape),
                                           jnp.broadcast_to(self.high, shape))

    def _sample(self, key, sample_shape):
        x = self.distribution.sample(key, sample_shape).astype(self.dtype)
        x = expand_draws(x, sample_shape, self.batch_shape)
        return jnp.clip(jnp.ceil(x), self.low, self.high)

    def _log_prob(self, value):
        y = value.astype(self.dtype)
        ok = (y >= self.low) & (y <= self.high) & (y == jnp.floor(y)) & jnp.isfinite(y)
        y = jnp.where(ok, y, jnp.where(jnp.isfinite(self.low), self.low, 0.0))
        base = self.distribution
        at_low = y == self.low
        at_high = y == self.high
        inner = log_interval_mass(base, y - 1.0, y)
        lp = jnp.where(at_low, base.log_cdf(y), jnp.where(
            at_high, base.log_survival_function(y - 1.0), inner))
        return jnp.where(ok, lp, -jnp.inf)

    def _cdf(self, value):
        y = jnp.floor(value.astype(self.dtype))
        inner = self.distribution.cdf(jnp.clip(y, self.low, self.high))
        return jnp.where(y < self.low, 0.0, jnp.where(y >= self.high, 1.0, inner))

    def _survival_function(self, value):
        y = jnp.floor(value.astype(self.dtype))
        inner = self.distribution.survival_function(jnp.clip(y, self.low, self.high))
        return jnp.where(y < self.low, 1.0, jnp.where(y >= self.high, 0.0, inner))


def _whole_or_infinite(v: Any) -> Any:
    xp: Any = np if isinstance(v, np.ndarray | np.generic) else jnp
    return xp.isinf(v) | (v == xp.floor(v))
