"""Data-parallel likelihoods: a Posterior whose observations are split over devices.

[`shard_data`][probflow.models.sharding.shard_data] places the observed data (and the model
arguments you name, such as a design matrix) as global ``jax.Array``s split along the
observation axis over a one-dimensional device mesh (axis name ``"data"``); every other array
of the posterior is replicated. Nothing else changes: the Posterior is a PyTree, so the
compiled programs of ``pf.mcmc.sample`` and ``pf.vi.fit`` receive these arrays as they are, and
JAX's sharding propagation (GSPMD) computes each device's rows of the likelihood where its
data lives and sums the per-device totals with one all-reduce inside the compiled step. The
gradient follows the same way. No probflow code runs per device and no new runtime is
involved: the result is a plain [`Posterior`][probflow.models.posterior.Posterior].

The sizes must divide: every sharded array's length along ``axis`` must be a multiple of the
number of devices. Padding with masked rows is deliberately not done for you: the model's
code sees the observation count (``x.shape[0]``), may hold one latent per row, or compute
``pf.Factor`` terms and ``pf.Deterministic`` values from the rows, and none of these can be
masked from outside the model without changing what it means. Drop or pad rows yourself (a
mask passed as a model argument, multiplied into the log likelihood, does it exactly).
"""

from __future__ import annotations

import inspect
from collections.abc import Callable, Iterable, Sequence
from typing import TYPE_CHECKING, Any, TypeAlias

import jax
import numpy as np
from jax.sharding import Mesh, NamedSharding, PartitionSpec

from probflow.core.errors import ShapeError
from probflow.models.checks import bound_model_arguments
from probflow.models.posterior import Posterior
from probflow.typing import Array, ArrayLike, PyTree

if TYPE_CHECKING:
    from probflow.models.joint import GeneratorModel

__all__ = ["shard_data", "data_mesh", "DATA_AXIS"]

# jax.Device: jaxlib ships no type stubs, so pyright cannot use the class in annotations
Device: TypeAlias = Any

DATA_AXIS = "data"
"""Name of the mesh axis the observations are split over."""


def data_mesh(devices: int | Sequence[Device] | None = None) -> Mesh:
    """A one-dimensional device mesh with axis ``"data"`` for sharding observations.

    Args:
        devices: ``None`` (every device of ``jax.devices()``), a number ``n`` (the first
            ``n`` of them), or a sequence of ``jax.Device``s (distinct).

    Returns:
        a ``jax.sharding.Mesh`` of shape ``{"data": number of devices}``.

    Examples:
        >>> import jax
        >>> mesh = data_mesh(1)
        >>> mesh.axis_names, mesh.devices.shape
        (('data',), (1,))
    """
    available = jax.devices()
    if devices is None:
        chosen = list(available)
    elif isinstance(devices, int | np.integer) and not isinstance(devices, bool):
        if not 1 <= int(devices) <= len(available):
            raise ValueError(
                f"shard_data: devices={int(devices)} must be between 1 and the number of "
                f"devices, {len(available)} (on a CPU, more devices come from "
                f"pf.set_host_device_count(n) before JAX starts)"
            )
        chosen = list(available[: int(devices)])
    elif isinstance(devices, Sequence) and not isinstance(devices, str | bytes):
        chosen = list(devices)
        bad = [d for d in chosen if not isinstance(d, jax.Device)]
        if not chosen or bad:
            raise TypeError(
                f"shard_data: devices must be None, a number, or a non-empty sequence of "
                f"jax.Device; got {devices!r}"
            )
        if len(set(chosen)) != len(chosen):
            raise ValueError(f"shard_data: devices lists a device twice: {chosen}")
    else:
        raise TypeError(
            f"shard_data: devices must be None, a number, or a sequence of jax.Device; got "
            f"{devices!r}"
        )
    return Mesh(np.asarray(chosen, dtype=object), (DATA_AXIS,))


def shard_data(posterior: Posterior, *, devices: int | Sequence[Device] | None = None,
               axis: int = 0, names: Iterable[str] | None = None) -> Posterior:
    """Split a posterior's observations over devices; the likelihood is summed across them.

    Every observed variable's data, and every array in the model arguments listed in
    ``names``, becomes a global array split along ``axis`` over ``devices``; every other
    array of the posterior (other model arguments, parameters of a named or sequential joint
    distribution) is replicated on those devices. The result is the same kind of
    [`Posterior`][probflow.models.posterior.Posterior] with the same log density;
    ``pf.mcmc.sample`` (``chain_method="vectorized"`` or ``"sequential"``) and ``pf.vi.fit``
    take it as it is. Each device then evaluates the likelihood of its own rows and the totals
    are added by an all-reduce inside the compiled step (the data is never gathered to one
    device). It pays when the likelihood dominates the cost: large data, several devices.

    A separate function rather than an argument of ``condition``: the same model and data can
    be placed on different devices without conditioning again, and the arguments to split
    (``names``) are the model's, which ``condition`` does not take.

    Args:
        posterior: a [`Posterior`][probflow.models.posterior.Posterior] (``model.condition(...)``).
        devices: ``None`` (all of ``jax.devices()``), a number ``n`` (the first ``n``), or a
            sequence of devices.
        axis: the observation axis of the sharded arrays (the same for all of them).
        names: names of ``@pf.model`` arguments to split along ``axis`` as well (for example
            the design matrix ``"x"``); an argument that is a container (dict, tuple) has all
            its arrays split.

    Returns:
        a Posterior whose data lives on ``devices``.

    Raises:
        ValueError: an array's length along ``axis`` is not a multiple of the number of
            devices, or a name in ``names`` is not an argument of the model.
        ShapeError: an array to split has no axis ``axis``.
        TypeError: ``posterior`` is not a Posterior, or ``names`` is given for a model
            without named arguments.

    Examples:
        >>> import jax, jax.numpy as jnp
        >>> import probflow as pf
        >>> from probflow import distributions as pfd
        >>> @pf.model
        ... def regression(x):
        ...     beta = yield pfd.Normal(jnp.zeros(2), 1.0, name="beta")
        ...     yield pfd.Normal(x @ beta, 1.0, name="y")
        >>> x, y = jnp.ones((8, 2)), jnp.zeros(8)
        >>> posterior = regression(x).condition(y=y)
        >>> sharded = pf.shard_data(posterior, names=["x"])
        >>> sharded.data["y"].sharding.spec
        P('data',)
        >>> z = {"beta": jnp.asarray([0.1, -0.2])}
        >>> bool(jnp.allclose(sharded.unconstrained_log_density(z),
        ...                   posterior.unconstrained_log_density(z)))
        True
    """
    if not isinstance(posterior, Posterior):
        raise TypeError(f"shard_data: posterior must be a pf.Posterior (model.condition(...)), "
                        f"got {type(posterior).__name__}")
    if isinstance(axis, bool) or not isinstance(axis, int | np.integer) or axis < 0:
        raise ValueError(f"shard_data: axis must be a non-negative int (the observation axis), "
                         f"got {axis!r}")
    axis = int(axis)
    names = _check_names(posterior.model, names)
    mesh = data_mesh(devices)
    num_devices = mesh.devices.size
    split = NamedSharding(mesh, PartitionSpec(*([None] * axis), DATA_AXIS))
    replicated = NamedSharding(mesh, PartitionSpec())

    def place(what: str, value: ArrayLike) -> Array:
        value = jax.numpy.asarray(value)
        if value.ndim <= axis:
            raise ShapeError(
                f"shard_data: {what} has shape {tuple(value.shape)}, with no axis {axis} to split "
                f"the observations along; give axis= the observation axis"
            )
        size = value.shape[axis]
        if size % num_devices:
            below = size - size % num_devices
            raise ValueError(
                f"shard_data: {what} has {size} rows along axis {axis}, not a multiple of the "
                f"{num_devices} devices; use {below} or {below + num_devices} rows, or fewer "
                f"devices (padded rows must be masked out of the likelihood by the model itself)"
            )
        return jax.device_put(value, split)

    data = {name: place(f"the data for {name!r}", value)
            for name, value in posterior.data.items()}
    model = _replicate(posterior.model, replicated)
    if names:
        model = _split_arguments(model, names, place)
    return posterior.replace(model=model, data=data)


def _check_names(model: Any, names: Iterable[str] | None) -> tuple[str, ...]:
    if names is None:
        return ()
    if isinstance(names, str):
        names = (names,)
    names = tuple(names)
    bad = [n for n in names if not isinstance(n, str)]
    if bad:
        raise TypeError(f"shard_data: names must be argument names (strings), got {bad}")
    if not names:
        return ()
    arguments = bound_model_arguments(model)
    if not hasattr(model, "_arguments"):
        raise TypeError(
            f"shard_data: names={list(names)} needs a @pf.model model (its arguments are split); "
            f"a {type(model).__name__} has no arguments"
        )
    unknown = [n for n in names if n not in arguments]
    if unknown:
        raise ValueError(f"shard_data: names {unknown} are not arguments the model was called "
                         f"with; its arguments are {list(arguments)}")
    return names


def _replicate(tree: PyTree, sharding: NamedSharding) -> PyTree:
    """Every array leaf of ``tree`` replicated over the mesh of ``sharding``."""
    def put(leaf: Any) -> Any:
        if isinstance(leaf, jax.Array | np.ndarray):
            return jax.device_put(leaf, sharding)
        return leaf

    return jax.tree_util.tree_map(put, tree)


def _split_arguments(model: GeneratorModel, names: tuple[str, ...],
                     place: Callable[[str, ArrayLike], Array]) -> GeneratorModel:
    """``model`` (a ``GeneratorModel``) with the arrays of the arguments ``names`` split."""
    args, kwargs = model._arguments()
    args, kwargs = list(args), dict(kwargs)
    parameters = list(inspect.signature(model.fn).parameters.values())
    positional = [p.name for p in parameters
                  if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)]
    for name in names:
        def split(path: Any, leaf: Any, name: str = name) -> Any:
            if isinstance(leaf, jax.Array | np.ndarray):
                return place(f"the model argument {name + jax.tree_util.keystr(path)!r}", leaf)
            return leaf

        if name in kwargs:
            kwargs[name] = jax.tree_util.tree_map_with_path(split, kwargs[name])
            value = kwargs[name]
        elif name in positional and positional.index(name) < len(args):
            index = positional.index(name)
            args[index] = jax.tree_util.tree_map_with_path(split, args[index])
            value = args[index]
        else:
            raise ValueError(f"shard_data: cannot split the model argument {name!r} (a *args or "
                             f"**kwargs parameter); pass the data as a named argument")
        if not any(isinstance(leaf, jax.Array | np.ndarray)
                   for leaf in jax.tree_util.tree_leaves(value)):
            raise TypeError(f"shard_data: the model argument {name!r} holds no array to split "
                            f"(got {value!r})")
    leaves = jax.tree_util.tree_leaves((tuple(args), kwargs))
    original = jax.tree_util.tree_leaves(model._arguments())
    arrays = tuple(new for new, old in zip(leaves, original, strict=True)
                   if any(old is a for a in model.array_args))
    return model.replace(array_args=arrays)
