"""pf.mcmc.sample(..., init="pathfinder"): NUTS from Pathfinder's starting points."""

import jax
import jax.numpy as jnp
import numpy as np
import pytest

import probflow as pf
import probflow.distributions as pfd


@pf.model
def normal_mean(n):
    mu = yield pfd.Normal(0.0, 10.0, name="mu")
    sigma = yield pfd.HalfNormal(5.0, name="sigma")
    yield pfd.Normal(jnp.full(n, mu), sigma, name="y")


@pytest.mark.slow
def test_pathfinder_init_samples_the_posterior_with_a_short_warmup():
    y = np.random.default_rng(0).normal(3.0, 2.0, 50)
    posterior = normal_mean(50).condition(y=y)
    idata = pf.mcmc.sample(posterior, key=jax.random.key(1), init="pathfinder", num_warmup=150,
                           num_samples=500, progress_bar=False)
    # the posterior of mu is close to N(mean(y), sd(y)^2 / n); MCSE of the mean is about
    # 0.28 / sqrt(ESS); 4 chains x 500 draws give ESS > 400, so 5 MCSE < 0.07
    mu = idata.posterior["mu"].values
    assert abs(mu.mean() - y.mean()) < 0.07 + 0.02
    assert abs(mu.std() - y.std(ddof=1) / np.sqrt(50)) < 0.05


def test_pathfinder_init_is_named_in_the_error_for_unknown_strategies():
    posterior = normal_mean(3).condition(y=np.ones(3))
    with pytest.raises(ValueError, match="'pathfinder'"):
        pf.mcmc.sample(posterior, key=jax.random.key(0), init="pathfindr")
