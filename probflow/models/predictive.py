"""Prior and posterior predictive sampling, returned as ArviZ groups."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING, Any

import arviz as az
import jax
import numpy as np

from probflow.core.checks import check_count
from probflow.core.deprecation import is_key, key_from_positional
from probflow.core.keys import as_typed_key
from probflow.models.checks import check_not_model_builder
from probflow.models.inference_data import to_inference_data
from probflow.models.posterior import Posterior
from probflow.typing import ArrayLike, PRNGKey

if TYPE_CHECKING:
    from probflow.distributions.distribution import Distribution
    from probflow.models.joint import JointDistribution

__all__ = ["sample_prior_predictive", "sample_posterior_predictive"]


def _split_model(owner: str, model_or_posterior: JointDistribution | Posterior,
                 observed: Iterable[str] | None,
                 ) -> tuple[JointDistribution, tuple[str, ...], Posterior | None]:
    check_not_model_builder(owner, "model", model_or_posterior)
    if isinstance(model_or_posterior, Posterior):
        return model_or_posterior.model, tuple(model_or_posterior.observed_names), \
            model_or_posterior
    names = {v.name for v in model_or_posterior.variables()}
    observed = tuple(observed or ())
    unknown = [o for o in observed if o not in names]
    if unknown:
        raise ValueError(
            f"observed names {unknown} are not variables of the model; its variables are "
            f"{sorted(names)}"
        )
    return model_or_posterior, observed, None


def _required_key(owner: str, key: PRNGKey | None) -> PRNGKey:
    if key is None:
        raise TypeError(f"{owner}: missing the keyword argument key= (a JAX PRNG key, e.g. "
                        f"key=jax.random.key(0))")
    return as_typed_key(key)


def sample_prior_predictive(model: JointDistribution | Posterior, num_samples: int = 500,
                            *_old_order: Any, key: PRNGKey | None = None,
                            observed: Iterable[str] | None = None) -> az.InferenceData:
    """Draw from the prior and the prior predictive.

    A driver, so ``key=`` is keyword-only (``docs/architecture.md``). The old order
    ``sample_prior_predictive(model, key, num_samples)`` still works for one release, with a
    ``DeprecationWarning``.

    Args:
        model: a joint distribution (``@pf.model`` model, named or sequential) or a
            [`Posterior`][probflow.models.posterior.Posterior] (whose observed variables form the
            prior
            predictive, and whose data become ``observed_data``).
        num_samples: number of draws.
        key: PRNG key (keyword).
        observed: for a plain model, the names of the variables that form the prior predictive
            (the rest go to ``prior``).

    Returns:
        ``arviz.InferenceData`` with groups ``prior`` and ``prior_predictive`` (one chain).

    Examples:
        >>> import jax, jax.numpy as jnp
        >>> import probflow as pf
        >>> from probflow import distributions as pfd
        >>> @pf.model
        ... def m():
        ...     mu = yield pfd.Normal(0.0, 1.0, name="mu")
        ...     yield pfd.Normal(mu, 1.0, name="y")
        >>> idata = pf.sample_prior_predictive(m(), 100, key=jax.random.key(0), observed=["y"])
        >>> idata.prior_predictive["y"].shape
        (1, 100)
    """
    if is_key(num_samples):  # the old order (model, key, num_samples)
        key = key_from_positional("sample_prior_predictive", key, (num_samples,),
                                  old="sample_prior_predictive(model, key, num_samples)",
                                  new="sample_prior_predictive(model, num_samples, key=key)")
        num_samples = _old_order[0] if _old_order else 500
    elif _old_order:
        raise TypeError(f"sample_prior_predictive: unexpected positional arguments "
                        f"{_old_order!r}; call it as sample_prior_predictive(model, num_samples, "
                        f"key=key, observed=...)")
    key = _required_key("sample_prior_predictive", key)
    num_samples = check_count("sample_prior_predictive", "num_samples", num_samples)
    joint, observed, posterior = _split_model("sample_prior_predictive", model, observed)
    draws = joint.sample(key, (1, int(num_samples)))
    prior = {k: v for k, v in draws.items() if k not in observed}
    predictive = {k: v for k, v in draws.items() if k in observed}
    return to_inference_data(
        posterior,
        prior=prior,
        prior_predictive=predictive or None,
        coords=joint.coords_dict,
        dims=joint.dims_dict,
    )


def sample_posterior_predictive(model: JointDistribution | Posterior,
                                posterior_draws: az.InferenceData | Mapping[str, ArrayLike],
                                *_old_key: PRNGKey, key: PRNGKey | None = None,
                                observed: Iterable[str] | None = None) -> az.InferenceData:
    """Draw the observed variables given each posterior draw (vectorised over chains and draws).

    A driver, so ``key=`` is keyword-only (``docs/architecture.md``). The old order
    ``sample_posterior_predictive(model, posterior_draws, key)`` still works for one release,
    with a ``DeprecationWarning``.

    Args:
        model: the [`Posterior`][probflow.models.posterior.Posterior] (or a model plus ``observed=``
            names).
        posterior_draws: an ``arviz.InferenceData`` with a ``posterior`` group, or a dict of
            arrays shaped ``(chains, draws, ...)`` holding every latent variable.
        key: PRNG key (keyword).
        observed: for a plain model, the names of the variables to draw.

    Returns:
        ``arviz.InferenceData``: the input's groups (when an InferenceData was given) plus
        ``posterior_predictive``.

    Examples:
        >>> import jax, jax.numpy as jnp
        >>> import probflow as pf
        >>> from probflow import distributions as pfd
        >>> @pf.model
        ... def m():
        ...     mu = yield pfd.Normal(0.0, 1.0, name="mu")
        ...     yield pfd.Normal(mu, 1.0, name="y")
        >>> post = m().condition(y=0.3)
        >>> draws = {"mu": jnp.zeros((2, 50))}
        >>> idata = pf.sample_posterior_predictive(post, draws, key=jax.random.key(0))
        >>> idata.posterior_predictive["y"].shape
        (2, 50)
    """
    key = key_from_positional("sample_posterior_predictive", key, _old_key,
                              old="sample_posterior_predictive(model, draws, key)",
                              new="sample_posterior_predictive(model, draws, key=key)")
    key = _required_key("sample_posterior_predictive", key)
    joint, observed, posterior = _split_model("sample_posterior_predictive", model, observed)
    if not observed:
        raise ValueError(
            "sample_posterior_predictive: no observed variables; pass a Posterior "
            "(model.condition(...)) or observed=[names]"
        )
    idata = posterior_draws if isinstance(posterior_draws, az.InferenceData) else None
    if idata is not None:
        # ArviZ sets its groups as attributes at run time
        group = idata.posterior  # pyright: ignore[reportAttributeAccessIssue]
        draws = {k: group[k].values for k in group.data_vars}
    else:
        draws = {k: np.asarray(v) for k, v in posterior_draws.items()}
    latents = {v.name for v in joint.variables() if v.is_random and v.name not in observed}
    missing = sorted(latents - set(draws))
    if missing:
        raise ValueError(
            f"sample_posterior_predictive: the draws lack the latent variables {missing}"
        )
    first = draws[next(iter(latents))] if latents else None
    lead = tuple(first.shape[:2]) if first is not None else (1, 1)
    n = int(np.prod(lead))
    flat = {k: np.reshape(draws[k], (n,) + np.shape(draws[k])[2:]) for k in latents}

    def one(k: PRNGKey, values: dict[str, Any]) -> dict[str, Any]:
        def on_variable(i: int, name: str, dist: Distribution) -> Any:
            if name in values:
                return values[name]
            return dist.sample(jax.random.fold_in(k, i))

        records = joint._run(on_variable)
        return {r.name: r.value for r in records if r.name in observed}

    out = jax.jit(jax.vmap(one))(jax.random.split(key, n), flat)
    out = {k: np.reshape(v, lead + v.shape[1:]) for k, v in out.items()}
    result = to_inference_data(posterior, posterior_predictive=out,
                               coords=joint.coords_dict, dims=joint.dims_dict)
    if idata is not None:
        combined = idata.copy()
        combined.extend(result, join="right")
        return combined
    return result
