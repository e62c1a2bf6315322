"""``LinearGaussianStateSpaceModel``: Kalman filtering, RTS smoothing and posterior sampling.

The model (TFP's parameterisation, constant matrices)::

    z_0     ~ initial_state_prior                          latent, size N
    z_{t+1} = transition_matrix @ z_t + transition_noise   transition_noise ~ MVN(b, Q)
    x_t     = observation_matrix @ z_t + observation_noise observation_noise ~ MVN(c, R)

Every recursion runs under ``lax.scan`` with the time axis leading. Innovation and predicted
covariances are factored by Cholesky and used through triangular solves (never explicit
inverses); filtered covariances use the Joseph form, which stays symmetric positive definite in
floating point.
"""

from __future__ import annotations

import math
from typing import Any, NamedTuple

import jax
import jax.numpy as jnp
import numpy as np

from probflow.core import checks
from probflow.core.errors import ShapeError
from probflow.core.keys import as_key
from probflow.core.numerics import promote_floats
from probflow.core.pytree import static_field
from probflow.core.shapes import as_shape, broadcast_shapes
from probflow.distributions import constraints
from probflow.distributions._markov import sample_expanded, time_to_back, time_to_front
from probflow.distributions.distribution import Distribution
from probflow.distributions.mvn import _MultivariateNormal, matvec
from probflow.typing import Array, ArrayLike, PRNGKey, ShapeLike

__all__ = ["LinearGaussianStateSpaceModel", "KalmanFilterResults"]

_OWNER = "LinearGaussianStateSpaceModel"
_HALF_LOG_2PI = 0.5 * math.log(2.0 * math.pi)


class KalmanFilterResults(NamedTuple):
    """What ``LinearGaussianStateSpaceModel.forward_filter`` returns (TFP's order).

    With ``lead`` the broadcast of the observations' leading dimensions and the batch shape:

    Attributes:
        log_likelihoods: ``log p(x_t | x_0, ..., x_{t-1})``, shape ``lead + (T,)``; they sum
            to ``log_prob``.
        filtered_means: ``E[z_t | x_0..x_t]``, ``lead + (T, N)``.
        filtered_covs: ``Cov[z_t | x_0..x_t]``, ``lead + (T, N, N)``.
        predicted_means: ``E[z_t | x_0..x_{t-1}]`` (the prior mean at ``t = 0``),
            ``lead + (T, N)``.
        predicted_covs: ``Cov[z_t | x_0..x_{t-1}]``, ``lead + (T, N, N)``.
        observation_means: ``E[x_t | x_0..x_{t-1}]``, ``lead + (T, M)``.
        observation_covs: ``Cov[x_t | x_0..x_{t-1}]``, ``lead + (T, M, M)``.

    Examples:
        >>> KalmanFilterResults._fields[:3]
        ('log_likelihoods', 'filtered_means', 'filtered_covs')
    """

    log_likelihoods: jax.Array
    filtered_means: jax.Array
    filtered_covs: jax.Array
    predicted_means: jax.Array
    predicted_covs: jax.Array
    observation_means: jax.Array
    observation_covs: jax.Array


def _transpose(a):
    return jnp.swapaxes(a, -1, -2)


def _symmetrize(a):
    return 0.5 * (a + _transpose(a))


def _cho_solve(chol, rhs):
    """``(L L^T)^{-1} rhs`` by two triangular solves; ``rhs`` is ``batch + (n, k)``."""
    batch = broadcast_shapes(chol.shape[:-2], rhs.shape[:-2], what="Cholesky solve")
    chol = jnp.broadcast_to(chol, batch + chol.shape[-2:])
    rhs = jnp.broadcast_to(rhs, batch + rhs.shape[-2:])
    y = jax.lax.linalg.triangular_solve(chol, rhs, left_side=True, lower=True)
    return jax.lax.linalg.triangular_solve(chol, y, left_side=True, lower=True,
                                           transpose_a=True)


def _check_gaussian(arg: str, dist: Any) -> None:
    if not isinstance(dist, _MultivariateNormal):
        raise TypeError(
            f"{_OWNER}: {arg} must be a multivariate normal (MultivariateNormalTriL, "
            f"MultivariateNormalDiag, MultivariateNormalFullCovariance or "
            f"MultivariateNormalDiagPlusLowRank), got {dist!r}"
        )


class LinearGaussianStateSpaceModel(Distribution):
    """Linear Gaussian state-space model over observation sequences (TFP's names and semantics).

    A latent state ``z_t`` of size ``N`` evolves as ``z_{t+1} = F z_t + q_t`` with
    ``q_t ~ transition_noise`` and is observed as ``x_t = H z_t + r_t`` with
    ``r_t ~ observation_noise``, starting from ``z_0 ~ initial_state_prior``. The distribution
    is over the observations: ``event_shape = (num_timesteps, M)``, ``batch_shape`` broadcasts
    the matrices' leading dimensions and the three Gaussians' batch shapes.

    ``log_prob`` is the Kalman filter's sum of one-step-ahead predictive log densities,
    ``forward_filter`` returns every filtered and predicted moment
    ([`KalmanFilterResults`][probflow.distributions.linear_gaussian_ssm.KalmanFilterResults]),
    ``posterior_marginals`` runs the Rauch-Tung-Striebel
    smoother and ``posterior_sample`` draws latent paths by forward filtering, backward
    sampling. ``mean`` and ``variance`` are the prior moments of the observations. The support
    is all real ``(T, M)`` arrays and the default event-space bijector the identity.

    Args:
        num_timesteps: number of steps ``T`` (static).
        transition_matrix: ``F``, shape ``batch + (N, N)``.
        transition_noise: a multivariate normal with event ``(N,)`` (its mean is added too).
        observation_matrix: ``H``, shape ``batch + (M, N)``.
        observation_noise: a multivariate normal with event ``(M,)``.
        initial_state_prior: a multivariate normal with event ``(N,)``.

    Examples:
        A local level (random walk plus noise):

        >>> import jax, jax.numpy as jnp
        >>> import probflow.distributions as pfd
        >>> ssm = pfd.LinearGaussianStateSpaceModel(
        ...     num_timesteps=4,
        ...     transition_matrix=jnp.eye(1),
        ...     transition_noise=pfd.MultivariateNormalDiag(scale_diag=jnp.asarray([0.5])),
        ...     observation_matrix=jnp.eye(1),
        ...     observation_noise=pfd.MultivariateNormalDiag(scale_diag=jnp.asarray([1.0])),
        ...     initial_state_prior=pfd.MultivariateNormalDiag(scale_diag=jnp.asarray([2.0])))
        >>> ssm.event_shape
        (4, 1)
        >>> x = ssm.sample(jax.random.key(0), (3,))
        >>> x.shape, ssm.log_prob(x).shape
        ((3, 4, 1), (3,))
        >>> ssm.variance()[:, 0]  # 4 + 1, then 0.25 more per step
        Array([5.  , 5.25, 5.5 , 5.75], dtype=float32)
        >>> means, covs = ssm.posterior_marginals(x[0])
        >>> means.shape, covs.shape
        ((4, 1), (4, 1, 1))
    """

    transition_matrix: jax.Array
    transition_noise: Distribution
    observation_matrix: jax.Array
    observation_noise: Distribution
    initial_state_prior: Distribution
    num_timesteps: int = static_field()
    reparameterized = True

    def __init__(self, num_timesteps: int, transition_matrix: ArrayLike,
                 transition_noise: Distribution, observation_matrix: ArrayLike,
                 observation_noise: Distribution, initial_state_prior: Distribution, *,
                 validate_args: bool = False, name: str | None = None):
        num_timesteps = checks.check_count(_OWNER, "num_timesteps", num_timesteps)
        _check_gaussian("transition_noise", transition_noise)
        _check_gaussian("observation_noise", observation_noise)
        _check_gaussian("initial_state_prior", initial_state_prior)
        transition_matrix, observation_matrix = promote_floats(transition_matrix,
                                                               observation_matrix)
        n = initial_state_prior.event_shape[0]
        if transition_matrix.ndim < 2 or transition_matrix.shape[-2:] != (n, n):
            raise ShapeError(
                f"{_OWNER}: transition_matrix has shape {tuple(transition_matrix.shape)}; it must "
                f"end in (N, N) = {(n, n)} with N = {n} the size of initial_state_prior's event"
            )
        if transition_noise.event_shape != (n,):
            raise ShapeError(f"{_OWNER}: transition_noise has event_shape "
                             f"{transition_noise.event_shape}; the latent size is N = {n}")
        if observation_matrix.ndim < 2 or observation_matrix.shape[-1] != n:
            raise ShapeError(
                f"{_OWNER}: observation_matrix has shape {tuple(observation_matrix.shape)}; it "
                f"must end in (M, N) with N = {n} the latent size"
            )
        m = observation_matrix.shape[-2]
        if observation_noise.event_shape != (m,):
            raise ShapeError(
                f"{_OWNER}: observation_noise has event_shape {observation_noise.event_shape}; "
                f"observation_matrix of shape {tuple(observation_matrix.shape)} makes "
                f"observations of size M = {m}"
            )
        self._set(transition_matrix=transition_matrix, transition_noise=transition_noise,
                  observation_matrix=observation_matrix, observation_noise=observation_noise,
                  initial_state_prior=initial_state_prior, num_timesteps=num_timesteps,
                  validate_args=validate_args, name=name)
        self._validate(checks.finite("transition_matrix", transition_matrix),
                       checks.finite("observation_matrix", observation_matrix))
        _ = self.batch_shape  # a ShapeError naming the class when the batches do not broadcast

    # -- shapes ----------------------------------------------------------------------------------
    @property
    def latent_size(self) -> int:
        """Size ``N`` of the latent state."""
        return int(self.transition_matrix.shape[-1])

    @property
    def observation_size(self) -> int:
        """Size ``M`` of one observation."""
        return int(self.observation_matrix.shape[-2])

    @property
    def batch_shape(self) -> tuple[int, ...]:
        return broadcast_shapes(
            self.transition_matrix.shape[:-2], self.observation_matrix.shape[:-2],
            tuple(self.transition_noise.batch_shape), tuple(self.observation_noise.batch_shape),
            tuple(self.initial_state_prior.batch_shape),
            what=f"{_OWNER}: the batch shapes of the matrices and noise distributions")

    @property
    def event_shape(self) -> tuple[int, ...]:
        return (self.num_timesteps, self.observation_size)

    @property
    def dtype(self) -> np.dtype:
        return jnp.result_type(self.transition_matrix, self.observation_matrix,
                               self.initial_state_prior.dtype, self.transition_noise.dtype,
                               self.observation_noise.dtype)

    @property
    def support(self) -> constraints.Constraint:
        return constraints.real_matrix

    # -- moments of the pieces ---------------------------------------------------------------------
    def _moments(self, dist):
        dtype = self.dtype
        return dist.mean().astype(dtype), dist.covariance().astype(dtype)

    def _observation_moments(self, means, covs):
        """Observation means and covariances from latent ones (any leading shape)."""
        h = self.observation_matrix
        r_loc, r_cov = self._moments(self.observation_noise)
        obs_means = matvec(h, means) + r_loc
        obs_covs = _symmetrize(h @ covs @ _transpose(h) + r_cov)
        return obs_means, obs_covs

    # -- filtering -------------------------------------------------------------------------------
    def _filter(self, observations):
        """Kalman filter over time-first ``observations``; time-first results."""
        f = self.transition_matrix
        h = self.observation_matrix
        q_loc, q_cov = self._moments(self.transition_noise)
        r_loc, r_cov = self._moments(self.observation_noise)
        m0, p0 = self._moments(self.initial_state_prior)
        n, m = self.latent_size, self.observation_size
        lead = broadcast_shapes(observations.shape[1:-1], self.batch_shape,
                                what=f"{_OWNER}: observations and batch_shape")
        observations = observations.astype(self.dtype)
        eye = jnp.eye(n, dtype=self.dtype)

        def step(carry, x_t):
            mean, cov = carry  # predicted moments of z_t
            obs_mean = matvec(h, mean) + r_loc
            h_cov = h @ cov  # (M, N)
            obs_cov = _symmetrize(h_cov @ _transpose(h) + r_cov)
            chol = jnp.linalg.cholesky(obs_cov)
            innovation = jnp.broadcast_to(x_t - obs_mean, lead + (m,))
            white = jax.lax.linalg.triangular_solve(chol, innovation[..., None], left_side=True,
                                                    lower=True)[..., 0]
            log_lik = (-0.5 * jnp.sum(jnp.square(white), axis=-1)
                       - jnp.sum(jnp.log(jnp.diagonal(chol, axis1=-2, axis2=-1)), axis=-1)
                       - m * _HALF_LOG_2PI)
            gain = _transpose(_cho_solve(chol, h_cov))  # P H^T S^{-1}, (N, M)
            filtered_mean = mean + matvec(gain, innovation)
            a = eye - gain @ h
            filtered_cov = _symmetrize(a @ cov @ _transpose(a)
                                       + gain @ r_cov @ _transpose(gain))
            next_mean = matvec(f, filtered_mean) + q_loc
            next_cov = _symmetrize(f @ filtered_cov @ _transpose(f) + q_cov)
            out = (log_lik, filtered_mean, filtered_cov, mean, cov, obs_mean, obs_cov)
            return (next_mean, next_cov), out

        init = (jnp.broadcast_to(m0, lead + (n,)), jnp.broadcast_to(p0, lead + (n, n)))
        _, outs = jax.lax.scan(step, init, observations)
        return outs

    def forward_filter(self, x: ArrayLike) -> KalmanFilterResults:
        """Run the Kalman filter on observations ``x`` of shape ``(...) + (T, M)``.

        Returns:
            [`KalmanFilterResults`][probflow.distributions.linear_gaussian_ssm.KalmanFilterResults]
            (a NamedTuple, unpacked like TFP's seven-tuple).

        Examples:
            >>> import jax.numpy as jnp, numpy as np
            >>> import probflow.distributions as pfd
            >>> ssm = pfd.LinearGaussianStateSpaceModel(
            ...     3, jnp.eye(1), pfd.MultivariateNormalDiag(scale_diag=jnp.ones(1)),
            ...     jnp.eye(1), pfd.MultivariateNormalDiag(scale_diag=jnp.ones(1)),
            ...     pfd.MultivariateNormalDiag(scale_diag=jnp.ones(1)))
            >>> res = ssm.forward_filter(jnp.zeros((3, 1)))
            >>> np.float64(res.filtered_covs[:, 0, 0]).round(4)  # 1/2, 1/(1 + 1/(1 + 1/2)), ...
            array([0.5   , 0.6   , 0.6154])
        """
        outs = self._filter(time_to_front(self._as_value(x), 1))
        # Move time behind the leading dimensions: scalars, vectors and matrices per step.
        event_ndims = (0, 1, 2, 1, 2, 1, 2)
        return KalmanFilterResults(*(time_to_back(o, e) for o, e in zip(outs, event_ndims,
                                                                         strict=True)))

    def _log_prob(self, value):
        log_liks = self._filter(time_to_front(value, 1))[0]
        return jnp.sum(log_liks, axis=0)

    # -- smoothing and posterior sampling --------------------------------------------------------
    def _smoother_gain(self, filtered_cov, predicted_cov_next):
        """``J = P_f F^T P_pred^{-1}`` by a Cholesky solve."""
        f_cov = self.transition_matrix @ filtered_cov
        chol = jnp.linalg.cholesky(predicted_cov_next)
        return _transpose(_cho_solve(chol, f_cov))

    def posterior_marginals(self, x: ArrayLike) -> tuple[Array, Array]:
        """Smoothed means and covariances ``p(z_t | x_0, ..., x_{T-1})`` (Rauch-Tung-Striebel).

        Args:
            x: observations of shape ``(...) + (T, M)``.

        Returns:
            ``(means, covs)`` of shapes ``lead + (T, N)`` and ``lead + (T, N, N)``.

        Examples:
            >>> import jax.numpy as jnp, numpy as np
            >>> import probflow.distributions as pfd
            >>> ssm = pfd.LinearGaussianStateSpaceModel(
            ...     2, jnp.eye(1), pfd.MultivariateNormalDiag(scale_diag=jnp.ones(1)),
            ...     jnp.eye(1), pfd.MultivariateNormalDiag(scale_diag=jnp.ones(1)),
            ...     pfd.MultivariateNormalDiag(scale_diag=jnp.ones(1)))
            >>> means, covs = ssm.posterior_marginals(jnp.asarray([[1.0], [1.0]]))
            >>> np.float64(means[:, 0]).round(4)  # the last filtered mean is also smoothed
            array([0.6, 0.8])
        """
        _, f_means, f_covs, p_means, p_covs, _, _ = self._filter(
            time_to_front(self._as_value(x), 1))

        def step(carry, inputs):
            s_mean_next, s_cov_next = carry
            f_mean, f_cov, p_mean_next, p_cov_next = inputs
            gain = self._smoother_gain(f_cov, p_cov_next)
            s_mean = f_mean + matvec(gain, s_mean_next - p_mean_next)
            s_cov = _symmetrize(f_cov + gain @ (s_cov_next - p_cov_next) @ _transpose(gain))
            return (s_mean, s_cov), (s_mean, s_cov)

        last = (f_means[-1], f_covs[-1])
        _, (means, covs) = jax.lax.scan(step, last, (f_means[:-1], f_covs[:-1], p_means[1:],
                                                     p_covs[1:]), reverse=True)
        means = jnp.concatenate([means, last[0][None]], axis=0)
        covs = jnp.concatenate([covs, last[1][None]], axis=0)
        return time_to_back(means, 1), time_to_back(covs, 2)

    def posterior_sample(self, key: PRNGKey, x: ArrayLike, sample_shape: ShapeLike = ()) -> Array:
        """Latent paths from ``p(z_0, ..., z_{T-1} | x)`` by forward filtering, backward sampling.

        Args:
            key: a JAX PRNG key (typed or raw).
            x: observations of shape ``(...) + (T, M)``.
            sample_shape: leading shape of the draws.

        Returns:
            Draws of shape ``sample_shape + lead + (T, N)``.

        Examples:
            >>> import jax, jax.numpy as jnp
            >>> import probflow.distributions as pfd
            >>> ssm = pfd.LinearGaussianStateSpaceModel(
            ...     3, jnp.eye(1), pfd.MultivariateNormalDiag(scale_diag=jnp.ones(1)),
            ...     jnp.eye(1), pfd.MultivariateNormalDiag(scale_diag=jnp.ones(1)),
            ...     pfd.MultivariateNormalDiag(scale_diag=jnp.ones(1)))
            >>> ssm.posterior_sample(jax.random.key(0), jnp.zeros((3, 1)), (5,)).shape
            (5, 3, 1)
        """
        key = as_key(key)
        sample_shape = as_shape(sample_shape)
        _, f_means, f_covs, p_means, p_covs, _, _ = self._filter(
            time_to_front(self._as_value(x), 1))
        n = self.latent_size
        full = sample_shape + f_means.shape[1:-1]
        key_last, key_steps = jax.random.split(key)
        z_last = f_means[-1] + matvec(jnp.linalg.cholesky(f_covs[-1]),
                                      jax.random.normal(key_last, full + (n,), self.dtype))
        noise = jax.random.normal(key_steps, (self.num_timesteps - 1,) + full + (n,), self.dtype)
        f = self.transition_matrix
        _, q_cov = self._moments(self.transition_noise)
        eye = jnp.eye(n, dtype=self.dtype)

        def step(z_next, inputs):
            f_mean, f_cov, p_mean_next, p_cov_next, eps = inputs
            gain = self._smoother_gain(f_cov, p_cov_next)
            # Cov[z_t | z_{t+1}, x_0..x_t] in Joseph form: an update on "observing" z_{t+1}.
            a = eye - gain @ f
            cov = _symmetrize(a @ f_cov @ _transpose(a) + gain @ q_cov @ _transpose(gain))
            z = (f_mean + matvec(gain, z_next - p_mean_next)
                 + matvec(jnp.linalg.cholesky(cov), eps))
            return z, z

        _, earlier = jax.lax.scan(step, z_last, (f_means[:-1], f_covs[:-1], p_means[1:],
                                                 p_covs[1:], noise), reverse=True)
        path = jnp.concatenate([earlier, z_last[None]], axis=0)
        return time_to_back(path, 1)

    # -- sampling and prior moments ----------------------------------------------------------------
    def _sample(self, key, sample_shape):
        batch = self.batch_shape
        t = self.num_timesteps
        key_init, key_trans, key_obs = jax.random.split(key, 3)
        dtype = self.dtype
        z0 = sample_expanded(self.initial_state_prior, key_init, sample_shape, batch).astype(dtype)
        trans_noise = sample_expanded(self.transition_noise, key_trans, (t - 1,) + sample_shape,
                                      batch).astype(dtype)
        obs_noise = sample_expanded(self.observation_noise, key_obs, (t,) + sample_shape,
                                    batch).astype(dtype)
        f = self.transition_matrix

        def step(z, q):
            z_next = matvec(f, z) + q
            return z_next, z_next

        _, rest = jax.lax.scan(step, z0, trans_noise)
        latents = jnp.concatenate([z0[None], rest], axis=0)
        x = matvec(self.observation_matrix, latents) + obs_noise
        return time_to_back(x, 1)

    def _prior_latent_moments(self):
        """Prior latent means ``(T,) + batch + (N,)`` and covariances (time first)."""
        f = self.transition_matrix
        q_loc, q_cov = self._moments(self.transition_noise)
        m0, p0 = self._moments(self.initial_state_prior)
        n = self.latent_size
        batch = self.batch_shape

        def step(carry, _):
            mean, cov = carry
            nxt = (matvec(f, mean) + q_loc, _symmetrize(f @ cov @ _transpose(f) + q_cov))
            return nxt, (mean, cov)

        init = (jnp.broadcast_to(m0, batch + (n,)), jnp.broadcast_to(p0, batch + (n, n)))
        _, (means, covs) = jax.lax.scan(step, init, None, length=self.num_timesteps)
        return means, covs

    def _mean(self):
        means, covs = self._prior_latent_moments()
        return time_to_back(self._observation_moments(means, covs)[0], 1)

    def _variance(self):
        means, covs = self._prior_latent_moments()
        obs_covs = self._observation_moments(means, covs)[1]
        return time_to_back(jnp.diagonal(obs_covs, axis1=-2, axis2=-1), 1)

    def latents_to_observations(self, latent_means: ArrayLike,
                                latent_covs: ArrayLike) -> tuple[Array, Array]:
        """Push latent moments through the observation model: ``(H m + c, H P H^T + R)``.

        Args:
            latent_means: ``(...) + (N,)``, e.g. smoothed means of shape ``lead + (T, N)``.
            latent_covs: ``(...) + (N, N)``.

        Returns:
            ``(observation_means, observation_covs)`` of shapes ``(...) + (M,)`` and
            ``(...) + (M, M)``.

        Examples:
            >>> import jax.numpy as jnp
            >>> import probflow.distributions as pfd
            >>> ssm = pfd.LinearGaussianStateSpaceModel(
            ...     2, jnp.eye(1), pfd.MultivariateNormalDiag(scale_diag=jnp.ones(1)),
            ...     2.0 * jnp.eye(1), pfd.MultivariateNormalDiag(scale_diag=jnp.ones(1)),
            ...     pfd.MultivariateNormalDiag(scale_diag=jnp.ones(1)))
            >>> mean, cov = ssm.latents_to_observations(jnp.ones((2, 1)), jnp.ones((2, 1, 1)))
            >>> mean[:, 0], cov[:, 0, 0]
            (Array([2., 2.], dtype=float32), Array([5., 5.], dtype=float32))
        """
        return self._observation_moments(jnp.asarray(latent_means), jnp.asarray(latent_covs))
