"""Gamma-based draws computed in log space and kept inside the support.

``jax.random.gamma(key, a)`` underflows to exactly 0 for small shapes: with ``a = 1e-3``
about 92% of the draws lie below the smallest normal float32 (``1.2e-38``), where the
density of a ``Gamma(1e-3)`` is infinite; ``jax.random.beta`` and ``jax.random.dirichlet``
built on it return exact 0s and 1s, and a Student t divides by such a zero. Every sampler
built on the gamma goes through these helpers instead:

* the gamma variate is drawn as its logarithm (``jax.random.loggamma``, which draws the
  same variates as ``jax.random.gamma`` for the same key and is implicitly
  reparameterized in the shape);
* ratios are formed in log space (a beta draw is ``sigmoid(log G_a - log G_b)``, a
  Dirichlet draw ``softmax`` of the log-gammas, a t draw's scale
  ``exp((log(df / 2) - log G) / 2)``);
* a result that underflows or overflows the dtype is clamped to the nearest representable
  point of the open support: ``[tiny, max]`` for positive variables and
  ``[tiny, 1 - eps / 2]`` for the unit interval (``tiny`` the smallest positive normal).
  Only draws the dtype cannot represent move, and their gradients are zero.
"""

from __future__ import annotations

import jax
import jax.numpy as jnp

from probflow.typing import Array, ArrayLike, DTypeLike, PRNGKey, Shape

__all__ = [
    "log_gamma",
    "positive_from_log",
    "gamma",
    "beta_logit",
    "unit_from_logit",
    "beta",
    "dirichlet",
    "inverse_chi_scale",
]


def log_gamma(key: PRNGKey, concentration: ArrayLike, shape: Shape, dtype: DTypeLike) -> Array:
    """``log G`` with ``G ~ Gamma(concentration, 1)``, of the given ``shape``.

    Examples:
        >>> import jax
        >>> x = log_gamma(jax.random.key(0), 1e-3, (4,), jax.numpy.float32)
        >>> bool(jax.numpy.all(jax.numpy.isfinite(x)))
        True
    """
    a = jnp.broadcast_to(jnp.asarray(concentration, dtype), shape)
    return jax.random.loggamma(key, a, shape, dtype=dtype)


def positive_from_log(log_x: ArrayLike) -> Array:
    """``exp(log_x)`` clamped to ``[tiny, max]`` of its dtype (never 0, never ``inf``).

    Examples:
        >>> import jax.numpy as jnp
        >>> positive_from_log(jnp.asarray([-1000.0, 0.0, 1000.0]))
        Array([1.1754944e-38, 1.0000000e+00, 3.4028235e+38], dtype=float32)
    """
    info = jnp.finfo(jnp.result_type(log_x))
    return jnp.clip(jnp.exp(log_x), info.tiny, info.max)


def gamma(key: PRNGKey, concentration: ArrayLike, shape: Shape, dtype: DTypeLike,
          log_scale: ArrayLike = 0.0) -> Array:
    """``scale * G`` with ``G ~ Gamma(concentration, 1)`` and ``log_scale = log(scale)``.

    Computed as ``exp(log G + log_scale)``, so a tiny gamma variate times a huge scale
    keeps its digits; clamped to ``[tiny, max]``.

    Examples:
        >>> import jax
        >>> x = gamma(jax.random.key(0), 1e-3, (1000,), jax.numpy.float32)
        >>> bool(jax.numpy.all(x > 0))
        True
    """
    return positive_from_log(log_gamma(key, concentration, shape, dtype) + log_scale)


def beta_logit(key: PRNGKey, concentration1: ArrayLike, concentration0: ArrayLike,
               shape: Shape, dtype: DTypeLike) -> Array:
    """``log(X / (1 - X))`` for ``X ~ Beta(concentration1, concentration0)``: ``log G1 - log G0``.

    Uses the key split of ``jax.random.beta``, so ``sigmoid`` of the result reproduces its
    draws wherever those are representable.

    Examples:
        >>> import jax
        >>> l = beta_logit(jax.random.key(0), 1e-3, 1e-3, (4,), jax.numpy.float32)
        >>> bool(jax.numpy.all(jax.numpy.isfinite(l)))
        True
    """
    key1, key0 = jax.random.split(key)
    return log_gamma(key1, concentration1, shape, dtype) - log_gamma(
        key0, concentration0, shape, dtype
    )


def unit_from_logit(logit: ArrayLike) -> Array:
    """``sigmoid(logit)`` clamped to ``[tiny, 1 - eps / 2]`` (never exactly 0 or 1).

    ``1 - eps / 2`` is the largest number below 1 of the dtype.

    Examples:
        >>> import jax.numpy as jnp
        >>> x = unit_from_logit(jnp.asarray([-1000.0, 0.0, 1000.0]))
        >>> bool(x[0] > 0), float(x[1]), bool(x[2] < 1)
        (True, 0.5, True)
    """
    info = jnp.finfo(jnp.result_type(logit))
    return jnp.clip(jax.nn.sigmoid(logit), info.tiny, 1.0 - info.epsneg)


def beta(key: PRNGKey, concentration1: ArrayLike, concentration0: ArrayLike, shape: Shape,
         dtype: DTypeLike) -> Array:
    """Beta draws strictly inside ``(0, 1)``, from the logit of two log-gammas.

    Examples:
        >>> import jax, jax.numpy as jnp
        >>> x = beta(jax.random.key(0), 1e-3, 1e-3, (1000,), jnp.float32)
        >>> bool(jnp.all((x > 0) & (x < 1)))
        True
    """
    return unit_from_logit(beta_logit(key, concentration1, concentration0, shape, dtype))


def dirichlet(key: PRNGKey, concentration: ArrayLike, shape: Shape, dtype: DTypeLike) -> Array:
    """Dirichlet draws of shape ``shape + concentration.shape[-1:]`` with no zero entries.

    ``softmax`` of the log-gammas (as ``jax.random.dirichlet``), with entries clamped to at
    least ``tiny`` (the sum moves by at most ``K tiny``).

    Examples:
        >>> import jax, jax.numpy as jnp
        >>> x = dirichlet(jax.random.key(0), jnp.full(3, 1e-3), (100,), jnp.float32)
        >>> bool(jnp.all(x > 0)), x.shape
        (True, (100, 3))
    """
    concentration = jnp.asarray(concentration, dtype)
    full = tuple(shape) + concentration.shape[-1:]
    log_g = log_gamma(key, concentration, full, dtype)
    log_x = log_g - jax.scipy.special.logsumexp(log_g, axis=-1, keepdims=True)
    info = jnp.finfo(dtype)
    return jnp.clip(jnp.exp(log_x), info.tiny, 1.0)


def inverse_chi_scale(key: PRNGKey, df: ArrayLike, shape: Shape, dtype: DTypeLike) -> Array:
    """``sqrt(df / C)`` with ``C ~ Chi2(df)``: the factor that turns a normal into a t draw.

    Computed as ``exp((log(df / 2) - log G) / 2)`` with ``G ~ Gamma(df / 2)``, clamped to
    ``[tiny, max]``, so tiny ``df`` gives huge but finite factors instead of ``inf``.

    Examples:
        >>> import jax, jax.numpy as jnp
        >>> s = inverse_chi_scale(jax.random.key(0), 1e-3, (100,), jnp.float32)
        >>> bool(jnp.all(jnp.isfinite(s)))
        True
    """
    half_df = 0.5 * jnp.asarray(df, dtype)
    log_g = log_gamma(key, half_df, shape, dtype)
    return positive_from_log(0.5 * (jnp.log(half_df) - log_g))
