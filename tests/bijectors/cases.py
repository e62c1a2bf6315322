"""The bijector table: one row per bijector configuration.

Each row gives a constructor, a sampler of points in the bijector's domain, the
event shape of one input point, and how to read the Jacobian when the map changes
dimension:

* ``to_x`` maps free coordinates (a flat vector) to one input event (default: reshape);
* ``from_y`` maps one output event to coordinates (default: flatten);
* ``ldj="square"`` compares ``forward_log_det_jacobian`` with ``log|det J|`` of
  ``from_y o forward o to_x``; ``ldj="volume"`` with ``log sqrt(det(J^T J))`` (the
  volume change onto a lower-dimensional surface, TFP's convention for
  ``SoftmaxCentered`` and ``Pad``).
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Callable

import jax
import jax.numpy as jnp
import numpy as np

import probflow.bijectors as pfb


@dataclasses.dataclass(frozen=True)
class Row:
    id: str
    make: Callable[[], pfb.Bijector]
    sample: Callable  # (key, shape) -> x of that shape, in the domain
    event_shape: tuple[int, ...] = (3,)
    to_x: Callable | None = None
    from_y: Callable | None = None
    ldj: str = "square"
    rtol: float = 1e-6


def real(key, shape):
    return 1.5 * jax.random.normal(key, shape, dtype=jnp.float64)


def small_real(key, shape):
    return 0.5 * jax.random.normal(key, shape, dtype=jnp.float64)


def positive(key, shape):
    return jnp.exp(0.5 * jax.random.normal(key, shape, dtype=jnp.float64))


def above_minus_one(key, shape):
    return jnp.exp(0.7 * jax.random.normal(key, shape, dtype=jnp.float64)) - 1.0


def unit(key, shape):
    return jax.random.uniform(key, shape, dtype=jnp.float64, minval=0.05, maxval=0.95)


def lower_cholesky(key, shape):
    """Lower-triangular matrices with a positive diagonal, shape ``batch + (n, n)``."""
    n = shape[-1]
    m = n * (n + 1) // 2
    return pfb.FillScaleTriL(diag_shift=None).forward(small_real(key, shape[:-2] + (m,)))


def lower_triangular(key, shape):
    return jnp.tril(real(key, shape))


def simplex(key, shape):
    return jax.nn.softmax(jax.random.normal(key, shape, dtype=jnp.float64), axis=-1)



def lower_triangular_invertible(key, shape):
    """Lower-triangular matrices whose diagonal entries have magnitude in ``[0.5, 2]``."""
    key_entries, key_diag, key_sign = jax.random.split(key, 3)
    x = jnp.tril(small_real(key_entries, shape), -1)
    magnitude = jax.random.uniform(key_diag, shape[:-1], jnp.float64, 0.5, 2.0)
    sign = jnp.where(jax.random.bernoulli(key_sign, 0.5, shape[:-1]), 1.0, -1.0)
    return x + jnp.einsum("...i,ij->...ij", magnitude * sign, jnp.eye(shape[-1]))


def _log_cosh(x):
    return jnp.logaddexp(x, -x) - math.log(2.0)


def _zero_vector_ldj(y):
    return jnp.zeros(y.shape[:-1], y.dtype)


def _diff(y):
    return jnp.diff(y, axis=-1, prepend=0.0)

def _tril_coords(n, k=0):
    rows, cols = np.tril_indices(n, k)
    return lambda y: y[rows, cols]


def _triu_coords(n):
    rows, cols = np.triu_indices(n)
    return lambda y: y[rows, cols]


def _fill_tril(n):
    rows, cols = np.tril_indices(n)
    return lambda u: jnp.zeros((n, n), u.dtype).at[rows, cols].set(u)


def _concat(parts):
    return jnp.concatenate([jnp.ravel(p) for p in parts])


_LU = np.array([[2.0, 0.5, -1.0], [0.3, 1.5, 0.2], [-0.4, 0.1, -0.8]])
_TRIL = np.array([[1.5, 0.0, 0.0], [0.4, -0.7, 0.0], [-1.0, 0.3, 2.0]])

ROWS = [
    # elementwise
    Row("Identity", pfb.Identity, real),
    Row("Exp", pfb.Exp, real),
    Row("Log", pfb.Log, positive),
    Row("Expm1", pfb.Expm1, real),
    Row("Log1p", pfb.Log1p, above_minus_one),
    Row("Tanh", pfb.Tanh, real),
    Row("Sinh", pfb.Sinh, real),
    Row("SinhArcsinh", lambda: pfb.SinhArcsinh(0.5, 2.0), real),
    Row("SinhArcsinh-default", pfb.SinhArcsinh, real),
    Row("SinhArcsinh-batch", lambda: pfb.SinhArcsinh(np.array([-0.3, 0.0, 1.0]),
                                                     np.array([0.5, 1.0, 1.7])), real),
    Row("Power-cubic", lambda: pfb.Power(3.0), real),
    Row("Power-root", lambda: pfb.Power(0.5), positive),
    Row("Power-negative", lambda: pfb.Power(-1.5), positive),
    Row("Square", pfb.Square, positive),
    Row("Reciprocal", pfb.Reciprocal, positive),
    Row("Softplus", pfb.Softplus, real),
    Row("Softplus-hinge-low", lambda: pfb.Softplus(hinge_softness=0.5, low=1.0), real),
    Row("Softplus-negative-hinge", lambda: pfb.Softplus(hinge_softness=-2.0), real),
    Row("Sigmoid", pfb.Sigmoid, real),
    Row("Sigmoid-bounds", lambda: pfb.Sigmoid(low=-1.0, high=3.0), real),
    Row("ExtendedInterval", lambda: pfb.ExtendedInterval(
        np.array([0.0, -np.inf, 1.0, -np.inf]), np.array([2.0, 1.0, np.inf, np.inf])), real,
        event_shape=(4,)),
    Row("Sigmoid-batch-bounds", lambda: pfb.Sigmoid(low=np.array([0.0, -2.0, 5.0]),
                                                    high=np.array([1.0, 2.0, 5.5])), real),
    Row("SoftClip-both", lambda: pfb.SoftClip(-1.0, 2.0, hinge_softness=0.7), real),
    Row("SoftClip-low", lambda: pfb.SoftClip(low=1.0), real),
    Row("SoftClip-high", lambda: pfb.SoftClip(high=1.0, hinge_softness=2.0), real),
    Row("SoftClip-none", pfb.SoftClip, real),
    Row("NormalCDF", pfb.NormalCDF, real),
    Row("GumbelCDF", lambda: pfb.GumbelCDF(1.0, 2.0), real),
    Row("WeibullCDF", lambda: pfb.WeibullCDF(2.0, 1.5), positive),
    Row("KumaraswamyCDF", lambda: pfb.KumaraswamyCDF(2.0, 3.0), unit),
    # affine and linear
    Row("Shift", lambda: pfb.Shift(np.array([1.0, -2.0, 0.5])), real),
    Row("Scale", lambda: pfb.Scale(np.array([2.0, -0.5, 3.0])), real),
    Row("Scale-log", lambda: pfb.Scale(log_scale=0.3), real),
    Row("ScaleMatvecDiag", lambda: pfb.ScaleMatvecDiag(np.array([2.0, -0.5, 3.0])), real),
    Row("ScaleMatvecTriL", lambda: pfb.ScaleMatvecTriL(_TRIL), real),
    Row("ScaleMatvecTriL-adjoint", lambda: pfb.ScaleMatvecTriL(_TRIL, adjoint=True), real),
    Row("ScaleMatvecLU", lambda: pfb.ScaleMatvecLU(_LU, [2, 0, 1]), real),
    Row("MatvecLU", lambda: pfb.MatvecLU(_LU, [1, 2, 0]), real),
    # composition
    Row("Chain-affine-exp", lambda: pfb.Chain([pfb.Shift(1.0), pfb.Scale(2.0), pfb.Exp()]),
        real),
    Row("Chain-empty", lambda: pfb.Chain([]), real),
    Row("Chain-exp-then-softmax", lambda: pfb.Chain([pfb.SoftmaxCentered(), pfb.Exp()]),
        small_real, ldj="volume"),
    Row("Chain-reshape-exp", lambda: pfb.Chain([pfb.Reshape([2, 3], [6]), pfb.Exp()]), real,
        event_shape=(6,)),
    Row("Chain-pd", lambda: pfb.Chain([pfb.CholeskyOuterProduct(), pfb.FillScaleTriL()]),
        small_real, event_shape=(6,), from_y=_tril_coords(3)),
    Row("Chain-positive-ordered", lambda: pfb.Chain([pfb.Exp(), pfb.Ascending()]), real),
    Row("Invert-Exp", lambda: pfb.Invert(pfb.Exp()), positive),
    Row("Invert-affine", lambda: pfb.Invert(pfb.Chain([pfb.Shift(1.0), pfb.Scale(-3.0)])),
        real),
    Row("Invert-FillTriangular", lambda: pfb.Invert(pfb.FillTriangular()), lower_triangular,
        event_shape=(3, 3), to_x=_fill_tril(3)),
    # structural
    Row("Reshape", lambda: pfb.Reshape([2, 3]), real, event_shape=(6,)),
    Row("Reshape-matrix-to-vector", lambda: pfb.Reshape([-1], [2, 2]), real,
        event_shape=(2, 2)),
    Row("Reshape-scalar-to-vector", lambda: pfb.Reshape([1], []), real, event_shape=()),
    Row("Transpose", lambda: pfb.Transpose([1, 0]), real, event_shape=(2, 3)),
    Row("Transpose-rightmost", lambda: pfb.Transpose(rightmost_transposed_ndims=3), real,
        event_shape=(2, 3, 2)),
    Row("Permute", lambda: pfb.Permute([2, 0, 1]), real),
    Row("Permute-axis", lambda: pfb.Permute([1, 0], axis=-2), real, event_shape=(2, 3)),
    Row("Pad", pfb.Pad, real, ldj="volume"),
    Row("Pad-two-axes", lambda: pfb.Pad(((1, 0), (0, 2)), constant_values=1.0), real,
        event_shape=(2, 3), ldj="volume"),
    Row("Split", lambda: pfb.Split([1, -1]), real, event_shape=(4,), from_y=_concat),
    Row("Split-equal", lambda: pfb.Split(2), real, event_shape=(4,), from_y=_concat),
    Row("Blockwise", lambda: pfb.Blockwise([pfb.Exp(), pfb.Softplus(), pfb.Sigmoid()],
                                           [1, 2, 1]), real, event_shape=(4,)),
    Row("Blockwise-size-changing", lambda: pfb.Blockwise([pfb.Exp(), pfb.SoftmaxCentered()],
                                                         [1, 2]), real, ldj="volume"),
    Row("Cumsum", pfb.Cumsum, real),
    Row("Cumsum-axis", lambda: pfb.Cumsum(axis=-2), real, event_shape=(3, 2)),
    Row("Ascending", pfb.Ascending, real),
    # simplex and triangular
    Row("SoftmaxCentered", pfb.SoftmaxCentered, real, ldj="volume"),
    Row("IteratedSigmoidCentered", pfb.IteratedSigmoidCentered, real,
        from_y=lambda y: y[:-1]),
    Row("FillTriangular", pfb.FillTriangular, real, event_shape=(6,),
        from_y=_tril_coords(3)),
    Row("FillTriangular-upper", lambda: pfb.FillTriangular(upper=True), real,
        event_shape=(6,), from_y=_triu_coords(3)),
    Row("FillScaleTriL", pfb.FillScaleTriL, real, event_shape=(6,), from_y=_tril_coords(3)),
    Row("FillScaleTriL-exp", lambda: pfb.FillScaleTriL(pfb.Exp(), diag_shift=None), real,
        event_shape=(3,), from_y=_tril_coords(2)),
    Row("TransformDiagonal", lambda: pfb.TransformDiagonal(pfb.Exp()), real,
        event_shape=(3, 3)),
    Row("CholeskyOuterProduct", pfb.CholeskyOuterProduct, lower_cholesky,
        event_shape=(3, 3), to_x=_fill_tril(3), from_y=_tril_coords(3)),
    Row("CorrelationCholesky", pfb.CorrelationCholesky, real, event_shape=(6,),
        from_y=_tril_coords(4, -1)),
    Row("CorrelationCholesky-2x2", pfb.CorrelationCholesky, real, event_shape=(1,),
        from_y=_tril_coords(2, -1)),
    # catalogue (issue 13): TFP's remaining bijectors
    Row("Softsign", pfb.Softsign, real),
    Row("Softfloor", lambda: pfb.Softfloor(0.7), real),
    Row("PowerTransform", lambda: pfb.PowerTransform(0.5), above_minus_one),
    Row("PowerTransform-zero", pfb.PowerTransform, real),
    Row("GeneralizedPareto", lambda: pfb.GeneralizedPareto(1.0, 2.0, 0.5), real),
    Row("GeneralizedPareto-bounded", lambda: pfb.GeneralizedPareto(1.0, 2.0, -0.5), real),
    Row("GeneralizedPareto-batch", lambda: pfb.GeneralizedPareto(
        np.array([0.0, 1.0, -1.0]), 2.0, np.array([0.5, -0.5, 0.0])), real),
    Row("GompertzCDF", lambda: pfb.GompertzCDF(2.0, 0.5), positive),
    Row("ShiftedGompertzCDF", lambda: pfb.ShiftedGompertzCDF(0.5, 2.0), positive),
    Row("FrechetCDF", lambda: pfb.FrechetCDF(-1.0, 2.0, 3.0), positive),
    Row("RayleighCDF", lambda: pfb.RayleighCDF(2.0), positive),
    Row("MoyalCDF", lambda: pfb.MoyalCDF(0.5, 2.0), real),
    Row("GeneralizedExtremeValueCDF", lambda: pfb.GeneralizedExtremeValueCDF(0.5, 2.0, 0.3),
        real),
    Row("GeneralizedExtremeValueCDF-negative",
        lambda: pfb.GeneralizedExtremeValueCDF(0.5, 2.0, -0.3), real),
    Row("GeneralizedExtremeValueCDF-gumbel",
        lambda: pfb.GeneralizedExtremeValueCDF(0.5, 2.0, 0.0), real),
    Row("LambertWTail", lambda: pfb.LambertWTail(0.5, 2.0, 0.3), real),
    Row("LambertWTail-identity", lambda: pfb.LambertWTail(0.5, 2.0, 0.0), real),
    Row("Householder", lambda: pfb.Householder(np.array([1.0, -2.0, 0.5])), real),
    Row("MatrixInverseTriL", pfb.MatrixInverseTriL, lower_triangular_invertible,
        event_shape=(3, 3), to_x=_fill_tril(3), from_y=_tril_coords(3)),
    Row("CholeskyToInvCholesky", pfb.CholeskyToInvCholesky, lower_cholesky,
        event_shape=(3, 3), to_x=_fill_tril(3), from_y=_tril_coords(3)),
    Row("UnitVector", pfb.UnitVector, real, ldj="volume"),
    Row("Composition", lambda: pfb.Composition([pfb.Shift(1.0), pfb.Scale(2.0), pfb.Exp()]),
        real),
    Row("Composition-softmax", lambda: pfb.Composition([pfb.SoftmaxCentered(), pfb.Exp()]),
        small_real, ldj="volume"),
    Row("Inline", lambda: pfb.Inline(forward_fn=jnp.sinh, inverse_fn=jnp.arcsinh,
                                     forward_log_det_jacobian_fn=_log_cosh,
                                     forward_min_event_ndims=0), real),
    Row("Inline-vector", lambda: pfb.Inline(forward_fn=lambda x: jnp.cumsum(x, axis=-1),
                                            inverse_fn=_diff,
                                            inverse_log_det_jacobian_fn=_zero_vector_ldj,
                                            forward_min_event_ndims=1), real),
]
