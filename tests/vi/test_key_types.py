"""Typed keys (jax.random.key) and raw keys (jax.random.PRNGKey) work at every public entry
point of probflow.vi, and the same seed gives the same result with either."""

from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np
import optax
import pytest

import probflow as pf
from probflow import distributions as pfd

KEY_TYPES = pytest.mark.parametrize("make_key", [jax.random.key, jax.random.PRNGKey],
                                    ids=["typed", "raw"])


@pf.model
def normal_mean():
    mu = yield pfd.Normal(0.0, 10.0, name="mu")
    sigma = yield pfd.HalfNormal(2.0, name="sigma")
    yield pfd.Normal(jnp.full(8, mu), sigma, name="y")


Y = jnp.asarray([1.1, 0.4, 2.0, 1.6, 0.9, 1.3, 0.7, 1.5])
POSTERIOR = normal_mean().condition(y=Y)
OPTIMIZER = optax.adam(5e-2)  # one object: the compiled chunk is shared by the tests
KW = dict(num_steps=100, optimizer=OPTIMIZER, progress_bar=False)


def assert_same_tree(a, b):
    for x, y in zip(jax.tree_util.tree_leaves(a), jax.tree_util.tree_leaves(b), strict=True):
        np.testing.assert_array_equal(np.asarray(x), np.asarray(y))


@pytest.fixture(scope="module")
def reference():
    """The fits with typed keys, against which the raw-key results are compared."""
    return {
        "uniform": pf.vi.fit(POSTERIOR, key=jax.random.key(0), **KW),
        "prior": pf.vi.fit(POSTERIOR, key=jax.random.key(0), init="prior", **KW),
        "values": pf.vi.fit(POSTERIOR, key=jax.random.key(0), init={"sigma": 1.0}, **KW),
    }


@pytest.mark.compile_bound
@KEY_TYPES
@pytest.mark.parametrize("init", ["uniform", "prior", "values"])
def test_fit(make_key, init, reference):
    start = {"values": {"sigma": 1.0}}.get(init, init)
    fit = pf.vi.fit(POSTERIOR, key=make_key(0), init=start, **KW)
    assert np.all(np.isfinite(fit.losses))
    assert_same_tree(fit.params, reference[init].params)


@pytest.mark.compile_bound
@KEY_TYPES
def test_sample_resume_and_surrogate(make_key, reference):
    fit = reference["uniform"]
    idata = fit.sample(make_key(1), 50)
    assert idata.posterior["mu"].shape == (1, 50)
    np.testing.assert_array_equal(idata.posterior["mu"].values,
                                  fit.sample(jax.random.key(1), 50).posterior["mu"].values)
    draws = fit.surrogate.sample(make_key(2), (5,))
    assert_same_tree(draws, fit.surrogate.sample(jax.random.key(2), (5,)))
    more = fit.resume(10, key=make_key(3), progress_bar=False)
    assert more.num_steps == 110
    assert_same_tree(more.params,
                     fit.resume(10, key=jax.random.key(3), progress_bar=False).params)


@KEY_TYPES
def test_laplace(make_key):
    approx = pf.vi.laplace(POSTERIOR, key=make_key(0))
    loc = np.asarray(approx.params["loc"])
    # the mode of mu is near the data mean (the N(0, 10) prior pulls it by < 1%)
    assert abs(float(approx.surrogate.flat.mean()[0]) - float(Y.mean())) < 0.02
    np.testing.assert_array_equal(loc, pf.vi.laplace(POSTERIOR, key=jax.random.key(0))
                                  .params["loc"])
