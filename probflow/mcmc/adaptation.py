"""Stan's windowed warm-up: step size by dual averaging, mass matrix by regularised Welford.

The pieces are small and pure, and the driver ([`probflow.mcmc.chains`][probflow.mcmc.chains])
composes them
inside one compiled scan:

* [`warmup_schedule`][probflow.mcmc.adaptation.warmup_schedule] (NumPy, static): for every warm-up
  iteration, whether its position
  feeds the mass-matrix estimate and whether a slow window ends there. Stan's layout: an
  initial fast buffer (75 iterations), slow windows of 25, 50, 100, ... iterations (the last
  one stretched to the terminal buffer), a terminal fast buffer (50).
* [`find_reasonable_step_size`][probflow.mcmc.adaptation.find_reasonable_step_size]: Stan's
  heuristic; doubles or halves the step until the
  acceptance of a single integrator step crosses 0.8.
* [`AdaptationState`][probflow.mcmc.adaptation.AdaptationState],
  [`adaptation_init`][probflow.mcmc.adaptation.adaptation_init],
  [`adaptation_update`][probflow.mcmc.adaptation.adaptation_update]: one chain's
  tuning state and its update after each warm-up transition. At the end of a slow window the
  mass matrix becomes the regularised sample (co)variance of the window's positions, the step
  size is re-initialised by the heuristic and dual averaging restarts; after the last warm-up
  iteration the step size is the dual-averaging average.
"""

from __future__ import annotations

import dataclasses
from typing import Any, NamedTuple

import jax
import jax.numpy as jnp
import numpy as np
from jax.flatten_util import ravel_pytree

from probflow.mcmc.base import TransitionInfo, flat_logdensity_and_grad
from probflow.mcmc.dual_averaging import (
    DualAveragingState,
    dual_averaging_init,
    dual_averaging_update,
)
from probflow.mcmc.integrators import Integrator, IntegratorState, integrator_step
from probflow.mcmc.metrics import gaussian_euclidean
from probflow.mcmc.welford import WelfordState, welford_covariance, welford_init, welford_update
from probflow.typing import Array, ArrayLike, DTypeLike, LogDensityFn, PRNGKey, PyTree

__all__ = [
    "AdaptationState",
    "adaptation_init",
    "adaptation_update",
    "find_reasonable_step_size",
    "warmup_schedule",
    "WindowAdaptation",
    "check_initial_tuning",
    "check_target_accept",
]


def warmup_schedule(num_warmup: int, *, initial_buffer: int = 75, terminal_buffer: int = 50,
                    base_window: int = 25, adapt_mass_matrix: bool = True) -> np.ndarray:
    """Stan's warm-up windows as a ``(num_warmup, 2)`` boolean table.

    Column 0 marks iterations whose position is added to the mass-matrix estimate; column 1
    marks the last iteration of each slow window (where the metric is updated). When
    ``initial_buffer + base_window + terminal_buffer`` exceeds ``num_warmup`` the three
    parts take 15%, 75% and 10% of it, as in Stan. Fewer than 20 warm-up iterations (or
    ``adapt_mass_matrix=False``) adapt the step size only.

    Examples:
        >>> s = warmup_schedule(1000)
        >>> [int(i) for i in np.flatnonzero(s[:, 1])]   # window ends: 75+25, +50, +100, ...
        [99, 149, 249, 449, 949]
        >>> int(s[:, 0].sum())
        875
    """
    num_warmup = int(num_warmup)
    table = np.zeros((max(num_warmup, 0), 2), bool)
    if num_warmup < 20 or not adapt_mass_matrix:
        return table
    if initial_buffer + base_window + terminal_buffer > num_warmup:
        initial_buffer = int(0.15 * num_warmup)
        terminal_buffer = int(0.1 * num_warmup)
        base_window = num_warmup - (initial_buffer + terminal_buffer)
    last_slow = num_warmup - terminal_buffer - 1
    table[initial_buffer:last_slow + 1, 0] = True
    size, end = base_window, initial_buffer + base_window - 1
    while True:
        table[end, 1] = True
        if end == last_slow:
            break
        size *= 2
        end = end + size
        # stretch the window to the terminal buffer when the next one would not fit
        if end + 2 * size > last_slow:
            end = last_slow
    return table


def find_reasonable_step_size(
    key: PRNGKey,
    position: PyTree,
    logdensity_fn: LogDensityFn,
    inverse_mass_matrix: ArrayLike,
    step_size: ArrayLike,
    integrator: Integrator,
    *,
    target: float = 0.8,
    max_iterations: int = 64,
) -> jax.Array:
    """Stan's initial step-size heuristic from ``position``.

    With a fresh momentum each time, one integrator step of size ``h`` is taken; if its
    acceptance probability is above ``target`` the step is doubled until it falls below,
    otherwise halved until it rises above. At most ``max_iterations`` changes, and the step
    stays in ``[1e-10, 1e7]``, so it always terminates (a NaN energy counts as rejection).

    Examples:
        >>> import jax, jax.numpy as jnp
        >>> from probflow.mcmc.integrators import velocity_verlet
        >>> h = find_reasonable_step_size(jax.random.key(0), jnp.zeros(3),
        ...                               lambda x: -0.5 * jnp.sum(x**2 / 0.01), jnp.ones(3),
        ...                               1.0, velocity_verlet)
        >>> bool(h < 1.0)   # a narrow target needs a smaller step
        True
    """
    flat, unravel = ravel_pytree(position)
    dtype = flat.dtype
    fn = flat_logdensity_and_grad(logdensity_fn, unravel)
    metric = gaussian_euclidean(jnp.asarray(inverse_mass_matrix, dtype))
    logdensity, grad = fn(flat)
    log_target = jnp.log(jnp.asarray(target, dtype))

    def delta_energy(key: PRNGKey, h: Array) -> Array:
        momentum = metric.sample_momentum(key, flat)
        start = IntegratorState(flat, momentum, logdensity, grad)
        end = integrator_step(integrator, start, h, metric, fn)
        h0 = -logdensity + metric.kinetic_energy(momentum)
        h1 = -end.logdensity + metric.kinetic_energy(end.momentum)
        delta = h0 - h1
        return jnp.where(jnp.isnan(delta), -jnp.inf, delta)

    step_size = jnp.asarray(step_size, dtype)
    # One loop (so the integrator is compiled once): the first pass only sets the direction
    # (+1: the step is accepted often enough, try larger ones; -1: try smaller ones).

    def cond(carry: tuple[PRNGKey, Array, Array, Array, Array]) -> Array:
        _, h, i, _, done = carry
        return ~done & (i <= max_iterations) & (h > 1e-10) & (h < 1e7)

    def body(
        carry: tuple[PRNGKey, Array, Array, Array, Array],
    ) -> tuple[PRNGKey, Array, Array, Array, Array]:
        key, h, i, direction, _ = carry
        key, sub = jax.random.split(key)
        delta = delta_energy(sub, h)
        first = i == 0
        direction = jnp.where(first, jnp.where(delta > log_target, 1.0, -1.0).astype(dtype),
                              direction)
        done = ~first & jnp.where(direction > 0, ~(delta > log_target), ~(delta < log_target))
        factor = jnp.where(direction > 0, 2.0, 0.5).astype(dtype)
        h = jnp.where(first | done, h, h * factor)
        return key, h, i + 1, direction, done

    _, step_size, _, _, _ = jax.lax.while_loop(
        cond, body, (key, step_size, jnp.zeros((), jnp.int32), jnp.ones((), dtype),
                     jnp.zeros((), bool))
    )
    return jnp.clip(step_size, 1e-10, 1e7)


class AdaptationState(NamedTuple):
    """One chain's warm-up state.

    Attributes:
        step_size: the step size for the next transition.
        inverse_mass_matrix: ``(d,)`` or ``(d, d)``.
        dual_averaging: the step-size recursion.
        welford: the running (co)variance of the current slow window.
    """

    step_size: jax.Array
    inverse_mass_matrix: jax.Array
    dual_averaging: DualAveragingState
    welford: WelfordState


def adaptation_init(step_size: ArrayLike, inverse_mass_matrix: ArrayLike) -> AdaptationState:
    """Start from a step size and an inverse mass matrix (``(d,)`` or ``(d, d)``).

    Examples:
        >>> import jax.numpy as jnp
        >>> state = adaptation_init(0.5, jnp.ones(3))
        >>> state.welford.m2.shape
        (3,)
    """
    inverse_mass_matrix = jnp.asarray(inverse_mass_matrix)
    dtype = inverse_mass_matrix.dtype
    step_size = jnp.asarray(step_size, dtype)
    return AdaptationState(
        step_size,
        inverse_mass_matrix,
        _dual_averaging_start(step_size),
        welford_init(inverse_mass_matrix.shape[0], dense=inverse_mass_matrix.ndim == 2,
                     dtype=dtype),
    )


def _dual_averaging_start(step_size: Array) -> DualAveragingState:
    state = dual_averaging_init(step_size)
    return jax.tree_util.tree_map(
        lambda x: x.astype(step_size.dtype) if jnp.issubdtype(x.dtype, jnp.floating) else x,
        state,
    )


def adaptation_update(
    key: PRNGKey,
    state: AdaptationState,
    position: PyTree,
    acceptance_rate: ArrayLike,
    collect: ArrayLike,
    window_end: ArrayLike,
    last_iteration: ArrayLike,
    *,
    logdensity_fn: LogDensityFn,
    integrator: Integrator | None,
    target_accept: float,
    adapt_step_size: bool = True,
) -> AdaptationState:
    """Update one chain's tuning after a warm-up transition that ended at ``position``.

    ``collect``, ``window_end`` and ``last_iteration`` are boolean scalars (from
    [`warmup_schedule`][probflow.mcmc.adaptation.warmup_schedule]; the same for every chain, so the
    branches are real
    conditionals under ``vmap``). ``integrator=None`` skips the step-size heuristic (for
    kernels without gradients). ``key`` feeds the heuristic.

    Examples:
        >>> import jax, jax.numpy as jnp
        >>> state = adaptation_init(1.0, jnp.ones(2))
        >>> def update(acceptance_rate):
        ...     return adaptation_update(jax.random.key(0), state, jnp.zeros(2),
        ...                              acceptance_rate, True, False, False,
        ...                              logdensity_fn=lambda x: -jnp.sum(x**2),
        ...                              integrator=None, target_accept=0.8)
        >>> low, high = update(0.1), update(0.99)
        >>> bool(low.step_size < high.step_size), int(low.welford.count)
        (True, 1)
    """
    flat, _ = ravel_pytree(position)
    dtype = state.step_size.dtype
    da = state.dual_averaging
    step_size = state.step_size
    if adapt_step_size:
        da = dual_averaging_update(da, jnp.minimum(acceptance_rate, 1.0),
                                   target_accept=target_accept)
        step_size = jnp.exp(da.log_step_size).astype(dtype)
    welford = jax.lax.cond(collect, welford_update, lambda w, _: w, state.welford,
                           flat.astype(dtype))
    state = AdaptationState(step_size, state.inverse_mass_matrix, da, welford)

    def end_window(state: AdaptationState) -> AdaptationState:
        imm = welford_covariance(state.welford).astype(dtype)
        step_size = state.step_size
        if integrator is not None:
            step_size = find_reasonable_step_size(key, position, logdensity_fn, imm, step_size,
                                                  integrator)
        fresh = welford_init(imm.shape[0], dense=imm.ndim == 2, dtype=dtype)
        da = _dual_averaging_start(step_size) if adapt_step_size else state.dual_averaging
        return AdaptationState(step_size, imm, da, fresh)

    state = jax.lax.cond(window_end, end_window, lambda s: s, state)
    if adapt_step_size:
        final = jnp.exp(state.dual_averaging.log_step_size_average).astype(dtype)
        state = state._replace(step_size=jnp.where(last_iteration, final, state.step_size))
    return state


def check_initial_tuning(owner: str, step_size: float, inverse_mass_matrix: ArrayLike | None,
                         dim: int, dtype: DTypeLike,
                         dense: bool) -> tuple[np.ndarray, np.ndarray]:
    """Checked NumPy ``(step_size, inverse_mass_matrix)`` for ``dim`` unconstrained numbers.

    ``inverse_mass_matrix=None`` gives the identity (``(d,)`` ones, or ``(d, d)`` when
    ``dense``).

    Examples:
        >>> check_initial_tuning("sample", 0.5, None, 2, np.float32, False)[1]
        array([1., 1.], dtype=float32)
    """
    if inverse_mass_matrix is None:
        inverse_mass_matrix = np.eye(dim) if dense else np.ones(dim)
    inverse_mass_matrix = np.asarray(inverse_mass_matrix, dtype)
    expected = (dim, dim) if dense else (dim,)
    if inverse_mass_matrix.shape != expected:
        raise ValueError(
            f"{owner}: initial_inverse_mass_matrix must have shape {expected} for {dim} "
            f"unconstrained numbers with dense_mass={dense}, got {inverse_mass_matrix.shape}"
        )
    if not np.all(np.isfinite(inverse_mass_matrix)):
        raise ValueError(f"{owner}: initial_inverse_mass_matrix has non-finite entries")
    if not (np.isfinite(step_size) and step_size > 0):
        raise ValueError(f"{owner}: initial_step_size must be a finite positive number, got "
                         f"{step_size!r}")
    return np.asarray(step_size, dtype), inverse_mass_matrix


def check_target_accept(owner: str, target_accept: float | None) -> None:
    """Raise a ``ValueError`` unless ``target_accept`` is ``None`` or in ``(0, 1)``.

    Examples:
        >>> check_target_accept("WindowAdaptation", 0.9)
        >>> try:
        ...     check_target_accept("WindowAdaptation", 1.5)
        ... except ValueError as e:
        ...     print(e)
        WindowAdaptation: target_accept must be in (0, 1), got 1.5
    """
    if target_accept is not None and not 0.0 < float(target_accept) < 1.0:
        raise ValueError(f"{owner}: target_accept must be in (0, 1), got {target_accept!r}")


@dataclasses.dataclass(frozen=True)
class WindowAdaptation:
    """Stan's windowed warm-up, as an ``init``/``update`` pair for
    [`pf.mcmc.sample`][probflow.mcmc.sample].

    Step size by dual averaging towards ``target_accept``; a diagonal (or dense) mass matrix
    from the regularised sample (co)variance of the draws in slow windows of 25, 50, 100,
    ... iterations between a 75-iteration initial buffer and a 50-iteration terminal
    buffer ([`warmup_schedule`][probflow.mcmc.adaptation.warmup_schedule]). Pass it as ``sample(...,
    adaptation=...)``.

    Args:
        target_accept: dual averaging's target acceptance statistic (``None``: the kernel's
            default, 0.8 for NUTS and HMC).
        dense_mass: adapt a dense instead of a diagonal mass matrix.
        adapt_step_size, adapt_mass_matrix: switch parts of the warm-up off (both off: the
            initial values are used throughout).
        initial_step_size: the first step size.
        initial_inverse_mass_matrix: the first inverse mass matrix (``(d,)``, or ``(d, d)``
            with ``dense_mass``; default the identity).
        initial_buffer, terminal_buffer, base_window: Stan's window sizes.

    Examples:
        >>> import jax, jax.numpy as jnp
        >>> import probflow as pf
        >>> idata = pf.mcmc.sample(lambda p: -0.5 * jnp.sum(p["x"] ** 2), key=jax.random.key(0),
        ...                        initial_position={"x": jnp.zeros((2, 3))}, num_chains=2,
        ...                        adaptation=pf.mcmc.WindowAdaptation(target_accept=0.9),
        ...                        num_warmup=100, num_samples=50, progress_bar=False, warn=False)
        >>> idata.mcmc_run.step_size.shape
        (2,)
    """

    target_accept: float | None = None
    dense_mass: bool = False
    adapt_step_size: bool = True
    adapt_mass_matrix: bool = True
    initial_step_size: float = 1.0
    initial_inverse_mass_matrix: Any = dataclasses.field(default=None, compare=False,
                                                         hash=False, repr=False)
    initial_buffer: int = 75
    terminal_buffer: int = 50
    base_window: int = 25

    name = "stan"
    default_num_warmup = 1000
    needs_gradients = False

    def __post_init__(self):
        check_target_accept("WindowAdaptation", self.target_accept)
        for name in ("initial_buffer", "terminal_buffer", "base_window"):
            value = getattr(self, name)
            if not (isinstance(value, int) and value >= 0):
                raise ValueError(f"WindowAdaptation: {name} must be a non-negative int, got "
                                 f"{value!r}")

    def initial_tuning(self, owner: str, dim: int,
                       dtype: DTypeLike) -> tuple[np.ndarray, np.ndarray]:
        """Checked ``(step_size, inverse_mass_matrix)`` to start every chain from."""
        return check_initial_tuning(owner, self.initial_step_size,
                                    self.initial_inverse_mass_matrix, dim, dtype,
                                    self.dense_mass)

    def init(self, state: Any, step_size: ArrayLike, inverse_mass_matrix: ArrayLike, *,
             num_warmup: int) -> AdaptationState:
        """One chain's [`AdaptationState`][probflow.mcmc.adaptation.AdaptationState] (``state`` is
        the kernel's initial state)."""
        del state, num_warmup
        return adaptation_init(step_size, inverse_mass_matrix)

    def update(self, key: PRNGKey, adapt_state: AdaptationState, iteration: ArrayLike,
               state: Any, info: TransitionInfo, *, num_warmup: int,
               logdensity_fn: LogDensityFn, integrator: Integrator | None) -> AdaptationState:
        """The tuning after warm-up iteration ``iteration`` (an unbatched int scalar)."""
        # (pf.mcmc.sample replaces target_accept=None by the kernel's default before the run)
        assert self.target_accept is not None, "WindowAdaptation: target_accept is unresolved"
        table = warmup_schedule(num_warmup, initial_buffer=self.initial_buffer,
                                terminal_buffer=self.terminal_buffer,
                                base_window=self.base_window,
                                adapt_mass_matrix=self.adapt_mass_matrix)
        row = jnp.asarray(table)[jnp.clip(iteration, 0, num_warmup - 1)]
        return adaptation_update(
            key, adapt_state, state.position, info.acceptance_rate, row[0], row[1],
            iteration == num_warmup - 1, logdensity_fn=logdensity_fn, integrator=integrator,
            target_accept=self.target_accept, adapt_step_size=self.adapt_step_size,
        )
