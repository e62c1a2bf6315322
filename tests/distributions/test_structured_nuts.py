"""Worked examples: the structured distributions inside ``@pf.model``, sampled by NUTS.

Each test simulates data with known parameters (fixed seeds), samples the posterior with
``pf.mcmc.sample`` and checks that the truth is recovered. The same code is in the docs
(``docs/distributions.md``, time series; ``docs/gaussian-processes.md``, ARD).

Tolerances. "Truth within the posterior" means ``|posterior mean - truth| < 4 posterior sd``.
Under a correct sampler and a well-specified model the truth is a draw from the posterior
(averaged over data sets), so the standardised distance is about standard normal and exceeds
4 with probability about 6e-5 per parameter; the Monte Carlo error of the posterior mean (300
draws x 4 chains, ESS several hundred: MCSE under 0.05 sd) barely widens that. R-hat < 1.05
and no divergences are the usual convergence checks. Keys and seeds are fixed, so each test
either always passes or always fails.
"""

from __future__ import annotations

import arviz as az
import jax
import jax.numpy as jnp
import numpy as np
import pytest

import probflow as pf
import probflow.psd_kernels as pfk
from probflow import distributions as pfd

pytestmark = pytest.mark.slow

NUTS = dict(num_warmup=300, num_samples=300, progress_bar=False)


def assert_converged(idata):
    r_hat = az.rhat(idata)
    worst = max(float(r_hat[name].max()) for name in r_hat.data_vars)
    assert worst < 1.05, f"R-hat {worst}"
    assert int(idata.sample_stats["diverging"].sum()) == 0


def assert_within_posterior(draws, truth):
    """``draws``: (chain, draw, ...) array; the truth within 4 posterior sd of the mean."""
    flat = np.asarray(draws).reshape((-1,) + np.shape(truth))
    mean, sd = flat.mean(0), flat.std(0)
    z = np.abs(mean - truth) / sd
    assert np.all(z < 4.0), f"mean {mean}, sd {sd}, truth {truth}"


# --- 1. A hidden Markov model with an unknown transition matrix -----------------------------

HMM_STEPS = 200
HMM_TRANSITION = np.asarray([[0.9, 0.1], [0.2, 0.8]])
HMM_LOCS = np.asarray([-1.0, 1.0])  # known emission means
HMM_SCALE = 0.5


def simulate_hmm(seed=13):
    rng = np.random.default_rng(seed)
    states = np.zeros(HMM_STEPS, dtype=int)
    states[0] = rng.integers(2)
    for t in range(1, HMM_STEPS):
        states[t] = rng.choice(2, p=HMM_TRANSITION[states[t - 1]])
    return HMM_LOCS[states] + HMM_SCALE * rng.normal(size=HMM_STEPS)


@pf.model
def two_state_hmm(num_steps):
    transition = yield pfd.Dirichlet(jnp.ones((2, 2)), name="transition")  # one row per state
    yield pfd.HiddenMarkovModel(
        pfd.Categorical(probs=jnp.full(2, 0.5)),
        pfd.Categorical(probs=transition),
        pfd.Normal(jnp.asarray(HMM_LOCS), HMM_SCALE),
        num_steps=num_steps, name="y")


def test_hmm_transition_matrix_is_recovered():
    y = jnp.asarray(simulate_hmm())
    posterior = two_state_hmm(HMM_STEPS).condition(y=y)
    idata = pf.mcmc.sample(posterior, key=jax.random.key(0), **NUTS)
    assert_converged(idata)
    draws = idata.posterior["transition"].values  # (4, 300, 2, 2)
    assert draws.shape[-2:] == (2, 2)
    np.testing.assert_allclose(draws.sum(-1), 1.0, atol=1e-10)  # rows stay on the simplex
    assert_within_posterior(draws, HMM_TRANSITION)
    # 200 steps pin each switching probability to within about +-0.05 (posterior sd near
    # sqrt(p (1 - p) / visits)); a sampler that ignored the data would give the Dirichlet(1, 1)
    # prior's sd of 0.29.
    assert np.all(draws.reshape(-1, 2, 2).std(0) < 0.08)


# --- 2. A local-level state-space model ---------------------------------------------------

LEVEL_STEPS = 100
SIGMA_LEVEL, SIGMA_OBS = 0.5, 1.0


def simulate_local_level(seed=7):
    rng = np.random.default_rng(seed)
    level = np.cumsum(SIGMA_LEVEL * rng.normal(size=LEVEL_STEPS))
    return (level + SIGMA_OBS * rng.normal(size=LEVEL_STEPS))[:, None]  # (T, 1)


@pf.model
def local_level(num_timesteps):
    sigma_level = yield pfd.HalfNormal(1.0, name="sigma_level")
    sigma_obs = yield pfd.HalfNormal(1.0, name="sigma_obs")
    yield pfd.LinearGaussianStateSpaceModel(
        num_timesteps=num_timesteps,
        transition_matrix=jnp.eye(1),
        transition_noise=pfd.MultivariateNormalDiag(scale_diag=sigma_level[None]),
        observation_matrix=jnp.eye(1),
        observation_noise=pfd.MultivariateNormalDiag(scale_diag=sigma_obs[None]),
        initial_state_prior=pfd.MultivariateNormalDiag(scale_diag=jnp.asarray([10.0])),
        name="y")


def test_local_level_scales_are_recovered():
    y = jnp.asarray(simulate_local_level())
    posterior = local_level(LEVEL_STEPS).condition(y=y)
    idata = pf.mcmc.sample(posterior, key=jax.random.PRNGKey(0), **NUTS)  # a raw key works too
    assert_converged(idata)
    assert_within_posterior(idata.posterior["sigma_level"].values, SIGMA_LEVEL)
    assert_within_posterior(idata.posterior["sigma_obs"].values, SIGMA_OBS)
    # Informative: the HalfNormal(1) prior has sd 0.60; 100 steps bring both under 0.15.
    assert float(idata.posterior["sigma_level"].std()) < 0.15
    assert float(idata.posterior["sigma_obs"].std()) < 0.15


# --- 3. Gaussian-process regression with automatic relevance determination ---------------


def diabetes_with_a_noise_feature(seed=0):
    """140 rows of scikit-learn's diabetes data: bmi, bp, s5 and one pure-noise column.

    Features and target are standardised; the first 80 rows train, the other 60 test.
    """
    from sklearn.datasets import load_diabetes

    data = load_diabetes()
    rng = np.random.default_rng(seed)
    rows = rng.permutation(len(data.target))[:140]
    x = np.column_stack([data.data[rows][:, [2, 3, 8]], rng.normal(size=140)])
    x = (x - x.mean(0)) / x.std(0)
    y = (data.target[rows] - data.target[rows].mean()) / data.target[rows].std()
    return x[:80], y[:80], x[80:], y[80:]


@pf.model
def ard_regression(x):
    amplitude = yield pfd.HalfNormal(1.0, name="amplitude")
    length_scales = yield pfd.InverseGamma(jnp.full(4, 2.0), 2.0, name="length_scales")
    noise_variance = yield pfd.HalfNormal(1.0, name="noise_variance")
    kernel = pfk.FeatureScaled(pfk.ExponentiatedQuadratic(amplitude, 1.0),
                               scale_diag=length_scales)
    yield pfd.GaussianProcess(kernel, x, observation_noise_variance=noise_variance, name="y")


def test_gp_ard_switches_off_the_noise_feature_and_predicts():
    x_train, y_train, x_test, y_test = diabetes_with_a_noise_feature()
    posterior = ard_regression(jnp.asarray(x_train)).condition(y=jnp.asarray(y_train))
    # Sequential chains: on a busy 2-core machine they ran about twice as fast as vectorised
    # ones (XLA's CPU thread pool stalls under contention); on a quiet one the two are similar.
    idata = pf.mcmc.sample(posterior, key=jax.random.key(0), chain_method="sequential", **NUTS)
    assert_converged(idata)

    draws = idata.posterior
    medians = np.median(draws["length_scales"].values.reshape(-1, 4), axis=0)
    # ARD: the noise column (last) gets the longest length scale (the function is flat along
    # it); the three informative medians are about 1.8-3.2 and the noise column's about 5.
    assert medians[3] > medians[:3].max(), medians

    # Posterior predictive mean on the 60 held-out rows, averaged over 200 draws (a batch of
    # 200 kernels, one per draw).
    amplitude = jnp.asarray(draws["amplitude"].values[:, ::6].reshape(-1))
    length_scales = jnp.asarray(draws["length_scales"].values[:, ::6].reshape(-1, 4))
    noise_variance = jnp.asarray(draws["noise_variance"].values[:, ::6].reshape(-1))
    predictive = pfd.GaussianProcessRegressionModel(
        pfk.FeatureScaled(pfk.ExponentiatedQuadratic(amplitude, 1.0), scale_diag=length_scales),
        index_points=jnp.asarray(x_test), observation_index_points=jnp.asarray(x_train),
        observations=jnp.asarray(y_train), observation_noise_variance=noise_variance)
    assert predictive.batch_shape == (200,)
    prediction = np.asarray(predictive.mean()).mean(0)
    # Skill against the mean predictor (the training mean: all a model without features
    # knows). Least squares on these three features explains 48% of the target's variance over
    # all 442 rows and has a held-out skill of 0.30 on this split; the GP's is about 0.36. A GP
    # that ignored the features would score about 0, one that chased noise below 0.
    skill = 1.0 - np.sum((y_test - prediction) ** 2) / np.sum((y_test - y_train.mean()) ** 2)
    assert skill > 0.2, skill
