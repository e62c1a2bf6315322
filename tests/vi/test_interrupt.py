"""Ctrl-C (KeyboardInterrupt) during pf.vi.fit returns the fit so far, with a warning."""

from __future__ import annotations

import importlib
import os
import signal
import subprocess
import sys
import textwrap
import time

import jax
import jax.numpy as jnp
import numpy as np
import pytest

import probflow as pf
from probflow import distributions as pfd

fit_module = importlib.import_module("probflow.vi.fit")  # (pf.vi.fit is the function)
loop_module = importlib.import_module("probflow.vi.loop")

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


@pf.model
def normal_mean():
    mu = yield pfd.Normal(0.0, 10.0, name="mu")
    yield pfd.Normal(jnp.full(5, mu), 1.0, name="y")


POSTERIOR = normal_mean().condition(y=jnp.arange(5.0))
NUM_STEPS = 400  # chunks of 16 steps


def interrupt_on_call(monkeypatch, name, call):
    """Make ``loop_module.<name>`` raise KeyboardInterrupt on its ``call``-th call; returns the
    list of the arguments it saw."""
    original = getattr(loop_module, name)
    seen = []

    def wrapped(*args):
        seen.append(args)
        if len(seen) == call:
            raise KeyboardInterrupt
        return original(*args)

    monkeypatch.setattr(loop_module, name, wrapped)
    return seen


@pytest.fixture(scope="module")
def full_fit():
    return pf.vi.fit(POSTERIOR, key=jax.random.key(0), num_steps=NUM_STEPS, progress_bar=False)


def test_interrupt_between_chunks_keeps_the_completed_chunks(monkeypatch, full_fit):
    # the host queues chunk k + 1 before it checks chunk k: the fourth call (chunk 4) comes
    # after chunks 1 and 2 were checked, while chunk 3 runs
    seen = interrupt_on_call(monkeypatch, "_run_chunk", 4)
    with pytest.warns(pf.vi.FitWarning, match=r"interrupted \(KeyboardInterrupt\) after 32 of "
                                              r"400 steps.*result.resume"):
        fit = pf.vi.fit(POSTERIOR, key=jax.random.key(0), num_steps=NUM_STEPS,
                        progress_bar=False)
    assert fit.interrupted and not full_fit.interrupted
    assert fit.num_steps == 32
    # the same steps as the uninterrupted run (step t uses fold_in(key, t))
    np.testing.assert_array_equal(fit.losses, full_fit.losses[:32])
    # the parameters and optimizer state after the second chunk, the input of the third
    state_after_two = seen[2][3]
    np.testing.assert_array_equal(fit.params["loc"], state_after_two.params["loc"])
    assert fit.num_averaged == 0  # the averaging window (the last 200 steps) was not reached
    assert int(fit.opt_state[0].count) == 32
    # the interrupted fit resumes
    monkeypatch.undo()
    more = fit.resume(16, key=jax.random.key(1), progress_bar=False)
    assert more.num_steps == 48 and not more.interrupted


def test_interrupt_while_a_chunk_runs_discards_it(monkeypatch, full_fit):
    interrupt_on_call(monkeypatch, "_wait", 2)  # waiting for the second chunk
    with pytest.warns(pf.vi.FitWarning, match="after 16 of 400 steps"):
        fit = pf.vi.fit(POSTERIOR, key=jax.random.key(0), num_steps=NUM_STEPS,
                        progress_bar=False)
    np.testing.assert_array_equal(fit.losses, full_fit.losses[:16])
    assert np.all(np.isfinite(fit.params["loc"]))


def test_interrupt_before_the_first_chunk_returns_the_start(monkeypatch):
    interrupt_on_call(monkeypatch, "_run_chunk", 1)  # e.g. while it compiles
    with pytest.warns(pf.vi.FitWarning, match="after 0 of 400 steps"):
        fit = pf.vi.fit(POSTERIOR, "map", key=jax.random.key(0), num_steps=NUM_STEPS,
                        progress_bar=False)
    assert fit.num_steps == 0 and fit.losses.dtype == fit.params["loc"].dtype
    start = fit_module._quick_params(POSTERIOR, jax.random.split(jax.random.key(0))[0],
                                     fit.guide)
    np.testing.assert_array_equal(fit.params["loc"], start["loc"])
    assert int(fit.opt_state[0].count) == 0


CHILD = textwrap.dedent("""
    import jax, jax.numpy as jnp, numpy as np
    import probflow as pf
    from probflow import distributions as pfd

    @pf.model
    def normal_mean():
        mu = yield pfd.Normal(0.0, 10.0, name="mu")
        yield pfd.Normal(jnp.full(5, mu), 1.0, name="y")

    posterior = normal_mean().condition(y=jnp.arange(5.0))
    num_steps = 40 * 2**14  # 40 chunks of 16384 steps, about 0.1 s each: 5 s in all
    # compile the chunk first (tol=inf stops after two chunks), so that the signal arrives
    # while compiled chunks run
    pf.vi.fit(posterior, key=jax.random.key(0), num_steps=num_steps, tol=float("inf"),
              progress_bar=False)
    print("FIT STARTS", flush=True)
    fit = pf.vi.fit(posterior, key=jax.random.key(1), num_steps=num_steps, progress_bar=False)
    print("RETURNED", fit.num_steps, fit.interrupted,
          bool(np.all(np.isfinite(np.asarray(fit.params["loc"])))), flush=True)
""")


@pytest.mark.slow  # a subprocess: about 8 s, mostly importing and compiling
def test_sigint_during_fit_returns_within_a_second(tmp_path):
    script = tmp_path / "child.py"
    script.write_text(CHILD)
    env = {**os.environ, "PYTHONPATH": ROOT + os.pathsep + os.environ.get("PYTHONPATH", "")}
    child = subprocess.Popen([sys.executable, str(script)], stdout=subprocess.PIPE,
                             stderr=subprocess.PIPE, text=True, env=env, cwd=ROOT)
    try:
        line = child.stdout.readline()  # blocks until the marker (or the child's end)
        assert line.startswith("FIT STARTS"), line + child.stderr.read()[-3000:]
        time.sleep(1.0)  # the fit is set up (all compiled) and runs its chunks
        sent = time.monotonic()
        child.send_signal(signal.SIGINT)
        out, err = child.communicate(timeout=30)
        elapsed = time.monotonic() - sent
    finally:
        if child.poll() is None:
            child.kill()
            child.communicate()
    assert child.returncode == 0, err[-3000:]
    assert "FitWarning: fit: interrupted (KeyboardInterrupt) after" in err
    words = out.split()
    assert words[0] == "RETURNED", out
    steps, interrupted, finite = int(words[1]), words[2], words[3]
    assert 0 < steps < 40 * 2**14 and steps % 2**14 == 0  # whole chunks only
    assert interrupted == "True" and finite == "True"
    # the fit stops at once; the interpreter then waits for the chunk in flight and exits
    assert elapsed < 5.0, elapsed
