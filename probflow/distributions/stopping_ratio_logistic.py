"""The stopping-ratio (sequential) logistic distribution over ordered categories."""

from __future__ import annotations

import jax
import jax.numpy as jnp

from probflow.distributions.categorical import _gather_last
from probflow.distributions.ordered_logistic import _CutpointCategories
from probflow.typing import Array

__all__ = ["StoppingRatioLogistic"]


class StoppingRatioLogistic(_CutpointCategories):
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

    def categorical_log_probs(self) -> Array:
        """Log-probabilities of the ``K + 1`` categories, shape ``batch_shape + (K + 1,)``."""
        c = jnp.broadcast_to(self.cutpoints, self.batch_shape + self.cutpoints.shape[-1:])
        z = c - self.loc[..., None]
        zeros = jnp.zeros(z.shape[:-1] + (1,), z.dtype)
        stop = jnp.concatenate([jax.nn.log_sigmoid(z), zeros], axis=-1)
        passed = jnp.concatenate([zeros, jnp.cumsum(jax.nn.log_sigmoid(-z), axis=-1)], axis=-1)
        return stop + passed

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
