"""Logarithms of gamma and inverse-gamma variables: ExpGamma and ExpInverseGamma."""

from __future__ import annotations

import jax
import jax.numpy as jnp
from jax.scipy import special

from probflow.core import checks
from probflow.distributions import _gamma_draws, constraints
from probflow.distributions.bernoulli import _exactly_one, _promote_optional, _required
from probflow.distributions.distribution import Distribution
from probflow.distributions.gamma import _gamma_kl_log_rates
from probflow.distributions.kl import register_kl
from probflow.typing import Array, ArrayLike, PRNGKey

__all__ = ["ExpGamma", "ExpInverseGamma"]


def _log_space_entropy(a):
    """Entropy of ``log G`` for ``G ~ Gamma(a, rate)`` (the rate only shifts it)."""
    return special.gammaln(a) - a * special.digamma(a) + a


class ExpGamma(Distribution):
    """Distribution of ``log X`` for ``X ~ Gamma(concentration, rate)``.

    ``log_prob(y) = a log(rate) + a y - rate exp(y) - lgamma(a)`` with ``a =
    concentration``, evaluated without forming ``X`` (no underflow for tiny
    ``concentration``, where the gamma's draws round to 0). ``cdf(y) = P(a, rate exp(y))``
    (regularised lower incomplete gamma), mean ``digamma(a) - log(rate)``, variance
    ``polygamma(1, a)``, mode ``log(a / rate)``, entropy ``lgamma(a) - a digamma(a) + a``.
    Give exactly one of ``rate`` and ``log_rate``. Sampling draws ``log G`` directly
    (``jax.random.loggamma``; implicitly reparameterized). KL divergences equal those of
    the gammas.

    Args:
        concentration: positive shape ``a``.
        rate: positive rate of the gamma.
        log_rate: ``log(rate)``, any real.

    Examples:
        >>> import probflow.distributions as pfd
        >>> d = pfd.ExpGamma(concentration=2.0, rate=1.0)
        >>> round(float(d.mean()), 4), round(float(d.log_prob(0.0)), 4)
        (0.4228, -1.0)
    """

    concentration: jax.Array
    rate: jax.Array | None
    log_rate: jax.Array | None
    reparameterized = True

    def __init__(self, concentration: ArrayLike, rate: ArrayLike | None = None,
                 log_rate: ArrayLike | None = None, *, validate_args: bool = False,
                 name: str | None = None):
        _required("ExpGamma", concentration=concentration)
        _exactly_one("ExpGamma", rate=rate, log_rate=log_rate)
        shape, rate, log_rate = _promote_optional(concentration, rate, log_rate)
        self._set(concentration=shape, rate=rate, log_rate=log_rate,
                  validate_args=validate_args, name=name)
        self._validate(checks.positive("concentration", shape),
                       *([checks.positive("rate", rate)] if rate is not None else []))

    @property
    def support(self) -> constraints.Constraint:
        return constraints.real

    def log_rate_parameter(self) -> Array:
        """``log(rate)``, from whichever of ``rate`` and ``log_rate`` was given."""
        if self.log_rate is not None:
            return self.log_rate
        assert self.rate is not None  # exactly one of the two is given
        return jnp.log(self.rate)

    def _sample(self, key: PRNGKey, sample_shape: tuple[int, ...]) -> Array:
        shape = sample_shape + self.batch_shape
        return _gamma_draws.log_gamma(key, self.concentration, shape, self.dtype) - (
            self.log_rate_parameter())

    def _log_prob(self, value):
        a, log_rate = self.concentration, self.log_rate_parameter()
        return a * (log_rate + value) - jnp.exp(value + log_rate) - special.gammaln(a)

    def _cdf(self, value):
        return special.gammainc(self.concentration, jnp.exp(value + self.log_rate_parameter()))

    def _survival_function(self, value):
        return special.gammaincc(self.concentration, jnp.exp(value + self.log_rate_parameter()))

    def _mean(self):
        mean = special.digamma(self.concentration) - self.log_rate_parameter()
        return jnp.broadcast_to(mean, self.batch_shape)

    def _variance(self):
        var = special.polygamma(1, self.concentration)
        return jnp.broadcast_to(var, self.batch_shape)

    def _mode(self):
        mode = jnp.log(self.concentration) - self.log_rate_parameter()
        return jnp.broadcast_to(mode, self.batch_shape)

    def _entropy(self):
        return jnp.broadcast_to(_log_space_entropy(self.concentration), self.batch_shape)


class ExpInverseGamma(Distribution):
    """Distribution of ``log X`` for ``X ~ InverseGamma(concentration, scale)``.

    ``log X = log(scale) - log G`` with ``G ~ Gamma(concentration, 1)``, so ``log_prob(y) = a
    log(scale) - a y - scale exp(-y) - lgamma(a)`` (``a = concentration``), ``cdf(y) = Q(a,
    scale exp(-y))`` (regularised upper incomplete gamma), mean ``log(scale) - digamma(a)``,
    variance ``polygamma(1, a)``, mode ``log(scale / a)``, entropy ``lgamma(a) - a
    digamma(a) + a``. Give exactly one of ``scale`` and ``log_scale``. Sampling is
    implicitly reparameterized (``jax.random.loggamma``).

    Args:
        concentration: positive shape ``a``.
        scale: positive scale of the inverse gamma.
        log_scale: ``log(scale)``, any real.

    Examples:
        >>> import probflow.distributions as pfd
        >>> d = pfd.ExpInverseGamma(concentration=2.0, scale=1.0)
        >>> round(float(d.mean()), 4)
        -0.4228
    """

    concentration: jax.Array
    scale: jax.Array | None
    log_scale: jax.Array | None
    reparameterized = True

    def __init__(self, concentration: ArrayLike, scale: ArrayLike | None = None,
                 log_scale: ArrayLike | None = None, *, validate_args: bool = False,
                 name: str | None = None):
        _required("ExpInverseGamma", concentration=concentration)
        _exactly_one("ExpInverseGamma", scale=scale, log_scale=log_scale)
        shape, scale, log_scale = _promote_optional(concentration, scale, log_scale)
        self._set(concentration=shape, scale=scale, log_scale=log_scale,
                  validate_args=validate_args, name=name)
        self._validate(checks.positive("concentration", shape),
                       *([checks.positive("scale", scale)] if scale is not None else []))

    @property
    def support(self) -> constraints.Constraint:
        return constraints.real

    def log_scale_parameter(self) -> Array:
        """``log(scale)``, from whichever of ``scale`` and ``log_scale`` was given."""
        if self.log_scale is not None:
            return self.log_scale
        assert self.scale is not None  # exactly one of the two is given
        return jnp.log(self.scale)

    def _sample(self, key: PRNGKey, sample_shape: tuple[int, ...]) -> Array:
        shape = sample_shape + self.batch_shape
        return self.log_scale_parameter() - _gamma_draws.log_gamma(
            key, self.concentration, shape, self.dtype)

    def _log_prob(self, value):
        a, log_scale = self.concentration, self.log_scale_parameter()
        return a * (log_scale - value) - jnp.exp(log_scale - value) - special.gammaln(a)

    def _cdf(self, value):
        return special.gammaincc(self.concentration, jnp.exp(self.log_scale_parameter() - value))

    def _survival_function(self, value):
        return special.gammainc(self.concentration, jnp.exp(self.log_scale_parameter() - value))

    def _mean(self):
        mean = self.log_scale_parameter() - special.digamma(self.concentration)
        return jnp.broadcast_to(mean, self.batch_shape)

    def _variance(self):
        return jnp.broadcast_to(special.polygamma(1, self.concentration), self.batch_shape)

    def _mode(self):
        mode = self.log_scale_parameter() - jnp.log(self.concentration)
        return jnp.broadcast_to(mode, self.batch_shape)

    def _entropy(self):
        return jnp.broadcast_to(_log_space_entropy(self.concentration), self.batch_shape)


@register_kl(ExpGamma, ExpGamma)
def _kl_exp_gamma(p: ExpGamma, q: ExpGamma) -> Array:
    # KL is invariant under the common bijection exp: the gammas' KL.
    return _gamma_kl_log_rates(p.concentration, p.log_rate_parameter(), q.concentration,
                               q.log_rate_parameter())


@register_kl(ExpInverseGamma, ExpInverseGamma)
def _kl_exp_inverse_gamma(p: ExpInverseGamma, q: ExpInverseGamma) -> Array:
    # -log of a Gamma(a, rate=scale) variable: the gammas' KL with rate = scale.
    return _gamma_kl_log_rates(p.concentration, p.log_scale_parameter(), q.concentration,
                               q.log_scale_parameter())
