"""What ``@pf.model`` returns: a model builder, called with the model's data to get a model.

A decorated function is not itself a distribution: ``regression.sample(...)`` or
``regression.condition(...)`` on it would end in Python's bare ``'function' object has no
attribute 'sample'``. [`ModelBuilder`][probflow.models.builder.ModelBuilder] behaves like the
decorated function (same name, signature, docstring, pickling by name) and answers such an
attribute with the fix: call the model with its data first.
"""

from __future__ import annotations

import functools
import inspect
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, NoReturn

if TYPE_CHECKING:
    from probflow.models.joint import GeneratorModel

__all__ = ["ModelBuilder"]

# Names a user reaches for on a model (JointDistribution / GeneratorModel) or a Posterior.
_MODEL_ATTRIBUTES = frozenset({
    "sample", "condition", "log_prob", "log_prob_parts", "sample_and_log_prob", "variables",
    "event_shape", "batch_shape", "coords", "dims", "coords_dict", "dims_dict", "mean",
    "unnormalized_log_prob", "latent_names", "observed_names", "init", "flatten",
})


def example_call(generator_fn: Callable[..., Any]) -> str:
    """``"name(a, b)"``: how to call a model function, spelled from its signature.

    Examples:
        >>> def regression(x, y=None, *, n=3):
        ...     yield None
        >>> example_call(regression)
        'regression(x, y=..., n=...)'
    """
    parts = []
    for p in inspect.signature(generator_fn).parameters.values():
        if p.kind is p.VAR_POSITIONAL:
            parts.append(f"*{p.name}")
        elif p.kind is p.VAR_KEYWORD:
            parts.append(f"**{p.name}")
        elif p.default is p.empty and p.kind is not p.KEYWORD_ONLY:
            parts.append(p.name)
        else:
            parts.append(f"{p.name}=...")
    return f"{generator_fn.__name__}({', '.join(parts)})"


class ModelBuilder:
    """A ``@pf.model`` function: call it with the model's arguments to get the model.

    It wraps the decorated generator function (``generator_fn``) and keeps its name,
    signature and docstring. Calling it returns a
    [`GeneratorModel`][probflow.models.joint.GeneratorModel]; asking it for a model's
    attribute (``sample``, ``condition``, ``log_prob``, ...) raises an ``AttributeError``
    that says to call the model with its data first.

    Args:
        build: the function that makes the model from the call's arguments.
        generator_fn: the user's generator function.

    Examples:
        >>> import jax.numpy as jnp
        >>> import probflow as pf
        >>> from probflow import distributions as pfd
        >>> @pf.model
        ... def regression(x):
        ...     w = yield pfd.Normal(0.0, 1.0, name="w")
        ...     yield pfd.Normal(w * x, 1.0, name="y")
        >>> type(regression).__name__, regression.__name__
        ('ModelBuilder', 'regression')
        >>> regression.condition(y=jnp.ones(3))
        Traceback (most recent call last):
        ...
        AttributeError: 'regression' is the @pf.model function, not a model, so it has no \
attribute 'condition': call the model with its data, then .condition(...), e.g. \
regression(x).condition(y=...)
    """

    # Copied from the generator function by ``functools.update_wrapper``.
    __name__: str
    __qualname__: str
    __wrapped__: Callable[..., Any]

    def __init__(self, build: Callable[..., GeneratorModel], generator_fn: Callable[..., Any]):
        functools.update_wrapper(self, generator_fn)
        self._build = build
        self.generator_fn = generator_fn

    def __call__(self, *args: Any, **kwargs: Any) -> GeneratorModel:
        return self._build(*args, **kwargs)

    def __getattr__(self, name: str) -> NoReturn:
        # Only reached when normal lookup fails.
        if name.startswith("__") or name in ("_build", "generator_fn"):
            raise AttributeError(name)
        call = example_call(self.generator_fn)
        label = self.generator_fn.__name__
        if name in _MODEL_ATTRIBUTES:
            observed = "y=..." if name == "condition" else "..."
            raise AttributeError(
                f"{label!r} is the @pf.model function, not a model, so it has no attribute "
                f"{name!r}: call the model with its data, then .condition(...), e.g. "
                f"{call}.condition({observed})"
                + ("" if name == "condition" else f" (or {call}.{name}(...) for the prior)")
            )
        raise AttributeError(
            f"{label!r} (a @pf.model function) has no attribute {name!r}; call it with the "
            f"model's data to get the model: {call}"
        )

    def __repr__(self) -> str:
        return f"<@pf.model {self.generator_fn.__qualname__}{inspect.signature(self)}>"

    def __reduce__(self) -> str:
        # Pickled by reference, like the function it stands for.
        return self.__qualname__
