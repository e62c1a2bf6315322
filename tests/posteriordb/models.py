"""posteriordb posteriors written as probflow models.

Each entry of ``POSTERIORS`` builds the conditioned ``pf.Posterior`` from the posterior's
``data.json`` (Stan's JSON format, in ``tests/data/posteriordb/<name>/``). Variable names
follow the Stan programs, so reference parameters ``name[i]`` map to ``draws[name][..., i - 1]``.
Stan's flat priors are written with ``pfd.Flat``/``pfd.HalfFlat``; Stan's "sampling statement on
a constrained parameter" (an unnormalised truncated density) is written with the truncated
distribution, whose normalising constant does not depend on the parameters.
"""

from __future__ import annotations

import json
import os

import jax
import jax.numpy as jnp
import numpy as np

import probflow as pf
from probflow import distributions as pfd
from probflow.distributions import constraints

DATA_DIR = os.path.join(os.path.dirname(os.path.dirname(__file__)), "data", "posteriordb")


def load_data(name: str) -> dict:
    with open(os.path.join(DATA_DIR, name, "data.json")) as f:
        return json.load(f)


def load_reference(name: str) -> dict:
    """``{parameter: (mean, sd, mcse_mean)}`` from the reference summary."""
    out = {}
    with open(os.path.join(DATA_DIR, "reference_summary.csv")) as f:
        next(f)
        for line in f:
            posterior, parameter, mean, sd, _, mcse = line.strip().split(",")
            if posterior == name:
                out[parameter] = (float(mean), float(sd), float(mcse))
    return out


def reference_draws(draws: dict, parameter: str) -> np.ndarray:
    """Select ``name[i,j]`` (1-based, Stan's naming) from draws shaped (chains, draws, ...)."""
    if "[" not in parameter:
        return np.asarray(draws[parameter])
    name, index = parameter[:-1].split("[")
    idx = tuple(int(i) - 1 for i in index.split(","))
    return np.asarray(draws[name])[(Ellipsis, *idx)]


def _f(x):
    return jnp.asarray(np.asarray(x, dtype=np.float64))


# -- hierarchical ---------------------------------------------------------------------------------

@pf.model
def eight_schools_noncentered(sigma):
    theta_trans = yield pfd.Normal(jnp.zeros(sigma.shape[0]), 1.0, name="theta_trans")
    mu = yield pfd.Normal(0.0, 5.0, name="mu")
    tau = yield pfd.HalfCauchy(0.0, 5.0, name="tau")
    theta = yield pf.Deterministic(theta_trans * tau + mu, name="theta")
    yield pfd.Normal(theta, sigma, name="y")


@pf.model
def eight_schools_centered(sigma):
    mu = yield pfd.Normal(0.0, 5.0, name="mu")
    tau = yield pfd.HalfCauchy(0.0, 5.0, name="tau")
    theta = yield pfd.Normal(jnp.full(sigma.shape[0], mu), tau, name="theta")
    yield pfd.Normal(theta, sigma, name="y")


def _eight_schools(model):
    def build(data):
        return model(_f(data["sigma"])).condition(y=_f(data["y"]))
    return build


# -- regressions ----------------------------------------------------------------------------------

@pf.model
def flat_regression(design, num_coefficients):
    """``y ~ Normal(X beta, sigma)`` with Stan's flat priors on beta and sigma."""
    beta = yield pfd.Flat((num_coefficients,), name="beta")
    sigma = yield pfd.HalfFlat(name="sigma")
    yield pfd.Normal(design @ beta, sigma, name="y")


def _earnings(data):
    design = jnp.stack([jnp.ones(data["N"]), _f(data["height"])], axis=1)
    return flat_regression(design, 2).condition(y=jnp.log10(_f(data["earn"])))


def _mesquite(data):
    d1, d2 = _f(data["diam1"]), _f(data["diam2"])
    columns = [jnp.ones(data["N"]), jnp.log(d1 * d2 * _f(data["canopy_height"])),
               jnp.log(d1 * d2), jnp.log(d1 / d2), jnp.log(_f(data["total_height"])),
               jnp.log(_f(data["density"])), _f(data["group"])]
    return flat_regression(jnp.stack(columns, axis=1), 7).condition(
        y=jnp.log(_f(data["weight"])))


def _nes(data):
    age = np.asarray(data["age_discrete"])
    columns = [np.ones(data["N"]), data["real_ideo"], data["race_adj"], age == 2, age == 3,
               age == 4, data["educ1"], data["gender"], data["income"]]
    design = jnp.asarray(np.stack([np.asarray(c, dtype=np.float64) for c in columns], axis=1))
    return flat_regression(design, 9).condition(y=_f(data["partyid7"]))


@pf.model
def kidscore_momiq(mom_iq):
    beta = yield pfd.Flat((2,), name="beta")
    sigma = yield pfd.HalfCauchy(0.0, 2.5, name="sigma")
    yield pfd.Normal(beta[0] + beta[1] * mom_iq, sigma, name="y")


@pf.model
def blr(design):
    beta = yield pfd.Normal(jnp.zeros(design.shape[1]), 10.0, name="beta")
    sigma = yield pfd.HalfNormal(10.0, name="sigma")
    yield pfd.Normal(design @ beta, sigma, name="y")


# -- time series ----------------------------------------------------------------------------------

@pf.model
def ar_k(y, order):
    alpha = yield pfd.Normal(0.0, 10.0, name="alpha")
    beta = yield pfd.Normal(jnp.zeros(order), 10.0, name="beta")
    sigma = yield pfd.HalfCauchy(0.0, 2.5, name="sigma")
    num = y.shape[0]
    lags = jnp.stack([y[order - k - 1: num - k - 1] for k in range(order)], axis=1)
    yield pfd.Normal(alpha + lags @ beta, sigma, name="y_future")


@pf.model
def arma11(y):
    mu = yield pfd.Normal(0.0, 10.0, name="mu")
    phi = yield pfd.Normal(0.0, 2.0, name="phi")
    theta = yield pfd.Normal(0.0, 2.0, name="theta")
    sigma = yield pfd.HalfCauchy(0.0, 2.5, name="sigma")

    def step(err_prev, y_pair):
        y_prev, y_now = y_pair
        nu = mu + phi * y_prev + theta * err_prev
        return y_now - nu, nu

    nu_first = mu + phi * mu
    _, nu_rest = jax.lax.scan(step, y[0] - nu_first, (y[:-1], y[1:]))
    nu = jnp.concatenate([nu_first[None], nu_rest])
    # err = y - nu is a unit-triangular map of y, so observing y ~ Normal(nu, sigma) is Stan's
    # err ~ normal(0, sigma).
    yield pfd.Normal(nu, sigma, name="y")


@pf.model
def garch11(y, sigma1):
    mu = yield pfd.Flat(name="mu")
    alpha0 = yield pfd.HalfFlat(name="alpha0")
    alpha1 = yield pfd.Uniform(0.0, 1.0, name="alpha1")
    beta1 = yield pfd.Uniform(0.0, 1.0 - alpha1, name="beta1")
    # Stan's flat prior on beta1 in (0, 1 - alpha1) is unnormalised; undo Uniform's 1/(1-alpha1).
    yield pf.Factor(jnp.log1p(-alpha1), name="flat_beta1")

    def step(sigma_prev, y_prev):
        sigma_now = jnp.sqrt(alpha0 + alpha1 * (y_prev - mu) ** 2 + beta1 * sigma_prev**2)
        return sigma_now, sigma_now

    _, sigma_rest = jax.lax.scan(step, sigma1, y[:-1])
    sigma = jnp.concatenate([jnp.reshape(sigma1, (1,)), sigma_rest])
    yield pfd.Normal(mu, sigma, name="y")


# -- latent Gaussian process ----------------------------------------------------------------------

@pf.model
def gp_pois_regr(x):
    rho = yield pfd.Gamma(25.0, 4.0, name="rho")
    alpha = yield pfd.HalfNormal(2.0, name="alpha")
    f_tilde = yield pfd.Normal(jnp.zeros(x.shape[0]), 1.0, name="f_tilde")
    sq = (x[:, None] - x[None, :]) ** 2
    cov = alpha**2 * jnp.exp(-0.5 * sq / rho**2) + 1e-10 * jnp.eye(x.shape[0])
    f = yield pf.Deterministic(jnp.linalg.cholesky(cov) @ f_tilde, name="f")
    yield pfd.Poisson(log_rate=f, name="k")


# -- mixtures and HMMs ----------------------------------------------------------------------------

@pf.model
def low_dim_gauss_mix():
    mu = yield pfd.ImproperUniform(constraints.ordered, event_shape=(2,), name="mu")
    yield pf.Factor(pfd.Normal(0.0, 2.0).log_prob(mu), name="mu_prior")
    sigma = yield pfd.HalfNormal(jnp.full(2, 2.0), name="sigma")
    theta = yield pfd.Beta(5.0, 5.0, name="theta")
    weights = pfd.Categorical(probs=jnp.stack([theta, 1.0 - theta]))
    yield pfd.MixtureSameFamily(weights, pfd.Normal(mu, sigma), name="y")


@pf.model
def hmm_example(y, num_states):
    theta1 = yield pfd.Dirichlet(jnp.ones(num_states), name="theta1")
    theta2 = yield pfd.Dirichlet(jnp.ones(num_states), name="theta2")
    mu = yield pfd.ImproperUniform(constraints.positive_ordered, event_shape=(num_states,),
                                   name="mu")
    yield pf.Factor(pfd.Normal(jnp.asarray([3.0, 10.0]), 1.0).log_prob(mu), name="mu_prior")
    log_transition = jnp.log(jnp.stack([theta1, theta2]))  # [from, to]
    emission = pfd.Normal(mu, 1.0).log_prob(y[:, None])  # (T, K)

    def forward(log_alpha, log_emission):
        log_alpha = jax.nn.logsumexp(log_alpha[:, None] + log_transition, axis=0) + log_emission
        return log_alpha, None

    log_alpha, _ = jax.lax.scan(forward, emission[0], emission[1:])
    yield pf.Factor(jax.nn.logsumexp(log_alpha), name="y_marginal")


POSTERIORS = {
    "eight_schools-eight_schools_noncentered": _eight_schools(eight_schools_noncentered),
    "eight_schools-eight_schools_centered": _eight_schools(eight_schools_centered),
    "earnings-log10earn_height": _earnings,
    "kidiq-kidscore_momiq": lambda d: kidscore_momiq(_f(d["mom_iq"])).condition(
        y=_f(d["kid_score"])),
    "mesquite-logmesquite_logvas": _mesquite,
    "nes1976-nes": _nes,
    "sblrc-blr": lambda d: blr(_f(d["X"])).condition(y=_f(d["y"])),
    "arK-arK": lambda d: ar_k(_f(d["y"]), int(d["K"])).condition(
        y_future=_f(d["y"])[int(d["K"]):]),
    "arma-arma11": lambda d: arma11(_f(d["y"])).condition(y=_f(d["y"])),
    "garch-garch11": lambda d: garch11(_f(d["y"]), _f(d["sigma1"])).condition(y=_f(d["y"])),
    "gp_pois_regr-gp_pois_regr": lambda d: gp_pois_regr(_f(d["x"])).condition(
        k=_f(d["k"])),
    "low_dim_gauss_mix-low_dim_gauss_mix": lambda d: low_dim_gauss_mix().condition(
        y=_f(d["y"])),
    "hmm_example-hmm_example": lambda d: hmm_example(_f(d["y"]), int(d["K"])).condition(),
}


def build(name: str):
    """The conditioned posterior of posteriordb's ``name``."""
    return POSTERIORS[name](load_data(name))
