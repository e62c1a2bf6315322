"""probflow.models: joint distributions, conditioning, the Posterior."""

from probflow.models.coroutine import (
    JointDistributionCoroutine,
    JointDistributionCoroutineAutoBatched,
    Root,
)
from probflow.models.deterministic import Deterministic, Factor
from probflow.models.inference_data import to_inference_data
from probflow.models.joint import (
    GeneratorModel,
    JointDistribution,
    JointDistributionNamed,
    JointDistributionSequential,
    VariableInfo,
    model,
)
from probflow.models.pinned import JointDistributionPinned
from probflow.models.posterior import InitializationError, Posterior
from probflow.models.precision import PrecisionWarning
from probflow.models.predictive import sample_posterior_predictive, sample_prior_predictive
from probflow.models.sharding import shard_data
from probflow.models.struct import StructTuple
from probflow.models.variable import Variable

__all__ = [
    "JointDistributionCoroutine",
    "JointDistributionCoroutineAutoBatched",
    "Root",
    "JointDistributionPinned",
    "StructTuple",
    "Deterministic",
    "Factor",
    "GeneratorModel",
    "JointDistribution",
    "JointDistributionNamed",
    "JointDistributionSequential",
    "VariableInfo",
    "model",
    "Posterior",
    "InitializationError",
    "PrecisionWarning",
    "Variable",
    "to_inference_data",
    "sample_prior_predictive",
    "sample_posterior_predictive",
    "shard_data",
]
