"""The Student's t process: a heavier-tailed process with a kernel's covariance."""

from __future__ import annotations

import math
from collections.abc import Callable

import jax
import jax.numpy as jnp
import numpy as np
from jax.scipy import special

from probflow.core import checks
from probflow.core.numerics import promote_floats
from probflow.distributions.gaussian_process import _KernelMarginal
from probflow.distributions.mvn import matvec, solve_lower
from probflow.distributions.mvt import MultivariateStudentT
from probflow.psd_kernels.kernel import PositiveSemidefiniteKernel
from probflow.typing import Array, ArrayLike

__all__ = ["StudentTProcess"]


class StudentTProcess(_KernelMarginal):
    """The marginal of a Student's t process at finitely many index points.

    A multivariate Student's t over the ``n`` index points with ``df > 2`` degrees of
    freedom, location ``mean_fn(index_points)`` and, as in TFP, a shape matrix scaled so that
    the *covariance* is the kernel's: with ``C = K + observation_noise_variance * I`` the shape
    matrix is ``(df - 2) / df * (C + jitter * I)`` and ``covariance() = C``. As ``df`` grows it
    tends to the [`GaussianProcess`][probflow.distributions.gaussian_process.GaussianProcess] with
    the same arguments.

    ``log_prob(x) = lgamma((df + n)/2) - lgamma(df/2) - n/2 log((df - 2) pi) - log|det L|
    - (df + n)/2 log1p(|L^{-1}(x - m)|^2 / (df - 2))`` with ``L`` the Cholesky factor of
    ``C + jitter * I`` (the ``jitter``, default ``1e-6``, keeps the factorisation stable;
    ``covariance()`` and ``variance()`` leave it out).

    Args:
        df: degrees of freedom, greater than 2, ``batch`` shape.
        kernel: a `probflow.psd_kernels` kernel.
        index_points: ``batch + [n] + F`` where ``F`` has ``kernel.feature_ndims`` dimensions.
        mean_fn: callable of the index points giving the location (default zero). Static.
        observation_noise_variance: non-negative, ``batch`` shape (default 0).
        jitter: non-negative Python float added to the diagonal before the Cholesky
            factorisation (static).

    Examples:
        >>> import jax, jax.numpy as jnp
        >>> import probflow.distributions as pfd
        >>> import probflow.psd_kernels as pfk
        >>> x = jnp.linspace(0.0, 1.0, 4)[:, None]
        >>> tp = pfd.StudentTProcess(5.0, pfk.MaternThreeHalves(2.0, 0.5), x)
        >>> tp.sample(jax.random.key(0), (2,)).shape
        (2, 4)
        >>> tp.variance()
        Array([4., 4., 4., 4.], dtype=float32)
    """

    df: jax.Array

    def __init__(self, df: ArrayLike, kernel: PositiveSemidefiniteKernel, index_points: ArrayLike,
                 mean_fn: Callable[[Array], ArrayLike] | None = None,
                 observation_noise_variance: ArrayLike = 0.0, jitter: float = 1e-6, *,
                 validate_args: bool = False, name: str | None = None):
        (df,) = promote_floats(df)
        self._set(df=df)  # read by batch_shape, which the shared constructor checks
        super().__init__(kernel, index_points, mean_fn, observation_noise_variance, jitter,
                         validate_args=validate_args, name=name)
        self._validate(checks.greater_than("df", df, 2.0, "2"))

    def _batch_shapes(self):
        return super()._batch_shapes() + [jnp.shape(self.df)]

    @property
    def dtype(self) -> np.dtype:
        return jnp.result_type(super().dtype, self.df)

    def get_marginal_distribution(self) -> MultivariateStudentT:
        """The same distribution as a ``MultivariateStudentT`` (TFP's method of that name).

        Examples:
            >>> import jax.numpy as jnp
            >>> import probflow.distributions as pfd
            >>> import probflow.psd_kernels as pfk
            >>> tp = pfd.StudentTProcess(4.0, pfk.ExponentiatedQuadratic(), jnp.zeros((2, 1)),
            ...                          observation_noise_variance=1.0)
            >>> tp.get_marginal_distribution().covariance().round(3).tolist()
            [[2.0, 1.0], [1.0, 2.0]]
        """
        loc, tril = self._loc_and_scale_tril()
        return MultivariateStudentT(self.df, loc, tril * self._shape_factor()[..., None, None],
                                    validate_args=self.validate_args, name=self.name)

    def _shape_factor(self):
        """``sqrt((df - 2) / df)``: the shape matrix's Cholesky factor is this times ``L``."""
        df = jnp.asarray(self.df, self.dtype)
        return jnp.sqrt((df - 2.0) / df)

    def _log_det_tril(self, tril):
        return jnp.sum(jnp.log(jnp.diagonal(tril, axis1=-2, axis2=-1)), axis=-1)

    def _sample(self, key, sample_shape):
        key_normal, key_chi2 = jax.random.split(key)
        shape = tuple(sample_shape) + self.batch_shape
        loc, tril = self._loc_and_scale_tril()
        z = jax.random.normal(key_normal, shape + self.event_shape, self.dtype)
        df = jnp.broadcast_to(jnp.asarray(self.df, self.dtype), shape)
        chi2 = 2.0 * jax.random.gamma(key_chi2, 0.5 * df, shape, self.dtype)
        # x = m + sqrt((df - 2) / df) L z / sqrt(chi2 / df) = m + L z sqrt((df - 2) / chi2)
        return loc + matvec(tril, z) * jnp.sqrt((df - 2.0) / chi2)[..., None]

    def _log_prob(self, value):
        n = self.event_shape[0]
        df = jnp.asarray(self.df, self.dtype)
        loc, tril = self._loc_and_scale_tril()
        maha = jnp.sum(jnp.square(solve_lower(tril, value - loc)), axis=-1)
        return (special.gammaln(0.5 * (df + n)) - special.gammaln(0.5 * df)
                - 0.5 * n * jnp.log((df - 2.0) * math.pi) - self._log_det_tril(tril)
                - 0.5 * (df + n) * jnp.log1p(maha / (df - 2.0)))

    def _entropy(self):
        n = self.event_shape[0]
        df = jnp.asarray(self.df, self.dtype)
        _, tril = self._loc_and_scale_tril()
        h = (-special.gammaln(0.5 * (df + n)) + special.gammaln(0.5 * df)
             + 0.5 * n * jnp.log((df - 2.0) * math.pi) + self._log_det_tril(tril)
             + 0.5 * (df + n) * (special.digamma(0.5 * (df + n)) - special.digamma(0.5 * df)))
        return jnp.broadcast_to(h, self.batch_shape)
