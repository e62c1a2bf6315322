"""Convergence warnings and pf.summary: what they take, where they point, how often (issue 14)."""

import sys
import warnings

import arviz as az
import jax.numpy as jnp
import numpy as np
import pytest

import probflow as pf
from probflow import distributions as pfd
from probflow.diagnostics import (
    ConvergenceWarning,
    clean_run_message,
    convergence_messages,
    warn_convergence,
)


def _sticky(num_chains=4, num_draws=200, seed=0):
    """AR(1) chains with correlation 0.98: ESS about 2 per 100 draws, so far below 100/chain."""
    rng = np.random.default_rng(seed)
    x = np.zeros((num_chains, num_draws))
    for t in range(1, num_draws):
        x[:, t] = 0.98 * x[:, t - 1] + rng.normal(size=num_chains) * np.sqrt(1 - 0.98**2)
    return x


def _troubled():
    draws = {"sigma": _sticky(), "mu": np.random.default_rng(1).normal(size=(4, 200))}
    diverging = np.zeros((4, 200), bool)
    diverging[0, :3] = True
    return pf.to_inference_data(draws=draws, sample_stats={"diverging": diverging})


def _clean():
    rng = np.random.default_rng(2)
    return pf.to_inference_data(draws={"mu": rng.normal(size=(4, 300))},
                                sample_stats={"diverging": np.zeros((4, 300), bool)})


def test_summary_of_a_posterior_says_what_it_takes():
    @pf.model
    def m():
        mu = yield pfd.Normal(0.0, 1.0, name="mu")
        yield pfd.Normal(mu, 1.0, name="y")

    posterior = m().condition(y=jnp.asarray(0.5))
    with pytest.raises(TypeError) as err:
        pf.summary(posterior)
    message = str(err.value)
    assert "summary takes an arviz.InferenceData" in message
    assert "pf.mcmc.sample(posterior, key=key)" in message
    assert "got a Posterior" in message
    assert "to_inference_data()" in message


def test_summary_dispatches_on_to_inference_data():
    idata = _clean()

    class Result:  # e.g. a VI result
        calls = 0

        def to_inference_data(self):
            Result.calls += 1
            return idata

    table = pf.summary(Result())
    assert Result.calls == 1
    assert list(table.index) == ["mu"]


def test_ess_message_uses_one_unit_per_chain():
    idata = _troubled()
    per_chain = az.ess(idata, method="bulk")["sigma"].item() / 4
    bulk = [m for m in convergence_messages(idata) if m.startswith("bulk")]
    assert len(bulk) == 1
    assert f"(worst: sigma = {per_chain:.0f} per chain, over 4 chains)" in bulk[0]
    assert "below 100 per chain for 1 parameter " in bulk[0]


def test_warnings_point_at_the_users_line_and_are_not_repeated_by_summary():
    idata = _troubled()
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        messages = warn_convergence(idata)  # as pf.mcmc.sample does at the end of a run
        pf.summary(idata)
        again = warn_convergence(idata)
    issued = [w for w in caught if issubclass(w.category, ConvergenceWarning)]
    # divergences, R-hat? (not for this AR(1): the chains agree), bulk and tail ESS
    assert any("divergent" in m for m in messages) and len(messages) >= 3
    assert [str(w.message) for w in issued] == messages  # once, not again by summary
    assert again == messages
    assert {w.filename for w in issued} == {__file__}


def test_summary_warnings_point_at_the_summary_call_and_once_false_repeats():
    idata = _troubled()
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        summary_line = sys._getframe().f_lineno + 1
        pf.summary(idata)
        own_line = sys._getframe().f_lineno + 1
        warn_convergence(idata, once=False, stacklevel=1)
    issued = [w for w in caught if issubclass(w.category, ConvergenceWarning)]
    n = len(convergence_messages(idata))
    assert len(issued) == 2 * n
    assert {w.filename for w in issued} == {__file__}
    assert {w.lineno for w in issued[:n]} == {summary_line}
    assert {w.lineno for w in issued[n:]} == {own_line}


def test_a_changed_result_warns_again():
    idata = _troubled()
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        warn_convergence(idata)
        idata.sample_stats["diverging"][1, :5] = True  # e.g. more draws after pf.mcmc.extend
        warn_convergence(idata)
    divergent = [str(w.message) for w in caught if "divergent" in str(w.message)]
    assert len(divergent) == 2 and divergent[0] != divergent[1]


def test_clean_run_says_which_checks_ran_without_a_warning(capsys):
    idata = _clean()
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert warn_convergence(idata) == []
        assert capsys.readouterr().out == ""
        assert warn_convergence(idata, announce=True) == []
    assert capsys.readouterr().out == (
        "no convergence problems found (R-hat, ESS, divergences checked)\n")
    full = pf.to_inference_data(
        draws={"mu": np.zeros((4, 10))},
        sample_stats={"diverging": np.zeros((4, 10), bool), "energy": np.ones((4, 10)),
                      "reached_max_treedepth": np.zeros((4, 10), bool)})
    assert clean_run_message(full) == ("no convergence problems found (R-hat, ESS, divergences, "
                                       "tree depth, E-BFMI checked)")
    one_chain = pf.to_inference_data(draws={"mu": np.zeros((1, 10))})
    assert clean_run_message(one_chain) is None


def test_stacklevel_is_checked():
    with pytest.raises(ValueError, match=r"stacklevel must be a positive integer or None, got 0"):
        warn_convergence(_clean(), stacklevel=0)


def test_divergences_held_by_one_chain_are_named():
    rng = np.random.default_rng(3)
    draws = {"mu": rng.normal(size=(4, 200))}
    stuck = np.zeros((4, 200), bool)
    stuck[2, :30], stuck[0, :5] = True, True  # 30 of 35 in chain 2: a chain stuck somewhere
    spread = np.zeros((4, 200), bool)
    spread[:, :5] = True  # 20, 5 in each chain: none holds more than half
    few = np.zeros((4, 200), bool)
    few[1, :9] = True  # fewer than 10: too few to say that a chain is stuck

    def divergence_message(diverging):
        idata = pf.to_inference_data(draws=draws, sample_stats={"diverging": diverging})
        return next(m for m in convergence_messages(idata) if "divergent" in m)

    assert "35 divergent transitions after warm-up (4.4% of draws; 30 of them in chain 2)." \
        in divergence_message(stuck)
    assert "(2.5% of draws)." in divergence_message(spread)
    assert "(1.1% of draws)." in divergence_message(few)
