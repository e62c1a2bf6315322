"""TFP's joint-distribution style: JointDistributionCoroutine with Root, experimental_pin,
StructTuple draws."""

import arviz as az
import jax
import jax.numpy as jnp
import numpy as np
import pytest
import scipy.stats as st

import probflow as pf
import probflow.distributions as pfd
from probflow.models.coroutine import (
    JointDistributionCoroutine,
    JointDistributionCoroutineAutoBatched,
)
from probflow.models.pinned import JointDistributionPinned
from probflow.models.struct import StructTuple

Root = JointDistributionCoroutine.Root
Y = np.array([0.3, -1.2, 2.1])


def _model():
    mu = yield Root(pfd.Normal(0.0, 2.0, name="mu"))
    sigma = yield Root(pfd.HalfNormal(1.0))  # unnamed: var1
    yield pfd.Independent(pfd.Normal(mu[..., None] * jnp.ones(3), sigma[..., None]), 1,
                          name="y")


def _reference(mu, sigma, y):
    return (st.norm(0, 2).logpdf(mu) + st.halfnorm(scale=1).logpdf(sigma)
            + st.norm(mu, sigma).logpdf(y).sum())


def test_coroutine_draws_names_and_log_prob():
    jd = JointDistributionCoroutine(_model)
    draws = jd.sample(seed=jax.random.key(0))
    assert isinstance(draws, StructTuple) and list(draws.keys()) == ["mu", "var1", "y"]
    mu, sigma, y = draws
    assert draws.y is y and draws["var1"] is sigma and draws[0] is mu
    want = _reference(0.4, 1.3, Y)
    for got in (jd.log_prob(0.4, 1.3, Y), jd.log_prob([0.4, 1.3, Y]),
                jd.log_prob(mu=0.4, var1=1.3, y=Y), jd.log_prob({"mu": 0.4, "var1": 1.3, "y": Y}),
                jd.log_prob(draws._replace(mu=0.4, var1=1.3, y=Y))):
        np.testing.assert_allclose(got, want, rtol=1e-12)
    many = jd.sample(jax.random.PRNGKey(1), (4, 2))
    assert many.y.shape == (4, 2, 3) and jd.log_prob(many).shape == (4, 2)
    parts = jd.log_prob_parts(0.4, 1.3, Y)
    np.testing.assert_allclose(sum(parts), want, rtol=1e-12)
    with pytest.raises(KeyError, match=r"\['z'\] are not variables"):
        jd.log_prob(z=1.0)
    with pytest.raises(TypeError, match="either by position or by name"):
        jd.log_prob(0.4, var1=1.3)


def test_coroutine_arguments_and_auto_batched():
    def vector_model():
        yield pfd.Normal(jnp.zeros(3), 1.0, name="x")

    jd = JointDistributionCoroutineAutoBatched(vector_model)
    np.testing.assert_allclose(jd.log_prob(jnp.ones(3)), 3 * st.norm.logpdf(1.0), rtol=1e-12)
    with pytest.raises(ValueError, match="batch_ndims must be None or 0"):
        JointDistributionCoroutine(vector_model, batch_ndims=1)
    with pytest.raises(TypeError, match="generator function"):
        JointDistributionCoroutine(lambda: pfd.Normal(0.0, 1.0))


def test_pin_is_condition_with_tfp_methods():
    jd = JointDistributionCoroutine(_model)
    pinned = jd.experimental_pin(y=Y)
    assert isinstance(pinned, pf.Posterior) and isinstance(pinned, JointDistributionPinned)
    assert pinned.latent_names == ("mu", "var1")
    same = [jd.experimental_pin(None, None, Y), jd.experimental_pin({"y": Y}),
            jd.experimental_pin([None, None, Y])]
    for other in same:
        assert other.latent_names == pinned.latent_names
    np.testing.assert_allclose(pinned.unnormalized_log_prob(mu=0.4, var1=1.3),
                               _reference(0.4, 1.3, Y), rtol=1e-12)
    np.testing.assert_allclose(pinned.log_prob(0.4, 1.3),
                               jd.condition(y=Y).log_density({"mu": 0.4, "var1": 1.3}),
                               rtol=1e-12)
    batch = pinned.unnormalized_log_prob(np.array([0.4, -0.1]), np.array([1.3, 0.6]))
    np.testing.assert_allclose(batch, [_reference(0.4, 1.3, Y), _reference(-0.1, 0.6, Y)],
                               rtol=1e-12)
    unpinned = pinned.sample_unpinned(3, seed=jax.random.key(2))
    assert list(unpinned.keys()) == ["mu", "var1"] and unpinned.mu.shape == (3,)
    with pytest.raises(KeyError, match=r"no value for the unpinned variables \['var1'\]"):
        pinned.unnormalized_log_prob(mu=0.4)
    # every joint form has experimental_pin, and TFP's sample call form
    named = pf.JointDistributionNamed({"mu": pfd.Normal(0.0, 1.0),
                                       "y": lambda mu: pfd.Normal(mu, 1.0)})
    assert named.experimental_pin(y=1.0).latent_names == ("mu",)
    assert named.sample((2,), seed=jax.random.key(0))["y"].shape == (2,)


def test_struct_tuple_is_a_pytree_and_a_mapping_by_name():
    s = StructTuple({"a": jnp.ones(2), "b": jnp.zeros(3)})
    doubled = jax.jit(lambda t: jax.tree_util.tree_map(lambda v: 2 * v, t))(s)
    assert isinstance(doubled, StructTuple) and doubled._fields == ("a", "b")
    assert dict(s).keys() == {"a", "b"} and {**s}["b"] is s.b and "a" in s
    paths = [jax.tree_util.keystr(p) for p, _ in jax.tree_util.tree_flatten_with_path(s)[0]]
    assert paths == [".a", ".b"]
    with pytest.raises(AttributeError, match="immutable"):
        s.a = 1
    with pytest.raises(KeyError, match="names are"):
        s["c"]


@pytest.mark.slow
@pytest.mark.filterwarnings("ignore::probflow.diagnostics.ConvergenceWarning")  # a short run
def test_pinned_coroutine_runs_under_nuts():
    def model():
        mu = yield Root(pfd.Normal(0.0, 10.0, name="mu"))
        yield pfd.Independent(pfd.Normal(mu[..., None] * jnp.ones(20), 1.0), 1, name="y")

    y = 1.5 + jax.random.normal(jax.random.key(5), (20,))
    pinned = JointDistributionCoroutine(model).experimental_pin(y=y)
    idata = pf.mcmc.sample(pinned, key=jax.random.key(0), num_chains=2, num_warmup=200,
                           num_samples=300, progress_bar=False)
    draws = np.asarray(idata.posterior["mu"]).ravel()
    # conjugate posterior N(sum(y) / (20 + 1/100), 1 / (20 + 1/100)); within 5 Monte Carlo
    # standard errors, from ArviZ's effective sample size of the run
    precision = 20 + 1 / 100
    mean, sd = float(jnp.sum(y)) / precision, precision ** -0.5
    ess = float(az.ess(idata)["mu"])
    assert abs(draws.mean() - mean) < 5 * sd / np.sqrt(ess)
    np.testing.assert_allclose(draws.std(), sd, rtol=0.25)
