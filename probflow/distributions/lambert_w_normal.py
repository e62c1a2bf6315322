"""The heavy-tailed Lambert W x Normal distribution (Goerg, 2015)."""

from __future__ import annotations

import math

import jax
import jax.numpy as jnp
from jax.scipy import special

from probflow.core import checks
from probflow.core.numerics import promote_floats
from probflow.distributions import constraints
from probflow.distributions.distribution import Distribution
from probflow.typing import ArrayLike

__all__ = ["LambertWNormal"]

_HALF_LOG_2PI = 0.5 * math.log(2.0 * math.pi)
_HALLEY_STEPS = 12


@jax.custom_jvp
def _lambertw(x):
    """Principal branch ``W(x)`` for ``x >= 0`` (``W e**W = x``) by Halley's iteration."""
    w = jnp.where(x < 3.0, jnp.log1p(x) * 0.75, jnp.log(x) - jnp.log(jnp.log(x)))
    for _ in range(_HALLEY_STEPS):
        ew = jnp.exp(w)
        f = w * ew - x
        w = w - f / (ew * (w + 1.0) - 0.5 * (w + 2.0) * f / (w + 1.0))
    return w


@_lambertw.defjvp
def _lambertw_jvp(primals, tangents):
    (x,), (dx,) = primals, tangents
    w = _lambertw(x)
    # W'(x) = 1 / (exp(W) (1 + W)).
    return w, dx / (jnp.exp(w) * (1.0 + w))


def _lambertw_of_exp(log_x):
    """``W(exp(log_x))``, for arguments whose exponential would overflow (``log_x > 20``).

    Newton's iteration on ``w + log(w) = log_x`` from ``log_x - log(log_x)``.
    """
    w = log_x - jnp.log(log_x)
    for _ in range(6):
        w = w - (w + jnp.log(w) - log_x) / (1.0 + 1.0 / w)
    return w


class LambertWNormal(Distribution):
    """Heavy-tailed Lambert W x Normal: ``Y = loc + scale U exp(tailweight U**2 / 2)``, ``U``
    standard normal.

    ``tailweight = 0`` (the default) is ``Normal(loc, scale)``; larger values give heavier
    tails (moments of order ``m`` exist for ``tailweight < 1 / m``). The map inverts in
    closed form with Lambert's W (from its logarithm where ``z**2`` would overflow): for ``z =
    (y - loc) / scale``, ``u = z exp(-W(tailweight
    z**2) / 2)``, so ``log_prob(y) = log phi(u) - tailweight u**2 / 2 - log(1 + tailweight
    u**2) - log(scale)``, ``cdf(y) = ndtr(u)``, quantile ``loc + scale G(ndtri(p))``. Mean
    ``loc`` (NaN for ``tailweight >= 1``), variance ``scale**2 / (1 - 2
    tailweight)**(3/2)`` (``inf`` for ``tailweight >= 1/2``), mode ``loc``. Sampling is
    reparameterized.

    Args:
        loc: location (the median).
        scale: positive.
        tailweight: non-negative ``delta``; default 0.

    Examples:
        >>> import probflow.distributions as pfd
        >>> d = pfd.LambertWNormal(loc=0.5, scale=2.0, tailweight=0.2)
        >>> round(float(d.log_prob(1.0)), 4), round(float(d.variance()), 4)
        (-1.6614, 8.6066)
    """

    loc: jax.Array
    scale: jax.Array
    tailweight: jax.Array
    reparameterized = True

    def __init__(self, loc: ArrayLike, scale: ArrayLike, tailweight: ArrayLike | None = None, *,
                 validate_args: bool = False, name: str | None = None):
        tailweight = 0.0 if tailweight is None else tailweight
        loc, scale, tailweight = promote_floats(loc, scale, tailweight)
        self._set(loc=loc, scale=scale, tailweight=tailweight, validate_args=validate_args,
                  name=name)
        self._validate(checks.positive("scale", scale),
                       checks.nonnegative("tailweight", tailweight))

    @property
    def support(self) -> constraints.Constraint:
        return constraints.real

    def _forward(self, u):
        return self.loc + self.scale * u * jnp.exp(0.5 * self.tailweight * jnp.square(u))

    def _inverse(self, value):
        z = (value - self.loc) / self.scale
        # W(tailweight z**2), from its logarithm where z**2 would overflow.
        nonzero = (z != 0) & (self.tailweight > 0)
        log_arg = jnp.log(jnp.where(nonzero, self.tailweight, 1.0)) + 2.0 * jnp.log(
            jnp.where(nonzero, jnp.abs(z), 1.0))
        large = nonzero & (log_arg > 20.0)
        w = jnp.where(large, _lambertw_of_exp(jnp.where(large, log_arg, 21.0)),
                      _lambertw(self.tailweight * jnp.square(jnp.where(large, 1.0, z))))
        log_abs_u = jnp.log(jnp.where(nonzero, jnp.abs(z), 1.0)) - 0.5 * w
        return jnp.where(nonzero, jnp.sign(z) * jnp.exp(log_abs_u), z)

    def _sample(self, key, sample_shape):
        u = jax.random.normal(key, sample_shape + self.batch_shape, self.dtype)
        return self._forward(u)

    def _log_prob(self, value):
        u = self._inverse(value)
        du2 = self.tailweight * jnp.square(u)
        return (-0.5 * jnp.square(u) - _HALF_LOG_2PI - 0.5 * du2 - jnp.log1p(du2)
                - jnp.log(self.scale))

    def _cdf(self, value):
        return special.ndtr(self._inverse(value))

    def _log_cdf(self, value):
        return special.log_ndtr(self._inverse(value))

    def _survival_function(self, value):
        return special.ndtr(-self._inverse(value))

    def _log_survival_function(self, value):
        return special.log_ndtr(-self._inverse(value))

    def _quantile(self, value):
        return self._forward(special.ndtri(value))

    def _mean(self):
        mean = jnp.where(self.tailweight < 1.0, self.loc, jnp.nan)
        return jnp.broadcast_to(mean, self.batch_shape)

    def _variance(self):
        finite = self.tailweight < 0.5
        safe = jnp.where(finite, self.tailweight, 0.0)
        var = jnp.where(finite, jnp.square(self.scale) / (1.0 - 2.0 * safe) ** 1.5, jnp.inf)
        return jnp.broadcast_to(var, self.batch_shape)

    def _mode(self):
        return jnp.broadcast_to(self.loc, self.batch_shape)
