"""Symplectic integrators of Hamiltonian dynamics, described as data.

An [`Integrator`][probflow.mcmc.integrators.Integrator] lists the coefficients of a palindromic
splitting scheme:
momentum kicks ``b_0, ..., b_s`` interleaved with position drifts ``a_0, ..., a_{s-1}``
(``p += b_0 h grad; x += a_0 h M^-1 p; p += b_1 h grad; ...``). Palindromic schemes are
time-reversible and volume-preserving, so they are valid HMC proposals. One
[`integrator_step`][probflow.mcmc.integrators.integrator_step] costs ``s`` gradient evaluations (the
last gradient is cached).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import NamedTuple

import jax
import jax.numpy as jnp

from probflow.mcmc.metrics import Metric
from probflow.typing import Array, ArrayLike

__all__ = [
    "Integrator",
    "IntegratorState",
    "velocity_verlet",
    "leapfrog",
    "mclachlan",
    "blanes",
    "integrator_step",
]


class Integrator(NamedTuple):
    """A palindromic splitting scheme.

    Attributes:
        name: a label.
        momentum_coefficients: ``s + 1`` kick weights (fractions of the step size).
        position_coefficients: ``s`` drift weights (fractions of the step size).
    """

    name: str
    momentum_coefficients: tuple[float, ...]
    position_coefficients: tuple[float, ...]

    @property
    def num_gradient_evaluations(self) -> int:
        """Gradient evaluations per step (``s``)."""
        return len(self.position_coefficients)


class IntegratorState(NamedTuple):
    """Phase-space point on flat ``(d,)`` vectors, with its cached log density and gradient."""

    position: jax.Array
    momentum: jax.Array
    logdensity: jax.Array
    logdensity_grad: jax.Array


def _two_stage(name: str, b: float) -> Integrator:
    return Integrator(name, (b, 1.0 - 2.0 * b, b), (0.5, 0.5))


velocity_verlet = Integrator("velocity_verlet", (0.5, 0.5), (1.0,))
"""Velocity Verlet (leapfrog): one gradient a step, error ``O(h^2)``."""

leapfrog = velocity_verlet

mclachlan = _two_stage("mclachlan", 0.1931833275037836)
"""Two-stage scheme of McLachlan (1995), minimising the leading error term."""

blanes = _two_stage("blanes", 0.21178)
"""Two-stage scheme of Blanes, Casas & Sanz-Serna (2014), tuned for HMC acceptance."""


def integrator_step(
    integrator: Integrator,
    state: IntegratorState,
    step_size: ArrayLike,
    metric: Metric,
    logdensity_and_grad_fn: Callable[[Array], tuple[Array, Array]],
) -> IntegratorState:
    """Advance ``state`` by one step of size ``step_size`` (negative to go back in time).

    Args:
        integrator: the scheme.
        state: flat ``(d,)`` position and momentum, scalar log density, ``(d,)`` gradient.
        step_size: scalar.
        metric: gives the velocity ``M^-1 p``.
        logdensity_and_grad_fn: flat ``(d,) -> (scalar, (d,))``.

    Examples:
        >>> import jax, jax.numpy as jnp
        >>> from probflow.mcmc.metrics import gaussian_euclidean
        >>> f = jax.value_and_grad(lambda x: -0.5 * jnp.sum(x**2))
        >>> x = jnp.array([1.0, 0.0]); logp, g = f(x)
        >>> s = IntegratorState(x, jnp.array([0.0, 1.0]), logp, g)
        >>> s = integrator_step(velocity_verlet, s, 0.1, gaussian_euclidean(jnp.ones(2)), f)
        >>> s.position.shape
        (2,)
    """
    position, momentum, logdensity, grad = state
    dtype = position.dtype
    step_size = jnp.asarray(step_size, dtype)
    kicks = integrator.momentum_coefficients
    drifts = integrator.position_coefficients
    momentum = momentum + jnp.asarray(kicks[0], dtype) * step_size * grad
    for drift, kick in zip(drifts, kicks[1:], strict=True):
        position = position + jnp.asarray(drift, dtype) * step_size * metric.velocity(momentum)
        logdensity, grad = logdensity_and_grad_fn(position)
        momentum = momentum + jnp.asarray(kick, dtype) * step_size * grad
    return IntegratorState(position, momentum, logdensity, grad)
