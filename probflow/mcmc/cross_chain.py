"""Warm-up that learns from all chains at once: the cross-chain hook of the chain runner.

An ordinary [`Adaptation`][probflow.mcmc.base.Adaptation] tunes each chain from its own
draws; the runner ``vmap``s its ``update`` over chains. An ensemble scheme such as
[`ChEESAdaptation`][probflow.mcmc.chees_adaptation.ChEESAdaptation] pools statistics across
chains and gives every chain the same tuning. It meets the
[`CrossChainAdaptation`][probflow.mcmc.cross_chain.CrossChainAdaptation] protocol (the
``Adaptation`` contract plus ``cross_chain = True`` and ``for_kernel``), and the runner then
calls its ``update`` once per warm-up iteration on the whole batch (every argument with a
leading chain axis). Its state is still one copy per chain (the same values in each), so
checkpoints, [`extend`][probflow.mcmc.sample.extend] and ``idata.mcmc_run`` see the usual
``(chains, ...)`` shapes.

Reductions over chains go through [`chain_sum`][probflow.mcmc.cross_chain.chain_sum] and
[`chain_mean`][probflow.mcmc.cross_chain.chain_mean]: with ``chain_method="parallel"`` each
device holds a shard of the chains and the runner passes ``axis_name="chains"``, so the sums
cross devices (``jax.lax.psum``) and every device computes the same tuning.
``chain_method="sequential"`` runs one chain at a time and cannot pool them: the driver
refuses it.
"""

from __future__ import annotations

from typing import Any, Protocol, TypeGuard, runtime_checkable

import jax
import jax.numpy as jnp

from probflow.mcmc.base import _AdaptationMembers
from probflow.typing import Array, ArrayLike, LogDensityFn, PRNGKey

__all__ = ["CrossChainAdaptation", "is_cross_chain", "chain_sum", "chain_mean"]


@runtime_checkable
class CrossChainAdaptation(_AdaptationMembers, Protocol):
    """An [`Adaptation`][probflow.mcmc.base.Adaptation] whose update sees every chain at once.

    Besides the ``Adaptation`` members (``initial_tuning``, a per-chain ``init``,
    ``target_accept``, ``default_num_warmup``, ``needs_gradients``) it has

    * ``cross_chain``: ``True``;
    * ``for_kernel(owner, kernel) -> adaptation``: raise a ``TypeError`` when it cannot tune
      ``kernel``, else return itself configured for it;
    * ``update(keys, adapt_states, iteration, states, infos, *, num_warmup, logdensity_fn,
      integrator, axis_name)``: every argument but ``iteration`` (an unbatched int) has a
      leading chain axis, ``axis_name`` is the device axis the chains are sharded over
      (``None`` when they are not); it returns the new per-chain states.

    Examples:
        >>> from probflow import mcmc
        >>> isinstance(mcmc.ChEESAdaptation(), CrossChainAdaptation)
        True
        >>> isinstance(mcmc.WindowAdaptation(), CrossChainAdaptation)
        False
    """

    @property
    def cross_chain(self) -> bool: ...

    def for_kernel(self, owner: str, kernel: Any) -> CrossChainAdaptation: ...

    def update(self, keys: PRNGKey, adapt_states: Any, iteration: ArrayLike, states: Any,
               infos: Any, *, num_warmup: int, logdensity_fn: LogDensityFn,
               integrator: Any, axis_name: str | None = None) -> Any: ...


def is_cross_chain(adaptation: object) -> TypeGuard[CrossChainAdaptation]:
    """Whether the runner must call ``adaptation.update`` once on the whole batch of chains.

    Examples:
        >>> from probflow import mcmc
        >>> is_cross_chain(mcmc.ChEESAdaptation()), is_cross_chain(mcmc.GradientAdaptation())
        (True, False)
    """
    return isinstance(adaptation, CrossChainAdaptation) and bool(adaptation.cross_chain)


def chain_sum(x: ArrayLike, axis_name: str | None = None) -> Array:
    """Sum over the leading (chain) axis, and over devices when ``axis_name`` is given.

    Examples:
        >>> import jax.numpy as jnp
        >>> chain_sum(jnp.array([[1.0, 2.0], [3.0, 4.0]]))
        Array([4., 6.], dtype=float32)
    """
    total = jnp.sum(jnp.asarray(x), axis=0)
    return total if axis_name is None else jax.lax.psum(total, axis_name)


def chain_mean(x: ArrayLike, axis_name: str | None = None, *,
               weights: ArrayLike | None = None) -> Array:
    """Mean over the leading (chain) axis (over all devices' chains with ``axis_name``).

    Args:
        x: ``(chains, ...)``.
        axis_name: the device axis the chains are sharded over, or ``None``.
        weights: optional non-negative ``(chains,)`` weights (the result is NaN when they sum
            to 0).

    Examples:
        >>> import jax.numpy as jnp
        >>> x = jnp.array([1.0, 2.0, 6.0])
        >>> chain_mean(x), chain_mean(x, weights=jnp.array([1.0, 1.0, 0.0]))
        (Array(3., dtype=float32), Array(1.5, dtype=float32))
    """
    x = jnp.asarray(x)
    if weights is None:
        weights = jnp.ones(x.shape[:1], x.dtype)
    weights = jnp.asarray(weights, x.dtype).reshape(x.shape[:1] + (1,) * (x.ndim - 1))
    return chain_sum(weights * x, axis_name) / chain_sum(weights, axis_name)
