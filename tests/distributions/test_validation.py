"""validate_args: non-finite and subnormal parameters, and ParameterError from jitted code."""

from __future__ import annotations

import inspect

import jax
import jax.numpy as jnp
import numpy as np
import pytest

import probflow.distributions as pfd
from probflow.core.checks import checked
from probflow.core.errors import ParameterError
from probflow.core.pytree import Struct
from tests.distributions.test_conformance import CASES

NAN, INF = float("nan"), float("inf")


@pytest.mark.parametrize("make,message", [
    (lambda: pfd.Normal(NAN, 1.0, validate_args=True), "Normal: loc must be finite, got nan"),
    (lambda: pfd.Normal(0.0, INF, validate_args=True), "Normal: scale must be finite, got inf"),
    (lambda: pfd.MultivariateNormalDiag(jnp.asarray([NAN, 0.0]), jnp.ones(2), validate_args=True),
     "MultivariateNormalDiag: loc must be finite, got nan at index (0,)"),
    (lambda: pfd.MultivariateNormalTriL(jnp.zeros(2), jnp.asarray([[1.0, 0.0], [NAN, 1.0]]),
                                        validate_args=True),
     "MultivariateNormalTriL: scale_tril must be finite, got nan at index (1, 0)"),
    (lambda: pfd.Dirichlet(jnp.asarray([1.0, 2.0, INF]), validate_args=True),
     "Dirichlet: concentration must be finite, got inf at index (2,)"),
    (lambda: pfd.StudentT(INF, 0.0, 1.0, validate_args=True),
     "StudentT: df must be finite, got inf"),
    (lambda: pfd.Categorical(logits=jnp.asarray([0.0, INF]), validate_args=True),
     "Categorical: logits must be finite or -inf, got inf at index (1,)"),
    (lambda: pfd.TruncatedNormal(0.0, 1.0, INF, INF, validate_args=True),
     "TruncatedNormal: low must be finite or -inf, got inf"),
    (lambda: pfd.Binomial(INF, probs=0.5), "Binomial: total_count must be a non-negative integer"),
])
def test_non_finite_parameters_raise_naming_class_parameter_and_index(make, message):
    with pytest.raises(ParameterError) as info:
        make()
    assert str(info.value) == message or str(info.value).startswith(message)


def _rebuild_arguments(d):
    """Constructor arguments of ``d`` (parameters by field name), or None where they differ."""
    cls = type(d)
    signature = inspect.signature(cls.__init__).parameters
    params = {n: getattr(d, n) for n in cls._child_fields if getattr(d, n) is not None}
    if not all(n in signature for n in params):
        return None
    static = {n: getattr(d, n) for n in cls._static_fields
              if n in signature and n not in ("validate_args", "name")}
    return params, static


def test_every_floating_parameter_of_every_family_must_be_finite():
    # Generic, over the whole conformance table: each floating parameter in turn is set to NaN,
    # +inf and -inf. NaN always fails; an infinity fails unless the class declares it legitimate
    # (infinite_params), in which case it must not fail for being infinite.
    checked_pairs = 0
    for case in CASES:
        d = case.make()
        arguments = _rebuild_arguments(d)
        if arguments is None:
            continue
        params, static = arguments
        cls = type(d)
        for name, value in params.items():
            if isinstance(value, Struct) or not isinstance(value, jax.Array | np.ndarray | float):
                continue
            if not jnp.issubdtype(jnp.result_type(value), jnp.floating):
                continue
            allowed = cls.infinite_params.get(name, "")
            for bad in (NAN, INF, -INF):
                sign = "-inf" if bad < 0 else "+inf"
                legit = bad == bad and (allowed == "inf" or allowed == sign)
                kwargs = dict(params, **{name: jnp.full_like(value, bad)})
                try:
                    cls(**kwargs, **static, validate_args=True)
                except ParameterError as err:
                    mentions = f"{cls.__name__}: {name} must be finite" in str(err)
                    assert mentions != legit, (case.id, name, bad, str(err))
                else:
                    assert legit, (case.id, name, bad)
            checked_pairs += 1
    assert checked_pairs > 200


def test_legitimate_infinities_keep_working():
    @jax.jit
    def truncated(low):
        d = pfd.TruncatedNormal(0.0, 1.0, low, 1.0, validate_args=True)
        return d.log_prob(0.5), d.sample(jax.random.key(0), (100,))

    # (compiles: ndtri_exp used to call float() on a traced value)
    lp, x = checked(truncated)(-INF)
    assert np.isfinite(float(lp))
    assert np.all(np.isfinite(x)) and np.all(x <= 1.0)
    lp = pfd.Categorical(logits=jnp.asarray([-INF, 0.0]), validate_args=True).log_prob(1)
    assert float(lp) == 0.0
    assert float(pfd.Poisson(log_rate=-INF, validate_args=True).log_prob(0.0)) == 0.0
    assert float(pfd.Bernoulli(logits=INF, validate_args=True).log_prob(1)) == 0.0
    assert float(pfd.Geometric(logits=INF, validate_args=True).log_prob(0.0)) == 0.0
    # Without validate_args, concrete values are checked only against their constraints.
    assert np.isnan(float(pfd.Normal(NAN, 1.0).log_prob(0.0)))


_NORMAL_LOG_PROB = checked(jax.jit(lambda s: pfd.Normal(0.0, s, validate_args=True).log_prob(0.0)))


def test_parameter_error_from_jitted_code_has_the_eager_message():
    np.testing.assert_allclose(_NORMAL_LOG_PROB(1.0), -0.5 * np.log(2 * np.pi))
    for scale, message in [(-1.0, "Normal: scale must be positive, got -1.0"),
                           (INF, "Normal: scale must be finite, got inf"),
                           (NAN, "Normal: scale must be finite, got nan")]:
        with pytest.raises(ParameterError) as info:
            _NORMAL_LOG_PROB(scale)
        assert str(info.value) == message
        with pytest.raises(ParameterError) as eager:
            pfd.Normal(0.0, scale, validate_args=True)
        assert str(eager.value) == message
    # Without validate_args nothing is checked under jit (and nothing is compiled in).
    free = checked(jax.jit(lambda s: pfd.Normal(0.0, s).log_prob(0.0)))
    assert np.isnan(float(free(-1.0)))


def test_parameter_error_from_jitted_multivariate_and_vmapped_code():
    bad = jnp.asarray([[1.0, 0.0], [NAN, 1.0]])
    fn = checked(jax.jit(lambda tril: pfd.MultivariateNormalTriL(
        jnp.zeros(2), tril, validate_args=True).log_prob(jnp.zeros(2))))
    with pytest.raises(ParameterError, match=r"^MultivariateNormalTriL: scale_tril must be "
                                             r"finite, got nan at index \(1, 0\)$"):
        fn(bad)
    batched = checked(jax.jit(jax.vmap(
        lambda c: pfd.Dirichlet(c, validate_args=True).log_prob(jnp.full(3, 1 / 3)))))
    assert batched(jnp.ones((2, 3))).shape == (2,)
    with pytest.raises(ParameterError,
                       match=r"^Dirichlet: concentration must be positive, got -1.0 at index \(1,\)$"):
        batched(jnp.asarray([[1.0, 1.0, 1.0], [1.0, -1.0, 1.0]]))


def test_subnormal_scale_is_rejected_and_the_smallest_normal_works():
    subnormal = jnp.asarray(1e-45, jnp.float32)
    with pytest.raises(ParameterError, match=r"^Normal: scale must be positive, got 1.4\S+ "
                                             r"\(subnormal: below 1.1754944e-38"):
        pfd.Normal(jnp.float32(0.0), subnormal)
    with pytest.raises(ParameterError, match="subnormal"):
        checked(jax.jit(lambda s: pfd.Gamma(jnp.float32(1.0), s, validate_args=True).mean()))(
            subnormal)
    tiny = jnp.asarray(np.finfo(np.float32).tiny, jnp.float32)
    lp = pfd.Normal(jnp.float32(0.0), tiny).log_prob(jnp.float32(0.0))
    assert lp.dtype == jnp.float32 and np.isfinite(float(lp))


@pytest.mark.parametrize("build,message", [
    (lambda: pfd.Gamma(None, 1.0), "Gamma: concentration is required, got None"),
    (lambda: pfd.ExpGamma(None, 1.0), "ExpGamma: concentration is required"),
    (lambda: pfd.ExpInverseGamma(None, 1.0), "ExpInverseGamma: concentration is required"),
    (lambda: pfd.NegativeBinomial(None, logits=0.0), "NegativeBinomial: total_count is required"),
    (lambda: pfd.ZeroInflatedNegativeBinomial(None, logits=0.0, gate=0.1),
     "ZeroInflatedNegativeBinomial: total_count is required"),
    (lambda: pfd.Binomial(None, probs=0.5), "Binomial: total_count is required"),
    (lambda: pfd.Multinomial(None, probs=jnp.ones(3) / 3), "Multinomial: total_count is required"),
    (lambda: pfd.RelaxedBernoulli(None, probs=0.5), "RelaxedBernoulli: temperature is required"),
    (lambda: pfd.RelaxedOneHotCategorical(None, probs=jnp.ones(3) / 3),
     "RelaxedOneHotCategorical: temperature is required"),
])
def test_a_required_parameter_given_as_none_is_named(build, message):
    """These families take their other parameter in one of two forms (probs or logits, rate or
    log_rate), which may be None; the required one may not (it used to build an object that
    failed later in log_prob with an unrelated TypeError)."""
    with pytest.raises(ParameterError, match=message):
        build()
