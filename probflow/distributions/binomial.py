"""The binomial and beta-binomial distributions."""

from __future__ import annotations

import jax
import jax.numpy as jnp
from jax.scipy import special

from probflow.core import checks
from probflow.core.numerics import log_beta as _log_beta
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
