"""The Wishart distribution parameterised by a Cholesky factor of its scale."""

from __future__ import annotations

import math

import jax
import jax.numpy as jnp
from jax.scipy import special

from probflow.core import checks
from probflow.core.numerics import promote_floats
from probflow.core.pytree import static_field
from probflow.distributions import _gamma_draws, constraints
from probflow.distributions.distribution import Distribution
from probflow.distributions.mvn import _check_dims, solve_lower
from probflow.typing import Array, ArrayLike, Shape

__all__ = ["WishartTriL"]


def value_cholesky(value: Array, is_cholesky: bool) -> tuple[Array, Array]:
    """``(chol, inside)`` of a Wishart-type value: its Cholesky factor (the value itself when
    values are Cholesky factors) and whether it lies in the support (points outside get the
    identity's factor, so the density stays finite before it is masked to ``-inf``)."""
    if is_cholesky:
        return value, constraints.lower_cholesky.check(value)
    inside = constraints.positive_definite.check(value)
    eye = jnp.eye(value.shape[-1], dtype=value.dtype)
    return jnp.linalg.cholesky(jnp.where(inside[..., None, None], value, eye)), inside


class WishartTriL(Distribution):
    """Wishart distribution over ``d x d`` positive-definite matrices, scale ``L L^T``.

    ``log_prob(X) = (df - d - 1)/2 log|X| - tr((L L^T)^{-1} X)/2 - df d/2 log 2 -
    df log|det L| - log Gamma_d(df/2)``. Samples by the Bartlett decomposition
    ``X = L A A^T L^T`` (``A`` lower triangular, ``A_ii^2 ~ chi2(df - i)``, normal below);
    reparameterized (implicitly in ``df``). Mean ``df L L^T``, mode ``(df - d - 1) L L^T``
    for ``df >= d + 1``, variance ``df (S_ij^2 + S_ii S_jj)``, entropy
    ``log Gamma_d(df/2) + (d + 1) log|det L| + d (d + 1)/2 log 2 - (df - d - 1)/2 psi_d(df/2)
    + df d / 2`` (``psi_d`` the multivariate digamma function). With
    ``input_output_cholesky=True`` samples are ``chol(X)`` and ``log_prob`` takes ``chol(X)``
    (the density is still that of ``X``).

    Args:
        df: degrees of freedom, ``> d - 1``.
        scale_tril: lower-triangular ``batch + (d, d)`` with a positive diagonal.
        input_output_cholesky: work with Cholesky factors (static).

    Examples:
        >>> import jax, jax.numpy as jnp
        >>> import probflow.distributions as pfd
        >>> d = pfd.WishartTriL(5.0, jnp.eye(2))
        >>> d.mean()
        Array([[5., 0.],
               [0., 5.]], dtype=float32)
        >>> round(float(d.entropy()), 4)
        6.8105
    """

    df: jax.Array
    scale_tril: jax.Array
    input_output_cholesky: bool = static_field(default=False)
    reparameterized = True
    param_event_ndims = {"scale_tril": 2}

    def __init__(self, df: ArrayLike, scale_tril: ArrayLike | None = None,
                 input_output_cholesky: bool = False, *, validate_args: bool = False,
                 name: str | None = None):
        if scale_tril is None:
            raise ValueError("WishartTriL: scale_tril is required")
        df, scale_tril = promote_floats(df, scale_tril)
        _check_dims("WishartTriL", scale_tril[..., 0], scale_tril, "scale_tril")
        d = scale_tril.shape[-1]
        self._set(df=df, scale_tril=scale_tril, input_output_cholesky=bool(
            input_output_cholesky), validate_args=validate_args, name=name)
        self._validate(checks.Check("df", df, lambda v: v > d - 1, f"greater than d - 1 = {d - 1}"),
                       checks.lower_triangular_positive_diag("scale_tril", scale_tril))

    @property
    def _dim(self) -> int:
        return self.scale_tril.shape[-1]

    @property
    def event_shape(self) -> Shape:
        return (self._dim, self._dim)

    @property
    def support(self) -> constraints.Constraint:
        return constraints.lower_cholesky if self.input_output_cholesky else \
            constraints.positive_definite

    def _sample(self, key, sample_shape):
        d = self._dim
        shape = tuple(sample_shape) + self.batch_shape
        key_c, key_n = jax.random.split(key)
        df = jnp.broadcast_to(self.df, shape)[..., None]
        half = 0.5 * (df - jnp.arange(d, dtype=self.dtype))
        log_g = _gamma_draws.log_gamma(key_c, half, shape + (d,), self.dtype)
        chi = _gamma_draws.positive_from_log(0.5 * (log_g + math.log(2.0)))
        normal = jax.random.normal(key_n, shape + (d, d), self.dtype)
        a = jnp.tril(normal, -1) + chi[..., None] * jnp.eye(d, dtype=self.dtype)
        chol = self.scale_tril @ a
        if self.input_output_cholesky:
            return chol
        return chol @ jnp.swapaxes(chol, -1, -2)

    def _log_prob(self, value):
        d = self._dim
        chol, inside = value_cholesky(value, self.input_output_cholesky)
        log_det_x = 2.0 * jnp.sum(jnp.log(jnp.abs(jnp.diagonal(chol, axis1=-2, axis2=-1))),
                                  axis=-1)
        # tr(S^{-1} X) = |L^{-1} chol(X)|_F^2: solve with the columns of chol(X) as samples.
        columns = jnp.moveaxis(chol, -1, 0)
        trace = jnp.sum(jnp.square(solve_lower(self.scale_tril, columns)), axis=(0, -1))
        log_det_l = jnp.sum(jnp.log(jnp.diagonal(self.scale_tril, axis1=-2, axis2=-1)), axis=-1)
        df = self.df
        lp = (0.5 * (df - d - 1.0) * log_det_x - 0.5 * trace - 0.5 * df * d * math.log(2.0)
              - df * log_det_l - special.multigammaln(0.5 * df, d))
        return jnp.where(inside, lp, -jnp.inf)

    def _scale(self):
        return self.scale_tril @ jnp.swapaxes(self.scale_tril, -1, -2)

    def _mean(self):
        return jnp.broadcast_to(jnp.asarray(self.df)[..., None, None] * self._scale(),
                                self.batch_shape + self.event_shape)

    def _mode(self):
        df = jnp.asarray(self.df)[..., None, None]
        mode = (df - self._dim - 1.0) * self._scale()
        return jnp.broadcast_to(jnp.where(df >= self._dim + 1, mode, jnp.nan),
                                self.batch_shape + self.event_shape)

    def _variance(self):
        s = self._scale()
        diag = jnp.diagonal(s, axis1=-2, axis2=-1)
        var = jnp.asarray(self.df)[..., None, None] * (jnp.square(s) + diag[..., :, None]
                                                       * diag[..., None, :])
        return jnp.broadcast_to(var, self.batch_shape + self.event_shape)

    def _entropy(self):
        d = self._dim
        df = self.df
        log_det_l = jnp.sum(jnp.log(jnp.diagonal(self.scale_tril, axis1=-2, axis2=-1)), axis=-1)
        # E[log|X|] = psi_d(df/2) + d log 2 + 2 log|det L|;  E[tr(S^{-1} X)] = df d.
        h = (special.multigammaln(0.5 * df, d) + (d + 1.0) * log_det_l
             + 0.5 * d * (d + 1.0) * math.log(2.0)
             - 0.5 * (df - d - 1.0) * _multidigamma(0.5 * df, d) + 0.5 * df * d)
        return jnp.broadcast_to(h, self.batch_shape)


def _multidigamma(a, d: int):
    """Multivariate digamma ``psi_d(a) = sum_{i=0}^{d-1} digamma(a - i/2)``.

    The derivative of ``log Gamma_d(a)``, the multivariate log-gamma function.

    Examples:
        >>> round(float(_multidigamma(3.0, 2)), 4)
        1.6259
    """
    a = jnp.asarray(a)
    offsets = 0.5 * jnp.arange(d, dtype=jnp.result_type(a, float))
    return jnp.sum(special.digamma(a[..., None] - offsets), axis=-1)
