"""Benchmark: NUTS warm-up saved by starting from Pathfinder, on the posteriordb suite.

For each posterior of ``tests/posteriordb`` (float64, 4 chains, 1000 kept draws each):

* **default**: ``pf.mcmc.sample`` with Stan's warm-up, 1000 iterations, uniform starts;
* **pathfinder**: ``pf.vi.pathfinder_initial_positions`` (4 paths) gives the starting points and
  a diagonal inverse mass matrix, then ``pf.mcmc.sample`` with ``--warmup`` warm-up iterations
  (default 200) of the same adaptation started from that matrix.

Each configuration runs twice (new keys): the first call's wall seconds include compilation
(what a user waits for once), the second's are steady. Reported: both, Pathfinder's share of
the steady call, the smallest bulk ESS over the parameters (second call), ESS/s (steady), the
largest R-hat, and the largest distance of the posterior means from posteriordb's reference
in reference sds, and NUTS's bulk ESS per 1000 gradient evaluations (warm-up and sampling;
Pathfinder's own evaluations not counted, its seconds are), which the machine's load does not
change. One process, one posterior after the other.

``python benchmarks/pathfinder_init.py [--posteriors NAME ...] [--warmup 200]``
"""

from __future__ import annotations

import argparse
import os
import sys
import time
import warnings

import jax

jax.config.update("jax_enable_x64", True)

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.dirname(HERE))

import arviz as az  # noqa: E402
import numpy as np  # noqa: E402

import probflow as pf  # noqa: E402
from tests.posteriordb import models  # noqa: E402


def _measure(posterior, name, run):
    """Run twice: the first call compiles (what a user waits for), the second is steady."""
    times = []
    for repeat in range(2):
        start = time.perf_counter()
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            idata, pathfinder_s = run(repeat)
        times.append((time.perf_counter() - start, pathfinder_s))
    ess = az.ess(idata, method="bulk")
    rhat = az.rhat(idata)
    min_ess = min(float(np.min(ess[v].values)) for v in posterior.latent_names)
    max_rhat = max(float(np.max(rhat[v].values)) for v in posterior.latent_names)
    reference = models.load_reference(name)
    worst = 0.0
    for parameter, (mean, sd, _) in reference.items():
        try:
            draws = models.reference_draws(idata.posterior, parameter)
        except (KeyError, IndexError, ValueError):
            continue
        worst = max(worst, abs(float(np.mean(draws)) - mean) / max(sd, 1e-12))
    (cold, _), (steady, pathfinder_s) = times
    gradients = float(idata.sample_stats["n_steps"].sum())
    if "warmup_sample_stats" in idata.groups():
        gradients += float(idata.warmup_sample_stats["n_steps"].sum())
    return {"cold": cold, "steady": steady, "pathfinder_s": pathfinder_s, "min_ess": min_ess,
            "ess_per_s": min_ess / steady, "max_rhat": max_rhat, "worst_z": worst,
            "ess_per_1k_grad": 1000.0 * min_ess / gradients}


def run_one(name, warmup, seed):
    posterior = models.build(name)
    common = dict(num_chains=4, num_samples=1000, progress_bar=False, warn=False,
                  save_warmup=True)

    def default(repeat):
        key = jax.random.key(seed + 10 * repeat)
        return pf.mcmc.sample(posterior, key=key, num_warmup=1000, **common), 0.0

    def from_pathfinder(repeat):
        key = jax.random.key(seed + 10 * repeat)
        start = time.perf_counter()
        init = pf.vi.pathfinder_initial_positions(posterior, 4, key=jax.random.fold_in(key, 1))
        jax.block_until_ready(init.position)
        pathfinder_s = time.perf_counter() - start
        adaptation = pf.mcmc.WindowAdaptation(
            initial_inverse_mass_matrix=init.inverse_mass_matrix)
        return pf.mcmc.sample(posterior, key=key, num_warmup=warmup,
                              initial_position=init.position, adaptation=adaptation,
                              **common), pathfinder_s

    return _measure(posterior, name, default), _measure(posterior, name, from_pathfinder)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--posteriors", nargs="+", default=list(models.POSTERIORS))
    parser.add_argument("--warmup", type=int, default=200)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)
    header = ("| posterior | start | warm-up | s (first call) | s (steady) | of which Pathfinder | "
              "min bulk ESS | ESS/s (steady) | NUTS ESS per 1000 gradients | max R-hat | "
              "worst mean error (ref sd) | ESS/s ratio | ESS/gradient ratio |")
    print(header)
    print("|" + "---|" * 13)
    for name in args.posteriors:
        try:
            default, pathfinder = run_one(name, args.warmup, args.seed)
        except Exception as err:  # a posterior that fails is reported, the others still run
            print(f"| {name} | failed: {type(err).__name__}: {str(err)[:80]} |" + " |" * 9)
            continue
        ratio = pathfinder["ess_per_s"] / default["ess_per_s"]
        grad_ratio = pathfinder["ess_per_1k_grad"] / default["ess_per_1k_grad"]
        for label, warm, r, extra in (("uniform", 1000, default, " | "),
                                      ("pathfinder", args.warmup, pathfinder,
                                       f"{ratio:.2f}x | {grad_ratio:.2f}x")):
            print(f"| {name} | {label} | {warm} | {r['cold']:.1f} | {r['steady']:.1f} | "
                  f"{r['pathfinder_s']:.1f} | {r['min_ess']:.0f} | {r['ess_per_s']:.1f} | "
                  f"{r['ess_per_1k_grad']:.1f} | {r['max_rhat']:.3f} | {r['worst_z']:.2f} | "
                  f"{extra} |", flush=True)


if __name__ == "__main__":
    main()
