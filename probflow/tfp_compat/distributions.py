"""``tfp.distributions`` on probflow: probflow's distributions under TFP's names.

Everything in ``probflow.distributions``, with the joint
distributions and TFP's reparameterization markers; see
[`probflow.tfp_compat`][probflow.tfp_compat].

Examples:
    >>> import jax
    >>> from probflow.tfp_compat import distributions as tfd
    >>> Root = tfd.JointDistributionCoroutine.Root
    >>> def model():
    ...     yield Root(tfd.Normal(0.0, 1.0, name="x"))
    >>> tfd.JointDistributionCoroutine(model).sample(seed=jax.random.PRNGKey(0)).x.shape
    ()
"""

# ruff: noqa: F401, F403
from probflow.distributions import *
from probflow.distributions import Distribution, kl_divergence, register_kl
from probflow.distributions.parameter_properties import (
    FULLY_REPARAMETERIZED,
    NOT_REPARAMETERIZED,
    ParameterProperties,
    ReparameterizationType,
)
from probflow.models.coroutine import (
    JointDistributionCoroutine,
    JointDistributionCoroutineAutoBatched,
    Root,
)
from probflow.models.joint import JointDistributionNamed, JointDistributionSequential
from probflow.models.pinned import JointDistributionPinned
from probflow.models.struct import StructTuple

# probflow's joint distributions are all auto-batched: TFP's AutoBatched names are the same.
JointDistributionNamedAutoBatched = JointDistributionNamed
JointDistributionSequentialAutoBatched = JointDistributionSequential
