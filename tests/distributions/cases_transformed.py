"""Conformance rows for TransformedDistribution.

Rows build familiar distributions as transformations and compare them with scipy
(or with closed forms written here with NumPy/scipy.special): log-normal as
Normal + Exp, normal as Normal + affine maps (including a negative scale, whose
cdf swaps tails), inverse-gamma as Gamma + Reciprocal (decreasing), Weibull,
Gumbel and Kumaraswamy as Uniform + the inverse of their cdf bijectors, logit-
and tanh-normal. Gradient rows are off (``grad_params=()``): the parameters live in
nested objects; ``tests/distributions/test_transformed.py`` checks gradients.
"""

import numpy as np
import scipy.special as sp
import scipy.stats as st

import probflow.bijectors as pfb
import probflow.distributions as pfd
from tests.distributions.cases import Case

TAILS = ("log_prob", "cdf", "log_cdf", "survival_function", "log_survival_function")

_loc = np.array([-1.0, 0.0, 2.5])
_scale = np.array([[0.5], [3.0]])  # broadcasts to batch (2, 3)


def _logit_normal(loc, scale):
    def log_prob(y):
        z = sp.logit(y)
        return st.norm(loc, scale).logpdf(z) - np.log(y) - np.log1p(-y)

    return {
        "log_prob": log_prob,
        "cdf": lambda y: st.norm(loc, scale).cdf(sp.logit(y)),
        "quantile": lambda p: sp.expit(st.norm(loc, scale).ppf(p)),
    }


def _tanh_normal(loc, scale):
    return {
        "log_prob": lambda y: st.norm(loc, scale).logpdf(np.arctanh(y)) - np.log1p(-y * y),
        "cdf": lambda y: st.norm(loc, scale).cdf(np.arctanh(y)),
        "survival_function": lambda y: st.norm(loc, scale).sf(np.arctanh(y)),
        "quantile": lambda p: np.tanh(st.norm(loc, scale).ppf(p)),
    }


def _kumaraswamy(a, b):
    return {
        "log_prob": lambda x: (np.log(a * b) + (a - 1) * np.log(x)
                               + (b - 1) * np.log1p(-x**a)),
        "cdf": lambda x: -np.expm1(b * np.log1p(-x**a)),
        "quantile": lambda p: (-np.expm1(np.log1p(-p) / b)) ** (1 / a),
    }


CASES = [
    Case(
        id="Transformed-LogNormal",
        make=lambda: pfd.TransformedDistribution(pfd.Normal(0.3, 0.8), pfb.Exp()),
        scipy=lambda: st.lognorm(s=0.8, scale=np.exp(0.3)),
        values=np.array([0.05, 0.7, 1.35, 4.0, 30.0]),
        methods=TAILS + ("quantile",),
        reparameterized=True,
        grad_params=(),
    ),
    Case(
        id="Transformed-LogNormal-batch",
        make=lambda: pfd.TransformedDistribution(pfd.Normal(_loc, _scale), pfb.Exp()),
        scipy=lambda: st.lognorm(s=np.broadcast_to(_scale, (2, 3)),
                                 scale=np.exp(np.broadcast_to(_loc, (2, 3)))),
        values=np.array([0.1, 1.0, 12.0])[:, None, None] + np.zeros((2, 3)),
        methods=TAILS + ("quantile",),
        reparameterized=True,
        grad_params=(),
    ),
    Case(
        id="Transformed-affine",
        make=lambda: pfd.TransformedDistribution(
            pfd.Normal(0.0, 1.0), pfb.Chain([pfb.Shift(2.0), pfb.Scale(3.0)])),
        scipy=lambda: st.norm(2.0, 3.0),
        values=np.array([-7.0, 0.0, 2.0, 5.5, 11.0]),
        methods=TAILS + ("quantile", "mean", "variance", "stddev", "entropy"),
        reparameterized=True,
        grad_params=(),
    ),
    Case(
        id="Transformed-negative-scale",
        make=lambda: pfd.TransformedDistribution(pfd.Normal(1.0, 2.0), pfb.Scale(-1.5)),
        scipy=lambda: st.norm(-1.5, 3.0),
        values=np.array([-9.0, -1.5, 0.0, 4.0]),
        methods=TAILS + ("quantile", "mean", "variance", "stddev", "entropy"),
        reparameterized=True,
        grad_params=(),
    ),
    Case(
        id="Transformed-bijector-batch",
        make=lambda: pfd.TransformedDistribution(pfd.Normal(_loc, 1.0), pfb.Scale(_scale)),
        scipy=lambda: st.norm(*np.broadcast_arrays(_loc * _scale, _scale)),
        values=np.linspace(-4.0, 4.0, 4)[:, None, None] + np.zeros((2, 3)),
        methods=TAILS + ("quantile", "mean", "stddev", "entropy"),
        reparameterized=True,
        grad_params=(),
    ),
    Case(
        id="Transformed-InverseGamma",
        make=lambda: pfd.TransformedDistribution(pfd.Gamma(3.0, 2.0), pfb.Reciprocal()),
        scipy=lambda: st.invgamma(3.0, scale=2.0),
        values=np.array([0.05, 0.4, 1.0, 2.5, 20.0]),
        methods=TAILS,
        grad_params=(),
    ),
    Case(
        id="Transformed-Weibull",
        make=lambda: pfd.TransformedDistribution(pfd.Uniform(0.0, 1.0),
                                                 pfb.Invert(pfb.WeibullCDF(2.0, 1.5))),
        scipy=lambda: st.weibull_min(1.5, scale=2.0),
        values=np.array([0.01, 0.5, 2.0, 5.0]),
        methods=TAILS + ("quantile",),
        grad_params=(),
    ),
    Case(
        id="Transformed-Gumbel",
        make=lambda: pfd.TransformedDistribution(pfd.Uniform(0.0, 1.0),
                                                 pfb.Invert(pfb.GumbelCDF(1.0, 2.0))),
        scipy=lambda: st.gumbel_r(1.0, 2.0),
        values=np.array([-3.0, 0.0, 1.0, 6.0]),
        methods=("log_prob", "cdf", "survival_function", "quantile"),
        grad_params=(),
    ),
    Case(
        id="Transformed-Kumaraswamy",
        make=lambda: pfd.TransformedDistribution(pfd.Uniform(0.0, 1.0),
                                                 pfb.Invert(pfb.KumaraswamyCDF(2.0, 3.0))),
        reference=_kumaraswamy(2.0, 3.0),
        values=np.array([0.05, 0.3, 0.6, 0.95]),
        methods=("log_prob", "cdf", "quantile"),
        grad_params=(),
    ),
    Case(
        id="Transformed-LogitNormal",
        make=lambda: pfd.TransformedDistribution(pfd.Normal(0.2, 0.7), pfb.Sigmoid()),
        reference=_logit_normal(0.2, 0.7),
        values=np.array([0.01, 0.3, 0.55, 0.9, 0.999]),
        methods=("log_prob", "cdf", "quantile"),
        reparameterized=True,
        grad_params=(),
    ),
    Case(
        id="Transformed-TanhNormal",
        make=lambda: pfd.TransformedDistribution(pfd.Normal(-0.3, 1.2), pfb.Tanh()),
        reference=_tanh_normal(-0.3, 1.2),
        values=np.array([-0.99, -0.5, 0.0, 0.4, 0.9]),
        methods=("log_prob", "cdf", "survival_function", "quantile"),
        reparameterized=True,
        grad_params=(),
    ),
]
