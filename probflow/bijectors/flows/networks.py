"""Conditioner networks for flows: plain functions of PyTree parameters.

``mlp_init``/``mlp_apply`` build a dense network; ``made_init``/``made_apply`` a MADE
(masked autoencoder for distribution estimation, Germain et al. 2015) whose output ``i``
depends only on inputs ``< i``. Masks are derived from static sizes inside ``apply``, so
the parameter PyTree holds only trainable weights.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence

import jax
import jax.numpy as jnp
import numpy as np

from probflow.typing import Array, DTypeLike, PRNGKey

__all__ = ["mlp_init", "mlp_apply", "made_init", "made_apply", "made_masks"]


def _dense_init(key: PRNGKey, fan_in: int, fan_out: int, dtype: DTypeLike,
                zero: bool = False) -> dict[str, Array]:
    if zero:
        return {"w": jnp.zeros((fan_in, fan_out), dtype), "b": jnp.zeros((fan_out,), dtype)}
    w = jax.random.normal(key, (fan_in, fan_out), dtype) * math.sqrt(1.0 / fan_in)
    return {"w": w, "b": jnp.zeros((fan_out,), dtype)}


def mlp_init(key: PRNGKey, in_size: int, out_size: int, hidden_units: Sequence[int] = (64, 64),
             dtype: DTypeLike = jnp.float32, zero_last: bool = True) -> list[dict[str, Array]]:
    """Parameters of a dense network ``in_size -> hidden_units -> out_size``.

    The last layer starts at zero (``zero_last``), so a flow built on it starts as the
    identity, which makes training stable.

    Examples:
        >>> import jax
        >>> params = mlp_init(jax.random.key(0), 2, 4, hidden_units=(8,))
        >>> mlp_apply(params, jax.numpy.ones(2)).shape
        (4,)
    """
    sizes = (in_size, *hidden_units, out_size)
    keys = jax.random.split(key, len(sizes) - 1)
    return [
        _dense_init(k, a, b, dtype, zero=zero_last and i == len(sizes) - 2)
        for i, (k, a, b) in enumerate(zip(keys, sizes[:-1], sizes[1:], strict=True))
    ]


def mlp_apply(params: Sequence[Mapping[str, Array]], x: Array,
              activation: Callable[[Array], Array] = jax.nn.relu) -> Array:
    """Apply the dense network (``x`` of shape ``batch + (in_size,)``).

    Examples:
        >>> import jax, jax.numpy as jnp
        >>> params = mlp_init(jax.random.key(0), 3, 2, hidden_units=(4,))
        >>> mlp_apply(params, jnp.ones((5, 3))).shape
        (5, 2)
    """
    for layer in params[:-1]:
        x = activation(x @ layer["w"] + layer["b"])
    return x @ params[-1]["w"] + params[-1]["b"]


def made_masks(event_size: int, hidden_units: Sequence[int],
               params_per_dim: int) -> list[np.ndarray]:
    """Masks of a MADE with inputs ordered ``1..D``; output ``i`` sees inputs ``< i``.

    Returns NumPy boolean masks ``(fan_in, fan_out)``, one per layer. Hidden degrees cycle
    through ``1..D-1``; the output block is ``params_per_dim`` copies of ``1..D``
    (shape ``(.., D * params_per_dim)``, parameter-major).

    Examples:
        >>> [m.shape for m in made_masks(3, (4,), 2)]
        [(3, 4), (4, 6)]
    """
    in_degrees = np.arange(1, event_size + 1)
    masks = []
    prev = in_degrees
    for units in hidden_units:
        degrees = (np.arange(units) % max(event_size - 1, 1)) + 1
        masks.append(degrees[None, :] >= prev[:, None])
        prev = degrees
    out_degrees = np.tile(in_degrees, params_per_dim)
    masks.append(out_degrees[None, :] > prev[:, None])
    return masks


def made_init(key: PRNGKey, event_size: int, hidden_units: Sequence[int] = (64, 64),
              params_per_dim: int = 2, dtype: DTypeLike = jnp.float32) -> list[dict[str, Array]]:
    """Parameters of a MADE with ``params_per_dim`` outputs per input dimension.

    Examples:
        >>> import jax, jax.numpy as jnp
        >>> params = made_init(jax.random.key(0), 3, hidden_units=(16,))
        >>> made_apply(params, jnp.ones(3), event_size=3, hidden_units=(16,)).shape
        (2, 3)
    """
    return mlp_init(key, event_size, event_size * params_per_dim, hidden_units, dtype)


def made_apply(params: Sequence[Mapping[str, Array]], x: Array, *, event_size: int,
               hidden_units: Sequence[int], params_per_dim: int = 2,
               activation: Callable[[Array], Array] = jax.nn.relu) -> Array:
    """Apply the MADE; returns ``batch + (params_per_dim, event_size)``.

    Examples:
        >>> import jax, jax.numpy as jnp
        >>> params = made_init(jax.random.key(0), 4, hidden_units=(8,), params_per_dim=3)
        >>> made_apply(params, jnp.ones(4), event_size=4, hidden_units=(8,), params_per_dim=3).shape
        (3, 4)
    """
    masks = made_masks(event_size, tuple(hidden_units), params_per_dim)
    h = x
    for i, (layer, mask) in enumerate(zip(params, masks, strict=True)):
        h = h @ (layer["w"] * jnp.asarray(mask, layer["w"].dtype)) + layer["b"]
        if i < len(params) - 1:
            h = activation(h)
    return h.reshape(h.shape[:-1] + (params_per_dim, event_size))
