"""The scaled exponential integral ``exp(x) E1(x)`` in log space (Horseshoe, Gompertz).

Written here rather than calling ``jax.scipy.special.exp1``: in JAX 0.10 that function
does not return on some arrays that mix small and large arguments (its per-element
convergence loop), and this form also never over- or underflows.
"""

from __future__ import annotations

import jax.numpy as jnp

from probflow.typing import Array, ArrayLike

__all__ = ["log_scaled_exp1", "log_scaled_exp1_from_log"]

_EULER_GAMMA = 0.5772156649015329
_SWITCH = 2.0
# Power series below 2: the terms fall below 2**k / (k k!), under 1e-18 relative after 30.
_SERIES_TERMS = 30
# Continued fraction above 2, evaluated from its tail: 40 levels converge to double precision.
_FRACTION_TERMS = 40


def _e1_series(x: Array) -> Array:
    """``E1(x) = -gamma - log(x) - sum_k (-x)**k / (k k!)`` for ``0 < x <= 2``."""
    total = jnp.zeros_like(x)
    term = jnp.ones_like(x)
    for k in range(1, _SERIES_TERMS + 1):
        term = -term * x / k
        total = total + term / k
    return -_EULER_GAMMA - jnp.log(x) - total


def _scaled_e1_fraction(x: Array) -> Array:
    """``exp(x) E1(x) = 1 / (x + 1 - 1 / (x + 3 - 4 / (x + 5 - ...)))`` for ``x >= 2``."""
    t = x + 2.0 * _FRACTION_TERMS + 1.0
    for k in range(_FRACTION_TERMS, 0, -1):
        t = x + 2.0 * k - 1.0 - k * k / t
    return 1.0 / t


def log_scaled_exp1(x: ArrayLike) -> Array:
    """``log(exp(x) E1(x))`` for ``x >= 0`` (``+inf`` at 0), finite gradients for ``x > 0``.

    ``E1(x) = int_x^inf exp(-t) / t dt``: its power series below 2, the continued fraction
    of ``exp(x) E1(x)`` above, so neither factor over- or underflows for large ``x``.

    Examples:
        >>> import jax.numpy as jnp
        >>> round(float(log_scaled_exp1(jnp.asarray(1.0))), 5)
        -0.51693
        >>> round(float(log_scaled_exp1(jnp.asarray(1e6))), 3)
        -13.816
    """
    x = jnp.asarray(x)
    small = x <= _SWITCH
    x_small = jnp.where(small & (x > 0), x, 1.0)
    x_large = jnp.where(small, _SWITCH + 1.0, x)
    series = x_small + jnp.log(_e1_series(x_small))
    fraction = jnp.log(_scaled_e1_fraction(x_large))
    out = jnp.where(small, series, fraction)
    return jnp.where(x == 0, jnp.inf, out)


def log_scaled_exp1_from_log(log_x: ArrayLike) -> Array:
    """``log(exp(x) E1(x))`` from ``log_x = log(x)``, for ``x`` beyond the dtype's range.

    Below ``x = 1e-13`` it is ``log(-gamma - log_x)`` (``E1(x) = -gamma - log(x) + O(x)``);
    above ``1e13``, ``-log_x - 1/x`` (``exp(x) E1(x) = 1/x - 1/x**2 + ...``); in between,
    [`log_scaled_exp1`][probflow.distributions._exp_integral.log_scaled_exp1] of ``exp(log_x)``.

    Examples:
        >>> import jax.numpy as jnp
        >>> round(float(log_scaled_exp1_from_log(jnp.asarray(-100.0))), 4)
        4.5994
    """
    log_x = jnp.asarray(log_x)
    tiny = log_x < -30.0
    huge = log_x > 30.0
    middle = jnp.where(tiny | huge, 0.0, log_x)
    small_form = jnp.log(-_EULER_GAMMA - jnp.where(tiny, log_x, -31.0))
    large_x = jnp.where(huge, log_x, 31.0)
    large_form = -large_x - jnp.exp(-large_x)
    return jnp.where(tiny, small_form, jnp.where(huge, large_form,
                                                 log_scaled_exp1(jnp.exp(middle))))
