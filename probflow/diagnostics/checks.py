"""Post-run convergence checks in plain words, computed by ArviZ.

Each check returns a message that says what was seen and what to do. The numbers
(R-hat, bulk and tail ESS, E-BFMI) come from ArviZ; nothing is re-implemented.
"""

from __future__ import annotations

import warnings

import arviz as az
import numpy as np

__all__ = ["ConvergenceWarning", "convergence_messages", "warn_convergence"]

RHAT_THRESHOLD = 1.01
ESS_PER_CHAIN_THRESHOLD = 100
BFMI_THRESHOLD = 0.3


class ConvergenceWarning(UserWarning):
    """A sampler's output shows a convergence problem (divergences, R-hat, ESS, E-BFMI, ...).

    Examples:
        >>> import warnings
        >>> issubclass(ConvergenceWarning, UserWarning)
        True
    """


def _worst(series, largest: bool):
    series = series.dropna()
    if series.empty:
        return None, None
    name = series.idxmax() if largest else series.idxmin()
    return name, float(series[name])


def convergence_messages(idata, *, max_tree_depth: int | None = None,
                         var_names=None) -> list[str]:
    """Plain-language messages for every failed check of ``idata`` (empty when all pass).

    Checks: divergent transitions after warm-up; transitions that hit the maximum tree depth;
    R-hat > 1.01; bulk or tail ESS below 100 per chain; E-BFMI below 0.3 in any chain.
    R-hat and ESS need at least 2 chains of at least 4 draws.

    Examples:
        >>> import numpy as np
        >>> from probflow.models import to_inference_data
        >>> rng = np.random.default_rng(0)
        >>> idata = to_inference_data(draws={"x": rng.normal(size=(4, 500))},
        ...                           sample_stats={"diverging": np.zeros((4, 500), bool)})
        >>> convergence_messages(idata)
        []
    """
    messages = []
    stats = getattr(idata, "sample_stats", None)
    if stats is not None and "diverging" in stats:
        diverging = np.asarray(stats["diverging"])
        count = int(diverging.sum())
        if count:
            messages.append(
                f"{count} divergent transition{'s' if count > 1 else ''} after warm-up "
                f"({count / diverging.size:.1%} of draws). The sampler could not follow the "
                f"posterior's curvature, so the draws may be biased: raise target_accept (e.g. "
                f"adaptation=pf.mcmc.WindowAdaptation(target_accept=0.95)) or reparameterise "
                f"the model (e.g. non-centred hierarchical priors)."
            )
    if stats is not None and "reached_max_treedepth" in stats:
        hits = int(np.asarray(stats["reached_max_treedepth"]).sum())
        if hits:
            depth = f" {max_tree_depth}" if max_tree_depth else ""
            messages.append(
                f"{hits} transition{'s' if hits > 1 else ''} hit the maximum tree depth{depth}. "
                f"This is an efficiency problem, not a bias: raise max_tree_depth, or "
                f"reparameterise/rescale the model so the posterior is closer to isotropic."
            )
    posterior = getattr(idata, "posterior", None)
    if posterior is not None and posterior.sizes.get("chain", 0) >= 2 \
            and posterior.sizes.get("draw", 0) >= 4:
        num_chains = posterior.sizes["chain"]
        summary = az.summary(idata, var_names=var_names, kind="diagnostics")
        name, rhat = _worst(summary["r_hat"], largest=True)
        if rhat is not None and rhat > RHAT_THRESHOLD:
            bad = int((summary["r_hat"] > RHAT_THRESHOLD).sum())
            messages.append(
                f"R-hat above {RHAT_THRESHOLD} for {bad} parameter{'s' if bad > 1 else ''} "
                f"(worst: {name} = {rhat:.3f}): the chains disagree and have not converged. Run "
                f"longer (more warm-up and draws) or check for multimodality."
            )
        threshold = ESS_PER_CHAIN_THRESHOLD * num_chains
        for column, label in (("ess_bulk", "bulk"), ("ess_tail", "tail")):
            name, ess = _worst(summary[column], largest=False)
            if ess is not None and ess < threshold:
                messages.append(
                    f"{label} effective sample size below {ESS_PER_CHAIN_THRESHOLD} per chain "
                    f"(worst: {name} = {ess:.0f} for {num_chains} chains): estimates of "
                    f"{'posterior means' if label == 'bulk' else 'quantiles and intervals'} are "
                    f"unreliable. Draw more samples or reparameterise."
                )
    if stats is not None and "energy" in stats:
        bfmi = np.atleast_1d(az.bfmi(idata))
        low = [i for i, b in enumerate(bfmi) if b < BFMI_THRESHOLD]
        if low:
            messages.append(
                f"E-BFMI below {BFMI_THRESHOLD} in chain{'s' if len(low) > 1 else ''} {low} "
                f"(values {', '.join(f'{bfmi[i]:.2f}' for i in low)}): the momentum resampling "
                f"explores the energy levels poorly, often because of heavy tails or a funnel. "
                f"Reparameterise the model."
            )
    return messages


def warn_convergence(idata, **kwargs) -> list[str]:
    """Issue a [`ConvergenceWarning`][probflow.diagnostics.checks.ConvergenceWarning] for each
    failed check; return the messages.

    Examples:
        >>> import numpy as np
        >>> from probflow.models import to_inference_data
        >>> idata = to_inference_data(draws={"x": np.random.default_rng(0).normal(size=(4, 500))})
        >>> warn_convergence(idata)
        []
    """
    messages = convergence_messages(idata, **kwargs)
    for message in messages:
        warnings.warn(message, ConvergenceWarning, stacklevel=2)
    return messages
