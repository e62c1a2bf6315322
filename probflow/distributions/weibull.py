"""The Weibull distribution."""

from __future__ import annotations

import jax
import jax.numpy as jnp
from jax.scipy import special

from probflow.core import checks
from probflow.core.numerics import log1mexp, promote_floats
from probflow.distributions import constraints
from probflow.distributions.distribution import Distribution
from probflow.typing import ArrayLike

__all__ = ["Weibull"]

_EULER_GAMMA = 0.5772156649015329


class Weibull(Distribution):
    """Weibull distribution with shape ``concentration`` (k) and ``scale`` (lambda).

    ``cdf(x) = 1 - exp(-(x / lambda)**k)`` for ``x >= 0``;
    ``log_prob(x) = log(k / lambda) + (k - 1) log(x / lambda) - (x / lambda)**k``.
    Mean ``lambda Gamma(1 + 1/k)``, variance ``lambda**2 (Gamma(1 + 2/k) - Gamma(1 + 1/k)**2)``,
    mode ``lambda ((k - 1) / k)**(1/k)`` for ``k > 1`` (0 otherwise), entropy
    ``euler_gamma (1 - 1/k) + log(lambda / k) + 1``. Sampling by the inverse cdf
    (reparameterized).

    Args:
        concentration: shape ``k > 0``.
        scale: scale ``lambda > 0``.

    Examples:
        >>> import probflow.distributions as pfd
        >>> d = pfd.Weibull(concentration=2.0, scale=1.0)
        >>> round(float(d.cdf(1.0)), 4)
        0.6321
        >>> round(float(d.mean()), 4)
        0.8862
    """

    concentration: jax.Array
    scale: jax.Array
    reparameterized = True

    def __init__(self, concentration: ArrayLike, scale: ArrayLike, *, validate_args: bool = False,
                 name: str | None = None):
        concentration, scale = promote_floats(concentration, scale)
        self._set(concentration=concentration, scale=scale, validate_args=validate_args,
                  name=name)
        self._validate(checks.positive("concentration", concentration),
                       checks.positive("scale", scale))

    @property
    def support(self) -> constraints.Constraint:
        return constraints.nonnegative

    def _sample(self, key, sample_shape):
        shape = sample_shape + self.batch_shape
        u = jax.random.uniform(key, shape, self.dtype, minval=jnp.finfo(self.dtype).tiny)
        return self.scale * jnp.power(-jnp.log(u), 1.0 / self.concentration)

    def _log_prob(self, value):
        k, lam = self.concentration, self.scale
        inside = value >= 0
        z = jnp.where(inside, value, 1.0) / lam
        lp = jnp.log(k / lam) + special.xlogy(k - 1.0, z) - jnp.power(z, k)
        return jnp.where(inside, lp, -jnp.inf)

    def _log_survival_function(self, value):
        z = jnp.maximum(value, 0.0) / self.scale
        return -jnp.power(z, self.concentration)

    def _log_cdf(self, value):
        return log1mexp(jnp.power(jnp.maximum(value, 0.0) / self.scale, self.concentration))

    def _cdf(self, value):
        return -jnp.expm1(self._log_survival_function(value))

    def _quantile(self, value):
        return self.scale * jnp.power(-jnp.log1p(-value), 1.0 / self.concentration)

    def _mean(self):
        k, lam = self.concentration, self.scale
        return jnp.broadcast_to(lam * jnp.exp(special.gammaln(1.0 + 1.0 / k)), self.batch_shape)

    def _variance(self):
        k, lam = self.concentration, self.scale
        g1 = jnp.exp(special.gammaln(1.0 + 1.0 / k))
        g2 = jnp.exp(special.gammaln(1.0 + 2.0 / k))
        return jnp.broadcast_to(jnp.square(lam) * (g2 - jnp.square(g1)), self.batch_shape)

    def _mode(self):
        k, lam = self.concentration, self.scale
        safe = jnp.where(k > 1, k, 2.0)
        mode = lam * jnp.power((safe - 1.0) / safe, 1.0 / safe)
        return jnp.broadcast_to(jnp.where(k > 1, mode, 0.0), self.batch_shape)

    def _entropy(self):
        k, lam = self.concentration, self.scale
        h = _EULER_GAMMA * (1.0 - 1.0 / k) + jnp.log(lam / k) + 1.0
        return jnp.broadcast_to(h, self.batch_shape)
