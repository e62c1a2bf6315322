"""Nesterov dual averaging of the log step size (Hoffman & Gelman 2014, Algorithm 5)."""

from __future__ import annotations

from typing import NamedTuple

import jax
import jax.numpy as jnp

from probflow.typing import Array, ArrayLike

__all__ = [
    "DualAveragingState",
    "dual_averaging_init",
    "dual_averaging_update",
    "dual_averaging_final",
]


class DualAveragingState(NamedTuple):
    """Scalars of the dual-averaging recursion.

    Attributes:
        log_step_size: current iterate ``log eps_t`` (the step size to use next).
        log_step_size_average: weighted average ``log eps_bar_t`` (the final answer).
        error_average: running mean ``H_bar_t`` of ``target - acceptance``.
        iteration: ``t``, the number of updates so far.
        mu: shrinkage point, ``log(10 eps_0)``.
    """

    log_step_size: jax.Array
    log_step_size_average: jax.Array
    error_average: jax.Array
    iteration: jax.Array
    mu: jax.Array


def dual_averaging_init(step_size: ArrayLike) -> DualAveragingState:
    """Start from ``step_size`` with ``mu = log(10 step_size)``.

    Examples:
        >>> state = dual_averaging_init(0.5)
        >>> round(float(state.mu), 4)
        1.6094
    """
    log_step_size = jnp.log(jnp.asarray(step_size, jnp.result_type(float)))
    zero = jnp.zeros_like(log_step_size)
    return DualAveragingState(
        log_step_size, zero, zero, jnp.zeros((), jnp.int32), jnp.log(10.0) + log_step_size
    )


def dual_averaging_update(
    state: DualAveragingState,
    acceptance_rate: ArrayLike,
    *,
    target_accept: float = 0.8,
    gamma: float = 0.05,
    t0: float = 10.0,
    kappa: float = 0.75,
) -> DualAveragingState:
    """One update with the latest acceptance statistic (NaN counts as 0).

    Examples:
        >>> state = dual_averaging_init(1.0)
        >>> low = dual_averaging_update(state, 0.2)    # acceptance below target
        >>> high = dual_averaging_update(state, 0.95)  # acceptance above target
        >>> bool(low.log_step_size < high.log_step_size)
        True
    """
    dtype = state.log_step_size.dtype
    acceptance_rate = jnp.asarray(acceptance_rate, dtype)
    acceptance_rate = jnp.where(jnp.isnan(acceptance_rate), 0.0, acceptance_rate)
    t = (state.iteration + 1).astype(dtype)
    eta = 1.0 / (t + t0)
    error_average = (1.0 - eta) * state.error_average + eta * (target_accept - acceptance_rate)
    log_step_size = state.mu - jnp.sqrt(t) / gamma * error_average
    weight = t ** (-kappa)
    log_average = weight * log_step_size + (1.0 - weight) * state.log_step_size_average
    return DualAveragingState(
        log_step_size, log_average, error_average, state.iteration + 1, state.mu
    )


def dual_averaging_final(state: DualAveragingState) -> Array:
    """The adapted step size ``exp(log eps_bar)`` to use after warm-up.

    Examples:
        >>> state = dual_averaging_update(dual_averaging_init(1.0), 0.8)
        >>> float(dual_averaging_final(state)) > 0
        True
    """
    return jnp.exp(state.log_step_size_average)
