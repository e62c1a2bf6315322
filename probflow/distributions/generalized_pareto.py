"""The generalized Pareto distribution."""

from __future__ import annotations

import jax
import jax.numpy as jnp

from probflow.core import checks
from probflow.core.numerics import log1mexp, promote_floats
from probflow.distributions import constraints
from probflow.distributions.distribution import Distribution
from probflow.distributions.gev import bound, expm1_over, log1p_over
from probflow.typing import ArrayLike

__all__ = ["GeneralizedPareto"]


class GeneralizedPareto(Distribution):
    """Generalized Pareto distribution (limit law of threshold exceedances).

    With ``z = (x - loc) / scale >= 0``: ``survival(x) = (1 + xi z)**(-1/xi)``
    (``exp(-z)`` at ``xi = 0``), ``log_prob(x) = -log(scale) - (1 + xi) log1p(xi z) / xi``.
    For ``xi < 0`` the support ends at ``loc - scale / xi``. Mean
    ``loc + scale / (1 - xi)`` (``xi < 1``), variance ``scale**2 / ((1 - xi)**2 (1 - 2 xi))``
    (``xi < 1/2``), mode ``loc``, entropy ``log(scale) + xi + 1``. Sampling by the inverse
    cdf (reparameterized).

    Args:
        loc: lower end of the support.
        scale: positive scale.
        concentration: shape ``xi`` (real).

    Examples:
        >>> import probflow.distributions as pfd
        >>> d = pfd.GeneralizedPareto(0.5, 1.3, 0.3)
        >>> round(float(d.cdf(2.0)), 4), round(float(d.mean()), 4)
        (0.6287, 2.3571)
    """

    loc: jax.Array
    scale: jax.Array
    concentration: jax.Array
    reparameterized = True

    def __init__(self, loc: ArrayLike, scale: ArrayLike, concentration: ArrayLike, *,
                 validate_args: bool = False, name: str | None = None):
        loc, scale, concentration = promote_floats(loc, scale, concentration)
        self._set(loc=loc, scale=scale, concentration=concentration,
                  validate_args=validate_args, name=name)
        self._validate(checks.positive("scale", scale))

    @property
    def support(self) -> constraints.Constraint:
        xi = self.concentration
        high = jnp.where(xi < 0, bound(self.loc, self.scale, xi), jnp.inf)
        return constraints.ExtendedInterval(jnp.broadcast_to(self.loc, jnp.shape(high)), high)

    def _sample(self, key, sample_shape):
        u = jax.random.uniform(key, sample_shape + self.batch_shape, self.dtype)
        return self._quantile(u)

    def _log_surv(self, value):
        xi = self.concentration
        z = (value - self.loc) / self.scale
        inside = (z >= 0) & (1.0 + xi * z > 0)
        z_safe = jnp.where(inside, z, 0.0)
        return -log1p_over(xi, z_safe), inside, z

    def _log_prob(self, value):
        log_s, inside, _ = self._log_surv(value)
        lp = (1.0 + self.concentration) * log_s - jnp.log(self.scale)
        return jnp.where(inside, lp, -jnp.inf)

    def _log_survival_function(self, value):
        log_s, inside, z = self._log_surv(value)
        return jnp.where(inside, log_s, jnp.where(z < 0, 0.0, -jnp.inf))

    def _survival_function(self, value):
        return jnp.exp(self._log_survival_function(value))

    def _log_cdf(self, value):
        return log1mexp(self._log_survival_function(value))

    def _cdf(self, value):
        return -jnp.expm1(self._log_survival_function(value))

    def _quantile(self, value):
        return self.loc + self.scale * expm1_over(self.concentration, -jnp.log1p(-value))

    def _mean(self):
        xi = self.concentration
        ok = xi < 1
        mean = self.loc + self.scale / (1.0 - jnp.where(ok, xi, 0.0))
        return jnp.broadcast_to(jnp.where(ok, mean, jnp.inf), self.batch_shape)

    def _variance(self):
        xi = self.concentration
        ok = xi < 0.5
        x = jnp.where(ok, xi, 0.0)
        var = jnp.square(self.scale) / (jnp.square(1.0 - x) * (1.0 - 2.0 * x))
        return jnp.broadcast_to(jnp.where(ok, var, jnp.inf), self.batch_shape)

    def _mode(self):
        return jnp.broadcast_to(self.loc, self.batch_shape)

    def _entropy(self):
        return jnp.broadcast_to(jnp.log(self.scale) + self.concentration + 1.0, self.batch_shape)
