"""Multivariate and directional catalogue (issue 13): samplers, KL divergences and errors.

Goodness-of-fit tests are KS tests at level 1e-4 of one-dimensional statistics whose law is
known exactly (a chi-square for inverse Wishart draws, a beta for the power spherical, the
closed-form cdf of ``mu^T x`` for the von Mises-Fisher in 3-d, quadrature cdfs elsewhere), or
chi-square tests at level 1e-4 over every outcome of a small discrete space. Keys are fixed;
the levels give the chance that a correct sampler fails with a given key. Monte Carlo checks
allow five standard errors (two-sided false-fail rate 6e-7).
"""

from __future__ import annotations

import itertools

import jax
import jax.numpy as jnp
import numpy as np
import pytest
import scipy.integrate as si
import scipy.linalg as sl
import scipy.special as sp
import scipy.stats as st

from probflow.core.errors import ParameterError, ShapeError
from probflow.distributions import kl_divergence
from probflow.distributions._bessel import log_bessel_iv_over_xv
from probflow.distributions.car import CAR
from probflow.distributions.dirichlet import Dirichlet
from probflow.distributions.dpp import DeterminantalPointProcess
from probflow.distributions.flat_dirichlet import FlatDirichlet
from probflow.distributions.inverse_wishart import InverseWishart, InverseWishartTriL
from probflow.distributions.low_rank_mvn import LowRankMultivariateNormal
from probflow.distributions.matrix_normal import MatrixNormal, MatrixT
from probflow.distributions.mvn import MultivariateNormalFullCovariance, MultivariateNormalTriL
from probflow.distributions.plackett_luce import PlackettLuce
from probflow.distributions.projected_normal import ProjectedNormal
from probflow.distributions.spherical import PowerSpherical, SphericalUniform, VonMisesFisher
from probflow.distributions.torus import SineBivariateVonMises
from probflow.distributions.zero_sum_normal import ZeroSum, ZeroSumNormal, ZeroSumTransform

_L = np.array([[1.0, 0.0, 0.0], [0.5, 2.0, 0.0], [-0.3, 0.2, 0.7]])
_S = _L @ _L.T
_LEVEL = 1e-4


def _ks(samples, cdf):
    p = st.kstest(np.asarray(samples), cdf).pvalue
    assert p > _LEVEL, f"KS p-value {p:.2e}"


def _check_sample_gradient(make, value, entries):
    """Gradient of sum(samples) in one parameter against central finite differences."""
    def total(param):
        return jnp.sum(make(param).sample(jax.random.key(7), (3,)))

    grad = np.asarray(jax.grad(total)(jnp.asarray(value)))
    eps = 1e-6
    for index in entries:
        step = np.zeros(np.shape(value))
        step[index] = eps
        fd = (float(total(jnp.asarray(value + step))) - float(total(jnp.asarray(value - step)))
              ) / (2 * eps)
        np.testing.assert_allclose(grad[index], fd, rtol=1e-5, atol=1e-6)


# -- helpers -------------------------------------------------------------------------------------

def test_log_bessel_matches_scipy_across_orders_and_both_branches():
    for v in (0.0, 0.5, 1.5, 4.0):
        x = np.array([1e-3, 0.7, 12.0, 29.0 + v * v, 31.0 + v * v, 400.0])
        got = np.asarray(log_bessel_iv_over_xv(v, jnp.asarray(x)))
        want = np.log(sp.ive(v, x)) + x - v * np.log(x)
        np.testing.assert_allclose(got, want, rtol=1e-12, atol=1e-14)
    # finite at 0 with the limit -v log 2 - lgamma(v + 1), and gradient I_{v+1}/I_v
    np.testing.assert_allclose(float(log_bessel_iv_over_xv(1.5, jnp.asarray(0.0))),
                               -1.5 * np.log(2.0) - sp.gammaln(2.5), rtol=1e-13)
    grad = jax.grad(lambda x: log_bessel_iv_over_xv(1.5, x))(5.0)
    np.testing.assert_allclose(float(grad), sp.ive(2.5, 5.0) / sp.ive(1.5, 5.0), rtol=1e-12)


# -- inverse Wishart -------------------------------------------------------------------------------

@pytest.mark.parametrize("cholesky", [False, True])
def test_inverse_wishart_draws_have_chi_square_quadratic_forms(cholesky):
    # X ~ IW(df, S) => X^{-1} ~ W(df, S^{-1}) => a^T X^{-1} a / a^T S^{-1} a ~ chi2(df).
    df = 5.5
    d = InverseWishartTriL(df, _L, input_output_cholesky=cholesky)
    x = np.asarray(d.sample(jax.random.PRNGKey(3), (2000,)))
    if cholesky:
        x = x @ np.swapaxes(x, -1, -2)
    s_inv = np.linalg.inv(_S)
    for a in (np.array([1.0, 0.0, 0.0]), np.array([0.3, -1.0, 2.0])):
        q = np.einsum("i,nij,j->n", a, np.linalg.inv(x), a) / (a @ s_inv @ a)
        _ks(q, st.chi2(df).cdf)


def test_inverse_wishart_sample_gradients_in_the_scale_match_finite_differences():
    # (df is implicitly reparameterized through log-gamma draws, as for WishartTriL.)
    _check_sample_gradient(lambda tril: InverseWishartTriL(6.5, tril), _L,
                           [(0, 0), (1, 0), (2, 1), (2, 2)])


def test_inverse_wishart_entropy_against_monte_carlo_and_inverse_gamma():
    # scipy.stats.invwishart.entropy disagrees with both checks below for d > 1 (scipy 1.17).
    d = InverseWishartTriL(7.5, _L)
    x = st.invwishart(7.5, _S).rvs(size=20000, random_state=1)
    lp = np.asarray(d.log_prob(x))
    se = lp.std() / np.sqrt(lp.size)
    assert abs(-lp.mean() - float(d.entropy())) < 5 * se
    one = InverseWishartTriL(5.0, np.array([[np.sqrt(2.0)]]))  # d = 1: InvGamma(df/2, s/2)
    np.testing.assert_allclose(float(one.entropy()), st.invgamma(2.5, scale=1.0).entropy(),
                               rtol=1e-12)


def test_inverse_wishart_parameterisations_agree_and_reject_bad_input():
    x = st.invwishart(6.0, _S).rvs(random_state=0)
    ref = float(InverseWishartTriL(6.0, _L).log_prob(x))
    for kwargs in ({"scale_matrix": _S}, {"rate_matrix": np.linalg.inv(_S)},
                   {"scale_tril": _L}):
        np.testing.assert_allclose(float(InverseWishart(6.0, **kwargs).log_prob(x)), ref,
                                   rtol=1e-10)
    with pytest.raises(ValueError, match="exactly one of scale_matrix"):
        InverseWishart(6.0, scale_matrix=_S, scale_tril=_L)
    with pytest.raises(ParameterError, match="InverseWishartTriL: df must be greater than"):
        InverseWishartTriL(1.5, _L)
    assert np.isnan(np.asarray(InverseWishartTriL(3.5, _L).mean())).all()


# -- matrix normal, matrix t, low-rank normal -------------------------------------------------------

_A = np.array([[1.0, 0.0], [0.4, 0.8]])
_B = np.array([[0.6, 0.0, 0.0], [0.2, 0.5, 0.0], [0.1, -0.3, 0.4]])


def test_matrix_normal_kl_equals_the_kl_of_the_vectorised_normals():
    p = MatrixNormal(np.zeros((2, 3)), _A, _B)
    a_q, b_q = np.array([[1.5, 0.0], [0.1, 1.0]]), 0.7 * np.eye(3)
    q = MatrixNormal(np.ones((2, 3)), a_q, b_q)
    vec = lambda m, a, b: MultivariateNormalFullCovariance(  # noqa: E731
        m.reshape(-1), np.kron(a @ a.T, b @ b.T))
    np.testing.assert_allclose(float(kl_divergence(p, q)),
                               float(kl_divergence(vec(np.zeros((2, 3)), _A, _B),
                                                   vec(np.ones((2, 3)), a_q, b_q))), rtol=1e-10)


def test_pathwise_sample_gradients_of_matrix_t_and_power_spherical():
    _check_sample_gradient(lambda a: MatrixT(5.0, np.zeros((2, 3)), a, _B), _A,
                           [(0, 0), (1, 0), (1, 1)])
    _check_sample_gradient(lambda b: MatrixT(5.0, np.zeros((2, 3)), _A, b), _B, [(2, 1)])
    # (replace: a perturbed mean direction is off the sphere, which the constructor rejects)
    base = PowerSpherical(np.array([0.6, 0.0, 0.8]), 3.5)
    _check_sample_gradient(lambda m: base.replace(mean_direction=m), np.array([0.6, 0.0, 0.8]),
                           [(0,), (1,), (2,)])


def test_matrix_distributions_reject_mismatched_scales():
    with pytest.raises(ShapeError, match="scale_row must be n x n"):
        MatrixNormal(np.zeros((2, 3)), np.eye(3), np.eye(3))
    with pytest.raises(ParameterError, match="MatrixT: df must be positive"):
        MatrixT(-1.0, np.zeros((2, 3)), np.eye(2), np.eye(3))


def test_low_rank_normal_kl_goes_through_the_multivariate_normal_kl():
    w = np.array([[1.0, 0.2], [0.5, -1.0], [0.3, 0.3]])
    diag = np.array([1.0, 2.0, 0.5])
    p = LowRankMultivariateNormal(np.array([0.1, -1.0, 2.0]), w, diag)
    q = MultivariateNormalTriL(np.zeros(3), _L)
    full = MultivariateNormalFullCovariance(np.array([0.1, -1.0, 2.0]), w @ w.T + np.diag(diag))
    np.testing.assert_allclose(float(kl_divergence(p, q)), float(kl_divergence(full, q)),
                               rtol=1e-10)
    np.testing.assert_allclose(float(kl_divergence(q, p)), float(kl_divergence(q, full)),
                               rtol=1e-10)
    with pytest.raises(ShapeError, match="cov_factor must be d x k"):
        LowRankMultivariateNormal(np.zeros(3), np.ones((2, 1)), np.ones(3))


# -- sphere ---------------------------------------------------------------------------------------

_MU = np.array([0.6, 0.0, 0.8])


@pytest.mark.parametrize("kappa", [0.0, 3.0, 500.0])
def test_von_mises_fisher_3d_projection_and_azimuth_are_exact(kappa):
    # In 3-d, w = mu^T x has cdf (exp(k w) - exp(-k)) / (exp(k) - exp(-k)) (uniform at k = 0),
    # and the azimuth around mu is uniform.
    d = VonMisesFisher(np.array([0.0, 0.0, 1.0]), kappa)
    x = np.asarray(d.sample(jax.random.key(11), (2000,)))
    np.testing.assert_allclose(np.linalg.norm(x, axis=-1), 1.0, atol=1e-12)
    w = x[:, 2]
    if kappa == 0.0:
        _ks(w, st.uniform(-1, 2).cdf)
    else:
        def cdf(t):
            t = np.clip(t, -1.0, 1.0)
            return np.exp(kappa * (t - 1.0)) * np.expm1(-kappa * (t + 1.0)) / np.expm1(
                -2.0 * kappa)

        _ks(w, cdf)
    _ks(np.arctan2(x[:, 1], x[:, 0]), st.uniform(-np.pi, 2 * np.pi).cdf)


def test_von_mises_fisher_5d_projection_matches_its_quadrature_cdf():
    kappa, dim = 2.5, 5
    mu = np.array([0.5, -0.5, 0.5, 0.5, 0.0])
    x = np.asarray(VonMisesFisher(mu, kappa).sample(jax.random.key(5), (2000,)))
    density = lambda t: np.exp(kappa * t) * (1 - t * t) ** ((dim - 3) / 2)  # noqa: E731
    total = si.quad(density, -1, 1)[0]
    _ks(x @ mu, np.vectorize(lambda t: si.quad(density, -1, min(max(t, -1), 1))[0] / total))


def test_von_mises_fisher_moments_and_kl_against_tfp_and_monte_carlo():
    # TFP-on-JAX literals: tfd.VonMisesFisher([0.6, 0, 0.8], 3.).mean(), .covariance(),
    # tfd.kl_divergence(., tfd.SphericalUniform(3, dtype=float64)).
    p = VonMisesFisher(_MU, 3.0)
    np.testing.assert_allclose(np.asarray(p.mean()), [0.40298189, 0.0, 0.53730919], atol=1e-8)
    np.testing.assert_allclose(np.asarray(p.covariance()),
                               [[0.17969529, 0.0, -0.05891139], [0.0, 0.22387883, 0.0],
                                [-0.05891139, 0.0, 0.14533031]], atol=1e-8)
    np.testing.assert_allclose(float(kl_divergence(p, SphericalUniform(3))), 0.80915077,
                               atol=1e-8)
    q = VonMisesFisher(np.array([0.0, 1.0, 0.0]), 1.5)
    x = p.sample(jax.random.key(0), (20000,))
    ratio = np.asarray(p.log_prob(x) - q.log_prob(x))
    assert abs(ratio.mean() - float(kl_divergence(p, q))) < 5 * ratio.std() / np.sqrt(ratio.size)
    assert float(kl_divergence(p, p)) == pytest.approx(0.0, abs=1e-12)
    with pytest.raises(ShapeError, match="dimensions differ"):
        kl_divergence(p, VonMisesFisher(np.array([1.0, 0.0]), 1.0))


def test_power_spherical_projection_is_beta_and_kls_match_tfp():
    kappa = 3.5
    d = PowerSpherical(_MU, kappa)
    x = np.asarray(d.sample(jax.random.key(8), (2000,)))
    # (1 + mu^T x) / 2 ~ Beta((d - 1)/2 + kappa, (d - 1)/2)
    _ks((1 + x @ _MU) / 2, st.beta(1 + kappa, 1).cdf)
    # TFP literals: tfd.kl_divergence(tfd.PowerSpherical([0.6, 0, 0.8], 3.5), .) to
    # tfd.VonMisesFisher([0, 1, 0], 1.5) and tfd.SphericalUniform(3).
    q = VonMisesFisher(np.array([0.0, 1.0, 0.0]), 1.5)
    np.testing.assert_allclose(float(kl_divergence(d, q)), 1.07661815, atol=1e-8)
    np.testing.assert_allclose(float(kl_divergence(d, SphericalUniform(3))), 0.72629962,
                               atol=1e-8)


def test_spherical_uniform_against_scipy():
    d = SphericalUniform(4, batch_shape=(2,), dtype=jnp.float64)
    x = np.asarray(d.sample(jax.random.key(1), (2000,)))
    assert x.shape == (2000, 2, 4)
    np.testing.assert_allclose(np.asarray(d.log_prob(x[:3])),  # |S^3| = 2 pi^2
                               np.full((3, 2), -np.log(2 * np.pi**2)), rtol=1e-12)
    np.testing.assert_allclose(np.asarray(d.entropy()), np.log(2 * np.pi**2), rtol=1e-12)
    _ks(x[:, 0] @ np.array([0.0, 0.0, 0.6, 0.8]), lambda t: st.beta(1.5, 1.5).cdf((t + 1) / 2))
    assert float(d.log_prob(np.array([1.0, 1.0, 0.0, 0.0]))[0]) == -np.inf
    traces = []

    @jax.jit
    def f(dist, v):
        traces.append(1)
        return dist.log_prob(v)

    f(d, x[0])
    f(d, x[1])
    assert len(traces) == 1


def test_projected_normal_angle_in_2d_matches_its_density():
    c = np.array([0.3, -1.2])
    d = ProjectedNormal(c)
    angles = np.arctan2(*np.asarray(d.sample(jax.random.key(4), (2000,)))[:, ::-1].T)
    density = lambda t: float(np.exp(d.log_prob(np.array([np.cos(t), np.sin(t)]))))  # noqa: E731
    assert si.quad(density, -np.pi, np.pi)[0] == pytest.approx(1.0, abs=1e-10)
    grid = np.linspace(-np.pi, np.pi, 20001)
    values = np.exp(np.asarray(d.log_prob(np.stack([np.cos(grid), np.sin(grid)], axis=-1))))
    cdf = si.cumulative_trapezoid(values, grid, initial=0.0)
    _ks(angles, lambda t: np.interp(t, grid, cdf))
    # far from the mean direction the log density stays finite (the Mills-ratio branch)
    far = ProjectedNormal(np.array([0.0, 0.0, 30.0]))
    assert np.isfinite(float(far.log_prob(np.array([0.0, 0.0, -1.0]))))


# -- torus ----------------------------------------------------------------------------------------

@pytest.mark.parametrize("params", [(0.3, -1.0, 2.0, 3.0, 1.5), (0.0, 0.0, 1.0, 1.0, 3.0)],
                         ids=["unimodal", "bimodal"])
def test_sine_bivariate_von_mises_phi_marginal_and_conditional(params):
    mu, nu, k1, k2, lam = params
    d = SineBivariateVonMises(mu, nu, k1, k2, correlation=lam)
    x = np.asarray(d.sample(jax.random.key(2), (2000,)))
    phi = np.mod(x[:, 0] - mu + np.pi, 2 * np.pi) - np.pi

    def marginal(p):
        return np.exp(k1 * np.cos(p)) * sp.i0(np.sqrt(k2**2 + (lam * np.sin(p)) ** 2))

    total = si.quad(marginal, -np.pi, np.pi)[0]
    _ks(phi, np.vectorize(lambda t: si.quad(marginal, -np.pi, t)[0] / total))
    # psi given phi is von Mises: its centred, rescaled cdf value is uniform.
    psi = x[:, 1] - nu
    conc = np.sqrt(k2**2 + (lam * np.sin(phi)) ** 2)
    centre = np.arctan2(lam * np.sin(phi), k2)
    u = st.vonmises.cdf(psi, conc, loc=centre)
    _ks(np.mod(u, 1.0), st.uniform().cdf)


def test_sine_bivariate_von_mises_weighted_correlation_and_concentrated_normaliser():
    d = SineBivariateVonMises(0.0, 0.0, 40.0, 30.0, weighted_correlation=0.8)
    np.testing.assert_allclose(float(d.correlation), 0.8 * np.sqrt(1200.0), rtol=1e-12)
    k1, k2, lam = 40.0, 30.0, float(d.correlation)
    log_total = np.log(si.quad(lambda p: 2 * np.pi * np.exp(k1 * (np.cos(p) - 1)) * sp.i0e(
        np.sqrt(k2**2 + (lam * np.sin(p)) ** 2)) * np.exp(np.sqrt(k2**2 + (lam * np.sin(p))
                                                             ** 2) - k2),
        -np.pi, np.pi, epsabs=0, epsrel=1e-13, points=[0.0])[0]) + k1 + k2
    np.testing.assert_allclose(float(d.log_prob(np.zeros(2))), k1 + k2 - log_total, rtol=1e-9)
    with pytest.raises(ValueError, match="exactly one of correlation"):
        SineBivariateVonMises(0.0, 0.0, 1.0, 1.0)


# -- discrete -------------------------------------------------------------------------------------

def test_plackett_luce_frequencies_of_every_permutation():
    scores = np.array([0.5, 1.0, 4.0])
    d = PlackettLuce(scores)
    perms = np.array(list(itertools.permutations(range(3))))
    probs = np.exp(np.asarray(d.log_prob(perms)))
    np.testing.assert_allclose(probs.sum(), 1.0, rtol=1e-12)
    x = np.asarray(d.sample(jax.random.key(6), (3000,)))
    assert x.dtype == np.int32
    codes = {tuple(p): i for i, p in enumerate(perms)}
    counts = np.bincount([codes[tuple(r)] for r in x], minlength=6)
    assert st.chisquare(counts, probs * x.shape[0]).pvalue > _LEVEL
    np.testing.assert_array_equal(np.asarray(d.mode()), [2, 1, 0])
    assert float(d.log_prob(np.array([0, 0, 2]))) == -np.inf


def test_dpp_frequencies_of_every_subset():
    v, _ = np.linalg.qr(np.random.default_rng(0).normal(size=(3, 3)))
    d = DeterminantalPointProcess(np.array([0.5, 2.0, 4.0]), v)
    subsets = np.array(list(itertools.product([0, 1], repeat=3)))
    probs = np.exp(np.asarray(d.log_prob(subsets)))
    np.testing.assert_allclose(probs.sum(), 1.0, rtol=1e-12)
    x = np.asarray(d.sample(jax.random.key(9), (3000,)))
    counts = np.bincount(x @ np.array([4, 2, 1]), minlength=8)
    assert st.chisquare(counts, probs * x.shape[0]).pvalue > _LEVEL
    assert float(d.log_prob(np.array([0, 2, 1]))) == -np.inf


# -- zero-sum normal, CAR, flat Dirichlet -----------------------------------------------------------

def test_zero_sum_normal_with_two_axes():
    d = ZeroSumNormal(1.5, (3, 4))
    x = np.asarray(d.sample(jax.random.key(0), (2000,)))
    np.testing.assert_allclose(x.sum(-1), 0.0, atol=1e-12)
    np.testing.assert_allclose(x.sum(-2), 0.0, atol=1e-12)
    # Coordinates in an orthonormal basis of the (2 x 3)-dimensional subspace are iid N(0, 1.5).
    basis = np.kron(sl.null_space(np.ones((1, 3))), sl.null_space(np.ones((1, 4))))
    coords = x.reshape(2000, -1) @ basis
    np.testing.assert_allclose(np.asarray(d.log_prob(x[:3])),
                               st.norm(0, 1.5).logpdf(coords[:3]).sum(-1), rtol=1e-12)
    _ks(coords[:, 0], st.norm(0, 1.5).cdf)
    b = d.default_event_space_bijector()
    assert isinstance(b, ZeroSumTransform) and b.inverse_event_shape((3, 4)) == (2, 3)
    y = b.forward(jax.random.normal(jax.random.key(1), (5, 2, 3), jnp.float64))
    assert np.all(np.asarray(ZeroSum(2).check(y)))
    np.testing.assert_allclose(np.asarray(b.forward(b.inverse(y))), np.asarray(y), atol=1e-12)
    np.testing.assert_allclose(float(kl_divergence(d, ZeroSumNormal(0.5, (3, 4)))),
                               0.5 * 6 * (9.0 - 1.0 - np.log(9.0)), rtol=1e-12)
    with pytest.raises(ValueError, match="every axis of length >= 2"):
        ZeroSumNormal(1.0, (1,))


def test_car_and_flat_dirichlet_errors_and_identities():
    w = np.array([[0.0, 1.0], [1.0, 0.0]])
    with pytest.raises(ParameterError, match="CAR: correlation must be in"):
        CAR(np.zeros(2), 1.0, 1.0, w)
    with pytest.raises(ParameterError, match="CAR: adj_matrix must be symmetric"):
        CAR(np.zeros(2), 0.5, 1.0, np.array([[0.0, 1.0], [0.0, 0.0]]))
    np.testing.assert_allclose(np.asarray(CAR(np.zeros(2), 0.5, 2.0, w).precision_matrix()),
                               [[2.0, -1.0], [-1.0, 2.0]])
    flat = FlatDirichlet((4,))
    x = np.array([0.1, 0.2, 0.3, 0.4])
    np.testing.assert_allclose(float(flat.log_prob(x)), float(Dirichlet(np.ones(4)).log_prob(x)))
    assert float(kl_divergence(flat, Dirichlet(np.ones(4)))) == pytest.approx(0.0, abs=1e-12)
    with pytest.raises(ValueError, match="FlatDirichlet: concentration_shape"):
        FlatDirichlet(())
    with pytest.raises(ParameterError, match="VonMisesFisher: mean_direction must be a unit"):
        VonMisesFisher(np.array([1.0, 1.0]), 1.0)
