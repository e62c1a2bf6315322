"""The quick session's compiler settings (``conftest.py``): a session that leaves out the slow
tests that run long compiles fast; one that runs them keeps XLA's defaults. Also the markers
given by kind: docstring examples are ``compile_bound``, and ``compile_bound`` implies ``slow``."""

import os
import subprocess
import sys
from types import SimpleNamespace

import pytest

import conftest


def _config(markexpr):
    return SimpleNamespace(getoption=lambda name, default=None: markexpr)


@pytest.mark.parametrize("markexpr, quick", [
    ("not slow", True), ("not slow and not gpu", True), ("compile_bound", True),
    ("slow and compile_bound", True), ("slow", False), ("slow and not compile_bound", False),
    ("", False), (None, False), ("gpu or slow", False), ("not (slow", False)])
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


@pytest.mark.slow  # a collection run in a subprocess (5-9 s)
def test_docstring_examples_and_marked_tests_are_compile_bound_and_slow():
    # ``compile_bound`` implies ``slow``; the docstring examples are compile_bound.
    result = subprocess.run(
        [sys.executable, "-m", "pytest", "--collect-only", "-q", "-p", "no:cacheprovider",
         "-m", "slow and compile_bound", "probflow/typing.py", "tests/psd_kernels/test_kernels.py"],
        capture_output=True, text=True, cwd=os.path.dirname(conftest.__file__), timeout=300)
    selected = {line for line in result.stdout.splitlines() if "::" in line}
    assert any(line.startswith("probflow/typing.py::") for line in selected), result.stdout
    assert any("::test_matrix_apply_and_tensor_match_numpy[" in line for line in selected)
    assert not any("::test_sums_and_products" in line for line in selected), result.stdout
