"""Images of constraints under bijectors (private helper of ``transformed.py``).

``image(bijector, domain)`` returns the constraint that ``bijector`` maps ``domain``
onto, or ``None`` when it is not known. Rules are registered per bijector type;
``Chain`` folds them right to left. Also: ``interior(constraint, event_shape,
dtype)``, a point inside a constraint's set, and ``strict_check`` (membership of
the open set), used to keep ``log_prob`` free of NaN outside the support.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any, TypeVar

import jax.numpy as jnp
import numpy as np

import probflow.bijectors as pfb
from probflow.core.checks import is_concrete
from probflow.distributions import constraints as c
from probflow.typing import Array, DTypeLike

__all__ = ["image", "interior", "strict_check", "strip_independent"]

_Rule = TypeVar("_Rule", bound=Callable[..., Any])

_RULES: dict[type, Callable[[Any, c.Constraint], c.Constraint | None]] = {}


def _rule(*types: type) -> Callable[[_Rule], _Rule]:
    def decorator(fn: _Rule) -> _Rule:
        for t in types:
            _RULES[t] = fn
        return fn

    return decorator


def strip_independent(constraint: c.Constraint) -> tuple[c.Constraint, int]:
    """``(core, extra_ndims)``: unwrap ``IndependentConstraint``s; real-valued sets -> ``real``."""
    extra = 0
    while isinstance(constraint, c.IndependentConstraint):
        extra += constraint.reinterpreted_batch_ndims
        constraint = constraint.base
    if isinstance(constraint, c.RealVector | c.RealMatrix):
        return c.real, extra + constraint.event_ndims
    return constraint, extra


def _is_real(domain: c.Constraint) -> bool:
    return isinstance(domain, c.Real)


def _concrete_sign(value: Any) -> int:
    """+1 / -1 when a concrete ``value`` is entirely positive / negative, else 0."""
    if value is None or not is_concrete(value):
        return 0
    array = np.asarray(value)
    if np.all(array > 0):
        return 1
    if np.all(array < 0):
        return -1
    return 0


def _is_concrete_zero(value: Any) -> bool:
    return is_concrete(value) and bool(np.all(np.asarray(value) == 0))


def image(bijector: pfb.Bijector, domain: c.Constraint) -> c.Constraint | None:
    """The image of the (core, non-independent) ``domain`` under ``bijector``, or ``None``."""
    rule = _RULES.get(type(bijector))
    return None if rule is None else rule(bijector, domain)


@_rule(pfb.Identity)
def _identity(b, domain):
    return domain


@_rule(pfb.Chain)
def _chain(b, domain):
    for member in reversed(b.bijectors):
        if domain is None:
            return None
        domain = image(member, domain)
    return domain


@_rule(pfb.Exp)
def _exp(b, domain):
    if _is_real(domain):
        return c.positive
    if isinstance(domain, c.Ordered):
        return c.positive_ordered
    return None


@_rule(pfb.Log)
def _log(b, domain):
    if isinstance(domain, c.GreaterThan) and _is_concrete_zero(domain.lower):
        return c.real
    return None


@_rule(pfb.Expm1)
def _expm1(b, domain):
    return c.GreaterThan(-1.0) if _is_real(domain) else None


@_rule(pfb.Sinh, pfb.SinhArcsinh)
def _real_to_real(b, domain):
    return c.real if _is_real(domain) else None


@_rule(pfb.Softplus)
def _softplus(b, domain):
    if not _is_real(domain):
        return None
    if b.hinge_softness is not None and _concrete_sign(b.hinge_softness) <= 0:
        return None
    return c.GreaterThan(0.0 if b.low is None else b.low)


@_rule(pfb.Sigmoid)
def _sigmoid(b, domain):
    if not _is_real(domain):
        return None
    if b.low is None:
        return c.unit_interval
    return c.Interval(b.low, b.high)


@_rule(pfb.Tanh)
def _tanh(b, domain):
    return c.Interval(-1.0, 1.0) if _is_real(domain) else None


@_rule(pfb.NormalCDF, pfb.GumbelCDF)
def _real_to_unit(b, domain):
    return c.unit_interval if _is_real(domain) else None


@_rule(pfb.WeibullCDF)
def _weibull_cdf(b, domain):
    if isinstance(domain, c.GreaterThan) and _is_concrete_zero(domain.lower):
        return c.unit_interval
    return None


@_rule(pfb.KumaraswamyCDF)
def _kumaraswamy_cdf(b, domain):
    return c.unit_interval if _is_unit_interval(domain) else None


@_rule(pfb.SoftClip)
def _soft_clip(b, domain):
    if not _is_real(domain):
        return None
    if b.low is None and b.high is None:
        return c.real
    if b.high is None:
        assert b.low is not None  # both None returned above
        return c.GreaterThan(b.low)
    if b.low is None:
        return c.LessThan(b.high)
    return c.Interval(b.low, b.high)


@_rule(pfb.Shift)
def _shift(b, domain):
    s = b.shift
    if _is_real(domain):
        return c.real
    if isinstance(domain, c.GreaterThan):
        return c.GreaterThan(domain.lower + s, closed=domain.closed)
    if isinstance(domain, c.LessThan):
        return c.LessThan(domain.upper + s, closed=domain.closed)
    if isinstance(domain, c.Interval):
        return c.Interval(domain.low + s, domain.high + s)
    return None


@_rule(pfb.Scale)
def _scale(b, domain):
    if _is_real(domain):
        return c.real
    if b.log_scale is not None:
        sign, factor = 1, jnp.exp(b.log_scale)
    else:
        sign, factor = _concrete_sign(b.scale), b.scale
    if sign == 0:
        return None
    if isinstance(domain, c.GreaterThan):
        bound = domain.lower * factor
        return (c.GreaterThan(bound, closed=domain.closed) if sign > 0
                else c.LessThan(bound, closed=domain.closed))
    if isinstance(domain, c.LessThan):
        bound = domain.upper * factor
        return (c.LessThan(bound, closed=domain.closed) if sign > 0
                else c.GreaterThan(bound, closed=domain.closed))
    if isinstance(domain, c.Interval):
        low, high = domain.low * factor, domain.high * factor
        return c.Interval(low, high) if sign > 0 else c.Interval(high, low)
    return None


@_rule(pfb.Reciprocal, pfb.Power, pfb.Square)
def _positive_to_positive(b, domain):
    if isinstance(domain, c.GreaterThan) and _is_concrete_zero(domain.lower):
        return c.GreaterThan(0.0, closed=domain.closed and not isinstance(b, pfb.Reciprocal))
    return None


@_rule(pfb.Cumsum)
def _cumsum(b, domain):
    if _is_real(domain):
        return c.real
    if b.axis == -1 and isinstance(domain, c.GreaterThan) and _is_concrete_zero(domain.lower):
        return c.positive_ordered
    return None


@_rule(pfb.ScaleMatvecDiag, pfb.ScaleMatvecTriL, pfb.ScaleMatvecLU, pfb.MatvecLU,
       pfb.Reshape, pfb.Transpose, pfb.Permute)
def _linear(b, domain):
    return c.real if _is_real(domain) else None


@_rule(pfb.Ascending)
def _ascending(b, domain):
    return c.ordered if _is_real(domain) else None


@_rule(pfb.IteratedSigmoidCentered, pfb.SoftmaxCentered)
def _to_simplex(b, domain):
    return c.simplex if _is_real(domain) else None


@_rule(pfb.FillScaleTriL)
def _fill_scale_tril(b, domain):
    return c.lower_cholesky if _is_real(domain) else None


@_rule(pfb.CorrelationCholesky)
def _correlation_cholesky(b, domain):
    return c.correlation_cholesky if _is_real(domain) else None


@_rule(pfb.CholeskyOuterProduct)
def _outer_product(b, domain):
    return c.positive_definite if isinstance(domain, c.LowerCholesky) else None


def _is_unit_interval(domain: c.Constraint) -> bool:
    return (isinstance(domain, c.Interval) and _is_concrete_zero(domain.low)
            and is_concrete(domain.high) and bool(np.all(np.asarray(domain.high) == 1)))


@_rule(pfb.Invert)
def _invert(b, domain):
    """Known preimages: ``Invert(f)`` maps ``f``'s image back onto ``f``'s domain."""
    inner = b.bijector
    if isinstance(inner, pfb.Identity):
        return domain
    if isinstance(inner, pfb.Exp):
        return _log(pfb.Log(), domain)
    if isinstance(inner, pfb.Log):
        return c.positive if _is_real(domain) else None
    if _is_unit_interval(domain):
        if isinstance(inner, pfb.NormalCDF | pfb.GumbelCDF):
            return c.real
        if isinstance(inner, pfb.WeibullCDF):
            return c.positive
        if isinstance(inner, pfb.KumaraswamyCDF):
            return c.unit_interval
        if isinstance(inner, pfb.Sigmoid) and inner.low is None:
            return c.real
    return None


# -- points inside a set and strict membership ---------------------------------------------------


def interior(constraint: c.Constraint, event_shape: Sequence[int],
             dtype: DTypeLike) -> Array | None:
    """A point strictly inside ``constraint``'s set, broadcastable to ``batch + event_shape``.

    Returns ``None`` for constraint types without a known interior point.
    """
    core, _ = strip_independent(constraint)
    event_shape = tuple(event_shape)
    if isinstance(core, c.Real):
        return jnp.zeros(event_shape, dtype)
    if isinstance(core, c.GreaterThan):
        return _expand(jnp.asarray(core.lower, dtype) + 1.0, event_shape)
    if isinstance(core, c.LessThan):
        return _expand(jnp.asarray(core.upper, dtype) - 1.0, event_shape)
    if isinstance(core, c.Interval):
        return _expand(0.5 * (jnp.asarray(core.low, dtype) + jnp.asarray(core.high, dtype)),
                       event_shape)
    if isinstance(core, c.Simplex):
        k = event_shape[-1]
        return jnp.full(event_shape, 1.0 / k, dtype)
    if isinstance(core, c.Ordered | c.PositiveOrdered):
        k = event_shape[-1]
        start = 1.0 if isinstance(core, c.PositiveOrdered) else 0.0
        return jnp.broadcast_to(jnp.arange(k, dtype=dtype) + start, event_shape)
    if isinstance(core, c.LowerCholesky | c.CorrelationCholesky | c.PositiveDefinite):
        n = event_shape[-1]
        return jnp.broadcast_to(jnp.eye(n, dtype=dtype), event_shape)
    return None


def _expand(bound: Array, event_shape: tuple[int, ...]) -> Array:
    """Append the event dims to a bound that has the batch shape, then fill the event."""
    bound = jnp.reshape(bound, bound.shape + (1,) * len(event_shape))
    return bound + jnp.zeros(event_shape, bound.dtype)


def strict_check(constraint: c.Constraint, value: Any) -> Array:
    """Like ``constraint.check`` but open at the bounds of half-lines and intervals."""
    core, extra = strip_independent(constraint)
    if isinstance(core, c.GreaterThan):
        ok = value > core.lower
    elif isinstance(core, c.LessThan):
        ok = value < core.upper
    elif isinstance(core, c.Interval):
        ok = (value > core.low) & (value < core.high)
    else:
        return constraint.check(value)
    return jnp.all(ok, axis=tuple(range(-extra, 0))) if extra else ok
