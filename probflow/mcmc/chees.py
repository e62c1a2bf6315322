"""Jittered HMC for many chains: the kernel that ChEES adaptation tunes.

[`ChEESHMC`][probflow.mcmc.chees.ChEESHMC] is Hamiltonian Monte Carlo whose number of
integrator steps is set by a trajectory length ``T`` and a jitter ``u`` in ``(0, 1)``: each
transition takes ``ceil(u * T / step_size)`` steps (at least 1, at most
``max_leapfrog_steps``), then a Metropolis correction. Under the chain runner ``u`` is the
base-2 van der Corput (Halton) value of the iteration number
([`halton`][probflow.mcmc.chees.halton]), as Hoffman, Radul and Sountsov (2021) do: it is the
same for every chain at a given iteration, so vectorised chains all take the same number of
steps and none waits for another (NUTS builds a tree per chain, and a batch of NUTS chains
runs as long as its longest tree).

What the cross-chain adaptation needs, and the standard
[`TransitionInfo`][probflow.mcmc.base.TransitionInfo] lacks, travels in the kernel's state:
[`ChEESState`][probflow.mcmc.chees.ChEESState] is
[`HMCState`][probflow.mcmc.base.HMCState]'s three fields plus a
[`ChEESProposal`][probflow.mcmc.chees.ChEESProposal] (the flat position the transition
started from, the proposed position and the proposed momentum). Putting them in this kernel's
state, rather than widening ``TransitionInfo``, leaves NUTS, HMC and every other kernel's
carry and per-draw statistics exactly as they were; the cost, three flat ``(d,)`` vectors per
chain in the carry, is paid only by this kernel.
"""

from __future__ import annotations

import dataclasses
from typing import NamedTuple

import jax
import jax.numpy as jnp
import numpy as np
from jax.flatten_util import ravel_pytree

from probflow.mcmc.base import KernelParams, TransitionInfo, init_gradient_state
from probflow.mcmc.hmc import _move, _setup
from probflow.mcmc.integrators import Integrator, velocity_verlet
from probflow.typing import Array, ArrayLike, DTypeLike, LogDensityFn, PRNGKey, PyTree

__all__ = ["ChEESHMC", "ChEESState", "ChEESProposal", "halton", "num_jittered_steps"]

HALTON_BITS = 31


def halton(index: ArrayLike, dtype: DTypeLike | None = None) -> Array:
    """The base-2 van der Corput (one-dimensional Halton) value of ``index + 1``, in ``(0, 1)``.

    The binary digits of ``index + 1`` are mirrored about the binary point (6 = 110 in base 2
    gives 0.011 = 0.375), so consecutive values fill ``(0, 1)`` evenly: any ``2^k``
    consecutive indices land one in each interval ``[j / 2^k, (j + 1) / 2^k)``.

    Args:
        index: a non-negative integer array (the iteration number); at most ``2^31 - 2``.
        dtype: the floating dtype of the result (default: JAX's default float).

    Returns:
        An array of ``index``'s shape.

    Examples:
        >>> import jax.numpy as jnp
        >>> halton(jnp.arange(7))
        Array([0.5  , 0.25 , 0.75 , 0.125, 0.625, 0.375, 0.875], dtype=float32)
    """
    dtype = jnp.result_type(float) if dtype is None else dtype
    number = jnp.asarray(index).astype(jnp.uint32) + jnp.uint32(1)
    digits = jnp.arange(HALTON_BITS, dtype=jnp.uint32)
    bits = (number[..., None] >> digits) & jnp.uint32(1)
    weights = jnp.asarray(np.ldexp(1.0, -np.arange(1, HALTON_BITS + 1)), dtype)  # exact
    return jnp.sum(bits.astype(dtype) * weights, axis=-1)


def num_jittered_steps(jitter: ArrayLike, trajectory_length: ArrayLike, step_size: ArrayLike,
                       max_leapfrog_steps: int) -> Array:
    """``ceil(jitter * trajectory_length / step_size)`` clipped to ``[1, max_leapfrog_steps]``.

    A non-finite ratio (a NaN step size) gives one step.

    Examples:
        >>> int(num_jittered_steps(0.5, 2.0, 0.3, 100)), int(num_jittered_steps(0.5, 2.0, 0.3, 3))
        (4, 3)
    """
    ratio = jnp.ceil(jnp.asarray(jitter) * jnp.asarray(trajectory_length)
                     / jnp.asarray(step_size))
    ratio = jnp.where(jnp.isfinite(ratio), ratio, 1.0)
    return jnp.clip(ratio, 1, max_leapfrog_steps).astype(jnp.int32)


class ChEESProposal(NamedTuple):
    """The last transition's points, on flat ``(d,)`` vectors (zeros before the first one).

    Attributes:
        initial_position: where the transition started.
        proposed_position: the end of the trajectory (accepted or not).
        proposed_momentum: the momentum there.
    """

    initial_position: jax.Array
    proposed_position: jax.Array
    proposed_momentum: jax.Array


class ChEESState(NamedTuple):
    """State of [`ChEESHMC`][probflow.mcmc.chees.ChEESHMC].

    Attributes:
        position: the user's PyTree.
        logdensity: scalar log density at ``position``.
        logdensity_grad: PyTree like ``position``.
        proposal: the last transition's [`ChEESProposal`][probflow.mcmc.chees.ChEESProposal].
    """

    position: PyTree
    logdensity: jax.Array
    logdensity_grad: PyTree
    proposal: ChEESProposal


@dataclasses.dataclass(frozen=True)
class ChEESHMC:
    """Jittered HMC: ``ceil(u * trajectory_length / step_size)`` integrator steps, then
    Metropolis.

    The trajectory length comes from ``params.trajectory_length`` (which
    [`ChEESAdaptation`][probflow.mcmc.chees_adaptation.ChEESAdaptation] sets) or, when that is
    ``None``, from this kernel's ``trajectory_length`` (so it can run under another
    adaptation, e.g. Stan's, with a fixed length). The jitter ``u`` is
    [`halton`][probflow.mcmc.chees.halton]``(params.iteration)``, the same for every chain
    (the chain runner passes the iteration); without an iteration (a direct call with plain
    ``KernelParams(step_size, inverse_mass_matrix)``) it is drawn uniformly from ``key``. A
    non-finite or too large energy error is a divergence and the proposal is rejected.

    Args:
        max_leapfrog_steps: the most integrator steps a transition takes.
        trajectory_length: the length used when ``params`` carries none (``None``: required
            from ``params``).
        integrator: the symplectic integrator.
        divergence_threshold: energy error above which a transition counts as divergent.

    Examples:
        >>> import jax, jax.numpy as jnp
        >>> from probflow import mcmc
        >>> kernel = mcmc.ChEESHMC(max_leapfrog_steps=50)
        >>> logdensity_fn = lambda x: -0.5 * jnp.sum(x**2)
        >>> state = kernel.init(jnp.zeros(3), logdensity_fn)
        >>> params = mcmc.KernelParams(0.25, jnp.ones(3), trajectory_length=2.0, iteration=2)
        >>> state, info = kernel.step(jax.random.key(0), state, logdensity_fn, params)
        >>> int(info.num_integration_steps)          # ceil(0.75 * 2.0 / 0.25)
        6
    """

    max_leapfrog_steps: int = 1000
    trajectory_length: float | None = None
    integrator: Integrator = velocity_verlet
    divergence_threshold: float = 1000.0

    uses_gradients = True
    reports_tree_depth = False
    max_tree_depth = None
    default_target_accept = 0.651  # optimal for HMC (Beskos et al. 2013), the paper's target

    def __post_init__(self) -> None:
        steps = self.max_leapfrog_steps
        if not (isinstance(steps, int) and not isinstance(steps, bool) and steps >= 1):
            raise ValueError(f"ChEESHMC: max_leapfrog_steps must be a positive int, got "
                             f"{steps!r}")
        length = self.trajectory_length
        if length is not None and not (isinstance(length, int | float) and length > 0):
            raise ValueError(f"ChEESHMC: trajectory_length must be a positive number or None, "
                             f"got {length!r}")
        if not float(self.divergence_threshold) > 0:
            raise ValueError(f"ChEESHMC: divergence_threshold must be positive, got "
                             f"{self.divergence_threshold!r}")

    def init(self, position: PyTree, logdensity_fn: LogDensityFn) -> ChEESState:
        """State at ``position`` (any PyTree): log density, gradient, an empty proposal."""
        state = init_gradient_state(position, logdensity_fn)
        flat, _ = ravel_pytree(position)
        zeros = jnp.zeros_like(flat)
        return ChEESState(*state, ChEESProposal(zeros, zeros, zeros))

    def step(self, key: PRNGKey, state: ChEESState, logdensity_fn: LogDensityFn,
             params: KernelParams) -> tuple[ChEESState, TransitionInfo]:
        """One transition. Momentum uses ``split(key)[0]``, the accept test ``[1]`` (and
        the jitter, when ``params.iteration`` is ``None``, ``split(split(key)[1])[1]``)."""
        trajectory_length = params.trajectory_length
        if trajectory_length is None:
            trajectory_length = self.trajectory_length
        if trajectory_length is None:
            raise ValueError(
                "ChEESHMC: no trajectory length: params.trajectory_length is None and the "
                "kernel has none; use adaptation=pf.mcmc.ChEESAdaptation() (or 'chees'), or "
                "set ChEESHMC(trajectory_length=...)")
        setup = _setup(key, state, logdensity_fn, params)
        dtype = setup.flat.dtype
        if params.iteration is None:
            key_accept, key_jitter = jax.random.split(setup.key_accept)
            setup = setup._replace(key_accept=key_accept)
            jitter = 1.0 - jax.random.uniform(key_jitter, dtype=dtype)   # in (0, 1]
        else:
            jitter = halton(params.iteration, dtype)
        num_steps = num_jittered_steps(jitter, jnp.asarray(trajectory_length, dtype),
                                       setup.step_size, self.max_leapfrog_steps)
        move = _move(setup, num_steps, self.integrator, self.divergence_threshold)
        unravel = setup.unravel
        new_state = ChEESState(
            unravel(move.flat), move.logdensity, unravel(move.grad),
            ChEESProposal(setup.flat, move.end.position, move.end.momentum),
        )
        return new_state, move.info
