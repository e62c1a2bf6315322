"""Eight schools with NUTS: the main example.

Run: ``python examples/eight_schools.py [--num-warmup N] [--num-samples N] [--plot PATH]``.

Rubin's (1981) eight schools: the estimated effect of coaching on SAT scores in eight schools,
with standard errors. A hierarchical model pools the schools towards a common mean ``mu`` by an
amount ``tau`` learned from the data. It is written non-centred (``theta = mu + tau * z``),
the form NUTS samples without divergences. The script samples 4 chains, prints ArviZ's summary
(with probflow's convergence checks in plain words), and saves a trace plot.
"""

from __future__ import annotations

import argparse
import os
import tempfile
import time

import jax
import jax.numpy as jnp

import probflow as pf
from probflow import distributions as pfd

SCHOOLS = ["Choate", "Deerfield", "Phillips Andover", "Phillips Exeter", "Hotchkiss",
           "Lawrenceville", "St. Paul's", "Mt. Hermon"]
Y = jnp.asarray([28.0, 8.0, -3.0, 7.0, -1.0, 1.0, 18.0, 12.0])      # estimated effects
SIGMA = jnp.asarray([15.0, 10.0, 16.0, 11.0, 9.0, 11.0, 10.0, 18.0])  # their standard errors


@pf.model(coords={"school": SCHOOLS},
          dims={"z": ["school"], "theta": ["school"], "y": ["school"]})
def eight_schools(sigma):
    mu = yield pfd.Normal(0.0, 5.0, name="mu")
    tau = yield pfd.HalfCauchy(0.0, 5.0, name="tau")
    z = yield pfd.Normal(jnp.zeros(8), 1.0, name="z")
    theta = yield pf.Deterministic(mu + tau * z, name="theta")
    yield pfd.Normal(theta, sigma, name="y")


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--num-warmup", type=int, default=1000)
    parser.add_argument("--num-samples", type=int, default=1000)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--plot", default=os.path.join(tempfile.gettempdir(),
                                                       "eight_schools_trace.png"),
                        help="where to save the trace plot (PNG)")
    args = parser.parse_args(argv)

    posterior = eight_schools(SIGMA).condition(y=Y)
    start = time.perf_counter()
    idata = pf.mcmc.sample(posterior, key=jax.random.key(args.seed),
                           num_warmup=args.num_warmup, num_samples=args.num_samples)
    seconds = time.perf_counter() - start
    print(pf.summary(idata, var_names=["mu", "tau", "theta"]).to_string())
    stats = idata.sample_stats
    print(f"\n4 chains x {args.num_samples} draws in {seconds:.1f} s (compilation included); "
          f"{int(stats['diverging'].sum())} divergences; "
          f"{int(stats['n_steps'].sum())} gradient evaluations after warm-up")

    import arviz as az
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    az.plot_trace(idata, var_names=["mu", "tau"], compact=True)
    plt.tight_layout()
    plt.savefig(args.plot, dpi=80)
    print(f"trace plot saved to {args.plot}")


if __name__ == "__main__":
    main()
