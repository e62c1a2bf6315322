"""The conformance table's row type.

Each distribution group declares its rows in a ``cases_<group>.py`` module as a
list ``CASES`` of :class:`Case`; ``test_conformance.py`` runs every generic test on
every row whose capability flags allow it. Capability flags, not skip lists: a
method is compared with scipy exactly when its flag is set.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from typing import Any

import numpy as np


@dataclasses.dataclass(frozen=True)
class Case:
    """One row: a probflow distribution with float64 parameters and its reference.

    Attributes:
        id: test id, e.g. ``"Normal-batch"``.
        make: builds the probflow distribution (parameters as float64 NumPy arrays or floats).
        scipy: builds the frozen scipy.stats counterpart with the same parameters broadcast to the
            batch shape (or ``None`` when scipy has none; then ``reference`` supplies the values).
        values: points in the support, shape ``(m,) + batch_shape + event_shape``.
        methods: which methods to compare against the reference: any of ``log_prob``, ``cdf``,
            ``log_cdf``, ``survival_function``, ``log_survival_function``, ``quantile``, ``mean``,
            ``variance``, ``stddev``, ``entropy``, ``mode``. (``log_prob`` compares with scipy's
            ``logpdf``/``logpmf``; ``quantile`` with ``ppf`` at ``quantile_points``.)
        reference: optional dict ``method -> callable(values) -> array`` overriding scipy (for a
            TFP or closed-form reference when scipy lacks a method).
        gof: ``"ks"`` (PIT of samples through scipy's cdf must be uniform, per batch element),
            ``"moments"`` (sample mean and variance within 5 standard errors), or ``None``.
        num_gof_samples: sample size of the goodness-of-fit test.
        reparameterized: check gradients of samples against finite differences.
        grad_params: names of parameters whose ``log_prob`` gradients are checked against
            finite differences (default: every floating parameter).
        rtol / atol: tolerances of the reference comparisons.
    """

    id: str
    make: Callable[[], Any]
    scipy: Callable[[], Any] | None = None
    values: np.ndarray | None = None
    methods: tuple[str, ...] = ("log_prob",)
    reference: dict[str, Callable] = dataclasses.field(default_factory=dict)
    gof: str | None = "ks"
    num_gof_samples: int = 2000
    reparameterized: bool = False
    grad_params: tuple[str, ...] | None = None
    rtol: float = 1e-6
    atol: float = 1e-9
    quantile_points: tuple[float, ...] = (0.01, 0.3, 0.5, 0.9, 0.999)
    discrete: bool = False
