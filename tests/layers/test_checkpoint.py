"""Checkpoints of Sequential.fit: exact resume (after Ctrl-C and after SIGKILL), atomic state
files, clear errors for another network, optimizer, data or key."""

import os
import textwrap

import jax
import numpy as np
import optax
import pytest

from probflow import layers
from probflow.core.checkpoint import CheckpointError, load_arrays
from probflow.layers.checkpoint import FIT_FORMAT, FIT_VERSION
from tests.checkpoint_kill import kill_after_checkpoint

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

# One setup text, run here and in the killed child process alike.
SETUP = textwrap.dedent("""
    import jax, numpy as np, optax
    from probflow import layers

    def make_net(learning_rate=1e-2):
        net = layers.Sequential([layers.DenseFlipout(4, activation="relu"),
                                 layers.DenseFlipout(1), layers.NormalHead()])
        net.compile(optax.adam(learning_rate))
        return net

    rng = np.random.default_rng(0)
    X = rng.normal(size=(30, 3))
    Y = X[:, 0] - 0.5 * X[:, 1] + 0.1 * rng.normal(size=30)
""")
NAMESPACE: dict = {}
exec(SETUP, NAMESPACE)
make_net, X, Y = NAMESPACE["make_net"], NAMESPACE["X"], NAMESPACE["Y"]
RUN = dict(batch_size=8, verbose=0, validation_data=(X[:10], Y[:10]), validation_samples=3)


def _leaves(tree):
    return [np.asarray(leaf) for leaf in jax.tree_util.tree_leaves(tree)]


def _same_training(a, b):
    assert a.history.history == b.history.history
    assert a.history.epoch == b.history.epoch
    for u, v in zip(_leaves(a.params), _leaves(b.params), strict=True):
        np.testing.assert_array_equal(u, v)
    for u, v in zip(_leaves(a.opt_state), _leaves(b.opt_state), strict=True):
        np.testing.assert_array_equal(u, v)


class _InterruptAt(layers.Callback):
    """Raises KeyboardInterrupt (as Ctrl-C would) at the end of epoch ``epoch``."""

    def __init__(self, epoch):
        self.epoch = epoch

    def on_epoch_end(self, epoch, logs, model):
        if epoch == self.epoch:
            raise KeyboardInterrupt


def _keeper():
    """Keeps the weights of the epoch with the *largest* loss, one of the first as the loss
    falls: a resumed run gets them back only if the callback's state was restored."""
    return layers.EarlyStopping(monitor="loss", mode="max", patience=10, restore_best=True)


@pytest.fixture(scope="module")
def reference():
    """An uninterrupted 6-epoch run (typed key) without checkpoints."""
    net = make_net()
    keeper = _keeper()
    net.fit(X, Y, epochs=6, key=jax.random.key(5), callbacks=[keeper], **RUN)
    assert keeper.best_epoch < 3  # so the test below needs the restored callback state
    return net


@pytest.mark.slow
def test_interrupted_run_resumes_to_the_uninterrupted_result(tmp_path, reference):
    path = tmp_path / "fit.ckpt"
    net = make_net()
    with pytest.warns(RuntimeWarning, match="resume="):
        net.fit(X, Y, epochs=6, key=jax.random.key(5), checkpoint=path, checkpoint_every=50,
                callbacks=[_keeper(), _InterruptAt(2)], **RUN)
    header, _ = load_arrays(str(path), FIT_FORMAT, FIT_VERSION)
    # Ctrl-C in the callbacks of epoch index 2: three epochs completed and saved
    assert header["epochs_done"] == 3
    resumed = make_net()  # a raw key of the same seed is the same key
    history = resumed.fit(X, Y, epochs=6, key=jax.random.PRNGKey(5), resume=path,
                          callbacks=[_keeper()], **RUN)
    assert history is resumed.history and history.epoch == list(range(6))
    _same_training(resumed, reference)
    # the resumed run kept saving into the same file; resuming a finished run trains nothing
    assert load_arrays(str(path), FIT_FORMAT, FIT_VERSION)[0]["epochs_done"] == 6
    again = resumed  # (the same network object: its compiled epoch is reused)
    again.fit(X, Y, epochs=6, key=jax.random.key(5), resume=path, callbacks=[_keeper()], **RUN)
    _same_training(again, reference)
    with pytest.raises(CheckpointError, match=r"callbacks\[0\] of the run was a EarlyStopping"):
        again.fit(X, Y, epochs=6, key=jax.random.key(5), resume=path,
                  callbacks=[_InterruptAt(0)], **RUN)


@pytest.mark.compile_bound
def test_resume_true_starts_afresh_then_resumes_and_can_extend(tmp_path, reference):
    path = tmp_path / "fit.ckpt"
    net = make_net()
    net.fit(X, Y, epochs=3, key=jax.random.key(5), checkpoint=path, resume=True,
            callbacks=[_keeper()], **RUN)
    assert load_arrays(str(path), FIT_FORMAT, FIT_VERSION)[0]["epochs_done"] == 3
    # the same line with more epochs continues: epoch keys do not depend on `epochs`
    net.fit(X, Y, epochs=6, key=jax.random.key(5), checkpoint=path, resume=True,
            callbacks=[_keeper()], **RUN)
    _same_training(net, reference)


CHILD = SETUP + textwrap.dedent("""
    import sys, time
    jax.config.update("jax_enable_x64", True)

    class Slow(layers.Callback):  # gives the parent time to kill between checkpoints
        def on_epoch_end(self, epoch, logs, model):
            time.sleep(0.05)

    make_net().fit(X, Y, epochs=80, batch_size=8, key=jax.random.PRNGKey(11), verbose=0,
                   checkpoint=sys.argv[1], checkpoint_every=1, callbacks=[Slow()])
    print("FINISHED")
""")


@pytest.mark.slow
def test_sigkill_then_resume_gives_the_uninterrupted_training(tmp_path):
    """A child process is killed with SIGKILL after a few checkpoints; resuming here yields
    exactly the parameters and history of an uninterrupted run with the same (raw) key."""
    path = tmp_path / "killed.ckpt"
    header = kill_after_checkpoint(tmp_path, CHILD, path, path, FIT_FORMAT, FIT_VERSION,
                                   "epochs_done", 5)
    assert 5 <= header["epochs_done"] < 80
    resumed = make_net()
    resumed.fit(X, Y, epochs=80, batch_size=8, key=jax.random.PRNGKey(11), verbose=0,
                resume=path)
    reference = make_net()
    reference.fit(X, Y, epochs=80, batch_size=8, key=jax.random.PRNGKey(11), verbose=0)
    _same_training(resumed, reference)


@pytest.mark.compile_bound
def test_half_written_state_never_replaces_a_good_one(tmp_path, monkeypatch):
    import probflow.core.checkpoint as ck

    path = tmp_path / "fit.ckpt"
    net = make_net()
    net.fit(X, Y, epochs=2, key=jax.random.key(5), checkpoint=path, **RUN)
    good = path.read_bytes()
    real_savez = ck.np.savez

    def crash(f, **arrays):
        f.write(b"PK\x03\x04 half a zip file")
        raise OSError("disk full")

    monkeypatch.setattr(ck.np, "savez", crash)
    with pytest.raises(OSError, match="disk full"):
        net.fit(X, Y, epochs=4, key=jax.random.key(5), resume=path, **RUN)
    monkeypatch.setattr(ck.np, "savez", real_savez)
    assert path.read_bytes() == good
    assert os.listdir(tmp_path) == ["fit.ckpt"]


@pytest.fixture(scope="module")
def saved(tmp_path_factory):
    path = tmp_path_factory.mktemp("ckpt") / "fit.ckpt"
    make_net().fit(X, Y, epochs=1, key=jax.random.key(5), checkpoint=path, **RUN)
    return path


def _resume(path, net=None, x=X, y=Y, key=None, **kwargs):
    run = dict(RUN, **kwargs)
    (net or make_net()).fit(x, y, epochs=2, key=jax.random.key(5) if key is None else key,
                            resume=path, **run)


@pytest.mark.parametrize("change, match", [
    (lambda: dict(net=layers.Sequential([layers.DenseFlipout(5, activation="relu"),
                                         layers.DenseFlipout(1), layers.NormalHead()])),
     "another architecture"),
    (lambda: dict(net=make_net(learning_rate=3e-2)), "another optimizer .same state"),
    (lambda: dict(x=X[:, :2], validation_data=None), "another architecture"),
    (lambda: dict(x=X[:20], y=Y[:20]), "x of"),
    (lambda: dict(y=Y + 1.0), "other data"),
    (lambda: dict(key=jax.random.key(6)), "another key"),
    (lambda: dict(key=jax.random.PRNGKey(6)), "another key"),
    (lambda: dict(batch_size=10), "batch_size = 8"),
])
def test_resume_refuses_another_run(saved, change, match):
    with pytest.raises(CheckpointError, match=match):
        _resume(saved, **change())


def test_resume_refuses_another_optimizer_structure(saved):
    net = make_net()
    net.compile(optax.sgd(1e-2))
    with pytest.raises(CheckpointError, match="another optimizer: its state"):
        _resume(saved, net)


def test_checkpoint_argument_errors(saved, tmp_path):
    with pytest.raises(FileExistsError, match="resume="):
        make_net().fit(X, Y, epochs=1, key=jax.random.key(5), checkpoint=saved, **RUN)
    with pytest.raises(ValueError, match="checkpoint_every= needs checkpoint="):
        make_net().fit(X, Y, epochs=1, key=jax.random.key(5), checkpoint_every=2, **RUN)
    with pytest.raises(ValueError, match="checkpoint_every must be a positive integer, got 0"):
        make_net().fit(X, Y, key=jax.random.key(5), checkpoint=tmp_path / "a",
                       checkpoint_every=0)
    with pytest.raises(FileNotFoundError, match="no checkpoint"):
        _resume(tmp_path / "nothing.ckpt")
    with pytest.raises(TypeError, match="resume must be a checkpoint path or True"):
        _resume(3)
    damaged = tmp_path / "damaged.ckpt"
    damaged.write_bytes(saved.read_bytes()[:200])
    with pytest.raises(CheckpointError, match="not a readable probflow checkpoint"):
        _resume(damaged)
