"""Scalar affine bijectors: ``Shift`` and ``Scale``."""

from __future__ import annotations

import jax
import jax.numpy as jnp

from probflow.bijectors._utils import float_params, nonzero
from probflow.bijectors.bijector import Bijector
from probflow.typing import ArrayLike

__all__ = ["Shift", "Scale"]


class Shift(Bijector):
    """``y = x + shift``; the log-determinant is zero.

    ``shift`` broadcasts against ``x`` (its shape adds to the batch shape).

    Examples:
        >>> import probflow.bijectors as pfb
        >>> float(pfb.Shift(2.0).forward(1.0)), float(pfb.Shift(2.0).inverse(1.0))
        (3.0, -1.0)
    """

    shift: jax.Array
    is_constant_jacobian = True

    def __init__(self, shift: ArrayLike, *, validate_args: bool = False, name: str | None = None):
        (shift,) = float_params(shift)
        self._set(shift=shift, validate_args=validate_args, name=name)

    def _forward(self, x):
        return x + self.shift

    def _inverse(self, y):
        return y - self.shift

    def _forward_log_det_jacobian(self, x):
        return jnp.zeros((), dtype=jnp.result_type(x, self.shift))

    def _inverse_log_det_jacobian(self, y):
        return jnp.zeros((), dtype=jnp.result_type(y, self.shift))

    def _is_increasing(self):
        return True


class Scale(Bijector):
    """``y = scale * x`` (or ``exp(log_scale) * x``); ``log|dy/dx| = log|scale|``.

    Give exactly one of ``scale`` (non-zero, may be negative) or ``log_scale``.

    Examples:
        >>> import probflow.bijectors as pfb
        >>> float(pfb.Scale(2.0).forward(3.0))
        6.0
        >>> round(float(pfb.Scale(log_scale=0.5).forward_log_det_jacobian(1.0)), 4)
        0.5
    """

    scale: jax.Array | None
    log_scale: jax.Array | None
    is_constant_jacobian = True

    def __init__(self, scale: ArrayLike | None = None, log_scale: ArrayLike | None = None, *,
                 validate_args: bool = False, name: str | None = None):
        if (scale is None) == (log_scale is None):
            raise ValueError("Scale: give exactly one of scale or log_scale")
        scale, log_scale = float_params(scale, log_scale)
        self._set(scale=scale, log_scale=log_scale, validate_args=validate_args, name=name)
        self._validate(nonzero("scale", scale))

    def _multiplier(self):
        return self.scale if self.log_scale is None else jnp.exp(self.log_scale)

    def _forward(self, x):
        return x * self._multiplier()

    def _inverse(self, y):
        if self.log_scale is not None:
            return y * jnp.exp(-self.log_scale)
        return y / self.scale

    def _forward_log_det_jacobian(self, x):
        if self.log_scale is not None:
            return self.log_scale
        assert self.scale is not None  # exactly one of scale, log_scale is set
        return jnp.log(jnp.abs(self.scale))

    def _is_increasing(self):
        if self.log_scale is not None:
            return True
        assert self.scale is not None
        return self.scale > 0
