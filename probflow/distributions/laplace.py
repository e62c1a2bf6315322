"""The Laplace (double exponential) distribution."""

from __future__ import annotations

import math

import jax
import jax.numpy as jnp

from probflow.core import checks
from probflow.core.numerics import promote_floats
from probflow.distributions import constraints
from probflow.distributions.distribution import Distribution
from probflow.distributions.kl import register_kl
from probflow.typing import ArrayLike

__all__ = ["Laplace"]

_LOG_2 = math.log(2.0)


class Laplace(Distribution):
    """Laplace distribution with location ``loc`` and scale ``scale``.

    ``log_prob(x) = -|x - loc| / scale - log(2 scale)``. With ``z = (x - loc) / scale``,
    ``cdf = exp(z) / 2`` for ``z < 0`` and ``1 - exp(-z) / 2`` otherwise; ``log_cdf`` is
    ``z - log 2`` in the left tail and ``log1p(-exp(-z) / 2)`` on the right (and
    symmetrically for the survival function), exact in both tails. Mean, median and mode
    are ``loc``; variance ``2 scale**2``; entropy ``1 + log(2 scale)``. Sampling is
    reparameterized.

    Args:
        loc: location; broadcast with ``scale``.
        scale: scale, positive.

    Examples:
        >>> import probflow.distributions as pfd
        >>> d = pfd.Laplace(loc=0.0, scale=1.0)
        >>> round(float(d.log_prob(1.0)), 4)
        -1.6931
        >>> float(d.variance()), float(d.cdf(0.0))
        (2.0, 0.5)
    """

    loc: jax.Array
    scale: jax.Array
    reparameterized = True

    def __init__(self, loc: ArrayLike, scale: ArrayLike, *, validate_args: bool = False,
                 name: str | None = None):
        loc, scale = promote_floats(loc, scale)
        self._set(loc=loc, scale=scale, validate_args=validate_args, name=name)
        self._validate(checks.positive("scale", scale))

    @property
    def support(self) -> constraints.Constraint:
        return constraints.real

    def _sample(self, key, sample_shape):
        eps = jax.random.laplace(key, sample_shape + self.batch_shape, dtype=self.dtype)
        return self.loc + self.scale * eps

    def _z(self, value):
        return (value - self.loc) / self.scale

    def _log_prob(self, value):
        return -jnp.abs(self._z(value)) - jnp.log(2.0 * self.scale)

    def _cdf(self, value):
        z = self._z(value)
        half_tail = 0.5 * jnp.exp(-jnp.abs(z))
        return jnp.where(z < 0, half_tail, 1.0 - half_tail)

    def _log_cdf(self, value):
        z = self._z(value)
        return jnp.where(z < 0, z - _LOG_2, jnp.log1p(-0.5 * jnp.exp(-jnp.abs(z))))

    def _survival_function(self, value):
        z = self._z(value)
        half_tail = 0.5 * jnp.exp(-jnp.abs(z))
        return jnp.where(z > 0, half_tail, 1.0 - half_tail)

    def _log_survival_function(self, value):
        z = self._z(value)
        return jnp.where(z > 0, -z - _LOG_2, jnp.log1p(-0.5 * jnp.exp(-jnp.abs(z))))

    def _quantile(self, value):
        centered = value - 0.5
        return self.loc - self.scale * jnp.sign(centered) * jnp.log1p(-2.0 * jnp.abs(centered))

    def _mean(self):
        return jnp.broadcast_to(self.loc, self.batch_shape)

    def _variance(self):
        return jnp.broadcast_to(2.0 * jnp.square(self.scale), self.batch_shape)

    def _mode(self):
        return self._mean()

    def _entropy(self):
        return jnp.broadcast_to(1.0 + _LOG_2 + jnp.log(self.scale), self.batch_shape)


@register_kl(Laplace, Laplace)
def _kl_laplace_laplace(p: Laplace, q: Laplace):
    # E_p|X - l_q| = |d| + s_p exp(-|d| / s_p) with d = l_p - l_q.
    distance = jnp.abs(p.loc - q.loc)
    ratio = p.scale / q.scale
    return (
        -jnp.log(ratio)
        + distance / q.scale
        + ratio * jnp.exp(-distance / p.scale)
        - 1.0
    )
