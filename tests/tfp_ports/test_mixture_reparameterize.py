"""``MixtureSameFamily(reparameterize=True)``: implicit gradients of mixture samples.

The pathwise gradient of a Monte Carlo average ``mean(f(x_i))`` is an unbiased estimate of
``d E[f(X)] / d theta``, which is known in closed form for ``f(x) = x**2`` (scalar
components) and ``f(x) = x_0 x_1 + x_1**2`` (Independent components). Each check allows
5 Monte Carlo standard errors, estimated from per-draw gradients (``jax.vmap(jax.grad)``
over the same draws); a wrong distributional transform, a wrong Jacobian or missing weight
gradients are off by far more (the weights' gradient is exactly zero without them).
"""

import jax
import jax.numpy as jnp
import numpy as np
import pytest

import probflow.distributions as pfd

NUM_DRAWS = 20_000


def _check(per_draw_fn, exact_fn, params):
    keys = jax.random.split(jax.random.key(11), NUM_DRAWS)
    grads = jax.vmap(jax.grad(per_draw_fn), in_axes=(None, 0))(params, keys)
    exact = jax.grad(exact_fn)(params)
    for g, want in zip(jax.tree_util.tree_leaves(grads), jax.tree_util.tree_leaves(exact),
                       strict=True):
        mean = np.mean(np.asarray(g), axis=0)
        se = np.std(np.asarray(g), axis=0) / np.sqrt(NUM_DRAWS)
        assert np.all(np.abs(mean - np.asarray(want)) <= 5 * se + 1e-12), (mean, want, se)


@pytest.mark.slow
def test_scalar_components_gradients_match_closed_form():
    params = (jnp.asarray([0.2, -0.3, 0.5]), jnp.asarray([-1.0, 2.0, 0.5]),
              jnp.asarray([0.5, 1.5, 0.8]))

    def draw_sq(p, key):
        logits, locs, scales = p
        m = pfd.MixtureSameFamily(pfd.Categorical(logits=logits), pfd.Normal(locs, scales),
                                  reparameterize=True)
        return jnp.square(m.sample(key))

    def exact(p):
        logits, locs, scales = p
        return jnp.sum(jax.nn.softmax(logits) * (jnp.square(locs) + jnp.square(scales)))

    _check(draw_sq, exact, params)


@pytest.mark.slow
def test_independent_components_gradients_match_closed_form():
    params = (jnp.asarray([0.2, -0.3]), jnp.asarray([[-1.0, 0.5], [2.0, 1.0]]),
              jnp.asarray([[0.5, 1.0], [1.5, 0.7]]))

    def draw_f(p, key):
        logits, locs, scales = p
        m = pfd.MixtureSameFamily(pfd.Categorical(logits=logits),
                                  pfd.Independent(pfd.Normal(locs, scales), 1),
                                  reparameterize=True)
        x = m.sample(key)
        return x[0] * x[1] + jnp.square(x[1])

    def exact(p):
        logits, locs, scales = p
        w = jax.nn.softmax(logits)
        return jnp.sum(w * (locs[:, 0] * locs[:, 1] + jnp.square(locs[:, 1])
                            + jnp.square(scales[:, 1])))

    _check(draw_f, exact, params)


def test_values_unchanged_and_flags():
    mix = pfd.Categorical(logits=jnp.asarray([0.1, 0.4]))
    comps = pfd.Normal(jnp.asarray([-1.0, 1.0]), 1.0)
    key = jax.random.key(0)
    plain = pfd.MixtureSameFamily(mix, comps)
    reparam = pfd.MixtureSameFamily(mix, comps, reparameterize=True)
    np.testing.assert_array_equal(reparam.sample(key, 5), plain.sample(key, 5))
    assert reparam.reparameterized and not plain.reparameterized
    assert reparam.reparameterization_type != plain.reparameterization_type
    with pytest.raises(ValueError, match="needs reparameterized components.*Poisson"):
        pfd.MixtureSameFamily(mix, pfd.Poisson(jnp.asarray([1.0, 2.0])), reparameterize=True)
    with pytest.raises(ValueError, match="scalar events or Independent"):
        pfd.MixtureSameFamily(mix, pfd.MultivariateNormalDiag(jnp.zeros((2, 3)), jnp.ones(3)),
                              reparameterize=True)
    with pytest.raises(TypeError, match="reparameterize must be True or False"):
        pfd.MixtureSameFamily(mix, comps, reparameterize="yes")
