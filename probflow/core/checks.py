"""Parameter validation: eager for concrete values, opt-in and free under ``jit``.

A [`Check`][probflow.core.checks.Check] pairs a parameter with a vectorised test.
[`validate`][probflow.core.checks.validate]
evaluates the checks with NumPy when the values are concrete and raises a
[`ParameterError`][probflow.core.errors.ParameterError] naming the class, the argument, the
first offending value (and its index) and what was expected.

Under ``jit``/``vmap``/``grad`` the values are tracers: checks are skipped unless
``validate_args=True``. Then they are compiled into the program, in one of two ways:

* inside a function wrapped by [`checked`][probflow.core.checks.checked], as
  ``jax.experimental.checkify``
  checks: the wrapper runs the program and raises the same ``ParameterError`` (same
  message) as eager mode;
* anywhere else, as a ``jax.debug.callback`` that raises when the program runs; JAX
  reports that as a ``jax.errors.JaxRuntimeError`` (not a ``ValueError``) whose text
  contains the ``ParameterError`` message.

Positive parameters must be normal floating-point numbers: a subnormal (below
``finfo(dtype).tiny``) is flushed to zero by XLA, so ``Normal(0, 1e-45)`` would
behave as ``Normal(0, 0)``.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterable
from typing import Any, NamedTuple, ParamSpec, TypeAlias, TypeVar

import jax
import jax.numpy as jnp
import numpy as np
from jax.core import Tracer
from jax.experimental import checkify

from probflow.core.errors import ParameterError
from probflow.typing import ArrayLike, PyTree

__all__ = [
    "Check",
    "validate",
    "checked",
    "check_count",
    "is_concrete",
    "positive",
    "nonnegative",
    "finite",
    "in_unit_interval",
    "in_open_unit_interval",
    "greater_than",
    "simplex",
    "integer_valued",
    "lower_triangular_positive_diag",
    "positive_definite",
]

# What the check builders accept: numbers and arrays (NumPy scalars included); ``None`` for an
# absent optional parameter, which ``validate`` skips.
CheckValue: TypeAlias = ArrayLike | np.generic | None

# True while ``checked`` traces its function: traced checks are then emitted as checkify
# checks. A JAX user context, so jit caches traces made inside and outside separately.
_FUNCTIONAL = jax.make_user_context(default_value=False)
# Keyword argument that marks a checkify error as one of ours.
_MARKER = "probflow_parameter_check"


class Check(NamedTuple):
    """One validation: ``test(value)`` is a boolean array, ``True`` where valid.

    ``test`` should use operators or the namespace of its argument (it receives NumPy
    arrays for concrete values and JAX arrays under ``jit``); a test written with
    NumPy-only functions still works under ``jit``, evaluated on the host.

    Examples:
        >>> import numpy as np
        >>> c = Check("df", np.asarray(3.0), lambda v: v > 2, "greater than 2")
        >>> validate("StudentT", [c])
    """

    name: str
    value: Any
    test: Callable[[Any], Any]
    expected: str


def is_concrete(value: PyTree) -> bool:
    """True when ``value`` holds data now (not a tracer inside ``jit``/``vmap``/``grad``).

    Examples:
        >>> import jax, jax.numpy as jnp
        >>> is_concrete(jnp.ones(2))
        True
        >>> jax.jit(lambda x: is_concrete(x) or x)(1.0)
        Array(1., dtype=float32, weak_type=True)
    """
    return not any(isinstance(leaf, Tracer) for leaf in jax.tree_util.tree_leaves(value))


def _xp(v):
    """The array namespace of ``v``: NumPy for NumPy data, ``jax.numpy`` otherwise."""
    return np if isinstance(v, np.ndarray | np.generic) else jnp


# -- messages --------------------------------------------------------------------------------


def _fmt(x) -> str:
    x = np.asarray(x)
    if x.ndim == 0:
        text = repr(x.item())
        if np.issubdtype(x.dtype, np.floating) and x != 0 and abs(x) < np.finfo(x.dtype).tiny:
            tiny = np.finfo(x.dtype).tiny
            text += (f" (subnormal: below {str(tiny)}, the smallest normal {x.dtype.name}, so XLA "
                     f"flushes it to 0)")
        return text
    return np.array2string(x, precision=6, threshold=8)


def _shows_index(value_shape, ok_shape) -> bool:
    """Whether a failure is reported at an index (else the whole value is shown)."""
    size = int(np.prod(value_shape, dtype=np.int64))
    return len(ok_shape) > 0 and size != 1


def _indexes_value(value_shape, ok_shape) -> bool:
    """Whether an index into ``ok`` also picks the offending part of the value."""
    return tuple(value_shape[: len(ok_shape)]) == tuple(ok_shape)


def _template(owner: str, check: Check, with_index: bool) -> str:
    def escape(s):
        return str(s).replace("{", "{{").replace("}", "}}")

    text = f"{escape(owner)}: {escape(check.name)} must be {escape(check.expected)}, got {{value}}"
    return text + (" at index {index}" if with_index else "")


def _format_failure(owner: str, check: Check, value: np.ndarray, ok: np.ndarray) -> str:
    ok = np.asarray(ok)
    with_index = _shows_index(np.shape(value), ok.shape)
    if not with_index:
        shown = value.reshape(()) if np.size(value) == 1 else value
        return _template(owner, check, False).format(value=_fmt(shown))
    index = tuple(int(i) for i in np.argwhere(~ok)[0])
    shown = value[index] if _indexes_value(np.shape(value), ok.shape) else value
    return _template(owner, check, True).format(value=_fmt(shown), index=index)


# -- running checks ----------------------------------------------------------------------------


def _raise_if_failed(owner: str, check: Check, value, ok) -> None:
    ok = np.asarray(ok, dtype=bool)
    if not bool(np.all(ok)):
        value = np.asarray(value)
        raise ParameterError(_format_failure(owner, check, value, np.broadcast_to(ok, ok.shape)))


def validate(owner: str, checks: Iterable[Check], validate_args: bool = False) -> None:
    """Run ``checks`` for the object named ``owner``.

    Concrete values are always checked. Traced values are checked only when
    ``validate_args`` is true, at run time, inside the compiled program (see
    [`checked`][probflow.core.checks.checked] to get a ``ParameterError`` out of a jitted function).

    Examples:
        >>> import jax.numpy as jnp
        >>> validate("Normal", [positive("scale", jnp.asarray([1.0, -2.0]))])
        Traceback (most recent call last):
        ...
        probflow.core.errors.ParameterError: Normal: scale must be positive, got -2.0 at index (1,)
    """
    for check in checks:
        if check.value is None:
            continue
        if is_concrete(check.value):
            value = np.asarray(check.value)
            ok = check.test(value)
            if is_concrete(ok):
                _raise_if_failed(owner, check, value, ok)
                continue
            # The test closes over a traced bound: treat it as a traced check.
        if validate_args:
            _check_traced(owner, check)


def _check_traced(owner: str, check: Check) -> None:
    value = jax.lax.stop_gradient(jnp.asarray(check.value))
    try:
        ok = jnp.asarray(check.test(value), dtype=bool)
    except TypeError:  # a NumPy-only test (e.g. np.diff): evaluate it on the host
        ok = _test_on_host(check.test, value)
    ok = jax.lax.stop_gradient(ok)
    if _FUNCTIONAL.value:
        _emit_checkify(owner, check, value, ok)
    else:
        jax.debug.callback(functools.partial(_raise_if_failed, owner, check), value, ok)


def _test_on_host(test, value):
    ok_shape = np.shape(test(np.zeros(value.shape, value.dtype)))

    def run(v):
        return np.asarray(test(np.asarray(v)), dtype=bool).reshape(ok_shape)

    return jax.pure_callback(
        run, jax.ShapeDtypeStruct(ok_shape, jnp.bool_), value, vmap_method="sequential"
    )


def _emit_checkify(owner: str, check: Check, value, ok) -> None:
    with_index = _shows_index(value.shape, ok.shape)
    if with_index:
        first = jnp.argmin(ok.reshape(-1).astype(jnp.int32))
        index = jnp.stack(jnp.unravel_index(first, ok.shape)).astype(jnp.int32)
        if _indexes_value(value.shape, ok.shape):
            shown = value[tuple(index[i] for i in range(ok.ndim))]
        else:
            shown = value
    else:
        index = jnp.zeros((0,), jnp.int32)
        shown = value.reshape(()) if value.size == 1 else value
    marker: dict[str, Any] = {_MARKER: jnp.zeros((), jnp.bool_)}
    checkify.check(
        jnp.all(ok),
        _template(owner, check, with_index),
        value=shown,
        index=index,
        **marker,
    )


def _first_exception(exc):
    """The first error of a (possibly batched) checkify exception."""
    mapping = getattr(exc, "error_mapping", None)
    if mapping:
        return mapping[min(mapping)]
    return exc


def _parameter_message(exc) -> str | None:
    """The ``ParameterError`` message of a failed probflow check, or ``None`` for others."""
    kwargs = getattr(exc, "kwargs", None)
    template = getattr(exc, "fmt_string", None)
    if not isinstance(kwargs, dict) or _MARKER not in kwargs or template is None:
        return None
    index = tuple(int(i) for i in np.asarray(kwargs["index"]).reshape(-1))
    return template.format(value=_fmt(np.asarray(kwargs["value"])), index=index)


_P = ParamSpec("_P")
_R = TypeVar("_R")


def checked(fn: Callable[_P, _R], *, errors: Iterable[Any] = frozenset()) -> Callable[_P, _R]:
    """Wrap ``fn`` so that failed ``validate_args=True`` checks raise ``ParameterError``.

    ``fn`` may be (or call) a jitted function: its checks on traced parameters are
    compiled in with ``jax.experimental.checkify`` and, after the call, the first
    failure is raised as the same [`ParameterError`][probflow.core.errors.ParameterError], with
    the same message, as eager construction would raise. Without a failure the
    wrapper returns ``fn``'s result. Call the wrapper from Python (do not ``jit`` the
    wrapper itself: a ``jit`` inside it is the fast form, ``checked(jax.jit(f))``).

    Args:
        fn: the function to run.
        errors: extra ``checkify`` error categories to enable (e.g.
            ``checkify.nan_checks``); those failures, and the user's own
            ``checkify.check`` failures, are raised as checkify's ``JaxRuntimeError``.

    Examples:
        >>> import jax
        >>> import probflow.distributions as pfd
        >>> log_prob = jax.jit(lambda s: pfd.Normal(0.0, s, validate_args=True).log_prob(0.0))
        >>> safe_log_prob = checked(log_prob)
        >>> round(float(safe_log_prob(1.0)), 4)
        -0.9189
        >>> safe_log_prob(-1.0)
        Traceback (most recent call last):
        ...
        probflow.core.errors.ParameterError: Normal: scale must be positive, got -1.0
    """
    categories = checkify.user_checks | frozenset(errors)

    @functools.wraps(fn)
    def wrapper(*args: _P.args, **kwargs: _P.kwargs) -> _R:
        with _FUNCTIONAL(True):
            err, out = checkify.checkify(fn, errors=categories)(*args, **kwargs)
        exc = err.get_exception()
        if exc is None:
            return out
        message = _parameter_message(_first_exception(exc))
        if message is not None:
            raise ParameterError(message)
        err.throw()
        return out  # pragma: no cover - throw() raised

    return wrapper


# -- common checks ------------------------------------------------------------------------


def _smallest_positive(v):
    """The smallest positive normal number of ``v``'s dtype (1 for integers)."""
    dtype = np.dtype(v.dtype) if hasattr(v, "dtype") else np.result_type(v)
    return jnp.finfo(dtype).tiny if jnp.issubdtype(dtype, jnp.floating) else 1


def positive(name: str, value: CheckValue) -> Check:
    """``value > 0`` elementwise, and not subnormal (XLA flushes subnormals to zero).

    Examples:
        >>> import jax.numpy as jnp
        >>> validate("Thing", [positive("x", jnp.asarray(2.0))])  # passes silently
        >>> validate("Thing", [positive("x", jnp.asarray(1e-45))])
        Traceback (most recent call last):
        ...
        probflow.core.errors.ParameterError: Thing: x must be positive, got 1.401298464324817e-45 (subnormal: below 1.1754944e-38, the smallest normal float32, so XLA flushes it to 0)
    """  # noqa: E501
    return Check(name, value, lambda v: v >= _smallest_positive(v), "positive")


def nonnegative(name: str, value: CheckValue) -> Check:
    """``value >= 0`` elementwise.

    Examples:
        >>> import jax.numpy as jnp
        >>> validate("Thing", [nonnegative("x", jnp.asarray(0.0))])  # passes silently
    """
    return Check(name, value, lambda v: v >= 0, "non-negative")


_INFINITIES = {
    None: (False, False, "finite"),
    "-inf": (True, False, "finite or -inf"),
    "+inf": (False, True, "finite or +inf"),
    "inf": (True, True, "finite or infinite (not NaN)"),
}


def finite(name: str, value: CheckValue, allow_infinity: str | None = None) -> Check:
    """No NaN and no infinity, except the infinities ``allow_infinity`` names.

    Args:
        name: the parameter's name.
        value: its value.
        allow_infinity: ``None`` (finite only), ``"-inf"``, ``"+inf"`` or ``"inf"`` (both
            signs); NaN is never allowed.

    Examples:
        >>> import jax.numpy as jnp
        >>> validate("Thing", [finite("x", jnp.asarray(1.0))])  # passes silently
        >>> validate("Thing", [finite("x", jnp.asarray([0.0, -jnp.inf]), "-inf")])
        >>> validate("Thing", [finite("x", jnp.asarray([0.0, jnp.nan]))])
        Traceback (most recent call last):
        ...
        probflow.core.errors.ParameterError: Thing: x must be finite, got nan at index (1,)
    """
    if allow_infinity not in _INFINITIES:
        raise ValueError(
            f"finite: allow_infinity must be one of None, '-inf', '+inf', 'inf', "
            f"got {allow_infinity!r}"
        )
    negative_ok, positive_ok, expected = _INFINITIES[allow_infinity]

    def test(v):
        xp = _xp(v)
        ok = xp.isfinite(v)
        if negative_ok:
            ok = ok | (v == -np.inf)
        if positive_ok:
            ok = ok | (v == np.inf)
        return ok

    return Check(name, value, test, expected)


def greater_than(name: str, value: CheckValue, bound: ArrayLike,
                 bound_name: str) -> Check:
    """``value > bound`` elementwise (``bound`` may be an array that broadcasts).

    Examples:
        >>> import jax.numpy as jnp
        >>> validate("Pareto", [greater_than("x", jnp.asarray(2.0), 1.0, "scale")])
    """
    bound = np.asarray(bound) if is_concrete(bound) else bound
    return Check(name, value, lambda v: v > bound, f"greater than {bound_name}")


def in_unit_interval(name: str, value: CheckValue) -> Check:
    """``0 <= value <= 1`` elementwise.

    Examples:
        >>> import jax.numpy as jnp
        >>> validate("Thing", [in_unit_interval("x", jnp.asarray(0.3))])  # passes silently
    """
    return Check(name, value, lambda v: (v >= 0) & (v <= 1), "in [0, 1]")


def in_open_unit_interval(name: str, value: CheckValue) -> Check:
    """``0 < value < 1`` elementwise.

    Examples:
        >>> import jax.numpy as jnp
        >>> validate("Thing", [in_open_unit_interval("x", jnp.asarray(0.3))])  # passes silently
    """
    return Check(name, value, lambda v: (v > 0) & (v < 1), "in (0, 1)")


def integer_valued(name: str, value: CheckValue) -> Check:
    """Finite whole numbers (of any dtype) that are non-negative.

    Examples:
        >>> import jax.numpy as jnp
        >>> validate("Thing", [integer_valued("x", jnp.asarray(3.0))])  # passes silently
    """

    def test(v):
        xp = _xp(v)
        return (v >= 0) & xp.isfinite(v) & (v == xp.floor(v))

    return Check(name, value, test, "a non-negative integer")


def simplex(name: str, value: CheckValue, atol: float | None = None) -> Check:
    """Non-negative entries summing to one along the last axis.

    Examples:
        >>> import jax.numpy as jnp
        >>> validate("Thing", [simplex("x", jnp.asarray([0.25, 0.75]))])  # passes silently
    """

    def test(v):
        xp = _xp(v)
        tol = atol if atol is not None else 1e3 * np.finfo(np.result_type(v.dtype, np.float32)).eps
        return xp.all(v >= 0, axis=-1) & (xp.abs(xp.sum(v, axis=-1) - 1) <= tol)

    return Check(name, value, test, "non-negative and sum to 1 along the last axis")


def lower_triangular_positive_diag(name: str, value: CheckValue) -> Check:
    """Square lower-triangular matrices with a positive (normal, not subnormal) diagonal.

    Examples:
        >>> import jax.numpy as jnp
        >>> validate("Thing", [lower_triangular_positive_diag("x", jnp.eye(2))])  # passes silently
    """

    def test(v):
        xp = _xp(v)
        upper = xp.triu(v, k=1)
        diag = xp.diagonal(v, axis1=-2, axis2=-1)
        return xp.all(upper == 0, axis=(-2, -1)) & xp.all(diag >= _smallest_positive(v), axis=-1)

    return Check(name, value, test, "lower triangular with a positive diagonal")


def positive_definite(name: str, value: CheckValue) -> Check:
    """Symmetric positive-definite matrices (checked by their eigenvalues).

    Examples:
        >>> import jax.numpy as jnp
        >>> validate("Thing", [positive_definite("x", jnp.eye(2))])  # passes silently
    """

    def test(v):
        xp = _xp(v)
        if xp is np:
            v = np.asarray(v, dtype=np.float64)
        sym = xp.all(xp.isclose(v, xp.swapaxes(v, -1, -2), rtol=1e-5, atol=1e-8), axis=(-2, -1))
        eig = xp.linalg.eigvalsh(v)
        return sym & xp.all(eig > 0, axis=-1)

    return Check(name, value, test, "symmetric positive definite")


def check_count(owner: str, name: str, value: Any, minimum: int = 1) -> int:
    """``value`` as an ``int`` if it is an integer (not a bool) of at least ``minimum``.

    For counts given by the user (chains, steps, units, ...); raises a ``ValueError``
    naming ``owner``, the argument and the value otherwise.

    Examples:
        >>> check_count("sample", "num_chains", 4)
        4
        >>> check_count("sample", "num_chains", 0)
        Traceback (most recent call last):
        ...
        ValueError: sample: num_chains must be a positive integer, got 0
        >>> check_count("EarlyStopping", "patience", 2.5, minimum=0)
        Traceback (most recent call last):
        ...
        ValueError: EarlyStopping: patience must be an integer >= 0, got 2.5
    """
    if isinstance(value, bool) or not isinstance(value, int | np.integer) or value < minimum:
        expected = "a positive integer" if minimum == 1 else f"an integer >= {minimum}"
        raise ValueError(f"{owner}: {name} must be {expected}, got {value!r}")
    return int(value)
