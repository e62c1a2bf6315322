"""Elementwise bijectors (scalar events): exp/log families, hyperbolic maps, powers.

Each acts on every entry of its input independently, so the primitive
log-determinant has the shape of the input (``forward_min_event_ndims = 0``).
"""

from __future__ import annotations

import jax
import jax.numpy as jnp

from probflow.bijectors._utils import LOG_2, float_params, log_cosh, log_hypot1, nonzero, positive
from probflow.bijectors.bijector import Bijector
from probflow.core.numerics import softplus
from probflow.typing import ArrayLike

__all__ = [
    "Identity",
    "Exp",
    "Log",
    "Expm1",
    "Log1p",
    "Tanh",
    "Sinh",
    "SinhArcsinh",
    "Power",
    "Square",
    "Reciprocal",
]


class Identity(Bijector):
    """``y = x``.

    Examples:
        >>> import probflow.bijectors as pfb
        >>> float(pfb.Identity().forward(2.0))
        2.0
    """

    is_constant_jacobian = True

    def _forward(self, x):
        return x

    def _inverse(self, y):
        return y

    def _forward_log_det_jacobian(self, x):
        return jnp.zeros_like(x)

    def _is_increasing(self):
        return True


class Exp(Bijector):
    """``y = exp(x)``, from the reals onto the positive reals; ``log|dy/dx| = x``.

    Nothing is clipped: ``forward`` overflows to ``inf`` only where the float
    type does (about ``x > 88.7`` in float32).

    Examples:
        >>> import probflow.bijectors as pfb
        >>> float(pfb.Exp().inverse(1.0))
        0.0
    """

    def _forward(self, x):
        return jnp.exp(x)

    def _inverse(self, y):
        return jnp.log(y)

    def _forward_log_det_jacobian(self, x):
        return x

    def _inverse_log_det_jacobian(self, y):
        return -jnp.log(y)

    def _is_increasing(self):
        return True


class Log(Bijector):
    """``y = log(x)``, from the positive reals onto the reals (the inverse of
    [`Exp`][probflow.bijectors.elementwise.Exp]).

    ``log|dy/dx| = -log(x)``.

    Examples:
        >>> import probflow.bijectors as pfb
        >>> float(pfb.Log().forward(1.0)), float(pfb.Log().inverse(0.0))
        (0.0, 1.0)
    """

    def _forward(self, x):
        return jnp.log(x)

    def _inverse(self, y):
        return jnp.exp(y)

    def _forward_log_det_jacobian(self, x):
        return -jnp.log(x)

    def _inverse_log_det_jacobian(self, y):
        return y

    def _is_increasing(self):
        return True


class Expm1(Bijector):
    """``y = exp(x) - 1``, from the reals onto ``(-1, inf)``; ``log|dy/dx| = x``.

    Accurate near zero (``expm1``/``log1p``).

    Examples:
        >>> import probflow.bijectors as pfb
        >>> float(pfb.Expm1().forward(0.0))
        0.0
    """

    def _forward(self, x):
        return jnp.expm1(x)

    def _inverse(self, y):
        return jnp.log1p(y)

    def _forward_log_det_jacobian(self, x):
        return x

    def _inverse_log_det_jacobian(self, y):
        return -jnp.log1p(y)

    def _is_increasing(self):
        return True


class Log1p(Bijector):
    """``y = log(1 + x)``, from ``(-1, inf)`` onto the reals (the inverse of
    [`Expm1`][probflow.bijectors.elementwise.Expm1]).

    Examples:
        >>> import probflow.bijectors as pfb
        >>> float(pfb.Log1p().inverse(0.0))
        0.0
    """

    def _forward(self, x):
        return jnp.log1p(x)

    def _inverse(self, y):
        return jnp.expm1(y)

    def _forward_log_det_jacobian(self, x):
        return -jnp.log1p(x)

    def _inverse_log_det_jacobian(self, y):
        return y

    def _is_increasing(self):
        return True


class Tanh(Bijector):
    """``y = tanh(x)``, from the reals onto ``(-1, 1)``.

    ``log|dy/dx| = log(1 - tanh(x)**2) = 2 (log 2 - x - softplus(-2x))``, finite for
    every finite ``x`` (``forward(20.)`` rounds to 1 in float32, but the log-determinant
    stays exact).

    Examples:
        >>> import probflow.bijectors as pfb
        >>> float(pfb.Tanh().forward_log_det_jacobian(0.0))
        0.0
    """

    def _forward(self, x):
        return jnp.tanh(x)

    def _inverse(self, y):
        return jnp.arctanh(y)

    def _forward_log_det_jacobian(self, x):
        return 2.0 * (LOG_2 - x - softplus(-2.0 * x))

    def _inverse_log_det_jacobian(self, y):
        return -(jnp.log1p(-y) + jnp.log1p(y))

    def _is_increasing(self):
        return True


class Sinh(Bijector):
    """``y = sinh(x)``, a bijection of the reals; ``log|dy/dx| = log cosh(x)``.

    Examples:
        >>> import probflow.bijectors as pfb
        >>> float(pfb.Sinh().inverse(0.0))
        0.0
    """

    def _forward(self, x):
        return jnp.sinh(x)

    def _inverse(self, y):
        return jnp.arcsinh(y)

    def _forward_log_det_jacobian(self, x):
        return log_cosh(x)

    def _inverse_log_det_jacobian(self, y):
        return -log_hypot1(y)

    def _is_increasing(self):
        return True


class SinhArcsinh(Bijector):
    """``y = sinh((arcsinh(x) + skewness) * tailweight) * multiplier`` (TFP's parameterisation).

    ``multiplier = 2 / sinh(arcsinh(2) * tailweight)``, so that with ``skewness = 0``
    the point ``x = 2`` maps to ``y = 2`` whatever the tail weight. With
    ``skewness = 0`` and ``tailweight = 1`` the map is the identity; positive
    ``skewness`` skews to the right, ``tailweight > 1`` fattens the tails
    (Jones and Pewsey, 2009).

    Args:
        skewness: real, default 0.
        tailweight: positive, default 1.

    Examples:
        >>> import probflow.bijectors as pfb
        >>> b = pfb.SinhArcsinh(skewness=0.0, tailweight=2.0)
        >>> round(float(b.forward(2.0)), 5)
        2.0
        >>> round(float(b.inverse(b.forward(0.3))), 5)
        0.3
    """

    skewness: jax.Array | None
    tailweight: jax.Array | None

    def __init__(self, skewness: ArrayLike | None = None, tailweight: ArrayLike | None = None, *,
                 validate_args: bool = False, name: str | None = None):
        skewness, tailweight = float_params(skewness, tailweight)
        self._set(skewness=skewness, tailweight=tailweight, validate_args=validate_args,
                  name=name)
        self._validate(positive("tailweight", tailweight))

    def _params(self):
        skew = 0.0 if self.skewness is None else self.skewness
        tail = 1.0 if self.tailweight is None else self.tailweight
        log_mult = jnp.log(2.0) - jnp.log(jnp.sinh(jnp.arcsinh(2.0) * tail))
        return skew, tail, log_mult

    def _forward(self, x):
        skew, tail, log_mult = self._params()
        return jnp.sinh((jnp.arcsinh(x) + skew) * tail) * jnp.exp(log_mult)

    def _inverse(self, y):
        skew, tail, log_mult = self._params()
        return jnp.sinh(jnp.arcsinh(y * jnp.exp(-log_mult)) / tail - skew)

    def _forward_log_det_jacobian(self, x):
        skew, tail, log_mult = self._params()
        return log_mult + jnp.log(tail) + log_cosh((jnp.arcsinh(x) + skew) * tail) - log_hypot1(x)

    def _is_increasing(self):
        return True


class Power(Bijector):
    """``y = x ** power`` on the positive reals (on all reals when ``power`` is an odd integer).

    ``log|dy/dx| = log|power| + (power - 1) log|x|``. Increasing when ``power > 0``,
    decreasing when ``power < 0``.

    Args:
        power: non-zero real.

    Examples:
        >>> import probflow.bijectors as pfb
        >>> float(pfb.Power(3.0).forward(-2.0)), float(pfb.Power(0.5).inverse(3.0))
        (-8.0, 9.0)
    """

    power: jax.Array

    def __init__(self, power: ArrayLike, *, validate_args: bool = False, name: str | None = None):
        (power,) = float_params(power)
        self._set(power=power, validate_args=validate_args, name=name)
        self._validate(nonzero("power", power))

    def _odd_sign(self, value):
        p = self.power
        is_odd = (p == jnp.round(p)) & (jnp.abs(jnp.remainder(p, 2.0)) == 1.0)
        return jnp.where(is_odd & (value < 0), -1.0, 1.0).astype(value.dtype)

    def _forward(self, x):
        return self._odd_sign(x) * jnp.power(jnp.abs(x), self.power)

    def _inverse(self, y):
        return self._odd_sign(y) * jnp.power(jnp.abs(y), 1.0 / self.power)

    def _forward_log_det_jacobian(self, x):
        return jnp.log(jnp.abs(self.power)) + (self.power - 1.0) * jnp.log(jnp.abs(x))

    def _is_increasing(self):
        return self.power > 0


class Square(Bijector):
    """``y = x ** 2`` on the non-negative reals; ``log|dy/dx| = log 2 + log x``.

    Examples:
        >>> import probflow.bijectors as pfb
        >>> float(pfb.Square().inverse(9.0))
        3.0
    """

    def _forward(self, x):
        return jnp.square(x)

    def _inverse(self, y):
        return jnp.sqrt(y)

    def _forward_log_det_jacobian(self, x):
        return LOG_2 + jnp.log(jnp.abs(x))

    def _is_increasing(self):
        return True


class Reciprocal(Bijector):
    """``y = 1 / x`` on the non-zero reals; ``log|dy/dx| = -2 log|x|``. Decreasing.

    Examples:
        >>> import probflow.bijectors as pfb
        >>> float(pfb.Reciprocal().forward(4.0))
        0.25
    """

    def _forward(self, x):
        return jnp.reciprocal(x)

    def _inverse(self, y):
        return jnp.reciprocal(y)

    def _forward_log_det_jacobian(self, x):
        return -2.0 * jnp.log(jnp.abs(x))

    def _inverse_log_det_jacobian(self, y):
        return -2.0 * jnp.log(jnp.abs(y))

    def _is_increasing(self):
        return False
