"""Weight priors, variational surrogates and the KL term of a Bayesian layer.

A prior is any probflow distribution with scalar (or broadcastable) parameters, applied
elementwise to a weight array; [`ScaleMixturePrior`][probflow.layers.priors.ScaleMixturePrior] adds
Blundell et al.'s two-scale
mixture. A surrogate ([`MeanField`][probflow.layers.priors.MeanField]) maps unconstrained parameters
to an elementwise
distribution over a weight array. [`kl_term`][probflow.layers.priors.kl_term] uses the closed form
from
[`probflow.distributions.kl_divergence`][probflow.distributions.kl.kl_divergence] when the pair has
one and a one-sample Monte
Carlo estimate otherwise.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any, Literal, TypeAlias

import jax
import jax.numpy as jnp
import numpy as np

from probflow import distributions as pfd
from probflow.core.errors import NoKLError
from probflow.core.fastrandom import random_bits
from probflow.core.numerics import softplus_inverse
from probflow.core.pytree import Struct, static_field
from probflow.typing import Array, ArrayLike, DTypeLike, PRNGKey, PyTree

__all__ = ["ScaleMixturePrior", "MeanField", "kl_term", "cast_distribution", "default_prior"]


def default_prior() -> pfd.Distribution:
    """The default weight prior, a standard normal.

    Examples:
        >>> float(default_prior().scale)
        1.0
    """
    return pfd.Normal(0.0, 1.0)


class ScaleMixturePrior(Struct):
    """Two-component zero-mean normal scale mixture (Blundell et al., 2015) for weights.

    ``p(w) = pi N(w | 0, scale1^2) + (1 - pi) N(w | 0, scale2^2)``, elementwise. It has no
    closed-form KL against a normal surrogate, so layers estimate that KL by Monte Carlo.

    Examples:
        >>> import jax.numpy as jnp
        >>> p = ScaleMixturePrior(mixture_weight=0.5, scale1=1.0, scale2=0.01)
        >>> p.log_prob(jnp.zeros(2)).shape
        (2,)
    """

    mixture_weight: jax.Array
    scale1: jax.Array
    scale2: jax.Array

    def __init__(self, mixture_weight: ArrayLike = 0.5, scale1: ArrayLike = 1.0,
                 scale2: ArrayLike = 0.0025):
        values = {"mixture_weight": mixture_weight, "scale1": scale1, "scale2": scale2}
        for name, v in values.items():
            if isinstance(v, int | float) and not (v > 0 and math.isfinite(v)):
                raise ValueError(f"ScaleMixturePrior: {name} must be positive and finite, "
                                 f"got {v!r}")
        if isinstance(mixture_weight, int | float) and mixture_weight >= 1:
            raise ValueError(f"ScaleMixturePrior: mixture_weight must be in (0, 1), got "
                             f"{mixture_weight!r}")
        self._set(**values)

    @property
    def parameters(self) -> dict[str, Any]:
        """The parameters as a dict."""
        return {"mixture_weight": self.mixture_weight, "scale1": self.scale1,
                "scale2": self.scale2}

    def log_prob(self, w: ArrayLike) -> Array:
        """Elementwise log density."""
        lp1 = pfd.Normal(0.0, self.scale1).log_prob(w) + jnp.log(self.mixture_weight)
        lp2 = pfd.Normal(0.0, self.scale2).log_prob(w) + jnp.log1p(-self.mixture_weight)
        return jnp.logaddexp(lp1, lp2)

    def sample(self, key: PRNGKey, sample_shape: Sequence[int] = ()) -> Array:
        """Elementwise draws."""
        k1, k2 = jax.random.split(key)
        z = jax.random.normal(k1, tuple(sample_shape))
        pick = jax.random.uniform(k2, tuple(sample_shape)) < self.mixture_weight
        return z * jnp.where(pick, self.scale1, self.scale2)


class MeanField(Struct):
    """Mean-field surrogate of a loc-scale family: ``family(loc, softplus(rho))`` elementwise.

    Args:
        family: name of a loc-scale distribution in `probflow.distributions`
            (``"Normal"``, ``"Laplace"``, ``"Logistic"``, ``"Cauchy"``).
        init_scale: the scale every weight starts at (``rho = softplus^-1(init_scale)``).

    Examples:
        >>> import jax
        >>> q = MeanField("Normal", init_scale=1e-3)
        >>> params = q.init(jax.random.key(0), (3, 2), fan_in=3, fan_out=2)
        >>> q.distribution(params).batch_shape
        (3, 2)
    """

    family: Literal["Normal", "Laplace", "Logistic", "Cauchy"] = static_field(default="Normal")
    init_scale: float = static_field(default=1e-3)

    def __init__(self, family: Literal["Normal", "Laplace", "Logistic", "Cauchy"] = "Normal",
                 init_scale: float = 1e-3):
        if family not in ("Normal", "Laplace", "Logistic", "Cauchy"):
            raise ValueError(f"MeanField: family must be one of 'Normal', 'Laplace', "
                             f"'Logistic', 'Cauchy', got {family!r}")
        if not (isinstance(init_scale, int | float) and init_scale > 0):
            raise ValueError(f"MeanField: init_scale must be a positive number, got "
                             f"{init_scale!r}")
        self._set(family=family, init_scale=float(init_scale))

    @property
    def parameters(self) -> dict[str, Any]:
        """Configuration as a dict (for saving)."""
        return {"family": self.family, "init_scale": self.init_scale}

    def init(self, key: PRNGKey, shape: Sequence[int], *, fan_in: int, fan_out: int,
             dtype: DTypeLike = jnp.float32, zero_loc: bool = False) -> dict[str, Array]:
        """Initial ``{"loc", "rho"}``: Glorot-normal (or zero) locations, small scales."""
        std = math.sqrt(2.0 / (fan_in + fan_out))
        loc = (jnp.zeros(shape, dtype) if zero_loc
               else std * jax.random.normal(key, shape, dtype))
        rho = jnp.full(shape, softplus_inverse(jnp.asarray(self.init_scale, dtype)), dtype)
        return {"loc": loc, "rho": rho}

    def standard_from_uniform(self, u: Array) -> Array:
        """Standard draws of the family (loc 0, scale 1) by inverting its CDF at ``u``."""
        if self.family == "Normal":
            return standard_normal_from_uniform(u)
        if self.family == "Laplace":
            c = u - 0.5
            return -jnp.sign(c) * jnp.log1p(-2.0 * jnp.abs(c))
        if self.family == "Logistic":
            return jnp.log(u) - jnp.log1p(-u)
        return jnp.tan(jnp.pi * (u - 0.5))

    def sample_from_uniform(self, params: PyTree, u: Array) -> Array:
        """A reparameterized draw ``loc + softplus(rho) * standard(u)``."""
        return params["loc"] + jax.nn.softplus(params["rho"]) * self.standard_from_uniform(u)

    def distribution(self, params: PyTree) -> pfd.Distribution:
        """The elementwise distribution of the weights."""
        scale = jax.nn.softplus(params["rho"])
        return getattr(pfd, self.family)(params["loc"], scale)


#: A weight prior: a probflow distribution or a ScaleMixturePrior.
PriorLike: TypeAlias = pfd.Distribution | ScaleMixturePrior
#: How a layer computes its KL term (see `kl_term`).
KLMethod: TypeAlias = Literal["auto", "analytic", "mc"]


def uniform_and_signs(key: PRNGKey, uniform_shapes: Sequence[Sequence[int]],
                      sign_shapes: Sequence[Sequence[int]],
                      dtype: DTypeLike) -> tuple[list[Array], list[Array]]:
    """Open-interval uniforms and random signs of the given shapes from one key.

    Uniforms have 23-bit resolution, in ``(0, 1)``; see
    [`random_bits`][probflow.core.fastrandom.random_bits].

    Examples:
        >>> import jax, jax.numpy as jnp
        >>> (u,), (s,) = uniform_and_signs(jax.random.key(0), [(3,)], [(2,)], jnp.float32)
        >>> bool(jnp.all((u > 0) & (u < 1))), set(s.tolist()) <= {-1.0, 1.0}
        (True, True)
    """
    uniform_shapes, sign_shapes = list(uniform_shapes), list(sign_shapes)
    u_sizes = [math.prod(s) for s in uniform_shapes]
    s_sizes = [math.prod(s) for s in sign_shapes]
    num_sign_words = -(-sum(s_sizes) // 32)  # signs are packed 32 to a word
    bits = random_bits(key, max(sum(u_sizes) + num_sign_words, 1))
    uniforms, start = [], 0
    for shape, size in zip(uniform_shapes, u_sizes, strict=True):
        b = bits[start:start + size].reshape(shape)
        start += size
        f = jax.lax.bitcast_convert_type((b >> 9) | jnp.uint32(0x3F800000), jnp.float32)
        uniforms.append((f - 1.0 + 2.0 ** -24).astype(dtype))
    signs = []
    if sign_shapes:
        words = bits[start:start + num_sign_words]
        flat = (words[:, None] >> jnp.arange(32, dtype=jnp.uint32)) & jnp.uint32(1)
        flat = flat.reshape(-1).astype(dtype) * 2 - 1
        offset = 0
        for shape, size in zip(sign_shapes, s_sizes, strict=True):
            signs.append(flat[offset:offset + size].reshape(shape))
            offset += size
    return uniforms, signs


def standard_normal_from_uniform(u: Array) -> Array:
    """``Phi^{-1}(u)`` through XLA's ``erf_inv`` (cheaper than ``ndtri``).

    Examples:
        >>> import jax.numpy as jnp
        >>> float(standard_normal_from_uniform(jnp.asarray(0.5)))
        0.0
    """
    return jnp.sqrt(jnp.asarray(2.0, u.dtype)) * jax.lax.erf_inv(2.0 * u - 1.0)


def cast_distribution(dist: PriorLike, dtype: DTypeLike) -> PriorLike:
    """The same distribution with its floating parameters cast to ``dtype``.

    Examples:
        >>> import jax.numpy as jnp
        >>> cast_distribution(default_prior(), jnp.float32).loc.dtype
        dtype('float32')
    """
    def cast(a: ArrayLike) -> Array:
        a = jnp.asarray(a)
        return a.astype(dtype) if jnp.issubdtype(a.dtype, jnp.floating) else a

    return jax.tree_util.tree_map(cast, dist)


def kl_term(q: pfd.Distribution, prior: PriorLike, sample: Array | None = None,
            method: KLMethod = "auto") -> Array:
    """``sum KL(q || prior)`` over all weights: closed form where registered, else Monte Carlo.

    Args:
        q: elementwise surrogate distribution.
        prior: elementwise prior.
        sample: a draw from ``q`` for the Monte Carlo estimate (``q.mean()`` if ``None``).
        method: ``"auto"``, ``"analytic"`` or ``"mc"``.

    Examples:
        >>> import jax.numpy as jnp
        >>> import probflow.distributions as pfd
        >>> float(kl_term(pfd.Normal(jnp.zeros(3), 1.0), default_prior()))
        0.0
    """
    if method not in ("auto", "analytic", "mc"):
        raise ValueError(f"kl_term: method must be 'auto', 'analytic' or 'mc', got {method!r}")
    if method != "mc" and not isinstance(prior, ScaleMixturePrior):
        try:
            return jnp.sum(pfd.kl_divergence(q, prior))
        except NoKLError:
            if method == "analytic":
                raise
    w = q.mean() if sample is None else sample
    return jnp.sum(q.log_prob(w) - prior.log_prob(w))


# -- JSON encoding of configuration values ---------------------------------------------------
#: Distribution classes a saved network may name as a prior (elementwise, real support,
#: scalar parameters). Loading looks names up here only, never by attribute on the module.
SAVABLE_PRIORS = ("Normal", "Laplace", "Logistic", "Cauchy", "StudentT", "GeneralizedNormal")


def _savable_prior(name: str) -> type | None:
    if name == "ScaleMixturePrior":
        return ScaleMixturePrior
    if name in SAVABLE_PRIORS:
        return getattr(pfd, name)
    return None


def encode(value: Any, where: str) -> Any:
    """JSON-ready form of a layer argument (numbers, strings, priors, surrogates).

    Examples:
        >>> encode(default_prior(), "x")
        {'__distribution__': 'Normal', 'params': {'loc': 0.0, 'scale': 1.0}}
    """
    if value is None or isinstance(value, bool | int | float | str):
        return value
    if isinstance(value, tuple | list):
        return [encode(v, where) for v in value]
    if isinstance(value, MeanField):
        return {"__surrogate__": "MeanField", **value.parameters}
    if isinstance(value, ScaleMixturePrior) or isinstance(value, pfd.Distribution):
        if _savable_prior(type(value).__name__) is not type(value):
            raise TypeError(f"{where}: cannot save the prior {type(value).__name__}; saved "
                            f"networks may use ScaleMixturePrior or one of {SAVABLE_PRIORS}")
        params = {}
        for k, v in value.parameters.items():
            if v is None:
                continue
            params[k] = v if isinstance(v, int | float) else np.asarray(v).tolist()
        return {"__distribution__": type(value).__name__, "params": params}
    raise TypeError(f"{where}: cannot save {value!r} (a {type(value).__name__}); only names, "
                    f"numbers, probflow distributions and MeanField surrogates can be saved")


def decode(value: Any) -> Any:
    """Inverse of [`encode`][probflow.layers.priors.encode].

    Examples:
        >>> decode(encode(ScaleMixturePrior(0.5, 1.0, 0.1), "x")).scale2
        0.1
    """
    if isinstance(value, list):
        return tuple(decode(v) for v in value)
    if isinstance(value, dict) and "__surrogate__" in value:
        return MeanField(value["family"], value["init_scale"])
    if isinstance(value, dict) and "__distribution__" in value:
        name = value["__distribution__"]
        cls = _savable_prior(name) if isinstance(name, str) else None
        if cls is None:
            raise ValueError(f"decode: a saved configuration names the prior {name!r}, which "
                             f"is not an allowed prior class (ScaleMixturePrior or one of "
                             f"{SAVABLE_PRIORS})")
        params = value.get("params")
        if not isinstance(params, dict):
            raise ValueError(f"decode: the saved prior {name} has parameters {params!r}, "
                             f"expected a dict of numbers")
        return cls(**params)
    return value
