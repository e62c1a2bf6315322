"""Stationary kernels: functions of ``x - y`` (exponentiated quadratic, Matern, rational
quadratic, periodic).

Each takes TFP's ``amplitude`` (the kernel's value at zero distance is ``amplitude**2``) and
``length_scale``; ``None`` is treated as 1. Distances are Euclidean over the
``feature_ndims`` rightmost dimensions.
"""

from __future__ import annotations

import math

import jax
import jax.numpy as jnp

from probflow.core import checks
from probflow.psd_kernels.kernel import PositiveSemidefiniteKernel
from probflow.typing import Array, ArrayLike

__all__ = [
    "ExponentiatedQuadratic",
    "MaternOneHalf",
    "MaternThreeHalves",
    "MaternFiveHalves",
    "RationalQuadratic",
    "ExpSinSquared",
]


def _sum_features(t, feature_ndims: int):
    """Sum ``t`` over its ``feature_ndims`` rightmost dimensions."""
    if feature_ndims == 0:
        return t
    return jnp.sum(t, axis=tuple(range(-feature_ndims, 0)))


def _safe_sqrt(s):
    """``sqrt(s)`` for ``s >= 0`` with a zero (not infinite) gradient at ``s = 0``."""
    positive = s > 0
    return jnp.where(positive, jnp.sqrt(jnp.where(positive, s, 1.0)), 0.0)


def _times_amplitude_squared(kernel, value, example_ndims):
    amplitude = kernel._param("amplitude", example_ndims)
    return value if amplitude is None else jnp.square(amplitude) * value


class _AmplitudeLengthScale(PositiveSemidefiniteKernel):
    """Shared fields and distance of the kernels below; a subclass gives ``_profile``."""

    amplitude: jax.Array | None
    length_scale: jax.Array | None

    def __init__(self, amplitude: ArrayLike | None = None, length_scale: ArrayLike | None = None,
                 *, feature_ndims: int = 1, validate_args: bool = False):
        values = self._init_base(feature_ndims, validate_args, amplitude=amplitude,
                                 length_scale=length_scale)
        self._validate(checks.positive("amplitude", values["amplitude"]),
                       checks.positive("length_scale", values["length_scale"]))
        _ = self.batch_shape

    def _scaled_squared_distance(self, x1, x2, example_ndims):
        """``|x1 - x2|^2 / length_scale^2`` summed over the features."""
        sq = _sum_features(jnp.square(x1 - x2), self.feature_ndims)
        length_scale = self._param("length_scale", example_ndims)
        return sq if length_scale is None else sq / jnp.square(length_scale)

    def _profile(self, sq: Array) -> Array:  # pragma: no cover - abstract
        raise NotImplementedError

    def _apply(self, x1, x2, example_ndims):
        value = self._profile(self._scaled_squared_distance(x1, x2, example_ndims))
        return _times_amplitude_squared(self, value, example_ndims)


class ExponentiatedQuadratic(_AmplitudeLengthScale):
    """The squared-exponential (RBF) kernel ``amplitude**2 exp(-|x - y|^2 / (2 length_scale**2))``.

    Args:
        amplitude: positive, ``batch`` shape (``None``: 1).
        length_scale: positive, ``batch`` shape (``None``: 1).
        feature_ndims: number of rightmost input dimensions forming one point.

    Examples:
        >>> import jax.numpy as jnp
        >>> import probflow.psd_kernels as pfk
        >>> k = pfk.ExponentiatedQuadratic(amplitude=2.0, length_scale=0.5)
        >>> round(float(k.apply(jnp.asarray([0.0, 0.0]), jnp.asarray([0.3, 0.4]))), 4)
        2.4261
    """

    def _profile(self, sq):
        return jnp.exp(-0.5 * sq)


class MaternOneHalf(_AmplitudeLengthScale):
    """The Matern 1/2 (exponential) kernel ``amplitude**2 exp(-|x - y| / length_scale)``.

    Args:
        amplitude: positive, ``batch`` shape (``None``: 1).
        length_scale: positive, ``batch`` shape (``None``: 1).
        feature_ndims: number of rightmost input dimensions forming one point.

    Examples:
        >>> import jax.numpy as jnp
        >>> import probflow.psd_kernels as pfk
        >>> k = pfk.MaternOneHalf(amplitude=1.0, length_scale=2.0)
        >>> round(float(k.apply(jnp.asarray([0.0, 0.0]), jnp.asarray([3.0, 4.0]))), 4)
        0.0821
    """

    def _profile(self, sq):
        return jnp.exp(-_safe_sqrt(sq))


class MaternThreeHalves(_AmplitudeLengthScale):
    """The Matern 3/2 kernel ``amplitude**2 (1 + sqrt(3) r) exp(-sqrt(3) r)``, ``r = |x - y| / l``.

    Args:
        amplitude: positive, ``batch`` shape (``None``: 1).
        length_scale: positive, ``batch`` shape (``None``: 1).
        feature_ndims: number of rightmost input dimensions forming one point.

    Examples:
        >>> import jax.numpy as jnp
        >>> import probflow.psd_kernels as pfk
        >>> k = pfk.MaternThreeHalves(amplitude=1.0, length_scale=1.0)
        >>> round(float(k.apply(jnp.asarray([0.0]), jnp.asarray([1.0]))), 4)
        0.4834
    """

    def _profile(self, sq):
        r = math.sqrt(3.0) * _safe_sqrt(sq)
        return (1.0 + r) * jnp.exp(-r)


class MaternFiveHalves(_AmplitudeLengthScale):
    """The Matern 5/2 kernel ``amplitude**2 (1 + sqrt(5) r + 5 r^2 / 3) exp(-sqrt(5) r)``.

    Here ``r = |x - y| / length_scale``.

    Args:
        amplitude: positive, ``batch`` shape (``None``: 1).
        length_scale: positive, ``batch`` shape (``None``: 1).
        feature_ndims: number of rightmost input dimensions forming one point.

    Examples:
        >>> import jax.numpy as jnp
        >>> import probflow.psd_kernels as pfk
        >>> k = pfk.MaternFiveHalves(amplitude=1.0, length_scale=1.0)
        >>> round(float(k.apply(jnp.asarray([0.0]), jnp.asarray([1.0]))), 4)
        0.524
    """

    def _profile(self, sq):
        r = math.sqrt(5.0) * _safe_sqrt(sq)
        return (1.0 + r + 5.0 / 3.0 * sq) * jnp.exp(-r)


class RationalQuadratic(_AmplitudeLengthScale):
    """The rational quadratic kernel, a scale mixture of exponentiated quadratics.

    ``k(x, y) = amplitude**2 (1 + |x - y|^2 / (2 scale_mixture_rate length_scale**2))
    ** -scale_mixture_rate``; it tends to
    [`ExponentiatedQuadratic`][probflow.psd_kernels.stationary.ExponentiatedQuadratic] as
    ``scale_mixture_rate`` grows.

    Args:
        amplitude: positive, ``batch`` shape (``None``: 1).
        length_scale: positive, ``batch`` shape (``None``: 1).
        scale_mixture_rate: positive, ``batch`` shape (``None``: 1).
        feature_ndims: number of rightmost input dimensions forming one point.

    Examples:
        >>> import jax.numpy as jnp
        >>> import probflow.psd_kernels as pfk
        >>> k = pfk.RationalQuadratic(amplitude=1.0, length_scale=1.0, scale_mixture_rate=2.0)
        >>> float(k.apply(jnp.asarray([0.0]), jnp.asarray([2.0])))
        0.25
    """

    scale_mixture_rate: jax.Array | None

    def __init__(self, amplitude: ArrayLike | None = None, length_scale: ArrayLike | None = None,
                 scale_mixture_rate: ArrayLike | None = None, *, feature_ndims: int = 1,
                 validate_args: bool = False):
        values = self._init_base(feature_ndims, validate_args, amplitude=amplitude,
                                 length_scale=length_scale,
                                 scale_mixture_rate=scale_mixture_rate)
        self._validate(*(checks.positive(name, value) for name, value in values.items()))
        _ = self.batch_shape

    def _apply(self, x1, x2, example_ndims):
        sq = self._scaled_squared_distance(x1, x2, example_ndims)
        rate = self._param("scale_mixture_rate", example_ndims)
        if rate is None:
            value = 1.0 / (1.0 + 0.5 * sq)
        else:
            value = jnp.exp(-rate * jnp.log1p(0.5 * sq / rate))
        return _times_amplitude_squared(self, value, example_ndims)


class ExpSinSquared(_AmplitudeLengthScale):
    """The periodic kernel
    ``amplitude**2 exp(-2 / length_scale**2 sum_k sin(pi |x_k - y_k| / period)**2)``.

    As in TFP, the sine is taken per feature and the squares summed, so draws are periodic
    with the same ``period`` in every feature dimension.

    Args:
        amplitude: positive, ``batch`` shape (``None``: 1).
        length_scale: positive, ``batch`` shape (``None``: 1).
        period: positive, ``batch`` shape (``None``: 1).
        feature_ndims: number of rightmost input dimensions forming one point.

    Examples:
        >>> import jax.numpy as jnp
        >>> import probflow.psd_kernels as pfk
        >>> k = pfk.ExpSinSquared(amplitude=1.0, length_scale=1.0, period=2.0)
        >>> float(k.apply(jnp.asarray([0.0]), jnp.asarray([4.0])))  # a whole number of periods
        1.0
    """

    period: jax.Array | None

    def __init__(self, amplitude: ArrayLike | None = None, length_scale: ArrayLike | None = None,
                 period: ArrayLike | None = None, *, feature_ndims: int = 1,
                 validate_args: bool = False):
        values = self._init_base(feature_ndims, validate_args, amplitude=amplitude,
                                 length_scale=length_scale, period=period)
        self._validate(*(checks.positive(name, value) for name, value in values.items()))
        _ = self.batch_shape

    def _apply(self, x1, x2, example_ndims):
        fnd = self.feature_ndims
        period = self._param("period", example_ndims, extra_ndims=fnd, default=1.0)
        s = _sum_features(jnp.square(jnp.sin(math.pi * (x1 - x2) / period)), fnd)
        length_scale = self._param("length_scale", example_ndims)
        if length_scale is not None:
            s = s / jnp.square(length_scale)
        return _times_amplitude_squared(self, jnp.exp(-2.0 * s), example_ndims)
