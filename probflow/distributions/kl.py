"""KL divergences: a registry of closed forms keyed by pairs of distribution types.

Register a closed form with [`register_kl`][probflow.distributions.kl.register_kl];
[`kl_divergence`][probflow.distributions.kl.kl_divergence] finds the
most specific registered pair along both classes' method resolution orders and
raises [`NoKLError`][probflow.core.errors.NoKLError] naming both types when none fits.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any, TypeVar

from probflow.core.errors import NoKLError

if TYPE_CHECKING:
    from probflow.distributions.distribution import Distribution
    from probflow.typing import Array

__all__ = ["register_kl", "kl_divergence", "registered_kl_pairs"]

_KL_REGISTRY: dict[tuple[type, type], Callable[..., Any]] = {}

_F = TypeVar("_F", bound=Callable[..., Any])


def register_kl(type_p: type, type_q: type) -> Callable[[_F], _F]:
    """Decorator registering ``fn(p, q) -> KL(p || q)`` for ``p: type_p``, ``q: type_q``.

    The registry is filled once at import time by probflow and, optionally, by
    user code for their own distribution classes.

    Examples:
        >>> import probflow.distributions as pfd
        >>> class MyNormal(pfd.Normal):
        ...     pass
        >>> @register_kl(MyNormal, MyNormal)
        ... def _kl_mine(p, q):
        ...     return 0.0
        >>> kl_divergence(MyNormal(0.0, 1.0), MyNormal(1.0, 1.0))
        0.0
    """

    def decorator(fn: _F) -> _F:
        _KL_REGISTRY[(type_p, type_q)] = fn
        return fn

    return decorator


def registered_kl_pairs() -> list[tuple[type, type]]:
    """The (type_p, type_q) pairs that have a closed form.

    Examples:
        >>> import probflow.distributions as pfd
        >>> (pfd.Normal, pfd.Normal) in registered_kl_pairs()
        True
    """
    return list(_KL_REGISTRY)


def _lookup(type_p: type, type_q: type) -> tuple[Callable[..., Any], int] | tuple[None, None]:
    for i, cls_p in enumerate(type_p.__mro__):
        for j, cls_q in enumerate(type_q.__mro__):
            fn = _KL_REGISTRY.get((cls_p, cls_q))
            if fn is not None:
                return fn, i + j
    return None, None


def kl_divergence(p: Distribution, q: Distribution) -> Array:
    """``KL(p || q)``, in nats, of shape ``broadcast(p.batch_shape, q.batch_shape)``.

    Examples:
        >>> import probflow.distributions as pfd
        >>> float(kl_divergence(pfd.Normal(0.0, 1.0), pfd.Normal(1.0, 1.0)))
        0.5
    """
    fn, _ = _lookup(type(p), type(q))
    if fn is None:
        raise NoKLError(
            f"No closed-form KL divergence is registered for KL({type(p).__name__} || "
            f"{type(q).__name__}); estimate it by Monte Carlo, e.g. "
            f"mean(p.log_prob(x) - q.log_prob(x)) with x = p.sample(key, n), or register one "
            f"with probflow.distributions.register_kl"
        )
    return fn(p, q)
