"""Output heads: turn the last layer's output into a probflow distribution over targets.

A head is the last layer of a [`Sequential`][probflow.layers.sequential.Sequential]. Its ``apply``
returns
``(distribution, 0.0)``; the data term of the ELBO is that distribution's ``log_prob`` of the
targets. When the input's last axis has length one it is dropped, so a network ending in
``Dense(1)`` models targets of shape ``(n,)``.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, cast

import jax
import jax.numpy as jnp
import numpy as np

from probflow import distributions as pfd
from probflow.core.deprecation import key_from_positional
from probflow.core.errors import ShapeError
from probflow.core.numerics import softplus_inverse
from probflow.layers.base import Layer
from probflow.layers.priors import standard_normal_from_uniform, uniform_and_signs
from probflow.typing import Array, ArrayLike, DTypeLike, PRNGKey, PyTree

__all__ = ["Head", "NormalHead", "StudentTHead", "BernoulliHead", "CategoricalHead",
           "PoissonHead"]

_HEAD_PRIOR_SCALE = 3.0


def _squeeze(h: Array) -> Array:
    return h[..., 0] if h.shape[-1] == 1 else h


def _fixed_or_learned(owner: str, name: str, value: Any) -> float | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float) or not value > 0:
        raise ValueError(f"{owner}: {name} must be None (learned) or a positive number, got "
                         f"{value!r}")
    return float(value)


class Head(Layer):
    """Base class of output heads.

    Subclasses implement [`distribution`][probflow.layers.heads.Head.distribution] and
    [`moments`][probflow.layers.heads.Head.moments]. Head parameters (a
    learned noise scale, say) are point estimates under variational training; under
    [`sample_posterior`][probflow.layers.sequential.Sequential.sample_posterior] they are sampled
    with a
    ``Normal(0, 3)`` prior on their unconstrained (softplus-inverse) value.

    Examples:
        >>> from probflow import layers
        >>> layers.CategoricalHead().is_classifier
        True
    """

    is_head = True
    is_classifier = False

    def distribution(self, params: PyTree, h: Array) -> pfd.Distribution:
        """The predictive distribution given the previous layer's output ``h``."""
        raise NotImplementedError

    def moments(self, dist: pfd.Distribution) -> tuple[Array, Array]:
        """``(mean, variance)`` of the targets (class probabilities for classifiers)."""
        raise NotImplementedError

    def sample(self, key: PRNGKey, dist: pfd.Distribution) -> Array:
        """One draw of the targets from ``dist`` (the head's distribution)."""
        return dist.sample(key)

    def _apply(self, params: PyTree, x: Array, key: PRNGKey | None = None, *,
               training: bool = False) -> tuple[pfd.Distribution, Array]:
        """``(distribution, 0.0)``."""
        del key, training
        return self.distribution(params, x), jnp.zeros((), x.dtype)

    def apply_weights(self, weights: PyTree, x: Array, *_old_key: PRNGKey,
                      key: PRNGKey | None = None,
                      training: bool = False) -> pfd.Distribution:
        """The distribution for given head parameters (``key`` is unused; keyword-only)."""
        key_from_positional(f"{type(self).__name__}.apply_weights", key, _old_key,
                            old="apply_weights(weights, x, key)",
                            new="apply_weights(weights, x, key=key)")
        return self.distribution(weights, x)

    def point_weights(self, params: PyTree) -> PyTree:
        """The head's own parameters (unconstrained)."""
        return params

    def with_point_weights(self, params: PyTree, weights: PyTree) -> PyTree:
        """``weights``."""
        return weights

    def log_prior(self, weights: PyTree) -> ArrayLike:
        """``Normal(0, 3)`` log density of the unconstrained head parameters."""
        return sum(jnp.sum(pfd.Normal(jnp.zeros((), w.dtype), _HEAD_PRIOR_SCALE).log_prob(w))
                   for w in jax.tree_util.tree_leaves(weights))

    def target_shape(self, input_shape: Sequence[int],
                     dtype: DTypeLike = jnp.float32) -> tuple[int, ...]:
        """One example's target shape, given one example's input shape to the head.

        Found by abstract evaluation of [`sample`][probflow.layers.heads.Head.sample] (no
        computation), so it holds for
        custom heads too.

        Examples:
            >>> from probflow import layers
            >>> layers.NormalHead().target_shape((1,)), layers.NormalHead().target_shape((3,))
            ((), (3,))
            >>> layers.CategoricalHead().target_shape((10,))
            ()
        """
        input_shape = tuple(int(s) for s in input_shape)
        cache = self.__dict__.setdefault("_target_shapes", {})
        cache_key = (input_shape, jnp.dtype(dtype).name)
        if cache_key not in cache:
            def draw(key: PRNGKey, h: Array) -> Array:
                return self.sample(key, self.distribution(self.init(key, input_shape, dtype), h))

            spec = jax.ShapeDtypeStruct((1,) + input_shape, dtype)
            cache[cache_key] = tuple(jax.eval_shape(draw, jax.random.key(0), spec).shape[1:])
        return cache[cache_key]

    def check_targets(self, y: ArrayLike, argument: str = "y",
                      input_shape: Sequence[int] | None = None) -> None:
        """Eager check of targets; errors name ``argument``, the bad value and the expectation.

        Targets must be finite and, when one example's ``input_shape`` to the head is given,
        each example's target must have [`target_shape`][probflow.layers.heads.Head.target_shape]
        (axes of length one aside).

        Examples:
            >>> import numpy as np
            >>> from probflow import layers
            >>> try:
            ...     layers.NormalHead().check_targets(np.zeros((64, 2)), "y", input_shape=(1,))
            ... except ValueError as err:
            ...     print(str(err)[:67])
            y has shape (64, 2), but NormalHead predicts targets of shape (64,)
        """
        y = np.asarray(y)
        if np.issubdtype(y.dtype, np.floating) and not np.all(np.isfinite(y)):
            i = int(np.flatnonzero(~np.isfinite(y.reshape(-1)))[0])
            raise ValueError(f"{argument} contains non-finite values (first at flat index {i}, "
                             f"value {y.reshape(-1)[i].item()!r}); targets must be finite")
        if input_shape is not None:
            self._check_target_shape(y, argument, input_shape)

    def _check_target_shape(self, y: np.ndarray, argument: str,
                            input_shape: Sequence[int]) -> None:
        expected = self.target_shape(input_shape)
        got = tuple(y.shape[1:])
        if tuple(s for s in got if s != 1) != tuple(s for s in expected if s != 1):
            name = type(self).__name__
            raise ShapeError(
                f"{argument} has shape {y.shape}, but {name} predicts targets of shape "
                f"{(y.shape[0],) + expected} (each example's target has shape {expected}; the "
                f"layer before the head gives {tuple(input_shape)} per example); reshape "
                f"{argument} or change the last layer's units")

    def target_dtype(self, dtype: DTypeLike) -> DTypeLike:
        """dtype the targets are converted to (floating heads: the network's dtype)."""
        return dtype


class NormalHead(Head):
    """Normal likelihood: ``Normal(loc=h, scale)``.

    Args:
        scale: ``None`` to learn one noise scale per output (homoscedastic), or a fixed
            positive number.
        heteroscedastic: the input holds ``2 d`` values, the first half the locations and
            the second half the unconstrained scales (``softplus(h) + 1e-6``).
        init_scale: starting value of a learned scale.

    Examples:
        >>> import jax, jax.numpy as jnp
        >>> from probflow import layers
        >>> head = layers.NormalHead()
        >>> dist, _ = head.apply(head.init(jax.random.key(0), (1,)), jnp.zeros((4, 1)))
        >>> dist.batch_shape, float(dist.scale[0])
        ((4,), 1.0)
    """

    _config_keys = ("scale", "heteroscedastic", "init_scale")

    def __init__(self, scale: float | None = None, *, heteroscedastic: bool = False,
                 init_scale: float = 1.0, name: str | None = None):
        super().__init__(name)
        self.scale = _fixed_or_learned("NormalHead", "scale", scale)
        self.init_scale = _fixed_or_learned("NormalHead", "init_scale", init_scale)
        self.heteroscedastic = bool(heteroscedastic)
        if self.heteroscedastic and self.scale is not None:
            raise ValueError("NormalHead: give either a fixed scale or heteroscedastic=True, "
                             "not both")

    def init(self, key: PRNGKey, input_shape: Sequence[int],
             dtype: DTypeLike = jnp.float32) -> PyTree:
        """``{"scale_rho": (d,)}`` when the scale is learned, else ``{}``."""
        if self.heteroscedastic:
            if input_shape[-1] % 2:
                raise ShapeError(f"NormalHead(heteroscedastic=True): the input's last axis "
                                 f"must hold 2 d values (locations, then scales), got "
                                 f"{input_shape[-1]}")
            return {}
        if self.scale is not None:
            return {}
        rho = softplus_inverse(jnp.asarray(self.init_scale, dtype))
        return {"scale_rho": jnp.full((int(input_shape[-1]),), rho, dtype)}

    def _loc_scale(self, params: PyTree, h: Array) -> tuple[Array, Array]:
        if self.heteroscedastic:
            d = h.shape[-1] // 2
            return _squeeze(h[..., :d]), _squeeze(jax.nn.softplus(h[..., d:]) + 1e-6)
        if self.scale is not None:
            return _squeeze(h), jnp.full(_squeeze(h).shape, self.scale, h.dtype)
        scale = jnp.broadcast_to(jax.nn.softplus(params["scale_rho"]), h.shape)
        return _squeeze(h), _squeeze(scale)

    def distribution(self, params: PyTree, h: Array) -> pfd.Distribution:
        """``Normal(loc, scale)``."""
        loc, scale = self._loc_scale(params, h)
        return pfd.Normal(loc, scale)

    def sample(self, key: PRNGKey, dist: pfd.Distribution) -> Array:
        """``loc + scale * z``."""
        dist = cast(pfd.Normal, dist)  # this head's distribution
        (u,), _ = uniform_and_signs(key, [dist.loc.shape], [], dist.loc.dtype)
        return dist.loc + dist.scale * standard_normal_from_uniform(u)

    def moments(self, dist: pfd.Distribution) -> tuple[Array, Array]:
        """``(loc, scale**2)``."""
        dist = cast(pfd.Normal, dist)
        return dist.loc, jnp.square(dist.scale)


class StudentTHead(Head):
    """Student-t likelihood (robust regression): ``StudentT(df, loc=h, scale)``.

    Args:
        df: degrees of freedom, fixed (default 4) or ``None`` to learn them
            (``2 + softplus(rho)``, so the variance stays finite).
        scale: fixed positive number or ``None`` (learned).

    Examples:
        >>> import jax, jax.numpy as jnp
        >>> from probflow import layers
        >>> head = layers.StudentTHead(df=5.0)
        >>> dist, _ = head.apply(head.init(jax.random.key(0), (1,)), jnp.zeros((3, 1)))
        >>> dist.batch_shape
        (3,)
    """

    _config_keys = ("df", "scale", "init_scale")

    def __init__(self, df: float | None = 4.0, scale: float | None = None, *,
                 init_scale: float = 1.0, name: str | None = None):
        super().__init__(name)
        self.df = _fixed_or_learned("StudentTHead", "df", df)
        self.scale = _fixed_or_learned("StudentTHead", "scale", scale)
        self.init_scale = _fixed_or_learned("StudentTHead", "init_scale", init_scale)

    def init(self, key: PRNGKey, input_shape: Sequence[int],
             dtype: DTypeLike = jnp.float32) -> PyTree:
        """Learned ``scale_rho`` and ``df_rho`` (each ``(d,)``) where not fixed."""
        d = int(input_shape[-1])
        params = {}
        if self.scale is None:
            params["scale_rho"] = jnp.full(
                (d,), softplus_inverse(jnp.asarray(self.init_scale, dtype)), dtype)
        if self.df is None:
            params["df_rho"] = jnp.full((d,), softplus_inverse(jnp.asarray(4.0, dtype)), dtype)
        return params

    def distribution(self, params: PyTree, h: Array) -> pfd.Distribution:
        """``StudentT(df, loc, scale)``."""
        if self.scale is None:
            scale = jnp.broadcast_to(jax.nn.softplus(params["scale_rho"]), h.shape)
        else:
            scale = jnp.full(h.shape, self.scale, h.dtype)
        if self.df is None:
            df = jnp.broadcast_to(2.0 + jax.nn.softplus(params["df_rho"]), h.shape)
        else:
            df = jnp.full(h.shape, self.df, h.dtype)
        return pfd.StudentT(_squeeze(df), _squeeze(h), _squeeze(scale))

    def moments(self, dist: pfd.Distribution) -> tuple[Array, Array]:
        """``(loc, scale**2 df / (df - 2))`` (infinite for ``df <= 2``)."""
        dist = cast(pfd.StudentT, dist)
        df = dist.df
        var = jnp.where(df > 2, jnp.square(dist.scale) * df / jnp.where(df > 2, df - 2, 1.0),
                        jnp.inf)
        return dist.loc, var


class BernoulliHead(Head):
    """Bernoulli likelihood for binary targets: ``Bernoulli(logits=h)`` (``h``: one column).

    Examples:
        >>> import jax, jax.numpy as jnp
        >>> from probflow import layers
        >>> head = layers.BernoulliHead()
        >>> dist, _ = head.apply({}, jnp.zeros((3, 1)))
        >>> [float(p) for p in head.moments(dist)[0]]
        [0.5, 0.5, 0.5]
    """

    is_classifier = True

    def __init__(self, name: str | None = None):
        super().__init__(name)

    def distribution(self, params: PyTree, h: Array) -> pfd.Distribution:
        """``Bernoulli(logits=h[..., 0])``."""
        return pfd.Bernoulli(logits=_squeeze(h))

    def sample(self, key: PRNGKey, dist: pfd.Distribution) -> Array:
        """``1`` with probability ``sigmoid(logits)``."""
        logits = cast(pfd.Bernoulli, dist).logits
        assert logits is not None  # the head builds it from logits
        (u,), _ = uniform_and_signs(key, [logits.shape], [], logits.dtype)
        return (u < jax.nn.sigmoid(logits)).astype(jnp.int32)

    def moments(self, dist: pfd.Distribution) -> tuple[Array, Array]:
        """``(p, p (1 - p))``."""
        logits = cast(pfd.Bernoulli, dist).logits
        assert logits is not None  # the head builds it from logits
        p = jax.nn.sigmoid(logits)
        return p, p * (1 - p)

    def check_targets(self, y: ArrayLike, argument: str = "y",
                      input_shape: Sequence[int] | None = None) -> None:
        """Targets must be 0 or 1 (and shaped like the head's output)."""
        super().check_targets(y, argument, input_shape)
        y = np.asarray(y)
        bad = ~((y == 0) | (y == 1))
        if np.any(bad):
            i = int(np.flatnonzero(bad.reshape(-1))[0])
            raise ValueError(f"{argument} must hold 0/1 labels for BernoulliHead, got "
                             f"{y.reshape(-1)[i].item()!r} at flat index {i}")

    def target_dtype(self, dtype: DTypeLike) -> DTypeLike:
        """Targets are stored in the network's float dtype."""
        return dtype


class CategoricalHead(Head):
    """Categorical likelihood over ``K`` classes: ``Categorical(logits=h)``.

    Examples:
        >>> import jax, jax.numpy as jnp
        >>> from probflow import layers
        >>> head = layers.CategoricalHead()
        >>> dist, _ = head.apply({}, jnp.zeros((2, 4)))
        >>> head.moments(dist)[0].shape
        (2, 4)
    """

    is_classifier = True

    def __init__(self, name: str | None = None):
        super().__init__(name)

    def distribution(self, params: PyTree, h: Array) -> pfd.Distribution:
        """``Categorical(logits=h)``."""
        return pfd.Categorical(logits=h)

    def sample(self, key: PRNGKey, dist: pfd.Distribution) -> Array:
        """Class labels by the Gumbel-max trick."""
        logits = cast(pfd.Categorical, dist).logits
        assert logits is not None  # the head builds it from logits
        (u,), _ = uniform_and_signs(key, [logits.shape], [], logits.dtype)
        return jnp.argmax(logits - jnp.log(-jnp.log(u)), axis=-1).astype(jnp.int32)

    def moments(self, dist: pfd.Distribution) -> tuple[Array, Array]:
        """``(probs, probs (1 - probs))``, class by class."""
        logits = cast(pfd.Categorical, dist).logits
        assert logits is not None  # the head builds it from logits
        p = jax.nn.softmax(logits, axis=-1)
        return p, p * (1 - p)

    def check_targets(self, y: ArrayLike, argument: str = "y",
                      input_shape: Sequence[int] | None = None) -> None:
        """Targets must be integer class labels in ``[0, K)``, ``K = input_shape[-1]``.

        Integer arrays, or floating arrays holding whole numbers, are accepted; anything
        else (fractions, booleans, strings) is an error naming the first bad value.

        Examples:
            >>> import numpy as np
            >>> from probflow import layers
            >>> try:
            ...     layers.CategoricalHead().check_targets(np.asarray([0, 7]), "y", (2,))
            ... except ValueError as err:
            ...     print(str(err)[:74])
            y must hold class labels in [0, 2) for CategoricalHead over 2 classes, got
        """
        y = np.asarray(y)
        if not (np.issubdtype(y.dtype, np.integer) or np.issubdtype(y.dtype, np.floating)):
            raise ValueError(f"{argument} must hold integer class labels for CategoricalHead, "
                             f"got dtype {y.dtype}")
        super().check_targets(y, argument, input_shape)
        flat = y.reshape(-1)
        if np.issubdtype(y.dtype, np.floating):
            whole = flat == np.round(flat)
            if not np.all(whole):
                i = int(np.flatnonzero(~whole)[0])
                raise ValueError(f"{argument} must hold integer class labels for "
                                 f"CategoricalHead, got {flat[i].item()!r} at flat index {i} "
                                 f"(dtype {y.dtype})")
        num_classes = None if input_shape is None else int(input_shape[-1])
        bad = (flat < 0) if num_classes is None else ((flat < 0) | (flat >= num_classes))
        if np.any(bad):
            i = int(np.flatnonzero(bad)[0])
            value = flat[i].item()
            if num_classes is None:
                raise ValueError(f"{argument} must hold class labels >= 0 for CategoricalHead, "
                                 f"got {value!r} at flat index {i}")
            raise ValueError(
                f"{argument} must hold class labels in [0, {num_classes}) for CategoricalHead "
                f"over {num_classes} classes, got {value!r} at flat index {i} (labels range "
                f"{flat.min().item()!r}..{flat.max().item()!r}); give the layer before the head "
                f"{int(flat.max()) + 1} units or relabel the classes 0..{num_classes - 1}")

    def target_dtype(self, dtype: DTypeLike) -> DTypeLike:
        """Integer labels."""
        return jnp.int32


class PoissonHead(Head):
    """Poisson likelihood for counts: ``Poisson(log_rate=h)``.

    Examples:
        >>> import jax, jax.numpy as jnp
        >>> from probflow import layers
        >>> head = layers.PoissonHead()
        >>> dist, _ = head.apply({}, jnp.zeros((3, 1)))
        >>> [float(m) for m in head.moments(dist)[0]]
        [1.0, 1.0, 1.0]
    """

    def __init__(self, name: str | None = None):
        super().__init__(name)

    def distribution(self, params: PyTree, h: Array) -> pfd.Distribution:
        """``Poisson(log_rate=h)``."""
        return pfd.Poisson(log_rate=_squeeze(h))

    def moments(self, dist: pfd.Distribution) -> tuple[Array, Array]:
        """``(rate, rate)``."""
        log_rate = cast(pfd.Poisson, dist).log_rate
        assert log_rate is not None  # the head builds it from log_rate
        rate = jnp.exp(log_rate)
        return rate, rate

    def check_targets(self, y: ArrayLike, argument: str = "y",
                      input_shape: Sequence[int] | None = None) -> None:
        """Targets must be non-negative counts (and shaped like the head's output)."""
        super().check_targets(y, argument, input_shape)
        flat = np.asarray(y).reshape(-1)
        bad = (flat < 0) | (flat != np.round(flat))
        if np.any(bad):
            i = int(np.flatnonzero(bad)[0])
            raise ValueError(f"{argument} must hold non-negative integer counts for "
                             f"PoissonHead, got {flat[i].item()!r} at flat index {i}")
