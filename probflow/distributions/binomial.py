"""The binomial and beta-binomial distributions."""

from __future__ import annotations

import math

import jax
import jax.numpy as jnp
from jax.scipy import special

from probflow.core import checks
from probflow.core.numerics import (
    binomial_deviance,
    promote_floats,
    stirling_error,
    two_product,
)
from probflow.core.numerics import log_beta as _log_beta
from probflow.distributions import _gamma_draws, constraints
from probflow.distributions.bernoulli import (
    _exactly_one,
    _is_integer,
    _log_pair,
    _logits_from,
    _mul_log,
    _probs_from,
    _probs_pair,
    _promote_optional,
    _required,
)
from probflow.distributions.distribution import Distribution
from probflow.typing import Array, ArrayLike, PRNGKey

__all__ = ["Binomial", "BetaBinomial"]

_LOG_2 = math.log(2.0)
_LOG_2PI = math.log(2.0 * math.pi)


def _log_choose(n, k):
    """``log(n choose k)`` as ``-log1p(n) - log B(k + 1, n - k + 1)``, stable for large counts."""
    return -jnp.log1p(n) - _log_beta(k + 1.0, n - k + 1.0)


@jax.jit  # one compiled kernel (many small ops): fast eager calls, inlined under jit
def _binomial_log_prob(n, k, logits, probs):
    """Binomial log mass at whole ``0 <= k <= n``: Loader's saddle-point form (R's ``dbinom``).

    ``n log(1 - p)`` at ``k = 0``, ``n log p`` at ``k = n`` and in between
    ``stirling_error(n) - stirling_error(k) - stirling_error(n - k) - bd0(k, n p)
    - bd0(n - k, n (1 - p)) - log(2 pi k (n - k) / n) / 2``; accurate in float32 for counts
    in the hundreds of millions, where ``log C(n, k) + k log p + (n - k) log(1 - p)`` cancels.
    """
    log_p, log_q = _log_pair(logits, probs)
    p, q = _probs_pair(logits, probs)
    n, k, p, q, log_p, log_q = jnp.broadcast_arrays(n, k, p, q, log_p, log_q)
    degenerate = (log_p == -jnp.inf) | (log_q == -jnp.inf)
    inside = (k > 0) & (k < n) & ~degenerate
    n_in = jnp.where(inside, n, 2.0)
    k_in = jnp.where(inside, k, 1.0)
    p_in = jnp.where(inside, p, 0.5)
    q_in = jnp.where(inside, q, 0.5)
    log_n = jnp.log(n_in)
    log_p_in = jnp.where(inside, log_p, -_LOG_2)
    log_q_in = jnp.where(inside, log_q, -_LOG_2)
    # k - n p, from whichever of p and q is the smaller (more accurate) one, with the rounding
    # error of the product put back (two_product), so float32 keeps the digits of the mean.
    np_high, np_low = two_product(n_in, p_in)
    nq_high, nq_low = two_product(n_in, q_in)
    diff = jnp.where(p_in < 0.5, (k_in - np_high) - np_low, (nq_high - (n_in - k_in)) + nq_low)
    saddle = (
        stirling_error(n_in)
        - stirling_error(k_in)
        - stirling_error(n_in - k_in)
        - binomial_deviance(k_in, np_high, log_mean=log_n + log_p_in, difference=diff)
        - binomial_deviance(n_in - k_in, nq_high, log_mean=log_n + log_q_in, difference=-diff)
        - 0.5 * (_LOG_2PI + jnp.log(k_in) + jnp.log1p(-k_in / n_in))
    )
    # n log(1 - p) at k = 0, n log p at k = n (both, i.e. 0, when n = 0).
    at_ends = jnp.where(k == 0, _mul_log(n, log_q), 0.0) + jnp.where(
        k == n, _mul_log(n, log_p), 0.0
    )
    between = jnp.where(degenerate, -jnp.inf, saddle)
    return jnp.where((k == 0) | (k == n), at_ends, between)


def _count_value(value, total_count, dtype):
    """Cast ``value``, find where it is a whole number in ``[0, total_count]``, and a safe copy."""
    k = value.astype(dtype)
    ok = (k >= 0) & (k <= total_count) & _is_integer(k)
    return k, ok, jnp.where(ok, k, 0.0)


class Binomial(Distribution):
    """Binomial distribution: the number of successes in ``total_count`` Bernoulli trials.

    ``P(X = k) = C(n, k) p**k (1 - p)**(n - k)`` for ``k = 0, ..., n``, with
    ``n = total_count`` and ``p = probs = sigmoid(logits)``. Give exactly one of
    ``logits`` and ``probs``. ``log_prob`` uses Loader's saddle-point form (as R's ``dbinom``),
    accurate in float32 for counts in the hundreds of millions, and is ``-inf`` outside
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
    infinite_params = {"logits": "inf"}

    def __init__(
        self,
        total_count: ArrayLike,
        logits: ArrayLike | None = None,
        probs: ArrayLike | None = None,
        *,
        validate_args: bool = False,
        name: str | None = None,
    ):
        _required("Binomial", total_count=total_count)
        _exactly_one("Binomial", logits=logits, probs=probs)
        count, logits, probs = _promote_optional(total_count, logits, probs)
        self._set(
            total_count=count,
            logits=logits,
            probs=probs,
            validate_args=validate_args,
            name=name,
        )
        self._validate(
            checks.integer_valued("total_count", count),
            checks.in_unit_interval("probs", probs),
        )

    @property
    def support(self) -> constraints.Constraint:
        return constraints.IntegerInterval(0.0, self.total_count)

    def probs_parameter(self) -> Array:
        """``probs``, computed from ``logits`` when those were given."""
        return _probs_from(self.logits, self.probs)

    def logits_parameter(self) -> Array:
        """``logits``, computed from ``probs`` when those were given."""
        return _logits_from(self.logits, self.probs)

    def _q(self) -> Array:
        """``1 - p``, computed without cancellation from ``logits``."""
        if self.logits is not None:
            return jax.nn.sigmoid(-self.logits)
        assert self.probs is not None  # exactly one of the two is given
        return 1.0 - self.probs

    def _sample(self, key, sample_shape):
        shape = sample_shape + self.batch_shape
        n = jnp.broadcast_to(self.total_count, shape)
        p = jnp.broadcast_to(self.probs_parameter(), shape)
        return jax.random.binomial(key, n, p, shape, dtype=self.dtype)

    def _log_prob(self, value):
        n = self.total_count
        _, ok, k = _count_value(value, n, self.dtype)
        lp = _binomial_log_prob(n, k, self.logits, self.probs)
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
        total_count: ArrayLike,
        concentration1: ArrayLike,
        concentration0: ArrayLike,
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
    def support(self) -> constraints.Constraint:
        return constraints.IntegerInterval(0.0, self.total_count)

    def _sample(self, key: PRNGKey, sample_shape: tuple[int, ...]) -> Array:
        key_probs, key_counts = jax.random.split(key)
        shape = sample_shape + self.batch_shape
        p = _gamma_draws.beta(
            key_probs, self.concentration1, self.concentration0, shape, self.dtype
        )
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
