"""Multivariate distributions: checks beyond the conformance table."""

from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np
import pytest
import scipy.integrate as integrate
import scipy.stats as st

import probflow.distributions as pfd

_L = np.array([[1.0, 0.0, 0.0], [0.5, 2.0, 0.0], [-0.3, 0.2, 0.7]])


@pytest.mark.parametrize("make, message", [
    (lambda: pfd.MultivariateNormalFullCovariance(np.zeros(2), np.array([[1.0, 2.0],
                                                                         [2.0, 1.0]])),
     "MultivariateNormalFullCovariance: covariance_matrix must be symmetric positive definite"),
    (lambda: pfd.MultivariateNormalTriL(np.zeros(2), np.array([[1.0, 1.0], [0.0, 1.0]])),
     "MultivariateNormalTriL: scale_tril must be lower triangular with a positive diagonal"),
    (lambda: pfd.MultivariateNormalTriL(np.zeros(3), np.eye(2)),
     r"loc has shape \(3,\) and scale_tril \(2, 2\)"),
    (lambda: pfd.Dirichlet(np.array([1.0, -1.0])), "Dirichlet: concentration must be positive"),
    (lambda: pfd.Multinomial(3.0, probs=np.array([0.5, 0.6])),
     "Multinomial: probs must be non-negative and sum to 1"),
    (lambda: pfd.Multinomial(3.0), "Multinomial: exactly one of logits or probs"),
    (lambda: pfd.LKJ(0, 1.0), "LKJ: dimension must be a positive integer, got 0"),
    (lambda: pfd.WishartTriL(1.0, np.eye(3)), "WishartTriL: df must be greater than d - 1 = 2"),
])
def test_validation_messages(make, message):
    with pytest.raises(ValueError, match=message):
        make()


@pytest.mark.compile_bound
def test_lkj_two_by_two_integrates_to_one_and_marginals():
    for eta in (0.5, 1.0, 3.0):
        d = pfd.LKJ(2, eta)

        def density(r, d=d):
            return float(d.prob(jnp.asarray([[1.0, r], [r, 1.0]])))

        total = integrate.quad(density, -1 + 1e-12, 1 - 1e-12, limit=200)[0]
        assert abs(total - 1.0) < 1e-6, (eta, total)
    # Off-diagonal marginal of LKJ(d, eta): (r + 1)/2 ~ Beta(eta - 1 + d/2, eta - 1 + d/2).
    for dim, eta in ((3, 2.0), (5, 0.8)):
        chol = pfd.CholeskyLKJ(dim, eta).sample(jax.random.key(dim), (4000,))
        corr = np.asarray(chol @ jnp.swapaxes(chol, -1, -2))
        b = eta - 1 + dim / 2
        p = st.kstest((corr[:, dim - 1, 0] + 1) / 2, st.beta(b, b).cdf).pvalue
        assert p > 1e-4
        np.testing.assert_allclose(np.diagonal(corr, axis1=1, axis2=2), 1.0, atol=1e-10)


def test_cholesky_lkj_matches_lkj_through_the_jacobian():
    # log p_L(L) = log p_R(L L^T) + log|dR/dL|, with log|dR/dL| = sum_{i=2..d} (d - i)
    # log L_ii (rows 1-based); checked at random points.
    dim = 4
    chol = pfd.CholeskyLKJ(dim, 1.7).sample(jax.random.key(0), (5,))
    corr = chol @ jnp.swapaxes(chol, -1, -2)
    diag = jnp.diagonal(chol, axis1=-2, axis2=-1)[:, 1:]
    jac = jnp.sum(jnp.arange(dim - 2, -1, -1) * jnp.log(diag), axis=-1)
    np.testing.assert_allclose(pfd.CholeskyLKJ(dim, 1.7).log_prob(chol),
                               pfd.LKJ(dim, 1.7).log_prob(corr) + jac, rtol=1e-8)


def test_wishart_sample_moments():
    n, df = 20000, 6.0
    x = np.asarray(pfd.WishartTriL(df, _L).sample(jax.random.key(1), (n,)))
    s = _L @ _L.T
    var = df * (s**2 + np.outer(np.diag(s), np.diag(s)))
    np.testing.assert_array_less(np.abs(x.mean(0) - df * s), 5 * np.sqrt(var / n) + 1e-12)
    chol = pfd.WishartTriL(df, _L, input_output_cholesky=True).sample(jax.random.key(1))
    assert np.allclose(np.triu(np.asarray(chol), 1), 0.0)


@pytest.mark.compile_bound
def test_dirichlet_off_simplex_and_implicit_gradient():
    d = pfd.Dirichlet(jnp.asarray([2.0, 3.0, 4.0]))
    lp = d.log_prob(jnp.asarray([[0.5, 0.6, -0.1], [0.3, 0.3, 0.3]]))
    assert np.all(np.isneginf(np.asarray(lp)))
    # d/da_1 E[x_1] = d/da_1 a_1 / sum(a): Monte Carlo over 40000 draws, 5 standard errors.
    n, key = 40000, jax.random.key(5)

    def first(a1):
        return pfd.Dirichlet(jnp.stack([a1, 3.0, 4.0])).sample(key, (n,))[:, 0]

    # Per-draw derivatives in one forward-mode pass; their mean is d/da_1 of the sample mean.
    per = jax.jit(jax.jacfwd(first))(2.0)
    got = float(jnp.mean(per))
    want = 7.0 / 81.0
    assert abs(got - want) < 5 * float(jnp.std(per)) / np.sqrt(n)


def test_multinomial_samples_sum_to_total_count():
    x = np.asarray(pfd.Multinomial(jnp.asarray([3.0, 10.0]), probs=jnp.asarray(
        [0.1, 0.2, 0.7])).sample(jax.random.key(0), (100,)))
    assert x.shape == (100, 2, 3)
    np.testing.assert_array_equal(x.sum(-1), np.broadcast_to([3.0, 10.0], (100, 2)))
    assert np.all(x == np.floor(x)) and np.all(x >= 0)


def test_mvn_log_prob_of_many_points_and_float32():
    d = pfd.MultivariateNormalTriL(jnp.zeros(50, jnp.float32), jnp.eye(50, dtype=jnp.float32))
    x = jax.random.normal(jax.random.key(0), (1000, 50), jnp.float32)
    lp = d.log_prob(x)
    assert lp.dtype == jnp.float32 and lp.shape == (1000,)
    np.testing.assert_allclose(lp, st.multivariate_normal(np.zeros(50)).logpdf(np.asarray(x)),
                               rtol=1e-5)


def test_log_prob_with_batched_scale_and_many_points_matches_point_by_point():
    """More than 4 d points take the inverse-and-multiply path of ``solve_lower``; with a
    batch of scale factors it used to multiply the wrong axes (a shape error)."""
    rng = np.random.default_rng(0)
    tril = np.tril(rng.normal(size=(4, 3, 3))) + 3.0 * np.eye(3)
    d = pfd.MultivariateNormalTriL(rng.normal(size=(4, 3)), tril)
    x = rng.normal(size=(20, 4, 3))
    want = np.stack([np.asarray(d.log_prob(x[i])) for i in range(20)])
    np.testing.assert_allclose(np.asarray(d.log_prob(x)), want, rtol=1e-10)
