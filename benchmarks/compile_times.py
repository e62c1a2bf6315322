"""Cold start of ``pf.mcmc.sample``: tracing (``.lower()``) and XLA compilation (``.compile()``).

``python benchmarks/compile_times.py [posterior ...]`` lowers and compiles the driver's three
programs (``prepare_chains``, ``run_chunk``, ``finish_chains``) for each posterior of
``benchmarks/posteriors.py`` with NUTS and each adaptation, in a fresh process per case, and
prints the seconds each stage takes. ``--sample`` times a whole first ``pf.mcmc.sample`` call
instead (4 x (warm-up + 1000) draws, compilation included). With ``--cache DIR`` the
persistent compilation cache is on (run twice: the second process loads the programs).
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)


def worker(posterior: str, adaptation: str, cache: str | None) -> dict:
    import jax
    import jax.numpy as jnp
    from posteriors import TARGETS, initial_positions

    import probflow as pf
    from probflow.mcmc.chains import (
        InitialTuning,
        RunConfig,
        chunk_length,
        prepare_chains,
        run_chunk,
    )
    from probflow.mcmc.sample import ADAPTATIONS

    if cache:
        pf.enable_compilation_cache(cache, min_compile_time_secs=0.0)
    target = TARGETS[posterior]()
    init = initial_positions(jax.random.key(42), target, 4)
    kernel = pf.mcmc.NUTS()
    adapt = ADAPTATIONS[adaptation](target_accept=0.8)
    config = RunConfig(kernel=kernel, adaptation=adapt, logdensity_fn=target.logdensity,
                       num_warmup=1000, num_samples=1000, thin=1, chain_method="vectorized",
                       chunk_length=chunk_length(2000, 4, target.dim))
    tuning = InitialTuning(*adapt.initial_tuning("bench", target.dim, init.dtype))
    timings = {}
    start = time.perf_counter()
    lowered = prepare_chains.lower(config, None, jax.random.key(0), init, tuning)
    timings["prepare_lower_s"] = time.perf_counter() - start
    start = time.perf_counter()
    compiled = lowered.compile()
    timings["prepare_compile_s"] = time.perf_counter() - start
    carry, _ = compiled(None, jax.random.key(0), init, tuning)
    start = time.perf_counter()
    lowered = run_chunk.lower(config, None, carry, jnp.int32(0), jnp.int32(1))
    timings["chunk_lower_s"] = time.perf_counter() - start
    start = time.perf_counter()
    lowered.compile()
    timings["chunk_compile_s"] = time.perf_counter() - start
    timings["chunk_hlo_chars"] = len(lowered.as_text())
    return {"posterior": target.name, "adaptation": adaptation, **timings}


def sample_worker(posterior: str, adaptation: str, cache: str | None) -> dict:
    """Seconds of a first ``pf.mcmc.sample`` call in a new process (what a user waits)."""
    import jax
    from posteriors import TARGETS, initial_positions

    import probflow as pf

    if cache:
        pf.enable_compilation_cache(cache, min_compile_time_secs=0.0)
    target = TARGETS[posterior]()
    init = initial_positions(jax.random.key(42), target, 4)
    start = time.perf_counter()
    pf.mcmc.sample(target.logdensity, key=jax.random.key(1), initial_position=init,
                   num_chains=4, adaptation=adaptation, progress_bar=False, warn=False)
    return {"posterior": target.name, "adaptation": adaptation,
            "first_sample_s": time.perf_counter() - start}


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("posteriors", nargs="*",
                        default=["eight_schools", "logistic", "gaussian", "stochastic_volatility"])
    parser.add_argument("--cache", default=None)
    parser.add_argument("--worker", nargs=2, metavar=("POSTERIOR", "ADAPTATION"))
    parser.add_argument("--sample", action="store_true",
                        help="time a whole first pf.mcmc.sample call instead of the stages")
    args = parser.parse_args(argv)
    if args.worker:
        fn = sample_worker if args.sample else worker
        print(json.dumps(fn(*args.worker, args.cache)))
        return
    from common import machine_line, markdown_table

    rows = []
    for posterior in args.posteriors:
        for adaptation in ("stan", "nutpie"):
            cmd = [sys.executable, __file__, "--worker", posterior, adaptation]
            if args.cache:
                cmd += ["--cache", args.cache]
            if args.sample:
                cmd += ["--sample"]
            out = subprocess.run(cmd, capture_output=True, text=True)
            lines = [line for line in out.stdout.splitlines() if line.startswith("{")]
            if out.returncode or not lines:
                print(out.stderr[-2000:], file=sys.stderr)
                continue
            r = json.loads(lines[-1])
            if args.sample:
                rows.append([r["posterior"], r["adaptation"], f"{r['first_sample_s']:.2f}"])
                continue
            rows.append([r["posterior"], r["adaptation"], f"{r['prepare_lower_s']:.2f}",
                         f"{r['prepare_compile_s']:.2f}", f"{r['chunk_lower_s']:.2f}",
                         f"{r['chunk_compile_s']:.2f}", f"{r['chunk_hlo_chars']:,}"])
    print(f"{machine_line()}; cache: {args.cache or 'off'}\n")
    if args.sample:
        print(markdown_table(["posterior", "adaptation", "first sample() s"], rows))
        return
    print(markdown_table(["posterior", "adaptation", "prepare lower s", "prepare compile s",
                          "chunk lower s", "chunk compile s", "chunk HLO chars"], rows))


if __name__ == "__main__":
    main()
