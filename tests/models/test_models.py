"""Joint distributions and the Posterior: densities against hand-written expressions, errors."""

from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np
import pytest
from jax.scipy import stats

import probflow as pf
from probflow import distributions as pfd

Y = jnp.asarray([28.0, 8.0, -3.0, 7.0, -1.0, 1.0, 18.0, 12.0])
SIGMA = jnp.asarray([15.0, 10.0, 16.0, 11.0, 9.0, 11.0, 10.0, 18.0])


@pf.model
def eight_schools_generator(sigma):
    mu = yield pfd.Normal(0.0, 5.0, name="mu")
    tau = yield pfd.HalfCauchy(0.0, 5.0, name="tau")
    z = yield pfd.Normal(jnp.zeros(8), 1.0, name="z")
    theta = yield pf.Deterministic(mu + tau * z, name="theta")
    yield pfd.Normal(theta, sigma, name="y")


def eight_schools_named(sigma):
    return pf.JointDistributionNamed({
        "mu": pfd.Normal(0.0, 5.0),
        "tau": pfd.HalfCauchy(0.0, 5.0),
        "z": pfd.Normal(jnp.zeros(8), 1.0),
        "y": lambda mu, tau, z: pfd.Normal(mu + tau * z, sigma),
    })


def eight_schools_sequential(sigma):
    return pf.JointDistributionSequential([
        pfd.Normal(0.0, 5.0, name="mu"),
        pfd.HalfCauchy(0.0, 5.0, name="tau"),
        pfd.Normal(jnp.zeros(8), 1.0, name="z"),
        lambda z, tau, mu: pfd.Normal(mu + tau * z, sigma, name="y"),
    ])


def hand_log_density(mu, tau, z, y, sigma):
    return (stats.norm.logpdf(mu, 0.0, 5.0)
            + jnp.log(2.0) + stats.cauchy.logpdf(tau, 0.0, 5.0)
            + jnp.sum(stats.norm.logpdf(z, 0.0, 1.0))
            + jnp.sum(stats.norm.logpdf(y, mu + tau * z, sigma)))


FORMS = [eight_schools_generator, eight_schools_named, eight_schools_sequential]


def random_points(key, n=5):
    k1, k2, k3 = jax.random.split(key, 3)
    return {
        "mu": jax.random.normal(k1, (n,)) * 3,
        "tau": jnp.exp(jax.random.normal(k2, (n,))),
        "z": jax.random.normal(k3, (n, 8)),
    }


@pytest.mark.parametrize("form", FORMS, ids=["generator", "named", "sequential"])
def test_eight_schools_log_density_matches_hand_written(form):
    model = form(SIGMA)
    points = random_points(jax.random.key(0))
    want = jax.vmap(lambda mu, tau, z: hand_log_density(mu, tau, z, Y, SIGMA))(
        points["mu"], points["tau"], points["z"])
    got_joint = model.log_prob({**points, "y": jnp.broadcast_to(Y, (5, 8))})
    # Equal up to a constant, and the constant is zero (every density is normalised).
    np.testing.assert_allclose(got_joint - want, 0.0, atol=1e-9)
    post = model.condition(y=Y)
    got = jax.vmap(post.log_density)(points)
    np.testing.assert_allclose(got, want, rtol=1e-10)


@pytest.mark.parametrize("form", FORMS, ids=["generator", "named", "sequential"])
def test_unconstrained_density_is_a_change_of_variables(form):
    post = form(SIGMA).condition(y=Y)
    z = post.init(jax.random.key(3), num_chains=3)
    for i in range(3):
        zi = jax.tree_util.tree_map(lambda x: x[i], z)
        latents = post.constrain(zi)
        # tau = softplus or exp of the unconstrained value: numerical derivative for the Jacobian.
        eps = 1e-6
        up = dict(zi, tau=zi["tau"] + eps)
        down = dict(zi, tau=zi["tau"] - eps)
        dtau = (post.constrain(up)["tau"] - post.constrain(down)["tau"]) / (2 * eps)
        want = post.log_density(latents) + jnp.log(jnp.abs(dtau))
        np.testing.assert_allclose(post.unconstrained_log_density(zi), want, rtol=1e-7)
        roundtrip = post.unconstrain(latents)
        for name in zi:
            np.testing.assert_allclose(roundtrip[name], zi[name], rtol=1e-8, atol=1e-10)


def test_deterministic_in_samples_not_in_density():
    model = eight_schools_generator(SIGMA)
    draws = model.sample(jax.random.key(0), (4,))
    np.testing.assert_allclose(draws["theta"], draws["mu"][:, None] + draws["tau"][:, None]
                               * draws["z"], rtol=1e-12)
    parts = model.log_prob_parts(draws)
    assert set(parts) == {"mu", "tau", "z", "y"}
    post = model.condition(y=Y)
    z = jax.tree_util.tree_map(lambda x: x[0], post.init(jax.random.key(1), 1))
    out = post.constrain(z, include_deterministic=True)
    assert set(out) == {"mu", "tau", "z", "theta"}


def test_autobatched_regression_matches_explicit_sum():
    key = jax.random.key(0)
    x = jax.random.normal(key, (1000,))
    y = 1.5 * x - 0.5 + 0.3 * jax.random.normal(jax.random.key(1), (1000,))

    @pf.model
    def regression(x):
        a = yield pfd.Normal(0.0, 1.0, name="a")
        b = yield pfd.Normal(jnp.zeros(2), 1.0, name="b")
        s = yield pfd.HalfNormal(1.0, name="s")
        yield pfd.Normal(a + b[0] * x + b[1] * x**2, s, name="y")

    values = {"a": jnp.asarray(0.2), "b": jnp.asarray([1.0, -0.1]), "s": jnp.asarray(0.4), "y": y}
    want = (stats.norm.logpdf(0.2, 0, 1) + jnp.sum(stats.norm.logpdf(values["b"], 0, 1))
            + jnp.log(2.0) + stats.norm.logpdf(0.4, 0, 1)
            + jnp.sum(stats.norm.logpdf(y, 0.2 + 1.0 * x - 0.1 * x**2, 0.4)))
    np.testing.assert_allclose(regression(x).log_prob(values), want, rtol=1e-10)


def test_condition_errors():
    model = eight_schools_generator(SIGMA)
    with pytest.raises(ValueError, match=r"'q' is not a variable of the model; its variables are "
                                         r"\['mu', 'tau', 'z', 'theta', 'y'\]"):
        model.condition(q=1.0)
    bad = Y.at[3].set(jnp.nan)
    with pytest.raises(ValueError, match=r"data for 'y' contains nan at index \(3,\)"):
        model.condition(y=bad)
    with pytest.raises(ValueError, match=r"data for 'y' has shape \(3,\), which does not broadcast "
                                         r"with the variable's shape \(8,\)"):
        model.condition(y=jnp.ones(3))
    with pytest.raises(ValueError, match="theta.*cannot be observed"):
        model.condition(theta=jnp.ones(8))


def test_discrete_latent_error():
    @pf.model
    def mixture():
        k = yield pfd.Bernoulli(probs=0.3, name="k")
        yield pfd.Normal(3.0 * k, 1.0, name="y")

    with pytest.raises(ValueError, match=r"latent variables \['k'\] are discrete.*marginalise"):
        mixture().condition(y=1.0)


def test_init_failure_names_variables():
    @pf.model
    def broken():
        yield pfd.Normal(0.0, 1.0, name="ok")
        s = yield pfd.HalfNormal(1.0, name="s")
        yield pfd.Normal(jnp.log(s - 1e6), 1.0, name="y")  # log of a negative number: NaN

    post = broken().condition(y=0.0)
    with pytest.raises(pf.models.InitializationError,
                       match=r"after 3 tries; non-finite log density in \['y'\]"):
        post.init(jax.random.key(0), 2, max_tries=3)


@pytest.mark.compile_bound
def test_init_strategies_and_values():
    post = eight_schools_generator(SIGMA).condition(y=Y)
    for strategy in ("uniform", "prior", "median"):
        z = post.init(jax.random.key(0), 3, strategy=strategy)
        assert z["z"].shape == (3, 8)
        assert np.all(np.isfinite(np.asarray(jax.vmap(post.unconstrained_log_density)(z))))
    z = post.init(jax.random.key(0), 2, values={"tau": 2.0})
    np.testing.assert_allclose(jax.vmap(post.constrain)(z)["tau"], 2.0, rtol=1e-10)
    with pytest.raises(ValueError, match="unknown strategy 'nope'"):
        post.init(jax.random.key(0), 2, strategy="nope")
    with pytest.raises(ValueError, match="num_chains must be a positive integer, got 0"):
        post.init(jax.random.key(0), 0)


def test_no_retrace_with_new_data_of_same_shape():
    traces = []

    def f(post, z):
        traces.append(1)
        return post.unconstrained_log_density(z)

    jf = jax.jit(f)
    post = eight_schools_generator(SIGMA).condition(y=Y)
    z = jax.tree_util.tree_map(lambda x: x[0], post.init(jax.random.key(0), 1))
    a = jf(post, z)
    b = jf(eight_schools_generator(SIGMA * 2).condition(y=Y + 1), z)
    assert len(traces) == 1
    assert not np.allclose(a, b)


def test_flatten_roundtrip_and_pointwise_log_likelihood():
    post = eight_schools_generator(SIGMA).condition(y=Y)
    z = jax.tree_util.tree_map(lambda x: x[0], post.init(jax.random.key(0), 1))
    vec = jax.jit(post.flatten)(z)
    assert vec.shape == (10,)
    back = jax.jit(post.unflatten)(vec)
    for name in z:
        np.testing.assert_array_equal(back[name], z[name])
    latents = post.constrain(z)
    ll = post.pointwise_log_likelihood(latents)
    assert ll["y"].shape == (8,)
    theta = latents["mu"] + latents["tau"] * latents["z"]
    np.testing.assert_allclose(ll["y"], stats.norm.logpdf(Y, theta, SIGMA), rtol=1e-10)


def test_model_requires_generator_and_names():
    with pytest.raises(TypeError, match="expects a generator function"):
        pf.model(lambda: None)

    @pf.model
    def unnamed():
        yield pfd.Normal(0.0, 1.0)

    with pytest.raises(ValueError, match="has no name"):
        unnamed().sample(jax.random.key(0))


def test_autobatched_vector_model_equals_explicit_independent():
    x = jax.random.normal(jax.random.key(0), (1000,))
    y = 1.5 * x - 0.5 + 0.3 * jax.random.normal(jax.random.key(1), (1000,))

    @pf.model
    def vectorised(x):
        b = yield pfd.Normal(jnp.zeros(2), 1.0, name="b")
        s = yield pfd.HalfNormal(1.0, name="s")
        yield pfd.Normal(b[0] + b[1] * x, s, name="y")

    explicit = pf.JointDistributionNamed({
        "b": pfd.Independent(pfd.Normal(jnp.zeros(2), 1.0), 1),
        "s": pfd.HalfNormal(1.0),
        "y": lambda b, s: pfd.Independent(pfd.Normal(b[..., :1] + b[..., 1:] * x, s[..., None]),
                                          1),
    })
    values = {"b": jnp.asarray([[0.2, 1.0], [-0.3, 2.0]]), "s": jnp.asarray([0.4, 1.1]),
              "y": jnp.stack([y, y])}
    np.testing.assert_allclose(vectorised(x).log_prob(values), explicit.log_prob(values),
                               rtol=1e-12)
