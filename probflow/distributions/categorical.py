"""The categorical and one-hot categorical distributions."""

from __future__ import annotations

from typing import Any, ClassVar

import jax
import jax.numpy as jnp
import numpy as np

from probflow.core import checks
from probflow.core.pytree import static_field
from probflow.core.shapes import broadcast_shapes
from probflow.distributions import constraints
from probflow.distributions.bernoulli import (
    _exactly_one,
    _mul_log,
    _promote_optional,
    _safe_log,
)
from probflow.distributions.distribution import Distribution
from probflow.distributions.kl import register_kl
from probflow.typing import Array, ArrayLike, DTypeLike, PRNGKey

__all__ = ["Categorical", "OneHotCategorical"]


def _class_log_probs(logits: Array | None, probs: Array | None) -> Array:
    """Normalised log-probabilities of the classes (last axis)."""
    if logits is not None:
        return jax.nn.log_softmax(logits, axis=-1)
    return _safe_log(probs)


def _class_probs(logits: Array | None, probs: Array | None) -> Array:
    if logits is not None:
        return jax.nn.softmax(logits, axis=-1)
    assert probs is not None  # exactly one of the two is given
    return probs


def _gather_last(table: Array, index: Array, batch_shape: tuple[int, ...]) -> Array:
    """``table[..., index]`` with ``index`` of shape ``sample_shape + batch_shape``."""
    shape = broadcast_shapes(index.shape, batch_shape)
    table = jnp.broadcast_to(table, shape + table.shape[-1:])
    index = jnp.broadcast_to(index, shape)
    return jnp.take_along_axis(table, index[..., None], axis=-1)[..., 0]


def _entropy_from(logits: Array | None, probs: Array | None) -> Array:
    log_p = _class_log_probs(logits, probs)
    return 0.0 - jnp.sum(_mul_log(jnp.exp(log_p), log_p), axis=-1)


def _kl_classes(p: _ClassesBase, q: _ClassesBase) -> Array:
    log_p = _class_log_probs(p.logits, p.probs)
    log_q = _class_log_probs(q.logits, q.probs)
    probs = jnp.exp(log_p)
    return jnp.sum(_mul_log(probs, log_p) - _mul_log(probs, log_q), axis=-1)


class _ClassesBase(Distribution):
    """Shared parameter handling of [`Categorical`][probflow.distributions.categorical.Categorical]
    and [`OneHotCategorical`][probflow.distributions.categorical.OneHotCategorical]."""

    logits: jax.Array | None
    probs: jax.Array | None
    sample_dtype: Any = static_field(default=jnp.int32, kw_only=True)
    param_event_ndims: ClassVar[dict[str, int]] = {"logits": 1, "probs": 1}
    infinite_params = {"logits": "-inf"}

    def __init__(
        self,
        logits: ArrayLike | None = None,
        probs: ArrayLike | None = None,
        *,
        dtype: DTypeLike = jnp.int32,
        validate_args: bool = False,
        name: str | None = None,
    ):
        owner = type(self).__name__
        _exactly_one(owner, logits=logits, probs=probs)
        logits, probs = _promote_optional(logits, probs)
        self._set(
            logits=logits,
            probs=probs,
            sample_dtype=jnp.dtype(dtype),
            validate_args=validate_args,
            name=name,
        )
        _ = self.batch_shape  # raises a ShapeError naming the class for scalar parameters
        self._validate(checks.simplex("probs", probs))

    @property
    def dtype(self) -> Any:
        return self.sample_dtype

    @property
    def _float_dtype(self) -> np.dtype:
        return self._param.dtype

    @property
    def _param(self) -> Array:
        param = self.logits if self.logits is not None else self.probs
        assert param is not None  # exactly one of the two is given
        return param

    @property
    def num_categories(self) -> int:
        """Number of classes ``K`` (the last dimension of ``logits``/``probs``)."""
        return int(self._param.shape[-1])

    def probs_parameter(self) -> Array:
        """Class probabilities, computed from ``logits`` (softmax) when those were given."""
        return _class_probs(self.logits, self.probs)

    def logits_parameter(self) -> Array:
        """Normalised log-probabilities; ``logits`` are returned as given."""
        return self.logits if self.logits is not None else _safe_log(self.probs)

    def _sample_indices(self, key: PRNGKey, sample_shape: tuple[int, ...]) -> Array:
        shape = sample_shape + self.batch_shape
        return jax.random.categorical(key, self.logits_parameter(), axis=-1, shape=shape)


class Categorical(_ClassesBase):
    """Categorical distribution over the class indices ``{0, ..., K - 1}``.

    ``P(X = k) = probs[..., k] = softmax(logits)[..., k]``. Give exactly one of
    ``logits`` and ``probs`` (non-negative, summing to one on the last axis). The
    last axis indexes classes, the others form the batch:
    ``batch_shape = logits.shape[:-1]``, ``event_shape = ()``. ``log_prob`` is
    ``-inf`` for indices outside ``{0, ..., K - 1}`` and for non-integers. Samples
    are integer indices (``int32`` by default, as in TFP). As in TFP, ``mean`` and
    ``variance`` treat the index as a number: ``sum_k k p_k`` and ``sum_k (k - mean)**2 p_k``
    (floats of the parameters' dtype).

    Args:
        logits: unnormalised log-probabilities, shape ``batch_shape + (K,)``.
        probs: probabilities, shape ``batch_shape + (K,)``.
        dtype: integer dtype of samples.

    Examples:
        >>> import jax, jax.numpy as jnp
        >>> import probflow.distributions as pfd
        >>> d = pfd.Categorical(probs=jnp.asarray([0.2, 0.5, 0.3]))
        >>> float(d.prob(1))
        0.5
        >>> d.sample(jax.random.key(0), (4,)).dtype
        dtype('int32')
        >>> int(d.mode())
        1
        >>> round(float(d.mean()), 4), round(float(d.variance()), 4)
        (1.1, 0.49)
    """

    def __init__(
        self,
        logits: ArrayLike | None = None,
        probs: ArrayLike | None = None,
        *,
        dtype: DTypeLike = jnp.int32,
        validate_args: bool = False,
        name: str | None = None,
    ):
        super().__init__(logits, probs, dtype=dtype, validate_args=validate_args, name=name)

    @property
    def support(self) -> constraints.Constraint:
        return constraints.IntegerInterval(0, self.num_categories - 1)

    def _sample(self, key: PRNGKey, sample_shape: tuple[int, ...]) -> Array:
        return self._sample_indices(key, sample_shape).astype(self.sample_dtype)

    def _log_prob(self, value):
        x = value.astype(self._float_dtype)
        ok = (x >= 0) & (x <= self.num_categories - 1) & (x == jnp.floor(x))
        index = jnp.where(ok, x, 0).astype(jnp.int32)
        lp = _gather_last(_class_log_probs(self.logits, self.probs), index, self.batch_shape)
        return jnp.where(ok, lp, -jnp.inf)

    def _cdf(self, value):
        x = jnp.floor(value.astype(self._float_dtype))
        last = self.num_categories - 1
        inside = (x >= 0) & (x < last)
        index = jnp.where(inside, x, 0).astype(jnp.int32)
        cumulative = jnp.cumsum(self.probs_parameter(), axis=-1)
        inner = _gather_last(cumulative, index, self.batch_shape)
        return jnp.where(x < 0, 0.0, jnp.where(inside, inner, 1.0))

    def _index_moments(self) -> tuple[Array, Array]:
        probs = self.probs_parameter()
        k = jnp.arange(self.num_categories, dtype=probs.dtype)
        mean = jnp.sum(probs * k, axis=-1)
        # Central form, sum_k p_k (k - mean)**2: no cancellation of E[k**2] - mean**2.
        var = jnp.sum(probs * jnp.square(k - mean[..., None]), axis=-1)
        return jnp.broadcast_to(mean, self.batch_shape), jnp.broadcast_to(var, self.batch_shape)

    def _mean(self):
        return self._index_moments()[0]

    def _variance(self):
        return self._index_moments()[1]

    def _mode(self):
        log_p = _class_log_probs(self.logits, self.probs)
        return jnp.argmax(log_p, axis=-1).astype(self.sample_dtype)

    def _entropy(self):
        return _entropy_from(self.logits, self.probs)


class _OneHot(constraints.Constraint):
    """Vectors with one entry equal to 1 and the others 0."""

    event_ndims: ClassVar[int] = 1
    is_discrete: ClassVar[bool] = True

    def check(self, value: Any) -> Array:
        binary = jnp.all((value == 0) | (value == 1), axis=-1)
        return binary & (jnp.sum(value, axis=-1) == 1)


class OneHotCategorical(_ClassesBase):
    """Categorical distribution over one-hot vectors of length ``K``.

    A draw is ``one_hot(k, K)`` with ``k ~ Categorical(probs)``;
    ``P(X = e_k) = probs[..., k]``. ``event_shape = (K,)``,
    ``batch_shape = logits.shape[:-1]``. ``log_prob`` is ``-inf`` for vectors that
    are not one-hot. Mean ``probs``, covariance ``diag(p) - p p^T``. Samples are
    ``int32`` by default, as in TFP.

    Args:
        logits: unnormalised log-probabilities, shape ``batch_shape + (K,)``.
        probs: probabilities, shape ``batch_shape + (K,)``.
        dtype: dtype of samples.

    Examples:
        >>> import jax, jax.numpy as jnp
        >>> import probflow.distributions as pfd
        >>> d = pfd.OneHotCategorical(probs=jnp.asarray([0.2, 0.8]))
        >>> d.sample(jax.random.key(0)).shape
        (2,)
        >>> round(float(d.prob(jnp.asarray([0, 1]))), 4)
        0.8
    """

    def __init__(
        self,
        logits: ArrayLike | None = None,
        probs: ArrayLike | None = None,
        *,
        dtype: DTypeLike = jnp.int32,
        validate_args: bool = False,
        name: str | None = None,
    ):
        super().__init__(logits, probs, dtype=dtype, validate_args=validate_args, name=name)

    @property
    def event_shape(self) -> tuple[int, ...]:
        return (self.num_categories,)

    @property
    def support(self) -> constraints.Constraint:
        return _OneHot()

    def _sample(self, key: PRNGKey, sample_shape: tuple[int, ...]) -> Array:
        index = self._sample_indices(key, sample_shape)
        return jax.nn.one_hot(index, self.num_categories, dtype=self.sample_dtype)

    def _log_prob(self, value):
        x = value.astype(self._float_dtype)
        ok = _OneHot().check(x)
        log_p = _class_log_probs(self.logits, self.probs)
        shape = broadcast_shapes(x.shape, log_p.shape)
        lp = jnp.sum(jnp.where(x == 1, jnp.broadcast_to(log_p, shape), 0.0), axis=-1)
        return jnp.where(ok, lp, -jnp.inf)

    def _mean(self):
        return jnp.broadcast_to(self.probs_parameter(), self.batch_shape + self.event_shape)

    def _variance(self):
        p = self._mean()
        return p * (1.0 - p)

    def _covariance(self):
        p = self._mean()
        outer = p[..., :, None] * p[..., None, :]
        return jnp.eye(p.shape[-1], dtype=p.dtype) * p[..., None] - outer

    def _mode(self):
        log_p = _class_log_probs(self.logits, self.probs)
        index = jnp.argmax(jnp.broadcast_to(log_p, self.batch_shape + log_p.shape[-1:]), axis=-1)
        return jax.nn.one_hot(index, self.num_categories, dtype=self.sample_dtype)

    def _entropy(self):
        return jnp.broadcast_to(_entropy_from(self.logits, self.probs), self.batch_shape)


@register_kl(Categorical, Categorical)
def _kl_categorical_categorical(p: Categorical, q: Categorical) -> Array:
    return _kl_classes(p, q)


@register_kl(OneHotCategorical, OneHotCategorical)
def _kl_onehot_onehot(p: OneHotCategorical, q: OneHotCategorical) -> Array:
    return _kl_classes(p, q)
