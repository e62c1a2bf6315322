"""examples/bnn_digits.py runs at reduced size and prints what it promises."""

import os
import subprocess
import sys

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


@pytest.mark.slow
def test_bnn_digits_example_prints_metrics_and_saves_the_diagram(tmp_path):
    plot = tmp_path / "reliability.png"
    out = subprocess.run(
        [sys.executable, os.path.join(ROOT, "examples", "bnn_digits.py"), "--epochs", "3",
         "--plot", str(plot)],
        capture_output=True, text=True, timeout=600, env={**os.environ, "MPLBACKEND": "Agg"})
    assert out.returncode == 0, out.stderr[-3000:]
    lines = out.stdout.splitlines()
    assert sum(line.startswith("Epoch ") for line in lines) == 3
    accuracy = float(next(line for line in lines if line.startswith("test accuracy")).split()[-1])
    assert accuracy > 0.85
    assert any(line.startswith("test ECE") for line in lines)
    assert plot.exists() and plot.stat().st_size > 1000
