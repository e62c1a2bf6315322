"""Numerically stable helpers used across distributions and bijectors.

Everything here is a pure ``jax.numpy`` function with finite gradients on the
interior of its domain.
"""

from __future__ import annotations

import jax
import jax.numpy as jnp
from jax.scipy import special

__all__ = [
    "log1mexp",
    "log_sub_exp",
    "softplus",
    "softplus_inverse",
    "log_ndtr",
    "ndtri",
    "log_sigmoid",
    "logit",
    "safe_log",
    "default_float",
    "promote_floats",
    "tiny",
    "eps",
]


def default_float():
    """The default floating dtype: float64 when ``jax_enable_x64`` is on, else float32.

    Examples:
        >>> default_float() in (jnp.float32, jnp.float64)
        True
    """
    return jnp.zeros((), dtype=float).dtype


def promote_floats(*values):
    """Convert ``values`` to arrays of one common floating dtype.

    The dtype follows the inputs (``jnp.result_type``); integer or boolean inputs
    are promoted to the default float. Python scalars are weakly typed and never
    up-cast an array's dtype.

    Examples:
        >>> a, b = promote_floats(1, jnp.ones(3, dtype=jnp.float32))
        >>> a.dtype, b.dtype
        (dtype('float32'), dtype('float32'))
    """
    values = tuple(jnp.asarray(v) if isinstance(v, list | tuple) else v for v in values)
    dtype = jnp.result_type(*values) if values else default_float()
    if not jnp.issubdtype(dtype, jnp.floating):
        dtype = default_float()
    return tuple(jnp.asarray(v, dtype=dtype) for v in values)


def tiny(dtype):
    """Smallest positive normal number of ``dtype``."""
    return jnp.finfo(dtype).tiny


def eps(dtype):
    """Machine epsilon of ``dtype``."""
    return jnp.finfo(dtype).eps


def log1mexp(x):
    """``log(1 - exp(-|x|))`` computed stably (Maechler 2012).

    Uses ``log(-expm1(-x))`` for small ``x`` and ``log1p(-exp(-x))`` for large.

    Examples:
        >>> float(log1mexp(jnp.asarray(1e-20)))  # doctest: +ELLIPSIS
        -46.05...
    """
    x = jnp.abs(x)
    small = x < jnp.log(2.0)
    x_small = jnp.where(small, x, 1.0)
    x_large = jnp.where(small, 1.0, x)
    return jnp.where(small, jnp.log(-jnp.expm1(-x_small)), jnp.log1p(-jnp.exp(-x_large)))


def log_sub_exp(a, b):
    """``log(exp(a) - exp(b))`` for ``a >= b``, stably; ``-inf`` when ``a == b``.

    Examples:
        >>> float(log_sub_exp(jnp.log(3.0), jnp.log(1.0)))  # doctest: +ELLIPSIS
        0.693...
    """
    a, b = jnp.broadcast_arrays(a, b)
    delta = a - b
    safe_delta = jnp.where(delta > 0, delta, 1.0)
    out = a + log1mexp(safe_delta)
    return jnp.where(delta > 0, out, jnp.where(delta == 0, -jnp.inf, jnp.nan))


def softplus(x):
    """``log(1 + exp(x))`` without overflow.

    Examples:
        >>> float(softplus(jnp.asarray(0.0)))  # doctest: +ELLIPSIS
        0.693...
    """
    return jnp.logaddexp(x, 0.0)


def softplus_inverse(y):
    """Inverse of :func:`softplus`: ``log(exp(y) - 1)``, stable for tiny and huge ``y``.

    Examples:
        >>> float(softplus_inverse(softplus(jnp.asarray(-30.0))))  # doctest: +ELLIPSIS
        -30.0...
    """
    # log(expm1(y)) = y + log(-expm1(-y)) for large y; log(expm1(y)) direct for small y.
    y = jnp.asarray(y)
    big = y > 20.0
    y_small = jnp.where(big, 1.0, y)
    y_big = jnp.where(big, y, 21.0)
    return jnp.where(big, y_big + jnp.log(-jnp.expm1(-y_big)), jnp.log(jnp.expm1(y_small)))


def log_sigmoid(x):
    """``log(1 / (1 + exp(-x)))`` stably."""
    return jax.nn.log_sigmoid(x)


def logit(p):
    """``log(p / (1 - p))``."""
    return jnp.log(p) - jnp.log1p(-p)


def safe_log(x):
    """``log(x)`` that returns ``-inf`` (not NaN) at 0 and has finite gradients elsewhere."""
    return jnp.log(x)


log_ndtr = special.log_ndtr
ndtri = special.ndtri
