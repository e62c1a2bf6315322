"""Time per training epoch of Bayesian MLPs on scikit-learn's digits.

Rows: ``pf.layers`` networks (DenseFlipout, DenseReparameterization,
DenseLocalReparameterization and the deterministic Dense, all 64-128-10) trained with
``Sequential.fit``, against the floor: the same deterministic MLP written in plain JAX + optax
(one jitted ``lax.scan`` over the shuffled mini-batches per epoch, as ``fit`` does). Target:
the DenseFlipout epoch within 2x of the floor. TFP's Keras layers (``tfp.layers``) need
TensorFlow and tf-keras and Hasz's ProbFlow is a different package on PyPI; both are
reported as "not installed" when they cannot be imported.

Run: ``python benchmarks/bnn.py [--epochs 20] [--batch-size 64]``.
"""

from __future__ import annotations

import argparse
import importlib.util
import time

import jax
import jax.numpy as jnp
import numpy as np
import optax
from common import machine_line, markdown_table
from sklearn.datasets import load_digits

from probflow import layers as L


def digits_data():
    x, y = load_digits(return_X_y=True)
    x = ((x - x.mean(0)) / (x.std(0) + 1.0)).astype(np.float32)
    return x, y.astype(np.int32)


def time_fit(net, x, y, epochs, batch_size, repeats=3):
    """Seconds per epoch of ``net.fit`` (best of ``repeats`` runs of ``epochs`` epochs, after
    a compile epoch); includes fit's per-epoch Python work (metrics, the progress logic)."""
    net.compile(optax.adam(1e-3))
    net.fit(x, y, epochs=1, batch_size=batch_size, key=jax.random.key(0), verbose=0)
    times = []
    for i in range(repeats):
        start = time.perf_counter()
        net.fit(x, y, epochs=epochs, batch_size=batch_size, key=jax.random.key(i + 1),
                verbose=0)
        jax.block_until_ready(net.params)
        times.append((time.perf_counter() - start) / epochs)
    return min(times)


def time_plain_jax(x, y, epochs, batch_size):
    """Median seconds per epoch of a hand-written deterministic MLP (the floor)."""
    k1, k2 = jax.random.split(jax.random.key(0))
    params = {
        "w1": jax.random.normal(k1, (64, 128)) * 0.1, "b1": jnp.zeros(128),
        "w2": jax.random.normal(k2, (128, 10)) * 0.1, "b2": jnp.zeros(10),
    }
    opt = optax.adam(1e-3)
    state = opt.init(params)

    def loss(p, xb, yb):
        h = jax.nn.relu(xb @ p["w1"] + p["b1"])
        logits = h @ p["w2"] + p["b2"]
        return -jnp.mean(jnp.take_along_axis(jax.nn.log_softmax(logits), yb[:, None], 1))

    @jax.jit
    def epoch(params, state, key, x, y):
        n = x.shape[0]
        nb = n // batch_size
        idx = jax.random.permutation(key, n)[: nb * batch_size].reshape(nb, batch_size)

        def step(carry, i):
            params, state = carry
            grads = jax.grad(loss)(params, x[i], y[i])
            updates, state = opt.update(grads, state, params)
            return (optax.apply_updates(params, updates), state), None

        (params, state), _ = jax.lax.scan(step, (params, state), idx)
        return params, state

    xs, ys = jnp.asarray(x), jnp.asarray(y)
    params, state = jax.block_until_ready(epoch(params, state, jax.random.key(0), xs, ys))
    times = []
    for r in range(3):
        start = time.perf_counter()
        for i in range(epochs):
            params, state = epoch(params, state, jax.random.key(r * epochs + i), xs, ys)
        jax.block_until_ready(params)
        times.append((time.perf_counter() - start) / epochs)
    return min(times)


def peer_status() -> list[str]:
    notes = []
    tf = importlib.util.find_spec("tensorflow") and importlib.util.find_spec("tf_keras")
    notes.append("TFP Keras layers (tfp.layers): " + (
        "importable (not timed by this script)" if tf else
        "not installed here (needs tensorflow + tf-keras)"))
    notes.append("Hasz's ProbFlow (PyPI 'probflow'): not installed here (our package shares "
                 "the import name)")
    return notes


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=int, default=20)
    parser.add_argument("--batch-sizes", type=int, nargs="+", default=[64, 256])
    args = parser.parse_args()
    x, y = digits_data()
    print(machine_line())
    print(f"digits: {x.shape[0]} examples, 64-128-10 MLP, best of 3 runs of {args.epochs} "
          f"epochs")
    rows = []
    for batch_size in args.batch_sizes:
        floor = time_plain_jax(x, y, args.epochs, batch_size)
        rows.append([str(batch_size), "plain JAX + optax, deterministic (floor)",
                     f"{floor * 1e3:.2f}", "1.00x"])
        for cls in (L.DenseFlipout, L.DenseReparameterization,
                    L.DenseLocalReparameterization, L.Dense):
            net = L.Sequential([cls(128, activation="relu"), cls(10), L.CategoricalHead()])
            t = time_fit(net, x, y, args.epochs, batch_size)
            rows.append([str(batch_size), f"pf.layers {cls.__name__}", f"{t * 1e3:.2f}",
                         f"{t / floor:.2f}x"])
    print(markdown_table(["batch", "model", "ms / epoch", "vs floor"], rows))
    for note in peer_status():
        print("-", note)


if __name__ == "__main__":
    main()
