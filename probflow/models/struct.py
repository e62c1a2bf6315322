"""``StructTuple``: named values reachable by name, by attribute and by position.

Draws of a [`JointDistributionCoroutine`][probflow.models.coroutine.JointDistributionCoroutine]
are ``StructTuple``s, as TFP's are, so code written for TFP keeps working:
``draws.y`` and ``mu, scale, y = draws`` (a tuple's unpacking), next to probflow's dict
access ``draws["y"]``, ``draws.keys()``, ``draws.items()``, ``dict(draws)`` and
``f(**draws)``. It is an immutable, registered PyTree (its values are the children, its
names the static structure), so it passes through ``jit``, ``vmap`` and ``tree_map``.

One difference from a dict: iterating yields the values, as iterating a tuple does
(that is what makes unpacking work); iterate ``keys()`` or ``items()`` for names.
``name in draws`` tests the names.
"""

from __future__ import annotations

from collections.abc import ItemsView, Iterable, Iterator, KeysView, Mapping, ValuesView
from typing import Any, NoReturn, SupportsIndex

import jax

__all__ = ["StructTuple", "values_by_name"]


class StructTuple:
    """Immutable named tuple of values with dict access by name (TFP's ``StructTuple``).

    Args:
        values: a mapping (or iterable of ``(name, value)`` pairs) giving the names in order.
        **named: further ``name=value`` pairs, after those of ``values``.

    Examples:
        >>> import jax, jax.numpy as jnp
        >>> s = StructTuple({"mu": jnp.asarray(1.0), "y": jnp.arange(3.0)})
        >>> float(s.mu), s["y"].shape, float(s[0])
        (1.0, (3,), 1.0)
        >>> mu, y = s
        >>> list(s.keys()), "y" in s
        (['mu', 'y'], True)
        >>> jax.tree_util.tree_map(lambda v: v * 2, s)
        StructTuple(mu=Array(2., dtype=float32, weak_type=True), y=Array([0., 2., 4.], dtype=float32))
    """  # noqa: E501

    __slots__ = ("_names", "_items")

    def __init__(self, values: Mapping[str, Any] | StructTuple | Iterable[tuple[str, Any]] = (),
                 /, **named: Any):
        pairs = list(values.items() if isinstance(values, Mapping | StructTuple) else values)
        pairs += list(named.items())
        names = tuple(str(k) for k, _ in pairs)
        if len(set(names)) != len(names):
            raise ValueError(f"StructTuple: names must be unique, got {list(names)}")
        object.__setattr__(self, "_names", names)
        object.__setattr__(self, "_items", tuple(v for _, v in pairs))

    # -- tuple behaviour --------------------------------------------------------------------
    @property
    def _fields(self) -> tuple[str, ...]:
        """The names in order (as a namedtuple's ``_fields``).

        Examples:
            >>> StructTuple(a=1, b=2)._fields
            ('a', 'b')
        """
        return self._names

    def __iter__(self) -> Iterator[Any]:
        return iter(self._items)

    def __len__(self) -> int:
        return len(self._items)

    def __getitem__(self, key: str | SupportsIndex | slice) -> Any:
        if isinstance(key, str):
            try:
                return self._items[self._names.index(key)]
            except ValueError:
                raise KeyError(
                    f"StructTuple has no entry {key!r}; its names are {list(self._names)}"
                ) from None
        return self._items[key]

    def __getattr__(self, name: str) -> Any:
        if name.startswith("__") or name in ("_names", "_items"):
            raise AttributeError(name)
        names = object.__getattribute__(self, "_names")
        if name in names:
            return object.__getattribute__(self, "_items")[names.index(name)]
        raise AttributeError(
            f"StructTuple has no attribute {name!r}; its names are {list(names)}"
        )

    def __setattr__(self, name: str, value: Any) -> NoReturn:
        raise AttributeError(f"StructTuple is immutable; use _replace({name}=...)")

    def _replace(self, **changes: Any) -> StructTuple:
        """A copy with some values replaced (as a namedtuple's ``_replace``).

        Examples:
            >>> StructTuple(a=1, b=2)._replace(b=5)
            StructTuple(a=1, b=5)
        """
        unknown = [k for k in changes if k not in self._names]
        if unknown:
            raise ValueError(f"StructTuple._replace: unknown names {unknown}; names are "
                             f"{list(self._names)}")
        return StructTuple([(k, changes.get(k, v)) for k, v in self.items()])

    def _asdict(self) -> dict[str, Any]:
        """A plain ``dict`` of the entries, in order.

        Examples:
            >>> StructTuple(a=1, b=2)._asdict()
            {'a': 1, 'b': 2}
        """
        return dict(zip(self._names, self._items, strict=True))

    # -- dict behaviour ---------------------------------------------------------------------
    def keys(self) -> KeysView[str]:
        """The names, in order.

        Examples:
            >>> list(StructTuple(a=1, b=2).keys())
            ['a', 'b']
        """
        return self._asdict().keys()

    def values(self) -> ValuesView[Any]:
        """The values, in order.

        Examples:
            >>> list(StructTuple(a=1, b=2).values())
            [1, 2]
        """
        return self._asdict().values()

    def items(self) -> ItemsView[str, Any]:
        """``(name, value)`` pairs, in order.

        Examples:
            >>> list(StructTuple(a=1, b=2).items())
            [('a', 1), ('b', 2)]
        """
        return self._asdict().items()

    def get(self, name: str, default: Any = None) -> Any:
        """The value called ``name``, else ``default``.

        Examples:
            >>> StructTuple(a=1).get("a"), StructTuple(a=1).get("z", 0)
            (1, 0)
        """
        return self[name] if name in self._names else default

    def __contains__(self, name: object) -> bool:
        return name in self._names

    def __repr__(self) -> str:
        inner = ", ".join(f"{k}={v!r}" for k, v in self.items())
        return f"StructTuple({inner})"


def _flatten_with_keys(s: StructTuple) -> tuple[tuple[tuple[Any, Any], ...], tuple[str, ...]]:
    return tuple((jax.tree_util.GetAttrKey(k), v) for k, v in s.items()), s._names


def _flatten(s: StructTuple) -> tuple[tuple[Any, ...], tuple[str, ...]]:
    return s._items, s._names


def _unflatten(names: tuple[str, ...], children: Iterable[Any]) -> StructTuple:
    return StructTuple(zip(names, children, strict=True))


jax.tree_util.register_pytree_with_keys(StructTuple, _flatten_with_keys, _unflatten, _flatten)


def values_by_name(owner: str, names: Iterable[str], args: tuple[Any, ...],
                   kwargs: Mapping[str, Any], *, drop_none: bool = False) -> dict[str, Any]:
    """``{name: value}`` from TFP's calling conventions for joint-distribution methods.

    Accepts one mapping (a dict, a ``StructTuple``, a namedtuple), values by position in
    the order of ``names`` (as separate arguments or as one list), or keyword arguments.

    Args:
        owner: the caller, named in errors (e.g. ``"JointDistributionCoroutine.log_prob"``).
        names: the variable names, in order.
        args: the positional arguments of the call.
        kwargs: the keyword arguments of the call.
        drop_none: leave out entries whose value is ``None`` (TFP's ``experimental_pin``).

    Examples:
        >>> values_by_name("f", ("mu", "y"), (1.0, 2.0), {})
        {'mu': 1.0, 'y': 2.0}
        >>> values_by_name("f", ("mu", "y"), ([1.0, None],), {}, drop_none=True)
        {'mu': 1.0}
        >>> values_by_name("f", ("mu", "y"), (), {"y": 3.0})
        {'y': 3.0}
    """
    names = tuple(names)
    if args and kwargs:
        raise TypeError(f"{owner}: pass values either by position or by name, not both "
                        f"(got {len(args)} positional and {sorted(kwargs)} by name)")
    if kwargs:
        out = dict(kwargs)
    elif len(args) == 1 and (isinstance(args[0], Mapping | StructTuple)
                             or hasattr(args[0], "_asdict")):
        value: Any = args[0]  # a mapping, a StructTuple or a namedtuple
        out = dict(value._asdict() if hasattr(value, "_asdict") else value.items())
    else:
        if len(args) == 1 and isinstance(args[0], list | tuple) and len(names) > 1:
            args = tuple(args[0])
        if len(args) > len(names):
            raise TypeError(f"{owner}: got {len(args)} values by position but the model has "
                            f"{len(names)} variables {list(names)}")
        out = dict(zip(names, args, strict=False))
    unknown = [k for k in out if k not in names]
    if unknown:
        raise KeyError(f"{owner}: {unknown} are not variables of the model; its variables "
                       f"are {list(names)}")
    if drop_none:
        out = {k: v for k, v in out.items() if v is not None}
    return out
