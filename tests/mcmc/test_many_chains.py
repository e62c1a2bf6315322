"""Thousands of chains: 4,096 vectorised NUTS chains on a 10-dimensional Gaussian.

Run in float32, as a user would on an accelerator, in a child process: the run peaks at about
3.4 GB on the 2-core CPU machine, and a test worker would otherwise keep that memory for the
rest of the suite.
"""

import json
import os
import subprocess
import sys
import textwrap

import numpy as np
import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

CHILD = textwrap.dedent("""
    import json
    import arviz as az, jax, jax.numpy as jnp, numpy as np
    import probflow as pf

    scales = np.linspace(0.5, 2.0, 10)
    start = jax.random.normal(jax.random.key(1), (4096, 10))
    idata = pf.mcmc.sample(lambda x: -0.5 * jnp.sum((x / scales) ** 2), key=jax.random.key(0),
                           kernel=pf.mcmc.NUTS(max_tree_depth=6), initial_position=start,
                           num_chains=4096, num_warmup=200, num_samples=200,
                           progress_bar=False, warn=False)
    x = idata.posterior["x"].values
    print(json.dumps({"shape": list(x.shape), "dtype": str(x.dtype),
                      "mean": x.mean((0, 1)).tolist(), "sd": x.std((0, 1)).tolist(),
                      "ess": az.ess(idata)["x"].values.tolist(),
                      "rhat": float(az.rhat(idata)["x"].max())}))
""")


@pytest.mark.slow
def test_4096_vectorised_chains_recover_the_moments():
    env = dict(os.environ, PYTHONPATH=ROOT, JAX_PLATFORMS="cpu")
    proc = subprocess.run([sys.executable, "-c", CHILD], env=env, capture_output=True,
                          text=True, timeout=900)
    assert proc.returncode == 0, proc.stderr[-3000:]
    out = json.loads(proc.stdout.strip().splitlines()[-1])
    scales = np.linspace(0.5, 2.0, 10)
    ess = np.asarray(out["ess"])
    assert out["shape"] == [4096, 200, 10] and out["dtype"] == "float32"
    assert ess.min() > 100_000, ess  # ~0.8 M draws, nearly independent
    # 5 Monte Carlo standard errors of the mean (sd / sqrt(n)) and of the sd (sd / sqrt(2 n)),
    # n = min(ESS, draws): NUTS draws of a Gaussian are often anticorrelated (ESS above the
    # number of draws), and ESS estimates that high are themselves noisy
    n = np.minimum(ess, 4096 * 200)
    np.testing.assert_array_less(np.abs(out["mean"]), 5 * scales / np.sqrt(n))
    np.testing.assert_array_less(np.abs(np.asarray(out["sd"]) - scales),
                                 5 * scales / np.sqrt(2 * n))
    assert out["rhat"] < 1.01
