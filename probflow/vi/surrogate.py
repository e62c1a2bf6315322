"""``Surrogate``: the fitted distribution over a posterior's constrained latent variables.

It pairs a distribution over the flat unconstrained vector (the guide's) with the
posterior's bijectors: ``sample`` draws unconstrained vectors, unflattens them and maps
them onto the supports; ``log_prob`` of constrained values subtracts the log-Jacobian.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import jax
import jax.numpy as jnp
import numpy as np

from probflow.core.keys import as_typed_key
from probflow.core.pytree import Struct
from probflow.core.shapes import as_shape
from probflow.typing import Array, PRNGKey, Shape, ShapeLike

if TYPE_CHECKING:
    from probflow.distributions.distribution import Distribution
    from probflow.models.posterior import Posterior

__all__ = ["Surrogate"]


class Surrogate(Struct):
    """A distribution over the dict of constrained latents of a posterior (immutable PyTree).

    Attributes:
        posterior: the [`Posterior`][probflow.models.posterior.Posterior].
        flat: a probflow distribution with event shape ``(d,)`` over the flat unconstrained
            vector (``posterior.flatten`` order).

    Examples:
        >>> import jax, jax.numpy as jnp
        >>> import probflow as pf
        >>> from probflow import distributions as pfd
        >>> @pf.model
        ... def m():
        ...     yield pfd.HalfNormal(1.0, name="s")
        >>> post = m().condition()
        >>> q = Surrogate(post, pfd.MultivariateNormalDiag(jnp.zeros(1), jnp.ones(1)))
        >>> draws = q.sample(jax.random.key(0), (4,))
        >>> draws["s"].shape, bool((draws["s"] > 0).all())
        ((4,), True)
        >>> q.log_prob(draws).shape
        (4,)
        >>> q.event_shape
        {'s': ()}
    """

    posterior: Posterior
    flat: Distribution

    @property
    def event_shape(self) -> dict[str, Shape]:
        """``{latent name: shape}`` of one draw (constrained shapes)."""
        template = jax.eval_shape(
            lambda k: self.posterior.sample_prior_latents(k, placeholder_for_improper=True),
            jax.random.key(0))
        return {name: tuple(template[name].shape) for name in self.posterior.latent_names}

    def _map(self, fn: Any, vectors: Array, sample_shape: Shape) -> dict[str, Array]:
        n = int(np.prod(sample_shape)) if sample_shape else 1
        flat = vectors.reshape((n, vectors.shape[-1]))
        out = jax.vmap(fn)(flat)
        return jax.tree_util.tree_map(lambda x: x.reshape(sample_shape + x.shape[1:]), out)

    def sample_unconstrained(self, key: PRNGKey, sample_shape: ShapeLike = ()) -> dict[str, Array]:
        """Draws on the unconstrained space, as dicts with leading ``sample_shape``."""
        sample_shape = as_shape(sample_shape)
        vectors = self.flat.sample(as_typed_key(key), sample_shape)
        return self._map(self.posterior.unflatten, vectors, sample_shape)

    def sample(self, key: PRNGKey, sample_shape: ShapeLike = (), *,
               include_deterministic: bool = False) -> dict[str, Array]:
        """Draws of the constrained latents (and the deterministics if asked)."""
        sample_shape = as_shape(sample_shape)
        vectors = self.flat.sample(as_typed_key(key), sample_shape)
        post = self.posterior
        return self._map(
            lambda v: post.constrain(post.unflatten(v), include_deterministic),
            vectors, sample_shape)

    def _log_jacobian(self, z: dict[str, Array]) -> Array | int:
        post = self.posterior
        with_jac = post.log_density_parts(z)
        without = post.model.log_prob_parts({**post.data, **post.constrain(z)})
        return sum(with_jac[n] - without[n] for n in post.latent_names)

    def unconstrained_log_prob(self, z: dict[str, Any]) -> Array:
        """Log density of unconstrained positions ``z`` (dicts, optional leading axes)."""
        vectors, lead = self._flatten_leading(z, constrained=False)
        out = jax.vmap(self.flat.log_prob)(vectors)
        return out.reshape(lead)

    def log_prob(self, latents: dict[str, Any]) -> Array:
        """Log density of constrained ``latents`` (dicts, optional leading sample axes)."""
        post = self.posterior
        vectors, lead = self._flatten_leading(latents, constrained=True)

        def one(v):
            z = post.unflatten(v)
            return self.flat.log_prob(v) - self._log_jacobian(z)

        return jax.vmap(one)(vectors).reshape(lead)

    def _flatten_leading(self, values: dict[str, Any],
                         constrained: bool) -> tuple[Array, Shape]:
        post = self.posterior
        missing = [n for n in post.latent_names if n not in values]
        if missing:
            raise KeyError(f"Surrogate.log_prob: no value for the latent variables {missing}")
        if constrained:
            template = jax.eval_shape(
                lambda k: post.sample_prior_latents(k, placeholder_for_improper=True),
                jax.random.key(0))
        else:
            template = post.unconstrained_template()
        name = post.latent_names[0]
        value = jnp.asarray(values[name])
        lead = tuple(value.shape[:value.ndim - len(template[name].shape)])
        n = int(np.prod(lead)) if lead else 1
        values = {k: jnp.asarray(values[k]).reshape((n,) + tuple(template[k].shape))
                  for k in post.latent_names}
        if constrained:
            values = jax.vmap(post.unconstrain)(values)
        return jax.vmap(post.flatten)(values), lead
