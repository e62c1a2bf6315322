"""PRNG key helpers: accept typed keys (``jax.random.key``) and raw ``PRNGKey`` arrays alike."""

from __future__ import annotations

import jax
import jax.numpy as jnp

from probflow.typing import PRNGKey

__all__ = ["as_key", "as_typed_key", "split"]


def as_key(key: PRNGKey) -> PRNGKey:
    """Check that ``key`` is a JAX PRNG key and return it unchanged.

    Both new-style typed keys (``jax.random.key(0)``) and raw ``uint32[2]`` keys
    (``jax.random.PRNGKey(0)``) are accepted; anything else raises a ``TypeError``
    that names the value, since a common mistake is passing an integer seed.

    Examples:
        >>> import jax
        >>> k = as_key(jax.random.key(0))
        >>> k2 = as_key(jax.random.PRNGKey(0))
    """
    if isinstance(key, int | float) or key is None:
        raise TypeError(
            f"key must be a JAX PRNG key (jax.random.key(seed) or jax.random.PRNGKey(seed)), "
            f"got {key!r}"
        )
    dtype = getattr(key, "dtype", None)
    if dtype is None:
        raise TypeError(f"key must be a JAX PRNG key, got an object of type {type(key).__name__}")
    if jnp.issubdtype(dtype, jax.dtypes.prng_key):
        return key
    if dtype == jnp.uint32 and key.shape[-1:] == (2,):
        return key
    raise TypeError(
        f"key must be a JAX PRNG key (jax.random.key(seed) or jax.random.PRNGKey(seed)), "
        f"got an array of dtype {dtype} and shape {tuple(key.shape)}"
    )


def as_typed_key(key: PRNGKey) -> PRNGKey:
    """Check that ``key`` is a JAX PRNG key and return it as a typed key.

    The one normalisation used at public entry points that split, reshape or stack keys:
    a raw ``uint32[..., 2]`` key (``jax.random.PRNGKey(seed)``) has a trailing dimension of
    two words that a typed key (``jax.random.key(seed)``) does not, so code written for one
    breaks on the other. Raw keys are wrapped with ``jax.random.wrap_key_data`` (the default
    implementation), so ``PRNGKey(s)`` and ``key(s)`` give the same random numbers. Typed keys
    are returned unchanged; anything else raises the ``TypeError`` of
    [`as_key`][probflow.core.keys.as_key].

    Examples:
        >>> import jax
        >>> k = as_typed_key(jax.random.PRNGKey(0))
        >>> k.shape, jax.dtypes.issubdtype(k.dtype, jax.dtypes.prng_key)
        ((), True)
        >>> bool(k == jax.random.key(0))
        True
        >>> as_typed_key(jax.random.split(jax.random.PRNGKey(0), 3)).shape
        (3,)
    """
    key = as_key(key)
    if jnp.issubdtype(key.dtype, jax.dtypes.prng_key):
        return key
    return jax.random.wrap_key_data(key)


def split(key: PRNGKey, num: int = 2) -> PRNGKey:
    """Split ``key`` into ``num`` independent keys (a thin, checked ``jax.random.split``).

    Examples:
        >>> import jax
        >>> key_a, key_b = split(jax.random.key(0))
    """
    return jax.random.split(as_key(key), num)
