"""Adapted step sizes, divergences and tree depths: probflow against NumPyro, per posterior.

``python benchmarks/step_sizes.py`` (``bench`` extra; run from the repository root) samples
each posteriordb posterior of ``tests/posteriordb`` with probflow's NUTS (Stan's warm-up and
nutpie's) and NumPyro's NUTS on the same unconstrained log density (probflow's
``Posterior.unconstrained_log_density``, passed to NumPyro as ``potential_fn``), the same
initial points, 4 chains x (1000 warm-up + 1000 draws), target acceptance 0.8, in float64.
It prints, per posterior, the mean adapted step size, the divergences after warm-up, the
transitions that reached the maximum tree depth, and the mean tree depth (both libraries count
doublings attempted, as Stan does). Not a timing benchmark.
"""

from __future__ import annotations

import os
import sys

import jax

jax.config.update("jax_enable_x64", True)

import numpy as np  # noqa: E402

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, ROOT)
sys.path.insert(0, os.path.join(ROOT, "benchmarks"))

import probflow as pf  # noqa: E402
from tests.posteriordb import models  # noqa: E402

NUM_CHAINS = 4


def probflow_run(posterior, init, adaptation):
    idata = pf.mcmc.sample(posterior, key=jax.random.key(1), initial_position=init,
                           num_chains=NUM_CHAINS, adaptation=adaptation, num_warmup=1000,
                           progress_bar=False, warn=False)
    stats = idata.sample_stats
    return (float(np.mean(idata.mcmc_run.step_size)), int(stats["diverging"].sum()),
            int(stats["reached_max_treedepth"].sum()), float(stats["tree_depth"].mean()))


def numpyro_run(posterior, init):
    from jax.flatten_util import ravel_pytree
    from numpyro.infer import MCMC, NUTS

    flat = jax.vmap(lambda p: ravel_pytree(p)[0])(init)
    unravel = ravel_pytree(jax.tree_util.tree_map(lambda x: x[0], init))[1]
    kernel = NUTS(potential_fn=lambda x: -posterior.unconstrained_log_density(unravel(x)),
                  target_accept_prob=0.8, max_tree_depth=10)
    mcmc = MCMC(kernel, num_warmup=1000, num_samples=1000, num_chains=NUM_CHAINS,
                chain_method="vectorized", progress_bar=False)
    mcmc.run(jax.random.key(1), init_params=flat, extra_fields=("diverging", "num_steps",
                                                                "adapt_state.step_size"))
    extra = mcmc.get_extra_fields(group_by_chain=True)
    steps = np.asarray(extra["num_steps"])
    # NumPyro reports integrator steps; a trajectory of 2**(t-1) <= steps < 2**t attempted t
    # doublings (estimated: a last subtree cut short by a U-turn can make it one too low)
    depth = np.ceil(np.log2(steps + 1))
    return (float(np.mean(np.asarray(extra["adapt_state.step_size"])[:, -1])),
            int(np.asarray(extra["diverging"]).sum()), int((depth >= 10).sum()),
            float(depth.mean()))


def main():
    from common import markdown_table

    rows = []
    for name in sorted(models.POSTERIORS):
        posterior = models.build(name)
        init = posterior.init(jax.random.key(0), NUM_CHAINS)
        results = {"probflow (stan)": probflow_run(posterior, init, "stan"),
                   "probflow (nutpie)": probflow_run(posterior, init, "nutpie"),
                   "numpyro": numpyro_run(posterior, init)}
        for library, (step, divergences, max_depth, depth) in results.items():
            rows.append([name, library, f"{step:.4g}", str(divergences), str(max_depth),
                         f"{depth:.2f}"])
        print(markdown_table(["posterior", "library", "step size", "divergences",
                              "at max depth", "mean tree depth"], rows[-3:]), flush=True)
    print()
    print(markdown_table(["posterior", "library", "step size", "divergences", "at max depth",
                          "mean tree depth"], rows))


if __name__ == "__main__":
    main()
