"""Thousands of chains: 4,096 vectorised NUTS chains on a 10-dimensional Gaussian.

Run in float32, as a user would on an accelerator (peak memory about 3.4 GB on the 2-core CPU
machine; in float64 it is several times more).
"""

import arviz as az
import jax
import jax.numpy as jnp
import numpy as np
import pytest

import probflow as pf

SCALES = np.linspace(0.5, 2.0, 10)


@pytest.mark.slow
def test_4096_vectorised_chains_recover_the_moments():
    with jax.enable_x64(False):
        _run_and_check()


def _run_and_check():
    num_chains, num_samples = 4096, 200
    start = jax.random.normal(jax.random.key(1), (num_chains, 10))
    idata = pf.mcmc.sample(lambda x: -0.5 * jnp.sum((x / SCALES) ** 2), key=jax.random.key(0),
                           kernel=pf.mcmc.NUTS(max_tree_depth=6), initial_position=start,
                           num_chains=num_chains, num_warmup=200, num_samples=num_samples,
                           progress_bar=False, warn=False)
    x = idata.posterior["x"].values
    assert x.shape == (num_chains, num_samples, 10)
    ess = az.ess(idata)["x"].values
    assert ess.min() > 100_000, ess  # ~0.8 M draws, nearly independent
    # 5 Monte Carlo standard errors of the mean (sd / sqrt(ESS)) and of the sd (sd / sqrt(2 ESS))
    np.testing.assert_array_less(np.abs(x.mean((0, 1))), 5 * SCALES / np.sqrt(ess))
    np.testing.assert_array_less(np.abs(x.std((0, 1)) - SCALES), 5 * SCALES / np.sqrt(2 * ess))
    assert float(az.rhat(idata)["x"].max()) < 1.01
