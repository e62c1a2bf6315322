"""Gaussian and Student's t processes against scipy and the textbook GP regression formulas."""

from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np
import pytest
import scipy.stats as st
from scipy.spatial.distance import cdist

import probflow as pf
import probflow.distributions as pfd
import probflow.psd_kernels as pfk
from probflow.core.errors import ParameterError, ShapeError

RNG = np.random.default_rng(1)
X = np.sort(RNG.uniform(0.0, 3.0, size=(5, 1)), axis=0)
X_OBS = np.sort(RNG.uniform(0.0, 3.0, size=(7, 1)), axis=0)
Y_OBS = np.sin(2.0 * X_OBS[:, 0]) + 0.1 * RNG.normal(size=7)
AMPLITUDE = np.array([0.8, 1.5])  # a batch of two kernels
LENGTH_SCALE = 0.7
JITTER = 1e-6


def eq_matrix(x1, x2, amplitude, length_scale):
    return amplitude**2 * np.exp(-cdist(x1, x2, "sqeuclidean") / (2 * length_scale**2))


def mean_fn(x):
    return 0.5 * x[..., 0] - 0.2


def test_gaussian_process_matches_scipy_multivariate_normal():
    noise = np.array([0.05, 0.2])
    gp = pfd.GaussianProcess(pfk.ExponentiatedQuadratic(AMPLITUDE, LENGTH_SCALE), X,
                             mean_fn=mean_fn, observation_noise_variance=noise, jitter=JITTER)
    assert gp.batch_shape == (2,) and gp.event_shape == (5,)
    values = RNG.normal(size=(3, 2, 5))
    got = gp.log_prob(values)
    assert got.shape == (3, 2)
    entropy, covariance, variance, stddev = gp.entropy(), gp.covariance(), gp.variance(), gp.stddev()
    for b in range(2):
        cov = eq_matrix(X, X, AMPLITUDE[b], LENGTH_SCALE) + noise[b] * np.eye(5)
        ref = st.multivariate_normal(mean_fn(X), cov + JITTER * np.eye(5))
        np.testing.assert_allclose(got[:, b], ref.logpdf(values[:, b]), rtol=1e-10)
        np.testing.assert_allclose(entropy[b], ref.entropy(), rtol=1e-10)
        # covariance() and variance() leave the jitter out, as TFP does.
        np.testing.assert_allclose(covariance[b], cov, rtol=1e-12)
        np.testing.assert_allclose(variance[b], np.diag(cov), rtol=1e-12)
        np.testing.assert_allclose(stddev[b], np.sqrt(np.diag(cov)), rtol=1e-12)
    np.testing.assert_allclose(gp.mean(), np.broadcast_to(mean_fn(X), (2, 5)), rtol=1e-12)
    marginal = gp.get_marginal_distribution()
    np.testing.assert_allclose(marginal.log_prob(values), got, rtol=1e-10)
    # Without a mean function the mean is zero; index points may carry batch dims too.
    gp2 = pfd.GaussianProcess(pfk.MaternThreeHalves(), np.stack([X, 2 * X]))
    assert gp2.batch_shape == (2,)
    np.testing.assert_allclose(gp2.mean(), 0.0)


def test_gaussian_process_samples_have_the_kernel_covariance():
    kernel = pfk.MaternFiveHalves(1.3, 0.9)
    x = X[:3]
    gp = pfd.GaussianProcess(kernel, x, mean_fn=mean_fn, observation_noise_variance=0.1)
    n = 4000
    draws = np.asarray(gp.sample(jax.random.key(0), (n,)))
    assert draws.shape == (n, 3)
    cov = np.asarray(gp.covariance())
    # Monte Carlo standard errors: of a mean sqrt(S_ii / n), of a covariance entry
    # sqrt((S_ii S_jj + S_ij^2) / n) for normal data; allow 5 of them.
    se_mean = np.sqrt(np.diag(cov) / n)
    np.testing.assert_array_less(np.abs(draws.mean(0) - mean_fn(x)), 5 * se_mean)
    se_cov = np.sqrt((np.outer(np.diag(cov), np.diag(cov)) + cov**2) / n)
    np.testing.assert_array_less(np.abs(np.cov(draws.T) - cov), 5 * se_cov)
    # Same key, same draws; typed and raw keys both work.
    again = gp.sample(jax.random.key(0), (n,))
    np.testing.assert_array_equal(draws, again)
    assert gp.sample(jax.random.PRNGKey(3), 2).shape == (2, 3)


def rasmussen_williams(k_xx, k_xo, k_oo, y, noise, m_x, m_o):
    """Predictive mean and covariance of GP regression (R&W 2006, eqs. 2.22-2.24)."""
    divisor = k_oo + noise * np.eye(len(k_oo))
    mean = m_x + k_xo @ np.linalg.solve(divisor, y - m_o)
    cov = k_xx - k_xo @ np.linalg.solve(divisor, k_xo.T)
    return mean, cov


def test_regression_model_matches_the_textbook_closed_form():
    noise, predictive_noise = 0.04, 0.01
    kernel = pfk.ExponentiatedQuadratic(AMPLITUDE, LENGTH_SCALE)
    post = pfd.GaussianProcessRegressionModel(
        kernel, X, observation_index_points=X_OBS, observations=Y_OBS,
        observation_noise_variance=noise, predictive_noise_variance=predictive_noise,
        mean_fn=mean_fn, jitter=JITTER)
    assert post.batch_shape == (2,) and post.event_shape == (5,)
    values = RNG.normal(size=(4, 2, 5))
    log_prob = post.log_prob(values)
    got_mean, got_cov, got_var = post.mean(), post.covariance(), post.variance()
    for b, amplitude in enumerate(AMPLITUDE):
        mean, cov = rasmussen_williams(
            eq_matrix(X, X, amplitude, LENGTH_SCALE), eq_matrix(X, X_OBS, amplitude, LENGTH_SCALE),
            eq_matrix(X_OBS, X_OBS, amplitude, LENGTH_SCALE), Y_OBS, noise + JITTER,
            mean_fn(X), mean_fn(X_OBS))
        cov = cov + predictive_noise * np.eye(5)
        np.testing.assert_allclose(got_mean[b], mean, rtol=1e-9, atol=1e-12)
        np.testing.assert_allclose(got_cov[b], cov, rtol=1e-8, atol=1e-12)
        np.testing.assert_allclose(got_var[b], np.diag(cov), rtol=1e-8, atol=1e-12)
        ref = st.multivariate_normal(mean, cov + JITTER * np.eye(5))
        np.testing.assert_allclose(log_prob[:, b], ref.logpdf(values[:, b]), rtol=1e-9)
    assert post.sample(jax.random.key(1), (3,)).shape == (3, 2, 5)
    # predictive_noise_variance defaults to the observation noise variance.
    default = pfd.GaussianProcessRegressionModel(kernel, X, X_OBS, Y_OBS,
                                                 observation_noise_variance=noise)
    explicit = pfd.GaussianProcessRegressionModel(kernel, X, X_OBS, Y_OBS,
                                                  observation_noise_variance=noise,
                                                  predictive_noise_variance=noise)
    np.testing.assert_allclose(default.covariance(), explicit.covariance(), rtol=1e-12)
    # Without observations it is the prior GP.
    prior = pfd.GaussianProcessRegressionModel(kernel, X, observation_noise_variance=noise,
                                               mean_fn=mean_fn)
    gp = pfd.GaussianProcess(kernel, X, mean_fn=mean_fn, observation_noise_variance=noise)
    np.testing.assert_allclose(prior.log_prob(values), gp.log_prob(values), rtol=1e-12)


def test_precomputed_regression_model_reuses_the_factorisation():
    kernel = pfk.MaternThreeHalves(AMPLITUDE, LENGTH_SCALE)
    args = (kernel, X, X_OBS, Y_OBS)
    options = {"observation_noise_variance": 0.05, "mean_fn": mean_fn}
    fast = pfd.GaussianProcessRegressionModel.precompute_regression_model(*args, **options)
    slow = pfd.GaussianProcessRegressionModel(*args, **options)
    assert fast.observation_scale_tril.shape == (2, 7, 7)
    values = RNG.normal(size=(2, 5))
    np.testing.assert_allclose(fast.log_prob(values), slow.log_prob(values), rtol=1e-12)
    np.testing.assert_allclose(fast.mean(), slow.mean(), rtol=1e-12)
    # New index points reuse the stored factor: the mean needs no Cholesky factorisation.
    x_new = X[:3] + 0.25
    moved = fast.replace(index_points=x_new)
    fresh = pfd.GaussianProcessRegressionModel(kernel, x_new, X_OBS, Y_OBS, **options)
    np.testing.assert_allclose(moved.covariance(), fresh.covariance(), rtol=1e-10, atol=1e-14)
    assert "cholesky" not in str(jax.make_jaxpr(lambda m: m.mean())(moved))
    assert "cholesky" in str(jax.make_jaxpr(lambda m: m.mean())(fresh))
    with pytest.raises(ValueError, match="observation_index_points and observations are required"):
        pfd.GaussianProcessRegressionModel.precompute_regression_model(kernel, X, None, None)


def test_regression_at_the_observations_interpolates_with_little_noise():
    # Without noise or jitter the posterior mean at the observed inputs is the data, with no
    # spread (the observation kernel matrix is well enough conditioned in float64).
    post = pfd.GaussianProcessRegressionModel(
        pfk.MaternFiveHalves(1.0, 1.0), X_OBS, X_OBS, Y_OBS,
        observation_noise_variance=0.0, predictive_noise_variance=0.0, jitter=0.0)
    np.testing.assert_allclose(post.mean(), Y_OBS, atol=1e-8)
    np.testing.assert_allclose(post.covariance(), 0.0, atol=1e-8)


@pytest.mark.compile_bound
def test_student_t_process_matches_scipy_multivariate_t():
    df = np.array([3.5, 9.0])
    noise = 0.1
    tp = pfd.StudentTProcess(df, pfk.MaternThreeHalves(1.2, LENGTH_SCALE), X, mean_fn=mean_fn,
                             observation_noise_variance=noise, jitter=JITTER)
    assert tp.batch_shape == (2,) and tp.event_shape == (5,)
    values = RNG.normal(size=(3, 2, 5)) * 2
    got = tp.log_prob(values)
    cov = np.asarray(pfk.MaternThreeHalves(1.2, LENGTH_SCALE).matrix(X, X)) + noise * np.eye(5)
    entropy, covariance = tp.entropy(), tp.covariance()
    for b in range(2):
        # TFP's scaling: the shape matrix is (df - 2) / df (K + noise I + jitter I), so the
        # covariance df / (df - 2) * shape is the kernel's.
        shape = (df[b] - 2) / df[b] * (cov + JITTER * np.eye(5))
        ref = st.multivariate_t(mean_fn(X), shape, df=df[b])
        np.testing.assert_allclose(got[:, b], ref.logpdf(values[:, b]), rtol=1e-10)
        np.testing.assert_allclose(entropy[b], ref.entropy(), rtol=1e-8)
        np.testing.assert_allclose(covariance[b], cov, rtol=1e-12)
    np.testing.assert_allclose(tp.get_marginal_distribution().log_prob(values), got, rtol=1e-10)
    # Each coordinate of a draw is loc + sqrt(shape_ii) * t(df): a KS test on one of them.
    tp1 = pfd.StudentTProcess(5.0, pfk.MaternThreeHalves(1.2, LENGTH_SCALE), X, mean_fn=mean_fn)
    draws = np.asarray(tp1.sample(jax.random.key(2), (2000,)))
    scale = np.sqrt(3.0 / 5.0 * (1.2**2 + JITTER))
    p = st.kstest(draws[:, 2], st.t(5.0, loc=mean_fn(X)[2], scale=scale).cdf).pvalue
    assert p > 1e-3
    # A huge df approaches the Gaussian process (the gap is O(n^2 / df) at typical draws).
    big = pfd.StudentTProcess(1e9, pfk.MaternThreeHalves(1.2, LENGTH_SCALE), X)
    gp = pfd.GaussianProcess(pfk.MaternThreeHalves(1.2, LENGTH_SCALE), X)
    typical = gp.sample(jax.random.key(4), (3,))
    np.testing.assert_allclose(big.log_prob(typical), gp.log_prob(typical), rtol=1e-6)


def test_jit_grad_no_retrace_and_float32():
    traces = []

    @jax.jit
    def log_prob(gp, y):
        traces.append(1)
        return gp.log_prob(y)

    y = jnp.asarray(Y_OBS)
    a = log_prob(pfd.GaussianProcess(pfk.ExponentiatedQuadratic(1.0, 0.5), X_OBS,
                                     observation_noise_variance=0.1), y)
    b = log_prob(pfd.GaussianProcess(pfk.ExponentiatedQuadratic(2.0, 0.3), X_OBS,
                                     observation_noise_variance=0.2), y)
    assert len(traces) == 1 and not np.allclose(a, b)

    def nll(params):
        amplitude, length_scale, noise = params
        post = pfd.GaussianProcessRegressionModel(
            pfk.ExponentiatedQuadratic(amplitude, length_scale), X, X_OBS, Y_OBS,
            observation_noise_variance=noise)
        return -post.log_prob(jnp.zeros(5))

    grads = jax.jit(jax.grad(nll))(jnp.asarray([1.0, 0.5, 0.1]))
    assert np.all(np.isfinite(grads))
    gp32 = pfd.GaussianProcess(pfk.ExponentiatedQuadratic(jnp.float32(1.0)),
                               X.astype(np.float32), observation_noise_variance=0.1)
    assert gp32.dtype == jnp.float32
    assert gp32.log_prob(np.zeros(5, np.float32)).dtype == jnp.float32
    assert gp32.sample(jax.random.key(0)).dtype == jnp.float32


@pytest.mark.parametrize("make, error, message", [
    (lambda: pfd.GaussianProcess("rbf", X), TypeError,
     "GaussianProcess: kernel must be a probflow.psd_kernels kernel, got str"),
    (lambda: pfd.GaussianProcess(pfk.Linear(), np.zeros(4)), ShapeError,
     r"GaussianProcess: index_points must have shape batch \+ \[num_points\].*got shape \(4,\)"),
    (lambda: pfd.GaussianProcess(pfk.Linear(), X, observation_noise_variance=-0.1),
     ParameterError, "GaussianProcess: observation_noise_variance must be non-negative, got -0.1"),
    (lambda: pfd.GaussianProcess(pfk.Linear(), X, jitter=-1.0), ValueError,
     "GaussianProcess: jitter must be a finite non-negative number, got -1.0"),
    (lambda: pfd.GaussianProcess(pfk.Linear(), X, mean_fn=3.0), TypeError,
     "GaussianProcess: mean_fn must be a callable"),
    (lambda: pfd.GaussianProcess(pfk.Linear(slope_amplitude=np.ones(3)), np.zeros((2, 5, 1))),
     ShapeError, r"\(3,\), \(2,\), \(\) that do not broadcast"),
    (lambda: pfd.GaussianProcessRegressionModel(pfk.Linear(), X, X_OBS), ValueError,
     "give both observation_index_points and observations, or neither"),
    (lambda: pfd.GaussianProcessRegressionModel(pfk.Linear(), X, X_OBS, Y_OBS[:6]), ShapeError,
     r"observations have shape \(6,\) but observation_index_points \(7, 1\) hold 7 point"),
    (lambda: pfd.GaussianProcessRegressionModel(pfk.Linear(), X, X_OBS, Y_OBS,
                                                predictive_noise_variance=-1.0),
     ParameterError, "predictive_noise_variance must be non-negative"),
    (lambda: pfd.StudentTProcess(2.0, pfk.Linear(), X), ParameterError,
     "StudentTProcess: df must be greater than 2, got 2.0"),
])
def test_validation_messages(make, error, message):
    with pytest.raises(error, match=message):
        make()


def test_log_prob_shape_error():
    with pytest.raises(ShapeError, match=r"value of shape \(4,\) does not end in the event shape"):
        pfd.GaussianProcess(pfk.Linear(), X).log_prob(np.zeros(4))


def softplus(z):
    return np.logaddexp(z, 0.0)


def log_sigmoid(z):
    return -np.logaddexp(-z, 0.0)


@pf.model
def gp_regression(x):
    amplitude = yield pfd.HalfNormal(1.0, name="amplitude")
    length_scale = yield pfd.LogNormal(0.0, 1.0, name="length_scale")
    noise = yield pfd.HalfNormal(0.5, name="noise")
    kernel = pfk.ExponentiatedQuadratic(amplitude, length_scale)
    yield pfd.GaussianProcess(kernel, x, observation_noise_variance=noise, name="y")


def hand_log_density(z):
    """Unconstrained log density written out with scipy: softplus maps R to (0, inf)."""
    amplitude, length_scale, noise = softplus(z)
    prior = (st.halfnorm(scale=1.0).logpdf(amplitude) + st.lognorm(1.0).logpdf(length_scale)
             + st.halfnorm(scale=0.5).logpdf(noise))
    cov = eq_matrix(X_OBS, X_OBS, amplitude, length_scale) + (noise + JITTER) * np.eye(7)
    likelihood = st.multivariate_normal(np.zeros(7), cov).logpdf(Y_OBS)
    return prior + likelihood + np.sum(log_sigmoid(z))


def test_gp_regression_inside_a_model():
    post = gp_regression(jnp.asarray(X_OBS)).condition(y=jnp.asarray(Y_OBS))
    assert tuple(post.latent_names) == ("amplitude", "length_scale", "noise")
    z = {"amplitude": jnp.asarray(0.3), "length_scale": jnp.asarray(-0.4),
         "noise": jnp.asarray(-1.5)}
    zv = np.array([0.3, -0.4, -1.5])
    constrained = post.constrain(z)
    np.testing.assert_allclose([constrained[k] for k in z], softplus(zv), rtol=1e-12)
    value, grad = jax.jit(jax.value_and_grad(post.unconstrained_log_density))(z)
    np.testing.assert_allclose(value, hand_log_density(zv), rtol=1e-10)
    # The gradient is finite and matches central differences of the hand-written density.
    h = 1e-5
    numeric = [(hand_log_density(zv + h * e) - hand_log_density(zv - h * e)) / (2 * h)
               for e in np.eye(3)]
    np.testing.assert_allclose([grad[k] for k in z], numeric, rtol=1e-6, atol=1e-8)
