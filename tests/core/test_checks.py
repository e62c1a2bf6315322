"""probflow.core.checks: non-finite and subnormal values, and ParameterError out of jit."""

from __future__ import annotations

import re

import jax
import jax.numpy as jnp
import numpy as np
import pytest
from jax.experimental import checkify

from probflow.core import checks
from probflow.core.errors import ParameterError


def _positive_scale(scale, validate_args=True):
    checks.validate("Thing", [checks.positive("scale", scale)], validate_args)
    return 2.0 * scale


_JITTED = jax.jit(_positive_scale)
_CHECKED = checks.checked(_JITTED)


def _eager_message(check):
    with pytest.raises(ParameterError) as info:
        checks.validate("Thing", [check])
    return str(info.value)


def test_checked_raises_parameter_error_under_jit_with_the_eager_message():
    assert float(_CHECKED(jnp.asarray(1.5))) == 3.0
    values = [jnp.asarray(-1.0), jnp.asarray([1.0, -3.0, -4.0]), jnp.asarray([[1.0], [0.0]])]
    for value in values:
        with pytest.raises(ParameterError) as info:
            _CHECKED(value)
        assert str(info.value) == _eager_message(checks.positive("scale", value))
    assert str(info.value) == "Thing: scale must be positive, got 0.0 at index (1, 0)"
    # The same jitted function outside `checked` still raises when the program runs, as a
    # JaxRuntimeError carrying the message (the jit caches of the two modes are separate).
    with pytest.raises(Exception, match="Thing: scale must be positive, got -1.0"):
        jax.block_until_ready(_JITTED(jnp.asarray(-1.0)))


def test_checked_under_vmap_grad_and_with_reduced_checks():
    batched = checks.checked(jax.jit(jax.vmap(_positive_scale)))
    with pytest.raises(ParameterError, match=r"^Thing: scale must be positive, got -2.0$"):
        batched(jnp.asarray([1.0, -2.0]))
    grad = checks.checked(jax.jit(jax.grad(lambda s: _positive_scale(s))))
    assert float(grad(1.0)) == 2.0
    with pytest.raises(ParameterError, match="got -1.0"):
        grad(-1.0)
    # A check reduced over the last axis reports the offending row.
    simplex = checks.checked(
        jax.jit(lambda p: checks.validate("Thing", [checks.simplex("probs", p)], True) or p)
    )
    bad = jnp.asarray([[0.5, 0.5], [0.2, 0.2]])
    with pytest.raises(ParameterError) as info:
        simplex(bad)
    assert str(info.value) == _eager_message(checks.simplex("probs", bad))
    assert "got [0.2 0.2] at index (1,)" in str(info.value)


def test_checked_evaluates_numpy_only_tests_on_the_host():
    def increasing(v):
        return np.all(np.diff(v, axis=-1) > 0, axis=-1)  # NumPy only: fails on tracers

    fn = checks.checked(jax.jit(
        lambda v: checks.validate("Thing", [checks.Check("c", v, increasing, "increasing")],
                                  True) or v))
    np.testing.assert_allclose(fn(jnp.asarray([1.0, 2.0])), [1.0, 2.0])
    with pytest.raises(ParameterError, match=re.escape("Thing: c must be increasing, got [2. 1.]")):
        fn(jnp.asarray([2.0, 1.0]))


def test_checked_leaves_other_checkify_errors_as_they_are():
    def fn(x):
        checkify.check(x < 10, "x too big: {}", x)
        return _positive_scale(x)

    wrapped = checks.checked(jax.jit(fn))
    with pytest.raises(checkify.JaxRuntimeError, match="x too big"):
        wrapped(jnp.asarray(20.0))
    with pytest.raises(ParameterError):
        wrapped(jnp.asarray(-1.0))


def test_subnormal_positive_values_are_rejected():
    tiny = np.finfo(np.float32).tiny
    checks.validate("Thing", [checks.positive("scale", jnp.asarray(tiny, jnp.float32))])
    subnormal = jnp.asarray(1e-45, jnp.float32)
    message = _eager_message(checks.positive("scale", subnormal))
    assert message.startswith("Thing: scale must be positive, got 1.401298464324817e-45 (subnormal")
    assert "1.1754944e-38" in message
    with pytest.raises(ParameterError, match="subnormal"):
        _CHECKED(subnormal)
    with pytest.raises(ParameterError, match="positive diagonal"):
        checks.validate("Thing", [checks.lower_triangular_positive_diag(
            "scale_tril", jnp.asarray([[1.0, 0.0], [0.0, 1e-40]], jnp.float32))])
    # float64 subnormals too; integers only need to be positive.
    with pytest.raises(ParameterError, match="subnormal"):
        checks.validate("Thing", [checks.positive("x", np.asarray(1e-310))])
    checks.validate("Thing", [checks.positive("n", np.asarray(1))])


def test_finite_and_its_allowed_infinities():
    values = jnp.asarray([0.0, -jnp.inf, jnp.inf, jnp.nan])
    expected = {None: (1, "finite"), "-inf": (2, "finite or -inf"),
                "+inf": (1, "finite or +inf"), "inf": (3, "finite or infinite (not NaN)")}
    for allow, (index, text) in expected.items():
        with pytest.raises(ParameterError) as info:
            checks.validate("Thing", [checks.finite("x", values, allow)])
        assert str(info.value).startswith(f"Thing: x must be {text}, got ")
        assert str(info.value).endswith(f"at index ({index},)")
    checks.validate("Thing", [checks.finite("x", values[:3], "inf")])
    with pytest.raises(ValueError, match="allow_infinity must be one of"):
        checks.finite("x", values, "both")
    with pytest.raises(ParameterError, match="a non-negative integer, got inf"):
        checks.validate("Thing", [checks.integer_valued("n", jnp.asarray(jnp.inf))])


def test_checks_closing_over_traced_bounds_run_as_traced_checks():
    def fn(low, validate_args):
        high = jnp.asarray(1.0)  # concrete while `low` is traced
        checks.validate("Thing", [checks.greater_than("high", high, low, "low")], validate_args)
        return high - low

    assert float(jax.jit(lambda lo: fn(lo, False))(2.0)) == -1.0
    with pytest.raises(ParameterError, match="high must be greater than low, got 1.0"):
        checks.checked(jax.jit(lambda lo: fn(lo, True)))(2.0)
