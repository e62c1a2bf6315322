"""``SoftClip``: a smooth, invertible approximation of clipping to ``[low, high]``."""

from __future__ import annotations

import jax
import jax.numpy as jnp

from probflow.bijectors._utils import float_params, positive
from probflow.bijectors.bijector import Bijector
from probflow.core.checks import Check
from probflow.core.numerics import softplus, softplus_inverse
from probflow.typing import ArrayLike

__all__ = ["SoftClip"]


class SoftClip(Bijector):
    """Smooth clipping onto ``(low, high)``: close to the identity well inside the bounds.

    With ``s(z) = c softplus(z / c)`` (``c = hinge_softness``, default 1), a soft
    ``max(x, low)`` is ``low + s(x - low)`` and a soft ``min(x, high)`` is
    ``high - s(high - x)``. With both bounds (``D = high - low``),

    ``y = high - s(D - s(x - low)) * D / s(D)``,

    rescaled so that the image is exactly ``(low, high)`` (TFP's definition). With
    neither bound, the identity. Increasing; log-determinants in closed form.

    Args:
        low, high: optional bounds (``high > low`` when both are given).
        hinge_softness: positive, default 1.

    Examples:
        >>> import jax.numpy as jnp
        >>> import probflow.bijectors as pfb
        >>> b = pfb.SoftClip(low=0.0, high=1.0)
        >>> y = b.forward(jnp.asarray([-30.0, 0.5, 30.0]))
        >>> bool(jnp.all((y >= 0.0) & (y <= 1.0)))
        True
        >>> round(float(pfb.SoftClip(low=-10.0, high=10.0).forward(1.0)), 3)
        1.0
    """

    low: jax.Array | None
    high: jax.Array | None
    hinge_softness: jax.Array | None

    def __init__(self, low: ArrayLike | None = None, high: ArrayLike | None = None,
                 hinge_softness: ArrayLike | None = None, *, validate_args: bool = False,
                 name: str | None = None):
        low, high, hinge_softness = float_params(low, high, hinge_softness)
        self._set(low=low, high=high, hinge_softness=hinge_softness,
                  validate_args=validate_args, name=name)
        self._validate(positive("hinge_softness", hinge_softness))
        if low is not None and high is not None:
            self._validate(Check("high - low", jnp.subtract(high, low), lambda v: v > 0,
                                 "positive"))

    def _c(self):
        return 1.0 if self.hinge_softness is None else self.hinge_softness

    def _soft(self, z):
        c = self._c()
        return c * softplus(z / c)

    def _soft_inverse(self, w):
        c = self._c()
        return c * softplus_inverse(w / c)

    def _log_soft_slope(self, z):
        """``log s'(z) = log sigmoid(z / c)``."""
        return -softplus(-z / self._c())

    def _forward(self, x):
        low, high = self.low, self.high
        if low is None and high is None:
            return x
        if high is None:
            assert low is not None
            return low + self._soft(x - low)
        if low is None:
            return high - self._soft(high - x)
        width = high - low
        return high - self._soft(width - self._soft(x - low)) * width / self._soft(width)

    def _inverse(self, y):
        low, high = self.low, self.high
        if low is None and high is None:
            return y
        if high is None:
            assert low is not None
            return low + self._soft_inverse(y - low)
        if low is None:
            return high - self._soft_inverse(high - y)
        width = high - low
        inner = width - self._soft_inverse((high - y) * self._soft(width) / width)
        return low + self._soft_inverse(inner)

    def _forward_log_det_jacobian(self, x):
        low, high = self.low, self.high
        if low is None and high is None:
            return jnp.zeros_like(x)
        if high is None:
            return self._log_soft_slope(x - low)
        if low is None:
            return self._log_soft_slope(high - x)
        width = high - low
        inner = width - self._soft(x - low)
        return (jnp.log(width) - jnp.log(self._soft(width)) + self._log_soft_slope(inner)
                + self._log_soft_slope(x - low))

    def _is_increasing(self):
        return True
