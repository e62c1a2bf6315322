"""Softsign (onto ``(-1, 1)``) and Softfloor (a differentiable, invertible staircase)."""

from __future__ import annotations

import jax
import jax.numpy as jnp

from probflow.bijectors._utils import float_params, positive
from probflow.bijectors.bijector import Bijector
from probflow.core.numerics import log1mexp, softplus
from probflow.typing import ArrayLike

__all__ = ["Softsign", "Softfloor"]


class Softsign(Bijector):
    """``y = x / (1 + |x|)``, from the reals onto ``(-1, 1)``.

    ``x = y / (1 - |y|)``; ``log|dy/dx| = -2 log(1 + |x|)``. For ``|x| >= 1e20`` the
    forward map returns ``sign(x)`` (as TFP does), so infinite inputs give ``+-1``.

    Examples:
        >>> import probflow.bijectors as pfb
        >>> float(pfb.Softsign().forward(3.0))
        0.75
        >>> float(pfb.Softsign().inverse(-0.5))
        -1.0
    """

    def _forward(self, x):
        abs_x = jnp.abs(x)
        huge = abs_x >= 1e20
        safe_x = jnp.where(huge, 0.0, x)
        return jnp.where(huge, jnp.sign(x), safe_x / (1.0 + jnp.abs(safe_x)))

    def _inverse(self, y):
        return y / (1.0 - jnp.abs(y))

    def _forward_log_det_jacobian(self, x):
        return -2.0 * jnp.log1p(jnp.abs(x))

    def _inverse_log_det_jacobian(self, y):
        return -2.0 * jnp.log1p(-jnp.abs(y))

    def _is_increasing(self):
        return True


class Softfloor(Bijector):
    """A differentiable approximation of ``floor(x)`` with temperature ``t``, a bijection of
    the reals.

    On each interval ``[n + 1/2, n + 3/2)`` the map is a sigmoid step centred at the integer
    ``n + 1``, rescaled so that the steps join continuously:
    ``y = n + sigmoid(-h) + (sigmoid(s) - sigmoid(-h)) / tanh(h / 2)`` with ``h = 1 / (2t)``
    and ``s = (x - n - 1) / t`` (TFP's convention: the offset ``sigmoid(-h)`` makes the map
    approach the identity as ``t`` grows; it approaches ``floor`` as ``t -> 0``).
    ``log|dy/dx| = log sigmoid'(s) - log t - log tanh(h / 2)``, periodic with period 1.
    Small temperatures make the inverse ill-conditioned (the steps become flat).

    Args:
        temperature: positive.

    Examples:
        >>> import probflow.bijectors as pfb
        >>> b = pfb.Softfloor(temperature=0.05)
        >>> import jax.numpy as jnp
        >>> [round(float(v), 2) for v in b.forward(jnp.asarray([2.3, 3.7]))]
        [2.0, 3.0]
        >>> round(float(b.inverse(b.forward(2.6))), 4)
        2.6
    """

    temperature: jax.Array

    def __init__(self, temperature: ArrayLike, *, validate_args: bool = False,
                 name: str | None = None):
        (temperature,) = float_params(temperature)
        self._set(temperature=temperature, validate_args=validate_args, name=name)
        self._validate(positive("temperature", temperature))

    def _constants(self):
        """``(h, sigmoid(-h), tanh(h / 2))``."""
        h = 0.5 / self.temperature
        return h, jax.nn.sigmoid(-h), jnp.tanh(0.5 * h)

    def _forward(self, x):
        t = self.temperature
        h, low, width = self._constants()
        n = jnp.floor(x - 0.5)
        s = (x - n - 1.0) / t
        return n + low + (jax.nn.sigmoid(s) - low) / width

    def _inverse(self, y):
        t = self.temperature
        _, low, width = self._constants()
        n = jnp.floor(y - low)
        f = y - low - n
        # sigmoid(s) = low + f width, and 1 - sigmoid(s) = low + (1 - f) width.
        s = jnp.log(low + f * width) - jnp.log(low + (1.0 - f) * width)
        return n + 1.0 + t * s

    def _forward_log_det_jacobian(self, x):
        t = self.temperature
        h, _, _ = self._constants()
        s = (x - jnp.floor(x - 0.5) - 1.0) / t
        log_width = log1mexp(h) - jnp.log1p(jnp.exp(-h))
        return -softplus(s) - softplus(-s) - jnp.log(t) - log_width

    def _is_increasing(self):
        return True
