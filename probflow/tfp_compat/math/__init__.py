"""``tfp.math`` on probflow: ``psd_kernels`` and a few numerics with TFP's names.

Examples:
    >>> import jax.numpy as jnp
    >>> import probflow.tfp_compat as tfp
    >>> round(float(tfp.math.softplus_inverse(1.0)), 4)
    0.5413
    >>> k = tfp.math.psd_kernels.ExponentiatedQuadratic(amplitude=2.0, length_scale=1.0)
    >>> float(k.apply(jnp.zeros(1), jnp.zeros(1)))
    4.0
"""

from probflow.core.numerics import log1mexp, log_sub_exp, softplus_inverse
from probflow.tfp_compat.math import psd_kernels

__all__ = ["psd_kernels", "log1mexp", "log_sub_exp", "softplus_inverse"]
