"""The binomial and beta-binomial distributions."""

from __future__ import annotations

import math

import jax
import jax.numpy as jnp
from jax.scipy import special

from probflow.core import checks
from probflow.core.numerics import promote_floats
from probflow.distributions import constraints
from probflow.distributions.bernoulli import (
    _exactly_one,
    _is_integer,
    _log_pair,
    _logits_from,
    _mul_log,
    _probs_from,
    _promote_optional,
)
from probflow.distributions.distribution import Distribution

__all__ = ["Binomial", "BetaBinomial"]


# Stirling-series coefficients B_2j / (2j (2j - 1)) of
# lgamma(x) - [(x - 1/2) log x - x + log(2 pi) / 2], in powers of 1 / x**2.
_STIRLING = (
    1 / 12,
    -1 / 360,
    1 / 1260,
    -1 / 1680,
    1 / 1188,
    -691 / 360360,
    1 / 156,
    -3617 / 122400,
)
_HALF_LOG_2PI = 0.5 * math.log(2.0 * math.pi)
_STIRLING_FROM = 8.0


def _stirling_correction(x):
    """``lgamma(x) - ((x - 1/2) log x - x + log(2 pi) / 2)`` for ``x >= 8`` (error < 1e-16)."""
    inv = 1.0 / x
    inv2 = inv * inv
    total = jnp.zeros_like(x)
    for c in reversed(_STIRLING):
        total = total * inv2 + c
    return total * inv


def _log_beta(a, b):
    """``log B(a, b)`` for ``a, b > 0``, accurate to a few ulps of the result's terms.

    ``jax.scipy.special.betaln`` loses about 1e-6 (absolute) when the larger argument
    is 8 or more and the smaller is small (e.g. ``betaln(3, 8)``), which is visible in
    binomial masses at rtol 1e-6; and ``lgamma(a) + lgamma(b) - lgamma(a + b)`` cancels
    catastrophically for large counts. Here ``lgamma(b) - lgamma(a + b)`` is expanded
    with Stirling's series once the larger argument reaches 8, and ``lgamma`` of the
    smaller argument is expanded too when it also reaches 8.
    """
    a, b = jnp.broadcast_arrays(a, b)
    lo, hi = jnp.minimum(a, b), jnp.maximum(a, b)
    both_small = hi < _STIRLING_FROM
    lo_small = lo < _STIRLING_FROM
    # Both arguments small: plain lgamma terms (no cancellation at this size).
    lo1, hi1 = jnp.where(both_small, lo, 1.0), jnp.where(both_small, hi, 1.0)
    direct = special.gammaln(lo1) + special.gammaln(hi1) - special.gammaln(lo1 + hi1)
    # hi >= 8: lgamma(hi) - lgamma(lo + hi) = -(hi - 1/2) log1p(lo / hi) - lo log(lo + hi) + lo
    #          + corr(hi) - corr(lo + hi).
    hi2 = jnp.where(both_small, _STIRLING_FROM, hi)
    lo2 = jnp.where(both_small, 1.0, lo)
    total = lo2 + hi2
    tail = (
        -(hi2 - 0.5) * jnp.log1p(lo2 / hi2)
        + _stirling_correction(hi2)
        - _stirling_correction(total)
    )
    lo3 = jnp.where(lo_small, lo2, 1.0)
    one_large = special.gammaln(lo3) - lo3 * jnp.log(total) + lo3 + tail
    lo4 = jnp.where(lo_small, _STIRLING_FROM, lo2)
    total4 = lo4 + hi2
    both_large = (
        _HALF_LOG_2PI
        - 0.5 * jnp.log(total4)
        - (lo4 - 0.5) * jnp.log1p(hi2 / lo4)
        + _stirling_correction(lo4)
        - (hi2 - 0.5) * jnp.log1p(lo4 / hi2)
        + _stirling_correction(hi2)
        - _stirling_correction(total4)
    )
    return jnp.where(both_small, direct, jnp.where(lo_small, one_large, both_large))


def _log_choose(n, k):
    """``log(n choose k)`` as ``-log1p(n) - log B(k + 1, n - k + 1)``, stable for large counts."""
    return -jnp.log1p(n) - _log_beta(k + 1.0, n - k + 1.0)


def _count_value(value, total_count, dtype):
    """Cast ``value``, find where it is a whole number in ``[0, total_count]``, and a safe copy."""
    k = value.astype(dtype)
    ok = (k >= 0) & (k <= total_count) & _is_integer(k)
    return k, ok, jnp.where(ok, k, 0.0)


class Binomial(Distribution):
    """Binomial distribution: the number of successes in ``total_count`` Bernoulli trials.

    ``P(X = k) = C(n, k) p**k (1 - p)**(n - k)`` for ``k = 0, ..., n``, with
    ``n = total_count`` and ``p = probs = sigmoid(logits)``. Give exactly one of
    ``logits`` and ``probs``. ``log(C(n, k))`` is ``-log1p(n) - log B(k + 1, n - k + 1)`` with a
    Stirling-series log-beta, accurate for counts in the millions. ``log_prob`` is ``-inf`` outside
    ``{0, ..., n}`` and at non-integers.

    The cdf is the regularised incomplete beta function,
    ``P(X <= k) = I_{1 - p}(n - k, k + 1)``; gradients of the cdf exist with
    respect to ``probs``/``logits`` (JAX's ``betainc`` has none in its first two
    arguments, so not with respect to ``total_count``). Samples are floats (the
    parameters' dtype) holding whole numbers, as in TFP. Not reparameterized.

    Args:
        total_count: number of trials ``n``, a non-negative integer (stored as float).
        logits: log-odds of success; broadcasts with ``total_count``.
        probs: probability of success in ``[0, 1]``.

    Examples:
        >>> import jax
        >>> import probflow.distributions as pfd
        >>> d = pfd.Binomial(total_count=10, probs=0.3)
        >>> round(float(d.mean()), 4), round(float(d.variance()), 4)
        (3.0, 2.1)
        >>> float(d.prob(3.0))  # doctest: +ELLIPSIS
        0.2668...
        >>> float(d.log_prob(2.5))
        -inf
        >>> d.sample(jax.random.key(0), (2,)).shape
        (2,)
    """

    total_count: jax.Array
    logits: jax.Array | None
    probs: jax.Array | None

    def __init__(
        self,
        total_count,
        logits=None,
        probs=None,
        *,
        validate_args: bool = False,
        name: str | None = None,
    ):
        _exactly_one("Binomial", logits=logits, probs=probs)
        total_count, logits, probs = _promote_optional(total_count, logits, probs)
        self._set(
            total_count=total_count,
            logits=logits,
            probs=probs,
            validate_args=validate_args,
            name=name,
        )
        self._validate(
            checks.integer_valued("total_count", total_count),
            checks.in_unit_interval("probs", probs),
        )

    @property
    def support(self):
        return constraints.IntegerInterval(0.0, self.total_count)

    def probs_parameter(self):
        """``probs``, computed from ``logits`` when those were given."""
        return _probs_from(self.logits, self.probs)

    def logits_parameter(self):
        """``logits``, computed from ``probs`` when those were given."""
        return _logits_from(self.logits, self.probs)

    def _q(self):
        """``1 - p``, computed without cancellation from ``logits``."""
        if self.logits is not None:
            return jax.nn.sigmoid(-self.logits)
        return 1.0 - self.probs

    def _sample(self, key, sample_shape):
        shape = sample_shape + self.batch_shape
        n = jnp.broadcast_to(self.total_count, shape)
        p = jnp.broadcast_to(self.probs_parameter(), shape)
        return jax.random.binomial(key, n, p, shape, dtype=self.dtype)

    def _log_prob(self, value):
        n = self.total_count
        _, ok, k = _count_value(value, n, self.dtype)
        log_p, log_q = _log_pair(self.logits, self.probs)
        lp = _log_choose(n, k) + _mul_log(k, log_p) + _mul_log(n - k, log_q)
        return jnp.where(ok, lp, -jnp.inf)

    def _cdf(self, value):
        n = self.total_count
        k = jnp.floor(value.astype(self.dtype))
        inside = (k >= 0) & (k < n)
        k_safe = jnp.where(inside, k, 0.0)
        a = jnp.where(inside, n - k_safe, 1.0)
        inner = special.betainc(a, k_safe + 1.0, self._q())
        return jnp.where(k < 0, 0.0, jnp.where(inside, inner, 1.0))

    def _survival_function(self, value):
        n = self.total_count
        k = jnp.floor(value.astype(self.dtype))
        inside = (k >= 0) & (k < n)
        k_safe = jnp.where(inside, k, 0.0)
        b = jnp.where(inside, n - k_safe, 1.0)
        inner = special.betainc(k_safe + 1.0, b, self.probs_parameter())
        return jnp.where(k < 0, 1.0, jnp.where(inside, inner, 0.0))

    def _mean(self):
        return jnp.broadcast_to(self.total_count * self.probs_parameter(), self.batch_shape)

    def _variance(self):
        var = self.total_count * self.probs_parameter() * self._q()
        return jnp.broadcast_to(var, self.batch_shape)

    def _mode(self):
        n = self.total_count
        mode = jnp.minimum(jnp.floor((n + 1.0) * self.probs_parameter()), n)
        return jnp.broadcast_to(mode, self.batch_shape)


class BetaBinomial(Distribution):
    """Beta-binomial distribution: a binomial whose success probability is Beta distributed.

    With ``n = total_count``, ``a = concentration1`` and ``b = concentration0``,
    ``P(X = k) = C(n, k) B(k + a, n - k + b) / B(a, b)`` for ``k = 0, ..., n``
    (``B`` the beta function); equivalently ``p ~ Beta(a, b)``, ``X | p ~ Binomial(n, p)``.
    Mean ``n a / (a + b)``, variance ``n a b (a + b + n) / ((a + b)**2 (a + b + 1))``.
    Sampling draws ``p`` then ``X`` (not reparameterized); samples are floats
    holding whole numbers.

    Args:
        total_count: number of trials ``n``, a non-negative integer (stored as float).
        concentration1: ``a > 0``, the Beta prior's pseudo-count of successes.
        concentration0: ``b > 0``, the Beta prior's pseudo-count of failures.

    Examples:
        >>> import probflow.distributions as pfd
        >>> d = pfd.BetaBinomial(total_count=5, concentration1=1.0, concentration0=1.0)
        >>> float(d.prob(2.0))  # uniform on {0, ..., 5}  # doctest: +ELLIPSIS
        0.1666...
        >>> float(d.mean())
        2.5
    """

    total_count: jax.Array
    concentration1: jax.Array
    concentration0: jax.Array

    def __init__(
        self,
        total_count,
        concentration1,
        concentration0,
        *,
        validate_args: bool = False,
        name: str | None = None,
    ):
        total_count, concentration1, concentration0 = promote_floats(
            total_count, concentration1, concentration0
        )
        self._set(
            total_count=total_count,
            concentration1=concentration1,
            concentration0=concentration0,
            validate_args=validate_args,
            name=name,
        )
        self._validate(
            checks.integer_valued("total_count", total_count),
            checks.positive("concentration1", concentration1),
            checks.positive("concentration0", concentration0),
        )

    @property
    def support(self):
        return constraints.IntegerInterval(0.0, self.total_count)

    def _sample(self, key, sample_shape):
        key_probs, key_counts = jax.random.split(key)
        shape = sample_shape + self.batch_shape
        a = jnp.broadcast_to(self.concentration1, shape)
        b = jnp.broadcast_to(self.concentration0, shape)
        p = jax.random.beta(key_probs, a, b, shape, dtype=self.dtype)
        n = jnp.broadcast_to(self.total_count, shape)
        return jax.random.binomial(key_counts, n, p, shape, dtype=self.dtype)

    def _log_prob(self, value):
        n, a, b = self.total_count, self.concentration1, self.concentration0
        _, ok, k = _count_value(value, n, self.dtype)
        lp = _log_choose(n, k) + _log_beta(k + a, n - k + b) - _log_beta(a, b)
        return jnp.where(ok, lp, -jnp.inf)

    def _mean(self):
        n, a, b = self.total_count, self.concentration1, self.concentration0
        return jnp.broadcast_to(n * a / (a + b), self.batch_shape)

    def _variance(self):
        n, a, b = self.total_count, self.concentration1, self.concentration0
        s = a + b
        var = n * a * b * (s + n) / (jnp.square(s) * (s + 1.0))
        return jnp.broadcast_to(var, self.batch_shape)
