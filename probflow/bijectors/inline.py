"""``Inline``: a bijector from user functions."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import jax.numpy as jnp

from probflow.bijectors.bijector import Bijector
from probflow.core.errors import UnsupportedError
from probflow.core.pytree import static_field

__all__ = ["Inline"]

_FUNCTIONS = ("forward_fn", "inverse_fn", "forward_log_det_jacobian_fn",
              "inverse_log_det_jacobian_fn", "forward_event_shape_fn", "inverse_event_shape_fn")


class Inline(Bijector):
    """A bijector from functions: ``forward_fn``, ``inverse_fn`` and one log-determinant.

    Give ``forward_fn``, ``inverse_fn`` and ``forward_log_det_jacobian_fn(x)`` or
    ``inverse_log_det_jacobian_fn(y)`` (the other is derived: ``fldj(x) = -ildj(f(x))``).
    The log-determinant functions reduce over the minimum event dimensions only (the
    public methods sum any further ``event_ndims``). Give ``forward_min_event_ndims`` or
    ``inverse_min_event_ndims`` (the other defaults to it) and, for maps that change the
    event shape, ``forward_event_shape_fn``/``inverse_event_shape_fn`` (shape tuple to
    shape tuple). ``is_increasing`` (a bool or a function returning one) makes
    ``cdf``/``quantile`` of a transformed scalar distribution available.

    The functions are static configuration (compared by identity: pass the same function
    objects to avoid retracing); an ``Inline`` has no trainable parameters. A missing
    function raises [`UnsupportedError`][probflow.core.errors.UnsupportedError] when its
    method is called.

    Args:
        forward_fn: ``x -> y``.
        inverse_fn: ``y -> x``.
        forward_log_det_jacobian_fn: ``x -> log|det J_f(x)|``.
        inverse_log_det_jacobian_fn: ``y -> log|det J_{f^-1}(y)|``.
        forward_event_shape_fn: event shape of ``x`` -> event shape of ``y``.
        inverse_event_shape_fn: event shape of ``y`` -> event shape of ``x``.
        is_constant_jacobian: the log-determinant does not depend on the input.
        is_increasing: ``True``/``False`` (or a function returning it) for monotone scalar
            maps; ``None`` (default) when unknown.
        forward_min_event_ndims: rank of one event of ``x``.
        inverse_min_event_ndims: rank of one event of ``y``.

    Examples:
        >>> import jax.numpy as jnp
        >>> import probflow.bijectors as pfb
        >>> exp = pfb.Inline(forward_fn=jnp.exp, inverse_fn=jnp.log,
        ...                  inverse_log_det_jacobian_fn=lambda y: -jnp.log(y),
        ...                  forward_min_event_ndims=0, is_increasing=True)
        >>> float(exp.forward_log_det_jacobian(2.0))
        2.0
        >>> round(float(exp.inverse(exp.forward(1.5))), 4)
        1.5
    """

    forward_fn: Callable | None = static_field(default=None)
    inverse_fn: Callable | None = static_field(default=None)
    forward_log_det_jacobian_fn: Callable | None = static_field(default=None)
    inverse_log_det_jacobian_fn: Callable | None = static_field(default=None)
    forward_event_shape_fn: Callable | None = static_field(default=None)
    inverse_event_shape_fn: Callable | None = static_field(default=None)
    constant_jacobian: bool = static_field(default=False)
    is_increasing: object = static_field(default=None)
    min_event_ndims: tuple[int, int] = static_field(default=(0, 0))

    def __init__(self, forward_fn: Callable[[Any], Any] | None = None,
                 inverse_fn: Callable[[Any], Any] | None = None,
                 inverse_log_det_jacobian_fn: Callable[[Any], Any] | None = None,
                 forward_log_det_jacobian_fn: Callable[[Any], Any] | None = None,
                 forward_event_shape_fn: Callable[[tuple[int, ...]], Sequence[int]] | None = None,
                 inverse_event_shape_fn: Callable[[tuple[int, ...]], Sequence[int]] | None = None,
                 is_constant_jacobian: bool = False,
                 is_increasing: bool | Callable[[], Any] | None = None,
                 forward_min_event_ndims: int | None = None,
                 inverse_min_event_ndims: int | None = None, *,
                 validate_args: bool = False, name: str | None = None):
        functions = dict(zip(_FUNCTIONS, (
            forward_fn, inverse_fn, forward_log_det_jacobian_fn, inverse_log_det_jacobian_fn,
            forward_event_shape_fn, inverse_event_shape_fn), strict=True))
        for label, fn in functions.items():
            if fn is not None and not callable(fn):
                raise TypeError(f"Inline: {label} must be callable or None, got {fn!r}")
        if forward_min_event_ndims is None and inverse_min_event_ndims is None:
            raise ValueError("Inline: give forward_min_event_ndims or inverse_min_event_ndims "
                             "(the rank of one event), e.g. forward_min_event_ndims=0 for an "
                             "elementwise map")
        if forward_min_event_ndims is None:
            forward_min_event_ndims = inverse_min_event_ndims
        if inverse_min_event_ndims is None:
            inverse_min_event_ndims = forward_min_event_ndims
        ranks = (forward_min_event_ndims, inverse_min_event_ndims)
        for label, rank in zip(("forward_min_event_ndims", "inverse_min_event_ndims"), ranks,
                               strict=True):
            if not isinstance(rank, int) or isinstance(rank, bool) or rank < 0:
                raise ValueError(f"Inline: {label} must be a non-negative int, got {rank!r}")
        if not (is_increasing is None or callable(is_increasing)
                or isinstance(is_increasing, bool)):
            raise TypeError(f"Inline: is_increasing must be None, a bool or a function "
                            f"returning one, got {is_increasing!r}")
        self._set(**functions, constant_jacobian=bool(is_constant_jacobian),
                  is_increasing=is_increasing, min_event_ndims=ranks,
                  validate_args=validate_args, name=name)

    @property
    def forward_min_event_ndims(self) -> int:  # pyright: ignore[reportIncompatibleVariableOverride]
        return self.min_event_ndims[0]

    @property
    def inverse_min_event_ndims(self) -> int:  # pyright: ignore[reportIncompatibleVariableOverride]
        return self.min_event_ndims[1]

    @property
    def is_constant_jacobian(self) -> bool:  # pyright: ignore[reportIncompatibleVariableOverride]
        return self.constant_jacobian

    def _function(self, label):
        fn = getattr(self, label)
        if fn is None:
            raise UnsupportedError(f"Inline: this bijector was built without {label}")
        return fn

    def _forward(self, x):
        return self._function("forward_fn")(x)

    def _inverse(self, y):
        return self._function("inverse_fn")(y)

    def _forward_and_log_det(self, x):
        y = self._forward(x)
        if self.forward_log_det_jacobian_fn is not None:
            return y, jnp.asarray(self.forward_log_det_jacobian_fn(x))
        if self.inverse_log_det_jacobian_fn is not None:
            return y, -jnp.asarray(self.inverse_log_det_jacobian_fn(y))
        raise UnsupportedError("Inline: give forward_log_det_jacobian_fn or "
                               "inverse_log_det_jacobian_fn for log-determinants")

    def _inverse_and_log_det(self, y):
        x = self._inverse(y)
        if self.inverse_log_det_jacobian_fn is not None:
            return x, jnp.asarray(self.inverse_log_det_jacobian_fn(y))
        if self.forward_log_det_jacobian_fn is not None:
            return x, -jnp.asarray(self.forward_log_det_jacobian_fn(x))
        raise UnsupportedError("Inline: give forward_log_det_jacobian_fn or "
                               "inverse_log_det_jacobian_fn for log-determinants")

    def forward_event_shape(self, input_shape: Sequence[int]) -> tuple[int, ...]:
        if self.forward_event_shape_fn is None:
            return tuple(input_shape)
        return tuple(self.forward_event_shape_fn(tuple(input_shape)))

    def inverse_event_shape(self, output_shape: Sequence[int]) -> tuple[int, ...]:
        if self.inverse_event_shape_fn is None:
            return tuple(output_shape)
        return tuple(self.inverse_event_shape_fn(tuple(output_shape)))

    def _is_increasing(self):
        if callable(self.is_increasing):
            return self.is_increasing()
        return self.is_increasing
