"""Regression: diabetes intervals and NLL against a deterministic MLP; the 1-D gap example."""

import jax
import numpy as np
import optax
import pytest

from probflow import layers as L


@pytest.mark.slow
def test_diabetes_intervals_cover_and_nll_beats_a_deterministic_mlp(diabetes):
    x_tr, x_te, y_tr, y_te = diabetes
    bnn = L.Sequential([L.DenseFlipout(32, activation="relu"), L.DenseFlipout(1),
                        L.NormalHead()])
    bnn.compile(optimizer=optax.adam(1e-2))
    bnn.fit(x_tr, y_tr, epochs=100, batch_size=32, key=jax.random.key(0), verbose=0)
    # The baseline: the same architecture, deterministic, with a fitted noise scale.
    det = L.Sequential([L.Dense(32, activation="relu"), L.Dense(1), L.NormalHead()])
    det.compile(optimizer=optax.adam(1e-2))
    det.fit(x_tr, y_tr, epochs=100, batch_size=32, key=jax.random.key(0), verbose=0)
    m_bnn = bnn.evaluate(x_te, y_te, num_samples=200, key=jax.random.key(1), interval=0.9)
    m_det = det.evaluate(x_te, y_te, num_samples=10, key=jax.random.key(1), interval=0.9)
    print("diabetes BNN", m_bnn, "deterministic", m_det)
    assert 0.85 <= m_bnn["coverage"] <= 0.95
    assert m_bnn["nll"] <= m_det["nll"]
    pred = bnn.predict(x_te, num_samples=200, key=jax.random.key(2))
    lo, hi = pred.interval(0.9)
    inside = float(np.mean((y_te >= lo) & (y_te <= hi)))
    assert 0.8 <= inside <= 0.97
    assert pred.mean.shape == y_te.shape and pred.samples.shape == (200,) + y_te.shape
    assert float(np.min(pred.aleatoric_variance)) > 0 and float(
        np.min(pred.epistemic_variance)) > 0


def gap_data(n=400, seed=0):
    rng = np.random.default_rng(seed)
    x = np.concatenate([rng.uniform(-4, -1.5, n // 2), rng.uniform(1.5, 4, n // 2)])
    y = np.sin(x) + 0.1 * rng.normal(size=n)
    return x.astype(np.float32)[:, None], y.astype(np.float32)


@pytest.mark.slow
def test_predictive_std_grows_in_the_gap():
    x, y = gap_data()
    net = L.Sequential([L.DenseFlipout(32, activation="tanh"),
                        L.DenseFlipout(32, activation="tanh"), L.DenseFlipout(1),
                        L.NormalHead()])
    net.compile(optimizer=optax.adam(1e-2))
    net.fit(x, y, epochs=300, batch_size=50, key=jax.random.key(0), verbose=0)
    at_data = net.predict(x, num_samples=200, key=jax.random.key(1))
    in_gap = net.predict(np.zeros((1, 1), np.float32), num_samples=200, key=jax.random.key(1))
    ratio = float(in_gap.std[0]) / float(np.mean(at_data.std))
    print("gap std ratio", ratio)
    assert float(np.sqrt(np.mean((at_data.mean - y) ** 2))) < 0.2
    assert ratio >= 2.0
