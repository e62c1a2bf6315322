"""Checkpoints of MCMC runs: the full state on disk, draws streamed to disk, exact resume.

``pf.mcmc.sample(..., checkpoint="run.ckpt")`` makes ``run.ckpt`` a folder holding

* ``state.npz``: every chain's kernel state (position, log density, gradient), adaptation
  state (step size, mass matrix, dual-averaging and window accumulators), PRNG key, the
  number of iterations done, and a JSON header (format version, library version, the
  kernel, the adaptation, the run's sizes, the shapes of the positions). It is rewritten
  atomically ([`save_arrays`][probflow.core.checkpoint.save_arrays]: temporary file,
  ``fsync``, rename) every ``checkpoint_every`` iterations, at the end, and when Ctrl-C stops
  the run;
* one ``.npy`` file per stored array (kept draws, constrained values, pointwise log
  likelihood, sampler statistics; warm-up ones with ``save_warmup``), preallocated at full
  size and filled chunk by chunk through memory maps, so host memory stays flat however long
  the run. Entries past the iteration count of ``state.npz`` are ignored (a kill between
  two checkpoints loses only the iterations after the last one).

In a program of several JAX processes (chains over hosts, see
[`probflow.mcmc.distributed`][probflow.mcmc.distributed]) each process keeps a complete copy
in its own folder, ``run.ckpt/process<i>``
([`process_folder`][probflow.mcmc.checkpoint.process_folder]), and also keeps its previous
``state.previous.npz``: on resume, the processes go back to the last iteration that all of
them saved.

[`resume`][probflow.mcmc.checkpoint.resume] continues such a run to its end. Draws depend on
the key and the iteration number only (each chain's key is folded with the iteration), never
on where chunks or checkpoints fall, so a resumed run gives the same draws as an
uninterrupted one. Nothing is unpickled: kernels and adaptations are stored as JSON of their
fields, and only probflow's own classes are rebuilt from it (pass ``kernel=`` to resume a run
of your own kernel).
"""

from __future__ import annotations

import dataclasses
import math
import os
import time
from typing import TYPE_CHECKING, Any, Literal

import jax
import jax.numpy as jnp
import numpy as np

import probflow
from probflow.core.checkpoint import (
    CheckpointError,
    arrays_to_tree,
    load_arrays,
    save_arrays,
    tree_to_arrays,
)
from probflow.typing import Array, LogDensityFn, PyTree

if TYPE_CHECKING:
    import arviz as az

    from probflow.mcmc.base import Adaptation, Kernel
    from probflow.mcmc.chains import RunCarry, RunConfig
    from probflow.mcmc.cross_chain import CrossChainAdaptation
    from probflow.models.posterior import Posterior

__all__ = ["ChainStore", "resume", "process_folder", "CHECKPOINT_FORMAT", "CHECKPOINT_VERSION"]

CHECKPOINT_FORMAT = "probflow-mcmc-checkpoint"
CHECKPOINT_VERSION = 1
STATE_FILE = "state.npz"
PREVIOUS_FILE = "state.previous.npz"  # kept by runs over several processes
DEFAULT_SECONDS = 60.0


def _x64_enabled() -> bool:
    return bool(jax.config.jax_enable_x64)  # pyright: ignore[reportAttributeAccessIssue]


# -- kernels and adaptations as JSON -------------------------------------------------------


def _classes() -> dict[str, type]:
    from probflow.mcmc.adaptation import WindowAdaptation
    from probflow.mcmc.chees import ChEESHMC
    from probflow.mcmc.chees_adaptation import ChEESAdaptation
    from probflow.mcmc.gradient_adaptation import GradientAdaptation
    from probflow.mcmc.hmc import HMC, MALA
    from probflow.mcmc.integrators import Integrator
    from probflow.mcmc.nuts import NUTS
    from probflow.mcmc.rwm import RandomWalkMetropolis

    return {cls.__name__: cls for cls in (NUTS, HMC, MALA, RandomWalkMetropolis, ChEESHMC,
                                          WindowAdaptation, GradientAdaptation,
                                          ChEESAdaptation, Integrator)}


def encode_object(obj: object) -> Any:
    """JSON for one of probflow's kernels/adaptations (``None`` when it is not one of them)."""
    classes = _classes()

    def enc(value: Any) -> Any:
        if classes.get(type(value).__name__) is type(value):
            names = ([f.name for f in dataclasses.fields(value)]
                     if dataclasses.is_dataclass(value) else list(value._fields))
            # (initial_inverse_mass_matrix only starts warm-up; the state holds the tuned one)
            fields = {name: enc(getattr(value, name)) for name in names
                      if name != "initial_inverse_mass_matrix"}
            return {"type": type(value).__name__, "fields": fields}
        if isinstance(value, tuple):
            return {"tuple": [enc(v) for v in value]}
        if value is None or isinstance(value, bool | int | float | str):
            return value
        raise TypeError(type(value).__name__)

    try:
        return enc(obj)
    except TypeError:
        return None


def decode_object(data: Any) -> Any:
    """Rebuild what [`encode_object`][probflow.mcmc.checkpoint.encode_object] wrote."""
    classes = _classes()

    def dec(value: Any) -> Any:
        if isinstance(value, dict) and "type" in value:
            if value["type"] not in classes:
                raise CheckpointError(f"unknown class {value['type']!r} in checkpoint")
            return classes[value["type"]](**{k: dec(v) for k, v in value["fields"].items()})
        if isinstance(value, dict) and "tuple" in value:
            return tuple(dec(v) for v in value["tuple"])
        return value

    return dec(data)


# -- positions templates ---------------------------------------------------------------------


def describe_positions(positions: PyTree) -> dict[str, Any]:
    """The shapes/dtypes of a run's positions (an array or a dict of arrays), for the header."""
    if isinstance(positions, dict):
        if not all(isinstance(k, str) for k in positions):
            raise TypeError("sample: checkpoint= needs positions keyed by strings")
        return {"dict": {k: [list(np.shape(v)), str(jnp.result_type(v))]
                         for k, v in positions.items()}}
    if hasattr(positions, "shape") and hasattr(positions, "dtype"):
        return {"array": [list(np.shape(positions)), str(jnp.result_type(positions))]}
    raise TypeError(f"sample: checkpoint= needs positions that are an array or a dict of arrays, "
                    f"got {type(positions).__name__}")


def _positions_template(description: dict[str, Any]) -> PyTree:
    def spec(entry: list[Any]) -> jax.ShapeDtypeStruct:
        return jax.ShapeDtypeStruct(tuple(entry[0]), np.dtype(entry[1]))

    if "dict" in description:
        return {k: spec(v) for k, v in description["dict"].items()}
    return spec(description["array"])


# -- the store -------------------------------------------------------------------------------


def _layout(config: RunConfig, posterior: Posterior | None,
            carry_template: PyTree) -> dict[str, PyTree]:
    """Structures and shapes of one chunk's output (positions, stats, constrained, log lik)."""
    from probflow.mcmc.chains import _chunk, _finish

    start = jax.ShapeDtypeStruct((), np.int32)
    _, (positions, stats) = jax.eval_shape(
        lambda c, p, s, n: _chunk(config, p, c, s, n), carry_template, posterior, start, start)
    finished = (None, None)
    if posterior is not None:
        finished = jax.eval_shape(lambda p, d: _finish(config, p, d), posterior, positions)
    return {"positions": positions, "stats": stats, "constrained": finished[0],
            "log_likelihood": finished[1]}


def _groups(config: RunConfig, layout: dict[str, PyTree]) -> dict[str, int]:
    groups = {"draws": config.num_samples}
    if config.save_warmup and config.num_warmup:
        groups["warmup"] = config.num_warmup
    return groups


class ChainStore:
    """A checkpoint folder of one run (see the module docs): memory-mapped draw files and the
    atomically replaced state file.

    Made by [`sample`][probflow.mcmc.sample.sample] with ``checkpoint=`` and by
    [`resume`][probflow.mcmc.checkpoint.resume]; the chain runner calls
    [`write_chunk`][probflow.mcmc.checkpoint.ChainStore.write_chunk] after every chunk and
    [`save_state`][probflow.mcmc.checkpoint.ChainStore.save_state] at checkpoints.

    Examples:
        >>> import os, tempfile, jax, jax.numpy as jnp
        >>> import probflow as pf
        >>> path = os.path.join(tempfile.mkdtemp(), "run.ckpt")
        >>> idata = pf.mcmc.sample(lambda x: -0.5 * jnp.sum(x**2), key=jax.random.key(0),
        ...                        initial_position=jnp.zeros((2, 3)), num_chains=2,
        ...                        num_warmup=50, num_samples=40, progress_bar=False,
        ...                        warn=False, checkpoint=path, checkpoint_every=30)
        >>> sorted(f for f in os.listdir(path) if f.startswith("state"))
        ['state.npz']
        >>> pf.mcmc.resume(path, lambda x: -0.5 * jnp.sum(x**2), progress_bar=False,
        ...                warn=False).posterior["x"].shape
        (2, 40, 3)
    """

    def __init__(self, path: str, header: dict[str, Any], config: RunConfig,
                 posterior: Posterior | None, carry_template: PyTree, every: int | None, *,
                 create: bool, run_path: str | None = None):
        self.path = os.fspath(path)
        # the path the user gave (``path`` is this process's folder inside it, with several)
        self.run_path = os.fspath(run_path) if run_path is not None else self.path
        self.header = header
        self.config = config
        self.every = every
        self.layout = _layout(config, posterior, carry_template)
        self.maps: dict[tuple[str, str, str], np.memmap] = {}
        self.last_save = time.monotonic()
        self.saved_done = header.get("done", 0)
        if create:
            os.makedirs(self.path, exist_ok=False)
        for group, length in _groups(config, self.layout).items():
            for part, tree in self.layout.items():
                if tree is None:
                    continue
                for name, leaf in self._named_leaves(part, tree):
                    file = os.path.join(self.path, f"{group}.{name}.npy")
                    shape = (leaf.shape[0], length) + tuple(leaf.shape[2:])
                    if create:
                        mm = np.lib.format.open_memmap(file, mode="w+", dtype=leaf.dtype,
                                                       shape=shape)
                    else:
                        if not os.path.exists(file):
                            raise CheckpointError(f"{self.path}: {os.path.basename(file)} is "
                                                  f"missing")
                        mm = np.load(file, mmap_mode="r+", allow_pickle=False)
                        if mm.shape != shape or mm.dtype != np.dtype(leaf.dtype):
                            raise CheckpointError(
                                f"{self.path}: {os.path.basename(file)} is {mm.dtype}"
                                f"{list(mm.shape)}, expected {np.dtype(leaf.dtype)}"
                                f"{list(shape)}")
                    self.maps[(group, part, name)] = mm

    @staticmethod
    def _named_leaves(part: str, tree: PyTree) -> list[tuple[str, Any]]:
        if part == "stats":
            return sorted(tree.items())
        return [(f"{part}.{i}", leaf) for i, leaf in enumerate(jax.tree_util.tree_leaves(tree))]

    def _write(self, group: str, trees: dict[str, PyTree], src: slice, dst: slice) -> None:
        for part, tree in trees.items():
            if tree is None:
                continue
            for name, leaf in self._named_leaves(part, tree):
                self.maps[(group, part, name)][:, dst] = np.asarray(leaf[:, src])

    def write_chunk(self, posterior: Posterior | None, start: int, active: int,
                    positions: PyTree, stats: dict[str, Array]) -> None:
        """Store the kept (and, with ``save_warmup``, warm-up) slots of one chunk; constrained
        values and the log likelihood are computed here, per chunk, so nothing accumulates."""
        from probflow.mcmc.chains import constrain_chains, finish_chains

        config = self.config
        num_warmup = config.num_warmup
        lo, hi = max(start, num_warmup), start + active
        if hi > lo:
            constrained = log_likelihood = None
            if posterior is not None:
                constrained, log_likelihood = finish_chains(config, posterior, positions)
            self._write("draws", {"positions": positions, "stats": stats,
                                  "constrained": constrained, "log_likelihood": log_likelihood},
                        slice(lo - start, hi - start), slice(lo - num_warmup, hi - num_warmup))
        lo, hi = start, min(start + active, num_warmup)
        if "warmup" in _groups(config, self.layout) and hi > lo:
            constrained = None
            if posterior is not None:
                constrained = constrain_chains(config, posterior, positions)
            self._write("warmup", {"positions": positions, "stats": stats,
                                   "constrained": constrained},
                        slice(lo - start, hi - start), slice(lo, hi))

    def next_boundary(self, done: int) -> int | None:
        """The slot at which the next checkpoint falls (``checkpoint_every`` iterations after
        the last one), or ``None`` when checkpoints are timed."""
        if self.every is None:
            return None
        config = self.config
        from probflow.mcmc.chains import iterations_done

        target = iterations_done(config, self.saved_done) + self.every
        if target <= config.num_warmup:
            return target
        return config.num_warmup + math.ceil((target - config.num_warmup) / config.thin)

    def due(self, done: int) -> bool:
        if self.every is None:
            return time.monotonic() - self.last_save >= DEFAULT_SECONDS
        boundary = self.next_boundary(done)
        assert boundary is not None  # (every is set)
        return done >= boundary

    def save_state(self, carry: RunCarry, done: int) -> None:
        """Flush the draw files, then replace ``state.npz`` atomically."""
        for mm in self.maps.values():
            mm.flush()
        arrays, leaves = tree_to_arrays("carry/", carry)
        header = dict(self.header, done=int(done), leaves=leaves, saved_at=time.time())
        state = os.path.join(self.path, STATE_FILE)
        if self.header.get("num_processes", 1) > 1 and os.path.exists(state):
            # Several processes: keep the last state too. A kill can fall between one
            # process's save and another's; on resume they all go back to the same iteration.
            os.replace(state, os.path.join(self.path, PREVIOUS_FILE))
        save_arrays(state, header, arrays)
        self.header = header
        self.saved_done = int(done)
        self.last_save = time.monotonic()

    def read(self, done: int) -> dict[tuple[str, str], Any]:
        """The stored arrays up to slot ``done``, as read-only memory maps in the run's trees."""
        config = self.config
        kept = max(done - config.num_warmup, 0)
        warm = min(done, config.num_warmup)
        out: dict[tuple[str, str], Any] = {}
        for group, count in (("draws", kept), ("warmup", warm)):
            if group not in _groups(config, self.layout):
                continue
            for part, tree in self.layout.items():
                if tree is None:
                    continue
                named = self._named_leaves(part, tree)
                arrays = [np.load(os.path.join(self.path, f"{group}.{name}.npy"),
                                  mmap_mode="r", allow_pickle=False)[:, :count]
                          for name, _ in named]
                if part == "stats":
                    out[(group, part)] = dict(zip([n for n, _ in named], arrays, strict=True))
                else:
                    treedef = jax.tree_util.tree_structure(tree)
                    out[(group, part)] = jax.tree_util.tree_unflatten(treedef, arrays)
        return out


def new_header(config: RunConfig, positions: PyTree, num_chains: int,
               target_kind: Literal["posterior", "function"]) -> dict[str, Any]:
    """The JSON header of a new run's checkpoint."""
    return {
        "format": CHECKPOINT_FORMAT,
        "version": CHECKPOINT_VERSION,
        "probflow_version": probflow.__version__,
        "jax_version": jax.__version__,
        "x64": _x64_enabled(),
        "target": target_kind,
        "kernel": encode_object(config.kernel),
        "kernel_repr": repr(config.kernel),
        "adaptation": encode_object(config.adaptation),
        "adaptation_repr": repr(config.adaptation),
        "num_chains": int(num_chains),
        "num_warmup": config.num_warmup,
        "num_samples": config.num_samples,
        "thin": config.thin,
        "chain_method": config.chain_method,
        "save_warmup": config.save_warmup,
        "chunk_length": config.chunk_length,
        "num_processes": jax.process_count(),
        "positions": describe_positions(jax.tree_util.tree_map(lambda x: x[0], positions)),
        "done": 0,
    }


def process_folder(path: str | os.PathLike[str]) -> str:
    """The folder of a checkpoint that this process writes and reads.

    ``path`` itself in a program of one process; ``path/process<i>`` (``i`` being
    ``jax.process_index()``) when the program runs as several JAX processes, so that processes
    on a shared filesystem never write the same files. Every process keeps a complete copy (the
    draws are gathered into every process after each chunk), so each can resume on its own
    host.

    Examples:
        >>> process_folder("run.ckpt")   # one process
        'run.ckpt'
    """
    path = os.fspath(path)
    if jax.process_count() > 1:
        return os.path.join(path, f"process{jax.process_index()}")
    return path


def _rebuild(header: dict[str, Any], given: object, what: str, where: str) -> Any:
    if given is not None:
        if repr(given) != header[f"{what}_repr"]:
            raise CheckpointError(f"{where}: the run used {what} {header[f'{what}_repr']}, got "
                                  f"{what}={given!r}")
        return given
    if header[what] is None:
        raise CheckpointError(f"{where}: the run used {header[f'{what}_repr']}, which is not one "
                              f"of probflow's own classes; pass the same object as {what}=")
    return decode_object(header[what])


def resume(path: str | os.PathLike[str], target: Posterior | LogDensityFn, *,
           kernel: Kernel | None = None,
           adaptation: Adaptation | CrossChainAdaptation | None = None,
           progress_bar: bool = True, warn: bool = True) -> az.InferenceData:
    """Continue a run checkpointed by ``pf.mcmc.sample(..., checkpoint=path)`` to its end.

    The draws equal those of the same run done without interruption: the run goes on from
    the saved kernel and adaptation states, keys and iteration count. The checkpoint keeps
    being updated (same ``checkpoint_every``), so a run can be killed and resumed any number of
    times; resuming a finished run just reads it.

    Args:
        path: the checkpoint folder given to ``sample``.
        target: the same Posterior (same model and data) or log-density function. Checked:
            the log density at the saved positions must equal the saved one.
        kernel, adaptation: needed only for a kernel or adaptation class of your own (must
            equal the one the run used); probflow's own are rebuilt from the checkpoint.
        progress_bar, warn: as in [`sample`][probflow.mcmc.sample.sample].

    Returns:
        The ``arviz.InferenceData`` that ``sample`` would have returned. Its arrays are
        memory maps of the files in ``path``: keep the folder while you use them, or
        ``idata.to_netcdf(...)`` them elsewhere.

    Raises:
        FileNotFoundError: no checkpoint at ``path``.
        probflow.core.checkpoint.CheckpointError: a damaged checkpoint, one from another
            format or library version, or one written for another model, data, kernel or
            adaptation.

    Examples:
        >>> import os, tempfile, jax, jax.numpy as jnp
        >>> import probflow as pf
        >>> logdensity_fn = lambda x: -0.5 * jnp.sum(x**2)
        >>> path = os.path.join(tempfile.mkdtemp(), "run.ckpt")
        >>> full = pf.mcmc.sample(logdensity_fn, key=jax.random.key(1), num_chains=2,
        ...                       initial_position=jnp.zeros((2, 2)), num_warmup=40,
        ...                       num_samples=30, progress_bar=False, warn=False,
        ...                       checkpoint=path)
        >>> again = pf.mcmc.resume(path, logdensity_fn, progress_bar=False, warn=False)
        >>> bool((again.posterior["x"] == full.posterior["x"]).all())
        True
    """
    from probflow.mcmc.sample import resume_run

    run_path = os.fspath(path)
    path = process_folder(run_path)
    state_file = os.path.join(path, STATE_FILE)
    if (jax.process_count() == 1 and not os.path.exists(state_file)
            and os.path.isdir(os.path.join(run_path, "process0"))):
        raise CheckpointError(f"{run_path}: written by a run over several JAX processes; resume "
                              f"it over as many processes, each calling pf.mcmc.resume")
    previous_file = os.path.join(path, PREVIOUS_FILE)
    if not os.path.exists(state_file) and os.path.exists(previous_file):
        state_file = previous_file  # (killed between keeping the last state and the new one)
    header, arrays = load_arrays(state_file, CHECKPOINT_FORMAT, CHECKPOINT_VERSION)
    if header.get("num_processes", 1) != jax.process_count():
        raise CheckpointError(f"{run_path}: written by a run over {header.get('num_processes', 1)} "
                              f"JAX process(es), resumed over {jax.process_count()}; resume it "
                              f"over as many as wrote it")
    if jax.process_count() > 1:
        header, arrays = _same_iteration(path, header, arrays)
    if header.get("probflow_version") != probflow.__version__:
        raise CheckpointError(f"{path}: written by probflow {header.get('probflow_version')}, "
                              f"this is {probflow.__version__}; resume it with the version that "
                              f"wrote it (draws are reproducible only within one version)")
    if bool(header.get("x64")) != _x64_enabled():
        raise CheckpointError(f"{path}: written with jax_enable_x64={header.get('x64')}, now "
                              f"{_x64_enabled()}; set it as the run had it")
    run_kernel: Kernel = _rebuild(header, kernel, "kernel", path)
    run_adaptation: Adaptation | CrossChainAdaptation = _rebuild(header, adaptation,
                                                                 "adaptation", path)
    return resume_run(path, header, arrays, target, run_kernel, run_adaptation,
                      _positions_template(header["positions"]), progress_bar=progress_bar,
                      warn=warn, run_path=run_path)


def _same_iteration(folder: str, header: dict[str, Any],
                    arrays: dict[str, np.ndarray]) -> tuple[dict[str, Any], dict[str, np.ndarray]]:
    """The state at the earliest iteration any process saved: a process one checkpoint ahead
    (killed after its save and before another's) goes back to its previous state."""
    from probflow.mcmc.distributed import gather

    dones = gather(int(header["done"]))
    least = min(dones)
    if header["done"] == least:
        return header, arrays
    previous = os.path.join(folder, PREVIOUS_FILE)
    if os.path.exists(previous):
        header, arrays = load_arrays(previous, CHECKPOINT_FORMAT, CHECKPOINT_VERSION)
        if header["done"] == least:
            return header, arrays
    raise CheckpointError(f"{folder}: the processes saved their states at slots {dones}, and "
                          f"this process has none at slot {least} to go back to")


def restore_carry(path: str, header: dict[str, Any], arrays: dict[str, np.ndarray],
                  carry_template: RunCarry) -> RunCarry:
    """The saved [`RunCarry`][probflow.mcmc.chains.RunCarry], checked against the template."""
    return arrays_to_tree("carry/", arrays, carry_template, os.path.join(path, STATE_FILE),
                          header.get("leaves"))
