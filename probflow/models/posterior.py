"""The ``Posterior``: a model conditioned on data, as a log density on an unconstrained space.

This is the one object that inference consumes. Latent variables are mapped from
unconstrained reals onto their supports by their distributions'
``default_event_space_bijector()``; the log-Jacobians are added to the density.
Bijectors are built while the model runs, so supports that depend on other
variables (``Uniform(0, tau)``) are handled.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any, Literal, Self

import jax
import jax.numpy as jnp
import numpy as np
from jax.flatten_util import ravel_pytree

from probflow.core.checks import check_count, is_concrete
from probflow.core.errors import ParameterError, ShapeError
from probflow.core.keys import as_typed_key
from probflow.core.pytree import Struct, static_field
from probflow.models.checks import check_finite_arrays, model_argument_arrays
from probflow.models.joint import prior_draw
from probflow.models.precision import warn_float64_data
from probflow.models.variable import Variable, VariableSupportError
from probflow.typing import Array, ArrayLike, PRNGKey

if TYPE_CHECKING:
    from probflow.distributions.distribution import Distribution
    from probflow.models.joint import JointDistribution, _Record

__all__ = ["Posterior", "InitializationError"]

INIT_STRATEGIES = ("uniform", "prior", "median")


class InitializationError(ParameterError):
    """No finite initial point was found; the message names the failing variables.

    Examples:
        >>> import probflow as pf
        >>> issubclass(pf.models.InitializationError, ValueError)
        True
    """


class Posterior(Struct):
    """Unnormalised posterior of a joint distribution's latent variables given data.

    Made by ``model.condition(name=data, ...)``. Positions are dicts ``{latent_name: array}``;
    "unconstrained" positions live on the reals (shapes may differ from the constrained ones,
    e.g. a simplex of size k has k - 1 unconstrained coordinates).

    Examples:
        >>> import jax, jax.numpy as jnp
        >>> import probflow as pf
        >>> from probflow import distributions as pfd
        >>> @pf.model
        ... def m():
        ...     sigma = yield pfd.HalfNormal(1.0, name="sigma")
        ...     yield pfd.Normal(jnp.zeros(3), sigma, name="y")
        >>> post = m().condition(y=jnp.asarray([0.1, -0.3, 0.2]))
        >>> z = post.init(jax.random.key(0), num_chains=4)
        >>> z["sigma"].shape
        (4,)
        >>> jax.vmap(post.unconstrained_log_density)(z).shape
        (4,)
    """

    model: Any  # a JointDistribution (of any form; a GeneratorModel also has array_args)
    data: dict[str, Array]
    latent_names: tuple[str, ...] = static_field(default=())
    observed_names: tuple[str, ...] = static_field(default=())
    deterministic_names: tuple[str, ...] = static_field(default=())
    factor_likelihood_names: tuple[str, ...] = static_field(default=())

    # -- construction ------------------------------------------------------------------------------
    @classmethod
    def from_model(cls, model: JointDistribution, data: Mapping[str, ArrayLike]) -> Self:
        """Check ``data`` against ``model`` and build the posterior (see ``model.condition``).

        The data and the model's array arguments are checked for NaN/inf once, here.
        """
        arguments = model_argument_arrays(model)
        check_finite_arrays("condition", "model argument", arguments)
        warn_float64_data("condition", "model argument", arguments)
        warn_float64_data("condition", "data for", data)
        infos = {v.name: v for v in model.variables()}
        unknown = [k for k in data if k not in infos]
        if unknown:
            raise ValueError(
                f"condition: {', '.join(map(repr, unknown))} "
                f"{'is not a variable' if len(unknown) == 1 else 'are not variables'} of the "
                f"model; its variables are {list(infos)}"
            )
        clean: dict[str, Array] = {}
        for name, value in data.items():
            info = infos[name]
            if not info.is_random:
                kind = "pf.Deterministic" if info.is_deterministic else "pf.Factor"
                raise ValueError(
                    f"condition: {name!r} is a {kind} and cannot be observed; observe "
                    f"the random variables it is computed from"
                )
            value = jnp.asarray(value)
            check_finite_arrays("condition", "data for", {name: value})
            try:
                np.broadcast_shapes(tuple(value.shape), info.shape)
            except ValueError as err:
                raise ShapeError(
                    f"condition: data for {name!r} has shape {tuple(value.shape)}, which does not "
                    f"broadcast with the variable's shape {info.shape}"
                ) from err
            clean[name] = value
        latent = tuple(
            v.name for v in infos.values() if v.is_random and v.name not in clean
        )
        discrete = [n for n in latent if infos[n].is_discrete]
        if discrete:
            raise ValueError(
                f"condition: the latent variables {discrete} are discrete, and gradient-based "
                f"inference (HMC, NUTS, VI) cannot sample them; marginalise them out of the model "
                f"(sum their probabilities into the likelihood) or observe them"
            )
        deterministic = tuple(v.name for v in infos.values() if v.is_deterministic)
        factor_likelihoods = tuple(v.name for v in infos.values() if v.is_likelihood)
        # Struct makes the dataclass __init__ at class creation, unseen by pyright
        posterior = cls(model, clean, latent, tuple(clean),  # pyright: ignore[reportCallIssue]
                        deterministic, factor_likelihoods)
        posterior._check_variables()
        return posterior

    def _check_variables(self) -> None:
        """Check the bijectors and constraints of [`Variable`][probflow.models.variable.Variable]
        latents on concrete values: one eager run of the model (only when it has any), at the
        unconstrained origin of every latent."""
        found: list[str] = []

        def find(i: int, name: str, dist: Distribution) -> Array:
            if isinstance(dist, Variable):
                found.append(name)
            return prior_draw(dist, jax.random.key(i))

        jax.eval_shape(lambda: [r.value for r in self._run(find)])
        if not found or not is_concrete(self.data) or not is_concrete(self.model):
            return

        # a Variable checks itself when built on concrete values
        def point(i: int, name: str, dist: Distribution) -> Any:
            bijector = dist.default_event_space_bijector()
            shape = tuple(dist.batch_shape) + tuple(dist.event_shape)
            return bijector.forward(jnp.zeros(bijector.inverse_event_shape(shape), dist.dtype))

        try:
            with jax.ensure_compile_time_eval():
                self._run(point)
        except VariableSupportError:
            raise
        except Exception:  # noqa: BLE001 - the point may be invalid for other variables:
            return  # their errors are not this check's to report (inference reports them)

    @property
    def likelihood_names(self) -> tuple[str, ...]:
        """Names of the terms of the pointwise log likelihood: the observed variables, then
        the factors declared with ``pf.Factor(..., likelihood=True)``.

        Examples:
            >>> import jax.numpy as jnp
            >>> import probflow as pf
            >>> from probflow import distributions as pfd
            >>> @pf.model
            ... def m():
            ...     mu = yield pfd.Normal(0.0, 1.0, name="mu")
            ...     yield pf.Factor(-0.5 * (jnp.ones(3) - mu) ** 2, name="y", likelihood=True)
            >>> m().condition().likelihood_names
            ('y',)
        """
        return tuple(self.observed_names) + tuple(self.factor_likelihood_names)

    # -- running the model -----------------------------------------------------------------------
    def _run(self, on_latent: Callable[[int, str, Distribution], Any]) -> list[_Record]:
        data = self.data

        def on_variable(i: int, name: str, dist: Distribution) -> Any:
            if name in data:
                return data[name]
            return on_latent(i, name, dist)

        return self.model._run(on_variable)

    def _lookup(self, values: Mapping[str, Any], what: str,
                ) -> Callable[[int, str, Distribution], Array]:
        def on_latent(i: int, name: str, dist: Distribution) -> Array:
            if name not in values:
                raise KeyError(
                    f"{what}: no value for the latent variable {name!r}; latent variables are "
                    f"{list(self.latent_names)}"
                )
            return jnp.asarray(values[name])

        return on_latent

    @staticmethod
    def _total(records: list[_Record]) -> Array:
        return jnp.asarray(sum(lp for r in records if (lp := r.log_density()) is not None))

    # -- densities -------------------------------------------------------------------------------
    def log_density(self, latents: Mapping[str, ArrayLike]) -> Array:
        """Unnormalised log posterior at constrained ``latents`` (prior + likelihood)."""
        return self._total(self._run(self._lookup(latents, "log_density")))

    def unconstrained_log_density(self, z: Mapping[str, ArrayLike]) -> Array:
        """Log density on the unconstrained space, including each bijector's log-Jacobian."""
        lookup = self._lookup(z, "unconstrained_log_density")
        log_jacobians: list[Array] = []

        def on_latent(i: int, name: str, dist: Distribution) -> Any:
            bijector = dist.default_event_space_bijector()
            value, ldj = bijector.forward_and_log_det(lookup(i, name, dist))
            log_jacobians.append(jnp.sum(ldj))
            return value

        records = self._run(on_latent)
        return self._total(records) + sum(log_jacobians)

    def log_density_parts(self, z: Mapping[str, ArrayLike]) -> dict[str, Array]:
        """``{name: log density}`` per variable on the unconstrained space (Jacobians included)."""
        lookup = self._lookup(z, "log_density_parts")
        jac: dict[str, Array] = {}

        def on_latent(i: int, name: str, dist: Distribution) -> Any:
            value, ldj = dist.default_event_space_bijector().forward_and_log_det(
                lookup(i, name, dist))
            jac[name] = jnp.sum(ldj)
            return value

        records = self._run(on_latent)
        return {r.name: lp + jac.get(r.name, 0.0)
                for r in records if (lp := r.log_density()) is not None}

    def pointwise_log_likelihood(self, latents: Mapping[str, ArrayLike]) -> dict[str, Array]:
        """``{name: log p(y_i | latents)}`` per observed element (for LOO and WAIC).

        One entry per observed variable and per factor declared with
        ``pf.Factor(terms, name, likelihood=True)`` (its terms, unsummed).
        """
        records = self._run(self._lookup(latents, "pointwise_log_likelihood"))
        out: dict[str, Array] = {}
        for r in records:
            if r.name in self.data:
                lp = r.dist.log_prob(r.value)
                out[r.name] = jnp.broadcast_to(lp, jnp.broadcast_shapes(lp.shape, ()))
            elif r.is_likelihood:
                out[r.name] = r.value
        return out

    # -- transforms -------------------------------------------------------------------------------
    def constrain(self, z: Mapping[str, ArrayLike], include_deterministic: bool = False,
                  ) -> dict[str, Array]:
        """Map unconstrained ``z`` to constrained latents (and deterministics if asked)."""
        lookup = self._lookup(z, "constrain")
        records = self._run(
            lambda i, name, d: d.default_event_space_bijector().forward(lookup(i, name, d))
        )
        keep = set(self.latent_names) | (set(self.deterministic_names)
                                         if include_deterministic else set())
        return {r.name: r.value for r in records if r.name in keep}

    def unconstrain(self, latents: Mapping[str, ArrayLike]) -> dict[str, Array]:
        """Map constrained ``latents`` to the unconstrained space."""
        lookup = self._lookup(latents, "unconstrain")
        out: dict[str, Array] = {}

        def on_latent(i: int, name: str, dist: Distribution) -> Array:
            value = lookup(i, name, dist)
            out[name] = dist.default_event_space_bijector().inverse(value)
            return value

        self._run(on_latent)
        return out

    def sample_prior_latents(self, key: PRNGKey, *, placeholder_for_improper: bool = False,
                             ) -> dict[str, Array]:
        """One draw of the latents from the prior (observed variables pinned to the data).

        Improper priors cannot be sampled; with ``placeholder_for_improper`` they give zeros
        (used only to find shapes).
        """
        key = as_typed_key(key)
        records = self._run(lambda i, name, d: prior_draw(
            d, jax.random.fold_in(key, i), placeholder_for_improper=placeholder_for_improper))
        return {r.name: r.value for r in records if r.name in self.latent_names}

    def unconstrained_template(self) -> dict[str, jax.ShapeDtypeStruct]:
        """``{name: ShapeDtypeStruct}`` of one unconstrained position."""
        return jax.eval_shape(
            lambda k: self.unconstrain(self.sample_prior_latents(k, placeholder_for_improper=True)),
            jax.random.key(0))

    def flatten(self, z: Mapping[str, ArrayLike]) -> Array:
        """Ravel an unconstrained position into one vector (for dense mass matrices)."""
        return ravel_pytree(z)[0]

    def unflatten(self, vector: Array) -> dict[str, Array]:
        """Inverse of [`flatten`][probflow.models.posterior.Posterior.flatten]."""
        template = jax.tree_util.tree_map(lambda s: jnp.zeros(s.shape, s.dtype),
                                          self.unconstrained_template())
        return ravel_pytree(template)[1](vector)

    # -- initial points ---------------------------------------------------------------------------
    def init(self, key: PRNGKey, num_chains: int = 4, *,
             strategy: Literal["uniform", "prior", "median"] = "uniform",
             values: dict[str, Any] | None = None, radius: float = 2.0, max_tries: int = 100,
             ) -> dict[str, Array]:
        """Initial unconstrained positions, one per chain (leading axis ``num_chains``).

        Strategies: ``"uniform"`` (uniform in ``(-radius, radius)`` on the unconstrained space,
        the default), ``"prior"`` (a prior draw), ``"median"`` (the elementwise median of 101
        prior draws, on the unconstrained space). ``values`` fixes some latents (constrained
        values, each of its variable's shape or broadcasting to it, inside its support; the
        others follow ``strategy``);
        [`unconstrain_partial`][probflow.models.posterior.Posterior.unconstrain_partial] checks them
        and names the
        variable when one is not a latent, has the wrong shape, is NaN/inf or lies outside the
        support. Chains whose density or gradient is not finite are redrawn up to ``max_tries``
        times; then an [`InitializationError`][probflow.models.posterior.InitializationError] names
        the variables whose density or
        gradient failed.

        Both typed (``jax.random.key``) and raw (``jax.random.PRNGKey``) keys work.

        Examples:
            >>> import jax, jax.numpy as jnp
            >>> import probflow as pf
            >>> from probflow import distributions as pfd
            >>> @pf.model
            ... def m():
            ...     mu = yield pfd.Normal(jnp.zeros(2), 1.0, name="mu")
            ...     yield pfd.HalfNormal(1.0, name="sigma")
            >>> z = m().condition().init(jax.random.PRNGKey(0), 3, values={"mu": 0.5})
            >>> z["mu"].shape, float(z["mu"][2, 1])
            ((3, 2), 0.5)
        """
        key = as_typed_key(key)
        num_chains = check_count("init", "num_chains", num_chains)
        if strategy not in INIT_STRATEGIES:
            raise ValueError(
                f"init: unknown strategy {strategy!r}; choose one of {INIT_STRATEGIES}"
            )
        fixed = self.unconstrain_partial(values) if values else {}
        keys = jax.random.split(key, num_chains * (max_tries + 1)).reshape(max_tries + 1,
                                                                          num_chains)
        radius_array = jnp.asarray(radius)
        z, ok = _draw_and_check(self, keys[0], strategy, radius_array, fixed)
        ok = np.asarray(ok)
        for attempt in range(1, max_tries + 1):
            if ok.all():
                return z
            fresh, _ = _draw_and_check(self, keys[attempt], strategy, radius_array, fixed)
            z = jax.tree_util.tree_map(
                lambda old, new: jnp.where(ok.reshape((-1,) + (1,) * (old.ndim - 1)), old, new),
                z, fresh)
            ok = np.asarray(_check_finite(self, z))
        if ok.all():
            return z
        bad_chain = int(np.argmin(ok))
        z_bad = jax.tree_util.tree_map(lambda x: x[bad_chain], z)
        raise InitializationError(self._describe_failure(z_bad, max_tries))

    def unconstrain_partial(self, values: dict[str, Any]) -> dict[str, Array]:
        """Check user-given initial values for some latents and unconstrain them.

        Each value must be finite, broadcast to its variable's shape (it is broadcast) and lie
        inside the variable's support, away from its edges (where the unconstrained value is
        infinite); a ``ValueError`` (``ShapeError`` for shapes, ``ParameterError`` for supports)
        names the variable, what was expected and ``init``. Latents without a value are drawn
        from the prior, so values of variables whose support depends on another latent are
        checked against a prior draw of that latent unless it is given too.

        Examples:
            >>> import jax.numpy as jnp
            >>> import probflow as pf
            >>> from probflow import distributions as pfd
            >>> @pf.model
            ... def m():
            ...     yield pfd.HalfNormal(1.0, name="sigma")
            >>> post = m().condition()
            >>> post.unconstrain_partial({"sigma": 1.0})["sigma"].round(4)
            Array(0.5413, dtype=float32)
            >>> try:
            ...     post.unconstrain_partial({"sigma": -1.0})
            ... except ValueError as err:
            ...     print(str(err).split(" (")[0])
            init: values['sigma'] = -1.0 is outside the support of 'sigma'
        """
        if not isinstance(values, dict):
            raise TypeError(f"init: values must be a dict {{latent name: value}}, got "
                            f"{type(values).__name__}")
        unknown = [k for k in values if k not in self.latent_names]
        if unknown:
            observed = [k for k in unknown if k in self.observed_names]
            hint = (f"; {observed} {'is' if len(observed) == 1 else 'are'} observed (fixed by "
                    f"condition)") if observed else ""
            raise ValueError(
                f"init: values for {unknown}, which are not latent variables{hint}; latent "
                f"variables are {list(self.latent_names)}"
            )
        check_finite_arrays("init", "the value for", values)
        out: dict[str, Array] = {}

        def on_latent(i: int, name: str, dist: Distribution) -> Any:
            if name not in values:
                return prior_draw(dist, jax.random.key(i))
            value = _check_initial_value(name, values[name], dist)
            unconstrained = dist.default_event_space_bijector().inverse(value)
            if is_concrete(unconstrained) and not np.all(np.isfinite(np.asarray(unconstrained))):
                raise ParameterError(
                    f"init: values[{name!r}] = {_show(value)} is on the edge of the support of "
                    f"{name!r} ({type(dist).__name__}, support {dist.support!r}), where the "
                    f"unconstrained value is infinite; give a value strictly inside the support"
                )
            out[name] = unconstrained
            return value

        self._run(on_latent)
        return out

    def _draw_init(self, key: PRNGKey, strategy: str, radius: Array, fixed: Mapping[str, Array],
                   ) -> dict[str, Array]:
        template = self.unconstrained_template()
        if strategy == "uniform":
            keys = jax.random.split(key, len(template))
            z = {name: jax.random.uniform(k, s.shape, s.dtype, -radius, radius)
                 for k, (name, s) in zip(keys, sorted(template.items()), strict=True)}
        elif strategy == "prior":
            z = self.unconstrain(self.sample_prior_latents(key))
        else:
            draws = jax.vmap(lambda k: self.unconstrain(self.sample_prior_latents(k)))(
                jax.random.split(key, 101))
            z = jax.tree_util.tree_map(lambda x: jnp.median(x, axis=0), draws)
        z.update(fixed)
        return z

    def _is_finite(self, z: Mapping[str, Array]) -> Array:
        value, grad = jax.value_and_grad(self.unconstrained_log_density)(z)
        finite_grad = jnp.all(jnp.stack([jnp.all(jnp.isfinite(g))
                                         for g in jax.tree_util.tree_leaves(grad)]))
        return jnp.isfinite(value) & finite_grad

    def _describe_failure(self, z: dict[str, Array], max_tries: int) -> str:
        parts = self.log_density_parts(z)
        grads = jax.grad(self.unconstrained_log_density)(z)
        bad_density = [n for n, v in parts.items() if not np.isfinite(np.asarray(v))]
        bad_grad = [n for n, g in grads.items() if not np.all(np.isfinite(np.asarray(g)))]
        nan_draws = [n for n, v in z.items() if np.isnan(np.asarray(v)).any()]
        if nan_draws:
            return (
                f"init: no finite initial point after {max_tries} tries; the initial values of "
                f"{nan_draws} are NaN: their prior could not be sampled (a pf.models.Variable "
                f"whose rejection sampler found no draw inside its constraint). Use "
                f"strategy='uniform', or pass initial values with init(..., values={{...}})"
            )
        return (
            f"init: no finite initial point after {max_tries} tries; non-finite log density in "
            f"{bad_density or 'no variable'} and non-finite gradient for "
            f"{bad_grad or 'no variable'}. Check the priors' parameters and the data, or pass "
            f"initial values with init(..., values={{...}})"
        )


def _show(value: ArrayLike) -> str:
    array = np.asarray(value)
    if array.size == 1:
        return repr(array.reshape(()).item())
    return np.array2string(array, precision=6, threshold=8)


def _check_initial_value(name: str, value: Any, dist: Distribution) -> Array:
    """``value`` as an array of ``dist``'s dtype, broadcast to its shape and inside its support."""
    shape = tuple(dist.batch_shape) + tuple(dist.event_shape)
    try:
        if isinstance(value, str | bytes):
            raise TypeError(f"a string: {value!r}")
        value = jnp.asarray(value)
    except TypeError as err:
        raise TypeError(f"init: values[{name!r}] must be an array of numbers, got "
                        f"{value!r}") from err
    if not jnp.issubdtype(value.dtype, jnp.number):
        raise TypeError(f"init: values[{name!r}] must be an array of numbers, got an array of "
                        f"dtype {value.dtype}")
    if not jnp.issubdtype(value.dtype, jnp.inexact):  # integers: the latents are continuous
        value = value.astype(jnp.result_type(float))
    try:
        fits = np.broadcast_shapes(tuple(value.shape), shape) == shape
    except ValueError:
        fits = False
    if not fits:
        raise ShapeError(
            f"init: values[{name!r}] has shape {tuple(value.shape)}, but {name!r} has shape "
            f"{shape} (a value must have that shape or broadcast to it)"
        )
    value = jnp.broadcast_to(value, shape)
    if is_concrete(value) and is_concrete(dist):
        inside = np.asarray(dist.support.check(value))
        if not inside.all():
            where = ""
            if inside.ndim and value.ndim:
                index = tuple(int(i) for i in np.argwhere(~inside)[0])
                where = f" at index {index} ({_show(value[index])})"
            raise ParameterError(
                f"init: values[{name!r}] = {_show(value)} is outside the support of {name!r} "
                f"({type(dist).__name__}, support {dist.support!r}){where}"
            )
    return value


@functools.partial(jax.jit, static_argnums=2)
def _draw_and_check(posterior: Posterior, keys: PRNGKey, strategy: str, radius: Array,
                    fixed: Mapping[str, Array]) -> tuple[dict[str, Array], Array]:
    """Initial points for a batch of chains and whether each is finite (compiled once per
    posterior structure and strategy)."""
    z = jax.vmap(lambda k: posterior._draw_init(k, strategy, radius, fixed))(keys)
    return z, jax.vmap(posterior._is_finite)(z)


@jax.jit
def _check_finite(posterior: Posterior, z: Mapping[str, Array]) -> Array:
    return jax.vmap(posterior._is_finite)(z)
