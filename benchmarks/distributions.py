"""Benchmark: jitted ``log_prob`` of 10^6 points, probflow vs a hand-written expression vs TFP.

Run with the ``bench`` extra installed (TFP's JAX substrate):
``python benchmarks/distributions.py``.
Each row times the same density three ways in one process: probflow's ``log_prob``, a
hand-written ``jax.scipy``/``jnp`` expression of the same density (the floor: a zero-cost
abstraction matches it), and ``tfp.substrates.jax``. Parameters are traced arguments (as in a
model's log density), so nothing is constant-folded. Times are medians of 7 runs after compiling;
the ratios are what to read, since the machine is shared.
"""

from __future__ import annotations

import argparse
import math
import sys

import jax
import jax.numpy as jnp
from jax.scipy import special, stats

sys.path.insert(0, __file__.rsplit("/", 1)[0])
from common import machine_line, markdown_table, time_jitted  # noqa: E402

import probflow.distributions as pfd  # noqa: E402

try:
    from tensorflow_probability.substrates import jax as tfp

    tfd = tfp.distributions
except ImportError:  # pragma: no cover - bench extra missing
    tfd = None


def cases(key, n):
    k1, k2, k3, k4 = jax.random.split(key, 4)
    d = 50
    x_real = jax.random.normal(k1, (n,))
    x_pos = jax.random.gamma(k2, 2.0, (n,))
    x_unit = jax.random.beta(k3, 2.0, 3.0, (n,))
    x_mvn = jax.random.normal(k4, (n, d))
    a = jnp.tril(jax.random.normal(k1, (d, d)) * 0.1, -1) + jnp.diag(jnp.linspace(0.5, 2.0, d))
    x_dir = jax.random.dirichlet(k2, jnp.ones(5), (n,))
    conc5 = jnp.asarray([1.0, 2.0, 3.0, 4.0, 5.0])

    def mvn_hand(loc, l, x):
        z = jax.scipy.linalg.solve_triangular(l, (x - loc).T, lower=True)
        return (-0.5 * jnp.sum(z**2, axis=0) - jnp.sum(jnp.log(jnp.diag(l)))
                - 0.5 * d * math.log(2 * math.pi))

    def dirichlet_hand(c, x):
        return (jnp.sum(special.xlogy(c - 1.0, x), axis=-1)
                + special.gammaln(jnp.sum(c)) - jnp.sum(special.gammaln(c)))

    def student_hand(df, loc, scale, x):
        return stats.t.logpdf(x, df, loc, scale)

    x_binary = (jax.random.uniform(k3, (n,)) < 0.5).astype(x_real.dtype)

    def bernoulli_hand(logits, x):  # log p(x) = x l - log(1 + e^l), one softplus per point
        return x * logits - jnp.logaddexp(0.0, logits)

    def value_and_slope(log_prob):
        """Per point, the value and the derivative in the logit (what a gradient-based
        sampler or optimiser evaluates), stacked into one array."""
        def both(logits, x):
            value, slope = jax.vmap(jax.value_and_grad(log_prob))(logits, x)
            return jnp.stack([value, slope])
        return both

    return [
        ("Bernoulli (logits per point)", (x_real,), x_binary,
         lambda p, x: pfd.Bernoulli(logits=p[0]).log_prob(x),
         lambda p, x: bernoulli_hand(*p, x),
         lambda p, x: tfd.Bernoulli(logits=p[0]).log_prob(x)),
        ("Bernoulli (logits per point), value and derivative", (x_real,), x_binary,
         lambda p, x: value_and_slope(lambda l, v: pfd.Bernoulli(logits=l).log_prob(v))(
             p[0], x),
         lambda p, x: value_and_slope(bernoulli_hand)(p[0], x),
         lambda p, x: value_and_slope(lambda l, v: tfd.Bernoulli(logits=l).log_prob(v))(
             p[0], x)),
        ("Normal", (0.5, 2.0), x_real,
         lambda p, x: pfd.Normal(*p).log_prob(x),
         lambda p, x: stats.norm.logpdf(x, *p),
         lambda p, x: tfd.Normal(*p).log_prob(x)),
        ("Gamma", (2.0, 1.5), x_pos,
         lambda p, x: pfd.Gamma(*p).log_prob(x),
         lambda p, x: stats.gamma.logpdf(x, p[0], scale=1.0 / p[1]),
         lambda p, x: tfd.Gamma(*p).log_prob(x)),
        ("Beta", (2.0, 3.0), x_unit,
         lambda p, x: pfd.Beta(*p).log_prob(x),
         lambda p, x: stats.beta.logpdf(x, *p),
         lambda p, x: tfd.Beta(*p).log_prob(x)),
        ("StudentT", (4.0, 0.0, 1.0), x_real,
         lambda p, x: pfd.StudentT(*p).log_prob(x),
         lambda p, x: student_hand(*p, x),
         lambda p, x: tfd.StudentT(*p).log_prob(x)),
        ("MultivariateNormalTriL (d=50)", (jnp.zeros(d), a), x_mvn,
         lambda p, x: pfd.MultivariateNormalTriL(*p).log_prob(x),
         lambda p, x: mvn_hand(*p, x),
         lambda p, x: tfd.MultivariateNormalTriL(*p).log_prob(x)),
        ("Dirichlet (k=5)", (conc5,), x_dir,
         lambda p, x: pfd.Dirichlet(*p).log_prob(x),
         lambda p, x: dirichlet_hand(*p, x),
         lambda p, x: tfd.Dirichlet(*p).log_prob(x)),
    ]


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=1_000_000)
    args = parser.parse_args(argv)
    rows = []
    for name, params, x, ours, hand, theirs in cases(jax.random.key(0), args.n):
        params = tuple(jnp.asarray(p, jnp.float32) for p in params)
        t_ours = time_jitted(jax.jit(ours), params, x, number=10)
        t_hand = time_jitted(jax.jit(hand), params, x, number=10)
        ref = jax.jit(hand)(params, x)
        err = float(jnp.max(jnp.abs(jax.jit(ours)(params, x) - ref) / (1 + jnp.abs(ref))))
        t_tfp = (time_jitted(jax.jit(theirs), params, x, number=10) if tfd is not None
                 else float("nan"))
        rows.append([
            name, f"{t_ours * 1e3:.2f}", f"{t_hand * 1e3:.2f}", f"{t_tfp * 1e3:.2f}",
            f"{t_ours / t_hand:.2f}x", f"{t_ours / t_tfp:.2f}x", f"{err:.1e}",
        ])
    print(f"log_prob of {args.n:,} points, float32; {machine_line()}\n")
    print(markdown_table(
        ["distribution", "probflow ms", "hand-written ms", "TFP ms", "probflow / hand",
         "probflow / TFP", "max rel. diff"], rows))


if __name__ == "__main__":
    main()
