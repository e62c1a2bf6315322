"""Types shared by every kernel: parameters, states, infos, and flat-vector helpers.

Every kernel is a small frozen builder (static choices only) with

* ``state = kernel.init(position, logdensity_fn)`` and
* ``state, info = kernel.step(key, state, logdensity_fn, params)``,

where ``params`` is a :class:`KernelParams`. Positions are arbitrary PyTrees of
floating arrays; kernels ravel them to one flat ``(d,)`` vector internally.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, NamedTuple

import jax
import jax.numpy as jnp
from jax.flatten_util import ravel_pytree

__all__ = [
    "KernelParams",
    "HMCState",
    "RWMState",
    "NUTSInfo",
    "HMCInfo",
    "MALAInfo",
    "RWMInfo",
    "flat_logdensity_and_grad",
    "energy_error_checks",
]

PyTree = Any


class KernelParams(NamedTuple):
    """Numeric parameters shared by all kernels (traced: changing them never retraces).

    Attributes:
        step_size: scalar step size (for random-walk Metropolis, the proposal scale).
        inverse_mass_matrix: ``(d,)`` diagonal or ``(d, d)`` dense ``M^-1`` on the flattened
            position (for random-walk Metropolis, the proposal covariance shape).
    """

    step_size: Any
    inverse_mass_matrix: Any


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


class NUTSInfo(NamedTuple):
    """Diagnostics of one NUTS transition (all scalars).

    Attributes:
        acceptance_rate: mean Metropolis acceptance probability over the trajectory's
            points (Stan's ``accept_stat__``), the statistic step-size adaptation targets.
        is_divergent: the energy error exceeded the threshold, or was not finite.
        energy: Hamiltonian ``-log p(x) + K(p)`` of the selected point.
        num_integration_steps: integrator steps taken (including a rejected last subtree).
        tree_depth: number of doublings merged into the trajectory.
        reached_max_treedepth: the trajectory stopped only because of ``max_tree_depth``.
    """

    acceptance_rate: jax.Array
    is_divergent: jax.Array
    energy: jax.Array
    num_integration_steps: jax.Array
    tree_depth: jax.Array
    reached_max_treedepth: jax.Array


class HMCInfo(NamedTuple):
    """Diagnostics of one HMC transition; same fields as :class:`NUTSInfo`.

    ``tree_depth`` is 0 and ``reached_max_treedepth`` False; ``energy`` is the
    Hamiltonian of the new state.
    """

    acceptance_rate: jax.Array
    is_divergent: jax.Array
    energy: jax.Array
    num_integration_steps: jax.Array
    tree_depth: jax.Array
    reached_max_treedepth: jax.Array


class MALAInfo(NamedTuple):
    """Diagnostics of one MALA transition; same fields as :class:`NUTSInfo`."""

    acceptance_rate: jax.Array
    is_divergent: jax.Array
    energy: jax.Array
    num_integration_steps: jax.Array
    tree_depth: jax.Array
    reached_max_treedepth: jax.Array


class RWMInfo(NamedTuple):
    """Diagnostics of one random-walk Metropolis transition; same fields as :class:`NUTSInfo`.

    ``energy`` is ``-log p`` of the new state; ``is_divergent`` flags a NaN log density
    at the proposal (rejected); ``num_integration_steps`` and ``tree_depth`` are 0.
    """

    acceptance_rate: jax.Array
    is_divergent: jax.Array
    energy: jax.Array
    num_integration_steps: jax.Array
    tree_depth: jax.Array
    reached_max_treedepth: jax.Array


def flat_logdensity_and_grad(logdensity_fn: Callable, unravel: Callable) -> Callable:
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

    def flat_logdensity(flat):
        return jnp.asarray(logdensity_fn(unravel(flat)), flat.dtype)

    return jax.value_and_grad(flat_logdensity)


def init_gradient_state(position: PyTree, logdensity_fn: Callable) -> HMCState:
    """Evaluate the log density and its gradient at ``position``."""
    flat, unravel = ravel_pytree(position)
    logdensity, grad = flat_logdensity_and_grad(logdensity_fn, unravel)(flat)
    return HMCState(position, logdensity, unravel(grad))


def energy_error_checks(energy_error, grad, divergence_threshold):
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
