"""Small helpers shared by the bijector modules (private)."""

from __future__ import annotations

import math
from typing import Any

import jax.numpy as jnp
import numpy as np

from probflow.core.checks import Check
from probflow.core.numerics import promote_floats
from probflow.typing import Array, ArrayLike

LOG_2 = math.log(2.0)


def float_params(*values: ArrayLike | None) -> tuple[Any, ...]:
    """Promote the non-``None`` values to one floating dtype; ``None`` stays ``None``."""
    present = [v for v in values if v is not None]
    promoted = iter(promote_floats(*present)) if present else iter(())
    return tuple(None if v is None else next(promoted) for v in values)


def nonzero(name: str, value: ArrayLike | None) -> Check:
    """``value != 0`` elementwise."""
    return Check(name, value, lambda v: v != 0, "non-zero")


def positive(name: str, value: ArrayLike | None) -> Check:
    """``value > 0`` elementwise."""
    return Check(name, value, lambda v: v > 0, "positive")


def log_cosh(x: Array) -> Array:
    """``log(cosh(x))`` without overflow."""
    return jnp.logaddexp(x, -x) - LOG_2


def log_hypot1(x: ArrayLike) -> Array:
    """``log(sqrt(1 + x**2))`` accurate for tiny and huge ``x``."""
    ax = jnp.abs(x)
    small = ax < 1.0
    x_small = jnp.where(small, ax, 0.0)
    x_big = jnp.where(small, 1.0, ax)
    return jnp.where(
        small, 0.5 * jnp.log1p(jnp.square(x_small)),
        jnp.log(x_big) + 0.5 * jnp.log1p(jnp.square(1.0 / x_big)),
    )


def static_int_tuple(owner: str, name: str, value: Any) -> tuple[int, ...]:
    """A concrete sequence of integers as a (hashable) tuple, or a clear error."""
    try:
        array = np.asarray(value)
    except Exception as err:  # tracers cannot become NumPy arrays
        raise TypeError(
            f"{owner}: {name} must be a concrete sequence of integers (it is static "
            f"configuration, not a traced parameter), got {value!r}"
        ) from err
    if array.ndim != 1 or not (np.issubdtype(array.dtype, np.integer) or array.size == 0):
        raise TypeError(f"{owner}: {name} must be a 1-D sequence of integers, got {value!r}")
    return tuple(int(i) for i in array)
