"""Random words and permutations cheaper than ``jax.random``'s on CPU, for the hot loops of
training.

- [`random_bits`][probflow.core.fastrandom.random_bits]: uint32 words from a counter-based
  hash keyed by one small threefry draw (the weight noise of Bayesian layers).
- [`random_permutation`][probflow.core.fastrandom.random_permutation]: the shuffle of
  mini-batch training (``Sequential.fit``, ``pf.vi.fit`` with ``batch_size``).

Threefry, JAX's generator, costs more per word on CPU than a small layer's whole forward
pass (it runs as a loop of small operations), so both draw only two threefry words per call.

``jax.random.permutation`` sorts key-value pairs (random words, then the values) in each of
its rounds; on CPU, XLA's sort of two arrays calls a comparator per comparison and is 5-10x
slower than its sort of one array of integers. Here each round sorts one ``uint32`` array
whose high bits are random and whose low bits hold the element's current position, so the
sorted words' low bits are the new order. Ties of the random part keep their current order,
as in a stable key-value sort; the number of rounds follows the rule of
``jax.random.permutation`` for the fewer random bits: the chance that any pair ties in every
round stays below ``1 / (2 n)``. Beyond ``2**20`` elements the random part gets too short and
``jax.random.permutation`` is used.
"""

from __future__ import annotations

import math

import jax
import jax.numpy as jnp

from probflow.core.checks import check_count
from probflow.typing import Array, PRNGKey

__all__ = ["random_bits", "random_permutation", "MAX_PACKED_SIZE"]

#: Largest ``n`` shuffled with packed single-array sorts (20 index bits, 12 random bits).
MAX_PACKED_SIZE = 2**20


def _mix32(x: Array) -> Array:
    """Chris Wellons' ``lowbias32`` integer hash (a bijection of uint32 with strong avalanche)."""
    x = x ^ (x >> 16)
    x = x * jnp.uint32(0x7FEB352D)
    x = x ^ (x >> 15)
    x = x * jnp.uint32(0x846CA68B)
    return x ^ (x >> 16)


def random_bits(key: PRNGKey, n: int) -> Array:
    """``n`` pseudo-random uint32 words: two threefry words seed a counter-based hash.

    One two-word threefry draw keys ``lowbias32(lowbias32(i ^ s0) + s1)`` over counters
    ``i``. The same key gives the same words, under ``jit`` and ``vmap`` alike.

    Examples:
        >>> import jax
        >>> random_bits(jax.random.key(0), 4).dtype
        dtype('uint32')
    """
    seed = jax.random.bits(key, (2,), jnp.uint32)
    counters = jax.lax.iota(jnp.uint32, n)
    return _mix32(_mix32(counters ^ seed[0]) + seed[1])


def _rounds(n: int, bits: int) -> int:
    """Sort rounds so that ``P(some pair ties in every round) <= n**2 / 2**(bits * rounds + 1)
    <= 1 / (2 n)``: ``bits * rounds >= 3 log2 n``, the rule of ``jax.random.permutation``."""
    return max(1, math.ceil(3 * math.log2(n) / bits))


def random_permutation(key: PRNGKey, n: int) -> Array:
    """A uniformly random permutation of ``range(n)`` (``int32``).

    The same distribution as ``jax.random.permutation(key, n)`` (not the same draws), several
    times faster on CPU: 1,797 elements in about a third of the time, 60,000 in about a
    seventh (see the module docstring for how).

    Args:
        key: a JAX PRNG key (typed or raw).
        n: the number of elements (a static Python int >= 0).

    Examples:
        >>> import jax
        >>> perm = random_permutation(jax.random.key(0), 5)
        >>> sorted(perm.tolist())
        [0, 1, 2, 3, 4]
    """
    n = check_count("random_permutation", "n", n, minimum=0)
    if n <= 1:
        return jnp.arange(n, dtype=jnp.int32)
    if n > MAX_PACKED_SIZE:
        return jax.random.permutation(key, n).astype(jnp.int32)
    index_bits = (n - 1).bit_length()
    low = jnp.uint32((1 << index_bits) - 1)
    positions = jax.lax.iota(jnp.uint32, n)
    perm = positions
    for round_key in jax.random.split(key, _rounds(n, 32 - index_bits)):
        words = (random_bits(round_key, n) & ~low) | positions
        perm = perm[jax.lax.sort(words) & low]
    return perm.astype(jnp.int32)
