"""The continuous Bernoulli distribution on ``[0, 1]``."""

from __future__ import annotations

from typing import Any

import jax
import jax.numpy as jnp

from probflow.core import checks
from probflow.distributions import constraints
from probflow.distributions.bernoulli import _exactly_one, _logits_from, _promote_optional
from probflow.distributions.distribution import Distribution
from probflow.distributions.kl import register_kl
from probflow.typing import Array, ArrayLike, PRNGKey

__all__ = ["ContinuousBernoulli"]

# Below these |logits| the closed forms cancel; their Taylor series take over.
_TINY_LOGIT = 1e-4
_SMALL_LOGIT = 0.3


def _log_normaliser(eta):
    """``log(eta / expm1(eta))``, the log normalising constant (0 at ``eta = 0``)."""
    small = jnp.abs(eta) < _TINY_LOGIT
    e = jnp.where(small, 1.0, eta)
    positive = e > 0
    # eta > 0: log(eta) - eta - log(1 - exp(-eta)); eta < 0: log(-eta) - log(1 - exp(eta)).
    e_pos = jnp.where(positive, e, 1.0)
    e_neg = jnp.where(positive, -1.0, e)
    pos = jnp.log(e_pos) - e_pos - jnp.log(-jnp.expm1(-e_pos))
    neg = jnp.log(-e_neg) - jnp.log(-jnp.expm1(e_neg))
    series = -0.5 * eta + jnp.square(eta) / 24.0
    return jnp.where(small, series, jnp.where(positive, pos, neg))


class ContinuousBernoulli(Distribution):
    """Continuous Bernoulli distribution (Loaiza-Ganem and Cunningham, 2019) on ``[0, 1]``.

    The density is proportional to ``lam**x (1 - lam)**(1 - x)`` with ``lam = probs =
    sigmoid(logits)``; with ``eta = logits`` it is the exponential family ``p(x) = eta
    exp(eta x) / expm1(eta)`` (uniform at ``eta = 0``). As in TFP, ``probs`` is the
    Bernoulli parameter, not the mean. ``cdf(x) = expm1(eta x) / expm1(eta)``, quantile
    ``log1p(u expm1(eta)) / eta`` (sampling by it is reparameterized), mean
    ``1 / (1 - exp(-eta)) - 1 / eta``, variance ``1 / eta**2 - 1 / (4 sinh(eta / 2)**2)``,
    entropy ``-log(eta / expm1(eta)) - eta mean``. All are evaluated in forms that neither
    overflow for large ``|eta|`` nor cancel near ``eta = 0`` (Taylor series there). Give
    exactly one of ``logits`` and ``probs``.

    Args:
        logits: any real ``eta``; the batch shape.
        probs: ``lam`` in the open interval ``(0, 1)``.

    Examples:
        >>> import probflow.distributions as pfd
        >>> d = pfd.ContinuousBernoulli(probs=0.2)
        >>> round(float(d.mean()), 4), round(float(d.log_prob(0.5)), 4)
        (0.388, -0.0788)
    """

    logits: jax.Array | None
    probs: jax.Array | None
    reparameterized = True

    def __init__(self, logits: ArrayLike | None = None, probs: ArrayLike | None = None, *,
                 validate_args: bool = False, name: str | None = None):
        _exactly_one("ContinuousBernoulli", logits=logits, probs=probs)
        logits, probs = _promote_optional(logits, probs)
        self._set(logits=logits, probs=probs, validate_args=validate_args, name=name)
        if probs is not None:
            self._validate(checks.in_open_unit_interval("probs", probs))
        else:
            self._validate()

    @property
    def support(self) -> constraints.Constraint:
        return constraints.unit_interval

    @property
    def dtype(self) -> Any:
        param = self.logits if self.logits is not None else self.probs
        assert param is not None  # exactly one of the two is given
        return param.dtype

    def logits_parameter(self) -> Array:
        """``logits``, computed from ``probs`` when those were given."""
        return _logits_from(self.logits, self.probs)

    def probs_parameter(self) -> Array:
        """``probs = sigmoid(logits)``."""
        if self.probs is not None:
            return self.probs
        assert self.logits is not None  # exactly one of the two is given
        return jax.nn.sigmoid(self.logits)

    def _sample(self, key: PRNGKey, sample_shape: tuple[int, ...]) -> Array:
        u = jax.random.uniform(key, sample_shape + self.batch_shape, self.dtype)
        return jnp.clip(self._quantile(u), 0.0, 1.0)

    def _log_prob(self, value):
        eta = self.logits_parameter()
        inside = (value >= 0) & (value <= 1)
        lp = _log_normaliser(eta) + eta * jnp.where(inside, value, 0.5)
        return jnp.where(inside, lp, -jnp.inf)

    def _cdf(self, value):
        eta = self.logits_parameter()
        x = jnp.clip(value, 0.0, 1.0)
        small = jnp.abs(eta) < _TINY_LOGIT
        e = jnp.where(small, 1.0, eta)
        positive = e > 0
        e_pos = jnp.where(positive, e, 1.0)
        # eta > 0: exp(eta (x - 1)) (1 - exp(-eta x)) / (1 - exp(-eta)), no overflow.
        pos = jnp.exp(e_pos * (x - 1.0)) * jnp.expm1(-e_pos * x) / jnp.expm1(-e_pos)
        neg = jnp.expm1(e * x) / jnp.expm1(e)
        series = x + 0.5 * eta * x * (x - 1.0)
        return jnp.where(small, series, jnp.where(positive, pos, neg))

    def _quantile(self, value):
        eta = self.logits_parameter()
        small = jnp.abs(eta) < _TINY_LOGIT
        e = jnp.where(small, 1.0, eta)
        positive = e > 0
        e_pos = jnp.where(positive, e, 1.0)
        # eta > 0: 1 + log(u + (1 - u) exp(-eta)) / eta.
        pos = 1.0 + jnp.log(value + (1.0 - value) * jnp.exp(-e_pos)) / e_pos
        neg = jnp.log1p(value * jnp.expm1(e)) / e
        series = value - 0.5 * eta * value * (value - 1.0)
        return jnp.where(small, series, jnp.where(positive, pos, neg))

    def _mean(self):
        eta = self.logits_parameter()
        small = jnp.abs(eta) < _SMALL_LOGIT
        e = jnp.where(small, 1.0, eta)
        mean = -1.0 / jnp.expm1(-e) - 1.0 / e
        series = 0.5 + eta / 12.0 - eta**3 / 720.0
        return jnp.broadcast_to(jnp.where(small, series, mean), self.batch_shape)

    def _variance(self):
        eta = self.logits_parameter()
        small = jnp.abs(eta) < _SMALL_LOGIT
        e = jnp.where(small, 1.0, eta)
        var = 1.0 / jnp.square(e) - 0.25 / jnp.square(jnp.sinh(0.5 * e))
        eta2 = jnp.square(eta)
        series = 1.0 / 12.0 - eta2 / 240.0 + eta2 * eta2 / 6048.0
        return jnp.broadcast_to(jnp.where(small, series, var), self.batch_shape)

    def _entropy(self):
        eta = self.logits_parameter()
        h = -_log_normaliser(eta) - eta * self._mean()
        return jnp.broadcast_to(h, self.batch_shape)


@register_kl(ContinuousBernoulli, ContinuousBernoulli)
def _kl_continuous_bernoulli(p: ContinuousBernoulli, q: ContinuousBernoulli) -> Array:
    # E_p[log p - log q] = A_p - A_q + (eta_p - eta_q) E_p[X], A the log normaliser.
    eta_p, eta_q = p.logits_parameter(), q.logits_parameter()
    return _log_normaliser(eta_p) - _log_normaliser(eta_q) + (eta_p - eta_q) * p._mean()
