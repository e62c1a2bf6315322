"""Elementwise bijectors (scalar events)."""

from __future__ import annotations

import jax.numpy as jnp

from probflow.bijectors.bijector import Bijector

__all__ = ["Identity", "Exp"]


class Identity(Bijector):
    """``y = x``.

    Examples:
        >>> import probflow.bijectors as pfb
        >>> float(pfb.Identity().forward(2.0))
        2.0
    """

    is_constant_jacobian = True

    def _forward(self, x):
        return x

    def _inverse(self, y):
        return y

    def _forward_log_det_jacobian(self, x):
        return jnp.zeros_like(x)


class Exp(Bijector):
    """``y = exp(x)``, from the reals onto the positive reals.

    Examples:
        >>> import probflow.bijectors as pfb
        >>> float(pfb.Exp().inverse(1.0))
        0.0
    """

    def _forward(self, x):
        return jnp.exp(x)

    def _inverse(self, y):
        return jnp.log(y)

    def _forward_log_det_jacobian(self, x):
        return x
