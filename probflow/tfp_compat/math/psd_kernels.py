"""``tfp.math.psd_kernels`` on probflow: ``probflow.psd_kernels``.

Examples:
    >>> import jax.numpy as jnp
    >>> from probflow.tfp_compat.math import psd_kernels as tfpk
    >>> tfpk.ExponentiatedQuadratic().matrix(jnp.zeros((2, 1)), jnp.zeros((3, 1))).shape
    (2, 3)
"""

# ruff: noqa: F401, F403
from probflow.psd_kernels import *
from probflow.psd_kernels import PositiveSemidefiniteKernel
