"""Benchmark: variational inference steps per second, probflow vs NumPyro SVI and TFP-on-JAX.

Run with the ``bench`` extra installed: ``python benchmarks/vi_vs_peers.py``. The target is a
synthetic Bayesian logistic regression (5000 rows x 50 coefficients, standard normal prior;
float32). Every (guide, library) pair runs in its own process and fits the same model with
adam(1e-2), one Monte Carlo particle per step, ``--steps`` steps:

* probflow: ``pf.vi.fit(posterior, "meanfield" | "fullrank")`` (the user-facing driver:
  chunked ``lax.scan`` plus host-side progress and checks between chunks);
* NumPyro: ``SVI(model, AutoNormal | AutoMultivariateNormal, adam, Trace_ELBO())``, its
  ``svi.update`` step inside one jitted ``lax.scan`` (the fastest way to run it);
* TFP: ``tfp.vi.fit_surrogate_posterior_stateless`` under ``jax.jit``, with the factored
  surrogate builder (meanfield) and a ``MultivariateNormalTriL`` surrogate with a
  ``FillScaleTriL`` scale (fullrank; TFP's affine builder does not trace under ``jit`` with
  the tfp-nightly tested).

Reported per pair: steps/s including compilation (first call: what a user waits for) and
steady-state steps/s (best of three further calls with new keys, already compiled), the
final negative ELBO (mean of the last 10% of steps, so the runs are seen to do the same
work), and probflow's ratio to the best peer.

``python benchmarks/vi_vs_peers.py --worker LIB GUIDE`` runs one pair and prints JSON.

``--interleaved`` runs every library in one process instead, alternating their calls
(``--repeats`` rounds), and reports the best wall-clock and process-CPU rates of each and the
ratios: on a shared, loaded machine, the ratios of interleaved calls are what can be trusted.
It also times probflow's chunk alone (one compiled ``lax.scan`` of the same steps, no host
loop) and the k-hat diagnostic ``fit`` adds by default (1000 draws).
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
sys.path.insert(0, os.path.dirname(HERE))

LIBRARIES = ("probflow", "numpyro", "tfp")
GUIDES = ("meanfield", "fullrank")
NUM_ROWS, NUM_COEFS = 5000, 50
LEARNING_RATE = 1e-2


def make_data():
    rng = np.random.default_rng(0)
    x = rng.normal(size=(NUM_ROWS, NUM_COEFS)).astype(np.float32) / np.sqrt(NUM_COEFS)
    beta = rng.normal(size=NUM_COEFS).astype(np.float32)
    y = (rng.uniform(size=NUM_ROWS) < 1 / (1 + np.exp(-x @ beta))).astype(np.float32)
    return x, y


def logistic_log_density(beta, x, y):
    """Plain-JAX log joint (the same for every library's custom targets)."""
    import jax
    import jax.numpy as jnp

    logits = x @ beta
    log_lik = jnp.sum(y * jax.nn.log_sigmoid(logits) + (1 - y) * jax.nn.log_sigmoid(-logits))
    return log_lik - 0.5 * jnp.sum(beta**2) - 0.5 * NUM_COEFS * jnp.log(2 * jnp.pi)


# -- one library each: make(guide, num_steps) -> run(seed) -> losses ----------------------------

def make_probflow(guide, num_steps):
    import jax
    import jax.numpy as jnp
    import optax

    import probflow as pf
    from probflow import distributions as pfd

    x, y = map(jnp.asarray, make_data())

    @pf.model
    def logistic(x):
        beta = yield pfd.Normal(jnp.zeros(NUM_COEFS), 1.0, name="beta")
        yield pfd.Bernoulli(logits=x @ beta, name="y")

    posterior = logistic(x).condition(y=y)
    optimizer = optax.adam(LEARNING_RATE)

    def run(seed):
        # every step runs (tol=None), as in the peers; the k-hat diagnostic is timed apart
        # (--interleaved reports it)
        fit = pf.vi.fit(posterior, guide, key=jax.random.key(seed), num_steps=num_steps,
                        optimizer=optimizer, progress_bar=False, tol=None, num_psis_draws=0)
        return fit.losses

    return run


def make_numpyro(guide, num_steps):
    import jax
    import jax.numpy as jnp
    import numpyro
    import numpyro.distributions as dist
    from numpyro.infer import SVI, Trace_ELBO
    from numpyro.infer.autoguide import AutoMultivariateNormal, AutoNormal

    x, y = map(jnp.asarray, make_data())

    def model(x, y):
        beta = numpyro.sample("beta", dist.Normal(jnp.zeros(NUM_COEFS), 1.0).to_event(1))
        numpyro.sample("y", dist.Bernoulli(logits=x @ beta), obs=y)

    auto = AutoNormal(model) if guide == "meanfield" else AutoMultivariateNormal(model)
    svi = SVI(model, auto, numpyro.optim.Adam(LEARNING_RATE), Trace_ELBO(num_particles=1))

    @jax.jit
    def fit(key):
        state = svi.init(key, x, y)

        def step(state, _):
            state, loss = svi.update(state, x, y)
            return state, loss

        return jax.lax.scan(step, state, None, length=num_steps)[1]

    def run(seed):
        return np.asarray(jax.block_until_ready(fit(jax.random.PRNGKey(seed))))

    return run


def make_tfp(guide, num_steps):
    import jax
    import jax.numpy as jnp
    import optax
    from tensorflow_probability.substrates import jax as tfp

    x, y = map(jnp.asarray, make_data())
    if guide == "meanfield":
        init_fn, build_fn = tfp.experimental.vi.build_factored_surrogate_posterior_stateless(
            event_shape=[NUM_COEFS], initial_parameters={"scale": 0.1})
    else:
        # build_affine_surrogate_posterior_stateless(operators="tril") does not trace under
        # jit with this tfp-nightly (a traced event shape reaches its sampler), so the
        # full-rank surrogate is built by hand: MultivariateNormalTriL with a FillScaleTriL
        # parameterisation (TFP's own choice for trainable scales)
        tfd, tfb = tfp.distributions, tfp.bijectors
        fill = tfb.FillScaleTriL()

        def init_fn(key):
            return (jnp.zeros(NUM_COEFS), fill.inverse(0.1 * jnp.eye(NUM_COEFS)))

        def build_fn(loc, raw):
            return tfd.MultivariateNormalTriL(loc, fill.forward(raw))

    # TFP calls the target with a leading sample axis
    target = jnp.vectorize(lambda beta: logistic_log_density(beta, x, y), signature="(n)->()")

    @jax.jit
    def fit(params, key):
        _, losses = tfp.vi.fit_surrogate_posterior_stateless(
            target, build_fn, params, optax.adam(LEARNING_RATE), num_steps, sample_size=1,
            seed=key)
        return losses

    def run(seed):
        key_init, key_fit = jax.random.split(jax.random.PRNGKey(seed))
        params = init_fn(key_init)
        return np.asarray(jax.block_until_ready(fit(params, key_fit)))

    return run


MAKERS = {"probflow": make_probflow, "numpyro": make_numpyro, "tfp": make_tfp}


def worker(library, guide, num_steps):
    run = MAKERS[library](guide, num_steps)
    start = time.perf_counter()
    losses = np.asarray(run(1))
    cold = time.perf_counter() - start
    warm = float("inf")
    for seed in (2, 3, 4):  # the machine is shared: the best of three warm calls
        start = time.perf_counter()
        losses = np.asarray(run(seed))
        warm = min(warm, time.perf_counter() - start)
    tail = losses[-max(1, num_steps // 10):]
    print(json.dumps({"library": library, "guide": guide, "steps": num_steps, "cold_s": cold,
                      "warm_s": warm, "final_loss": float(np.mean(tail))}))


def _probflow_parts(guide, num_steps):
    """probflow's compiled steps alone (one chunk of all the steps, no host loop) and the
    k-hat diagnostic of a fit, for --interleaved."""
    import jax
    import jax.numpy as jnp
    import optax

    import probflow as pf
    from probflow import distributions as pfd
    from probflow.vi import loop

    x, y = map(jnp.asarray, make_data())

    @pf.model
    def logistic(x):
        beta = yield pfd.Normal(jnp.zeros(NUM_COEFS), 1.0, name="beta")
        yield pfd.Bernoulli(logits=x @ beta, name="y")

    posterior = logistic(x).condition(y=y)
    optimizer = optax.adam(LEARNING_RATE)
    guide_obj = pf.vi.make_guide(guide)
    params = guide_obj.init(None, jnp.zeros(NUM_COEFS))
    elbo = pf.vi.elbo.resolve_elbo_config(guide_obj, params)
    spec = loop._Spec(guide_obj, optimizer, elbo, None, num_steps)

    def chunk(seed):
        zero = jnp.asarray(0, jnp.int32)
        state = loop._LoopState(params, optimizer.init(params), zero,
                                jnp.asarray(-1, jnp.int32), jnp.zeros((0,), jnp.int32), None,
                                None, zero)
        _, losses = loop._run_chunk(spec, loop.FAST, posterior, state, jax.random.key(seed),
                                    np.int32(num_steps), np.int32(num_steps))
        return np.asarray(losses)

    fit = pf.vi.fit(posterior, guide, key=jax.random.key(0), num_steps=100,
                    optimizer=optimizer, progress_bar=False, tol=None, num_psis_draws=0)

    def khat(seed):
        return pf.vi.psis.approximation_khat(posterior, fit.surrogate.flat,
                                             key=jax.random.key(seed), num_draws=1000)

    return chunk, khat


def run_interleaved(args):
    for guide in args.guides:
        runs = {lib: MAKERS[lib](guide, args.steps) for lib in args.libraries}
        chunk, khat = _probflow_parts(guide, args.steps)
        runs["probflow chunk only"] = chunk
        for run in runs.values():
            run(1)  # compile
        khat(1)
        wall = {k: float("inf") for k in runs}
        cpu = dict(wall)
        for rep in range(args.repeats):
            for name, run in runs.items():
                start, start_cpu = time.perf_counter(), time.process_time()
                run(rep + 2)
                wall[name] = min(wall[name], time.perf_counter() - start)
                cpu[name] = min(cpu[name], time.process_time() - start_cpu)
        start = time.perf_counter()
        khat(0)
        khat_s = time.perf_counter() - start
        print(f"\n{guide}, {args.steps} steps, best of {args.repeats} interleaved rounds")
        for name in runs:
            print(f"  {name:20s} wall {args.steps / wall[name]:9,.0f} steps/s   "
                  f"cpu {args.steps / cpu[name]:9,.0f} steps/s")
        peers = [p for p in args.libraries if p != "probflow"]
        if "probflow" in runs and peers:
            best_wall = min(wall[p] for p in peers)
            best_cpu = min(cpu[p] for p in peers)
            print(f"  probflow vs best peer: wall {best_wall / wall['probflow']:.2f}x, "
                  f"cpu {best_cpu / cpu['probflow']:.2f}x; fit vs its chunk alone: wall "
                  f"{wall['probflow chunk only'] / wall['probflow']:.2f}x, cpu "
                  f"{cpu['probflow chunk only'] / cpu['probflow']:.2f}x; k-hat (1000 draws) "
                  f"{1e3 * khat_s:.1f} ms")


def run_all(args):
    rows = []
    for guide in args.guides:
        results = []
        for library in args.libraries:
            cmd = [sys.executable, __file__, "--worker", library, guide,
                   "--steps", str(args.steps)]
            out = subprocess.run(cmd, capture_output=True, text=True)
            lines = [line for line in out.stdout.splitlines() if line.startswith("{")]
            if out.returncode != 0 or not lines:
                print(f"# {library} with {guide} failed:\n{out.stderr[-2000:]}", file=sys.stderr)
                continue
            results.append(json.loads(lines[-1]))
        rows.append(results)
    print_table(rows, args.steps)


def print_table(rows, num_steps):
    from common import machine_line, markdown_table

    header = ["guide", "library", "steps/s (compile incl.)", "steps/s (steady)",
              "final -ELBO", "compile-incl. vs best peer", "steady vs best peer"]
    table = []
    for results in rows:
        for r in results:
            r["cold_rate"] = r["steps"] / r["cold_s"]
            r["warm_rate"] = r["steps"] / r["warm_s"]
        peers = [r for r in results if r["library"] != "probflow"]
        for r in results:
            def ratio(key, r=r):
                best = max((p[key] for p in peers), default=float("nan"))
                return f"{r[key] / best:.2f}x" if peers else "n/a"

            table.append([r["guide"], r["library"], f"{r['cold_rate']:,.0f}",
                          f"{r['warm_rate']:,.0f}", f"{r['final_loss']:.1f}",
                          ratio("cold_rate"), ratio("warm_rate")])
    print(f"logistic regression {NUM_ROWS} x {NUM_COEFS}, adam({LEARNING_RATE}), 1 particle, "
          f"{num_steps} steps per run; {machine_line()}\n")
    print(markdown_table(header, table))


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--worker", nargs=2, metavar=("LIBRARY", "GUIDE"))
    parser.add_argument("--steps", type=int, default=5000)
    parser.add_argument("--libraries", nargs="+", default=list(LIBRARIES))
    parser.add_argument("--guides", nargs="+", default=list(GUIDES))
    parser.add_argument("--interleaved", action="store_true",
                        help="all libraries in one process, calls alternated")
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args(argv)
    if args.worker:
        worker(*args.worker, args.steps)
    elif args.interleaved:
        run_interleaved(args)
    else:
        run_all(args)


if __name__ == "__main__":
    main()
