"""The exponentially modified Gaussian distribution."""

from __future__ import annotations

import jax
import jax.numpy as jnp
from jax.scipy import special

from probflow.core import checks
from probflow.core.numerics import log_sub_exp, promote_floats
from probflow.distributions import constraints
from probflow.distributions.distribution import Distribution
from probflow.typing import Array, ArrayLike, PRNGKey

__all__ = ["ExponentiallyModifiedGaussian"]


class ExponentiallyModifiedGaussian(Distribution):
    """``X = N + E`` with ``N ~ Normal(loc, scale)`` and ``E ~ Exponential(rate)`` independent.

    ``log_prob(x) = log(rate) + rate (loc - x) + (rate scale)**2 / 2 +
    log Phi((x - loc) / scale - rate scale)``; ``cdf(x) = Phi(z) - exp(rate (loc - x) +
    (rate scale)**2 / 2) Phi(z - rate scale)``, evaluated in log space. Mean
    ``loc + 1/rate``, variance ``scale**2 + 1/rate**2``. Sampling is reparameterized.

    Args:
        loc: mean of the normal part.
        scale: standard deviation of the normal part, positive.
        rate: rate of the exponential part, positive.

    Examples:
        >>> import probflow.distributions as pfd
        >>> d = pfd.ExponentiallyModifiedGaussian(0.5, 1.3, 2.0)
        >>> float(d.mean())
        1.0
        >>> round(float(d.log_prob(2.0)), 4)
        -1.5296
    """

    loc: jax.Array
    scale: jax.Array
    rate: jax.Array
    reparameterized = True

    def __init__(self, loc: ArrayLike, scale: ArrayLike, rate: ArrayLike, *,
                 validate_args: bool = False, name: str | None = None):
        loc, scale, rate = promote_floats(loc, scale, rate)
        self._set(loc=loc, scale=scale, rate=rate, validate_args=validate_args, name=name)
        self._validate(checks.positive("scale", scale), checks.positive("rate", rate))

    @property
    def support(self) -> constraints.Constraint:
        return constraints.real

    def _sample(self, key: PRNGKey, sample_shape: tuple[int, ...]) -> Array:
        shape = sample_shape + self.batch_shape
        key_n, key_e = jax.random.split(key)
        n = jax.random.normal(key_n, shape, self.dtype)
        e = jax.random.exponential(key_e, shape, self.dtype)
        return self.loc + self.scale * n + e / self.rate

    def _log_tail_term(self, value):
        lam, s = self.rate, self.scale
        z = (value - self.loc) / s
        return lam * (self.loc - value) + 0.5 * jnp.square(lam * s) + special.log_ndtr(
            z - lam * s), z

    def _log_prob(self, value):
        term, _ = self._log_tail_term(value)
        return jnp.log(self.rate) + term

    def _log_cdf(self, value):
        term, z = self._log_tail_term(value)
        return log_sub_exp(special.log_ndtr(z), term)

    def _cdf(self, value):
        return jnp.exp(self._log_cdf(value))

    def _survival_function(self, value):
        term, z = self._log_tail_term(value)
        return special.ndtr(-z) + jnp.exp(term)

    def _log_survival_function(self, value):
        term, z = self._log_tail_term(value)
        return jnp.logaddexp(special.log_ndtr(-z), term)

    def _mean(self):
        return jnp.broadcast_to(self.loc + 1.0 / self.rate, self.batch_shape)

    def _variance(self):
        return jnp.broadcast_to(jnp.square(self.scale) + 1.0 / jnp.square(self.rate),
                                self.batch_shape)
