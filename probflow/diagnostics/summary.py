"""``pf.summary``: ArviZ's summary table plus probflow's convergence checks."""

from __future__ import annotations

import arviz as az

from probflow.diagnostics.checks import warn_convergence

__all__ = ["summary"]


def summary(idata, *, var_names=None, warn: bool = True, **kwargs):
    """ArviZ's ``summary`` of ``idata``, after warning about any failed convergence check.

    Args:
        idata: an ``arviz.InferenceData`` (from ``pf.mcmc.sample``, ``pf.vi.fit(...).sample``...).
        var_names: variables to summarise (default: all posterior variables).
        warn: issue [`ConvergenceWarning`][probflow.diagnostics.checks.ConvergenceWarning] messages
            for divergences,
            tree-depth hits, R-hat > 1.01, ESS < 100 per chain and E-BFMI < 0.3.
        **kwargs: passed on to ``arviz.summary`` (e.g. ``hdi_prob=0.9``, ``kind="stats"``).

    Returns:
        A ``pandas.DataFrame`` (ArviZ's summary).

    Examples:
        >>> import numpy as np
        >>> import probflow as pf
        >>> rng = np.random.default_rng(0)
        >>> idata = pf.to_inference_data(draws={"x": rng.normal(size=(4, 500))})
        >>> list(pf.summary(idata).columns)[:4]
        ['mean', 'sd', 'hdi_3%', 'hdi_97%']
    """
    if warn:
        warn_convergence(idata, var_names=var_names)
    return az.summary(idata, var_names=var_names, **kwargs)
