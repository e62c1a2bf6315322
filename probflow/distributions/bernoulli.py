"""The Bernoulli distribution, and helpers shared by the discrete families.

The helpers (``_exactly_one``, ``_promote_optional``, ``_log_pair``, ``_mul_log``,
``_safe_log``) implement the conventions every probs/logits family in probflow
follows: exactly one of the two parameterisations is given, the other field is
stored as ``None``, and log-probabilities are formed without ``0 * log(0)`` NaNs
(in values or gradients).
"""

from __future__ import annotations

from typing import Any, Protocol

import jax
import jax.numpy as jnp
import numpy as np

from probflow.core import checks
from probflow.core.errors import ParameterError
from probflow.core.numerics import log_sigmoid, promote_floats
from probflow.core.pytree import static_field
from probflow.distributions import constraints
from probflow.distributions.distribution import Distribution
from probflow.distributions.kl import register_kl
from probflow.typing import Array, ArrayLike, DTypeLike, PRNGKey

__all__ = ["Bernoulli"]


# -- helpers shared by the discrete families -------------------------------------------------


def _exactly_one(owner: str, **named: object) -> None:
    """Raise unless exactly one of the keyword arguments is not ``None``."""
    given = [k for k, v in named.items() if v is not None]
    if len(given) != 1:
        names = " or ".join(named)
        got = "both" if len(given) > 1 else "neither"
        raise ParameterError(f"{owner}: exactly one of {names} must be given, got {got}")


def _required(owner: str, **named: object) -> None:
    """Raise a clear error for a required parameter given as ``None``."""
    for name, value in named.items():
        if value is None:
            raise ParameterError(f"{owner}: {name} is required, got None")


def _promote_optional(*values):
    """[`promote_floats`][probflow.core.numerics.promote_floats] over the values that are not
    ``None`` (``None`` stays ``None``)."""
    values = tuple(jnp.asarray(v) if isinstance(v, list | tuple) else v for v in values)
    present = [v for v in values if v is not None]
    promoted = iter(promote_floats(*present))
    return tuple(None if v is None else next(promoted) for v in values)


def _safe_log(x) -> Array:
    """``log(x)`` with ``-inf`` at ``x == 0`` and a zero (not NaN) gradient there."""
    positive = x > 0
    return jnp.where(positive, jnp.log(jnp.where(positive, x, 1.0)), -jnp.inf)


def _mul_log(x, log_y) -> Array:
    """``x * log_y`` with the convention ``0 * log(0) = 0``, NaN-free in value and gradient."""
    x, log_y = jnp.broadcast_arrays(x, log_y)
    zero = x == 0
    return jnp.where(zero, 0.0, x * jnp.where(zero, 0.0, log_y))


def _log1m(p) -> Array:
    """``log(1 - p)`` by ``log1p`` (accurate for tiny ``p``); ``-inf``, zero gradient, at 1."""
    below = p < 1
    return jnp.where(below, jnp.log1p(-jnp.where(below, p, 0.0)), -jnp.inf)


def _log_pair(logits, probs) -> tuple[Array, Array]:
    """``(log p, log(1 - p))`` from whichever of ``logits``/``probs`` is given."""
    if logits is not None:
        return log_sigmoid(logits), log_sigmoid(-logits)
    return _safe_log(probs), _log1m(probs)


def _probs_pair(logits, probs) -> tuple[Array, Array]:
    """``(p, 1 - p)``, the complement computed without cancellation when ``logits`` are given."""
    if logits is not None:
        return jax.nn.sigmoid(logits), jax.nn.sigmoid(-logits)
    return probs, 1.0 - probs


def _probs_from(logits, probs) -> Array:
    return jax.nn.sigmoid(logits) if logits is not None else probs


def _logits_from(logits, probs) -> Array:
    if logits is not None:
        return logits
    log_p, log_q = _log_pair(None, probs)
    return log_p - log_q


def _is_integer(x) -> Array:
    """Finite whole numbers (``inf == floor(inf)``, so finiteness is checked too)."""
    return jnp.isfinite(x) & (x == jnp.floor(x))


# -- Bernoulli ---------------------------------------------------------------------------------


class _BinaryFamily(Protocol):
    """What a [`_BinaryMasses`][probflow.distributions.bernoulli._BinaryMasses] family
    defines (besides being a ``Distribution``)."""

    @property
    def sample_dtype(self) -> Any: ...

    @property
    def batch_shape(self) -> tuple[int, ...]: ...

    @property
    def _float_dtype(self) -> Any: ...

    def probs_parameter(self) -> Array: ...

    def _log_masses(self) -> tuple[Array, Array]: ...

    def _log_mass_at(self, x: Array) -> Array: ...


class _BinaryMasses:
    """What a Bernoulli-type family over ``{0, 1}`` computes from ``(log p, log(1 - p))``.

    A family defines ``_log_masses()`` (that pair, accurate for its own parameters),
    ``probs_parameter()``, ``_float_dtype`` and a ``sample_dtype`` field.
    """

    @property
    def dtype(self: _BinaryFamily) -> Any:
        return self.sample_dtype

    @property
    def support(self) -> constraints.Constraint:
        return constraints.boolean

    def _sample(self: _BinaryFamily, key: PRNGKey, sample_shape: tuple[int, ...]) -> Array:
        shape = sample_shape + self.batch_shape
        u = jax.random.uniform(key, shape, dtype=self._float_dtype)
        return (u < self.probs_parameter()).astype(self.sample_dtype)

    def _log_prob(self: _BinaryFamily, value: Any) -> Array:
        x = value.astype(self._float_dtype)
        return jnp.where((x == 0) | (x == 1), self._log_mass_at(x), -jnp.inf)

    def _log_mass_at(self: _BinaryFamily, x: Array) -> Array:
        """``log P(X = x)`` where ``x`` is 1, ``log P(X = 0)`` elsewhere (masked by the caller)."""
        log_p, log_q = self._log_masses()
        return jnp.where(x == 1, log_p, log_q)

    def _mean(self: _BinaryFamily) -> Array:
        return jnp.broadcast_to(self.probs_parameter(), self.batch_shape)

    def _mode(self: _BinaryFamily) -> Array:
        # Ties (p = 1/2) resolve to 0, as in TFP.
        return jnp.broadcast_to(self.probs_parameter() > 0.5, self.batch_shape).astype(
            self.sample_dtype
        )

    def _entropy(self: _BinaryFamily) -> Array:
        log_p, log_q = self._log_masses()
        p, q = jnp.exp(log_p), jnp.exp(log_q)
        return jnp.broadcast_to(0.0 - (_mul_log(p, log_p) + _mul_log(q, log_q)), self.batch_shape)


def _kl_binary(p: _BinaryFamily, q: _BinaryFamily) -> Array:
    """``KL(p || q)`` of two ``_BinaryMasses`` families, from their log masses."""
    log_p1, log_q1 = p._log_masses()
    log_p2, log_q2 = q._log_masses()
    p1, q1 = jnp.exp(log_p1), jnp.exp(log_q1)
    return _mul_log(p1, log_p1) - _mul_log(p1, log_p2) + _mul_log(q1, log_q1) - _mul_log(q1, log_q2)


class Bernoulli(_BinaryMasses, Distribution):
    """Bernoulli distribution over ``{0, 1}`` with success probability ``probs``.

    ``P(X = 1) = p`` and ``P(X = 0) = 1 - p`` where ``p = probs = sigmoid(logits)``.
    Give exactly one of ``logits`` and ``probs``; the other field is stored as
    ``None``. ``log_prob`` is ``-inf`` for any value other than 0 or 1 and is
    computed from ``log_sigmoid(+-logits)`` (or ``log(p)``, ``log1p(-p)``) so it
    stays accurate for extreme logits.

    Args:
        logits: log-odds ``log(p / (1 - p))``; any shape (the batch shape).
        probs: success probability in ``[0, 1]``; any shape.
        dtype: dtype of samples (TFP's default, ``int32``); ``log_prob`` accepts
            integer, boolean or floating values.

    Examples:
        >>> import jax, jax.numpy as jnp
        >>> import probflow.distributions as pfd
        >>> d = pfd.Bernoulli(probs=0.25)
        >>> d.sample(jax.random.key(0), (4,)).dtype
        dtype('int32')
        >>> float(d.log_prob(1))  # doctest: +ELLIPSIS
        -1.386...
        >>> float(pfd.Bernoulli(logits=0.0).mean())
        0.5
    """

    logits: jax.Array | None
    probs: jax.Array | None
    sample_dtype: Any = static_field(default=jnp.int32, kw_only=True)
    infinite_params = {"logits": "inf"}

    def __init__(
        self,
        logits: ArrayLike | None = None,
        probs: ArrayLike | None = None,
        *,
        dtype: DTypeLike = jnp.int32,
        validate_args: bool = False,
        name: str | None = None,
    ):
        _exactly_one("Bernoulli", logits=logits, probs=probs)
        logits, probs = _promote_optional(logits, probs)
        self._set(
            logits=logits,
            probs=probs,
            sample_dtype=jnp.dtype(dtype),
            validate_args=validate_args,
            name=name,
        )
        self._validate(checks.in_unit_interval("probs", probs))

    @property
    def _float_dtype(self) -> np.dtype:
        param = self.logits if self.logits is not None else self.probs
        assert param is not None  # exactly one of the two is given
        return param.dtype

    def probs_parameter(self) -> Array:
        """``probs``, computed from ``logits`` when those were given."""
        return _probs_from(self.logits, self.probs)

    def logits_parameter(self) -> Array:
        """``logits``, computed from ``probs`` when those were given."""
        return _logits_from(self.logits, self.probs)

    def _cdf(self, value):
        x = value.astype(self._float_dtype)
        q = 1.0 - self.probs_parameter() if self.logits is None else jax.nn.sigmoid(-self.logits)
        return jnp.where(x < 0, 0.0, jnp.where(x < 1, q, 1.0))

    def _survival_function(self, value):
        x = value.astype(self._float_dtype)
        p = self.probs_parameter()
        return jnp.where(x < 0, 1.0, jnp.where(x < 1, p, 0.0))

    def _variance(self):
        p = self.probs_parameter()
        q = jax.nn.sigmoid(-self.logits) if self.logits is not None else 1.0 - p
        return jnp.broadcast_to(p * q, self.batch_shape)

    def _log_masses(self) -> tuple[Array, Array]:
        return _log_pair(self.logits, self.probs)

    def _log_mass_at(self, x: Array) -> Array:
        if self.logits is None:
            return super()._log_mass_at(x)
        # One log-sigmoid per value rather than both masses: log p = log_sigmoid(logits) and
        # log(1 - p) = log_sigmoid(-logits), the same numbers. Half the transcendentals of
        # a logistic regression's likelihood and of its gradient (``log_sigmoid`` shares one
        # exp between the value and the derivative).
        return log_sigmoid(jnp.where(x == 1, self.logits, -self.logits))


@register_kl(Bernoulli, Bernoulli)
def _kl_bernoulli_bernoulli(p: Bernoulli, q: Bernoulli) -> Array:
    return _kl_binary(p, q)
