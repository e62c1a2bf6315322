"""Saving and loading [`Sequential`][probflow.layers.sequential.Sequential] networks as ``.npz``
files.

The file holds the architecture as a JSON string (``__config__``), a format version and one
array per parameter leaf (``param/<layer>/<path>``). Nothing is pickled: loading uses
``numpy.load(allow_pickle=False)``, rebuilds priors only from an allow-list of distribution
classes, and a corrupted, truncated or foreign file raises a ``ValueError`` that names it.

Saving is atomic: the data go to a hidden ``.<name>.partial`` file next to the target
(created with the user's umask, like ``numpy.savez``), which is flushed to disk
(``fsync``), renamed over the target, and the directory synced. A save killed half-way
leaves at most that ``.partial`` file, never a file that looks like a network; the next
save to the same path reuses and removes it. Concurrent saves to one path are serialised
with an advisory lock where the platform has ``fcntl``.
"""

from __future__ import annotations

import json
import os
import zipfile
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import jax
import jax.numpy as jnp
import numpy as np

if TYPE_CHECKING:
    from probflow.layers.sequential import Sequential

try:  # POSIX only; elsewhere concurrent saves to one path are not serialised
    import fcntl
except ImportError:  # pragma: no cover
    fcntl = None

__all__ = ["save", "load", "partial_path"]

FORMAT = "probflow.layers/1"
_ZIP_MAGIC = (b"PK\x03\x04", b"PK\x05\x06")


def _leaf_key(i: int, path: Sequence[Any]) -> str:
    parts = [str(getattr(p, "key", getattr(p, "idx", p))) for p in path]
    return "/".join(["param", str(i)] + parts)


def partial_path(path: str | os.PathLike[str]) -> str:
    """The temporary file [`save`][probflow.layers.io.save] writes before renaming it to ``path``.

    Examples:
        >>> partial_path("/data/net.npz")
        '/data/.net.npz.partial'
    """
    path = os.path.abspath(os.fspath(path))
    return os.path.join(os.path.dirname(path), f".{os.path.basename(path)}.partial")


def _open_partial(partial: str) -> int:
    """Open (creating with mode 0666 less the umask) and lock ``partial``; return the fd."""
    while True:
        # No O_EXCL (a stale file is reused); O_NOFOLLOW: never write through a symlink.
        fd = os.open(partial, os.O_WRONLY | os.O_CREAT | getattr(os, "O_NOFOLLOW", 0),
                     0o666)
        if fcntl is None:
            return fd
        try:
            fcntl.flock(fd, fcntl.LOCK_EX)  # waits for a concurrent save of the same path
            here = os.stat(partial)
            mine = os.fstat(fd)
            if (here.st_ino, here.st_dev) == (mine.st_ino, mine.st_dev):
                return fd
        except FileNotFoundError:
            pass  # the other save renamed it away while we waited: start again
        except BaseException:
            os.close(fd)
            raise
        os.close(fd)


def _fsync_directory(directory: str) -> None:
    try:
        fd = os.open(directory, os.O_RDONLY)
    except OSError:  # e.g. Windows cannot open directories
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def save(net: Sequential, path: str | os.PathLike[str]) -> None:
    """Write ``net`` (built or trained) to ``path`` atomically.

    The file gets the permissions ``numpy.savez`` would give it (``0666`` less the umask);
    see the module description for the temporary ``.partial`` file and the syncing.

    Examples:
        >>> import jax, os, tempfile
        >>> from probflow import layers
        >>> net = layers.Sequential([layers.Dense(2), layers.CategoricalHead()])
        >>> _ = net.build(jax.random.key(0), (3,))
        >>> save(net, os.path.join(tempfile.mkdtemp(), "net.npz"))
    """
    if net.params is None:
        raise RuntimeError("save: the network has no parameters yet; fit or build it first")
    path = os.fspath(path)
    config = json.dumps(net.get_config())
    # (Any values: numpy's stubs would match **arrays against savez's allow_pickle)
    arrays: dict[str, Any] = {"__config__": np.asarray(config),
                              "__format__": np.asarray(FORMAT)}
    for i, p in enumerate(net.params):
        for leaf_path, leaf in jax.tree_util.tree_flatten_with_path(p)[0]:
            arrays[_leaf_key(i, leaf_path)] = np.asarray(leaf)
    if os.path.isdir(path):
        raise IsADirectoryError(f"save: {path!r} is a directory; give a file path such as "
                                f"{os.path.join(path, 'net.npz')!r}")
    partial = partial_path(path)
    fd = _open_partial(partial)
    try:
        os.ftruncate(fd, 0)  # a stale partial file from a killed save is reused
        with os.fdopen(fd, "wb", closefd=False) as f:
            np.savez(f, **arrays)
            f.flush()
            os.fsync(fd)
        os.replace(partial, path)
    except BaseException:
        try:
            os.remove(partial)
        except OSError:
            pass
        raise
    finally:
        os.close(fd)
    _fsync_directory(os.path.dirname(partial))


def load(path: str | os.PathLike[str]) -> Sequential:
    """Read a network written by [`Sequential.save`][probflow.layers.sequential.Sequential.save];
    returns a built ``Sequential``.

    Examples:
        >>> import jax, os, tempfile
        >>> from probflow import layers
        >>> net = layers.Sequential([layers.Dense(2), layers.CategoricalHead()])
        >>> _ = net.build(jax.random.key(0), (3,))
        >>> path = os.path.join(tempfile.mkdtemp(), "net.npz")
        >>> net.save(path)
        >>> layers.load(path).input_shape
        (3,)
    """
    from probflow.layers.base import layer_from_config
    from probflow.layers.sequential import Sequential

    path = os.fspath(path)
    if not os.path.exists(path):
        raise FileNotFoundError(f"load: no such file {path!r}")
    if os.path.isdir(path):
        raise IsADirectoryError(f"load: {path!r} is a directory, not a probflow network file")
    with open(path, "rb") as f:
        start = f.read(4)
    if start not in _ZIP_MAGIC:
        raise ValueError(f"load: {path!r} is not a probflow network file: those are .npz "
                         f"(zip) archives written by Sequential.save, but this file starts "
                         f"with {start!r}")
    try:
        with np.load(path, allow_pickle=False) as data:
            arrays = {k: data[k] for k in data.files}
    except ValueError as e:
        if "allow_pickle" not in str(e):
            raise ValueError(f"load: {path!r} is not a readable probflow network file "
                             f"(corrupted or truncated .npz): {e}") from e
        raise ValueError(f"load: {path!r} is not a probflow network file: it holds pickled "
                         f"(object) arrays, which Sequential.save never writes and load "
                         f"never unpickles") from None
    except (zipfile.BadZipFile, EOFError, OSError, KeyError) as e:
        raise ValueError(f"load: {path!r} is not a readable probflow network file (corrupted "
                         f"or truncated .npz): {type(e).__name__}: {e}") from e
    if "__config__" not in arrays or str(arrays.get("__format__", "")) != FORMAT:
        raise ValueError(f"load: {path!r} is not a probflow network file (missing "
                         f"'__config__' or format {FORMAT!r}); found keys {sorted(arrays)[:10]}")
    try:
        config = json.loads(str(arrays["__config__"]))
        layers = [layer_from_config(c) for c in config["layers"]]
    except (json.JSONDecodeError, KeyError, TypeError, ValueError) as e:
        raise ValueError(f"load: {path!r} has a damaged or unsupported architecture "
                         f"description: {e}") from e
    net = Sequential(layers, name=config.get("name"))
    net.kl_weight = float(config.get("kl_weight", 1.0))
    if config.get("input_shape") is None:
        return net
    dtype = None
    for k, v in arrays.items():
        if k.startswith("param/") and np.issubdtype(v.dtype, np.floating):
            dtype = v.dtype
            break
    dtype = jnp.float32 if dtype is None else dtype
    input_dtype = np.dtype(config["input_dtype"]) if config.get("input_dtype") else dtype
    template = net.init(jax.random.key(0), config["input_shape"], dtype, input_dtype)
    params = []
    for i, p in enumerate(template):
        leaves = []
        for leaf_path, leaf in jax.tree_util.tree_flatten_with_path(p)[0]:
            name = _leaf_key(i, leaf_path)
            if name not in arrays:
                raise ValueError(f"load: {path!r} lacks parameter {name!r} needed by the saved "
                                 f"architecture")
            value = arrays[name]
            if value.shape != leaf.shape:
                raise ValueError(f"load: parameter {name!r} in {path!r} has shape "
                                 f"{value.shape}, the architecture needs {leaf.shape}")
            leaves.append(jnp.asarray(value))
        params.append(jax.tree_util.tree_unflatten(jax.tree_util.tree_structure(p), leaves))
    net.params = tuple(params)
    net.input_shape = tuple(config["input_shape"])
    net.input_dtype = jnp.dtype(input_dtype)
    return net
