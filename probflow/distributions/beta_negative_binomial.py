"""The beta negative binomial distribution (NumPyro's parameterisation)."""

from __future__ import annotations

import jax
import jax.numpy as jnp
from jax.scipy import special

from probflow.core import checks
from probflow.core.numerics import log_beta, promote_floats
from probflow.distributions import _gamma_draws, constraints
from probflow.distributions.bernoulli import _is_integer
from probflow.distributions.distribution import Distribution
from probflow.distributions.poisson import _sample_counts
from probflow.typing import Array, ArrayLike, PRNGKey

__all__ = ["BetaNegativeBinomial"]


class BetaNegativeBinomial(Distribution):
    """Negative binomial counts whose success probability has a beta prior, integrated out.

    NumPyro's parameterisation: ``p ~ Beta(concentration1, concentration0)`` and ``X | p ~
    NegativeBinomial(n, probs=p)`` (TFP's and NumPyro's negative binomial: ``P(k | p)`` is
    proportional to ``p**k (1 - p)**n``). With ``a = concentration1``, ``b =
    concentration0``:

        ``log P(k) = lgamma(n + k) - lgamma(k + 1) - lgamma(n) + log B(a + k, b + n) - log
        B(a, b)``

    (scipy's ``betanbinom(n, b, a)``: scipy names the beta's parameters the other way
    round). Heavy-tailed: mean ``n a / (b - 1)`` (``inf`` for ``b <= 1``), variance ``n a (n
    + b - 1) (a + b - 1) / ((b - 2) (b - 1)**2)`` (``inf`` for ``b <= 2``). Sampling draws
    ``Poisson(G_n G_a / G_b)`` from three log-gamma variates.

    Args:
        concentration1: positive ``a`` (alpha), on ``p``.
        concentration0: positive ``b`` (beta), on ``1 - p``.
        n: positive number of failures of the negative binomial.

    Examples:
        >>> import probflow.distributions as pfd
        >>> d = pfd.BetaNegativeBinomial(concentration1=2.0, concentration0=5.0, n=3.0)
        >>> float(d.mean()), round(float(d.log_prob(0)), 4)
        (1.5, -0.8755)
    """

    concentration1: jax.Array
    concentration0: jax.Array
    n: jax.Array

    def __init__(self, concentration1: ArrayLike, concentration0: ArrayLike, n: ArrayLike, *,
                 validate_args: bool = False, name: str | None = None):
        concentration1, concentration0, n = promote_floats(concentration1, concentration0, n)
        self._set(concentration1=concentration1, concentration0=concentration0, n=n,
                  validate_args=validate_args, name=name)
        self._validate(checks.positive("concentration1", concentration1),
                       checks.positive("concentration0", concentration0),
                       checks.positive("n", n))

    @property
    def support(self) -> constraints.Constraint:
        return constraints.nonnegative_integer

    def _sample(self, key: PRNGKey, sample_shape: tuple[int, ...]) -> Array:
        shape = sample_shape + self.batch_shape
        key_n, key_ab, key_poisson = jax.random.split(key, 3)
        log_rate = (_gamma_draws.log_gamma(key_n, self.n, shape, self.dtype)
                    + _gamma_draws.beta_logit(key_ab, self.concentration1, self.concentration0,
                                              shape, self.dtype))
        return _sample_counts(key_poisson, _gamma_draws.positive_from_log(log_rate), shape,
                              self.dtype)

    def _log_prob(self, value):
        k = value.astype(self.dtype)
        ok = _is_integer(k) & (k >= 0)
        k = jnp.where(ok, k, 0.0)
        a, b, n = self.concentration1, self.concentration0, self.n
        lp = (special.gammaln(n + k) - special.gammaln(k + 1.0) - special.gammaln(n)
              + log_beta(a + k, b + n) - log_beta(a, b))
        return jnp.where(ok, lp, -jnp.inf)

    def _mean(self):
        a, b, n = self.concentration1, self.concentration0, self.n
        finite = b > 1.0
        mean = jnp.where(finite, n * a / jnp.where(finite, b - 1.0, 1.0), jnp.inf)
        return jnp.broadcast_to(mean, self.batch_shape)

    def _variance(self):
        a, b, n = self.concentration1, self.concentration0, self.n
        finite = b > 2.0
        safe = jnp.where(finite, b, 3.0)
        var = n * a * (n + safe - 1.0) * (a + safe - 1.0) / ((safe - 2.0) * jnp.square(safe - 1.0))
        return jnp.broadcast_to(jnp.where(finite, var, jnp.inf), self.batch_shape)
