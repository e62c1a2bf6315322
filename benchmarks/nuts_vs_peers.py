"""Benchmark: NUTS in probflow vs NumPyro, BlackJAX and TFP-on-JAX on the same log densities.

Run with the ``bench`` extra installed: ``python benchmarks/nuts_vs_peers.py``. Every
(posterior, library) pair runs in its own process: 4 chains x (``--warmup`` warm-up +
``--samples`` draws) of NUTS with diagonal mass-matrix adaptation, the same initial points and
the same plain-JAX log density (``benchmarks/posteriors.py``: eight schools, a 5000 x 50
logistic regression, a 100-d Gaussian, stochastic volatility with 300 latent states, an
85-parameter hierarchical regression, a 2-d banana).

Libraries: probflow with Stan's warm-up (``probflow``) and with nutpie's gradient-based one
(``probflow-nutpie``), NumPyro, BlackJAX, nutpie (Rust NUTS through
``nutpie.compiled_pyfunc.from_pyfunc`` on a jitted JAX value-and-gradient; chains on threads)
and, on request, TFP-on-JAX. ``--mode budget`` gives everyone the same ``--warmup``;
``--mode defaults`` gives each library its own default warm-up length. Each (posterior,
library) runs ``--rounds`` times, interleaved, and the table shows medians.

Reported per pair: cold wall time (first call, compilation included: what a notebook user
waits), warm wall time (a second call, new key), minimum bulk ESS over
parameters (ArviZ), ESS per second cold and warm, gradient evaluations in the sampling phase
(sum of leapfrog steps over chains and draws), ESS per 1,000 such gradients, divergences, and
each figure's ratio to the best peer. For the logistic regression it also measures the floor:
the time of one jitted, vectorised (4 chains) ``value_and_grad`` call, against probflow's warm
time per gradient evaluation including warm-up.

``python benchmarks/nuts_vs_peers.py --worker LIB POSTERIOR`` runs one pair and prints JSON.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

LIBRARIES = ("probflow", "probflow-nutpie", "numpyro", "blackjax", "nutpie")
NUM_CHAINS = 4


# -- one library each ---------------------------------------------------------------------------

def make_probflow(target, num_warmup, num_samples, adaptation="stan"):
    import probflow as pf

    def logdensity(position):
        return target.logdensity(position["x"])

    def run(key, init):
        idata = pf.mcmc.sample(logdensity, initial_position={"x": init}, key=key,
                               num_chains=NUM_CHAINS, num_warmup=num_warmup,
                               num_samples=num_samples, adaptation=adaptation,
                               progress_bar=False, warn=False)
        stats = idata.sample_stats
        return (idata.posterior["x"].values, np.asarray(stats["n_steps"]).sum(),
                int(np.asarray(stats["diverging"]).sum()), idata)

    return run


def make_probflow_nutpie(target, num_warmup, num_samples):
    return make_probflow(target, num_warmup, num_samples, adaptation="nutpie")


def make_nutpie(target, num_warmup, num_samples):
    """nutpie's Rust NUTS (its default diagonal draw/gradient adaptation) on a jitted JAX
    value-and-gradient; chains run on threads, one per core."""
    import jax
    import nutpie
    from nutpie.compiled_pyfunc import from_pyfunc

    value_and_grad = jax.jit(jax.value_and_grad(target.logdensity))

    def make_logp_fn():
        def logp(x):
            value, grad = value_and_grad(x.astype(np.float32))
            return float(value), np.asarray(grad, np.float64)

        return logp

    def make_expand_fn(*args, **kwargs):
        def expand(x, **kwargs):
            return {"x": np.asarray(x, np.float64)}

        return expand

    def make_initial_point_fn(seed):
        # uniform(-2, 2), as the other libraries' initial points
        return np.random.default_rng(seed).uniform(-2.0, 2.0, target.dim)

    compiled = from_pyfunc(target.dim, make_logp_fn, make_expand_fn, [np.dtype("float64")],
                           [(target.dim,)], ["x"], make_initial_point_fn=make_initial_point_fn)

    def run(key, init):
        seed = int(jax.random.randint(key, (), 0, 2**31 - 1))
        trace = nutpie.sample(compiled, draws=num_samples, tune=num_warmup, chains=NUM_CHAINS,
                              seed=seed, progress_bar=False, cores=os.cpu_count(),
                              save_warmup=False)
        stats = trace.sample_stats
        return (np.asarray(trace.posterior["x"]), np.asarray(stats["n_steps"]).sum(),
                int(np.asarray(stats["diverging"]).sum()), None)

    return run


def make_numpyro(target, num_warmup, num_samples):
    from numpyro.infer import MCMC, NUTS

    kernel = NUTS(potential_fn=lambda x: -target.logdensity(x))
    mcmc = MCMC(kernel, num_warmup=num_warmup, num_samples=num_samples, num_chains=NUM_CHAINS,
                chain_method="vectorized", progress_bar=False)

    def run(key, init):
        mcmc.run(key, init_params=init, extra_fields=("num_steps", "diverging"))
        extra = mcmc.get_extra_fields(group_by_chain=True)
        draws = np.asarray(mcmc.get_samples(group_by_chain=True))
        divergences = int(np.asarray(extra["diverging"]).sum())
        return draws, np.asarray(extra["num_steps"]).sum(), divergences, None

    return run


def make_blackjax(target, num_warmup, num_samples):
    import blackjax
    import jax

    @jax.jit
    def sample(key, init):
        def one_chain(key, x0):
            key_warmup, key_sample = jax.random.split(key)
            adaptation = blackjax.window_adaptation(blackjax.nuts, target.logdensity)
            (state, params), _ = adaptation.run(key_warmup, x0, num_steps=num_warmup)
            nuts = blackjax.nuts(target.logdensity, **params)

            def step(state, k):
                state, info = nuts.step(k, state)
                return state, (state.position, info.num_integration_steps, info.is_divergent)

            _, out = jax.lax.scan(step, state, jax.random.split(key_sample, num_samples))
            return out

        return jax.vmap(one_chain)(jax.random.split(key, NUM_CHAINS), init)

    def run(key, init):
        draws, steps, divergent = jax.block_until_ready(sample(key, init))
        return np.asarray(draws), np.asarray(steps).sum(), int(np.asarray(divergent).sum()), None

    return run


def make_tfp(target, num_warmup, num_samples):
    import jax
    import jax.numpy as jnp
    from tensorflow_probability.substrates import jax as tfp

    tfd, tfb = tfp.distributions, tfp.bijectors
    logdensity = jnp.vectorize(target.logdensity, signature="(n)->()")

    class Target(tfd.Distribution):
        def __init__(self):
            super().__init__(dtype=jnp.float32, reparameterization_type=tfd.FULLY_REPARAMETERIZED,
                             validate_args=False, allow_nan_stats=True, parameters={})

        def _event_shape(self):
            return tfp.tf2jax.TensorShape([target.dim])

        def _event_shape_tensor(self):
            return jnp.asarray([target.dim])

        def _batch_shape(self):
            return tfp.tf2jax.TensorShape([])

        def _batch_shape_tensor(self):
            return jnp.asarray([], jnp.int32)

        def _log_prob(self, x):
            return logdensity(x)

        def _sample_n(self, n, seed=None):
            return jax.random.uniform(seed, (n, target.dim), minval=-2.0, maxval=2.0)

        def _default_event_space_bijector(self):
            return tfb.Identity()

    joint = tfd.JointDistributionNamed({"x": Target()})

    @jax.jit
    def sample(key, init):
        draws, trace = tfp.experimental.mcmc.windowed_adaptive_nuts(
            num_samples, joint, n_chains=NUM_CHAINS, num_adaptation_steps=num_warmup,
            current_state={"x": init}, seed=key)
        return draws["x"], trace["n_steps"], trace["diverging"]

    def run(key, init):
        draws, steps, divergent = jax.block_until_ready(sample(key, init))
        draws = np.swapaxes(np.asarray(draws), 0, 1)  # (draws, chains, dim) -> (chains, draws, dim)
        return draws, np.asarray(steps).sum(), int(np.asarray(divergent).sum()), None

    return run


MAKERS = {"probflow": make_probflow, "probflow-nutpie": make_probflow_nutpie,
          "numpyro": make_numpyro, "blackjax": make_blackjax, "nutpie": make_nutpie,
          "tfp": make_tfp}
# each library's default warm-up length (the "defaults" mode)
DEFAULT_WARMUP = {"probflow": 1000, "probflow-nutpie": 500, "numpyro": 1000, "blackjax": 1000,
                  "nutpie": 300, "tfp": 1000}


def worker(library, posterior, num_warmup, num_samples):
    import arviz as az
    import jax
    from posteriors import TARGETS, initial_positions

    target = TARGETS[posterior]()
    init = initial_positions(jax.random.key(42), target, NUM_CHAINS)
    run = MAKERS[library](target, num_warmup, num_samples)
    start = time.perf_counter()
    draws, grads, divergences, _ = run(jax.random.key(1), init)
    cold = time.perf_counter() - start
    start = time.perf_counter()
    draws, grads, divergences, idata = run(jax.random.key(2), init)
    warm = time.perf_counter() - start
    ess = float(np.min(az.ess(az.convert_to_dataset(draws), method="bulk")["x"].values))
    result = {"library": library, "posterior": target.name, "cold_s": cold, "warm_s": warm,
              "min_ess_bulk": ess, "grads": int(grads), "divergences": divergences,
              "num_warmup": num_warmup}
    if library == "probflow" and posterior == "logistic":
        result.update(measure_overhead(target, init, num_warmup, num_samples))
    print(json.dumps(result))


def measure_overhead(target, init, num_warmup, num_samples):
    """probflow's warm time per gradient step against a bare vectorised ``value_and_grad``.

    Chains advance in lockstep under ``vmap``: an iteration costs as many batched gradient
    evaluations as its longest trajectory, so the count is the sum over iterations (warm-up
    included) of the maximum over chains of ``n_steps``.
    """
    import jax

    import probflow as pf

    def logdensity(position):
        return target.logdensity(position["x"])

    def run(key):
        return pf.mcmc.sample(logdensity, initial_position={"x": init}, key=key,
                              num_chains=NUM_CHAINS, num_warmup=num_warmup,
                              num_samples=num_samples, progress_bar=False, warn=False,
                              save_warmup=True)

    run(jax.random.key(5))
    best = float("inf")
    for seed in (6, 7):
        start = time.perf_counter()
        idata = run(jax.random.key(seed))
        seconds = time.perf_counter() - start
        if seconds < best:
            best = seconds
            steps = np.concatenate([np.asarray(idata.warmup_sample_stats["n_steps"]),
                                    np.asarray(idata.sample_stats["n_steps"])], axis=1)
            lockstep = int(steps.max(axis=0).sum())
    return {"overhead_s": best, "lockstep_grads": lockstep,
            "floor_s_per_grad": measure_floor(target, init)}


def measure_floor(target, init):
    """Seconds per call of a jitted, vectorised (one row per chain) value_and_grad."""
    import jax
    from common import time_jitted

    fn = jax.jit(jax.vmap(jax.value_and_grad(target.logdensity)))
    return time_jitted(fn, init, repeats=7, number=200)


def run_all(args):
    """Every (posterior, library) in its own process, ``--rounds`` times interleaved."""
    results = {}
    for round_ in range(args.rounds):
        for posterior in args.posteriors:
            for library in args.libraries:
                warmup = DEFAULT_WARMUP[library] if args.mode == "defaults" else args.warmup
                cmd = [sys.executable, __file__, "--worker", library, posterior,
                       "--warmup", str(warmup), "--samples", str(args.samples)]
                out = subprocess.run(cmd, capture_output=True, text=True)
                lines = [line for line in out.stdout.splitlines() if line.startswith("{")]
                if out.returncode != 0 or not lines:
                    print(f"# {library} on {posterior} failed:\n{out.stderr[-2000:]}",
                          file=sys.stderr)
                    continue
                result = json.loads(lines[-1])
                results.setdefault((posterior, library), []).append(result)
                print(f"# round {round_ + 1}: {json.dumps(result)}", file=sys.stderr, flush=True)
    rows = []
    for posterior in args.posteriors:
        row = [_median(results[(posterior, library)]) for library in args.libraries
               if (posterior, library) in results]
        rows.append(row)
    print_table(rows, args)


def _median(runs):
    """The median of every numeric field over rounds (and how many rounds there were)."""
    merged = dict(runs[0])
    for key, value in runs[0].items():
        if isinstance(value, int | float) and not isinstance(value, bool):
            merged[key] = float(np.median([r[key] for r in runs]))
    merged["rounds"] = len(runs)
    return merged


def print_table(rows, args):
    from common import machine_line, markdown_table

    header = ["posterior", "library", "warm-up", "cold s", "warm s", "min bulk ESS", "ESS/s cold",
              "ESS/s warm", "grads (sampling)", "ESS/1k grads", "divergences",
              "cold ESS/s vs best peer", "warm ESS/s vs best peer", "ESS/grad vs best peer"]
    table = []
    notes = []
    for results in rows:
        for r in results:
            r["ess_s_cold"] = r["min_ess_bulk"] / r["cold_s"]
            r["ess_s_warm"] = r["min_ess_bulk"] / r["warm_s"]
            r["ess_per_kgrad"] = 1000 * r["min_ess_bulk"] / max(r["grads"], 1)
        peers = [r for r in results if not r["library"].startswith("probflow")]
        for r in results:
            def ratio(key, r=r):
                best = max((p[key] for p in peers), default=float("nan"))
                return f"{r[key] / best:.2f}x" if peers else "n/a"

            table.append([r["posterior"], r["library"], f"{r['num_warmup']:.0f}",
                          f"{r['cold_s']:.2f}", f"{r['warm_s']:.2f}",
                          f"{r['min_ess_bulk']:.0f}", f"{r['ess_s_cold']:.0f}",
                          f"{r['ess_s_warm']:.0f}", f"{r['grads']:,.0f}",
                          f"{r['ess_per_kgrad']:.1f}", f"{r['divergences']:.0f}",
                          ratio("ess_s_cold"), ratio("ess_s_warm"), ratio("ess_per_kgrad")])
            if "floor_s_per_grad" in r:
                per_grad = r["overhead_s"] / r["lockstep_grads"]
                notes.append(
                    f"logistic floor: a jitted vectorised (4 chains) value_and_grad takes "
                    f"{r['floor_s_per_grad'] * 1e6:.1f} us per call; probflow's warm run "
                    f"(warm-up included) takes {per_grad * 1e6:.1f} us per lockstep gradient "
                    f"step ({r['lockstep_grads']:,.0f} steps in {r['overhead_s']:.2f} s) = "
                    f"{per_grad / r['floor_s_per_grad']:.2f}x the floor")
    budget = ("each library's default warm-up" if args.mode == "defaults"
              else f"{args.warmup} warm-up")
    print(f"4 chains x ({budget} + {args.samples} draws); medians of {args.rounds} interleaved "
          f"rounds, one process per (posterior, library, round); {machine_line()}\n")
    print(markdown_table(header, table))
    for note in notes:
        print(f"\n{note}")


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--worker", nargs=2, metavar=("LIBRARY", "POSTERIOR"))
    parser.add_argument("--warmup", type=int, default=1000)
    parser.add_argument("--samples", type=int, default=1000)
    parser.add_argument("--libraries", nargs="+", default=list(LIBRARIES))
    parser.add_argument("--posteriors", nargs="+",
                        default=["eight_schools", "logistic", "gaussian",
                                 "stochastic_volatility", "hierarchical", "banana"])
    parser.add_argument("--mode", choices=("budget", "defaults"), default="budget",
                        help="budget: everyone --warmup + --samples; defaults: each library's "
                             "own warm-up length")
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args(argv)
    if args.worker:
        worker(*args.worker, args.warmup, args.samples)
    else:
        run_all(args)


if __name__ == "__main__":
    main()
