"""LinearGaussianStateSpaceModel, GaussianRandomWalk and Autoregressive against dense Gaussians.

Every model here is jointly Gaussian, so the references are built by brute force in NumPy: the
stacked latents are a linear map of independent Gaussian pieces, which gives the dense mean and
covariance of all latents and observations; log densities come from
``scipy.stats.multivariate_normal`` and filtered / smoothed moments from dense Gaussian
conditioning (``np.linalg.solve``).

Monte Carlo checks use fixed keys and compare every mean and covariance entry with the exact
value within 5 standard errors: ``sd / sqrt(n)`` for a mean and
``sqrt((s_ii s_jj + s_ij^2) / n)`` for a covariance entry of Gaussian draws. Under the normal
approximation each comparison fails a correct sampler with probability 5.7e-7, so a test with
``m`` comparisons has a false-fail rate below ``m * 5.7e-7``.
"""

from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np
import pytest
import scipy.stats as st
from scipy.linalg import block_diag

import probflow as pf
import probflow.bijectors as pfb
from probflow import distributions as pfd
from probflow.core.errors import ParameterError, ShapeError

N, M, T = 2, 3, 5
RNG = np.random.default_rng(7)
F = np.asarray([[[0.9, 0.2], [-0.1, 0.8]], [[0.5, 0.0], [0.3, 0.7]]])  # batch of 2
B_LOC = np.asarray([0.1, -0.2])
Q_TRIL = np.asarray([[0.5, 0.0], [0.2, 0.3]])
H = RNG.normal(size=(M, N))
C_LOC = np.asarray([0.0, 1.0, -0.5])
R_DIAG = np.asarray([0.4, 0.6, 0.5])
M0 = np.asarray([1.0, -1.0])
P0 = np.asarray([[1.0, 0.3], [0.3, 2.0]])


def make_ssm(transition_matrix=F, num_timesteps=T):
    return pfd.LinearGaussianStateSpaceModel(
        num_timesteps=num_timesteps,
        transition_matrix=jnp.asarray(transition_matrix),
        transition_noise=pfd.MultivariateNormalTriL(jnp.asarray(B_LOC), jnp.asarray(Q_TRIL)),
        observation_matrix=jnp.asarray(H),
        observation_noise=pfd.MultivariateNormalDiag(jnp.asarray(C_LOC), jnp.asarray(R_DIAG)),
        initial_state_prior=pfd.MultivariateNormalFullCovariance(jnp.asarray(M0),
                                                                 jnp.asarray(P0)))


def dense(f, steps=T):
    """Dense moments of the stacked latents z (T*N) and observations x (T*M) for one F."""
    q = Q_TRIL @ Q_TRIL.T
    lin = np.zeros((steps * N, steps * N))  # z - E[z] = lin @ (independent pieces)
    for t in range(steps):
        for s in range(t + 1):
            lin[t * N:(t + 1) * N, s * N:(s + 1) * N] = np.linalg.matrix_power(f, t - s)
    mean_z, m = [], M0
    for _ in range(steps):
        mean_z.append(m)
        m = f @ m + B_LOC
    mean_z = np.concatenate(mean_z)
    cov_z = lin @ block_diag(P0, *[q] * (steps - 1)) @ lin.T
    h_big = np.kron(np.eye(steps), H)
    mean_x = h_big @ mean_z + np.tile(C_LOC, steps)
    cov_x = h_big @ cov_z @ h_big.T + np.kron(np.eye(steps), np.diag(R_DIAG**2))
    return mean_z, cov_z, mean_x, cov_x, cov_z @ h_big.T


def condition(mean_a, cov_a, cov_ab, mean_b, cov_b, b, observed):
    """Moments of a given the entries ``observed`` of b (dense Gaussian conditioning)."""
    if not len(observed):
        return mean_a, cov_a
    cab = cov_ab[:, observed]
    cbb = cov_b[np.ix_(observed, observed)]
    mean = mean_a + cab @ np.linalg.solve(cbb, b[observed] - mean_b[observed])
    return mean, cov_a - cab @ np.linalg.solve(cbb, cab.T)


@pytest.fixture(scope="module")
def data():
    return np.asarray(make_ssm().sample(jax.random.key(0), (2,)))  # (2, batch 2, T, M)


@jax.jit
def filter_and_smooth(ssm, x):
    return ssm.log_prob(x), ssm.forward_filter(x), ssm.posterior_marginals(x)


def test_shapes_keys_and_bijector(data):
    ssm = make_ssm()
    assert ssm.batch_shape == (2,) and ssm.event_shape == (T, M)
    assert ssm.latent_size == N and ssm.observation_size == M
    assert data.shape == (2, 2, T, M)
    np.testing.assert_array_equal(ssm.sample(jax.random.key(3)),
                                  ssm.sample(jax.random.PRNGKey(3)))
    assert isinstance(ssm.default_event_space_bijector(), pfb.Identity)


def test_log_prob_filter_and_smoother_match_dense_conditioning(data):
    lp, filt, (s_means, s_covs) = filter_and_smooth(make_ssm(), data)
    assert lp.shape == (2, 2) and filt.filtered_covs.shape == (2, 2, T, N, N)
    assert s_means.shape == (2, 2, T, N) and s_covs.shape == (2, 2, T, N, N)
    for s in range(2):
        for b in range(2):
            x = data[s, b]
            mean_z, cov_z, mean_x, cov_x, cov_zx = dense(F[b])
            flat = x.reshape(-1)
            np.testing.assert_allclose(lp[s, b], st.multivariate_normal(mean_x, cov_x).logpdf(
                flat), rtol=1e-10)
            np.testing.assert_allclose(jnp.sum(filt.log_likelihoods[s, b]), lp[s, b],
                                       rtol=1e-12)
            post_mean, post_cov = condition(mean_z, cov_z, cov_zx, mean_x, cov_x, flat,
                                            np.arange(T * M))
            for t in range(T):
                zt = slice(t * N, (t + 1) * N)
                np.testing.assert_allclose(s_means[s, b, t], post_mean[zt], atol=1e-10)
                np.testing.assert_allclose(s_covs[s, b, t], post_cov[zt, zt], atol=1e-10)
                seen, before = np.arange((t + 1) * M), np.arange(t * M)
                fm, fc = condition(mean_z[zt], cov_z[zt, zt], cov_zx[zt], mean_x, cov_x, flat,
                                   seen)
                pm, pc = condition(mean_z[zt], cov_z[zt, zt], cov_zx[zt], mean_x, cov_x, flat,
                                   before)
                np.testing.assert_allclose(filt.filtered_means[s, b, t], fm, atol=1e-10)
                np.testing.assert_allclose(filt.filtered_covs[s, b, t], fc, atol=1e-10)
                np.testing.assert_allclose(filt.predicted_means[s, b, t], pm, atol=1e-10)
                np.testing.assert_allclose(filt.predicted_covs[s, b, t], pc, atol=1e-10)
                xt = slice(t * M, (t + 1) * M)
                om, oc = condition(mean_x[xt], cov_x[xt, xt], cov_x[xt], mean_x, cov_x, flat,
                                   before)
                np.testing.assert_allclose(filt.observation_means[s, b, t], om, atol=1e-10)
                np.testing.assert_allclose(filt.observation_covs[s, b, t], oc, atol=1e-10)
                np.testing.assert_allclose(filt.log_likelihoods[s, b, t],
                                           st.multivariate_normal(om, oc).logpdf(x[t]),
                                           rtol=1e-10)


def test_prior_mean_variance_and_latents_to_observations():
    ssm = make_ssm()
    for b in range(2):
        _, _, mean_x, cov_x, _ = dense(F[b])
        np.testing.assert_allclose(ssm.mean()[b], mean_x.reshape(T, M), rtol=1e-12)
        np.testing.assert_allclose(ssm.variance()[b], np.diag(cov_x).reshape(T, M), rtol=1e-12)
    means, covs = ssm.latents_to_observations(jnp.ones((T, N)), jnp.eye(N) * jnp.ones((T, 1, 1)))
    np.testing.assert_allclose(means[0], H @ np.ones(N) + C_LOC, rtol=1e-12)
    np.testing.assert_allclose(covs[0], H @ H.T + np.diag(R_DIAG**2), rtol=1e-12)


def test_posterior_sample_matches_dense_posterior_by_monte_carlo(data):
    # 4000 joint draws of the T*N = 10 latents: 10 means and 100 covariance entries within 5 MC
    # standard errors (false-fail rate < 110 * 5.7e-7).
    n = 4000
    ssm = make_ssm(F[0])
    x = data[0, 0]
    draws = np.asarray(jax.jit(ssm.posterior_sample, static_argnums=2)(
        jax.random.key(1), x, (n,)))
    assert draws.shape == (n, T, N)
    mean_z, cov_z, mean_x, cov_x, cov_zx = dense(F[0])
    mean, cov = condition(mean_z, cov_z, cov_zx, mean_x, cov_x, x.reshape(-1), np.arange(T * M))
    flat = draws.reshape(n, -1)
    sd = np.sqrt(np.diag(cov))
    assert np.all(np.abs(flat.mean(0) - mean) < 5 * sd / np.sqrt(n))
    se_cov = np.sqrt((np.outer(sd**2, sd**2) + cov**2) / n)
    assert np.all(np.abs(np.cov(flat.T) - cov) < 5 * se_cov)


def test_sample_matches_dense_prior_by_monte_carlo():
    # 4000 draws of the T*M = 15 observations: 15 means and 225 covariance entries within 5 MC
    # standard errors (false-fail rate < 240 * 5.7e-7).
    n = 4000
    draws = np.asarray(make_ssm(F[1]).sample(jax.random.key(2), (n,))).reshape(n, -1)
    _, _, mean_x, cov_x, _ = dense(F[1])
    sd = np.sqrt(np.diag(cov_x))
    assert np.all(np.abs(draws.mean(0) - mean_x) < 5 * sd / np.sqrt(n))
    se_cov = np.sqrt((np.outer(sd**2, sd**2) + cov_x**2) / n)
    assert np.all(np.abs(np.cov(draws.T) - cov_x) < 5 * se_cov)


def test_jit_no_retrace_vmap_and_gradient(data):
    traces = []

    @jax.jit
    def log_prob(ssm, x):
        traces.append(1)
        return ssm.log_prob(x)

    x = data[0, 0]
    a, b = make_ssm(F[0]), make_ssm(F[1])
    log_prob(a, x)
    np.testing.assert_allclose(log_prob(b, x), filter_and_smooth(make_ssm(), x)[0][1],
                               rtol=1e-12)
    assert len(traces) == 1
    stacked = jax.tree_util.tree_map(lambda u, v: jnp.stack([u, v]), a, b)
    np.testing.assert_allclose(jax.jit(jax.vmap(lambda s: s.log_prob(x)))(stacked),
                               filter_and_smooth(make_ssm(), x)[0], rtol=1e-12)

    def dense_lp(f):
        _, _, mean_x, cov_x, _ = dense(f)
        return st.multivariate_normal(mean_x, cov_x).logpdf(x.reshape(-1))

    grad = jax.jit(jax.grad(lambda f: make_ssm(f).log_prob(x)))(jnp.asarray(F[0]))
    eps = 1e-6
    for i in range(N):
        for j in range(N):
            e = np.zeros((N, N))
            e[i, j] = eps
            fd = (dense_lp(F[0] + e) - dense_lp(F[0] - e)) / (2 * eps)
            np.testing.assert_allclose(grad[i, j], fd, rtol=1e-6, atol=1e-6)


def test_state_space_errors():
    q = pfd.MultivariateNormalDiag(scale_diag=jnp.ones(N))
    r = pfd.MultivariateNormalDiag(scale_diag=jnp.ones(M))
    p0 = pfd.MultivariateNormalDiag(scale_diag=jnp.ones(N))
    with pytest.raises(ShapeError, match="transition_matrix has shape \\(3, 3\\); it must end"):
        pfd.LinearGaussianStateSpaceModel(T, jnp.eye(3), q, jnp.asarray(H), r, p0)
    with pytest.raises(ShapeError, match="observation_noise has event_shape \\(2,\\)"):
        pfd.LinearGaussianStateSpaceModel(T, jnp.eye(N), q, jnp.asarray(H), q, p0)
    with pytest.raises(ShapeError, match="observation_matrix has shape \\(3, 3\\)"):
        pfd.LinearGaussianStateSpaceModel(T, jnp.eye(N), q, jnp.ones((3, 3)), r, p0)
    with pytest.raises(TypeError, match="transition_noise must be a multivariate normal"):
        pfd.LinearGaussianStateSpaceModel(T, jnp.eye(N), pfd.Normal(jnp.zeros(N), 1.0),
                                          jnp.asarray(H), r, p0)
    with pytest.raises(ValueError, match="num_timesteps must be a positive integer, got 0"):
        pfd.LinearGaussianStateSpaceModel(0, jnp.eye(N), q, jnp.asarray(H), r, p0)
    with pytest.raises(ParameterError, match="transition_matrix must be finite"):
        pfd.LinearGaussianStateSpaceModel(T, jnp.full((N, N), jnp.nan), q, jnp.asarray(H), r, p0)
    with pytest.raises(ShapeError, match="does not end in the event shape \\(5, 3\\)"):
        make_ssm().log_prob(jnp.zeros((T, M + 1)))


def test_local_level_model_density_and_gradient():
    y = jnp.asarray([[0.3], [0.8], [0.2], [1.1]])

    @pf.model
    def local_level():
        level_scale = yield pfd.HalfNormal(1.0, name="level_scale")
        obs_scale = yield pfd.HalfNormal(1.0, name="obs_scale")
        yield pfd.LinearGaussianStateSpaceModel(
            4, jnp.eye(1), pfd.MultivariateNormalDiag(scale_diag=level_scale[None]),
            jnp.eye(1), pfd.MultivariateNormalDiag(scale_diag=obs_scale[None]),
            pfd.MultivariateNormalDiag(jnp.zeros(1), 2.0 * jnp.ones(1)), name="y")

    post = local_level().condition(y=y)
    z = {"level_scale": jnp.asarray(-0.5), "obs_scale": jnp.asarray(0.2)}
    value, grad = jax.jit(jax.value_and_grad(post.unconstrained_log_density))(z)
    assert np.isfinite(value) and all(np.isfinite(g) for g in grad.values())
    latents = post.constrain(z)
    sq, sr = float(latents["level_scale"]), float(latents["obs_scale"])
    cov = 4.0 + sq**2 * np.minimum.outer(np.arange(4), np.arange(4)) + sr**2 * np.eye(4)
    want = (st.halfnorm.logpdf(sq) + st.halfnorm.logpdf(sr)
            + st.multivariate_normal(np.zeros(4), cov).logpdf(np.asarray(y)[:, 0]))
    np.testing.assert_allclose(jax.jit(post.log_density)(latents), want, rtol=1e-10)


# -- GaussianRandomWalk --------------------------------------------------------------------------


def walk_cov(scale, steps):
    i = np.arange(1, steps + 1)
    return scale**2 * np.minimum.outer(i, i)


def test_gaussian_random_walk_against_the_dense_normal():
    scales = np.asarray([0.5, 2.0])
    walk = pfd.GaussianRandomWalk(jnp.asarray(scales), num_steps=4)
    assert walk.batch_shape == (2,) and walk.event_shape == (4,)
    x = np.asarray(walk.sample(jax.random.key(0), (3,)))
    lp = np.asarray(walk.log_prob(x))
    for b, s in enumerate(scales):
        ref = st.multivariate_normal(np.zeros(4), walk_cov(s, 4))
        np.testing.assert_allclose(lp[:, b], ref.logpdf(x[:, b]), rtol=1e-12)
        np.testing.assert_allclose(walk.covariance()[b], walk_cov(s, 4), rtol=1e-12)
        np.testing.assert_allclose(walk.variance()[b], np.diag(walk_cov(s, 4)), rtol=1e-12)
        np.testing.assert_allclose(walk.entropy()[b], ref.entropy(), rtol=1e-12)
    np.testing.assert_array_equal(walk.mean(), np.zeros((2, 4)))
    np.testing.assert_array_equal(walk.sample(jax.random.key(1)),
                                  walk.sample(jax.random.PRNGKey(1)))
    assert isinstance(walk.default_event_space_bijector(), pfb.Identity)


def test_gaussian_random_walk_is_a_pytree():
    traces = []

    @jax.jit
    def log_prob(walk, x):
        traces.append(1)
        return walk.log_prob(x)

    x = jnp.asarray([0.3, -0.2, 0.5])
    log_prob(pfd.GaussianRandomWalk(1.0, 3), x)
    log_prob(pfd.GaussianRandomWalk(2.0, 3), x)
    assert len(traces) == 1
    stacked = jax.tree_util.tree_map(lambda u, v: jnp.stack([u, v]),
                                     pfd.GaussianRandomWalk(1.0, 3), pfd.GaussianRandomWalk(2.0, 3))
    np.testing.assert_allclose(jax.vmap(lambda w: w.log_prob(x))(stacked),
                               pfd.GaussianRandomWalk(jnp.asarray([1.0, 2.0]), 3).log_prob(x),
                               rtol=1e-12)
    # d/ds sum_t log N(dx_t; 0, s) = sum_t (dx_t^2 / s^3 - 1 / s).
    dx = np.diff(np.r_[0.0, np.asarray(x)])
    grad = jax.grad(lambda s: pfd.GaussianRandomWalk(s, 3).log_prob(x))(1.5)
    np.testing.assert_allclose(grad, np.sum(dx**2 / 1.5**3 - 1 / 1.5), rtol=1e-12)


def test_gaussian_random_walk_sample_moments():
    # 4000 draws of a 4-step walk: 4 means and 16 covariance entries within 5 MC standard
    # errors (false-fail rate < 20 * 5.7e-7).
    n = 4000
    x = np.asarray(pfd.GaussianRandomWalk(1.5, 4).sample(jax.random.key(2), (n,)))
    cov = walk_cov(1.5, 4)
    sd = np.sqrt(np.diag(cov))
    assert np.all(np.abs(x.mean(0)) < 5 * sd / np.sqrt(n))
    assert np.all(np.abs(np.cov(x.T) - cov) < 5 * np.sqrt((np.outer(sd**2, sd**2) + cov**2) / n))


def test_gaussian_random_walk_errors_and_model():
    with pytest.raises(ParameterError, match="GaussianRandomWalk: scale must be positive, got"):
        pfd.GaussianRandomWalk(-1.0, 3)
    with pytest.raises(ValueError, match="num_steps must be a positive integer, got 0"):
        pfd.GaussianRandomWalk(1.0, 0)
    y = jnp.asarray([0.1, 0.4, 0.2, 0.9, 1.3])

    @pf.model
    def trend():
        scale = yield pfd.HalfNormal(1.0, name="scale")
        level = yield pfd.GaussianRandomWalk(scale, num_steps=5, name="level")
        yield pfd.Normal(level, 0.2, name="y")

    post = trend().condition(y=y)
    z = {"scale": jnp.asarray(0.1), "level": jnp.asarray([0.0, 0.3, 0.3, 0.8, 1.2])}
    value, grad = jax.jit(jax.value_and_grad(post.unconstrained_log_density))(z)
    assert np.isfinite(value) and np.all(np.isfinite(grad["level"])) and np.isfinite(
        grad["scale"])
    latents = post.constrain(z)
    s, level = float(latents["scale"]), np.asarray(latents["level"])
    want = (st.halfnorm.logpdf(s) + st.multivariate_normal(np.zeros(5), walk_cov(s, 5)).logpdf(
        level) + st.norm(level, 0.2).logpdf(np.asarray(y)).sum())
    np.testing.assert_allclose(jax.jit(post.log_density)(latents), want, rtol=1e-10)


# -- Autoregressive -----------------------------------------------------------------------------

PHI = np.asarray([0.5, -0.3])
SIGMA = 0.7


def ar2_fn(phi=PHI, sigma=SIGMA):
    def distribution_fn(x):
        lag1 = jnp.concatenate([jnp.zeros_like(x[..., :1]), x[..., :-1]], axis=-1)
        lag2 = jnp.concatenate([jnp.zeros_like(x[..., :2]), x[..., :-2]], axis=-1)
        return pfd.Independent(pfd.Normal(phi[0] * lag1 + phi[1] * lag2, sigma), 1)

    return distribution_fn


AR2 = ar2_fn()


def ar2_cov(steps, phi=PHI, sigma=SIGMA):
    """x = A^{-1} sigma e with A = I - phi_1 S - phi_2 S^2 (S the shift-down matrix)."""
    shift = np.eye(steps, k=-1)
    a = np.eye(steps) - phi[0] * shift - phi[1] * shift @ shift
    a_inv = np.linalg.inv(a)
    return sigma**2 * a_inv @ a_inv.T


@pytest.mark.compile_bound
def test_autoregressive_ar2_against_the_dense_normal():
    d = pfd.Autoregressive(AR2, sample0=jnp.zeros(6))
    assert d.event_shape == (6,) and d.batch_shape == () and d.num_steps == 6
    assert d.reparameterized
    x = np.asarray(d.sample(jax.random.key(0), (4,)))
    ref = st.multivariate_normal(np.zeros(6), ar2_cov(6))
    np.testing.assert_allclose(d.log_prob(x), ref.logpdf(x), rtol=1e-12)
    np.testing.assert_array_equal(d.sample(jax.random.key(1)), d.sample(jax.random.PRNGKey(1)))
    # A batch through sample0 and per-member coefficients.
    phis = jnp.asarray([[0.5, -0.3], [0.2, 0.1]])
    batched = pfd.Autoregressive(ar2_fn(phis.T[..., None]), sample0=jnp.zeros((2, 6)))
    assert batched.batch_shape == (2,)
    xb = np.asarray(batched.sample(jax.random.key(3), (3,)))
    assert xb.shape == (3, 2, 6)
    for b in range(2):
        ref_b = st.multivariate_normal(np.zeros(6), ar2_cov(6, np.asarray(phis[b])))
        np.testing.assert_allclose(batched.log_prob(xb)[:, b], ref_b.logpdf(xb[:, b]),
                                   rtol=1e-12)


def test_autoregressive_sample_moments():
    # 4000 draws of length 6: 6 means and 36 covariance entries within 5 MC standard errors
    # (false-fail rate < 42 * 5.7e-7). Too few steps would leave late coordinates with the
    # wrong dependence and fail this.
    n = 4000
    x = np.asarray(pfd.Autoregressive(AR2, sample0=jnp.zeros(6)).sample(jax.random.key(5), (n,)))
    cov = ar2_cov(6)
    sd = np.sqrt(np.diag(cov))
    assert np.all(np.abs(x.mean(0)) < 5 * sd / np.sqrt(n))
    assert np.all(np.abs(np.cov(x.T) - cov) < 5 * np.sqrt((np.outer(sd**2, sd**2) + cov**2) / n))


def test_autoregressive_errors_jit_and_model():
    with pytest.raises(TypeError, match="distribution_fn must be a callable"):
        pfd.Autoregressive(3.0, jnp.zeros(3))
    with pytest.raises(TypeError, match="distribution_fn must return a Distribution"):
        pfd.Autoregressive(lambda x: x, jnp.zeros(3))
    with pytest.raises(ValueError, match="num_steps must be a positive integer, got 0"):
        pfd.Autoregressive(AR2, jnp.zeros(3), num_steps=0)
    traces = []

    @jax.jit
    def log_prob(d, x):
        traces.append(1)
        return d.log_prob(x)

    x = jnp.asarray([0.2, -0.1, 0.4])
    log_prob(pfd.Autoregressive(AR2, jnp.zeros(3)), x)
    log_prob(pfd.Autoregressive(AR2, jnp.ones(3)), x)
    assert len(traces) == 1
    y = jnp.asarray([0.3, 0.5, 0.1, -0.2, 0.0])

    @pf.model
    def ar1():
        phi = yield pfd.Uniform(-1.0, 1.0, name="phi")

        def fn(v):
            lag = jnp.concatenate([jnp.zeros_like(v[..., :1]), v[..., :-1]], axis=-1)
            return pfd.Independent(pfd.Normal(phi * lag, 0.5), 1)

        yield pfd.Autoregressive(fn, sample0=jnp.zeros(5), name="y")

    post = ar1().condition(y=y)
    value, grad = jax.jit(jax.value_and_grad(post.unconstrained_log_density))(
        {"phi": jnp.asarray(0.3)})
    assert np.isfinite(value) and np.isfinite(grad["phi"])
    phi = float(post.constrain({"phi": jnp.asarray(0.3)})["phi"])
    yv = np.asarray(y)
    want = np.log(0.5) + st.norm(np.r_[0.0, phi * yv[:-1]], 0.5).logpdf(yv).sum()
    np.testing.assert_allclose(jax.jit(post.log_density)({"phi": jnp.asarray(phi)}), want,
                               rtol=1e-12)
