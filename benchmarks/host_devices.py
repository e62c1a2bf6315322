"""Both cores of a CPU: ``chain_method="parallel"`` over ``pf.set_host_device_count(n)`` devices.

``python benchmarks/host_devices.py [posterior ...]`` runs NUTS (4 chains x (1000 + 1000),
Stan's warm-up) on each posterior of ``benchmarks/posteriors.py`` in a fresh process per
setting: one device with ``chain_method="vectorized"``, and ``n`` devices (``--devices``,
default the number of cores) with ``"parallel"``. Each setting runs ``--rounds`` times,
interleaved; the table shows median cold and warm seconds and the warm speed-up.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)


def worker(posterior: str, devices: int) -> dict:
    import probflow as pf

    if devices > 1:
        pf.set_host_device_count(devices)
    import jax
    from posteriors import TARGETS, initial_positions

    target = TARGETS[posterior]()
    init = initial_positions(jax.random.key(42), target, 4)
    method = "parallel" if devices > 1 else "vectorized"

    def run(seed):
        start = time.perf_counter()
        pf.mcmc.sample(target.logdensity, key=jax.random.key(seed), initial_position=init,
                       num_chains=4, chain_method=method, progress_bar=False, warn=False)
        return time.perf_counter() - start

    cold = run(1)
    warm = run(2)
    return {"posterior": target.name, "devices": devices, "cold_s": cold, "warm_s": warm}


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("posteriors", nargs="*", default=["logistic", "gaussian",
                                                          "stochastic_volatility"])
    parser.add_argument("--devices", type=int, default=os.cpu_count())
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--worker", nargs=2, metavar=("POSTERIOR", "DEVICES"))
    args = parser.parse_args(argv)
    if args.worker:
        print(json.dumps(worker(args.worker[0], int(args.worker[1]))))
        return
    from common import machine_line, markdown_table

    env = {k: v for k, v in os.environ.items() if k != "XLA_FLAGS"}
    results: dict = {}
    for _ in range(args.rounds):
        for posterior in args.posteriors:
            for devices in (1, args.devices):
                out = subprocess.run([sys.executable, __file__, "--worker", posterior,
                                      str(devices)], capture_output=True, text=True, env=env)
                lines = [line for line in out.stdout.splitlines() if line.startswith("{")]
                if out.returncode or not lines:
                    print(out.stderr[-2000:], file=sys.stderr)
                    continue
                r = json.loads(lines[-1])
                results.setdefault((r["posterior"], devices), []).append(r)
    rows = []
    for (name, devices), runs in results.items():
        cold = statistics.median(r["cold_s"] for r in runs)
        warm = statistics.median(r["warm_s"] for r in runs)
        base = statistics.median(r["warm_s"] for r in results[(name, 1)])
        rows.append([name, str(devices), "parallel" if devices > 1 else "vectorized",
                     f"{cold:.2f}", f"{warm:.2f}", f"{base / warm:.2f}x"])
    print(f"{machine_line()}; medians of {args.rounds} interleaved rounds\n")
    print(markdown_table(["posterior", "CPU devices", "chain_method", "cold s", "warm s",
                          "warm speed-up"], rows))


if __name__ == "__main__":
    main()
