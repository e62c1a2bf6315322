"""The core: Struct PyTrees, checks, numerics, shapes and keys."""

from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from probflow.core import checks, numerics, shapes
from probflow.core.errors import ParameterError, ShapeError
from probflow.core.keys import as_key
from probflow.core.pytree import Struct, static_field


class Affine(Struct):
    weight: jax.Array
    bias: jax.Array
    activation: str = static_field(default="identity")

    def __call__(self, x):
        out = self.weight * x + self.bias
        return jnp.tanh(out) if self.activation == "tanh" else out


def test_struct_is_a_frozen_pytree_with_static_fields():
    f = Affine(jnp.asarray(2.0), jnp.asarray(1.0))
    leaves, treedef = jax.tree_util.tree_flatten(f)
    assert len(leaves) == 2
    g = jax.tree_util.tree_unflatten(treedef, [jnp.asarray(3.0), jnp.asarray(0.0)])
    assert float(g(1.0)) == 3.0 and g.activation == "identity"
    with pytest.raises(AttributeError):
        f.weight = jnp.asarray(0.0)
    assert float(f.replace(activation="tanh")(0.0)) == pytest.approx(np.tanh(1.0))
    with pytest.raises(TypeError, match="unknown field 'nope'"):
        f.replace(nope=1)


def test_struct_retraces_only_on_static_changes():
    traces = []

    @jax.jit
    def apply(f, x):
        traces.append(1)
        return f(x)

    apply(Affine(jnp.asarray(2.0), jnp.asarray(1.0)), 1.0)
    apply(Affine(jnp.asarray(5.0), jnp.asarray(-1.0)), 1.0)
    assert len(traces) == 1
    apply(Affine(jnp.asarray(5.0), jnp.asarray(-1.0), activation="tanh"), 1.0)
    assert len(traces) == 2


def test_struct_grad_and_vmap():
    f = Affine(jnp.asarray(2.0), jnp.asarray(1.0))
    grads = jax.grad(lambda m: m(3.0))(f)
    assert float(grads.weight) == 3.0 and float(grads.bias) == 1.0
    stacked = Affine(jnp.arange(3.0), jnp.zeros(3))
    np.testing.assert_allclose(jax.vmap(lambda m: m(2.0))(stacked), [0.0, 2.0, 4.0])


def test_validate_messages_and_jit_behaviour():
    with pytest.raises(ParameterError, match=r"Thing: scale must be positive, got -1.0$"):
        checks.validate("Thing", [checks.positive("scale", jnp.asarray(-1.0))])
    with pytest.raises(ParameterError, match=r"got -3.0 at index \(1, 0\)"):
        checks.validate("Thing", [checks.positive("scale", jnp.asarray([[1.0], [-3.0]]))])
    with pytest.raises(ParameterError, match="sum to 1"):
        checks.validate("Thing", [checks.simplex("probs", jnp.asarray([0.2, 0.2]))])
    with pytest.raises(ParameterError, match="symmetric positive definite"):
        checks.validate("Thing", [checks.positive_definite("cov", jnp.asarray([[1.0, 2.0],
                                                                               [2.0, 1.0]]))])

    def f(scale, validate_args):
        checks.validate("Thing", [checks.positive("scale", scale)], validate_args)
        return scale * 2

    # Off by default under jit: no error, no cost.
    assert float(jax.jit(lambda s: f(s, False))(-1.0)) == -2.0
    # On: raised when the compiled program runs.
    with pytest.raises(Exception, match="Thing: scale must be positive"):
        jax.block_until_ready(jax.jit(lambda s: f(s, True))(-1.0))
    assert float(jax.jit(lambda s: f(s, True))(1.0)) == 2.0


@settings(max_examples=50, deadline=None)
@given(st.floats(min_value=1e-30, max_value=700.0))
def test_log1mexp_matches_direct_formula(x):
    got = float(numerics.log1mexp(jnp.asarray(x, jnp.float64)))
    want = np.log(-np.expm1(-x)) if x < 0.7 else np.log1p(-np.exp(-x))
    assert np.isfinite(got)
    assert got == pytest.approx(want, rel=1e-12, abs=1e-300)


def test_softplus_inverse_roundtrip_and_tails():
    x = jnp.asarray([-30.0, -5.0, 0.0, 5.0, 30.0, 300.0])
    np.testing.assert_allclose(numerics.softplus_inverse(numerics.softplus(x)), x, rtol=1e-10)
    grads = jax.vmap(jax.grad(numerics.softplus_inverse))(jnp.asarray([1e-20, 1.0, 100.0]))
    assert np.all(np.isfinite(grads))
    assert float(numerics.log_sub_exp(jnp.log(3.0), jnp.log(1.0))) == pytest.approx(np.log(2.0))
    assert float(numerics.log_sub_exp(1.0, 1.0)) == -np.inf


def test_promote_floats_follows_inputs():
    a, b = numerics.promote_floats(1, jnp.ones(2, jnp.float32))
    assert a.dtype == b.dtype == jnp.float32
    a, b = numerics.promote_floats(1, 2)
    assert a.dtype == numerics.default_float()
    a, b = numerics.promote_floats(jnp.ones(2, jnp.float16), 1.0)
    assert a.dtype == b.dtype == jnp.float16


def test_shapes_helpers():
    assert shapes.as_shape(3) == (3,)
    assert shapes.as_shape([2, 4]) == (2, 4)
    with pytest.raises(TypeError, match="sample_shape must be an int or a tuple of ints"):
        shapes.as_shape("x")
    with pytest.raises(ShapeError, match="non-negative"):
        shapes.as_shape((-1,))
    with pytest.raises(ShapeError, match=r"\(3,\), \(4,\) that do not broadcast"):
        shapes.broadcast_shapes((3,), (4,))
    assert shapes.batch_shape_of({"loc": np.zeros((5, 3)), "scale_tril": np.eye(3)},
                                 {"loc": 1, "scale_tril": 2}) == (5,)
    with pytest.raises(ShapeError, match="scale_tril must have at least 2 dimension"):
        shapes.batch_shape_of({"scale_tril": np.ones(3)}, {"scale_tril": 2}, "MVN")


def test_keys():
    assert as_key(jax.random.key(0)) is not None
    assert as_key(jax.random.PRNGKey(0)).shape == (2,)
    with pytest.raises(TypeError, match=r"got 0"):
        as_key(0)
    with pytest.raises(TypeError, match="dtype float"):
        as_key(jnp.zeros(2))


def test_log_sigmoid_matches_scipy_and_shares_one_exp_with_its_gradient():
    from scipy import special as sp

    x = np.concatenate([-np.logspace(-30, 3, 200), [0.0], np.logspace(-30, 3, 200)])
    value, grad = jax.vmap(jax.value_and_grad(numerics.log_sigmoid))(jnp.asarray(x))
    np.testing.assert_allclose(np.asarray(value), sp.log_expit(x), rtol=1e-15, atol=0)
    np.testing.assert_allclose(np.asarray(grad), sp.expit(-x), rtol=1e-15, atol=0)
    assert float(jax.grad(numerics.log_sigmoid)(0.0)) == 0.5
    # second derivative -sigmoid(x) sigmoid(-x), through the custom derivative
    hess = jax.vmap(jax.grad(jax.grad(numerics.log_sigmoid)))(jnp.asarray([-3.0, 0.0, 2.0]))
    s = sp.expit(np.asarray([-3.0, 0.0, 2.0]))
    np.testing.assert_allclose(np.asarray(hess), -s * (1 - s), rtol=1e-14)
    # value and gradient from one exponential (jax.nn.log_sigmoid's derivative adds another)
    jaxpr = jax.make_jaxpr(jax.value_and_grad(lambda v: jnp.sum(numerics.log_sigmoid(v))))(
        jnp.ones(3))
    assert str(jaxpr).count(" exp ") == 1
