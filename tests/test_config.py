"""pf.set_host_device_count and pf.enable_compilation_cache, each in a fresh process."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap

import pytest

import probflow as pf

ENV = {**os.environ, "PYTHONWARNINGS": "ignore"}
ENV.pop("XLA_FLAGS", None)


def _python(code: str, *args: str) -> str:
    result = subprocess.run([sys.executable, "-c", textwrap.dedent(code), *args],
                            capture_output=True, text=True, timeout=300, env=ENV)
    assert result.returncode == 0, result.stderr[-3000:]
    return result.stdout


@pytest.mark.slow
def test_host_device_count_spreads_parallel_chains_over_cpu_devices():
    out = _python("""
        import probflow as pf
        pf.set_host_device_count(2)
        import jax, jax.numpy as jnp
        print(len(jax.devices()))
        idata = pf.mcmc.sample(lambda x: -0.5 * jnp.sum(x ** 2), key=jax.random.key(0),
                               initial_position=jnp.zeros((2, 3)), num_chains=2,
                               num_warmup=50, num_samples=20, chain_method="parallel",
                               progress_bar=False, warn=False)
        print(idata.posterior.sizes["chain"])
        pf.set_host_device_count(2)          # the same count again is fine
        try:
            pf.set_host_device_count(4)
        except RuntimeError as e:
            print("late:", e)
    """)
    lines = out.splitlines()
    assert lines[0] == "2" and lines[1] == "2"
    assert "late: set_host_device_count: JAX has already started with 2 CPU device(s)" in out
    assert "XLA_FLAGS=--xla_force_host_platform_device_count=4" in out


def test_host_device_count_checks_its_argument():
    for bad in (0, -1, 1.5, True):
        with pytest.raises(ValueError, match="n must be a positive int"):
            pf.set_host_device_count(bad)


CACHE_CHILD = """
    import sys
    import jax, jax.numpy as jnp
    from jax import monitoring
    import probflow as pf
    hits = []
    monitoring.register_event_listener(
        lambda name, **kw: hits.append(name) if "cache_hits" in name else None)
    print(pf.enable_compilation_cache(sys.argv[1], min_compile_time_secs=0.0))
    pf.mcmc.sample(lambda x: -0.5 * jnp.sum(x ** 2), key=jax.random.key(0),
                   initial_position=jnp.zeros((2, 3)), num_chains=2, num_warmup=30,
                   num_samples=10, progress_bar=False, warn=False)
    print("hits", len(hits))
"""


@pytest.mark.slow
def test_compilation_cache_is_reused_by_a_second_process(tmp_path):
    first = _python(CACHE_CHILD, str(tmp_path))
    assert first.splitlines()[0] == str(tmp_path)
    assert any(tmp_path.iterdir())                       # compiled programs were written
    second = _python(CACHE_CHILD, str(tmp_path))
    assert int(first.split("hits ")[1]) == 0
    assert int(second.split("hits ")[1]) >= 3            # prepare, chunk and finish loaded


def test_default_cache_dir_follows_xdg(monkeypatch, tmp_path):
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    assert pf.config.default_cache_dir() == os.path.join(str(tmp_path), "probflow", "jax")
    with pytest.raises(ValueError, match="min_compile_time_secs must be >= 0"):
        pf.enable_compilation_cache(tmp_path, min_compile_time_secs=-1)
