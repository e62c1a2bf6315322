"""``pf.Deterministic``: a derived quantity recorded in a model's output, adding no density."""

from __future__ import annotations

import jax.numpy as jnp

from probflow.core.pytree import Struct, static_field

__all__ = ["Deterministic"]


class Deterministic(Struct):
    """A named derived value inside a model.

    Yielding it returns ``value`` unchanged; the value appears in samples and in MCMC/VI
    output under ``name`` but contributes nothing to the log density.

    Args:
        value: the derived array.
        name: the variable's name (required).
        dims: optional names of the value's axes (for ArviZ output).

    Examples:
        >>> import jax
        >>> import probflow as pf
        >>> from probflow import distributions as pfd
        >>> @pf.model
        ... def m():
        ...     x = yield pfd.Normal(0.0, 1.0, name="x")
        ...     yield pf.Deterministic(2.0 * x, name="twice_x")
        >>> sorted(m().sample(jax.random.key(0)))
        ['twice_x', 'x']
    """

    value: jnp.ndarray
    name: str = static_field(default=None)
    dims: tuple | None = static_field(default=None)

    def __init__(self, value, name: str, dims=None):
        if not isinstance(name, str) or not name:
            raise ValueError(f"Deterministic: name must be a non-empty string, got {name!r}")
        dims = (dims,) if isinstance(dims, str) else (tuple(dims) if dims is not None else None)
        self._set(value=jnp.asarray(value), name=name, dims=dims)
