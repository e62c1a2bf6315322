"""The normal-inverse Gaussian distribution."""

from __future__ import annotations

import math

import jax
import jax.numpy as jnp

from probflow.core import checks
from probflow.core.numerics import promote_floats
from probflow.distributions import constraints
from probflow.distributions._bessel_series import log_bessel_kv
from probflow.distributions.distribution import Distribution
from probflow.distributions.inverse_gaussian import InverseGaussian
from probflow.typing import ArrayLike

__all__ = ["NormalInverseGaussian"]


class NormalInverseGaussian(Distribution):
    """Normal variance-mean mixture with an inverse Gaussian mixing distribution.

    TFP's parameters: ``loc`` (``mu``), ``scale`` (``delta``), ``tailweight`` (``alpha``)
    and ``skewness`` (``beta``), with ``|skewness| < tailweight``. With ``gamma = sqrt(alpha**2
    - beta**2)`` and ``r = sqrt(delta**2 + (x - mu)**2)``:

        ``log_prob(x) = log(alpha delta K1(alpha r) / (pi r)) + delta gamma + beta (x - mu)``

    (``K1`` the modified Bessel function of the second kind, by the trapezoidal rule in log
    space; scipy's ``norminvgauss(a=alpha delta, b=beta delta, loc=mu, scale=delta)``). Mean
    ``mu + delta beta / gamma``, variance ``delta alpha**2 / gamma**3``. Sampling draws ``V ~
    InverseGaussian(delta / gamma, delta**2)`` and ``mu + beta V + sqrt(V) Z`` (not
    reparameterized: the inverse Gaussian draw uses an accept/reject step).

    Args:
        loc: location ``mu``.
        scale: positive ``delta``.
        tailweight: positive ``alpha``; smaller values give heavier tails.
        skewness: ``beta`` with ``|beta| < alpha``.

    Examples:
        >>> import probflow.distributions as pfd
        >>> d = pfd.NormalInverseGaussian(loc=0.5, scale=1.5, tailweight=2.0, skewness=0.8)
        >>> round(float(d.log_prob(1.0)), 4), round(float(d.mean()), 4)
        (-0.7632, 1.1547)
    """

    loc: jax.Array
    scale: jax.Array
    tailweight: jax.Array
    skewness: jax.Array

    def __init__(self, loc: ArrayLike, scale: ArrayLike, tailweight: ArrayLike, skewness: ArrayLike,
                 *, validate_args: bool = False, name: str | None = None):
        loc, scale, tailweight, skewness = promote_floats(loc, scale, tailweight, skewness)
        self._set(loc=loc, scale=scale, tailweight=tailweight, skewness=skewness,
                  validate_args=validate_args, name=name)
        self._validate(
            checks.positive("scale", scale), checks.positive("tailweight", tailweight),
            checks.Check("skewness", skewness, lambda v: abs(v) < tailweight,
                         "smaller than tailweight in absolute value"))

    @property
    def support(self) -> constraints.Constraint:
        return constraints.real

    def _gamma(self):
        return jnp.sqrt(jnp.square(self.tailweight) - jnp.square(self.skewness))

    def _sample(self, key, sample_shape):
        shape = sample_shape + self.batch_shape
        key_ig, key_normal = jax.random.split(key)
        mean = jnp.broadcast_to(self.scale / self._gamma(), self.batch_shape)
        shape_param = jnp.broadcast_to(jnp.square(self.scale), self.batch_shape)
        v = InverseGaussian(mean, shape_param)._sample(key_ig, sample_shape)
        z = jax.random.normal(key_normal, shape, self.dtype)
        return self.loc + self.skewness * v + jnp.sqrt(v) * z

    def _log_prob(self, value):
        alpha, beta, delta = self.tailweight, self.skewness, self.scale
        y = value - self.loc
        r = jnp.sqrt(jnp.square(delta) + jnp.square(y))
        return (jnp.log(alpha * delta / (math.pi * r)) + log_bessel_kv(1.0, alpha * r)
                + delta * self._gamma() + beta * y)

    def _mean(self):
        mean = self.loc + self.scale * self.skewness / self._gamma()
        return jnp.broadcast_to(mean, self.batch_shape)

    def _variance(self):
        var = self.scale * jnp.square(self.tailweight) / self._gamma() ** 3
        return jnp.broadcast_to(var, self.batch_shape)
