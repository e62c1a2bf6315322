"""Parameter validation: eager for concrete values, opt-in and free under ``jit``.

A :class:`Check` pairs a parameter with a vectorised test. :func:`validate`
evaluates the checks with NumPy when the values are concrete and raises a
:class:`~probflow.core.errors.ParameterError` naming the class, the argument, the
first offending value and what was expected. Under ``jit``/``vmap`` the values are
tracers: checks are skipped unless ``validate_args=True``, in which case they run
inside the compiled program through ``jax.debug.callback`` and raise the same
error when the program runs.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, NamedTuple

import jax
import numpy as np

from probflow.core.errors import ParameterError

__all__ = [
    "Check",
    "validate",
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


class Check(NamedTuple):
    """One validation: ``test(value)`` is a boolean array, ``True`` where valid.

    ``test`` must use only NumPy-compatible operations on its argument (it is run
    on NumPy arrays eagerly and on JAX arrays inside ``jax.debug.callback``).

    Examples:
        >>> import numpy as np
        >>> c = Check("df", np.asarray(3.0), lambda v: v > 2, "greater than 2")
        >>> validate("StudentT", [c])
    """

    name: str
    value: Any
    test: Callable[[np.ndarray], np.ndarray]
    expected: str


def is_concrete(value) -> bool:
    """True when ``value`` holds data now (not a tracer inside ``jit``/``vmap``/``grad``).

    Examples:
        >>> import jax, jax.numpy as jnp
        >>> is_concrete(jnp.ones(2))
        True
        >>> jax.jit(lambda x: is_concrete(x) or x)(1.0)
        Array(1., dtype=float32, weak_type=True)
    """
    return not any(isinstance(leaf, jax.core.Tracer) for leaf in jax.tree_util.tree_leaves(value))


def _format_failure(owner: str, check: Check, value: np.ndarray, ok: np.ndarray) -> str:
    if np.ndim(ok) == 0 or np.size(value) == 1:
        shown = value.reshape(()) if np.size(value) == 1 else value
        got = f"got {_fmt(shown)}"
    else:
        index = tuple(int(i) for i in np.argwhere(~np.broadcast_to(ok, np.shape(ok)))[0])
        sub = value[index] if len(index) <= value.ndim else value
        got = f"got {_fmt(sub)} at index {index}"
    return f"{owner}: {check.name} must be {check.expected}, {got}"


def _fmt(x) -> str:
    x = np.asarray(x)
    if x.ndim == 0:
        return repr(x.item())
    return np.array2string(x, precision=6, threshold=8)


def _run_eager(owner: str, check: Check) -> None:
    value = np.asarray(check.value)
    ok = np.asarray(check.test(value))
    if not bool(np.all(ok)):
        raise ParameterError(_format_failure(owner, check, value, ok))


def validate(owner: str, checks, validate_args: bool = False) -> None:
    """Run ``checks`` for the object named ``owner``.

    Concrete values are always checked. Traced values are checked only when
    ``validate_args`` is true, at run time, inside the compiled program.

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
            _run_eager(owner, check)
        elif validate_args:
            jax.debug.callback(_make_callback(owner, check), check.value)


def _make_callback(owner: str, check: Check):
    def callback(value):
        _run_eager(owner, check._replace(value=np.asarray(value)))

    return callback


# -- common checks ------------------------------------------------------------------------


def positive(name: str, value) -> Check:
    """``value > 0`` elementwise.

    Examples:
        >>> import jax.numpy as jnp
        >>> validate("Thing", [positive("x", jnp.asarray(2.0))])  # passes silently
    """
    return Check(name, value, lambda v: v > 0, "positive")


def nonnegative(name: str, value) -> Check:
    """``value >= 0`` elementwise.

    Examples:
        >>> import jax.numpy as jnp
        >>> validate("Thing", [nonnegative("x", jnp.asarray(0.0))])  # passes silently
    """
    return Check(name, value, lambda v: v >= 0, "non-negative")


def finite(name: str, value) -> Check:
    """No NaN or infinity.

    Examples:
        >>> import jax.numpy as jnp
        >>> validate("Thing", [finite("x", jnp.asarray(1.0))])  # passes silently
    """
    return Check(name, value, lambda v: np.isfinite(v), "finite")


def greater_than(name: str, value, bound, bound_name: str) -> Check:
    """``value > bound`` elementwise (``bound`` may be an array that broadcasts).

    Examples:
        >>> import jax.numpy as jnp
        >>> validate("Pareto", [greater_than("x", jnp.asarray(2.0), 1.0, "scale")])
    """
    bound = np.asarray(bound) if is_concrete(bound) else bound
    return Check(name, value, lambda v: v > bound, f"greater than {bound_name}")


def in_unit_interval(name: str, value) -> Check:
    """``0 <= value <= 1`` elementwise.

    Examples:
        >>> import jax.numpy as jnp
        >>> validate("Thing", [in_unit_interval("x", jnp.asarray(0.3))])  # passes silently
    """
    return Check(name, value, lambda v: (v >= 0) & (v <= 1), "in [0, 1]")


def in_open_unit_interval(name: str, value) -> Check:
    """``0 < value < 1`` elementwise.

    Examples:
        >>> import jax.numpy as jnp
        >>> validate("Thing", [in_open_unit_interval("x", jnp.asarray(0.3))])  # passes silently
    """
    return Check(name, value, lambda v: (v > 0) & (v < 1), "in (0, 1)")


def integer_valued(name: str, value) -> Check:
    """Whole numbers (of any dtype) that are non-negative.

    Examples:
        >>> import jax.numpy as jnp
        >>> validate("Thing", [integer_valued("x", jnp.asarray(3.0))])  # passes silently
    """
    return Check(name, value, lambda v: (v >= 0) & (v == np.floor(v)), "a non-negative integer")


def simplex(name: str, value, atol: float | None = None) -> Check:
    """Non-negative entries summing to one along the last axis.

    Examples:
        >>> import jax.numpy as jnp
        >>> validate("Thing", [simplex("x", jnp.asarray([0.25, 0.75]))])  # passes silently
    """

    def test(v):
        tol = atol if atol is not None else 1e3 * np.finfo(np.result_type(v, np.float32)).eps
        return np.all(v >= 0, axis=-1) & (np.abs(np.sum(v, axis=-1) - 1) <= tol)

    return Check(name, value, test, "non-negative and sum to 1 along the last axis")


def lower_triangular_positive_diag(name: str, value) -> Check:
    """Square lower-triangular matrices with a positive diagonal.

    Examples:
        >>> import jax.numpy as jnp
        >>> validate("Thing", [lower_triangular_positive_diag("x", jnp.eye(2))])  # passes silently
    """

    def test(v):
        upper = np.triu(v, k=1)
        diag = np.diagonal(v, axis1=-2, axis2=-1)
        return np.all(upper == 0, axis=(-2, -1)) & np.all(diag > 0, axis=-1)

    return Check(name, value, test, "lower triangular with a positive diagonal")


def positive_definite(name: str, value) -> Check:
    """Symmetric positive-definite matrices (checked by a Cholesky factorisation).

    Examples:
        >>> import jax.numpy as jnp
        >>> validate("Thing", [positive_definite("x", jnp.eye(2))])  # passes silently
    """

    def test(v):
        v = np.asarray(v, dtype=np.float64)
        sym = np.all(np.isclose(v, np.swapaxes(v, -1, -2), rtol=1e-5, atol=1e-8), axis=(-2, -1))
        eig = np.linalg.eigvalsh(v)
        return sym & np.all(eig > 0, axis=-1)

    return Check(name, value, test, "symmetric positive definite")


def check_count(owner: str, name: str, value, minimum: int = 1) -> int:
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
