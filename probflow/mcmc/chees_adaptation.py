"""ChEES adaptation: step size, trajectory length and mass matrix learnt across many chains.

Hoffman, Radul and Sountsov (2021, "An Adaptive-MCMC Scheme for Setting Trajectory Lengths in
Hamiltonian Monte Carlo", AISTATS) tune jittered HMC
([`ChEESHMC`][probflow.mcmc.chees.ChEESHMC]) from an ensemble of chains, with no per-chain
tree. After every warm-up transition,
[`ChEESAdaptation`][probflow.mcmc.chees_adaptation.ChEESAdaptation] sees all chains at once
(the runner's cross-chain hook, [`probflow.mcmc.cross_chain`][probflow.mcmc.cross_chain]) and
gives every chain the same tuning:

* **Step size**: dual averaging ([`probflow.mcmc.dual_averaging`][probflow.mcmc.dual_averaging])
  of the *harmonic* mean of the chains' acceptance probabilities towards ``target_accept``
  (0.651 by default); the harmonic mean is dominated by the worst chains, so no chain is left
  stuck. Divergent transitions are left out of the mean. The first warm-up iteration restarts
  it from Stan's heuristic (the geometric mean over chains of each chain's
  [`find_reasonable_step_size`][probflow.mcmc.adaptation.find_reasonable_step_size]).
* **Trajectory length**: Adam (optax) ascends the ChEES criterion, the change in the centred
  squared distance, ``E[(|x' - E x'|^2 - |x - E x|^2)^2] / 4``, in ``log T``. Its gradient is
  estimated per chain as ``u T (|x' - m'|^2 - |x - m|^2) <x' - m', p'>`` (``u`` the
  iteration's jitter, ``p'`` the proposed momentum, ``m`` and ``m'`` the chain means), the
  squared distances measured in the metric the kernel uses (whitened by the inverse mass
  matrix ``S``: ``|z|^2 = sum z_i^2 / S_i``; the pairing of a position with a momentum needs
  no whitening, since the velocity ``S p`` whitens to ``S^(1/2) p``). Chains are weighted by
  their acceptance probability, divergent ones excluded. Each update of ``log T`` is clipped
  to ``+-0.35``, and the ``T`` the kernel uses to ``[step_size, max_leapfrog_steps *
  step_size]``.
* **Mass matrix** (diagonal): the cross-chain variance of the positions after each
  transition, averaged over iterations with the same decaying weights as below. With
  hundreds of chains one iteration already gives a good variance estimate, so the matrix
  follows the ensemble as it spreads into the typical set (there are no windows to wait for)
  and the average damps the noise of a single iteration; centring on each iteration's
  ensemble mean keeps the drift of the warm-up transient out of the variance.
* **End of warm-up**: the step size and trajectory length are Polyak-style moving averages
  in log space, ``avg_t = (1 - t^-decay) avg_(t-1) + t^-decay value_t`` (``decay_rate``
  0.5), which forget the early transient.

Every chain's adaptation state holds the same values, so the usual per-chain shapes
(``idata.mcmc_run.step_size`` is ``(chains,)``) and checkpoints are unchanged.
"""

from __future__ import annotations

import dataclasses
from typing import Any, NamedTuple, cast

import jax
import jax.numpy as jnp
import numpy as np
import optax
from jax.flatten_util import ravel_pytree

from probflow.mcmc.adaptation import (
    _dual_averaging_start,
    check_initial_tuning,
    check_target_accept,
    find_reasonable_step_size,
)
from probflow.mcmc.base import TransitionInfo
from probflow.mcmc.chees import ChEESHMC, ChEESState, halton
from probflow.mcmc.cross_chain import chain_mean, chain_sum
from probflow.mcmc.dual_averaging import DualAveragingState, dual_averaging_update
from probflow.typing import Array, ArrayLike, DTypeLike, LogDensityFn, PRNGKey

__all__ = ["ChEESAdaptation", "ChEESAdaptationState", "chees_gradient"]

LOG_UPDATE_CLIP = 0.35
_VARIANCE_CLAMP = (1e-10, 1e10)


class ChEESAdaptationState(NamedTuple):
    """One chain's copy of the (shared) ChEES tuning.

    Attributes:
        step_size: the step size of the next transition.
        inverse_mass_matrix: ``(d,)`` diagonal.
        trajectory_length: the trajectory length of the next transition.
        dual_averaging: the step-size recursion.
        log_trajectory_length: Adam's iterate.
        optimizer_state: Adam's state.
        log_step_size_average, log_trajectory_length_average: the moving averages used at the
            end of warm-up.

    Examples:
        >>> import jax.numpy as jnp
        >>> from probflow import mcmc
        >>> state = mcmc.ChEESHMC().init(jnp.zeros(3), lambda x: -0.5 * jnp.sum(x**2))
        >>> adapt = mcmc.ChEESAdaptation().init(state, 0.5, jnp.ones(3), num_warmup=100)
        >>> float(adapt.trajectory_length)       # one step to start with
        0.5
    """

    step_size: jax.Array
    inverse_mass_matrix: jax.Array
    trajectory_length: jax.Array
    dual_averaging: DualAveragingState
    log_trajectory_length: jax.Array
    optimizer_state: Any
    log_step_size_average: jax.Array
    log_trajectory_length_average: jax.Array


def chees_gradient(initial_positions: ArrayLike, proposed_positions: ArrayLike,
                   proposed_momenta: ArrayLike, acceptance: ArrayLike, is_valid: ArrayLike,
                   inverse_mass_matrix: ArrayLike, jitter: ArrayLike,
                   trajectory_length: ArrayLike, axis_name: str | None = None) -> Array:
    """The ensemble estimate of ``d ChEES / d log T`` (see the module docstring).

    Args:
        initial_positions, proposed_positions, proposed_momenta: ``(chains, d)``.
        acceptance: ``(chains,)`` Metropolis acceptance probabilities (the weights).
        is_valid: ``(chains,)`` booleans; ``False`` chains (divergent, non-finite) get no
            weight.
        inverse_mass_matrix: ``(d,)`` the kernel's diagonal ``S``.
        jitter: the iteration's ``u``.
        trajectory_length: the iteration's ``T``.
        axis_name: the device axis the chains are sharded over, or ``None``.

    Returns:
        A scalar (0 when no chain is valid).

    Examples:
        >>> import jax, jax.numpy as jnp
        >>> x = jax.random.normal(jax.random.key(0), (512, 2))
        >>> p = jax.random.normal(jax.random.key(1), (512, 2))
        >>> ok, ones = jnp.ones(512, bool), jnp.ones(512)
        >>> def grad_at(t):    # exact flow of N(0, I) for time t
        ...     x1, p1 = x * jnp.cos(t) + p * jnp.sin(t), p * jnp.cos(t) - x * jnp.sin(t)
        ...     return float(chees_gradient(x, x1, p1, ones, ok, jnp.ones(2), 1.0, t))
        >>> grad_at(0.5) > 0, grad_at(2.0) < 0       # the criterion peaks at t = pi / 2
        (True, True)
    """
    x0 = jnp.asarray(initial_positions)
    dtype = x0.dtype
    x1 = jnp.asarray(proposed_positions, dtype)
    p1 = jnp.asarray(proposed_momenta, dtype)
    finite = (jnp.all(jnp.isfinite(x1), -1) & jnp.all(jnp.isfinite(p1), -1)
              & jnp.all(jnp.isfinite(x0), -1))
    valid = jnp.asarray(is_valid) & finite & jnp.isfinite(jnp.asarray(acceptance))
    weights = jnp.where(valid, jnp.asarray(acceptance, dtype), 0.0)
    x1 = jnp.where(valid[:, None], x1, 0.0)
    p1 = jnp.where(valid[:, None], p1, 0.0)
    x0 = jnp.where(finite[:, None], x0, 0.0)
    total_weight = chain_sum(weights, axis_name)
    safe_total = jnp.where(total_weight > 0, total_weight, 1.0)
    proposed_mean = chain_sum(weights[:, None] * x1, axis_name) / safe_total
    initial_mean = chain_mean(x0, axis_name, weights=finite.astype(dtype))
    scale = jax.lax.rsqrt(jnp.asarray(inverse_mass_matrix, dtype))
    centred1, centred0 = x1 - proposed_mean, x0 - initial_mean
    change = jnp.sum((centred1 * scale) ** 2, -1) - jnp.sum((centred0 * scale) ** 2, -1)
    per_chain = change * jnp.sum(centred1 * p1, -1)
    estimate = chain_sum(weights * per_chain, axis_name) / safe_total
    estimate = (jnp.asarray(jitter, dtype) * jnp.asarray(trajectory_length, dtype)) * estimate
    return jnp.where((total_weight > 0) & jnp.isfinite(estimate), estimate, 0.0)


@dataclasses.dataclass(frozen=True)
class ChEESAdaptation:
    """ChEES warm-up for [`ChEESHMC`][probflow.mcmc.chees.ChEESHMC]: one tuning for all chains.

    Step size by dual averaging of the harmonic-mean acceptance, trajectory length by Adam on
    the ChEES criterion, a diagonal mass matrix from the cross-chain variance of the positions,
    moving averages at the end of warm-up (see
    [`probflow.mcmc.chees_adaptation`][probflow.mcmc.chees_adaptation]). Made for many chains
    (hundreds to thousands, ``chain_method="vectorized"`` or ``"parallel"``); with few chains
    the ensemble estimates are noisy. Pass it as ``sample(..., adaptation=...)`` or
    ``adaptation="chees"``.

    Args:
        target_accept: the harmonic-mean acceptance that dual averaging aims at (``None``: the
            kernel's default, 0.651).
        learning_rate: Adam's learning rate for ``log T`` (Adam runs with ``b1=0``,
            ``b2=0.95``, as the paper's TensorFlow Probability implementation).
        decay_rate: the moving averages' weight on iteration ``t`` is ``t^-decay_rate``
            (0: the last value only; 1: the plain mean).
        adapt_mass_matrix: learn the diagonal mass matrix (else it stays at the initial one).
        initial_step_size: the first step size (replaced by Stan's heuristic after the first
            transition).
        initial_trajectory_length: the first trajectory length (``None``: one step).
        initial_inverse_mass_matrix: ``(d,)`` (default the identity).
        max_leapfrog_steps: the cap on ``T / step_size``; set from the kernel by
            [`sample`][probflow.mcmc.sample.sample] (through ``for_kernel``).

    Examples:
        >>> import jax, jax.numpy as jnp
        >>> import probflow as pf
        >>> scales = jnp.array([0.5, 1.0, 2.0])
        >>> idata = pf.mcmc.sample(lambda x: -0.5 * jnp.sum((x / scales) ** 2),
        ...                        key=jax.random.key(0), kernel=pf.mcmc.ChEESHMC(),
        ...                        adaptation=pf.mcmc.ChEESAdaptation(), num_chains=128,
        ...                        initial_position=jax.random.normal(jax.random.key(1),
        ...                                                           (128, 3)),
        ...                        num_warmup=300, num_samples=50, progress_bar=False,
        ...                        warn=False)
        >>> run = idata.mcmc_run
        >>> bool(jnp.all(run.step_size == run.step_size[0]))     # one tuning for all chains
        True
        >>> bool(run.adaptation.trajectory_length[0] > run.step_size[0])
        True
    """

    target_accept: float | None = None
    learning_rate: float = 0.025
    decay_rate: float = 0.5
    adapt_mass_matrix: bool = True
    initial_step_size: float = 1.0
    initial_trajectory_length: float | None = None
    initial_inverse_mass_matrix: Any = dataclasses.field(default=None, compare=False,
                                                         hash=False, repr=False)
    max_leapfrog_steps: int = 1000

    name = "chees"
    default_num_warmup = 500
    needs_gradients = True
    cross_chain = True

    def __post_init__(self) -> None:
        check_target_accept("ChEESAdaptation", self.target_accept)
        for name in ("learning_rate", "initial_step_size"):
            value = getattr(self, name)
            if not (isinstance(value, int | float) and value > 0):
                raise ValueError(f"ChEESAdaptation: {name} must be a positive number, got "
                                 f"{value!r}")
        if not (isinstance(self.decay_rate, int | float) and 0.0 <= self.decay_rate <= 1.0):
            raise ValueError(f"ChEESAdaptation: decay_rate must be in [0, 1], got "
                             f"{self.decay_rate!r}")
        length = self.initial_trajectory_length
        if length is not None and not (isinstance(length, int | float) and length > 0):
            raise ValueError(f"ChEESAdaptation: initial_trajectory_length must be a positive "
                             f"number or None, got {length!r}")
        steps = self.max_leapfrog_steps
        if not (isinstance(steps, int) and not isinstance(steps, bool) and steps >= 1):
            raise ValueError(f"ChEESAdaptation: max_leapfrog_steps must be a positive int, "
                             f"got {steps!r}")

    def _optimizer(self) -> optax.GradientTransformation:
        return optax.adam(self.learning_rate, b1=0.0, b2=0.95)

    def for_kernel(self, owner: str, kernel: Any) -> ChEESAdaptation:
        """This adaptation with the kernel's ``max_leapfrog_steps``; a ``TypeError`` unless
        ``kernel`` is a [`ChEESHMC`][probflow.mcmc.chees.ChEESHMC].

        Examples:
            >>> from probflow import mcmc
            >>> mcmc.ChEESAdaptation().for_kernel("doc", mcmc.ChEESHMC(50)).max_leapfrog_steps
            50
        """
        if not isinstance(kernel, ChEESHMC):
            raise TypeError(
                f"{owner}: ChEESAdaptation tunes the trajectory length of jittered HMC and "
                f"needs kernel=pf.mcmc.ChEESHMC(), got {type(kernel).__name__}; for "
                f"{type(kernel).__name__} use adaptation='stan' or 'nutpie'")
        return dataclasses.replace(self, max_leapfrog_steps=kernel.max_leapfrog_steps)

    def initial_tuning(self, owner: str, dim: int,
                       dtype: DTypeLike) -> tuple[np.ndarray, np.ndarray]:
        """Checked ``(step_size, inverse_mass_matrix)`` to start every chain from (diagonal)."""
        return check_initial_tuning(owner, self.initial_step_size,
                                    self.initial_inverse_mass_matrix, dim, dtype, False)

    def init(self, state: Any, step_size: ArrayLike, inverse_mass_matrix: ArrayLike | None, *,
             num_warmup: int) -> ChEESAdaptationState:
        """One chain's [`ChEESAdaptationState`][probflow.mcmc.chees_adaptation.ChEESAdaptationState]
        (``state`` is the kernel's initial state)."""
        del num_warmup
        flat, _ = ravel_pytree(state.position)
        dtype = flat.dtype
        step_size = jnp.asarray(step_size, dtype)
        if inverse_mass_matrix is None:
            inverse_mass_matrix = jnp.ones_like(flat)
        length = step_size if self.initial_trajectory_length is None else jnp.asarray(
            self.initial_trajectory_length, dtype)
        log_length = jnp.log(length)
        return ChEESAdaptationState(
            step_size, jnp.asarray(inverse_mass_matrix, dtype), length,
            _dual_averaging_start(step_size), log_length, self._optimizer().init(log_length),
            jnp.log(step_size), log_length)

    def update(self, keys: PRNGKey, adapt_states: ChEESAdaptationState, iteration: ArrayLike,
               states: ChEESState, infos: TransitionInfo, *, num_warmup: int,
               logdensity_fn: LogDensityFn, integrator: Any,
               axis_name: str | None = None) -> ChEESAdaptationState:
        """Every chain's tuning after warm-up iteration ``iteration`` (all arguments but
        ``iteration`` have a leading chain axis; see
        [`CrossChainAdaptation`][probflow.mcmc.cross_chain.CrossChainAdaptation])."""
        if not isinstance(states, ChEESState):
            raise TypeError(f"ChEESAdaptation needs the states of pf.mcmc.ChEESHMC, got "
                            f"{type(states).__name__}")
        # (pf.mcmc.sample replaces target_accept=None by the kernel's default before the run)
        target_accept = self.target_accept
        assert target_accept is not None, "ChEESAdaptation: target_accept is unresolved"
        num_chains = infos.acceptance_rate.shape[0]
        s = jax.tree_util.tree_map(lambda a: a[0], adapt_states)
        dtype = s.step_size.dtype
        max_steps = jnp.asarray(self.max_leapfrog_steps, dtype)
        t = (jnp.asarray(iteration) + 1).astype(dtype)
        weight = t ** jnp.asarray(-self.decay_rate, dtype)

        # the ChEES gradient, in the metric and with the jitter this transition used
        proposal = states.proposal
        acceptance = infos.acceptance_rate.astype(dtype)
        valid = ~infos.is_divergent & jnp.isfinite(acceptance)
        gradient = chees_gradient(proposal.initial_position, proposal.proposed_position,
                                  proposal.proposed_momentum, acceptance, valid,
                                  s.inverse_mass_matrix, halton(iteration, dtype),
                                  s.trajectory_length, axis_name)

        inverse_mass_matrix = s.inverse_mass_matrix
        if self.adapt_mass_matrix:
            flat = jax.vmap(lambda p: ravel_pytree(p)[0])(states.position).astype(dtype)
            finite = jnp.all(jnp.isfinite(flat), -1)
            mask = finite.astype(dtype)
            flat = jnp.where(finite[:, None], flat, 0.0)
            count = chain_sum(mask, axis_name)
            mean = chain_mean(flat, axis_name, weights=mask)
            variance = chain_sum(mask[:, None] * (flat - mean) ** 2, axis_name) / (count - 1.0)
            usable = jnp.isfinite(variance) & (variance > 0) & (count >= 2)
            variance = jnp.clip(jnp.where(usable, variance, inverse_mass_matrix),
                                *_VARIANCE_CLAMP)
            inverse_mass_matrix = (1.0 - weight) * inverse_mass_matrix + weight * variance

        def restart(s: ChEESAdaptationState) -> ChEESAdaptationState:
            step_sizes = jax.vmap(
                lambda k, p: find_reasonable_step_size(k, p, logdensity_fn, inverse_mass_matrix,
                                                       s.step_size, integrator)
            )(keys, states.position)
            log_step = chain_mean(jnp.log(step_sizes.astype(dtype)), axis_name)
            log_step = jnp.where(jnp.isfinite(log_step), log_step, jnp.log(s.step_size))
            step_size = jnp.exp(log_step)
            return s._replace(step_size=step_size,
                              dual_averaging=_dual_averaging_start(step_size),
                              log_step_size_average=log_step)

        def adapt_step_size(s: ChEESAdaptationState) -> ChEESAdaptationState:
            inverse = jnp.where(acceptance > 0, 1.0 / acceptance, jnp.inf)
            num_valid = chain_sum(valid.astype(dtype), axis_name)
            harmonic = num_valid / chain_sum(jnp.where(valid, inverse, 0.0), axis_name)
            harmonic = jnp.where(jnp.isfinite(harmonic) & (num_valid > 0), harmonic, 0.0)
            da = dual_averaging_update(s.dual_averaging, harmonic,
                                       target_accept=target_accept)
            da = jax.tree_util.tree_map(lambda x, old: x.astype(old.dtype), da,
                                        s.dual_averaging)
            ok = jnp.isfinite(da.log_step_size)
            da = jax.tree_util.tree_map(lambda new, old: jnp.where(ok, new, old), da,
                                        s.dual_averaging)
            log_step = da.log_step_size
            average = (1.0 - weight) * s.log_step_size_average + weight * log_step
            return s._replace(step_size=jnp.exp(log_step), dual_averaging=da,
                              log_step_size_average=average)

        s = jax.lax.cond(jnp.asarray(iteration) == 0, restart, adapt_step_size, s)
        # Adam ascends the criterion (optax minimises, so it is given -gradient). Its iterate
        # is not clipped to the step-size bounds: early dual averaging makes the step size
        # jump by a factor 10 or more, and an iterate dragged along would take hundreds of
        # iterations to come back; only the length the kernel uses is clipped.
        updates, optimizer_state = self._optimizer().update(-gradient, s.optimizer_state,
                                                            s.log_trajectory_length)
        step = jnp.clip(cast(Array, updates), -LOG_UPDATE_CLIP, LOG_UPDATE_CLIP)  # (a scalar)
        log_length = s.log_trajectory_length + step
        ok = jnp.isfinite(log_length)
        log_length = jnp.where(ok, log_length, s.log_trajectory_length)
        optimizer_state = jax.tree_util.tree_map(lambda new, old: jnp.where(ok, new, old),
                                                 optimizer_state, s.optimizer_state)
        length_average = ((1.0 - weight) * s.log_trajectory_length_average
                          + weight * log_length)

        is_last = jnp.asarray(iteration) == num_warmup - 1
        step_size = jnp.where(is_last, jnp.exp(s.log_step_size_average), s.step_size)
        final_log_length = jnp.where(is_last, length_average, log_length)
        trajectory_length = jnp.clip(jnp.exp(final_log_length), step_size,
                                     max_steps * step_size)
        new = ChEESAdaptationState(
            step_size.astype(dtype), inverse_mass_matrix.astype(dtype),
            trajectory_length.astype(dtype), s.dual_averaging, log_length.astype(dtype),
            optimizer_state, s.log_step_size_average, length_average.astype(dtype))
        return jax.tree_util.tree_map(
            lambda a: jnp.broadcast_to(a, (num_chains,) + jnp.shape(a)), new)
