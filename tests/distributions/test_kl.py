"""KL divergences: every registered closed form against a Monte Carlo estimate.

For each pair, ``mean(log p(x) - log q(x))`` over n = 20000 draws of ``p`` (fixed key)
must lie within 5 Monte Carlo standard errors of the closed form (two-sided false-fail
rate about 6e-7 per row under a normal approximation), elementwise over the batch.
"""

from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np
import pytest

import probflow.distributions as pfd
from probflow.core.errors import NoKLError

_L = np.array([[1.0, 0.0, 0.0], [0.5, 2.0, 0.0], [-0.3, 0.2, 0.7]])
_a = np.array([0.5, 2.0, 4.0])

PAIRS = {
    "Normal": (lambda: pfd.Normal(np.array([0.0, 1.0]), np.array([1.0, 0.5])),
               lambda: pfd.Normal(np.array([0.5, -1.0]), np.array([2.0, 1.5]))),
    "HalfNormal": (lambda: pfd.HalfNormal(_a), lambda: pfd.HalfNormal(_a[::-1])),
    "LogNormal": (lambda: pfd.LogNormal(0.2, 0.5), lambda: pfd.LogNormal(0.0, 1.0)),
    "Cauchy": (lambda: pfd.Cauchy(0.0, 1.0), lambda: pfd.Cauchy(1.0, 2.0)),
    "Laplace": (lambda: pfd.Laplace(0.0, _a), lambda: pfd.Laplace(1.0, 1.0)),
    "Uniform": (lambda: pfd.Uniform(0.0, 1.0), lambda: pfd.Uniform(-1.0, 2.0)),
    "Exponential": (lambda: pfd.Exponential(_a), lambda: pfd.Exponential(1.5)),
    "Gamma": (lambda: pfd.Gamma(_a, 2.0), lambda: pfd.Gamma(3.0, _a)),
    "InverseGamma": (lambda: pfd.InverseGamma(3.0, 2.0), lambda: pfd.InverseGamma(4.0, 1.0)),
    "Chi2": (lambda: pfd.Chi2(_a + 2), lambda: pfd.Chi2(3.0)),
    "Beta": (lambda: pfd.Beta(_a, 2.0), lambda: pfd.Beta(1.5, _a)),
    "Dirichlet": (lambda: pfd.Dirichlet(np.array([1.0, 2.0, 3.0])),
                  lambda: pfd.Dirichlet(np.array([2.0, 2.0, 0.5]))),
    "Bernoulli": (lambda: pfd.Bernoulli(probs=np.array([0.2, 0.7])),
                  lambda: pfd.Bernoulli(logits=np.array([0.0, -1.0]))),
    "Categorical": (lambda: pfd.Categorical(probs=np.array([0.2, 0.3, 0.5])),
                    lambda: pfd.Categorical(logits=np.array([0.0, 1.0, -1.0]))),
    "OneHotCategorical": (lambda: pfd.OneHotCategorical(probs=np.array([0.2, 0.3, 0.5])),
                          lambda: pfd.OneHotCategorical(logits=np.array([0.0, 1.0, -1.0]))),
    "Poisson": (lambda: pfd.Poisson(_a), lambda: pfd.Poisson(2.0)),
    "Geometric": (lambda: pfd.Geometric(probs=0.3), lambda: pfd.Geometric(probs=0.6)),
    "Independent": (lambda: pfd.Independent(pfd.Normal(np.zeros((2, 3)), 1.0), 1),
                    lambda: pfd.Independent(pfd.Normal(np.ones((2, 3)), 2.0), 1)),
    "MVN-TriL-vs-Diag": (lambda: pfd.MultivariateNormalTriL(np.array([0.1, -1.0, 2.0]), _L),
                         lambda: pfd.MultivariateNormalDiag(np.zeros(3), np.array([1.0, 2.0,
                                                                                   3.0]))),
    "MVN-LowRank-vs-FullCov": (
        lambda: pfd.MultivariateNormalDiagPlusLowRank(np.zeros(3), np.array([1.0, 0.5, 2.0]),
                                                      np.array([[0.3], [0.1], [-0.2]])),
        lambda: pfd.MultivariateNormalFullCovariance(np.ones(3), _L @ _L.T)),
}

# Registered class pairs -> a row name above; a newly registered closed form fails
# test_every_registered_pair_is_tested until it gets a row.
COVERS = {
    "_MultivariateNormal": "MVN-TriL-vs-Diag",
}


@pytest.mark.compile_bound
@pytest.mark.parametrize("name", sorted(PAIRS))
def test_closed_form_matches_monte_carlo(name):
    make_p, make_q = PAIRS[name]
    p, q = make_p(), make_q()
    kl = np.asarray(pfd.kl_divergence(p, q))
    x = p.sample(jax.random.key(11), (20000,))
    diff = np.asarray(p.log_prob(x) - q.log_prob(x))
    mc, se = diff.mean(0), diff.std(0) / np.sqrt(diff.shape[0])
    assert kl.shape == mc.shape
    assert np.all(np.abs(kl - mc) <= 5 * se + 1e-12), (kl, mc, se)
    assert np.all(kl >= -1e-12)


# Closed forms tested in the catalogue's own files (against Monte Carlo, TFP literals or an
# identity): registered class name -> (module, test function). Checked to exist below.
TESTED_ELSEWHERE = {
    "MatrixNormal": ("test_catalogue_multivariate",
                     "test_matrix_normal_kl_equals_the_kl_of_the_vectorised_normals"),
    "VonMisesFisher": ("test_catalogue_multivariate",
                       "test_von_mises_fisher_moments_and_kl_against_tfp_and_monte_carlo"),
    "PowerSpherical": ("test_catalogue_multivariate",
                       "test_power_spherical_projection_is_beta_and_kls_match_tfp"),
    "ZeroSumNormal": ("test_catalogue_multivariate", "test_zero_sum_normal_with_two_axes"),
    "FiniteDiscrete": ("test_catalogue_wrappers", "test_finite_discrete_integer_outcomes_and_kl"),
    "BatchReshape": ("test_catalogue_wrappers", "test_structural_kl_divergences"),
    "BatchBroadcast": ("test_catalogue_wrappers", "test_structural_kl_divergences"),
    "Blockwise": ("test_catalogue_wrappers", "test_structural_kl_divergences"),
}


def _tested_elsewhere() -> set[str]:
    import importlib

    from tests.distributions.test_catalogue_univariate import KL_PAIRS

    found = set(KL_PAIRS)
    for name, (module, function) in TESTED_ELSEWHERE.items():
        mod = importlib.import_module(f"tests.distributions.{module}")
        assert callable(getattr(mod, function, None)), f"{module}.{function} is gone"
        found.add(name)
    return found


def test_every_registered_pair_is_tested():
    names = {COVERS.get(a.__name__, a.__name__) for a, _ in pfd.registered_kl_pairs()}
    missing = sorted(n for n in names if n not in PAIRS and n not in _tested_elsewhere())
    assert not missing, f"add rows to PAIRS in tests/distributions/test_kl.py for {missing}"


def test_no_closed_form_names_both_types():
    with pytest.raises(NoKLError, match=r"KL\(Normal \|\| Gamma\)"):
        pfd.kl_divergence(pfd.Normal(0.0, 1.0), pfd.Gamma(2.0, 1.0))


def test_kl_is_jittable_and_differentiable():
    f = jax.jit(lambda p, q: pfd.kl_divergence(p, q))
    g = jax.grad(lambda loc: pfd.kl_divergence(pfd.Normal(loc, 1.0), pfd.Normal(0.0, 1.0)))
    assert float(f(pfd.Normal(1.0, 1.0), pfd.Normal(0.0, 1.0))) == pytest.approx(0.5)
    assert float(g(jnp.asarray(2.0))) == pytest.approx(2.0)
