"""TFP's ``JointDistributionCoroutine``: a generator of distributions, roots marked by ``Root``.

Written as in TFP::

    Root = JointDistributionCoroutine.Root

    def model():
        mu = yield Root(pfd.Normal(0.0, 1.0, name="mu"))
        scale = yield Root(pfd.HalfNormal(1.0, name="scale"))
        yield pfd.Sample(pfd.Normal(mu, scale), 10, name="y")

    jd = JointDistributionCoroutine(model)
    mu, scale, y = jd.sample(seed=key)       # a StructTuple: also draws.mu, draws["mu"]
    jd.log_prob(mu, scale, y)                 # or jd.log_prob(draws), or by name
    posterior = jd.experimental_pin(y=y_obs)  # = jd.condition(y=y_obs), for pf.mcmc.sample

It is the generator form of [`model`][probflow.models.joint.model] without arguments, and
shares its machinery: sampling with leading ``sample_shape`` vectorises the whole program
with ``jax.vmap``, so ``Root`` is accepted (and needed by nothing); unnamed variables are
called ``var0``, ``var1``, ... by position, as in TFP. Like
[`JointDistributionCoroutineAutoBatched`][probflow.models.coroutine.JointDistributionCoroutineAutoBatched],
each variable's log density is summed over all of its dimensions, so the joint
``log_prob`` has the sample shape only: a TFP model whose parts have scalar batch shape
(the usual case, with ``Independent`` or ``Sample`` around vector variables) gives the
same numbers.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable, Generator
from typing import TYPE_CHECKING, Any, ClassVar, NamedTuple

from probflow.core.pytree import static_field
from probflow.distributions.distribution import Distribution, resolve_sample_call
from probflow.models.deterministic import Deterministic
from probflow.models.joint import JointDistribution
from probflow.models.struct import StructTuple, values_by_name
from probflow.typing import Array, PRNGKey, ShapeLike

if TYPE_CHECKING:
    from probflow.models.pinned import JointDistributionPinned

__all__ = ["Root", "JointDistributionCoroutine", "JointDistributionCoroutineAutoBatched"]


class Root(NamedTuple):
    """Marks a variable of a coroutine model that depends on no other variable (TFP's ``Root``).

    Examples:
        >>> import jax
        >>> import probflow.distributions as pfd
        >>> from probflow.models.coroutine import JointDistributionCoroutine
        >>> Root = JointDistributionCoroutine.Root
        >>> def model():
        ...     yield Root(pfd.Normal(0.0, 1.0, name="mu"))
        >>> JointDistributionCoroutine(model).sample(seed=jax.random.key(0)).mu.shape
        ()
    """

    distribution: Distribution


class JointDistributionCoroutine(JointDistribution):
    """Joint distribution from a generator function of no arguments, as in TFP.

    The function yields distributions (optionally wrapped in ``Root``) and
    [`Deterministic`][probflow.models.deterministic.Deterministic] records; each ``yield``
    returns the variable's value. Draws are
    [`StructTuple`][probflow.models.struct.StructTuple]s in the program's order.

    Args:
        model: the generator function.
        batch_ndims: TFP's argument; only ``None`` or ``0`` (a joint over the whole program).
        use_vectorized_map: TFP's argument; accepted, and always in effect (``jax.vmap``).
        sample_dtype: TFP's argument; only ``None`` (dtypes follow the distributions).
        validate_args: accepted for TFP's signature; validation belongs to each
            distribution's own ``validate_args``.
        name: the model's name.

    Examples:
        >>> import jax, jax.numpy as jnp
        >>> import probflow.distributions as pfd
        >>> Root = JointDistributionCoroutine.Root
        >>> def model():
        ...     mu = yield Root(pfd.Normal(0.0, 1.0, name="mu"))
        ...     yield pfd.Sample(pfd.Normal(mu, 1.0), 3, name="y")
        >>> jd = JointDistributionCoroutine(model)
        >>> mu, y = jd.sample(seed=jax.random.key(0))
        >>> y.shape, jd.sample((4,), seed=jax.random.key(1)).y.shape
        ((3,), (4, 3))
        >>> round(float(jd.log_prob(0.0, jnp.zeros(3))), 4)
        -3.6758
        >>> jd.experimental_pin(y=jnp.ones(3)).latent_names
        ('mu',)
    """

    Root: ClassVar[type[Root]] = Root

    fn: Callable[[], Any] = static_field(default=None)

    def __init__(self, model: Callable[[], Any], sample_dtype: None = None,
                 batch_ndims: int | None = None, use_vectorized_map: bool = True,
                 validate_args: bool = False, name: str | None = None):
        owner = type(self).__name__
        if not inspect.isgeneratorfunction(model):
            raise TypeError(f"{owner}: model must be a generator function of no arguments "
                            f"(one that uses `yield`), got {model!r}")
        if sample_dtype is not None:
            raise ValueError(f"{owner}: sample_dtype must be None (dtypes follow each "
                             f"distribution's parameters), got {sample_dtype!r}")
        if batch_ndims not in (None, 0):
            raise ValueError(
                f"{owner}: batch_ndims must be None or 0, got {batch_ndims!r}; probflow's joint "
                f"distributions have no batch: vectorise over models with jax.vmap"
            )
        if not isinstance(use_vectorized_map, bool):
            raise TypeError(f"{owner}: use_vectorized_map must be True or False, got "
                            f"{use_vectorized_map!r}")
        self._set(fn=model, coords=(), dims=(), validate_args=bool(validate_args),
                  name=name or getattr(model, "__name__", None))

    def _program(self) -> Generator[Any, Any, None]:
        gen = self.fn()
        if not inspect.isgenerator(gen):
            raise TypeError(f"{type(self).__name__}: the model function must be a generator")
        send: Any = None
        index = 0
        while True:
            try:
                node = gen.send(send)
            except StopIteration:
                return
            if isinstance(node, Root):
                node = node.distribution
            if isinstance(node, Distribution) and not isinstance(node, Deterministic):
                if not node.name:
                    node = node.replace(name=f"var{index}")
                index += 1
            send = yield node

    # -- TFP's calling conventions -------------------------------------------------------------
    def _names(self) -> tuple[str, ...]:
        return tuple(v.name for v in self.variables() if v.is_random)

    def sample(  # pyright: ignore[reportIncompatibleMethodOverride] - StructTuple, as TFP's
            self, key: PRNGKey | ShapeLike | None = None, sample_shape: ShapeLike = (), *,
            seed: PRNGKey | None = None) -> StructTuple:
        """Draw a [`StructTuple`][probflow.models.struct.StructTuple] of all variables.

        Takes ``(key, sample_shape)`` or TFP's ``(sample_shape, seed=key)``; every value
        has ``sample_shape`` leading dimensions.

        Examples:
            >>> import jax
            >>> import probflow.distributions as pfd
            >>> def model():
            ...     yield pfd.Normal(0.0, 1.0)
            >>> jd = JointDistributionCoroutine(model)
            >>> jd.sample(jax.random.key(0), 2).var0.shape
            (2,)
        """
        key, shape = resolve_sample_call(self, key, sample_shape, seed)
        return StructTuple(JointDistribution.sample(self, key, shape))

    def sample_and_log_prob(  # pyright: ignore[reportIncompatibleMethodOverride] - StructTuple
            self, key: PRNGKey | ShapeLike | None = None, sample_shape: ShapeLike = (), *,
            seed: PRNGKey | None = None) -> tuple[StructTuple, Array]:
        """``(draws, log_prob(draws))`` with ``sample`` 's call forms.

        Examples:
            >>> import jax
            >>> import probflow.distributions as pfd
            >>> def model():
            ...     yield pfd.Normal(0.0, 1.0, name="x")
            >>> draws, lp = JointDistributionCoroutine(model).sample_and_log_prob(
            ...     (3,), seed=jax.random.key(0))
            >>> lp.shape
            (3,)
        """
        draws = self.sample(key, sample_shape, seed=seed)
        return draws, self.log_prob(draws)

    def experimental_sample_and_log_prob(self, key: PRNGKey | ShapeLike | None = None,
                                         sample_shape: ShapeLike = (), *,
                                         seed: PRNGKey | None = None,
                                         ) -> tuple[StructTuple, Array]:
        """TFP's name for ``sample_and_log_prob``.

        Examples:
            >>> import jax
            >>> import probflow.distributions as pfd
            >>> def model():
            ...     yield pfd.Normal(0.0, 1.0, name="x")
            >>> jd = JointDistributionCoroutine(model)
            >>> jd.experimental_sample_and_log_prob(seed=jax.random.key(0))[1].shape
            ()
        """
        return self.sample_and_log_prob(key, sample_shape, seed=seed)

    def _values(self, method: str, args: tuple[Any, ...], kwargs: dict[str, Any],
                ) -> dict[str, Any]:
        return values_by_name(f"{type(self).__name__}.{method}", self._names(), args, kwargs)

    def log_prob(self, *args: Any, **kwargs: Any) -> Array:
        """Joint log density; values as one StructTuple/dict, by position, or by name.

        Examples:
            >>> import jax.numpy as jnp
            >>> import probflow.distributions as pfd
            >>> def model():
            ...     mu = yield pfd.Normal(0.0, 1.0, name="mu")
            ...     yield pfd.Normal(mu, 1.0, name="y")
            >>> jd = JointDistributionCoroutine(model)
            >>> a = jd.log_prob(0.5, 1.0)
            >>> bool(a == jd.log_prob(mu=0.5, y=1.0) == jd.log_prob({"mu": 0.5, "y": 1.0}))
            True
        """
        return JointDistribution.log_prob(self, self._values("log_prob", args, kwargs))

    def unnormalized_log_prob(self, *args: Any, **kwargs: Any) -> Array:
        """The joint log density (normalised), with ``log_prob`` 's call forms.

        Examples:
            >>> import probflow.distributions as pfd
            >>> def model():
            ...     yield pfd.Normal(0.0, 1.0, name="x")
            >>> jd = JointDistributionCoroutine(model)
            >>> bool(jd.unnormalized_log_prob(0.2) == jd.log_prob(0.2))
            True
        """
        return self.log_prob(*args, **kwargs)

    def log_prob_parts(  # pyright: ignore[reportIncompatibleMethodOverride] - StructTuple
            self, *args: Any, **kwargs: Any) -> StructTuple:
        """Each variable's log density, as a StructTuple, with ``log_prob`` 's call forms.

        Examples:
            >>> import probflow.distributions as pfd
            >>> def model():
            ...     mu = yield pfd.Normal(0.0, 1.0, name="mu")
            ...     yield pfd.Normal(mu, 1.0, name="y")
            >>> parts = JointDistributionCoroutine(model).log_prob_parts(0.0, 0.0)
            >>> round(float(parts.y), 4)
            -0.9189
        """
        values = self._values("log_prob_parts", args, kwargs)
        return StructTuple(JointDistribution.log_prob_parts(self, values))

    def experimental_pin(self, *args: Any, **kwargs: Any) -> JointDistributionPinned:
        """Pin (observe) some variables: TFP's spelling of ``condition``.

        Values as in TFP: by name, one dict or StructTuple, or by position with ``None``
        for the unpinned variables. Returns a
        [`JointDistributionPinned`][probflow.models.pinned.JointDistributionPinned], the
        [`Posterior`][probflow.models.posterior.Posterior] that ``condition`` returns with
        TFP's methods added.

        Examples:
            >>> import jax.numpy as jnp
            >>> import probflow.distributions as pfd
            >>> def model():
            ...     mu = yield pfd.Normal(0.0, 1.0, name="mu")
            ...     yield pfd.Normal(mu, 1.0, name="y")
            >>> jd = JointDistributionCoroutine(model)
            >>> jd.experimental_pin(None, 1.0).pins
            {'y': Array(1., dtype=float32, weak_type=True)}
        """
        from probflow.models.pinned import pin

        return pin(self, *args, **kwargs)


class JointDistributionCoroutineAutoBatched(JointDistributionCoroutine):
    """TFP's auto-batched coroutine: the same class here (every joint is auto-batched).

    Examples:
        >>> import jax, jax.numpy as jnp
        >>> import probflow.distributions as pfd
        >>> def model():
        ...     yield pfd.Normal(jnp.zeros(3), 1.0, name="x")  # no Independent needed
        >>> jd = JointDistributionCoroutineAutoBatched(model)
        >>> jd.log_prob(jd.sample(seed=jax.random.key(0))).shape
        ()
    """
