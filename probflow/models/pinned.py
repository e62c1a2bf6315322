"""TFP's pinned joint distribution: the ``Posterior`` with TFP's method names.

``jd.experimental_pin(y=y_obs)`` is another spelling of ``jd.condition(y=y_obs)``. It returns
a [`JointDistributionPinned`][probflow.models.pinned.JointDistributionPinned], a subclass of
[`Posterior`][probflow.models.posterior.Posterior] (so ``pf.mcmc.sample`` and ``pf.vi.fit``
take it) that adds TFP's ``pins``, ``unnormalized_log_prob``, ``log_prob``,
``log_prob_parts`` and ``sample_unpinned``, with TFP's calling conventions (values by
name, as one dict or StructTuple, or by position in the order of the unpinned variables)
and leading sample dimensions.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import jax
import jax.numpy as jnp
import numpy as np

from probflow.core.errors import ShapeError
from probflow.core.keys import as_typed_key
from probflow.distributions.distribution import resolve_sample_call
from probflow.models.posterior import Posterior
from probflow.models.struct import StructTuple, values_by_name
from probflow.typing import Array, PRNGKey, ShapeLike

if TYPE_CHECKING:
    from probflow.models.joint import JointDistribution

__all__ = ["JointDistributionPinned", "pin"]


def pin(model: JointDistribution, *args: Any, **kwargs: Any) -> JointDistributionPinned:
    """Pin variables of joint distribution ``model`` (TFP's ``experimental_pin``).

    Args:
        model: a joint distribution (``@pf.model``, named, sequential or coroutine form).
        *args: one dict/StructTuple of pins, or values by position in the model's order of
            random variables (``None`` for those left free).
        **kwargs: pins by name.

    Examples:
        >>> import jax.numpy as jnp
        >>> import probflow as pf
        >>> from probflow import distributions as pfd
        >>> jd = pf.JointDistributionNamed({"mu": pfd.Normal(0.0, 1.0),
        ...                                 "y": lambda mu: pfd.Normal(mu, 1.0)})
        >>> pin(jd, y=jnp.asarray(1.0)).latent_names
        ('mu',)
    """
    names = tuple(v.name for v in model.variables() if v.is_random)
    owner = f"{type(model).__name__}.experimental_pin"
    return JointDistributionPinned.from_model(
        model, values_by_name(owner, names, args, kwargs, drop_none=True))


class JointDistributionPinned(Posterior):
    """A joint distribution with some variables pinned: the unnormalised posterior of the rest.

    Everything a [`Posterior`][probflow.models.posterior.Posterior] does, plus TFP's names.

    Examples:
        >>> import jax, jax.numpy as jnp
        >>> import probflow as pf
        >>> from probflow import distributions as pfd
        >>> @pf.model
        ... def m():
        ...     mu = yield pfd.Normal(0.0, 1.0, name="mu")
        ...     yield pfd.Normal(mu, 1.0, name="y")
        >>> pinned = pin(m(), y=jnp.asarray(1.0))
        >>> round(float(pinned.unnormalized_log_prob(mu=0.5)), 4)
        -2.0879
        >>> pinned.unnormalized_log_prob(jnp.zeros(5)).shape
        (5,)
        >>> pinned.sample_unpinned((3,), seed=jax.random.key(0)).mu.shape
        (3,)
    """

    @property
    def pins(self) -> dict[str, Array]:
        """The pinned values, ``{name: value}``.

        Examples:
            >>> import probflow as pf
            >>> from probflow import distributions as pfd
            >>> jd = pf.JointDistributionNamed({"mu": pfd.Normal(0.0, 1.0),
            ...                                 "y": lambda mu: pfd.Normal(mu, 1.0)})
            >>> list(jd.experimental_pin(y=1.0).pins)
            ['y']
        """
        return dict(self.data)

    @property
    def distribution(self) -> JointDistribution:
        """The joint distribution that was pinned.

        Examples:
            >>> import probflow as pf
            >>> from probflow import distributions as pfd
            >>> jd = pf.JointDistributionNamed({"mu": pfd.Normal(0.0, 1.0),
            ...                                 "y": lambda mu: pfd.Normal(mu, 1.0)})
            >>> jd.experimental_pin(y=1.0).distribution is jd
            True
        """
        return self.model

    def _latent_shapes(self) -> dict[str, tuple[int, ...]]:
        return {v.name: v.shape for v in self.model.variables() if v.name in self.latent_names}

    def _vectorise(self, method: str, fn: Callable[[dict[str, Array]], Any], args: tuple[Any, ...],
                   kwargs: dict[str, Any]) -> Any:
        values = values_by_name(f"JointDistributionPinned.{method}", self.latent_names, args,
                                kwargs)
        values = {k: jnp.asarray(v) for k, v in values.items()}
        shapes = self._latent_shapes()
        missing = [n for n in self.latent_names if n not in values]
        if missing:
            raise KeyError(f"JointDistributionPinned.{method}: no value for the unpinned "
                           f"variables {missing}")
        sample_shape = None
        for name, value in values.items():
            nd = value.ndim - len(shapes[name])
            lead = tuple(value.shape[:max(nd, 0)])
            if sample_shape is None:
                sample_shape = lead
            elif lead != sample_shape:
                raise ShapeError(
                    f"JointDistributionPinned.{method}: values have different leading sample "
                    f"shapes {sample_shape} and {lead} (at {name!r})"
                )
        if not sample_shape:
            return fn(values)
        n = int(np.prod(sample_shape))
        flat = {k: v.reshape((n,) + v.shape[len(sample_shape):]) for k, v in values.items()}
        out = jax.vmap(fn)(flat)
        return jax.tree_util.tree_map(lambda x: x.reshape(sample_shape + x.shape[1:]), out)

    def unnormalized_log_prob(self, *args: Any, **kwargs: Any) -> Array:
        """Joint log density of the pins and the given unpinned values (prior + likelihood).

        Values by name, as one dict/StructTuple, or by position in ``latent_names`` order;
        leading dimensions beyond each variable's shape are sample dimensions.

        Examples:
            >>> import jax.numpy as jnp
            >>> import probflow as pf
            >>> from probflow import distributions as pfd
            >>> jd = pf.JointDistributionNamed({"mu": pfd.Normal(0.0, 1.0),
            ...                                 "y": lambda mu: pfd.Normal(mu, 1.0)})
            >>> p = jd.experimental_pin(y=0.0)
            >>> round(float(p.unnormalized_log_prob(0.0)), 4)
            -1.8379
        """
        return self._vectorise("unnormalized_log_prob", self.log_density, args, kwargs)

    def log_prob(self, *args: Any, **kwargs: Any) -> Array:
        """Same as ``unnormalized_log_prob`` (as in TFP: the pinned measure is unnormalised).

        Examples:
            >>> import probflow as pf
            >>> from probflow import distributions as pfd
            >>> jd = pf.JointDistributionNamed({"mu": pfd.Normal(0.0, 1.0),
            ...                                 "y": lambda mu: pfd.Normal(mu, 1.0)})
            >>> p = jd.experimental_pin(y=0.0)
            >>> bool(p.log_prob(mu=0.3) == p.unnormalized_log_prob(mu=0.3))
            True
        """
        return self.unnormalized_log_prob(*args, **kwargs)

    def log_prob_parts(self, *args: Any, **kwargs: Any) -> StructTuple:
        """Each variable's log density (pinned ones included), as a StructTuple.

        Examples:
            >>> import probflow as pf
            >>> from probflow import distributions as pfd
            >>> jd = pf.JointDistributionNamed({"mu": pfd.Normal(0.0, 1.0),
            ...                                 "y": lambda mu: pfd.Normal(mu, 1.0)})
            >>> parts = jd.experimental_pin(y=0.0).log_prob_parts(mu=0.0)
            >>> list(parts.keys())
            ['mu', 'y']
        """

        def parts(latents: dict[str, Array]) -> StructTuple:
            records = self._run(self._lookup(latents, "log_prob_parts"))
            return StructTuple((r.name, r.log_density()) for r in records
                               if r.dist is not None or r.is_factor)

        return self._vectorise("log_prob_parts", parts, args, kwargs)

    def unnormalized_log_prob_parts(self, *args: Any, **kwargs: Any) -> StructTuple:
        """Same as ``log_prob_parts``.

        Examples:
            >>> import probflow as pf
            >>> from probflow import distributions as pfd
            >>> jd = pf.JointDistributionNamed({"mu": pfd.Normal(0.0, 1.0),
            ...                                 "y": lambda mu: pfd.Normal(mu, 1.0)})
            >>> len(jd.experimental_pin(y=0.0).unnormalized_log_prob_parts(0.0))
            2
        """
        return self.log_prob_parts(*args, **kwargs)

    def sample_unpinned(self, key: PRNGKey | ShapeLike | None = None, sample_shape: ShapeLike = (),
                        *, seed: PRNGKey | None = None) -> StructTuple:
        """Ancestral draws of the unpinned variables, the pins held fixed (TFP's method).

        Not draws from the posterior: the program runs forward with the pinned values.
        Takes ``(key, sample_shape)`` or TFP's ``(sample_shape, seed=key)``.

        Examples:
            >>> import jax
            >>> import probflow as pf
            >>> from probflow import distributions as pfd
            >>> jd = pf.JointDistributionNamed({"mu": pfd.Normal(0.0, 1.0),
            ...                                 "y": lambda mu: pfd.Normal(mu, 1.0)})
            >>> jd.experimental_pin(y=0.0).sample_unpinned(seed=jax.random.key(0)).mu.shape
            ()
        """
        key, shape = resolve_sample_call(self, key, sample_shape, seed)
        key = as_typed_key(key)

        def one(k: PRNGKey) -> StructTuple:
            records = self._run(lambda i, name, d: d.sample(jax.random.fold_in(k, i)))
            return StructTuple((r.name, r.value) for r in records if r.name in self.latent_names)

        if not shape:
            return one(key)
        n = int(np.prod(shape))
        draws = jax.vmap(one)(jax.random.split(key, n))
        return jax.tree_util.tree_map(lambda x: x.reshape(shape + x.shape[1:]), draws)
