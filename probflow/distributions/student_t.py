"""Student's t family: StudentT, HalfStudentT, Cauchy and HalfCauchy.

Moments follow TFP's ``allow_nan_stats=True`` convention: a mean that does not
exist is NaN; a variance is ``inf`` where the mean exists but the second moment
diverges, and NaN where the mean itself does not exist.

The cumulative functions use the regularized incomplete beta function. JAX
differentiates ``betainc`` in ``x`` only, so gradients of ``cdf`` and friends with
respect to ``df`` are not available (``log_prob`` is differentiable in every
parameter).
"""

from __future__ import annotations

import math

import jax
import jax.numpy as jnp
from jax.scipy import special

from probflow.core import checks
from probflow.core.numerics import log_beta as _log_beta
from probflow.core.numerics import promote_floats
from probflow.distributions import _gamma_draws, constraints
from probflow.distributions.distribution import Distribution
from probflow.distributions.kl import register_kl
from probflow.typing import ArrayLike

__all__ = ["StudentT", "HalfStudentT", "Cauchy", "HalfCauchy"]

_LOG_PI = math.log(math.pi)
_LOG_2 = math.log(2.0)


def _log1p_square(u):
    """``log(1 + u**2)`` without overflow of ``u**2`` for huge ``|u|``."""
    big = jnp.abs(u) > 1.0
    u_big = jnp.where(big, u, 2.0)
    u_small = jnp.where(big, 0.0, u)
    return jnp.where(
        big,
        2.0 * jnp.log(jnp.abs(u_big)) + jnp.log1p(jnp.reciprocal(jnp.square(u_big))),
        jnp.log1p(jnp.square(u_small)),
    )


def _log1p_square_over(z, df):
    """``log(1 + z**2 / df)`` without overflow of ``z / sqrt(df)`` (huge ``z``, tiny ``df``)."""
    z, df = jnp.broadcast_arrays(z, df)
    big = jnp.abs(z) > jnp.sqrt(df)
    z_big = jnp.where(big, z, 2.0)
    df_big = jnp.where(big, df, 1.0)
    u_small = jnp.where(big, 0.0, z) / jnp.sqrt(jnp.where(big, 1.0, df))
    # |u| > 1: 2 log|u| + log1p(1 / u**2), with log|u| = log|z| - log(df) / 2
    log_u = jnp.log(jnp.abs(z_big)) - 0.5 * jnp.log(df_big)
    return jnp.where(
        big,
        2.0 * log_u + jnp.log1p(df_big / jnp.square(z_big)),
        jnp.log1p(jnp.square(u_small)),
    )


def _t_log_density(df, z):
    """Log density of the standard t with ``df`` degrees of freedom at ``z``."""
    return (
        special.gammaln(0.5 * (df + 1.0))
        - special.gammaln(0.5 * df)
        - 0.5 * (jnp.log(df) + _LOG_PI)
        - 0.5 * (df + 1.0) * _log1p_square_over(z, df)
    )


def _t_two_sided(df, z):
    """``(P(|T| <= |z|), P(|T| > |z|))`` for a standard t, each computed directly.

    ``P(|T| > |z|) = I_{df/(df+z^2)}(df/2, 1/2)`` and
    ``P(|T| <= |z|) = I_{z^2/(df+z^2)}(1/2, df/2)``; evaluating both (rather than one
    and its complement) keeps each accurate where it is small.
    """
    r = jnp.square(z) / df  # z^2 / df, may be inf
    x_out = jnp.reciprocal(1.0 + r)  # df / (df + z^2)
    x_in = r / (1.0 + r)
    x_in = jnp.where(jnp.isinf(r), 1.0, x_in)
    p_out = special.betainc(0.5 * df, 0.5, x_out)
    p_in = special.betainc(0.5, 0.5 * df, x_in)
    return p_in, p_out


def _t_entropy(df):
    half = 0.5 * (df + 1.0)
    return (
        half * (special.digamma(half) - special.digamma(0.5 * df))
        + 0.5 * jnp.log(df)
        + _log_beta(0.5 * df, 0.5)
    )


def _t_standard_sample(key, df, shape, dtype):
    key_normal, key_gamma = jax.random.split(key)
    z = jax.random.normal(key_normal, shape, dtype=dtype)
    # sqrt(df / Chi2(df)) in log space: finite for tiny df (implicitly reparameterized)
    factor = _gamma_draws.inverse_chi_scale(key_gamma, df, shape, dtype)
    big = jnp.finfo(dtype).max
    return jnp.clip(z * factor, -big, big)


class StudentT(Distribution):
    """Student's t distribution with ``df`` degrees of freedom, location and scale.

    ``log_prob(x) = lgamma((df+1)/2) - lgamma(df/2) - log(df pi)/2 - log(scale)
    - (df+1)/2 log(1 + z**2/df)`` with ``z = (x - loc) / scale``. The cdf is
    ``I_{df/(df+z^2)}(df/2, 1/2) / 2`` for ``z < 0`` (and its complement for ``z >= 0``),
    so both tails are computed without cancellation. The mean is NaN for ``df <= 1``; the
    variance ``scale**2 df/(df-2)`` is ``inf`` for ``1 < df <= 2`` and NaN for ``df <= 1``.
    Sampling is reparameterized (``loc + scale * Z / sqrt(G / (df/2))`` with ``G`` an
    implicitly reparameterized gamma draw, the ratio formed in log space: tiny ``df`` gives
    huge but finite draws).

    Args:
        df: degrees of freedom, positive.
        loc: location (the median).
        scale: scale, positive. All three broadcast to ``batch_shape``.

    Examples:
        >>> import probflow.distributions as pfd
        >>> d = pfd.StudentT(df=3.0, loc=0.0, scale=1.0)
        >>> round(float(d.log_prob(0.0)), 4)
        -1.0009
        >>> float(d.cdf(0.0)), float(d.variance())
        (0.5, 3.0)
        >>> import math; math.isnan(float(pfd.StudentT(1.0, 0.0, 1.0).mean()))
        True
    """

    df: jax.Array
    loc: jax.Array
    scale: jax.Array
    reparameterized = True

    def __init__(self, df: ArrayLike, loc: ArrayLike, scale: ArrayLike, *,
                 validate_args: bool = False, name: str | None = None):
        df, loc, scale = promote_floats(df, loc, scale)
        self._set(df=df, loc=loc, scale=scale, validate_args=validate_args, name=name)
        self._validate(checks.positive("df", df), checks.positive("scale", scale))

    @property
    def support(self) -> constraints.Constraint:
        return constraints.real

    def _sample(self, key, sample_shape):
        shape = sample_shape + self.batch_shape
        t = _t_standard_sample(key, self.df, shape, self.dtype)
        return self.loc + self.scale * t

    def _z(self, value):
        return (value - self.loc) / self.scale

    def _log_prob(self, value):
        return _t_log_density(self.df, self._z(value)) - jnp.log(self.scale)

    def _lower_tail(self, z):
        # P(T <= -|z|) = P(|T| > |z|) / 2
        return 0.5 * _t_two_sided(self.df, z)[1]

    def _cdf(self, value):
        z = self._z(value)
        tail = self._lower_tail(z)
        return jnp.where(z < 0, tail, 1.0 - tail)

    def _log_cdf(self, value):
        z = self._z(value)
        tail = self._lower_tail(z)
        return jnp.where(z < 0, jnp.log(tail), jnp.log1p(-tail))

    def _survival_function(self, value):
        z = self._z(value)
        tail = self._lower_tail(z)
        return jnp.where(z > 0, tail, 1.0 - tail)

    def _log_survival_function(self, value):
        z = self._z(value)
        tail = self._lower_tail(z)
        return jnp.where(z > 0, jnp.log(tail), jnp.log1p(-tail))

    def _mean(self):
        loc = jnp.broadcast_to(self.loc, self.batch_shape)
        return jnp.where(self.df > 1.0, loc, jnp.nan)

    def _variance(self):
        df_safe = jnp.where(self.df > 2.0, self.df, 3.0)
        var = jnp.square(self.scale) * df_safe / (df_safe - 2.0)
        var = jnp.broadcast_to(var, self.batch_shape)
        return jnp.where(self.df > 2.0, var, jnp.where(self.df > 1.0, jnp.inf, jnp.nan))

    def _mode(self):
        return jnp.broadcast_to(self.loc, self.batch_shape)

    def _entropy(self):
        return jnp.broadcast_to(_t_entropy(self.df) + jnp.log(self.scale), self.batch_shape)


class HalfStudentT(Distribution):
    """Half Student's t: ``loc + scale * |T|`` with ``T`` a standard t with ``df`` degrees.

    Density ``2 t_df((x - loc) / scale) / scale`` for ``x >= loc``, ``-inf`` below.
    ``cdf = I_{z^2/(df+z^2)}(1/2, df/2)`` and ``survival = I_{df/(df+z^2)}(df/2, 1/2)``,
    each evaluated directly. The mean
    ``loc + 2 scale sqrt(df/pi) Gamma((df+1)/2) / (Gamma(df/2) (df-1))`` is NaN for
    ``df <= 1``; the variance is ``inf`` for ``1 < df <= 2`` and NaN for ``df <= 1``.
    Sampling is reparameterized.

    Args:
        df: degrees of freedom, positive.
        loc: lower end of the support.
        scale: scale, positive. All three broadcast to ``batch_shape``.

    Examples:
        >>> import probflow.distributions as pfd
        >>> d = pfd.HalfStudentT(df=3.0, loc=0.0, scale=1.0)
        >>> round(float(d.mean()), 4)
        1.1027
        >>> float(d.log_prob(-0.5))
        -inf
    """

    df: jax.Array
    loc: jax.Array
    scale: jax.Array
    reparameterized = True

    def __init__(self, df: ArrayLike, loc: ArrayLike, scale: ArrayLike, *,
                 validate_args: bool = False, name: str | None = None):
        df, loc, scale = promote_floats(df, loc, scale)
        self._set(df=df, loc=loc, scale=scale, validate_args=validate_args, name=name)
        self._validate(checks.positive("df", df), checks.positive("scale", scale))

    @property
    def support(self) -> constraints.Constraint:
        return constraints.GreaterThan(self.loc, closed=True)

    def _sample(self, key, sample_shape):
        shape = sample_shape + self.batch_shape
        t = _t_standard_sample(key, self.df, shape, self.dtype)
        return self.loc + self.scale * jnp.abs(t)

    def _z(self, value):
        # standardized value, replaced by 0 (a safe in-support point) below loc
        return jnp.where(value >= self.loc, value - self.loc, 0.0) / self.scale

    def _log_prob(self, value):
        lp = _LOG_2 + _t_log_density(self.df, self._z(value)) - jnp.log(self.scale)
        return jnp.where(value >= self.loc, lp, -jnp.inf)

    def _cdf(self, value):
        p_in, _ = _t_two_sided(self.df, self._z(value))
        return jnp.where(value >= self.loc, p_in, 0.0)

    def _log_cdf(self, value):
        p_in, p_out = _t_two_sided(self.df, self._z(value))
        small = p_in < 0.5
        # each branch sees a safe input where it is not selected (finite gradients)
        lc = jnp.where(
            small, jnp.log(jnp.where(small, p_in, 0.5)), jnp.log1p(-jnp.where(small, 0.5, p_out))
        )
        return jnp.where(value >= self.loc, lc, -jnp.inf)

    def _survival_function(self, value):
        _, p_out = _t_two_sided(self.df, self._z(value))
        return jnp.where(value >= self.loc, p_out, 1.0)

    def _log_survival_function(self, value):
        p_in, p_out = _t_two_sided(self.df, self._z(value))
        small = p_out < 0.5
        ls = jnp.where(
            small, jnp.log(jnp.where(small, p_out, 0.5)), jnp.log1p(-jnp.where(small, 0.5, p_in))
        )
        return jnp.where(value >= self.loc, ls, 0.0)

    def _standard_mean(self, df_safe):
        log_ratio = special.gammaln(0.5 * (df_safe + 1.0)) - special.gammaln(0.5 * df_safe)
        return 2.0 * jnp.sqrt(df_safe / math.pi) * jnp.exp(log_ratio) / (df_safe - 1.0)

    def _mean(self):
        df_safe = jnp.where(self.df > 1.0, self.df, 2.0)
        mean = self.loc + self.scale * self._standard_mean(df_safe)
        return jnp.where(self.df > 1.0, jnp.broadcast_to(mean, self.batch_shape), jnp.nan)

    def _variance(self):
        df_safe = jnp.where(self.df > 2.0, self.df, 3.0)
        m = self._standard_mean(df_safe)
        var = jnp.square(self.scale) * (df_safe / (df_safe - 2.0) - jnp.square(m))
        var = jnp.broadcast_to(var, self.batch_shape)
        return jnp.where(self.df > 2.0, var, jnp.where(self.df > 1.0, jnp.inf, jnp.nan))

    def _mode(self):
        return jnp.broadcast_to(self.loc, self.batch_shape)

    def _entropy(self):
        ent = _t_entropy(self.df) + jnp.log(self.scale) - _LOG_2
        return jnp.broadcast_to(ent, self.batch_shape)


class Cauchy(Distribution):
    """Cauchy distribution with location ``loc`` and scale ``scale``.

    ``log_prob(x) = -log(pi) - log(scale) - log(1 + z**2)``, ``z = (x - loc) / scale``;
    ``cdf(x) = atan2(1, -z) / pi`` and ``survival(x) = atan2(1, z) / pi``, accurate in
    both tails. Mean and variance do not exist (NaN, as in TFP); mode is ``loc``.
    Sampling is reparameterized.

    Args:
        loc: location (median and mode).
        scale: half width at half maximum, positive.

    Examples:
        >>> import probflow.distributions as pfd
        >>> d = pfd.Cauchy(loc=1.0, scale=2.0)
        >>> float(d.cdf(1.0)), float(d.quantile(0.75))
        (0.5, 3.0)
    """

    loc: jax.Array
    scale: jax.Array
    reparameterized = True

    def __init__(self, loc: ArrayLike, scale: ArrayLike, *, validate_args: bool = False,
                 name: str | None = None):
        loc, scale = promote_floats(loc, scale)
        self._set(loc=loc, scale=scale, validate_args=validate_args, name=name)
        self._validate(checks.positive("scale", scale))

    @property
    def support(self) -> constraints.Constraint:
        return constraints.real

    def _sample(self, key, sample_shape):
        eps = jax.random.cauchy(key, sample_shape + self.batch_shape, dtype=self.dtype)
        return self.loc + self.scale * eps

    def _z(self, value):
        return (value - self.loc) / self.scale

    def _log_prob(self, value):
        return -_LOG_PI - jnp.log(self.scale) - _log1p_square(self._z(value))

    def _cdf(self, value):
        return jnp.arctan2(1.0, -self._z(value)) / math.pi

    def _log_cdf(self, value):
        return jnp.log(jnp.arctan2(1.0, -self._z(value))) - _LOG_PI

    def _survival_function(self, value):
        return jnp.arctan2(1.0, self._z(value)) / math.pi

    def _log_survival_function(self, value):
        return jnp.log(jnp.arctan2(1.0, self._z(value))) - _LOG_PI

    def _quantile(self, value):
        return self.loc + self.scale * jnp.tan(math.pi * (value - 0.5))

    def _mean(self):
        return jnp.full(self.batch_shape, jnp.nan, dtype=self.dtype)

    def _variance(self):
        return jnp.full(self.batch_shape, jnp.nan, dtype=self.dtype)

    def _mode(self):
        return jnp.broadcast_to(self.loc, self.batch_shape)

    def _entropy(self):
        return jnp.broadcast_to(math.log(4.0 * math.pi) + jnp.log(self.scale), self.batch_shape)


@register_kl(Cauchy, Cauchy)
def _kl_cauchy_cauchy(p: Cauchy, q: Cauchy):
    # KL = log(((s_p + s_q)^2 + (l_p - l_q)^2) / (4 s_p s_q))  (Chyzak & Nielsen, 2019)
    num = jnp.square(p.scale + q.scale) + jnp.square(p.loc - q.loc)
    return jnp.log(num) - jnp.log(4.0 * p.scale * q.scale)


class HalfCauchy(Distribution):
    """Half-Cauchy distribution: ``loc + scale * |C|`` with ``C`` standard Cauchy.

    ``log_prob(x) = log(2/pi) - log(scale) - log(1 + z**2)`` for ``x >= loc``, ``-inf``
    below. ``cdf = 2 atan(z) / pi`` and ``survival = 2 atan2(1, z) / pi`` (accurate in
    the right tail). Mean and variance are NaN (as in TFP); mode is ``loc``. Sampling is
    reparameterized.

    Args:
        loc: lower end of the support.
        scale: scale, positive.

    Examples:
        >>> import probflow.distributions as pfd
        >>> d = pfd.HalfCauchy(loc=0.0, scale=5.0)
        >>> round(float(d.quantile(0.5)), 4)
        5.0
        >>> float(d.log_prob(-1.0))
        -inf
    """

    loc: jax.Array
    scale: jax.Array
    reparameterized = True

    def __init__(self, loc: ArrayLike, scale: ArrayLike, *, validate_args: bool = False,
                 name: str | None = None):
        loc, scale = promote_floats(loc, scale)
        self._set(loc=loc, scale=scale, validate_args=validate_args, name=name)
        self._validate(checks.positive("scale", scale))

    @property
    def support(self) -> constraints.Constraint:
        return constraints.GreaterThan(self.loc, closed=True)

    def _sample(self, key, sample_shape):
        eps = jax.random.cauchy(key, sample_shape + self.batch_shape, dtype=self.dtype)
        return self.loc + self.scale * jnp.abs(eps)

    def _z(self, value):
        return jnp.where(value >= self.loc, value - self.loc, 0.0) / self.scale

    def _log_prob(self, value):
        lp = _LOG_2 - _LOG_PI - jnp.log(self.scale) - _log1p_square(self._z(value))
        return jnp.where(value >= self.loc, lp, -jnp.inf)

    def _cdf(self, value):
        return jnp.where(value >= self.loc, jnp.arctan(self._z(value)) * (2.0 / math.pi), 0.0)

    def _log_cdf(self, value):
        lc = jnp.log(jnp.arctan(self._z(value))) + _LOG_2 - _LOG_PI
        return jnp.where(value >= self.loc, lc, -jnp.inf)

    def _survival_function(self, value):
        sf = jnp.arctan2(1.0, self._z(value)) * (2.0 / math.pi)
        return jnp.where(value >= self.loc, sf, 1.0)

    def _log_survival_function(self, value):
        ls = jnp.log(jnp.arctan2(1.0, self._z(value))) + _LOG_2 - _LOG_PI
        return jnp.where(value >= self.loc, ls, 0.0)

    def _quantile(self, value):
        return self.loc + self.scale * jnp.tan(0.5 * math.pi * value)

    def _mean(self):
        return jnp.full(self.batch_shape, jnp.nan, dtype=self.dtype)

    def _variance(self):
        return jnp.full(self.batch_shape, jnp.nan, dtype=self.dtype)

    def _mode(self):
        return jnp.broadcast_to(self.loc, self.batch_shape)

    def _entropy(self):
        return jnp.broadcast_to(math.log(2.0 * math.pi) + jnp.log(self.scale), self.batch_shape)
