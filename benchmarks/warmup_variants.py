"""ESS per gradient and divergences of warm-up variants over several keys (not timing).

``python benchmarks/warmup_variants.py`` (``bench`` extra; run from the repository root)
samples each posterior of ``benchmarks/posteriors.py`` with probflow's NUTS under several
warm-ups and with nutpie, 4 chains x (1000 warm-up + 1000 draws) from the same initial points,
once per key, and prints per (posterior, variant) the median over keys of the minimum bulk
ESS per 1,000 gradients (warm-up and sampling gradients both count), the median minimum bulk
ESS, the median number of divergences after warm-up, and the per-key divergences.

One key is not enough to compare warm-ups on curved posteriors: on the 2-d banana the minimum
ESS of one setting ranges 7-505 over keys. ``--keys`` sets how many (default 6);
``--posterior`` and ``--variant`` (repeatable) choose what runs.

Variants: ``default`` (``GradientAdaptation()``), ``symmetric``
(``late_acceptance="symmetric"``), ``symmetric-no-restart`` (that and
``restart_final_window=False``: nutpie's scheme), ``no-restart``, ``stan`` (Stan's windows)
and ``nutpie`` itself.
"""

from __future__ import annotations

import argparse
import os
import sys

import jax
import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

NUM_WARMUP = NUM_SAMPLES = 1000


def adaptations():
    import probflow as pf

    gradient = pf.mcmc.GradientAdaptation
    return {
        "default": gradient(),
        "symmetric": gradient(late_acceptance="symmetric"),
        "symmetric-no-restart": gradient(late_acceptance="symmetric",
                                         restart_final_window=False),
        "no-restart": gradient(restart_final_window=False),
        "stan": "stan",
    }


def runner(variant, target):
    import nuts_vs_peers

    if variant == "nutpie":
        return nuts_vs_peers.make_nutpie(target, NUM_WARMUP, NUM_SAMPLES)
    return nuts_vs_peers.make_probflow(target, NUM_WARMUP, NUM_SAMPLES,
                                       adaptation=adaptations()[variant])


def measure(posterior, variant, num_keys):
    """``(median ESS per 1k gradients, median min ESS, median divergences, divergences)``."""
    import arviz as az
    from posteriors import TARGETS, initial_positions

    target = TARGETS[posterior]()
    init = initial_positions(jax.random.key(42), target, 4)
    run = runner(variant, target)
    rows = []
    for seed in range(1, num_keys + 1):
        draws, gradients, divergences, _ = run(jax.random.key(seed), init)
        ess = az.ess(az.convert_to_dataset(np.asarray(draws)), method="bulk")["x"]
        rows.append((float(np.min(ess)), float(gradients), divergences))
    ess, gradients, divergences = (np.asarray(column) for column in zip(*rows, strict=True))
    return (float(np.median(1000 * ess / gradients)), float(np.median(ess)),
            float(np.median(divergences)), [int(d) for d in divergences])


def main():
    from common import markdown_table
    from posteriors import TARGETS

    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--posterior", action="append", choices=sorted(TARGETS))
    parser.add_argument("--variant", action="append",
                        choices=[*adaptations(), "nutpie"])
    parser.add_argument("--keys", type=int, default=6)
    args = parser.parse_args()
    posteriors = args.posterior or ["gaussian", "logistic", "banana", "stochastic_volatility",
                                    "hierarchical", "eight_schools"]
    variants = args.variant or ["default", "symmetric", "symmetric-no-restart", "nutpie"]
    rows = []
    for posterior in posteriors:
        for variant in variants:
            per_grad, ess, divergences, per_key = measure(posterior, variant, args.keys)
            rows.append([posterior, variant, f"{per_grad:.3g}", f"{ess:.0f}",
                         f"{divergences:g}", " ".join(map(str, per_key))])
            print(markdown_table(["posterior", "warm-up", "ESS per 1k grads", "min ESS",
                                  "divergences", "per key"], rows[-1:]), flush=True)
    print()
    print(markdown_table(["posterior", "warm-up", "ESS per 1k grads (median)",
                          "min ESS (median)", "divergences (median)", "divergences per key"],
                         rows))


if __name__ == "__main__":
    main()
