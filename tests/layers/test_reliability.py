"""Issue 12, Bayesian layers: failures keep usable weights, targets are checked before
training, predict works in row chunks, saving is safe, and Ctrl-C keeps the last epoch."""

import json
import os
import signal
import stat
import subprocess
import sys
import textwrap
import threading
import time

import arviz as az
import jax
import jax.numpy as jnp
import numpy as np
import optax
import pytest

import probflow.distributions as pfd
import probflow.layers.sequential as sequential_module
from probflow import layers as L
from probflow.core.errors import ShapeError


def _data(n=64, seed=0):
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(n, 3)).astype(np.float32)
    y = (x @ np.asarray([1.0, -1.0, 0.5]) + 0.1 * rng.normal(size=n)).astype(np.float32)
    return x, y


def _finite(tree):
    return all(bool(np.all(np.isfinite(leaf))) for leaf in jax.tree_util.tree_leaves(tree))


# -- 1. a diverging fit keeps the last weights with a finite loss ------------------------------
def test_diverging_sgd_keeps_finite_weights_and_predict_stays_finite():
    x, y = _data()
    net = L.Sequential([L.DenseFlipout(1), L.NormalHead()])
    net.compile(optax.sgd(1e8))
    with pytest.raises(FloatingPointError,
                       match="net.params keep the last weights with a finite loss"):
        net.fit(x, y, epochs=5, batch_size=32, key=jax.random.key(0), verbose=0)
    assert _finite(net.params) and _finite(net.opt_state)
    pred = net.predict(x[:8], num_samples=10, key=jax.random.key(1))
    assert np.all(np.isfinite(pred.mean)) and np.all(np.isfinite(pred.std))


def _scripted_sgd(step, mode):
    """``optax.sgd(0.05)`` except at update number ``step``: a NaN update (``"nan"``), a huge
    finite one whose loss then overflows (``"huge"``), or none from there on (``"stop"``)."""
    inner = optax.sgd(0.05)

    def init(params):
        return jnp.zeros((), jnp.int32), inner.init(params)

    def update(grads, state, params=None):
        count, inner_state = state
        updates, inner_state = inner.update(grads, inner_state, params)
        if mode == "nan":
            updates = jax.tree_util.tree_map(lambda u: jnp.where(count == step, jnp.nan, u),
                                             updates)
        elif mode == "huge":
            updates = jax.tree_util.tree_map(lambda u: jnp.where(count == step, 1e30, u),
                                             updates)
        else:
            updates = jax.tree_util.tree_map(lambda u: jnp.where(count >= step, 0.0, u),
                                             updates)
        return updates, (count + 1, inner_state)

    return optax.GradientTransformation(init, update)


# 64 rows in batches of 16: 4 steps per epoch; update g (0-based) makes the weights W_{g+1}.
@pytest.mark.compile_bound
@pytest.mark.parametrize("mode,step,message,kept,epochs_done", [
    # W_5 is NaN, so step 2 of epoch 2 has a NaN loss; keep W_4 (no replay needed).
    ("nan", 4, r"non-finite at step 2/4 of epoch 2.*those step 1 of epoch 2 started from",
     4, 1),
    # W_6 is NaN: step 3 of epoch 2 fails; W_5 comes back by replaying one step.
    ("nan", 5, r"non-finite at step 3/4 of epoch 2.*those step 2 of epoch 2 started from",
     5, 1),
    # W_4, the end of epoch 1, is NaN while every loss of epoch 1 is finite: keep W_3.
    ("nan", 3, r"weights became non-finite in the last step \(4/4\) of epoch 1.*those step 4 "
               r"of epoch 1 started from", 3, 0),
    # W_4 is finite but its loss overflows at the first step of epoch 2: replay epoch 1's
    # first three steps to get W_3 back.
    ("huge", 3, r"non-finite at step 1/4 of epoch 2.*those the last step of epoch 1 started "
                r"from", 3, 1),
])
def test_failure_keeps_exactly_the_last_weights_with_a_finite_loss(mode, step, message, kept,
                                                                   epochs_done):
    x, y = _data()

    def make(optimizer):
        net = L.Sequential([L.Dense(1), L.NormalHead(scale=1.0)])
        net.compile(optimizer)
        return net

    net = make(_scripted_sgd(step, mode))
    with pytest.raises(FloatingPointError, match=message):
        net.fit(x, y, epochs=3, batch_size=16, key=jax.random.key(0), verbose=0)
    assert len(net.history.epoch) == len(net.history.history.get("loss", [])) == epochs_done
    # The reference stops updating after `kept` updates, so its weights are exactly W_kept;
    # sgd moves the weights at every step, so matching them pins the step.
    reference = make(_scripted_sgd(kept, "stop"))
    reference.fit(x, y, epochs=2, batch_size=16, key=jax.random.key(0), verbose=0)
    assert _finite(net.params) and _finite(net.opt_state)
    for a, b in zip(jax.tree_util.tree_leaves(net.params),
                    jax.tree_util.tree_leaves(reference.params), strict=True):
        np.testing.assert_allclose(a, b, rtol=1e-6)


# -- 2 and 3. targets are checked against the head before training ----------------------------
def test_class_labels_out_of_range_or_not_integers_fail_before_training():
    x, _ = _data()
    net = L.Sequential([L.DenseFlipout(2), L.CategoricalHead()])
    labels = np.where(x[:, 0] > 0, 7, 0)
    with pytest.raises(ValueError, match=r"y must hold class labels in \[0, 2\) for "
                                         r"CategoricalHead over 2 classes, got 7 at flat "
                                         r"index \d+"):
        net.fit(x, labels, epochs=1, key=jax.random.key(0), verbose=0)
    assert net.history is None  # no epoch ran
    with pytest.raises(ValueError, match=r"integer class labels for CategoricalHead, got 0.5"):
        net.fit(x, labels * 0 + 0.5, epochs=1, key=jax.random.key(0), verbose=0)
    with pytest.raises(ValueError, match="got dtype bool"):
        net.fit(x, labels > 0, epochs=1, key=jax.random.key(0), verbose=0)
    with pytest.raises(ValueError, match=r"validation_data\[1\] must hold class labels in "
                                         r"\[0, 2\).*got -1"):
        net.fit(x, labels % 2, epochs=1, key=jax.random.key(0), verbose=0,
                validation_data=(x[:4], np.asarray([0, 1, -1, 0])))
    with pytest.raises(ValueError, match=r"y must hold class labels in \[0, 2\).*got 7"):
        net.evaluate(x, labels, key=jax.random.key(0))
    assert net.history is None
    # Whole-number float labels in range are accepted (and converted to int32).
    assert net._prepare_y(np.asarray([0.0, 1.0]), 2).dtype == jnp.int32


def test_target_shapes_are_checked_against_the_head_in_fit_and_evaluate():
    x, y = _data()
    net = L.Sequential([L.DenseFlipout(1), L.NormalHead()])
    wide = np.zeros((64, 2), np.float32)
    with pytest.raises(ShapeError, match=r"y has shape \(64, 2\), but NormalHead predicts "
                                         r"targets of shape \(64,\)"):
        net.fit(x, wide, epochs=1, key=jax.random.key(0), verbose=0)
    with pytest.raises(ShapeError, match=r"y has shape \(64, 2\).*\(64,\)"):
        net.evaluate(x, wide, key=jax.random.key(0))
    with pytest.raises(ShapeError, match=r"validation_data\[1\] has shape \(4, 3\)"):
        net.fit(x, y, epochs=1, key=jax.random.key(0), verbose=0,
                validation_data=(x[:4], np.zeros((4, 3))))
    # A trailing axis of length one is fine either way.
    assert net._prepare_y(y[:, None], 64).shape == (64, 1)
    two = L.Sequential([L.Dense(2), L.NormalHead()])
    two.build(jax.random.key(0), (3,))
    with pytest.raises(ShapeError, match=r"y has shape \(64,\).*\(64, 2\)"):
        two._prepare_y(y, 64)
    assert two._prepare_y(wide, 64).shape == (64, 2)
    cat = L.Sequential([L.Dense(3), L.CategoricalHead()])
    cat.build(jax.random.key(0), (3,))
    with pytest.raises(ShapeError, match=r"y has shape \(64, 3\).*CategoricalHead predicts "
                                         r"targets of shape \(64,\)"):
        cat._prepare_y(np.zeros((64, 3), np.int32), 64)


# -- 4. predict in row chunks -----------------------------------------------------------------
def _record_rows(monkeypatch):
    rows = []
    real = sequential_module.predictive_draws

    def spy(net, params, x, *args, **kwargs):
        rows.append(x.shape[0])  # called while tracing: the rows one compiled call sees
        return real(net, params, x, *args, **kwargs)

    monkeypatch.setattr(sequential_module, "predictive_draws", spy)
    return rows


@pytest.mark.slow  # ~5-7 s of CPU: two compiles of the predictive draws
def test_predict_in_chunks_equals_one_pass(monkeypatch):
    rows = _record_rows(monkeypatch)
    x, _ = _data(37)
    net = L.Sequential([L.DenseFlipout(8, activation="relu"),
                        L.DenseLocalReparameterization(1), L.NormalHead()])
    net.build(jax.random.key(0), (3,))
    key = jax.random.key(1)
    chunked = net.predict(x, num_samples=20, key=key, batch_size=16)
    whole = net.predict(x, num_samples=20, key=key)
    assert rows == [16, 37]  # three chunks of 16 rows (the last padded) share one compile
    for field in ("mean", "std", "samples", "epistemic_variance", "aleatoric_variance"):
        np.testing.assert_allclose(getattr(chunked, field), getattr(whole, field), rtol=1e-5,
                                   atol=1e-6, err_msg=field)
    with pytest.raises(ValueError, match="batch_size must be a positive integer, got 0"):
        net.predict(x, key=key, batch_size=0)


@pytest.mark.slow  # ~5-7 s of CPU: two compiles of the predictive draws
def test_evaluate_and_posterior_predict_chunk_the_same_with_a_raw_key(monkeypatch):
    rows = _record_rows(monkeypatch)
    x, y = _data(21)
    labels = (y > 0).astype(np.int32) + (y > 1)
    net = L.Sequential([L.DenseFlipout(3), L.CategoricalHead()])
    net.build(jax.random.key(0), (3,))
    key = jax.random.PRNGKey(2)
    a = net.evaluate(x, labels, num_samples=12, key=key, batch_size=8)
    b = net.evaluate(x, labels, num_samples=12, key=key)
    for name, value in b.items():
        np.testing.assert_allclose(a[name], value, rtol=1e-5, err_msg=name)
    rng = np.random.default_rng(0)
    idata = az.from_dict(posterior={"0.kernel": rng.normal(size=(2, 5, 3, 3)),
                                    "0.bias": rng.normal(size=(2, 5, 3))})
    c = net.predict(x, num_samples=10, key=key, posterior=idata, batch_size=5)
    d = net.predict(x, num_samples=10, key=key, posterior=idata)
    np.testing.assert_allclose(c.probs, d.probs, rtol=1e-5, atol=1e-7)
    np.testing.assert_array_equal(c.samples, d.samples)
    assert rows == [8, 21, 5, 21]


# -- 5. saving and loading --------------------------------------------------------------------
@pytest.fixture(scope="module")
def tiny_net():
    net = L.Sequential([L.DenseFlipout(2, kernel_prior=pfd.Laplace(0.0, 1.0)),
                        L.CategoricalHead()])
    net.build(jax.random.key(0), (3,))
    return net


@pytest.mark.skipif(sys.platform == "win32", reason="POSIX permissions and fsync")
def test_saved_files_follow_the_umask(tiny_net, tmp_path):
    for umask, mode in ((0o022, 0o644), (0o077, 0o600), (0o002, 0o664)):
        old = os.umask(umask)
        try:
            tiny_net.save(tmp_path / f"net-{umask:o}.npz")
        finally:
            os.umask(old)
        assert stat.S_IMODE(os.stat(tmp_path / f"net-{umask:o}.npz").st_mode) == mode


@pytest.mark.skipif(sys.platform == "win32", reason="POSIX permissions and fsync")
def test_save_writes_a_partial_file_syncs_it_and_renames(tiny_net, tmp_path, monkeypatch):
    calls = []
    real_fsync, real_replace = os.fsync, os.replace

    def fsync(fd):
        calls.append(("fsync", "directory" if stat.S_ISDIR(os.fstat(fd).st_mode) else "file"))
        real_fsync(fd)

    def replace(src, dst):
        calls.append(("replace", os.path.basename(src), os.path.basename(dst)))
        real_replace(src, dst)

    monkeypatch.setattr(os, "fsync", fsync)
    monkeypatch.setattr(os, "replace", replace)
    tiny_net.save(tmp_path / "net.npz")
    assert calls == [("fsync", "file"), ("replace", ".net.npz.partial", "net.npz"),
                     ("fsync", "directory")]
    assert sorted(os.listdir(tmp_path)) == ["net.npz"]


def test_interrupted_or_killed_saves_leave_no_lookalike_files(tiny_net, tmp_path, monkeypatch):
    path = tmp_path / "net.npz"
    tiny_net.save(path)
    good = path.read_bytes()
    # What kill -9 in the middle of a save leaves behind: a truncated hidden partial file.
    (tmp_path / ".net.npz.partial").write_bytes(good[: len(good) // 3])

    def interrupted_savez(file, **arrays):
        file.write(b"PK\x03\x04 half a zip")
        raise KeyboardInterrupt

    with monkeypatch.context() as m:
        m.setattr(np, "savez", interrupted_savez)
        with pytest.raises(KeyboardInterrupt):
            tiny_net.save(path)
    assert sorted(os.listdir(tmp_path)) == ["net.npz"] and path.read_bytes() == good
    (tmp_path / ".net.npz.partial").write_bytes(b"stale")
    tiny_net.save(path)  # the next save reuses the stale partial file and renames it away
    assert sorted(os.listdir(tmp_path)) == ["net.npz"]
    assert L.load(path).summary(print_fn=lambda s: None) == tiny_net.summary(lambda s: None)


def test_concurrent_saves_of_one_path_never_tear_the_file(tiny_net, tmp_path):
    other = L.Sequential([L.DenseFlipout(2, kernel_prior=pfd.Laplace(0.0, 1.0)),
                          L.CategoricalHead()])
    other.build(jax.random.key(5), (3,))
    path = tmp_path / "net.npz"
    errors = []

    def worker(net):
        try:
            for _ in range(10):
                net.save(path)
        except Exception as e:  # noqa: BLE001 - reported below
            errors.append(e)

    threads = [threading.Thread(target=worker, args=(n,)) for n in (tiny_net, other)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert not errors and sorted(os.listdir(tmp_path)) == ["net.npz"]
    loaded = jax.tree_util.tree_leaves(L.load(path).params)
    assert any(all(np.array_equal(a, b) for a, b in
                   zip(loaded, jax.tree_util.tree_leaves(n.params), strict=True))
               for n in (tiny_net, other))


def test_load_refuses_foreign_files_and_priors_outside_the_allow_list(tiny_net, tmp_path):
    text = tmp_path / "hostname"
    text.write_text("myhost\n")
    with pytest.raises(ValueError, match=r"is not a probflow network file.*starts with "
                                         r"b'myho'") as err:
        L.load(text)
    assert "pickle" not in str(err.value)
    np.save(tmp_path / "array.npy", np.zeros(3))
    with pytest.raises(ValueError, match="is not a probflow network file"):
        L.load(tmp_path / "array.npy")
    np.savez(tmp_path / "objects.npz", a=np.asarray([{"x": 1}], dtype=object))
    with pytest.raises(ValueError, match=r"pickled \(object\) arrays.*never unpickles"):
        L.load(tmp_path / "objects.npz")
    with pytest.raises(IsADirectoryError, match="is a directory"):
        L.load(tmp_path)
    # A file whose architecture names something outside the allow-list of prior classes.
    tiny_net.save(tmp_path / "net.npz")
    with np.load(tmp_path / "net.npz") as data:
        arrays = {k: data[k] for k in data.files}
    config = json.loads(str(arrays["__config__"]))
    for name in ("kl_divergence", "Gamma"):
        config["layers"][0]["kernel_prior"] = {"__distribution__": name,
                                               "params": {"p": 0.0, "q": 1.0}}
        arrays["__config__"] = np.asarray(json.dumps(config))
        np.savez(tmp_path / "tampered.npz", **arrays)
        with pytest.raises(ValueError, match=f"names the prior '{name}', which is not an "
                                             f"allowed prior class"):
            L.load(tmp_path / "tampered.npz")


def test_priors_outside_the_allow_list_cannot_be_saved_and_allowed_ones_round_trip():
    with pytest.raises(TypeError, match="cannot save the prior Gamma; saved networks may use "
                                        "ScaleMixturePrior or one of"):
        L.DenseFlipout(2, kernel_prior=pfd.Gamma(2.0, 1.0)).get_config()
    for prior in (pfd.StudentT(3.0, 0.0, 2.0), pfd.GeneralizedNormal(0.0, 1.0, 1.5),
                  L.ScaleMixturePrior(0.5, 1.0, 0.01)):
        layer = L.layer_from_config(L.DenseFlipout(2, kernel_prior=prior).get_config())
        assert type(layer.kernel_prior) is type(prior)
        for k, v in prior.parameters.items():
            np.testing.assert_allclose(layer.kernel_prior.parameters[k], v)


# -- 6. Ctrl-C during fit ---------------------------------------------------------------------
_CHILD = textwrap.dedent("""
    import signal
    signal.signal(signal.SIGINT, signal.default_int_handler)  # even if the parent ignores it
    import jax, numpy as np, optax
    from probflow import layers as L

    class Started(L.Callback):
        def on_epoch_end(self, epoch, logs, model):
            if epoch == 2:
                print("TRAINING", flush=True)

    rng = np.random.default_rng(0)
    x = rng.normal(size=(64, 3)).astype(np.float32)
    y = x.sum(1).astype(np.float32)
    net = L.Sequential([L.DenseFlipout(1), L.NormalHead()])
    net.compile(optax.adam(1e-2))
    history = net.fit(x, y, epochs=10**7, batch_size=32, key=jax.random.key(0), verbose=0,
                      callbacks=[Started()])
    pred = net.predict(x[:5], num_samples=10, key=jax.random.key(1))
    print("EPOCHS", len(history.epoch), len(history["loss"]), history is net.history)
    print("FINITE", bool(np.all(np.isfinite(pred.mean)) and np.all(np.isfinite(pred.std))))
""")


@pytest.mark.compile_bound
@pytest.mark.skipif(sys.platform == "win32", reason="POSIX signals")
def test_ctrl_c_during_fit_keeps_the_last_epoch_and_returns(tmp_path):
    env = {**os.environ, "JAX_PLATFORMS": "cpu"}
    stderr_path = tmp_path / "stderr.txt"
    with open(stderr_path, "w") as stderr:
        child = subprocess.Popen([sys.executable, "-c", _CHILD], stdout=subprocess.PIPE,
                                 stderr=stderr, text=True, env=env)
        try:
            lines = []
            reader = threading.Thread(target=lambda: lines.extend(child.stdout), daemon=True)
            reader.start()
            deadline = time.monotonic() + 120
            while "TRAINING\n" not in lines:
                assert child.poll() is None, f"child ended early: {stderr_path.read_text()}"
                assert time.monotonic() < deadline, "training never started"
                time.sleep(0.05)
            child.send_signal(signal.SIGINT)
            assert child.wait(timeout=120) == 0, stderr_path.read_text()
            reader.join(timeout=10)
        finally:
            if child.poll() is None:
                child.kill()
                child.wait()
    err = stderr_path.read_text()
    assert "Traceback" not in err, err
    assert "Sequential.fit was interrupted (KeyboardInterrupt) during epoch" in err
    epochs = next(line for line in lines if line.startswith("EPOCHS")).split()
    assert int(epochs[1]) >= 3 and epochs[1] == epochs[2] and epochs[3] == "True"
    assert f"net.params keep the weights after epoch {epochs[1]}" in err
    assert "FINITE True\n" in lines
