"""Bijectors that are the cdfs of scalar distributions: onto the unit interval."""

from __future__ import annotations

import math

import jax
import jax.numpy as jnp
from jax.scipy import special

from probflow.bijectors._utils import float_params, positive
from probflow.bijectors.bijector import Bijector
from probflow.typing import ArrayLike

__all__ = ["NormalCDF", "GumbelCDF", "WeibullCDF", "KumaraswamyCDF"]

_HALF_LOG_2PI = 0.5 * math.log(2.0 * math.pi)


class NormalCDF(Bijector):
    """``y = Phi(x)``, the standard normal cdf, from the reals onto ``(0, 1)``.

    ``log|dy/dx| = -x**2 / 2 - log(2 pi) / 2`` (the standard normal log density).

    Examples:
        >>> import probflow.bijectors as pfb
        >>> float(pfb.NormalCDF().forward(0.0))
        0.5
    """

    def _forward(self, x):
        return special.ndtr(x)

    def _inverse(self, y):
        return special.ndtri(y)

    def _forward_log_det_jacobian(self, x):
        return -0.5 * jnp.square(x) - _HALF_LOG_2PI

    def _is_increasing(self):
        return True


class GumbelCDF(Bijector):
    """``y = exp(-exp(-(x - loc) / scale))``, the Gumbel cdf, from the reals onto ``(0, 1)``.

    ``log|dy/dx| = -z - exp(-z) - log(scale)`` with ``z = (x - loc) / scale``.

    Args:
        loc: real, default 0.
        scale: positive, default 1.

    Examples:
        >>> import probflow.bijectors as pfb
        >>> round(float(pfb.GumbelCDF().forward(0.0)), 4)
        0.3679
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
        return jnp.exp(-jnp.exp(-z))

    def _inverse(self, y):
        return self.loc - self.scale * jnp.log(-jnp.log(y))

    def _forward_log_det_jacobian(self, x):
        z = (x - self.loc) / self.scale
        return -z - jnp.exp(-z) - jnp.log(self.scale)

    def _inverse_log_det_jacobian(self, y):
        log_y = jnp.log(y)
        return jnp.log(self.scale) - log_y - jnp.log(-log_y)

    def _is_increasing(self):
        return True


class WeibullCDF(Bijector):
    """``y = 1 - exp(-(x / scale) ** concentration)``, the Weibull cdf, from ``[0, inf)`` onto
    ``[0, 1)``.

    ``log|dy/dx| = log(k / scale) + (k - 1) log(x / scale) - (x / scale) ** k`` with
    ``k = concentration``.

    Args:
        scale: positive, default 1.
        concentration: positive, default 1.

    Examples:
        >>> import probflow.bijectors as pfb
        >>> b = pfb.WeibullCDF(scale=2.0, concentration=1.5)
        >>> round(float(b.inverse(b.forward(0.5))), 5)
        0.5
    """

    scale: jax.Array
    concentration: jax.Array

    def __init__(self, scale: ArrayLike = 1.0, concentration: ArrayLike = 1.0, *,
                 validate_args: bool = False, name: str | None = None):
        scale, concentration = float_params(scale, concentration)
        self._set(scale=scale, concentration=concentration, validate_args=validate_args,
                  name=name)
        self._validate(positive("scale", scale), positive("concentration", concentration))

    def _forward(self, x):
        return -jnp.expm1(-jnp.power(x / self.scale, self.concentration))

    def _inverse(self, y):
        return self.scale * jnp.power(-jnp.log1p(-y), 1.0 / self.concentration)

    def _forward_log_det_jacobian(self, x):
        k = self.concentration
        z = x / self.scale
        return jnp.log(k) - jnp.log(self.scale) + (k - 1.0) * jnp.log(z) - jnp.power(z, k)

    def _is_increasing(self):
        return True


class KumaraswamyCDF(Bijector):
    """``y = 1 - (1 - x ** a) ** b``, the Kumaraswamy cdf, a bijection of ``[0, 1]``.

    ``a = concentration1``, ``b = concentration0``;
    ``log|dy/dx| = log(a b) + (a - 1) log x + (b - 1) log(1 - x ** a)``.

    Args:
        concentration1: positive, default 1.
        concentration0: positive, default 1.

    Examples:
        >>> import probflow.bijectors as pfb
        >>> float(pfb.KumaraswamyCDF(2.0, 3.0).forward(0.5))
        0.578125
    """

    concentration1: jax.Array
    concentration0: jax.Array

    def __init__(self, concentration1: ArrayLike = 1.0, concentration0: ArrayLike = 1.0, *,
                 validate_args: bool = False, name: str | None = None):
        concentration1, concentration0 = float_params(concentration1, concentration0)
        self._set(concentration1=concentration1, concentration0=concentration0,
                  validate_args=validate_args, name=name)
        self._validate(positive("concentration1", concentration1),
                       positive("concentration0", concentration0))

    def _forward(self, x):
        a, b = self.concentration1, self.concentration0
        return -jnp.expm1(b * jnp.log1p(-jnp.power(x, a)))

    def _inverse(self, y):
        a, b = self.concentration1, self.concentration0
        return jnp.power(-jnp.expm1(jnp.log1p(-y) / b), 1.0 / a)

    def _forward_log_det_jacobian(self, x):
        a, b = self.concentration1, self.concentration0
        return (jnp.log(a) + jnp.log(b) + (a - 1.0) * jnp.log(x)
                + (b - 1.0) * jnp.log1p(-jnp.power(x, a)))

    def _is_increasing(self):
        return True
