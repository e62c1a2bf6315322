"""A slow, plainly recursive multinomial NUTS used as the test oracle.

Hoffman & Gelman's doubling, in Betancourt's multinomial form with Stan's checks:

* ``build_tree(depth)`` = ``build_tree(depth - 1)`` twice, in the same direction;
  either half failing (U-turn or divergence) makes the whole subtree fail;
* inside a subtree the second half's sample replaces the first's with probability
  ``w_second / (w_first + w_second)``;
* a finished subtree replaces the trajectory's sample with probability
  ``min(1, w_subtree / w_trajectory)`` (biased progressive sampling);
* every merge checks the U-turn criterion over the whole span and over each half
  extended by the adjacent point of the other half.

It shares only the metric and the integrator with the library, and draws its
random numbers with the layout documented in ``probflow.mcmc.trajectory``, hashing the
counters itself (in numpy) rather than calling ``probflow.core.fastrandom``.
Everything here is eager Python; it is meant to be read, not to be fast.
"""

from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np

from probflow.mcmc.integrators import IntegratorState, integrator_step


def _dot(a, b):
    return jnp.dot(a, b)


def _lowbias32(x):
    x = np.uint32(x)
    with np.errstate(over="ignore"):
        x ^= x >> np.uint32(16)
        x = np.uint32(x * np.uint32(0x7FEB352D))
        x ^= x >> np.uint32(15)
        x = np.uint32(x * np.uint32(0x846CA68B))
        x ^= x >> np.uint32(16)
        return x


def _word(seed, counter):
    with np.errstate(over="ignore"):
        return _lowbias32(np.uint32(_lowbias32(np.uint32(counter) ^ seed[0]) + seed[1]))


def _uniform(seed, counter, dtype):
    """Uniform in [0, 1) built by hand from the counter words (the documented layout)."""
    high = int(_word(seed, counter))
    if np.dtype(dtype) == np.float64:
        low = int(_word(seed, counter + 2**31))
        return ((high << 20) | (low >> 12)) / 2.0**52
    return (high >> 9) / 2.0**23


def _seed(key, t):
    transition_seed = np.asarray(jax.random.bits(key, (2,), jnp.uint32))
    return np.asarray([_word(transition_seed, 2 * t), _word(transition_seed, 2 * t + 1)])


def _no_uturn(velocity_a, velocity_b, rho):
    return bool((_dot(velocity_a, rho) > 0) & (_dot(velocity_b, rho) > 0))


class Tree:
    """A span of points in build order: first point, last point, momentum sum, weight, sample."""

    def __init__(self, first, last, rho, log_weight, sample):
        self.first = first  # (momentum, velocity)
        self.last = last
        self.rho = rho
        self.log_weight = log_weight
        self.sample = sample  # (position, logdensity, grad, energy)


def spans_turn(a: Tree, b: Tree) -> bool:
    """True if joining span ``a`` then span ``b`` (adjacent) makes a U-turn (Stan's three checks)."""
    ok = _no_uturn(a.first[1], b.last[1], a.rho + b.rho)
    ok = ok and _no_uturn(a.first[1], b.first[1], a.rho + b.first[0])
    ok = ok and _no_uturn(a.last[1], b.last[1], b.rho + a.last[0])
    return not ok


class RecursiveNUTS:
    def __init__(self, metric, logdensity_and_grad_fn, integrator, step_size, max_tree_depth,
                 divergence_threshold=1000.0):
        self.metric = metric
        self.step = jax.jit(
            lambda state, h: integrator_step(integrator, state, h, metric, logdensity_and_grad_fn)
        )
        self.step_size = step_size
        self.max_tree_depth = max_tree_depth
        self.threshold = divergence_threshold

    def leaf(self, state):
        p = state.momentum
        v = self.metric.velocity(p)
        energy = -state.logdensity + 0.5 * _dot(p, v)
        error = energy - self.initial_energy
        finite = bool(jnp.isfinite(error)) and bool(jnp.all(jnp.isfinite(state.logdensity_grad)))
        divergent = not (finite and bool(error <= self.threshold))
        log_weight = -error if finite else -jnp.inf
        self.num_steps += 1
        self.sum_acceptance += float(jnp.exp(jnp.minimum(-error, 0.0))) if finite else 0.0
        # nutpie's symmetric statistic, 2 / (1 + exp|error|), written directly
        self.sum_symmetric += 2.0 / (1.0 + np.exp(min(abs(float(error)), 700.0))) if finite else 0.0
        sample = (state.position, state.logdensity, state.logdensity_grad, energy)
        return Tree((p, v), (p, v), p, log_weight, sample), divergent

    def build_tree(self, state, direction, depth, offset, seed):
        """Returns (tree or None when it failed, frontier state)."""
        if depth == 0:
            state = self.step(state, direction * self.step_size)
            tree, divergent = self.leaf(state)
            if divergent:
                self.divergent = True
                return None, state
            return tree, state
        first, state = self.build_tree(state, direction, depth - 1, offset, seed)
        if first is None:
            return None, state
        second, state = self.build_tree(
            state, direction, depth - 1, offset + 2 ** (depth - 1), seed
        )
        if second is None:
            return None, state
        log_weight = jnp.logaddexp(first.log_weight, second.log_weight)
        last_leaf = offset + 2**depth - 1
        u = _uniform(seed, 32 * last_leaf + depth, log_weight.dtype)
        sample = second.sample if np.log(u) < second.log_weight - log_weight else first.sample
        tree = Tree(first.first, second.last, first.rho + second.rho, log_weight, sample)
        if spans_turn(first, second):
            self.turning = True
            return None, state
        return tree, state

    def transition(self, key, position, logdensity, grad):
        """One transition from flat ``position``; returns (sample, logdensity, grad, num_steps,
        depth, mean accept, mean symmetric accept)."""
        key_momentum, key_trajectory = jax.random.split(key)
        momentum = self.metric.sample_momentum(key_momentum, position)
        start = IntegratorState(position, momentum, logdensity, grad)
        velocity = self.metric.velocity(momentum)
        self.initial_energy = -logdensity + 0.5 * _dot(momentum, velocity)
        self.num_steps, self.sum_acceptance, self.sum_symmetric = 0, 0.0, 0.0
        self.turning = self.divergent = False
        # the trajectory, in time order: ``left`` and ``right`` ends as phase-space states
        trajectory = Tree((momentum, velocity), (momentum, velocity), momentum,
                          jnp.zeros((), position.dtype),
                          (position, logdensity, grad, self.initial_energy))
        left = right = start
        depth = 0
        for t in range(self.max_tree_depth):
            seed = _seed(key_trajectory, t)
            forward = int(_word(seed, 0)) >= 2**31
            if forward:
                subtree, right = self.build_tree(right, 1.0, t, 0, seed)
            else:
                subtree, left = self.build_tree(left, -1.0, t, 0, seed)
            depth += 1  # Stan's treedepth__: doublings attempted, a rejected last one included
            if subtree is None:
                break
            u = _uniform(seed, 32, position.dtype)
            sample = trajectory.sample
            if np.log(u) < subtree.log_weight - trajectory.log_weight:
                sample = subtree.sample
            log_weight = jnp.logaddexp(trajectory.log_weight, subtree.log_weight)
            if forward:  # old trajectory first in time, subtree built left to right
                turned = spans_turn(trajectory, subtree)
                trajectory = Tree(trajectory.first, subtree.last, trajectory.rho + subtree.rho,
                                  log_weight, sample)
            else:  # subtree built right to left: reverse it to put it first in time
                reversed_subtree = Tree(subtree.last, subtree.first, subtree.rho,
                                        subtree.log_weight, subtree.sample)
                turned = spans_turn(reversed_subtree, trajectory)
                trajectory = Tree(subtree.last, trajectory.last, trajectory.rho + subtree.rho,
                                  log_weight, sample)
            if turned:
                self.turning = True
                break
        position, logdensity, grad, energy = trajectory.sample
        return (np.asarray(position), float(logdensity), grad, self.num_steps, depth,
                self.sum_acceptance / max(self.num_steps, 1),
                self.sum_symmetric / max(self.num_steps, 1))
