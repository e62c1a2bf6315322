"""Helpers shared by the Markov-structured distributions (HMM, Markov chains, state-space models).

* [`state_log_probs`][probflow.distributions._markov.state_log_probs]: the log-probabilities of the
  ``K`` state indices under any
  distribution over ``{0, ..., K - 1}`` (a ``Categorical``, or a batch of them used as the rows
  of a transition matrix), found by evaluating ``log_prob`` at every index. No attribute is
  probed, so any discrete family over the states works.
* [`take_rows`][probflow.distributions._markov.take_rows]: the row of a (batched) log transition
  matrix for each current state.
* [`sample_expanded`][probflow.distributions._markov.sample_expanded]: draws from a distribution as
  if its batch were broadcast to a larger
  one, with independent draws for every member (broadcasting a draw would repeat it).
* [`time_to_front`][probflow.distributions._markov.time_to_front] /
  [`time_to_back`][probflow.distributions._markov.time_to_back]: move the time axis of a sequence to
  the front
  (where ``lax.scan`` wants it) and back.
* [`transition_sample`][probflow.distributions._markov.transition_sample]: one draw of the next
  state, shaped like the current one.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

import jax
import jax.numpy as jnp

from probflow.core.errors import ShapeError
from probflow.core.shapes import broadcast_shapes
from probflow.typing import Array, ArrayLike, PRNGKey

if TYPE_CHECKING:
    from probflow.distributions.distribution import Distribution

__all__ = ["state_log_probs", "take_rows", "sample_expanded", "time_to_front", "time_to_back",
           "transition_sample"]


def state_log_probs(dist: Distribution, num_states: int) -> Array:
    """``log P(k)`` for ``k = 0, ..., num_states - 1``, shape ``dist.batch_shape + (K,)``.

    Examples:
        >>> import jax.numpy as jnp, numpy as np
        >>> import probflow.distributions as pfd
        >>> rows = pfd.Categorical(probs=jnp.asarray([[0.9, 0.1], [0.2, 0.8]]))
        >>> np.exp(np.float64(state_log_probs(rows, 2))).round(2)  # row i: P(j | i)
        array([[0.9, 0.1],
               [0.2, 0.8]])
    """
    batch = tuple(dist.batch_shape)
    index = jnp.arange(num_states, dtype=jnp.int32).reshape((num_states,) + (1,) * len(batch))
    return jnp.moveaxis(dist.log_prob(index), 0, -1)


def take_rows(log_matrix: Array, state: ArrayLike) -> Array:
    """``log_matrix[..., state, :]`` with ``state`` broadcast against the matrix batch.

    States outside ``{0, ..., K - 1}`` are clipped into range, so a log density evaluated at
    an impossible path stays ``-inf`` (from the step that left the range) instead of NaN.

    Examples:
        >>> import jax.numpy as jnp
        >>> take_rows(jnp.asarray([[1.0, 2.0], [3.0, 4.0]]), jnp.asarray([1, 0]))
        Array([[3., 4.],
               [1., 2.]], dtype=float32)
    """
    k = log_matrix.shape[-1]
    shape = broadcast_shapes(jnp.shape(state), log_matrix.shape[:-2], what="states and matrix")
    matrix = jnp.broadcast_to(log_matrix, shape + (k, k))
    index = jnp.broadcast_to(state, shape).astype(jnp.int32)
    index = jnp.clip(index, 0, k - 1)
    return jnp.take_along_axis(matrix, index[..., None, None], axis=-2)[..., 0, :]


def sample_expanded(dist: Distribution, key: PRNGKey, sample_shape: Sequence[int],
                    batch_shape: Sequence[int]) -> Array:
    """Draws of shape ``sample_shape + batch_shape + event_shape``, independent across members.

    ``dist.batch_shape`` must broadcast to ``batch_shape``. Where it is smaller (missing or
    size-one dimensions), the missing dimensions are drawn as extra sample dimensions and moved
    into place, so every member of the larger batch gets its own draw.

    Examples:
        >>> import jax, jax.numpy as jnp
        >>> import probflow.distributions as pfd
        >>> x = sample_expanded(pfd.Normal(jnp.zeros((1, 2)), 1.0), jax.random.key(0), (5,),
        ...                     (3, 2))
        >>> x.shape, bool(x[0, 0, 0] != x[0, 1, 0])
        ((5, 3, 2), True)
    """
    sample_shape = tuple(sample_shape)
    batch_shape = tuple(batch_shape)
    own = tuple(dist.batch_shape)
    if len(own) > len(batch_shape):
        raise ShapeError(f"{type(dist).__name__}: batch_shape {own} does not broadcast to "
                         f"{batch_shape}")
    padded = (1,) * (len(batch_shape) - len(own)) + own
    expand = [i for i, (a, b) in enumerate(zip(padded, batch_shape, strict=True))
              if a == 1 and b != 1]
    extra = tuple(batch_shape[i] for i in expand)
    event = tuple(dist.event_shape)
    x = dist.sample(key, sample_shape + extra)
    x = x.reshape(sample_shape + extra + padded + event)
    base = len(sample_shape)
    for j, i in enumerate(expand):
        x = jnp.swapaxes(x, base + j, base + len(expand) + i)
    return x.reshape(sample_shape + batch_shape + event)


def time_to_front(x: Array, event_ndims: int) -> Array:
    """Move the time axis (just before the last ``event_ndims`` axes) to the front.

    Examples:
        >>> import jax.numpy as jnp
        >>> time_to_front(jnp.zeros((2, 7, 3)), 1).shape
        (7, 2, 3)
    """
    return jnp.moveaxis(x, x.ndim - event_ndims - 1, 0)


def time_to_back(x: Array, event_ndims: int) -> Array:
    """Inverse of [`time_to_front`][probflow.distributions._markov.time_to_front]: the leading time
    axis goes before the event axes.

    Examples:
        >>> import jax.numpy as jnp
        >>> time_to_back(jnp.zeros((7, 2, 3)), 1).shape
        (2, 7, 3)
    """
    return jnp.moveaxis(x, 0, x.ndim - event_ndims - 1)


def transition_sample(owner: str, dist: Distribution, key: PRNGKey, state: Array) -> Array:
    """One draw from ``dist`` (the next-state distribution) shaped and typed like ``state``.

    Dimensions of ``state`` that ``dist``'s batch lacks (leading sample dimensions) are drawn
    as sample dimensions, so a transition that ignores part of the state still gives
    independent draws. A draw of another shape raises a ``ShapeError`` naming ``owner``.

    Examples:
        >>> import jax, jax.numpy as jnp
        >>> import probflow.distributions as pfd
        >>> transition_sample("Chain", pfd.Normal(0.0, 1.0), jax.random.key(0),
        ...                   jnp.zeros(3)).shape
        (3,)
    """
    own = len(dist.batch_shape) + len(dist.event_shape)
    extra = tuple(state.shape[: max(state.ndim - own, 0)])
    draw = dist.sample(key, extra)
    if tuple(draw.shape) != tuple(state.shape):
        raise ShapeError(
            f"{owner}: the transition distribution draws values of shape {tuple(draw.shape)} "
            f"from a state of shape {tuple(state.shape)}; its batch_shape + event_shape must "
            f"match the state's trailing dimensions (got batch_shape {dist.batch_shape}, "
            f"event_shape {dist.event_shape})"
        )
    return jax.lax.convert_element_type(draw, state.dtype)
