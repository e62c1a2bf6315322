"""Conformance rows for Normal (the template for the other groups)."""

import numpy as np
import scipy.stats as st

import probflow.distributions as pfd
from tests.distributions.cases import Case

ALL_CONTINUOUS = (
    "log_prob",
    "cdf",
    "log_cdf",
    "survival_function",
    "log_survival_function",
    "quantile",
    "mean",
    "variance",
    "stddev",
    "entropy",
)

_loc = np.array([-1.0, 0.0, 2.5])
_scale = np.array([[0.5], [3.0]])  # broadcasts to batch (2, 3)

CASES = [
    Case(
        id="Normal-scalar",
        make=lambda: pfd.Normal(0.3, 1.7),
        scipy=lambda: st.norm(0.3, 1.7),
        values=np.array([-5.0, -0.1, 0.3, 2.0, 9.0]),
        methods=ALL_CONTINUOUS + ("mode",),
        reference={"mode": lambda: 0.3},
        reparameterized=True,
    ),
    Case(
        id="Normal-batch",
        make=lambda: pfd.Normal(_loc, _scale),
        scipy=lambda: st.norm(*np.broadcast_arrays(_loc, _scale)),
        values=np.linspace(-4.0, 4.0, 4)[:, None, None] + np.zeros((2, 3)),
        methods=ALL_CONTINUOUS,
        reparameterized=True,
    ),
]
