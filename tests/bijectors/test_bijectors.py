"""Generic tests over the bijector table (``tests/bijectors/cases.py``).

For every row: inverse(forward(x)) == x and forward(inverse(y)) == y; the
log-determinant agrees with ``jax.jacfwd`` of the forward map (on the row's
coordinates); forward and inverse log-determinants are negatives; shapes with batch
dimensions and ``event_ndims``; ``jit`` (without retracing when parameter values
change), ``vmap`` and ``grad``; float32 in, float32 out.

Each test compiles its checks as one jitted function per row: fewer compilations
than op-by-op eager execution (eager use is exercised by the doctests and by
``test_composition.py``).
"""

from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np
import pytest

import probflow.bijectors as pfb
from tests.bijectors.cases import ROWS

IDS = [row.id for row in ROWS]


def _flat(value):
    if isinstance(value, list | tuple):
        return jnp.concatenate([jnp.ravel(v) for v in value])
    return jnp.ravel(value)


def _close(a, b, rtol=1e-6, atol=1e-8, msg=""):
    np.testing.assert_allclose(np.asarray(_flat(a)), np.asarray(_flat(b)), rtol=rtol, atol=atol,
                               err_msg=msg)


def _event_ndims(row):
    return len(row.event_shape)


@pytest.mark.compile_bound
@pytest.mark.parametrize("row", ROWS, ids=IDS)
def test_roundtrip_log_dets_shapes_and_gradients(row):
    b = row.make()
    nd = _event_ndims(row)
    assert nd >= b.forward_min_event_ndims
    ind = b.forward_event_ndims(nd)
    assert b.inverse_event_ndims(ind) == nd
    batch = (2, 3)
    x = row.sample(jax.random.key(0), batch + row.event_shape)
    traces = []

    def loss(bij, v):
        y, log_det = bij.forward_and_log_det(v, nd)
        x_back, ildj = bij.inverse_and_log_det(y, ind)
        return jnp.sum(_flat(y)) + jnp.sum(log_det) + jnp.sum(_flat(x_back)) + jnp.sum(ildj)

    @jax.jit
    def run(bij, v):
        traces.append(1)
        y, fldj = bij.forward_and_log_det(v, nd)
        x_back, ildj = bij.inverse_and_log_det(y, ind)
        return {
            "grads": jax.grad(loss, argnums=(0, 1))(bij, v),
            "y": y, "fldj": fldj, "x_back": x_back, "ildj": ildj,
            "y_again": bij.forward(bij.inverse(y)),
            "fldj_alone": bij.forward_log_det_jacobian(v, nd),
            "ildj_alone": bij.inverse_log_det_jacobian(y, ind),
            "fldj_more": bij.forward_log_det_jacobian(v, nd + 1),
            "fldj_min": bij.forward_log_det_jacobian(v),
            "vmapped": jax.vmap(jax.vmap(lambda e: bij.forward_and_log_det(e, nd)))(v),
        }

    out = run(b, x)
    y, fldj = out["y"], out["fldj"]
    # Round trips.
    _close(out["x_back"], x, rtol=row.rtol, msg="inverse(forward(x))")
    _close(out["y_again"], y, rtol=row.rtol, msg="forward(inverse(y))")
    assert np.all(np.isfinite(np.asarray(_flat(y))))
    # Log-determinants: inverse = -forward; separate calls agree with fused ones.
    _close(out["ildj"], -fldj, msg="ildj = -fldj")
    _close(out["fldj_alone"], fldj)
    _close(out["ildj_alone"], out["ildj"])
    # Shapes.
    out_event = b.forward_event_shape(row.event_shape)
    if isinstance(y, list):
        assert [tuple(p.shape) for p in y] == [batch + tuple(s) for s in out_event]
    else:
        assert y.shape == batch + tuple(out_event)
    assert fldj.shape == batch
    assert tuple(b.inverse_event_shape(out_event)) == row.event_shape
    _close(out["fldj_more"], jnp.sum(fldj, axis=-1), msg="event_ndims + 1 sums")
    m = b.forward_min_event_ndims
    assert out["fldj_min"].shape == x.shape[: x.ndim - m]
    extra = tuple(range(-(nd - m), 0))
    _close(jnp.sum(out["fldj_min"], axis=extra) if extra else out["fldj_min"], fldj)
    # vmap over both batch axes gives the batched result.
    y_v, ldj_v = out["vmapped"]
    _close(y_v, y, rtol=1e-12, atol=1e-12)
    _close(ldj_v, fldj, rtol=1e-12, atol=1e-12)
    # Gradients with respect to the input and the parameters are finite.
    for leaf in jax.tree_util.tree_leaves(out["grads"]):
        assert np.all(np.isfinite(np.asarray(leaf)))
    # No retrace for new parameter values.
    run(jax.tree_util.tree_map(lambda p: p * 1.0, b), x)
    assert len(traces) == 1, "jit retraced when only parameter values changed"


def _free_coordinates(x_event):
    rows, cols = np.tril_indices(x_event.shape[-1])
    return x_event[rows, cols]


@pytest.mark.compile_bound
@pytest.mark.parametrize("row", ROWS, ids=IDS)
def test_log_det_matches_jacobian(row):
    b = row.make()
    nd = _event_ndims(row)
    to_x = row.to_x or (lambda u: u.reshape(row.event_shape))
    from_y = row.from_y or jnp.ravel
    xs = row.sample(jax.random.key(1), (3,) + row.event_shape)
    us = jax.vmap(_free_coordinates if row.to_x else jnp.ravel)(xs)

    @jax.jit
    @jax.vmap
    def jacobian_and_ldj(u):
        jac = jax.jacfwd(lambda v: from_y(b.forward(to_x(v))))(u)
        return jac, b.forward_log_det_jacobian(to_x(u), nd)

    jacs, ldjs = jacobian_and_ldj(us)
    for jac, ldj in zip(np.asarray(jacs), np.asarray(ldjs), strict=True):
        if row.ldj == "square":
            assert jac.shape[0] == jac.shape[1], jac.shape
            want = np.linalg.slogdet(jac)[1]
        else:
            want = 0.5 * np.linalg.slogdet(jac.T @ jac)[1]
        np.testing.assert_allclose(ldj, want, rtol=1e-6, atol=1e-8)


@pytest.mark.compile_bound
@pytest.mark.parametrize("row", ROWS, ids=IDS)
def test_float32_in_float32_out(row):
    b = jax.tree_util.tree_map(lambda p: jnp.asarray(p, jnp.float32), row.make())
    x = row.sample(jax.random.key(5), (2,) + row.event_shape).astype(jnp.float32)
    y, ldj = jax.jit(lambda bij, v: bij.forward_and_log_det(v, _event_ndims(row)))(b, x)
    for leaf in jax.tree_util.tree_leaves(y) + [ldj]:
        assert leaf.dtype == jnp.float32, leaf.dtype
        assert np.all(np.isfinite(np.asarray(leaf)))


def test_table_covers_every_bijector():
    names = {row.id.split("-")[0] for row in ROWS}
    structured = {"JointMap", "Restructure", "AbsoluteValue"}  # structure-valued: tests/bijectors/test_composition.py
    exported = {
        name for name in dir(pfb)
        if isinstance(getattr(pfb, name), type) and issubclass(getattr(pfb, name), pfb.Bijector)
        and getattr(pfb, name) is not pfb.Bijector
        and not getattr(pfb, name).__module__.startswith("probflow.bijectors.flows")
    }
    missing = exported - names - structured
    assert not missing, f"bijectors without a row in tests/bijectors/cases.py: {sorted(missing)}"
