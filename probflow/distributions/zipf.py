"""The Zipf (zeta) distribution."""

from __future__ import annotations

from typing import Any

import jax
import jax.numpy as jnp
import numpy as np
from jax.scipy import special

from probflow.core import checks
from probflow.core.numerics import promote_floats
from probflow.core.pytree import static_field
from probflow.distributions import constraints
from probflow.distributions.distribution import Distribution
from probflow.typing import Array, ArrayLike, DTypeLike

__all__ = ["Zipf"]


def _zeta(s: ArrayLike, q: ArrayLike = 1.0) -> Array:
    return special.zeta(s, q)


class Zipf(Distribution):
    """Zipf (zeta) distribution on the positive integers.

    ``P(X = k) = k**(-power) / zeta(power)`` for ``k = 1, 2, ...`` and ``power > 1``
    (``zeta`` the Riemann zeta function). The survival function is
    ``P(X > k) = zeta(power, floor(k) + 1) / zeta(power)`` with the Hurwitz zeta
    function. Mean ``zeta(power - 1) / zeta(power)`` for ``power > 2`` and variance
    ``zeta(power - 2) / zeta(power) - mean**2`` for ``power > 3``; both are ``inf``
    below those thresholds. The mode is 1.

    Sampling uses Devroye's rejection algorithm (*Non-Uniform Random Variate
    Generation*, 1986, X.6.1): propose ``floor(U**(-1 / (power - 1)))`` and accept
    with the ratio of the Zipf mass to the dominating continuous density; the
    expected number of proposals is small for every ``power > 1``. All elements
    are drawn in one vectorised ``lax.while_loop`` that runs until every element
    has been accepted. Samples are ``int32`` by default, as in TFP; draws beyond
    the largest value the sample dtype holds are clipped to it (for powers close
    to 1 pass a floating ``dtype`` to keep the heavy tail).

    Args:
        power: exponent, greater than 1.
        dtype: dtype of samples.

    Examples:
        >>> import jax
        >>> import probflow.distributions as pfd
        >>> d = pfd.Zipf(power=2.0)
        >>> float(d.prob(1))  # 6 / pi**2  # doctest: +ELLIPSIS
        0.6079...
        >>> int(d.sample(jax.random.key(0), (1000,)).min())
        1
    """

    power: jax.Array
    sample_dtype: Any = static_field(default=jnp.int32, kw_only=True)

    def __init__(
        self,
        power: ArrayLike,
        *,
        dtype: DTypeLike = jnp.int32,
        validate_args: bool = False,
        name: str | None = None,
    ):
        (power,) = promote_floats(power)
        self._set(
            power=power, sample_dtype=jnp.dtype(dtype), validate_args=validate_args, name=name
        )
        self._validate(checks.greater_than("power", power, 1.0, "1"))

    @property
    def dtype(self) -> np.dtype:
        return self.sample_dtype

    @property
    def support(self) -> constraints.Constraint:
        return constraints.positive_integer

    def _log_prob(self, value):
        k = value.astype(self.power.dtype)
        ok = (k >= 1) & jnp.isfinite(k) & (k == jnp.floor(k))
        k_safe = jnp.where(ok, k, 1.0)
        lp = -self.power * jnp.log(k_safe) - jnp.log(_zeta(self.power))
        return jnp.where(ok, lp, -jnp.inf)

    def _log_survival_function(self, value):
        k = jnp.floor(value.astype(self.power.dtype))
        inside = (k >= 1) & jnp.isfinite(k)
        k_safe = jnp.where(inside, k, 1.0)
        inner = jnp.log(_zeta(self.power, k_safe + 1.0)) - jnp.log(_zeta(self.power))
        return jnp.where(inside, inner, jnp.where(k < 1, 0.0, -jnp.inf))

    def _survival_function(self, value):
        return jnp.exp(self._log_survival_function(value))

    def _cdf(self, value):
        return 0.0 - jnp.expm1(self._log_survival_function(value))

    def _mean(self):
        s = self.power
        finite = s > 2
        s_safe = jnp.where(finite, s, 3.0)
        mean = _zeta(s_safe - 1.0) / _zeta(s_safe)
        return jnp.broadcast_to(jnp.where(finite, mean, jnp.inf), self.batch_shape)

    def _variance(self):
        s = self.power
        finite = s > 3
        s_safe = jnp.where(finite, s, 4.0)
        z = _zeta(s_safe)
        var = _zeta(s_safe - 2.0) / z - jnp.square(_zeta(s_safe - 1.0) / z)
        return jnp.broadcast_to(jnp.where(finite, var, jnp.inf), self.batch_shape)

    def _mode(self):
        return jnp.ones(self.batch_shape, self.sample_dtype)

    def _sample(self, key, sample_shape):
        shape = sample_shape + self.batch_shape
        dtype = self.power.dtype
        a_minus_1 = jnp.broadcast_to(self.power - 1.0, shape)
        # b - 1 = 2**(a - 1) - 1 and t / b, both without cancellation near a = 1.
        log2 = jnp.log(jnp.asarray(2.0, dtype))
        b_minus_1 = jnp.expm1(a_minus_1 * log2)
        if jnp.issubdtype(self.sample_dtype, jnp.integer):
            largest = jnp.asarray(jnp.iinfo(self.sample_dtype).max, dtype)
        else:
            largest = jnp.asarray(jnp.finfo(self.sample_dtype).max, dtype)
        largest = jnp.minimum(largest, jnp.finfo(dtype).max)

        def propose(key):
            key_u, key_v = jax.random.split(key)
            u = jax.random.uniform(key_u, shape, dtype, minval=jnp.finfo(dtype).tiny, maxval=1.0)
            v = jax.random.uniform(key_v, shape, dtype)
            x = jnp.floor(jnp.exp(jnp.minimum(-jnp.log(u) / a_minus_1, jnp.log(largest))))
            x = jnp.clip(x, 1.0, largest)
            # t = (1 + 1/x)**(a - 1); accept when v x (t - 1) / (b - 1) <= t / b.
            log_t = a_minus_1 * jnp.log1p(1.0 / x)
            lhs = v * x * jnp.expm1(log_t) / b_minus_1
            rhs = jnp.exp(log_t - a_minus_1 * log2)
            return x, lhs <= rhs

        def cond(state):
            _, _, accepted = state
            return ~jnp.all(accepted)

        def body(state):
            key, x, accepted = state
            key, key_step = jax.random.split(key)
            proposal, ok = propose(key_step)
            x = jnp.where(accepted, x, proposal)
            return key, x, accepted | ok

        init = (key, jnp.ones(shape, dtype), jnp.zeros(shape, bool))
        _, x, _ = jax.lax.while_loop(cond, body, init)
        return x.astype(self.sample_dtype)
