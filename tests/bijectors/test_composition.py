"""Chain's event-rank tracking, Invert, structure-valued bijectors (Split, JointMap,
Restructure), Blockwise, and the base class's dispatch."""

from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np
import pytest

import probflow.bijectors as pfb
from probflow.core.errors import ShapeError, UnsupportedError


def test_chain_applies_right_to_left():
    b = pfb.Chain([pfb.Exp(), pfb.Shift(1.0)])
    np.testing.assert_allclose(float(b.forward(0.0)), np.e)
    b2 = pfb.Chain([pfb.Shift(1.0), pfb.Exp()])
    np.testing.assert_allclose(float(b2.forward(0.0)), 2.0)


@pytest.mark.parametrize("members,fmin,imin", [
    ([pfb.Exp(), pfb.Shift(1.0)], 0, 0),
    ([pfb.Exp(), pfb.SoftmaxCentered()], 1, 1),
    ([pfb.SoftmaxCentered(), pfb.Exp()], 1, 1),
    ([pfb.Reshape([2, 3], [6]), pfb.Exp()], 1, 2),
    ([pfb.Exp(), pfb.Reshape([2, 3], [6])], 1, 2),
    ([pfb.CholeskyOuterProduct(), pfb.FillScaleTriL()], 1, 2),
    ([pfb.Invert(pfb.FillTriangular()), pfb.CholeskyOuterProduct()], 2, 1),
    ([pfb.TransformDiagonal(pfb.Exp()), pfb.Reshape([2, 2], [4])], 1, 2),
    ([], 0, 0),
])
def test_chain_min_event_ndims(members, fmin, imin):
    b = pfb.Chain(members)
    assert b.forward_min_event_ndims == fmin
    assert b.inverse_min_event_ndims == imin


def test_chain_log_det_tracks_rank_through_reshape():
    # Exp acts on a vector of 6; the chain's event is that vector (rank 1), the output a
    # 2x3 matrix (rank 2): the log-det sums all six entries once.
    b = pfb.Chain([pfb.Reshape([2, 3], [6]), pfb.Exp()])
    x = jnp.arange(12.0).reshape(2, 6) / 10
    y, ldj = b.forward_and_log_det(x)
    assert y.shape == (2, 2, 3)
    np.testing.assert_allclose(np.asarray(ldj), np.asarray(jnp.sum(x, axis=-1)), rtol=1e-12)
    x2, ildj = b.inverse_and_log_det(y)
    np.testing.assert_allclose(np.asarray(ildj), -np.asarray(ldj), rtol=1e-12)
    np.testing.assert_allclose(np.asarray(x2), np.asarray(x), rtol=1e-12)
    with pytest.raises(ShapeError, match="below the bijector's minimum"):
        b.forward_log_det_jacobian(x, event_ndims=0)
    assert b.forward_event_shape((6,)) == (2, 3)
    assert b.inverse_event_shape((2, 3)) == (6,)


def test_chain_is_constant_jacobian_and_monotone():
    assert pfb.Chain([pfb.Shift(1.0), pfb.Scale(2.0)]).is_constant_jacobian
    assert not pfb.Chain([pfb.Shift(1.0), pfb.Exp()]).is_constant_jacobian
    assert pfb.Chain([pfb.Reciprocal(), pfb.Exp()])._is_increasing() is False
    assert pfb.Chain([pfb.Reciprocal(), pfb.Reciprocal()])._is_increasing() is True
    inc = pfb.Chain([pfb.Scale(jnp.asarray([-1.0, 2.0])), pfb.Exp()])._is_increasing()
    np.testing.assert_array_equal(np.asarray(inc), [False, True])
    assert pfb.Chain([pfb.SoftmaxCentered()])._is_increasing() is None


def test_invert_swaps_everything():
    base = pfb.SoftmaxCentered()
    b = pfb.Invert(base)
    assert b.forward_min_event_ndims == 1 and b.inverse_min_event_ndims == 1
    assert b.forward_event_shape((4,)) == (3,)
    y = jnp.asarray([0.1, 0.2, 0.3, 0.4])
    x, ldj = b.forward_and_log_det(y)
    x_ref, ildj_ref = base.inverse_and_log_det(y)
    np.testing.assert_allclose(np.asarray(x), np.asarray(x_ref))
    np.testing.assert_allclose(float(ldj), float(ildj_ref))
    np.testing.assert_allclose(np.asarray(b.inverse(x)), np.asarray(y), rtol=1e-12)
    assert pfb.Invert(pfb.Exp())._is_increasing() is True
    with pytest.raises(TypeError, match="must be a Bijector"):
        pfb.Invert(lambda x: x)


def test_split_returns_a_list_and_log_dets_broadcast_over_batch():
    b = pfb.Split([1, -1, 2])
    x = jnp.arange(12.0).reshape(2, 6)
    parts, ldj = b.forward_and_log_det(x)
    assert isinstance(parts, list) and [p.shape for p in parts] == [(2, 1), (2, 3), (2, 2)]
    assert ldj.shape == (2,)
    x2, ildj = b.inverse_and_log_det(parts)
    np.testing.assert_array_equal(np.asarray(x2), np.asarray(x))
    assert ildj.shape == (2,)
    assert b.forward_event_shape((6,)) == [(1,), (3,), (2,)]
    assert b.inverse_event_shape([(1,), (3,), (2,)]) == (6,)
    with pytest.raises(ShapeError, match="do not add up|exceed"):
        pfb.Split([4, 4]).forward(jnp.zeros(6))
    with pytest.raises(ShapeError, match="equal parts"):
        pfb.Split(4).forward(jnp.zeros(6))


def test_joint_map_dict_and_list():
    b = pfb.JointMap({"scale": pfb.Exp(), "probs": pfb.SoftmaxCentered()})
    x = {"scale": jnp.asarray([0.0, 1.0]), "probs": jnp.asarray([[0.0, 0.0], [1.0, -1.0]])}
    y, ldj = b.forward_and_log_det(x)
    assert set(y) == {"scale", "probs"}
    want = (pfb.Exp().forward_log_det_jacobian(x["scale"])
            + pfb.SoftmaxCentered().forward_log_det_jacobian(x["probs"]))
    np.testing.assert_allclose(np.asarray(ldj), np.asarray(want), rtol=1e-12)
    x2, ildj = b.inverse_and_log_det(y)
    np.testing.assert_allclose(np.asarray(x2["probs"]), np.asarray(x["probs"]), atol=1e-12)
    np.testing.assert_allclose(np.asarray(ildj), -np.asarray(ldj), rtol=1e-12)
    assert b.forward_min_event_ndims == {"scale": 0, "probs": 1}
    assert b.forward_event_shape({"scale": (), "probs": (2,)}) == {"scale": (), "probs": (3,)}
    assert b.inverse_event_shape({"scale": (), "probs": (3,)}) == {"scale": (), "probs": (2,)}
    # Explicit event ndims structure.
    total = b.forward_log_det_jacobian(x, {"scale": 1, "probs": 2})
    np.testing.assert_allclose(float(total), float(jnp.sum(want)), rtol=1e-12)

    lb = pfb.JointMap([pfb.Exp(), pfb.Shift(2.0)])
    y = lb.forward((jnp.asarray(0.0), jnp.asarray(1.0)))
    assert isinstance(y, list) and float(y[0]) == 1.0 and float(y[1]) == 3.0
    # A JointMap is a PyTree: jit over it without retracing on new values.
    traces = []

    @jax.jit
    def f(bij, v):
        traces.append(1)
        return bij.forward_and_log_det(v)

    f(lb, [jnp.asarray(0.5), jnp.asarray(1.0)])
    f(jax.tree_util.tree_map(lambda p: p + 1.0, lb), [jnp.asarray(0.5), jnp.asarray(1.0)])
    assert len(traces) == 1
    with pytest.raises(TypeError, match="structure of Bijectors"):
        pfb.JointMap({"a": 1.0})


def test_restructure():
    b = pfb.Restructure({"a": 0, "b": [1, 2]})
    y = b.forward([jnp.asarray(1.0), jnp.asarray(2.0), jnp.asarray(3.0)])
    assert float(y["a"]) == 1.0 and [float(v) for v in y["b"]] == [2.0, 3.0]
    x, ildj = b.inverse_and_log_det(y)
    assert [float(v) for v in x] == [1.0, 2.0, 3.0] and float(ildj) == 0.0
    s = pfb.Restructure(["x", "y"])  # string tokens: a dict in
    assert [float(v) for v in s.forward({"y": 2.0, "x": 1.0})] == [1.0, 2.0]
    assert s.input_structure == {"x": "x", "y": "y"}
    assert b.forward_event_shape([(), (3,), (2, 2)]) == {"a": (), "b": [(3,), (2, 2)]}
    assert b.inverse_event_shape({"a": (), "b": [(3,), (2, 2)]}) == [(), (3,), (2, 2)]
    with pytest.raises(ValueError, match="distinct"):
        pfb.Restructure([0, 0])
    with pytest.raises(ValueError, match="give input_structure"):
        pfb.Restructure([5, 7])
    # Restructure then JointMap: an unconstraining map for a dict of parameters.
    chain = pfb.Chain([pfb.JointMap({"a": pfb.Exp(), "b": pfb.Identity()}),
                       pfb.Restructure({"a": 0, "b": 1})])
    out = chain.forward([jnp.asarray(0.0), jnp.asarray(5.0)])
    assert float(out["a"]) == 1.0 and float(out["b"]) == 5.0


def test_blockwise():
    b = pfb.Blockwise([pfb.Exp(), pfb.SoftmaxCentered(), pfb.Identity()], [1, 2, 1])
    assert b.forward_event_shape((4,)) == (5,)
    assert b.inverse_event_shape((5,)) == (4,)
    x = jnp.asarray([0.5, 0.0, 0.0, -2.0])
    y = b.forward(x)
    np.testing.assert_allclose(np.asarray(y), [np.exp(0.5), 1 / 3, 1 / 3, 1 / 3, -2.0],
                               rtol=1e-12)
    with pytest.raises(ShapeError, match="block sizes"):
        b.forward(jnp.zeros(5))
    with pytest.raises(ValueError, match="one positive size per bijector"):
        pfb.Blockwise([pfb.Exp()], [1, 2])
    with pytest.raises(ValueError, match="scalars or vectors"):
        pfb.Blockwise([pfb.CholeskyOuterProduct()], [4])


def test_reshape_errors_and_wildcards():
    b = pfb.Reshape([-1, 2], [6])
    assert b.forward(jnp.zeros((5, 6))).shape == (5, 3, 2)
    assert b.forward_event_shape((6,)) == (3, 2)
    with pytest.raises(ShapeError, match="does not end in"):
        b.forward(jnp.zeros((5, 4)))
    with pytest.raises(ShapeError, match="cannot reshape"):
        pfb.Reshape([4, -1]).forward(jnp.zeros(6))
    with pytest.raises(ValueError, match="at most one -1"):
        pfb.Reshape([-1, -1])


def test_static_configuration_is_validated():
    with pytest.raises(ValueError, match="permutation of range"):
        pfb.Permute([0, 0, 1])
    with pytest.raises(ValueError, match="axis must be negative"):
        pfb.Permute([1, 0], axis=0)
    with pytest.raises(ValueError, match="permutation of range"):
        pfb.Transpose([0, 2])
    with pytest.raises(ValueError, match="exactly one"):
        pfb.Transpose()
    with pytest.raises(ValueError, match="permutation of range"):
        pfb.ScaleMatvecLU(jnp.eye(2), [0, 2])
    with pytest.raises(TypeError, match="concrete sequence of integers"):
        jax.jit(lambda p: pfb.Permute(p).forward(jnp.zeros(2)))(jnp.asarray([1, 0]))
    with pytest.raises(ValueError, match="only mode='CONSTANT'"):
        pfb.Pad(mode="REFLECT")
    with pytest.raises(ShapeError, match="n \\(n \\+ 1\\) / 2"):
        pfb.FillTriangular().forward(jnp.zeros(5))
    with pytest.raises(ShapeError, match="n \\(n - 1\\) / 2"):
        pfb.CorrelationCholesky().forward(jnp.zeros(4))


def test_base_class_derives_missing_pieces():
    class Cube(pfb.Bijector):
        def _forward(self, x):
            return x**3

        def _inverse(self, y):
            return jnp.cbrt(y)

        def _inverse_log_det_jacobian(self, y):
            return -jnp.log(3.0) - 2.0 / 3.0 * jnp.log(jnp.abs(y))

    b = Cube()
    x = jnp.asarray([0.5, 2.0])
    np.testing.assert_allclose(np.asarray(b.forward_log_det_jacobian(x)),
                               np.log(3 * np.asarray(x) ** 2), rtol=1e-12)

    class ForwardOnly(pfb.Bijector):
        def _forward(self, x):
            return x

        def _forward_log_det_jacobian(self, x):
            return jnp.zeros_like(x)

    with pytest.raises(UnsupportedError, match="ForwardOnly has no closed-form inverse"):
        ForwardOnly().inverse(1.0)

    class NoLogDet(pfb.Bijector):
        def _forward(self, x):
            return x

    with pytest.raises(UnsupportedError, match="defines no log-determinant"):
        NoLogDet().forward_log_det_jacobian(1.0)


def test_validate_args_and_name_are_static():
    b = pfb.Scale(2.0, validate_args=True, name="double")
    assert b.validate_args and b.name == "double"
    leaves, treedef = jax.tree_util.tree_flatten(b)
    assert len(leaves) == 1
    rebuilt = jax.tree_util.tree_unflatten(treedef, leaves)
    assert rebuilt.name == "double"
