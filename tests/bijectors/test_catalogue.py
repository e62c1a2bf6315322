"""The catalogue bijectors of issue 13, beyond the generic table (``cases.py``).

Values and log-determinants are checked against TFP-on-JAX literals (float64), produced in the
benchmark environment by::

    /work/bench-venv/bin/python tfp_ref.py

where ``tfp_ref.py`` builds the same bijector with ``tensorflow_probability.substrates.jax``
(e.g. ``tfb.GompertzCDF(np.float64(2.0), 0.5)``) and prints ``forward(x)``,
``forward_log_det_jacobian(x, 0)`` and ``inverse(forward(x))``. The cdf bijectors are also
checked against the closed forms in ``scipy.stats`` (the cdf and the log density), and the
structural ones (``AbsoluteValue``, ``Composition``, ``Inline``) for their semantics.
"""

from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np
import pytest
import scipy.special
import scipy.stats

import probflow.bijectors as pfb
from probflow.bijectors import flows
from probflow.bijectors._lambertw import lambertw, lambertw_of_log
from probflow.core.errors import ParameterError, ShapeError, UnsupportedError

X = np.array([-1.0, 0.3, 2.5])
P = np.array([0.2, 1.0, 3.0])

# (id, constructor, x, TFP forward(x), TFP forward_log_det_jacobian(x, 0))
TFP_SCALAR = [
    ("Softsign", pfb.Softsign, X,
     [-0.5, 0.23076923076923075, 0.7142857142857143],
     [-1.3862943611198906, -0.5247285289349821, -2.505525936990736]),
    ("Softfloor", lambda: pfb.Softfloor(0.3), X,
     [-1.3411308951190848, -0.0024653243132730096, 2.158869104880915],
     [0.20002028134463035, -0.04020873257192492, -0.42636800197382385]),
    ("PowerTransform", lambda: pfb.PowerTransform(0.5), X,
     [0.25, 1.3225, 5.0625],
     [-0.6931471805599453, 0.13976194237515868, 0.8109302162163288]),
    ("GeneralizedPareto", lambda: pfb.GeneralizedPareto(1.0, 2.0, 0.5), X,
     [1.3132616875182228, 1.854355244468527, 3.5788897342925496],
     [-1.3132616875182228, -0.554355244468527, -0.07888973429254963]),
    ("GeneralizedPareto-bounded", lambda: pfb.GeneralizedPareto(1.0, 2.0, -0.5), X,
     [2.0757656854799804, 3.2977700672466357, 4.696567279915026],
     [-0.24022901391655505, -0.02241612781716351, -1.2714851074652087]),
    ("GompertzCDF", lambda: pfb.GompertzCDF(2.0, 0.5), P,
     [0.1896927936749752, 0.7267703261679442, 0.9990541041978296],
     [-0.11034183615129528, -0.797442541400256, -5.463378140676129]),
    ("ShiftedGompertzCDF", lambda: pfb.ShiftedGompertzCDF(0.5, 2.0), P,
     [0.08627002952448418, 0.6596248436123113, 0.9925882696282305],
     [-0.5410609811380657, -0.5734674356328643, -4.214851903462973]),
    ("FrechetCDF", lambda: pfb.FrechetCDF(-1.0, 2.0, 3.0), P,
     [0.00975837264521781, 0.3678794411714423, 0.8824969025845955],
     [-2.1808620264575023, -0.5945348918918355, -2.4921236141316165]),
    ("RayleighCDF", lambda: pfb.RayleighCDF(2.0), P,
     [0.004987520807317688, 0.11750309741540461, 0.6753475326416503],
     [-3.0007322735539907, -1.5112943611198906, -1.4126820724517808]),
    ("MoyalCDF", lambda: pfb.MoyalCDF(0.5, 2.0), X,
     [0.14567163831813343, 0.2931340980119128, 0.5441624293623031],
     [-2.2955857220709555, -2.1146711728024417, -2.296025434350339]),
    ("GeneralizedExtremeValueCDF", lambda: pfb.GeneralizedExtremeValueCDF(0.5, 2.0, 0.3), X,
     [0.09644265685329863, 0.33059411678846456, 0.6589875266751006],
     [-1.9274207755962038, -1.668021170771281, -2.2471096655665526]),
    ("GeneralizedExtremeValueCDF-negative",
     lambda: pfb.GeneralizedExtremeValueCDF(0.5, 2.0, -0.3), X,
     [0.13988687696132635, 0.33169255347120086, 0.7374543635627546],
     [-2.186539749270809, -1.7277234248668534, -1.8299397890146998]),
    ("LambertWTail", lambda: pfb.LambertWTail(0.5, 2.0, 0.3), X,
     [-1.1320552466912066, 0.2996997748874578, 2.823668485456566],
     [0.24030980162075954, 0.004495508979798446, 0.41236426446749097]),
]


@pytest.mark.parametrize("name,make,x,y,ldj", TFP_SCALAR, ids=[c[0] for c in TFP_SCALAR])
def test_scalar_values_match_tfp(name, make, x, y, ldj):
    b = make()
    run = jax.jit(lambda v, w: (*b.forward_and_log_det(v), b.inverse(w)))
    y_ours, ldj_ours, x_back = run(x, np.asarray(y))
    np.testing.assert_allclose(np.asarray(y_ours), y, rtol=1e-10)
    np.testing.assert_allclose(np.asarray(ldj_ours), ldj, rtol=1e-9, atol=1e-12)
    np.testing.assert_allclose(np.asarray(x_back), x, rtol=1e-9)


def test_matrix_values_match_tfp():
    lower = np.array([[1.5, 0.0, 0.0], [0.4, -0.7, 0.0], [-1.0, 0.3, 2.0]])
    y, ldj = pfb.MatrixInverseTriL().forward_and_log_det(lower)
    np.testing.assert_allclose(np.asarray(y), [
        [0.6666666666666666, 0.0, 0.0], [0.38095238095238093, -1.4285714285714286, 0.0],
        [0.27619047619047615, 0.21428571428571427, 0.5]], rtol=1e-12, atol=1e-15)
    np.testing.assert_allclose(float(ldj), -2.967749378917509, rtol=1e-12)

    cholesky = np.array([[1.5, 0.0, 0.0], [0.4, 0.7, 0.0], [-1.0, 0.3, 2.0]])
    y, ldj = pfb.CholeskyToInvCholesky().forward_and_log_det(cholesky)
    np.testing.assert_allclose(np.asarray(y), [
        [0.8614179103817905, 0.0, 0.0], [-0.7289042274316031, 1.2471701251673282, 0.0],
        [0.2266473599922753, 0.046554484043574124, 0.4432422071779362]], rtol=1e-10,
        atol=1e-14)
    np.testing.assert_allclose(float(ldj), -3.919894852249832, rtol=1e-10)
    # The definition: chol(inv(L L^T)).
    want = np.linalg.cholesky(np.linalg.inv(cholesky @ cholesky.T))
    np.testing.assert_allclose(np.asarray(y), want, rtol=1e-10, atol=1e-14)

    x = np.array([[0.3, 1.2, -0.7], [2.0, 1.0, 2.0]])
    np.testing.assert_allclose(np.asarray(pfb.Householder(np.array([1.0, -2.0, 0.5])).forward(x)),
                               [[1.2333333333333334, -0.6666666666666667, -0.23333333333333328],
                                [1.619047619047619, 1.7619047619047619, 1.8095238095238095]],
                               rtol=1e-12)
    y, ldj = pfb.UnitVector().forward_and_log_det(x)
    np.testing.assert_allclose(np.asarray(y), [
        [0.19867549668874174, 0.794701986754967, -0.46357615894039733, 0.337748344370861],
        [0.4, 0.2, 0.4, 0.8]], rtol=1e-12)
    # TFP evaluates log(2) in float32 before casting (a 5e-9 relative error): compare at 1e-8,
    # and with the closed form n log(2 / (1 + |x|^2)) at 1e-14.
    np.testing.assert_allclose(np.asarray(ldj), [-1.2363289467665362, -4.828313731588339],
                               rtol=1e-8)
    np.testing.assert_allclose(np.asarray(ldj), 3 * np.log(2 / (1 + np.sum(x**2, axis=-1))),
                               rtol=1e-14)
    np.testing.assert_allclose(np.sum(np.square(np.asarray(y)), axis=-1), 1.0, rtol=1e-14)


# (constructor, scipy distribution, points): forward is the cdf, the log-det the log density.
SCIPY_CDFS = [
    ("GompertzCDF", lambda: pfb.GompertzCDF(2.0, 0.5), scipy.stats.gompertz(2.0, scale=2.0),
     P),
    ("FrechetCDF", lambda: pfb.FrechetCDF(-1.0, 2.0, 3.0),
     scipy.stats.invweibull(3.0, loc=-1.0, scale=2.0), P),
    ("RayleighCDF", lambda: pfb.RayleighCDF(2.0), scipy.stats.rayleigh(scale=2.0), P),
    ("MoyalCDF", lambda: pfb.MoyalCDF(0.5, 2.0), scipy.stats.moyal(0.5, 2.0), X),
    ("GeneralizedExtremeValueCDF", lambda: pfb.GeneralizedExtremeValueCDF(0.5, 2.0, 0.3),
     scipy.stats.genextreme(-0.3, 0.5, 2.0), X),
    ("GeneralizedExtremeValueCDF-gumbel", lambda: pfb.GeneralizedExtremeValueCDF(0.5, 2.0),
     scipy.stats.gumbel_r(0.5, 2.0), X),
]


@pytest.mark.parametrize("name,make,dist,x", SCIPY_CDFS, ids=[c[0] for c in SCIPY_CDFS])
def test_cdf_bijectors_are_scipy_cdfs(name, make, dist, x):
    b = make()
    np.testing.assert_allclose(np.asarray(b.forward(x)), dist.cdf(x), rtol=1e-10)
    np.testing.assert_allclose(np.asarray(b.forward_log_det_jacobian(x)), dist.logpdf(x),
                               rtol=1e-10)
    q = np.array([0.01, 0.5, 0.99])
    np.testing.assert_allclose(np.asarray(b.inverse(q)), dist.ppf(q), rtol=1e-9)


def test_shifted_gompertz_cdf_closed_form_and_small_concentration():
    # The shifted Gompertz density (Bemmaor 1994): b e^{-bx} e^{-e^{-bx}/c} (1 + (1 - e^{-bx})/c).
    c, rate = 0.5, 2.0
    u = np.exp(-rate * P)
    density = rate * u * np.exp(-u / c) * (1.0 + (1.0 - u) / c)
    b = pfb.ShiftedGompertzCDF(c, rate)
    np.testing.assert_allclose(np.asarray(b.forward_log_det_jacobian(P)), np.log(density),
                               rtol=1e-12)
    # Small concentration: the Lambert W argument exp(1 / c) overflows float64; the inverse
    # works from its logarithm.
    b = pfb.ShiftedGompertzCDF(1e-3, 1.0)
    x = np.array([6.0, 8.0, 12.0])
    y = b.forward(x)
    assert np.all((np.asarray(y) > 0) & (np.asarray(y) < 1))
    np.testing.assert_allclose(np.asarray(b.inverse(y)), x, rtol=1e-8)


def test_lambertw_matches_scipy_with_gradients():
    x = np.array([0.0, 1e-300, 1e-8, 0.3, 1.0, np.e, 10.0, 1e4, 1e200])
    want = scipy.special.lambertw(x).real
    np.testing.assert_allclose(np.asarray(jax.jit(lambertw)(x)), want, rtol=1e-13, atol=1e-300)
    # W(e^l) for l beyond float64's exp: w + log w = l.
    w = float(jax.jit(lambertw_of_log)(1000.0))
    np.testing.assert_allclose(w + np.log(w), 1000.0, rtol=1e-14)
    grads = jax.jit(jax.vmap(jax.grad(lambertw)))(jnp.asarray([0.0, 0.5, 3.0]))
    w = scipy.special.lambertw(np.array([0.0, 0.5, 3.0])).real
    np.testing.assert_allclose(np.asarray(grads), np.exp(-w) / (1.0 + w), rtol=1e-12)


def test_lambertw_tail_inverse_is_the_heavy_tail_solution():
    b = pfb.LambertWTail(0.5, 2.0, 0.8)
    # float32: d z**2 overflows at |x| = 20 (y ~ 2e27), the inverse works from its log.
    b32 = pfb.LambertWTail(jnp.float32(0.0), jnp.float32(1.0), jnp.float32(0.3))
    grad = jax.grad(lambda t, v: pfb.LambertWTail(0.5, 2.0, t).inverse(v), argnums=(0, 1))

    @jax.jit  # one compilation instead of many eager Lambert W iterations
    def run(y, x32):
        # Gradients at the centre and at tailweight 0, where the map is the identity.
        return b.inverse(y), b32.inverse(b32.forward(x32)), grad(0.0, 0.5)

    y = np.array([-40.0, -1.0, 0.5, 3.0, 1e3])
    x32 = jnp.asarray([-20.0, -1.0, 0.0, 20.0], jnp.float32)
    x, x_back, grads = run(y, x32)
    u = (np.asarray(x) - 0.5) / 2.0
    np.testing.assert_allclose(0.5 + 2.0 * u * np.exp(0.4 * u**2), y, rtol=1e-12)
    assert x_back.dtype == jnp.float32
    np.testing.assert_allclose(np.asarray(x_back), np.asarray(x32), rtol=1e-6)
    np.testing.assert_allclose(np.asarray(grads), [0.0, 1.0], atol=1e-12)


def test_softsign_and_softfloor_limits():
    s = pfb.Softsign()
    np.testing.assert_array_equal(np.asarray(s.forward(jnp.asarray([-np.inf, np.inf]))),
                                  [-1.0, 1.0])
    x = jnp.asarray([-2.3, -0.7, 0.2, 1.7, 3.4])
    # At temperature t the distance to the nearest integer step is ~ exp(-d / t): at
    # t = 0.01 and d >= 0.2 that is below 1e-8.
    np.testing.assert_allclose(np.asarray(pfb.Softfloor(0.01).forward(x)), np.floor(x),
                               atol=1e-8)
    # As t grows the map tends to the identity, off by about sigmoid(-h) - (1/2 - h/4)... in
    # all, 1 / (8 t) to first order (TFP's offset).
    np.testing.assert_allclose(np.asarray(pfb.Softfloor(1e3).forward(x)), x - 1.0 / 8e3,
                               atol=1e-8)
    # Continuous at the joins x = n + 1/2, and increasing.
    b = pfb.Softfloor(0.4)
    eps = 1e-9
    joins = jnp.asarray([-1.5, 0.5, 2.5])
    np.testing.assert_allclose(np.asarray(b.forward(joins - eps)),
                               np.asarray(b.forward(joins + eps)), atol=1e-8)
    assert np.all(np.diff(np.asarray(b.forward(jnp.linspace(-3, 3, 601)))) > 0)


def test_generalized_pareto_onto_support():
    x = jnp.linspace(-30.0, 30.0, 7)
    y = np.asarray(pfb.GeneralizedPareto(1.0, 2.0, -0.5).forward(x))
    assert np.all((y >= 1.0) & (y <= 5.0))
    y = np.asarray(pfb.GeneralizedPareto(1.0, 2.0, 0.0).forward(x))
    assert np.all(y >= 1.0) and y[-1] > 30.0


def test_absolute_value_has_tfps_semantics():
    b = pfb.AbsoluteValue()
    np.testing.assert_array_equal(np.asarray(b.forward(jnp.asarray([-1.0, 0.0, 2.0]))),
                                  [1.0, 0.0, 2.0])
    y = jnp.asarray([[1.0, 0.0], [2.5, 3.0]])
    neg, pos = b.inverse(y)
    np.testing.assert_array_equal(np.asarray(neg), -np.asarray(y))
    np.testing.assert_array_equal(np.asarray(pos), np.asarray(y))
    (x_neg, x_pos), (ildj_neg, ildj_pos) = b.inverse_and_log_det(y, event_ndims=1)
    assert ildj_neg.shape == ildj_pos.shape == (2,)
    np.testing.assert_array_equal(np.asarray(ildj_neg), 0.0)
    ildj = b.inverse_log_det_jacobian(y)
    assert isinstance(ildj, tuple) and ildj[0].shape == (2, 2)
    # |X| for X ~ N(0, 1) is half-normal: the density sums over the two branches.
    v = jnp.asarray([0.3, 1.7])
    density = sum(jnp.exp(jax.scipy.stats.norm.logpdf(xb) + lj)
                  for xb, lj in zip(*b.inverse_and_log_det(v), strict=True))
    np.testing.assert_allclose(np.asarray(density), scipy.stats.halfnorm.pdf(np.asarray(v)),
                               rtol=1e-12)
    with pytest.raises(UnsupportedError, match="non-injective"):
        b.forward_log_det_jacobian(1.0)
    with pytest.raises(ParameterError, match="y must be non-negative"):
        pfb.AbsoluteValue(validate_args=True).inverse(jnp.asarray([1.0, -2.0]))


class _LeftToRight(pfb.Composition):
    """A composition that applies its members first to last (the reverse of Chain)."""

    def _walk_forward(self, step_fn, state):
        for b in self.bijectors:
            state = step_fn(b, state)
        return state

    def _walk_inverse(self, step_fn, state):
        for b in reversed(self.bijectors):
            state = step_fn(b, state)
        return state


@pytest.mark.parametrize("members,event_shape", [
    ([pfb.Exp(), pfb.Shift(1.0)], ()),
    ([pfb.Reshape([2, 3], [6]), pfb.Exp()], (6,)),
    ([pfb.CholeskyOuterProduct(), pfb.FillScaleTriL()], (6,)),
    ([pfb.SoftmaxCentered(), pfb.Exp()], (2,)),
    ([], ()),
], ids=["scalar", "reshape", "pd", "softmax", "empty"])
def test_composition_walks_like_chain(members, event_shape):
    comp, chain = pfb.Composition(members), pfb.Chain(members)
    assert comp.forward_min_event_ndims == chain.forward_min_event_ndims
    assert comp.inverse_min_event_ndims == chain.inverse_min_event_ndims
    assert comp.is_constant_jacobian == chain.is_constant_jacobian
    x = 0.3 * jax.random.normal(jax.random.key(0), (2,) + event_shape, dtype=jnp.float64)
    nd = len(event_shape) + 1

    @jax.jit
    def run(v):
        y, ldj = comp.forward_and_log_det(v, nd)
        return y, ldj, chain.forward_and_log_det(v, nd), comp.inverse_and_log_det(
            y, comp.forward_event_ndims(nd))

    y, ldj, (y_chain, ldj_chain), (x_back, ildj) = run(x)
    np.testing.assert_allclose(np.asarray(y), np.asarray(y_chain), rtol=1e-14)
    np.testing.assert_allclose(np.asarray(ldj), np.asarray(ldj_chain), rtol=1e-14)
    np.testing.assert_allclose(np.asarray(x_back), np.asarray(x), rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(np.asarray(ildj), -np.asarray(ldj), rtol=1e-10, atol=1e-12)
    assert comp.forward_event_shape(event_shape) == chain.forward_event_shape(event_shape)


def test_composition_subclass_only_says_how_to_walk():
    b = _LeftToRight([pfb.Shift(1.0), pfb.Exp(), pfb.Scale(2.0)])  # 2 exp(x + 1)
    x = jnp.asarray([0.0, 0.5])
    y, ldj = b.forward_and_log_det(x)
    np.testing.assert_allclose(np.asarray(y), 2.0 * np.exp(np.asarray(x) + 1.0), rtol=1e-14)
    np.testing.assert_allclose(np.asarray(ldj), np.log(2.0) + np.asarray(x) + 1.0, rtol=1e-14)
    np.testing.assert_allclose(np.asarray(b.inverse(y)), np.asarray(x), atol=1e-14)
    # Ranks are walked in the subclass's order too: softmax applied last needs vectors.
    c = _LeftToRight([pfb.Exp(), pfb.SoftmaxCentered()])
    assert (c.forward_min_event_ndims, c.inverse_min_event_ndims) == (1, 1)
    assert c.forward_event_shape((3,)) == (4,)
    assert c._is_increasing() is None
    assert _LeftToRight([pfb.Exp(), pfb.Reciprocal()])._is_increasing() is False
    with pytest.raises(TypeError, match="every member must be a Bijector"):
        pfb.Composition([pfb.Exp(), "exp"])


def test_inline_derives_log_dets_and_checks_arguments():
    def forward_ldj(x):
        return x

    both = [
        pfb.Inline(jnp.exp, jnp.log, forward_log_det_jacobian_fn=forward_ldj,
                   forward_min_event_ndims=0),
        pfb.Inline(jnp.exp, jnp.log, inverse_log_det_jacobian_fn=lambda y: -jnp.log(y),
                   inverse_min_event_ndims=0),
    ]
    x = jnp.asarray([[-0.5, 1.0], [0.2, 2.0]])
    for b in both:
        y, ldj = b.forward_and_log_det(x, event_ndims=1)
        np.testing.assert_allclose(np.asarray(ldj), np.sum(np.asarray(x), axis=-1), rtol=1e-14)
        x_back, ildj = b.inverse_and_log_det(y)
        np.testing.assert_allclose(np.asarray(x_back), np.asarray(x), rtol=1e-14)
        np.testing.assert_allclose(np.asarray(ildj), -np.asarray(x), rtol=1e-14)
    # Static configuration: the same functions never retrace, new parameters do not exist.
    traces = []

    @jax.jit
    def run(b, v):
        traces.append(1)
        return b.forward(v)

    run(both[0], x)
    run(jax.tree_util.tree_map(lambda p: p, both[0]), x)
    assert len(traces) == 1
    # Event shapes and monotonicity.
    pad = pfb.Inline(lambda v: jnp.concatenate([v, jnp.zeros(v.shape[:-1] + (1,))], -1),
                     lambda v: v[..., :-1],
                     forward_log_det_jacobian_fn=lambda v: jnp.zeros(v.shape[:-1]),
                     forward_event_shape_fn=lambda s: s[:-1] + (s[-1] + 1,),
                     inverse_event_shape_fn=lambda s: s[:-1] + (s[-1] - 1,),
                     forward_min_event_ndims=1, is_constant_jacobian=True,
                     is_increasing=lambda: True)
    assert pad.forward_event_shape((3,)) == (4,) and pad.inverse_event_shape((4,)) == (3,)
    assert pad.is_constant_jacobian and pad._is_increasing() is True
    # Missing pieces and bad arguments.
    no_ldj = pfb.Inline(jnp.exp, jnp.log, forward_min_event_ndims=0)
    with pytest.raises(UnsupportedError, match="log_det_jacobian_fn"):
        no_ldj.forward_log_det_jacobian(1.0)
    with pytest.raises(UnsupportedError, match="without inverse_fn"):
        pfb.Inline(jnp.exp, forward_min_event_ndims=0).inverse(1.0)
    with pytest.raises(ValueError, match="forward_min_event_ndims or inverse_min_event_ndims"):
        pfb.Inline(jnp.exp, jnp.log)
    with pytest.raises(TypeError, match="inverse_fn must be callable"):
        pfb.Inline(jnp.exp, 3.0, forward_min_event_ndims=0)
    with pytest.raises(ValueError, match="forward_min_event_ndims must be a non-negative int"):
        pfb.Inline(jnp.exp, jnp.log, forward_min_event_ndims=-1)


@pytest.mark.parametrize("make,match", [
    (lambda: pfb.GompertzCDF(1.0, -2.0), "GompertzCDF: rate must be positive, got -2"),
    (lambda: pfb.ShiftedGompertzCDF(0.0, 1.0), "concentration must be positive"),
    (lambda: pfb.FrechetCDF(scale=-1.0), "FrechetCDF: scale must be positive"),
    (lambda: pfb.RayleighCDF(0.0), "RayleighCDF: scale must be positive"),
    (lambda: pfb.MoyalCDF(scale=-3.0), "MoyalCDF: scale must be positive"),
    (lambda: pfb.GeneralizedExtremeValueCDF(scale=0.0), "scale must be positive"),
    (lambda: pfb.GeneralizedPareto(0.0, -1.0, 0.5), "GeneralizedPareto: scale must be"),
    (lambda: pfb.LambertWTail(0.0, 1.0, -0.5), "tailweight must be non-negative"),
    (lambda: pfb.Softfloor(-1.0), "Softfloor: temperature must be positive"),
    (lambda: pfb.Householder(np.zeros(3)), "reflection_axis must be a non-zero vector"),
])
def test_bad_parameters_are_named(make, match):
    with pytest.raises(ParameterError, match=match):
        make()


def test_bad_configuration_errors():
    with pytest.raises(ValueError, match="PowerTransform: power must be a finite non-negative"):
        pfb.PowerTransform(-0.5)
    with pytest.raises(TypeError, match="PowerTransform: power must be a concrete"):
        jax.jit(lambda c: pfb.PowerTransform(c).forward(1.0))(0.5)
    with pytest.raises(ShapeError, match="reflection_axis must be a vector"):
        pfb.Householder(1.0)
    with pytest.raises(ShapeError, match=r"square matrices, got shape \(2, 3\)"):
        pfb.MatrixInverseTriL().forward(jnp.ones((2, 3)))
    with pytest.raises(ShapeError, match="UnitVector"):
        pfb.UnitVector().inverse_event_shape((1,))


@pytest.mark.parametrize("call,match", [
    (lambda: pfb.MatrixInverseTriL(validate_args=True).forward(
        jnp.asarray([[1.0, 2.0], [0.0, 1.0]])), "x must be lower triangular"),
    (lambda: pfb.CholeskyToInvCholesky(validate_args=True).forward(
        jnp.asarray([[-1.0, 0.0], [1.0, 1.0]])), "with a positive diagonal"),
    (lambda: pfb.UnitVector(validate_args=True).inverse(jnp.asarray([0.5, 0.5, 0.5])),
     "y must be unit vectors"),
    (lambda: pfb.UnitVector(validate_args=True).inverse(jnp.asarray([0.0, 0.0, 1.0])),
     "away from the north pole"),
], ids=["tril", "cholesky", "unit", "pole"])
def test_validate_args_checks_inputs(call, match):
    with pytest.raises(ParameterError, match=match):
        call()


def test_flow_bijectors_exported_and_catalogue_size():
    assert pfb.RealNVP is flows.RealNVP
    assert pfb.MaskedAutoregressiveFlow is flows.MaskedAutoregressiveFlow
    assert pfb.RationalQuadraticSpline is flows.RationalQuadraticSpline
    classes = {name for name in dir(pfb) if isinstance(getattr(pfb, name), type)
               and issubclass(getattr(pfb, name), pfb.Bijector)
               and getattr(pfb, name) is not pfb.Bijector}
    assert len(classes) >= 65, sorted(classes)
