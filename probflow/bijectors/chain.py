"""Composition: ``Chain`` (right to left, like TFP) and ``Invert``."""

from __future__ import annotations

import jax
import jax.numpy as jnp

from probflow.bijectors.bijector import Bijector

__all__ = ["Chain", "Invert"]


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


class Chain(Bijector):
    """Composition ``Chain([f, g, h])(x) = f(g(h(x)))``: the last bijector is applied first.

    Event ranks are tracked through shape-changing members (``Reshape``,
    ``SoftmaxCentered``, ``FillTriangular``, ...): each member receives the rank its
    input has at that point, and the chain's ``forward_min_event_ndims`` is the
    smallest input rank for which every member gets at least its own minimum. The
    log-determinant is the sum of the members' (each reduced to the chain's event).
    ``Chain([])`` is the identity.

    Args:
        bijectors: a sequence of bijectors, applied right to left.

    Examples:
        >>> import jax.numpy as jnp
        >>> import probflow.bijectors as pfb
        >>> b = pfb.Chain([pfb.Shift(1.0), pfb.Scale(2.0), pfb.Exp()])
        >>> float(b.forward(0.0))
        3.0
        >>> float(b.inverse(3.0))
        0.0
        >>> round(float(b.forward_log_det_jacobian(0.0)), 4)
        0.6931
    """

    bijectors: tuple

    def __init__(self, bijectors=(), *, validate_args=False, name=None):
        bijectors = tuple(bijectors)
        for b in bijectors:
            if not isinstance(b, Bijector):
                raise TypeError(f"Chain: every member must be a Bijector, got {b!r}")
        self._set(bijectors=bijectors, validate_args=validate_args, name=name)

    # -- event ranks -------------------------------------------------------------------------
    def _input_ranks(self, event_ndims):
        """Rank of each member's input (in application order) for a chain input rank."""
        ranks = []
        for b in reversed(self.bijectors):
            ranks.append(event_ndims)
            event_ndims = b.forward_event_ndims(event_ndims)
        return ranks

    @property
    def forward_min_event_ndims(self) -> int:  # type: ignore[override]
        needed, offset = 0, 0
        for b in reversed(self.bijectors):
            needed = max(needed, b.forward_min_event_ndims - offset)
            offset += b.inverse_min_event_ndims - b.forward_min_event_ndims
        return needed

    @property
    def inverse_min_event_ndims(self) -> int:  # type: ignore[override]
        return self.forward_event_ndims(self.forward_min_event_ndims)

    def forward_event_ndims(self, event_ndims: int) -> int:
        for b in reversed(self.bijectors):
            event_ndims = b.forward_event_ndims(event_ndims)
        return event_ndims

    def inverse_event_ndims(self, event_ndims: int) -> int:
        for b in self.bijectors:
            event_ndims = b.inverse_event_ndims(event_ndims)
        return event_ndims

    @property
    def is_constant_jacobian(self) -> bool:  # type: ignore[override]
        return all(b.is_constant_jacobian for b in self.bijectors)

    # -- maps --------------------------------------------------------------------------------
    def _forward(self, x):
        for b in reversed(self.bijectors):
            x = b.forward(x)
        return x

    def _inverse(self, y):
        for b in self.bijectors:
            y = b.inverse(y)
        return y

    def _forward_and_log_det(self, x):
        total = None
        ranks = self._input_ranks(self.forward_min_event_ndims)
        for b, rank in zip(reversed(self.bijectors), ranks, strict=True):
            x, ldj = b.forward_and_log_det(x, rank)
            total = ldj if total is None else total + ldj
        return x, jnp.zeros((), dtype=_dtype_of(x)) if total is None else total

    def _inverse_and_log_det(self, y):
        total = None
        rank = self.inverse_min_event_ndims
        for b in self.bijectors:
            y, ldj = b.inverse_and_log_det(y, rank)
            rank = b.inverse_event_ndims(rank)
            total = ldj if total is None else total + ldj
        return y, jnp.zeros((), dtype=_dtype_of(y)) if total is None else total

    def forward_event_shape(self, input_shape):
        for b in reversed(self.bijectors):
            input_shape = b.forward_event_shape(input_shape)
        return input_shape

    def inverse_event_shape(self, output_shape):
        for b in self.bijectors:
            output_shape = b.inverse_event_shape(output_shape)
        return output_shape

    def _is_increasing(self):
        return _combine_increasing(b._is_increasing() for b in self.bijectors)


def _dtype_of(value):
    leaves = jax.tree_util.tree_leaves(value)
    dtype = jnp.result_type(leaves[0]) if leaves else jnp.result_type(float)
    return dtype if jnp.issubdtype(dtype, jnp.floating) else jnp.result_type(float)


class Invert(Bijector):
    """The inverse of ``bijector``: ``forward`` is its ``inverse`` and vice versa.

    Examples:
        >>> import probflow.bijectors as pfb
        >>> b = pfb.Invert(pfb.Exp())
        >>> float(b.forward(1.0))
        0.0
        >>> float(b.forward_log_det_jacobian(2.0))  # doctest: +ELLIPSIS
        -0.693...
    """

    bijector: Bijector

    def __init__(self, bijector, *, validate_args=False, name=None):
        if not isinstance(bijector, Bijector):
            raise TypeError(f"Invert: bijector must be a Bijector, got {bijector!r}")
        self._set(bijector=bijector, validate_args=validate_args, name=name)

    @property
    def forward_min_event_ndims(self) -> int:  # type: ignore[override]
        return self.bijector.inverse_min_event_ndims

    @property
    def inverse_min_event_ndims(self) -> int:  # type: ignore[override]
        return self.bijector.forward_min_event_ndims

    @property
    def is_constant_jacobian(self) -> bool:  # type: ignore[override]
        return self.bijector.is_constant_jacobian

    def forward_event_ndims(self, event_ndims: int) -> int:
        return self.bijector.inverse_event_ndims(event_ndims)

    def inverse_event_ndims(self, event_ndims: int) -> int:
        return self.bijector.forward_event_ndims(event_ndims)

    def _forward(self, x):
        return self.bijector.inverse(x)

    def _inverse(self, y):
        return self.bijector.forward(y)

    def _forward_and_log_det(self, x):
        return self.bijector.inverse_and_log_det(x)

    def _inverse_and_log_det(self, y):
        return self.bijector.forward_and_log_det(y)

    def forward_event_shape(self, input_shape):
        return self.bijector.inverse_event_shape(input_shape)

    def inverse_event_shape(self, output_shape):
        return self.bijector.forward_event_shape(output_shape)

    def _is_increasing(self):
        return self.bijector._is_increasing()
