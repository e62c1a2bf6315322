"""probflow.psd_kernels (imported as ``pfk``): TFP's positive semidefinite kernels for
Gaussian processes.

Kernels are PyTrees with TFP's names and parameters; ``apply`` evaluates pairs of points,
``matrix`` all pairs, and ``+``/``*`` combine kernels.

Examples:
    >>> import jax.numpy as jnp
    >>> import probflow.psd_kernels as pfk
    >>> k = pfk.ExponentiatedQuadratic(amplitude=1.0, length_scale=2.0) + pfk.Linear()
    >>> k.matrix(jnp.zeros((3, 1)), jnp.zeros((2, 1))).shape
    (3, 2)
"""

# ruff: noqa: F403
from probflow.psd_kernels.constant import *
from probflow.psd_kernels.feature_scaled import *
from probflow.psd_kernels.kernel import *
from probflow.psd_kernels.polynomial import *
from probflow.psd_kernels.stationary import *
