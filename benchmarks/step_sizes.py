"""Adapted step sizes, divergences and tree depths: probflow against NumPyro, per posterior.

``python benchmarks/step_sizes.py`` (``bench`` extra; run from the repository root) samples
each posteriordb posterior of ``tests/posteriordb`` with probflow's NUTS (Stan's warm-up and
nutpie's) and NumPyro's NUTS on the same unconstrained log density (probflow's
``Posterior.unconstrained_log_density``, passed to NumPyro as ``potential_fn``), the same
initial points, 4 chains x (1000 warm-up + 1000 draws), target acceptance 0.8, in float64.
It prints, per posterior, the mean adapted step size, the divergences after warm-up (all
chains, and the most in one chain), the transitions that reached the maximum tree depth, and
the mean tree depth (both libraries count doublings attempted, as Stan does). Not a timing
benchmark.

Besides the suite, ``gp_pois_regr_64`` is posteriordb's ``gp_pois_regr`` program (Poisson
counts, squared-exponential GP, non-centred latent values) on 64 simulated points: 66
parameters, the size of the GP posterior that first showed probflow diverging more often than
NumPyro. ``--only NAME`` (repeatable) runs some posteriors; ``--keys N`` runs N keys per
posterior and library (keys 1 to N, or from ``--first-key``) and reports medians
(divergences and max-depth counts are per run);
``--library NAME`` (repeatable) runs some of ``probflow (stan)``, ``probflow (nutpie)`` and
``numpyro``.
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


def gp_pois_regr_64():
    """posteriordb's ``gp_pois_regr`` program on 64 points in ``[-10, 10]`` whose counts come
    from a fixed smooth log rate (``numpy`` seed 0): 64 latent values, ``rho`` and ``alpha``."""
    x = np.linspace(-10.0, 10.0, 64)
    log_rate = 1.5 * np.sin(x / 2.5) + 0.5 * np.cos(x / 1.3) + 1.0
    counts = np.random.default_rng(0).poisson(np.exp(log_rate)).astype(np.float64)
    return models.gp_pois_regr(jax.numpy.asarray(x)).condition(k=jax.numpy.asarray(counts))


def build(name):
    return gp_pois_regr_64() if name == "gp_pois_regr_64" else models.build(name)


def probflow_run(posterior, init, adaptation, key):
    idata = pf.mcmc.sample(posterior, key=key, initial_position=init,
                           num_chains=NUM_CHAINS, adaptation=adaptation, num_warmup=1000,
                           progress_bar=False, warn=False)
    stats = idata.sample_stats
    return (float(np.mean(idata.mcmc_run.step_size)), int(stats["diverging"].sum()),
            int(stats["diverging"].sum("draw").max()),
            int(stats["reached_max_treedepth"].sum()), float(stats["tree_depth"].mean()))


def numpyro_run(posterior, init, key):
    from jax.flatten_util import ravel_pytree
    from numpyro.infer import MCMC, NUTS

    flat = jax.vmap(lambda p: ravel_pytree(p)[0])(init)
    unravel = ravel_pytree(jax.tree_util.tree_map(lambda x: x[0], init))[1]
    kernel = NUTS(potential_fn=lambda x: -posterior.unconstrained_log_density(unravel(x)),
                  target_accept_prob=0.8, max_tree_depth=10)
    mcmc = MCMC(kernel, num_warmup=1000, num_samples=1000, num_chains=NUM_CHAINS,
                chain_method="vectorized", progress_bar=False)
    mcmc.run(key, init_params=flat, extra_fields=("diverging", "num_steps",
                                                                "adapt_state.step_size"))
    extra = mcmc.get_extra_fields(group_by_chain=True)
    steps = np.asarray(extra["num_steps"])
    diverging = np.asarray(extra["diverging"])
    # NumPyro reports integrator steps; a trajectory of 2**(t-1) <= steps < 2**t attempted t
    # doublings (estimated: a last subtree cut short by a U-turn can make it one too low)
    depth = np.ceil(np.log2(steps + 1))
    return (float(np.mean(np.asarray(extra["adapt_state.step_size"])[:, -1])),
            int(diverging.sum()), int(diverging.sum(axis=1).max()), int((depth >= 10).sum()),
            float(depth.mean()))


def main():
    import argparse

    from common import markdown_table

    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--only", action="append", help="posterior name (repeatable)")
    parser.add_argument("--keys", type=int, default=1, help="keys per posterior and library")
    parser.add_argument("--first-key", type=int, default=1,
                        help="the keys are first-key, first-key + 1, ...")
    parser.add_argument("--library", action="append",
                        choices=["probflow (stan)", "probflow (nutpie)", "numpyro"],
                        help="library to run (repeatable; default all three)")
    args = parser.parse_args()
    names = args.only or [*sorted(models.POSTERIORS), "gp_pois_regr_64"]
    runners = {"probflow (stan)": lambda p, i, k: probflow_run(p, i, "stan", k),
               "probflow (nutpie)": lambda p, i, k: probflow_run(p, i, "nutpie", k),
               "numpyro": numpyro_run}
    if args.library:
        runners = {name: runners[name] for name in args.library}
    header = ["posterior", "library", "step size", "divergences", "in the worst chain",
              "at max depth", "mean tree depth"]
    rows = []
    for name in names:
        posterior = build(name)
        init = posterior.init(jax.random.key(0), NUM_CHAINS)
        for library, runner in runners.items():
            runs = np.array([runner(posterior, init, jax.random.key(seed))
                             for seed in range(args.first_key, args.first_key + args.keys)])
            step, divergences, worst, max_depth, depth = np.median(runs, axis=0)
            spread = "" if args.keys == 1 else (
                f" ({int(runs[:, 1].min())}-{int(runs[:, 1].max())})")
            rows.append([name, library, f"{step:.4g}", f"{divergences:g}{spread}", f"{worst:g}",
                         f"{max_depth:g}", f"{depth:.2f}"])
            print(markdown_table(header, rows[-1:]), flush=True)
            for seed, run in enumerate(runs, start=args.first_key):
                print(f"#   key {seed}: step {run[0]:.4g}, divergences {int(run[1])} "
                      f"(worst chain {int(run[2])})", flush=True)
    print()
    print(markdown_table(header, rows))


if __name__ == "__main__":
    main()
