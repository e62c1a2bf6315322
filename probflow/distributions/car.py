"""The conditional autoregressive (CAR) distribution of areal data (NumPyro's parameters)."""

from __future__ import annotations

import math
from typing import Any

import jax
import jax.numpy as jnp
import numpy as np

from probflow.core import checks
from probflow.core.errors import ShapeError
from probflow.core.numerics import promote_floats
from probflow.distributions import constraints
from probflow.distributions.distribution import Distribution
from probflow.distributions.mvn import matvec
from probflow.typing import Array, ArrayLike, PRNGKey

__all__ = ["CAR"]

_HALF_LOG_2PI = 0.5 * math.log(2.0 * math.pi)


def _array_module(v: object) -> Any:
    """NumPy for concrete host values, ``jax.numpy`` otherwise."""
    return np if isinstance(v, np.ndarray | np.generic) else jnp


def _adjacency_check(adj_matrix: Array) -> checks.Check:
    def test(v: Any) -> Any:
        xp = _array_module(v)
        symmetric = xp.all(v == xp.swapaxes(v, -1, -2), axis=(-2, -1))
        nonnegative = xp.all(v >= 0, axis=(-2, -1))
        zero_diag = xp.all(xp.diagonal(v, axis1=-2, axis2=-1) == 0, axis=-1)
        connected = xp.all(xp.sum(v, axis=-1) > 0, axis=-1)
        return symmetric & nonnegative & zero_diag & connected

    return checks.Check("adj_matrix", adj_matrix, test,
                        "symmetric and non-negative with a zero diagonal and every row sum "
                        "positive (no isolated area)")


class CAR(Distribution):
    """Conditional autoregressive distribution: a multivariate normal with a sparse precision.

    For ``n`` areas with adjacency matrix ``W`` (``adj_matrix``) and ``D = diag(W 1)`` (the
    numbers of neighbours), ``X ~ N(loc, Q^{-1})`` with precision
    ``Q = conditional_precision (D - correlation W)``: each area given its neighbours is normal
    around ``loc_i + correlation`` times the mean of their deviations, with precision
    ``conditional_precision D_ii``. ``Q`` is positive definite for ``|correlation| < 1``.
    ``log_prob(x) = log|Q|/2 - (x - loc)^T Q (x - loc)/2 - n log(2 pi)/2``; the precision is
    factored by Cholesky (dense, ``O(n^3)``; NumPyro's sparse option is not provided).
    Samples ``loc + L^{-T} z`` with ``Q = L L^T`` (reparameterized). Mean ``loc``, covariance
    ``Q^{-1}``, entropy ``n (1 + log 2 pi)/2 - log|Q|/2``.

    Args:
        loc: mean, ``batch + (n,)``.
        correlation: spatial correlation, in ``(-1, 1)``, ``batch``.
        conditional_precision: positive, ``batch``.
        adj_matrix: ``batch + (n, n)``, symmetric, non-negative, zero diagonal, no zero rows.

    Examples:
        >>> import jax, jax.numpy as jnp
        >>> import probflow.distributions as pfd
        >>> w = jnp.asarray([[0.0, 1.0, 0.0], [1.0, 0.0, 1.0], [0.0, 1.0, 0.0]])
        >>> d = pfd.CAR(jnp.zeros(3), 0.5, 2.0, w)
        >>> d.sample(jax.random.key(0), (4,)).shape
        (4, 3)
        >>> round(float(d.log_prob(jnp.zeros(3))), 4)
        -1.5144
    """

    loc: jax.Array
    correlation: jax.Array
    conditional_precision: jax.Array
    adj_matrix: jax.Array
    reparameterized = True
    param_event_ndims = {"loc": 1, "correlation": 0, "conditional_precision": 0,
                         "adj_matrix": 2}

    def __init__(self, loc: ArrayLike, correlation: ArrayLike, conditional_precision: ArrayLike,
                 adj_matrix: ArrayLike, *, validate_args: bool = False,
                 name: str | None = None):
        loc, correlation, conditional_precision, adj_matrix = promote_floats(
            loc, correlation, conditional_precision, adj_matrix)
        if adj_matrix.ndim < 2 or adj_matrix.shape[-1] != adj_matrix.shape[-2]:
            raise ShapeError(f"CAR: adj_matrix must be square matrices, got shape "
                             f"{adj_matrix.shape}")
        if loc.ndim < 1 or loc.shape[-1] != adj_matrix.shape[-1]:
            raise ShapeError(f"CAR: loc has shape {loc.shape} and adj_matrix "
                             f"{adj_matrix.shape}; loc's last dimension must be the number of "
                             f"areas {adj_matrix.shape[-1]}")
        self._set(loc=loc, correlation=correlation, conditional_precision=conditional_precision,
                  adj_matrix=adj_matrix, validate_args=validate_args, name=name)
        self._validate(
            checks.Check("correlation", correlation, lambda v: (v > -1) & (v < 1),
                         "in (-1, 1)"),
            checks.positive("conditional_precision", conditional_precision),
            _adjacency_check(adj_matrix))

    @property
    def _dim(self) -> int:
        return self.adj_matrix.shape[-1]

    @property
    def event_shape(self) -> tuple[int, ...]:
        return (self._dim,)

    @property
    def support(self) -> constraints.Constraint:
        return constraints.real_vector

    def precision_matrix(self) -> Array:
        """``Q = conditional_precision (D - correlation W)``, ``batch + (n, n)``.

        Examples:
            >>> import jax.numpy as jnp
            >>> import probflow.distributions as pfd
            >>> w = jnp.asarray([[0.0, 1.0], [1.0, 0.0]])
            >>> pfd.CAR(jnp.zeros(2), 0.5, 1.0, w).precision_matrix()
            Array([[ 1. , -0.5],
                   [-0.5,  1. ]], dtype=float32)
        """
        w = self.adj_matrix
        degree = jnp.sum(w, axis=-1)
        q = degree[..., :, None] * jnp.eye(self._dim, dtype=w.dtype) - (
            self.correlation[..., None, None] * w)
        q = self.conditional_precision[..., None, None] * q
        return jnp.broadcast_to(q, self.batch_shape + (self._dim, self._dim))

    def _precision_tril(self):
        return jnp.linalg.cholesky(self.precision_matrix())

    def _half_log_det_precision(self):
        return jnp.sum(jnp.log(jnp.diagonal(self._precision_tril(), axis1=-2, axis2=-1)),
                       axis=-1)

    def _sample(self, key: PRNGKey, sample_shape: tuple[int, ...]) -> Array:
        shape = tuple(sample_shape) + self.batch_shape + self.event_shape
        z = jax.random.normal(key, shape, self.dtype)
        tril = jnp.broadcast_to(self._precision_tril(), shape + (self._dim,))
        x = jax.lax.linalg.triangular_solve(tril, z[..., None], left_side=True, lower=True,
                                            transpose_a=True)[..., 0]
        return self.loc + x

    def _log_prob(self, value):
        r = value - self.loc
        quad = jnp.sum(r * matvec(self.precision_matrix(), r), axis=-1)
        return self._half_log_det_precision() - 0.5 * quad - self._dim * _HALF_LOG_2PI

    def _mean(self):
        return jnp.broadcast_to(self.loc, self.batch_shape + self.event_shape)

    def _mode(self):
        return self._mean()

    def _covariance(self):
        tril = self._precision_tril()
        eye = jnp.broadcast_to(jnp.eye(self._dim, dtype=tril.dtype), tril.shape)
        return jax.scipy.linalg.cho_solve((tril, True), eye)

    def _entropy(self):
        h = self._dim * (0.5 + _HALF_LOG_2PI) - self._half_log_det_precision()
        return jnp.broadcast_to(h, self.batch_shape)
