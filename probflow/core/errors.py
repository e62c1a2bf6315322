"""The library's error types.

Every error probflow raises for bad input is a subclass of the built-in exception
a user would expect (``ValueError`` for bad values and shapes, ``TypeError`` for
wrong kinds of object), so ``except ValueError`` keeps working.
"""

from __future__ import annotations

__all__ = [
    "ProbflowError",
    "ParameterError",
    "ShapeError",
    "UnsupportedError",
    "NoKLError",
]


class ProbflowError(Exception):
    """Base class of every error raised by probflow.

    Examples:
        >>> import probflow as pf
        >>> issubclass(pf.core.errors.ParameterError, pf.core.errors.ProbflowError)
        True
    """


class ParameterError(ProbflowError, ValueError):
    """A parameter's value is outside what the object accepts.

    The message names the class, the argument, the offending value and what was
    expected, e.g. ``Normal: scale must be positive, got -1.0``.

    Examples:
        >>> import probflow.distributions as pfd
        >>> try:
        ...     pfd.Normal(0.0, -1.0)
        ... except ValueError as err:
        ...     print(err)
        Normal: scale must be positive, got -1.0
    """


class ShapeError(ProbflowError, ValueError):
    """Two shapes that must agree (or broadcast) do not; the message gives both.

    Examples:
        >>> import jax.numpy as jnp
        >>> import probflow.distributions as pfd
        >>> try:
        ...     pfd.MultivariateNormalDiag(jnp.zeros(2), jnp.ones(3))
        ... except ValueError as err:
        ...     print(type(err).__name__)
        ShapeError
    """


class UnsupportedError(ProbflowError, TypeError):
    """A method has no closed form for this object (e.g. the ``cdf`` of a Dirichlet).

    Examples:
        >>> import jax.numpy as jnp
        >>> import probflow.distributions as pfd
        >>> try:
        ...     pfd.Dirichlet(jnp.ones(3)).cdf(jnp.ones(3) / 3)
        ... except TypeError as err:
        ...     print(type(err).__name__)
        UnsupportedError
    """


class NoKLError(UnsupportedError):
    """No closed-form KL divergence is registered for a pair of distribution types.

    Examples:
        >>> import probflow.distributions as pfd
        >>> try:
        ...     pfd.kl_divergence(pfd.Normal(0.0, 1.0), pfd.Gamma(1.0, 1.0))
        ... except TypeError as err:
        ...     print(type(err).__name__)
        NoKLError
    """
