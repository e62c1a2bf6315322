"""Shared machinery of the Bayesian weight layers (dense and convolutional).

A Bayesian layer holds a mean-field surrogate over its kernel and bias and a prior for each.
Subclasses give the linear map
([`BayesianLayer._linear`][probflow.layers.bayes.BayesianLayer._linear]), the kernel shape and the
fans; this class provides the three gradient estimators:

- ``"reparameterization"``: one weight draw per call, shared by the batch;
- ``"flipout"`` (Wen et al., 2018): the mean output plus the shared weight perturbation
  decorrelated across examples with random sign flips of inputs and outputs;
- ``"local_reparameterization"`` (Kingma et al., 2015): sample the pre-activations,
  whose Gaussian mean and variance follow from a normal surrogate.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Literal, TypeAlias

import jax
import jax.numpy as jnp

from probflow import distributions as pfd
from probflow.layers.base import ActivationLike, Layer, get_activation
from probflow.layers.priors import (
    KLMethod,
    MeanField,
    PriorLike,
    cast_distribution,
    default_prior,
    kl_term,
    uniform_and_signs,
)
from probflow.typing import Array, ArrayLike, DTypeLike, PRNGKey, PyTree

__all__ = ["BayesianLayer", "ESTIMATORS"]

ESTIMATORS = ("reparameterization", "flipout", "local_reparameterization")

#: The gradient estimator of a Bayesian layer (one of ``ESTIMATORS``).
Estimator: TypeAlias = Literal["reparameterization", "flipout", "local_reparameterization"]


def _check_prior(owner: str, name: str, prior: PriorLike | None) -> PriorLike:
    if prior is None:
        return default_prior()
    if not hasattr(prior, "log_prob"):
        raise TypeError(f"{owner}: {name} must be a probflow distribution (e.g. "
                        f"pfd.Normal(0.0, 1.0)) or ScaleMixturePrior, got {prior!r}")
    return prior


def _computed_once(value: Array, uniform: Array) -> Array:
    """``value`` unchanged, computed once instead of once per use.

    XLA fuses cheap elementwise producers into each of their consumers, also into one that
    broadcasts them: the bias draw (with the polynomial of the inverse normal CDF) would be
    recomputed for every example of the batch, in the forward and again in the backward pass,
    and the local reparameterization's output noise once for each product and gradient that
    uses it. XLA does not duplicate a division by an array, so ``value / max(uniform, 1)``,
    exactly ``value`` for ``uniform`` in ``(0, 1)`` of ``value``'s shape (XLA cannot know that
    the divisor is 1), is computed once and stored. On CPU this takes 10-25% off an epoch of
    the 64-128-10 MLP of ``benchmarks/bnn.py`` (the weights' own standard draws are cheaper
    recomputed than stored there, so they are left to XLA). ``jax.lax.optimization_barrier``
    cannot do this: XLA's CPU pipeline removes it before fusion; nor can a divisor that is a
    scalar or itself a quotient, which XLA's simplifier turns into a product.
    """
    return value / jnp.maximum(uniform, jnp.ones((), uniform.dtype))


class BayesianLayer(Layer):
    """Base of layers with a mean-field variational posterior over kernel and bias.

    Examples:
        >>> import jax, jax.numpy as jnp
        >>> from probflow import layers
        >>> layer = layers.DenseFlipout(2)
        >>> params = layer.init(jax.random.key(0), (3,))
        >>> sorted(params), sorted(params["kernel"])
        (['bias', 'kernel'], ['loc', 'rho'])
    """

    is_bayesian = True
    estimator: Estimator = "reparameterization"
    kl_method: KLMethod

    def _setup(self, activation: ActivationLike, use_bias: bool, kernel_prior: PriorLike | None,
               bias_prior: PriorLike | None, surrogate: MeanField | None,
               kl_method: KLMethod, estimator: Estimator) -> None:
        owner = type(self).__name__
        self.activation = activation
        self._act = get_activation(activation, owner)
        self.use_bias = bool(use_bias)
        self.kernel_prior = _check_prior(owner, "kernel_prior", kernel_prior)
        self.bias_prior = _check_prior(owner, "bias_prior", bias_prior)
        surrogate = MeanField() if surrogate is None else surrogate
        if not isinstance(surrogate, MeanField):
            raise TypeError(f"{owner}: surrogate must be a pf.layers.MeanField, got "
                            f"{surrogate!r}")
        self.surrogate = surrogate
        if kl_method not in ("auto", "analytic", "mc"):
            raise ValueError(f"{owner}: kl_method must be 'auto', 'analytic' or 'mc', got "
                             f"{kl_method!r}")
        self.kl_method = kl_method
        if estimator not in ESTIMATORS:
            raise ValueError(f"{owner}: estimator must be one of {ESTIMATORS}, got "
                             f"{estimator!r}")
        if estimator == "local_reparameterization" and surrogate.family != "Normal":
            raise ValueError(f"{owner}: the local reparameterization needs a Normal "
                             f"surrogate, got family {surrogate.family!r}")
        self.estimator = estimator

    # -- subclass hooks -------------------------------------------------------------------
    def _kernel_shape(self, input_shape: Sequence[int]) -> tuple[int, ...]:
        raise NotImplementedError

    def _bias_shape(self) -> tuple[int, ...]:
        raise NotImplementedError

    def _fans(self, input_shape: Sequence[int]) -> tuple[int, int]:
        raise NotImplementedError

    def _linear(self, x: Array, kernel: Array) -> Array:
        raise NotImplementedError

    def _check_input(self, x: Array) -> None:
        pass

    def _channel_shape(self, x: Array) -> tuple[int, ...]:
        """Shape of the flipout input signs: per example and input channel."""
        return x.shape[:1] + (1,) * (x.ndim - 2) + x.shape[-1:]

    # -- parameters ------------------------------------------------------------------------
    def init(self, key: PRNGKey, input_shape: Sequence[int],
             dtype: DTypeLike = jnp.float32) -> PyTree:
        """Surrogate parameters ``{"kernel": {"loc", "rho"}, "bias": {"loc", "rho"}}``."""
        input_shape = tuple(input_shape)
        fan_in, fan_out = self._fans(input_shape)
        k1, k2 = jax.random.split(key)
        params = {"kernel": self.surrogate.init(k1, self._kernel_shape(input_shape),
                                                fan_in=fan_in, fan_out=fan_out, dtype=dtype)}
        if self.use_bias:
            params["bias"] = self.surrogate.init(k2, self._bias_shape(), fan_in=fan_in,
                                                 fan_out=fan_out, dtype=dtype, zero_loc=True)
        return params

    def _q(self, params: PyTree, part: str) -> pfd.Distribution:
        return self.surrogate.distribution(params[part])

    def _prior(self, part: str, dtype: DTypeLike) -> PriorLike:
        prior = self.kernel_prior if part == "kernel" else self.bias_prior
        return cast_distribution(prior, dtype)

    def _kl(self, params: PyTree, samples: dict[str, Any]) -> Array:
        total = 0.0
        for part in params:
            q = self._q(params, part)
            prior = self._prior(part, params[part]["loc"].dtype)
            total = total + kl_term(q, prior, samples.get(part), self.kl_method)
        return jnp.asarray(total, params["kernel"]["loc"].dtype)

    # -- forward -----------------------------------------------------------------------------
    def _apply(self, params: PyTree, x: Array, key: PRNGKey | None = None, *,
               training: bool = False) -> tuple[Array, Array]:
        """``(activation(x W + b), KL(q || prior))`` with weights drawn from the surrogate.

        With ``key=None`` the surrogate means are used (a deterministic pass).
        """
        del training
        self._check_input(x)
        dtype = params["kernel"]["loc"].dtype
        if key is None:
            y = self._linear(x, params["kernel"]["loc"])
            if self.use_bias:
                y = y + params["bias"]["loc"]
            return self._act(y), self._kl(params, {})
        parts = list(params)
        shapes = [params[part]["loc"].shape for part in parts]
        y_mean: Array | None = None  # flipout: the output at the surrogate means
        mean: Array | None = None  # local reparameterization: the pre-activations' mean
        if self.estimator == "flipout":
            y_mean = self._linear(x, params["kernel"]["loc"])
            signs = [self._channel_shape(x), self._channel_shape(y_mean)]
        elif self.estimator == "local_reparameterization":
            mean = self._linear(x, params["kernel"]["loc"])
            signs = []
            shapes.append(mean.shape)
        else:
            signs = []
        uniforms, signs = uniform_and_signs(key, shapes, signs, dtype)
        samples = {part: self.surrogate.sample_from_uniform(params[part], u)
                   for part, u in zip(parts, uniforms, strict=False)}
        if self.estimator == "reparameterization":
            y = self._linear(x, samples["kernel"])
        elif self.estimator == "flipout":
            assert y_mean is not None
            delta = samples["kernel"] - params["kernel"]["loc"]
            y = y_mean + self._linear(x * signs[0], delta) * signs[1]
        else:  # local reparameterization: sample the pre-activations
            scale = jax.nn.softplus(params["kernel"]["rho"])
            var = self._linear(jnp.square(x), jnp.square(scale))
            z = _computed_once(self.surrogate.standard_from_uniform(uniforms[-1]), uniforms[-1])
            assert mean is not None
            y = mean + jnp.sqrt(var + 1e-30) * z
        if self.use_bias:
            y = y + _computed_once(samples["bias"], uniforms[parts.index("bias")])
        return self._act(y), self._kl(params, samples)

    # -- MCMC support ------------------------------------------------------------------------
    def point_weights(self, params: PyTree) -> PyTree:
        """``{"kernel": loc, "bias": loc}``: the surrogate means."""
        return {part: params[part]["loc"] for part in params}

    def with_point_weights(self, params: PyTree, weights: PyTree) -> PyTree:
        """Parameters with the surrogate means replaced by ``weights``."""
        return {part: {**params[part], "loc": weights[part]} for part in params}

    def apply_weights(self, weights: PyTree, x: Array, *_old_key: PRNGKey,
                      key: PRNGKey | None = None, training: bool = False) -> Array:
        """``activation(x W + b)`` for given weights."""
        del key, training
        self._check_input(x)
        y = self._linear(x, weights["kernel"])
        if self.use_bias:
            y = y + weights["bias"]
        return self._act(y)

    def log_prior(self, weights: PyTree) -> ArrayLike:
        """Sum of the kernel and bias prior log densities."""
        total = 0.0
        for part, w in weights.items():
            total = total + jnp.sum(self._prior(part, w.dtype).log_prob(w))
        return total
