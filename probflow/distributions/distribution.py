"""The ``Distribution`` base class: TFP's interface on an immutable PyTree.

A subclass declares its parameters as dataclass fields, converts and validates
them in ``__init__`` and implements the private methods it has closed forms for:

* ``_sample(key, sample_shape)`` returning ``sample_shape + batch_shape + event_shape``;
* ``_log_prob(value)``;
* any of ``_cdf``, ``_log_cdf``, ``_survival_function``, ``_log_survival_function``
  (the others are derived), ``_quantile``;
* any of ``_mean``, ``_variance``/``_stddev`` (each derives the other),
  ``_covariance``, ``_mode``, ``_entropy``;
* ``support`` (a constraint) and, for non-scalar events, ``event_shape``.

Public methods check shapes and keys, then dispatch. A method without a closed
form raises [`UnsupportedError`][probflow.core.errors.UnsupportedError] naming the class.
"""

from __future__ import annotations

import functools
import inspect
from typing import Any, ClassVar

import jax
import jax.numpy as jnp
import numpy as np

from probflow.core import checks as _checks
from probflow.core.errors import ShapeError, UnsupportedError
from probflow.core.keys import as_key
from probflow.core.pytree import Struct, static_field
from probflow.core.shapes import as_shape, batch_shape_of, broadcast_shapes
from probflow.typing import Array, ArrayLike, PRNGKey, ShapeLike

__all__ = ["Distribution", "resolve_sample_call"]


def _overrides(obj: Any, name: str) -> bool:
    return getattr(type(obj), name) is not getattr(Distribution, name)


class Distribution(Struct):
    """Base class of every probflow distribution.

    Attributes:
        validate_args: when true, parameters must also be finite (except the
            infinities a class declares in ``infinite_params``) and the checks also
            run under ``jit``, at run time (wrap the function in
            [`probflow.core.checks.checked`][probflow.core.checks.checked] to get a
            ``ParameterError`` there).
            Concrete parameters are always checked against their constraints when the
            object is built.
        name: optional name (used by joint distributions and models).

    Examples:
        >>> import jax, jax.numpy as jnp
        >>> import probflow.distributions as pfd
        >>> d = pfd.Normal(loc=jnp.zeros(3), scale=1.0)
        >>> d.batch_shape, d.event_shape
        ((3,), ())
        >>> d.sample(jax.random.key(0), (5,)).shape
        (5, 3)
        >>> d.log_prob(jnp.zeros(3)).shape
        (3,)
    """

    validate_args: bool = static_field(default=False, kw_only=True)
    name: str | None = static_field(default=None, kw_only=True)

    # Declarations a subclass may override.
    reparameterized: ClassVar[bool] = False
    """True when samples are differentiable in the parameters (explicitly or implicitly)."""
    param_event_ndims: ClassVar[dict[str, int]] = {}
    """Number of trailing event dimensions of each parameter (default 0)."""
    is_improper: ClassVar[bool] = False
    """True for improper priors (``Flat``), which have a density but no samples."""
    infinite_params: ClassVar[dict[str, str]] = {}
    """Parameters that may be infinite, each with ``"-inf"``, ``"+inf"`` or ``"inf"`` (both).

    With ``validate_args=True`` every other floating-point parameter must be finite; NaN
    is never accepted (e.g. ``{"low": "-inf", "high": "+inf"}`` for truncation bounds).
    """

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        init = cls.__dict__.get("__init__")
        if init is not None and not hasattr(init, "_records_arguments"):
            cls.__init__ = _recording(init)

    # -- parameters and validation -----------------------------------------------------------
    @property
    def parameters(self) -> dict[str, Any]:
        """The parameters (PyTree children) as a dict."""
        return {name: getattr(self, name) for name in self._child_fields}

    @classmethod
    def parameter_properties(cls) -> dict[str, Any]:
        """``{name: ParameterProperties}``: each parameter's event rank and constraining bijector.

        TFP's classmethod of the same name; see
        [`parameter_properties`][probflow.distributions.parameter_properties.parameter_properties]
        for where the answers come from. A subclass declares unusual constraints in a
        ``param_constraints`` class attribute ``{name: Constraint}``.

        Examples:
            >>> import jax.numpy as jnp
            >>> import probflow.distributions as pfd
            >>> props = pfd.Normal.parameter_properties()
            >>> sorted(props), props["scale"].event_ndims
            (['loc', 'scale'], 0)
            >>> float(props["scale"].default_constraining_bijector_fn().forward(-50.0)) > 0
            True
        """
        from probflow.distributions.parameter_properties import parameter_properties

        return parameter_properties(cls)

    def copy(self, **overrides: Any) -> Distribution:
        """A new instance with the same constructor arguments except ``overrides``.

        Unlike ``replace``, the constructor runs again, so the new parameters are converted
        and validated (TFP's ``copy``). The other arguments are those the object was built
        with (each constructor records its bound arguments); for an object that JAX rebuilt
        from its leaves, or made by ``replace``, they are read back from the fields of the
        same name.

        Raises:
            TypeError: when an override is not a constructor argument.

        Examples:
            >>> import probflow.distributions as pfd
            >>> d = pfd.Normal(0.0, 1.0, name="x").copy(scale=3.0)
            >>> float(d.scale), d.name
            (3.0, 'x')
        """
        params = inspect.signature(type(self).__init__).parameters
        accepted = [n for n, p in params.items() if n != "self" and p.kind in (
            p.POSITIONAL_OR_KEYWORD, p.KEYWORD_ONLY)]
        unknown = [k for k in overrides if k not in accepted]
        if unknown:
            raise TypeError(
                f"{type(self).__name__}.copy: {unknown} are not constructor arguments; "
                f"the arguments are {accepted}"
            )
        recorded = self.__dict__.get("_init_arguments")
        kwargs = {}
        for arg in accepted:
            if arg in overrides:
                kwargs[arg] = overrides[arg]
            elif recorded is not None:  # arguments not passed keep their defaults
                if arg in recorded:
                    kwargs[arg] = recorded[arg]
            elif arg in self._child_fields or arg in self._static_fields:
                kwargs[arg] = getattr(self, arg)
        try:
            return type(self)(**kwargs)
        except TypeError as err:
            if recorded is not None:
                raise
            raise TypeError(
                f"{type(self).__name__}.copy: this object was rebuilt from its leaves (by JAX or "
                f"replace), and its constructor arguments are not all fields; pass them as "
                f"overrides ({err})"
            ) from err

    @property
    def reparameterization_type(self) -> Any:
        """TFP's marker: ``FULLY_REPARAMETERIZED`` or ``NOT_REPARAMETERIZED``.

        Examples:
            >>> import probflow.distributions as pfd
            >>> pfd.Normal(0.0, 1.0).reparameterization_type
            FULLY_REPARAMETERIZED
        """
        from probflow.distributions.parameter_properties import (
            FULLY_REPARAMETERIZED,
            NOT_REPARAMETERIZED,
        )

        return FULLY_REPARAMETERIZED if self.reparameterized else NOT_REPARAMETERIZED

    def _validate(self, *checks: _checks.Check) -> None:
        """Run ``checks``; with ``validate_args``, first require finite parameters.

        The finiteness checks cover every floating-point array parameter (PyTree child)
        except the infinities declared in ``infinite_params``.
        """
        if self.validate_args:
            checks = self._finiteness_checks() + checks
        _checks.validate(type(self).__name__, checks, self.validate_args)

    def _finiteness_checks(self) -> tuple[_checks.Check, ...]:
        found = []
        for name in self._child_fields:
            value = getattr(self, name)
            if isinstance(value, int | float) and not isinstance(value, bool):
                value = jnp.asarray(value)
            if not isinstance(value, jax.Array | np.ndarray | np.generic):
                continue  # nested distributions, bijectors, kernels check themselves
            dtype = getattr(value, "dtype", None)
            if dtype is None or not jnp.issubdtype(dtype, jnp.inexact):
                continue
            found.append(_checks.finite(name, value, self.infinite_params.get(name)))
        return tuple(found)

    # -- shapes ---------------------------------------------------------------------------------
    @property
    def batch_shape(self) -> tuple[int, ...]:
        """Shape of the batch of independent, differently parameterised distributions."""
        params = {k: v for k, v in self.parameters.items() if hasattr(v, "shape") or _is_number(v)}
        return batch_shape_of(params, self.param_event_ndims, type(self).__name__)

    @property
    def event_shape(self) -> tuple[int, ...]:
        """Shape of one draw from one distribution of the batch."""
        return ()

    def batch_shape_tensor(self) -> Array:
        """``batch_shape`` as an int32 array (TFP's dynamic-shape spelling).

        Examples:
            >>> import jax.numpy as jnp
            >>> import probflow.distributions as pfd
            >>> pfd.Normal(jnp.zeros((2, 3)), 1.0).batch_shape_tensor()
            Array([2, 3], dtype=int32)
        """
        return _shape_array(self.batch_shape)

    def event_shape_tensor(self) -> Array | dict[str, Array]:
        """``event_shape`` as an int32 array (a dict of arrays for joint distributions).

        Examples:
            >>> import jax.numpy as jnp
            >>> import probflow.distributions as pfd
            >>> pfd.Dirichlet(jnp.ones(4)).event_shape_tensor()
            Array([4], dtype=int32)
        """
        shape = self.event_shape
        if isinstance(shape, dict):
            return {k: _shape_array(v) for k, v in shape.items()}
        return _shape_array(shape)

    def is_scalar_batch(self) -> bool:
        """True when ``batch_shape == ()``.

        Examples:
            >>> import probflow.distributions as pfd
            >>> pfd.Normal(0.0, 1.0).is_scalar_batch()
            True
        """
        return tuple(self.batch_shape) == ()

    def is_scalar_event(self) -> bool:
        """True when ``event_shape == ()``.

        Examples:
            >>> import jax.numpy as jnp
            >>> import probflow.distributions as pfd
            >>> pfd.Dirichlet(jnp.ones(3)).is_scalar_event()
            False
        """
        shape = self.event_shape
        return not isinstance(shape, dict) and tuple(shape) == ()

    @property
    def dtype(self) -> Any:
        """dtype of samples."""
        leaves = [x for x in jax.tree_util.tree_leaves(self.parameters) if hasattr(x, "dtype")]
        return leaves[0].dtype if leaves else jnp.zeros(()).dtype

    @property
    def support(self) -> Any:
        """The support as a [`constraints`][probflow.distributions.constraints] object."""
        raise UnsupportedError(f"{type(self).__name__} does not declare a support")

    @property
    def is_discrete(self) -> bool:
        """True for distributions over integers or other discrete sets."""
        return bool(self.support.is_discrete)

    def default_event_space_bijector(self) -> Any:
        """Bijector from unconstrained reals onto this distribution's support.

        Examples:
            >>> import probflow.distributions as pfd
            >>> b = pfd.Gamma(2.0, 1.0).default_event_space_bijector()
            >>> float(b.forward(0.0)) > 0
            True
        """
        from probflow.distributions.event_space import biject_to

        return biject_to(self.support)

    def experimental_default_event_space_bijector(self) -> Any:
        """TFP's name for ``default_event_space_bijector()``: reals onto the support.

        Examples:
            >>> import probflow.distributions as pfd
            >>> b = pfd.Beta(2.0, 2.0).experimental_default_event_space_bijector()
            >>> float(b.forward(0.0))
            0.5
        """
        return self.default_event_space_bijector()

    # -- sampling -------------------------------------------------------------------------------
    def sample(self, key: PRNGKey | ShapeLike | None = None, sample_shape: ShapeLike = (), *,
               seed: PRNGKey | None = None) -> Any:
        """Draw samples of shape ``sample_shape + batch_shape + event_shape``.

        Both probflow's and TFP's call forms work: ``d.sample(key)``,
        ``d.sample(key, sample_shape)``, ``d.sample(sample_shape, seed=key)`` and
        ``d.sample(seed=key)``.

        Args:
            key: a JAX PRNG key (typed or raw); the first argument of every random function.
                With ``seed=`` given, the first positional argument is ``sample_shape``.
            sample_shape: int or tuple of ints.
            seed: TFP's spelling of ``key`` (keyword-only).

        Examples:
            >>> import jax
            >>> import probflow.distributions as pfd
            >>> d = pfd.Normal(0.0, 1.0)
            >>> a = d.sample(jax.random.key(0), (2,))
            >>> b = d.sample((2,), seed=jax.random.key(0))
            >>> bool((a == b).all())
            True
        """
        key, shape = resolve_sample_call(self, key, sample_shape, seed)
        return self._sample(key, shape)

    def sample_and_log_prob(self, key: PRNGKey | ShapeLike | None = None,
                            sample_shape: ShapeLike = (), *,
                            seed: PRNGKey | None = None) -> tuple[Any, Array]:
        """Draw samples and return ``(samples, log_prob(samples))`` in one pass.

        Accepts the same call forms as
        [`sample`][probflow.distributions.distribution.Distribution.sample].

        Examples:
            >>> import jax
            >>> import probflow.distributions as pfd
            >>> x, lp = pfd.Normal(0.0, 1.0).sample_and_log_prob((3,), seed=jax.random.key(0))
            >>> x.shape, lp.shape
            ((3,), (3,))
        """
        key, shape = resolve_sample_call(self, key, sample_shape, seed)
        if _overrides(self, "_sample_and_log_prob"):
            return self._sample_and_log_prob(key, shape)
        x = self._sample(key, shape)
        return x, self._log_prob(x)

    def experimental_sample_and_log_prob(self, key: PRNGKey | ShapeLike | None = None,
                                         sample_shape: ShapeLike = (), *,
                                         seed: PRNGKey | None = None) -> tuple[Any, Array]:
        """TFP's name for ``sample_and_log_prob``: samples and their log densities.

        Examples:
            >>> import jax
            >>> import probflow.distributions as pfd
            >>> x, lp = pfd.Gamma(2.0, 1.0).experimental_sample_and_log_prob(
            ...     seed=jax.random.key(1))
            >>> x.shape, lp.shape
            ((), ())
        """
        return self.sample_and_log_prob(key, sample_shape, seed=seed)

    def _sample(self, key: PRNGKey, sample_shape: tuple[int, ...]) -> Any:
        raise UnsupportedError(f"{type(self).__name__} cannot be sampled")

    def _sample_and_log_prob(self, key: PRNGKey,  # pragma: no cover - overridden
                             sample_shape: tuple[int, ...]) -> tuple[Any, Array]:
        raise UnsupportedError(f"{type(self).__name__} has no joint sample_and_log_prob")

    # -- densities ------------------------------------------------------------------------------
    def _as_value(self, value: Any) -> Any:
        value = jnp.asarray(value)
        if not jnp.issubdtype(value.dtype, jnp.floating) and not self.is_discrete:
            value = value.astype(self.dtype)
        event_shape = self.event_shape
        nd = len(event_shape)
        if nd:
            if value.ndim < nd or tuple(value.shape[value.ndim - nd :]) != tuple(event_shape):
                raise ShapeError(
                    f"{type(self).__name__}: value of shape {tuple(value.shape)} does not end in "
                    f"the event shape {tuple(event_shape)}"
                )
        batch = tuple(value.shape[: value.ndim - nd])
        broadcast_shapes(
            batch, self.batch_shape, what=f"{type(self).__name__}: value batch and batch_shape"
        )
        return value

    def log_prob(self, value: Any) -> Array:
        """Log density (or log mass) of ``value``; ``-inf`` outside the support.

        Returns an array of shape ``sample_shape + batch_shape``.
        """
        return self._log_prob(self._as_value(value))

    def unnormalized_log_prob(self, value: Any) -> Array:
        """Log density up to an additive constant; here the normalised ``log_prob``.

        TFP defines it for distributions whose normalising constant is costly; every
        probflow distribution has its normalised density, which is a valid answer.

        Examples:
            >>> import probflow.distributions as pfd
            >>> d = pfd.Normal(0.0, 1.0)
            >>> bool(d.unnormalized_log_prob(0.3) == d.log_prob(0.3))
            True
        """
        return self.log_prob(value)

    def prob(self, value: Any) -> Array:
        """Density (or mass) of ``value``: ``exp(log_prob(value))``."""
        return jnp.exp(self.log_prob(value))

    def _log_prob(self, value: Any) -> Any:
        raise UnsupportedError(f"{type(self).__name__} has no log_prob")

    # -- cumulative functions (univariate) --------------------------------------------------------
    def cdf(self, value: Any) -> Array:
        """Cumulative distribution function ``P(X <= value)``."""
        value = self._as_value(value)
        if _overrides(self, "_cdf"):
            return self._cdf(value)
        if _overrides(self, "_log_cdf"):
            return jnp.exp(self._log_cdf(value))
        if _overrides(self, "_survival_function"):
            return 1.0 - self._survival_function(value)
        if _overrides(self, "_log_survival_function"):
            return -jnp.expm1(self._log_survival_function(value))
        raise UnsupportedError(f"{type(self).__name__} has no closed-form cdf")

    def log_cdf(self, value: Any) -> Array:
        """Log of the cdf, accurate in the far left tail where the family allows."""
        value = self._as_value(value)
        if _overrides(self, "_log_cdf"):
            return self._log_cdf(value)
        if _overrides(self, "_cdf"):
            return jnp.log(self._cdf(value))
        if _overrides(self, "_log_survival_function"):
            from probflow.core.numerics import log1mexp

            return log1mexp(self._log_survival_function(value))
        if _overrides(self, "_survival_function"):
            return jnp.log1p(-self._survival_function(value))
        raise UnsupportedError(f"{type(self).__name__} has no closed-form log_cdf")

    def survival_function(self, value: Any) -> Array:
        """``P(X > value) = 1 - cdf(value)``."""
        value = self._as_value(value)
        if _overrides(self, "_survival_function"):
            return self._survival_function(value)
        if _overrides(self, "_log_survival_function"):
            return jnp.exp(self._log_survival_function(value))
        return 1.0 - self.cdf(value)

    def log_survival_function(self, value: Any) -> Array:
        """``log P(X > value)``, accurate in the far right tail where the family allows."""
        value = self._as_value(value)
        if _overrides(self, "_log_survival_function"):
            return self._log_survival_function(value)
        if _overrides(self, "_survival_function"):
            return jnp.log(self._survival_function(value))
        if _overrides(self, "_log_cdf"):
            from probflow.core.numerics import log1mexp

            return log1mexp(self._log_cdf(value))
        return jnp.log1p(-self.cdf(value))

    def quantile(self, value: ArrayLike) -> Array:
        """Inverse cdf: the ``x`` with ``cdf(x) = value``."""
        if not _overrides(self, "_quantile"):
            raise UnsupportedError(f"{type(self).__name__} has no closed-form quantile")
        return self._quantile(jnp.asarray(value))

    def _cdf(self, value: Any) -> Any:  # pragma: no cover - dispatch marker
        raise UnsupportedError

    def _log_cdf(self, value: Any) -> Any:  # pragma: no cover - dispatch marker
        raise UnsupportedError

    def _survival_function(self, value: Any) -> Any:  # pragma: no cover - dispatch marker
        raise UnsupportedError

    def _log_survival_function(self, value: Any) -> Any:  # pragma: no cover - dispatch marker
        raise UnsupportedError

    def _quantile(self, value: Any) -> Any:  # pragma: no cover - dispatch marker
        raise UnsupportedError

    # -- moments and summaries -----------------------------------------------------------------
    def mean(self) -> Array:
        """Mean, of shape ``batch_shape + event_shape``."""
        return self._dispatch("_mean", "mean")

    def variance(self) -> Array:
        """Variance (elementwise for vector events)."""
        if _overrides(self, "_variance"):
            return self._variance()
        if _overrides(self, "_stddev"):
            return jnp.square(self._stddev())
        if _overrides(self, "_covariance"):
            return jnp.diagonal(self._covariance(), axis1=-2, axis2=-1)
        raise UnsupportedError(f"{type(self).__name__} has no closed-form variance")

    def stddev(self) -> Array:
        """Standard deviation: ``sqrt(variance())``."""
        if _overrides(self, "_stddev"):
            return self._stddev()
        return jnp.sqrt(self.variance())

    def covariance(self) -> Array:
        """Covariance matrix of vector events, shape ``batch_shape + event_shape*2``."""
        if _overrides(self, "_covariance"):
            return self._covariance()
        if len(self.event_shape) == 1:
            var = self.variance()
            return var[..., :, None] * jnp.eye(var.shape[-1], dtype=var.dtype)
        return self.variance()

    def mode(self) -> Array:
        """Mode (the most likely value)."""
        return self._dispatch("_mode", "mode")

    def entropy(self) -> Array:
        """Shannon entropy (differential for continuous distributions), in nats."""
        return self._dispatch("_entropy", "entropy")

    def kl_divergence(self, other: Distribution) -> Array:
        """``KL(self || other)`` through the registry of closed forms."""
        from probflow.distributions.kl import kl_divergence

        return kl_divergence(self, other)

    def cross_entropy(self, other: Distribution) -> Array:
        """``H(self, other) = -E_self[log other(X)] = entropy() + KL(self || other)``.

        Uses the closed-form entropy and the KL registry, so it needs both.

        Examples:
            >>> import probflow.distributions as pfd
            >>> p, q = pfd.Normal(0.0, 1.0), pfd.Normal(1.0, 2.0)
            >>> round(float(p.cross_entropy(q)), 4)
            1.8621
        """
        return self.entropy() + self.kl_divergence(other)

    def _dispatch(self, method: str, label: str) -> Any:
        if not _overrides(self, method):
            raise UnsupportedError(f"{type(self).__name__} has no closed-form {label}")
        return getattr(self, method)()

    def _mean(self) -> Any:  # pragma: no cover - dispatch marker
        raise UnsupportedError

    def _variance(self) -> Any:  # pragma: no cover - dispatch marker
        raise UnsupportedError

    def _stddev(self) -> Any:  # pragma: no cover - dispatch marker
        raise UnsupportedError

    def _covariance(self) -> Any:  # pragma: no cover - dispatch marker
        raise UnsupportedError

    def _mode(self) -> Any:  # pragma: no cover - dispatch marker
        raise UnsupportedError

    def _entropy(self) -> Any:  # pragma: no cover - dispatch marker
        raise UnsupportedError

    def __repr__(self) -> str:
        label = f"{type(self).__name__}"
        if self.name:
            label += f" '{self.name}'"
        return (
            f"<{label} batch_shape={self.batch_shape} event_shape={self.event_shape} "
            f"dtype={jnp.dtype(self.dtype).name}>"
        )


def _is_number(x: Any) -> bool:
    return isinstance(x, int | float | bool)


def _recording(init: Any) -> Any:
    """Wrap a constructor so the object keeps its bound arguments (for ``copy``).

    The outermost constructor of a ``super().__init__`` chain writes last, so the arguments
    kept are those of the class built. They live outside the PyTree fields, so objects that
    JAX rebuilds from leaves do not carry them.
    """
    signature = inspect.signature(init)

    @functools.wraps(init)
    def recording_init(self: Any, *args: Any, **kwargs: Any) -> None:
        init(self, *args, **kwargs)
        try:
            bound = signature.bind(self, *args, **kwargs)
        except TypeError:  # pragma: no cover - the constructor accepted these arguments
            return
        arguments = dict(bound.arguments)
        arguments.pop(next(iter(signature.parameters)), None)  # self
        for name, param in signature.parameters.items():
            if param.kind is param.VAR_KEYWORD and name in arguments:
                arguments.update(arguments.pop(name))
        object.__setattr__(self, "_init_arguments", arguments)

    # a marker on the function object, which functools.wraps's type does not declare
    recording_init._records_arguments = True  # pyright: ignore[reportAttributeAccessIssue]
    return recording_init


def _shape_array(shape: tuple[int, ...]) -> Array:
    return jnp.asarray(tuple(shape), dtype=jnp.int32)


def _is_key(x: Any) -> bool:
    dtype = getattr(x, "dtype", None)
    if dtype is None:
        return False
    if jnp.issubdtype(dtype, jax.dtypes.prng_key):
        return True
    return dtype == jnp.uint32 and tuple(getattr(x, "shape", ()))[-1:] == (2,)


def resolve_sample_call(owner: Any, key: Any, sample_shape: Any,
                        seed: Any) -> tuple[PRNGKey, tuple[int, ...]]:
    """``(key, sample_shape)`` from probflow's or TFP's call form of a sampling method.

    probflow's form is ``(key, sample_shape)``; TFP's is ``(sample_shape, seed=key)``, so with
    ``seed`` given the first positional argument is the sample shape. The key is checked by
    [`as_key`][probflow.core.keys.as_key] and the shape normalised to a tuple of ints.

    Args:
        owner: the object sampled (named in errors).
        key: the first positional argument (a key, or with ``seed`` a sample shape).
        sample_shape: the second positional argument.
        seed: the ``seed=`` keyword argument, or ``None``.

    Examples:
        >>> import jax
        >>> import probflow.distributions as pfd
        >>> d = pfd.Normal(0.0, 1.0)
        >>> k, shape = resolve_sample_call(d, (2, 3), (), jax.random.key(0))
        >>> shape
        (2, 3)
        >>> k, shape = resolve_sample_call(d, jax.random.key(0), 4, None)
        >>> shape
        (4,)
    """
    label = type(owner).__name__
    if seed is not None:
        if key is not None:
            if _is_key(key):
                raise TypeError(
                    f"{label}.sample: got a key both positionally and as seed=; pass it once, "
                    f"as d.sample(key, sample_shape) or d.sample(sample_shape, seed=key)"
                )
            if as_shape(sample_shape):
                raise TypeError(
                    f"{label}.sample: with seed= the first argument is the sample shape, but a "
                    f"second shape {sample_shape!r} was given too (first: {key!r})"
                )
            sample_shape = key
        key = seed
    elif key is None:
        raise TypeError(
            f"{label}.sample needs a PRNG key: d.sample(key, sample_shape) or TFP's "
            f"d.sample(sample_shape, seed=key), with key = jax.random.key(0)"
        )
    elif not _is_key(key) and (isinstance(key, int | tuple | list) or hasattr(key, "__index__")):
        raise TypeError(
            f"{label}.sample: the first argument {key!r} looks like a sample shape but no "
            f"key was given; pass d.sample(key, sample_shape) or d.sample(sample_shape, seed=key)"
        )
    return as_key(key), as_shape(sample_shape)
