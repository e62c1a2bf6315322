"""Default event-space bijectors.

1. Every constraint type maps to its bijector (``event_space.biject_to``), which sends
   random reals into the constraint's set; discrete constraints raise a clear error.
2. For every distribution class in ``probflow.distributions``, one or more example
   instances (``EXAMPLES`` below; a test fails when a class has none): the default
   event-space bijector maps random reals (of the unconstrained shape) into the
   support, with finite ``log_prob`` there and an inverse that round-trips; discrete
   distributions raise ``UnsupportedError``.
3. For scalar continuous examples, ``TransformedDistribution(Normal(0, 1), bijector)``
   integrates to one over the image interval (scipy quadrature): the bijector's
   log-determinant is consistent with its map.
"""

from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np
import pytest
from scipy.integrate import quad

import probflow.bijectors as pfb
import probflow.distributions as pfd
from probflow import psd_kernels
from probflow.core.errors import UnsupportedError
from probflow.distributions import constraints as c
from probflow.distributions.event_space import biject_to

# -- 1. constraints -----------------------------------------------------------------------------

CONSTRAINTS = [  # constraint, expected bijector type, event shape of the constrained value
    (c.real, pfb.Identity, ()),
    (c.real_vector, pfb.Identity, (3,)),
    (c.real_matrix, pfb.Identity, (2, 3)),
    (c.positive, pfb.Chain, ()),
    (c.nonnegative, pfb.Chain, ()),
    (c.GreaterThan(np.array([-2.0, 0.5, 10.0])), pfb.Chain, ()),
    (c.LessThan(np.array([-2.0, 0.5, 10.0])), pfb.Chain, ()),
    (c.unit_interval, pfb.Sigmoid, ()),
    (c.circular, pfb.Sigmoid, ()),
    (c.Interval(np.array([0.0, -1.0, 4.0]), np.array([0.5, 1.0, 4.001])), pfb.Sigmoid, ()),
    (c.ExtendedInterval(np.array([0.0, -np.inf, 1.0, -np.inf]),
                        np.array([2.0, 1.0, np.inf, np.inf])), pfb.ExtendedInterval, ()),
    (c.simplex, pfb.IteratedSigmoidCentered, (4,)),
    (c.ordered, pfb.Ascending, (4,)),
    (c.positive_ordered, pfb.Chain, (4,)),
    (c.lower_cholesky, pfb.FillScaleTriL, (3, 3)),
    (c.correlation_cholesky, pfb.CorrelationCholesky, (3, 3)),
    (c.positive_definite, pfb.Chain, (3, 3)),
    (c.independent(c.positive, 2), pfb.Chain, (2, 3)),
    (c.independent(c.simplex, 1), pfb.IteratedSigmoidCentered, (2, 3)),
]


@pytest.mark.compile_bound
@pytest.mark.parametrize("constraint,kind,event_shape", CONSTRAINTS,
                         ids=[repr(x[0])[:40] for x in CONSTRAINTS])
def test_constraint_bijector_maps_reals_into_the_set(constraint, kind, event_shape):
    b = biject_to(constraint)
    assert isinstance(b, kind)
    free_shape = tuple(b.inverse_event_shape(event_shape))
    x = 3.0 * jax.random.normal(jax.random.key(0), (5,) + _batch(constraint) + free_shape,
                                dtype=jnp.float64)
    y = b.forward(x)
    assert y.shape == (5,) + _batch(constraint) + tuple(event_shape)
    assert np.all(np.asarray(constraint.check(y))), (constraint, y)
    np.testing.assert_allclose(np.asarray(b.inverse(y)), np.asarray(x), rtol=1e-6, atol=1e-6)


def _batch(constraint):
    """Batch shape implied by array-valued bounds (the shape of the bound)."""
    for name in ("lower", "upper", "low"):
        bound = getattr(constraint, name, None)
        if bound is not None:
            return tuple(np.shape(bound))
    return ()


def test_positive_is_softplus_and_positive_ordered_has_positive_increments():
    b = biject_to(c.positive)
    np.testing.assert_allclose(float(b.forward(0.0)), np.log(2.0), rtol=1e-12)
    b = biject_to(c.positive_ordered)
    y = b.forward(jnp.asarray([-30.0, -30.0, 5.0, -30.0]))
    assert np.all(np.asarray(y) > 0) and np.all(np.diff(np.asarray(y)) > 0)
    # Single-exponential growth: large inputs stay finite.
    assert np.all(np.isfinite(np.asarray(b.forward(jnp.full(50, 20.0)))))


def test_interval_bounds_may_be_traced():
    @jax.jit
    def f(low, high, x):
        return biject_to(c.Interval(low, high)).forward(x)

    y = f(jnp.asarray(2.0), jnp.asarray(3.0), jnp.asarray([-50.0, 0.0, 50.0]))
    assert np.all((np.asarray(y) >= 2.0) & (np.asarray(y) <= 3.0))


@pytest.mark.parametrize("constraint", [c.boolean, c.nonnegative_integer,
                                        c.positive_integer, c.IntegerInterval(0, 5)])
def test_discrete_constraints_suggest_marginalisation(constraint):
    with pytest.raises(UnsupportedError, match="Marginalise the discrete variable"):
        biject_to(constraint)


def test_sphere_and_unregistered_constraints_raise():
    with pytest.raises(UnsupportedError, match="normalise"):
        biject_to(c.Sphere())

    class Odd(c.Constraint):
        pass

    with pytest.raises(UnsupportedError, match="register_bijector"):
        biject_to(Odd())


# -- 2. every distribution class ----------------------------------------------------------------

_A = np.array([0.5, 2.0, 7.0])
_LOC = np.array([-1.0, 0.0, 3.0])
_TRIL = np.array([[1.0, 0.0, 0.0], [0.5, 2.0, 0.0], [-0.3, 0.2, 0.7]])


def _examples():
    """name -> list of factories; each factory gets the module ``pfd``. Signatures are TFP's."""
    return {
        "Normal": [lambda d: d.Normal(_LOC, 2.0)],
        "HalfNormal": [lambda d: d.HalfNormal(_A), lambda d: d.HalfNormal(1.5)],
        "LogNormal": [lambda d: d.LogNormal(_LOC, 0.5), lambda d: d.LogNormal(0.0, 1.0)],
        "Uniform": [lambda d: d.Uniform(np.array([-1.0, 0.0, 10.0]), np.array([1.0, 0.1, 12.0])),
                    lambda d: d.Uniform(2.0, 5.0)],
        "Beta": [lambda d: d.Beta(_A, 1.5), lambda d: d.Beta(2.0, 3.0)],
        "Gamma": [lambda d: d.Gamma(_A, 2.0), lambda d: d.Gamma(0.7, 1.0)],
        "InverseGamma": [lambda d: d.InverseGamma(_A, 2.0), lambda d: d.InverseGamma(3.0, 1.0)],
        "Exponential": [lambda d: d.Exponential(_A), lambda d: d.Exponential(1.5)],
        "Chi": [lambda d: d.Chi(_A), lambda d: d.Chi(3.0)],
        "Chi2": [lambda d: d.Chi2(_A), lambda d: d.Chi2(4.0)],
        "StudentT": [lambda d: d.StudentT(_A, _LOC, 1.0), lambda d: d.StudentT(3.0, 0.0, 1.0)],
        "HalfStudentT": [lambda d: d.HalfStudentT(3.0, 1.0, _A),
                         lambda d: d.HalfStudentT(3.0, 1.0, 2.0)],
        "Cauchy": [lambda d: d.Cauchy(_LOC, 1.0)],
        "HalfCauchy": [lambda d: d.HalfCauchy(_LOC, 1.0), lambda d: d.HalfCauchy(0.5, 2.0)],
        "Laplace": [lambda d: d.Laplace(_LOC, 1.0), lambda d: d.Laplace(0.0, 2.0)],
        "Logistic": [lambda d: d.Logistic(_LOC, 1.0), lambda d: d.Logistic(0.0, 2.0)],
        "Gumbel": [lambda d: d.Gumbel(_LOC, 1.0), lambda d: d.Gumbel(0.0, 2.0)],
        "RelaxedBernoulli": [lambda d: d.RelaxedBernoulli(0.5, probs=np.array([0.2, 0.5, 0.9])),
                             lambda d: d.RelaxedBernoulli(2.0, logits=0.3)],
        "RelaxedOneHotCategorical": [
            lambda d: d.RelaxedOneHotCategorical(0.7, logits=np.zeros((2, 4)))],
        "Flat": [lambda d: d.Flat((3,))],
        "HalfFlat": [lambda d: d.HalfFlat((3,))],
        "ImproperUniform": [lambda d: d.ImproperUniform(c.ordered, event_shape=(3,)),
                            lambda d: d.ImproperUniform(c.positive, batch_shape=(2,))],
        "TransformedDistribution": [
            lambda d: d.TransformedDistribution(d.Normal(0.0, 1.0), pfb.Exp()),
            lambda d: d.TransformedDistribution(d.Normal(_LOC, 1.0), pfb.Sigmoid(-1.0, 4.0))],
        # Discrete: no bijection, UnsupportedError.
        "Bernoulli": [lambda d: d.Bernoulli(probs=0.3)],
        "Binomial": [lambda d: d.Binomial(10.0, probs=0.3)],
        "BetaBinomial": [lambda d: d.BetaBinomial(10.0, 2.0, 3.0)],
        "Categorical": [lambda d: d.Categorical(logits=np.zeros(3))],
        "OneHotCategorical": [lambda d: d.OneHotCategorical(logits=np.zeros(3))],
        "Geometric": [lambda d: d.Geometric(probs=0.3)],
        "NegativeBinomial": [lambda d: d.NegativeBinomial(5.0, probs=0.3)],
        "ZeroInflatedNegativeBinomial": [
            lambda d: d.ZeroInflatedNegativeBinomial(5.0, probs=0.3, gate=0.2)],
        "Poisson": [lambda d: d.Poisson(3.0)],
        "ZeroInflatedPoisson": [lambda d: d.ZeroInflatedPoisson(3.0, gate=0.2)],
        "Zipf": [lambda d: d.Zipf(2.5)],
        "OrderedLogistic": [lambda d: d.OrderedLogistic(np.array([-1.0, 1.0]), 0.0)],
        # Written by other groups; TFP's signatures.
        "Dirichlet": [lambda d: d.Dirichlet(np.array([[0.5, 1.0, 2.0], [3.0, 3.0, 3.0]]))],
        "Kumaraswamy": [lambda d: d.Kumaraswamy(_A, 2.0), lambda d: d.Kumaraswamy(0.5, 0.5)],
        "Weibull": [lambda d: d.Weibull(_A, 2.0), lambda d: d.Weibull(1.5, 1.0)],
        "Pareto": [lambda d: d.Pareto(_A, 2.0), lambda d: d.Pareto(3.0, 1.0)],
        "Triangular": [lambda d: d.Triangular(0.0, 2.0, 0.5)],
        "TruncatedNormal": [lambda d: d.TruncatedNormal(0.0, 1.0, -1.0, 2.0)],
        "TwoPieceNormal": [lambda d: d.TwoPieceNormal(0.0, 1.0, 2.0)],
        "VonMises": [lambda d: d.VonMises(0.5, 2.0)],
        "Moyal": [lambda d: d.Moyal(0.0, 1.0)],
        "LogLogistic": [lambda d: d.LogLogistic(0.0, 1.0)],
        "LogitNormal": [lambda d: d.LogitNormal(0.0, 1.0)],
        "InverseGaussian": [lambda d: d.InverseGaussian(1.0, 2.0)],
        "JohnsonSU": [lambda d: d.JohnsonSU(0.5, 2.0, 0.0, 1.0)],
        "GeneralizedNormal": [lambda d: d.GeneralizedNormal(0.0, 1.0, 1.5)],
        "GeneralizedPareto": [lambda d: d.GeneralizedPareto(0.0, 1.0, 0.3),
                              lambda d: d.GeneralizedPareto(0.0, 1.0, -0.25)],
        "GeneralizedExtremeValue": [lambda d: d.GeneralizedExtremeValue(0.0, 1.0, 0.3),
                                    lambda d: d.GeneralizedExtremeValue(0.0, 1.0, -0.3)],
        "ExponentiallyModifiedGaussian": [
            lambda d: d.ExponentiallyModifiedGaussian(0.0, 1.0, 2.0)],
        "Deterministic": [lambda d: d.Deterministic(1.0)],
        "Empirical": [lambda d: d.Empirical(np.array([0.0, 1.0, 2.5]))],
        "MultivariateNormalDiag": [lambda d: d.MultivariateNormalDiag(_LOC, _A)],
        "MultivariateNormalTriL": [lambda d: d.MultivariateNormalTriL(_LOC, _TRIL)],
        "MultivariateNormalFullCovariance": [
            lambda d: d.MultivariateNormalFullCovariance(_LOC, _TRIL @ _TRIL.T)],
        "MultivariateStudentT": [lambda d: d.MultivariateStudentT(4.0, _LOC, _TRIL)],
        "MultivariateNormalDiagPlusLowRank": [
            lambda d: d.MultivariateNormalDiagPlusLowRank(_LOC, _A, np.ones((3, 1)))],
        "VectorDeterministic": [lambda d: d.VectorDeterministic(_LOC)],
        "Multinomial": [lambda d: d.Multinomial(5.0, probs=np.array([0.2, 0.3, 0.5]))],
        "DirichletMultinomial": [lambda d: d.DirichletMultinomial(5.0, np.array([1.0, 2.0]))],
        "LKJ": [lambda d: d.LKJ(3, 2.0)],
        "CholeskyLKJ": [lambda d: d.CholeskyLKJ(3, 2.0)],
        "WishartTriL": [lambda d: d.WishartTriL(5.0, _TRIL)],
        "Independent": [lambda d: d.Independent(d.Normal(np.zeros((2, 3)), 1.0), 1),
                        lambda d: d.Independent(d.Gamma(np.ones((2, 3)), 1.0), 2)],
        "Sample": [lambda d: d.Sample(d.Beta(2.0, 3.0), (3,))],
        "Masked": [lambda d: d.Masked(d.Normal(_LOC, 1.0), np.array([True, False, True]))],
        "MixtureSameFamily": [
            lambda d: d.MixtureSameFamily(d.Categorical(logits=np.zeros(2)),
                                          d.Normal(np.array([-1.0, 1.0]), 1.0))],
        "Mixture": [lambda d: d.Mixture(d.Categorical(probs=np.array([0.3, 0.7])),
                                        [d.Normal(0.0, 1.0), d.Normal(2.0, 0.5)])],
        # Time series (tests/distributions/test_hmm.py, test_state_space.py).
        "HiddenMarkovModel": [
            lambda d: d.HiddenMarkovModel(
                d.Categorical(probs=np.array([0.3, 0.7])),
                d.Categorical(probs=np.array([[0.9, 0.1], [0.2, 0.8]])),
                d.Normal(np.array([-1.0, 1.0]), 1.0), 3),
            lambda d: d.HiddenMarkovModel(
                d.Categorical(probs=np.array([0.3, 0.7])),
                d.Categorical(probs=np.array([[0.9, 0.1], [0.2, 0.8]])),
                d.Poisson(np.array([1.0, 5.0])), 3)],
        "MarkovChain": [lambda d: d.MarkovChain(d.Normal(_LOC, 1.0),
                                                lambda t, x: d.Normal(0.5 * x, 1.0), 4)],
        "LinearGaussianStateSpaceModel": [
            lambda d: d.LinearGaussianStateSpaceModel(
                3, 0.9 * np.eye(2), d.MultivariateNormalDiag(scale_diag=np.ones(2)),
                np.ones((1, 2)), d.MultivariateNormalDiag(scale_diag=np.ones(1)),
                d.MultivariateNormalDiag(scale_diag=np.ones(2)))],
        "GaussianRandomWalk": [lambda d: d.GaussianRandomWalk(_A, 4)],
        "Autoregressive": [lambda d: d.Autoregressive(
            lambda x: d.Independent(d.Normal(0.5 * np.concatenate(
                [np.zeros_like(x[..., :1]), x[..., :-1]], axis=-1), 1.0), 1), np.zeros(3))],
        # Gaussian processes (tests/distributions/test_gaussian_process.py).
        "GaussianProcess": [lambda d: d.GaussianProcess(
            psd_kernels.ExponentiatedQuadratic(1.0, 0.7), np.linspace(0.0, 1.0, 3)[:, None],
            observation_noise_variance=0.1)],
        "GaussianProcessRegressionModel": [lambda d: d.GaussianProcessRegressionModel(
            psd_kernels.MaternFiveHalves(1.0, 0.5), np.linspace(0.0, 1.0, 3)[:, None],
            observation_index_points=np.array([[0.2], [0.8]]),
            observations=np.array([0.5, -0.3]), observation_noise_variance=0.05)],
        "StudentTProcess": [lambda d: d.StudentTProcess(
            5.0, psd_kernels.ExponentiatedQuadratic(1.0, 0.7),
            np.linspace(0.0, 1.0, 3)[:, None], observation_noise_variance=0.1)],
    }


def _from_conformance_rows(examples):
    """Classes without a hand-written example take the instances of their conformance rows
    (``cases_*.py``), so every new family is checked here as soon as it has a row."""
    from tests.distributions.test_conformance import CASES

    extra: dict = {}
    for case in CASES:
        name = type(case.make()).__name__
        if name not in examples:
            extra.setdefault(name, []).append(lambda d, make=case.make: make())
    return {**examples, **{name: makes[:2] for name, makes in extra.items()}}


EXAMPLES = _from_conformance_rows({
    **_examples(),
    "HurdleDistribution": [lambda d: d.HurdleDistribution(d.Poisson(np.array([0.5, 3.0])),
                                                          gate=0.3)],
    "SphericalUniform": [lambda d: d.SphericalUniform(dimension=3, batch_shape=(2,))],
})
# Distributions whose support no bijection from the reals reaches (the unit sphere), and
# interval-censored data (its values are intervals, observed only).
NO_BIJECTION: set[str] = {"SphericalUniform", "VonMisesFisher", "PowerSpherical",
                          "ProjectedNormal", "IntervalCensoredDistribution"}
# Point masses: a bijection onto the declared support exists, but the density is -inf
# almost everywhere there, so only membership and the round trip are checked.
POINT_MASS = {"Deterministic", "VectorDeterministic", "Empirical", "VectorEmpirical"}


def _distribution_classes():
    return {
        name: obj for name in dir(pfd)
        if isinstance(obj := getattr(pfd, name), type) and issubclass(obj, pfd.Distribution)
        and obj is not pfd.Distribution
    }


def test_every_distribution_class_has_an_example():
    missing = [name for name in _distribution_classes() if not EXAMPLES.get(name)
               and name not in NO_BIJECTION]
    assert not missing, (
        f"add example instances to EXAMPLES in tests/distributions/test_event_space.py for "
        f"{sorted(missing)}")


INSTANCE_PARAMS = [
    pytest.param(name, i, id=f"{name}-{i}")
    for name, factories in sorted(EXAMPLES.items()) for i in range(len(factories))
]


def _instance(name, i):
    return EXAMPLES[name][i](pfd)


@pytest.mark.compile_bound
@pytest.mark.parametrize("name,i", INSTANCE_PARAMS)
def test_default_event_space_bijector_maps_into_the_support(name, i):
    d = _instance(name, i)
    if d.support.is_discrete or name in NO_BIJECTION:
        with pytest.raises(UnsupportedError):
            d.default_event_space_bijector()
        return
    b = d.default_event_space_bijector()
    free_event = tuple(b.inverse_event_shape(tuple(d.event_shape)))
    x = 2.0 * jax.random.normal(jax.random.key(0), (4,) + tuple(d.batch_shape) + free_event,
                                dtype=jnp.float64)
    y = b.forward(x)
    assert y.shape == (4,) + tuple(d.batch_shape) + tuple(d.event_shape)
    assert np.all(np.asarray(d.support.check(y))), f"{name}: values outside {d.support}"
    if name not in POINT_MASS:
        lp = np.asarray(d.log_prob(y))
        assert np.all(np.isfinite(lp)), f"{name}: log_prob not finite at {y}: {lp}"
    nd = len(d.event_shape)
    x_back, ildj = b.inverse_and_log_det(y, nd)
    np.testing.assert_allclose(np.asarray(x_back), np.asarray(x), rtol=1e-5, atol=1e-6)
    assert np.all(np.isfinite(np.asarray(ildj)))


def _interval(support):
    """``(low, high)`` of a scalar support, or None for other constraints."""
    if isinstance(support, c.Real):
        return -np.inf, np.inf
    if isinstance(support, c.GreaterThan):
        return float(support.lower), np.inf
    if isinstance(support, c.LessThan):
        return -np.inf, float(support.upper)
    if isinstance(support, c.Interval):
        return float(support.low), float(support.high)
    return None


def _quadrature_applies(name, i):
    """Scalar continuous examples with a scalar batch and an interval support."""
    d = _instance(name, i)
    return not (d.support.is_discrete or name in NO_BIJECTION | POINT_MASS or d.event_shape != ()
                or d.batch_shape != () or _interval(d.support) is None)


SCALAR_PARAMS = [p for p in INSTANCE_PARAMS if _quadrature_applies(*p.values)]


@pytest.mark.parametrize("name,i", SCALAR_PARAMS)
def test_pushforward_of_a_normal_integrates_to_one(name, i):
    d = _instance(name, i)
    b = d.default_event_space_bijector()
    pushed = pfd.TransformedDistribution(pfd.Normal(0.0, 1.0), b)
    prob = jax.jit(pushed.prob)
    low, high = _interval(d.support)
    total, _ = quad(lambda y: float(prob(y)), low, high, limit=200)
    np.testing.assert_allclose(total, 1.0, atol=1e-6)
