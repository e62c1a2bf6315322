"""Weight-free and simple layers: [`Flatten`][probflow.layers.basic.Flatten],
[`Dropout`][probflow.layers.basic.Dropout], [`Activation`][probflow.layers.basic.Activation],
[`Embedding`][probflow.layers.basic.Embedding]."""

from __future__ import annotations

from collections.abc import Sequence

import jax
import jax.numpy as jnp

from probflow.core.checks import check_count
from probflow.core.deprecation import key_from_positional
from probflow.core.errors import ShapeError
from probflow.layers.base import ActivationLike, Layer, get_activation
from probflow.layers.bayes import _check_prior
from probflow.layers.priors import PriorLike, cast_distribution
from probflow.typing import Array, ArrayLike, DTypeLike, PRNGKey, PyTree

__all__ = ["Flatten", "Dropout", "Activation", "Embedding"]


class Flatten(Layer):
    """Flatten every axis but the batch axis.

    Examples:
        >>> import jax.numpy as jnp
        >>> from probflow import layers
        >>> layers.Flatten().apply({}, jnp.zeros((2, 3, 4)))[0].shape
        (2, 12)
    """

    def __init__(self, name: str | None = None):
        super().__init__(name)

    def _apply(self, params: PyTree, x: Array, key: PRNGKey | None = None, *,
               training: bool = False) -> tuple[Array, Array]:
        """``(x.reshape(batch, -1), 0.0)``."""
        return x.reshape(x.shape[0], -1), jnp.zeros((), x.dtype)


class Activation(Layer):
    """Apply an activation function elementwise.

    Examples:
        >>> import jax.numpy as jnp
        >>> from probflow import layers
        >>> layers.Activation("relu").apply({}, jnp.asarray([[-1.0, 1.0]]))[0]
        Array([[0., 1.]], dtype=float32)
    """

    _config_keys = ("activation",)

    def __init__(self, activation: ActivationLike, name: str | None = None):
        super().__init__(name)
        self.activation = activation
        self._act = get_activation(activation, "Activation")

    def _apply(self, params: PyTree, x: Array, key: PRNGKey | None = None, *,
               training: bool = False) -> tuple[Array, Array]:
        """``(activation(x), 0.0)``."""
        return self._act(x), jnp.zeros((), x.dtype)


class Dropout(Layer):
    """Inverted dropout: zero a fraction ``rate`` of the inputs during training.

    Active when ``training=True`` and a key is given, or always with ``mc=True`` and a key
    (Monte Carlo dropout at prediction time).

    Examples:
        >>> import jax, jax.numpy as jnp
        >>> from probflow import layers
        >>> y, _ = layers.Dropout(0.5).apply({}, jnp.ones((1, 1000)), key=jax.random.key(0),
        ...                                  training=True)
        >>> bool(0.4 < float((y > 0).mean()) < 0.6)
        True
    """

    _config_keys = ("rate", "mc")

    def __init__(self, rate: float, *, mc: bool = False, name: str | None = None):
        super().__init__(name)
        if not (isinstance(rate, int | float) and 0.0 <= rate < 1.0):
            raise ValueError(f"Dropout: rate must be in [0, 1), got {rate!r}")
        self.rate = float(rate)
        self.mc = bool(mc)

    def _apply(self, params: PyTree, x: Array, key: PRNGKey | None = None, *,
               training: bool = False) -> tuple[Array, Array]:
        """``(x * mask / (1 - rate), 0.0)`` when active, else ``(x, 0.0)``."""
        zero = jnp.zeros((), x.dtype)
        if key is None or not (training or self.mc) or self.rate == 0.0:
            return x, zero
        keep = jax.random.bernoulli(key, 1.0 - self.rate, x.shape)
        return jnp.where(keep, x / (1.0 - self.rate), 0.0).astype(x.dtype), zero


class Embedding(Layer):
    """Lookup table from integer ids to dense vectors (deterministic weights).

    Args:
        input_dim: number of ids.
        output_dim: vector size.
        prior: weight prior used by MCMC (standard normal by default).

    Examples:
        >>> import jax, jax.numpy as jnp
        >>> from probflow import layers
        >>> emb = layers.Embedding(10, 3)
        >>> params = emb.init(jax.random.key(0), (5,))
        >>> emb.apply(params, jnp.zeros((2, 5), jnp.int32))[0].shape
        (2, 5, 3)
    """

    _config_keys = ("input_dim", "output_dim", "prior")

    def __init__(self, input_dim: int, output_dim: int, *, prior: PriorLike | None = None,
                 name: str | None = None):
        super().__init__(name)
        self.input_dim = check_count("Embedding", "input_dim", input_dim)
        self.output_dim = check_count("Embedding", "output_dim", output_dim)
        self.prior = _check_prior("Embedding", "prior", prior)

    def init(self, key: PRNGKey, input_shape: Sequence[int],
             dtype: DTypeLike = jnp.float32) -> PyTree:
        """``{"embeddings": (input_dim, output_dim)}`` with N(0, 0.05^2) entries."""
        if not jnp.issubdtype(dtype, jnp.floating):
            dtype = jnp.float32
        return {"embeddings": 0.05 * jax.random.normal(key, (self.input_dim, self.output_dim),
                                                       dtype)}

    def _apply(self, params: PyTree, x: Array, key: PRNGKey | None = None, *,
               training: bool = False) -> tuple[Array, Array]:
        """``(embeddings[x], 0.0)``."""
        return self.apply_weights(params, x), jnp.zeros((), params["embeddings"].dtype)

    def apply_weights(self, weights: PyTree, x: Array, *_old_key: PRNGKey,
                      key: PRNGKey | None = None, training: bool = False) -> Array:
        """``embeddings[x]`` (``key`` is unused; keyword-only)."""
        key_from_positional("Embedding.apply_weights", key, _old_key,
                            old="apply_weights(weights, x, key)",
                            new="apply_weights(weights, x, key=key)")
        if not jnp.issubdtype(x.dtype, jnp.integer):
            raise ShapeError(f"Embedding: input must hold integer ids, got dtype {x.dtype}")
        return jnp.take(weights["embeddings"], x, axis=0)

    def point_weights(self, params: PyTree) -> PyTree:
        """The table itself."""
        return params

    def with_point_weights(self, params: PyTree, weights: PyTree) -> PyTree:
        """``weights``."""
        return weights

    def log_prior(self, weights: PyTree) -> ArrayLike:
        """Prior log density of the table (for MCMC)."""
        w = weights["embeddings"]
        return jnp.sum(cast_distribution(self.prior, w.dtype).log_prob(w))
