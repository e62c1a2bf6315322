"""The multivariate normal with a low-rank-plus-diagonal covariance (NumPyro's parameters)."""

from __future__ import annotations

import math

import jax
import jax.numpy as jnp

from probflow.core import checks
from probflow.core.errors import ShapeError
from probflow.core.numerics import promote_floats
from probflow.distributions.mvn import _MultivariateNormal, matvec, solve_lower
from probflow.typing import Array, ArrayLike

__all__ = ["LowRankMultivariateNormal"]

_LOG_2PI = math.log(2.0 * math.pi)


class LowRankMultivariateNormal(_MultivariateNormal):
    """Multivariate normal with covariance ``cov_factor @ cov_factor.T + diag(cov_diag)``.

    ``W = cov_factor`` is ``batch + (d, k)``, usually with ``k`` much smaller than ``d``.
    ``log_prob`` costs ``O(d k^2)``: with the capacitance ``C = I_k + W^T D^{-1} W``, the
    Woodbury identity gives ``Sigma^{-1} = D^{-1} - D^{-1} W C^{-1} W^T D^{-1}`` and the matrix
    determinant lemma ``log|Sigma| = log|C| + sum(log D)``. Samples are
    ``loc + W z_1 + sqrt(D) z_2`` with ``k + d`` standard normals (reparameterized).
    ``covariance``, ``entropy`` and the KL divergences of the multivariate normals (with any of
    them, through the registry) are available; the Cholesky factor of the covariance,
    ``scale_tril``, is formed only where a dense scale is needed (KL).

    Args:
        loc: mean, ``batch + (d,)``.
        cov_factor: ``batch + (d, k)``.
        cov_diag: positive ``batch + (d,)``.

    Examples:
        >>> import jax, jax.numpy as jnp
        >>> import probflow.distributions as pfd
        >>> d = pfd.LowRankMultivariateNormal(jnp.zeros(2), jnp.asarray([[1.0], [0.5]]),
        ...                                   jnp.asarray([1.0, 2.0]))
        >>> d.covariance()
        Array([[2.  , 0.5 ],
               [0.5 , 2.25]], dtype=float32)
        >>> d.sample(jax.random.key(0), (3,)).shape
        (3, 2)
    """

    cov_factor: jax.Array
    cov_diag: jax.Array
    param_event_ndims = {"loc": 1, "cov_factor": 2, "cov_diag": 1}

    def __init__(self, loc: ArrayLike, cov_factor: ArrayLike, cov_diag: ArrayLike, *,
                 validate_args: bool = False, name: str | None = None):
        loc, cov_factor, cov_diag = promote_floats(loc, cov_factor, cov_diag)
        if loc.ndim < 1 or cov_factor.ndim < 2 or cov_diag.ndim < 1:
            raise ShapeError(
                f"LowRankMultivariateNormal: loc (shape {loc.shape}) and cov_diag (shape "
                f"{cov_diag.shape}) must be vectors and cov_factor (shape {cov_factor.shape}) "
                f"a matrix, with optional batch dimensions in front")
        d = loc.shape[-1]
        if cov_factor.shape[-2] != d or cov_diag.shape[-1] != d:
            raise ShapeError(
                f"LowRankMultivariateNormal: loc has shape {loc.shape}, cov_factor "
                f"{cov_factor.shape} and cov_diag {cov_diag.shape}; cov_factor must be d x k "
                f"and cov_diag of length d = {d}")
        self._set(loc=loc, cov_factor=cov_factor, cov_diag=cov_diag,
                  validate_args=validate_args, name=name)
        self._validate(checks.positive("cov_diag", cov_diag))

    @property
    def event_shape(self) -> tuple[int, ...]:
        return (self.loc.shape[-1],)

    # -- low-rank algebra ---------------------------------------------------------------------
    def _capacitance_tril(self):
        w = self.cov_factor
        wt_dinv_w = jnp.swapaxes(w, -1, -2) @ (w / self.cov_diag[..., :, None])
        k = w.shape[-1]
        return jnp.linalg.cholesky(wt_dinv_w + jnp.eye(k, dtype=w.dtype))

    def _log_det_covariance(self):
        chol = self._capacitance_tril()
        return (2.0 * jnp.sum(jnp.log(jnp.diagonal(chol, axis1=-2, axis2=-1)), axis=-1)
                + jnp.sum(jnp.log(self.cov_diag), axis=-1))

    def _mahalanobis(self, y):
        """``y^T Sigma^{-1} y`` by the Woodbury identity."""
        w = self.cov_factor
        dinv_y = y / self.cov_diag
        rhs = matvec(jnp.swapaxes(w, -1, -2), dinv_y)
        z = solve_lower(self._capacitance_tril(), rhs)
        return jnp.sum(y * dinv_y, axis=-1) - jnp.sum(jnp.square(z), axis=-1)

    def _sample(self, key, sample_shape):
        shape = tuple(sample_shape) + self.batch_shape
        k = self.cov_factor.shape[-1]
        key_w, key_d = jax.random.split(key)
        z_w = jax.random.normal(key_w, shape + (k,), self.dtype)
        z_d = jax.random.normal(key_d, shape + self.event_shape, self.dtype)
        return self.loc + matvec(self.cov_factor, z_w) + jnp.sqrt(self.cov_diag) * z_d

    def _log_prob(self, value):
        maha = self._mahalanobis(value - self.loc)
        return -0.5 * (maha + self._log_det_covariance() + self._dim * _LOG_2PI)

    def _covariance(self):
        w = self.cov_factor
        cov = w @ jnp.swapaxes(w, -1, -2) + self.cov_diag[..., :, None] * jnp.eye(
            self._dim, dtype=self.dtype)
        return jnp.broadcast_to(cov, self.batch_shape + (self._dim, self._dim))

    def _variance(self):
        var = jnp.sum(jnp.square(self.cov_factor), axis=-1) + self.cov_diag
        return jnp.broadcast_to(var, self.batch_shape + self.event_shape)

    # -- the dense scale, for the shared multivariate-normal code (KL) --------------------------
    @property
    def scale_tril(self) -> Array:
        """Cholesky factor of the covariance, ``batch + (d, d)`` (formed densely)."""
        return jnp.linalg.cholesky(self._covariance())

    def _scale_apply(self, x):
        return matvec(self.scale_tril, x)

    def _scale_solve(self, y):
        return solve_lower(self.scale_tril, y)

    def _log_abs_det_scale(self):
        return 0.5 * self._log_det_covariance()

    def _scale_dense(self):
        return self.scale_tril
