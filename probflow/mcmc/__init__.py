"""Markov chain Monte Carlo: kernels, integrators, metrics, adaptation and a chain runner.

High level: [`sample`][probflow.mcmc.sample] (NUTS by default, a warm-up given as an adaptation
object such as
[`WindowAdaptation`][probflow.mcmc.adaptation.WindowAdaptation] or
[`GradientAdaptation`][probflow.mcmc.gradient_adaptation.GradientAdaptation]; for thousands
of chains [`ChEESHMC`][probflow.mcmc.chees.ChEESHMC] with
[`ChEESAdaptation`][probflow.mcmc.chees_adaptation.ChEESAdaptation]) and
[`extend`][probflow.mcmc.sample.extend].

Low level and functional: every kernel (the [`Kernel`][probflow.mcmc.base.Kernel] protocol) has
``state = kernel.init(position, logdensity_fn)``
and ``state, info = kernel.step(key, state, logdensity_fn, params)`` with
``params = KernelParams(step_size, inverse_mass_matrix)``; positions are any PyTree.

Examples:
    >>> import jax, jax.numpy as jnp
    >>> from probflow import mcmc
    >>> logdensity_fn = lambda x: -0.5 * jnp.sum(x**2)
    >>> kernel = mcmc.NUTS()
    >>> state = kernel.init(jnp.zeros(2), logdensity_fn)
    >>> state, info = kernel.step(jax.random.key(0), state, logdensity_fn,
    ...                           mcmc.KernelParams(0.8, jnp.ones(2)))
"""

from probflow.core.checkpoint import CheckpointError
from probflow.mcmc import distributed
from probflow.mcmc.adaptation import (
    AdaptationState,
    WindowAdaptation,
    adaptation_init,
    adaptation_update,
    find_reasonable_step_size,
    warmup_schedule,
)
from probflow.mcmc.base import (
    Adaptation,
    HMCInfo,
    HMCState,
    Kernel,
    KernelParams,
    MALAInfo,
    NUTSInfo,
    RWMInfo,
    RWMState,
    TransitionInfo,
)
from probflow.mcmc.checkpoint import ChainStore, resume
from probflow.mcmc.chees import ChEESHMC, ChEESProposal, ChEESState
from probflow.mcmc.chees_adaptation import ChEESAdaptation, ChEESAdaptationState
from probflow.mcmc.cross_chain import CrossChainAdaptation
from probflow.mcmc.gradient_adaptation import (
    GradientAdaptation,
    GradientAdaptationState,
    gradient_schedule,
)
from probflow.mcmc.hmc import HMC, MALA
from probflow.mcmc.integrators import (
    Integrator,
    IntegratorState,
    blanes,
    integrator_step,
    leapfrog,
    mclachlan,
    velocity_verlet,
)
from probflow.mcmc.interrupt import InterruptedRunWarning
from probflow.mcmc.metrics import Metric, gaussian_euclidean, is_turning
from probflow.mcmc.nuts import NUTS
from probflow.mcmc.rwm import RandomWalkMetropolis
from probflow.mcmc.sample import MCMCRun, extend, sample
from probflow.mcmc.sgmcmc import SGHMC, SGLD, SGHMCState, SGLDState, minibatch_grad_fn

__all__ = [
    "sample",
    "extend",
    "resume",
    "distributed",
    "ChainStore",
    "CheckpointError",
    "MCMCRun",
    "Kernel",
    "Adaptation",
    "TransitionInfo",
    "WindowAdaptation",
    "GradientAdaptation",
    "GradientAdaptationState",
    "gradient_schedule",
    "ChEESAdaptation",
    "ChEESAdaptationState",
    "CrossChainAdaptation",
    "InterruptedRunWarning",
    "AdaptationState",
    "adaptation_init",
    "adaptation_update",
    "find_reasonable_step_size",
    "warmup_schedule",
    "KernelParams",
    "HMCState",
    "RWMState",
    "NUTSInfo",
    "HMCInfo",
    "MALAInfo",
    "RWMInfo",
    "NUTS",
    "HMC",
    "MALA",
    "RandomWalkMetropolis",
    "ChEESHMC",
    "ChEESState",
    "ChEESProposal",
    "SGLD",
    "SGHMC",
    "SGLDState",
    "SGHMCState",
    "minibatch_grad_fn",
    "Integrator",
    "IntegratorState",
    "integrator_step",
    "velocity_verlet",
    "leapfrog",
    "mclachlan",
    "blanes",
    "Metric",
    "gaussian_euclidean",
    "is_turning",
]
