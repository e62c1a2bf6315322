"""``to_inference_data``: the one place that turns draws into ``arviz.InferenceData``.

MCMC, VI and the predictive functions all call it. Draws are dicts of arrays with
leading ``(chains, draws)`` axes.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

import arviz as az
import jax
import numpy as np

from probflow.models.checks import bound_model_arguments
from probflow.typing import ArrayLike

if TYPE_CHECKING:
    from probflow.models.posterior import Posterior

__all__ = ["to_inference_data", "model_constant_data"]


def _to_numpy(tree: Mapping[str, ArrayLike] | None) -> dict[str, np.ndarray] | None:
    if tree is None:
        return None
    return {k: np.asarray(v) for k, v in tree.items()}


def model_constant_data(model: Any) -> dict[str, np.ndarray]:
    """Array arguments of a ``@pf.model`` model, by parameter name (for ``constant_data``).

    Examples:
        >>> import jax.numpy as jnp
        >>> import probflow as pf
        >>> from probflow import distributions as pfd
        >>> @pf.model
        ... def m(x):
        ...     yield pfd.Normal(x, 1.0, name="y")
        >>> list(model_constant_data(m(jnp.ones(3))))
        ['x']
    """
    return {name: np.asarray(value) for name, value in bound_model_arguments(model).items()
            if isinstance(value, jax.Array | np.ndarray)}


def to_inference_data(
    posterior: Posterior | None = None,
    *,
    draws: Mapping[str, ArrayLike] | None = None,
    sample_stats: Mapping[str, ArrayLike] | None = None,
    log_likelihood: Mapping[str, ArrayLike] | bool | None = None,
    warmup_draws: Mapping[str, ArrayLike] | None = None,
    warmup_sample_stats: Mapping[str, ArrayLike] | None = None,
    prior: Mapping[str, ArrayLike] | None = None,
    prior_predictive: Mapping[str, ArrayLike] | None = None,
    posterior_predictive: Mapping[str, ArrayLike] | None = None,
    observed_data: Mapping[str, ArrayLike] | None = None,
    constant_data: Mapping[str, ArrayLike] | None = None,
    coords: Mapping[str, Any] | None = None,
    dims: Mapping[str, Sequence[str]] | None = None,
    attrs: Mapping[str, Any] | None = None,
) -> az.InferenceData:
    """Build an ``arviz.InferenceData`` from draws shaped ``(chains, draws, ...)``.

    Args:
        posterior: the [`Posterior`][probflow.models.posterior.Posterior] the draws come from
            (optional). When
            given, it supplies ``observed_data``, ``constant_data`` (the model's array
            arguments), ``coords`` and ``dims``, and ``log_likelihood=True`` computes the
            pointwise log likelihood of the draws.
        draws: constrained posterior draws ``{name: (chains, draws, ...)}``.
        sample_stats: sampler statistics ``{name: (chains, draws)}``.
        log_likelihood: pointwise log likelihoods, or ``True`` to compute them from ``posterior``.
        warmup_draws, warmup_sample_stats: the same for warm-up iterations (saved when given).
        prior, prior_predictive, posterior_predictive: further groups, same layout.
        observed_data, constant_data, coords, dims: as in ``arviz.from_dict``; explicit values
            override those taken from ``posterior``.
        attrs: attributes stored on every group (e.g. the sampler's name).

    Examples:
        >>> import numpy as np
        >>> idata = to_inference_data(draws={"mu": np.zeros((2, 100))},
        ...                           sample_stats={"diverging": np.zeros((2, 100), bool)})
        >>> idata.posterior["mu"].shape
        (2, 100)
    """
    for group, tree in (("draws", draws), ("sample_stats", sample_stats), ("prior", prior),
                        ("posterior_predictive", posterior_predictive)):
        for name, value in (tree or {}).items():
            if np.ndim(value) < 2:
                raise ValueError(
                    f"to_inference_data: {group}[{name!r}] must have leading (chains, draws) "
                    f"axes, got shape {np.shape(value)}"
                )
    if posterior is not None:
        model = posterior.model
        observed_data = observed_data if observed_data is not None else _to_numpy(posterior.data)
        if constant_data is None:
            constant_data = model_constant_data(model) or None
        coords = {**model.coords_dict, **(coords or {})}
        dims = {**model.dims_dict, **(dims or {})}
        if log_likelihood is True:
            if draws is None:
                raise ValueError("to_inference_data: log_likelihood=True needs draws")
            latents = {k: v for k, v in draws.items() if k in posterior.latent_names}
            fn = jax.jit(jax.vmap(jax.vmap(posterior.pointwise_log_likelihood)))
            log_likelihood = fn(latents)
    elif log_likelihood is True:
        raise ValueError("to_inference_data: log_likelihood=True needs the posterior")
    kwargs = {
        "posterior": _to_numpy(draws),
        "sample_stats": _to_numpy(sample_stats),
        "log_likelihood": (_to_numpy(log_likelihood)
                           if log_likelihood and log_likelihood is not True else None),
        "prior": _to_numpy(prior),
        "prior_predictive": _to_numpy(prior_predictive),
        "posterior_predictive": _to_numpy(posterior_predictive),
        "observed_data": _to_numpy(observed_data),
        "constant_data": _to_numpy(constant_data),
        "coords": coords or None,
        "dims": {k: list(v) for k, v in (dims or {}).items()} or None,
    }
    if warmup_draws is not None or warmup_sample_stats is not None:
        kwargs.update(
            warmup_posterior=_to_numpy(warmup_draws),
            warmup_sample_stats=_to_numpy(warmup_sample_stats),
            save_warmup=True,
        )
    idata = az.from_dict(**{k: v for k, v in kwargs.items() if v is not None})
    if attrs:
        for group in idata.groups():
            idata[group].attrs.update(attrs)
    return idata
