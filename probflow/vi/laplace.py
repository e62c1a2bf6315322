"""``pf.vi.laplace``: a Gaussian at the mode of the unconstrained log density.

The mode is found with an optax optimizer (L-BFGS by default) and polished with a few
Newton steps; the covariance is the inverse of the negative Hessian there. The Gaussian
lives on the unconstrained space (where the log density includes the bijectors'
log-Jacobians), so the surrogate respects the supports, like Stan's ``laplace``.
"""

from __future__ import annotations

import dataclasses
import functools
from typing import Any, ClassVar, Literal, cast

import jax
import jax.numpy as jnp
import numpy as np
import optax

from probflow import distributions as pfd
from probflow.core.checks import check_count
from probflow.core.keys import as_typed_key
from probflow.models.posterior import INIT_STRATEGIES, Posterior
from probflow.typing import Array, ArrayLike, PRNGKey, PyTree
from probflow.vi.elbo import ELBOConfig
from probflow.vi.guides import Guide
from probflow.vi.psis import approximation_khat, warn_if_unreliable
from probflow.vi.result import NonFiniteLossError, VIResult

__all__ = ["laplace", "LaplaceGuide", "NotNegativeDefiniteError", "DEFAULT_OPTIMIZER"]


class NotNegativeDefiniteError(ValueError):
    """The Hessian of the log density at the optimum is not negative definite.

    Examples:
        >>> import probflow as pf
        >>> issubclass(pf.vi.NotNegativeDefiniteError, ValueError)
        True
    """


@dataclasses.dataclass(frozen=True)
class LaplaceGuide(Guide):
    """The Gaussian of a Laplace approximation: parameters ``loc`` and ``scale_tril``.

    Examples:
        >>> import jax.numpy as jnp
        >>> import probflow as pf
        >>> q = pf.vi.LaplaceGuide().distribution({"loc": jnp.zeros(2),
        ...                                        "scale_tril": jnp.eye(2)})
        >>> q.event_shape
        (2,)
    """

    name: ClassVar[str] = "laplace"
    analytic_entropy = True

    def init(self, key: PRNGKey | None, loc: ArrayLike) -> dict[str, Array]:
        loc = jnp.asarray(loc)
        return {"loc": loc, "scale_tril": jnp.eye(loc.shape[-1], dtype=loc.dtype)}

    def distribution(self, params: PyTree) -> pfd.Distribution:
        return pfd.MultivariateNormalTriL(params["loc"], params["scale_tril"])


def _flat_names(posterior: Posterior) -> list[str]:
    template = posterior.unconstrained_template()
    names = []
    for name in sorted(template):  # ravel_pytree's order for dicts
        shape = template[name].shape
        size = int(np.prod(shape)) if shape else 1
        if not shape:
            names.append(name)
        else:
            names.extend(f"{name}[{','.join(map(str, np.unravel_index(i, shape)))}]"
                         for i in range(size))
    return names


DEFAULT_OPTIMIZER = optax.lbfgs()


@functools.lru_cache(maxsize=32)
def _with_extra_args(optimizer: optax.GradientTransformation
                     ) -> optax.GradientTransformationExtraArgs:
    # the same wrapper object for the same optimizer, so the compiled mode search is reused
    return optax.with_extra_args_support(optimizer)


@functools.partial(jax.jit, static_argnums=(0, 3))
def _find_mode(optimizer: optax.GradientTransformationExtraArgs, posterior: Posterior,
               vector: Array, num_steps: int) -> tuple[Array, Array]:
    def loss(v: Array) -> Array:
        return -posterior.unconstrained_log_density(posterior.unflatten(v))

    def step(carry: tuple[Array, Any], _: None) -> tuple[tuple[Array, Any], Array]:
        v, state = carry
        value, grad = jax.value_and_grad(loss)(v)
        updates, new_state = optimizer.update(grad, state, v, value=value, grad=grad,
                                              value_fn=loss)
        new_v = cast(Array, optax.apply_updates(v, updates))  # a vector, as v
        ok = jnp.all(jnp.isfinite(new_v)) & jnp.isfinite(value)
        return (jnp.where(ok, new_v, v),
                jax.tree_util.tree_map(lambda a, b: jnp.where(ok, a, b), new_state, state)), value

    (v, _), values = jax.lax.scan(step, (vector, optimizer.init(vector)), None,
                                  length=num_steps)
    return v, values


@jax.jit
def _newton(posterior: Posterior, vector: Array) -> tuple[Array, Array, Array]:
    def log_density(v: Array) -> Array:
        return posterior.unconstrained_log_density(posterior.unflatten(v))

    value, grad = jax.value_and_grad(log_density)(vector)
    hessian = jax.hessian(log_density)(vector)
    return value, grad, hessian


def laplace(posterior: Posterior, *, key: PRNGKey, num_steps: int = 500,
            optimizer: optax.GradientTransformation | None = None,
            init: Literal["uniform", "prior", "median"] | dict[str, ArrayLike] = "uniform",
            newton_steps: int = 5, num_psis_draws: int = 1000) -> VIResult:
    """Laplace approximation: a Gaussian at the posterior mode on the unconstrained space.

    Args:
        posterior: a [`Posterior`][probflow.models.posterior.Posterior].
        key: PRNG key (for the starting point).
        num_steps: iterations of the optimizer searching the mode.
        optimizer: an optax optimizer (default ``optax.lbfgs()``; plain first-order ones
            such as ``optax.adam(1e-2)`` work too).
        init: starting point, as in [`fit`][probflow.vi.fit.fit].
        newton_steps: Newton iterations polishing the mode (each solves with the Hessian).
        num_psis_draws: draws for the Pareto k-hat of the importance ratios (``khat`` on the
            result, with an [`ApproximationWarning`][probflow.vi.psis.ApproximationWarning]
            above 0.7); 0 skips it.

    Returns:
        [`VIResult`][probflow.vi.result.VIResult] whose guide is `LaplaceGuide` (``params`` holds
        ``loc``, the mode, and ``scale_tril``, the Cholesky factor of the covariance) and
        whose ``losses`` trace the negative log density during the mode search.

    Raises:
        NotNegativeDefiniteError: the Hessian at the optimum is not negative definite (no
            mode was found, or the posterior is flat in some direction); the message names
            the coordinates involved.
        NonFiniteLossError: the log density at the optimum is not finite.

    Examples:
        >>> import jax, jax.numpy as jnp
        >>> import probflow as pf
        >>> from probflow import distributions as pfd
        >>> @pf.model
        ... def m():
        ...     mu = yield pfd.Normal(0.0, 1.0, name="mu")
        ...     yield pfd.Normal(jnp.full(3, mu), 1.0, name="y")
        >>> approx = pf.vi.laplace(m().condition(y=jnp.ones(3)), key=jax.random.key(0))
        >>> loc, scale = approx.params["loc"][0], approx.params["scale_tril"][0, 0]
        >>> round(float(loc), 4), round(float(scale), 4)
        (0.75, 0.5)
    """
    key = as_typed_key(key)
    if not isinstance(posterior, Posterior):
        raise TypeError(f"laplace: posterior must be a pf.Posterior, got "
                        f"{type(posterior).__name__}")
    if isinstance(num_steps, bool) or not isinstance(num_steps, int) or num_steps < 0:
        raise ValueError(f"laplace: num_steps must be a non-negative integer, got {num_steps!r}")
    if isinstance(newton_steps, bool) or not isinstance(newton_steps, int) or newton_steps < 0:
        raise ValueError(f"laplace: newton_steps must be a non-negative integer, got "
                         f"{newton_steps!r}")
    num_psis_draws = check_count("laplace", "num_psis_draws", num_psis_draws, minimum=0)
    if isinstance(init, dict):
        z = posterior.init(key, 1, values=init)
    elif init in INIT_STRATEGIES:
        z = posterior.init(key, 1, strategy=init)
    else:
        raise ValueError(f"laplace: init must be one of {INIT_STRATEGIES} or a dict, got "
                         f"{init!r}")
    vector = posterior.flatten(jax.tree_util.tree_map(lambda x: x[0], z))
    optimizer = _with_extra_args(DEFAULT_OPTIMIZER if optimizer is None else optimizer)
    if num_steps:
        vector, values = _find_mode(optimizer, posterior, vector, num_steps)
        losses = np.asarray(values)
    else:
        losses = np.zeros((0,), np.asarray(vector).dtype)
    value, grad, hessian = _newton(posterior, vector)
    for _ in range(newton_steps):
        try:
            chol = np.linalg.cholesky(-np.asarray(hessian))
        except np.linalg.LinAlgError:
            break
        step = jax.scipy.linalg.cho_solve((jnp.asarray(chol), True), grad)
        candidate = vector + step
        new = _newton(posterior, candidate)
        if not np.isfinite(float(new[0])) or float(new[0]) < float(value) - 1e-9 * abs(
                float(value)):
            break
        vector, (value, grad, hessian) = candidate, new
    if not np.isfinite(float(value)):
        raise NonFiniteLossError(
            f"laplace: the log density at the optimum is {float(value)!r}; try another init "
            f"or a smaller learning rate", step=num_steps, loss=-float(value),
            last_params={"loc": vector})
    precision = -np.asarray(hessian, np.float64)
    precision = 0.5 * (precision + precision.T)
    eigenvalues, eigenvectors = np.linalg.eigh(precision)
    if eigenvalues[0] <= 0 or not np.all(np.isfinite(eigenvalues)):
        names = _flat_names(posterior)
        bad = eigenvectors[:, 0]
        involved = [names[i] for i in np.argsort(-np.abs(bad))[:3] if abs(bad[i]) > 0.1]
        raise NotNegativeDefiniteError(
            f"laplace: the Hessian of the log density at the optimum is not negative definite "
            f"(largest eigenvalue {-eigenvalues[0]:.3g}, in the direction of {involved}); the "
            f"optimizer did not reach a mode or the posterior is flat there. Try more "
            f"num_steps, another init, or more informative priors")
    covariance = eigenvectors @ np.diag(1.0 / eigenvalues) @ eigenvectors.T
    dtype = np.asarray(vector).dtype
    scale_tril = np.linalg.cholesky(0.5 * (covariance + covariance.T)).astype(dtype)
    params = {"loc": jnp.asarray(vector), "scale_tril": jnp.asarray(scale_tril)}
    guide = LaplaceGuide()
    khat = approximation_khat(posterior, guide.distribution(params),
                              key=jax.random.fold_in(key, 1), num_draws=num_psis_draws)
    warn_if_unreliable("laplace", khat, guide.name)
    return VIResult(posterior, params, None, losses, guide=guide, optimizer=None,  # pyright: ignore[reportCallIssue]
                    elbo=ELBOConfig(entropy="analytic"), plan=None, converged=True, khat=khat)

