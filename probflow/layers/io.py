"""Saving and loading :class:`~probflow.layers.Sequential` networks as ``.npz`` files.

The file holds the architecture as a JSON string (``__config__``), a format version and one
array per parameter leaf (``param/<layer>/<path>``). Nothing is pickled: loading uses
``numpy.load(allow_pickle=False)``, and a corrupted or truncated file raises a ``ValueError``
that names the file.
"""

from __future__ import annotations

import json
import os
import tempfile
import zipfile

import jax
import jax.numpy as jnp
import numpy as np

__all__ = ["save", "load"]

FORMAT = "probflow.layers/1"


def _leaf_key(i: int, path) -> str:
    parts = [str(getattr(p, "key", getattr(p, "idx", p))) for p in path]
    return "/".join(["param", str(i)] + parts)


def save(net, path) -> None:
    """Write ``net`` (built or trained) to ``path`` atomically.

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
    arrays = {"__config__": np.asarray(config), "__format__": np.asarray(FORMAT)}
    for i, p in enumerate(net.params):
        for leaf_path, leaf in jax.tree_util.tree_flatten_with_path(p)[0]:
            arrays[_leaf_key(i, leaf_path)] = np.asarray(leaf)
    directory = os.path.dirname(os.path.abspath(path))
    fd, tmp = tempfile.mkstemp(suffix=".npz", dir=directory)
    os.close(fd)
    try:
        np.savez(tmp, **arrays)
        os.replace(tmp, path)
    finally:
        if os.path.exists(tmp):
            os.remove(tmp)


def load(path):
    """Read a network written by :meth:`Sequential.save`; returns a built ``Sequential``.

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
    try:
        with np.load(path, allow_pickle=False) as data:
            arrays = {k: data[k] for k in data.files}
    except (zipfile.BadZipFile, EOFError, OSError, ValueError, KeyError) as e:
        raise ValueError(f"load: {path!r} is not a readable probflow network file (corrupted "
                         f"or truncated .npz): {type(e).__name__}: {e}") from e
    if "__config__" not in arrays or str(arrays.get("__format__", "")) != FORMAT:
        raise ValueError(f"load: {path!r} is not a probflow network file (missing "
                         f"'__config__' or format {FORMAT!r}); found keys {sorted(arrays)[:10]}")
    try:
        config = json.loads(str(arrays["__config__"]))
        layers = [layer_from_config(c) for c in config["layers"]]
    except (json.JSONDecodeError, KeyError, TypeError) as e:
        raise ValueError(f"load: {path!r} has a damaged architecture description: {e}") from e
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
