"""The Dirichlet and Dirichlet-multinomial distributions."""

from __future__ import annotations

import jax
import jax.numpy as jnp
from jax.scipy import special

from probflow.core import checks
from probflow.core.numerics import promote_floats
from probflow.distributions import _gamma_draws, constraints
from probflow.distributions.distribution import Distribution
from probflow.distributions.kl import register_kl
from probflow.typing import Array, ArrayLike, PRNGKey

__all__ = ["Dirichlet", "DirichletMultinomial"]


def _log_multivariate_beta(concentration):
    return jnp.sum(special.gammaln(concentration), axis=-1) - special.gammaln(
        jnp.sum(concentration, axis=-1))


class Dirichlet(Distribution):
    """Dirichlet distribution over the probability simplex.

    ``log_prob(x) = sum((a - 1) log x) - log B(a)`` with ``B(a) = prod Gamma(a_k) /
    Gamma(sum a)``; ``-inf`` off the simplex. Mean ``a / a0``, covariance
    ``(a0 diag(m) - a m^T... ) / (a0 + 1)`` i.e. ``(diag(m) - m m^T) / (a0 + 1)``, mode
    ``(a - 1) / (a0 - K)`` when every ``a_k > 1``, entropy
    ``log B(a) + (a0 - K) digamma(a0) - sum((a - 1) digamma(a))``. Sampling is implicitly
    reparameterized: ``softmax`` of log-gamma draws, with no zero entries even for tiny
    concentrations.

    Args:
        concentration: positive, shape ``batch + (K,)``.

    Examples:
        >>> import jax.numpy as jnp
        >>> import probflow.distributions as pfd
        >>> d = pfd.Dirichlet(jnp.asarray([1.0, 2.0, 3.0]))
        >>> d.mean()
        Array([0.16666667, 0.33333334, 0.5       ], dtype=float32)
    """

    concentration: jax.Array
    reparameterized = True
    param_event_ndims = {"concentration": 1}

    def __init__(self, concentration: ArrayLike, *, validate_args: bool = False,
                 name: str | None = None):
        (concentration,) = promote_floats(concentration)
        if concentration.ndim < 1:
            raise ValueError(f"Dirichlet: concentration must have at least one dimension "
                             f"(the K categories), got shape {concentration.shape}")
        self._set(concentration=concentration, validate_args=validate_args, name=name)
        self._validate(checks.positive("concentration", concentration))

    @property
    def event_shape(self) -> tuple[int, ...]:
        return self.concentration.shape[-1:]

    @property
    def support(self) -> constraints.Constraint:
        return constraints.simplex

    def _sample(self, key: PRNGKey, sample_shape: tuple[int, ...]) -> Array:
        shape = tuple(sample_shape) + self.batch_shape
        return _gamma_draws.dirichlet(key, self.concentration, shape, self.dtype)

    def _log_prob(self, value):
        a = self.concentration
        tol = 1e-4 if value.dtype == jnp.float32 else 1e-10
        inside = jnp.all(value >= 0, axis=-1) & (jnp.abs(jnp.sum(value, axis=-1) - 1) < tol)
        # Negative entries are replaced elementwise (cheaper than broadcasting the row mask);
        # their rows are -inf below, and gradients stay finite.
        safe = jnp.where(value >= 0, value, 1.0)
        lp = jnp.sum(special.xlogy(a - 1.0, safe), axis=-1) - _log_multivariate_beta(a)
        return jnp.where(inside, lp, -jnp.inf)

    def _a0(self):
        return jnp.sum(self.concentration, axis=-1, keepdims=True)

    def _mean(self):
        return self.concentration / self._a0()

    def _variance(self):
        m = self._mean()
        return m * (1.0 - m) / (self._a0() + 1.0)

    def _covariance(self):
        m = self._mean()
        cov = (m[..., :, None] * jnp.eye(m.shape[-1], dtype=m.dtype)
               - m[..., :, None] * m[..., None, :])
        return cov / (self._a0()[..., None] + 1.0)

    def _mode(self):
        a = self.concentration
        k = a.shape[-1]
        mode = (a - 1.0) / (self._a0() - k)
        return jnp.where(jnp.all(a > 1, axis=-1, keepdims=True), mode, jnp.nan)

    def _entropy(self):
        a = self.concentration
        a0 = jnp.sum(a, axis=-1)
        k = a.shape[-1]
        return (_log_multivariate_beta(a) + (a0 - k) * special.digamma(a0)
                - jnp.sum((a - 1.0) * special.digamma(a), axis=-1))


@register_kl(Dirichlet, Dirichlet)
def _kl_dirichlet(p: Dirichlet, q: Dirichlet) -> Array:
    a, b = p.concentration, q.concentration
    a0 = jnp.sum(a, axis=-1, keepdims=True)
    return (_log_multivariate_beta(b) - _log_multivariate_beta(a)
            + jnp.sum((a - b) * (special.digamma(a) - special.digamma(a0)), axis=-1))


class DirichletMultinomial(Distribution):
    """Counts from a multinomial whose probabilities are Dirichlet(``concentration``).

    ``log_prob(x) = log n! - sum log x_k! + log B(a + x) - log B(a)`` for non-negative
    integer ``x`` summing to ``total_count`` (``-inf`` otherwise). Mean ``n a / a0``,
    covariance ``n (a0 + n) / (a0 + 1) (diag(m) - m m^T)`` with ``m = a / a0``. Sampling
    draws probabilities from the Dirichlet, then counts (not reparameterized).

    Args:
        total_count: number of trials ``n`` (non-negative whole number).
        concentration: positive, ``batch + (K,)``.

    Examples:
        >>> import jax.numpy as jnp
        >>> import probflow.distributions as pfd
        >>> d = pfd.DirichletMultinomial(4.0, jnp.asarray([1.0, 1.0]))
        >>> round(float(d.prob(jnp.asarray([1.0, 3.0]))), 4)
        0.2
    """

    total_count: jax.Array
    concentration: jax.Array
    param_event_ndims = {"concentration": 1}

    def __init__(self, total_count: ArrayLike, concentration: ArrayLike, *,
                 validate_args: bool = False, name: str | None = None):
        total_count, concentration = promote_floats(total_count, concentration)
        self._set(total_count=total_count, concentration=concentration,
                  validate_args=validate_args, name=name)
        self._validate(checks.integer_valued("total_count", total_count),
                       checks.positive("concentration", concentration))

    @property
    def event_shape(self) -> tuple[int, ...]:
        return self.concentration.shape[-1:]

    @property
    def support(self) -> constraints.Constraint:
        return constraints.MultinomialCounts(self.total_count)

    def _sample(self, key: PRNGKey, sample_shape: tuple[int, ...]) -> Array:
        from probflow.distributions.multinomial import sample_counts

        key_p, key_x = jax.random.split(key)
        shape = tuple(sample_shape) + self.batch_shape
        probs = _gamma_draws.dirichlet(key_p, self.concentration, shape, self.dtype)
        return sample_counts(key_x, jnp.broadcast_to(self.total_count, shape), probs)

    def _log_prob(self, value):
        from probflow.distributions.multinomial import counts_ok

        a, n = self.concentration, self.total_count
        ok = counts_ok(value, n)
        x = jnp.where(ok[..., None], value, 0.0)
        lp = (special.gammaln(n + 1.0) - jnp.sum(special.gammaln(x + 1.0), axis=-1)
              - _log_multivariate_beta(a) + _log_multivariate_beta(a + x))
        return jnp.where(ok, lp, -jnp.inf)

    def _mean(self):
        a0 = jnp.sum(self.concentration, axis=-1, keepdims=True)
        n = jnp.asarray(self.total_count)[..., None]
        return jnp.broadcast_to(n * self.concentration / a0, self.batch_shape + self.event_shape)

    def _covariance(self):
        a0 = jnp.sum(self.concentration, axis=-1, keepdims=True)
        m = self.concentration / a0
        n = jnp.asarray(self.total_count)[..., None, None]
        base = m[..., :, None] * jnp.eye(m.shape[-1], dtype=m.dtype) - m[..., :, None] * m[
            ..., None, :]
        cov = n * (a0[..., None] + n) / (a0[..., None] + 1.0) * base
        return jnp.broadcast_to(cov, self.batch_shape + self.event_shape * 2)
