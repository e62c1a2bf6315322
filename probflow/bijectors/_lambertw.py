"""Lambert's W on the non-negative reals (principal branch), for the bijectors (private).

``W(x)`` solves ``w exp(w) = x``. Only ``x >= 0`` is needed here (the shifted Gompertz cdf
and the Lambert W tail transform), where ``W`` is increasing and ``W(x) >= 0``. The
iteration of Iacono and Boyd (2017), ``w <- w / (1 + w) * (1 + log x - log w)``, converges
quadratically from a positive start and works on ``log x``, so arguments beyond the
floating-point range (``exp(1 / c)`` for small ``c``) are fine.
"""

from __future__ import annotations

import jax
import jax.numpy as jnp

_NUM_ITERATIONS = 6


@jax.custom_jvp
def lambertw_of_log(log_x):
    """``W(exp(log_x))`` for real ``log_x`` (``-inf`` gives 0)."""
    log_x = jnp.asarray(log_x)
    x = jnp.exp(jnp.minimum(log_x, 1.0))
    big = log_x > 1.0
    safe_big = jnp.where(big, log_x, 2.0)
    w = jnp.where(big, safe_big - jnp.log(safe_big), jnp.log1p(x))
    # At log_x = -inf, x = 0 and w = 0; keep the iteration finite there.
    is_zero = w <= 0
    safe_log_x = jnp.where(is_zero, 0.0, log_x)
    w = jnp.where(is_zero, 1.0, w)
    for _ in range(_NUM_ITERATIONS):
        w = w / (1.0 + w) * (1.0 + safe_log_x - jnp.log(w))
    return jnp.where(is_zero, 0.0, w)


@lambertw_of_log.defjvp
def _lambertw_of_log_jvp(primals, tangents):
    (log_x,), (dlog_x,) = primals, tangents
    w = lambertw_of_log(log_x)
    # d W(e^l) / dl = W / (1 + W).
    return w, w / (1.0 + w) * dlog_x


@jax.custom_jvp
def lambertw(x):
    """``W(x)`` for ``x >= 0``."""
    x = jnp.asarray(x)
    positive = x > 0
    return jnp.where(positive, lambertw_of_log(jnp.log(jnp.where(positive, x, 1.0))), 0.0)


@lambertw.defjvp
def _lambertw_jvp(primals, tangents):
    (x,), (dx,) = primals, tangents
    w = lambertw(x)
    # W'(x) = 1 / (exp(W) (1 + W)).
    return w, dx * jnp.exp(-w) / (1.0 + w)
