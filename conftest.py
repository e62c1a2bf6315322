"""Root pytest configuration.

The test suite runs in float64 (so results compare with scipy at rtol 1e-6);
docstring examples run in JAX's default float32, as a user would see them.
Tests that check float32 behaviour build float32 arrays explicitly.
"""

import gc
import os
import shutil


def _pin_xdist_worker() -> None:
    """Give each pytest-xdist worker its own share of the CPUs (``-n 2`` on 2 cores: one each).

    XLA's CPU runtime sizes its thread pools by the CPUs a process may use, and two processes
    whose pools share the same cores slow each other down far beyond the halving one would
    expect: the GP regression test of ``tests/distributions/test_structured_nuts.py`` took
    27 s alone, 363 s each with two copies side by side on 2 cores, and 26 s each with the two
    copies pinned to one core apiece (``taskset``). Threads take the affinity of the thread
    that starts them, so this runs before JAX starts any; subprocesses of a test inherit it.
    """
    worker = os.environ.get("PYTEST_XDIST_WORKER", "")
    count = int(os.environ.get("PYTEST_XDIST_WORKER_COUNT", "0") or 0)
    if not worker.startswith("gw") or count < 2 or not hasattr(os, "sched_setaffinity"):
        return
    cpus = sorted(os.sched_getaffinity(0))
    share = len(cpus) // count
    if share < 1:  # more workers than CPUs: leave the placement to the OS
        return
    index = int(worker[2:]) % count
    os.sched_setaffinity(0, cpus[index * share:(index + 1) * share])


_pin_xdist_worker()

import jax  # noqa: E402  (after the CPU affinity is set)
import pytest  # noqa: E402
from _pytest.doctest import DoctestItem  # noqa: E402
from hypothesis import settings  # noqa: E402

jax.config.update("jax_enable_x64", True)

# Property tests draw the same examples on every run, so CI is reproducible; widen the search
# locally with HYPOTHESIS_PROFILE=explore.
settings.register_profile("ci", derandomize=True, deadline=None)
settings.register_profile("explore", deadline=None, max_examples=500)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))


_CACHE_ENV = "PROBFLOW_TEST_COMPILATION_CACHE"
_CACHE_MAX_BYTES = 2 * 2**30


def _directory_bytes(path: str) -> int:
    total = 0
    for entry in os.scandir(path):
        if entry.is_file(follow_symlinks=False):
            total += entry.stat(follow_symlinks=False).st_size
    return total


_FAST_COMPILE_ENV = "PROBFLOW_TEST_FAST_COMPILE"
_FAST_COMPILE_FLAGS = ("--xla_cpu_use_fusion_emitters=false",
                       "--xla_backend_optimization_level=0")


def _switched_off(variable: str) -> bool:
    """Whether the environment variable says off (``off``, ``0``, ``false`` or ``no``)."""
    return os.environ.get(variable, "").lower() in ("off", "0", "false", "no")


def _deselects_slow(config) -> bool:
    """Whether the session's ``-m`` expression leaves out the slow tests that run long (those
    marked ``slow`` alone): ``-m "not slow"`` and ``-m compile_bound`` both do; ``-m slow`` and
    no expression do not."""
    from _pytest.mark.expression import Expression

    markexpr = config.getoption("markexpr", "") or ""
    if not markexpr:
        return False
    try:
        return not Expression.compile(markexpr).evaluate(lambda name, **kwargs: name == "slow")
    except SyntaxError:  # an expression pytest itself will reject: leave that to pytest
        return False


def _compile_fast_for_quick_sessions(config) -> None:
    """In a session that leaves out the slow tests that run long (``-m "not slow"``, the
    README's test command, and ``-m compile_bound``), compile for speed rather than for run
    time: XLA's CPU backend without its fusion emitters and without LLVM's optimisations. The
    quick tests run small programs once, so compiling them is nearly all their time: this
    halves their worker time (1,336 s against 2,629 s, a 4,351-test quick set on a 2-core
    machine, all passing). The slow tests that run long (samplers, example scripts,
    multi-process runs whose draws must match bit for bit) run whole programs for seconds, up
    to 6x slower unoptimised, and are what a user runs: a session that includes them keeps
    XLA's defaults. The arithmetic is the same IEEE arithmetic; results may differ
    in the last bits (no fused multiply-adds), which a test's tolerance must allow anyway, as
    they differ between CPUs. ``PROBFLOW_TEST_FAST_COMPILE=off`` keeps the defaults; flags
    already in ``XLA_FLAGS`` win. Subprocesses started by tests inherit the setting.
    """
    if _switched_off(_FAST_COMPILE_ENV) or not _deselects_slow(config):
        return
    from probflow.config import _backends_started

    if _backends_started():  # too late for XLA_FLAGS to take effect
        return
    current = os.environ.get("XLA_FLAGS", "")
    extra = [flag for flag in _FAST_COMPILE_FLAGS if flag.split("=")[0] not in current]
    os.environ["XLA_FLAGS"] = " ".join([current, *extra]).strip()


def pytest_configure(config):
    """Compile fast in a quick session (see ``_compile_fast_for_quick_sessions``) and keep the
    session's compiled programs in JAX's persistent compilation cache.

    Most of the suite's time is XLA compiling thousands of small programs, and a second run
    compiles the same ones: with the cache under ``.pytest_cache/``, a second run of the fast
    tests of ``tests/bijectors``, ``tests/models`` and ``tests/vi`` took 63 s against 228 s for
    the first (586 tests, ``-n 2``; 258 s without the cache). The two xdist workers share
    it. A clean checkout (CI) starts with an empty cache. ``PROBFLOW_TEST_COMPILATION_CACHE=off``
    turns it off; a path puts it elsewhere. Subprocesses started by tests do not inherit it.

    JAX's own size bound (``jax_compilation_cache_max_size``) rescans the whole directory on
    every write, quadratic over the ~17,000 programs (214 MB) a full run stores; instead the
    session (not its workers) empties the directory when it has grown past 2 GiB.
    """
    _compile_fast_for_quick_sessions(config)
    if _switched_off(_CACHE_ENV):
        return
    setting = os.environ.get(_CACHE_ENV, "")
    cache = getattr(config, "cache", None)
    try:
        if setting:
            path = setting
            os.makedirs(path, exist_ok=True)
        elif cache is not None:
            path = str(cache.mkdir("jax-compilation-cache"))
        else:  # pytest's cache plugin is disabled (-p no:cacheprovider): no place to keep it
            return
        if "PYTEST_XDIST_WORKER" not in os.environ and _directory_bytes(path) > _CACHE_MAX_BYTES:
            shutil.rmtree(path, ignore_errors=True)
            os.makedirs(path, exist_ok=True)
    except OSError:  # a read-only checkout: run without the cache
        return
    jax.config.update("jax_compilation_cache_dir", path)
    jax.config.update("jax_persistent_cache_min_compile_time_secs", 0.0)
    jax.config.update("jax_persistent_cache_min_entry_size_bytes", 0)


@pytest.fixture(autouse=True)
def _precision_for_item(request):
    is_doctest = isinstance(request.node, DoctestItem)
    jax.config.update("jax_enable_x64", not is_doctest)
    yield
    jax.config.update("jax_enable_x64", True)


def _count_memory_maps() -> int | None:
    try:
        with open("/proc/self/maps", "rb") as f:
            return sum(1 for _ in f)
    except OSError:  # not Linux: no map count to read
        return None


def _max_memory_maps() -> int:
    try:
        with open("/proc/sys/vm/max_map_count") as f:
            return int(f.read())
    except (OSError, ValueError):
        return 65530


def _resident_bytes() -> int:
    try:
        with open("/proc/self/statm") as f:
            return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")
    except (OSError, ValueError, IndexError):
        return 0


_MAP_LIMIT = _max_memory_maps() // 2
_RSS_LIMIT = 6 * 2**30
_CHECK_EVERY = 20
_tests_since_check = [0]


@pytest.fixture(autouse=True)
def _release_compiled_programs():
    """Drop JAX's compiled programs when the worker nears a memory limit.

    Every compiled CPU program keeps its code mapped in the process; a worker that runs
    ~1,500 tests without releasing them reaches Linux's 65,530 memory maps, and LLVM then
    aborts the process mid-compilation ("Fatal Python error: Aborted", seen once in the full
    suite; about 11 new maps per conformance test). Clearing after every module instead
    recompiled the same small programs (eager primitives above all) in each of ~300
    modules: the doctests of ``probflow/distributions`` and ``probflow/bijectors`` took
    209 s that way and 89 s without it (4,596 compilations against 1,690). So the caches
    are cleared only when half of the map limit or 6 GiB of resident memory is reached,
    checked every 20 tests (on a system without ``/proc``, cleared every 20 tests).
    """
    yield
    _tests_since_check[0] += 1
    if _tests_since_check[0] < _CHECK_EVERY:
        return
    _tests_since_check[0] = 0
    maps = _count_memory_maps()
    if maps is None or maps > _MAP_LIMIT or _resident_bytes() > _RSS_LIMIT:
        jax.clear_caches()
        gc.collect()


@pytest.hookimpl(tryfirst=True)  # before pytest's -m selection reads the markers
def pytest_collection_modifyitems(config, items):
    """Markers given by kind rather than test by test.

    - The notebooks (10-46 s each, a fresh kernel apiece) are slow: CI runs them; ``-m "not
      slow"`` leaves them out of the quick loop.
    - The docstring examples are ``compile_bound``: each compiles its own float32 programs
      (171 of the quick set's 1,437 worker seconds on a 2-core machine); CI runs them, and
      ``pytest probflow/<module>.py`` runs one module's.
    - ``compile_bound`` implies ``slow``, so ``-m "not slow"`` leaves those tests out.
    """
    for item in items:
        if item.path.suffix == ".ipynb":
            item.add_marker(pytest.mark.slow)
        if isinstance(item, DoctestItem):
            item.add_marker(pytest.mark.compile_bound)
        if item.get_closest_marker("compile_bound") and not item.get_closest_marker("slow"):
            item.add_marker(pytest.mark.slow)
