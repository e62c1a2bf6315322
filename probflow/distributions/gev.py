"""The generalized extreme value distribution."""

from __future__ import annotations

import math

import jax
import jax.numpy as jnp
from jax.scipy import special

from probflow.core import checks
from probflow.core.numerics import log1mexp, promote_floats
from probflow.distributions import constraints
from probflow.distributions.distribution import Distribution
from probflow.typing import Array, ArrayLike

__all__ = ["GeneralizedExtremeValue"]

_EULER_GAMMA = 0.5772156649015329


def _small(xi: Array) -> Array:
    return jnp.abs(xi) < 1e-6 if jnp.result_type(xi) == jnp.float64 else jnp.abs(xi) < 1e-4


def log1p_over(xi: Array, z: Array) -> Array:
    """``log1p(xi z) / xi``, with its limit ``z - xi z**2 / 2`` as ``xi -> 0``."""
    small = _small(xi)
    xi_safe = jnp.where(small, 1.0, xi)
    return jnp.where(small, z - 0.5 * xi * z * z, jnp.log1p(xi_safe * z) / xi_safe)


def expm1_over(xi: Array, s: Array) -> Array:
    """``expm1(xi s) / xi``, with its limit ``s + xi s**2 / 2`` as ``xi -> 0``."""
    small = _small(xi)
    xi_safe = jnp.where(small, 1.0, xi)
    return jnp.where(small, s + 0.5 * xi * s * s, jnp.expm1(xi_safe * s) / xi_safe)


def bound(loc: Array, scale: Array, concentration: Array) -> Array:
    """``loc - scale / concentration``: the finite end of the support (``xi != 0``)."""
    xi_safe = jnp.where(concentration == 0, 1.0, concentration)
    return loc - scale / xi_safe


class GeneralizedExtremeValue(Distribution):
    """Generalized extreme value distribution (limit law of block maxima).

    With ``z = (x - loc) / scale`` and ``t = (1 + xi z)**(-1/xi)`` (``exp(-z)`` at
    ``xi = 0``): ``cdf(x) = exp(-t)``, ``log_prob(x) = (xi + 1) log t - t - log(scale)`` on
    ``1 + xi z > 0``. ``xi > 0`` is Fréchet-type (bounded below), ``xi < 0`` Weibull-type
    (bounded above), ``xi = 0`` Gumbel. Mean ``loc + scale (Gamma(1 - xi) - 1) / xi``
    (``xi < 1``), variance ``scale**2 (Gamma(1 - 2 xi) - Gamma(1 - xi)**2) / xi**2``
    (``xi < 1/2``), mode ``loc + scale ((1 + xi)**(-xi) - 1) / xi``, entropy
    ``log(scale) + euler_gamma (xi + 1) + 1``. Sampling by the inverse cdf
    (reparameterized). Note scipy's ``genextreme`` uses ``c = -xi``.

    Args:
        loc: location.
        scale: positive scale.
        concentration: shape ``xi`` (real).

    Examples:
        >>> import probflow.distributions as pfd
        >>> d = pfd.GeneralizedExtremeValue(0.5, 1.3, 0.3)
        >>> round(float(d.cdf(2.0)), 4), round(float(d.mean()), 4)
        (0.6899, 1.7916)
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
        end = bound(self.loc, self.scale, xi)
        low = jnp.where(xi > 0, end, -jnp.inf)
        high = jnp.where(xi < 0, end, jnp.inf)
        return constraints.ExtendedInterval(low, high)

    def _sample(self, key, sample_shape):
        u = jax.random.uniform(key, sample_shape + self.batch_shape, self.dtype,
                               minval=jnp.finfo(self.dtype).tiny)
        return self._quantile(u)

    def _log_t(self, value):
        xi = self.concentration
        z = (value - self.loc) / self.scale
        inside = 1.0 + xi * z > 0
        z_safe = jnp.where(inside, z, 0.0)
        return -log1p_over(xi, z_safe), inside

    def _log_prob(self, value):
        log_t, inside = self._log_t(value)
        lp = (self.concentration + 1.0) * log_t - jnp.exp(log_t) - jnp.log(self.scale)
        return jnp.where(inside, lp, -jnp.inf)

    def _edge(self, value, inside_value, inside, below_value, above_value):
        # Outside the support: below the lower end (xi > 0) or above the upper end (xi < 0).
        below = self.concentration > 0
        return jnp.where(inside, inside_value, jnp.where(below, below_value, above_value))

    def _log_cdf(self, value):
        log_t, inside = self._log_t(value)
        return self._edge(value, -jnp.exp(log_t), inside, -jnp.inf, 0.0)

    def _cdf(self, value):
        log_t, inside = self._log_t(value)
        return self._edge(value, jnp.exp(-jnp.exp(log_t)), inside, 0.0, 1.0)

    def _log_survival_function(self, value):
        log_t, inside = self._log_t(value)
        return self._edge(value, log1mexp(jnp.exp(log_t)), inside, 0.0, -jnp.inf)

    def _survival_function(self, value):
        log_t, inside = self._log_t(value)
        return self._edge(value, -jnp.expm1(-jnp.exp(log_t)), inside, 1.0, 0.0)

    def _quantile(self, value):
        # t = -log p; x = loc + scale (t**(-xi) - 1) / xi
        s = -jnp.log(-jnp.log(value))
        return self.loc + self.scale * expm1_over(self.concentration, s)

    def _mean(self):
        xi = self.concentration
        ok = xi < 1
        xi_ok = jnp.where(ok, xi, 0.5)
        small = _small(xi_ok)
        xi_safe = jnp.where(small, 0.5, xi_ok)
        term = jnp.where(small, _EULER_GAMMA, (jnp.exp(special.gammaln(1.0 - xi_safe)) - 1.0)
                         / xi_safe)
        return jnp.broadcast_to(jnp.where(ok, self.loc + self.scale * term, jnp.inf),
                                self.batch_shape)

    def _variance(self):
        xi = self.concentration
        ok = xi < 0.5
        xi_ok = jnp.where(ok, xi, 0.25)
        small = _small(xi_ok)
        xi_safe = jnp.where(small, 0.25, xi_ok)
        g1 = jnp.exp(special.gammaln(1.0 - xi_safe))
        g2 = jnp.exp(special.gammaln(1.0 - 2.0 * xi_safe))
        term = jnp.where(small, math.pi**2 / 6.0, (g2 - g1 * g1) / jnp.square(xi_safe))
        return jnp.broadcast_to(jnp.where(ok, jnp.square(self.scale) * term, jnp.inf),
                                self.batch_shape)

    def _mode(self):
        xi = self.concentration
        s = -jnp.log1p(xi)  # (1 + xi)**(-xi) - 1 = expm1(xi * -log1p(xi))
        return jnp.broadcast_to(self.loc + self.scale * expm1_over(xi, s), self.batch_shape)

    def _entropy(self):
        h = jnp.log(self.scale) + _EULER_GAMMA * (self.concentration + 1.0) + 1.0
        return jnp.broadcast_to(h, self.batch_shape)
