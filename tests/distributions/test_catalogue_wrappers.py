"""Behaviour of the wrapper, discrete-structure and hurdle distributions beyond the
conformance table (``cases_catalogue_wrappers.py``): TFP literals, conventions, errors,
samplers without closed-form moments, and default event-space bijectors.

TFP literals were computed once with TFP's JAX substrate in float64
(``/work/bench-venv/bin/python``, ``jax_enable_x64``; the calls are written next to each).
Frequency tests compare counts of 2000 draws with the exact probabilities by a chi-square
test at level 1e-4 (fixed keys, so a pass is reproducible).
"""

from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np
import pytest
import scipy.stats as st

import probflow.distributions as pfd
from probflow.core.errors import ParameterError, ShapeError, UnsupportedError


def _chi_square_pvalue(draws, support, probs):
    counts = np.array([(draws == k).sum() for k in support])
    expected = np.asarray(probs) * len(draws)
    assert counts.sum() == len(draws), "draws outside the listed support"
    return st.chisquare(counts, expected).pvalue


# -- cross-check gaps: Categorical moments, ZINB with TFP's names --------------------------------


def test_categorical_mean_and_variance_match_tfp():
    # tfd.Categorical(logits=[0.3, -1.2, 2.0, 0.0]).mean(), .variance()
    d = pfd.Categorical(logits=jnp.asarray([0.3, -1.2, 2.0, 0.0]))
    np.testing.assert_allclose(float(d.mean()), 1.8007081592974443, rtol=1e-12)
    np.testing.assert_allclose(float(d.variance()), 0.6276688795698577, rtol=1e-12)
    batch = pfd.Categorical(probs=jnp.asarray([[1.0, 0.0, 0.0], [0.0, 0.5, 0.5]]))
    np.testing.assert_allclose(np.asarray(batch.mean()), [0.0, 1.5])
    np.testing.assert_allclose(np.asarray(batch.variance()), [0.0, 0.25])


def test_zero_inflated_negative_binomial_accepts_tfp_names():
    # tfd.ZeroInflatedNegativeBinomial(total_count=3., probs=0.4, inflated_loc_probs=0.3)
    # and (..., inflated_loc_logits=0.5); .log_prob([0., 2.])
    d = pfd.ZeroInflatedNegativeBinomial(3.0, probs=0.4, inflated_loc_probs=0.3)
    np.testing.assert_allclose(np.asarray(d.log_prob(jnp.asarray([0.0, 2.0]))),
                               [-0.7958445787982853, -1.9299738097569563], rtol=1e-12)
    same = pfd.ZeroInflatedNegativeBinomial(3.0, probs=0.4, gate=0.3)
    np.testing.assert_allclose(np.asarray(same.log_prob(jnp.asarray([0.0, 2.0]))),
                               np.asarray(d.log_prob(jnp.asarray([0.0, 2.0]))), rtol=1e-14)
    t = pfd.ZeroInflatedNegativeBinomial(3.0, probs=0.4, inflated_loc_logits=0.5)
    np.testing.assert_allclose(np.asarray(t.log_prob(jnp.asarray([0.0, 2.0]))),
                               [-0.23679895635767528, -2.8865605533364467], rtol=1e-12)
    np.testing.assert_allclose(float(t.inflated_loc_logits), 0.5, rtol=1e-12)
    with pytest.raises(ParameterError, match="exactly one of gate or gate_logits or "
                                             "inflated_loc_probs or inflated_loc_logits"):
        pfd.ZeroInflatedNegativeBinomial(3.0, probs=0.4, gate=0.2, inflated_loc_probs=0.2)
    with pytest.raises(ParameterError, match="inflated_loc_probs must be in"):
        pfd.ZeroInflatedNegativeBinomial(3.0, probs=0.4, inflated_loc_probs=1.5)


# -- FiniteDiscrete ---------------------------------------------------------------------------------


def test_finite_discrete_matches_tfp_and_rejects_bad_outcomes():
    # tfd.FiniteDiscrete([-1.0, 0.5, 2.0], logits=[0.1, 0.2, -0.3]): log_prob([0.5, 0.7]),
    # cdf([0.7, 2.0]), mean(), variance(), entropy()
    d = pfd.FiniteDiscrete(jnp.asarray([-1.0, 0.5, 2.0]), logits=jnp.asarray([0.1, 0.2, -0.3]))
    np.testing.assert_allclose(np.asarray(d.log_prob(jnp.asarray([0.5, 0.7]))),
                               [-0.9208276555532595, -np.inf], rtol=1e-12)
    np.testing.assert_allclose(np.asarray(d.cdf(jnp.asarray([0.7, 2.0]))),
                               [0.7584859562854762, 1.0], rtol=1e-12)
    np.testing.assert_allclose(float(d.mean()), 0.3218261427109757, rtol=1e-12)
    np.testing.assert_allclose(float(d.variance()), 1.3223280592276443, rtol=1e-12)
    np.testing.assert_allclose(float(d.entropy()), 1.0776143389345754, rtol=1e-12)
    assert float(d.cdf(-2.0)) == 0.0
    with pytest.raises(ParameterError, match="outcomes must be strictly ascending"):
        pfd.FiniteDiscrete(jnp.asarray([0.0, 2.0, 1.0]), probs=jnp.ones(3) / 3)
    with pytest.raises(ShapeError, match="must end in the number of outcomes 3"):
        pfd.FiniteDiscrete(jnp.asarray([0.0, 1.0, 2.0]), probs=jnp.ones(2) / 2)


def test_finite_discrete_integer_outcomes_and_kl():
    d = pfd.FiniteDiscrete(jnp.asarray([1, 3, 7]), probs=jnp.asarray([0.5, 0.25, 0.25]))
    x = d.sample(jax.random.key(0), (2000,))
    assert x.dtype == jnp.asarray([1, 3, 7]).dtype
    assert _chi_square_pvalue(np.asarray(x), [1, 3, 7], [0.5, 0.25, 0.25]) > 1e-4
    q = pfd.FiniteDiscrete(jnp.asarray([1, 3, 7]), probs=jnp.asarray([0.2, 0.3, 0.5]))
    p_, q_ = np.array([0.5, 0.25, 0.25]), np.array([0.2, 0.3, 0.5])
    np.testing.assert_allclose(float(pfd.kl_divergence(d, q)), np.sum(p_ * np.log(p_ / q_)),
                               rtol=1e-12)
    other = pfd.FiniteDiscrete(jnp.asarray([1, 3, 8]), probs=jnp.asarray([0.2, 0.3, 0.5]))
    with pytest.raises(ParameterError, match="same outcomes"):
        pfd.kl_divergence(d, other)


# -- Inflated ---------------------------------------------------------------------------------------


def test_inflated_follows_tfp_logits_convention():
    # tfd.Inflated(tfd.Poisson(2.0), inflated_loc_logits=0.5).log_prob([0., 1., 3.]), .mean()
    d = pfd.Inflated(pfd.Poisson(2.0), inflated_loc_logits=0.5)
    np.testing.assert_allclose(np.asarray(d.log_prob(jnp.asarray([0.0, 1.0, 3.0]))),
                               [-0.2646743359444807, -2.620114506958277, -3.0255796150664427],
                               rtol=1e-12)
    np.testing.assert_allclose(float(d.mean()), 2.0 * (1.0 - float(jax.nn.sigmoid(1.0))),
                               rtol=1e-12)
    np.testing.assert_allclose(float(d.probs_parameter()), float(jax.nn.sigmoid(1.0)))


def test_inflated_samples_put_the_right_mass_at_the_point():
    d = pfd.Inflated(pfd.Normal(jnp.asarray([0.0, 3.0]), 1.0), inflated_loc_probs=0.3,
                     inflated_loc=1.0)
    x = np.asarray(d.sample(jax.random.key(3), (2000,)))
    # Binomial(2000, 0.3) count at the point: 4 standard errors.
    se = np.sqrt(2000 * 0.3 * 0.7)
    assert np.all(np.abs((x == 1.0).sum(0) - 600) < 4 * se)
    assert float(d.log_prob(jnp.asarray([1.0, 1.0]))[0]) == pytest.approx(np.log(0.3))
    assert np.all(np.isfinite(np.asarray(jax.grad(
        lambda p: d.replace(inflated_loc_probs=p).log_prob(jnp.asarray([1.0, 2.0])).sum())(
            jnp.asarray(0.3)))))


# -- QuantizedDistribution -------------------------------------------------------------------------


def test_quantized_matches_tfp_and_its_samples_follow_the_pmf():
    # tfd.QuantizedDistribution(tfd.Logistic(1., 2.), low=-2., high=5.):
    # log_prob([-2., 0., 3., 5.]), cdf([-3., 0.5, 4., 5.])
    d = pfd.QuantizedDistribution(pfd.Logistic(1.0, 2.0), low=-2.0, high=5.0)
    np.testing.assert_allclose(
        np.asarray(d.log_prob(jnp.asarray([-2.0, 0.0, 3.0, 5.0]))),
        [-1.7014132779827524, -2.220090801265518, -2.220090801265518, -1.7014132779827524],
        rtol=1e-12)
    np.testing.assert_allclose(np.asarray(d.cdf(jnp.asarray([-3.0, 0.5, 4.0, 5.0]))),
                               [0.0, 0.3775406687981454, 0.8175744761936437, 1.0], rtol=1e-12)
    assert np.all(np.isneginf(np.asarray(d.log_prob(jnp.asarray([-3.0, 0.5, 6.0])))))
    support = np.arange(-2, 6)
    probs = np.exp(np.asarray(d.log_prob(jnp.asarray(support, dtype=jnp.float64))))
    np.testing.assert_allclose(probs.sum(), 1.0, rtol=1e-12)
    x = np.asarray(d.sample(jax.random.key(5), (2000,)))
    assert _chi_square_pvalue(x, support, probs) > 1e-4


def test_quantized_rejects_fractional_cut_offs():
    with pytest.raises(ParameterError, match="low must be a whole number"):
        pfd.QuantizedDistribution(pfd.Normal(0.0, 1.0), low=0.5)


# -- TruncatedDistribution ------------------------------------------------------------------------


def test_truncated_discrete_base_counts_the_lower_bound():
    d = pfd.TruncatedDistribution(pfd.Poisson(3.0), low=2.0, high=5.0)
    k = np.arange(0.0, 8.0)
    inside = (k >= 2) & (k <= 5)
    want = np.where(inside, st.poisson(3.0).pmf(k), 0.0) / st.poisson(3.0).pmf(
        np.arange(2, 6)).sum()
    np.testing.assert_allclose(np.asarray(d.prob(jnp.asarray(k))), want, rtol=1e-12, atol=0)
    np.testing.assert_allclose(np.asarray(d.cdf(jnp.asarray(k))), np.cumsum(want), rtol=1e-12)
    assert isinstance(d.support, pfd.constraints.IntegerInterval)
    with pytest.raises(UnsupportedError, match="Poisson has no quantile"):
        d.sample(jax.random.key(0))


def test_truncated_far_tail_keeps_precision():
    d = pfd.TruncatedDistribution(pfd.Normal(0.0, 1.0), low=30.0)
    ref = st.truncnorm(30.0, np.inf)
    np.testing.assert_allclose(float(d.log_prob(31.0)), ref.logpdf(31.0), rtol=1e-9)
    np.testing.assert_allclose(float(d.log_survival_function(30.02)), ref.logsf(30.02),
                               rtol=1e-9)
    grad = jax.grad(lambda low: d.replace(low=low).log_prob(31.0))(30.0)
    assert np.isfinite(float(grad))


def test_truncated_support_and_errors():
    d = pfd.TruncatedDistribution(pfd.Gamma(2.0, 1.0), high=3.0)
    support = d.support
    assert float(support.low) == 0.0 and float(support.high) == 3.0
    y = d.default_event_space_bijector().forward(jnp.linspace(-5.0, 5.0, 7))
    assert np.all(np.isfinite(np.asarray(d.log_prob(y))))
    with pytest.raises(ParameterError, match="high - low must be positive"):
        pfd.TruncatedDistribution(pfd.Normal(0.0, 1.0), low=1.0, high=1.0)
    with pytest.raises(ShapeError, match="univariate"):
        pfd.TruncatedDistribution(pfd.MultivariateNormalDiag(jnp.zeros(2)), low=0.0)


# -- censoring --------------------------------------------------------------------------------------


def test_censoring_indicators_and_interval_gradients():
    with pytest.raises(ParameterError, match="censored must be 0/1 or boolean"):
        pfd.RightCensoredDistribution(pfd.Exponential(1.0), jnp.asarray([0.0, 2.0]))
    d = pfd.IntervalCensoredDistribution(pfd.Normal(1.0, 2.0), jnp.asarray([0, 1, 0, 0]),
                                         jnp.asarray([0, 0, 1, 0]))
    v = jnp.asarray([[0.0, 1.0], [-jnp.inf, 0.5], [0.2, jnp.inf], [-jnp.inf, jnp.inf]])
    base = st.norm(1.0, 2.0)
    want = np.log([base.cdf(1.0) - base.cdf(0.0), base.cdf(0.5), base.sf(0.2), 1.0])
    np.testing.assert_allclose(np.asarray(d.log_prob(v)), want, rtol=1e-12)
    grads = jax.grad(lambda m: d.replace(base_dist=pfd.Normal(m, 2.0)).log_prob(v).sum())(1.0)
    assert np.isfinite(float(grads))
    with pytest.raises(UnsupportedError, match="observed"):
        d.default_event_space_bijector()


# -- hurdles ----------------------------------------------------------------------------------------


@pytest.mark.parametrize("rate", [0.05, 4.0])
def test_hurdle_poisson_exact_sampler(rate):
    d = pfd.HurdlePoisson(0.3, rate)
    x = np.asarray(d.sample(jax.random.key(11), (2000,)))
    support = np.arange(0, 4 if rate < 1 else 12)
    probs = np.exp(np.asarray(d.log_prob(jnp.asarray(support, dtype=jnp.float64))))
    probs[-1] += 1.0 - probs.sum()  # fold the tail into the last cell
    x = np.minimum(x, support[-1])
    assert _chi_square_pvalue(x, support, probs) > 1e-4


def test_hurdle_gates_and_errors():
    d = pfd.HurdleNegativeBinomial(gate_logits=0.0, total_count=2.0, logits=0.3)
    assert float(d.prob(0.0)) == pytest.approx(0.5)
    with pytest.raises(ParameterError, match="exactly one of gate or gate_logits"):
        pfd.HurdlePoisson(0.3, 1.0, gate_logits=0.0)
    with pytest.raises(ParameterError, match="gate must be in"):
        pfd.HurdleGamma(1.2, 2.0)
    with pytest.raises(ParameterError, match="HurdlePoisson: Poisson: rate must be"):
        pfd.HurdlePoisson(0.3, -1.0)
    generic = pfd.HurdleDistribution(pfd.Geometric(probs=0.4), gate=0.25)
    np.testing.assert_allclose(float(generic.prob(1.0)), 0.75 * 0.4 * 0.6 / 0.6, rtol=1e-12)
    x = np.asarray(generic.sample(jax.random.key(2), (2000,)))
    assert x.min() == 0.0 and np.all(x == np.floor(x))


# -- structural wrappers ----------------------------------------------------------------------------


def test_batch_reshape_and_broadcast_shapes_and_errors():
    d = pfd.BatchReshape(pfd.Normal(jnp.zeros(6), 1.0), (3, -1))
    assert d.batch_shape == (3, 2)
    with pytest.raises(ShapeError, match="as many elements"):
        pfd.BatchReshape(pfd.Normal(jnp.zeros(6), 1.0), (4,))
    b = pfd.BatchBroadcast(pfd.Normal(jnp.zeros((2, 1)), 1.0), with_shape=(3,))
    assert b.batch_shape == (2, 3)
    x = np.asarray(b.sample(jax.random.key(0), (2000,)))
    # Independent copies: sample correlation of two copies within 4 / sqrt(n).
    assert abs(np.corrcoef(x[:, 0, 0], x[:, 0, 1])[0, 1]) < 4 / np.sqrt(2000)
    with pytest.raises(ShapeError, match="does not broadcast to to_shape"):
        pfd.BatchBroadcast(pfd.Normal(jnp.zeros(3), 1.0), to_shape=(3, 1))


def test_batch_concat_and_blockwise_event_space():
    c = pfd.BatchConcat([pfd.Gamma(jnp.ones(2), 1.0), pfd.LogNormal(jnp.ones(1), 1.0)], axis=-1)
    assert c.batch_shape == (3,)
    y = c.default_event_space_bijector().forward(jnp.asarray([-3.0, 0.0, 3.0]))
    assert np.all(np.asarray(c.support.check(y))) and np.all(np.isfinite(c.log_prob(y)))
    with pytest.raises(UnsupportedError, match="supports differ"):
        _ = pfd.BatchConcat([pfd.Normal(jnp.zeros(1), 1.0), pfd.Gamma(jnp.ones(1), 1.0)],
                            axis=0).support

    d = pfd.Blockwise([pfd.Gamma(2.0, 1.0), pfd.Dirichlet(jnp.ones(3)), pfd.Normal(0.0, 1.0)])
    b = d.default_event_space_bijector()
    z = jax.random.normal(jax.random.key(1), (4, 4), dtype=jnp.float64)
    y = b.forward(z)
    assert y.shape == (4, 5)
    assert np.all(np.asarray(d.support.check(y))) and np.all(np.isfinite(d.log_prob(y)))
    np.testing.assert_allclose(np.asarray(b.inverse(y)), np.asarray(z), rtol=1e-9, atol=1e-9)
    with pytest.raises(TypeError, match="dtype_override"):
        pfd.Blockwise([pfd.Normal(0.0, 1.0), pfd.Poisson(1.0).replace(rate=jnp.float32(1.0))])
    with pytest.raises(ShapeError, match="same batch_shape"):
        pfd.Blockwise([pfd.Normal(jnp.zeros(2), 1.0), pfd.Normal(0.0, 1.0)])


def test_jitted_wrappers_accept_both_key_kinds():
    d = pfd.BatchReshape(pfd.HurdlePoisson(jnp.full(4, 0.3), 2.0), (2, 2))
    draw = jax.jit(lambda dist, key: dist.sample(key, (3,)))
    a = draw(d, jax.random.key(0))
    b = draw(d, jax.random.PRNGKey(0))
    assert a.shape == b.shape == (3, 2, 2)


def test_structural_kl_divergences():
    p = pfd.Normal(jnp.arange(6.0), 1.0)
    q = pfd.Normal(jnp.zeros(6), 2.0)
    ref = np.asarray(pfd.kl_divergence(p, q))
    kl = pfd.kl_divergence(pfd.BatchReshape(p, (2, 3)), pfd.BatchReshape(q, (2, 3)))
    np.testing.assert_allclose(np.asarray(kl), ref.reshape(2, 3), rtol=1e-12)
    kl = pfd.kl_divergence(pfd.BatchBroadcast(p, to_shape=(2, 6)),
                           pfd.BatchBroadcast(q, to_shape=(2, 6)))
    np.testing.assert_allclose(np.asarray(kl), np.broadcast_to(ref, (2, 6)), rtol=1e-12)
    a = pfd.Blockwise([pfd.Normal(0.0, 1.0), pfd.Dirichlet(jnp.ones(3))])
    b = pfd.Blockwise([pfd.Normal(1.0, 2.0), pfd.Dirichlet(jnp.asarray([1.0, 2.0, 3.0]))])
    want = (pfd.kl_divergence(pfd.Normal(0.0, 1.0), pfd.Normal(1.0, 2.0))
            + pfd.kl_divergence(pfd.Dirichlet(jnp.ones(3)),
                                pfd.Dirichlet(jnp.asarray([1.0, 2.0, 3.0]))))
    np.testing.assert_allclose(float(pfd.kl_divergence(a, b)), float(want), rtol=1e-12)
    # The Normal part against its closed form: log(2) + (1 + 1) / 8 - 1 / 2.
    np.testing.assert_allclose(
        float(pfd.kl_divergence(pfd.Normal(0.0, 1.0), pfd.Normal(1.0, 2.0))),
        np.log(2.0) + 2.0 / 8.0 - 0.5, rtol=1e-12)
