"""The continuous uniform distribution."""

from __future__ import annotations

import jax
import jax.numpy as jnp

from probflow.core import checks
from probflow.core.numerics import promote_floats
from probflow.distributions import constraints
from probflow.distributions.distribution import Distribution
from probflow.distributions.kl import register_kl
from probflow.typing import ArrayLike

__all__ = ["Uniform"]


class Uniform(Distribution):
    """Uniform distribution on ``[low, high]``.

    ``log_prob(x) = -log(high - low)`` on ``[low, high]``, ``-inf`` outside.
    ``cdf = clip((x - low) / (high - low), 0, 1)``, ``survival = clip((high - x) / (high - low),
    0, 1)`` (computed directly, so it is exact near ``high``), ``quantile(p) = low + p (high -
    low)``. Mean ``(low + high) / 2``, variance ``(high - low)**2 / 12``, entropy
    ``log(high - low)``; there is no unique mode. Sampling is reparameterized.

    Args:
        low: lower end.
        high: upper end, greater than ``low``. Both broadcast to ``batch_shape``.

    Examples:
        >>> import jax
        >>> import probflow.distributions as pfd
        >>> d = pfd.Uniform(low=-1.0, high=3.0)
        >>> float(d.mean()), float(d.cdf(0.0)), float(d.log_prob(5.0))
        (1.0, 0.25, -inf)
        >>> d.sample(jax.random.key(0), (2, 3)).shape
        (2, 3)
    """

    low: jax.Array
    high: jax.Array
    reparameterized = True

    def __init__(self, low: ArrayLike = 0.0, high: ArrayLike = 1.0, *, validate_args: bool = False,
                 name: str | None = None):
        low, high = promote_floats(low, high)
        self._set(low=low, high=high, validate_args=validate_args, name=name)
        self._validate(
            checks.finite("low", low),
            checks.finite("high", high),
            checks.greater_than("high", high, low, "low"),
        )

    @property
    def support(self) -> constraints.Constraint:
        return constraints.Interval(self.low, self.high)

    def _width(self):
        return self.high - self.low

    def _sample(self, key, sample_shape):
        shape = sample_shape + self.batch_shape
        u = jax.random.uniform(key, shape, dtype=self.dtype)
        return self.low + self._width() * u

    def _log_prob(self, value):
        inside = (value >= self.low) & (value <= self.high)
        return jnp.where(inside, -jnp.log(self._width()), -jnp.inf)

    def _cdf(self, value):
        return jnp.clip((value - self.low) / self._width(), 0.0, 1.0)

    def _log_cdf(self, value):
        return jnp.log(self._cdf(value))

    def _survival_function(self, value):
        return jnp.clip((self.high - value) / self._width(), 0.0, 1.0)

    def _log_survival_function(self, value):
        return jnp.log(self._survival_function(value))

    def _quantile(self, value):
        return self.low + value * self._width()

    def _mean(self):
        return 0.5 * (self.low + self.high)

    def _variance(self):
        return jnp.square(self._width()) / 12.0

    def _entropy(self):
        return jnp.log(self._width())


@register_kl(Uniform, Uniform)
def _kl_uniform_uniform(p: Uniform, q: Uniform):
    # finite only when p's interval lies inside q's
    inside = (q.low <= p.low) & (p.high <= q.high)
    return jnp.where(inside, jnp.log(q._width()) - jnp.log(p._width()), jnp.inf)
