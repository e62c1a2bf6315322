"""``stacked_flow``: several flow layers with permutations in between."""

from __future__ import annotations

from collections.abc import Sequence

import jax
import jax.numpy as jnp

from probflow.bijectors.chain import Chain
from probflow.bijectors.flows.layers import MaskedAutoregressiveFlow, RealNVP, SplineCoupling
from probflow.bijectors.structural import Permute
from probflow.typing import DTypeLike, PRNGKey

__all__ = ["stacked_flow", "FLOW_KINDS"]

FLOW_KINDS = ("realnvp", "spline_coupling", "maf", "spline_autoregressive")


def stacked_flow(key: PRNGKey, kind: str = "realnvp", *, event_size: int, num_layers: int = 4,
                 hidden_units: Sequence[int] = (64, 64), num_bins: int = 8, bound: float = 3.0,
                 dtype: DTypeLike = jnp.float32) -> Chain:
    """A ``Chain`` of ``num_layers`` flow layers with reversing permutations between them.

    Every layer starts as the identity, so the stacked flow does too. Its parameters are the
    only float leaves of the returned PyTree, so ``optax`` trains it directly:
    ``opt_state = optimizer.init(flow)``; ``grads = jax.grad(loss)(flow)``.

    Args:
        key: PRNG key for the conditioners' weights.
        kind: ``"realnvp"``, ``"spline_coupling"``, ``"maf"`` or ``"spline_autoregressive"``.
        event_size: dimension ``D`` of the events (at least 2 for coupling kinds).
        num_layers: number of flow layers.
        hidden_units: conditioner hidden layer sizes.
        num_bins, bound: spline settings (spline kinds).

    Examples:
        >>> import jax, jax.numpy as jnp
        >>> import probflow.bijectors as pfb
        >>> flow = pfb.flows.stacked_flow(jax.random.key(0), "realnvp", event_size=2,
        ...                               num_layers=2, hidden_units=(8,))
        >>> float(flow.forward_log_det_jacobian(jnp.zeros(2), event_ndims=1))
        0.0
    """
    if kind not in FLOW_KINDS:
        raise ValueError(f"stacked_flow: unknown kind {kind!r}; choose one of {FLOW_KINDS}")
    if kind in ("realnvp", "spline_coupling") and event_size < 2:
        raise ValueError(f"stacked_flow: coupling flows need event_size >= 2, got {event_size}")
    keys = jax.random.split(key, num_layers)
    reverse = Permute(tuple(range(event_size - 1, -1, -1)))
    layers = []
    for i, k in enumerate(keys):
        if kind == "realnvp":
            layer = RealNVP.init(k, event_size, hidden_units=hidden_units, dtype=dtype)
        elif kind == "spline_coupling":
            layer = SplineCoupling.init(k, event_size, num_bins=num_bins, bound=bound,
                                        hidden_units=hidden_units, dtype=dtype)
        else:
            layer = MaskedAutoregressiveFlow.init(
                k, event_size, hidden_units, kind="affine" if kind == "maf" else "spline",
                num_bins=num_bins, bound=bound, dtype=dtype)
        layers.append(layer)
        if i < num_layers - 1:
            layers.append(reverse)
    return Chain(layers[::-1])
