"""Models and posteriors survive copy.copy, copy.deepcopy, pickle and InferenceData.copy()."""

from __future__ import annotations

import copy
import pickle

import jax
import jax.numpy as jnp
import numpy as np
import pytest

import probflow as pf
from probflow import distributions as pfd
from probflow.models.joint import _ARRAY_SLOT


@pf.model(coords={"obs": list(range(6))}, dims={"y": "obs"})
def regression(x, scale, n=6):
    slope = yield pfd.Normal(0.0, scale, name="slope")
    sigma = yield pfd.HalfNormal(1.0, name="sigma")
    yield pf.Deterministic(2.0 * slope, name="double")
    yield pfd.Normal(slope * x[:n], sigma, name="y")


X = jnp.linspace(-1.0, 1.0, 6)
Y = 1.5 * X + jnp.asarray([0.1, -0.2, 0.05, 0.0, 0.2, -0.1])
POSTERIOR = regression(X, jnp.asarray(2.0)).condition(y=Y)
POINT = {"slope": jnp.asarray(1.2), "sigma": jnp.asarray(0.3)}

COPIES = {
    "copy": copy.copy,
    "deepcopy": copy.deepcopy,
    "pickle": lambda obj: pickle.loads(pickle.dumps(obj)),
}


@pytest.mark.parametrize("duplicate", COPIES.values(), ids=COPIES.keys())
def test_a_copied_posterior_has_the_same_density_and_structure(duplicate):
    twin = duplicate(POSTERIOR)
    assert twin is not POSTERIOR
    np.testing.assert_array_equal(twin.log_density(POINT), POSTERIOR.log_density(POINT))
    z = POSTERIOR.unconstrain(POINT)
    np.testing.assert_array_equal(twin.unconstrained_log_density(z),
                                  POSTERIOR.unconstrained_log_density(z))
    assert twin.latent_names == POSTERIOR.latent_names
    assert twin.model.dims_dict == POSTERIOR.model.dims_dict
    # same static structure: a jitted function compiled for one serves the other
    assert (jax.tree_util.tree_structure(twin) == jax.tree_util.tree_structure(POSTERIOR))


def test_the_array_slot_stays_one_object():
    assert copy.deepcopy(_ARRAY_SLOT) is _ARRAY_SLOT
    assert pickle.loads(pickle.dumps(_ARRAY_SLOT)) is _ARRAY_SLOT
    twin = pickle.loads(pickle.dumps(POSTERIOR.model))
    assert twin.fn is regression.generator_fn
    assert sum(s is _ARRAY_SLOT for s in twin.static_args) == 2  # x and scale


def test_a_model_of_a_local_function_deep_copies_but_does_not_pickle():
    @pf.model
    def local():
        yield pfd.Normal(jnp.zeros(2), 1.0, name="x")

    model = local()
    twin = copy.deepcopy(model)
    assert twin.fn is model.fn
    np.testing.assert_array_equal(twin.log_prob({"x": jnp.ones(2)}),
                                  model.log_prob({"x": jnp.ones(2)}))
    with pytest.raises((pickle.PicklingError, AttributeError), match="local"):
        pickle.dumps(model)


@pytest.mark.slow  # about 10 s: NUTS compiles for the run and for its extension
def test_inference_data_copy_and_extend_of_the_copy():
    idata = pf.mcmc.sample(POSTERIOR, key=jax.random.key(0), num_chains=2, num_warmup=50,
                           num_samples=20, progress_bar=False, warn=False)
    twin = idata.copy()  # a deep copy: the posterior and the final state travel with it
    np.testing.assert_array_equal(twin.posterior["slope"].values, idata.posterior["slope"].values)
    longer = pf.mcmc.extend(twin, 10, key=jax.random.PRNGKey(1), progress_bar=False, warn=False)
    assert longer.posterior.sizes["draw"] == 30
    np.testing.assert_array_equal(longer.posterior["slope"].values[:, :20],
                                  idata.posterior["slope"].values)
    assert np.all(np.isfinite(longer.posterior["slope"].values))
    # the same continuation from the original and from the copy
    direct = pf.mcmc.extend(idata, 10, key=jax.random.PRNGKey(1), progress_bar=False,
                            warn=False)
    np.testing.assert_allclose(longer.posterior["slope"].values,
                               direct.posterior["slope"].values, rtol=1e-6)
