"""``Empirical``: the uniform distribution over a set of samples."""

from __future__ import annotations

import jax
import jax.numpy as jnp

from probflow.core.errors import ShapeError
from probflow.core.pytree import static_field
from probflow.distributions import constraints
from probflow.distributions.distribution import Distribution
from probflow.typing import Array, ArrayLike, PRNGKey

__all__ = ["Empirical"]


class Empirical(Distribution):
    """Uniform over the given samples: ``P(x) = (number of samples equal to x) / n``.

    ``samples`` has shape ``batch_shape + (n,) + event_shape`` with ``event_ndims``
    event dimensions. Sampling draws random indices. Mean, variance and (for scalar events)
    the cdf and mode are those of the empirical distribution; entropy is
    ``-sum_x P(x) log P(x)`` over distinct values.

    Args:
        samples: array of samples.
        event_ndims: number of event dimensions (0 or 1; default 0).

    Examples:
        >>> import jax.numpy as jnp
        >>> import probflow.distributions as pfd
        >>> d = pfd.Empirical(jnp.asarray([0.0, 1.0, 1.0, 3.0]))
        >>> float(d.mean()), float(d.prob(1.0)), float(d.cdf(1.0))
        (1.25, 0.5, 0.75)
    """

    samples: jax.Array
    event_ndims: int = static_field(default=0)

    def __init__(self, samples: ArrayLike, event_ndims: int = 0, *, validate_args: bool = False,
                 name: str | None = None):
        samples = jnp.asarray(samples)
        if event_ndims not in (0, 1):
            raise ValueError(f"Empirical: event_ndims must be 0 or 1, got {event_ndims!r}")
        if samples.ndim < event_ndims + 1:
            raise ShapeError(
                f"Empirical: samples must have at least {event_ndims + 1} dimension(s) "
                f"(..., n{', event' if event_ndims else ''}), got shape {samples.shape}"
            )
        self._set(samples=samples, event_ndims=event_ndims, validate_args=validate_args,
                  name=name)
        self._validate()

    @property
    def num_samples(self) -> int:
        return self.samples.shape[self.samples.ndim - 1 - self.event_ndims]

    @property
    def batch_shape(self) -> tuple[int, ...]:
        return tuple(self.samples.shape[: self.samples.ndim - 1 - self.event_ndims])

    @property
    def event_shape(self) -> tuple[int, ...]:
        return tuple(self.samples.shape[self.samples.ndim - self.event_ndims:])

    @property
    def support(self) -> constraints.Constraint:
        return constraints.real_vector if self.event_ndims else constraints.real

    def _matches(self, value):
        # value: outer + batch + event -> compare against samples batch + (n,) + event
        v = jnp.expand_dims(value, value.ndim - self.event_ndims)
        eq = v == self.samples
        return jnp.all(eq, axis=-1) if self.event_ndims else eq

    def _log_prob(self, value):
        count = jnp.sum(self._matches(value), axis=-1)
        return jnp.log(count.astype(self.dtype)) - jnp.log(float(self.num_samples))

    def _sample(self, key: PRNGKey, sample_shape: tuple[int, ...]) -> Array:
        n = self.num_samples
        idx = jax.random.randint(key, tuple(sample_shape) + self.batch_shape, 0, n)
        axis = len(self.batch_shape)
        samples = jnp.broadcast_to(self.samples, tuple(sample_shape) + self.samples.shape)
        idx = idx.reshape(idx.shape + (1,) + (1,) * self.event_ndims)
        return jnp.take_along_axis(samples, idx, axis=len(sample_shape) + axis).squeeze(
            len(sample_shape) + axis)

    def _axis(self):
        return self.samples.ndim - 1 - self.event_ndims

    def _mean(self):
        return jnp.mean(self.samples, axis=self._axis())

    def _variance(self):
        return jnp.var(self.samples, axis=self._axis())

    def _cdf(self, value):
        if self.event_ndims:
            from probflow.core.errors import UnsupportedError

            raise UnsupportedError("Empirical: cdf needs scalar events")
        v = jnp.expand_dims(value, -1)
        return jnp.mean((self.samples <= v).astype(self.dtype), axis=-1)

    def _probs_of_samples(self):
        # P of each sample's own value: shape batch + (n,)
        s = self.samples
        if self.event_ndims:
            eq = jnp.all(s[..., :, None, :] == s[..., None, :, :], axis=-1)
        else:
            eq = s[..., :, None] == s[..., None, :]
        return jnp.mean(eq.astype(self.dtype), axis=-1)

    def _mode(self):
        p = self._probs_of_samples()
        idx = jnp.argmax(p, axis=-1)
        idx = idx.reshape(idx.shape + (1,) + (1,) * self.event_ndims)
        return jnp.take_along_axis(self.samples, idx, axis=self._axis()).squeeze(self._axis())

    def _entropy(self):
        # -sum over distinct x of P(x) log P(x) = -mean over samples of log P(sample)
        return -jnp.mean(jnp.log(self._probs_of_samples()), axis=-1)
