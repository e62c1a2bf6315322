"""Fingerprints that identify a training run in its checkpoint: digests of data and keys, and
an optimizer probe.

A resumed run must be the run that was checkpointed. Shapes and structures catch most
mistakes; these catch the rest:

- [`digest`][probflow.core.fingerprints.digest]: a BLAKE2 digest of arrays' shapes, dtypes and
  bytes (other data of the same shape);
- [`key_digest`][probflow.core.fingerprints.key_digest]: the same for a PRNG key, where a raw
  ``PRNGKey(s)`` and the typed ``key(s)`` of one seed are the same key
  ([`as_typed_key_data`][probflow.core.fingerprints.as_typed_key_data] wraps raw keys);
- [`optimizer_probe`][probflow.core.fingerprints.optimizer_probe]: what an optax optimizer does
  with a fixed gradient at a given state, which tells apart optimizers whose states have the
  same structure (``optax.sgd(0.1)`` and ``optax.sgd(0.01)``, Adam with two learning rates).
"""

from __future__ import annotations

import hashlib
from typing import Any

import jax
import jax.numpy as jnp
import numpy as np

from probflow.typing import PRNGKey, PyTree

__all__ = ["digest", "key_digest", "is_typed_key", "as_typed_key_data", "optimizer_probe",
           "PROBE_RTOL"]

PROBE_RTOL = 1e-5  # the same probe computed twice agrees to rounding; settings differ by more


def digest(*arrays: Any) -> str:
    """A BLAKE2 digest (32 hex digits) of the arrays' shapes, dtypes and bytes, in order;
    ``None`` entries count as such.

    Examples:
        >>> import numpy as np
        >>> digest(np.zeros(3)) == digest(np.zeros(3)), digest(np.zeros(3)) == digest(np.ones(3))
        (True, False)
    """
    h = hashlib.blake2b(digest_size=16)
    for a in arrays:
        if a is None:
            h.update(b"none")
            continue
        a = np.ascontiguousarray(np.asarray(a))
        h.update(f"{a.dtype}{a.shape}".encode())
        h.update(a.tobytes())
    return h.hexdigest()


def is_typed_key(key: PRNGKey) -> bool:
    """Whether ``key`` is a typed key (``jax.random.key``) rather than a raw ``uint32`` one.

    Examples:
        >>> import jax
        >>> is_typed_key(jax.random.key(0)), is_typed_key(jax.random.PRNGKey(0))
        (True, False)
    """
    return jnp.issubdtype(key.dtype, jax.dtypes.prng_key)


def as_typed_key_data(key: PRNGKey) -> PRNGKey:
    """``key`` as a typed key: raw ``uint32`` keys are wrapped with JAX's default
    implementation, so a raw key and the typed key of the same seed become equal.

    Examples:
        >>> import jax
        >>> raw = as_typed_key_data(jax.random.PRNGKey(3))
        >>> bool((jax.random.key_data(raw) == jax.random.key_data(jax.random.key(3))).all())
        True
    """
    return key if is_typed_key(key) else jax.random.wrap_key_data(key)


def key_digest(key: PRNGKey) -> str:
    """``"<implementation>:<digest of the key data>"``, the same for ``jax.random.key(s)`` and
    ``jax.random.PRNGKey(s)``.

    Examples:
        >>> import jax
        >>> key_digest(jax.random.key(1)) == key_digest(jax.random.PRNGKey(1))
        True
        >>> key_digest(jax.random.key(1)).split(":")[0]
        'threefry2x32'
    """
    key = as_typed_key_data(key)
    return f"{jax.random.key_impl(key)}:" + digest(jax.random.key_data(key))


def optimizer_probe(optimizer: Any, params: PyTree,
                    opt_state: PyTree) -> np.ndarray | None:
    """Two numbers per parameter leaf (the sum and the sum of absolute values, float64) of the
    update ``optimizer`` proposes for a gradient of one half everywhere at ``params`` and
    ``opt_state``; ``None`` when the optimizer needs more than ``update(grads, state, params)``
    (e.g. ``optax.contrib.reduce_on_plateau``, which wants ``value=``).

    Examples:
        >>> import jax.numpy as jnp, optax
        >>> params = {"w": jnp.ones(3)}
        >>> opt = optax.sgd(0.1)
        >>> [round(v, 4) for v in optimizer_probe(opt, params, opt.init(params)).tolist()]
        [-0.15, 0.15]
    """
    grads = jax.tree_util.tree_map(lambda p: jnp.full_like(p, 0.5), params)
    try:
        updates, _ = optimizer.update(grads, opt_state, params)
    except TypeError:
        return None
    parts = []
    for leaf in jax.tree_util.tree_leaves(updates):
        leaf = np.asarray(leaf, np.float64)
        parts += [leaf.sum(), np.abs(leaf).sum()]
    return np.asarray(parts, np.float64)
