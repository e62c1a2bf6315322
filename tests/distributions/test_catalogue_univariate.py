"""Behaviour of the univariate catalogue families (issue 13) beyond the conformance table.

* TFP-on-JAX values (float64, computed once in ``/work/bench-venv`` with
  ``tensorflow_probability.substrates.jax``; the command is given above each table) agree
  with probflow's. Horseshoe is compared at TFP's own accuracy (TFP approximates ``exp(u)
  E1(u)`` elementarily; probflow's exact form is checked against quadrature in
  ``cases_catalogue_univariate.py``).
* Closed-form KL divergences against Monte Carlo (20000 draws, fixed key, 5 standard
  errors: a two-sided false-fail rate of about 6e-7 per element).
* Default event-space bijectors map reals into each support with finite ``log_prob``;
  discrete families raise ``UnsupportedError``.
* Parameter validation names the class, the argument and the expectation.
* Numerical edges: float32 tails, extreme logits, far-tail truncation.
"""

from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np
import pytest

import probflow.distributions as pfd
from probflow.core.errors import ParameterError, UnsupportedError

_X = np.array([-3.0, -0.5, 0.1, 1.0, 4.0])

# Values from TFP-on-JAX (tfp-nightly, float64), produced by
#   /work/bench-venv/bin/python -c "import jax; jax.config.update('jax_enable_x64', True);
#   from tensorflow_probability.substrates import jax as tfp; tfd = tfp.distributions; ..."
# with the constructor and method named in each row, at the values given.
TFP_ROWS = [
    ("TwoPieceStudentT.log_prob", lambda: pfd.TwoPieceStudentT(4.0, 0.5, 1.3, 2.0).log_prob(_X),
     [-6.741421759786915, -2.6283687304903407, -1.6924798441815552, -1.489344777657136,
      -2.4004690247824394], 1e-10),
    ("TwoPieceStudentT.cdf", lambda: pfd.TwoPieceStudentT(4.0, 0.5, 1.3, 2.0).cdf(_X),
     [0.0011501772358051613, 0.03975259928597305, 0.11431769052787853, 0.3145041646068789,
      0.8004144774800186], 1e-10),
    ("TwoPieceStudentT.mean,variance",
     lambda: [pfd.TwoPieceStudentT(4.0, 0.5, 1.3, 2.0).mean(),
              pfd.TwoPieceStudentT(4.0, 0.5, 1.3, 2.0).variance()],
     [2.4500000000000006, 7.182499999999997], 1e-10),
    # TFP's ContinuousBernoulli computes in float32 whatever the input: rtol 1e-5.
    ("ContinuousBernoulli.log_prob",
     lambda: pfd.ContinuousBernoulli(probs=0.2).log_prob(np.array([0.01, 0.3, 0.5, 0.9, 0.999])),
     [0.6004534363746643, 0.19842803478240967, -0.07883083820343018, -0.6333484649658203,
      -0.7705917358398438], 1e-5),
    ("ContinuousBernoulli.mean,variance",
     lambda: [pfd.ContinuousBernoulli(probs=0.2).mean(),
              pfd.ContinuousBernoulli(probs=0.2).variance()],
     [0.38801416754722595, 0.07589778304100037], 1e-5),
    ("SinhArcsinh.log_prob",
     lambda: pfd.SinhArcsinh(0.5, 2.0, skewness=0.3, tailweight=1.5).log_prob(_X),
     [-4.804572670811963, -1.8206137677468537, -1.3646524822808703, -1.3786332242267254,
      -2.9339801268591295], 1e-10),
    ("SinhArcsinh.cdf", lambda: pfd.SinhArcsinh(0.5, 2.0, skewness=0.3, tailweight=1.5).cdf(_X),
     [0.005750441898851103, 0.14479380060199154, 0.27045266594005213, 0.5172106578061151,
      0.8971567198999955], 1e-10),
    ("LambertWNormal.log_prob", lambda: pfd.LambertWNormal(0.5, 2.0, tailweight=0.2).log_prob(_X),
     [-3.176409399350489, -1.8016734939349848, -1.643801412353, -1.6613965804460604,
      -3.176409399350489], 1e-10),
    ("LambertWNormal.cdf", lambda: pfd.LambertWNormal(0.5, 2.0, tailweight=0.2).cdf(_X),
     [0.07673025513119307, 0.3126960035869315, 0.4210500611569632, 0.5981112943292702,
      0.923269744868807], 1e-10),
    ("LambertWNormal.mean,variance",
     lambda: [pfd.LambertWNormal(0.5, 2.0, 0.2).mean(), pfd.LambertWNormal(0.5, 2.0, 0.2).variance()],
     [0.5, 8.606629658238704], 1e-10),
    ("BetaQuotient.log_prob",
     lambda: pfd.BetaQuotient(2.0, 3.0, 4.0, 1.5).log_prob(np.array([0.1, 0.5, 0.95, 1.5, 4.0])),
     [-0.5650372862000519, 0.20227742163686235, -0.7429771282267557, -2.677402078000831,
      -7.375101348376727], 1e-8),
    ("Bates.log_prob", lambda: pfd.Bates(3, -1.0, 2.0).log_prob(
        np.array([-0.9, 0.0, 0.5, 1.2, 1.95])),
     [-5.298317366548036, -0.6931471805599442, -0.28768207245178046, -1.1394342831883641,
      -6.684611727667933], 1e-9),
    ("Bates.cdf", lambda: pfd.Bates(3, -1.0, 2.0).cdf(np.array([-0.9, 0.0, 0.5, 1.2, 1.95])),
     [0.00016666666666666647, 0.16666666666666657, 0.49999999999999956, 0.9146666666666667,
      0.9999791666666666], 1e-9),
    ("StoppingRatioLogistic.categorical_probs",
     lambda: pfd.StoppingRatioLogistic(np.array([-1.0, 0.5, 2.0]), 0.3).categorical_probs(),
     [0.2141650169574414, 0.43207878995427335, 0.2991131489479612, 0.05464304414032406], 1e-10),
    ("NormalInverseGaussian.log_prob",
     lambda: pfd.NormalInverseGaussian(0.5, 1.5, 2.0, 0.8).log_prob(_X),
     [-9.792411863095843, -2.6146763244063584, -1.3965979331401006, -0.7632278475248158,
      -4.192411863095842], 1e-9),
    ("NormalInverseGaussian.mean,variance",
     lambda: [pfd.NormalInverseGaussian(0.5, 1.5, 2.0, 0.8).mean(),
              pfd.NormalInverseGaussian(0.5, 1.5, 2.0, 0.8).variance()],
     [1.1546536707079773, 0.9741870099821089], 1e-10),
    ("PERT.log_prob", lambda: pfd.PERT(1.0, 3.0, 9.0).log_prob(np.array([1.5, 3.0, 8.5])),
     [-2.0499135537783393, -1.3330498466010776, -7.466013955982758], 1e-10),
    ("PERT.mean,variance,entropy",
     lambda: [pfd.PERT(1.0, 3.0, 9.0).mean(), pfd.PERT(1.0, 3.0, 9.0).variance(),
              pfd.PERT(1.0, 3.0, 9.0).entropy()],
     [3.6666666666666665, 2.031746031746032, 1.7170426014591764], 1e-10),
    ("DoublesidedMaxwell.log_prob", lambda: pfd.DoublesidedMaxwell(0.5, 2.0).log_prob(_X),
     [-2.0241041378937727, -3.1233800748845084, -4.850961538632818, -4.415924436004399,
      -2.0241041378937727], 1e-10),
    ("Skellam.log_prob", lambda: pfd.Skellam(2.0, 3.5).log_prob(
        np.array([-5.0, -1.0, 0.0, 2.0, 6.0])),
     [-2.93903234568711, -1.7598015795130644, -1.9339500978271877, -2.909181907938935,
      -6.975075052714606], 1e-10),
    ("NoncentralChi2.log_prob", lambda: pfd.NoncentralChi2(3.0, 2.5).log_prob(
        np.array([0.1, 1.0, 4.0, 12.0])),
     [-3.3289062250887773, -2.282343462742386, -2.1597467894942657, -3.84302298483843], 1e-9),
    ("NoncentralChi2.cdf", lambda: pfd.NoncentralChi2(3.0, 2.5).cdf(
        np.array([0.1, 1.0, 4.0, 12.0])),
     [0.0023972676318224193, 0.07156012026076095, 0.4314614991869628, 0.9272896185217935],
     1e-8),
]


@pytest.mark.compile_bound
@pytest.mark.parametrize("name,fn,want,rtol", TFP_ROWS, ids=[r[0] for r in TFP_ROWS])
def test_agrees_with_tfp(name, fn, want, rtol):
    got = np.asarray(fn(), dtype=np.float64).ravel()
    np.testing.assert_allclose(got, np.asarray(want), rtol=rtol, atol=1e-12, err_msg=name)


def test_horseshoe_exact_form_and_tfp_approximation():
    d = pfd.Horseshoe(2.0)
    got = np.asarray(d.log_prob(_X))
    # TFP's elementary approximation of exp(u) E1(u) (Barry et al. 2000) is within ~1e-2
    # of the exact density; the exact form is checked against quadrature in the table.
    tfp = np.array([-3.354679143631752, -1.6542740669411915, -0.9458610727688157,
                    -2.147551271662261, -3.7742406386228806])
    np.testing.assert_allclose(got, tfp, atol=2e-2)
    assert float(d.log_prob(0.0)) == np.inf  # the horseshoe's pole at 0
    assert np.isfinite(float(jax.grad(d.log_prob)(1e-3)))


# -- KL divergences against Monte Carlo --------------------------------------------------------

KL_PAIRS = {
    "ExpGamma": (lambda: pfd.ExpGamma(np.array([0.5, 3.0]), rate=2.0),
                 lambda: pfd.ExpGamma(1.5, log_rate=0.3)),
    "ExpInverseGamma": (lambda: pfd.ExpInverseGamma(np.array([2.0, 4.0]), scale=1.5),
                        lambda: pfd.ExpInverseGamma(3.0, log_scale=-0.2)),
    "SigmoidBeta": (lambda: pfd.SigmoidBeta(np.array([0.7, 3.0]), 2.0),
                    lambda: pfd.SigmoidBeta(1.5, 1.2)),
    "BetaProportion": (lambda: pfd.BetaProportion(np.array([0.3, 0.6]), 4.0),
                       lambda: pfd.BetaProportion(0.5, 2.0)),
    "ContinuousBernoulli": (lambda: pfd.ContinuousBernoulli(logits=np.array([-3.0, 0.5])),
                            lambda: pfd.ContinuousBernoulli(probs=0.7)),
    "ProbitBernoulli": (lambda: pfd.ProbitBernoulli(probits=np.array([-1.0, 0.4])),
                        lambda: pfd.ProbitBernoulli(probs=0.6)),
}


@pytest.mark.compile_bound
@pytest.mark.parametrize("name", sorted(KL_PAIRS))
def test_kl_closed_form_matches_monte_carlo(name):
    p, q = (f() for f in KL_PAIRS[name])
    x = p.sample(jax.random.key(11), (20000,))
    diff = np.asarray(p.log_prob(x) - q.log_prob(x))
    se = diff.std(axis=0) / np.sqrt(diff.shape[0])
    kl = np.asarray(pfd.kl_divergence(p, q))
    assert np.all(np.abs(diff.mean(axis=0) - kl) <= 5 * se + 1e-10), (kl, diff.mean(axis=0))


# -- default event-space bijectors -----------------------------------------------------------

EVENT_SPACE = {
    "Horseshoe": lambda: pfd.Horseshoe(np.array([0.5, 2.0])),
    "Skellam": lambda: pfd.Skellam(2.0, 3.5),
    "SinhArcsinh": lambda: pfd.SinhArcsinh(0.0, 1.0, 0.5, 2.0),
    "NoncentralChi2": lambda: pfd.NoncentralChi2(3.0, 2.0),
    "PERT": lambda: pfd.PERT(np.array([-1.0, 0.0]), 0.5, 2.0),
    "TruncatedCauchy": lambda: pfd.TruncatedCauchy(0.0, 1.0, -1.0, 4.0),
    "TwoPieceStudentT": lambda: pfd.TwoPieceStudentT(3.0, 0.0, 1.0, 2.0),
    "ContinuousBernoulli": lambda: pfd.ContinuousBernoulli(logits=np.array([-2.0, 3.0])),
    "DoublesidedMaxwell": lambda: pfd.DoublesidedMaxwell(0.0, 1.0),
    "ExpGamma": lambda: pfd.ExpGamma(2.0, rate=1.0),
    "ExpInverseGamma": lambda: pfd.ExpInverseGamma(2.0, scale=1.0),
    "GammaGamma": lambda: pfd.GammaGamma(2.0, 3.0, 1.0),
    "BetaQuotient": lambda: pfd.BetaQuotient(2.0, 3.0, 4.0, 1.5),
    "Bates": lambda: pfd.Bates(4, -1.0, 3.0),
    "LambertWNormal": lambda: pfd.LambertWNormal(0.0, 1.0, 0.3),
    "NormalInverseGaussian": lambda: pfd.NormalInverseGaussian(0.0, 1.0, 2.0, 0.5),
    "ProbitBernoulli": lambda: pfd.ProbitBernoulli(probits=0.3),
    "StoppingRatioLogistic": lambda: pfd.StoppingRatioLogistic(np.array([-1.0, 1.0]), 0.0),
    "SigmoidBeta": lambda: pfd.SigmoidBeta(2.0, 3.0),
    "AsymmetricLaplace": lambda: pfd.AsymmetricLaplace(0.0, 1.0, 2.0),
    "Gompertz": lambda: pfd.Gompertz(0.5, 2.0),
    "LogUniform": lambda: pfd.LogUniform(np.array([0.5, 1.0]), 100.0),
    "Levy": lambda: pfd.Levy(np.array([-1.0, 2.0]), 1.0),
    "BetaProportion": lambda: pfd.BetaProportion(0.3, 5.0),
    "DiscreteUniform": lambda: pfd.DiscreteUniform(0.0, 4.0),
    "BetaNegativeBinomial": lambda: pfd.BetaNegativeBinomial(2.0, 5.0, 3.0),
}


@pytest.mark.compile_bound
@pytest.mark.parametrize("name", sorted(EVENT_SPACE))
def test_default_event_space_bijector(name):
    d = EVENT_SPACE[name]()
    if d.support.is_discrete:
        with pytest.raises(UnsupportedError):
            d.default_event_space_bijector()
        return
    b = d.default_event_space_bijector()
    x = 2.0 * jax.random.normal(jax.random.key(0), (4,) + tuple(d.batch_shape), jnp.float64)
    y = b.forward(x)
    assert np.all(np.asarray(d.support.check(y)))
    assert np.all(np.isfinite(np.asarray(d.log_prob(y))))
    np.testing.assert_allclose(np.asarray(b.inverse(y)), np.asarray(x), rtol=1e-6, atol=1e-6)


def test_every_catalogue_class_is_covered_here():
    from tests.distributions import cases_catalogue_univariate as cases

    ids = {case.id.split("-")[0] for case in cases.CASES}
    assert ids == set(EVENT_SPACE), sorted(ids ^ set(EVENT_SPACE))


# -- validation ---------------------------------------------------------------------------------

BAD = [
    (lambda: pfd.PERT(1.0, 0.5, 3.0), "PERT: peak must be"),
    (lambda: pfd.PERT(0.0, 1.0, 3.0, temperature=-1.0), "PERT: temperature must be positive"),
    (lambda: pfd.NormalInverseGaussian(0.0, 1.0, 1.0, 2.0), "NormalInverseGaussian: skewness"),
    (lambda: pfd.Bates(2.5), "Bates: total_count must be a whole number"),
    (lambda: pfd.Bates(0), "Bates: total_count must be a whole number"),
    (lambda: pfd.BetaProportion(1.0, 2.0), "BetaProportion: mean must be"),
    (lambda: pfd.LogUniform(2.0, 1.0), "LogUniform: high must be"),
    (lambda: pfd.LogUniform(-1.0, 1.0), "LogUniform: low must be positive"),
    (lambda: pfd.DiscreteUniform(0.5, 3.0), "DiscreteUniform: low must be a whole number"),
    (lambda: pfd.TruncatedCauchy(0.0, 1.0, 2.0, 1.0), "TruncatedCauchy: high must be"),
    (lambda: pfd.ContinuousBernoulli(probs=1.0), "ContinuousBernoulli: probs must be"),
    (lambda: pfd.Skellam(rate1=1.0, log_rate1=0.0, rate2=1.0), "Skellam: exactly one of"),
    (lambda: pfd.ExpGamma(1.0), "ExpGamma: exactly one of rate or log_rate"),
    (lambda: pfd.StoppingRatioLogistic(np.array([1.0, -1.0]), 0.0),
     "StoppingRatioLogistic: cutpoints must be non-decreasing"),
    (lambda: pfd.Horseshoe(-1.0), "Horseshoe: scale must be positive, got -1.0"),
]


@pytest.mark.parametrize("make,message", BAD, ids=[m for _, m in BAD])
def test_bad_parameters_raise_clear_errors(make, message):
    with pytest.raises(ParameterError, match=message):
        make()


def test_sinh_arcsinh_moments_need_the_normal_base():
    d = pfd.SinhArcsinh(0.0, 1.0, 0.2, 1.2, distribution=pfd.Logistic(0.0, 1.0))
    with pytest.raises(UnsupportedError, match="only for the default normal"):
        d.mean()
    assert np.isfinite(float(d.log_prob(0.3)))


# -- numerical edges (float32 where the dtype matters) -----------------------------------------


def test_float32_edges_stay_finite():
    f32 = np.float32
    cb = pfd.ContinuousBernoulli(logits=jnp.asarray([-80.0, -1e-7, 0.0, 1e-7, 80.0], f32))
    x = jnp.asarray(0.5, f32)
    for value in (cb.log_prob(x), cb.cdf(x), cb.mean(), cb.variance(), cb.entropy(),
                  cb.quantile(x)):
        assert value.dtype == jnp.float32 and np.all(np.isfinite(np.asarray(value)))
    np.testing.assert_allclose(np.asarray(cb.mean())[1:4], 0.5, atol=1e-6)
    np.testing.assert_allclose(np.asarray(cb.variance())[1:4], 1 / 12, rtol=1e-5)
    lw = pfd.LambertWNormal(jnp.asarray(0.0, f32), 1.0, 0.4)
    assert np.all(np.isfinite(np.asarray(lw.log_prob(jnp.asarray([1e6, -1e30], f32)))))
    levy = pfd.Levy(jnp.asarray(0.0, f32), 1.0)
    assert np.isfinite(float(levy.log_cdf(jnp.asarray(1e-3, f32))))
    tc = pfd.TruncatedCauchy(jnp.asarray(0.0, f32), 1.0, 1e3, 1e4)
    assert 0.4 < float(tc.cdf(jnp.asarray(2e3, f32))) < 0.6
    hs = pfd.Horseshoe(jnp.asarray(1.0, f32))
    assert np.all(np.isfinite(np.asarray(hs.log_prob(jnp.asarray([1e-20, 1e20], f32)))))


def test_skellam_far_tail_and_large_rates():
    # 2 sqrt(rate1 rate2) = 400: the windowed Bessel series still matches scipy.
    import scipy.stats as st

    k = np.array([-50.0, 0.0, 30.0, 100.0])
    got = np.asarray(pfd.Skellam(200.0, 200.0).log_prob(k))
    np.testing.assert_allclose(got, st.skellam(200.0, 200.0).logpmf(k), rtol=1e-8)
