"""Flow layers: affine and spline coupling (RealNVP, neural spline coupling) and masked
autoregressive flows (MAF with affine or spline transformers).

A layer holds its conditioner's parameters as PyTree leaves (trainable) and the conditioner
itself as static configuration: any hashable callable ``conditioner(params, x) -> raw``. The
output ``raw`` is unconstrained and takes one of two forms, for the ``n`` transformed
coordinates:

- one array of shape ``batch + (P, n)``: ``P = 2`` rows (shift, raw log-scale) for an affine
  transformer, ``P = 3K - 1`` rows (``K`` width logits, ``K`` height logits, ``K - 1`` raw
  interior slopes) for a ``K``-bin spline;
- a tuple: ``(shift, raw_log_scale)``, each ``batch + (n,)``, for an affine transformer, or
  ``(widths, heights, slopes)`` of shapes ``batch + (n, K)``, ``batch + (n, K)``,
  ``batch + (n, K - 1)`` for a spline.

The raw log-scale is bounded smoothly to ``(-2, 2)`` (``2 tanh(raw / 2)``) and the spline
logits are mapped to valid parameters by
[`spline_params_from_raw`][probflow.bijectors.flows.spline.spline_params_from_raw], so an all-zero
output is the
identity map. Built-in conditioners
([`MLPConditioner`][probflow.bijectors.flows.layers.MLPConditioner],
[`MADEConditioner`][probflow.bijectors.flows.layers.MADEConditioner]) are
frozen dataclasses, so they are hashable and compare by value.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Sequence
from typing import Any, Literal, Self

import jax
import jax.numpy as jnp

from probflow.bijectors.bijector import Bijector
from probflow.bijectors.flows.networks import made_apply, made_init, mlp_apply, mlp_init
from probflow.bijectors.flows.spline import RationalQuadraticSpline, spline_params_from_raw
from probflow.core.errors import ShapeError
from probflow.core.pytree import static_field
from probflow.typing import Array, DTypeLike, PRNGKey, PyTree

__all__ = [
    "MLPConditioner",
    "MADEConditioner",
    "RealNVP",
    "SplineCoupling",
    "MaskedAutoregressiveFlow",
]


@dataclasses.dataclass(frozen=True)
class MLPConditioner:
    """Dense conditioner for coupling layers: ``x_masked -> raw (P, n)``.

    Examples:
        >>> import jax, jax.numpy as jnp
        >>> cond = MLPConditioner(num_params=2, num_outputs=3, hidden_units=(8,))
        >>> cond(cond.init(jax.random.key(0), in_size=1), jnp.ones((5, 1))).shape
        (5, 2, 3)
    """

    num_params: int
    num_outputs: int
    hidden_units: tuple[int, ...] = (64, 64)

    def init(self, key: PRNGKey, in_size: int,
             dtype: DTypeLike = jnp.float32) -> list[dict[str, Array]]:
        return mlp_init(key, in_size, self.num_params * self.num_outputs, self.hidden_units,
                        dtype)

    def __call__(self, params: PyTree, x: Array) -> Array:
        out = mlp_apply(params, x)
        return out.reshape(out.shape[:-1] + (self.num_params, self.num_outputs))


@dataclasses.dataclass(frozen=True)
class MADEConditioner:
    """MADE conditioner: ``x -> raw (P, D)``; output ``i`` depends on ``x_<i`` only.

    Examples:
        >>> import jax, jax.numpy as jnp
        >>> cond = MADEConditioner(num_params=2, event_size=3, hidden_units=(8,))
        >>> cond(cond.init(jax.random.key(0)), jnp.ones(3)).shape
        (2, 3)
    """

    num_params: int
    event_size: int
    hidden_units: tuple[int, ...] = (64, 64)

    def init(self, key: PRNGKey, dtype: DTypeLike = jnp.float32) -> list[dict[str, Array]]:
        return made_init(key, self.event_size, self.hidden_units, self.num_params, dtype)

    def __call__(self, params: PyTree, x: Array) -> Array:
        return made_apply(params, x, event_size=self.event_size, hidden_units=self.hidden_units,
                          params_per_dim=self.num_params)


def _conditioner_output(kind: str, raw: Any, num_bins: int) -> Any:
    """Normalise a conditioner's output (array or tuple, see the module docstring) to
    ``(shift, raw_log_scale)``, each ``(.., n)``, or a spline block ``(.., n, 3K - 1)``."""
    k = num_bins
    if kind == "affine":
        if isinstance(raw, tuple | list):
            if len(raw) != 2:
                raise ValueError(f"affine flow: conditioner must return (shift, log_scale), "
                                 f"got a tuple of {len(raw)}")
            return jnp.asarray(raw[0]), jnp.asarray(raw[1])
        if raw.ndim < 2 or raw.shape[-2] != 2:
            raise ValueError(f"affine flow: conditioner output must have shape (..., 2, n), "
                             f"got {raw.shape}")
        return raw[..., 0, :], raw[..., 1, :]
    if isinstance(raw, tuple | list):
        if len(raw) != 3:
            raise ValueError(f"spline flow: conditioner must return (widths, heights, slopes), "
                             f"got a tuple of {len(raw)}")
        shapes = tuple(jnp.shape(r)[-1:] for r in raw)
        if shapes != ((k,), (k,), (k - 1,)):
            raise ValueError(f"spline flow: with num_bins={k}, conditioner outputs must end in "
                             f"({k},), ({k},), ({k - 1},), got {shapes}")
        batch = jnp.broadcast_shapes(*(jnp.shape(r)[:-1] for r in raw))
        return jnp.concatenate([jnp.broadcast_to(r, batch + jnp.shape(r)[-1:]) for r in raw],
                               axis=-1)
    if raw.ndim < 2 or raw.shape[-2] != 3 * k - 1:
        raise ValueError(f"spline flow: with num_bins={k}, conditioner output must have shape "
                         f"(..., {3 * k - 1}, n), got {raw.shape}")
    return jnp.moveaxis(raw, -2, -1)


def _transform(kind, raw, x, inverse, num_bins, bound):
    """Elementwise affine or spline transform of ``x`` with conditioner output ``raw``."""
    if kind == "affine":
        shift, raw_log_scale = _conditioner_output(kind, raw, num_bins)
        log_scale = 2.0 * jnp.tanh(0.5 * raw_log_scale)  # bounded to (-2, 2) per layer
        if inverse:
            return (x - shift) * jnp.exp(-log_scale), -log_scale
        return x * jnp.exp(log_scale) + shift, log_scale
    widths, heights, slopes = spline_params_from_raw(_conditioner_output(kind, raw, num_bins),
                                                     num_bins, -bound, bound)
    spline = RationalQuadraticSpline(widths, heights, slopes, -bound)
    if inverse:
        return spline.inverse_and_log_det(x)
    return spline.forward_and_log_det(x)


def _check_num_masked(cls_name, num_masked):
    if int(num_masked) != num_masked or num_masked < 1:
        raise ValueError(f"{cls_name}: num_masked must be a positive integer, got {num_masked!r}")


def _num_params(kind, num_bins):
    return 2 if kind == "affine" else 3 * num_bins - 1


class _Coupling(Bijector):
    params: Any
    num_masked: int = static_field(default=1)
    conditioner: Any = static_field(default=None)
    kind: str = static_field(default="affine")
    num_bins: int = static_field(default=8)
    bound: float = static_field(default=3.0)
    forward_min_event_ndims = 1
    inverse_min_event_ndims = 1

    def _apply(self, v, inverse):
        m = self.num_masked
        if not 0 < m < v.shape[-1]:
            raise ShapeError(f"{type(self).__name__}: num_masked must be in [1, {v.shape[-1] - 1}] "
                             f"for events of size {v.shape[-1]}, got {m}")
        va, vb = v[..., :m], v[..., m:]
        raw = self.conditioner(self.params, va)
        out, ldj = _transform(self.kind, raw, vb, inverse, self.num_bins, self.bound)
        return jnp.concatenate([va, out], axis=-1), jnp.sum(ldj, axis=-1)

    def _forward_and_log_det(self, x):
        return self._apply(x, inverse=False)

    def _inverse_and_log_det(self, y):
        return self._apply(y, inverse=True)


class RealNVP(_Coupling):
    """Affine coupling layer (Dinh et al. 2017): the first ``num_masked`` coordinates pass
    through and parameterise a shift and scale of the rest.

    With ``x = (x_a, x_b)``, ``x_a`` the first ``num_masked`` coordinates:
    ``y_a = x_a``, ``y_b = x_b * exp(log_scale(x_a)) + shift(x_a)`` and
    ``log|det J| = sum(log_scale)``. The log-scale is ``2 tanh(raw / 2)``, bounded to
    ``(-2, 2)`` per layer for stability. Forward and inverse both take one pass. Build one
    with [`init`][probflow.bijectors.flows.layers.RealNVP.init] (a fresh
    [`MLPConditioner`][probflow.bijectors.flows.layers.MLPConditioner]), or pass your own.

    Args:
        params: PyTree of the conditioner's parameters (the trainable leaves).
        num_masked: number ``m`` of leading coordinates that pass through (``1 <= m < D``).
        conditioner: hashable ``conditioner(params, x_a) -> raw`` with ``x_a`` of shape
            ``batch + (m,)`` and ``raw`` an array ``batch + (2, D - m)`` or a tuple
            ``(shift, raw_log_scale)`` of ``batch + (D - m,)`` arrays.

    Events have shape ``(D,)`` (``forward_min_event_ndims = 1``); log-determinants have the
    batch shape.

    Examples:
        >>> import jax, jax.numpy as jnp
        >>> import probflow.bijectors as pfb
        >>> layer = pfb.flows.RealNVP.init(jax.random.key(0), event_size=4, hidden_units=(16,))
        >>> x = jnp.ones(4)
        >>> jnp.allclose(layer.inverse(layer.forward(x)), x)
        Array(True, dtype=bool)
        >>> def cond(p, xa):  # your own conditioner: x_a -> (shift, raw log-scale)
        ...     return p["a"] * xa, p["b"] * xa
        >>> own = pfb.flows.RealNVP({"a": jnp.ones(1), "b": jnp.zeros(1)}, 1, cond)
        >>> own.forward(jnp.asarray([2.0, 1.0]))
        Array([2., 3.], dtype=float32)
    """

    def __init__(self, params: PyTree, num_masked: int, conditioner: Callable[[PyTree, Array], Any],
                 *, validate_args: bool = False, name: str | None = None):
        _check_num_masked(type(self).__name__, num_masked)
        self._set(params=params, num_masked=int(num_masked), conditioner=conditioner,
                  kind="affine", num_bins=8, bound=3.0, validate_args=validate_args, name=name)

    @classmethod
    def init(cls, key: PRNGKey, event_size: int, num_masked: int | None = None,
             hidden_units: Sequence[int] = (64, 64), dtype: DTypeLike = jnp.float32) -> Self:
        """A layer with a fresh [`MLPConditioner`][probflow.bijectors.flows.layers.MLPConditioner]
        (identity map at initialisation)."""
        m = event_size // 2 if num_masked is None else num_masked
        conditioner = MLPConditioner(2, event_size - m, tuple(hidden_units))
        return cls(conditioner.init(key, m, dtype), m, conditioner)


class SplineCoupling(_Coupling):
    """Neural spline coupling layer (Durkan et al. 2019): a rational-quadratic spline with
    ``num_bins`` bins on ``[-bound, bound]`` (identity outside), parameterised by the first
    ``num_masked`` coordinates.

    Each of the last ``D - m`` coordinates goes through its own
    [`RationalQuadraticSpline`][probflow.bijectors.flows.spline.RationalQuadraticSpline] (``K =
    num_bins`` bins; end slopes 1, so the map is
    continuously differentiable at the interval ends), with parameters computed from the
    first ``m``; ``log|det J|`` is the sum of the spline log-derivatives.

    Args:
        params: PyTree of the conditioner's parameters (the trainable leaves).
        num_masked: number ``m`` of leading coordinates that pass through (``1 <= m < D``).
        conditioner: hashable ``conditioner(params, x_a) -> raw``: an array
            ``batch + (3K - 1, D - m)`` or a tuple ``(widths, heights, slopes)`` of
            unconstrained ``batch + (D - m, K)``, ``batch + (D - m, K)``,
            ``batch + (D - m, K - 1)`` arrays (see
            [`spline_params_from_raw`][probflow.bijectors.flows.spline.spline_params_from_raw]).
        num_bins: ``K``.
        bound: the spline acts on ``[-bound, bound]``.

    Examples:
        >>> import jax, jax.numpy as jnp
        >>> import probflow.bijectors as pfb
        >>> layer = pfb.flows.SplineCoupling.init(jax.random.key(0), event_size=2, num_bins=4,
        ...                                       hidden_units=(8,))
        >>> y, ldj = layer.forward_and_log_det(jnp.asarray([0.3, -0.2]))
        >>> round(float(ldj), 5)
        0.0
    """

    def __init__(self, params: PyTree, num_masked: int, conditioner: Callable[[PyTree, Array], Any],
                 num_bins: int = 8, bound: float = 3.0, *, validate_args: bool = False,
                 name: str | None = None):
        _check_num_masked(type(self).__name__, num_masked)
        if int(num_bins) < 1 or not float(bound) > 0:
            raise ValueError(f"SplineCoupling: num_bins must be >= 1 and bound > 0, got "
                             f"num_bins={num_bins}, bound={bound}")
        self._set(params=params, num_masked=int(num_masked), conditioner=conditioner,
                  kind="spline", num_bins=int(num_bins), bound=float(bound),
                  validate_args=validate_args, name=name)

    @classmethod
    def init(cls, key: PRNGKey, event_size: int, num_masked: int | None = None,
             num_bins: int = 8, bound: float = 3.0, hidden_units: Sequence[int] = (64, 64),
             dtype: DTypeLike = jnp.float32) -> Self:
        """A layer with a fresh [`MLPConditioner`][probflow.bijectors.flows.layers.MLPConditioner]
        (identity map at initialisation)."""
        m = event_size // 2 if num_masked is None else num_masked
        conditioner = MLPConditioner(3 * num_bins - 1, event_size - m, tuple(hidden_units))
        return cls(conditioner.init(key, m, dtype), m, conditioner, num_bins, bound)


class MaskedAutoregressiveFlow(Bijector):
    """Masked autoregressive flow (Papamakarios et al. 2017) with an affine or spline transformer.

    Coordinate ``i`` is transformed with parameters computed from coordinates ``< i`` by a
    MADE. The inverse (the density direction) takes one pass; the forward (the sampling
    direction) takes ``D`` passes. For an inverse autoregressive flow (fast sampling), wrap it
    in ``pfb.Invert``. Build one with
    [`init`][probflow.bijectors.flows.layers.MaskedAutoregressiveFlow.init] or pass ``params`` and
    any autoregressive
    conditioner.

    With ``kind="affine"``: ``y_i = x_i exp(log_scale_i(y_<i)) + shift_i(y_<i)``, so the
    inverse ``x_i = (y_i - shift_i(y_<i)) exp(-log_scale_i(y_<i))`` needs one conditioner
    call; ``log|det J| = sum_i log_scale_i``. With ``kind="spline"`` each coordinate goes
    through a rational-quadratic spline on ``[-bound, bound]`` whose parameters depend on
    ``y_<i``.

    Args:
        params: PyTree of the conditioner's parameters (the trainable leaves).
        conditioner: hashable ``conditioner(params, y) -> raw`` whose output for coordinate
            ``i`` depends on ``y_<i`` only (e.g.
            [`MADEConditioner`][probflow.bijectors.flows.layers.MADEConditioner]); ``raw`` is an
            array
            ``batch + (P, D)`` or a tuple, as in
            [`RealNVP`][probflow.bijectors.flows.layers.RealNVP] (affine) or
            [`SplineCoupling`][probflow.bijectors.flows.layers.SplineCoupling] (spline), with ``n =
            D``.
        kind: ``"affine"`` or ``"spline"``.
        num_bins, bound: spline settings.

    Examples:
        >>> import jax, jax.numpy as jnp
        >>> import probflow.bijectors as pfb
        >>> maf = pfb.flows.MaskedAutoregressiveFlow.init(jax.random.key(0), event_size=3,
        ...                                               hidden_units=(16,))
        >>> x = jnp.asarray([0.1, -0.4, 2.0])
        >>> jnp.allclose(maf.inverse(maf.forward(x)), x, atol=1e-5)
        Array(True, dtype=bool)
    """

    params: Any
    conditioner: Any = static_field(default=None)
    kind: str = static_field(default="affine")
    num_bins: int = static_field(default=8)
    bound: float = static_field(default=3.0)
    forward_min_event_ndims = 1
    inverse_min_event_ndims = 1

    def __init__(self, params: PyTree, conditioner: Callable[[PyTree, Array], Any],
                 kind: Literal["affine", "spline"] = "affine", num_bins: int = 8,
                 bound: float = 3.0, *, validate_args: bool = False, name: str | None = None):
        if kind not in ("affine", "spline"):
            raise ValueError(f"MaskedAutoregressiveFlow: kind must be 'affine' or 'spline', "
                             f"got {kind!r}")
        self._set(params=params, conditioner=conditioner, kind=kind, num_bins=int(num_bins),
                  bound=float(bound), validate_args=validate_args, name=name)

    @classmethod
    def init(cls, key: PRNGKey, event_size: int, hidden_units: Sequence[int] = (64, 64),
             kind: Literal["affine", "spline"] = "affine", num_bins: int = 8, bound: float = 3.0,
             dtype: DTypeLike = jnp.float32) -> Self:
        """A flow with a fresh [`MADEConditioner`][probflow.bijectors.flows.layers.MADEConditioner]
        (identity map at initialisation)."""
        conditioner = MADEConditioner(_num_params(kind, num_bins), event_size,
                                      tuple(hidden_units))
        return cls(conditioner.init(key, dtype), conditioner, kind, num_bins, bound)

    def _step(self, x, target, inverse):
        raw = self.conditioner(self.params, x)
        return _transform(self.kind, raw, target, inverse, self.num_bins, self.bound)

    def _inverse_and_log_det(self, y):
        x, ldj = self._step(y, y, inverse=True)
        return x, jnp.sum(ldj, axis=-1)

    def _forward_and_log_det(self, x):
        d = x.shape[-1]

        def body(_, y):
            return self._step(y, x, inverse=False)[0]

        y = jax.lax.fori_loop(0, d, body, jnp.zeros_like(x))
        _, ldj = self._step(y, x, inverse=False)
        return y, jnp.sum(ldj, axis=-1)
