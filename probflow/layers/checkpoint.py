"""Checkpoints of [`Sequential.fit`][probflow.layers.sequential.Sequential.fit]: the full
training state in one atomically replaced ``.npz`` file, and the checks that let a run resume
exactly.

``net.fit(x, y, ..., key=key, checkpoint="fit.ckpt")`` writes, every ``checkpoint_every``
epochs (default: at the first epoch end a minute after the last save), at the end and when
Ctrl-C stops training, one file with

- the surrogate parameters (``params/<i>``) and the optimizer state (``opt_state/<i>``),
  stored leaf by leaf with [`tree_to_arrays`][probflow.core.checkpoint.tree_to_arrays];
- the loop's PRNG key after the last completed epoch (``key/0``, as key data with the
  implementation's name; a raw ``PRNGKey`` and the typed key of the same seed are the same
  key, so either resumes a run started with the other);
- the history so far (``history/<metric>``, one float64 value per epoch);
- each callback's [`get_state`][probflow.layers.callbacks.Callback.get_state] (``EarlyStopping``
  keeps its best value, patience count and best weights; ``ModelCheckpoint`` its best value);
- a JSON header: format version, probflow and JAX versions, precision, the architecture
  (``net.get_config()``), the KL weight, ``batch_size``, the shapes, dtypes and a BLAKE2
  digest of the training and validation data, a digest of the key ``fit`` was given, the
  optimizer state's structure and an optimizer probe (below), and the epochs done.

``net.fit(x, y, ..., key=key, resume="fit.ckpt")`` puts the state back (after checking
every header entry against the call) and continues: each epoch's key is split off the saved
loop key, so the mini-batch order and the weight noise are those of an uninterrupted run
and the parameters and history come out identical.

The optimizer probe ([`optimizer_probe`][probflow.core.fingerprints.optimizer_probe]) tells
optimizers of the same structure apart (``optax.sgd(0.1)`` from ``optax.sgd(0.01)``, or Adam
with another learning rate): the update the optimizer proposes for a fixed gradient at the
saved parameters and state, reduced to two numbers per leaf, is stored; resuming computes it
again with the optimizer given and compares.
"""

from __future__ import annotations

import json
import os
import time
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import jax
import numpy as np

import probflow
from probflow.core.checkpoint import (
    CheckpointError,
    arrays_to_tree,
    load_arrays,
    save_arrays,
    tree_to_arrays,
)
from probflow.core.fingerprints import (
    PROBE_RTOL,
    as_typed_key_data,
    digest,
    is_typed_key,
    key_digest,
    optimizer_probe,
)
from probflow.typing import Array, PRNGKey, PyTree

if TYPE_CHECKING:
    from probflow.layers.callbacks import Callback, History
    from probflow.layers.sequential import Sequential

__all__ = ["FIT_FORMAT", "FIT_VERSION", "DEFAULT_SECONDS", "FitCheckpoint", "FitState",
           "fit_header", "restore_fit_state"]

FIT_FORMAT = "probflow.layers.fit"
FIT_VERSION = 1
DEFAULT_SECONDS = 60.0


def _describe(a: Array) -> list[Any]:
    return [list(a.shape), str(a.dtype)]


def fit_header(net: Sequential, xs: Array, ys: Array, val: tuple[Array, Array] | None, *,
               key: PRNGKey, batch_size: int, validation_samples: int,
               every: int | None) -> dict[str, Any]:
    """The JSON header describing one ``fit`` call (its checkpoint's identity).

    Examples:
        >>> import jax, jax.numpy as jnp
        >>> from probflow import layers
        >>> net = layers.Sequential([layers.Dense(1), layers.NormalHead()])
        >>> _ = net.build(jax.random.key(0), (2,))
        >>> h = fit_header(net, jnp.ones((4, 2)), jnp.zeros(4), None, key=jax.random.key(1),
        ...                batch_size=2, validation_samples=5, every=1)
        >>> h["format"], h["batch_size"], h["x"]
        ('probflow.layers.fit', 2, [[4, 2], 'float32'])
    """
    config = net.get_config()
    return {
        "format": FIT_FORMAT,
        "version": FIT_VERSION,
        "probflow_version": probflow.__version__,
        "jax_version": jax.__version__,
        "x64": bool(jax.config.jax_enable_x64),  # pyright: ignore[reportAttributeAccessIssue]
        "architecture": {"layers": config["layers"], "input_shape": config["input_shape"],
                         "input_dtype": config["input_dtype"]},
        "kl_weight": net.kl_weight,
        "batch_size": int(batch_size),
        "validation_samples": int(validation_samples),
        "x": _describe(xs),
        "y": _describe(ys),
        "validation": None if val is None else [_describe(val[0]), _describe(val[1])],
        "data_digest": digest(xs, ys, *(val or (None, None))),
        "key": key_digest(key),
        "optimizer_structure": str(jax.tree_util.tree_structure(net.opt_state)),
        "every": every,
        "epochs_done": 0,
        "stopped": False,
    }


class FitCheckpoint:
    """Writes the training state of one ``fit`` run to ``path`` (see the module docs).

    Args:
        path: the checkpoint file.
        header: from [`fit_header`][probflow.layers.checkpoint.fit_header].
        every: save after every ``every`` epochs; ``None``: at the first epoch end
            ``DEFAULT_SECONDS`` after the last save.
        saved_epochs: epochs already in the file (when resuming).

    Examples:
        >>> import os, tempfile, jax, jax.numpy as jnp, optax
        >>> from probflow import layers
        >>> net = layers.Sequential([layers.Dense(1), layers.NormalHead()])
        >>> net.compile(optax.adam(1e-2))
        >>> path = os.path.join(tempfile.mkdtemp(), "fit.ckpt")
        >>> x, y = jnp.ones((8, 2)), jnp.zeros(8)
        >>> _ = net.fit(x, y, epochs=3, batch_size=4, key=jax.random.key(0), verbose=0,
        ...             checkpoint=path, checkpoint_every=2)
        >>> from probflow.core.checkpoint import load_arrays
        >>> load_arrays(path, FIT_FORMAT, FIT_VERSION)[0]["epochs_done"]
        3
    """

    def __init__(self, path: str | os.PathLike[str], header: dict[str, Any], every: int | None,
                 saved_epochs: int = 0):
        self.path = os.fspath(path)
        self.header = dict(header, every=every)
        self.every = every
        self.saved_epochs = int(saved_epochs)
        self.last_save = time.monotonic()

    def due(self, epochs_done: int) -> bool:
        """Whether a save is due after ``epochs_done`` completed epochs."""
        if self.every is None:
            return time.monotonic() - self.last_save >= DEFAULT_SECONDS
        return epochs_done - self.saved_epochs >= self.every

    def save(self, net: Sequential, params: PyTree, opt_state: PyTree, key: PRNGKey,
             history: History, epochs_done: int, *, stopped: bool = False,
             callbacks: Sequence[Callback] = ()) -> None:
        """Replace the file atomically with the state after ``epochs_done`` epochs (and the
        callbacks' [`get_state`][probflow.layers.callbacks.Callback.get_state])."""
        arrays, params_info = tree_to_arrays("params/", params)
        described = []
        for i, cb in enumerate(callbacks):
            state, tree = cb.get_state()
            described.append({"class": type(cb).__qualname__, "state": state,
                              "has_params": tree is not None})
            if tree is not None:
                arrays.update(tree_to_arrays(f"callback/{i}/", tree)[0])
        more, opt_info = tree_to_arrays("opt_state/", opt_state)
        arrays.update(more)
        more, key_info = tree_to_arrays("key/", as_typed_key_data(key))
        arrays.update(more)
        metrics = list(history.history)
        for name in metrics:
            arrays[f"history/{name}"] = np.asarray(history.history[name][:epochs_done],
                                                   np.float64)
        probe = optimizer_probe(net.optimizer, params, opt_state)
        if probe is not None:
            arrays["optimizer_probe"] = probe
        header = dict(self.header, epochs_done=int(epochs_done), stopped=bool(stopped),
                      metrics=metrics, params_leaves=params_info, opt_state_leaves=opt_info,
                      key_leaves=key_info, callbacks=described, saved_at=time.time())
        save_arrays(self.path, header, arrays)
        self.header = header
        self.saved_epochs = int(epochs_done)
        self.last_save = time.monotonic()


class FitState:
    """The training state read back by
    [`restore_fit_state`][probflow.layers.checkpoint.restore_fit_state].

    Attributes:
        params, opt_state: the surrogate parameters and optimizer state.
        key: the loop key after ``epochs_done`` epochs.
        history: dict metric name -> list of per-epoch values.
        epochs_done: completed epochs.
        stopped: whether a callback stopped the run (it is then finished).
        every: the run's ``checkpoint_every``.

    Examples:
        >>> FitState(None, None, None, {"loss": [1.0]}, 1, False, 5).epochs_done
        1
    """

    def __init__(self, params: PyTree, opt_state: PyTree, key: PRNGKey,
                 history: dict[str, list[float]], epochs_done: int, stopped: bool,
                 every: int | None, callbacks: Sequence[dict[str, Any]] = ()):
        self.params, self.opt_state, self.key = params, opt_state, key
        self.history, self.epochs_done, self.stopped = history, epochs_done, stopped
        self.every = every
        self.callbacks = list(callbacks)

    def callback_states(self, path: str, callbacks: Sequence[Callback]
                        ) -> list[tuple[Any, PyTree] | None]:
        """``[(state, params)]`` for ``callbacks`` (the resumed call's), checked against the
        run's: a callback in the same position must be of the same class."""
        out: list[tuple[Any, PyTree] | None] = []
        for i, cb in enumerate(callbacks):
            if i >= len(self.callbacks):
                out.append(None)
                continue
            saved = self.callbacks[i]
            if saved["class"] != type(cb).__qualname__:
                raise CheckpointError(f"{path}: callbacks[{i}] of the run was a "
                                      f"{saved['class']}, this call has a "
                                      f"{type(cb).__qualname__}; pass the run's callbacks in "
                                      f"the same order")
            out.append((saved["state"], saved["params"]))
        return out


def _mismatch(path: str, what: str, saved: Any, given: Any, hint: str) -> CheckpointError:
    return CheckpointError(f"{path}: the run was trained with {what} {saved}, this call has "
                           f"{given}; {hint}")


def restore_fit_state(path: str | os.PathLike[str], net: Sequential, expected: dict[str, Any],
                      key_template: PRNGKey) -> FitState:
    """Read ``path`` and check it against the call described by ``expected`` (a
    [`fit_header`][probflow.layers.checkpoint.fit_header]); ``net`` holds parameter and
    optimizer-state templates of the right structure and its optimizer.

    Raises:
        FileNotFoundError: no file at ``path``.
        probflow.core.checkpoint.CheckpointError: a damaged file, another format or probflow
            version, precision, architecture, KL weight, batch size, data, key or optimizer.

    Examples:
        >>> import os, tempfile, jax, jax.numpy as jnp, optax
        >>> from probflow import layers
        >>> path = os.path.join(tempfile.mkdtemp(), "fit.ckpt")
        >>> net = layers.Sequential([layers.Dense(1), layers.NormalHead()])
        >>> net.compile(optax.sgd(0.1))
        >>> x, y = jnp.ones((8, 2)), jnp.zeros(8)
        >>> _ = net.fit(x, y, epochs=2, batch_size=4, key=jax.random.key(0), verbose=0,
        ...             checkpoint=path)
        >>> other = layers.Sequential([layers.Dense(3), layers.Dense(1), layers.NormalHead()])
        >>> other.compile(optax.sgd(0.1))
        >>> other.fit(x, y, epochs=2, batch_size=4, key=jax.random.key(0), resume=path)
        Traceback (most recent call last):
        ...
        probflow.core.checkpoint.CheckpointError: ...another architecture...
    """
    path = os.fspath(path)
    header, arrays = load_arrays(path, FIT_FORMAT, FIT_VERSION)
    if header.get("probflow_version") != expected["probflow_version"]:
        raise _mismatch(path, "probflow", header.get("probflow_version"),
                        expected["probflow_version"],
                        "resume with the version that wrote it (training is reproducible "
                        "only within one version)")
    if header.get("x64") != expected["x64"]:
        raise _mismatch(path, "jax_enable_x64 =", header.get("x64"), expected["x64"],
                        "set it as the run had it")
    if header.get("architecture") != expected["architecture"]:
        raise CheckpointError(
            f"{path}: written for another architecture: the checkpoint has "
            f"{json.dumps(header.get('architecture'))}, this network is "
            f"{json.dumps(expected['architecture'])}")
    checks = [("kl_weight", "kl_weight =", "compile the network with the run's kl_weight"),
              ("batch_size", "batch_size =", "the mini-batch order depends on it"),
              ("validation_samples", "validation_samples =", "pass the run's value"),
              ("x", "x of [shape, dtype]", "pass the run's training data"),
              ("y", "y of [shape, dtype]", "pass the run's training targets"),
              ("validation", "validation_data of [shape, dtype]", "pass the run's "
               "validation_data")]
    for name, what, hint in checks:
        if header.get(name) != expected[name]:
            raise _mismatch(path, what, header.get(name), expected[name], hint)
    if header.get("data_digest") != expected["data_digest"]:
        raise CheckpointError(f"{path}: the run was trained on other data (same shapes, other "
                              f"values); pass the run's x, y and validation_data")
    if header.get("key") != expected["key"]:
        raise CheckpointError(f"{path}: the run was started with another key "
                              f"({header.get('key', '?').split(':')[0]} key, digest "
                              f"{header.get('key', '?').split(':')[-1][:12]}); pass fit the "
                              f"same key= as the interrupted call")
    if header.get("optimizer_structure") != expected["optimizer_structure"]:
        raise CheckpointError(f"{path}: written with another optimizer: its state is "
                              f"{header.get('optimizer_structure')}, this network's optimizer "
                              f"has {expected['optimizer_structure']}; compile the network "
                              f"with the run's optimizer")
    params = arrays_to_tree("params/", arrays, net.params, path, header.get("params_leaves"))
    opt_state = arrays_to_tree("opt_state/", arrays, net.opt_state, path,
                               header.get("opt_state_leaves"))
    key = arrays_to_tree("key/", arrays, as_typed_key_data(key_template), path,
                         header.get("key_leaves"))
    if not is_typed_key(key_template):
        key = jax.random.key_data(key)
    if "optimizer_probe" in arrays:
        probe = optimizer_probe(net.optimizer, params, opt_state)
        saved = arrays["optimizer_probe"]
        if probe is None or probe.shape != saved.shape or not np.allclose(
                probe, saved, rtol=PROBE_RTOL, atol=0.0):
            raise CheckpointError(f"{path}: written with another optimizer (same state "
                                  f"structure, other settings such as the learning rate: its "
                                  f"update for a test gradient differs); compile the network "
                                  f"with the run's optimizer")
    done = int(header["epochs_done"])
    history = {}
    for name in header.get("metrics", []):
        values = arrays.get(f"history/{name}")
        if values is None or values.shape != (done,):
            raise CheckpointError(f"{path}: history entry {name!r} is missing or has the wrong "
                                  f"length (expected {done} epochs)")
        history[name] = [float(v) for v in values]
    callbacks = []
    for i, entry in enumerate(header.get("callbacks", [])):
        tree = None
        if entry["has_params"]:
            tree = arrays_to_tree(f"callback/{i}/", arrays, net.params, path)
        callbacks.append(dict(entry, params=tree))
    return FitState(params, opt_state, key, history, done, bool(header.get("stopped")),
                    header.get("every"), callbacks)
