"""Hamiltonian Monte Carlo with a fixed number of integration steps, and MALA."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from typing import NamedTuple, Protocol

import jax
import jax.numpy as jnp
from jax.flatten_util import ravel_pytree

from probflow.mcmc.base import (
    HMCState,
    KernelParams,
    TransitionInfo,
    energy_error_checks,
    flat_logdensity_and_grad,
    init_gradient_state,
    symmetric_acceptance,
)
from probflow.mcmc.integrators import Integrator, IntegratorState, integrator_step, velocity_verlet
from probflow.mcmc.metrics import Metric, gaussian_euclidean
from probflow.typing import Array, LogDensityFn, PRNGKey, PyTree

__all__ = ["HMC", "MALA"]


class _GradientState(Protocol):
    """A kernel state with a position and its log density and gradient (HMC's, ChEES's)."""

    @property
    def position(self) -> PyTree: ...

    @property
    def logdensity(self) -> Array: ...

    @property
    def logdensity_grad(self) -> PyTree: ...


class _Setup(NamedTuple):
    """What one HMC-style transition needs, on the flat (raveled) position."""

    flat: Array
    unravel: Callable[[Array], PyTree]
    grad: Array
    logdensity: Array
    metric: Metric
    step_size: Array
    logdensity_and_grad_fn: Callable[[Array], tuple[Array, Array]]
    key_momentum: PRNGKey
    key_accept: PRNGKey


class _Move(NamedTuple):
    """A Metropolis-corrected trajectory: the next flat state, the trajectory's end, stats."""

    flat: Array
    logdensity: Array
    grad: Array
    end: IntegratorState
    info: TransitionInfo


def _setup(key: PRNGKey, state: _GradientState, logdensity_fn: LogDensityFn,
           params: KernelParams) -> _Setup:
    """Ravel the state, build the metric and split ``key`` into momentum and accept keys."""
    flat, unravel = ravel_pytree(state.position)
    grad, _ = ravel_pytree(state.logdensity_grad)
    dtype = flat.dtype
    key_momentum, key_accept = jax.random.split(key)
    return _Setup(
        flat, unravel, grad, jnp.asarray(state.logdensity, dtype),
        gaussian_euclidean(jnp.asarray(params.inverse_mass_matrix, dtype)),
        jnp.asarray(params.step_size, dtype),
        flat_logdensity_and_grad(logdensity_fn, unravel), key_momentum, key_accept,
    )  # fmt: skip


def _move(setup: _Setup, num_steps: int | Array, integrator: Integrator,
          threshold: float) -> _Move:
    """``num_steps`` integrator steps from a fresh momentum, then the Metropolis test.

    A non-finite energy or gradient at the end rejects the proposal; an energy error above
    ``threshold`` is reported as a divergence. ``num_steps`` may be traced (ChEES-HMC)."""
    flat, metric, step_size = setup.flat, setup.metric, setup.step_size
    dtype = flat.dtype
    momentum = metric.sample_momentum(setup.key_momentum, flat)
    initial_energy = -setup.logdensity + metric.kinetic_energy(momentum)

    def one_step(_: Array, s: IntegratorState) -> IntegratorState:
        return integrator_step(integrator, s, step_size, metric, setup.logdensity_and_grad_fn)

    end = IntegratorState(flat, momentum, setup.logdensity, setup.grad)
    end = jax.lax.fori_loop(0, num_steps, one_step, end)
    energy = -end.logdensity + metric.kinetic_energy(end.momentum)
    energy_error = energy - initial_energy
    is_divergent, _, acceptance = energy_error_checks(energy_error, end.logdensity_grad, threshold)
    accept = jnp.isfinite(energy) & jnp.all(jnp.isfinite(end.logdensity_grad))
    accept = accept & (jax.random.uniform(setup.key_accept, dtype=dtype) < acceptance)
    info = TransitionInfo(
        acceptance_rate=acceptance,
        is_divergent=is_divergent,
        energy=jnp.where(accept, energy, initial_energy),
        num_integration_steps=jnp.asarray(num_steps, jnp.int32),
        tree_depth=jnp.zeros((), jnp.int32),
        reached_max_treedepth=jnp.zeros((), bool),
        symmetric_acceptance_rate=symmetric_acceptance(energy_error, acceptance),
    )
    return _Move(
        jnp.where(accept, end.position, flat),
        jnp.where(accept, end.logdensity, setup.logdensity),
        jnp.where(accept, end.logdensity_grad, setup.grad),
        end, info,
    )  # fmt: skip


def _hmc_step(key: PRNGKey, state: HMCState, logdensity_fn: LogDensityFn,
              params: KernelParams, *, num_steps: int, integrator: Integrator,
              threshold: float, jitter: float = 0.0) -> tuple[HMCState, TransitionInfo]:
    setup = _setup(key, state, logdensity_fn, params)
    if jitter:
        key_accept, key_jitter = jax.random.split(setup.key_accept)
        dtype = setup.flat.dtype
        u = jax.random.uniform(key_jitter, dtype=dtype, minval=-1.0, maxval=1.0)
        setup = setup._replace(key_accept=key_accept,
                               step_size=setup.step_size * (1.0 + jnp.asarray(jitter, dtype) * u))
    move = _move(setup, num_steps, integrator, threshold)
    unravel = setup.unravel
    return HMCState(unravel(move.flat), move.logdensity, unravel(move.grad)), move.info


@dataclasses.dataclass(frozen=True)
class HMC:
    """Hamiltonian Monte Carlo: ``num_integration_steps`` integrator steps, then Metropolis.

    A non-finite or too large energy error is a divergence and the proposal is rejected.
    ``step_size_jitter = j`` draws each transition's step size uniformly from
    ``step_size * (1 - j, 1 + j)`` (as Stan's ``stepsize_jitter``): a fixed path length can
    resonate with the target (e.g. half a period of a Gaussian makes every draw the mirror of
    the last, so even moments never mix), and a random one cannot.

    Examples:
        >>> import jax, jax.numpy as jnp
        >>> kernel = HMC(num_integration_steps=5)
        >>> logdensity_fn = lambda x: -0.5 * jnp.sum(x["a"] ** 2)
        >>> state = kernel.init({"a": jnp.zeros(2)}, logdensity_fn)
        >>> params = KernelParams(0.3, jnp.ones(2))
        >>> state, info = kernel.step(jax.random.key(0), state, logdensity_fn, params)
        >>> state.position["a"].shape
        (2,)
    """

    num_integration_steps: int = 10
    integrator: Integrator = velocity_verlet
    divergence_threshold: float = 1000.0
    step_size_jitter: float = 0.0

    uses_gradients = True
    reports_tree_depth = False
    max_tree_depth = None
    default_target_accept = 0.8

    def __post_init__(self):
        if not (isinstance(self.num_integration_steps, int) and self.num_integration_steps >= 1):
            raise ValueError(
                "HMC: num_integration_steps must be a positive int, "
                f"got {self.num_integration_steps!r}"
            )
        if not 0.0 <= self.step_size_jitter < 1.0:
            raise ValueError(f"HMC: step_size_jitter must be in [0, 1), got "
                             f"{self.step_size_jitter!r}")

    def init(self, position: PyTree, logdensity_fn: LogDensityFn) -> HMCState:
        """State at ``position`` (any PyTree): log density and gradient."""
        return init_gradient_state(position, logdensity_fn)

    def step(
        self, key: PRNGKey, state: HMCState, logdensity_fn: LogDensityFn, params: KernelParams
    ) -> tuple[HMCState, TransitionInfo]:
        """One HMC transition. Momentum uses ``split(key)[0]``, the accept test ``[1]``."""
        return _hmc_step(
            key, state, logdensity_fn, params,
            num_steps=self.num_integration_steps, integrator=self.integrator,
            threshold=self.divergence_threshold,
            jitter=self.step_size_jitter,
        )  # fmt: skip


@dataclasses.dataclass(frozen=True)
class MALA:
    """Metropolis-adjusted Langevin algorithm, preconditioned by ``inverse_mass_matrix``.

    The proposal is ``x' ~ N(x + (h^2 / 2) M^-1 grad log p(x), h^2 M^-1)`` with
    ``h = step_size``. It is computed as one velocity-Verlet step with a fresh
    momentum; the Hamiltonian's energy error is exactly the Metropolis-Hastings log
    ratio of the Langevin proposal, so this is MALA, not an approximation of it.

    Examples:
        >>> import jax, jax.numpy as jnp
        >>> kernel = MALA()
        >>> logdensity_fn = lambda x: -0.5 * jnp.sum(x**2)
        >>> state = kernel.init(jnp.zeros(2), logdensity_fn)
        >>> state, info = kernel.step(jax.random.key(0), state, logdensity_fn,
        ...                           KernelParams(0.5, jnp.ones(2)))
        >>> info.acceptance_rate.shape
        ()
    """

    divergence_threshold: float = 1000.0

    uses_gradients = True
    reports_tree_depth = False
    max_tree_depth = None
    default_target_accept = 0.574  # optimal for MALA (Roberts & Rosenthal 1998)
    integrator = velocity_verlet

    def init(self, position: PyTree, logdensity_fn: LogDensityFn) -> HMCState:
        """State at ``position`` (any PyTree): log density and gradient."""
        return init_gradient_state(position, logdensity_fn)

    def step(
        self, key: PRNGKey, state: HMCState, logdensity_fn: LogDensityFn, params: KernelParams
    ) -> tuple[HMCState, TransitionInfo]:
        """One MALA transition."""
        return _hmc_step(
            key, state, logdensity_fn, params,
            num_steps=1, integrator=velocity_verlet,
            threshold=self.divergence_threshold,
        )  # fmt: skip
