"""Bayesian logistic regression with variational inference: meanfield, fullrank and minibatches.

Run: ``python examples/vi_logistic_regression.py [--num-steps 2000] [--num-rows 20000]``.

Synthetic data from known coefficients; the script fits a mean-field and a full-rank normal
guide on all rows, then a mean-field guide on minibatches of 512 rows, and prints the
posterior means and standard deviations next to the true coefficients, with the final
negative ELBO and the wall time of each fit.
"""

from __future__ import annotations

import argparse
import time

import jax
import jax.numpy as jnp
import numpy as np
import optax

import probflow as pf
from probflow import distributions as pfd

TRUE_BETA = np.array([1.5, -1.0, 0.5, 0.0, 2.0])


@pf.model
def logistic(x):
    beta = yield pfd.Normal(jnp.zeros(x.shape[-1]), 2.0, name="beta")
    yield pfd.Bernoulli(logits=x @ beta, name="y")


def make_data(num_rows, seed=0):
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(num_rows, TRUE_BETA.size)).astype(np.float32)
    y = (rng.uniform(size=num_rows) < 1 / (1 + np.exp(-x @ TRUE_BETA))).astype(np.float32)
    return jnp.asarray(x), jnp.asarray(y)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--num-steps", type=int, default=2000)
    parser.add_argument("--num-rows", type=int, default=20_000)
    parser.add_argument("--batch-size", type=int, default=512)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)

    x, y = make_data(args.num_rows, args.seed)
    posterior = logistic(x).condition(y=y)
    optimizer = optax.adam(optax.exponential_decay(5e-2, args.num_steps, 0.05))
    runs = {
        "meanfield": dict(guide="meanfield"),
        "fullrank": dict(guide="fullrank"),
        f"minibatch {args.batch_size}": dict(guide="meanfield", data=["x", "y"],
                                             batch_size=min(args.batch_size, args.num_rows)),
    }
    print(f"{args.num_rows} rows, {TRUE_BETA.size} coefficients, {args.num_steps} steps each")
    print(f"{'truth':>22}: " + " ".join(f"{b:7.3f}" for b in TRUE_BETA))
    for i, (label, options) in enumerate(runs.items()):
        start = time.perf_counter()
        fit = pf.vi.fit(posterior, key=jax.random.key(args.seed + i), num_steps=args.num_steps,
                        optimizer=optimizer, progress_bar=False, **options)
        seconds = time.perf_counter() - start
        draws = np.asarray(fit.surrogate.sample(jax.random.key(100 + i), (2000,))["beta"])
        mean, sd = draws.mean(0), draws.std(0)
        print(f"{label + ' mean':>22}: " + " ".join(f"{m:7.3f}" for m in mean))
        print(f"{label + ' sd':>22}: " + " ".join(f"{s:7.3f}" for s in sd)
              + f"   (-ELBO {fit.losses[-100:].mean():.1f}, {seconds:.1f} s)")


if __name__ == "__main__":
    main()
