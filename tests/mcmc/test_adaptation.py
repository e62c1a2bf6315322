"""Warm-up pieces: Stan's window schedule, dual averaging, Welford, the step-size heuristic,
and the integrators and metrics they rely on."""

from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np
import pytest

import probflow as pf
from probflow.mcmc import (
    IntegratorState,
    gaussian_euclidean,
    integrator_step,
    mclachlan,
    velocity_verlet,
    warmup_schedule,
)
from probflow.mcmc.dual_averaging import (
    dual_averaging_final,
    dual_averaging_init,
    dual_averaging_update,
)
from probflow.mcmc.welford import welford_covariance, welford_init, welford_update


def _stan_window_ends(num_warmup, init_buffer=75, term_buffer=50, base_window=25):
    """Stan's windowed_adaptation, transcribed as a loop over iterations (the reference)."""
    if init_buffer + base_window + term_buffer > num_warmup:
        init_buffer = int(0.15 * num_warmup)
        term_buffer = int(0.1 * num_warmup)
        base_window = num_warmup - (init_buffer + term_buffer)
    window_size, next_end = base_window, init_buffer + base_window - 1
    ends, collected = [], 0
    for counter in range(num_warmup):
        if init_buffer <= counter < num_warmup - term_buffer:
            collected += 1
        if counter == next_end:
            ends.append(counter)
            if next_end != num_warmup - term_buffer - 1:
                window_size *= 2
                next_end = counter + window_size
                if next_end + 2 * window_size >= num_warmup - term_buffer:
                    next_end = num_warmup - term_buffer - 1
    return ends, collected


@pytest.mark.parametrize("num_warmup", [20, 100, 149, 150, 151, 500, 1000, 2000, 4321])
def test_window_schedule_matches_stan(num_warmup):
    schedule = warmup_schedule(num_warmup)
    ends, collected = _stan_window_ends(num_warmup)
    assert list(np.flatnonzero(schedule[:, 1])) == ends
    assert int(schedule[:, 0].sum()) == collected
    # every window end is inside the collecting span, and the last ends the slow phase
    assert schedule[ends, 0].all()


def test_short_warmup_adapts_the_step_size_only():
    assert not warmup_schedule(19).any()
    assert not warmup_schedule(1000, adapt_mass_matrix=False).any()


def test_dual_averaging_reaches_the_target_acceptance():
    # acceptance falls with the step size as exp(-h^2): the fixed point is h = sqrt(-log 0.8)
    state = dual_averaging_init(5.0)
    for _ in range(2000):
        h = jnp.exp(state.log_step_size)
        state = dual_averaging_update(state, jnp.exp(-(h**2)), target_accept=0.8)
    np.testing.assert_allclose(dual_averaging_final(state), np.sqrt(-np.log(0.8)), rtol=0.02)


def test_welford_matches_numpy_and_regularises_like_stan():
    x = np.random.default_rng(0).normal(size=(50, 3)) @ np.array(
        [[1.0, 0.5, 0.0], [0.0, 1.0, 0.3], [0.0, 0.0, 2.0]])
    diagonal, dense = welford_init(3), welford_init(3, dense=True)
    for row in x:
        diagonal = welford_update(diagonal, jnp.asarray(row))
        dense = welford_update(dense, jnp.asarray(row))
    sample_cov = np.cov(x, rowvar=False)
    np.testing.assert_allclose(welford_covariance(dense, regularize=False), sample_cov,
                               rtol=1e-10)
    np.testing.assert_allclose(welford_covariance(diagonal, regularize=False),
                               np.diag(sample_cov), rtol=1e-10)
    n = 50
    np.testing.assert_allclose(welford_covariance(dense),
                               n / (n + 5) * sample_cov + 1e-3 * 5 / (n + 5) * np.eye(3),
                               rtol=1e-10)


def test_step_size_heuristic_brackets_the_acceptance_threshold():
    def logdensity(x):
        return -0.5 * jnp.sum(x**2 / 0.04)          # scale 0.2: needs small steps

    for start in (1e-4, 1.0, 50.0):
        h = pf.mcmc.find_reasonable_step_size(jax.random.key(0), jnp.full(5, 0.1), logdensity,
                                              jnp.ones(5), start, velocity_verlet)
        assert 0.02 < float(h) < 0.8, (start, float(h))


@pytest.mark.parametrize("integrator", [velocity_verlet, mclachlan], ids=lambda i: i.name)
@pytest.mark.parametrize("dense", [False, True])
def test_integrators_are_reversible_and_conserve_energy(integrator, dense):
    rng = np.random.default_rng(1)
    a = rng.normal(size=(4, 4))
    precision = jnp.asarray(a @ a.T + 4 * np.eye(4))
    fn = jax.value_and_grad(lambda x: -0.5 * x @ precision @ x)
    imm = jnp.asarray(np.linalg.inv(np.asarray(precision)) if dense
                      else 1.0 / np.diag(np.asarray(precision)))
    metric = gaussian_euclidean(imm)
    x = jnp.asarray(rng.normal(size=4))
    logp, grad = fn(x)
    start = IntegratorState(x, jnp.asarray(rng.normal(size=4)), logp, grad)
    state = start
    for _ in range(20):
        state = integrator_step(integrator, state, 0.1, metric, fn)
    back = state._replace(momentum=-state.momentum)
    for _ in range(20):
        back = integrator_step(integrator, back, 0.1, metric, fn)
    np.testing.assert_allclose(back.position, start.position, atol=1e-10)
    np.testing.assert_allclose(-back.momentum, start.momentum, atol=1e-10)

    def energy(s):
        return -s.logdensity + metric.kinetic_energy(s.momentum)

    assert abs(float(energy(state) - energy(start))) < 0.05


def test_mclachlan_has_smaller_energy_error_per_gradient():
    fn = jax.value_and_grad(lambda x: -0.5 * jnp.sum(x**2))
    metric = gaussian_euclidean(jnp.ones(3))
    x = jnp.asarray([1.0, -0.5, 0.3])
    logp, grad = fn(x)
    start = IntegratorState(x, jnp.asarray([0.2, 1.0, -0.7]), logp, grad)

    def error(integrator, h, steps):
        s = start
        for _ in range(steps):
            s = integrator_step(integrator, s, h, metric, fn)
        e = lambda t: -t.logdensity + metric.kinetic_energy(t.momentum)  # noqa: E731
        return abs(float(e(s) - e(start)))

    # same number of gradient evaluations (20) over the same time (2.0)
    assert error(mclachlan, 0.2, 10) < 0.5 * error(velocity_verlet, 0.1, 20)


def test_dense_metric_samples_momentum_with_covariance_m():
    imm = jnp.asarray([[2.0, 0.6], [0.6, 0.5]])
    metric = gaussian_euclidean(imm)
    keys = jax.random.split(jax.random.key(0), 20000)
    p = jax.vmap(lambda k: metric.sample_momentum(k, jnp.zeros(2)))(keys)
    np.testing.assert_allclose(np.cov(np.asarray(p), rowvar=False), np.linalg.inv(imm),
                               rtol=0.05)


def test_kernel_configuration_errors():
    with pytest.raises(ValueError, match="max_tree_depth must be an int in"):
        pf.mcmc.NUTS(max_tree_depth=0)
    with pytest.raises(ValueError, match="num_integration_steps must be a positive int"):
        pf.mcmc.HMC(num_integration_steps=0)
    with pytest.raises(ValueError, match="step_size_jitter must be in"):
        pf.mcmc.HMC(step_size_jitter=1.5)
    with pytest.raises(ValueError, match="1-D .* or 2-D"):
        gaussian_euclidean(jnp.ones((2, 2, 2)))
