"""Prior/posterior predictive sampling and to_inference_data."""

from __future__ import annotations

import arviz as az
import jax
import jax.numpy as jnp
import numpy as np
import pytest

import probflow as pf
from probflow import distributions as pfd


@pf.model(coords={"obs": list(range(5))}, dims={"y": "obs"})
def conjugate(x):
    mu = yield pfd.Normal(0.0, 2.0, name="mu")
    yield pf.Deterministic(mu * 2.0, name="twice")
    yield pfd.Normal(mu + 0.0 * x, 1.0, name="y")


X = jnp.arange(5.0)


def test_prior_predictive_moments_match_analytic():
    n = 4000
    idata = pf.sample_prior_predictive(conjugate(X).condition(y=jnp.zeros(5)), n,
                                       key=jax.random.key(0))
    assert set(idata.groups()) >= {"prior", "prior_predictive", "observed_data"}
    y = idata.prior_predictive["y"].values.reshape(n, 5)
    assert idata.prior_predictive["y"].dims == ("chain", "draw", "obs")
    # y_i ~ N(0, sqrt(2^2 + 1)); 5 standard errors: false-fail rate ~6e-7 per check.
    var = 5.0
    np.testing.assert_array_less(np.abs(y.mean(axis=0)), 5 * np.sqrt(var / n))
    se_var = np.sqrt(2 * var**2 / n)
    np.testing.assert_array_less(np.abs(y.var(axis=0) - var), 5 * se_var)
    # Covariance between observations is the prior variance of mu, 4.
    cov = np.cov(y[:, 0], y[:, 1])[0, 1]
    assert abs(cov - 4.0) < 5 * np.sqrt((var * var + 16.0) / n)
    np.testing.assert_allclose(idata.prior["twice"], 2 * idata.prior["mu"], rtol=1e-12)


def test_prior_predictive_needs_observed_names_for_plain_model():
    idata = pf.sample_prior_predictive(conjugate(X), 10, key=jax.random.key(0), observed=["y"])
    assert "y" in idata.prior_predictive and "mu" in idata.prior
    with pytest.raises(ValueError, match=r"observed names \['q'\] are not variables"):
        pf.sample_prior_predictive(conjugate(X), 10, key=jax.random.key(0), observed=["q"])
    with pytest.raises(ValueError, match="num_samples must be a positive integer, got 0"):
        pf.sample_prior_predictive(conjugate(X), 0, key=jax.random.key(0))


def test_posterior_predictive_shapes_dims_and_values():
    post = conjugate(X).condition(y=jnp.ones(5))
    mu = jnp.stack([jnp.full(100, 10.0), jnp.full(100, -10.0)])  # (chains=2, draws=100)
    idata = pf.to_inference_data(post, draws={"mu": mu}, log_likelihood=True)
    assert idata.log_likelihood["y"].dims == ("chain", "draw", "obs")
    np.testing.assert_allclose(idata.constant_data["x"], X)
    out = pf.sample_posterior_predictive(post, idata, key=jax.random.key(1))
    assert {"posterior", "posterior_predictive", "log_likelihood"} <= set(out.groups())
    y = out.posterior_predictive["y"]
    assert y.shape == (2, 100, 5) and y.dims == ("chain", "draw", "obs")
    # Chain 0 has mu = 10, chain 1 has mu = -10: means within 5 standard errors (sd 1).
    assert abs(float(y[0].mean()) - 10.0) < 5 / np.sqrt(500)
    assert abs(float(y[1].mean()) + 10.0) < 5 / np.sqrt(500)
    loo = az.loo(idata)
    assert np.isfinite(loo.elpd_loo)


def test_posterior_predictive_errors():
    post = conjugate(X).condition(y=jnp.ones(5))
    with pytest.raises(ValueError, match=r"the draws lack the latent variables \['mu'\]"):
        pf.sample_posterior_predictive(post, {"other": np.zeros((1, 3))}, key=jax.random.key(0))
    with pytest.raises(ValueError, match="no observed variables"):
        pf.sample_posterior_predictive(conjugate(X), {"mu": np.zeros((1, 3))}, key=jax.random.key(0))
    with pytest.raises(ValueError, match=r"draws\['mu'\] must have leading \(chains, draws\)"):
        pf.to_inference_data(draws={"mu": np.zeros(3)})
