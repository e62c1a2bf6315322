"""Accuracy against exact answers: conjugate models, mean-field theory, Laplace, flows, NUTS."""

import time

import jax
import jax.numpy as jnp
import numpy as np
import optax
import pytest

import probflow as pf
from probflow import distributions as pfd

PRIOR_SD = 2.0
NOISE_SD = 1.0


def _regression_data():
    rng = np.random.default_rng(0)
    n = 30
    base = rng.normal(size=(n, 1))
    x = np.concatenate([base + 0.3 * rng.normal(size=(n, 1)), rng.normal(size=(n, 1)),
                        base - 0.2 * rng.normal(size=(n, 1))], axis=1)
    beta = np.array([1.0, -0.5, 0.3])
    y = x @ beta + NOISE_SD * rng.normal(size=n)
    return x, y


@pf.model
def linear_regression(x):
    beta = yield pfd.Normal(jnp.zeros(3), PRIOR_SD, name="beta")
    yield pfd.Normal(x @ beta, NOISE_SD, name="y")


def _exact_regression(x, y):
    precision = x.T @ x / NOISE_SD**2 + np.eye(3) / PRIOR_SD**2
    covariance = np.linalg.inv(precision)
    return covariance @ x.T @ y / NOISE_SD**2, covariance, precision


@pytest.fixture(scope="module")
def regression():
    x, y = _regression_data()
    posterior = linear_regression(jnp.asarray(x)).condition(y=jnp.asarray(y))
    return posterior, _exact_regression(x, y)


def _decaying_adam(num_steps, start=3e-2, end=3e-4):
    return optax.adam(optax.exponential_decay(start, num_steps, end / start))


def _assert_gaussian_close(loc, covariance, exact_mean, exact_cov, rtol):
    sd = np.sqrt(np.diag(exact_cov))
    np.testing.assert_array_less(np.abs(np.asarray(loc) - exact_mean) / sd, rtol)
    np.testing.assert_array_less(np.abs(np.asarray(covariance) - exact_cov) / np.outer(sd, sd),
                                 rtol)


@pytest.mark.slow
def test_fullrank_recovers_the_conjugate_normal_posterior():
    y = jnp.asarray([2.3, 1.1, 3.0, 2.2, 1.7, 2.9, 2.5, 1.4])

    @pf.model
    def m():
        mu = yield pfd.Normal(1.0, 3.0, name="mu")
        yield pfd.Normal(jnp.full(8, mu), 0.5, name="y")

    precision = 1 / 9 + 8 / 0.25
    exact_mean = (1.0 / 9 + float(y.sum()) / 0.25) / precision
    fit = pf.vi.fit(m().condition(y=y), "fullrank", key=jax.random.key(0), num_steps=3000,
                    optimizer=_decaying_adam(3000), stick_the_landing=True, num_particles=4,
                    progress_bar=False)
    q = fit.surrogate.flat
    _assert_gaussian_close(q.mean(), q.covariance(), np.array([exact_mean]),
                           np.array([[1 / precision]]), 0.02)


@pytest.mark.slow
def test_fullrank_recovers_the_linear_regression_posterior(regression):
    posterior, (mean, cov, _) = regression
    fit = pf.vi.fit(posterior, "fullrank", key=jax.random.key(1), num_steps=4000,
                    optimizer=_decaying_adam(4000), stick_the_landing=True, num_particles=4,
                    progress_bar=False)
    q = fit.surrogate.flat
    _assert_gaussian_close(q.mean(), q.covariance(), mean, cov, 0.02)
    # the posterior is correlated (the test is not trivial)
    corr = cov / np.sqrt(np.outer(np.diag(cov), np.diag(cov)))
    assert np.abs(corr[0, 2]) > 0.5


@pytest.mark.slow
def test_meanfield_has_the_exact_means_and_the_known_variance_underestimate(regression):
    posterior, (mean, cov, precision) = regression
    fit = pf.vi.fit(posterior, "meanfield", key=jax.random.key(2), num_steps=6000,
                    optimizer=_decaying_adam(6000), num_particles=8, progress_bar=False)
    q = fit.surrogate.flat
    sd = np.sqrt(np.diag(cov))
    np.testing.assert_array_less(np.abs(np.asarray(q.mean()) - mean) / sd, 0.03)
    # the mean-field optimum of a Gaussian target: variances 1 / precision_ii
    meanfield_var = 1.0 / np.diag(precision)
    np.testing.assert_allclose(np.asarray(q.variance()), meanfield_var, rtol=0.05)
    assert np.all(meanfield_var < np.diag(cov))
    assert np.max(np.diag(cov) / meanfield_var) > 5  # a real underestimate


@pytest.mark.compile_bound
def test_laplace_is_exact_for_a_linear_gaussian_model(regression):
    posterior, (mean, cov, _) = regression
    approx = pf.vi.laplace(posterior, key=jax.random.key(0))
    q = approx.surrogate.flat
    np.testing.assert_allclose(np.asarray(q.mean()), mean, rtol=1e-8, atol=1e-10)
    np.testing.assert_allclose(np.asarray(q.covariance()), cov, rtol=1e-8, atol=1e-12)
    assert approx.guide.name == "laplace"
    idata = approx.sample(jax.random.key(1), 200)
    assert idata.posterior["beta"].shape == (1, 200, 3)


def test_laplace_with_adam_and_a_constrained_variable():
    @pf.model
    def m():
        s = yield pfd.Gamma(5.0, 2.0, name="s")
        yield pfd.Normal(jnp.zeros(4), s, name="y")

    approx = pf.vi.laplace(m().condition(y=jnp.asarray([1.0, -2.0, 0.5, 1.5])),
                           key=jax.random.key(0), optimizer=optax.adam(5e-2), num_steps=300)
    draws = approx.surrogate.sample(jax.random.key(1), (100,))
    assert bool(jnp.all(draws["s"] > 0))
    # the mode of the unconstrained density has zero gradient
    post = approx.posterior
    grad = jax.grad(lambda v: post.unconstrained_log_density(post.unflatten(v)))(
        approx.params["loc"])
    assert float(jnp.max(jnp.abs(grad))) < 1e-6


def test_laplace_rejects_a_flat_direction():
    @pf.model
    def m():
        a = yield pfd.Normal(0.0, 1.0, name="a")
        b = yield pfd.Normal(0.0, 1.0, name="b")
        yield pfd.Normal(a + b, 1.0, name="y")

    @pf.model
    def saddle():
        a = yield pfd.Normal(0.0, 1.0, name="a")
        yield pf.Factor(a**2, name="bump")  # log density 0.5 a^2: a minimum at 0, no mode

    approx = pf.vi.laplace(m().condition(y=1.0), key=jax.random.key(0))
    assert np.isfinite(np.asarray(approx.params["scale_tril"])).all()
    with pytest.raises(pf.vi.NotNegativeDefiniteError, match=r"not negative definite.*'a'"):
        pf.vi.laplace(saddle().condition(), key=jax.random.key(0), num_steps=0)


@pf.model
def banana():
    x = yield pfd.Normal(0.0, 1.0, name="x")
    yield pfd.Normal(x**2 - 1.0, 0.4, name="y")


def _elbo(fit, key, n=20_000):
    post = fit.surrogate.posterior
    q = fit.surrogate.flat
    v, log_q = q.sample_and_log_prob(key, (n,))
    log_p = jax.vmap(lambda u: post.unconstrained_log_density(post.unflatten(u)))(v)
    return float(jnp.mean(log_p - log_q))


@pytest.mark.slow
def test_flow_beats_fullrank_on_a_banana():
    posterior = banana().condition()
    common = dict(key=jax.random.key(0), num_steps=3000, progress_bar=False, num_particles=8,
                  optimizer=_decaying_adam(3000, 1e-2, 1e-3))
    fullrank = pf.vi.fit(posterior, "fullrank", **common)
    flow = pf.vi.fit(posterior, "flow", num_layers=2, hidden_units=(16, 16), **common)
    elbo_fullrank = _elbo(fullrank, jax.random.key(5))
    elbo_flow = _elbo(flow, jax.random.key(5))
    # the target is normalised: ELBO = -KL(q || p) <= 0
    assert elbo_flow <= 0.02 and elbo_fullrank <= 0.02
    print(f"banana ELBO: flow {elbo_flow:.3f}, fullrank {elbo_fullrank:.3f}, margin "
          f"{elbo_flow - elbo_fullrank:.3f} nats")
    assert elbo_flow - elbo_fullrank > 0.3


SCHOOLS_Y = jnp.asarray([28.0, 8.0, -3.0, 7.0, -1.0, 1.0, 18.0, 12.0])
SCHOOLS_SIGMA = jnp.asarray([15.0, 10.0, 16.0, 11.0, 9.0, 11.0, 10.0, 18.0])


@pf.model
def eight_schools(sigma):
    mu = yield pfd.Normal(0.0, 5.0, name="mu")
    tau = yield pfd.HalfCauchy(0.0, 5.0, name="tau")
    z = yield pfd.Normal(jnp.zeros(8), 1.0, name="z")
    yield pf.Deterministic(mu + tau * z, name="theta")
    yield pfd.Normal(mu + tau * z, sigma, name="y")


@pytest.mark.slow
def test_eight_schools_meanfield_means_match_nuts_with_the_defaults():
    # issue 15: with fit's defaults (adam(1e-2), 10 000 steps, averaging, one particle), the
    # meanfield means lie within 0.1 NUTS sd of NUTS's where meanfield can represent them:
    # mu and the non-centred z. tau (and theta = mu + tau z, which depends on tau through the
    # funnel meanfield cannot represent) stay off by about 0.2 sd; k-hat shows it.
    posterior = eight_schools(SCHOOLS_SIGMA).condition(y=SCHOOLS_Y)
    nuts = pf.mcmc.sample(posterior, key=jax.random.key(0), num_warmup=500, num_samples=1000,
                          progress_bar=False, warn=False)
    start = time.perf_counter()
    fit = pf.vi.fit(posterior, key=jax.random.key(1), progress_bar=False)
    print(f"eight schools meanfield: {time.perf_counter() - start:.1f} s, k-hat {fit.khat:.2f}")
    vi = fit.sample(jax.random.key(2), 4000)
    errors = {}
    for name in ("mu", "tau", "z", "theta"):
        ref = nuts.posterior[name]
        ref_mean = ref.mean(("chain", "draw")).values
        ref_sd = ref.std(("chain", "draw")).values
        vi_mean = vi.posterior[name].mean(("chain", "draw")).values
        errors[name] = np.abs(vi_mean - ref_mean) / ref_sd
        print(name, np.round(errors[name], 3))
    # NUTS's own Monte Carlo error on these means is about 0.02-0.03 sd (ESS > 1000)
    np.testing.assert_array_less(errors["mu"], 0.1)
    np.testing.assert_array_less(errors["z"], 0.1)
    np.testing.assert_array_less(errors["theta"], 0.3)
    assert 0.3 < fit.khat < 1.0  # usable, not exact: the funnel
