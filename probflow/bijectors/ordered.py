"""Bijectors onto ordered vectors: ``Ascending`` and ``Cumsum``."""

from __future__ import annotations

import jax
import jax.numpy as jnp

from probflow.bijectors.bijector import Bijector
from probflow.core.pytree import static_field

__all__ = ["Ascending", "Cumsum"]


class Ascending(Bijector):
    """``y_0 = x_0``, ``y_k = y_{k-1} + exp(x_k)``: the reals onto strictly increasing vectors.

    ``log|det J| = sum_{k >= 1} x_k``; the inverse is ``x_k = log(y_k - y_{k-1})``.

    Examples:
        >>> import jax.numpy as jnp
        >>> import probflow.bijectors as pfb
        >>> pfb.Ascending().forward(jnp.asarray([1.0, 0.0, 0.0]))
        Array([1., 2., 3.], dtype=float32)
    """

    forward_min_event_ndims = 1
    inverse_min_event_ndims = 1

    def _forward(self, x):
        steps = jnp.concatenate([x[..., :1], jnp.exp(x[..., 1:])], axis=-1)
        return jnp.cumsum(steps, axis=-1)

    def _inverse(self, y):
        return jnp.concatenate([y[..., :1], jnp.log(jnp.diff(y, axis=-1))], axis=-1)

    def _forward_log_det_jacobian(self, x):
        return jnp.sum(x[..., 1:], axis=-1)

    def _inverse_log_det_jacobian(self, y):
        return -jnp.sum(jnp.log(jnp.diff(y, axis=-1)), axis=-1)


class Cumsum(Bijector):
    """Cumulative sum along ``axis`` (negative); the log-determinant is zero.

    Examples:
        >>> import jax.numpy as jnp
        >>> import probflow.bijectors as pfb
        >>> pfb.Cumsum().forward(jnp.asarray([1.0, 2.0, 3.0]))
        Array([1., 3., 6.], dtype=float32)
        >>> pfb.Cumsum().inverse(jnp.asarray([1.0, 3.0, 6.0]))
        Array([1., 2., 3.], dtype=float32)
    """

    axis: int = static_field(default=-1)
    is_constant_jacobian = True

    def __init__(self, axis: int = -1, *, validate_args: bool = False, name: str | None = None):
        if int(axis) >= 0:
            raise ValueError(f"Cumsum: axis must be negative (counted from the right), got {axis}")
        self._set(axis=int(axis), validate_args=validate_args, name=name)

    @property
    def forward_min_event_ndims(self) -> int:  # pyright: ignore[reportIncompatibleVariableOverride]
        return -self.axis

    @property
    def inverse_min_event_ndims(self) -> int:  # pyright: ignore[reportIncompatibleVariableOverride]
        return -self.axis

    def _forward(self, x):
        return jnp.cumsum(x, axis=self.axis)

    def _inverse(self, y):
        head = jax.lax.slice_in_dim(y, 0, 1, axis=y.ndim + self.axis)
        return jnp.concatenate([head, jnp.diff(y, axis=self.axis)], axis=self.axis)

    def _forward_log_det_jacobian(self, x):
        return jnp.zeros((), dtype=x.dtype)

    def _inverse_log_det_jacobian(self, y):
        return jnp.zeros((), dtype=y.dtype)
