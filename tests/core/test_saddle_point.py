"""stirling_error and binomial_deviance (Loader's stirlerr and bd0) against exact references."""

from __future__ import annotations

import decimal
import math

import jax
import jax.numpy as jnp
import numpy as np
from scipy import special

from probflow.core import numerics

decimal.getcontext().prec = 50

# One compilation per dtype and shape (eager op-by-op dispatch is much slower here).
_stirling_error = jax.jit(numerics.stirling_error)
_deviance = jax.jit(numerics.binomial_deviance)


def _exact_deviance(x, mean):
    """x log(x / mean) + mean - x in 50-digit decimal arithmetic."""
    x, mean = decimal.Decimal(float(x)), decimal.Decimal(float(mean))
    head = x * (x / mean).ln() if x > 0 else decimal.Decimal(0)
    return float(head + mean - x)


def _stirling_reference(x):
    """float64 reference: lgamma difference below 50 (cancellation < 1e-13 there), and the
    first three terms of the asymptotic series above (truncation < 1e-17 relative)."""
    x = np.asarray(x, np.float64)
    direct = special.gammaln(x + 1) - (x + 0.5) * np.log(x) + x - 0.5 * np.log(2 * np.pi)
    series = 1 / (12 * x) - 1 / (360 * x**3) + 1 / (1260 * x**5)
    return np.where(x < 50, direct, series)


def test_stirling_error_in_both_dtypes():
    x = np.concatenate([np.linspace(0.05, 10.0, 200), [1.0, 2.0, 3.0, 7.0, 8.0, 49.5, 51.0,
                                                          1e3, 1e6, 1e8, 3e9]])
    want = _stirling_reference(x)
    np.testing.assert_allclose(_stirling_error(jnp.asarray(x)), want, rtol=1e-12,
                               atol=2e-14)
    x32 = x.astype(np.float32)
    got32 = _stirling_error(jnp.asarray(x32))
    assert got32.dtype == jnp.float32
    # float32: within a few ulps of lgamma(x + 1) (~1e-6 absolute) where the lgamma form is
    # used, and relative 1e-6 in the series range.
    np.testing.assert_allclose(got32, _stirling_reference(x32.astype(np.float64)), rtol=1e-6,
                               atol=4e-6)
    # Whole numbers below 8 come from the exact table.
    whole = np.arange(1.0, 8.0, dtype=np.float32)
    np.testing.assert_allclose(_stirling_error(jnp.asarray(whole)),
                               _stirling_reference(whole.astype(np.float64)), rtol=1e-7)
    assert float(_stirling_error(jnp.asarray(0.0))) == np.inf


def test_binomial_deviance_matches_exact_arithmetic_in_float32():
    xs = np.array([0, 1, 3, 10, 99, 1e3, 1e5, 1e6 + 7, 1e8, 3e9], np.float32)
    means = np.array([1e-30, 1e-3, 0.5, 1, 3.3, 10, 100, 1005, 1e5, 1e6, 1e8, 1.2e8, 5e9],
                     np.float32)
    x, mean = np.meshgrid(xs, means)
    got = np.asarray(_deviance(jnp.asarray(x), jnp.asarray(mean)), np.float64)
    want = np.vectorize(_exact_deviance)(x, mean)
    # Relative error a few float32 ulps, from the series near x = mean (no cancellation) to
    # the quotient and log forms far from it (the subtraction x log(x/m) - d cancels at most
    # tenfold at |x - m| = (x + m) / 10).
    np.testing.assert_allclose(got, want, rtol=2e-6, atol=1e-30)
    assert float(_deviance(jnp.float32(1e8), jnp.float32(1e8))) == 0.0


def test_binomial_deviance_gradient_and_float64():
    x = jnp.asarray([0.0, 5.0, 5.0, 1e6, 1e6])
    mean = jnp.asarray([0.5, 4.9, 0.5, 1e6 + 10.0, 2e6])
    grad = jax.jit(jax.vmap(jax.grad(numerics.binomial_deviance, argnums=1)))(x, mean)
    np.testing.assert_allclose(grad, 1.0 - x / mean, rtol=1e-10)
    want = [_exact_deviance(a, b) for a, b in zip(np.asarray(x), np.asarray(mean), strict=True)]
    np.testing.assert_allclose(_deviance(x, mean), want, rtol=1e-13)
    # `difference` and `log_mean` take over where the subtraction and the quotient lose digits.
    got = _deviance(jnp.float32(2.0), jnp.float32(0.0), log_mean=jnp.float32(-200.0))
    np.testing.assert_allclose(got, 2.0 * (math.log(2.0) + 200.0) - 2.0, rtol=1e-6)
