"""Float32 extremes (no NaN, finite log-determinants and gradients) and parameter validation."""

from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import probflow.bijectors as pfb
from probflow.core.errors import ParameterError

F32 = jnp.float32


def _finite(*arrays):
    for a in arrays:
        assert not np.any(np.isnan(np.asarray(a))), a
        assert np.all(np.isfinite(np.asarray(a))), a


def _ldj_and_grad(b, x):
    ldj = b.forward_log_det_jacobian(x)
    grad = jax.grad(lambda v: jnp.sum(b.forward_log_det_jacobian(v)))(x)
    return ldj, grad


def test_sigmoid_at_plus_minus_40():
    x = jnp.asarray([-40.0, 40.0], F32)
    for b in (pfb.Sigmoid(), pfb.Sigmoid(low=F32(-2.0), high=F32(3.0))):
        y = b.forward(x)
        ldj, grad = _ldj_and_grad(b, x)
        _finite(y, ldj, grad)
        scale = 1.0 if b.low is None else 5.0
        np.testing.assert_allclose(np.asarray(ldj), np.log(scale) - 40.0, rtol=1e-6)
        assert not np.any(np.isnan(np.asarray(b.inverse(y))))  # +-inf where y rounds to a bound


def test_softplus_at_minus_and_plus_80():
    b = pfb.Softplus()
    x = jnp.asarray([-80.0, 80.0], F32)
    y = b.forward(x)
    ldj, grad = _ldj_and_grad(b, x)
    _finite(y, ldj, grad)
    assert float(y[0]) > 0.0
    np.testing.assert_allclose(np.asarray(ldj), [-80.0, 0.0], atol=1e-6)
    # The inverse and its log-det stay accurate at the tiny end.
    x_back, ildj = b.inverse_and_log_det(y)
    _finite(x_back, ildj)
    np.testing.assert_allclose(np.asarray(x_back), [-80.0, 80.0], rtol=1e-5)
    np.testing.assert_allclose(np.asarray(ildj), [80.0, 0.0], atol=1e-5)
    grad_inv = jax.grad(lambda v: jnp.sum(b.inverse_log_det_jacobian(v)))(y)
    _finite(grad_inv)


def test_tanh_at_plus_minus_20():
    b = pfb.Tanh()
    x = jnp.asarray([-20.0, 20.0], F32)
    ldj, grad = _ldj_and_grad(b, x)
    _finite(b.forward(x), ldj, grad)
    # log(1 - tanh(20)^2) = log(4) - 40 + O(e^-40)
    np.testing.assert_allclose(np.asarray(ldj), [np.log(4.0) - 40.0] * 2, rtol=1e-6)


def test_exp_is_clipped_only_by_the_float_range():
    b = pfb.Exp()
    x = jnp.asarray([-80.0, 88.0], F32)
    y, ldj = b.forward_and_log_det(x)
    _finite(y, ldj)
    np.testing.assert_allclose(np.asarray(y), np.exp(np.asarray(x, np.float64)), rtol=1e-5)
    np.testing.assert_allclose(np.asarray(b.inverse(y)), np.asarray(x), rtol=1e-6)
    assert np.isinf(float(b.forward(jnp.asarray(89.0, F32))))


def test_sinh_and_sinh_arcsinh_in_the_tails():
    x = jnp.asarray([-40.0, 1e-30, 40.0], F32)
    for b in (pfb.Sinh(), pfb.SinhArcsinh(F32(0.3), F32(0.8))):
        ldj, grad = _ldj_and_grad(b, x)
        _finite(b.forward(x), ldj, grad)
    # Huge y: the inverse log-det of sinh stays finite (no y**2 overflow).
    big = jnp.asarray([1e30, -1e30], F32)
    _finite(pfb.Sinh().inverse_log_det_jacobian(big))
    np.testing.assert_allclose(np.asarray(pfb.Sinh().inverse_log_det_jacobian(big)),
                               [-np.log(1e30)] * 2, rtol=1e-6)


def test_simplex_and_ordered_bijectors_with_large_inputs():
    x = jnp.asarray([[-60.0, 60.0, 0.0], [30.0, -30.0, 5.0]], F32)
    for b in (pfb.SoftmaxCentered(), pfb.IteratedSigmoidCentered()):
        y, ldj = b.forward_and_log_det(x)
        grad = jax.grad(lambda v, b=b: jnp.sum(b.forward_log_det_jacobian(v)))(x)
        _finite(y, ldj, grad)
        np.testing.assert_allclose(np.asarray(jnp.sum(y, -1)), 1.0, rtol=1e-6)
    y, ldj = pfb.Ascending().forward_and_log_det(jnp.asarray([0.0, -50.0, 50.0], F32))
    _finite(y, ldj)


def test_cdf_bijectors_in_the_tails():
    x = jnp.asarray([-30.0, 30.0], F32)
    for b in (pfb.NormalCDF(), pfb.GumbelCDF()):
        ldj, grad = _ldj_and_grad(b, x)
        assert not np.any(np.isnan(np.asarray(ldj)))
        assert not np.any(np.isnan(np.asarray(grad)))


def test_soft_clip_far_outside_the_bounds():
    b = pfb.SoftClip(F32(-1.0), F32(1.0))
    x = jnp.asarray([-100.0, 0.0, 100.0], F32)
    y = b.forward(x)
    ldj, grad = _ldj_and_grad(b, x)
    assert np.all(np.asarray(y) >= -1.0) and np.all(np.asarray(y) <= 1.0)
    _finite(ldj, grad)


@pytest.mark.parametrize("make,message", [
    (lambda: pfb.Scale(0.0), "Scale: scale must be non-zero, got 0.0"),
    (lambda: pfb.Scale(), "exactly one of scale or log_scale"),
    (lambda: pfb.Scale(1.0, log_scale=0.0), "exactly one of scale or log_scale"),
    (lambda: pfb.Sigmoid(low=0.0), "give both low and high"),
    (lambda: pfb.Sigmoid(low=1.0, high=1.0), "Sigmoid: high - low must be positive, got 0.0"),
    (lambda: pfb.Softplus(hinge_softness=0.0), "Softplus: hinge_softness must be non-zero"),
    (lambda: pfb.SinhArcsinh(tailweight=-1.0), "SinhArcsinh: tailweight must be positive"),
    (lambda: pfb.Power(0.0), "Power: power must be non-zero"),
    (lambda: pfb.GumbelCDF(scale=-1.0), "GumbelCDF: scale must be positive"),
    (lambda: pfb.WeibullCDF(concentration=0.0), "WeibullCDF: concentration must be positive"),
    (lambda: pfb.KumaraswamyCDF(concentration0=-2.0),
     "KumaraswamyCDF: concentration0 must be positive"),
    (lambda: pfb.SoftClip(1.0, 0.0), "SoftClip: high - low must be positive"),
    (lambda: pfb.SoftClip(hinge_softness=-1.0), "SoftClip: hinge_softness must be positive"),
    (lambda: pfb.ScaleMatvecDiag(jnp.asarray([1.0, 0.0])),
     "ScaleMatvecDiag: scale_diag must be non-zero, got 0.0 at index (1,)"),
    (lambda: pfb.ScaleMatvecTriL(jnp.asarray([[1.0, 0.0], [2.0, 0.0]])),
     "ScaleMatvecTriL: scale_tril must be with a non-zero diagonal"),
])
def test_invalid_parameters_raise_clear_errors(make, message):
    with pytest.raises(ValueError) as err:
        make()
    assert message in str(err.value)
    if "must be" in message:
        assert isinstance(err.value, ParameterError)


def test_parameter_checks_skip_tracers_unless_asked():
    # Under jit the check is skipped (no error at trace time) unless validate_args=True.
    out = jax.jit(lambda s: pfb.Scale(s).forward(2.0))(jnp.asarray(0.0))
    assert float(out) == 0.0
    with pytest.raises(Exception, match="scale must be non-zero"):
        jax.jit(lambda s: pfb.Scale(s, validate_args=True).forward(2.0))(
            jnp.asarray(0.0)).block_until_ready()


_WIDE = dict(allow_nan=False, allow_infinity=False)


@settings(max_examples=40, deadline=None)
@given(
    kind=st.sampled_from(["Sigmoid", "Softplus", "SoftClip", "SinhArcsinh", "GumbelCDF",
                          "Scale", "Shift"]),
    a=st.floats(-1e3, 1e3, **_WIDE),
    b=st.floats(-1e3, 1e3, **_WIDE),
    c=st.floats(-5.0, 5.0, **_WIDE),
    x=st.floats(-1e3, 1e3, **_WIDE),
)
def test_fuzzed_parameters_give_a_clear_error_or_no_nan(kind, a, b, c, x):
    makers = {
        "Sigmoid": lambda: pfb.Sigmoid(low=a, high=a + abs(b)),
        "Softplus": lambda: pfb.Softplus(hinge_softness=10.0**c, low=a),
        "SoftClip": lambda: pfb.SoftClip(low=a, high=a + abs(b), hinge_softness=10.0**c),
        "SinhArcsinh": lambda: pfb.SinhArcsinh(skewness=c, tailweight=abs(b) / 100.0),
        "GumbelCDF": lambda: pfb.GumbelCDF(loc=a, scale=b),
        "Scale": lambda: pfb.Scale(b),
        "Shift": lambda: pfb.Shift(a),
    }
    try:
        bij = makers[kind]()
    except ValueError as err:
        assert "must be" in str(err)
        return
    value = jnp.asarray(x, jnp.float64)
    y, ldj = bij.forward_and_log_det(value)
    assert not np.isnan(float(y)), (kind, a, b, c, x)
    assert not np.isnan(float(ldj)), (kind, a, b, c, x)
