"""Continuous relaxations of discrete distributions (Concrete / Gumbel-softmax).

References: Maddison, Mnih and Teh (2017), *The Concrete Distribution*; Jang, Gu
and Poole (2017), *Categorical Reparameterization with Gumbel-Softmax*.
"""

from __future__ import annotations

import math
from typing import ClassVar

import jax
import jax.numpy as jnp
from jax.scipy import special

from probflow.core import checks
from probflow.distributions import constraints
from probflow.distributions.bernoulli import (
    _exactly_one,
    _logits_from,
    _probs_from,
    _promote_optional,
    _required,
    _safe_log,
)
from probflow.distributions.distribution import Distribution
from probflow.typing import Array, ArrayLike, Shape

__all__ = ["RelaxedBernoulli", "RelaxedOneHotCategorical"]


def _open_unit(dtype):
    """Smallest and largest floats of ``dtype`` strictly inside ``(0, 1)``."""
    return jnp.finfo(dtype).tiny, jnp.nextafter(jnp.asarray(1.0, dtype), jnp.asarray(0.0, dtype))


class RelaxedBernoulli(Distribution):
    """Relaxed Bernoulli (binary Concrete) distribution on the open interval ``(0, 1)``.

    ``Y = sigmoid((logits + L) / temperature)`` with standard logistic noise ``L``,
    i.e. ``logit(Y)`` is logistic with location ``logits / temperature`` and scale
    ``1 / temperature``. As ``temperature -> 0`` the draws approach
    ``Bernoulli(logits)`` draws; sampling is reparameterized. With
    ``l = temperature * logit(y) - logits`` the density is
    ``log p(y) = log(temperature) + log_sigmoid(l) + log_sigmoid(-l) - log(y) - log1p(-y)``,
    the cdf ``sigmoid(l)``, the quantile ``sigmoid((logits + logit(u)) / temperature)``.

    Samples are clipped to the open interval (``[tiny, 1 - eps/2]`` of the dtype)
    so that ``log_prob`` of a sample is finite at low temperatures; ``log_prob``
    is ``-inf`` at 0, at 1 and outside.

    Args:
        temperature: positive; broadcasts with ``logits``/``probs``.
        logits: log-odds of the underlying Bernoulli.
        probs: probability of the underlying Bernoulli, in ``(0, 1)``.

    Examples:
        >>> import jax
        >>> import probflow.distributions as pfd
        >>> d = pfd.RelaxedBernoulli(temperature=0.5, probs=0.3)
        >>> y = d.sample(jax.random.key(0), (4,))
        >>> bool(((y > 0) & (y < 1)).all())
        True
        >>> float(pfd.RelaxedBernoulli(1.0, logits=0.0).log_prob(0.5))
        0.0
    """

    temperature: jax.Array
    logits: jax.Array | None
    probs: jax.Array | None
    reparameterized = True

    def __init__(
        self,
        temperature: ArrayLike,
        logits: ArrayLike | None = None,
        probs: ArrayLike | None = None,
        *,
        validate_args: bool = False,
        name: str | None = None,
    ):
        _required("RelaxedBernoulli", temperature=temperature)
        _exactly_one("RelaxedBernoulli", logits=logits, probs=probs)
        temp, logits, probs = _promote_optional(temperature, logits, probs)
        self._set(
            temperature=temp,
            logits=logits,
            probs=probs,
            validate_args=validate_args,
            name=name,
        )
        self._validate(
            checks.positive("temperature", temp),
            checks.in_open_unit_interval("probs", probs),
        )

    @property
    def support(self) -> constraints.Constraint:
        return constraints.unit_interval

    def probs_parameter(self) -> Array:
        """``probs``, computed from ``logits`` when those were given."""
        return _probs_from(self.logits, self.probs)

    def logits_parameter(self) -> Array:
        """``logits``, computed from ``probs`` when those were given."""
        return _logits_from(self.logits, self.probs)

    def _sample(self, key, sample_shape):
        shape = sample_shape + self.batch_shape
        noise = jax.random.logistic(key, shape, dtype=self.dtype)
        y = jax.nn.sigmoid((self.logits_parameter() + noise) / self.temperature)
        low, high = _open_unit(self.dtype)
        return jnp.clip(y, low, high)

    def _inside(self, value):
        ok = (value > 0) & (value < 1)
        y = jnp.where(ok, value, 0.5)
        log_y, log_1my = jnp.log(y), jnp.log1p(-y)
        return ok, log_y, log_1my, self.temperature * (log_y - log_1my) - self.logits_parameter()

    def _log_prob(self, value):
        ok, log_y, log_1my, l = self._inside(value)
        lp = (
            jnp.log(self.temperature)
            + jax.nn.log_sigmoid(l)
            + jax.nn.log_sigmoid(-l)
            - log_y
            - log_1my
        )
        return jnp.where(ok, lp, -jnp.inf)

    def _log_cdf(self, value):
        ok, _, _, l = self._inside(value)
        return jnp.where(ok, jax.nn.log_sigmoid(l), jnp.where(value <= 0, -jnp.inf, 0.0))

    def _log_survival_function(self, value):
        ok, _, _, l = self._inside(value)
        return jnp.where(ok, jax.nn.log_sigmoid(-l), jnp.where(value <= 0, 0.0, -jnp.inf))

    def _cdf(self, value):
        ok, _, _, l = self._inside(value)
        return jnp.where(ok, jax.nn.sigmoid(l), jnp.where(value <= 0, 0.0, 1.0))

    def _survival_function(self, value):
        ok, _, _, l = self._inside(value)
        return jnp.where(ok, jax.nn.sigmoid(-l), jnp.where(value <= 0, 1.0, 0.0))

    def _quantile(self, value):
        u = value.astype(self.dtype)
        logit_u = jnp.log(u) - jnp.log1p(-u)
        return jax.nn.sigmoid((self.logits_parameter() + logit_u) / self.temperature)


class RelaxedOneHotCategorical(Distribution):
    """Relaxed one-hot categorical (Concrete, Gumbel-softmax) distribution on the simplex.

    ``Y = softmax((logits + G) / temperature)`` with i.i.d. standard Gumbel noise
    ``G`` over the ``K`` classes; sampling is reparameterized, and as
    ``temperature -> 0`` draws approach ``OneHotCategorical(logits)`` draws. The
    density with respect to Lebesgue measure on the first ``K - 1`` coordinates
    (Maddison et al., 2017, eq. 9), with ``t = temperature``, is

    ``log p(y) = lgamma(K) + (K - 1) log t + sum_k (logits_k - (t + 1) log y_k)
    - K logsumexp_k(logits_k - t log y_k)``,

    invariant to adding a constant to ``logits``. ``log_prob`` is ``-inf`` at
    points off the open simplex (a zero coordinate, or a sum away from 1 by more
    than the `simplex` tolerance).
    Samples are floored at the dtype's smallest normal number and renormalised,
    so that ``log_prob`` of a sample is finite even at low temperatures.

    ``batch_shape`` broadcasts ``temperature.shape`` with ``logits.shape[:-1]``;
    ``event_shape = (K,)``.

    Args:
        temperature: positive.
        logits: unnormalised log-probabilities, shape ``(..., K)``.
        probs: class probabilities, shape ``(..., K)``, summing to one.

    Examples:
        >>> import jax, jax.numpy as jnp
        >>> import probflow.distributions as pfd
        >>> d = pfd.RelaxedOneHotCategorical(0.5, logits=jnp.zeros(3))
        >>> y = d.sample(jax.random.key(0), (2,))
        >>> y.shape
        (2, 3)
        >>> bool(jnp.allclose(y.sum(-1), 1.0))
        True
    """

    temperature: jax.Array
    logits: jax.Array | None
    probs: jax.Array | None
    reparameterized = True
    param_event_ndims: ClassVar[dict[str, int]] = {"logits": 1, "probs": 1}
    infinite_params = {"logits": "-inf"}

    def __init__(
        self,
        temperature: ArrayLike,
        logits: ArrayLike | None = None,
        probs: ArrayLike | None = None,
        *,
        validate_args: bool = False,
        name: str | None = None,
    ):
        _required("RelaxedOneHotCategorical", temperature=temperature)
        _exactly_one("RelaxedOneHotCategorical", logits=logits, probs=probs)
        temp, logits, probs = _promote_optional(temperature, logits, probs)
        self._set(
            temperature=temp,
            logits=logits,
            probs=probs,
            validate_args=validate_args,
            name=name,
        )
        _ = self.batch_shape  # raises a ShapeError naming the class for scalar logits/probs
        self._validate(
            checks.positive("temperature", temp),
            checks.simplex("probs", probs),
        )

    @property
    def num_categories(self) -> int:
        """Number of classes ``K``."""
        param = self.logits if self.logits is not None else self.probs
        assert param is not None  # exactly one of the two is given
        return int(param.shape[-1])

    @property
    def event_shape(self) -> Shape:
        return (self.num_categories,)

    @property
    def support(self) -> constraints.Constraint:
        return constraints.simplex

    def logits_parameter(self) -> Array:
        """``logits`` as given, or ``log(probs)``."""
        return self.logits if self.logits is not None else _safe_log(self.probs)

    def probs_parameter(self) -> Array:
        """Class probabilities of the underlying categorical distribution."""
        if self.logits is not None:
            return jax.nn.softmax(self.logits, axis=-1)
        assert self.probs is not None  # exactly one of the two is given
        return self.probs

    def _sample(self, key, sample_shape):
        shape = sample_shape + self.batch_shape + self.event_shape
        gumbel = jax.random.gumbel(key, shape, dtype=self.dtype)
        z = (self.logits_parameter() + gumbel) / self.temperature[..., None]
        y = jnp.maximum(jax.nn.softmax(z, axis=-1), jnp.finfo(self.dtype).tiny)
        return y / jnp.sum(y, axis=-1, keepdims=True)

    def _log_prob(self, value):
        k = self.num_categories
        t = self.temperature[..., None]
        ok = jnp.all(value > 0, axis=-1) & constraints.simplex.check(value)
        log_y = jnp.log(jnp.where(ok[..., None], value, 1.0 / k))
        logits = self.logits_parameter()
        lp = (
            math.lgamma(k)
            + (k - 1) * jnp.log(self.temperature)
            + jnp.sum(logits - (t + 1.0) * log_y, axis=-1)
            - k * special.logsumexp(logits - t * log_y, axis=-1)
        )
        return jnp.where(ok, lp, -jnp.inf)
