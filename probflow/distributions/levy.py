"""The Lévy distribution."""

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

__all__ = ["Levy"]

_EULER_GAMMA = 0.5772156649015329
_HALF_LOG_2PI = 0.5 * math.log(2.0 * math.pi)


class Levy(Distribution):
    """Lévy distribution on ``x > loc``: ``loc + scale / Z**2`` with ``Z`` standard normal.

    The stable law of index 1/2 (NumPyro's ``Levy``; scipy's ``levy(loc, scale)``). With
    ``y = x - loc``: ``log_prob(x) = log(scale) / 2 - log(2 pi) / 2 - 3 log(y) / 2 - scale /
    (2 y)``; ``cdf(x) = erfc(sqrt(scale / (2 y))) = 2 ndtr(-sqrt(scale / y))``, quantile
    ``loc + scale / ndtri(p / 2)**2``. Mean and variance are infinite; mode ``loc + scale /
    3``; entropy ``(1 + 3 gamma + log(16 pi scale**2)) / 2`` (``gamma`` Euler's constant).
    Sampling is reparameterized.

    Args:
        loc: the lower end of the support.
        scale: positive.

    Examples:
        >>> import probflow.distributions as pfd
        >>> d = pfd.Levy(loc=0.0, scale=1.0)
        >>> round(float(d.cdf(1.0)), 4), float(d.mean())
        (0.3173, inf)
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
        return constraints.GreaterThan(self.loc)

    def _sample(self, key, sample_shape):
        z = jax.random.normal(key, sample_shape + self.batch_shape, self.dtype)
        tiny = jnp.finfo(self.dtype).tiny
        return self.loc + self.scale / jnp.maximum(jnp.square(z), tiny)

    def _excess(self, value):
        inside = value > self.loc
        return jnp.where(inside, value - self.loc, 1.0), inside

    def _log_prob(self, value):
        y, inside = self._excess(value)
        lp = (0.5 * jnp.log(self.scale) - _HALF_LOG_2PI - 1.5 * jnp.log(y)
              - 0.5 * self.scale / y)
        return jnp.where(inside, lp, -jnp.inf)

    def _log_cdf(self, value):
        y, inside = self._excess(value)
        lc = math.log(2.0) + special.log_ndtr(-jnp.sqrt(self.scale / y))
        return jnp.where(inside, lc, -jnp.inf)

    def _survival_function(self, value):
        y, inside = self._excess(value)
        return jnp.where(inside, special.erf(jnp.sqrt(0.5 * self.scale / y)), 1.0)

    def _quantile(self, value):
        return self.loc + self.scale / jnp.square(special.ndtri(0.5 * value))

    def _mean(self):
        return jnp.full(self.batch_shape, jnp.inf, self.dtype)

    def _variance(self):
        return jnp.full(self.batch_shape, jnp.inf, self.dtype)

    def _mode(self):
        return jnp.broadcast_to(self.loc + self.scale / 3.0, self.batch_shape)

    def _entropy(self):
        h = 0.5 * (1.0 + 3.0 * _EULER_GAMMA + math.log(16.0 * math.pi)) + jnp.log(self.scale)
        return jnp.broadcast_to(h, self.batch_shape)
