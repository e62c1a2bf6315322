"""The normal distribution and its relatives: HalfNormal and LogNormal."""

from __future__ import annotations

import math

import jax
import jax.numpy as jnp
from jax.scipy import special

from probflow.core import checks
from probflow.core.numerics import promote_floats
from probflow.distributions import constraints
from probflow.distributions.distribution import Distribution
from probflow.distributions.kl import register_kl
from probflow.typing import ArrayLike

__all__ = ["Normal", "HalfNormal", "LogNormal"]

_HALF_LOG_2PI = 0.5 * math.log(2.0 * math.pi)
_LOG_2 = math.log(2.0)
_SQRT_2 = math.sqrt(2.0)


class Normal(Distribution):
    """Normal (Gaussian) distribution with mean ``loc`` and standard deviation ``scale``.

    ``log_prob(x) = -((x - loc) / scale)**2 / 2 - log(scale) - log(2 pi) / 2``.
    Sampling is reparameterized. ``log_cdf`` uses ``log_ndtr`` and stays accurate
    far in the left tail (``log_cdf(-40)`` is finite, as is its gradient).

    Args:
        loc: mean; any shape, broadcast with ``scale``.
        scale: standard deviation, positive.

    Examples:
        >>> import jax, jax.numpy as jnp
        >>> import probflow.distributions as pfd
        >>> d = pfd.Normal(loc=0.0, scale=2.0)
        >>> x = d.sample(jax.random.key(0), (1000,))
        >>> x.shape
        (1000,)
        >>> float(d.log_prob(0.0))  # doctest: +ELLIPSIS
        -1.612...
        >>> float(d.cdf(0.0))
        0.5
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
        shape = sample_shape + self.batch_shape
        eps = jax.random.normal(key, shape, dtype=self.dtype)
        return self.loc + self.scale * eps

    def _log_prob(self, value):
        z = (value - self.loc) / self.scale
        return -0.5 * jnp.square(z) - jnp.log(self.scale) - _HALF_LOG_2PI

    def _z(self, value):
        return (value - self.loc) / self.scale

    def _cdf(self, value):
        return special.ndtr(self._z(value))

    def _log_cdf(self, value):
        return special.log_ndtr(self._z(value))

    def _survival_function(self, value):
        return special.ndtr(-self._z(value))

    def _log_survival_function(self, value):
        return special.log_ndtr(-self._z(value))

    def _quantile(self, value):
        return self.loc + self.scale * special.ndtri(value)

    def _mean(self):
        return jnp.broadcast_to(self.loc, self.batch_shape)

    def _stddev(self):
        return jnp.broadcast_to(self.scale, self.batch_shape)

    def _mode(self):
        return self._mean()

    def _entropy(self):
        return jnp.broadcast_to(0.5 + _HALF_LOG_2PI + jnp.log(self.scale), self.batch_shape)


@register_kl(Normal, Normal)
def _kl_normal_normal(p: Normal, q: Normal):
    ratio = jnp.square(p.scale / q.scale)
    diff = jnp.square((p.loc - q.loc) / q.scale)
    return 0.5 * (ratio + diff - 1.0 - jnp.log(ratio))


class HalfNormal(Distribution):
    """Half-normal distribution: ``|Z| * scale`` with ``Z`` standard normal.

    ``log_prob(x) = log(2) - log(scale) - log(2 pi) / 2 - (x / scale)**2 / 2`` for ``x >= 0``
    and ``-inf`` for ``x < 0``. ``cdf(x) = erf(x / (scale sqrt(2)))``; the survival function
    is ``2 ndtr(-x / scale)``, so ``log_survival_function`` stays accurate far in the tail.
    Sampling is reparameterized.

    Args:
        scale: scale of the underlying normal, positive; defines ``batch_shape``.

    Examples:
        >>> import jax
        >>> import probflow.distributions as pfd
        >>> d = pfd.HalfNormal(scale=2.0)
        >>> d.sample(jax.random.key(0), (4,)).shape
        (4,)
        >>> round(float(d.mean()), 4)
        1.5958
        >>> float(d.log_prob(-1.0))
        -inf
    """

    scale: jax.Array
    reparameterized = True

    def __init__(self, scale: ArrayLike, *, validate_args: bool = False, name: str | None = None):
        (scale,) = promote_floats(scale)
        self._set(scale=scale, validate_args=validate_args, name=name)
        self._validate(checks.positive("scale", scale))

    @property
    def support(self) -> constraints.Constraint:
        return constraints.nonnegative

    def _sample(self, key, sample_shape):
        eps = jax.random.normal(key, sample_shape + self.batch_shape, dtype=self.dtype)
        return self.scale * jnp.abs(eps)

    def _log_prob(self, value):
        inside = value >= 0
        z = jnp.where(inside, value, 0.0) / self.scale
        lp = _LOG_2 - _HALF_LOG_2PI - jnp.log(self.scale) - 0.5 * jnp.square(z)
        return jnp.where(inside, lp, -jnp.inf)

    def _w(self, value):
        # erf argument x / (scale sqrt 2) at a safe point (0) outside the support.
        return jnp.where(value >= 0, value, 0.0) / (self.scale * _SQRT_2)

    def _cdf(self, value):
        return special.erf(self._w(value))

    def _log_cdf(self, value):
        w = self._w(value)
        small = w < 1.0
        lc_small = jnp.log(special.erf(jnp.where(small, w, 1.0)))
        lc_large = jnp.log1p(-special.erfc(jnp.where(small, 1.0, w)))
        return jnp.where(value >= 0, jnp.where(small, lc_small, lc_large), -jnp.inf)

    def _survival_function(self, value):
        return special.erfc(self._w(value))

    def _log_survival_function(self, value):
        z = jnp.where(value >= 0, value, 0.0) / self.scale
        return jnp.where(value >= 0, _LOG_2 + special.log_ndtr(-z), 0.0)

    def _quantile(self, value):
        return self.scale * _SQRT_2 * special.erfinv(value)

    def _mean(self):
        return self.scale * math.sqrt(2.0 / math.pi)

    def _variance(self):
        return jnp.square(self.scale) * (1.0 - 2.0 / math.pi)

    def _mode(self):
        return jnp.zeros_like(self.scale)

    def _entropy(self):
        return 0.5 * math.log(0.5 * math.pi) + jnp.log(self.scale) + 0.5


@register_kl(HalfNormal, HalfNormal)
def _kl_half_normal(p: HalfNormal, q: HalfNormal):
    ratio = jnp.square(p.scale / q.scale)
    return 0.5 * (ratio - 1.0 - jnp.log(ratio))


class LogNormal(Distribution):
    """Log-normal distribution: ``exp(Y)`` with ``Y ~ Normal(loc, scale)``.

    ``log_prob(x) = Normal(loc, scale).log_prob(log x) - log x`` for ``x > 0`` and ``-inf``
    otherwise; the cumulative functions are those of the normal at ``log x`` (``log_ndtr``
    in both tails). Sampling is reparameterized.

    Args:
        loc: mean of ``log X``; broadcast with ``scale``.
        scale: standard deviation of ``log X``, positive.

    Examples:
        >>> import probflow.distributions as pfd
        >>> d = pfd.LogNormal(loc=0.0, scale=1.0)
        >>> round(float(d.mean()), 4)
        1.6487
        >>> float(d.cdf(1.0))
        0.5
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
        return constraints.positive

    def _sample(self, key, sample_shape):
        eps = jax.random.normal(key, sample_shape + self.batch_shape, dtype=self.dtype)
        return jnp.exp(self.loc + self.scale * eps)

    def _log_prob(self, value):
        inside = value > 0
        log_x = jnp.log(jnp.where(inside, value, 1.0))
        z = (log_x - self.loc) / self.scale
        lp = -0.5 * jnp.square(z) - jnp.log(self.scale) - _HALF_LOG_2PI - log_x
        return jnp.where(inside, lp, -jnp.inf)

    def _z(self, value):
        log_x = jnp.log(jnp.where(value > 0, value, 1.0))
        return (log_x - self.loc) / self.scale

    def _cdf(self, value):
        return jnp.where(value > 0, special.ndtr(self._z(value)), 0.0)

    def _log_cdf(self, value):
        return jnp.where(value > 0, special.log_ndtr(self._z(value)), -jnp.inf)

    def _survival_function(self, value):
        return jnp.where(value > 0, special.ndtr(-self._z(value)), 1.0)

    def _log_survival_function(self, value):
        return jnp.where(value > 0, special.log_ndtr(-self._z(value)), 0.0)

    def _quantile(self, value):
        return jnp.exp(self.loc + self.scale * special.ndtri(value))

    def _mean(self):
        return jnp.exp(self.loc + 0.5 * jnp.square(self.scale))

    def _variance(self):
        s2 = jnp.square(self.scale)
        return jnp.expm1(s2) * jnp.exp(2.0 * self.loc + s2)

    def _mode(self):
        return jnp.exp(self.loc - jnp.square(self.scale))

    def _entropy(self):
        return jnp.broadcast_to(
            self.loc + 0.5 + _HALF_LOG_2PI + jnp.log(self.scale), self.batch_shape
        )


@register_kl(LogNormal, LogNormal)
def _kl_log_normal(p: LogNormal, q: LogNormal):
    # KL is invariant under the common bijection exp, so it equals the normals' KL.
    ratio = jnp.square(p.scale / q.scale)
    diff = jnp.square((p.loc - q.loc) / q.scale)
    return 0.5 * (ratio + diff - 1.0 - jnp.log(ratio))
