"""probflow: probabilistic programming on JAX.

``import probflow as pf``; distributions are ``pf.distributions`` (``pfd``) and
bijectors ``pf.bijectors`` (``pfb``).

Examples:
    >>> import jax
    >>> import probflow as pf
    >>> from probflow import distributions as pfd
    >>> pfd.Normal(0.0, 1.0).sample(jax.random.key(0)).shape
    ()
"""

from probflow import (
    bijectors,
    config,
    core,
    diagnostics,
    distributions,
    layers,
    mcmc,
    models,
    psd_kernels,
    vi,
)
from probflow.config import enable_compilation_cache, set_host_device_count
from probflow.diagnostics import summary
from probflow.models import (
    Deterministic,
    Factor,
    JointDistributionCoroutine,
    JointDistributionCoroutineAutoBatched,
    JointDistributionNamed,
    JointDistributionPinned,
    JointDistributionSequential,
    Posterior,
    Root,
    StructTuple,
    Variable,
    model,
    sample_posterior_predictive,
    sample_prior_predictive,
    shard_data,
    to_inference_data,
)

__version__ = "0.1.0.dev0"

__all__ = [
    "bijectors",
    "config",
    "set_host_device_count",
    "enable_compilation_cache",
    "core",
    "distributions",
    "psd_kernels",
    "models",
    "mcmc",
    "vi",
    "layers",
    "diagnostics",
    "summary",
    "model",
    "Deterministic",
    "Factor",
    "JointDistributionCoroutine",
    "JointDistributionCoroutineAutoBatched",
    "JointDistributionPinned",
    "Root",
    "StructTuple",
    "Variable",
    "JointDistributionNamed",
    "JointDistributionSequential",
    "Posterior",
    "sample_prior_predictive",
    "sample_posterior_predictive",
    "to_inference_data",
    "shard_data",
    "__version__",
]
