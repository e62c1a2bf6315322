"""Shape bijectors: ``Reshape``, ``Transpose``, ``Permute``, ``Pad`` and ``Split``.

They rearrange entries without changing values, so their log-determinants are
zero. Their configuration (shapes, permutations, paddings) is static.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import jax
import jax.numpy as jnp
import numpy as np

from probflow.bijectors._utils import float_params, static_int_tuple
from probflow.bijectors.bijector import Bijector
from probflow.core.errors import ShapeError
from probflow.core.pytree import static_field
from probflow.typing import ArrayLike, PyTree

__all__ = ["Reshape", "Transpose", "Permute", "Pad", "Split"]


def _zero_ldj(value):
    leaf = jax.tree_util.tree_leaves(value)[0]
    dtype = leaf.dtype if jnp.issubdtype(leaf.dtype, jnp.floating) else jnp.result_type(float)
    return jnp.zeros((), dtype=dtype)


def _resolve(owner: str, pattern: tuple[int, ...], size: int) -> tuple[int, ...]:
    """Replace a ``-1`` in ``pattern`` so that the shape holds ``size`` entries."""
    known = math.prod(d for d in pattern if d != -1)
    if pattern.count(-1) == 0:
        if known != size:
            raise ShapeError(f"{owner}: cannot reshape {size} entries into the shape {pattern}")
        return pattern
    if known == 0 or size % known:
        raise ShapeError(f"{owner}: cannot reshape {size} entries into the shape {pattern}")
    return tuple(size // known if d == -1 else d for d in pattern)


def _matches(pattern, shape) -> bool:
    return len(pattern) == len(shape) and all(p in (-1, s) for p, s in zip(pattern, shape,
                                                                            strict=True))


class Reshape(Bijector):
    """Reshape the rightmost dims from ``event_shape_in`` to ``event_shape_out``.

    Either shape may hold one ``-1``, inferred from the number of entries.
    ``forward_min_event_ndims = len(event_shape_in)``,
    ``inverse_min_event_ndims = len(event_shape_out)``.

    Examples:
        >>> import jax.numpy as jnp
        >>> import probflow.bijectors as pfb
        >>> b = pfb.Reshape([2, 3])
        >>> b.forward(jnp.zeros((4, 6))).shape
        (4, 2, 3)
        >>> b.inverse_event_shape((2, 3))
        (6,)
    """

    event_shape_out: tuple[int, ...] = static_field()
    event_shape_in: tuple[int, ...] = static_field(default=(-1,))
    is_constant_jacobian = True

    def __init__(self, event_shape_out: Sequence[int], event_shape_in: Sequence[int] = (-1,), *,
                 validate_args: bool = False, name: str | None = None):
        owner = type(self).__name__
        event_shape_out = static_int_tuple(owner, "event_shape_out", event_shape_out)
        event_shape_in = static_int_tuple(owner, "event_shape_in", event_shape_in)
        for label, shape in (("event_shape_out", event_shape_out),
                             ("event_shape_in", event_shape_in)):
            if shape.count(-1) > 1 or any(d < -1 for d in shape):
                raise ValueError(f"{owner}: {label} may hold at most one -1 and no other "
                                 f"negative sizes, got {shape}")
        self._set(event_shape_out=event_shape_out, event_shape_in=event_shape_in,
                  validate_args=validate_args, name=name)

    @property
    def forward_min_event_ndims(self) -> int:  # pyright: ignore[reportIncompatibleVariableOverride]
        return len(self.event_shape_in)

    @property
    def inverse_min_event_ndims(self) -> int:  # pyright: ignore[reportIncompatibleVariableOverride]
        return len(self.event_shape_out)

    def _convert(self, value, pattern_from, pattern_to, label):
        n = len(pattern_from)
        event = value.shape[value.ndim - n:] if n else ()
        if value.ndim < n or not _matches(pattern_from, event):
            raise ShapeError(
                f"{type(self).__name__}: input of shape {tuple(value.shape)} does not end in "
                f"the {label} {pattern_from}"
            )
        out = _resolve(type(self).__name__, pattern_to, math.prod(event))
        return value.reshape(value.shape[: value.ndim - n] + out)

    def _forward(self, x):
        return self._convert(x, self.event_shape_in, self.event_shape_out, "event_shape_in")

    def _inverse(self, y):
        return self._convert(y, self.event_shape_out, self.event_shape_in, "event_shape_out")

    def _forward_log_det_jacobian(self, x):
        return _zero_ldj(x)

    def _inverse_log_det_jacobian(self, y):
        return _zero_ldj(y)

    def forward_event_shape(self, input_shape: Sequence[int]) -> tuple[int, ...]:
        shape = tuple(input_shape)
        n = len(self.event_shape_in)
        event = shape[len(shape) - n:] if n else ()
        if len(shape) < n or not _matches(self.event_shape_in, event):
            raise ShapeError(f"Reshape: shape {shape} does not end in {self.event_shape_in}")
        return shape[: len(shape) - n] + _resolve("Reshape", self.event_shape_out,
                                                  math.prod(event))

    def inverse_event_shape(self, output_shape: Sequence[int]) -> tuple[int, ...]:
        shape = tuple(output_shape)
        n = len(self.event_shape_out)
        event = shape[len(shape) - n:] if n else ()
        if len(shape) < n or not _matches(self.event_shape_out, event):
            raise ShapeError(f"Reshape: shape {shape} does not end in {self.event_shape_out}")
        return shape[: len(shape) - n] + _resolve("Reshape", self.event_shape_in,
                                                  math.prod(event))


class Transpose(Bijector):
    """Permute the rightmost ``len(perm)`` axes: ``y = transpose(x, batch axes + perm)``.

    Give ``perm`` (a permutation of ``range(k)``) or ``rightmost_transposed_ndims``
    (reverse the last ``k`` axes).

    Examples:
        >>> import jax.numpy as jnp
        >>> import probflow.bijectors as pfb
        >>> pfb.Transpose([1, 0]).forward(jnp.zeros((5, 2, 3))).shape
        (5, 3, 2)
    """

    perm: tuple[int, ...] = static_field()
    is_constant_jacobian = True

    def __init__(self, perm: Sequence[int] | None = None,
                 rightmost_transposed_ndims: int | None = None, *, validate_args: bool = False,
                 name: str | None = None):
        if (perm is None) == (rightmost_transposed_ndims is None):
            raise ValueError("Transpose: give exactly one of perm or rightmost_transposed_ndims")
        if perm is None:
            assert rightmost_transposed_ndims is not None  # exactly one of the two is given
            perm = tuple(range(int(rightmost_transposed_ndims) - 1, -1, -1))
        perm = static_int_tuple("Transpose", "perm", perm)
        if sorted(perm) != list(range(len(perm))):
            raise ValueError(f"Transpose: perm must be a permutation of range({len(perm)}), "
                             f"got {perm}")
        self._set(perm=perm, validate_args=validate_args, name=name)

    @property
    def forward_min_event_ndims(self) -> int:  # pyright: ignore[reportIncompatibleVariableOverride]
        return len(self.perm)

    @property
    def inverse_min_event_ndims(self) -> int:  # pyright: ignore[reportIncompatibleVariableOverride]
        return len(self.perm)

    def _apply(self, value, perm):
        nb = value.ndim - len(perm)
        return jnp.transpose(value, tuple(range(nb)) + tuple(nb + p for p in perm))

    def _forward(self, x):
        return self._apply(x, self.perm)

    def _inverse(self, y):
        return self._apply(y, tuple(int(i) for i in np.argsort(self.perm)))

    def _forward_log_det_jacobian(self, x):
        return _zero_ldj(x)

    def _inverse_log_det_jacobian(self, y):
        return _zero_ldj(y)

    def forward_event_shape(self, input_shape: Sequence[int]) -> tuple[int, ...]:
        shape = tuple(input_shape)
        nb = len(shape) - len(self.perm)
        return shape[:nb] + tuple(shape[nb + p] for p in self.perm)

    def inverse_event_shape(self, output_shape: Sequence[int]) -> tuple[int, ...]:
        shape = tuple(output_shape)
        nb = len(shape) - len(self.perm)
        inv = np.argsort(self.perm)
        return shape[:nb] + tuple(shape[nb + int(p)] for p in inv)


class Permute(Bijector):
    """Reorder entries along ``axis``: ``y[..., i] = x[..., permutation[i]]``.

    ``permutation`` is static configuration (a tuple of ints); ``axis`` is negative,
    and ``forward_min_event_ndims = -axis``.

    Examples:
        >>> import jax.numpy as jnp
        >>> import probflow.bijectors as pfb
        >>> pfb.Permute([2, 0, 1]).forward(jnp.asarray([10.0, 11.0, 12.0]))
        Array([12., 10., 11.], dtype=float32)
    """

    permutation: tuple[int, ...] = static_field()
    axis: int = static_field(default=-1)
    is_constant_jacobian = True

    def __init__(self, permutation: Sequence[int], axis: int = -1, *, validate_args: bool = False,
                 name: str | None = None):
        permutation = static_int_tuple("Permute", "permutation", permutation)
        if sorted(permutation) != list(range(len(permutation))):
            raise ValueError(f"Permute: permutation must be a permutation of "
                             f"range({len(permutation)}), got {permutation}")
        if int(axis) >= 0:
            raise ValueError(f"Permute: axis must be negative (counted from the right), "
                             f"got {axis}")
        self._set(permutation=permutation, axis=int(axis), validate_args=validate_args,
                  name=name)

    @property
    def forward_min_event_ndims(self) -> int:  # pyright: ignore[reportIncompatibleVariableOverride]
        return -self.axis

    @property
    def inverse_min_event_ndims(self) -> int:  # pyright: ignore[reportIncompatibleVariableOverride]
        return -self.axis

    def _forward(self, x):
        return jnp.take(x, np.asarray(self.permutation, dtype=int), axis=self.axis)

    def _inverse(self, y):
        return jnp.take(y, np.argsort(self.permutation), axis=self.axis)

    def _forward_log_det_jacobian(self, x):
        return _zero_ldj(x)

    def _inverse_log_det_jacobian(self, y):
        return _zero_ldj(y)


class Pad(Bijector):
    """Pad the rightmost axes with ``constant_values``: a bijection onto the padded subspace.

    ``paddings`` is a sequence of ``(before, after)`` pairs, one for each of the
    ``axis`` (default: the last ``len(paddings)`` axes); ``inverse`` slices the
    padding off. The log-determinant is zero (as in TFP).

    Examples:
        >>> import jax.numpy as jnp
        >>> import probflow.bijectors as pfb
        >>> pfb.Pad().forward(jnp.ones(2))
        Array([1., 1., 0.], dtype=float32)
        >>> pfb.Pad(((1, 0),)).inverse(jnp.asarray([0.0, 5.0]))
        Array([5.], dtype=float32)
    """

    constant_values: jax.Array
    paddings: tuple[tuple[int, int], ...] = static_field(default=((0, 1),))
    axis: tuple[int, ...] = static_field(default=(-1,))
    is_constant_jacobian = True

    def __init__(self, paddings: Sequence[Sequence[int]] = ((0, 1),), mode: str = "CONSTANT",
                 constant_values: ArrayLike = 0, axis: int | Sequence[int] | None = None, *,
                 validate_args: bool = False, name: str | None = None):
        if str(mode).upper() != "CONSTANT":
            raise ValueError(f"Pad: only mode='CONSTANT' is supported, got {mode!r}")
        pairs = np.asarray(paddings)
        if pairs.ndim != 2 or pairs.shape[-1] != 2 or np.any(pairs < 0):
            raise ValueError(f"Pad: paddings must be (before, after) pairs of non-negative "
                             f"ints, got {paddings!r}")
        pairs = tuple((int(a), int(b)) for a, b in pairs)
        if axis is None:
            axis = tuple(range(-len(pairs), 0))
        axis = static_int_tuple("Pad", "axis", np.atleast_1d(axis))
        if len(axis) != len(pairs) or any(a >= 0 for a in axis) or len(set(axis)) != len(axis):
            raise ValueError(f"Pad: axis must be {len(pairs)} distinct negative ints, got {axis}")
        self._set(paddings=pairs, axis=axis, constant_values=float_params(constant_values)[0],
                  validate_args=validate_args, name=name)

    @property
    def forward_min_event_ndims(self) -> int:  # pyright: ignore[reportIncompatibleVariableOverride]
        return -min(self.axis)

    @property
    def inverse_min_event_ndims(self) -> int:  # pyright: ignore[reportIncompatibleVariableOverride]
        return -min(self.axis)

    def _forward(self, x):
        widths = [(0, 0)] * x.ndim
        for a, pair in zip(self.axis, self.paddings, strict=True):
            widths[x.ndim + a] = pair
        return jnp.pad(x, widths, constant_values=jnp.asarray(self.constant_values, x.dtype))

    def _inverse(self, y):
        index = [slice(None)] * y.ndim
        for a, (before, after) in zip(self.axis, self.paddings, strict=True):
            index[y.ndim + a] = slice(before, y.shape[a] - after)
        return y[tuple(index)]

    def _forward_log_det_jacobian(self, x):
        return _zero_ldj(x)

    def _inverse_log_det_jacobian(self, y):
        return _zero_ldj(y)

    def forward_event_shape(self, input_shape: Sequence[int]) -> tuple[int, ...]:
        shape = list(input_shape)
        for a, (before, after) in zip(self.axis, self.paddings, strict=True):
            shape[len(shape) + a] += before + after
        return tuple(shape)

    def inverse_event_shape(self, output_shape: Sequence[int]) -> tuple[int, ...]:
        shape = list(output_shape)
        for a, (before, after) in zip(self.axis, self.paddings, strict=True):
            shape[len(shape) + a] -= before + after
        return tuple(shape)


class Split(Bijector):
    """Split ``axis`` into parts: ``forward`` returns a list, ``inverse`` concatenates one.

    ``num_or_size_splits`` is a number of equal parts or a sequence of sizes (one
    may be ``-1``). The log-determinant is zero.

    Examples:
        >>> import jax.numpy as jnp
        >>> import probflow.bijectors as pfb
        >>> parts = pfb.Split([1, -1]).forward(jnp.arange(4.0))
        >>> [p.shape for p in parts]
        [(1,), (3,)]
        >>> pfb.Split(2).inverse([jnp.zeros(2), jnp.ones(2)])
        Array([0., 0., 1., 1.], dtype=float32)
    """

    num_or_size_splits: int | tuple[int, ...] = static_field()
    axis: int = static_field(default=-1)
    is_constant_jacobian = True

    def __init__(self, num_or_size_splits: int | Sequence[int], axis: int = -1, *,
                 validate_args: bool = False, name: str | None = None):
        if isinstance(num_or_size_splits, int | np.integer):
            splits = int(num_or_size_splits)
            if splits < 1:
                raise ValueError(f"Split: the number of parts must be positive, got {splits}")
        else:
            splits = static_int_tuple("Split", "num_or_size_splits", num_or_size_splits)
            if splits.count(-1) > 1 or any(s < -1 for s in splits):
                raise ValueError(f"Split: sizes may hold at most one -1 and no other negative "
                                 f"values, got {splits}")
        if int(axis) >= 0:
            raise ValueError(f"Split: axis must be negative, got {axis}")
        self._set(num_or_size_splits=splits, axis=int(axis), validate_args=validate_args,
                  name=name)

    @property
    def forward_min_event_ndims(self) -> int:  # pyright: ignore[reportIncompatibleVariableOverride]
        return -self.axis

    @property
    def inverse_min_event_ndims(self) -> int:  # pyright: ignore[reportIncompatibleVariableOverride]
        return -self.axis

    def _sizes(self, total: int) -> tuple[int, ...]:
        splits = self.num_or_size_splits
        if isinstance(splits, int):
            if total % splits:
                raise ShapeError(f"Split: cannot split {total} entries into {splits} equal parts")
            return (total // splits,) * splits
        known = sum(s for s in splits if s != -1)
        if -1 in splits:
            if known > total:
                raise ShapeError(f"Split: sizes {splits} exceed the {total} entries")
            return tuple(total - known if s == -1 else s for s in splits)
        if known != total:
            raise ShapeError(f"Split: sizes {splits} do not add up to the {total} entries")
        return splits

    def _forward(self, x):
        sizes = self._sizes(x.shape[self.axis])
        cuts = np.cumsum(sizes)[:-1].tolist()
        return list(jnp.split(x, cuts, axis=self.axis))

    def _inverse(self, y):
        return jnp.concatenate(list(y), axis=self.axis)

    def _forward_log_det_jacobian(self, x):
        return _zero_ldj(x)

    def _inverse_log_det_jacobian(self, y):
        return _zero_ldj(y)

    def forward_event_shape(self, input_shape: Sequence[int]) -> PyTree:
        shape = tuple(input_shape)
        sizes = self._sizes(shape[self.axis])
        out = []
        for size in sizes:
            part = list(shape)
            part[len(shape) + self.axis] = size
            out.append(tuple(part))
        return out

    def inverse_event_shape(self, output_shape: Sequence[Sequence[int]]) -> tuple[int, ...]:
        shapes = [tuple(s) for s in output_shape]
        first = list(shapes[0])
        first[len(first) + self.axis] = sum(s[self.axis] for s in shapes)
        return tuple(first)
