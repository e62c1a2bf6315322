"""Process-wide JAX settings that probflow users commonly need, behind named switches.

Both functions change JAX's configuration for the whole process, so they are called by the
user (never at import): [`set_host_device_count`][probflow.config.set_host_device_count] before JAX
    starts, and
[`enable_compilation_cache`][probflow.config.enable_compilation_cache] at any time.
"""

from __future__ import annotations

import os

import jax

__all__ = ["set_host_device_count", "enable_compilation_cache", "default_cache_dir"]


def _backends_started() -> bool:
    try:
        from jax._src import xla_bridge
    except ImportError:  # pragma: no cover - a JAX without the private module
        return False
    return bool(xla_bridge.backends_are_initialized())


def set_host_device_count(n: int) -> None:
    """Split the CPU into ``n`` JAX devices, so ``chain_method="parallel"`` uses ``n`` cores.

    Call it right after ``import probflow`` and before anything runs on JAX (creating an
    array, drawing a key, sampling): JAX fixes its devices when it first starts. It sets JAX's
    ``jax_num_cpu_devices`` option (the same effect as
    ``XLA_FLAGS=--xla_force_host_platform_device_count=n``). It has no effect on GPUs or TPUs.

    Args:
        n: number of CPU devices (a positive int; usually the number of cores, or of chains).

    Raises:
        RuntimeError: JAX has already started; call it earlier (or set ``XLA_FLAGS`` before
            starting Python).

    Examples:
        >>> import probflow as pf
        >>> pf.set_host_device_count(2)  # doctest: +SKIP
        >>> import jax; jax.devices()    # doctest: +SKIP
        [CpuDevice(id=0), CpuDevice(id=1)]
    """
    if isinstance(n, bool) or not isinstance(n, int) or n < 1:
        raise ValueError(f"set_host_device_count: n must be a positive int, got {n!r}")
    if _backends_started():
        current = len(jax.devices("cpu"))
        if current == n:
            return
        raise RuntimeError(
            f"set_host_device_count: JAX has already started with {current} CPU device(s), so "
            f"the count cannot change to {n}. Call pf.set_host_device_count({n}) right after "
            f"`import probflow`, before any JAX computation, or start Python with "
            f"XLA_FLAGS=--xla_force_host_platform_device_count={n}")
    jax.config.update("jax_num_cpu_devices", n)


def default_cache_dir() -> str:
    """``$XDG_CACHE_HOME/probflow/jax`` (``~/.cache/probflow/jax`` when unset).

    Examples:
        >>> default_cache_dir().endswith(os.path.join("probflow", "jax"))
        True
    """
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return os.path.join(base, "probflow", "jax")


def enable_compilation_cache(path: str | os.PathLike[str] | None = None, *,
                             min_compile_time_secs: float = 0.5) -> str:
    """Keep compiled programs on disk, so a new process skips XLA compilation.

    A second process that samples the same model (same shapes, same configuration) loads the
    compiled program from ``path`` instead of compiling it again: the cold start of
    [`pf.mcmc.sample`][probflow.mcmc.sample] drops to tracing time. This turns on JAX's persistent
    compilation
    cache (``jax_compilation_cache_dir``); entries are keyed by the program, the JAX version
    and the device, so a stale entry is never used. Delete the directory to clear it.

    Args:
        path: the cache directory (created if missing); default
            [`default_cache_dir`][probflow.config.default_cache_dir].
        min_compile_time_secs: programs that compiled faster than this are not stored.

    Returns:
        The directory used.

    Examples:
        >>> import tempfile
        >>> import probflow as pf
        >>> cache = pf.enable_compilation_cache(tempfile.mkdtemp())  # doctest: +SKIP
    """
    if min_compile_time_secs < 0:
        raise ValueError(f"enable_compilation_cache: min_compile_time_secs must be >= 0, got "
                         f"{min_compile_time_secs!r}")
    path = os.fspath(default_cache_dir() if path is None else path)
    os.makedirs(path, exist_ok=True)
    jax.config.update("jax_compilation_cache_dir", path)
    jax.config.update("jax_persistent_cache_min_compile_time_secs", float(min_compile_time_secs))
    jax.config.update("jax_persistent_cache_min_entry_size_bytes", 0)
    return path
