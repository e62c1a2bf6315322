"""ELBO estimators: the loss that [`fit`][probflow.vi.fit.fit] minimises.

[`negative_elbo`][probflow.vi.elbo.negative_elbo] is low level: it takes a guide, its parameters and
a log density of
the flat unconstrained vector, and knows nothing of models, so it can be used inside the
user's own training loop (``jax.value_and_grad(negative_elbo, argnums=1)``).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Literal, NamedTuple

import jax
import jax.numpy as jnp

from probflow.core.checks import check_count
from probflow.core.errors import UnsupportedError
from probflow.typing import Array, LogDensityFn, PRNGKey, PyTree

if TYPE_CHECKING:
    from probflow.vi.guides import Guide

__all__ = ["ELBOConfig", "negative_elbo", "resolve_elbo_config", "OBJECTIVES", "ENTROPIES"]

OBJECTIVES = ("elbo", "iwae")
ENTROPIES = ("auto", "analytic", "mc")


class ELBOConfig(NamedTuple):
    """Static settings of the estimator (see [`negative_elbo`][probflow.vi.elbo.negative_elbo]).

    Examples:
        >>> ELBOConfig(num_particles=4).objective
        'elbo'
    """

    num_particles: int = 1
    objective: str = "elbo"
    entropy: str = "mc"
    stick_the_landing: bool = False


def _has_analytic_entropy(guide: Guide, params: PyTree) -> bool:
    if not guide.analytic_entropy:
        return False
    try:
        jax.eval_shape(lambda p: guide.distribution(p).entropy(), params)
    except (UnsupportedError, NotImplementedError):
        return False
    return True


def resolve_elbo_config(guide: Guide, params: PyTree, *, num_particles: int = 1,
                        objective: Literal["elbo", "iwae"] = "elbo",
                        entropy: Literal["auto", "analytic", "mc"] = "auto",
                        stick_the_landing: bool = False) -> ELBOConfig:
    """Check the estimator options and choose the entropy term (``"auto"`` resolved).

    ``entropy="auto"`` uses the closed form when the guide has one, unless
    ``stick_the_landing`` or ``objective="iwae"`` asks for Monte Carlo ``log q`` terms.

    Examples:
        >>> import jax.numpy as jnp
        >>> import probflow as pf
        >>> guide = pf.vi.MeanField()
        >>> resolve_elbo_config(guide, guide.init(None, jnp.zeros(2))).entropy
        'analytic'
    """
    num_particles = check_count("fit", "num_particles", num_particles)
    if objective not in OBJECTIVES:
        raise ValueError(f"fit: objective must be one of {OBJECTIVES}, got {objective!r}")
    if entropy not in ENTROPIES:
        raise ValueError(f"fit: entropy must be one of {ENTROPIES}, got {entropy!r}")
    stick_the_landing = bool(stick_the_landing)
    if objective == "iwae" and stick_the_landing:
        raise ValueError("fit: stick_the_landing=True is biased for objective='iwae' (it needs "
                         "doubly-reparameterised gradients); use one or the other")
    if objective == "iwae" and entropy == "analytic":
        raise ValueError("fit: objective='iwae' needs Monte Carlo log q terms; leave "
                         "entropy='auto' or set entropy='mc'")
    if stick_the_landing and entropy == "analytic":
        raise ValueError("fit: stick_the_landing=True replaces the entropy by Monte Carlo log q "
                         "terms; leave entropy='auto' or set entropy='mc'")
    analytic = _has_analytic_entropy(guide, params)
    if entropy == "analytic" and not analytic:
        raise ValueError(f"fit: entropy='analytic', but the {guide.name!r} guide's distribution "
                         f"has no closed-form entropy; use entropy='mc'")
    if entropy == "auto":
        entropy = "analytic" if analytic and objective == "elbo" and not stick_the_landing \
            else "mc"
    return ELBOConfig(num_particles, objective, entropy, stick_the_landing)


def _log_density_of_draws(log_density_fn: LogDensityFn, z: Array) -> Any:
    if z.ndim == 1:  # one particle, drawn without a leading axis
        return log_density_fn(z)
    return jax.vmap(log_density_fn)(z)


def negative_elbo(key: PRNGKey, params: PyTree, guide: Guide, log_density_fn: LogDensityFn,
                  config: ELBOConfig | None = None) -> Array:
    """Monte Carlo estimate of the negative ELBO (or importance-weighted bound).

    With ``S = config.num_particles`` reparameterised draws ``z_s ~ q``:

    * ``objective="elbo"``: ``-(mean_s log p(z_s) + H[q])`` with the closed-form entropy
      (``entropy="analytic"``), or ``-mean_s (log p(z_s) - log q(z_s))`` (``"mc"``); with
      ``stick_the_landing`` the ``log q`` term is evaluated with the guide's parameters held
      fixed (``stop_gradient``), which removes the score term's variance (Roeder et al., 2017);
    * ``objective="iwae"``: ``-(logsumexp_s (log p(z_s) - log q(z_s)) - log S)``, the
      importance-weighted bound (Burda et al., 2016), tighter as ``S`` grows.

    Args:
        key: PRNG key.
        params: the guide's parameters.
        guide: a [`Guide`][probflow.vi.guides.Guide].
        log_density_fn: ``f(vector) -> scalar``, the unnormalised log density of one flat
            unconstrained vector.
        config: [`ELBOConfig`][probflow.vi.elbo.ELBOConfig] (default: one particle, Monte Carlo
            ``log q``).

    Examples:
        >>> import jax, jax.numpy as jnp
        >>> import probflow as pf
        >>> guide = pf.vi.MeanField(init_scale=1.0)
        >>> params = guide.init(None, jnp.zeros(2))
        >>> log_density = lambda v: -0.5 * jnp.sum(v ** 2) - jnp.log(2 * jnp.pi)
        >>> config = ELBOConfig(num_particles=10)  # q equals the target: log p - log q = 0
        >>> loss = negative_elbo(jax.random.key(0), params, guide, log_density, config)
        >>> abs(round(float(loss), 4))
        0.0
    """
    config = ELBOConfig() if config is None else config
    q = guide.distribution(params)
    # one particle: no leading sample axis (on CPU an axis of size 1 turns the model's
    # matrix-vector products into much slower batched products)
    shape = () if config.num_particles == 1 else (config.num_particles,)
    if config.entropy == "analytic":
        z = q.sample(key, shape)
        log_p = _log_density_of_draws(log_density_fn, z)
        return -(jnp.mean(log_p) + q.entropy())
    if config.stick_the_landing:
        z = q.sample(key, shape)
        log_q = guide.distribution(jax.lax.stop_gradient(params)).log_prob(z)
    else:
        z, log_q = q.sample_and_log_prob(key, shape)
    log_w = _log_density_of_draws(log_density_fn, z) - log_q
    if config.objective == "iwae":
        return -(jax.nn.logsumexp(log_w) - jnp.log(jnp.asarray(config.num_particles,
                                                                log_w.dtype)))
    return -jnp.mean(log_w)
