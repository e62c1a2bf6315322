"""The epoch loop behind [`Sequential.fit`][probflow.layers.sequential.Sequential.fit], with its
failure and interrupt handling.

Each epoch is one compiled call (see [`make_epoch_fn`][probflow.layers.training.make_epoch_fn], with
the loop key's split and the logs packed into one array, so the host reads once per epoch).
Without callbacks nothing between two epochs can change the second, so it is dispatched before
the first one's logs are read and the device never waits for the host's per-epoch work; when
training stops early (a failure, Ctrl-C) that epoch's result is dropped. The loop around it
adds validation metrics, the [`History`][probflow.layers.callbacks.History], progress
bar (``verbose=1``, one [`progress_bar`][probflow.core.progress.progress_bar] per run) or lines
(``verbose=2``, one per epoch, as Keras) and callbacks, and keeps the network usable when
training goes wrong:

- a non-finite loss or non-finite weights raise ``FloatingPointError`` after putting back
  the last weights whose loss was finite (found by replaying the failed epoch's steps, so
  the normal path keeps no per-step copies);
- ``KeyboardInterrupt`` (Ctrl-C) stops training: the weights and optimizer state of the
  last completed epoch are kept, the history holds the completed epochs, a warning says
  where it stopped and ``fit`` returns normally.
"""

from __future__ import annotations

import time
import warnings
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

import jax
import jax.numpy as jnp

from probflow.core.progress import progress_bar
from probflow.layers.callbacks import History
from probflow.layers.training import make_epoch_fn, make_replay_fn, num_batches
from probflow.typing import Array, PRNGKey, PyTree

if TYPE_CHECKING:
    from probflow.layers.callbacks import Callback
    from probflow.layers.checkpoint import FitCheckpoint
    from probflow.layers.sequential import Sequential

__all__ = ["run_epochs"]


def _all_finite(tree: PyTree) -> bool:
    return all(bool(jnp.all(jnp.isfinite(leaf))) for leaf in jax.tree_util.tree_leaves(tree)
               if jnp.issubdtype(jnp.asarray(leaf).dtype, jnp.inexact))


def _cached(net: Sequential, kind: str, batch_size: int,
            make: Callable[..., Callable[..., Any]]) -> Callable[..., Any]:
    fns = net._epoch_fns
    if (kind, batch_size) not in fns:
        fns[(kind, batch_size)] = make(net, net.optimizer, batch_size)
    return fns[(kind, batch_size)]


def _make_loop_epoch_fn(net: Sequential, optimizer: Any,
                        batch_size: int) -> Callable[..., tuple[Any, ...]]:
    """One compiled call per epoch of the loop: ``(params, opt_state, loop_key, x, y,
    kl_weight) -> (params, opt_state, [loss, nll, kl], bad_step, next loop key, epoch key,
    validation key)``, the key split and the epoch of
    [`make_epoch_fn`][probflow.layers.training.make_epoch_fn] in one program, its logs in one
    array, so the host makes one call and one read per epoch."""
    epoch_fn = make_epoch_fn(net, optimizer, batch_size)

    def loop_epoch(params: PyTree, opt_state: PyTree, key: PRNGKey, x: Array, y: Array,
                   kl_weight: Array) -> tuple[Any, ...]:
        key, k_epoch, k_val = jax.random.split(key, 3)
        params, opt_state, logs = epoch_fn(params, opt_state, k_epoch, x, y, kl_weight)
        stats = jnp.stack([logs["loss"], logs["nll"], logs["kl"]])
        return params, opt_state, stats, logs["bad_step"], key, k_epoch, k_val

    return jax.jit(loop_epoch)


def _recover(net: Sequential, start: tuple[PyTree, PyTree, PRNGKey],
             previous: tuple[PyTree, PyTree, PRNGKey] | None, args: Sequence[Any],
             batch_size: int, bad_step: int, epoch: int, steps: int, loss: float) -> str:
    """Put back the last weights with a finite loss; return the error message."""
    replay = _cached(net, "replay", batch_size, make_replay_fn)
    params, opt_state, key = start
    if bad_step == steps:
        what = (f"the weights became non-finite in the last step ({steps}/{steps}) of epoch "
                f"{epoch + 1}")
    else:
        what = (f"the loss became non-finite at step {bad_step + 1}/{steps} of epoch "
                f"{epoch + 1} (epoch mean {loss})")
    last = "the last weights with a finite loss"
    if bad_step >= 1:
        kept = f"{last} (those step {bad_step} of epoch {epoch + 1} started from)"
        if bad_step > 1:
            params, opt_state = replay(params, opt_state, key, *args, bad_step - 1)
    elif previous is not None:
        kept = f"{last} (those the last step of epoch {epoch} started from)"
        params, opt_state, key = previous
        if steps > 1:
            params, opt_state = replay(params, opt_state, key, *args, steps - 1)
    else:
        kept = ("the weights fit started from (the loss is not finite even there: check the "
                "inputs and targets)")
    if not _all_finite(params):  # a replay that drifted numerically: fall back further
        params, opt_state = start[0], start[1]
        kept = f"the weights epoch {epoch + 1} started from"
    net.params, net.opt_state = params, opt_state
    assert net.history is not None  # set by run_epochs
    done = len(net.history.epoch)
    return (f"Sequential.fit: {what}; net.params keep {kept}, and net.history holds the "
            f"{done} completed epoch{'' if done == 1 else 's'}. Lower the learning rate or "
            f"standardise the inputs and targets")


def run_epochs(net: Sequential, xs: Array, ys: Array, *, key: PRNGKey, epochs: int,
               batch_size: int, val: tuple[Array, Array] | None, callbacks: Sequence[Callback],
               verbose: int, validation_samples: int, start_epoch: int = 0,
               history: History | None = None, checkpoint: FitCheckpoint | None = None,
               stopped: bool = False,
               callback_states: Sequence[tuple[Any, PyTree] | None] = ()) -> History:
    """Train ``net`` (built and compiled) for up to ``epochs`` epochs; see ``Sequential.fit``.

    ``start_epoch``, ``history`` and ``stopped`` continue a resumed run (``key`` is then the
    loop key saved after ``start_epoch`` epochs); ``checkpoint`` is a
    [`FitCheckpoint`][probflow.layers.checkpoint.FitCheckpoint] that saves the state when due,
    at the end and on Ctrl-C; ``callback_states`` (``(state, params)`` or ``None`` per
    callback) go to the callbacks' ``set_state`` after ``on_train_begin``.

    Examples:
        >>> import jax, jax.numpy as jnp, optax
        >>> from probflow import layers
        >>> net = layers.Sequential([layers.Dense(1), layers.NormalHead()])
        >>> _ = net.build(jax.random.key(0), (2,))
        >>> net.compile(optax.adam(1e-2))
        >>> net.opt_state = net.optimizer.init(net.params)
        >>> h = run_epochs(net, jnp.ones((8, 2)), jnp.zeros(8), key=jax.random.key(1),
        ...                epochs=2, batch_size=4, val=None, callbacks=[], verbose=0,
        ...                validation_samples=5)
        >>> h.epoch
        [0, 1]
    """
    epoch_fn = _cached(net, "loop_epoch", batch_size, _make_loop_epoch_fn)
    kl_weight = jnp.asarray(net.kl_weight, net.dtype)
    steps = num_batches(xs.shape[0], batch_size)
    history = History() if history is None else history
    net.history = history
    net.stop_training = False
    # ``good`` is replaced in one assignment, so an interrupt never sees it half-updated;
    # its key is the loop key after its epochs (what a checkpoint stores).
    good = (net.params, net.opt_state, start_epoch, key)
    previous = None  # (params, opt_state, key) the last completed epoch started from
    # Without callbacks nothing that happens between epochs changes the next one, so it is
    # dispatched before this one's logs are read and the device never waits for the host.
    speculate = not callbacks
    pending = None  # the outputs of the epoch already dispatched
    epoch = start_epoch
    last = start_epoch if stopped else epochs
    bar = progress_bar(max(epochs, start_epoch), desc="fit", unit="epoch",
                       disable=verbose != 1, initial=start_epoch)
    try:
        for cb in callbacks:
            cb.on_train_begin(net)
        for cb, saved in zip(callbacks, callback_states, strict=False):
            if saved is not None:
                cb.set_state(*saved)
        for epoch in range(start_epoch, last):
            start_time = time.perf_counter()
            if pending is None:
                pending = epoch_fn(good[0], good[1], good[3], xs, ys, kl_weight)
            params, opt_state, stats, bad_step, key, k_epoch, k_val = pending
            pending = None
            if speculate and epoch + 1 < last:
                pending = epoch_fn(params, opt_state, key, xs, ys, kl_weight)
            start = (good[0], good[1], k_epoch)
            stats, bad_step = jax.device_get((stats, bad_step))
            bad_step = int(bad_step)
            logs = {name: float(v) for name, v in zip(("loss", "nll", "kl"), stats, strict=True)}
            if bad_step >= 0:
                raise FloatingPointError(_recover(
                    net, start, previous, (xs, ys, kl_weight), batch_size, bad_step, epoch,
                    steps, logs["loss"]))
            if val is not None:
                logs.update(net._validation_metrics(params, val[0], val[1], k_val,
                                                    validation_samples))
            history.append(epoch, logs)
            previous = start
            good = (params, opt_state, epoch + 1, key)
            net.params, net.opt_state = params, opt_state
            bar.set_postfix({k: f"{v:.4g}" for k, v in logs.items()}, refresh=False)
            bar.update(1)
            if verbose == 2:
                parts = " - ".join(f"{k}: {v:.4g}" for k, v in logs.items())
                print(f"Epoch {epoch + 1}/{epochs} - {time.perf_counter() - start_time:.2f}s"
                      f" - {parts}")
            for cb in callbacks:
                cb.on_epoch_end(epoch, logs, net)
            if checkpoint is not None and (net.stop_training or checkpoint.due(epoch + 1)):
                checkpoint.save(net, good[0], good[1], good[3], history, good[2],
                                stopped=net.stop_training, callbacks=callbacks)
            if net.stop_training:
                break
    except KeyboardInterrupt:
        bar.close()
        net.params, net.opt_state = good[0], good[1]
        history._keep_first(good[2])
        if checkpoint is not None and checkpoint.saved_epochs < good[2]:
            checkpoint.save(net, good[0], good[1], good[3], history, good[2],
                            callbacks=callbacks)
        for cb in callbacks:
            cb.on_train_end(net)
        done = good[2]
        message = (f"Sequential.fit was interrupted (KeyboardInterrupt) during epoch "
                   f"{epoch + 1}/{epochs}; "
                   + (f"net.params keep the weights after epoch {done}, the last completed "
                      f"one, and the returned history its {done} epochs"
                      if done else "no epoch completed, so net.params are unchanged"))
        if net.params is not good[0]:
            message += ("; callbacks' on_train_end then replaced the weights (e.g. "
                        "EarlyStopping(restore_best=True) put back its best epoch)")
        if checkpoint is not None:
            message += (f"; the checkpoint {checkpoint.path!r} holds that state, so "
                        f"fit(..., resume={checkpoint.path!r}) continues it, also in a new "
                        f"process")
        warnings.warn(message, RuntimeWarning, stacklevel=3)
        return history
    finally:
        bar.close()
    if checkpoint is not None and checkpoint.saved_epochs < good[2]:
        checkpoint.save(net, good[0], good[1], good[3], history, good[2],
                        callbacks=callbacks)
    for cb in callbacks:
        cb.on_train_end(net)
    return history

