"""LKJ distributions over correlation matrices and their Cholesky factors."""

from __future__ import annotations

import math

import jax
import jax.numpy as jnp

from probflow.core import checks
from probflow.core.numerics import log_beta, promote_floats
from probflow.core.pytree import static_field
from probflow.distributions import _gamma_draws, constraints
from probflow.distributions.distribution import Distribution
from probflow.typing import ArrayLike

__all__ = ["LKJ", "CholeskyLKJ"]


def _log_normalizer(dimension: int, concentration):
    """``log int det(R)^(eta - 1) dR`` over d x d correlation matrices.

    Through the vine of partial correlations (Lewandowski, Kurowicka and Joe 2009): level
    ``k = 1..d-1`` has ``d - k`` independent partial correlations with density proportional
    to ``(1 - r^2)^(b_k - 1)``, ``b_k = eta + (d - 1 - k)/2``, each integrating to
    ``2^(2 b_k - 1) B(b_k, b_k)``.
    """
    total = jnp.zeros_like(concentration)
    for k in range(1, dimension):
        b = concentration + 0.5 * (dimension - 1 - k)
        total = total + (dimension - k) * ((2.0 * b - 1.0) * math.log(2.0) + log_beta(b, b))
    return total


def _sample_cholesky(key, dimension: int, concentration, shape, dtype):
    """Onion-method draw of the Cholesky factor of an LKJ(eta) correlation matrix."""
    eta = jnp.broadcast_to(concentration, shape).astype(dtype)
    if dimension == 1:
        return jnp.ones(shape + (1, 1), dtype)
    keys = jax.random.split(key, 2 * dimension)
    beta = eta + 0.5 * (dimension - 2)
    # Beta draws as logits (probflow.distributions._gamma_draws): r = 2 X - 1 = tanh(logit / 2)
    # and 1 - y are formed without cancellation and kept off the boundary (|r| < 1, 1 - y > 0)
    # for small concentrations.
    below_one = 1.0 - jnp.finfo(dtype).epsneg
    logit = _gamma_draws.beta_logit(keys[0], beta, beta, shape, dtype)
    r12 = jnp.clip(jnp.tanh(0.5 * logit), -below_one, below_one)
    rows = [jnp.zeros(shape + (dimension,), dtype).at[..., 0].set(1.0),
            jnp.zeros(shape + (dimension,), dtype).at[..., 0].set(r12)
            .at[..., 1].set(jnp.sqrt(jnp.maximum(1.0 - r12 * r12, 0.0)))]
    for k in range(2, dimension):
        beta = beta - 0.5
        logit = _gamma_draws.beta_logit(keys[2 * k - 1], 0.5 * k, beta, shape, dtype)
        y = _gamma_draws.unit_from_logit(logit)
        one_minus_y = _gamma_draws.unit_from_logit(-logit)
        u = jax.random.normal(keys[2 * k], shape + (k,), dtype)
        u = u / jnp.linalg.norm(u, axis=-1, keepdims=True)
        w = jnp.sqrt(y)[..., None] * u
        row = jnp.concatenate([w, jnp.sqrt(one_minus_y)[..., None],
                               jnp.zeros(shape + (dimension - k - 1,), dtype)], axis=-1)
        rows.append(row)
    return jnp.stack(rows, axis=-2)


class CholeskyLKJ(Distribution):
    """LKJ distribution over Cholesky factors ``L`` of correlation matrices ``R = L L^T``.

    ``log_prob(L) = sum_{i=2..d} (d - i + 2 eta - 2) log L_ii - log c_d(eta)`` (rows 1-based),
    the LKJ density of ``R`` times the Jacobian of ``L -> R``. Sampling by the onion method.
    ``concentration = 1`` is uniform over correlation matrices; larger values concentrate on
    the identity.

    Args:
        dimension: the matrix size ``d`` (static).
        concentration: ``eta > 0``.

    Examples:
        >>> import jax
        >>> import probflow.distributions as pfd
        >>> d = pfd.CholeskyLKJ(3, 2.0)
        >>> L = d.sample(jax.random.key(0))
        >>> L.shape
        (3, 3)
    """

    dimension: int = static_field()
    concentration: jax.Array
    param_event_ndims = {}

    def __init__(self, dimension: int, concentration: ArrayLike, *, validate_args: bool = False,
                 name: str | None = None):
        if int(dimension) != dimension or dimension < 1:
            raise ValueError(f"{type(self).__name__}: dimension must be a positive integer, "
                             f"got {dimension!r}")
        (concentration,) = promote_floats(concentration)
        self._set(dimension=int(dimension), concentration=concentration,
                  validate_args=validate_args, name=name)
        self._validate(checks.positive("concentration", concentration))

    @property
    def batch_shape(self) -> tuple[int, ...]:
        return tuple(jnp.shape(self.concentration))

    @property
    def event_shape(self) -> tuple[int, ...]:
        return (self.dimension, self.dimension)

    @property
    def support(self) -> constraints.Constraint:
        return constraints.correlation_cholesky

    def _sample(self, key, sample_shape):
        return _sample_cholesky(key, self.dimension, self.concentration,
                                tuple(sample_shape) + self.batch_shape, self.dtype)

    def _log_prob(self, value):
        d = self.dimension
        diag = jnp.diagonal(value, axis1=-2, axis2=-1)[..., 1:]
        exponents = jnp.arange(d - 2, -1, -1, dtype=value.dtype)  # d - i for i = 2..d
        eta = jnp.asarray(self.concentration)[..., None]
        inside = constraints.correlation_cholesky.check(value)
        safe = jnp.where(inside[..., None], diag, 1.0)
        lp = jnp.sum((exponents + 2.0 * eta - 2.0) * jnp.log(safe), axis=-1)
        lp = lp - _log_normalizer(d, self.concentration)
        return jnp.where(inside, lp, -jnp.inf)


class LKJ(CholeskyLKJ):
    """LKJ distribution over correlation matrices: ``p(R) = det(R)^(eta - 1) / c_d(eta)``.

    ``c_d`` is the Lewandowski-Kurowicka-Joe normaliser. Samples are correlation matrices
    (``input_output_cholesky=True`` returns and accepts their Cholesky factors, the density
    still being that of ``R``). Mean is the identity.

    Args:
        dimension: the matrix size ``d`` (static).
        concentration: ``eta > 0``.
        input_output_cholesky: work with Cholesky factors (static).

    Examples:
        >>> import jax, jax.numpy as jnp
        >>> import probflow.distributions as pfd
        >>> d = pfd.LKJ(2, 1.0)
        >>> round(float(d.prob(jnp.asarray([[1.0, 0.3], [0.3, 1.0]]))), 4)
        0.5
    """

    input_output_cholesky: bool = static_field(default=False)

    def __init__(self, dimension: int, concentration: ArrayLike,
                 input_output_cholesky: bool = False, *, validate_args: bool = False,
                 name: str | None = None):
        super().__init__(dimension, concentration, validate_args=validate_args, name=name)
        self._set(input_output_cholesky=bool(input_output_cholesky))

    @property
    def support(self) -> constraints.Constraint:
        return (constraints.correlation_cholesky if self.input_output_cholesky
                else constraints.correlation_matrix)

    def _sample(self, key, sample_shape):
        chol = super()._sample(key, sample_shape)
        if self.input_output_cholesky:
            return chol
        return chol @ jnp.swapaxes(chol, -1, -2)

    def _log_prob(self, value):
        if self.input_output_cholesky:
            inside = constraints.correlation_cholesky.check(value)
            chol = value
        else:
            inside = constraints.correlation_matrix.check(value)
            eye = jnp.eye(self.dimension, dtype=value.dtype)
            chol = jnp.linalg.cholesky(jnp.where(inside[..., None, None], value, eye))
        log_det = 2.0 * jnp.sum(jnp.log(jnp.diagonal(chol, axis1=-2, axis2=-1)), axis=-1)
        lp = (self.concentration - 1.0) * log_det - _log_normalizer(self.dimension,
                                                                     self.concentration)
        return jnp.where(inside, lp, -jnp.inf)

    def _mean(self):
        eye = jnp.eye(self.dimension, dtype=self.dtype)
        return jnp.broadcast_to(eye, self.batch_shape + self.event_shape)


