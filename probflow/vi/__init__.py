"""Variational inference: ``pf.vi.fit`` (ELBO with automatic guides), ``pf.vi.laplace``,
``pf.vi.pathfinder``.

Guides live on a posterior's flat unconstrained space: ``"meanfield"``, ``"fullrank"``,
``"lowrank"``, ``"flow"``, ``"map"`` or a [`CustomGuide`][probflow.vi.guides.CustomGuide]. The
result's ``surrogate``
is a distribution over the constrained latents and ``sample`` returns ArviZ InferenceData.

Examples:
    >>> import jax, jax.numpy as jnp
    >>> import probflow as pf
    >>> from probflow import distributions as pfd
    >>> @pf.model
    ... def m():
    ...     mu = yield pfd.Normal(0.0, 1.0, name="mu")
    ...     yield pfd.Normal(jnp.full(4, mu), 1.0, name="y")
    >>> fit = pf.vi.fit(m().condition(y=jnp.ones(4)), key=jax.random.key(0), num_steps=200,
    ...                 progress_bar=False)
    >>> sorted(fit.sample(jax.random.key(1), 10).groups())[:2]
    ['log_likelihood', 'observed_data']
"""

from probflow.vi.elbo import ELBOConfig, negative_elbo
from probflow.vi.fit import fit
from probflow.vi.guides import (
    GUIDES,
    MAP,
    CustomGuide,
    Flow,
    FullRank,
    Guide,
    LowRank,
    MeanField,
    make_guide,
)
from probflow.vi.laplace import LaplaceGuide, NotNegativeDefiniteError, laplace
from probflow.vi.minibatch import MinibatchPlan
from probflow.vi.pathfinder import PathfinderGuide, PathfinderInit, pathfinder
from probflow.vi.pathfinder import initial_positions as pathfinder_initial_positions
from probflow.vi.psis import ApproximationWarning, ImportanceDraws
from probflow.vi.result import FitWarning, NonFiniteLossError, VIResult
from probflow.vi.surrogate import Surrogate

__all__ = [
    "fit",
    "laplace",
    "pathfinder",
    "pathfinder_initial_positions",
    "PathfinderGuide",
    "PathfinderInit",
    "LaplaceGuide",
    "NotNegativeDefiniteError",
    "VIResult",
    "Surrogate",
    "NonFiniteLossError",
    "FitWarning",
    "ApproximationWarning",
    "ImportanceDraws",
    "Guide",
    "MeanField",
    "FullRank",
    "LowRank",
    "Flow",
    "MAP",
    "CustomGuide",
    "GUIDES",
    "make_guide",
    "negative_elbo",
    "ELBOConfig",
    "MinibatchPlan",
]
