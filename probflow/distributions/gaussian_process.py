"""Gaussian processes: the prior marginal at index points and the regression posterior.

Both are multivariate normals over the function values at ``n`` index points (event shape
``[n]``); the batch shape broadcasts the kernel's batch shape, the index points' batch
dimensions and the noise variances, as in TFP. The covariance is factored by Cholesky with
``jitter`` added to its diagonal; ``covariance()`` and ``variance()`` report the covariance
without the jitter (TFP's convention).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Self

import jax
import jax.numpy as jnp
import numpy as np

from probflow.core import checks
from probflow.core.errors import ShapeError
from probflow.core.numerics import promote_floats
from probflow.core.pytree import static_field
from probflow.core.shapes import broadcast_shapes
from probflow.distributions import constraints
from probflow.distributions.distribution import Distribution
from probflow.distributions.mvn import MultivariateNormalTriL, matvec, solve_lower
from probflow.psd_kernels.kernel import PositiveSemidefiniteKernel
from probflow.typing import Array, ArrayLike

__all__ = ["GaussianProcess", "GaussianProcessRegressionModel"]

_HALF_LOG_2PI = 0.5 * math.log(2.0 * math.pi)


def _add_diagonal(matrix, value):
    """``matrix + value * I``, with ``value`` of the matrix's batch shape (or broadcastable)."""
    n = matrix.shape[-1]
    return matrix + jnp.asarray(value)[..., None, None] * jnp.eye(n, dtype=matrix.dtype)


def _check_kernel(owner: str, kernel) -> None:
    """Raise a ``TypeError`` naming ``owner`` unless ``kernel`` is a PSD kernel."""
    if not isinstance(kernel, PositiveSemidefiniteKernel):
        raise TypeError(f"{owner}: kernel must be a probflow.psd_kernels kernel, got "
                        f"{type(kernel).__name__}")


def _check_index_points(owner: str, name: str, points, feature_ndims: int) -> None:
    """``points`` must have at least ``feature_ndims + 1`` dimensions (points and features)."""
    if points.ndim < feature_ndims + 1:
        raise ShapeError(
            f"{owner}: {name} must have shape batch + [num_points] + feature shape (at least "
            f"{feature_ndims + 1} dimension(s) for the kernel's feature_ndims={feature_ndims}), "
            f"got shape {points.shape}"
        )


def _check_jitter(owner: str, jitter) -> float:
    """``jitter`` as a Python float if it is a finite non-negative number."""
    try:
        value = float(jitter)
    except (TypeError, ValueError, jax.errors.ConcretizationTypeError) as err:
        raise TypeError(f"{owner}: jitter must be a non-negative Python number, got "
                        f"{jitter!r}") from err
    if not math.isfinite(value) or value < 0:
        raise ValueError(f"{owner}: jitter must be a finite non-negative number, got {jitter!r}")
    return value


def _check_mean_fn(owner: str, mean_fn) -> None:
    """``mean_fn`` must be ``None`` or callable."""
    if mean_fn is not None and not callable(mean_fn):
        raise TypeError(f"{owner}: mean_fn must be a callable of the index points or None, got "
                        f"{mean_fn!r}")


def _cholesky(matrix):
    """Cholesky factor, lower triangular, over batch dimensions."""
    return jnp.linalg.cholesky(matrix)


class _KernelMarginal(Distribution):
    """Shared parts of the processes: arguments, shapes, mean and covariance."""

    kernel: PositiveSemidefiniteKernel
    index_points: jax.Array
    observation_noise_variance: jax.Array
    mean_fn: Callable | None = static_field(default=None, kw_only=True)
    jitter: float = static_field(default=1e-6, kw_only=True)
    reparameterized = True

    def __init__(self, kernel: PositiveSemidefiniteKernel, index_points: ArrayLike,
                 mean_fn: Callable[[Array], ArrayLike] | None = None,
                 observation_noise_variance: ArrayLike = 0.0, jitter: float = 1e-6, *,
                 validate_args: bool = False, name: str | None = None):
        owner = type(self).__name__
        _check_kernel(owner, kernel)
        _check_mean_fn(owner, mean_fn)
        jitter = _check_jitter(owner, jitter)
        if index_points is None:
            raise ValueError(f"{owner}: index_points is required")
        index_points, observation_noise_variance = promote_floats(index_points,
                                                                  observation_noise_variance)
        _check_index_points(owner, "index_points", index_points, kernel.feature_ndims)
        self._set(kernel=kernel, index_points=index_points,
                  observation_noise_variance=observation_noise_variance, mean_fn=mean_fn,
                  jitter=jitter, validate_args=validate_args, name=name)
        self._validate(checks.nonnegative("observation_noise_variance",
                                          observation_noise_variance))
        _ = self.batch_shape

    # -- shapes -----------------------------------------------------------------------------------
    def _points_batch(self, points):
        return points.shape[: points.ndim - self.kernel.feature_ndims - 1]

    def _batch_shapes(self) -> list:
        return [self.kernel.batch_shape, self._points_batch(self.index_points),
                jnp.shape(self.observation_noise_variance)]

    @property
    def batch_shape(self) -> tuple[int, ...]:
        return broadcast_shapes(*self._batch_shapes(), what=f"{type(self).__name__}: kernel "
                                "batch shape, index points' batch shape and noise variance")

    @property
    def event_shape(self) -> tuple[int, ...]:
        return (self.index_points.shape[self.index_points.ndim - self.kernel.feature_ndims - 1],)

    @property
    def dtype(self) -> np.dtype:
        kernel_dtype = self.kernel.dtype
        if kernel_dtype is None:
            return self.index_points.dtype
        return jnp.result_type(self.index_points, kernel_dtype)

    @property
    def support(self) -> constraints.Constraint:
        return constraints.real_vector

    # -- the marginal normal ----------------------------------------------------------------------
    def _mean_at(self, points):
        shape = self.batch_shape + self.event_shape
        if self.mean_fn is None:
            return jnp.zeros(shape, self.dtype)
        return jnp.broadcast_to(jnp.asarray(self.mean_fn(points), self.dtype), shape)

    def _loc(self):
        """Mean of the marginal, ``batch + [n]``."""
        return self._mean_at(self.index_points)

    def _covariance_without_jitter(self):
        """``K + noise I``, ``batch + [n, n]``."""
        k = self.kernel.matrix(self.index_points, self.index_points)
        k = _add_diagonal(k, self.observation_noise_variance)
        return jnp.broadcast_to(k, self.batch_shape + self.event_shape * 2).astype(self.dtype)

    def _moments(self):
        """``(loc, covariance without jitter)``; a subclass may share work between the two."""
        return self._loc(), self._covariance_without_jitter()

    def _loc_and_scale_tril(self):
        """The mean and the Cholesky factor of the covariance plus ``jitter * I``."""
        loc, cov = self._moments()
        return loc, _cholesky(_add_diagonal(cov, self.jitter))

    def _mean(self):
        return self._loc()

    def _mode(self):
        return self._loc()

    def _covariance(self):
        return self._covariance_without_jitter()

    def _variance(self):
        x = self.index_points
        var = self.kernel.apply(x, x, example_ndims=1)
        var = var + jnp.asarray(self.observation_noise_variance)[..., None]
        return jnp.broadcast_to(var, self.batch_shape + self.event_shape).astype(self.dtype)


class GaussianProcess(_KernelMarginal):
    """The marginal of a Gaussian process at finitely many index points.

    With ``K = kernel.matrix(index_points, index_points)`` and ``m = mean_fn(index_points)``,
    this is the multivariate normal ``N(m, K + observation_noise_variance * I)`` over the
    function values (plus noise) at the ``n`` index points: event shape ``[n]``, batch shape
    the broadcast of ``kernel.batch_shape``, the index points' batch dimensions and
    ``observation_noise_variance``'s shape.

    ``log_prob`` and ``sample`` factor ``K + (observation_noise_variance + jitter) I`` by
    Cholesky: the ``jitter`` (default ``1e-6``) keeps the factorisation stable when ``K`` is
    nearly singular (close or repeated index points, a long length scale). ``covariance()``,
    ``variance()`` and ``stddev()`` leave the jitter out, as TFP does. In float32 a jitter of
    ``1e-6`` may be too small for smooth kernels on many points: raise it, or add noise.

    Args:
        kernel: a `probflow.psd_kernels` kernel.
        index_points: ``batch + [n] + F`` where ``F`` has ``kernel.feature_ndims`` dimensions.
        mean_fn: callable taking the index points and returning the mean, broadcastable to
            ``batch + [n]`` (default: zero mean). Static: a new function retraces ``jit``.
        observation_noise_variance: non-negative, ``batch`` shape (default 0).
        jitter: non-negative Python float added to the diagonal before the Cholesky
            factorisation (static).

    Examples:
        >>> import jax, jax.numpy as jnp
        >>> import probflow.distributions as pfd
        >>> import probflow.psd_kernels as pfk
        >>> x = jnp.linspace(0.0, 1.0, 5)[:, None]
        >>> gp = pfd.GaussianProcess(pfk.ExponentiatedQuadratic(1.0, 0.5), x,
        ...                          observation_noise_variance=0.1)
        >>> gp.event_shape, gp.sample(jax.random.key(0), (3,)).shape
        ((5,), (3, 5))
        >>> gp.variance()
        Array([1.1, 1.1, 1.1, 1.1, 1.1], dtype=float32)
        >>> bool(jnp.isfinite(gp.log_prob(jnp.zeros(5))))
        True
    """

    def get_marginal_distribution(self) -> MultivariateNormalTriL:
        """The same distribution as a ``MultivariateNormalTriL`` (TFP's method of that name).

        Examples:
            >>> import jax.numpy as jnp
            >>> import probflow.distributions as pfd
            >>> import probflow.psd_kernels as pfk
            >>> gp = pfd.GaussianProcess(pfk.MaternFiveHalves(), jnp.zeros((3, 1)) + 0.5,
            ...                          observation_noise_variance=1.0)
            >>> type(gp.get_marginal_distribution()).__name__
            'MultivariateNormalTriL'
        """
        loc, tril = self._loc_and_scale_tril()
        return MultivariateNormalTriL(loc, tril, validate_args=self.validate_args,
                                      name=self.name)

    def _sample(self, key, sample_shape):
        shape = tuple(sample_shape) + self.batch_shape + self.event_shape
        eps = jax.random.normal(key, shape, self.dtype)
        loc, tril = self._loc_and_scale_tril()
        return loc + matvec(tril, eps)

    def _log_prob(self, value):
        loc, tril = self._loc_and_scale_tril()
        z = solve_lower(tril, value - loc)
        log_det = jnp.sum(jnp.log(jnp.diagonal(tril, axis1=-2, axis2=-1)), axis=-1)
        return -0.5 * jnp.sum(jnp.square(z), axis=-1) - log_det - self.event_shape[0] * (
            _HALF_LOG_2PI)

    def _entropy(self):
        _, tril = self._loc_and_scale_tril()
        log_det = jnp.sum(jnp.log(jnp.diagonal(tril, axis1=-2, axis2=-1)), axis=-1)
        return self.event_shape[0] * (0.5 + _HALF_LOG_2PI) + log_det


class GaussianProcessRegressionModel(GaussianProcess):
    """The posterior predictive of a Gaussian process given noisy observations.

    Prior ``f ~ GP(mean_fn, kernel)`` and observations ``y = f(X) + e`` with
    ``e ~ N(0, observation_noise_variance I)`` at the ``N`` observation index points ``X``.
    At the ``n`` index points ``x`` this is the multivariate normal with (Rasmussen and
    Williams 2006, eqs. 2.22-2.24)

    * mean ``m(x) + K(x, X) (K(X, X) + s^2 I)^{-1} (y - m(X))``;
    * covariance ``K(x, x) - K(x, X) (K(X, X) + s^2 I)^{-1} K(X, x) + p I``,

    where ``s^2 = observation_noise_variance`` and ``p = predictive_noise_variance`` (which
    defaults to ``observation_noise_variance``, so samples are new noisy observations; pass
    ``0.0`` for the latent function). ``jitter`` is added to the diagonal of
    ``K(X, X) + s^2 I`` before its Cholesky factorisation, and again to the predictive
    covariance before its own (for ``log_prob`` and ``sample``); ``covariance()`` leaves the
    second out. Without observations (both ``None``) this is the prior ``GaussianProcess``.

    Args:
        kernel: a `probflow.psd_kernels` kernel.
        index_points: ``batch + [n] + F``, where predictions are made.
        observation_index_points: ``batch + [N] + F``.
        observations: ``batch + [N]``.
        observation_noise_variance: non-negative, ``batch`` shape (default 0).
        predictive_noise_variance: non-negative, ``batch`` shape (default: the observation
            noise variance).
        mean_fn: prior mean function of the index points (default zero). Static.
        jitter: non-negative Python float added to diagonals before Cholesky factorisations.

    Examples:
        >>> import jax.numpy as jnp
        >>> import probflow.distributions as pfd
        >>> import probflow.psd_kernels as pfk
        >>> x_obs = jnp.asarray([[0.0], [1.0], [2.0]])
        >>> y_obs = jnp.asarray([0.0, 1.0, 0.0])
        >>> post = pfd.GaussianProcessRegressionModel(
        ...     pfk.ExponentiatedQuadratic(1.0, 1.0), index_points=jnp.asarray([[1.0], [9.0]]),
        ...     observation_index_points=x_obs, observations=y_obs,
        ...     observation_noise_variance=0.01, predictive_noise_variance=0.0)
        >>> [round(v, 2) + 0.0 for v in post.mean().tolist()]  # near the data, prior far away
        [0.97, 0.0]
        >>> [round(v, 3) for v in post.stddev().tolist()]
        [0.099, 1.0]
    """

    observation_index_points: jax.Array | None
    observations: jax.Array | None
    predictive_noise_variance: jax.Array
    observation_scale_tril: jax.Array | None
    whitened_observations: jax.Array | None

    def __init__(self, kernel: PositiveSemidefiniteKernel, index_points: ArrayLike,
                 observation_index_points: ArrayLike | None = None,
                 observations: ArrayLike | None = None, observation_noise_variance: ArrayLike = 0.0,
                 predictive_noise_variance: ArrayLike | None = None,
                 mean_fn: Callable[[Array], ArrayLike] | None = None, jitter: float = 1e-6, *,
                 validate_args: bool = False, name: str | None = None):
        owner = type(self).__name__
        _check_kernel(owner, kernel)
        _check_mean_fn(owner, mean_fn)
        jitter = _check_jitter(owner, jitter)
        if index_points is None:
            raise ValueError(f"{owner}: index_points is required")
        if (observation_index_points is None) != (observations is None):
            raise ValueError(f"{owner}: give both observation_index_points and observations, "
                             f"or neither (for the prior)")
        if predictive_noise_variance is None:
            predictive_noise_variance = observation_noise_variance
        has_data = observations is not None
        arrays = (index_points, observation_noise_variance, predictive_noise_variance)
        if has_data:
            # both are given (checked above)
            assert observation_index_points is not None and observations is not None
            arrays += (observation_index_points, observations)
        arrays = promote_floats(*arrays)
        index_points, observation_noise_variance, predictive_noise_variance = arrays[:3]
        fnd = kernel.feature_ndims
        _check_index_points(owner, "index_points", index_points, fnd)
        if has_data:
            observation_index_points, observations = arrays[3:]
            _check_index_points(owner, "observation_index_points", observation_index_points, fnd)
            num_obs = observation_index_points.shape[observation_index_points.ndim - fnd - 1]
            if observations.ndim < 1 or observations.shape[-1] != num_obs:
                raise ShapeError(
                    f"{owner}: observations have shape {observations.shape} but "
                    f"observation_index_points {observation_index_points.shape} hold {num_obs} "
                    f"point(s); observations must have shape batch + [{num_obs}]"
                )
        self._set(kernel=kernel, index_points=index_points,
                  observation_index_points=observation_index_points, observations=observations,
                  observation_noise_variance=observation_noise_variance,
                  predictive_noise_variance=predictive_noise_variance, mean_fn=mean_fn,
                  jitter=jitter, validate_args=validate_args, name=name,
                  observation_scale_tril=None, whitened_observations=None)
        self._validate(
            checks.nonnegative("observation_noise_variance", observation_noise_variance),
            checks.nonnegative("predictive_noise_variance", predictive_noise_variance),
            checks.finite("observations", observations))
        _ = self.batch_shape

    def _batch_shapes(self):
        shapes = [self.kernel.batch_shape, self._points_batch(self.index_points),
                  jnp.shape(self.observation_noise_variance),
                  jnp.shape(self.predictive_noise_variance)]
        if self.observations is not None:
            shapes += [self._points_batch(self.observation_index_points),
                       self.observations.shape[:-1]]
        return shapes

    @classmethod
    def precompute_regression_model(cls, kernel: PositiveSemidefiniteKernel,
                                    index_points: ArrayLike, observation_index_points: ArrayLike,
                                    observations: ArrayLike,
                                    observation_noise_variance: ArrayLike = 0.0,
                                    predictive_noise_variance: ArrayLike | None = None,
                                    mean_fn: Callable[[Array], ArrayLike] | None = None,
                                    jitter: float = 1e-6, *, validate_args: bool = False,
                                    name: str | None = None) -> Self:
        """The same model with the observations' Cholesky factorisation done once, now.

        The factor ``L`` of ``K(X, X) + (observation_noise_variance + jitter) I`` and
        ``L^{-1} (y - m(X))`` are stored as ``observation_scale_tril`` and
        ``whitened_observations``, so each later ``mean``, ``covariance``, ``log_prob`` or
        ``sample`` costs ``O(N^2 n)`` triangular solves instead of an ``O(N^3)``
        factorisation. ``model.replace(index_points=new_points)`` predicts elsewhere with the
        same factor; replacing the kernel, the observations or the noise would leave the stored
        factor stale, so build a new model for those. The arguments are the constructor's, with
        ``observation_index_points`` and ``observations`` required.

        Examples:
            >>> import jax.numpy as jnp
            >>> import probflow.distributions as pfd
            >>> import probflow.psd_kernels as pfk
            >>> model = pfd.GaussianProcessRegressionModel.precompute_regression_model(
            ...     pfk.MaternFiveHalves(), jnp.zeros((1, 1)), jnp.asarray([[0.0], [1.0]]),
            ...     jnp.asarray([1.0, 2.0]), observation_noise_variance=0.1)
            >>> model.observation_scale_tril.shape
            (2, 2)
            >>> model.replace(index_points=jnp.linspace(0.0, 1.0, 5)[:, None]).mean().shape
            (5,)
        """
        if observation_index_points is None or observations is None:
            raise ValueError(f"{cls.__name__}.precompute_regression_model: "
                             f"observation_index_points and observations are required")
        model = cls(kernel, index_points, observation_index_points, observations,
                    observation_noise_variance, predictive_noise_variance, mean_fn, jitter,
                    validate_args=validate_args, name=name)
        tril, whitened = model._observation_factor()
        return model.replace(observation_scale_tril=tril, whitened_observations=whitened)

    def _observation_factor(self) -> tuple[Array, Array]:
        """``(L, L^{-1} (y - m(X)))`` with ``L`` the factor of ``K(X, X) + (s^2 + jitter) I``.

        Shapes ``B + [N, N]`` and ``B + [N]`` with ``B`` the observation side's batch shape.
        """
        if self.observation_scale_tril is not None:
            assert self.whitened_observations is not None  # stored together
            return self.observation_scale_tril, self.whitened_observations
        obs_points, observations = self.observation_index_points, self.observations
        assert obs_points is not None and observations is not None  # only called with data
        k_obs = self.kernel.matrix(obs_points, obs_points)
        k_obs = _add_diagonal(k_obs, self.observation_noise_variance + self.jitter)
        k_obs = k_obs.astype(self.dtype)
        num_obs = k_obs.shape[-1]
        residual = observations - self._mean_of(obs_points, observations.shape[:-1], num_obs)
        batch = broadcast_shapes(k_obs.shape[:-2], residual.shape[:-1])
        tril = _cholesky(jnp.broadcast_to(k_obs, batch + (num_obs, num_obs)))
        return tril, solve_lower(tril, jnp.broadcast_to(residual, batch + (num_obs,)))

    def _conditioning(self):
        """``(L^{-1} K(X, x), L^{-1} (y - m(X)))``, shapes ``batch + [N, n]`` and ``batch + [N]``.

        ``L`` is the Cholesky factor of ``K(X, X) + (s^2 + jitter) I``.
        """
        tril, whitened = self._observation_factor()
        assert self.observation_index_points is not None  # only called with data
        k_cross = self.kernel.matrix(self.observation_index_points, self.index_points)
        k_cross = k_cross.astype(self.dtype)
        full = broadcast_shapes(tril.shape[:-2], k_cross.shape[:-2])
        a = jax.lax.linalg.triangular_solve(
            jnp.broadcast_to(tril, full + tril.shape[-2:]),
            jnp.broadcast_to(k_cross, full + k_cross.shape[-2:]), left_side=True, lower=True)
        return a, jnp.broadcast_to(whitened, full + whitened.shape[-1:])

    def _mean_of(self, points, batch, num):
        if self.mean_fn is None:
            return jnp.zeros((num,), self.dtype)
        mean = jnp.asarray(self.mean_fn(points), self.dtype)
        return jnp.broadcast_to(mean, jnp.broadcast_shapes(mean.shape, batch + (num,)))

    def _moments(self):
        conditioning = self._conditioning() if self.observations is not None else None
        return self._loc(conditioning), self._covariance_without_jitter(conditioning)

    def _loc(self, conditioning=None):
        prior_mean = self._mean_at(self.index_points)
        if self.observations is None:
            return prior_mean
        a, v = self._conditioning() if conditioning is None else conditioning
        return prior_mean + jnp.sum(a * v[..., :, None], axis=-2)

    def _covariance_without_jitter(self, conditioning=None):
        x = self.index_points
        cov = self.kernel.matrix(x, x).astype(self.dtype)
        if self.observations is not None:
            a, _ = self._conditioning() if conditioning is None else conditioning
            cov = cov - jnp.matmul(jnp.swapaxes(a, -1, -2), a)
        cov = _add_diagonal(cov, self.predictive_noise_variance)
        return jnp.broadcast_to(cov, self.batch_shape + self.event_shape * 2)

    def _variance(self):
        x = self.index_points
        var = self.kernel.apply(x, x, example_ndims=1).astype(self.dtype)
        if self.observations is not None:
            a, _ = self._conditioning()
            var = var - jnp.sum(jnp.square(a), axis=-2)
        var = var + jnp.asarray(self.predictive_noise_variance)[..., None]
        return jnp.broadcast_to(var, self.batch_shape + self.event_shape)
