"""Root pytest configuration.

The test suite runs in float64 (so results compare with scipy at rtol 1e-6);
docstring examples run in JAX's default float32, as a user would see them.
Tests that check float32 behaviour build float32 arrays explicitly.
"""

import jax
import pytest
from _pytest.doctest import DoctestItem

jax.config.update("jax_enable_x64", True)


@pytest.fixture(autouse=True)
def _precision_for_item(request):
    is_doctest = isinstance(request.node, DoctestItem)
    jax.config.update("jax_enable_x64", not is_doctest)
    yield
    jax.config.update("jax_enable_x64", True)
