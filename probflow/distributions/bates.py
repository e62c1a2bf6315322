"""The Bates distribution: the mean of ``total_count`` independent uniforms."""

from __future__ import annotations

import math

import jax
import jax.numpy as jnp

from probflow.core import checks
from probflow.core.errors import ParameterError
from probflow.core.numerics import promote_floats
from probflow.core.pytree import static_field
from probflow.distributions import constraints
from probflow.distributions.distribution import Distribution
from probflow.typing import Array, ArrayLike, PRNGKey

__all__ = ["Bates"]

# The alternating sums lose about log10(2**n) digits; above this they are meaningless.
_MAX_TOTAL_COUNT = 40


def _irwin_hall(n: int, s, power: int):
    """``sum_k (-1)**k C(n, k) max(s - k, 0)**power`` for ``0 <= s <= n / 2``."""
    total = jnp.zeros_like(s)
    for k in range(n // 2 + 1):
        term = math.comb(n, k) * jnp.where(s > k, s - k, 0.0) ** power
        total = total + (-term if k % 2 else term)
    return total


class Bates(Distribution):
    """Distribution of the mean of ``total_count`` independent ``Uniform(low, high)`` draws.

    With ``n = total_count`` and ``s = n (x - low) / (high - low)`` (an Irwin-Hall
    variable), the density is ``n / ((high - low) (n - 1)!) sum_{k <= s} (-1)**k C(n, k) (s
    - k)**(n - 1)`` and the cdf ``(1 / n!) sum_{k <= s} (-1)**k C(n, k) (s - k)**n``, both
    evaluated on the nearer half of the support (the distribution is symmetric), where the
    alternating sum has fewest terms. ``total_count`` is a static Python integer between 1
    and 40 (the number of terms is fixed when the program is traced, and the alternating
    sums lose about ``log10(2**n)`` digits, as TFP's do). Mean ``(low + high) / 2``,
    variance ``(high - low)**2 / (12 n)``, mode the mean. Sampling averages ``n`` uniform
    draws (reparameterized in ``low`` and ``high``).

    Args:
        total_count: number of uniforms averaged, an integer in ``[1, 40]``.
        low: lower end; default 0.
        high: upper end, greater than ``low``; default 1.

    Examples:
        >>> import probflow.distributions as pfd
        >>> d = pfd.Bates(3, low=-1.0, high=2.0)
        >>> round(float(d.log_prob(0.5)), 4), float(d.cdf(0.5))
        (-0.2877, 0.5)
    """

    total_count: int = static_field(default=1, kw_only=True)
    low: jax.Array
    high: jax.Array
    reparameterized = True

    def __init__(self, total_count: int, low: ArrayLike = 0.0, high: ArrayLike = 1.0, *,
                 validate_args: bool = False, name: str | None = None):
        count = int(total_count) if float(total_count) == int(total_count) else None
        if count is None or not 1 <= count <= _MAX_TOTAL_COUNT:
            raise ParameterError(
                f"Bates: total_count must be a whole number in [1, {_MAX_TOTAL_COUNT}] (a "
                f"static Python integer), got {total_count!r}")
        low, high = promote_floats(low, high)
        self._set(total_count=count, low=low, high=high, validate_args=validate_args,
                  name=name)
        self._validate(checks.greater_than("high", high, low, "low"))

    @property
    def support(self) -> constraints.Constraint:
        return constraints.Interval(self.low, self.high)

    def _sample(self, key: PRNGKey, sample_shape: tuple[int, ...]) -> Array:
        shape = sample_shape + self.batch_shape + (self.total_count,)
        u = jnp.mean(jax.random.uniform(key, shape, self.dtype), axis=-1)
        return self.low + (self.high - self.low) * u

    def _sum_scale(self, value):
        """``(s, mirrored)``: the Irwin-Hall value folded onto ``[0, n / 2]``."""
        n = self.total_count
        s = n * (value - self.low) / (self.high - self.low)
        s = jnp.clip(s, 0.0, float(n))
        upper = s > 0.5 * n
        return jnp.where(upper, n - s, s), upper

    def _log_prob(self, value):
        n = self.total_count
        s, _ = self._sum_scale(value)
        inside = (value >= self.low) & (value <= self.high)
        density = _irwin_hall(n, s, n - 1) / math.factorial(n - 1)
        lp = jnp.log(jnp.where(inside & (density > 0), density, 1.0)) + math.log(n) - jnp.log(
            self.high - self.low)
        return jnp.where(inside & (density > 0), lp, -jnp.inf)

    def _cdf(self, value):
        n = self.total_count
        s, upper = self._sum_scale(value)
        lower_tail = _irwin_hall(n, s, n) / math.factorial(n)
        return jnp.where(upper, 1.0 - lower_tail, lower_tail)

    def _survival_function(self, value):
        n = self.total_count
        s, upper = self._sum_scale(value)
        lower_tail = _irwin_hall(n, s, n) / math.factorial(n)
        return jnp.where(upper, lower_tail, 1.0 - lower_tail)

    def _mean(self):
        return jnp.broadcast_to(0.5 * (self.low + self.high), self.batch_shape)

    def _variance(self):
        var = jnp.square(self.high - self.low) / (12.0 * self.total_count)
        return jnp.broadcast_to(var, self.batch_shape)

    def _mode(self):
        return self._mean()
