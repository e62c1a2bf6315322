"""Diagnosed: the Pareto k-hat on every VI result, its warning, importance resampling, summary."""

import warnings

import arviz as az
import jax
import jax.numpy as jnp
import numpy as np
import optax
import pytest

import probflow as pf
from probflow import distributions as pfd
from probflow.vi.psis import pareto_khat, psis


def _correlated(rho):
    @pf.model
    def gaussian():
        yield pfd.MultivariateNormalFullCovariance(
            jnp.zeros(2), jnp.asarray([[1.0, rho], [rho, 1.0]]), name="x")

    return gaussian().condition()


STRONG = _correlated(0.95)
MODERATE = _correlated(0.6)
COMMON = dict(num_steps=2000, optimizer=optax.adam(3e-2), progress_bar=False)


@pytest.fixture(scope="module")
def moderate_meanfield():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", pf.vi.ApproximationWarning)
        return pf.vi.fit(MODERATE, key=jax.random.key(0), **COMMON)


@pytest.mark.slow
def test_a_too_narrow_meanfield_fit_warns_in_plain_words():
    # meanfield on a 0.95-correlated Gaussian: variances 1 - 0.95^2 = 0.0975 of the truth
    with pytest.warns(pf.vi.ApproximationWarning,
                      match=r"fit: the approximation is not reliable: the Pareto k-hat .* is "
                            r"\d\.\d\d \(above 0.7\).*Try guide='fullrank' or 'flow', or NUTS"):
        fit = pf.vi.fit(STRONG, key=jax.random.key(0), **COMMON)
    assert fit.khat > 0.7
    with warnings.catch_warnings():
        warnings.simplefilter("error", pf.vi.ApproximationWarning)
        fullrank = pf.vi.fit(STRONG, "fullrank", key=jax.random.key(0), **COMMON)
    assert fullrank.khat < 0.5


def test_khat_is_arviz_psis():
    log_ratios = np.random.default_rng(1).gumbel(size=2000)
    log_weights, khat = psis(log_ratios)
    expected_weights, expected_khat = az.psislw(log_ratios, reff=1.0)
    assert khat == pytest.approx(float(expected_khat))
    np.testing.assert_allclose(log_weights, expected_weights, rtol=1e-10)
    assert pareto_khat(log_ratios) == khat
    # -inf ratios get zero weight and leave k-hat to the finite ones
    with_inf = np.concatenate([log_ratios, [-np.inf]])
    weights, _ = psis(with_inf)
    assert weights[-1] == -np.inf and np.isclose(np.logaddexp.reduce(weights), 0.0)


def test_importance_resampling_corrects_an_underdispersed_meanfield(moderate_meanfield):
    fit = moderate_meanfield
    assert 0.2 < fit.khat < 0.7  # usable with importance sampling
    plain = fit.sample(jax.random.key(1), 4000).posterior["x"].values.reshape(-1, 2)
    resampled_idata = fit.sample(jax.random.key(1), 4000, importance_resample=True)
    resampled = resampled_idata.posterior["x"].values.reshape(-1, 2)
    assert resampled_idata.posterior.attrs["importance_resampled"] == 1
    assert resampled_idata.posterior.attrs["khat"] < 0.7
    # the exact marginal variance is 1, the meanfield one 1 - 0.6^2 = 0.64; the standard error
    # of a variance estimate from 4000 (effectively fewer, repeated) draws is about 0.05
    plain_var, resampled_var = plain.var(axis=0), resampled.var(axis=0)
    print("variances: meanfield", plain_var.round(3), "resampled", resampled_var.round(3))
    np.testing.assert_allclose(plain_var, 0.64, atol=0.06)
    np.testing.assert_array_less(np.abs(resampled_var - 1.0), 0.15)
    # and the correlation the meanfield draws lack appears
    assert np.corrcoef(resampled.T)[0, 1] > 0.4 > abs(np.corrcoef(plain.T)[0, 1])


@pytest.mark.compile_bound
def test_psis_expectations(moderate_meanfield):
    fit = moderate_meanfield
    second_moment = fit.expectation(lambda d: d["x"] ** 2, key=jax.random.key(2), num_draws=8000)
    assert second_moment.shape == (2,)
    np.testing.assert_allclose(np.asarray(second_moment), 1.0, atol=0.12)
    cross = fit.expectation(lambda d: d["x"][0] * d["x"][1], key=jax.random.key(2),
                           num_draws=8000)
    assert abs(float(cross) - 0.6) < 0.12
    draws = fit.importance_draws(jax.random.key(3), 100)
    assert draws.vectors.shape == (100, 2) and np.isclose(
        np.logaddexp.reduce(draws.log_weights), 0.0)


def test_summary_of_a_vi_result(moderate_meanfield):
    table = pf.summary(moderate_meanfield, kind="stats")
    assert list(table.index) == ["x[0]", "x[1]"]
    idata = moderate_meanfield.to_inference_data()
    assert idata.posterior.attrs["khat"] == pytest.approx(moderate_meanfield.khat)
    assert idata.posterior["x"].shape == (1, 1000, 2)


def test_laplace_and_map_results():
    approx = pf.vi.laplace(MODERATE, key=jax.random.key(0))
    assert approx.khat < 0.5  # exact for a Gaussian
    fit = pf.vi.fit(MODERATE, "map", key=jax.random.key(0), num_steps=50, progress_bar=False)
    assert np.isnan(fit.khat)  # a point mass has no importance ratios
