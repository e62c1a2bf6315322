"""The inverse Wishart distribution: by a Cholesky factor of its scale, and NumPyro's form."""

from __future__ import annotations

import math

import jax
import jax.numpy as jnp
from jax.scipy import special

from probflow.core import checks
from probflow.core.numerics import promote_floats
from probflow.core.pytree import static_field
from probflow.core.shapes import broadcast_shapes
from probflow.distributions import constraints
from probflow.distributions.distribution import Distribution
from probflow.distributions.mvn import _check_dims
from probflow.distributions.wishart import WishartTriL, _multidigamma, value_cholesky
from probflow.typing import ArrayLike

__all__ = ["InverseWishartTriL", "InverseWishart"]

_LOG_2 = math.log(2.0)


def _log_diag_sum(tril):
    return jnp.sum(jnp.log(jnp.abs(jnp.diagonal(tril, axis1=-2, axis2=-1))), axis=-1)


def _solve_tril(tril, rhs):
    """``tril^{-1} rhs`` for lower-triangular ``tril``, both broadcast to one batch shape."""
    batch = jnp.broadcast_shapes(tril.shape[:-2], rhs.shape[:-2])
    tril = jnp.broadcast_to(tril, batch + tril.shape[-2:])
    rhs = jnp.broadcast_to(rhs, batch + rhs.shape[-2:])
    return jax.lax.linalg.triangular_solve(tril, rhs, left_side=True, lower=True)


class _InverseWishart(Distribution):
    """Shared implementation: degrees of freedom ``_df`` and the factor ``scale_tril``."""

    scale_tril: jax.Array
    reparameterized = True

    @property
    def _df(self):  # pragma: no cover - abstract
        raise NotImplementedError

    @property
    def _cholesky_io(self) -> bool:
        return False

    @property
    def _dim(self) -> int:
        return self.scale_tril.shape[-1]

    @property
    def batch_shape(self) -> tuple[int, ...]:
        return broadcast_shapes(jnp.shape(self._df), self.scale_tril.shape[:-2],
                                what=f"{type(self).__name__}: degrees of freedom and scale_tril")

    @property
    def event_shape(self) -> tuple[int, ...]:
        return (self._dim, self._dim)

    @property
    def dtype(self):
        return self.scale_tril.dtype

    @property
    def support(self) -> constraints.Constraint:
        return constraints.lower_cholesky if self._cholesky_io else constraints.positive_definite

    def _sample(self, key, sample_shape):
        # If A A^T ~ Wishart(df, I) (Bartlett factor A), then L (A A^T)^{-1} L^T is inverse
        # Wishart with scale L L^T: X = B B^T with B = L A^{-T}.
        d = self._dim
        df = jnp.broadcast_to(self._df, self.batch_shape)
        eye = jnp.eye(d, dtype=self.dtype)
        bartlett = WishartTriL(df, jnp.broadcast_to(eye, self.batch_shape + (d, d)),
                               input_output_cholesky=True).sample(key, sample_shape)
        a_inv = _solve_tril(bartlett, jnp.broadcast_to(eye, bartlett.shape))
        b = self.scale_tril @ jnp.swapaxes(a_inv, -1, -2)
        x = b @ jnp.swapaxes(b, -1, -2)
        chol = jnp.linalg.cholesky(0.5 * (x + jnp.swapaxes(x, -1, -2)))
        if self._cholesky_io:
            return chol
        return chol @ jnp.swapaxes(chol, -1, -2)

    def _log_prob(self, value):
        d = self._dim
        chol, inside = value_cholesky(value, self._cholesky_io)
        log_det_x = 2.0 * _log_diag_sum(chol)
        # tr(Psi X^{-1}) = |C^{-1} L|_F^2 with X = C C^T and Psi = L L^T.
        trace = jnp.sum(jnp.square(_solve_tril(chol, self.scale_tril)), axis=(-2, -1))
        df = self._df
        lp = (df * _log_diag_sum(self.scale_tril) - 0.5 * df * d * _LOG_2
              - special.multigammaln(0.5 * df, d) - 0.5 * (df + d + 1.0) * log_det_x
              - 0.5 * trace)
        return jnp.where(inside, lp, -jnp.inf)

    def _scale(self):
        return self.scale_tril @ jnp.swapaxes(self.scale_tril, -1, -2)

    def _expand(self, x):
        return jnp.broadcast_to(x, self.batch_shape + self.event_shape)

    def _mean(self):
        df = jnp.asarray(self._df)[..., None, None]
        mean = self._scale() / (df - self._dim - 1.0)
        return self._expand(jnp.where(df > self._dim + 1, mean, jnp.nan))

    def _mode(self):
        df = jnp.asarray(self._df)[..., None, None]
        return self._expand(self._scale() / (df + self._dim + 1.0))

    def _variance(self):
        s = self._scale()
        diag = jnp.diagonal(s, axis1=-2, axis2=-1)
        df = jnp.asarray(self._df)[..., None, None]
        d = self._dim
        outer = diag[..., :, None] * diag[..., None, :]
        num = (df - d + 1.0) * jnp.square(s) + (df - d - 1.0) * outer
        den = (df - d) * jnp.square(df - d - 1.0) * (df - d - 3.0)
        return self._expand(jnp.where(df > d + 3, num / den, jnp.nan))

    def _entropy(self):
        d = self._dim
        df = self._df
        # E[log|X|] = log|Psi| - psi_d(df/2) - d log 2 and E[tr(Psi X^{-1})] = df d.
        h = (special.multigammaln(0.5 * df, d) + (d + 1.0) * _log_diag_sum(self.scale_tril)
             - 0.5 * d * (d + 1.0) * _LOG_2 - 0.5 * (df + d + 1.0) * _multidigamma(0.5 * df, d)
             + 0.5 * df * d)
        return jnp.broadcast_to(h, self.batch_shape)


def _checks(df_name, df, scale_tril):
    d = scale_tril.shape[-1]
    return (checks.Check(df_name, df, lambda v: v > d - 1, f"greater than d - 1 = {d - 1}"),
            checks.lower_triangular_positive_diag("scale_tril", scale_tril))


class InverseWishartTriL(_InverseWishart):
    """Inverse Wishart distribution over ``d x d`` positive-definite matrices, scale ``L L^T``.

    ``X`` is inverse Wishart with scale ``Psi = L L^T`` when ``X^{-1}`` is Wishart with scale
    ``Psi^{-1}``: ``log_prob(X) = df log|det L| - df d/2 log 2 - log Gamma_d(df/2) -
    (df + d + 1)/2 log|X| - tr(Psi X^{-1})/2``. Samples invert Bartlett draws,
    ``X = L (A A^T)^{-1} L^T``; reparameterized (implicitly in ``df``). Mean
    ``Psi / (df - d - 1)`` for ``df > d + 1`` (else NaN), mode ``Psi / (df + d + 1)``, variance
    ``((df - d + 1) Psi_ij^2 + (df - d - 1) Psi_ii Psi_jj) / ((df - d) (df - d - 1)^2
    (df - d - 3))`` for ``df > d + 3``, entropy ``log Gamma_d(df/2) + (d + 1) log|det L| -
    d (d + 1)/2 log 2 - (df + d + 1)/2 psi_d(df/2) + df d/2``. With
    ``input_output_cholesky=True`` samples are ``chol(X)`` and ``log_prob`` takes ``chol(X)``
    (the density is still that of ``X``), as for
    [`WishartTriL`][probflow.distributions.wishart.WishartTriL].

    Args:
        df: degrees of freedom, ``> d - 1``.
        scale_tril: lower-triangular ``batch + (d, d)`` with a positive diagonal.
        input_output_cholesky: work with Cholesky factors (static).

    Examples:
        >>> import jax, jax.numpy as jnp
        >>> import probflow.distributions as pfd
        >>> d = pfd.InverseWishartTriL(6.0, jnp.eye(2))
        >>> d.mean()
        Array([[0.33333334, 0.        ],
               [0.        , 0.33333334]], dtype=float32)
        >>> d.sample(jax.random.key(0), (3,)).shape
        (3, 2, 2)
    """

    df: jax.Array
    input_output_cholesky: bool = static_field(default=False)
    param_event_ndims = {"scale_tril": 2}

    def __init__(self, df: ArrayLike, scale_tril: ArrayLike | None = None,
                 input_output_cholesky: bool = False, *, validate_args: bool = False,
                 name: str | None = None):
        if scale_tril is None:
            raise ValueError("InverseWishartTriL: scale_tril is required")
        df, scale_tril = promote_floats(df, scale_tril)
        _check_dims("InverseWishartTriL", scale_tril[..., 0], scale_tril, "scale_tril")
        self._set(df=df, scale_tril=scale_tril,
                  input_output_cholesky=bool(input_output_cholesky),
                  validate_args=validate_args, name=name)
        self._validate(*_checks("df", df, scale_tril))

    @property
    def _df(self):
        return self.df

    @property
    def _cholesky_io(self) -> bool:
        return self.input_output_cholesky


class InverseWishart(_InverseWishart):
    """Inverse Wishart distribution with NumPyro's parameters.

    The same distribution as
    [`InverseWishartTriL`][probflow.distributions.inverse_wishart.InverseWishartTriL]
    (density, sampler, moments and entropy are documented there), with the degrees of freedom
    called ``concentration`` and the scale ``Psi`` given by exactly one of ``scale_matrix``
    (``Psi``), ``rate_matrix`` (``Psi^{-1}``) or ``scale_tril`` (``chol(Psi)``). The factor
    ``scale_tril`` is what the object stores.

    Args:
        concentration: degrees of freedom, ``> d - 1``.
        scale_matrix: symmetric positive-definite ``batch + (d, d)``.
        rate_matrix: its inverse.
        scale_tril: its lower Cholesky factor.

    Examples:
        >>> import jax.numpy as jnp
        >>> import probflow.distributions as pfd
        >>> d = pfd.InverseWishart(5.0, scale_matrix=jnp.asarray([[2.0, 0.5], [0.5, 1.0]]))
        >>> d.mode().round(4)
        Array([[0.25  , 0.0625],
               [0.0625, 0.125 ]], dtype=float32)
    """

    concentration: jax.Array
    param_event_ndims = {"scale_tril": 2}

    def __init__(self, concentration: ArrayLike, scale_matrix: ArrayLike | None = None,
                 rate_matrix: ArrayLike | None = None, scale_tril: ArrayLike | None = None, *,
                 validate_args: bool = False, name: str | None = None):
        given = [n for n, v in (("scale_matrix", scale_matrix), ("rate_matrix", rate_matrix),
                                ("scale_tril", scale_tril)) if v is not None]
        if len(given) != 1:
            raise ValueError(f"InverseWishart: give exactly one of scale_matrix, rate_matrix or "
                             f"scale_tril, got {given or 'none'}")
        matrix = {"scale_matrix": scale_matrix, "rate_matrix": rate_matrix,
                  "scale_tril": scale_tril}[given[0]]
        assert matrix is not None  # the one given
        concentration, matrix = promote_floats(concentration, matrix)
        _check_dims("InverseWishart", matrix[..., 0], matrix, given[0])
        if given[0] != "scale_tril":
            checks.validate("InverseWishart",
                            [checks.positive_definite(given[0], matrix)], validate_args)
        if given[0] == "scale_matrix":
            matrix = jnp.linalg.cholesky(matrix)
        elif given[0] == "rate_matrix":
            eye = jnp.broadcast_to(jnp.eye(matrix.shape[-1], dtype=matrix.dtype), matrix.shape)
            # chol(R^{-1}) is not triangular as R^{-1/2}; take the Cholesky of the inverse.
            inverse = jax.scipy.linalg.cho_solve((jnp.linalg.cholesky(matrix), True), eye)
            matrix = jnp.linalg.cholesky(0.5 * (inverse + jnp.swapaxes(inverse, -1, -2)))
        self._set(concentration=concentration, scale_tril=matrix,
                  validate_args=validate_args, name=name)
        self._validate(*_checks("concentration", concentration, matrix))

    @property
    def _df(self):
        return self.concentration
