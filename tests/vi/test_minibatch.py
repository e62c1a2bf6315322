"""Minibatch VI: subsampling, the N/B likelihood scaling, and a 10^6-row logistic regression."""

import time

import jax
import jax.numpy as jnp
import numpy as np
import optax
import pytest

import probflow as pf
from probflow import distributions as pfd
from probflow.vi.minibatch import MinibatchPlan, plan_minibatches, scaled_log_density, take_rows

NUM_COEFS = 5


@pf.model
def logistic(x):
    beta = yield pfd.Normal(jnp.zeros(NUM_COEFS), 1.0, name="beta")
    yield pfd.Bernoulli(logits=x @ beta, name="y")


def _logistic_data(n, key=0):
    rng = np.random.default_rng(key)
    x = rng.normal(size=(n, NUM_COEFS)).astype(np.float32)
    beta = np.array([1.0, -0.5, 0.25, 0.0, 2.0], np.float32)[:NUM_COEFS]
    y = (rng.uniform(size=n) < 1 / (1 + np.exp(-x @ beta))).astype(np.float32)
    return x, y, beta


def _map_by_newton(x, y, prior_sd=1.0, iterations=8):
    """Full-batch MAP of the logistic regression (Newton's method, float64)."""
    x = jnp.asarray(x, jnp.float64)
    y = jnp.asarray(y, jnp.float64)

    @jax.jit
    def newton(beta):
        p = jax.nn.sigmoid(x @ beta)
        grad = x.T @ (y - p) - beta / prior_sd**2
        hess = -(x * (p * (1 - p))[:, None]).T @ x - jnp.eye(x.shape[1]) / prior_sd**2
        return beta - jnp.linalg.solve(hess, grad)

    beta = jnp.zeros(x.shape[1])
    for _ in range(iterations):
        beta = newton(beta)
    return np.asarray(beta)


@pytest.mark.slow
def test_million_row_minibatch_fit_reaches_the_full_batch_map():
    n = 1_000_000
    x, y, _ = _logistic_data(n)
    exact = _map_by_newton(x, y)
    posterior = logistic(jnp.asarray(x)).condition(y=jnp.asarray(y))
    steps = 3000
    start = time.perf_counter()
    fit = pf.vi.fit(posterior, "map", key=jax.random.key(0), num_steps=steps,
                    data=["x", "y"], batch_size=1024,
                    optimizer=optax.adam(optax.exponential_decay(5e-2, steps, 0.02)),
                    progress_bar=False)
    seconds = time.perf_counter() - start
    error = np.abs(np.asarray(fit.params["loc"]) - exact)
    print(f"\n10^6-row logistic regression, batch 1024, {steps} steps: {seconds:.1f} s "
          f"(compilation included); max |beta - MAP| = {error.max():.4f}")
    assert error.max() < 0.05


def test_scaled_likelihood_is_unbiased_for_the_full_data():
    x, y, _ = _logistic_data(40)
    posterior = logistic(jnp.asarray(x)).condition(y=jnp.asarray(y))
    _, plan = plan_minibatches(posterior, ["x", "y"], 10)
    assert plan == MinibatchPlan((("x", 0),), ("y",), 40, 10)
    z = {"beta": jnp.asarray([0.3, -0.2, 0.1, 0.5, 1.0])}
    full = posterior.unconstrained_log_density(z)
    # the four disjoint batches of a permutation average to the full log density
    perm = np.random.default_rng(0).permutation(40)
    estimates = [scaled_log_density(take_rows(posterior, plan, jnp.asarray(perm[i:i + 10])), z,
                                    scale=plan.scale, scaled=plan.observed)
                 for i in range(0, 40, 10)]
    np.testing.assert_allclose(float(np.mean(estimates)), float(full), rtol=1e-12)


@pytest.mark.compile_bound
def test_minibatches_from_new_arrays_and_resume():
    x, y, _ = _logistic_data(2000, key=1)
    small = logistic(jnp.asarray(x[:10])).condition(y=jnp.asarray(y[:10]))
    fit = pf.vi.fit(small, key=jax.random.key(0), num_steps=300, data={"x": x, "y": y},
                    batch_size=100, optimizer=optax.adam(5e-2), progress_bar=False)
    # the posterior kept on the result holds the full data
    assert fit.posterior.data["y"].shape == (2000,)
    assert fit.plan.num_rows == 2000
    more = fit.resume(30, key=jax.random.key(1), progress_bar=False)
    assert more.num_steps == 330
    exact = _map_by_newton(x, y)
    assert np.abs(np.asarray(fit.params["loc"]) - exact).max() < 0.2


def test_minibatch_errors():
    x, y, _ = _logistic_data(50)
    posterior = logistic(jnp.asarray(x)).condition(y=jnp.asarray(y))
    kw = dict(key=jax.random.key(0), num_steps=5, progress_bar=False)
    with pytest.raises(ValueError, match="batch_size=64 is larger than the data, which has 50"):
        pf.vi.fit(posterior, data=["x", "y"], batch_size=64, **kw)
    with pytest.raises(ValueError, match=r"share their leading length.*'x': 50, 'y': 49"):
        pf.vi.fit(posterior, data={"x": x, "y": y[:49]}, batch_size=10, **kw)
    with pytest.raises(ValueError, match=r"data key 'w' is neither an array argument of the "
                                         r"model \(\['x'\]\) nor an observed variable \(\['y'\]\)"):
        pf.vi.fit(posterior, data=["w"], batch_size=10, **kw)
    bad = x.copy()
    bad[7, 2] = np.nan
    with pytest.raises(ValueError, match=r"fit: data for 'x' contains nan at index \(7, 2\)"):
        pf.vi.fit(posterior, data={"x": bad, "y": y}, batch_size=10, **kw)
    # a NaN in a model argument is caught when conditioning, before any fit
    with pytest.raises(ValueError, match=r"condition: model argument 'x' contains nan at index "
                                         r"\(7, 2\)"):
        logistic(jnp.asarray(bad)).condition(y=jnp.asarray(y))
    with pytest.raises(ValueError, match=r"fails on a minibatch of 10 rows of \['x'\].*every "
                                         r"per-observation array"):
        pf.vi.fit(posterior, data=["x"], batch_size=10, **kw)  # y (50 rows) left out
    with pytest.raises(ValueError, match="batch_size needs data="):
        pf.vi.fit(posterior, batch_size=10, **kw)
    with pytest.raises(ValueError, match="data= needs batch_size="):
        pf.vi.fit(posterior, data=["x", "y"], **kw)
    with pytest.raises(ValueError, match="batch_size must be a positive integer, got 0"):
        pf.vi.fit(posterior, data=["x", "y"], batch_size=0, **kw)


def test_the_data_checks_are_the_models_one_function():
    from probflow.models import checks
    from probflow.vi import minibatch

    # fit's minibatch data, condition's data and model arguments: one check, not copies
    assert minibatch.check_finite_arrays is checks.check_finite_arrays


def test_sample_leaves_out_a_huge_log_likelihood(monkeypatch):
    import probflow.vi.result as result

    x, y, _ = _logistic_data(200)
    posterior = logistic(jnp.asarray(x)).condition(y=jnp.asarray(y))
    fit = pf.vi.fit(posterior, key=jax.random.key(0), num_steps=10, progress_bar=False)
    monkeypatch.setattr(result, "LOG_LIKELIHOOD_LIMIT", 1000)
    with pytest.warns(UserWarning, match="would hold 2,000 numbers"):
        idata = fit.sample(jax.random.key(1), 10)
    assert "log_likelihood" not in idata.groups()
    assert "log_likelihood" in fit.sample(jax.random.key(1), 10, log_likelihood=True).groups()
