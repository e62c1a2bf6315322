"""The multivariate Student's t distribution."""

from __future__ import annotations

import math

import jax
import jax.numpy as jnp
from jax.scipy import special

from probflow.core import checks
from probflow.core.numerics import promote_floats
from probflow.distributions import _gamma_draws, constraints
from probflow.distributions.distribution import Distribution
from probflow.distributions.mvn import _check_dims, matvec, solve_lower
from probflow.typing import ArrayLike

__all__ = ["MultivariateStudentT"]


def _log1p_squared_norm_over(y, df):
    """``log(1 + |y|**2 / df)`` over the last axis, also where ``|y|**2 / df`` overflows."""
    m = jnp.sum(jnp.square(y), axis=-1)
    overflow = ~jnp.isfinite(m / df)
    # Overflowing rows: log |y|**2 = logsumexp(2 log |y_i|), and log1p(e**t) = softplus(t).
    y_big = jnp.where(overflow[..., None], y, 1.0)
    log_abs = jnp.log(jnp.maximum(jnp.abs(y_big), jnp.finfo(y.dtype).tiny))
    log_m = jax.scipy.special.logsumexp(2.0 * log_abs, axis=-1)
    scaled = jax.nn.softplus(log_m - jnp.log(jnp.where(overflow, df, 1.0)))
    return jnp.where(overflow, scaled, jnp.log1p(jnp.where(overflow, 0.0, m) / df))


class MultivariateStudentT(Distribution):
    """Multivariate Student's t with ``df`` degrees of freedom, ``loc`` and ``scale_tril``.

    (TFP calls it ``MultivariateStudentTLinearOperator`` with a ``scale`` operator.) With
    ``m = |L^{-1}(x - loc)|^2``: ``log_prob(x) = lgamma((df + d)/2) - lgamma(df/2) -
    d/2 log(df pi) - log|det L| - (df + d)/2 log1p(m / df)``. Mean ``loc`` (``df > 1``),
    covariance ``df / (df - 2) L L^T`` (``df > 2``, inf for ``1 < df <= 2``), mode ``loc``.
    Sampling as ``loc + L z / sqrt(g / df)`` with ``z`` normal and ``g ~ chi2(df)``
    (reparameterized; implicitly in ``df``).

    Args:
        df: positive degrees of freedom, ``batch``.
        loc: ``batch + (d,)``.
        scale_tril: lower-triangular ``batch + (d, d)`` with a positive diagonal.

    Examples:
        >>> import jax.numpy as jnp
        >>> import probflow.distributions as pfd
        >>> d = pfd.MultivariateStudentT(5.0, jnp.zeros(2), jnp.eye(2))
        >>> d.covariance()
        Array([[1.6666666, 0.       ],
               [0.       , 1.6666666]], dtype=float32)
    """

    df: jax.Array
    loc: jax.Array
    scale_tril: jax.Array
    reparameterized = True
    param_event_ndims = {"loc": 1, "scale_tril": 2}

    def __init__(self, df: ArrayLike, loc: ArrayLike, scale_tril: ArrayLike, *,
                 validate_args: bool = False, name: str | None = None):
        df, loc, scale_tril = promote_floats(df, loc, scale_tril)
        _check_dims("MultivariateStudentT", loc, scale_tril, "scale_tril")
        self._set(df=df, loc=loc, scale_tril=scale_tril, validate_args=validate_args, name=name)
        self._validate(checks.positive("df", df),
                       checks.lower_triangular_positive_diag("scale_tril", scale_tril))

    @property
    def event_shape(self) -> tuple[int, ...]:
        return (self.loc.shape[-1],)

    @property
    def support(self) -> constraints.Constraint:
        return constraints.real_vector

    def _log_det(self):
        return jnp.sum(jnp.log(jnp.diagonal(self.scale_tril, axis1=-2, axis2=-1)), axis=-1)

    def _sample(self, key, sample_shape):
        key_z, key_g = jax.random.split(key)
        shape = tuple(sample_shape) + self.batch_shape
        z = jax.random.normal(key_z, shape + self.event_shape, self.dtype)
        factor = _gamma_draws.inverse_chi_scale(key_g, self.df, shape, self.dtype)
        big = jnp.finfo(self.dtype).max
        t = jnp.clip(matvec(self.scale_tril, z) * factor[..., None], -big, big)
        return jnp.clip(self.loc + t, -big, big)

    def _log_prob(self, value):
        d = self.event_shape[0]
        df = self.df
        y = solve_lower(self.scale_tril, value - self.loc)
        return (special.gammaln(0.5 * (df + d)) - special.gammaln(0.5 * df)
                - 0.5 * d * jnp.log(df * math.pi) - self._log_det()
                - 0.5 * (df + d) * _log1p_squared_norm_over(y, df))

    def _mean(self):
        mean = jnp.broadcast_to(self.loc, self.batch_shape + self.event_shape)
        return jnp.where(jnp.asarray(self.df)[..., None] > 1, mean, jnp.nan)

    def _mode(self):
        return jnp.broadcast_to(self.loc, self.batch_shape + self.event_shape)

    def _covariance(self):
        df = jnp.asarray(self.df)[..., None, None]
        cov = self.scale_tril @ jnp.swapaxes(self.scale_tril, -1, -2)
        factor = jnp.where(df > 2, df / jnp.where(df > 2, df - 2.0, 1.0),
                           jnp.where(df > 1, jnp.inf, jnp.nan))
        return jnp.broadcast_to(factor * cov, self.batch_shape + self.event_shape * 2)

    def _entropy(self):
        d = self.event_shape[0]
        df = self.df
        h = (-special.gammaln(0.5 * (df + d)) + special.gammaln(0.5 * df)
             + 0.5 * d * jnp.log(df * math.pi) + self._log_det()
             + 0.5 * (df + d) * (special.digamma(0.5 * (df + d)) - special.digamma(0.5 * df)))
        return jnp.broadcast_to(h, self.batch_shape)
