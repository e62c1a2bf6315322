"""``PowerTransform``: the Box-Cox family ``(1 + c x) ** (1 / c)``, ``Exp`` at ``c = 0``."""

from __future__ import annotations

import math

import jax.numpy as jnp

from probflow.bijectors.bijector import Bijector
from probflow.core.pytree import static_field

__all__ = ["PowerTransform"]


class PowerTransform(Bijector):
    """``y = (1 + c x) ** (1 / c)`` for ``x > -1 / c`` (``y = exp(x)`` when ``c = 0``), onto
    ``(0, inf)``.

    The inverse is the Box-Cox transform ``x = (y ** c - 1) / c``;
    ``log|dy/dx| = (1 / c - 1) log(1 + c x)``. As in TFP, ``power`` is static
    configuration: a concrete, non-negative number (changing it retraces).

    Args:
        power: the non-negative number ``c``, default 0.

    Examples:
        >>> import probflow.bijectors as pfb
        >>> float(pfb.PowerTransform(0.5).forward(2.0))
        4.0
        >>> float(pfb.PowerTransform(0.5).inverse(4.0))
        2.0
        >>> round(float(pfb.PowerTransform(0.0).forward(1.0)), 4)  # Exp
        2.7183
    """

    power: float = static_field(default=0.0)

    def __init__(self, power: float = 0.0, *, validate_args: bool = False,
                 name: str | None = None):
        try:
            value = float(power)
        except (TypeError, ValueError) as err:
            raise TypeError(
                f"PowerTransform: power must be a concrete non-negative number (static "
                f"configuration, as in TFP), got {power!r}") from err
        if not (value >= 0.0 and math.isfinite(value)):
            raise ValueError(
                f"PowerTransform: power must be a finite non-negative number, got {power!r}")
        self._set(power=value, validate_args=validate_args, name=name)

    def _forward(self, x):
        if self.power == 0.0:
            return jnp.exp(x)
        return jnp.exp(jnp.log1p(self.power * x) / self.power)

    def _inverse(self, y):
        if self.power == 0.0:
            return jnp.log(y)
        return jnp.expm1(self.power * jnp.log(y)) / self.power

    def _forward_log_det_jacobian(self, x):
        if self.power == 0.0:
            return x
        return (1.0 / self.power - 1.0) * jnp.log1p(self.power * x)

    def _inverse_log_det_jacobian(self, y):
        return (self.power - 1.0) * jnp.log(y)

    def _is_increasing(self):
        return True
