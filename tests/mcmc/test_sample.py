"""The MCMC driver: output layout, reproducibility, caching, chain methods, extend, bad input."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
import warnings

import jax
import jax.numpy as jnp
import numpy as np
import pytest

import probflow as pf
from probflow import distributions as pfd
from probflow.diagnostics import ConvergenceWarning
from probflow.mcmc.chains import finish_chains, prepare_chains, run_chunk
from probflow.models.posterior import InitializationError

SIGMA = jnp.asarray([15.0, 10.0, 16.0, 11.0, 9.0, 11.0, 10.0, 18.0])
Y = jnp.asarray([28.0, 8.0, -3.0, 7.0, -1.0, 1.0, 18.0, 12.0])


@pf.model(coords={"school": list("ABCDEFGH")}, dims={"z": ["school"], "theta": ["school"],
                                                       "y": ["school"]})
def schools(sigma):
    mu = yield pfd.Normal(0.0, 5.0, name="mu")
    tau = yield pfd.HalfCauchy(0.0, 5.0, name="tau")
    z = yield pfd.Normal(jnp.zeros(8), 1.0, name="z")
    theta = yield pf.Deterministic(mu + tau * z, name="theta")
    yield pfd.Normal(theta, sigma, name="y")


def _posterior(y=Y):
    return schools(SIGMA).condition(y=y)


def _gauss(position):
    return -0.5 * jnp.sum(position["x"] ** 2)


FAST = dict(num_warmup=150, num_samples=100, progress_bar=False, warn=False)


@pytest.fixture(scope="module")
def schools_idata():
    return pf.mcmc.sample(_posterior(), key=jax.random.key(0), **FAST)


def test_output_groups_dims_and_stats(schools_idata):
    idata = schools_idata
    assert {"posterior", "sample_stats", "log_likelihood", "observed_data",
            "constant_data"} <= set(idata.groups())
    post = idata.posterior
    assert post["z"].dims == ("chain", "draw", "school")
    assert list(post["school"].values) == list("ABCDEFGH")
    assert post["theta"].shape == (4, 100, 8)          # deterministic recorded
    assert float(post["tau"].min()) > 0                 # constrained values
    expected = {"lp", "diverging", "energy", "tree_depth", "n_steps", "step_size",
                "acceptance_rate", "reached_max_treedepth"}
    assert expected == set(idata.sample_stats.data_vars)
    assert idata.sample_stats["diverging"].dtype == bool
    assert idata.log_likelihood["y"].shape == (4, 100, 8)
    np.testing.assert_allclose(
        idata.posterior["theta"], idata.posterior["mu"] + idata.posterior["tau"]
        * idata.posterior["z"], rtol=1e-10)
    # the step size is the same within a chain after warm-up
    assert np.ptp(np.asarray(idata.sample_stats["step_size"]), axis=1).max() == 0
    # n_steps matches the tree depth (doublings attempted, as Stan counts them): at most
    # 2**depth - 1 integrator steps, and more than 2**(depth - 1) - 1
    depth = np.asarray(idata.sample_stats["tree_depth"])
    n_steps = np.asarray(idata.sample_stats["n_steps"])
    assert np.all(n_steps <= 2 ** depth - 1)
    assert np.all(n_steps > 2 ** (depth - 1) - 1)


def test_lp_is_the_unconstrained_log_density(schools_idata):
    post = _posterior()
    draws = {k: np.asarray(schools_idata.posterior[k])[0, :5] for k in post.latent_names}
    z = jax.vmap(post.unconstrain)(draws)
    lp = jax.vmap(post.unconstrained_log_density)(z)
    np.testing.assert_allclose(lp, schools_idata.sample_stats["lp"][0, :5], rtol=1e-8)


def test_same_key_same_draws_and_chains_differ(schools_idata):
    again = pf.mcmc.sample(_posterior(), key=jax.random.key(0), **FAST)
    np.testing.assert_array_equal(again.posterior["mu"], schools_idata.posterior["mu"])
    mu = np.asarray(again.posterior["mu"])
    assert not np.allclose(mu[0], mu[1])
    other = pf.mcmc.sample(_posterior(), key=jax.random.key(1), **FAST)
    assert not np.allclose(other.posterior["mu"], mu)


def test_new_data_of_the_same_shape_does_not_recompile(schools_idata):
    programs = (prepare_chains, run_chunk, finish_chains)
    before = [p._cache_size() for p in programs]
    pf.mcmc.sample(_posterior(Y + 1.0), key=jax.random.key(3), **FAST)
    pf.mcmc.sample(_posterior(Y - 2.0), key=jax.random.key(4), **FAST)
    assert [p._cache_size() for p in programs] == before


@pytest.mark.compile_bound
def test_sequential_matches_vectorized():
    kwargs = dict(key=jax.random.key(5), initial_position={"x": jnp.zeros((2, 3))},
                  num_chains=2, **FAST)
    vectorized = pf.mcmc.sample(_gauss, **kwargs)
    sequential = pf.mcmc.sample(_gauss, chain_method="sequential", **kwargs)
    # same keys and arithmetic; only the vectorisation's rounding differs
    np.testing.assert_allclose(sequential.posterior["x"], vectorized.posterior["x"],
                               rtol=1e-6, atol=1e-8)


@pytest.mark.slow
def test_parallel_chains_across_devices():
    # four host devices in a fresh process; the result equals the vectorized run
    script = textwrap.dedent("""
        import os
        os.environ["XLA_FLAGS"] = "--xla_force_host_platform_device_count=4"
        import jax, jax.numpy as jnp, numpy as np
        jax.config.update("jax_enable_x64", True)
        import probflow as pf
        f = lambda p: -0.5 * jnp.sum(p["x"] ** 2)
        kw = dict(key=jax.random.key(0), initial_position={"x": jnp.zeros((4, 2))},
                  num_warmup=100, num_samples=50, progress_bar=False, warn=False)
        assert len(jax.devices()) == 4
        a = pf.mcmc.sample(f, chain_method="parallel", **kw).posterior["x"].values
        b = pf.mcmc.sample(f, **kw).posterior["x"].values
        np.testing.assert_allclose(a, b, rtol=1e-6, atol=1e-8)
        print("ok")
    """)
    env = {k: v for k, v in os.environ.items() if k != "XLA_FLAGS"}
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                            env=env, timeout=300)
    assert result.returncode == 0, result.stderr[-3000:]
    assert "ok" in result.stdout


@pytest.mark.compile_bound
def test_thin_and_save_warmup():
    idata = pf.mcmc.sample(_gauss, key=jax.random.key(0), initial_position={"x": jnp.zeros((2, 1))},
                           num_chains=2, num_warmup=60, num_samples=20, thin=3,
                           save_warmup=True, progress_bar=False, warn=False)
    assert idata.posterior.sizes["draw"] == 20
    assert idata.warmup_posterior.sizes["draw"] == 60
    assert idata.warmup_sample_stats["step_size"].shape == (2, 60)


def test_extend_continues_from_the_final_state(schools_idata):
    longer = pf.mcmc.extend(schools_idata, 30, key=jax.random.key(9), progress_bar=False,
                            warn=False)
    assert longer.posterior.sizes["draw"] == 130
    assert schools_idata.posterior.sizes["draw"] == 100  # not modified
    np.testing.assert_array_equal(longer.posterior["mu"][:, :100], schools_idata.posterior["mu"])
    assert list(longer.posterior["draw"].values) == list(range(130))
    # the tuned step size carries over, no new warm-up
    np.testing.assert_allclose(longer.sample_stats["step_size"][:, -1],
                               schools_idata.mcmc_run.step_size)
    assert longer.mcmc_run.num_draws == 130
    with pytest.raises(ValueError, match="mcmc_run"):
        pf.mcmc.extend(pf.to_inference_data(draws={"a": np.zeros((2, 3))}), 5,
                       key=jax.random.key(0))


@pytest.mark.compile_bound
@pytest.mark.parametrize("kernel", [pf.mcmc.HMC(num_integration_steps=8), pf.mcmc.MALA(),
                                    pf.mcmc.RandomWalkMetropolis()], ids=lambda k: type(k).__name__)
def test_other_kernels_run_through_the_driver(kernel):
    # 8 dimensions: the acceptance rate is a smooth function of the step size there
    idata = pf.mcmc.sample(_gauss, kernel, key=jax.random.key(0), num_chains=2,
                           initial_position={"x": jnp.zeros((2, 8))}, num_warmup=500,
                           num_samples=500, progress_bar=False, warn=False)
    assert "tree_depth" not in idata.sample_stats
    accept = float(idata.sample_stats["acceptance_rate"].mean())
    # the final step size is dual averaging's averaged iterate, which lands the realised
    # acceptance at or somewhat above the target (as in Stan); never stuck at 0 or 1
    assert kernel.default_target_accept - 0.1 < accept < 0.97
    assert abs(float(idata.posterior["x"].std()) - 1.0) < 0.15


def test_dense_mass_matrix_is_adapted():
    cov = jnp.asarray([[1.0, 0.95], [0.95, 1.0]])
    precision = jnp.linalg.inv(cov)

    def logdensity(p):
        return -0.5 * p["x"] @ precision @ p["x"]

    idata = pf.mcmc.sample(logdensity, key=jax.random.key(0), num_chains=2,
                           adaptation=pf.mcmc.WindowAdaptation(dense_mass=True),
                           initial_position={"x": jnp.zeros((2, 2))}, progress_bar=False,
                           warn=False, num_warmup=500, num_samples=200)
    imm = idata.mcmc_run.inverse_mass_matrix
    assert imm.shape == (2, 2, 2)
    # The last window holds ~200 correlated draws: each variance is off by up to 40% (over
    # 64 chains and two random layouts: 0.64-1.48), too noisy to compare elementwise, while
    # the correlation is within 0.035 of 0.95 (0.919-0.967). A diagonal adaptation gives
    # 0, the precision instead of the covariance -0.95 and variances of 10.
    correlation = imm[:, 0, 1] / np.sqrt(imm[:, 0, 0] * imm[:, 1, 1])
    np.testing.assert_allclose(correlation, 0.95, atol=0.05)
    variances = np.diagonal(imm, axis1=1, axis2=2)
    assert np.all((variances > 0.5) & (variances < 2.0)), variances


def test_progress_bar_reports_phases(capsys):
    pf.mcmc.sample(_gauss, key=jax.random.key(0), num_chains=2,
                   initial_position={"x": jnp.zeros((2, 1))}, num_warmup=100, num_samples=100,
                   progress_bar=True, warn=False)
    err = capsys.readouterr().err
    assert "warmup" in err and "sampling" in err and "200/200" in err
    assert "divergences" in err and "step_size" in err


def test_nan_log_density_mid_run_is_a_divergence_not_a_crash():
    def logdensity(p):
        x = p["x"][0]
        return jnp.where(x > 1.5, jnp.nan, -0.5 * x**2)

    with pytest.warns(ConvergenceWarning, match="divergent"):
        idata = pf.mcmc.sample(logdensity, key=jax.random.key(0), num_chains=2,
                               initial_position={"x": jnp.zeros((2, 1))}, num_warmup=200,
                               num_samples=200, progress_bar=False)
    x = np.asarray(idata.posterior["x"])
    assert np.all(np.isfinite(x)) and x.max() <= 1.5
    assert int(idata.sample_stats["diverging"].sum()) > 0


@pytest.mark.compile_bound
def test_funnel_divergences_are_reported():
    # a compact centred model: the funnel makes NUTS diverge. target_accept=0.6 (a larger
    # step) keeps the count well away from zero: keys 0-7 gave 7-29 divergent transitions
    # here, where the default 0.8 gave 2-41 over keys 0-5, and 0 for key 0 under the
    # compile-bound session's fast compiler flags on CI
    @pf.model
    def funnel():
        log_scale = yield pfd.Normal(0.0, 3.0, name="log_scale")
        yield pfd.Normal(jnp.zeros(5), jnp.exp(log_scale / 2), name="x")

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        idata = pf.mcmc.sample(funnel().condition(), key=jax.random.key(0), num_warmup=300,
                               num_samples=300, progress_bar=False,
                               adaptation=pf.mcmc.WindowAdaptation(target_accept=0.6))
    messages = [str(w.message) for w in caught if issubclass(w.category, ConvergenceWarning)]
    assert int(idata.sample_stats["diverging"].sum()) > 0
    assert any("divergent" in m and "target_accept" in m for m in messages)


# -- bad input -------------------------------------------------------------------------------

def test_num_chains_must_be_positive():
    with pytest.raises(ValueError, match=r"sample: num_chains must be a positive integer, got 0"):
        pf.mcmc.sample(_posterior(), key=jax.random.key(0), num_chains=0)
    with pytest.raises(ValueError, match=r"sample: num_samples must be a positive integer, got 2.5"):
        pf.mcmc.sample(_posterior(), key=jax.random.key(0), num_samples=2.5)


def test_mismatched_initial_position_shapes_are_named():
    with pytest.raises(ValueError, match=r"leading axis of length num_chains=4.*mismatched: "
                                         r"\['b'\]"):
        pf.mcmc.sample(lambda p: -jnp.sum(p["a"] ** 2) - jnp.sum(p["b"] ** 2),
                       key=jax.random.key(0),
                       initial_position={"a": jnp.zeros((4, 2)), "b": jnp.zeros((3, 2))})


def test_log_density_target_needs_initial_position():
    with pytest.raises(ValueError, match="initial_position is required"):
        pf.mcmc.sample(_gauss, key=jax.random.key(0))


def test_non_finite_initial_point_names_chain_and_variable():
    def logdensity(p):
        return -0.5 * jnp.sum(p["x"] ** 2) + jnp.sum(jnp.log(p["s"]))

    position = {"x": jnp.zeros((2, 2)), "s": jnp.asarray([[1.0], [0.0]])}
    with pytest.raises(InitializationError, match=r"chain \[1\].*gradient for \['s'\]"):
        pf.mcmc.sample(logdensity, key=jax.random.key(0), num_chains=2, progress_bar=False,
                       initial_position=position, num_warmup=10, num_samples=10)
    with pytest.raises(InitializationError, match=r"initial_position\['x'\] has non-finite"):
        pf.mcmc.sample(logdensity, key=jax.random.key(0), num_chains=2,
                       initial_position={"x": jnp.full((2, 2), jnp.nan), "s": jnp.ones((2, 1))})


def test_posterior_with_no_finite_start_fails_after_retries():
    @pf.model
    def impossible():
        x = yield pfd.Normal(0.0, 1.0, name="x")
        yield pf.Factor(jnp.where(x > -100.0, -jnp.inf, 0.0), name="wall")

    with pytest.raises(InitializationError, match=r"after 100 tries.*\['wall'\]"):
        pf.mcmc.sample(impossible().condition(), key=jax.random.key(0), progress_bar=False)


def test_unknown_options_are_rejected():
    with pytest.raises(ValueError, match="chain_method must be one of"):
        pf.mcmc.sample(_posterior(), key=jax.random.key(0), chain_method="threads")
    with pytest.raises(ValueError, match="init must be one of"):
        pf.mcmc.sample(_posterior(), key=jax.random.key(0), init="zeros")
    with pytest.raises(ValueError, match="target_accept must be in"):
        pf.mcmc.WindowAdaptation(target_accept=1.5)
    with pytest.raises(ValueError, match="target_accept must be in"):
        pf.mcmc.GradientAdaptation(target_accept=0.0)
    with pytest.raises(TypeError, match="key"):
        pf.mcmc.sample(_posterior(), key=0)
    with pytest.raises(ValueError, match=r"inverse_mass_matrix must have shape \(10,\)"):
        pf.mcmc.sample(_posterior(), key=jax.random.key(0), adaptation=pf.mcmc.WindowAdaptation(
            initial_inverse_mass_matrix=jnp.ones(3)))
    with pytest.raises(ValueError, match="adaptation must be one of"):
        pf.mcmc.sample(_posterior(), key=jax.random.key(0), adaptation="pymc")


@pytest.mark.compile_bound
def test_tuning_arguments_moved_to_the_adaptation_say_where():
    for name, value in [("target_accept", 0.9), ("dense_mass", True), ("step_size", 0.1),
                        ("adapt_step_size", False)]:
        with pytest.raises(TypeError, match=rf"{name}= is now set on the adaptation.*"
                                            r"WindowAdaptation\("):
            pf.mcmc.sample(_posterior(), key=jax.random.key(0), **{name: value})
    with pytest.raises(TypeError, match="unexpected keyword argument 'num_draws'"):
        pf.mcmc.sample(_posterior(), key=jax.random.key(0), num_draws=10)


def test_kernel_contract_is_checked_with_a_clear_error():
    with pytest.raises(TypeError, match=r"SGLD, which lacks .*default_target_accept.*minibatch"):
        pf.mcmc.sample(_posterior(), pf.mcmc.SGLD(1e-3), key=jax.random.key(0))
    with pytest.raises(TypeError, match="looks like a PRNG key: pass the key as key="):
        pf.mcmc.sample(_posterior(), jax.random.key(0))
    with pytest.raises(TypeError, match="looks like a PRNG key"):
        pf.mcmc.sample(_posterior(), jax.random.PRNGKey(0))
    with pytest.raises(TypeError, match="needs a gradient-based kernel"):
        pf.mcmc.sample(_posterior(), pf.mcmc.RandomWalkMetropolis(), key=jax.random.key(0),
                       adaptation="nutpie")
    with pytest.raises(TypeError, match=r"adaptation must be .*lacks \['initial_tuning'"):
        pf.mcmc.sample(_posterior(), key=jax.random.key(0), adaptation=object())
    assert isinstance(pf.mcmc.NUTS(), pf.mcmc.Kernel)
    assert not isinstance(pf.mcmc.SGLD(1e-3), pf.mcmc.Kernel)


def test_max_tree_depth_hits_are_reported():
    def logdensity(p):  # scales 0.01 and 100 without a mass matrix need very long trajectories
        return -0.5 * jnp.sum((p["x"] / jnp.asarray([0.01, 100.0])) ** 2)

    with pytest.warns(ConvergenceWarning, match="maximum tree depth 3"):
        idata = pf.mcmc.sample(logdensity, pf.mcmc.NUTS(max_tree_depth=3),
                               key=jax.random.key(0), num_chains=2,
                               adaptation=pf.mcmc.WindowAdaptation(adapt_mass_matrix=False),
                               initial_position={"x": jnp.zeros((2, 2))}, num_warmup=100,
                               num_samples=100, progress_bar=False)
    assert bool(idata.sample_stats["reached_max_treedepth"].any())
    assert int(idata.sample_stats["tree_depth"].max()) == 3
