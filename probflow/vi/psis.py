"""Pareto-smoothed importance sampling (PSIS) between a posterior and its approximation.

For draws ``z ~ q`` on the unconstrained space, the log importance ratios are
``log p(z) - log q(z)`` (``p`` the unnormalised posterior density, with the bijectors'
log-Jacobians). ArviZ's ``psislw`` smooths their largest values with a generalised Pareto fit
and reports its shape ``k``: Yao, Vehtari, Simpson and Gelman (2018, "Yes, but did it work?
Evaluating variational inference") show that ``k < 0.5`` means the approximation is close
enough for importance sampling to correct it, ``k <= 0.7`` that PSIS still gives usable
estimates, and ``k > 0.7`` that the approximation is not reliable.
"""

from __future__ import annotations

import functools
import warnings
from collections.abc import Callable
from typing import TYPE_CHECKING, NamedTuple

import arviz as az
import jax
import numpy as np

from probflow.typing import Array, ArrayLike, PRNGKey

if TYPE_CHECKING:
    from probflow.distributions.distribution import Distribution
    from probflow.models.posterior import Posterior

__all__ = ["KHAT_THRESHOLD", "ImportanceDraws", "ApproximationWarning", "log_importance_ratios",
           "psis", "pareto_khat", "approximation_khat", "warn_if_unreliable"]

KHAT_THRESHOLD = 0.7


class ApproximationWarning(UserWarning):
    """The Pareto k-hat of the importance ratios ``p / q`` is above 0.7: the variational
    approximation is not reliable.

    Examples:
        >>> import probflow as pf
        >>> issubclass(pf.vi.ApproximationWarning, UserWarning)
        True
    """


class ImportanceDraws(NamedTuple):
    """Draws from an approximation with their Pareto-smoothed importance weights.

    Attributes:
        vectors: the draws on the flat unconstrained space, ``(num_draws, d)``.
        log_weights: smoothed, normalised log weights (``logsumexp`` is 0), ``(num_draws,)``.
        khat: the Pareto shape estimate (``nan`` when it could not be estimated).

    Examples:
        >>> import numpy as np
        >>> ImportanceDraws(np.zeros((2, 1)), np.log([0.5, 0.5]), 0.1).khat
        0.1
    """

    vectors: np.ndarray
    log_weights: np.ndarray
    khat: float


def _log_density(posterior: Posterior) -> Callable[[Array], Array]:
    def fn(vector: Array) -> Array:
        return posterior.unconstrained_log_density(posterior.unflatten(vector))

    return fn


@functools.partial(jax.jit, static_argnums=(3,))
def _draw_and_ratios(posterior: Posterior, q: Distribution, key: PRNGKey,
                     num_draws: int) -> tuple[Array, Array]:
    vectors = q.sample(key, (num_draws,))

    # one draw at a time (vmapped in batches): any q, bounded memory
    def ratio(vector: Array) -> Array:
        return _log_density(posterior)(vector) - q.log_prob(vector)

    return vectors, jax.lax.map(ratio, vectors, batch_size=256)


def log_importance_ratios(posterior: Posterior, q: Distribution, *, key: PRNGKey,
                          num_draws: int) -> tuple[Array, Array]:
    """Draws ``z ~ q`` and their log ratios ``log p(z) - log q(z)``.

    Args:
        posterior: a [`Posterior`][probflow.models.posterior.Posterior].
        q: a distribution over the posterior's flat unconstrained vector (event ``(d,)``),
            e.g. ``fit.surrogate.flat``.
        key: PRNG key.
        num_draws: number of draws.

    Returns:
        ``(vectors, log_ratios)`` with shapes ``(num_draws, d)`` and ``(num_draws,)``.

    Examples:
        >>> import jax, jax.numpy as jnp
        >>> import probflow as pf
        >>> from probflow import distributions as pfd
        >>> @pf.model
        ... def m():
        ...     yield pfd.Normal(0.0, 1.0, name="x")
        >>> q = pfd.MultivariateNormalDiag(jnp.zeros(1), jnp.ones(1))
        >>> _, log_r = log_importance_ratios(m().condition(), q, key=jax.random.key(0), num_draws=5)
        >>> bool(jnp.allclose(log_r, log_r[0]))  # q is the posterior: constant ratios
        True
    """
    return _draw_and_ratios(posterior, q, key, int(num_draws))


def psis(log_ratios: ArrayLike) -> tuple[np.ndarray, float]:
    """Pareto-smoothed, normalised log weights and the shape ``k`` (ArviZ's ``psislw``).

    Examples:
        >>> import numpy as np
        >>> log_w, khat = psis(np.random.default_rng(0).normal(size=1000) * 0.1)
        >>> round(float(np.exp(log_w).sum()), 6), bool(khat < 0.5)
        (1.0, True)
    """
    log_ratios = np.asarray(log_ratios, np.float64)
    if log_ratios.size < 5 or not np.any(np.isfinite(log_ratios)):
        return np.full(log_ratios.shape, -np.log(max(log_ratios.size, 1))), float("nan")
    # -inf or NaN ratios (the density underflowed far in q's tails) get zero weight; psislw
    # needs finite input, and they do not touch the upper tail that k-hat describes
    finite = np.isfinite(log_ratios)
    floor = np.min(log_ratios[finite]) - 1000.0
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # ArviZ's own k > 0.7 warning: ours is in plain words
        log_weights, khat = az.psislw(np.where(finite, log_ratios, floor), reff=1.0)
    log_weights = np.where(finite, np.asarray(log_weights, np.float64), -np.inf)
    log_weights = log_weights - np.logaddexp.reduce(log_weights)
    return log_weights, float(np.asarray(khat))


def pareto_khat(log_ratios: ArrayLike) -> float:
    """The Pareto k-hat of log importance ratios (the shape of ArviZ's PSIS fit).

    Examples:
        >>> import numpy as np
        >>> heavy = np.random.default_rng(0).standard_cauchy(2000)  # heavy right tail
        >>> bool(pareto_khat(np.log(np.abs(heavy))) > 0.7)
        True
    """
    return psis(log_ratios)[1]


def approximation_khat(posterior: Posterior, q: Distribution, *, key: PRNGKey,
                       num_draws: int) -> float:
    """The Pareto k-hat of ``log p - log q`` over ``num_draws`` draws of ``q`` (``nan`` for
    ``num_draws=0``); ``q`` is a distribution over the flat unconstrained vector.

    Examples:
        >>> import jax, jax.numpy as jnp
        >>> import probflow as pf
        >>> from probflow import distributions as pfd
        >>> @pf.model
        ... def m():
        ...     yield pfd.Normal(0.0, 1.0, name="x")
        >>> q = pfd.MultivariateNormalDiag(jnp.zeros(1), jnp.full(1, 0.3))  # too narrow
        >>> khat = approximation_khat(m().condition(), q, key=jax.random.key(0), num_draws=2000)
        >>> bool(khat > 0.7)
        True
    """
    if num_draws == 0:
        return float("nan")
    _, log_ratios = log_importance_ratios(posterior, q, key=key, num_draws=num_draws)
    return psis(np.asarray(log_ratios))[1]


def warn_if_unreliable(label: str, khat: float, guide_name: str, stacklevel: int = 3) -> None:
    """Warn in plain words ([`ApproximationWarning`][probflow.vi.psis.ApproximationWarning])
    when ``khat`` is above 0.7.

    Examples:
        >>> warn_if_unreliable("fit", 0.3, "meanfield")  # nothing to say
    """
    if not khat > KHAT_THRESHOLD:
        return
    better = {"meanfield": "guide='fullrank' or 'flow'", "lowrank": "guide='fullrank' or 'flow'",
              "fullrank": "guide='flow'"}.get(guide_name, "a richer guide ('fullrank', 'flow')")
    warnings.warn(
        f"{label}: the approximation is not reliable: the Pareto k-hat of the importance "
        f"ratios posterior/approximation is {khat:.2f} (above {KHAT_THRESHOLD}), so the "
        f"posterior has mass or tails the {guide_name!r} approximation misses, and its means "
        f"and intervals may be wrong. Try {better}, or NUTS (pf.mcmc.sample); "
        f"fit.sample(..., importance_resample=True) corrects it only when k-hat is below 0.7",
        ApproximationWarning, stacklevel=stacklevel)
