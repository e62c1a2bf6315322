"""MCMC over network weights: NUTS against the conjugate linear-Gaussian posterior; SGLD."""

import jax
import jax.numpy as jnp
import numpy as np
import pytest

from probflow import layers as L
from probflow.mcmc.sgmcmc import SGHMC, SGLD, minibatch_grad_fn

NOISE = 0.5


def linear_data(n=40, seed=0):
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(n, 2))
    y = x @ np.asarray([1.0, -0.5]) + 0.3 + NOISE * rng.normal(size=n)
    return x, y


def exact_posterior(x, y):
    """Bayesian linear regression with N(0, 1) priors on weights and bias, known noise."""
    design = np.concatenate([x, np.ones((len(x), 1))], axis=1)
    precision = np.eye(3) + design.T @ design / NOISE**2
    cov = np.linalg.inv(precision)
    return cov @ design.T @ y / NOISE**2, np.sqrt(np.diag(cov))


def linear_net():
    return L.Sequential([L.Dense(1), L.NormalHead(scale=NOISE)])


@pytest.mark.slow
def test_nuts_over_weights_matches_the_conjugate_posterior():
    x, y = linear_data()
    net = linear_net()
    idata = net.sample_posterior(x, y, key=jax.random.key(0), num_samples=400, num_warmup=300,
                                 num_chains=2, warn=False)
    kernel = idata.posterior["0.kernel"].values.reshape(-1, 2)
    bias = idata.posterior["0.bias"].values.reshape(-1)
    draws = np.concatenate([kernel, bias[:, None]], axis=1)
    mean, sd = exact_posterior(x, y)
    # 800 draws: allow 5 Monte Carlo standard errors (ESS >= 200 assumed) for the means.
    np.testing.assert_allclose(draws.mean(0), mean, atol=5 * sd.max() / np.sqrt(200))
    np.testing.assert_allclose(draws.std(0), sd, rtol=0.2)
    assert int(idata.sample_stats["diverging"].sum()) == 0
    pred = net.predict(x, num_samples=100, key=jax.random.key(1), posterior=idata)
    np.testing.assert_allclose(pred.aleatoric_variance, NOISE**2, rtol=1e-5)
    design = np.concatenate([x, np.ones((len(x), 1))], axis=1)
    np.testing.assert_allclose(pred.mean, design @ mean, atol=0.1)
    metrics = net.evaluate(x, y, num_samples=100, key=jax.random.key(2), posterior=idata)
    assert 0.75 <= metrics["coverage"] <= 1.0


@pytest.mark.slow
def test_nuts_on_a_tiny_bayesian_mlp_runs_and_predicts():
    x, y = linear_data(30)
    net = L.Sequential([L.DenseFlipout(3, activation="tanh"), L.DenseFlipout(1),
                        L.NormalHead()])
    idata = net.sample_posterior(x, y, key=jax.random.key(0), num_samples=100, num_warmup=100,
                                 num_chains=2, warn=False)
    assert set(idata.posterior.data_vars) == {"0.kernel", "0.bias", "1.kernel", "1.bias",
                                              "2.scale_rho"}
    pred = net.predict(x, num_samples=50, key=jax.random.key(1), posterior=idata)
    assert pred.samples.shape == (50, 30)
    assert float(np.sqrt(np.mean((pred.mean - y) ** 2))) < 1.0


@pytest.mark.compile_bound
def test_sgld_and_sghmc_on_linear_regression():
    x, y = linear_data(200)
    mean, sd = exact_posterior(x, y)
    for kernel in (SGLD(step_size=2e-4), SGHMC(step_size=2e-4, friction=0.1)):
        net = linear_net()
        idata = net.fit_sgmcmc(x, y, key=jax.random.key(0), kernel=kernel, num_samples=400,
                               num_warmup=500, thin=5, batch_size=50)
        kernel_draws = idata.posterior["0.kernel"].values.reshape(-1, 2)
        bias_draws = idata.posterior["0.bias"].values.reshape(-1)
        draws = np.concatenate([kernel_draws, bias_draws[:, None]], axis=1)
        # SG-MCMC with a constant step is only approximate: means within 3 posterior sds
        # of the exact ones, and spreads of the right order.
        assert np.all(np.abs(draws.mean(0) - mean) < 3 * sd), (type(kernel), draws.mean(0))
        assert np.all((draws.std(0) > 0.3 * sd) & (draws.std(0) < 3 * sd))
        pred = net.predict(x, num_samples=50, key=jax.random.key(1), posterior=idata)
        assert pred.mean.shape == (200,)


def test_sgld_kernel_samples_a_gaussian():
    # Target N(1, 0.5^2) through minibatch_grad_fn with a flat "prior" and 100 data terms.
    data = jnp.full((100,), 1.0)
    grad = minibatch_grad_fn(lambda w: 0.0 * w, lambda w, b: -0.5 * (b - w) ** 2 / 25.0, 100)
    kernel = SGLD(step_size=0.01)

    def step(state, key):
        k1, k2 = jax.random.split(key)
        batch = jax.random.choice(k1, data, (10,))
        state = kernel.step(k2, state, grad(state.position, batch))
        return state, state.position

    _, draws = jax.lax.scan(step, kernel.init(jnp.asarray(0.0)),
                            jax.random.split(jax.random.key(0), 20000))
    draws = np.asarray(draws[2000:])
    assert abs(draws.mean() - 1.0) < 0.1
    assert abs(draws.std() - 0.5) < 0.1
    with pytest.raises(ValueError, match="step_size must be positive"):
        SGLD(step_size=-1.0)
    with pytest.raises(ValueError, match="friction must be in"):
        SGHMC(friction=2.0)
