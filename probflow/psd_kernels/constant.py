"""Kernels that ignore distances: ``Constant`` and ``WhiteNoise``."""

from __future__ import annotations

import jax
import jax.numpy as jnp

from probflow.core import checks
from probflow.psd_kernels.kernel import PositiveSemidefiniteKernel
from probflow.typing import ArrayLike

__all__ = ["Constant", "WhiteNoise"]


def _lead_shape(x1, x2, feature_ndims):
    shape = jnp.broadcast_shapes(x1.shape, x2.shape)
    return shape[: len(shape) - feature_ndims]


class Constant(PositiveSemidefiniteKernel):
    """The constant kernel ``k(x, y) = constant``.

    A Gaussian process with this kernel draws one constant function (an unknown offset
    with prior variance ``constant``); add it to another kernel to model one.

    Args:
        constant: positive, ``batch`` shape.
        feature_ndims: number of rightmost input dimensions forming one point.

    Examples:
        >>> import jax.numpy as jnp
        >>> import probflow.psd_kernels as pfk
        >>> pfk.Constant(jnp.asarray([1.0, 2.0])).matrix(jnp.zeros((1, 3)), jnp.ones((2, 3)))
        Array([[[1., 1.]],
        <BLANKLINE>
               [[2., 2.]]], dtype=float32)
    """

    constant: jax.Array

    def __init__(self, constant: ArrayLike, *, feature_ndims: int = 1, validate_args: bool = False):
        if constant is None:
            raise ValueError("Constant: constant is required (a positive number or array)")
        values = self._init_base(feature_ndims, validate_args, constant=constant)
        self._validate(checks.positive("constant", values["constant"]))
        _ = self.batch_shape

    def _apply(self, x1, x2, example_ndims):
        constant = self._param("constant", example_ndims).astype(jnp.result_type(x1, x2,
                                                                                  self.constant))
        lead = _lead_shape(x1, x2, self.feature_ndims)
        return jnp.broadcast_to(constant, jnp.broadcast_shapes(constant.shape, lead))


class WhiteNoise(PositiveSemidefiniteKernel):
    """The white-noise kernel: ``amplitude**2`` where ``x == y`` (every feature), else 0.

    Its matrix on distinct points is ``amplitude**2 I``: independent noise of variance
    ``amplitude**2`` at each point, the same as a ``GaussianProcess``'s
    ``observation_noise_variance``, but usable inside sums and products of kernels. (TFP has no
    such kernel; GPflow calls it ``White``.)

    Args:
        amplitude: positive, ``batch`` shape (``None``: 1).
        feature_ndims: number of rightmost input dimensions forming one point.

    Examples:
        >>> import jax.numpy as jnp
        >>> import probflow.psd_kernels as pfk
        >>> x = jnp.asarray([[0.0], [1.0]])
        >>> pfk.WhiteNoise(amplitude=0.5).matrix(x, x)
        Array([[0.25, 0.  ],
               [0.  , 0.25]], dtype=float32)
    """

    amplitude: jax.Array | None

    def __init__(self, amplitude: ArrayLike | None = None, *, feature_ndims: int = 1,
                 validate_args: bool = False):
        values = self._init_base(feature_ndims, validate_args, amplitude=amplitude)
        self._validate(checks.positive("amplitude", values["amplitude"]))
        _ = self.batch_shape

    def _apply(self, x1, x2, example_ndims):
        fnd = self.feature_ndims
        equal = x1 == x2
        if fnd:
            equal = jnp.all(equal, axis=tuple(range(-fnd, 0)))
        value = equal.astype(jnp.result_type(x1, x2))
        amplitude = self._param("amplitude", example_ndims)
        return value if amplitude is None else jnp.square(amplitude) * value
