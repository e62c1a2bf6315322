"""Conformance rows for the structural distributions (references from scipy via the bases)."""

import numpy as np
import scipy.stats as st

import probflow.distributions as pfd
from tests.distributions.cases import Case

_loc = np.array([[-1.0, 0.0, 2.0], [0.5, 1.0, 1.5]])


def _indep_ref(values):
    return st.norm(_loc, 2.0).logpdf(values).sum(-1)


def _mix_logpdf(x, w, locs, scales):
    comps = np.stack([np.log(wk) + st.norm(m, s).logpdf(x) for wk, m, s in zip(w, locs, scales,
                                                                              strict=True)])
    return np.logaddexp.reduce(comps, axis=0)


_W, _M, _S = np.array([0.3, 0.7]), np.array([-1.0, 2.0]), np.array([0.5, 1.5])

CASES = [
    Case(id="Independent-normal", make=lambda: pfd.Independent(pfd.Normal(_loc, 2.0), 1),
         values=np.array([[[0.0, 1.0, 2.0]] * 2, [[-3.0, 0.5, 4.0]] * 2]),
         methods=("log_prob", "mean", "variance", "entropy"),
         reference={"log_prob": _indep_ref, "mean": lambda: _loc,
                    "variance": lambda: np.full((2, 3), 4.0),
                    "entropy": lambda: st.norm(0, 2.0).entropy() * 3 * np.ones(2)},
         gof="moments", reparameterized=True),
    Case(id="Sample-normal", make=lambda: pfd.Sample(pfd.Normal(np.array([0.0, 3.0]), 1.0), (3,)),
         values=np.zeros((1, 2, 3)) + np.array([[0.1, -0.2, 0.3]]),
         methods=("log_prob", "mean", "entropy"),
         reference={"log_prob": lambda v: st.norm(np.array([0.0, 3.0])[:, None], 1.0).logpdf(
             v).sum(-1), "mean": lambda: np.array([[0.0] * 3, [3.0] * 3]),
             "entropy": lambda: np.full(2, 3 * st.norm.entropy())},
         gof="moments", reparameterized=True),
    Case(id="MixtureSameFamily-normal",
         make=lambda: pfd.MixtureSameFamily(pfd.Categorical(probs=_W), pfd.Normal(_M, _S)),
         values=np.array([-3.0, -1.0, 0.5, 2.0, 6.0]),
         methods=("log_prob", "cdf", "log_cdf", "mean", "variance"),
         reference={
             "log_prob": lambda x: _mix_logpdf(x, _W, _M, _S),
             "cdf": lambda x: sum(w * st.norm(m, s).cdf(x) for w, m, s in zip(_W, _M, _S,
                                                                              strict=True)),
             "log_cdf": lambda x: np.log(sum(w * st.norm(m, s).cdf(x) for w, m, s in zip(
                 _W, _M, _S, strict=True))),
             "mean": lambda: np.sum(_W * _M),
             "variance": lambda: np.sum(_W * (_S**2 + _M**2)) - np.sum(_W * _M) ** 2,
         }),
    Case(id="Mixture-normal-laplace",
         make=lambda: pfd.Mixture(pfd.Categorical(probs=_W),
                                  [pfd.Normal(-1.0, 0.5), pfd.Laplace(2.0, 1.5)]),
         values=np.array([-3.0, -1.0, 0.5, 2.2, 6.0]),
         methods=("log_prob", "cdf", "mean", "variance"),
         reference={
             "log_prob": lambda x: np.logaddexp(np.log(0.3) + st.norm(-1, 0.5).logpdf(x),
                                                np.log(0.7) + st.laplace(2, 1.5).logpdf(x)),
             "cdf": lambda x: 0.3 * st.norm(-1, 0.5).cdf(x) + 0.7 * st.laplace(2, 1.5).cdf(x),
             "mean": lambda: 0.3 * -1 + 0.7 * 2.0,
             "variance": lambda: 0.3 * (0.25 + 1) + 0.7 * (2 * 1.5**2 + 4) - 1.1**2,
         }),
    Case(id="Masked-normal",
         make=lambda: pfd.Masked(pfd.Normal(np.array([0.0, 1.0, 2.0]), 1.0),
                                 np.array([True, False, True])),
         values=np.array([[0.5, 0.5, 0.5], [3.0, -2.0, 1.0]]), methods=("log_prob",),
         reference={"log_prob": lambda v: st.norm(np.array([0.0, 1.0, 2.0]), 1.0).logpdf(v)
                    * np.array([1.0, 0.0, 1.0])},
         gof="moments", reparameterized=True),
    Case(id="Deterministic-scalar", make=lambda: pfd.Deterministic(np.array([1.0, -2.0])),
         values=np.array([[1.0, -2.0], [1.0, 5.0]]),
         methods=("log_prob", "mean", "variance", "entropy"),
         reference={"log_prob": lambda v: np.where(v == np.array([1.0, -2.0]), 0.0, -np.inf),
                    "mean": lambda: np.array([1.0, -2.0]), "variance": lambda: np.zeros(2),
                    "entropy": lambda: np.zeros(2)},
         gof=None, grad_params=(), reparameterized=True),
    Case(id="Empirical-scalar", make=lambda: pfd.Empirical(np.array([0.0, 1.0, 1.0, 3.0])),
         values=np.array([0.0, 1.0, 3.0]),
         methods=("log_prob", "mean", "variance", "cdf", "entropy", "mode"),
         reference={"log_prob": lambda v: np.log(np.array([0.25, 0.5, 0.25])),
                    "mean": lambda: 1.25, "variance": lambda: np.var([0.0, 1.0, 1.0, 3.0]),
                    "cdf": lambda v: np.array([0.25, 0.75, 1.0]),
                    "entropy": lambda: -(0.5 * np.log(0.25) + 0.5 * np.log(0.5)),
                    "mode": lambda: 1.0},
         gof=None, grad_params=()),
]
