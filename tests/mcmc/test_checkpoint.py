"""Checkpoints: exact resume after SIGKILL, atomic state files, clear errors, flat memory."""

import os
import subprocess
import sys
import textwrap

import jax
import jax.numpy as jnp
import numpy as np
import pytest

import probflow as pf
import probflow.distributions as pfd
from probflow.core.checkpoint import CheckpointError, load_arrays, save_arrays
from probflow.mcmc.checkpoint import (
    CHECKPOINT_FORMAT,
    CHECKPOINT_VERSION,
    PREVIOUS_FILE,
    STATE_FILE,
)
from tests.checkpoint_kill import kill_after_checkpoint, kill_when_saved

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

# One model text, run here and in the killed child process alike.
MODEL = textwrap.dedent("""
    import jax, jax.numpy as jnp, numpy as np
    import probflow as pf
    import probflow.distributions as pfd

    @pf.model
    def schools(sigma):
        mu = yield pfd.Normal(0.0, 5.0, name="mu")
        tau = yield pfd.HalfCauchy(0.0, 5.0, name="tau")
        theta_raw = yield pfd.Normal(jnp.zeros(8), 1.0, name="theta_raw")
        theta = yield pf.Deterministic(mu + tau * theta_raw, name="theta")
        yield pfd.Normal(theta, sigma, name="y")

    Y = np.array([28.0, 8.0, -3.0, 7.0, -1.0, 1.0, 18.0, 12.0])
    SIGMA = np.array([15.0, 10.0, 16.0, 11.0, 9.0, 11.0, 10.0, 18.0])
    POSTERIOR = schools(SIGMA).condition(y=Y)
""")
NAMESPACE: dict = {}
exec(MODEL, NAMESPACE)
POSTERIOR = NAMESPACE["POSTERIOR"]
RUN = dict(num_chains=2, num_warmup=150, num_samples=120, thin=2, progress_bar=False, warn=False)


def _same(a, b):
    for group in ("posterior", "sample_stats", "log_likelihood"):
        for name in a[group].data_vars:
            np.testing.assert_array_equal(a[group][name].values, b[group][name].values,
                                          err_msg=f"{group}/{name}")


@pytest.mark.slow
def test_checkpointed_run_equals_plain_run_and_resume_of_a_finished_run(tmp_path):
    key = jax.random.key(3)
    plain = pf.mcmc.sample(POSTERIOR, key=key, save_warmup=True, **RUN)
    path = tmp_path / "run.ckpt"
    stored = pf.mcmc.sample(POSTERIOR, key=key, save_warmup=True, checkpoint=path,
                            checkpoint_every=40, **RUN)
    # constrained values are computed per chunk on disk and at the end in memory: same maths,
    # other batch sizes, so equal to rounding
    for group in ("posterior", "sample_stats", "log_likelihood", "warmup_posterior"):
        for name in plain[group].data_vars:
            np.testing.assert_allclose(stored[group][name].values, plain[group][name].values,
                                       rtol=1e-12, atol=1e-12, err_msg=f"{group}/{name}")
    header, _ = load_arrays(str(path / STATE_FILE), CHECKPOINT_FORMAT, CHECKPOINT_VERSION)
    assert header["done"] == RUN["num_warmup"] + RUN["num_samples"]
    again = pf.mcmc.resume(path, POSTERIOR, progress_bar=False, warn=False)
    _same(again, stored)


CHILD = MODEL + textwrap.dedent("""
    import sys
    jax.config.update("jax_enable_x64", True)
    pf.mcmc.sample(POSTERIOR, key=jax.random.PRNGKey(11), num_chains=2, num_warmup=150,
                   num_samples=3000, progress_bar=False, warn=False, checkpoint=sys.argv[1],
                   checkpoint_every=100)
    print("FINISHED")
""")


@pytest.mark.slow
def test_sigkill_then_resume_gives_the_uninterrupted_draws(tmp_path):
    """A child process is killed with SIGKILL after its first checkpoints; resuming it here
    yields exactly the draws of an uninterrupted run with the same (raw) key."""
    path = tmp_path / "killed.ckpt"
    header = kill_after_checkpoint(tmp_path, CHILD, path, path / STATE_FILE,
                                   CHECKPOINT_FORMAT, CHECKPOINT_VERSION, "done", 350)
    assert 350 <= header["done"] < 150 + 3000
    resumed = pf.mcmc.resume(path, POSTERIOR, progress_bar=False, warn=False)
    reference = pf.mcmc.sample(POSTERIOR, key=jax.random.PRNGKey(11), num_chains=2,
                               num_warmup=150, num_samples=3000, progress_bar=False, warn=False,
                               checkpoint=tmp_path / "reference.ckpt", checkpoint_every=1000)
    _same(resumed, reference)


@pytest.mark.compile_bound
def test_interrupted_run_saves_its_state_and_resumes(tmp_path):
    from probflow.mcmc.chains import run_chains_chunked

    class StopAfterFirstChunk:
        interrupted = True

    calls = []
    original = run_chains_chunked

    def once(*args, **kwargs):
        calls.append(1)
        return original(*args, **{**kwargs, "guard": StopAfterFirstChunk()})

    path = tmp_path / "ctrl-c.ckpt"
    sample_module = sys.modules["probflow.mcmc.sample"]
    key = jax.random.key(8)
    sample_module.run_chains_chunked = once
    try:
        with pytest.raises(KeyboardInterrupt, match="pf.mcmc.resume"):
            pf.mcmc.sample(POSTERIOR, key=key, checkpoint=path, **RUN)
    finally:
        sample_module.run_chains_chunked = original
    header, _ = load_arrays(str(path / STATE_FILE), CHECKPOINT_FORMAT, CHECKPOINT_VERSION)
    assert 0 < header["done"] < RUN["num_warmup"]
    resumed = pf.mcmc.resume(path, POSTERIOR, progress_bar=False, warn=False)
    full = pf.mcmc.sample(POSTERIOR, key=key, checkpoint=tmp_path / "full.ckpt", **RUN)
    _same(resumed, full)


def _small_run(path, **kwargs):
    return pf.mcmc.sample(lambda x: -0.5 * jnp.sum(x**2), key=jax.random.key(0),
                          initial_position=jnp.zeros((2, 3)), num_chains=2, num_warmup=30,
                          num_samples=20, progress_bar=False, warn=False, checkpoint=path,
                          **kwargs)


@pytest.mark.compile_bound
def test_half_written_state_never_replaces_a_good_one(tmp_path, monkeypatch):
    import probflow.core.checkpoint as ck

    path = tmp_path / "run.ckpt"
    idata = _small_run(path)
    state = str(path / STATE_FILE)
    good = open(state, "rb").read()

    def crash(f, **arrays):
        f.write(b"PK\x03\x04 half a zip file")
        raise OSError("disk full")

    monkeypatch.setattr(ck.np, "savez", crash)
    with pytest.raises(OSError, match="disk full"):
        ck.save_arrays(state, {"format": CHECKPOINT_FORMAT}, {"x": np.zeros(3)})
    monkeypatch.undo()
    assert open(state, "rb").read() == good
    assert sorted(os.listdir(path)) == sorted(f for f in os.listdir(path)
                                              if not f.endswith(".tmp"))
    # a stray temporary file from a killed writer is ignored
    (path / "state.npz.abc.tmp").write_bytes(b"garbage")
    again = pf.mcmc.resume(path, lambda x: -0.5 * jnp.sum(x**2), progress_bar=False,
                           warn=False)
    np.testing.assert_array_equal(again.posterior["x"].values, idata.posterior["x"].values)


def test_checkpoint_errors(tmp_path):
    path = tmp_path / "run.ckpt"
    _small_run(path)
    with pytest.raises(FileExistsError, match="pf.mcmc.resume"):
        _small_run(path)
    with pytest.raises(ValueError, match="checkpoint_every= needs checkpoint="):
        pf.mcmc.sample(POSTERIOR, key=jax.random.key(0), checkpoint_every=10, **RUN)
    with pytest.raises(TypeError, match="gather_draws must be True or False, got 'no'"):
        pf.mcmc.sample(POSTERIOR, key=jax.random.key(0), gather_draws="no", **RUN)
    with pytest.raises(ValueError, match="gather_draws=False cannot be combined"):
        pf.mcmc.sample(POSTERIOR, key=jax.random.key(0), gather_draws=False,
                       checkpoint=tmp_path / "x.ckpt", **RUN)
    with pytest.raises(FileNotFoundError, match="no checkpoint"):
        pf.mcmc.resume(tmp_path / "nothing", POSTERIOR)
    # another log density (same shapes): caught by the density at the saved positions
    with pytest.raises(CheckpointError, match="another model or data"):
        pf.mcmc.resume(path, lambda x: -jnp.sum(x**2), progress_bar=False)
    # another kind of target
    with pytest.raises(CheckpointError, match="function target"):
        pf.mcmc.resume(path, POSTERIOR, progress_bar=False)
    # another kernel than the run's
    with pytest.raises(CheckpointError, match="the run used kernel NUTS"):
        pf.mcmc.resume(path, lambda x: -0.5 * jnp.sum(x**2), kernel=pf.mcmc.HMC())
    state = str(path / STATE_FILE)
    header, arrays = load_arrays(state, CHECKPOINT_FORMAT, CHECKPOINT_VERSION)
    save_arrays(state, dict(header, probflow_version="0.0.1"), arrays)
    with pytest.raises(CheckpointError, match="written by probflow 0.0.1"):
        pf.mcmc.resume(path, lambda x: -0.5 * jnp.sum(x**2))
    save_arrays(state, dict(header, version=CHECKPOINT_VERSION + 1), arrays)
    with pytest.raises(CheckpointError, match="format version"):
        pf.mcmc.resume(path, lambda x: -0.5 * jnp.sum(x**2))
    with open(state, "wb") as f:
        f.write(b"not a zip")
    with pytest.raises(CheckpointError, match="not a readable probflow checkpoint"):
        pf.mcmc.resume(path, lambda x: -0.5 * jnp.sum(x**2))


# Two JAX processes x 2 CPU devices (gloo collectives on 127.0.0.1); argv = mode, coordinator,
# process id, checkpoint path, output .npz.
MULTIPROCESS_CHILD = textwrap.dedent("""
    import sys
    import jax
    import probflow as pf
    mode, coordinator, process_id, path, output = sys.argv[1:6]
    jax.config.update("jax_enable_x64", True)  # (as the test suite)
    pf.mcmc.distributed.initialize(coordinator, 2, int(process_id), local_device_count=2)
""") + MODEL + textwrap.dedent("""
    RUN = dict(num_chains=4, num_warmup=100, num_samples=500, chain_method="parallel",
               progress_bar=False, warn=False)
    if mode == "sample":
        idata = pf.mcmc.sample(POSTERIOR, key=jax.random.key(5), checkpoint=path,
                               checkpoint_every=40, **RUN)
    elif mode == "local":  # each process keeps its own chains' draws
        idata = pf.mcmc.sample(POSTERIOR, key=jax.random.key(5), gather_draws=False, **RUN)
    else:
        idata = pf.mcmc.resume(path, POSTERIOR, progress_bar=False, warn=False)
    np.savez(output, chain=idata.posterior["chain"].values, mu=idata.posterior["mu"].values,
             theta_raw=idata.posterior["theta_raw"].values,
             diverging=idata.sample_stats["diverging"].values)
""")


def _start_processes(tmp_path, mode, path, tag):
    import socket

    script = tmp_path / "multiprocess_child.py"
    script.write_text(MULTIPROCESS_CHILD)
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    env = dict(os.environ, PYTHONPATH=ROOT, JAX_PLATFORMS="cpu")
    return [subprocess.Popen([sys.executable, str(script), mode, f"127.0.0.1:{port}", str(i),
                              str(path), str(tmp_path / f"{tag}{i}.npz")], env=env,
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE)
            for i in range(2)]


def _finish(children):
    try:
        for child in children:
            _, err = child.communicate(timeout=300)
            assert child.returncode == 0, err.decode()[-3000:]
    finally:  # (one failed process leaves the other waiting for it)
        for child in children:
            if child.poll() is None:
                child.kill()
                child.communicate()


def _reference():
    """The two-process run's draws, here: one chain at a time runs the per-chain program that
    each device runs (bit for bit the same draws; see the Scaling page)."""
    return pf.mcmc.sample(POSTERIOR, key=jax.random.key(5), num_chains=4, num_warmup=100,
                          num_samples=500, chain_method="sequential", progress_bar=False,
                          warn=False)


def _same_chains(got, want, chains, label):
    assert got["mu"].shape[1:] == (500,), label
    for name in ("mu", "theta_raw"):
        np.testing.assert_array_equal(got[name], want.posterior[name].values[chains],
                                      f"{label}: {name}")
    np.testing.assert_array_equal(got["diverging"],
                                  want.sample_stats["diverging"].values[chains], label)


@pytest.mark.slow
def test_two_processes_can_each_keep_only_their_own_chains(tmp_path):
    """``gather_draws=False``: process ``i`` returns chains ``2i, 2i + 1`` (its two devices),
    numbered as in the whole run, with the draws the gathered run has for them."""
    _finish(_start_processes(tmp_path, "local", tmp_path / "unused", "local"))
    want = _reference()
    for i in range(2):
        got = np.load(tmp_path / f"local{i}.npz")
        assert got["chain"].tolist() == [2 * i, 2 * i + 1]
        _same_chains(got, want, slice(2 * i, 2 * i + 2), f"process {i}")


@pytest.mark.slow
def test_chains_over_two_processes_killed_and_resumed_give_the_uninterrupted_draws(tmp_path):
    """Two processes (2 CPU devices each, one chain per device) checkpoint into
    ``run.ckpt/process0`` and ``run.ckpt/process1``; both are SIGKILLed after a few
    checkpoints, resumed over two processes, and both return exactly the draws of the
    uninterrupted run (computed here one chain at a time: the same per-chain programs and
    chain keys; see the Scaling page)."""

    path = tmp_path / "run.ckpt"
    children = _start_processes(tmp_path, "sample", path, "killed")
    done = kill_when_saved(children, path / "process0" / STATE_FILE, CHECKPOINT_FORMAT,
                           CHECKPOINT_VERSION, "done", 200)["done"]
    assert 200 <= done < 600, done
    # A kill can fall between the two processes' saves. Make sure it did: put process 1 back
    # to its previous checkpoint (the state it keeps for this), so process 0 is one ahead and
    # the resumed run must take both back to the same iteration.
    states = [load_arrays(str(path / f"process{i}" / STATE_FILE), CHECKPOINT_FORMAT,
                          CHECKPOINT_VERSION)[0]["done"] for i in range(2)]
    if states[0] == states[1]:
        os.replace(path / "process1" / PREVIOUS_FILE, path / "process1" / STATE_FILE)
    behind = load_arrays(str(path / "process1" / STATE_FILE), CHECKPOINT_FORMAT,
                         CHECKPOINT_VERSION)[0]["done"]
    assert behind < states[0], (states, behind)

    _finish(_start_processes(tmp_path, "resume", path, "resumed"))
    want = _reference()
    for i in range(2):
        got = np.load(tmp_path / f"resumed{i}.npz")
        assert got["chain"].tolist() == [0, 1, 2, 3]
        _same_chains(got, want, slice(None), f"process {i}")

    # this checkpoint needs as many processes as wrote it
    with pytest.raises(CheckpointError, match="over several JAX processes"):
        pf.mcmc.resume(path, POSTERIOR, progress_bar=False)


@pytest.mark.compile_bound
def test_other_data_is_caught(tmp_path):
    path = tmp_path / "run.ckpt"
    pf.mcmc.sample(POSTERIOR, key=jax.random.key(0), checkpoint=path, **RUN)
    other = NAMESPACE["schools"](NAMESPACE["SIGMA"]).condition(y=NAMESPACE["Y"] + 1.0)
    with pytest.raises(CheckpointError, match="another model or data"):
        pf.mcmc.resume(path, other, progress_bar=False)

    @pf.model
    def smaller():
        yield pfd.Normal(0.0, 1.0, name="mu")

    with pytest.raises(CheckpointError):
        pf.mcmc.resume(path, smaller().condition(), progress_bar=False)


MEMORY_CHILD = textwrap.dedent("""
    import os, sys, threading, time
    import jax, jax.numpy as jnp
    import probflow as pf

    def anon_mb():
        for line in open("/proc/self/status"):
            if line.startswith("RssAnon:"):
                return int(line.split()[1]) / 1024.0

    trace = []
    def watch():
        while True:
            trace.append((time.perf_counter(), anon_mb()))
            time.sleep(0.002)

    def run(num_samples, ckpt):
        idata = pf.mcmc.sample(lambda x: -0.5 * jnp.sum(x**2), key=jax.random.key(0),
                               kernel=pf.mcmc.RandomWalkMetropolis(),
                               initial_position=jnp.zeros((4, 200)), num_chains=4,
                               num_warmup=10, num_samples=num_samples, progress_bar=False,
                               warn=False, checkpoint=ckpt)
        assert idata.posterior["x"].shape == (4, num_samples, 200)

    folder = sys.argv[1] if sys.argv[1] != "-" else None
    ckpt = (lambda name: os.path.join(folder, name)) if folder else (lambda name: None)
    run(2000, ckpt("warm.ckpt"))  # compiles
    threading.Thread(target=watch, daemon=True).start()
    start = time.perf_counter()
    run(60000, ckpt("run.ckpt"))
    time.sleep(0.05)
    cut = start + 0.4 * (trace[-1][0] - start)
    at_cut = [mb for t, mb in trace if t <= cut][-1]
    print(at_cut, max(mb for t, mb in trace if t > cut))
""")


@pytest.mark.slow
def test_streamed_draws_keep_memory_flat(tmp_path):
    """Anonymous memory over the last 60% of a run of 60,000 draws (4 chains x 200 float32,
    183 MB in all): held in memory without a checkpoint it grows by the draws made in that
    time and the final copy (the control shows the measurement sees them); streamed to disk
    with one it stays flat. Measuring from 40% into the run, after a compiling run in the
    same process, leaves out compilation and the allocator's first growth (tens of MB that
    vary from process to process and do not depend on the number of draws)."""
    script = tmp_path / "memory.py"
    script.write_text(MEMORY_CHILD)
    env = dict(os.environ, PYTHONPATH=ROOT, JAX_PLATFORMS="cpu")
    draws_mb = 4 * 60000 * 200 * 4 / 2**20

    def growth_mb(folder):
        proc = subprocess.run([sys.executable, str(script), folder], env=env,
                              capture_output=True, text=True, timeout=600)
        assert proc.returncode == 0, proc.stderr[-3000:]
        at_cut, peak_after = (float(v) for v in proc.stdout.strip().splitlines()[-1].split())
        return peak_after - at_cut

    in_memory = growth_mb("-")
    streamed = growth_mb(str(tmp_path))
    # Held in memory, the last 60% of the draws alone are 0.6 x draws_mb (measured: 2 x, with
    # the final copy); streamed, what remains is reading the files back and building the
    # InferenceData (measured 12-16 MB alone, a fixed cost; 50 MB once inside the full suite
    # on a loaded 2-core machine, where the allocator keeps more of the chunks' buffers), so
    # 0.35 of the draws (64 MB) separates the two with room on both sides.
    assert in_memory > 0.5 * draws_mb, (in_memory, draws_mb)
    assert streamed < 0.35 * draws_mb, (streamed, in_memory, draws_mb)
