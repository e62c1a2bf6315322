"""The horseshoe distribution: a normal whose scale has a half-Cauchy prior."""

from __future__ import annotations

import math

import jax
import jax.numpy as jnp

from probflow.core import checks
from probflow.core.numerics import promote_floats
from probflow.distributions import constraints
from probflow.distributions._exp_integral import log_scaled_exp1_from_log
from probflow.distributions.distribution import Distribution
from probflow.typing import ArrayLike

__all__ = ["Horseshoe"]

_LOG_NORMALISER = -0.5 * math.log(2.0 * math.pi**3)


class Horseshoe(Distribution):
    """Horseshoe distribution: ``X ~ Normal(0, scale * S)`` with ``S ~ HalfCauchy(0, 1)``.

    The sparsity prior of Carvalho, Polson and Scott (2010): an infinitely tall spike at 0
    and Cauchy-like tails. Integrating out ``S`` gives, with ``u = x**2 / (2 scale**2)``,

        ``log_prob(x) = -log(2 pi**3) / 2 - log(scale) + log(exp(u) E1(u))``

    where ``E1`` is the exponential integral. TFP evaluates ``exp(u) E1(u)`` with an
    elementary approximation (Barry, Parlange and Li, 2000; its log density is within about
    1e-2 of the exact one); probflow evaluates it exactly: the power series of ``E1`` below
    ``u = 2``, the continued fraction of ``exp(u) E1(u)`` above, and the leading terms in
    ``log u`` where ``u`` over- or underflows (so float32 densities stay finite from
    ``|x| = 1e-20`` to ``1e20``). ``log_prob`` is ``+inf`` at 0, where the density is
    infinite. Mean and mode are 0; the variance is undefined (NaN, as TFP's). There is no
    closed-form cdf. Sampling draws ``S`` and a standard normal (reparameterized).

    Args:
        scale: positive; larger values shrink less.

    Examples:
        >>> import jax
        >>> import probflow.distributions as pfd
        >>> d = pfd.Horseshoe(scale=2.0)
        >>> round(float(d.log_prob(1.0)), 4)
        -2.1473
        >>> d.sample(jax.random.key(0), (3,)).shape
        (3,)
    """

    scale: jax.Array
    reparameterized = True

    def __init__(self, scale: ArrayLike, *, validate_args: bool = False, name: str | None = None):
        (scale,) = promote_floats(scale)
        self._set(scale=scale, validate_args=validate_args, name=name)
        self._validate(checks.positive("scale", scale))

    @property
    def support(self) -> constraints.Constraint:
        return constraints.real

    def _sample(self, key, sample_shape):
        shape = sample_shape + self.batch_shape
        key_scale, key_normal = jax.random.split(key)
        local = jnp.abs(jax.random.cauchy(key_scale, shape, dtype=self.dtype))
        z = jax.random.normal(key_normal, shape, dtype=self.dtype)
        return z * local * self.scale

    def _log_prob(self, value):
        # log u = 2 log|x / scale| - log 2, so u may lie beyond the dtype's range.
        log_u = 2.0 * jnp.log(jnp.abs(value / self.scale)) - math.log(2.0)
        return _LOG_NORMALISER - jnp.log(self.scale) + log_scaled_exp1_from_log(log_u)

    def _mean(self):
        return jnp.zeros(self.batch_shape, self.dtype)

    def _mode(self):
        return self._mean()

    def _variance(self):
        return jnp.full(self.batch_shape, jnp.nan, self.dtype)
