"""Censored observations (NumPyro's names): ``LeftCensoredDistribution``,
``RightCensoredDistribution`` and ``IntervalCensoredDistribution``.

Each wraps a scalar base distribution with a cdf and changes only the likelihood of a
censored observation: the density ``f`` of an exactly observed value becomes the
probability of the censoring event (``F(x)``, ``1 - F(x)``, ``F(u) - F(l)``). Samples are
draws of the uncensored variable. Cumulative functions are taken in log space
(``log_cdf``, ``log_survival_function``), so far-tail censoring keeps its precision.
"""

from __future__ import annotations

from typing import Any, ClassVar

import jax
import jax.numpy as jnp

from probflow.core import checks
from probflow.core.errors import UnsupportedError
from probflow.distributions import constraints
from probflow.distributions._wrappers import check_scalar_base, expand_draws
from probflow.distributions.distribution import Distribution
from probflow.distributions.event_space import register_bijector
from probflow.distributions.quantized import log_interval_mass
from probflow.typing import Array, ArrayLike, PRNGKey

__all__ = [
    "LeftCensoredDistribution",
    "RightCensoredDistribution",
    "IntervalCensoredDistribution",
    "CensoringIntervals",
]


def _indicator(owner: str, name: str, value: ArrayLike) -> Array:
    value = jnp.asarray(value)
    if jnp.issubdtype(value.dtype, jnp.bool_):
        return value
    checks.validate(owner, [checks.Check(name, value, lambda v: (v == 0) | (v == 1),
                                         "0/1 or boolean")])
    return value != 0


class _Censored(Distribution):
    """Shared pieces: the base, broadcasting, samples and moments of the uncensored variable."""

    base_dist: Distribution

    @property
    def dtype(self) -> Any:
        return self.base_dist.dtype

    @property
    def is_discrete(self) -> bool:
        return self.base_dist.is_discrete

    @property
    def reparameterized(self) -> bool:  # pyright: ignore[reportIncompatibleVariableOverride]
        return self.base_dist.reparameterized

    def _indicator_shapes(self) -> tuple[tuple[int, ...], ...]:  # pragma: no cover - overridden
        return ()

    @property
    def batch_shape(self) -> tuple[int, ...]:
        return tuple(jnp.broadcast_shapes(self.base_dist.batch_shape,
                                          *self._indicator_shapes()))

    def _draw(self, key: PRNGKey, sample_shape: tuple[int, ...]) -> Array:
        return expand_draws(self.base_dist.sample(key, sample_shape), sample_shape,
                            self.batch_shape)

    def _mean(self):
        return jnp.broadcast_to(self.base_dist.mean(), self.batch_shape)

    def _variance(self):
        return jnp.broadcast_to(self.base_dist.variance(), self.batch_shape)


class _OneSided(_Censored):
    """One-sided censoring: a ``censored`` indicator swaps the density for the base's
    ``_censored_log_prob`` (``log_cdf`` on the left, ``log_survival_function`` on the right)."""

    censored: jax.Array
    _censored_log_prob: ClassVar[str]

    def __init__(self, base_dist: Distribution, censored: ArrayLike = False, *,
                 validate_args: bool = False, name: str | None = None):
        owner = type(self).__name__
        check_scalar_base(owner, base_dist)
        censored = _indicator(owner, "censored", censored)
        self._set(base_dist=base_dist, censored=censored, validate_args=validate_args,
                  name=name)

    def _indicator_shapes(self) -> tuple[tuple[int, ...], ...]:
        return (jnp.shape(self.censored),)

    @property
    def support(self) -> constraints.Constraint:
        return self.base_dist.support

    def _sample(self, key, sample_shape):
        return self._draw(key, sample_shape)

    def _log_prob(self, value):
        censored = getattr(self.base_dist, self._censored_log_prob)(value)
        return jnp.where(self.censored, censored, self.base_dist.log_prob(value))


class LeftCensoredDistribution(_OneSided):
    """Left-censored observations: where ``censored`` is true, the value is an upper bound.

    ``log_prob(x) = log f(x)`` for an exact observation and ``log F(x) = log P(X <= x)``
    (the base's ``log_cdf``) where ``censored`` (a detection limit: the true value is at
    or below ``x``). R's ``Surv(time, event, type = 'left')``. Samples, mean and variance
    are those of the uncensored base (broadcast to the batch shape).

    Args:
        base_dist: scalar distribution of the uncensored values, with a cdf.
        censored: booleans (or 0/1) broadcasting with the base's batch shape.

    Examples:
        >>> import jax.numpy as jnp
        >>> import probflow.distributions as pfd
        >>> d = pfd.LeftCensoredDistribution(pfd.Normal(0.0, 1.0), jnp.asarray([False, True]))
        >>> [round(float(v), 4) for v in d.log_prob(jnp.asarray([0.0, 0.0]))]
        [-0.9189, -0.6931]
    """

    _censored_log_prob: ClassVar[str] = "log_cdf"


class RightCensoredDistribution(_OneSided):
    """Right-censored observations: where ``censored`` is true, the value is a lower bound.

    ``log_prob(x) = log f(x)`` for an exact observation (an event at ``x``) and
    ``log(1 - F(x)) = log P(X > x)`` (the base's ``log_survival_function``) where
    ``censored`` (follow-up ended at ``x`` without the event). R's
    ``Surv(time, event, type = 'right')`` with ``censored = 1 - event``. Samples, mean and
    variance are those of the uncensored base.

    Args:
        base_dist: scalar distribution of the uncensored values, with a cdf.
        censored: booleans (or 0/1) broadcasting with the base's batch shape.

    Examples:
        >>> import jax.numpy as jnp
        >>> import probflow.distributions as pfd
        >>> d = pfd.RightCensoredDistribution(pfd.Exponential(0.1), jnp.asarray([0, 1, 0]))
        >>> [round(float(v), 4) for v in d.log_prob(jnp.asarray([5.0, 8.0, 10.0]))]
        [-2.8026, -0.8, -3.3026]
    """

    _censored_log_prob: ClassVar[str] = "log_survival_function"


class CensoringIntervals(constraints.Constraint):
    """Pairs ``(lower, upper)`` (last axis of length 2) with ``lower <= upper``, each end in
    ``base`` or infinite: the values of
    [`IntervalCensoredDistribution`][probflow.distributions.censored.IntervalCensoredDistribution].

    Observed data only: it has no event-space bijector.

    Examples:
        >>> import jax.numpy as jnp
        >>> from probflow.distributions import constraints
        >>> from probflow.distributions.censored import CensoringIntervals
        >>> c = CensoringIntervals(constraints.positive)
        >>> c.check(jnp.asarray([[1.0, 2.0], [2.0, jnp.inf], [3.0, 1.0]]))
        Array([ True,  True, False], dtype=bool)
    """

    base: constraints.Constraint
    event_ndims: ClassVar[int] = 1

    @property
    def is_discrete(self) -> bool:  # pyright: ignore[reportIncompatibleVariableOverride]
        return self.base.is_discrete

    def check(self, value: Any) -> Array:
        lower, upper = value[..., 0], value[..., 1]
        ends = ((self.base.check(lower) | jnp.isinf(lower))
                & (self.base.check(upper) | jnp.isinf(upper)))
        return ends & (lower <= upper)


@register_bijector(CensoringIntervals)
def _censoring_intervals(constraint):
    raise UnsupportedError(
        "IntervalCensoredDistribution describes observed (censored) data: its values are "
        "intervals, not parameters, so it has no event-space bijector; condition on it")


class IntervalCensoredDistribution(_Censored):
    """Interval-censored observations: each value is a pair ``(lower, upper)``.

    With ``F`` the base's cdf (in log space), one observation contributes

    * ``log F(upper)`` when only ``left_censored`` (true value at or below ``upper``);
    * ``log(1 - F(lower))`` when only ``right_censored`` (true value above ``lower``);
    * ``log(F(upper) - F(lower))`` when neither (true value in ``(lower, upper]``), or the
      density ``log f(lower)`` when ``lower == upper`` (an exact observation);
    * ``log(1 - (F(upper) - F(lower)))`` when both (true value outside the interval).

    NumPyro's semantics; R's ``Surv(l, r, type = 'interval2')``. ``event_shape = (2,)``.
    A sample is the point interval ``(X, X)`` of a draw ``X`` of the uncensored base;
    mean and variance are those of ``(X, X)`` (the base's, twice).

    Args:
        base_dist: scalar distribution of the uncensored values, with a cdf.
        left_censored, right_censored: booleans (or 0/1) broadcasting with the batch.

    Examples:
        >>> import jax.numpy as jnp
        >>> import probflow.distributions as pfd
        >>> d = pfd.IntervalCensoredDistribution(pfd.Exponential(1.0), jnp.asarray([0, 0]),
        ...                                      jnp.asarray([0, 1]))
        >>> v = jnp.asarray([[1.0, 2.0], [3.0, jnp.inf]])
        >>> [round(float(x), 4) for x in d.log_prob(v)]
        [-1.4587, -3.0]
    """

    left_censored: jax.Array
    right_censored: jax.Array

    def __init__(self, base_dist: Distribution, left_censored: ArrayLike = False,
                 right_censored: ArrayLike = False, *, validate_args: bool = False,
                 name: str | None = None):
        owner = "IntervalCensoredDistribution"
        check_scalar_base(owner, base_dist)
        left = _indicator(owner, "left_censored", left_censored)
        right = _indicator(owner, "right_censored", right_censored)
        self._set(base_dist=base_dist, left_censored=left, right_censored=right,
                  validate_args=validate_args, name=name)

    def _indicator_shapes(self) -> tuple[tuple[int, ...], ...]:
        return (jnp.shape(self.left_censored), jnp.shape(self.right_censored))

    @property
    def event_shape(self) -> tuple[int, ...]:
        return (2,)

    @property
    def support(self) -> CensoringIntervals:
        return CensoringIntervals(self.base_dist.support)

    def _sample(self, key, sample_shape):
        x = self._draw(key, sample_shape)
        return jnp.stack([x, x], axis=-1)

    def _mean(self):
        m = jnp.broadcast_to(self.base_dist.mean(), self.batch_shape)
        return jnp.stack([m, m], axis=-1)

    def _variance(self):
        v = jnp.broadcast_to(self.base_dist.variance(), self.batch_shape)
        return jnp.stack([v, v], axis=-1)

    def _log_prob(self, value):
        base = self.base_dist
        lower, upper = value[..., 0], value[..., 1]
        left, right = self.left_censored, self.right_censored
        neither = ~left & ~right
        point = neither & (lower == upper)
        # Finite stand-ins keep every branch (and its gradient) finite where it is not used.
        lf, uf = jnp.isfinite(lower), jnp.isfinite(upper)
        lo = jnp.where(lf, lower, jnp.where(uf, upper - 1.0, 0.0))
        hi = jnp.where(uf, upper, lo + 1.0)
        log_f_lo = jnp.where(lf, base.log_cdf(lo), -jnp.inf)
        log_s_lo = jnp.where(lf, base.log_survival_function(lo), 0.0)
        log_f_hi = jnp.where(uf, base.log_cdf(hi), 0.0)
        log_s_hi = jnp.where(uf, base.log_survival_function(hi), -jnp.inf)
        exact = base.log_prob(jnp.where(point, lower, lo))
        bounded = lf & uf & ~point
        interval = log_interval_mass(base, lo, jnp.where(bounded, hi, lo + 1.0))
        # Neither censored: (lower, upper] is two-sided when both ends are finite, one-sided
        # (F(upper) or 1 - F(lower)) when one is infinite, everything when both are.
        inside = jnp.where(point, exact, jnp.where(bounded, interval, jnp.where(
            lf, log_s_lo, jnp.where(uf, log_f_hi, 0.0))))
        outside = jnp.logaddexp(log_f_lo, log_s_hi)
        return jnp.where(left & right, outside, jnp.where(left, log_f_hi, jnp.where(
            right, log_s_lo, inside)))
