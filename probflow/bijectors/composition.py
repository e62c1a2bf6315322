"""``Composition``: the base of bijectors built from member bijectors, written as walks."""

from __future__ import annotations

from collections.abc import Sequence

import jax
import jax.numpy as jnp

from probflow.bijectors.bijector import Bijector
from probflow.typing import PyTree

__all__ = ["Composition"]


def _combine_increasing(flags):
    """Monotonicity of a composition: increasing iff an even number of members decrease."""
    result = True
    for flag in flags:
        if flag is None:
            return None
        if isinstance(flag, bool) and isinstance(result, bool):
            result = result == flag
        else:
            result = jnp.equal(result, flag)
    return result


def _dtype_of(value):
    leaves = jax.tree_util.tree_leaves(value)
    dtype = jnp.result_type(leaves[0]) if leaves else jnp.result_type(float)
    return dtype if jnp.issubdtype(dtype, jnp.floating) else jnp.result_type(float)


class Composition(Bijector):
    """A bijector made of member bijectors, defined by the order in which it visits them.

    TFP's ``Composition``: every method (values, log-determinants, event shapes, event
    ranks) is one walk over the members, so a new composite bijector only says how to walk.
    A subclass overrides ``_walk_forward(step_fn, state)`` and
    ``_walk_inverse(step_fn, state)``: call ``state = step_fn(member, state)`` for each
    member in the order the forward (inverse) map applies them, and return the last state.
    The states are opaque to the walk (a value with its event rank and the log-determinant
    so far, or a shape, or event ranks). The default walks visit ``bijectors`` right to
    left going forward and left to right going back, which is
    [`Chain`][probflow.bijectors.chain.Chain]'s order: ``Composition([f, g])(x) =
    f(g(x))``.

    Event ranks are tracked as in ``Chain``: each member receives the rank its input has
    at that point, the log-determinant is the sum of the members' (each reduced to the
    composition's event), and ``forward_min_event_ndims`` is the smallest input rank that
    gives every member at least its own minimum.

    Args:
        bijectors: a sequence of bijectors.

    Examples:
        >>> import probflow.bijectors as pfb
        >>> b = pfb.Composition([pfb.Shift(1.0), pfb.Exp()])
        >>> round(float(b.forward(0.0)), 4)
        2.0
        >>> class LeftToRight(pfb.Composition):
        ...     def _walk_forward(self, step_fn, state):
        ...         for member in self.bijectors:
        ...             state = step_fn(member, state)
        ...         return state
        ...     def _walk_inverse(self, step_fn, state):
        ...         for member in reversed(self.bijectors):
        ...             state = step_fn(member, state)
        ...         return state
        >>> round(float(LeftToRight([pfb.Shift(1.0), pfb.Exp()]).forward(0.0)), 4)
        2.7183
    """

    bijectors: tuple

    def __init__(self, bijectors: Sequence[Bijector] = (), *, validate_args: bool = False,
                 name: str | None = None):
        bijectors = tuple(bijectors)
        for b in bijectors:
            if not isinstance(b, Bijector):
                raise TypeError(
                    f"{type(self).__name__}: every member must be a Bijector, got {b!r}")
        self._set(bijectors=bijectors, validate_args=validate_args, name=name)

    # -- the walks (override in subclasses) ----------------------------------------------------
    def _walk_forward(self, step_fn, state):
        """Visit the members in the order the forward map applies them."""
        for b in reversed(self.bijectors):
            state = step_fn(b, state)
        return state

    def _walk_inverse(self, step_fn, state):
        """Visit the members in the order the inverse map applies them."""
        for b in self.bijectors:
            state = step_fn(b, state)
        return state

    # -- event ranks -----------------------------------------------------------------------------
    @property
    def forward_min_event_ndims(self) -> int:  # pyright: ignore[reportIncompatibleVariableOverride]
        def step(b, state):
            needed, offset = state
            return (max(needed, b.forward_min_event_ndims - offset),
                    offset + b.inverse_min_event_ndims - b.forward_min_event_ndims)

        return self._walk_forward(step, (0, 0))[0]

    @property
    def inverse_min_event_ndims(self) -> int:  # pyright: ignore[reportIncompatibleVariableOverride]
        return self.forward_event_ndims(self.forward_min_event_ndims)

    def forward_event_ndims(self, event_ndims: int) -> int:
        return self._walk_forward(lambda b, nd: b.forward_event_ndims(nd), event_ndims)

    def inverse_event_ndims(self, event_ndims: int) -> int:
        return self._walk_inverse(lambda b, nd: b.inverse_event_ndims(nd), event_ndims)

    @property
    def is_constant_jacobian(self) -> bool:  # pyright: ignore[reportIncompatibleVariableOverride]
        return all(b.is_constant_jacobian for b in self.bijectors)

    # -- maps ------------------------------------------------------------------------------------
    def _forward(self, x):
        return self._walk_forward(lambda b, v: b.forward(v), x)

    def _inverse(self, y):
        return self._walk_inverse(lambda b, v: b.inverse(v), y)

    def _forward_and_log_det(self, x):
        def step(b, state):
            value, rank, total = state
            value, ldj = b.forward_and_log_det(value, rank)
            return value, b.forward_event_ndims(rank), ldj if total is None else total + ldj

        y, _, total = self._walk_forward(step, (x, self.forward_min_event_ndims, None))
        return y, jnp.zeros((), dtype=_dtype_of(y)) if total is None else total

    def _inverse_and_log_det(self, y):
        def step(b, state):
            value, rank, total = state
            value, ldj = b.inverse_and_log_det(value, rank)
            return value, b.inverse_event_ndims(rank), ldj if total is None else total + ldj

        x, _, total = self._walk_inverse(step, (y, self.inverse_min_event_ndims, None))
        return x, jnp.zeros((), dtype=_dtype_of(x)) if total is None else total

    def forward_event_shape(self, input_shape: PyTree) -> PyTree:
        return self._walk_forward(lambda b, s: b.forward_event_shape(s), input_shape)

    def inverse_event_shape(self, output_shape: PyTree) -> PyTree:
        return self._walk_inverse(lambda b, s: b.inverse_event_shape(s), output_shape)

    def _is_increasing(self):
        return _combine_increasing(b._is_increasing() for b in self.bijectors)
