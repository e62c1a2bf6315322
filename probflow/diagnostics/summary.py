"""``pf.summary``: ArviZ's summary table plus probflow's convergence checks."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import arviz as az
import pandas as pd
import xarray as xr

from probflow.diagnostics.checks import warn_convergence

__all__ = ["summary", "as_inference_data"]


def _is_inference_data(obj: Any) -> bool:
    if isinstance(obj, az.InferenceData):
        return True
    # ArviZ 1.x returns an xarray DataTree with a ``posterior`` child.
    return type(obj).__name__ == "DataTree" and "posterior" in getattr(obj, "children", {})


def as_inference_data(result: Any, owner: str = "summary") -> az.InferenceData:
    """``result`` as an ``arviz.InferenceData``, or a ``TypeError`` that says what is accepted.

    Accepts an ``InferenceData`` (from ``pf.mcmc.sample``, ``pf.vi.fit(...).sample(key)``,
    ``pf.to_inference_data``) and any result with a ``to_inference_data()`` method (a VI
    result draws from its fitted surrogate). A
    [`Posterior`][probflow.models.posterior.Posterior] or a model holds no draws: the error
    says to sample first.

    Examples:
        >>> import numpy as np
        >>> import probflow as pf
        >>> idata = pf.to_inference_data(draws={"x": np.zeros((2, 10))})
        >>> as_inference_data(idata) is idata
        True
        >>> as_inference_data({"x": np.zeros(3)})
        Traceback (most recent call last):
        ...
        TypeError: summary takes an arviz.InferenceData, e.g. the result of \
pf.mcmc.sample(posterior, key=key) or pf.vi.fit(posterior, key=key).sample(key), or a result \
with a to_inference_data() method; got a dict
    """
    if _is_inference_data(result):
        return result
    convert: Callable[[], az.InferenceData] | None = getattr(result, "to_inference_data", None)
    if callable(convert) and not isinstance(result, type):
        return convert()
    got = type(result).__name__
    article = "an" if got[:1].lower() in "aeiou" else "a"
    hint = ""
    if got == "Posterior" or hasattr(result, "condition"):
        hint = (f" (a {got} describes the distribution; draw from it first: "
                f"idata = pf.mcmc.sample(posterior, key=key), then pf.{owner}(idata))")
    raise TypeError(
        f"{owner} takes an arviz.InferenceData, e.g. the result of "
        f"pf.mcmc.sample(posterior, key=key) or pf.vi.fit(posterior, key=key).sample(key), or a "
        f"result with a to_inference_data() method; got {article} {got}{hint}"
    )


def summary(idata: Any, *, var_names: list[str] | None = None, warn: bool = True,
            **kwargs: Any) -> pd.DataFrame | xr.Dataset:
    """ArviZ's ``summary`` of ``idata``, after warning about any failed convergence check.

    Args:
        idata: an ``arviz.InferenceData`` (from ``pf.mcmc.sample``, ``pf.vi.fit(...).sample``,
            ...), or a result with a ``to_inference_data()`` method such as a VI result (see
            [`as_inference_data`][probflow.diagnostics.summary.as_inference_data]).
        var_names: variables to summarise (default: all posterior variables).
        warn: issue [`ConvergenceWarning`][probflow.diagnostics.checks.ConvergenceWarning]
            messages for divergences, tree-depth hits, R-hat > 1.01, ESS < 100 per chain and
            E-BFMI < 0.3, pointing at the line that calls ``summary``. A message already issued
            for this result (by ``pf.mcmc.sample`` or an earlier ``summary``) is not repeated;
            [`convergence_messages`][probflow.diagnostics.checks.convergence_messages] lists
            them all.
        **kwargs: passed on to ``arviz.summary`` (e.g. ``hdi_prob=0.9``, ``kind="stats"``).

    Returns:
        A ``pandas.DataFrame`` (ArviZ's summary).

    Raises:
        TypeError: ``idata`` is not an ``InferenceData`` and has no ``to_inference_data()``
            (e.g. a ``Posterior``, which holds no draws).

    Examples:
        >>> import numpy as np
        >>> import probflow as pf
        >>> rng = np.random.default_rng(0)
        >>> idata = pf.to_inference_data(draws={"x": rng.normal(size=(4, 500))})
        >>> list(pf.summary(idata).columns)[:4]
        ['mean', 'sd', 'hdi_3%', 'hdi_97%']
    """
    idata = as_inference_data(idata, "summary")
    if warn:
        warn_convergence(idata, var_names=var_names, stacklevel=2)
    return az.summary(idata, var_names=var_names, **kwargs)
