"""The negative binomial, geometric and zero-inflated negative binomial distributions.

All three follow TFP's conventions: ``probs`` is the probability of a *success*,
and the variable counts successes before a number of failures
(``NegativeBinomial``) or failures before the first success (``Geometric``).
"""

from __future__ import annotations

import math

import jax
import jax.numpy as jnp
from jax.scipy import special

from probflow.core import checks
from probflow.core.numerics import binomial_deviance, stirling_error, two_product
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
from probflow.distributions.kl import register_kl
from probflow.distributions.poisson import (
    _sample_counts,
    _zero_inflated_log_prob,
    _zero_inflated_sample,
)
from probflow.typing import Array, ArrayLike

__all__ = ["NegativeBinomial", "Geometric", "ZeroInflatedNegativeBinomial"]

_TWO_PI = 2.0 * math.pi


def _count_value(value, dtype):
    k = value.astype(dtype)
    ok = (k >= 0) & _is_integer(k)
    return ok, jnp.where(ok, k, 0.0)


def _half_open_unit(name, value):
    return checks.Check(name, value, lambda v: (v >= 0) & (v < 1), "in [0, 1)")


def _q_from(logits, probs):
    """``1 - p`` without cancellation when ``logits`` are given."""
    return jax.nn.sigmoid(-logits) if logits is not None else 1.0 - probs


def _odds_from(logits, probs):
    """``p / (1 - p)``."""
    return jnp.exp(logits) if logits is not None else probs / (1.0 - probs)


@jax.jit  # one compiled kernel (many small ops): fast eager calls, inlined under jit
def _nb_log_prob(k, r, logits, probs):
    """NB log mass at whole ``k >= 0`` of ``C(k + r - 1, k) p**k (1 - p)**r``, in saddle-point form.

    As R's ``dnbinom`` (Loader 2000), with ``N = r + k``: ``r log(1 - p)`` at ``k = 0`` and

        stirling_error(N) - stirling_error(r) - stirling_error(k) - bd0(r, N (1 - p))
        - bd0(k, N p) - log(2 pi k) / 2 - log1p(k / r) / 2

    above, with the differences ``r - N (1 - p) = -(k - N p) = r p - k (1 - p)`` formed
    without ``N`` (``r + k`` rounds to ``r`` in float32 when ``k`` is small against ``r``).
    Accurate in float32 for huge counts, where ``lgamma`` differences cancel.
    """
    log_p, log_q = _log_pair(logits, probs)
    p, q = _probs_pair(logits, probs)
    k, r, p, q, log_p, log_q = jnp.broadcast_arrays(k, r, p, q, log_p, log_q)
    never = log_p == -jnp.inf  # p = 0: a point mass at 0
    positive = (k > 0) & ~never
    k_in = jnp.where(positive, k, 1.0)
    r_in = jnp.where(positive, r, 1.0)
    p_in = jnp.where(positive, p, 0.5)
    q_in = jnp.where(positive, q, 0.5)
    log_n = jnp.log(r_in + k_in)
    # r - N q = r p - k q, with the rounding errors of the products (two_product) and, for
    # probs, of q = 1 - p ((1 - q) - p is exact) put back: float32 keeps the mean's digits.
    q_low = 0.0 if probs is None else (1.0 - q_in) - p_in
    rp_high, rp_low = two_product(r_in, p_in)
    kq_high, kq_low = two_product(k_in, q_in)
    diff = (rp_high - kq_high) + (rp_low - kq_low - k_in * q_low)
    saddle = (
        stirling_error(r_in + k_in)
        - stirling_error(r_in)
        - stirling_error(k_in)
        - binomial_deviance(
            r_in, (r_in + k_in) * q_in, log_mean=log_n + jnp.where(positive, log_q, 0.0),
            difference=diff,
        )
        - binomial_deviance(
            k_in, (r_in + k_in) * p_in, log_mean=log_n + jnp.where(positive, log_p, 0.0),
            difference=-diff,
        )
        - 0.5 * jnp.log(_TWO_PI * k_in)
        - 0.5 * jnp.log1p(k_in / r_in)
    )
    return jnp.where(k == 0, r * log_q, jnp.where(never, -jnp.inf, saddle))


def _nb_cdf(value, r, logits, probs):
    k = jnp.floor(value)
    ok = k >= 0
    k_safe = jnp.where(ok, k, 0.0)
    return jnp.where(ok, special.betainc(r, k_safe + 1.0, _q_from(logits, probs)), 0.0)


def _nb_sample(key, r, logits, probs, shape, dtype):
    """Gamma-Poisson mixture: ``lam ~ Gamma(r) * p / (1 - p)``, ``X ~ Poisson(lam)``."""
    key_gamma, key_poisson = jax.random.split(key)
    gamma = _gamma_draws.gamma(key_gamma, r, shape, dtype)
    rate = gamma * _odds_from(logits, probs)
    return _sample_counts(key_poisson, rate, shape, dtype)


class NegativeBinomial(Distribution):
    """Negative binomial: successes before ``total_count`` failures, success probability ``probs``.

    ``P(X = k) = C(k + r - 1, k) p**k (1 - p)**r`` for ``k = 0, 1, ...`` with
    ``r = total_count > 0`` (any positive real) and ``p = probs = sigmoid(logits)``.
    Mean ``r p / (1 - p)``, variance ``r p / (1 - p)**2``. The cdf is the
    regularised incomplete beta function ``P(X <= k) = I_{1 - p}(r, floor(k) + 1)``.
    ``log_prob`` uses Loader's saddle-point form (as R's ``dnbinom``), accurate in float32
    for huge counts and ``total_count``. Sampling uses the gamma-Poisson mixture (not
    reparameterized); samples are floats holding whole numbers.

    This is TFP's convention; scipy's ``nbinom(n, p)`` is the same law with
    ``n = total_count`` and ``p = 1 - probs``.

    Args:
        total_count: number of failures ``r``, positive.
        logits: log-odds of a success.
        probs: probability of a success, in ``[0, 1)``.

    Examples:
        >>> import probflow.distributions as pfd
        >>> d = pfd.NegativeBinomial(total_count=3.0, probs=0.25)
        >>> float(d.mean())
        1.0
        >>> float(d.prob(0.0))  # doctest: +ELLIPSIS
        0.4218...
    """

    total_count: jax.Array
    logits: jax.Array | None
    probs: jax.Array | None
    infinite_params = {"logits": "-inf"}

    def __init__(
        self,
        total_count: ArrayLike,
        logits: ArrayLike | None = None,
        probs: ArrayLike | None = None,
        *,
        validate_args: bool = False,
        name: str | None = None,
    ):
        _required("NegativeBinomial", total_count=total_count)
        _exactly_one("NegativeBinomial", logits=logits, probs=probs)
        count, logits, probs = _promote_optional(total_count, logits, probs)
        self._set(
            total_count=count,
            logits=logits,
            probs=probs,
            validate_args=validate_args,
            name=name,
        )
        self._validate(
            checks.positive("total_count", count),
            _half_open_unit("probs", probs),
        )

    @property
    def support(self) -> constraints.Constraint:
        return constraints.nonnegative_integer

    def probs_parameter(self) -> Array:
        """``probs``, computed from ``logits`` when those were given."""
        return _probs_from(self.logits, self.probs)

    def logits_parameter(self) -> Array:
        """``logits``, computed from ``probs`` when those were given."""
        return _logits_from(self.logits, self.probs)

    def _sample(self, key, sample_shape):
        shape = sample_shape + self.batch_shape
        return _nb_sample(key, self.total_count, self.logits, self.probs, shape, self.dtype)

    def _log_prob(self, value):
        ok, k = _count_value(value, self.dtype)
        lp = _nb_log_prob(k, self.total_count, self.logits, self.probs)
        return jnp.where(ok, lp, -jnp.inf)

    def _cdf(self, value):
        return _nb_cdf(value.astype(self.dtype), self.total_count, self.logits, self.probs)

    def _survival_function(self, value):
        k = jnp.floor(value.astype(self.dtype))
        ok = k >= 0
        k_safe = jnp.where(ok, k, 0.0)
        inner = special.betainc(k_safe + 1.0, self.total_count, self.probs_parameter())
        return jnp.where(ok, inner, 1.0)

    def _mean(self):
        mean = self.total_count * _odds_from(self.logits, self.probs)
        return jnp.broadcast_to(mean, self.batch_shape)

    def _variance(self):
        var = self._mean() / _q_from(self.logits, self.probs)
        return jnp.broadcast_to(var, self.batch_shape)

    def _mode(self):
        r = self.total_count
        mode = jnp.where(r > 1, jnp.floor((r - 1.0) * _odds_from(self.logits, self.probs)), 0.0)
        return jnp.broadcast_to(mode, self.batch_shape)


class Geometric(Distribution):
    """Geometric distribution: failures before the first success, success probability ``probs``.

    ``P(X = k) = (1 - p)**k p`` for ``k = 0, 1, ...`` with ``p = probs = sigmoid(logits)``
    in ``(0, 1]``. The cdf has the closed form ``1 - (1 - p)**(floor(k) + 1)``,
    evaluated as ``-expm1((floor(k) + 1) log1p(-p))``; ``log_survival_function`` is
    exact in the far right tail. Sampling inverts the cdf of an exponential draw;
    samples are floats holding whole numbers.

    Args:
        logits: log-odds of a success.
        probs: probability of a success, in ``(0, 1]``.

    Examples:
        >>> import probflow.distributions as pfd
        >>> d = pfd.Geometric(probs=0.5)
        >>> float(d.prob(1.0)), float(d.cdf(1.0)), float(d.mean())
        (0.25, 0.75, 1.0)
    """

    logits: jax.Array | None
    probs: jax.Array | None
    infinite_params = {"logits": "+inf"}

    def __init__(self, logits: ArrayLike | None = None, probs: ArrayLike | None = None, *,
                 validate_args: bool = False, name: str | None = None):
        _exactly_one("Geometric", logits=logits, probs=probs)
        logits, probs = _promote_optional(logits, probs)
        self._set(logits=logits, probs=probs, validate_args=validate_args, name=name)
        self._validate(checks.Check("probs", probs, lambda v: (v > 0) & (v <= 1), "in (0, 1]"))

    @property
    def support(self) -> constraints.Constraint:
        return constraints.nonnegative_integer

    def probs_parameter(self) -> Array:
        """``probs``, computed from ``logits`` when those were given."""
        return _probs_from(self.logits, self.probs)

    def logits_parameter(self) -> Array:
        """``logits``, computed from ``probs`` when those were given."""
        return _logits_from(self.logits, self.probs)

    def _sample(self, key, sample_shape):
        shape = sample_shape + self.batch_shape
        _, log_q = _log_pair(self.logits, self.probs)
        e = jax.random.exponential(key, shape, dtype=self.dtype)
        return jnp.floor(e / -log_q)

    def _log_prob(self, value):
        ok, k = _count_value(value, self.dtype)
        log_p, log_q = _log_pair(self.logits, self.probs)
        return jnp.where(ok, _mul_log(k, log_q) + log_p, -jnp.inf)

    def _log_survival_function(self, value):
        k = jnp.floor(value.astype(self.dtype))
        ok = k >= 0
        k_safe = jnp.where(ok, k, 0.0)
        _, log_q = _log_pair(self.logits, self.probs)
        return jnp.where(ok, _mul_log(k_safe + 1.0, log_q), 0.0)

    def _survival_function(self, value):
        return jnp.exp(self._log_survival_function(value))

    def _cdf(self, value):
        return 0.0 - jnp.expm1(self._log_survival_function(value))

    def _mean(self):
        return jnp.broadcast_to(1.0 / _odds_from(self.logits, self.probs), self.batch_shape)

    def _variance(self):
        p = self.probs_parameter()
        return jnp.broadcast_to(self._mean() / p, self.batch_shape)

    def _mode(self):
        return jnp.zeros(self.batch_shape, self.dtype)

    def _entropy(self):
        log_p, log_q = _log_pair(self.logits, self.probs)
        p, q = jnp.exp(log_p), jnp.exp(log_q)
        h = -(_mul_log(q, log_q) + _mul_log(p, log_p)) / p
        return jnp.broadcast_to(h, self.batch_shape)


@register_kl(Geometric, Geometric)
def _kl_geometric_geometric(p: Geometric, q: Geometric):
    log_p1, log_q1 = _log_pair(p.logits, p.probs)
    log_p2, log_q2 = _log_pair(q.logits, q.probs)
    # KL = log(p1 / p2) + E[k] (log q1 - log q2), E[k] = q1 / p1.
    mean = jnp.exp(log_q1 - log_p1)
    return log_p1 - log_p2 + _mul_log(mean, log_q1) - _mul_log(mean, log_q2)


class ZeroInflatedNegativeBinomial(Distribution):
    """Negative binomial with extra mass at zero.

    With probability ``gate`` the draw is a structural zero, otherwise it is
    ``NegativeBinomial(total_count, logits/probs)`` (TFP's convention, see
    [`NegativeBinomial`][probflow.distributions.negative_binomial.NegativeBinomial]): ``P(X = 0) = g
    + (1 - g) (1 - p)**r`` and
    ``P(X = k) = (1 - g) NB(k)`` for ``k >= 1``. With ``m`` and ``v`` the negative
    binomial's mean and variance, the mean is ``(1 - g) m`` and the variance
    ``(1 - g) (v + g m**2)``.

    Give exactly one of ``logits``/``probs`` and exactly one of ``gate`` (the
    probability of a structural zero, in ``[0, 1]``; NumPyro's name) / ``gate_logits``
    (``gate = sigmoid(gate_logits)``) / TFP's ``inflated_loc_probs`` (the same as ``gate``)
    / TFP's ``inflated_loc_logits``. TFP builds the zero-or-count choice as a categorical
    with logits ``[l, -l]``, so ``inflated_loc_logits=l`` gives
    ``gate = softmax([l, -l])[0] = sigmoid(2 l)``, *not* ``sigmoid(l)``; probflow does the
    same, so TFP code gives TFP's numbers (it is stored as ``gate_logits = 2 l``).

    Args:
        total_count: number of failures ``r`` of the negative binomial, positive.
        logits, probs: success log-odds / probability of the negative binomial.
        gate, gate_logits: probability (log-odds) of a structural zero (NumPyro's names).
        inflated_loc_probs, inflated_loc_logits: TFP's names, keyword-only (see above).

    Examples:
        >>> import probflow.distributions as pfd
        >>> d = pfd.ZeroInflatedNegativeBinomial(total_count=2.0, probs=0.5, gate=0.5)
        >>> float(d.mean()), float(d.prob(0.0))
        (1.0, 0.625)
        >>> t = pfd.ZeroInflatedNegativeBinomial(2.0, probs=0.5, inflated_loc_logits=0.0)
        >>> float(t.inflated_loc_probs), float(t.prob(0.0))
        (0.5, 0.625)
    """

    total_count: jax.Array
    logits: jax.Array | None
    probs: jax.Array | None
    gate: jax.Array | None
    gate_logits: jax.Array | None
    infinite_params = {"logits": "-inf", "gate_logits": "inf"}

    def __init__(
        self,
        total_count: ArrayLike,
        logits: ArrayLike | None = None,
        probs: ArrayLike | None = None,
        gate: ArrayLike | None = None,
        gate_logits: ArrayLike | None = None,
        *,
        inflated_loc_probs: ArrayLike | None = None,
        inflated_loc_logits: ArrayLike | None = None,
        validate_args: bool = False,
        name: str | None = None,
    ):
        _required("ZeroInflatedNegativeBinomial", total_count=total_count)
        _exactly_one("ZeroInflatedNegativeBinomial", logits=logits, probs=probs)
        _exactly_one("ZeroInflatedNegativeBinomial", gate=gate, gate_logits=gate_logits,
                     inflated_loc_probs=inflated_loc_probs,
                     inflated_loc_logits=inflated_loc_logits)
        gate_name = "gate"
        if inflated_loc_probs is not None:
            gate, gate_name = inflated_loc_probs, "inflated_loc_probs"
        if inflated_loc_logits is not None:
            (loc_logits,) = _promote_optional(inflated_loc_logits)
            assert loc_logits is not None  # not None in, not None out
            gate_logits = 2.0 * loc_logits  # TFP: softmax([l, -l])[0] = sigmoid(2 l)
        count, logits, probs, gate, gate_logits = _promote_optional(
            total_count, logits, probs, gate, gate_logits
        )
        self._set(
            total_count=count,
            logits=logits,
            probs=probs,
            gate=gate,
            gate_logits=gate_logits,
            validate_args=validate_args,
            name=name,
        )
        self._validate(
            checks.positive("total_count", count),
            _half_open_unit("probs", probs),
            checks.in_unit_interval(gate_name, gate),
        )

    @property
    def support(self) -> constraints.Constraint:
        return constraints.nonnegative_integer

    def gate_parameter(self) -> Array:
        """``gate`` (probability of a structural zero), from ``gate_logits`` if needed."""
        return _probs_from(self.gate_logits, self.gate)

    @property
    def inflated_loc_probs(self) -> Array:
        """TFP's name for the probability of a structural zero (``gate``)."""
        return self.gate_parameter()

    @property
    def inflated_loc_logits(self) -> Array:
        """TFP's ``inflated_loc_logits``: half the log-odds of a structural zero."""
        return 0.5 * _logits_from(self.gate_logits, self.gate)

    def _sample(self, key, sample_shape):
        shape = sample_shape + self.batch_shape
        r, logits, probs = self.total_count, self.logits, self.probs
        return _zero_inflated_sample(
            key,
            lambda k: _nb_sample(k, r, logits, probs, shape, self.dtype),
            self.gate_parameter(),
            shape,
            self.dtype,
        )

    def _log_prob(self, value):
        ok, k = _count_value(value, self.dtype)
        base = _nb_log_prob(k, self.total_count, self.logits, self.probs)
        return _zero_inflated_log_prob(ok, k, base, self.gate, self.gate_logits)

    def _cdf(self, value):
        x = value.astype(self.dtype)
        g = self.gate_parameter()
        base = _nb_cdf(x, self.total_count, self.logits, self.probs)
        return jnp.where(x < 0, 0.0, g + (1.0 - g) * base)

    def _mean(self):
        m = self.total_count * _odds_from(self.logits, self.probs)
        return jnp.broadcast_to((1.0 - self.gate_parameter()) * m, self.batch_shape)

    def _variance(self):
        g = self.gate_parameter()
        m = self.total_count * _odds_from(self.logits, self.probs)
        v = m / _q_from(self.logits, self.probs)
        return jnp.broadcast_to((1.0 - g) * (v + g * jnp.square(m)), self.batch_shape)
