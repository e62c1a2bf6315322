"""Johnson's SU distribution."""

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

__all__ = ["JohnsonSU"]

_HALF_LOG_2PI = 0.5 * math.log(2.0 * math.pi)


class JohnsonSU(Distribution):
    """Johnson's SU: ``skewness + tailweight * asinh((X - loc) / scale)`` is standard normal.

    With ``y = (x - loc) / scale`` and ``z = skewness + tailweight asinh(y)``:
    ``log_prob(x) = log(tailweight / scale) - log(1 + y**2) / 2 + Normal(0, 1).log_prob(z)``,
    ``cdf(x) = Phi(z)``, ``quantile(p) = loc + scale sinh((Phi^-1(p) - skewness) /
    tailweight)``. Mean ``loc - scale exp(1 / (2 tailweight**2)) sinh(skewness / tailweight)``,
    variance ``scale**2 / 2 (exp(1/tailweight**2) - 1) (exp(1/tailweight**2)
    cosh(2 skewness / tailweight) + 1)``. Sampling is reparameterized.

    Args:
        skewness: real.
        tailweight: positive (smaller is heavier-tailed).
        loc: location.
        scale: scale, positive.

    Examples:
        >>> import probflow.distributions as pfd
        >>> d = pfd.JohnsonSU(0.5, 2.0, 0.1, 1.5)
        >>> round(float(d.mean()), 4)
        -0.3294
    """

    skewness: jax.Array
    tailweight: jax.Array
    loc: jax.Array
    scale: jax.Array
    reparameterized = True

    def __init__(self, skewness: ArrayLike, tailweight: ArrayLike, loc: ArrayLike, scale: ArrayLike,
                 *, validate_args: bool = False, name: str | None = None):
        skewness, tailweight, loc, scale = promote_floats(skewness, tailweight, loc, scale)
        self._set(skewness=skewness, tailweight=tailweight, loc=loc, scale=scale,
                  validate_args=validate_args, name=name)
        self._validate(checks.positive("tailweight", tailweight), checks.positive("scale", scale))

    @property
    def support(self) -> constraints.Constraint:
        return constraints.real

    def _sample(self, key, sample_shape):
        n = jax.random.normal(key, sample_shape + self.batch_shape, self.dtype)
        return self.loc + self.scale * jnp.sinh((n - self.skewness) / self.tailweight)

    def _z(self, value):
        y = (value - self.loc) / self.scale
        return self.skewness + self.tailweight * jnp.arcsinh(y), y

    def _log_prob(self, value):
        z, y = self._z(value)
        # log(1 + y^2) / 2 = log(hypot(1, y)), stable for large |y|
        return (jnp.log(self.tailweight / self.scale) - jnp.log(jnp.hypot(1.0, y))
                - 0.5 * jnp.square(z) - _HALF_LOG_2PI)

    def _cdf(self, value):
        return special.ndtr(self._z(value)[0])

    def _log_cdf(self, value):
        return special.log_ndtr(self._z(value)[0])

    def _survival_function(self, value):
        return special.ndtr(-self._z(value)[0])

    def _log_survival_function(self, value):
        return special.log_ndtr(-self._z(value)[0])

    def _quantile(self, value):
        return self.loc + self.scale * jnp.sinh(
            (special.ndtri(value) - self.skewness) / self.tailweight)

    def _mean(self):
        g, d = self.skewness, self.tailweight
        mean = self.loc - self.scale * jnp.exp(0.5 / jnp.square(d)) * jnp.sinh(g / d)
        return jnp.broadcast_to(mean, self.batch_shape)

    def _variance(self):
        g, d = self.skewness, self.tailweight
        w = jnp.exp(1.0 / jnp.square(d))
        var = 0.5 * jnp.square(self.scale) * (w - 1.0) * (w * jnp.cosh(2.0 * g / d) + 1.0)
        return jnp.broadcast_to(var, self.batch_shape)
