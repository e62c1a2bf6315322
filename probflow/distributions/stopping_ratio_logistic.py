"""The stopping-ratio (sequential) logistic distribution over ordered categories."""

from __future__ import annotations

from typing import Any, ClassVar

import jax
import jax.numpy as jnp

from probflow.core.numerics import promote_floats
from probflow.core.pytree import static_field
from probflow.distributions import constraints
from probflow.distributions.categorical import _gather_last
from probflow.distributions.distribution import Distribution
from probflow.distributions.ordered_logistic import _ordered

__all__ = ["StoppingRatioLogistic"]


class StoppingRatioLogistic(Distribution):
    """Ordinal distribution over ``{0, ..., K}`` whose categories are reached one after another.

    With ``K`` non-decreasing cutpoints ``c_k`` and location ``loc``, the process stops at
    category ``k`` (having reached it) with probability ``sigmoid(c_k - loc)``, so

        ``P(X = k) = sigmoid(c_k - loc) prod_{j < k} sigmoid(loc - c_j)``

    (``c_K = +inf``: the last category is reached only by passing every cutpoint); TFP's
    ``StoppingRatioLogistic``. Masses, cdf and entropy come from the log-probabilities
    (``log_sigmoid`` sums, accurate far in the tails); mean and variance of the category
    index are the categorical's. ``batch_shape`` broadcasts ``cutpoints.shape[:-1]`` with
    ``loc.shape``; samples are ``int32`` by default.

    Args:
        cutpoints: non-decreasing, shape ``(..., K)`` with ``K >= 1``.
        loc: location of the latent logistic variable.
        dtype: dtype of samples.

    Examples:
        >>> import jax.numpy as jnp
        >>> import probflow.distributions as pfd
        >>> d = pfd.StoppingRatioLogistic(cutpoints=jnp.asarray([-2.0, 0.0, 2.0]), loc=0.0)
        >>> round(float(d.prob(3)), 4), round(float(d.log_prob(1)), 4)
        (0.0525, -0.8201)
    """

    cutpoints: jax.Array
    loc: jax.Array
    sample_dtype: Any = static_field(default=jnp.int32, kw_only=True)
    param_event_ndims: ClassVar[dict[str, int]] = {"cutpoints": 1}

    def __init__(self, cutpoints, loc, *, dtype=jnp.int32, validate_args: bool = False,
                 name: str | None = None):
        cutpoints, loc = promote_floats(cutpoints, loc)
        self._set(cutpoints=cutpoints, loc=loc, sample_dtype=jnp.dtype(dtype),
                  validate_args=validate_args, name=name)
        _ = self.batch_shape  # raises a ShapeError naming the class for scalar cutpoints
        self._validate(_ordered("cutpoints", cutpoints))

    @property
    def dtype(self):
        return self.sample_dtype

    @property
    def num_categories(self) -> int:
        """``K + 1``: one more than the number of cutpoints."""
        return int(self.cutpoints.shape[-1]) + 1

    @property
    def support(self):
        return constraints.IntegerInterval(0, self.num_categories - 1)

    def categorical_log_probs(self):
        """Log-probabilities of the ``K + 1`` categories, shape ``batch_shape + (K + 1,)``."""
        c = jnp.broadcast_to(self.cutpoints, self.batch_shape + self.cutpoints.shape[-1:])
        z = c - self.loc[..., None]
        zeros = jnp.zeros(z.shape[:-1] + (1,), z.dtype)
        stop = jnp.concatenate([jax.nn.log_sigmoid(z), zeros], axis=-1)
        passed = jnp.concatenate([zeros, jnp.cumsum(jax.nn.log_sigmoid(-z), axis=-1)], axis=-1)
        return stop + passed

    def categorical_probs(self):
        """Probabilities of the ``K + 1`` categories, shape ``batch_shape + (K + 1,)``."""
        return jnp.exp(self.categorical_log_probs())

    def _sample(self, key, sample_shape):
        shape = sample_shape + self.batch_shape
        index = jax.random.categorical(key, self.categorical_log_probs(), axis=-1, shape=shape)
        return index.astype(self.sample_dtype)

    def _log_prob(self, value):
        x = value.astype(self.loc.dtype)
        ok = (x >= 0) & (x <= self.num_categories - 1) & (x == jnp.floor(x))
        index = jnp.where(ok, x, 0).astype(jnp.int32)
        lp = _gather_last(self.categorical_log_probs(), index, self.batch_shape)
        return jnp.where(ok, lp, -jnp.inf)

    def _cdf(self, value):
        k = jnp.floor(value.astype(self.loc.dtype))
        cumulative = jnp.cumsum(self.categorical_probs(), axis=-1)
        index = jnp.clip(k, 0, self.num_categories - 1).astype(jnp.int32)
        inside = _gather_last(cumulative, index, self.batch_shape)
        return jnp.where(k < 0, 0.0, jnp.where(k >= self.num_categories - 1, 1.0, inside))

    def _mean(self):
        k = jnp.arange(self.num_categories, dtype=self.loc.dtype)
        return jnp.sum(self.categorical_probs() * k, axis=-1)

    def _variance(self):
        k = jnp.arange(self.num_categories, dtype=self.loc.dtype)
        p = self.categorical_probs()
        mean = jnp.sum(p * k, axis=-1)
        return jnp.sum(p * jnp.square(k - mean[..., None]), axis=-1)

    def _mode(self):
        return jnp.argmax(self.categorical_log_probs(), axis=-1).astype(self.sample_dtype)

    def _entropy(self):
        log_p = self.categorical_log_probs()
        p = jnp.exp(log_p)
        return 0.0 - jnp.sum(jnp.where(p > 0, p * jnp.where(p > 0, log_p, 0.0), 0.0), axis=-1)
