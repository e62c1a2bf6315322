"""Bijectors from ``R^{K-1}`` onto the probability simplex in ``R^K``."""

from __future__ import annotations

import math
from collections.abc import Sequence

import jax
import jax.numpy as jnp
from jax.scipy.special import logsumexp

from probflow.bijectors.bijector import Bijector
from probflow.core.numerics import log_sigmoid

__all__ = ["SoftmaxCentered", "IteratedSigmoidCentered"]


class SoftmaxCentered(Bijector):
    """``y = softmax([x, 0])``: ``R^{K-1}`` onto the open simplex in ``R^K``.

    The log-determinant is TFP's: the log of the volume change onto the simplex as a
    ``(K-1)``-dimensional surface of ``R^K``, ``sqrt(det(J^T J)) = sqrt(K) prod_k y_k``,
    i.e. ``sum(log y) + log(K) / 2``. (The Jacobian on the first ``K - 1`` coordinates,
    which a Dirichlet density uses, lacks the ``log(K) / 2``; see
    [`IteratedSigmoidCentered`][probflow.bijectors.simplex.IteratedSigmoidCentered].)

    Examples:
        >>> import jax.numpy as jnp
        >>> import probflow.bijectors as pfb
        >>> pfb.SoftmaxCentered().forward(jnp.zeros(2))
        Array([0.33333334, 0.33333334, 0.33333334], dtype=float32)
    """

    forward_min_event_ndims = 1
    inverse_min_event_ndims = 1

    def _forward_and_log_det(self, x):
        padded = jnp.concatenate([x, jnp.zeros(x.shape[:-1] + (1,), x.dtype)], axis=-1)
        log_y = padded - logsumexp(padded, axis=-1, keepdims=True)
        k = padded.shape[-1]
        return jax.nn.softmax(padded, axis=-1), jnp.sum(log_y, axis=-1) + 0.5 * math.log(k)

    def _inverse_and_log_det(self, y):
        log_y = jnp.log(y)
        x = log_y[..., :-1] - log_y[..., -1:]
        return x, -jnp.sum(log_y, axis=-1) - 0.5 * math.log(y.shape[-1])

    def forward_event_shape(self, input_shape: Sequence[int]) -> tuple[int, ...]:
        shape = tuple(input_shape)
        return shape[:-1] + (shape[-1] + 1,)

    def inverse_event_shape(self, output_shape: Sequence[int]) -> tuple[int, ...]:
        shape = tuple(output_shape)
        return shape[:-1] + (shape[-1] - 1,)


class IteratedSigmoidCentered(Bijector):
    """Stick breaking: ``R^{K-1}`` onto the open simplex in ``R^K`` (TFP's default for Dirichlet).

    With ``z_k = sigmoid(x_k - log(K - 1 - k))`` (``k = 0, ..., K - 2``), break off a
    fraction ``z_k`` of the remaining stick: ``y_k = z_k (1 - y_0 - ... - y_{k-1})``,
    and the last entry takes what is left. The centring makes ``x = 0`` the uniform
    vector. The log-determinant is on the first ``K - 1`` coordinates of ``y`` (the
    Jacobian there is triangular): ``sum_k log z_k + log(1 - z_k) + log(remaining_k)``.

    Examples:
        >>> import jax.numpy as jnp
        >>> import probflow.bijectors as pfb
        >>> pfb.IteratedSigmoidCentered().forward(jnp.zeros(3))
        Array([0.25, 0.25, 0.25, 0.25], dtype=float32)
    """

    forward_min_event_ndims = 1
    inverse_min_event_ndims = 1

    @staticmethod
    def _offsets(k, dtype):
        return jnp.log(jnp.arange(k, 0, -1, dtype=dtype))

    def _forward_and_log_det(self, x):
        k = x.shape[-1]
        u = x - self._offsets(k, x.dtype)
        log_z = log_sigmoid(u)
        log_1mz = log_sigmoid(-u)
        zero = jnp.zeros(x.shape[:-1] + (1,), x.dtype)
        log_rem = jnp.concatenate([zero, jnp.cumsum(log_1mz, axis=-1)], axis=-1)
        log_y = jnp.concatenate([log_z, zero], axis=-1) + log_rem
        ldj = jnp.sum(log_z + log_1mz + log_rem[..., :-1], axis=-1)
        return jnp.exp(log_y), ldj

    def _inverse_and_log_det(self, y):
        k = y.shape[-1] - 1
        # tails[i] = y_i + ... + y_{K-1}, summed from the small end for accuracy.
        tails = jnp.flip(jnp.cumsum(jnp.flip(y, -1), axis=-1), -1)
        log_y = jnp.log(y[..., :-1])
        log_next = jnp.log(tails[..., 1:])
        x = log_y - log_next + self._offsets(k, y.dtype)
        ildj = -jnp.sum(log_y + log_next - jnp.log(tails[..., :-1]), axis=-1)
        return x, ildj

    def forward_event_shape(self, input_shape: Sequence[int]) -> tuple[int, ...]:
        shape = tuple(input_shape)
        return shape[:-1] + (shape[-1] + 1,)

    def inverse_event_shape(self, output_shape: Sequence[int]) -> tuple[int, ...]:
        shape = tuple(output_shape)
        return shape[:-1] + (shape[-1] - 1,)
