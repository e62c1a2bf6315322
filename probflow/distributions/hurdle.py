"""Hurdle models (NumPyro's and brms's): a gate decides zero or positive, a base gives the size.

``HurdleDistribution`` wraps any scalar base; ``HurdlePoisson``, ``HurdleNegativeBinomial``,
``HurdleGamma`` and ``HurdleLogNormal`` build the base from their parameters.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any, cast

import jax
import jax.numpy as jnp

from probflow.core import checks
from probflow.core.errors import ParameterError
from probflow.core.numerics import log1mexp
from probflow.distributions._wrappers import (
    array_finiteness_checks,
    check_scalar_base,
    expand_draws,
)
from probflow.distributions.bernoulli import _exactly_one, _log_pair, _probs_from, _promote_optional
from probflow.distributions.distribution import Distribution
from probflow.distributions.gamma import Gamma
from probflow.distributions.inflated import PointInflatedSupport
from probflow.distributions.negative_binomial import NegativeBinomial
from probflow.distributions.normal import LogNormal
from probflow.distributions.poisson import Poisson, _sample_counts
from probflow.typing import Array, ArrayLike

__all__ = [
    "HurdleDistribution",
    "HurdlePoisson",
    "HurdleNegativeBinomial",
    "HurdleGamma",
    "HurdleLogNormal",
]


def _required(owner: str, name: str, value: ArrayLike | None) -> ArrayLike:
    """``value``, or a ``ParameterError`` naming ``owner`` when a required base parameter is
    missing (``None``, the default that lets ``gate`` come first)."""
    if value is None:
        raise ParameterError(f"{owner}: {name} must be given")
    return value


def _build_base(owner: str, factory: Callable[[], Distribution]) -> Distribution:
    """Build a hurdle's base; a parameter error names the hurdle class first."""
    try:
        return factory()
    except ParameterError as err:
        raise ParameterError(f"{owner}: {err}") from err


@functools.partial(jax.jit, static_argnums=2)  # one compiled loop per base structure and shape
def _positive_draws(key, base, sample_shape):
    """Draws of a discrete ``base`` given ``X > 0``: zeros are redrawn until none is left."""
    key, key_first = jax.random.split(key)

    def redraw(state):
        key, current = state
        key, key_draw = jax.random.split(key)
        return key, jnp.where(current == 0, base.sample(key_draw, sample_shape), current)

    first = base.sample(key_first, sample_shape)
    _, draws = jax.lax.while_loop(lambda s: jnp.any(s[1] == 0), redraw, (key, first))
    return draws


class HurdleDistribution(Distribution):
    """Hurdle model: zero with probability ``gate``, else a positive draw of ``base_dist``.

    ``P(X = 0) = g``. Above zero, a discrete base is truncated at zero,
    ``P(X = k) = (1 - g) B(k) / (1 - B(0))`` for ``k >= 1``, and a continuous base on
    ``(0, inf)`` is used as it is, density ``(1 - g) b(x)`` for ``x > 0``. Every zero is a
    structural zero (unlike a zero-inflated model, where the base adds its own zeros).
    ``gate`` is the probability of a zero, as in NumPyro's ``HurdleProbs`` and brms's
    ``hu`` (PyMC's ``psi`` is ``1 - gate``). With the base's mean ``m``, variance ``v``
    and ``B(0)`` (0 for a continuous base): mean ``(1 - g) m / (1 - B(0))``, variance
    ``(1 - g) (v + m**2) / (1 - B(0)) - mean**2``; ``cdf(x) = g + (1 - g) (F(x) - B(0)) /
    (1 - B(0))`` for ``x >= 0``. Sampling redraws the base's zeros (a ``while_loop``;
    ``1 / (1 - B(0))`` rounds expected) for a discrete base.

    Args:
        base_dist: scalar base: counts, or a continuous distribution on ``(0, inf)``.
        gate: probability of a zero, in ``[0, 1]``.
        gate_logits: log-odds of a zero (give exactly one of ``gate``, ``gate_logits``).

    Examples:
        >>> import probflow.distributions as pfd
        >>> d = pfd.HurdleDistribution(pfd.Poisson(2.0), gate=0.3)
        >>> round(float(d.prob(0.0)), 4), round(float(d.prob(1.0)), 4)
        (0.3, 0.2191)
    """

    base_dist: Distribution
    gate: jax.Array | None
    gate_logits: jax.Array | None
    infinite_params = {"gate_logits": "inf"}

    def __init__(self, base_dist: Distribution, gate: ArrayLike | None = None,
                 gate_logits: ArrayLike | None = None, *, validate_args: bool = False,
                 name: str | None = None):
        self._init(type(self).__name__, base_dist, gate, gate_logits, validate_args, name)

    def _init(self, owner, base_dist, gate, gate_logits, validate_args, name):
        check_scalar_base(owner, base_dist)
        _exactly_one(owner, gate=gate, gate_logits=gate_logits)
        gate, gate_logits = _promote_optional(gate, gate_logits)
        self._set(base_dist=base_dist, gate=gate, gate_logits=gate_logits,
                  validate_args=validate_args, name=name)
        self._validate(checks.in_unit_interval("gate", gate))
        _ = self.batch_shape

    def _finiteness_checks(self):
        return array_finiteness_checks(self)

    @property
    def batch_shape(self) -> tuple[int, ...]:
        gate = self.gate if self.gate is not None else self.gate_logits
        assert gate is not None  # exactly one of gate and gate_logits is given
        return tuple(jnp.broadcast_shapes(self.base_dist.batch_shape, jnp.shape(gate)))

    @property
    def dtype(self) -> Any:
        return self.base_dist.dtype

    @property
    def support(self) -> PointInflatedSupport:
        zero = jnp.zeros((), self.dtype if jnp.issubdtype(self.dtype, jnp.floating)
                         else jnp.float32)
        return PointInflatedSupport(self.base_dist.support, zero, zero, zero)

    @property
    def is_discrete(self) -> bool:
        return self.base_dist.is_discrete

    def gate_parameter(self) -> Array:
        """``gate``, the probability of a zero (from ``gate_logits`` when those were given)."""
        return _probs_from(self.gate_logits, self.gate)

    def _log_positive_mass(self):
        """``log(1 - B(0))``: 0 for a continuous base."""
        if not self.base_dist.is_discrete:
            return jnp.zeros(())
        return log1mexp(self.base_dist.log_prob(jnp.zeros((), self.dtype)))

    def _draw_positive(self, key, sample_shape):
        """Draws of the base given ``X > 0`` (zeros redrawn for a discrete base)."""
        if not self.base_dist.is_discrete:
            return self.base_dist.sample(key, sample_shape)
        return _positive_draws(key, self.base_dist, tuple(sample_shape))

    def _sample(self, key, sample_shape):
        key_gate, key_base = jax.random.split(key)
        shape = sample_shape + self.batch_shape
        positive = expand_draws(self._draw_positive(key_base, sample_shape), sample_shape,
                                self.batch_shape)
        g = self.gate_parameter()
        zero = jax.random.uniform(key_gate, shape, dtype=jnp.result_type(g)) < g
        return jnp.where(zero, jnp.zeros_like(positive), positive)

    def _log_prob(self, value):
        log_g, log_1mg = _log_pair(self.gate_logits, self.gate)
        is_zero = value == 0
        # The base is evaluated at 1 where the value is 0 (its density may be 0 or infinite
        # there, with a NaN gradient).
        safe = jnp.where(is_zero, jnp.ones_like(value), value)
        positive = log_1mg + self.base_dist.log_prob(safe) - self._log_positive_mass()
        lp = jnp.where(is_zero, log_g + jnp.zeros_like(positive), positive)
        return jnp.where(value < 0, -jnp.inf, lp)

    def _cdf(self, value):
        g = self.gate_parameter()
        base = self.base_dist
        p0 = -jnp.expm1(self._log_positive_mass())
        safe = jnp.where(value >= 0, value, 0.0)
        above = (base.cdf(safe) - p0) / (1.0 - p0)
        return jnp.where(value < 0, 0.0, g + (1.0 - g) * jnp.maximum(above, 0.0))

    def _moments(self):
        g = self.gate_parameter()
        positive = jnp.exp(self._log_positive_mass())
        m, v = self.base_dist.mean(), self.base_dist.variance()
        mean = (1.0 - g) * m / positive
        second = (1.0 - g) * (v + jnp.square(m)) / positive
        shape = self.batch_shape
        return jnp.broadcast_to(mean, shape), jnp.broadcast_to(second - jnp.square(mean), shape)

    def _mean(self):
        return self._moments()[0]

    def _variance(self):
        return self._moments()[1]


class HurdlePoisson(HurdleDistribution):
    """Hurdle Poisson: zero with probability ``gate``, else a zero-truncated Poisson(``rate``).

    ``P(X = 0) = g`` and ``P(X = k) = (1 - g) rate**k e**-rate / (k! (1 - e**-rate))`` for
    ``k >= 1`` (NumPyro's ``HurdlePoisson(gate, rate)``; brms's ``hurdle_poisson`` with
    ``hu = gate``). Sampling is exact, without rejection: the first arrival ``T`` of a
    Poisson process on ``[0, 1]`` given one arrival has the truncated exponential law, and
    ``X = 1 + Poisson(rate (1 - T))``. See
    [`HurdleDistribution`][probflow.distributions.hurdle.HurdleDistribution] for moments.

    Args:
        gate: probability of a zero, in ``[0, 1]`` (or ``gate_logits``, its log-odds).
        rate: Poisson rate, positive.

    Examples:
        >>> import probflow.distributions as pfd
        >>> d = pfd.HurdlePoisson(gate=0.3, rate=2.0)
        >>> round(float(d.prob(1.0)), 4), round(float(d.mean()), 4)
        (0.2191, 1.6191)
    """

    def __init__(self, gate: ArrayLike | None = None, rate: ArrayLike | None = None, *,
                 gate_logits: ArrayLike | None = None, validate_args: bool = False,
                 name: str | None = None):
        base = _build_base("HurdlePoisson", lambda: Poisson(rate, validate_args=validate_args))
        self._init("HurdlePoisson", base, gate, gate_logits, validate_args, name)

    @property
    def rate(self) -> Array:
        """The Poisson rate."""
        rate = cast(Poisson, self.base_dist).rate
        assert rate is not None  # the base is built from rate
        return rate

    def _draw_positive(self, key, sample_shape):
        rate = jnp.broadcast_to(self.rate, self.base_dist.batch_shape)
        shape = sample_shape + rate.shape
        key_arrival, key_rest = jax.random.split(key)
        u = jax.random.uniform(key_arrival, shape, dtype=rate.dtype)
        first = -jnp.log1p(u * jnp.expm1(-rate)) / rate
        rest = _sample_counts(key_rest, rate * jnp.clip(1.0 - first, 0.0, 1.0), shape,
                              rate.dtype)
        return 1.0 + rest


class HurdleNegativeBinomial(HurdleDistribution):
    """Hurdle negative binomial: zero with probability ``gate``, else a zero-truncated NB.

    The base is [`NegativeBinomial`][probflow.distributions.negative_binomial.NegativeBinomial]
    in TFP's parameters (``total_count``, and ``logits`` or ``probs`` of a success):
    ``P(X = 0) = g``, ``P(X = k) = (1 - g) NB(k) / (1 - (1 - p)**r)`` for ``k >= 1``.
    brms's ``hurdle_negbinomial(mu, shape, hu)`` is ``total_count = shape``,
    ``probs = mu / (mu + shape)``, ``gate = hu``. Sampling redraws the base's zeros.

    Args:
        gate: probability of a zero, in ``[0, 1]`` (or ``gate_logits``).
        total_count: the negative binomial's ``r``, positive.
        logits, probs: the negative binomial's success log-odds / probability (one of them).

    Examples:
        >>> import probflow.distributions as pfd
        >>> d = pfd.HurdleNegativeBinomial(gate=0.2, total_count=2.0, probs=0.5)
        >>> round(float(d.prob(1.0)), 4), round(float(d.mean()), 4)
        (0.2667, 2.1333)
    """

    def __init__(self, gate: ArrayLike | None = None, total_count: ArrayLike | None = None,
                 logits: ArrayLike | None = None, probs: ArrayLike | None = None, *,
                 gate_logits: ArrayLike | None = None, validate_args: bool = False,
                 name: str | None = None):
        total_count = _required("HurdleNegativeBinomial", "total_count", total_count)
        base = _build_base("HurdleNegativeBinomial", lambda: NegativeBinomial(
            total_count, logits=logits, probs=probs, validate_args=validate_args))
        self._init("HurdleNegativeBinomial", base, gate, gate_logits, validate_args, name)


class HurdleGamma(HurdleDistribution):
    """Hurdle gamma: zero with probability ``gate``, else Gamma(``concentration``, ``rate``).

    ``P(X = 0) = g``, density ``(1 - g) Gamma(x; concentration, rate)`` for ``x > 0``
    (NumPyro's ``HurdleGamma(gate, concentration, rate=1)``; brms's ``hurdle_gamma`` with
    ``hu = gate``, ``shape = concentration``, ``rate = shape / mu``). ``log_prob`` mixes
    the atom's log mass at 0 with the log density above it.

    Args:
        gate: probability of a zero, in ``[0, 1]`` (or ``gate_logits``).
        concentration, rate: of the gamma, positive.

    Examples:
        >>> import probflow.distributions as pfd
        >>> d = pfd.HurdleGamma(gate=0.25, concentration=2.0, rate=1.0)
        >>> float(d.prob(0.0)), float(d.mean())
        (0.25, 1.5)
    """

    reparameterized = False

    def __init__(self, gate: ArrayLike | None = None, concentration: ArrayLike | None = None,
                 rate: ArrayLike = 1.0, *, gate_logits: ArrayLike | None = None,
                 validate_args: bool = False, name: str | None = None):
        concentration = _required("HurdleGamma", "concentration", concentration)
        base = _build_base("HurdleGamma", lambda: Gamma(concentration, rate,
                                                         validate_args=validate_args))
        self._init("HurdleGamma", base, gate, gate_logits, validate_args, name)


class HurdleLogNormal(HurdleDistribution):
    """Hurdle log-normal: zero with probability ``gate``, else LogNormal(``loc``, ``scale``).

    ``P(X = 0) = g``, density ``(1 - g) LogNormal(x; loc, scale)`` for ``x > 0``
    (NumPyro's ``HurdleLogNormal(gate, loc=0, scale=1)``; brms's ``hurdle_lognormal`` with
    ``hu = gate``, ``mu = loc``, ``sigma = scale``).

    Args:
        gate: probability of a zero, in ``[0, 1]`` (or ``gate_logits``).
        loc, scale: mean and standard deviation of ``log X`` given ``X > 0``.

    Examples:
        >>> import probflow.distributions as pfd
        >>> d = pfd.HurdleLogNormal(gate=0.5, loc=0.0, scale=1.0)
        >>> round(float(d.cdf(1.0)), 4)
        0.75
    """

    def __init__(self, gate: ArrayLike | None = None, loc: ArrayLike = 0.0, scale: ArrayLike = 1.0,
                 *, gate_logits: ArrayLike | None = None, validate_args: bool = False,
                 name: str | None = None):
        base = _build_base("HurdleLogNormal", lambda: LogNormal(loc, scale,
                                                                 validate_args=validate_args))
        self._init("HurdleLogNormal", base, gate, gate_logits, validate_args, name)
