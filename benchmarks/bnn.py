"""Time per training epoch of Bayesian MLPs on scikit-learn's digits.

Rows: ``pf.layers`` networks (the deterministic Dense, DenseReparameterization, DenseFlipout
and DenseLocalReparameterization, all 64-128-10) trained with ``Sequential.fit``, against the
floor: the same deterministic MLP written in plain JAX + optax (one jitted ``lax.scan`` over
the shuffled mini-batches per epoch, the last partial batch padded and masked, as ``fit``
does), and the three Bayesian estimators written by hand the same way with ``jax.random``
noise (what a user would write without a library). All rows take turns, round by round;
medians. Issue 15's targets at batch 256: reparameterization <= 1.5x, local
reparameterization <= 2x and flipout <= 2.5x the floor.

The anchor users come from, TFP's Keras layers (``tfp.layers.DenseFlipout`` on TensorFlow
with tf-keras), runs in its own environment: with ``--tf-python PATH`` (that environment's
Python), ``bnn_tfp_keras_worker.py`` trains the same MLP on the same split in a subprocess,
interleaved round by round with ``pf.layers.DenseFlipout`` trained the same way here, and a
second table gives both epoch times and held-out accuracies (medians over the rounds).
Hasz's ProbFlow is a different package on PyPI (it shares our import name) and is not run.

Run: ``python benchmarks/bnn.py [--epochs 20] [--batch-sizes 64 256] [--floor-rounds 5]
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


def fit_epoch_runner(net, x, y, batch_size):
    """``run(seed, epochs)``: ``net.fit`` for ``epochs`` epochs (fit's per-epoch Python work
    included: logs, history, the non-finite checks), after a compile epoch."""
    net.compile(optax.adam(1e-3))
    net.fit(x, y, epochs=1, batch_size=batch_size, key=jax.random.key(0), verbose=0)

    def run(seed, epochs):
        net.fit(x, y, epochs=epochs, batch_size=batch_size, key=jax.random.key(seed),
                verbose=0)
        jax.block_until_ready(net.params)

    return run


def _glorot(key, fan_in, fan_out):
    return jax.random.normal(key, (fan_in, fan_out)) * np.sqrt(2.0 / (fan_in + fan_out))


def _deterministic_loss(params, xb, yb, mask, key, n):
    del key, n
    h = jax.nn.relu(xb @ params["w1"] + params["b1"])
    logits = h @ params["w2"] + params["b2"]
    lp = jnp.take_along_axis(jax.nn.log_softmax(logits), yb[:, None], 1)[:, 0]
    return -jnp.sum(lp * mask) / jnp.sum(mask)


def _bayesian_layer(kind, p, h, key):
    """One mean-field normal dense layer as written by hand with ``jax.random``: the output
    for one weight draw and the layer's KL to a standard normal prior."""
    k_w, k_b, k_in, k_out = jax.random.split(key, 4)
    scale, bias_scale = jax.nn.softplus(p["rho"]), jax.nn.softplus(p["bias_rho"])
    bias = p["bias_loc"] + bias_scale * jax.random.normal(k_b, bias_scale.shape)
    if kind == "reparameterization":
        out = h @ (p["loc"] + scale * jax.random.normal(k_w, scale.shape))
    elif kind == "flipout":
        delta = scale * jax.random.normal(k_w, scale.shape)
        sign_in = jax.random.rademacher(k_in, h.shape, h.dtype)
        sign_out = jax.random.rademacher(k_out, (h.shape[0], scale.shape[1]), h.dtype)
        out = h @ p["loc"] + ((h * sign_in) @ delta) * sign_out
    else:  # local reparameterization
        mean, var = h @ p["loc"], (h * h) @ (scale * scale)
        out = mean + jnp.sqrt(var) * jax.random.normal(k_w, mean.shape)

    def kl(loc, s):
        return jnp.sum(0.5 * (s * s + loc * loc) - jnp.log(s) - 0.5)

    return out + bias, kl(p["loc"], scale) + kl(p["bias_loc"], bias_scale)


def _bayesian_loss(kind):
    def loss(params, xb, yb, mask, key, n):
        k1, k2 = jax.random.split(key)
        h, kl1 = _bayesian_layer(kind, params[0], xb, k1)
        logits, kl2 = _bayesian_layer(kind, params[1], jax.nn.relu(h), k2)
        lp = jnp.take_along_axis(jax.nn.log_softmax(logits), yb[:, None], 1)[:, 0]
        return -jnp.sum(lp * mask) / jnp.sum(mask) + (kl1 + kl2) / n

    return loss


def plain_jax_runner(x, y, batch_size, kind=None):
    """``run(seed, epochs)`` of a hand-written 64-128-10 MLP in plain JAX + optax: the
    deterministic floor (``kind=None``) or a mean-field Bayesian one (``kind`` one of
    ``"reparameterization"``, ``"flipout"``, ``"local_reparameterization"``, weight noise from
    ``jax.random``). One jitted ``lax.scan`` per epoch over a ``jax.random.permutation`` of
    the rows, the last partial batch padded and masked, so every row runs the steps ``fit``
    runs."""
    k1, k2 = jax.random.split(jax.random.key(0))
    if kind is None:
        params = {"w1": _glorot(k1, 64, 128), "b1": jnp.zeros(128),
                  "w2": _glorot(k2, 128, 10), "b2": jnp.zeros(10)}
        loss = _deterministic_loss
    else:
        params = [{"loc": _glorot(k, i, o), "rho": jnp.full((i, o), -6.9),
                   "bias_loc": jnp.zeros(o), "bias_rho": jnp.full(o, -6.9)}
                  for k, i, o in ((k1, 64, 128), (k2, 128, 10))]
        loss = _bayesian_loss(kind)
    opt = optax.adam(1e-3)

    @jax.jit
    def epoch(params, state, key, x, y):
        n = x.shape[0]
        nb = -(-n // batch_size)
        pad = nb * batch_size - n
        k_perm, k_steps = jax.random.split(key)
        perm = jax.random.permutation(k_perm, n)
        idx = jnp.concatenate([perm, perm[:pad]]).reshape(nb, batch_size)
        mask = jnp.concatenate([jnp.ones(n), jnp.zeros(pad)]).reshape(nb, batch_size)

        def step(carry, inputs):
            params, state = carry
            i, m, k = inputs
            grads = jax.grad(loss)(params, x[i], y[i], m, k, n)
            updates, state = opt.update(grads, state, params)
            return (optax.apply_updates(params, updates), state), None

        # the deterministic floor needs no per-step keys (None passes through scan as-is)
        inputs = (idx, mask, None if kind is None else jax.random.split(k_steps, nb))
        (params, state), _ = jax.lax.scan(step, (params, state), inputs)
        return params, state

    xs, ys = jnp.asarray(x), jnp.asarray(y)
    carry = [params, opt.init(params)]
    carry[:] = jax.block_until_ready(epoch(*carry, jax.random.key(0), xs, ys))

    def run(seed, epochs):
        params, state = carry
        for i in range(epochs):
            params, state = epoch(params, state, jax.random.key(seed * 1000 + i), xs, ys)
        carry[:] = jax.block_until_ready((params, state))

    return run


def interleaved_epoch_times(runners, epochs, rounds):
    """Median milliseconds per epoch of each runner, the runners taking turns each round."""
    times = {name: [] for name in runners}
    for r in range(rounds):
        for name, run in runners.items():
            start = time.perf_counter()
            run(r + 1, epochs)
            times[name].append(1e3 * (time.perf_counter() - start) / epochs)
    return {name: statistics.median(t) for name, t in times.items()}


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
    parser.add_argument("--floor-rounds", type=int, default=5,
                        help="interleaved rounds of the floor table")
    parser.add_argument("--rounds", type=int, default=3,
                        help="interleaved rounds of the TFP comparison")
    parser.add_argument("--skip-floor", action="store_true",
                        help="only the TFP comparison (with --tf-python)")
    args = parser.parse_args()
    print(machine_line())
    if not args.skip_floor:
        x, y = digits_data()
        print(f"digits: {x.shape[0]} examples, 64-128-10 MLP, adam 1e-3; median of "
              f"{args.floor_rounds} interleaved rounds of {args.epochs} epochs")
        rows = []
        for batch_size in args.batch_sizes:
            runners = {"floor": plain_jax_runner(x, y, batch_size)}
            for kind in ("reparameterization", "flipout", "local_reparameterization"):
                runners[f"plain {kind}"] = plain_jax_runner(x, y, batch_size, kind)
            for cls in (L.Dense, L.DenseReparameterization, L.DenseFlipout,
                        L.DenseLocalReparameterization):
                net = L.Sequential([cls(128, activation="relu"), cls(10), L.CategoricalHead()])
                runners[cls.__name__] = fit_epoch_runner(net, x, y, batch_size)
            ms = interleaved_epoch_times(runners, args.epochs, args.floor_rounds)
            labels = {"floor": "plain JAX + optax, deterministic (floor)",
                      "plain reparameterization": "plain JAX + optax, reparameterization",
                      "plain flipout": "plain JAX + optax, flipout",
                      "plain local_reparameterization":
                          "plain JAX + optax, local reparameterization"}
            for name, t in ms.items():
                label = labels.get(name, f"pf.layers {name} (`fit`)")
                rows.append([str(batch_size), label, f"{t:.2f}", f"{t / ms['floor']:.2f}x",
                             f"{t / ms['Dense']:.2f}x"])
        print(markdown_table(["batch", "model", "ms / epoch", "vs floor", "vs pf Dense"],
                             rows))
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
