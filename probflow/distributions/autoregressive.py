"""``Autoregressive``: TFP's distribution ``p(x) = distribution_fn(x).log_prob(x)``."""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import jax
import jax.numpy as jnp

from probflow.core import checks
from probflow.core.pytree import static_field
from probflow.distributions._markov import transition_sample
from probflow.distributions.constraints import Constraint
from probflow.distributions.distribution import Distribution
from probflow.typing import Array, ArrayLike, PRNGKey

__all__ = ["Autoregressive"]

_OWNER = "Autoregressive"


class Autoregressive(Distribution):
    """Distribution defined by an autoregressive conditional, as TFP's ``Autoregressive``.

    ``distribution_fn(x)`` returns a distribution over the same event as ``x`` whose
    coordinate ``i`` depends only on the coordinates before ``i`` (the "autoregressive
    property", e.g. a masked network or a shifted time series). Then

    * ``log_prob(x) = distribution_fn(x).log_prob(x)``;
    * a draw is ``fn(... fn(fn(sample0).sample()).sample() ...).sample()`` with ``num_steps``
      calls in all (TFP's documented semantics), every call with the same key: with the
      noise held fixed each call fixes one more coordinate, so ``num_steps`` defaults to the
      event size.

    ``batch_shape``, ``event_shape``, ``dtype`` and ``support`` are those of
    ``distribution_fn(sample0)``; sampling is reparameterized when that distribution is.
    Sampling costs ``num_steps`` calls of ``distribution_fn`` in a ``lax.scan``.

    An AR(p) time series is the special case where ``distribution_fn`` shifts the series:
    ``loc_t = sum_k phi_k x_{t-k}`` (see the example).

    Args:
        distribution_fn: ``x -> Distribution`` (static configuration: pass the same function
            object to avoid retracing).
        sample0: the initial input; defines the shapes. When omitted, ``distribution_fn()`` is
            called without arguments.
        num_steps: number of calls of ``distribution_fn`` per draw (default: the event size).

    Examples:
        An AR(1) series of length 5, ``x_t = 0.8 x_{t-1} + N(0, 1)`` with ``x_0 ~ N(0, 1)``:

        >>> import jax, jax.numpy as jnp
        >>> import probflow.distributions as pfd
        >>> def ar1(x):
        ...     previous = jnp.concatenate([jnp.zeros_like(x[..., :1]), x[..., :-1]], axis=-1)
        ...     return pfd.Independent(pfd.Normal(0.8 * previous, 1.0), 1)
        >>> d = pfd.Autoregressive(ar1, sample0=jnp.zeros(5))
        >>> d.event_shape, d.num_steps
        ((5,), 5)
        >>> x = d.sample(jax.random.key(0), (3,))
        >>> x.shape, d.log_prob(x).shape
        ((3, 5), (3,))
    """

    sample0: jax.Array | None
    distribution_fn: Callable[..., Distribution] = static_field()
    num_steps: int = static_field()

    def __init__(self, distribution_fn: Callable[..., Distribution],
                 sample0: ArrayLike | None = None, num_steps: int | None = None, *,
                 validate_args: bool = False, name: str | None = None):
        if not callable(distribution_fn):
            raise TypeError(f"{_OWNER}: distribution_fn must be a callable x -> Distribution, "
                            f"got {distribution_fn!r}")
        sample0 = None if sample0 is None else jnp.asarray(sample0)
        first = distribution_fn() if sample0 is None else distribution_fn(sample0)
        if not isinstance(first, Distribution):
            raise TypeError(f"{_OWNER}: distribution_fn must return a Distribution, got "
                            f"{first!r}")
        if num_steps is None:
            num_steps = max(1, math.prod(first.event_shape))
        num_steps = checks.check_count(_OWNER, "num_steps", num_steps)
        self._set(sample0=sample0, distribution_fn=distribution_fn, num_steps=num_steps,
                  validate_args=validate_args, name=name)

    @property
    def distribution0(self) -> Distribution:
        """``distribution_fn(sample0)``: the distribution that fixes the shapes and dtype."""
        if self.sample0 is None:
            return self.distribution_fn()
        return self.distribution_fn(self.sample0)

    @property
    def reparameterized(self) -> bool:  # pyright: ignore[reportIncompatibleVariableOverride]
        return bool(self.distribution0.reparameterized)

    @property
    def batch_shape(self) -> tuple[int, ...]:
        return tuple(self.distribution0.batch_shape)

    @property
    def event_shape(self) -> tuple[int, ...]:
        return tuple(self.distribution0.event_shape)

    @property
    def dtype(self) -> Any:
        return self.distribution0.dtype

    @property
    def support(self) -> Constraint:
        return self.distribution0.support

    @property
    def is_discrete(self) -> bool:
        return bool(self.distribution0.is_discrete)

    def _sample(self, key: PRNGKey, sample_shape: tuple[int, ...]) -> Array:
        # Every pass reuses the same key, hence the same underlying noise: pass j then
        # reproduces coordinates 0..j-2 exactly and fixes coordinate j-1 given them. Fresh
        # noise per pass would redraw the early coordinates and break their dependence on
        # the later ones.
        x = self.distribution0.sample(key, sample_shape)

        def step(x, _):
            return transition_sample(_OWNER, self.distribution_fn(x), key, x), None

        x, _ = jax.lax.scan(step, x, None, length=self.num_steps - 1)
        return x

    def _log_prob(self, value):
        return self.distribution_fn(value).log_prob(value)
