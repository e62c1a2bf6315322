"""The probit Bernoulli distribution: ``P(X = 1) = ndtr(probits)``."""

from __future__ import annotations

from typing import Any

import jax
import jax.numpy as jnp
import numpy as np
from jax.scipy import special

from probflow.core import checks
from probflow.core.pytree import static_field
from probflow.distributions.bernoulli import (
    _BinaryMasses,
    _exactly_one,
    _kl_binary,
    _log1m,
    _promote_optional,
    _safe_log,
)
from probflow.distributions.distribution import Distribution
from probflow.distributions.kl import register_kl
from probflow.typing import Array, ArrayLike, DTypeLike

__all__ = ["ProbitBernoulli"]


def _log_pair(probits, probs):
    """``(log p, log(1 - p))``; ``log_ndtr(+-probits)`` is accurate in both tails."""
    if probits is not None:
        return special.log_ndtr(probits), special.log_ndtr(-probits)
    return _safe_log(probs), _log1m(probs)


class ProbitBernoulli(_BinaryMasses, Distribution):
    """Bernoulli distribution over ``{0, 1}`` with ``P(X = 1) = ndtr(probits)``.

    The link of probit regression: ``probits`` are the latent normal's mean, so ``X =
    1[probits + Z > 0]`` for a standard normal ``Z``. ``log_prob`` uses
    ``log_ndtr(+-probits)``, accurate for extreme probits. Give exactly one of ``probits``
    and ``probs``. Mean ``p``, variance ``p (1 - p)``, mode ``1[p > 1/2]``, entropy and KL
    divergence as for any Bernoulli.

    Args:
        probits: any real; the batch shape.
        probs: in ``[0, 1]``.
        dtype: dtype of samples (``int32`` as in TFP).

    Examples:
        >>> import jax
        >>> import probflow.distributions as pfd
        >>> d = pfd.ProbitBernoulli(probits=0.0)
        >>> float(d.prob(1)), d.sample(jax.random.key(0), (2,)).dtype
        (0.5, dtype('int32'))
    """

    probits: jax.Array | None
    probs: jax.Array | None
    sample_dtype: Any = static_field(default=jnp.int32, kw_only=True)
    infinite_params = {"probits": "inf"}

    def __init__(self, probits: ArrayLike | None = None, probs: ArrayLike | None = None, *,
                 dtype: DTypeLike = jnp.int32, validate_args: bool = False,
                 name: str | None = None):
        _exactly_one("ProbitBernoulli", probits=probits, probs=probs)
        probits, probs = _promote_optional(probits, probs)
        self._set(probits=probits, probs=probs, sample_dtype=jnp.dtype(dtype),
                  validate_args=validate_args, name=name)
        self._validate(checks.in_unit_interval("probs", probs))

    @property
    def _float_dtype(self) -> np.dtype:
        param = self.probits if self.probits is not None else self.probs
        assert param is not None  # exactly one of the two is given
        return param.dtype

    def probs_parameter(self) -> Array:
        """``probs = ndtr(probits)``."""
        if self.probs is not None:
            return self.probs
        assert self.probits is not None  # exactly one of the two is given
        return special.ndtr(self.probits)

    def probits_parameter(self) -> Array:
        """``probits = ndtri(probs)``."""
        if self.probits is not None:
            return self.probits
        assert self.probs is not None  # exactly one of the two is given
        return special.ndtri(self.probs)

    def _cdf(self, value):
        x = value.astype(self._float_dtype)
        _, log_q = _log_pair(self.probits, self.probs)
        return jnp.where(x < 0, 0.0, jnp.where(x < 1, jnp.exp(log_q), 1.0))

    def _variance(self):
        log_p, log_q = _log_pair(self.probits, self.probs)
        return jnp.broadcast_to(jnp.exp(log_p + log_q), self.batch_shape)

    def _log_masses(self):
        return _log_pair(self.probits, self.probs)


@register_kl(ProbitBernoulli, ProbitBernoulli)
def _kl_probit_bernoulli(p: ProbitBernoulli, q: ProbitBernoulli):
    return _kl_binary(p, q)
