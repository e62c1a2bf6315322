"""The code on docs/writing-a-distribution.md runs as written, in order, as a user would run it.

The page defines a distribution class and registers a KL divergence in probflow's registry, so
it runs in a separate Python process (the registry of this test process stays as it is), in
float32 as for a user (the tests run in float64 because of ``conftest.py``).
"""

import pathlib
import re
import subprocess
import sys

import pytest

ROOT = pathlib.Path(__file__).resolve().parents[1]
PAGE = ROOT / "docs" / "writing-a-distribution.md"

RUNNER = """
import pathlib, re, sys
text = pathlib.Path(sys.argv[1]).read_text(encoding="utf-8")
namespace = {"__name__": "writing_a_distribution"}
for i, block in enumerate(re.findall(r"^```python\\n(.*?)^```", text, flags=re.S | re.M)):
    exec(compile(block, f"{sys.argv[1]} (python block {i + 1})", "exec"), namespace)
tests = sorted(name for name in namespace if name.startswith("test_"))
for name in tests:
    namespace[name]()
print("TESTS:", " ".join(tests))
"""


def python_blocks(text: str) -> list[str]:
    return re.findall(r"^```python\n(.*?)^```", text, flags=re.S | re.M)


def test_page_has_the_worked_example():
    blocks = python_blocks(PAGE.read_text(encoding="utf-8"))
    code = "\n".join(blocks)
    assert len(blocks) >= 4
    for piece in ("class Rayleigh(pfd.Distribution)", "def _log_prob", "def _sample",
                  "def support", "self._validate(", "register_kl(Rayleigh, Rayleigh)",
                  "scipy.stats"):
        assert piece in code, piece


@pytest.mark.slow  # a new process, and Monte Carlo checks with 50,000 draws: about 20 s
def test_writing_a_distribution_page_runs():
    proc = subprocess.run([sys.executable, "-c", RUNNER, str(PAGE)], cwd=ROOT,
                          capture_output=True, text=True, timeout=600,
                          env={**_environment(), "JAX_ENABLE_X64": "0"})
    assert proc.returncode == 0, proc.stderr[-4000:]
    out = proc.stdout
    assert "Rayleigh: scale must be positive, got -1.0" in out
    assert "0.6362" in out  # KL(Rayleigh(1) || Rayleigh(2)) = 2 log 2 - 3/4, as the page says
    tests = out.split("TESTS:")[-1].split()
    assert "test_rayleigh_against_scipy" in tests and len(tests) >= 4, out[-2000:]


def _environment() -> dict:
    import os

    return {k: v for k, v in os.environ.items() if not k.startswith("JAX_")}
