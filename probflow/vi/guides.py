"""Guides: families of surrogate distributions over a posterior's flat unconstrained vector.

A guide is static configuration (hashable, so it can be a static argument of a compiled
function) with two methods:

* ``init(key, loc) -> params``: initial parameters (a PyTree of float arrays) for a flat
  unconstrained starting point ``loc`` of shape ``(d,)``;
* ``distribution(params) -> Distribution``: a probflow distribution with event shape ``(d,)``
  (reparameterised, so the ELBO's gradient flows through its samples).

`pf.vi.fit <probflow.vi.fit>` builds the guide from its name (``"meanfield"``,
``"fullrank"``, ``"lowrank"``, ``"flow"``, ``"map"``) or takes a guide object, e.g. a
[`CustomGuide`][probflow.vi.guides.CustomGuide] holding the user's own parameters and distribution
function.
"""

from __future__ import annotations

import abc
import dataclasses
from collections.abc import Callable
from typing import Any, ClassVar

import jax
import jax.numpy as jnp

from probflow import bijectors as pfb
from probflow import distributions as pfd
from probflow.bijectors import flows
from probflow.core.checks import check_count
from probflow.core.numerics import softplus_inverse
from probflow.typing import Array, ArrayLike, DTypeLike, PRNGKey, PyTree, Shape

__all__ = [
    "Guide",
    "MeanField",
    "FullRank",
    "LowRank",
    "Flow",
    "MAP",
    "CustomGuide",
    "GUIDES",
    "make_guide",
]


def _check_scale(owner: str, init_scale: Any) -> float:
    if not (isinstance(init_scale, int | float) and init_scale > 0):
        raise ValueError(f"{owner}: init_scale must be a positive number, got {init_scale!r}")
    return float(init_scale)


def _raw(init_scale: float, shape: Shape, dtype: DTypeLike) -> Array:
    return jnp.full(shape, softplus_inverse(jnp.asarray(init_scale, dtype)), dtype)


class Guide(abc.ABC):
    """Base class of guides (see the module docstring for the two methods).

    ``analytic_entropy`` says whether ``distribution(params).entropy()`` has a closed form;
    ``jacobian`` whether the objective includes the log-Jacobians of the constraining
    bijectors (``False`` only for [`MAP`][probflow.vi.guides.MAP], whose target is the mode of the
    constrained
    density).

    Examples:
        >>> import jax.numpy as jnp
        >>> import probflow as pf
        >>> guide = pf.vi.MeanField()
        >>> params = guide.init(None, jnp.zeros(3))
        >>> guide.distribution(params).event_shape
        (3,)
    """

    name: ClassVar[str] = "guide"
    # not a ClassVar: CustomGuide makes it a dataclass field (subclasses set it unannotated)
    analytic_entropy: bool = False
    jacobian: ClassVar[bool] = True

    @abc.abstractmethod
    def init(self, key: PRNGKey | None, loc: ArrayLike) -> PyTree:
        """Initial parameters for the flat unconstrained starting point ``loc`` (``(d,)``)."""

    @abc.abstractmethod
    def distribution(self, params: PyTree) -> pfd.Distribution:
        """The surrogate over the flat unconstrained vector (event shape ``(d,)``)."""


@dataclasses.dataclass(frozen=True)
class MeanField(Guide):
    """Diagonal normal: independent ``Normal(loc_i, softplus(raw_scale_i))`` coordinates.

    Args:
        init_scale: the starting standard deviation of every coordinate (default 0.1).

    Examples:
        >>> import jax.numpy as jnp
        >>> import probflow as pf
        >>> guide = pf.vi.MeanField(init_scale=0.5)
        >>> q = guide.distribution(guide.init(None, jnp.zeros(2)))
        >>> q.stddev().round(4)
        Array([0.5, 0.5], dtype=float32)
    """

    init_scale: float = 0.1
    name: ClassVar[str] = "meanfield"
    analytic_entropy = True

    def __post_init__(self) -> None:
        _check_scale("MeanField", self.init_scale)

    def init(self, key: PRNGKey | None, loc: ArrayLike) -> dict[str, Array]:
        loc = jnp.asarray(loc)
        return {"loc": loc, "raw_scale": _raw(self.init_scale, loc.shape, loc.dtype)}

    def distribution(self, params: PyTree) -> pfd.Distribution:
        return pfd.Independent(pfd.Normal(params["loc"], jax.nn.softplus(params["raw_scale"])), 1)


@dataclasses.dataclass(frozen=True)
class FullRank(Guide):
    """Multivariate normal with a lower-triangular scale (diagonal through softplus).

    Parameters: ``loc`` ``(d,)``, ``raw_diag`` ``(d,)`` and ``tril`` ``(d, d)`` (only its
    strictly lower part is used).

    Args:
        init_scale: the starting standard deviation of every coordinate (default 0.1).

    Examples:
        >>> import jax.numpy as jnp
        >>> import probflow as pf
        >>> guide = pf.vi.FullRank()
        >>> q = guide.distribution(guide.init(None, jnp.zeros(2)))
        >>> q.covariance().round(4)
        Array([[0.01, 0.  ],
               [0.  , 0.01]], dtype=float32)
    """

    init_scale: float = 0.1
    name: ClassVar[str] = "fullrank"
    analytic_entropy = True

    def __post_init__(self) -> None:
        _check_scale("FullRank", self.init_scale)

    def init(self, key: PRNGKey | None, loc: ArrayLike) -> dict[str, Array]:
        loc = jnp.asarray(loc)
        d = loc.shape[-1]
        return {"loc": loc, "raw_diag": _raw(self.init_scale, (d,), loc.dtype),
                "tril": jnp.zeros((d, d), loc.dtype)}

    @staticmethod
    def scale_tril(params: PyTree) -> Array:
        """The lower-triangular scale built from the parameters."""
        diag = jax.nn.softplus(params["raw_diag"])
        return jnp.tril(params["tril"], -1) + jnp.diag(diag)

    def distribution(self, params: PyTree) -> pfd.Distribution:
        return pfd.MultivariateNormalTriL(params["loc"], self.scale_tril(params))


@dataclasses.dataclass(frozen=True)
class LowRank(Guide):
    """Normal with scale ``diag(softplus(raw_diag)) + U U^T`` (``U`` is ``(d, rank)``).

    ``U`` starts small and random (zero would be a stationary point of the objective).

    Args:
        rank: number of columns of ``U`` (default 2).
        init_scale: the starting diagonal of the scale (default 0.1).

    Examples:
        >>> import jax, jax.numpy as jnp
        >>> import probflow as pf
        >>> guide = pf.vi.LowRank(rank=1)
        >>> params = guide.init(jax.random.key(0), jnp.zeros(4))
        >>> params["factor"].shape
        (4, 1)
    """

    rank: int = 2
    init_scale: float = 0.1
    name: ClassVar[str] = "lowrank"
    analytic_entropy = True

    def __post_init__(self) -> None:
        _check_scale("LowRank", self.init_scale)
        check_count("LowRank", "rank", self.rank)

    def init(self, key: PRNGKey | None, loc: ArrayLike) -> dict[str, Array]:
        loc = jnp.asarray(loc)
        d = loc.shape[-1]
        key = jax.random.key(0) if key is None else key
        factor = 0.01 * jax.random.normal(key, (d, self.rank), loc.dtype)
        return {"loc": loc, "raw_diag": _raw(self.init_scale, (d,), loc.dtype),
                "factor": factor}

    def distribution(self, params: PyTree) -> pfd.Distribution:
        return pfd.MultivariateNormalDiagPlusLowRank(
            params["loc"], jax.nn.softplus(params["raw_diag"]), params["factor"])


@dataclasses.dataclass(frozen=True)
class Flow(Guide):
    """A normalizing flow: ``loc + scale * flow(eps)`` with ``eps`` standard normal.

    ``flow`` is
    [`probflow.bijectors.flows.stacked_flow`][probflow.bijectors.flows.stack.stacked_flow] (it
    starts as the identity, so
    the guide starts as a mean-field normal with standard deviation ``init_scale``).

    Args:
        kind: ``"maf"`` (default), ``"spline_autoregressive"``, ``"realnvp"`` or
            ``"spline_coupling"`` (coupling kinds need at least 2 dimensions).
        num_layers, hidden_units, num_bins, bound: passed to ``stacked_flow``.
        init_scale: starting scale of the affine part (default 0.1).

    Examples:
        >>> import jax, jax.numpy as jnp
        >>> import probflow as pf
        >>> guide = pf.vi.Flow(num_layers=2, hidden_units=(8,))
        >>> q = guide.distribution(guide.init(jax.random.key(0), jnp.zeros(2)))
        >>> q.sample(jax.random.key(1), (5,)).shape
        (5, 2)
    """

    kind: str = "maf"
    num_layers: int = 3
    hidden_units: tuple[int, ...] = (32, 32)
    num_bins: int = 8
    bound: float = 4.0
    init_scale: float = 0.1
    name: ClassVar[str] = "flow"
    analytic_entropy = False

    def __post_init__(self) -> None:
        _check_scale("Flow", self.init_scale)
        if self.kind not in flows.FLOW_KINDS:
            raise ValueError(f"Flow: unknown kind {self.kind!r}; choose one of "
                             f"{flows.FLOW_KINDS}")
        object.__setattr__(self, "hidden_units", tuple(self.hidden_units))

    def init(self, key: PRNGKey | None, loc: ArrayLike) -> dict[str, Any]:
        loc = jnp.asarray(loc)
        d = loc.shape[-1]
        if self.kind in ("realnvp", "spline_coupling") and d < 2:
            raise ValueError(f"Flow: kind {self.kind!r} needs at least 2 unconstrained "
                             f"dimensions, the posterior has {d}; use kind='maf'")
        key = jax.random.key(0) if key is None else key
        flow = flows.stacked_flow(key, self.kind, event_size=d, num_layers=self.num_layers,
                                  hidden_units=self.hidden_units, num_bins=self.num_bins,
                                  bound=self.bound, dtype=loc.dtype)
        return {"loc": loc, "raw_scale": _raw(self.init_scale, (d,), loc.dtype), "flow": flow}

    def distribution(self, params: PyTree) -> pfd.Distribution:
        loc = params["loc"]
        base = pfd.Independent(pfd.Normal(jnp.zeros_like(loc), jnp.ones_like(loc)), 1)
        bijector = pfb.Chain([pfb.Shift(loc), pfb.Scale(jax.nn.softplus(params["raw_scale"])),
                              params["flow"]])
        return pfd.TransformedDistribution(base, bijector)


@dataclasses.dataclass(frozen=True)
class MAP(Guide):
    """A point estimate: the surrogate is a point mass at ``loc``.

    The objective is the log density of the *constrained* latents (no log-Jacobians), so
    the optimum is the posterior mode (maximum a posteriori), as with NumPyro's AutoDelta.

    Examples:
        >>> import jax.numpy as jnp
        >>> import probflow as pf
        >>> q = pf.vi.MAP().distribution({"loc": jnp.ones(2)})
        >>> float(q.entropy())
        0.0
    """

    name: ClassVar[str] = "map"
    analytic_entropy = True
    jacobian: ClassVar[bool] = False

    def init(self, key: PRNGKey | None, loc: ArrayLike) -> dict[str, Array]:
        return {"loc": jnp.asarray(loc)}

    def distribution(self, params: PyTree) -> pfd.Distribution:
        return pfd.VectorDeterministic(params["loc"])


@dataclasses.dataclass(frozen=True, eq=False)
class CustomGuide(Guide):
    """A user-defined guide: initial parameters and a function building the distribution.

    ``fn(params)`` must return a reparameterised probflow distribution with event shape
    ``(d,)`` over the posterior's flat unconstrained vector (``posterior.flatten``); the
    parameters are a PyTree of float arrays trained by the optimizer.

    Args:
        init_params: the starting parameters (a PyTree of float arrays).
        fn: ``params -> Distribution``.
        analytic_entropy: whether ``fn(params).entropy()`` has a closed form.

    Examples:
        >>> import jax, jax.numpy as jnp
        >>> import probflow as pf
        >>> from probflow import distributions as pfd
        >>> guide = pf.vi.CustomGuide(
        ...     {"loc": jnp.zeros(2)},
        ...     lambda p: pfd.MultivariateNormalDiag(p["loc"], jnp.full(2, 0.5)))
        >>> guide.distribution(guide.init(None, None)).mean()
        Array([0., 0.], dtype=float32)
    """

    init_params: PyTree
    fn: Callable[[PyTree], pfd.Distribution]
    analytic_entropy: bool = False
    name: ClassVar[str] = "custom"

    def __post_init__(self) -> None:
        if not callable(self.fn):
            raise TypeError(f"CustomGuide: fn must be a function params -> Distribution, got "
                            f"{self.fn!r}")
        leaves = jax.tree_util.tree_leaves(self.init_params)
        bad = [x for x in leaves if not jnp.issubdtype(jnp.result_type(x), jnp.floating)]
        if not leaves or bad:
            raise ValueError("CustomGuide: init_params must be a non-empty PyTree of float "
                             "arrays (the trainable parameters)")

    def init(self, key: PRNGKey | None, loc: ArrayLike | None) -> PyTree:
        return jax.tree_util.tree_map(jnp.asarray, self.init_params)

    def distribution(self, params: PyTree) -> pfd.Distribution:
        return self.fn(params)


GUIDES = {"meanfield": MeanField, "fullrank": FullRank, "lowrank": LowRank, "flow": Flow,
          "map": MAP}


def make_guide(guide: str | Guide, **options: Any) -> Guide:
    """A guide object from a name in `GUIDES` (with its options) or a guide object.

    Examples:
        >>> import probflow as pf
        >>> pf.vi.make_guide("lowrank", rank=3)
        LowRank(rank=3, init_scale=0.1)
    """
    if isinstance(guide, Guide):
        if options:
            raise ValueError(f"fit: guide options {sorted(options)} apply only to guide names; "
                             f"set them on the guide object instead")
        return guide
    if isinstance(guide, str) and guide in GUIDES:
        try:
            return GUIDES[guide](**options)
        except TypeError as err:
            fields = [f.name for f in dataclasses.fields(GUIDES[guide])]
            raise ValueError(f"fit: unexpected keyword arguments {sorted(options)}; guide "
                             f"{guide!r} takes the options {fields}") from err
    raise ValueError(f"fit: unknown guide {guide!r}; choose one of {sorted(GUIDES)} or pass a "
                     f"guide object such as pf.vi.CustomGuide(init_params, fn)")
