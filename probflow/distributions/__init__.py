"""probflow.distributions (imported as ``pfd``): TFP's distributions on a jitted JAX core.

Examples:
    >>> import jax
    >>> import probflow.distributions as pfd
    >>> pfd.Normal(0.0, 1.0).sample(jax.random.key(0), (3,)).shape
    (3,)
"""

# ruff: noqa: F403, F405
from probflow.distributions import constraints
from probflow.distributions.asymmetric_laplace import *
from probflow.distributions.autoregressive import *
from probflow.distributions.batch_structure import *
from probflow.distributions.bates import *
from probflow.distributions.bernoulli import *
from probflow.distributions.beta import *
from probflow.distributions.beta_negative_binomial import *
from probflow.distributions.beta_variants import *
from probflow.distributions.binomial import *
from probflow.distributions.blockwise import *
from probflow.distributions.car import *
from probflow.distributions.categorical import *
from probflow.distributions.censored import *
from probflow.distributions.continuous_bernoulli import *
from probflow.distributions.deterministic import *
from probflow.distributions.dirichlet import *
from probflow.distributions.discrete_uniform import *
from probflow.distributions.distribution import Distribution
from probflow.distributions.doublesided_maxwell import *
from probflow.distributions.dpp import *
from probflow.distributions.empirical import *
from probflow.distributions.exp_gamma import *
from probflow.distributions.exp_mod_gaussian import *
from probflow.distributions.finite_discrete import *
from probflow.distributions.flat_dirichlet import *
from probflow.distributions.gamma import *
from probflow.distributions.gamma_gamma import *
from probflow.distributions.gaussian_process import *
from probflow.distributions.gaussian_random_walk import *
from probflow.distributions.generalized_normal import *
from probflow.distributions.generalized_pareto import *
from probflow.distributions.gev import *
from probflow.distributions.gompertz import *
from probflow.distributions.gumbel import *
from probflow.distributions.hidden_markov_model import *
from probflow.distributions.horseshoe import *
from probflow.distributions.hurdle import *
from probflow.distributions.improper import *
from probflow.distributions.independent import *
from probflow.distributions.inflated import *
from probflow.distributions.inverse_gaussian import *
from probflow.distributions.inverse_wishart import *
from probflow.distributions.johnson_su import *
from probflow.distributions.kl import kl_divergence, register_kl, registered_kl_pairs
from probflow.distributions.kumaraswamy import *
from probflow.distributions.lambert_w_normal import *
from probflow.distributions.laplace import *
from probflow.distributions.levy import *
from probflow.distributions.linear_gaussian_ssm import *
from probflow.distributions.lkj import *
from probflow.distributions.log_logistic import *
from probflow.distributions.log_uniform import *
from probflow.distributions.logistic import *
from probflow.distributions.logit_normal import *
from probflow.distributions.low_rank_mvn import *
from probflow.distributions.markov_chain import *
from probflow.distributions.masked import *
from probflow.distributions.matrix_normal import *
from probflow.distributions.mixture import *
from probflow.distributions.moyal import *
from probflow.distributions.multinomial import *
from probflow.distributions.mvn import *
from probflow.distributions.mvt import *
from probflow.distributions.negative_binomial import *
from probflow.distributions.noncentral_chi2 import *
from probflow.distributions.normal import *
from probflow.distributions.normal_inverse_gaussian import *
from probflow.distributions.ordered_logistic import *
from probflow.distributions.parameter_properties import (
    FULLY_REPARAMETERIZED,
    NOT_REPARAMETERIZED,
    ParameterProperties,
    ReparameterizationType,
)
from probflow.distributions.pareto import *
from probflow.distributions.plackett_luce import *
from probflow.distributions.poisson import *
from probflow.distributions.probit_bernoulli import *
from probflow.distributions.projected_normal import *
from probflow.distributions.quantized import *
from probflow.distributions.relaxed import *
from probflow.distributions.sinh_arcsinh import *
from probflow.distributions.skellam import *
from probflow.distributions.spherical import *
from probflow.distributions.stopping_ratio_logistic import *
from probflow.distributions.student_t import *
from probflow.distributions.student_t_process import *
from probflow.distributions.torus import *
from probflow.distributions.transformed import *
from probflow.distributions.triangular import *
from probflow.distributions.truncated import *
from probflow.distributions.truncated_cauchy import *
from probflow.distributions.truncated_normal import *
from probflow.distributions.two_piece_normal import *
from probflow.distributions.two_piece_student_t import *
from probflow.distributions.uniform import *
from probflow.distributions.von_mises import *
from probflow.distributions.weibull import *
from probflow.distributions.wishart import *
from probflow.distributions.zero_sum_normal import *
from probflow.distributions.zipf import *
