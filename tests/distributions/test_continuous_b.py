"""Checks for the second continuous group that the conformance table cannot express."""

from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np
import pytest
import scipy.stats as st
from hypothesis import given, settings
from hypothesis import strategies as hst

import probflow.distributions as pfd


@pytest.mark.compile_bound
def test_von_mises_implicit_gradient_matches_expectation_derivative():
    # d/dk E[cos X] = d/dk I1(k)/I0(k); Monte Carlo over 40000 draws, 5 standard errors.
    n, k = 40000, 2.0
    key = jax.random.key(3)

    def mean_cos(kappa):
        return jnp.cos(pfd.VonMises(0.0, kappa).sample(key, (n,)))

    grads = jax.vmap(lambda i: jax.grad(lambda kk: mean_cos(kk)[i])(k))(jnp.arange(2000))
    want = float(jax.grad(lambda kk: pfd.VonMises(0.0, kk)._ratio())(k))
    got = float(jax.grad(lambda kk: jnp.mean(mean_cos(kk)))(k))
    se = float(jnp.std(grads)) / np.sqrt(n)
    assert abs(got - want) < 5 * se, (got, want, se)


def test_von_mises_large_concentration_and_sample_range():
    d = pfd.VonMises(2.5, 2000.0)
    x = np.array([2.45, 2.5, 2.55])
    np.testing.assert_allclose(d.cdf(x), st.vonmises(2000.0, loc=2.5).cdf(x), atol=1e-7)
    s = np.asarray(pfd.VonMises(3.0, 0.5).sample(jax.random.key(0), (5000,)))
    assert s.min() >= -np.pi and s.max() <= np.pi
    assert np.isneginf(float(pfd.VonMises(0.0, 1.0).log_prob(4.0)))


@pytest.mark.compile_bound
def test_truncated_normal_far_tails():
    for low, high in [(-40.0, -38.0), (38.0, 40.0)]:
        d = pfd.TruncatedNormal(0.0, 1.0, low, high)
        ref = st.truncnorm(low, high)
        p = np.array([1e-6, 0.3, 0.9])
        np.testing.assert_allclose(d.quantile(p), ref.ppf(p), rtol=1e-10)
        x = np.asarray(d.sample(jax.random.key(1), (1000,)))
        assert np.all((x >= low) & (x <= high))
        assert st.kstest(ref.cdf(x), "uniform").pvalue > 1e-4
        g = jax.grad(lambda lo: d.replace(low=lo).sample(jax.random.key(2)))(jnp.asarray(low))
        assert np.isfinite(float(g))
    lp = pfd.TruncatedNormal(0.0, 1.0, -1.0, 1.0).log_prob(jnp.asarray([-2.0, 2.0]))
    assert np.all(np.isneginf(np.asarray(lp)))


def test_truncated_normal_infinite_bounds_equal_normal_pieces():
    d = pfd.TruncatedNormal(0.0, 1.0, 0.0, jnp.inf)
    np.testing.assert_allclose(d.mean(), np.sqrt(2 / np.pi), rtol=1e-12)
    np.testing.assert_allclose(d.log_prob(1.0), st.halfnorm.logpdf(1.0), rtol=1e-12)
    x = d.default_event_space_bijector().forward(jnp.asarray([-5.0, 0.0, 5.0]))
    assert np.all(np.asarray(x) > 0)


@pytest.mark.parametrize("make, limit", [
    (lambda xi: pfd.GeneralizedPareto(0.5, 1.3, xi), lambda: st.expon(0.5, 1.3)),
    (lambda xi: pfd.GeneralizedExtremeValue(0.5, 1.3, xi), lambda: st.gumbel_r(0.5, 1.3)),
])
def test_shape_zero_limits_are_continuous(make, limit):
    x = np.array([0.6, 1.0, 3.0])
    for xi in (0.0, 1e-9, -1e-9):
        np.testing.assert_allclose(make(xi).log_prob(x), limit().logpdf(x), rtol=1e-7)
        np.testing.assert_allclose(make(xi).cdf(x), limit().cdf(x), rtol=1e-7)
    g = jax.grad(lambda xi: make(xi).log_prob(2.0))(0.0)
    assert np.isfinite(float(g))


def test_bounded_supports_and_event_space():
    d = pfd.GeneralizedExtremeValue(0.0, 1.0, -0.5)  # support x < 2
    assert np.isneginf(float(d.log_prob(2.5)))
    assert float(d.cdf(2.5)) == 1.0
    y = d.default_event_space_bijector().forward(jnp.linspace(-10, 10, 7))
    assert np.all(np.asarray(y) < 2.0)
    d = pfd.GeneralizedPareto(1.0, 1.0, -0.25)  # support [1, 5]
    assert np.isneginf(float(d.log_prob(5.5))) and np.isneginf(float(d.log_prob(0.5)))
    y = d.default_event_space_bijector().forward(jnp.linspace(-10, 10, 7))
    assert np.all((np.asarray(y) > 1.0) & (np.asarray(y) < 5.0))


@pytest.mark.parametrize("make, message", [
    (lambda: pfd.Weibull(-1.0, 1.0), "Weibull: concentration must be positive, got -1.0"),
    (lambda: pfd.Pareto(2.0, 0.0), "Pareto: scale must be positive, got 0.0"),
    (lambda: pfd.VonMises(0.0, -1.0), "VonMises: concentration must be non-negative, got -1.0"),
    (lambda: pfd.TruncatedNormal(0.0, 1.0, 2.0, 1.0),
     "TruncatedNormal: high - low must be positive, got -1.0"),
    (lambda: pfd.Triangular(0.0, 1.0, 2.0), "Triangular: peak must be between low and high"),
    (lambda: pfd.JohnsonSU(0.0, -2.0, 0.0, 1.0), "JohnsonSU: tailweight must be positive"),
    (lambda: pfd.TwoPieceNormal(0.0, 1.0, 0.0), "TwoPieceNormal: skewness must be positive"),
    (lambda: pfd.GeneralizedNormal(0.0, 1.0, -2.0), "GeneralizedNormal: power must be positive"),
    (lambda: pfd.InverseGaussian(-1.0, 1.0), "InverseGaussian: loc must be positive"),
])
def test_validation_messages(make, message):
    with pytest.raises(ValueError, match=message.replace("(", r"\(").replace(")", r"\)")):
        make()


@pytest.mark.compile_bound
def test_float32_in_float32_out():
    for d in [pfd.Weibull(jnp.float32(2.0), jnp.float32(1.0)),
              pfd.TruncatedNormal(jnp.float32(0.0), jnp.float32(1.0), jnp.float32(-1.0),
                                  jnp.float32(2.0)),
              pfd.VonMises(jnp.float32(0.0), jnp.float32(3.0))]:
        x = d.sample(jax.random.key(0), (3,))
        assert x.dtype == jnp.float32 and d.log_prob(x).dtype == jnp.float32


_positive = hst.floats(min_value=1e-3, max_value=1e3)


@settings(max_examples=40, deadline=None)
@given(_positive, _positive, hst.floats(min_value=-0.9, max_value=2.0), _positive)
def test_fuzz_finite_log_prob_inside_support(a, b, xi, u):
    q = min(u / (1 + u), 0.999)
    for d in [pfd.Weibull(a, b), pfd.Pareto(a, b), pfd.Kumaraswamy(min(a, 50.0), min(b, 50.0)),
              pfd.LogLogistic(np.log(a), min(b, 5.0)), pfd.GeneralizedPareto(0.0, b, xi),
              pfd.GeneralizedExtremeValue(0.0, b, xi), pfd.JohnsonSU(xi, a, 0.0, b),
              pfd.TwoPieceNormal(0.0, b, a), pfd.Moyal(0.0, b)]:
        x = d.quantile(q)
        if not np.isfinite(float(x)):
            continue
        lp = float(d.log_prob(x))
        assert not np.isnan(lp), (d, x)
