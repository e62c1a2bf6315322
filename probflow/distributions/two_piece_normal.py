"""The two-piece (split) normal distribution."""

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

__all__ = ["TwoPieceNormal"]

_HALF_LOG_2PI = 0.5 * math.log(2.0 * math.pi)


class TwoPieceNormal(Distribution):
    """Two normal halves joined at ``loc``, wider above when ``skewness > 1``.

    With ``y = (x - loc) / scale`` and ``g = skewness``: density
    ``2 / (g + 1/g) phi(y / g) / scale`` for ``y >= 0`` and ``2 / (g + 1/g) phi(g y) / scale``
    for ``y < 0`` (TFP's parameterisation; ``g = 1`` is the normal). Mean
    ``loc + scale sqrt(2/pi) (g - 1/g)``, variance ``scale**2 (g**2 - 1 + 1/g**2 -
    2/pi (g - 1/g)**2)``, mode ``loc``, entropy ``log(scale (g + 1/g) / 2) +
    log(2 pi e) / 2``. Sampling by the inverse cdf (reparameterized in every parameter).

    Args:
        loc: the mode.
        scale: positive.
        skewness: positive; above 1 the right half is wider.

    Examples:
        >>> import probflow.distributions as pfd
        >>> d = pfd.TwoPieceNormal(0.5, 1.3, 2.0)
        >>> round(float(d.mean()), 4), round(float(d.cdf(2.0)), 4)
        (2.0559, 0.5488)
    """

    loc: jax.Array
    scale: jax.Array
    skewness: jax.Array
    reparameterized = True

    def __init__(self, loc: ArrayLike, scale: ArrayLike, skewness: ArrayLike, *,
                 validate_args: bool = False, name: str | None = None):
        loc, scale, skewness = promote_floats(loc, scale, skewness)
        self._set(loc=loc, scale=scale, skewness=skewness, validate_args=validate_args,
                  name=name)
        self._validate(checks.positive("scale", scale), checks.positive("skewness", skewness))

    @property
    def support(self) -> constraints.Constraint:
        return constraints.real

    def _sample(self, key, sample_shape):
        u = jax.random.uniform(key, sample_shape + self.batch_shape, self.dtype,
                               minval=jnp.finfo(self.dtype).tiny)
        return self._quantile(u)

    def _log_norm(self):
        g = self.skewness
        return math.log(2.0) - jnp.log(g + 1.0 / g)

    def _scaled(self, value):
        g = self.skewness
        y = (value - self.loc) / self.scale
        return jnp.where(y >= 0, y / g, y * g), y

    def _log_prob(self, value):
        t, _ = self._scaled(value)
        return self._log_norm() - 0.5 * jnp.square(t) - _HALF_LOG_2PI - jnp.log(self.scale)

    def _cdf(self, value):
        g = self.skewness
        t, y = self._scaled(value)
        below = 2.0 / (1.0 + g * g) * special.ndtr(t)
        above = 1.0 - 2.0 * g * g / (1.0 + g * g) * special.ndtr(-t)
        return jnp.where(y < 0, below, above)

    def _log_cdf(self, value):
        g = self.skewness
        t, y = self._scaled(value)
        below = math.log(2.0) - jnp.log1p(g * g) + special.log_ndtr(t)
        above = jnp.log1p(-2.0 * g * g / (1.0 + g * g) * special.ndtr(-t))
        return jnp.where(y < 0, below, above)

    def _survival_function(self, value):
        g = self.skewness
        t, y = self._scaled(value)
        above = 2.0 * g * g / (1.0 + g * g) * special.ndtr(-t)
        below = 1.0 - 2.0 / (1.0 + g * g) * special.ndtr(t)
        return jnp.where(y >= 0, above, below)

    def _log_survival_function(self, value):
        g = self.skewness
        t, y = self._scaled(value)
        above = math.log(2.0) + 2.0 * jnp.log(g) - jnp.log1p(g * g) + special.log_ndtr(-t)
        below = jnp.log1p(-2.0 / (1.0 + g * g) * special.ndtr(t))
        return jnp.where(y >= 0, above, below)

    def _quantile(self, value):
        g = self.skewness
        split = 1.0 / (1.0 + g * g)
        below = special.ndtri(jnp.minimum(value, split) * (1.0 + g * g) / 2.0) / g
        upper_tail = jnp.minimum(1.0 - value, 1.0 - split) * (1.0 + g * g) / (2.0 * g * g)
        above = -special.ndtri(upper_tail) * g
        y = jnp.where(value < split, below, above)
        return self.loc + self.scale * y

    def _mean(self):
        g = self.skewness
        mean = self.loc + self.scale * math.sqrt(2.0 / math.pi) * (g - 1.0 / g)
        return jnp.broadcast_to(mean, self.batch_shape)

    def _variance(self):
        g = self.skewness
        second = g * g - 1.0 + 1.0 / (g * g)
        var = jnp.square(self.scale) * (second - 2.0 / math.pi * jnp.square(g - 1.0 / g))
        return jnp.broadcast_to(var, self.batch_shape)

    def _mode(self):
        return jnp.broadcast_to(self.loc, self.batch_shape)

    def _entropy(self):
        g = self.skewness
        h = jnp.log(self.scale * 0.5 * (g + 1.0 / g)) + 0.5 * math.log(2.0 * math.pi * math.e)
        return jnp.broadcast_to(h, self.batch_shape)
