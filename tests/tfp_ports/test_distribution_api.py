"""TFP's distribution interface on every probflow distribution (the base class's methods).

Two kinds of checks: the call forms on a handful of distributions of different kinds, and a
sweep over every exported class (its first conformance row) of the methods that need no
sampling: ``copy``, ``parameter_properties``, shape tensors, ``reparameterization_type``.
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
from scipy import integrate

import probflow.bijectors as pfb
import probflow.distributions as pfd
from probflow.distributions.parameter_properties import (
    FULLY_REPARAMETERIZED,
    NOT_REPARAMETERIZED,
)


def _first_case_per_class():
    here = os.path.join(os.path.dirname(__file__), os.pardir, "distributions")
    seen, rows = set(), []
    for path in sorted(glob.glob(os.path.join(here, "cases_*.py"))):
        module = importlib.import_module(f"tests.distributions.{os.path.basename(path)[:-3]}")
        for case in module.CASES:
            dist = case.make()
            if type(dist) not in seen:
                seen.add(type(dist))
                rows.append((case, dist))
    return rows


ROWS = _first_case_per_class()

EXAMPLES = {
    "Normal": lambda: pfd.Normal(jnp.zeros((2, 1)), jnp.ones(3)),
    "Gamma-log_rate": lambda: pfd.Gamma(jnp.asarray([2.0, 0.5]), log_rate=jnp.asarray([0.3, -1.0])),
    "Categorical": lambda: pfd.Categorical(logits=jnp.asarray([[0.1, 0.2, -1.0]])),
    "Dirichlet": lambda: pfd.Dirichlet(jnp.asarray([1.0, 2.0, 3.0])),
    "MultivariateNormalTriL": lambda: pfd.MultivariateNormalTriL(
        jnp.zeros(2), jnp.asarray([[1.0, 0.0], [0.5, 2.0]])),
    "Independent": lambda: pfd.Independent(pfd.Laplace(jnp.zeros((2, 3)), 1.0), 1),
    "MixtureSameFamily": lambda: pfd.MixtureSameFamily(
        pfd.Categorical(probs=jnp.asarray([0.4, 0.6])), pfd.Normal(jnp.asarray([-1.0, 1.0]), 1.0)),
    "Poisson": lambda: pfd.Poisson(jnp.asarray([1.0, 4.0])),
    "TransformedDistribution": lambda: pfd.TransformedDistribution(
        pfd.Normal(0.0, 1.0), pfb.Chain([pfb.Shift(1.0), pfb.Exp()])),
}


@pytest.mark.compile_bound
@pytest.mark.parametrize("name", list(EXAMPLES))
def test_sampling_call_forms_agree(name):
    d = EXAMPLES[name]()
    key = jax.random.key(3)
    ours = d.sample(key, (2,))
    for other in (d.sample((2,), seed=key), d.sample(sample_shape=(2,), seed=key),
                  d.sample(2, seed=jax.random.PRNGKey(3)), d.sample(jax.random.PRNGKey(3), [2])):
        np.testing.assert_array_equal(np.asarray(other), np.asarray(ours))
    assert d.sample(seed=key).shape == tuple(d.batch_shape) + tuple(d.event_shape)
    x, lp = d.sample_and_log_prob((2,), seed=key)
    x2, lp2 = d.experimental_sample_and_log_prob(key, 2)
    np.testing.assert_array_equal(np.asarray(x), np.asarray(ours))
    np.testing.assert_allclose(lp, d.log_prob(ours), rtol=1e-12)
    np.testing.assert_allclose(lp2, lp, rtol=1e-12)
    np.testing.assert_array_equal(np.asarray(d.unnormalized_log_prob(ours)),
                                  np.asarray(d.log_prob(ours)))


def test_sampling_call_form_errors_say_how_to_call():
    d = pfd.Normal(0.0, 1.0)
    key = jax.random.key(0)
    with pytest.raises(TypeError, match=r"needs a PRNG key.*seed=key"):
        d.sample()
    with pytest.raises(TypeError, match=r"looks like a sample shape"):
        d.sample((3,))
    with pytest.raises(TypeError, match=r"both positionally and as seed="):
        d.sample(key, seed=key)
    with pytest.raises(TypeError, match=r"second shape"):
        d.sample((2,), (3,), seed=key)
    with pytest.raises(TypeError, match=r"PRNG key"):
        d.sample((2,), seed=5)


def test_event_space_bijector_and_cross_entropy():
    d = pfd.Beta(2.0, 3.0)
    assert type(d.experimental_default_event_space_bijector()) is type(
        d.default_event_space_bijector())
    p, q = pfd.Gamma(2.0, 1.5), pfd.Gamma(3.0, log_rate=0.2)
    # H(p, q) = -E_p[log q(X)], by adaptive quadrature of scipy's densities (error < 1e-11)
    sp, sq = st.gamma(2.0, scale=1 / 1.5), st.gamma(3.0, scale=np.exp(-0.2))
    want, _ = integrate.quad(lambda t: -sp.pdf(t) * sq.logpdf(t), 0.0, np.inf,
                             epsabs=1e-13, epsrel=1e-12)
    np.testing.assert_allclose(p.cross_entropy(q), want, rtol=1e-9)


def test_gamma_log_rate_matches_rate():
    rate = jnp.asarray([0.3, 2.0, 7.5])
    a, b = pfd.Gamma(1.7, rate), pfd.Gamma(1.7, log_rate=jnp.log(rate))
    x = jnp.asarray([0.1, 1.0, 4.0])
    for method in ("log_prob", "cdf", "log_survival_function"):
        np.testing.assert_allclose(getattr(b, method)(x), getattr(a, method)(x), rtol=1e-12)
    for method in ("mean", "variance", "mode", "entropy"):
        np.testing.assert_allclose(getattr(b, method)(), getattr(a, method)(), rtol=1e-12)
    np.testing.assert_allclose(pfd.kl_divergence(b, pfd.Gamma(2.0, log_rate=0.5)),
                               pfd.kl_divergence(a, pfd.Gamma(2.0, jnp.exp(0.5))), rtol=1e-12)
    key = jax.random.key(0)
    np.testing.assert_allclose(b.sample(key, 3), a.sample(key, 3), rtol=1e-12)
    with pytest.raises(ValueError, match=r"Gamma: exactly one of rate or log_rate.*both"):
        pfd.Gamma(1.0, 1.0, log_rate=0.0)
    with pytest.raises(ValueError, match=r"log_rate must be finite"):
        pfd.Gamma(1.0, log_rate=jnp.inf)
    assert not pfd.Gamma.parameter_properties()["rate"].is_preferred


@pytest.mark.compile_bound
@pytest.mark.parametrize("case_dist", ROWS, ids=[type(d).__name__ for _, d in ROWS])
def test_generic_methods_on_every_class(case_dist):
    case, d = case_dist
    label = type(d).__name__
    # shapes
    np.testing.assert_array_equal(np.asarray(d.batch_shape_tensor()), np.asarray(d.batch_shape))
    assert d.batch_shape_tensor().dtype == jnp.int32
    assert d.is_scalar_batch() == (tuple(d.batch_shape) == ())
    assert d.is_scalar_event() == (tuple(d.event_shape) == ())
    assert d.reparameterization_type == (
        FULLY_REPARAMETERIZED if d.reparameterized else NOT_REPARAMETERIZED)
    # copy rebuilds through the constructor and keeps every field
    c = d.copy()
    assert type(c) is type(d)
    left, right = jax.tree_util.tree_flatten(d), jax.tree_util.tree_flatten(c)
    assert left[1] == right[1], label
    for a, b in zip(left[0], right[0], strict=True):
        np.testing.assert_array_equal(np.asarray(a), np.asarray(b), err_msg=label)
    if case.values is not None and "log_prob" in case.methods:
        np.testing.assert_array_equal(np.asarray(c.log_prob(case.values[0])),
                                      np.asarray(d.log_prob(case.values[0])), err_msg=label)
    # parameter_properties describes every parameter, with a working bijector
    props = type(d).parameter_properties()
    assert list(props) == list(type(d)._child_fields), label
    for name, p in props.items():
        assert isinstance(p.event_ndims, int) and p.event_ndims >= 0, (label, name)
        if not p.is_tensor:
            assert p.default_constraining_bijector_fn is None, (label, name)
            continue
        bijector = p.default_constraining_bijector_fn()
        assert isinstance(bijector, pfb.Bijector), (label, name)
        if p.event_ndims == 0:
            y = bijector.forward(jnp.asarray([-2.0, 0.0, 1.5]))
            assert bool(jnp.all(p.constraint.check(y))), (label, name, y)


def test_copy_overrides_and_revalidates():
    d = pfd.Normal(0.0, 1.0, name="x")
    e = d.copy(loc=2.0)
    assert float(e.loc) == 2.0 and e.name == "x" and float(e.scale) == 1.0
    with pytest.raises(ValueError, match=r"Normal: scale must be positive"):
        d.copy(scale=-1.0)
    with pytest.raises(TypeError, match=r"\['rate'\] are not constructor arguments"):
        d.copy(rate=1.0)


def test_parameter_properties_follow_tfp():
    # values read from TFP's parameter_properties() (benchmarks/tfp_ports_check.py compares
    # every class the two libraries share)
    props = pfd.MultivariateNormalTriL.parameter_properties()
    assert (props["loc"].event_ndims, props["scale_tril"].event_ndims) == (1, 2)
    assert type(props["scale_tril"].default_constraining_bijector_fn()).__name__ == (
        "FillScaleTriL")
    probs = pfd.Categorical.parameter_properties()["probs"].default_constraining_bijector_fn()
    y = probs.forward(jnp.asarray([0.2, -0.4]))
    np.testing.assert_allclose(jnp.sum(y), 1.0, rtol=1e-12)
    assert y.shape == (3,)
    skew = pfd.TwoPieceNormal.parameter_properties()["skewness"]
    assert float(skew.default_constraining_bijector_fn().forward(-3.0)) > 0
    zipf = pfd.Zipf.parameter_properties()["power"].default_constraining_bijector_fn()
    assert float(zipf.forward(-30.0)) > 1.0
    assert pfd.Independent.parameter_properties()["distribution"].is_tensor is False
