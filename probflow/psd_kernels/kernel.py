"""The kernel base class and the sums and products that ``+`` and ``*`` build.

A kernel is an immutable PyTree (array parameters are leaves; ``feature_ndims`` and
``validate_args`` are static). A subclass implements ``_apply(x1, x2, example_ndims)`` on
inputs that already broadcast, reading its parameters through `_param`, which appends
``example_ndims`` singleton axes so that a parameter of shape ``[3]`` meets inputs of shape
``[n, m, f]`` as ``[3, 1, 1]`` and gives ``[3, n, m]``: TFP's shape semantics, where the
result of ``apply`` has shape ``broadcast(batch_shape, B1, B2) + broadcast(E1, E2)``.
"""

from __future__ import annotations

from typing import Any

import jax
import jax.numpy as jnp
import numpy as np

from probflow.core import checks as _checks
from probflow.core.errors import ShapeError
from probflow.core.numerics import promote_floats
from probflow.core.pytree import Struct, static_field
from probflow.core.shapes import broadcast_shapes
from probflow.typing import Array, ArrayLike

__all__ = ["PositiveSemidefiniteKernel", "SumKernel", "ProductKernel"]


class PositiveSemidefiniteKernel(Struct):
    """Base class of every positive semidefinite kernel (TFP's ``PositiveSemidefiniteKernel``).

    A kernel ``k(x1, x2)`` acts on inputs whose rightmost ``feature_ndims`` dimensions are the
    features (``feature_ndims=1``: each point is a vector). Its parameters broadcast to define
    ``batch_shape``: a kernel with ``amplitude`` of shape ``[3]`` is a batch of three kernels,
    and its ``matrix`` of ``n`` and ``m`` points has shape ``[3, n, m]``.

    Kernels add and multiply: ``k1 + k2`` is a [`SumKernel`][probflow.psd_kernels.kernel.SumKernel],
    ``k1 * k2`` a
    [`ProductKernel`][probflow.psd_kernels.kernel.ProductKernel]; both are positive semidefinite
    again.

    Attributes:
        feature_ndims: number of rightmost input dimensions forming one point (static).
        validate_args: when true, parameter checks also run under ``jit``.

    Examples:
        >>> import jax.numpy as jnp
        >>> import probflow.psd_kernels as pfk
        >>> k = pfk.ExponentiatedQuadratic(amplitude=jnp.asarray([1.0, 2.0]), length_scale=0.5)
        >>> k.batch_shape
        (2,)
        >>> k.matrix(jnp.zeros((4, 3)), jnp.ones((5, 3))).shape
        (2, 4, 5)
        >>> type(k + k).__name__, type(k * k).__name__
        ('SumKernel', 'ProductKernel')
    """

    feature_ndims: int = static_field(default=1, kw_only=True)
    validate_args: bool = static_field(default=False, kw_only=True)

    # -- what a subclass provides -------------------------------------------------------------
    def _apply(self, x1, x2, example_ndims: int):  # pragma: no cover - abstract
        raise NotImplementedError

    def _parameter_ndims(self) -> dict[str, int]:
        """Trailing non-batch dimensions of each array parameter (default 0)."""
        return {}

    # -- construction helpers -------------------------------------------------------------------
    def _init_base(self, feature_ndims, validate_args, **params) -> dict:
        """Check ``feature_ndims``, convert parameters (``None`` stays ``None``), store all."""
        feature_ndims = _checks.check_count(type(self).__name__, "feature_ndims", feature_ndims,
                                            minimum=0)
        given = {k: v for k, v in params.items() if v is not None}
        converted = dict(zip(given, promote_floats(*given.values()), strict=True)) if given else {}
        values = {k: converted.get(k) for k in params}
        self._set(feature_ndims=feature_ndims, validate_args=validate_args, **values)
        return values

    def _validate(self, *checks: _checks.Check) -> None:
        _checks.validate(type(self).__name__, checks, self.validate_args)

    def _param(self, name: str, example_ndims: int, extra_ndims: int = 0,
               default: ArrayLike | None = None) -> Any:
        """Parameter ``name`` with ``example_ndims + extra_ndims`` singleton axes inserted.

        The axes go before the parameter's own trailing (non-batch) dimensions, so the
        parameter broadcasts against inputs of shape ``batch + examples + features``.
        ``None`` gives ``default``.
        """
        value = getattr(self, name)
        if value is None:
            return default
        nd = self._parameter_ndims().get(name, 0)
        shape = jnp.shape(value)
        cut = len(shape) - nd
        return jnp.reshape(value, shape[:cut] + (1,) * (example_ndims + extra_ndims)
                           + shape[cut:])

    # -- shapes -----------------------------------------------------------------------------------
    @property
    def parameters(self) -> dict:
        """The parameters (PyTree children) as a dict."""
        return {name: getattr(self, name) for name in self._child_fields}

    @property
    def batch_shape(self) -> tuple[int, ...]:
        """Shape of the batch of kernels, from the parameters broadcast as in TFP."""
        shapes = []
        ndims = self._parameter_ndims()
        for name, value in self.parameters.items():
            if value is None:
                continue
            if isinstance(value, PositiveSemidefiniteKernel):
                shapes.append(value.batch_shape)
            elif isinstance(value, tuple):
                shapes.extend(k.batch_shape for k in value)
            else:
                shape = tuple(np.shape(value))
                shapes.append(shape[: len(shape) - ndims.get(name, 0)])
        return broadcast_shapes(*shapes, what=f"{type(self).__name__} parameters")

    @property
    def dtype(self) -> np.dtype | None:
        """Floating dtype of the parameters; ``None`` when every parameter is ``None``."""
        leaves = [x for x in jax.tree_util.tree_leaves(self) if hasattr(x, "dtype")]
        return jnp.result_type(*leaves) if leaves else None

    # -- public methods ---------------------------------------------------------------------------
    def apply(self, x1: ArrayLike, x2: ArrayLike, example_ndims: int = 0) -> Array:
        """Evaluate the kernel pointwise on pairs ``(x1[i], x2[i])``.

        Args:
            x1: inputs of shape ``B1 + E1 + F`` with ``F`` the ``feature_ndims`` feature dims.
            x2: inputs of shape ``B2 + E2 + F``.
            example_ndims: number of example dimensions ``E`` (left of the features) that are
                not batch dimensions; the kernel's batch shape broadcasts against the
                dimensions left of them.

        Returns:
            An array of shape ``broadcast(batch_shape, B1, B2) + broadcast(E1, E2)``.

        Examples:
            >>> import jax.numpy as jnp
            >>> import probflow.psd_kernels as pfk
            >>> k = pfk.ExponentiatedQuadratic(amplitude=2.0, length_scale=1.0)
            >>> values = k.apply(jnp.asarray([[0.0], [1.0]]), jnp.asarray([[0.0], [0.0]]))
            >>> [round(v, 4) for v in values.tolist()]
            [4.0, 2.4261]
        """
        owner = f"{type(self).__name__}.apply"
        example_ndims = _checks.check_count(owner, "example_ndims", example_ndims, minimum=0)
        x1, x2 = self._inputs(owner, x1, x2, example_ndims)
        return self._apply(x1, x2, example_ndims)

    def matrix(self, x1: ArrayLike, x2: ArrayLike) -> Array:
        """The kernel matrix ``K[..., i, j] = k(x1[..., i, :], x2[..., j, :])``.

        Args:
            x1: ``B1 + [n] + F``.
            x2: ``B2 + [m] + F``.

        Returns:
            An array of shape ``broadcast(batch_shape, B1, B2) + [n, m]``.

        Examples:
            >>> import jax.numpy as jnp
            >>> import probflow.psd_kernels as pfk
            >>> k = pfk.MaternOneHalf(amplitude=1.0, length_scale=1.0)
            >>> k.matrix(jnp.asarray([[0.0], [1.0]]), jnp.asarray([[0.0], [1.0], [2.0]]))
            Array([[1.        , 0.36787945, 0.13533528],
                   [0.36787945, 1.        , 0.36787945]], dtype=float32)
        """
        return self.tensor(x1, x2, 1, 1)

    def tensor(self, x1: ArrayLike, x2: ArrayLike, x1_example_ndims: int,
               x2_example_ndims: int) -> Array:
        """The kernel on every pair of examples: shape ``batch + E1 + E2``.

        Args:
            x1: ``B1 + E1 + F`` with ``x1_example_ndims`` example dimensions ``E1``.
            x2: ``B2 + E2 + F`` with ``x2_example_ndims`` example dimensions ``E2``.

        Returns:
            An array of shape ``broadcast(batch_shape, B1, B2) + E1 + E2``;
            ``matrix`` is ``tensor(x1, x2, 1, 1)``.

        Examples:
            >>> import jax.numpy as jnp
            >>> import probflow.psd_kernels as pfk
            >>> k = pfk.Linear(slope_amplitude=1.0)
            >>> k.tensor(jnp.ones((2, 3, 1)), jnp.ones((4, 1)), 2, 1).shape
            (2, 3, 4)
        """
        owner = f"{type(self).__name__}.tensor"
        e1 = _checks.check_count(owner, "x1_example_ndims", x1_example_ndims, minimum=0)
        e2 = _checks.check_count(owner, "x2_example_ndims", x2_example_ndims, minimum=0)
        x1, x2 = promote_floats(x1, x2)
        fnd = self.feature_ndims
        _check_rank(owner, "x1", x1, fnd + e1, fnd, e1)
        _check_rank(owner, "x2", x2, fnd + e2, fnd, e2)
        # x1: B1 + E1 + [1]*e2 + F ;  x2: B2 + [1]*e1 + E2 + F
        cut1 = x1.ndim - fnd
        x1 = jnp.reshape(x1, x1.shape[:cut1] + (1,) * e2 + x1.shape[cut1:])
        cut2 = x2.ndim - fnd - e2
        x2 = jnp.reshape(x2, x2.shape[:cut2] + (1,) * e1 + x2.shape[cut2:])
        return self.apply(x1, x2, example_ndims=e1 + e2)

    def _inputs(self, owner, x1, x2, example_ndims):
        x1, x2 = promote_floats(x1, x2)
        fnd = self.feature_ndims
        _check_rank(owner, "x1", x1, fnd + example_ndims, fnd, example_ndims)
        _check_rank(owner, "x2", x2, fnd + example_ndims, fnd, example_ndims)
        f1, f2 = x1.shape[x1.ndim - fnd:], x2.shape[x2.ndim - fnd:]
        broadcast_shapes(f1, f2, what=f"{owner}: the feature shapes of x1 and x2")
        lead1, lead2 = x1.shape[: x1.ndim - fnd], x2.shape[: x2.ndim - fnd]
        lead = broadcast_shapes(lead1, lead2, what=f"{owner}: x1 and x2 (left of the features)")
        batch = self.batch_shape
        try:
            np.broadcast_shapes(batch + (1,) * example_ndims, lead)
        except ValueError as err:
            raise ShapeError(
                f"{owner}: the inputs' batch and example shape {lead} does not broadcast with "
                f"the kernel's batch_shape {batch} followed by example_ndims={example_ndims} "
                f"example dimension(s); use matrix() for all pairs, or pass example_ndims"
            ) from err
        return x1, x2

    # -- algebra ----------------------------------------------------------------------------------
    def __add__(self, other):
        if not isinstance(other, PositiveSemidefiniteKernel):
            return NotImplemented
        return SumKernel([self, other])

    def __mul__(self, other):
        if not isinstance(other, PositiveSemidefiniteKernel):
            return NotImplemented
        return ProductKernel([self, other])


def _check_rank(owner, name, x, minimum, feature_ndims, example_ndims):
    if x.ndim < minimum:
        raise ShapeError(
            f"{owner}: {name} must have at least {minimum} dimension(s) (feature_ndims="
            f"{feature_ndims} plus {example_ndims} example dimension(s)), got shape {x.shape}"
        )


def _check_kernels(cls, kernels) -> tuple:
    owner = cls.__name__
    if isinstance(kernels, PositiveSemidefiniteKernel) or not isinstance(kernels, list | tuple):
        raise TypeError(f"{owner}: kernels must be a list of kernels, got {kernels!r}")
    kernels = tuple(kernels)
    if not kernels:
        raise ValueError(f"{owner}: kernels must be a non-empty list, got []")
    for i, k in enumerate(kernels):
        if not isinstance(k, PositiveSemidefiniteKernel):
            raise TypeError(f"{owner}: kernels[{i}] must be a PositiveSemidefiniteKernel, got "
                            f"{type(k).__name__}")
    ndims = {k.feature_ndims for k in kernels}
    if len(ndims) > 1:
        raise ValueError(f"{owner}: kernels must share feature_ndims, got "
                         f"{[k.feature_ndims for k in kernels]}")
    # Flatten nested sums (products) of the same kind, as TFP does.
    flat = []
    for k in kernels:
        flat.extend(k.kernels if isinstance(k, cls) else (k,))
    return tuple(flat)


class SumKernel(PositiveSemidefiniteKernel):
    """The sum ``k(x, y) = sum_i k_i(x, y)`` of kernels sharing ``feature_ndims``.

    ``k1 + k2`` builds one; nested sums are flattened. The batch shape is the broadcast of
    the parts' batch shapes.

    Args:
        kernels: a non-empty list of kernels.

    Examples:
        >>> import jax.numpy as jnp
        >>> import probflow.psd_kernels as pfk
        >>> k = pfk.Constant(1.0) + pfk.Linear(slope_amplitude=1.0)
        >>> k.apply(jnp.asarray([2.0]), jnp.asarray([3.0]))
        Array(7., dtype=float32)
    """

    kernels: tuple

    def __init__(self, kernels: list[PositiveSemidefiniteKernel]
                 | tuple[PositiveSemidefiniteKernel, ...], *, validate_args: bool = False):
        kernels = _check_kernels(SumKernel, kernels)
        self._set(kernels=kernels, feature_ndims=kernels[0].feature_ndims,
                  validate_args=validate_args)
        _ = self.batch_shape  # the parts' batch shapes must broadcast

    def _apply(self, x1, x2, example_ndims):
        out = self.kernels[0]._apply(x1, x2, example_ndims)
        for k in self.kernels[1:]:
            out = out + k._apply(x1, x2, example_ndims)
        return out


class ProductKernel(PositiveSemidefiniteKernel):
    """The product ``k(x, y) = prod_i k_i(x, y)`` of kernels sharing ``feature_ndims``.

    ``k1 * k2`` builds one; nested products are flattened. Products of positive semidefinite
    kernels are positive semidefinite (Schur product theorem).

    Args:
        kernels: a non-empty list of kernels.

    Examples:
        >>> import jax.numpy as jnp
        >>> import probflow.psd_kernels as pfk
        >>> k = pfk.Constant(2.0) * pfk.Linear(slope_amplitude=1.0)
        >>> k.apply(jnp.asarray([2.0]), jnp.asarray([3.0]))
        Array(12., dtype=float32)
    """

    kernels: tuple

    def __init__(self, kernels: list[PositiveSemidefiniteKernel]
                 | tuple[PositiveSemidefiniteKernel, ...], *, validate_args: bool = False):
        kernels = _check_kernels(ProductKernel, kernels)
        self._set(kernels=kernels, feature_ndims=kernels[0].feature_ndims,
                  validate_args=validate_args)
        _ = self.batch_shape

    def _apply(self, x1, x2, example_ndims):
        out = self.kernels[0]._apply(x1, x2, example_ndims)
        for k in self.kernels[1:]:
            out = out * k._apply(x1, x2, example_ndims)
        return out
