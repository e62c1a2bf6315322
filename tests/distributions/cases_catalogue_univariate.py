"""Conformance rows for the univariate catalogue families of issue 13.

References, per row: scipy.stats where it has the family (parameter mappings noted);
otherwise densities and cdfs written independently here with NumPy/scipy.special, and
moments, entropies and mixture densities by numerical integration (scipy.integrate.quad).
Where TFP has the family its values (TFP-on-JAX, float64) are compared in
``test_catalogue_univariate.py`` as literals. Discrete rows use ``gof="moments"``; the
others the KS test of the probability integral transform through the reference cdf. Where
that cdf is a quadrature per draw (Horseshoe, BetaQuotient, and scipy's norminvgauss) the
sample is 200-300 draws, which keeps each test to a few seconds and still rejects a sampler
whose law is off by a few percent in scale.
"""

import numpy as np
import scipy.integrate as integrate
import scipy.special as sp
import scipy.stats as st

import probflow.distributions as pfd
from tests.distributions.cases import Case

CDFS = ("cdf", "log_cdf", "survival_function", "log_survival_function")
MOMENTS = ("mean", "variance", "stddev", "entropy")
ALL = ("log_prob",) + CDFS + ("quantile",) + MOMENTS
# Rows built on jax.random.loggamma (implicitly reparameterized, as Gamma and Beta) leave
# reparameterized=False: a finite difference in the concentration moves the sampler's
# accept/reject decisions, so it is no reference for the implicit gradient.


def _quad(fn, lo, hi):
    return integrate.quad(fn, lo, hi, limit=400, epsabs=1e-13, epsrel=1e-12)[0]


def quad_moments(logpdf, lo, hi):
    """Mean, variance and entropy of a scalar density by quadrature."""
    pdf = lambda x: np.exp(logpdf(x))
    m1 = _quad(lambda x: x * pdf(x), lo, hi)
    m2 = _quad(lambda x: (x - m1) ** 2 * pdf(x), lo, hi)
    h = _quad(lambda x: -pdf(x) * logpdf(x) if pdf(x) > 0 else 0.0, lo, hi)
    return m1, m2, h


# -- Horseshoe: the half-Cauchy scale mixture of normals, integrated numerically --------------


def horseshoe_pdf(x, scale):
    """``int_0^inf Normal(x; 0, scale t) 2 / (pi (1 + t**2)) dt`` by quadrature (t = tan u)."""
    def one(v, lam):
        f = lambda u: st.norm.pdf(v, 0.0, lam * np.tan(u)) * 2.0 / np.pi
        return _quad(f, 0.0, np.pi / 2)
    return np.vectorize(one)(x, scale)


def horseshoe_cdf(x, scale):
    def one(v, lam):
        f = lambda u: sp.ndtr(v / (lam * np.tan(u))) * 2.0 / np.pi if u > 0 else (
            float(v >= 0))
        return _quad(f, 0.0, np.pi / 2)
    return np.vectorize(one)(x, scale)


# -- DoublesidedMaxwell: |X - loc| / scale is chi with 3 degrees of freedom ---------------------


def dsmaxwell_logpdf(x, loc, scale):
    return np.log(0.5) + st.chi.logpdf(np.abs(x - loc), 3, scale=scale)


def dsmaxwell_cdf(x, loc, scale):
    tail = 0.5 * st.chi.sf(np.abs(x - loc), 3, scale=scale)
    return np.where(x < loc, tail, 1.0 - tail)


# -- SigmoidBeta: logit of a beta -----------------------------------------------------------------


def sigmoid_beta_logpdf(y, a, b):
    return st.beta.logpdf(sp.expit(y), a, b) + np.log(sp.expit(y)) + np.log(sp.expit(-y))


# -- ExpInverseGamma: log s - log G, G ~ Gamma(a): scipy's loggamma reflected --------------------


def exp_inverse_gamma_logpdf(y, a, s):
    return st.loggamma.logpdf(np.log(s) - y, a)


# -- ContinuousBernoulli in TFP's lam parameterisation --------------------------------------------


def cb_logpdf(x, lam):
    norm = 2.0 * np.arctanh(1.0 - 2.0 * lam) / (1.0 - 2.0 * lam)
    return np.log(norm) + x * np.log(lam) + (1.0 - x) * np.log1p(-lam)


def cb_cdf(x, lam):
    return (lam**x * (1.0 - lam) ** (1.0 - x) + lam - 1.0) / (2.0 * lam - 1.0)


def cb_mean(lam):
    return lam / (2.0 * lam - 1.0) + 1.0 / (2.0 * np.arctanh(1.0 - 2.0 * lam))


# -- TruncatedCauchy: scipy's Cauchy renormalised -------------------------------------------------


def tcauchy_logpdf(x, loc, scale, low, high):
    mass = st.cauchy.cdf(high, loc, scale) - st.cauchy.cdf(low, loc, scale)
    return st.cauchy.logpdf(x, loc, scale) - np.log(mass)


def tcauchy_cdf(x, loc, scale, low, high):
    lo = st.cauchy.cdf(low, loc, scale)
    return (st.cauchy.cdf(x, loc, scale) - lo) / (st.cauchy.cdf(high, loc, scale) - lo)


# -- TwoPieceStudentT: scipy's t on each side ------------------------------------------------------


def tpt_logpdf(x, df, loc, scale, g):
    y = (x - loc) / scale
    t = np.where(y >= 0, y / g, y * g)
    return np.log(2.0 / (g + 1.0 / g)) + st.t.logpdf(t, df) - np.log(scale)


def tpt_cdf(x, df, loc, scale, g):
    y = (x - loc) / scale
    return np.where(y < 0, 2.0 / (1 + g * g) * st.t.cdf(y * g, df),
                    1.0 - 2.0 * g * g / (1 + g * g) * st.t.sf(y / g, df))


# -- BetaQuotient: density of X / Y by quadrature over Y ------------------------------------------


def beta_quotient_pdf(w, a1, b1, a2, b2):
    def one(v):
        f = lambda y: st.beta.pdf(v * y, a1, b1) * st.beta.pdf(y, a2, b2) * y
        return _quad(f, 0.0, min(1.0, 1.0 / v))
    return np.vectorize(one)(w)


def beta_quotient_cdf(w, a1, b1, a2, b2):
    # P(X <= w Y) = E[I_{min(1, w Y)}(a1, b1)] over Y.
    def one(v):
        norm = sp.beta(a2, b2)
        f = lambda y: sp.betainc(a1, b1, min(1.0, v * y)) * y ** (a2 - 1) * (1 - y) ** (b2 - 1)
        return _quad(f, 0.0, 1.0) / norm
    return np.vectorize(one)(w)


# -- SinhArcsinh: the inverse map written with NumPy ---------------------------------------------


def sas_z_and_log_det(y, loc, scale, skew, tail):
    c = 2.0 / np.sinh(np.arcsinh(2.0) * tail)
    w = (y - loc) / (scale * c)
    inner = np.arcsinh(w) / tail - skew
    return np.sinh(inner), np.log(np.cosh(inner) / (tail * np.sqrt(1 + w**2) * scale * c))


def sas_logpdf(y, loc, scale, skew, tail, base=st.norm):
    z, log_det = sas_z_and_log_det(y, loc, scale, skew, tail)
    return base.logpdf(z) + log_det


# -- LambertWNormal: scipy's Lambert W ------------------------------------------------------------


def lambertw_u(y, loc, scale, delta):
    z = (y - loc) / scale
    return z * np.exp(-0.5 * sp.lambertw(delta * z**2).real)


def lambertw_logpdf(y, loc, scale, delta):
    u = lambertw_u(y, loc, scale, delta)
    return st.norm.logpdf(u) - 0.5 * delta * u**2 - np.log1p(delta * u**2) - np.log(scale)


# -- StoppingRatioLogistic: the sequential masses -------------------------------------------------


def srl_probs(cutpoints, loc):
    stop = sp.expit(np.asarray(cutpoints) - np.asarray(loc)[..., None])
    stop = np.concatenate([stop, np.ones(stop.shape[:-1] + (1,))], axis=-1)
    passed = np.cumprod(np.concatenate([np.ones(stop.shape[:-1] + (1,)), 1 - stop[..., :-1]],
                                       axis=-1), axis=-1)
    return stop * passed


# -- rows ----------------------------------------------------------------------------------------

_al = (np.array([-1.0, 0.5]), np.array([1.0, 2.0]), np.array([0.5, 1.7]))
_al_values = np.array([-4.0, -0.9, 0.0, 0.6, 5.0])[:, None] + np.zeros(2)
_pert = (1.0, 3.0, 9.0, 4.0)
_pert_beta = st.beta(1 + 4 * 2 / 8, 1 + 4 * 6 / 8, loc=1.0, scale=8.0)
_tc = (0.5, 2.0, -1.0, 6.0)
_tc_logpdf = lambda x: tcauchy_logpdf(x, *_tc)
_tpt = (4.0, 0.5, 1.3, 2.0)
_tpt_logpdf = lambda x: tpt_logpdf(x, *_tpt)
_sb = (2.5, 1.5)
_bq = (2.0, 3.0, 4.0, 1.5)
_cb_lam = 0.2

CASES = [
    # Horseshoe: quadrature over the half-Cauchy mixture (log_prob and, for the KS test, cdf).
    Case(id="Horseshoe-batch", make=lambda: pfd.Horseshoe(np.array([0.5, 2.0])),
         values=np.array([-3.0, -0.5, 0.1, 1.0, 4.0])[:, None] + np.zeros(2),
         methods=("log_prob", "mean"),
         reference={"log_prob": lambda x: np.log(horseshoe_pdf(x, np.array([0.5, 2.0]))),
                    "cdf": lambda x: horseshoe_cdf(x, np.array([0.5, 2.0])),
                    "mean": lambda: np.zeros(2)},
         num_gof_samples=300, reparameterized=True),
    # AsymmetricLaplace: scipy laplace_asymmetric(kappa=asymmetry, loc, scale).
    Case(id="AsymmetricLaplace-batch", make=lambda: pfd.AsymmetricLaplace(*_al),
         scipy=lambda: st.laplace_asymmetric(_al[2], loc=_al[0], scale=_al[1]),
         values=_al_values, methods=ALL + ("mode",), reference={"mode": lambda: _al[0]},
         reparameterized=True),
    # Gompertz: scipy gompertz(c=concentration, scale=1/rate).
    Case(id="Gompertz-batch", make=lambda: pfd.Gompertz(np.array([0.3, 2.0]), 1.5),
         scipy=lambda: st.gompertz(np.array([0.3, 2.0]), scale=1 / 1.5),
         values=np.array([0.01, 0.2, 0.7, 1.5, 3.0])[:, None] + np.zeros(2),
         methods=("log_prob", "cdf", "log_survival_function", "quantile", "mean", "entropy",
                  "mode"),
         reference={"mode": lambda: np.array([np.log(1 / 0.3) / 1.5, 0.0])},
         reparameterized=True),
    # LogUniform: scipy loguniform(low, high).
    Case(id="LogUniform-batch", make=lambda: pfd.LogUniform(np.array([0.5, 1.0]), 100.0),
         scipy=lambda: st.loguniform(np.array([0.5, 1.0]), 100.0),
         values=np.array([1.01, 2.0, 10.0, 50.0, 99.0])[:, None] + np.zeros(2),
         methods=ALL, reparameterized=True),
    # Levy: scipy levy(loc, scale).
    Case(id="Levy-scalar", make=lambda: pfd.Levy(0.5, 2.0), scipy=lambda: st.levy(0.5, 2.0),
         values=np.array([0.6, 1.0, 2.0, 10.0, 1e4]),
         methods=("log_prob", "cdf", "log_cdf", "survival_function", "log_survival_function",
                  "quantile", "mean", "entropy", "mode"),
         reference={"mode": lambda: 0.5 + 2.0 / 3.0}, reparameterized=True),
    # DoublesidedMaxwell: scipy chi(3) of |x - loc| with a fair sign.
    Case(id="DoublesidedMaxwell-scalar", make=lambda: pfd.DoublesidedMaxwell(0.5, 2.0),
         values=np.array([-3.0, -0.5, 0.1, 1.0, 4.0]),
         methods=("log_prob", "cdf", "survival_function", "mean", "variance", "entropy"),
         reference={"log_prob": lambda x: dsmaxwell_logpdf(x, 0.5, 2.0),
                    "cdf": lambda x: dsmaxwell_cdf(x, 0.5, 2.0),
                    "survival_function": lambda x: 1.0 - dsmaxwell_cdf(x, 0.5, 2.0),
                    "mean": lambda: 0.5, "variance": lambda: st.chi(3, scale=2.0).moment(2),
                    "entropy": lambda: st.chi(3, scale=2.0).entropy() + np.log(2.0)},
         reparameterized=True),
    # ExpGamma: scipy loggamma(c=concentration, loc=-log(rate)).
    Case(id="ExpGamma-batch", make=lambda: pfd.ExpGamma(np.array([0.4, 3.0]), rate=2.0),
         scipy=lambda: st.loggamma(np.array([0.4, 3.0]), loc=-np.log(2.0)),
         values=np.array([-6.0, -1.0, 0.0, 0.5, 1.5])[:, None] + np.zeros(2),
         methods=("log_prob", "cdf", "survival_function") + MOMENTS + ("mode",),
         reference={"mode": lambda: np.log(np.array([0.4, 3.0]) / 2.0)}, reparameterized=False),
    Case(id="ExpGamma-log_rate", make=lambda: pfd.ExpGamma(1.5, log_rate=-0.7),
         scipy=lambda: st.loggamma(1.5, loc=0.7), values=np.array([-2.0, 0.0, 1.0, 2.5]),
         methods=("log_prob", "cdf", "mean"), gof=None),
    # ExpInverseGamma: -(scipy loggamma(a)) shifted by log(scale).
    Case(id="ExpInverseGamma-scalar", make=lambda: pfd.ExpInverseGamma(2.5, scale=1.5),
         values=np.array([-2.0, -0.5, 0.0, 1.0, 4.0]),
         methods=("log_prob", "cdf", "survival_function") + MOMENTS + ("mode",),
         reference={"log_prob": lambda y: exp_inverse_gamma_logpdf(y, 2.5, 1.5),
                    "cdf": lambda y: st.loggamma.sf(np.log(1.5) - y, 2.5),
                    "survival_function": lambda y: st.loggamma.cdf(np.log(1.5) - y, 2.5),
                    "mean": lambda: np.log(1.5) - st.loggamma(2.5).mean(),
                    "variance": lambda: st.loggamma(2.5).var(),
                    "stddev": lambda: st.loggamma(2.5).std(),
                    "entropy": lambda: st.loggamma(2.5).entropy(),
                    "mode": lambda: np.log(1.5 / 2.5)}, reparameterized=False),
    # SigmoidBeta: logit of scipy's beta; moments by quadrature.
    Case(id="SigmoidBeta-scalar", make=lambda: pfd.SigmoidBeta(*_sb),
         values=np.array([-8.0, -1.0, 0.0, 0.7, 5.0]),
         methods=("log_prob", "cdf", "survival_function") + MOMENTS + ("mode",),
         reference={"log_prob": lambda y: sigmoid_beta_logpdf(y, *_sb),
                    "cdf": lambda y: st.beta.cdf(sp.expit(y), *_sb),
                    "survival_function": lambda y: st.beta.sf(sp.expit(y), *_sb),
                    "mean": lambda: quad_moments(lambda y: sigmoid_beta_logpdf(y, *_sb),
                                                 -60, 60)[0],
                    "variance": lambda: quad_moments(lambda y: sigmoid_beta_logpdf(y, *_sb),
                                                     -60, 60)[1],
                    "stddev": lambda: np.sqrt(quad_moments(
                        lambda y: sigmoid_beta_logpdf(y, *_sb), -60, 60)[1]),
                    "entropy": lambda: quad_moments(lambda y: sigmoid_beta_logpdf(y, *_sb),
                                                    -60, 60)[2],
                    "mode": lambda: np.log(2.5 / 1.5)}, reparameterized=False),
    # BetaProportion: scipy beta(mean c, (1 - mean) c).
    Case(id="BetaProportion-batch",
         make=lambda: pfd.BetaProportion(np.array([0.2, 0.6]), 5.0),
         scipy=lambda: st.beta(np.array([1.0, 3.0]), np.array([4.0, 2.0])),
         values=np.array([0.01, 0.2, 0.5, 0.9, 0.99])[:, None] + np.zeros(2),
         methods=("log_prob",) + CDFS + MOMENTS, reparameterized=False),
    # PERT: scipy beta(1 + t (peak - low) / r, 1 + t (high - peak) / r, loc=low, scale=r).
    Case(id="PERT-scalar", make=lambda: pfd.PERT(*_pert), scipy=lambda: _pert_beta,
         values=np.array([1.1, 2.0, 3.0, 6.0, 8.9]),
         methods=("log_prob",) + CDFS + MOMENTS + ("mode",), reference={"mode": lambda: 3.0},
         reparameterized=False),
    # GammaGamma: scipy betaprime(a, a0, scale=b0).
    Case(id="GammaGamma-batch",
         make=lambda: pfd.GammaGamma(np.array([0.8, 2.0]), 4.5, 1.5),
         scipy=lambda: st.betaprime(np.array([0.8, 2.0]), 4.5, scale=1.5),
         values=np.array([0.05, 0.3, 1.0, 3.0, 20.0])[:, None] + np.zeros(2),
         methods=("log_prob", "cdf", "survival_function", "mean", "variance"),
         reparameterized=False),
    # BetaQuotient: quadrature of the ratio's density and cdf over the denominator.
    Case(id="BetaQuotient-scalar", make=lambda: pfd.BetaQuotient(*_bq),
         values=np.array([0.1, 0.5, 0.95, 1.5, 4.0]),
         methods=("log_prob", "mean", "variance"),
         reference={"log_prob": lambda w: np.log(beta_quotient_pdf(w, *_bq)),
                    "cdf": lambda w: beta_quotient_cdf(w, *_bq),
                    "mean": lambda: 0.4 * 4.5 / 3.0,
                    "variance": lambda: (2 * 3 / (5 * 6)) * (4.5 * 3.5 / (3.0 * 2.0))
                    - (0.4 * 4.5 / 3.0) ** 2},
         num_gof_samples=200, rtol=1e-7, reparameterized=False),
    # ContinuousBernoulli: closed forms in TFP's lam; variance by quadrature.
    Case(id="ContinuousBernoulli-probs", make=lambda: pfd.ContinuousBernoulli(probs=_cb_lam),
         values=np.array([0.01, 0.3, 0.5, 0.9, 0.999]),
         methods=("log_prob", "cdf", "mean", "variance", "entropy", "quantile"),
         reference={"log_prob": lambda x: cb_logpdf(x, _cb_lam),
                    "cdf": lambda x: cb_cdf(x, _cb_lam),
                    "mean": lambda: cb_mean(_cb_lam),
                    "variance": lambda: quad_moments(lambda x: cb_logpdf(x, _cb_lam), 0, 1)[1],
                    "entropy": lambda: quad_moments(lambda x: cb_logpdf(x, _cb_lam), 0, 1)[2],
                    "quantile": lambda p: np.vectorize(lambda q: __import__("scipy.optimize")
                                                       .optimize.brentq(
                        lambda x: cb_cdf(x, _cb_lam) - q, 0.0, 1.0, xtol=1e-15))(p)},
         reparameterized=True),
    Case(id="ContinuousBernoulli-logits-batch",
         make=lambda: pfd.ContinuousBernoulli(logits=np.array([-30.0, 1e-6, 2.5])),
         values=np.array([0.01, 0.5, 0.97])[:, None] + np.zeros(3),
         methods=("log_prob", "cdf", "mean"),
         reference={
             "log_prob": lambda x: np.array([-30.0, 1e-6, 2.5]) * x + np.log(
                 np.array([-30.0, 1e-6, 2.5]) / np.expm1(np.array([-30.0, 1e-6, 2.5]))),
             "cdf": lambda x: np.expm1(np.array([-30.0, 1e-6, 2.5]) * x)
             / np.expm1(np.array([-30.0, 1e-6, 2.5])),
             "mean": lambda: np.array([1 / 30.0 + 1 / np.expm1(-30.0) + 1.0, 0.5 + 1e-6 / 12,
                                       1 / (1 - np.exp(-2.5)) - 1 / 2.5])},
         gof=None),
    # ProbitBernoulli: scipy bernoulli(ndtr(probits)).
    Case(id="ProbitBernoulli-batch",
         make=lambda: pfd.ProbitBernoulli(probits=np.array([-1.0, 0.3, 2.0])),
         scipy=lambda: st.bernoulli(sp.ndtr(np.array([-1.0, 0.3, 2.0]))),
         values=np.array([np.zeros(3), np.ones(3), [0.0, 1.0, 0.0]]),
         methods=("log_prob", "cdf", "mean", "variance", "entropy"), gof="moments",
         discrete=True),
    # TruncatedCauchy: scipy cauchy renormalised on [low, high]; moments by quadrature.
    Case(id="TruncatedCauchy-scalar", make=lambda: pfd.TruncatedCauchy(*_tc),
         values=np.array([-0.99, 0.0, 0.5, 2.0, 5.99]),
         methods=("log_prob", "cdf", "survival_function", "quantile", "mean", "variance",
                  "mode"),
         reference={"log_prob": _tc_logpdf, "cdf": lambda x: tcauchy_cdf(x, *_tc),
                    "survival_function": lambda x: 1.0 - tcauchy_cdf(x, *_tc),
                    "quantile": lambda p: st.cauchy.ppf(
                        st.cauchy.cdf(-1.0, 0.5, 2.0) + p * (st.cauchy.cdf(6.0, 0.5, 2.0)
                                                             - st.cauchy.cdf(-1.0, 0.5, 2.0)),
                        0.5, 2.0),
                    "mean": lambda: quad_moments(_tc_logpdf, -1.0, 6.0)[0],
                    "variance": lambda: quad_moments(_tc_logpdf, -1.0, 6.0)[1],
                    "mode": lambda: 0.5}, reparameterized=True),
    Case(id="TruncatedCauchy-far-tail",
         make=lambda: pfd.TruncatedCauchy(0.0, 1.0, np.array([1e3, -60.0]),
                                          np.array([1e4, -50.0])),
         values=np.array([[1.5e3, -55.0], [9e3, -51.0]]), methods=("log_prob", "cdf"),
         reference={"log_prob": lambda x: -np.log1p(x**2) - np.log(
             np.arctan((np.array([1e4, -50.0]) - np.array([1e3, -60.0]))
                       / (1 + np.array([1e4, -50.0]) * np.array([1e3, -60.0])))),
             "cdf": lambda x: np.arctan((x - np.array([1e3, -60.0]))
                                        / (1 + x * np.array([1e3, -60.0])))
             / np.arctan((np.array([1e4, -50.0]) - np.array([1e3, -60.0]))
                         / (1 + np.array([1e4, -50.0]) * np.array([1e3, -60.0])))},
         gof=None),
    # TwoPieceStudentT: scipy t on each side; moments by quadrature.
    Case(id="TwoPieceStudentT-scalar", make=lambda: pfd.TwoPieceStudentT(*_tpt),
         values=np.array([-3.0, -0.5, 0.4, 1.0, 9.0]),
         methods=("log_prob", "cdf", "survival_function", "mean", "variance", "mode"),
         reference={"log_prob": _tpt_logpdf, "cdf": lambda x: tpt_cdf(x, *_tpt),
                    "survival_function": lambda x: 1.0 - tpt_cdf(x, *_tpt),
                    "mean": lambda: quad_moments(_tpt_logpdf, -np.inf, np.inf)[0],
                    "variance": lambda: quad_moments(_tpt_logpdf, -np.inf, np.inf)[1],
                    "mode": lambda: 0.5}),
]

_sas = (0.5, 2.0, 0.3, 1.5)
_sas_logpdf = lambda y: sas_logpdf(y, *_sas)
_lw = (0.5, 2.0, 0.2)
_lw_logpdf = lambda y: lambertw_logpdf(y, *_lw)
_nig = (0.5, 1.5, 2.0, 0.8)
_nig_scipy = lambda: st.norminvgauss(2.0 * 1.5, 0.8 * 1.5, loc=0.5, scale=1.5)
_srl_cut, _srl_loc = np.array([-1.0, 0.5, 2.0]), np.array([0.3, -2.0])
_srl_p = lambda: srl_probs(_srl_cut, _srl_loc)
_srl_k = np.arange(4.0)

CASES += [
    # Skellam: scipy skellam(mu1, mu2).
    Case(id="Skellam-batch", make=lambda: pfd.Skellam(np.array([2.0, 30.0]), 3.5),
         scipy=lambda: st.skellam(np.array([2.0, 30.0]), 3.5),
         values=np.array([[-5.0, 10.0], [-1.0, 26.0], [0.0, 27.0], [6.0, 40.0]]),
         methods=("log_prob", "mean", "variance"), gof="moments", discrete=True),
    Case(id="Skellam-log_rates", make=lambda: pfd.Skellam(log_rate1=0.3, log_rate2=-1.0),
         scipy=lambda: st.skellam(np.exp(0.3), np.exp(-1.0)),
         values=np.array([-2.0, 0.0, 1.0, 4.0]), methods=("log_prob",), gof=None,
         discrete=True),
    # NoncentralChi2: scipy ncx2(df, nc).
    Case(id="NoncentralChi2-batch",
         make=lambda: pfd.NoncentralChi2(np.array([1.2, 3.0]), np.array([2.5, 40.0])),
         scipy=lambda: st.ncx2(np.array([1.2, 3.0]), np.array([2.5, 40.0])),
         values=np.array([0.1, 1.0, 4.0, 12.0, 60.0])[:, None] + np.zeros(2),
         methods=("log_prob", "cdf", "survival_function", "mean", "variance")),
    # NormalInverseGaussian: scipy norminvgauss(a=alpha delta, b=beta delta, loc, scale=delta).
    Case(id="NormalInverseGaussian-scalar", make=lambda: pfd.NormalInverseGaussian(*_nig),
         scipy=_nig_scipy, values=np.array([-3.0, -0.5, 0.1, 1.0, 4.0]),
         methods=("log_prob", "mean", "variance"), num_gof_samples=300),
    # SinhArcsinh: the inverse map in NumPy; mean and variance by quadrature.
    Case(id="SinhArcsinh-scalar", make=lambda: pfd.SinhArcsinh(*_sas),
         values=np.array([-3.0, -0.5, 0.1, 1.0, 4.0]),
         methods=("log_prob", "cdf", "survival_function", "quantile", "mean", "variance"),
         reference={"log_prob": _sas_logpdf,
                    "cdf": lambda y: st.norm.cdf(sas_z_and_log_det(y, *_sas)[0]),
                    "survival_function": lambda y: st.norm.sf(sas_z_and_log_det(y, *_sas)[0]),
                    "quantile": lambda p: 0.5 + 2.0 * np.sinh(
                        (np.arcsinh(st.norm.ppf(p)) + 0.3) * 1.5) * 2 / np.sinh(
                            np.arcsinh(2.0) * 1.5),
                    "mean": lambda: quad_moments(_sas_logpdf, -np.inf, np.inf)[0],
                    "variance": lambda: quad_moments(_sas_logpdf, -np.inf, np.inf)[1]},
         reparameterized=True),
    Case(id="SinhArcsinh-student-base",
         make=lambda: pfd.SinhArcsinh(np.array([0.0, 1.0]), 1.5, -0.4, 0.7,
                                      distribution=pfd.StudentT(5.0, 0.0, 1.0)),
         values=np.array([-2.0, 0.3, 3.0])[:, None] + np.zeros(2), methods=("log_prob", "cdf"),
         reference={
             "log_prob": lambda y: sas_logpdf(y, np.array([0.0, 1.0]), 1.5, -0.4, 0.7,
                                              st.t(5.0)),
             "cdf": lambda y: st.t.cdf(sas_z_and_log_det(y, np.array([0.0, 1.0]), 1.5, -0.4,
                                                         0.7)[0], 5.0)},
         grad_params=("loc", "scale", "skewness", "tailweight"), reparameterized=True),
    # LambertWNormal: scipy's lambertw for the inverse; variance by quadrature.
    Case(id="LambertWNormal-scalar", make=lambda: pfd.LambertWNormal(*_lw),
         values=np.array([-30.0, -0.5, 0.5, 1.0, 4.0]),
         methods=("log_prob",) + CDFS + ("quantile", "mean", "variance", "mode"),
         reference={"log_prob": _lw_logpdf,
                    "cdf": lambda y: st.norm.cdf(lambertw_u(y, *_lw)),
                    "log_cdf": lambda y: st.norm.logcdf(lambertw_u(y, *_lw)),
                    "survival_function": lambda y: st.norm.sf(lambertw_u(y, *_lw)),
                    "log_survival_function": lambda y: st.norm.logsf(lambertw_u(y, *_lw)),
                    "quantile": lambda p: 0.5 + 2.0 * st.norm.ppf(p) * np.exp(
                        0.1 * st.norm.ppf(p) ** 2),
                    "mean": lambda: 0.5,
                    "variance": lambda: quad_moments(_lw_logpdf, -np.inf, np.inf)[1],
                    "mode": lambda: 0.5}, reparameterized=True),
    # StoppingRatioLogistic: the sequential masses in NumPy.
    Case(id="StoppingRatioLogistic-batch",
         make=lambda: pfd.StoppingRatioLogistic(_srl_cut, _srl_loc),
         values=np.array([[0.0, 3.0], [1.0, 2.0], [3.0, 0.0]]),
         methods=("log_prob", "cdf", "mean", "variance", "entropy"),
         reference={
             "log_prob": lambda x: np.log(_srl_p()[np.arange(2), x.astype(int)]),
             "cdf": lambda x: np.cumsum(_srl_p(), axis=-1)[np.arange(2), x.astype(int)],
             "mean": lambda: _srl_p() @ _srl_k,
             "variance": lambda: _srl_p() @ _srl_k**2 - (_srl_p() @ _srl_k) ** 2,
             "entropy": lambda: -np.sum(_srl_p() * np.log(_srl_p()), axis=-1)},
         gof="moments", discrete=True),
    # Bates: scipy irwinhall(n, loc=low, scale=(high - low) / n).
    Case(id="Bates-batch", make=lambda: pfd.Bates(3, np.array([-1.0, 0.0]), 2.0),
         scipy=lambda: st.irwinhall(3, loc=np.array([-1.0, 0.0]),
                                    scale=(2.0 - np.array([-1.0, 0.0])) / 3),
         values=np.array([0.05, 0.5, 1.0, 1.4, 1.95])[:, None] + np.zeros(2),
         methods=("log_prob", "cdf", "survival_function", "mean", "variance"),
         reparameterized=True),
    Case(id="Bates-single", make=lambda: pfd.Bates(1, 0.5, 2.5), scipy=lambda: st.uniform(0.5, 2.0),
         values=np.array([0.6, 1.5, 2.4]), methods=("log_prob", "cdf", "mean", "variance"),
         gof=None),
    # DiscreteUniform: scipy randint(low, high + 1).
    Case(id="DiscreteUniform-batch",
         make=lambda: pfd.DiscreteUniform(np.array([-2.0, 3.0]), np.array([4.0, 3.0])),
         scipy=lambda: st.randint(np.array([-2.0, 3.0]), np.array([5.0, 4.0])),
         values=np.array([[-2.0, 3.0], [0.0, 3.0], [4.0, 3.0], [5.0, 4.0]]),
         methods=("log_prob", "cdf", "survival_function", "mean", "variance", "entropy"),
         gof="moments", discrete=True, grad_params=()),
    # BetaNegativeBinomial: scipy betanbinom(n, a=concentration0, b=concentration1).
    Case(id="BetaNegativeBinomial-batch",
         make=lambda: pfd.BetaNegativeBinomial(np.array([2.0, 0.7]), 9.0, 3.0),
         scipy=lambda: st.betanbinom(3.0, 9.0, np.array([2.0, 0.7])),
         values=np.array([0.0, 1.0, 4.0, 30.0])[:, None] + np.zeros(2),
         methods=("log_prob", "mean", "variance"), gof="moments", discrete=True),
]
