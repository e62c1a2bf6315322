"""The sinh-arcsinh transformation of a distribution (TFP's SinhArcsinh)."""

from __future__ import annotations

import math

import jax
import jax.numpy as jnp

from probflow.core import checks
from probflow.core.errors import ShapeError, UnsupportedError
from probflow.core.numerics import promote_floats
from probflow.distributions import constraints
from probflow.distributions._bessel_series import log_bessel_kv
from probflow.distributions.distribution import Distribution
from probflow.distributions.normal import Normal
from probflow.typing import ArrayLike, Shape

__all__ = ["SinhArcsinh"]


def _mean_cosh(q):
    """``E[cosh(q asinh Z)]`` for standard normal ``Z`` (Jones and Pewsey, 2009)."""
    log_k = lambda nu: log_bessel_kv(nu, jnp.full_like(q, 0.25))
    return (jnp.exp(0.25) / math.sqrt(8.0 * math.pi)
            * (jnp.exp(log_k(0.5 * (q + 1.0))) + jnp.exp(log_k(0.5 * (q - 1.0)))))


class SinhArcsinh(Distribution):
    """``Y = loc + scale * F(Z)`` with ``F(z) = sinh((asinh(z) + skewness) tailweight) * 2 /
    sinh(asinh(2) tailweight)``.

    TFP's parameterisation: ``Z`` follows ``distribution`` (default a standard normal);
    ``skewness = 0`` and ``tailweight = 1`` give ``loc + scale Z``; positive ``skewness``
    skews right; ``tailweight > 1`` fattens the tails. The factor ``2 / sinh(asinh(2)
    tailweight)`` makes ``P(|Y - loc| <= 2 scale)`` that of ``|Z| <= 2`` when ``skewness =
    0``. ``log_prob`` and the cumulative functions come from ``Z`` through the inverse map
    ``z = sinh(asinh(w) / tailweight - skewness)`` with ``w = (y - loc) / (scale c)``; the
    quantile is ``F`` of ``Z``'s quantile. For the normal ``Z``, mean and variance are in
    closed form: with ``P_q = E[cosh(q asinh Z)] = exp(1/4) (K_{(q+1)/2}(1/4) +
    K_{(q-1)/2}(1/4)) / sqrt(8 pi)`` (Jones and Pewsey, 2009), ``t = tailweight``, ``s =
    skewness``: ``E[F] = c sinh(s t) P_t``, ``E[F**2] = c**2 (cosh(2 s t) P_{2t} - 1) / 2``.
    Sampling transforms ``Z``'s draws (reparameterized when they are).

    Args:
        loc: location.
        scale: positive scale.
        skewness: real; default 0.
        tailweight: positive; default 1.
        distribution: scalar distribution of ``Z``; default ``Normal(0, 1)``.

    Examples:
        >>> import probflow.distributions as pfd
        >>> d = pfd.SinhArcsinh(loc=0.5, scale=2.0, skewness=0.3, tailweight=1.5)
        >>> round(float(d.log_prob(1.0)), 4), round(float(d.cdf(1.0)), 4)
        (-1.3786, 0.5172)
    """

    loc: jax.Array
    scale: jax.Array
    skewness: jax.Array
    tailweight: jax.Array
    distribution: Distribution | None

    def __init__(self, loc: ArrayLike, scale: ArrayLike, skewness: ArrayLike | None = None,
                 tailweight: ArrayLike | None = None, distribution: Distribution | None = None, *,
                 validate_args: bool = False, name: str | None = None):
        skewness = 0.0 if skewness is None else skewness
        tailweight = 1.0 if tailweight is None else tailweight
        loc, scale, skewness, tailweight = promote_floats(loc, scale, skewness, tailweight)
        self._set(loc=loc, scale=scale, skewness=skewness, tailweight=tailweight,
                  distribution=distribution, validate_args=validate_args, name=name)
        self._validate(checks.positive("scale", scale), checks.positive("tailweight", tailweight))
        if distribution is not None:
            base = tuple(distribution.batch_shape)
            batch = tuple(self.batch_shape)
            if base and batch[len(batch) - len(base):] != base:
                raise ShapeError(
                    f"SinhArcsinh: the distribution's batch shape {base} must be a suffix of the "
                    f"broadcast batch shape {batch} (its draws are not repeated across a batch)")

    @property
    def reparameterized(self) -> bool:  # pyright: ignore[reportIncompatibleVariableOverride]
        return self.distribution is None or self.distribution.reparameterized

    @property
    def batch_shape(self) -> Shape:
        own = super().batch_shape
        if self.distribution is None:
            return own
        return jnp.broadcast_shapes(own, tuple(self.distribution.batch_shape))

    @property
    def support(self) -> constraints.Constraint:
        return constraints.real

    def _base(self):
        if self.distribution is not None:
            return self.distribution
        zero = jnp.zeros((), self.loc.dtype)
        return Normal(zero, zero + 1.0)

    def _factor(self):
        """``c = 2 / sinh(asinh(2) tailweight)``, the scale correction."""
        return 2.0 / jnp.sinh(math.asinh(2.0) * self.tailweight)

    def _forward(self, z):
        f = jnp.sinh((jnp.arcsinh(z) + self.skewness) * self.tailweight) * self._factor()
        return self.loc + self.scale * f

    def _inverse_and_log_det(self, y):
        """``z`` and ``log |dz/dy|``."""
        scale = self.scale * self._factor()
        w = (y - self.loc) / scale
        inner = jnp.arcsinh(w) / self.tailweight - self.skewness
        z = jnp.sinh(inner)
        log_det = (jnp.log(jnp.cosh(inner)) - jnp.log(self.tailweight)
                   - 0.5 * jnp.log1p(jnp.square(w)) - jnp.log(scale))
        return z, log_det

    def _sample(self, key, sample_shape):
        batch = tuple(self.batch_shape)
        base = self._base()
        extra = batch[: len(batch) - len(tuple(base.batch_shape))]
        z = base.sample(key, tuple(sample_shape) + extra)
        return jnp.broadcast_to(self._forward(z), tuple(sample_shape) + batch)

    def _log_prob(self, value):
        z, log_det = self._inverse_and_log_det(value)
        return self._base().log_prob(z) + log_det

    def _cdf(self, value):
        return self._base().cdf(self._inverse_and_log_det(value)[0])

    def _log_cdf(self, value):
        return self._base().log_cdf(self._inverse_and_log_det(value)[0])

    def _survival_function(self, value):
        return self._base().survival_function(self._inverse_and_log_det(value)[0])

    def _log_survival_function(self, value):
        return self._base().log_survival_function(self._inverse_and_log_det(value)[0])

    def _quantile(self, value):
        return self._forward(self._base().quantile(value))

    def _require_normal(self, what):
        if self.distribution is not None:
            raise UnsupportedError(
                f"SinhArcsinh has a closed-form {what} only for the default normal "
                f"distribution, got {type(self.distribution).__name__}")

    def _mean(self):
        self._require_normal("mean")
        st = self.skewness * self.tailweight
        mean = self.loc + self.scale * self._factor() * jnp.sinh(st) * _mean_cosh(
            self.tailweight)
        return jnp.broadcast_to(mean, self.batch_shape)

    def _variance(self):
        self._require_normal("variance")
        t, st = self.tailweight, self.skewness * self.tailweight
        c = self._factor()
        first = c * jnp.sinh(st) * _mean_cosh(t)
        second = jnp.square(c) * 0.5 * (jnp.cosh(2.0 * st) * _mean_cosh(2.0 * t) - 1.0)
        var = jnp.square(self.scale) * (second - jnp.square(first))
        return jnp.broadcast_to(var, self.batch_shape)
