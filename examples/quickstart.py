"""probflow quickstart: sample and evaluate distributions, print a small table.

Run: ``python examples/quickstart.py [--num-samples N]``.

For each distribution the table shows the closed-form mean and standard deviation
next to the Monte Carlo estimates from ``N`` draws, and the log density of the
first draw. The whole table is computed by one jitted function that takes the
distributions themselves as arguments (they are PyTrees).
"""

from __future__ import annotations

import argparse

import jax
import jax.numpy as jnp

import probflow.distributions as pfd


def catalogue():
    """A few distributions of different kinds (scalar events, all float32)."""
    return {
        "Normal(1, 2)": pfd.Normal(1.0, 2.0),
        "Gamma(3, 2)": pfd.Gamma(3.0, 2.0),
        "Beta(2, 5)": pfd.Beta(2.0, 5.0),
        "StudentT(5, 0, 1)": pfd.StudentT(5.0, 0.0, 1.0),
        "LogNormal(0, 0.5)": pfd.LogNormal(0.0, 0.5),
        "Poisson(4)": pfd.Poisson(4.0),
        "Binomial(10, 0.3)": pfd.Binomial(10.0, probs=0.3),
        "Weibull(1.5, 2)": pfd.Weibull(1.5, 2.0),
    }


@jax.jit
def summarise(key, dists, num_samples_like):
    """Closed-form and Monte Carlo moments of every distribution, in one compiled call."""
    n = num_samples_like.shape[0]
    keys = jax.random.split(key, len(dists))
    rows = {}
    for k, (name, d) in zip(keys, dists.items(), strict=True):
        x = d.sample(k, (n,))
        rows[name] = (d.mean(), d.stddev(), jnp.mean(x), jnp.std(x), d.log_prob(x[0]))
    return rows


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--num-samples", type=int, default=100_000)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)

    dists = catalogue()
    rows = summarise(jax.random.key(args.seed), dists, jnp.zeros(args.num_samples))
    header = (f"{'distribution':<20}{'mean':>10}{'MC mean':>10}{'sd':>10}{'MC sd':>10}"
              f"{'log p(x0)':>12}")
    print(header)
    print("-" * len(header))
    for name, (mean, sd, mc_mean, mc_sd, lp) in rows.items():
        print(
            f"{name:<20}{float(mean):>10.4f}{float(mc_mean):>10.4f}"
            f"{float(sd):>10.4f}{float(mc_sd):>10.4f}{float(lp):>12.4f}"
        )
    print(f"\n{args.num_samples} draws each; MC columns are Monte Carlo estimates.")


if __name__ == "__main__":
    main()
