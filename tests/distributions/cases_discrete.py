"""Conformance rows for the discrete group and its continuous relaxations.

References are scipy.stats wherever it has the law (with the parameter mapping
noted per row); otherwise closed forms written here independently in NumPy/scipy
(Categorical, OneHotCategorical, OrderedLogistic, the zero-inflated families, the
relaxed distributions). Discrete rows use ``gof="moments"``; rows without a closed
form mean (Categorical, OrderedLogistic, RelaxedOneHotCategorical) use ``gof=None``
and are covered by the chi-square tests in ``test_discrete.py``.
"""

import numpy as np
import scipy.special as sp
import scipy.stats as st

import probflow.distributions as pfd
from tests.distributions.cases import Case

CDFS = ("cdf", "log_cdf", "survival_function", "log_survival_function")
MOMENTS = ("mean", "variance", "stddev")


def _zero_inflated_log_pmf(base_logpmf, gate):
    def log_pmf(k):
        k = np.asarray(k, dtype=float)
        base = np.exp(base_logpmf(k))
        return np.log(gate * (k == 0) + (1.0 - gate) * base)

    return log_pmf


def _zero_inflated_cdf(base_cdf, gate):
    return lambda k: np.where(np.asarray(k) < 0, 0.0, gate + (1.0 - gate) * base_cdf(k))


# -- Bernoulli -------------------------------------------------------------------------------------
_bern_logits = np.array([[-3.0, 0.2, 4.0], [0.0, -0.7, 1.5]])

# -- Binomial / BetaBinomial -----------------------------------------------------------------------
_binom_n = np.array([[5.0], [40.0]])
_binom_logits = np.array([-1.0, 0.5, 2.0])
_binom_values = np.stack([np.zeros((2, 3)), np.full((2, 3), 2.0), np.full((2, 3), 5.0)])
_bb_n = np.array([3.0, 12.0, 30.0])
_bb_a = np.array([[0.4], [2.5]])
_bb_b = np.array([0.6, 1.0, 7.0])
_bb_values = np.array([0.0, 1.0, 3.0])[:, None, None] + np.zeros((2, 3))

# -- Poisson family --------------------------------------------------------------------------------
_pois_log_rate = np.array([[-2.0, 0.0, 1.5], [3.0, 4.0, 6.0]])
_pois_values = np.array([0.0, 1.0, 4.0, 30.0])[:, None, None] + np.zeros((2, 3))
_zip_rate = np.array([0.5, 3.0, 12.0])
_zip_gate = np.array([[0.1], [0.7]])

# -- negative binomial family ----------------------------------------------------------------------
_nb_r = np.array([0.4, 3.0, 25.0])
_nb_logits = np.array([[-2.0], [1.0]])
_nb_values = np.array([0.0, 1.0, 6.0, 40.0])[:, None, None] + np.zeros((2, 3))
_geom_probs = np.array([0.05, 0.5, 0.97])

# -- categorical family ----------------------------------------------------------------------------
_cat_logits = np.array([[0.3, -1.2, 2.0, 0.0], [-5.0, 1.0, 1.0, 0.5]])
_cat_probs = np.array([0.1, 0.25, 0.6, 0.05])
# No class rarer than ~5%: the moments test estimates the variance's standard error from the sample.
_onehot_logits = np.array([[0.3, -1.2, 2.0, 0.0], [-1.0, 1.0, 1.0, 0.5]])


def _log_softmax(logits):
    return logits - sp.logsumexp(logits, axis=-1, keepdims=True)


def _categorical_log_pmf(log_p):
    def fn(k):
        k = np.asarray(k).astype(int)
        table = np.broadcast_to(log_p, k.shape + log_p.shape[-1:])
        return np.take_along_axis(table, k[..., None], axis=-1)[..., 0]

    return fn


def _categorical_cdf(log_p):
    def fn(k):
        k = np.floor(np.asarray(k, dtype=float))
        cum = np.cumsum(np.exp(log_p), axis=-1)
        table = np.broadcast_to(cum, k.shape + cum.shape[-1:])
        idx = np.clip(k, 0, cum.shape[-1] - 1).astype(int)
        out = np.take_along_axis(table, idx[..., None], axis=-1)[..., 0]
        return np.where(k < 0, 0.0, out)

    return fn


def _entropy(log_p):
    p = np.exp(log_p)
    return -np.sum(np.where(p > 0, p * log_p, 0.0), axis=-1)


def _one_hot_log_pmf(log_p):
    return lambda x: np.sum(np.where(np.asarray(x) == 1, log_p, 0.0), axis=-1)


# -- OrderedLogistic ---------------------------------------------------------------------------------
_ol_cut = np.array([[-2.0, -0.5, 1.0], [-1.0, 0.0, 3.0]])
_ol_loc = np.array([[0.5], [-1.5], [2.0]])  # batch (3, 2)


def _ol_probs(cutpoints, loc):
    # P(X <= k) = logistic cdf of c_k - loc, differenced over k with 0 and 1 at the ends.
    cdf = st.logistic.cdf(np.asarray(cutpoints) - np.asarray(loc)[..., None])
    zeros = np.zeros(cdf.shape[:-1] + (1,))
    return np.diff(np.concatenate([zeros, cdf, zeros + 1.0], axis=-1), axis=-1)


def _ol_cdf_values(cutpoints, loc, k, log=False, survival=False):
    k = np.floor(np.asarray(k, dtype=float))
    cut = np.broadcast_to(cutpoints, np.broadcast_shapes(cutpoints.shape[:-1], np.shape(loc))
                          + cutpoints.shape[-1:])
    cut = np.broadcast_to(cut, k.shape + cut.shape[-1:])
    idx = np.clip(k, 0, cut.shape[-1] - 1).astype(int)
    c = np.take_along_axis(cut, idx[..., None], axis=-1)[..., 0]
    dist = st.logistic(loc=np.broadcast_to(loc, k.shape))
    inside = (k >= 0) & (k < cut.shape[-1])
    if survival:
        val = dist.logsf(c) if log else dist.sf(c)
        outside = np.where(k < 0, 0.0 if log else 1.0, -np.inf if log else 0.0)
    else:
        val = dist.logcdf(c) if log else dist.cdf(c)
        outside = np.where(k < 0, -np.inf if log else 0.0, 0.0 if log else 1.0)
    return np.where(inside, val, outside)


# -- relaxed -----------------------------------------------------------------------------------------
_rb_temp = np.array([[0.3], [1.0], [2.5]])
_rb_logits = np.array([-1.5, 0.0, 2.0])


def _rb_dist(temperature, logits):
    # logit(Y) ~ Logistic(loc=logits / temperature, scale=1 / temperature).
    return st.logistic(loc=logits / temperature, scale=1.0 / temperature)


def _rb_reference(temperature, logits):
    dist = _rb_dist(temperature, logits)
    return {
        "log_prob": lambda y: dist.logpdf(sp.logit(y)) - np.log(y) - np.log1p(-y),
        "cdf": lambda y: dist.cdf(sp.logit(y)),
        "log_cdf": lambda y: dist.logcdf(sp.logit(y)),
        "survival_function": lambda y: dist.sf(sp.logit(y)),
        "log_survival_function": lambda y: dist.logsf(sp.logit(y)),
        "quantile": lambda u: sp.expit(dist.ppf(u)),
    }


def _concrete_log_density(temperature, logits):
    # Maddison et al. (2017), eq. (9): (K-1)! t^(K-1) prod_k a_k y_k^(-t-1) / (sum_i a_i y_i^(-t))^K.
    def fn(y):
        y = np.asarray(y, dtype=float)
        k = y.shape[-1]
        t = np.asarray(temperature, dtype=float)[..., None]
        a = np.exp(logits - np.max(logits, axis=-1, keepdims=True))
        log_num = np.sum(np.log(a) + (-t - 1.0) * np.log(y), axis=-1)
        log_den = k * np.log(np.sum(a * y ** (-t), axis=-1))
        return sp.gammaln(k) + (k - 1) * np.log(np.squeeze(t, -1)) + log_num - log_den

    return fn


_rc_logits = np.array([[0.5, -1.0, 1.0], [0.0, 0.0, 0.0]])
_rc_temp = np.array([0.4, 1.7])
_rc_values = np.array(
    [
        [[0.2, 0.3, 0.5], [0.6, 0.3, 0.1]],
        [[0.01, 0.01, 0.98], [1 / 3, 1 / 3, 1 / 3]],
        [[0.7, 0.2, 0.1], [0.05, 0.9, 0.05]],
    ]
)

CASES = [
    # Bernoulli: scipy.stats.bernoulli(p).
    Case(
        id="Bernoulli-probs-scalar",
        make=lambda: pfd.Bernoulli(probs=0.3),
        scipy=lambda: st.bernoulli(0.3),
        values=np.array([0.0, 1.0, 1.0]),
        methods=("log_prob", "cdf", "survival_function", "mean", "variance", "entropy", "mode"),
        reference={"mode": lambda: 0},
        gof="moments",
        discrete=True,
    ),
    Case(
        id="Bernoulli-logits-batch",
        make=lambda: pfd.Bernoulli(logits=_bern_logits),
        scipy=lambda: st.bernoulli(sp.expit(_bern_logits)),
        values=np.array([np.zeros((2, 3)), np.ones((2, 3)), [[0, 1, 0], [1, 0, 1]]]),
        methods=("log_prob", "cdf", "log_cdf", "survival_function", "mean", "variance", "entropy"),
        gof="moments",
        discrete=True,
    ),
    # Binomial: scipy.stats.binom(n, p).
    Case(
        id="Binomial-probs-scalar",
        make=lambda: pfd.Binomial(10.0, probs=0.3),
        scipy=lambda: st.binom(10, 0.3),
        values=np.array([0.0, 2.0, 3.0, 7.0, 10.0]),
        methods=("log_prob",) + CDFS + MOMENTS + ("mode",),
        reference={"mode": lambda: 3.0},
        gof="moments",
        grad_params=("probs",),  # values include k = n; total_count in test_discrete.py
        discrete=True,
    ),
    Case(
        id="Binomial-logits-batch",
        make=lambda: pfd.Binomial(_binom_n, logits=_binom_logits),
        scipy=lambda: st.binom(*np.broadcast_arrays(_binom_n, sp.expit(_binom_logits))),
        values=_binom_values,
        methods=("log_prob",) + CDFS + MOMENTS,
        gof="moments",
        grad_params=("logits",),
        discrete=True,
    ),
    Case(
        id="Binomial-large-count",
        make=lambda: pfd.Binomial(1e6, probs=0.4),
        scipy=lambda: st.binom(1e6, 0.4),
        values=np.array([399000.0, 400000.0, 400500.0, 402000.0]),
        methods=("log_prob", "cdf", "survival_function", "mean", "variance"),
        gof="moments",
        # log_prob terms are ~1e6 here, so central differences lose ~4 digits; the gradients
        # are checked against digamma closed forms in test_discrete.py instead.
        grad_params=(),
        discrete=True,
        rtol=1e-8,
    ),
    # BetaBinomial: scipy.stats.betabinom(n, a=concentration1, b=concentration0).
    Case(
        id="BetaBinomial-scalar",
        make=lambda: pfd.BetaBinomial(12.0, 0.7, 2.5),
        scipy=lambda: st.betabinom(12, 0.7, 2.5),
        values=np.array([0.0, 1.0, 5.0, 12.0]),
        methods=("log_prob",) + MOMENTS,
        gof="moments",
        grad_params=("concentration1", "concentration0"),  # values include k = total_count
        discrete=True,
    ),
    Case(
        id="BetaBinomial-batch",
        make=lambda: pfd.BetaBinomial(_bb_n, _bb_a, _bb_b),
        scipy=lambda: st.betabinom(*np.broadcast_arrays(_bb_n, _bb_a, _bb_b)),
        values=_bb_values,
        methods=("log_prob",) + MOMENTS,
        gof="moments",
        grad_params=("concentration1", "concentration0"),  # values include k = total_count
        discrete=True,
    ),
    # Poisson: scipy.stats.poisson(rate).
    Case(
        id="Poisson-rate-scalar",
        make=lambda: pfd.Poisson(rate=3.5),
        scipy=lambda: st.poisson(3.5),
        values=np.array([0.0, 1.0, 3.0, 9.0, 25.0]),
        methods=("log_prob",) + CDFS + MOMENTS + ("mode",),
        reference={"mode": lambda: 3.0},
        gof="moments",
        discrete=True,
    ),
    Case(
        id="Poisson-log_rate-batch",
        make=lambda: pfd.Poisson(log_rate=_pois_log_rate),
        scipy=lambda: st.poisson(np.exp(_pois_log_rate)),
        values=_pois_values,
        methods=("log_prob",) + CDFS + MOMENTS,
        gof="moments",
        discrete=True,
    ),
    Case(
        id="Poisson-large-rate",
        make=lambda: pfd.Poisson(rate=1e5),
        scipy=lambda: st.poisson(1e5),
        values=np.array([99000.0, 100000.0, 101234.0]),
        methods=("log_prob", "cdf", "survival_function", "mean", "variance"),
        gof="moments",
        grad_params=(),  # see Binomial-large-count; checked in test_discrete.py
        discrete=True,
    ),
    # ZeroInflatedPoisson: g 1[k = 0] + (1 - g) poisson.pmf(k).
    Case(
        id="ZeroInflatedPoisson-batch",
        make=lambda: pfd.ZeroInflatedPoisson(rate=_zip_rate, gate=_zip_gate),
        scipy=None,
        values=np.array([0.0, 1.0, 4.0, 15.0])[:, None, None] + np.zeros((2, 3)),
        methods=("log_prob", "cdf", "mean", "variance"),
        reference={
            "log_prob": _zero_inflated_log_pmf(st.poisson(_zip_rate).logpmf, _zip_gate),
            "cdf": _zero_inflated_cdf(st.poisson(_zip_rate).cdf, _zip_gate),
            "mean": lambda: (1 - _zip_gate) * _zip_rate,
            "variance": lambda: (1 - _zip_gate) * _zip_rate * (1 + _zip_gate * _zip_rate),
        },
        gof="moments",
        discrete=True,
    ),
    Case(
        id="ZeroInflatedPoisson-logits-scalar",
        make=lambda: pfd.ZeroInflatedPoisson(log_rate=np.log(2.0), gate_logits=sp.logit(0.3)),
        scipy=None,
        values=np.array([0.0, 1.0, 2.0, 8.0]),
        methods=("log_prob", "cdf", "mean", "variance"),
        reference={
            "log_prob": _zero_inflated_log_pmf(st.poisson(2.0).logpmf, 0.3),
            "cdf": _zero_inflated_cdf(st.poisson(2.0).cdf, 0.3),
            "mean": lambda: 0.7 * 2.0,
            "variance": lambda: 0.7 * 2.0 * (1 + 0.3 * 2.0),
        },
        gof="moments",
        discrete=True,
    ),
    # NegativeBinomial(r, probs=p) counts successes before r failures = scipy nbinom(r, 1 - p).
    Case(
        id="NegativeBinomial-probs-scalar",
        make=lambda: pfd.NegativeBinomial(2.5, probs=0.4),
        scipy=lambda: st.nbinom(2.5, 0.6),
        values=np.array([0.0, 1.0, 4.0, 20.0]),
        methods=("log_prob",) + CDFS + MOMENTS + ("mode",),
        reference={"mode": lambda: 1.0},
        gof="moments",
        discrete=True,
    ),
    Case(
        id="NegativeBinomial-logits-batch",
        make=lambda: pfd.NegativeBinomial(_nb_r, logits=_nb_logits),
        scipy=lambda: st.nbinom(*np.broadcast_arrays(_nb_r, sp.expit(-_nb_logits))),
        values=_nb_values,
        methods=("log_prob",) + CDFS + MOMENTS,
        gof="moments",
        discrete=True,
    ),
    # Geometric counts failures before the first success = scipy geom(p, loc=-1).
    Case(
        id="Geometric-probs-batch",
        make=lambda: pfd.Geometric(probs=_geom_probs),
        scipy=lambda: st.geom(_geom_probs, loc=-1),
        values=np.array([0.0, 1.0, 5.0, 60.0])[:, None] + np.zeros(3),
        methods=("log_prob",) + CDFS + MOMENTS + ("entropy", "mode"),
        reference={"mode": lambda: 0.0},
        gof="moments",
        discrete=True,
    ),
    Case(
        id="Geometric-logits-scalar",
        make=lambda: pfd.Geometric(logits=-1.3),
        scipy=lambda: st.geom(sp.expit(-1.3), loc=-1),
        values=np.array([0.0, 2.0, 7.0, 30.0]),
        methods=("log_prob",) + CDFS + MOMENTS + ("entropy",),
        gof="moments",
        discrete=True,
    ),
    # ZeroInflatedNegativeBinomial: g 1[k = 0] + (1 - g) nbinom.pmf(k; r, 1 - p).
    Case(
        id="ZeroInflatedNegativeBinomial-batch",
        make=lambda: pfd.ZeroInflatedNegativeBinomial(_nb_r, logits=_nb_logits, gate=0.35),
        scipy=None,
        values=_nb_values,
        methods=("log_prob", "cdf", "mean", "variance"),
        reference={
            "log_prob": _zero_inflated_log_pmf(
                st.nbinom(*np.broadcast_arrays(_nb_r, sp.expit(-_nb_logits))).logpmf, 0.35
            ),
            "cdf": _zero_inflated_cdf(
                st.nbinom(*np.broadcast_arrays(_nb_r, sp.expit(-_nb_logits))).cdf, 0.35
            ),
            "mean": lambda: 0.65 * st.nbinom(_nb_r, sp.expit(-_nb_logits)).mean(),
            "variance": lambda: (
                0.65 * st.nbinom(_nb_r, sp.expit(-_nb_logits)).var()
                + 0.65 * 0.35 * st.nbinom(_nb_r, sp.expit(-_nb_logits)).mean() ** 2
            ),
        },
        gof="moments",
        discrete=True,
    ),
    # Categorical: closed forms in NumPy.
    Case(
        id="Categorical-logits-batch",
        make=lambda: pfd.Categorical(logits=_cat_logits),
        scipy=None,
        values=np.array([[0, 3], [2, 1], [3, 2], [1, 0]]),
        methods=("log_prob", "cdf", "entropy", "mode"),
        reference={
            "log_prob": _categorical_log_pmf(_log_softmax(_cat_logits)),
            "cdf": _categorical_cdf(_log_softmax(_cat_logits)),
            "entropy": lambda: _entropy(_log_softmax(_cat_logits)),
            "mode": lambda: np.array([2, 1]),
        },
        gof=None,
        discrete=True,
    ),
    Case(
        id="Categorical-probs-scalar",
        make=lambda: pfd.Categorical(probs=_cat_probs),
        scipy=None,
        values=np.array([0, 1, 2, 3]),
        methods=("log_prob", "cdf", "entropy", "mode"),
        reference={
            "log_prob": _categorical_log_pmf(np.log(_cat_probs)),
            "cdf": _categorical_cdf(np.log(_cat_probs)),
            "entropy": lambda: _entropy(np.log(_cat_probs)),
            "mode": lambda: 2,
        },
        gof=None,
        discrete=True,
    ),
    # OneHotCategorical: closed forms in NumPy.
    Case(
        id="OneHotCategorical-logits-batch",
        make=lambda: pfd.OneHotCategorical(logits=_onehot_logits),
        scipy=None,
        values=np.eye(4)[np.array([[0, 3], [2, 1], [3, 3]])],
        methods=("log_prob", "mean", "variance", "entropy", "mode"),
        reference={
            "log_prob": _one_hot_log_pmf(_log_softmax(_onehot_logits)),
            "mean": lambda: np.exp(_log_softmax(_onehot_logits)),
            "variance": lambda: np.exp(_log_softmax(_onehot_logits))
            * (1 - np.exp(_log_softmax(_onehot_logits))),
            "entropy": lambda: _entropy(_log_softmax(_onehot_logits)),
            "mode": lambda: np.eye(4)[[2, 1]],
        },
        gof="moments",
        discrete=True,
    ),
    Case(
        id="OneHotCategorical-probs-scalar",
        make=lambda: pfd.OneHotCategorical(probs=_cat_probs),
        scipy=None,
        values=np.eye(4),
        methods=("log_prob", "mean", "variance", "entropy"),
        reference={
            "log_prob": _one_hot_log_pmf(np.log(_cat_probs)),
            "mean": lambda: _cat_probs,
            "variance": lambda: _cat_probs * (1 - _cat_probs),
            "entropy": lambda: _entropy(np.log(_cat_probs)),
        },
        gof="moments",
        discrete=True,
    ),
    # Zipf: scipy.stats.zipf(power).
    Case(
        id="Zipf-heavy-tail",
        make=lambda: pfd.Zipf(np.array([1.3, 2.5, 3.5])),
        scipy=lambda: st.zipf(np.array([1.3, 2.5, 3.5])),
        values=np.array([1.0, 2.0, 7.0, 1000.0])[:, None] + np.zeros(3),
        methods=("log_prob", "cdf", "survival_function", "log_survival_function", "mode"),
        reference={"mode": lambda: 1},
        gof=None,
        discrete=True,
    ),
    Case(
        id="Zipf-light-tail",
        make=lambda: pfd.Zipf(6.5),
        scipy=lambda: st.zipf(6.5),
        values=np.array([1.0, 2.0, 3.0, 10.0]),
        methods=("log_prob", "cdf", "survival_function", "mean", "variance"),
        gof="moments",
        num_gof_samples=5000,
        discrete=True,
    ),
    # OrderedLogistic: differences of logistic cdfs at the cutpoints.
    Case(
        id="OrderedLogistic-batch",
        make=lambda: pfd.OrderedLogistic(_ol_cut, _ol_loc),
        scipy=None,
        values=np.array([[[0, 1], [2, 3], [3, 0]], [[1, 1], [0, 2], [2, 3]]]),
        methods=("log_prob",) + CDFS + ("entropy", "mode"),
        reference={
            "log_prob": _categorical_log_pmf(np.log(_ol_probs(_ol_cut, _ol_loc))),
            "cdf": lambda k: _ol_cdf_values(_ol_cut, _ol_loc, k),
            "log_cdf": lambda k: _ol_cdf_values(_ol_cut, _ol_loc, k, log=True),
            "survival_function": lambda k: _ol_cdf_values(_ol_cut, _ol_loc, k, survival=True),
            "log_survival_function": lambda k: _ol_cdf_values(
                _ol_cut, _ol_loc, k, log=True, survival=True
            ),
            "entropy": lambda: _entropy(np.log(_ol_probs(_ol_cut, _ol_loc))),
            "mode": lambda: np.argmax(_ol_probs(_ol_cut, _ol_loc), axis=-1),
        },
        gof=None,
        discrete=True,
    ),
    Case(
        id="OrderedLogistic-scalar",
        make=lambda: pfd.OrderedLogistic(np.array([-0.3, 0.4]), 0.9),
        scipy=None,
        values=np.array([0, 1, 2]),
        methods=("log_prob", "cdf", "survival_function", "entropy"),
        reference={
            "log_prob": _categorical_log_pmf(np.log(_ol_probs(np.array([-0.3, 0.4]), 0.9))),
            "cdf": lambda k: _ol_cdf_values(np.array([-0.3, 0.4]), 0.9, k),
            "survival_function": lambda k: _ol_cdf_values(
                np.array([-0.3, 0.4]), 0.9, k, survival=True
            ),
            "entropy": lambda: _entropy(np.log(_ol_probs(np.array([-0.3, 0.4]), 0.9))),
        },
        gof=None,
        discrete=True,
    ),
    # RelaxedBernoulli: logit(Y) is scipy.stats.logistic(logits / t, 1 / t).
    Case(
        id="RelaxedBernoulli-batch",
        make=lambda: pfd.RelaxedBernoulli(_rb_temp, logits=_rb_logits),
        scipy=None,
        values=np.array([0.02, 0.3, 0.5, 0.93])[:, None, None] + np.zeros((3, 3)),
        methods=("log_prob",) + CDFS + ("quantile",),
        reference=_rb_reference(*np.broadcast_arrays(_rb_temp, _rb_logits)),
        reparameterized=True,
    ),
    Case(
        id="RelaxedBernoulli-probs-scalar",
        make=lambda: pfd.RelaxedBernoulli(0.7, probs=0.2),
        scipy=None,
        values=np.array([0.001, 0.2, 0.6, 0.999]),
        methods=("log_prob",) + CDFS + ("quantile",),
        reference=_rb_reference(0.7, sp.logit(0.2)),
        reparameterized=True,
    ),
    # RelaxedOneHotCategorical: the Concrete density written directly in NumPy.
    Case(
        id="RelaxedOneHotCategorical-batch",
        make=lambda: pfd.RelaxedOneHotCategorical(_rc_temp, logits=_rc_logits),
        scipy=None,
        values=_rc_values,
        methods=("log_prob",),
        reference={"log_prob": _concrete_log_density(_rc_temp, _rc_logits)},
        gof=None,
        reparameterized=True,
    ),
    Case(
        id="RelaxedOneHotCategorical-probs-scalar",
        make=lambda: pfd.RelaxedOneHotCategorical(0.8, probs=np.array([0.2, 0.3, 0.5])),
        scipy=None,
        values=_rc_values[:, 0],
        methods=("log_prob",),
        reference={"log_prob": _concrete_log_density(0.8, np.log([0.2, 0.3, 0.5]))},
        gof=None,
        reparameterized=True,
    ),
]
