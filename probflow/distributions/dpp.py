"""The determinantal point process over subsets of a ground set (TFP's L-ensemble form)."""

from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np

from probflow.core import checks
from probflow.core.errors import ShapeError
from probflow.core.numerics import promote_floats
from probflow.distributions import constraints
from probflow.distributions.distribution import Distribution
from probflow.typing import Array, ArrayLike, PRNGKey

__all__ = ["DeterminantalPointProcess"]


class DeterminantalPointProcess(Distribution):
    """Determinantal point process: random subsets of ``n`` points, L-ensemble ``V diag(lam) V^T``.

    A subset is its indicator vector ``x`` in ``{0, 1}^n`` (samples are ``int32``, as in TFP).
    ``P(x) = det(L_x) / det(L + I)``, where ``L_x`` keeps the rows and columns with
    ``x_i = 1`` (``det`` of the empty matrix is 1): ``log_prob(x) = log det(L_x) -
    sum(log1p(lam))`` (the second term assumes orthonormal ``eigenvectors``). Sampling is
    exact (Hough et al., 2006; Kulesza and Taskar's spectral algorithm): eigenvector ``i`` is
    kept with probability ``lam_i / (1 + lam_i)``, then points are drawn one at a time from the
    projection DPP of the kept eigenvectors (point ``j`` with probability ``K_jj / rank``, then
    ``K`` is conditioned on ``j`` by a Schur complement). The marginal kernel is
    ``K = V diag(lam / (1 + lam)) V^T``: ``P(x_i = 1) = K_ii`` (``mean``), variance
    ``K_ii (1 - K_ii)``, covariance ``-K_ij^2`` off the diagonal.

    Args:
        eigenvalues: positive ``lam``, ``batch + (n,)``.
        eigenvectors: orthonormal columns ``V``, ``batch + (n, n)``.

    Examples:
        >>> import jax, jax.numpy as jnp
        >>> import probflow.distributions as pfd
        >>> d = pfd.DeterminantalPointProcess(jnp.asarray([1.0, 3.0]), jnp.eye(2))
        >>> d.sample(jax.random.key(0), (4,)).shape
        (4, 2)
        >>> round(float(d.prob(jnp.asarray([1, 1]))), 4)  # 3 / (2 * 4)
        0.375
        >>> d.mean()
        Array([0.5 , 0.75], dtype=float32)
    """

    eigenvalues: jax.Array
    eigenvectors: jax.Array
    param_event_ndims = {"eigenvalues": 1, "eigenvectors": 2}

    def __init__(self, eigenvalues: ArrayLike, eigenvectors: ArrayLike, *,
                 validate_args: bool = False, name: str | None = None):
        eigenvalues, eigenvectors = promote_floats(eigenvalues, eigenvectors)
        n = eigenvalues.shape[-1] if eigenvalues.ndim else 0
        if eigenvalues.ndim < 1 or eigenvectors.ndim < 2 or eigenvectors.shape[-2:] != (n, n):
            raise ShapeError(f"DeterminantalPointProcess: eigenvalues (shape "
                             f"{eigenvalues.shape}) must be batch + (n,) and eigenvectors "
                             f"(shape {eigenvectors.shape}) batch + (n, n)")
        self._set(eigenvalues=eigenvalues, eigenvectors=eigenvectors,
                  validate_args=validate_args, name=name)
        self._validate(checks.positive("eigenvalues", eigenvalues))

    @property
    def _n(self) -> int:
        return self.eigenvalues.shape[-1]

    @property
    def event_shape(self) -> tuple[int, ...]:
        return (self._n,)

    @property
    def dtype(self) -> np.dtype:
        return jnp.dtype(jnp.int32)

    @property
    def support(self) -> constraints.Constraint:
        return constraints.independent(constraints.boolean, 1)

    def _float(self) -> np.dtype:
        return self.eigenvalues.dtype

    def l_matrix(self) -> Array:
        """The L-ensemble kernel ``V diag(lam) V^T``, ``batch + (n, n)``.

        Examples:
            >>> import jax.numpy as jnp
            >>> import probflow.distributions as pfd
            >>> pfd.DeterminantalPointProcess(jnp.asarray([1.0, 3.0]), jnp.eye(2)).l_matrix()
            Array([[1., 0.],
                   [0., 3.]], dtype=float32)
        """
        v = self.eigenvectors
        return (v * self.eigenvalues[..., None, :]) @ jnp.swapaxes(v, -1, -2)

    def marginal_kernel(self) -> Array:
        """``K = V diag(lam / (1 + lam)) V^T``: ``P(A subset of X) = det(K_A)``.

        Examples:
            >>> import jax.numpy as jnp
            >>> import probflow.distributions as pfd
            >>> d = pfd.DeterminantalPointProcess(jnp.asarray([1.0, 3.0]), jnp.eye(2))
            >>> d.marginal_kernel()
            Array([[0.5 , 0.  ],
                   [0.  , 0.75]], dtype=float32)
        """
        v = self.eigenvectors
        weight = self.eigenvalues / (1.0 + self.eigenvalues)
        k = (v * weight[..., None, :]) @ jnp.swapaxes(v, -1, -2)
        return jnp.broadcast_to(k, self.batch_shape + (self._n, self._n))

    def _sample(self, key: PRNGKey, sample_shape: tuple[int, ...]) -> Array:
        n = self._n
        shape = tuple(sample_shape) + self.batch_shape
        dtype = self._float()
        key_select, key_points = jax.random.split(key)
        keep_prob = self.eigenvalues / (1.0 + self.eigenvalues)
        keep = jax.random.uniform(key_select, shape + (n,), dtype) < keep_prob
        v = self.eigenvectors * keep[..., None, :].astype(dtype)
        kernel = v @ jnp.swapaxes(v, -1, -2)

        def step(i, state):
            kernel, chosen = state
            diag = jnp.clip(jnp.diagonal(kernel, axis1=-2, axis2=-1), 0.0, None)
            diag = jnp.where(chosen, 0.0, diag)
            active = jnp.sum(diag, axis=-1) > 0.5
            logits = jnp.where(diag > 0, jnp.log(jnp.where(diag > 0, diag, 1.0)), -jnp.inf)
            logits = jnp.where(active[..., None], logits, 0.0)
            j = jax.random.categorical(jax.random.fold_in(key_points, i), logits, axis=-1)
            one_hot = jax.nn.one_hot(j, n, dtype=dtype)
            column = jnp.sum(kernel * one_hot[..., None, :], axis=-1)  # K[:, j]
            pivot = jnp.sum(column * one_hot, axis=-1)
            pivot = jnp.where(active & (pivot > 0), pivot, 1.0)
            update = column[..., :, None] * column[..., None, :] / pivot[..., None, None]
            kernel = jnp.where(active[..., None, None], kernel - update, kernel)
            chosen = chosen | (active[..., None] & (one_hot > 0))
            return kernel, chosen

        chosen = jnp.zeros(shape + (n,), bool)
        _, chosen = jax.lax.fori_loop(0, n, step, (kernel, chosen))
        return chosen.astype(jnp.int32)

    def _log_prob(self, value):
        inside = self.support.check(value)
        x = jnp.where(inside[..., None], value, 0).astype(self._float())
        l_matrix = self.l_matrix()
        masked = (x[..., :, None] * x[..., None, :] * l_matrix
                  + (1.0 - x)[..., :, None] * jnp.eye(self._n, dtype=x.dtype))
        _, log_det = jnp.linalg.slogdet(masked)
        lp = log_det - jnp.sum(jnp.log1p(self.eigenvalues), axis=-1)
        return jnp.where(inside, lp, -jnp.inf)

    def _mean(self):
        return jnp.diagonal(self.marginal_kernel(), axis1=-2, axis2=-1)

    def _variance(self):
        p = self._mean()
        return p * (1.0 - p)

    def _covariance(self):
        k = self.marginal_kernel()
        p = jnp.diagonal(k, axis1=-2, axis2=-1)
        eye = jnp.eye(self._n, dtype=k.dtype)
        return -jnp.square(k) * (1.0 - eye) + (p * (1.0 - p))[..., :, None] * eye
