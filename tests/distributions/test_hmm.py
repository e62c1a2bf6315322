"""HiddenMarkovModel and MarkovChain against brute force over every state path.

References are computed in NumPy/SciPy by enumerating all ``K^T`` hidden paths (small ``K``
and ``T``): the HMM's log density is the log-sum-exp of the path log joints, the posterior
marginals are the normalised path weights summed per step and state, and the Viterbi path
is the argmax over paths. Markov chains are checked against hand-written sums of SciPy log
densities and, for Gaussian AR(1) chains, against the dense multivariate normal.

Statistical tests use fixed keys; each states its false-fail rate under a correct sampler.
"""

from __future__ import annotations

import itertools

import jax
import jax.numpy as jnp
import numpy as np
import pytest
import scipy.stats as st
from scipy.special import logsumexp

import probflow as pf
import probflow.bijectors as pfb
from probflow import distributions as pfd
from probflow.core.errors import ParameterError, ShapeError, UnsupportedError

K, T = 3, 4
RNG = np.random.default_rng(20261201)
INIT = RNG.dirichlet(np.ones(K))
TRANS = RNG.dirichlet(np.ones(K), size=K)  # row i: P(next | i)
LOCS = np.asarray([[-2.0, 0.0, 2.5], [1.0, -1.0, 0.0]])  # batch (2,) of K emission means
SCALES = np.asarray([0.7, 1.0, 1.5])


def normal_hmm(**kwargs):
    return pfd.HiddenMarkovModel(
        pfd.Categorical(probs=jnp.asarray(INIT)),
        pfd.Categorical(probs=jnp.asarray(TRANS)),
        pfd.Normal(jnp.asarray(LOCS), jnp.asarray(SCALES)), num_steps=T, **kwargs)


def brute_force(log_init, log_trans, obs_log_lik):
    """Log joints ``log p(z, x)`` of every path; ``log_trans`` is per step: (T - 1, K, K)."""
    steps, k = obs_log_lik.shape
    paths = np.asarray(list(itertools.product(range(k), repeat=steps)))
    log_joint = log_init[paths[:, 0]] + obs_log_lik[np.arange(steps), paths].sum(-1)
    for t in range(steps - 1):
        log_joint = log_joint + log_trans[t, paths[:, t], paths[:, t + 1]]
    return paths, log_joint


def reference(log_init, log_trans, obs_log_lik):
    paths, log_joint = brute_force(log_init, log_trans, obs_log_lik)
    total = logsumexp(log_joint)
    weights = np.exp(log_joint - total)
    steps, k = obs_log_lik.shape
    marginals = np.zeros((steps, k))
    for t in range(steps):
        np.add.at(marginals[t], paths[:, t], weights)
    return total, marginals, paths[np.argmax(log_joint)]


def normal_obs_log_lik(x, locs):
    return st.norm(locs, SCALES).logpdf(x[:, None])  # (T, K)


@jax.jit
def inference(hmm, x):
    """log_prob, posterior marginal probabilities and Viterbi path in one compiled call."""
    return hmm.log_prob(x), hmm.posterior_marginals(x).probs_parameter(), hmm.posterior_mode(x)


@pytest.fixture(scope="module")
def observations():
    x = normal_hmm().sample(jax.random.key(3), (3,))  # (3, 2, T)
    return np.asarray(x)


def test_shapes_and_keys(observations):
    hmm = normal_hmm()
    assert hmm.batch_shape == (2,) and hmm.event_shape == (T,)
    assert observations.shape == (3, 2, T)
    assert hmm.log_prob(observations).shape == (3, 2)
    # Typed and raw keys give the same draws.
    np.testing.assert_array_equal(hmm.sample(jax.random.key(5), (4,)),
                                  hmm.sample(jax.random.PRNGKey(5), (4,)))
    assert isinstance(hmm.default_event_space_bijector(), pfb.Identity)


def test_log_prob_marginals_and_mode_match_brute_force(observations):
    hmm = normal_hmm()
    assert hmm.posterior_marginals(observations).batch_shape == (3, 2, T)
    lp, marg, mode = map(np.asarray, inference(hmm, observations))
    assert mode.shape == (3, 2, T) and mode.dtype == np.int32
    log_trans = np.broadcast_to(np.log(TRANS), (T - 1, K, K))
    for s, b in itertools.product(range(3), range(2)):
        want_lp, want_marg, want_mode = reference(
            np.log(INIT), log_trans, normal_obs_log_lik(observations[s, b], LOCS[b]))
        np.testing.assert_allclose(lp[s, b], want_lp, rtol=1e-10)
        np.testing.assert_allclose(marg[s, b], want_marg, atol=1e-10)
        np.testing.assert_array_equal(mode[s, b], want_mode)


def test_time_varying_transitions_and_observations():
    steps = 3
    trans = RNG.dirichlet(np.ones(K), size=(steps - 1, K))  # (T - 1, K, K)
    locs = RNG.normal(size=(steps, K)) * 2.0
    hmm = pfd.HiddenMarkovModel(
        pfd.Categorical(probs=jnp.asarray(INIT)), pfd.Categorical(probs=jnp.asarray(trans)),
        pfd.Normal(jnp.asarray(locs), 1.0), num_steps=steps,
        time_varying_transition_distribution=True, time_varying_observation_distribution=True)
    assert hmm.batch_shape == () and hmm.event_shape == (steps,)
    x = np.asarray([0.5, -1.0, 2.0])
    obs_ll = st.norm(locs, 1.0).logpdf(x[:, None])
    want_lp, want_marg, want_mode = reference(np.log(INIT), np.log(trans), obs_ll)
    lp, marg, mode = inference(hmm, x)
    np.testing.assert_allclose(lp, want_lp, rtol=1e-10)
    np.testing.assert_allclose(marg, want_marg, atol=1e-10)
    np.testing.assert_array_equal(mode, want_mode)
    assert hmm.sample(jax.random.key(0), (5,)).shape == (5, steps)


def test_vector_emissions_against_brute_force_and_monte_carlo():
    locs = np.asarray([[0.0, 0.0], [3.0, 1.0], [-2.0, 2.0]])
    scale = np.asarray([1.0, 0.5])
    hmm = pfd.HiddenMarkovModel(pfd.Categorical(probs=jnp.asarray(INIT)),
                                pfd.Categorical(probs=jnp.asarray(TRANS)),
                                pfd.MultivariateNormalDiag(jnp.asarray(locs), jnp.asarray(scale)),
                                num_steps=T)
    assert hmm.event_shape == (T, 2)
    x = np.asarray(hmm.sample(jax.random.key(8), (4000,)))
    obs_ll = np.stack([st.multivariate_normal(locs[k], np.diag(scale**2)).logpdf(x[0])
                       for k in range(K)], axis=-1)
    log_trans = np.broadcast_to(np.log(TRANS), (T - 1, K, K))
    want_lp, want_marg, want_mode = reference(np.log(INIT), log_trans, obs_ll)
    lp, marg, mode = inference(hmm, x[0])
    np.testing.assert_allclose(lp, want_lp, rtol=1e-10)
    np.testing.assert_allclose(marg, want_marg, atol=1e-10)
    np.testing.assert_array_equal(mode, want_mode)
    # Moments by total expectation over the prior state marginals.
    probs = [INIT]
    for _ in range(T - 1):
        probs.append(probs[-1] @ TRANS)
    probs = np.asarray(probs)  # (T, K)
    mean = probs @ locs
    var = probs @ (scale**2 + locs**2) - mean**2
    np.testing.assert_allclose(hmm.mean(), mean, rtol=1e-12)
    np.testing.assert_allclose(hmm.variance(), var, rtol=1e-12)
    # The 8 sample means lie within 5 Monte Carlo standard errors (false-fail < 8 * 5.7e-7).
    assert np.all(np.abs(x.mean(0) - mean) < 5 * np.sqrt(var / len(x)))


def test_tfp_weather_example_mean_and_variance_by_total_expectation():
    hmm = pfd.HiddenMarkovModel(
        pfd.Categorical(probs=jnp.asarray([0.8, 0.2])),
        pfd.Categorical(probs=jnp.asarray([[0.7, 0.3], [0.2, 0.8]])),
        pfd.Normal(jnp.asarray([0.0, 15.0]), jnp.asarray([5.0, 10.0])), num_steps=7)
    # TFP's documentation of this example lists these means.
    np.testing.assert_allclose(hmm.mean(), [3.0, 6.0, 7.5, 8.25, 8.625, 8.8125, 8.90625],
                               rtol=1e-12)
    probs = [np.asarray([0.8, 0.2])]
    for _ in range(6):
        probs.append(probs[-1] @ np.asarray([[0.7, 0.3], [0.2, 0.8]]))
    probs = np.asarray(probs)
    mu, var = np.asarray([0.0, 15.0]), np.asarray([25.0, 100.0])
    want_var = probs @ (var + mu**2) - (probs @ mu) ** 2
    np.testing.assert_allclose(hmm.variance(), want_var, rtol=1e-12)
    np.testing.assert_allclose(hmm.prior_marginals().probs_parameter(), probs, rtol=1e-12)


@pytest.mark.compile_bound
def test_discrete_observations_sample_frequencies_match_log_prob():
    # K = 2 states emitting one of 2 symbols over 3 steps: 8 possible sequences. A chi-square
    # test of 20000 draws against exp(log_prob) at level 1e-4 (false-fail rate 1e-4).
    hmm = pfd.HiddenMarkovModel(
        pfd.Categorical(probs=jnp.asarray([0.3, 0.7])),
        pfd.Categorical(probs=jnp.asarray([[0.8, 0.2], [0.35, 0.65]])),
        pfd.Categorical(probs=jnp.asarray([[0.9, 0.1], [0.25, 0.75]])), num_steps=3)
    assert hmm.is_discrete
    with pytest.raises(UnsupportedError):
        hmm.default_event_space_bijector()
    np.testing.assert_array_equal(hmm.log_prob(jnp.asarray([[0, 2, 1], [0, 0.5, 1]])), -np.inf)
    seqs = np.asarray(list(itertools.product(range(2), repeat=3)))
    probs = np.exp(np.asarray(hmm.log_prob(seqs)))
    np.testing.assert_allclose(probs.sum(), 1.0, rtol=1e-12)
    x = np.asarray(hmm.sample(jax.random.key(11), (20000,)))
    codes = x @ np.asarray([4, 2, 1])
    counts = np.bincount(codes, minlength=8)
    assert st.chisquare(counts, probs * len(x)).pvalue > 1e-4


def test_observation_batch_broadcast_draws_are_independent():
    # The batch (2,) comes from the initial distribution only; each member must get its own
    # emission draws, not copies.
    hmm = pfd.HiddenMarkovModel(
        pfd.Categorical(probs=jnp.full((2, K), 1.0 / K)),
        pfd.Categorical(probs=jnp.asarray(TRANS)),
        pfd.Normal(jnp.zeros(K), 1.0), num_steps=T)
    x = np.asarray(hmm.sample(jax.random.key(0), (3,)))
    assert x.shape == (3, 2, T)
    assert not np.any(x[:, 0] == x[:, 1])


@pytest.mark.compile_bound
def test_jit_vmap_grad_and_no_retrace(observations):
    traces = []

    @jax.jit
    def log_prob(hmm, x):
        traces.append(1)
        return hmm.log_prob(x)

    x = observations[0]
    np.testing.assert_allclose(log_prob(normal_hmm(), x), normal_hmm().log_prob(x), rtol=1e-12)
    other = pfd.HiddenMarkovModel(
        pfd.Categorical(probs=jnp.asarray(INIT[::-1].copy())),
        pfd.Categorical(probs=jnp.asarray(TRANS)),
        pfd.Normal(jnp.asarray(LOCS) + 1.0, jnp.asarray(SCALES)), num_steps=T)
    log_prob(other, x)
    assert len(traces) == 1
    # vmap over a stack of two models.
    stacked = jax.tree_util.tree_map(lambda a, b: jnp.stack([a, b]), normal_hmm(), other)
    got = jax.vmap(lambda h: h.log_prob(x))(stacked)
    np.testing.assert_allclose(got, [normal_hmm().log_prob(x), other.log_prob(x)], rtol=1e-12)

    # Gradient in the emission means against central finite differences of the brute force.
    def brute(locs):
        log_trans = np.broadcast_to(np.log(TRANS), (T - 1, K, K))
        return reference(np.log(INIT), log_trans, normal_obs_log_lik(x[0], locs))[0]

    def lp_locs(locs):
        hmm = pfd.HiddenMarkovModel(pfd.Categorical(probs=jnp.asarray(INIT)),
                                    pfd.Categorical(probs=jnp.asarray(TRANS)),
                                    pfd.Normal(locs, jnp.asarray(SCALES)), num_steps=T)
        return hmm.log_prob(x[0])

    grad = np.asarray(jax.grad(lp_locs)(jnp.asarray(LOCS[0])))
    eps = 1e-6
    fd = [(brute(LOCS[0] + eps * e) - brute(LOCS[0] - eps * e)) / (2 * eps) for e in np.eye(K)]
    np.testing.assert_allclose(grad, fd, rtol=1e-6, atol=1e-8)


def test_hmm_errors_name_the_argument():
    init = pfd.Categorical(probs=jnp.asarray(INIT))
    trans = pfd.Categorical(probs=jnp.asarray(TRANS))
    obs = pfd.Normal(jnp.zeros(K), 1.0)
    with pytest.raises(ShapeError, match="observation_distribution has batch_shape \\(2,\\)"):
        pfd.HiddenMarkovModel(init, trans, pfd.Normal(jnp.zeros(2), 1.0), T)
    with pytest.raises(ShapeError, match="initial_distribution has 2 categories but there are K"):
        pfd.HiddenMarkovModel(pfd.Categorical(probs=jnp.asarray([0.5, 0.5])), trans, obs, T)
    with pytest.raises(TypeError, match="initial_distribution must be a distribution over the"):
        pfd.HiddenMarkovModel(pfd.Normal(0.0, 1.0), trans, obs, T)
    with pytest.raises(ValueError, match="num_steps must be a positive integer, got 0"):
        pfd.HiddenMarkovModel(init, trans, obs, 0)
    with pytest.raises(ShapeError, match="rightmost batch dimensions must be \\(3, 3\\)"):
        pfd.HiddenMarkovModel(init, pfd.Categorical(probs=jnp.full((2, K, K), 1.0 / K)), obs, 4,
                              time_varying_transition_distribution=True)
    with pytest.raises(ShapeError, match="does not end in the event shape"):
        normal_hmm().log_prob(jnp.zeros(T + 1))
    with pytest.raises(ParameterError, match="probs must be"):
        pfd.HiddenMarkovModel(init, pfd.Categorical(probs=jnp.full((K, K), 0.5)), obs, T)


def test_hmm_in_a_model_matches_brute_force_and_has_finite_gradients(observations):
    x = jnp.asarray(observations[0, 0])

    @pf.model
    def regimes(x_len):
        locs = yield pfd.Normal(jnp.zeros(K), 3.0, name="locs")
        rows = yield pfd.Dirichlet(jnp.ones((K, K)), name="rows")
        yield pfd.HiddenMarkovModel(pfd.Categorical(probs=jnp.asarray(INIT)),
                                    pfd.Categorical(probs=rows),
                                    pfd.Normal(locs, jnp.asarray(SCALES)), num_steps=x_len,
                                    name="x")

    post = regimes(T).condition(x=x)
    z = post.init(jax.random.key(0), num_chains=1)
    z = jax.tree_util.tree_map(lambda a: a[0], z)
    value, grad = jax.jit(jax.value_and_grad(post.unconstrained_log_density))(z)
    assert np.isfinite(value)
    assert all(np.all(np.isfinite(g)) for g in jax.tree_util.tree_leaves(grad))
    latents = post.constrain(z)
    locs, rows = np.asarray(latents["locs"]), np.asarray(latents["rows"])
    want = (st.norm(0, 3).logpdf(locs).sum()
            + sum(st.dirichlet(np.ones(K)).logpdf(r) for r in rows)
            + reference(np.log(INIT), np.broadcast_to(np.log(rows), (T - 1, K, K)),
                        normal_obs_log_lik(np.asarray(x), locs))[0])
    np.testing.assert_allclose(jax.jit(post.log_density)(latents), want, rtol=1e-10)


# -- MarkovChain ------------------------------------------------------------------------------

PHI, SIGMA = 0.8, 0.5


def ar1_chain(num_steps=5, loc0=0.0):
    return pfd.MarkovChain(pfd.Normal(jnp.asarray(loc0), 1.0),
                           lambda t, x: pfd.Normal(PHI * x, SIGMA), num_steps)


def ar1_dense(num_steps, loc0=0.0):
    """Mean and covariance of the AR(1) chain, from x = A e built by brute force."""
    a = np.zeros((num_steps, num_steps))
    scales = np.r_[1.0, np.full(num_steps - 1, SIGMA)]
    for t in range(num_steps):
        for s in range(t + 1):
            a[t, s] = PHI ** (t - s) * scales[s]
    mean = loc0 * PHI ** np.arange(num_steps)
    return mean, a @ a.T


def test_gaussian_ar1_chain_against_hand_computation_and_dense_normal():
    chain = ar1_chain(5, loc0=np.asarray([0.0, 1.0]))
    assert chain.batch_shape == (2,) and chain.event_shape == (5,)
    x = np.asarray(chain.sample(jax.random.key(1), (3,)))
    assert x.shape == (3, 2, 5)
    lp = np.asarray(chain.log_prob(x))
    hand = (st.norm([0.0, 1.0], 1.0).logpdf(x[..., 0])
            + st.norm(PHI * x[..., :-1], SIGMA).logpdf(x[..., 1:]).sum(-1))
    np.testing.assert_allclose(lp, hand, rtol=1e-12)
    for b, loc0 in enumerate([0.0, 1.0]):
        mean, cov = ar1_dense(5, loc0)
        np.testing.assert_allclose(lp[:, b], st.multivariate_normal(mean, cov).logpdf(x[:, b]),
                                   rtol=1e-10)
    assert isinstance(chain.default_event_space_bijector(), pfb.Identity)
    np.testing.assert_array_equal(chain.sample(jax.random.key(2)),
                                  chain.sample(jax.random.PRNGKey(2)))


def test_ar1_chain_sample_moments_match_the_dense_covariance():
    # 4000 draws of a length-4 chain; each of the 4 means and 16 covariance entries must lie
    # within 5 Monte Carlo standard errors (normal approximation: false-fail rate < 20 * 6e-7).
    n, steps = 4000, 4
    x = np.asarray(ar1_chain(steps).sample(jax.random.key(7), (n,)))
    mean, cov = ar1_dense(steps)
    se_mean = np.sqrt(np.diag(cov) / n)
    assert np.all(np.abs(x.mean(0) - mean) < 5 * se_mean)
    se_cov = np.sqrt((np.outer(np.diag(cov), np.diag(cov)) + cov**2) / n)
    assert np.all(np.abs(np.cov(x.T) - cov) < 5 * se_cov)


def test_time_dependent_transition_fn():
    scales = jnp.asarray([0.5, 1.0, 2.0])
    chain = pfd.MarkovChain(pfd.Normal(0.0, 1.0), lambda t, x: pfd.Normal(x, scales[t]), 4)
    x = np.asarray([0.1, -0.3, 0.8, 2.0])
    hand = st.norm(0, 1).logpdf(x[0]) + st.norm(x[:-1], [0.5, 1.0, 2.0]).logpdf(x[1:]).sum()
    np.testing.assert_allclose(chain.log_prob(x), hand, rtol=1e-12)
    single = pfd.MarkovChain(pfd.Normal(0.0, 1.0), lambda t, x: pfd.Normal(x, 1.0), 1)
    np.testing.assert_allclose(single.log_prob(jnp.asarray([0.3])), st.norm.logpdf(0.3))


def test_markov_chain_is_a_pytree():
    def fn(t, x):
        return pfd.Normal(PHI * x, SIGMA)

    traces = []

    @jax.jit
    def log_prob(chain, x):
        traces.append(1)
        return chain.log_prob(x)

    x = jnp.asarray([0.1, 0.2, -0.3])
    a = pfd.MarkovChain(pfd.Normal(0.0, 1.0), fn, 3)
    b = pfd.MarkovChain(pfd.Normal(1.0, 2.0), fn, 3)
    log_prob(a, x)
    hand = st.norm(1, 2).logpdf(0.1) + st.norm(PHI * x[:-1], SIGMA).logpdf(x[1:]).sum()
    np.testing.assert_allclose(log_prob(b, x), hand, rtol=1e-12)
    assert len(traces) == 1  # a new prior's values do not retrace; the function is static
    stacked = jax.tree_util.tree_map(lambda u, v: jnp.stack([u, v]), a, b)
    np.testing.assert_allclose(jax.vmap(lambda c: c.log_prob(x))(stacked),
                               [a.log_prob(x), hand], rtol=1e-12)
    # d/d loc0 of log N(x0; loc0, 2) = (x0 - loc0) / 4.
    grad = jax.grad(lambda loc: pfd.MarkovChain(pfd.Normal(loc, 2.0), fn, 3).log_prob(x))(1.0)
    np.testing.assert_allclose(grad, (0.1 - 1.0) / 4.0, rtol=1e-12)


@pytest.mark.compile_bound
def test_discrete_chain_from_a_transition_matrix():
    init = np.asarray([0.2, 0.5, 0.3])
    chain = pfd.MarkovChain(pfd.Categorical(probs=jnp.asarray(init)),
                            pfd.Categorical(probs=jnp.asarray(TRANS)), 3)
    assert chain.is_discrete and chain.event_shape == (3,)
    paths = np.asarray(list(itertools.product(range(K), repeat=3)))
    want = init[paths[:, 0]] * TRANS[paths[:, 0], paths[:, 1]] * TRANS[paths[:, 1], paths[:, 2]]
    np.testing.assert_allclose(np.exp(chain.log_prob(paths)), want, rtol=1e-12)
    # Chi-square test of 20000 draws over the 27 paths at level 1e-4 (false-fail rate 1e-4).
    x = np.asarray(chain.sample(jax.random.key(4), (20000,)))
    counts = np.bincount(x @ np.asarray([9, 3, 1]), minlength=27)
    assert st.chisquare(counts, want * len(x)).pvalue > 1e-4
    # The same chain written as a transition_fn gives the same density.
    fn_chain = pfd.MarkovChain(pfd.Categorical(probs=jnp.asarray(init)),
                               lambda t, z: pfd.Categorical(probs=jnp.asarray(TRANS)[z]), 3)
    np.testing.assert_allclose(fn_chain.log_prob(paths), chain.log_prob(paths), rtol=1e-12)
    # Impossible paths (a state out of range, a non-integer) have log_prob -inf, never NaN.
    bad = chain.log_prob(jnp.asarray([[0, 5, 1], [0, -1, 1], [0.0, 0.5, 1.0]]))
    np.testing.assert_array_equal(bad, -np.inf)


def test_markov_chain_errors():
    with pytest.raises(TypeError, match="transition_fn must be a callable"):
        pfd.MarkovChain(pfd.Normal(0.0, 1.0), 3.0, 4)
    with pytest.raises(ValueError, match="num_steps must be a positive integer, got -1"):
        pfd.MarkovChain(pfd.Normal(0.0, 1.0), lambda t, x: pfd.Normal(x, 1.0), -1)
    with pytest.raises(TypeError, match="initial_state_prior must be a distribution over"):
        pfd.MarkovChain(pfd.Normal(0.0, 1.0), pfd.Categorical(probs=jnp.asarray(TRANS)), 4)
    bad = pfd.MarkovChain(pfd.Normal(0.0, 1.0), lambda t, x: pfd.Normal(x + jnp.zeros(2), 1.0),
                          3)
    with pytest.raises(ShapeError, match="draws values of shape \\(2,\\) from a state of"):
        bad.sample(jax.random.key(0))


def test_markov_chain_as_a_latent_variable_in_a_model():
    y = jnp.asarray([0.3, 0.9, 0.4, -0.2, 0.1])

    @pf.model
    def smooth():
        phi = yield pfd.Uniform(-1.0, 1.0, name="phi")
        states = yield pfd.MarkovChain(pfd.Normal(0.0, 1.0),
                                       lambda t, x: pfd.Normal(phi * x, SIGMA), 5, name="states")
        yield pfd.Normal(states, 0.3, name="y")

    post = smooth().condition(y=y)
    assert post.latent_names == ("phi", "states")
    z = {"phi": jnp.asarray(0.4), "states": jnp.asarray([0.1, 0.5, 0.2, -0.1, 0.0])}
    value, grad = jax.jit(jax.value_and_grad(post.unconstrained_log_density))(z)
    assert np.isfinite(value) and np.all(np.isfinite(grad["states"]))
    assert np.isfinite(grad["phi"])
    latents = post.constrain(z)
    phi, s = float(latents["phi"]), np.asarray(latents["states"])
    want = (np.log(0.5) + st.norm(0, 1).logpdf(s[0]) + st.norm(phi * s[:-1], SIGMA).logpdf(
        s[1:]).sum() + st.norm(s, 0.3).logpdf(np.asarray(y)).sum())
    np.testing.assert_allclose(jax.jit(post.log_density)(latents), want, rtol=1e-12)
