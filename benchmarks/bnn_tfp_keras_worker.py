"""TFP's Keras layers on scikit-learn's digits: the anchor BNN users come from.

Runs in a TensorFlow environment (tensorflow-cpu, tf-keras, tensorflow-probability,
scikit-learn; no probflow or JAX needed), started by ``bnn.py --tf-python PATH``: the same
split, scaling and 64-128-10 MLP as ``bnn.py``'s probflow rows, with ``tfp.layers.DenseFlipout``
layers whose KL term is divided by the number of training examples (the Keras/TFP convention
that ``pf.layers`` follows), adam at the given learning rate, ``model.fit`` one epoch at a
time. Prints one JSON line: milliseconds per epoch (the median over the timed epochs, after
one untimed epoch that builds the graph) and held-out accuracy of the mean predicted
probabilities over ``--num-samples`` stochastic forward passes.

Run: ``python bnn_tfp_keras_worker.py --batch-size 64 --epochs 20``.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import time

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
os.environ.setdefault("TF_USE_LEGACY_KERAS", "1")

import numpy as np  # noqa: E402
import tensorflow as tf  # noqa: E402
import tensorflow_probability as tfp  # noqa: E402
import tf_keras  # noqa: E402
from digits import digits_split  # noqa: E402


def build(n_train: int, learning_rate: float):
    def divergence(q, p, _):
        return tfp.distributions.kl_divergence(q, p) / n_train

    model = tf_keras.Sequential([
        tfp.layers.DenseFlipout(128, activation="relu", kernel_divergence_fn=divergence),
        tfp.layers.DenseFlipout(10, kernel_divergence_fn=divergence),
    ])
    model.compile(optimizer=tf_keras.optimizers.Adam(learning_rate),
                  loss=tf_keras.losses.SparseCategoricalCrossentropy(from_logits=True))
    return model


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--batch-size", type=int, default=64)
    parser.add_argument("--epochs", type=int, default=20)
    parser.add_argument("--learning-rate", type=float, default=1e-3)
    parser.add_argument("--num-samples", type=int, default=20)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    tf.random.set_seed(args.seed)
    x_tr, x_te, y_tr, y_te = digits_split()
    model = build(len(x_tr), args.learning_rate)
    model.fit(x_tr, y_tr, batch_size=args.batch_size, epochs=1, shuffle=True, verbose=0)
    times = []
    for _ in range(args.epochs):
        start = time.perf_counter()
        model.fit(x_tr, y_tr, batch_size=args.batch_size, epochs=1, shuffle=True, verbose=0)
        times.append(time.perf_counter() - start)
    probs = np.mean([tf.nn.softmax(model(x_te, training=False)).numpy()
                     for _ in range(args.num_samples)], axis=0)
    print(json.dumps({
        "ms_per_epoch": 1e3 * statistics.median(times),
        "accuracy": float(np.mean(probs.argmax(-1) == y_te)),
        "versions": {"tensorflow": tf.__version__, "tf_keras": tf_keras.__version__,
                     "tensorflow_probability": tfp.__version__},
    }))


if __name__ == "__main__":
    main()
