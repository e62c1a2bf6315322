"""``pf.mcmc.sample`` and ``pf.mcmc.extend``: the user-facing MCMC driver.

It checks the arguments (the kernel against the [`Kernel`][probflow.mcmc.base.Kernel] contract),
draws or checks initial positions, runs the compiled chains chunk by chunk
([`run_chains_chunked`][probflow.mcmc.chains.run_chains_chunked], which Ctrl-C stops cleanly),
converts the
draws to ``arviz.InferenceData`` through
[`to_inference_data`][probflow.models.inference_data.to_inference_data], warns
about convergence problems in plain words, and keeps the final state and tuned parameters
on the result (``idata.mcmc_run``) so that [`extend`][probflow.mcmc.sample.extend] can continue the
chains.
"""

from __future__ import annotations

import dataclasses
import os
import warnings
from typing import TYPE_CHECKING, Any, Literal

import jax
import jax.numpy as jnp
import numpy as np
from jax.flatten_util import ravel_pytree

from probflow.core.checkpoint import CheckpointError
from probflow.core.checks import check_count
from probflow.core.errors import ShapeError
from probflow.core.keys import as_key
from probflow.diagnostics.checks import warn_convergence
from probflow.mcmc.adaptation import WindowAdaptation
from probflow.mcmc.base import Adaptation, Kernel, check_adaptation, check_kernel
from probflow.mcmc.chains import (
    CHAIN_METHODS,
    InitialTuning,
    RunCarry,
    RunConfig,
    RunOutput,
    chunk_length,
    iterations_done,
    run_chains_chunked,
)
from probflow.mcmc.checkpoint import ChainStore, new_header, process_folder, restore_carry
from probflow.mcmc.chees import ChEESHMC
from probflow.mcmc.chees_adaptation import ChEESAdaptation
from probflow.mcmc.cross_chain import CrossChainAdaptation, is_cross_chain
from probflow.mcmc.distributed import is_multiprocess, local_chains
from probflow.mcmc.gradient_adaptation import GradientAdaptation
from probflow.mcmc.interrupt import DeferredInterrupt, InterruptedRunWarning
from probflow.mcmc.nuts import NUTS
from probflow.mcmc.progress import ProgressBar
from probflow.models.inference_data import to_inference_data
from probflow.models.posterior import INIT_STRATEGIES, InitializationError, Posterior
from probflow.typing import ArrayLike, LogDensityFn, PRNGKey, PyTree

if TYPE_CHECKING:
    import arviz as az

    from probflow.vi.pathfinder import PathfinderInit

__all__ = ["sample", "extend", "MCMCRun", "ADAPTATIONS"]

ADAPTATIONS: dict[str, type[WindowAdaptation] | type[GradientAdaptation]
                  | type[ChEESAdaptation]] = {
    "stan": WindowAdaptation, "nutpie": GradientAdaptation, "chees": ChEESAdaptation}
AdaptationName = Literal["stan", "nutpie", "chees"]
InitStrategy = Literal["uniform", "prior", "median", "pathfinder"]
ChainMethod = Literal["vectorized", "sequential", "parallel", "auto"]

DEFAULT_ADAPTATION: AdaptationName = "stan"


@dataclasses.dataclass(frozen=True)
class MCMCRun:
    """Everything needed to continue a run: kept on the result as ``idata.mcmc_run``.

    Attributes:
        target: the Posterior or log-density function sampled.
        kernel: the transition kernel.
        states: final kernel states (leading axis = chains).
        adaptation: final adaptation states; ``adaptation.step_size`` and
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

    target: Posterior | LogDensityFn
    kernel: Kernel
    states: Any
    adaptation: Any
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


def _leaf_names(tree: PyTree) -> list[str]:
    paths = jax.tree_util.tree_flatten_with_path(tree)[0]
    names = []
    for path, _ in paths:
        parts = [str(getattr(p, "key", getattr(p, "idx", getattr(p, "name", p)))) for p in path]
        names.append(".".join(parts) or "x")
    return names


def _check_initial_position(initial_position: PyTree, num_chains: int) -> PyTree:
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


def _has_sharded_data(target: object) -> bool:
    """Whether ``target`` holds arrays split over devices by ``pf.shard_data``."""
    from probflow.models.sharding import DATA_AXIS

    for leaf in jax.tree_util.tree_leaves(target) if isinstance(target, Posterior) else ():
        mesh = getattr(getattr(leaf, "sharding", None), "mesh", None)
        if mesh is not None and DATA_AXIS in getattr(mesh, "axis_names", ()):
            return True
    return False


def _resolve_chain_method(chain_method: str, num_chains: int, target: object = None) -> str:
    if chain_method not in CHAIN_METHODS + ("auto",):
        raise ValueError(f"sample: chain_method must be one of {CHAIN_METHODS + ('auto',)}, got "
                         f"{chain_method!r}")
    sharded = _has_sharded_data(target)
    if chain_method == "auto":
        parallel = len(jax.devices()) > 1 and num_chains > 1 and not sharded
        return "parallel" if parallel else "vectorized"
    if chain_method == "parallel" and sharded:
        raise ValueError("sample: chain_method='parallel' splits the chains over the devices, "
                         "and the data are already split over them by pf.shard_data; use "
                         "chain_method='vectorized' (the chains as one batch, each likelihood "
                         "summed across the devices)")
    return chain_method


def _initial_positions(target: Posterior | LogDensityFn, key: PRNGKey | None, num_chains: int,
                       init: InitStrategy | dict[str, Any],
                       initial_position: PyTree) -> PyTree | PathfinderInit:
    if initial_position is not None:
        return _check_initial_position(initial_position, num_chains)
    if not isinstance(target, Posterior):
        raise ValueError("sample: initial_position is required when the target is a log-density "
                         "function (one position per chain, leading axis = chains)")
    assert key is not None  # (sample splits off key_init for a Posterior without positions)
    if isinstance(init, dict):
        return target.init(key, num_chains, values=init)
    if init == "pathfinder":
        from probflow.vi.pathfinder import initial_positions

        return initial_positions(target, num_chains, key=key)
    if init not in INIT_STRATEGIES:
        raise ValueError(f"sample: init must be one of {INIT_STRATEGIES + ('pathfinder',)} or a "
                         f"dict of initial values, got {init!r}")
    return target.init(key, num_chains, strategy=init)


def _from_pathfinder(start: PathfinderInit, adaptation: Adaptation | CrossChainAdaptation,
                     ) -> tuple[dict[str, Any], Adaptation | CrossChainAdaptation]:
    """Pathfinder's starting points; its diagonal inverse mass matrix starts Stan's warm-up
    when the adaptation has none of its own (and a diagonal one)."""
    if (isinstance(adaptation, WindowAdaptation) and not adaptation.dense_mass
            and adaptation.initial_inverse_mass_matrix is None):
        adaptation = dataclasses.replace(adaptation,
                                         initial_inverse_mass_matrix=start.inverse_mass_matrix)
    return start.position, adaptation


def _describe_nonfinite(target: Posterior | LogDensityFn, positions: PyTree, finite: ArrayLike,
                        owner: str = "sample") -> str:
    chains = [int(i) for i in np.flatnonzero(~np.asarray(finite))]
    chain = chains[0]
    position = jax.tree_util.tree_map(lambda x: x[chain], positions)
    fn = target.unconstrained_log_density if isinstance(target, Posterior) else target
    value, grad = jax.value_and_grad(fn)(position)
    bad = [n for n, g in zip(_leaf_names(grad), jax.tree_util.tree_leaves(grad), strict=True)
           if not np.all(np.isfinite(np.asarray(g)))]
    return (f"{owner}: the log density is not finite at the initial position of chain"
            f"{'s' if len(chains) > 1 else ''} {chains} (log density {float(value)!r} at chain "
            f"{chain}; non-finite gradient for {bad or 'no variable'}). Give starting points "
            f"inside the support where the density is finite.")


def _to_idata(target: Posterior | LogDensityFn, out: RunOutput, config: RunConfig,
              attrs: dict[str, Any]) -> az.InferenceData:
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


def _check_target(owner: str, target: object) -> None:
    """A Posterior or a log-density function; name the usual mistakes and their fixes."""
    from probflow.models.checks import check_not_model_builder
    from probflow.models.joint import JointDistribution

    check_not_model_builder(f"pf.mcmc.{owner}", "target", target)
    if isinstance(target, JointDistribution):
        names = [v.name for v in target.variables()]
        raise TypeError(
            f"{owner}: target is a model ({type(target).__name__}) with nothing observed; "
            f"condition it on data first: pf.mcmc.{owner}(model.condition({names[-1]}=...), "
            f"key=...) (its variables: {names})")
    if not isinstance(target, Posterior) and not callable(target):
        raise TypeError(f"{owner}: target must be a pf.Posterior (model.condition(...)) or a "
                        f"log-density function, got {type(target).__name__}")


def _check_kernel_argument(kernel: Kernel | None) -> Kernel:
    if kernel is None:
        return NUTS()
    leaves = jax.tree_util.tree_leaves(kernel)
    if len(leaves) == 1 and isinstance(leaves[0], jax.Array | np.ndarray) and (
            jnp.issubdtype(leaves[0].dtype, jax.dtypes.prng_key)
            or (leaves[0].dtype == np.uint32 and leaves[0].shape == (2,))):
        raise TypeError("sample: the second positional argument is the kernel, and this looks "
                        "like a PRNG key: pass the key as key=..., e.g. "
                        "pf.mcmc.sample(posterior, key=jax.random.key(0))")
    check_kernel("sample", kernel)
    return kernel


def _resolve_adaptation(adaptation: Adaptation | CrossChainAdaptation | AdaptationName | None,
                        kernel: Kernel) -> Adaptation | CrossChainAdaptation:
    if adaptation is None:
        adaptation = DEFAULT_ADAPTATION
    if isinstance(adaptation, str):
        if adaptation not in ADAPTATIONS:
            raise ValueError(f"sample: adaptation must be one of {sorted(ADAPTATIONS)} or an "
                             f"adaptation object such as pf.mcmc.WindowAdaptation(), got "
                             f"{adaptation!r}")
        adaptation = ADAPTATIONS[adaptation]()
    check_adaptation("sample", adaptation)
    if is_cross_chain(adaptation):
        adaptation = adaptation.for_kernel("sample", kernel)
    elif isinstance(kernel, ChEESHMC) and kernel.trajectory_length is None:
        raise ValueError(f"sample: ChEESHMC needs a trajectory length, which "
                         f"{type(adaptation).__name__} does not tune; use "
                         f"adaptation=pf.mcmc.ChEESAdaptation() (or 'chees'), or set "
                         f"ChEESHMC(trajectory_length=...)")
    if adaptation.needs_gradients and not kernel.uses_gradients:
        raise TypeError(f"sample: {type(adaptation).__name__} learns from gradients and needs a "
                        f"gradient-based kernel (NUTS, HMC, MALA), got {type(kernel).__name__}; "
                        f"use adaptation='stan'")
    if adaptation.target_accept is None:
        # (adaptation objects are frozen dataclasses; the Adaptation protocol cannot say so)
        resolved: Adaptation | CrossChainAdaptation = dataclasses.replace(
            adaptation,  # pyright: ignore[reportArgumentType]
            target_accept=float(kernel.default_target_accept))
        return resolved
    return adaptation


def _execute(target: Posterior | LogDensityFn, kernel: Kernel, config: RunConfig,
             key: PRNGKey | None, positions: PyTree, tuning: InitialTuning | PyTree | None,
             num_chains: int, warn: bool, guard: DeferredInterrupt, *, progress: bool,
             num_draws_before: int = 0, store: ChainStore | None = None,
             start: tuple[RunCarry, int] | None = None,
             owner: str = "sample", gather: bool = True) -> az.InferenceData:
    posterior = target if isinstance(target, Posterior) else None
    factor = num_chains if config.chain_method == "sequential" else 1
    total = iterations_done(config, config.num_warmup + config.num_samples) * factor
    initial = iterations_done(config, start[1]) * factor if start is not None else 0
    divergences = {"warmup": 0, "sampling": 0}

    def on_chunk(slots_done: int, stats: dict[str, np.ndarray]) -> None:
        diverging = stats["diverging"]
        first = slots_done - diverging.shape[1]
        num_warm = int(np.clip(config.num_warmup - first, 0, diverging.shape[1]))
        divergences["warmup"] += int(diverging[:, :num_warm].sum())
        divergences["sampling"] += int(diverging[:, num_warm:].sum())
        phase = "sampling" if slots_done > config.num_warmup else "warmup"
        bar.update(iterations_done(config, slots_done) * factor, divergences=divergences[phase],
                   step_size=float(np.mean(stats["step_size"][:, -1])))

    with ProgressBar(total, config.num_warmup * factor, disable=not progress,
                     initial=initial) as bar:
        out = run_chains_chunked(config, posterior, key, positions, tuning, guard=guard,
                                 on_chunk=on_chunk, store=store, start=start, gather=gather)
    finite = np.asarray(out.initial_finite)
    if not finite.all():
        raise InitializationError(_describe_nonfinite(target, positions, finite, owner))
    if out.draws is None:
        saved = (f"; the state is saved in {store.run_path!r}: continue with "
                 f"pf.mcmc.resume({store.run_path!r}, target)" if store is not None else "")
        raise KeyboardInterrupt(
            f"{owner}: interrupted during warm-up, after {out.num_iterations} of "
            f"{config.num_warmup} warm-up iterations; no draws were kept{saved}")
    num_draws = jax.tree_util.tree_leaves(out.draws)[0].shape[1]
    attrs = {"sampler": type(kernel).__name__, "inference_library": "probflow",
             "adaptation": getattr(config.adaptation, "name", type(config.adaptation).__name__)}
    idata = _to_idata(target, out, config, attrs)
    partial = not gather and config.chain_method == "parallel" and is_multiprocess()
    if partial:
        # this process's chains, under their numbers in the whole run; no mcmc_run: extend
        # needs every chain's draws
        chains = local_chains(num_chains)
        for group in idata.groups():
            if "chain" in idata[group].dims:
                setattr(idata, group, idata[group].assign_coords(chain=chains))
    else:
        idata.mcmc_run = MCMCRun(  # pyright: ignore[reportAttributeAccessIssue]
            target, kernel, out.states, out.adaptation,
            config._replace(num_samples=num_draws), num_draws_before + num_draws)
    if out.interrupted:
        warnings.warn(
            f"{owner}: interrupted (Ctrl-C): each of the {num_chains} chains has {num_draws} of "
            f"{config.num_samples} draws; the result holds them ("
            + (f"pf.mcmc.resume({store.run_path!r}, target) finishes the run"
               if store is not None else "this process's chains only" if partial
               else "pf.mcmc.extend continues the chains") + ")",
            InterruptedRunWarning, stacklevel=3)
    if warn:
        warn_convergence(idata, max_tree_depth=kernel.max_tree_depth, announce=progress)
    return idata


_REMOVED = {
    "target_accept": "adaptation=pf.mcmc.WindowAdaptation(target_accept=...)",
    "dense_mass": "adaptation=pf.mcmc.WindowAdaptation(dense_mass=True)",
    "step_size": "adaptation=pf.mcmc.WindowAdaptation(initial_step_size=...)",
    "inverse_mass_matrix": "adaptation=pf.mcmc.WindowAdaptation(initial_inverse_mass_matrix=...)",
    "adapt_step_size": "adaptation=pf.mcmc.WindowAdaptation(adapt_step_size=False)",
    "adapt_mass_matrix": "adaptation=pf.mcmc.WindowAdaptation(adapt_mass_matrix=False)",
}


def sample(
    target: Posterior | LogDensityFn,
    kernel: Kernel | None = None,
    *,
    key: PRNGKey | None = None,
    num_chains: int = 4,
    num_warmup: int | None = None,
    num_samples: int = 1000,
    thin: int = 1,
    adaptation: Adaptation | CrossChainAdaptation | AdaptationName | None = None,
    init: InitStrategy | dict[str, Any] = "uniform",
    initial_position: PyTree = None,
    chain_method: ChainMethod = "vectorized",
    progress_bar: bool = True,
    save_warmup: bool = False,
    warn: bool = True,
    checkpoint: str | os.PathLike[str] | None = None,
    checkpoint_every: int | None = None,
    gather_draws: bool = True,
    **removed: object,
) -> az.InferenceData:
    """Draw posterior samples with MCMC (NUTS by default) and return ``arviz.InferenceData``.

    Warm-up is an adaptation object: [`WindowAdaptation`][probflow.mcmc.adaptation.WindowAdaptation]
    (``"stan"``, the default:
    Stan's dual averaging and windowed mass matrix, 1000 warm-up iterations),
    [`GradientAdaptation`][probflow.mcmc.gradient_adaptation.GradientAdaptation] (``"nutpie"``: the
    mass matrix from the variances of draws
    and gradients, 500 warm-up iterations) or
    [`ChEESAdaptation`][probflow.mcmc.chees_adaptation.ChEESAdaptation] (``"chees"``, for
    [`ChEESHMC`][probflow.mcmc.chees.ChEESHMC] with hundreds or thousands of chains: one step
    size, trajectory length and mass matrix learnt across all chains, 500 warm-up
    iterations). Warm-up and sampling run in one compiled program,
    called in chunks of about a quarter of a second: Ctrl-C stops the run between two chunks
    and returns the draws so far (with an
    [`InterruptedRunWarning`][probflow.mcmc.interrupt.InterruptedRunWarning]), and only the kept
    draws are held in memory. Calling again with new data of the same shape (or the same
    log-density function) reuses the compiled code.

    Args:
        target: a [`Posterior`][probflow.models.posterior.Posterior] (sampled on its unconstrained
            space;
            draws are reported constrained, with deterministics, dims and coords) or a log
            density ``f(position) -> scalar`` of a PyTree (then ``initial_position`` is needed).
        kernel: any [`Kernel`][probflow.mcmc.base.Kernel]: [`NUTS`][probflow.mcmc.nuts.NUTS]
            (default; [`ChEESHMC`][probflow.mcmc.chees.ChEESHMC] with ``adaptation="chees"``),
            [`HMC`][probflow.mcmc.hmc.HMC], [`MALA`][probflow.mcmc.hmc.MALA] or
            [`RandomWalkMetropolis`][probflow.mcmc.rwm.RandomWalkMetropolis].
        key: a JAX PRNG key (keyword; typed or raw).
        num_chains, num_samples, thin: chains, kept draws per chain, and iterations per kept
            draw.
        num_warmup: warm-up iterations (default: the adaptation's, 1000 for ``"stan"``, 500
            for ``"nutpie"``).
        adaptation: ``"stan"``, ``"nutpie"``, ``"chees"``, or an adaptation object (target
            acceptance, dense mass matrix, initial step size and mass matrix are set there).
        init: for a Posterior: ``"uniform"`` (uniform in (-2, 2) on the unconstrained space,
            Stan's default), ``"prior"``, ``"median"``, ``"pathfinder"`` (starting points
            drawn from [`pathfinder`][probflow.vi.pathfinder.pathfinder]'s approximation,
            whose diagonal covariance also starts Stan's mass matrix), or a dict of
            constrained initial values for some latents. Chains with a non-finite density
            are redrawn (100 tries).
        initial_position: a PyTree of unconstrained positions with a leading axis of length
            ``num_chains``; required for a log-density target.
        chain_method: ``"vectorized"`` (vmap, default), ``"sequential"`` (one chain after
            another, same compiled code), ``"parallel"`` (chains sharded over
            ``jax.devices()``; on a CPU see
            [`probflow.set_host_device_count`][probflow.config.set_host_device_count]) or
            ``"auto"``.
        progress_bar: show a tqdm bar (warm-up/sampling, divergences so far, step size).
        save_warmup: keep warm-up draws (groups ``warmup_posterior``, ``warmup_sample_stats``).
        warn: issue [`ConvergenceWarning`][probflow.diagnostics.checks.ConvergenceWarning]s
            after the run.
        checkpoint: a folder to create (it must not exist) that holds the run's full state,
            rewritten atomically every ``checkpoint_every`` iterations, and the kept draws,
            streamed to disk chunk by chunk so memory stays flat; a killed run continues with
            [`resume`][probflow.mcmc.checkpoint.resume] and gives the same draws as an
            uninterrupted one. Over several JAX processes each keeps a complete copy in
            ``checkpoint/process<i>``. See [`probflow.mcmc.checkpoint`][probflow.mcmc.checkpoint].
        checkpoint_every: iterations between checkpoints (default: about every 60 seconds);
            the state is also saved at the end and when Ctrl-C stops the run.
        gather_draws: with chains over several JAX processes
            (``chain_method="parallel"`` after
            [`distributed.initialize`][probflow.mcmc.distributed.initialize]), ``True``
            (default) gathers every chain's draws into every process, which all return the
            same result; ``False`` leaves each process the draws of its own chains (its
            ``chain`` coordinates say which), with no draws sent between processes: for runs
            too large to hold whole in one host. Such a partial result has no ``mcmc_run``
            (``extend`` needs every chain), its convergence checks see only its own chains,
            and it cannot be checkpointed. Ignored in a single process.

    Returns:
        ``arviz.InferenceData`` with ``posterior``, ``sample_stats`` (``lp``, ``diverging``,
        ``energy``, ``n_steps``, ``step_size``, ``acceptance_rate`` and for NUTS ``tree_depth``
        (doublings attempted, as Stan counts them) and ``reached_max_treedepth``) and, for a
        Posterior, ``log_likelihood``, ``observed_data`` and ``constant_data``.
        ``idata.mcmc_run`` ([`MCMCRun`][probflow.mcmc.sample.MCMCRun]) holds the final state and the
        tuned parameters
        for [`extend`][probflow.mcmc.sample.extend]. With ``checkpoint=``, the arrays are memory
        maps of the files in that folder.

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
    for name in removed:
        if name in _REMOVED:
            raise TypeError(f"sample: {name}= is now set on the adaptation: pass "
                            f"{_REMOVED[name]}")
        raise TypeError(f"sample() got an unexpected keyword argument {name!r}")
    if kernel is None and (adaptation == "chees" or isinstance(adaptation, ChEESAdaptation)):
        kernel = ChEESHMC()
    kernel = _check_kernel_argument(kernel)
    if key is None:
        raise TypeError("sample: key= is required (a JAX PRNG key, e.g. key=jax.random.key(0))")
    key = as_key(key)
    adaptation = _resolve_adaptation(adaptation, kernel)
    num_chains = check_count("sample", "num_chains", num_chains)
    if num_warmup is None:
        num_warmup = adaptation.default_num_warmup
    num_warmup = check_count("sample", "num_warmup", num_warmup, 0)
    num_samples = check_count("sample", "num_samples", num_samples)
    thin = check_count("sample", "thin", thin)
    _check_target("sample", target)
    method = _resolve_chain_method(chain_method, num_chains, target)
    if method == "sequential" and is_cross_chain(adaptation):
        raise ValueError(f"sample: {type(adaptation).__name__} pools all chains at every "
                         f"warm-up iteration, and chain_method='sequential' runs them one at a "
                         f"time; use chain_method='vectorized' (or 'parallel' over several "
                         f"devices)")
    if num_chains < 2 and num_warmup > 0 and is_cross_chain(adaptation):
        raise ValueError(f"sample: {type(adaptation).__name__} learns its tuning from "
                         f"statistics across chains and needs num_chains >= 2 (tens or more "
                         f"work best), got num_chains={num_chains}; for one chain use "
                         f"kernel=pf.mcmc.NUTS() with its default adaptation")
    if not isinstance(gather_draws, bool):
        raise TypeError(f"sample: gather_draws must be True or False, got {gather_draws!r}")
    if not gather_draws and checkpoint is not None:
        raise ValueError("sample: gather_draws=False cannot be combined with checkpoint= (a "
                         "checkpoint holds every chain's draws); drop one of them")
    if checkpoint_every is not None:
        checkpoint_every = check_count("sample", "checkpoint_every", checkpoint_every)
        if checkpoint is None:
            raise ValueError("sample: checkpoint_every= needs checkpoint= (a folder to write)")
    if checkpoint is not None:
        checkpoint = os.fspath(checkpoint)
        if os.path.exists(process_folder(checkpoint)):
            raise FileExistsError(
                f"sample: checkpoint {checkpoint!r} already exists; continue that run with "
                f"pf.mcmc.resume({checkpoint!r}, target), or remove it to start a new one")
    with DeferredInterrupt() as guard:
        if isinstance(target, Posterior) and initial_position is None:
            key_init, key = jax.random.split(key)
        else:
            key_init = None  # (no key operations outside the compiled run: each would compile)
        positions = _initial_positions(target, key_init, num_chains, init, initial_position)
        if init == "pathfinder" and initial_position is None:
            positions, adaptation = _from_pathfinder(positions, adaptation)
        flat = ravel_pytree(jax.tree_util.tree_map(lambda x: x[0], positions))[0]
        tuning = InitialTuning(*adaptation.initial_tuning("sample", flat.shape[0], flat.dtype))
        config = RunConfig(
            kernel=kernel,
            adaptation=adaptation,
            logdensity_fn=None if isinstance(target, Posterior) else target,
            num_warmup=num_warmup,
            num_samples=num_samples,
            thin=thin,
            chain_method=method,
            save_warmup=bool(save_warmup),
            chunk_length=chunk_length(num_warmup + num_samples, num_chains, flat.shape[0]),
        )
        store = None
        if checkpoint is not None:
            assert key is not None  # (checked above; the split's halves are keys too)
            store = _new_store(checkpoint, config, target, key, positions, tuning, num_chains,
                               checkpoint_every)
        return _execute(target, kernel, config, key, positions, tuning, num_chains, warn,
                        guard, progress=bool(progress_bar), store=store, gather=gather_draws)


def _new_store(path: str, config: RunConfig, target: Posterior | LogDensityFn, key: PRNGKey,
               positions: PyTree, tuning: InitialTuning, num_chains: int,
               every: int | None) -> ChainStore:
    header = new_header(config, positions, num_chains,
                        "posterior" if isinstance(target, Posterior) else "function")
    header["every"] = every
    posterior = target if isinstance(target, Posterior) else None
    from probflow.mcmc.chains import _prepare

    carry, _ = jax.eval_shape(lambda p, k, x, t: _prepare(config, p, k, x, t), posterior,
                              key, positions, tuning)
    return ChainStore(process_folder(path), header, config, posterior, carry, every,
                      create=True, run_path=path)


def resume_run(path: str, header: dict[str, Any], arrays: dict[str, np.ndarray],
               target: Posterior | LogDensityFn, kernel: Kernel,
               adaptation: Adaptation | CrossChainAdaptation,
               positions_spec: PyTree, *, progress_bar: bool, warn: bool,
               run_path: str | None = None) -> az.InferenceData:
    """Continue a checkpointed run (the body of [`resume`][probflow.mcmc.checkpoint.resume])."""
    kind = "posterior" if isinstance(target, Posterior) else "function"
    if not isinstance(target, Posterior) and not callable(target):
        raise TypeError(f"resume: target must be the pf.Posterior or log-density function the run "
                        f"sampled, got {type(target).__name__}")
    if kind != header["target"]:
        raise CheckpointError(f"{path}: the run sampled a {header['target']} target, got a "
                              f"{kind} ({type(target).__name__})")
    num_chains = header["num_chains"]
    config = RunConfig(
        kernel=kernel, adaptation=adaptation,
        logdensity_fn=None if isinstance(target, Posterior) else target,
        num_warmup=header["num_warmup"], num_samples=header["num_samples"], thin=header["thin"],
        chain_method=header["chain_method"], save_warmup=header["save_warmup"],
        chunk_length=header["chunk_length"],
    )
    positions_spec = jax.tree_util.tree_map(
        lambda s: jax.ShapeDtypeStruct((num_chains,) + s.shape, s.dtype), positions_spec)
    flat_dim = sum(int(np.prod(s.shape[1:])) for s in jax.tree_util.tree_leaves(positions_spec))
    dtype = jax.tree_util.tree_leaves(positions_spec)[0].dtype
    tuning = InitialTuning(*adaptation.initial_tuning("resume", flat_dim, dtype))
    posterior = target if isinstance(target, Posterior) else None
    from probflow.mcmc.chains import _prepare

    key_impl = next((leaf["key_impl"] for leaf in header.get("leaves", [])
                     if "key_impl" in leaf), None)
    key_spec = (jax.ShapeDtypeStruct((), jax.random.key(0, impl=key_impl).dtype)
                if key_impl else jax.ShapeDtypeStruct((2,), np.uint32))
    try:
        carry_template, _ = jax.eval_shape(
            lambda p, k, x, t: _prepare(config, p, k, x, t), posterior, key_spec,
            positions_spec, tuning)
    except (KeyError, TypeError, ValueError) as err:
        raise CheckpointError(f"{path}: the target does not accept the saved positions "
                              f"{header['positions']} ({err}); was it written for another "
                              f"model?") from err
    carry = restore_carry(path, header, arrays, carry_template)
    _check_same_density(path, config, posterior, carry)
    store = ChainStore(path, header, config, posterior, carry_template, header.get("every"),
                       create=False, run_path=run_path)
    with DeferredInterrupt() as guard:
        return _execute(target, kernel, config, None, None, None, num_chains, warn, guard,
                        progress=bool(progress_bar), store=store, owner="resume",
                        start=(carry, int(header["done"])))


def _check_same_density(path: str, config: RunConfig, posterior: Posterior | None,
                        carry: RunCarry) -> None:
    """The target's log density at the saved positions must equal the saved one."""
    from probflow.mcmc.chains import _logdensity_fn

    fn = _logdensity_fn(config, posterior)
    now = np.asarray(jax.vmap(fn)(carry.states.position))
    saved = np.asarray(carry.states.logdensity)
    tol = 1e-9 if now.dtype == np.float64 else 1e-4
    if not np.allclose(now, saved, rtol=tol, atol=tol, equal_nan=True):
        raise CheckpointError(
            f"{path}: the checkpoint was written for another model or data: the log density at "
            f"the saved positions is {now.tolist()} here and was {saved.tolist()} in the run")


def extend(idata: az.InferenceData, num_samples: int, *, key: PRNGKey, progress_bar: bool = True,
           warn: bool = True) -> az.InferenceData:
    """Continue the chains of a [`sample`][probflow.mcmc.sample.sample] result with more draws (no
    new warm-up).

    The chains start from their final states with their tuned step sizes and mass
    matrices; the new draws are appended along ``draw`` to a copy of ``idata`` (the
    original is not modified).

    Args:
        idata: a result of [`sample`][probflow.mcmc.sample.sample] or
            [`extend`][probflow.mcmc.sample.extend].
        num_samples: more draws per chain.
        key: a fresh PRNG key.
        progress_bar, warn: as in [`sample`][probflow.mcmc.sample.sample].

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
                         "with every chain's draws (not gather_draws=False); saving to disk "
                         "and loading again does not keep the sampler state")
    key = as_key(key)
    num_samples = check_count("extend", "num_samples", num_samples)
    config = run.config._replace(num_warmup=0, num_samples=num_samples, save_warmup=False)
    num_chains = np.shape(run.adaptation.step_size)[0]
    positions = run.states.position
    with DeferredInterrupt() as guard:
        more = _execute(run.target, run.kernel, config, key, positions, run.adaptation,
                        num_chains, False, guard, progress=bool(progress_bar), owner="extend",
                        num_draws_before=run.num_draws)
    offset = idata["posterior"].sizes["draw"]
    combined = idata.copy()
    for group in ("posterior", "sample_stats", "log_likelihood"):
        if group in more.groups() and group in combined.groups():
            new = more[group].assign_coords(draw=more[group].coords["draw"] + offset)
            before: dict[str, Any] = {group: combined[group]}
            after: dict[str, Any] = {group: new}
            setattr(combined, group, az.concat(
                az.InferenceData(**before),
                az.InferenceData(**after), dim="draw", inplace=False)[group])
    combined.mcmc_run = more.mcmc_run  # pyright: ignore[reportAttributeAccessIssue]
    if warn:
        with warnings.catch_warnings():
            warnings.simplefilter("default")
            warn_convergence(combined, max_tree_depth=run.kernel.max_tree_depth,
                             announce=bool(progress_bar))
    return combined
