"""Plain-JAX log densities shared by the sampler benchmarks (every library samples the same).

Each posterior is a function of one flat unconstrained vector ``x`` of size ``dim``.
"""

from __future__ import annotations

import math
from typing import NamedTuple

import jax
import jax.numpy as jnp
import numpy as np


class Target(NamedTuple):
    name: str
    dim: int
    logdensity: object  # x (dim,) -> scalar


def eight_schools() -> Target:
    """Non-centred eight schools: (mu, log tau, theta_tilde[8]); tau = exp(log tau), Jacobian in."""
    y = jnp.asarray([28.0, 8.0, -3.0, 7.0, -1.0, 1.0, 18.0, 12.0])
    sigma = jnp.asarray([15.0, 10.0, 16.0, 11.0, 9.0, 11.0, 10.0, 18.0])

    def logdensity(x):
        mu, log_tau, z = x[0], x[1], x[2:]
        tau = jnp.exp(log_tau)
        lp = -0.5 * (mu / 5.0) ** 2
        lp += -jnp.log1p((tau / 5.0) ** 2) + log_tau  # half-Cauchy(0, 5) + log-Jacobian
        lp += -0.5 * jnp.sum(z**2)
        theta = mu + tau * z
        lp += -0.5 * jnp.sum(((y - theta) / sigma) ** 2)
        return lp

    return Target("eight_schools", 10, logdensity)


def logistic_regression(num_rows: int = 5000, num_features: int = 50, seed: int = 0) -> Target:
    """Synthetic logistic regression with a N(0, 1) prior on the coefficients."""
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(num_rows, num_features)).astype(np.float32)
    beta = rng.normal(size=num_features).astype(np.float32) * 0.5
    y = (rng.uniform(size=num_rows) < 1 / (1 + np.exp(-x @ beta))).astype(np.float32)
    design, labels = jnp.asarray(x), jnp.asarray(y)

    def logdensity(b):
        logits = design @ b
        return -0.5 * jnp.sum(b**2) + jnp.sum(labels * logits - jnp.logaddexp(0.0, logits))

    return Target("logistic_5000x50", num_features, logdensity)


def gaussian(dim: int = 100) -> Target:
    """Independent Gaussian with scales log-spaced from 0.1 to 10."""
    scales = jnp.asarray(np.logspace(-1, 1, dim), jnp.float32)

    def logdensity(x):
        return -0.5 * jnp.sum((x / scales) ** 2) - 0.5 * dim * math.log(2 * math.pi)

    return Target(f"gaussian_{dim}d", dim, logdensity)


TARGETS = {"eight_schools": eight_schools, "logistic": logistic_regression, "gaussian": gaussian}


def initial_positions(key, target: Target, num_chains: int):
    """Uniform(-2, 2) initial points, one per chain (the same for every library)."""
    return jax.random.uniform(key, (num_chains, target.dim), minval=-2.0, maxval=2.0)
