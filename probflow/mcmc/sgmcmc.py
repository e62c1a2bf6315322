"""Stochastic-gradient MCMC: SGLD (Welling & Teh, 2011) and SGHMC (Chen et al., 2014).

Functional like the other kernels, but driven by a (mini-batch) *gradient* of the log
density rather than the log density itself, so a step costs one mini-batch gradient and no
accept/reject: ``state = kernel.init(position)``, ``state = kernel.step(key, state, grad)``.
[`minibatch_grad_fn`][probflow.mcmc.sgmcmc.minibatch_grad_fn] builds the usual unbiased estimate
``grad log p(w) + (n / b) * sum_batch grad log p(y_i | x_i, w)``. Without a decreasing step
size the chains are biased by an amount that shrinks with the step size.
"""

from __future__ import annotations

from collections.abc import Callable

import jax
import jax.numpy as jnp

from probflow.core.pytree import Struct, static_field
from probflow.typing import Array, ArrayLike, LogDensityFn, PRNGKey, PyTree

__all__ = ["SGLD", "SGHMC", "SGLDState", "SGHMCState", "minibatch_grad_fn"]


def _check_positive(owner: str, name: str, value: object) -> None:
    if isinstance(value, int | float) and not isinstance(value, bool) and not value > 0:
        raise ValueError(f"{owner}: {name} must be positive, got {value!r}")


def _normal_like(key: PRNGKey, tree: PyTree) -> PyTree:
    leaves, treedef = jax.tree_util.tree_flatten(tree)
    keys = jax.random.split(key, max(len(leaves), 1))
    noise = [jax.random.normal(k, jnp.shape(x), jnp.result_type(x))
             for k, x in zip(keys, leaves, strict=False)]
    return jax.tree_util.tree_unflatten(treedef, noise)


class SGLDState(Struct):
    """Position and step counter of [`SGLD`][probflow.mcmc.sgmcmc.SGLD].

    Examples:
        >>> import jax.numpy as jnp
        >>> int(SGLD().init(jnp.zeros(3)).count)
        0
    """

    position: PyTree
    count: jax.Array


class SGHMCState(Struct):
    """Position, momentum and step counter of [`SGHMC`][probflow.mcmc.sgmcmc.SGHMC].

    Examples:
        >>> import jax.numpy as jnp
        >>> SGHMC().init(jnp.ones(2)).momentum.tolist()
        [0.0, 0.0]
    """

    position: PyTree
    momentum: PyTree
    count: jax.Array


class SGLD(Struct):
    """Stochastic gradient Langevin dynamics.

    ``w <- w + (eps_t / 2) g + N(0, eps_t)`` with ``g`` an unbiased estimate of the gradient
    of the log density and ``eps_t = step_size * (1 + t / decay_steps) ** -decay_power``
    (constant when ``decay_steps`` is ``None``).

    Examples:
        >>> import jax, jax.numpy as jnp
        >>> from probflow.mcmc.sgmcmc import SGLD
        >>> kernel = SGLD(step_size=0.1)
        >>> state = kernel.init(jnp.zeros(2))
        >>> grad = jax.grad(lambda w: -0.5 * jnp.sum(w**2))
        >>> state = kernel.step(jax.random.key(0), state, grad(state.position))
        >>> state.position.shape, int(state.count)
        ((2,), 1)
    """

    step_size: float = static_field(default=1e-4)
    decay_steps: float | None = static_field(default=None)
    decay_power: float = static_field(default=0.55)

    def __init__(self, step_size: float = 1e-4, decay_steps: float | None = None,
                 decay_power: float = 0.55) -> None:
        _check_positive("SGLD", "step_size", step_size)
        if decay_steps is not None:
            _check_positive("SGLD", "decay_steps", decay_steps)
        self._set(step_size=step_size, decay_steps=decay_steps, decay_power=decay_power)

    def current_step_size(self, count: Array) -> Array:
        """``eps_t`` at step ``count``."""
        if self.decay_steps is None:
            return jnp.asarray(self.step_size)
        return self.step_size * (1.0 + count / self.decay_steps) ** (-self.decay_power)

    def init(self, position: PyTree) -> SGLDState:
        """Start at ``position`` (any PyTree of float arrays)."""
        # (Struct's generated __init__ is unknown to pyright: see core/pytree.py)
        count = jnp.zeros((), jnp.int32)
        return SGLDState(position=position, count=count)  # pyright: ignore[reportCallIssue]

    def step(self, key: PRNGKey, state: SGLDState, grad: PyTree) -> SGLDState:
        """One Langevin step given the gradient estimate ``grad`` at ``state.position``."""
        eps = self.current_step_size(state.count)
        noise = _normal_like(key, state.position)
        position = jax.tree_util.tree_map(
            lambda w, g, z: w + (0.5 * eps * g + jnp.sqrt(eps) * z).astype(w.dtype),
            state.position, grad, noise)
        count = state.count + 1
        return SGLDState(position=position, count=count)  # pyright: ignore[reportCallIssue]


class SGHMC(Struct):
    """Stochastic gradient Hamiltonian Monte Carlo with friction.

    In Chen et al.'s practical form with learning rate ``eta = step_size`` and friction
    ``alpha``: ``v <- (1 - alpha) v + eta g + N(0, 2 alpha eta)``, ``w <- w + v`` (the
    gradient-noise estimate is taken as zero). Momentum starts at zero.

    Examples:
        >>> import jax, jax.numpy as jnp
        >>> from probflow.mcmc.sgmcmc import SGHMC
        >>> kernel = SGHMC(step_size=0.01, friction=0.1)
        >>> state = kernel.init(jnp.ones(3))
        >>> state = kernel.step(jax.random.key(0), state, -state.position)
        >>> state.momentum.shape
        (3,)
    """

    step_size: float = static_field(default=1e-4)
    friction: float = static_field(default=0.1)

    def __init__(self, step_size: float = 1e-4, friction: float = 0.1) -> None:
        _check_positive("SGHMC", "step_size", step_size)
        if not (isinstance(friction, int | float) and 0 < friction <= 1):
            raise ValueError(f"SGHMC: friction must be in (0, 1], got {friction!r}")
        self._set(step_size=step_size, friction=friction)

    def init(self, position: PyTree) -> SGHMCState:
        """Start at ``position`` with zero momentum."""
        momentum = jax.tree_util.tree_map(jnp.zeros_like, position)
        count = jnp.zeros((), jnp.int32)
        return SGHMCState(position=position, momentum=momentum, count=count)  # pyright: ignore[reportCallIssue]

    def step(self, key: PRNGKey, state: SGHMCState, grad: PyTree) -> SGHMCState:
        """One SGHMC step given the gradient estimate ``grad`` at ``state.position``."""
        eta, alpha = self.step_size, self.friction
        noise = _normal_like(key, state.position)
        scale = (2.0 * alpha * eta) ** 0.5
        momentum = jax.tree_util.tree_map(
            lambda v, g, z: ((1 - alpha) * v + eta * g + scale * z).astype(v.dtype),
            state.momentum, grad, noise)
        position = jax.tree_util.tree_map(lambda w, v: w + v, state.position, momentum)
        count = state.count + 1
        return SGHMCState(position=position, momentum=momentum, count=count)  # pyright: ignore[reportCallIssue]


def minibatch_grad_fn(
    log_prior_fn: LogDensityFn, log_likelihood_fn: Callable[[PyTree, PyTree], Array],
    data_size: int,
) -> Callable[[PyTree, PyTree], PyTree]:
    """Unbiased gradient estimate of the log posterior from a mini-batch.

    Args:
        log_prior_fn: ``f(position) -> scalar``.
        log_likelihood_fn: ``f(position, batch) -> (b,)`` per-example log likelihoods.
        data_size: number of examples ``n`` in the full data set.

    Returns:
        ``grad(position, batch)``: gradient of ``log_prior + n / b * sum(log_lik)``.

    Examples:
        >>> import jax.numpy as jnp
        >>> g = minibatch_grad_fn(lambda w: -0.5 * w**2, lambda w, y: -0.5 * (y - w)**2, 10)
        >>> float(g(jnp.asarray(0.0), jnp.asarray([1.0, 1.0])))
        10.0
    """
    def estimate(position: PyTree, batch: PyTree) -> ArrayLike:
        lp = log_prior_fn(position)
        ll = log_likelihood_fn(position, batch)
        return lp + data_size / ll.shape[0] * jnp.sum(ll)

    return jax.grad(estimate)
