"""Conformance rows for the continuous_a group.

HalfNormal, LogNormal, StudentT, HalfStudentT, Cauchy, HalfCauchy, Laplace, Logistic,
Gumbel, Gamma, InverseGamma, Chi2, Chi, Exponential, Beta, Uniform.

References are scipy.stats wherever it has the distribution and the method. Where the
conventions differ (undefined moments are NaN here, as in TFP, while scipy sometimes
returns inf), or scipy lacks the distribution (HalfStudentT), ``reference`` gives
closed forms written with NumPy/scipy.special or numerical integration with
scipy.integrate.quad.

Samplers built on ``jax.random.gamma``/``beta`` are implicitly reparameterized: their
gradients are not the pathwise derivative of the rejection sampler at a fixed key, so
the finite-difference check of the table does not apply to their shape parameters
(``reparameterized=False`` here); ``test_continuous_a.py`` checks those gradients
against the implicit-function identity ``dx/dθ = -(∂F/∂θ)(x) / f(x)`` instead.
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

_loc = np.array([-1.0, 0.0, 2.5])
_scale = np.array([[0.5], [3.0]])  # with _loc: batch (2, 3)
# (no value equals a loc: the Laplace density has a kink there)
_LOC_SCALE_VALUES = np.array([-40.0, -3.0, -0.2, 0.05, 1.1, 4.0, 35.0])[:, None, None] + np.zeros(
    (2, 3)
)


def _bcast(*arrays):
    return np.broadcast_arrays(*arrays)


def _loc_scale_rows(name, make, frozen, values=_LOC_SCALE_VALUES, methods=ALL):
    """Scalar and broadcast-batch rows of a location-scale family on the real line."""
    return [
        Case(
            id=f"{name}-scalar",
            make=lambda: make(0.3, 1.7),
            scipy=lambda: frozen(0.3, 1.7),
            values=np.array([-30.0, -2.0, -0.1, 0.35, 2.0, 9.0, 60.0]),
            methods=methods + ("mode",),
            reference={"mode": lambda: 0.3},
            reparameterized=True,
        ),
        Case(
            id=f"{name}-batch",
            make=lambda: make(_loc, _scale),
            scipy=lambda: frozen(*_bcast(_loc, _scale)),
            values=values,
            methods=methods,
            reparameterized=True,
        ),
    ]


# -- StudentT ----------------------------------------------------------------------------------
_t_df = np.array([0.7, 1.5, 2.5, 30.0])
_t_loc = np.array([0.0, -1.0, 0.5, 2.0])
_t_scale = np.array([[0.5], [2.0]])  # batch (2, 4)
_t_args = _bcast(_t_df, _t_loc, _t_scale)
_t_values = np.array([-1e4, -25.0, -1.0, 0.0, 0.7, 3.0, 80.0])[:, None, None] + np.zeros((2, 4))


def _t_mean(df, loc):
    return np.where(df > 1, loc, np.nan)


def _t_var(df, scale):
    with np.errstate(divide="ignore", invalid="ignore"):
        var = scale**2 * df / (df - 2)
    return np.where(df > 2, var, np.where(df > 1, np.inf, np.nan))


# -- HalfStudentT (no scipy counterpart: closed forms from the t and quadrature) ------------------
_ht_df = np.array([0.8, 1.6, 3.0, 12.0])
_ht_loc = np.array([0.0, -2.0, 1.0, 0.5])
_ht_scale = np.array([[0.7], [2.5]])
_ht_args = _bcast(_ht_df, _ht_loc, _ht_scale)
_ht_values = _ht_loc + np.array([1e-3, 0.3, 1.0, 4.0, 50.0, 3e3])[:, None, None] * _ht_scale


def _ht_z(x, loc, scale):
    return (np.asarray(x) - loc) / scale


def _ht_logpdf(x, df, loc, scale):
    return np.log(2.0) + st.t.logpdf(_ht_z(x, loc, scale), df) - np.log(scale)


def _ht_cdf(x, df, loc, scale):
    return 2.0 * st.t.cdf(_ht_z(x, loc, scale), df) - 1.0


def _ht_sf(x, df, loc, scale):
    return 2.0 * st.t.sf(_ht_z(x, loc, scale), df)


def _ht_logsf(x, df, loc, scale):
    return np.log(2.0) + st.t.logsf(_ht_z(x, loc, scale), df)


def _quad_moment(fn_of_z, df):
    pdf = lambda z: 2.0 * st.t.pdf(z, df)
    return integrate.quad(lambda z: fn_of_z(z) * pdf(z), 0.0, np.inf, epsabs=1e-13, epsrel=1e-12)[0]


def _ht_moments(df, loc, scale):
    """Mean and variance by quadrature of the half-t density (NaN/inf where undefined)."""
    mean = np.full(np.shape(df), np.nan)
    var = np.full(np.shape(df), np.nan)
    for idx in np.ndindex(np.shape(df)):
        d, m, s = df[idx], loc[idx], scale[idx]
        if d > 1:
            mz = _quad_moment(lambda z: z, d)
            mean[idx] = m + s * mz
            var[idx] = np.inf if d <= 2 else s**2 * (_quad_moment(lambda z: z * z, d) - mz**2)
    return mean, var


def _ht_entropy(df, scale):
    out = np.zeros(np.shape(df))
    for idx in np.ndindex(np.shape(df)):
        d, s = df[idx], scale[idx]
        f = lambda x, d=d, s=s: -np.exp(_ht_logpdf(x, d, 0.0, s)) * _ht_logpdf(x, d, 0.0, s)
        out[idx] = integrate.quad(f, 0.0, np.inf, epsabs=1e-13, epsrel=1e-12, limit=200)[0]
    return out


_HT_REFERENCE = {
    "log_prob": lambda x: _ht_logpdf(x, *_ht_args),
    "cdf": lambda x: _ht_cdf(x, *_ht_args),
    "log_cdf": lambda x: np.log(_ht_cdf(x, *_ht_args)),
    "survival_function": lambda x: _ht_sf(x, *_ht_args),
    "log_survival_function": lambda x: _ht_logsf(x, *_ht_args),
    "mean": lambda: _ht_moments(*_ht_args)[0],
    "variance": lambda: _ht_moments(*_ht_args)[1],
    "entropy": lambda: _ht_entropy(_ht_args[0], _ht_args[2]),
    "mode": lambda: _ht_args[1],
}

# -- Gamma family ---------------------------------------------------------------------------------
_g_conc = np.array([0.3, 1.0, 4.0, 50.0])
_g_rate = np.array([[0.5], [3.0]])
_g_args = _bcast(_g_conc, _g_rate)
_g_values = np.array([1e-3, 0.2, 1.0, 5.0, 40.0, 150.0])[:, None, None] + np.zeros((2, 4))


def _gamma_mode(a, rate):
    return np.where(a >= 1, (a - 1) / rate, np.nan)


_ig_conc = np.array([0.5, 1.5, 2.5, 8.0])
_ig_scale = np.array([[0.5], [2.0]])
_ig_args = _bcast(_ig_conc, _ig_scale)
_ig_values = np.array([0.02, 0.2, 1.0, 3.0, 50.0])[:, None, None] + np.zeros((2, 4))


def _ig_mean(a, s):
    return np.where(a > 1, s / np.where(a > 1, a - 1, 1.0), np.nan)


def _ig_var(a, s):
    safe = np.where(a > 2, a, 3.0)
    var = s**2 / ((safe - 1) ** 2 * (safe - 2))
    return np.where(a > 2, var, np.where(a > 1, np.inf, np.nan))


_chi2_df = np.array([0.5, 1.0, 2.0, 7.5, 40.0])
_chi_df = np.array([0.5, 1.0, 3.0, 20.0])
_pos_values = np.array([1e-3, 0.3, 1.0, 4.0, 30.0])

# -- Beta and Uniform -----------------------------------------------------------------------------
_b_c1 = np.array([0.5, 1.0, 2.0, 30.0])
_b_c0 = np.array([[0.7], [5.0]])
_b_args = _bcast(_b_c1, _b_c0)
_b_values = np.array([1e-4, 0.1, 0.5, 0.9, 0.9999])[:, None, None] + np.zeros((2, 4))


def _beta_mode(c1, c0):
    defined = (c1 >= 1) & (c0 >= 1) & ((c1 > 1) | (c0 > 1))
    return np.where(defined, (c1 - 1) / np.where(defined, c1 + c0 - 2, 1.0), np.nan)


_u_low = np.array([-1.0, 0.0, 2.0])
_u_width = np.array([[0.5], [3.0]])
_u_high = _u_low + _u_width
_u_values = _u_low + np.array([0.0, 0.1, 0.5, 0.9, 1.0])[:, None, None] * _u_width


CASES = [
    # -- HalfNormal, LogNormal ------------------------------------------------------------------
    Case(
        id="HalfNormal-scalar",
        make=lambda: pfd.HalfNormal(1.3),
        scipy=lambda: st.halfnorm(scale=1.3),
        values=np.array([1e-3, 0.1, 1.0, 2.5, 10.0, 45.0]),
        methods=ALL + ("mode",),
        reference={"mode": lambda: 0.0},
        reparameterized=True,
    ),
    Case(
        id="HalfNormal-batch",
        make=lambda: pfd.HalfNormal(np.array([0.2, 1.0, 7.0])),
        scipy=lambda: st.halfnorm(scale=np.array([0.2, 1.0, 7.0])),
        values=np.array([1e-3, 0.3, 1.0, 4.0, 20.0])[:, None] + np.zeros(3),
        methods=ALL,
        # scipy's logsf underflows at z = 100; log(2) + log_ndtr(-z) is the exact closed form
        reference={
            "log_survival_function": lambda x: np.log(2.0)
            + sp.log_ndtr(-x / np.array([0.2, 1.0, 7.0]))
        },
        reparameterized=True,
    ),
    Case(
        id="LogNormal-scalar",
        make=lambda: pfd.LogNormal(0.4, 0.8),
        scipy=lambda: st.lognorm(s=0.8, scale=np.exp(0.4)),
        values=np.array([1e-4, 0.1, 1.0, 3.0, 40.0, 1e4]),
        methods=ALL + ("mode",),
        reference={"mode": lambda: np.exp(0.4 - 0.64)},
        reparameterized=True,
    ),
    Case(
        id="LogNormal-batch",
        make=lambda: pfd.LogNormal(_loc, _scale),
        scipy=lambda: st.lognorm(s=_bcast(_loc, _scale)[1], scale=np.exp(_bcast(_loc, _scale)[0])),
        values=np.array([1e-3, 0.5, 2.0, 30.0])[:, None, None] + np.zeros((2, 3)),
        methods=ALL,
        reparameterized=True,
    ),
    # -- StudentT, HalfStudentT, Cauchy, HalfCauchy ------------------------------------------------
    Case(
        id="StudentT-scalar",
        make=lambda: pfd.StudentT(3.5, 0.3, 1.7),
        scipy=lambda: st.t(3.5, 0.3, 1.7),
        values=np.array([-1e6, -30.0, -2.0, 0.3, 0.31, 2.0, 9.0, 300.0]),
        methods=NO_QUANTILE + ("mode",),
        reference={"mode": lambda: 0.3},
    ),
    Case(
        id="StudentT-batch",
        make=lambda: pfd.StudentT(*_t_args),
        scipy=lambda: st.t(*_t_args),
        values=_t_values,
        methods=NO_QUANTILE + ("mode",),
        reference={
            "mean": lambda: _t_mean(_t_args[0], _t_args[1]),
            "variance": lambda: _t_var(_t_args[0], _t_args[2]),
            "stddev": lambda: np.sqrt(_t_var(_t_args[0], _t_args[2])),
            "mode": lambda: _t_args[1],
        },
        gof="ks",
    ),
    Case(
        id="HalfStudentT-scalar",
        make=lambda: pfd.HalfStudentT(4.0, 1.0, 2.0),
        values=1.0 + np.array([1e-3, 0.5, 2.0, 10.0, 500.0]),
        methods=NO_QUANTILE + ("mode",),
        reference={
            "log_prob": lambda x: _ht_logpdf(x, 4.0, 1.0, 2.0),
            "cdf": lambda x: _ht_cdf(x, 4.0, 1.0, 2.0),
            "log_cdf": lambda x: np.log(_ht_cdf(x, 4.0, 1.0, 2.0)),
            "survival_function": lambda x: _ht_sf(x, 4.0, 1.0, 2.0),
            "log_survival_function": lambda x: _ht_logsf(x, 4.0, 1.0, 2.0),
            "mean": lambda: _ht_moments(*_bcast(4.0, 1.0, 2.0))[0],
            "variance": lambda: _ht_moments(*_bcast(4.0, 1.0, 2.0))[1],
            "stddev": lambda: np.sqrt(_ht_moments(*_bcast(4.0, 1.0, 2.0))[1]),
            "entropy": lambda: _ht_entropy(np.asarray(4.0), np.asarray(2.0)),
            "mode": lambda: 1.0,
        },
        rtol=1e-6,
    ),
    Case(
        id="HalfStudentT-batch",
        make=lambda: pfd.HalfStudentT(*_ht_args),
        values=_ht_values,
        methods=NO_QUANTILE + ("mode",),
        reference=dict(_HT_REFERENCE, stddev=lambda: np.sqrt(_ht_moments(*_ht_args)[1])),
    ),
    *_loc_scale_rows("Cauchy", pfd.Cauchy, st.cauchy),
    Case(
        id="HalfCauchy-scalar",
        make=lambda: pfd.HalfCauchy(0.5, 2.0),
        scipy=lambda: st.halfcauchy(0.5, 2.0),
        values=np.array([0.5001, 1.0, 3.0, 50.0, 1e8]),
        methods=("log_prob",) + CDFS + ("quantile", "entropy", "mode", "mean", "variance"),
        reference={"mode": lambda: 0.5, "mean": lambda: np.nan, "variance": lambda: np.nan},
        reparameterized=True,
    ),
    Case(
        id="HalfCauchy-batch",
        make=lambda: pfd.HalfCauchy(_loc, _scale),
        scipy=lambda: st.halfcauchy(*_bcast(_loc, _scale)),
        values=_loc + np.array([1e-3, 0.4, 2.0, 30.0, 1e5])[:, None, None] * _scale,
        methods=("log_prob",) + CDFS + ("quantile", "entropy"),
        reparameterized=True,
    ),
    # -- Laplace, Logistic, Gumbel ----------------------------------------------------------------
    *_loc_scale_rows("Laplace", pfd.Laplace, st.laplace),
    *_loc_scale_rows("Logistic", pfd.Logistic, st.logistic),
    # (the Gumbel density is doubly exponential on the left: keep z >= -13 so that finite
    # differences of log_prob stay meaningful)
    *_loc_scale_rows("Gumbel", pfd.Gumbel, st.gumbel_r, values=_LOC_SCALE_VALUES[1:] * 0.9),
    # -- Gamma family ---------------------------------------------------------------------------
    Case(
        id="Gamma-scalar",
        make=lambda: pfd.Gamma(2.5, 0.7),
        scipy=lambda: st.gamma(2.5, scale=1 / 0.7),
        values=np.array([1e-6, 0.1, 1.0, 3.5, 20.0, 60.0]),
        methods=NO_QUANTILE + ("mode",),
        reference={"mode": lambda: 1.5 / 0.7},
    ),
    Case(
        id="Gamma-batch",
        make=lambda: pfd.Gamma(*_g_args),
        scipy=lambda: st.gamma(_g_args[0], scale=1 / _g_args[1]),
        values=_g_values,
        methods=NO_QUANTILE + ("mode",),
        reference={"mode": lambda: _gamma_mode(*_g_args)},
    ),
    Case(
        id="InverseGamma-scalar",
        make=lambda: pfd.InverseGamma(3.0, 1.5),
        scipy=lambda: st.invgamma(3.0, scale=1.5),
        values=np.array([0.01, 0.2, 0.7, 3.0, 100.0]),
        methods=NO_QUANTILE + ("mode",),
        reference={"mode": lambda: 1.5 / 4.0},
    ),
    Case(
        id="InverseGamma-batch",
        make=lambda: pfd.InverseGamma(*_ig_args),
        scipy=lambda: st.invgamma(_ig_args[0], scale=_ig_args[1]),
        values=_ig_values,
        methods=NO_QUANTILE + ("mode",),
        reference={
            "mean": lambda: _ig_mean(*_ig_args),
            "variance": lambda: _ig_var(*_ig_args),
            "stddev": lambda: np.sqrt(_ig_var(*_ig_args)),
            "mode": lambda: _ig_args[1] / (_ig_args[0] + 1),
        },
    ),
    Case(
        id="Chi2-batch",
        make=lambda: pfd.Chi2(_chi2_df),
        scipy=lambda: st.chi2(_chi2_df),
        values=_pos_values[:, None] + np.zeros(5),
        methods=NO_QUANTILE + ("mode",),
        reference={"mode": lambda: np.where(_chi2_df >= 2, _chi2_df - 2, np.nan)},
    ),
    Case(
        id="Chi-batch",
        make=lambda: pfd.Chi(_chi_df),
        scipy=lambda: st.chi(_chi_df),
        values=_pos_values[:, None] + np.zeros(4),
        methods=NO_QUANTILE + ("mode",),
        reference={"mode": lambda: np.where(_chi_df >= 1, np.sqrt(np.abs(_chi_df - 1)), np.nan)},
    ),
    Case(
        id="Exponential-scalar",
        make=lambda: pfd.Exponential(1.7),
        scipy=lambda: st.expon(scale=1 / 1.7),
        values=np.array([1e-8, 0.1, 1.0, 5.0, 300.0]),
        methods=ALL + ("mode",),
        reference={"mode": lambda: 0.0},
        reparameterized=True,
    ),
    Case(
        id="Exponential-batch",
        make=lambda: pfd.Exponential(np.array([[0.1, 1.0, 5.0]])),
        scipy=lambda: st.expon(scale=1 / np.array([[0.1, 1.0, 5.0]])),
        values=np.array([1e-3, 0.5, 2.0, 40.0])[:, None, None] + np.zeros((1, 3)),
        methods=ALL,
        reparameterized=True,
    ),
    # -- Beta, Uniform ----------------------------------------------------------------------------
    Case(
        id="Beta-scalar",
        make=lambda: pfd.Beta(2.5, 1.5),
        scipy=lambda: st.beta(2.5, 1.5),
        values=np.array([1e-5, 0.2, 0.5, 0.8, 1 - 1e-5]),
        methods=NO_QUANTILE + ("mode",),
        reference={"mode": lambda: 1.5 / 2.0},
    ),
    Case(
        id="Beta-batch",
        make=lambda: pfd.Beta(*_b_args),
        scipy=lambda: st.beta(*_b_args),
        values=_b_values,
        methods=NO_QUANTILE + ("mode",),
        reference={"mode": lambda: _beta_mode(*_b_args)},
    ),
    Case(
        id="Uniform-scalar",
        make=lambda: pfd.Uniform(-2.0, 5.0),
        scipy=lambda: st.uniform(-2.0, 7.0),
        values=np.array([-1.9, 0.0, 3.3, 4.9]),
        methods=ALL,
        reparameterized=True,
    ),
    Case(
        id="Uniform-batch",
        make=lambda: pfd.Uniform(_u_low, _u_high),
        scipy=lambda: st.uniform(*_bcast(_u_low, _u_width)),
        values=_u_values[1:-1],
        methods=ALL,
        reparameterized=True,
    ),
]
