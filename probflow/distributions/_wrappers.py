"""Helpers shared by the wrapper distributions (censoring, truncation, inflation, hurdles)."""

from __future__ import annotations

from collections.abc import Sequence

import jax.numpy as jnp

from probflow.core import checks
from probflow.core.errors import ShapeError
from probflow.distributions.distribution import Distribution
from probflow.typing import Array


def check_scalar_base(owner: str, base: object, argument: str = "base_dist") -> None:
    """Raise unless ``base`` is a distribution with scalar events."""
    if not isinstance(base, Distribution):
        raise TypeError(f"{owner}: {argument} must be a Distribution, got {base!r}")
    if base.event_shape != ():
        raise ShapeError(f"{owner}: {argument} must be univariate (scalar events), got "
                         f"event_shape {base.event_shape}")


def expand_draws(x: Array, sample_shape: Sequence[int], batch_shape: Sequence[int]) -> Array:
    """Broadcast draws of shape ``sample_shape + base_batch`` to ``sample_shape + batch_shape``
    (the base's batch dims are the trailing ones of ``batch_shape``)."""
    n = len(sample_shape)
    base_batch = tuple(x.shape[n:])
    pad = (1,) * (len(batch_shape) - len(base_batch))
    return jnp.broadcast_to(x.reshape(tuple(sample_shape) + pad + base_batch),
                            tuple(sample_shape) + tuple(batch_shape))


class AllMembers:
    """``is_discrete`` and ``reparameterized`` of a distribution built from several members
    (a ``distributions`` tuple): true when true of every member."""

    distributions: tuple[Distribution, ...]  # declared by the dataclass that mixes this in

    @property
    def is_discrete(self) -> bool:
        return all(d.is_discrete for d in self.distributions)

    @property
    def reparameterized(self) -> bool:
        return all(d.reparameterized for d in self.distributions)


def array_finiteness_checks(dist: Distribution) -> tuple[checks.Check, ...]:
    """``validate_args`` finiteness checks of ``dist``'s own floating array parameters.

    Like ``Distribution._finiteness_checks``, but nested distributions (and other PyTree
    children that are not arrays) are skipped: they validate themselves.
    """
    found = []
    for name in dist._child_fields:
        value = getattr(dist, name)
        if isinstance(value, int | float) and not isinstance(value, bool):
            value = jnp.asarray(value)
        if isinstance(value, bool | Distribution) or not hasattr(value, "shape"):
            continue
        if not jnp.issubdtype(value.dtype, jnp.inexact):
            continue
        found.append(checks.finite(name, value, dist.infinite_params.get(name)))
    return tuple(found)
