"""The inverse Gaussian (Wald) distribution."""

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

__all__ = ["InverseGaussian"]

_HALF_LOG_2PI = 0.5 * math.log(2.0 * math.pi)


class InverseGaussian(Distribution):
    """Inverse Gaussian with mean ``loc`` (mu) and shape ``concentration`` (lambda).

    ``log_prob(x) = (log(lambda) - log(2 pi x**3)) / 2 - lambda (x - mu)**2 / (2 mu**2 x)``;
    ``cdf(x) = Phi(r (x/mu - 1)) + exp(2 lambda / mu) Phi(-r (x/mu + 1))`` with
    ``r = sqrt(lambda / x)`` (the second term in log space, so it never overflows). Mean
    ``mu``, variance ``mu**3 / lambda``, mode ``mu (sqrt(1 + 9 mu**2 / (4 lambda**2)) -
    3 mu / (2 lambda))``. Sampling by Michael, Schucany and Haas' transformation (not
    reparameterized).

    Args:
        loc: mean ``mu > 0``.
        concentration: shape ``lambda > 0``.

    Examples:
        >>> import probflow.distributions as pfd
        >>> d = pfd.InverseGaussian(1.5, 2.0)
        >>> float(d.mean()), float(d.variance())
        (1.5, 1.6875)
    """

    loc: jax.Array
    concentration: jax.Array

    def __init__(self, loc: ArrayLike, concentration: ArrayLike, *, validate_args: bool = False,
                 name: str | None = None):
        loc, concentration = promote_floats(loc, concentration)
        self._set(loc=loc, concentration=concentration, validate_args=validate_args, name=name)
        self._validate(checks.positive("loc", loc), checks.positive("concentration", concentration))

    @property
    def support(self) -> constraints.Constraint:
        return constraints.positive

    def _sample(self, key, sample_shape):
        mu, lam = self.loc, self.concentration
        shape = sample_shape + self.batch_shape
        key_n, key_u = jax.random.split(key)
        y = jnp.square(jax.random.normal(key_n, shape, self.dtype))
        u = jax.random.uniform(key_u, shape, self.dtype)
        my = mu * y
        x = mu + mu * my / (2 * lam) - mu / (2 * lam) * jnp.sqrt(4 * lam * my + jnp.square(my))
        return jnp.where(u <= mu / (mu + x), x, jnp.square(mu) / x)

    def _log_prob(self, value):
        mu, lam = self.loc, self.concentration
        inside = value > 0
        x = jnp.where(inside, value, 1.0)
        lp = (0.5 * (jnp.log(lam) - 3.0 * jnp.log(x)) - _HALF_LOG_2PI
              - lam * jnp.square(x - mu) / (2.0 * jnp.square(mu) * x))
        return jnp.where(inside, lp, -jnp.inf)

    def _cdf(self, value):
        mu, lam = self.loc, self.concentration
        inside = value > 0
        x = jnp.where(inside, value, 1.0)
        r = jnp.sqrt(lam / x)
        second = jnp.exp(2.0 * lam / mu + special.log_ndtr(-r * (x / mu + 1.0)))
        return jnp.where(inside, special.ndtr(r * (x / mu - 1.0)) + second, 0.0)

    def _mean(self):
        return jnp.broadcast_to(self.loc, self.batch_shape)

    def _variance(self):
        return jnp.broadcast_to(self.loc**3 / self.concentration, self.batch_shape)

    def _mode(self):
        mu, lam = self.loc, self.concentration
        ratio = mu / lam
        mode = mu * (jnp.sqrt(1.0 + 2.25 * jnp.square(ratio)) - 1.5 * ratio)
        return jnp.broadcast_to(mode, self.batch_shape)
