"""Chains over several processes (hosts): JAX's multi-controller runtime, used as it is.

Every process runs the same Python program. After ``jax.distributed.initialize(...)`` (or
[`initialize`][probflow.mcmc.distributed.initialize], which also turns on CPU collectives),
``jax.devices()`` lists the devices of every process, and
``pf.mcmc.sample(..., chain_method="parallel")`` shards the chains over all of them: each
device advances its own chains, and after every chunk the draws are gathered
(``jax.experimental.multihost_utils.process_allgather``), so that every process returns the
same ``InferenceData``. The chunk lengths (chosen from timings) and Ctrl-C are agreed between
processes (process 0 decides), so all of them run the same compiled programs in the same
order.

A chain's draws depend on its key (``jax.random.split(key, num_chains)[i]``) and on the
program its device runs. With one chain per device, a run over 2 processes x 2 devices gives
the same draws as one process with 4 devices; with several chains per device the batch
size differs between layouts, XLA may order floating-point operations differently, and the
draws agree in distribution only (see the "Scaling and long runs" docs page).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import jax
import jax.numpy as jnp
import numpy as np
from jax.experimental import multihost_utils
from jax.sharding import Mesh, NamedSharding, PartitionSpec

from probflow.typing import PyTree

__all__ = ["initialize", "is_multiprocess", "chain_mesh", "to_global", "to_host", "to_local",
           "local_chains", "agree", "gather"]


def initialize(coordinator_address: str, num_processes: int, process_id: int, *,
               local_device_count: int | None = None) -> None:
    """Join a multi-process run: ``jax.distributed.initialize`` plus what CPUs need.

    Call it first thing in every process (before any JAX computation). On CPUs it selects
    the gloo collectives (cross-process communication) and, with ``local_device_count``,
    splits each process's CPU into that many devices. On GPUs and TPUs it is
    ``jax.distributed.initialize`` (``local_device_count`` must then be ``None``).

    Args:
        coordinator_address: ``"host:port"`` of process 0, reachable by all processes.
        num_processes: how many processes take part.
        process_id: this process's number, ``0 ... num_processes - 1``.
        local_device_count: CPU devices per process (``None``: JAX's default, one).

    Examples:
        >>> # in each of two shells (process_id 0 and 1):
        >>> # pf.mcmc.distributed.initialize("10.0.0.1:1234", 2, process_id,
        >>> #                                local_device_count=2)
        >>> is_multiprocess()
        False
    """
    if not isinstance(num_processes, int) or num_processes < 1:
        raise ValueError(f"initialize: num_processes must be a positive int, got "
                         f"{num_processes!r}")
    if not isinstance(process_id, int) or not 0 <= process_id < num_processes:
        raise ValueError(f"initialize: process_id must be an int in [0, {num_processes}), got "
                         f"{process_id!r}")
    jax.config.update("jax_cpu_collectives_implementation", "gloo")
    if local_device_count is not None:
        jax.config.update("jax_num_cpu_devices", int(local_device_count))
    jax.distributed.initialize(coordinator_address, num_processes=num_processes,
                               process_id=process_id)


def is_multiprocess() -> bool:
    """Whether this program runs as one of several JAX processes.

    Examples:
        >>> is_multiprocess()
        False
    """
    return jax.process_count() > 1


def chain_mesh(num_chains: int) -> Mesh:
    """The 1-d mesh (axis ``"chains"``) that ``chain_method="parallel"`` shards chains over.

    One process: the largest number of its devices that divides ``num_chains``. Several
    processes: every device of every process, so ``num_chains`` must be a multiple of
    ``jax.device_count()``.

    Examples:
        >>> chain_mesh(4).axis_names
        ('chains',)
    """
    devices = jax.devices()
    if is_multiprocess():
        if num_chains % len(devices):
            raise ValueError(
                f"sample: with {jax.process_count()} processes, chain_method='parallel' needs "
                f"num_chains to be a multiple of the {len(devices)} devices, got num_chains="
                f"{num_chains}")
        return Mesh(np.asarray(devices), ("chains",))
    count = min(len(devices), num_chains)
    while num_chains % count:
        count -= 1
    return Mesh(np.asarray(devices[:count]), ("chains",))


def _is_key(x: Any) -> bool:
    return hasattr(x, "dtype") and jnp.issubdtype(x.dtype, jax.dtypes.prng_key)


def _map_arrays(tree: PyTree, fn: Callable[[Any], Any]) -> PyTree:
    """``fn`` over the leaves of ``tree``; a typed PRNG key goes through ``fn`` as its raw key
    data and is wrapped again (global arrays and NumPy cannot hold key dtypes)."""
    def one(x: Any) -> Any:
        if _is_key(x):
            impl = jax.random.key_impl(x)
            return jax.random.wrap_key_data(fn(jax.random.key_data(x)), impl=impl)
        return fn(x)

    return jax.tree_util.tree_map(one, tree)


def to_global(tree: PyTree, mesh: Mesh, sharded: bool) -> PyTree:
    """Arrays of ``tree`` (identical in every process) as global arrays on ``mesh``: split
    along the leading (chain) axis when ``sharded``, else replicated. Non-array leaves are
    kept.

    Examples:
        >>> import jax.numpy as jnp
        >>> x = to_global(jnp.ones((4, 2)), chain_mesh(4), sharded=True)
        >>> x.shape
        (4, 2)
    """
    spec = PartitionSpec("chains") if sharded else PartitionSpec()
    sharding = NamedSharding(mesh, spec)

    def one(x: Any) -> Any:
        if not hasattr(x, "shape") or not hasattr(x, "dtype"):
            return x
        host = np.asarray(x)
        return jax.make_array_from_callback(host.shape, sharding, lambda index: host[index])

    return _map_arrays(tree, one)


def _to_numpy(tree: PyTree, spread: Callable[[jax.Array], np.ndarray]) -> PyTree:
    """NumPy copies of the arrays of ``tree`` (keys kept as keys); ``spread`` reads an array
    that lies partly in other processes."""
    def one(x: Any) -> Any:
        if isinstance(x, jax.Array) and not x.is_fully_addressable:
            return spread(x)
        if isinstance(x, jax.Array):
            return np.asarray(x)
        return x

    return _map_arrays(tree, one)


def to_host(tree: PyTree) -> PyTree:
    """NumPy copies of the arrays of ``tree``, gathered from every process when they are
    spread over several (a collective: every process must call it).

    Examples:
        >>> import jax.numpy as jnp
        >>> to_host({"a": jnp.arange(3)})["a"].tolist()
        [0, 1, 2]
    """
    return _to_numpy(tree, lambda x: np.asarray(multihost_utils.process_allgather(x,
                                                                               tiled=True)))


def to_local(tree: PyTree) -> PyTree:
    """NumPy copies of this process's rows of the arrays of ``tree``: the chains on its own
    devices, in chain order, with nothing sent between processes (arrays held whole are
    copied whole).

    Examples:
        >>> import jax.numpy as jnp
        >>> to_local({"a": jnp.arange(3)})["a"].tolist()
        [0, 1, 2]
    """
    def own_rows(x: jax.Array) -> np.ndarray:
        shards = sorted(x.addressable_shards, key=lambda s: s.index[0].start or 0)
        return np.concatenate([np.asarray(s.data) for s in shards], axis=0)

    return _to_numpy(tree, own_rows)


def local_chains(num_chains: int) -> np.ndarray:
    """The (global) numbers of the chains that this process's devices run under
    ``chain_method="parallel"``, in the order of [`to_local`][probflow.mcmc.distributed.to_local].

    Examples:
        >>> local_chains(4).tolist()
        [0, 1, 2, 3]
    """
    devices = list(chain_mesh(num_chains).devices.reshape(-1))
    per_device = num_chains // len(devices)
    mine = [i for i, d in enumerate(devices) if d.process_index == jax.process_index()]
    return np.concatenate([np.arange(i * per_device, (i + 1) * per_device) for i in mine])


def agree(value: int) -> int:
    """Process 0's ``value`` in every process (itself with one process).

    Examples:
        >>> agree(7)
        7
    """
    if not is_multiprocess():
        return value
    return int(multihost_utils.broadcast_one_to_all(np.int64(value)))


def gather(value: int) -> list[int]:
    """Every process's ``value``, in process order (``[value]`` with one process; a
    collective: every process must call it).

    Examples:
        >>> gather(7)
        [7]
    """
    if not is_multiprocess():
        return [value]
    values = multihost_utils.process_allgather(np.int64(value))
    return [int(v) for v in np.asarray(values).reshape(-1)]
