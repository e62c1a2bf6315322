"""The logit-normal distribution on the unit interval."""

from __future__ import annotations

import math

import jax
import jax.numpy as jnp
from jax.scipy import special

from probflow.core import checks
from probflow.core.numerics import promote_floats
from probflow.distributions import constraints
from probflow.distributions.distribution import Distribution
from probflow.typing import ArrayLike

__all__ = ["LogitNormal"]

_HALF_LOG_2PI = 0.5 * math.log(2.0 * math.pi)


class LogitNormal(Distribution):
    """``sigmoid(Y)`` with ``Y ~ Normal(loc, scale)``, on the unit interval.

    ``log_prob(x) = Normal(loc, scale).log_prob(logit x) - log x - log(1 - x)``;
    ``cdf(x) = Phi((logit x - loc) / scale)``; ``quantile(p) = sigmoid(loc + scale
    Phi^-1(p))``; entropy ``h(Y) + E[log x + log(1 - x)]`` has no closed form and is not
    provided, nor are the moments (no closed forms). Sampling is reparameterized.

    Args:
        loc: mean of the logit.
        scale: standard deviation of the logit, positive.

    Examples:
        >>> import probflow.distributions as pfd
        >>> d = pfd.LogitNormal(0.0, 1.0)
        >>> float(d.cdf(0.5))
        0.5
        >>> float(d.quantile(0.5))
        0.5
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
        return constraints.unit_interval

    def _sample(self, key, sample_shape):
        eps = jax.random.normal(key, sample_shape + self.batch_shape, self.dtype)
        return jax.nn.sigmoid(self.loc + self.scale * eps)

    def _z(self, value):
        x = jnp.where((value > 0) & (value < 1), value, 0.5)
        return (jnp.log(x) - jnp.log1p(-x) - self.loc) / self.scale, x

    def _log_prob(self, value):
        z, x = self._z(value)
        lp = (-0.5 * jnp.square(z) - jnp.log(self.scale) - _HALF_LOG_2PI
              - jnp.log(x) - jnp.log1p(-x))
        return jnp.where((value > 0) & (value < 1), lp, -jnp.inf)

    def _edge(self, value, inside, below, above):
        return jnp.where(value <= 0, below, jnp.where(value >= 1, above, inside))

    def _log_cdf(self, value):
        z, _ = self._z(value)
        return self._edge(value, special.log_ndtr(z), -jnp.inf, 0.0)

    def _cdf(self, value):
        z, _ = self._z(value)
        return self._edge(value, special.ndtr(z), 0.0, 1.0)

    def _log_survival_function(self, value):
        z, _ = self._z(value)
        return self._edge(value, special.log_ndtr(-z), 0.0, -jnp.inf)

    def _survival_function(self, value):
        z, _ = self._z(value)
        return self._edge(value, special.ndtr(-z), 1.0, 0.0)

    def _quantile(self, value):
        return jax.nn.sigmoid(self.loc + self.scale * special.ndtri(value))
