"""Iterative NUTS trajectory: doubling with multinomial sampling, no recursion.

The trajectory starts at one point and doubles ``max_tree_depth`` times at most,
each time in a random direction, by a new subtree of ``2^t`` integrator steps. A
subtree is built leaf by leaf in a ``lax.while_loop``; after leaf ``i`` every
sub-subtree ending at ``i`` is merged with the left half stored for its level,
exactly as a recursive build would (binary counter). Merges inside a subtree pick
the proposal multinomially (the right half with probability ``w_R / (w_L + w_R)``);
merging a finished subtree into the trajectory is biased towards the new subtree
(probability ``min(1, w_new / w_old)``), as in Betancourt (2017) and Stan.

Random choices are laid out so a recursive implementation can reproduce them. With
[`counter_bits`][probflow.core.fastrandom.counter_bits] and
[`counter_uniform`][probflow.core.fastrandom.counter_uniform]: the transition's seed is
``s = bits(key, (2,), uint32)``, doubling ``t``'s seed the words of counters ``2 t`` and
``2 t + 1`` under ``s``; under doubling ``t``'s seed the
direction is forward when the top bit of counter 0's word is set, the merge of the subtree
into the trajectory draws the uniform of counter 32, and the merge completing at leaf ``i``
(0-based inside the subtree) a node of ``2^level`` leaves draws the uniform of counter
``32 * i + level``. Merges have ``level >= 1``, so counters ``32 * i`` are free for the
first two. Counter hashes instead of threefry keys: on CPU a threefry draw is a loop of
small operations, and a merge happens about once per leaf.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import NamedTuple

import jax
import jax.numpy as jnp

from probflow.core.fastrandom import counter_bits, counter_uniform
from probflow.mcmc.base import energy_error_checks, symmetric_acceptance
from probflow.mcmc.integrators import Integrator, IntegratorState, integrator_step
from probflow.mcmc.metrics import Metric
from probflow.mcmc.termination import is_merge_turning
from probflow.typing import Array, ArrayLike, PRNGKey, PyTree

__all__ = ["Proposal", "Subtree", "TrajectoryResult", "build_trajectory", "MAX_TREE_DEPTH"]

MAX_TREE_DEPTH = 25  # keeps the merge ids 32 * leaf + level inside uint32


class Proposal(NamedTuple):
    """A candidate point: flat position, log density, gradient and Hamiltonian."""

    position: jax.Array
    logdensity: jax.Array
    logdensity_grad: jax.Array
    energy: jax.Array


class Subtree(NamedTuple):
    """Summary of a span of consecutive points, in the order they were built."""

    momentum_sum: jax.Array
    log_weight: jax.Array
    proposal: Proposal
    first_momentum: jax.Array
    first_velocity: jax.Array
    last_momentum: jax.Array
    last_velocity: jax.Array


class TrajectoryResult(NamedTuple):
    """What a NUTS transition needs from its trajectory.

    ``tree_depth`` counts the doublings merged into the trajectory, ``num_doublings`` those
    attempted (the last one may have been rejected for a U-turn or a divergence).
    """

    proposal: Proposal
    num_integration_steps: jax.Array
    tree_depth: jax.Array
    num_doublings: jax.Array
    sum_acceptance: jax.Array
    sum_symmetric_acceptance: jax.Array
    is_turning: jax.Array
    is_divergent: jax.Array


_DIRECTION_COUNTER = 0
_TOP_MERGE_COUNTER = 32


def merge_counter(leaf_index: ArrayLike, level: ArrayLike) -> Array:
    """Counter of the merge completing, at leaf ``leaf_index``, a node of ``2**level`` leaves."""
    return 32 * jnp.asarray(leaf_index, jnp.uint32) + jnp.asarray(level, jnp.uint32)


def _select(pred: Array, on_true: PyTree, on_false: PyTree) -> PyTree:
    return jax.tree_util.tree_map(lambda a, b: jnp.where(pred, a, b), on_true, on_false)


def _leaf(state: IntegratorState, metric: Metric, initial_energy: ArrayLike,
          divergence_threshold: float) -> tuple[Subtree, Array, Array]:
    velocity = metric.velocity(state.momentum)
    energy = -state.logdensity + 0.5 * jnp.dot(state.momentum, velocity)
    energy_error = energy - initial_energy
    is_divergent, log_weight, acceptance = energy_error_checks(
        energy_error, state.logdensity_grad, divergence_threshold
    )
    # both acceptance statistics in one vector: one masked carry in the leaf loop, not two
    acceptance = jnp.stack([acceptance, symmetric_acceptance(energy_error, acceptance)])
    proposal = Proposal(state.position, state.logdensity, state.logdensity_grad, energy)
    p = state.momentum
    node = Subtree(p, log_weight, proposal, p, velocity, p, velocity)
    return node, is_divergent, acceptance


def _index(stack: PyTree, index: Array) -> PyTree:
    return jax.tree_util.tree_map(
        lambda a: jax.lax.dynamic_index_in_dim(a, index, keepdims=False), stack)


def _build_subtree(
    seed, start: IntegratorState, signed_step_size, depth, initial_energy, *, metric,
    logdensity_and_grad_fn, integrator, max_tree_depth, divergence_threshold,
):  # fmt: skip
    """Build ``2**depth`` leaves from ``start``; stop early on a U-turn or a divergence.

    ``levels[l]`` holds the finished left half of the open node of ``2**(l + 1)`` leaves.
    After leaf ``i`` the merges run through the trailing one bits of ``i``; the loop over
    them carries only the momentum sum, the log weight and which point (the leaf or a
    level's proposal) the merged node samples, because under ``vmap`` every value a
    ``while_loop`` carries is masked per chain on every iteration. The merged node is
    assembled once after the loop and stored at the level where it stops, so at the last
    leaf ``levels[depth]`` is the whole subtree. (Storing velocities is faster than
    recomputing them from the momenta when read, even with a diagonal metric: measured.)
    """
    num_leaves = jnp.left_shift(1, depth)
    dtype = start.position.dtype
    zero_node, _, _ = _leaf(start, metric, initial_energy, divergence_threshold)
    levels = jax.tree_util.tree_map(
        lambda x: jnp.zeros((max_tree_depth,) + jnp.shape(x), x.dtype), zero_node
    )

    def cond(carry):
        leaf, _, _, turning, divergent, _ = carry
        return (leaf < num_leaves) & ~turning & ~divergent

    def body(carry):
        leaf, state, levels, _, _, sum_acceptance = carry
        state = integrator_step(integrator, state, signed_step_size, metric, logdensity_and_grad_fn)
        node, divergent, acceptance = _leaf(state, metric, initial_energy, divergence_threshold)

        def first_point(level):
            # the first point of the node of 2**level leaves ending at this leaf:
            # levels[level - 1]'s first, the leaf itself at level 0
            below = _index(levels, jnp.maximum(level - 1, 0))
            at_leaf = level == 0
            return (jnp.where(at_leaf, node.first_momentum, below.first_momentum),
                    jnp.where(at_leaf, node.first_velocity, below.first_velocity))

        def merge_cond(inner):
            level, *_, turning = inner
            return (level < depth) & (jnp.right_shift(leaf, level) & 1 == 1) & ~turning

        def merge_body(inner):
            # left = levels[level]; right = the node of 2**level leaves ending at this leaf
            level, momentum_sum, log_weight, source, _ = inner
            left = _index(levels, level)
            first_momentum, first_velocity = first_point(level)
            turning = is_merge_turning(
                left.momentum_sum, left.first_velocity, left.last_momentum, left.last_velocity,
                momentum_sum, first_momentum, first_velocity, node.last_velocity,
            )  # fmt: skip
            merged_weight = jnp.logaddexp(left.log_weight, log_weight)
            uniform = counter_uniform(seed, merge_counter(leaf, level + 1), dtype)
            take_right = jnp.log(uniform) < log_weight - merged_weight
            source = jnp.where(take_right, source, level)
            return level + 1, left.momentum_sum + momentum_sum, merged_weight, source, turning

        level, momentum_sum, log_weight, source, turning = jax.lax.while_loop(
            merge_cond, merge_body,
            (jnp.zeros((), jnp.int32), node.momentum_sum, node.log_weight,
             jnp.full((), -1, jnp.int32), jnp.zeros((), bool)),
        )  # fmt: skip
        # The merged node of 2**level leaves: its sample is the leaf's (source -1) or
        # levels[source]'s.
        sampled = _index(levels.proposal, jnp.maximum(source, 0))
        proposal = _select(source < 0, node.proposal, sampled)
        merged = Subtree(momentum_sum, log_weight, proposal, *first_point(level),
                         node.last_momentum, node.last_velocity)
        onehot = jnp.arange(max_tree_depth) == level
        levels = jax.tree_util.tree_map(
            lambda stack, x: jnp.where(onehot.reshape((-1,) + (1,) * x.ndim), x[None], stack),
            levels, merged)
        return leaf + 1, state, levels, turning, divergent, sum_acceptance + acceptance

    init = (
        jnp.zeros((), jnp.int32), start, levels,
        jnp.zeros((), bool), jnp.zeros((), bool), jnp.zeros((2,), dtype),
    )  # fmt: skip
    num_steps, frontier, levels, turning, divergent, sum_acceptance = jax.lax.while_loop(
        cond, body, init
    )
    # Complete only without a U-turn or divergence; otherwise the caller discards it.
    subtree = _index(levels, depth)
    return subtree, frontier, num_steps, sum_acceptance, turning, divergent


def build_trajectory(
    key: PRNGKey,
    initial: IntegratorState,
    step_size: ArrayLike,
    *,
    metric: Metric,
    logdensity_and_grad_fn: Callable[[Array], tuple[Array, Array]],
    integrator: Integrator,
    max_tree_depth: int,
    divergence_threshold: float,
) -> TrajectoryResult:
    """Run the NUTS doubling from ``initial`` (flat ``(d,)`` position and momentum)."""
    dtype = initial.position.dtype
    step_size = jnp.asarray(step_size, dtype)
    root, _, _ = _leaf(initial, metric, 0.0, divergence_threshold)
    initial_energy = root.proposal.energy
    root = root._replace(log_weight=jnp.zeros((), dtype))
    transition_seed = jax.random.bits(key, (2,), jnp.uint32)
    build = functools.partial(
        _build_subtree,
        metric=metric,
        logdensity_and_grad_fn=logdensity_and_grad_fn,
        integrator=integrator,
        max_tree_depth=max_tree_depth,
        divergence_threshold=divergence_threshold,
    )

    def cond(carry):
        t, *_, turning, divergent = carry
        return (t < max_tree_depth) & ~turning & ~divergent

    def body(carry):
        t, left_end, right_end, trajectory, depth, num_steps, sum_acc, _, _ = carry
        counters = 2 * t.astype(jnp.uint32) + jnp.arange(2, dtype=jnp.uint32)
        seed = counter_bits(transition_seed, counters)
        forward = counter_bits(seed, _DIRECTION_COUNTER) >= jnp.uint32(2**31)
        start = _select(forward, right_end, left_end)
        signed_step_size = jnp.where(forward, step_size, -step_size)
        subtree, frontier, steps, acceptance, sub_turning, sub_divergent = build(
            seed, start, signed_step_size, t, initial_energy
        )
        is_valid = ~sub_turning & ~sub_divergent
        # Ends of the old trajectory: "inner" touches the new subtree.
        outer_momentum = jnp.where(forward, trajectory.first_momentum, trajectory.last_momentum)
        outer_velocity = jnp.where(forward, trajectory.first_velocity, trajectory.last_velocity)
        inner_momentum = jnp.where(forward, trajectory.last_momentum, trajectory.first_momentum)
        inner_velocity = jnp.where(forward, trajectory.last_velocity, trajectory.first_velocity)
        turning = is_merge_turning(
            trajectory.momentum_sum, outer_velocity, inner_momentum, inner_velocity,
            subtree.momentum_sum, subtree.first_momentum, subtree.first_velocity,
            subtree.last_velocity,
        )  # fmt: skip
        log_uniform = jnp.log(counter_uniform(seed, _TOP_MERGE_COUNTER, dtype))
        take_new = is_valid & (log_uniform < subtree.log_weight - trajectory.log_weight)
        # Keep "first" = leftmost in time, "last" = rightmost.
        merged = Subtree(
            trajectory.momentum_sum + subtree.momentum_sum,
            jnp.logaddexp(trajectory.log_weight, subtree.log_weight),
            _select(take_new, subtree.proposal, trajectory.proposal),
            jnp.where(forward, outer_momentum, subtree.last_momentum),
            jnp.where(forward, outer_velocity, subtree.last_velocity),
            jnp.where(forward, subtree.last_momentum, outer_momentum),
            jnp.where(forward, subtree.last_velocity, outer_velocity),
        )
        trajectory = _select(is_valid, merged, trajectory)
        left_end = _select(forward, left_end, frontier)
        right_end = _select(forward, frontier, right_end)
        return (
            t + 1, left_end, right_end, trajectory, depth + is_valid.astype(jnp.int32),
            num_steps + steps, sum_acc + acceptance, sub_turning | (is_valid & turning),
            sub_divergent,
        )  # fmt: skip

    zero_int = jnp.zeros((), jnp.int32)
    false = jnp.zeros((), bool)
    zero = jnp.zeros((2,), dtype)
    init = (zero_int, initial, initial, root, zero_int, zero_int, zero, false, false)
    doublings, _, _, trajectory, depth, num_steps, sum_acc, turning, divergent = (
        jax.lax.while_loop(cond, body, init))
    return TrajectoryResult(trajectory.proposal, num_steps, depth, doublings, sum_acc[0],
                            sum_acc[1], turning, divergent)
