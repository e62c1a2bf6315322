"""Warm-up that learns the mass matrix from draws and gradients (nutpie's scheme).

For a Gaussian target with covariance ``S`` the gradient at ``x`` is ``-S^-1 (x - mu)``, so
draws have covariance ``S`` and gradients ``S^-1``. The diagonal inverse mass matrix that
minimises the sample Fisher divergence between the target and a Gaussian with that
diagonal covariance is ``sqrt(var(draws) / var(gradients))`` elementwise (Seyboldt, Carlson
and Carpenter 2026): it uses the curvature the gradients carry, so it is good after a few
dozen draws where a draws-only variance needs hundreds.

The schedule follows nutpie (whose Rust core, nuts-rs, was read to understand it; the code
here is our own). Every warm-up draw and its gradient feed two running estimators, a
foreground one (used for the mass matrix) and a background one. Once the background has
``early_switch_every`` draws (during the first ``early_window`` of warm-up) or
``switch_every`` draws (after it), it becomes the foreground and a fresh background starts,
so the estimate always rests on recent draws, and early transients are forgotten quickly.
The mass matrix is recomputed from the foreground after every draw. The first time it
changes, the step size is re-initialised by Stan's heuristic. In the last
``step_size_window`` of warm-up the mass matrix is fixed and dual averaging restarts for the
final step size. Every switch and update happens at the same iteration in every chain, so the
schedule is a static table and its branches are real conditionals under ``vmap``.
"""

from __future__ import annotations

import dataclasses
import functools
from collections.abc import Callable
from typing import NamedTuple

import jax
import jax.numpy as jnp
import numpy as np
from jax.flatten_util import ravel_pytree

from probflow.mcmc.adaptation import (
    _dual_averaging_start,
    check_target_accept,
    find_reasonable_step_size,
)
from probflow.mcmc.dual_averaging import DualAveragingState, dual_averaging_update
from probflow.mcmc.integrators import Integrator
from probflow.mcmc.welford import WelfordState, welford_init, welford_update

__all__ = ["GradientAdaptation", "GradientAdaptationState", "gradient_schedule"]

_CLAMP = (1e-20, 1e20)
SWITCH, UPDATE, FIRST_UPDATE, FINAL_START, FINAL = range(5)


class GradientAdaptationState(NamedTuple):
    """One chain's state for :class:`GradientAdaptation`.

    Attributes:
        step_size: the step size for the next transition.
        inverse_mass_matrix: ``(d,)`` diagonal.
        dual_averaging: the step-size recursion.
        draws, grads: foreground running moments of the draws and of their gradients.
        background_draws, background_grads: the background estimators.
    """

    step_size: jax.Array
    inverse_mass_matrix: jax.Array
    dual_averaging: DualAveragingState
    draws: WelfordState
    grads: WelfordState
    background_draws: WelfordState
    background_grads: WelfordState


@functools.lru_cache(maxsize=64)
def gradient_schedule(num_warmup: int, early_window: float = 0.3, step_size_window: float = 0.15,
                      switch_every: int = 80, early_switch_every: int = 10) -> np.ndarray:
    """The static ``(num_warmup, 5)`` boolean table of :class:`GradientAdaptation`.

    Columns: the background estimators become the foreground (switch); the mass matrix is
    recomputed; it is the first such update; the final step-size window starts; the
    iteration is in the final window. The initial point counts as one draw in both
    estimators; a switch needs enough background draws and enough warm-up left before the
    final window for another full window.

    Examples:
        >>> table = gradient_schedule(300)
        >>> [int(i) for i in np.flatnonzero(table[:, 0])][:4]   # early switches every 10
        [8, 18, 28, 38]
        >>> int(np.flatnonzero(table[:, 2])[0]), int(np.flatnonzero(table[:, 3])[0])
        (1, 255)
    """
    table = np.zeros((max(int(num_warmup), 0), 5), bool)
    early_end = int(early_window * num_warmup)
    final_start = num_warmup - int(step_size_window * num_warmup)
    foreground = background = 1
    updated = False
    for i in range(num_warmup):
        if i >= final_start:
            table[i, FINAL] = True
            table[i, FINAL_START] = i == final_start
            continue
        foreground += 1
        background += 1
        every = early_switch_every if i < early_end else switch_every
        if background >= every and i + every <= final_start:
            table[i, SWITCH] = True
            foreground, background = background, 0
        if foreground >= 3:
            table[i, UPDATE] = True
            table[i, FIRST_UPDATE] = not updated
            updated = True
    return table


def _diagonal_from_gradient(grad):
    value = 1.0 / jnp.clip(jnp.abs(grad), *_CLAMP)
    return jnp.where(jnp.isfinite(value), value, 1.0).astype(grad.dtype)


@dataclasses.dataclass(frozen=True)
class GradientAdaptation:
    """nutpie's warm-up: a diagonal mass matrix from the variances of draws and gradients.

    The inverse mass matrix is ``sqrt(var(draws) / var(gradients))`` over a window of recent
    warm-up draws that is swapped for a newer one every ``early_switch_every`` draws early
    on and every ``switch_every`` draws later (see :mod:`probflow.mcmc.gradient_adaptation`);
    the step size follows dual averaging towards ``target_accept``, restarted for the last
    ``step_size_window`` of warm-up with the mass matrix fixed. It starts from ``1/|grad|``
    at the initial point. It needs a gradient-based kernel (NUTS, HMC, MALA), and its
    default warm-up is 300 iterations.

    Args:
        target_accept: the acceptance statistic dual averaging aims at (``None``: the
            kernel's default).
        early_window: share of warm-up with the short windows.
        step_size_window: share of warm-up at the end that adapts the step size only.
        switch_every, early_switch_every: window lengths (draws).

    Examples:
        >>> import jax, jax.numpy as jnp
        >>> import probflow as pf
        >>> scales = jnp.array([0.1, 1.0, 10.0])
        >>> idata = pf.mcmc.sample(lambda x: -0.5 * jnp.sum((x / scales) ** 2),
        ...                        key=jax.random.key(0), initial_position=jnp.ones((2, 3)),
        ...                        num_chains=2, adaptation=pf.mcmc.GradientAdaptation(),
        ...                        num_samples=200, progress_bar=False, warn=False)
        >>> imm = idata.mcmc_run.inverse_mass_matrix.mean(0)    # close to scales**2
        >>> bool(jnp.all(jnp.abs(jnp.log(imm / scales**2)) < 0.7))
        True
    """

    target_accept: float | None = None
    early_window: float = 0.3
    step_size_window: float = 0.15
    switch_every: int = 80
    early_switch_every: int = 10

    name = "nutpie"
    default_num_warmup = 300
    needs_gradients = True

    def __post_init__(self):
        check_target_accept("GradientAdaptation", self.target_accept)
        for name in ("early_window", "step_size_window"):
            value = getattr(self, name)
            if not 0.0 <= float(value) < 1.0:
                raise ValueError(f"GradientAdaptation: {name} must be in [0, 1), got {value!r}")
        for name in ("switch_every", "early_switch_every"):
            value = getattr(self, name)
            if not (isinstance(value, int) and value >= 3):
                raise ValueError(f"GradientAdaptation: {name} must be an int >= 3, got "
                                 f"{value!r}")

    def _table(self, num_warmup: int) -> np.ndarray:
        return gradient_schedule(num_warmup, self.early_window, self.step_size_window,
                                 self.switch_every, self.early_switch_every)

    def initial_tuning(self, owner: str, dim: int, dtype):
        """Step size 1 and a unit diagonal: :meth:`init` replaces the diagonal by ``1/|grad|``
        and the step size by Stan's heuristic at the first mass-matrix update."""
        del owner
        return np.asarray(1.0, dtype), np.ones(dim, dtype)

    def init(self, state, step_size, inverse_mass_matrix, *, num_warmup: int):
        """One chain's state: the initial point and gradient seed both estimators."""
        del inverse_mass_matrix, num_warmup
        flat, _ = ravel_pytree(state.position)
        grad, _ = ravel_pytree(state.logdensity_grad)
        dtype = flat.dtype
        step_size = jnp.asarray(step_size, dtype)
        empty = welford_init(flat.shape[0], dtype=dtype)
        draws = welford_update(empty, flat)
        grads = welford_update(empty, grad.astype(dtype))
        return GradientAdaptationState(step_size, _diagonal_from_gradient(grad.astype(dtype)),
                                       _dual_averaging_start(step_size), draws, grads, draws,
                                       grads)

    def update(self, key, adapt_state: GradientAdaptationState, iteration, state, info, *,
               num_warmup: int, logdensity_fn: Callable, integrator: Integrator | None):
        """The tuning after warm-up iteration ``iteration`` (an unbatched int scalar)."""
        if integrator is None:
            raise TypeError("GradientAdaptation needs a gradient-based kernel (NUTS, HMC, MALA)")
        row = jnp.asarray(self._table(num_warmup))[jnp.clip(iteration, 0, num_warmup - 1)]
        flat, _ = ravel_pytree(state.position)
        s = adapt_state
        dtype = s.step_size.dtype
        flat = flat.astype(dtype)
        grad = ravel_pytree(state.logdensity_grad)[0].astype(dtype)

        def accumulate(s):
            return s._replace(
                draws=welford_update(s.draws, flat), grads=welford_update(s.grads, grad),
                background_draws=welford_update(s.background_draws, flat),
                background_grads=welford_update(s.background_grads, grad))

        def switch(s):
            empty = welford_init(flat.shape[0], dtype=dtype)
            return s._replace(draws=s.background_draws, grads=s.background_grads,
                              background_draws=empty, background_grads=empty)

        s = jax.lax.cond(row[FINAL], lambda s: s, accumulate, s)
        s = jax.lax.cond(row[SWITCH], switch, lambda s: s, s)
        estimate = jnp.sqrt(s.draws.m2 / s.grads.m2)
        valid = jnp.isfinite(estimate) & (estimate > 0)
        estimate = jnp.where(valid, jnp.clip(estimate, *_CLAMP), s.inverse_mass_matrix)
        s = s._replace(inverse_mass_matrix=jnp.where(row[UPDATE], estimate,
                                                     s.inverse_mass_matrix))

        def restart(s):
            step_size = find_reasonable_step_size(key, state.position, logdensity_fn,
                                                  s.inverse_mass_matrix, s.step_size,
                                                  integrator)
            return s._replace(step_size=step_size, dual_averaging=_dual_averaging_start(step_size))

        def adapt_step(s):
            da = dual_averaging_update(s.dual_averaging,
                                       jnp.minimum(info.acceptance_rate, 1.0),
                                       target_accept=self.target_accept)
            da = jax.tree_util.tree_map(
                lambda x, old: x.astype(old.dtype), da, s.dual_averaging)
            return s._replace(step_size=jnp.exp(da.log_step_size).astype(dtype),
                              dual_averaging=da)

        s = jax.lax.cond(row[FIRST_UPDATE], restart, adapt_step, s)
        s = jax.lax.cond(
            row[FINAL_START],
            lambda s: s._replace(dual_averaging=_dual_averaging_start(s.step_size)),
            lambda s: s, s)
        final = jnp.exp(s.dual_averaging.log_step_size_average).astype(dtype)
        return s._replace(step_size=jnp.where(iteration == num_warmup - 1, final, s.step_size))
