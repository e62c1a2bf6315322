"""TransformedDistribution beyond the conformance table: supports and out-of-support
values, vector events, shapes when the bijector extends the batch, gradients through
nested parameters, and error messages."""

from __future__ import annotations

import math
from typing import ClassVar

import jax
import jax.numpy as jnp
import numpy as np
import pytest
import scipy.stats as st

import probflow.bijectors as pfb
import probflow.distributions as pfd
from probflow.core.errors import ShapeError, UnsupportedError
from probflow.distributions import constraints


class IIDNormal(pfd.Distribution):
    """Test helper: independent standard-deviation-one normals as one vector event."""

    loc: jax.Array
    param_event_ndims: ClassVar[dict[str, int]] = {"loc": 1}
    reparameterized = True

    @property
    def event_shape(self):
        return tuple(self.loc.shape[-1:])

    @property
    def support(self):
        return constraints.real_vector

    def _sample(self, key, sample_shape):
        shape = sample_shape + self.batch_shape + self.event_shape
        return self.loc + jax.random.normal(key, shape, self.loc.dtype)

    def _log_prob(self, value):
        return jnp.sum(-0.5 * (value - self.loc) ** 2 - 0.5 * math.log(2 * math.pi), axis=-1)

    def _mean(self):
        return self.loc

    def _entropy(self):
        k = self.loc.shape[-1]
        return jnp.full(self.batch_shape, k * (0.5 + 0.5 * math.log(2 * math.pi)))


def test_log_prob_outside_the_support_is_minus_inf_with_finite_gradients():
    normal = pfd.Normal(0.0, 1.0)
    cases = [  # bijector, values, which values are strictly inside the image
        (pfb.Exp(), [-1.0, 0.0, 0.5], [False, False, True]),
        (pfb.Sigmoid(2.0, 5.0), [1.0, 2.0, 5.0, 6.0, 3.0], [False, False, False, False, True]),
        (pfb.Tanh(), [-1.0, 1.0, 2.0, 0.2], [False, False, False, True]),
        (pfb.Chain([pfb.Shift(3.0), pfb.Softplus()]), [2.0, 3.0, 4.0], [False, False, True]),
        (pfb.Chain([pfb.Exp(), pfb.Scale(-1.0)]), [-2.0, 0.0, 0.3], [False, False, True]),
    ]
    for bijector, values, inside in cases:
        d = pfd.TransformedDistribution(normal, bijector)
        values = jnp.asarray(values)
        inside = np.asarray(inside)
        lp = np.asarray(d.log_prob(values))
        assert not np.any(np.isnan(lp)), (bijector, lp)
        assert np.all(lp[~inside] == -np.inf), (bijector, lp)
        assert np.all(np.isfinite(lp[inside])), (bijector, lp)
        grad = np.asarray(jax.grad(lambda v, d=d, m=inside: jnp.sum(
            jnp.where(m, d.log_prob(v), 0.0)))(values))
        assert np.all(np.isfinite(grad)), (bijector, grad)
        assert np.all(grad[~inside] == 0.0)


def test_log_prob_matches_lognormal_and_gradients_match_finite_differences():
    def log_prob(loc, scale, shift):
        d = pfd.TransformedDistribution(pfd.Normal(loc, scale),
                                        pfb.Chain([pfb.Shift(shift), pfb.Exp()]))
        return jnp.sum(d.log_prob(jnp.asarray([0.5, 2.0, 7.0])))

    params = (0.3, 0.8, 0.2)
    want = np.sum(st.lognorm(s=0.8, scale=np.exp(0.3), loc=0.2).logpdf([0.5, 2.0, 7.0]))
    np.testing.assert_allclose(float(log_prob(*params)), want, rtol=1e-12)
    grads = jax.grad(log_prob, argnums=(0, 1, 2))(*params)
    eps = 1e-6
    for i, g in enumerate(grads):
        up = list(params)
        down = list(params)
        up[i] += eps
        down[i] -= eps
        fd = (float(log_prob(*up)) - float(log_prob(*down))) / (2 * eps)
        np.testing.assert_allclose(float(g), fd, rtol=1e-6)


def test_reparameterized_samples_differentiate_through_the_bijector():
    key = jax.random.key(3)

    def mean_sample(loc, shift):
        d = pfd.TransformedDistribution(pfd.Normal(loc, 1.0), pfb.Chain([pfb.Shift(shift),
                                                                         pfb.Exp()]))
        return jnp.mean(d.sample(key, (5,)))

    g_loc, g_shift = jax.grad(mean_sample, argnums=(0, 1))(0.1, 1.0)
    np.testing.assert_allclose(float(g_shift), 1.0, rtol=1e-12)
    x = pfd.Normal(0.1, 1.0).sample(key, (5,))
    np.testing.assert_allclose(float(g_loc), float(jnp.mean(jnp.exp(x))), rtol=1e-12)


def test_supports_follow_the_bijector():
    normal = pfd.Normal(0.0, 1.0)

    def support(bijector, base=normal):
        return pfd.TransformedDistribution(base, bijector).support

    assert isinstance(support(pfb.Exp()), constraints.GreaterThan)
    s = support(pfb.Sigmoid(2.0, 5.0))
    assert isinstance(s, constraints.Interval) and float(s.low) == 2.0 and float(s.high) == 5.0
    s = support(pfb.Chain([pfb.Shift(3.0), pfb.Softplus()]))
    assert isinstance(s, constraints.GreaterThan) and float(s.lower) == 3.0
    s = support(pfb.Scale(-2.0), base=pfd.HalfNormal(1.0))
    assert isinstance(s, constraints.LessThan) and float(s.upper) == 0.0
    assert isinstance(support(pfb.Sinh()), constraints.Real)
    assert isinstance(support(pfb.Reciprocal(), base=pfd.Gamma(2.0, 1.0)),
                      constraints.GreaterThan)
    assert isinstance(support(pfb.Invert(pfb.NormalCDF()), base=pfd.Uniform(0.0, 1.0)),
                      constraints.Real)
    # Unknown image: the reals (of the right event rank).
    assert isinstance(support(pfb.Power(3.0)), constraints.Real)
    # Vector events.
    base = IIDNormal(jnp.zeros(3))
    assert isinstance(support(pfb.SoftmaxCentered(), base), constraints.Simplex)
    assert isinstance(support(pfb.Ascending(), base), constraints.Ordered)
    assert isinstance(support(pfb.Chain([pfb.Exp(), pfb.Ascending()]), base),
                      constraints.PositiveOrdered)
    assert isinstance(support(pfb.Chain([pfb.Cumsum(), pfb.Exp()]), base),
                      constraints.PositiveOrdered)
    assert isinstance(support(pfb.FillScaleTriL(), IIDNormal(jnp.zeros(6))),
                      constraints.LowerCholesky)
    pd = support(pfb.Chain([pfb.CholeskyOuterProduct(), pfb.FillScaleTriL()]),
                 IIDNormal(jnp.zeros(6)))
    assert isinstance(pd, constraints.PositiveDefinite)
    s = support(pfb.Exp(), base)
    assert s.event_ndims == 1 and isinstance(s.base, constraints.GreaterThan)


def test_default_event_space_bijector_composes_with_the_base():
    d = pfd.TransformedDistribution(pfd.Gamma(2.0, 1.0), pfb.Reciprocal())
    b = d.default_event_space_bijector()
    y = b.forward(jnp.linspace(-5.0, 5.0, 7))
    assert np.all(np.asarray(d.support.check(y)))
    assert np.all(np.isfinite(np.asarray(d.log_prob(y))))


def test_vector_events_shapes_and_log_prob():
    base = IIDNormal(jnp.zeros((4, 2)))  # batch (4,), event (2,)
    d = pfd.TransformedDistribution(base, pfb.SoftmaxCentered())
    assert d.batch_shape == (4,) and d.event_shape == (3,)
    y, lp = d.sample_and_log_prob(jax.random.key(0), (5,))
    assert y.shape == (5, 4, 3) and lp.shape == (5, 4)
    np.testing.assert_allclose(np.asarray(lp), np.asarray(d.log_prob(y)), rtol=1e-10)
    assert np.all(np.asarray(d.support.check(y)))
    x = pfb.SoftmaxCentered().inverse(y)
    want = base.log_prob(x) - pfb.SoftmaxCentered().forward_log_det_jacobian(x)
    np.testing.assert_allclose(np.asarray(d.log_prob(y)), np.asarray(want), rtol=1e-12)
    with pytest.raises(UnsupportedError, match="scalar events"):
        d.cdf(y)
    with pytest.raises(UnsupportedError, match="no closed-form mean"):
        d.mean()


def test_affine_vector_moments():
    loc = jnp.asarray([1.0, -1.0])
    tril = jnp.asarray([[2.0, 0.0], [0.5, 3.0]])
    d = pfd.TransformedDistribution(IIDNormal(loc),
                                    pfb.Chain([pfb.Shift(jnp.asarray([0.5, 0.5])),
                                               pfb.ScaleMatvecTriL(tril)]))
    np.testing.assert_allclose(np.asarray(d.mean()), np.asarray(tril @ loc + 0.5), rtol=1e-12)
    want = 2 * (0.5 + 0.5 * math.log(2 * math.pi)) + math.log(6.0)
    np.testing.assert_allclose(float(d.entropy()), want, rtol=1e-12)
    with pytest.raises(UnsupportedError, match="variance"):
        d.variance()


def test_bijector_batch_draws_independent_base_samples():
    # The bijector's batch (2, 1) extends the base batch (3,): draws along the new
    # dimension must be independent, not copies lined up with the sample dimension.
    d = pfd.TransformedDistribution(pfd.Normal(jnp.zeros((1, 3)), 1.0),
                                    pfb.Scale(jnp.asarray([[1.0], [-2.0]])))
    assert d.batch_shape == (2, 3)
    y = np.asarray(d.sample(jax.random.key(0), (2000,)))
    assert y.shape == (2000, 2, 3)
    np.testing.assert_allclose(y.std(axis=0), [[1.0] * 3, [2.0] * 3], rtol=0.1)
    corr = np.corrcoef(y[:, 0, 0], y[:, 1, 0])[0, 1]
    assert abs(corr) < 0.1, corr
    y2, lp = d.sample_and_log_prob(jax.random.key(1), (3,))
    np.testing.assert_allclose(np.asarray(lp), np.asarray(d.log_prob(y2)), rtol=1e-12)


def test_parameter_dependent_bounds_under_jit_and_vmap():
    def log_prob(low, high, value):
        d = pfd.TransformedDistribution(pfd.Normal(0.0, 1.0), pfb.Sigmoid(low, high))
        return d.log_prob(value)

    lows = jnp.asarray([0.0, 1.0])
    highs = jnp.asarray([2.0, 5.0])
    out = jax.jit(jax.vmap(log_prob, in_axes=(0, 0, None)))(lows, highs, 1.5)
    assert np.all(np.isfinite(np.asarray(out)))
    out = jax.jit(log_prob)(jnp.asarray(0.0), jnp.asarray(1.0), jnp.asarray(1.5))
    assert float(out) == -np.inf


def test_construction_errors():
    with pytest.raises(ShapeError, match="Independent"):
        pfd.TransformedDistribution(pfd.Normal(jnp.zeros(3), 1.0), pfb.SoftmaxCentered())
    with pytest.raises(TypeError, match="must be a Bijector"):
        pfd.TransformedDistribution(pfd.Normal(0.0, 1.0), jnp.exp)
    with pytest.raises(TypeError, match="must be a Distribution"):
        pfd.TransformedDistribution(None, pfb.Exp())

    class Cube(pfb.Bijector):  # monotonicity not declared
        def _forward(self, x):
            return x**3

        def _inverse(self, y):
            return jnp.cbrt(y)

        def _forward_log_det_jacobian(self, x):
            return jnp.log(3.0 * x**2)

    d = pfd.TransformedDistribution(pfd.Normal(0.0, 1.0), Cube())
    with pytest.raises(UnsupportedError, match="not known to be monotone"):
        d.cdf(0.5)
    with pytest.raises(UnsupportedError, match="not known to be monotone"):
        d.quantile(0.5)
    np.testing.assert_allclose(float(d.log_prob(8.0)),
                               st.norm.logpdf(2.0) - np.log(12.0), rtol=1e-12)


def test_quadrature_normalisation_of_pushforwards():
    from scipy.integrate import quad

    cases = [
        (pfb.SinhArcsinh(0.5, 1.7), -np.inf, np.inf),
        (pfb.SoftClip(-1.0, 2.0, hinge_softness=0.4), -1.0, 2.0),
        (pfb.GumbelCDF(0.5, 2.0), 0.0, 1.0),
        # Beyond y ~ 350 the Weibull cdf rounds to 1 in float64 (the base's 7-sigma tail).
        (pfb.Chain([pfb.Invert(pfb.WeibullCDF(2.0, 0.7)), pfb.NormalCDF()]), 0.0, 300.0),
        (pfb.Chain([pfb.KumaraswamyCDF(0.5, 2.0), pfb.Sigmoid()]), 0.0, 1.0),
        (pfb.Chain([pfb.Reciprocal(), pfb.Exp()]), 0.0, np.inf),
    ]
    for bijector, lo, hi in cases:
        d = pfd.TransformedDistribution(pfd.Normal(0.3, 1.1), bijector)
        prob = jax.jit(d.prob)
        total, err = quad(lambda y, prob=prob: float(prob(y)), lo, hi, limit=200)
        np.testing.assert_allclose(total, 1.0, atol=1e-6, err_msg=repr(bijector))
