"""The [`Layer`][probflow.layers.base.Layer] protocol shared by every layer, activations and the
layer registry.

A layer is configuration only (sizes, activation name, priors). Its trainable numbers live
in a separate PyTree made by [`Layer.init`][probflow.layers.base.Layer.init];
[`Layer.apply`][probflow.layers.base.Layer.apply] is a pure function of
those numbers, so it works inside a user's own optax loop and under ``jit``/``vmap``/``grad``.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from typing import Any, ClassVar, TypeAlias

import jax
import jax.numpy as jnp

from probflow.core.deprecation import key_from_positional
from probflow.typing import Array, ArrayLike, DTypeLike, PRNGKey, PyTree, Shape

__all__ = ["Layer", "get_activation", "layer_from_config", "ACTIVATIONS"]

#: An activation: a name in ``ACTIVATIONS``, a function of an array, or ``None`` (linear).
ActivationLike: TypeAlias = str | Callable[[Array], Array] | None

ACTIVATIONS: dict[str, Callable[[Array], Array]] = {
    "linear": lambda x: x,
    "relu": jax.nn.relu,
    "tanh": jnp.tanh,
    "sigmoid": jax.nn.sigmoid,
    "softplus": jax.nn.softplus,
    "gelu": jax.nn.gelu,
    "elu": jax.nn.elu,
    "selu": jax.nn.selu,
    "silu": jax.nn.silu,
    "swish": jax.nn.silu,
    "leaky_relu": jax.nn.leaky_relu,
    "softmax": jax.nn.softmax,
    "log_softmax": jax.nn.log_softmax,
}

_REGISTRY: dict[str, type] = {}


def get_activation(activation: ActivationLike, owner: str = "layer") -> Callable[[Array], Array]:
    """Resolve an activation name (or ``None`` for linear, or a callable) to a function.

    Examples:
        >>> import jax.numpy as jnp
        >>> get_activation("relu")(jnp.asarray([-1.0, 2.0]))
        Array([0., 2.], dtype=float32)
    """
    if activation is None:
        return ACTIVATIONS["linear"]
    if callable(activation):
        return activation
    if isinstance(activation, str) and activation in ACTIVATIONS:
        return ACTIVATIONS[activation]
    raise ValueError(f"{owner}: activation must be None, a callable or one of "
                     f"{sorted(ACTIVATIONS)}, got {activation!r}")


class Layer:
    """Base class of all layers: configuration plus pure ``init``/``apply`` functions.

    Subclasses implement [`init`][probflow.layers.base.Layer.init] and
    [`apply`][probflow.layers.base.Layer.apply]; layers with weights that MCMC can
    sample also implement [`point_weights`][probflow.layers.base.Layer.point_weights],
    [`apply_weights`][probflow.layers.base.Layer.apply_weights] and
    [`log_prior`][probflow.layers.base.Layer.log_prior].
    Constructor arguments named in ``_config_keys`` are saved by
    [`get_config`][probflow.layers.base.Layer.get_config].

    Examples:
        >>> import jax, jax.numpy as jnp
        >>> from probflow import layers
        >>> layer = layers.Activation("tanh")
        >>> y, kl = layer.apply(layer.init(jax.random.key(0), (3,)), jnp.zeros((2, 3)))
        >>> y.shape, float(kl)
        ((2, 3), 0.0)
    """

    _config_keys: ClassVar[tuple[str, ...]] = ()
    is_bayesian: ClassVar[bool] = False
    is_head: ClassVar[bool] = False

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        _REGISTRY[cls.__name__] = cls

    def __init__(self, name: str | None = None):
        self.name = name if name is not None else type(self).__name__.lower()

    # -- the functional core ----------------------------------------------------------------
    def init(self, key: PRNGKey, input_shape: Sequence[int],
             dtype: DTypeLike = jnp.float32) -> PyTree:
        """Return this layer's parameter PyTree for inputs of shape ``(batch,) + input_shape``."""
        del key, input_shape, dtype
        return {}

    def apply(self, params: PyTree, x: ArrayLike, *_old_key: PRNGKey, key: PRNGKey | None = None,
              training: bool = False) -> tuple[Any, Array]:
        """Return ``(output, kl)``; ``key=None`` uses the surrogate means (no sampling).

        The output is an array (a distribution for heads)

        Pure and compiled once per input shape (``jax.jit`` with ``training`` static), so
        eager calls are fast; inside a user's ``jit``/``vmap``/``grad`` it is inlined.

        ``key`` is keyword-only (the key rule of ``docs/architecture.md``: a key that may be
        omitted is passed as ``key=``); the old positional ``apply(params, x, key)`` still
        works for one release, with a ``DeprecationWarning``.

        Examples:
            >>> import jax, jax.numpy as jnp
            >>> from probflow import layers
            >>> d = layers.DenseFlipout(2)
            >>> params = d.init(jax.random.key(0), (3,))
            >>> y, kl = d.apply(params, jnp.ones((4, 3)), key=jax.random.key(1), training=True)
            >>> y.shape
            (4, 2)
        """
        key = key_from_positional(f"{type(self).__name__}.apply", key, _old_key,
                                  old="apply(params, x, key)", new="apply(params, x, key=key)")
        fn = self.__dict__.get("_jitted_apply")
        if fn is None:
            fn = jax.jit(self._apply, static_argnames=("training",))
            self._jitted_apply = fn
        return fn(params, x, key, training=bool(training))

    def _apply(self, params: PyTree, x: Array, key: PRNGKey | None = None, *,
               training: bool = False) -> tuple[Any, Array]:
        raise NotImplementedError

    def output_shape(self, params: PyTree, input_shape: Sequence[int],
                     input_dtype: DTypeLike = jnp.float32) -> Shape | None:
        """Shape of one example's output (no batch axis), by abstract evaluation.

        Examples:
            >>> import jax
            >>> from probflow import layers
            >>> d = layers.Dense(4)
            >>> d.output_shape(d.init(jax.random.key(0), (3,)), (3,))
            (4,)
        """
        spec = jax.ShapeDtypeStruct((1,) + tuple(input_shape), input_dtype)
        out = jax.eval_shape(lambda p, x: self.apply(p, x)[0], params, spec)
        if isinstance(out, jax.ShapeDtypeStruct):
            return tuple(out.shape[1:])
        return None

    # -- MCMC support ---------------------------------------------------------------------
    def point_weights(self, params: PyTree) -> PyTree:
        """The weights MCMC samples (a PyTree), at their surrogate means."""
        del params
        return {}

    def apply_weights(self, weights: PyTree, x: Array, *_old_key: PRNGKey,
                      key: PRNGKey | None = None, training: bool = False) -> Any:
        """Output for fixed weights (the MCMC counterpart of
        [`apply`][probflow.layers.base.Layer.apply]); ``key=`` keyword-only, as there."""
        del weights
        key = key_from_positional(f"{type(self).__name__}.apply_weights", key, _old_key,
                                  old="apply_weights(weights, x, key)",
                                  new="apply_weights(weights, x, key=key)")
        return self.apply({}, x, key=key, training=training)[0]

    def log_prior(self, weights: PyTree) -> ArrayLike:
        """Prior log density of [`point_weights`][probflow.layers.base.Layer.point_weights]-shaped
        weights."""
        del weights
        return jnp.zeros(())

    def with_point_weights(self, params: PyTree, weights: PyTree) -> PyTree:
        """Parameters whose surrogate means are ``weights`` (used to warm-start MCMC)."""
        del weights
        return params

    # -- configuration ----------------------------------------------------------------------
    def get_config(self) -> dict[str, Any]:
        """JSON-ready description; `layer_from_config` rebuilds the layer.

        Examples:
            >>> from probflow import layers
            >>> layers.Dense(3, activation="relu").get_config()["units"]
            3
        """
        from probflow.layers.priors import encode

        config = {"class": type(self).__name__, "name": self.name}
        for k in self._config_keys:
            config[k] = encode(getattr(self, k), f"{type(self).__name__}.{k}")
        return config

    def __repr__(self) -> str:
        args = ", ".join(f"{k}={getattr(self, k)!r}" for k in self._config_keys)
        return f"{type(self).__name__}({args})"


def layer_from_config(config: dict[str, Any]) -> Layer:
    """Rebuild a layer from [`Layer.get_config`][probflow.layers.base.Layer.get_config]'s
    dictionary.

    Examples:
        >>> from probflow import layers
        >>> layer = layers.layer_from_config(layers.DenseFlipout(5, activation="relu").get_config())
        >>> type(layer).__name__, layer.units, layer.activation
        ('DenseFlipout', 5, 'relu')
    """
    from probflow.layers.priors import decode

    if not isinstance(config, dict) or config.get("class") not in _REGISTRY:
        known = sorted(_REGISTRY)
        got = config.get("class") if isinstance(config, dict) else config
        raise ValueError(f"layer_from_config: unknown layer class {got!r}; known: {known}")
    cls = _REGISTRY[config["class"]]
    kwargs = {k: decode(v) for k, v in config.items() if k != "class"}
    return cls(**kwargs)


def glorot_normal(key: PRNGKey, shape: Sequence[int], fan_in: int, fan_out: int,
                  dtype: DTypeLike) -> Array:
    """Glorot (Xavier) normal initialisation.

    Examples:
        >>> import jax, jax.numpy as jnp
        >>> glorot_normal(jax.random.key(0), (3, 2), 3, 2, jnp.float32).shape
        (3, 2)
    """
    std = math.sqrt(2.0 / (fan_in + fan_out))
    return std * jax.random.normal(key, shape, dtype)
