"""Table-driven conformance suite: every row of every ``cases_*.py`` module.

Checks, where the row's flags allow: agreement with scipy (or the row's reference)
in float64; sample shapes; goodness of fit of samples; jit without retracing;
vmap over a stacked batch of distributions; gradients of ``log_prob`` and of
reparameterized samples against central finite differences.

Goodness of fit: the probability integral transform of the samples through the
reference cdf is tested for uniformity with a KS test at level 1e-4 per batch
element (``gof="ks"``), or sample means and variances must lie within 5 standard
errors (``gof="moments"``, two-sided false-fail rate 6e-7 per moment under a
normal approximation). Keys are fixed, so a pass is reproducible; the rates say
how unlikely it is that a correct sampler fails with a given key.
"""

from __future__ import annotations

import glob
import importlib
import os

import jax
import jax.numpy as jnp
import numpy as np
import pytest
import scipy.stats as st

from probflow.core.errors import UnsupportedError


def _load_cases():
    """Every row, and the first row of each ``cases_*.py`` module (the quick loop's sample)."""
    here = os.path.dirname(__file__)
    cases, firsts = [], set()
    for path in sorted(glob.glob(os.path.join(here, "cases_*.py"))):
        module = importlib.import_module(f"tests.distributions.{os.path.basename(path)[:-3]}")
        if module.CASES:
            firsts.add(module.CASES[0].id)
        cases.extend(module.CASES)
    return cases, firsts


CASES, _QUICK_IDS = _load_cases()


def _rows(cases):
    """Parameter rows of a structural check: the first row of each ``cases_*.py`` module runs
    in the quick loop, every other row is ``compile_bound`` (each compiles its own programs:
    these checks took 391 of the quick set's 1,437 worker seconds on a 2-core machine)."""
    return [pytest.param(case, id=case.id,
                         marks=() if case.id in _QUICK_IDS else pytest.mark.compile_bound)
            for case in cases]


_SCIPY_NAMES = {
    "cdf": "cdf",
    "log_cdf": "logcdf",
    "survival_function": "sf",
    "log_survival_function": "logsf",
    "mean": "mean",
    "variance": "var",
    "stddev": "std",
    "entropy": "entropy",
}
_VALUE_METHODS = {"log_prob", "cdf", "log_cdf", "survival_function", "log_survival_function"}


def _reference(case, method, values=None):
    if method in case.reference:
        fn = case.reference[method]
        return np.asarray(fn(values) if method in _VALUE_METHODS | {"quantile"} else fn())
    ref = case.scipy()
    if method == "log_prob":
        return np.asarray(ref.logpmf(values) if case.discrete else ref.logpdf(values))
    if method == "quantile":
        return np.asarray(ref.ppf(values))
    scipy_method = getattr(ref, _SCIPY_NAMES[method])
    return np.asarray(scipy_method(values) if method in _VALUE_METHODS else scipy_method())


def _compare(case, method):
    d = case.make()
    if method == "quantile":
        points = np.asarray(case.quantile_points).reshape((-1,) + (1,) * len(d.batch_shape))
        points = np.broadcast_to(points, (points.shape[0],) + d.batch_shape)
        got = np.asarray(d.quantile(points))
        want = _reference(case, method, points)
    elif method in _VALUE_METHODS:
        got = np.asarray(getattr(d, method)(case.values))
        want = _reference(case, method, case.values)
    else:
        got = np.asarray(getattr(d, method)())
        want = np.broadcast_to(_reference(case, method), got.shape)
    np.testing.assert_allclose(got, want, rtol=case.rtol, atol=case.atol, err_msg=method)


METHOD_ROWS = [
    pytest.param(case, method, id=f"{case.id}-{method}")
    for case in CASES
    for method in case.methods
]


@pytest.mark.parametrize("case,method", METHOD_ROWS)
def test_matches_reference(case, method):
    _compare(case, method)


@pytest.mark.parametrize("case", _rows(CASES))
def test_shapes(case):
    d = case.make()
    key = jax.random.key(1)
    x = d.sample(key, (2, 3))
    assert x.shape == (2, 3) + d.batch_shape + d.event_shape
    assert d.log_prob(x).shape == (2, 3) + d.batch_shape
    assert d.sample(key).shape == d.batch_shape + d.event_shape
    # Same key and shape as ``x``: the same draws (and the programs compiled for ``x`` serve).
    x2, lp2 = d.sample_and_log_prob(key, (2, 3))
    np.testing.assert_array_equal(np.asarray(x2), np.asarray(x))
    np.testing.assert_allclose(np.asarray(lp2), np.asarray(d.log_prob(x2)), rtol=1e-6, atol=1e-8)
    np.testing.assert_array_equal(np.asarray(d.sample(key, (2, 3))), np.asarray(x))
    assert np.all(np.asarray(d.support.check(x))), "samples outside the support"


def _pit(case, samples):
    ref = case.scipy() if "cdf" not in case.reference else None
    if ref is not None:
        return np.asarray(ref.cdf(samples))
    return np.asarray(case.reference["cdf"](samples))


GOF_CASES = [c for c in CASES if c.gof is not None]


@pytest.mark.parametrize("case", _rows(GOF_CASES))
def test_goodness_of_fit(case):
    d = case.make()
    n = case.num_gof_samples
    samples = np.asarray(d.sample(jax.random.key(2024), (n,)))
    assert np.all(np.isfinite(samples))
    if case.gof == "ks":
        u = _pit(case, samples).reshape(n, -1)
        for j in range(u.shape[1]):
            p = st.kstest(u[:, j], "uniform").pvalue
            assert p > 1e-4, f"KS p-value {p:.2e} for batch element {j}"
    elif case.gof == "moments":
        mean = np.asarray(d.mean())
        var = np.asarray(d.variance())
        sample_mean = samples.mean(axis=0)
        se_mean = np.sqrt(var / n)
        assert np.all(np.abs(sample_mean - mean) <= 5 * se_mean + 1e-12), (sample_mean, mean)
        # Variance of the sample variance needs the fourth moment; use the sample's own.
        centered = samples - mean
        m4 = np.mean(centered**4, axis=0)
        se_var = np.sqrt(np.maximum(m4 - var**2, 0.0) / n)
        sample_var = np.mean(centered**2, axis=0)
        assert np.all(np.abs(sample_var - var) <= 5 * se_var + 1e-12), (sample_var, var)
    else:  # pragma: no cover
        raise ValueError(case.gof)


@pytest.mark.parametrize("case", _rows(CASES))
def test_jit_no_retrace_and_vmap(case):
    d = case.make()
    values = jnp.asarray(case.values)
    traces = []

    def f(dist, x):
        traces.append(1)
        return dist.log_prob(x)

    jf = jax.jit(f)
    eager = np.asarray(d.log_prob(values))
    np.testing.assert_allclose(np.asarray(jf(d, values)), eager, rtol=1e-10, atol=1e-12)
    d2 = jax.tree_util.tree_map(lambda p: p * 1.0 if jnp.issubdtype(p.dtype, jnp.floating)
                                else p, d)
    jf(d2, values)
    assert len(traces) == 1, "jit retraced when only parameter values changed"
    stacked = jax.tree_util.tree_map(lambda p: jnp.stack([p, p]), d)
    # Under jit: one program rather than every batched primitive compiled on its own (82
    # rows: 65 s -> 47 s).
    out = jax.jit(jax.vmap(lambda dist: dist.log_prob(values)))(stacked)
    np.testing.assert_allclose(np.asarray(out[1]), eager, rtol=1e-10, atol=1e-12)


def _float_leaves(d, names):
    """``(path, index)`` of every floating leaf of ``d`` (nested distributions included),
    restricted to the top-level fields in ``names`` when given."""
    flat, _ = jax.tree_util.tree_flatten_with_path(d)
    out = []
    for index, (path, leaf) in enumerate(flat):
        if not (hasattr(leaf, "dtype") and jnp.issubdtype(jnp.asarray(leaf).dtype, jnp.floating)):
            continue
        top = getattr(path[0], "name", None) if path else None
        if names is not None and top not in names:
            continue
        out.append((jax.tree_util.keystr(path), index))
    return out


def _finite_difference(fn, d, index, eps=1e-6):
    leaves, treedef = jax.tree_util.tree_flatten(d)
    value = np.asarray(leaves[index], dtype=np.float64)
    grad = np.zeros_like(value)
    for idx in np.ndindex(value.shape):
        up, down = value.copy(), value.copy()
        up[idx] += eps
        down[idx] -= eps
        plus = list(leaves)
        plus[index] = jnp.asarray(up)
        minus = list(leaves)
        minus[index] = jnp.asarray(down)
        grad[idx] = (fn(jax.tree_util.tree_unflatten(treedef, plus))
                     - fn(jax.tree_util.tree_unflatten(treedef, minus))) / (2 * eps)
    return grad


def _check_gradients(d, fn_scalar, names, jit):
    grad = jax.grad(fn_scalar, allow_int=True)
    value = jax.jit(fn_scalar) if jit else fn_scalar
    grads = jax.tree_util.tree_leaves(jax.jit(grad)(d) if jit else grad(d))
    for path, index in _float_leaves(d, names):
        want = _finite_difference(lambda dist: float(value(dist)), d, index)
        got = np.asarray(grads[index])
        assert np.all(np.isfinite(got)), path
        np.testing.assert_allclose(got, want, rtol=1e-4, atol=1e-5, err_msg=path)


@pytest.mark.parametrize("case", _rows(CASES))
def test_log_prob_gradients(case):
    d = case.make()
    values = jnp.asarray(case.values)
    # Under jit: two programs per row (the gradient, and the value for the finite differences)
    # instead of every primitive of the backward pass compiled on its own; measured on the
    # whole table, 209 s -> 118 s of worker time. Sampling is the other way round (a fused
    # sampler compiles more slowly than its primitives, which rows share), so the
    # reparameterized-sample check below stays eager.
    _check_gradients(d, lambda dist: jnp.sum(dist.log_prob(values)), case.grad_params, jit=True)


REPARAM_CASES = [c for c in CASES if c.reparameterized]


@pytest.mark.parametrize("case", _rows(REPARAM_CASES))
def test_reparameterized_sample_gradients(case):
    d = case.make()
    assert d.reparameterized
    key = jax.random.key(7)
    _check_gradients(d, lambda dist: jnp.sum(dist.sample(key, (3,))), case.grad_params,
                     jit=False)


def test_unsupported_methods_raise_clear_errors():
    import probflow.distributions as pfd
    from probflow.distributions import constraints

    class NoMoments(pfd.Distribution):
        @property
        def support(self):
            return constraints.real

    d = NoMoments()
    for method in ("mean", "variance", "mode", "entropy"):
        with pytest.raises(UnsupportedError, match=f"NoMoments has no closed-form {method}"):
            getattr(d, method)()
    with pytest.raises(UnsupportedError, match="NoMoments has no closed-form cdf"):
        d.cdf(0.0)
