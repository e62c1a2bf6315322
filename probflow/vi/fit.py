"""``pf.vi.fit``: stochastic variational inference on a Posterior's unconstrained space.

The guide's parameters are trained with an optax optimizer on a Monte Carlo estimate of the
negative ELBO ([`negative_elbo`][probflow.vi.elbo.negative_elbo]). One compiled step runs inside
``jax.lax.scan`` over chunks of steps (at most 40 per run); between chunks the host updates
the progress bar, checks the optional convergence tolerance and stops on a non-finite loss.
The key of step ``t`` is ``fold_in(key, t)``, so results do not depend on the chunking.
The host waits for a chunk in short sleeps, so Ctrl-C stops a fit at once and returns the
chunks completed; after the run, a loss that ended far above its start gives a warning.
"""

from __future__ import annotations

import functools
import math
import time
import warnings
from typing import Any, NamedTuple

import jax
import jax.numpy as jnp
import numpy as np
import optax
from tqdm.auto import tqdm

from probflow.core.checks import check_count
from probflow.core.keys import as_typed_key
from probflow.models.checks import check_finite_arrays
from probflow.models.posterior import INIT_STRATEGIES, Posterior
from probflow.vi.elbo import ELBOConfig, negative_elbo, resolve_elbo_config
from probflow.vi.guides import make_guide
from probflow.vi.minibatch import (
    MinibatchPlan,
    plan_minibatches,
    scaled_log_density,
    take_rows,
)
from probflow.vi.result import FitWarning, NonFiniteLossError, VIResult

__all__ = ["fit", "continue_fit", "NUM_CHUNKS", "DEFAULT_OPTIMIZER"]

NUM_CHUNKS = 40
DEFAULT_OPTIMIZER = optax.adam(1e-2)


class _Spec(NamedTuple):
    """Static configuration of the compiled chunk."""

    guide: Any
    optimizer: Any
    elbo: ELBOConfig
    plan: MinibatchPlan | None
    chunk_size: int


class _LoopState(NamedTuple):
    params: Any
    opt_state: Any
    step: jax.Array  # steps done in this call
    failed_step: jax.Array  # -1, or the step whose loss/gradient was not finite
    rows: jax.Array  # the current epoch's permutation of the rows (minibatches), else empty
    good_params: Any  # the parameters at which the last finite loss was evaluated


def _loss(params, key, posterior, rows, spec: _Spec):
    plan = spec.plan
    unflatten = posterior.unflatten
    if plan is None:
        target, scale, scaled = posterior, None, ()
    else:
        target, scale, scaled = take_rows(posterior, plan, rows), plan.scale, plan.observed

    def log_density(vector):
        return scaled_log_density(target, unflatten(vector), scale=scale, scaled=scaled,
                                  jacobian=spec.guide.jacobian)

    return negative_elbo(key, params, spec.guide, log_density, spec.elbo)


def _all_finite(tree) -> jax.Array:
    leaves = [jnp.all(jnp.isfinite(x)) for x in jax.tree_util.tree_leaves(tree)
              if jnp.issubdtype(jnp.result_type(x), jnp.inexact)]
    return jnp.all(jnp.stack(leaves)) if leaves else jnp.asarray(True)


@functools.partial(jax.jit, static_argnums=0)
def _run_chunk(spec: _Spec, posterior, state: _LoopState, key, num_steps):
    plan = spec.plan
    key_steps, key_rows = jax.random.split(key)

    def body(state: _LoopState, _):
        # Steps past num_steps (the end of the last chunk) or after a failure are computed but
        # not applied: a masked update is cheaper on CPU than a lax.cond around every step.
        t = state.step
        active = (t < num_steps) & (state.failed_step < 0)
        rows, perm = None, state.rows
        if plan is not None:
            per_epoch = plan.batches_per_epoch
            position = t % per_epoch
            perm = jax.lax.cond(
                active & (position == 0),
                lambda: jax.random.permutation(jax.random.fold_in(key_rows, t // per_epoch),
                                               plan.num_rows).astype(perm.dtype),
                lambda: perm)
            rows = jax.lax.dynamic_slice(perm, (position * plan.batch_size,),
                                         (plan.batch_size,))
        loss, grads = jax.value_and_grad(_loss)(state.params, jax.random.fold_in(key_steps, t),
                                                posterior, rows, spec)
        updates, opt_state = spec.optimizer.update(grads, state.opt_state, state.params)
        params = optax.apply_updates(state.params, updates)
        finite = jnp.isfinite(loss) & _all_finite(grads)
        apply = active & finite

        def keep(new, old):
            return jax.tree_util.tree_map(lambda a, b: jnp.where(apply, a, b), new, old)

        new = _LoopState(keep(params, state.params), keep(opt_state, state.opt_state),
                         t + active.astype(t.dtype),
                         jnp.where(active & ~finite, t, state.failed_step), perm,
                         keep(state.params, state.good_params))
        return new, jnp.where(active, loss, jnp.nan)

    return jax.lax.scan(body, state, None, length=spec.chunk_size)


class _Progress(NamedTuple):
    """What the completed chunks gave: replaced in one assignment, so that an interrupt
    arriving at any moment leaves a consistent record."""

    state: _LoopState
    losses: tuple  # numpy arrays, the losses of each completed chunk
    smoothed: float | None  # the last chunk's mean loss
    converged: bool


def _wait(tree) -> None:
    """Block until ``tree``'s arrays are computed, in short sleeps rather than one blocking call,
    so that Ctrl-C raises ``KeyboardInterrupt`` at once however long the chunk runs."""
    leaves = [x for x in jax.tree_util.tree_leaves(tree) if hasattr(x, "is_ready")]
    pause = 1e-4
    while not all(x.is_ready() for x in leaves):
        time.sleep(pause)
        pause = min(2 * pause, 0.02)


def _run_one_chunk(spec: _Spec, posterior, progress: _Progress, key, total, tol) -> _Progress:
    state, chunk = _run_chunk(spec, posterior, progress.state, key, total)
    _wait((state, chunk))
    chunk = np.asarray(chunk)
    done_before = int(progress.state.step)
    done = int(state.step)
    failed = int(state.failed_step)
    kept = chunk[: done - done_before]
    losses = progress.losses + (kept,)
    if failed >= 0:
        bad = float(np.concatenate(losses)[failed])
        where = (" at the initial parameters; check init or init_params" if failed == 0
                 else "; try a smaller learning rate (e.g. optax.adam(1e-3); it must be a "
                      "positive number, as optax.adam(None) or a negative one climbs the "
                      "loss), more num_particles, or check the model")
        raise NonFiniteLossError(
            f"fit: the loss or its gradient is not finite at step {failed} (loss "
            f"{bad!r}){where}. err.last_params holds the parameters of the last "
            f"finite loss: continue with fit(..., init_params=err.last_params)",
            step=failed, loss=bad, last_params=state.good_params)
    finite = kept[np.isfinite(kept)]
    smoothed = float(finite.mean()) if finite.size else float("nan")
    previous = progress.smoothed
    converged = bool(tol is not None and previous is not None
                     and abs(smoothed - previous) <= tol * max(abs(previous), 1e-12))
    return _Progress(state, losses, smoothed, converged)


def _optimise(spec_base: dict, posterior, params, opt_state, key, num_steps, tol,
              progress_bar, label: str):
    """Run ``num_steps`` steps in chunks.

    Returns ``(params, opt_state, losses, converged, interrupted)``; ``opt_state=None`` starts
    the optimizer afresh. A ``KeyboardInterrupt`` (Ctrl-C) while the optimizer starts or a
    chunk compiles or runs ends the loop: the result is that of the chunks completed before
    it, and ``interrupted`` is true.
    """
    # a power of two (so runs of similar lengths share one compiled chunk), at most
    # NUM_CHUNKS chunks
    chunk_size = 1 << max(0, math.ceil(math.log2(num_steps / NUM_CHUNKS)))
    spec = _Spec(chunk_size=chunk_size, **spec_base)
    plan = spec.plan

    def start(opt_state):
        rows = (jnp.arange(plan.num_rows, dtype=jnp.int32) if plan
                else jnp.zeros((0,), jnp.int32))
        opt_state = spec.optimizer.init(params) if opt_state is None else opt_state
        state = _LoopState(params, opt_state, jnp.asarray(0, jnp.int32),
                           jnp.asarray(-1, jnp.int32), rows, params)
        return _Progress(state, (), None, False)

    progress = None
    interrupted = False
    total = jnp.asarray(num_steps, jnp.int32)
    with tqdm(total=num_steps, disable=not progress_bar, leave=True, dynamic_ncols=True,
              unit="step", desc=label) as bar:
        try:
            progress = start(opt_state)
            for _ in range(math.ceil(num_steps / chunk_size)):
                progress = _run_one_chunk(spec, posterior, progress, key, total, tol)
                done = int(progress.state.step)
                bar.set_postfix(neg_elbo=f"{progress.smoothed:.4g}", refresh=False)
                bar.update(done - bar.n)
                if progress.converged or done >= num_steps:
                    break
        except KeyboardInterrupt:
            interrupted = True
    if progress is None:  # interrupted before the loop began: the fit so far is the start
        progress = start(opt_state)
    losses = (np.concatenate(progress.losses) if progress.losses
              else np.zeros((0,), jnp.result_type(*jax.tree_util.tree_leaves(params))))
    return (progress.state.params, progress.state.opt_state, losses, progress.converged,
            interrupted)


def _divergence_message(losses: np.ndarray) -> str | None:
    """A warning's text when the loss trace ends far above where it started, else ``None``.

    The rule compares the median of the last 10% of the steps (robust to single outlying
    Monte Carlo estimates) with the median of the first 10% and with the first loss. It fires
    when the rise from the first 10% exceeds the loss's own magnitude there
    (``max(|start|, 1)``: a positive loss more than doubled), or the rise from the first step
    exceeds a thousand times that step's magnitude (a loss that grew by orders of magnitude
    within the first 10% of the steps), and in either case ten standard errors of the
    difference (the noise of one step is estimated from the median absolute difference
    between consecutive losses, which a trend barely affects). A fit that converges, however
    noisily, does neither.
    """
    losses = np.asarray(losses, np.float64)
    num = losses.size
    if num < 20 or not np.all(np.isfinite(losses)):
        return None
    window = num // 10
    first = float(losses[0])
    start = float(np.median(losses[:window]))
    end = float(np.median(losses[-window:]))
    # MAD / 0.6745 estimates the std of a difference of two steps, sqrt(2) times a step's
    noise = float(np.median(np.abs(np.diff(losses)))) / 0.6745 / math.sqrt(2.0)
    standard_error = 1.2533 * noise / math.sqrt(window)  # of a median of `window` steps
    rose_over_the_run = end - start > max(abs(start), 1.0, 10.0 * standard_error)
    rose_from_the_first_step = end - first > max(1000.0 * max(abs(first), 1.0),
                                                 10.0 * (noise + standard_error))
    if not (rose_over_the_run or rose_from_the_first_step):
        return None
    return (
        f"fit: the loss diverged: it was {first:.4g} at the first step and grew to {end:.4g} "
        f"(median of the last {window} steps; {start:.4g} over the first {window}), so the "
        f"fit's parameters do not approximate the posterior. Check the optimizer: its learning "
        f"rate must be a positive number (optax.adam(None) or a negative rate climbs the loss "
        f"instead of descending it); if it is positive, try a smaller one such as "
        f"optax.adam(1e-3), or a schedule"
    )


def _uniform_start(posterior, key, radius=2.0):
    """A uniform draw in (-radius, radius) on the unconstrained space, unchecked (no compile)."""
    template = posterior.unconstrained_template()
    keys = jax.random.split(key, len(template))
    z = {name: jax.random.uniform(k, s.shape, s.dtype, -radius, radius)
         for k, (name, s) in zip(keys, sorted(template.items()), strict=True)}
    return posterior.flatten(z)


@functools.partial(jax.jit, static_argnums=2)
def _quick_params(posterior, key, guide):
    # one compiled call instead of a dozen eager ones (each of which compiles a kernel)
    key_position, key_guide = jax.random.split(key)
    return guide.init(key_guide, _uniform_start(posterior, key_position))


def _initial_params(posterior, guide, key, init, init_params, checked=False):
    """Initial guide parameters. Unless ``checked``, the default uniform start is drawn without
    ``Posterior.init``'s compiled finiteness check (the first step checks it; see ``fit``)."""
    if init == "uniform" and not checked and init_params is None:
        return _quick_params(posterior, key, guide)
    key_position, key_guide = jax.random.split(key)
    if isinstance(init, dict):
        z = posterior.init(key_position, 1, values=init)
    elif init not in INIT_STRATEGIES:
        raise ValueError(f"fit: init must be one of {INIT_STRATEGIES} or a dict of initial "
                         f"values, got {init!r}")
    elif init == "uniform" and not checked:
        z = None
    else:
        z = posterior.init(key_position, 1, strategy=init)
    if z is None:
        loc = _uniform_start(posterior, key_position)
    else:
        loc = posterior.flatten(jax.tree_util.tree_map(lambda x: x[0], z))
    params = guide.init(key_guide, loc)
    if init_params is None:
        return params
    expected = jax.tree_util.tree_structure(params)
    given = jax.tree_util.tree_structure(init_params)
    if expected != given:
        raise ValueError(f"fit: init_params does not match the {guide.name!r} guide's "
                         f"parameters; expected the structure {expected}, got {given}")
    for a, b in zip(jax.tree_util.tree_leaves(params), jax.tree_util.tree_leaves(init_params),
                    strict=True):
        if np.shape(a) != np.shape(b):
            raise ValueError(f"fit: init_params has a leaf of shape {np.shape(b)} where the "
                             f"guide expects {np.shape(a)}")
    check_finite_arrays("fit", "init_params leaf",
                        dict(enumerate(jax.tree_util.tree_leaves(init_params))))
    return jax.tree_util.tree_map(lambda a, b: jnp.asarray(b, jnp.result_type(a)), params,
                                  init_params)


def fit(
    posterior: Posterior,
    guide="meanfield",
    *,
    key,
    num_steps: int = 10_000,
    optimizer=None,
    num_particles: int = 1,
    objective: str = "elbo",
    entropy: str = "auto",
    stick_the_landing: bool = False,
    data=None,
    batch_size: int | None = None,
    init: str | dict = "uniform",
    init_params=None,
    tol: float | None = None,
    progress_bar: bool = True,
    **guide_options,
) -> VIResult:
    """Fit a variational approximation to a posterior by maximising the ELBO.

    The guide lives on the posterior's flat unconstrained space (``posterior.flatten``);
    its samples are mapped onto the supports by the posterior's bijectors, so
    ``fit.surrogate`` is a distribution over the constrained latents.

    Args:
        posterior: a [`Posterior`][probflow.models.posterior.Posterior] (``model.condition(...)``).
        guide: ``"meanfield"`` (diagonal normal, default), ``"fullrank"`` (normal with a
            lower-triangular scale), ``"lowrank"`` (diagonal plus rank-``k`` scale, option
            ``rank=``), ``"flow"`` (a normalizing flow, options ``kind=``, ``num_layers=``,
            ``hidden_units=``), ``"map"`` (point estimate at the mode), or a guide object
            ([`MeanField`][probflow.vi.guides.MeanField], ...,
            [`CustomGuide`][probflow.vi.guides.CustomGuide]).
        key: PRNG key (keyword).
        num_steps: optimisation steps (default 10 000).
        optimizer: an optax optimizer (default ``optax.adam(1e-2)``); schedules work as usual.
        num_particles: Monte Carlo draws per step.
        objective: ``"elbo"`` (default) or ``"iwae"`` (importance-weighted bound over the
            ``num_particles`` draws).
        entropy: ``"auto"`` (closed form when the guide has one, unless
            ``stick_the_landing`` or ``"iwae"``), ``"analytic"`` or ``"mc"``.
        stick_the_landing: drop the score term of the ``log q`` gradient (lower variance near
            the optimum).
        data, batch_size: minibatches. ``data`` is ``{name: array}`` or a list of names;
            names are array arguments of the ``@pf.model`` function or observed variables,
            all with the same leading length ``N``. Each step uses ``batch_size`` distinct
            rows and scales their log likelihood by ``N / batch_size``.
        init: starting point of the guide's location: ``"uniform"`` (default: uniform in
            (-2, 2) on the unconstrained space; when the loss is not finite there, ``fit``
            restarts from a point ``Posterior.init`` has checked), ``"prior"``, ``"median"``
            (see ``Posterior.init``), or a dict of constrained values.
        init_params: parameters to start from (e.g. ``fit.params`` of an earlier run).
        tol: stop early when the relative change of the smoothed loss between chunks (about
            ``num_steps / 40`` steps each, rounded up to a power of two) falls below ``tol``.
        progress_bar: show a tqdm bar with the smoothed negative ELBO.
        **guide_options: options of a named guide (``rank=2``, ``init_scale=0.1``, ...).

    Returns:
        [`VIResult`][probflow.vi.result.VIResult] with ``surrogate``, ``losses``, ``params`` and
        ``sample(key, num_samples)`` (``arviz.InferenceData``).

    Raises:
        NonFiniteLossError: the loss or gradient became NaN/inf; the message names the step
            and ``err.last_params`` holds the last finite parameters.

    Warns:
        FitWarning: the loss diverged (the median loss of the last 10% of the steps lies far
            above that of the first 10%, e.g. with a negative or missing learning rate); or
            the run was interrupted. Ctrl-C (``KeyboardInterrupt``) during the optimisation
            stops it within a moment and returns the fit so far: the parameters of the last
            completed chunk, its losses and ``interrupted=True`` (continue with ``resume``).

    Examples:
        >>> import jax, jax.numpy as jnp, optax
        >>> import probflow as pf
        >>> from probflow import distributions as pfd
        >>> @pf.model
        ... def m():
        ...     mu = yield pfd.Normal(0.0, 10.0, name="mu")
        ...     sigma = yield pfd.HalfNormal(5.0, name="sigma")
        ...     yield pfd.Normal(jnp.full(50, mu), sigma, name="y")
        >>> y = 2.0 + jax.random.normal(jax.random.key(0), (50,))
        >>> fit = pf.vi.fit(m().condition(y=y), key=jax.random.key(1), num_steps=1000,
        ...                 optimizer=optax.adam(3e-2), progress_bar=False)
        >>> draws = fit.surrogate.sample(jax.random.key(2), (1000,))
        >>> bool(abs(float(draws["mu"].mean()) - float(y.mean())) < 0.1)
        True
    """
    key = as_typed_key(key)
    if not isinstance(posterior, Posterior):
        raise TypeError(f"fit: posterior must be a pf.Posterior (model.condition(...)), got "
                        f"{type(posterior).__name__}")
    if not posterior.latent_names:
        raise ValueError("fit: the posterior has no latent variables to fit")
    num_steps = check_count("fit", "num_steps", num_steps)
    if tol is not None and not (isinstance(tol, int | float) and tol >= 0):
        raise ValueError(f"fit: tol must be a non-negative number or None, got {tol!r}")
    guide = make_guide(guide, **guide_options)
    optimizer = DEFAULT_OPTIMIZER if optimizer is None else optimizer
    if not (hasattr(optimizer, "init") and hasattr(optimizer, "update")):
        raise TypeError(f"fit: optimizer must be an optax GradientTransformation, got "
                        f"{optimizer!r}")
    posterior, plan = plan_minibatches(posterior, data, batch_size)
    key_init, key_run = jax.random.split(key)
    params = _initial_params(posterior, guide, key_init, init, init_params)
    elbo = resolve_elbo_config(guide, params, num_particles=num_particles, objective=objective,
                               entropy=entropy, stick_the_landing=stick_the_landing)
    try:
        return _fit_from(posterior, guide, optimizer, elbo, plan, params, None, key_run,
                         num_steps, tol, progress_bar, previous_losses=None)
    except NonFiniteLossError as err:
        if not (err.step == 0 and init == "uniform" and init_params is None):
            raise
    # The quick uniform start had a non-finite density: start again from a checked point
    # (Posterior.init redraws until the density and its gradient are finite).
    params = _initial_params(posterior, guide, key_init, init, None, checked=True)
    return _fit_from(posterior, guide, optimizer, elbo, plan, params, None, key_run,
                     num_steps, tol, progress_bar, previous_losses=None)


def _fit_from(posterior, guide, optimizer, elbo, plan, params, opt_state, key, num_steps, tol,
              progress_bar, previous_losses):
    spec_base = {"guide": guide, "optimizer": optimizer, "elbo": elbo, "plan": plan}
    params, opt_state, losses, converged, interrupted = _optimise(
        spec_base, posterior, params, opt_state, key, num_steps, tol, progress_bar,
        f"vi/{guide.name}")
    if interrupted:
        warnings.warn(
            f"fit: interrupted (KeyboardInterrupt) after {losses.size} of {num_steps} steps; "
            f"the result holds the parameters and the losses of the steps done. Continue "
            f"with result.resume(num_steps, key=...)", FitWarning, stacklevel=3)
    else:
        message = _divergence_message(losses)
        if message is not None:
            warnings.warn(message, FitWarning, stacklevel=3)
    if previous_losses is not None:
        losses = np.concatenate([np.asarray(previous_losses), losses])
    return VIResult(posterior, params, opt_state, losses, guide=guide, optimizer=optimizer,
                    elbo=elbo, plan=plan, converged=converged, interrupted=interrupted)


def continue_fit(result: VIResult, num_steps: int, *, key, tol=None,
                 progress_bar: bool = True) -> VIResult:
    """Continue a [`fit`][probflow.vi.fit.fit] result (what
    [`VIResult.resume`][probflow.vi.result.VIResult.resume] calls).

    Examples:
        >>> import jax
        >>> import probflow as pf
        >>> from probflow import distributions as pfd
        >>> @pf.model
        ... def m():
        ...     yield pfd.Normal(0.0, 1.0, name="mu")
        >>> fit = pf.vi.fit(m().condition(), key=jax.random.key(0), num_steps=10,
        ...                 progress_bar=False)
        >>> continue_fit(fit, 5, key=jax.random.key(1), progress_bar=False).num_steps
        15
    """
    key = as_typed_key(key)
    num_steps = check_count("fit", "num_steps", num_steps)
    return _fit_from(result.posterior, result.guide, result.optimizer, result.elbo, result.plan,
                     result.params, result.opt_state, key, num_steps, tol, progress_bar,
                     previous_losses=result.losses)
