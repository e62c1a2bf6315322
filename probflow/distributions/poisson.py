"""The Poisson and zero-inflated Poisson distributions."""

from __future__ import annotations

import math

import jax
import jax.numpy as jnp
from jax.scipy import special

from probflow.core import checks
from probflow.core.numerics import binomial_deviance, stirling_error
from probflow.distributions import constraints
from probflow.distributions.bernoulli import (
    _exactly_one,
    _is_integer,
    _log_pair,
    _mul_log,
    _probs_from,
    _promote_optional,
    _safe_log,
)
from probflow.distributions.distribution import Distribution
from probflow.distributions.kl import register_kl
from probflow.typing import Array, ArrayLike

__all__ = ["Poisson", "ZeroInflatedPoisson"]

_TWO_PI = 2.0 * math.pi


def _count_value(value, dtype):
    """Cast ``value``; mask of non-negative whole numbers; a safe copy (0 elsewhere)."""
    k = value.astype(dtype)
    ok = (k >= 0) & _is_integer(k)
    return ok, jnp.where(ok, k, 0.0)


@jax.jit  # one compiled kernel (many small ops): fast eager calls, inlined under jit
def _poisson_log_prob(k, rate, log_rate):
    """Poisson log mass at whole ``k >= 0`` from ``rate`` or ``log_rate``.

    Loader's saddle-point form, as R's ``dpois``: ``-rate`` at ``k = 0`` and
    ``-stirling_error(k) - bd0(k, rate) - log(2 pi k) / 2`` above, which keeps float32
    accurate at huge counts (``k log(rate) - rate - lgamma(k + 1)`` cancels to nothing
    there: ``Poisson(1e8).log_prob(1e8)`` came out as 0 instead of -10.13).
    """
    if log_rate is not None:
        rate = jnp.exp(log_rate)
    else:
        log_rate = _safe_log(rate)
    k, rate, log_rate = jnp.broadcast_arrays(k, rate, log_rate)
    dead = log_rate == -jnp.inf  # rate 0: a point mass at 0
    positive = (k > 0) & ~dead
    k_safe = jnp.where(positive, k, 1.0)
    rate_safe = jnp.where(positive, rate, 1.0)
    log_rate_safe = jnp.where(positive, log_rate, 0.0)
    saddle = (
        -stirling_error(k_safe)
        - binomial_deviance(k_safe, rate_safe, log_mean=log_rate_safe)
        - 0.5 * jnp.log(_TWO_PI * k_safe)
    )
    at_zero = jnp.where(dead, 0.0, -rate)
    return jnp.where(k == 0, at_zero, jnp.where(dead, -jnp.inf, saddle))


def _floor_inside(value):
    """``(k, inside, k_safe)``: ``k = floor(value)``, ``inside`` for finite ``k >= 0``."""
    k = jnp.floor(value)
    inside = (k >= 0) & jnp.isfinite(k)
    return k, inside, jnp.where(inside, k, 0.0)


def _poisson_cdf(value, rate):
    k, inside, k_safe = _floor_inside(value)
    outside = jnp.where(k < 0, 0.0, 1.0)
    return jnp.where(inside, special.gammaincc(k_safe + 1.0, rate), outside)


def _poisson_survival(value, rate):
    k, inside, k_safe = _floor_inside(value)
    outside = jnp.where(k < 0, 1.0, 0.0)
    return jnp.where(inside, special.gammainc(k_safe + 1.0, rate), outside)


def _sample_counts(key, rate, shape, dtype):
    """Poisson counts as floats of ``dtype`` (JAX draws integers; int64 when x64 is on)."""
    counts = jax.random.poisson(key, jnp.broadcast_to(rate, shape), shape)
    return counts.astype(dtype)


# -- zero inflation, shared with negative_binomial.py ---------------------------------------------


def _zero_inflated_log_prob(ok, k, base_log_prob, gate, gate_logits):
    """``log(g 1[k=0] + (1 - g) base(k))`` stably, ``-inf`` where ``ok`` is false."""
    log_g, log_1mg = _log_pair(gate_logits, gate)
    nonzero = log_1mg + base_log_prob
    lp = jnp.where(k == 0, jnp.logaddexp(log_g, nonzero), nonzero)
    return jnp.where(ok, lp, -jnp.inf)


def _zero_inflated_sample(key, base_sample_fn, gate_probs, shape, dtype):
    key_gate, key_base = jax.random.split(key)
    structural_zero = jax.random.uniform(key_gate, shape, dtype=dtype) < gate_probs
    return jnp.where(structural_zero, 0.0, base_sample_fn(key_base)).astype(dtype)


# -- Poisson ------------------------------------------------------------------------------------


class Poisson(Distribution):
    """Poisson distribution with mean ``rate``.

    ``P(X = k) = rate**k exp(-rate) / k!`` for ``k = 0, 1, 2, ...``. Give exactly one
    of ``rate`` and ``log_rate``. ``log_prob`` is ``-inf`` at negative or
    non-integer values (TFP's ``force_probs_to_zero_outside_support=True``
    behaviour) and uses Loader's saddle-point form (as R's ``dpois``), so it stays
    accurate in float32 for huge counts (``Poisson(1e8).log_prob(1e8)`` is -10.13). The cdf
    is the regularised upper incomplete gamma function,
    ``P(X <= k) = Q(floor(k) + 1, rate)``. Samples are floats (the parameter's
    dtype) holding whole numbers; not reparameterized.

    Args:
        rate: mean, non-negative (``rate = 0`` is a point mass at 0).
        log_rate: log of the mean, any real.

    Examples:
        >>> import jax
        >>> import probflow.distributions as pfd
        >>> d = pfd.Poisson(rate=3.0)
        >>> float(d.log_prob(2.0))  # doctest: +ELLIPSIS
        -1.4959...
        >>> float(d.cdf(2.5)) == float(d.cdf(2.0))
        True
        >>> d.sample(jax.random.key(0), (3,)).dtype
        dtype('float32')
    """

    rate: jax.Array | None
    log_rate: jax.Array | None
    infinite_params = {"log_rate": "-inf"}

    def __init__(self, rate: ArrayLike | None = None, log_rate: ArrayLike | None = None, *,
                 validate_args: bool = False, name: str | None = None):
        _exactly_one("Poisson", rate=rate, log_rate=log_rate)
        rate, log_rate = _promote_optional(rate, log_rate)
        self._set(rate=rate, log_rate=log_rate, validate_args=validate_args, name=name)
        self._validate(checks.nonnegative("rate", rate))

    @property
    def support(self) -> constraints.Constraint:
        return constraints.nonnegative_integer

    def rate_parameter(self) -> Array:
        """``rate``, computed from ``log_rate`` when that was given."""
        if self.log_rate is not None:
            return jnp.exp(self.log_rate)
        assert self.rate is not None  # exactly one of the two is given
        return self.rate

    def log_rate_parameter(self) -> Array:
        """``log_rate``, computed from ``rate`` when that was given."""
        return self.log_rate if self.log_rate is not None else _safe_log(self.rate)

    def _sample(self, key, sample_shape):
        shape = sample_shape + self.batch_shape
        return _sample_counts(key, self.rate_parameter(), shape, self.dtype)

    def _log_prob(self, value):
        ok, k = _count_value(value, self.dtype)
        lp = _poisson_log_prob(k, self.rate, self.log_rate)
        return jnp.where(ok, lp, -jnp.inf)

    def _cdf(self, value):
        return _poisson_cdf(value.astype(self.dtype), self.rate_parameter())

    def _survival_function(self, value):
        return _poisson_survival(value.astype(self.dtype), self.rate_parameter())

    def _mean(self):
        return jnp.broadcast_to(self.rate_parameter(), self.batch_shape)

    def _variance(self):
        return self._mean()

    def _mode(self):
        return jnp.floor(self._mean())


@register_kl(Poisson, Poisson)
def _kl_poisson_poisson(p: Poisson, q: Poisson):
    rate_p, rate_q = p.rate_parameter(), q.rate_parameter()
    log_ratio = p.log_rate_parameter() - q.log_rate_parameter()
    return _mul_log(rate_p, log_ratio) - rate_p + rate_q


# -- zero-inflated Poisson ----------------------------------------------------------------------


class ZeroInflatedPoisson(Distribution):
    """Poisson distribution with extra mass at zero.

    With probability ``gate`` the draw is a structural zero, otherwise it is
    ``Poisson(rate)``: ``P(X = 0) = g + (1 - g) exp(-rate)`` and
    ``P(X = k) = (1 - g) rate**k exp(-rate) / k!`` for ``k >= 1``. Mean
    ``(1 - g) rate``, variance ``(1 - g) rate (1 + g rate)``.

    Give exactly one of ``rate``/``log_rate`` and exactly one of ``gate`` (the
    probability of a structural zero, in ``[0, 1]``) / ``gate_logits``
    (``logit(gate)``). TFP has no class of this name (it builds the family with
    ``Inflated``); the names follow TFP's ``probs``/``logits`` convention.

    Examples:
        >>> import probflow.distributions as pfd
        >>> d = pfd.ZeroInflatedPoisson(rate=2.0, gate=0.25)
        >>> float(d.mean())
        1.5
        >>> float(d.prob(0.0))  # doctest: +ELLIPSIS
        0.3515...
    """

    rate: jax.Array | None
    log_rate: jax.Array | None
    gate: jax.Array | None
    gate_logits: jax.Array | None
    infinite_params = {"log_rate": "-inf", "gate_logits": "inf"}

    def __init__(
        self,
        rate: ArrayLike | None = None,
        log_rate: ArrayLike | None = None,
        gate: ArrayLike | None = None,
        gate_logits: ArrayLike | None = None,
        *,
        validate_args: bool = False,
        name: str | None = None,
    ):
        _exactly_one("ZeroInflatedPoisson", rate=rate, log_rate=log_rate)
        _exactly_one("ZeroInflatedPoisson", gate=gate, gate_logits=gate_logits)
        rate, log_rate, gate, gate_logits = _promote_optional(rate, log_rate, gate, gate_logits)
        self._set(
            rate=rate,
            log_rate=log_rate,
            gate=gate,
            gate_logits=gate_logits,
            validate_args=validate_args,
            name=name,
        )
        self._validate(checks.nonnegative("rate", rate), checks.in_unit_interval("gate", gate))

    @property
    def support(self) -> constraints.Constraint:
        return constraints.nonnegative_integer

    def rate_parameter(self) -> Array:
        """``rate``, computed from ``log_rate`` when that was given."""
        if self.log_rate is not None:
            return jnp.exp(self.log_rate)
        assert self.rate is not None  # exactly one of the two is given
        return self.rate

    def gate_parameter(self) -> Array:
        """``gate`` (probability of a structural zero), from ``gate_logits`` if needed."""
        return _probs_from(self.gate_logits, self.gate)

    def _sample(self, key, sample_shape):
        shape = sample_shape + self.batch_shape
        rate = self.rate_parameter()
        return _zero_inflated_sample(
            key,
            lambda k: _sample_counts(k, rate, shape, self.dtype),
            self.gate_parameter(),
            shape,
            self.dtype,
        )

    def _log_prob(self, value):
        ok, k = _count_value(value, self.dtype)
        base = _poisson_log_prob(k, self.rate, self.log_rate)
        return _zero_inflated_log_prob(ok, k, base, self.gate, self.gate_logits)

    def _cdf(self, value):
        x = value.astype(self.dtype)
        g = self.gate_parameter()
        base = _poisson_cdf(x, self.rate_parameter())
        return jnp.where(x < 0, 0.0, g + (1.0 - g) * base)

    def _mean(self):
        g = self.gate_parameter()
        return jnp.broadcast_to((1.0 - g) * self.rate_parameter(), self.batch_shape)

    def _variance(self):
        g, rate = self.gate_parameter(), self.rate_parameter()
        return jnp.broadcast_to((1.0 - g) * rate * (1.0 + g * rate), self.batch_shape)
