"""The truncated normal distribution."""

from __future__ import annotations

import math

import jax
import jax.numpy as jnp
from jax.scipy import special

from probflow.core import checks
from probflow.core.numerics import log_sub_exp, ndtri_exp, promote_floats
from probflow.distributions import constraints
from probflow.distributions.distribution import Distribution
from probflow.typing import Array, ArrayLike

__all__ = ["TruncatedNormal"]

_HALF_LOG_2PI = 0.5 * math.log(2.0 * math.pi)


def log_diff_ndtr(a: ArrayLike, b: ArrayLike) -> Array:
    """``log(Phi(b) - Phi(a))`` for ``a <= b``, accurate in both tails.

    When ``a > 0`` the difference is taken between upper tails, ``Phi(-a) - Phi(-b)``, so
    an interval far in the right tail does not cancel to zero.
    """
    a, b = jnp.asarray(a), jnp.asarray(b)
    right = a > 0
    upper = log_sub_exp(special.log_ndtr(-jnp.where(right, a, 0.0)),
                        special.log_ndtr(-jnp.where(right, b, 1.0)))
    lower = log_sub_exp(special.log_ndtr(jnp.where(right, 1.0, b)),
                        special.log_ndtr(jnp.where(right, 0.0, a)))
    return jnp.where(right, upper, lower)


class _TruncatedLocScale(Distribution):
    """A location-scale family restricted to ``[low, high]``: the fields, their checks, the
    standardised bounds ``(a, b)`` and the mode ``clip(loc, low, high)`` (for a unimodal
    parent with mode ``loc``). Subclasses define the densities and ``_interval_check``.
    """

    loc: jax.Array
    scale: jax.Array
    low: jax.Array
    high: jax.Array
    reparameterized = True
    infinite_params = {"low": "-inf", "high": "+inf"}

    def __init__(self, loc: ArrayLike, scale: ArrayLike, low: ArrayLike, high: ArrayLike, *,
                 validate_args: bool = False, name: str | None = None):
        loc, scale, low, high = promote_floats(loc, scale, low, high)
        self._set(loc=loc, scale=scale, low=low, high=high, validate_args=validate_args,
                  name=name)
        self._validate(checks.positive("scale", scale), self._interval_check(low, high))

    @staticmethod
    def _interval_check(low: Array, high: Array) -> checks.Check:  # pragma: no cover - abstract
        raise NotImplementedError

    def _bounds(self):
        return (self.low - self.loc) / self.scale, (self.high - self.loc) / self.scale

    def _mode(self):
        return jnp.broadcast_to(jnp.clip(self.loc, self.low, self.high), self.batch_shape)


class TruncatedNormal(_TruncatedLocScale):
    """Normal(``loc``, ``scale``) restricted to ``[low, high]`` and renormalised.

    With ``alpha, beta = (low - loc) / scale, (high - loc) / scale`` and
    ``Z = Phi(beta) - Phi(alpha)`` (computed in log space between the nearer tails, so
    intervals far in a tail keep full precision): ``log_prob(x) = Normal.log_prob(x) - log Z``
    inside the interval; ``cdf(x) = (Phi(z) - Phi(alpha)) / Z``. Mean
    ``loc + scale (phi(alpha) - phi(beta)) / Z``, the matching variance and entropy, mode
    ``clip(loc, low, high)``. Sampling by the inverse cdf, which stays accurate far in
    either tail and is reparameterized in every parameter. ``low``/``high`` may be
    ``-inf``/``inf``.

    Args:
        loc, scale: of the parent normal (``scale > 0``).
        low, high: the interval, ``low < high``.

    Examples:
        >>> import probflow.distributions as pfd
        >>> d = pfd.TruncatedNormal(0.0, 1.0, low=-1.0, high=2.0)
        >>> round(float(d.cdf(0.0)), 4), round(float(d.mean()), 4)
        (0.417, 0.2296)
    """

    @staticmethod
    def _interval_check(low, high):
        return checks.Check("high - low", high - low, lambda v: v > 0, "positive")

    @property
    def support(self) -> constraints.Constraint:
        shape = self.batch_shape
        return constraints.ExtendedInterval(jnp.broadcast_to(self.low, shape),
                                            jnp.broadcast_to(self.high, shape))

    def _log_z(self):
        alpha, beta = self._bounds()
        return log_diff_ndtr(alpha, beta)

    def _sample(self, key, sample_shape):
        u = jax.random.uniform(key, sample_shape + self.batch_shape, self.dtype,
                               minval=jnp.finfo(self.dtype).tiny)
        return self._quantile(u)

    def _log_prob(self, value):
        inside = (value >= self.low) & (value <= self.high)
        z = (value - self.loc) / self.scale
        lp = -0.5 * jnp.square(z) - _HALF_LOG_2PI - jnp.log(self.scale) - self._log_z()
        return jnp.where(inside, lp, -jnp.inf)

    def _log_cdf(self, value):
        alpha, beta = self._bounds()
        z = jnp.clip((value - self.loc) / self.scale, alpha, beta)
        out = log_diff_ndtr(alpha, z) - self._log_z()
        return jnp.where(value >= self.high, 0.0, out)

    def _log_survival_function(self, value):
        alpha, beta = self._bounds()
        z = jnp.clip((value - self.loc) / self.scale, alpha, beta)
        out = log_diff_ndtr(z, beta) - self._log_z()
        return jnp.where(value <= self.low, 0.0, out)

    def _cdf(self, value):
        return jnp.exp(self._log_cdf(value))

    def _survival_function(self, value):
        return jnp.exp(self._log_survival_function(value))

    def _quantile(self, value):
        alpha, beta = self._bounds()
        log_mass = jnp.log(value) + self._log_z()
        right = alpha > 0
        # Right tail: Phi(-z) = Phi(-alpha) - p Z; elsewhere: Phi(z) = Phi(alpha) + p Z.
        upper = -ndtri_exp(log_sub_exp(
            special.log_ndtr(-jnp.where(right, alpha, 1.0)), jnp.where(right, log_mass, -50.0)))
        lower = ndtri_exp(jnp.logaddexp(special.log_ndtr(jnp.where(right, 0.0, alpha)), log_mass))
        z = jnp.clip(jnp.where(right, upper, lower), alpha, beta)
        return self.loc + self.scale * z

    def _ratios(self):
        alpha, beta = self._bounds()
        log_z = self._log_z()

        def ratio(t):
            finite = jnp.isfinite(t)
            t0 = jnp.where(finite, t, 0.0)
            r = jnp.exp(-0.5 * t0 * t0 - _HALF_LOG_2PI - log_z)
            return jnp.where(finite, r, 0.0), jnp.where(finite, t0 * r, 0.0)

        ra, ta = ratio(alpha)
        rb, tb = ratio(beta)
        return ra, rb, ta, tb

    def _mean(self):
        ra, rb, _, _ = self._ratios()
        return jnp.broadcast_to(self.loc + self.scale * (ra - rb), self.batch_shape)

    def _variance(self):
        ra, rb, ta, tb = self._ratios()
        var = jnp.square(self.scale) * (1.0 + ta - tb - jnp.square(ra - rb))
        return jnp.broadcast_to(var, self.batch_shape)

    def _entropy(self):
        _, _, ta, tb = self._ratios()
        h = (0.5 * math.log(2.0 * math.pi * math.e) + jnp.log(self.scale) + self._log_z()
             + 0.5 * (ta - tb))
        return jnp.broadcast_to(h, self.batch_shape)
