"""The ``Bijector`` base class: implement one direction and its log-determinant, derive the rest.

A subclass implements ``_forward`` and/or ``_inverse`` and one of
``_forward_log_det_jacobian(x)`` or ``_inverse_log_det_jacobian(y)`` (or the fused
``_forward_and_log_det``/``_inverse_and_log_det``). The primitive log-determinants
are reduced over the bijector's minimum event dimensions only: for an elementwise
bijector they have the shape of ``x``. The public methods take an optional
``event_ndims`` (default: the minimum) and sum the extra trailing dimensions, as
TFP does.

Bijectors are PyTrees: array parameters are trainable leaves; configuration
(``validate_args``, ``name``, permutations, shapes) is static.
"""

from __future__ import annotations

from typing import Any, ClassVar

import jax
import jax.numpy as jnp

from probflow.core import checks as _checks
from probflow.core.errors import ShapeError, UnsupportedError
from probflow.core.pytree import Struct, static_field
from probflow.typing import PyTree

__all__ = ["Bijector"]


def _overrides(obj: Any, name: str) -> bool:
    return getattr(type(obj), name) is not getattr(Bijector, name)


def _as_arrays(value: PyTree) -> PyTree:
    """``jnp.asarray`` on an array, or on every leaf of a structure (list, tuple, dict)."""
    if isinstance(value, list | tuple | dict):
        return jax.tree_util.tree_map(jnp.asarray, value)
    return jnp.asarray(value)


def _first_leaf(value: PyTree) -> Any:
    leaves = jax.tree_util.tree_leaves(value)
    if not leaves:
        raise ShapeError("a bijector was given an empty structure")
    return leaves[0]


class Bijector(Struct):
    """Base class of every bijector.

    Class attributes a subclass may set (or override with properties when they depend
    on the parameters, as [`Chain`][probflow.bijectors.chain.Chain] does):
        forward_min_event_ndims: number of trailing dims of ``x`` forming one event.
        inverse_min_event_ndims: the same for ``y`` (differs for shape-changing maps).
        is_constant_jacobian: the log-determinant does not depend on ``x``.

    Every bijector also accepts the keyword-only ``validate_args=False`` and
    ``name=None`` of TFP. Concrete parameters are always checked when the bijector is
    built; ``validate_args=True`` also checks traced parameters at run time.

    Examples:
        >>> import jax.numpy as jnp
        >>> import probflow.bijectors as pfb
        >>> b = pfb.Exp()
        >>> y, ldj = b.forward_and_log_det(jnp.asarray([0.0, 1.0]))
        >>> b.inverse(y)
        Array([0., 1.], dtype=float32)
        >>> b.forward_log_det_jacobian(jnp.asarray([0.0, 1.0]), event_ndims=1)
        Array(1., dtype=float32)
    """

    validate_args: bool = static_field(default=False, kw_only=True)
    name: str | None = static_field(default=None, kw_only=True)

    forward_min_event_ndims: ClassVar[int] = 0
    inverse_min_event_ndims: ClassVar[int] = 0
    is_constant_jacobian: ClassVar[bool] = False

    def _validate(self, *checks: _checks.Check) -> None:
        _checks.validate(type(self).__name__, checks, self.validate_args)

    # -- public API ------------------------------------------------------------------------
    def forward(self, x: PyTree) -> PyTree:
        """``y = f(x)``."""
        x = _as_arrays(x)
        if _overrides(self, "_forward"):
            return self._forward(x)
        return self._forward_and_log_det(x)[0]

    def inverse(self, y: PyTree) -> PyTree:
        """``x = f^{-1}(y)``."""
        y = _as_arrays(y)
        if _overrides(self, "_inverse"):
            return self._inverse(y)
        if _overrides(self, "_inverse_and_log_det"):
            return self._inverse_and_log_det(y)[0]
        raise UnsupportedError(f"{type(self).__name__} has no closed-form inverse")

    def forward_and_log_det(self, x: PyTree,
                            event_ndims: int | None = None) -> tuple[PyTree, Any]:
        """``(f(x), log|det J_f(x)|)`` in one pass."""
        x = _as_arrays(x)
        y, ldj = self._primitive_forward_and_log_det(x)
        return y, self._reduce(ldj, event_ndims, self.forward_min_event_ndims, x)

    def inverse_and_log_det(self, y: PyTree,
                            event_ndims: int | None = None) -> tuple[PyTree, Any]:
        """``(f^{-1}(y), log|det J_{f^{-1}}(y)|)`` in one pass."""
        y = _as_arrays(y)
        x, ildj = self._primitive_inverse_and_log_det(y)
        return x, self._reduce(ildj, event_ndims, self.inverse_min_event_ndims, y)

    def forward_log_det_jacobian(self, x: PyTree, event_ndims: int | None = None) -> Any:
        """``log|det J_f(x)|`` summed over ``event_ndims`` trailing dims of ``x``."""
        return self.forward_and_log_det(x, event_ndims)[1]

    def inverse_log_det_jacobian(self, y: PyTree, event_ndims: int | None = None) -> Any:
        """``log|det J_{f^{-1}}(y)|`` summed over ``event_ndims`` trailing dims of ``y``."""
        return self.inverse_and_log_det(y, event_ndims)[1]

    def forward_event_shape(self, input_shape: Any) -> tuple[int, ...]:
        """Event shape of ``y`` given the event shape of ``x`` (unchanged unless overridden)."""
        return tuple(input_shape)

    def inverse_event_shape(self, output_shape: Any) -> tuple[int, ...]:
        """Event shape of ``x`` given the event shape of ``y``."""
        return tuple(output_shape)

    def forward_event_ndims(self, event_ndims: int) -> int:
        """Rank of one event of ``y`` when one event of ``x`` has rank ``event_ndims``.

        Examples:
            >>> import probflow.bijectors as pfb
            >>> pfb.Reshape([2, 3], [6]).forward_event_ndims(1)
            2
        """
        return event_ndims + self.inverse_min_event_ndims - self.forward_min_event_ndims

    def inverse_event_ndims(self, event_ndims: int) -> int:
        """Rank of one event of ``x`` when one event of ``y`` has rank ``event_ndims``."""
        return event_ndims + self.forward_min_event_ndims - self.inverse_min_event_ndims

    def __call__(self, x: Any) -> Any:
        """Alias of [`forward`][probflow.bijectors.bijector.Bijector.forward]."""
        return self.forward(x)

    # -- monotonicity (scalar bijectors) --------------------------------------------------------
    def _is_increasing(self) -> Any:
        """For scalar maps: ``True``/``False`` (or a boolean array over the parameters' batch)
        when the map is increasing/decreasing; ``None`` when not known to be monotone.

        Used by
        [`TransformedDistribution`][probflow.distributions.transformed.TransformedDistribution]
        for ``cdf`` and ``quantile``.
        """
        return None

    # -- derivation of missing pieces -----------------------------------------------------------
    def _primitive_forward_and_log_det(self, x: PyTree) -> tuple[PyTree, Any]:
        if _overrides(self, "_forward_and_log_det"):
            return self._forward_and_log_det(x)
        y = self._forward(x)
        if _overrides(self, "_forward_log_det_jacobian"):
            return y, self._forward_log_det_jacobian(x)
        if _overrides(self, "_inverse_log_det_jacobian"):
            return y, -self._inverse_log_det_jacobian(y)
        if _overrides(self, "_inverse_and_log_det"):
            return y, -self._inverse_and_log_det(y)[1]
        raise UnsupportedError(f"{type(self).__name__} defines no log-determinant")

    def _primitive_inverse_and_log_det(self, y: PyTree) -> tuple[PyTree, Any]:
        if _overrides(self, "_inverse_and_log_det"):
            return self._inverse_and_log_det(y)
        x = self.inverse(y)
        if _overrides(self, "_inverse_log_det_jacobian"):
            return x, self._inverse_log_det_jacobian(y)
        if _overrides(self, "_forward_log_det_jacobian"):
            return x, -self._forward_log_det_jacobian(x)
        if _overrides(self, "_forward_and_log_det"):
            return x, -self._forward_and_log_det(x)[1]
        raise UnsupportedError(f"{type(self).__name__} defines no log-determinant")

    def _reduce(self, ldj: Any, event_ndims: Any, min_event_ndims: Any, value: Any) -> Any:
        ldj = jnp.asarray(ldj)
        if event_ndims is None:
            event_ndims = min_event_ndims
        extra = event_ndims - min_event_ndims
        if extra < 0:
            raise ShapeError(
                f"{type(self).__name__}: event_ndims={event_ndims} is below the bijector's "
                f"minimum event ndims {min_event_ndims}"
            )
        # The primitive log-det has the batch shape of ``value`` (over its minimum event dims);
        # constant-Jacobian bijectors may return a smaller (broadcastable) array. For
        # structured values (``Split``'s inverse), the first part gives the batch shape.
        value = _first_leaf(value)
        if value.ndim < event_ndims:
            raise ShapeError(
                f"{type(self).__name__}: value of shape {tuple(value.shape)} has fewer than "
                f"event_ndims={event_ndims} dimensions"
            )
        batch_shape = value.shape[: value.ndim - min_event_ndims]
        ldj = jnp.broadcast_to(ldj, jnp.broadcast_shapes(ldj.shape, batch_shape))
        if extra:
            ldj = jnp.sum(ldj, axis=tuple(range(-extra, 0)))
        return ldj

    # -- markers for subclasses ------------------------------------------------------------------
    def _forward(self, x: Any) -> Any:  # pragma: no cover - dispatch marker
        raise UnsupportedError(f"{type(self).__name__} has no forward")

    def _inverse(self, y: Any) -> Any:  # pragma: no cover - dispatch marker
        raise UnsupportedError(f"{type(self).__name__} has no inverse")

    def _forward_log_det_jacobian(self, x: Any) -> Any:  # pragma: no cover - dispatch marker
        raise UnsupportedError

    def _inverse_log_det_jacobian(self, y: Any) -> Any:  # pragma: no cover - dispatch marker
        raise UnsupportedError

    def _forward_and_log_det(self, x: Any) -> Any:  # pragma: no cover - dispatch marker
        raise UnsupportedError

    def _inverse_and_log_det(self, y: Any) -> Any:  # pragma: no cover - dispatch marker
        raise UnsupportedError
