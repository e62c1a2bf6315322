"""Point masses: ``Deterministic`` (scalar events) and ``VectorDeterministic`` (vectors)."""

from __future__ import annotations

from typing import ClassVar

import jax
import jax.numpy as jnp

from probflow.core import checks
from probflow.core.numerics import promote_floats
from probflow.distributions import constraints
from probflow.distributions.distribution import Distribution
from probflow.typing import Array, ArrayLike, PRNGKey

__all__ = ["Deterministic", "VectorDeterministic"]


class Deterministic(Distribution):
    """Point mass at ``loc``: ``log_prob`` is 0 within tolerance of ``loc``, ``-inf`` elsewhere.

    A value counts as equal when ``|x - loc| <= atol + rtol |loc|`` (both default 0).
    ``cdf`` is the step at ``loc``; mean and mode are ``loc``, variance and entropy 0.
    Samples are ``loc`` (reparameterized: the gradient w.r.t. ``loc`` is 1).

    Args:
        loc: the point.
        atol, rtol: non-negative tolerances for ``log_prob``/``cdf``.

    Examples:
        >>> import probflow.distributions as pfd
        >>> d = pfd.Deterministic(2.0)
        >>> float(d.log_prob(2.0)), float(d.log_prob(2.1))
        (0.0, -inf)
    """

    loc: jax.Array
    atol: jax.Array
    rtol: jax.Array
    reparameterized = True
    _event_ndims: ClassVar[int] = 0

    def __init__(self, loc: ArrayLike, atol: ArrayLike | None = None, rtol: ArrayLike | None = None,
                 *, validate_args: bool = False, name: str | None = None):
        loc, atol, rtol = promote_floats(loc, 0.0 if atol is None else atol,
                                         0.0 if rtol is None else rtol)
        self._set(loc=loc, atol=atol, rtol=rtol, validate_args=validate_args, name=name)
        self._validate(checks.nonnegative("atol", atol), checks.nonnegative("rtol", rtol))

    @property
    def batch_shape(self) -> tuple[int, ...]:
        nd = self._event_ndims
        shape = jnp.shape(self.loc)
        return tuple(shape[: len(shape) - nd]) if nd else tuple(
            jnp.broadcast_shapes(shape, jnp.shape(self.atol), jnp.shape(self.rtol)))

    @property
    def event_shape(self) -> tuple[int, ...]:
        return tuple(jnp.shape(self.loc)[-1:]) if self._event_ndims else ()

    @property
    def support(self) -> constraints.Constraint:
        return constraints.real_vector if self._event_ndims else constraints.real

    def _close(self, value):
        tol = self.atol + self.rtol * jnp.abs(self.loc)
        ok = jnp.abs(value - self.loc) <= tol
        return jnp.all(ok, axis=-1) if self._event_ndims else ok

    def _sample(self, key: PRNGKey, sample_shape: tuple[int, ...]) -> Array:
        return jnp.broadcast_to(self.loc, tuple(sample_shape) + self.batch_shape
                                + self.event_shape)

    def _log_prob(self, value):
        return jnp.where(self._close(value), 0.0, -jnp.inf).astype(self.dtype)

    def _cdf(self, value):
        return jnp.where(value >= self.loc - self.atol - self.rtol * jnp.abs(self.loc), 1.0,
                         0.0).astype(self.dtype)

    def _mean(self):
        return jnp.broadcast_to(self.loc, self.batch_shape + self.event_shape)

    def _mode(self):
        return self._mean()

    def _variance(self):
        return jnp.zeros(self.batch_shape + self.event_shape, self.dtype)

    def _entropy(self):
        return jnp.zeros(self.batch_shape, self.dtype)


class VectorDeterministic(Deterministic):
    """Point mass at the vector ``loc`` (event shape ``loc.shape[-1:]``).

    ``log_prob`` is 0 when every coordinate is within tolerance, ``-inf`` otherwise.

    Examples:
        >>> import jax.numpy as jnp
        >>> import probflow.distributions as pfd
        >>> d = pfd.VectorDeterministic(jnp.asarray([1.0, 2.0]))
        >>> float(d.log_prob(jnp.asarray([1.0, 2.0])))
        0.0
    """

    _event_ndims: ClassVar[int] = 1

    def _cdf(self, value):  # pragma: no cover - no cdf for vectors
        from probflow.core.errors import UnsupportedError

        raise UnsupportedError("VectorDeterministic has no cdf")
