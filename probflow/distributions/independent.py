"""``Independent`` and ``Sample``: reinterpret batch dimensions, or iid draws, as one event."""

from __future__ import annotations

import math
from typing import Any

import jax.numpy as jnp

from probflow.core.errors import ShapeError
from probflow.core.pytree import static_field
from probflow.core.shapes import as_shape
from probflow.distributions import constraints
from probflow.distributions.distribution import Distribution
from probflow.distributions.kl import kl_divergence, register_kl
from probflow.typing import ShapeLike

__all__ = ["Independent", "Sample"]


def _sum_last(x, n):
    return jnp.sum(x, axis=tuple(range(-n, 0))) if n else x


class Independent(Distribution):
    """Treat the rightmost ``reinterpreted_batch_ndims`` batch dimensions as event dimensions.

    ``log_prob`` sums the base's log densities over those dimensions; so do ``entropy``
    and the KL divergence (registered against another ``Independent``). Samples are the
    base's samples. ``batch_shape = base.batch_shape[:-n]``, ``event_shape =
    base.batch_shape[-n:] + base.event_shape``.

    Args:
        distribution: the base distribution.
        reinterpreted_batch_ndims: how many batch dims to move (default: all of them).

    Examples:
        >>> import jax.numpy as jnp
        >>> import probflow.distributions as pfd
        >>> d = pfd.Independent(pfd.Normal(jnp.zeros((2, 3, 4)), 1.0), 2)
        >>> d.batch_shape, d.event_shape
        ((2,), (3, 4))
        >>> d.log_prob(jnp.zeros((2, 3, 4))).shape
        (2,)
    """

    distribution: Distribution
    reinterpreted_batch_ndims: int = static_field(default=None)

    def __init__(self, distribution: Distribution, reinterpreted_batch_ndims: int | None = None, *,
                 validate_args: bool = False, name: str | None = None):
        if not isinstance(distribution, Distribution):
            raise TypeError(f"Independent: distribution must be a Distribution, "
                            f"got {distribution!r}")
        batch_ndims = len(distribution.batch_shape)
        n = batch_ndims if reinterpreted_batch_ndims is None else int(reinterpreted_batch_ndims)
        if not 0 <= n <= batch_ndims:
            raise ShapeError(
                f"Independent: reinterpreted_batch_ndims must be between 0 and the base's "
                f"number of batch dimensions {batch_ndims} (batch_shape "
                f"{distribution.batch_shape}), got {reinterpreted_batch_ndims}"
            )
        self._set(distribution=distribution, reinterpreted_batch_ndims=n,
                  validate_args=validate_args, name=name)

    @property
    def reparameterized(self) -> bool:  # pyright: ignore[reportIncompatibleVariableOverride]
        return self.distribution.reparameterized

    @property
    def batch_shape(self) -> tuple[int, ...]:
        shape = self.distribution.batch_shape
        return shape[: len(shape) - self.reinterpreted_batch_ndims]

    @property
    def event_shape(self) -> tuple[int, ...]:
        shape = self.distribution.batch_shape
        n = self.reinterpreted_batch_ndims
        return tuple(shape[len(shape) - n:]) + tuple(self.distribution.event_shape)

    @property
    def dtype(self) -> Any:
        return self.distribution.dtype

    @property
    def support(self) -> constraints.Constraint:
        return constraints.independent(self.distribution.support, self.reinterpreted_batch_ndims)

    @property
    def is_discrete(self) -> bool:
        return self.distribution.is_discrete

    def _sample(self, key, sample_shape):
        return self.distribution.sample(key, sample_shape)

    def _sample_and_log_prob(self, key, sample_shape):
        x, lp = self.distribution.sample_and_log_prob(key, sample_shape)
        return x, _sum_last(lp, self.reinterpreted_batch_ndims)

    def _log_prob(self, value):
        return _sum_last(self.distribution.log_prob(value), self.reinterpreted_batch_ndims)

    def _mean(self):
        return self.distribution.mean()

    def _variance(self):
        return self.distribution.variance()

    def _stddev(self):
        return self.distribution.stddev()

    def _mode(self):
        return self.distribution.mode()

    def _entropy(self):
        return _sum_last(self.distribution.entropy(), self.reinterpreted_batch_ndims)


@register_kl(Independent, Independent)
def _kl_independent(p: Independent, q: Independent):
    if p.event_shape != q.event_shape:
        raise ShapeError(
            f"KL(Independent || Independent): event shapes {p.event_shape} and "
            f"{q.event_shape} differ"
        )
    n_p, n_q = p.reinterpreted_batch_ndims, q.reinterpreted_batch_ndims
    if len(p.distribution.event_shape) != len(q.distribution.event_shape) or n_p != n_q:
        raise ShapeError(
            "KL(Independent || Independent): the bases must split their shapes into batch and "
            "event dimensions the same way"
        )
    return _sum_last(kl_divergence(p.distribution, q.distribution), n_p)


class Sample(Distribution):
    """``sample_shape`` iid draws of ``distribution`` as one event.

    ``event_shape = sample_shape + base.event_shape``; ``batch_shape`` is the base's.
    ``log_prob`` sums the base's log densities over the iid dimensions.

    Args:
        distribution: the base distribution.
        sample_shape: shape of the iid draws in each event.

    Examples:
        >>> import jax, jax.numpy as jnp
        >>> import probflow.distributions as pfd
        >>> d = pfd.Sample(pfd.Normal(jnp.zeros(2), 1.0), (3,))
        >>> d.batch_shape, d.event_shape
        ((2,), (3,))
        >>> d.sample(jax.random.key(0), (5,)).shape
        (5, 2, 3)
    """

    distribution: Distribution
    sample_shape: tuple = static_field(default=())

    def __init__(self, distribution: Distribution, sample_shape: ShapeLike = (), *,
                 validate_args: bool = False, name: str | None = None):
        if not isinstance(distribution, Distribution):
            raise TypeError(f"Sample: distribution must be a Distribution, got {distribution!r}")
        self._set(distribution=distribution, sample_shape=as_shape(sample_shape),
                  validate_args=validate_args, name=name)

    @property
    def reparameterized(self) -> bool:  # pyright: ignore[reportIncompatibleVariableOverride]
        return self.distribution.reparameterized

    @property
    def batch_shape(self) -> tuple[int, ...]:
        return self.distribution.batch_shape

    @property
    def event_shape(self) -> tuple[int, ...]:
        return tuple(self.sample_shape) + tuple(self.distribution.event_shape)

    @property
    def dtype(self) -> Any:
        return self.distribution.dtype

    @property
    def support(self) -> constraints.Constraint:
        return constraints.independent(self.distribution.support, len(self.sample_shape))

    @property
    def is_discrete(self) -> bool:
        return self.distribution.is_discrete

    def _move(self, x, outer_ndims):
        """Move the iid axes (right after ``outer_ndims``) behind the base's batch axes."""
        k = len(self.sample_shape)
        b = len(self.distribution.batch_shape)
        axes = list(range(x.ndim))
        iid = axes[outer_ndims: outer_ndims + k]
        batch = axes[outer_ndims + k: outer_ndims + k + b]
        rest = axes[outer_ndims + k + b:]
        return jnp.transpose(x, axes[:outer_ndims] + batch + iid + rest)

    def _sample(self, key, sample_shape):
        x = self.distribution.sample(key, tuple(sample_shape) + tuple(self.sample_shape))
        return self._move(x, len(sample_shape))

    def _log_prob(self, value):
        k = len(self.sample_shape)
        b = len(self.distribution.batch_shape)
        e = len(self.distribution.event_shape)
        # value: outer + batch + iid + event -> outer + iid + batch + event for the base.
        outer = value.ndim - b - k - e
        axes = list(range(value.ndim))
        batch = axes[outer: outer + b]
        iid = axes[outer + b: outer + b + k]
        moved = jnp.transpose(value, axes[:outer] + iid + batch + axes[outer + b + k:])
        lp = self.distribution.log_prob(moved)  # outer + iid + batch
        lp = jnp.moveaxis(lp, tuple(range(outer, outer + k)), tuple(range(lp.ndim - k, lp.ndim)))
        return _sum_last(lp, k)

    def _expand(self, x):
        k = len(self.sample_shape)
        b = len(self.distribution.batch_shape)
        base = self.distribution
        x = jnp.broadcast_to(x, base.batch_shape + tuple(base.event_shape))
        x = jnp.expand_dims(x, tuple(range(b, b + k)))
        return jnp.broadcast_to(x, self.batch_shape + self.event_shape)

    def _mean(self):
        return self._expand(self.distribution.mean())

    def _variance(self):
        return self._expand(self.distribution.variance())

    def _mode(self):
        return self._expand(self.distribution.mode())

    def _entropy(self):
        return self.distribution.entropy() * math.prod(self.sample_shape)


