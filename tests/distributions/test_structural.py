"""Shapes and behaviour of the structural distributions beyond the conformance table."""

from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np
import pytest
import scipy.stats as st

import probflow.distributions as pfd
from probflow.core.errors import ShapeError


def test_independent_shapes_follow_tfp():
    d = pfd.Independent(pfd.Normal(jnp.zeros((2, 3, 4)), 1.0), 2)
    assert d.batch_shape == (2,) and d.event_shape == (3, 4)
    assert pfd.Independent(pfd.Normal(jnp.zeros((2, 3)), 1.0)).batch_shape == ()
    with pytest.raises(ShapeError, match="reinterpreted_batch_ndims must be between 0 and"):
        pfd.Independent(pfd.Normal(jnp.zeros(2), 1.0), 3)
    # Static configuration: changing it retraces, changing parameters does not.
    traces = []

    @jax.jit
    def f(dist):
        traces.append(1)
        return dist.log_prob(jnp.zeros((2, 3)))

    f(pfd.Independent(pfd.Normal(jnp.zeros((2, 3)), 1.0), 1))
    f(pfd.Independent(pfd.Normal(jnp.ones((2, 3)), 2.0), 1))
    assert len(traces) == 1


def test_sample_shapes_and_log_prob():
    d = pfd.Sample(pfd.Normal(jnp.asarray([0.0, 5.0]), 1.0), (3,))
    assert d.batch_shape == (2,) and d.event_shape == (3,)
    x = d.sample(jax.random.key(0), (4,))
    assert x.shape == (4, 2, 3)
    # The second batch member's draws are centred at 5.
    assert float(jnp.mean(x[:, 1])) > 3.0
    np.testing.assert_allclose(d.log_prob(x), st.norm([[0.0], [5.0]], 1).logpdf(
        np.asarray(x)).sum(-1), rtol=1e-10)


def test_independent_kl_sums_the_bases():
    p = pfd.Independent(pfd.Normal(jnp.zeros(3), 1.0), 1)
    q = pfd.Independent(pfd.Normal(jnp.ones(3), 2.0), 1)
    want = jnp.sum(pfd.kl_divergence(pfd.Normal(jnp.zeros(3), 1.0), pfd.Normal(jnp.ones(3), 2.0)))
    np.testing.assert_allclose(pfd.kl_divergence(p, q), want, rtol=1e-12)


def test_mixture_same_family_samples_match_weights():
    d = pfd.MixtureSameFamily(pfd.Categorical(probs=jnp.asarray([0.2, 0.8])),
                              pfd.Normal(jnp.asarray([-10.0, 10.0]), 0.1))
    x = np.asarray(d.sample(jax.random.key(0), (5000,)))
    frac = np.mean(x > 0)
    assert abs(frac - 0.8) < 5 * np.sqrt(0.16 / 5000)
    with pytest.raises(ShapeError, match="2 classes but components_distribution has 3"):
        pfd.MixtureSameFamily(pfd.Categorical(probs=jnp.asarray([0.5, 0.5])),
                              pfd.Normal(jnp.zeros(3), 1.0))


def test_mixture_same_family_with_vector_components_and_batch():
    comps = pfd.MultivariateNormalDiag(jnp.zeros((4, 2, 3)), jnp.ones((4, 2, 3))) \
        if hasattr(pfd, "MultivariateNormalDiag") else \
        pfd.Independent(pfd.Normal(jnp.zeros((4, 2, 3)), 1.0), 1)
    d = pfd.MixtureSameFamily(pfd.Categorical(logits=jnp.zeros((4, 2))), comps)
    assert d.batch_shape == (4,) and d.event_shape == (3,)
    x = d.sample(jax.random.key(1), (5,))
    assert x.shape == (5, 4, 3)
    assert d.log_prob(x).shape == (5, 4)
    np.testing.assert_allclose(d.log_prob(x), comps.log_prob(x[:, :, None])[..., 0], rtol=1e-10)


def test_masked_drops_masked_members():
    base = pfd.Normal(jnp.zeros(3), 1.0)
    d = pfd.Masked(base, jnp.asarray([True, False, True]))
    lp = d.log_prob(jnp.asarray([0.0, 100.0, 1.0]))
    assert float(lp[1]) == 0.0 and float(lp[0]) == float(base.log_prob(0.0)[0])
    with pytest.raises(ShapeError, match="validity_mask"):
        pfd.Masked(base, jnp.asarray([True, False]))


def test_deterministic_and_empirical():
    d = pfd.Deterministic(1.0, atol=0.1)
    assert float(d.log_prob(1.05)) == 0.0 and np.isneginf(float(d.log_prob(1.2)))
    assert float(d.cdf(0.8)) == 0.0 and float(d.cdf(1.0)) == 1.0
    np.testing.assert_array_equal(d.sample(jax.random.key(0), (3,)), np.ones(3))
    v = pfd.VectorDeterministic(jnp.asarray([1.0, 2.0]))
    assert v.event_shape == (2,)
    e = pfd.Empirical(jnp.asarray([[1.0, 2.0], [3.0, 4.0], [1.0, 2.0]]), event_ndims=1)
    assert e.event_shape == (2,) and e.batch_shape == ()
    np.testing.assert_allclose(e.prob(jnp.asarray([1.0, 2.0])), 2 / 3)
    draws = np.asarray(e.sample(jax.random.key(0), (3000,)))
    assert abs(np.mean(draws[:, 0] == 1.0) - 2 / 3) < 5 * np.sqrt(2 / 9 / 3000)
    with pytest.raises(ValueError, match="event_ndims must be 0 or 1"):
        pfd.Empirical(jnp.zeros(3), event_ndims=2)
