"""Time per training epoch of Bayesian MLPs on scikit-learn's digits.

Rows: ``pf.layers`` networks (DenseFlipout, DenseReparameterization,
DenseLocalReparameterization and the deterministic Dense, all 64-128-10) trained with
``Sequential.fit``, against the floor: the same deterministic MLP written in plain JAX + optax
(one jitted ``lax.scan`` over the shuffled mini-batches per epoch, as ``fit`` does). Target:
the DenseFlipout epoch within 2x of the floor.

The anchor users come from, TFP's Keras layers (``tfp.layers.DenseFlipout`` on TensorFlow
with tf-keras), runs in its own environment: with ``--tf-python PATH`` (that environment's
Python), ``bnn_tfp_keras_worker.py`` trains the same MLP on the same split in a subprocess,
interleaved round by round with ``pf.layers.DenseFlipout`` trained the same way here, and a
second table gives both epoch times and held-out accuracies (medians over the rounds).
Hasz's ProbFlow is a different package on PyPI (it shares our import name) and is not run.

Run: ``python benchmarks/bnn.py [--epochs 20] [--batch-sizes 64 256]
[--tf-python ../tf-venv/bin/python --rounds 3]``.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import time

import jax
import jax.numpy as jnp
import numpy as np
import optax
from common import machine_line, markdown_table
from digits import digits_split
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


def probflow_flipout_round(split, batch_size, epochs, learning_rate, num_samples, seed):
    """One round as the worker does it: an untimed first epoch, then the median of
    ``epochs`` one-epoch ``fit`` calls, then held-out accuracy of the mean probabilities."""
    x_tr, x_te, y_tr, y_te = split
    net = L.Sequential([L.DenseFlipout(128, activation="relu"), L.DenseFlipout(10),
                        L.CategoricalHead()])
    net.compile(optax.adam(learning_rate))
    key = jax.random.key(seed)
    net.fit(x_tr, y_tr, epochs=1, batch_size=batch_size, key=key, verbose=0)
    times = []
    for i in range(epochs):
        start = time.perf_counter()
        net.fit(x_tr, y_tr, epochs=1, batch_size=batch_size, key=jax.random.fold_in(key, i),
                verbose=0)
        jax.block_until_ready(net.params)
        times.append(time.perf_counter() - start)
    probs = net.predict(x_te, num_samples=num_samples, key=jax.random.key(seed + 1)).probs
    return {"ms_per_epoch": 1e3 * statistics.median(times),
            "accuracy": float(np.mean(np.asarray(probs).argmax(-1) == y_te))}


def tfp_keras_round(tf_python, batch_size, epochs, learning_rate, num_samples, seed):
    worker = os.path.join(os.path.dirname(os.path.abspath(__file__)), "bnn_tfp_keras_worker.py")
    out = subprocess.run([tf_python, worker, "--batch-size", str(batch_size), "--epochs",
                          str(epochs), "--learning-rate", str(learning_rate), "--num-samples",
                          str(num_samples), "--seed", str(seed)],
                         capture_output=True, text=True, timeout=1800)
    if out.returncode != 0:
        raise RuntimeError(f"TFP Keras worker failed:\n{out.stderr[-3000:]}")
    return json.loads(out.stdout.strip().splitlines()[-1])


def compare_with_tfp_keras(tf_python, batch_sizes, epochs, rounds, learning_rate=1e-3,
                           num_samples=20):
    """Rows of the side-by-side table (rounds interleaved: probflow, TFP, probflow, ...)."""
    split = digits_split()
    rows, versions = [], None
    for batch_size in batch_sizes:
        runs = {"probflow": [], "tfp": []}
        for r in range(rounds):
            runs["probflow"].append(probflow_flipout_round(split, batch_size, epochs,
                                                           learning_rate, num_samples, r))
            result = tfp_keras_round(tf_python, batch_size, epochs, learning_rate,
                                     num_samples, r)
            versions = result.pop("versions")
            runs["tfp"].append(result)
        medians = {name: {k: statistics.median(run[k] for run in got)
                          for k in ("ms_per_epoch", "accuracy")}
                   for name, got in runs.items()}
        for name, label in (("tfp", "tfp.layers.DenseFlipout (TensorFlow, tf-keras)"),
                            ("probflow", "pf.layers.DenseFlipout")):
            m = medians[name]
            ratio = m["ms_per_epoch"] / medians["tfp"]["ms_per_epoch"]
            rows.append([str(batch_size), label, f"{m['ms_per_epoch']:.2f}", f"{ratio:.2f}x",
                         f"{m['accuracy']:.3f}"])
    return rows, versions


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=int, default=20)
    parser.add_argument("--batch-sizes", type=int, nargs="+", default=[64, 256])
    parser.add_argument("--tf-python", default=None,
                        help="Python of an environment with tensorflow-cpu, tf-keras, "
                             "tensorflow-probability and scikit-learn: adds the TFP table")
    parser.add_argument("--rounds", type=int, default=3,
                        help="interleaved rounds of the TFP comparison")
    parser.add_argument("--skip-floor", action="store_true",
                        help="only the TFP comparison (with --tf-python)")
    args = parser.parse_args()
    print(machine_line())
    if not args.skip_floor:
        x, y = digits_data()
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
    if args.tf_python is None:
        print("- TFP's Keras layers: not run (pass --tf-python with a TensorFlow environment)")
        return
    rows, versions = compare_with_tfp_keras(args.tf_python, args.batch_sizes, args.epochs,
                                            args.rounds)
    print(f"\nTFP Keras anchor: 75/25 split of digits (1,347 training images), 64-128-10 "
          f"MLP, adam 1e-3, median epoch of {args.epochs} after one untimed epoch, accuracy of "
          f"the mean of 20 stochastic passes; medians of {args.rounds} interleaved rounds; "
          f"{versions}")
    print(markdown_table(["batch", "model", "ms / epoch", "vs TFP", "held-out accuracy"],
                         rows))


if __name__ == "__main__":
    main()
