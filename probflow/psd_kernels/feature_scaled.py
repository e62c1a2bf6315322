"""``FeatureScaled``: a kernel applied to inputs divided by a length per feature (ARD)."""

from __future__ import annotations

import jax

from probflow.core import checks
from probflow.core.errors import ShapeError
from probflow.core.numerics import promote_floats
from probflow.psd_kernels.kernel import PositiveSemidefiniteKernel
from probflow.typing import ArrayLike

__all__ = ["FeatureScaled"]


class FeatureScaled(PositiveSemidefiniteKernel):
    """``k(x / scale_diag, y / scale_diag)``: one length scale per feature dimension.

    Automatic relevance determination: with ``ExponentiatedQuadratic`` inside, a large
    ``scale_diag[j]`` makes the function vary slowly along feature ``j``.

    Args:
        kernel: the kernel applied to the scaled inputs.
        scale_diag: positive, shape ``batch + F`` where ``F`` is the feature shape (the
            ``kernel.feature_ndims`` rightmost dimensions of the inputs).

    Examples:
        >>> import jax.numpy as jnp
        >>> import probflow.psd_kernels as pfk
        >>> k = pfk.FeatureScaled(pfk.ExponentiatedQuadratic(), scale_diag=jnp.asarray([1.0, 10.0]))
        >>> x = jnp.asarray([[0.0, 0.0], [1.0, 0.0], [0.0, 1.0]])
        >>> [round(v, 4) for v in k.matrix(x[:1], x)[0].tolist()]  # feature 2 barely matters
        [1.0, 0.6065, 0.995]
    """

    kernel: PositiveSemidefiniteKernel
    scale_diag: jax.Array

    def __init__(self, kernel: PositiveSemidefiniteKernel, scale_diag: ArrayLike, *,
                 validate_args: bool = False):
        if not isinstance(kernel, PositiveSemidefiniteKernel):
            raise TypeError(f"FeatureScaled: kernel must be a PositiveSemidefiniteKernel, got "
                            f"{type(kernel).__name__}")
        if scale_diag is None:
            raise ValueError("FeatureScaled: scale_diag is required")
        (scale_diag,) = promote_floats(scale_diag)
        fnd = kernel.feature_ndims
        if scale_diag.ndim < fnd:
            raise ShapeError(
                f"FeatureScaled: scale_diag must have at least feature_ndims={fnd} "
                f"dimension(s) (batch + feature shape), got shape {scale_diag.shape}"
            )
        self._set(kernel=kernel, scale_diag=scale_diag, feature_ndims=fnd,
                  validate_args=validate_args)
        self._validate(checks.positive("scale_diag", scale_diag))
        _ = self.batch_shape

    def _parameter_ndims(self):
        return {"scale_diag": self.feature_ndims}

    def _apply(self, x1, x2, example_ndims):
        scale = self._param("scale_diag", example_ndims)
        return self.kernel._apply(x1 / scale, x2 / scale, example_ndims)
