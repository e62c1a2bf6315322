"""Welford's streaming mean and (co)variance, with Stan's regularisation."""

from __future__ import annotations

from typing import NamedTuple

import jax
import jax.numpy as jnp

from probflow.typing import Array, ArrayLike, DTypeLike

__all__ = ["WelfordState", "welford_init", "welford_update", "welford_covariance"]


class WelfordState(NamedTuple):
    """``count`` (int scalar), ``mean`` ``(d,)`` and ``m2``: ``(d,)`` (diagonal) or ``(d, d)``."""

    count: jax.Array  # pyright: ignore[reportIncompatibleMethodOverride]
    mean: jax.Array
    m2: jax.Array


def welford_init(dim: int, *, dense: bool = False,
                 dtype: DTypeLike | None = None) -> WelfordState:
    """Empty accumulator for ``(d,)`` vectors; ``dense`` (static) keeps the full matrix.

    Examples:
        >>> welford_init(3, dense=True).m2.shape
        (3, 3)
    """
    dtype = jnp.result_type(float) if dtype is None else dtype
    m2 = jnp.zeros((dim, dim) if dense else (dim,), dtype)
    return WelfordState(jnp.zeros((), jnp.int32), jnp.zeros((dim,), dtype), m2)


def welford_update(state: WelfordState, x: ArrayLike) -> WelfordState:
    """Add one ``(d,)`` sample.

    Examples:
        >>> import jax.numpy as jnp
        >>> state = welford_update(welford_init(2), jnp.array([1.0, 2.0]))
        >>> state.mean
        Array([1., 2.], dtype=float32)
    """
    x = jnp.asarray(x, state.mean.dtype)
    count = state.count + 1
    delta = x - state.mean
    mean = state.mean + delta / count.astype(x.dtype)
    if state.m2.ndim == 2:
        m2 = state.m2 + jnp.outer(delta, x - mean)
    else:
        m2 = state.m2 + delta * (x - mean)
    return WelfordState(count, mean, m2)


def welford_covariance(state: WelfordState, *, regularize: bool = True) -> Array:
    """Sample (co)variance (divisor ``n - 1``), shrunk towards ``1e-3`` as Stan does.

    With ``n`` samples and sample (co)variance ``S`` the regularised estimate is
    ``n / (n + 5) * S + 1e-3 * 5 / (n + 5) * I``. Shape ``(d,)`` or ``(d, d)``.

    Examples:
        >>> import jax.numpy as jnp
        >>> state = welford_init(1)
        >>> for x in [0.0, 1.0, 2.0]:
        ...     state = welford_update(state, jnp.array([x]))
        >>> welford_covariance(state, regularize=False)
        Array([1.], dtype=float32)
    """
    n = state.count.astype(state.mean.dtype)
    covariance = state.m2 / jnp.maximum(n - 1.0, 1.0)
    if not regularize:
        return covariance
    shrink = 1e-3 * 5.0 / (n + 5.0)
    if covariance.ndim == 2:
        return (n / (n + 5.0)) * covariance + shrink * jnp.eye(covariance.shape[0], dtype=n.dtype)
    return (n / (n + 5.0)) * covariance + shrink
