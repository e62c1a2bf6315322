"""Checks of the arrays a model is given: NaN/inf in data and model arguments.

One function reports the first non-finite value of any named array; ``condition`` runs it on
the observed data and on the ``@pf.model`` function's array arguments, ``pf.vi.fit`` on new
minibatch arrays and starting parameters, ``Posterior.init`` on initial values.
"""

from __future__ import annotations

import inspect

import jax
import numpy as np

from probflow.core.checks import is_concrete

__all__ = ["check_finite_arrays", "model_argument_arrays", "bound_model_arguments"]


def check_finite_arrays(owner: str, what: str, arrays: dict) -> None:
    """Raise a ``ValueError`` naming the first NaN/inf in any concrete floating array.

    The message reads ``"{owner}: {what} {name!r} contains nan at index (i, ...); ..."``.
    Integer and boolean arrays, and traced values (inside ``jit``), are skipped.

    Examples:
        >>> import numpy as np
        >>> check_finite_arrays("condition", "data for", {"y": np.ones(3)})  # passes silently
        >>> check_finite_arrays("condition", "data for", {"y": np.asarray([1.0, np.inf])})
        Traceback (most recent call last):
        ...
        ValueError: condition: data for 'y' contains inf at index (1,); remove or impute \
missing values (NaN/inf) first
    """
    for name, value in arrays.items():
        if not is_concrete(value):
            continue
        array = np.asarray(value)
        if not np.issubdtype(array.dtype, np.inexact):
            continue
        bad = ~np.isfinite(array)
        if bad.any():
            index = tuple(int(i) for i in np.argwhere(bad)[0])
            raise ValueError(f"{owner}: {what} {name!r} contains {array[index].item()!r} at "
                             f"index {index}; remove or impute missing values (NaN/inf) first")


def bound_model_arguments(model) -> dict:
    """``{parameter name: value}`` of the arguments a ``@pf.model`` model was called with.

    Empty for models that are not generator models (or whose call cannot be bound).

    Examples:
        >>> import jax.numpy as jnp
        >>> import probflow as pf
        >>> from probflow import distributions as pfd
        >>> @pf.model
        ... def m(x, n=2):
        ...     yield pfd.Normal(x, 1.0, name="y")
        >>> list(bound_model_arguments(m(jnp.ones(3))))
        ['x']
    """
    fn = getattr(model, "fn", None)
    if fn is None or not hasattr(model, "_arguments"):
        return {}
    args, kwargs = model._arguments()
    try:
        return dict(inspect.signature(fn).bind(*args, **kwargs).arguments)
    except TypeError:
        return {}


def model_argument_arrays(model) -> dict:
    """``{name: array}`` for every array among a ``@pf.model`` model's arguments.

    Top-level arguments are named by their parameter name (``"x"``), arrays nested in a
    container argument by their path (``"data['x']"``). Models of the named and sequential
    forms have no arguments: ``{}``.

    Examples:
        >>> import jax.numpy as jnp
        >>> import probflow as pf
        >>> from probflow import distributions as pfd
        >>> @pf.model
        ... def m(x, inputs, n):
        ...     yield pfd.Normal(x * inputs["w"], 1.0, name="y")
        >>> sorted(model_argument_arrays(m(jnp.ones(2), {"w": jnp.ones(2)}, 3)))
        ["inputs['w']", 'x']
    """
    out = {}
    for name, value in bound_model_arguments(model).items():
        leaves = jax.tree_util.tree_flatten_with_path(value)[0]
        for path, leaf in leaves:
            if isinstance(leaf, jax.Array | np.ndarray):
                out[name + jax.tree_util.keystr(path)] = leaf
    return out
