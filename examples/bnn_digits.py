"""A Bayesian MLP on scikit-learn's digits, with a reliability diagram.

Run: ``python examples/bnn_digits.py [--epochs N] [--plot PATH]``.

Two DenseFlipout layers (64-128-10) and a categorical head are trained by maximising the
ELBO (Flipout gradient estimates, full KL weight). The script prints the test accuracy, the
negative log likelihood and the expected calibration error (ECE: the average gap between
confidence and accuracy over 15 confidence bins), shows how the predictive uncertainty
splits into epistemic and aleatoric parts for right and wrong predictions, and saves a
reliability diagram (accuracy against confidence per bin; a calibrated model follows the
diagonal).
"""

from __future__ import annotations

import argparse
import os
import tempfile
import time

import jax
import numpy as np
import optax
from sklearn.datasets import load_digits
from sklearn.model_selection import train_test_split

import probflow as pf


def load_data():
    x, y = load_digits(return_X_y=True)
    x_tr, x_te, y_tr, y_te = train_test_split(x, y, test_size=0.25, random_state=0, stratify=y)
    mean, scale = x_tr.mean(0), x_tr.std(0) + 1.0
    return (((x_tr - mean) / scale).astype(np.float32), ((x_te - mean) / scale).astype(
        np.float32), y_tr, y_te)


def reliability_diagram(probs, labels, path, num_bins=15):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    conf = probs.max(-1)
    correct = probs.argmax(-1) == labels
    edges = np.linspace(0, 1, num_bins + 1)
    which = np.clip(np.digitize(conf, edges[1:-1], right=True), 0, num_bins - 1)
    acc = [correct[which == b].mean() if np.any(which == b) else np.nan for b in range(num_bins)]
    fig, ax = plt.subplots(figsize=(4.5, 4.5))
    ax.bar(edges[:-1], acc, width=1 / num_bins, align="edge", edgecolor="k", label="accuracy")
    ax.plot([0, 1], [0, 1], "r--", label="perfect calibration")
    ax.set_xlabel("confidence")
    ax.set_ylabel("accuracy")
    ax.set_title("DenseFlipout MLP on digits")
    ax.legend(loc="upper left")
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)


def main():
    parser = argparse.ArgumentParser(description="Bayesian MLP on digits")
    parser.add_argument("--epochs", type=int, default=80)
    parser.add_argument("--plot", default=os.path.join(tempfile.gettempdir(),
                                                       "bnn_digits_reliability.png"))
    args = parser.parse_args()
    x_tr, x_te, y_tr, y_te = load_data()
    net = pf.layers.Sequential([
        pf.layers.DenseFlipout(128, activation="relu"),
        pf.layers.DenseFlipout(10),
        pf.layers.CategoricalHead(),
    ])
    net.compile(optimizer=optax.adam(1e-2), kl_weight=1.0)
    start = time.perf_counter()
    net.fit(x_tr, y_tr, epochs=args.epochs, batch_size=64, key=jax.random.key(0),
            validation_data=(x_te, y_te), verbose=2)
    print(f"trained in {time.perf_counter() - start:.1f} s")
    net.summary()
    metrics = net.evaluate(x_te, y_te, num_samples=100, key=jax.random.key(1))
    print(f"test accuracy: {metrics['accuracy']:.4f}")
    print(f"test NLL:      {metrics['nll']:.4f}")
    print(f"test ECE:      {metrics['ece']:.4f}")
    pred = net.predict(x_te, num_samples=100, key=jax.random.key(2))
    probs = np.asarray(pred.probs)
    wrong = probs.argmax(-1) != y_te
    epistemic = np.asarray(pred.epistemic_variance).sum(-1)
    print(f"mean epistemic variance: right {epistemic[~wrong].mean():.4f}, "
          f"wrong {epistemic[wrong].mean():.4f}")
    reliability_diagram(probs, y_te, args.plot)
    print(f"reliability diagram saved to {args.plot}")


if __name__ == "__main__":
    main()
