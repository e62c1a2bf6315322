"""Compound gamma and beta ratios: GammaGamma and BetaQuotient."""

from __future__ import annotations

import jax
import jax.numpy as jnp
from jax.scipy import special

from probflow.core import checks
from probflow.core.numerics import log_beta, promote_floats
from probflow.distributions import _gamma_draws, constraints
from probflow.distributions.distribution import Distribution
from probflow.typing import ArrayLike

__all__ = ["GammaGamma", "BetaQuotient"]

# Terms of the hypergeometric series in BetaQuotient: at z = 1 the terms fall like
# n**-(b1 + b2), so the truncation error is about num_terms**(1 - b1 - b2).
_HYP2F1_TERMS = 1000


def _hyp2f1(a, b, c, z):
    """Gauss's series ``2F1(a, b; c; z)`` for ``0 <= z <= 1``, differentiable in every argument.

    ``jax.scipy.special.hyp2f1`` gives wrong gradients in ``a``, ``b`` and ``c``; this sums the
    terms ``t_{n+1} = t_n (a + n) (b + n) z / ((c + n) (n + 1))`` for a fixed number of steps.
    """
    a, b, c, z = jnp.broadcast_arrays(a, b, c, z)

    def body(n, carry):
        term, total = carry
        term = term * (a + n) * (b + n) * z / ((c + n) * (n + 1.0))
        return term, total + term

    ones = jnp.ones_like(z)
    return jax.lax.fori_loop(0, _HYP2F1_TERMS, body, (ones, ones))[1]


class GammaGamma(Distribution):
    """Gamma distribution whose rate has a gamma prior, integrated out.

    ``X ~ Gamma(a, R)`` with ``R ~ Gamma(a0, b0)`` (``a = concentration``, ``a0 =
    mixing_concentration``, ``b0 = mixing_rate``). ``X / b0`` is beta-prime, so
    ``log_prob(x) = (a - 1) log x + a0 log b0 - (a + a0) log(x + b0) - log B(a, a0)``,
    ``cdf(x) = I_{x / (x + b0)}(a, a0)`` (scipy's ``betaprime(a, a0, scale=b0)``). Mean
    ``a b0 / (a0 - 1)`` (``inf`` when ``a0 <= 1``), variance ``a (a + a0 - 1) b0**2 / ((a0 -
    2) (a0 - 1)**2)`` (``inf`` when ``1 < a0 <= 2``, NaN below), mode ``(a - 1) b0 / (a0 +
    1)`` for ``a >= 1`` and 0 otherwise. Sampling draws ``b0 G_a / G_a0`` in log space
    (implicitly reparameterized).

    Args:
        concentration: positive shape ``a`` of the gamma.
        mixing_concentration: positive shape ``a0`` of the rate's gamma prior.
        mixing_rate: positive rate ``b0`` of the rate's gamma prior.

    Examples:
        >>> import probflow.distributions as pfd
        >>> d = pfd.GammaGamma(concentration=2.0, mixing_concentration=3.0, mixing_rate=1.0)
        >>> float(d.mean()), round(float(d.cdf(1.0)), 4)
        (1.0, 0.6875)
    """

    concentration: jax.Array
    mixing_concentration: jax.Array
    mixing_rate: jax.Array
    reparameterized = True

    def __init__(self, concentration: ArrayLike, mixing_concentration: ArrayLike,
                 mixing_rate: ArrayLike, *, validate_args: bool = False, name: str | None = None):
        concentration, mixing_concentration, mixing_rate = promote_floats(
            concentration, mixing_concentration, mixing_rate)
        self._set(concentration=concentration, mixing_concentration=mixing_concentration,
                  mixing_rate=mixing_rate, validate_args=validate_args, name=name)
        self._validate(checks.positive("concentration", concentration),
                       checks.positive("mixing_concentration", mixing_concentration),
                       checks.positive("mixing_rate", mixing_rate))

    @property
    def support(self) -> constraints.Constraint:
        return constraints.positive

    def _sample(self, key, sample_shape):
        shape = sample_shape + self.batch_shape
        log_ratio = _gamma_draws.beta_logit(key, self.concentration, self.mixing_concentration,
                                            shape, self.dtype)
        return _gamma_draws.positive_from_log(log_ratio + jnp.log(self.mixing_rate))

    def _log_prob(self, value):
        a, a0, b0 = self.concentration, self.mixing_concentration, self.mixing_rate
        inside = value > 0
        x = jnp.where(inside, value, 1.0)
        lp = ((a - 1.0) * jnp.log(x) + a0 * jnp.log(b0) - (a + a0) * jnp.log(x + b0)
              - log_beta(a, a0))
        return jnp.where(inside, lp, -jnp.inf)

    def _cdf(self, value):
        x = jnp.maximum(value, 0.0)
        return special.betainc(self.concentration, self.mixing_concentration,
                               x / (x + self.mixing_rate))

    def _survival_function(self, value):
        x = jnp.maximum(value, 0.0)
        return special.betainc(self.mixing_concentration, self.concentration,
                               self.mixing_rate / (x + self.mixing_rate))

    def _mean(self):
        a, a0, b0 = self.concentration, self.mixing_concentration, self.mixing_rate
        finite = a0 > 1.0
        mean = jnp.where(finite, a * b0 / jnp.where(finite, a0 - 1.0, 1.0), jnp.inf)
        return jnp.broadcast_to(mean, self.batch_shape)

    def _variance(self):
        a, a0, b0 = self.concentration, self.mixing_concentration, self.mixing_rate
        finite = a0 > 2.0
        safe = jnp.where(finite, a0, 3.0)
        var = a * (a + safe - 1.0) * jnp.square(b0) / ((safe - 2.0) * jnp.square(safe - 1.0))
        var = jnp.where(finite, var, jnp.where(a0 > 1.0, jnp.inf, jnp.nan))
        return jnp.broadcast_to(var, self.batch_shape)

    def _mode(self):
        a, a0, b0 = self.concentration, self.mixing_concentration, self.mixing_rate
        mode = jnp.maximum(a - 1.0, 0.0) * b0 / (a0 + 1.0)
        return jnp.broadcast_to(mode, self.batch_shape)


class BetaQuotient(Distribution):
    """Distribution of ``X / Y`` for independent ``X ~ Beta(a1, b1)`` and ``Y ~ Beta(a2, b2)``.

    Parameters in TFP's order: ``concentration1_numerator`` (``a1``),
    ``concentration0_numerator`` (``b1``), ``concentration1_denominator`` (``a2``),
    ``concentration0_denominator`` (``b2``). The density (Pham-Gia, 2000) is, with ``D =
    B(a1, b1) B(a2, b2)``,

    * ``B(a1 + a2, b2) / D * w**(a1 - 1) * 2F1(a1 + a2, 1 - b1; a1 + a2 + b2; w)`` for
      ``0 < w <= 1``,
    * ``B(a1 + a2, b1) / D * w**(-a2 - 1) * 2F1(a1 + a2, 1 - b2; a1 + a2 + b1; 1 / w)`` for
      ``w > 1``,

    with Gauss's series summed over 1000 terms (differentiable in every parameter; at ``w =
    1`` its truncation error is about ``1000**(1 - b1 - b2)``, so the density is accurate to
    double precision for ``b1 + b2 >= 5`` and degrades as ``b1 + b2`` approaches 1, where
    the density becomes infinite at ``w = 1``). Mean ``E[X] E[1/Y] = a1 / (a1 + b1) (a2 +
    b2 - 1) / (a2 - 1)`` (``inf`` for ``a2 <= 1``), variance ``E[X**2] E[Y**-2] - mean**2``
    (``inf`` for ``a2 <= 2``). Sampling forms ``log X - log Y`` from log-gamma draws (implicitly
    reparameterized).

    Args:
        concentration1_numerator: positive ``a1``.
        concentration0_numerator: positive ``b1``.
        concentration1_denominator: positive ``a2``.
        concentration0_denominator: positive ``b2``.

    Examples:
        >>> import probflow.distributions as pfd
        >>> d = pfd.BetaQuotient(2.0, 3.0, 4.0, 1.5)
        >>> round(float(d.mean()), 4), round(float(d.log_prob(0.5)), 4)
        (0.6, 0.2023)
    """

    concentration1_numerator: jax.Array
    concentration0_numerator: jax.Array
    concentration1_denominator: jax.Array
    concentration0_denominator: jax.Array
    reparameterized = True

    def __init__(self, concentration1_numerator: ArrayLike, concentration0_numerator: ArrayLike,
                 concentration1_denominator: ArrayLike, concentration0_denominator: ArrayLike, *,
                 validate_args: bool = False, name: str | None = None):
        a1, b1, a2, b2 = promote_floats(concentration1_numerator, concentration0_numerator,
                                        concentration1_denominator, concentration0_denominator)
        self._set(concentration1_numerator=a1, concentration0_numerator=b1,
                  concentration1_denominator=a2, concentration0_denominator=b2,
                  validate_args=validate_args, name=name)
        self._validate(checks.positive("concentration1_numerator", a1),
                       checks.positive("concentration0_numerator", b1),
                       checks.positive("concentration1_denominator", a2),
                       checks.positive("concentration0_denominator", b2))

    def _params(self):
        return (self.concentration1_numerator, self.concentration0_numerator,
                self.concentration1_denominator, self.concentration0_denominator)

    @property
    def support(self) -> constraints.Constraint:
        return constraints.positive

    def _sample(self, key, sample_shape):
        a1, b1, a2, b2 = self._params()
        shape = sample_shape + self.batch_shape
        key_x, key_y = jax.random.split(key)
        log_x = jax.nn.log_sigmoid(_gamma_draws.beta_logit(key_x, a1, b1, shape, self.dtype))
        log_y = jax.nn.log_sigmoid(_gamma_draws.beta_logit(key_y, a2, b2, shape, self.dtype))
        return _gamma_draws.positive_from_log(log_x - log_y)

    def _log_prob(self, value):
        a1, b1, a2, b2 = self._params()
        inside = value > 0
        below = value <= 1.0
        w = jnp.where(inside, value, 0.5)
        w_low = jnp.where(below, w, 0.5)
        w_high = jnp.where(below, 2.0, w)
        log_norm = -log_beta(a1, b1) - log_beta(a2, b2)
        low = (log_beta(a1 + a2, b2) + (a1 - 1.0) * jnp.log(w_low)
               + jnp.log(_hyp2f1(a1 + a2, 1.0 - b1, a1 + a2 + b2, w_low)))
        high = (log_beta(a1 + a2, b1) - (a2 + 1.0) * jnp.log(w_high)
                + jnp.log(_hyp2f1(a1 + a2, 1.0 - b2, a1 + a2 + b1, 1.0 / w_high)))
        lp = log_norm + jnp.where(below, low, high)
        return jnp.where(inside, lp, -jnp.inf)

    def _mean(self):
        a1, b1, a2, b2 = self._params()
        finite = a2 > 1.0
        inverse_y = (a2 + b2 - 1.0) / jnp.where(finite, a2 - 1.0, 1.0)
        mean = jnp.where(finite, a1 / (a1 + b1) * inverse_y, jnp.inf)
        return jnp.broadcast_to(mean, self.batch_shape)

    def _variance(self):
        a1, b1, a2, b2 = self._params()
        finite = a2 > 2.0
        safe = jnp.where(finite, a2, 3.0)
        x2 = a1 * (a1 + 1.0) / ((a1 + b1) * (a1 + b1 + 1.0))
        inverse_y2 = (safe + b2 - 1.0) * (safe + b2 - 2.0) / ((safe - 1.0) * (safe - 2.0))
        mean = a1 / (a1 + b1) * (safe + b2 - 1.0) / (safe - 1.0)
        var = jnp.where(finite, x2 * inverse_y2 - jnp.square(mean), jnp.inf)
        return jnp.broadcast_to(var, self.batch_shape)
