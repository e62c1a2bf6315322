"""Mixtures: ``MixtureSameFamily`` (one batched component family) and ``Mixture`` (a list)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any, cast

import jax
import jax.numpy as jnp
import numpy as np

from probflow.core.errors import ShapeError, UnsupportedError
from probflow.core.pytree import static_field
from probflow.distributions import constraints
from probflow.distributions.distribution import Distribution
from probflow.typing import Array

if TYPE_CHECKING:
    from probflow.distributions.independent import Independent

__all__ = ["MixtureSameFamily", "Mixture"]


def _log_weights(mixture_distribution: Distribution, num_components: int) -> Array:
    """``log P(k)`` of a categorical-like distribution, shape ``batch + (K,)``."""
    logits = getattr(mixture_distribution, "logits", None)
    if logits is not None:
        return jax.nn.log_softmax(logits, axis=-1)
    probs = getattr(mixture_distribution, "probs", None)
    if probs is not None:
        return jnp.log(probs)
    index = jnp.arange(num_components).reshape((num_components,) + (1,) * len(
        mixture_distribution.batch_shape))
    return jnp.moveaxis(mixture_distribution.log_prob(index), 0, -1)


def _check_reparameterizable(components: Distribution) -> None:
    from probflow.distributions.independent import Independent

    if not components.reparameterized:
        raise ValueError(
            f"MixtureSameFamily: reparameterize=True needs reparameterized components, but "
            f"{type(components).__name__} samples are not reparameterized"
        )
    univariate = components.distribution if isinstance(components, Independent) else components
    if univariate.event_shape:
        raise ValueError(
            f"MixtureSameFamily: reparameterize=True needs components with scalar events or "
            f"Independent over a scalar family (the distributional transform uses each "
            f"coordinate's cdf), got {type(components).__name__} with event_shape "
            f"{components.event_shape}"
        )


def _check_categorical(owner: str, mixture_distribution: Any) -> None:
    if not isinstance(mixture_distribution, Distribution) or mixture_distribution.event_shape:
        raise TypeError(
            f"{owner}: mixture_distribution must be a categorical distribution over component "
            f"indices (scalar events), got {mixture_distribution!r}"
        )


class MixtureSameFamily(Distribution):
    """Mixture of the components of one batched distribution, weighted by a categorical.

    The components' rightmost batch dimension indexes the ``K`` components:
    ``components_distribution.batch_shape = batch_shape + (K,)`` and
    ``mixture_distribution`` is a categorical with batch shape ``batch_shape`` (or ``()``)
    over ``K`` classes. ``log_prob(x) = logsumexp_k(log w_k + log p_k(x))``; the mean and
    variance follow from the law of total expectation/variance; the cdf (univariate
    components) is the weighted sum of the components' cdfs. Sampling picks a component and
    then draws from it, which is not differentiable in the mixture weights.

    With ``reparameterize=True`` samples carry implicit reparameterization gradients
    (Figurnov et al., 2018; for the weights these are Graves's 2016 mixture gradients):
    the distributional transform ``u = F(x; theta)`` (the mixture cdf for scalar events;
    for ``Independent`` components, the cdf of each coordinate given the previous ones,
    whose weights are the posterior weights of the components) maps a sample to uniforms
    free of the parameters, so ``dx/dtheta = -(dF/dx)^-1 dF/dtheta``, with ``dF/dx`` lower
    triangular. The sample's value is unchanged; its first derivatives with respect to the
    weights and to every component's parameters are these. Second derivatives of samples
    are not those of the implicit function. This needs reparameterized components that are
    scalar or ``Independent`` over a scalar family with a ``cdf``.

    Args:
        mixture_distribution: e.g. ``pfd.Categorical(logits=...)``.
        components_distribution: a distribution whose last batch dimension is ``K``.
        reparameterize: attach implicit reparameterization gradients to samples.

    Examples:
        >>> import jax.numpy as jnp
        >>> import probflow.distributions as pfd
        >>> d = pfd.MixtureSameFamily(pfd.Categorical(probs=jnp.asarray([0.3, 0.7])),
        ...                           pfd.Normal(jnp.asarray([-1.0, 2.0]), 1.0))
        >>> round(float(d.mean()), 4)
        1.1
        >>> import jax
        >>> def mean_of_draws(locs):
        ...     m = pfd.MixtureSameFamily(pfd.Categorical(probs=jnp.asarray([0.3, 0.7])),
        ...                               pfd.Normal(locs, 1.0), reparameterize=True)
        ...     return m.sample(jax.random.key(0), (4000,)).mean()
        >>> g = jax.grad(mean_of_draws)(jnp.asarray([-1.0, 2.0]))  # about the weights
        >>> [round(float(v), 1) for v in g]
        [0.3, 0.7]
    """

    mixture_distribution: Distribution
    components_distribution: Distribution
    reparameterize: bool = static_field(default=False)

    def __init__(self, mixture_distribution: Distribution, components_distribution: Distribution,
                 reparameterize: bool = False, *, validate_args: bool = False,
                 name: str | None = None):
        _check_categorical("MixtureSameFamily", mixture_distribution)
        if not isinstance(reparameterize, bool):
            raise TypeError(f"MixtureSameFamily: reparameterize must be True or False, got "
                            f"{reparameterize!r}")
        if reparameterize:
            _check_reparameterizable(components_distribution)
        comp_batch = components_distribution.batch_shape
        if not comp_batch:
            raise ShapeError(
                "MixtureSameFamily: components_distribution needs a batch dimension indexing "
                "the components (its batch_shape is ())"
            )
        num = comp_batch[-1]
        weights = _log_weights(mixture_distribution, num)
        if weights.shape[-1] != num:
            raise ShapeError(
                f"MixtureSameFamily: mixture_distribution has {weights.shape[-1]} classes but "
                f"components_distribution has {num} components (its batch_shape is {comp_batch})"
            )
        self._set(mixture_distribution=mixture_distribution,
                  components_distribution=components_distribution,
                  reparameterize=reparameterize, validate_args=validate_args, name=name)

    @property
    def reparameterized(self) -> bool:  # pyright: ignore[reportIncompatibleVariableOverride]
        return self.reparameterize

    @property
    def num_components(self) -> int:
        return self.components_distribution.batch_shape[-1]

    @property
    def batch_shape(self) -> tuple[int, ...]:
        comp = self.components_distribution.batch_shape[:-1]
        return tuple(jnp.broadcast_shapes(comp, self.mixture_distribution.batch_shape))

    @property
    def event_shape(self) -> tuple[int, ...]:
        return self.components_distribution.event_shape

    @property
    def dtype(self) -> Any:
        return self.components_distribution.dtype

    @property
    def support(self) -> constraints.Constraint:
        return self.components_distribution.support

    @property
    def is_discrete(self) -> bool:
        return self.components_distribution.is_discrete

    def _log_w(self):
        return jnp.broadcast_to(_log_weights(self.mixture_distribution, self.num_components),
                                self.batch_shape + (self.num_components,))

    def _component_axis_value(self, value):
        # Insert the component axis in front of the event dimensions.
        return jnp.expand_dims(value, value.ndim - len(self.event_shape))

    def _log_prob(self, value):
        lp = self.components_distribution.log_prob(self._component_axis_value(value))
        return jax.nn.logsumexp(lp + self._log_w(), axis=-1)

    def _sample(self, key, sample_shape):
        key_k, key_x = jax.random.split(key)
        k = self.mixture_distribution.sample(key_k, sample_shape)
        k = jnp.broadcast_to(k, tuple(sample_shape) + self.batch_shape)
        x = self.components_distribution.sample(key_x, sample_shape)
        # x: sample + batch + (K,) + event; pick component k.
        ev = len(self.event_shape)
        index = k.reshape(k.shape + (1,) + (1,) * ev).astype(jnp.int32)
        x = jnp.broadcast_to(x, tuple(sample_shape) + self.batch_shape + (self.num_components,)
                             + tuple(self.event_shape))
        x = jnp.take_along_axis(x, index, axis=-1 - ev).squeeze(-1 - ev)
        if self.reparameterize:
            x = self._implicit_gradients(x)
        return x

    def _distributional_transform(self, x):
        """``F(x)``: each coordinate's cdf given the previous ones (uniforms), shape of ``x``."""
        ev = len(self.event_shape)
        comps = self.components_distribution
        # reparameterize=True checked that event components are Independent
        univariate = cast("Independent", comps).distribution if ev else comps
        padded = self._component_axis_value(x)  # S + B + (1,) + E
        log_p = univariate.log_prob(padded)  # S + B + (K,) + E
        cdf = univariate.cdf(padded)
        size = max(1, int(np.prod(self.event_shape)))
        flat = log_p.reshape(log_p.shape[:log_p.ndim - ev] + (size,))
        before = jnp.cumsum(flat, axis=-1)[..., :-1]  # log p_k(x_<i): an exclusive cumsum
        before = jnp.concatenate([jnp.zeros_like(flat[..., :1]), before], axis=-1)
        before = before.reshape(log_p.shape)
        log_w = self._log_w().reshape(self.batch_shape + (self.num_components,) + (1,) * ev)
        weights = jax.nn.softmax(log_w + before, axis=-1 - ev)
        return jnp.sum(weights * cdf, axis=-1 - ev)

    def _implicit_gradients(self, x):
        """``x`` (same value) whose derivatives are ``-(dF/dx)^-1 dF/dtheta``."""
        x = jax.lax.stop_gradient(x)
        ev = len(self.event_shape)
        u = self._distributional_transform(x)
        if not ev:
            density = jax.lax.stop_gradient(jnp.exp(self._log_prob(x)))
            surrogate = -u / density
        else:
            size = int(np.prod(self.event_shape))
            lead = x.shape[:x.ndim - ev]
            basis = jnp.eye(size, dtype=x.dtype).reshape((size,) + (1,) * len(lead)
                                                         + tuple(self.event_shape))
            basis = jnp.broadcast_to(basis, (size,) + x.shape)
            columns = jax.vmap(lambda t: jax.jvp(self._distributional_transform, (x,),
                                                 (t,))[1])(basis)  # (j,) + lead + E
            jac = jnp.moveaxis(columns.reshape((size,) + lead + (size,)), 0, -1)  # [.., i, j]
            jac = jax.lax.stop_gradient(jac)
            solved = jax.scipy.linalg.solve_triangular(jac, u.reshape(lead + (size, 1)),
                                                       lower=True)
            surrogate = -solved.reshape(x.shape)
        return x + (surrogate - jax.lax.stop_gradient(surrogate))

    def _weights(self):
        w = jnp.exp(self._log_w())
        return w.reshape(w.shape + (1,) * len(self.event_shape))

    def _mean(self):
        return jnp.sum(self._weights() * self.components_distribution.mean(), axis=-1 - len(
            self.event_shape))

    def _variance(self):
        axis = -1 - len(self.event_shape)
        w = self._weights()
        means = self.components_distribution.mean()
        mean = jnp.sum(w * means, axis=axis)
        second = jnp.sum(w * (self.components_distribution.variance() + jnp.square(means)),
                         axis=axis)
        return second - jnp.square(mean)

    def _cdf(self, value):
        if self.event_shape:
            raise UnsupportedError("MixtureSameFamily: cdf needs univariate components")
        return jnp.sum(jnp.exp(self._log_w()) * self.components_distribution.cdf(
            value[..., None]), axis=-1)

    def _log_cdf(self, value):
        if self.event_shape:
            raise UnsupportedError("MixtureSameFamily: log_cdf needs univariate components")
        return jax.nn.logsumexp(self._log_w() + self.components_distribution.log_cdf(
            value[..., None]), axis=-1)


class Mixture(Distribution):
    """Mixture of a list of distributions (possibly of different families).

    ``log_prob(x) = logsumexp_k(log w_k + components[k].log_prob(x))``. All components must
    share batch and event shapes. Mean and variance by the laws of total expectation and
    variance; sampling draws every component and selects (not reparameterized).

    Args:
        cat: categorical distribution over ``len(components)`` classes.
        components: list of distributions.

    Examples:
        >>> import probflow.distributions as pfd
        >>> import jax.numpy as jnp
        >>> d = pfd.Mixture(pfd.Categorical(probs=jnp.asarray([0.5, 0.5])),
        ...                 [pfd.Normal(0.0, 1.0), pfd.Laplace(4.0, 1.0)])
        >>> float(d.mean())
        2.0
    """

    cat: Distribution
    components: tuple[Distribution, ...]

    def __init__(self, cat: Distribution, components: Sequence[Distribution], *,
                 validate_args: bool = False, name: str | None = None):
        _check_categorical("Mixture", cat)
        components = tuple(components)
        if not components:
            raise ValueError("Mixture: components must be a non-empty list of distributions")
        shapes = {(tuple(c.batch_shape), tuple(c.event_shape)) for c in components}
        if len(shapes) != 1:
            raise ShapeError(
                f"Mixture: components must share batch and event shapes, got "
                f"{[(c.batch_shape, c.event_shape) for c in components]}"
            )
        weights = _log_weights(cat, len(components))
        if weights.shape[-1] != len(components):
            raise ShapeError(
                f"Mixture: cat has {weights.shape[-1]} classes but there are {len(components)} "
                f"components"
            )
        self._set(cat=cat, components=components, validate_args=validate_args, name=name)

    @property
    def batch_shape(self) -> tuple[int, ...]:
        return tuple(jnp.broadcast_shapes(self.components[0].batch_shape, self.cat.batch_shape))

    @property
    def event_shape(self) -> tuple[int, ...]:
        return self.components[0].event_shape

    @property
    def dtype(self) -> Any:
        return self.components[0].dtype

    @property
    def support(self) -> constraints.Constraint:
        return self.components[0].support

    @property
    def is_discrete(self) -> bool:
        return self.components[0].is_discrete

    def _log_w(self):
        w = _log_weights(self.cat, len(self.components))
        return jnp.broadcast_to(w, self.batch_shape + (len(self.components),))

    def _log_prob(self, value):
        lps = jnp.stack([c.log_prob(value) for c in self.components], axis=-1)
        return jax.nn.logsumexp(lps + self._log_w(), axis=-1)

    def _sample(self, key, sample_shape):
        keys = jax.random.split(key, len(self.components) + 1)
        k = self.cat.sample(keys[0], sample_shape)
        draws = jnp.stack([c.sample(kk, sample_shape) for c, kk in zip(
            self.components, keys[1:], strict=True)], axis=0)
        ev = len(self.event_shape)
        k = jnp.broadcast_to(k, tuple(sample_shape) + self.batch_shape)
        k = k.reshape(k.shape + (1,) * ev).astype(jnp.int32)
        draws = jnp.broadcast_to(draws, (len(self.components),) + tuple(sample_shape)
                                 + self.batch_shape + tuple(self.event_shape))
        return jnp.take_along_axis(draws, k[None], axis=0)[0]

    def _stacked(self, method):
        ev = len(self.event_shape)
        vals = jnp.stack([jnp.broadcast_to(getattr(c, method)(), self.batch_shape
                                           + tuple(self.event_shape)) for c in self.components],
                         axis=-1 - ev)
        w = jnp.exp(self._log_w())
        return vals, w.reshape(w.shape + (1,) * ev), -1 - ev

    def _mean(self):
        means, w, axis = self._stacked("mean")
        return jnp.sum(w * means, axis=axis)

    def _variance(self):
        means, w, axis = self._stacked("mean")
        variances, _, _ = self._stacked("variance")
        mean = jnp.sum(w * means, axis=axis)
        return jnp.sum(w * (variances + jnp.square(means)), axis=axis) - jnp.square(mean)

    def _cdf(self, value):
        if self.event_shape:
            raise UnsupportedError("Mixture: cdf needs univariate components")
        cdfs = jnp.stack([c.cdf(value) for c in self.components], axis=-1)
        return jnp.sum(jnp.exp(self._log_w()) * cdfs, axis=-1)
