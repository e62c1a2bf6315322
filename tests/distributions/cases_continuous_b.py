"""Conformance rows for the second group of continuous distributions.

References are scipy.stats (parameter mappings noted per row); where scipy has no
counterpart (Kumaraswamy, LogitNormal, TwoPieceNormal) the references are the densities
written independently with NumPy/scipy.special below, with moments and entropies by
numerical integration (scipy.integrate.quad). Rows whose samplers are rejection-based
(VonMises, InverseGaussian) or built on ``jax.random.gamma`` (GeneralizedNormal) are not
checked by finite differences of samples (``reparameterized=False``); VonMises' implicit
gradient is checked in ``test_continuous_b.py``.
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
NO_QUANTILE = ("log_prob",) + CDFS + MOMENTS


def _b(*arrays):
    return np.broadcast_arrays(*arrays)


def _grid(values, batch):
    return np.asarray(values, dtype=np.float64).reshape((-1,) + (1,) * len(batch)) + np.zeros(batch)


def _quad_moments(logpdf, lo, hi):
    """Mean, variance and entropy of a scalar density by quadrature."""
    pdf = lambda x: np.exp(logpdf(x))
    m1 = integrate.quad(lambda x: x * pdf(x), lo, hi, limit=200)[0]
    m2 = integrate.quad(lambda x: (x - m1) ** 2 * pdf(x), lo, hi, limit=200)[0]
    h = integrate.quad(lambda x: -pdf(x) * logpdf(x) if pdf(x) > 0 else 0.0, lo, hi,
                       limit=200)[0]
    return m1, m2, h


# -- independent reference densities ----------------------------------------------------------

def kumaraswamy_logpdf(x, a, b):
    return np.log(a * b) + (a - 1) * np.log(x) + (b - 1) * np.log1p(-(x**a))


def kumaraswamy_cdf(x, a, b):
    return 1.0 - (1.0 - x**a) ** b


def logitnormal_logpdf(x, loc, scale):
    return st.norm.logpdf(sp.logit(x), loc, scale) - np.log(x) - np.log1p(-x)


def twopiece_logpdf(x, loc, scale, g):
    y = (x - loc) / scale
    t = np.where(y >= 0, y / g, y * g)
    return np.log(2.0 / (g + 1.0 / g)) + st.norm.logpdf(t) - np.log(scale)


def twopiece_cdf(x, loc, scale, g):
    y = (x - loc) / scale
    return np.where(y < 0, 2.0 / (1 + g * g) * st.norm.cdf(y * g),
                    1.0 / (1 + g * g) + 2 * g * g / (1 + g * g) * (st.norm.cdf(y / g) - 0.5))


# -- rows -----------------------------------------------------------------------------------------

_k2 = np.array([0.7, 1.0, 2.5])
_s2 = np.array([[0.5], [3.0]])
_pos_values = lambda batch: _grid([0.01, 0.3, 1.0, 2.2, 7.0], batch)

_vm_loc = np.array([-1.0, 0.0, 2.0])
_vm_conc = np.array([[0.3], [8.0]])

_tn = (np.array([0.0, 1.0]), np.array([1.0, 0.5]), np.array([-1.0, 3.5]), np.array([2.0, 5.0]))

_kum_a, _kum_b = np.array([0.6, 2.0, 5.0]), np.array([[0.8], [3.0]])
_gp_conc = np.array([0.3, -0.2, 0.0])
_gev_conc = np.array([0.3, -0.2, 0.0])

CASES = [
    # -- Weibull: scipy weibull_min(c=concentration, scale=scale) --------------------------------
    Case(id="Weibull-scalar", make=lambda: pfd.Weibull(1.7, 2.0),
         scipy=lambda: st.weibull_min(1.7, scale=2.0), values=_pos_values(()),
         methods=ALL + ("mode",),
         reference={"mode": lambda: 2.0 * (0.7 / 1.7) ** (1 / 1.7)}, reparameterized=True),
    Case(id="Weibull-batch", make=lambda: pfd.Weibull(_k2, _s2),
         scipy=lambda: st.weibull_min(*_b(_k2, _s2)[:1], scale=_b(_k2, _s2)[1]),
         values=_pos_values((2, 3)), methods=ALL, reparameterized=True),
    # -- Pareto: scipy pareto(b=concentration, scale=scale) ----------------------------------------
    Case(id="Pareto-scalar", make=lambda: pfd.Pareto(3.5, 1.5),
         scipy=lambda: st.pareto(3.5, scale=1.5), values=np.array([1.55, 1.6, 2.0, 5.0, 40.0]),
         methods=ALL + ("mode",), reference={"mode": lambda: 1.5}, reparameterized=True),
    Case(id="Pareto-batch", make=lambda: pfd.Pareto(np.array([2.5, 3.0, 6.0]), _s2),
         scipy=lambda: st.pareto(*_b(np.array([2.5, 3.0, 6.0]), _s2)[:1],
                                 scale=_b(np.array([2.5, 3.0, 6.0]), _s2)[1]),
         values=_grid([3.1, 3.5, 8.0, 30.0], (2, 3)), methods=ALL, reparameterized=True),
    # -- VonMises: scipy vonmises(kappa, loc); circular variance 1 - I1/I0 -----------------------
    Case(id="VonMises-scalar", make=lambda: pfd.VonMises(0.0, 2.0),
         scipy=lambda: st.vonmises(2.0), values=np.array([-3.0, -1.0, 0.0, 0.4, 3.1]),
         methods=("log_prob",) + CDFS + ("entropy", "mean", "variance", "mode"),
         reference={"variance": lambda: 1 - sp.i1e(2.0) / sp.i0e(2.0), "mean": lambda: 0.0,
                    "mode": lambda: 0.0}),
    Case(id="VonMises-batch", make=lambda: pfd.VonMises(_vm_loc, _vm_conc),
         scipy=lambda: st.vonmises(_b(_vm_conc, _vm_loc)[0], loc=_b(_vm_conc, _vm_loc)[1]),
         values=_grid([-3.0, -0.5, 0.7, 2.9], (2, 3)),
         methods=("log_prob", "cdf", "entropy"), gof=None),
    # -- TruncatedNormal: scipy truncnorm(a=(low-loc)/scale, b=(high-loc)/scale, loc, scale) ------
    Case(id="TruncatedNormal-scalar", make=lambda: pfd.TruncatedNormal(0.5, 2.0, -1.0, 4.0),
         scipy=lambda: st.truncnorm(-0.75, 1.75, loc=0.5, scale=2.0),
         values=np.array([-0.99, -0.5, 0.5, 2.0, 3.99]), methods=ALL + ("mode",),
         reference={"mode": lambda: 0.5}, reparameterized=True),
    Case(id="TruncatedNormal-tail", make=lambda: pfd.TruncatedNormal(*_tn),
         scipy=lambda: st.truncnorm((_tn[2] - _tn[0]) / _tn[1], (_tn[3] - _tn[0]) / _tn[1],
                                    loc=_tn[0], scale=_tn[1]),
         values=np.array([[-0.9, 3.6], [0.3, 4.0], [1.9, 4.9]]), methods=ALL,
         reparameterized=True),
    # -- Kumaraswamy: independent closed forms + quadrature ---------------------------------------
    Case(id="Kumaraswamy-scalar", make=lambda: pfd.Kumaraswamy(2.0, 3.0),
         values=np.array([0.01, 0.2, 0.5, 0.8, 0.99]),
         methods=("log_prob", "cdf", "survival_function", "log_cdf", "mean", "variance",
                  "entropy", "mode", "quantile"),
         reference={
             "log_prob": lambda x: kumaraswamy_logpdf(x, 2.0, 3.0),
             "cdf": lambda x: kumaraswamy_cdf(x, 2.0, 3.0),
             "log_cdf": lambda x: np.log(kumaraswamy_cdf(x, 2.0, 3.0)),
             "survival_function": lambda x: 1 - kumaraswamy_cdf(x, 2.0, 3.0),
             "quantile": lambda p: (1 - (1 - p) ** (1 / 3.0)) ** 0.5,
             "mean": lambda: _quad_moments(lambda x: kumaraswamy_logpdf(x, 2.0, 3.0), 0, 1)[0],
             "variance": lambda: _quad_moments(lambda x: kumaraswamy_logpdf(x, 2.0, 3.0),
                                               0, 1)[1],
             "entropy": lambda: _quad_moments(lambda x: kumaraswamy_logpdf(x, 2.0, 3.0), 0, 1)[2],
             "mode": lambda: (1.0 / 5.0) ** 0.5,
         }, rtol=1e-6, reparameterized=True),
    Case(id="Kumaraswamy-batch", make=lambda: pfd.Kumaraswamy(_kum_a, _kum_b),
         values=_grid([0.05, 0.4, 0.9], (2, 3)), methods=("log_prob", "cdf"),
         reference={"log_prob": lambda x: kumaraswamy_logpdf(x, *_b(_kum_a, _kum_b)),
                    "cdf": lambda x: kumaraswamy_cdf(x, *_b(_kum_a, _kum_b))},
         gof=None, reparameterized=True),
    # -- LogitNormal: independent closed forms ----------------------------------------------------
    Case(id="LogitNormal-scalar", make=lambda: pfd.LogitNormal(0.3, 0.8),
         values=np.array([0.01, 0.3, 0.5, 0.9, 0.999]),
         methods=("log_prob", "cdf", "log_cdf", "survival_function", "quantile"),
         reference={
             "log_prob": lambda x: logitnormal_logpdf(x, 0.3, 0.8),
             "cdf": lambda x: st.norm.cdf(sp.logit(x), 0.3, 0.8),
             "log_cdf": lambda x: st.norm.logcdf(sp.logit(x), 0.3, 0.8),
             "survival_function": lambda x: st.norm.sf(sp.logit(x), 0.3, 0.8),
             "quantile": lambda p: sp.expit(st.norm.ppf(p, 0.3, 0.8)),
         }, reparameterized=True),
    Case(id="LogitNormal-batch", make=lambda: pfd.LogitNormal(_vm_loc, _s2),
         values=_grid([0.02, 0.5, 0.97], (2, 3)), methods=("log_prob", "cdf"),
         reference={"log_prob": lambda x: logitnormal_logpdf(x, *_b(_vm_loc, _s2)),
                    "cdf": lambda x: st.norm.cdf(sp.logit(x), *_b(_vm_loc, _s2))},
         reparameterized=True),
    # -- InverseGaussian: scipy invgauss(mu=loc/concentration, scale=concentration) ---------------
    Case(id="InverseGaussian-scalar", make=lambda: pfd.InverseGaussian(1.5, 2.0),
         scipy=lambda: st.invgauss(0.75, scale=2.0), values=_pos_values(()),
         methods=("log_prob", "cdf", "mean", "variance", "mode"),
         reference={"mode": lambda: 1.5 * (np.sqrt(1 + 9 * 1.5**2 / 16) - 4.5 / 4)}),
    Case(id="InverseGaussian-batch",
         make=lambda: pfd.InverseGaussian(np.array([0.5, 1.0, 4.0]), _s2),
         scipy=lambda: st.invgauss(*[m / c for m, c in [_b(np.array([0.5, 1.0, 4.0]), _s2)]],
                                   scale=_b(np.array([0.5, 1.0, 4.0]), _s2)[1]),
         values=_pos_values((2, 3)), methods=("log_prob", "cdf", "mean", "variance")),
    # -- GeneralizedNormal: scipy gennorm(beta=power, loc, scale) ---------------------------------
    Case(id="GeneralizedNormal-scalar", make=lambda: pfd.GeneralizedNormal(0.5, 1.3, 1.5),
         scipy=lambda: st.gennorm(1.5, loc=0.5, scale=1.3),
         values=np.array([-6.0, -1.0, 0.4, 0.6, 3.0, 10.0]),
         methods=("log_prob", "cdf", "survival_function", "mean", "variance", "entropy")),
    Case(id="GeneralizedNormal-batch",
         make=lambda: pfd.GeneralizedNormal(_vm_loc, _s2, np.array([[0.8, 2.0, 4.0]])),
         scipy=lambda: st.gennorm(*_b(np.array([[0.8, 2.0, 4.0]]), _vm_loc, _s2)[:1],
                                  loc=_b(np.array([[0.8, 2.0, 4.0]]), _vm_loc, _s2)[1],
                                  scale=_b(np.array([[0.8, 2.0, 4.0]]), _vm_loc, _s2)[2]),
         values=_grid([-3.0, 0.1, 2.3], (2, 3)), methods=("log_prob", "cdf", "variance")),
    # -- ExponentiallyModifiedGaussian: scipy exponnorm(K=1/(scale rate), loc, scale) -------------
    Case(id="ExponentiallyModifiedGaussian-scalar",
         make=lambda: pfd.ExponentiallyModifiedGaussian(0.5, 1.3, 2.0),
         scipy=lambda: st.exponnorm(1 / 2.6, loc=0.5, scale=1.3),
         values=np.array([-4.0, -0.5, 0.5, 2.0, 9.0]),
         methods=("log_prob",) + CDFS + ("mean", "variance"), reparameterized=True),
    Case(id="ExponentiallyModifiedGaussian-batch",
         make=lambda: pfd.ExponentiallyModifiedGaussian(_vm_loc, _s2, np.array([0.5, 1.0, 4.0])),
         scipy=lambda: st.exponnorm(
             1 / (_b(_s2, np.array([0.5, 1.0, 4.0]))[0] * _b(_s2, np.array([0.5, 1.0, 4.0]))[1]),
             loc=_b(_vm_loc, _s2)[0], scale=_b(_vm_loc, _s2)[1]),
         values=_grid([-3.0, 0.0, 5.0], (2, 3)), methods=("log_prob", "cdf", "mean", "variance"),
         reparameterized=True),
    # -- Moyal: scipy moyal(loc, scale) -------------------------------------------------------------
    Case(id="Moyal-scalar", make=lambda: pfd.Moyal(0.5, 1.3), scipy=lambda: st.moyal(0.5, 1.3),
         values=np.array([-2.5, -1.0, 0.5, 2.0, 15.0]), methods=ALL + ("mode",),
         reference={"mode": lambda: 0.5}, reparameterized=True),
    Case(id="Moyal-batch", make=lambda: pfd.Moyal(_vm_loc, _s2),
         scipy=lambda: st.moyal(*_b(_vm_loc, _s2)), values=_grid([-1.0, 0.5, 6.0], (2, 3)),
         methods=ALL, reparameterized=True),
    # -- Triangular: scipy triang(c=(peak-low)/(high-low), loc=low, scale=high-low) ---------------
    Case(id="Triangular-scalar", make=lambda: pfd.Triangular(-1.0, 3.0, 0.5),
         scipy=lambda: st.triang(0.375, loc=-1.0, scale=4.0),
         values=np.array([-0.9, 0.0, 0.45, 1.5, 2.9]),
         methods=("log_prob", "cdf", "survival_function", "quantile") + MOMENTS + ("mode",),
         reference={"mode": lambda: 0.5}, reparameterized=True),
    Case(id="Triangular-batch",
         make=lambda: pfd.Triangular(np.array([0.0, -2.0]), np.array([[1.0, 2.0], [4.0, 5.0]]),
                                     np.array([0.2, 0.0])),
         scipy=lambda: st.triang(
             (np.array([0.2, 0.0]) - np.array([0.0, -2.0]))
             / (np.array([[1.0, 2.0], [4.0, 5.0]]) - np.array([0.0, -2.0])),
             loc=np.array([0.0, -2.0]) + np.zeros((2, 2)),
             scale=np.array([[1.0, 2.0], [4.0, 5.0]]) - np.array([0.0, -2.0])),
         values=_grid([0.1, 0.6, 0.9], (2, 2)), methods=("log_prob", "cdf", "mean", "variance"),
         reparameterized=True),
    # -- GeneralizedPareto: scipy genpareto(c=concentration, loc, scale) ---------------------------
    Case(id="GeneralizedPareto-scalar", make=lambda: pfd.GeneralizedPareto(0.5, 1.3, 0.3),
         scipy=lambda: st.genpareto(0.3, loc=0.5, scale=1.3),
         values=np.array([0.51, 0.6, 2.0, 6.0, 50.0]), methods=ALL + ("mode",),
         reference={"mode": lambda: 0.5}, reparameterized=True),
    Case(id="GeneralizedPareto-batch",
         make=lambda: pfd.GeneralizedPareto(np.array([[0.0], [1.0]]), 1.5, _gp_conc),
         scipy=lambda: st.genpareto(_gp_conc + np.zeros((2, 3)),
                                    loc=np.array([[0.0], [1.0]]) + np.zeros((2, 3)), scale=1.5),
         values=np.array([1.2, 1.5, 3.0, 5.0])[:, None, None] + np.zeros((2, 3)),
         methods=ALL, reparameterized=True),
    # -- GeneralizedExtremeValue: scipy genextreme(c=-concentration, loc, scale) ------------------
    Case(id="GeneralizedExtremeValue-scalar",
         make=lambda: pfd.GeneralizedExtremeValue(0.5, 1.3, 0.3),
         scipy=lambda: st.genextreme(-0.3, loc=0.5, scale=1.3),
         values=np.array([-2.0, -0.5, 0.5, 2.0, 20.0]), methods=ALL + ("mode",),
         reference={"mode": lambda: 0.5 + 1.3 * (1.3**-0.3 - 1) / 0.3}, reparameterized=True),
    Case(id="GeneralizedExtremeValue-batch",
         make=lambda: pfd.GeneralizedExtremeValue(0.0, np.array([[1.0], [2.5]]), _gev_conc),
         scipy=lambda: st.genextreme(-_gev_conc + np.zeros((2, 3)), loc=0.0,
                                     scale=np.array([[1.0], [2.5]]) + np.zeros((2, 3))),
         values=_grid([-1.5, 0.0, 1.0, 3.0], (2, 3)), methods=ALL, reparameterized=True),
    # -- LogLogistic: scipy fisk(c=1/scale, scale=exp(loc)) ----------------------------------------
    Case(id="LogLogistic-scalar", make=lambda: pfd.LogLogistic(0.5, 0.3),
         scipy=lambda: st.fisk(1 / 0.3, scale=np.exp(0.5)), values=_pos_values(()),
         methods=ALL + ("mode",),
         reference={"mode": lambda: np.exp(0.5) * (0.7 / 1.3) ** 0.3}, reparameterized=True),
    Case(id="LogLogistic-batch", make=lambda: pfd.LogLogistic(_vm_loc, np.array([[0.2], [0.4]])),
         scipy=lambda: st.fisk(1 / _b(_vm_loc, np.array([[0.2], [0.4]]))[1],
                               scale=np.exp(_b(_vm_loc, np.array([[0.2], [0.4]]))[0])),
         values=_pos_values((2, 3)), methods=ALL, reparameterized=True),
    # -- JohnsonSU: scipy johnsonsu(a=skewness, b=tailweight, loc, scale) --------------------------
    Case(id="JohnsonSU-scalar", make=lambda: pfd.JohnsonSU(0.5, 2.0, 0.1, 1.5),
         scipy=lambda: st.johnsonsu(0.5, 2.0, loc=0.1, scale=1.5),
         values=np.array([-8.0, -1.0, 0.1, 2.0, 12.0]),
         methods=("log_prob",) + CDFS + ("quantile", "mean", "variance", "stddev"),
         reparameterized=True),
    Case(id="JohnsonSU-batch",
         make=lambda: pfd.JohnsonSU(np.array([-1.0, 0.0, 1.0]), np.array([[0.8], [3.0]]), 0.0,
                                    1.0),
         scipy=lambda: st.johnsonsu(*_b(np.array([-1.0, 0.0, 1.0]), np.array([[0.8], [3.0]]))),
         values=_grid([-2.0, 0.3, 4.0], (2, 3)), methods=("log_prob", "cdf", "quantile", "mean",
                                                            "variance"),
         reparameterized=True),
    # -- TwoPieceNormal: independent closed forms + quadrature ------------------------------------
    Case(id="TwoPieceNormal-scalar", make=lambda: pfd.TwoPieceNormal(0.5, 1.3, 2.0),
         values=np.array([-3.0, -1.0, 0.5, 2.0, 9.0]),
         methods=("log_prob", "cdf", "log_cdf", "survival_function", "log_survival_function",
                  "mean", "variance", "entropy", "mode", "quantile"),
         reference={
             "log_prob": lambda x: twopiece_logpdf(x, 0.5, 1.3, 2.0),
             "cdf": lambda x: twopiece_cdf(x, 0.5, 1.3, 2.0),
             "log_cdf": lambda x: np.log(twopiece_cdf(x, 0.5, 1.3, 2.0)),
             "survival_function": lambda x: 1 - twopiece_cdf(x, 0.5, 1.3, 2.0),
             "log_survival_function": lambda x: np.log1p(-twopiece_cdf(x, 0.5, 1.3, 2.0)),
             "quantile": lambda p: np.array([
                 __import__("scipy.optimize").optimize.brentq(
                     lambda x, q=q: twopiece_cdf(x, 0.5, 1.3, 2.0) - q, -50, 50, xtol=1e-14)
                 for q in np.ravel(p)]).reshape(np.shape(p)),
             "mean": lambda: _quad_moments(lambda x: twopiece_logpdf(x, 0.5, 1.3, 2.0),
                                           -np.inf, np.inf)[0],
             "variance": lambda: _quad_moments(lambda x: twopiece_logpdf(x, 0.5, 1.3, 2.0),
                                               -np.inf, np.inf)[1],
             "entropy": lambda: _quad_moments(lambda x: twopiece_logpdf(x, 0.5, 1.3, 2.0),
                                              -np.inf, np.inf)[2],
             "mode": lambda: 0.5,
         }, rtol=1e-6, atol=1e-8, reparameterized=True),
    Case(id="TwoPieceNormal-batch",
         make=lambda: pfd.TwoPieceNormal(_vm_loc, _s2, np.array([0.5, 1.0, 3.0])),
         values=_grid([-2.0, 0.1, 3.0], (2, 3)), methods=("log_prob", "cdf"),
         reference={"log_prob": lambda x: twopiece_logpdf(
                        x, *_b(_vm_loc, _s2, np.array([0.5, 1.0, 3.0]))),
                    "cdf": lambda x: twopiece_cdf(
                        x, *_b(_vm_loc, _s2, np.array([0.5, 1.0, 3.0])))},
         reparameterized=True),
]

