"""The chain runner: warm-up and sampling as one compiled chunk of iterations, run in a loop.

One program, compiled once per [`RunConfig`][probflow.mcmc.chains.RunConfig] and argument shapes,
advances every chain
by up to ``chunk_length`` *slots*: a slot is one warm-up iteration (followed by the
adaptation's update) or ``thin`` sampling iterations of which the last is kept. The driver
([`run_chains_chunked`][probflow.mcmc.chains.run_chains_chunked]) calls it repeatedly from Python,
so that

* memory grows with the kept draws only (thinned-away iterations never leave the device,
  warm-up draws only when asked for);
* Ctrl-C stops the run between two chunks
  ([`DeferredInterrupt`][probflow.mcmc.interrupt.DeferredInterrupt])
  and the draws so far are kept;
* the progress bar is moved from the host, with no callbacks from compiled code.

Chunks are sized to take about a quarter of a second: the number of active slots is a traced
argument (inactive slots are skipped by a real conditional), so resizing never recompiles.

Chains are ``vmap``-ed inside each iteration, so the warm-up schedule (the same for every
chain) stays a real conditional; ``"sequential"`` maps the same code over chains one at a
time; ``"parallel"`` shards the chains over ``jax.devices()`` with ``shard_map``. The kernel
gets the iteration number in its parameters (``KernelParams.iteration``). A cross-chain
adaptation ([`CrossChainAdaptation`][probflow.mcmc.cross_chain.CrossChainAdaptation]) is
called once per warm-up iteration on the whole batch instead of per chain; under
``"parallel"`` its reductions cross the devices through the ``"chains"`` axis name, and
``"sequential"`` is refused (one chain at a time cannot be pooled).
`run_chains` is the same computation in one pure function (for ``jit``/``vmap`` of whole
runs, as simulation-based calibration does).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, NamedTuple

import jax
import jax.numpy as jnp
import numpy as np
from jax.sharding import PartitionSpec

from probflow.mcmc.base import Adaptation, Kernel, KernelParams, TransitionInfo
from probflow.mcmc.cross_chain import CrossChainAdaptation, is_cross_chain
from probflow.mcmc.distributed import (
    agree,
    chain_mesh,
    is_multiprocess,
    to_global,
    to_host,
    to_local,
)
from probflow.mcmc.integrators import Integrator
from probflow.typing import Array, ArrayLike, LogDensityFn, PRNGKey, PyTree

if TYPE_CHECKING:
    from probflow.mcmc.checkpoint import ChainStore
    from probflow.mcmc.interrupt import DeferredInterrupt
    from probflow.models.posterior import Posterior

__all__ = ["RunConfig", "InitialTuning", "RunCarry", "RunOutput", "run_chains",
           "run_chains_chunked", "chunk_length", "CHAIN_METHODS"]

CHAIN_METHODS = ("vectorized", "sequential", "parallel")
MAX_CHUNK = 256
CHUNK_ELEMENTS = 1 << 22  # at most ~16 MB of float32 positions per chunk
CHUNK_SECONDS = 0.25


class RunConfig(NamedTuple):
    """Static configuration of a run (hashable: a new value compiles anew).

    Attributes:
        kernel: the transition kernel (a [`Kernel`][probflow.mcmc.base.Kernel]).
        adaptation: the warm-up scheme
            ([`WindowAdaptation`][probflow.mcmc.adaptation.WindowAdaptation],
            [`GradientAdaptation`][probflow.mcmc.gradient_adaptation.GradientAdaptation]), its
            ``target_accept`` resolved.
        logdensity_fn: the log density for a plain-function target; ``None`` when the target
            is a Posterior (its unconstrained log density is used).
        num_warmup, num_samples, thin: iteration counts; ``num_samples`` draws are kept,
            one every ``thin`` iterations after warm-up.
        chain_method: one of `CHAIN_METHODS`.
        save_warmup: whether warm-up draws and statistics are returned.
        chunk_length: slots per compiled chunk (the last chunk may use fewer).
    """

    kernel: Kernel
    adaptation: Adaptation | CrossChainAdaptation
    logdensity_fn: LogDensityFn | None
    num_warmup: int
    num_samples: int
    thin: int
    chain_method: str
    save_warmup: bool = False
    chunk_length: int = MAX_CHUNK


class InitialTuning(NamedTuple):
    """``(step_size, inverse_mass_matrix)`` that every chain of a new run starts from."""

    step_size: ArrayLike
    inverse_mass_matrix: ArrayLike


class RunCarry(NamedTuple):
    """What one chunk hands to the next: per-chain keys, kernel states, adaptation states."""

    keys: Array
    states: Any
    adaptation: Any


class RunOutput(NamedTuple):
    """The result of a run; every array has a leading chain axis.

    Attributes:
        states: final kernel states (to continue the chains).
        adaptation: final tuning states (``step_size``, ``inverse_mass_matrix``, ...).
        draws: unconstrained positions ``(chains, draws, ...)``.
        stats: sampler statistics ``{name: (chains, draws)}``.
        warmup_draws, warmup_stats: the same for warm-up (``None`` unless saved).
        constrained, warmup_constrained: constrained values with deterministics (Posterior
            targets only, else ``None``).
        log_likelihood: pointwise log likelihood of the draws (Posterior targets only).
        initial_finite: ``(chains,)`` whether each chain's initial log density and gradient
            were finite.
        num_iterations: iterations completed per chain (less than planned when interrupted).
        interrupted: whether Ctrl-C stopped the run.
    """

    states: Any
    adaptation: Any
    draws: Any
    stats: dict[str, Any]
    warmup_draws: Any
    warmup_stats: dict[str, Any] | None
    constrained: dict | None
    warmup_constrained: dict | None
    log_likelihood: dict | None
    initial_finite: Any
    num_iterations: int = 0
    interrupted: bool = False


def _logdensity_fn(config: RunConfig, posterior: Posterior | None) -> LogDensityFn:
    if config.logdensity_fn is not None:
        return config.logdensity_fn
    assert posterior is not None  # (a run has a log-density function or a Posterior)
    return posterior.unconstrained_log_density


def _kernel_integrator(kernel: Kernel) -> Integrator | None:
    """The integrator the step-size heuristic uses; ``None`` for gradient-free kernels."""
    if not kernel.uses_gradients:
        return None
    from probflow.mcmc.integrators import velocity_verlet

    return getattr(kernel, "integrator", velocity_verlet)


def _stats(kernel: Kernel, info: TransitionInfo, step_size: Array,
           logdensity: Array) -> dict[str, Array]:
    stats = {
        "lp": logdensity,
        "acceptance_rate": info.acceptance_rate,
        "diverging": info.is_divergent,
        "energy": info.energy,
        "n_steps": info.num_integration_steps,
        "step_size": step_size,
    }
    if kernel.reports_tree_depth:
        stats["tree_depth"] = info.tree_depth
        stats["reached_max_treedepth"] = info.reached_max_treedepth
    return stats


def _is_finite_state(state: Any) -> Array:
    finite = jnp.isfinite(state.logdensity)
    for leaf in jax.tree_util.tree_leaves(getattr(state, "logdensity_grad", ())):
        finite = finite & jnp.all(jnp.isfinite(leaf))
    return finite


def _num_slots(config: RunConfig) -> int:
    return config.num_warmup + config.num_samples


def _scan_slots(config: RunConfig, posterior: Posterior | None, carry: RunCarry,
                start: ArrayLike, num_active: ArrayLike, axis_name: str | None = None,
                ) -> tuple[RunCarry, tuple[PyTree, dict[str, Array]]]:
    """Advance a batch of chains (leading axis) through slots ``start ...``; see module doc.

    ``axis_name`` names the device axis the batch is a shard of (``"parallel"``), for the
    reductions of a cross-chain adaptation."""
    kernel, adaptation = config.kernel, config.adaptation
    logdensity_fn = _logdensity_fn(config, posterior)
    integrator = _kernel_integrator(kernel)
    num_warmup, thin = config.num_warmup, config.thin

    def transition(key, state, tuning, iteration):
        key_step, key_adapt = jax.random.split(key)
        params = KernelParams.from_tuning(tuning, iteration)
        state, info = kernel.step(key_step, state, logdensity_fn, params)
        return state, info.normalized(tuning.step_size.dtype), tuning.step_size, key_adapt

    def update(key, tuning, iteration, state, info):
        return adaptation.update(key, tuning, iteration, state, info, num_warmup=num_warmup,
                                 logdensity_fn=logdensity_fn, integrator=integrator)

    def iterate(carry: RunCarry, iteration):
        keys = jax.vmap(lambda k: jax.random.fold_in(k, iteration))(carry.keys)
        states, info, step_size, adapt_keys = jax.vmap(
            transition, in_axes=(0, 0, 0, None))(keys, carry.states, carry.adaptation, iteration)
        tuning = carry.adaptation
        if num_warmup > 0 and is_cross_chain(adaptation):
            pooled = adaptation  # (narrowed to a CrossChainAdaptation, for the lambda)
            tuning = jax.lax.cond(
                iteration < num_warmup,
                lambda t: pooled.update(adapt_keys, t, iteration, states, info,
                                        num_warmup=num_warmup, logdensity_fn=logdensity_fn,
                                        integrator=integrator, axis_name=axis_name),
                lambda t: t,
                tuning,
            )
        elif num_warmup > 0:
            tuning = jax.lax.cond(
                iteration < num_warmup,
                lambda t: jax.vmap(update, in_axes=(0, 0, None, 0, 0))(
                    adapt_keys, t, iteration, states, info),
                lambda t: t,
                tuning,
            )
        return RunCarry(carry.keys, states, tuning), (info, step_size)

    def run_slot(carry: RunCarry, slot):
        if thin == 1:
            return iterate(carry, slot)
        first = jnp.where(slot < num_warmup, slot, num_warmup + (slot - num_warmup) * thin)
        count = jnp.where(slot < num_warmup, 1, thin)
        carry, out = iterate(carry, first)
        return jax.lax.fori_loop(1, count, lambda j, c: iterate(c[0], first + j), (carry, out))

    def skip_slot(carry: RunCarry, slot):
        step_size = carry.adaptation.step_size
        return carry, (TransitionInfo.empty(step_size.shape, step_size.dtype), step_size)

    def slot_body(carry: RunCarry, slot):
        carry, (info, step_size) = jax.lax.cond(slot - start < num_active, run_slot, skip_slot,
                                                carry, slot)
        stats = _stats(kernel, info, step_size, carry.states.logdensity)
        return carry, (carry.states.position, stats)

    slots = start + jnp.arange(config.chunk_length, dtype=jnp.int32)
    carry, (positions, stats) = jax.lax.scan(slot_body, carry, slots)
    # (slots, chains, ...) -> (chains, slots, ...)
    return carry, jax.tree_util.tree_map(lambda a: jnp.swapaxes(a, 0, 1), (positions, stats))


def _chunk(config: RunConfig, posterior: Posterior | None, carry: RunCarry, start: ArrayLike,
           num_active: ArrayLike) -> tuple[RunCarry, tuple[PyTree, dict[str, Array]]]:
    """One compiled chunk over all chains, by the configured chain method."""
    if config.chain_method == "vectorized":
        return _scan_slots(config, posterior, carry, start, num_active)
    if config.chain_method == "sequential":
        if is_cross_chain(config.adaptation):
            raise ValueError(
                f"{type(config.adaptation).__name__} pools all chains at every warm-up "
                f"iteration, and chain_method='sequential' runs them one at a time; use "
                f"chain_method='vectorized' (or 'parallel' over several devices)")

        def one_chain(chain_carry):
            batch = jax.tree_util.tree_map(lambda a: a[None], chain_carry)
            out = _scan_slots(config, posterior, batch, start, num_active)
            return jax.tree_util.tree_map(lambda a: a[0], out)

        return jax.lax.map(one_chain, carry)
    num_chains = jax.tree_util.tree_leaves(carry.keys)[0].shape[0]
    chains = PartitionSpec("chains")

    def shard(carry, posterior, start, num_active):
        return _scan_slots(config, posterior, carry, start, num_active, axis_name="chains")

    return jax.shard_map(
        shard, mesh=chain_mesh(num_chains),
        in_specs=(chains, PartitionSpec(), PartitionSpec(), PartitionSpec()),
        out_specs=chains, check_vma=False,
    )(carry, posterior, start, num_active)


def _prepare(config: RunConfig, posterior: Posterior | None, key: PRNGKey, positions: PyTree,
             tuning: InitialTuning | PyTree) -> tuple[RunCarry, Array]:
    """Initial [`RunCarry`][probflow.mcmc.chains.RunCarry] and whether each chain starts at a finite
    point.

    ``tuning`` is either an [`InitialTuning`][probflow.mcmc.chains.InitialTuning] shared by every
    chain (a new run) or
    every chain's adaptation state (to continue one).
    """
    kernel = config.kernel
    logdensity_fn = _logdensity_fn(config, posterior)
    states = jax.vmap(lambda p: kernel.init(p, logdensity_fn))(positions)
    num_chains = jax.tree_util.tree_leaves(positions)[0].shape[0]
    if isinstance(tuning, InitialTuning):
        step_size, inverse_mass_matrix = tuning
        tuning = jax.vmap(lambda s: config.adaptation.init(
            s, step_size, inverse_mass_matrix, num_warmup=config.num_warmup))(states)
    keys = jax.random.split(key, num_chains)
    return RunCarry(keys, states, tuning), jax.vmap(_is_finite_state)(states)


def _finish(config: RunConfig, posterior: Posterior | None,
            draws: PyTree) -> tuple[dict[str, Array] | None, dict[str, Array] | None]:
    """Constrained draws (with deterministics) and the pointwise log likelihood."""
    if config.logdensity_fn is not None or draws is None:
        return None, None
    assert posterior is not None  # (no log-density function: the target is a Posterior)
    constrained = jax.vmap(jax.vmap(
        lambda z: posterior.constrain(z, include_deterministic=True)))(draws)
    latents = {k: v for k, v in constrained.items() if k in posterior.latent_names}
    log_likelihood = jax.vmap(jax.vmap(posterior.pointwise_log_likelihood))(latents)
    return constrained, log_likelihood


def _constrain_only(config: RunConfig, posterior: Posterior | None,
                    draws: PyTree) -> dict[str, Array] | None:
    return _finish(config, posterior, draws)[0]


prepare_chains = jax.jit(_prepare, static_argnums=0)
run_chunk = jax.jit(_chunk, static_argnums=0)
finish_chains = jax.jit(_finish, static_argnums=0)
constrain_chains = jax.jit(_constrain_only, static_argnums=0)


def _split(positions: PyTree, stats: dict[str, Array], num_warmup_done: int,
           ) -> tuple[PyTree, dict[str, Array], PyTree, dict[str, Array]]:
    """Separate the warm-up slots (first ``num_warmup_done``) from the kept draws."""
    def take(tree: PyTree, sl: slice) -> PyTree:
        return jax.tree_util.tree_map(lambda a: a[:, sl], tree)

    return (take(positions, slice(0, num_warmup_done)), take(stats, slice(0, num_warmup_done)),
            take(positions, slice(num_warmup_done, None)),
            take(stats, slice(num_warmup_done, None)))


def _run(config: RunConfig, posterior: Posterior | None, key: PRNGKey, positions: PyTree,
         tuning: InitialTuning | PyTree) -> RunOutput:
    config = config._replace(chunk_length=max(_num_slots(config), 1))
    carry, initial_finite = _prepare(config, posterior, key, positions, tuning)
    carry, (slot_positions, slot_stats) = _chunk(config, posterior, carry, jnp.int32(0),
                                                 jnp.int32(_num_slots(config)))
    warm_draws, warm_stats, draws, stats = _split(slot_positions, slot_stats, config.num_warmup)
    if not config.save_warmup:
        warm_draws = warm_stats = None
    constrained, log_likelihood = _finish(config, posterior, draws)
    warmup_constrained = None
    if warm_draws is not None and config.logdensity_fn is None:
        warmup_constrained = _constrain_only(config, posterior, warm_draws)
    return RunOutput(carry.states, carry.adaptation, draws, stats, warm_draws, warm_stats,
                     constrained, warmup_constrained, log_likelihood, initial_finite,
                     config.num_warmup + config.num_samples * config.thin, False)


run_chains = jax.jit(_run, static_argnums=0)
run_chains.__doc__ = """Run chains from ``positions`` (leading axis = chains) in one compiled call.

``run_chains(config, posterior, key, positions, tuning) -> RunOutput``: ``posterior`` is
the Posterior target or ``None`` (then ``config.logdensity_fn`` is used); ``key`` is split
into one key per chain; ``tuning`` is an [`InitialTuning`][probflow.mcmc.chains.InitialTuning]
shared by all chains at the
start, or every chain's adaptation state (to continue a run). Pure, so whole
runs can be ``vmap``-ed; [`run_chains_chunked`][probflow.mcmc.chains.run_chains_chunked] gives the
same draws chunk by chunk.
"""


def chunk_length(num_slots: int, num_chains: int, dim: int) -> int:
    """Slots per compiled chunk: at most 256, and at most ~4M position numbers per chunk.

    Examples:
        >>> chunk_length(2000, 4, 10), chunk_length(120, 2, 20_000)
        (256, 104)
    """
    by_memory = CHUNK_ELEMENTS // max(num_chains * dim, 1)
    return int(max(1, min(num_slots, MAX_CHUNK, by_memory)))


def run_chains_chunked(config: RunConfig, posterior: Posterior | None, key: PRNGKey | None,
                       positions: PyTree, tuning: InitialTuning | PyTree | None, *,
                       guard: DeferredInterrupt | None = None,
                       on_chunk: Callable[[int, dict[str, np.ndarray]], object] | None = None,
                       store: ChainStore | None = None,
                       start: tuple[RunCarry, int] | None = None,
                       gather: bool = True) -> RunOutput:
    """Run chains chunk by chunk from the host; same draws as `run_chains`.

    ``guard`` (a [`DeferredInterrupt`][probflow.mcmc.interrupt.DeferredInterrupt]) is checked
    between
    chunks: when it has been triggered the run stops and what was drawn so far is returned
    (``interrupted=True``). ``on_chunk(slots_done, stats)`` is called after each chunk with the
    chunk's statistics (NumPy, leading chain axis), for the progress bar.

    With a ``store`` (a [`ChainStore`][probflow.mcmc.checkpoint.ChainStore]) each chunk's draws
    go to disk instead of memory, and the state is saved at the store's checkpoints, at the end
    and on interruption; ``start=(carry, slots_done)`` continues a saved run (then ``key``,
    ``positions`` and ``tuning`` are not used). With chains over several processes, the draws
    of every chain are gathered into every process after each chunk, or with
    ``gather=False`` each process keeps those of its own chains
    ([`local_chains`][probflow.mcmc.distributed.local_chains]); the final states are gathered
    either way.

    Examples:
        >>> import jax, jax.numpy as jnp
        >>> from probflow import mcmc
        >>> adaptation = mcmc.WindowAdaptation(target_accept=0.8)
        >>> config = RunConfig(mcmc.NUTS(), adaptation, lambda x: -0.5 * jnp.sum(x**2),
        ...                    num_warmup=50, num_samples=30, thin=1,
        ...                    chain_method="vectorized", chunk_length=16)
        >>> tuning = InitialTuning(*adaptation.initial_tuning("doc", 2, jnp.float32))
        >>> out = run_chains_chunked(config, None, jax.random.key(0), jnp.zeros((3, 2)), tuning)
        >>> out.draws.shape, out.interrupted
        ((3, 30, 2), False)
    """
    if start is None:
        carry, initial_finite = prepare_chains(config, posterior, key, positions, tuning)
        if not np.asarray(initial_finite).all():
            return RunOutput(carry.states, carry.adaptation, None, {}, None, None, None, None,
                             None, np.asarray(initial_finite))
        done = 0
        if store is not None:
            store.save_state(carry, done)
    else:
        carry, done = start
        initial_finite = np.ones(jax.tree_util.tree_leaves(carry.keys)[0].shape[0], bool)
    run_posterior = posterior
    multiprocess = config.chain_method == "parallel" and is_multiprocess()
    if multiprocess:
        mesh = chain_mesh(jax.tree_util.tree_leaves(carry.keys)[0].shape[0])
        carry = to_global(carry, mesh, sharded=True)
        run_posterior = to_global(posterior, mesh, sharded=False)
    total = _num_slots(config)
    pieces_positions, pieces_stats = [], []
    active, interrupted = min(config.chunk_length, 16), False
    while done < total and not interrupted:
        active = min(active, total - done, config.chunk_length)
        boundary = store.next_boundary(done) if store is not None else None
        if boundary is not None:
            active = max(1, min(active, boundary - done))
        started = time.perf_counter()
        if multiprocess:
            active = agree(active)
        carry, (chunk_positions, chunk_stats) = run_chunk(config, run_posterior, carry,
                                                          np.int32(done), np.int32(active))
        if multiprocess:
            chunk_positions, chunk_stats = (to_host if gather else to_local)(
                (chunk_positions, chunk_stats))
        keep_positions = config.save_warmup or done + active > config.num_warmup
        if store is not None:
            store.write_chunk(posterior, done, active, chunk_positions, chunk_stats)
            keep_positions = False
        chunk_stats = jax.tree_util.tree_map(lambda a: np.asarray(a)[:, :active], chunk_stats)
        if keep_positions:
            chunk_positions = jax.tree_util.tree_map(lambda a: np.asarray(a)[:, :active],
                                                     chunk_positions)
        else:
            chunk_positions = None
        elapsed = time.perf_counter() - started
        if store is None:
            pieces_positions.append((done, active, chunk_positions))
            pieces_stats.append(chunk_stats)
        done += active
        if on_chunk is not None:
            on_chunk(done, chunk_stats)
        interrupted = guard is not None and guard.interrupted
        if multiprocess:
            interrupted = bool(agree(int(interrupted)))
        if store is not None:
            due = store.due(done)
            if multiprocess:  # (timed checkpoints: process 0's clock decides for all)
                due = bool(agree(int(due)))
            if interrupted or done == total or due:
                # every process writes its own complete copy (see process_folder)
                store.save_state(to_host(carry) if multiprocess else carry, done)
        # aim the next chunk at CHUNK_SECONDS (the first one also paid for compilation)
        per_slot = elapsed / active
        active = int(np.clip(CHUNK_SECONDS / max(per_slot, 1e-9), 1, config.chunk_length))

    if multiprocess:
        carry = to_host(carry)
    if store is not None:
        return _stored_output(config, store, carry, done, initial_finite, interrupted)
    warm_done = min(done, config.num_warmup)
    stats = jax.tree_util.tree_map(lambda *a: np.concatenate(a, axis=1), *pieces_stats)
    warm_stats = jax.tree_util.tree_map(lambda a: a[:, :warm_done], stats)
    kept_stats = jax.tree_util.tree_map(lambda a: a[:, warm_done:], stats)

    def kept_between(lo, hi):
        parts = []
        for start, count, chunk in pieces_positions:
            a, b = max(lo, start), min(hi, start + count)
            if chunk is not None and a < b:
                parts.append(jax.tree_util.tree_map(lambda x: x[:, a - start:b - start], chunk))
        if not parts:
            return None
        return jax.tree_util.tree_map(lambda *x: np.concatenate(x, axis=1), *parts)

    draws = kept_between(config.num_warmup, done)
    warm_draws = kept_between(0, warm_done) if config.save_warmup and warm_done else None
    if not config.save_warmup:
        warm_stats = None
    constrained = log_likelihood = warmup_constrained = None
    if draws is not None:
        constrained, log_likelihood = finish_chains(config, posterior, draws)
    if warm_draws is not None and config.logdensity_fn is None:
        warmup_constrained = constrain_chains(config, posterior, warm_draws)
    num_iterations = iterations_done(config, done)
    return RunOutput(carry.states, carry.adaptation, draws, kept_stats, warm_draws, warm_stats,
                     constrained, warmup_constrained, log_likelihood,
                     np.asarray(initial_finite), num_iterations, interrupted)


def _stored_output(config: RunConfig, store: ChainStore, carry: RunCarry, done: int,
                   initial_finite: ArrayLike, interrupted: bool) -> RunOutput:
    """The [`RunOutput`][probflow.mcmc.chains.RunOutput] of a run whose draws are on disk."""
    stored = store.read(done)
    draws = stored.get(("draws", "positions")) if done > config.num_warmup else None
    warm = (lambda part: stored.get(("warmup", part))) if config.save_warmup else (lambda _: None)
    num_iterations = iterations_done(config, done)
    return RunOutput(carry.states, carry.adaptation, draws, stored[("draws", "stats")],
                     warm("positions"), warm("stats"),
                     stored.get(("draws", "constrained")) if draws is not None else None,
                     warm("constrained"), stored.get(("draws", "log_likelihood")),
                     np.asarray(initial_finite), num_iterations, interrupted)


def iterations_done(config: RunConfig, slots: int) -> int:
    """Iterations behind ``slots`` completed slots (a sampling slot is ``thin`` iterations).

    Examples:
        >>> from probflow import mcmc
        >>> config = RunConfig(mcmc.NUTS(), mcmc.WindowAdaptation(), None, num_warmup=100,
        ...                    num_samples=50, thin=3, chain_method="vectorized")
        >>> iterations_done(config, 80), iterations_done(config, 120)
        (80, 160)
    """
    warm = min(slots, config.num_warmup)
    return warm + max(slots - config.num_warmup, 0) * config.thin
