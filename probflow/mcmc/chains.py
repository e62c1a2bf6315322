"""The compiled chain runner: warm-up and sampling in one ``lax.scan``, chains in parallel.

:func:`run_chains` is one jitted function, cached on its static configuration
(:class:`RunConfig`: kernel, sizes, chain method, ...). The target is either a
:class:`~probflow.models.Posterior` passed as a PyTree argument (new data of the same shape
reuses the compiled code) or a plain log-density function held in the configuration (the
same function object reuses it).

The scan runs over iterations; chains are ``vmap``-ed inside its body, so the warm-up
schedule (the same for every chain) stays a real conditional: the mass-matrix update and
the step-size heuristic run only at the ends of the slow windows, and the progress
callback only a few dozen times per run. ``"sequential"`` maps the same code over chains
one at a time; ``"parallel"`` shards the chains over ``jax.devices()`` with ``shard_map``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, NamedTuple

import jax
import jax.numpy as jnp
import numpy as np
from jax.sharding import Mesh, PartitionSpec

from probflow.mcmc.adaptation import (
    AdaptationState,
    adaptation_init,
    adaptation_update,
    warmup_schedule,
)
from probflow.mcmc.base import KernelParams
from probflow.mcmc.progress import NUM_UPDATES, progress_callback

__all__ = ["RunConfig", "RunOutput", "run_chains", "CHAIN_METHODS"]

CHAIN_METHODS = ("vectorized", "sequential", "parallel")


class RunConfig(NamedTuple):
    """Static configuration of a run (hashable: a new value compiles anew).

    Attributes:
        kernel: the transition kernel (a frozen dataclass such as :class:`~probflow.mcmc.NUTS`).
        logdensity_fn: the log density for a plain-function target; ``None`` when the target
            is a Posterior (its unconstrained log density is used).
        num_warmup, num_samples, thin: iteration counts; ``num_samples`` draws are kept,
            one every ``thin`` iterations after warm-up.
        chain_method: one of :data:`CHAIN_METHODS`.
        progress: whether to call the progress bar.
        target_accept: the acceptance statistic dual averaging aims at.
        adapt_step_size, adapt_mass_matrix: which parts of the warm-up run.
        save_warmup: whether warm-up draws and statistics are returned.
    """

    kernel: Any
    logdensity_fn: Callable | None
    num_warmup: int
    num_samples: int
    thin: int
    chain_method: str
    progress: bool
    target_accept: float
    adapt_step_size: bool
    adapt_mass_matrix: bool
    save_warmup: bool


class RunOutput(NamedTuple):
    """What :func:`run_chains` returns; every array has a leading chain axis.

    Attributes:
        states: final kernel states (to continue the chains).
        adaptation: final tuning (``step_size``, ``inverse_mass_matrix``, ...).
        draws: unconstrained positions ``(chains, num_samples, ...)``.
        stats: sampler statistics ``{name: (chains, num_samples)}``.
        warmup_draws, warmup_stats: the same for warm-up (``None`` unless saved).
        constrained, warmup_constrained: constrained values with deterministics (Posterior
            targets only, else ``None``).
        log_likelihood: pointwise log likelihood of the draws (Posterior targets only).
        initial_finite: ``(chains,)`` whether each chain's initial log density and gradient
            were finite.
    """

    states: Any
    adaptation: AdaptationState
    draws: Any
    stats: dict
    warmup_draws: Any
    warmup_stats: dict | None
    constrained: dict | None
    warmup_constrained: dict | None
    log_likelihood: dict | None
    initial_finite: jax.Array


def _logdensity_fn(config: RunConfig, posterior) -> Callable:
    if config.logdensity_fn is not None:
        return config.logdensity_fn
    return posterior.unconstrained_log_density


def _kernel_integrator(kernel):
    """The integrator the step-size heuristic uses; ``None`` for gradient-free kernels."""
    if not getattr(kernel, "uses_gradients", True):
        return None
    from probflow.mcmc.integrators import velocity_verlet

    return getattr(kernel, "integrator", velocity_verlet)


def _stats(kernel, info, step_size, logdensity) -> dict:
    stats = {
        "lp": logdensity,
        "acceptance_rate": info.acceptance_rate,
        "diverging": info.is_divergent,
        "energy": info.energy,
        "n_steps": info.num_integration_steps,
        "step_size": step_size,
    }
    if getattr(kernel, "reports_tree_depth", False):
        stats["tree_depth"] = info.tree_depth
        stats["reached_max_treedepth"] = info.reached_max_treedepth
    return stats


def _is_finite_state(state) -> jax.Array:
    finite = jnp.isfinite(state.logdensity)
    for leaf in jax.tree_util.tree_leaves(getattr(state, "logdensity_grad", ())):
        finite = finite & jnp.all(jnp.isfinite(leaf))
    return finite


def _run_batch(config: RunConfig, posterior, keys, states, adaptation, bar_id, offset,
               total, shard_index=None):
    """Scan all iterations for a batch of chains (leading axis of ``keys``/``states``)."""
    kernel = config.kernel
    logdensity_fn = _logdensity_fn(config, posterior)
    integrator = _kernel_integrator(kernel)
    num_warmup = config.num_warmup
    num_iterations = num_warmup + config.num_samples * config.thin
    schedule = warmup_schedule(num_warmup, adapt_mass_matrix=config.adapt_mass_matrix)
    padded = np.zeros((num_iterations, 2), bool)
    padded[:num_warmup] = schedule
    is_warmup = np.arange(num_iterations) < num_warmup
    is_last = np.arange(num_iterations) == num_warmup - 1
    xs = (jnp.arange(num_iterations, dtype=jnp.int32), jnp.asarray(padded[:, 0]),
          jnp.asarray(padded[:, 1]), jnp.asarray(is_warmup), jnp.asarray(is_last))
    every = max(num_iterations // NUM_UPDATES, 1)

    def transition(key, state, tuning):
        key_step, key_adapt = jax.random.split(key)
        step_size = tuning.step_size
        params = KernelParams(step_size, tuning.inverse_mass_matrix)
        state, info = kernel.step(key_step, state, logdensity_fn, params)
        return state, info, step_size, key_adapt

    def update(tuning, key, state, info, collect, window_end, last):
        return adaptation_update(
            key, tuning, state.position, info.acceptance_rate, collect, window_end, last,
            logdensity_fn=logdensity_fn, integrator=integrator,
            target_accept=config.target_accept, adapt_step_size=config.adapt_step_size,
        )

    def body(carry, x):
        states, tuning, divergences = carry
        i, collect, window_end, warm, last = x
        iteration_keys = jax.vmap(lambda k: jax.random.fold_in(k, i))(keys)
        states, info, step_size, adapt_keys = jax.vmap(transition)(iteration_keys, states,
                                                                   tuning)
        if num_warmup > 0:
            tuning = jax.lax.cond(
                warm,
                lambda t: jax.vmap(update, in_axes=(0, 0, 0, 0, None, None, None))(
                    t, adapt_keys, states, info, collect, window_end, last),
                lambda t: t,
                tuning,
            )
        divergences = jnp.where(i == num_warmup, 0, divergences)
        divergences = divergences + jnp.sum(info.is_divergent).astype(jnp.int32)
        if config.progress:
            shown = divergences
            if shard_index is not None:
                shown = jax.lax.psum(divergences, "chains")

            def report():
                jax.debug.callback(progress_callback, bar_id, offset + i, shown,
                                   jnp.mean(tuning.step_size))

            show = (i % every == 0) | (i == num_iterations - 1)
            if shard_index is not None:
                show = show & (shard_index == 0)
            jax.lax.cond(show, report, lambda: None)
        out = (states.position, _stats(kernel, info, step_size, states.logdensity))
        return (states, tuning, divergences), out

    carry = (states, adaptation, jnp.zeros((), jnp.int32))
    (states, adaptation, _), (positions, stats) = jax.lax.scan(body, carry, xs)
    # (iterations, chains, ...) -> (chains, iterations, ...)
    positions, stats = jax.tree_util.tree_map(lambda a: jnp.swapaxes(a, 0, 1),
                                              (positions, stats))
    keep = slice(num_warmup + config.thin - 1, None, config.thin)
    draws, kept_stats = jax.tree_util.tree_map(lambda a: a[:, keep], (positions, stats))
    warmup = (None, None)
    if config.save_warmup:
        warmup = jax.tree_util.tree_map(lambda a: a[:, :num_warmup], (positions, stats))
    return states, adaptation, draws, kept_stats, warmup[0], warmup[1]


def _constrain(posterior, draws):
    if draws is None:
        return None
    fn = jax.vmap(jax.vmap(lambda z: posterior.constrain(z, include_deterministic=True)))
    return fn(draws)


def _run(config: RunConfig, posterior, key, positions, adaptation, bar_id) -> RunOutput:
    kernel = config.kernel
    logdensity_fn = _logdensity_fn(config, posterior)
    states = jax.vmap(lambda p: kernel.init(p, logdensity_fn))(positions)
    initial_finite = jax.vmap(_is_finite_state)(states)
    num_iterations = config.num_warmup + config.num_samples * config.thin
    num_chains = jax.tree_util.tree_leaves(positions)[0].shape[0]
    keys = jax.random.split(key, num_chains)
    if not isinstance(adaptation, AdaptationState):  # (step_size, inverse_mass_matrix)
        one_chain = adaptation_init(*adaptation)
        adaptation = jax.tree_util.tree_map(
            lambda x: jnp.broadcast_to(x, (num_chains,) + x.shape), one_chain)

    if config.chain_method == "vectorized":
        result = _run_batch(config, posterior, keys, states, adaptation, bar_id, 0,
                            num_iterations)
    elif config.chain_method == "sequential":
        def one_chain(args):
            index, key, state, tuning = args
            batch = jax.tree_util.tree_map(lambda a: a[None], (key, state, tuning))
            out = _run_batch(config, posterior, *batch, bar_id, index * num_iterations,
                             num_iterations * num_chains)
            return jax.tree_util.tree_map(lambda a: a[0], out)

        result = jax.lax.map(one_chain, (jnp.arange(num_chains, dtype=jnp.int32), keys,
                                         states, adaptation))
    else:
        devices = np.asarray(jax.devices()[:_num_shards(num_chains)])
        mesh = Mesh(devices, ("chains",))
        chains = PartitionSpec("chains")

        def shard(keys, states, tuning, posterior, bar_id):
            index = jax.lax.axis_index("chains")
            return _run_batch(config, posterior, keys, states, tuning, bar_id, 0,
                              num_iterations, shard_index=index)

        result = jax.shard_map(
            shard, mesh=mesh,
            in_specs=(chains, chains, chains, PartitionSpec(), PartitionSpec()),
            out_specs=chains, check_vma=False,
        )(keys, states, adaptation, posterior, bar_id)

    states, adaptation, draws, stats, warmup_draws, warmup_stats = result
    constrained = warmup_constrained = log_likelihood = None
    if config.logdensity_fn is None:
        constrained = _constrain(posterior, draws)
        warmup_constrained = _constrain(posterior, warmup_draws)
        latents = {k: v for k, v in constrained.items() if k in posterior.latent_names}
        log_likelihood = jax.vmap(jax.vmap(posterior.pointwise_log_likelihood))(latents)
    return RunOutput(states, adaptation, draws, stats, warmup_draws, warmup_stats, constrained,
                     warmup_constrained, log_likelihood, initial_finite)


def _num_shards(num_chains: int) -> int:
    """The largest number of local devices (at most ``num_chains``) dividing ``num_chains``."""
    count = min(len(jax.devices()), num_chains)
    while num_chains % count:
        count -= 1
    return count


run_chains = jax.jit(_run, static_argnums=0)
run_chains.__doc__ = """Run chains from ``positions`` (leading axis = chains).

``run_chains(config, posterior, key, positions, adaptation, bar_id) -> RunOutput``:
``posterior`` is the Posterior target or ``None`` (then ``config.logdensity_fn`` is used);
``key`` is split into one key per chain; ``adaptation`` is either every chain's
:class:`~probflow.mcmc.AdaptationState` (to continue a run) or a pair ``(step_size,
inverse_mass_matrix)`` shared by all chains at the start. Compiled once per
:class:`RunConfig` and argument shapes.
"""
