"""Model-language gaps from translating posteriordb models (issue 13).

* ``pf.models.Variable``: a prior restricted to a constraint in one statement (Stan's
  ``positive_ordered[2] phi; phi ~ normal([0, 3], 1)``), with prior draws, and a chosen
  unconstraining bijector (Stan's exp for positive parameters).
* ``pf.Factor(..., likelihood=True)``: a hand-written likelihood in ``log_likelihood``.
* ``PrecisionWarning``: float64 data used as float32 when JAX's 64-bit mode is off.

Statistical checks compare Monte Carlo means with exact values from quadrature, at four
Monte Carlo standard errors (a false failure about once in 16,000 runs per comparison; the
keys are fixed, so each run is reproducible).
"""

import warnings

import arviz as az
import jax
import jax.numpy as jnp
import numpy as np
import pytest
from scipy import integrate, stats

import probflow as pf
from probflow import bijectors as pfb
from probflow import distributions as pfd
from probflow.distributions import constraints
from probflow.models import PrecisionWarning, Variable

LOC = np.asarray([0.0, 3.0])  # Stan's phi ~ normal([0, 3], 1) on positive_ordered[2]
Y = np.asarray([0.8, -1.3, 0.4, 2.1, -0.6])
W = np.asarray([1.1, -0.2, 0.9, -1.7])


def phi_variable():
    return Variable(pfd.Normal(jnp.asarray(LOC), 1.0), name="phi",
                    constraint=constraints.positive_ordered)


def positive_ordered_moments():
    """E[phi_1], E[phi_2] for N([0, 3], I) restricted to 0 < phi_1 < phi_2 (quadrature)."""
    def density(x2, x1):
        return stats.norm.pdf(x1, LOC[0]) * stats.norm.pdf(x2, LOC[1])

    def moment(f):
        return integrate.dblquad(lambda x2, x1: f(x1, x2) * density(x2, x1), 0, 12,
                                 lambda x1: x1, 15)[0]

    mass = moment(lambda a, b: 1.0)
    return np.asarray([moment(lambda a, b: a), moment(lambda a, b: b)]) / mass


def assert_means_close(draws, exact, label):
    draws = np.asarray(draws)
    mcse = draws.std(axis=0) / np.sqrt(draws.shape[0])
    assert np.all(np.abs(draws.mean(axis=0) - exact) < 4 * mcse), (
        label, draws.mean(axis=0), exact, mcse)


# -- a prior restricted to a constraint -------------------------------------------------------
def test_restricted_density_is_the_base_inside_and_minus_inf_outside():
    phi = phi_variable()
    assert (phi.batch_shape, phi.event_shape) == ((), (2,))
    inside = np.asarray([[0.5, 2.0], [1.0, 4.0]])
    expected = stats.norm.logpdf(inside, LOC).sum(-1)
    np.testing.assert_allclose(phi.log_prob(inside), expected, rtol=1e-12)
    outside = np.asarray([[2.0, 1.0], [-0.5, 3.0]])
    assert np.all(np.isneginf(phi.log_prob(outside)))

    @pf.model
    def m():
        yield phi_variable()

    assert m().event_shape == {"phi": (2,)}
    np.testing.assert_allclose(m().log_prob({"phi": inside}), expected, rtol=1e-12)


@pytest.mark.parametrize("jit", [False, True])
def test_exchangeable_ordered_prior_is_sorted_exactly(jit):
    # i.i.d. N(0, 1) restricted to ordered vectors of 3: the order statistics, whose means are
    # -3/(2 sqrt(pi)), 0, 3/(2 sqrt(pi)). Rejection would accept 1 draw in 3! here, and 1 in
    # 10! (never, within the proposal budget) for the 10-vector below; sorting is exact.
    cut = Variable(pfd.Normal(jnp.zeros(3), 1.0), name="cut", constraint=constraints.ordered)
    draw = jax.jit(cut.sample, static_argnums=1) if jit else cut.sample
    x = draw(jax.random.key(0), (4000,))
    edge = 3.0 / (2.0 * np.sqrt(np.pi))
    assert_means_close(x, np.asarray([-edge, 0.0, edge]), "order statistics")
    ten = Variable(pfd.Normal(jnp.full(10, 2.0), 0.5), name="c",
                   constraint=constraints.ordered)
    draws = ten.sample(jax.random.PRNGKey(1), (50,))
    assert bool(jnp.all(constraints.ordered.check(draws)))


@pytest.mark.compile_bound
def test_positive_ordered_rejection_and_sorting_match_quadrature():
    # Non-exchangeable base (Stan's example): rejection sampling.
    x = phi_variable().sample(jax.random.key(2), (4000,))
    assert bool(jnp.all(constraints.positive_ordered.check(x)))
    assert_means_close(x, positive_ordered_moments(), "rejection")
    # Exchangeable base: positive by elementwise rejection, then sorted. With i.i.d. N(0, 1)
    # parts the result is the order statistics of two half-normal draws.
    y = Variable(pfd.Normal(jnp.zeros(2), 1.0), constraint=constraints.positive_ordered,
                 name="p").sample(jax.random.key(3), (4000,))
    low = integrate.quad(lambda t: (2.0 * stats.norm.sf(t)) ** 2, 0, np.inf)[0]
    high = 2.0 * np.sqrt(2.0 / np.pi) - low  # E[min] + E[max] = 2 E|Z|
    assert_means_close(y, np.asarray([low, high]), "sorted half-normals")


@pytest.mark.compile_bound
def test_hopeless_rejection_says_so():
    # Ten nearly i.i.d. parts (not exchangeable, so no sorting): acceptance about 1/10!.
    hopeless = Variable(pfd.Normal(jnp.arange(10.0) * 1e-3, 1.0), name="c",
                        constraint=constraints.ordered, max_proposals=2000)
    with pytest.raises(ValueError, match="Variable 'c': rejection sampling found no draw .* "
                                         "2000 proposals"):
        hopeless.sample(jax.random.key(0))

    @pf.model
    def m():
        yield Variable(pfd.Normal(jnp.arange(10.0) * 1e-3, 1.0), name="c",
                       constraint=constraints.ordered, max_proposals=2000)

    post = m().condition()
    with pytest.raises(pf.models.InitializationError, match=r"\['c'\] are NaN"):
        post.init(jax.random.key(0), 2, strategy="prior", max_tries=1)


def test_init_prior_and_prior_predictive_work():
    @pf.model
    def m():
        phi = yield phi_variable()
        yield pfd.Normal(phi, 1.0, name="y")

    post = m().condition(y=jnp.asarray([0.5, 2.5]))
    z = post.init(jax.random.PRNGKey(4), 4, strategy="prior")
    phi = jax.vmap(post.constrain)(z)["phi"]
    assert phi.shape == (4, 2) and bool(jnp.all(constraints.positive_ordered.check(phi)))
    prior = pf.sample_prior_predictive(post, 20, key=jax.random.key(5))
    assert prior.prior["phi"].shape == (1, 20, 2)
    assert prior.prior_predictive["y"].shape == (1, 20, 2)


def test_variable_argument_errors():
    with pytest.raises(ValueError, match="constraint Ordered maps .* outside the support "
                                         "GreaterThan"):
        Variable(pfd.HalfNormal(jnp.ones(2)), name="h", constraint=constraints.ordered)
    with pytest.raises(pf.core.errors.ShapeError, match="events of 1 dimension"):
        Variable(pfd.Normal(0.0, 1.0), name="s", constraint=constraints.ordered)
    with pytest.raises(ValueError, match="give constraint=.* bijector="):
        Variable(pfd.Normal(0.0, 1.0), name="s")
    with pytest.raises(TypeError, match="constraint must be a constraint"):
        Variable(pfd.Normal(0.0, 1.0), name="s", constraint="positive")
    with pytest.raises(TypeError, match="bijector must be a probflow bijector"):
        Variable(pfd.Normal(0.0, 1.0), name="s", bijector=jnp.exp)
    with pytest.raises(ValueError, match="continuous"):
        Variable(pfd.Poisson(3.0), name="k", bijector=pfb.Exp())


# -- a chosen unconstraining bijector ---------------------------------------------------------
def test_bijector_must_map_onto_the_support():
    with pytest.raises(ValueError, match="'mu': the bijector Exp does not map onto the support"):
        Variable(pfd.Normal(0.0, 1.0), name="mu", bijector=pfb.Exp())
    with pytest.raises(ValueError, match="'p': the bijector Softplus maps .* outside the "
                                         "support Interval"):
        Variable(pfd.Uniform(0.0, 1.0), name="p", bijector=pfb.Softplus())

    # A support that depends on another latent: built on traced values, checked at condition.
    @pf.model
    def m():
        tau = yield pfd.HalfNormal(1.0, name="tau")
        yield Variable(pfd.Uniform(0.0, tau), name="u", bijector=pfb.Exp())

    with pytest.raises(pf.models.variable.VariableSupportError,
                       match="'u': the bijector Exp maps .* outside"):
        m().condition()

    # The check runs the model at the unconstrained origin; an error there that is not the
    # check's (a scale of 0 at sigma = 1) is left to inference to report.
    @pf.model
    def shifted():
        sigma = yield Variable(pfd.HalfNormal(1.0), name="sigma", bijector=pfb.Exp())
        yield pfd.Normal(0.0, sigma - 1.0, name="y")

    assert shifted().condition(y=0.5).latent_names == ("sigma",)


def exp_model(y, w):
    @pf.model
    def m(y, w):
        sigma = yield Variable(pfd.HalfNormal(1.0), name="sigma", bijector=pfb.Exp())
        yield phi_variable()
        yield pfd.Normal(jnp.zeros(y.shape[0]), sigma, name="y")
        yield pf.Factor(pfd.Normal(0.0, sigma).log_prob(w), name="w", likelihood=True)

    return m(jnp.asarray(y), jnp.asarray(w)).condition(y=jnp.asarray(y))


def test_exp_bijector_gives_the_exp_jacobian():
    post = exp_model(Y, W)
    z = {"sigma": jnp.asarray(-0.3), "phi": jnp.asarray([0.2, -0.5])}
    sigma = np.exp(-0.3)
    phi = np.cumsum(np.exp([0.2, -0.5]))  # positive_ordered's default: Cumsum after Exp
    by_hand = (stats.halfnorm.logpdf(sigma) - 0.3  # log|d exp(z)/dz| = z
               + stats.norm.logpdf(phi, LOC).sum() + 0.2 - 0.5
               + stats.norm.logpdf(Y, 0.0, sigma).sum() + stats.norm.logpdf(W, 0.0, sigma).sum())
    np.testing.assert_allclose(post.unconstrained_log_density(z), by_hand, rtol=1e-12)
    np.testing.assert_allclose(post.constrain(z)["sigma"], sigma, rtol=1e-12)
    np.testing.assert_allclose(post.unconstrain({"sigma": 2.0, "phi": phi})["sigma"],
                               np.log(2.0), rtol=1e-12)
    parts = post.log_density_parts(z)
    np.testing.assert_allclose(parts["sigma"], stats.halfnorm.logpdf(sigma) - 0.3, rtol=1e-12)


def sigma_posterior_moments():
    """E[sigma], E[log sigma] given Y and W, with a HalfNormal(1) prior (quadrature)."""
    data = np.concatenate([Y, W])

    def density(s):
        return stats.halfnorm.pdf(s) * np.exp(stats.norm.logpdf(data, 0.0, s).sum())

    mass = integrate.quad(density, 0, 20, points=[1.0])[0]
    return np.asarray([integrate.quad(lambda s: f(s) * density(s), 0, 20, points=[1.0])[0]
                       for f in (lambda s: s, np.log)]) / mass


@pytest.mark.slow
def test_nuts_with_exp_bijector_and_restricted_prior_matches_quadrature():
    post = exp_model(Y, W)
    idata = pf.mcmc.sample(post, key=jax.random.key(6), num_chains=4, num_warmup=500,
                           num_samples=1000, init="prior", progress_bar=False)
    sigma = idata.posterior["sigma"]
    got = np.asarray([float(sigma.mean()), float(np.log(sigma).mean())])
    mcse = np.asarray([float(az.mcse(sigma)["sigma"]),
                       float(az.mcse(np.log(sigma))["sigma"])])
    exact = sigma_posterior_moments()
    assert np.all(np.abs(got - exact) < 4 * mcse), (got, exact, mcse)
    phi = idata.posterior["phi"]  # the data do not touch phi: its posterior is the prior
    mcse_phi = np.asarray(az.mcse(idata, var_names=["phi"])["phi"])
    exact_phi = positive_ordered_moments()
    assert np.all(np.abs(phi.mean(("chain", "draw")).values - exact_phi) < 4 * mcse_phi)
    # The hand-written likelihood is in log_likelihood next to the observed one; LOO works.
    assert idata.log_likelihood["w"].shape == (4, 1000, 4)
    assert idata.log_likelihood["y"].shape == (4, 1000, 5)
    assert np.isfinite(az.loo(idata, var_name="w").elpd_loo)


# -- a hand-written likelihood ----------------------------------------------------------------
def test_likelihood_factor_matches_an_observed_variable():
    @pf.model
    def observed():
        mu = yield pfd.Normal(0.0, 2.0, name="mu")
        yield pfd.Normal(jnp.full(5, mu), 1.0, name="y")

    @pf.model(dims={"y": ["obs"]})
    def factor(y):
        mu = yield pfd.Normal(0.0, 2.0, name="mu")
        yield pf.Factor(pfd.Normal(mu, 1.0).log_prob(y), name="y", likelihood=True)

    plain = observed().condition(y=jnp.asarray(Y))
    hand = factor(jnp.asarray(Y)).condition()
    assert hand.likelihood_names == ("y",) and plain.likelihood_names == ("y",)
    draws = {"mu": np.asarray(jax.random.normal(jax.random.key(7), (2, 300))) * 0.4 + 0.3}
    a = pf.to_inference_data(plain, draws=draws, log_likelihood=True)
    b = pf.to_inference_data(hand, draws=draws, log_likelihood=True)
    np.testing.assert_allclose(b.log_likelihood["y"].values, a.log_likelihood["y"].values,
                               rtol=1e-12)
    assert b.log_likelihood["y"].dims == ("chain", "draw", "obs")
    np.testing.assert_allclose(az.loo(b).elpd_loo, az.loo(a).elpd_loo, rtol=1e-12)
    z = {"mu": jnp.asarray(0.1)}
    np.testing.assert_allclose(hand.log_density(z), plain.log_density(z), rtol=1e-12)


def test_likelihood_factor_errors():
    with pytest.raises(ValueError, match="Factor 'y': a likelihood needs one log-density term "
                                         "per observation"):
        pf.Factor(jnp.asarray(-3.0), name="y", likelihood=True)
    with pytest.raises(TypeError, match="likelihood must be True or False"):
        pf.Factor(jnp.zeros(3), name="y", likelihood="yes")


# -- float64 data with JAX's 64-bit mode off --------------------------------------------------
@pf.model
def regression(x):
    beta = yield pfd.Normal(0.0, 1.0, name="beta")
    yield pfd.Normal(beta * x, 1.0, name="y")


def test_float64_data_warn_once_per_line_when_x64_is_off():
    x = np.linspace(0.1, 1.0, 5)
    y = np.asarray([0.1, 0.3, 0.2, 0.9, 1.1])
    with jax.enable_x64(False), warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("default")
        for _ in range(3):
            regression(x).condition(y=y)
    messages = [str(w.message) for w in caught if w.category is PrecisionWarning]
    assert len(messages) == 2, messages  # one for x, one for y, not one per call
    assert any("model argument 'x' are float64" in m for m in messages)
    assert any("data for 'y' are float64" in m and "jax_enable_x64" in m for m in messages)
    assert all(w.filename == __file__ for w in caught if w.category is PrecisionWarning)
    with jax.enable_x64(False), warnings.catch_warnings():
        warnings.simplefilter("error", PrecisionWarning)
        regression(x.astype(np.float32)).condition(y=np.asarray([1.0, 2.0, 0.0, 3.0, 4.0]))
    with warnings.catch_warnings():  # 64-bit mode on (the test suite's): nothing is lost
        warnings.simplefilter("error", PrecisionWarning)
        regression(x).condition(y=y)
