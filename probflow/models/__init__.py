"""probflow.models: joint distributions, conditioning, the Posterior."""

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
from probflow.models.posterior import InitializationError, Posterior
from probflow.models.predictive import sample_posterior_predictive, sample_prior_predictive

__all__ = [
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
    "to_inference_data",
    "sample_prior_predictive",
    "sample_posterior_predictive",
]
