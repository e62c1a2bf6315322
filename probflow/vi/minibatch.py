"""Minibatches: which leaves of a Posterior are per-observation, and how a step subsamples them.

``pf.vi.fit(posterior, data={...}, batch_size=B)``: every key of ``data`` names either an
array argument of the ``@pf.model`` function (``x`` in ``model(x)``) or an observed variable
of the posterior (``y`` in ``.condition(y=...)``); all of them share a leading axis of
length ``N`` (one row per observation). Each step takes ``B`` distinct rows (an epoch is a
random permutation of the rows, cut into ``N // B`` batches), rebuilds the posterior with
those rows, and scales the log likelihood of the observed variables named in ``data`` by
``N / B``, an unbiased estimate of the full-data log likelihood. Priors, other observed
variables and ``pf.Factor`` terms are not scaled. Latent variables must not be
per-observation (their number would change with the batch).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any, NamedTuple, cast

import jax
import jax.numpy as jnp

from probflow.core.checks import check_count
from probflow.models.checks import bound_model_arguments, check_finite_arrays
from probflow.typing import Array, ArrayLike

if TYPE_CHECKING:
    from probflow.models.posterior import Posterior

__all__ = ["MinibatchPlan", "plan_minibatches", "take_rows", "scaled_log_density"]


class MinibatchPlan(NamedTuple):
    """Static description of the minibatched leaves (hashable, a static jit argument).

    Attributes:
        arg_slots: ``(name, index)`` pairs: model argument ``name`` is ``model.array_args[index]``.
        observed: observed variable names subsampled (their log likelihood is scaled).
        num_rows: ``N``.
        batch_size: ``B``.

    Examples:
        >>> MinibatchPlan((), ("y",), 100, 10).batches_per_epoch
        10
    """

    arg_slots: tuple[tuple[str, int], ...]
    observed: tuple[str, ...]
    num_rows: int
    batch_size: int

    @property
    def batches_per_epoch(self) -> int:
        """``N // B`` (the remaining rows of an epoch are skipped, different ones each epoch)."""
        return self.num_rows // self.batch_size

    @property
    def scale(self) -> float:
        """``N / B``, the factor on the minibatch log likelihood."""
        return self.num_rows / self.batch_size


def _model_argument_arrays(model: Any) -> dict[str, int]:
    """``{argument name: index in model.array_args}`` for a ``@pf.model`` model."""
    out = {}
    for name, value in bound_model_arguments(model).items():
        for index, array in enumerate(model.array_args):
            if array is value:
                out[name] = index
                break
    return out


def plan_minibatches(posterior: Posterior,
                     data: dict[str, ArrayLike] | list[str] | tuple[str, ...] | None,
                     batch_size: int | None) -> tuple[Posterior, MinibatchPlan | None]:
    """Check ``data``/``batch_size`` and return ``(posterior with the data, plan)``.

    ``data`` is a dict ``{name: array}`` (the full arrays, which replace those in the
    posterior) or a sequence of names (the arrays already in the posterior).

    Examples:
        >>> import jax.numpy as jnp
        >>> import probflow as pf
        >>> from probflow import distributions as pfd
        >>> @pf.model
        ... def m(x):
        ...     b = yield pfd.Normal(0.0, 1.0, name="b")
        ...     yield pfd.Normal(b * x, 1.0, name="y")
        >>> post = m(jnp.arange(10.0)).condition(y=jnp.zeros(10))
        >>> plan_minibatches(post, ["x", "y"], 5)[1]
        MinibatchPlan(arg_slots=(('x', 0),), observed=('y',), num_rows=10, batch_size=5)
    """
    if data is None:
        if batch_size is not None:
            raise ValueError("fit: batch_size needs data=, the per-observation arrays "
                             "(model arguments and observed variables) to subsample")
        return posterior, None
    if batch_size is None:
        raise ValueError("fit: data= needs batch_size= (the rows used per step)")
    if isinstance(data, str) or not isinstance(data, dict | list | tuple):
        raise TypeError(f"fit: data must be a dict {{name: array}} or a list of names, got "
                        f"{type(data).__name__}")
    if not data:
        raise ValueError("fit: data is empty; name at least one per-observation array")
    slots = _model_argument_arrays(posterior.model)
    model = posterior.model
    arrays = {}
    for name in data:
        if name in posterior.observed_names:
            current = posterior.data[name]
        elif name in slots:
            current = model.array_args[slots[name]]
        else:
            raise ValueError(
                f"fit: data key {name!r} is neither an array argument of the model "
                f"({sorted(slots)}) nor an observed variable ({list(posterior.observed_names)})")
        # (the cast: pyright narrows list[str] by isinstance(dict) to a list-dict hybrid)
        value = cast("dict[str, ArrayLike]", data)[name] if isinstance(data, dict) else current
        value = jnp.asarray(value)
        if value.ndim < 1:
            raise ValueError(f"fit: data[{name!r}] is a scalar; minibatched arrays need a "
                             f"leading axis of observations")
        if isinstance(data, dict) and value.shape[1:] != jnp.shape(current)[1:]:
            raise ValueError(f"fit: data[{name!r}] has shape {tuple(value.shape)}, but the "
                             f"posterior's has shape {tuple(jnp.shape(current))}; the trailing "
                             f"dimensions must agree")
        arrays[name] = value
    check_finite_arrays("fit", "data for", arrays)
    lengths = {name: int(value.shape[0]) for name, value in arrays.items()}
    if len(set(lengths.values())) > 1:
        raise ValueError(f"fit: the data arrays must share their leading length (the number of "
                         f"observations); got {lengths}")
    num_rows = next(iter(lengths.values()))
    batch_size = check_count("fit", "batch_size", batch_size)
    if batch_size > num_rows:
        raise ValueError(f"fit: batch_size={batch_size} is larger than the data, which has "
                         f"{num_rows} rows")
    new_args = list(model.array_args)
    arg_slots = []
    for name, value in arrays.items():
        if name in slots:
            new_args[slots[name]] = value
            arg_slots.append((name, slots[name]))
    if arg_slots:
        model = model.replace(array_args=tuple(new_args))
    observed = tuple(n for n in arrays if n in posterior.observed_names)
    new_data = {**posterior.data, **{n: arrays[n] for n in observed}}
    posterior = posterior.replace(model=model, data=new_data)
    plan = MinibatchPlan(tuple(arg_slots), observed, num_rows, int(batch_size))
    _check_batch_traces(posterior, plan)
    return posterior, plan


def _check_batch_traces(posterior: Posterior, plan: MinibatchPlan) -> None:
    """Trace the log density on a minibatch (no compilation) to report shape errors early."""
    def log_density(rows: Array) -> Array | float:
        batch = take_rows(posterior, plan, rows)
        z = jax.tree_util.tree_map(lambda s: jnp.zeros(s.shape, s.dtype),
                                   batch.unconstrained_template())
        return scaled_log_density(batch, z, scale=plan.scale, scaled=plan.observed)

    try:
        jax.eval_shape(log_density, jax.ShapeDtypeStruct((plan.batch_size,), jnp.int32))
    except Exception as err:  # any failure here comes from the data or their shapes
        names = [n for n, _ in plan.arg_slots] + list(plan.observed)
        raise ValueError(
            f"fit: the model fails on a minibatch of {plan.batch_size} rows of {names} "
            f"({type(err).__name__}: {err}); every per-observation array (model arguments and "
            f"observed variables with {plan.num_rows} rows) must be named in data=") from err


def take_rows(posterior: Posterior, plan: MinibatchPlan, rows: ArrayLike) -> Posterior:
    """The posterior with the planned leaves replaced by their rows ``rows``.

    Examples:
        >>> import jax.numpy as jnp
        >>> import probflow as pf
        >>> from probflow import distributions as pfd
        >>> @pf.model
        ... def m():
        ...     b = yield pfd.Normal(0.0, 1.0, name="b")
        ...     yield pfd.Normal(jnp.full(4, b), 1.0, name="y")
        >>> post = m().condition(y=jnp.arange(4.0))
        >>> take_rows(post, MinibatchPlan((), ("y",), 4, 2), jnp.asarray([3, 1])).data["y"]
        Array([3., 1.], dtype=float32)
    """
    model = posterior.model
    if plan.arg_slots:
        args = list(model.array_args)
        for _, index in plan.arg_slots:
            args[index] = jnp.take(args[index], rows, axis=0)
        model = model.replace(array_args=tuple(args))
    data = dict(posterior.data)
    for name in plan.observed:
        data[name] = jnp.take(data[name], rows, axis=0)
    return posterior.replace(model=model, data=data)


def scaled_log_density(posterior: Posterior, z: dict[str, Array], *, scale: float | None = None,
                       scaled: Sequence[str] = (), jacobian: bool = True) -> Array | float:
    """Log density of unconstrained ``z`` with the terms named in ``scaled`` times ``scale``.

    With ``jacobian=False`` the log-Jacobians of the constraining bijectors are left out
    (the density of the constrained latents, whose maximum is the MAP).

    Examples:
        >>> import jax.numpy as jnp
        >>> import probflow as pf
        >>> from probflow import distributions as pfd
        >>> @pf.model
        ... def m():
        ...     b = yield pfd.Normal(0.0, 1.0, name="b")
        ...     yield pfd.Normal(b, 1.0, name="y")
        >>> post = m().condition(y=0.0)
        >>> z = {"b": jnp.asarray(0.0)}
        >>> d = scaled_log_density(post, z, scale=3.0, scaled=("y",)) - post.log_density(z)
        >>> round(float(d), 4)
        -1.8379
    """
    if scale is None and jacobian:
        return posterior.unconstrained_log_density(z)
    if jacobian:
        parts = posterior.log_density_parts(z)
    else:
        values = {**posterior.data, **posterior.constrain(z)}
        parts = posterior.model.log_prob_parts(values)
    total: Array | float = 0.0
    for name, value in parts.items():
        total = total + (value * scale if scale is not None and name in scaled else value)
    return total
