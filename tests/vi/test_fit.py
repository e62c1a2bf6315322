"""pf.vi.fit: guides, estimators, results (sampling, jit, continuing), reproducibility."""

import arviz as az
import jax
import jax.numpy as jnp
import numpy as np
import optax
import pytest

import probflow as pf
from probflow import distributions as pfd

# one optimizer object shared by the tests, so that runs of similar lengths reuse one compiled
# chunk (the optimizer is part of the compiled function's static configuration)
OPT = optax.adam(3e-2)
Y = jnp.asarray([1.2, 0.4, 2.1, 1.5, 0.9, 1.7, 1.1, 0.3, 1.9, 1.4])


@pf.model
def normal_model():
    mu = yield pfd.Normal(0.0, 10.0, name="mu")
    sigma = yield pfd.HalfNormal(2.0, name="sigma")
    yield pfd.Normal(jnp.full(10, mu), sigma, name="y")


@pytest.fixture(scope="module")
def posterior():
    return normal_model().condition(y=Y)


@pytest.fixture(scope="module")
def meanfield_fit(posterior):
    return pf.vi.fit(posterior, key=jax.random.key(0), num_steps=1500,
                     optimizer=OPT, progress_bar=False)


def test_meanfield_finds_the_posterior(meanfield_fit):
    draws = meanfield_fit.surrogate.sample(jax.random.key(1), (4000,))
    assert draws["mu"].shape == (4000,)
    assert bool(jnp.all(draws["sigma"] > 0))
    assert abs(float(draws["mu"].mean()) - float(Y.mean())) < 0.1
    assert 0.4 < float(jnp.median(draws["sigma"])) < 0.9
    assert meanfield_fit.losses.shape == (1500,)
    assert isinstance(meanfield_fit.losses, np.ndarray)
    # the loss decreased
    assert meanfield_fit.losses[-100:].mean() < meanfield_fit.losses[:10].mean() - 10


@pytest.mark.compile_bound
@pytest.mark.parametrize("guide", ["fullrank", "lowrank", "map"])
def test_other_guides_run_and_agree(posterior, meanfield_fit, guide):
    fit = pf.vi.fit(posterior, guide, key=jax.random.key(0), num_steps=1500,
                    optimizer=OPT, progress_bar=False,
                    **({"rank": 1} if guide == "lowrank" else {}))
    mean = fit.surrogate.sample(jax.random.key(1), (2000,))["mu"].mean()
    assert abs(float(mean) - float(Y.mean())) < 0.12
    assert fit.guide.name == guide


def test_map_is_the_constrained_mode():
    # s ~ Gamma(3, 1): the density of s peaks at 2; the density of the unconstrained
    # u = softplus^-1(s) (with its Jacobian) peaks elsewhere. "map" finds the former.
    @pf.model
    def m():
        yield pfd.Gamma(3.0, 1.0, name="s")

    fit = pf.vi.fit(m().condition(), "map", key=jax.random.key(0), num_steps=2000,
                    optimizer=optax.adam(5e-2), progress_bar=False)
    draws = fit.surrogate.sample(jax.random.key(1), (5,))
    np.testing.assert_allclose(np.asarray(draws["s"]), 2.0, atol=1e-3)  # a point mass


@pytest.mark.compile_bound
def test_surrogate_log_prob_matches_change_of_variables(posterior, meanfield_fit):
    q = meanfield_fit.surrogate
    draws = q.sample(jax.random.key(3), (7,))
    log_q = jax.jit(lambda q, d: q.log_prob(d))(q, draws)
    assert log_q.shape == (7,)
    # by hand: the meanfield density of the unconstrained values minus the Jacobian of
    # sigma = softplus(u)
    z = jax.vmap(posterior.unconstrain)(draws)
    flat = jax.vmap(posterior.flatten)(z)
    u = z["sigma"]
    expected = q.flat.log_prob(flat) - jnp.log(jax.nn.sigmoid(u))
    np.testing.assert_allclose(np.asarray(log_q), np.asarray(expected), rtol=1e-10)
    assert q.unconstrained_log_prob(z).shape == (7,)
    one = {k: v[0] for k, v in draws.items()}
    assert q.log_prob(one).shape == ()


@pytest.mark.filterwarnings("ignore:Estimated shape parameter of Pareto")
def test_sample_gives_inference_data_that_loo_accepts(meanfield_fit):
    idata = meanfield_fit.sample(jax.random.key(4), 500)
    assert set(idata.groups()) >= {"posterior", "log_likelihood", "observed_data"}
    assert idata.posterior["mu"].shape == (1, 500)
    assert idata.log_likelihood["y"].shape == (1, 500, 10)
    assert idata.posterior.attrs["guide"] == "meanfield"
    loo = az.loo(idata)
    assert np.isfinite(loo.elpd_loo)
    no_ll = meanfield_fit.sample(jax.random.key(4), 10, log_likelihood=False)
    assert "log_likelihood" not in no_ll.groups()
    with pytest.raises(ValueError, match="num_samples must be a positive integer"):
        meanfield_fit.sample(jax.random.key(4), 0)


def test_same_key_same_result_and_chunking_does_not_matter(posterior):
    kwargs = dict(key=jax.random.key(11), optimizer=OPT, progress_bar=False)
    a = pf.vi.fit(posterior, num_steps=120, **kwargs)
    b = pf.vi.fit(posterior, num_steps=120, **kwargs)
    np.testing.assert_array_equal(a.losses, b.losses)
    for x, y in zip(jax.tree_util.tree_leaves(a.params), jax.tree_util.tree_leaves(b.params),
                    strict=True):
        np.testing.assert_array_equal(np.asarray(x), np.asarray(y))
    c = pf.vi.fit(posterior, num_steps=120, key=jax.random.key(12), optimizer=OPT,
                  progress_bar=False)
    assert not np.array_equal(a.losses, c.losses)
    # a shorter run (chunks of the same size here, but not a whole number of them) takes the
    # same first steps
    short = pf.vi.fit(posterior, num_steps=90, **kwargs)
    np.testing.assert_array_equal(short.losses, a.losses[:90])


def test_result_is_a_pytree_that_passes_jit(meanfield_fit):
    @jax.jit
    def draw(result, key):
        return result.surrogate.sample(key, (3,))["mu"]

    assert draw(meanfield_fit, jax.random.key(0)).shape == (3,)
    leaves = jax.tree_util.tree_leaves(meanfield_fit)
    assert leaves
    rebuilt = jax.tree_util.tree_map(lambda x: x, meanfield_fit)
    assert rebuilt.guide == meanfield_fit.guide


def test_continue_from_params_and_resume(posterior, meanfield_fit):
    more = meanfield_fit.resume(200, key=jax.random.key(5), progress_bar=False)
    assert more.losses.shape == (1700,)
    np.testing.assert_array_equal(more.losses[:1500], meanfield_fit.losses)
    again = pf.vi.fit(posterior, key=jax.random.key(5), num_steps=200,
                      init_params=meanfield_fit.params, optimizer=OPT,
                      progress_bar=False)
    # starting at the optimum: the loss stays near the end of the first run
    assert abs(again.losses[:50].mean() - meanfield_fit.losses[-200:].mean()) < 1.0
    with pytest.raises(ValueError, match="init_params does not match"):
        pf.vi.fit(posterior, "fullrank", key=jax.random.key(5), num_steps=10,
                  init_params=meanfield_fit.params, progress_bar=False)


@pytest.mark.compile_bound
def test_custom_guide(posterior):
    def fn(p):
        return pfd.MultivariateNormalDiag(p["loc"], jnp.exp(p["log_scale"]))

    guide = pf.vi.CustomGuide({"loc": jnp.zeros(2), "log_scale": jnp.full(2, -2.0)}, fn,
                              analytic_entropy=True)
    fit = pf.vi.fit(posterior, guide, key=jax.random.key(0), num_steps=1500,
                    optimizer=OPT, progress_bar=False)
    assert fit.elbo.entropy == "analytic"
    mean = fit.surrogate.sample(jax.random.key(1), (2000,))["mu"].mean()
    assert abs(float(mean) - float(Y.mean())) < 0.12


@pytest.mark.compile_bound
@pytest.mark.parametrize("options", [
    dict(objective="iwae", num_particles=8),
    dict(stick_the_landing=True, num_particles=2),
    dict(entropy="mc"),
])
def test_estimators_agree(posterior, meanfield_fit, options):
    fit = pf.vi.fit(posterior, key=jax.random.key(0), num_steps=1500,
                    optimizer=OPT, progress_bar=False, **options)
    assert fit.elbo.entropy == "mc"
    mean = fit.surrogate.sample(jax.random.key(1), (2000,))["mu"].mean()
    assert abs(float(mean) - float(Y.mean())) < 0.12
    # the converged losses are all near the meanfield one (IWAE's bound is tighter: lower loss)
    end, reference = fit.losses[-300:].mean(), meanfield_fit.losses[-300:].mean()
    assert abs(end - reference) < 0.5


def test_iwae_bound_is_tighter_than_elbo(meanfield_fit):
    # at the same parameters, E[IWAE loss] <= E[-ELBO]
    post, guide, params = meanfield_fit.posterior, meanfield_fit.guide, meanfield_fit.params

    def log_density(v):
        return post.unconstrained_log_density(post.unflatten(v))

    keys = jax.random.split(jax.random.key(0), 200)
    elbo = pf.vi.ELBOConfig(num_particles=16)
    iwae = pf.vi.ELBOConfig(num_particles=16, objective="iwae")
    f = jax.jit(jax.vmap(lambda k, c: pf.vi.negative_elbo(k, params, guide, log_density, c),
                         in_axes=(0, None)), static_argnums=1)
    assert float(f(keys, iwae).mean()) < float(f(keys, elbo).mean())


def test_tol_stops_early(posterior):
    fit = pf.vi.fit(posterior, key=jax.random.key(0), num_steps=20_000,
                    optimizer=OPT, tol=1e-2, progress_bar=False)
    assert fit.converged
    assert fit.num_steps < 20_000
    assert fit.num_steps % 512 == 0  # stops between chunks of 512 steps (20 000 / 40, rounded up to a power of 2)


def test_progress_bar_runs(posterior, capsys):
    fit = pf.vi.fit(posterior, key=jax.random.key(0), num_steps=80, progress_bar=True)
    assert fit.num_steps == 80
    assert "neg_elbo" in capsys.readouterr().err


@pytest.mark.compile_bound
def test_deterministics_are_in_the_samples():
    @pf.model
    def m():
        a = yield pfd.Normal(0.0, 1.0, name="a")
        yield pf.Deterministic(2.0 * a, name="twice")
        yield pfd.Normal(a, 1.0, name="y")

    fit = pf.vi.fit(m().condition(y=1.0), key=jax.random.key(0), num_steps=50,
                    progress_bar=False)
    idata = fit.sample(jax.random.key(1), 20)
    np.testing.assert_allclose(idata.posterior["twice"].values,
                               2 * idata.posterior["a"].values, rtol=1e-12)
