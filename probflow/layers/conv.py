"""Bayesian convolutions (1-D on ``NWC``, 2-D on ``NHWC`` inputs) through
``jax.lax.conv_general_dilated``."""

from __future__ import annotations

import math
import numbers
from collections.abc import Sequence
from typing import Any, ClassVar

import jax

from probflow.core.checks import check_count
from probflow.core.errors import ShapeError
from probflow.layers.base import ActivationLike
from probflow.layers.bayes import BayesianLayer, Estimator
from probflow.layers.priors import KLMethod, MeanField, PriorLike
from probflow.typing import Array

__all__ = [
    "ConvVariational",
    "Conv1DReparameterization",
    "Conv2DReparameterization",
    "Conv1DFlipout",
    "Conv2DFlipout",
]

_DIMENSION_NUMBERS = {1: ("NWC", "WIO", "NWC"), 2: ("NHWC", "HWIO", "NHWC")}


def _tuple(owner: str, name: str, value: Any, rank: int) -> tuple[int, ...]:
    def is_count(v: Any) -> bool:
        return isinstance(v, numbers.Integral) and not isinstance(v, bool) and int(v) >= 1

    expected = f"a positive integer or a tuple of {rank} positive integers"
    if isinstance(value, numbers.Integral) and not isinstance(value, bool):
        value = (value,) * rank
    if not isinstance(value, (tuple, list)):
        raise TypeError(f"{owner}: {name} must be {expected}, got {value!r} "
                        f"({type(value).__name__})")
    if len(value) != rank or not all(is_count(v) for v in value):
        raise ValueError(f"{owner}: {name} must be {expected}, got {tuple(value)!r}")
    return tuple(int(v) for v in value)


class ConvVariational(BayesianLayer):
    """Bayesian convolution with a mean-field surrogate over kernel and bias.

    Args:
        filters: output channels.
        kernel_size: int or tuple (one per spatial axis).
        strides: int or tuple.
        padding: ``"same"`` or ``"valid"``.
        activation: name, callable or ``None``.
        rank: 1 (inputs ``(batch, width, channels)``) or 2 (``(batch, height, width,
            channels)``).
        estimator: ``"reparameterization"`` or ``"flipout"``.
        use_bias, kernel_prior, bias_prior, surrogate, kl_method: as for
            [`DenseVariational`][probflow.layers.dense.DenseVariational].

    Examples:
        >>> import jax, jax.numpy as jnp
        >>> from probflow import layers
        >>> conv = layers.ConvVariational(4, 3, rank=2, estimator="flipout")
        >>> params = conv.init(jax.random.key(0), (8, 8, 1))
        >>> conv.apply(params, jnp.ones((2, 8, 8, 1)), jax.random.key(1))[0].shape
        (2, 8, 8, 4)
    """

    _config_keys = ("filters", "kernel_size", "strides", "padding", "activation", "rank",
                    "estimator", "use_bias", "kernel_prior", "bias_prior", "surrogate",
                    "kl_method")
    _rank = 2
    _default_estimator: ClassVar[Estimator] = "reparameterization"

    def __init__(self, filters: int, kernel_size: int | Sequence[int],
                 strides: int | Sequence[int] = 1, padding: str = "same",
                 activation: ActivationLike = None, *, rank: int | None = None,
                 estimator: Estimator | None = None,
                 use_bias: bool = True, kernel_prior: PriorLike | None = None,
                 bias_prior: PriorLike | None = None, surrogate: MeanField | None = None,
                 kl_method: KLMethod = "auto", name: str | None = None):
        super().__init__(name)
        owner = type(self).__name__
        rank = self._rank if rank is None else rank
        if rank not in (1, 2):
            raise ValueError(f"{owner}: rank must be 1 or 2, got {rank!r}")
        self.rank = rank
        self.filters = check_count(owner, "filters", filters)
        self.kernel_size = _tuple(owner, "kernel_size", kernel_size, rank)
        self.strides = _tuple(owner, "strides", strides, rank)
        if not isinstance(padding, str) or padding.lower() not in ("same", "valid"):
            raise ValueError(f"{owner}: padding must be 'same' or 'valid', got {padding!r}")
        self.padding = padding.lower()
        estimator = self._default_estimator if estimator is None else estimator
        if estimator == "local_reparameterization":
            raise ValueError(f"{owner}: estimator must be 'reparameterization' or 'flipout' for "
                             f"convolutions, got {estimator!r}")
        self._setup(activation, use_bias, kernel_prior, bias_prior, surrogate, kl_method,
                    estimator)

    def _kernel_shape(self, input_shape: Sequence[int]) -> tuple[int, ...]:
        return self.kernel_size + (int(input_shape[-1]), self.filters)

    def _bias_shape(self) -> tuple[int, ...]:
        return (self.filters,)

    def _fans(self, input_shape: Sequence[int]) -> tuple[int, int]:
        k = math.prod(self.kernel_size)
        return k * int(input_shape[-1]), k * self.filters

    def _check_input(self, x: Array) -> None:
        if x.ndim != self.rank + 2:
            layout = "(batch, width, channels)" if self.rank == 1 else (
                "(batch, height, width, channels)")
            raise ShapeError(f"{type(self).__name__}: input must have shape {layout}, got "
                             f"shape {tuple(x.shape)}")

    def _linear(self, x: Array, kernel: Array) -> Array:
        if x.shape[-1] != kernel.shape[-2]:
            raise ShapeError(f"{type(self).__name__}: input has {x.shape[-1]} channels (shape "
                             f"{tuple(x.shape)}), expected {kernel.shape[-2]}")
        return jax.lax.conv_general_dilated(
            x, kernel, window_strides=self.strides, padding=self.padding.upper(),
            dimension_numbers=_DIMENSION_NUMBERS[self.rank])


class _Fixed(ConvVariational):
    _config_keys = ("filters", "kernel_size", "strides", "padding", "activation", "use_bias",
                    "kernel_prior", "bias_prior", "surrogate", "kl_method")

    def __init__(self, filters: int, kernel_size: int | Sequence[int],
                 strides: int | Sequence[int] = 1, padding: str = "same",
                 activation: ActivationLike = None, *, use_bias: bool = True,
                 kernel_prior: PriorLike | None = None, bias_prior: PriorLike | None = None,
                 surrogate: MeanField | None = None, kl_method: KLMethod = "auto",
                 name: str | None = None):
        super().__init__(filters, kernel_size, strides, padding, activation, use_bias=use_bias,
                         kernel_prior=kernel_prior, bias_prior=bias_prior, surrogate=surrogate,
                         kl_method=kl_method, name=name)


class Conv1DReparameterization(_Fixed):
    """1-D Bayesian convolution (``(batch, width, channels)``), reparameterization estimator.

    Examples:
        >>> import jax, jax.numpy as jnp
        >>> from probflow import layers
        >>> c = layers.Conv1DReparameterization(3, 5, padding="valid")
        >>> c.apply(c.init(jax.random.key(0), (20, 2)), jnp.ones((4, 20, 2)),
        ...         jax.random.key(1))[0].shape
        (4, 16, 3)
    """

    _rank = 1


class Conv2DReparameterization(_Fixed):
    """2-D Bayesian convolution (``NHWC``), reparameterization estimator.

    Examples:
        >>> import jax, jax.numpy as jnp
        >>> from probflow import layers
        >>> c = layers.Conv2DReparameterization(3, 3, strides=2)
        >>> c.apply(c.init(jax.random.key(0), (8, 8, 1)), jnp.ones((2, 8, 8, 1)),
        ...         jax.random.key(1))[0].shape
        (2, 4, 4, 3)
    """

    _rank = 2


class Conv1DFlipout(_Fixed):
    """1-D Bayesian convolution with the Flipout estimator (Wen et al., 2018).

    Examples:
        >>> import jax, jax.numpy as jnp
        >>> from probflow import layers
        >>> c = layers.Conv1DFlipout(3, 3)
        >>> c.apply(c.init(jax.random.key(0), (10, 2)), jnp.ones((4, 10, 2)),
        ...         jax.random.key(1))[0].shape
        (4, 10, 3)
    """

    _rank = 1
    _default_estimator = "flipout"


class Conv2DFlipout(_Fixed):
    """2-D Bayesian convolution (``NHWC``) with the Flipout estimator (Wen et al., 2018).

    Examples:
        >>> import jax, jax.numpy as jnp
        >>> from probflow import layers
        >>> c = layers.Conv2DFlipout(4, 3, activation="relu")
        >>> c.apply(c.init(jax.random.key(0), (8, 8, 1)), jnp.ones((2, 8, 8, 1)),
        ...         jax.random.key(1))[0].shape
        (2, 8, 8, 4)
    """

    _rank = 2
    _default_estimator = "flipout"
