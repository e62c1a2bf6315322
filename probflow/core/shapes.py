"""Shape helpers for TFP's shape semantics.

A sample has shape ``sample_shape + batch_shape + event_shape``. Parameters
broadcast against each other to define ``batch_shape``; a parameter with
``event_ndims`` trailing event dimensions contributes ``shape[:-event_ndims]``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from probflow.core.errors import ShapeError
from probflow.typing import Shape, ShapeLike

__all__ = ["as_shape", "broadcast_shapes", "batch_shape_of", "prefer_static_size"]


def as_shape(shape: ShapeLike) -> Shape:
    """Normalise ``shape`` (an int, a sequence of ints, or ``()``) to a tuple of ints.

    Examples:
        >>> as_shape(3), as_shape([2, 4]), as_shape(())
        ((3,), (2, 4), ())
    """
    if isinstance(shape, int | np.integer):
        shape = (int(shape),)
    if isinstance(shape, str | bytes):
        raise TypeError(f"sample_shape must be an int or a tuple of ints, got {shape!r}")
    try:
        out = tuple(int(s) for s in shape)
    except (TypeError, ValueError) as err:
        raise TypeError(f"sample_shape must be an int or a tuple of ints, got {shape!r}") from err
    if any(s < 0 for s in out):
        raise ShapeError(f"sample_shape must have non-negative entries, got {out}")
    return out


def broadcast_shapes(*shapes: Sequence[int], what: str = "parameters") -> tuple[int, ...]:
    """Broadcast shapes with NumPy rules; on failure name ``what`` and give every shape.

    Examples:
        >>> broadcast_shapes((3, 1), (4,))
        (3, 4)
    """
    try:
        return tuple(np.broadcast_shapes(*[tuple(s) for s in shapes]))
    except ValueError as err:
        raise ShapeError(
            f"{what} have shapes {', '.join(str(tuple(s)) for s in shapes)} that do not broadcast"
        ) from err


def batch_shape_of(params: Mapping[str, Any], event_ndims: Mapping[str, int],
                   owner: str = "") -> tuple[int, ...]:
    """Batch shape implied by ``params`` whose trailing ``event_ndims[name]`` dims are events.

    Examples:
        >>> import numpy as np
        >>> batch_shape_of({"loc": np.zeros((2, 3)), "scale_tril": np.eye(3)},
        ...                {"loc": 1, "scale_tril": 2})
        (2,)
    """
    shapes = []
    for name, value in params.items():
        if value is None:
            continue
        shape = tuple(np.shape(value))
        nd = event_ndims.get(name, 0)
        if len(shape) < nd:
            raise ShapeError(
                f"{owner}: {name} must have at least {nd} dimension(s), got shape {shape}"
            )
        shapes.append(shape[: len(shape) - nd] if nd else shape)
    label = f"{owner} parameters" if owner else "parameters"
    return broadcast_shapes(*shapes, what=label) if shapes else ()


def prefer_static_size(shape: Sequence[int]) -> int:
    """Number of elements of a static shape.

    Examples:
        >>> prefer_static_size((2, 3)), prefer_static_size(())
        (6, 1)
    """
    return int(np.prod(shape, dtype=np.int64)) if len(shape) else 1
