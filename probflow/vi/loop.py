"""The optimisation loop of [`fit`][probflow.vi.fit.fit]: compiled chunks of steps, iterate
averaging and the convergence rule.

One compiled step runs inside ``jax.lax.scan`` over chunks of steps (at most
``NUM_CHUNKS`` per call, a power of two steps each). The host dispatches the next chunk
before it waits for the current one (JAX runs them back to back), then checks the finished
chunk: a non-finite loss stops the run, and the convergence rule compares its mean loss with
the previous chunks'. The key of step ``t`` is ``fold_in(key, t)``, so results do not depend
on the chunking. The host waits in short sleeps, so Ctrl-C stops a fit at once and returns
the chunks completed.

**Iterate averaging** (Polyak and Juditsky 1992; Izmailov et al. 2018): the parameters a run
returns are the mean of the iterates over its last ``average`` fraction of steps, not the
last iterate. With a constant learning rate, the iterates of a stochastic optimiser wander
around the optimum at a distance set by the learning rate and the gradient noise; their mean
sits much closer to it.

**Convergence rule**: the losses are averaged over windows (one chunk each); the run has
converged when the relative change of the windowed mean loss, ``|m_k - m_{k-1}| /
|m_{k-1}|``, is at most ``tol`` for ``PATIENCE`` windows in a row. It then averages the
iterates over ``average / (1 - average)`` times the steps done so far (as if the run had been
planned that long) and stops.
"""

from __future__ import annotations

import functools
import math
import time
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any, NamedTuple

import jax
import jax.numpy as jnp
import numpy as np
import optax
from tqdm.auto import tqdm

from probflow.core.fastrandom import random_permutation
from probflow.typing import Array, PRNGKey, PyTree
from probflow.vi.elbo import ELBOConfig, negative_elbo
from probflow.vi.minibatch import MinibatchPlan, scaled_log_density, take_rows
from probflow.vi.result import NonFiniteLossError

if TYPE_CHECKING:
    from probflow.models.posterior import Posterior
    from probflow.vi.checkpoint import VICheckpoint, VIRunState
    from probflow.vi.guides import Guide

__all__ = ["NUM_CHUNKS", "PATIENCE", "RunOutcome", "optimise", "chunk_size_for",
           "window_converged", "initial_state"]

NUM_CHUNKS = 40
PATIENCE = 2


class _Spec(NamedTuple):
    """Static configuration of the compiled chunk."""

    guide: Guide
    optimizer: optax.GradientTransformation
    elbo: ELBOConfig
    plan: MinibatchPlan | None
    chunk_size: int


# The three compiled forms of a chunk (a static argument):
FAST = "fast"  # plain steps: only the loss's finiteness is recorded (no masks)
AVERAGING = "averaging"  # plain steps, adding the iterates from `average_start` on to a sum
CAREFUL = "careful"  # every update masked by its finiteness: finds the exact failing step


class _LoopState(NamedTuple):
    params: Any
    opt_state: Any
    step: jax.Array  # steps done in this call
    failed_step: jax.Array  # -1, or the first step whose loss (or gradient) was not finite
    rows: jax.Array  # the current epoch's permutation of the rows (minibatches), else empty
    good_params: Any  # CAREFUL chunks: the parameters of the last finite loss
    params_sum: Any  # sum of the iterates since step `average_start` (None: no averaging)
    num_averaged: jax.Array  # iterates in that sum


def _loss(params: PyTree, key: PRNGKey, posterior: Posterior, rows: Array | None,
          spec: _Spec) -> Array:
    plan = spec.plan
    unflatten = posterior.unflatten
    if plan is None:
        target, scale, scaled = posterior, None, ()
    else:
        assert rows is not None  # minibatched steps always have their rows
        target, scale, scaled = take_rows(posterior, plan, rows), plan.scale, plan.observed

    def log_density(vector: Array) -> Array | float:
        return scaled_log_density(target, unflatten(vector), scale=scale, scaled=scaled,
                                  jacobian=spec.guide.jacobian)

    return negative_elbo(key, params, spec.guide, log_density, spec.elbo)


def _all_finite(tree: PyTree) -> jax.Array:
    leaves = [jnp.all(jnp.isfinite(x)) for x in jax.tree_util.tree_leaves(tree)
              if jnp.issubdtype(jnp.result_type(x), jnp.inexact)]
    return jnp.all(jnp.stack(leaves)) if leaves else jnp.asarray(True)


def _rows_for_step(plan: MinibatchPlan, key_rows: PRNGKey, t: Array,
                   perm: Array) -> tuple[Array, Array]:
    """This step's minibatch rows (a new permutation at the start of every epoch)."""
    per_epoch = plan.batches_per_epoch
    position = t % per_epoch
    perm = jax.lax.cond(
        position == 0,
        lambda: random_permutation(jax.random.fold_in(key_rows, t // per_epoch),
                                   plan.num_rows).astype(perm.dtype),
        lambda: perm)
    return jax.lax.dynamic_slice(perm, (position * plan.batch_size,), (plan.batch_size,)), perm


@functools.partial(jax.jit, static_argnums=(0, 1))
def _run_chunk(spec: _Spec, mode: str, posterior: Posterior, state: _LoopState, key: PRNGKey,
               num_steps: Any, average_start: Any) -> tuple[_LoopState, Array]:
    """``num_steps`` (at most ``spec.chunk_size``, traced) steps from ``state``; returns the
    new state and the chunk's losses (``nan`` past ``num_steps``)."""
    plan = spec.plan
    key_steps, key_rows = jax.random.split(key)
    first = state.step

    def body(i, carry):
        state, losses = carry
        t = first + i
        rows, perm = (None, state.rows) if plan is None else _rows_for_step(
            plan, key_rows, t, state.rows)
        loss, grads = jax.value_and_grad(_loss)(state.params, jax.random.fold_in(key_steps, t),
                                                posterior, rows, spec)
        updates, opt_state = spec.optimizer.update(grads, state.opt_state, state.params)
        params = optax.apply_updates(state.params, updates)
        failed, good = state.failed_step, state.good_params
        if mode == CAREFUL:
            # the gradient's finiteness shows in the new parameters (an inf or NaN gradient
            # makes them non-finite, also through adam's normalisation)
            finite = jnp.isfinite(loss) & _all_finite(params) & (failed < 0)

            def keep(new, old):
                return jax.tree_util.tree_map(lambda a, b: jnp.where(finite, a, b), new, old)

            failed = jnp.where((failed < 0) & ~finite, t, failed)
            params, opt_state = keep(params, state.params), keep(opt_state, state.opt_state)
            good = keep(state.params, good)
        else:
            failed = jnp.where((failed < 0) & ~jnp.isfinite(loss), t, failed)
        params_sum, count = state.params_sum, state.num_averaged
        if mode == AVERAGING:
            counted = t >= average_start
            count = count + counted.astype(count.dtype)
            params_sum = jax.tree_util.tree_map(
                lambda s, p: s + jnp.where(counted, p, jnp.zeros_like(p)), params_sum, params)
        new = _LoopState(params, opt_state, t + 1, failed, perm, good, params_sum, count)
        return new, losses.at[i].set(loss)

    dtype = jnp.result_type(*jax.tree_util.tree_leaves(state.params))
    losses = jnp.full((spec.chunk_size,), jnp.nan, dtype)
    state, losses = jax.lax.fori_loop(0, num_steps, body, (state, losses))
    if mode != CAREFUL:
        # a non-finite gradient with a finite loss leaves non-finite parameters: caught here
        bad = (state.failed_step < 0) & ~_all_finite(state.params)
        state = state._replace(failed_step=jnp.where(bad, state.step - 1, state.failed_step))
    return state, losses


def _wait(tree: PyTree) -> None:
    """Block until ``tree``'s arrays are computed, in short sleeps rather than one blocking call,
    so that Ctrl-C raises ``KeyboardInterrupt`` at once however long the chunk runs."""
    leaves = [x for x in jax.tree_util.tree_leaves(tree) if hasattr(x, "is_ready")]
    pause = 1e-5
    while not all(x.is_ready() for x in leaves):
        time.sleep(pause)
        pause = min(2 * pause, 1e-3)


def window_converged(window_means: Sequence[float], tol: float | None,
                     patience: int = PATIENCE) -> bool:
    """The convergence rule: the relative change of the windowed mean loss was at most ``tol``
    for the last ``patience`` windows in a row.

    Examples:
        >>> window_converged([10.0, 5.0, 4.999, 4.9985], tol=1e-3)
        True
        >>> window_converged([10.0, 5.0, 4.999, 4.9], tol=1e-3)
        False
    """
    if tol is None or len(window_means) < patience + 1:
        return False
    means = np.asarray(window_means[-(patience + 1):], np.float64)
    if not np.all(np.isfinite(means)):
        return False
    change = np.abs(np.diff(means)) / np.maximum(np.abs(means[:-1]), 1e-12)
    return bool(np.all(change <= tol))


def chunk_size_for(num_steps: int) -> int:
    """Steps per compiled chunk (and per convergence window): ``num_steps / NUM_CHUNKS``
    rounded up to a power of two, so runs of similar lengths share one compiled chunk.

    Examples:
        >>> chunk_size_for(4000), chunk_size_for(10)
        (128, 1)
    """
    return 1 << max(0, math.ceil(math.log2(num_steps / NUM_CHUNKS)))


class RunOutcome(NamedTuple):
    """What [`optimise`][probflow.vi.loop.optimise] returns.

    Attributes:
        params: the averaged parameters (the last iterate when nothing was averaged).
        last_params: the last iterate (where a continued run starts).
        opt_state: the optimizer's state after the last step.
        losses: the loss of every step done (numpy).
        converged: whether the convergence rule stopped the run.
        num_averaged: the number of iterates averaged into ``params``.
        interrupted: whether Ctrl-C stopped the run.

    Examples:
        >>> RunOutcome._fields[:3]
        ('params', 'last_params', 'opt_state')
    """

    params: PyTree
    last_params: PyTree
    opt_state: PyTree
    losses: np.ndarray
    converged: bool
    num_averaged: int
    interrupted: bool


class _Chunks:
    """The host's record of the completed chunks (replaced field by field only after a chunk
    is fully checked, so an interrupt leaves a consistent record)."""

    def __init__(self, state: _LoopState) -> None:
        self.state = state
        self.steps = 0
        self.losses: list[np.ndarray] = []
        self.window_means: list[float] = []
        self.converged = False


def _check_chunk(done: _Chunks, spec: _Spec, posterior: Posterior, key: PRNGKey,
                 start: _LoopState, state: _LoopState, chunk: Array, num_steps: int,
                 first: int, label: str, tol: float | None) -> None:
    """Wait for the chunk of steps ``first, ...`` run from ``start`` (its input state), check
    it and record it in ``done``. After a failure, the chunk runs again in its CAREFUL form
    (the same steps: step ``t`` uses ``fold_in(key, t)``) to name the exact step and the last
    good parameters."""
    _wait((state, chunk))
    steps_done, failed, chunk = jax.device_get((state.step, state.failed_step, chunk))
    if failed >= 0:
        state, chunk = _run_chunk(spec, CAREFUL, posterior,
                                  start._replace(good_params=start.params), key,
                                  np.int32(num_steps), np.int32(0))
        _wait((state, chunk))
        failed = int(state.failed_step)
        failed = failed if failed >= 0 else first
        bad = float(np.asarray(chunk)[failed - first])
        where = (" at the initial parameters; check init or init_params" if failed == 0
                 else "; try a smaller learning rate (e.g. optax.adam(1e-3); it must be a "
                      "positive number, as optax.adam(None) or a negative one climbs the "
                      "loss), more num_particles, or check the model")
        raise NonFiniteLossError(
            f"{label}: the loss or its gradient is not finite at step {failed} (loss "
            f"{bad!r}){where}. err.last_params holds the parameters of the last "
            f"finite loss: continue with fit(..., init_params=err.last_params)",
            step=failed, loss=bad, last_params=state.good_params)
    kept = np.asarray(chunk)[: int(steps_done) - first]
    means = done.window_means + ([float(kept.mean())] if kept.size else [])
    converged = done.converged or window_converged(means, tol)
    done.losses, done.window_means, done.converged = done.losses + [kept], means, converged
    done.state, done.steps = state, int(steps_done)


def initial_state(optimizer: optax.GradientTransformation, plan: MinibatchPlan | None,
                  params: PyTree, opt_state: PyTree | None, average: float) -> _LoopState:
    """The loop state before the first step (``opt_state=None``: a fresh optimizer state); also
    the template a checkpoint's state is restored into.

    Examples:
        >>> import jax.numpy as jnp, optax
        >>> state = initial_state(optax.sgd(0.1), None, {"loc": jnp.zeros(2)}, None, 0.5)
        >>> int(state.step), state.params_sum["loc"].shape
        (0, (2,))
    """
    rows = (jnp.arange(plan.num_rows, dtype=jnp.int32) if plan
            else jnp.zeros((0,), jnp.int32))
    state_opt = optimizer.init(params) if opt_state is None else opt_state
    zeros = jax.tree_util.tree_map(jnp.zeros_like, params) if average > 0 else None
    zero = jnp.asarray(0, jnp.int32)
    return _LoopState(params, state_opt, zero, jnp.asarray(-1, jnp.int32), rows, None, zeros,
                      zero)


def _resumed_record(resumed: VIRunState) -> _Chunks:
    done = _Chunks(resumed.state)
    done.steps = int(resumed.state.step)
    done.losses = [np.asarray(resumed.losses)] if done.steps else []
    done.window_means = list(resumed.window_means)
    done.converged = bool(resumed.converged)
    return done


def optimise(guide: Guide, optimizer: optax.GradientTransformation, elbo: ELBOConfig,
             plan: MinibatchPlan | None, posterior: Posterior, params: PyTree,
             opt_state: PyTree | None, num_steps: int, *, key: PRNGKey, tol: float | None,
             average: float, progress_bar: bool, label: str, error_label: str | None = None,
             checkpoint: VICheckpoint | None = None,
             resumed: VIRunState | None = None) -> RunOutcome:
    """Run up to ``num_steps`` optimisation steps in compiled chunks (see the module docstring).

    ``opt_state=None`` starts the optimizer afresh. A ``KeyboardInterrupt`` (Ctrl-C) while the
    optimizer starts or a chunk compiles or runs ends the loop: the outcome is that of the
    chunks completed before it, with ``interrupted=True``. ``label`` names the progress bar,
    ``error_label`` (default ``label``) the function in error messages.

    ``checkpoint`` (a [`VICheckpoint`][probflow.vi.checkpoint.VICheckpoint]) saves the state
    after the chunks where it is due, after the last one and on Ctrl-C; ``resumed`` (a
    [`VIRunState`][probflow.vi.checkpoint.VIRunState]) continues a saved run from its next
    chunk.

    Examples:
        >>> import jax, jax.numpy as jnp, optax
        >>> import probflow as pf
        >>> from probflow import distributions as pfd
        >>> @pf.model
        ... def m():
        ...     yield pfd.Normal(1.0, 1.0, name="mu")
        >>> guide = pf.vi.MeanField()
        >>> out = optimise(guide, optax.adam(0.05), pf.vi.ELBOConfig(entropy="analytic"),
        ...                None, m().condition(), guide.init(None, jnp.zeros(1)), None, 400,
        ...                key=jax.random.key(0), tol=None, average=0.5, progress_bar=False,
        ...                label="fit")
        >>> out.losses.shape, out.num_averaged
        ((400,), 200)
    """
    error_label = label if error_label is None else error_label
    chunk_size = chunk_size_for(num_steps)
    is_averaged = average > 0
    spec = _Spec(guide, optimizer, elbo, plan, chunk_size)
    total = num_steps
    average_start = num_steps - int(round(average * num_steps)) if is_averaged else num_steps

    if resumed is not None:
        total, average_start = resumed.total, resumed.average_start

    def start() -> _Chunks:
        if resumed is not None:
            return _resumed_record(resumed)
        return _Chunks(initial_state(optimizer, plan, params, opt_state, average))

    def save(done: _Chunks) -> None:
        assert checkpoint is not None
        checkpoint.save(optimizer, done.state, np.concatenate(done.losses), done.window_means,
                        done.converged, total, average_start)

    def launch(state: _LoopState,
               first: int) -> tuple[_LoopState, _LoopState, Array, int, int]:
        """Queue the chunk of steps ``first, first + 1, ...`` (``first`` known on the host)."""
        num = min(chunk_size, total - first)
        mode = AVERAGING if first + num > average_start else FAST
        new_state, chunk = _run_chunk(spec, mode, posterior, state, key, np.int32(num),
                                      np.int32(average_start))
        return (state, new_state, chunk, num, first)

    done: _Chunks | None = None
    interrupted = False
    with tqdm(total=total, disable=not progress_bar, leave=True, dynamic_ncols=True,
              unit="step", desc=label) as bar:
        try:
            done = start()
            bar.update(done.steps)
            dispatched = done.steps
            in_flight: tuple[_LoopState, _LoopState, Array, int, int] | None = None
            if dispatched < total:
                in_flight = launch(done.state, dispatched)
                dispatched += in_flight[3]
            while in_flight is not None:
                following = None
                if dispatched < total:  # queue the next chunk before waiting for this one
                    following = launch(in_flight[1], dispatched)
                    dispatched += following[3]
                was_converged = done.converged
                _check_chunk(done, spec, posterior, key, *in_flight, error_label, tol)
                steps = done.steps
                bar.set_postfix(neg_elbo=f"{done.window_means[-1]:.4g}"
                                if done.window_means else "nan", refresh=False)
                bar.update(steps - bar.n)
                if done.converged and not was_converged:
                    # average over the chunks still to come, as if the run had been planned
                    # to end where that average covers the `average` fraction of it
                    if is_averaged and dispatched < average_start:
                        average_start = dispatched
                        extra = math.ceil(dispatched * average / (1.0 - average))
                        total = min(total, dispatched + max(extra, 1))
                    elif not is_averaged:
                        total = min(total, dispatched)
                    bar.total = total
                if checkpoint is not None and (following is None
                                               or checkpoint.due(done.steps)):
                    save(done)
                in_flight = following
        except KeyboardInterrupt:
            interrupted = True
            if (checkpoint is not None and done is not None
                    and done.steps > checkpoint.saved_steps):
                save(done)
    if done is None:  # interrupted before the loop began: the fit so far is the start
        done = start()
    state = done.state
    losses = (np.concatenate(done.losses) if done.losses
              else np.zeros((0,), jnp.result_type(*jax.tree_util.tree_leaves(params))))
    num_averaged = int(state.num_averaged)
    result_params = state.params if num_averaged == 0 else jax.tree_util.tree_map(
        lambda total_, p: (total_ / num_averaged).astype(p.dtype), state.params_sum, state.params)
    return RunOutcome(result_params, state.params, state.opt_state, losses, done.converged,
                      num_averaged, interrupted)
