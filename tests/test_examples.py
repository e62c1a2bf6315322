"""The examples run (at reduced size) and print what they promise."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def run_example(name, *args):
    out = subprocess.run([sys.executable, os.path.join(ROOT, "examples", name), *args],
                         capture_output=True, text=True, timeout=600,
                         env={**os.environ, "MPLBACKEND": "Agg"})
    assert out.returncode == 0, out.stderr[-3000:]
    return out.stdout


@pytest.mark.slow
def test_quickstart_prints_moment_table():
    stdout = run_example("quickstart.py", "--num-samples", "20000")
    lines = stdout.splitlines()
    assert lines[0].split()[:3] == ["distribution", "mean", "MC"]
    rows = [line for line in lines[2:] if "(" in line and not line.startswith("20000")]
    assert len(rows) == 8
    for row in rows:
        name, values = row.split(")", 1)
        mean, mc_mean, sd, mc_sd, _ = (float(v) for v in values.split())
        # 20000 draws: the Monte Carlo mean is within 5 standard errors of the closed form.
        assert abs(mc_mean - mean) < 5 * sd / (20000**0.5), row


@pytest.mark.slow
def test_eight_schools_prints_a_converged_summary(tmp_path):
    plot = tmp_path / "trace.png"
    stdout = run_example("eight_schools.py", "--num-warmup", "500", "--num-samples", "500",
                         "--plot", str(plot))
    lines = stdout.splitlines()
    # the sampler says which checks ran before the summary table (issue 14's clean-run line)
    assert lines[0].startswith("no convergence problems found (R-hat, ESS, divergences"), lines[0]
    rows = {line.split()[0]: line.split() for line in lines[1:] if line.strip()}
    header = lines[1].split()
    assert header[:2] == ["mean", "sd"] and header[-1] == "r_hat"
    mu_mean, tau_mean = float(rows["mu"][1]), float(rows["tau"][1])
    # posteriordb's reference: mu 4.4 (sd 3.3), tau 3.6 (sd 3.2); 2,000 draws
    assert abs(mu_mean - 4.4) < 0.5 and abs(tau_mean - 3.6) < 0.6
    assert all(float(r[-1]) < 1.01 for name, r in rows.items() if name in ("mu", "tau"))
    assert " 0 divergences" in stdout
    assert plot.stat().st_size > 10_000


@pytest.mark.slow
def test_flow_two_moons_fits_and_saves_a_plot(tmp_path):
    out = tmp_path / "moons.png"
    stdout = run_example("flow_two_moons.py", "--kind", "realnvp", "--steps", "400",
                         "--out", str(out))
    held_out = float(stdout.split("held-out NLL ")[1].split()[0])
    assert held_out < 1.6  # a standard normal on this data scores about 2.6 nats
    assert out.stat().st_size > 10_000


@pytest.mark.slow
def test_vi_logistic_regression_recovers_the_coefficients():
    stdout = run_example("vi_logistic_regression.py", "--num-steps", "500", "--num-rows", "5000")
    rows = {line.split(":")[0].strip(): line.split(":")[1].split("(")[0].split()
            for line in stdout.splitlines() if ":" in line}
    truth = [float(v) for v in rows["truth"]]
    for label in ("meanfield mean", "fullrank mean", "minibatch 512 mean"):
        means = [float(v) for v in rows[label]]
        # 5000 rows: posterior sds of the coefficients are about 0.05; 0.25 is 5 sds.
        assert max(abs(m - t) for m, t in zip(means, truth, strict=True)) < 0.25, (label, means)


@pytest.mark.slow
def test_distributed_chains_two_processes_match_one():
    """Two local processes (gloo CPU collectives, 2 devices each) return the same draws as
    one process with 4 devices: one chain per device, so every device runs the same program
    on the same chain key in both layouts; both processes print the same summary."""
    stdout = run_example("distributed_chains.py", "--num-warmup", "200", "--num-samples", "200")
    assert "process 0 of 2, 4 devices" in stdout
    assert "give identical draws: True" in stdout
