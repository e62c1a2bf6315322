"""``UnitVector``: the reals ``R^n`` onto the unit sphere in ``R^(n+1)``."""

from __future__ import annotations

import math
from collections.abc import Sequence

import jax.numpy as jnp

from probflow.bijectors.bijector import Bijector
from probflow.core.checks import Check
from probflow.core.errors import ShapeError

__all__ = ["UnitVector"]

_LOG_2 = math.log(2.0)


class UnitVector(Bijector):
    """Inverse stereographic projection from ``R^n`` onto the unit sphere in ``R^(n+1)``
    (without its north pole ``(0, ..., 0, 1)``).

    ``y = (2 x, |x|^2 - 1) / (|x|^2 + 1)`` and ``x = y[:-1] / (1 - y[-1])``. The map is
    conformal with factor ``2 / (1 + |x|^2)``, so the volume change onto the sphere is
    ``log|det| = n (log 2 - log(1 + |x|^2))`` (TFP's convention, like
    [`SoftmaxCentered`][probflow.bijectors.simplex.SoftmaxCentered]'s onto the simplex).
    With it, a density on ``R^n`` becomes a density on the sphere with respect to its
    surface measure: use it as the event-space bijector of sphere-valued variables (a
    von Mises-Fisher direction, say). Event shape ``(n,) -> (n + 1,)``.

    Examples:
        >>> import jax.numpy as jnp
        >>> import probflow.bijectors as pfb
        >>> b = pfb.UnitVector()
        >>> b.forward(jnp.asarray([2.0, 1.0, 2.0]))
        Array([0.4, 0.2, 0.4, 0.8], dtype=float32)
        >>> [round(float(v), 4) for v in b.inverse(jnp.asarray([0.4, 0.2, 0.4, 0.8]))]
        [2.0, 1.0, 2.0]
    """

    forward_min_event_ndims = 1
    inverse_min_event_ndims = 1

    def _forward(self, x):
        norm_sq = jnp.sum(jnp.square(x), axis=-1, keepdims=True)
        return jnp.concatenate([2.0 * x, norm_sq - 1.0], axis=-1) / (norm_sq + 1.0)

    def _inverse(self, y):
        if self.validate_args:
            tol = 10.0 * jnp.finfo(jnp.result_type(y, float)).eps
            self._validate(Check("y", y, lambda v: abs((v * v).sum(axis=-1) - 1.0) <= tol,
                                 "unit vectors along the last axis"),
                           Check("y", y, lambda v: v[..., -1] != 1.0,
                                 "away from the north pole (last coordinate below 1)"))
        return y[..., :-1] / (1.0 - y[..., -1:])

    def _forward_log_det_jacobian(self, x):
        n = x.shape[-1]
        return n * (_LOG_2 - jnp.log1p(jnp.sum(jnp.square(x), axis=-1)))

    def _inverse_log_det_jacobian(self, y):
        # 1 + |x|^2 = 2 / (1 - y_n), so the forward log-det is n log(1 - y_n).
        n = y.shape[-1] - 1
        return -n * jnp.log1p(-y[..., -1])

    def forward_event_shape(self, input_shape: Sequence[int]) -> tuple[int, ...]:
        shape = tuple(input_shape)
        if not shape:
            raise ShapeError("UnitVector: the input event must be a vector, got shape ()")
        return shape[:-1] + (shape[-1] + 1,)

    def inverse_event_shape(self, output_shape: Sequence[int]) -> tuple[int, ...]:
        shape = tuple(output_shape)
        if not shape or shape[-1] < 2:
            raise ShapeError(f"UnitVector: the output event must be a vector of length >= 2, "
                             f"got shape {shape}")
        return shape[:-1] + (shape[-1] - 1,)
