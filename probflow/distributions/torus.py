"""The sine bivariate von Mises distribution of two dependent angles (NumPyro's parameters)."""

from __future__ import annotations

import math

import jax
import jax.numpy as jnp
from jax.scipy import special

from probflow.core import checks
from probflow.core.numerics import promote_floats
from probflow.distributions import constraints
from probflow.distributions.distribution import Distribution
from probflow.distributions.von_mises import VonMises
from probflow.typing import ArrayLike, Shape

__all__ = ["SineBivariateVonMises"]

_NUM_TERMS = 200  # terms of the normaliser's series
_RECURRENCE_START = _NUM_TERMS + 60


def _log_bessel_integer_orders(x):
    """``log I_m(x)`` for ``m = 0 .. _NUM_TERMS - 1`` (last axis), ``x > 0``.

    ``I_0`` from ``i0e``; the ratios ``r_m = I_m / I_{m-1}`` by the backward recurrence
    ``r_m = 1 / (2 m / x + r_{m+1})`` started at ``r = 0`` far beyond the last order.
    """
    orders = jnp.arange(_RECURRENCE_START, 0, -1, dtype=x.dtype)

    def step(r_next, m):
        r = 1.0 / (2.0 * m / x + r_next)
        return r, r

    _, ratios = jax.lax.scan(step, jnp.zeros_like(x), orders)  # r_S, ..., r_1
    log_ratios = jnp.log(ratios[::-1][: _NUM_TERMS - 1])  # r_1 .. r_{N-1}
    log_i0 = jnp.log(special.i0e(x)) + x
    cumulative = jnp.concatenate([jnp.zeros_like(x)[None], jnp.cumsum(log_ratios, axis=0)])
    return jnp.moveaxis(log_i0 + cumulative, 0, -1)


class SineBivariateVonMises(Distribution):
    """Sine model of two dependent angles ``(phi, psi)`` on the torus (Singh et al., 2002).

    ``log_prob(phi, psi) = k1 cos(phi - mu) + k2 cos(psi - nu) + lam sin(phi - mu)
    sin(psi - nu) - log C`` on ``[-pi, pi]^2`` with ``C = 4 pi^2 sum_m binom(2m, m)
    (lam^2 / (4 k1 k2))^m I_m(k1) I_m(k2)`` (summed to 200 terms, with the Bessel functions
    from a backward recurrence: accurate to rounding for concentrations up to about 250 when
    ``lam^2 < k1 k2``; beyond, the normaliser loses accuracy). The density is unimodal for
    ``lam^2 < k1 k2`` and bimodal beyond.

    Sampling is exact: ``phi`` from its marginal, ``exp(k1 cos(phi - mu)) I_0(sqrt(k2^2 +
    lam^2 sin^2(phi - mu)))``, by rejection from an angular central Gaussian envelope (the
    bound of Kent, Ganeiber and Mardia, 2018), then ``psi`` given ``phi`` from the von Mises
    with concentration ``sqrt(k2^2 + lam^2 sin^2(phi - mu))`` and mean direction
    ``nu + atan2(lam sin(phi - mu), k2)``. The acceptance rate falls as ``lam^2 / (k1 k2)``
    grows. Samples are wrapped to ``[-pi, pi]``; not reparameterized.

    Args:
        phi_loc: location ``mu`` of the first angle.
        psi_loc: location ``nu`` of the second angle.
        phi_concentration: ``k1``, positive.
        psi_concentration: ``k2``, positive.
        correlation: ``lam``, real. Give this or ``weighted_correlation``.
        weighted_correlation: ``w`` in ``[-1, 1]`` with ``lam = w sqrt(k1 k2)`` (unimodal for
            ``|w| < 1``).

    Examples:
        >>> import jax, jax.numpy as jnp
        >>> import probflow.distributions as pfd
        >>> d = pfd.SineBivariateVonMises(0.0, 1.0, 2.0, 3.0, weighted_correlation=0.5)
        >>> d.event_shape, d.sample(jax.random.key(0), (5,)).shape
        ((2,), (5, 2))
        >>> round(float(d.log_prob(jnp.asarray([0.0, 1.0]))), 4)
        -1.1564
    """

    phi_loc: jax.Array
    psi_loc: jax.Array
    phi_concentration: jax.Array
    psi_concentration: jax.Array
    correlation: jax.Array

    def __init__(self, phi_loc: ArrayLike, psi_loc: ArrayLike, phi_concentration: ArrayLike,
                 psi_concentration: ArrayLike, correlation: ArrayLike | None = None,
                 weighted_correlation: ArrayLike | None = None, *, validate_args: bool = False,
                 name: str | None = None):
        if (correlation is None) == (weighted_correlation is None):
            raise ValueError("SineBivariateVonMises: give exactly one of correlation and "
                             "weighted_correlation")
        given = correlation if correlation is not None else weighted_correlation
        assert given is not None  # exactly one of the two is given (checked above)
        phi_loc, psi_loc, phi_concentration, psi_concentration, given = promote_floats(
            phi_loc, psi_loc, phi_concentration, psi_concentration, given)
        if weighted_correlation is not None:
            checks.validate("SineBivariateVonMises", [checks.Check(
                "weighted_correlation", given, lambda v: (v >= -1) & (v <= 1), "in [-1, 1]")],
                validate_args)
            correlation = given * jnp.sqrt(phi_concentration * psi_concentration)
        else:
            correlation = given
        self._set(phi_loc=phi_loc, psi_loc=psi_loc, phi_concentration=phi_concentration,
                  psi_concentration=psi_concentration, correlation=correlation,
                  validate_args=validate_args, name=name)
        self._validate(checks.positive("phi_concentration", phi_concentration),
                       checks.positive("psi_concentration", psi_concentration))

    @property
    def event_shape(self) -> Shape:
        return (2,)

    @property
    def support(self) -> constraints.Constraint:
        return constraints.independent(constraints.circular, 1)

    def _log_normalizer(self):
        k1, k2, lam = jnp.broadcast_arrays(self.phi_concentration, self.psi_concentration,
                                           self.correlation)
        m = jnp.arange(_NUM_TERMS, dtype=k1.dtype)
        log_binom = special.gammaln(2.0 * m + 1.0) - 2.0 * special.gammaln(m + 1.0)
        tiny = jnp.finfo(k1.dtype).tiny
        log_rho = (jnp.log(jnp.maximum(jnp.square(lam), tiny)) - jnp.log(4.0 * k1 * k2))
        terms = (log_binom + m * log_rho[..., None] + _log_bessel_integer_orders(k1)
                 + _log_bessel_integer_orders(k2))
        # lam = 0: only the m = 0 term (0 * log 0 = 0).
        terms = jnp.where((lam[..., None] == 0) & (m > 0), -jnp.inf, terms)
        return 2.0 * math.log(2.0 * math.pi) + special.logsumexp(terms, axis=-1)

    def _log_prob(self, value):
        phi = value[..., 0] - self.phi_loc
        psi = value[..., 1] - self.psi_loc
        inside = jnp.all((value >= -math.pi) & (value <= math.pi), axis=-1)
        lp = (self.phi_concentration * jnp.cos(phi) + self.psi_concentration * jnp.cos(psi)
              + self.correlation * jnp.sin(phi) * jnp.sin(psi) - self._log_normalizer())
        return jnp.where(inside, lp, -jnp.inf)

    def _sample(self, key, sample_shape):
        shape = tuple(sample_shape) + self.batch_shape
        k1, k2, lam = (jnp.broadcast_to(p, shape) for p in (
            self.phi_concentration, self.psi_concentration, self.correlation))
        key_phi, key_psi = jax.random.split(key)
        phi = _phi_marginal(key_phi, k1, k2, lam)
        sin_phi = jnp.sin(phi)
        psi = VonMises(jnp.arctan2(lam * sin_phi, k2),
                       jnp.sqrt(jnp.square(k2) + jnp.square(lam * sin_phi))).sample(key_psi)
        angles = jnp.stack([phi + self.phi_loc, psi + self.psi_loc], axis=-1)
        return jnp.mod(angles + math.pi, 2.0 * math.pi) - math.pi


def _phi_marginal(key, k1, k2, lam):
    """Centred ``phi`` from its marginal by rejection from an angular central Gaussian.

    With ``x = (cos phi, sin phi)``, ``log h(x) = k1 (x_0 - 1) + log I_0(sqrt(k2^2 + lam^2
    x_1^2)) - log I_0(k2) <= -a x_1^2`` for ``a = (k1 - lam^2 / k2) / 2`` (``log I_0`` has slope
    below one, and ``x_0 - 1 <= -x_1^2 / 2``). With ``m = min(a, 0)`` this is
    ``h e^m <= exp(-x^T A x)``, ``A = diag(-m, a - m)`` positive semi-definite, and
    ``exp(-t) <= e^{b/2 - 1} (2/b) / (1 + 2t/b)`` bounds it by the angular central Gaussian
    with ``Omega = I + 2A/b``; ``b`` solves ``sum_i 1/(b + 2 A_ii) = 1``.
    """
    dtype = k1.dtype
    a = 0.5 * (k1 - jnp.square(lam) / k2)
    m = jnp.minimum(a, 0.0)
    eig0, eig1 = -m, a - m
    spread = jnp.abs(eig1 - eig0)
    b = 1.0 + 1.0 / (spread + jnp.sqrt(jnp.square(spread) + 1.0))
    log_i0_k2 = jnp.log(special.i0e(k2)) + k2

    def cond(state):
        return ~jnp.all(state[1])

    def body(state):
        key, done, phi = state
        key, key_x, key_u = jax.random.split(key, 3)
        z = jax.random.normal(key_x, k1.shape + (2,), dtype)
        x0 = z[..., 0] * jax.lax.rsqrt(1.0 + 2.0 * eig0 / b)
        x1 = z[..., 1] * jax.lax.rsqrt(1.0 + 2.0 * eig1 / b)
        norm = jnp.sqrt(x0 * x0 + x1 * x1)
        x0, x1 = x0 / norm, x1 / norm
        arg = jnp.sqrt(jnp.square(k2) + jnp.square(lam * x1))
        log_h = k1 * (x0 - 1.0) + jnp.log(special.i0e(arg)) + arg - log_i0_k2
        t = eig0 * x0 * x0 + eig1 * x1 * x1
        log_ratio = log_h + m + 1.0 - 0.5 * b + jnp.log(0.5 * b + t)
        u = jax.random.uniform(key_u, k1.shape, dtype)
        accept = jnp.log(u) < log_ratio
        phi = jnp.where(~done & accept, jnp.arctan2(x1, x0), phi)
        return key, done | accept, phi

    init = (key, jnp.zeros(k1.shape, bool), jnp.zeros_like(k1))
    return jax.lax.while_loop(cond, body, init)[2]
