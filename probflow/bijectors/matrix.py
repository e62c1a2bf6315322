"""Matrix bijectors: ``Householder`` reflections, ``MatrixInverseTriL`` and
``CholeskyToInvCholesky``."""

from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np
from jax.scipy.linalg import solve_triangular

from probflow.bijectors._utils import LOG_2, float_params
from probflow.bijectors.bijector import Bijector
from probflow.core.checks import Check
from probflow.core.errors import ShapeError
from probflow.typing import ArrayLike

__all__ = ["Householder", "MatrixInverseTriL", "CholeskyToInvCholesky"]


def _square(owner: str, x):
    if x.ndim < 2 or x.shape[-1] != x.shape[-2]:
        raise ShapeError(f"{owner}: expected a batch of square matrices, got shape "
                         f"{tuple(x.shape)}")


def _tril_inverse(x):
    """``inv(x)`` for a batch of lower-triangular matrices ``x``."""
    eye = jnp.broadcast_to(jnp.eye(x.shape[-1], dtype=x.dtype), x.shape)
    return solve_triangular(x, eye, lower=True)


def _log_abs_diag(x):
    return jnp.log(jnp.abs(jnp.diagonal(x, axis1=-2, axis2=-1)))


class Householder(Bijector):
    """Reflection across the hyperplane normal to ``reflection_axis``:
    ``y = x - 2 (x . v) v / (v . v)``.

    A reflection is its own inverse, and ``|det| = 1``: the log-determinant is zero.
    ``v`` need not have unit norm (it is normalised, as TFP's
    ``LinearOperatorHouseholder`` does), but must be non-zero.

    Args:
        reflection_axis: vector ``v`` of shape ``batch + (n,)``.

    Examples:
        >>> import jax.numpy as jnp
        >>> import probflow.bijectors as pfb
        >>> b = pfb.Householder([-0.8, 0.6])
        >>> [round(float(v), 4) for v in b.forward(jnp.asarray([1.0, 0.0]))]
        [-0.28, 0.96]
        >>> [round(float(v), 4) for v in b.inverse(b.forward(jnp.asarray([1.0, 2.0])))]
        [1.0, 2.0]
    """

    reflection_axis: jax.Array
    forward_min_event_ndims = 1
    inverse_min_event_ndims = 1
    is_constant_jacobian = True

    def __init__(self, reflection_axis: ArrayLike, *, validate_args: bool = False,
                 name: str | None = None):
        (reflection_axis,) = float_params(reflection_axis)
        if jnp.ndim(reflection_axis) < 1:
            raise ShapeError(f"Householder: reflection_axis must be a vector (at least 1-D), "
                             f"got shape {tuple(jnp.shape(reflection_axis))}")
        self._set(reflection_axis=reflection_axis, validate_args=validate_args, name=name)
        self._validate(Check("reflection_axis", reflection_axis,
                             lambda v: (v * v).sum(axis=-1) > 0, "a non-zero vector"))

    def _forward(self, x):
        v = self.reflection_axis
        coefficient = 2.0 * jnp.sum(x * v, axis=-1, keepdims=True) / jnp.sum(
            v * v, axis=-1, keepdims=True)
        return x - coefficient * v

    def _inverse(self, y):
        return self._forward(y)

    def _forward_log_det_jacobian(self, x):
        return jnp.zeros((), dtype=jnp.result_type(x, self.reflection_axis))


class MatrixInverseTriL(Bijector):
    """``Y = inv(L)`` for non-singular lower-triangular ``L`` (its own inverse).

    On the ``n (n + 1) / 2`` lower-triangle coordinates,
    ``log|det J| = -(n + 1) sum_i log|L_ii|``. Input shape ``batch + (n, n)``.

    Examples:
        >>> import jax.numpy as jnp
        >>> import probflow.bijectors as pfb
        >>> b = pfb.MatrixInverseTriL()
        >>> b.forward(jnp.asarray([[1.0, 0.0], [2.0, 1.0]]))
        Array([[ 1.,  0.],
               [-2.,  1.]], dtype=float32)
        >>> float(b.forward_log_det_jacobian(jnp.asarray([[2.0, 0.0], [1.0, 1.0]])))
        ... # doctest: +ELLIPSIS
        -2.079...
    """

    forward_min_event_ndims = 2
    inverse_min_event_ndims = 2

    def _forward(self, x):
        _square("MatrixInverseTriL", x)
        if self.validate_args:
            self._validate(Check(
                "x", x, lambda v: np.all(np.triu(v, 1) == 0, axis=(-2, -1))
                & np.all(np.diagonal(v, axis1=-2, axis2=-1) != 0, axis=-1),
                "lower triangular with a non-zero diagonal"))
        return _tril_inverse(x)

    def _inverse(self, y):
        return self._forward(y)

    def _forward_log_det_jacobian(self, x):
        n = x.shape[-1]
        return -(n + 1) * jnp.sum(_log_abs_diag(x), axis=-1)


def _cholesky_outer_log_det(x):
    """``log|det|`` of ``L -> L L^T`` on lower-triangle coordinates."""
    n = x.shape[-1]
    powers = jnp.arange(n, 0, -1, dtype=x.dtype)
    return n * LOG_2 + jnp.sum(powers * _log_abs_diag(x), axis=-1)


class CholeskyToInvCholesky(Bijector):
    """Cholesky factor of ``M`` -> Cholesky factor of ``inv(M)`` (its own inverse).

    ``Y = cholesky(inv(L L^T)) = cholesky(inv(L)^T inv(L))``: one triangular solve and one
    Cholesky decomposition, never the inverse of ``M`` itself. It is the composition
    ``Invert(CholeskyOuterProduct) o (M -> inv(M)) o CholeskyOuterProduct``, so on the
    lower-triangle coordinates
    ``log|det J| = c(L) - c(Y) - 2 (n + 1) sum_i log L_ii`` with
    ``c(L) = n log 2 + sum_i (n - i) log L_ii`` the log-determinant of
    [`CholeskyOuterProduct`][probflow.bijectors.triangular.CholeskyOuterProduct]. Input
    shape ``batch + (n, n)``, lower triangular with a positive diagonal.

    Examples:
        >>> import jax.numpy as jnp
        >>> import probflow.bijectors as pfb
        >>> b = pfb.CholeskyToInvCholesky()
        >>> L = jnp.asarray([[2.0, 0.0], [1.0, 1.0]])
        >>> y = b.forward(L)
        >>> jnp.allclose(y @ y.T, jnp.linalg.inv(L @ L.T), atol=1e-6)
        Array(True, dtype=bool)
        >>> jnp.allclose(b.inverse(y), L, atol=1e-6)
        Array(True, dtype=bool)
    """

    forward_min_event_ndims = 2
    inverse_min_event_ndims = 2

    def _forward(self, x):
        _square("CholeskyToInvCholesky", x)
        if self.validate_args:
            self._validate(Check(
                "x", x, lambda v: np.all(np.triu(v, 1) == 0, axis=(-2, -1))
                & np.all(np.diagonal(v, axis1=-2, axis2=-1) > 0, axis=-1),
                "lower triangular with a positive diagonal"))
        m = _tril_inverse(x)
        return jnp.linalg.cholesky(jnp.matmul(jnp.swapaxes(m, -1, -2), m))

    def _inverse(self, y):
        return self._forward(y)

    def _forward_and_log_det(self, x):
        y = self._forward(x)
        n = x.shape[-1]
        ldj = (_cholesky_outer_log_det(x) - _cholesky_outer_log_det(y)
               - 2.0 * (n + 1) * jnp.sum(_log_abs_diag(x), axis=-1))
        return y, ldj

    def _inverse_and_log_det(self, y):
        return self._forward_and_log_det(y)
