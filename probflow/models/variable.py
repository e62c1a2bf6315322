"""``pf.models.Variable``: a prior restricted to a declared support, with a chosen bijector.

Stan declares a parameter's support and its prior in two places
(``positive_ordered[2] phi; phi ~ normal([0, 3], 1);``) and PyMC gives a variable a
``transform=``. [`Variable`][probflow.models.variable.Variable] is both in one statement:

```python
phi = yield pf.models.Variable(pfd.Normal(jnp.asarray([0.0, 3.0]), 1.0), name="phi",
                               constraint=constraints.positive_ordered)
sigma = yield pf.models.Variable(pfd.HalfNormal(1.0), name="sigma", bijector=pfb.Exp())
```

It is a distribution (so it works in every model form, and in ``sample``, ``log_prob``,
``init="prior"`` and the predictive functions) whose log density is the base
distribution's inside the support and ``-inf`` outside, and whose
``default_event_space_bijector()`` is the chosen bijector. Why a wrapper and not a new
argument of every distribution: one object carries both halves of a declaration, it is
yielded like any distribution, and the base distribution stays untouched.

Prior draws (used by ``init="prior"``, ``init="median"`` and the prior predictive):

* with a ``bijector`` only, the base distribution's own draws;
* for ``ordered`` and ``positive_ordered`` with a base whose components are independent and
  identically distributed (a scalar distribution whose parameters are equal along the last
  axis): the base's draws (kept positive, for ``positive_ordered``, by elementwise rejection)
  sorted. This is exact: on the ordered cone the restricted density ``prod f(x_i)`` is, up to
  the constant ``n!``, the density of the order statistics of ``n`` independent draws of
  ``f``, and sorting never rejects (rejection would accept one draw in ``n!``);
* otherwise rejection sampling from the base: rounds of proposals until each event (each
  element, for elementwise constraints) has a draw inside the support. After
  ``max_proposals`` proposals without one the draw is NaN: eagerly a ``ValueError`` says so
  and names the variable; under ``jit``, ``Posterior.init`` reports the NaN prior draw.

Normalisation: the density inside the support is the base's, *not* divided by the base's
mass inside the support (as in Stan). When the base's parameters are constants or data the
mass is a constant and changes nothing. When they depend on other latent variables the model
is Stan's model, whose prior differs from "draw the parents, then draw this variable from the
renormalised restriction" by the factor ``mass(parents)``; prior draws follow the latter.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

import jax
import jax.numpy as jnp
import numpy as np

from probflow.bijectors.bijector import Bijector
from probflow.core.checks import is_concrete
from probflow.core.errors import ParameterError, ShapeError
from probflow.core.pytree import field, static_field
from probflow.distributions import constraints
from probflow.distributions.distribution import Distribution
from probflow.typing import Array, ArrayLike, PRNGKey

__all__ = ["Variable", "VariableSupportError"]

# Proposals per event tried by rejection sampling before a draw is given up (NaN).
MAX_PROPOSALS = 16384
# Proposals drawn per round (at most; fewer for large variables, to bound memory).
PROPOSALS_PER_ROUND = 64


class VariableSupportError(ParameterError):
    """A [`Variable`][probflow.models.variable.Variable]'s bijector or constraint does not
    match the support: it maps outside it, or misses part of it.

    Examples:
        >>> import probflow as pf
        >>> from probflow import bijectors as pfb, distributions as pfd
        >>> try:
        ...     pf.models.Variable(pfd.Uniform(0.0, 1.0), name="p", bijector=pfb.Exp())
        ... except pf.models.variable.VariableSupportError as err:
        ...     print(str(err)[:46])
        Variable 'p': the bijector Exp maps the uncons
    """


class Variable(Distribution):
    """A distribution restricted to a support and/or unconstrained by a chosen bijector.

    Args:
        distribution: the base distribution (continuous); its density is used inside the
            support.
        name: the variable's name (default: the base's ``name``).
        constraint: restrict the support to this
            [`constraint`][probflow.distributions.constraints.Constraint]
            (e.g. ``constraints.positive_ordered``). Its event dimensions take the rightmost
            batch dimensions of the base into the event, as ``Independent`` does. The
            density is not renormalised (see the module's notes).
        bijector: the bijector from unconstrained reals onto the support, replacing the
            default of the constraint (or of the base's support), e.g. ``pfb.Exp()`` instead
            of softplus for a positive variable. It must map onto the support: when the
            parameters are concrete (eagerly, and at ``condition``) unconstrained points are
            pushed through it and points of the support pulled back, and a ``ValueError``
            names the variable when the image leaves the support or misses part of it.

    Examples:
        >>> import jax, jax.numpy as jnp
        >>> import probflow as pf
        >>> from probflow import bijectors as pfb, distributions as pfd
        >>> from probflow.distributions import constraints
        >>> phi = pf.models.Variable(pfd.Normal(jnp.asarray([0.0, 3.0]), 1.0), name="phi",
        ...                          constraint=constraints.positive_ordered)
        >>> phi.event_shape, phi.log_prob(jnp.asarray([2.0, 1.0]))
        ((2,), Array(-inf, dtype=float32))
        >>> bool(constraints.positive_ordered.check(phi.sample(jax.random.key(0))))
        True
        >>> sigma = pf.models.Variable(pfd.HalfNormal(1.0), name="sigma", bijector=pfb.Exp())
        >>> float(sigma.default_event_space_bijector().forward(0.0))
        1.0
    """

    distribution: Distribution = field(default=None)
    constraint: constraints.Constraint | None = None
    bijector: Bijector | None = None
    num_reinterpreted: int = static_field(default=0)
    max_proposals: int = static_field(default=MAX_PROPOSALS)

    def __init__(self, distribution: Distribution, name: str | None = None, *,
                 constraint: constraints.Constraint | None = None, bijector: Bijector | None = None,
                 max_proposals: int = MAX_PROPOSALS, validate_args: bool = False):
        if not isinstance(distribution, Distribution):
            raise TypeError(f"Variable: distribution must be a probflow distribution, got "
                            f"{distribution!r}")
        label = name or distribution.name
        owner = f"Variable {label!r}" if label else "Variable"
        if constraint is None and bijector is None:
            raise ValueError(f"{owner}: give constraint=... (a support), bijector=... (an "
                             f"unconstraining map) or both; without them use the distribution "
                             f"itself")
        if constraint is not None and not isinstance(constraint, constraints.Constraint):
            raise TypeError(f"{owner}: constraint must be a constraint from "
                            f"probflow.distributions.constraints, got {constraint!r}")
        if bijector is not None and not isinstance(bijector, Bijector):
            raise TypeError(f"{owner}: bijector must be a probflow bijector, got {bijector!r}")
        if distribution.is_discrete or (constraint is not None and constraint.is_discrete):
            raise ValueError(f"{owner}: constraints and bijectors are for continuous variables; "
                             f"{type(distribution).__name__} is discrete")
        if int(max_proposals) < 1:
            raise ValueError(f"{owner}: max_proposals must be a positive integer, got "
                             f"{max_proposals!r}")
        event_shape = tuple(distribution.event_shape)
        batch_shape = tuple(distribution.batch_shape)
        needed = 0 if constraint is None else constraint.event_ndims - len(event_shape)
        if needed > len(batch_shape):
            assert constraint is not None  # needed > 0
            raise ShapeError(
                f"{owner}: the constraint {type(constraint).__name__} needs events of "
                f"{constraint.event_ndims} dimension(s), but {type(distribution).__name__} has "
                f"batch_shape {batch_shape} and event_shape {event_shape}; give the "
                f"distribution a vector of parameters, e.g. pfd.Normal(jnp.zeros(3), 1.0)"
            )
        self._set(distribution=distribution, constraint=constraint, bijector=bijector,
                  num_reinterpreted=max(needed, 0), max_proposals=int(max_proposals),
                  validate_args=validate_args, name=label)
        if is_concrete(distribution) and is_concrete((constraint, bijector)):
            self.check_bijector()

    # -- shapes and support ----------------------------------------------------------------
    @property
    def batch_shape(self) -> tuple[int, ...]:
        shape = tuple(self.distribution.batch_shape)
        return shape[: len(shape) - self.num_reinterpreted]

    @property
    def event_shape(self) -> tuple[int, ...]:
        shape = tuple(self.distribution.batch_shape)
        return shape[len(shape) - self.num_reinterpreted:] + tuple(self.distribution.event_shape)

    @property
    def dtype(self) -> Any:
        return self.distribution.dtype

    @property
    def support(self) -> constraints.Constraint:
        if self.constraint is None:
            return self.distribution.support
        extra = len(self.event_shape) - self.constraint.event_ndims
        return constraints.independent(self.constraint, extra) if extra else self.constraint

    @property
    def is_discrete(self) -> bool:
        return False

    @property
    def is_improper(self) -> bool:  # pyright: ignore[reportIncompatibleVariableOverride]
        return bool(self.distribution.is_improper)

    @property
    def reparameterized(self) -> bool:  # pyright: ignore[reportIncompatibleVariableOverride]
        return self.constraint is None and bool(self.distribution.reparameterized)

    def default_event_space_bijector(self) -> Bijector:
        """The chosen ``bijector``, else the constraint's default bijector.

        Examples:
            >>> import probflow as pf
            >>> from probflow import bijectors as pfb, distributions as pfd
            >>> v = pf.models.Variable(pfd.HalfNormal(1.0), bijector=pfb.Exp())
            >>> type(v.default_event_space_bijector()).__name__
            'Exp'
        """
        if self.bijector is not None:
            return self.bijector
        from probflow.distributions.event_space import biject_to

        assert self.constraint is not None  # __init__ requires a constraint or a bijector
        return biject_to(self.constraint)

    # -- density and draws -----------------------------------------------------------------
    def _log_prob(self, value: Any) -> Any:
        lp = self.distribution.log_prob(value)
        if self.num_reinterpreted:
            lp = jnp.sum(lp, axis=tuple(range(-self.num_reinterpreted, 0)))
        if self.constraint is None:
            return lp
        inside = self.support.check(value)
        return jnp.where(inside, lp, jnp.asarray(-jnp.inf, lp.dtype))

    def _sample(self, key: PRNGKey, sample_shape: tuple[int, ...]) -> Any:
        if self.constraint is None:
            return self.distribution.sample(key, sample_shape)
        value = _restricted_draw(self, key, tuple(sample_shape))
        if is_concrete(value) and np.isnan(np.asarray(value)).any():
            raise ValueError(
                f"{self._owner()}: rejection sampling found no draw of "
                f"{type(self.distribution).__name__} inside {self.constraint!r} in "
                f"{self.max_proposals} proposals, so the prior puts almost no mass inside "
                f"the support. Give the variable a prior with mass inside its constraint, or "
                f"start inference with init='uniform' or init={{...values}}"
            )
        return value

    def _draw(self, key: PRNGKey, sample_shape: tuple[int, ...]) -> Array:
        """A draw from the restriction: sorted i.i.d. draws when exact, else rejection."""
        if isinstance(self.constraint, constraints.Ordered | constraints.PositiveOrdered) and (
                self.num_reinterpreted == 1 and not self.distribution.event_shape
                and not any(self.distribution.param_event_ndims.values())):
            key_sort, key_reject = jax.random.split(key)
            return jax.lax.cond(
                _identical_along_last_axis(self.distribution),
                lambda: self._sorted_draw(key_sort, sample_shape),
                lambda: self._rejection_draw(key_reject, sample_shape, self.support.check,
                                             len(self.event_shape)))
        return self._rejection_draw(key, sample_shape, self.support.check,
                                    len(self.event_shape))

    def _owner(self) -> str:
        return f"Variable {self.name!r}" if self.name else "Variable"

    def _sorted_draw(self, key: PRNGKey, sample_shape: tuple[int, ...]) -> Array:
        if isinstance(self.constraint, constraints.PositiveOrdered):
            value = self._rejection_draw(key, sample_shape, lambda x: x > 0, 0)
        else:
            value = self.distribution.sample(key, sample_shape)
        return jnp.sort(value, axis=-1)

    def _rejection_draw(self, key: PRNGKey, sample_shape: tuple[int, ...],
                        check_fn: Callable[[Array], Array], event_ndims: int) -> Array:
        """Rounds of base draws until every event has one with ``check_fn`` true (else NaN)."""
        shape = tuple(sample_shape) + tuple(self.distribution.batch_shape) + tuple(
            self.distribution.event_shape)
        size = max(int(np.prod(shape)), 1)
        per_round = max(1, min(PROPOSALS_PER_ROUND, 2**20 // size, self.max_proposals))
        num_rounds = -(-self.max_proposals // per_round)
        keep = shape[: len(shape) - event_ndims]
        value = jnp.full(shape, jnp.nan, self.dtype)
        done = jnp.zeros(keep, bool)

        def expand(flags: Array) -> Array:
            return flags.reshape(flags.shape + (1,) * event_ndims)

        def body(state: tuple[Array, Array, Array]) -> tuple[Array, Array, Array]:
            i, value, done = state
            draws = self.distribution.sample(jax.random.fold_in(key, i),
                                             (per_round,) + tuple(sample_shape))
            inside = check_fn(draws)
            first = jnp.argmax(inside, axis=0)
            index = jnp.broadcast_to(expand(first), shape)[None]
            pick = jnp.take_along_axis(draws, index, axis=0)[0]
            found = jnp.any(inside, axis=0)
            value = jnp.where(expand(found & ~done), pick, value)
            return i + 1, value, done | found

        def more(state: tuple[Array, Array, Array]) -> Array:
            i, _, done = state
            return (i < num_rounds) & ~jnp.all(done)

        return jax.lax.while_loop(more, body, (jnp.asarray(0), value, done))[1]

    # -- the bijector check ----------------------------------------------------------------
    def check_bijector(self) -> None:
        """Check (numerically) that the unconstraining bijector maps onto the support.

        Unconstrained points in ``(-3, 3)`` must map inside the support (and inside the base's
        support, which a constraint cannot enlarge); points of the support (base draws
        inside it) must have finite unconstrained values that map back to them. Runs
        eagerly; under ``jit`` (traced parameters) it is skipped.

        Raises:
            VariableSupportError: (a ``ValueError``) naming the variable, the bijector, the
                support and a point that fails.

        Examples:
            >>> import probflow as pf
            >>> from probflow import bijectors as pfb, distributions as pfd
            >>> try:
            ...     pf.models.Variable(pfd.Normal(0.0, 1.0), name="mu", bijector=pfb.Exp())
            ... except ValueError as err:
            ...     print(str(err)[:61])
            Variable 'mu': the bijector Exp does not map onto the support
        """
        with jax.ensure_compile_time_eval():
            self._check_bijector()

    def _check_bijector(self) -> None:
        bijector = self.default_event_space_bijector()
        support, base_support = self.support, self.distribution.support
        shape = tuple(self.batch_shape) + tuple(self.event_shape)
        chosen = self.bijector is not None
        what = (f"the bijector {type(bijector).__name__}" if chosen else
                f"the constraint {type(self.constraint).__name__}")
        if chosen and not self.distribution.is_improper:
            draws = self.distribution.sample(jax.random.key(0), (16,))
            points = draws[np.asarray(support.check(draws)).reshape(16, -1).all(-1)]
            if points.shape[0]:
                latent = bijector.inverse(points)
                back = bijector.forward(latent)
                good = (np.isfinite(np.asarray(latent)).reshape(points.shape[0], -1).all(-1)
                        & np.isclose(np.asarray(back), np.asarray(points), rtol=1e-3,
                                     atol=1e-6).reshape(points.shape[0], -1).all(-1))
                if not good.all():
                    point = np.asarray(points[int(np.argmin(good))])
                    raise VariableSupportError(
                        f"{self._owner()}: {what} does not map onto the support "
                        f"{support!r}: the point {_show(point)} of the support has no finite "
                        f"unconstrained value that maps back to it; choose a bijector whose "
                        f"image is the whole support (pfb.Exp() or pfb.Softplus() for "
                        f"positive variables, pfb.Sigmoid(low=..., high=...) for intervals)"
                    )
        grid = jax.random.uniform(jax.random.key(1),
                                  (16,) + tuple(bijector.inverse_event_shape(shape)),
                                  self.dtype, -3.0, 3.0)
        image = bijector.forward(grid)
        inside = np.asarray(support.check(image)).reshape(16, -1).all(-1)
        in_base = np.asarray(base_support.check(image)).reshape(16, -1).all(-1)
        if not (inside & in_base).all():
            i = int(np.argmin(inside & in_base))
            # (numpy's stubs type .all(-1) of a 2-d array as possibly a scalar)
            where = (f"the support {support!r} of the variable"
                     if not inside[i] else  # pyright: ignore[reportIndexIssue]
                     f"the support {base_support!r} of {type(self.distribution).__name__}")
            raise VariableSupportError(
                f"{self._owner()}: {what} maps the unconstrained point {_show(grid[i])} to "
                f"{_show(image[i])}, outside {where}; choose a "
                f"{'bijector' if chosen else 'constraint'} whose values lie inside it"
            )


@functools.partial(jax.jit, static_argnums=2)
def _restricted_draw(variable: Variable, key: PRNGKey, sample_shape: tuple[int, ...]) -> Array:
    """``variable._draw`` compiled once per structure (eager calls would retrace the loop)."""
    return variable._draw(key, sample_shape)


def _identical_along_last_axis(distribution: Distribution) -> Array:
    """Traced boolean: every parameter is the same along the last batch axis (i.i.d. parts)."""
    same = jnp.asarray(True)
    for value in jax.tree_util.tree_leaves(distribution.parameters):
        value = jnp.asarray(value)
        if value.ndim and value.shape[-1] > 1:
            same = same & jnp.all(value == value[..., :1])
    return same


def _show(value: ArrayLike) -> str:
    array = np.asarray(value)
    if array.size == 1:
        return repr(array.reshape(()).item())
    return np.array2string(array, precision=4, threshold=8)
