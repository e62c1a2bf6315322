"""Conformance rows for the wrappers, discrete-structure and hurdle distributions.

References are written here independently with NumPy and scipy.stats: scipy's frozen
distributions for the bases, and the wrappers' formulas (truncation, censoring, inflation,
hurdles, quantisation, concatenation) applied to them by hand. ``TruncatedDistribution``
over a normal is also compared with scipy's own ``truncnorm``. Discrete rows and rows
whose values mix masses and densities use ``gof="moments"``; continuous rows whose cdf
the reference has use the KS test on the probability integral transform.
"""

import numpy as np
import scipy.special as sp
import scipy.stats as st

import probflow.distributions as pfd
from tests.distributions.cases import Case

CDFS = ("cdf", "log_cdf", "survival_function", "log_survival_function")

# -- FiniteDiscrete --------------------------------------------------------------------------------
_fd_outcomes = np.array([-1.0, 0.5, 2.0, 3.5])
_fd_probs = np.array([[0.1, 0.2, 0.3, 0.4], [0.25, 0.25, 0.4, 0.1]])
_fd_values = np.array([-1.0, 0.5, 3.5, 2.0])[:, None] + np.zeros(2)


def _fd_log_pmf(x):
    match = x[..., None] == _fd_outcomes
    p = np.sum(np.where(match, _fd_probs, 0.0), axis=-1)
    with np.errstate(divide="ignore"):
        return np.log(p)


def _fd_cdf(x):
    return np.sum(np.where(_fd_outcomes <= x[..., None], _fd_probs, 0.0), axis=-1)


_fd_mean = _fd_probs @ _fd_outcomes
_fd_var = _fd_probs @ _fd_outcomes**2 - _fd_mean**2

# -- Inflated --------------------------------------------------------------------------------------
_inf_rate = np.array([0.7, 4.0])
_inf_p = np.array([0.3, 0.05])
_inf_pois_values = np.array([0.0, 1.0, 3.0, 9.0])[:, None] + np.zeros(2)


def _inf_pois_log_pmf(k):
    return np.log(_inf_p * (k == 0) + (1 - _inf_p) * st.poisson(_inf_rate).pmf(k))


_inf_pois_mean = (1 - _inf_p) * _inf_rate
_inf_pois_var = (1 - _inf_p) * (_inf_rate + _inf_rate**2) - _inf_pois_mean**2

_infn_loc, _infn_scale, _infn_p, _infn_at = np.array([1.0, -2.0]), np.array([2.0, 0.5]), 0.3, 0.5
_infn_values = np.array([[0.5, 0.5], [1.2, -2.1], [-3.0, 4.0]])


def _infn_log_prob(x):
    base = np.log(1 - _infn_p) + st.norm(_infn_loc, _infn_scale).logpdf(x)
    return np.where(x == _infn_at, np.log(_infn_p), base)


_infn_mean = _infn_p * _infn_at + (1 - _infn_p) * _infn_loc
_infn_var = (_infn_p * _infn_at**2 + (1 - _infn_p) * (_infn_scale**2 + _infn_loc**2)
             - _infn_mean**2)

# -- QuantizedDistribution -------------------------------------------------------------------------
_q_loc = np.array([0.3, 2.5])
_q_values = np.array([-1.0, 0.0, 1.0, 3.0, 4.0])[:, None] + np.zeros(2)


def _q_log_pmf(y):
    base = st.norm(_q_loc, 1.5)
    inner = base.cdf(y) - base.cdf(y - 1)
    p = np.where(y == -1, base.cdf(-1.0), np.where(y == 4, base.sf(3.0), inner))
    return np.log(np.where((y >= -1) & (y <= 4), p, 0.0))


def _q_cdf(y):
    base = st.norm(_q_loc, 1.5)
    f = np.floor(y)
    return np.where(f < -1, 0.0, np.where(f >= 4, 1.0, base.cdf(f)))


# -- BatchReshape / BatchBroadcast / BatchConcat ---------------------------------------------------
_br_loc = np.linspace(-2.0, 3.0, 6)
_br_scale = np.array([0.5, 1.0, 1.5, 2.0, 2.5, 3.0])
_bb_loc = np.array([-1.0, 2.0])
_bc_values = np.array([[0.0, -1.0, 0.5, 2.0, 4.0], [1.5, 1.0, -2.0, 0.3, 3.0]])


def _bc_log_prob(x):
    return np.concatenate([st.norm([0.0, 1.0], 1.5).logpdf(x[..., :2]),
                           st.laplace([-1.0, 0.0, 2.0], 0.8).logpdf(x[..., 2:])], axis=-1)


def _bc_cdf(x):
    return np.concatenate([st.norm([0.0, 1.0], 1.5).cdf(x[..., :2]),
                           st.laplace([-1.0, 0.0, 2.0], 0.8).cdf(x[..., 2:])], axis=-1)


# -- Blockwise -------------------------------------------------------------------------------------
_bw_values = np.array([[0.3, 1.0, 0.2], [-1.0, 2.5, 3.0]])


def _bw_log_prob(x):
    return st.norm(1.0, 2.0).logpdf(x[..., 0]) + st.gamma(2.0, scale=1 / 1.5).logpdf(
        x[..., 1]) + st.gamma(0.5, scale=1.0).logpdf(x[..., 2])


# -- censoring -------------------------------------------------------------------------------------
_cens = np.array([False, True, True])
_cens_base = st.weibull_min(np.array([1.5, 0.8, 2.0]), scale=2.0)
_cens_values = np.array([[0.5, 0.5, 0.5], [2.0, 3.0, 1.0]])
_ic_left = np.array([0, 1, 0, 1, 0])
_ic_right = np.array([0, 0, 1, 1, 0])
_ic_values = np.array([[[0.5, 1.5], [0.0, 0.7], [1.2, np.inf], [0.4, 2.0], [0.9, 0.9]],
                       [[0.1, 4.0], [0.0, 3.0], [0.2, np.inf], [1.0, 1.5], [2.5, 2.5]]])


def _ic_log_prob(v):
    base = st.lognorm(0.7, scale=np.exp(0.2))
    lo, hi = v[..., 0], v[..., 1]
    with np.errstate(divide="ignore"):  # point rows give log(0) in the unused branch
        interval = np.where(lo == hi, base.logpdf(lo), np.log(base.cdf(hi) - base.cdf(lo)))
    both = np.log(base.cdf(lo) + base.sf(hi))
    return np.select([(_ic_left == 1) & (_ic_right == 1), _ic_left == 1, _ic_right == 1],
                     [both, base.logcdf(hi), base.logsf(lo)], interval)


# -- truncation ------------------------------------------------------------------------------------
_tn_loc, _tn_scale = np.array([0.0, 1.0]), np.array([1.0, 2.0])
_tn_low, _tn_high = np.array([-0.5, 2.0]), np.array([1.5, 8.0])
_tn_values = np.array([[-0.4, 2.1], [0.0, 4.0], [1.4, 7.9]])
_tl_values = np.array([[0.1, 0.05], [1.0, 0.2], [3.0, 5.0]])


def _tl_ref(method):
    base = st.logistic(np.array([0.0, 1.0]), 0.7)
    low = 0.0  # truncated from below only

    def log_prob(x):
        return np.where(x >= low, base.logpdf(x) - base.logsf(low), -np.inf)

    def cdf(x):
        return np.where(x >= low, (base.cdf(x) - base.cdf(low)) / base.sf(low), 0.0)

    def quantile(u):
        return base.ppf(base.cdf(low) + u * base.sf(low))

    return {"log_prob": log_prob, "cdf": cdf, "quantile": quantile}[method]


# -- hurdles ---------------------------------------------------------------------------------------
_h_gate = np.array([0.2, 0.6])
_h_count_values = np.array([0.0, 1.0, 2.0, 7.0])[:, None] + np.zeros(2)
_h_pos_values = np.array([0.0, 0.3, 2.0, 5.0])[:, None] + np.zeros(2)


def _hurdle_discrete(base):
    def log_pmf(k):
        positive = np.log1p(-_h_gate) + base.logpmf(k) - np.log(base.sf(0.0))
        return np.where(k == 0, np.log(_h_gate), positive)

    def cdf(k):
        trunc = (base.cdf(k) - base.pmf(0)) / base.sf(0.0)
        return np.where(k < 0, 0.0, _h_gate + (1 - _h_gate) * trunc)

    mean = (1 - _h_gate) * base.mean() / base.sf(0.0)
    var = (1 - _h_gate) * (base.var() + base.mean() ** 2) / base.sf(0.0) - mean**2
    return {"log_prob": log_pmf, "cdf": cdf, "mean": lambda: mean, "variance": lambda: var}


def _hurdle_continuous(base):
    def log_prob(x):
        with np.errstate(divide="ignore"):
            return np.where(x == 0, np.log(_h_gate), np.log1p(-_h_gate) + base.logpdf(x))

    mean = (1 - _h_gate) * base.mean()
    var = (1 - _h_gate) * (base.var() + base.mean() ** 2) - mean**2
    return {"log_prob": log_prob,
            "cdf": lambda x: np.where(x < 0, 0.0, _h_gate + (1 - _h_gate) * base.cdf(x)),
            "mean": lambda: mean, "variance": lambda: var}


_hp_rate = np.array([0.4, 3.0])
_hnb_r, _hnb_probs = np.array([2.5, 0.7]), np.array([0.3, 0.6])
_hg_conc, _hg_rate = np.array([0.8, 3.0]), np.array([1.0, 2.0])
_hl_loc, _hl_scale = np.array([0.0, 1.0]), np.array([0.5, 0.6])

CASES = [
    Case(id="FiniteDiscrete-batch",
         make=lambda: pfd.FiniteDiscrete(_fd_outcomes, probs=_fd_probs),
         values=_fd_values, methods=("log_prob", "cdf", "mean", "variance", "entropy"),
         reference={"log_prob": _fd_log_pmf, "cdf": _fd_cdf, "mean": lambda: _fd_mean,
                    "variance": lambda: _fd_var,
                    "entropy": lambda: -np.sum(_fd_probs * np.log(_fd_probs), axis=-1)},
         gof="moments", grad_params=("probs",), discrete=True),
    Case(id="Inflated-poisson",
         make=lambda: pfd.Inflated(pfd.Poisson(_inf_rate), inflated_loc_probs=_inf_p),
         values=_inf_pois_values, methods=("log_prob", "cdf", "mean", "variance"),
         reference={"log_prob": _inf_pois_log_pmf,
                    "cdf": lambda k: _inf_p + (1 - _inf_p) * st.poisson(_inf_rate).cdf(k),
                    "mean": lambda: _inf_pois_mean, "variance": lambda: _inf_pois_var},
         gof="moments", grad_params=("distribution", "inflated_loc_probs"), discrete=True),
    Case(id="Inflated-normal",
         make=lambda: pfd.Inflated(pfd.Normal(_infn_loc, _infn_scale),
                                   inflated_loc_probs=_infn_p, inflated_loc=_infn_at),
         values=_infn_values, methods=("log_prob", "cdf", "mean", "variance"),
         reference={"log_prob": _infn_log_prob,
                    "cdf": lambda x: _infn_p * (x >= _infn_at) + (1 - _infn_p) * st.norm(
                        _infn_loc, _infn_scale).cdf(x),
                    "mean": lambda: _infn_mean, "variance": lambda: _infn_var},
         gof="moments", grad_params=("distribution", "inflated_loc_probs")),
    Case(id="QuantizedDistribution-normal",
         make=lambda: pfd.QuantizedDistribution(pfd.Normal(_q_loc, 1.5), low=-1.0, high=4.0),
         values=_q_values, methods=("log_prob", "cdf"),
         reference={"log_prob": _q_log_pmf, "cdf": _q_cdf},
         gof=None, grad_params=("distribution",), discrete=True),
    Case(id="BatchReshape-normal",
         make=lambda: pfd.BatchReshape(pfd.Normal(_br_loc, _br_scale), (2, 3)),
         scipy=lambda: st.norm(_br_loc.reshape(2, 3), _br_scale.reshape(2, 3)),
         values=np.array([[[0.0, 1.0, -1.0], [2.0, 0.5, 3.0]], [[-4.0, 0.0, 0.0]] * 2]),
         methods=("log_prob", "log_cdf", "survival_function", "mean", "stddev", "entropy"),
         reparameterized=True),
    Case(id="BatchBroadcast-normal",
         make=lambda: pfd.BatchBroadcast(pfd.Normal(_bb_loc, 1.5), to_shape=(3, 2)),
         scipy=lambda: st.norm(np.broadcast_to(_bb_loc, (3, 2)), 1.5),
         values=np.array([[[0.0, 1.0]] * 3, [[-2.0, 4.0]] * 3]),
         methods=("log_prob", "cdf", "mean", "variance", "entropy"), reparameterized=True),
    Case(id="BatchConcat-normal-laplace",
         make=lambda: pfd.BatchConcat([pfd.Normal(np.array([0.0, 1.0]), 1.5),
                                       pfd.Laplace(np.array([-1.0, 0.0, 2.0]), 0.8)], axis=0),
         values=_bc_values, methods=("log_prob", "cdf", "mean", "variance"),
         reference={"log_prob": _bc_log_prob, "cdf": _bc_cdf,
                    "mean": lambda: np.array([0.0, 1.0, -1.0, 0.0, 2.0]),
                    "variance": lambda: np.array([2.25, 2.25, 1.28, 1.28, 1.28])},
         reparameterized=True),
    Case(id="Blockwise-normal-gammas",
         make=lambda: pfd.Blockwise([pfd.Normal(1.0, 2.0),
                                     pfd.Independent(pfd.Gamma(np.array([2.0, 0.5]),
                                                               np.array([1.5, 1.0])), 1)]),
         values=_bw_values, methods=("log_prob", "mean", "variance", "entropy"),
         reference={"log_prob": _bw_log_prob, "mean": lambda: np.array([1.0, 2.0 / 1.5, 0.5]),
                    "variance": lambda: np.array([4.0, 2.0 / 1.5**2, 0.5]),
                    "entropy": lambda: st.norm(1.0, 2.0).entropy() + st.gamma(
                        2.0, scale=1 / 1.5).entropy() + st.gamma(0.5).entropy()},
         gof="moments"),
    Case(id="LeftCensored-weibull",
         make=lambda: pfd.LeftCensoredDistribution(
             pfd.Weibull(np.array([1.5, 0.8, 2.0]), 2.0), _cens),
         scipy=lambda: _cens_base, values=_cens_values,
         methods=("log_prob", "mean", "variance"),
         reference={"log_prob": lambda x: np.where(_cens, _cens_base.logcdf(x),
                                                   _cens_base.logpdf(x))},
         reparameterized=True),
    Case(id="RightCensored-weibull",
         make=lambda: pfd.RightCensoredDistribution(
             pfd.Weibull(np.array([1.5, 0.8, 2.0]), 2.0), _cens.astype(float)),
         scipy=lambda: _cens_base, values=_cens_values, methods=("log_prob",),
         reference={"log_prob": lambda x: np.where(_cens, _cens_base.logsf(x),
                                                   _cens_base.logpdf(x))}),
    Case(id="IntervalCensored-lognormal",
         make=lambda: pfd.IntervalCensoredDistribution(pfd.LogNormal(0.2, 0.7), _ic_left,
                                                       _ic_right),
         values=_ic_values, methods=("log_prob",), reference={"log_prob": _ic_log_prob},
         gof="moments"),
    Case(id="TruncatedDistribution-normal",
         make=lambda: pfd.TruncatedDistribution(pfd.Normal(_tn_loc, _tn_scale), _tn_low,
                                                _tn_high),
         scipy=lambda: st.truncnorm((_tn_low - _tn_loc) / _tn_scale,
                                    (_tn_high - _tn_loc) / _tn_scale, _tn_loc, _tn_scale),
         values=_tn_values, methods=("log_prob", *CDFS, "quantile"),
         reparameterized=True),
    Case(id="TruncatedDistribution-logistic-low",
         make=lambda: pfd.TruncatedDistribution(pfd.Logistic(np.array([0.0, 1.0]), 0.7),
                                                low=0.0),
         values=_tl_values, methods=("log_prob", "cdf", "quantile"),
         reference={m: _tl_ref(m) for m in ("log_prob", "cdf", "quantile")},
         reparameterized=True, rtol=1e-5),
    Case(id="HurdlePoisson",
         make=lambda: pfd.HurdlePoisson(_h_gate, _hp_rate),
         values=_h_count_values, methods=("log_prob", "cdf", "mean", "variance"),
         reference=_hurdle_discrete(st.poisson(_hp_rate)), gof="moments", discrete=True),
    Case(id="HurdleNegativeBinomial",
         make=lambda: pfd.HurdleNegativeBinomial(_h_gate, _hnb_r, probs=_hnb_probs),
         values=_h_count_values, methods=("log_prob", "cdf", "mean", "variance"),
         # scipy's nbinom(n, p) counts failures with success probability p: p = 1 - probs.
         reference=_hurdle_discrete(st.nbinom(_hnb_r, 1 - _hnb_probs)), gof="moments",
         discrete=True),
    Case(id="HurdleGamma",
         make=lambda: pfd.HurdleGamma(gate_logits=sp.logit(_h_gate), concentration=_hg_conc,
                                      rate=_hg_rate),
         values=_h_pos_values, methods=("log_prob", "cdf", "mean", "variance"),
         reference=_hurdle_continuous(st.gamma(_hg_conc, scale=1 / _hg_rate)), gof="moments"),
    Case(id="HurdleLogNormal",
         make=lambda: pfd.HurdleLogNormal(_h_gate, _hl_loc, _hl_scale),
         values=_h_pos_values, methods=("log_prob", "cdf", "mean", "variance"),
         reference=_hurdle_continuous(st.lognorm(_hl_scale, scale=np.exp(_hl_loc))),
         gof="moments"),
]
