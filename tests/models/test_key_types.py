"""Typed keys (jax.random.key) and raw keys (jax.random.PRNGKey) work at every public entry
point of probflow.models, and the same seed gives the same result with either."""

from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np
import pytest

import probflow as pf
from probflow import distributions as pfd

KEY_TYPES = pytest.mark.parametrize("make_key", [jax.random.key, jax.random.PRNGKey],
                                    ids=["typed", "raw"])


@pf.model
def regression(x):
    slope = yield pfd.Normal(0.0, 1.0, name="slope")
    sigma = yield pfd.HalfNormal(1.0, name="sigma")
    yield pfd.Normal(slope * x, sigma, name="y")


X = jnp.linspace(-1.0, 1.0, 5)
POSTERIOR = regression(X).condition(y=2.0 * X + 0.1)


def assert_same_tree(a, b):
    for x, y in zip(jax.tree_util.tree_leaves(a), jax.tree_util.tree_leaves(b), strict=True):
        np.testing.assert_array_equal(np.asarray(x), np.asarray(y))


@KEY_TYPES
@pytest.mark.parametrize("strategy", ["uniform", "median"])
def test_posterior_init(make_key, strategy):
    z = POSTERIOR.init(make_key(1), 3, strategy=strategy)
    assert z["slope"].shape == (3,) and z["sigma"].shape == (3,)
    assert_same_tree(z, POSTERIOR.init(jax.random.key(1), 3, strategy=strategy))
    fixed = POSTERIOR.init(make_key(1), 3, values={"sigma": 0.5}, strategy=strategy)
    np.testing.assert_allclose(jax.vmap(POSTERIOR.constrain)(fixed)["sigma"], 0.5, rtol=1e-6)


@KEY_TYPES
def test_prior_draws(make_key):
    draws = POSTERIOR.model.sample(make_key(2), (4,))
    assert draws["y"].shape == (4, 5)
    assert_same_tree(draws, POSTERIOR.model.sample(jax.random.key(2), (4,)))
    latents = POSTERIOR.sample_prior_latents(make_key(2))
    assert_same_tree(latents, POSTERIOR.sample_prior_latents(jax.random.key(2)))


@KEY_TYPES
def test_prior_predictive(make_key):
    idata = pf.sample_prior_predictive(POSTERIOR, 20, key=make_key(3))
    assert idata.prior_predictive["y"].shape == (1, 20, 5)
    want = pf.sample_prior_predictive(POSTERIOR, 20, key=jax.random.key(3))
    np.testing.assert_array_equal(idata.prior_predictive["y"].values,
                                  want.prior_predictive["y"].values)


@KEY_TYPES
def test_posterior_predictive(make_key):
    draws = {"slope": jnp.full((2, 10), 2.0), "sigma": jnp.full((2, 10), 0.1)}
    idata = pf.sample_posterior_predictive(POSTERIOR, draws, key=make_key(4))
    y = idata.posterior_predictive["y"].values
    assert y.shape == (2, 10, 5)
    # y ~ Normal(2 x, 0.1): 100 draws per x, each mean within 5 standard errors (0.05)
    np.testing.assert_allclose(y.mean(axis=(0, 1)), 2.0 * np.asarray(X), atol=5 * 0.1 / 20**0.5)
    want = pf.sample_posterior_predictive(POSTERIOR, draws, key=jax.random.key(4))
    np.testing.assert_array_equal(y, want.posterior_predictive["y"].values)


def test_integer_seeds_are_refused_with_the_fix():
    with pytest.raises(TypeError, match=r"key must be a JAX PRNG key \(jax.random.key\(seed\) or "
                                        r"jax.random.PRNGKey\(seed\)\), got 0"):
        POSTERIOR.init(0, 2)
