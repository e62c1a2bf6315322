"""Common mistakes with @pf.model get messages that say the fix (issue 14)."""

import inspect
import pickle

import jax
import jax.numpy as jnp
import pytest

import probflow as pf
from probflow import distributions as pfd
from probflow.models.checks import check_not_model_builder, is_model_builder


@pf.model
def regression(x, sigma=1.0):
    w = yield pfd.Normal(0.0, 1.0, name="w")
    yield pfd.Normal(w * x, sigma, name="y")


@pytest.mark.parametrize("attribute", ["sample", "condition", "log_prob", "variables"])
def test_model_attribute_on_the_decorated_function_says_call_it(attribute):
    with pytest.raises(AttributeError) as err:
        getattr(regression, attribute)
    message = str(err.value)
    assert "call the model with its data, then .condition(...)" in message
    assert "regression(x, sigma=...).condition(" in message
    assert f"attribute {attribute!r}" in message


def test_other_attribute_is_a_plain_attribute_error():
    with pytest.raises(AttributeError, match="call it with the model's data"):
        regression.no_such_thing  # noqa: B018
    assert not hasattr(regression, "__array__")


def test_builder_still_behaves_like_the_function():
    assert regression.__name__ == "regression"
    assert list(inspect.signature(regression).parameters) == ["x", "sigma"]
    m = regression(jnp.ones(3))
    assert sorted(m.sample(jax.random.key(0))) == ["w", "y"]
    assert pickle.loads(pickle.dumps(regression)) is regression
    assert "regression" in repr(regression)


def test_is_model_builder_and_driver_check():
    assert is_model_builder(regression)
    assert not is_model_builder(regression(jnp.ones(2)))
    assert not is_model_builder(lambda: None)
    check_not_model_builder("pf.mcmc.sample", "target", regression(jnp.ones(2)))
    with pytest.raises(TypeError, match=r"pf.mcmc.sample: target is the @pf.model function "
                                        r"'regression', not a model; call the model with its "
                                        r"data, then \.condition"):
        check_not_model_builder("pf.mcmc.sample", "target", regression)


@pytest.mark.parametrize("point_mass", [pfd.Deterministic, pfd.VectorDeterministic])
def test_yielding_a_point_mass_distribution_points_to_pf_deterministic(point_mass):
    @pf.model
    def tfp_habit():
        mu = yield pfd.Normal(jnp.zeros(2), 1.0, name="mu")
        yield point_mass(2.0 * mu, name="twice")
        yield pfd.Normal(mu, 1.0, name="y")

    expected = (r"variable 'twice' is a point mass \(pfd\.\w*Deterministic\).*"
                r"yield pf\.Deterministic\(value, name='twice'\)")
    with pytest.raises(TypeError, match=expected):
        tfp_habit().variables()
    with pytest.raises(TypeError, match=expected):
        tfp_habit().condition(y=jnp.zeros(2))


def test_pf_deterministic_still_records_values():
    @pf.model
    def fine():
        mu = yield pfd.Normal(0.0, 1.0, name="mu")
        yield pf.Deterministic(2.0 * mu, name="twice")

    draws = fine().sample(jax.random.key(0))
    assert float(draws["twice"]) == pytest.approx(2.0 * float(draws["mu"]))
