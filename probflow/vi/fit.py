"""``pf.vi.fit``: stochastic variational inference on a Posterior's unconstrained space.

The guide's parameters are trained with an optax optimizer on a Monte Carlo estimate of the
negative ELBO ([`negative_elbo`][probflow.vi.elbo.negative_elbo]) in compiled chunks of steps
([`probflow.vi.loop`][probflow.vi.loop]). By default the result's parameters are the mean of the
iterates over the last half of the run (iterate averaging), and the run stops early when the
windowed mean loss has stopped changing (the convergence rule). Every result reports the Pareto
k-hat of the importance ratios between the posterior and the approximation
([`probflow.vi.psis`][probflow.vi.psis]), with a warning above 0.7. After the run, a loss that
ended far above its start gives a warning.
"""

from __future__ import annotations

import functools
import math
import os
import warnings
from typing import Any, Literal

import jax
import jax.numpy as jnp
import numpy as np
import optax

from probflow.core.checkpoint_args import checkpoint_paths
from probflow.core.checks import check_count
from probflow.core.keys import as_typed_key
from probflow.models.checks import check_finite_arrays
from probflow.models.posterior import INIT_STRATEGIES, Posterior
from probflow.typing import Array, ArrayLike, PRNGKey, PyTree
from probflow.vi.checkpoint import VICheckpoint, VIRunState, restore_run, run_header
from probflow.vi.elbo import ELBOConfig, resolve_elbo_config
from probflow.vi.guides import Guide, make_guide
from probflow.vi.loop import NUM_CHUNKS, initial_state, optimise
from probflow.vi.minibatch import MinibatchPlan, plan_minibatches
from probflow.vi.psis import approximation_khat, warn_if_unreliable
from probflow.vi.result import FitWarning, NonFiniteLossError, VIResult

__all__ = ["fit", "continue_fit", "NUM_CHUNKS", "DEFAULT_OPTIMIZER", "DEFAULT_AVERAGE",
           "DEFAULT_TOL", "DEFAULT_PSIS_DRAWS"]

DEFAULT_OPTIMIZER = optax.adam(1e-2)
DEFAULT_AVERAGE = 0.5
DEFAULT_TOL = 1e-4
DEFAULT_PSIS_DRAWS = 1000


def _divergence_message(losses: np.ndarray, label: str = "fit") -> str | None:
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
        f"{label}: the loss diverged: it was {first:.4g} at the first step and grew to {end:.4g} "
        f"(median of the last {window} steps; {start:.4g} over the first {window}), so the "
        f"fit's parameters do not approximate the posterior. Check the optimizer: its learning "
        f"rate must be a positive number (optax.adam(None) or a negative rate climbs the loss "
        f"instead of descending it); if it is positive, try a smaller one such as "
        f"optax.adam(1e-3), or a schedule"
    )


def _uniform_start(posterior: Posterior, key: PRNGKey, radius: float = 2.0) -> Array:
    """A uniform draw in (-radius, radius) on the unconstrained space, unchecked (no compile)."""
    template = posterior.unconstrained_template()
    keys = jax.random.split(key, len(template))
    z = {name: jax.random.uniform(k, s.shape, s.dtype, -radius, radius)
         for k, (name, s) in zip(keys, sorted(template.items()), strict=True)}
    return posterior.flatten(z)


@functools.partial(jax.jit, static_argnums=2)
def _quick_params(posterior: Posterior, key: PRNGKey, guide: Guide) -> PyTree:
    # one compiled call instead of a dozen eager ones (each of which compiles a kernel)
    key_position, key_guide = jax.random.split(key)
    return guide.init(key_guide, _uniform_start(posterior, key_position))


def _initial_params(posterior: Posterior, guide: Guide, key: PRNGKey,
                    init: str | dict[str, ArrayLike], init_params: PyTree | None,
                    checked: bool = False) -> PyTree:
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
    guide: str | Guide = "meanfield",
    *,
    key: PRNGKey,
    num_steps: int = 10_000,
    optimizer: optax.GradientTransformation | None = None,
    num_particles: int = 1,
    objective: Literal["elbo", "iwae"] = "elbo",
    entropy: Literal["auto", "analytic", "mc"] = "auto",
    stick_the_landing: bool = False,
    data: dict[str, ArrayLike] | list[str] | tuple[str, ...] | None = None,
    batch_size: int | None = None,
    init: Literal["uniform", "prior", "median"] | dict[str, ArrayLike] = "uniform",
    init_params: PyTree | None = None,
    tol: float | None = DEFAULT_TOL,
    average: float = DEFAULT_AVERAGE,
    num_psis_draws: int = DEFAULT_PSIS_DRAWS,
    progress_bar: bool = True,
    checkpoint: str | os.PathLike[str] | None = None,
    checkpoint_every: int | None = None,
    resume: str | os.PathLike[str] | bool | None = None,
    **guide_options: Any,
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
        tol: the convergence rule (default ``1e-4``; ``None`` runs all ``num_steps``). The
            losses are averaged over windows of ``num_steps / 40`` steps (rounded up to a
            power of two); when the relative change of that mean between windows is at most
            ``tol`` twice in a row, the run has converged: it averages the iterates over as
            many more steps as ``average`` asks (the same number again for 0.5) and stops.
            ``result.converged`` and ``result.num_steps`` report it.
        average: the fraction of the run, at its end, whose iterates are averaged into the
            result's ``params`` (Polyak-Ruppert averaging; default 0.5, the last half). The
            iterates of a stochastic optimiser with a constant learning rate wander around
            the optimum; their mean lies much closer to it, so the defaults give accurate
            answers without a learning-rate schedule. ``0`` returns the last iterate (as
            before; use it with your own decaying schedule). The last iterate is kept in
            ``result.last_params`` and a resumed run continues from it.
        num_psis_draws: draws from the fitted approximation used to compute the Pareto
            k-hat of the importance ratios (``result.khat``, default 1000; 0 skips it).
        progress_bar: show a tqdm bar with the smoothed negative ELBO.
        checkpoint: path of a checkpoint file for the run's state (guide parameters,
            optimizer state, steps done, minibatch order, iterate sums, losses), replaced
            atomically after the chunk where ``checkpoint_every`` steps have passed since the
            last save, at the end and on Ctrl-C (see
            [`probflow.vi.checkpoint`][probflow.vi.checkpoint]). A new run never overwrites
            an existing file.
        checkpoint_every: steps between saves (rounded up to the end of a compiled chunk;
            default: a minute; on resume, the run's own setting).
        resume: a checkpoint path: continue that run (pass the interrupted call's posterior,
            guide, optimizer, ``num_steps``, ``key`` and other options; each is checked and
            another raises a [`CheckpointError`][probflow.core.checkpoint.CheckpointError]).
            The result equals the uninterrupted run's. ``resume=True`` resumes
            ``checkpoint`` if that file exists and starts afresh otherwise. The run keeps
            saving (into ``checkpoint``, by default the same file).
        **guide_options: options of a named guide (``rank=2``, ``init_scale=0.1``, ...).

    Returns:
        [`VIResult`][probflow.vi.result.VIResult] with ``surrogate``, ``losses``, ``params``,
        ``converged``, ``khat`` and ``sample(key, num_samples)`` (``arviz.InferenceData``).

    Raises:
        NonFiniteLossError: the loss or gradient became NaN/inf; the message names the step
            and ``err.last_params`` holds the last finite parameters.

    Warns:
        ApproximationWarning: the Pareto k-hat of the importance ratios is above 0.7: the
            approximation is not reliable (try ``"fullrank"``, ``"flow"`` or NUTS).
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
    tol, average, num_psis_draws = _check_run_options("fit", tol, average, num_psis_draws)
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
    checkpoint, resume = checkpoint_paths("fit", checkpoint, checkpoint_every, resume)
    writer = resumed = None
    if checkpoint is not None or resume is not None:
        header = run_header(posterior, guide, optimizer, elbo, plan, params, key=key,
                            num_steps=num_steps, tol=tol, average=average,
                            every=checkpoint_every)
        if resume is not None:
            resumed = restore_run(resume, header, optimizer,
                                  initial_state(optimizer, plan, params, None, average))
            if checkpoint_every is None:
                checkpoint_every = resumed.every
        path = checkpoint or resume
        assert path is not None  # one of them is set here
        writer = VICheckpoint(path, header, checkpoint_every,
                              0 if resumed is None else int(resumed.state.step))
    options: dict[str, Any] = dict(
        tol=tol, average=average, num_psis_draws=num_psis_draws, progress_bar=progress_bar,
        label="fit", previous=None, checkpoint=writer, resumed=resumed)
    try:
        return _fit_from(posterior, guide, optimizer, elbo, plan, params, None, key_run,
                         num_steps, **options)
    except NonFiniteLossError as err:
        if not (err.step == 0 and init == "uniform" and init_params is None
                and resumed is None):
            raise
    # The quick uniform start had a non-finite density: start again from a checked point
    # (Posterior.init redraws until the density and its gradient are finite).
    params = _initial_params(posterior, guide, key_init, init, None, checked=True)
    return _fit_from(posterior, guide, optimizer, elbo, plan, params, None, key_run,
                     num_steps, **options)


def _check_run_options(label: str, tol: Any, average: Any,
                       num_psis_draws: Any) -> tuple[float | None, float, int]:
    if tol is not None and not (isinstance(tol, int | float) and not isinstance(tol, bool)
                                and tol >= 0):
        raise ValueError(f"{label}: tol must be a non-negative number or None, got {tol!r}")
    if isinstance(average, bool) or not (isinstance(average, int | float)
                                         and 0 <= average < 1):
        raise ValueError(f"{label}: average must be a number in [0, 1) (the fraction of the "
                         f"run whose iterates are averaged; 0 keeps the last iterate), got "
                         f"{average!r}")
    num_psis_draws = check_count(label, "num_psis_draws", num_psis_draws, minimum=0)
    return tol, float(average), num_psis_draws


def _fit_from(posterior: Posterior, guide: Guide, optimizer: optax.GradientTransformation,
              elbo: ELBOConfig, plan: MinibatchPlan | None, params: PyTree,
              opt_state: PyTree | None, key: PRNGKey, num_steps: int, *, tol: float | None,
              average: float, num_psis_draws: int, progress_bar: bool, label: str,
              previous: VIResult | None, checkpoint: VICheckpoint | None = None,
              resumed: VIRunState | None = None) -> VIResult:
    key_run, key_psis = jax.random.split(key)
    out = optimise(guide, optimizer, elbo, plan, posterior, params, opt_state, num_steps,
                   key=key_run, tol=tol, average=average, progress_bar=progress_bar,
                   label=f"vi/{guide.name}" if label == "fit" else label, error_label=label,
                   checkpoint=checkpoint, resumed=resumed)
    losses = out.losses
    if out.interrupted:
        also = ("" if checkpoint is None else
                f", or in any process with fit(..., resume={checkpoint.path!r})")
        warnings.warn(
            f"{label}: interrupted (KeyboardInterrupt) after {losses.size} of {num_steps} "
            f"steps; the result holds the parameters and the losses of the steps done. "
            f"Continue with result.resume(num_steps, key=...){also}", FitWarning,
            stacklevel=3)
    else:
        message = _divergence_message(losses, label)
        if message is not None:
            warnings.warn(message, FitWarning, stacklevel=3)
    if previous is not None:
        losses = np.concatenate([np.asarray(previous.losses), losses])
    khat = float("nan")
    if guide.name != "map" and not out.interrupted:
        khat = approximation_khat(posterior, guide.distribution(out.params), key=key_psis,
                                  num_draws=num_psis_draws)
        warn_if_unreliable(label, khat, guide.name, stacklevel=4)
    return VIResult(posterior, out.params, out.opt_state, losses, guide=guide,  # pyright: ignore[reportCallIssue]
                    optimizer=optimizer, elbo=elbo, plan=plan, converged=out.converged,
                    interrupted=out.interrupted,
                    last_params=out.last_params if out.num_averaged else None,
                    num_averaged=out.num_averaged, khat=khat)


def continue_fit(result: VIResult, num_steps: int, *, key: PRNGKey,
                 tol: float | None = DEFAULT_TOL,
                 average: float = DEFAULT_AVERAGE, num_psis_draws: int = DEFAULT_PSIS_DRAWS,
                 progress_bar: bool = True) -> VIResult:
    """Continue a [`fit`][probflow.vi.fit.fit] result (what
    [`VIResult.resume`][probflow.vi.result.VIResult.resume] calls).

    The run starts from the last iterate (``result.last_params``, or ``result.params``) with
    the optimizer state kept; ``tol``, ``average`` and ``num_psis_draws`` are as in ``fit``
    and apply to the new steps (the result's ``params`` average the iterates of the last
    ``average`` fraction of them).

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
    num_steps = check_count("continue_fit", "num_steps", num_steps)
    tol, average, num_psis_draws = _check_run_options("continue_fit", tol, average,
                                                      num_psis_draws)
    if result.opt_state is None or result.optimizer is None:
        raise ValueError("continue_fit: this result has no optimizer state (a Laplace or "
                         "Pathfinder approximation); start pf.vi.fit from it with "
                         "init_params instead")
    start = result.params if result.last_params is None else result.last_params
    return _fit_from(result.posterior, result.guide, result.optimizer, result.elbo, result.plan,
                     start, result.opt_state, key, num_steps, tol=tol, average=average,
                     num_psis_draws=num_psis_draws, progress_bar=progress_bar,
                     label="continue_fit", previous=result)
