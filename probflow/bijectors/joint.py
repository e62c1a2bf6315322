"""Bijectors of several parts: ``Blockwise`` (blocks of a vector), ``JointMap`` (one bijector
per part of a structure) and ``Restructure`` (re-nest the parts)."""

from __future__ import annotations

from collections.abc import Sequence

import jax
import jax.numpy as jnp
import numpy as np

from probflow.bijectors._utils import static_int_tuple
from probflow.bijectors.bijector import Bijector, _as_arrays
from probflow.core.errors import ShapeError
from probflow.core.pytree import static_field
from probflow.typing import Array, PyTree

__all__ = ["Blockwise", "JointMap", "Restructure"]


def _is_bijector(node) -> bool:
    return isinstance(node, Bijector)


class Blockwise(Bijector):
    """Apply ``bijectors[i]`` to the ``i``-th block of the last axis, and concatenate.

    Each member acts on vectors (``forward_min_event_ndims <= 1``); members may change
    their block's length (e.g. ``SoftmaxCentered``): output block lengths follow from
    ``forward_event_shape``. The log-determinant is the sum of the members'.

    Args:
        bijectors: sequence of bijectors.
        block_sizes: sizes of the input blocks (default: 1 each).

    Examples:
        >>> import jax.numpy as jnp
        >>> import probflow.bijectors as pfb
        >>> b = pfb.Blockwise([pfb.Exp(), pfb.Softplus()], block_sizes=[1, 2])
        >>> [round(float(v), 4) for v in b.forward(jnp.zeros(3))]
        [1.0, 0.6931, 0.6931]
    """

    bijectors: tuple
    block_sizes: tuple[int, ...] = static_field()
    forward_min_event_ndims = 1
    inverse_min_event_ndims = 1

    def __init__(self, bijectors: Sequence[Bijector], block_sizes: Sequence[int] | None = None, *,
                 validate_args: bool = False, name: str | None = None):
        bijectors = tuple(bijectors)
        for b in bijectors:
            if not isinstance(b, Bijector):
                raise TypeError(f"Blockwise: every member must be a Bijector, got {b!r}")
            if b.forward_min_event_ndims > 1:
                raise ValueError(
                    f"Blockwise: members must act on scalars or vectors, "
                    f"{type(b).__name__} has forward_min_event_ndims="
                    f"{b.forward_min_event_ndims}")
        if block_sizes is None:
            block_sizes = (1,) * len(bijectors)
        block_sizes = static_int_tuple("Blockwise", "block_sizes", block_sizes)
        if len(block_sizes) != len(bijectors) or any(s < 1 for s in block_sizes):
            raise ValueError(f"Blockwise: block_sizes must hold one positive size per bijector, "
                             f"got {block_sizes} for {len(bijectors)} bijectors")
        self._set(bijectors=bijectors, block_sizes=block_sizes, validate_args=validate_args,
                  name=name)

    def _out_sizes(self):
        return tuple(b.forward_event_shape((s,))[-1]
                     for b, s in zip(self.bijectors, self.block_sizes, strict=True))

    @staticmethod
    def _split(value, sizes, what):
        if value.shape[-1] != sum(sizes):
            raise ShapeError(f"Blockwise: last axis of length {value.shape[-1]} does not match "
                             f"the {what} block sizes {sizes} (total {sum(sizes)})")
        return jnp.split(value, np.cumsum(sizes)[:-1].tolist(), axis=-1)

    def _forward_and_log_det(self, x):
        parts, total = [], 0.0
        for b, block in zip(self.bijectors, self._split(x, self.block_sizes, "input"),
                            strict=True):
            y, ldj = b.forward_and_log_det(block, 1)
            parts.append(y)
            total = total + ldj
        return jnp.concatenate(parts, axis=-1), total

    def _inverse_and_log_det(self, y):
        parts, total = [], 0.0
        for b, block in zip(self.bijectors, self._split(y, self._out_sizes(), "output"),
                            strict=True):
            x, ldj = b.inverse_and_log_det(block, 1)
            parts.append(x)
            total = total + ldj
        return jnp.concatenate(parts, axis=-1), total

    def forward_event_shape(self, input_shape: Sequence[int]) -> tuple[int, ...]:
        return tuple(input_shape)[:-1] + (sum(self._out_sizes()),)

    def inverse_event_shape(self, output_shape: Sequence[int]) -> tuple[int, ...]:
        return tuple(output_shape)[:-1] + (sum(self.block_sizes),)


class JointMap(Bijector):
    """Apply a structure (dict, list or tuple, possibly nested) of bijectors to the matching
    parts of a structured value.

    ``forward({"a": xa, "b": xb}) = {"a": ba.forward(xa), "b": bb.forward(xb)}``; the
    log-determinant is the sum of the parts' (their batch shapes must broadcast).
    ``event_ndims`` may be a matching structure of ints (default: each member's
    minimum); ``forward_min_event_ndims`` is that structure.

    Examples:
        >>> import jax.numpy as jnp
        >>> import probflow.bijectors as pfb
        >>> b = pfb.JointMap({"scale": pfb.Exp(), "loc": pfb.Identity()})
        >>> y = b.forward({"scale": jnp.asarray(0.0), "loc": jnp.asarray(2.0)})
        >>> float(y["scale"]), float(y["loc"])
        (1.0, 2.0)
        >>> float(b.forward_log_det_jacobian({"scale": jnp.asarray(1.0),
        ...                                   "loc": jnp.asarray(0.0)}))
        1.0
    """

    bijectors: object

    def __init__(self, bijectors: PyTree, *, validate_args: bool = False,
                 name: str | None = None):
        if isinstance(bijectors, list):
            bijectors = list(bijectors)
        leaves = jax.tree_util.tree_leaves(bijectors, is_leaf=_is_bijector)
        if not leaves or not all(_is_bijector(b) for b in leaves):
            raise TypeError(f"JointMap: bijectors must be a structure of Bijectors, "
                            f"got {bijectors!r}")
        self._set(bijectors=bijectors, validate_args=validate_args, name=name)

    def _map(self, fn, *trees):
        return jax.tree_util.tree_map(fn, self.bijectors, *trees, is_leaf=_is_bijector)

    def _conform(self, value):
        """Accept a list for a tuple structure and vice versa (at the top level)."""
        if isinstance(self.bijectors, list | tuple) and isinstance(value, list | tuple):
            return type(self.bijectors)(value)
        return value

    def _ndims(self, event_ndims, attribute):
        if event_ndims is None:
            return self._map(lambda b: getattr(b, attribute))
        return self._conform(event_ndims)

    @property
    def forward_min_event_ndims(self) -> PyTree:  # pyright: ignore[reportIncompatibleVariableOverride]
        return self._map(lambda b: b.forward_min_event_ndims)

    @property
    def inverse_min_event_ndims(self) -> PyTree:  # pyright: ignore[reportIncompatibleVariableOverride]
        return self._map(lambda b: b.inverse_min_event_ndims)

    @property
    def is_constant_jacobian(self) -> bool:  # pyright: ignore[reportIncompatibleVariableOverride]
        leaves = jax.tree_util.tree_leaves(self.bijectors, is_leaf=_is_bijector)
        return all(b.is_constant_jacobian for b in leaves)

    def forward_event_ndims(self, event_ndims: PyTree) -> PyTree:
        return self._map(lambda b, n: b.forward_event_ndims(n), self._conform(event_ndims))

    def inverse_event_ndims(self, event_ndims: PyTree) -> PyTree:
        return self._map(lambda b, n: b.inverse_event_ndims(n), self._conform(event_ndims))

    def forward(self, x: PyTree) -> PyTree:
        return self._map(lambda b, v: b.forward(v), self._conform(_as_arrays(x)))

    def inverse(self, y: PyTree) -> PyTree:
        return self._map(lambda b, v: b.inverse(v), self._conform(_as_arrays(y)))

    def _apply_with_log_det(self, method, value, event_ndims, attribute):
        value = self._conform(_as_arrays(value))
        ndims = self._ndims(event_ndims, attribute)
        pairs = self._map(lambda b, v, n: getattr(b, method)(v, n), value, ndims)
        outputs = jax.tree_util.tree_map(lambda b, p: p[0], self.bijectors, pairs,
                                         is_leaf=_is_bijector)
        ldjs = jax.tree_util.tree_leaves(
            jax.tree_util.tree_map(lambda b, p: p[1], self.bijectors, pairs,
                                   is_leaf=_is_bijector))
        total = ldjs[0]
        for ldj in ldjs[1:]:
            total = total + ldj
        return outputs, total

    def forward_and_log_det(self, x: PyTree,
                            event_ndims: PyTree = None) -> tuple[PyTree, Array]:
        return self._apply_with_log_det("forward_and_log_det", x, event_ndims,
                                        "forward_min_event_ndims")

    def inverse_and_log_det(self, y: PyTree,
                            event_ndims: PyTree = None) -> tuple[PyTree, Array]:
        return self._apply_with_log_det("inverse_and_log_det", y, event_ndims,
                                        "inverse_min_event_ndims")

    def _shapes(self, method, shapes):
        # Shapes are tuples, which are nodes to tree utilities: cut the nest at the
        # bijectors' structure, so that each part's whole shape is one piece.
        treedef = jax.tree_util.tree_structure(self.bijectors, is_leaf=_is_bijector)
        members = treedef.flatten_up_to(self.bijectors)
        parts = treedef.flatten_up_to(self._conform(shapes))
        out = [getattr(b, method)(tuple(p)) for b, p in zip(members, parts, strict=True)]
        return jax.tree_util.tree_unflatten(treedef, out)

    def forward_event_shape(self, input_shape: PyTree) -> PyTree:
        return self._shapes("forward_event_shape", input_shape)

    def inverse_event_shape(self, output_shape: PyTree) -> PyTree:
        return self._shapes("inverse_event_shape", output_shape)

    def _is_increasing(self):
        return None


class Restructure(Bijector):
    """Move the parts of a structured value into another structure, matched by token.

    ``output_structure`` and ``input_structure`` are nests (dicts, lists, tuples) whose
    leaves are distinct tokens (ints or strings). The default ``input_structure`` is a
    list when the tokens are ``0..n-1`` and a dict keyed by the tokens when they are
    strings. The log-determinant is zero.

    Examples:
        >>> import probflow.bijectors as pfb
        >>> b = pfb.Restructure({"a": 0, "b": 1})
        >>> y = b.forward([1.0, 2.0])
        >>> float(y["a"]), float(y["b"])
        (1.0, 2.0)
        >>> [float(v) for v in b.inverse(y)]
        [1.0, 2.0]
    """

    output_treedef: object = static_field()
    output_tokens: tuple = static_field()
    input_treedef: object = static_field()
    input_tokens: tuple = static_field()
    is_constant_jacobian = True

    def __init__(self, output_structure: PyTree, input_structure: PyTree = None, *,
                 validate_args: bool = False, name: str | None = None):
        out_tokens, out_def = jax.tree_util.tree_flatten(output_structure)
        if len(set(out_tokens)) != len(out_tokens):
            raise ValueError(f"Restructure: tokens must be distinct, got {out_tokens}")
        if input_structure is None:
            if all(isinstance(t, str) for t in out_tokens):
                input_structure = {t: t for t in out_tokens}
            elif sorted(out_tokens) == list(range(len(out_tokens))):
                input_structure = list(range(len(out_tokens)))
            else:
                raise ValueError(
                    "Restructure: give input_structure unless the tokens are all strings or "
                    f"the integers 0..n-1, got {out_tokens}")
        in_tokens, in_def = jax.tree_util.tree_flatten(input_structure)
        if sorted(map(repr, in_tokens)) != sorted(map(repr, out_tokens)):
            raise ValueError(f"Restructure: input tokens {in_tokens} and output tokens "
                             f"{out_tokens} differ")
        self._set(output_treedef=out_def, output_tokens=tuple(out_tokens),
                  input_treedef=in_def, input_tokens=tuple(in_tokens),
                  validate_args=validate_args, name=name)

    @property
    def output_structure(self) -> PyTree:
        """The output nest of tokens."""
        return jax.tree_util.tree_unflatten(self.output_treedef, self.output_tokens)

    @property
    def input_structure(self) -> PyTree:
        """The input nest of tokens."""
        return jax.tree_util.tree_unflatten(self.input_treedef, self.input_tokens)

    @staticmethod
    def _move(value, from_def, from_tokens, to_def, to_tokens):
        # Accept a list where a tuple was declared (and vice versa) at the top level.
        template = jax.tree_util.tree_unflatten(from_def, from_tokens)
        if isinstance(template, list | tuple) and isinstance(value, list | tuple):
            value = type(template)(value)
        parts = from_def.flatten_up_to(value)
        by_token = dict(zip(from_tokens, parts, strict=True))
        return jax.tree_util.tree_unflatten(to_def, [by_token[t] for t in to_tokens])

    def forward(self, x: PyTree) -> PyTree:
        return self._move(_as_arrays(x), self.input_treedef, self.input_tokens,
                          self.output_treedef, self.output_tokens)

    def inverse(self, y: PyTree) -> PyTree:
        return self._move(_as_arrays(y), self.output_treedef, self.output_tokens,
                          self.input_treedef, self.input_tokens)

    def _zero(self, value):
        leaves = jax.tree_util.tree_leaves(value)
        dtype = leaves[0].dtype if leaves else jnp.result_type(float)
        if not jnp.issubdtype(dtype, jnp.floating):
            dtype = jnp.result_type(float)
        return jnp.zeros((), dtype=dtype)

    def forward_and_log_det(self, x: PyTree,
                            event_ndims: PyTree = None) -> tuple[PyTree, Array]:
        y = self.forward(x)
        return y, self._zero(y)

    def inverse_and_log_det(self, y: PyTree,
                            event_ndims: PyTree = None) -> tuple[PyTree, Array]:
        x = self.inverse(y)
        return x, self._zero(x)

    @property
    def forward_min_event_ndims(self) -> PyTree:  # pyright: ignore[reportIncompatibleVariableOverride]
        return jax.tree_util.tree_unflatten(self.input_treedef, [0] * len(self.input_tokens))

    @property
    def inverse_min_event_ndims(self) -> PyTree:  # pyright: ignore[reportIncompatibleVariableOverride]
        return jax.tree_util.tree_unflatten(self.output_treedef, [0] * len(self.output_tokens))

    def forward_event_ndims(self, event_ndims: PyTree) -> PyTree:
        return self._move(event_ndims, self.input_treedef, self.input_tokens,
                          self.output_treedef, self.output_tokens)

    def inverse_event_ndims(self, event_ndims: PyTree) -> PyTree:
        return self._move(event_ndims, self.output_treedef, self.output_tokens,
                          self.input_treedef, self.input_tokens)

    def forward_event_shape(self, input_shape: PyTree) -> PyTree:
        return self._move_shapes(input_shape, self.input_treedef, self.input_tokens,
                                 self.output_treedef, self.output_tokens)

    def inverse_event_shape(self, output_shape: PyTree) -> PyTree:
        return self._move_shapes(output_shape, self.output_treedef, self.output_tokens,
                                 self.input_treedef, self.input_tokens)

    @staticmethod
    def _move_shapes(shapes, from_def, from_tokens, to_def, to_tokens):
        # Shapes are tuples, which are nodes to tree utilities: cut the nest at the
        # declared structure, so that each part's whole shape is one piece.
        template = jax.tree_util.tree_unflatten(from_def, from_tokens)
        if isinstance(template, list | tuple) and isinstance(shapes, list | tuple):
            shapes = type(template)(shapes)
        parts = from_def.flatten_up_to(shapes)
        by_token = {t: tuple(p) for t, p in zip(from_tokens, parts, strict=True)}
        return jax.tree_util.tree_unflatten(to_def, [by_token[t] for t in to_tokens])
