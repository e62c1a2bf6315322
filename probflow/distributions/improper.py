"""Improper flat priors: ``Flat`` on the reals and ``HalfFlat`` on the positive reals.

They have a constant (zero) log density on their support and cannot be sampled. Use them to
reproduce models with Stan's default flat priors; the posterior must still be proper.
"""

from __future__ import annotations

from typing import ClassVar

import jax.numpy as jnp

from probflow.core.errors import UnsupportedError
from probflow.core.numerics import default_float
from probflow.core.pytree import static_field
from probflow.core.shapes import as_shape
from probflow.distributions import constraints
from probflow.distributions.distribution import Distribution

__all__ = ["Flat", "HalfFlat"]


class _Improper(Distribution):
    shape: tuple = static_field(default=())
    is_improper: ClassVar[bool] = True

    def __init__(self, shape=(), *, validate_args: bool = False, name: str | None = None):
        self._set(shape=as_shape(shape), validate_args=validate_args, name=name)

    @property
    def batch_shape(self):
        return self.shape

    @property
    def dtype(self):
        return default_float()

    def _sample(self, key, sample_shape):
        raise UnsupportedError(
            f"{type(self).__name__} is an improper prior and cannot be sampled; use "
            f"init strategy 'uniform' (the default) or give initial values"
        )


class Flat(_Improper):
    """Improper uniform density on the reals: ``log_prob(x) = 0``.

    Args:
        shape: batch shape of the variable.

    Examples:
        >>> import jax.numpy as jnp
        >>> import probflow.distributions as pfd
        >>> pfd.Flat((3,)).log_prob(jnp.asarray([1.0, -5.0, 1e6]))
        Array([0., 0., 0.], dtype=float32)
    """

    @property
    def support(self):
        return constraints.real

    def _log_prob(self, value):
        value = jnp.broadcast_to(value, jnp.broadcast_shapes(value.shape, self.shape))
        return jnp.where(jnp.isnan(value), jnp.nan, jnp.zeros_like(value))


class HalfFlat(_Improper):
    """Improper uniform density on the positive reals: 0 for ``x > 0``, ``-inf`` otherwise.

    Examples:
        >>> import jax.numpy as jnp
        >>> import probflow.distributions as pfd
        >>> pfd.HalfFlat().log_prob(jnp.asarray([2.0, -1.0]))
        Array([  0., -inf], dtype=float32)
    """

    @property
    def support(self):
        return constraints.positive

    def _log_prob(self, value):
        value = jnp.broadcast_to(value, jnp.broadcast_shapes(value.shape, self.shape))
        return jnp.where(value > 0, 0.0, -jnp.inf).astype(value.dtype)
