"""Euclidean metrics: the Gaussian kinetic energy of Hamiltonian Monte Carlo.

A metric is built from an ``inverse_mass_matrix`` on the flattened position of
``d`` numbers: a 1-D array of shape ``(d,)`` is a diagonal matrix, a 2-D array of
shape ``(d, d)`` a dense one. The choice follows ``ndim`` (static), never the
values, so a new matrix of the same shape never retraces.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import NamedTuple

import jax
import jax.numpy as jnp
from jax.scipy.linalg import solve_triangular

from probflow.typing import Array, ArrayLike, PRNGKey

__all__ = ["Metric", "gaussian_euclidean", "is_turning"]


class Metric(NamedTuple):
    """Functions of a Gaussian Euclidean metric on flat ``(d,)`` vectors.

    Attributes:
        inverse_mass_matrix: ``(d,)`` diagonal or ``(d, d)`` dense ``M^-1``.
        sample_momentum: ``(key, position) -> p`` with ``p ~ N(0, M)``, shape ``(d,)``.
        kinetic_energy: ``p -> 0.5 p^T M^-1 p``, a scalar.
        velocity: ``p -> M^-1 p`` (the "sharp" momentum), shape ``(d,)``.
    """

    inverse_mass_matrix: jax.Array
    sample_momentum: Callable[[PRNGKey, Array], Array]
    kinetic_energy: Callable[[Array], Array]
    velocity: Callable[[Array], Array]


def gaussian_euclidean(inverse_mass_matrix: ArrayLike) -> Metric:
    """Build the metric of ``p ~ N(0, M)`` from ``M^-1`` (diagonal if 1-D, dense if 2-D).

    Examples:
        >>> import jax, jax.numpy as jnp
        >>> metric = gaussian_euclidean(jnp.array([1.0, 4.0]))
        >>> p = metric.sample_momentum(jax.random.key(0), jnp.zeros(2))
        >>> p.shape
        (2,)
        >>> metric.velocity(jnp.array([1.0, 1.0]))
        Array([1., 4.], dtype=float32)
        >>> float(metric.kinetic_energy(jnp.array([1.0, 1.0])))
        2.5
    """
    inverse_mass_matrix = jnp.asarray(inverse_mass_matrix)
    ndim = inverse_mass_matrix.ndim
    if ndim == 1:
        momentum_scale = jax.lax.rsqrt(inverse_mass_matrix)

        def sample_momentum(key: PRNGKey, position: Array) -> Array:
            z = jax.random.normal(key, jnp.shape(position), jnp.result_type(position))
            return z * momentum_scale.astype(z.dtype)

        def velocity(momentum: Array) -> Array:
            return inverse_mass_matrix.astype(momentum.dtype) * momentum

    elif ndim == 2:
        # M^-1 = L L^T, so p = L^-T z has covariance (L L^T)^-1 = M.
        cholesky = jnp.linalg.cholesky(inverse_mass_matrix)

        def sample_momentum(key: PRNGKey, position: Array) -> Array:
            z = jax.random.normal(key, jnp.shape(position), jnp.result_type(position))
            return solve_triangular(cholesky.astype(z.dtype), z, lower=True, trans="T")

        def velocity(momentum: Array) -> Array:
            return inverse_mass_matrix.astype(momentum.dtype) @ momentum

    else:
        raise ValueError(
            "gaussian_euclidean: inverse_mass_matrix must be 1-D (diagonal) or 2-D (dense), "
            f"got shape {inverse_mass_matrix.shape}"
        )

    def kinetic_energy(momentum: Array) -> Array:
        return 0.5 * jnp.dot(momentum, velocity(momentum))

    return Metric(inverse_mass_matrix, sample_momentum, kinetic_energy, velocity)


def is_turning(velocity_start: Array, velocity_end: Array, momentum_sum: Array) -> Array:
    """Generalised no-U-turn criterion (Betancourt 2017) between two trajectory ends.

    The trajectory keeps going while both end velocities ``M^-1 p`` point along the
    summed momentum ``rho`` of the points between (and including) them. The test is
    symmetric in the two ends and reads ``True`` (stop) on NaN.

    Args:
        velocity_start, velocity_end: ``(d,)`` velocities at the two ends.
        momentum_sum: ``(d,)`` sum of the momenta over the span.

    Examples:
        >>> import jax.numpy as jnp
        >>> bool(is_turning(jnp.array([1.0]), jnp.array([1.0]), jnp.array([2.0])))
        False
        >>> bool(is_turning(jnp.array([1.0]), jnp.array([-1.0]), jnp.array([0.5])))
        True
    """
    keeps_going = (jnp.dot(velocity_start, momentum_sum) > 0) & (
        jnp.dot(velocity_end, momentum_sum) > 0
    )
    return ~keeps_going
