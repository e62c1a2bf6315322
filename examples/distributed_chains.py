"""NUTS chains over several processes (hosts) with JAX's multi-controller runtime.

On a cluster, run the same command on every host, with its own --process-id:

    python examples/distributed_chains.py --coordinator 10.0.0.1:1234 \
        --num-processes 2 --process-id 0          # on host 0
    python examples/distributed_chains.py --coordinator 10.0.0.1:1234 \
        --num-processes 2 --process-id 1          # on host 1

Under SLURM (one task per host), ``srun`` starts them all:

    srun --nodes=2 --ntasks-per-node=1 python examples/distributed_chains.py \
        --coordinator "$(scontrol show hostnames | head -n1):1234" \
        --num-processes "$SLURM_NTASKS" --process-id "$SLURM_PROCID"

Without --coordinator it demonstrates the same on this machine: it starts two local
processes with two CPU devices each, each pinned to its own half of the machine's CPUs
(--cpus), and checks that they return the same draws as one process with four devices.
Several JAX processes whose thread pools share the same cores slow each other down far more
than the sharing alone explains, so give each process on one host its own cores (--cpus
here, or your launcher's CPU binding, such as ``srun --cpu-bind=cores``).

Every process prints (or writes, with --output) the same ArviZ summary: the draws are
gathered from all processes after every chunk.
"""

from __future__ import annotations

import argparse
import os
import socket
import subprocess
import sys

import numpy as np

Y = np.array([28.0, 8.0, -3.0, 7.0, -1.0, 1.0, 18.0, 12.0])
SIGMA = np.array([15.0, 10.0, 16.0, 11.0, 9.0, 11.0, 10.0, 18.0])


def run(args) -> None:
    import jax

    import probflow as pf

    if args.coordinator:
        pf.mcmc.distributed.initialize(args.coordinator, args.num_processes, args.process_id,
                                       local_device_count=args.local_devices)
    else:
        jax.config.update("jax_num_cpu_devices", args.local_devices)
    import jax.numpy as jnp

    import probflow.distributions as pfd

    @pf.model
    def eight_schools(sigma):
        mu = yield pfd.Normal(0.0, 5.0, name="mu")
        tau = yield pfd.HalfCauchy(0.0, 5.0, name="tau")
        z = yield pfd.Normal(jnp.zeros(8), 1.0, name="z")
        yield pfd.Normal(mu + tau * z, sigma, name="y")

    posterior = eight_schools(SIGMA).condition(y=Y)
    idata = pf.mcmc.sample(posterior, key=jax.random.key(0), num_chains=jax.device_count(),
                           num_warmup=args.num_warmup, num_samples=args.num_samples,
                           chain_method="parallel", progress_bar=False)
    summary = pf.summary(idata, var_names=["mu", "tau"])
    text = (f"process {jax.process_index()} of {jax.process_count()}, "
            f"{jax.device_count()} devices\n{summary}")
    if args.output:
        np.savez(args.output, mu=idata.posterior["mu"].values,
                 tau=idata.posterior["tau"].values)
    print(text)


def _cpu_shares(parts: int) -> list[list[int] | None]:
    """This process's CPUs in ``parts`` disjoint equal shares (``None`` each where there are
    fewer CPUs than parts, or the platform cannot pin processes)."""
    if not hasattr(os, "sched_getaffinity"):
        return [None] * parts
    cpus = sorted(os.sched_getaffinity(0))
    share = len(cpus) // parts
    if share < 1:
        return [None] * parts
    return [cpus[i * share:(i + 1) * share] for i in range(parts)]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def demo(args) -> None:
    """Two local processes x 2 devices, then one process x 4 devices; same draws."""
    import tempfile

    folder = tempfile.mkdtemp()
    port = _free_port()
    common = [sys.executable, os.path.abspath(__file__), "--num-warmup", str(args.num_warmup),
              "--num-samples", str(args.num_samples)]
    pins = [["--cpus", ",".join(map(str, cpus))] if cpus else []
            for cpus in _cpu_shares(2)]
    children = [subprocess.Popen(common + ["--coordinator", f"127.0.0.1:{port}",
                                           "--num-processes", "2", "--process-id", str(i),
                                           "--local-devices", "2", "--output",
                                           os.path.join(folder, f"process{i}.npz")] + pins[i],
                                 stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
                for i in range(2)]
    outputs = [child.communicate(timeout=600) for child in children]
    for child, (_, err) in zip(children, outputs, strict=True):
        if child.returncode:
            raise SystemExit(f"a process failed:\n{err[-3000:]}")
    single = subprocess.run(common + ["--local-devices", "4", "--output",
                                      os.path.join(folder, "single.npz")],
                            capture_output=True, text=True, timeout=600)
    if single.returncode:
        raise SystemExit(f"the one-process run failed:\n{single.stderr[-3000:]}")
    print(outputs[0][0])
    runs = [np.load(os.path.join(folder, f"{name}.npz")) for name in
            ("process0", "process1", "single")]
    same = all(np.array_equal(runs[0][k], r[k]) for r in runs[1:] for k in ("mu", "tau"))
    print(f"2 processes x 2 devices and 1 process x 4 devices give identical draws: {same}")
    if not same:
        raise SystemExit(1)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--coordinator", help="host:port of process 0 (omit for the demo)")
    parser.add_argument("--num-processes", type=int, default=1)
    parser.add_argument("--process-id", type=int, default=0)
    parser.add_argument("--local-devices", type=int, default=2,
                        help="CPU devices per process (ignored on GPUs and TPUs)")
    parser.add_argument("--num-warmup", type=int, default=500)
    parser.add_argument("--num-samples", type=int, default=500)
    parser.add_argument("--output", help="write this process's draws to an .npz file")
    parser.add_argument("--cpus", help="pin this process to these CPUs, e.g. 0,1 (Linux)")
    args = parser.parse_args()
    if args.cpus:  # before JAX starts its threads, which take this process's affinity
        os.sched_setaffinity(0, [int(c) for c in args.cpus.split(",")])
    if args.coordinator or args.output:
        run(args)
    else:
        demo(args)


if __name__ == "__main__":
    main()
