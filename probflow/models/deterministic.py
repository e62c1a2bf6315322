"""``pf.Deterministic``: a derived quantity recorded in a model's output, adding no density."""

from __future__ import annotations

import jax.numpy as jnp

from probflow.core.pytree import Struct, static_field

__all__ = ["Deterministic", "Factor"]


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


class Factor(Struct):
    """A term added to a model's log density (like NumPyro's ``factor``, PyMC's ``Potential``).

    Use it for likelihoods that are not a single distribution, e.g. a hidden Markov model's
    marginal likelihood from the forward algorithm. Yielding it returns ``log_value``. The term
    is summed over all its dimensions; it has no value of its own in samples.

    Args:
        log_value: the log-density term (any shape; summed).
        name: a name for the term (required).

    Examples:
        >>> import jax, jax.numpy as jnp
        >>> import probflow as pf
        >>> from probflow import distributions as pfd
        >>> @pf.model
        ... def m():
        ...     x = yield pfd.Normal(0.0, 1.0, name="x")
        ...     yield pf.Factor(-0.5 * x**2, name="extra")
        >>> parts = m().log_prob_parts({"x": jnp.asarray(2.0)})
        >>> float(parts["extra"])
        -2.0
    """

    log_value: jnp.ndarray
    name: str = static_field(default=None)

    def __init__(self, log_value, name: str):
        if not isinstance(name, str) or not name:
            raise ValueError(f"Factor: name must be a non-empty string, got {name!r}")
        self._set(log_value=jnp.asarray(log_value), name=name)
