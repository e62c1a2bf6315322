"""The projected normal distribution on the unit sphere (NumPyro's), with ``log_prob`` in any
dimension."""

from __future__ import annotations

import math

import jax
import jax.numpy as jnp
import numpy as np
from jax.scipy import special

from probflow.core.errors import ShapeError
from probflow.core.numerics import promote_floats
from probflow.distributions.constraints import Constraint
from probflow.distributions.distribution import Distribution
from probflow.distributions.spherical import _SPHERE
from probflow.typing import ArrayLike, Shape

__all__ = ["ProjectedNormal"]

_LOG_2PI = math.log(2.0 * math.pi)


class ProjectedNormal(Distribution):
    """Projected normal distribution: the direction ``y / |y|`` of ``y ~ N(concentration, I)``.

    NumPyro's distribution, with ``log_prob`` for every dimension ``d >= 2`` (NumPyro has 2
    and 3): with ``t = c^T x`` for ``c = concentration``,
    ``log_prob(x) = -(|c|^2 - t^2)/2 - (d - 1)/2 log(2 pi) + log M_{d-1}(t)``, where
    ``M_k(t) = int_0^inf r^k phi(r - t) dr`` follows ``M_0 = Phi(t)``,
    ``M_1 = phi(t) + t Phi(t)``, ``M_k = (k - 1) M_{k-2} + t M_{k-1}``. For ``t < 0`` the
    recursion runs on ``M_k / phi(t)``, starting from the Mills ratio
    ``Phi(t)/phi(t)`` (from ``log_ndtr``), which keeps it finite where ``Phi(t)`` underflows
    (accuracy there degrades slowly, as ``t^(2 d)`` times the rounding error).
    Sampling normalises a normal draw (reparameterized). The mode is ``c / |c|``.

    Args:
        concentration: ``batch + (d,)``, any real vectors (the mean of the normal).

    Examples:
        >>> import jax, jax.numpy as jnp
        >>> import probflow.distributions as pfd
        >>> d = pfd.ProjectedNormal(jnp.asarray([0.0, 0.0, 2.0]))
        >>> d.sample(jax.random.key(0), (4,)).shape
        (4, 3)
        >>> round(float(d.log_prob(jnp.asarray([0.0, 0.0, 1.0]))), 4)
        -0.2296
    """

    concentration: jax.Array
    reparameterized = True
    param_event_ndims = {"concentration": 1}

    def __init__(self, concentration: ArrayLike, *, validate_args: bool = False,
                 name: str | None = None):
        (concentration,) = promote_floats(concentration)
        if concentration.ndim < 1 or concentration.shape[-1] < 2:
            raise ShapeError(f"ProjectedNormal: concentration must be a batch of vectors of "
                             f"length d >= 2, got shape {concentration.shape}")
        self._set(concentration=concentration, validate_args=validate_args, name=name)
        self._validate()

    @property
    def event_shape(self) -> Shape:
        return self.concentration.shape[-1:]

    @property
    def dtype(self) -> np.dtype:
        return self.concentration.dtype

    @property
    def support(self) -> Constraint:
        return _SPHERE

    def _sample(self, key, sample_shape):
        shape = tuple(sample_shape) + self.batch_shape + self.event_shape
        y = self.concentration + jax.random.normal(key, shape, self.dtype)
        return y / jnp.linalg.norm(y, axis=-1, keepdims=True)

    def _log_prob(self, value):
        d = self.event_shape[0]
        inside = _SPHERE.check(value)
        t = jnp.sum(self.concentration * value, axis=-1)
        c2 = jnp.sum(jnp.square(self.concentration), axis=-1)
        lp = -0.5 * (c2 - t * t) - 0.5 * (d - 1) * _LOG_2PI + _log_radial_moment(d - 1, t)
        return jnp.where(inside, lp, -jnp.inf)

    def _mode(self):
        c = self.concentration
        return jnp.broadcast_to(c / jnp.linalg.norm(c, axis=-1, keepdims=True),
                                self.batch_shape + self.event_shape)


def _log_radial_moment(k: int, t):
    """``log M_k(t)``, ``M_k(t) = int_0^inf r^k phi(r - t) dr``."""
    nonneg = t >= 0
    # t >= 0: the recursion adds positive terms.
    tp = jnp.where(nonneg, t, 0.0)
    phi = jnp.exp(-0.5 * tp * tp) / math.sqrt(2.0 * math.pi)
    m_prev, m = special.ndtr(tp), phi + tp * special.ndtr(tp)
    # t < 0: the same recursion on M_k / phi(t), from the Mills ratio Phi(t) / phi(t).
    tn = jnp.where(nonneg, -1.0, t)
    log_phi = -0.5 * tn * tn - 0.5 * _LOG_2PI
    s_prev = jnp.exp(special.log_ndtr(tn) - log_phi)
    s = 1.0 + tn * s_prev
    if k == 0:
        m, s = m_prev, s_prev
    for j in range(2, k + 1):
        m_prev, m = m, (j - 1) * m_prev + tp * m
        s_prev, s = s, (j - 1) * s_prev + tn * s
    return jnp.where(nonneg, jnp.log(m), log_phi + jnp.log(s))
