"""``Masked``: switch batch members off (their log density becomes 0)."""

from __future__ import annotations

from typing import Any

import jax
import jax.numpy as jnp

from probflow.core.shapes import broadcast_shapes
from probflow.distributions import constraints
from probflow.distributions.distribution import Distribution
from probflow.typing import ArrayLike

__all__ = ["Masked"]


class Masked(Distribution):
    """A distribution whose batch members with ``validity_mask == False`` are switched off.

    ``log_prob`` is the base's where the mask is true and 0 where it is false (TFP's
    semantics), so masked-out observations drop out of a likelihood. Samples pass through
    unchanged; ``entropy`` is 0 where masked.

    Args:
        distribution: the base distribution.
        validity_mask: boolean array broadcasting against the base's batch shape.

    Examples:
        >>> import jax.numpy as jnp
        >>> import probflow.distributions as pfd
        >>> d = pfd.Masked(pfd.Normal(jnp.zeros(3), 1.0), jnp.asarray([True, False, True]))
        >>> d.log_prob(jnp.zeros(3))[1]
        Array(0., dtype=float32)
    """

    distribution: Distribution
    validity_mask: jax.Array

    def __init__(self, distribution: Distribution, validity_mask: ArrayLike, *,
                 validate_args: bool = False, name: str | None = None):
        mask = jnp.asarray(validity_mask, dtype=bool)
        broadcast_shapes(mask.shape, distribution.batch_shape,
                         what="Masked: validity_mask and the distribution's batch_shape")
        self._set(distribution=distribution, validity_mask=mask, validate_args=validate_args,
                  name=name)

    @property
    def reparameterized(self) -> bool:  # pyright: ignore[reportIncompatibleVariableOverride]
        return self.distribution.reparameterized

    @property
    def batch_shape(self) -> tuple[int, ...]:
        return broadcast_shapes(self.validity_mask.shape, self.distribution.batch_shape)

    @property
    def event_shape(self) -> tuple[int, ...]:
        return self.distribution.event_shape

    @property
    def dtype(self) -> Any:
        return self.distribution.dtype

    @property
    def support(self) -> constraints.Constraint:
        return self.distribution.support

    @property
    def is_discrete(self) -> bool:
        return self.distribution.is_discrete

    def _sample(self, key, sample_shape):
        x = self.distribution.sample(key, sample_shape)
        return jnp.broadcast_to(x, tuple(sample_shape) + self.batch_shape
                                + tuple(self.event_shape))

    def _log_prob(self, value):
        lp = self.distribution.log_prob(value)
        return jnp.where(self.validity_mask, lp, jnp.zeros((), lp.dtype))

    def _mean(self):
        return self.distribution.mean()

    def _variance(self):
        return self.distribution.variance()

    def _mode(self):
        return self.distribution.mode()

    def _entropy(self):
        h = self.distribution.entropy()
        return jnp.where(self.validity_mask, h, jnp.zeros((), h.dtype))
