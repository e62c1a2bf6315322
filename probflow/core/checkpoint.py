"""Checkpoint files: named arrays plus a small JSON header, written atomically, read without pickle.

A checkpoint file is a NumPy ``.npz`` archive. Its entry ``__header__`` holds UTF-8 JSON (the
format name and version, the library version, and whatever the writer describes); every
other entry is a plain numeric array. [`load_arrays`][probflow.core.checkpoint.load_arrays]
reads with ``allow_pickle=False``, so a file can never run code when loaded.

[`save_arrays`][probflow.core.checkpoint.save_arrays] writes to a temporary file in the same
folder, flushes and ``fsync``s it, renames it over the target (atomic on POSIX) and ``fsync``s
the folder: a crash at any moment leaves either the old file or the new one, never a mixture.

PyTrees are stored leaf by leaf ([`tree_to_arrays`][probflow.core.checkpoint.tree_to_arrays]);
typed PRNG keys become their key data with the implementation's name recorded, and
[`arrays_to_tree`][probflow.core.checkpoint.arrays_to_tree] restores them into the structure of a
template tree after checking every shape and dtype.
"""

from __future__ import annotations

import json
import os
import tempfile
import zipfile
from typing import Any

import jax
import jax.numpy as jnp
import numpy as np

from probflow.typing import PyTree

__all__ = ["CheckpointError", "save_arrays", "load_arrays", "tree_to_arrays", "arrays_to_tree",
           "fsync_dir"]

HEADER = "__header__"


class CheckpointError(ValueError):
    """A checkpoint that cannot be used here: damaged, of another format or version, or written
    for another model, data or run configuration.

    Examples:
        >>> raise CheckpointError("run.ckpt: written by probflow 0.0.1, this is 0.1.0")
        Traceback (most recent call last):
        ...
        probflow.core.checkpoint.CheckpointError: run.ckpt: written by probflow 0.0.1, this is 0.1.0
    """


def fsync_dir(path: str) -> None:
    """``fsync`` a folder so that a rename inside it survives a power cut (no-op where the OS
    does not allow opening folders).

    Examples:
        >>> import tempfile
        >>> fsync_dir(tempfile.gettempdir())
    """
    try:
        fd = os.open(path, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def save_arrays(path: str, header: dict[str, Any], arrays: dict[str, Any]) -> None:
    """Write ``arrays`` (name -> array) and the JSON ``header`` to ``path`` atomically.

    Examples:
        >>> import os, tempfile, numpy as np
        >>> path = os.path.join(tempfile.mkdtemp(), "state.npz")
        >>> save_arrays(path, {"format": "demo", "version": 1}, {"x": np.arange(3.0)})
        >>> header, arrays = load_arrays(path, "demo", 1)
        >>> header["version"], arrays["x"].tolist()
        (1, [0.0, 1.0, 2.0])
    """
    if HEADER in arrays:
        raise ValueError(f"save_arrays: {HEADER!r} is reserved for the header")
    folder = os.path.dirname(os.path.abspath(path))
    payload: dict[str, Any] = {HEADER: np.frombuffer(json.dumps(header).encode(), dtype=np.uint8)}
    for name, value in arrays.items():
        value = np.asarray(value)
        if value.dtype == object:
            raise TypeError(f"save_arrays: array {name!r} has dtype object; only numeric arrays "
                            f"are stored")
        payload[name] = value
    fd, tmp = tempfile.mkstemp(prefix=os.path.basename(path) + ".", suffix=".tmp", dir=folder)
    try:
        with os.fdopen(fd, "wb") as f:
            np.savez(f, **payload)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise
    fsync_dir(folder)


def load_arrays(path: str, expected_format: str,
                expected_version: int) -> tuple[dict[str, Any], dict[str, np.ndarray]]:
    """Read a file written by [`save_arrays`][probflow.core.checkpoint.save_arrays]; check its
    format name and version.

    Raises:
        FileNotFoundError: no file at ``path``.
        CheckpointError: not a checkpoint, damaged, or of another format or version.

    Examples:
        >>> import os, tempfile, numpy as np
        >>> path = os.path.join(tempfile.mkdtemp(), "state.npz")
        >>> save_arrays(path, {"format": "demo", "version": 1}, {})
        >>> load_arrays(path, "demo", 2)
        Traceback (most recent call last):
        ...
        probflow.core.checkpoint.CheckpointError: ...format version 1; this probflow reads version 2
    """
    if not os.path.exists(path):
        raise FileNotFoundError(f"no checkpoint at {path!r}")
    try:
        with np.load(path, allow_pickle=False) as archive:
            arrays = {name: archive[name] for name in archive.files}
    except (zipfile.BadZipFile, ValueError, OSError, EOFError) as err:
        raise CheckpointError(f"{path}: not a readable probflow checkpoint ({err})") from err
    if HEADER not in arrays:
        raise CheckpointError(f"{path}: not a probflow checkpoint (no header)")
    try:
        header = json.loads(arrays.pop(HEADER).tobytes().decode())
    except (UnicodeDecodeError, json.JSONDecodeError) as err:
        raise CheckpointError(f"{path}: damaged checkpoint header ({err})") from err
    if header.get("format") != expected_format:
        raise CheckpointError(f"{path}: a {header.get('format')!r} file, expected "
                              f"{expected_format!r}")
    if header.get("version") != expected_version:
        raise CheckpointError(f"{path}: {expected_format} format version "
                              f"{header.get('version')}; this probflow reads version "
                              f"{expected_version}")
    return header, arrays


def _is_key(leaf: Any) -> bool:
    return hasattr(leaf, "dtype") and jnp.issubdtype(leaf.dtype, jax.dtypes.prng_key)


def tree_to_arrays(prefix: str,
                   tree: PyTree) -> tuple[dict[str, np.ndarray], list[dict[str, Any]]]:
    """The leaves of ``tree`` as ``{f"{prefix}{i}": array}`` and a JSON-able description of each
    leaf (shape, dtype, PRNG implementation for typed keys).

    Examples:
        >>> import jax, jax.numpy as jnp
        >>> arrays, leaves = tree_to_arrays("s/", {"a": jnp.ones(2), "k": jax.random.key(0)})
        >>> sorted(arrays), leaves[1]["key_impl"]
        (['s/0', 's/1'], 'threefry2x32')
    """
    arrays: dict[str, np.ndarray] = {}
    described: list[dict[str, Any]] = []
    for i, leaf in enumerate(jax.tree_util.tree_leaves(tree)):
        info: dict[str, Any] = {}
        if _is_key(leaf):
            info["key_impl"] = str(jax.random.key_impl(leaf))
            leaf = jax.random.key_data(leaf)
        value = np.asarray(leaf)
        info.update(shape=list(value.shape), dtype=str(value.dtype))
        arrays[f"{prefix}{i}"] = value
        described.append(info)
    return arrays, described


def arrays_to_tree(prefix: str, arrays: dict[str, Any], template: PyTree, where: str,
                   leaves_info: list[dict[str, Any]] | None = None) -> PyTree:
    """Rebuild a tree shaped like ``template`` from
    [`tree_to_arrays`][probflow.core.checkpoint.tree_to_arrays]'s output, checking that every
    leaf has the template's shape and dtype (``where`` names the file in errors).

    ``template`` may hold arrays or ``jax.ShapeDtypeStruct``s; ``leaves_info`` is the
    description ``tree_to_arrays`` returned (it gives typed keys their implementation).

    Examples:
        >>> import jax, jax.numpy as jnp
        >>> tree = {"a": jnp.ones(2), "k": jax.random.key(0)}
        >>> arrays, info = tree_to_arrays("s/", tree)
        >>> back = arrays_to_tree("s/", arrays, tree, "demo", info)
        >>> bool((jax.random.key_data(back["k"]) == jax.random.key_data(tree["k"])).all())
        True
    """
    leaves, treedef = jax.tree_util.tree_flatten(template)
    restored = []
    for i, leaf in enumerate(leaves):
        name = f"{prefix}{i}"
        if name not in arrays:
            raise CheckpointError(f"{where}: entry {name!r} is missing; the checkpoint holds "
                                  f"another structure of state (another sampler, optimizer or "
                                  f"model?)")
        value = arrays[name]
        want_shape = tuple(leaf.shape)
        if _is_key(leaf):
            impl = (leaves_info or [{}] * len(leaves))[i].get("key_impl")
            if impl is None:
                raise CheckpointError(f"{where}: entry {name!r} should hold PRNG keys; the "
                                      f"checkpoint stored plain numbers")
            key = jax.random.wrap_key_data(value, impl=impl)
            if tuple(key.shape) != want_shape:
                raise CheckpointError(f"{where}: key entry {name!r} holds {key.shape} keys, "
                                      f"expected {want_shape} (another number of chains or "
                                      f"another run?)")
            restored.append(key)
            continue
        want_dtype = np.dtype(leaf.dtype)
        if tuple(value.shape) != want_shape or value.dtype != want_dtype:
            raise CheckpointError(
                f"{where}: entry {name!r} is {value.dtype}{list(value.shape)}, expected "
                f"{want_dtype}{list(want_shape)}; the checkpoint was written for another model, "
                f"network, number of chains or precision (jax_enable_x64)")
        restored.append(jax.numpy.asarray(value))
    extra = [k for k in arrays
             if k.startswith(prefix) and k[len(prefix):].isdigit()
             and int(k[len(prefix):]) >= len(leaves)]
    if extra:
        raise CheckpointError(f"{where}: {len(extra)} more state entries than this run has; "
                              f"the checkpoint holds another structure of state")
    return jax.tree_util.tree_unflatten(treedef, restored)
