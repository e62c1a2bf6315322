"""Joint distributions: the generator form (``@pf.model``), and the named and sequential forms.

A joint distribution is a program that yields distributions (and ``pf.Deterministic``
records) one variable at a time; each ``yield`` returns the variable's value. It is
itself a distribution over a dict ``{name: value}``.

All three forms are *auto-batched*: a variable's log density is summed over all of
its dimensions, so vector-valued variables need no ``Independent`` wrapper.
``sample(key, sample_shape)`` and ``log_prob`` with leading sample dimensions
vectorise the program with ``jax.vmap``.
"""

from __future__ import annotations

import functools
import inspect
import sys
from collections.abc import Callable, Generator, Mapping, Sequence
from typing import TYPE_CHECKING, Any, NamedTuple, overload

import jax
import jax.numpy as jnp
import numpy as np
from jax.core import Tracer

from probflow.core.errors import ShapeError
from probflow.core.keys import as_typed_key
from probflow.core.pytree import field, static_field
from probflow.core.shapes import as_shape
from probflow.distributions.distribution import Distribution, resolve_sample_call
from probflow.models.builder import ModelBuilder
from probflow.models.checks import reject_point_mass
from probflow.models.deterministic import Deterministic, Factor
from probflow.typing import Array, ArrayLike, PRNGKey, ShapeLike

if TYPE_CHECKING:
    from probflow.distributions.constraints import Constraint
    from probflow.models.pinned import JointDistributionPinned
    from probflow.models.posterior import Posterior

__all__ = [
    "JointDistribution",
    "JointDistributionNamed",
    "JointDistributionSequential",
    "GeneratorModel",
    "VariableInfo",
    "model",
]


class VariableInfo(NamedTuple):
    """Static description of one variable of a joint distribution (from a prior trace).

    Examples:
        >>> import probflow as pf
        >>> from probflow import distributions as pfd
        >>> jd = pf.JointDistributionNamed({"k": pfd.Poisson(3.0)})
        >>> jd.variables()[0].is_discrete
        True
    """

    name: str
    shape: tuple[int, ...]
    dtype: Any
    is_discrete: bool
    is_deterministic: bool
    dims: tuple[str, ...] | None
    is_factor: bool = False
    is_likelihood: bool = False  # a pf.Factor(..., likelihood=True): pointwise log likelihood

    @property
    def is_random(self) -> bool:
        """True for random variables (not deterministic records or factors)."""
        return not (self.is_deterministic or self.is_factor)


class _Record(NamedTuple):
    name: str
    dist: Any  # a Distribution, or None for Deterministic and Factor
    value: Any
    dims: tuple[str, ...] | None
    is_factor: bool = False
    is_likelihood: bool = False

    def log_density(self) -> Array | None:
        """This record's contribution to the joint log density (summed over all dims)."""
        if self.is_factor:
            return jnp.sum(self.value)
        if self.dist is None:
            return None
        return jnp.sum(self.dist.log_prob(self.value))


class JointDistribution(Distribution):
    """Base class of joint distributions over a dict of named variables.

    Subclasses implement ``_program()``, a generator that yields distributions (each with a
    ``name``) and [`Deterministic`][probflow.models.deterministic.Deterministic] records.

    Attributes:
        coords: ``{dim_name: labels}`` for ArviZ output (stored as a static tuple of pairs).
        dims: ``{variable_name: (dim_name, ...)}`` naming each variable's axes.

    Examples:
        >>> import jax
        >>> import probflow as pf
        >>> from probflow import distributions as pfd
        >>> jd = pf.JointDistributionNamed({"x": pfd.Normal(0.0, 1.0)})
        >>> isinstance(jd, pf.models.JointDistribution)
        True
    """

    coords: tuple[tuple[str, tuple[Any, ...]], ...] = static_field(default=(), kw_only=True)
    dims: tuple[tuple[str, tuple[str, ...]], ...] = static_field(default=(), kw_only=True)

    # -- the program ------------------------------------------------------------------------
    def _program(self) -> Generator[Any, Any, Any]:  # pragma: no cover - abstract
        raise TypeError(f"{type(self).__name__} does not define _program()")

    def _run(self, on_variable: Callable[[int, str, Distribution], Any]) -> list[_Record]:
        """Execute the program, asking ``on_variable(index, name, dist)`` for each random value."""
        dims_map = dict(self.dims)
        records: list[_Record] = []
        seen: set[str] = set()
        gen = self._program()
        if not inspect.isgenerator(gen):
            raise TypeError(
                f"{type(self).__name__}: the model function must be a generator that yields "
                f"distributions (use `x = yield pfd.Normal(..., name='x')`), "
                f"got {type(gen).__name__}"
            )
        send: Any = None
        index = 0
        while True:
            try:
                node = gen.send(send)
            except StopIteration:
                break
            is_factor = isinstance(node, Factor)
            if isinstance(node, Deterministic):
                name, value, dims = node.name, node.value, node.dims
                dist = None
            elif is_factor:
                name, value, dims, dist = node.name, node.log_value, None, None
            elif isinstance(node, Distribution):
                reject_point_mass(type(self).__name__, node)
                name = node.name
                if not name:
                    raise ValueError(
                        f"{type(self).__name__}: variable {index} ({type(node).__name__}) has no "
                        f"name; pass name=... to the distribution"
                    )
                value = on_variable(index, name, node)
                dims, dist = None, node
            else:
                raise TypeError(
                    f"{type(self).__name__}: a model may yield only distributions, "
                    f"pf.Deterministic or pf.Factor, got {node!r}"
                )
            if name in seen:
                raise ValueError(f"{type(self).__name__}: the name {name!r} is used twice")
            seen.add(name)
            dims = dims if dims is not None else dims_map.get(name)
            records.append(_Record(name, dist, value, dims, is_factor,
                                   is_factor and node.likelihood))
            send = value
            index += 1
        return records

    # -- inspection -------------------------------------------------------------------------------
    def variables(self) -> list[VariableInfo]:
        """Names, shapes, dtypes and kinds of all variables (from one traced prior draw).

        Examples:
            >>> import probflow as pf
            >>> from probflow import distributions as pfd
            >>> @pf.model
            ... def m():
            ...     yield pfd.Normal(jnp.zeros(3), 1.0, name="x")
            >>> [(v.name, v.shape) for v in m().variables()]
            [('x', (3,))]
        """
        infos: list[VariableInfo] = []

        def trace(key: PRNGKey) -> dict[str, Any]:
            recs = self._run(lambda i, name, d: prior_draw(d, jax.random.fold_in(key, i)))
            for r in recs:
                discrete = False if r.dist is None else bool(r.dist.is_discrete)
                infos.append(VariableInfo(r.name, (), None, discrete,
                                          r.dist is None and not r.is_factor, r.dims,
                                          r.is_factor, r.is_likelihood))
            return {r.name: r.value for r in recs}

        shapes = jax.eval_shape(trace, jax.random.key(0))
        return [
            info._replace(shape=tuple(shapes[info.name].shape), dtype=shapes[info.name].dtype)
            for info in infos
        ]

    @property
    def event_shape(self) -> dict[str, tuple[int, ...]]:  # pyright: ignore[reportIncompatibleMethodOverride]
        """``{name: shape}`` of one draw of each random (non-deterministic) variable."""
        return {v.name: v.shape for v in self.variables() if v.is_random}

    @property
    def batch_shape(self) -> tuple[int, ...]:
        return ()

    @property
    def support(self) -> Constraint:
        from probflow.distributions import constraints

        return constraints.real

    @property
    def is_discrete(self) -> bool:
        return False

    # -- sampling and densities -------------------------------------------------------------------
    def _sample_one(self, key: PRNGKey) -> dict[str, Array]:
        recs = self._run(lambda i, name, d: d.sample(jax.random.fold_in(key, i)))
        return {r.name: r.value for r in recs}

    def sample(self, key: PRNGKey | ShapeLike | None = None, sample_shape: ShapeLike = (), *,
               seed: PRNGKey | None = None) -> dict[str, Array]:
        """Draw ``{name: value}`` with ``sample_shape`` leading dimensions (deterministics too).

        Takes ``(key, sample_shape)`` or TFP's ``(sample_shape, seed=key)``.

        Examples:
            >>> import probflow as pf
            >>> from probflow import distributions as pfd
            >>> jd = pf.JointDistributionNamed({"mu": pfd.Normal(0.0, 1.0),
            ...                                 "y": lambda mu: pfd.Normal(mu, 1.0)})
            >>> draws = jd.sample(jax.random.key(0), (5,))
            >>> draws["y"].shape
            (5,)
        """
        key, sample_shape = resolve_sample_call(self, key, sample_shape, seed)
        key = as_typed_key(key)
        shape = as_shape(sample_shape)
        if not shape:
            return self._sample_one(key)
        n = int(np.prod(shape))
        keys = jax.random.split(key, n)
        draws = jax.vmap(self._sample_one)(keys)
        return jax.tree_util.tree_map(lambda x: x.reshape(shape + x.shape[1:]), draws)

    def sample_and_log_prob(self, key: PRNGKey | ShapeLike | None = None,
                            sample_shape: ShapeLike = (), *,
                            seed: PRNGKey | None = None) -> tuple[dict[str, Array], Array]:
        draws = self.sample(key, sample_shape, seed=seed)
        return draws, self.log_prob(draws)

    def _values_lookup(self, values: Mapping[str, Any],
                       ) -> Callable[[int, str, Distribution], Array]:
        def on_variable(i: int, name: str, d: Distribution) -> Array:
            if name not in values:
                missing = [v.name for v in self.variables()
                           if v.is_random and v.name not in values]
                raise KeyError(
                    f"{type(self).__name__}.log_prob: no value for {name!r}; values are needed "
                    f"for every random variable, missing: {missing}"
                )
            return jnp.asarray(values[name])

        return on_variable

    def _log_prob_parts_one(self, values: Mapping[str, Any]) -> dict[str, Any]:
        recs = self._run(self._values_lookup(values))
        return {r.name: r.log_density() for r in recs if r.dist is not None or r.is_factor}

    def _vectorise(self, fn: Callable[[dict[str, Array]], Any], values: Mapping[str, Any]) -> Any:
        values = {k: jnp.asarray(v) for k, v in values.items()}
        infos = {v.name: v for v in self.variables()}
        sample_shape = None
        for name, value in values.items():
            if name not in infos:
                raise KeyError(
                    f"{type(self).__name__}: {name!r} is not a variable of this model; "
                    f"variables are {list(infos)}"
                )
            if not infos[name].is_random:
                continue
            nd = value.ndim - len(infos[name].shape)
            if nd < 0:
                raise ShapeError(
                    f"{type(self).__name__}: value of {name!r} has shape {tuple(value.shape)}, "
                    f"fewer dimensions than the variable's shape {infos[name].shape}"
                )
            lead = tuple(value.shape[:nd])
            if sample_shape is None:
                sample_shape = lead
            elif lead != sample_shape:
                raise ShapeError(
                    f"{type(self).__name__}: values have different leading sample shapes "
                    f"{sample_shape} and {lead} (at {name!r})"
                )
        randoms = {k: v for k, v in values.items() if infos[k].is_random}
        if not sample_shape:
            return fn(randoms)
        n = int(np.prod(sample_shape))
        flat = {k: v.reshape((n,) + v.shape[len(sample_shape):]) for k, v in randoms.items()}
        out = jax.vmap(fn)(flat)
        return jax.tree_util.tree_map(lambda x: x.reshape(sample_shape + x.shape[1:]), out)

    def log_prob_parts(self, values: Mapping[str, ArrayLike]) -> dict[str, Array]:
        """``{name: log density of that variable}`` (each summed over the variable's dims)."""
        return self._vectorise(self._log_prob_parts_one, values)

    def log_prob(self, values: Mapping[str, ArrayLike]) -> Array:  # pyright: ignore[reportIncompatibleMethodOverride]
        """Joint log density of ``values`` (a dict with every random variable).

        Leading dimensions beyond each variable's own shape are treated as sample dimensions.
        """
        return self._vectorise(lambda v: sum(self._log_prob_parts_one(v).values()), values)

    # -- conditioning -----------------------------------------------------------------------------
    def condition(self, data: Mapping[str, ArrayLike] | None = None, /,
                  **observed: ArrayLike) -> Posterior:
        """Pin observed variables to data and return the
        [`Posterior`][probflow.models.posterior.Posterior].

        Examples:
            >>> import jax.numpy as jnp
            >>> import probflow as pf
            >>> from probflow import distributions as pfd
            >>> @pf.model
            ... def m():
            ...     mu = yield pfd.Normal(0.0, 1.0, name="mu")
            ...     yield pfd.Normal(mu, 1.0, name="y")
            >>> post = m().condition(y=jnp.asarray(0.5))
            >>> post.latent_names
            ('mu',)
        """
        from probflow.models.posterior import Posterior

        merged = dict(data or {})
        merged.update(observed)
        return Posterior.from_model(self, merged)

    def experimental_pin(self, *args: Any, **kwargs: Any) -> JointDistributionPinned:
        """TFP's spelling of ``condition``: pins by name, as one dict, or by position.

        Returns a [`JointDistributionPinned`][probflow.models.pinned.JointDistributionPinned],
        the ``Posterior`` with TFP's ``unnormalized_log_prob``, ``pins``, ``sample_unpinned``.

        Examples:
            >>> import jax.numpy as jnp
            >>> import probflow as pf
            >>> from probflow import distributions as pfd
            >>> jd = pf.JointDistributionNamed({"mu": pfd.Normal(0.0, 1.0),
            ...                                 "y": lambda mu: pfd.Normal(mu, 1.0)})
            >>> jd.experimental_pin(y=jnp.asarray(0.5)).latent_names
            ('mu',)
        """
        from probflow.models.pinned import pin

        return pin(self, *args, **kwargs)

    @property
    def coords_dict(self) -> dict[str, list[Any]]:
        """Coordinates as a dict ``{dim: labels}``."""
        return {k: list(v) for k, v in self.coords}

    @property
    def dims_dict(self) -> dict[str, tuple[str, ...]]:
        """Dims as a dict ``{variable: (dim, ...)}`` (from the model and from Deterministic)."""
        out = dict(self.dims)
        for v in self.variables():
            if v.dims is not None:
                out[v.name] = v.dims
        return out

    def __repr__(self) -> str:
        return f"<{type(self).__name__} variables={[v.name for v in self.variables()]}>"


def prior_draw(dist: Distribution, key: PRNGKey, *, placeholder_for_improper: bool = True) -> Array:
    """A prior draw of ``dist``; zeros of the right shape for improper priors (shape traces)."""
    if dist.is_improper and placeholder_for_improper:
        return jnp.zeros(dist.batch_shape + dist.event_shape, dist.dtype)
    return dist.sample(key)


def _freeze_coords(coords: Mapping[str, Any] | None) -> tuple[tuple[str, tuple[Any, ...]], ...]:
    if not coords:
        return ()
    return tuple((str(k), tuple(np.asarray(v).tolist())) for k, v in dict(coords).items())


def _freeze_dims(dims: Mapping[str, str | Sequence[str]] | None,
                 ) -> tuple[tuple[str, tuple[str, ...]], ...]:
    if not dims:
        return ()
    out = []
    for name, d in dict(dims).items():
        out.append((str(name), (d,) if isinstance(d, str) else tuple(d)))
    return tuple(out)


def _is_array(x: object) -> bool:
    return isinstance(x, jax.Array | np.ndarray) or isinstance(x, Tracer)


class GeneratorModel(JointDistribution):
    """A joint distribution defined by a generator function (made by
    [`model`][probflow.models.joint.model]).

    Array arguments of the model are PyTree leaves (new data of the same shape does not
    retrace a jitted function); other arguments (ints, strings) are static configuration.

    Examples:
        >>> import probflow as pf
        >>> from probflow import distributions as pfd
        >>> @pf.model
        ... def m(n):
        ...     yield pfd.Normal(jnp.zeros(n), 1.0, name="x")
        >>> type(m(3)).__name__, m(3).event_shape
        ('GeneratorModel', {'x': (3,)})
    """

    fn: Callable[..., Any] = static_field(default=None)
    array_args: tuple[Any, ...] = ()
    static_args: tuple[Any, ...] = static_field(default=())
    args_treedef: Any = static_field(default=None)  # a jax.tree_util.PyTreeDef

    def __init__(self, fn: Callable[..., Any], args: Sequence[Any] = (),
                 kwargs: Mapping[str, Any] | None = None, *,
                 coords: Mapping[str, Any] | None = None,
                 dims: Mapping[str, str | Sequence[str]] | None = None, name: str | None = None):
        leaves, treedef = jax.tree_util.tree_flatten((tuple(args), dict(kwargs or {})))
        arrays, static = [], []
        for leaf in leaves:
            if _is_array(leaf):
                arrays.append(leaf)
                static.append(_ARRAY_SLOT)
            else:
                try:
                    hash(leaf)
                except TypeError as err:
                    raise TypeError(
                        f"model {fn.__name__}: argument {leaf!r} is neither an array nor hashable; "
                        f"pass arrays as jnp/np arrays"
                    ) from err
                static.append(leaf)
        self._set(
            fn=fn, array_args=tuple(arrays), static_args=tuple(static), args_treedef=treedef,
            coords=_freeze_coords(coords), dims=_freeze_dims(dims), name=name or fn.__name__,
            validate_args=False,
        )

    def _arguments(self) -> tuple[tuple[Any, ...], dict[str, Any]]:
        arrays = iter(self.array_args)
        # isinstance, not identity: a copied or unpickled model holds its own slot objects
        leaves = [next(arrays) if isinstance(s, _ArraySlot) else s for s in self.static_args]
        return jax.tree_util.tree_unflatten(self.args_treedef, leaves)

    def _program(self) -> Generator[Any, Any, Any]:
        args, kwargs = self._arguments()
        return self.fn(*args, **kwargs)

    def __reduce__(self) -> tuple[Callable[..., GeneratorModel], tuple[Any, dict[str, Any]]]:
        # The module-level name of a @pf.model function is bound to its builder (the decorated
        # function), so pickle cannot find the generator function by name; the builder is
        # pickled instead and gives the generator back (``build.generator_fn``).
        state = {name: getattr(self, name)
                 for name in self._child_fields + self._static_fields if name != "fn"}
        return _restore_generator_model, (_builder_of(self.fn), state)


def _builder_of(fn: Callable[..., Any]) -> Any:
    """The module-level ``@pf.model`` builder of generator function ``fn``, else ``fn``."""
    module = sys.modules.get(getattr(fn, "__module__", None) or "")
    found = module
    for part in getattr(fn, "__qualname__", "<locals>").split("."):
        found = getattr(found, part, None)
    return found if getattr(found, "generator_fn", None) is fn else fn


def _restore_generator_model(source: Any, state: dict[str, Any]) -> GeneratorModel:
    model = object.__new__(GeneratorModel)
    for name, value in state.items():
        object.__setattr__(model, name, value)
    object.__setattr__(model, "fn", getattr(source, "generator_fn", source))
    return model


class _ArraySlot:
    """Marks where an array argument sits among a model's static arguments.

    One instance, kept one by copies and pickles (``__reduce__`` names the module global).
    """

    def __repr__(self) -> str:
        return "<array>"

    def __hash__(self) -> int:
        return 0

    def __eq__(self, other: object) -> bool:
        return isinstance(other, _ArraySlot)

    def __reduce__(self) -> str:
        return "_ARRAY_SLOT"


_ARRAY_SLOT = _ArraySlot()


@overload
def model(fn: Callable[..., Any], *, coords: Mapping[str, Any] | None = None,
          dims: Mapping[str, str | Sequence[str]] | None = None) -> ModelBuilder: ...


@overload
def model(fn: None = None, *, coords: Mapping[str, Any] | None = None,
          dims: Mapping[str, str | Sequence[str]] | None = None,
          ) -> Callable[[Callable[..., Any]], ModelBuilder]: ...


def model(fn: Callable[..., Any] | None = None, *, coords: Mapping[str, Any] | None = None,
          dims: Mapping[str, str | Sequence[str]] | None = None,
          ) -> ModelBuilder | Callable[[Callable[..., Any]], ModelBuilder]:
    """Decorator turning a generator function into a model (a joint distribution factory).

    Inside the function, ``x = yield pfd.Normal(..., name="x")`` declares a random variable
    and returns its value; ``yield pf.Deterministic(expr, name="d")`` records a derived
    quantity. Calling the decorated function with the model's arguments returns a
    [`GeneratorModel`][probflow.models.joint.GeneratorModel].

    Args:
        fn: the generator function.
        coords: ``{dim_name: labels}`` passed to ArviZ output.
        dims: ``{variable_name: (dim_name, ...)}``.

    Examples:
        >>> import jax, jax.numpy as jnp
        >>> import probflow as pf
        >>> from probflow import distributions as pfd
        >>> @pf.model(coords={"school": list("ABCDEFGH")}, dims={"theta": "school"})
        ... def eight_schools(sigma):
        ...     mu = yield pfd.Normal(0.0, 5.0, name="mu")
        ...     tau = yield pfd.HalfCauchy(0.0, 5.0, name="tau")
        ...     z = yield pfd.Normal(jnp.zeros(8), 1.0, name="z")
        ...     theta = yield pf.Deterministic(mu + tau * z, name="theta")
        ...     yield pfd.Normal(theta, sigma, name="y")
        >>> m = eight_schools(jnp.full(8, 10.0))
        >>> m.event_shape
        {'mu': (), 'tau': (), 'z': (8,), 'y': (8,)}
    """

    def decorate(f: Callable[..., Any]) -> ModelBuilder:
        if not inspect.isgeneratorfunction(f):
            raise TypeError(
                f"@pf.model expects a generator function (one that uses `yield`), "
                f"got {getattr(f, '__name__', f)!r}"
            )

        @functools.wraps(f)
        def build(*args: Any, **kwargs: Any) -> GeneratorModel:
            return GeneratorModel(f, args, kwargs, coords=coords, dims=dims)

        return ModelBuilder(build, f)

    return decorate(fn) if fn is not None else decorate


class JointDistributionNamed(JointDistribution):
    """Joint distribution from a dict of distributions or functions of earlier variables.

    A function's argument names say which variables it depends on; the evaluation order
    is resolved from these dependencies.

    Examples:
        >>> import jax
        >>> import probflow as pf
        >>> from probflow import distributions as pfd
        >>> jd = pf.JointDistributionNamed({
        ...     "y": lambda mu, tau: pfd.Normal(mu, tau),
        ...     "mu": pfd.Normal(0.0, 1.0),
        ...     "tau": pfd.HalfNormal(1.0),
        ... })
        >>> [v.name for v in jd.variables()]
        ['mu', 'tau', 'y']
    """

    # the distributions given directly (PyTree children)
    nodes: dict[str, Distribution | Deterministic] = field(default=None)
    # (name, function) pairs (static)
    functions: tuple[tuple[str, Callable[..., Any]], ...] = static_field(default=())
    order: tuple[str, ...] = static_field(default=())

    # model: dict[str, Any], as dict values are invariant (a dict[str, Normal] must pass)
    def __init__(self, model: dict[str, Any], *,
                 coords: Mapping[str, Any] | None = None,
                 dims: Mapping[str, str | Sequence[str]] | None = None, name: str | None = None):
        if not isinstance(model, dict) or not model:
            raise TypeError(
                f"JointDistributionNamed: model must be a non-empty dict, got {model!r}"
            )
        deps: dict[str, tuple[str, ...]] = {}
        for key, spec in model.items():
            if isinstance(spec, Distribution | Deterministic):
                deps[key] = ()
            elif callable(spec):
                deps[key] = tuple(inspect.signature(spec).parameters)
                unknown = [d for d in deps[key] if d not in model]
                if unknown:
                    raise ValueError(
                        f"JointDistributionNamed: {key!r} depends on {unknown}, which are not "
                        f"variables of the model {list(model)}"
                    )
            else:
                raise TypeError(
                    f"JointDistributionNamed: {key!r} must be a distribution or a function of "
                    f"earlier variables, got {spec!r}"
                )
        order: list[str] = []
        pending = dict(deps)
        while pending:
            ready = [k for k, d in pending.items() if all(x in order for x in d)]
            if not ready:
                raise ValueError(
                    f"JointDistributionNamed: circular dependencies among {list(pending)}"
                )
            for k in ready:
                order.append(k)
                del pending[k]
        nodes = {k: v for k, v in model.items() if not deps[k] and not _is_function(v)}
        functions = tuple((k, v) for k, v in model.items() if k not in nodes)
        self._set(nodes=nodes, functions=functions, order=tuple(order),
                  coords=_freeze_coords(coords), dims=_freeze_dims(dims), name=name,
                  validate_args=False)

    def _program(self) -> Generator[Distribution | Deterministic, Any, None]:
        values: dict[str, Any] = {}
        functions = dict(self.functions)
        for key in self.order:
            if key in self.nodes:
                node = self.nodes[key]
            else:
                spec = functions[key]
                args = inspect.signature(spec).parameters
                node = spec(**{a: values[a] for a in args})
            node = _named(node, key)
            values[key] = yield node


def _is_function(spec: object) -> bool:
    return callable(spec) and not isinstance(spec, Distribution | Deterministic)


def _named(node: object, name: str) -> Distribution | Deterministic:
    if isinstance(node, Deterministic):
        return node if node.name == name else Deterministic(node.value, name, node.dims)
    if not isinstance(node, Distribution):
        raise TypeError(f"variable {name!r}: expected a distribution, got {node!r}")
    return node if node.name == name else node.replace(name=name)


class JointDistributionSequential(JointDistribution):
    """Joint distribution from a list; a function receives the previous values, most recent first.

    Variables are named by their distribution's ``name`` or ``x0, x1, ...`` by position.

    Examples:
        >>> import jax
        >>> import probflow as pf
        >>> from probflow import distributions as pfd
        >>> jd = pf.JointDistributionSequential([
        ...     pfd.Normal(0.0, 1.0, name="mu"),
        ...     lambda mu: pfd.Normal(mu, 1.0, name="y"),
        ... ])
        >>> sorted(jd.sample(jax.random.key(0)))
        ['mu', 'y']
    """

    # distributions given directly, None where a function stands (children)
    nodes: tuple[Distribution | Deterministic | None, ...] = ()
    # functions, None where a distribution stands
    functions: tuple[Callable[..., Any] | None, ...] = static_field(default=())

    def __init__(self, model: Sequence[Distribution | Deterministic | Callable[..., Any]], *,
                 coords: Mapping[str, Any] | None = None,
                 dims: Mapping[str, str | Sequence[str]] | None = None, name: str | None = None):
        if not isinstance(model, list | tuple) or not model:
            raise TypeError(
                f"JointDistributionSequential: model must be a non-empty list, got {model!r}"
            )
        for i, m in enumerate(model):
            if not isinstance(m, Distribution | Deterministic) and not callable(m):
                raise TypeError(
                    f"JointDistributionSequential: element {i} must be a distribution or a "
                    f"function of earlier variables, got {m!r}"
                )
        nodes = tuple(None if _is_function(m) else m for m in model)
        functions = tuple(m if _is_function(m) else None for m in model)
        self._set(nodes=nodes, functions=functions, coords=_freeze_coords(coords),
                  dims=_freeze_dims(dims), name=name, validate_args=False)

    def _program(self) -> Generator[Distribution | Deterministic, Any, None]:
        previous: list[Any] = []
        for i, (node, spec) in enumerate(zip(self.nodes, self.functions, strict=True)):
            if spec is not None:
                nargs = len(inspect.signature(spec).parameters)
                if nargs > len(previous):
                    raise ValueError(
                        f"JointDistributionSequential: element {i} takes {nargs} arguments but "
                        f"only {len(previous)} variables precede it"
                    )
                node = spec(*previous[::-1][:nargs])
            else:
                assert node is not None  # a distribution stands where no function does
            name = node.name or f"x{i}"
            value = yield _named(node, name)
            previous.append(value)
