"""Linear maps of vectors: ``y = W x`` with a diagonal, triangular or LU-factored ``W``."""

from __future__ import annotations

from collections.abc import Sequence

import jax
import jax.numpy as jnp
import numpy as np
from jax.scipy.linalg import solve_triangular

from probflow.bijectors._utils import float_params, nonzero, static_int_tuple
from probflow.bijectors.bijector import Bijector
from probflow.core.checks import Check
from probflow.core.pytree import static_field
from probflow.typing import ArrayLike

__all__ = ["ScaleMatvecDiag", "ScaleMatvecTriL", "ScaleMatvecLU", "MatvecLU"]


def _matvec(matrix, x, transpose=False):
    if transpose:
        matrix = jnp.swapaxes(matrix, -1, -2)
    return jnp.matmul(matrix, x[..., None])[..., 0]


def _broadcast_system(matrix, y):
    """Broadcast a batch of ``(n, n)`` matrices and ``(n,)`` right-hand sides together."""
    batch = jnp.broadcast_shapes(matrix.shape[:-2], y.shape[:-1])
    n = matrix.shape[-1]
    return jnp.broadcast_to(matrix, batch + (n, n)), jnp.broadcast_to(y, batch + (n,))


def _diag_nonzero(name, matrix):
    return Check(name, matrix,
                 lambda v: np.diagonal(v, axis1=-2, axis2=-1) != 0, "with a non-zero diagonal")


class ScaleMatvecDiag(Bijector):
    """``y = scale_diag * x`` on vectors (``forward_min_event_ndims = 1``).

    ``log|det J| = sum(log|scale_diag|)``.

    Args:
        scale_diag: non-zero entries, shape ``batch + (n,)``.
        adjoint: accepted for TFP compatibility (a diagonal matrix is its own adjoint).

    Examples:
        >>> import jax.numpy as jnp
        >>> import probflow.bijectors as pfb
        >>> b = pfb.ScaleMatvecDiag(jnp.asarray([2.0, 0.5]))
        >>> b.forward(jnp.ones(2))
        Array([2. , 0.5], dtype=float32)
        >>> float(b.forward_log_det_jacobian(jnp.ones(2)))
        0.0
    """

    scale_diag: jax.Array
    adjoint: bool = static_field(default=False)
    forward_min_event_ndims = 1
    inverse_min_event_ndims = 1
    is_constant_jacobian = True

    def __init__(self, scale_diag: ArrayLike, adjoint: bool = False, *,
                 validate_args: bool = False, name: str | None = None):
        (scale_diag,) = float_params(scale_diag)
        self._set(scale_diag=scale_diag, adjoint=bool(adjoint), validate_args=validate_args,
                  name=name)
        self._validate(nonzero("scale_diag", scale_diag))

    def _forward(self, x):
        return self.scale_diag * x

    def _inverse(self, y):
        return y / self.scale_diag

    def _forward_log_det_jacobian(self, x):
        return jnp.sum(jnp.log(jnp.abs(self.scale_diag)), axis=-1)


class ScaleMatvecTriL(Bijector):
    """``y = L x`` (``y = L^T x`` when ``adjoint``) with ``L`` lower triangular.

    Only the lower triangle of ``scale_tril`` is read. ``log|det J| = sum(log|diag(L)|)``;
    the inverse is a triangular solve.

    Args:
        scale_tril: shape ``batch + (n, n)``, non-zero diagonal.
        adjoint: use the transpose of ``L``.

    Examples:
        >>> import jax.numpy as jnp
        >>> import probflow.bijectors as pfb
        >>> b = pfb.ScaleMatvecTriL(jnp.asarray([[2.0, 0.0], [1.0, 1.0]]))
        >>> b.forward(jnp.asarray([1.0, 1.0]))
        Array([2., 2.], dtype=float32)
        >>> b.inverse(jnp.asarray([2.0, 2.0]))
        Array([1., 1.], dtype=float32)
    """

    scale_tril: jax.Array
    adjoint: bool = static_field(default=False)
    forward_min_event_ndims = 1
    inverse_min_event_ndims = 1
    is_constant_jacobian = True

    def __init__(self, scale_tril: ArrayLike, adjoint: bool = False, *,
                 validate_args: bool = False, name: str | None = None):
        (scale_tril,) = float_params(scale_tril)
        self._set(scale_tril=scale_tril, adjoint=bool(adjoint), validate_args=validate_args,
                  name=name)
        self._validate(_diag_nonzero("scale_tril", scale_tril))

    def _forward(self, x):
        return _matvec(jnp.tril(self.scale_tril), x, transpose=self.adjoint)

    def _inverse(self, y):
        matrix, rhs = _broadcast_system(jnp.tril(self.scale_tril), y)
        return solve_triangular(matrix, rhs[..., None], lower=True,
                                trans=1 if self.adjoint else 0)[..., 0]

    def _forward_log_det_jacobian(self, x):
        diag = jnp.diagonal(self.scale_tril, axis1=-2, axis2=-1)
        return jnp.sum(jnp.log(jnp.abs(diag)), axis=-1)


class ScaleMatvecLU(Bijector):
    """``y = W x`` with ``W = P L U`` given by its LU factorisation (as in Glow).

    ``lower_upper`` packs ``L`` (unit lower triangular, below the diagonal) and ``U``
    (upper triangular, on and above the diagonal); ``permutation`` is the row
    permutation with ``W[permutation] = L U`` (the convention of
    ``jax.lax.linalg.lu`` and of TFP). ``log|det J| = sum(log|diag(U)|)``.
    ``permutation`` is static configuration (a tuple of ints), so a trained
    ``lower_upper`` is the only leaf.

    Args:
        lower_upper: shape ``batch + (n, n)``, non-zero diagonal.
        permutation: a permutation of ``range(n)``.

    Examples:
        >>> import jax, jax.numpy as jnp
        >>> import probflow.bijectors as pfb
        >>> w = jnp.asarray([[1.0, 2.0], [3.0, 1.0]])
        >>> lu, _, perm = jax.lax.linalg.lu(w)
        >>> b = pfb.ScaleMatvecLU(lu, perm)
        >>> b.forward(jnp.asarray([1.0, 1.0]))
        Array([3., 4.], dtype=float32)
    """

    lower_upper: jax.Array
    permutation: tuple[int, ...] = static_field()
    forward_min_event_ndims = 1
    inverse_min_event_ndims = 1
    is_constant_jacobian = True

    def __init__(self, lower_upper: ArrayLike, permutation: ArrayLike | Sequence[int], *,
                 validate_args: bool = False, name: str | None = None):
        (lower_upper,) = float_params(lower_upper)
        owner = type(self).__name__
        permutation = static_int_tuple(owner, "permutation", permutation)
        n = jnp.shape(lower_upper)[-1]
        if sorted(permutation) != list(range(n)):
            raise ValueError(
                f"{owner}: permutation must be a permutation of range({n}), got {permutation}"
            )
        self._set(lower_upper=lower_upper, permutation=permutation,
                  validate_args=validate_args, name=name)
        self._validate(_diag_nonzero("lower_upper", lower_upper))

    def _factors(self):
        n = self.lower_upper.shape[-1]
        lower = jnp.tril(self.lower_upper, -1) + jnp.eye(n, dtype=self.lower_upper.dtype)
        upper = jnp.triu(self.lower_upper)
        return lower, upper

    def _forward(self, x):
        lower, upper = self._factors()
        lu_x = _matvec(lower, _matvec(upper, x))
        return lu_x[..., np.argsort(self.permutation)]

    def _inverse(self, y):
        lower, upper = self._factors()
        rhs = y[..., np.asarray(self.permutation, dtype=int)]
        lower, rhs = _broadcast_system(lower, rhs)
        z = solve_triangular(lower, rhs[..., None], lower=True, unit_diagonal=True)
        upper, _ = _broadcast_system(upper, rhs)
        return solve_triangular(upper, z, lower=False)[..., 0]

    def _forward_log_det_jacobian(self, x):
        diag = jnp.diagonal(self.lower_upper, axis1=-2, axis2=-1)
        return jnp.sum(jnp.log(jnp.abs(diag)), axis=-1)


class MatvecLU(ScaleMatvecLU):
    """TFP's older name of [`ScaleMatvecLU`][probflow.bijectors.linear.ScaleMatvecLU] (same
    parameters and behaviour).

    Examples:
        >>> import jax.numpy as jnp
        >>> import probflow.bijectors as pfb
        >>> b = pfb.MatvecLU(jnp.eye(2), (1, 0))
        >>> b.forward(jnp.asarray([1.0, 2.0]))
        Array([2., 1.], dtype=float32)
    """
