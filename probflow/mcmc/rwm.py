"""Random-walk Metropolis with a Gaussian proposal shaped by ``inverse_mass_matrix``."""

from __future__ import annotations

import dataclasses

import jax
import jax.numpy as jnp
from jax.flatten_util import ravel_pytree

from probflow.mcmc.base import KernelParams, RWMState, TransitionInfo, symmetric_acceptance
from probflow.mcmc.metrics import gaussian_euclidean
from probflow.typing import LogDensityFn, PRNGKey, PyTree

__all__ = ["RandomWalkMetropolis"]


@dataclasses.dataclass(frozen=True)
class RandomWalkMetropolis:
    """Random-walk Metropolis: ``x' ~ N(x, step_size^2 M^-1)`` then accept or reject.

    ``inverse_mass_matrix`` (``(d,)`` or ``(d, d)``) is the proposal covariance up to
    ``step_size^2``, so the same adaptation that tunes HMC tunes it. A NaN log density
    at the proposal is rejected and flagged ``is_divergent``.

    Examples:
        >>> import jax, jax.numpy as jnp
        >>> kernel = RandomWalkMetropolis()
        >>> logdensity_fn = lambda x: -0.5 * jnp.sum(x**2)
        >>> state = kernel.init(jnp.zeros(2), logdensity_fn)
        >>> state, info = kernel.step(jax.random.key(0), state, logdensity_fn,
        ...                           KernelParams(1.0, jnp.ones(2)))
        >>> state.position.shape
        (2,)
    """

    uses_gradients = False
    reports_tree_depth = False
    max_tree_depth = None
    default_target_accept = 0.234  # optimal for Gaussian random walks (Roberts et al. 1997)

    def init(self, position: PyTree, logdensity_fn: LogDensityFn) -> RWMState:
        """State at ``position`` (any PyTree): its log density."""
        flat, unravel = ravel_pytree(position)
        return RWMState(position, jnp.asarray(logdensity_fn(position), flat.dtype))

    def step(
        self, key: PRNGKey, state: RWMState, logdensity_fn: LogDensityFn, params: KernelParams
    ) -> tuple[RWMState, TransitionInfo]:
        """One transition. The proposal uses ``split(key)[0]``, the accept test ``[1]``."""
        flat, unravel = ravel_pytree(state.position)
        dtype = flat.dtype
        metric = gaussian_euclidean(jnp.asarray(params.inverse_mass_matrix, dtype))
        key_proposal, key_accept = jax.random.split(key)
        # M^-1 p with p ~ N(0, M) is N(0, M^-1).
        noise = metric.velocity(metric.sample_momentum(key_proposal, flat))
        proposal = flat + jnp.asarray(params.step_size, dtype) * noise
        proposal_logdensity = jnp.asarray(logdensity_fn(unravel(proposal)), dtype)
        logdensity = jnp.asarray(state.logdensity, dtype)
        log_ratio = proposal_logdensity - logdensity
        is_nan = jnp.isnan(proposal_logdensity)
        acceptance = jnp.where(is_nan, 0.0, jnp.exp(jnp.minimum(log_ratio, 0.0))).astype(dtype)
        accept = ~is_nan & (jax.random.uniform(key_accept, dtype=dtype) < acceptance)
        new_logdensity = jnp.where(accept, proposal_logdensity, logdensity)
        new_state = RWMState(unravel(jnp.where(accept, proposal, flat)), new_logdensity)
        info = TransitionInfo(
            acceptance_rate=acceptance,
            is_divergent=is_nan,
            energy=-new_logdensity,
            num_integration_steps=jnp.zeros((), jnp.int32),
            tree_depth=jnp.zeros((), jnp.int32),
            reached_max_treedepth=jnp.zeros((), bool),
            symmetric_acceptance_rate=symmetric_acceptance(-log_ratio, acceptance),
        )
        return new_state, info
