"""Bijectors onto triangular and positive-definite matrices.

``FillTriangular`` (vector -> triangular matrix), ``TransformDiagonal``,
``FillScaleTriL`` (vector -> Cholesky factor), ``CholeskyOuterProduct``
(Cholesky factor -> positive-definite matrix) and ``CorrelationCholesky``
(vector -> Cholesky factor of a correlation matrix).
"""

from __future__ import annotations

import functools
import math
from collections.abc import Sequence

import jax
import jax.numpy as jnp
import numpy as np

from probflow.bijectors._utils import LOG_2, float_params
from probflow.bijectors.affine import Shift
from probflow.bijectors.bijector import Bijector
from probflow.bijectors.chain import Chain
from probflow.bijectors.softplus_sigmoid import Softplus
from probflow.core.errors import ShapeError
from probflow.core.pytree import static_field
from probflow.typing import Array, ArrayLike

__all__ = [
    "FillTriangular",
    "TransformDiagonal",
    "FillScaleTriL",
    "CholeskyOuterProduct",
    "CorrelationCholesky",
]


def _side_from_length(owner: str, m: int) -> int:
    n = int(round((math.sqrt(8 * m + 1) - 1) / 2))
    if n * (n + 1) // 2 != m:
        raise ShapeError(f"{owner}: a vector of length {m} does not fill a triangular matrix "
                         f"(the length must be n (n + 1) / 2)")
    return n


@functools.lru_cache(maxsize=64)
def _fill_indices(n: int, upper: bool):
    """Index of the vector entry at each matrix position, the mask, and the inverse gather.

    The order is TFP's: for ``lower``, ``[1, ..., 6]`` fills ``[[4, 0, 0], [6, 5, 0],
    [3, 2, 1]]``; for ``upper``, ``[[1, 2, 3], [0, 5, 6], [0, 0, 4]]``. Each entry of the
    vector lands on exactly one position of the triangle.
    """
    m = n * (n + 1) // 2
    idx = np.arange(m)
    if upper:
        full = np.concatenate([idx, idx[n:][::-1]]).reshape(n, n)
        mask = np.triu(np.ones((n, n), dtype=bool))
    else:
        full = np.concatenate([idx[n:], idx[::-1]]).reshape(n, n)
        mask = np.tril(np.ones((n, n), dtype=bool))
    positions = np.empty(m, dtype=int)
    flat_full, flat_mask = full.reshape(-1), mask.reshape(-1)
    for pos in np.flatnonzero(flat_mask):
        positions[flat_full[pos]] = pos
    return full, mask, positions


def fill_triangular(x: Array, upper: bool = False) -> Array:
    """Arrange the last axis of ``x`` (length ``n (n + 1) / 2``) into an ``n x n`` triangle."""
    n = _side_from_length("FillTriangular", x.shape[-1])
    full, mask, _ = _fill_indices(n, upper)
    return jnp.where(mask, x[..., full], jnp.zeros((), x.dtype))


def fill_triangular_inverse(y: Array, upper: bool = False) -> Array:
    """The vector that [`fill_triangular`][probflow.bijectors.triangular.fill_triangular] arranges
    into the triangle of ``y``."""
    n = y.shape[-1]
    _, _, positions = _fill_indices(n, upper)
    return y.reshape(y.shape[:-2] + (n * n,))[..., positions]


class FillTriangular(Bijector):
    """Arrange a vector of length ``n (n + 1) / 2`` into an ``n x n`` triangular matrix.

    The entries fill the triangle in TFP's order (lower: ``[1, ..., 6] ->
    [[4, 0, 0], [6, 5, 0], [3, 2, 1]]``). The log-determinant is zero (a
    rearrangement onto the triangle's coordinates).

    Args:
        upper: fill the upper instead of the lower triangle.

    Examples:
        >>> import jax.numpy as jnp
        >>> import probflow.bijectors as pfb
        >>> pfb.FillTriangular().forward(jnp.arange(1.0, 7.0))
        Array([[4., 0., 0.],
               [6., 5., 0.],
               [3., 2., 1.]], dtype=float32)
    """

    upper: bool = static_field(default=False)
    forward_min_event_ndims = 1
    inverse_min_event_ndims = 2
    is_constant_jacobian = True

    def __init__(self, upper: bool = False, *, validate_args: bool = False,
                 name: str | None = None):
        self._set(upper=bool(upper), validate_args=validate_args, name=name)

    def _forward(self, x):
        return fill_triangular(x, self.upper)

    def _inverse(self, y):
        if y.shape[-1] != y.shape[-2]:
            raise ShapeError(f"FillTriangular: expected square matrices, got shape {y.shape}")
        return fill_triangular_inverse(y, self.upper)

    def _forward_log_det_jacobian(self, x):
        return jnp.zeros((), dtype=x.dtype)

    def _inverse_log_det_jacobian(self, y):
        return jnp.zeros((), dtype=y.dtype)

    def forward_event_shape(self, input_shape: Sequence[int]) -> tuple[int, ...]:
        shape = tuple(input_shape)
        n = _side_from_length("FillTriangular", shape[-1])
        return shape[:-1] + (n, n)

    def inverse_event_shape(self, output_shape: Sequence[int]) -> tuple[int, ...]:
        shape = tuple(output_shape)
        n = shape[-1]
        return shape[:-2] + (n * (n + 1) // 2,)


class TransformDiagonal(Bijector):
    """Apply ``diag_bijector`` to the diagonal of a matrix, leaving other entries unchanged.

    The log-determinant is ``diag_bijector``'s on the diagonal vector.

    Examples:
        >>> import jax.numpy as jnp
        >>> import probflow.bijectors as pfb
        >>> pfb.TransformDiagonal(pfb.Exp()).forward(jnp.zeros((2, 2)))
        Array([[1., 0.],
               [0., 1.]], dtype=float32)
    """

    diag_bijector: Bijector
    forward_min_event_ndims = 2
    inverse_min_event_ndims = 2

    def __init__(self, diag_bijector: Bijector, *, validate_args: bool = False,
                 name: str | None = None):
        if not isinstance(diag_bijector, Bijector):
            raise TypeError(f"TransformDiagonal: diag_bijector must be a Bijector, "
                            f"got {diag_bijector!r}")
        if diag_bijector.forward_min_event_ndims > 1:
            raise ValueError("TransformDiagonal: diag_bijector must act on scalars or vectors")
        self._set(diag_bijector=diag_bijector, validate_args=validate_args, name=name)

    @property
    def is_constant_jacobian(self) -> bool:  # pyright: ignore[reportIncompatibleVariableOverride]
        return self.diag_bijector.is_constant_jacobian

    @staticmethod
    def _replace_diagonal(matrix, diag):
        eye = jnp.eye(matrix.shape[-1], dtype=bool)
        return jnp.where(eye, diag[..., None, :], matrix)

    def _forward_and_log_det(self, x):
        diag = jnp.diagonal(x, axis1=-2, axis2=-1)
        new, ldj = self.diag_bijector.forward_and_log_det(diag, 1)
        return self._replace_diagonal(x, new), ldj

    def _inverse_and_log_det(self, y):
        diag = jnp.diagonal(y, axis1=-2, axis2=-1)
        new, ildj = self.diag_bijector.inverse_and_log_det(diag, 1)
        return self._replace_diagonal(y, new), ildj


class FillScaleTriL(Bijector):
    """Vector of length ``n (n + 1) / 2`` -> lower-triangular matrix with a positive diagonal.

    ``FillScaleTriL(d, s) = Chain([TransformDiagonal(Chain([Shift(s), d])),
    FillTriangular()])``: fill the lower triangle, then map the diagonal through
    ``diag_bijector`` (default [`Softplus`][probflow.bijectors.softplus_sigmoid.Softplus]) and add
    ``diag_shift`` (default
    ``1e-5``, keeping the factor well conditioned; ``None`` for no shift). This is
    TFP's default bijector onto Cholesky factors.

    Examples:
        >>> import jax.numpy as jnp
        >>> import probflow.bijectors as pfb
        >>> pfb.FillScaleTriL(diag_shift=None).forward(jnp.zeros(3))
        Array([[0.6931472, 0.       ],
               [0.       , 0.6931472]], dtype=float32)
    """

    diag_bijector: Bijector
    diag_shift: jax.Array | None
    forward_min_event_ndims = 1
    inverse_min_event_ndims = 2

    def __init__(self, diag_bijector: Bijector | None = None,
                 diag_shift: ArrayLike | None = 1e-5, *,
                 validate_args: bool = False, name: str | None = None):
        if diag_bijector is None:
            diag_bijector = Softplus()
        if not isinstance(diag_bijector, Bijector):
            raise TypeError(f"FillScaleTriL: diag_bijector must be a Bijector, "
                            f"got {diag_bijector!r}")
        (diag_shift,) = float_params(diag_shift)
        self._set(diag_bijector=diag_bijector, diag_shift=diag_shift,
                  validate_args=validate_args, name=name)

    def _chain(self) -> Chain:
        diag = self.diag_bijector
        if self.diag_shift is not None:
            diag = Chain([Shift(self.diag_shift), diag])
        return Chain([TransformDiagonal(diag), FillTriangular()])

    def _forward_and_log_det(self, x):
        return self._chain().forward_and_log_det(x, 1)

    def _inverse_and_log_det(self, y):
        return self._chain().inverse_and_log_det(y, 2)

    def forward_event_shape(self, input_shape: Sequence[int]) -> tuple[int, ...]:
        return FillTriangular().forward_event_shape(input_shape)

    def inverse_event_shape(self, output_shape: Sequence[int]) -> tuple[int, ...]:
        return FillTriangular().inverse_event_shape(output_shape)


class CholeskyOuterProduct(Bijector):
    """``Y = L L^T``: Cholesky factors (lower triangular, positive diagonal) -> positive-definite
    matrices.

    The inverse is the Cholesky decomposition. The log-determinant, on the
    ``n (n + 1) / 2`` coordinates of the lower triangles of ``L`` and ``Y``, is
    ``n log 2 + sum_i (n - i) log L_ii`` (``i = 0, ..., n - 1``).

    Examples:
        >>> import jax.numpy as jnp
        >>> import probflow.bijectors as pfb
        >>> b = pfb.CholeskyOuterProduct()
        >>> b.forward(jnp.asarray([[2.0, 0.0], [1.0, 1.0]]))
        Array([[4., 2.],
               [2., 2.]], dtype=float32)
    """

    forward_min_event_ndims = 2
    inverse_min_event_ndims = 2

    def _forward(self, x):
        return jnp.matmul(x, jnp.swapaxes(x, -1, -2))

    def _inverse(self, y):
        return jnp.linalg.cholesky(y)

    def _forward_log_det_jacobian(self, x):
        n = x.shape[-1]
        diag = jnp.diagonal(x, axis1=-2, axis2=-1)
        powers = jnp.arange(n, 0, -1, dtype=x.dtype)
        return n * LOG_2 + jnp.sum(powers * jnp.log(jnp.abs(diag)), axis=-1)


class CorrelationCholesky(Bijector):
    """Vector of length ``n (n - 1) / 2`` -> Cholesky factor of an ``n x n`` correlation matrix.

    The vector fills the strictly lower triangle (in
    [`FillTriangular`][probflow.bijectors.triangular.FillTriangular]'s order),
    the diagonal is set to one and each row is divided by its norm, so rows have
    unit norm and the diagonal is positive; zeros map to the identity. Row ``i`` with
    free entries ``z`` contributes ``-(i + 2) / 2 * log(1 + |z|^2)`` to the
    log-determinant, taken on the strictly-lower-triangular coordinates of the
    output (the measure ``LKJCholesky`` uses).

    Examples:
        >>> import jax.numpy as jnp
        >>> import probflow.bijectors as pfb
        >>> b = pfb.CorrelationCholesky()
        >>> b.forward(jnp.asarray([1.0]))
        Array([[1.        , 0.        ],
               [0.70710677, 0.70710677]], dtype=float32)
    """

    forward_min_event_ndims = 1
    inverse_min_event_ndims = 2

    @staticmethod
    def _side(m: int) -> int:
        n = int(round((1 + math.sqrt(1 + 8 * m)) / 2))
        if n * (n - 1) // 2 != m:
            raise ShapeError(f"CorrelationCholesky: a vector of length {m} does not fill a "
                             f"strictly lower triangle (the length must be n (n - 1) / 2)")
        return n

    def _unnormalized(self, x):
        n = self._side(x.shape[-1])
        batch = x.shape[:-1]
        if n == 1:
            return jnp.ones(batch + (1, 1), dtype=x.dtype)
        block = fill_triangular(x)
        zero_row = jnp.zeros(batch + (1, n - 1), dtype=x.dtype)
        block = jnp.concatenate([zero_row, block], axis=-2)
        zero_col = jnp.zeros(batch + (n, 1), dtype=x.dtype)
        block = jnp.concatenate([block, zero_col], axis=-1)
        return block + jnp.eye(n, dtype=x.dtype)

    def _forward_and_log_det(self, x):
        matrix = self._unnormalized(x)
        n = matrix.shape[-1]
        log_norm2 = jnp.log1p(jnp.sum(jnp.square(jnp.tril(matrix, -1)), axis=-1))
        y = matrix * jnp.exp(-0.5 * log_norm2)[..., None]
        weights = (jnp.arange(n, dtype=x.dtype) + 2.0) / 2.0
        return y, -jnp.sum(weights * log_norm2, axis=-1)

    def _inverse_and_log_det(self, y):
        n = y.shape[-1]
        diag = jnp.diagonal(y, axis1=-2, axis2=-1)
        weights = jnp.arange(n, dtype=y.dtype) + 2.0
        ildj = -jnp.sum(weights * jnp.log(diag), axis=-1)
        if n == 1:
            return jnp.zeros(y.shape[:-2] + (0,), dtype=y.dtype), ildj
        ratios = y / diag[..., :, None]
        return fill_triangular_inverse(ratios[..., 1:, :-1]), ildj

    def forward_event_shape(self, input_shape: Sequence[int]) -> tuple[int, ...]:
        shape = tuple(input_shape)
        n = self._side(shape[-1])
        return shape[:-1] + (n, n)

    def inverse_event_shape(self, output_shape: Sequence[int]) -> tuple[int, ...]:
        shape = tuple(output_shape)
        n = shape[-1]
        return shape[:-2] + (n * (n - 1) // 2,)
