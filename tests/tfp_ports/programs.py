"""Five TFP-on-JAX programs, as text, that run unchanged on probflow but for the import line.

Each program is written for TFP (``import tensorflow_probability.substrates.jax as tfp``)
and leaves its numbers in a dict called ``results``. [`run`][tests.tfp_ports.programs.run]
executes a program under either library: for probflow it replaces the one import line with
``import probflow.tfp_compat as tfp`` and changes nothing else.

The values are float64 NumPy arrays (each program enables ``jax_enable_x64`` the way TFP's
own examples do), so the two libraries are compared at full precision. Draws differ between
the libraries (other samplers), so the programs check shapes of draws and densities,
moments and posteriors at fixed values.
"""

from __future__ import annotations

import numpy as np

TFP_IMPORT = "import tensorflow_probability.substrates.jax as tfp"
PROBFLOW_IMPORT = "import probflow.tfp_compat as tfp"

HEADER = f"""\
import jax
import jax.numpy as jnp
import numpy as np

jax.config.update("jax_enable_x64", True)
{TFP_IMPORT}

tfd = tfp.distributions
tfb = tfp.bijectors
"""

SHAPES = HEADER + """
key = jax.random.PRNGKey(0)
loc = np.array([[0.0, 1.0, 2.0], [-1.0, 0.5, 3.0]])
scale = np.array([1.0, 2.0, 0.5])
normal = tfd.Normal(loc=loc, scale=scale)
rows = tfd.Independent(normal, reinterpreted_batch_ndims=1)
values = np.array([[0.3, -0.2, 2.5], [1.0, 0.0, -1.5]])
draws = rows.sample([4, 5], seed=key)

gamma = tfd.Gamma(concentration=np.array([2.0, 3.0]), log_rate=np.array([0.1, -0.4]))
mixture = tfd.MixtureSameFamily(
    mixture_distribution=tfd.Categorical(logits=np.array([0.1, -0.5, 1.2])),
    components_distribution=tfd.Normal(np.array([-1.0, 0.0, 2.0]), np.array([0.5, 1.0, 1.5])),
)
dirichlet = tfd.Dirichlet(np.array([1.5, 2.0, 0.7]))
laplaces = tfd.Sample(tfd.Laplace(np.float64(0.3), np.float64(1.2)), sample_shape=[2, 3])
mvn = tfd.MultivariateNormalTriL(
    loc=np.array([1.0, -1.0]), scale_tril=np.array([[1.0, 0.0], [0.6, 0.8]]))
student = tfd.StudentT(df=np.float64(4.0), loc=np.float64(0.5), scale=np.float64(2.0))

results = {
    "normal_batch_shape": np.asarray(normal.batch_shape_tensor()),
    "rows_batch_shape": np.asarray(rows.batch_shape_tensor()),
    "rows_event_shape": np.asarray(rows.event_shape_tensor()),
    "draws_shape": np.asarray(draws.shape),
    "rows_log_prob_draws_shape": np.asarray(rows.log_prob(draws).shape),
    "normal_log_prob": normal.log_prob(values),
    "rows_log_prob": rows.log_prob(values),
    "scalar_batch_event": np.asarray(
        [normal.is_scalar_batch(), rows.is_scalar_event(), mvn.is_scalar_batch()]),
    "gamma_log_prob": gamma.log_prob(np.array([0.7, 2.5])),
    "gamma_mean": gamma.mean(),
    "gamma_entropy": gamma.entropy(),
    "mixture_log_prob": mixture.log_prob(np.array([-1.0, 0.3, 2.2])),
    "mixture_mean": mixture.mean(),
    "mixture_cdf": mixture.cdf(np.float64(0.4)),
    "dirichlet_log_prob": dirichlet.log_prob(np.array([0.2, 0.5, 0.3])),
    "dirichlet_event_shape": np.asarray(dirichlet.event_shape_tensor()),
    "laplaces_event_shape": np.asarray(laplaces.event_shape_tensor()),
    "laplaces_log_prob": laplaces.log_prob(np.arange(6.0).reshape(2, 3) / 4.0),
    "mvn_log_prob": mvn.log_prob(np.array([[0.0, 0.0], [1.5, -0.5]])),
    "mvn_covariance": mvn.covariance(),
    "student_cdf": student.cdf(np.array([-1.0, 0.5, 3.0])),
    "normal_cross_entropy": tfd.Normal(np.float64(0.0), np.float64(1.0)).cross_entropy(
        tfd.Normal(np.float64(1.0), np.float64(2.0))),
    "kl": tfd.kl_divergence(gamma, tfd.Gamma(np.array([1.0, 2.0]), np.array([0.5, 2.0]))),
    "sample_and_log_prob_shapes": np.asarray(
        [s for t in normal.experimental_sample_and_log_prob([3], seed=key) for s in t.shape]),
}
"""

TRANSFORMED = HEADER + """
key = jax.random.PRNGKey(1)
chain = tfb.Chain([tfb.Shift(np.float64(1.0)), tfb.Scale(np.float64(2.0)), tfb.Exp()])
shifted_lognormal = tfd.TransformedDistribution(
    distribution=tfd.Normal(np.float64(0.0), np.float64(1.0)), bijector=chain)
x = np.array([-1.0, 0.0, 0.5])
y = np.array([1.5, 2.0, 4.0, 9.0])

positive_vector = tfd.TransformedDistribution(
    distribution=tfd.MultivariateNormalDiag(
        loc=np.array([0.0, 1.0, -1.0]), scale_diag=np.array([1.0, 0.5, 2.0])),
    bijector=tfb.Chain([tfb.Shift(np.float64(0.5)), tfb.Softplus()]),
)
z = np.array([[0.7, 1.9, 0.6], [2.0, 0.9, 1.1]])
logit_normal = tfd.TransformedDistribution(
    tfd.Normal(np.float64(0.3), np.float64(0.8)), tfb.Sigmoid())

results = {
    "forward": chain.forward(x),
    "inverse": chain.inverse(y),
    "forward_log_det_jacobian": chain.forward_log_det_jacobian(x, event_ndims=0),
    "inverse_log_det_jacobian": chain.inverse_log_det_jacobian(y, event_ndims=0),
    "log_prob": shifted_lognormal.log_prob(y),
    "cdf": shifted_lognormal.cdf(y),
    "sample_shape": np.asarray(shifted_lognormal.sample([3, 2], seed=key).shape),
    "vector_log_prob": positive_vector.log_prob(z),
    "vector_event_shape": np.asarray(positive_vector.event_shape_tensor()),
    "vector_sample_shape": np.asarray(positive_vector.sample(4, seed=key).shape),
    "vector_ildj": positive_vector.bijector.inverse_log_det_jacobian(z, event_ndims=1),
    "logit_normal_log_prob": logit_normal.log_prob(np.array([0.1, 0.5, 0.95])),
}
"""

JOINT = HEADER + """
key = jax.random.PRNGKey(2)
Root = tfd.JointDistributionCoroutine.Root
y_obs = np.array([0.3, -1.2, 2.1, 0.8, 1.5])


def model():
    mu = yield Root(tfd.Normal(np.float64(0.0), np.float64(2.0), name="mu"))
    sigma = yield Root(tfd.HalfNormal(np.float64(1.0), name="sigma"))
    yield tfd.Independent(
        tfd.Normal(mu[..., None] * np.ones(5), sigma[..., None]),
        reinterpreted_batch_ndims=1, name="y")


jd = tfd.JointDistributionCoroutine(model)
mu, sigma, y = jd.sample(seed=key)
many = jd.sample(7, seed=key)
pinned = jd.experimental_pin(y=y_obs)
mus = np.array([0.5, -0.2, 1.1])
sigmas = np.array([1.3, 0.7, 2.0])

results = {
    "draw_shapes": np.asarray([np.ndim(mu), np.ndim(sigma), y.shape[0]]),
    "many_shapes": np.asarray([*many.mu.shape, *many.sigma.shape, *many.y.shape]),
    "log_prob": jd.log_prob(np.float64(0.5), np.float64(1.3), y_obs),
    "log_prob_by_name": jd.log_prob(mu=np.float64(0.5), sigma=np.float64(1.3), y=y_obs),
    "log_prob_of_draws_shape": np.asarray(jd.log_prob(many).shape),
    "log_prob_parts": np.asarray(
        [float(v) for v in jd.log_prob_parts(np.float64(0.5), np.float64(1.3), y_obs)]),
    "pinned_log_prob": pinned.unnormalized_log_prob(mu=np.float64(0.5), sigma=np.float64(1.3)),
    "pinned_log_prob_batch": pinned.unnormalized_log_prob(mus, sigmas),
    "pinned_log_prob_positional": pinned.log_prob(np.float64(-0.4), np.float64(0.9)),
    "unpinned_shapes": np.asarray(
        [*pinned.sample_unpinned(4, seed=key).mu.shape,
         *pinned.sample_unpinned(4, seed=key).sigma.shape]),
}
"""

GP_REGRESSION = HEADER + """
tfpk = tfp.math.psd_kernels
observation_index_points = np.linspace(-2.0, 2.0, 8)[:, None]
observations = (np.sin(2.0 * observation_index_points[:, 0])
                + 0.1 * np.cos(5.0 * observation_index_points[:, 0]))
index_points = np.linspace(-2.5, 2.5, 5)[:, None]
kernel = tfpk.ExponentiatedQuadratic(amplitude=np.float64(1.3), length_scale=np.float64(0.7))

gp = tfd.GaussianProcess(kernel, index_points=observation_index_points,
                         observation_noise_variance=np.float64(0.05))
gprm = tfd.GaussianProcessRegressionModel(
    kernel=kernel,
    index_points=index_points,
    observation_index_points=observation_index_points,
    observations=observations,
    observation_noise_variance=np.float64(0.05),
)

results = {
    "kernel_matrix": kernel.matrix(index_points, observation_index_points),
    "marginal_log_likelihood": gp.log_prob(observations),
    "predictive_mean": gprm.mean(),
    "predictive_stddev": gprm.stddev(),
    "predictive_covariance": gprm.covariance(),
    "predictive_log_prob": gprm.log_prob(np.array([0.5, -0.9, 0.1, 0.8, -0.6])),
    "event_shape": np.asarray(gprm.event_shape_tensor()),
}
"""

HMM = HEADER + """
initial_distribution = tfd.Categorical(probs=np.array([0.8, 0.2]))
transition_distribution = tfd.Categorical(probs=np.array([[0.7, 0.3], [0.2, 0.8]]))
observation_distribution = tfd.Normal(loc=np.array([0.0, 15.0]), scale=np.array([5.0, 10.0]))
hmm = tfd.HiddenMarkovModel(
    initial_distribution=initial_distribution,
    transition_distribution=transition_distribution,
    observation_distribution=observation_distribution,
    num_steps=7,
)
observations = np.array([-2.0, 0.5, 14.0, 20.0, 16.0, 3.0, -1.0])

results = {
    "log_prob": hmm.log_prob(observations),
    "posterior_marginals": hmm.posterior_marginals(observations).probs_parameter(),
    "posterior_mode": hmm.posterior_mode(observations),
    "mean": hmm.mean(),
    "event_shape": np.asarray(hmm.event_shape_tensor()),
}
"""

PROGRAMS = {
    "shapes": SHAPES,
    "transformed": TRANSFORMED,
    "joint": JOINT,
    "gp_regression": GP_REGRESSION,
    "hmm": HMM,
}


def port(text: str) -> str:
    """The probflow version of a TFP program: its one import line replaced, nothing else.

    Examples:
        >>> port(HMM).count(PROBFLOW_IMPORT), port(HMM).count(TFP_IMPORT)
        (1, 0)
    """
    if text.count(TFP_IMPORT) != 1:
        raise ValueError("a TFP program must import TFP exactly once, as " + TFP_IMPORT)
    return text.replace(TFP_IMPORT, PROBFLOW_IMPORT)


def run(name: str, library: str = "probflow") -> dict:
    """Run program ``name`` under ``library`` (``"probflow"`` or ``"tfp"``).

    Returns the program's ``results`` as float64 NumPy arrays.
    """
    text = PROGRAMS[name]
    if library == "probflow":
        text = port(text)
    elif library != "tfp":
        raise ValueError(f"library must be 'probflow' or 'tfp', got {library!r}")
    scope: dict = {"__name__": f"tfp_port_{name}"}
    exec(compile(text, f"<tfp port {name} ({library})>", "exec"), scope)  # noqa: S102
    return {k: np.asarray(v, dtype=np.float64) for k, v in scope["results"].items()}
