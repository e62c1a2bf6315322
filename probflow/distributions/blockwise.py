"""``Blockwise``: independent distributions side by side as one vector-valued distribution."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, ClassVar

import jax
import jax.numpy as jnp
import numpy as np

import probflow.bijectors as pfb
from probflow.core.errors import ShapeError
from probflow.core.pytree import static_field
from probflow.distributions import constraints
from probflow.distributions._wrappers import AllMembers
from probflow.distributions.distribution import Distribution
from probflow.distributions.event_space import biject_to, register_bijector
from probflow.distributions.kl import kl_divergence, register_kl
from probflow.typing import Array, DTypeLike, PRNGKey

__all__ = ["Blockwise", "BlockwiseConstraint"]


def _block_size(d: Distribution) -> int:
    return int(d.event_shape[0]) if d.event_shape else 1


def _as_block(constraint: constraints.Constraint, scalar: bool) -> constraints.Constraint:
    """A member's support acting on its block ``(..., size)``; a scalar support's bounds
    (batch-shaped) get a trailing axis so they line up with the block."""
    if not scalar:
        return constraint
    return jax.tree_util.tree_map(
        lambda leaf: jnp.asarray(leaf)[..., None] if jnp.ndim(leaf) else jnp.asarray(leaf),
        constraint)


class BlockwiseConstraint(constraints.Constraint):
    """Consecutive blocks of a vector, block ``i`` (of length ``block_sizes[i]``) in
    ``parts[i]``; scalar parts (``is_scalar``) act elementwise on a block of length 1.

    Its event-space bijector is ``pfb.Blockwise`` of the parts' bijectors.

    Examples:
        >>> import jax.numpy as jnp
        >>> from probflow.distributions import constraints
        >>> from probflow.distributions.blockwise import BlockwiseConstraint
        >>> c = BlockwiseConstraint((constraints.positive, constraints.simplex), (1, 2),
        ...                         (True, False))
        >>> c.check(jnp.asarray([[1.0, 0.5, 0.5], [-1.0, 0.5, 0.5]]))
        Array([ True, False], dtype=bool)
    """

    parts: tuple[constraints.Constraint, ...]
    block_sizes: tuple[int, ...] = static_field(default=())
    is_scalar: tuple[bool, ...] = static_field(default=())
    event_ndims: ClassVar[int] = 1

    @property
    def is_discrete(self) -> bool:  # pyright: ignore[reportIncompatibleVariableOverride]
        return any(p.is_discrete for p in self.parts)

    def _blocks(self, value: Array) -> list[Array]:
        return jnp.split(value, np.cumsum(self.block_sizes)[:-1].tolist(), axis=-1)

    def check(self, value: Any) -> Array:
        ok = jnp.asarray(True)
        for part, scalar, block in zip(self.parts, self.is_scalar, self._blocks(value),
                                       strict=True):
            inside = _as_block(part, scalar).check(block)
            ok = ok & (jnp.all(inside, axis=-1) if scalar else inside)
        return ok


@register_bijector(BlockwiseConstraint)
def _blockwise_bijector(constraint):
    bijectors, sizes = [], []
    for part, scalar, size in zip(constraint.parts, constraint.is_scalar,
                                  constraint.block_sizes, strict=True):
        b = biject_to(_as_block(part, scalar))
        bijectors.append(b)
        sizes.append(size if scalar else int(b.inverse_event_shape((size,))[-1]))
    return pfb.Blockwise(bijectors, block_sizes=sizes)


class Blockwise(AllMembers, Distribution):  # pyright: ignore[reportIncompatibleVariableOverride]
    """Independent scalar- or vector-valued distributions concatenated into one vector event.

    Member ``i`` fills a block of ``event_shape[0]`` entries (1 for a scalar member) of
    the last axis, in order; ``event_shape = (sum of the block lengths,)``. ``log_prob``
    (and ``entropy``) is the sum of the members' on their blocks; mean and variance
    concatenate theirs; samples concatenate independent draws.
    ``dtype_override`` casts every member's samples to one dtype (otherwise all members
    must share a dtype). Members share one batch shape, as in TFP. The support is the
    members' supports side by side, with ``pfb.Blockwise`` of their bijectors as its
    event-space bijector. ``KL(Blockwise || Blockwise)`` with matching blocks is the sum of
    the members' KLs.

    Args:
        distributions: sequence of members with scalar or vector events.
        dtype_override: dtype of samples (optional).

    Examples:
        >>> import jax, jax.numpy as jnp
        >>> import probflow.distributions as pfd
        >>> d = pfd.Blockwise([pfd.Normal(0.0, 1.0), pfd.Dirichlet(jnp.ones(3))])
        >>> d.event_shape, d.sample(jax.random.key(0), (2,)).shape
        ((4,), (2, 4))
        >>> round(float(d.log_prob(jnp.asarray([0.0, 0.2, 0.3, 0.5]))), 4)
        -0.2258
    """

    distributions: tuple[Distribution, ...]
    dtype_override: np.dtype | None = static_field(default=None)

    def __init__(self, distributions: Sequence[Distribution],
                 dtype_override: DTypeLike | None = None, *, validate_args: bool = False,
                 name: str | None = None):
        distributions = tuple(distributions)
        if not distributions:
            raise ValueError("Blockwise: distributions must not be empty")
        for i, d in enumerate(distributions):
            if not isinstance(d, Distribution):
                raise TypeError(f"Blockwise: distributions[{i}] must be a Distribution, got "
                                f"{d!r}")
            if len(d.event_shape) > 1:
                raise ShapeError(f"Blockwise: members must have scalar or vector events, "
                                 f"distributions[{i}] has event_shape {d.event_shape}")
        if len({tuple(d.batch_shape) for d in distributions}) != 1:
            raise ShapeError(f"Blockwise: every member must have the same batch_shape, got "
                             f"{[tuple(d.batch_shape) for d in distributions]} (wrap one in "
                             f"BatchBroadcast to give it the others')")
        if dtype_override is None:
            dtypes = {jnp.dtype(d.dtype) for d in distributions}
            if len(dtypes) != 1:
                raise TypeError(f"Blockwise: members have different dtypes "
                                f"{sorted(str(t) for t in dtypes)}; pass dtype_override")
        else:
            dtype_override = jnp.dtype(dtype_override)
        self._set(distributions=distributions, dtype_override=dtype_override,
                  validate_args=validate_args, name=name)

    @property
    def _sizes(self) -> tuple[int, ...]:
        return tuple(_block_size(d) for d in self.distributions)

    @property
    def batch_shape(self) -> tuple[int, ...]:
        return tuple(self.distributions[0].batch_shape)

    @property
    def event_shape(self) -> tuple[int, ...]:
        return (sum(self._sizes),)

    @property
    def dtype(self) -> Any:
        if self.dtype_override is not None:
            return self.dtype_override
        return self.distributions[0].dtype

    @property
    def support(self) -> BlockwiseConstraint:
        return BlockwiseConstraint(tuple(d.support for d in self.distributions), self._sizes,
                                   tuple(not d.event_shape for d in self.distributions))

    def _as_block(self, x: Array, d: Distribution, lead: Sequence[int]) -> Array:
        x = x[..., None] if not d.event_shape else x
        return jnp.broadcast_to(x, tuple(lead) + tuple(self.batch_shape) + (_block_size(d),))

    def _sample(self, key: PRNGKey, sample_shape: tuple[int, ...]) -> Array:
        keys = jax.random.split(key, len(self.distributions))
        parts = [self._as_block(d.sample(k, sample_shape), d, sample_shape).astype(self.dtype)
                 for k, d in zip(keys, self.distributions, strict=True)]
        return jnp.concatenate(parts, axis=-1)

    def _log_prob(self, value):
        blocks = jnp.split(value, np.cumsum(self._sizes)[:-1].tolist(), axis=-1)
        total = 0.0
        for d, block in zip(self.distributions, blocks, strict=True):
            part = block if d.event_shape else block[..., 0]
            total = total + d.log_prob(part.astype(d.dtype) if not d.is_discrete else part)
        return total

    def _moment(self, method: str) -> Array:
        parts = [self._as_block(getattr(d, method)(), d, ()) for d in self.distributions]
        return jnp.concatenate(parts, axis=-1)

    def _mean(self):
        return self._moment("mean")

    def _variance(self):
        return self._moment("variance")

    def _entropy(self):
        total = 0.0
        for d in self.distributions:
            total = total + d.entropy()
        return jnp.broadcast_to(total, self.batch_shape)


@register_kl(Blockwise, Blockwise)
def _kl_blockwise(p: Blockwise, q: Blockwise):
    if p._sizes != q._sizes:
        raise ShapeError(f"KL(Blockwise || Blockwise): block sizes differ, {p._sizes} and "
                         f"{q._sizes}")
    total = 0.0
    for a, b in zip(p.distributions, q.distributions, strict=True):
        total = total + kl_divergence(a, b)
    return total
