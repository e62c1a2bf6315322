"""``pf.Deterministic``: a derived quantity recorded in a model's output, adding no density."""

from __future__ import annotations

from collections.abc import Sequence

import jax.numpy as jnp

from probflow.core.pytree import Struct, static_field
from probflow.typing import ArrayLike

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
    dims: tuple[str, ...] | None = static_field(default=None)

    def __init__(self, value: ArrayLike, name: str, dims: str | Sequence[str] | None = None):
        if not isinstance(name, str) or not name:
            raise ValueError(f"Deterministic: name must be a non-empty string, got {name!r}")
        dims = (dims,) if isinstance(dims, str) else (tuple(dims) if dims is not None else None)
        self._set(value=jnp.asarray(value), name=name, dims=dims)


class Factor(Struct):
    """A term added to a model's log density (like NumPyro's ``factor``, PyMC's ``Potential``).

    Use it for likelihoods that are not a single distribution, e.g. a hidden Markov model's
    marginal likelihood from the forward algorithm. Yielding it returns ``log_value``. The term
    is summed over all its dimensions; it has no value of its own in samples.

    With ``likelihood=True`` the factor declares itself a likelihood whose elements are the
    log densities of single observations, ``log p(y_i | latents)``: ``log_value`` has one
    element per observation (any shape), and inference output holds it in the
    ``log_likelihood`` group under ``name``, so ``az.loo`` and ``az.waic`` work on models whose
    likelihood is written by hand. (Name its axes with the model's ``dims={name: ...}``.)

    Args:
        log_value: the log-density term (any shape; summed).
        name: a name for the term (required).
        likelihood: the elements of ``log_value`` are pointwise log likelihoods.

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

        A hand-written likelihood with one term per observation:

        >>> y = jnp.asarray([0.3, -1.2, 0.8])
        >>> @pf.model
        ... def hand_written():
        ...     mu = yield pfd.Normal(0.0, 1.0, name="mu")
        ...     yield pf.Factor(pfd.Normal(mu, 1.0).log_prob(y), name="y", likelihood=True)
        >>> post = hand_written().condition()
        >>> post.pointwise_log_likelihood({"mu": jnp.asarray(0.0)})["y"].shape
        (3,)
    """

    log_value: jnp.ndarray
    name: str = static_field(default=None)
    likelihood: bool = static_field(default=False)

    def __init__(self, log_value: ArrayLike, name: str, *, likelihood: bool = False):
        if not isinstance(name, str) or not name:
            raise ValueError(f"Factor: name must be a non-empty string, got {name!r}")
        if not isinstance(likelihood, bool):
            raise TypeError(f"Factor: likelihood must be True or False, got {likelihood!r}")
        log_value = jnp.asarray(log_value)
        if likelihood and log_value.ndim == 0:
            raise ValueError(
                f"Factor {name!r}: a likelihood needs one log-density term per observation "
                f"(an array with a dimension for the observations), got a scalar; pass the "
                f"terms before summing them, e.g. pfd.Normal(mu, sigma).log_prob(y)"
            )
        self._set(log_value=log_value, name=name, likelihood=likelihood)
