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
changes, the step size is re-initialised by Stan's heuristic and dual averaging starts. In
the last ``step_size_window`` of warm-up the mass matrix is fixed and dual averaging restarts
for the final step size (``restart_final_window=True``, the default), as Stan's windows do.
nutpie does not restart there (``restart_final_window=False``): measured on the benchmark
posteriors, not restarting gives larger final step sizes, 10-25% more ESS per gradient on the
100-d Gaussian and the 5000x50 logistic regression (sampling acceptance 0.81 instead of
0.83-0.85 at a target of 0.8), but more divergences on curved posteriors (medians over 8 keys,
4,000 draws each: the 2-d banana 163 against 40, min ESS 14 against 70; stochastic
volatility 16 against 4), so the restart stays the default.

After the last switch nutpie also changes what dual averaging aims at: the mean over the
trajectory of ``2 / (1 + exp|dH|)`` for each point's energy error ``dH``
(``TransitionInfo.symmetric_acceptance_rate``) rather than ``min(1, exp(-dH))``, so that an
energy drop counts against the step size as a rise does. ``late_acceptance="symmetric"`` does
the same. Medians over 6-8 keys of 4,000 draws (``benchmarks/README.md``): with the restart
and the usual statistic (the default), ESS per gradient is 0.85x nutpie's on the 100-d
Gaussian and the logistic regression, 0.92x on the eight schools and 1.0-1.4x on the banana,
stochastic volatility and the hierarchical model; with ``late_acceptance="symmetric"`` and no
restart it is 1.00x and 1.03x on the first two, 0.8-1.2x on the others, and it diverges about
as often as nutpie (banana 100 against nutpie's 106 and the default's 40; stochastic
volatility 12 against 8 and 4).

Every switch and update happens at the same iteration in every chain, so the schedule is a
static table and its branches are real conditionals under ``vmap``.
"""

from __future__ import annotations

import dataclasses
import functools
from typing import Any, NamedTuple

import jax
import jax.numpy as jnp
import numpy as np
from jax.flatten_util import ravel_pytree

from probflow.mcmc.adaptation import (
    _dual_averaging_start,
    check_target_accept,
    find_reasonable_step_size,
)
from probflow.mcmc.base import TransitionInfo
from probflow.mcmc.dual_averaging import DualAveragingState, dual_averaging_update
from probflow.mcmc.integrators import Integrator
from probflow.mcmc.welford import WelfordState, welford_init, welford_update
from probflow.typing import Array, ArrayLike, DTypeLike, LogDensityFn, PRNGKey

__all__ = ["GradientAdaptation", "GradientAdaptationState", "DrawWindow", "gradient_schedule",
           "low_rank_inverse_mass_matrix", "spd_mean"]

_CLAMP = (1e-20, 1e20)
SWITCH, UPDATE, FIRST_UPDATE, FINAL_START, FINAL, LOW_RANK_UPDATE = range(6)


class GradientAdaptationState(NamedTuple):
    """One chain's state for
    [`GradientAdaptation`][probflow.mcmc.gradient_adaptation.GradientAdaptation].

    Attributes:
        step_size: the step size for the next transition.
        inverse_mass_matrix: ``(d,)`` diagonal.
        dual_averaging: the step-size recursion.
        draws, grads: foreground running moments of the draws and of their gradients.
        background_draws, background_grads: the background estimators.
        window: the draws and gradients of the current window
            ([`DrawWindow`][probflow.mcmc.gradient_adaptation.DrawWindow]), only
            with ``low_rank=True``.

    Examples:
        >>> import jax.numpy as jnp
        >>> from probflow.mcmc import GradientAdaptation, NUTS
        >>> state = NUTS().init(jnp.ones(3), lambda x: -0.5 * jnp.sum(x**2 / 4.0))
        >>> adapt = GradientAdaptation().init(state, 1.0, None, num_warmup=500)
        >>> adapt.inverse_mass_matrix        # 1 / |grad| at the initial point
        Array([4., 4., 4.], dtype=float32)
    """

    step_size: jax.Array
    inverse_mass_matrix: jax.Array
    dual_averaging: DualAveragingState
    draws: WelfordState
    grads: WelfordState
    background_draws: WelfordState
    background_grads: WelfordState
    window: DrawWindow | None = None


class DrawWindow(NamedTuple):
    """The draws and gradients of the current window, for the low-rank correction.

    A ring buffer of the last ``size`` draws; ``index`` holds each row's insertion number
    (-1 when empty; the initial point is 0, warm-up iteration ``i`` is ``i + 1``). Rows with
    ``index >= foreground_start`` form the window; a switch moves ``foreground_start`` to
    ``background_start``.
    """

    draws: jax.Array
    grads: jax.Array
    index: jax.Array  # pyright: ignore[reportIncompatibleMethodOverride]
    count: jax.Array  # pyright: ignore[reportIncompatibleMethodOverride]
    foreground_start: jax.Array
    background_start: jax.Array


def _window_init(size: int, draw: Array, grad: Array) -> DrawWindow:
    d = draw.shape[0]
    window = DrawWindow(jnp.zeros((size, d), draw.dtype), jnp.zeros((size, d), draw.dtype),
                        jnp.full((size,), -1, jnp.int32), jnp.zeros((), jnp.int32),
                        jnp.zeros((), jnp.int32), jnp.zeros((), jnp.int32))
    return _window_add(window, draw, grad)


def _window_add(window: DrawWindow, draw: Array, grad: Array) -> DrawWindow:
    row = window.count % window.index.shape[0]
    return window._replace(draws=window.draws.at[row].set(draw),
                           grads=window.grads.at[row].set(grad),
                           index=window.index.at[row].set(window.count),
                           count=window.count + 1)


def _window_switch(window: DrawWindow) -> DrawWindow:
    return window._replace(foreground_start=window.background_start,
                           background_start=window.count)


def spd_mean(a: ArrayLike, b: ArrayLike) -> Array:
    """The geometric mean of SPD matrices: the ``S`` with ``S b S = a``.

    ``S = b^(-1/2) (b^(1/2) a b^(1/2))^(1/2) b^(-1/2)``. For a Gaussian with covariance ``C``,
    ``a = cov(draws) = C`` and ``b = cov(gradients) = C^-1`` give ``S = C``.

    Examples:
        >>> import jax.numpy as jnp
        >>> s = spd_mean(jnp.diag(jnp.array([1.0, 4.0, 8.0])), jnp.diag(jnp.array([1.0, 1.0, 0.5])))
        >>> jnp.round(jnp.diag(s), 4)
        Array([1., 2., 4.], dtype=float32)
    """
    values, vectors = jnp.linalg.eigh(b)
    root = (vectors * jnp.sqrt(values)) @ vectors.T
    inverse_root = (vectors / jnp.sqrt(values)) @ vectors.T
    m_values, m_vectors = jnp.linalg.eigh(root @ a @ root)
    m_root = (m_vectors * jnp.sqrt(jnp.maximum(m_values, 0.0))) @ m_vectors.T
    return inverse_root @ m_root @ inverse_root


def low_rank_inverse_mass_matrix(draws: Array, grads: Array, valid: Array, *, gamma: float,
                                 eigval_cutoff: float) -> Array:
    """Diagonal-plus-low-rank ``M^-1`` from a window of draws and gradients (dense ``(d, d)``).

    The diagonal is ``std^2 = sd(draws) / sd(gradients)``; in the coordinates it scales to,
    the draws' and gradients' covariances are projected on the span of both (a thin SVD of
    each, then one orthonormal basis), regularised (``cov / gamma + I``), and their geometric
    mean ([`spd_mean`][probflow.mcmc.gradient_adaptation.spd_mean], the Fisher-divergence minimiser
    in that subspace) is
    eigendecomposed; eigenvalues above ``eigval_cutoff`` or below its inverse are kept as a
    correction ``S (I + U (L - 1) U^T) S``, the rest are left at 1 (Seyboldt, Carlson and
    Carpenter 2026; nutpie's ``low_rank_modified_mass_matrix``).

    Args:
        draws, grads: ``(n, d)`` rows (rows where ``valid`` is False are ignored).
        valid: ``(n,)`` booleans; at least 3 must be True.
        gamma, eigval_cutoff: regularisation and the eigenvalue threshold.

    Examples:
        >>> import jax, jax.numpy as jnp
        >>> cov = jnp.array([[1.0, 0.9], [0.9, 1.0]])
        >>> x = jax.random.multivariate_normal(jax.random.key(0), jnp.zeros(2), cov, (200,))
        >>> g = -x @ jnp.linalg.inv(cov)
        >>> m = low_rank_inverse_mass_matrix(x, g, jnp.ones(200, bool), gamma=1e-5,
        ...                                  eigval_cutoff=2.0)
        >>> bool(jnp.allclose(m, cov, atol=0.05))
        True
    """
    weight = valid.astype(draws.dtype)[:, None]
    n = jnp.sum(weight)
    centred_draws = (draws - jnp.sum(weight * draws, 0) / n) * weight
    centred_grads = (grads - jnp.sum(weight * grads, 0) / n) * weight
    draw_sd = jnp.sqrt(jnp.sum(centred_draws**2, 0))
    grad_sd = jnp.sqrt(jnp.sum(centred_grads**2, 0))
    std = jnp.sqrt(jnp.clip(draw_sd / grad_sd, *_CLAMP))
    x = (centred_draws / (std * n)).T                   # (d, n)
    g = (centred_grads * std / n).T
    u_x = jnp.linalg.svd(x, full_matrices=False)[0]
    u_g = jnp.linalg.svd(g, full_matrices=False)[0]
    basis = jnp.linalg.qr(jnp.concatenate([u_x, u_g], axis=1))[0]
    px, pg = basis.T @ x, basis.T @ g
    eye = jnp.eye(basis.shape[1], dtype=draws.dtype)
    mean = spd_mean(px @ px.T / gamma + eye, pg @ pg.T / gamma + eye)
    values, vectors = jnp.linalg.eigh(mean)
    keep = (values > eigval_cutoff) | (values < 1.0 / eigval_cutoff)
    values = jnp.where(keep, values, 1.0)
    u = basis @ vectors
    inner = jnp.eye(draws.shape[1], dtype=draws.dtype) + (u * (values - 1.0)) @ u.T
    matrix = std[:, None] * inner * std[None, :]
    ok = jnp.all(jnp.isfinite(matrix))
    return jnp.where(ok, matrix, jnp.diag(jnp.where(jnp.isfinite(std), std**2, 1.0)))


@functools.lru_cache(maxsize=64)
def gradient_schedule(num_warmup: int, early_window: float = 0.3, step_size_window: float = 0.15,
                      switch_every: int = 80, early_switch_every: int = 10,
                      low_rank_every: int = 10) -> np.ndarray:
    """The static ``(num_warmup, 6)`` boolean table of
    [`GradientAdaptation`][probflow.mcmc.gradient_adaptation.GradientAdaptation].

    Columns: the background estimators become the foreground (switch); the mass matrix is
    recomputed; it is the first such update; the final step-size window starts; the
    iteration is in the final window; the low-rank matrix is recomputed (the first update,
    every switch, and every ``low_rank_every`` updates). The initial point counts as one draw
    in both
    estimators; a switch needs enough background draws and enough warm-up left before the
    final window for another full window.

    Examples:
        >>> table = gradient_schedule(300)
        >>> [int(i) for i in np.flatnonzero(table[:, 0])][:4]   # early switches every 10
        [8, 18, 28, 38]
        >>> int(np.flatnonzero(table[:, 2])[0]), int(np.flatnonzero(table[:, 3])[0])
        (1, 255)
    """
    table = np.zeros((max(int(num_warmup), 0), 6), bool)
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
            table[i, LOW_RANK_UPDATE] = (not updated or table[i, SWITCH]
                                         or i % low_rank_every == 0)
            updated = True
    return table


def _diagonal_from_gradient(grad: Array) -> Array:
    value = 1.0 / jnp.clip(jnp.abs(grad), *_CLAMP)
    return jnp.where(jnp.isfinite(value), value, 1.0).astype(grad.dtype)


@dataclasses.dataclass(frozen=True)
class GradientAdaptation:
    """nutpie's warm-up: a diagonal mass matrix from the variances of draws and gradients.

    The inverse mass matrix is ``sqrt(var(draws) / var(gradients))`` over a window of recent
    warm-up draws that is swapped for a newer one every ``early_switch_every`` draws early
    on and every ``switch_every`` draws later (see
    [`probflow.mcmc.gradient_adaptation`][probflow.mcmc.gradient_adaptation]);
    the step size follows dual averaging towards ``target_accept``, restarted for the last
    ``step_size_window`` of warm-up with the mass matrix fixed (unless
    ``restart_final_window`` is off). It starts from ``1/|grad|``
    at the initial point. It needs a gradient-based kernel (NUTS, HMC, MALA), and its
    default warm-up is 500 iterations (nutpie's is 300; at 300, two of the 13 posteriordb
    posteriors of the validation suite failed, at 500 none did).

    Args:
        target_accept: the acceptance statistic dual averaging aims at (``None``: the
            kernel's default).
        early_window: share of warm-up with the short windows.
        step_size_window: share of warm-up at the end that adapts the step size only.
        switch_every, early_switch_every: window lengths (draws).
        low_rank: add nutpie's low-rank correction
            ([`low_rank_inverse_mass_matrix`][probflow.mcmc.gradient_adaptation.low_rank_inverse_mass_matrix]):
            the mass matrix becomes dense, diagonal plus the directions where the window's
            draws and gradients show strong correlation. Costs a thin SVD of the window every
            ``low_rank_every`` warm-up draws and a dense metric; for correlated posteriors
            of up to a few hundred dimensions.
        eigval_cutoff, gamma: keep eigenvalues outside ``(1/cutoff, cutoff)``; regularisation.
        low_rank_every: recompute the low-rank matrix every this many draws (and at switches).
        restart_final_window: restart dual averaging where the final step-size window starts
            (the default, as Stan). ``False`` continues it, as nutpie: larger final step sizes,
            more ESS per gradient on smooth posteriors and more divergences on curved ones
            (see [`probflow.mcmc.gradient_adaptation`][probflow.mcmc.gradient_adaptation]).
        late_acceptance: the statistic dual averaging follows after the last window switch:
            ``"standard"`` (the default), the mean of ``min(1, exp(-dH))`` over the trajectory,
            or ``"symmetric"``, nutpie's mean of ``2 / (1 + exp|dH|)``, which also penalises
            energy drops. With ``restart_final_window=False`` it reproduces nutpie's step sizes
            and ESS per gradient, and its divergences on curved posteriors.

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
    low_rank: bool = False
    eigval_cutoff: float = 100.0
    gamma: float = 1e-5
    low_rank_every: int = 10
    restart_final_window: bool = True
    late_acceptance: str = "standard"

    name = "nutpie"
    default_num_warmup = 500
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
        if not (isinstance(self.low_rank_every, int) and self.low_rank_every >= 1):
            raise ValueError(f"GradientAdaptation: low_rank_every must be a positive int, got "
                             f"{self.low_rank_every!r}")
        if not float(self.eigval_cutoff) > 1.0:
            raise ValueError(f"GradientAdaptation: eigval_cutoff must be > 1, got "
                             f"{self.eigval_cutoff!r}")
        if not isinstance(self.restart_final_window, bool):
            raise TypeError(f"GradientAdaptation: restart_final_window must be a bool, got "
                            f"{self.restart_final_window!r}")
        if self.late_acceptance not in ("standard", "symmetric"):
            raise ValueError(f"GradientAdaptation: late_acceptance must be 'standard' or "
                             f"'symmetric', got {self.late_acceptance!r}")
        if not float(self.gamma) > 0.0:
            raise ValueError(f"GradientAdaptation: gamma must be positive, got {self.gamma!r}")

    @property
    def window_size(self) -> int:
        """Rows of the low-rank window buffer: the longest a window can get."""
        return 3 * max(self.switch_every, self.early_switch_every) + 2

    def _table(self, num_warmup: int) -> np.ndarray:
        return gradient_schedule(num_warmup, self.early_window, self.step_size_window,
                                 self.switch_every, self.early_switch_every,
                                 self.low_rank_every)

    def initial_tuning(self, owner: str, dim: int,
                       dtype: DTypeLike) -> tuple[np.ndarray, np.ndarray]:
        """Step size 1 and a unit diagonal:
        [`init`][probflow.mcmc.gradient_adaptation.GradientAdaptation.init] replaces the diagonal by
        ``1/|grad|``
        and the step size by Stan's heuristic at the first mass-matrix update."""
        del owner
        return np.asarray(1.0, dtype), np.ones(dim, dtype)

    def init(self, state: Any, step_size: ArrayLike, inverse_mass_matrix: ArrayLike | None, *,
             num_warmup: int) -> GradientAdaptationState:
        """One chain's state: the initial point and gradient seed both estimators."""
        del inverse_mass_matrix, num_warmup
        flat, _ = ravel_pytree(state.position)
        grad, _ = ravel_pytree(state.logdensity_grad)
        dtype = flat.dtype
        step_size = jnp.asarray(step_size, dtype)
        grad = grad.astype(dtype)
        empty = welford_init(flat.shape[0], dtype=dtype)
        draws = welford_update(empty, flat)
        grads = welford_update(empty, grad)
        diagonal = _diagonal_from_gradient(grad)
        window = None
        if self.low_rank:
            diagonal = jnp.diag(diagonal)
            window = _window_init(self.window_size, flat, grad)
        return GradientAdaptationState(step_size, diagonal, _dual_averaging_start(step_size),
                                       draws, grads, draws, grads, window)

    def update(self, key: PRNGKey, adapt_state: GradientAdaptationState, iteration: ArrayLike,
               state: Any, info: TransitionInfo, *, num_warmup: int,
               logdensity_fn: LogDensityFn,
               integrator: Integrator | None) -> GradientAdaptationState:
        """The tuning after warm-up iteration ``iteration`` (an unbatched int scalar)."""
        if integrator is None:
            raise TypeError("GradientAdaptation needs a gradient-based kernel (NUTS, HMC, MALA)")
        # (pf.mcmc.sample replaces target_accept=None by the kernel's default before the run)
        target_accept = self.target_accept
        assert target_accept is not None, "GradientAdaptation: target_accept is unresolved"
        row = jnp.asarray(self._table(num_warmup))[jnp.clip(iteration, 0, num_warmup - 1)]
        flat, _ = ravel_pytree(state.position)
        s = adapt_state
        dtype = s.step_size.dtype
        flat = flat.astype(dtype)
        grad = ravel_pytree(state.logdensity_grad)[0].astype(dtype)

        def accumulate(s: GradientAdaptationState) -> GradientAdaptationState:
            window = None if s.window is None else _window_add(s.window, flat, grad)
            return s._replace(
                draws=welford_update(s.draws, flat), grads=welford_update(s.grads, grad),
                background_draws=welford_update(s.background_draws, flat),
                background_grads=welford_update(s.background_grads, grad), window=window)

        def switch(s: GradientAdaptationState) -> GradientAdaptationState:
            empty = welford_init(flat.shape[0], dtype=dtype)
            window = None if s.window is None else _window_switch(s.window)
            return s._replace(draws=s.background_draws, grads=s.background_grads,
                              background_draws=empty, background_grads=empty, window=window)

        s = jax.lax.cond(row[FINAL], lambda s: s, accumulate, s)
        s = jax.lax.cond(row[SWITCH], switch, lambda s: s, s)
        if self.low_rank:
            def low_rank_update(s: GradientAdaptationState) -> GradientAdaptationState:
                w = s.window
                assert w is not None  # (init makes the window when low_rank is set)
                valid = (w.index >= w.foreground_start) & (w.index >= 0)
                matrix = low_rank_inverse_mass_matrix(
                    w.draws, w.grads, valid, gamma=self.gamma, eigval_cutoff=self.eigval_cutoff)
                return s._replace(inverse_mass_matrix=matrix.astype(dtype))

            s = jax.lax.cond(row[LOW_RANK_UPDATE], low_rank_update, lambda s: s, s)
        else:
            estimate = jnp.sqrt(s.draws.m2 / s.grads.m2)
            valid = jnp.isfinite(estimate) & (estimate > 0)
            estimate = jnp.where(valid, jnp.clip(estimate, *_CLAMP), s.inverse_mass_matrix)
            s = s._replace(inverse_mass_matrix=jnp.where(row[UPDATE], estimate,
                                                         s.inverse_mass_matrix))

        def restart(s: GradientAdaptationState) -> GradientAdaptationState:
            step_size = find_reasonable_step_size(key, state.position, logdensity_fn,
                                                  s.inverse_mass_matrix, s.step_size,
                                                  integrator)
            return s._replace(step_size=step_size, dual_averaging=_dual_averaging_start(step_size))

        acceptance = info.acceptance_rate
        if self.late_acceptance == "symmetric":
            switches = np.flatnonzero(self._table(num_warmup)[:, SWITCH])
            last_switch = int(switches[-1]) if switches.size else -1
            late = jnp.asarray(iteration) > last_switch
            acceptance = jnp.where(late, info.symmetric_acceptance_rate, acceptance)

        def adapt_step(s: GradientAdaptationState) -> GradientAdaptationState:
            da = dual_averaging_update(s.dual_averaging, jnp.minimum(acceptance, 1.0),
                                       target_accept=target_accept)
            da = jax.tree_util.tree_map(
                lambda x, old: x.astype(old.dtype), da, s.dual_averaging)
            return s._replace(step_size=jnp.exp(da.log_step_size).astype(dtype),
                              dual_averaging=da)

        s = jax.lax.cond(row[FIRST_UPDATE], restart, adapt_step, s)
        if self.restart_final_window:
            s = jax.lax.cond(
                row[FINAL_START],
                lambda s: s._replace(dual_averaging=_dual_averaging_start(s.step_size)),
                lambda s: s, s)
        final = jnp.exp(s.dual_averaging.log_step_size_average).astype(dtype)
        return s._replace(step_size=jnp.where(iteration == num_warmup - 1, final, s.step_size))
