"""Batch-shape wrappers (TFP's): ``BatchReshape``, ``BatchBroadcast`` and ``BatchConcat``.

Each changes how a distribution's batch is laid out and nothing else: densities, moments
and samples are the base's, rearranged. Supports are the base's with their (batch-shaped)
bounds rearranged the same way, so default event-space bijectors keep working.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from typing import Any

import jax
import jax.numpy as jnp
import numpy as np

from probflow.core.errors import ShapeError, UnsupportedError
from probflow.core.pytree import static_field
from probflow.core.shapes import as_shape, broadcast_shapes
from probflow.distributions._wrappers import AllMembers
from probflow.distributions.constraints import Constraint
from probflow.distributions.distribution import Distribution
from probflow.distributions.kl import kl_divergence, register_kl
from probflow.typing import Array, PRNGKey, ShapeLike

__all__ = ["BatchReshape", "BatchBroadcast", "BatchConcat"]


def _check_distribution(owner: str, distribution: object, argument: str = "distribution") -> None:
    if not isinstance(distribution, Distribution):
        raise TypeError(f"{owner}: {argument} must be a Distribution, got {distribution!r}")


def _map_leaves(constraint: Constraint, fn: Callable[[Array], Array]) -> Constraint:
    return jax.tree_util.tree_map(lambda leaf: fn(jnp.asarray(leaf)), constraint)


class _Rearranged:
    """The value methods and moments of a wrapper that rearranges its members' batches.

    A subclass says how once, in ``_call(method, value)`` (a value method of the members,
    rearranged) and ``_moment(method)`` (a moment of the members, rearranged).
    """

    def _call(self, method: str, value: Any) -> Any:
        raise NotImplementedError

    def _moment(self, method: str) -> Any:
        raise NotImplementedError

    def _log_prob(self, value):
        return self._call("log_prob", value)

    def _log_cdf(self, value):
        return self._call("log_cdf", value)

    def _cdf(self, value):
        return self._call("cdf", value)

    def _survival_function(self, value):
        return self._call("survival_function", value)

    def _log_survival_function(self, value):
        return self._call("log_survival_function", value)

    def _mean(self):
        return self._moment("mean")

    def _variance(self):
        return self._moment("variance")

    def _stddev(self):
        return self._moment("stddev")

    def _mode(self):
        return self._moment("mode")


class _BatchWrapper(_Rearranged, Distribution):
    """Delegation of the value-free properties to ``distribution``."""

    distribution: Distribution

    @property
    def event_shape(self) -> tuple[int, ...]:
        return self.distribution.event_shape

    @property
    def dtype(self) -> Any:
        return self.distribution.dtype

    @property
    def is_discrete(self) -> bool:
        return self.distribution.is_discrete

    @property
    def reparameterized(self) -> bool:  # pyright: ignore[reportIncompatibleVariableOverride]
        return self.distribution.reparameterized

    def _value_split(self, value: Array) -> tuple[tuple[int, ...], Array]:
        """``(sample_shape, value broadcast to sample_shape + batch_shape + event_shape)``."""
        tail = tuple(self.batch_shape) + tuple(self.event_shape)
        full = broadcast_shapes(value.shape, tail, what=f"{type(self).__name__}: value")
        value = jnp.broadcast_to(value, full)
        return full[: len(full) - len(tail)], value


# -- BatchReshape ---------------------------------------------------------------------------------


def _resolve_shape(owner: str, new_shape: ShapeLike, old_shape: Sequence[int]) -> tuple[int, ...]:
    new_shape = [int(v) for v in np.atleast_1d(new_shape)]
    size = math.prod(old_shape)
    unknown = [i for i, s in enumerate(new_shape) if s == -1]
    if len(unknown) > 1 or any(s < -1 for s in new_shape):
        raise ShapeError(f"{owner}: batch_shape may hold at most one -1 and no other negative "
                         f"size, got {tuple(new_shape)}")
    if unknown:
        known = math.prod(s for s in new_shape if s != -1)
        if known == 0 or size % known:
            raise ShapeError(f"{owner}: cannot reshape batch_shape {tuple(old_shape)} into "
                             f"{tuple(new_shape)}")
        new_shape[unknown[0]] = size // known
    if math.prod(new_shape) != size:
        raise ShapeError(f"{owner}: batch_shape {tuple(new_shape)} must have as many elements "
                         f"as the distribution's batch_shape {tuple(old_shape)} ({size})")
    return tuple(new_shape)


class BatchReshape(_BatchWrapper):
    """Reshape a distribution's batch: same distributions, laid out as ``batch_shape``.

    ``batch_shape`` may hold one ``-1``. Samples, ``log_prob``, cumulative functions and
    moments are the base's, reshaped (row-major, as ``jnp.reshape``); the event shape is
    unchanged. ``KL(BatchReshape || BatchReshape)`` reshapes the bases' KL.

    Args:
        distribution: the base distribution.
        batch_shape: the new batch shape (same number of elements).

    Examples:
        >>> import jax, jax.numpy as jnp
        >>> import probflow.distributions as pfd
        >>> d = pfd.BatchReshape(pfd.Normal(jnp.arange(6.0), 1.0), (2, 3))
        >>> d.batch_shape, d.sample(jax.random.key(0), (4,)).shape
        ((2, 3), (4, 2, 3))
        >>> d.mean()[1]
        Array([3., 4., 5.], dtype=float32)
    """

    new_batch_shape: tuple[int, ...] = static_field(default=())

    def __init__(self, distribution: Distribution, batch_shape: ShapeLike, *,
                 validate_args: bool = False, name: str | None = None):
        _check_distribution("BatchReshape", distribution)
        shape = _resolve_shape("BatchReshape", batch_shape, tuple(distribution.batch_shape))
        self._set(distribution=distribution, new_batch_shape=shape, validate_args=validate_args,
                  name=name)

    @property
    def batch_shape(self) -> tuple[int, ...]:
        return self.new_batch_shape

    def _to_new(self, x: Array, lead: Sequence[int], event_ndims: int) -> Array:
        event = tuple(x.shape[x.ndim - event_ndims:]) if event_ndims else ()
        return jnp.reshape(x, tuple(lead) + self.new_batch_shape + event)

    def _to_old(self, x: Array, lead: Sequence[int], event_ndims: int) -> Array:
        event = tuple(x.shape[x.ndim - event_ndims:]) if event_ndims else ()
        return jnp.reshape(x, tuple(lead) + tuple(self.distribution.batch_shape) + event)

    @property
    def support(self) -> Constraint:
        old, new = tuple(self.distribution.batch_shape), self.new_batch_shape

        def reshape(leaf: Array) -> Array:
            if leaf.ndim == 0:
                return leaf
            if leaf.ndim > len(old):
                raise UnsupportedError(
                    "BatchReshape: the base's support has bounds with event dimensions, "
                    "which cannot be reshaped over the batch")
            return jnp.reshape(jnp.broadcast_to(leaf, old), new)

        return _map_leaves(self.distribution.support, reshape)

    def _sample(self, key: PRNGKey, sample_shape: tuple[int, ...]) -> Array:
        x = self.distribution.sample(key, sample_shape)
        return self._to_new(x, sample_shape, len(self.event_shape))

    def _call(self, method: str, value: Any) -> Array:
        lead, value = self._value_split(value)
        out = getattr(self.distribution, method)(
            self._to_old(value, lead, len(self.event_shape)))
        return self._to_new(out, lead, 0)

    def _moment(self, method: str) -> Array:
        out = getattr(self.distribution, method)()
        shape = tuple(self.distribution.batch_shape) + tuple(self.event_shape)
        return self._to_new(jnp.broadcast_to(out, shape), (), len(self.event_shape))

    def _entropy(self) -> Array:
        out = jnp.broadcast_to(self.distribution.entropy(), self.distribution.batch_shape)
        return jnp.reshape(out, self.new_batch_shape)


# -- BatchBroadcast -------------------------------------------------------------------------------


class BatchBroadcast(_BatchWrapper):
    """Broadcast a distribution's batch to a larger one, with independent copies.

    ``with_shape`` broadcasts the batch *with* a shape (the result is the NumPy broadcast
    of both); ``to_shape`` broadcasts it *to* exactly that shape. Each element of the new
    batch is an independent copy of its base element: samples are independent draws,
    ``log_prob``, the moments and ``KL(BatchBroadcast || BatchBroadcast)`` are the base's,
    broadcast.

    Args:
        distribution: the base distribution.
        with_shape: shape to broadcast the batch with.
        to_shape: shape to broadcast the batch to (keyword-only; exactly one of the two).

    Examples:
        >>> import jax, jax.numpy as jnp
        >>> import probflow.distributions as pfd
        >>> d = pfd.BatchBroadcast(pfd.Normal(jnp.zeros(3), 1.0), to_shape=(2, 3))
        >>> x = d.sample(jax.random.key(0))
        >>> x.shape, bool(x[0, 0] != x[1, 0])
        ((2, 3), True)
    """

    new_batch_shape: tuple[int, ...] = static_field(default=())

    def __init__(self, distribution: Distribution, with_shape: ShapeLike | None = None, *,
                 to_shape: ShapeLike | None = None, validate_args: bool = False,
                 name: str | None = None):
        _check_distribution("BatchBroadcast", distribution)
        if (with_shape is None) == (to_shape is None):
            raise ShapeError("BatchBroadcast: exactly one of with_shape and to_shape must be "
                             "given")
        base = tuple(distribution.batch_shape)
        if with_shape is not None:
            shape = broadcast_shapes(base, as_shape(with_shape),
                                     what="BatchBroadcast: batch_shape and with_shape")
        else:
            assert to_shape is not None  # exactly one of the two is given
            shape = as_shape(to_shape)
            if broadcast_shapes(base, shape, what="BatchBroadcast: batch_shape and to_shape") \
                    != shape:
                raise ShapeError(f"BatchBroadcast: batch_shape {base} does not broadcast to "
                                 f"to_shape {shape}")
        self._set(distribution=distribution, new_batch_shape=tuple(shape),
                  validate_args=validate_args, name=name)

    @property
    def batch_shape(self) -> tuple[int, ...]:
        return self.new_batch_shape

    @property
    def support(self) -> Constraint:
        return self.distribution.support

    def _sample(self, key: PRNGKey, sample_shape: tuple[int, ...]) -> Array:
        new = self.new_batch_shape
        base = (1,) * (len(new) - len(self.distribution.batch_shape)) + tuple(
            self.distribution.batch_shape)
        expanded = [i for i, (b, n) in enumerate(zip(base, new, strict=True)) if b == 1 and n != 1]
        extra = tuple(new[i] for i in expanded)
        x = self.distribution.sample(key, tuple(sample_shape) + extra)
        s, k, event = len(sample_shape), len(extra), tuple(self.event_shape)
        x = jnp.reshape(x, tuple(sample_shape) + extra + base + event)
        # Drop the size-1 base axes that the extra draws replace, then move the draws there.
        x = jnp.squeeze(x, axis=tuple(s + k + i for i in expanded))
        x = jnp.moveaxis(x, [s + j for j in range(k)], [s + i for i in expanded])
        return jnp.broadcast_to(x, tuple(sample_shape) + new + event)

    def _call(self, method: str, value: Any) -> Any:
        _, value = self._value_split(value)
        return getattr(self.distribution, method)(value)

    def _moment(self, method: str) -> Array:
        out = getattr(self.distribution, method)()
        return jnp.broadcast_to(out, self.new_batch_shape + tuple(self.event_shape))

    def _entropy(self) -> Array:
        return jnp.broadcast_to(self.distribution.entropy(), self.new_batch_shape)


# -- BatchConcat ----------------------------------------------------------------------------------


class BatchConcat(_Rearranged, AllMembers, Distribution):  # pyright: ignore[reportIncompatibleVariableOverride]
    """Concatenate distributions along a batch axis into one batch.

    All members have the same event shape and batch rank; their batch shapes broadcast on
    every axis but ``axis``, along which the sizes add up. ``log_prob`` splits the value
    along that batch axis and asks each member; samples, cumulative functions and moments
    are the members', concatenated. Members may be of different families.

    Args:
        distributions: sequence of distributions.
        axis: the batch axis to concatenate along (negative counts from the right of the
            batch shape).

    Examples:
        >>> import jax.numpy as jnp
        >>> import probflow.distributions as pfd
        >>> d = pfd.BatchConcat([pfd.Normal(jnp.zeros(2), 1.0), pfd.Laplace(jnp.ones(3), 1.0)],
        ...                     axis=0)
        >>> d.batch_shape, d.mean()
        ((5,), Array([0., 0., 1., 1., 1.], dtype=float32))
    """

    distributions: tuple[Distribution, ...]
    axis: int = static_field(default=0)

    def __init__(self, distributions: Sequence[Distribution], axis: int, *,
                 validate_args: bool = False, name: str | None = None):
        distributions = tuple(distributions)
        if not distributions:
            raise ValueError("BatchConcat: distributions must not be empty")
        for i, d in enumerate(distributions):
            _check_distribution("BatchConcat", d, f"distributions[{i}]")
        ranks = {len(d.batch_shape) for d in distributions}
        events = {tuple(d.event_shape) for d in distributions}
        if len(ranks) != 1 or len(events) != 1:
            raise ShapeError(
                f"BatchConcat: every distribution must have the same batch rank and event shape, "
                f"got batch shapes {[d.batch_shape for d in distributions]} and event shapes "
                f"{[d.event_shape for d in distributions]}")
        rank = ranks.pop()
        if not -rank <= int(axis) < rank:
            raise ShapeError(f"BatchConcat: axis must be in [{-rank}, {rank}) for batch rank "
                             f"{rank}, got {axis}")
        axis = int(axis) % rank
        others = [tuple(s for i, s in enumerate(d.batch_shape) if i != axis)
                  for d in distributions]
        broadcast_shapes(*others, what="BatchConcat: batch shapes outside the axis")
        self._set(distributions=distributions, axis=axis, validate_args=validate_args,
                  name=name)

    @property
    def _sizes(self) -> list[int]:
        return [int(d.batch_shape[self.axis]) for d in self.distributions]

    @property
    def batch_shape(self) -> tuple[int, ...]:
        others = broadcast_shapes(*[tuple(s for i, s in enumerate(d.batch_shape)
                                          if i != self.axis) for d in self.distributions])
        return others[: self.axis] + (sum(self._sizes),) + others[self.axis:]

    def _member_batch(self, size: int) -> tuple[int, ...]:
        shape = list(self.batch_shape)
        shape[self.axis] = size
        return tuple(shape)

    @property
    def event_shape(self) -> tuple[int, ...]:
        return self.distributions[0].event_shape

    @property
    def dtype(self) -> np.dtype:
        return jnp.result_type(*[d.dtype for d in self.distributions])

    @property
    def support(self) -> Constraint:
        supports = [d.support for d in self.distributions]
        structures = {jax.tree_util.tree_structure(s) for s in supports}
        if len(structures) != 1:
            raise UnsupportedError(
                f"BatchConcat: the members' supports differ in kind ({supports}), so there is "
                f"no single support")
        leaves = [jax.tree_util.tree_leaves(s) for s in supports]
        if not leaves[0]:
            return supports[0]
        rank = len(self.batch_shape)
        merged = []
        for parts in zip(*leaves, strict=True):
            parts = [jnp.asarray(p) for p in parts]
            if any(p.ndim > rank for p in parts):
                raise UnsupportedError("BatchConcat: supports with event-shaped bounds cannot "
                                       "be concatenated")
            full = [jnp.broadcast_to(p, self._member_batch(n))
                    for p, n in zip(parts, self._sizes, strict=True)]
            merged.append(jnp.concatenate(full, axis=self.axis))
        return jax.tree_util.tree_unflatten(structures.pop(), merged)

    def _batch_axis(self, ndim: int) -> int:
        """Position of the concatenation axis in an array of rank ``ndim`` ending in
        ``batch_shape + event_shape``."""
        return ndim - len(self.event_shape) - len(self.batch_shape) + self.axis

    def _sample(self, key: PRNGKey, sample_shape: tuple[int, ...]) -> Array:
        keys = jax.random.split(key, len(self.distributions))
        parts = []
        for k, d, n in zip(keys, self.distributions, self._sizes, strict=True):
            x = d.sample(k, sample_shape)
            shape = tuple(sample_shape) + self._member_batch(n) + tuple(self.event_shape)
            parts.append(jnp.broadcast_to(x, shape).astype(self.dtype))
        return jnp.concatenate(parts, axis=self._batch_axis(len(parts[0].shape)))

    def _call(self, method: str, value: Any) -> Array:
        tail = tuple(self.batch_shape) + tuple(self.event_shape)
        full = broadcast_shapes(value.shape, tail, what="BatchConcat: value")
        value = jnp.broadcast_to(value, full)
        axis = self._batch_axis(value.ndim)
        pieces = jnp.split(value, np.cumsum(self._sizes)[:-1].tolist(), axis=axis)
        lead = full[: len(full) - len(tail)]
        outs = [jnp.broadcast_to(getattr(d, method)(p), lead + self._member_batch(n))
                for d, p, n in zip(self.distributions, pieces, self._sizes, strict=True)]
        return jnp.concatenate(outs, axis=len(lead) + self.axis)

    def _moment(self, method: str, event: bool = True) -> Array:
        tail = tuple(self.event_shape) if event else ()
        outs = [jnp.broadcast_to(getattr(d, method)(), self._member_batch(n) + tail)
                for d, n in zip(self.distributions, self._sizes, strict=True)]
        return jnp.concatenate(outs, axis=self.axis)

    def _entropy(self) -> Array:
        return self._moment("entropy", event=False)


@register_kl(BatchReshape, BatchReshape)
def _kl_batch_reshape(p: BatchReshape, q: BatchReshape) -> Array:
    if p.batch_shape != q.batch_shape or p.distribution.batch_shape != q.distribution.batch_shape:
        raise ShapeError(f"KL(BatchReshape || BatchReshape): both must reshape the same batch "
                         f"shape the same way, got {p.distribution.batch_shape} -> "
                         f"{p.batch_shape} and {q.distribution.batch_shape} -> {q.batch_shape}")
    kl = jnp.broadcast_to(kl_divergence(p.distribution, q.distribution),
                          p.distribution.batch_shape)
    return jnp.reshape(kl, p.batch_shape)


@register_kl(BatchBroadcast, BatchBroadcast)
def _kl_batch_broadcast(p: BatchBroadcast, q: BatchBroadcast) -> Array:
    shape = broadcast_shapes(p.batch_shape, q.batch_shape,
                             what="KL(BatchBroadcast || BatchBroadcast): batch shapes")
    return jnp.broadcast_to(kl_divergence(p.distribution, q.distribution), shape)
