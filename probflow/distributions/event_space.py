"""Default event-space bijectors: a registry from constraint types to bijectors.

``biject_to(constraint)`` returns the bijector from unconstrained reals onto the
set the constraint describes; MCMC and VI run in the unconstrained space and map
back through it. Register a factory for your own constraint type with
[`register_bijector`][probflow.distributions.event_space.register_bijector].

The choices follow TFP's defaults:

* ``Real``, ``RealVector``, ``RealMatrix``: ``Identity``.
* ``GreaterThan(lower)``: ``Chain([Shift(lower), Softplus()])``. Softplus rather than
  exp, as TFP does: it grows linearly, so gradients stay tame far from the bound.
* ``LessThan(upper)``: ``Chain([Shift(upper), Scale(-1), Softplus()])``.
* ``Interval(low, high)``: ``Sigmoid(low, high)`` (the bounds may be traced arrays).
* ``Simplex``: ``IteratedSigmoidCentered`` (stick breaking).
* ``Ordered``: ``Ascending``.
* ``PositiveOrdered``: ``Chain([Cumsum(), Exp()])``: ``y_k = exp(x_0) + ... + exp(x_k)``,
  so the first entry and every increment are positive. (``exp`` of ``Ascending`` would
  also work, but grows doubly exponentially and overflows for moderate inputs.)
* ``LowerCholesky``: ``FillScaleTriL()``.
* ``CorrelationCholesky``: ``CorrelationCholesky``.
* ``PositiveDefinite``: ``Chain([CholeskyOuterProduct(), FillScaleTriL()])``.
* ``IndependentConstraint``: the base constraint's bijector (consumers handle the
  extra event dimensions through ``event_ndims``).
* discrete constraints (and ``Sphere``):
  [`UnsupportedError`][probflow.core.errors.UnsupportedError].

Bijectors that change the event shape (``Simplex``, ``LowerCholesky``, ...) have an
unconstrained space of another shape: ``bijector.inverse_event_shape(event_shape)``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

import probflow.bijectors as pfb
from probflow.core.errors import UnsupportedError
from probflow.distributions import constraints as c

__all__ = ["biject_to", "register_bijector"]

_Factory = TypeVar("_Factory", bound=Callable[..., pfb.Bijector])

_REGISTRY: dict[type, Callable[[Any], pfb.Bijector]] = {}


def register_bijector(constraint_type: type[c.Constraint]) -> Callable[[_Factory], _Factory]:
    """Decorator registering ``factory(constraint) -> Bijector`` for ``constraint_type``.

    Examples:
        >>> import probflow.bijectors as pfb
        >>> from probflow.distributions import constraints
        >>> class Even(constraints.Constraint):
        ...     pass
        >>> @register_bijector(Even)
        ... def _even(constraint):
        ...     return pfb.Identity()
        >>> isinstance(biject_to(Even()), pfb.Identity)
        True
    """

    def decorator(factory: _Factory) -> _Factory:
        _REGISTRY[constraint_type] = factory
        return factory

    return decorator


def biject_to(constraint: c.Constraint) -> pfb.Bijector:
    """The bijector from unconstrained reals onto ``constraint``'s set.

    Raises:
        UnsupportedError: for discrete constraints (integers, booleans), which no
            bijection from the reals reaches, and for unregistered constraint types.

    Examples:
        >>> from probflow.distributions import constraints
        >>> round(float(biject_to(constraints.positive).forward(0.0)), 4)
        0.6931
        >>> float(biject_to(constraints.Interval(2.0, 4.0)).forward(0.0))
        3.0
    """
    if constraint.is_discrete:
        raise UnsupportedError(
            f"{type(constraint).__name__} is a discrete support: no bijection from the reals "
            f"reaches it, so gradient-based inference (HMC/NUTS, VI) cannot sample it. "
            f"Marginalise the discrete variable out of the model (sum its probabilities into "
            f"the likelihood), or use a continuous relaxation such as RelaxedOneHotCategorical"
        )
    for cls in type(constraint).__mro__:
        factory = _REGISTRY.get(cls)
        if factory is not None:
            return factory(constraint)
    raise UnsupportedError(
        f"No default event-space bijector is registered for the constraint "
        f"{type(constraint).__name__}; register one with "
        f"probflow.distributions.event_space.register_bijector"
    )


@register_bijector(c.Real)
@register_bijector(c.RealVector)
@register_bijector(c.RealMatrix)
def _real(constraint):
    return pfb.Identity()


@register_bijector(c.GreaterThan)
def _greater_than(constraint):
    return pfb.Chain([pfb.Shift(constraint.lower), pfb.Softplus()])


@register_bijector(c.LessThan)
def _less_than(constraint):
    return pfb.Chain([pfb.Shift(constraint.upper), pfb.Scale(-1.0), pfb.Softplus()])


@register_bijector(c.Interval)
def _interval(constraint):
    return pfb.Sigmoid(low=constraint.low, high=constraint.high)


@register_bijector(c.ExtendedInterval)
def _extended_interval(constraint):
    return pfb.ExtendedInterval(constraint.low, constraint.high)


@register_bijector(c.CorrelationMatrix)
def _correlation_matrix(constraint):
    return pfb.Chain([pfb.CholeskyOuterProduct(), pfb.CorrelationCholesky()])


@register_bijector(c.Simplex)
def _simplex(constraint):
    return pfb.IteratedSigmoidCentered()


@register_bijector(c.Ordered)
def _ordered(constraint):
    return pfb.Ascending()


@register_bijector(c.PositiveOrdered)
def _positive_ordered(constraint):
    return pfb.Chain([pfb.Cumsum(), pfb.Exp()])


@register_bijector(c.LowerCholesky)
def _lower_cholesky(constraint):
    return pfb.FillScaleTriL()


@register_bijector(c.CorrelationCholesky)
def _correlation_cholesky(constraint):
    return pfb.CorrelationCholesky()


@register_bijector(c.PositiveDefinite)
def _positive_definite(constraint):
    return pfb.Chain([pfb.CholeskyOuterProduct(), pfb.FillScaleTriL()])


@register_bijector(c.IndependentConstraint)
def _independent(constraint):
    return biject_to(constraint.base)


@register_bijector(c.Sphere)
def _sphere(constraint):
    raise UnsupportedError(
        "Sphere: the unit sphere is not the image of a bijection from the reals; "
        "parameterise by an unconstrained vector and normalise it in the model instead"
    )
