"""TFP's ``FlatDirichlet``: the Dirichlet with every concentration equal to one."""

from __future__ import annotations

import jax.numpy as jnp

from probflow.core.numerics import default_float
from probflow.core.shapes import as_shape
from probflow.distributions.dirichlet import Dirichlet
from probflow.typing import DTypeLike, ShapeLike

__all__ = ["FlatDirichlet"]


class FlatDirichlet(Dirichlet):
    """The uniform distribution on the simplex: a Dirichlet with concentration ones.

    Given by the shape of its concentration (``batch_shape + (K,)``), as in TFP. The density is
    the constant ``(K - 1)!`` on the simplex (``log_prob = lgamma(K)``); everything else is
    [`Dirichlet`][probflow.distributions.dirichlet.Dirichlet]'s (sampling, moments, entropy,
    the Dirichlet KL divergences). The ones are stored as the ``concentration`` array.

    Args:
        concentration_shape: ``batch_shape + (K,)`` with ``K >= 1`` (static).
        dtype: dtype of samples (default: the default float).

    Examples:
        >>> import jax
        >>> import probflow.distributions as pfd
        >>> d = pfd.FlatDirichlet((2, 3))
        >>> d.batch_shape, d.event_shape
        ((2,), (3,))
        >>> round(float(d.log_prob(jax.numpy.asarray([0.2, 0.3, 0.5]))[0]), 4)  # log 2!
        0.6931
    """

    def __init__(self, concentration_shape: ShapeLike, dtype: DTypeLike | None = None, *,
                 validate_args: bool = False, name: str | None = None):
        shape = as_shape(concentration_shape)
        if len(shape) < 1 or shape[-1] < 1:
            raise ValueError(f"FlatDirichlet: concentration_shape must end in the number of "
                             f"categories K >= 1, got {shape}")
        dtype = jnp.dtype(dtype if dtype is not None else default_float())
        if not jnp.issubdtype(dtype, jnp.floating):
            raise ValueError(f"FlatDirichlet: dtype must be a floating dtype, got {dtype}")
        super().__init__(jnp.ones(shape, dtype), validate_args=validate_args, name=name)
