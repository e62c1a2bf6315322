"""``pf.vi.pathfinder``: Pathfinder variational inference (Zhang, Carpenter, Gelman and Vehtari
2022, "Pathfinder: parallel quasi-Newton variational inference").

Each path runs L-BFGS (``optax.lbfgs``) on the negative log density of the unconstrained
posterior from its own starting point. At every iterate ``x`` it forms the normal
approximation that L-BFGS implies: the inverse Hessian estimate ``Sigma = diag(alpha) + B G
B^T`` (a diagonal from the whole path plus the compact BFGS update of the last ``memory``
position and gradient differences, Byrd, Nocedal and Schnabel 1994) and the mean
``x + Sigma grad log p(x)`` (a Newton step). It estimates each normal's ELBO from
``num_elbo_draws`` draws and keeps the best along the path. The result is the equal-weight
mixture of the paths' best normals; its draws are corrected towards the posterior by
Pareto-smoothed importance resampling (multi-path Pathfinder), which ``result.sample`` does by
default.

[`initial_positions`][probflow.vi.pathfinder.initial_positions] turns a Pathfinder result into
starting points (and a diagonal inverse mass matrix) for ``pf.mcmc.sample``.
"""

from __future__ import annotations

import dataclasses
import functools
from collections.abc import Callable
from typing import Any, ClassVar, Literal, NamedTuple, cast

import jax
import jax.numpy as jnp
import numpy as np
import optax

from probflow import distributions as pfd
from probflow.core.checks import check_count
from probflow.core.keys import as_typed_key
from probflow.models.posterior import Posterior
from probflow.typing import Array, ArrayLike, PRNGKey, PyTree
from probflow.vi.elbo import ELBOConfig
from probflow.vi.guides import Guide
from probflow.vi.psis import approximation_khat, warn_if_unreliable
from probflow.vi.result import VIResult

__all__ = ["pathfinder", "PathfinderGuide", "PathfinderInit", "initial_positions"]


@dataclasses.dataclass(frozen=True)
class PathfinderGuide(Guide):
    """The approximation of [`pathfinder`][probflow.vi.pathfinder.pathfinder]: an equal-weight
    mixture of normals, one per path (parameters ``loc`` ``(num_paths, d)`` and
    ``scale_tril`` ``(num_paths, d, d)``).

    Examples:
        >>> import jax.numpy as jnp
        >>> import probflow as pf
        >>> q = pf.vi.PathfinderGuide().distribution(
        ...     {"loc": jnp.zeros((2, 3)), "scale_tril": jnp.broadcast_to(jnp.eye(3), (2, 3, 3))})
        >>> q.event_shape
        (3,)
    """

    name: ClassVar[str] = "pathfinder"
    analytic_entropy = False

    def init(self, key: PRNGKey | None, loc: ArrayLike) -> dict[str, Array]:
        loc = jnp.asarray(loc)[None]
        d = loc.shape[-1]
        return {"loc": loc, "scale_tril": jnp.eye(d, dtype=loc.dtype)[None]}

    def distribution(self, params: PyTree) -> pfd.Distribution:
        loc, scale_tril = params["loc"], params["scale_tril"]
        mixture = pfd.Categorical(logits=jnp.zeros(loc.shape[:1], loc.dtype))
        return pfd.MixtureSameFamily(mixture, pfd.MultivariateNormalTriL(loc, scale_tril))


class _Normal(NamedTuple):
    """``N(loc, diag(alpha) + beta @ gamma @ beta.T)`` in the factored form of one iterate."""

    loc: jax.Array
    alpha: jax.Array  # (d,)
    beta: jax.Array  # (d, 2m)
    gamma: jax.Array  # (2m, 2m)

    def covariance(self) -> Array:
        return jnp.diag(self.alpha) + self.beta @ self.gamma @ self.beta.T

    def sample_and_log_prob(self, key: PRNGKey, num: int) -> tuple[Array, Array]:
        # Sigma = A A^T with A = alpha^(1/2) (I + Q (L - I) Q^T), where Q R is the thin QR of
        # alpha^(-1/2) beta and L L^T = I + R gamma R^T: draws and log densities in O(d m^2)
        root = jnp.sqrt(self.alpha)
        q, r = jnp.linalg.qr(self.beta / root[:, None])
        chol = jnp.linalg.cholesky(jnp.eye(r.shape[0], dtype=r.dtype) + r @ self.gamma @ r.T)
        log_det = jnp.sum(jnp.log(self.alpha)) + 2.0 * jnp.sum(jnp.log(jnp.abs(jnp.diag(chol))))
        u = jax.random.normal(key, (num, self.loc.shape[0]), self.loc.dtype)
        inner = (u @ q) @ (chol - jnp.eye(chol.shape[0], dtype=chol.dtype)).T
        draws = self.loc + root * (inner @ q.T + u)
        d = self.loc.shape[0]
        log_q = -0.5 * (log_det + jnp.sum(u**2, axis=-1) + d * jnp.log(2.0 * jnp.pi))
        return draws, log_q


def _diagonal_update(alpha: Array, s: Array, y: Array) -> Array:
    """The diagonal inverse-Hessian estimate after the pair ``(s, y)`` (the paper's
    Algorithm 3): the diagonal that matches the BFGS update of ``diag(alpha)`` in the
    directions it can."""
    a = jnp.sum(alpha * y**2)
    b = jnp.dot(y, s)
    c = jnp.sum(s**2 / alpha)
    return 1.0 / (a / (b * alpha) + y**2 / b - a * s**2 / (b * c * alpha**2))


def _normal_at(x: Array, grad_log_p: Array, alpha: Array, s_hist: Array, y_hist: Array,
               used: Array) -> _Normal:
    """The normal approximation at iterate ``x`` from the last pairs ``s_hist``, ``y_hist``
    (``(m, d)``, oldest first; rows with ``used`` false are zero and left out)."""
    m = s_hist.shape[0]
    sy = s_hist @ y_hist.T  # (m, m): s_i . y_j
    r = jnp.triu(sy) + jnp.diag(jnp.where(used, 0.0, 1.0).astype(sy.dtype))
    r_inv = jax.scipy.linalg.solve_triangular(r, jnp.eye(m, dtype=r.dtype), lower=False)
    d_mat = jnp.diag(jnp.where(used, jnp.diag(sy), 0.0))
    yay = (y_hist * alpha) @ y_hist.T
    lower_right = r_inv.T @ (d_mat + yay) @ r_inv
    zero = jnp.zeros((m, m), r.dtype)
    gamma = jnp.block([[zero, -r_inv], [-r_inv.T, lower_right]])
    beta = jnp.concatenate([(y_hist * alpha).T, s_hist.T], axis=1)  # (d, 2m)
    sigma_grad = alpha * grad_log_p + beta @ (gamma @ (beta.T @ grad_log_p))
    return _Normal(x + sigma_grad, alpha, beta, gamma)


def _negative_log_density(posterior: Posterior) -> Callable[[Array], Array]:
    def fn(vector: Array) -> Array:
        return -posterior.unconstrained_log_density(posterior.unflatten(vector))

    return fn


@functools.partial(jax.jit, static_argnums=(0, 1, 2))
def _one_path(num_iterations: int, memory: int, num_elbo_draws: int, posterior: Posterior,
              x0: Array, key: PRNGKey) -> tuple[Array, Array, Array]:
    """L-BFGS from ``x0``, the normal at every iterate and its ELBO; returns the best normal's
    loc and covariance and the ELBO of every iterate."""
    f = _negative_log_density(posterior)
    solver = optax.lbfgs(memory_size=memory)
    value_and_grad = optax.value_and_grad_from_state(f)
    d = x0.shape[0]
    dtype = x0.dtype

    def elbo_of(normal: _Normal, key: PRNGKey) -> Array:
        draws, log_q = normal.sample_and_log_prob(key, num_elbo_draws)
        log_p = -jax.vmap(f)(draws)
        elbo = jnp.mean(log_p - log_q)
        return jnp.where(jnp.isfinite(elbo), elbo, -jnp.inf)

    def step(carry: tuple, _: None) -> tuple[tuple, Array]:
        x, opt_state, value, grad, alpha, s_hist, y_hist, used, best, done = carry
        updates, new_state = solver.update(grad, opt_state, x, value=value, grad=grad,
                                           value_fn=f)
        new_x = cast(Array, optax.apply_updates(x, updates))  # vectors, as x and grad
        new_value, new_grad = value_and_grad(new_x, state=new_state)
        new_grad = cast(Array, new_grad)
        ok = jnp.all(jnp.isfinite(new_x)) & jnp.isfinite(new_value) & jnp.all(
            jnp.isfinite(new_grad)) & ~done
        # converged (no relative decrease left): later pairs would be rounding noise, so the
        # path stops there (its last normal is kept)
        done = done | (ok & (jnp.abs(value - new_value)
                             <= 1e-12 * jnp.maximum(jnp.maximum(jnp.abs(value),
                                                                jnp.abs(new_value)), 1.0)))
        s, y = new_x - x, new_grad - grad
        accepted = ok & (jnp.dot(s, y) > 1e-12 * jnp.dot(y, y)) & (jnp.dot(s, s) > 0)
        alpha = jnp.where(accepted, _diagonal_update(alpha, s, y), alpha)
        alpha = jnp.where(jnp.all(jnp.isfinite(alpha) & (alpha > 0)), alpha, carry[4])

        def shift(hist: Array, row: Array) -> Array:
            return jnp.where(accepted, jnp.concatenate([hist[1:], row[None]]), hist)

        s_hist, y_hist = shift(s_hist, s), shift(y_hist, y)
        used = jnp.where(accepted, jnp.concatenate([used[1:], jnp.ones((1,), bool)]), used)
        x = jnp.where(ok, new_x, x)
        value = jnp.where(ok, new_value, value)
        grad = jnp.where(ok, new_grad, grad)
        opt_state = jax.tree_util.tree_map(lambda a, b: jnp.where(ok, a, b), new_state,
                                           opt_state)
        normal = _normal_at(x, -grad, alpha, s_hist, y_hist, used)
        # the same draws u for every iterate (common random numbers): the ELBOs of the
        # iterates differ by their normals, not by Monte Carlo noise, so the best is found
        elbo = elbo_of(normal, key)
        better = elbo > best[0]
        best = (jnp.where(better, elbo, best[0]),
                jnp.where(better, normal.loc, best[1]),
                jnp.where(better, normal.covariance(), best[2]))
        return (x, opt_state, value, grad, alpha, s_hist, y_hist, used, best, done), elbo

    def body(loop_carry: tuple[Any, tuple, Array]) -> tuple[Any, tuple, Array]:
        i, carry, elbos = loop_carry
        carry, elbo = step(carry, None)
        return i + 1, carry, elbos.at[i].set(elbo)

    def not_done(loop_carry: tuple[Any, tuple, Array]) -> Array:
        i, carry, _ = loop_carry
        return (i < num_iterations) & ~carry[-1]

    value0, grad0 = jax.value_and_grad(f)(x0)
    alpha0 = jnp.ones((d,), dtype)
    hist0 = jnp.zeros((memory, d), dtype)
    used0 = jnp.zeros((memory,), bool)
    best0 = (jnp.asarray(-jnp.inf, dtype), x0, jnp.eye(d, dtype=dtype))
    carry = (x0, solver.init(x0), value0, grad0, alpha0, hist0, hist0, used0, best0,
             jnp.asarray(False))
    # a while loop: a path stops at its last iterate once L-BFGS has converged (under vmap,
    # when every path has); the ELBOs of the iterates not run are nan
    elbos = jnp.full((num_iterations,), jnp.nan, dtype)
    _, carry, elbos = jax.lax.while_loop(not_done, body, (0, carry, elbos))
    best = carry[-2]
    return best[1], best[2], elbos


def _scale_tril(covariance: np.ndarray) -> np.ndarray:
    """A Cholesky factor of a symmetrised covariance (with a tiny jitter if needed)."""
    covariance = 0.5 * (covariance + covariance.T)
    for jitter in (0.0, 1e-10, 1e-8, 1e-6):
        try:
            scale = jitter * np.trace(covariance) / covariance.shape[0]
            return np.linalg.cholesky(covariance + scale * np.eye(covariance.shape[0]))
        except np.linalg.LinAlgError:
            continue
    eigenvalues, eigenvectors = np.linalg.eigh(covariance)
    clipped = np.maximum(eigenvalues, 1e-12 * max(eigenvalues.max(), 1e-300))
    return np.linalg.cholesky(eigenvectors @ np.diag(clipped) @ eigenvectors.T)


def pathfinder(posterior: Posterior, *, key: PRNGKey, num_paths: int = 4,
               num_iterations: int = 200, memory: int = 6, num_elbo_draws: int = 25,
               init: Literal["uniform", "prior", "median"] = "uniform",
               num_psis_draws: int = 1000) -> VIResult:
    """Pathfinder: normal approximations along L-BFGS paths, the best ELBO on each, pooled.

    Args:
        posterior: a [`Posterior`][probflow.models.posterior.Posterior].
        key: PRNG key (keyword).
        num_paths: independent L-BFGS paths (starting points), run together (vmap).
        num_iterations: L-BFGS iterations per path (``optax.lbfgs`` with its zoom line search).
        memory: position and gradient differences kept by L-BFGS and by the normal
            approximations (the rank of their low-rank part is ``2 * memory``).
        num_elbo_draws: draws estimating the ELBO of each iterate's normal (the same
            standard normal draws for every iterate of a path, so that their ELBOs compare
            without Monte Carlo noise between them).
        init: starting points, a ``Posterior.init`` strategy (``"uniform"``: uniform in
            (-2, 2) on the unconstrained space, ``"prior"``, ``"median"``).
        num_psis_draws: draws of the pooled approximation for its Pareto k-hat (``khat``).

    Returns:
        [`VIResult`][probflow.vi.result.VIResult] (as ``fit``): the guide is
        [`PathfinderGuide`][probflow.vi.pathfinder.PathfinderGuide], the mixture of the
        paths' best normals; ``losses`` holds the negative ELBO at every iterate of the path
        with the best ELBO (until L-BFGS converged; ``inf`` where it was not finite);
        ``result.sample(key, n)`` resamples its draws by their
        Pareto-smoothed importance weights (``importance_resample=False`` draws from the
        mixture itself).

    Warns:
        ApproximationWarning: k-hat above 0.7 (the approximation, even resampled, is not
            reliable; use NUTS, for which it can still give starting points).

    Examples:
        >>> import jax, jax.numpy as jnp
        >>> import probflow as pf
        >>> from probflow import distributions as pfd
        >>> @pf.model
        ... def m():
        ...     mu = yield pfd.Normal(0.0, 1.0, name="mu")
        ...     yield pfd.Normal(jnp.full(4, mu), 1.0, name="y")
        >>> result = pf.vi.pathfinder(m().condition(y=jnp.ones(4)), key=jax.random.key(0),
        ...                           num_paths=2, num_iterations=20)
        >>> round(float(result.params["loc"][0, 0]), 2), bool(result.khat < 0.5)
        (0.8, True)
    """
    key = as_typed_key(key)
    if not isinstance(posterior, Posterior):
        raise TypeError(f"pathfinder: posterior must be a pf.Posterior (model.condition(...)), "
                        f"got {type(posterior).__name__}")
    num_paths = check_count("pathfinder", "num_paths", num_paths)
    num_iterations = check_count("pathfinder", "num_iterations", num_iterations)
    memory = check_count("pathfinder", "memory", memory)
    num_elbo_draws = check_count("pathfinder", "num_elbo_draws", num_elbo_draws)
    num_psis_draws = check_count("pathfinder", "num_psis_draws", num_psis_draws, minimum=0)
    key_init, key_paths, key_psis = jax.random.split(key, 3)
    z = posterior.init(key_init, num_paths, strategy=init)
    starts = jax.vmap(posterior.flatten)(z)
    run = jax.vmap(lambda x0, k: _one_path(num_iterations, memory, num_elbo_draws, posterior,
                                           x0, k))
    locs, covariances, elbos = run(starts, jax.random.split(key_paths, num_paths))
    elbos = np.asarray(elbos)
    elbos = np.where(np.isnan(elbos), -np.inf, elbos)  # iterates not run (the path converged)
    best_path = int(np.argmax(np.max(elbos, axis=1)))
    if not np.isfinite(elbos[best_path]).any():
        raise FloatingPointError(
            "pathfinder: no iterate of any path had a finite ELBO; check the model, or try "
            "init='prior' or more num_iterations")
    keep = np.isfinite(np.max(elbos, axis=1))  # paths that found a finite ELBO
    locs = np.asarray(locs)[keep]
    scale_trils = np.stack([_scale_tril(np.asarray(c, np.float64))
                            for c in np.asarray(covariances)[keep]])
    dtype = starts.dtype
    params = {"loc": jnp.asarray(locs, dtype), "scale_tril": jnp.asarray(scale_trils, dtype)}
    guide = PathfinderGuide()
    khat = approximation_khat(posterior, guide.distribution(params), key=key_psis,
                              num_draws=num_psis_draws)
    warn_if_unreliable("pathfinder", khat, guide.name)
    trace = -elbos[best_path]
    trace = trace[: int(np.max(np.nonzero(np.isfinite(trace))[0])) + 1]
    return VIResult(posterior, params, None, trace, guide=guide, optimizer=None,  # pyright: ignore[reportCallIssue]
                    elbo=ELBOConfig(num_particles=num_elbo_draws), plan=None,
                    converged=True, khat=khat, importance_resample=True)


class PathfinderInit(NamedTuple):
    """Starting points for MCMC from Pathfinder
    ([`initial_positions`][probflow.vi.pathfinder.initial_positions]).

    Attributes:
        position: ``{latent name: unconstrained array}`` with a leading axis of length
            ``num_chains`` (what ``pf.mcmc.sample(initial_position=...)`` takes).
        inverse_mass_matrix: ``(d,)``, the PSIS-weighted posterior variance of each flat
            unconstrained coordinate (``posterior.flatten`` order), a diagonal inverse mass
            matrix to start the adaptation from.
        result: the [`pathfinder`][probflow.vi.pathfinder.pathfinder] result.

    Examples:
        >>> PathfinderInit._fields
        ('position', 'inverse_mass_matrix', 'result')
    """

    position: dict[str, Array]
    inverse_mass_matrix: Array
    result: VIResult


def initial_positions(posterior: Posterior, num_chains: int, *, key: PRNGKey,
                      result: VIResult | None = None, num_draws: int = 1000,
                      **pathfinder_options: Any) -> PathfinderInit:
    """MCMC starting points drawn by Pathfinder's importance resampling (without replacement,
    so the chains start apart), and a diagonal inverse mass matrix.

    Args:
        posterior: a [`Posterior`][probflow.models.posterior.Posterior].
        num_chains: how many starting points.
        key: PRNG key (keyword).
        result: a [`pathfinder`][probflow.vi.pathfinder.pathfinder] result to draw from
            (default: run it with ``pathfinder_options``).
        num_draws: proposals drawn from the approximation (at least ``num_chains``).
        **pathfinder_options: passed to ``pathfinder`` (``num_paths=``, ...).

    Returns:
        [`PathfinderInit`][probflow.vi.pathfinder.PathfinderInit]: ``position`` for
        ``pf.mcmc.sample(posterior, initial_position=..., num_chains=num_chains)`` and
        ``inverse_mass_matrix`` for its adaptation.

    Examples:
        >>> import jax, jax.numpy as jnp
        >>> import probflow as pf
        >>> from probflow import distributions as pfd
        >>> @pf.model
        ... def m():
        ...     yield pfd.HalfNormal(1.0, name="s")
        >>> start = initial_positions(m().condition(), 4, key=jax.random.key(0), num_paths=2,
        ...                           num_iterations=20)
        >>> start.position["s"].shape, start.inverse_mass_matrix.shape
        ((4,), (1,))
    """
    key = as_typed_key(key)
    num_chains = check_count("initial_positions", "num_chains", num_chains)
    num_draws = check_count("initial_positions", "num_draws", max(num_draws, num_chains))
    key_run, key_draws, key_pick = jax.random.split(key, 3)
    if result is None:
        result = pathfinder(posterior, key=key_run, **pathfinder_options)
    draws = result.importance_draws(key_draws, num_draws)
    weights = np.exp(draws.log_weights)
    # without replacement: distinct chains; the smoothed weights stay positive, but a weight
    # that underflowed is nudged so that enough draws can be picked
    weights = np.maximum(weights, 1e-300)
    picks = jax.random.choice(key_pick, num_draws, (num_chains,), replace=False,
                              p=jnp.asarray(weights / weights.sum()))
    vectors = jnp.asarray(draws.vectors)[np.asarray(picks)]
    position = jax.vmap(posterior.unflatten)(vectors)
    mean = weights @ draws.vectors / weights.sum()
    variance = weights @ (draws.vectors - mean) ** 2 / weights.sum()
    dtype = draws.vectors.dtype
    return PathfinderInit(position, jnp.asarray(variance, dtype), result)

