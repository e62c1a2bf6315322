"""Normalizing flows: invertibility, log-determinants, autoregressive structure, training."""

from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np
import optax
import pytest
from sklearn.datasets import make_moons

import probflow.distributions as pfd
from probflow.bijectors import flows


def _perturb(tree, key, scale=0.3):
    """Random non-identity parameters (every flow starts as the identity)."""
    leaves, treedef = jax.tree_util.tree_flatten(tree)
    keys = jax.random.split(key, len(leaves))
    return jax.tree_util.tree_unflatten(treedef, [
        leaf + scale * jax.random.normal(k, leaf.shape, leaf.dtype)
        if jnp.issubdtype(leaf.dtype, jnp.floating) else leaf
        for leaf, k in zip(leaves, keys, strict=True)])


@pytest.mark.compile_bound
@pytest.mark.parametrize("kind", flows.FLOW_KINDS)
def test_stacked_flow_inverts_and_log_det_matches_jacobian(kind):
    flow = flows.stacked_flow(jax.random.key(0), kind, event_size=3, num_layers=3,
                              hidden_units=(16,), num_bins=5, bound=2.5, dtype=jnp.float64)
    flow = _perturb(flow, jax.random.key(1))
    x = 1.5 * jax.random.normal(jax.random.key(2), (6, 3), jnp.float64)  # some beyond the bound

    # One program (eager, each of the networks' primitives compiles on its own: twice as slow).
    @jax.jit
    def round_trip(b, v):
        y, ldj = b.forward_and_log_det(v, event_ndims=1)
        back, ildj = b.inverse_and_log_det(y, event_ndims=1)
        return y, ldj, back, ildj, jnp.linalg.slogdet(jax.vmap(jax.jacfwd(b.forward))(v))[1]

    y, ldj, back, ildj, log_abs_det = round_trip(flow, x)
    np.testing.assert_allclose(back, x, atol=1e-8)
    np.testing.assert_allclose(ildj, -ldj, atol=1e-8)
    np.testing.assert_allclose(ldj, log_abs_det, atol=1e-8)
    assert not np.allclose(y, x), "perturbed flow should not be the identity"
    # jit without retracing on new parameter values, vmap and grad.
    traces = []

    @jax.jit
    def f(b, v):
        traces.append(1)
        return b.inverse_log_det_jacobian(v, event_ndims=1)

    f(flow, y)
    f(_perturb(flow, jax.random.key(3)), y)
    assert len(traces) == 1
    grads = jax.jit(jax.grad(lambda b: jnp.sum(b.forward(x))))(flow)
    assert all(np.all(np.isfinite(g)) for g in jax.tree_util.tree_leaves(grads))


@pytest.mark.compile_bound
def test_rational_quadratic_spline_inside_and_outside_the_range():
    key = jax.random.key(0)
    raw = 0.8 * jax.random.normal(key, (4, 3 * 6 - 1), jnp.float64)
    w, h, s = flows.spline_params_from_raw(raw, 6, -2.0, 2.0)
    spline = flows.RationalQuadraticSpline(w, h, s, -2.0)
    x = jnp.asarray([-3.0, -1.2, 0.4, 2.5], jnp.float64)  # one per batch member
    y, ldj = spline.forward_and_log_det(x)
    np.testing.assert_allclose(spline.inverse(y), x, atol=1e-10)
    deriv = jax.vmap(jax.grad(lambda v, i: spline.forward(jnp.zeros(4).at[i].set(v))[i]),
                     in_axes=(0, 0))(x, jnp.arange(4))
    np.testing.assert_allclose(ldj, jnp.log(deriv), atol=1e-10)
    assert float(y[0]) == -3.0 and float(y[3]) == 2.5  # identity outside [-2, 2]
    # Monotone on a fine grid.
    grid = jnp.linspace(-2.5, 2.5, 401, dtype=jnp.float64)
    ys = jax.vmap(lambda v: spline.forward(jnp.full(4, v)))(grid)
    assert np.all(np.diff(np.asarray(ys), axis=0) > 0)


def test_made_is_autoregressive():
    d, hidden = 5, (12, 12)
    params = _perturb(flows.made_init(jax.random.key(0), d, hidden, 2, jnp.float64),
                      jax.random.key(1))
    x = jax.random.normal(jax.random.key(2), (d,), jnp.float64)
    jac = jax.jacfwd(lambda v: flows.made_apply(params, v, event_size=d, hidden_units=hidden))(x)
    # jac[p, i, j] = d out[p, i] / d x[j]: zero unless j < i.
    upper = np.triu(np.ones((d, d), bool))
    assert np.all(np.asarray(jac)[:, upper] == 0.0)
    assert np.any(np.asarray(jac)[:, ~upper] != 0.0)


def test_custom_conditioner():
    # Any hashable callable (params, x_a) -> (2, n) works as a coupling conditioner.
    def conditioner(params, xa):
        return jnp.stack([params["shift"] * xa, params["scale"] * xa], axis=-2)

    layer = flows.RealNVP({"shift": jnp.asarray([0.5]), "scale": jnp.asarray([0.2])}, 1,
                          conditioner)
    x = jnp.asarray([2.0, 1.0])
    y, ldj = layer.forward_and_log_det(x)
    log_scale = 2.0 * np.tanh(0.5 * 0.2 * 2.0)
    np.testing.assert_allclose(y, [2.0, 1.0 * np.exp(log_scale) + 1.0], rtol=1e-6)
    np.testing.assert_allclose(ldj, log_scale, rtol=1e-6)


def _moons(n, seed):
    data = make_moons(n, noise=0.05, random_state=seed)[0]
    return data


def _fit(flow, train, steps, learning_rate=3e-3, batch=512):
    base = pfd.Normal(jnp.zeros(train.shape[-1]), 1.0)

    def nll(b, x):
        z, ildj = b.inverse_and_log_det(x, event_ndims=1)
        return -jnp.mean(jnp.sum(base.log_prob(z), -1) + ildj)

    optimizer = optax.adam(optax.cosine_decay_schedule(learning_rate, steps))
    state = optimizer.init(flow)

    @jax.jit
    def step(b, s, key):
        idx = jax.random.choice(key, train.shape[0], (batch,))
        loss, grads = jax.value_and_grad(nll)(b, train[idx])
        updates, s = optimizer.update(grads, s, b)
        return optax.apply_updates(b, updates), s, loss

    for i in range(steps):
        flow, state, _ = step(flow, state, jax.random.key(i))
    return flow, nll


# Held-out NLL references (nats per point, standardised two moons, noise 0.05, 4000 training
# and 2000 test points), measured with the same architecture trained for 6000 steps
# (float32, adam 3e-3 with cosine decay, batch 512): RealNVP 1.189, spline coupling 1.203.
REFERENCES = {"realnvp": (1.19, 3000), "spline_coupling": (1.20, 1000)}


@pytest.mark.slow
@pytest.mark.parametrize("kind", sorted(REFERENCES))
def test_flow_fits_two_moons(kind):
    data = _moons(6000, seed=0)
    mu, sd = data.mean(0), data.std(0)
    train = jnp.asarray((data[:4000] - mu) / sd, jnp.float32)
    test = jnp.asarray((data[4000:] - mu) / sd, jnp.float32)
    flow = flows.stacked_flow(jax.random.key(0), kind, event_size=2, num_layers=6,
                              hidden_units=(64, 64), num_bins=8, bound=4.0)
    reference, steps = REFERENCES[kind]
    flow, nll = _fit(flow, train, steps)
    held_out = float(nll(flow, test))
    assert abs(held_out - reference) < 0.1, held_out


@pytest.mark.slow
def test_maf_samples_match_data_moments():
    rng = np.random.default_rng(0)
    cov = np.array([[1.0, 0.8, -0.3], [0.8, 2.0, 0.1], [-0.3, 0.1, 0.5]])
    data = rng.multivariate_normal([1.0, -2.0, 0.5], cov, size=4000).astype(np.float32)
    flow = flows.stacked_flow(jax.random.key(0), "maf", event_size=3, num_layers=2,
                              hidden_units=(32, 32))
    flow, _ = _fit(flow, jnp.asarray(data), 1500)
    model = pfd.TransformedDistribution(pfd.Independent(pfd.Normal(jnp.zeros(3), 1.0), 1), flow)
    samples = np.asarray(model.sample(jax.random.key(1), (20000,)))
    # Maximum likelihood matches the data's moments; tolerance: 5 standard errors of the
    # difference of two sample means (4000 data points, 20000 flow samples).
    se_mean = np.sqrt(np.diag(cov) * (1 / 4000 + 1 / 20000))
    np.testing.assert_array_less(np.abs(samples.mean(0) - data.mean(0)), 5 * se_mean)
    se_cov = np.sqrt((np.outer(np.diag(cov), np.diag(cov)) + cov**2) * (1 / 4000 + 1 / 20000))
    np.testing.assert_array_less(np.abs(np.cov(samples.T) - np.cov(data.T)), 5 * se_cov)
