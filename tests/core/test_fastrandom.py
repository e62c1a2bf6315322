"""``core.fastrandom``: the training shuffle and the hashed random words."""

from __future__ import annotations

import itertools

import jax
import jax.numpy as jnp
import numpy as np
import pytest
from scipy import stats

from probflow.core.fastrandom import (
    MAX_PACKED_SIZE,
    _rounds,
    counter_bits,
    counter_uniform,
    random_bits,
    random_permutation,
)


@pytest.mark.parametrize("n", [0, 1, 2, 5, 1797, 2**16 + 3])
def test_random_permutation_is_a_permutation(n):
    perm = random_permutation(jax.random.key(n), n)
    assert perm.dtype == jnp.int32 and perm.shape == (n,)
    np.testing.assert_array_equal(np.sort(np.asarray(perm)), np.arange(n))


def test_random_permutation_is_uniform_over_all_orders():
    # 24,000 shuffles of 4 elements: each of the 24 orders expected 1,000 times. A chi-square
    # test at the 0.1% level (fixed keys, so the outcome is fixed); an order-biased shuffle
    # (e.g. ties or positions mixed into the random part) fails it.
    keys = jax.random.split(jax.random.key(0), 24_000)
    perms = np.asarray(jax.jit(jax.vmap(lambda k: random_permutation(k, 4)))(keys))
    index = {p: i for i, p in enumerate(itertools.permutations(range(4)))}
    counts = np.bincount([index[tuple(p)] for p in perms.tolist()], minlength=24)
    assert counts.min() > 0
    assert stats.chisquare(counts).pvalue > 1e-3


def test_random_permutation_breaks_ties_at_the_largest_packed_size():
    # 2**20 elements leave 12 random bits per word: one round would keep each of the ~4,096
    # tie groups in index order, so almost every neighbour pair would be increasing. With the
    # rounds of ``_rounds`` the fraction of increasing neighbours is 1/2 (sd 0.0005).
    n = MAX_PACKED_SIZE
    assert _rounds(n, 12) == 5
    perm = np.asarray(random_permutation(jax.random.PRNGKey(3), n))
    np.testing.assert_array_equal(np.sort(perm), np.arange(n))
    assert abs(np.mean(perm[1:] > perm[:-1]) - 0.5) < 0.003
    # and each element's new position is uniform: the first quarter holds a quarter of
    # the smallest indices (binomial sd 0.0004)
    assert abs(np.mean(perm[: n // 4] < n // 4) - 0.25) < 0.002


def test_random_permutation_rounds_meet_jax_rule():
    # rounds * random bits >= 3 log2(n): P(some pair ties in every round) <= 1 / (2 n)
    for n in (2, 100, 1797, 60_000, MAX_PACKED_SIZE):
        bits = 32 - (n - 1).bit_length()
        r = _rounds(n, bits)
        assert r * bits >= 3 * np.log2(n) and (r - 1) * bits < 3 * np.log2(n)


def test_random_permutation_beyond_the_packed_size_and_under_vmap():
    n = MAX_PACKED_SIZE + 1
    perm = np.asarray(random_permutation(jax.random.key(1), n))
    np.testing.assert_array_equal(np.sort(perm), np.arange(n))
    keys = jax.random.split(jax.random.PRNGKey(2), 3)
    batch = jax.vmap(lambda k: random_permutation(k, 10))(keys)
    assert batch.shape == (3, 10) and len({tuple(r) for r in batch.tolist()}) == 3
    np.testing.assert_array_equal(batch[1], random_permutation(keys[1], 10))
    with pytest.raises(ValueError, match="n must be an integer >= 0, got -1"):
        random_permutation(jax.random.key(0), -1)
    with pytest.raises(ValueError, match="n must be an integer >= 0, got 2.5"):
        random_permutation(jax.random.key(0), 2.5)


def test_random_bits_are_uniform_words():
    words = np.asarray(random_bits(jax.random.key(0), 200_000))
    assert words.dtype == np.uint32
    # each of the 32 bits is set half the time (sd 0.0011), and words are (almost) distinct
    bits = (words[:, None] >> np.arange(32, dtype=np.uint32)) & 1
    assert np.all(np.abs(bits.mean(0) - 0.5) < 0.006)
    assert len(np.unique(words)) > 199_990
    np.testing.assert_array_equal(words[:5], np.asarray(random_bits(jax.random.key(0), 5)))


def test_counter_bits_are_random_bits_word_by_word():
    key = jax.random.key(7)
    seed = jax.random.bits(key, (2,), jnp.uint32)
    counters = jnp.asarray([0, 1, 5, 99])
    np.testing.assert_array_equal(counter_bits(seed, counters), random_bits(key, 100)[counters])


@pytest.mark.parametrize("dtype", [jnp.float32, jnp.float64])
def test_counter_uniform_is_uniform_and_uses_the_mantissa(dtype):
    # 200,000 counters under a fixed seed: a Kolmogorov-Smirnov test at the 0.1% level, the
    # lag-one correlation within 4 standard errors (1 / sqrt(n)) of zero, and the resolution
    # of the dtype: float64 values are not all on float32's 2**-23 grid.
    seed = jax.random.bits(jax.random.key(3), (2,), jnp.uint32)
    n = 200_000
    u = np.asarray(counter_uniform(seed, jnp.arange(n), dtype))
    assert u.dtype == np.dtype(dtype) and u.min() >= 0.0 and u.max() < 1.0
    assert stats.kstest(u, "uniform").pvalue > 1e-3
    assert abs(np.corrcoef(u[1:], u[:-1])[0, 1]) < 4 / np.sqrt(n)
    off_grid = np.mean(u * 2**23 != np.floor(u * 2**23))
    assert off_grid > 0.99 if dtype == jnp.float64 else off_grid == 0.0


def test_counter_uniform_float64_words_are_independent():
    # float64 takes its low bits from counter + 2**31: its high and low halves must not
    # be related (a shared word would make them equal).
    seed = jax.random.bits(jax.random.key(4), (2,), jnp.uint32)
    counters = jnp.arange(50_000)
    high = np.asarray(counter_bits(seed, counters), np.float64)
    low = np.asarray(counter_bits(seed, counters + 2**31), np.float64)
    assert abs(np.corrcoef(high, low)[0, 1]) < 4 / np.sqrt(50_000)


def test_counter_uniform_rejects_other_dtypes():
    seed = jax.random.bits(jax.random.key(0), (2,), jnp.uint32)
    with pytest.raises(ValueError, match="dtype must be float32 or float64, got float16"):
        counter_uniform(seed, 0, jnp.float16)


def test_counter_uniform_float64_without_x64_is_the_float32_draw():
    # as elsewhere in JAX, float64 means float32 when x64 is off (no garbage from uint64 shifts)
    with jax.enable_x64(False):
        seed = jax.random.bits(jax.random.key(5), (2,), jnp.uint32)
        u = counter_uniform(seed, jnp.arange(100), jnp.float64)
        assert u.dtype == jnp.float32
        np.testing.assert_array_equal(u, counter_uniform(seed, jnp.arange(100)))


@pytest.mark.parametrize("seed", [jnp.zeros(3, jnp.uint32), jnp.zeros(2, jnp.int32),
                                  jnp.zeros((), jnp.uint32)])
def test_counter_bits_rejects_a_seed_that_is_not_two_uint32_words(seed):
    with pytest.raises(ValueError, match="seed must be two uint32 words"):
        counter_bits(seed, 0)
    with pytest.raises(ValueError, match="seed must be two uint32 words"):
        counter_uniform(seed, 0)
