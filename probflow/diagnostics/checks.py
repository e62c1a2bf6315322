"""Post-run convergence checks in plain words, computed by ArviZ.

Each check returns a message that says what was seen and what to do. The numbers
(R-hat, bulk and tail ESS, E-BFMI) come from ArviZ; nothing is re-implemented.
"""

from __future__ import annotations

import logging
import warnings
from typing import Any

import arviz as az
import numpy as np

from probflow.core.deprecation import user_stacklevel

__all__ = ["ConvergenceWarning", "convergence_messages", "warn_convergence", "checks_applied",
           "clean_run_message"]

logger = logging.getLogger("probflow.diagnostics")

# The checks, in the order of the one-line "all clear" message.
CHECK_LABELS = {"r_hat": "R-hat", "ess": "ESS", "divergences": "divergences",
                "tree_depth": "tree depth", "bfmi": "E-BFMI"}
# Where warn_convergence records the messages already issued for a result (in ``idata.attrs``).
REPORTED_ATTR = "probflow_reported_warnings"

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


def _worst(series: Any, largest: bool) -> tuple[Any, float | None]:
    series = series.dropna()
    if series.empty:
        return None, None
    name = series.idxmax() if largest else series.idxmin()
    return name, float(series[name])


def _one_chain(diverging: Any, count: int) -> str:
    """``"; 708 of them in chain 2"`` when one of several chains holds more than half of 10 or
    more divergences (a chain that wandered into a region the warm-up did not adapt to), else
    ``""``."""
    if count < 10 or "chain" not in diverging.dims or diverging.sizes["chain"] < 2:
        return ""
    per_chain = diverging.sum([dim for dim in diverging.dims if dim != "chain"])
    chain, most = _worst(per_chain.to_series(), largest=True)
    if most is None or 2 * most <= count:
        return ""
    return f"; {int(most)} of them in chain {chain}"


def _stats(idata: az.InferenceData) -> Any:
    return getattr(idata, "sample_stats", None)


def _has_chains(idata: az.InferenceData) -> bool:
    posterior = getattr(idata, "posterior", None)
    return posterior is not None and posterior.sizes.get("chain", 0) >= 2 \
        and posterior.sizes.get("draw", 0) >= 4


def checks_applied(idata: az.InferenceData) -> list[str]:
    """The checks ``idata`` allows, as keys of ``CHECK_LABELS``, in the message's order.

    R-hat and ESS need at least 2 chains of at least 4 draws; divergences, tree depth and
    E-BFMI need the sampler's ``diverging``, ``reached_max_treedepth`` and ``energy`` stats.

    Examples:
        >>> import numpy as np
        >>> from probflow.models import to_inference_data
        >>> idata = to_inference_data(draws={"x": np.zeros((4, 100))},
        ...                           sample_stats={"diverging": np.zeros((4, 100), bool)})
        >>> checks_applied(idata)
        ['r_hat', 'ess', 'divergences']
    """
    stats = _stats(idata)
    applied = ["r_hat", "ess"] if _has_chains(idata) else []
    for key, stat in (("divergences", "diverging"), ("tree_depth", "reached_max_treedepth"),
                      ("bfmi", "energy")):
        if stats is not None and stat in stats:
            applied.append(key)
    return applied


def _failed_checks(idata: az.InferenceData, max_tree_depth: int | None,
                   var_names: list[str] | None) -> list[tuple[str, str]]:
    """``(check key, message)`` for every failed check."""
    failed = []
    stats = _stats(idata)
    if stats is not None and "diverging" in stats:
        diverging = np.asarray(stats["diverging"])
        count = int(diverging.sum())
        if count:
            where = _one_chain(stats["diverging"], count)
            failed.append(("divergences",
                f"{count} divergent transition{'s' if count > 1 else ''} after warm-up "
                f"({count / diverging.size:.1%} of draws{where}). The sampler could not follow the "
                f"posterior's curvature, so the draws may be biased: raise target_accept (e.g. "
                f"adaptation=pf.mcmc.WindowAdaptation(target_accept=0.95)) or reparameterise "
                f"the model (e.g. non-centred hierarchical priors)."))
    if stats is not None and "reached_max_treedepth" in stats:
        hits = int(np.asarray(stats["reached_max_treedepth"]).sum())
        if hits:
            depth = f" {max_tree_depth}" if max_tree_depth else ""
            failed.append(("tree_depth",
                f"{hits} transition{'s' if hits > 1 else ''} hit the maximum tree depth{depth}. "
                f"This is an efficiency problem, not a bias: raise max_tree_depth, or "
                f"reparameterise/rescale the model so the posterior is closer to isotropic."))
    if _has_chains(idata):
        num_chains = idata.posterior.sizes["chain"]  # pyright: ignore[reportAttributeAccessIssue]
        # pandas ships no precise types for indexing: the table is handled as Any.
        summary: Any = az.summary(idata, var_names=var_names, kind="diagnostics")
        name, rhat = _worst(summary["r_hat"], largest=True)
        if rhat is not None and rhat > RHAT_THRESHOLD:
            bad = int((summary["r_hat"] > RHAT_THRESHOLD).sum())
            failed.append(("r_hat",
                f"R-hat above {RHAT_THRESHOLD} for {bad} parameter{'s' if bad > 1 else ''} "
                f"(worst: {name} = {rhat:.3f}): the chains disagree and have not converged. Run "
                f"longer (more warm-up and draws) or check for multimodality."))
        for column, label in (("ess_bulk", "bulk"), ("ess_tail", "tail")):
            per_chain = summary[column] / num_chains
            name, ess = _worst(per_chain, largest=False)
            if ess is not None and ess < ESS_PER_CHAIN_THRESHOLD:
                bad = int((per_chain < ESS_PER_CHAIN_THRESHOLD).sum())
                failed.append(("ess",
                    f"{label} effective sample size below {ESS_PER_CHAIN_THRESHOLD} per chain "
                    f"for {bad} parameter{'s' if bad > 1 else ''} (worst: {name} = {ess:.0f} "
                    f"per chain, over {num_chains} chains): estimates of "
                    f"{'posterior means' if label == 'bulk' else 'quantiles and intervals'} are "
                    f"unreliable. Draw more samples or reparameterise."))
    if stats is not None and "energy" in stats:
        bfmi = np.atleast_1d(az.bfmi(idata))
        low = [i for i, b in enumerate(bfmi) if b < BFMI_THRESHOLD]
        if low:
            failed.append(("bfmi",
                f"E-BFMI below {BFMI_THRESHOLD} in chain{'s' if len(low) > 1 else ''} {low} "
                f"(values {', '.join(f'{bfmi[i]:.2f}' for i in low)}): the momentum resampling "
                f"explores the energy levels poorly, often because of heavy tails or a funnel. "
                f"Reparameterise the model."))
    return failed


def convergence_messages(idata: az.InferenceData, *, max_tree_depth: int | None = None,
                         var_names: list[str] | None = None) -> list[str]:
    """Plain-language messages for every failed check of ``idata`` (empty when all pass).

    Checks: divergent transitions after warm-up (naming the chain that holds more than half
    of them, when there are 10 or more); transitions that hit the maximum tree depth;
    R-hat > 1.01; bulk or tail ESS below 100 per chain (ArviZ's ESS over all chains, divided
    by the number of chains); E-BFMI below 0.3 in any chain. R-hat and ESS need at least 2
    chains of at least 4 draws.

    Examples:
        >>> import numpy as np
        >>> from probflow.models import to_inference_data
        >>> rng = np.random.default_rng(0)
        >>> idata = to_inference_data(draws={"x": rng.normal(size=(4, 500))},
        ...                           sample_stats={"diverging": np.zeros((4, 500), bool)})
        >>> convergence_messages(idata)
        []
    """
    return [message for _, message in _failed_checks(idata, max_tree_depth, var_names)]


def clean_run_message(idata: az.InferenceData) -> str | None:
    """The one line saying which checks ran and found nothing; ``None`` when none apply.

    Examples:
        >>> import numpy as np
        >>> from probflow.models import to_inference_data
        >>> idata = to_inference_data(draws={"x": np.zeros((4, 100))},
        ...                           sample_stats={"diverging": np.zeros((4, 100), bool)})
        >>> clean_run_message(idata)
        'no convergence problems found (R-hat, ESS, divergences checked)'
    """
    applied = checks_applied(idata)
    if not applied:
        return None
    return (f"no convergence problems found "
            f"({', '.join(CHECK_LABELS[c] for c in applied)} checked)")


def _reported(idata: az.InferenceData) -> list[str]:
    attrs = getattr(idata, "attrs", None)
    if attrs is None:
        return []
    return [m for m in str(attrs.get(REPORTED_ATTR, "")).split("\n") if m]


def warn_convergence(idata: az.InferenceData, *, stacklevel: int | None = None, once: bool = True,
                     announce: bool = False, **kwargs: Any) -> list[str]:
    """Issue a [`ConvergenceWarning`][probflow.diagnostics.checks.ConvergenceWarning] for each
    failed check; return the messages (all of them, also those not warned again).

    Args:
        idata: the ``arviz.InferenceData`` to check.
        stacklevel: which frame the warnings point at, counted like ``warnings.warn``'s from
            the caller of ``warn_convergence`` (1: the line calling it; 2: that function's
            caller, ...). ``None`` (default): the first frame outside probflow, i.e. the
            user's ``pf.mcmc.sample(...)`` or ``pf.summary(...)`` line.
        once: warn about each message once per result: issued messages are recorded in
            ``idata.attrs["probflow_reported_warnings"]``, so ``pf.summary(idata)`` right
            after ``pf.mcmc.sample`` does not repeat them (a changed message, e.g. after
            ``pf.mcmc.extend``, is issued again).
        announce: when every check passes, print the one line of
            [`clean_run_message`][probflow.diagnostics.checks.clean_run_message] (samplers
            pass their ``progress_bar`` flag, so a run that showed a bar says the checks
            ran). The line is also logged at INFO on the ``probflow.diagnostics`` logger.
        **kwargs: ``max_tree_depth``, ``var_names`` of
            [`convergence_messages`][probflow.diagnostics.checks.convergence_messages].

    Examples:
        >>> import numpy as np
        >>> from probflow.models import to_inference_data
        >>> idata = to_inference_data(draws={"x": np.random.default_rng(0).normal(size=(4, 500))})
        >>> warn_convergence(idata, announce=True)
        no convergence problems found (R-hat, ESS checked)
        []
    """
    if stacklevel is not None and (isinstance(stacklevel, bool) or not isinstance(stacklevel, int)
                                   or stacklevel < 1):
        raise ValueError(f"warn_convergence: stacklevel must be a positive integer or None, got "
                         f"{stacklevel!r}")
    messages = convergence_messages(idata, **kwargs)
    level = user_stacklevel() if stacklevel is None else stacklevel + 1
    reported = _reported(idata) if once else []
    new = [m for m in messages if m not in reported]
    for message in new:
        warnings.warn(message, ConvergenceWarning, stacklevel=level)
    if once and new and getattr(idata, "attrs", None) is not None:
        idata.attrs[REPORTED_ATTR] = "\n".join(reported + new)
    if not messages:
        line = clean_run_message(idata)
        if line is not None:
            logger.info(line)
            if announce:
                print(line)
    return messages
