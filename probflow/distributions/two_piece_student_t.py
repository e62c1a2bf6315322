"""The two-piece (split) Student's t distribution."""

from __future__ import annotations

import math

import jax
import jax.numpy as jnp
from jax.scipy import special

from probflow.core import checks
from probflow.core.numerics import promote_floats
from probflow.distributions import constraints
from probflow.distributions.distribution import Distribution
from probflow.distributions.student_t import _t_log_density, _t_standard_sample, _t_two_sided
from probflow.typing import ArrayLike

__all__ = ["TwoPieceStudentT"]


class TwoPieceStudentT(Distribution):
    """Two Student's t halves joined at ``loc``, wider above when ``skewness > 1``.

    With ``y = (x - loc) / scale`` and ``g = skewness`` the density is ``2 / (g + 1/g)
    t_df(y / g) / scale`` for ``y >= 0`` and ``2 / (g + 1/g) t_df(g y) / scale`` for ``y <
    0`` (TFP's parameterisation; ``g = 1`` is Student's t). ``P(X < loc) = 1 / (1 + g**2)``;
    ``cdf = 2 / (1 + g**2) T(g y)`` below ``loc`` and ``1 - 2 g**2 / (1 + g**2) T(-y / g)``
    above, with the t tail ``T`` from the incomplete beta function. With ``m = E|T| = 2
    sqrt(df) Gamma((df + 1) / 2) / (sqrt(pi) Gamma(df / 2) (df - 1))``: mean ``loc + scale
    (g - 1/g) m`` (NaN for ``df <= 1``), variance ``scale**2 ((g**2 - 1 + 1/g**2) df / (df -
    2) - (g - 1/g)**2 m**2)`` (``inf`` for ``1 < df <= 2``), mode ``loc``. Sampling draws
    ``|T|`` and a side (``-|T| / g`` with probability ``1 / (1 + g**2)``, else ``g |T|``);
    it is not reparameterized in ``skewness``.

    Args:
        df: positive degrees of freedom.
        loc: the mode.
        scale: positive.
        skewness: positive; above 1 the right half is wider.

    Examples:
        >>> import probflow.distributions as pfd
        >>> d = pfd.TwoPieceStudentT(df=5.0, loc=0.0, scale=1.0, skewness=2.0)
        >>> round(float(d.cdf(0.0)), 4), round(float(d.mean()), 4)
        (0.2, 1.4235)
    """

    df: jax.Array
    loc: jax.Array
    scale: jax.Array
    skewness: jax.Array

    def __init__(self, df: ArrayLike, loc: ArrayLike, scale: ArrayLike, skewness: ArrayLike, *,
                 validate_args: bool = False, name: str | None = None):
        df, loc, scale, skewness = promote_floats(df, loc, scale, skewness)
        self._set(df=df, loc=loc, scale=scale, skewness=skewness,
                  validate_args=validate_args, name=name)
        self._validate(checks.positive("df", df), checks.positive("scale", scale),
                       checks.positive("skewness", skewness))

    @property
    def support(self) -> constraints.Constraint:
        return constraints.real

    def _sample(self, key, sample_shape):
        shape = sample_shape + self.batch_shape
        key_t, key_side = jax.random.split(key)
        magnitude = jnp.abs(_t_standard_sample(key_t, self.df, shape, self.dtype))
        g = self.skewness
        below = jax.random.uniform(key_side, shape, self.dtype) < 1.0 / (1.0 + g * g)
        return self.loc + self.scale * jnp.where(below, -magnitude / g, magnitude * g)

    def _scaled(self, value):
        g = self.skewness
        y = (value - self.loc) / self.scale
        return jnp.where(y >= 0, y / g, y * g), y

    def _log_prob(self, value):
        g = self.skewness
        t, _ = self._scaled(value)
        return (math.log(2.0) - jnp.log(g + 1.0 / g) + _t_log_density(self.df, t)
                - jnp.log(self.scale))

    def _halves(self, value):
        """``(P(X <= x), P(X > x))``, each from the tail that keeps its digits."""
        g2 = jnp.square(self.skewness)
        t, y = self._scaled(value)
        _, p_out = _t_two_sided(self.df, t)
        tail = 0.5 * p_out  # P(T > |t|)
        below = y < 0
        cdf = jnp.where(below, 2.0 / (1.0 + g2) * tail, 1.0 - 2.0 * g2 / (1.0 + g2) * tail)
        sf = jnp.where(below, 1.0 - 2.0 / (1.0 + g2) * tail, 2.0 * g2 / (1.0 + g2) * tail)
        return cdf, sf

    def _cdf(self, value):
        return self._halves(value)[0]

    def _survival_function(self, value):
        return self._halves(value)[1]

    def _abs_mean(self):
        df = self.df
        finite = df > 1.0
        safe = jnp.where(finite, df, 2.0)
        m = (2.0 * jnp.sqrt(safe) * jnp.exp(special.gammaln(0.5 * (safe + 1.0))
                                            - special.gammaln(0.5 * safe))
             / (math.sqrt(math.pi) * (safe - 1.0)))
        return jnp.where(finite, m, jnp.nan)

    def _mean(self):
        g = self.skewness
        mean = self.loc + self.scale * (g - 1.0 / g) * self._abs_mean()
        return jnp.broadcast_to(mean, self.batch_shape)

    def _variance(self):
        g, df = self.skewness, self.df
        finite = df > 2.0
        safe = jnp.where(finite, df, 3.0)
        second = (g * g - 1.0 + 1.0 / (g * g)) * safe / (safe - 2.0)
        var = jnp.square(self.scale) * (second - jnp.square((g - 1.0 / g) * self._abs_mean()))
        var = jnp.where(finite, var, jnp.where(df > 1.0, jnp.inf, jnp.nan))
        return jnp.broadcast_to(var, self.batch_shape)

    def _mode(self):
        return jnp.broadcast_to(self.loc, self.batch_shape)
