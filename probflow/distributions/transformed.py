"""``TransformedDistribution``: the distribution of ``Y = f(X)`` for a bijector ``f``."""

from __future__ import annotations

from typing import Any

import jax
import jax.numpy as jnp

from probflow.bijectors import (
    Bijector,
    Chain,
    Identity,
    Invert,
    Scale,
    ScaleMatvecDiag,
    ScaleMatvecLU,
    ScaleMatvecTriL,
    Shift,
)
from probflow.core.errors import ShapeError, UnsupportedError
from probflow.core.shapes import broadcast_shapes
from probflow.distributions import _images
from probflow.distributions import constraints as c
from probflow.distributions.distribution import Distribution

__all__ = ["TransformedDistribution"]

_SCALAR_AFFINE = (Identity, Shift, Scale)
_AFFINE = _SCALAR_AFFINE + (ScaleMatvecDiag, ScaleMatvecTriL, ScaleMatvecLU)


def _is_affine(bijector, kinds=_AFFINE) -> bool:
    if isinstance(bijector, Chain):
        return all(_is_affine(b, kinds) for b in bijector.bijectors)
    if isinstance(bijector, Invert):
        return _is_affine(bijector.bijector, kinds)
    return isinstance(bijector, kinds)


class TransformedDistribution(Distribution):
    """The distribution of ``Y = bijector(X)`` with ``X ~ distribution``.

    ``log_prob(y) = distribution.log_prob(x) + log|det J_{f^{-1}}(y)|`` with
    ``x = f^{-1}(y)``, the log-determinant summed over the event dimensions.
    ``sample_and_log_prob`` makes one pass (``forward_and_log_det``). The event shape
    is ``bijector.forward_event_shape(distribution.event_shape)``; the batch shape
    broadcasts the base's with the bijector's parameters.

    Also, where the bijector allows:

    * ``cdf``, ``log_cdf``, ``survival_function``, ``log_survival_function`` and
      ``quantile`` for scalar events and monotone bijectors (a decreasing bijector
      swaps the tails; ``Scale`` with a negative factor works);
    * ``mean`` for affine bijectors (``Shift``, ``Scale``, ``ScaleMatvec*`` and
      chains of them), ``variance``/``stddev`` for scalar affine ones, ``entropy``
      for constant-Jacobian ones;
    * ``support``: the image of the base's support when the rule is known (e.g.
      ``Exp`` of the reals is the positive half-line), else the reals. Outside a known
      support ``log_prob`` is ``-inf`` (never NaN), with finite gradients inside;
    * ``default_event_space_bijector() = Chain([bijector, base's])`` (as TFP).

    Args:
        distribution: the base distribution; its event rank must be at least the
            bijector's ``forward_min_event_ndims`` (wrap it in ``Independent`` first).
        bijector: a [`Bijector`][probflow.bijectors.bijector.Bijector].

    Examples:
        >>> import jax
        >>> import probflow.bijectors as pfb
        >>> import probflow.distributions as pfd
        >>> d = pfd.TransformedDistribution(pfd.Normal(0.0, 1.0), pfb.Exp())  # log-normal
        >>> round(float(d.log_prob(1.0)), 4)
        -0.9189
        >>> float(d.cdf(1.0))
        0.5
        >>> d.support
        GreaterThan(lower=0.0, closed=False)
        >>> d.sample(jax.random.key(0), (3,)).shape
        (3,)
    """

    distribution: Distribution
    bijector: Bijector

    def __init__(self, distribution: Distribution, bijector: Bijector, *,
                 validate_args: bool = False, name: str | None = None):
        if not isinstance(distribution, Distribution):
            raise TypeError(f"TransformedDistribution: distribution must be a Distribution, "
                            f"got {distribution!r}")
        if not isinstance(bijector, Bijector):
            raise TypeError(f"TransformedDistribution: bijector must be a Bijector, "
                            f"got {bijector!r}")
        needed = bijector.forward_min_event_ndims
        if not isinstance(needed, int):
            raise UnsupportedError(
                "TransformedDistribution: structured bijectors (JointMap, Restructure) need "
                "a joint distribution; use one of probflow.models' joint distributions")
        have = len(distribution.event_shape)
        if needed > have:
            raise ShapeError(
                f"TransformedDistribution: {type(bijector).__name__} acts on events of rank "
                f"{needed}, but {type(distribution).__name__} has event shape "
                f"{tuple(distribution.event_shape)}; wrap the base in "
                f"pfd.Independent(distribution, reinterpreted_batch_ndims={needed - have})")
        self._set(distribution=distribution, bijector=bijector, validate_args=validate_args,
                  name=name)

    # -- shapes and declarations --------------------------------------------------------------
    @property
    def reparameterized(self) -> bool:  # pyright: ignore[reportIncompatibleVariableOverride]
        return bool(self.distribution.reparameterized)

    @property
    def _base_event_ndims(self) -> int:
        return len(self.distribution.event_shape)

    @property
    def event_shape(self) -> tuple[int, ...]:
        return tuple(self.bijector.forward_event_shape(tuple(self.distribution.event_shape)))

    @property
    def batch_shape(self) -> tuple[int, ...]:
        base = self.distribution
        x = jax.ShapeDtypeStruct(tuple(base.batch_shape) + tuple(base.event_shape), base.dtype)
        nd = self._base_event_ndims
        y, ldj = jax.eval_shape(lambda b, v: b.forward_and_log_det(v, nd), self.bijector, x)
        n_event = len(self.event_shape)
        y_batch = tuple(y.shape[: len(y.shape) - n_event])
        return broadcast_shapes(base.batch_shape, y_batch, ldj.shape,
                                what="TransformedDistribution: base batch and bijector outputs")

    @property
    def dtype(self) -> Any:
        return self.distribution.dtype

    def _image_core(self):
        core, _ = _images.strip_independent(self.distribution.support)
        return _images.image(self.bijector, core)

    @property
    def support(self) -> c.Constraint:
        n = len(self.event_shape)
        core = self._image_core()
        if core is None:
            core = c.real
        extra = n - core.event_ndims
        return c.independent(core, extra) if extra > 0 else core

    def default_event_space_bijector(self) -> Chain:
        """``Chain([bijector, distribution.default_event_space_bijector()])``."""
        return Chain([self.bijector, self.distribution.default_event_space_bijector()])

    # -- sampling and densities ---------------------------------------------------------------
    def _draw_base(self, key, sample_shape, with_log_prob):
        """Base draws of shape ``sample_shape + batch_shape + base event``.

        When the bijector's parameters extend the batch (``Scale(jnp.ones((2, 1)))`` on a
        base of batch ``(3,)``), the base is sampled independently along the extra
        batch dimensions (as extra sample dimensions, then moved into place), so that
        sample dimensions never line up with the bijector's batch.
        """
        base = self.distribution
        full = self.batch_shape
        rank = len(full)
        padded = (1,) * (rank - len(base.batch_shape)) + tuple(base.batch_shape)
        extra = tuple(f if b == 1 else 1 for f, b in zip(full, padded, strict=True))
        shape = tuple(sample_shape) + extra
        if with_log_prob:
            x, lp = base.sample_and_log_prob(key, shape)
        else:
            x, lp = base.sample(key, shape), None
        ns = len(sample_shape)
        order = (list(range(ns)) + [ns + k for i in range(rank) for k in (i, rank + i)])

        def fold(a, tail):
            a = jnp.reshape(a, tuple(sample_shape) + extra + padded + tail)
            perm = order + list(range(ns + 2 * rank, ns + 2 * rank + len(tail)))
            return jnp.reshape(jnp.transpose(a, perm), tuple(sample_shape) + full + tail)

        x = fold(x, tuple(base.event_shape))
        return x, (None if lp is None else fold(lp, ()))

    def _sample(self, key, sample_shape):
        x, _ = self._draw_base(key, sample_shape, with_log_prob=False)
        return self.bijector.forward(x)

    def _sample_and_log_prob(self, key, sample_shape):
        x, base_lp = self._draw_base(key, sample_shape, with_log_prob=True)
        y, fldj = self.bijector.forward_and_log_det(x, self._base_event_ndims)
        return y, base_lp - fldj

    def _support_mask(self, y):
        """``(ok, safe_y)``: where ``y`` is outside a known support, a safe interior point."""
        if self._image_core() is None:
            return None, y
        support = self.support
        point = _images.interior(support, self.event_shape, y.dtype)
        if point is None:
            return None, y
        ok = _images.strict_check(support, y)
        ok_event = jnp.reshape(ok, ok.shape + (1,) * len(self.event_shape))
        return ok, jnp.where(ok_event, y, point)

    def _log_prob(self, value):
        ok, safe = self._support_mask(value)
        x, ildj = self.bijector.inverse_and_log_det(safe, len(self.event_shape))
        lp = self.distribution.log_prob(x) + ildj
        if ok is None:
            return lp
        return jnp.where(ok, lp, -jnp.inf)

    # -- cumulative functions (scalar events, monotone bijectors) ---------------------------------
    def _increasing(self, method):
        if self.event_shape != () or self._base_event_ndims != 0:
            raise UnsupportedError(f"TransformedDistribution: {method} needs scalar events")
        flag = self.bijector._is_increasing()
        if flag is None:
            raise UnsupportedError(
                f"TransformedDistribution: {method} needs a monotone bijector; "
                f"{type(self.bijector).__name__} is not known to be monotone")
        return flag

    def _clip_to_support(self, value):
        core = self._image_core()
        if isinstance(core, c.GreaterThan):
            return jnp.maximum(value, core.lower)
        if isinstance(core, c.LessThan):
            return jnp.minimum(value, core.upper)
        if isinstance(core, c.Interval):
            return jnp.clip(value, core.low, core.high)
        return value

    def _tails(self, value, lower_method, upper_method, label):
        increasing = self._increasing(label)
        x = self.bijector.inverse(self._clip_to_support(value))
        base = self.distribution
        if isinstance(increasing, bool):
            return getattr(base, lower_method if increasing else upper_method)(x)
        return jnp.where(increasing, getattr(base, lower_method)(x),
                         getattr(base, upper_method)(x))

    def _cdf(self, value):
        return self._tails(value, "cdf", "survival_function", "cdf")

    def _log_cdf(self, value):
        return self._tails(value, "log_cdf", "log_survival_function", "log_cdf")

    def _survival_function(self, value):
        return self._tails(value, "survival_function", "cdf", "survival_function")

    def _log_survival_function(self, value):
        return self._tails(value, "log_survival_function", "log_cdf", "log_survival_function")

    def _quantile(self, value):
        increasing = self._increasing("quantile")
        base = self.distribution
        if isinstance(increasing, bool):
            q = base.quantile(value if increasing else 1.0 - value)
        else:
            q = jnp.where(increasing, base.quantile(value), base.quantile(1.0 - value))
        return self.bijector.forward(q)

    # -- moments --------------------------------------------------------------------------------
    def _mean(self):
        if not _is_affine(self.bijector):
            raise UnsupportedError(
                f"TransformedDistribution has no closed-form mean for the bijector "
                f"{type(self.bijector).__name__} (only for affine ones); estimate it by Monte "
                f"Carlo from samples")
        mean = self.bijector.forward(self.distribution.mean())
        return jnp.broadcast_to(mean, self.batch_shape + self.event_shape)

    def _slope(self):
        """``log|dy/dx|`` of a scalar affine bijector, over the batch."""
        if self.event_shape != () or not _is_affine(self.bijector, _SCALAR_AFFINE):
            raise UnsupportedError(
                f"TransformedDistribution has no closed-form variance for the bijector "
                f"{type(self.bijector).__name__} (only for scalar affine ones)")
        base = self.distribution
        x = jnp.zeros(base.batch_shape, base.dtype)
        return self.bijector.forward_log_det_jacobian(x, 0)

    def _variance(self):
        var = self.distribution.variance() * jnp.exp(2.0 * self._slope())
        return jnp.broadcast_to(var, self.batch_shape)

    def _stddev(self):
        sd = self.distribution.stddev() * jnp.exp(self._slope())
        return jnp.broadcast_to(sd, self.batch_shape)

    def _entropy(self):
        if not self.bijector.is_constant_jacobian:
            raise UnsupportedError(
                f"TransformedDistribution has no closed-form entropy for the bijector "
                f"{type(self.bijector).__name__} (only for constant-Jacobian ones)")
        base = self.distribution
        x = jnp.zeros(tuple(base.batch_shape) + tuple(base.event_shape), base.dtype)
        ldj = self.bijector.forward_log_det_jacobian(x, self._base_event_ndims)
        return jnp.broadcast_to(base.entropy() + ldj, self.batch_shape)
