"""The beta distribution."""

from __future__ import annotations

import jax
import jax.numpy as jnp
from jax.scipy import special

from probflow.core import checks
from probflow.core.numerics import log_beta as _log_beta
from probflow.core.numerics import promote_floats
from probflow.distributions import _gamma_draws, constraints
from probflow.distributions.distribution import Distribution
from probflow.distributions.kl import register_kl
from probflow.typing import Array, ArrayLike, PRNGKey

__all__ = ["Beta"]

_NUM_TAIL_TERMS = 64


def _log_betainc_small(a, b, x):
    """``log I_x(a, b)`` from ``I_x = x^a (1-x)^b / (a B(a, b)) * 2F1(a + b, 1; a + 1; x)``.

    The hypergeometric series has term ratios ``(a + b + k) x / (a + 1 + k)``; it converges
    fast for the small ``x`` at which ``I_x`` underflows.
    """
    a, b, x = jnp.broadcast_arrays(a, b, x)

    def body(k, carry):
        term, total = carry
        term = term * (a + b + k - 1.0) * x / (a + k)
        return term, total + term

    ones = jnp.ones_like(x)
    _, total = jax.lax.fori_loop(1, _NUM_TAIL_TERMS + 1, body, (ones, ones))
    return (
        special.xlogy(a, x)
        + special.xlog1py(b, -x)
        - jnp.log(a)
        - _log_beta(a, b)
        + jnp.log(total)
    )


def _log_betainc(a, b, x):
    """``log I_x(a, b)`` for ``x`` in ``[0, 1]``, finite where ``I_x`` underflows."""
    p = special.betainc(a, b, x)
    use_series = (p < jnp.finfo(jnp.result_type(p)).tiny * 1e10) & (x > 0)
    x_series = jnp.where(use_series, x, 0.25)
    p_direct = jnp.where(use_series, 1.0, p)
    return jnp.where(use_series, _log_betainc_small(a, b, x_series), jnp.log(p_direct))


class Beta(Distribution):
    """Beta distribution on ``[0, 1]`` with ``concentration1`` (alpha), ``concentration0`` (beta).

    ``log_prob(x) = (c1 - 1) log x + (c0 - 1) log(1 - x) - log B(c1, c0)`` on ``[0, 1]``
    (``xlogy``/``xlog1py``), ``-inf`` outside. ``cdf = I_x(c1, c0)`` and
    ``survival = I_{1-x}(c0, c1)``, each evaluated directly; their logarithms use a series
    where the value underflows. Mean ``c1 / (c1 + c0)``, variance
    ``c1 c0 / ((c1 + c0)**2 (c1 + c0 + 1))``, mode ``(c1 - 1) / (c1 + c0 - 2)`` when both
    concentrations are at least 1 and not both 1 (NaN otherwise: the density is then
    unbounded or flat). Sampling is implicitly reparameterized: ``sigmoid(log G1 - log G0)``
    of two log-gamma draws, kept strictly inside ``(0, 1)`` even for tiny concentrations.
    JAX cannot differentiate ``betainc`` in its shape parameters, so ``cdf`` has no
    gradient with respect to the concentrations (``log_prob`` does).

    Args:
        concentration1: first shape parameter (pulls mass toward 1), positive.
        concentration0: second shape parameter (pulls mass toward 0), positive.

    Examples:
        >>> import jax
        >>> import probflow.distributions as pfd
        >>> d = pfd.Beta(concentration1=2.0, concentration0=3.0)
        >>> round(float(d.mean()), 4), round(float(d.mode()), 4)
        (0.4, 0.3333)
        >>> x = d.sample(jax.random.key(0), (2,))
        >>> bool(((x > 0) & (x < 1)).all())
        True
    """

    concentration1: jax.Array
    concentration0: jax.Array
    reparameterized = True

    def __init__(
        self,
        concentration1: ArrayLike,
        concentration0: ArrayLike,
        *,
        validate_args: bool = False,
        name: str | None = None,
    ):
        concentration1, concentration0 = promote_floats(concentration1, concentration0)
        self._set(
            concentration1=concentration1,
            concentration0=concentration0,
            validate_args=validate_args,
            name=name,
        )
        self._validate(
            checks.positive("concentration1", concentration1),
            checks.positive("concentration0", concentration0),
        )

    @property
    def support(self) -> constraints.Constraint:
        return constraints.unit_interval

    def _sample(self, key: PRNGKey, sample_shape: tuple[int, ...]) -> Array:
        shape = sample_shape + self.batch_shape
        return _gamma_draws.beta(
            key, self.concentration1, self.concentration0, shape, self.dtype
        )

    def _log_prob(self, value):
        inside = (value >= 0) & (value <= 1)
        x = jnp.where(inside, value, 0.5)
        c1, c0 = self.concentration1, self.concentration0
        lp = special.xlogy(c1 - 1.0, x) + special.xlog1py(c0 - 1.0, -x) - _log_beta(c1, c0)
        return jnp.where(inside, lp, -jnp.inf)

    def _clipped(self, value):
        return jnp.clip(value, 0.0, 1.0)

    def _cdf(self, value):
        return special.betainc(self.concentration1, self.concentration0, self._clipped(value))

    def _log_cdf(self, value):
        return _log_betainc(self.concentration1, self.concentration0, self._clipped(value))

    def _survival_function(self, value):
        return special.betainc(
            self.concentration0, self.concentration1, 1.0 - self._clipped(value)
        )

    def _log_survival_function(self, value):
        return _log_betainc(self.concentration0, self.concentration1, 1.0 - self._clipped(value))

    def _mean(self):
        c1, c0 = self.concentration1, self.concentration0
        return c1 / (c1 + c0)

    def _variance(self):
        c1, c0 = self.concentration1, self.concentration0
        total = c1 + c0
        return c1 * c0 / (jnp.square(total) * (total + 1.0))

    def _mode(self):
        c1, c0 = self.concentration1, self.concentration0
        defined = (c1 >= 1.0) & (c0 >= 1.0) & ((c1 > 1.0) | (c0 > 1.0))
        denom = jnp.where(defined, c1 + c0 - 2.0, 1.0)
        return jnp.where(defined, (c1 - 1.0) / denom, jnp.nan)

    def _entropy(self):
        c1, c0 = self.concentration1, self.concentration0
        return (
            _log_beta(c1, c0)
            - (c1 - 1.0) * special.digamma(c1)
            - (c0 - 1.0) * special.digamma(c0)
            + (c1 + c0 - 2.0) * special.digamma(c1 + c0)
        )


@register_kl(Beta, Beta)
def _kl_beta_beta(p: Beta, q: Beta) -> Array:
    a_p, b_p = p.concentration1, p.concentration0
    a_q, b_q = q.concentration1, q.concentration0
    return (
        _log_beta(a_q, b_q)
        - _log_beta(a_p, b_p)
        + (a_p - a_q) * special.digamma(a_p)
        + (b_p - b_q) * special.digamma(b_p)
        + (a_q - a_p + b_q - b_p) * special.digamma(a_p + b_p)
    )
