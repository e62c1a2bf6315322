"""Data-parallel likelihoods: time per NUTS gradient and per VI step, sharded vs unsharded.

``python benchmarks/sharded_data.py [--rows 10000 100000 1000000] [--rounds 5]`` forces four
CPU devices (``--xla_force_host_platform_device_count=4``, set before JAX starts), builds a
logistic regression with 5 features and ``n`` rows (float32), and times, in one process:

* **NUTS gradient**: the value and gradient of the unconstrained log density for 4 chains
  (``vmap``), the work of one leapfrog step of ``pf.mcmc.sample(chain_method="vectorized")``;
* **VI step**: one optimisation step of a mean-field ELBO with one particle
  ([`negative_elbo`][probflow.vi.elbo.negative_elbo] and ``optax.adam``), the work of one step
  of ``pf.vi.fit``;

each for the posterior as conditioned (one device) and for ``pf.shard_data`` over 1, 2 and 4
devices. The posterior is an argument of the compiled functions, as it is in the drivers, so
the data's placement is what the drivers see. Settings are timed in interleaved rounds (so a
load spike on a shared machine hits all of them alike); the table gives the median time per
call and the median, over rounds, of the unsharded-to-sharded ratio (above 1: sharding is
faster).

Forced host devices share the machine's cores: on a CPU the figures show the overhead and the
scaling the cores allow, not what separate accelerators give.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time

if "jax" not in sys.modules:
    flags = os.environ.get("XLA_FLAGS", "")
    if "xla_force_host_platform_device_count" not in flags:
        os.environ["XLA_FLAGS"] = (flags + " --xla_force_host_platform_device_count=4").strip()

import jax  # noqa: E402
import jax.numpy as jnp  # noqa: E402
import optax  # noqa: E402

import probflow as pf  # noqa: E402
from probflow import distributions as pfd  # noqa: E402
from probflow.vi.elbo import ELBOConfig, negative_elbo  # noqa: E402

NUM_CHAINS = 4
NUM_FEATURES = 5


@pf.model
def logistic(x):
    beta = yield pfd.Normal(jnp.zeros(x.shape[1], x.dtype), 1.0, name="beta")
    yield pfd.Bernoulli(logits=x @ beta, name="y")


def make_posterior(num_rows: int):
    x = jax.random.normal(jax.random.key(0), (num_rows, NUM_FEATURES), jnp.float32)
    truth = jnp.linspace(-1.0, 1.0, NUM_FEATURES, dtype=jnp.float32)
    y = (jax.random.uniform(jax.random.key(1), (num_rows,)) < jax.nn.sigmoid(x @ truth))
    return logistic(x).condition(y=y.astype(jnp.float32))


@jax.jit
def nuts_gradient(posterior, z):
    return jax.vmap(jax.value_and_grad(posterior.unconstrained_log_density))(z)


GUIDE = pf.vi.MeanField()
OPTIMIZER = optax.adam(1e-2)
ELBO = ELBOConfig(entropy="analytic")


@jax.jit
def vi_step(posterior, params, opt_state, key):
    def loss(p):
        return negative_elbo(key, p, GUIDE, lambda v: posterior.unconstrained_log_density(
            posterior.unflatten(v)), ELBO)

    value, grads = jax.value_and_grad(loss)(params)
    updates, opt_state = OPTIMIZER.update(grads, opt_state, params)
    return optax.apply_updates(params, updates), opt_state, value


def _timer(fn, *args):
    jax.block_until_ready(fn(*args))  # compile and warm
    start = time.perf_counter()
    jax.block_until_ready(fn(*args))
    once = time.perf_counter() - start
    repeats = max(1, min(200, int(0.2 / max(once, 1e-6))))

    def run() -> float:
        start = time.perf_counter()
        for _ in range(repeats):
            # one call at a time: queued multi-device calls can deadlock when there are
            # fewer cores than forced host devices (their all-reduces wait on each other)
            jax.block_until_ready(fn(*args))
        return (time.perf_counter() - start) / repeats

    return run


def measure(num_rows: int, rounds: int) -> list[dict]:
    posterior = make_posterior(num_rows)
    targets = {"unsharded": posterior}
    for count in (1, 2, 4):
        if count <= len(jax.devices()):
            targets[f"{count} device{'s' if count > 1 else ''}"] = pf.shard_data(
                posterior, devices=count, names=["x"])
    z = {"beta": jnp.full((NUM_CHAINS, NUM_FEATURES), 0.1, jnp.float32)}
    params = GUIDE.init(None, jnp.zeros(NUM_FEATURES, jnp.float32))
    opt_state = OPTIMIZER.init(params)
    key = jax.random.key(2)
    timers = {}
    for label, target in targets.items():
        timers[(label, "nuts")] = _timer(nuts_gradient, target, z)
        timers[(label, "vi")] = _timer(vi_step, target, params, opt_state, key)
    times = {k: [] for k in timers}
    for _ in range(rounds):  # interleaved: every setting once per round
        for k, run in timers.items():
            times[k].append(run())
    rows = []
    for label in targets:
        row = {"rows": num_rows, "setting": label}
        for kind in ("nuts", "vi"):
            mine, base = times[(label, kind)], times[("unsharded", kind)]
            row[kind] = statistics.median(mine)
            row[kind + "_ratio"] = statistics.median(b / m for b, m in zip(base, mine, strict=True))
        rows.append(row)
    return rows


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, nargs="+", default=[10_000, 100_000, 1_000_000])
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args(argv)
    print(f"JAX {jax.__version__}, {len(jax.devices())} {jax.devices()[0].platform} devices, "
          f"{os.cpu_count()} cores; {NUM_CHAINS} chains, {NUM_FEATURES} features, float32, "
          f"median of {args.rounds} interleaved rounds")
    print(f"{'rows':>9} {'setting':>10} {'NUTS grad ms':>13} {'speed-up':>9} "
          f"{'VI step ms':>11} {'speed-up':>9}")
    for num_rows in args.rows:
        for row in measure(num_rows, args.rounds):
            print(f"{row['rows']:>9} {row['setting']:>10} {1e3 * row['nuts']:>13.3f} "
                  f"{row['nuts_ratio']:>9.2f} {1e3 * row['vi']:>11.3f} {row['vi_ratio']:>9.2f}",
                  flush=True)


if __name__ == "__main__":
    main()
