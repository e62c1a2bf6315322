"""Bad inputs to pf.vi.fit / pf.vi.laplace, each with its message."""

import jax
import jax.numpy as jnp
import numpy as np
import optax
import pytest

import probflow as pf
from probflow import distributions as pfd


@pf.model
def simple():
    mu = yield pfd.Normal(0.0, 1.0, name="mu")
    yield pfd.Normal(jnp.full(3, mu), 1.0, name="y")


POSTERIOR = simple().condition(y=jnp.asarray([0.5, 1.0, 1.5]))
KW = dict(key=jax.random.key(0), num_steps=5, progress_bar=False)


def test_unknown_guide_lists_the_valid_ones():
    with pytest.raises(ValueError, match=r"unknown guide 'meenfield'; choose one of "
                                         r"\['flow', 'fullrank', 'lowrank', 'map', 'meanfield'\]"):
        pf.vi.fit(POSTERIOR, "meenfield", **KW)


def test_bad_guide_options():
    with pytest.raises(ValueError, match=r"unexpected keyword arguments \['rank'\]; guide "
                                         r"'meanfield' takes the options \['init_scale'\]"):
        pf.vi.fit(POSTERIOR, "meanfield", rank=3, **KW)
    with pytest.raises(ValueError, match="rank must be a positive integer, got 0"):
        pf.vi.fit(POSTERIOR, "lowrank", rank=0, **KW)
    with pytest.raises(ValueError, match="init_scale must be a positive number, got -1"):
        pf.vi.MeanField(init_scale=-1)
    with pytest.raises(ValueError, match="unknown kind 'glow'"):
        pf.vi.Flow(kind="glow")
    with pytest.raises(ValueError, match="kind 'realnvp' needs at least 2 unconstrained"):
        pf.vi.fit(POSTERIOR, "flow", kind="realnvp", **KW)
    with pytest.raises(ValueError, match="apply only to guide names"):
        pf.vi.fit(POSTERIOR, pf.vi.MeanField(), rank=2, **KW)
    with pytest.raises(ValueError, match="init_params must be a non-empty PyTree of float"):
        pf.vi.CustomGuide({}, lambda p: None)


@pytest.mark.parametrize("kwargs, message", [
    (dict(num_steps=0), "num_steps must be a positive integer, got 0"),
    (dict(num_particles=0), "num_particles must be a positive integer, got 0"),
    (dict(objective="kl"), "objective must be one of"),
    (dict(entropy="exact"), "entropy must be one of"),
    (dict(objective="iwae", stick_the_landing=True), "stick_the_landing=True is biased"),
    (dict(objective="iwae", entropy="analytic"), "needs Monte Carlo log q terms"),
    (dict(stick_the_landing=True, entropy="analytic"), "replaces the entropy"),
    (dict(tol=-1.0), "tol must be a non-negative number"),
    (dict(init="middle"), "init must be one of"),
    (dict(optimizer="adam"), "optimizer must be an optax GradientTransformation"),
])
def test_bad_arguments(kwargs, message):
    with pytest.raises((ValueError, TypeError), match=message):
        pf.vi.fit(POSTERIOR, **{**KW, **kwargs})


def test_analytic_entropy_needs_a_closed_form():
    with pytest.raises(ValueError, match="'flow' guide's distribution has no closed-form"):
        pf.vi.fit(POSTERIOR, "flow", entropy="analytic", num_layers=1, hidden_units=(4,), **KW)


def test_bad_targets_and_keys():
    with pytest.raises(TypeError, match="posterior must be a pf.Posterior"):
        pf.vi.fit(simple(), **KW)
    with pytest.raises(TypeError, match="key must be a JAX PRNG key"):
        pf.vi.fit(POSTERIOR, key=0, num_steps=5)
    with pytest.raises(ValueError, match="no latent variables"):
        pf.vi.fit(simple().condition(mu=0.0, y=jnp.zeros(3)), **KW)
    with pytest.raises(TypeError, match="posterior must be a pf.Posterior"):
        pf.vi.laplace(simple(), key=jax.random.key(0))


@pf.model
def cliff():
    mu = yield pfd.Normal(0.0, 100.0, name="mu")
    yield pfd.Normal(mu, 1.0, name="y")
    # finite only for mu < 5; the data pull mu to 50, past the edge
    yield pf.Factor(jnp.log(5.0 - mu), name="edge")


def test_non_finite_loss_names_the_step_and_keeps_the_last_good_params():
    posterior = cliff().condition(y=50.0)
    with pytest.raises(pf.vi.NonFiniteLossError, match=r"not finite at step \d+.*smaller "
                                                       r"learning rate") as info:
        pf.vi.fit(posterior, "map", key=jax.random.key(0), num_steps=2000,
                  optimizer=optax.sgd(0.5), init={"mu": 0.0}, progress_bar=False)
    err = info.value
    assert isinstance(err, FloatingPointError) and isinstance(err, ValueError)
    assert err.step > 0
    assert np.isfinite(np.asarray(err.last_params["loc"])).all()
    assert float(err.last_params["loc"][0]) < 5.0
    assert not np.isfinite(err.loss)
    # continuing from the last good parameters with a smaller step works
    fit = pf.vi.fit(posterior, "map", key=jax.random.key(0), num_steps=50,
                    optimizer=optax.sgd(1e-4), init_params=err.last_params, progress_bar=False)
    assert np.isfinite(fit.losses).all()


@pf.model
def half_line():
    x = yield pfd.Normal(0.0, 1.0, name="x")
    yield pf.Factor(jnp.log(x - 1.0), name="above_one")  # finite only for x > 1


def test_a_non_finite_uniform_start_falls_back_to_a_checked_start():
    from probflow.vi.fit import _uniform_start

    posterior = half_line().condition()

    def quick_start(key):  # the unchecked start fit draws first (same key derivation)
        key_init = jax.random.split(key)[0]
        return float(_uniform_start(posterior, jax.random.split(key_init)[0])[0])

    key = next(k for k in map(jax.random.key, range(20)) if quick_start(k) < 1.0)
    fit = pf.vi.fit(posterior, "map", key=key, num_steps=1000, optimizer=optax.adam(2e-2),
                    progress_bar=False)
    # the mode of N(0, 1) times (x - 1): x = (1 + sqrt 5) / 2
    np.testing.assert_allclose(float(fit.params["loc"][0]), (1 + 5**0.5) / 2, atol=1e-3)
    assert np.isfinite(fit.losses).all()
