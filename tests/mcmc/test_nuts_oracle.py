"""The iterative NUTS kernel against the recursive oracle: identical draws on random cases."""

import functools

import jax
import jax.numpy as jnp
import numpy as np
import pytest

from probflow.mcmc import (
    NUTS,
    KernelParams,
    gaussian_euclidean,
    mclachlan,
    velocity_verlet,
)
from probflow.mcmc.base import flat_logdensity_and_grad

from .recursive_nuts import RecursiveNUTS


def _logdensity(family, x, scales, shift):
    z = (x - shift) / scales
    if family == "gaussian":
        return -0.5 * jnp.sum(z**2)
    # non-Gaussian: skewed, heavy-ish core, light quartic tails, coupled neighbours
    coupling = jnp.sum(z[1:] * z[:-1]) * 0.3 if z.shape[0] > 1 else 0.0
    return -0.5 * jnp.sum(z**2) - 0.05 * jnp.sum(z**4) + 0.5 * jnp.sum(jnp.sin(z)) + coupling


@functools.cache
def _jitted_step(family, integrator, max_tree_depth):
    kernel = NUTS(max_tree_depth=max_tree_depth, integrator=integrator)

    @jax.jit
    def step(key, position, scales, shift, step_size, inverse_mass_matrix):
        logdensity_fn = functools.partial(_logdensity, family, scales=scales, shift=shift)
        state = kernel.init(position, logdensity_fn)
        return kernel.step(key, state, logdensity_fn, KernelParams(step_size, inverse_mass_matrix))

    return step


def _case(seed):
    rng = np.random.default_rng(seed)
    dim = int(rng.choice([1, 3, 6]))
    family = ["gaussian", "nongaussian"][seed % 2]
    dense = bool(rng.integers(2))
    integrator = mclachlan if seed % 7 == 3 else velocity_verlet
    max_tree_depth = 6
    scales = jnp.asarray(np.exp(rng.uniform(-1.0, 1.0, dim)))
    shift = jnp.asarray(rng.normal(size=dim))
    step_size = float(np.exp(rng.uniform(np.log(0.05), np.log(2.5))))
    if dense:
        a = rng.normal(size=(dim, dim)) * 0.3
        imm = jnp.asarray(a @ a.T + np.diag(rng.uniform(0.3, 2.0, dim)))
    else:
        imm = jnp.asarray(rng.uniform(0.3, 2.0, dim))
    position = jnp.asarray(rng.normal(size=dim))
    return family, integrator, max_tree_depth, scales, shift, step_size, imm, position


@pytest.mark.slow
@pytest.mark.parametrize("batch", range(5))
def test_iterative_nuts_matches_recursive_oracle(batch):
    statistics = []
    for seed in range(10 * batch, 10 * batch + 10):
        family, integrator, depth, scales, shift, step_size, imm, position = _case(seed)
        step = _jitted_step(family, integrator, depth)
        logdensity_fn = functools.partial(_logdensity, family, scales=scales, shift=shift)
        flat_fn = flat_logdensity_and_grad(logdensity_fn, lambda x: x)
        oracle = RecursiveNUTS(gaussian_euclidean(imm), flat_fn, integrator, step_size, depth)
        logdensity, grad = flat_fn(position)
        for transition in range(3):
            key = jax.random.fold_in(jax.random.key(seed), transition)
            state, info = step(key, position, scales, shift, step_size, imm)
            expected, expected_logdensity, _, num_steps, tree_depth, acceptance, symmetric = (
                oracle.transition(key, position, logdensity, grad)
            )
            where = f"seed {seed} transition {transition}"
            assert int(info.num_integration_steps) == num_steps, where
            assert int(info.tree_depth) == tree_depth, where
            assert bool(info.is_divergent) == oracle.divergent, where
            np.testing.assert_allclose(state.position, expected, rtol=1e-9, atol=1e-12, err_msg=where)
            np.testing.assert_allclose(info.acceptance_rate, acceptance, rtol=1e-9, err_msg=where)
            np.testing.assert_allclose(info.symmetric_acceptance_rate, symmetric, rtol=1e-9,
                                       atol=1e-300, err_msg=where)
            statistics.append((num_steps, oracle.divergent))
            position, logdensity, grad = state.position, state.logdensity, state.logdensity_grad
    steps = [s for s, _ in statistics]
    assert max(steps) > 4  # the cases exercise real trees, not only single steps
