"""The multinomial distribution."""

from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np
from jax.scipy import special

from probflow.core import checks
from probflow.distributions import constraints
from probflow.distributions.bernoulli import _exactly_one, _promote_optional, _required
from probflow.distributions.distribution import Distribution
from probflow.typing import Array, ArrayLike, PRNGKey

__all__ = ["Multinomial"]


def counts_ok(value: Array, total_count: Array) -> Array:
    """Non-negative whole numbers summing to ``total_count`` along the last axis."""
    whole = jnp.all((value >= 0) & (value == jnp.floor(value)), axis=-1)
    return whole & (jnp.sum(value, axis=-1) == total_count)


def sample_counts(key: PRNGKey, total_count: Array, probs: Array) -> Array:
    """Multinomial counts by the chain of conditional binomials (vectorised over the batch)."""
    k = probs.shape[-1]
    keys = jax.random.split(key, k)
    remaining = total_count.astype(probs.dtype)
    mass_left = jnp.ones(probs.shape[:-1], probs.dtype)
    counts = []
    for i in range(k - 1):
        p = jnp.clip(probs[..., i] / jnp.maximum(mass_left, jnp.finfo(probs.dtype).tiny), 0.0,
                     1.0)
        x = jax.random.binomial(keys[i], remaining, p, dtype=probs.dtype)
        counts.append(x)
        remaining = remaining - x
        mass_left = mass_left - probs[..., i]
    counts.append(remaining)
    return jnp.stack(counts, axis=-1)


class Multinomial(Distribution):
    """Counts of ``total_count`` categorical draws with probabilities ``probs`` (or ``logits``).

    ``log_prob(x) = log n! - sum log x_k! + sum x_k log p_k`` for non-negative integer
    vectors summing to ``n`` (``-inf`` otherwise). Mean ``n p``, covariance
    ``n (diag(p) - p p^T)``. Samples are float counts (TFP's convention), drawn as a chain of
    conditional binomials.

    Args:
        total_count: number of trials (non-negative whole number).
        logits / probs: exactly one; ``batch + (K,)``.

    Examples:
        >>> import jax.numpy as jnp
        >>> import probflow.distributions as pfd
        >>> d = pfd.Multinomial(3.0, probs=jnp.asarray([0.2, 0.8]))
        >>> round(float(d.prob(jnp.asarray([1.0, 2.0]))), 4)
        0.384
    """

    total_count: jax.Array
    logits: jax.Array | None
    probs: jax.Array | None
    param_event_ndims = {"logits": 1, "probs": 1}
    infinite_params = {"logits": "-inf"}

    def __init__(self, total_count: ArrayLike, logits: ArrayLike | None = None,
                 probs: ArrayLike | None = None, *, validate_args: bool = False,
                 name: str | None = None):
        _required("Multinomial", total_count=total_count)
        _exactly_one("Multinomial", logits=logits, probs=probs)
        count, logits, probs = _promote_optional(total_count, logits, probs)
        self._set(total_count=count, logits=logits, probs=probs,
                  validate_args=validate_args, name=name)
        self._validate(checks.integer_valued("total_count", count),
                       checks.simplex("probs", probs))

    @property
    def event_shape(self) -> tuple[int, ...]:
        param = self.logits if self.logits is not None else self.probs
        assert param is not None  # exactly one of logits and probs is given
        return param.shape[-1:]

    @property
    def dtype(self) -> np.dtype:
        return jnp.result_type(self.total_count)

    @property
    def support(self) -> constraints.Constraint:
        return constraints.MultinomialCounts(self.total_count)

    def _log_probs(self):
        if self.logits is not None:
            return jax.nn.log_softmax(self.logits, axis=-1)
        assert self.probs is not None  # exactly one of logits and probs is given
        return jnp.log(self.probs)

    def _probs(self):
        if self.probs is not None:
            return self.probs
        assert self.logits is not None  # exactly one of logits and probs is given
        return jax.nn.softmax(self.logits, axis=-1)

    def _sample(self, key, sample_shape):
        shape = tuple(sample_shape) + self.batch_shape
        probs = jnp.broadcast_to(self._probs(), shape + self.event_shape)
        return sample_counts(key, jnp.broadcast_to(self.total_count, shape), probs)

    def _log_prob(self, value):
        n = self.total_count
        ok = counts_ok(value, n)
        x = jnp.where(ok[..., None], value, 0.0)
        log_p = self._log_probs()
        terms = jnp.where(x > 0, x * log_p, 0.0)
        lp = special.gammaln(n + 1.0) - jnp.sum(special.gammaln(x + 1.0), axis=-1) + jnp.sum(
            terms, axis=-1)
        return jnp.where(ok, lp, -jnp.inf)

    def _mean(self):
        n = jnp.asarray(self.total_count)[..., None]
        return jnp.broadcast_to(n * self._probs(), self.batch_shape + self.event_shape)

    def _covariance(self):
        p = self._probs()
        n = jnp.asarray(self.total_count)[..., None, None]
        cov = n * (p[..., :, None] * jnp.eye(p.shape[-1], dtype=p.dtype)
                   - p[..., :, None] * p[..., None, :])
        return jnp.broadcast_to(cov, self.batch_shape + self.event_shape * 2)
