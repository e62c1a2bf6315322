"""Test configuration: float64 everywhere so results can be compared to scipy at rtol 1e-6.

Tests that check float32 behaviour build float32 arrays explicitly.
"""

import jax

jax.config.update("jax_enable_x64", True)
