"""Many chains: ChEES-HMC against NUTS at 64, 1,024 and 4,096 vectorised chains.

``python benchmarks/many_chains.py`` samples the 10-dimensional Gaussian of
``benchmarks/posteriors.py`` (scales log-spaced from 0.1 to 10, float32) with probflow's
NUTS (its default adaptation, Stan's windows) and with ``ChEESHMC`` + ``ChEESAdaptation``
(``adaptation="chees"``), both with ``chain_method="vectorized"``, the same warm-up and
draws per chain and the same Uniform(-2, 2) starting points. Each (sampler, chains) case runs
in a fresh process, ``--rounds`` times interleaved; the table shows medians of

* wall seconds of the first ``sample`` call (compilation included) and of a second call with
  another key (compilation excluded);
* gradient evaluations of the whole run (warm-up and sampling, summed over chains) and the
  *lock-step* gradients: under ``vmap`` every iteration costs the longest trajectory among
  the chains, so a batch of NUTS chains pays ``chains x max(n_steps)`` per iteration;
* the smallest bulk ESS over the 10 dimensions (ArviZ) of the kept draws, per 1,000 sampling
  gradients and per second of the warm call;
* peak resident memory of the process (``ru_maxrss``).

Results go to ``benchmarks/results/many_chains.json``. ``--quick`` runs a smaller version
(one round, short runs) to check the script.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

CHAINS = (64, 1024, 4096)
SAMPLERS = ("nuts", "chees")


def worker(sampler: str, num_chains: int, num_warmup: int, num_samples: int) -> dict:
    import arviz as az
    import jax
    import numpy as np
    from posteriors import gaussian, initial_positions

    import probflow as pf

    target = gaussian(10)
    init = initial_positions(jax.random.key(42), target, num_chains)
    if sampler == "nuts":
        options = dict(kernel=pf.mcmc.NUTS())
    else:
        options = dict(kernel=pf.mcmc.ChEESHMC(), adaptation="chees")

    def run(seed):
        start = time.perf_counter()
        idata = pf.mcmc.sample(target.logdensity, key=jax.random.key(seed),
                               initial_position=init, num_chains=num_chains,
                               num_warmup=num_warmup, num_samples=num_samples,
                               save_warmup=True, progress_bar=False, warn=False, **options)
        return idata, time.perf_counter() - start

    _, cold = run(1)
    idata, warm = run(2)
    steps = np.concatenate([np.asarray(idata.warmup_sample_stats["n_steps"]),
                            np.asarray(idata.sample_stats["n_steps"])], axis=1)
    sampling_steps = np.asarray(idata.sample_stats["n_steps"])
    ess = float(np.min(az.ess(idata, method="bulk")["x"].values))
    return {
        "sampler": sampler, "chains": num_chains, "cold_s": cold, "warm_s": warm,
        "grads": int(steps.sum()), "sampling_grads": int(sampling_steps.sum()),
        "lockstep_grads": int(steps.max(axis=0).sum()) * num_chains,
        "min_ess_bulk": ess,
        "ess_per_kgrad": 1000 * ess / max(int(sampling_steps.sum()), 1),
        "ess_per_s": ess / warm,
        "divergences": int(idata.sample_stats["diverging"].sum()),
        "step_size": float(np.median(idata.mcmc_run.step_size)),
        "mean_steps": float(sampling_steps.mean()),
        "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
        "dtype": str(idata.posterior["x"].dtype),
    }


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--chains", type=int, nargs="*", default=list(CHAINS))
    parser.add_argument("--warmup", type=int, default=150)
    parser.add_argument("--samples", type=int, default=100)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--quick", action="store_true",
                        help="one round of 100 + 50 iterations at 64 and 1,024 chains")
    parser.add_argument("--out", default=os.path.join(HERE, "results", "many_chains.json"))
    parser.add_argument("--from-log", nargs="+", metavar="LOG",
                        help="build the table and JSON from the '# round' lines that earlier "
                             "runs wrote to stderr (e.g. runs stopped early)")
    parser.add_argument("--worker", nargs=4, metavar=("SAMPLER", "CHAINS", "WARMUP", "SAMPLES"))
    args = parser.parse_args(argv)
    if args.worker:
        sampler, chains, warmup, samples = args.worker
        print(json.dumps(worker(sampler, int(chains), int(warmup), int(samples))))
        return
    if args.quick:
        args.chains, args.warmup, args.samples, args.rounds = [64, 1024], 100, 50, 1
    if args.from_log:
        runs: dict = {}
        for path in args.from_log:
            with open(path) as f:
                for line in f:
                    if line.startswith("# round"):
                        r = json.loads(line.split(": ", 1)[1])
                        runs.setdefault((r["sampler"], r["chains"]), []).append(r)
        args.chains = sorted({c for _, c in runs})
        args.rounds = max(len(v) for v in runs.values())
        report(args, runs, [])
        return

    env = {k: v for k, v in os.environ.items() if k != "XLA_FLAGS"}
    env.setdefault("JAX_PLATFORMS", "cpu")
    env["PYTHONPATH"] = os.pathsep.join([os.path.dirname(HERE), env.get("PYTHONPATH", "")])
    runs: dict = {}
    load = []
    for round_ in range(args.rounds):
        for chains in args.chains:
            for sampler in SAMPLERS:
                cmd = [sys.executable, __file__, "--worker", sampler, str(chains),
                       str(args.warmup), str(args.samples)]
                out = subprocess.run(cmd, capture_output=True, text=True, env=env)
                if out.returncode != 0:
                    raise RuntimeError(out.stderr[-3000:])
                result = json.loads(out.stdout.strip().splitlines()[-1])
                load.append(os.getloadavg()[0])
                print(f"# round {round_ + 1}: {json.dumps(result)}", file=sys.stderr,
                      flush=True)
                runs.setdefault((sampler, chains), []).append(result)
    report(args, runs, load)


def report(args, runs: dict, load: list) -> None:
    """Print the Markdown table of medians and write the JSON file."""
    from common import machine_line, markdown_table

    medians = {}
    for key, results in runs.items():
        medians[key] = {name: statistics.median(r[name] for r in results)
                        for name, value in results[0].items()
                        if isinstance(value, int | float) and name != "chains"}
    header = ["sampler", "chains", "cold s", "warm s", "grads (M)", "lock-step grads (M)",
              "mean steps", "min ESS", "ESS / 1k grads", "ESS / s", "peak RSS MB",
              "ESS/s vs NUTS", "ESS/grad vs NUTS"]
    rows = []
    for chains in args.chains:
        nuts = medians[("nuts", chains)]
        for sampler in SAMPLERS:
            m = medians[(sampler, chains)]
            rows.append([
                "ChEES-HMC" if sampler == "chees" else "NUTS", f"{chains:,}",
                f"{m['cold_s']:.1f}", f"{m['warm_s']:.1f}", f"{m['grads'] / 1e6:.2f}",
                f"{m['lockstep_grads'] / 1e6:.2f}", f"{m['mean_steps']:.1f}",
                f"{m['min_ess_bulk']:.0f}", f"{m['ess_per_kgrad']:.1f}",
                f"{m['ess_per_s']:.0f}", f"{m['peak_rss_mb']:.0f}",
                f"{m['ess_per_s'] / nuts['ess_per_s']:.2f}x",
                f"{m['ess_per_kgrad'] / nuts['ess_per_kgrad']:.2f}x"])
    counts = sorted({len(v) for v in runs.values()})
    print(f"\n{machine_line()}; {args.warmup} warm-up + {args.samples} draws per chain, "
          f"medians of {'/'.join(map(str, counts))} run(s) per case; load average during the runs "
          + (f"{min(load):.1f}-{max(load):.1f}" if load else "not recorded (from logs)")
          + f" (cores: {os.cpu_count()})\n")
    print(markdown_table(header, rows))
    os.makedirs(os.path.dirname(args.out), exist_ok=True)
    with open(args.out, "w") as f:
        json.dump({"machine": machine_line(), "warmup": args.warmup, "samples": args.samples,
                   "runs_per_case": {f"{s} {c}": len(v) for (s, c), v in runs.items()},
                   "load_average": [min(load), max(load)] if load else None,
                   "runs": [r for results in runs.values() for r in results],
                   "medians": [{"sampler": s, "chains": c, **m}
                               for (s, c), m in medians.items()]}, f, indent=1)


if __name__ == "__main__":
    main()
