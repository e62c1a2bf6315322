"""The discrete uniform distribution over consecutive integers."""

from __future__ import annotations

import jax
import jax.numpy as jnp

from probflow.core import checks
from probflow.core.numerics import promote_floats
from probflow.distributions import constraints
from probflow.distributions.bernoulli import _is_integer
from probflow.distributions.distribution import Distribution
from probflow.typing import Array, ArrayLike, PRNGKey

__all__ = ["DiscreteUniform"]


def _whole(name, value):
    return checks.Check(name, value, lambda v: v == v // 1, "a whole number")


class DiscreteUniform(Distribution):
    """Uniform distribution over the integers ``low, low + 1, ..., high`` (both included).

    NumPyro's ``DiscreteUniform`` (scipy's ``randint(low, high + 1)``): ``P(k) = 1 / (high -
    low + 1)`` on the support, 0 elsewhere; ``cdf(x) = (floor(x) - low + 1) / (high - low +
    1)`` inside. Mean ``(low + high) / 2``, variance ``((high - low + 1)**2 - 1) / 12``,
    entropy ``log(high - low + 1)``. The bounds are stored as floats (whole numbers); samples
    are floats of that dtype.

    Args:
        low: smallest value, a whole number; default 0.
        high: largest value, a whole number ``>= low``; default 1.

    Examples:
        >>> import probflow.distributions as pfd
        >>> d = pfd.DiscreteUniform(low=2, high=5)
        >>> float(d.prob(3)), float(d.mean())
        (0.25, 3.5)
    """

    low: jax.Array
    high: jax.Array

    def __init__(self, low: ArrayLike = 0, high: ArrayLike = 1, *, validate_args: bool = False,
                 name: str | None = None):
        low, high = promote_floats(jnp.asarray(low, float) if isinstance(low, int) else low,
                                   jnp.asarray(high, float) if isinstance(high, int) else high)
        self._set(low=low, high=high, validate_args=validate_args, name=name)
        self._validate(_whole("low", low), _whole("high", high),
                       checks.Check("high", high, lambda v: v >= low, "at least low"))

    @property
    def support(self) -> constraints.Constraint:
        return constraints.IntegerInterval(self.low, self.high)

    def _count(self):
        return self.high - self.low + 1.0

    def _sample(self, key: PRNGKey, sample_shape: tuple[int, ...]) -> Array:
        shape = sample_shape + self.batch_shape
        u = jax.random.uniform(key, shape, self.dtype)
        k = jnp.minimum(jnp.floor(u * self._count()), self._count() - 1.0)
        return self.low + k

    def _log_prob(self, value):
        x = value.astype(self.dtype)
        ok = _is_integer(x) & (x >= self.low) & (x <= self.high)
        return jnp.where(ok, -jnp.log(self._count()), -jnp.inf)

    def _cdf(self, value):
        k = jnp.floor(value.astype(self.dtype))
        inside = jnp.clip(k - self.low + 1.0, 0.0, self._count())
        return inside / self._count()

    def _survival_function(self, value):
        k = jnp.floor(value.astype(self.dtype))
        above = jnp.clip(self.high - k, 0.0, self._count())
        return above / self._count()

    def _mean(self):
        return jnp.broadcast_to(0.5 * (self.low + self.high), self.batch_shape)

    def _variance(self):
        return jnp.broadcast_to((jnp.square(self._count()) - 1.0) / 12.0, self.batch_shape)

    def _entropy(self):
        return jnp.broadcast_to(jnp.log(self._count()), self.batch_shape)
