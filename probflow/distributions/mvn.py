"""Multivariate normal distributions: TriL, Diag, FullCovariance and DiagPlusLowRank scales.

All four share one implementation (``_MultivariateNormal``): a location ``loc`` and a
scale matrix ``S`` with covariance ``S S^T``; a subclass supplies how to apply ``S``,
solve with it and take its log-determinant. Log densities of many points solve one
triangular system with all points as columns, so a batch of 10^6 points costs one
solve rather than 10^6 small ones.
"""

from __future__ import annotations

import math
from typing import Any

import jax
import jax.numpy as jnp
import numpy as np

from probflow.core import checks
from probflow.core.errors import ShapeError
from probflow.core.numerics import promote_floats
from probflow.core.shapes import broadcast_shapes
from probflow.distributions import constraints
from probflow.distributions.distribution import Distribution
from probflow.distributions.kl import register_kl
from probflow.typing import Array, ArrayLike

__all__ = [
    "MultivariateNormalTriL",
    "MultivariateNormalDiag",
    "MultivariateNormalFullCovariance",
    "MultivariateNormalDiagPlusLowRank",
]

_HALF_LOG_2PI = 0.5 * math.log(2.0 * math.pi)


def matvec(matrix: Array, vector: Array) -> Array:
    """``matrix @ vector`` over broadcast batch dimensions."""
    return jnp.matmul(matrix, vector[..., None])[..., 0]


def solve_lower(tril: Array, y: Array, transpose: bool = False) -> Array:
    """``tril^{-1} y`` (``tril^{-T} y`` when ``transpose``) for lower-triangular ``tril``.

    ``tril`` has shape ``B + (d, d)`` and ``y`` shape ``S + B' + (d,)`` with ``B'``
    broadcasting against ``B``.
    The leading sample dimensions of ``y`` are folded into the columns of one triangular
    solve per batch member, so no copy of ``tril`` per point is made.
    """
    d = tril.shape[-1]
    batch = tril.shape[:-2]
    y_batch = y.shape[:-1]
    lead = y_batch[: max(len(y_batch) - len(batch), 0)]
    full = broadcast_shapes(batch, y_batch[len(lead):], what="scale and value batch shapes")
    y = jnp.broadcast_to(y, lead + full + (d,))
    tril = jnp.broadcast_to(tril, full + (d, d))
    n = math.prod(lead)
    if n > 4 * d:
        # Many right-hand sides: invert the (small) triangular factor once and multiply, which
        # runs as one matrix product instead of a long column-by-column substitution.
        eye = jnp.broadcast_to(jnp.eye(d, dtype=tril.dtype), full + (d, d))
        inv = jax.lax.linalg.triangular_solve(tril, eye, left_side=True, lower=True,
                                              transpose_a=transpose)
        # one matrix product per batch member: full + (n, d) @ full + (d, d)
        rows = jnp.moveaxis(y.reshape((n,) + full + (d,)), 0, -2)
        out = jnp.matmul(rows, jnp.swapaxes(inv, -1, -2))
        return jnp.moveaxis(out, -2, 0).reshape(lead + full + (d,))
    cols = jnp.moveaxis(y.reshape((n,) + full + (d,)), 0, -1)  # full + (d, n)
    z = jax.lax.linalg.triangular_solve(tril, cols, left_side=True, lower=True,
                                        transpose_a=transpose)
    return jnp.moveaxis(z, -1, 0).reshape(lead + full + (d,))


class _MultivariateNormal(Distribution):
    """Shared implementation; subclasses define the scale."""

    loc: jax.Array
    reparameterized = True

    # -- what a subclass provides ---------------------------------------------------------------
    def _scale_apply(self, x):  # pragma: no cover - abstract
        raise NotImplementedError

    def _scale_solve(self, y):  # pragma: no cover - abstract
        raise NotImplementedError

    def _log_abs_det_scale(self):  # pragma: no cover - abstract
        raise NotImplementedError

    def _scale_dense(self):
        """The scale as a dense matrix, ``batch + (d, d)``."""
        eye = jnp.eye(self._dim, dtype=self.dtype)
        return jnp.swapaxes(self._scale_apply(jnp.broadcast_to(eye, self.batch_shape
                                                               + (self._dim, self._dim))), -1, -2)

    # -- shared ---------------------------------------------------------------------------------
    @property
    def _dim(self) -> int:
        return self.event_shape[0]

    @property
    def event_shape(self) -> tuple[int, ...]:
        return (jnp.shape(self.loc)[-1],)

    @property
    def dtype(self) -> np.dtype:
        return self.loc.dtype

    @property
    def support(self) -> constraints.Constraint:
        return constraints.real_vector

    def _sample(self, key, sample_shape):
        shape = tuple(sample_shape) + self.batch_shape + self.event_shape
        eps = jax.random.normal(key, shape, self.dtype)
        return self.loc + self._scale_apply(eps)

    def _log_prob(self, value):
        z = self._scale_solve(value - self.loc)
        return (-0.5 * jnp.sum(jnp.square(z), axis=-1) - self._log_abs_det_scale()
                - self._dim * _HALF_LOG_2PI)

    def _mean(self):
        return jnp.broadcast_to(self.loc, self.batch_shape + self.event_shape)

    def _mode(self):
        return self._mean()

    def _covariance(self):
        s = self._scale_dense()
        return jnp.matmul(s, jnp.swapaxes(s, -1, -2))

    def _entropy(self):
        h = self._dim * (0.5 + _HALF_LOG_2PI) + self._log_abs_det_scale()
        return jnp.broadcast_to(h, self.batch_shape)


def _default_loc(loc: ArrayLike | None, dim: int, dtype_like: Any) -> ArrayLike:
    if loc is None:
        return jnp.zeros((dim,), jnp.result_type(dtype_like))
    return loc


class MultivariateNormalTriL(_MultivariateNormal):
    """Multivariate normal with covariance ``scale_tril @ scale_tril.T``.

    ``log_prob(x) = -|L^{-1}(x - loc)|^2 / 2 - sum(log|diag L|) - d log(2 pi) / 2``.

    Args:
        loc: mean, shape ``batch + (d,)`` (default zeros).
        scale_tril: lower-triangular ``batch + (d, d)`` with a positive diagonal.

    Examples:
        >>> import jax, jax.numpy as jnp
        >>> import probflow.distributions as pfd
        >>> d = pfd.MultivariateNormalTriL(jnp.zeros(2), jnp.asarray([[1.0, 0.0], [0.5, 2.0]]))
        >>> d.event_shape, d.sample(jax.random.key(0), (4,)).shape
        ((2,), (4, 2))
        >>> d.covariance()
        Array([[1.  , 0.5 ],
               [0.5 , 4.25]], dtype=float32)
    """

    scale_tril: jax.Array
    param_event_ndims = {"loc": 1, "scale_tril": 2}

    def __init__(self, loc: ArrayLike | None = None, scale_tril: ArrayLike | None = None, *,
                 validate_args: bool = False, name: str | None = None):
        if scale_tril is None:
            raise ValueError("MultivariateNormalTriL: scale_tril is required")
        scale_tril = jnp.asarray(scale_tril)
        loc = _default_loc(loc, scale_tril.shape[-1], scale_tril)
        loc, scale_tril = promote_floats(loc, scale_tril)
        _check_dims("MultivariateNormalTriL", loc, scale_tril, "scale_tril")
        self._set(loc=loc, scale_tril=scale_tril, validate_args=validate_args, name=name)
        self._validate(checks.lower_triangular_positive_diag("scale_tril", scale_tril))

    def _scale_apply(self, x):
        return matvec(self.scale_tril, x)

    def _scale_solve(self, y):
        return solve_lower(self.scale_tril, y)

    def _log_abs_det_scale(self):
        return jnp.sum(jnp.log(jnp.abs(jnp.diagonal(self.scale_tril, axis1=-2, axis2=-1))),
                       axis=-1)

    def _scale_dense(self):
        return jnp.broadcast_to(self.scale_tril, self.batch_shape + (self._dim, self._dim))


class MultivariateNormalDiag(_MultivariateNormal):
    """Multivariate normal with independent coordinates: covariance ``diag(scale_diag**2)``.

    Args:
        loc: mean, shape ``batch + (d,)`` (default zeros).
        scale_diag: positive standard deviations, ``batch + (d,)`` (default ones).

    Examples:
        >>> import jax.numpy as jnp
        >>> import probflow.distributions as pfd
        >>> d = pfd.MultivariateNormalDiag(jnp.zeros(3), jnp.asarray([1.0, 2.0, 3.0]))
        >>> d.variance()
        Array([1., 4., 9.], dtype=float32)
    """

    scale_diag: jax.Array
    param_event_ndims = {"loc": 1, "scale_diag": 1}

    def __init__(self, loc: ArrayLike | None = None, scale_diag: ArrayLike | None = None, *,
                 validate_args: bool = False, name: str | None = None):
        if loc is None and scale_diag is None:
            raise ValueError("MultivariateNormalDiag: give loc or scale_diag (or both)")
        if scale_diag is None:
            assert loc is not None  # one of them is given (checked above)
            scale_diag = jnp.ones(jnp.shape(loc)[-1:], jnp.result_type(loc, float))
        scale_diag = jnp.asarray(scale_diag)
        loc = _default_loc(loc, scale_diag.shape[-1], scale_diag)
        loc, scale_diag = promote_floats(loc, scale_diag)
        if jnp.shape(loc)[-1] != jnp.shape(scale_diag)[-1]:
            raise ShapeError(
                f"MultivariateNormalDiag: loc has shape {jnp.shape(loc)} and scale_diag "
                f"{jnp.shape(scale_diag)}; their last dimensions must match"
            )
        self._set(loc=loc, scale_diag=scale_diag, validate_args=validate_args, name=name)
        self._validate(checks.positive("scale_diag", scale_diag))

    @property
    def event_shape(self) -> tuple[int, ...]:
        return (jnp.broadcast_shapes(jnp.shape(self.loc), jnp.shape(self.scale_diag))[-1],)

    def _scale_apply(self, x):
        return self.scale_diag * x

    def _scale_solve(self, y):
        return y / self.scale_diag

    def _log_abs_det_scale(self):
        return jnp.sum(jnp.log(self.scale_diag), axis=-1)

    def _variance(self):
        return jnp.broadcast_to(jnp.square(self.scale_diag), self.batch_shape + self.event_shape)

    def _stddev(self):
        return jnp.broadcast_to(self.scale_diag, self.batch_shape + self.event_shape)

    def _scale_dense(self):
        s = jnp.broadcast_to(self.scale_diag, self.batch_shape + self.event_shape)
        return s[..., :, None] * jnp.eye(self._dim, dtype=self.dtype)


class MultivariateNormalFullCovariance(_MultivariateNormal):
    """Multivariate normal parameterised by its covariance matrix.

    The Cholesky factor of ``covariance_matrix`` is computed when needed. A covariance that
    is not symmetric positive definite raises a ``ParameterError`` at construction.

    Args:
        loc: mean, ``batch + (d,)`` (default zeros).
        covariance_matrix: symmetric positive definite ``batch + (d, d)``.

    Examples:
        >>> import jax.numpy as jnp
        >>> import probflow.distributions as pfd
        >>> d = pfd.MultivariateNormalFullCovariance(jnp.zeros(2),
        ...                                          jnp.asarray([[2.0, 0.5], [0.5, 1.0]]))
        >>> round(float(d.log_prob(jnp.zeros(2))), 4)
        -2.1177
    """

    covariance_matrix: jax.Array
    param_event_ndims = {"loc": 1, "covariance_matrix": 2}

    def __init__(self, loc: ArrayLike | None = None, covariance_matrix: ArrayLike | None = None, *,
                 validate_args: bool = False, name: str | None = None):
        if covariance_matrix is None:
            raise ValueError("MultivariateNormalFullCovariance: covariance_matrix is required")
        covariance_matrix = jnp.asarray(covariance_matrix)
        loc = _default_loc(loc, covariance_matrix.shape[-1], covariance_matrix)
        loc, covariance_matrix = promote_floats(loc, covariance_matrix)
        _check_dims("MultivariateNormalFullCovariance", loc, covariance_matrix,
                    "covariance_matrix")
        self._set(loc=loc, covariance_matrix=covariance_matrix, validate_args=validate_args,
                  name=name)
        self._validate(checks.positive_definite("covariance_matrix", covariance_matrix))

    @property
    def scale_tril(self) -> Array:
        """Cholesky factor of the covariance."""
        return jnp.linalg.cholesky(self.covariance_matrix)

    def _scale_apply(self, x):
        return matvec(self.scale_tril, x)

    def _scale_solve(self, y):
        return solve_lower(self.scale_tril, y)

    def _log_abs_det_scale(self):
        return jnp.sum(jnp.log(jnp.diagonal(self.scale_tril, axis1=-2, axis2=-1)), axis=-1)

    def _scale_dense(self):
        return jnp.broadcast_to(self.scale_tril, self.batch_shape + (self._dim, self._dim))

    def _covariance(self):
        return jnp.broadcast_to(self.covariance_matrix, self.batch_shape + (self._dim,
                                                                            self._dim))


class MultivariateNormalDiagPlusLowRank(_MultivariateNormal):
    """Multivariate normal with scale ``diag(scale_diag) + U diag(m) U^T`` (TFP's parameterisation).

    ``U = scale_perturb_factor`` is ``batch + (d, k)`` and ``m = scale_perturb_diag``
    (default ones). The covariance is the scale squared. ``log_prob`` costs ``O(d k^2)``:
    the determinant by the matrix determinant lemma and solves by the Woodbury identity.

    Args:
        loc: mean (default zeros).
        scale_diag: positive diagonal part of the scale, ``batch + (d,)``.
        scale_perturb_factor: ``batch + (d, k)``.
        scale_perturb_diag: positive ``batch + (k,)`` (default ones).

    Examples:
        >>> import jax.numpy as jnp
        >>> import probflow.distributions as pfd
        >>> d = pfd.MultivariateNormalDiagPlusLowRank(
        ...     jnp.zeros(2), jnp.asarray([1.0, 2.0]), jnp.asarray([[1.0], [0.5]]))
        >>> d.covariance()
        Array([[4.25  , 2.125 ],
               [2.125 , 5.3125]], dtype=float32)
    """

    scale_diag: jax.Array
    scale_perturb_factor: jax.Array
    scale_perturb_diag: jax.Array
    param_event_ndims = {"loc": 1, "scale_diag": 1, "scale_perturb_factor": 2,
                         "scale_perturb_diag": 1}

    def __init__(self, loc: ArrayLike | None = None, scale_diag: ArrayLike | None = None,
                 scale_perturb_factor: ArrayLike | None = None,
                 scale_perturb_diag: ArrayLike | None = None, *, validate_args: bool = False,
                 name: str | None = None):
        if scale_diag is None or scale_perturb_factor is None:
            raise ValueError("MultivariateNormalDiagPlusLowRank: scale_diag and "
                             "scale_perturb_factor are required")
        scale_perturb_factor = jnp.asarray(scale_perturb_factor)
        if scale_perturb_diag is None:
            scale_perturb_diag = jnp.ones(scale_perturb_factor.shape[-1:],
                                          jnp.result_type(scale_perturb_factor, float))
        loc = _default_loc(loc, jnp.shape(scale_diag)[-1], scale_perturb_factor)
        loc, scale_diag, scale_perturb_factor, scale_perturb_diag = promote_floats(
            loc, scale_diag, scale_perturb_factor, scale_perturb_diag)
        if scale_perturb_factor.shape[-2] != scale_diag.shape[-1]:
            raise ShapeError(
                f"MultivariateNormalDiagPlusLowRank: scale_perturb_factor has shape "
                f"{scale_perturb_factor.shape}; its second-last dimension must equal "
                f"scale_diag's last dimension {scale_diag.shape[-1]}"
            )
        self._set(loc=loc, scale_diag=scale_diag, scale_perturb_factor=scale_perturb_factor,
                  scale_perturb_diag=scale_perturb_diag, validate_args=validate_args, name=name)
        self._validate(checks.positive("scale_diag", scale_diag),
                       checks.positive("scale_perturb_diag", scale_perturb_diag))

    @property
    def event_shape(self) -> tuple[int, ...]:
        return (jnp.shape(self.scale_diag)[-1],)

    def _capacitance(self):
        # C = diag(1/m) + U^T D^{-1} U  (k x k); S^{-1} = D^{-1} - D^{-1} U C^{-1} U^T D^{-1}
        u = self.scale_perturb_factor
        ut_dinv_u = jnp.matmul(jnp.swapaxes(u, -1, -2), u / self.scale_diag[..., :, None])
        k = u.shape[-1]
        return ut_dinv_u + jnp.eye(k, dtype=u.dtype) / self.scale_perturb_diag[..., None, :]

    def _scale_apply(self, x):
        u = self.scale_perturb_factor
        ut_x = matvec(jnp.swapaxes(u, -1, -2), x)
        return self.scale_diag * x + matvec(u, self.scale_perturb_diag * ut_x)

    def _scale_solve(self, y):
        u = self.scale_perturb_factor
        dinv_y = y / self.scale_diag
        rhs = matvec(jnp.swapaxes(u, -1, -2), dinv_y)
        chol = jnp.linalg.cholesky(self._capacitance())
        w = solve_lower(chol, solve_lower(chol, rhs), transpose=True)
        return dinv_y - matvec(u, w) / self.scale_diag

    def _log_abs_det_scale(self):
        # det(D + U M U^T) = det(C) det(M) det(D) with C = M^{-1} + U^T D^{-1} U
        chol = jnp.linalg.cholesky(self._capacitance())
        log_det_c = 2.0 * jnp.sum(jnp.log(jnp.diagonal(chol, axis1=-2, axis2=-1)), axis=-1)
        return (log_det_c + jnp.sum(jnp.log(self.scale_perturb_diag), axis=-1)
                + jnp.sum(jnp.log(self.scale_diag), axis=-1))

    def _scale_dense(self):
        u = self.scale_perturb_factor
        s = (u * self.scale_perturb_diag[..., None, :]) @ jnp.swapaxes(u, -1, -2)
        s = s + self.scale_diag[..., :, None] * jnp.eye(self._dim, dtype=self.dtype)
        return jnp.broadcast_to(s, self.batch_shape + (self._dim, self._dim))


def _check_dims(owner: str, loc: ArrayLike, matrix: Array, name: str) -> None:
    if matrix.ndim < 2 or matrix.shape[-1] != matrix.shape[-2]:
        raise ShapeError(f"{owner}: {name} must be square matrices, got shape {matrix.shape}")
    if jnp.shape(loc)[-1] != matrix.shape[-1]:
        raise ShapeError(
            f"{owner}: loc has shape {jnp.shape(loc)} and {name} {matrix.shape}; loc's last "
            f"dimension must equal the matrix size"
        )


@register_kl(_MultivariateNormal, _MultivariateNormal)
def _kl_mvn(p, q):
    d = p._dim
    # tr(Sq^{-1} Sp Sp^T Sq^{-T}) = |Sq^{-1} Sp|_F^2: solve with the columns of Sp as a
    # leading "sample" axis.
    columns = jnp.moveaxis(p._scale_dense(), -1, 0)  # (d,) + batch_p + (d,)
    trace = jnp.sum(jnp.square(q._scale_solve(columns)), axis=(0, -1))
    diff = q._scale_solve(q.loc - p.loc)
    maha = jnp.sum(jnp.square(diff), axis=-1)
    return 0.5 * (trace + maha - d) + q._log_abs_det_scale() - p._log_abs_det_scale()


