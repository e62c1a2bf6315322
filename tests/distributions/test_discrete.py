"""Discrete distributions and their relaxations: what the conformance table cannot express.

Statistical tests use fixed keys. Chi-square goodness-of-fit tests pass at p > 1e-4
(false-fail rate 1e-4 per test for a correct sampler); Monte Carlo KL checks require
``|kl - mc| < 5 se`` (two-sided false-fail rate 6e-7 under the normal approximation).
"""

from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np
import pytest
import scipy.special as sp
import scipy.stats as st
from hypothesis import given, settings
from hypothesis import strategies as hst

import probflow.distributions as pfd
from probflow.core.errors import ParameterError, ShapeError

# -- validation ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "build,message",
    [
        (lambda: pfd.Bernoulli(), "Bernoulli: exactly one of logits or probs must be given, got neither"),
        (lambda: pfd.Bernoulli(0.0, 0.5), "Bernoulli: exactly one of logits or probs must be given, got both"),
        (lambda: pfd.Bernoulli(probs=1.5), "Bernoulli: probs must be in [0, 1], got 1.5"),
        (lambda: pfd.Binomial(3.0), "Binomial: exactly one of logits or probs must be given, got neither"),
        (lambda: pfd.Binomial(2.5, probs=0.3), "Binomial: total_count must be a non-negative integer, got 2.5"),
        (lambda: pfd.Binomial(-1.0, probs=0.3), "Binomial: total_count must be a non-negative integer, got -1.0"),
        (lambda: pfd.Binomial(3.0, probs=np.array([0.2, -0.1])), "Binomial: probs must be in [0, 1], got -0.1 at index (1,)"),
        (lambda: pfd.BetaBinomial(3.0, 0.0, 1.0), "BetaBinomial: concentration1 must be positive, got 0.0"),
        (lambda: pfd.BetaBinomial(3.5, 1.0, 1.0), "BetaBinomial: total_count must be a non-negative integer, got 3.5"),
        (lambda: pfd.Poisson(), "Poisson: exactly one of rate or log_rate must be given, got neither"),
        (lambda: pfd.Poisson(1.0, 0.0), "Poisson: exactly one of rate or log_rate must be given, got both"),
        (lambda: pfd.Poisson(rate=-2.0), "Poisson: rate must be non-negative, got -2.0"),
        (lambda: pfd.ZeroInflatedPoisson(rate=1.0), "ZeroInflatedPoisson: exactly one of gate or gate_logits must be given, got neither"),
        (lambda: pfd.ZeroInflatedPoisson(rate=1.0, gate=1.2), "ZeroInflatedPoisson: gate must be in [0, 1], got 1.2"),
        (lambda: pfd.NegativeBinomial(0.0, probs=0.5), "NegativeBinomial: total_count must be positive, got 0.0"),
        (lambda: pfd.NegativeBinomial(2.0, probs=1.0), "NegativeBinomial: probs must be in [0, 1), got 1.0"),
        (lambda: pfd.Geometric(probs=0.0), "Geometric: probs must be in (0, 1], got 0.0"),
        (lambda: pfd.Geometric(logits=1.0, probs=0.5), "Geometric: exactly one of logits or probs must be given, got both"),
        (lambda: pfd.ZeroInflatedNegativeBinomial(2.0, probs=0.5, gate=0.1, gate_logits=0.0), "ZeroInflatedNegativeBinomial: exactly one of gate or gate_logits or inflated_loc_probs or inflated_loc_logits must be given, got both"),
        (lambda: pfd.Categorical(probs=np.array([0.5, 0.6])), "Categorical: probs must be non-negative and sum to 1 along the last axis"),
        (lambda: pfd.Categorical(), "Categorical: exactly one of logits or probs must be given, got neither"),
        (lambda: pfd.OneHotCategorical(probs=np.array([-0.5, 1.5])), "OneHotCategorical: probs must be non-negative and sum to 1"),
        (lambda: pfd.Zipf(1.0), "Zipf: power must be greater than 1, got 1.0"),
        (lambda: pfd.OrderedLogistic(np.array([0.0, -1.0]), 0.0), "OrderedLogistic: cutpoints must be non-decreasing along the last axis"),
        (lambda: pfd.RelaxedBernoulli(0.0, logits=0.0), "RelaxedBernoulli: temperature must be positive, got 0.0"),
        (lambda: pfd.RelaxedBernoulli(1.0, probs=1.0), "RelaxedBernoulli: probs must be in (0, 1), got 1.0"),
        (lambda: pfd.RelaxedOneHotCategorical(-1.0, logits=np.zeros(3)), "RelaxedOneHotCategorical: temperature must be positive, got -1.0"),
    ],
)
def test_validation_messages(build, message):
    with pytest.raises(ParameterError) as info:
        build()
    assert str(info.value).startswith(message), str(info.value)


@pytest.mark.parametrize(
    "build", [lambda: pfd.Categorical(logits=1.0), lambda: pfd.OneHotCategorical(probs=1.0),
              lambda: pfd.OrderedLogistic(0.0, 0.0), lambda: pfd.RelaxedOneHotCategorical(1.0, logits=0.0)]
)
def test_scalar_class_parameters_raise_shape_error(build):
    with pytest.raises(ShapeError, match="must have at least 1 dimension"):
        build()


def test_validate_args_under_jit_raises_at_run_time():
    fn = jax.jit(lambda p: pfd.Bernoulli(probs=p, validate_args=True).log_prob(1))
    np.testing.assert_allclose(fn(0.25), np.log(0.25))
    with pytest.raises(Exception, match="Bernoulli: probs must be in"):
        jax.block_until_ready(fn(1.5))
    # Without validate_args, tracing skips the checks (no error, no cost).
    jax.jit(lambda p: pfd.Bernoulli(probs=p).log_prob(1))(1.5)


# -- probs/logits equivalence ---------------------------------------------------------------------

_P = np.array([0.02, 0.3, 0.5, 0.91])
_L = sp.logit(_P)
_COUNTS = np.array([0.0, 1.0, 2.0, 7.0, 15.0])[:, None]


@pytest.mark.parametrize(
    "make,values",
    [
        (lambda **kw: pfd.Bernoulli(**kw), np.array([0.0, 1.0])[:, None]),
        (lambda **kw: pfd.Binomial(15.0, **kw), _COUNTS),
        (lambda **kw: pfd.NegativeBinomial(3.5, **kw), _COUNTS),
        (lambda **kw: pfd.Geometric(**kw), _COUNTS),
        (lambda **kw: pfd.ZeroInflatedNegativeBinomial(3.5, gate=0.2, **kw), _COUNTS),
        (lambda **kw: pfd.RelaxedBernoulli(0.6, **kw), np.array([0.01, 0.4, 0.97])[:, None]),
    ],
    ids=["Bernoulli", "Binomial", "NegativeBinomial", "Geometric", "ZINB", "RelaxedBernoulli"],
)
def test_probs_and_logits_agree(make, values):
    a = np.asarray(make(probs=_P).log_prob(values))
    b = np.asarray(make(logits=_L).log_prob(values))
    assert np.all(np.isfinite(a))
    np.testing.assert_allclose(a, b, rtol=1e-10, atol=1e-12)


def test_probs_and_logits_agree_for_class_distributions():
    probs = np.array([[0.1, 0.2, 0.7], [0.5, 0.25, 0.25]])
    logits = np.log(probs) + np.array([[3.0], [-1.0]])  # unnormalised logits
    k = np.array([[0, 2], [1, 1], [2, 0]])
    np.testing.assert_allclose(pfd.Categorical(probs=probs).log_prob(k),
                               pfd.Categorical(logits=logits).log_prob(k), rtol=1e-12)
    x = np.eye(3)[k]
    np.testing.assert_allclose(pfd.OneHotCategorical(probs=probs).log_prob(x),
                               pfd.OneHotCategorical(logits=logits).log_prob(x), rtol=1e-12)
    y = np.array([[0.2, 0.3, 0.5], [0.6, 0.3, 0.1]])
    np.testing.assert_allclose(pfd.RelaxedOneHotCategorical(0.7, probs=probs).log_prob(y),
                               pfd.RelaxedOneHotCategorical(0.7, logits=logits).log_prob(y), rtol=1e-10)


def test_rate_and_log_rate_and_gate_parameterisations_agree():
    k = np.array([0.0, 1.0, 3.0, 12.0])[:, None]
    rate = np.array([0.3, 2.0, 9.0])
    np.testing.assert_allclose(pfd.Poisson(rate=rate).log_prob(k),
                               pfd.Poisson(log_rate=np.log(rate)).log_prob(k), rtol=1e-12)
    a = pfd.ZeroInflatedPoisson(rate=rate, gate=0.3).log_prob(k)
    b = pfd.ZeroInflatedPoisson(log_rate=np.log(rate), gate_logits=sp.logit(0.3)).log_prob(k)
    np.testing.assert_allclose(a, b, rtol=1e-12)


# -- support, -inf and gradients ---------------------------------------------------------------------

_OUTSIDE_CASES = [
    ("Bernoulli", lambda p: pfd.Bernoulli(logits=p), 0.3, [0.0, 1.0], [-1.0, 0.5, 2.0]),
    ("Binomial", lambda p: pfd.Binomial(6.0, probs=p), 0.3, [0.0, 3.0, 6.0], [-1.0, 2.5, 7.0]),
    ("BetaBinomial", lambda p: pfd.BetaBinomial(6.0, p, 2.0), 0.7, [0.0, 3.0, 6.0], [-1.0, 2.5, 7.0]),
    ("Poisson", lambda p: pfd.Poisson(rate=p), 2.5, [0.0, 3.0], [-1.0, 0.5, np.inf]),
    ("ZeroInflatedPoisson", lambda p: pfd.ZeroInflatedPoisson(rate=p, gate=0.3), 2.5, [0.0, 3.0], [-1.0, 0.5]),
    ("NegativeBinomial", lambda p: pfd.NegativeBinomial(p, logits=0.3), 2.5, [0.0, 3.0], [-2.0, 1.5]),
    ("Geometric", lambda p: pfd.Geometric(probs=p), 0.4, [0.0, 3.0], [-2.0, 1.5]),
    ("ZeroInflatedNegativeBinomial", lambda p: pfd.ZeroInflatedNegativeBinomial(p, probs=0.3, gate_logits=0.0), 2.5, [0.0, 3.0], [-2.0, 1.5]),
    ("Categorical", lambda p: pfd.Categorical(logits=jnp.stack([p, 0.0 * p, -p])), 0.5, [0.0, 2.0], [-1.0, 1.5, 3.0]),
    ("Zipf", lambda p: pfd.Zipf(p), 2.5, [1.0, 4.0], [0.0, -3.0, 1.5]),
    ("OrderedLogistic", lambda p: pfd.OrderedLogistic(jnp.asarray([-1.0, 1.0]), p), 0.4, [0.0, 2.0], [-1.0, 0.5, 3.0]),
    ("RelaxedBernoulli", lambda p: pfd.RelaxedBernoulli(p, logits=0.2), 0.7, [0.1, 0.9], [0.0, 1.0, -0.5, 1.5]),
]


@pytest.mark.compile_bound
@pytest.mark.parametrize("name,make,param,inside,outside", _OUTSIDE_CASES, ids=[c[0] for c in _OUTSIDE_CASES])
def test_outside_support_is_minus_inf_with_finite_gradients(name, make, param, inside, outside):
    values = jnp.asarray(inside + outside)
    n_in = len(inside)
    lp = np.asarray(make(param).log_prob(values))
    assert np.all(np.isfinite(lp[:n_in])), lp
    assert np.all(lp[n_in:] == -np.inf), lp
    grad = jax.grad(lambda p: jnp.sum(make(p).log_prob(values)[:n_in]))(param)
    assert np.isfinite(grad), grad


def test_one_hot_rejects_non_one_hot_vectors():
    d = pfd.OneHotCategorical(logits=jnp.asarray([0.1, 0.5, -0.3]))
    x = jnp.asarray([[0, 1, 0], [1, 1, 0], [0, 0, 0], [0.5, 0.5, 0.0], [0, 2, -1]])
    lp = np.asarray(d.log_prob(x))
    assert np.isfinite(lp[0]) and np.all(lp[1:] == -np.inf)


def test_relaxed_one_hot_off_simplex_is_minus_inf():
    d = pfd.RelaxedOneHotCategorical(0.5, logits=jnp.zeros(3))
    y = jnp.asarray([[0.2, 0.3, 0.5], [0.0, 0.5, 0.5], [0.3, 0.3, 0.3], [-0.1, 0.6, 0.5]])
    lp = np.asarray(d.log_prob(y))
    assert np.isfinite(lp[0]) and np.all(lp[1:] == -np.inf)


def test_boundary_parameters_give_no_nans():
    # p = 0 and p = 1 exactly: masses are 0/1, log masses 0/-inf, gradients never NaN.
    for make, n in ((lambda p: pfd.Bernoulli(probs=p), 1.0), (lambda p: pfd.Binomial(4.0, probs=p), 4.0)):
        for p, values in ((0.0, jnp.asarray([0.0, 1.0])), (1.0, jnp.asarray([n, n - 1.0]))):
            lp = np.asarray(make(p).log_prob(values))
            assert abs(lp[0]) < 1e-15 and lp[1] == -np.inf
            assert not np.isnan(jax.grad(lambda q, make=make, values=values: make(q).log_prob(values)[0])(p))
    d = pfd.Poisson(rate=0.0)
    np.testing.assert_array_equal(d.log_prob(jnp.asarray([0.0, 1.0])), [0.0, -np.inf])
    assert np.isfinite(jax.grad(lambda r: pfd.Poisson(rate=r).log_prob(0.0))(0.0))
    g = pfd.Geometric(probs=1.0)
    np.testing.assert_array_equal(g.log_prob(jnp.asarray([0.0, 1.0])), [0.0, -np.inf])
    assert float(g.entropy()) == 0.0 and float(g.mean()) == 0.0
    np.testing.assert_array_equal(np.asarray(g.sample(jax.random.key(0), (5,))), 0.0)
    z = pfd.ZeroInflatedPoisson(rate=3.0, gate=1.0)
    np.testing.assert_array_equal(z.log_prob(jnp.asarray([0.0, 2.0])), [0.0, -np.inf])
    c = pfd.Categorical(probs=jnp.asarray([0.0, 1.0]))
    assert float(c.entropy()) == 0.0
    assert not np.isnan(jax.grad(lambda q: pfd.Categorical(probs=q).log_prob(1))(jnp.asarray([0.0, 1.0]))).any()


def test_far_tails_are_finite_with_finite_gradients():
    cases = [
        (lambda l: pfd.Bernoulli(logits=l), jnp.asarray([-200.0, 200.0]), 1.0),
        (lambda l: pfd.Binomial(1e7, logits=l), jnp.asarray([-40.0, 40.0]), 5e6),
        (lambda r: pfd.Poisson(rate=r), jnp.asarray([1e-30, 1.0]), 1e6),
        (lambda r: pfd.Poisson(log_rate=r), jnp.asarray([-80.0, 30.0]), 3.0),
        (lambda r: pfd.NegativeBinomial(r, logits=-3.0), jnp.asarray([1e-4, 1e5]), 1e7),
        (lambda l: pfd.Geometric(logits=l), jnp.asarray([-60.0, 60.0]), 1e6),
        (lambda s: pfd.Zipf(s), jnp.asarray([1.0001, 50.0]), 1e9),
        (lambda m: pfd.OrderedLogistic(jnp.asarray([-1.0, 0.0, 1.0]), m), jnp.asarray([-60.0, 60.0]), 0.0),
        (lambda m: pfd.OrderedLogistic(jnp.asarray([-1.0, 0.0, 1.0]), m), jnp.asarray([-60.0, 60.0]), 3.0),
        (lambda t: pfd.RelaxedBernoulli(t, logits=3.0), jnp.asarray([0.05, 20.0]), 1e-200),
    ]
    for make, params, value in cases:
        fn = jax.jit(jax.vmap(jax.value_and_grad(lambda p, make=make, value=value: make(p).log_prob(value))))
        lp, grads = fn(params)
        assert np.all(np.isfinite(np.asarray(lp))), (make(params[0]), lp)
        assert np.all(np.isfinite(np.asarray(grads))), (make(params[0]), grads)


def test_bernoulli_logits_log_prob_and_gradient_match_log_expit():
    # From logits, log P(X = x) is log_sigmoid(+-logits), computed once per value: exact in
    # both tails, with its gradient; values outside {0, 1} are -inf with a zero gradient.
    logits = np.asarray([-1e4, -200.0, -30.0, -1.0, 0.0, 0.5, 30.0, 200.0, 1e4])
    for x in (0.0, 1.0):
        lp, grad = jax.vmap(jax.value_and_grad(
            lambda l, x=x: pfd.Bernoulli(logits=l).log_prob(x)))(jnp.asarray(logits))
        want = sp.log_expit(logits if x == 1.0 else -logits)
        np.testing.assert_allclose(np.asarray(lp), want, rtol=1e-14, atol=0)
        # x - sigmoid(logits), without the cancellation of 1 - sigmoid(logits)
        want_grad = sp.expit(-logits) if x == 1.0 else -sp.expit(logits)
        np.testing.assert_allclose(np.asarray(grad), want_grad, rtol=1e-14, atol=1e-300)
    lp, grad = jax.value_and_grad(lambda l: pfd.Bernoulli(logits=l).log_prob(0.5))(0.3)
    assert float(lp) == -np.inf and float(grad) == 0.0
    batch = pfd.Bernoulli(logits=jnp.asarray(logits)).log_prob(jnp.asarray([[0.0], [1.0]]))
    np.testing.assert_allclose(np.asarray(batch), [sp.log_expit(-logits), sp.log_expit(logits)],
                               rtol=1e-14)


def test_far_tail_cdfs():
    # log survival of the geometric and Zipf laws far in the right tail, exactly.
    g = pfd.Geometric(probs=0.5)
    np.testing.assert_allclose(g.log_survival_function(2000.0), 2001 * np.log(0.5), rtol=1e-12)
    z = pfd.Zipf(3.0)
    sf = float(z.log_survival_function(1e6))
    np.testing.assert_allclose(sf, np.log(sp.zeta(3.0, 1e6 + 1) / sp.zeta(3.0)), rtol=1e-10)
    o = pfd.OrderedLogistic(jnp.asarray([0.0, 1.0]), 0.0)
    np.testing.assert_allclose(o.log_cdf(0), np.log(0.5), rtol=1e-12)
    o = pfd.OrderedLogistic(jnp.asarray([-100.0, 1.0]), 0.0)
    np.testing.assert_allclose(o.log_cdf(0), -100.0, rtol=1e-10)
    r = pfd.RelaxedBernoulli(2.0, logits=0.0)
    assert np.isfinite(float(r.log_cdf(1e-200))) and np.isfinite(float(r.log_survival_function(1 - 1e-16)))


def test_large_count_gradients_match_digamma_closed_forms():
    n, k, p = 1e6, jnp.asarray([399000.0, 400000.0, 402000.0]), 0.4
    g = jax.grad(lambda nn: jnp.sum(pfd.Binomial(nn, probs=p).log_prob(k)))(n)
    want = np.sum(sp.digamma(n + 1) - sp.digamma(n - np.asarray(k) + 1) + np.log1p(-p))
    np.testing.assert_allclose(g, want, rtol=1e-6)
    rate, k = 1e5, jnp.asarray([99000.0, 100000.0, 101234.0])
    g = jax.grad(lambda r: jnp.sum(pfd.Poisson(rate=r).log_prob(k)))(rate)
    np.testing.assert_allclose(g, np.sum(np.asarray(k) / rate - 1.0), rtol=1e-9)


@pytest.mark.compile_bound
def test_cdf_at_non_integers_equals_cdf_at_floor_and_matches_cumulative_mass():
    dists = [
        pfd.Binomial(9.0, logits=-0.4),
        pfd.Poisson(rate=4.2),
        pfd.NegativeBinomial(1.7, probs=0.55),
        pfd.Geometric(probs=0.35),
        pfd.ZeroInflatedPoisson(rate=4.2, gate=0.2),
        pfd.ZeroInflatedNegativeBinomial(1.7, probs=0.55, gate_logits=-1.0),
        pfd.Categorical(logits=jnp.asarray([0.1, -0.5, 1.0, 0.3])),
        pfd.OrderedLogistic(jnp.asarray([-1.0, 0.5, 2.0]), 0.3),
        pfd.Zipf(2.2),
        pfd.Bernoulli(probs=0.3),
    ]
    k = jnp.arange(-2.0, 12.0)
    ends = jnp.asarray([-np.inf, np.inf])

    @jax.jit
    def evaluate(d):
        return (d.cdf(k), d.log_prob(k), d.cdf(k + 0.5), d.survival_function(k), d.cdf(ends),
                d.survival_function(ends), d.log_prob(jnp.asarray([-np.inf, np.inf, np.nan])))

    for d in dists:
        cdf, lp, cdf_half, sf, cdf_ends, sf_ends, lp_bad = map(np.asarray, evaluate(d))
        cum = np.cumsum(np.exp(lp))
        np.testing.assert_allclose(cdf, cum, rtol=1e-9, atol=1e-12, err_msg=repr(d))
        np.testing.assert_allclose(cdf_half, cdf, rtol=1e-12, err_msg=repr(d))
        np.testing.assert_allclose(sf, 1 - cdf, atol=1e-12)
        np.testing.assert_array_equal(cdf_ends, [0.0, 1.0], err_msg=repr(d))
        np.testing.assert_array_equal(sf_ends, [1.0, 0.0])
        assert np.all(lp_bad == -np.inf)


# -- dtypes ----------------------------------------------------------------------------------------------


@pytest.mark.compile_bound
def test_sample_dtypes_follow_tfp():
    key = jax.random.key(0)
    f32 = jnp.float32
    int_valued = [
        pfd.Bernoulli(probs=jnp.asarray(0.3, f32)),
        pfd.Categorical(logits=jnp.zeros(3, f32)),
        pfd.OneHotCategorical(logits=jnp.zeros(3, f32)),
        pfd.Zipf(jnp.asarray(2.0, f32)),
        pfd.OrderedLogistic(jnp.asarray([0.0, 1.0], f32), jnp.asarray(0.0, f32)),
    ]
    for d in int_valued:
        assert jax.jit(lambda dist: dist.sample(key, (2,)))(d).dtype == jnp.int32, d
        assert d.dtype == jnp.int32
    assert pfd.Bernoulli(probs=0.3, dtype=jnp.float32).sample(key, (2,)).dtype == jnp.float32
    assert pfd.Categorical(logits=jnp.zeros(3), dtype=jnp.int16).sample(key).dtype == jnp.int16
    # Sampling compiles a sampler per dtype, so the slow-to-compile ones (beta, gamma mixtures)
    # are sampled in float64 elsewhere and only evaluated in float32 here.
    sampled = [
        pfd.Binomial(jnp.asarray(5.0, f32), probs=jnp.asarray(0.3, f32)),
        pfd.Poisson(rate=jnp.asarray(3.0, f32)),
        pfd.Geometric(probs=jnp.asarray(0.2, f32)),
        pfd.RelaxedBernoulli(jnp.asarray(0.5, f32), probs=jnp.asarray(0.2, f32)),
        pfd.RelaxedOneHotCategorical(jnp.asarray(0.5, f32), logits=jnp.zeros(3, f32)),
    ]
    for d in sampled:
        x, lp = jax.jit(lambda dist: dist.sample_and_log_prob(key, (50,)))(d)
        assert x.dtype == jnp.float32, d
        if d.is_discrete:
            assert np.all(np.asarray(x) == np.floor(np.asarray(x)))
        assert lp.dtype == jnp.float32 and np.all(np.isfinite(np.asarray(lp))), d
    evaluated = [
        pfd.BetaBinomial(jnp.asarray(5.0, f32), jnp.asarray(1.0, f32), jnp.asarray(2.0, f32)),
        pfd.ZeroInflatedPoisson(rate=jnp.asarray(3.0, f32), gate=jnp.asarray(0.2, f32)),
        pfd.NegativeBinomial(jnp.asarray(3.0, f32), probs=jnp.asarray(0.2, f32)),
        pfd.ZeroInflatedNegativeBinomial(jnp.asarray(3.0, f32), logits=jnp.asarray(0.2, f32),
                                         gate=jnp.asarray(0.1, f32)),
    ]
    for d in evaluated:
        lp = jax.jit(lambda dist: dist.log_prob(jnp.arange(4, dtype=jnp.int32)))(d)
        assert lp.dtype == jnp.float32 and np.all(np.isfinite(np.asarray(lp))), d
        assert d.mean().dtype == jnp.float32


def test_float32_log_prob_accuracy():
    f32 = jnp.float32
    k = jnp.asarray([0, 3, 10, 40], jnp.int32)
    d32 = pfd.Binomial(jnp.asarray(40.0, f32), logits=jnp.asarray(-1.0, f32))
    want = st.binom(40, sp.expit(-1.0)).logpmf(np.asarray(k))
    got = d32.log_prob(k)
    assert got.dtype == f32
    np.testing.assert_allclose(got, want, rtol=2e-5)
    got = pfd.Poisson(rate=jnp.asarray(7.5, f32)).log_prob(k)
    np.testing.assert_allclose(got, st.poisson(7.5).logpmf(np.asarray(k)), rtol=2e-5)


def test_zipf_samples_are_clipped_to_the_sample_dtype():
    x = np.asarray(pfd.Zipf(1.05).sample(jax.random.key(3), (500,)))
    assert x.min() >= 1 and x.max() == np.iinfo(np.int32).max  # heavy tail reaches the clip
    y = np.asarray(pfd.Zipf(1.05, dtype=jnp.float64).sample(jax.random.key(3), (500,)))
    assert np.all(np.isfinite(y)) and y.max() > np.iinfo(np.int32).max


# -- KL divergences -------------------------------------------------------------------------------------


def _mc_kl(p, q, key, n=100_000):
    x = p.sample(key, (n,))
    diff = np.asarray(p.log_prob(x) - q.log_prob(x))
    return diff.mean(axis=0), diff.std(axis=0) / np.sqrt(n)


@pytest.mark.compile_bound
@pytest.mark.parametrize(
    "p,q",
    [
        (pfd.Bernoulli(probs=np.array([0.1, 0.5, 0.93])), pfd.Bernoulli(logits=np.array([1.0, -0.5, 0.0]))),
        (pfd.Categorical(probs=np.array([[0.2, 0.5, 0.3], [0.05, 0.05, 0.9]])),
         pfd.Categorical(logits=np.array([0.5, -1.0, 0.0]))),
        (pfd.OneHotCategorical(logits=np.array([0.3, 0.0, -2.0, 1.0])),
         pfd.OneHotCategorical(probs=np.array([0.25, 0.25, 0.25, 0.25]))),
        (pfd.Poisson(rate=np.array([0.5, 4.0, 30.0])), pfd.Poisson(log_rate=np.array([0.0, 1.0, 3.0]))),
        (pfd.Geometric(probs=np.array([0.1, 0.6])), pfd.Geometric(logits=np.array([0.5, -2.0]))),
    ],
    ids=["Bernoulli", "Categorical", "OneHotCategorical", "Poisson", "Geometric"],
)
def test_kl_matches_monte_carlo(p, q):
    kl = np.asarray(pfd.kl_divergence(p, q))
    mc, se = _mc_kl(p, q, jax.random.key(11))
    assert kl.shape == mc.shape
    assert np.all(np.abs(kl - mc) < 5 * se + 1e-12), (kl, mc, se)


def test_kl_exact_by_enumeration_and_edge_cases():
    p = pfd.Categorical(probs=np.array([0.0, 0.3, 0.7]))
    q = pfd.Categorical(probs=np.array([0.2, 0.2, 0.6]))
    want = 0.3 * np.log(0.3 / 0.2) + 0.7 * np.log(0.7 / 0.6)
    np.testing.assert_allclose(pfd.kl_divergence(p, q), want, rtol=1e-12)
    assert float(pfd.kl_divergence(q, p)) == np.inf
    np.testing.assert_allclose(pfd.kl_divergence(pfd.Poisson(rate=0.0), pfd.Poisson(rate=2.0)), 2.0)
    # Geometric: KL by summing the series.
    k = np.arange(0, 2000)
    p1, p2 = 0.3, 0.55
    lp = np.log(p1) + k * np.log1p(-p1)
    lq = np.log(p2) + k * np.log1p(-p2)
    want = np.sum(np.exp(lp) * (lp - lq))
    np.testing.assert_allclose(pfd.kl_divergence(pfd.Geometric(probs=p1), pfd.Geometric(probs=p2)), want, rtol=1e-10)
    np.testing.assert_allclose(pfd.kl_divergence(pfd.Bernoulli(probs=0.4), pfd.Bernoulli(probs=0.4)), 0.0, atol=1e-15)


# -- goodness of fit by chi-square ----------------------------------------------------------------------


def _chi_square_pvalue(samples, pmf, num_bins):
    """Chi-square test over bins ``0..num_bins-1`` plus a tail bin; bins merged to expectation >= 5."""
    samples = np.clip(np.asarray(samples, dtype=float), 0, num_bins).astype(np.int64)
    n = samples.shape[0]
    observed = np.bincount(samples, minlength=num_bins + 1).astype(float)
    expected = np.append(pmf[:num_bins], max(0.0, 1.0 - np.sum(pmf[:num_bins]))) * n
    obs_m, exp_m, acc_o, acc_e = [], [], 0.0, 0.0
    for o, e in zip(observed, expected, strict=True):
        acc_o, acc_e = acc_o + o, acc_e + e
        if acc_e >= 5:
            obs_m.append(acc_o)
            exp_m.append(acc_e)
            acc_o = acc_e = 0.0
    obs_m[-1] += acc_o
    exp_m[-1] += acc_e
    obs_m, exp_m = np.array(obs_m), np.array(exp_m)
    stat = np.sum((obs_m - exp_m) ** 2 / exp_m)
    return st.chi2.sf(stat, len(obs_m) - 1)


_GOF = [
    ("Categorical-rare-class", pfd.Categorical(logits=np.array([[-5.0, 1.0, 1.0, 0.5], [0.3, -1.2, 2.0, 0.0]])), 4),
    ("OrderedLogistic", pfd.OrderedLogistic(np.array([[-2.0, -0.5, 1.0], [-1.0, 0.0, 3.0]]), np.array([0.5, -1.5])), 4),
    ("Zipf-1.5", pfd.Zipf(1.5), 60),
    ("Zipf-3.2", pfd.Zipf(np.array([3.2, 1.1]), dtype=jnp.float64), 40),
    ("Binomial", pfd.Binomial(np.array([3.0, 30.0]), probs=np.array([0.9, 0.2])), 31),
    ("BetaBinomial", pfd.BetaBinomial(20.0, np.array([0.3, 4.0]), 0.5), 21),
    ("Poisson", pfd.Poisson(rate=np.array([0.2, 40.0])), 80),
    ("NegativeBinomial", pfd.NegativeBinomial(np.array([0.3, 8.0]), probs=0.7), 100),
    ("Geometric", pfd.Geometric(probs=np.array([0.05, 0.8])), 150),
    ("ZeroInflatedPoisson", pfd.ZeroInflatedPoisson(rate=6.0, gate=np.array([0.05, 0.6])), 30),
    ("ZeroInflatedNegativeBinomial", pfd.ZeroInflatedNegativeBinomial(2.0, logits=1.0, gate=np.array([0.1, 0.5])), 60),
]


@pytest.mark.compile_bound
@pytest.mark.parametrize("name,d,num_bins", _GOF, ids=[g[0] for g in _GOF])
def test_chi_square_goodness_of_fit(name, d, num_bins):
    n = 20_000
    samples = np.asarray(d.sample(jax.random.key(5), (n,)))
    lp = d.log_prob(jnp.arange(num_bins, dtype=jnp.float64).reshape((-1,) + (1,) * len(d.batch_shape)))
    pmf = np.exp(np.asarray(lp)).reshape(num_bins, -1)
    samples = samples.reshape(n, -1)
    for j in range(samples.shape[1]):
        p = _chi_square_pvalue(samples[:, j], pmf[:, j], num_bins)
        assert p > 1e-4, f"{name}: chi-square p-value {p:.2e} for batch element {j}"


def test_relaxed_one_hot_argmax_is_categorical():
    # Gumbel-max: argmax of (logits + G) / t does not depend on t.
    logits = np.array([0.5, -1.0, 1.0, 0.0])
    d = pfd.RelaxedOneHotCategorical(np.array([0.1, 3.0]), logits=logits)
    y = np.asarray(d.sample(jax.random.key(9), (20_000,)))
    probs = sp.softmax(logits)
    for j in range(2):
        p = _chi_square_pvalue(np.argmax(y[:, j], axis=-1), probs, 4)
        assert p > 1e-4, p


def test_relaxed_one_hot_with_two_classes_is_relaxed_bernoulli():
    y = jnp.linspace(0.01, 0.99, 9)
    two = jnp.stack([y, 1.0 - y], axis=-1)
    for t in (0.3, 1.0, 4.0):
        a = pfd.RelaxedOneHotCategorical(t, logits=jnp.asarray([1.3, -0.4])).log_prob(two)
        b = pfd.RelaxedBernoulli(t, logits=1.7).log_prob(y)
        np.testing.assert_allclose(a, b, rtol=1e-10)


def test_relaxed_samples_at_low_temperature_have_finite_log_prob_and_gradients():
    key = jax.random.key(4)
    rb = pfd.RelaxedBernoulli(jnp.asarray(0.01, jnp.float32), logits=jnp.asarray(0.3, jnp.float32))
    x = rb.sample(key, (1000,))
    assert np.all(np.isfinite(np.asarray(rb.log_prob(x))))
    rc = pfd.RelaxedOneHotCategorical(jnp.asarray(0.05, jnp.float32), logits=jnp.asarray([0.0, 1.0, -1.0], jnp.float32))
    y = rc.sample(key, (1000,))
    assert np.all(np.asarray(rc.support.check(y)))
    assert np.all(np.isfinite(np.asarray(rc.log_prob(y))))
    g = jax.grad(lambda lg: jnp.sum(pfd.RelaxedOneHotCategorical(0.5, logits=lg).sample(key, (10,))[..., 0]))(jnp.zeros(3))
    assert np.all(np.isfinite(np.asarray(g))) and np.any(np.asarray(g) != 0)


def test_relaxed_bernoulli_approaches_bernoulli_at_low_temperature():
    x = np.asarray(pfd.RelaxedBernoulli(1e-3, probs=0.3).sample(jax.random.key(8), (20_000,)))
    frac = np.mean(x > 0.5)
    assert abs(frac - 0.3) < 5 * np.sqrt(0.3 * 0.7 / 20_000)
    assert np.mean((x < 0.01) | (x > 0.99)) > 0.99


# -- fuzzing ---------------------------------------------------------------------------------------------

_wide = hst.floats(min_value=-1e6, max_value=1e6, allow_nan=False)
_probs = hst.floats(min_value=-0.5, max_value=1.5, allow_nan=False)
_count = hst.integers(min_value=0, max_value=10**6)


@settings(max_examples=40, deadline=None)
@given(
    family=hst.sampled_from(["Bernoulli", "Binomial", "Poisson", "NegativeBinomial", "Geometric",
                             "ZeroInflatedPoisson", "Zipf", "BetaBinomial", "RelaxedBernoulli",
                             "OrderedLogistic"]),
    a=_wide, b=_probs, k=_count, use_logits=hst.booleans(),
)
def test_fuzz_parameters_give_clear_errors_or_non_nan_log_prob(family, a, b, k, use_logits):
    param = {"logits": a} if use_logits else {"probs": b}
    builders = {
        "Bernoulli": lambda: pfd.Bernoulli(**param),
        "Binomial": lambda: pfd.Binomial(float(k), **param),
        "Poisson": lambda: pfd.Poisson(log_rate=a / 1e4) if use_logits else pfd.Poisson(rate=a),
        "NegativeBinomial": lambda: pfd.NegativeBinomial(abs(a) + 1e-3 if use_logits else a, **param),
        "Geometric": lambda: pfd.Geometric(**param),
        "ZeroInflatedPoisson": lambda: pfd.ZeroInflatedPoisson(rate=abs(a), gate=b),
        "Zipf": lambda: pfd.Zipf(a / 1e4 + 1.0),
        "BetaBinomial": lambda: pfd.BetaBinomial(float(k), b, abs(a)),
        "RelaxedBernoulli": lambda: pfd.RelaxedBernoulli(abs(a) / 1e3, **param),
        "OrderedLogistic": lambda: pfd.OrderedLogistic(jnp.asarray([-1.0, b]), a),
    }
    try:
        d = builders[family]()
    except ValueError as err:
        assert str(err).startswith(family + ":"), err
        return
    if family == "RelaxedBernoulli":
        values = jnp.asarray([1e-6, 0.5, 1 - 1e-6])
    elif family == "OrderedLogistic":
        values = jnp.asarray([0.0, 1.0, 2.0])
    else:
        values = jnp.asarray([0.0, 1.0, float(k)])
    lp = np.asarray(d.log_prob(values))
    assert not np.any(np.isnan(lp)), (d, lp)
    assert not np.any(lp == np.inf), (d, lp)
    # Where the parameters are in the interior (not a boundary that puts zero mass on a value),
    # the log mass is finite.
    interior = {
        "Bernoulli": use_logits and abs(a) < 500 or (not use_logits and 0 < b < 1),
        "Poisson": use_logits or a > 0,
        "Geometric": use_logits and abs(a) < 500 or (not use_logits and 0 < b < 1),
        "ZeroInflatedPoisson": a > 0 and b < 1,
        "RelaxedBernoulli": 1e-3 < abs(a) / 1e3 < 1e2 and (use_logits or 0 < b < 1),
    }
    if interior.get(family, False):
        support = values if family != "Zipf" else values + 1.0
        if family in ("Bernoulli",):
            support = values[:2]
        assert np.all(np.isfinite(np.asarray(d.log_prob(support)))), (d, support)
