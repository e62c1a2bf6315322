"""Types shared by every kernel: parameters, states, infos, and flat-vector helpers.

Every kernel is a small frozen builder (static choices only) with

* ``state = kernel.init(position, logdensity_fn)`` and
* ``state, info = kernel.step(key, state, logdensity_fn, params)``,

where ``params`` is a [`KernelParams`][probflow.mcmc.base.KernelParams] and ``info`` a
[`TransitionInfo`][probflow.mcmc.base.TransitionInfo]; the
contract is written down once, as the [`Kernel`][probflow.mcmc.base.Kernel] protocol. Positions are
arbitrary PyTrees of
floating arrays; kernels ravel them to one flat ``(d,)`` vector internally.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, NamedTuple, Protocol, runtime_checkable

import jax
import jax.numpy as jnp
import numpy as np
from jax.flatten_util import ravel_pytree

from probflow.mcmc.integrators import Integrator
from probflow.typing import Array, ArrayLike, DTypeLike, LogDensityFn, PRNGKey, PyTree, ShapeLike

__all__ = [
    "Kernel",
    "check_kernel",
    "Adaptation",
    "check_adaptation",
    "KernelParams",
    "HMCState",
    "RWMState",
    "TransitionInfo",
    "NUTSInfo",
    "HMCInfo",
    "MALAInfo",
    "RWMInfo",
    "flat_logdensity_and_grad",
    "energy_error_checks",
]


class KernelParams(NamedTuple):
    """Numeric parameters shared by all kernels (traced: changing them never retraces).

    Attributes:
        step_size: scalar step size (for random-walk Metropolis, the proposal scale).
        inverse_mass_matrix: ``(d,)`` diagonal or ``(d, d)`` dense ``M^-1`` on the flattened
            position (for random-walk Metropolis, the proposal covariance shape).
        trajectory_length: scalar integration time, for kernels that take one
            ([`ChEESHMC`][probflow.mcmc.chees.ChEESHMC]); ``None`` for the others.
        iteration: the iteration number (an int scalar, the same for every chain), which the
            chain runner passes; kernels whose transition depends on it (ChEESHMC's jitter)
            read it, the others ignore it. ``None`` outside the runner.

    Examples:
        >>> KernelParams(0.1, jnp.ones(2)).trajectory_length is None
        True
    """

    step_size: ArrayLike
    inverse_mass_matrix: ArrayLike
    trajectory_length: ArrayLike | None = None
    iteration: ArrayLike | None = None

    @classmethod
    def from_tuning(cls, tuning: Any, iteration: ArrayLike | None = None) -> KernelParams:
        """The parameters in an adaptation state: its ``step_size`` and
        ``inverse_mass_matrix``, its ``trajectory_length`` when it has one (an adaptation
        that tunes one declares the field), and ``iteration``.

        Examples:
            >>> from probflow.mcmc.adaptation import adaptation_init
            >>> params = KernelParams.from_tuning(adaptation_init(0.5, jnp.ones(2)), 3)
            >>> params.trajectory_length is None, params.iteration
            (True, 3)
        """
        fields = getattr(type(tuning), "_fields", ())
        length = tuning.trajectory_length if "trajectory_length" in fields else None
        return cls(tuning.step_size, tuning.inverse_mass_matrix, length, iteration)


class HMCState(NamedTuple):
    """State of the gradient-based kernels (HMC, NUTS, MALA).

    Attributes:
        position: the user's PyTree.
        logdensity: scalar log density at ``position``.
        logdensity_grad: PyTree like ``position``.
    """

    position: PyTree
    logdensity: jax.Array
    logdensity_grad: PyTree


class RWMState(NamedTuple):
    """State of random-walk Metropolis: ``position`` (PyTree) and its scalar ``logdensity``."""

    position: PyTree
    logdensity: jax.Array


class TransitionInfo(NamedTuple):
    """Diagnostics of one transition, the same fields for every kernel (all scalars).

    Attributes:
        acceptance_rate: the acceptance statistic step-size adaptation targets: for NUTS the
            mean Metropolis acceptance probability over the trajectory's points (Stan's
            ``accept_stat__``), for HMC, MALA and random-walk Metropolis the proposal's.
        is_divergent: the energy error exceeded the threshold or was not finite (for
            random-walk Metropolis: a NaN log density at the proposal, rejected).
        energy: Hamiltonian ``-log p(x) + K(p)`` of the selected point (``-log p`` for
            random-walk Metropolis).
        num_integration_steps: integrator steps taken, each one gradient evaluation
            (including a rejected last subtree); 0 for random-walk Metropolis.
        tree_depth: NUTS only (else 0): doublings attempted, counted as Stan and NumPyro count
            them (a last doubling that was rejected for a U-turn or a divergence counts).
        reached_max_treedepth: NUTS only: ``tree_depth == max_tree_depth``, as Stan's warning
            counts it.
        symmetric_acceptance_rate: the same average as ``acceptance_rate`` of
            ``2 / (1 + exp|dH|)`` for each point's energy error ``dH`` (0 for a non-finite
            one), which, unlike ``min(1, exp(-dH))``, is below 1 for energy drops as well as
            rises. nutpie's late step-size adaptation targets it (its
            ``mean_tree_accept_sym``); see
            [`GradientAdaptation`][probflow.mcmc.GradientAdaptation]'s
            ``late_acceptance``.

    Examples:
        >>> import jax, jax.numpy as jnp
        >>> from probflow import mcmc
        >>> logdensity_fn = lambda x: -0.5 * jnp.sum(x**2)
        >>> kernel = mcmc.NUTS(max_tree_depth=3)
        >>> state = kernel.init(jnp.zeros(2), logdensity_fn)
        >>> _, info = kernel.step(jax.random.key(0), state, logdensity_fn,
        ...                       mcmc.KernelParams(0.01, jnp.ones(2)))
        >>> int(info.tree_depth), bool(info.reached_max_treedepth)   # tiny steps never U-turn
        (3, True)
    """

    acceptance_rate: jax.Array
    is_divergent: jax.Array
    energy: jax.Array
    num_integration_steps: jax.Array
    tree_depth: jax.Array
    reached_max_treedepth: jax.Array
    symmetric_acceptance_rate: jax.Array

    @staticmethod
    def dtypes(float_dtype: DTypeLike) -> tuple[DTypeLike, ...]:
        """The dtype of each field (floats in ``float_dtype``, counts int32, flags bool)."""
        return (float_dtype, jnp.bool_, float_dtype, jnp.int32, jnp.int32, jnp.bool_,
                float_dtype)

    def normalized(self, float_dtype: DTypeLike) -> TransitionInfo:
        """The same record with every field cast to
        [`dtypes`][probflow.mcmc.base.TransitionInfo.dtypes]."""
        return TransitionInfo(*(jnp.asarray(x, d) for x, d in
                                zip(self, self.dtypes(float_dtype), strict=True)))

    @classmethod
    def empty(cls, shape: ShapeLike, float_dtype: DTypeLike) -> TransitionInfo:
        """Zeros of ``shape`` (what a skipped iteration reports).

        Examples:
            >>> TransitionInfo.empty((2,), jnp.float32).tree_depth
            Array([0, 0], dtype=int32)
        """
        return cls(*(jnp.zeros(shape, d) for d in cls.dtypes(float_dtype)))


# The names each kernel used to have for the same record.
NUTSInfo = HMCInfo = MALAInfo = RWMInfo = TransitionInfo


@runtime_checkable
class Kernel(Protocol):
    """The contract every transition kernel meets; [`pf.mcmc.sample`][probflow.mcmc.sample] checks
    it.

    A kernel is a frozen (hashable) builder of static choices with

    * ``state = kernel.init(position, logdensity_fn)`` (``state.position`` and
      ``state.logdensity``; gradient kernels also ``state.logdensity_grad``),
    * ``state, info = kernel.step(key, state, logdensity_fn, params)`` with
      ``params = KernelParams(step_size, inverse_mass_matrix)`` and ``info`` a
      [`TransitionInfo`][probflow.mcmc.base.TransitionInfo],

    and these class attributes, which the driver reads:

    * ``uses_gradients``: the state carries ``logdensity_grad`` (needed by the step-size
      heuristic and by
      [`GradientAdaptation`][probflow.mcmc.gradient_adaptation.GradientAdaptation]);
    * ``reports_tree_depth``: ``info.tree_depth`` is meaningful (NUTS);
    * ``default_target_accept``: what step-size adaptation aims at by default;
    * ``max_tree_depth``: the cap the convergence warnings refer to (``None`` without one).

    Examples:
        >>> from probflow import mcmc
        >>> isinstance(mcmc.NUTS(), mcmc.Kernel), isinstance(mcmc.SGLD(1e-3), mcmc.Kernel)
        (True, False)
    """

    # (read-only properties here, so that frozen dataclass fields and plain class attributes
    # both meet the contract)
    @property
    def uses_gradients(self) -> bool: ...

    @property
    def reports_tree_depth(self) -> bool: ...

    @property
    def default_target_accept(self) -> float: ...

    @property
    def max_tree_depth(self) -> int | None: ...

    def init(self, position: PyTree, logdensity_fn: LogDensityFn) -> Any: ...

    def step(self, key: PRNGKey, state: Any, logdensity_fn: LogDensityFn,
             params: KernelParams) -> tuple[Any, TransitionInfo]: ...


class _AdaptationMembers(Protocol):
    """What every warm-up scheme has, per chain or across chains: the base of
    [`Adaptation`][probflow.mcmc.base.Adaptation] and
    [`CrossChainAdaptation`][probflow.mcmc.cross_chain.CrossChainAdaptation], which add
    their own ``update``.

    Examples:
        >>> from probflow import mcmc
        >>> isinstance(mcmc.WindowAdaptation(), mcmc.Adaptation)
        True
    """

    @property
    def target_accept(self) -> float | None: ...

    @property
    def default_num_warmup(self) -> int: ...

    @property
    def needs_gradients(self) -> bool: ...

    def initial_tuning(self, owner: str, dim: int,
                       dtype: DTypeLike) -> tuple[np.ndarray, np.ndarray]: ...

    def init(self, state: Any, step_size: ArrayLike, inverse_mass_matrix: ArrayLike, *,
             num_warmup: int) -> Any: ...


@runtime_checkable
class Adaptation(_AdaptationMembers, Protocol):
    """The contract of a warm-up scheme; [`pf.mcmc.sample`][probflow.mcmc.sample] checks it.

    An adaptation is a frozen (hashable) object of static settings with

    * ``initial_tuning(owner, dim, dtype) -> (step_size, inverse_mass_matrix)``: the
      (checked, NumPy) values every chain starts from;
    * ``adapt_state = init(state, step_size, inverse_mass_matrix, *, num_warmup)`` for one
      chain, from the kernel's initial state;
    * ``adapt_state = update(key, adapt_state, iteration, state, info, *, num_warmup,
      logdensity_fn, integrator)`` after each warm-up transition (``iteration`` is the same
      for every chain, so schedules stay real conditionals);

    and the attributes ``target_accept`` (``None``: the kernel's default),
    ``default_num_warmup`` and ``needs_gradients``. The state has ``step_size`` and
    ``inverse_mass_matrix`` fields: the parameters of the next transition.

    Examples:
        >>> from probflow import mcmc
        >>> isinstance(mcmc.GradientAdaptation(), mcmc.Adaptation)
        True
    """

    def update(self, key: PRNGKey, adapt_state: Any, iteration: ArrayLike, state: Any,
               info: TransitionInfo, *, num_warmup: int, logdensity_fn: LogDensityFn,
               integrator: Integrator | None) -> Any: ...


def check_adaptation(owner: str, adaptation: object) -> None:
    """Raise a ``TypeError`` naming what ``adaptation`` lacks of the
    [`Adaptation`][probflow.mcmc.base.Adaptation] contract.

    Examples:
        >>> from probflow import mcmc
        >>> check_adaptation("sample", mcmc.WindowAdaptation())
    """
    members = ("initial_tuning", "init", "update", "target_accept", "default_num_warmup",
               "needs_gradients")
    missing = [m for m in members if not hasattr(adaptation, m)]
    if missing:
        raise TypeError(
            f"{owner}: adaptation must be 'stan', 'nutpie' or an adaptation object such as "
            f"pf.mcmc.WindowAdaptation() or pf.mcmc.GradientAdaptation(); got "
            f"{type(adaptation).__name__}, which lacks {missing} of the pf.mcmc.Adaptation "
            f"contract")


def check_kernel(owner: str, kernel: object) -> None:
    """Raise a ``TypeError`` naming what ``kernel`` lacks of the
    [`Kernel`][probflow.mcmc.base.Kernel] contract.

    Examples:
        >>> from probflow import mcmc
        >>> check_kernel("sample", mcmc.NUTS())
        >>> try:
        ...     check_kernel("sample", mcmc.SGLD(1e-3))
        ... except TypeError as e:
        ...     print(str(e).split("; ")[1].split(", which")[0])
        got SGLD
    """
    members = ("init", "step", "uses_gradients", "reports_tree_depth", "default_target_accept",
               "max_tree_depth")
    missing = [m for m in members if not hasattr(kernel, m)]
    if missing:
        hint = ""
        if type(kernel).__name__ in ("SGLD", "SGHMC"):
            hint = (" (SGLD and SGHMC use minibatch gradients and run through "
                    "pf.mcmc.minibatch_grad_fn or Sequential.fit_sgmcmc, not sample)")
        raise TypeError(
            f"{owner}: kernel must be an MCMC transition kernel such as pf.mcmc.NUTS(), "
            f"HMC(...), MALA() or RandomWalkMetropolis(); got {type(kernel).__name__}, which "
            f"lacks {missing} of the pf.mcmc.Kernel contract{hint}"
        )


def flat_logdensity_and_grad(
    logdensity_fn: LogDensityFn, unravel: Callable[[Array], PyTree]
) -> Callable[[Array], tuple[Array, Array]]:
    """``(d,) -> (log density, (d,) gradient)`` of ``logdensity_fn`` through ``unravel``.

    The log density is cast to the position's dtype.

    Examples:
        >>> import jax.numpy as jnp
        >>> from jax.flatten_util import ravel_pytree
        >>> flat, unravel = ravel_pytree({"a": jnp.ones(2)})
        >>> f = flat_logdensity_and_grad(lambda p: -jnp.sum(p["a"] ** 2), unravel)
        >>> f(flat)[1]
        Array([-2., -2.], dtype=float32)
    """

    def flat_logdensity(flat: Array) -> Array:
        return jnp.asarray(logdensity_fn(unravel(flat)), flat.dtype)

    return jax.value_and_grad(flat_logdensity)


def init_gradient_state(position: PyTree, logdensity_fn: LogDensityFn) -> HMCState:
    """Evaluate the log density and its gradient at ``position``."""
    flat, unravel = ravel_pytree(position)
    logdensity, grad = flat_logdensity_and_grad(logdensity_fn, unravel)(flat)
    return HMCState(position, logdensity, unravel(grad))


def energy_error_checks(
    energy_error: Array, grad: Array, divergence_threshold: ArrayLike
) -> tuple[Array, Array, Array]:
    """``(is_divergent, log_weight, acceptance_probability)`` of a point with this energy error.

    A non-finite energy error or gradient, or an error above the threshold, is a
    divergence; such points get weight ``exp(-inf)``-free handling: ``log_weight`` is
    ``-inf`` when not finite and the acceptance probability is 0.
    """
    is_finite = jnp.isfinite(energy_error) & jnp.all(jnp.isfinite(grad))
    is_divergent = ~(is_finite & (energy_error <= divergence_threshold))
    log_weight = jnp.where(is_finite, -energy_error, -jnp.inf)
    acceptance = jnp.where(is_finite, jnp.exp(jnp.minimum(-energy_error, 0.0)), 0.0)
    return is_divergent, log_weight, acceptance


def symmetric_acceptance(energy_error: Array, acceptance: Array) -> Array:
    """``2 / (1 + exp|dH|)`` from an energy error ``dH`` and its ``min(1, exp(-dH))``.

    Written as ``2 * acceptance / (1 + exp(-dH))``: a large energy rise underflows to 0 in
    ``acceptance``, a large drop gives ``2 / inf = 0``; 0 wherever ``acceptance`` is 0 (a
    non-finite error, NaN included).
    """
    return jnp.where(acceptance > 0, 2.0 * acceptance / (1.0 + jnp.exp(-energy_error)), 0.0)
