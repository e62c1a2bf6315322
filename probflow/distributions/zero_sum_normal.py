"""The zero-sum normal distribution (PyMC's, as in NumPyro), its support and bijector."""

from __future__ import annotations

import math
from typing import Any

import jax
import jax.numpy as jnp

from probflow.bijectors.bijector import Bijector
from probflow.core import checks
from probflow.core.errors import ShapeError
from probflow.core.numerics import promote_floats
from probflow.core.pytree import static_field
from probflow.core.shapes import as_shape
from probflow.distributions.constraints import Constraint
from probflow.distributions.distribution import Distribution
from probflow.distributions.event_space import register_bijector
from probflow.distributions.kl import register_kl
from probflow.typing import Array, ArrayLike, Shape, ShapeLike

__all__ = ["ZeroSumNormal", "ZeroSum", "ZeroSumTransform"]

_HALF_LOG_2PI = 0.5 * math.log(2.0 * math.pi)


class ZeroSum(Constraint):
    """Arrays whose sums along each of the last ``num_axes`` axes are zero.

    Examples:
        >>> import jax.numpy as jnp
        >>> from probflow.distributions.zero_sum_normal import ZeroSum
        >>> ZeroSum(1).check(jnp.asarray([[1.0, -1.0], [1.0, 1.0]]))
        Array([ True, False], dtype=bool)
    """

    num_axes: int = static_field(default=1)

    @property
    def event_ndims(self) -> int:  # pyright: ignore[reportIncompatibleVariableOverride]
        return self.num_axes

    def check(self, value: Any) -> Array:
        axes = tuple(range(-self.num_axes, 0))
        tol = (1e-4 if jnp.result_type(value) != jnp.float64 else 1e-9) * (
            1.0 + jnp.max(jnp.abs(value), axis=axes))
        ok = jnp.all(~jnp.isnan(value), axis=axes)
        for axis in axes:
            total = jnp.abs(jnp.sum(value, axis=axis, keepdims=True))
            ok = ok & jnp.all(total <= tol.reshape(tol.shape + (1,) * self.num_axes), axis=axes)
        return ok


class ZeroSumTransform(Bijector):
    """Isometry from ``R^{(n_1 - 1) x ... x (n_k - 1)}`` onto zero-sum ``n_1 x ... x n_k`` arrays.

    Along each of the last ``num_axes`` axes, ``x`` (length ``n - 1``) is padded with a zero
    and reflected by the Householder map that sends ``e_n`` to ``1 / sqrt(n)``: ``y_i = x_i -
    s / (n - sqrt(n))`` for ``i < n`` and ``y_n = s / sqrt(n)`` with ``s = sum(x)``. The map is
    orthogonal onto its image, so the log-determinant (with respect to the surface measure of
    the zero-sum subspace) is zero. The inverse is ``x_i = y_i + y_n / (sqrt(n) - 1)``.

    Args:
        num_axes: how many trailing axes sum to zero (static).

    Examples:
        >>> import jax.numpy as jnp
        >>> from probflow.distributions.zero_sum_normal import ZeroSumTransform
        >>> y = ZeroSumTransform().forward(jnp.asarray([1.0, 2.0]))
        >>> float(jnp.abs(y.sum())) < 1e-6, round(float(jnp.sum(y**2)), 4)
        (True, 5.0)
    """

    num_axes: int = static_field(default=1)
    is_constant_jacobian = True

    def __init__(self, num_axes: int = 1, *, validate_args: bool = False,
                 name: str | None = None):
        num_axes = checks.check_count("ZeroSumTransform", "num_axes", num_axes)
        self._set(num_axes=num_axes, validate_args=validate_args, name=name)

    @property
    def forward_min_event_ndims(self) -> int:  # pyright: ignore[reportIncompatibleVariableOverride]
        return self.num_axes

    @property
    def inverse_min_event_ndims(self) -> int:  # pyright: ignore[reportIncompatibleVariableOverride]
        return self.num_axes

    def forward_event_shape(self, input_shape: Any) -> Shape:
        shape = tuple(input_shape)
        k = self.num_axes
        return shape[:-k] + tuple(n + 1 for n in shape[-k:])

    def inverse_event_shape(self, output_shape: Any) -> Shape:
        shape = tuple(output_shape)
        k = self.num_axes
        return shape[:-k] + tuple(n - 1 for n in shape[-k:])

    def _forward(self, x):
        for axis in range(-self.num_axes, 0):
            n = x.shape[axis] + 1
            root = math.sqrt(n)
            s = jnp.sum(x, axis=axis, keepdims=True)
            x = jnp.concatenate([x - s / (n - root), s / root], axis=axis)
        return x

    def _inverse(self, y):
        for axis in range(-self.num_axes, 0):
            n = y.shape[axis]
            if n < 2:
                raise ShapeError(f"ZeroSumTransform: zero-sum axes need length >= 2, got "
                                 f"shape {y.shape}")
            last = jax.lax.slice_in_dim(y, n - 1, n, axis=axis % y.ndim)
            head = jax.lax.slice_in_dim(y, 0, n - 1, axis=axis % y.ndim)
            y = head + last / (math.sqrt(n) - 1.0)
        return y

    def _forward_log_det_jacobian(self, x):
        return jnp.zeros((), x.dtype)


@register_bijector(ZeroSum)
def _zero_sum_bijector(constraint):
    return ZeroSumTransform(constraint.num_axes)


class ZeroSumNormal(Distribution):
    """Normal distribution constrained to sum to zero along the axes of ``event_shape``.

    PyMC's and NumPyro's ``ZeroSumNormal(scale, event_shape)``: draws are ``z`` with iid
    ``Normal(0, scale)`` entries, centred by subtracting the mean along each event axis. On the
    zero-sum subspace, of dimension ``m = prod(n_i - 1)``, this is an isotropic normal, so with
    respect to the subspace's surface measure ``log_prob(x) = -|x|^2 / (2 scale^2) -
    m (log scale + log(2 pi) / 2)`` (``-inf`` off the subspace). Mean zero, variance
    ``scale^2 prod(1 - 1/n_i)``, entropy ``m (1/2 + log(2 pi)/2 + log scale)``. The default
    event-space bijector is
    [`ZeroSumTransform`][probflow.distributions.zero_sum_normal.ZeroSumTransform] from ``R^m``.
    Sampling is reparameterized; KL between two zero-sum normals of the same event shape in
    closed form.

    Args:
        scale: positive, of shape ``batch_shape``.
        event_shape: the shape of one draw, every axis of length ``>= 2`` (static).

    Examples:
        >>> import jax, jax.numpy as jnp
        >>> import probflow.distributions as pfd
        >>> d = pfd.ZeroSumNormal(1.0, (3,))
        >>> x = d.sample(jax.random.key(0), (2,))
        >>> x.shape, bool(jnp.all(jnp.abs(x.sum(-1)) < 1e-5))
        ((2, 3), True)
        >>> d.variance().round(4)
        Array([0.6667, 0.6667, 0.6667], dtype=float32)
    """

    scale: jax.Array
    # a static field, not the base property
    event_shape: tuple[int, ...] = static_field(default=(2,))  # pyright: ignore[reportIncompatibleMethodOverride]
    reparameterized = True

    def __init__(self, scale: ArrayLike, event_shape: ShapeLike, *, validate_args: bool = False,
                 name: str | None = None):
        (scale,) = promote_floats(scale)
        event_shape = as_shape(event_shape)
        if len(event_shape) < 1 or any(n < 2 for n in event_shape):
            raise ValueError(f"ZeroSumNormal: event_shape must have at least one axis and every "
                             f"axis of length >= 2, got {event_shape}")
        self._set(scale=scale, event_shape=event_shape, validate_args=validate_args, name=name)
        self._validate(checks.positive("scale", scale))

    @property
    def support(self) -> Constraint:
        return ZeroSum(len(self.event_shape))

    def _dim(self) -> int:
        return math.prod(n - 1 for n in self.event_shape)

    def _expand_scale(self):
        return jnp.reshape(self.scale, jnp.shape(self.scale) + (1,) * len(self.event_shape))

    def _sample(self, key, sample_shape):
        shape = tuple(sample_shape) + self.batch_shape + self.event_shape
        z = jax.random.normal(key, shape, self.dtype)
        for axis in range(-len(self.event_shape), 0):
            z = z - jnp.mean(z, axis=axis, keepdims=True)
        return self._expand_scale() * z

    def _log_prob(self, value):
        axes = tuple(range(-len(self.event_shape), 0))
        inside = self.support.check(value)
        sq = jnp.sum(jnp.square(value / self._expand_scale()), axis=axes)
        lp = -0.5 * sq - self._dim() * (jnp.log(self.scale) + _HALF_LOG_2PI)
        return jnp.where(inside, lp, -jnp.inf)

    def _mean(self):
        return jnp.zeros(self.batch_shape + self.event_shape, self.dtype)

    def _variance(self):
        factor = math.prod(1.0 - 1.0 / n for n in self.event_shape)
        var = jnp.square(self._expand_scale()) * factor
        return jnp.broadcast_to(var, self.batch_shape + self.event_shape)

    def _entropy(self):
        h = self._dim() * (0.5 + _HALF_LOG_2PI + jnp.log(self.scale))
        return jnp.broadcast_to(h, self.batch_shape)


@register_kl(ZeroSumNormal, ZeroSumNormal)
def _kl_zero_sum_normal(p: ZeroSumNormal, q: ZeroSumNormal):
    if p.event_shape != q.event_shape:
        raise ShapeError(f"KL(ZeroSumNormal || ZeroSumNormal): event shapes differ, "
                         f"{p.event_shape} and {q.event_shape}")
    ratio = jnp.square(p.scale / q.scale)
    return 0.5 * p._dim() * (ratio - 1.0 - jnp.log(ratio))
