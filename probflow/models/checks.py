"""Checks of the arrays a model is given: NaN/inf in data and model arguments.

One function reports the first non-finite value of any named array; ``condition`` runs it on
the observed data and on the ``@pf.model`` function's array arguments, ``pf.vi.fit`` on new
minibatch arrays and starting parameters, ``Posterior.init`` on initial values.
"""

from __future__ import annotations

import inspect
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeGuard

import jax
import numpy as np

from probflow.core.checks import is_concrete
from probflow.typing import Array

if TYPE_CHECKING:
    from probflow.models.builder import ModelBuilder

__all__ = ["check_finite_arrays", "model_argument_arrays", "bound_model_arguments",
           "is_model_builder", "check_not_model_builder", "reject_point_mass"]


def is_model_builder(obj: object) -> TypeGuard[ModelBuilder]:
    """True when ``obj`` is a ``@pf.model`` function not yet called with its data.

    Drivers that take a model or a posterior (``pf.mcmc.sample``, ``pf.vi.fit``, the
    predictive functions) use it to say "call the model with its data" instead of failing
    further down.

    Examples:
        >>> import probflow as pf
        >>> from probflow import distributions as pfd
        >>> @pf.model
        ... def m():
        ...     yield pfd.Normal(0.0, 1.0, name="x")
        >>> is_model_builder(m), is_model_builder(m())
        (True, False)
    """
    from probflow.models.builder import ModelBuilder

    return isinstance(obj, ModelBuilder)


def check_not_model_builder(owner: str, argument: str, obj: object) -> None:
    """Raise a ``TypeError`` when ``obj`` is a ``@pf.model`` function rather than a model.

    The message names ``owner`` and ``argument`` and spells the fix, e.g.
    ``pf.mcmc.sample(regression(x).condition(y=...), key=key)``.

    Examples:
        >>> import probflow as pf
        >>> from probflow import distributions as pfd
        >>> @pf.model
        ... def m(x):
        ...     yield pfd.Normal(x, 1.0, name="y")
        >>> check_not_model_builder("pf.mcmc.sample", "target", m)
        Traceback (most recent call last):
        ...
        TypeError: pf.mcmc.sample: target is the @pf.model function 'm', not a model; call the \
model with its data, then .condition(...): pf.mcmc.sample(m(x).condition(y=...), ...)
    """
    if not is_model_builder(obj):
        return
    from probflow.models.builder import example_call

    raise TypeError(
        f"{owner}: {argument} is the @pf.model function {obj.generator_fn.__name__!r}, not a "
        f"model; call the model with its data, then .condition(...): "
        f"{owner}({example_call(obj.generator_fn)}.condition(y=...), ...)"
    )


def reject_point_mass(owner: str, node: object) -> None:
    """Raise a ``TypeError`` when a model yields a point-mass distribution as a variable.

    ``yield pfd.Deterministic(value, name=...)`` (TensorFlow Probability's way of recording
    a derived quantity) would make a random variable with zero density off a single point,
    so the sampler finds no finite starting point. probflow records derived quantities
    with [`pf.Deterministic`][probflow.models.deterministic.Deterministic] instead.

    Examples:
        >>> from probflow import distributions as pfd
        >>> reject_point_mass("GeneratorModel", pfd.Normal(0.0, 1.0, name="x"))  # passes
        >>> reject_point_mass("GeneratorModel", pfd.Deterministic(2.0, name="d"))
        Traceback (most recent call last):
        ...
        TypeError: GeneratorModel: variable 'd' is a point mass (pfd.Deterministic), which \
has zero density off one point, so no sampler can start; record a derived quantity with \
`yield pf.Deterministic(value, name='d')` instead (probflow.Deterministic, not \
probflow.distributions.Deterministic)
    """
    from probflow.distributions.deterministic import Deterministic as PointMass

    if isinstance(node, PointMass):
        kind = type(node).__name__
        raise TypeError(
            f"{owner}: variable {node.name!r} is a point mass (pfd.{kind}), which has zero "
            f"density off one point, so no sampler can start; record a derived quantity with "
            f"`yield pf.Deterministic(value, name={node.name!r})` instead "
            f"(probflow.Deterministic, not probflow.distributions.{kind})"
        )


def check_finite_arrays(owner: str, what: str, arrays: Mapping[Any, Any]) -> None:
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


def bound_model_arguments(model: Any) -> dict[str, Any]:
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


def model_argument_arrays(model: Any) -> dict[str, Array | np.ndarray]:
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
