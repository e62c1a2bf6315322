"""The chunked driver: same draws as one compiled run, interrupts, memory, gradient warm-up."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import threading
import time

import jax
import jax.numpy as jnp
import numpy as np
import pytest

import probflow as pf
from probflow.mcmc.base import energy_error_checks, symmetric_acceptance
from probflow.mcmc.chains import (
    InitialTuning,
    RunConfig,
    run_chains,
    run_chains_chunked,
)
from probflow.mcmc.gradient_adaptation import gradient_schedule
from probflow.mcmc.integrators import velocity_verlet

SCALES = jnp.asarray([0.1, 1.0, 10.0])


def _gauss(x):
    return -0.5 * jnp.sum((x / SCALES) ** 2)


def _config(adaptation, **kwargs):
    options = dict(kernel=pf.mcmc.NUTS(), adaptation=adaptation, logdensity_fn=_gauss,
                   num_warmup=60, num_samples=40, thin=1, chain_method="vectorized",
                   chunk_length=16)
    options.update(kwargs)
    return RunConfig(**options)


@pytest.mark.compile_bound
@pytest.mark.parametrize(("adaptation", "thin"), [
    (pf.mcmc.WindowAdaptation(target_accept=0.8), 1),
    (pf.mcmc.GradientAdaptation(target_accept=0.8), 3),
], ids=["stan", "nutpie-thin"])
def test_chunks_give_the_draws_of_one_compiled_run(adaptation, thin):
    config = _config(adaptation, thin=thin)
    positions = jnp.ones((2, 3))
    tuning = InitialTuning(*adaptation.initial_tuning("test", 3, positions.dtype))
    key = jax.random.key(3)
    whole = run_chains(config, None, key, positions, tuning)
    chunked = run_chains_chunked(config, None, key, positions, tuning)
    assert chunked.draws.shape == whole.draws.shape == (2, 40, 3)
    assert chunked.num_iterations == whole.num_iterations == 60 + 40 * thin
    np.testing.assert_allclose(chunked.draws, whole.draws, rtol=1e-4, atol=1e-5)
    np.testing.assert_allclose(chunked.stats["step_size"], whole.stats["step_size"], rtol=1e-5)
    np.testing.assert_array_equal(chunked.stats["tree_depth"], whole.stats["tree_depth"])


class _StopAfter:
    """A guard that reports an interrupt once ``n`` chunks have run."""

    def __init__(self, n):
        self.n, self.calls = n, 0

    @property
    def interrupted(self):
        self.calls += 1
        return self.calls >= self.n


def test_an_interrupted_run_keeps_the_draws_so_far():
    config = _config(pf.mcmc.WindowAdaptation(target_accept=0.8), num_warmup=20,
                     num_samples=1000)
    tuning = InitialTuning(*config.adaptation.initial_tuning("test", 3, jnp.ones(1).dtype))
    out = run_chains_chunked(config, None, jax.random.key(0), jnp.ones((2, 3)), tuning,
                             guard=_StopAfter(3))
    assert out.interrupted
    kept = out.draws.shape[1]
    assert 0 < kept < 1000 and out.stats["lp"].shape == (2, kept)
    assert out.num_iterations == 20 + kept
    assert np.all(np.isfinite(out.draws))


def test_gradient_schedule_switches_early_then_late_and_freezes_the_metric_at_the_end():
    table = gradient_schedule(1000)
    switches = np.flatnonzero(table[:, 0])
    early = switches[switches < 300]
    assert np.all(np.diff(early) == 10)                 # every 10 draws in the first 30%
    assert np.all(np.diff(switches[switches >= 300]) == 80)
    final = np.flatnonzero(table[:, 4])
    assert final[0] == 850 and final[-1] == 999        # the last 15%: step size only
    assert not table[850:, 1].any() and not table[850:, 0].any()
    assert switches[-1] + 80 <= 850                     # a switch leaves a full window
    assert table[:, 2].sum() == 1 and table[:, 3].sum() == 1


def test_gradient_adaptation_learns_a_badly_scaled_diagonal_quickly():
    # scales 0.01 ... 100: a unit metric needs trees of depth ~10; the draw/gradient estimate
    # is exact for a Gaussian after a few draws, so 150 warm-up iterations suffice
    scales = jnp.logspace(-2, 2, 10)
    idata = pf.mcmc.sample(lambda x: -0.5 * jnp.sum((x / scales) ** 2), key=jax.random.key(1),
                           initial_position=jnp.ones((2, 10)), num_chains=2, num_warmup=150,
                           num_samples=100, adaptation="nutpie", progress_bar=False,
                           warn=False)
    imm = idata.mcmc_run.inverse_mass_matrix
    assert imm.shape == (2, 10)
    # the last foreground window has >= 10 draws: log-ratio error well under a factor 2
    np.testing.assert_array_less(np.abs(np.log(imm / np.asarray(scales) ** 2)), np.log(2.0))
    assert idata.posterior.attrs["adaptation"] == "nutpie"
    assert int(idata.sample_stats["tree_depth"].max()) <= 4


@pytest.mark.parametrize("restart", [True, False])
def test_gradient_adaptation_restarts_dual_averaging_for_the_final_window_unless_told(restart):
    # 200 warm-up iterations: the final window is the last 30. Dual averaging's iteration count
    # at the end tells where it last (re)started: 30 with the restart, ~200 without.
    idata = pf.mcmc.sample(_gauss, key=jax.random.key(3), initial_position=jnp.ones((2, 3)),
                           num_chains=2, num_warmup=200, num_samples=10, progress_bar=False,
                           warn=False,
                           adaptation=pf.mcmc.GradientAdaptation(restart_final_window=restart))
    iterations = np.asarray(idata.mcmc_run.adaptation.dual_averaging.iteration)
    if restart:
        assert np.all((iterations >= 29) & (iterations <= 31)), iterations
    else:
        assert np.all(iterations >= 190), iterations


def test_symmetric_acceptance_is_two_over_one_plus_exp_of_the_absolute_energy_error():
    errors = jnp.asarray([0.0, 0.5, -0.5, 3.0, -3.0, 800.0, -800.0, jnp.inf, -jnp.inf, jnp.nan])
    _, _, acceptance = energy_error_checks(errors, jnp.zeros(()), 1000.0)
    symmetric = np.asarray(symmetric_acceptance(errors, acceptance))
    finite = np.isfinite(np.asarray(errors))
    magnitude = np.minimum(np.abs(np.asarray(errors)[finite]), 700.0)
    np.testing.assert_allclose(symmetric[finite], 2.0 / (1.0 + np.exp(magnitude)), rtol=1e-6,
                               atol=1e-30)
    assert np.all(symmetric[~finite] == 0.0)
    assert np.isclose(symmetric[1], symmetric[2], rtol=1e-12)   # a drop costs as a rise does


def test_late_acceptance_feeds_the_symmetric_statistic_after_the_last_switch():
    num_warmup = 200
    last_switch = int(np.flatnonzero(gradient_schedule(num_warmup)[:, 0])[-1])
    state = pf.mcmc.NUTS().init(jnp.ones(3), _gauss)
    # the two statistics disagree as far as they can: 1 (step too small) and 0 (too large)
    info = pf.mcmc.TransitionInfo.empty((), jnp.float32)._replace(
        acceptance_rate=jnp.float32(1.0), symmetric_acceptance_rate=jnp.float32(0.0))

    def step_size_after(late_acceptance, iteration):
        adaptation = pf.mcmc.GradientAdaptation(target_accept=0.8,
                                                late_acceptance=late_acceptance)
        adapt_state = adaptation.init(state, 0.5, None, num_warmup=num_warmup)
        new = adaptation.update(jax.random.key(0), adapt_state, iteration, state, info,
                                num_warmup=num_warmup, logdensity_fn=_gauss,
                                integrator=velocity_verlet)
        return float(new.step_size)

    # up to the last switch both adapt to the usual statistic
    assert step_size_after("symmetric", last_switch) == step_size_after("standard", last_switch)
    # after it, "symmetric" reads the statistic that says the step is too large
    assert step_size_after("symmetric", last_switch + 1) < step_size_after("standard",
                                                                           last_switch + 1)


def test_late_acceptance_must_be_standard_or_symmetric():
    with pytest.raises(ValueError, match="late_acceptance must be 'standard' or 'symmetric', "
                                         "got 'sym'"):
        pf.mcmc.GradientAdaptation(late_acceptance="sym")


def test_restart_final_window_must_be_a_bool():
    with pytest.raises(TypeError, match="restart_final_window must be a bool, got 'no'"):
        pf.mcmc.GradientAdaptation(restart_final_window="no")


def test_gradient_adaptation_is_the_named_default_warmup_length():
    idata = pf.mcmc.sample(_gauss, key=jax.random.PRNGKey(0), initial_position=jnp.ones((1, 3)),
                           num_chains=1, num_samples=10, adaptation="nutpie",
                           save_warmup=True, progress_bar=False, warn=False)
    assert idata.warmup_posterior.sizes["draw"] == 500


CHILD = textwrap.dedent("""
    import sys, warnings
    import jax, jax.numpy as jnp
    import probflow as pf
    def logdensity(x):
        return -0.5 * jnp.sum(x ** 2)
    print("start", flush=True)
    try:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            idata = pf.mcmc.sample(logdensity, key=jax.random.key(0),
                                   initial_position=jnp.zeros((2, 50)), num_chains=2,
                                   num_warmup=int(sys.argv[1]), num_samples=10**7,
                                   progress_bar=True, warn=False)
        print("draws", idata.posterior.sizes["draw"], flush=True)
        print([str(w.message) for w in caught], flush=True)
    except KeyboardInterrupt as e:
        print("KeyboardInterrupt", e, flush=True)
""")


def _run_and_interrupt(num_warmup, wait_for: str, delay: float):
    """Start the child, wait for ``wait_for`` on its output, sleep, send SIGINT."""
    process = subprocess.Popen([sys.executable, "-c", CHILD, str(num_warmup)],
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                               env={**os.environ, "PYTHONWARNINGS": "ignore"})
    seen = {"out": b"", "err": b""}

    def read(stream, name):
        for chunk in iter(lambda: stream.read1(256), b""):
            seen[name] += chunk

    readers = [threading.Thread(target=read, args=(process.stdout, "out"), daemon=True),
               threading.Thread(target=read, args=(process.stderr, "err"), daemon=True)]
    for thread in readers:
        thread.start()
    deadline = time.monotonic() + 120
    while wait_for.encode() not in seen["out"] + seen["err"]:
        assert time.monotonic() < deadline and process.poll() is None, seen
        time.sleep(0.05)
    time.sleep(delay)
    process.send_signal(signal.SIGINT)
    sent = time.monotonic()
    process.wait(timeout=60)
    for thread in readers:
        thread.join(timeout=5)
    return process.returncode, time.monotonic() - sent, seen["out"].decode()


@pytest.mark.slow
def test_ctrl_c_while_compiling_exits_cleanly():
    # the signal lands while JAX traces and XLA compiles: no crash, a KeyboardInterrupt after
    # the first chunk (warm-up is not over, so there is nothing to return)
    code, _, out = _run_and_interrupt(200, "start", 0.3)
    assert code == 0, out                     # not -11 (SIGSEGV) or -2
    assert "KeyboardInterrupt sample: interrupted during warm-up" in out, out


@pytest.mark.slow
def test_ctrl_c_while_sampling_returns_the_draws_so_far_within_a_second():
    code, seconds, out = _run_and_interrupt(20, "sampling", 0.5)
    assert code == 0, out
    draws = int(out.split("draws ")[1].split()[0])
    assert 0 < draws < 10**7
    assert "interrupted (Ctrl-C): each of the 2 chains has" in out
    assert seconds < 5.0, seconds             # a chunk is ~0.25 s; the rest is building idata


MEMORY_CHILD = textwrap.dedent("""
    import resource, sys
    import jax, jax.numpy as jnp
    import probflow as pf
    thin = int(sys.argv[1])
    idata = pf.mcmc.sample(lambda x: -0.5 * jnp.sum(x ** 2), pf.mcmc.RandomWalkMetropolis(),
                           key=jax.random.key(0), initial_position=jnp.zeros((2, 20_000)),
                           num_chains=2, num_warmup=200, num_samples=20, thin=thin,
                           progress_bar=False, warn=False)
    assert idata.posterior.sizes["draw"] == 20
    print(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)
""")


@pytest.mark.slow
def test_memory_grows_with_the_kept_draws_not_the_iterations():
    # 20 kept draws of 2 x 20,000 numbers are 3.2 MB; thin=100 runs 2,000 sampling and 200
    # warm-up iterations (352 MB if every iteration were stored). Peak RSS must be the same
    # as with thin=1 within 40 MB (allocator noise).
    peaks = []
    for thin in (1, 100):
        result = subprocess.run([sys.executable, "-c", MEMORY_CHILD, str(thin)],
                                capture_output=True, text=True, timeout=300,
                                env={**os.environ, "PYTHONWARNINGS": "ignore"})
        assert result.returncode == 0, result.stderr[-2000:]
        peaks.append(int(result.stdout.split()[-1]) / 1024)  # kB -> MB
    assert peaks[1] - peaks[0] < 40, peaks



def test_low_rank_correction_recovers_a_strongly_correlated_gaussian():
    # correlation 0.99 between two coordinates on top of scales 0.1 ... 10: a diagonal metric
    # leaves a condition number of ~200 in the scaled space, the low-rank term removes it
    dim = 6
    scales = jnp.asarray(np.logspace(-1, 1, dim))
    corr = jnp.eye(dim).at[0, 1].set(0.99).at[1, 0].set(0.99)
    cov = corr * scales[:, None] * scales[None, :]
    precision = jnp.linalg.inv(cov)
    idata = pf.mcmc.sample(lambda x: -0.5 * x @ precision @ x, key=jax.random.key(4),
                           initial_position=jnp.ones((2, dim)), num_chains=2, num_warmup=300,
                           num_samples=200, progress_bar=False, warn=False,
                           adaptation=pf.mcmc.GradientAdaptation(low_rank=True,
                                                                 eigval_cutoff=2.0))
    imm = idata.mcmc_run.inverse_mass_matrix
    assert imm.shape == (2, dim, dim)
    # the adapted metric makes the target nearly isotropic: eigenvalues of M^-1/2 C^-1 M^-1/2
    for m in np.asarray(imm):
        root = np.linalg.cholesky(m)
        eig = np.linalg.eigvalsh(root.T @ np.asarray(precision) @ root)
        assert eig.max() / eig.min() < 4.0, eig
    # and sampling is then easy: short trees
    assert float(idata.sample_stats["tree_depth"].mean()) < 3.5


def test_low_rank_matrix_without_correlation_is_the_diagonal():
    from probflow.mcmc.gradient_adaptation import low_rank_inverse_mass_matrix

    x = jax.random.normal(jax.random.key(0), (400, 3)) * jnp.asarray([0.5, 1.0, 3.0])
    g = -x / jnp.asarray([0.25, 1.0, 9.0])
    valid = jnp.arange(400) < 300                       # the last 100 rows are ignored
    x = x.at[300:].set(1e6)
    m = low_rank_inverse_mass_matrix(x, g, valid, gamma=1e-5, eigval_cutoff=100.0)
    np.testing.assert_allclose(np.diag(m), [0.25, 1.0, 9.0], rtol=1e-6)
    np.testing.assert_allclose(m - np.diag(np.diag(m)), 0.0, atol=1e-6)
