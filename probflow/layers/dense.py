"""Fully connected layers: deterministic [`Dense`][probflow.layers.dense.Dense] and its Bayesian
variants."""

from __future__ import annotations

from collections.abc import Sequence
from typing import ClassVar

import jax
import jax.numpy as jnp

from probflow.core.checks import check_count
from probflow.core.errors import ShapeError
from probflow.layers.base import ActivationLike, Layer, get_activation, glorot_normal
from probflow.layers.bayes import BayesianLayer, Estimator, _check_prior
from probflow.layers.priors import KLMethod, MeanField, PriorLike, cast_distribution
from probflow.typing import Array, ArrayLike, DTypeLike, PRNGKey, PyTree

__all__ = [
    "Dense",
    "DenseVariational",
    "DenseReparameterization",
    "DenseFlipout",
    "DenseLocalReparameterization",
]


def _check_features(owner: str, x: Array, expected: int | None = None) -> None:
    if x.ndim < 2:
        raise ShapeError(f"{owner}: input must have shape (batch, ..., features), got shape "
                         f"{tuple(x.shape)}")
    if expected is not None and x.shape[-1] != expected:
        raise ShapeError(f"{owner}: input has {x.shape[-1]} features (shape {tuple(x.shape)}), "
                         f"expected {expected}")


class Dense(Layer):
    """Deterministic fully connected layer ``activation(x @ kernel + bias)``.

    Under [`sample_posterior`][probflow.layers.sequential.Sequential.sample_posterior] its weights
    are sampled too,
    with ``prior`` (standard normal by default).

    Args:
        units: output features.
        activation: name (``"relu"``, ``"tanh"``, ...), callable or ``None`` (linear).
        use_bias: add a bias.
        prior: weight prior used only by MCMC.
        name: layer name.

    Examples:
        >>> import jax, jax.numpy as jnp
        >>> from probflow import layers
        >>> d = layers.Dense(4, activation="relu")
        >>> params = d.init(jax.random.key(0), (3,))
        >>> y, kl = d.apply(params, jnp.ones((2, 3)))
        >>> y.shape
        (2, 4)
    """

    _config_keys = ("units", "activation", "use_bias", "prior")

    def __init__(self, units: int, activation: ActivationLike = None, *, use_bias: bool = True,
                 prior: PriorLike | None = None, name: str | None = None):
        super().__init__(name)
        self.units = check_count("Dense", "units", units)
        self.activation = activation
        self._act = get_activation(activation, "Dense")
        self.use_bias = bool(use_bias)
        self.prior = _check_prior("Dense", "prior", prior)

    def init(self, key: PRNGKey, input_shape: Sequence[int],
             dtype: DTypeLike = jnp.float32) -> PyTree:
        """``{"kernel": (in, units), "bias": (units,)}``, Glorot-normal kernel, zero bias."""
        fan_in = int(input_shape[-1])
        params = {"kernel": glorot_normal(key, (fan_in, self.units), fan_in, self.units, dtype)}
        if self.use_bias:
            params["bias"] = jnp.zeros((self.units,), dtype)
        return params

    def _apply(self, params: PyTree, x: Array, key: PRNGKey | None = None, *,
               training: bool = False) -> tuple[Array, Array]:
        """``(activation(x @ kernel + bias), 0.0)``."""
        return self.apply_weights(params, x), jnp.zeros((), params["kernel"].dtype)

    def point_weights(self, params: PyTree) -> PyTree:
        """The weights themselves."""
        return params

    def with_point_weights(self, params: PyTree, weights: PyTree) -> PyTree:
        """``weights``."""
        return weights

    def apply_weights(self, weights: PyTree, x: Array, *_old_key: PRNGKey,
                      key: PRNGKey | None = None, training: bool = False) -> Array:
        """``activation(x @ kernel + bias)``."""
        _check_features("Dense", x, weights["kernel"].shape[0])
        y = x @ weights["kernel"]
        if self.use_bias:
            y = y + weights["bias"]
        return self._act(y)

    def log_prior(self, weights: PyTree) -> ArrayLike:
        """Prior log density of the weights (for MCMC)."""
        return sum(jnp.sum(cast_distribution(self.prior, w.dtype).log_prob(w))
                   for w in jax.tree_util.tree_leaves(weights))


class DenseVariational(BayesianLayer):
    """Bayesian fully connected layer with any prior, surrogate family and estimator.

    ``y = activation(x W + b)`` with ``W, b ~ q`` (mean field, ``surrogate``), and the
    layer's KL divergence ``KL(q || prior)`` (closed form when registered, Monte Carlo
    otherwise) returned next to the output.

    Args:
        units: output features.
        activation: name, callable or ``None``.
        use_bias: learn a bias (with its own surrogate and prior).
        kernel_prior, bias_prior: elementwise priors (probflow distributions, e.g.
            ``pfd.Laplace(0.0, 0.5)``, or
            [`ScaleMixturePrior`][probflow.layers.priors.ScaleMixturePrior]);
            standard normal by default.
        surrogate: [`MeanField`][probflow.layers.priors.MeanField] (default normal, scales start at
            1e-3).
        kl_method: ``"auto"`` (closed form if registered), ``"analytic"`` or ``"mc"``.
        estimator: ``"reparameterization"``, ``"flipout"`` or ``"local_reparameterization"``.
        name: layer name.

    Examples:
        >>> import jax, jax.numpy as jnp
        >>> import probflow.distributions as pfd
        >>> from probflow import layers
        >>> d = layers.DenseVariational(3, kernel_prior=pfd.Laplace(0.0, 1.0),
        ...                             surrogate=layers.MeanField("Laplace"))
        >>> params = d.init(jax.random.key(0), (2,))
        >>> y, kl = d.apply(params, jnp.ones((4, 2)), jax.random.key(1))
        >>> y.shape, kl.shape
        ((4, 3), ())
    """

    _config_keys = ("units", "activation", "use_bias", "kernel_prior", "bias_prior",
                    "surrogate", "kl_method", "estimator")
    _default_estimator: ClassVar[Estimator] = "reparameterization"

    def __init__(self, units: int, activation: ActivationLike = None, *, use_bias: bool = True,
                 kernel_prior: PriorLike | None = None, bias_prior: PriorLike | None = None,
                 surrogate: MeanField | None = None, kl_method: KLMethod = "auto",
                 estimator: Estimator | None = None, name: str | None = None):
        super().__init__(name)
        owner = type(self).__name__
        self.units = check_count(owner, "units", units)
        estimator = self._default_estimator if estimator is None else estimator
        self._setup(activation, use_bias, kernel_prior, bias_prior, surrogate, kl_method,
                    estimator)

    def _kernel_shape(self, input_shape: Sequence[int]) -> tuple[int, ...]:
        return (int(input_shape[-1]), self.units)

    def _bias_shape(self) -> tuple[int, ...]:
        return (self.units,)

    def _fans(self, input_shape: Sequence[int]) -> tuple[int, int]:
        return int(input_shape[-1]), self.units

    def _check_input(self, x: Array) -> None:
        _check_features(type(self).__name__, x)

    def _linear(self, x: Array, kernel: Array) -> Array:
        if x.shape[-1] != kernel.shape[0]:
            raise ShapeError(f"{type(self).__name__}: input has {x.shape[-1]} features (shape "
                             f"{tuple(x.shape)}), expected {kernel.shape[0]}")
        return x @ kernel


class DenseReparameterization(DenseVariational):
    """Bayesian dense layer, reparameterization estimator (one weight draw per batch).

    Examples:
        >>> import jax, jax.numpy as jnp
        >>> from probflow import layers
        >>> d = layers.DenseReparameterization(2)
        >>> y, kl = d.apply(d.init(jax.random.key(0), (3,)), jnp.ones((5, 3)), jax.random.key(1))
        >>> y.shape
        (5, 2)
    """

    _config_keys = ("units", "activation", "use_bias", "kernel_prior", "bias_prior",
                    "surrogate", "kl_method")
    _default_estimator: ClassVar[Estimator] = "reparameterization"

    def __init__(self, units: int, activation: ActivationLike = None, *, use_bias: bool = True,
                 kernel_prior: PriorLike | None = None, bias_prior: PriorLike | None = None,
                 surrogate: MeanField | None = None, kl_method: KLMethod = "auto",
                 name: str | None = None):
        super().__init__(units, activation, use_bias=use_bias, kernel_prior=kernel_prior,
                         bias_prior=bias_prior, surrogate=surrogate, kl_method=kl_method,
                         name=name)


class DenseFlipout(DenseReparameterization):
    """Bayesian dense layer with the Flipout estimator (Wen et al., 2018).

    One weight perturbation per batch, decorrelated between examples by random signs on the
    inputs and outputs, so the gradient has the same expectation as the reparameterization
    estimator with (usually much) lower variance.

    Examples:
        >>> import jax, jax.numpy as jnp
        >>> from probflow import layers
        >>> d = layers.DenseFlipout(2, activation="relu")
        >>> y, kl = d.apply(d.init(jax.random.key(0), (3,)), jnp.ones((5, 3)), jax.random.key(1))
        >>> y.shape
        (5, 2)
    """

    _default_estimator = "flipout"


class DenseLocalReparameterization(DenseReparameterization):
    """Bayesian dense layer with the local reparameterization trick (Kingma et al., 2015).

    Pre-activations are sampled from their Gaussian distribution given the inputs, which
    needs a normal surrogate.

    Examples:
        >>> import jax, jax.numpy as jnp
        >>> from probflow import layers
        >>> d = layers.DenseLocalReparameterization(2)
        >>> y, kl = d.apply(d.init(jax.random.key(0), (3,)), jnp.ones((5, 3)), jax.random.key(1))
        >>> y.shape
        (5, 2)
    """

    _default_estimator = "local_reparameterization"
