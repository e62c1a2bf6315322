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


def stochastic_volatility(num_steps: int = 300, seed: int = 1) -> Target:
    """Stochastic volatility (Kim, Shephard and Chib 1998), non-centred, on simulated returns.

    ``x = (mu, logit phi, log sigma, z[num_steps])``: ``h_1 = mu + sigma z_1 / sqrt(1 - phi^2)``,
    ``h_t = mu + phi (h_{t-1} - mu) + sigma z_t``, ``y_t ~ Normal(0, exp(h_t / 2))``; priors
    ``mu ~ Normal(0, 1)``, ``phi ~ Uniform(-1, 1)`` (as (phi + 1) / 2 ~ Beta(1, 1) on the
    logit scale), ``sigma ~ HalfNormal(0.5)``, ``z ~ Normal(0, 1)``. Dimension
    ``num_steps + 3``.
    """
    rng = np.random.default_rng(seed)
    mu_true, phi_true, sigma_true = -1.0, 0.95, 0.25
    h = np.empty(num_steps)
    h[0] = mu_true + sigma_true * rng.normal() / np.sqrt(1 - phi_true**2)
    for t in range(1, num_steps):
        h[t] = mu_true + phi_true * (h[t - 1] - mu_true) + sigma_true * rng.normal()
    y = jnp.asarray(rng.normal(size=num_steps) * np.exp(h / 2), jnp.float32)

    def logdensity(x):
        mu, logit_u, log_sigma, z = x[0], x[1], x[2], x[3:]
        u = jax.nn.sigmoid(logit_u)
        phi, sigma = 2.0 * u - 1.0, jnp.exp(log_sigma)
        lp = -0.5 * mu**2
        lp += jax.nn.log_sigmoid(logit_u) + jax.nn.log_sigmoid(-logit_u)  # uniform phi + Jacobian
        lp += -0.5 * (sigma / 0.5) ** 2 + log_sigma                        # half-normal + Jacobian
        lp += -0.5 * jnp.sum(z**2)

        def step(previous, zt):
            current = mu + phi * (previous - mu) + sigma * zt
            return current, current

        h1 = mu + sigma * z[0] / jnp.sqrt(1.0 - phi**2)
        _, rest = jax.lax.scan(step, h1, z[1:])
        h = jnp.concatenate([h1[None], rest])
        lp += jnp.sum(-0.5 * h - 0.5 * y**2 * jnp.exp(-h))
        return lp

    return Target(f"stochastic_volatility_{num_steps + 3}d", num_steps + 3, logdensity)


def hierarchical(num_groups: int = 40, per_group: int = 10, seed: int = 2) -> Target:
    """Non-centred hierarchical linear model with varying intercepts and slopes: 2G + 6 numbers.

    ``y_ij ~ Normal(a_j + b_j x_ij, sigma)``, ``a_j = mu_a + tau_a za_j``,
    ``b_j = mu_b + tau_b zb_j``; ``mu ~ Normal(0, 5)``, ``tau ~ HalfNormal(1)``,
    ``sigma ~ HalfNormal(1)``, ``z ~ Normal(0, 1)`` (scales on the log scale, Jacobians in).
    With 40 groups it has 85 parameters.
    """
    rng = np.random.default_rng(seed)
    a = 1.0 + 0.8 * rng.normal(size=num_groups)
    b = -0.5 + 0.3 * rng.normal(size=num_groups)
    groups = np.repeat(np.arange(num_groups), per_group)
    xs = rng.normal(size=groups.size)
    y = a[groups] + b[groups] * xs + 0.7 * rng.normal(size=groups.size)
    groups, xs, y = jnp.asarray(groups), jnp.asarray(xs, jnp.float32), jnp.asarray(y, jnp.float32)

    def logdensity(x):
        mu_a, mu_b = x[0], x[1]
        log_tau_a, log_tau_b, log_sigma = x[2], x[3], x[4]
        za, zb = x[5:5 + num_groups], x[5 + num_groups:5 + 2 * num_groups]
        tau_a, tau_b, sigma = jnp.exp(log_tau_a), jnp.exp(log_tau_b), jnp.exp(log_sigma)
        lp = -0.5 * (mu_a**2 + mu_b**2) / 25.0
        lp += -0.5 * (tau_a**2 + tau_b**2 + sigma**2) + log_tau_a + log_tau_b + log_sigma
        lp += -0.5 * (jnp.sum(za**2) + jnp.sum(zb**2))
        mean = (mu_a + tau_a * za)[groups] + (mu_b + tau_b * zb)[groups] * xs
        lp += jnp.sum(-0.5 * ((y - mean) / sigma) ** 2) - y.size * log_sigma
        return lp

    return Target(f"hierarchical_{2 * num_groups + 5}d", 2 * num_groups + 5, logdensity)


def banana(curvature: float = 0.1) -> Target:
    """A 2-d banana (Haario et al.): ``x0 ~ Normal(0, 10)``, ``x1 ~ Normal(b x0^2 - 100 b, 1)``."""

    def logdensity(x):
        x0, x1 = x[0], x[1]
        return -0.5 * (x0 / 10.0) ** 2 - 0.5 * (x1 - curvature * x0**2 + 100.0 * curvature) ** 2

    return Target("banana_2d", 2, logdensity)


TARGETS = {"eight_schools": eight_schools, "logistic": logistic_regression, "gaussian": gaussian,
           "stochastic_volatility": stochastic_volatility, "hierarchical": hierarchical,
           "banana": banana}


def initial_positions(key, target: Target, num_chains: int):
    """Uniform(-2, 2) initial points, one per chain (the same for every library)."""
    return jax.random.uniform(key, (num_chains, target.dim), minval=-2.0, maxval=2.0)
