"""The asymmetric Laplace distribution (NumPyro's parameterisation)."""

from __future__ import annotations

import jax
import jax.numpy as jnp

from probflow.core import checks
from probflow.core.numerics import promote_floats
from probflow.distributions import constraints
from probflow.distributions.distribution import Distribution
from probflow.typing import Array, ArrayLike, PRNGKey

__all__ = ["AsymmetricLaplace"]


class AsymmetricLaplace(Distribution):
    """Two exponential tails of different scales joined at ``loc``.

    NumPyro's parameterisation: with ``k = asymmetry``, the left tail has scale
    ``scale * k`` and the right tail ``scale / k``; ``log_prob(x) = -|x - loc| / s_side -
    log(scale (k + 1/k))``, so ``P(X < loc) = k**2 / (1 + k**2)``. This is scipy's
    ``laplace_asymmetric(kappa=k, loc, scale)``; ``k = 1`` is the Laplace distribution.
    Mean ``loc + scale (1/k - k)``, variance ``scale**2 (1/k**2 + k**2)``, mode ``loc``,
    entropy ``1 + log(scale (k + 1/k))``. Sampling is reparameterized (the difference of
    two scaled exponentials).

    Args:
        loc: the mode; default 0.
        scale: positive; default 1.
        asymmetry: positive ``k``; default 1.

    Examples:
        >>> import probflow.distributions as pfd
        >>> d = pfd.AsymmetricLaplace(loc=0.0, scale=1.0, asymmetry=2.0)
        >>> round(float(d.cdf(0.0)), 4), float(d.mean())
        (0.8, -1.5)
    """

    loc: jax.Array
    scale: jax.Array
    asymmetry: jax.Array
    reparameterized = True

    def __init__(self, loc: ArrayLike = 0.0, scale: ArrayLike = 1.0, asymmetry: ArrayLike = 1.0,
                 *, validate_args: bool = False, name: str | None = None):
        loc, scale, asymmetry = promote_floats(loc, scale, asymmetry)
        self._set(loc=loc, scale=scale, asymmetry=asymmetry, validate_args=validate_args,
                  name=name)
        self._validate(checks.positive("scale", scale), checks.positive("asymmetry", asymmetry))

    @property
    def support(self) -> constraints.Constraint:
        return constraints.real

    def _scales(self):
        return self.scale * self.asymmetry, self.scale / self.asymmetry

    def _sample(self, key: PRNGKey, sample_shape: tuple[int, ...]) -> Array:
        left, right = self._scales()
        e = jax.random.exponential(key, (2,) + sample_shape + self.batch_shape, self.dtype)
        return self.loc - left * e[0] + right * e[1]

    def _log_prob(self, value):
        left, right = self._scales()
        z = value - self.loc
        return -jnp.abs(z) / jnp.where(z < 0, left, right) - jnp.log(left + right)

    def _left_mass(self):
        k2 = jnp.square(self.asymmetry)
        return k2 / (1.0 + k2)

    def _log_cdf(self, value):
        left, right = self._scales()
        z = value - self.loc
        below = jnp.log(self._left_mass()) + jnp.minimum(z, 0.0) / left
        above = jnp.log1p(-(1.0 - self._left_mass()) * jnp.exp(-jnp.maximum(z, 0.0) / right))
        return jnp.where(z < 0, below, above)

    def _log_survival_function(self, value):
        left, right = self._scales()
        z = value - self.loc
        above = jnp.log1p(-self._left_mass()) - jnp.maximum(z, 0.0) / right
        below = jnp.log1p(-self._left_mass() * jnp.exp(jnp.minimum(z, 0.0) / left))
        return jnp.where(z >= 0, above, below)

    def _quantile(self, value):
        left, right = self._scales()
        m = self._left_mass()
        below = self.loc + left * jnp.log(jnp.minimum(value, m) / m)
        above = self.loc - right * jnp.log(jnp.minimum(1.0 - value, 1.0 - m) / (1.0 - m))
        return jnp.where(value <= m, below, above)

    def _mean(self):
        left, right = self._scales()
        return jnp.broadcast_to(self.loc + right - left, self.batch_shape)

    def _variance(self):
        left, right = self._scales()
        return jnp.broadcast_to(jnp.square(left) + jnp.square(right), self.batch_shape)

    def _mode(self):
        return jnp.broadcast_to(self.loc, self.batch_shape)

    def _entropy(self):
        left, right = self._scales()
        return jnp.broadcast_to(1.0 + jnp.log(left + right), self.batch_shape)
