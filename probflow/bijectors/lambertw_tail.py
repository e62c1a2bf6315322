"""``LambertWTail``: the heavy-tail Lambert W transform of Goerg (2015)."""

from __future__ import annotations

import jax
import jax.numpy as jnp

from probflow.bijectors._lambertw import lambertw, lambertw_of_log
from probflow.bijectors._utils import float_params, positive
from probflow.bijectors.bijector import Bijector
from probflow.core.checks import Check
from probflow.typing import ArrayLike

__all__ = ["LambertWTail"]


class LambertWTail(Bijector):
    """``y = shift + scale * u exp(tailweight u**2 / 2)`` with ``u = (x - shift) / scale``.

    The transform behind heavy-tailed Lambert W x F distributions (Goerg 2015): it leaves
    ``shift`` fixed and fattens the tails for ``tailweight > 0`` (the identity at 0). The
    inverse is ``u = z exp(-W(tailweight z**2) / 2)`` (that is,
    ``sign(z) sqrt(W(tailweight z**2) / tailweight)``) with ``z = (y - shift) / scale`` and
    ``W`` Lambert's function;
    ``log|dy/dx| = tailweight u**2 / 2 + log(1 + tailweight u**2)``.

    Args:
        shift: real.
        scale: positive.
        tailweight: non-negative.

    Examples:
        >>> import probflow.bijectors as pfb
        >>> b = pfb.LambertWTail(shift=0.0, scale=1.0, tailweight=0.5)
        >>> round(float(b.forward(2.0)), 4)
        5.4366
        >>> round(float(b.inverse(5.43656)), 4)
        2.0
    """

    shift: jax.Array
    scale: jax.Array
    tailweight: jax.Array

    def __init__(self, shift: ArrayLike, scale: ArrayLike, tailweight: ArrayLike, *,
                 validate_args: bool = False, name: str | None = None):
        shift, scale, tailweight = float_params(shift, scale, tailweight)
        self._set(shift=shift, scale=scale, tailweight=tailweight,
                  validate_args=validate_args, name=name)
        self._validate(positive("scale", scale),
                       Check("tailweight", tailweight, lambda v: v >= 0, "non-negative"))

    def _forward(self, x):
        u = (x - self.shift) / self.scale
        return self.shift + self.scale * u * jnp.exp(0.5 * self.tailweight * jnp.square(u))

    def _inverse(self, y):
        z = (y - self.shift) / self.scale
        # u**2 = W(d z**2) / d, and W(a) / a = exp(-W(a)): u = z exp(-W(d z**2) / 2), smooth
        # at z = 0 and at tailweight = 0 (the identity). Large d z**2 (which may overflow)
        # goes through its logarithm.
        a = self.tailweight * jnp.square(z)
        small = a < 1.0
        log_a = jnp.log(jnp.where(small, 1.0, self.tailweight)) + 2.0 * jnp.log(
            jnp.where(small, 1.0, jnp.abs(z)))
        w = jnp.where(small, lambertw(jnp.where(small, a, 0.0)),
                      lambertw_of_log(jnp.where(small, 0.0, log_a)))
        return self.shift + self.scale * z * jnp.exp(-0.5 * w)

    def _forward_log_det_jacobian(self, x):
        d_u2 = self.tailweight * jnp.square((x - self.shift) / self.scale)
        return 0.5 * d_u2 + jnp.log1p(d_u2)

    def _is_increasing(self):
        return True
