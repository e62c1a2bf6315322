"""fit's progress line, History, callbacks, and the other heads on small synthetic data."""

import jax
import numpy as np
import optax
import pytest

from probflow import layers as L


def _data(n=120, seed=0):
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(n, 3)).astype(np.float32)
    y = (x @ np.asarray([1.0, -1.0, 0.5]) + 0.1 * rng.normal(size=n)).astype(np.float32)
    return x, y


def test_progress_line_history_early_stopping_and_checkpoint(tmp_path, capsys):
    x, y = _data()
    net = L.Sequential([L.DenseFlipout(8, activation="relu"), L.DenseFlipout(1),
                        L.NormalHead()])
    net.compile(optimizer=optax.adam(1e-2))
    # A huge min_delta means no epoch counts as an improvement after the first.
    stop = L.EarlyStopping(monitor="val_loss", patience=2, min_delta=1e6, restore_best=True)
    ckpt = L.ModelCheckpoint(tmp_path / "best-{epoch}.npz", monitor="val_loss")
    history = net.fit(x, y, epochs=50, batch_size=32, key=jax.random.key(0),
                      validation_data=(x[:40], y[:40]), callbacks=[stop, ckpt], verbose=2)
    out = capsys.readouterr().out.splitlines()
    assert out[0].startswith("Epoch 1/50 - ")
    for name in ("loss:", "nll:", "kl:", "val_loss:", "val_rmse:"):
        assert name in out[0]
    assert len(history["loss"]) == 4 and history.epoch == [0, 1, 2, 3]
    assert stop.stopped_epoch == 3 and stop.best_epoch == 0
    assert ckpt.saved[0] == str(tmp_path / "best-0.npz")
    restored = L.load(ckpt.saved[0])
    for a, b in zip(jax.tree_util.tree_leaves(restored.params),
                    jax.tree_util.tree_leaves(net.params), strict=True):
        np.testing.assert_array_equal(a, b)  # restore_best put epoch 0's parameters back
    with pytest.raises(KeyError, match="monitor='val_loss' is not among"):
        net.fit(x, y, epochs=1, key=jax.random.key(1), verbose=0,
                callbacks=[L.EarlyStopping()])


@pytest.mark.compile_bound
@pytest.mark.parametrize("head,make_y", [
    (L.BernoulliHead(), lambda x, y: (y > 0).astype(np.int32)),
    (L.PoissonHead(), lambda x, y: np.round(np.exp(0.5 * y)).astype(np.int32)),
])
def test_other_heads_train_and_predict(head, make_y):
    x, y = _data()
    target = make_y(x, y)
    net = L.Sequential([L.DenseReparameterization(1), head])
    net.compile(optimizer=optax.adam(5e-2))
    history = net.fit(x, target, epochs=30, batch_size=40, key=jax.random.key(0), verbose=0)
    assert history["nll"][-1] < history["nll"][0]
    pred = net.predict(x[:5], num_samples=20, key=jax.random.key(1))
    assert pred.mean.shape == (5,) and pred.samples.shape == (20, 5)
    if head.is_classifier:  # (evaluate compiles one more function: once is enough here)
        metrics = net.evaluate(x, target, num_samples=20, key=jax.random.key(2))
        assert np.isfinite(metrics["nll"]) and metrics["accuracy"] > 0.85


@pytest.mark.compile_bound
def test_embedding_network_on_integer_ids():
    rng = np.random.default_rng(0)
    ids = rng.integers(0, 6, size=(200, 3)).astype(np.int32)
    y = (ids[:, 0] % 2).astype(np.int32)  # the parity of the first id decides the class
    net = L.Sequential([L.Embedding(6, 4), L.Flatten(), L.DenseFlipout(2),
                        L.CategoricalHead()])
    net.compile(optimizer=optax.adam(5e-2))
    net.fit(ids, y, epochs=30, batch_size=50, key=jax.random.key(0), verbose=0)
    assert net.input_dtype == np.int32
    assert net.evaluate(ids, y, num_samples=10, key=jax.random.key(1))["accuracy"] > 0.95


@pytest.mark.compile_bound
def test_fit_without_callbacks_dispatches_ahead_and_matches_the_callback_path():
    # Without callbacks the next epoch is dispatched before this one's logs are read; with a
    # callback each epoch waits for the host. Both must train exactly the same weights and
    # history, and a run of fewer epochs must be a prefix of a longer one.
    x = np.random.default_rng(0).normal(size=(40, 3)).astype(np.float32)
    y = (x @ np.array([1.0, -2.0, 0.5], np.float32)).astype(np.float32)

    def trained(epochs, callbacks=()):
        net = L.Sequential([L.DenseFlipout(4, activation="tanh"), L.Dense(1),
                            L.NormalHead(scale=1.0)])
        net.compile(optax.adam(1e-2))
        history = net.fit(x, y, epochs=epochs, batch_size=16, key=jax.random.key(3),
                          verbose=0, callbacks=list(callbacks))
        return net, history

    ahead, h_ahead = trained(4)
    waiting, h_waiting = trained(4, [L.Callback()])
    shorter, h_shorter = trained(2)
    for a, b in zip(jax.tree_util.tree_leaves(ahead.params),
                    jax.tree_util.tree_leaves(waiting.params), strict=True):
        np.testing.assert_array_equal(a, b)
    assert h_ahead.history == h_waiting.history and h_ahead.epoch == [0, 1, 2, 3]
    assert h_shorter.history["loss"] == h_ahead.history["loss"][:2]
