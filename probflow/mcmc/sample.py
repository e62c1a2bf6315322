"""``pf.mcmc.sample`` and ``pf.mcmc.extend``: the user-facing MCMC driver.

It checks the arguments, draws or checks initial positions, runs the compiled chains
(:func:`~probflow.mcmc.chains.run_chains`: warm-up and sampling in one scan), converts the
draws to ``arviz.InferenceData`` through :func:`~probflow.models.to_inference_data`, warns
about convergence problems in plain words, and keeps the final state and tuned parameters
on the result (``idata.mcmc_run``) so that :func:`extend` can continue the chains.
"""

from __future__ import annotations

import dataclasses
import warnings
from collections.abc import Callable
from typing import Any

import jax
import jax.numpy as jnp
import numpy as np
from jax.flatten_util import ravel_pytree

from probflow.core.checks import check_count
from probflow.core.errors import ShapeError
from probflow.core.keys import as_key
from probflow.diagnostics.checks import warn_convergence
from probflow.mcmc.adaptation import AdaptationState
from probflow.mcmc.chains import CHAIN_METHODS, RunConfig, RunOutput, run_chains
from probflow.mcmc.nuts import NUTS
from probflow.mcmc.progress import ProgressBar
from probflow.models.inference_data import to_inference_data
from probflow.models.posterior import INIT_STRATEGIES, InitializationError, Posterior

__all__ = ["sample", "extend", "MCMCRun"]


@dataclasses.dataclass(frozen=True)
class MCMCRun:
    """Everything needed to continue a run: kept on the result as ``idata.mcmc_run``.

    Attributes:
        target: the Posterior or log-density function sampled.
        kernel: the transition kernel.
        states: final kernel states (leading axis = chains).
        adaptation: final tuning; ``adaptation.step_size`` and
            ``adaptation.inverse_mass_matrix`` hold each chain's tuned parameters.
        config: the run's static configuration.
        num_draws: draws so far per chain.

    Examples:
        >>> import jax, jax.numpy as jnp
        >>> import probflow as pf
        >>> idata = pf.mcmc.sample(lambda p: -0.5 * jnp.sum(p["x"] ** 2), key=jax.random.key(0),
        ...                        initial_position={"x": jnp.zeros((2, 3))}, num_chains=2,
        ...                        num_warmup=50, num_samples=50, progress_bar=False, warn=False)
        >>> idata.mcmc_run.adaptation.inverse_mass_matrix.shape
        (2, 3)
    """

    target: Any
    kernel: Any
    states: Any
    adaptation: AdaptationState
    config: RunConfig
    num_draws: int

    @property
    def step_size(self) -> np.ndarray:
        """Tuned step size of each chain."""
        return np.asarray(self.adaptation.step_size)

    @property
    def inverse_mass_matrix(self) -> np.ndarray:
        """Tuned inverse mass matrix of each chain (``(chains, d)`` or ``(chains, d, d)``)."""
        return np.asarray(self.adaptation.inverse_mass_matrix)


def _leaf_names(tree) -> list[str]:
    paths = jax.tree_util.tree_flatten_with_path(tree)[0]
    names = []
    for path, _ in paths:
        parts = [str(getattr(p, "key", getattr(p, "idx", getattr(p, "name", p)))) for p in path]
        names.append(".".join(parts) or "x")
    return names


def _check_initial_position(initial_position, num_chains: int):
    leaves = jax.tree_util.tree_leaves(initial_position)
    if not leaves:
        raise ValueError("sample: initial_position is empty; give one array per variable with "
                         "a leading axis of length num_chains")
    names = _leaf_names(initial_position)
    shapes = {n: tuple(np.shape(x)) for n, x in zip(names, leaves, strict=True)}
    bad = {n: s for n, s in shapes.items() if len(s) < 1 or s[0] != num_chains}
    if bad:
        raise ShapeError(
            f"sample: every leaf of initial_position needs a leading axis of length num_chains="
            f"{num_chains} (one position per chain); got shapes {shapes}, mismatched: "
            f"{sorted(bad)}"
        )
    for n, x in zip(names, leaves, strict=True):
        if not jnp.issubdtype(jnp.result_type(x), jnp.floating):
            raise TypeError(f"sample: initial_position[{n!r}] must be floating point, got dtype "
                            f"{jnp.result_type(x)}")
        if not np.all(np.isfinite(np.asarray(x))):
            chain = int(np.argmin(np.isfinite(np.asarray(x)).reshape(num_chains, -1).all(1)))
            raise InitializationError(
                f"sample: initial_position[{n!r}] has non-finite values (first in chain "
                f"{chain}); give finite starting points"
            )
    return jax.tree_util.tree_map(jnp.asarray, initial_position)


def _initial_tuning(positions, step_size, inverse_mass_matrix, dense_mass):
    """``(step_size, inverse_mass_matrix)`` to start every chain from, checked."""
    one = jax.tree_util.tree_map(lambda x: x[0], positions)
    flat, _ = ravel_pytree(one)
    d, dtype = flat.shape[0], flat.dtype
    if inverse_mass_matrix is None:
        inverse_mass_matrix = np.eye(d) if dense_mass else np.ones(d)
    inverse_mass_matrix = np.asarray(inverse_mass_matrix, dtype)
    expected = (d, d) if dense_mass else (d,)
    if inverse_mass_matrix.shape != expected:
        raise ShapeError(
            f"sample: inverse_mass_matrix must have shape {expected} for {d} unconstrained "
            f"numbers with dense_mass={dense_mass}, got {inverse_mass_matrix.shape}"
        )
    if not (np.isfinite(step_size) and step_size > 0):
        raise ValueError(f"sample: step_size must be a finite positive number, got {step_size!r}")
    return np.asarray(step_size, dtype), inverse_mass_matrix


def _resolve_chain_method(chain_method: str, num_chains: int) -> str:
    if chain_method == "auto":
        return "parallel" if len(jax.devices()) > 1 and num_chains > 1 else "vectorized"
    if chain_method not in CHAIN_METHODS:
        raise ValueError(f"sample: chain_method must be one of {CHAIN_METHODS + ('auto',)}, got "
                         f"{chain_method!r}")
    return chain_method


def _initial_positions(target, key, num_chains, init, initial_position):
    if initial_position is not None:
        return _check_initial_position(initial_position, num_chains)
    if not isinstance(target, Posterior):
        raise ValueError("sample: initial_position is required when the target is a log-density "
                         "function (one position per chain, leading axis = chains)")
    if isinstance(init, dict):
        return target.init(key, num_chains, values=init)
    if init not in INIT_STRATEGIES:
        raise ValueError(f"sample: init must be one of {INIT_STRATEGIES} or a dict of initial "
                         f"values, got {init!r}")
    return target.init(key, num_chains, strategy=init)


def _describe_nonfinite(target, positions, finite) -> str:
    chains = [int(i) for i in np.flatnonzero(~np.asarray(finite))]
    chain = chains[0]
    position = jax.tree_util.tree_map(lambda x: x[chain], positions)
    fn = target.unconstrained_log_density if isinstance(target, Posterior) else target
    value, grad = jax.value_and_grad(fn)(position)
    bad = [n for n, g in zip(_leaf_names(grad), jax.tree_util.tree_leaves(grad), strict=True)
           if not np.all(np.isfinite(np.asarray(g)))]
    return (f"sample: the log density is not finite at the initial position of chain"
            f"{'s' if len(chains) > 1 else ''} {chains} (log density {float(value)!r} at chain "
            f"{chain}; non-finite gradient for {bad or 'no variable'}). Give starting points "
            f"inside the support where the density is finite.")


def _to_idata(target, out: RunOutput, config: RunConfig, attrs: dict):
    draws, warmup_draws = out.constrained, out.warmup_constrained
    if not isinstance(target, Posterior):
        names = _leaf_names(out.draws)
        draws = dict(zip(names, jax.tree_util.tree_leaves(out.draws), strict=True))
        if out.warmup_draws is not None:
            warmup_draws = dict(zip(names, jax.tree_util.tree_leaves(out.warmup_draws),
                                    strict=True))
        posterior = None
    else:
        posterior = target
    return to_inference_data(
        posterior,
        draws=draws,
        sample_stats=out.stats,
        log_likelihood=out.log_likelihood,
        warmup_draws=warmup_draws if config.save_warmup else None,
        warmup_sample_stats=out.warmup_stats if config.save_warmup else None,
        attrs=attrs,
    )


def _execute(target, kernel, config: RunConfig, key, positions, tuning, num_chains, warn,
             num_draws_before=0):
    posterior = target if isinstance(target, Posterior) else None
    total = (config.num_warmup + config.num_samples * config.thin) * (
        num_chains if config.chain_method == "sequential" else 1)
    with ProgressBar(total, config.num_warmup, disable=not config.progress) as bar:
        out = run_chains(config, posterior, key, positions, tuning, np.int32(bar.id))
        jax.block_until_ready(out.stats)
    finite = np.asarray(out.initial_finite)
    if not finite.all():
        raise InitializationError(_describe_nonfinite(target, positions, finite))
    attrs = {"sampler": type(kernel).__name__, "inference_library": "probflow"}
    idata = _to_idata(target, out, config, attrs)
    idata.mcmc_run = MCMCRun(target, kernel, out.states, out.adaptation, config,
                             num_draws_before + config.num_samples)
    if warn:
        warn_convergence(idata, max_tree_depth=getattr(kernel, "max_tree_depth", None))
    return idata


def sample(
    target: Posterior | Callable,
    kernel=None,
    *,
    key,
    num_chains: int = 4,
    num_warmup: int = 1000,
    num_samples: int = 1000,
    thin: int = 1,
    init: str | dict = "uniform",
    initial_position=None,
    chain_method: str = "vectorized",
    progress_bar: bool = True,
    target_accept: float | None = None,
    dense_mass: bool = False,
    step_size: float = 1.0,
    inverse_mass_matrix=None,
    adapt_step_size: bool = True,
    adapt_mass_matrix: bool = True,
    save_warmup: bool = False,
    warn: bool = True,
):
    """Draw posterior samples with MCMC (NUTS by default) and return ``arviz.InferenceData``.

    Warm-up follows Stan: dual-averaging step size (aiming at ``target_accept``), a
    diagonal (or, with ``dense_mass=True``, dense) mass matrix from regularised Welford
    estimates over windows of 75 / 25, 50, 100, ... / 50 iterations. Warm-up and sampling
    run in one compiled ``lax.scan``; calling again with new data of the same shape (or the
    same log-density function) reuses the compiled code.

    Args:
        target: a :class:`~probflow.models.Posterior` (sampled on its unconstrained space;
            draws are reported constrained, with deterministics, dims and coords) or a log
            density ``f(position) -> scalar`` of a PyTree (then ``initial_position`` is needed).
        kernel: :class:`NUTS` (default), :class:`HMC`, :class:`MALA` or
            :class:`RandomWalkMetropolis`.
        key: a JAX PRNG key (keyword).
        num_chains, num_warmup, num_samples, thin: chains, warm-up iterations, kept draws per
            chain, and iterations per kept draw.
        init: for a Posterior: ``"uniform"`` (uniform in (-2, 2) on the unconstrained space,
            Stan's default), ``"prior"``, ``"median"``, or a dict of constrained initial values
            for some latents. Chains with a non-finite density are redrawn (100 tries).
        initial_position: a PyTree of unconstrained positions with a leading axis of length
            ``num_chains``; required for a log-density target.
        chain_method: ``"vectorized"`` (vmap, default), ``"sequential"`` (one chain after
            another, same compiled code), ``"parallel"`` (chains sharded over
            ``jax.devices()``) or ``"auto"``.
        progress_bar: show a tqdm bar (warm-up/sampling, divergences so far, step size).
        target_accept: dual averaging's target acceptance statistic (default: the kernel's,
            0.8 for NUTS and HMC).
        dense_mass: adapt a dense instead of a diagonal mass matrix.
        step_size, inverse_mass_matrix: starting values (or the values used when adaptation
            is switched off).
        adapt_step_size, adapt_mass_matrix: switch parts of the warm-up off.
        save_warmup: keep warm-up draws (groups ``warmup_posterior``, ``warmup_sample_stats``).
        warn: issue :class:`~probflow.diagnostics.ConvergenceWarning` s after the run.

    Returns:
        ``arviz.InferenceData`` with ``posterior``, ``sample_stats`` (``lp``, ``diverging``,
        ``energy``, ``n_steps``, ``step_size``, ``acceptance_rate`` and for NUTS ``tree_depth``,
        ``reached_max_treedepth``) and, for a Posterior, ``log_likelihood``, ``observed_data``
        and ``constant_data``. ``idata.mcmc_run`` (:class:`MCMCRun`) holds the final state and
        the tuned parameters for :func:`extend`.

    Examples:
        >>> import jax, jax.numpy as jnp
        >>> import probflow as pf
        >>> from probflow import distributions as pfd
        >>> @pf.model
        ... def coin():
        ...     p = yield pfd.Beta(1.0, 1.0, name="p")
        ...     yield pfd.Binomial(10, probs=p, name="heads")
        >>> idata = pf.mcmc.sample(coin().condition(heads=7.0), key=jax.random.key(0),
        ...                        num_warmup=200, num_samples=200, progress_bar=False)
        >>> idata.posterior["p"].shape
        (4, 200)
        >>> bool(abs(float(idata.posterior["p"].mean()) - 8 / 12) < 0.05)
        True
    """
    key = as_key(key)
    num_chains = check_count("sample", "num_chains", num_chains)
    num_warmup = check_count("sample", "num_warmup", num_warmup, 0)
    num_samples = check_count("sample", "num_samples", num_samples)
    thin = check_count("sample", "thin", thin)
    kernel = NUTS() if kernel is None else kernel
    if not (hasattr(kernel, "init") and hasattr(kernel, "step")):
        raise TypeError(f"sample: kernel must be a kernel such as pf.mcmc.NUTS(), got {kernel!r}")
    if not isinstance(target, Posterior) and not callable(target):
        raise TypeError(f"sample: target must be a pf.Posterior or a log-density function, got "
                        f"{type(target).__name__}")
    chain_method = _resolve_chain_method(chain_method, num_chains)
    target_accept = kernel.default_target_accept if target_accept is None else target_accept
    if not 0.0 < float(target_accept) < 1.0:
        raise ValueError(f"sample: target_accept must be in (0, 1), got {target_accept!r}")
    if isinstance(target, Posterior) and initial_position is None:
        key_init, key = jax.random.split(key)
    else:
        key_init = None  # (no key operations outside the compiled run: each would compile)
    positions = _initial_positions(target, key_init, num_chains, init, initial_position)
    tuning = _initial_tuning(positions, step_size, inverse_mass_matrix, dense_mass)
    config = RunConfig(
        kernel=kernel,
        logdensity_fn=None if isinstance(target, Posterior) else target,
        num_warmup=num_warmup,
        num_samples=num_samples,
        thin=thin,
        chain_method=chain_method,
        progress=bool(progress_bar),
        target_accept=float(target_accept),
        adapt_step_size=bool(adapt_step_size),
        adapt_mass_matrix=bool(adapt_mass_matrix),
        save_warmup=bool(save_warmup),
    )
    return _execute(target, kernel, config, key, positions, tuning, num_chains, warn)


def extend(idata, num_samples: int, *, key, progress_bar: bool = True, warn: bool = True):
    """Continue the chains of a :func:`sample` result with more draws (no new warm-up).

    The chains start from their final states with their tuned step sizes and mass
    matrices; the new draws are appended along ``draw`` to a copy of ``idata`` (the
    original is not modified).

    Args:
        idata: a result of :func:`sample` or :func:`extend`.
        num_samples: more draws per chain.
        key: a fresh PRNG key.
        progress_bar, warn: as in :func:`sample`.

    Examples:
        >>> import jax, jax.numpy as jnp
        >>> import probflow as pf
        >>> logdensity_fn = lambda p: -0.5 * jnp.sum(p["x"] ** 2)
        >>> idata = pf.mcmc.sample(logdensity_fn, key=jax.random.key(0), num_chains=2,
        ...                        initial_position={"x": jnp.zeros((2, 1))}, num_warmup=100,
        ...                        num_samples=100, progress_bar=False, warn=False)
        >>> longer = pf.mcmc.extend(idata, 50, key=jax.random.key(1), progress_bar=False,
        ...                         warn=False)
        >>> longer.posterior.sizes["draw"]
        150
    """
    import arviz as az

    run = getattr(idata, "mcmc_run", None)
    if not isinstance(run, MCMCRun):
        raise ValueError("extend: idata has no mcmc_run; pass the result of pf.mcmc.sample "
                         "(saving to disk and loading again does not keep the sampler state)")
    key = as_key(key)
    num_samples = check_count("sample", "num_samples", num_samples)
    config = run.config._replace(num_warmup=0, num_samples=num_samples,
                                 progress=bool(progress_bar), save_warmup=False)
    num_chains = np.shape(run.adaptation.step_size)[0]
    positions = run.states.position
    more = _execute(run.target, run.kernel, config, key, positions, run.adaptation, num_chains,
                    warn=False, num_draws_before=run.num_draws)
    offset = idata.posterior.sizes["draw"]
    combined = idata.copy()
    for group in ("posterior", "sample_stats", "log_likelihood"):
        if group in more.groups() and group in combined.groups():
            new = more[group].assign_coords(draw=more[group].coords["draw"] + offset)
            setattr(combined, group, az.concat(
                az.InferenceData(**{group: combined[group]}),
                az.InferenceData(**{group: new}), dim="draw")[group])
    combined.mcmc_run = more.mcmc_run
    if warn:
        with warnings.catch_warnings():
            warnings.simplefilter("default")
            warn_convergence(combined, max_tree_depth=getattr(run.kernel, "max_tree_depth",
                                                              None))
    return combined
