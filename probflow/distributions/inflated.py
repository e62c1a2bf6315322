"""``Inflated``: a distribution with extra probability mass at one point (TFP's wrapper)."""

from __future__ import annotations

from typing import Any, ClassVar

import jax
import jax.numpy as jnp

from probflow.core import checks
from probflow.core.errors import UnsupportedError
from probflow.core.numerics import promote_floats
from probflow.distributions import constraints
from probflow.distributions._wrappers import (
    array_finiteness_checks,
    check_scalar_base,
    expand_draws,
)
from probflow.distributions.bernoulli import _exactly_one, _log_pair, _probs_pair
from probflow.distributions.distribution import Distribution
from probflow.distributions.event_space import biject_to, register_bijector
from probflow.typing import Array, ArrayLike

__all__ = ["Inflated", "PointInflatedSupport"]


class PointInflatedSupport(constraints.Constraint):
    """The set of ``base`` together with the point ``loc`` (within ``atol + rtol |loc|``).

    Discrete when ``base`` is; its default event-space bijector is the base's (the point
    is a mass, not a region an unconstrained sampler can reach).

    Examples:
        >>> import jax.numpy as jnp
        >>> from probflow.distributions import constraints
        >>> from probflow.distributions.inflated import PointInflatedSupport
        >>> s = PointInflatedSupport(constraints.positive, 0.0, 0.0, 0.0)
        >>> s.check(jnp.asarray([0.0, 2.0, -1.0]))
        Array([ True,  True, False], dtype=bool)
    """

    base: constraints.Constraint
    loc: jax.Array
    atol: jax.Array
    rtol: jax.Array

    @property
    def is_discrete(self) -> bool:  # pyright: ignore[reportIncompatibleVariableOverride]
        return self.base.is_discrete

    def check(self, value: Any) -> Array:
        return self.base.check(value) | _close(value, self.loc, self.atol, self.rtol)


@register_bijector(PointInflatedSupport)
def _point_inflated_bijector(constraint):
    return biject_to(constraint.base)


def _close(value, loc, atol, rtol):
    return jnp.abs(value - loc) <= atol + rtol * jnp.abs(loc)


def _mixture_moments(p, loc, mean, variance):
    """Mean and variance of ``p delta_loc + (1 - p) base`` from the base's moments."""
    q = 1.0 - p
    total = p * loc + q * mean
    # Law of total variance: E[Var] + Var[E] with the two component means loc and mean.
    var = q * variance + p * q * jnp.square(mean - loc)
    return total, var


class Inflated(Distribution):
    """``distribution`` with probability ``p`` moved to the point ``inflated_loc``.

    A draw is ``inflated_loc`` with probability ``p`` and a draw of ``distribution``
    otherwise. For a discrete ``distribution`` this is the mixture
    ``P(X = x) = p 1[x = loc] + (1 - p) P_base(x)`` (e.g. a zero-inflated count model).
    For a continuous one, ``log_prob`` mixes a mass and a density as TFP does:
    ``log p`` at ``inflated_loc`` and ``log(1 - p) + base.log_prob(x)`` elsewhere (the
    log density with respect to the base measure plus one atom). ``cdf(x) = p 1[x >= loc]
    + (1 - p) F(x)``; mean ``p loc + (1 - p) m`` and variance ``(1 - p) v + p (1 - p)
    (m - loc)**2`` from the base's mean ``m`` and variance ``v``. A value matches
    ``inflated_loc`` when ``|x - loc| <= atol + rtol |loc|`` (both 0 by default).

    Give exactly one of ``inflated_loc_probs`` (``p``) and ``inflated_loc_logits``. As in
    TFP, the logits build a two-class categorical with logits ``[l, -l]``, so
    ``p = softmax([l, -l])[0] = sigmoid(2 l)``.

    Args:
        distribution: the base distribution (scalar events).
        inflated_loc_logits: ``l``, with ``p = sigmoid(2 l)`` (TFP's convention).
        inflated_loc_probs: ``p``, the extra mass at ``inflated_loc``, in ``[0, 1]``.
        inflated_loc: the inflated point (default 0).
        inflated_loc_atol, inflated_loc_rtol: non-negative tolerances of the comparison.

    Examples:
        >>> import probflow.distributions as pfd
        >>> d = pfd.Inflated(pfd.Poisson(2.0), inflated_loc_probs=0.3)
        >>> round(float(d.prob(0.0)), 4), round(float(d.mean()), 4)
        (0.3947, 1.4)
        >>> s = pfd.Inflated(pfd.Normal(1.0, 2.0), inflated_loc_probs=0.3)
        >>> round(float(s.log_prob(0.0)), 4)
        -1.204
    """

    distribution: Distribution
    inflated_loc_logits: jax.Array | None
    inflated_loc_probs: jax.Array | None
    inflated_loc: jax.Array
    inflated_loc_atol: jax.Array
    inflated_loc_rtol: jax.Array
    infinite_params: ClassVar[dict[str, str]] = {"inflated_loc_logits": "inf"}

    def __init__(self, distribution: Distribution, inflated_loc_logits: ArrayLike | None = None,
                 inflated_loc_probs: ArrayLike | None = None, inflated_loc: ArrayLike = 0.0,
                 inflated_loc_atol: ArrayLike | None = None,
                 inflated_loc_rtol: ArrayLike | None = None, *, validate_args: bool = False,
                 name: str | None = None):
        check_scalar_base("Inflated", distribution, "distribution")
        _exactly_one("Inflated", inflated_loc_logits=inflated_loc_logits,
                     inflated_loc_probs=inflated_loc_probs)
        gate = inflated_loc_logits if inflated_loc_logits is not None else inflated_loc_probs
        assert gate is not None  # exactly one was given
        gate, loc, atol, rtol = promote_floats(
            gate, inflated_loc, 0.0 if inflated_loc_atol is None else inflated_loc_atol,
            0.0 if inflated_loc_rtol is None else inflated_loc_rtol)
        logits, probs = (gate, None) if inflated_loc_logits is not None else (None, gate)
        self._set(distribution=distribution, inflated_loc_logits=logits,
                  inflated_loc_probs=probs, inflated_loc=loc, inflated_loc_atol=atol,
                  inflated_loc_rtol=rtol, validate_args=validate_args, name=name)
        self._validate(checks.in_unit_interval("inflated_loc_probs", probs),
                       checks.nonnegative("inflated_loc_atol", atol),
                       checks.nonnegative("inflated_loc_rtol", rtol))
        _ = self.batch_shape  # shapes must broadcast

    def _finiteness_checks(self):
        return array_finiteness_checks(self)

    @property
    def batch_shape(self) -> tuple[int, ...]:
        own = jnp.broadcast_shapes(
            jnp.shape(self._gate_param), jnp.shape(self.inflated_loc),
            jnp.shape(self.inflated_loc_atol), jnp.shape(self.inflated_loc_rtol))
        return tuple(jnp.broadcast_shapes(own, self.distribution.batch_shape))

    @property
    def dtype(self) -> Any:
        return self.distribution.dtype

    @property
    def _gate_param(self) -> Array:
        if self.inflated_loc_logits is not None:
            return self.inflated_loc_logits
        assert self.inflated_loc_probs is not None  # exactly one is given
        return self.inflated_loc_probs

    @property
    def support(self) -> PointInflatedSupport:
        return PointInflatedSupport(self.distribution.support, self.inflated_loc,
                                    self.inflated_loc_atol, self.inflated_loc_rtol)

    @property
    def is_discrete(self) -> bool:
        return self.distribution.is_discrete

    def _gate_logits(self):
        return None if self.inflated_loc_logits is None else 2.0 * self.inflated_loc_logits

    def _log_gate_pair(self):
        """``(log p, log(1 - p))``."""
        return _log_pair(self._gate_logits(), self.inflated_loc_probs)

    def probs_parameter(self) -> Array:
        """``p``, the probability of the point mass at ``inflated_loc``."""
        return _probs_pair(self._gate_logits(), self.inflated_loc_probs)[0]

    def _sample(self, key, sample_shape):
        shape = sample_shape + self.batch_shape
        key_gate, key_base = jax.random.split(key)
        base = expand_draws(self.distribution.sample(key_base, sample_shape), sample_shape,
                            self.batch_shape)
        p = self.probs_parameter()
        at_loc = jax.random.uniform(key_gate, shape, dtype=jnp.result_type(p)) < p
        loc = jnp.broadcast_to(self.inflated_loc, shape).astype(base.dtype)
        return jnp.where(at_loc, loc, base)

    def _log_prob(self, value):
        log_p, log_q = self._log_gate_pair()
        at_loc = _close(value, self.inflated_loc, self.inflated_loc_atol,
                        self.inflated_loc_rtol)
        if self.distribution.is_discrete:
            base = log_q + self.distribution.log_prob(value)
            return jnp.where(at_loc, jnp.logaddexp(log_p, base), base)
        # Continuous base: the atom's mass at loc, the scaled density elsewhere (the base is
        # evaluated at a safe point where the atom is, so its gradient stays finite).
        safe = jnp.where(at_loc, _inside_point(self.distribution, value), value)
        return jnp.where(at_loc, log_p + jnp.zeros_like(log_q),
                         log_q + self.distribution.log_prob(safe))

    def _cdf(self, value):
        p = self.probs_parameter()
        step = (value >= self.inflated_loc).astype(jnp.result_type(p))
        return p * step + (1.0 - p) * self.distribution.cdf(value)

    def _mean(self):
        p = self.probs_parameter()
        mean, _ = _mixture_moments(p, self.inflated_loc, self.distribution.mean(),
                                   self.distribution.variance())
        return jnp.broadcast_to(mean, self.batch_shape)

    def _variance(self):
        p = self.probs_parameter()
        _, var = _mixture_moments(p, self.inflated_loc, self.distribution.mean(),
                                  self.distribution.variance())
        return jnp.broadcast_to(var, self.batch_shape)


def _inside_point(distribution, value):
    """A point inside the base's support (its median, else its mean) to stand in for
    ``value`` where the atom is; ``value`` itself when the base has neither."""
    try:
        point = distribution.quantile(jnp.asarray(0.5, dtype=jnp.result_type(value)))
    except UnsupportedError:
        try:
            point = distribution.mean()
        except UnsupportedError:
            return value
    return jnp.broadcast_to(point, jnp.broadcast_shapes(jnp.shape(point), jnp.shape(value)))
