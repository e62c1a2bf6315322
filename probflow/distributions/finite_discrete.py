"""``FiniteDiscrete``: a categorical distribution over an ascending list of numeric outcomes."""

from __future__ import annotations

from typing import Any, ClassVar

import jax
import jax.numpy as jnp
import numpy as np

from probflow.core import checks
from probflow.core.errors import ParameterError, ShapeError
from probflow.distributions import constraints
from probflow.distributions.bernoulli import _exactly_one, _mul_log, _promote_optional
from probflow.distributions.categorical import _class_log_probs, _class_probs
from probflow.distributions.distribution import Distribution
from probflow.distributions.kl import register_kl
from probflow.typing import Array, ArrayLike

__all__ = ["FiniteDiscrete", "FiniteSet"]


class FiniteSet(constraints.Constraint):
    """The finite set ``outcomes`` (1-D), a value matching one within ``atol + rtol |o|``.

    Examples:
        >>> import jax.numpy as jnp
        >>> from probflow.distributions.finite_discrete import FiniteSet
        >>> FiniteSet(jnp.asarray([0.5, 2.0]), 0.0, 0.0).check(jnp.asarray([2.0, 1.0]))
        Array([ True, False], dtype=bool)
    """

    outcomes: jax.Array
    atol: jax.Array
    rtol: jax.Array
    is_discrete: ClassVar[bool] = True

    def check(self, value: Any) -> Array:
        return jnp.any(_matches(value, self.outcomes, self.atol, self.rtol), axis=-1)


def _matches(value: ArrayLike, outcomes: Array, atol: Array, rtol: Array) -> Array:
    """``(..., K)`` mask: ``value[...]`` equals ``outcomes[k]`` within tolerance."""
    value = jnp.asarray(value)[..., None]
    return jnp.abs(value - outcomes) <= atol + rtol * jnp.abs(outcomes)


class FiniteDiscrete(Distribution):
    """Distribution over a finite list of numbers: ``P(X = outcomes[k]) = probs[..., k]``.

    ``outcomes`` is one strictly ascending 1-D array of ``K`` numbers (shared by the
    batch); ``logits``/``probs`` (exactly one) have shape ``batch_shape + (K,)``. A value
    matches an outcome ``o`` when ``|x - o| <= atol + rtol |o|``; TFP's defaults are
    ``10 eps`` for both with floating outcomes and exact equality with integer ones.
    ``log_prob`` is ``-inf`` away from every outcome; ``cdf(x)`` sums the probabilities of
    the outcomes ``<= x``. Mean ``sum_k p_k o_k``, variance ``sum_k p_k (o_k - mean)**2``,
    mode the most likely outcome, entropy that of the probabilities. Samples have the
    outcomes' dtype. ``KL(FiniteDiscrete || FiniteDiscrete)`` is registered for equal
    outcomes.

    Args:
        outcomes: strictly ascending 1-D array of the possible values.
        logits: unnormalised log-probabilities, shape ``batch_shape + (K,)``.
        probs: probabilities, shape ``batch_shape + (K,)``.
        rtol, atol: non-negative tolerances of the comparison with the outcomes.

    Examples:
        >>> import jax, jax.numpy as jnp
        >>> import probflow.distributions as pfd
        >>> d = pfd.FiniteDiscrete(jnp.asarray([-1.0, 0.5, 2.0]),
        ...                        probs=jnp.asarray([0.2, 0.5, 0.3]))
        >>> float(d.prob(0.5)), float(d.prob(1.0)), round(float(d.cdf(1.0)), 4)
        (0.5, 0.0, 0.7)
        >>> round(float(d.mean()), 4)
        0.65
        >>> d.sample(jax.random.key(0), (3,)).shape
        (3,)
    """

    outcomes: jax.Array
    logits: jax.Array | None
    probs: jax.Array | None
    rtol: jax.Array
    atol: jax.Array
    param_event_ndims: ClassVar[dict[str, int]] = {"outcomes": 1, "logits": 1, "probs": 1}
    infinite_params = {"logits": "-inf"}

    def __init__(self, outcomes: ArrayLike, logits: ArrayLike | None = None,
                 probs: ArrayLike | None = None, rtol: ArrayLike | None = None,
                 atol: ArrayLike | None = None, *,
                 validate_args: bool = False, name: str | None = None):
        _exactly_one("FiniteDiscrete", logits=logits, probs=probs)
        outcomes = jnp.asarray(outcomes)
        if outcomes.ndim != 1:
            raise ShapeError(f"FiniteDiscrete: outcomes must be a 1-D array, got shape "
                             f"{tuple(outcomes.shape)}")
        logits, probs = _promote_optional(logits, probs)
        param = logits if logits is not None else probs
        assert param is not None  # exactly one was given
        if param.ndim < 1 or param.shape[-1] != outcomes.shape[0]:
            which = "logits" if logits is not None else "probs"
            raise ShapeError(f"FiniteDiscrete: {which} of shape {tuple(param.shape)} must end "
                             f"in the number of outcomes {outcomes.shape[0]}")
        if jnp.issubdtype(outcomes.dtype, jnp.floating):
            default = 10.0 * float(jnp.finfo(outcomes.dtype).eps)
        else:
            default = 0.0
        rtol = jnp.asarray(default if rtol is None else rtol, dtype=param.dtype)
        atol = jnp.asarray(default if atol is None else atol, dtype=param.dtype)
        self._set(outcomes=outcomes, logits=logits, probs=probs, rtol=rtol, atol=atol,
                  validate_args=validate_args, name=name)
        self._validate(
            checks.Check("outcomes", outcomes, _strictly_ascending, "strictly ascending"),
            checks.simplex("probs", probs),
            checks.nonnegative("rtol", rtol),
            checks.nonnegative("atol", atol),
        )

    @property
    def batch_shape(self) -> tuple[int, ...]:
        return tuple(self._param.shape[:-1])

    @property
    def dtype(self) -> np.dtype:
        return self.outcomes.dtype

    @property
    def _param(self) -> Array:
        param = self.logits if self.logits is not None else self.probs
        assert param is not None  # exactly one is given
        return param

    @property
    def support(self) -> FiniteSet:
        return FiniteSet(self.outcomes, self.atol, self.rtol)

    def probs_parameter(self) -> Array:
        """Probabilities of the outcomes (softmax of ``logits`` when those were given)."""
        probs = _class_probs(self.logits, self.probs)
        assert probs is not None  # exactly one of logits and probs is given
        return probs

    def logits_parameter(self) -> Array:
        """Normalised log-probabilities of the outcomes."""
        return _class_log_probs(self.logits, self.probs)

    def _outcomes_float(self):
        return self.outcomes.astype(self._param.dtype)

    def _sample(self, key, sample_shape):
        shape = sample_shape + self.batch_shape
        index = jax.random.categorical(key, self.logits_parameter(), axis=-1, shape=shape)
        return self.outcomes[index]

    def _log_prob(self, value):
        match = _matches(value.astype(self._param.dtype), self._outcomes_float(), self.atol,
                         self.rtol)
        # The first matching outcome (outcomes are strictly ascending, tolerances small).
        first = match & (jnp.cumsum(match, axis=-1) == 1)
        log_p = jnp.broadcast_to(self.logits_parameter(), first.shape)
        lp = jnp.sum(jnp.where(first, log_p, 0.0), axis=-1)
        return jnp.where(jnp.any(match, axis=-1), lp, -jnp.inf)

    def _cdf(self, value):
        o = self._outcomes_float()
        x = value.astype(self._param.dtype)[..., None]
        below = (o <= x) | _matches(value.astype(o.dtype), o, self.atol, self.rtol)
        probs = jnp.broadcast_to(self.probs_parameter(), below.shape)
        return jnp.sum(jnp.where(below, probs, 0.0), axis=-1)

    def _moments(self):
        probs = self.probs_parameter()
        o = self._outcomes_float()
        mean = jnp.sum(probs * o, axis=-1)
        var = jnp.sum(probs * jnp.square(o - mean[..., None]), axis=-1)
        return mean, var

    def _mean(self):
        return self._moments()[0]

    def _variance(self):
        return self._moments()[1]

    def _mode(self):
        return self.outcomes[jnp.argmax(self.logits_parameter(), axis=-1)]

    def _entropy(self):
        log_p = self.logits_parameter()
        return 0.0 - jnp.sum(_mul_log(jnp.exp(log_p), log_p), axis=-1)


def _strictly_ascending(v: ArrayLike) -> np.ndarray:
    return np.asarray(np.all(np.diff(np.asarray(v)) > 0))


@register_kl(FiniteDiscrete, FiniteDiscrete)
def _kl_finite_discrete(p: FiniteDiscrete, q: FiniteDiscrete) -> Array:
    same = p.outcomes.shape == q.outcomes.shape
    if same and checks.is_concrete(p.outcomes) and checks.is_concrete(q.outcomes):
        same = bool(np.array_equal(np.asarray(p.outcomes), np.asarray(q.outcomes)))
    if not same:
        raise ParameterError("KL(FiniteDiscrete || FiniteDiscrete): the two distributions must "
                             "have the same outcomes")
    log_p, log_q = p.logits_parameter(), q.logits_parameter()
    probs = jnp.exp(log_p)
    return jnp.sum(_mul_log(probs, log_p) - _mul_log(probs, log_q), axis=-1)
