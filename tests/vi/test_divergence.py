"""pf.vi.fit warns when the loss diverges (e.g. a missing or negative learning rate) and stays
quiet when a fit converges, however noisily."""

from __future__ import annotations

import warnings

import jax
import jax.numpy as jnp
import numpy as np
import optax
import pytest

import probflow as pf
from probflow import distributions as pfd
from probflow.vi.fit import _divergence_message


@pf.model
def simple():
    mu = yield pfd.Normal(0.0, 1.0, name="mu")
    yield pfd.Normal(jnp.full(3, mu), 1.0, name="y")


POSTERIOR = simple().condition(y=jnp.asarray([0.5, 1.0, 1.5]))


@pytest.mark.parametrize("optimizer", [optax.adam(None), optax.adam(-0.1)],
                         ids=["adam(None)", "adam(-0.1)"])
def test_a_climbing_optimizer_warns_with_the_start_and_end_loss(optimizer):
    with pytest.warns(pf.vi.FitWarning) as record:
        fit = pf.vi.fit(POSTERIOR, key=jax.random.key(0), optimizer=optimizer, num_steps=50,
                        progress_bar=False)
    [warning] = [w for w in record if issubclass(w.category, pf.vi.FitWarning)]
    message = str(warning.message)
    first, last = float(fit.losses[0]), float(np.median(fit.losses[-5:]))
    assert last > 5 * first > 0  # it did diverge
    assert f"it was {first:.4g} at the first step and grew to {last:.4g}" in message
    assert "learning rate must be a positive number" in message
    assert warning.filename == __file__  # points at the user's call


def test_a_converging_fit_does_not_warn():
    with warnings.catch_warnings():
        warnings.simplefilter("error", pf.vi.FitWarning)
        fit = pf.vi.fit(POSTERIOR, key=jax.random.key(0), num_steps=200, progress_bar=False)
        # continuing at the optimum: a flat, noisy loss trace
        more = fit.resume(400, key=jax.random.key(1), progress_bar=False)
    assert more.losses[-100:].mean() < fit.losses[:20].mean()


# The rule on synthetic traces (no compilation). Noise is Gaussian with a fixed seed; the rule
# needs a rise of ten standard errors of a median, so noisy plateaus never trigger it.
RNG = np.random.default_rng(0)
NOISE = RNG.normal(size=1000)


@pytest.mark.parametrize("name, losses", [
    ("noisy plateau", 0.5 + 2.0 * NOISE),
    ("negative plateau", -3000.0 + 5.0 * NOISE),
    ("plateau with outliers", np.where(np.arange(1000) % 97 == 0, 1e6, 10.0 + NOISE)),
    ("converging", 1000.0 * np.exp(-np.arange(1000) / 50.0) + 3.0 + 0.5 * NOISE),
    ("too short to judge", np.geomspace(1.0, 1e6, 19)),
    ("slight rise", 100.0 + np.linspace(0.0, 50.0, 1000) + NOISE),
])
def test_the_rule_stays_quiet(name, losses):
    assert _divergence_message(losses) is None, name


@pytest.mark.parametrize("name, losses", [
    ("exponential growth", 954.0 * np.exp(np.arange(1000) / 25.0) + NOISE),
    ("doubled", 100.0 + np.linspace(0.0, 150.0, 1000) + NOISE),
    ("negative to positive", -100.0 + np.linspace(0.0, 250.0, 1000) + NOISE),
    ("saturated within the first 10%", np.minimum(17.0 * 2.0 ** np.arange(1000), 1e8)
     * (1.0 + 0.01 * NOISE)),
])
def test_the_rule_fires(name, losses):
    message = _divergence_message(losses)
    assert message is not None, name
    assert f"it was {losses[0]:.4g} at the first step" in message
