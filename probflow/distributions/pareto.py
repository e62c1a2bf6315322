"""The Pareto (type I) distribution."""

from __future__ import annotations

import jax
import jax.numpy as jnp

from probflow.core import checks
from probflow.core.numerics import log1mexp, promote_floats
from probflow.distributions import constraints
from probflow.distributions.distribution import Distribution
from probflow.typing import ArrayLike

__all__ = ["Pareto"]


class Pareto(Distribution):
    """Pareto distribution with tail index ``concentration`` (alpha) and minimum ``scale`` (m).

    ``log_prob(x) = log(alpha) + alpha log(m) - (alpha + 1) log(x)`` for ``x >= m``;
    ``survival(x) = (m / x)**alpha``. Mean ``alpha m / (alpha - 1)`` (inf for ``alpha <= 1``),
    variance ``m**2 alpha / ((alpha - 1)**2 (alpha - 2))`` (inf for ``alpha <= 2``), mode
    ``m``, entropy ``log(m / alpha) + 1 / alpha + 1``. Sampling by the inverse cdf
    (reparameterized).

    Args:
        concentration: tail index ``alpha > 0``.
        scale: minimum value ``m > 0`` (default 1).

    Examples:
        >>> import probflow.distributions as pfd
        >>> d = pfd.Pareto(concentration=3.0, scale=2.0)
        >>> float(d.mean())
        3.0
        >>> float(d.cdf(4.0))
        0.875
    """

    concentration: jax.Array
    scale: jax.Array
    reparameterized = True

    def __init__(self, concentration: ArrayLike, scale: ArrayLike = 1.0, *,
                 validate_args: bool = False, name: str | None = None):
        concentration, scale = promote_floats(concentration, scale)
        self._set(concentration=concentration, scale=scale, validate_args=validate_args,
                  name=name)
        self._validate(checks.positive("concentration", concentration),
                       checks.positive("scale", scale))

    @property
    def support(self) -> constraints.Constraint:
        return constraints.GreaterThan(self.scale, closed=True)

    def _sample(self, key, sample_shape):
        shape = sample_shape + self.batch_shape
        u = jax.random.uniform(key, shape, self.dtype, minval=jnp.finfo(self.dtype).tiny)
        return self.scale * jnp.exp(-jnp.log(u) / self.concentration)

    def _log_prob(self, value):
        a, m = self.concentration, self.scale
        inside = value >= m
        x = jnp.where(inside, value, m)
        lp = jnp.log(a) + a * jnp.log(m) - (a + 1.0) * jnp.log(x)
        return jnp.where(inside, lp, -jnp.inf)

    def _log_survival_function(self, value):
        x = jnp.maximum(value, self.scale)
        return self.concentration * (jnp.log(self.scale) - jnp.log(x))

    def _log_cdf(self, value):
        return log1mexp(self._log_survival_function(value))

    def _cdf(self, value):
        return -jnp.expm1(self._log_survival_function(value))

    def _quantile(self, value):
        return self.scale * jnp.exp(-jnp.log1p(-value) / self.concentration)

    def _mean(self):
        a, m = self.concentration, self.scale
        safe = jnp.where(a > 1, a, 2.0)
        return jnp.broadcast_to(jnp.where(a > 1, safe * m / (safe - 1.0), jnp.inf),
                                self.batch_shape)

    def _variance(self):
        a, m = self.concentration, self.scale
        safe = jnp.where(a > 2, a, 3.0)
        var = jnp.square(m) * safe / (jnp.square(safe - 1.0) * (safe - 2.0))
        return jnp.broadcast_to(jnp.where(a > 2, var, jnp.inf), self.batch_shape)

    def _mode(self):
        return jnp.broadcast_to(self.scale, self.batch_shape)

    def _entropy(self):
        a, m = self.concentration, self.scale
        return jnp.broadcast_to(jnp.log(m / a) + 1.0 / a + 1.0, self.batch_shape)
