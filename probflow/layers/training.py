"""Input checks and the compiled training epoch of
[`Sequential`][probflow.layers.sequential.Sequential].

The loss per example follows the Keras/TFP convention: ``NLL_mean + kl_weight * KL / n``
where ``NLL_mean`` is the mean negative log likelihood of the mini-batch and ``n`` the
number of training examples, so one epoch's loss estimates ``-ELBO / n``. One epoch is one
jitted ``lax.scan`` over shuffled mini-batches; the last, partial batch is padded and its
padding masked out of the likelihood.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

import jax
import jax.numpy as jnp
import numpy as np
import optax

from probflow.core.errors import ShapeError
from probflow.core.fastrandom import random_permutation
from probflow.typing import Array, ArrayLike, DTypeLike, PRNGKey, PyTree

if TYPE_CHECKING:
    from probflow.layers.heads import Head
    from probflow.layers.sequential import Sequential

__all__ = ["check_inputs", "check_targets", "make_epoch_fn", "make_loss_fn",
           "make_replay_fn", "num_batches"]


def check_inputs(x: ArrayLike, argument: str = "x",
                 expected_shape: Sequence[int] | None = None) -> np.ndarray:
    """``x`` as a NumPy array of shape ``(n, ...)``, finite; errors name ``argument``.

    Examples:
        >>> check_inputs([[1.0, 2.0]]).shape
        (1, 2)
    """
    x = np.asarray(x)
    if x.ndim < 2:
        raise ShapeError(f"{argument} must have shape (n_examples, features...), got shape "
                         f"{x.shape}; reshape a single feature with x[:, None]")
    if x.shape[0] == 0:
        raise ValueError(f"{argument} has no rows (shape {x.shape})")
    if np.issubdtype(x.dtype, np.floating) and not np.all(np.isfinite(x)):
        bad = ~np.isfinite(x.reshape(x.shape[0], -1))
        row = int(np.flatnonzero(bad.any(1))[0])
        raise ValueError(f"{argument} contains NaN or inf ({int(bad.sum())} values, first in "
                         f"row {row}); inputs must be finite")
    if not (np.issubdtype(x.dtype, np.floating) or np.issubdtype(x.dtype, np.integer)):
        raise TypeError(f"{argument} must be numeric, got dtype {x.dtype}")
    if expected_shape is not None and tuple(x.shape[1:]) != tuple(expected_shape):
        raise ShapeError(f"{argument} has shape {x.shape}: each example has shape "
                         f"{tuple(x.shape[1:])}, but the network was built for inputs of "
                         f"shape {tuple(expected_shape)} (plus the batch axis)")
    return x


def check_targets(y: ArrayLike, n: int, head: Head, argument: str = "y", x_argument: str = "x",
                  head_input_shape: Sequence[int] | None = None) -> np.ndarray:
    """``y`` as a NumPy array with ``n`` rows, checked by the head.

    With ``head_input_shape`` (one example's input shape to the head) the head also checks
    each example's target shape and, for classifiers, the label range.

    Examples:
        >>> from probflow import layers
        >>> check_targets([0, 2, 1], 3, layers.CategoricalHead(), head_input_shape=(3,)).shape
        (3,)
    """
    y = np.asarray(y)
    if y.ndim == 0:
        raise ShapeError(f"{argument} must have one row per example, got a scalar")
    if y.shape[0] != n:
        raise ShapeError(f"{x_argument} and {argument} must have the same number of rows: "
                         f"{x_argument} has {n}, {argument} has {y.shape[0]} (shape {y.shape})")
    head.check_targets(y, argument, head_input_shape)
    return y


def make_loss_fn(net: Sequential) -> Callable[..., tuple[Array, tuple[Array, Array]]]:
    """``loss(params, x, y, mask, key, n_train, kl_weight) -> (loss, (nll, kl))``.

    Examples:
        >>> import jax, jax.numpy as jnp
        >>> from probflow import layers
        >>> net = layers.Sequential([layers.DenseFlipout(1), layers.NormalHead()])
        >>> params = net.init(jax.random.key(0), (2,))
        >>> loss, (nll, kl) = make_loss_fn(net)(params, jnp.ones((4, 2)), jnp.zeros(4),
        ...                                     jnp.ones(4), jax.random.key(1), 100.0, 1.0)
        >>> bool(jnp.isclose(loss, nll + kl / 100.0))
        True
    """

    def loss_fn(params: PyTree, x: Array, y: Array, mask: Array, key: PRNGKey, n_train: Array,
                kl_weight: ArrayLike) -> tuple[Array, tuple[Array, Array]]:
        dist, kl = net.apply(params, x, key=key, training=True)
        lp = dist.log_prob(y.reshape(dist.batch_shape))
        lp = lp.reshape(lp.shape[0], -1).sum(-1)
        nll = -jnp.sum(lp * mask) / jnp.sum(mask)
        loss = nll + kl_weight * kl / n_train
        return loss, (nll, kl)

    return loss_fn


def _schedule(key: PRNGKey, n: int, batch_size: int,
              dtype: DTypeLike) -> tuple[Array, Array, Array]:
    """Shuffled mini-batch indices ``(num_batches, b)``, padding mask and per-step keys."""
    b = min(batch_size, n)
    num_batches = -(-n // b)
    pad = num_batches * b - n
    k_perm, k_steps = jax.random.split(key)
    perm = random_permutation(k_perm, n)
    idx = jnp.concatenate([perm, perm[:pad]]).reshape(num_batches, b)
    mask = jnp.concatenate([jnp.ones(n, dtype), jnp.zeros(pad, dtype)]).reshape(num_batches, b)
    return idx, mask, jax.random.split(k_steps, num_batches)


def _step_fn(net: Sequential, optimizer: optax.GradientTransformation
             ) -> Callable[..., tuple[PyTree, PyTree, Array]]:
    grad_fn = jax.value_and_grad(make_loss_fn(net), has_aux=True)

    def step(params: PyTree, opt_state: PyTree, x: Array, y: Array, i: Array, m: Array,
             k: PRNGKey, n_train: Array, kl_weight: ArrayLike) -> tuple[PyTree, PyTree, Array]:
        (loss, (nll, kl)), grads = grad_fn(params, x[i], y[i], m, k, n_train, kl_weight)
        updates, opt_state = optimizer.update(grads, opt_state, params)
        return optax.apply_updates(params, updates), opt_state, jnp.stack([loss, nll, kl])

    return step


def _mask_dtype(x: Array) -> DTypeLike:
    return x.dtype if jnp.issubdtype(x.dtype, jnp.floating) else jnp.float32


def num_batches(n: int, batch_size: int) -> int:
    """Mini-batches (steps) per epoch for ``n`` examples.

    Examples:
        >>> num_batches(10, 4)
        3
    """
    return -(-n // min(batch_size, n))


def make_epoch_fn(net: Sequential, optimizer: optax.GradientTransformation,
                  batch_size: int) -> Callable[..., tuple[PyTree, PyTree, dict[str, Array]]]:
    """Jitted ``epoch(params, opt_state, key, x, y, kl_weight) -> (params, opt_state, logs)``.

    ``logs`` holds the epoch means of ``loss``, ``nll`` and ``kl``, and ``bad_step``: ``-1``
    when every step's loss and the final weights are finite, else the index of the first
    step whose loss is not finite (``num_batches`` when only the final weights are not).
    Checking costs nothing per step: the losses are collected anyway, and the weights are
    checked once per epoch; [`make_replay_fn`][probflow.layers.training.make_replay_fn] recovers the
    last good weights.

    Examples:
        >>> import jax, jax.numpy as jnp, optax
        >>> from probflow import layers
        >>> net = layers.Sequential([layers.Dense(1), layers.NormalHead()])
        >>> params = net.init(jax.random.key(0), (2,))
        >>> opt = optax.sgd(0.1)
        >>> epoch = make_epoch_fn(net, opt, batch_size=4)
        >>> params, state, logs = epoch(params, opt.init(params), jax.random.key(1),
        ...                             jnp.ones((10, 2)), jnp.zeros(10), 1.0)
        >>> sorted(logs), int(logs["bad_step"])
        (['bad_step', 'kl', 'loss', 'nll'], -1)
    """
    step_fn = _step_fn(net, optimizer)

    def epoch(params: PyTree, opt_state: PyTree, key: PRNGKey, x: Array, y: Array,
              kl_weight: ArrayLike) -> tuple[PyTree, PyTree, dict[str, Array]]:
        n = x.shape[0]
        idx, mask, keys = _schedule(key, n, batch_size, _mask_dtype(x))
        n_train = jnp.asarray(n, mask.dtype)

        def step(carry: tuple[PyTree, PyTree],
                 inputs: tuple[Array, Array, Array]) -> tuple[tuple[PyTree, PyTree], Array]:
            params, opt_state = carry
            i, m, k = inputs
            params, opt_state, logs = step_fn(params, opt_state, x, y, i, m, k, n_train,
                                              kl_weight)
            return (params, opt_state), logs

        (params, opt_state), out = jax.lax.scan(step, (params, opt_state), (idx, mask, keys))
        weights = mask.sum(1) / n
        means = jnp.sum(out * weights[:, None].astype(out.dtype), axis=0)
        bad = ~jnp.isfinite(out[:, 0])
        finite = jnp.all(jnp.stack([jnp.all(jnp.isfinite(leaf))
                                    for leaf in jax.tree_util.tree_leaves(params)
                                    if jnp.issubdtype(leaf.dtype, jnp.inexact)]
                                   or [jnp.asarray(True)]))
        bad_step = jnp.where(jnp.any(bad), jnp.argmax(bad),
                             jnp.where(finite, -1, out.shape[0])).astype(jnp.int32)
        logs = {"loss": means[0], "nll": means[1], "kl": means[2], "bad_step": bad_step}
        return params, opt_state, logs

    return jax.jit(epoch)


def make_replay_fn(net: Sequential, optimizer: optax.GradientTransformation,
                   batch_size: int) -> Callable[..., tuple[PyTree, PyTree]]:
    """Jitted ``replay(params, opt_state, key, x, y, kl_weight, num_steps)``.

    Repeats the first ``num_steps`` steps of the epoch that
    [`make_epoch_fn`][probflow.layers.training.make_epoch_fn] runs with
    the same arguments and returns ``(params, opt_state)`` after them: how
    [`Sequential.fit`][probflow.layers.sequential.Sequential.fit] gets back the last weights with a
    finite loss after a failure,
    without keeping a copy of the weights at every step.

    Examples:
        >>> import jax, jax.numpy as jnp, optax
        >>> from probflow import layers
        >>> net = layers.Sequential([layers.Dense(1), layers.NormalHead()])
        >>> params = net.init(jax.random.key(0), (2,))
        >>> opt = optax.sgd(0.1)
        >>> args = (params, opt.init(params), jax.random.key(1), jnp.ones((8, 2)),
        ...         jnp.zeros(8), 1.0)
        >>> full, _, _ = make_epoch_fn(net, opt, 4)(*args)
        >>> again, _ = make_replay_fn(net, opt, 4)(*args, 2)
        >>> bool(jnp.allclose(full[0]["kernel"], again[0]["kernel"]))
        True
    """
    step_fn = _step_fn(net, optimizer)

    def replay(params: PyTree, opt_state: PyTree, key: PRNGKey, x: Array, y: Array,
               kl_weight: ArrayLike, num_steps: ArrayLike) -> tuple[PyTree, PyTree]:
        n = x.shape[0]
        idx, mask, keys = _schedule(key, n, batch_size, _mask_dtype(x))
        n_train = jnp.asarray(n, mask.dtype)

        def step(carry: tuple[PyTree, PyTree],
                 inputs: tuple[Array, Array, Array, Array]) -> tuple[Any, None]:
            params, opt_state = carry
            s, i, m, k = inputs
            new_params, new_state, _ = step_fn(params, opt_state, x, y, i, m, k, n_train,
                                               kl_weight)
            keep = s < num_steps
            return jax.tree_util.tree_map(lambda a, b: jnp.where(keep, a, b),
                                          (new_params, new_state), (params, opt_state)), None

        steps = jnp.arange(idx.shape[0])
        (params, opt_state), _ = jax.lax.scan(step, (params, opt_state),
                                              (steps, idx, mask, keys))
        return params, opt_state

    return jax.jit(replay)
