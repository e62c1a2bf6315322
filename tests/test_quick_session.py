"""The quick session's compiler settings (``conftest.py``): a session that leaves out the slow
tests compiles fast; one that runs them keeps XLA's defaults."""

import os
from types import SimpleNamespace

import pytest

import conftest


def _config(markexpr):
    return SimpleNamespace(getoption=lambda name, default=None: markexpr)


@pytest.mark.parametrize("markexpr, quick", [
    ("not slow", True), ("not slow and not gpu", True), ("slow", False), ("", False),
    (None, False), ("gpu or slow", False), ("not (slow", False)])
def test_a_session_that_leaves_out_the_slow_tests_is_recognised(markexpr, quick):
    assert conftest._deselects_slow(_config(markexpr)) is quick


def test_flags_already_in_xla_flags_win(monkeypatch):
    monkeypatch.setenv("XLA_FLAGS", "--xla_backend_optimization_level=2")
    monkeypatch.delenv(conftest._FAST_COMPILE_ENV, raising=False)
    monkeypatch.setattr("probflow.config._backends_started", lambda: False)
    conftest._compile_fast_for_quick_sessions(_config("not slow"))
    assert os.environ["XLA_FLAGS"] == ("--xla_backend_optimization_level=2 "
                                       "--xla_cpu_use_fusion_emitters=false")
    monkeypatch.setenv(conftest._FAST_COMPILE_ENV, "off")
    monkeypatch.setenv("XLA_FLAGS", "")
    conftest._compile_fast_for_quick_sessions(_config("not slow"))
    assert os.environ["XLA_FLAGS"] == ""
