"""Posterior.init's user-given values and the NaN/inf checks of data and model arguments.

Each error must name the variable, what was expected and the function that raised it.
"""

from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np
import pytest

import probflow as pf
from probflow import distributions as pfd
from probflow.core.errors import ParameterError, ShapeError


@pf.model
def regression(x):
    slope = yield pfd.Normal(0.0, 1.0, name="slope")
    weights = yield pfd.Normal(jnp.zeros(3), 1.0, name="weights")
    sigma = yield pfd.HalfNormal(1.0, name="sigma")
    probs = yield pfd.Dirichlet(jnp.ones(3), name="probs")
    yield pfd.Normal(slope * x + jnp.sum(weights * probs), sigma, name="y")


X = jnp.linspace(-1.0, 1.0, 10)
POSTERIOR = regression(X).condition(y=2.0 * X)
KEY = jax.random.key(0)


@pytest.mark.parametrize("values, error, message", [
    ({"slope": jnp.zeros(3)}, ShapeError,
     r"init: values\['slope'\] has shape \(3,\), but 'slope' has shape \(\) \(a value must have "
     r"that shape or broadcast to it\)"),
    ({"weights": jnp.zeros(2)}, ShapeError,
     r"init: values\['weights'\] has shape \(2,\), but 'weights' has shape \(3,\)"),
    ({"sigma": -1.0}, ParameterError,
     r"init: values\['sigma'\] = -1.0 is outside the support of 'sigma' \(HalfNormal, support "
     r"GreaterThan\(lower=0.0, closed=True\)\)"),
    ({"sigma": 0.0}, ParameterError,
     r"init: values\['sigma'\] = 0.0 is on the edge of the support of 'sigma'.*strictly inside"),
    ({"weights": jnp.asarray([0.0, jnp.nan, 1.0])}, ValueError,
     r"init: the value for 'weights' contains nan at index \(1,\)"),
    ({"probs": jnp.asarray([0.5, 0.6, -0.1])}, ParameterError,
     r"init: values\['probs'\] = \[ 0.5  0.6 -0.1\] is outside the support of 'probs' "
     r"\(Dirichlet, support Simplex\(\)\)"),
    ({"q": 1.0}, ValueError,
     r"init: values for \['q'\], which are not latent variables; latent variables are "
     r"\['slope', 'weights', 'sigma', 'probs'\]"),
    ({"y": jnp.zeros(10)}, ValueError,
     r"init: values for \['y'\], which are not latent variables; \['y'\] is observed"),
    ({"slope": "a"}, TypeError, r"init: values\['slope'\] must be an array of numbers"),
])
def test_bad_initial_values_name_the_variable_and_the_expectation(values, error, message):
    with pytest.raises(error, match=message):
        POSTERIOR.init(KEY, 2, values=values)


def test_a_vector_value_outside_the_support_gives_the_index():
    @pf.model
    def scales():
        yield pfd.HalfNormal(jnp.ones(4), name="s")

    with pytest.raises(ParameterError, match=r"values\['s'\] = \[ 1\.  2\. -3\.  4\.\] is outside "
                                             r"the support of 's'.* at index \(2,\) \(-3\.0\)"):
        scales().condition().init(KEY, 1, values={"s": jnp.asarray([1.0, 2.0, -3.0, 4.0])})


def test_initial_values_broadcast_and_are_kept_exactly():
    z = POSTERIOR.init(KEY, 3, values={"weights": 0.25, "sigma": 2, "probs": [0.2, 0.3, 0.5]})
    latents = jax.vmap(POSTERIOR.constrain)(z)
    np.testing.assert_allclose(latents["weights"], np.full((3, 3), 0.25), rtol=1e-6)
    np.testing.assert_allclose(latents["sigma"], np.full(3, 2.0), rtol=1e-6)
    np.testing.assert_allclose(latents["probs"], np.tile([0.2, 0.3, 0.5], (3, 1)), rtol=1e-5)
    # the free latent is drawn per chain (uniform in (-2, 2)), not fixed
    assert np.unique(np.asarray(z["slope"])).size == 3
    assert np.all(np.abs(np.asarray(z["slope"])) < 2.0)


def test_nan_in_a_model_argument_is_caught_by_condition():
    bad = X.at[3].set(jnp.nan)
    with pytest.raises(ValueError, match=r"condition: model argument 'x' contains nan at index "
                                         r"\(3,\); remove or impute missing values"):
        regression(bad).condition(y=2.0 * X)
    with pytest.raises(ValueError, match=r"condition: model argument 'x' contains inf"):
        regression(X.at[0].set(jnp.inf)).condition(y=2.0 * X)


def test_nan_in_a_nested_model_argument_is_named_by_its_path():
    @pf.model
    def nested(inputs, n):
        b = yield pfd.Normal(0.0, 1.0, name="b")
        yield pfd.Normal(b * inputs["x"][:n], 1.0, name="y")

    x = np.ones(4)
    x[2] = np.nan
    with pytest.raises(ValueError, match=r"model argument \"inputs\['x'\]\" contains nan at index "
                                         r"\(2,\)"):
        nested({"x": x}, 4).condition(y=jnp.zeros(4))
    # integer and finite arrays pass
    nested({"x": np.arange(4)}, 4).condition(y=jnp.zeros(4))

