"""Bayesian neural network layers (``pf.layers``), after TFP's ``tfp.layers`` and Keras.

Layers are configuration; their numbers are a PyTree made by ``layer.init(key,
input_shape)`` and used by the pure ``layer.apply(params, x, key=key, training=...)``, which
returns ``(output, kl)``. [`Sequential`][probflow.layers.sequential.Sequential] stacks layers and an
output head and adds a
Keras-like ``compile``/``fit``/``predict``/``evaluate``/``save`` workflow, full-batch MCMC
over the weights
([`Sequential.sample_posterior`][probflow.layers.sequential.Sequential.sample_posterior]) and
stochastic-gradient MCMC
([`Sequential.fit_sgmcmc`][probflow.layers.sequential.Sequential.fit_sgmcmc]).

Examples:
    >>> import jax, jax.numpy as jnp
    >>> from probflow import layers
    >>> net = layers.Sequential([layers.DenseFlipout(16, activation="relu"),
    ...                          layers.DenseFlipout(3), layers.CategoricalHead()])
    >>> params = net.init(jax.random.key(0), (4,))
    >>> dist, kl = net.apply(params, jnp.ones((2, 4)), key=jax.random.key(1))
    >>> dist.logits.shape, bool(kl > 0)
    ((2, 3), True)
"""

from probflow.layers.base import ACTIVATIONS, Layer, get_activation, layer_from_config
from probflow.layers.basic import Activation, Dropout, Embedding, Flatten
from probflow.layers.bayes import BayesianLayer
from probflow.layers.callbacks import Callback, EarlyStopping, History, ModelCheckpoint
from probflow.layers.conv import (
    Conv1DFlipout,
    Conv1DReparameterization,
    Conv2DFlipout,
    Conv2DReparameterization,
    ConvVariational,
)
from probflow.layers.dense import (
    Dense,
    DenseFlipout,
    DenseLocalReparameterization,
    DenseReparameterization,
    DenseVariational,
)
from probflow.layers.heads import (
    BernoulliHead,
    CategoricalHead,
    Head,
    NormalHead,
    PoissonHead,
    StudentTHead,
)
from probflow.layers.io import load, save
from probflow.layers.posterior import sample_posterior, sample_sgmcmc, weights_from_idata
from probflow.layers.predict import Prediction, expected_calibration_error, interval_coverage
from probflow.layers.priors import MeanField, ScaleMixturePrior, kl_term
from probflow.layers.sequential import Sequential

__all__ = [
    "Layer",
    "BayesianLayer",
    "Dense",
    "DenseVariational",
    "DenseReparameterization",
    "DenseFlipout",
    "DenseLocalReparameterization",
    "ConvVariational",
    "Conv1DReparameterization",
    "Conv2DReparameterization",
    "Conv1DFlipout",
    "Conv2DFlipout",
    "Flatten",
    "Dropout",
    "Activation",
    "Embedding",
    "Head",
    "NormalHead",
    "StudentTHead",
    "BernoulliHead",
    "CategoricalHead",
    "PoissonHead",
    "MeanField",
    "ScaleMixturePrior",
    "kl_term",
    "Sequential",
    "History",
    "Callback",
    "EarlyStopping",
    "ModelCheckpoint",
    "Prediction",
    "expected_calibration_error",
    "interval_coverage",
    "save",
    "load",
    "sample_posterior",
    "sample_sgmcmc",
    "weights_from_idata",
    "layer_from_config",
    "get_activation",
    "ACTIVATIONS",
]
