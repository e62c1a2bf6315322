"""Every posteriordb translation builds, names the reference parameters, and starts finite.

(The sampler checks against the reference draws come with the MCMC driver.)
"""

from __future__ import annotations

import jax
import numpy as np
import pytest

from tests.posteriordb import models

NAMES = sorted(models.POSTERIORS)


@pytest.mark.compile_bound
@pytest.mark.parametrize("name", NAMES)
def test_posterior_builds_and_initialises(name):
    post = models.build(name)
    z = post.init(jax.random.key(0), 2)
    lp = np.asarray(jax.vmap(post.unconstrained_log_density)(z))
    assert lp.shape == (2,) and np.all(np.isfinite(lp))
    draws = jax.vmap(lambda zi: post.constrain(zi, include_deterministic=True))(z)
    draws = {k: np.asarray(v)[None] for k, v in draws.items()}  # (chains=1, draws=2, ...)
    reference = models.load_reference(name)
    assert reference, name
    for parameter in reference:
        assert models.reference_draws(draws, parameter).shape == (1, 2), parameter
