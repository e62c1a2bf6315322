"""Values and log-determinants against constants generated with TFP.

The constants were produced with tfp-nightly's JAX substrate (float64) in the
benchmark environment, e.g.::

    from tensorflow_probability.substrates import jax as tfp
    b = tfp.bijectors.SinhArcsinh(0.5, 2.0)
    b.forward(x), b.forward_log_det_jacobian(x, 0)

They pin down TFP's conventions (parameterisations, orderings, log-determinant
measures); the Jacobian tests in ``test_bijectors.py`` check self-consistency.
"""

from __future__ import annotations

import jax
import numpy as np
import pytest

import probflow.bijectors as pfb

X = np.array([-1.0, 0.3, 2.5])

SCALAR_CASES = [
    ("SinhArcsinh", lambda: pfb.SinhArcsinh(0.5, 2.0), X,
     [-0.1875809569950071, 0.5262253920511751, 8.192858022613342],
     [-0.8848818864265496, 0.09102798284249247, 1.8062815603820936]),
    ("SoftClip", lambda: pfb.SoftClip(low=-1.0, high=2.0, hinge_softness=0.7), X,
     [-0.5257495697172248, 0.33890383773748023, 1.723495461078599],
     [-0.7234872563591397, -0.24531244354111945, -1.1271674009219548]),
    ("Softplus", lambda: pfb.Softplus(hinge_softness=0.5, low=1.0), X,
     [1.0634640055214863, 1.5187439752429428, 3.503357674244559],
     [-2.1269280110429727, -0.4374879504858857, -0.006715348489118068]),
    ("GumbelCDF", lambda: pfb.GumbelCDF(1.0, 2.0), X,
     [0.06598803584531251, 0.24193950858580465, 0.6235249162568004],
     [-2.411429009018991, -1.7622147291532024, -1.9155137333009602]),
    ("WeibullCDF", lambda: pfb.WeibullCDF(2.0, 1.5), np.array([0.2, 1.0, 3.0]),
     [0.031128005659924584, 0.2978114986734405, 0.8407240915099786],
     [-1.4705973955504874, -0.9878090533250272, -1.9220668254850821]),
    ("KumaraswamyCDF", lambda: pfb.KumaraswamyCDF(2.0, 3.0), np.array([0.2, 0.5, 0.9]),
     [0.11526400000000002, 0.578125, 0.993141],
     [0.1006775677534444, 0.5232481437645478, -1.6350634600730736]),
    ("Power", lambda: pfb.Power(3.0), np.array([-2.0, 0.5, 2.0]),
     [-8.0, 0.125, 8.0], [2.4849066497880004, -0.2876820724517808, 2.4849066497880004]),
    ("Sigmoid", lambda: pfb.Sigmoid(low=-1.0, high=3.0), X,
     [0.07576568547998042, 1.297770067246636, 2.6965672799150258],
     [-0.24022901391655505, -0.02241612781716351, -1.2714851074652087]),
    ("Tanh", pfb.Tanh, X,
     [-0.7615941559557649, 0.29131261245159085, 0.9866142981514302],
     [-0.8675616609660546, -0.08868153985188076, -3.6271363358583453]),
    ("NormalCDF", pfb.NormalCDF, X,
     [0.15865525393145707, 0.6179114221889527, 0.9937903346742238],
     [-1.4189385332046727, -0.9639385332046727, -4.043938533204672]),
]


@pytest.mark.parametrize("name,make,x,y,ldj", SCALAR_CASES, ids=[c[0] for c in SCALAR_CASES])
def test_scalar_bijectors_match_tfp(name, make, x, y, ldj):
    b = make()
    np.testing.assert_allclose(np.asarray(b.forward(x)), y, rtol=1e-10)
    np.testing.assert_allclose(np.asarray(b.forward_log_det_jacobian(x)), ldj, rtol=1e-10)


def test_softclip_values_match_tfp():
    x = np.array([-3.0, 0.0, 0.5, 3.0])
    cases = [
        (pfb.SoftClip(low=0.0, high=1.0), [0.02686928, 0.34643831, 0.4622605, 0.90766603]),
        (pfb.SoftClip(low=0.0, high=1.0, hinge_softness=0.5),
         [0.00102507, 0.27294315, 0.48548128, 0.99148751]),
        (pfb.SoftClip(low=1.0), [1.01814993, 1.31326169, 1.47407698, 3.12692801]),
        (pfb.SoftClip(high=1.0), [-3.01814993, -0.31326169, 0.02592302, 0.87307199]),
    ]
    for b, want in cases:
        np.testing.assert_allclose(np.asarray(b.forward(x)), want, rtol=1e-7, atol=1e-8)


def test_ascending_matches_tfp():
    b = pfb.Ascending()
    np.testing.assert_allclose(np.asarray(b.forward(X)),
                               [-1.0, 0.3498588075760032, 12.532352768279477], rtol=1e-12)
    np.testing.assert_allclose(float(b.forward_log_det_jacobian(X)), 2.8, rtol=1e-12)


def test_fill_triangular_orders_match_tfp():
    x = np.arange(1.0, 7.0)
    np.testing.assert_array_equal(np.asarray(pfb.FillTriangular().forward(x)),
                                  [[4, 0, 0], [6, 5, 0], [3, 2, 1]])
    np.testing.assert_array_equal(np.asarray(pfb.FillTriangular(upper=True).forward(x)),
                                  [[1, 2, 3], [0, 5, 6], [0, 0, 4]])


def test_fill_scale_tril_matches_tfp():
    b = pfb.FillScaleTriL()
    x = np.array([0.1, -0.2, 0.3])
    np.testing.assert_allclose(np.asarray(b.forward(x)),
                               [[0.8543652444685269, 0.0], [-0.2, 0.7444066600735708]],
                               rtol=1e-12)
    np.testing.assert_allclose(float(b.forward_log_det_jacobian(x)), -1.1987519045420978,
                               rtol=1e-12)


def test_cholesky_outer_product_matches_tfp():
    b = pfb.CholeskyOuterProduct()
    chol = np.array([[2.0, 0.0], [1.0, 3.0]])
    np.testing.assert_allclose(np.asarray(b.forward(chol)), [[4.0, 2.0], [2.0, 10.0]])
    np.testing.assert_allclose(float(b.forward_log_det_jacobian(chol)), 3.8712010109078907,
                               rtol=1e-12)


def test_correlation_cholesky_matches_tfp():
    b = pfb.CorrelationCholesky()
    x = np.array([0.5, -1.0, 2.0, 0.1, -0.3, 0.7])
    want = [[1.0, 0.0, 0.0, 0.0],
            [0.09950371902099893, 0.9950371902099893, 0.0, 0.0],
            [0.556890098923011, -0.238667185252719, 0.79555728417573, 0.0],
            [0.8, -0.4, 0.2, 0.4]]
    np.testing.assert_allclose(np.asarray(b.forward(x)), want, rtol=1e-12, atol=1e-15)
    np.testing.assert_allclose(float(b.forward_log_det_jacobian(x)), -5.511228849728277,
                               rtol=1e-12)
    np.testing.assert_allclose(float(b.forward_log_det_jacobian(np.array([1.0, 2.0, 3.0]))),
                               -7.037396577947177, rtol=1e-12)


def test_simplex_bijectors_match_tfp():
    x = np.array([0.3, -0.5, 1.2])
    soft = pfb.SoftmaxCentered()
    np.testing.assert_allclose(
        np.asarray(soft.forward(x)),
        [0.21506531240392587, 0.09663507404000264, 0.5289753114906374, 0.15932430206543416],
        rtol=1e-12)
    np.testing.assert_allclose(float(soft.forward_log_det_jacobian(x)), -5.654106892891842,
                               rtol=1e-12)
    stick = pfb.IteratedSigmoidCentered()
    np.testing.assert_allclose(
        np.asarray(stick.forward(x)),
        [0.3103224420123704, 0.16048557981717856, 0.40669715045286264, 0.12249482771758835],
        rtol=1e-12)
    np.testing.assert_allclose(float(stick.forward_log_det_jacobian(x)), -5.999067517574201,
                               rtol=1e-12)


def test_scale_matvec_lu_matches_tfp():
    # lower_upper and permutation of [[1, 2, 0], [3, 1, 1], [0.5, 2, 4]] from
    # jax.lax.linalg.lu; TFP's ScaleMatvecLU(lu, perm).forward([1, 2, 3]) = [5, 8, 16.5].
    w = np.array([[1.0, 2.0, 0.0], [3.0, 1.0, 1.0], [0.5, 2.0, 4.0]])
    lu, _, perm = jax.lax.linalg.lu(w)
    b = pfb.ScaleMatvecLU(lu, perm)
    np.testing.assert_allclose(np.asarray(b.forward(np.array([1.0, 2.0, 3.0]))),
                               [5.0, 8.0, 16.5], rtol=1e-12)
    np.testing.assert_allclose(float(b.forward_log_det_jacobian(np.zeros(3))),
                               np.log(abs(np.linalg.det(w))), rtol=1e-12)
