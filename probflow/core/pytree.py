"""The one base class that turns immutable dataclasses into JAX PyTrees.

Subclasses declare their fields as class annotations. A field is a PyTree child
(an array leaf, or a nested PyTree such as a distribution) unless it is declared
static with [`static_field`][probflow.core.pytree.static_field]; static fields are configuration
(ints, strings,
functions, shapes) and become part of the tree structure, so changing them
retraces a jitted function while changing a child's value does not.

Instances are frozen. A subclass may write its own ``__init__`` (to convert and
validate arguments) and store the results with `Struct._set`. When JAX
rebuilds an instance from leaves (after ``jit``, ``vmap``, ``grad``), it bypasses
``__init__``, so validation never runs on tracers or placeholder leaves.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from typing import Any, ClassVar, Self

import jax

__all__ = ["Struct", "static_field", "field"]


def static_field(default: Any = dataclasses.MISSING, **kwargs: Any) -> Any:
    """Declare a static (configuration) field of a [`Struct`][probflow.core.pytree.Struct].

    Examples:
        >>> import jax.numpy as jnp
        >>> class Scaled(Struct):
        ...     value: jnp.ndarray
        ...     power: int = static_field(default=2)
        >>> s = Scaled(jnp.ones(3))
        >>> jax.tree_util.tree_leaves(s)
        [Array([1., 1., 1.], dtype=float32)]
    """
    metadata = dict(kwargs.pop("metadata", {}) or {})
    metadata["static"] = True
    return dataclasses.field(default=default, metadata=metadata, **kwargs)


def field(default: Any = dataclasses.MISSING, **kwargs: Any) -> Any:
    """Declare a PyTree child field with a default (``dataclasses.field`` re-exported).

    Examples:
        >>> import jax.numpy as jnp
        >>> class Box(Struct):
        ...     size: jnp.ndarray = field(default=1.0)
        >>> Box().size
        1.0
    """
    return dataclasses.field(default=default, **kwargs)


class Struct:
    """Immutable dataclass registered as a PyTree.

    Examples:
        >>> import jax, jax.numpy as jnp
        >>> class Point(Struct):
        ...     x: jnp.ndarray
        ...     y: jnp.ndarray
        ...     label: str = static_field(default="p")
        >>> p = Point(jnp.asarray(1.0), jnp.asarray(2.0))
        >>> jax.jit(lambda q: q.x + q.y)(p)
        Array(3., dtype=float32, weak_type=True)
        >>> p.replace(x=jnp.asarray(5.0)).x
        Array(5., dtype=float32, weak_type=True)
    """

    _custom_init: ClassVar[bool] = False
    _child_fields: ClassVar[tuple[str, ...]] = ()
    _static_fields: ClassVar[tuple[str, ...]] = ()

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        # A hand-written __init__ (here or inherited from a Struct ancestor) is kept; otherwise
        # the dataclass one is generated.
        custom_init = "__init__" in cls.__dict__ or any(
            getattr(base, "_custom_init", False) for base in cls.__mro__[1:])
        cls._custom_init = custom_init
        dataclasses.dataclass(cls, frozen=True, eq=False, repr=False, init=not custom_init)
        fields = dataclasses.fields(cls)  # pyright: ignore[reportArgumentType]
        cls._static_fields = tuple(f.name for f in fields if f.metadata.get("static", False))
        cls._child_fields = tuple(f.name for f in fields if not f.metadata.get("static", False))
        jax.tree_util.register_pytree_with_keys(
            cls, _flatten_with_keys, _make_unflatten(cls), _flatten
        )

    # -- construction helpers -------------------------------------------------------------
    def _set(self, **values: Any) -> None:
        """Store field values; only for use inside a subclass's ``__init__``."""
        for name, value in values.items():
            object.__setattr__(self, name, value)

    def replace(self, **changes: Any) -> Self:
        """Return a copy with some fields replaced (no ``__init__``, no validation).

        Examples:
            >>> import probflow.distributions as pfd
            >>> pfd.Normal(0.0, 1.0).replace(loc=3.0).loc
            3.0
        """
        new = object.__new__(type(self))
        for name in self._child_fields + self._static_fields:
            object.__setattr__(new, name, getattr(self, name))
        for name, value in changes.items():
            if name not in self._child_fields and name not in self._static_fields:
                raise TypeError(
                    f"{type(self).__name__}.replace: unknown field {name!r}; fields are "
                    f"{list(self._child_fields + self._static_fields)}"
                )
            object.__setattr__(new, name, value)
        return new

    def __repr__(self) -> str:
        parts = []
        for name in self._child_fields + self._static_fields:
            value: Any = getattr(self, name, None)
            shape = getattr(value, "shape", None)
            if shape is not None and hasattr(value, "dtype"):
                parts.append(f"{name}={value.dtype}{list(shape)}")
            else:
                parts.append(f"{name}={value!r}")
        return f"{type(self).__name__}({', '.join(parts)})"


def _flatten(obj: Struct) -> tuple[tuple[Any, ...], tuple[Any, ...]]:
    children = tuple(getattr(obj, name) for name in obj._child_fields)
    aux = tuple(getattr(obj, name) for name in obj._static_fields)
    return children, aux


def _flatten_with_keys(obj: Struct) -> tuple[tuple[Any, ...], tuple[Any, ...]]:
    children = tuple(
        (jax.tree_util.GetAttrKey(name), getattr(obj, name)) for name in obj._child_fields
    )
    aux = tuple(getattr(obj, name) for name in obj._static_fields)
    return children, aux


def _make_unflatten(cls: type[Struct]) -> Callable[[Any, Any], Struct]:
    def unflatten(aux: Any, children: Any) -> Struct:
        obj = object.__new__(cls)
        for name, value in zip(cls._child_fields, children, strict=True):
            object.__setattr__(obj, name, value)
        for name, value in zip(cls._static_fields, aux, strict=True):
            object.__setattr__(obj, name, value)
        return obj

    return unflatten
