"""Samplers built on the gamma at tiny shapes: inside the support, and correctly distributed.

``jax.random.gamma(1e-3)`` underflows to exact zeros in float32 (92% of draws lie below the
smallest normal number), so ``Gamma(1e-3).sample`` had zeros where ``log_prob`` is ``+inf``,
``Beta(1e-3, 1e-3)`` exact 0s and 1s, ``StudentT(1e-3)`` infinities. The samplers now work
in log space and clamp only draws that float32 cannot represent to the nearest point of the
support (``tiny``, ``1 - eps/2`` or ``max``).

The goodness-of-fit tests compare samples with scipy's distribution *after the same clamp*
(atoms at the clamp points): a Kolmogorov-Smirnov statistic computed at both sides of every
jump, with the p-value of the continuous case, which is conservative when the reference has
atoms. Keys are fixed; a correct sampler fails a test with probability below 1e-3.
"""

from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np
import pytest
import scipy.stats as st

import probflow.distributions as pfd

F32 = np.float32
TINY = float(np.finfo(np.float32).tiny)
BELOW_ONE = float(1 - np.finfo(np.float32).epsneg)
BIG = float(np.finfo(np.float32).max)
NUM_SAMPLES = 2000


def _draw(d, key, num=NUM_SAMPLES):
    @jax.jit
    def run(dist):
        x = dist.sample(key, (num,))
        return x, dist.log_prob(x)

    return run(d)


SUPPORT_CASES = [
    ("Gamma", lambda: pfd.Gamma(F32(1e-3), F32(1.0)), "positive"),
    ("Gamma-small-rate", lambda: pfd.Gamma(F32(1e-3), F32(1e-30)), "positive"),
    ("InverseGamma", lambda: pfd.InverseGamma(F32(1e-3), F32(1.0)), "positive"),
    ("Chi2", lambda: pfd.Chi2(F32(2e-3)), "positive"),
    ("Chi", lambda: pfd.Chi(F32(2e-3)), "positive"),
    ("Beta", lambda: pfd.Beta(F32(1e-3), F32(1e-3)), "unit"),
    ("Beta-skewed", lambda: pfd.Beta(F32(1e-3), F32(5.0)), "unit"),
    ("Dirichlet", lambda: pfd.Dirichlet(jnp.full(3, 1e-3, jnp.float32)), "simplex"),
    ("StudentT", lambda: pfd.StudentT(F32(1e-3), F32(0.0), F32(1.0)), "real"),
    ("HalfStudentT", lambda: pfd.HalfStudentT(F32(1e-3), F32(0.0), F32(1.0)), "real"),
    ("MultivariateStudentT", lambda: pfd.MultivariateStudentT(
        F32(1e-3), jnp.zeros(2, jnp.float32), jnp.eye(2, dtype=jnp.float32)), "real"),
    ("LKJ", lambda: pfd.LKJ(2, F32(1e-3)), "correlation"),
    ("CholeskyLKJ", lambda: pfd.CholeskyLKJ(3, F32(1e-3)), "correlation"),
]


@pytest.mark.compile_bound
@pytest.mark.parametrize("make,support", [pytest.param(m, s, id=i) for i, m, s in SUPPORT_CASES])
def test_tiny_shapes_sample_inside_the_support_with_finite_log_prob(make, support):
    x, lp = _draw(make(), jax.random.key(11))
    assert x.dtype == jnp.float32
    x, lp = np.asarray(x), np.asarray(lp)
    assert np.all(np.isfinite(x)) and np.all(np.isfinite(lp))
    if support in ("positive", "simplex"):  # (a simplex entry may be 1 when the others are tiny)
        assert np.all(x > 0)
    elif support == "unit":
        assert np.all((x > 0) & (x < 1))
    elif support == "correlation":
        off_diagonal = x[..., ~np.eye(x.shape[-1], dtype=bool)]
        assert np.all(np.abs(off_diagonal) < 1)


def _clamped_ks_pvalue(samples, cdf, low=-np.inf, high=np.inf):
    """KS p-value of ``samples`` against ``cdf`` with the mass below ``low`` moved onto
    ``low`` and the mass above ``high`` onto ``high`` (the sampler's clamps)."""
    values, counts = np.unique(np.asarray(samples, np.float64), return_counts=True)
    n = counts.sum()
    ecdf_right = np.cumsum(counts) / n
    ecdf_left = ecdf_right - counts / n
    f = cdf(values)
    ref_right = np.where(values >= high, 1.0, np.where(values < low, 0.0, f))
    ref_left = np.where(values <= low, 0.0, np.where(values > high, 1.0, f))
    d = max(np.max(np.abs(ecdf_right - ref_right)), np.max(np.abs(ecdf_left - ref_left)))
    return st.kstwo.sf(d, n)


GOF_CASES = [
    # (id, distribution, scipy cdf of the sampled coordinate, clamp bounds, coordinate)
    ("Gamma", lambda: pfd.Gamma(F32(0.01), F32(2.0)), st.gamma(0.01, scale=0.5).cdf,
     (TINY, BIG)),
    ("Gamma-1e-3", lambda: pfd.Gamma(F32(1e-3), F32(1.0)), st.gamma(1e-3).cdf, (TINY, BIG)),
    ("Chi2", lambda: pfd.Chi2(F32(0.02)), st.chi2(0.02).cdf, (TINY, BIG)),
    ("InverseGamma", lambda: pfd.InverseGamma(F32(0.05), F32(1.0)), st.invgamma(0.05).cdf,
     (TINY, BIG)),
    ("Beta", lambda: pfd.Beta(F32(0.05), F32(0.05)), st.beta(0.05, 0.05).cdf, (TINY, BELOW_ONE)),
    ("Dirichlet", lambda: pfd.Dirichlet(jnp.asarray([0.02, 0.5, 1.0], jnp.float32)),
     st.beta(0.02, 1.5).cdf, (TINY, 1.0)),
    ("StudentT", lambda: pfd.StudentT(F32(0.05), F32(0.0), F32(1.0)), st.t(0.05).cdf,
     (-BIG, BIG)),
]


@pytest.mark.compile_bound
@pytest.mark.parametrize("make,cdf,bounds", [pytest.param(m, c, b, id=i)
                                             for i, m, c, b in GOF_CASES])
def test_tiny_shapes_are_correctly_distributed(make, cdf, bounds):
    x, _ = _draw(make(), jax.random.key(3))
    x = np.asarray(x, np.float64)
    if x.ndim == 2:  # Dirichlet: the first coordinate is Beta(a_1, sum(a) - a_1)
        x = x[:, 0]
    assert _clamped_ks_pvalue(x, cdf, *bounds) > 1e-3


def test_the_clamped_ks_test_detects_a_wrong_sampler():
    # The old sampler's zeros (exact 0 instead of tiny) and a wrong shape both fail.
    key = jax.random.key(3)
    old = np.asarray(jax.random.gamma(key, F32(0.01), (NUM_SAMPLES,), jnp.float32), np.float64)
    assert np.any(old == 0)
    assert _clamped_ks_pvalue(old, st.gamma(0.01).cdf, TINY, BIG) < 1e-3
    x, _ = _draw(pfd.Gamma(F32(0.012), F32(1.0)), key)
    assert _clamped_ks_pvalue(np.asarray(x), st.gamma(0.01).cdf, TINY, BIG) < 1e-3


@pytest.mark.slow  # four compilations of gradients through the gamma rejection sampler
def test_small_shape_sampling_keeps_reparameterized_gradients():
    # d/da of a Gamma(a) draw is the implicit-reparameterization gradient of jax.random.gamma;
    # through the log-space sampler it must agree where the draw is representable (same key,
    # same draws), and likewise for jax.random.beta's gamma-ratio gradients.
    key = jax.random.key(5)

    def summed_grad(draw):
        return jax.jit(jax.grad(lambda c: jnp.sum(draw(c))))(F32(0.3))

    np.testing.assert_allclose(
        summed_grad(lambda c: pfd.Gamma(c, F32(1.0)).sample(key, (64,))),
        summed_grad(lambda c: jax.random.gamma(key, c, (64,), jnp.float32)), rtol=1e-4)
    np.testing.assert_allclose(
        summed_grad(lambda c: pfd.Beta(c, F32(2.0)).sample(key, (64,))),
        summed_grad(lambda c: jax.random.beta(key, c, F32(2.0), (64,), jnp.float32)), rtol=1e-4)
