"""Reparameterised and transformed beta distributions: BetaProportion, PERT, SigmoidBeta."""

from __future__ import annotations

import jax
import jax.numpy as jnp
from jax.scipy import special

from probflow.core import checks
from probflow.core.numerics import log_beta, promote_floats
from probflow.distributions import _gamma_draws, constraints
from probflow.distributions.beta import Beta, _kl_beta_beta
from probflow.distributions.distribution import Distribution
from probflow.distributions.kl import register_kl
from probflow.typing import Array, ArrayLike, PRNGKey

__all__ = ["BetaProportion", "PERT", "SigmoidBeta"]


class BetaProportion(Distribution):
    """Beta distribution parameterised by its ``mean`` and a ``concentration`` (precision).

    ``BetaProportion(mean, concentration)`` is ``Beta(mean * concentration, (1 - mean) *
    concentration)`` (NumPyro's ``BetaProportion``, the parameterisation of beta
    regression): mean ``mean``, variance ``mean (1 - mean) / (1 + concentration)``. Every
    method is the beta's.

    Args:
        mean: in the open interval ``(0, 1)``.
        concentration: positive.

    Examples:
        >>> import probflow.distributions as pfd
        >>> d = pfd.BetaProportion(mean=0.25, concentration=8.0)
        >>> float(d.mean()), round(float(d.variance()), 5)
        (0.25, 0.02083)
    """

    mean_param: jax.Array
    concentration: jax.Array
    reparameterized = True

    def __init__(self, mean: ArrayLike, concentration: ArrayLike, *, validate_args: bool = False,
                 name: str | None = None):
        mean, concentration = promote_floats(mean, concentration)
        self._set(mean_param=mean, concentration=concentration, validate_args=validate_args,
                  name=name)
        self._validate(checks.in_open_unit_interval("mean", mean),
                       checks.positive("concentration", concentration))

    def _beta(self):
        c1 = self.mean_param * self.concentration
        c0 = (1.0 - self.mean_param) * self.concentration
        return Beta(c1, c0)

    @property
    def support(self) -> constraints.Constraint:
        return constraints.unit_interval

    def _sample(self, key: PRNGKey, sample_shape: tuple[int, ...]) -> Array:
        return self._beta()._sample(key, sample_shape)

    def _log_prob(self, value):
        return self._beta()._log_prob(value)

    def _cdf(self, value):
        return self._beta()._cdf(value)

    def _log_cdf(self, value):
        return self._beta()._log_cdf(value)

    def _survival_function(self, value):
        return self._beta()._survival_function(value)

    def _log_survival_function(self, value):
        return self._beta()._log_survival_function(value)

    def _mean(self):
        return jnp.broadcast_to(self.mean_param, self.batch_shape)

    def _variance(self):
        var = self.mean_param * (1.0 - self.mean_param) / (1.0 + self.concentration)
        return jnp.broadcast_to(var, self.batch_shape)

    def _mode(self):
        return self._beta()._mode()

    def _entropy(self):
        return self._beta()._entropy()


@register_kl(BetaProportion, BetaProportion)
def _kl_beta_proportion(p: BetaProportion, q: BetaProportion) -> Array:
    return _kl_beta_beta(p._beta(), q._beta())


class PERT(Distribution):
    """The (modified) PERT distribution: a beta rescaled to ``[low, high]`` with mode ``peak``.

    With ``r = high - low``, ``X = low + r B`` where ``B ~ Beta(1 + temperature (peak - low)
    / r, 1 + temperature (high - peak) / r)`` (TFP's ``PERT``; ``temperature = 4`` is the
    classical PERT). Mean ``(low + temperature peak + high) / (temperature + 2)``, variance
    ``(mean - low) (high - mean) / (temperature + 3)``, mode ``peak``; the cdf and entropy
    are the beta's (the entropy plus ``log r``). Sampling is implicitly reparameterized.

    Args:
        low: lower end.
        peak: the mode, strictly between ``low`` and ``high``.
        high: upper end.
        temperature: positive; larger values concentrate mass around ``peak``. Default 4.

    Examples:
        >>> import probflow.distributions as pfd
        >>> d = pfd.PERT(low=1.0, peak=3.0, high=9.0)
        >>> round(float(d.mean()), 4), float(d.mode())
        (3.6667, 3.0)
    """

    low: jax.Array
    peak: jax.Array
    high: jax.Array
    temperature: jax.Array
    reparameterized = True

    def __init__(self, low: ArrayLike, peak: ArrayLike, high: ArrayLike,
                 temperature: ArrayLike = 4.0, *, validate_args: bool = False,
                 name: str | None = None):
        low, peak, high, temperature = promote_floats(low, peak, high, temperature)
        self._set(low=low, peak=peak, high=high, temperature=temperature,
                  validate_args=validate_args, name=name)
        self._validate(checks.greater_than("peak", peak, low, "low"),
                       checks.greater_than("high", high, peak, "peak"),
                       checks.positive("temperature", temperature))

    def _beta(self):
        width = self.high - self.low
        c1 = 1.0 + self.temperature * (self.peak - self.low) / width
        c0 = 1.0 + self.temperature * (self.high - self.peak) / width
        return Beta(c1, c0)

    def _unit(self, value):
        return (value - self.low) / (self.high - self.low)

    @property
    def support(self) -> constraints.Constraint:
        return constraints.Interval(self.low, self.high)

    def _sample(self, key: PRNGKey, sample_shape: tuple[int, ...]) -> Array:
        u = self._beta()._sample(key, sample_shape)
        return jnp.clip(self.low + (self.high - self.low) * u, self.low, self.high)

    def _log_prob(self, value):
        return self._beta()._log_prob(self._unit(value)) - jnp.log(self.high - self.low)

    def _cdf(self, value):
        return self._beta()._cdf(self._unit(value))

    def _log_cdf(self, value):
        return self._beta()._log_cdf(self._unit(value))

    def _survival_function(self, value):
        return self._beta()._survival_function(self._unit(value))

    def _log_survival_function(self, value):
        return self._beta()._log_survival_function(self._unit(value))

    def _mean(self):
        mean = (self.low + self.temperature * self.peak + self.high) / (self.temperature + 2.0)
        return jnp.broadcast_to(mean, self.batch_shape)

    def _variance(self):
        mean = self._mean()
        return (mean - self.low) * (self.high - mean) / (self.temperature + 3.0)

    def _mode(self):
        return jnp.broadcast_to(self.peak, self.batch_shape)

    def _entropy(self):
        return self._beta()._entropy() + jnp.log(self.high - self.low)


class SigmoidBeta(Distribution):
    """Distribution of ``logit(X)`` for ``X ~ Beta(concentration1, concentration0)``.

    ``log_prob(y) = a log_sigmoid(y) + b log_sigmoid(-y) - log B(a, b)`` (``a =
    concentration1``, ``b = concentration0``), finite for every real ``y`` even where the
    beta's ``X`` would round to 0 or 1; ``cdf(y) = I_{sigmoid(y)}(a, b)``, mean
    ``digamma(a) - digamma(b)``, variance ``polygamma(1, a) + polygamma(1, b)``, mode
    ``log(a / b)``, entropy ``log B(a, b) - a (digamma(a) - digamma(a + b)) - b (digamma(b)
    - digamma(a + b))``. Sampling draws ``log G_a - log G_b`` (implicitly
    reparameterized). KL divergences equal the betas'.

    Args:
        concentration1: positive ``a`` (alpha).
        concentration0: positive ``b`` (beta).

    Examples:
        >>> import probflow.distributions as pfd
        >>> d = pfd.SigmoidBeta(concentration1=2.0, concentration0=2.0)
        >>> float(d.mean()), round(float(d.log_prob(0.0)), 4)
        (0.0, -0.9808)
    """

    concentration1: jax.Array
    concentration0: jax.Array
    reparameterized = True

    def __init__(self, concentration1: ArrayLike, concentration0: ArrayLike, *,
                 validate_args: bool = False, name: str | None = None):
        concentration1, concentration0 = promote_floats(concentration1, concentration0)
        self._set(concentration1=concentration1, concentration0=concentration0,
                  validate_args=validate_args, name=name)
        self._validate(checks.positive("concentration1", concentration1),
                       checks.positive("concentration0", concentration0))

    @property
    def support(self) -> constraints.Constraint:
        return constraints.real

    def _sample(self, key: PRNGKey, sample_shape: tuple[int, ...]) -> Array:
        return _gamma_draws.beta_logit(key, self.concentration1, self.concentration0,
                                       sample_shape + self.batch_shape, self.dtype)

    def _log_prob(self, value):
        a, b = self.concentration1, self.concentration0
        return a * jax.nn.log_sigmoid(value) + b * jax.nn.log_sigmoid(-value) - log_beta(a, b)

    def _cdf(self, value):
        return special.betainc(self.concentration1, self.concentration0, jax.nn.sigmoid(value))

    def _survival_function(self, value):
        return special.betainc(self.concentration0, self.concentration1, jax.nn.sigmoid(-value))

    def _mean(self):
        mean = special.digamma(self.concentration1) - special.digamma(self.concentration0)
        return jnp.broadcast_to(mean, self.batch_shape)

    def _variance(self):
        var = (special.polygamma(1, self.concentration1)
               + special.polygamma(1, self.concentration0))
        return jnp.broadcast_to(var, self.batch_shape)

    def _mode(self):
        mode = jnp.log(self.concentration1) - jnp.log(self.concentration0)
        return jnp.broadcast_to(mode, self.batch_shape)

    def _entropy(self):
        a, b = self.concentration1, self.concentration0
        total = special.digamma(a + b)
        h = (log_beta(a, b) - a * (special.digamma(a) - total)
             - b * (special.digamma(b) - total))
        return jnp.broadcast_to(h, self.batch_shape)


@register_kl(SigmoidBeta, SigmoidBeta)
def _kl_sigmoid_beta(p: SigmoidBeta, q: SigmoidBeta) -> Array:
    # KL is invariant under the common bijection sigmoid: the betas' KL.
    return _kl_beta_beta(Beta(p.concentration1, p.concentration0),
                         Beta(q.concentration1, q.concentration0))
