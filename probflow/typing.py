"""Type aliases used in probflow's signatures, for annotating code that calls probflow.

probflow's public functions are annotated with these names (checked by pyright in CI), so an
editor shows what each argument takes. They are aliases, not new types: anything JAX accepts
where an alias says so is accepted.

* ``Array``: a ``jax.Array`` (what probflow returns).
* ``ArrayLike``: what probflow accepts as numbers: JAX and NumPy arrays, NumPy scalars and
  Python ``bool``/``int``/``float``/``complex``.
* ``DTypeLike``: a dtype or anything ``jnp.dtype`` takes (``jnp.float32``, ``"float64"``).
* ``PRNGKey``: a JAX PRNG key, typed (``jax.random.key(0)``) or raw (``jax.random.PRNGKey(0)``);
  both are ``jax.Array``.
* ``PyTree``: a nest of tuples, lists, dicts, ``None`` and registered PyTree nodes (probflow's
  distributions and bijectors among them) with arrays at the leaves.
* ``Shape``: a tuple of ints; ``ShapeLike``: an int or a sequence of ints (``sample_shape``).
* ``LogDensityFn``: a function from a PyTree of positions to a scalar log density.

Examples:
    >>> import jax, jax.numpy as jnp
    >>> import probflow.distributions as pfd
    >>> from probflow.typing import Array, ArrayLike, PRNGKey
    >>> def draws(key: PRNGKey, loc: ArrayLike) -> Array:
    ...     return pfd.Normal(loc, 1.0).sample(key, (3,))
    >>> draws(jax.random.key(0), 0.0).shape
    (3,)
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any, TypeAlias

import jax

__all__ = [
    "Array",
    "ArrayLike",
    "DTypeLike",
    "LogDensityFn",
    "PRNGKey",
    "PyTree",
    "Shape",
    "ShapeLike",
]

Array: TypeAlias = jax.Array
ArrayLike: TypeAlias = jax.typing.ArrayLike
DTypeLike: TypeAlias = jax.typing.DTypeLike
PRNGKey: TypeAlias = jax.Array
PyTree: TypeAlias = Any
Shape: TypeAlias = tuple[int, ...]
ShapeLike: TypeAlias = int | Sequence[int]
LogDensityFn: TypeAlias = Callable[[PyTree], ArrayLike]
