"""The Plackett-Luce distribution over permutations, and its support."""

from __future__ import annotations

from typing import Any, ClassVar

import jax
import jax.numpy as jnp
import numpy as np

from probflow.core import checks
from probflow.core.errors import ShapeError
from probflow.core.numerics import promote_floats
from probflow.core.pytree import static_field
from probflow.distributions.constraints import Constraint
from probflow.distributions.distribution import Distribution
from probflow.typing import Array, ArrayLike, DTypeLike, Shape

__all__ = ["PlackettLuce", "Permutation"]


class Permutation(Constraint):
    """Vectors that are permutations of ``0, 1, ..., n - 1``.

    Examples:
        >>> import jax.numpy as jnp
        >>> from probflow.distributions.plackett_luce import Permutation
        >>> Permutation().check(jnp.asarray([[2, 0, 1], [0, 0, 1]]))
        Array([ True, False], dtype=bool)
    """

    event_ndims: ClassVar[int] = 1
    is_discrete: ClassVar[bool] = True

    def check(self, value: Any) -> Array:
        n = value.shape[-1]
        return jnp.all(jnp.sort(value, axis=-1) == jnp.arange(n, dtype=value.dtype), axis=-1)


class PlackettLuce(Distribution):
    """Plackett-Luce distribution over permutations of ``n`` items with positive ``scores``.

    A permutation ``pi`` (``pi[0]`` ranked first) is built by picking, at each step, one of the
    remaining items with probability proportional to its score:
    ``log_prob(pi) = sum_i (log s[pi_i] - log sum_{j >= i} s[pi_j])`` (a reverse cumulative
    ``logsumexp`` of the log-scores), ``-inf`` for vectors that are not permutations. Samples
    sort the Gumbel-perturbed log-scores in decreasing order (exact). The mode ranks the items
    by decreasing score. Not reparameterized (discrete).

    Args:
        scores: positive, ``batch + (n,)``.
        dtype: integer dtype of samples (static, default ``int32``).

    Examples:
        >>> import jax, jax.numpy as jnp
        >>> import probflow.distributions as pfd
        >>> d = pfd.PlackettLuce(jnp.asarray([1.0, 2.0, 5.0]))
        >>> d.sample(jax.random.key(0), (2,)).shape
        (2, 3)
        >>> round(float(d.prob(jnp.asarray([2, 1, 0]))), 4)  # 5/8 * 2/3
        0.4167
        >>> d.mode()
        Array([2, 1, 0], dtype=int32)
    """

    scores: jax.Array
    sample_dtype: str = static_field(default="int32")
    param_event_ndims = {"scores": 1}

    def __init__(self, scores: ArrayLike, dtype: DTypeLike = jnp.int32, *,
                 validate_args: bool = False, name: str | None = None):
        (scores,) = promote_floats(scores)
        if scores.ndim < 1:
            raise ShapeError(f"PlackettLuce: scores must have at least one dimension (the "
                             f"items), got shape {scores.shape}")
        dtype = jnp.dtype(dtype)
        if not jnp.issubdtype(dtype, jnp.integer):
            raise ValueError(f"PlackettLuce: dtype must be an integer dtype, got {dtype}")
        self._set(scores=scores, sample_dtype=dtype.name, validate_args=validate_args,
                  name=name)
        self._validate(checks.positive("scores", scores))

    @property
    def event_shape(self) -> Shape:
        return self.scores.shape[-1:]

    @property
    def dtype(self) -> np.dtype:
        return jnp.dtype(self.sample_dtype)

    @property
    def support(self) -> Constraint:
        return Permutation()

    def _sample(self, key, sample_shape):
        shape = tuple(sample_shape) + self.batch_shape + self.event_shape
        gumbel = jax.random.gumbel(key, shape, self.scores.dtype)
        perturbed = jnp.log(self.scores) + gumbel
        return jnp.argsort(-perturbed, axis=-1).astype(self.dtype)

    def _log_prob(self, value):
        inside = self.support.check(value)
        n = self.event_shape[0]
        index = jnp.clip(jnp.where(inside[..., None], value, jnp.arange(n)), 0, n - 1)
        index = index.astype(jnp.int32)
        log_scores = jnp.broadcast_to(jnp.log(self.scores), index.shape)
        ranked = jnp.take_along_axis(log_scores, index, axis=-1)
        tail = jax.lax.cumlogsumexp(ranked, axis=ranked.ndim - 1, reverse=True)
        lp = jnp.sum(ranked - tail, axis=-1)
        return jnp.where(inside, lp, -jnp.inf)

    def _mode(self):
        mode = jnp.argsort(-self.scores, axis=-1).astype(self.dtype)
        return jnp.broadcast_to(mode, self.batch_shape + self.event_shape)
