"""Conformance rows for the multivariate and directional catalogue (issue 13).

References, all float64: scipy.stats where it has the family (invwishart, wishart,
matrix_normal, multivariate_normal, multivariate_t, vonmises_fisher, dirichlet); closed forms
written here with numpy/scipy otherwise (subset determinants for the DPP, the sequential
choice formula for Plackett-Luce, an orthonormal basis of the zero-sum subspace, radial and
marginal quadrature for the projected normal and the sine model); TFP-on-JAX literals for the
power spherical distribution. Rows whose samplers draw gamma variates (matrix t, power
spherical, inverse Wishart) leave ``reparameterized`` off: JAX's implicit gamma gradients are
not the finite differences of the sampler at a fixed key (they are the inverse-cdf coupling's);
their pathwise gradients in the other parameters are checked in the test module. Samplers
without moment checks here (inverse Wishart, projected
normal, sine model, Plackett-Luce, SphericalUniform) are tested in
``test_catalogue_multivariate.py``.
"""

import itertools

import numpy as np
import scipy.integrate as si
import scipy.linalg as sl
import scipy.special as sp
import scipy.stats as st

from probflow.distributions.car import CAR
from probflow.distributions.dpp import DeterminantalPointProcess
from probflow.distributions.flat_dirichlet import FlatDirichlet
from probflow.distributions.inverse_wishart import InverseWishart, InverseWishartTriL
from probflow.distributions.low_rank_mvn import LowRankMultivariateNormal
from probflow.distributions.matrix_normal import MatrixNormal, MatrixT
from probflow.distributions.plackett_luce import PlackettLuce
from probflow.distributions.projected_normal import ProjectedNormal
from probflow.distributions.spherical import PowerSpherical, VonMisesFisher
from probflow.distributions.torus import SineBivariateVonMises
from probflow.distributions.wishart import WishartTriL
from probflow.distributions.zero_sum_normal import ZeroSumNormal
from tests.distributions.cases import Case

_L = np.array([[1.0, 0.0, 0.0], [0.5, 2.0, 0.0], [-0.3, 0.2, 0.7]])
_S = _L @ _L.T


def _per_batch(fn, values, n_batch):
    return np.stack([fn(values[:, b], b) for b in range(n_batch)], axis=1)


# -- inverse Wishart ---------------------------------------------------------------------------
_IW = st.invwishart(7.5, _S)
_IW_X = np.stack([_IW.rvs(random_state=i) for i in range(3)])


def _iw_logpdf(x):
    return np.array([_IW.logpdf(m) for m in x])


# -- low-rank normal ------------------------------------------------------------------------------
_LR_MU = np.array([[0.1, -1.0, 2.0], [0.0, 0.5, 0.0]])
_LR_W = np.array([[[1.0, 0.2], [0.5, -1.0], [0.3, 0.3]], [[0.0, 0.1], [2.0, 0.0], [0.4, -0.4]]])
_LR_D = np.array([[1.0, 2.0, 0.5], [0.3, 0.3, 0.3]])
_LR_COV = _LR_W @ np.swapaxes(_LR_W, -1, -2) + _LR_D[..., None] * np.eye(3)
_LR_X = np.random.default_rng(1).normal(size=(4, 2, 3))

# -- matrix normal and t ----------------------------------------------------------------------------
_A = np.array([[1.0, 0.0], [0.4, 0.8]])
_B = np.array([[0.6, 0.0, 0.0], [0.2, 0.5, 0.0], [0.1, -0.3, 0.4]])
_M = np.arange(6.0).reshape(2, 3) / 3.0
_MX = np.random.default_rng(2).normal(size=(4, 2, 3))
_MN = st.matrix_normal(_M, _A @ _A.T, _B @ _B.T)
_MN_VAR = np.outer(np.diag(_A @ _A.T), np.diag(_B @ _B.T))
_DF = np.array([6.5, 9.0])


def _mt(b):  # TFP's matrix t: vec(X) (row-major) is multivariate t with scale kron(A, B)
    return st.multivariate_t(_M.reshape(-1), np.kron(_A @ _A.T, _B @ _B.T), df=_DF[b])


# -- sphere ------------------------------------------------------------------------------------------
_MU3 = np.array([[0.6, 0.0, 0.8], [0.0, -1.0, 0.0]])
_KAPPA = np.array([2.0, 10.0])
_SPHERE_X = np.array([[0.6, 0.0, 0.8], [0.0, 1.0, 0.0], [-0.48, 0.6, -0.64], [0.0, 0.0, -1.0]])
_SPHERE_XB = np.stack([_SPHERE_X, _SPHERE_X[::-1]], axis=1)
_MU5 = np.array([0.5, -0.5, 0.5, 0.5, 0.0])
_SPHERE5_X = st.uniform_direction(5).rvs(4, random_state=3)


def _vmf3_mean(b):  # A_3(k) = coth(k) - 1/k
    k = _KAPPA[b]
    return (1.0 / np.tanh(k) - 1.0 / k) * _MU3[b]


# TFP-on-JAX (tfp-nightly, /work/bench-venv), float64:
#   d = tfd.PowerSpherical([0.6, 0.0, 0.8], 3.5); d.log_prob(_SPHERE_X), d.entropy(), d.mean(),
#   d.covariance()
_PS_LOG_PROB = np.array([-1.02694685, -3.45296198, -9.08599468, -9.08599468])
_PS_ENTROPY = 1.80472463
_PS_MEAN = np.array([0.38181818, 0.0, 0.50909091])
_PS_COV = np.array([[0.19407502, 0.0, -0.07689765], [0.0, 0.25174825, 0.0],
                    [-0.07689765, 0.0, 0.14921805]])

_PN_C = np.array([0.5, -1.0, 2.0])


def _projected_normal_log_prob(values):
    # Density of the direction: int_0^inf r^{d-1} N(r u; c, I) dr, by quadrature.
    d = _PN_C.size
    out = []
    for u in values:
        def integrand(r, u=u):
            return r ** (d - 1) * np.exp(-0.5 * np.sum((r * u - _PN_C) ** 2)) / (
                2 * np.pi) ** (d / 2)
        out.append(np.log(si.quad(integrand, 0, np.inf, epsabs=0, epsrel=1e-12)[0]))
    return np.array(out)


# -- sine bivariate von Mises --------------------------------------------------------------------
_SINE = (0.3, -1.0, 2.0, 3.0, 1.5)  # phi_loc, psi_loc, k1, k2, correlation
_SINE_X = np.array([[0.3, -1.0], [0.0, 0.0], [-3.0, 2.5], [1.0, -2.0]])


def _sine_log_prob(values):
    mu, nu, k1, k2, lam = _SINE
    # Normaliser: integrate psi out in closed form (a von Mises integral), phi by quadrature.
    marginal = si.quad(lambda p: 2 * np.pi * np.exp(k1 * np.cos(p)) * sp.i0(
        np.sqrt(k2**2 + (lam * np.sin(p)) ** 2)), -np.pi, np.pi, epsabs=0, epsrel=1e-13)[0]
    phi, psi = values[:, 0] - mu, values[:, 1] - nu
    return (k1 * np.cos(phi) + k2 * np.cos(psi) + lam * np.sin(phi) * np.sin(psi)
            - np.log(marginal))


# -- zero-sum normal -------------------------------------------------------------------------------
_ZS_SCALE = np.array([0.5, 2.0])
_ZS_BASIS = sl.null_space(np.ones((1, 4)))  # orthonormal basis of the zero-sum subspace
_ZS_X = np.random.default_rng(4).normal(size=(3, 2, 3)) @ _ZS_BASIS.T  # (3, 2, 4), zero-sum


def _zero_sum_log_prob(values):
    coordinates = values @ _ZS_BASIS
    return st.norm(0.0, _ZS_SCALE[:, None]).logpdf(coordinates).sum(-1)


# -- CAR --------------------------------------------------------------------------------------------
_W = np.array([[0, 1, 1, 0], [1, 0, 1, 0], [1, 1, 0, 1], [0, 0, 1, 0]], dtype=float)
_CAR_MU = np.array([0.1, -0.5, 1.0, 0.3])
_CAR_Q = 1.8 * (np.diag(_W.sum(1)) - 0.7 * _W)
_CAR = st.multivariate_normal(_CAR_MU, np.linalg.inv(_CAR_Q))
_CAR_X = np.random.default_rng(5).normal(size=(4, 4))

# -- Plackett-Luce and the DPP ------------------------------------------------------------------
_SCORES = np.array([[0.5, 1.0, 2.0], [3.0, 0.2, 1.1]])
_PERMS = np.array([[2, 1, 0], [0, 2, 1], [1, 0, 2], [2, 0, 1]])
_PERMS_B = np.stack([_PERMS, _PERMS[::-1]], axis=1)


def _plackett_luce_log_prob(values):
    out = np.zeros(values.shape[:-1])
    for index in np.ndindex(values.shape[:-1]):
        scores = _SCORES[index[-1]]
        remaining = list(values[index])
        for item in values[index]:
            out[index] += np.log(scores[item] / scores[remaining].sum())
            remaining.remove(item)
    return out


_V, _ = np.linalg.qr(np.random.default_rng(0).normal(size=(3, 3)))
_LAM = np.array([0.5, 2.0, 4.0])
_L_DPP = _V @ np.diag(_LAM) @ _V.T
_K_DPP = _V @ np.diag(_LAM / (1 + _LAM)) @ _V.T
_SUBSETS = np.array(list(itertools.product([0, 1], repeat=3)))


def _dpp_log_prob(values):
    def log_det(s):
        s = s.astype(bool)
        return np.linalg.slogdet(_L_DPP[np.ix_(s, s)])[1] if s.any() else 0.0

    return np.array([log_det(s) for s in values]) - np.linalg.slogdet(_L_DPP + np.eye(3))[1]


_DPP_COV = -_K_DPP**2 * (1 - np.eye(3)) + np.diag(np.diag(_K_DPP) * (1 - np.diag(_K_DPP)))

# -- Dirichlet ------------------------------------------------------------------------------------
_SIMPLEX = np.array([[0.2, 0.3, 0.5], [0.1, 0.1, 0.8], [0.6, 0.3, 0.1]])

CASES = [
    Case(id="InverseWishartTriL-scalar", make=lambda: InverseWishartTriL(7.5, _L), values=_IW_X,
         methods=("log_prob", "mean", "mode", "variance"),
         reference={"log_prob": _iw_logpdf, "mean": _IW.mean, "mode": _IW.mode,
                    "variance": _IW.var}, gof=None),
    Case(id="InverseWishartTriL-cholesky",
         make=lambda: InverseWishartTriL(7.5, _L, input_output_cholesky=True),
         values=np.linalg.cholesky(_IW_X), methods=("log_prob",),
         reference={"log_prob": lambda v: _iw_logpdf(v @ np.swapaxes(v, -1, -2))}, gof=None),
    Case(id="InverseWishart-scale_matrix", make=lambda: InverseWishart(7.5, scale_matrix=_S),
         values=_IW_X, methods=("log_prob",), reference={"log_prob": _iw_logpdf}, gof=None),
    Case(id="WishartTriL-entropy", make=lambda: WishartTriL(6.0, _L),
         values=np.stack([st.wishart(6.0, _S).rvs(random_state=i) for i in range(2)]),
         methods=("entropy",), reference={"entropy": st.wishart(6.0, _S).entropy}, gof=None),
    Case(id="LowRankMultivariateNormal-batch",
         make=lambda: LowRankMultivariateNormal(_LR_MU, _LR_W, _LR_D), values=_LR_X,
         methods=("log_prob", "entropy", "mean", "covariance", "variance"),
         reference={"log_prob": lambda v: _per_batch(lambda x, b: st.multivariate_normal(
             _LR_MU[b], _LR_COV[b]).logpdf(x), v, 2),
             "entropy": lambda: np.array([st.multivariate_normal(_LR_MU[b], _LR_COV[b]).entropy()
                                          for b in range(2)]),
             "mean": lambda: _LR_MU, "covariance": lambda: _LR_COV,
             "variance": lambda: np.diagonal(_LR_COV, axis1=-2, axis2=-1)},
         gof="moments", reparameterized=True),
    Case(id="MatrixNormal-scalar", make=lambda: MatrixNormal(_M, _A, _B), values=_MX,
         methods=("log_prob", "entropy", "mean", "variance"),
         reference={"log_prob": _MN.logpdf, "entropy": _MN.entropy, "mean": lambda: _M,
                    "variance": lambda: _MN_VAR}, gof="moments", reparameterized=True),
    Case(id="MatrixT-batch", make=lambda: MatrixT(_DF, _M, _A, _B), values=_MX[:, None],
         methods=("log_prob", "entropy", "variance"),
         reference={"log_prob": lambda v: np.stack([_mt(b).logpdf(v[:, 0].reshape(4, -1))
                                                    for b in range(2)], axis=1),
                    "entropy": lambda: np.array([_mt(b).entropy() for b in range(2)]),
                    "variance": lambda: (_DF / (_DF - 2))[:, None, None] * _MN_VAR},
         gof="moments"),
    Case(id="VonMisesFisher-batch", make=lambda: VonMisesFisher(_MU3, _KAPPA),
         values=_SPHERE_XB, methods=("log_prob", "entropy", "mean"),
         reference={"log_prob": lambda v: _per_batch(lambda x, b: st.vonmises_fisher(
             _MU3[b], _KAPPA[b]).logpdf(x), v, 2),
             "entropy": lambda: np.array([st.vonmises_fisher(_MU3[b], _KAPPA[b]).entropy()
                                          for b in range(2)]),
             "mean": lambda: np.stack([_vmf3_mean(b) for b in range(2)])},
         gof="moments"),
    Case(id="VonMisesFisher-d5", make=lambda: VonMisesFisher(_MU5, 0.7), values=_SPHERE5_X,
         methods=("log_prob", "entropy"), scipy=lambda: st.vonmises_fisher(_MU5, 0.7),
         gof="moments"),
    Case(id="PowerSpherical-scalar", make=lambda: PowerSpherical(_MU3[0], 3.5),
         values=_SPHERE_X, methods=("log_prob", "entropy", "mean", "covariance"),
         reference={"log_prob": lambda v: _PS_LOG_PROB, "entropy": lambda: _PS_ENTROPY,
                    "mean": lambda: _PS_MEAN, "covariance": lambda: _PS_COV},
         gof="moments", rtol=1e-7, atol=1e-8),
    Case(id="ProjectedNormal-d3", make=lambda: ProjectedNormal(_PN_C), values=_SPHERE_X,
         methods=("log_prob",), reference={"log_prob": _projected_normal_log_prob}, gof=None,
         reparameterized=True, rtol=1e-8),
    Case(id="SineBivariateVonMises-scalar", make=lambda: SineBivariateVonMises(*_SINE),
         values=_SINE_X, methods=("log_prob",), reference={"log_prob": _sine_log_prob},
         gof=None, rtol=1e-9),
    Case(id="FlatDirichlet-batch", make=lambda: FlatDirichlet((2, 3)),
         values=np.stack([_SIMPLEX, _SIMPLEX[::-1]], axis=1), methods=("log_prob", "entropy",
                                                                       "mean"),
         reference={"log_prob": lambda v: np.full(v.shape[:-1], np.log(2.0)),
                    "entropy": lambda: np.full(2, st.dirichlet(np.ones(3)).entropy()),
                    "mean": lambda: np.full((2, 3), 1 / 3)}, gof="moments"),
    Case(id="ZeroSumNormal-batch", make=lambda: ZeroSumNormal(_ZS_SCALE, (4,)), values=_ZS_X,
         methods=("log_prob", "variance", "entropy"),
         reference={"log_prob": _zero_sum_log_prob,
                    "variance": lambda: (_ZS_SCALE**2 * 0.75)[:, None] * np.ones(4),
                    "entropy": lambda: 3 * st.norm(0, _ZS_SCALE).entropy()},
         gof="moments", reparameterized=True),
    Case(id="CAR-scalar", make=lambda: CAR(_CAR_MU, 0.7, 1.8, _W), values=_CAR_X,
         methods=("log_prob", "entropy", "mean", "covariance"),
         reference={"log_prob": _CAR.logpdf, "entropy": _CAR.entropy, "mean": lambda: _CAR_MU,
                    "covariance": lambda: np.linalg.inv(_CAR_Q)},
         gof="moments", reparameterized=True,
         grad_params=("loc", "correlation", "conditional_precision")),
    Case(id="PlackettLuce-batch", make=lambda: PlackettLuce(_SCORES), values=_PERMS_B,
         methods=("log_prob",), reference={"log_prob": _plackett_luce_log_prob}, gof=None,
         discrete=True),
    Case(id="DeterminantalPointProcess-scalar",
         make=lambda: DeterminantalPointProcess(_LAM, _V), values=_SUBSETS,
         methods=("log_prob", "mean", "variance", "covariance"),
         reference={"log_prob": _dpp_log_prob, "mean": lambda: np.diag(_K_DPP),
                    "variance": lambda: np.diag(_DPP_COV), "covariance": lambda: _DPP_COV},
         gof="moments", discrete=True),
]
