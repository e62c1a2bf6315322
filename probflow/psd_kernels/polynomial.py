"""Dot-product kernels: ``Polynomial`` and its degree-one case ``Linear``."""

from __future__ import annotations

import jax
import jax.numpy as jnp

from probflow.core import checks
from probflow.psd_kernels.kernel import PositiveSemidefiniteKernel
from probflow.psd_kernels.stationary import _sum_features
from probflow.typing import ArrayLike

__all__ = ["Polynomial", "Linear"]


class Polynomial(PositiveSemidefiniteKernel):
    """The polynomial kernel
    ``bias_amplitude**2 + slope_amplitude**2 ((x - shift) . (y - shift)) ** exponent``.

    The dot product runs over the ``feature_ndims`` rightmost dimensions. For a positive
    semidefinite kernel on all of ``R^d`` the exponent should be a positive integer; other
    exponents give ``nan`` where the dot product is negative. ``None`` parameters take TFP's
    defaults: no bias, slope 1, shift 0, exponent 1.

    Args:
        bias_amplitude: non-negative, ``batch`` shape.
        slope_amplitude: non-negative, ``batch`` shape.
        shift: real, ``batch`` shape (subtracted from every feature).
        exponent: positive, ``batch`` shape.
        feature_ndims: number of rightmost input dimensions forming one point.

    Examples:
        >>> import jax.numpy as jnp
        >>> import probflow.psd_kernels as pfk
        >>> k = pfk.Polynomial(bias_amplitude=1.0, slope_amplitude=2.0, shift=1.0, exponent=2.0)
        >>> float(k.apply(jnp.asarray([2.0, 3.0]), jnp.asarray([3.0, 1.0])))  # 1 + 4 * 2**2
        17.0
    """

    bias_amplitude: jax.Array | None
    slope_amplitude: jax.Array | None
    shift: jax.Array | None
    exponent: jax.Array | None

    def __init__(self, bias_amplitude: ArrayLike | None = None,
                 slope_amplitude: ArrayLike | None = None, shift: ArrayLike | None = None,
                 exponent: ArrayLike | None = None, *, feature_ndims: int = 1,
                 validate_args: bool = False):
        values = self._init_base(feature_ndims, validate_args, bias_amplitude=bias_amplitude,
                                 slope_amplitude=slope_amplitude, shift=shift,
                                 exponent=exponent)
        self._validate(checks.nonnegative("bias_amplitude", values["bias_amplitude"]),
                       checks.nonnegative("slope_amplitude", values["slope_amplitude"]),
                       checks.finite("shift", values["shift"]),
                       checks.positive("exponent", values["exponent"]))
        _ = self.batch_shape

    def _apply(self, x1, x2, example_ndims):
        fnd = self.feature_ndims
        shift = self._param("shift", example_ndims, extra_ndims=fnd)
        if shift is not None:
            x1, x2 = x1 - shift, x2 - shift
        value = _sum_features(x1 * x2, fnd)
        exponent = self._param("exponent", example_ndims)
        if exponent is not None:
            value = jnp.power(value, exponent)
        slope = self._param("slope_amplitude", example_ndims)
        if slope is not None:
            value = jnp.square(slope) * value
        bias = self._param("bias_amplitude", example_ndims)
        if bias is not None:
            value = value + jnp.square(bias)
        return value


class Linear(Polynomial):
    """The linear kernel ``bias_amplitude**2 + slope_amplitude**2 (x - shift) . (y - shift)``.

    A Gaussian process with this kernel is Bayesian linear regression with an intercept of
    prior standard deviation ``bias_amplitude`` and slopes of ``slope_amplitude``.

    Args:
        bias_amplitude: non-negative, ``batch`` shape (``None``: no bias).
        slope_amplitude: non-negative, ``batch`` shape (``None``: 1).
        shift: real, ``batch`` shape (``None``: 0).
        feature_ndims: number of rightmost input dimensions forming one point.

    Examples:
        >>> import jax.numpy as jnp
        >>> import probflow.psd_kernels as pfk
        >>> k = pfk.Linear(bias_amplitude=1.0, slope_amplitude=0.5)
        >>> k.matrix(jnp.asarray([[1.0], [2.0]]), jnp.asarray([[4.0]]))
        Array([[2.],
               [3.]], dtype=float32)
    """

    def __init__(self, bias_amplitude: ArrayLike | None = None,
                 slope_amplitude: ArrayLike | None = None, shift: ArrayLike | None = None, *,
                 feature_ndims: int = 1, validate_args: bool = False):
        super().__init__(bias_amplitude, slope_amplitude, shift, None,
                         feature_ndims=feature_ndims, validate_args=validate_args)
