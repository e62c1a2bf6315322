"""Softplus (onto a half-line) and Sigmoid (onto an interval)."""

from __future__ import annotations

import jax
import jax.numpy as jnp

from probflow.bijectors._utils import float_params, nonzero
from probflow.bijectors.bijector import Bijector
from probflow.core.checks import Check
from probflow.core.numerics import log1mexp, softplus, softplus_inverse
from probflow.typing import ArrayLike

__all__ = ["Softplus", "Sigmoid"]


class Softplus(Bijector):
    """``y = low + c * log(1 + exp(x / c))`` with ``c = hinge_softness`` (default 1, low 0).

    Maps the reals onto ``(low, inf)`` (onto ``(-inf, low)`` when ``c < 0``).
    ``log|dy/dx| = log sigmoid(x / c) = -softplus(-x / c)``, finite at ``x = -80`` and
    ``x = +80`` in float32; the inverse log-determinant is ``-log(1 - exp(-z))`` with
    ``z = (y - low) / c``, computed stably for tiny ``z``. Smaller ``c`` hugs
    ``max(x, 0)`` more closely.

    Args:
        hinge_softness: non-zero real (default 1).
        low: real lower bound (default 0).

    Examples:
        >>> import probflow.bijectors as pfb
        >>> b = pfb.Softplus()
        >>> round(float(b.forward(0.0)), 4)
        0.6931
        >>> round(float(pfb.Softplus(low=1.0).inverse(1.6931472)), 4)
        0.0
    """

    hinge_softness: jax.Array | None
    low: jax.Array | None

    def __init__(self, hinge_softness: ArrayLike | None = None, low: ArrayLike | None = None, *,
                 validate_args: bool = False, name: str | None = None):
        hinge_softness, low = float_params(hinge_softness, low)
        self._set(hinge_softness=hinge_softness, low=low, validate_args=validate_args, name=name)
        self._validate(nonzero("hinge_softness", hinge_softness))

    def _forward(self, x):
        if self.hinge_softness is None:
            y = softplus(x)
        else:
            c = self.hinge_softness
            y = c * softplus(x / c)
        return y if self.low is None else y + self.low

    def _inverse(self, y):
        z = y if self.low is None else y - self.low
        if self.hinge_softness is None:
            return softplus_inverse(z)
        c = self.hinge_softness
        return c * softplus_inverse(z / c)

    def _forward_log_det_jacobian(self, x):
        u = x if self.hinge_softness is None else x / self.hinge_softness
        return -softplus(-u)

    def _inverse_log_det_jacobian(self, y):
        z = y if self.low is None else y - self.low
        if self.hinge_softness is not None:
            z = z / self.hinge_softness
        return -log1mexp(z)

    def _is_increasing(self):
        return True


class Sigmoid(Bijector):
    """``y = low + (high - low) / (1 + exp(-x))``, from the reals onto ``(low, high)``.

    Without bounds, the logistic function onto ``(0, 1)``. ``log|dy/dx| =
    log(high - low) - softplus(-x) - softplus(x)``: finite at ``x = +-40`` in float32
    even though ``forward`` rounds to the bound there. ``low`` and ``high`` may be
    traced arrays (parameter-dependent supports).

    Args:
        low, high: bounds, both given or both ``None``; ``high > low``.

    Examples:
        >>> import probflow.bijectors as pfb
        >>> float(pfb.Sigmoid().forward(0.0))
        0.5
        >>> float(pfb.Sigmoid(low=-1.0, high=3.0).forward(0.0))
        1.0
    """

    low: jax.Array | None
    high: jax.Array | None

    def __init__(self, low: ArrayLike | None = None, high: ArrayLike | None = None, *,
                 validate_args: bool = False, name: str | None = None):
        if (low is None) != (high is None):
            raise ValueError("Sigmoid: give both low and high, or neither")
        low, high = float_params(low, high)
        self._set(low=low, high=high, validate_args=validate_args, name=name)
        if low is not None:
            assert high is not None  # checked above: both or neither
            self._validate(Check("high - low", jnp.subtract(high, low), lambda v: v > 0,
                                 "positive"))

    def _forward(self, x):
        s = jax.nn.sigmoid(x)
        if self.low is None:
            return s
        assert self.high is not None  # low and high are both set or both None
        return self.low + (self.high - self.low) * s

    def _inverse(self, y):
        if self.low is None:
            return jnp.log(y) - jnp.log1p(-y)
        assert self.high is not None
        return jnp.log(y - self.low) - jnp.log(self.high - y)

    def _forward_log_det_jacobian(self, x):
        ldj = -softplus(-x) - softplus(x)
        if self.low is None:
            return ldj
        assert self.high is not None
        return ldj + jnp.log(self.high - self.low)

    def _inverse_log_det_jacobian(self, y):
        if self.low is None:
            return -jnp.log(y) - jnp.log1p(-y)
        assert self.high is not None
        return jnp.log(self.high - self.low) - jnp.log(y - self.low) - jnp.log(self.high - y)

    def _is_increasing(self):
        return True
