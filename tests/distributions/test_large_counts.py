"""Poisson, Binomial and NegativeBinomial masses at huge counts, in float32 (saddle-point form).

``k log(rate) - rate - lgamma(k + 1)`` and its binomial analogues cancel to nothing in
float32 at counts of 1e6 to 1e9 (``Poisson(1e8).log_prob(1e8)`` was 0.0 instead of -10.13).
Each family is compared with scipy in float64 at the same (float32) parameters over a grid
of small and huge counts, and its gradients with the closed forms.
"""

from __future__ import annotations

import decimal
import math

import jax
import jax.numpy as jnp
import numpy as np
import pytest
import scipy.special as sp
import scipy.stats as st

import probflow.distributions as pfd

F32 = np.float32
# float32 keeps ~7 digits; the saddle-point forms lose at most a few ulps (measured < 1e-6).
# Masses near -1 are compared absolutely (atol), the large ones relatively (rtol).
RTOL = ATOL = 1e-5


def _counts(center, upper=None):
    """Small counts, counts around ``center`` and its far tails (as float32 whole numbers)."""
    ks = [0, 1, 2, 5, 17] + [np.round(center * f) for f in (0.5, 0.9, 0.999, 1, 1.001, 1.1, 2)]
    ks = np.unique(np.asarray(ks, np.float64))
    if upper is not None:
        ks = np.unique(np.clip(np.concatenate([ks, [upper - 1, upper]]), 0, upper))
    return ks.astype(F32)


def _grid(rows):
    """Flatten (parameters, counts) rows into arrays for one jitted call."""
    columns = [np.concatenate(c) for c in zip(*rows, strict=True)]
    return [jnp.asarray(c) for c in columns]


_poisson = jax.jit(lambda rate, k: pfd.Poisson(rate).log_prob(k))
_poisson_log = jax.jit(lambda log_rate, k: pfd.Poisson(log_rate=log_rate).log_prob(k))
_binomial = jax.jit(lambda n, p, k: pfd.Binomial(n, probs=p).log_prob(k))
_binomial_logits = jax.jit(lambda n, logit, k: pfd.Binomial(n, logits=logit).log_prob(k))
_nb = jax.jit(lambda r, p, k: pfd.NegativeBinomial(r, probs=p).log_prob(k))
_nb_logits = jax.jit(lambda r, logit, k: pfd.NegativeBinomial(r, logits=logit).log_prob(k))


def test_poisson_float32_matches_scipy_for_small_and_huge_counts():
    rows = []
    for rate in F32([1e-3, 0.5, 3.0, 40.0, 1e3, 1e6, 1e8, 3e9]):
        ks = _counts(rate)
        rows.append((np.full(ks.shape, rate), ks))
    rate, k = _grid(rows)
    got = _poisson(rate, k)
    assert got.dtype == jnp.float32
    want = st.poisson(np.float64(rate)).logpmf(np.float64(k))
    np.testing.assert_allclose(got, want, rtol=RTOL, atol=ATOL)
    for count in (1e6, 1e8):  # the reported cases: 0.0 for -10.13, -7.0 for -7.83
        want = st.poisson(count).logpmf(count)
        assert float(_poisson(F32(count), F32(count))) == pytest.approx(want, rel=1e-6)
    # log_rate: compared at the float32 rate it stands for (moderate rates; at 1e8 one ulp of
    # the rate alone moves masses near the mode by 1e-4).
    log_rate = jnp.log(jnp.asarray(F32([0.5, 40.0, 1e3])))[:, None]
    ks = jnp.asarray(F32([0, 1, 7, 35, 40, 1000, 1100]))
    got = _poisson_log(log_rate, ks)
    want = st.poisson(np.float64(jnp.exp(log_rate))).logpmf(np.float64(ks))
    np.testing.assert_allclose(got, want, rtol=RTOL, atol=ATOL)


@pytest.mark.parametrize("use_logits", [False, True])
def test_binomial_float32_matches_scipy_for_small_and_huge_counts(use_logits):
    rows = []
    for n in F32([1, 7, 30, 1000, 1e6, 1e8]):
        for p in F32([1e-9, 1e-3, 0.3, 0.5, 0.97]):
            ks = _counts(n * p, upper=n)
            rows.append((np.full(ks.shape, n), np.full(ks.shape, p), ks))
    n, p, k = _grid(rows)
    if use_logits:
        logits = jnp.log(p) - jnp.log1p(-p)
        got = _binomial_logits(n, logits, k)
        p64 = sp.expit(np.float64(logits))
    else:
        got = _binomial(n, p, k)
        p64 = np.float64(p)
    want = st.binom(np.float64(n), p64).logpmf(np.float64(k))
    _assert_close(got, want, _logit_slack(use_logits, np.float64(k) - np.float64(n) * p64))


def _assert_close(got, want, slack):
    got = np.asarray(got, np.float64)
    bad = np.abs(got - want) > ATOL + RTOL * np.abs(want) + slack
    assert not bad.any(), (got[bad], want[bad])


def _logit_slack(use_logits, slope):
    """Room for float32 rounding of sigmoid(logits): the probabilities carry a relative error
    of a few ulps, as if the logit moved by ~2 eps, which moves the mass by that times its
    slope d log p / d logit (k - n p for the binomial, k q - r p for the negative binomial)."""
    return 8 * np.finfo(np.float32).eps * np.abs(slope) if use_logits else 0.0


@pytest.mark.parametrize("use_logits", [False, True])
def test_negative_binomial_float32_matches_scipy_for_small_and_huge_counts(use_logits):
    rows = []
    for r in F32([1e-3, 0.5, 3.0, 100.0, 1e6, 1e8]):
        for p in F32([1e-6, 0.2, 0.5, 0.9]):
            ks = _counts(r * p / (1 - p))
            rows.append((np.full(ks.shape, r), np.full(ks.shape, p), ks))
    r, p, k = _grid(rows)
    if use_logits:
        logits = jnp.log(p) - jnp.log1p(-p)
        got = _nb_logits(r, logits, k)
        q64 = sp.expit(-np.float64(logits))
    else:
        got = _nb(r, p, k)
        q64 = 1.0 - np.float64(p)
    # scipy's nbinom(n, p) counts failures before n successes of probability p: p = 1 - probs.
    want = st.nbinom(np.float64(r), q64).logpmf(np.float64(k))
    slope = np.float64(k) * q64 - np.float64(r) * (1.0 - q64)
    _assert_close(got, want, _logit_slack(use_logits, slope))


_DEC = decimal.Context(prec=60)
_PI = decimal.Decimal("3.14159265358979323846264338327950288419716939937510582097494459")
# Bernoulli numbers B_2 ... B_12 of Stirling's series.
_BERNOULLI = [(1, 6), (-1, 30), (1, 42), (-1, 30), (5, 66), (-691, 2730)]


def _log_factorial(k):
    """log(k!) to ~50 digits: exact below 1000, Stirling's series (error < 1e-40) above."""
    if k < 1000:
        return _DEC.ln(decimal.Decimal(math.factorial(int(k))))
    x = decimal.Decimal(k) + 1
    total = (x - decimal.Decimal("0.5")) * _DEC.ln(x) - x + _DEC.ln(2 * _PI) / 2
    for j, (num, den) in enumerate(_BERNOULLI, start=1):
        total += decimal.Decimal(num) / (den * (2 * j) * (2 * j - 1)) / x ** (2 * j - 1)
    return total


def _ln(x):
    return _DEC.ln(decimal.Decimal(float(x)))


def _exact_poisson(k, rate):
    k = decimal.Decimal(float(k))
    return float(k * _ln(rate) - decimal.Decimal(rate) - _log_factorial(k))


def _exact_binomial(k, n, p):
    k, n = decimal.Decimal(float(k)), decimal.Decimal(float(n))
    q = 1 - decimal.Decimal(p)
    head = _log_factorial(n) - _log_factorial(k) - _log_factorial(n - k)
    return float(head + k * _ln(p) + (n - k) * _DEC.ln(q))


def _exact_negative_binomial(k, r, p):  # whole r: C(k + r - 1, k) p**k (1 - p)**r
    k, r = decimal.Decimal(float(k)), decimal.Decimal(float(r))
    q = 1 - decimal.Decimal(p)
    head = _log_factorial(k + r - 1) - _log_factorial(k) - _log_factorial(r - 1)
    return float(head + k * _ln(p) + r * _DEC.ln(q))


def test_float64_huge_counts_match_exact_arithmetic():
    # scipy's float64 logpmf itself cancels at these sizes (Binomial(1e12, 1e-4) at its mode is
    # off by 6e-4), so the reference is 60-digit decimal arithmetic.
    k = np.asarray([0.0, 3.0, 1e6, 1e8 - 1e4, 1e8, 1e12])
    got = _poisson(jnp.full(k.shape, 1e8), jnp.asarray(k))
    np.testing.assert_allclose(got, [_exact_poisson(x, 1e8) for x in k], rtol=1e-13)
    got = _binomial(jnp.full(k.shape, 1e12), jnp.full(k.shape, 1e-4), jnp.asarray(k))
    np.testing.assert_allclose(got, [_exact_binomial(x, 1e12, 1e-4) for x in k], rtol=1e-12)
    got = _nb(jnp.full(k.shape, 1e8), jnp.full(k.shape, 0.5), jnp.asarray(k))
    np.testing.assert_allclose(got, [_exact_negative_binomial(x, 1e8, 0.5) for x in k],
                               rtol=1e-12)


def _grad(fn, argnum):
    return jax.jit(jax.vmap(jax.grad(fn, argnums=argnum)))


_poisson_grad = _grad(lambda rate, k: pfd.Poisson(rate).log_prob(k), 0)
_poisson_log_grad = _grad(lambda log_rate, k: pfd.Poisson(log_rate=log_rate).log_prob(k), 0)
_binomial_grad = _grad(lambda n, p, k: pfd.Binomial(n, probs=p).log_prob(k), 1)
_binomial_logits_grad = _grad(lambda n, logit, k: pfd.Binomial(n, logits=logit).log_prob(k), 1)
_nb_grad = _grad(lambda r, p, k: pfd.NegativeBinomial(r, probs=p).log_prob(k), (0, 1))
_nb_logits_grad = _grad(lambda r, logit, k: pfd.NegativeBinomial(r, logits=logit).log_prob(k), 1)


@pytest.mark.compile_bound
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_gradients_match_closed_forms_at_small_and_huge_counts(dtype):
    # Relative 1e-4 in float32 (a few ulps of the terms x/p and (n-x)/q that cancel in the
    # gradient), 1e-8 in float64.
    rtol = 1e-4 if dtype == np.float32 else 1e-8
    rate = np.asarray([3.0, 3.0, 0.5, 1e6, 1e8], dtype)
    k = np.asarray([0.0, 2.0, 40.0, 1e6 + 1000, 1e8 - 2e4], dtype)
    got = _poisson_grad(jnp.asarray(rate), jnp.asarray(k))
    np.testing.assert_allclose(got, np.float64(k) / np.float64(rate) - 1, rtol=rtol, atol=rtol)
    log_rate = jnp.log(jnp.asarray(rate))
    got = _poisson_log_grad(log_rate, jnp.asarray(k))
    # exp(log_rate) = 1e8 is one rounding in `dtype` (a float32 ulp there is 8), which the
    # difference with k keeps in full: allow two ulps of the rate on top
    want = np.float64(k) - np.exp(np.float64(log_rate))
    np.testing.assert_allclose(got, want, rtol=rtol, atol=2 * np.spacing(rate).max())

    n = np.asarray([10, 10, 10, 1e6, 1e8], dtype)
    p = np.asarray([0.3, 0.3, 0.3, 0.2, 0.5], dtype)
    k = np.asarray([0, 3, 10, 2e5 + 500, 5e7 + 3e3], dtype)
    n64, p64, k64 = np.float64(n), np.float64(p), np.float64(k)
    got = _binomial_grad(jnp.asarray(n), jnp.asarray(p), jnp.asarray(k))
    np.testing.assert_allclose(got, k64 / p64 - (n64 - k64) / (1 - p64), rtol=rtol, atol=rtol)
    logits = jnp.log(p) - jnp.log1p(-p)
    got = _binomial_logits_grad(jnp.asarray(n), logits, jnp.asarray(k))
    np.testing.assert_allclose(got, k64 - n64 * sp.expit(np.float64(logits)), rtol=rtol,
                               atol=rtol * 1e3)

    r = np.asarray([3.0, 3.0, 0.5, 1e-3, 1e6], dtype)
    p = np.asarray([0.25, 0.25, 0.9, 0.5, 0.5], dtype)
    k = np.asarray([0.0, 4.0, 100.0, 7.0, 1e6 + 300], dtype)
    r64, p64, k64 = np.float64(r), np.float64(p), np.float64(k)
    got_r, got_p = _nb_grad(jnp.asarray(r), jnp.asarray(p), jnp.asarray(k))
    np.testing.assert_allclose(got_p, k64 / p64 - r64 / (1 - p64), rtol=rtol)
    want_r = sp.digamma(k64 + r64) - sp.digamma(r64) + np.log1p(-p64)
    np.testing.assert_allclose(got_r, want_r, rtol=rtol * 10, atol=rtol)
    logits = jnp.log(p) - jnp.log1p(-p)
    got = _nb_logits_grad(jnp.asarray(r), logits, jnp.asarray(k))
    np.testing.assert_allclose(got, k64 - (k64 + r64) * sp.expit(np.float64(logits)),
                               rtol=rtol, atol=rtol * 1e3)
    for g in (got_r, got_p, got):
        assert np.all(np.isfinite(g))
