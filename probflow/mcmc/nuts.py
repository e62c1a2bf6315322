"""The No-U-Turn Sampler (multinomial, with Stan's extra U-turn checks)."""

from __future__ import annotations

import dataclasses

import jax
import jax.numpy as jnp
from jax.flatten_util import ravel_pytree

from probflow.mcmc.base import (
    HMCState,
    KernelParams,
    TransitionInfo,
    flat_logdensity_and_grad,
    init_gradient_state,
)
from probflow.mcmc.integrators import Integrator, IntegratorState, velocity_verlet
from probflow.mcmc.metrics import gaussian_euclidean
from probflow.mcmc.trajectory import MAX_TREE_DEPTH, build_trajectory
from probflow.typing import LogDensityFn, PRNGKey, PyTree

__all__ = ["NUTS"]


@dataclasses.dataclass(frozen=True)
class NUTS:
    """No-U-Turn Sampler (Hoffman & Gelman 2014; Betancourt 2017's multinomial form).

    Builds the trajectory iteratively (``lax.while_loop``, no recursion): doubling in
    random directions, multinomial sampling inside subtrees, biased progressive
    sampling between the trajectory and a new subtree, the generalised U-turn
    criterion with Stan's extra checks across subtree boundaries. A point whose
    energy error exceeds ``divergence_threshold`` or is not finite (including a NaN
    or infinite log density or gradient) ends the trajectory as a divergence; it is
    never selected, so the state stays finite.

    Args:
        max_tree_depth: at most ``2**max_tree_depth - 1`` integrator steps (1 to 25).
        divergence_threshold: largest energy error before a divergence.
        integrator: scheme from [`probflow.mcmc.integrators`][probflow.mcmc.integrators].

    Examples:
        >>> import jax, jax.numpy as jnp
        >>> kernel = NUTS(max_tree_depth=5)
        >>> logdensity_fn = lambda x: -0.5 * jnp.sum(x**2)
        >>> state = kernel.init(jnp.zeros(3), logdensity_fn)
        >>> params = KernelParams(step_size=0.5, inverse_mass_matrix=jnp.ones(3))
        >>> state, info = kernel.step(jax.random.key(0), state, logdensity_fn, params)
        >>> state.position.shape, info.tree_depth.shape
        ((3,), ())
    """

    max_tree_depth: int = 10
    divergence_threshold: float = 1000.0
    integrator: Integrator = velocity_verlet

    uses_gradients = True
    reports_tree_depth = True
    default_target_accept = 0.8

    def __post_init__(self):
        depth = self.max_tree_depth
        if not (isinstance(depth, int) and 1 <= depth <= MAX_TREE_DEPTH):
            raise ValueError(
                f"NUTS: max_tree_depth must be an int in [1, {MAX_TREE_DEPTH}], "
                f"got {self.max_tree_depth!r}"
            )

    def init(self, position: PyTree, logdensity_fn: LogDensityFn) -> HMCState:
        """State at ``position`` (any PyTree): log density and gradient."""
        return init_gradient_state(position, logdensity_fn)

    def step(
        self, key: PRNGKey, state: HMCState, logdensity_fn: LogDensityFn, params: KernelParams
    ) -> tuple[HMCState, TransitionInfo]:
        """One NUTS transition. Momentum uses ``split(key)[0]``, the trajectory ``[1]``."""
        flat, unravel = ravel_pytree(state.position)
        grad, _ = ravel_pytree(state.logdensity_grad)
        dtype = flat.dtype
        metric = gaussian_euclidean(jnp.asarray(params.inverse_mass_matrix, dtype))
        key_momentum, key_trajectory = jax.random.split(key)
        momentum = metric.sample_momentum(key_momentum, flat)
        initial = IntegratorState(flat, momentum, jnp.asarray(state.logdensity, dtype), grad)
        result = build_trajectory(
            key_trajectory,
            initial,
            params.step_size,
            metric=metric,
            logdensity_and_grad_fn=flat_logdensity_and_grad(logdensity_fn, unravel),
            integrator=self.integrator,
            max_tree_depth=self.max_tree_depth,
            divergence_threshold=self.divergence_threshold,
        )
        proposal = result.proposal
        new_state = HMCState(
            unravel(proposal.position), proposal.logdensity, unravel(proposal.logdensity_grad)
        )
        num_steps = result.num_integration_steps
        divisor = jnp.maximum(num_steps, 1).astype(dtype)
        info = TransitionInfo(
            acceptance_rate=result.sum_acceptance / divisor,
            is_divergent=result.is_divergent,
            energy=proposal.energy,
            num_integration_steps=num_steps,
            tree_depth=result.num_doublings,
            reached_max_treedepth=result.num_doublings >= self.max_tree_depth,
            symmetric_acceptance_rate=result.sum_symmetric_acceptance / divisor,
        )
        return new_state, info
