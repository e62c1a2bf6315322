"""Improper flat priors: ``Flat`` (reals), ``HalfFlat`` (positive reals), ``ImproperUniform``.

They have a constant (zero) log density on their support and cannot be sampled. Use them to
reproduce models with Stan's default flat priors, or to declare a variable on a constrained
space (ordered, simplex, ...) whose density is added with ``pf.Factor``; the posterior must
still be proper.
"""

from __future__ import annotations

from typing import ClassVar, NoReturn

import jax.numpy as jnp
import numpy as np

from probflow.core.errors import UnsupportedError
from probflow.core.numerics import default_float
from probflow.core.pytree import static_field
from probflow.core.shapes import as_shape
from probflow.distributions import constraints
from probflow.distributions.distribution import Distribution
from probflow.typing import ShapeLike

__all__ = ["Flat", "HalfFlat", "ImproperUniform"]


def _cannot_sample(dist: Distribution) -> NoReturn:
    raise UnsupportedError(
        f"{type(dist).__name__} is an improper prior and cannot be sampled; use "
        f"init strategy 'uniform' (the default) or give initial values"
    )


class _Improper(Distribution):
    shape: tuple = static_field(default=())
    is_improper: ClassVar[bool] = True

    def __init__(self, shape: ShapeLike = (), *, validate_args: bool = False,
                 name: str | None = None):
        self._set(shape=as_shape(shape), validate_args=validate_args, name=name)

    @property
    def batch_shape(self) -> tuple[int, ...]:
        return self.shape

    @property
    def dtype(self) -> np.dtype:
        return default_float()

    def _sample(self, key, sample_shape):
        _cannot_sample(self)


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
    def support(self) -> constraints.Constraint:
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
    def support(self) -> constraints.Constraint:
        return constraints.positive

    def _log_prob(self, value):
        value = jnp.broadcast_to(value, jnp.broadcast_shapes(value.shape, self.shape))
        return jnp.where(value > 0, 0.0, -jnp.inf).astype(value.dtype)


class ImproperUniform(Distribution):
    """Improper uniform density on any support: 0 inside, ``-inf`` outside.

    Args:
        support: a constraint from
            [`probflow.distributions.constraints`][probflow.distributions.constraints].
        batch_shape: batch shape.
        event_shape: event shape; its length must be at least the support's ``event_ndims``.

    Examples:
        >>> import jax.numpy as jnp
        >>> import probflow.distributions as pfd
        >>> from probflow.distributions import constraints
        >>> d = pfd.ImproperUniform(constraints.ordered, event_shape=(2,))
        >>> d.log_prob(jnp.asarray([[0.0, 1.0], [1.0, 0.0]]))
        Array([  0., -inf], dtype=float32)
    """

    constraint: constraints.Constraint
    shape: tuple = static_field(default=())
    event: tuple = static_field(default=())
    is_improper: ClassVar[bool] = True

    def __init__(self, support: constraints.Constraint, batch_shape: ShapeLike = (),
                 event_shape: ShapeLike = (), *, validate_args: bool = False,
                 name: str | None = None):
        if not isinstance(support, constraints.Constraint):
            raise TypeError(f"ImproperUniform: support must be a constraint, got {support!r}")
        event_shape = as_shape(event_shape)
        if len(event_shape) < support.event_ndims:
            raise ValueError(
                f"ImproperUniform: event_shape {event_shape} has fewer dimensions than the "
                f"support's event_ndims {support.event_ndims}"
            )
        self._set(constraint=support, shape=as_shape(batch_shape), event=event_shape,
                  validate_args=validate_args, name=name)

    @property
    def support(self) -> constraints.Constraint:
        return constraints.independent(self.constraint,
                                       len(self.event) - self.constraint.event_ndims)

    @property
    def batch_shape(self) -> tuple[int, ...]:
        return self.shape

    @property
    def event_shape(self) -> tuple[int, ...]:
        return self.event

    @property
    def dtype(self) -> np.dtype:
        return default_float()

    def _sample(self, key, sample_shape):
        _cannot_sample(self)

    def _log_prob(self, value):
        inside = self.support.check(value)
        out = jnp.where(inside, 0.0, -jnp.inf).astype(value.dtype)
        return jnp.broadcast_to(out, jnp.broadcast_shapes(out.shape, self.shape))
