"""Checkpoints of pf.vi.fit: exact resume (after Ctrl-C and after SIGKILL) and clear errors for
another posterior, guide, optimizer, run length or key."""

from __future__ import annotations

import importlib
import os
import textwrap

import jax
import numpy as np
import optax
import pytest

import probflow as pf
from probflow.core.checkpoint import CheckpointError, load_arrays
from probflow.vi.checkpoint import VI_FORMAT, VI_VERSION
from probflow.vi.result import FitWarning
from tests.checkpoint_kill import kill_after_checkpoint

loop_module = importlib.import_module("probflow.vi.loop")
# the k-hat of these short runs is beside the point: results are compared exactly
pytestmark = pytest.mark.filterwarnings("ignore::probflow.vi.psis.ApproximationWarning")
ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

# One model text, run here and in the killed child process alike.
MODEL = textwrap.dedent("""
    import jax, jax.numpy as jnp, numpy as np
    import probflow as pf
    from probflow import distributions as pfd

    @pf.model
    def regression(x):
        w = yield pfd.Normal(0.0, 5.0, name="w")
        sigma = yield pfd.HalfNormal(2.0, name="sigma")
        yield pfd.Normal(w * x, sigma, name="y")

    rng = np.random.default_rng(0)
    X = rng.normal(size=40)
    Y = 1.5 * X + 0.3 * rng.normal(size=40)
    POSTERIOR = regression(X).condition(y=Y)
""")
NAMESPACE: dict = {}
exec(MODEL, NAMESPACE)
POSTERIOR, X, Y, regression = (NAMESPACE[k] for k in ("POSTERIOR", "X", "Y", "regression"))
# minibatches of 10 rows: the epoch's permutation is part of the saved state
RUN = dict(num_steps=320, data=["x", "y"], batch_size=10, progress_bar=False)


def _same_fit(a, b):
    for name in ("params", "opt_state", "last_params"):
        for u, v in zip(jax.tree_util.tree_leaves(getattr(a, name)),
                        jax.tree_util.tree_leaves(getattr(b, name)), strict=True):
            np.testing.assert_array_equal(np.asarray(u), np.asarray(v), err_msg=name)
    np.testing.assert_array_equal(a.losses, b.losses)
    assert (a.converged, a.num_steps, a.khat) == (b.converged, b.num_steps, b.khat)


@pytest.fixture(scope="module")
def reference():
    return pf.vi.fit(POSTERIOR, key=jax.random.key(4), **RUN)


@pytest.mark.compile_bound
def test_interrupted_fit_resumes_to_the_uninterrupted_result(tmp_path, monkeypatch, reference):
    path = tmp_path / "vi.ckpt"
    original = loop_module._check_chunk
    calls = []

    def interrupt_third(*args):
        calls.append(1)
        if len(calls) == 3:
            raise KeyboardInterrupt
        return original(*args)

    monkeypatch.setattr(loop_module, "_check_chunk", interrupt_third)
    with pytest.warns(FitWarning, match="resume="):
        partial = pf.vi.fit(POSTERIOR, key=jax.random.key(4), checkpoint=path,
                            checkpoint_every=10_000, **RUN)
    monkeypatch.undo()
    header = load_arrays(str(path), VI_FORMAT, VI_VERSION)[0]
    assert header["steps_done"] == partial.num_steps == 16  # two chunks of 8 steps
    # a raw key of the same seed is the same key
    resumed = pf.vi.fit(POSTERIOR, key=jax.random.PRNGKey(4), resume=path, **RUN)
    _same_fit(resumed, reference)
    # the resumed run kept saving; resuming the finished run computes nothing new
    assert load_arrays(str(path), VI_FORMAT, VI_VERSION)[0]["steps_done"] == 320
    _same_fit(pf.vi.fit(POSTERIOR, key=jax.random.key(4), resume=path, **RUN), reference)


CHILD = "import jax\njax.config.update('jax_enable_x64', True)\n" + MODEL + textwrap.dedent("""
    import sys, time
    import probflow.vi.checkpoint as ck
    save = ck.VICheckpoint.save

    def slow_save(self, *args, **kwargs):  # gives the parent time to kill between saves
        save(self, *args, **kwargs)
        time.sleep(0.05)

    ck.VICheckpoint.save = slow_save
    pf.vi.fit(POSTERIOR, key=jax.random.PRNGKey(9), num_steps=2000, tol=None,
              progress_bar=False, checkpoint=sys.argv[1], checkpoint_every=50)
    print("FINISHED")
""")


@pytest.mark.slow
def test_sigkill_then_resume_gives_the_uninterrupted_fit(tmp_path):
    """A child process is killed with SIGKILL after a few checkpoints; resuming here gives
    exactly the fit of an uninterrupted run with the same (raw) key."""
    path = tmp_path / "killed.ckpt"
    header = kill_after_checkpoint(tmp_path, CHILD, path, path, VI_FORMAT, VI_VERSION,
                                   "steps_done", 200)
    assert 200 <= header["steps_done"] < 2000
    run = dict(num_steps=2000, tol=None, progress_bar=False)
    resumed = pf.vi.fit(POSTERIOR, key=jax.random.PRNGKey(9), resume=path, **run)
    _same_fit(resumed, pf.vi.fit(POSTERIOR, key=jax.random.PRNGKey(9), **run))


@pytest.fixture(scope="module")
def saved(tmp_path_factory):
    path = tmp_path_factory.mktemp("vi") / "vi.ckpt"
    pf.vi.fit(POSTERIOR, key=jax.random.key(4), checkpoint=path, **RUN)
    return path


@pytest.mark.parametrize("change, match", [
    (lambda: dict(posterior=regression(X).condition(y=Y + 1.0)), "another posterior"),
    (lambda: dict(guide="fullrank"), "the guide 'meanfield'"),
    (lambda: dict(optimizer=optax.adam(3e-2)), "another optimizer .same state"),
    (lambda: dict(optimizer=optax.sgd(1e-2)), "another optimizer: its state"),
    (lambda: dict(num_steps=400), "num_steps = 320"),
    (lambda: dict(batch_size=20), "minibatches"),
    (lambda: dict(key=jax.random.key(5)), "another key"),
])
def test_resume_refuses_another_run(saved, change, match):
    run = dict(RUN, posterior=POSTERIOR, key=jax.random.key(4))
    run.update(change())
    with pytest.raises(CheckpointError, match=match):
        pf.vi.fit(run.pop("posterior"), resume=saved, **run)


def test_checkpoint_argument_errors(saved):
    with pytest.raises(FileExistsError, match="resume="):
        pf.vi.fit(POSTERIOR, key=jax.random.key(4), checkpoint=saved, **RUN)
    with pytest.raises(ValueError, match="checkpoint_every= needs checkpoint="):
        pf.vi.fit(POSTERIOR, key=jax.random.key(4), checkpoint_every=5, **RUN)
