"""pf.vi.pathfinder: alone (against an exact posterior) and as NUTS's starting points."""

import jax
import jax.numpy as jnp
import numpy as np
import pytest

import probflow as pf
from probflow import distributions as pfd
from probflow.vi.pathfinder import _diagonal_update, _normal_at

NUM_ROWS, NUM_COEFS = 200, 4


@pf.model
def regression(x):
    beta = yield pfd.Normal(jnp.zeros(NUM_COEFS), 1.0, name="beta")
    yield pfd.Normal(x @ beta, 1.0, name="y")


@pytest.fixture(scope="module")
def conjugate():
    rng = np.random.default_rng(0)
    correlation = 0.9 * np.ones((NUM_COEFS, NUM_COEFS)) + 0.1 * np.eye(NUM_COEFS)
    x = rng.multivariate_normal(np.zeros(NUM_COEFS), correlation, size=NUM_ROWS)
    y = x @ np.array([1.0, -0.5, 0.3, 0.0]) + rng.normal(size=NUM_ROWS)
    covariance = np.linalg.inv(x.T @ x + np.eye(NUM_COEFS))
    posterior = regression(jnp.asarray(x)).condition(y=jnp.asarray(y))
    return posterior, covariance @ x.T @ y, covariance


@pytest.fixture(scope="module")
def result(conjugate):
    return pf.vi.pathfinder(conjugate[0], key=jax.random.key(0), num_paths=2,
                            num_iterations=50)


@pytest.mark.compile_bound
def test_the_compact_form_is_the_bfgs_inverse_hessian():
    # two BFGS updates of diag(alpha) by hand against the compact representation
    rng = np.random.default_rng(3)
    d = 5
    a = rng.normal(size=(d, d))
    hessian = a @ a.T + d * np.eye(d)
    pairs = [rng.normal(size=d) for _ in range(2)]
    s_hist = np.stack(pairs)
    y_hist = s_hist @ hessian  # y = H s
    alpha = np.abs(rng.normal(size=d)) + 0.5
    h = np.diag(alpha)
    for s, y in zip(s_hist, y_hist, strict=True):
        rho = 1.0 / (s @ y)
        left = np.eye(d) - rho * np.outer(s, y)
        h = left @ h @ left.T + rho * np.outer(s, s)
    normal = _normal_at(jnp.zeros(d), jnp.zeros(d), jnp.asarray(alpha), jnp.asarray(s_hist),
                        jnp.asarray(y_hist), jnp.ones(2, bool))
    np.testing.assert_allclose(np.asarray(normal.covariance()), h, rtol=1e-10, atol=1e-12)
    # unused (zero) rows leave the diagonal alone
    empty = _normal_at(jnp.zeros(d), jnp.zeros(d), jnp.asarray(alpha), jnp.zeros((3, d)),
                       jnp.zeros((3, d)), jnp.zeros(3, bool))
    np.testing.assert_allclose(np.asarray(empty.covariance()), np.diag(alpha), atol=1e-14)
    # its draws have that covariance and their log density is the normal's
    draws, log_q = normal.sample_and_log_prob(jax.random.key(0), 5)
    expected = pfd.MultivariateNormalFullCovariance(jnp.zeros(d), jnp.asarray(h)).log_prob(draws)
    np.testing.assert_allclose(np.asarray(log_q), np.asarray(expected), rtol=1e-9)
    # the diagonal update keeps the secant condition's scale positive
    new_alpha = _diagonal_update(jnp.asarray(alpha), jnp.asarray(pairs[0]),
                                 jnp.asarray(y_hist[0]))
    assert np.all(np.asarray(new_alpha) > 0)


@pytest.mark.slow
def test_pathfinder_finds_the_exact_posterior(conjugate, result):
    _, mean, covariance = conjugate
    sd = np.sqrt(np.diag(covariance))
    assert isinstance(result, pf.vi.VIResult) and result.guide.name == "pathfinder"
    assert result.params["loc"].shape == (2, NUM_COEFS)
    # each path's best normal sits at the mode (= the mean of this Gaussian posterior)
    np.testing.assert_array_less(np.abs(np.asarray(result.params["loc"]) - mean) / sd, 0.01)
    assert result.khat < 0.5
    idata = result.sample(jax.random.key(1), 2000)  # importance resampled by default
    assert idata.posterior.attrs["importance_resampled"] == 1
    draws = idata.posterior["beta"].values.reshape(-1, NUM_COEFS)
    # 2000 resampled draws: the standard error of a mean is near sd / sqrt(2000) = 0.02 sd
    np.testing.assert_array_less(np.abs(draws.mean(0) - mean) / sd, 0.1)
    np.testing.assert_allclose(draws.std(0), sd, rtol=0.1)
    # the negative ELBO along the best path, until L-BFGS converged (a few dozen iterations)
    assert np.all(np.isfinite(result.losses)) and 5 < result.losses.shape[0] <= 50
    with pytest.raises(ValueError, match="no optimizer state"):
        result.resume(10, key=jax.random.key(0))


@pytest.mark.slow
def test_initial_positions_for_nuts(conjugate, result):
    posterior, mean, covariance = conjugate
    start = pf.vi.pathfinder_initial_positions(posterior, 4, key=jax.random.key(2), result=result)
    assert start.position["beta"].shape == (4, NUM_COEFS)
    assert len({tuple(np.asarray(p).round(12)) for p in start.position["beta"]}) == 4
    np.testing.assert_allclose(np.asarray(start.inverse_mass_matrix), np.diag(covariance),
                               rtol=0.2)
    adaptation = pf.mcmc.WindowAdaptation(
        initial_inverse_mass_matrix=start.inverse_mass_matrix)
    idata = pf.mcmc.sample(posterior, key=jax.random.key(3), num_chains=4,
                           initial_position=start.position, adaptation=adaptation,
                           num_warmup=150, num_samples=200, progress_bar=False, warn=False)
    draws = idata.posterior["beta"].values.reshape(-1, NUM_COEFS)
    sd = np.sqrt(np.diag(covariance))
    np.testing.assert_array_less(np.abs(draws.mean(0) - mean) / sd, 0.25)


def test_bad_arguments(conjugate):
    posterior = conjugate[0]
    with pytest.raises(ValueError, match="pathfinder: num_paths must be a positive integer"):
        pf.vi.pathfinder(posterior, key=jax.random.key(0), num_paths=0)
    with pytest.raises(TypeError, match="pathfinder: posterior must be a pf.Posterior"):
        pf.vi.pathfinder(regression, key=jax.random.key(0))
    with pytest.raises(ValueError, match="initial_positions: num_chains must be a positive"):
        pf.vi.pathfinder_initial_positions(posterior, 0, key=jax.random.key(0))
