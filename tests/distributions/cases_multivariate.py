"""Conformance rows for the multivariate distributions.

scipy.stats references are evaluated per batch member (scipy does not batch these);
goodness of fit is by moments (sample mean and variance of every coordinate within 5
standard errors). LKJ/CholeskyLKJ/Wishart sampling is checked in test_multivariate.py.
"""

import numpy as np
import scipy.stats as st

import probflow.distributions as pfd
from tests.distributions.cases import Case

_L = np.array([[1.0, 0.0, 0.0], [0.5, 2.0, 0.0], [-0.3, 0.2, 0.7]])
_S = _L @ _L.T
_MU = np.array([0.1, -1.0, 2.0])
_LB = np.stack([_L, np.diag([0.5, 1.0, 1.5])])  # batch (2,)
_MUB = np.array([[0.0, 0.0, 0.0], [1.0, -1.0, 0.5]])
_X = np.array([[0.0, 0.0, 0.0], [1.0, -2.0, 2.5], [-1.5, 3.0, 1.0], [0.3, 0.3, 0.3]])
_XB = np.stack([_X, _X[::-1]], axis=1)  # (4, 2, 3)
_U = np.array([[1.0, 0.2], [0.5, -1.0], [0.3, 0.3]])
_D = np.array([1.0, 2.0, 0.5])


def _per_batch(fn, values, n_batch):
    return np.stack([fn(values[:, b], b) for b in range(n_batch)], axis=1)


def _mvn_moments(mean, cov):
    return {"mean": lambda: mean, "covariance": lambda: cov,
            "variance": lambda: np.diagonal(cov, axis1=-2, axis2=-1)}


_DLR_SCALE = np.diag(_D) + _U @ _U.T
_ALPHA = np.array([1.5, 2.0, 0.7])
_ALPHAB = np.array([[1.5, 2.0, 0.7], [3.0, 3.0, 5.0]])
_SIMPLEX = np.array([[0.2, 0.3, 0.5], [0.1, 0.1, 0.8], [0.6, 0.3, 0.1]])
_COUNTS = np.array([[2.0, 3.0, 0.0], [0.0, 0.0, 5.0], [1.0, 1.0, 3.0]])

CASES = [
    Case(id="MultivariateNormalTriL-scalar", make=lambda: pfd.MultivariateNormalTriL(_MU, _L),
         scipy=lambda: st.multivariate_normal(_MU, _S), values=_X,
         methods=("log_prob", "entropy", "mean", "covariance", "variance"),
         reference=_mvn_moments(_MU, _S), gof="moments", reparameterized=True),
    Case(id="MultivariateNormalTriL-batch", make=lambda: pfd.MultivariateNormalTriL(_MUB, _LB),
         values=_XB, methods=("log_prob", "mean"),
         reference={"log_prob": lambda v: _per_batch(lambda x, b: st.multivariate_normal(
             _MUB[b], _LB[b] @ _LB[b].T).logpdf(x), v, 2), "mean": lambda: _MUB},
         gof="moments", reparameterized=True),
    Case(id="MultivariateNormalDiag-batch",
         make=lambda: pfd.MultivariateNormalDiag(_MUB, np.array([0.5, 1.0, 2.0])),
         values=_XB, methods=("log_prob", "entropy", "variance", "stddev"),
         reference={"log_prob": lambda v: st.norm(_MUB, np.array([0.5, 1.0, 2.0])).logpdf(
             v).sum(-1), "entropy": lambda: st.norm(0, np.array([0.5, 1.0, 2.0])).entropy().sum()
             * np.ones(2), "variance": lambda: np.array([0.25, 1.0, 4.0]) * np.ones((2, 3)),
             "stddev": lambda: np.array([0.5, 1.0, 2.0]) * np.ones((2, 3))},
         gof="moments", reparameterized=True),
    Case(id="MultivariateNormalFullCovariance-scalar",
         make=lambda: pfd.MultivariateNormalFullCovariance(_MU, _S),
         scipy=lambda: st.multivariate_normal(_MU, _S), values=_X,
         methods=("log_prob", "entropy", "covariance"), reference={"covariance": lambda: _S},
         gof="moments", reparameterized=True),
    Case(id="MultivariateNormalDiagPlusLowRank-scalar",
         make=lambda: pfd.MultivariateNormalDiagPlusLowRank(_MU, _D, _U),
         scipy=lambda: st.multivariate_normal(_MU, _DLR_SCALE @ _DLR_SCALE.T), values=_X,
         methods=("log_prob", "entropy", "covariance"),
         reference={"covariance": lambda: _DLR_SCALE @ _DLR_SCALE.T}, gof="moments",
         reparameterized=True),
    Case(id="MultivariateStudentT-scalar", make=lambda: pfd.MultivariateStudentT(6.5, _MU, _L),
         scipy=lambda: st.multivariate_t(_MU, _S, df=6.5), values=_X,
         methods=("log_prob", "entropy", "mean", "covariance"),
         reference={"mean": lambda: _MU, "covariance": lambda: 6.5 / 4.5 * _S}, gof="moments",
         num_gof_samples=20000),
    Case(id="Dirichlet-scalar", make=lambda: pfd.Dirichlet(_ALPHA),
         scipy=lambda: st.dirichlet(_ALPHA), values=_SIMPLEX,
         methods=("log_prob", "entropy", "mean", "variance", "covariance"),
         reference={"log_prob": lambda v: np.array([st.dirichlet(_ALPHA).logpdf(x) for x in v]),
                    "covariance": lambda: st.dirichlet(_ALPHA).cov()},
         gof="moments"),
    Case(id="Dirichlet-batch", make=lambda: pfd.Dirichlet(_ALPHAB),
         values=np.stack([_SIMPLEX, _SIMPLEX[::-1]], axis=1), methods=("log_prob", "mean"),
         reference={"log_prob": lambda v: _per_batch(
             lambda x, b: np.array([st.dirichlet(_ALPHAB[b]).logpdf(r) for r in x]), v, 2),
             "mean": lambda: _ALPHAB / _ALPHAB.sum(-1, keepdims=True)},
         gof="moments"),
    Case(id="Multinomial-scalar", make=lambda: pfd.Multinomial(5.0, probs=np.array([0.2, 0.3,
                                                                                    0.5])),
         values=_COUNTS, methods=("log_prob", "mean", "covariance"),
         reference={"log_prob": lambda v: st.multinomial(5, [0.2, 0.3, 0.5]).logpmf(v),
                    "mean": lambda: 5 * np.array([0.2, 0.3, 0.5]),
                    "covariance": lambda: st.multinomial(5, [0.2, 0.3, 0.5]).cov()},
         gof="moments", discrete=True, grad_params=("probs",)),
    Case(id="Multinomial-logits-batch",
         make=lambda: pfd.Multinomial(5.0, logits=np.log(np.array([[0.2, 0.3, 0.5],
                                                                   [0.6, 0.2, 0.2]]))),
         values=np.stack([_COUNTS, _COUNTS[::-1]], axis=1), methods=("log_prob",),
         reference={"log_prob": lambda v: _per_batch(lambda x, b: st.multinomial(
             5, [[0.2, 0.3, 0.5], [0.6, 0.2, 0.2]][b]).logpmf(x), v, 2)},
         gof="moments", discrete=True, grad_params=("logits",)),
    Case(id="DirichletMultinomial-scalar",
         make=lambda: pfd.DirichletMultinomial(5.0, _ALPHA), values=_COUNTS,
         methods=("log_prob", "mean", "covariance"),
         reference={"log_prob": lambda v: st.dirichlet_multinomial(_ALPHA, 5).logpmf(v),
                    "mean": lambda: st.dirichlet_multinomial(_ALPHA, 5).mean(),
                    "covariance": lambda: st.dirichlet_multinomial(_ALPHA, 5).cov()},
         gof="moments", discrete=True, grad_params=("concentration",)),
    Case(id="WishartTriL-scalar", make=lambda: pfd.WishartTriL(6.0, _L),
         values=np.stack([st.wishart(6.0, _S).rvs(random_state=i) for i in range(3)]),
         methods=("log_prob", "mean", "variance"),
         reference={"log_prob": lambda v: np.array([st.wishart(6.0, _S).logpdf(x) for x in v]),
                    "mean": lambda: 6.0 * _S, "variance": lambda: st.wishart(6.0, _S).var()},
         gof=None, reparameterized=False),
]
