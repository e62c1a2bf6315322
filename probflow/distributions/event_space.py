"""Default event-space bijectors: a registry from constraint types to bijectors.

``biject_to(constraint)`` returns the bijector from unconstrained reals onto the
set the constraint describes. Register a factory for your own constraint type
with :func:`register_bijector`.
"""

from __future__ import annotations

from collections.abc import Callable

import probflow.bijectors as pfb
from probflow.core.errors import UnsupportedError
from probflow.distributions import constraints as c

__all__ = ["biject_to", "register_bijector"]

_REGISTRY: dict[type, Callable] = {}


def register_bijector(constraint_type: type):
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

    def decorator(factory):
        _REGISTRY[constraint_type] = factory
        return factory

    return decorator


def biject_to(constraint):
    """The bijector from unconstrained reals onto ``constraint``'s set.

    Examples:
        >>> from probflow.distributions import constraints
        >>> float(biject_to(constraints.positive).forward(0.0))
        1.0
    """
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
    # Replaced by Chain([Shift(lower), Softplus/Exp]) once the catalogue lands.
    return pfb.Exp()
