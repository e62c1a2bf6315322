"""The common mistakes at pf.mcmc.sample get messages that say the fix."""

import jax
import jax.numpy as jnp
import numpy as np
import pytest

import probflow as pf
import probflow.distributions as pfd


@pf.model
def regression(x, y=None):
    w = yield pfd.Normal(0.0, 1.0, name="w")
    yield pfd.Normal(w * x, 1.0, name="y")


X = jnp.linspace(-1.0, 1.0, 5)


def test_model_function_instead_of_posterior():
    with pytest.raises(TypeError, match=r"target is the @pf.model function 'regression'.*"
                                        r"call the model with its data, then \.condition"):
        pf.mcmc.sample(regression, key=jax.random.key(0))


def test_unconditioned_model_numpyro_habit():
    # NumPyro passes data as an argument; here the model must be conditioned
    with pytest.raises(TypeError, match=r"nothing observed; condition it on data first: "
                                        r"pf\.mcmc\.sample\(model\.condition\(y=\.\.\.\)"):
        pf.mcmc.sample(regression(X, y=np.ones(5)), key=jax.random.key(0))


def test_key_passed_as_kernel():
    with pytest.raises(TypeError, match="pass the key as key="):
        pf.mcmc.sample(regression(X).condition(y=np.ones(5)), jax.random.key(0))
    with pytest.raises(TypeError, match="pass the key as key="):
        pf.mcmc.sample(regression(X).condition(y=np.ones(5)), jax.random.PRNGKey(0))


def test_not_a_target():
    with pytest.raises(TypeError, match=r"target must be a pf.Posterior \(model.condition"):
        pf.mcmc.sample(np.ones(3), key=jax.random.key(0))
