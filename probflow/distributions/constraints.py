"""Constraint objects: the supports of distributions.

A constraint answers ``check(value)`` (a boolean array over the batch) and
declares ``event_ndims`` (how many trailing dimensions one point occupies) and
``is_discrete``. Constraints are PyTrees, so bounds that depend on a
distribution's parameters (``Uniform(low, high)``) stay traceable.
``probflow.distributions.event_space`` maps each constraint type to the bijector
from unconstrained reals onto it.
"""

from __future__ import annotations

import dataclasses
from typing import Any, ClassVar, dataclass_transform

import jax.numpy as jnp

from probflow.core.pytree import Struct, field, static_field
from probflow.typing import Array, ArrayLike

__all__ = [
    "Constraint",
    "Real",
    "GreaterThan",
    "LessThan",
    "Interval",
    "ExtendedInterval",
    "IntegerInterval",
    "IntegerGreaterThan",
    "Boolean",
    "MultinomialCounts",
    "CorrelationMatrix",
    "Simplex",
    "Ordered",
    "PositiveOrdered",
    "LowerCholesky",
    "CorrelationCholesky",
    "PositiveDefinite",
    "Sphere",
    "IndependentConstraint",
    "real",
    "positive",
    "nonnegative",
    "unit_interval",
    "circular",
    "boolean",
    "nonnegative_integer",
    "positive_integer",
    "simplex",
    "ordered",
    "positive_ordered",
    "lower_cholesky",
    "correlation_cholesky",
    "positive_definite",
    "correlation_matrix",
    "real_vector",
    "independent",
]


@dataclass_transform(eq_default=False, frozen_default=True,
                     field_specifiers=(dataclasses.field, field, static_field))
class Constraint(Struct):
    """Base class of supports.

    Subclasses are frozen dataclasses (``Struct``); ``dataclass_transform`` tells type
    checkers so, and that their constructors take the declared fields.

    Examples:
        >>> import jax.numpy as jnp
        >>> from probflow.distributions import constraints
        >>> constraints.positive.check(jnp.asarray([-1.0, 2.0]))
        Array([False,  True], dtype=bool)
    """

    event_ndims: ClassVar[int] = 0
    is_discrete: ClassVar[bool] = False

    def check(self, value: Any) -> Array:
        """Boolean array over ``value.shape[:-event_ndims]``: True where ``value`` is in the set."""
        raise TypeError(f"{type(self).__name__} does not define check()")

    def __repr__(self) -> str:
        return type(self).__name__ + "(" + ", ".join(
            f"{n}={getattr(self, n)!r}" for n in self._child_fields + self._static_fields
        ) + ")"


class Real(Constraint):
    """All real numbers (finite or not, but not NaN).

    Examples:
        >>> import jax.numpy as jnp
        >>> from probflow.distributions import constraints
        >>> constraints.real.check(jnp.asarray([1.0, jnp.nan]))
        Array([ True, False], dtype=bool)
    """

    def check(self, value: Any) -> Array:
        return ~jnp.isnan(value)


class GreaterThan(Constraint):
    """``x > lower`` (``x >= lower`` when ``closed``).

    Examples:
        >>> import jax.numpy as jnp
        >>> from probflow.distributions import constraints
        >>> constraints.GreaterThan(1.0).check(jnp.asarray([0.5, 2.0]))
        Array([False,  True], dtype=bool)
    """

    lower: ArrayLike
    closed: bool = static_field(default=False)

    def check(self, value: Any) -> Array:
        return value >= self.lower if self.closed else value > self.lower


class LessThan(Constraint):
    """``x < upper`` (``x <= upper`` when ``closed``).

    Examples:
        >>> import jax.numpy as jnp
        >>> from probflow.distributions import constraints
        >>> constraints.LessThan(1.0).check(jnp.asarray([0.5, 2.0]))
        Array([ True, False], dtype=bool)
    """

    upper: ArrayLike
    closed: bool = static_field(default=False)

    def check(self, value: Any) -> Array:
        return value <= self.upper if self.closed else value < self.upper


class Interval(Constraint):
    """``low <= x <= high`` (closed; densities at the ends are finite or -inf).

    Examples:
        >>> import jax.numpy as jnp
        >>> from probflow.distributions import constraints
        >>> constraints.Interval(0.0, 1.0).check(jnp.asarray([0.5, 2.0]))
        Array([ True, False], dtype=bool)
    """

    low: ArrayLike
    high: ArrayLike

    def check(self, value: Any) -> Array:
        return (value >= self.low) & (value <= self.high)


class ExtendedInterval(Constraint):
    """``low <= x <= high`` elementwise, where either end may be infinite.

    Used for supports whose bounds depend on the sign of a parameter (generalized Pareto,
    generalized extreme value); its event-space bijector is ``pfb.ExtendedInterval``.

    Examples:
        >>> import jax.numpy as jnp
        >>> from probflow.distributions import constraints
        >>> constraints.ExtendedInterval(0.0, jnp.inf).check(jnp.asarray([-1.0, 1e30]))
        Array([False,  True], dtype=bool)
    """

    low: ArrayLike
    high: ArrayLike

    def check(self, value: Any) -> Array:
        return (value >= self.low) & (value <= self.high)


class IntegerInterval(Constraint):
    """Integers ``low <= k <= high``.

    Examples:
        >>> import jax.numpy as jnp
        >>> from probflow.distributions import constraints
        >>> constraints.IntegerInterval(0, 3).check(jnp.asarray([1.0, 1.5, 4.0]))
        Array([ True, False, False], dtype=bool)
    """

    low: ArrayLike
    high: ArrayLike
    is_discrete: ClassVar[bool] = True

    def check(self, value: Any) -> Array:
        return (value >= self.low) & (value <= self.high) & (value == jnp.floor(value))


class IntegerGreaterThan(Constraint):
    """Integers ``k >= lower``.

    Examples:
        >>> import jax.numpy as jnp
        >>> from probflow.distributions import constraints
        >>> constraints.nonnegative_integer.check(jnp.asarray([0.0, -1.0, 2.5]))
        Array([ True, False, False], dtype=bool)
    """

    lower: ArrayLike
    is_discrete: ClassVar[bool] = True

    def check(self, value: Any) -> Array:
        return (value >= self.lower) & (value == jnp.floor(value))


class MultinomialCounts(Constraint):
    """Vectors of non-negative whole numbers summing to ``total_count``.

    Examples:
        >>> import jax.numpy as jnp
        >>> from probflow.distributions import constraints
        >>> constraints.MultinomialCounts(3.0).check(jnp.asarray([[1.0, 2.0], [1.0, 1.0]]))
        Array([ True, False], dtype=bool)
    """

    total_count: ArrayLike
    event_ndims: ClassVar[int] = 1
    is_discrete: ClassVar[bool] = True

    def check(self, value: Any) -> Array:
        whole = jnp.all((value >= 0) & (value == jnp.floor(value)), axis=-1)
        return whole & (jnp.sum(value, axis=-1) == self.total_count)


class CorrelationMatrix(Constraint):
    """Symmetric positive-definite matrices with a unit diagonal.

    Examples:
        >>> import jax.numpy as jnp
        >>> from probflow.distributions import constraints
        >>> constraints.correlation_matrix.check(jnp.eye(2))
        Array(True, dtype=bool)
    """

    event_ndims: ClassVar[int] = 2

    def check(self, value: Any) -> Array:
        tol = 1e-4 if jnp.result_type(value) != jnp.float64 else 1e-8
        diag = jnp.diagonal(value, axis1=-2, axis2=-1)
        unit = jnp.all(jnp.abs(diag - 1.0) < tol, axis=-1)
        return unit & PositiveDefinite().check(value)


class Boolean(Constraint):
    """``{0, 1}``.

    Examples:
        >>> import jax.numpy as jnp
        >>> from probflow.distributions import constraints
        >>> constraints.boolean.check(jnp.asarray([0.0, 1.0, 2.0]))
        Array([ True,  True, False], dtype=bool)
    """

    is_discrete: ClassVar[bool] = True

    def check(self, value: Any) -> Array:
        return (value == 0) | (value == 1)


class Simplex(Constraint):
    """Vectors of non-negative entries summing to one.

    Examples:
        >>> import jax.numpy as jnp
        >>> from probflow.distributions import constraints
        >>> constraints.simplex.check(jnp.asarray([[0.2, 0.8], [0.5, 0.6]]))
        Array([ True, False], dtype=bool)
    """

    event_ndims: ClassVar[int] = 1

    def check(self, value: Any) -> Array:
        tol = 1e-5 if jnp.result_type(value) != jnp.float64 else 1e-10
        return jnp.all(value >= 0, axis=-1) & (jnp.abs(jnp.sum(value, axis=-1) - 1.0) < tol)


class Ordered(Constraint):
    """Strictly increasing real vectors.

    Examples:
        >>> import jax.numpy as jnp
        >>> from probflow.distributions import constraints
        >>> constraints.ordered.check(jnp.asarray([[1.0, 2.0], [2.0, 1.0]]))
        Array([ True, False], dtype=bool)
    """

    event_ndims: ClassVar[int] = 1

    def check(self, value: Any) -> Array:
        return jnp.all(value[..., 1:] > value[..., :-1], axis=-1)


class PositiveOrdered(Constraint):
    """Strictly increasing positive vectors.

    Examples:
        >>> import jax.numpy as jnp
        >>> from probflow.distributions import constraints
        >>> constraints.positive_ordered.check(jnp.asarray([[1.0, 2.0], [-1.0, 1.0]]))
        Array([ True, False], dtype=bool)
    """

    event_ndims: ClassVar[int] = 1

    def check(self, value: Any) -> Array:
        return jnp.all(value[..., 1:] > value[..., :-1], axis=-1) & jnp.all(value > 0, axis=-1)


class LowerCholesky(Constraint):
    """Lower-triangular matrices with a positive diagonal.

    Examples:
        >>> import jax.numpy as jnp
        >>> from probflow.distributions import constraints
        >>> constraints.lower_cholesky.check(jnp.eye(2))
        Array(True, dtype=bool)
    """

    event_ndims: ClassVar[int] = 2

    def check(self, value: Any) -> Array:
        upper_zero = jnp.all(jnp.triu(value, k=1) == 0, axis=(-2, -1))
        diag = jnp.diagonal(value, axis1=-2, axis2=-1)
        return upper_zero & jnp.all(diag > 0, axis=-1)


class CorrelationCholesky(Constraint):
    """Cholesky factors of correlation matrices (lower triangular, unit-norm rows).

    Examples:
        >>> import jax.numpy as jnp
        >>> from probflow.distributions import constraints
        >>> constraints.correlation_cholesky.check(jnp.eye(2))
        Array(True, dtype=bool)
    """

    event_ndims: ClassVar[int] = 2

    def check(self, value: Any) -> Array:
        tol = 1e-4 if jnp.result_type(value) != jnp.float64 else 1e-8
        lower = LowerCholesky().check(value)
        norms = jnp.sum(value**2, axis=-1)
        return lower & jnp.all(jnp.abs(norms - 1.0) < tol, axis=-1)


class PositiveDefinite(Constraint):
    """Symmetric positive-definite matrices.

    Examples:
        >>> import jax.numpy as jnp
        >>> from probflow.distributions import constraints
        >>> constraints.positive_definite.check(jnp.asarray([[2.0, 0.5], [0.5, 1.0]]))
        Array(True, dtype=bool)
    """

    event_ndims: ClassVar[int] = 2

    def check(self, value: Any) -> Array:
        sym = jnp.all(jnp.abs(value - jnp.swapaxes(value, -1, -2)) < 1e-5, axis=(-2, -1))
        return sym & jnp.all(jnp.linalg.eigvalsh(value) > 0, axis=-1)


class Sphere(Constraint):
    """Unit-norm vectors.

    Examples:
        >>> import jax.numpy as jnp
        >>> from probflow.distributions import constraints
        >>> constraints.Sphere().check(jnp.asarray([0.6, 0.8]))
        Array(True, dtype=bool)
    """

    event_ndims: ClassVar[int] = 1

    def check(self, value: Any) -> Array:
        return jnp.abs(jnp.linalg.norm(value, axis=-1) - 1.0) < 1e-5


class IndependentConstraint(Constraint):
    """A base constraint with ``reinterpreted_batch_ndims`` more dimensions in the event.

    Examples:
        >>> import jax.numpy as jnp
        >>> from probflow.distributions import constraints
        >>> c = constraints.independent(constraints.positive, 1)
        >>> c.check(jnp.asarray([[1.0, 2.0], [1.0, -2.0]]))
        Array([ True, False], dtype=bool)
    """

    base: Constraint
    reinterpreted_batch_ndims: int = static_field(default=1)

    @property
    def event_ndims(self) -> int:  # pyright: ignore[reportIncompatibleVariableOverride]
        return self.base.event_ndims + self.reinterpreted_batch_ndims

    @property
    def is_discrete(self) -> bool:  # pyright: ignore[reportIncompatibleVariableOverride]
        return self.base.is_discrete

    def check(self, value: Any) -> Array:
        ok = self.base.check(value)
        n = self.reinterpreted_batch_ndims
        return jnp.all(ok, axis=tuple(range(-n, 0))) if n else ok


class RealVector(Constraint):
    """Real vectors (one-dimensional events)."""

    event_ndims: ClassVar[int] = 1

    def check(self, value: Any) -> Array:
        return jnp.all(~jnp.isnan(value), axis=-1)


class RealMatrix(Constraint):
    """Real matrices (two-dimensional events)."""

    event_ndims: ClassVar[int] = 2

    def check(self, value: Any) -> Array:
        return jnp.all(~jnp.isnan(value), axis=(-2, -1))


def independent(base: Constraint, reinterpreted_batch_ndims: int = 1) -> Constraint:
    """Wrap ``base`` so that ``reinterpreted_batch_ndims`` more dims belong to one point.

    Examples:
        >>> from probflow.distributions import constraints
        >>> constraints.independent(constraints.positive, 2).event_ndims
        2
    """
    if reinterpreted_batch_ndims == 0:
        return base
    return IndependentConstraint(base, reinterpreted_batch_ndims)


real = Real()
positive = GreaterThan(0.0)
nonnegative = GreaterThan(0.0, closed=True)
unit_interval = Interval(0.0, 1.0)
circular = Interval(-jnp.pi, jnp.pi)
boolean = Boolean()
nonnegative_integer = IntegerGreaterThan(0)
positive_integer = IntegerGreaterThan(1)
simplex = Simplex()
ordered = Ordered()
positive_ordered = PositiveOrdered()
lower_cholesky = LowerCholesky()
correlation_cholesky = CorrelationCholesky()
positive_definite = PositiveDefinite()
correlation_matrix = CorrelationMatrix()
real_vector = RealVector()
real_matrix = RealMatrix()
