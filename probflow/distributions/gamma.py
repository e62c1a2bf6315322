"""The gamma family: Gamma, InverseGamma, Chi2, Chi and Exponential.

Cumulative functions use the regularized incomplete gamma functions
``P(a, y) = gammainc(a, y)`` and ``Q(a, y) = gammaincc(a, y)``. Their logarithms
switch, where the direct value underflows, to a power series for ``log P`` (left
tail) and to a continued fraction for ``log Q`` (right tail), so ``log_cdf`` and
``log_survival_function`` stay finite and accurate far in the tails.

Sampling draws ``log G`` with ``jax.random.loggamma``, which is implicitly
reparameterized: gradients of samples with respect to the concentration are
``-(dP/da) / density``, not the pathwise derivative of the rejection sampler. Scales
are applied in log space and draws the dtype cannot represent are clamped into the
support (``probflow.distributions._gamma_draws``), so a tiny concentration never gives
an exact 0 (where the density is infinite) or an ``inf``.
"""

from __future__ import annotations

import math
from typing import Any

import jax
import jax.numpy as jnp
from jax.scipy import special

from probflow.core import checks
from probflow.core.numerics import log1mexp, promote_floats
from probflow.distributions import _gamma_draws, constraints
from probflow.distributions.bernoulli import _exactly_one, _promote_optional, _required
from probflow.distributions.distribution import Distribution
from probflow.distributions.kl import register_kl
from probflow.typing import Array, ArrayLike

__all__ = ["Gamma", "InverseGamma", "Chi2", "Chi", "Exponential"]

_LOG_2 = math.log(2.0)
_NUM_TAIL_TERMS = 64


def _underflows(p):
    # where a probability is too close to the smallest normal number to be trusted
    return p < jnp.finfo(jnp.result_type(p)).tiny * 1e10


def _log_p_series(a, y):
    """``log P(a, y)`` from ``P = y^a e^-y / Gamma(a+1) * sum_k y^k / ((a+1)...(a+k))``.

    Converges fast where ``y`` is small relative to ``a + 1`` (where ``P`` underflows).
    """
    a, y = jnp.broadcast_arrays(a, y)

    def body(k, carry):
        term, total = carry
        term = term * y / (a + k)
        return term, total + term

    ones = jnp.ones_like(y)
    _, total = jax.lax.fori_loop(1, _NUM_TAIL_TERMS + 1, body, (ones, ones))
    return a * jnp.log(y) - y - special.gammaln(a + 1.0) + jnp.log(total)


def _log_q_continued_fraction(a, y):
    """``log Q(a, y)`` from Legendre's continued fraction, evaluated by modified Lentz.

    ``Q = y^a e^-y / Gamma(a) * 1 / (y + 1 - a - 1 (1 - a) / (y + 3 - a - 2 (2 - a) / ...))``;
    converges fast for ``y > a + 1`` (where ``Q`` underflows).
    """
    a, y = jnp.broadcast_arrays(a, y)
    floor = jnp.finfo(jnp.result_type(y)).tiny * 1e10

    def guard(v):
        return jnp.where(jnp.abs(v) < floor, floor, v)

    b0 = y + 1.0 - a
    c0 = jnp.full_like(y, 1.0 / floor)
    d0 = 1.0 / guard(b0)

    def body(i, carry):
        b, c, d, h = carry
        an = -i * (i - a)
        b = b + 2.0
        d = 1.0 / guard(an * d + b)
        c = guard(b + an / c)
        return b, c, d, h * d * c

    _, _, _, h = jax.lax.fori_loop(1, _NUM_TAIL_TERMS + 1, body, (b0, c0, d0, d0))
    return a * jnp.log(y) - y - special.gammaln(a) + jnp.log(h)


def _gammainc(a, y):
    """``P(a, y)`` clipped to ``[0, 1]`` (jax's series can overshoot 1 by ulps for tiny ``a``)."""
    return jnp.clip(special.gammainc(a, y), 0.0, 1.0)


def _gammaincc(a, y):
    """``Q(a, y)`` clipped to ``[0, 1]``."""
    return jnp.clip(special.gammaincc(a, y), 0.0, 1.0)


def _log_gammainc(a, y):
    """``log P(a, y)`` for ``y >= 0``, stable where ``P`` underflows."""
    p = _gammainc(a, y)
    use_series = _underflows(p) & (y > 0)
    y_series = jnp.where(use_series, y, jnp.minimum(a, 1.0))
    p_direct = jnp.where(use_series, 1.0, p)
    return jnp.where(use_series, _log_p_series(a, y_series), jnp.log(p_direct))


def _log_gammaincc(a, y):
    """``log Q(a, y)`` for ``y >= 0``, stable where ``Q`` underflows."""
    q = _gammaincc(a, y)
    use_cf = _underflows(q) & jnp.isfinite(y)
    y_cf = jnp.where(use_cf, y, a + 10.0)
    q_direct = jnp.where(use_cf, 1.0, q)
    out = jnp.where(use_cf, _log_q_continued_fraction(a, y_cf), jnp.log(q_direct))
    return jnp.where(jnp.isinf(y), -jnp.inf, out)


def _gamma_entropy(a):
    """Entropy of Gamma(a, 1)."""
    return a + special.gammaln(a) + (1.0 - a) * special.digamma(a)


def _gamma_kl(a_p, r_p, a_q, r_q):
    """KL(Gamma(a_p, r_p) || Gamma(a_q, r_q))."""
    return _gamma_kl_log_rates(a_p, jnp.log(r_p), a_q, jnp.log(r_q))


def _gamma_kl_log_rates(a_p, log_r_p, a_q, log_r_q):
    """KL(Gamma(a_p, exp(log_r_p)) || Gamma(a_q, exp(log_r_q)))."""
    return (
        (a_p - a_q) * special.digamma(a_p)
        - special.gammaln(a_p)
        + special.gammaln(a_q)
        + a_q * (log_r_p - log_r_q)
        + a_p * jnp.expm1(log_r_q - log_r_p)
    )


class _GammaTails:
    """The cumulative functions of a distribution whose cdf is ``P(a, y(x))``.

    ``a = self._gamma_shape()`` and ``y = self._y(value)``; shared by Gamma, Chi2 and Chi.
    """

    def _gamma_shape(self) -> Any:  # pragma: no cover - defined by each subclass
        raise NotImplementedError

    def _y(self, value: Any) -> Any:  # pragma: no cover - defined by each subclass
        raise NotImplementedError

    def _cdf(self, value):
        return _gammainc(self._gamma_shape(), self._y(value))

    def _log_cdf(self, value):
        return _log_gammainc(self._gamma_shape(), self._y(value))

    def _survival_function(self, value):
        return _gammaincc(self._gamma_shape(), self._y(value))

    def _log_survival_function(self, value):
        return _log_gammaincc(self._gamma_shape(), self._y(value))


class Gamma(_GammaTails, Distribution):
    """Gamma distribution with shape ``concentration`` and inverse scale ``rate``.

    ``log_prob(x) = (a - 1) log x - rate x + a log(rate) - lgamma(a)`` for ``x >= 0``
    (``xlogy``, so ``x = 1e-30`` gives finite values and gradients when ``a >= 1``),
    ``-inf`` for ``x < 0``. ``cdf = P(a, rate x)``, ``survival = Q(a, rate x)``. Mean
    ``a / rate``, variance ``a / rate**2``, mode ``(a - 1) / rate`` for ``a >= 1`` (NaN
    for ``a < 1``, where the density is unbounded at 0). Sampling is implicitly
    reparameterized in both parameters.

    Give exactly one of ``rate`` and ``log_rate`` (TFP's two spellings). With ``log_rate``
    the density, sampler and KL divergence work with it directly (no ``exp`` then ``log``
    round trip), which suits a rate that is itself the output of a regression.

    Args:
        concentration: shape ``a``, positive.
        rate: inverse scale, positive.
        log_rate: natural log of the rate, finite. The parameters broadcast to
            ``batch_shape``.

    Examples:
        >>> import jax
        >>> import probflow.distributions as pfd
        >>> d = pfd.Gamma(concentration=2.0, rate=0.5)
        >>> float(d.mean()), float(d.variance()), float(d.mode())
        (4.0, 8.0, 2.0)
        >>> d.sample(jax.random.key(0), (3,)).shape
        (3,)
        >>> round(float(d.log_prob(1.0)), 4)
        -1.8863
        >>> e = pfd.Gamma(concentration=2.0, log_rate=jnp.log(0.5))
        >>> round(float(e.log_prob(1.0)), 4), round(float(e.rate_parameter()), 4)
        (-1.8863, 0.5)
    """

    concentration: jax.Array
    rate: jax.Array | None
    log_rate: jax.Array | None
    reparameterized = True

    def __init__(
        self, concentration: ArrayLike, rate: ArrayLike | None = None,
        log_rate: ArrayLike | None = None, *, validate_args: bool = False,
        name: str | None = None
    ):
        _required("Gamma", concentration=concentration)
        _exactly_one("Gamma", rate=rate, log_rate=log_rate)
        conc, rate, log_rate = _promote_optional(concentration, rate, log_rate)
        self._set(concentration=conc, rate=rate, log_rate=log_rate,
                  validate_args=validate_args, name=name)
        rate_check = (checks.positive("rate", rate) if rate is not None
                      else checks.finite("log_rate", log_rate))
        self._validate(checks.positive("concentration", conc), rate_check)

    def rate_parameter(self) -> Array:
        """``rate``, computed as ``exp(log_rate)`` when ``log_rate`` was given.

        Examples:
            >>> import probflow.distributions as pfd
            >>> float(pfd.Gamma(2.0, log_rate=0.0).rate_parameter())
            1.0
        """
        if self.log_rate is not None:
            return jnp.exp(self.log_rate)
        assert self.rate is not None  # exactly one of rate and log_rate is given
        return self.rate

    def log_rate_parameter(self) -> Array:
        """``log_rate``, computed as ``log(rate)`` when ``rate`` was given.

        Examples:
            >>> import probflow.distributions as pfd
            >>> float(pfd.Gamma(2.0, 1.0).log_rate_parameter())
            0.0
        """
        if self.log_rate is not None:
            return self.log_rate
        assert self.rate is not None  # exactly one of rate and log_rate is given
        return jnp.log(self.rate)

    @property
    def support(self) -> constraints.Constraint:
        return constraints.positive

    def _sample(self, key, sample_shape):
        shape = sample_shape + self.batch_shape
        return _gamma_draws.gamma(
            key, self.concentration, shape, self.dtype, log_scale=-self.log_rate_parameter()
        )

    def _log_prob(self, value):
        inside = value >= 0
        x = jnp.where(inside, value, 1.0)
        a = self.concentration
        lp = (
            special.xlogy(a - 1.0, x)
            - self.rate_parameter() * x
            + a * self.log_rate_parameter()
            - special.gammaln(a)
        )
        return jnp.where(inside, lp, -jnp.inf)

    def _y(self, value):
        return jnp.where(value >= 0, value, 0.0) * self.rate_parameter()

    def _gamma_shape(self):
        return self.concentration

    def _mean(self):
        return jnp.broadcast_to(self.concentration / self.rate_parameter(), self.batch_shape)

    def _variance(self):
        rate = self.rate_parameter()
        return jnp.broadcast_to(self.concentration / jnp.square(rate), self.batch_shape)

    def _mode(self):
        a = self.concentration
        mode = jnp.where(a >= 1.0, (a - 1.0) / self.rate_parameter(), jnp.nan)
        return jnp.broadcast_to(mode, self.batch_shape)

    def _entropy(self):
        return _gamma_entropy(self.concentration) - self.log_rate_parameter()


@register_kl(Gamma, Gamma)
def _kl_gamma_gamma(p: Gamma, q: Gamma) -> Array:
    return _gamma_kl_log_rates(p.concentration, p.log_rate_parameter(), q.concentration,
                               q.log_rate_parameter())


class InverseGamma(Distribution):
    """Inverse gamma distribution: ``1 / X`` with ``X ~ Gamma(concentration, rate=scale)``.

    ``log_prob(x) = a log(scale) - lgamma(a) - (a + 1) log x - scale / x`` for ``x > 0``,
    ``-inf`` otherwise. ``cdf = Q(a, scale / x)``, ``survival = P(a, scale / x)``. Mean
    ``scale / (a - 1)`` for ``a > 1`` (NaN otherwise); variance
    ``scale**2 / ((a - 1)**2 (a - 2))`` for ``a > 2``, ``inf`` for ``1 < a <= 2`` and NaN
    for ``a <= 1`` (TFP returns NaN for all ``a <= 2``); mode ``scale / (a + 1)``.
    Sampling is implicitly reparameterized (through ``jax.random.loggamma``, so tiny
    concentrations give huge but finite draws).

    Args:
        concentration: shape ``a``, positive.
        scale: scale, positive. Both broadcast to ``batch_shape``.

    Examples:
        >>> import probflow.distributions as pfd
        >>> d = pfd.InverseGamma(concentration=3.0, scale=2.0)
        >>> float(d.mean()), float(d.mode())
        (1.0, 0.5)
    """

    concentration: jax.Array
    scale: jax.Array
    reparameterized = True

    def __init__(
        self, concentration: ArrayLike, scale: ArrayLike, *, validate_args: bool = False,
        name: str | None = None
    ):
        concentration, scale = promote_floats(concentration, scale)
        self._set(
            concentration=concentration, scale=scale, validate_args=validate_args, name=name
        )
        self._validate(
            checks.positive("concentration", concentration), checks.positive("scale", scale)
        )

    @property
    def support(self) -> constraints.Constraint:
        return constraints.positive

    def _sample(self, key, sample_shape):
        shape = sample_shape + self.batch_shape
        log_g = _gamma_draws.log_gamma(key, self.concentration, shape, self.dtype)
        return _gamma_draws.positive_from_log(jnp.log(self.scale) - log_g)

    def _log_prob(self, value):
        inside = value > 0
        x = jnp.where(inside, value, 1.0)
        a = self.concentration
        lp = (
            a * jnp.log(self.scale)
            - special.gammaln(a)
            - (a + 1.0) * jnp.log(x)
            - self.scale / x
        )
        return jnp.where(inside, lp, -jnp.inf)

    def _y(self, value):
        # scale / x, with x <= 0 mapped to y = inf (cdf 0, survival 1)
        inside = value > 0
        return jnp.where(inside, self.scale / jnp.where(inside, value, 1.0), jnp.inf)

    def _cdf(self, value):
        return _gammaincc(self.concentration, self._y(value))

    def _log_cdf(self, value):
        return _log_gammaincc(self.concentration, self._y(value))

    def _survival_function(self, value):
        return _gammainc(self.concentration, self._y(value))

    def _log_survival_function(self, value):
        y = self._y(value)
        finite = jnp.isfinite(y)
        out = _log_gammainc(self.concentration, jnp.where(finite, y, 1.0))
        return jnp.where(finite, out, 0.0)

    def _mean(self):
        a = self.concentration
        a_safe = jnp.where(a > 1.0, a, 2.0)
        return jnp.where(a > 1.0, self.scale / (a_safe - 1.0), jnp.nan)

    def _variance(self):
        a = self.concentration
        a_safe = jnp.where(a > 2.0, a, 3.0)
        var = jnp.square(self.scale / (a_safe - 1.0)) / (a_safe - 2.0)
        return jnp.where(a > 2.0, var, jnp.where(a > 1.0, jnp.inf, jnp.nan))

    def _mode(self):
        return self.scale / (self.concentration + 1.0)

    def _entropy(self):
        a = self.concentration
        return a + jnp.log(self.scale) + special.gammaln(a) - (1.0 + a) * special.digamma(a)


@register_kl(InverseGamma, InverseGamma)
def _kl_inverse_gamma(p: InverseGamma, q: InverseGamma) -> Array:
    # KL is invariant under x -> 1/x, which maps InverseGamma(a, s) to Gamma(a, rate=s).
    return _gamma_kl(p.concentration, p.scale, q.concentration, q.scale)


class Chi2(_GammaTails, Distribution):
    """Chi-squared distribution with ``df`` degrees of freedom: ``Gamma(df / 2, rate=1/2)``.

    ``log_prob(x) = (df/2 - 1) log x - x/2 - (df/2) log 2 - lgamma(df/2)`` for ``x >= 0``.
    ``cdf = P(df/2, x/2)``. Mean ``df``, variance ``2 df``, mode ``df - 2`` for ``df >= 2``
    (NaN below, where the density is unbounded at 0). Sampling is implicitly
    reparameterized.

    Args:
        df: degrees of freedom, positive (need not be an integer).

    Examples:
        >>> import probflow.distributions as pfd
        >>> d = pfd.Chi2(df=4.0)
        >>> float(d.mean()), float(d.variance()), float(d.mode())
        (4.0, 8.0, 2.0)
    """

    df: jax.Array
    reparameterized = True

    def __init__(self, df: ArrayLike, *, validate_args: bool = False, name: str | None = None):
        (df,) = promote_floats(df)
        self._set(df=df, validate_args=validate_args, name=name)
        self._validate(checks.positive("df", df))

    @property
    def support(self) -> constraints.Constraint:
        return constraints.positive

    def _sample(self, key, sample_shape):
        shape = sample_shape + self.batch_shape
        return _gamma_draws.gamma(key, 0.5 * self.df, shape, self.dtype, log_scale=_LOG_2)

    def _log_prob(self, value):
        inside = value >= 0
        x = jnp.where(inside, value, 1.0)
        half_df = 0.5 * self.df
        lp = special.xlogy(half_df - 1.0, x) - 0.5 * x - half_df * _LOG_2 - special.gammaln(half_df)
        return jnp.where(inside, lp, -jnp.inf)

    def _y(self, value):
        return 0.5 * jnp.where(value >= 0, value, 0.0)

    def _gamma_shape(self):
        return 0.5 * self.df

    def _mean(self):
        return self.df

    def _variance(self):
        return 2.0 * self.df

    def _mode(self):
        return jnp.where(self.df >= 2.0, self.df - 2.0, jnp.nan)

    def _entropy(self):
        return _gamma_entropy(0.5 * self.df) + _LOG_2


@register_kl(Chi2, Chi2)
def _kl_chi2_chi2(p: Chi2, q: Chi2) -> Array:
    return _gamma_kl(0.5 * p.df, 0.5, 0.5 * q.df, 0.5)


class Chi(_GammaTails, Distribution):
    """Chi distribution with ``df`` degrees of freedom: the square root of a ``Chi2(df)``.

    ``log_prob(x) = (1 - df/2) log 2 - lgamma(df/2) + (df - 1) log x - x**2 / 2`` for
    ``x >= 0``; ``cdf = P(df/2, x**2/2)``. Mean ``sqrt(2) Gamma((df+1)/2) / Gamma(df/2)``,
    variance ``df - mean**2``, mode ``sqrt(df - 1)`` for ``df >= 1`` (NaN below).
    Sampling is implicitly reparameterized.

    Args:
        df: degrees of freedom, positive.

    Examples:
        >>> import probflow.distributions as pfd
        >>> d = pfd.Chi(df=3.0)
        >>> round(float(d.mean()), 4), round(float(d.mode()), 4)
        (1.5958, 1.4142)
    """

    df: jax.Array
    reparameterized = True

    def __init__(self, df: ArrayLike, *, validate_args: bool = False, name: str | None = None):
        (df,) = promote_floats(df)
        self._set(df=df, validate_args=validate_args, name=name)
        self._validate(checks.positive("df", df))

    @property
    def support(self) -> constraints.Constraint:
        return constraints.positive

    def _sample(self, key, sample_shape):
        shape = sample_shape + self.batch_shape
        log_g = _gamma_draws.log_gamma(key, 0.5 * self.df, shape, self.dtype)
        return _gamma_draws.positive_from_log(0.5 * (log_g + _LOG_2))

    def _log_prob(self, value):
        inside = value >= 0
        x = jnp.where(inside, value, 1.0)
        half_df = 0.5 * self.df
        lp = (
            (1.0 - half_df) * _LOG_2
            - special.gammaln(half_df)
            + special.xlogy(self.df - 1.0, x)
            - 0.5 * jnp.square(x)
        )
        return jnp.where(inside, lp, -jnp.inf)

    def _y(self, value):
        return 0.5 * jnp.square(jnp.where(value >= 0, value, 0.0))

    def _gamma_shape(self):
        return 0.5 * self.df

    def _mean(self):
        log_ratio = special.gammaln(0.5 * (self.df + 1.0)) - special.gammaln(0.5 * self.df)
        return math.sqrt(2.0) * jnp.exp(log_ratio)

    def _variance(self):
        return self.df - jnp.square(self._mean())

    def _mode(self):
        df = self.df
        return jnp.where(df >= 1.0, jnp.sqrt(jnp.where(df >= 1.0, df, 1.0) - 1.0), jnp.nan)

    def _entropy(self):
        half_df = 0.5 * self.df
        return special.gammaln(half_df) + 0.5 * (
            self.df - _LOG_2 - (self.df - 1.0) * special.digamma(half_df)
        )


class Exponential(Distribution):
    """Exponential distribution with ``rate`` (``Gamma(1, rate)``).

    ``log_prob(x) = log(rate) - rate x`` for ``x >= 0``, ``-inf`` below.
    ``cdf = -expm1(-rate x)``, ``log_cdf = log1mexp(rate x)``, ``log_survival = -rate x``
    (exact in both tails), ``quantile(p) = -log1p(-p) / rate``. Mean ``1 / rate``,
    variance ``1 / rate**2``, mode ``0``, entropy ``1 - log(rate)``. Sampling is
    reparameterized.

    Args:
        rate: inverse mean, positive.

    Examples:
        >>> import probflow.distributions as pfd
        >>> d = pfd.Exponential(rate=2.0)
        >>> float(d.mean()), float(d.log_survival_function(3.0))
        (0.5, -6.0)
    """

    rate: jax.Array
    reparameterized = True

    def __init__(self, rate: ArrayLike, *, validate_args: bool = False, name: str | None = None):
        (rate,) = promote_floats(rate)
        self._set(rate=rate, validate_args=validate_args, name=name)
        self._validate(checks.positive("rate", rate))

    @property
    def support(self) -> constraints.Constraint:
        return constraints.nonnegative

    def _sample(self, key, sample_shape):
        shape = sample_shape + self.batch_shape
        return jax.random.exponential(key, shape, dtype=self.dtype) / self.rate

    def _y(self, value):
        return jnp.where(value >= 0, value, 0.0) * self.rate

    def _log_prob(self, value):
        lp = jnp.log(self.rate) - self._y(value)
        return jnp.where(value >= 0, lp, -jnp.inf)

    def _cdf(self, value):
        return -jnp.expm1(-self._y(value))

    def _log_cdf(self, value):
        y = self._y(value)
        positive = y > 0
        out = log1mexp(jnp.where(positive, y, 1.0))
        return jnp.where(positive, out, -jnp.inf)

    def _survival_function(self, value):
        return jnp.exp(-self._y(value))

    def _log_survival_function(self, value):
        return -self._y(value)

    def _quantile(self, value):
        return -jnp.log1p(-value) / self.rate

    def _mean(self):
        return jnp.reciprocal(self.rate)

    def _variance(self):
        return jnp.reciprocal(jnp.square(self.rate))

    def _mode(self):
        return jnp.zeros_like(self.rate)

    def _entropy(self):
        return 1.0 - jnp.log(self.rate)


@register_kl(Exponential, Exponential)
def _kl_exponential(p: Exponential, q: Exponential) -> Array:
    ratio = q.rate / p.rate
    return ratio - 1.0 - jnp.log(ratio)
