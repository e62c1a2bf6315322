"""The ordered logistic (proportional odds) distribution."""

from __future__ import annotations

from typing import Any, ClassVar

import jax
import jax.numpy as jnp
import numpy as np

from probflow.core import checks
from probflow.core.numerics import log1mexp, log_sigmoid, promote_floats
from probflow.core.pytree import static_field
from probflow.distributions import constraints
from probflow.distributions.categorical import _gather_last
from probflow.distributions.distribution import Distribution
from probflow.typing import Array, ArrayLike, DTypeLike

__all__ = ["OrderedLogistic"]


def _ordered(name, value):
    return checks.Check(
        name,
        value,
        lambda v: (v[..., 1:] >= v[..., :-1]).all(axis=-1),
        "non-decreasing along the last axis",
    )


class _CutpointCategories(Distribution):
    """An ordinal distribution over ``{0, ..., K}`` set by ``K`` non-decreasing ``cutpoints``
    and a ``loc``: everything but ``categorical_log_probs``, which a subclass defines."""

    cutpoints: jax.Array
    loc: jax.Array
    sample_dtype: Any = static_field(default=jnp.int32, kw_only=True)
    param_event_ndims: ClassVar[dict[str, int]] = {"cutpoints": 1}

    def __init__(
        self,
        cutpoints: ArrayLike,
        loc: ArrayLike,
        *,
        dtype: DTypeLike = jnp.int32,
        validate_args: bool = False,
        name: str | None = None,
    ):
        cutpoints, loc = promote_floats(cutpoints, loc)
        self._set(
            cutpoints=cutpoints,
            loc=loc,
            sample_dtype=jnp.dtype(dtype),
            validate_args=validate_args,
            name=name,
        )
        _ = self.batch_shape  # raises a ShapeError naming the class for scalar cutpoints
        self._validate(_ordered("cutpoints", cutpoints))

    @property
    def dtype(self) -> np.dtype:
        return self.sample_dtype

    @property
    def num_categories(self) -> int:
        """``K + 1``: one more than the number of cutpoints."""
        return int(self.cutpoints.shape[-1]) + 1

    @property
    def support(self) -> constraints.Constraint:
        return constraints.IntegerInterval(0, self.num_categories - 1)

    def categorical_log_probs(self) -> Array:  # pragma: no cover - abstract
        """Log-probabilities of the ``K + 1`` categories, shape ``batch_shape + (K + 1,)``."""
        raise NotImplementedError

    def categorical_probs(self) -> Array:
        """Probabilities of the ``K + 1`` categories, shape ``batch_shape + (K + 1,)``."""
        return jnp.exp(self.categorical_log_probs())

    def _sample(self, key, sample_shape):
        shape = sample_shape + self.batch_shape
        index = jax.random.categorical(key, self.categorical_log_probs(), axis=-1, shape=shape)
        return index.astype(self.sample_dtype)

    def _log_prob(self, value):
        x = value.astype(self.loc.dtype)
        ok = (x >= 0) & (x <= self.num_categories - 1) & (x == jnp.floor(x))
        index = jnp.where(ok, x, 0).astype(jnp.int32)
        lp = _gather_last(self.categorical_log_probs(), index, self.batch_shape)
        return jnp.where(ok, lp, -jnp.inf)

    def _mode(self):
        return jnp.argmax(self.categorical_log_probs(), axis=-1).astype(self.sample_dtype)

    def _entropy(self):
        log_p = self.categorical_log_probs()
        p = jnp.exp(log_p)
        return 0.0 - jnp.sum(jnp.where(p > 0, p * jnp.where(p > 0, log_p, 0.0), 0.0), axis=-1)


class OrderedLogistic(_CutpointCategories):
    """Ordered logistic distribution over the categories ``{0, ..., K}``.

    With ``K`` cutpoints ``c_0 <= ... <= c_{K-1}`` and location ``loc``, the
    category is ``X = #{k : c_k < loc + L}`` for standard logistic noise ``L``, so
    ``P(X > k) = sigmoid(loc - c_k)`` and
    ``P(X = k) = sigmoid(loc - c_{k-1}) - sigmoid(loc - c_k)`` (``c_{-1} = -inf``,
    ``c_K = +inf``). Each mass is computed in log space as
    ``log_sigmoid(a) + log_sigmoid(-b) + log1mexp(a - b)`` (with ``a = loc - c_{k-1}``,
    ``b = loc - c_k``), accurate when both sigmoids are close to 1 or 0. Equal
    cutpoints give a category of probability zero.

    ``batch_shape`` broadcasts ``cutpoints.shape[:-1]`` with ``loc.shape``. Samples
    are ``int32`` category indices by default, as in TFP.

    Args:
        cutpoints: non-decreasing cutpoints, shape ``(..., K)`` with ``K >= 1``.
        loc: location of the latent logistic variable.
        dtype: dtype of samples.

    Examples:
        >>> import jax, jax.numpy as jnp
        >>> import probflow.distributions as pfd
        >>> d = pfd.OrderedLogistic(cutpoints=jnp.asarray([-1.0, 1.0]), loc=0.0)
        >>> d.categorical_probs()  # doctest: +ELLIPSIS
        Array([0.268..., 0.462..., 0.268...], dtype=float32)
        >>> float(d.cdf(0))  # doctest: +ELLIPSIS
        0.268...
        >>> d.sample(jax.random.key(0), (3,)).dtype
        dtype('int32')
    """

    infinite_params = {"cutpoints": "inf"}

    def categorical_log_probs(self) -> Array:
        """Log-probabilities of the ``K + 1`` categories, shape ``batch_shape + (K + 1,)``."""
        c = jnp.broadcast_to(self.cutpoints, self.batch_shape + self.cutpoints.shape[-1:])
        z = self.loc[..., None] - c  # z_k = loc - c_k, P(X > k) = sigmoid(z_k)
        inf = jnp.full(z.shape[:-1] + (1,), jnp.inf, z.dtype)
        upper = jnp.concatenate([inf, z], axis=-1)  # a_k = loc - c_{k-1}
        lower = jnp.concatenate([z, -inf], axis=-1)  # b_k = loc - c_k
        # a_k - b_k = c_k - c_{k-1}, formed from the cutpoints to avoid cancellation in loc.
        gaps = jnp.concatenate([inf, jnp.diff(c, axis=-1), inf], axis=-1)
        return log_sigmoid(upper) + log_sigmoid(-lower) + log1mexp(gaps)

    def _z_at(self, value):
        """``(k, inside, loc - c_k)`` for ``k = floor(value)``; ``inside`` when ``0 <= k < K``."""
        k = jnp.floor(value.astype(self.loc.dtype))
        inside = (k >= 0) & (k < self.num_categories - 1)
        index = jnp.where(inside, k, 0).astype(jnp.int32)
        c = _gather_last(self.cutpoints, index, self.batch_shape)
        return k, inside, self.loc - c

    def _log_cdf(self, value):
        k, inside, z = self._z_at(value)
        return jnp.where(inside, log_sigmoid(-z), jnp.where(k < 0, -jnp.inf, 0.0))

    def _log_survival_function(self, value):
        k, inside, z = self._z_at(value)
        return jnp.where(inside, log_sigmoid(z), jnp.where(k < 0, 0.0, -jnp.inf))

    def _cdf(self, value):
        k, inside, z = self._z_at(value)
        return jnp.where(inside, jax.nn.sigmoid(-z), jnp.where(k < 0, 0.0, 1.0))

    def _survival_function(self, value):
        k, inside, z = self._z_at(value)
        return jnp.where(inside, jax.nn.sigmoid(z), jnp.where(k < 0, 1.0, 0.0))
