"""The rational-quadratic spline bijector (Durkan et al. 2019, neural spline flows)."""

from __future__ import annotations

import jax
import jax.numpy as jnp

from probflow.bijectors.bijector import Bijector
from probflow.core.pytree import static_field
from probflow.typing import Array, ArrayLike

__all__ = ["RationalQuadraticSpline", "spline_params_from_raw"]


def spline_params_from_raw(raw: Array, num_bins: int, range_min: float = -3.0,
                           range_max: float = 3.0, min_width: float = 1e-3,
                           min_slope: float = 1e-3) -> tuple[Array, Array, Array]:
    """Map unconstrained conditioner outputs (``... x (3K - 1)``) to valid spline parameters.

    Widths and heights come from softmaxes scaled to the interval (each at least
    ``min_width`` of it); interior knot slopes from a softplus (at least ``min_slope``).

    Examples:
        >>> import jax.numpy as jnp
        >>> w, h, s = spline_params_from_raw(jnp.zeros(3 * 4 - 1), 4)
        >>> float(w.sum()), float(h.sum()), s.shape
        (6.0, 6.0, (3,))
    """
    total = range_max - range_min
    k = num_bins
    widths, heights, slopes = raw[..., :k], raw[..., k:2 * k], raw[..., 2 * k:]

    def bins(logits):
        p = jax.nn.softmax(logits, axis=-1)
        return total * (min_width + (1.0 - min_width * k) * p)

    # softplus(x + log(e - 1)) = 1 at x = 0: an all-zero raw vector is the identity map.
    slopes = min_slope + jax.nn.softplus(slopes + jnp.log(jnp.expm1(1.0 - min_slope)))
    return bins(widths), bins(heights), slopes


class RationalQuadraticSpline(Bijector):
    """Monotone rational-quadratic spline on ``[range_min, range_min + sum(bin_widths)]``.

    Elementwise: each coordinate has ``K`` bins with positive widths and heights (both summing
    to the same total) and ``K - 1`` positive interior knot slopes; the end slopes are 1 and
    the map is the identity outside the interval, so it is a bijection of the reals. Forward
    and inverse are closed forms (the inverse solves a quadratic).

    Args:
        bin_widths: ``batch + (K,)``, positive.
        bin_heights: ``batch + (K,)``, positive, same sum as the widths.
        knot_slopes: ``batch + (K - 1,)``, positive.
        range_min: left end of the interval (static float).

    Examples:
        >>> import jax.numpy as jnp
        >>> import probflow.bijectors as pfb
        >>> b = pfb.flows.RationalQuadraticSpline(
        ...     jnp.full(4, 1.5), jnp.asarray([1.0, 2.0, 2.0, 1.0]), jnp.ones(3), -3.0)
        >>> x = jnp.asarray([-4.0, -1.0, 0.5, 2.9])
        >>> jnp.allclose(b.inverse(b.forward(x)), x, atol=1e-5)
        Array(True, dtype=bool)
    """

    bin_widths: jax.Array
    bin_heights: jax.Array
    knot_slopes: jax.Array
    range_min: float = static_field(default=-3.0)

    def __init__(self, bin_widths: ArrayLike, bin_heights: ArrayLike, knot_slopes: ArrayLike,
                 range_min: float = -3.0, *,
                 validate_args: bool = False, name: str | None = None):
        self._set(bin_widths=jnp.asarray(bin_widths), bin_heights=jnp.asarray(bin_heights),
                  knot_slopes=jnp.asarray(knot_slopes), range_min=range_min,
                  validate_args=validate_args, name=name)

    def _knots(self):
        lo = jnp.asarray(self.range_min, self.bin_widths.dtype)
        xk = jnp.concatenate([jnp.broadcast_to(lo, self.bin_widths.shape[:-1] + (1,)),
                              lo + jnp.cumsum(self.bin_widths, axis=-1)], axis=-1)
        yk = jnp.concatenate([jnp.broadcast_to(lo, self.bin_heights.shape[:-1] + (1,)),
                              lo + jnp.cumsum(self.bin_heights, axis=-1)], axis=-1)
        ones = jnp.ones(self.knot_slopes.shape[:-1] + (1,), self.knot_slopes.dtype)
        d = jnp.concatenate([ones, self.knot_slopes, ones], axis=-1)
        return xk, yk, d

    @staticmethod
    def _gather(arrays, index):
        return [jnp.take_along_axis(a, index[..., None], axis=-1)[..., 0] for a in arrays]

    def _bin(self, v, knots):
        k = self.bin_widths.shape[-1]
        knots = jnp.broadcast_to(knots, v.shape + knots.shape[-1:])
        idx = jnp.sum(v[..., None] >= knots[..., 1:-1], axis=-1)
        return jnp.clip(idx, 0, k - 1)

    def _pieces(self, v, use_y: bool):
        xk, yk, d = self._knots()
        shape = jnp.broadcast_shapes(v.shape, xk.shape[:-1])
        v = jnp.broadcast_to(v, shape)
        xk, yk, d = (jnp.broadcast_to(a, shape + a.shape[-1:]) for a in (xk, yk, d))
        idx = self._bin(v, yk if use_y else xk)
        x0, x1 = self._gather([xk[..., :-1], xk[..., 1:]], idx)
        y0, y1 = self._gather([yk[..., :-1], yk[..., 1:]], idx)
        d0, d1 = self._gather([d[..., :-1], d[..., 1:]], idx)
        inside = (v > (yk if use_y else xk)[..., 0]) & (v < (yk if use_y else xk)[..., -1])
        return v, inside, x0, x1 - x0, y0, y1 - y0, d0, d1

    def _forward_and_log_det(self, x):
        x, inside, x0, w, y0, h, d0, d1 = self._pieces(x, use_y=False)
        s = h / w
        xi = jnp.clip((x - x0) / w, 0.0, 1.0)
        t = xi * (1.0 - xi)
        denom = s + (d1 + d0 - 2.0 * s) * t
        y = y0 + h * (s * xi * xi + d0 * t) / denom
        deriv = s * s * (d1 * xi * xi + 2.0 * s * t + d0 * (1.0 - xi) ** 2) / denom**2
        return jnp.where(inside, y, x), jnp.where(inside, jnp.log(deriv), 0.0)

    def _inverse_and_log_det(self, y):
        y, inside, x0, w, y0, h, d0, d1 = self._pieces(y, use_y=True)
        s = h / w
        dy = y - y0
        c2 = d1 + d0 - 2.0 * s
        a = h * (s - d0) + dy * c2
        b = h * d0 - dy * c2
        c = -s * dy
        disc = jnp.maximum(b * b - 4.0 * a * c, 0.0)
        xi = jnp.clip(2.0 * c / (-b - jnp.sqrt(disc)), 0.0, 1.0)
        x = x0 + xi * w
        t = xi * (1.0 - xi)
        denom = s + c2 * t
        deriv = s * s * (d1 * xi * xi + 2.0 * s * t + d0 * (1.0 - xi) ** 2) / denom**2
        return jnp.where(inside, x, y), jnp.where(inside, -jnp.log(deriv), 0.0)

    def _is_increasing(self):
        return True
