"""Numerically stable helpers used across distributions and bijectors.

Everything here is a pure ``jax.numpy`` function with finite gradients on the
interior of its domain.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import jax
import jax.numpy as jnp
import numpy as np
from jax.scipy import special

from probflow.typing import Array, ArrayLike, DTypeLike

__all__ = [
    "log1mexp",
    "log_sub_exp",
    "softplus",
    "softplus_inverse",
    "log_beta",
    "stirling_error",
    "binomial_deviance",
    "two_product",
    "log_ndtr",
    "ndtri_exp",
    "ndtri",
    "log_sigmoid",
    "logit",
    "safe_log",
    "default_float",
    "promote_floats",
    "tiny",
    "eps",
]


def default_float() -> np.dtype[Any]:
    """The default floating dtype: float64 when ``jax_enable_x64`` is on, else float32.

    Examples:
        >>> default_float() in (jnp.float32, jnp.float64)
        True
    """
    return jnp.zeros((), dtype=float).dtype


def promote_floats(*values: ArrayLike | Sequence[Any]) -> tuple[Array, ...]:
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


def tiny(dtype: DTypeLike) -> np.floating[Any]:
    """Smallest positive normal number of ``dtype``.

    Examples:
        >>> float(tiny(jnp.float32)) > 0
        True
    """
    return jnp.finfo(dtype).tiny


def eps(dtype: DTypeLike) -> np.floating[Any]:
    """Machine epsilon of ``dtype``.

    Examples:
        >>> float(eps(jnp.float32))  # doctest: +ELLIPSIS
        1.19...e-07
    """
    return jnp.finfo(dtype).eps


def log1mexp(x: ArrayLike) -> Array:
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


def log_sub_exp(a: ArrayLike, b: ArrayLike) -> Array:
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


def softplus(x: ArrayLike) -> Array:
    """``log(1 + exp(x))`` without overflow.

    Examples:
        >>> float(softplus(jnp.asarray(0.0)))  # doctest: +ELLIPSIS
        0.693...
    """
    return jnp.logaddexp(x, 0.0)


def softplus_inverse(y: ArrayLike) -> Array:
    """Inverse of [`softplus`][probflow.core.numerics.softplus]: ``log(exp(y) - 1)``, stable for
    tiny and huge ``y``.

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


@jax.custom_jvp
def log_sigmoid(x: ArrayLike) -> Array:
    """``log(1 / (1 + exp(-x)))`` stably, its value and derivative from one ``exp``.

    ``min(x, 0) - log1p(exp(-|x|))``, with the derivative ``sigmoid(-x)`` written from the
    same ``e = exp(-|x|)``: ``e / (1 + e)`` for ``x >= 0``, ``1 / (1 + e)`` below.
    ``jax.nn.log_sigmoid`` goes through ``logaddexp``, whose derivative computes a second
    exponential, so a logistic likelihood's value and gradient cost two ``exp`` per point
    there and one here (the same numbers: within 3e-16 of scipy's ``log_expit`` and
    ``expit(-x)`` in float64 from ``|x| = 1e-30`` to ``1e3``).

    Examples:
        >>> float(log_sigmoid(jnp.asarray(0.0)))  # doctest: +ELLIPSIS
        -0.693...
        >>> float(jax.grad(log_sigmoid)(0.0))
        0.5
    """
    return _log_sigmoid_value(jnp.asarray(x))[0]


def _log_sigmoid_value(x: Array) -> tuple[Array, Array]:
    e = jnp.exp(-jnp.abs(x))
    return jnp.minimum(x, 0) - jnp.log1p(e), e


@log_sigmoid.defjvp
def _log_sigmoid_jvp(primals: tuple[Array], tangents: tuple[Array]) -> tuple[Array, Array]:
    (x,), (t,) = primals, tangents
    value, e = _log_sigmoid_value(jnp.asarray(x))
    slope = jnp.where(x >= 0, e, jnp.ones_like(e)) / (1 + e)  # sigmoid(-x)
    return value, slope * t


def logit(p: ArrayLike) -> Array:
    """``log(p / (1 - p))``.

    Examples:
        >>> float(logit(jnp.asarray(0.5)))
        0.0
    """
    return jnp.log(p) - jnp.log1p(-jnp.asarray(p))


def safe_log(x: ArrayLike) -> Array:
    """``log(x)`` that returns ``-inf`` (not NaN) at 0 and has finite gradients elsewhere.

    Examples:
        >>> float(safe_log(jnp.asarray(0.0)))
        -inf
    """
    return jnp.log(x)


# Stirling-series coefficients B_2j / (2j (2j - 1)) of
# lgamma(x) - [(x - 1/2) log x - x + log(2 pi) / 2], in powers of 1 / x**2.
_STIRLING = (
    1 / 12,
    -1 / 360,
    1 / 1260,
    -1 / 1680,
    1 / 1188,
    -691 / 360360,
    1 / 156,
    -3617 / 122400,
)
_HALF_LOG_2PI = 0.5 * math.log(2.0 * math.pi)
_STIRLING_FROM = 8.0


def _stirling_correction(x: Array) -> Array:
    """``lgamma(x) - ((x - 1/2) log x - x + log(2 pi) / 2)`` for ``x >= 8`` (error < 1e-16)."""
    inv = 1.0 / x
    inv2 = inv * inv
    total = jnp.zeros_like(x)
    for c in reversed(_STIRLING):
        total = total * inv2 + c
    return total * inv


def log_beta(a: ArrayLike, b: ArrayLike) -> Array:
    """``log B(a, b)`` for ``a, b > 0``, accurate to a few ulps of the result's terms.

    ``jax.scipy.special.betaln`` loses about 1e-6 (absolute) when the larger argument
    is 8 or more and the smaller is small (e.g. ``betaln(3, 8)``), which is visible in
    binomial masses at rtol 1e-6; and ``lgamma(a) + lgamma(b) - lgamma(a + b)`` cancels
    catastrophically for large counts. Here ``lgamma(b) - lgamma(a + b)`` is expanded
    with Stirling's series once the larger argument reaches 8, and ``lgamma`` of the
    smaller argument is expanded too when it also reaches 8.

    Examples:
        >>> float(log_beta(jnp.asarray(3.0), jnp.asarray(8.0)))  # doctest: +ELLIPSIS
        -5.8861...
    """
    a, b = jnp.broadcast_arrays(a, b)
    lo, hi = jnp.minimum(a, b), jnp.maximum(a, b)
    both_small = hi < _STIRLING_FROM
    lo_small = lo < _STIRLING_FROM
    # Both arguments small: plain lgamma terms (no cancellation at this size).
    lo1, hi1 = jnp.where(both_small, lo, 1.0), jnp.where(both_small, hi, 1.0)
    direct = special.gammaln(lo1) + special.gammaln(hi1) - special.gammaln(lo1 + hi1)
    # hi >= 8: lgamma(hi) - lgamma(lo + hi) = -(hi - 1/2) log1p(lo / hi) - lo log(lo + hi) + lo
    #          + corr(hi) - corr(lo + hi).
    hi2 = jnp.where(both_small, _STIRLING_FROM, hi)
    lo2 = jnp.where(both_small, 1.0, lo)
    total = lo2 + hi2
    tail = (
        -(hi2 - 0.5) * jnp.log1p(lo2 / hi2)
        + _stirling_correction(hi2)
        - _stirling_correction(total)
    )
    lo3 = jnp.where(lo_small, lo2, 1.0)
    one_large = special.gammaln(lo3) - lo3 * jnp.log(total) + lo3 + tail
    lo4 = jnp.where(lo_small, _STIRLING_FROM, lo2)
    total4 = lo4 + hi2
    both_large = (
        _HALF_LOG_2PI
        - 0.5 * jnp.log(total4)
        - (lo4 - 0.5) * jnp.log1p(hi2 / lo4)
        + _stirling_correction(lo4)
        - (hi2 - 0.5) * jnp.log1p(lo4 / hi2)
        + _stirling_correction(hi2)
        - _stirling_correction(total4)
    )
    return jnp.where(both_small, direct, jnp.where(lo_small, one_large, both_large))


# stirling_error(k) for k = 0, 1, ..., 7 (k = 0 is never used: the lookup is for 1 <= k < 8).
_STIRLING_ERROR_TABLE = tuple(
    0.0 if k == 0 else math.lgamma(k + 1.0) - (k + 0.5) * math.log(k) + k - _HALF_LOG_2PI
    for k in range(8)
)


def stirling_error(x: ArrayLike) -> Array:
    """Error of Stirling's formula: ``log(x!) - [(x + 1/2) log x - x + log(2 pi) / 2]``, ``x > 0``.

    Loader's ``stirlerr`` (2000): exact table values at the whole numbers below 8, Stirling's
    series above (from 8 in float64, from 2.5 in float32, where the series is already more
    accurate than the dtype) and the ``lgamma`` difference elsewhere. It decreases like
    ``1 / (12 x)``, so sums of these terms do not lose the digits that differences of
    ``lgamma`` of large counts lose. ``+inf`` at ``x = 0``.

    Examples:
        >>> round(float(stirling_error(jnp.asarray(1.0))), 6)  # log(1) - (1.5 log 1 - 1 + 0.919)
        0.081061
        >>> float(stirling_error(jnp.asarray(1e8)))  # doctest: +ELLIPSIS
        8.33...e-10
    """
    x = jnp.asarray(x)
    if not jnp.issubdtype(x.dtype, jnp.floating):
        x = x.astype(default_float())
    series_from = _STIRLING_FROM if x.dtype == jnp.float64 else 2.5
    large = x >= series_from
    series = _stirling_correction(jnp.where(large, x, series_from))
    whole = (x >= 1.0) & (x < _STIRLING_FROM) & (x == jnp.floor(x))
    table = jnp.asarray(_STIRLING_ERROR_TABLE, dtype=x.dtype)
    looked_up = table[jnp.clip(x, 0, 7).astype(jnp.int32)]
    x_small = jnp.where(large, 1.0, x)
    direct = (
        special.gammaln(x_small + 1.0) - (x_small + 0.5) * jnp.log(x_small) + x_small
        - _HALF_LOG_2PI
    )
    # Table values carry the derivative of the lgamma form (the table alone has none).
    exact = looked_up + (direct - jax.lax.stop_gradient(direct))
    return jnp.where(large, series, jnp.where(whole, exact, direct))


def two_product(a: ArrayLike, b: ArrayLike) -> tuple[Array, Array]:
    """``(p, e)`` with ``p = fl(a * b)`` and ``a * b = p + e`` exactly (Dekker 1971).

    The rounding error of a product, by Veltkamp's splitting of each factor into halves whose
    products are exact. ``k - n * p`` computed as ``(k - p) - e`` then keeps the digits that
    rounding ``n * p`` to float32 loses (a mean of ``3e7`` moves by 2). Valid while
    ``|a|, |b|`` stay below ``max / 2**(mantissa / 2 + 1)`` (about ``8e34`` in float32).

    Examples:
        >>> p, e = two_product(jnp.float32(1e8), jnp.float32(0.3))
        >>> float(p) + float(e) == 1e8 * float(jnp.float32(0.3))
        True
    """
    a, b = jnp.broadcast_arrays(*promote_floats(a, b))
    split = 2.0 ** ((jnp.finfo(a.dtype).nmant + 2) // 2) + 1.0

    def halves(x):
        c = split * x
        high = c - (c - x)
        return high, x - high

    a_high, a_low = halves(a)
    b_high, b_low = halves(b)
    p = a * b
    e = ((a_high * b_high - p) + a_high * b_low + a_low * b_high) + a_low * b_low
    return p, e


_DEVIANCE_SERIES_TERMS = 12


def binomial_deviance(x: ArrayLike, mean: ArrayLike, *, log_mean: ArrayLike | None = None,
                      difference: ArrayLike | None = None) -> Array:
    """Loader's ``bd0``: ``x log(x / mean) + mean - x`` for ``x >= 0``, ``mean > 0``, stably.

    The deviance term of the saddle-point forms of the Poisson, binomial and negative
    binomial masses (Loader 2000, "Fast and accurate computation of binomial
    probabilities"). Where ``|x - mean| < (x + mean) / 10`` it is summed as
    ``(x - mean) v + 2 x (v**3 / 3 + v**5 / 5 + ...)`` with ``v = (x - mean) / (x + mean)``,
    which has no cancellation; elsewhere ``x log(x / mean)`` uses ``log1p`` of the relative
    difference near ``mean``, the quotient further out and ``log x - log_mean`` where the
    quotient overflows or underflows. ``0`` at ``x == mean``, ``mean`` at ``x = 0``;
    differentiable in both arguments (``d/dmean = 1 - x / mean``).

    Args:
        x: non-negative values.
        mean: positive means; broadcasts with ``x``.
        log_mean: ``log(mean)`` when known more accurately than from ``mean``.
        difference: ``x - mean`` when known more accurately than their difference.

    Examples:
        >>> round(float(binomial_deviance(jnp.asarray(3.0), jnp.asarray(2.0))), 6)
        0.216395
        >>> float(binomial_deviance(jnp.asarray(1e8), jnp.asarray(1e8)))
        0.0
    """
    x, mean = jnp.broadcast_arrays(*promote_floats(x, mean))
    dtype = x.dtype
    d = x - mean if difference is None else jnp.broadcast_to(difference, x.shape).astype(dtype)
    total = x + mean
    close = jnp.abs(d) < 0.1 * total
    # Series branch (|v| < 0.1, so twelve odd powers reach 1e-24 of the leading term).
    v = jnp.where(close, d / jnp.where(close, total, 1.0), 0.0)
    v2 = v * v
    power = v
    tail = jnp.zeros_like(v)
    for j in range(1, _DEVIANCE_SERIES_TERMS + 1):
        power = power * v2
        tail = tail + power / (2 * j + 1)
    series = d * v + 2.0 * x * tail
    # Direct branch, at points where it is used (safe values elsewhere keep gradients finite).
    far = ~close & (x > 0)
    x_far = jnp.where(far, x, 1.0)
    mean_far = jnp.where(far, mean, 2.0)
    d_far = jnp.where(far, d, -1.0)
    near_one = jnp.abs(d_far) <= 0.5 * mean_far
    relative = jnp.where(near_one, d_far / mean_far, 0.0)
    ratio = x_far / mean_far
    normal = ~near_one & (ratio >= tiny(dtype)) & jnp.isfinite(ratio)
    log_ratio_quotient = jnp.log(jnp.where(normal, ratio, 1.0))
    if log_mean is None:
        log_mean_far = jnp.log(mean_far)
    else:
        log_mean_far = jnp.where(far, jnp.broadcast_to(log_mean, x.shape).astype(dtype), 1.0)
    extreme = ~near_one & ~normal
    log_ratio_logs = jnp.where(extreme, jnp.log(x_far) - log_mean_far, 0.0)
    log_ratio = jnp.where(
        near_one, jnp.log1p(relative), jnp.where(normal, log_ratio_quotient, log_ratio_logs)
    )
    direct = x_far * log_ratio - d_far
    return jnp.where(close, series, jnp.where(x > 0, direct, mean))


log_ndtr = special.log_ndtr
ndtri = special.ndtri


def ndtri_exp(log_p: ArrayLike) -> Array:
    """Inverse of ``log_ndtr``: the ``z`` with ``log Phi(z) = log_p``, for any ``log_p <= 0``.

    Accurate where ``exp(log_p)`` underflows (``log_p = -800`` gives ``z ~ -40``) and where
    ``p`` is within rounding of 1: ``ndtri(exp(log_p))`` in the middle, ``-ndtri(-expm1(
    log_p))`` near 1, and below ``exp``'s range an asymptotic start refined by Newton steps
    on ``log_ndtr``.

    Examples:
        >>> float(ndtri_exp(jnp.log(0.5)))
        0.0
        >>> round(float(ndtri_exp(log_ndtr(jnp.asarray(-40.0)))), 3)
        -40.0
    """
    log_p = jnp.asarray(log_p)
    dtype = jnp.result_type(log_p, float)
    log_p = log_p.astype(dtype)
    floor = math.log(float(jnp.finfo(dtype).tiny)) + 10.0
    near_one = log_p > -0.6931471805599453
    middle = ~near_one & (log_p > floor)
    tail = log_p <= floor
    z_near_one = -ndtri(-jnp.expm1(jnp.where(near_one, log_p, -1.0)))
    z_middle = ndtri(jnp.exp(jnp.where(middle, log_p, -1.0)))
    y = jnp.where(tail, log_p, floor - 1.0)
    t = -2.0 * y
    z = -jnp.sqrt(jnp.maximum(t - jnp.log(t) - math.log(2.0 * math.pi), 1.0))
    for _ in range(6):
        log_cdf = log_ndtr(z)
        slope = jnp.exp(-0.5 * z * z - 0.5 * math.log(2.0 * math.pi) - log_cdf)
        z = z - (log_cdf - y) / slope
    return jnp.where(near_one, z_near_one, jnp.where(middle, z_middle, z))
