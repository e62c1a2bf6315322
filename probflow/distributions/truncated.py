"""``TruncatedDistribution``: any scalar distribution with a cdf, restricted to ``[low, high]``."""

from __future__ import annotations

from typing import Any

import jax
import jax.numpy as jnp

from probflow.core import checks
from probflow.core.errors import UnsupportedError
from probflow.core.numerics import log_sub_exp, promote_floats
from probflow.distributions import constraints
from probflow.distributions._wrappers import array_finiteness_checks, check_scalar_base
from probflow.distributions.distribution import Distribution
from probflow.distributions.quantized import log_interval_mass
from probflow.typing import ArrayLike, Shape

__all__ = ["TruncatedDistribution"]


def _bounds_of(support):
    """``(low, high)`` of an interval-like support, or ``None`` for other constraints."""
    if isinstance(support, constraints.Real):
        return -jnp.inf, jnp.inf
    if isinstance(support, constraints.GreaterThan | constraints.IntegerGreaterThan):
        return support.lower, jnp.inf
    if isinstance(support, constraints.LessThan):
        return -jnp.inf, support.upper
    if isinstance(support, constraints.Interval | constraints.ExtendedInterval
                  | constraints.IntegerInterval):
        return support.low, support.high
    return None


class TruncatedDistribution(Distribution):
    """``base_dist`` conditioned on ``low <= X <= high``, for any scalar distribution with a cdf.

    NumPyro's ``TruncatedDistribution(base_dist, low=None, high=None)``, as one class and for
    any base with a cdf (NumPyro's takes a few location-scale families). With ``F`` the
    base's cdf and ``Z = P(low <= X <= high)``: ``log_prob(x) = base.log_prob(x) - log Z``
    inside ``[low, high]`` and ``-inf`` outside; ``cdf(x) = P(low <= X <= x) / Z``. ``Z``
    and the cdf are differences of the base's ``log_cdf`` (or, in the right tail, of its
    ``log_survival_function``) taken in log space, so a window far in a tail keeps its
    precision. For a discrete base the mass at ``low`` counts (``Z = F(high) - F(low) +
    P(X = low)``). ``low=None`` / ``high=None`` leave that side open.

    Sampling inverts the cdf: ``quantile(u) = base.quantile(F(low-) + u Z)``, clipped to
    the window, which needs the base's ``quantile`` (an ``UnsupportedError`` says so when it
    has none) and is reparameterized when the base is continuous and reparameterized. Far
    in a tail the inverse cdf loses precision (``F(low) + u Z`` rounds); prefer a
    dedicated class there (e.g.
    [`TruncatedNormal`][probflow.distributions.truncated_normal.TruncatedNormal]). No
    closed-form moments.

    Args:
        base_dist: scalar distribution with a cdf (``log_cdf``/``log_survival_function``).
        low, high: the window (``low < high``); ``None`` for no bound on that side.

    Examples:
        >>> import jax
        >>> import probflow.distributions as pfd
        >>> d = pfd.TruncatedDistribution(pfd.Laplace(0.0, 1.0), low=0.0, high=2.0)
        >>> round(float(d.cdf(1.0)), 4), round(float(d.log_prob(1.0)), 4)
        (0.7311, -0.8546)
        >>> bool((d.sample(jax.random.key(0), (100,)) <= 2.0).all())
        True
    """

    base_dist: Distribution
    low: jax.Array
    high: jax.Array
    infinite_params = {"low": "-inf", "high": "+inf"}

    def __init__(self, base_dist: Distribution, low: ArrayLike | None = None,
                 high: ArrayLike | None = None, *, validate_args: bool = False,
                 name: str | None = None):
        check_scalar_base("TruncatedDistribution", base_dist)
        dtype = base_dist.dtype if jnp.issubdtype(base_dist.dtype, jnp.floating) else None
        low = jnp.asarray(-jnp.inf if low is None else low, dtype)
        high = jnp.asarray(jnp.inf if high is None else high, dtype)
        low, high = promote_floats(low, high)
        self._set(base_dist=base_dist, low=low, high=high, validate_args=validate_args,
                  name=name)
        self._validate(checks.Check("high - low", high - low, lambda v: v > 0, "positive"))

    def _finiteness_checks(self):
        return array_finiteness_checks(self)

    @property
    def batch_shape(self) -> Shape:
        return tuple(jnp.broadcast_shapes(self.base_dist.batch_shape, jnp.shape(self.low),
                                          jnp.shape(self.high)))

    @property
    def dtype(self) -> Any:
        return self.base_dist.dtype

    @property
    def reparameterized(self) -> bool:  # pyright: ignore[reportIncompatibleVariableOverride]
        return bool(self.base_dist.reparameterized and not self.base_dist.is_discrete)

    @property
    def is_discrete(self) -> bool:
        return self.base_dist.is_discrete

    @property
    def support(self) -> constraints.Constraint:
        shape = self.batch_shape
        bounds = _bounds_of(self.base_dist.support)
        if bounds is None:
            raise UnsupportedError(
                f"TruncatedDistribution: the support of {type(self.base_dist).__name__} "
                f"({type(self.base_dist.support).__name__}) is not an interval")
        low = jnp.broadcast_to(jnp.maximum(self.low, bounds[0]), shape)
        high = jnp.broadcast_to(jnp.minimum(self.high, bounds[1]), shape)
        if self.base_dist.is_discrete:
            return constraints.IntegerInterval(jnp.ceil(low), jnp.floor(high))
        return constraints.ExtendedInterval(low, high)

    # -- the normaliser and the truncated cdf ------------------------------------------------
    def _log_mass_at_low(self):
        """``log P(X = low)`` for a discrete base (the interval masses exclude ``low``)."""
        low = jnp.where(jnp.isfinite(self.low), self.low, 0.0)
        lp = self.base_dist.log_prob(low)
        return jnp.where(jnp.isfinite(self.low), lp, -jnp.inf)

    def _log_mass(self, upper):
        """``log P(low <= X <= upper)`` for ``upper`` in ``[low, high]``."""
        mass = log_interval_mass(self.base_dist, self.low, upper)
        if self.base_dist.is_discrete:
            mass = jnp.logaddexp(mass, self._log_mass_at_low())
        return mass

    def _log_z(self):
        return self._log_mass(self.high)

    def _inside(self, value):
        return (value >= self.low) & (value <= self.high)

    def _log_prob(self, value):
        inside = self._inside(value)
        safe = jnp.where(inside, value, _interior(self.low, self.high))
        return jnp.where(inside, self.base_dist.log_prob(safe) - self._log_z(), -jnp.inf)

    def _log_cdf(self, value):
        x = jnp.clip(value, self.low, self.high)
        out = self._log_mass(x) - self._log_z()
        return jnp.where(value >= self.high, 0.0, jnp.where(value < self.low, -jnp.inf, out))

    def _log_survival_function(self, value):
        x = jnp.clip(value, self.low, self.high)
        out = log_interval_mass(self.base_dist, x, self.high) - self._log_z()
        return jnp.where(value < self.low, 0.0, jnp.where(value >= self.high, -jnp.inf, out))

    def _cdf(self, value):
        return jnp.exp(self._log_cdf(value))

    def _survival_function(self, value):
        return jnp.exp(self._log_survival_function(value))

    def _quantile(self, value):
        base = self.base_dist
        if type(base)._quantile is Distribution._quantile:
            raise UnsupportedError(
                f"TruncatedDistribution: sampling and quantile invert the base's cdf, but "
                f"{type(base).__name__} has no quantile")
        value = jnp.asarray(value, dtype=self.low.dtype)
        log_below = base.log_cdf(self.low)
        if base.is_discrete:
            log_below = log_sub_exp(log_below, self._log_mass_at_low())
        z = jnp.exp(self._log_z())
        target = jnp.exp(log_below) + value * z
        return jnp.clip(base.quantile(target), self.low, self.high)

    def _sample(self, key, sample_shape):
        shape = sample_shape + self.batch_shape
        dtype = self.low.dtype
        u = jax.random.uniform(key, shape, dtype, minval=jnp.finfo(dtype).tiny)
        return self._quantile(u).astype(self.dtype)


def _interior(low, high):
    """A finite point of ``[low, high]`` (the base's log density is evaluated there off the
    window, so its gradient stays finite)."""
    both = jnp.isfinite(low) & jnp.isfinite(high)
    return jnp.where(both, 0.5 * (jnp.where(both, low, 0.0) + jnp.where(both, high, 0.0)),
                     jnp.where(jnp.isfinite(low), low + 1.0,
                               jnp.where(jnp.isfinite(high), high - 1.0, 0.0)))
