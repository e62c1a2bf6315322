"""Matrix-variate normal and t distributions with lower-triangular row and column scales."""

from __future__ import annotations

import math

import jax
import jax.numpy as jnp
from jax.scipy import special

from probflow.core import checks
from probflow.core.errors import ShapeError
from probflow.core.numerics import promote_floats
from probflow.core.shapes import broadcast_shapes
from probflow.distributions import _gamma_draws, constraints
from probflow.distributions.distribution import Distribution
from probflow.distributions.kl import register_kl
from probflow.typing import ArrayLike

__all__ = ["MatrixNormal", "MatrixT"]

_LOG_2PI = math.log(2.0 * math.pi)


def _log_det_tril(tril):
    return jnp.sum(jnp.log(jnp.abs(jnp.diagonal(tril, axis1=-2, axis2=-1))), axis=-1)


def _solve(tril, rhs, transpose: bool = False):
    """``tril^{-1} rhs`` (``tril^{-T} rhs``), both broadcast to one batch shape."""
    batch = jnp.broadcast_shapes(tril.shape[:-2], rhs.shape[:-2])
    tril = jnp.broadcast_to(tril, batch + tril.shape[-2:])
    rhs = jnp.broadcast_to(rhs, batch + rhs.shape[-2:])
    return jax.lax.linalg.triangular_solve(tril, rhs, left_side=True, lower=True,
                                           transpose_a=transpose)


def _whiten(scale_row, scale_column, residual):
    """``A^{-1} R B^{-T}`` for lower-triangular ``A = scale_row`` and ``B = scale_column``."""
    left = _solve(scale_row, residual)
    return jnp.swapaxes(_solve(scale_column, jnp.swapaxes(left, -1, -2)), -1, -2)


class _MatrixLocationScale(Distribution):
    """Shared shapes, checks and moments of the matrix normal and matrix t."""

    loc: jax.Array
    scale_row: jax.Array
    scale_column: jax.Array
    param_event_ndims = {"loc": 2, "scale_row": 2, "scale_column": 2}

    def _init_params(self, owner, loc, scale_row, scale_column):
        for name, value in (("loc", loc), ("scale_row", scale_row),
                            ("scale_column", scale_column)):
            if value.ndim < 2:
                raise ShapeError(f"{owner}: {name} must be a matrix (with optional batch "
                                 f"dimensions in front), got shape {value.shape}")
        n, p = loc.shape[-2:]
        if scale_row.shape[-2:] != (n, n) or scale_column.shape[-2:] != (p, p):
            raise ShapeError(
                f"{owner}: loc has shape {loc.shape}, scale_row {scale_row.shape} and "
                f"scale_column {scale_column.shape}; for n x p matrices scale_row must be "
                f"n x n = {(n, n)} and scale_column p x p = {(p, p)}")
        return (checks.lower_triangular_positive_diag("scale_row", scale_row),
                checks.lower_triangular_positive_diag("scale_column", scale_column))

    @property
    def event_shape(self) -> tuple[int, ...]:
        return tuple(self.loc.shape[-2:])

    @property
    def dtype(self):
        return self.loc.dtype

    @property
    def support(self) -> constraints.Constraint:
        return constraints.real_matrix

    def _num_entries(self) -> int:
        n, p = self.event_shape
        return n * p

    def _log_det_scale(self):
        """``log|det(B kron A)| = p log|det A| + n log|det B|``."""
        n, p = self.event_shape
        return p * _log_det_tril(self.scale_row) + n * _log_det_tril(self.scale_column)

    def _mahalanobis(self, value):
        z = _whiten(self.scale_row, self.scale_column, value - self.loc)
        return jnp.sum(jnp.square(z), axis=(-2, -1))

    def _standard_draw(self, key, sample_shape):
        shape = tuple(sample_shape) + self.batch_shape + self.event_shape
        z = jax.random.normal(key, shape, self.dtype)
        return self.scale_row @ z @ jnp.swapaxes(self.scale_column, -1, -2)

    def _mean(self):
        return jnp.broadcast_to(self.loc, self.batch_shape + self.event_shape)

    def _mode(self):
        return self._mean()

    def _normal_variance(self):
        row = jnp.sum(jnp.square(self.scale_row), axis=-1)
        column = jnp.sum(jnp.square(self.scale_column), axis=-1)
        return row[..., :, None] * column[..., None, :]


class MatrixNormal(_MatrixLocationScale):
    """Matrix normal distribution over ``n x p`` matrices (TFP's ``MatrixNormalLinearOperator``).

    ``X = loc + A Z B^T`` with ``Z`` a matrix of standard normals, ``A = scale_row`` and
    ``B = scale_column`` lower triangular: the rows have covariance ``A A^T``, the columns
    ``B B^T``, and ``X.reshape(-1)`` is multivariate normal with covariance
    ``(A A^T) kron (B B^T)``. ``log_prob(X) = -|A^{-1} (X - loc) B^{-T}|_F^2 / 2 -
    p log|det A| - n log|det B| - n p log(2 pi) / 2``; variance ``(A A^T)_ii (B B^T)_jj``;
    entropy ``n p (1 + log 2 pi) / 2 + p log|det A| + n log|det B|``. KL divergence between
    two matrix normals in closed form. Sampling is reparameterized.

    Args:
        loc: mean, ``batch + (n, p)``.
        scale_row: lower-triangular ``batch + (n, n)`` with a positive diagonal.
        scale_column: lower-triangular ``batch + (p, p)`` with a positive diagonal.

    Examples:
        >>> import jax, jax.numpy as jnp
        >>> import probflow.distributions as pfd
        >>> d = pfd.MatrixNormal(jnp.zeros((2, 3)), 2.0 * jnp.eye(2), jnp.eye(3))
        >>> d.event_shape, d.sample(jax.random.key(0), (5,)).shape
        ((2, 3), (5, 2, 3))
        >>> d.variance()
        Array([[4., 4., 4.],
               [4., 4., 4.]], dtype=float32)
    """

    reparameterized = True

    def __init__(self, loc: ArrayLike, scale_row: ArrayLike, scale_column: ArrayLike, *,
                 validate_args: bool = False, name: str | None = None):
        loc, scale_row, scale_column = promote_floats(loc, scale_row, scale_column)
        scale_checks = self._init_params("MatrixNormal", loc, scale_row, scale_column)
        self._set(loc=loc, scale_row=scale_row, scale_column=scale_column,
                  validate_args=validate_args, name=name)
        self._validate(*scale_checks)

    def _sample(self, key, sample_shape):
        return self.loc + self._standard_draw(key, sample_shape)

    def _log_prob(self, value):
        return (-0.5 * self._mahalanobis(value) - self._log_det_scale()
                - 0.5 * self._num_entries() * _LOG_2PI)

    def _variance(self):
        return jnp.broadcast_to(self._normal_variance(), self.batch_shape + self.event_shape)

    def _entropy(self):
        h = 0.5 * self._num_entries() * (1.0 + _LOG_2PI) + self._log_det_scale()
        return jnp.broadcast_to(h, self.batch_shape)


@register_kl(MatrixNormal, MatrixNormal)
def _kl_matrix_normal(p: MatrixNormal, q: MatrixNormal):
    # Covariances V_p kron U_p and V_q kron U_q: the trace factorises,
    # tr(U_q^{-1} U_p) tr(V_q^{-1} V_p) = |A_q^{-1} A_p|_F^2 |B_q^{-1} B_p|_F^2.
    trace_row = jnp.sum(jnp.square(_solve(q.scale_row, p.scale_row)), axis=(-2, -1))
    trace_column = jnp.sum(jnp.square(_solve(q.scale_column, p.scale_column)), axis=(-2, -1))
    maha = q._mahalanobis(p.loc)
    return 0.5 * (trace_row * trace_column + maha - p._num_entries()) + (
        q._log_det_scale() - p._log_det_scale())


class MatrixT(_MatrixLocationScale):
    """Matrix t distribution over ``n x p`` matrices (TFP's ``MatrixTLinearOperator``).

    As in TFP, ``X.reshape(-1)`` is a multivariate Student t with ``df`` degrees of freedom,
    location ``loc.reshape(-1)`` and scale ``A kron B`` (``A = scale_row``,
    ``B = scale_column``), so it tends to
    [`MatrixNormal`][probflow.distributions.matrix_normal.MatrixNormal] as ``df`` grows
    (this differs from Gupta and Nagar's matrix t, whose density is not a function of
    ``|A^{-1}(X - loc)B^{-T}|_F`` alone). With ``m = |A^{-1}(X - loc)B^{-T}|_F^2`` and
    ``k = n p``: ``log_prob(X) = lgamma((df + k)/2) - lgamma(df/2) - k/2 log(df pi) -
    p log|det A| - n log|det B| - (df + k)/2 log(1 + m/df)``. Samples are
    ``loc + A Z B^T / sqrt(g / df)`` with ``g ~ chi2(df)`` (reparameterized, implicitly in
    ``df``). Mean ``loc`` for ``df > 1``, variance ``df/(df - 2)`` times the matrix normal's
    for ``df > 2`` (``inf`` for ``1 < df <= 2``), entropy that of the multivariate t.

    Args:
        df: degrees of freedom, positive.
        loc: location, ``batch + (n, p)``.
        scale_row: lower-triangular ``batch + (n, n)`` with a positive diagonal.
        scale_column: lower-triangular ``batch + (p, p)`` with a positive diagonal.

    Examples:
        >>> import jax.numpy as jnp
        >>> import probflow.distributions as pfd
        >>> d = pfd.MatrixT(4.0, jnp.zeros((2, 2)), jnp.eye(2), jnp.eye(2))
        >>> d.variance()
        Array([[2., 2.],
               [2., 2.]], dtype=float32)
        >>> round(float(d.log_prob(jnp.zeros((2, 2)))), 4)
        -3.2703
    """

    df: jax.Array
    reparameterized = True
    param_event_ndims = {"df": 0, "loc": 2, "scale_row": 2, "scale_column": 2}

    def __init__(self, df: ArrayLike, loc: ArrayLike, scale_row: ArrayLike, scale_column: ArrayLike,
                 *, validate_args: bool = False, name: str | None = None):
        df, loc, scale_row, scale_column = promote_floats(df, loc, scale_row, scale_column)
        scale_checks = self._init_params("MatrixT", loc, scale_row, scale_column)
        self._set(df=df, loc=loc, scale_row=scale_row, scale_column=scale_column,
                  validate_args=validate_args, name=name)
        self._validate(checks.positive("df", df), *scale_checks)

    @property
    def batch_shape(self) -> tuple[int, ...]:
        return broadcast_shapes(jnp.shape(self.df), self.loc.shape[:-2], self.scale_row.shape[:-2],
                                self.scale_column.shape[:-2], what="MatrixT parameters")

    def _sample(self, key, sample_shape):
        key_z, key_g = jax.random.split(key)
        shape = tuple(sample_shape) + self.batch_shape
        factor = _gamma_draws.inverse_chi_scale(key_g, self.df, shape, self.dtype)
        return self.loc + factor[..., None, None] * self._standard_draw(key_z, sample_shape)

    def _log_prob(self, value):
        df = self.df
        k = self._num_entries()
        m = self._mahalanobis(value)
        return (special.gammaln(0.5 * (df + k)) - special.gammaln(0.5 * df)
                - 0.5 * k * jnp.log(df * math.pi) - self._log_det_scale()
                - 0.5 * (df + k) * jnp.log1p(m / df))

    def _mean(self):
        df = jnp.asarray(self.df)[..., None, None]
        return jnp.broadcast_to(jnp.where(df > 1, self.loc, jnp.nan),
                                self.batch_shape + self.event_shape)

    def _variance(self):
        df = jnp.asarray(self.df)[..., None, None]
        var = self._normal_variance() * df / (df - 2.0)
        var = jnp.where(df > 2, var, jnp.where(df > 1, jnp.inf, jnp.nan))
        return jnp.broadcast_to(var, self.batch_shape + self.event_shape)

    def _entropy(self):
        df = self.df
        k = self._num_entries()
        h = (-special.gammaln(0.5 * (df + k)) + special.gammaln(0.5 * df)
             + 0.5 * k * jnp.log(df * math.pi) + self._log_det_scale()
             + 0.5 * (df + k) * (special.digamma(0.5 * (df + k)) - special.digamma(0.5 * df)))
        return jnp.broadcast_to(h, self.batch_shape)
