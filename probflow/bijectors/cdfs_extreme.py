"""More scalar cdfs as bijectors onto the unit interval: Gompertz, shifted Gompertz, Frechet,
Rayleigh, Moyal and the generalized extreme value family (TFP's parameterisations)."""

from __future__ import annotations

import math

import jax
import jax.numpy as jnp
from jax.scipy import special

from probflow.bijectors._lambertw import lambertw_of_log
from probflow.bijectors._utils import float_params, positive
from probflow.bijectors.bijector import Bijector
from probflow.core.numerics import log1mexp
from probflow.typing import ArrayLike

__all__ = [
    "GompertzCDF",
    "ShiftedGompertzCDF",
    "FrechetCDF",
    "RayleighCDF",
    "MoyalCDF",
    "GeneralizedExtremeValueCDF",
]

_HALF_LOG_2PI = 0.5 * math.log(2.0 * math.pi)
_LOG_2 = math.log(2.0)


class _IncreasingCDF(Bijector):
    """A cdf as a bijector: increasing on its domain."""

    def _is_increasing(self):
        return True


class _ConcentrationRateCDF(_IncreasingCDF):
    """The positive ``concentration`` and ``rate`` of the Gompertz-type cdfs."""

    concentration: jax.Array
    rate: jax.Array

    def __init__(self, concentration: ArrayLike, rate: ArrayLike, *, validate_args: bool = False,
                 name: str | None = None):
        concentration, rate = float_params(concentration, rate)
        self._set(concentration=concentration, rate=rate, validate_args=validate_args, name=name)
        self._validate(positive("concentration", concentration), positive("rate", rate))


class GompertzCDF(_ConcentrationRateCDF):
    """``y = 1 - exp(-c (exp(rate x) - 1))``, the Gompertz cdf, from ``[0, inf)`` onto ``[0, 1)``.

    ``c = concentration``;
    ``log|dy/dx| = rate x + log c + log rate - c (exp(rate x) - 1)``.

    Args:
        concentration: positive.
        rate: positive.

    Examples:
        >>> import probflow.bijectors as pfb
        >>> b = pfb.GompertzCDF(concentration=2.0, rate=0.5)
        >>> round(float(b.forward(1.0)), 4)
        0.7268
        >>> round(float(b.inverse(b.forward(1.0))), 4)
        1.0
    """

    def _forward(self, x):
        return -jnp.expm1(-self.concentration * jnp.expm1(self.rate * x))

    def _inverse(self, y):
        return jnp.log1p(-jnp.log1p(-y) / self.concentration) / self.rate

    def _forward_log_det_jacobian(self, x):
        c, rate = self.concentration, self.rate
        z = rate * x
        return z + jnp.log(c) + jnp.log(rate) - c * jnp.expm1(z)


class ShiftedGompertzCDF(_ConcentrationRateCDF):
    """``y = (1 - exp(-rate x)) exp(-exp(-rate x) / c)``, the shifted Gompertz cdf, from
    ``[0, inf)`` onto ``[0, 1)``.

    ``c = concentration``. With ``u = exp(-rate x)``,
    ``log|dy/dx| = log rate - rate x - u / c + log(1 + (1 - u) / c)``. The inverse solves
    ``(v / c) exp(v / c) = (y / c) exp(1 / c)`` for ``v = 1 - u`` with the principal
    branch of Lambert's W (evaluated from the logarithm of its argument, so ``1 / c``
    may be large).

    Args:
        concentration: positive.
        rate: positive.

    Examples:
        >>> import probflow.bijectors as pfb
        >>> b = pfb.ShiftedGompertzCDF(concentration=0.5, rate=2.0)
        >>> round(float(b.forward(1.0)), 4)
        0.6596
        >>> round(float(b.inverse(b.forward(1.0))), 4)
        1.0
    """

    def _forward(self, x):
        z = self.rate * x
        return jnp.exp(log1mexp(z) - jnp.exp(-z) / self.concentration)

    def _inverse(self, y):
        c = self.concentration
        v = c * lambertw_of_log(jnp.log(y) + 1.0 / c - jnp.log(c))
        return -jnp.log1p(-jnp.minimum(v, 1.0)) / self.rate

    def _forward_log_det_jacobian(self, x):
        c, rate = self.concentration, self.rate
        z = rate * x
        return jnp.log(rate) - z - jnp.exp(-z) / c + jnp.log1p(-jnp.expm1(-z) / c)


class FrechetCDF(_IncreasingCDF):
    """``y = exp(-((x - loc) / scale) ** -concentration)``, the Frechet cdf, from
    ``(loc, inf)`` onto ``(0, 1)``.

    With ``z = (x - loc) / scale`` and ``a = concentration``,
    ``log|dy/dx| = log a - log scale - (1 + a) log z - z ** -a``.

    Args:
        loc: real, default 0.
        scale: positive, default 1.
        concentration: positive, default 1.

    Examples:
        >>> import probflow.bijectors as pfb
        >>> b = pfb.FrechetCDF(loc=0.0, scale=2.0, concentration=3.0)
        >>> round(float(b.forward(2.0)), 4)
        0.3679
        >>> round(float(b.inverse(0.5)), 3)
        2.26
    """

    loc: jax.Array
    scale: jax.Array
    concentration: jax.Array

    def __init__(self, loc: ArrayLike = 0.0, scale: ArrayLike = 1.0,
                 concentration: ArrayLike = 1.0, *, validate_args: bool = False,
                 name: str | None = None):
        loc, scale, concentration = float_params(loc, scale, concentration)
        self._set(loc=loc, scale=scale, concentration=concentration,
                  validate_args=validate_args, name=name)
        self._validate(positive("scale", scale), positive("concentration", concentration))

    def _forward(self, x):
        z = (x - self.loc) / self.scale
        return jnp.exp(-jnp.power(z, -self.concentration))

    def _inverse(self, y):
        return self.loc + self.scale * jnp.exp(-jnp.log(-jnp.log(y)) / self.concentration)

    def _forward_log_det_jacobian(self, x):
        a = self.concentration
        z = (x - self.loc) / self.scale
        log_z = jnp.log(z)
        return jnp.log(a) - jnp.log(self.scale) - (1.0 + a) * log_z - jnp.exp(-a * log_z)


class RayleighCDF(_IncreasingCDF):
    """``y = 1 - exp(-(x / scale) ** 2 / 2)``, the Rayleigh cdf, from ``[0, inf)`` onto
    ``[0, 1)``.

    ``log|dy/dx| = log x - 2 log scale - (x / scale) ** 2 / 2``.

    Args:
        scale: positive, default 1.

    Examples:
        >>> import probflow.bijectors as pfb
        >>> b = pfb.RayleighCDF(scale=2.0)
        >>> round(float(b.forward(2.0)), 4)
        0.3935
        >>> round(float(b.inverse(b.forward(3.0))), 4)
        3.0
    """

    scale: jax.Array

    def __init__(self, scale: ArrayLike = 1.0, *, validate_args: bool = False,
                 name: str | None = None):
        (scale,) = float_params(scale)
        self._set(scale=scale, validate_args=validate_args, name=name)
        self._validate(positive("scale", scale))

    def _forward(self, x):
        return -jnp.expm1(-0.5 * jnp.square(x / self.scale))

    def _inverse(self, y):
        return self.scale * jnp.sqrt(-2.0 * jnp.log1p(-y))

    def _forward_log_det_jacobian(self, x):
        return jnp.log(x) - 2.0 * jnp.log(self.scale) - 0.5 * jnp.square(x / self.scale)


class MoyalCDF(_IncreasingCDF):
    """``y = erfc(exp(-z / 2) / sqrt(2))`` with ``z = (x - loc) / scale``, the Moyal cdf, from
    the reals onto ``(0, 1)``.

    Written as ``y = 2 Phi(-exp(-z / 2))`` (``Phi`` the standard normal cdf), inverted with
    ``ndtri``; ``log|dy/dx| = -(z + exp(-z) + log(2 pi)) / 2 - log scale``.

    Args:
        loc: real, default 0.
        scale: positive, default 1.

    Examples:
        >>> import probflow.bijectors as pfb
        >>> b = pfb.MoyalCDF()
        >>> round(float(b.forward(0.0)), 4)
        0.3173
        >>> round(float(b.inverse(b.forward(1.5))), 4)
        1.5
    """

    loc: jax.Array
    scale: jax.Array

    def __init__(self, loc: ArrayLike = 0.0, scale: ArrayLike = 1.0, *,
                 validate_args: bool = False, name: str | None = None):
        loc, scale = float_params(loc, scale)
        self._set(loc=loc, scale=scale, validate_args=validate_args, name=name)
        self._validate(positive("scale", scale))

    def _forward(self, x):
        z = (x - self.loc) / self.scale
        return 2.0 * special.ndtr(-jnp.exp(-0.5 * z))

    def _inverse(self, y):
        # exp(-z / 2) = -ndtri(y / 2)
        return self.loc - 2.0 * self.scale * jnp.log(-special.ndtri(0.5 * y))

    def _forward_log_det_jacobian(self, x):
        z = (x - self.loc) / self.scale
        return -0.5 * (z + jnp.exp(-z)) - _HALF_LOG_2PI - jnp.log(self.scale)


class GeneralizedExtremeValueCDF(_IncreasingCDF):
    """``y = exp(-t(x))``, the generalized extreme value cdf, onto ``(0, 1)``.

    With ``z = (x - loc) / scale`` and ``c = concentration``:
    ``t = (1 + c z) ** (-1 / c)`` (``exp(-z)`` when ``c = 0``, the Gumbel case). The domain
    is ``1 + c z > 0``: ``x > loc - scale / c`` when ``c > 0`` (Frechet type),
    ``x < loc - scale / c`` when ``c < 0`` (Weibull type), the reals when ``c = 0``.
    ``log|dy/dx| = (c + 1) log t - t - log scale``.

    Args:
        loc: real, default 0.
        scale: positive, default 1.
        concentration: real, default 0.

    Examples:
        >>> import probflow.bijectors as pfb
        >>> b = pfb.GeneralizedExtremeValueCDF(concentration=0.5)
        >>> round(float(b.forward(1.0)), 4)
        0.6412
        >>> round(float(pfb.GeneralizedExtremeValueCDF().forward(0.0)), 4)  # Gumbel
        0.3679
    """

    loc: jax.Array
    scale: jax.Array
    concentration: jax.Array

    def __init__(self, loc: ArrayLike = 0.0, scale: ArrayLike = 1.0,
                 concentration: ArrayLike = 0.0, *, validate_args: bool = False,
                 name: str | None = None):
        loc, scale, concentration = float_params(loc, scale, concentration)
        self._set(loc=loc, scale=scale, concentration=concentration,
                  validate_args=validate_args, name=name)
        self._validate(positive("scale", scale))

    def _log_t(self, x):
        c = self.concentration
        z = (x - self.loc) / self.scale
        is_zero = c == 0
        safe_c = jnp.where(is_zero, 1.0, c)
        return jnp.where(is_zero, -z, -jnp.log1p(safe_c * z) / safe_c)

    def _forward(self, x):
        return jnp.exp(-jnp.exp(self._log_t(x)))

    def _inverse(self, y):
        c = self.concentration
        log_t = jnp.log(-jnp.log(y))
        is_zero = c == 0
        safe_c = jnp.where(is_zero, 1.0, c)
        z = jnp.where(is_zero, -log_t, jnp.expm1(-safe_c * log_t) / safe_c)
        return self.loc + self.scale * z

    def _forward_log_det_jacobian(self, x):
        log_t = self._log_t(x)
        return (self.concentration + 1.0) * log_t - jnp.exp(log_t) - jnp.log(self.scale)
