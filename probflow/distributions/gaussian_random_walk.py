"""``GaussianRandomWalk``: cumulative sums of iid normal steps (NumPyro's parameterisation)."""

from __future__ import annotations

import math

import jax
import jax.numpy as jnp

from probflow.core import checks
from probflow.core.numerics import promote_floats
from probflow.core.pytree import static_field
from probflow.distributions import constraints
from probflow.distributions.distribution import Distribution
from probflow.typing import ArrayLike

__all__ = ["GaussianRandomWalk"]

_HALF_LOG_2PI = 0.5 * math.log(2.0 * math.pi)


class GaussianRandomWalk(Distribution):
    """Gaussian random walk of ``num_steps`` steps starting from zero.

    ``x_0 = scale * e_0`` and ``x_t = x_{t-1} + scale * e_t`` with ``e_t`` iid standard normal,
    so ``log_prob(x) = sum_t Normal(0, scale).log_prob(x_t - x_{t-1})`` with ``x_{-1} = 0``.
    ``event_shape = (num_steps,)``, ``batch_shape = scale.shape``. Mean zero,
    ``Var(x_t) = (t + 1) scale^2`` and ``Cov(x_s, x_t) = (min(s, t) + 1) scale^2``. Sampling is
    reparameterized; the support is all real vectors (identity event-space bijector), so the
    walk can be a latent variable of a model (a smoothness prior on a curve).

    Args:
        scale: standard deviation of each step, positive.
        num_steps: length of the walk (a positive Python integer; static).

    Examples:
        >>> import jax, jax.numpy as jnp
        >>> import probflow.distributions as pfd
        >>> walk = pfd.GaussianRandomWalk(scale=jnp.asarray([1.0, 2.0]), num_steps=3)
        >>> walk.batch_shape, walk.event_shape
        ((2,), (3,))
        >>> walk.variance()
        Array([[ 1.,  2.,  3.],
               [ 4.,  8., 12.]], dtype=float32)
        >>> walk.sample(jax.random.key(0), (5,)).shape
        (5, 2, 3)
    """

    scale: jax.Array
    num_steps: int = static_field(default=1)
    reparameterized = True

    def __init__(self, scale: ArrayLike = 1.0, num_steps: int = 1, *, validate_args: bool = False,
                 name: str | None = None):
        num_steps = checks.check_count("GaussianRandomWalk", "num_steps", num_steps)
        (scale,) = promote_floats(scale)
        self._set(scale=scale, num_steps=num_steps, validate_args=validate_args, name=name)
        self._validate(checks.positive("scale", scale))

    @property
    def event_shape(self) -> tuple[int, ...]:
        return (self.num_steps,)

    @property
    def support(self) -> constraints.Constraint:
        return constraints.real_vector

    def _steps(self):
        return jnp.arange(1, self.num_steps + 1, dtype=self.dtype)

    def _sample(self, key, sample_shape):
        shape = tuple(sample_shape) + self.batch_shape + self.event_shape
        eps = jax.random.normal(key, shape, self.dtype)
        return jnp.cumsum(eps, axis=-1) * self.scale[..., None]

    def _log_prob(self, value):
        previous = jnp.concatenate([jnp.zeros_like(value[..., :1]), value[..., :-1]], axis=-1)
        scale = self.scale[..., None]
        z = (value - previous) / scale
        return jnp.sum(-0.5 * jnp.square(z) - jnp.log(scale) - _HALF_LOG_2PI, axis=-1)

    def _mean(self):
        return jnp.zeros(self.batch_shape + self.event_shape, self.dtype)

    def _variance(self):
        return jnp.square(self.scale)[..., None] * self._steps()

    def _covariance(self):
        steps = self._steps()
        shared = jnp.minimum(steps[:, None], steps[None, :])
        return jnp.square(self.scale)[..., None, None] * shared

    def _entropy(self):
        # The walk is a unit-determinant linear map of num_steps iid normal steps.
        h = self.num_steps * (0.5 + _HALF_LOG_2PI + jnp.log(self.scale))
        return jnp.broadcast_to(h, self.batch_shape)
