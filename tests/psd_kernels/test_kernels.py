"""PSD kernels against direct NumPy formulas: values, TFP batch shapes, PSD-ness, errors."""

from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np
import pytest
from scipy.spatial.distance import cdist

import probflow.psd_kernels as pfk
from probflow.core.errors import ParameterError, ShapeError

RNG = np.random.default_rng(0)
X1 = RNG.normal(size=(4, 2))
X2 = RNG.normal(size=(5, 2))
# Parameters of shapes [3] and [2, 1] broadcast to a batch of shape [2, 3].
A3 = np.array([0.5, 1.0, 2.0])
L21 = np.array([[0.7], [1.6]])


def _eq(x, y, amplitude, length_scale):
    return amplitude**2 * np.exp(-cdist(x, y, "sqeuclidean") / (2 * length_scale**2))


def _m12(x, y, amplitude, length_scale):
    return amplitude**2 * np.exp(-cdist(x, y) / length_scale)


def _m32(x, y, amplitude, length_scale):
    r = np.sqrt(3.0) * cdist(x, y) / length_scale
    return amplitude**2 * (1 + r) * np.exp(-r)


def _m52(x, y, amplitude, length_scale):
    r = np.sqrt(5.0) * cdist(x, y) / length_scale
    return amplitude**2 * (1 + r + r**2 / 3) * np.exp(-r)


def _rq(x, y, amplitude, length_scale, scale_mixture_rate):
    d2 = cdist(x, y, "sqeuclidean")
    return amplitude**2 * (1 + d2 / (2 * scale_mixture_rate * length_scale**2)) ** (
        -scale_mixture_rate)


def _periodic(x, y, amplitude, length_scale, period):
    s = np.sum(np.sin(np.pi * np.abs(x[:, None, :] - y[None, :, :]) / period) ** 2, axis=-1)
    return amplitude**2 * np.exp(-2 * s / length_scale**2)


def _poly(x, y, bias_amplitude, slope_amplitude, shift, exponent):
    return bias_amplitude**2 + slope_amplitude**2 * ((x - shift) @ (y - shift).T) ** exponent


def _linear(x, y, bias_amplitude, slope_amplitude, shift):
    return _poly(x, y, bias_amplitude, slope_amplitude, shift, 1.0)


def _constant(x, y, constant):
    return np.full((len(x), len(y)), constant)


def _white(x, y, amplitude):
    return amplitude**2 * (cdist(x, y) == 0)


# (kernel class, parameters, NumPy formula); every case has batch shape [2, 3].
CASES = {
    "ExponentiatedQuadratic": (pfk.ExponentiatedQuadratic,
                               {"amplitude": A3, "length_scale": L21}, _eq),
    "MaternOneHalf": (pfk.MaternOneHalf, {"amplitude": A3, "length_scale": L21}, _m12),
    "MaternThreeHalves": (pfk.MaternThreeHalves, {"amplitude": A3, "length_scale": L21}, _m32),
    "MaternFiveHalves": (pfk.MaternFiveHalves, {"amplitude": A3, "length_scale": L21}, _m52),
    "RationalQuadratic": (pfk.RationalQuadratic,
                          {"amplitude": A3, "length_scale": 1.3,
                           "scale_mixture_rate": np.array([[0.5], [4.0]])}, _rq),
    "ExpSinSquared": (pfk.ExpSinSquared,
                      {"amplitude": 1.5, "length_scale": L21, "period": A3 + 0.5}, _periodic),
    "Linear": (pfk.Linear, {"bias_amplitude": A3, "slope_amplitude": L21, "shift": 0.3},
               _linear),
    "Polynomial": (pfk.Polynomial,
                   {"bias_amplitude": 0.5, "slope_amplitude": L21, "shift": A3 - 1.0,
                    "exponent": 3.0}, _poly),
    "Constant": (pfk.Constant, {"constant": A3 * L21}, _constant),
    "WhiteNoise": (pfk.WhiteNoise, {"amplitude": A3 * L21}, _white),
}


def reference_matrix(formula, params, x1, x2):
    batch = np.broadcast_shapes(*(np.shape(v) for v in params.values()))
    out = np.empty(batch + (len(x1), len(x2)))
    for idx in np.ndindex(batch):
        member = {k: np.broadcast_to(v, batch)[idx] for k, v in params.items()}
        out[idx] = formula(x1, x2, **member)
    return out


@pytest.mark.compile_bound
@pytest.mark.parametrize("name", list(CASES))
def test_matrix_apply_and_tensor_match_numpy(name):
    cls, params, formula = CASES[name]
    kernel = cls(**params)
    assert kernel.batch_shape == (2, 3)
    x2 = X2.copy()
    x2[0] = X1[1]  # one shared point, so WhiteNoise has a non-zero entry off the diagonal
    want = reference_matrix(formula, params, X1, x2)
    got = kernel.matrix(X1, x2)
    assert got.shape == (2, 3, 4, 5)
    np.testing.assert_allclose(got, want, rtol=1e-10, atol=1e-12)
    # apply is pointwise; example_ndims=1 keeps the kernel's batch apart from the points.
    np.testing.assert_allclose(kernel.apply(X1, x2[:4], example_ndims=1),
                               np.diagonal(want[..., :4], axis1=-2, axis2=-1), rtol=1e-10)
    # tensor with two example dims on x1 is the matrix reshaped.
    t = kernel.tensor(X1.reshape(2, 2, 2), x2, 2, 1)
    np.testing.assert_allclose(t, want.reshape(2, 3, 2, 2, 5), rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize("name", list(CASES))
def test_kernel_matrices_are_positive_semidefinite(name):
    cls, params, _ = CASES[name]
    x = np.concatenate([X1, X2, X1[:1]])  # a repeated point makes the matrix singular
    k = np.asarray(cls(**params).matrix(x, x))
    np.testing.assert_allclose(k, np.swapaxes(k, -1, -2), rtol=1e-12, atol=1e-12)
    eig = np.linalg.eigvalsh(k)
    scale = np.max(np.abs(eig), axis=-1, keepdims=True)
    assert np.all(eig >= -1e-10 * scale), (name, eig.min())


def test_apply_batch_semantics_follow_tfp():
    k = pfk.ExponentiatedQuadratic(amplitude=A3)
    # example_ndims=0: the inputs' leading dims broadcast with the kernel's batch shape.
    assert k.apply(X1[:3], X2[:3]).shape == (3,)
    assert k.apply(X1[:1], X2[:1]).shape == (3,)
    assert k.apply(X1, X2[:4], example_ndims=1).shape == (3, 4)
    with pytest.raises(ShapeError, match=r"\(4,\) does not broadcast with the kernel's "
                                         r"batch_shape \(3,\).*use matrix\(\)"):
        k.apply(X1, X2[:4])
    # Batched inputs: B1 = [2, 1], kernel [3] -> [2, 3] + [4, 5].
    xb = np.stack([X1, X1 + 1.0])[:, None]
    assert k.matrix(xb, X2).shape == (2, 3, 4, 5)
    np.testing.assert_allclose(k.matrix(xb, X2)[1, 2], _eq(X1 + 1.0, X2, 2.0, 1.0), rtol=1e-10)
    with pytest.raises(ShapeError, match="feature shapes of x1 and x2"):
        k.matrix(X1, np.zeros((5, 3)))
    with pytest.raises(ShapeError, match=r"x1 must have at least 2 dimension\(s\).*got shape"):
        k.matrix(np.zeros(3), X2)


def test_feature_ndims_two_and_zero():
    x1, x2 = RNG.normal(size=(3, 2, 2)), RNG.normal(size=(4, 2, 2))
    k2 = pfk.MaternFiveHalves(1.2, 0.8, feature_ndims=2)
    np.testing.assert_allclose(k2.matrix(x1, x2), _m52(x1.reshape(3, 4), x2.reshape(4, 4),
                                                       1.2, 0.8), rtol=1e-10)
    k0 = pfk.ExponentiatedQuadratic(1.0, 2.0, feature_ndims=0)
    s1, s2 = RNG.normal(size=3), RNG.normal(size=4)
    np.testing.assert_allclose(k0.matrix(s1, s2), _eq(s1[:, None], s2[:, None], 1.0, 2.0),
                               rtol=1e-10)


def test_feature_scaled_is_ard():
    scale = np.array([[0.5, 3.0], [2.0, 1.0]])  # batch [2], one length per feature
    k = pfk.FeatureScaled(pfk.ExponentiatedQuadratic(amplitude=A3[:, None]), scale)
    assert k.batch_shape == (3, 2)
    got = k.matrix(X1, X2)
    for i, a in enumerate(A3):
        for j in range(2):
            want = _eq(X1 / scale[j], X2 / scale[j], a, 1.0)
            np.testing.assert_allclose(got[i, j], want, rtol=1e-10)
    with pytest.raises(ShapeError, match="scale_diag must have at least feature_ndims=1"):
        pfk.FeatureScaled(pfk.ExponentiatedQuadratic(), 2.0)
    with pytest.raises(ParameterError, match=r"FeatureScaled: scale_diag must be positive"):
        pfk.FeatureScaled(pfk.ExponentiatedQuadratic(), np.array([1.0, 0.0]))


def test_sums_and_products():
    eq = pfk.ExponentiatedQuadratic(amplitude=A3, length_scale=0.9)
    per = pfk.ExpSinSquared(length_scale=L21, period=2.0)
    lin = pfk.Linear(slope_amplitude=0.4)
    k = eq + per * lin + pfk.Constant(0.1)
    assert isinstance(k, pfk.SumKernel) and len(k.kernels) == 3  # nested sums are flattened
    assert isinstance(k.kernels[1], pfk.ProductKernel)
    assert k.batch_shape == (2, 3)
    want = (_eq(X1, X2, A3[None, :, None, None], 0.9)
            + _periodic(X1, X2, 1.0, L21[:, :, None, None], 2.0) * _linear(X1, X2, 0.0, 0.4, 0.0)
            + 0.1)
    np.testing.assert_allclose(k.matrix(X1, X2), want, rtol=1e-10)
    assert len((eq * lin * per).kernels) == 3
    with pytest.raises(TypeError, match="unsupported operand"):
        eq + 1.0
    with pytest.raises(ValueError, match=r"SumKernel: kernels must share feature_ndims, got "
                                         r"\[1, 2\]"):
        eq + pfk.Linear(feature_ndims=2)
    with pytest.raises(ShapeError, match="ProductKernel parameters have shapes"):
        pfk.ProductKernel([eq, pfk.Constant(np.ones(4))])
    with pytest.raises(TypeError, match=r"kernels\[1\] must be a PositiveSemidefiniteKernel"):
        pfk.SumKernel([eq, "rbf"])


@pytest.mark.parametrize("make, message", [
    (lambda: pfk.ExponentiatedQuadratic(amplitude=-1.0),
     "ExponentiatedQuadratic: amplitude must be positive, got -1.0"),
    (lambda: pfk.MaternOneHalf(length_scale=np.array([1.0, 0.0])),
     r"MaternOneHalf: length_scale must be positive, got 0.0 at index \(1,\)"),
    (lambda: pfk.RationalQuadratic(scale_mixture_rate=0.0),
     "RationalQuadratic: scale_mixture_rate must be positive"),
    (lambda: pfk.ExpSinSquared(period=-2.0), "ExpSinSquared: period must be positive"),
    (lambda: pfk.Polynomial(exponent=0.0), "Polynomial: exponent must be positive"),
    (lambda: pfk.Linear(bias_amplitude=-0.1), "Linear: bias_amplitude must be non-negative"),
    (lambda: pfk.Constant(None), "Constant: constant is required"),
    (lambda: pfk.WhiteNoise(amplitude=-1.0), "WhiteNoise: amplitude must be positive"),
    (lambda: pfk.ExponentiatedQuadratic(np.ones(2), np.ones(3)),
     r"ExponentiatedQuadratic parameters have shapes \(2,\), \(3,\) that do not broadcast"),
    (lambda: pfk.ExponentiatedQuadratic(feature_ndims=-1),
     "ExponentiatedQuadratic: feature_ndims must be an integer >= 0, got -1"),
    (lambda: pfk.FeatureScaled("rbf", np.ones(2)),
     "FeatureScaled: kernel must be a PositiveSemidefiniteKernel, got str"),
    (lambda: pfk.Linear().apply(X1, X2[:4], example_ndims=-1),
     "Linear.apply: example_ndims must be an integer >= 0, got -1"),
])
def test_validation_messages(make, message):
    with pytest.raises((ValueError, TypeError), match=message):
        make()


def test_pytree_jit_grad_and_dtype():
    traces = []

    @jax.jit
    def f(kernel, x):
        traces.append(1)
        return kernel.matrix(x, x)

    x = jnp.asarray(X1)
    a = f(pfk.MaternThreeHalves(1.0, 0.5), x)
    b = f(pfk.MaternThreeHalves(2.0, 0.7), x)
    assert len(traces) == 1  # parameter values are leaves: no retrace
    np.testing.assert_allclose(b, _m32(X1, X1, 2.0, 0.7), rtol=1e-10)
    assert not np.allclose(a, b)
    f(pfk.MaternThreeHalves(1.0, 0.5, feature_ndims=1) + pfk.Linear(), x)
    assert len(traces) == 2  # a different structure retraces

    # Gradients are finite, also with respect to inputs at zero distance (the Matern kernels
    # take a square root there), and match central differences in the length scale.
    def total(length_scale, points):
        kernels = [pfk.MaternOneHalf(1.0, length_scale), pfk.MaternFiveHalves(1.0, length_scale),
                   pfk.RationalQuadratic(1.0, length_scale, 2.0)]
        return sum(jnp.sum(k.matrix(points, points)) for k in kernels)

    g_ls, g_x = jax.jit(jax.grad(total, argnums=(0, 1)))(0.8, x)
    assert np.isfinite(g_ls) and np.all(np.isfinite(g_x))
    h = 1e-6
    values = jax.jit(jax.vmap(total, in_axes=(0, None)))(jnp.asarray([0.8 + h, 0.8 - h]), x)
    numeric = (values[0] - values[1]) / (2 * h)
    np.testing.assert_allclose(g_ls, numeric, rtol=1e-6)

    # dtypes follow the inputs: float32 parameters and points give float32 matrices.
    k32 = pfk.ExponentiatedQuadratic(jnp.float32(1.0), jnp.float32(2.0))
    assert k32.matrix(x.astype(jnp.float32), x.astype(jnp.float32)).dtype == jnp.float32
    assert pfk.ExponentiatedQuadratic().dtype is None
    assert pfk.ExponentiatedQuadratic().matrix(x.astype(jnp.float32), x).dtype == jnp.float64
