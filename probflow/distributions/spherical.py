"""Distributions on the unit sphere ``S^{d-1}`` in ``R^d``: uniform, von Mises-Fisher and
power spherical (the projected normal is in ``projected_normal``).

Densities are with respect to the surface measure of the sphere. The support,
``constraints.Sphere``, is not the image of a bijection from the reals, so these families have
no default event-space bijector (sample them by reparameterization, as in VI, or normalise an
unconstrained vector in the model).

Samplers that need a direction at an angle to ``mean_direction`` draw it around the first
axis ``e_1`` and move it with the Householder reflection that maps ``e_1`` to
``mean_direction``.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import jax
import jax.numpy as jnp
import numpy as np
from jax.scipy import special

from probflow.core import checks
from probflow.core.errors import ShapeError
from probflow.core.numerics import default_float, promote_floats
from probflow.core.pytree import static_field
from probflow.distributions import _gamma_draws, constraints
from probflow.distributions._bessel import log_bessel_iv_over_xv
from probflow.distributions.distribution import Distribution
from probflow.distributions.kl import register_kl
from probflow.typing import ArrayLike, DTypeLike, Shape

__all__ = ["SphericalUniform", "VonMisesFisher", "PowerSpherical"]

_LOG_2PI = math.log(2.0 * math.pi)
_SPHERE = constraints.Sphere()


def _log_sphere_area(d: int) -> float:
    """``log |S^{d-1}| = log 2 + (d/2) log pi - lgamma(d/2)``."""
    return math.log(2.0) + 0.5 * d * math.log(math.pi) - math.lgamma(0.5 * d)


def _unit_vector_check(name, value):
    def test(v):
        tol = 1e-4 if v.dtype != jnp.float64 else 1e-8
        return abs((v * v).sum(-1) - 1.0) <= tol

    return checks.Check(name, value, test, "a unit vector (norm 1 along the last axis)")


def _check_direction(owner, mean_direction):
    if mean_direction.ndim < 1 or mean_direction.shape[-1] < 2:
        raise ShapeError(f"{owner}: mean_direction must be a batch of vectors of length d >= 2, "
                         f"got shape {mean_direction.shape}")


def _uniform_directions(key, shape, d, dtype):
    """Uniform points on ``S^{d-1}``, shape ``shape + (d,)`` (normalised normal vectors)."""
    z = jax.random.normal(key, shape + (d,), dtype)
    return z / jnp.linalg.norm(z, axis=-1, keepdims=True)


def _rotate_from_first_axis(mean_direction, x):
    """Apply the Householder reflection mapping ``e_1`` to ``mean_direction`` to ``x``."""
    d = mean_direction.shape[-1]
    u = jnp.zeros(d, mean_direction.dtype).at[0].set(1.0) - mean_direction
    norm2 = jnp.sum(u * u, axis=-1, keepdims=True)
    safe = norm2 > jnp.finfo(mean_direction.dtype).tiny
    u = jnp.where(safe, u / jnp.sqrt(jnp.where(safe, norm2, 1.0)), 0.0)
    return x - 2.0 * u * jnp.sum(u * x, axis=-1, keepdims=True)


def _around_first_axis(key, w, sin_angle, d):
    """Points ``(w, sin_angle * v)`` with ``v`` uniform on ``S^{d-2}``."""
    v = _uniform_directions(key, w.shape, d - 1, w.dtype)
    return jnp.concatenate([w[..., None], sin_angle[..., None] * v], axis=-1)


class SphericalUniform(Distribution):
    """Uniform distribution on the unit sphere ``S^{d-1}`` of ``R^d``.

    ``log_prob(x) = -log |S^{d-1}| = lgamma(d/2) - log 2 - (d/2) log pi`` on the sphere;
    samples are normalised standard normal vectors. Mean zero, covariance ``I / d``, entropy
    ``log |S^{d-1}|``. It has no array parameters; ``batch_shape`` is given.

    Args:
        dimension: ``d``, the dimension of the space the sphere lies in (``>= 1``, static).
        batch_shape: shape of the batch (static).
        dtype: dtype of samples (default: the default float).

    Examples:
        >>> import jax
        >>> import probflow.distributions as pfd
        >>> d = pfd.SphericalUniform(dimension=3, batch_shape=(2,))
        >>> d.sample(jax.random.key(0), (4,)).shape
        (4, 2, 3)
        >>> round(float(d.entropy()[0]), 4)  # log(4 pi)
        2.531
    """

    dimension: int = static_field()
    shape: tuple = static_field(default=())
    dtype_name: str = static_field(default="float32")

    def __init__(self, dimension: int, batch_shape: Sequence[int] = (),
                 dtype: DTypeLike | None = None, *, validate_args: bool = False,
                 name: str | None = None):
        dimension = checks.check_count("SphericalUniform", "dimension", dimension)
        batch_shape = tuple(int(s) for s in batch_shape)
        dtype = jnp.dtype(dtype if dtype is not None else default_float())
        self._set(dimension=dimension, shape=batch_shape, dtype_name=dtype.name,
                  validate_args=validate_args, name=name)

    @property
    def batch_shape(self) -> Shape:
        return self.shape

    @property
    def event_shape(self) -> Shape:
        return (self.dimension,)

    @property
    def dtype(self) -> np.dtype:
        return jnp.dtype(self.dtype_name)

    @property
    def support(self) -> constraints.Constraint:
        return _SPHERE

    def _sample(self, key, sample_shape):
        return _uniform_directions(key, tuple(sample_shape) + self.shape, self.dimension,
                                   self.dtype)

    def _log_prob(self, value):
        inside = _SPHERE.check(value)
        shape = jnp.broadcast_shapes(inside.shape, self.shape)
        lp = jnp.full(shape, -_log_sphere_area(self.dimension), self.dtype)
        return jnp.where(inside, lp, -jnp.inf)

    def _mean(self):
        return jnp.zeros(self.shape + self.event_shape, self.dtype)

    def _covariance(self):
        eye = jnp.eye(self.dimension, dtype=self.dtype) / self.dimension
        return jnp.broadcast_to(eye, self.shape + (self.dimension, self.dimension))

    def _entropy(self):
        return jnp.full(self.shape, _log_sphere_area(self.dimension), self.dtype)


class _DirectionalDistribution(Distribution):
    """A distribution on the unit sphere around ``mean_direction`` with a ``concentration``:
    the fields, their checks, the event shape and the support, shared by
    [`VonMisesFisher`][probflow.distributions.spherical.VonMisesFisher] and
    [`PowerSpherical`][probflow.distributions.spherical.PowerSpherical]."""

    mean_direction: jax.Array
    concentration: jax.Array
    param_event_ndims = {"mean_direction": 1, "concentration": 0}

    def __init__(self, mean_direction: ArrayLike, concentration: ArrayLike, *,
                 validate_args: bool = False, name: str | None = None):
        mean_direction, concentration = promote_floats(mean_direction, concentration)
        _check_direction(type(self).__name__, mean_direction)
        self._set(mean_direction=mean_direction, concentration=concentration,
                  validate_args=validate_args, name=name)
        self._validate(_unit_vector_check("mean_direction", mean_direction),
                       checks.nonnegative("concentration", concentration))

    @property
    def _dim(self) -> int:
        return self.mean_direction.shape[-1]

    @property
    def event_shape(self) -> Shape:
        return (self._dim,)

    @property
    def dtype(self) -> np.dtype:
        return self.mean_direction.dtype

    @property
    def support(self) -> constraints.Constraint:
        return _SPHERE


class VonMisesFisher(_DirectionalDistribution):
    """Von Mises-Fisher distribution on ``S^{d-1}`` with ``mean_direction`` and ``concentration``.

    ``log_prob(x) = concentration mu^T x + log C_d(concentration)`` with
    ``log C_d(k) = (d/2 - 1) log k - (d/2) log(2 pi) - log I_{d/2-1}(k)`` (any ``d >= 2``; at
    ``k = 0`` the uniform distribution). With ``A_d(k) = I_{d/2}(k) / I_{d/2-1}(k)``: mean
    ``A_d mu``, covariance ``(A_d / k) I + (1 - d A_d / k - A_d^2) mu mu^T``, entropy
    ``-k A_d - log C_d(k)``, mode ``mu``. Samples by Wood's (1994) exact rejection sampler for
    the component ``w = mu^T x`` (proposals from a symmetric beta distribution, drawn by
    Ulrich's polar method), then a uniform direction
    orthogonal to ``mu``; they are not reparameterized in ``concentration``. Closed-form KL
    divergences to another von Mises-Fisher (same ``d``) and to
    [`SphericalUniform`][probflow.distributions.spherical.SphericalUniform].

    Args:
        mean_direction: unit vectors, ``batch + (d,)``.
        concentration: non-negative, ``batch``.

    Examples:
        >>> import jax, jax.numpy as jnp
        >>> import probflow.distributions as pfd
        >>> d = pfd.VonMisesFisher(jnp.asarray([0.0, 0.0, 1.0]), 5.0)
        >>> d.sample(jax.random.key(0), (4,)).shape
        (4, 3)
        >>> round(float(d.log_prob(jnp.asarray([0.0, 0.0, 1.0]))), 4)
        -0.2284
        >>> d.mean().round(3)
        Array([0. , 0. , 0.8], dtype=float32)
    """

    def _log_normalizer(self):
        """``log C_d(concentration)``."""
        v = 0.5 * self._dim - 1.0
        return -0.5 * self._dim * _LOG_2PI - log_bessel_iv_over_xv(v, self.concentration)

    def _mean_resultant(self):
        """``A_d(k) / k = I_{d/2}(k) / (k I_{d/2-1}(k))`` (finite, ``1/d`` at ``k = 0``)."""
        v = 0.5 * self._dim - 1.0
        return jnp.exp(log_bessel_iv_over_xv(v + 1.0, self.concentration)
                       - log_bessel_iv_over_xv(v, self.concentration))

    def _sample(self, key, sample_shape):
        d = self._dim
        shape = tuple(sample_shape) + self.batch_shape
        kappa = jnp.broadcast_to(self.concentration, shape)
        key_w, key_v = jax.random.split(key)
        w, one_minus_w, one_plus_w = _wood(key_w, kappa, d)
        x = _around_first_axis(key_v, w, jnp.sqrt(one_minus_w * one_plus_w), d)
        return _rotate_from_first_axis(self.mean_direction, x)

    def _log_prob(self, value):
        inside = _SPHERE.check(value)
        dot = jnp.sum(self.mean_direction * value, axis=-1)
        lp = self.concentration * dot + self._log_normalizer()
        return jnp.where(inside, lp, -jnp.inf)

    def _mean(self):
        a = self.concentration * self._mean_resultant()
        return jnp.broadcast_to(a[..., None] * self.mean_direction,
                                self.batch_shape + self.event_shape)

    def _mode(self):
        return jnp.broadcast_to(self.mean_direction, self.batch_shape + self.event_shape)

    def _covariance(self):
        d = self._dim
        ratio = self._mean_resultant()[..., None, None]
        a = self.concentration[..., None, None] * ratio
        mu = self.mean_direction
        outer = mu[..., :, None] * mu[..., None, :]
        cov = ratio * jnp.eye(d, dtype=self.dtype) + (1.0 - d * ratio - a * a) * outer
        return jnp.broadcast_to(cov, self.batch_shape + (d, d))

    def _entropy(self):
        k = self.concentration
        h = -k * k * self._mean_resultant() - self._log_normalizer()
        return jnp.broadcast_to(h, self.batch_shape)


def _symmetric_beta(key, m, shape, dtype):
    """``Beta(m/2, m/2)`` draws by Ulrich's (1984) polar method (no gamma variates).

    ``z = (1 + sqrt(1 - u^(2/(m - 1))) cos(2 pi v)) / 2`` with ``u, v`` uniform; for ``m = 1``
    (the arcsine law) the square root is 1.
    """
    key_u, key_v = jax.random.split(key)
    v = jax.random.uniform(key_v, shape, dtype)
    if m > 1:
        u = jax.random.uniform(key_u, shape, dtype)
        radius = jnp.sqrt(-jnp.expm1(2.0 / (m - 1.0) * jnp.log(u)))
    else:
        radius = 1.0
    return 0.5 + 0.5 * radius * jnp.cos(2.0 * math.pi * v)


def _wood(key, kappa, d):
    """Wood's rejection sampler of ``w = mu^T x``; returns ``(w, 1 - w, 1 + w)``."""
    dtype = kappa.dtype
    m = d - 1.0
    b = m / (2.0 * kappa + jnp.sqrt(4.0 * kappa * kappa + m * m))
    x0 = (1.0 - b) / (1.0 + b)
    c = kappa * x0 + m * (jnp.log(4.0 * b) - 2.0 * jnp.log1p(b))

    def cond(state):
        return ~jnp.all(state[1])

    def body(state):
        key, done, w, one_minus, one_plus = state
        key, key_z, key_u = jax.random.split(key, 3)
        z = _symmetric_beta(key_z, m, kappa.shape, dtype)
        u = jax.random.uniform(key_u, kappa.shape, dtype, minval=jnp.finfo(dtype).tiny)
        den = 1.0 - (1.0 - b) * z
        w_new = (1.0 - (1.0 + b) * z) / den
        accept = kappa * w_new + m * jnp.log1p(-x0 * w_new) - c >= jnp.log(u)
        take = ~done & accept
        w = jnp.where(take, w_new, w)
        one_minus = jnp.where(take, 2.0 * b * z / den, one_minus)
        one_plus = jnp.where(take, 2.0 * (1.0 - z) / den, one_plus)
        return key, done | accept, w, one_minus, one_plus

    zeros = jnp.zeros_like(kappa)
    init = (key, jnp.zeros(kappa.shape, bool), zeros, zeros, zeros)
    _, _, w, one_minus, one_plus = jax.lax.while_loop(cond, body, init)
    return w, one_minus, one_plus


@register_kl(VonMisesFisher, VonMisesFisher)
def _kl_vmf_vmf(p: VonMisesFisher, q: VonMisesFisher):
    if p._dim != q._dim:
        raise ShapeError(f"KL(VonMisesFisher || VonMisesFisher): dimensions differ, "
                         f"{p._dim} and {q._dim}")
    # E_p[x] = A_d(k_p) mu_p, so KL = k_p A_p - k_q A_p mu_q^T mu_p + log C(k_p) - log C(k_q).
    a_p = p.concentration * p._mean_resultant()
    dot = jnp.sum(p.mean_direction * q.mean_direction, axis=-1)
    return (a_p * (p.concentration - q.concentration * dot) + p._log_normalizer()
            - q._log_normalizer())


@register_kl(VonMisesFisher, SphericalUniform)
def _kl_vmf_uniform(p: VonMisesFisher, q: SphericalUniform):
    if p._dim != q.dimension:
        raise ShapeError(f"KL(VonMisesFisher || SphericalUniform): dimensions differ, "
                         f"{p._dim} and {q.dimension}")
    kl = -p._entropy() + _log_sphere_area(p._dim)
    return jnp.broadcast_to(kl, jnp.broadcast_shapes(p.batch_shape, q.batch_shape))


class PowerSpherical(_DirectionalDistribution):
    """Power spherical distribution on ``S^{d-1}`` (De Cao and Aziz, 2020).

    ``log_prob(x) = concentration log(1 + mu^T x) - log N`` with ``alpha = (d - 1)/2 +
    concentration``, ``beta = (d - 1)/2`` and ``log N = (alpha + beta) log 2 + beta log pi +
    lgamma(alpha) - lgamma(alpha + beta)``. ``(1 + mu^T x)/2`` is ``Beta(alpha, beta)``: samples
    draw it (through log-gamma variates, so they are implicitly reparameterized in
    ``concentration``) and a uniform direction orthogonal to ``mu``; no rejection. Mean
    ``(alpha - beta)/(alpha + beta) mu``; covariance ``var_t mu mu^T + E[1 - t^2]/(d - 1)
    (I - mu mu^T)``; entropy ``log N - concentration (log 2 + digamma(alpha) -
    digamma(alpha + beta))``; mode ``mu``. Closed-form KL divergences to
    [`SphericalUniform`][probflow.distributions.spherical.SphericalUniform] and to
    [`VonMisesFisher`][probflow.distributions.spherical.VonMisesFisher].

    Args:
        mean_direction: unit vectors, ``batch + (d,)``.
        concentration: non-negative, ``batch``.

    Examples:
        >>> import jax, jax.numpy as jnp
        >>> import probflow.distributions as pfd
        >>> d = pfd.PowerSpherical(jnp.asarray([0.0, 1.0]), 3.0)
        >>> d.sample(jax.random.key(0), (4,)).shape
        (4, 2)
        >>> d.mean()
        Array([0.  , 0.75], dtype=float32)
    """

    reparameterized = True

    def _alpha_beta(self):
        beta = 0.5 * (self._dim - 1.0)
        return beta + self.concentration, beta

    def _log_normalizer(self):
        alpha, beta = self._alpha_beta()
        return ((alpha + beta) * math.log(2.0) + beta * math.log(math.pi)
                + special.gammaln(alpha) - special.gammaln(alpha + beta))

    def _sample(self, key, sample_shape):
        d = self._dim
        shape = tuple(sample_shape) + self.batch_shape
        alpha, beta = self._alpha_beta()
        key_t, key_v = jax.random.split(key)
        # logit of z ~ Beta(alpha, beta); t = 2 z - 1 = tanh(l / 2), sqrt(1 - t^2) = sech(l / 2).
        logit = _gamma_draws.beta_logit(key_t, alpha, jnp.asarray(beta, self.dtype), shape,
                                        self.dtype)
        t = jnp.tanh(0.5 * logit)
        x = _around_first_axis(key_v, t, 1.0 / jnp.cosh(0.5 * logit), d)
        return _rotate_from_first_axis(self.mean_direction, x)

    def _log_prob(self, value):
        inside = _SPHERE.check(value)
        dot = jnp.sum(self.mean_direction * value, axis=-1)
        lp = special.xlogy(self.concentration, jnp.maximum(1.0 + dot, 0.0)) - self._log_normalizer()
        return jnp.where(inside, lp, -jnp.inf)

    def _mean_t(self):
        alpha, beta = self._alpha_beta()
        return (alpha - beta) / (alpha + beta)

    def _mean(self):
        return jnp.broadcast_to(self._mean_t()[..., None] * self.mean_direction,
                                self.batch_shape + self.event_shape)

    def _mode(self):
        return jnp.broadcast_to(self.mean_direction, self.batch_shape + self.event_shape)

    def _covariance(self):
        d = self._dim
        alpha, beta = self._alpha_beta()
        total = alpha + beta
        one_minus_t2 = 4.0 * alpha * beta / (total * (total + 1.0))
        var_t = one_minus_t2 / total
        mu = self.mean_direction
        outer = mu[..., :, None] * mu[..., None, :]
        eye = jnp.eye(d, dtype=self.dtype)
        cov = (var_t[..., None, None] * outer
               + (one_minus_t2 / (d - 1.0))[..., None, None] * (eye - outer))
        return jnp.broadcast_to(cov, self.batch_shape + (d, d))

    def _entropy(self):
        alpha, beta = self._alpha_beta()
        mean_log = math.log(2.0) + special.digamma(alpha) - special.digamma(alpha + beta)
        h = self._log_normalizer() - self.concentration * mean_log
        return jnp.broadcast_to(h, self.batch_shape)


@register_kl(PowerSpherical, SphericalUniform)
def _kl_power_spherical_uniform(p: PowerSpherical, q: SphericalUniform):
    if p._dim != q.dimension:
        raise ShapeError(f"KL(PowerSpherical || SphericalUniform): dimensions differ, "
                         f"{p._dim} and {q.dimension}")
    kl = -p._entropy() + _log_sphere_area(p._dim)
    return jnp.broadcast_to(kl, jnp.broadcast_shapes(p.batch_shape, q.batch_shape))


@register_kl(PowerSpherical, VonMisesFisher)
def _kl_power_spherical_vmf(p: PowerSpherical, q: VonMisesFisher):
    if p._dim != q._dim:
        raise ShapeError(f"KL(PowerSpherical || VonMisesFisher): dimensions differ, "
                         f"{p._dim} and {q._dim}")
    # -E_p[log q] = -k_q mu_q^T E_p[x] - log C(k_q).
    dot = jnp.sum(p.mean_direction * q.mean_direction, axis=-1)
    return -p._entropy() - q.concentration * p._mean_t() * dot - q._log_normalizer()
