"""The Skellam distribution: the difference of two independent Poisson counts."""

from __future__ import annotations

from typing import Any, ClassVar

import jax
import jax.numpy as jnp
import numpy as np

from probflow.core import checks
from probflow.distributions import constraints
from probflow.distributions._bessel_series import log_bessel_iv
from probflow.distributions.bernoulli import _exactly_one, _is_integer, _promote_optional
from probflow.distributions.distribution import Distribution
from probflow.distributions.poisson import _sample_counts
from probflow.typing import Array, ArrayLike

__all__ = ["Skellam"]


class Integer(constraints.Constraint):
    """All integers (finite whole numbers): the support of ``Skellam``.

    Examples:
        >>> import jax.numpy as jnp
        >>> Integer().check(jnp.asarray([-3.0, 0.5, 2.0]))
        Array([ True, False,  True], dtype=bool)
    """

    is_discrete: ClassVar[bool] = True

    def check(self, value: Any) -> Array:
        return _is_integer(value)


def _log_of(rate: Array | None, log_rate: Array | None) -> Array:
    if log_rate is not None:
        return log_rate
    assert rate is not None  # exactly one of the two is given
    return jnp.log(rate)


def _rate_of(rate: Array | None, log_rate: Array | None) -> Array:
    if rate is not None:
        return rate
    assert log_rate is not None  # exactly one of the two is given
    return jnp.exp(log_rate)


class Skellam(Distribution):
    """Skellam distribution of ``N1 - N2`` for independent ``N1 ~ Poisson(rate1)``, ``N2 ~
    Poisson(rate2)``.

    ``log P(k) = -(rate1 + rate2) + k/2 log(rate1 / rate2) + log I_|k|(2 sqrt(rate1
    rate2))``, with the modified Bessel function summed in log space (accurate while ``2
    sqrt(rate1 rate2)`` is below about 500); ``-inf`` at non-integers. Mean ``rate1 -
    rate2``, variance ``rate1 + rate2``. Give exactly one of ``rate1``/``log_rate1`` and one
    of ``rate2``/``log_rate2``. Samples are floats of the parameters' dtype, as TFP's.

    Args:
        rate1: positive rate of the first count.
        rate2: positive rate of the second count.
        log_rate1: ``log(rate1)``.
        log_rate2: ``log(rate2)``.

    Examples:
        >>> import probflow.distributions as pfd
        >>> d = pfd.Skellam(rate1=2.0, rate2=3.5)
        >>> round(float(d.log_prob(-1.0)), 4), float(d.variance())
        (-1.7598, 5.5)
    """

    rate1: jax.Array | None
    rate2: jax.Array | None
    log_rate1: jax.Array | None
    log_rate2: jax.Array | None

    def __init__(self, rate1: ArrayLike | None = None, rate2: ArrayLike | None = None,
                 log_rate1: ArrayLike | None = None, log_rate2: ArrayLike | None = None, *,
                 validate_args: bool = False, name: str | None = None):
        _exactly_one("Skellam", rate1=rate1, log_rate1=log_rate1)
        _exactly_one("Skellam", rate2=rate2, log_rate2=log_rate2)
        rate1, rate2, log_rate1, log_rate2 = _promote_optional(rate1, rate2, log_rate1,
                                                               log_rate2)
        self._set(rate1=rate1, rate2=rate2, log_rate1=log_rate1, log_rate2=log_rate2,
                  validate_args=validate_args, name=name)
        found = [checks.positive(n, v) for n, v in (("rate1", rate1), ("rate2", rate2))
                 if v is not None]
        self._validate(*found)

    @property
    def support(self) -> constraints.Constraint:
        return Integer()

    @property
    def dtype(self) -> np.dtype:
        leaves = [v for v in self.parameters.values() if v is not None]
        return leaves[0].dtype

    def _log_rates(self) -> tuple[Array, Array]:
        return _log_of(self.rate1, self.log_rate1), _log_of(self.rate2, self.log_rate2)

    def rate1_parameter(self) -> Array:
        """``rate1``, from whichever of ``rate1`` and ``log_rate1`` was given."""
        return _rate_of(self.rate1, self.log_rate1)

    def rate2_parameter(self) -> Array:
        """``rate2``, from whichever of ``rate2`` and ``log_rate2`` was given."""
        return _rate_of(self.rate2, self.log_rate2)

    def _sample(self, key, sample_shape):
        shape = sample_shape + self.batch_shape
        key1, key2 = jax.random.split(key)
        n1 = _sample_counts(key1, self.rate1_parameter(), shape, self.dtype)
        n2 = _sample_counts(key2, self.rate2_parameter(), shape, self.dtype)
        return n1 - n2

    def _log_prob(self, value):
        k = value.astype(self.dtype)
        ok = _is_integer(k)
        k = jnp.where(ok, k, 0.0)
        log1, log2 = self._log_rates()
        z = 2.0 * jnp.exp(0.5 * (log1 + log2))
        lp = (-(jnp.exp(log1) + jnp.exp(log2)) + 0.5 * k * (log1 - log2)
              + log_bessel_iv(jnp.abs(k), z))
        return jnp.where(ok, lp, -jnp.inf)

    def _mean(self):
        return jnp.broadcast_to(self.rate1_parameter() - self.rate2_parameter(),
                                self.batch_shape)

    def _variance(self):
        return jnp.broadcast_to(self.rate1_parameter() + self.rate2_parameter(),
                                self.batch_shape)
