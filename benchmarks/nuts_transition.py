"""Benchmark: the cost of one NUTS gradient step in probflow and BlackJAX, tuning fixed.

``python benchmarks/nuts_transition.py`` (``bench`` extra). Both libraries run their NUTS
kernel alone (no adaptation) on the 100-d Gaussian of ``benchmarks/posteriors.py``, 4 chains
under ``vmap``, 1,000 transitions in one jitted ``lax.scan``, with the same step size and
inverse mass matrix, in two settings:

- ``perfect``: the inverse mass matrix is the target's variances (what a converged warm-up
  finds) and the step size 0.9: short trees, so the per-transition work (momentum draw,
  doublings) weighs as much as the leaves;
- ``identity``: a unit metric and step size 0.08: trees of hundreds of leaves, so the cost per
  leaf (integrator step, tree bookkeeping, U-turn checks) dominates.

It reports the wall time of a warm call (median of 5, the two libraries taking turns, the
first in each round alternating), the gradients (leapfrog steps summed over chains), the time
per gradient, the lockstep steps (under ``vmap`` a transition costs as many steps as its
longest chain: the per-transition maximum summed over transitions) and the time per lockstep
step. The trees differ (different random numbers, and BlackJAX stops its trajectories by its
own criterion), so compare the time per lockstep step as well as per gradient.
"""

from __future__ import annotations

import os
import sys
import time

import jax
import jax.numpy as jnp
import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

NUM_CHAINS = 4
NUM_TRANSITIONS = 1000
ROUNDS = 5


def _chains(init_fn, step_fn):
    def chain(key, x0):
        def body(state, k):
            state, steps = step_fn(k, state)
            return state, steps

        return jax.lax.scan(body, init_fn(x0), jax.random.split(key, NUM_TRANSITIONS))[1]

    return jax.jit(jax.vmap(chain))


def probflow_run(logdensity, inverse_mass_matrix, step_size):
    import probflow as pf

    kernel = pf.mcmc.NUTS()
    params = pf.mcmc.KernelParams(step_size, inverse_mass_matrix)

    def step(key, state):
        state, info = kernel.step(key, state, logdensity, params)
        return state, info.num_integration_steps

    return _chains(lambda x0: kernel.init(x0, logdensity), step)


def blackjax_run(logdensity, inverse_mass_matrix, step_size):
    import blackjax

    kernel = blackjax.nuts(logdensity, step_size, inverse_mass_matrix)

    def step(key, state):
        state, info = kernel.step(key, state)
        return state, info.num_integration_steps

    return _chains(kernel.init, step)


def main():
    from common import machine_line, markdown_table
    from posteriors import gaussian

    target = gaussian(100)
    variances = jnp.asarray(np.logspace(-1, 1, target.dim) ** 2, jnp.float32)
    settings = {"perfect": (variances, 0.9), "identity": (jnp.ones(target.dim), 0.08)}
    libraries = {"probflow": probflow_run, "blackjax": blackjax_run}
    keys = jax.random.split(jax.random.key(1), NUM_CHAINS)
    x0 = jax.random.normal(jax.random.key(2), (NUM_CHAINS, target.dim)) * jnp.sqrt(variances)
    rows = []
    for setting, (inverse_mass_matrix, step_size) in settings.items():
        runs = {name: make(target.logdensity, inverse_mass_matrix, step_size)
                for name, make in libraries.items()}
        steps = {name: np.asarray(jax.block_until_ready(run(keys, x0)))
                 for name, run in runs.items()}
        times = {name: [] for name in runs}
        order = list(runs)
        for round_ in range(ROUNDS):
            for name in order[round_ % 2:] + order[:round_ % 2]:
                start = time.perf_counter()
                jax.block_until_ready(runs[name](keys, x0))
                times[name].append(time.perf_counter() - start)
        for name in runs:
            seconds = float(np.median(times[name]))
            grads = int(steps[name].sum())
            lockstep = int(steps[name].max(axis=0).sum())
            rows.append([setting, name, f"{seconds:.3f}", f"{grads:,}",
                         f"{seconds / grads * 1e6:.2f}", f"{lockstep:,}",
                         f"{seconds / lockstep * 1e6:.2f}"])
    print(f"{NUM_CHAINS} chains x {NUM_TRANSITIONS} transitions, median of {ROUNDS} warm calls; "
          f"{machine_line()}\n")
    print(markdown_table(["setting", "library", "warm s", "gradients", "us / gradient",
                          "lockstep steps", "us / lockstep step"], rows))


if __name__ == "__main__":
    main()
