"""Training callbacks and the [`History`][probflow.layers.callbacks.History] that
[`Sequential.fit`][probflow.layers.sequential.Sequential.fit] returns."""

from __future__ import annotations

import math
import os
from typing import TYPE_CHECKING, Any, Literal

import jax

from probflow.core.checks import check_count
from probflow.typing import PyTree

if TYPE_CHECKING:
    from probflow.layers.sequential import Sequential

__all__ = ["History", "Callback", "EarlyStopping", "ModelCheckpoint"]


class History:
    """Per-epoch metrics of a [`fit`][probflow.layers.sequential.Sequential.fit] run.

    ``history.history`` is a dict of metric name to list (one value per epoch);
    ``history["loss"]`` is a shortcut.

    Examples:
        >>> h = History()
        >>> h.append(0, {"loss": 1.5})
        >>> h["loss"], h.epoch
        ([1.5], [0])
    """

    def __init__(self) -> None:
        self.history: dict[str, list[float]] = {}
        self.epoch: list[int] = []

    def append(self, epoch: int, logs: dict[str, float]) -> None:
        """Record one epoch's metrics."""
        self.epoch.append(epoch)
        for k, v in logs.items():
            self.history.setdefault(k, []).append(float(v))

    def _keep_first(self, num_epochs: int) -> None:
        """Drop records past the first ``num_epochs`` (after an interrupted ``append``)."""
        del self.epoch[num_epochs:]
        for values in self.history.values():
            del values[num_epochs:]

    def __getitem__(self, name: str) -> list[float]:
        if name not in self.history:
            raise KeyError(f"History: no metric {name!r}; recorded: {sorted(self.history)}")
        return self.history[name]

    def __contains__(self, name: str) -> bool:
        return name in self.history

    def __repr__(self) -> str:
        return f"History(epochs={len(self.epoch)}, metrics={sorted(self.history)})"


class Callback:
    """Base class: override any of the hooks; set ``model.stop_training = True`` to stop.

    Examples:
        >>> class Printer(Callback):
        ...     def on_epoch_end(self, epoch, logs, model):
        ...         print(epoch, round(logs["loss"], 1))
        >>> Printer().on_epoch_end(0, {"loss": 0.25}, None)
        0 0.2
    """

    def on_train_begin(self, model: Sequential) -> None:
        """Called before the first epoch."""

    def on_epoch_end(self, epoch: int, logs: dict[str, float], model: Sequential) -> None:
        """Called after each epoch with its metrics."""

    def on_train_end(self, model: Sequential) -> None:
        """Called after the last epoch."""

    def get_state(self) -> tuple[dict[str, Any], PyTree]:
        """The callback's state for a ``fit`` checkpoint: a JSON-able dict and a PyTree shaped
        like the model's parameters (or ``None``). Override both this and
        [`set_state`][probflow.layers.callbacks.Callback.set_state] so that a resumed ``fit``
        continues the callback where it stopped; by default a callback has no state and
        starts afresh on resume.

        Examples:
            >>> Callback().get_state()
            ({}, None)
        """
        return {}, None

    def set_state(self, state: dict[str, Any], params: PyTree) -> None:
        """Put back what [`get_state`][probflow.layers.callbacks.Callback.get_state] returned
        (called on resume, after ``on_train_begin``; ``params`` is restored into the
        structure of the model's parameters).

        Examples:
            >>> Callback().set_state({}, None)
        """


def _improved(mode: str, value: float, best: float, min_delta: float) -> bool:
    if mode == "min":
        return value < best - min_delta
    return value > best + min_delta


def _resolve_mode(mode: str, monitor: str, owner: str) -> str:
    if mode not in ("auto", "min", "max"):
        raise ValueError(f"{owner}: mode must be 'auto', 'min' or 'max', got {mode!r}")
    if mode == "auto":
        return "max" if ("accuracy" in monitor or "coverage" in monitor) else "min"
    return mode


class EarlyStopping(Callback):
    """Stop when a monitored metric has not improved for ``patience`` epochs.

    Args:
        monitor: metric name in the epoch logs (``"val_loss"`` needs validation data).
        patience: epochs without improvement before stopping.
        min_delta: smallest change that counts as an improvement.
        mode: ``"min"``, ``"max"`` or ``"auto"`` (max for accuracies, else min).
        restore_best: put back the parameters of the best epoch when stopping.

    Examples:
        >>> stop = EarlyStopping(monitor="loss", patience=2)
        >>> stop.patience
        2
    """

    def __init__(self, monitor: str = "val_loss", patience: int = 5, *, min_delta: float = 0.0,
                 mode: Literal["auto", "min", "max"] = "auto", restore_best: bool = True):
        patience = check_count("EarlyStopping", "patience", patience, 0)
        self.monitor = monitor
        self.patience = patience
        self.min_delta = float(min_delta)
        self.mode = _resolve_mode(mode, monitor, "EarlyStopping")
        self.restore_best = bool(restore_best)
        self.stopped_epoch: int | None = None
        self.best_epoch: int | None = None

    def on_train_begin(self, model: Sequential) -> None:
        """Reset the state."""
        self.best = math.inf if self.mode == "min" else -math.inf
        self.best_params = None
        self.wait = 0
        self.stopped_epoch = None
        self.best_epoch = None

    def on_epoch_end(self, epoch: int, logs: dict[str, float], model: Sequential) -> None:
        """Track the best value; stop after ``patience`` epochs without improvement."""
        if self.monitor not in logs:
            raise KeyError(f"EarlyStopping: monitor={self.monitor!r} is not among the epoch "
                           f"metrics {sorted(logs)} (val_* metrics need validation_data)")
        value = float(logs[self.monitor])
        if _improved(self.mode, value, self.best, self.min_delta):
            self.best, self.wait, self.best_epoch = value, 0, epoch
            if self.restore_best:
                self.best_params = jax.tree_util.tree_map(lambda a: a, model.params)
        else:
            self.wait += 1
            if self.wait > self.patience:
                self.stopped_epoch = epoch
                model.stop_training = True

    def on_train_end(self, model: Sequential) -> None:
        """Restore the best parameters if asked."""
        if self.restore_best and self.best_params is not None:
            model.params = self.best_params

    def get_state(self) -> tuple[dict[str, Any], PyTree]:
        """Best value, its epoch, the epochs waited and the best parameters (for checkpoints).

        Examples:
            >>> stop = EarlyStopping(monitor="loss")
            >>> stop.on_train_begin(None)
            >>> stop.get_state()[0]["wait"]
            0
        """
        state = {"best": self.best, "wait": self.wait, "best_epoch": self.best_epoch,
                 "stopped_epoch": self.stopped_epoch}
        return state, self.best_params

    def set_state(self, state: dict[str, Any], params: PyTree) -> None:
        """Put back a [`get_state`][probflow.layers.callbacks.EarlyStopping.get_state].

        Examples:
            >>> stop = EarlyStopping(monitor="loss")
            >>> stop.set_state({"best": 0.5, "wait": 2, "best_epoch": 3,
            ...                 "stopped_epoch": None}, None)
            >>> stop.wait, stop.best_epoch
            (2, 3)
        """
        self.best, self.wait = float(state["best"]), int(state["wait"])
        self.best_epoch, self.stopped_epoch = state["best_epoch"], state["stopped_epoch"]
        self.best_params = params


class ModelCheckpoint(Callback):
    """Save the network (``.npz``, see
    [`Sequential.save`][probflow.layers.sequential.Sequential.save]) after epochs.

    Args:
        path: file path; ``{epoch}`` in it is replaced by the epoch number.
        monitor: metric deciding "best" with ``save_best_only``.
        save_best_only: save only when ``monitor`` improves.
        mode: ``"min"``, ``"max"`` or ``"auto"``.

    Examples:
        >>> ModelCheckpoint("/tmp/net.npz", monitor="loss").save_best_only
        True
    """

    def __init__(self, path: str | os.PathLike[str], monitor: str = "val_loss", *,
                 save_best_only: bool = True, mode: Literal["auto", "min", "max"] = "auto"):
        self.path = str(path)
        self.monitor = monitor
        self.save_best_only = bool(save_best_only)
        self.mode = _resolve_mode(mode, monitor, "ModelCheckpoint")
        self.saved: list[str] = []

    def on_train_begin(self, model: Sequential) -> None:
        """Reset the best value."""
        self.best = math.inf if self.mode == "min" else -math.inf

    def on_epoch_end(self, epoch: int, logs: dict[str, float], model: Sequential) -> None:
        """Save if due."""
        if self.save_best_only:
            if self.monitor not in logs:
                raise KeyError(f"ModelCheckpoint: monitor={self.monitor!r} is not among the "
                               f"epoch metrics {sorted(logs)}")
            value = float(logs[self.monitor])
            if not _improved(self.mode, value, self.best, 0.0):
                return
            self.best = value
        path = self.path.replace("{epoch}", str(epoch))
        model.save(path)
        self.saved.append(path)

    def get_state(self) -> tuple[dict[str, Any], PyTree]:
        """The best value and the files saved so far (for checkpoints).

        Examples:
            >>> saver = ModelCheckpoint("/tmp/net.npz", monitor="loss")
            >>> saver.on_train_begin(None)
            >>> saver.get_state()
            ({'best': inf, 'saved': []}, None)
        """
        return {"best": self.best, "saved": list(self.saved)}, None

    def set_state(self, state: dict[str, Any], params: PyTree) -> None:
        """Put back a [`get_state`][probflow.layers.callbacks.ModelCheckpoint.get_state].

        Examples:
            >>> saver = ModelCheckpoint("/tmp/net.npz", monitor="loss")
            >>> saver.set_state({"best": 0.5, "saved": ["/tmp/net.npz"]}, None)
            >>> saver.best
            0.5
        """
        self.best, self.saved = float(state["best"]), list(state["saved"])
