"""The Gompertz distribution (NumPyro's parameterisation)."""

from __future__ import annotations

import jax
import jax.numpy as jnp

from probflow.core import checks
from probflow.core.numerics import promote_floats
from probflow.distributions import constraints
from probflow.distributions._exp_integral import log_scaled_exp1
from probflow.distributions.distribution import Distribution
from probflow.typing import ArrayLike

__all__ = ["Gompertz"]


class Gompertz(Distribution):
    """Gompertz distribution on ``x > 0``: ``cdf(x) = 1 - exp(-c (exp(rate x) - 1))``.

    With ``c = concentration`` and ``b = rate`` (NumPyro's names; scipy's ``gompertz(c,
    scale=1/b)``): ``log_prob(x) = log(c b) + b x - c expm1(b x)``. The hazard grows
    exponentially, as in actuarial mortality models. ``c expm1(b X)`` is a standard
    exponential, which gives the quantile ``log1p(-log1p(-p) / c) / b`` (sampling by it is
    reparameterized), the mean ``exp(c) E1(c) / b`` (``E1`` the exponential integral,
    evaluated in log space) and the entropy ``1 - log(c b) - exp(c) E1(c)``. The mode is
    ``-log(c) / b`` when ``c < 1`` and 0 otherwise.

    Args:
        concentration: positive (``eta``).
        rate: positive (``b``), default 1.

    Examples:
        >>> import probflow.distributions as pfd
        >>> d = pfd.Gompertz(concentration=0.5, rate=2.0)
        >>> round(float(d.cdf(1.0)), 4), round(float(d.mean()), 4)
        (0.959, 0.4615)
    """

    concentration: jax.Array
    rate: jax.Array
    reparameterized = True

    def __init__(self, concentration: ArrayLike, rate: ArrayLike = 1.0, *,
                 validate_args: bool = False, name: str | None = None):
        concentration, rate = promote_floats(concentration, rate)
        self._set(concentration=concentration, rate=rate, validate_args=validate_args,
                  name=name)
        self._validate(checks.positive("concentration", concentration),
                       checks.positive("rate", rate))

    @property
    def support(self) -> constraints.Constraint:
        return constraints.positive

    def _sample(self, key, sample_shape):
        u = jax.random.uniform(key, sample_shape + self.batch_shape, self.dtype)
        return self._quantile(u)

    def _hazard_integral(self, value):
        inside = value > 0
        return jnp.where(inside, self.concentration * jnp.expm1(
            self.rate * jnp.where(inside, value, 0.0)), 0.0), inside

    def _log_prob(self, value):
        cumulative, inside = self._hazard_integral(value)
        x = jnp.where(inside, value, 1.0)
        lp = jnp.log(self.concentration * self.rate) + self.rate * x - cumulative
        return jnp.where(inside, lp, -jnp.inf)

    def _cdf(self, value):
        return -jnp.expm1(-self._hazard_integral(value)[0])

    def _log_survival_function(self, value):
        return -self._hazard_integral(value)[0]

    def _quantile(self, value):
        return jnp.log1p(-jnp.log1p(-value) / self.concentration) / self.rate

    def _mean(self):
        return jnp.broadcast_to(jnp.exp(log_scaled_exp1(self.concentration)) / self.rate,
                                self.batch_shape)

    def _mode(self):
        mode = jnp.maximum(-jnp.log(self.concentration), 0.0) / self.rate
        return jnp.broadcast_to(mode, self.batch_shape)

    def _entropy(self):
        h = (1.0 - jnp.log(self.concentration * self.rate)
             - jnp.exp(log_scaled_exp1(self.concentration)))
        return jnp.broadcast_to(h, self.batch_shape)
