"""``AbsoluteValue``: ``|x|``, TFP's one non-injective bijector."""

from __future__ import annotations

from typing import NoReturn

import jax.numpy as jnp

from probflow.bijectors.bijector import Bijector
from probflow.core.checks import Check
from probflow.core.errors import UnsupportedError
from probflow.typing import Array, ArrayLike

__all__ = ["AbsoluteValue"]


class AbsoluteValue(Bijector):
    """``y = |x|``, from the reals onto ``[0, inf)``: not injective, with TFP's semantics.

    ``inverse(y)`` returns the two preimages as a tuple ``(-y, y)`` (``(0, 0)`` at
    ``y = 0``, which makes a transformed density left semi-continuous at 0), and
    ``inverse_log_det_jacobian(y)`` the log-determinant on each branch, ``(0, 0)``. A density
    of ``|X|`` is the sum over the branches:
    ``p_Y(y) = p_X(-y) + p_X(y)``. ``forward_log_det_jacobian`` has no meaning for a
    non-injective map and raises
    [`UnsupportedError`][probflow.core.errors.UnsupportedError], as TFP does. Negative
    ``y`` are not checked (the branches are then wrong) unless ``validate_args=True``.

    Examples:
        >>> import jax.numpy as jnp
        >>> import probflow.bijectors as pfb
        >>> b = pfb.AbsoluteValue()
        >>> b.forward(jnp.asarray([-1.0, 0.0, 2.0]))
        Array([1., 0., 2.], dtype=float32)
        >>> b.inverse(2.0)
        (Array(-2., dtype=float32, weak_type=True), Array(2., dtype=float32, weak_type=True))
        >>> b.inverse_log_det_jacobian(2.0)
        (Array(0., dtype=float32), Array(0., dtype=float32))
    """

    is_injective = False

    def _forward(self, x):
        return jnp.abs(x)

    def _checked(self, y):
        if self.validate_args:
            self._validate(Check("y", y, lambda v: v >= 0, "non-negative"))
        return y

    def _inverse(self, y):
        y = self._checked(y)
        return -y, y

    def inverse_and_log_det(self, y: ArrayLike, event_ndims: int | None = None
                            ) -> tuple[tuple[Array, Array], tuple[Array, Array]]:
        """``((-y, y), (ildj, ildj))``: both preimages and the log-determinant on each
        branch (zero), summed over ``event_ndims`` trailing dims of ``y``."""
        y = self._checked(jnp.asarray(y))
        zero = jnp.zeros_like(y, dtype=jnp.result_type(y, float))
        ildj = self._reduce(zero, event_ndims, 0, y)
        return (-y, y), (ildj, ildj)

    def inverse_log_det_jacobian(self, y: ArrayLike,
                                 event_ndims: int | None = None) -> tuple[Array, Array]:
        """``(0, 0)``: the log-determinant on each of the two branches."""
        return self.inverse_and_log_det(y, event_ndims)[1]

    def forward_and_log_det(self, x: ArrayLike, event_ndims: int | None = None) -> NoReturn:
        """Raises: a non-injective map has no forward log-determinant."""
        raise UnsupportedError(
            "AbsoluteValue: forward_log_det_jacobian is undefined for a non-injective map; "
            "use inverse_log_det_jacobian, which gives one value per branch"
        )

    def forward_log_det_jacobian(self, x: ArrayLike, event_ndims: int | None = None) -> NoReturn:
        """Raises: a non-injective map has no forward log-determinant."""
        return self.forward_and_log_det(x, event_ndims)
