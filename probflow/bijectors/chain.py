"""Composition: ``Chain`` (right to left, like TFP) and ``Invert``."""

from __future__ import annotations

from probflow.bijectors.bijector import Bijector
from probflow.bijectors.composition import Composition
from probflow.typing import PyTree

__all__ = ["Chain", "Invert"]


class Chain(Composition):
    """Composition ``Chain([f, g, h])(x) = f(g(h(x)))``: the last bijector is applied first.

    Event ranks are tracked through shape-changing members (``Reshape``,
    ``SoftmaxCentered``, ``FillTriangular``, ...): each member receives the rank its
    input has at that point, and the chain's ``forward_min_event_ndims`` is the
    smallest input rank for which every member gets at least its own minimum. The
    log-determinant is the sum of the members' (each reduced to the chain's event).
    ``Chain([])`` is the identity. All of it is
    [`Composition`][probflow.bijectors.composition.Composition]'s default walk.

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

    def __init__(self, bijector: Bijector, *, validate_args: bool = False,
                 name: str | None = None):
        if not isinstance(bijector, Bijector):
            raise TypeError(f"Invert: bijector must be a Bijector, got {bijector!r}")
        self._set(bijector=bijector, validate_args=validate_args, name=name)

    @property
    def forward_min_event_ndims(self) -> int:  # pyright: ignore[reportIncompatibleVariableOverride]
        return self.bijector.inverse_min_event_ndims

    @property
    def inverse_min_event_ndims(self) -> int:  # pyright: ignore[reportIncompatibleVariableOverride]
        return self.bijector.forward_min_event_ndims

    @property
    def is_constant_jacobian(self) -> bool:  # pyright: ignore[reportIncompatibleVariableOverride]
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

    def forward_event_shape(self, input_shape: PyTree) -> PyTree:
        return self.bijector.inverse_event_shape(input_shape)

    def inverse_event_shape(self, output_shape: PyTree) -> PyTree:
        return self.bijector.forward_event_shape(output_shape)

    def _is_increasing(self):
        return self.bijector._is_increasing()
