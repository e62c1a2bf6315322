"""The [`Sequential`][probflow.layers.sequential.Sequential] model: a stack of layers ending in an
output head, with a
Keras-like ``compile``/``fit``/``predict``/``evaluate`` workflow on top of pure functions."""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any, cast

import jax
import jax.numpy as jnp
import numpy as np
import optax

from probflow.core.checkpoint_args import checkpoint_paths
from probflow.core.deprecation import key_from_positional
from probflow.core.keys import as_key
from probflow.layers.base import Layer
from probflow.layers.callbacks import Callback, History
from probflow.layers.checkpoint import FitCheckpoint, fit_header, restore_fit_state
from probflow.layers.fit_loop import run_epochs
from probflow.layers.heads import Head
from probflow.layers.predict import (
    Prediction,
    draws_in_chunks,
    expected_calibration_error,
    interval_coverage,
    logmeanexp,
    predictive_draws,
    summarize_draws,
)
from probflow.layers.training import check_inputs, check_targets
from probflow.typing import Array, ArrayLike, DTypeLike, PRNGKey, PyTree, Shape

if TYPE_CHECKING:
    import arviz as az

    from probflow import distributions as pfd

__all__ = ["Sequential"]


def _batch_size(owner: str, value: Any) -> int | None:
    if value is None:
        return None
    return _positive(owner, "batch_size", value)


def _positive(owner: str, name: str, value: Any, integer: bool = True) -> Any:
    ok = (isinstance(value, int) and not isinstance(value, bool)) if integer else (
        isinstance(value, int | float) and not isinstance(value, bool))
    if not ok or value <= 0:
        kind = "a positive integer" if integer else "a positive number"
        raise ValueError(f"{owner}: {name} must be {kind}, got {value!r}")
    return value


class Sequential:
    """A Bayesian neural network: layers applied in order, the last one an output head.

    The pure functions [`init`][probflow.layers.sequential.Sequential.init] and
    [`apply`][probflow.layers.sequential.Sequential.apply] work in any JAX code; the
    Keras-style methods ([`compile`][probflow.layers.sequential.Sequential.compile],
    [`fit`][probflow.layers.sequential.Sequential.fit],
    [`predict`][probflow.layers.sequential.Sequential.predict],
    [`evaluate`][probflow.layers.sequential.Sequential.evaluate],
    [`save`][probflow.layers.sequential.Sequential.save]) keep the trained parameters in
    ``net.params``.

    Args:
        layers: list of [`Layer`][probflow.layers.base.Layer]; the last must be a
            [`Head`][probflow.layers.heads.Head] (e.g. ``NormalHead``, ``CategoricalHead``).
        name: model name.

    Examples:
        >>> import jax, jax.numpy as jnp, optax
        >>> from probflow import layers
        >>> net = layers.Sequential([layers.DenseFlipout(8, activation="relu"),
        ...                          layers.DenseFlipout(1), layers.NormalHead()])
        >>> params = net.init(jax.random.key(0), (3,))
        >>> dist, kl = net.apply(params, jnp.ones((5, 3)), key=jax.random.key(1))
        >>> dist.batch_shape, kl.shape
        ((5,), ())
        >>> net.compile(optimizer=optax.adam(1e-2))
    """

    def __init__(self, layers: Sequence[Layer], name: str | None = None):
        layers = list(layers)
        if not layers:
            raise ValueError("Sequential: layers must be a non-empty list of layers")
        for i, layer in enumerate(layers):
            if not isinstance(layer, Layer):
                raise TypeError(f"Sequential: layers[{i}] must be a pf.layers layer, got "
                                f"{layer!r}")
            if layer.is_head and i != len(layers) - 1:
                raise ValueError(f"Sequential: the head layers[{i}] ({type(layer).__name__}) "
                                 f"must be the last layer")
        if not isinstance(layers[-1], Head):
            raise ValueError(f"Sequential: the last layer must be an output head (NormalHead, "
                             f"CategoricalHead, ...), got {type(layers[-1]).__name__}")
        self.layers = layers
        self.name = name or "sequential"
        self.params: tuple[PyTree, ...] | None = None
        self.input_shape: Shape | None = None
        self.input_dtype: np.dtype | None = None
        self.optimizer: optax.GradientTransformation | None = None
        self.kl_weight = 1.0
        self.opt_state: PyTree = None
        self.stop_training = False
        self._epoch_fns: dict[Any, Any] = {}
        self._jitted: dict[Any, Any] = {}
        self.history: History | None = None

    @property
    def head(self) -> Head:
        """The output head (last layer)."""
        return cast(Head, self.layers[-1])  # checked in __init__

    # -- pure functions ------------------------------------------------------------------------
    def init(self, key: PRNGKey, input_shape: Sequence[int], dtype: DTypeLike = jnp.float32,
             input_dtype: DTypeLike | None = None) -> tuple[PyTree, ...]:
        """Parameter PyTree (a tuple, one entry per layer) for one example's ``input_shape``.

        Examples:
            >>> import jax
            >>> from probflow import layers
            >>> net = layers.Sequential([layers.Dense(2), layers.CategoricalHead()])
            >>> len(net.init(jax.random.key(0), (3,)))
            2
        """
        key = as_key(key)
        input_dtype = dtype if input_dtype is None else input_dtype
        shape = tuple(int(s) for s in input_shape)
        keys = jax.random.split(key, len(self.layers))
        params = []
        current_dtype = input_dtype
        for layer, k in zip(self.layers, keys, strict=True):
            p = layer.init(k, shape, dtype)
            params.append(p)
            if not layer.is_head:
                spec = jax.ShapeDtypeStruct((1,) + shape, current_dtype)
                out = jax.eval_shape(lambda p, x, layer=layer: layer.apply(p, x)[0], p,
                                     spec)
                shape, current_dtype = tuple(out.shape[1:]), out.dtype
        return tuple(params)

    def apply(self, params: Sequence[PyTree], x: ArrayLike, *_old_key: PRNGKey,
              key: PRNGKey | None = None,
              training: bool = False) -> tuple[pfd.Distribution, Array]:
        """``(head distribution, total KL)``; ``key=None`` uses the surrogate means.

        ``key`` is keyword-only (a key that may be omitted is passed as ``key=``, see
        ``docs/architecture.md``); the old positional ``apply(params, x, key)`` still works
        for one release, with a ``DeprecationWarning``.

        Examples:
            >>> import jax, jax.numpy as jnp
            >>> from probflow import layers
            >>> net = layers.Sequential([layers.DenseFlipout(3), layers.CategoricalHead()])
            >>> params = net.init(jax.random.key(0), (2,))
            >>> dist, kl = net.apply(params, jnp.ones((4, 2)), key=jax.random.key(1))
            >>> dist.logits.shape
            (4, 3)
        """
        key = key_from_positional("Sequential.apply", key, _old_key,
                                  old="apply(params, x, key)", new="apply(params, x, key=key)")
        self._check_params(params)
        fn = self._jitted.get("apply")
        if fn is None:
            fn = self._jitted["apply"] = jax.jit(self._apply, static_argnames=("training",))
        return fn(tuple(params), x, key=key, training=bool(training))

    def _apply(self, params: Sequence[PyTree], x: Array, key: PRNGKey | None = None, *,
               training: bool = False) -> tuple[Any, Array]:
        keys: list[Any] = [None] * len(self.layers) if key is None else list(
            jax.random.split(key, len(self.layers)))
        kl = 0.0
        h = x
        for layer, p, k in zip(self.layers, params, keys, strict=True):
            h, layer_kl = layer.apply(p, h, key=k, training=training)
            kl = kl + layer_kl
        return h, jnp.asarray(kl)

    def point_weights(self, params: Sequence[PyTree]) -> tuple[PyTree, ...]:
        """Weights for MCMC (surrogate means), a tuple with one PyTree per layer."""
        return tuple(layer.point_weights(p) for layer, p in zip(self.layers, params,
                                                                strict=True))

    def apply_weights(self, weights: Sequence[PyTree], x: Array, *_old_key: PRNGKey,
                      key: PRNGKey | None = None, training: bool = False) -> pfd.Distribution:
        """Head distribution for fixed weights (see
        [`point_weights`][probflow.layers.sequential.Sequential.point_weights]); ``key=``
        keyword-only, as in [`apply`][probflow.layers.sequential.Sequential.apply]."""
        key = key_from_positional("Sequential.apply_weights", key, _old_key,
                                  old="apply_weights(weights, x, key)",
                                  new="apply_weights(weights, x, key=key)")
        keys: list[Any] = [None] * len(self.layers) if key is None else list(
            jax.random.split(key, len(self.layers)))
        h: Any = x
        for layer, w, k in zip(self.layers, weights, keys, strict=True):
            h = layer.apply_weights(w, h, key=k, training=training)
        return h

    def log_prior(self, weights: Sequence[PyTree]) -> ArrayLike:
        """Sum of every layer's prior log density at ``weights``."""
        return sum(layer.log_prior(w) for layer, w in zip(self.layers, weights, strict=True))

    def _check_params(self, params: Any) -> None:
        if not isinstance(params, tuple | list) or len(params) != len(self.layers):
            raise ValueError(f"Sequential: params must be the tuple from net.init (one entry "
                             f"per layer, {len(self.layers)}), got {type(params).__name__}")

    # -- building --------------------------------------------------------------------------
    def build(self, key: PRNGKey, input_shape: Sequence[int], dtype: DTypeLike = jnp.float32,
              input_dtype: DTypeLike | None = None) -> tuple[PyTree, ...]:
        """Initialise ``net.params`` for inputs of one example's shape ``input_shape``."""
        self.params = self.init(key, input_shape, dtype, input_dtype)
        self.input_shape = tuple(int(s) for s in input_shape)
        self.input_dtype = jnp.dtype(dtype if input_dtype is None else input_dtype)
        self.opt_state = None
        return self.params

    @property
    def dtype(self) -> np.dtype:
        """The floating dtype of the parameters."""
        for leaf in jax.tree_util.tree_leaves(self.params):
            if jnp.issubdtype(leaf.dtype, jnp.floating):
                return leaf.dtype
        return jnp.dtype(jnp.float32)

    def _require_built(self, method: str) -> None:
        if self.params is None:
            raise RuntimeError(f"Sequential.{method}: the network has no parameters yet; call "
                               f"fit (or build/load) first")

    def compile(self, optimizer: optax.GradientTransformation | None = None,
                kl_weight: float = 1.0) -> None:
        """Set the optax optimizer (default ``optax.adam(1e-3)``) and the KL weight.

        Examples:
            >>> import optax
            >>> from probflow import layers
            >>> net = layers.Sequential([layers.Dense(1), layers.NormalHead()])
            >>> net.compile(optax.adam(1e-2), kl_weight=0.5)
            >>> net.kl_weight
            0.5
        """
        optimizer = optax.adam(1e-3) if optimizer is None else optimizer
        if not hasattr(optimizer, "init") or not hasattr(optimizer, "update"):
            raise TypeError(f"Sequential.compile: optimizer must be an optax "
                            f"GradientTransformation, got {optimizer!r}")
        if not (isinstance(kl_weight, int | float) and kl_weight >= 0):
            raise ValueError(f"Sequential.compile: kl_weight must be a number >= 0, got "
                             f"{kl_weight!r}")
        self.optimizer = optimizer
        self.kl_weight = float(kl_weight)
        self.opt_state = None
        self._epoch_fns = {}

    # -- data ---------------------------------------------------------------------------------
    def _prepare_x(self, x: ArrayLike, argument: str = "x") -> Array:
        x = check_inputs(x, argument, self.input_shape)
        if self.input_dtype is not None:
            dtype = self.input_dtype
        elif np.issubdtype(x.dtype, np.floating):
            dtype = jnp.asarray(x[:1]).dtype
        else:
            dtype = np.dtype(np.int32) if self._takes_ids() else jnp.asarray(1.0).dtype
        return jnp.asarray(x, dtype)

    def _takes_ids(self) -> bool:
        return type(self.layers[0]).__name__ == "Embedding"

    def _prepare_y(self, y: ArrayLike, n: int, argument: str = "y",
                   x_argument: str = "x") -> Array:
        head_input = None if self.input_shape is None else self._layer_shapes()[-1][0]
        y = check_targets(y, n, self.head, argument, x_argument, head_input)
        return jnp.asarray(y, self.head.target_dtype(self.dtype))

    def _layer_shapes(self) -> list[tuple[Shape, Any]]:
        """``[(shape, dtype)]`` of one example entering each layer (by abstract evaluation)."""
        cache = self.__dict__.setdefault("_shape_cache", {})
        cache_key = (self.input_shape, str(self.input_dtype))
        if cache_key not in cache:
            assert self.input_shape is not None and self.params is not None  # built
            shape, dtype = tuple(self.input_shape), self.input_dtype
            shapes = [(shape, dtype)]
            for layer, p in zip(self.layers[:-1], self.params[:-1], strict=True):
                spec = jax.ShapeDtypeStruct((1,) + shape, dtype)
                out = jax.eval_shape(lambda p, x, layer=layer: layer.apply(p, x)[0], p,
                                     spec)
                shape, dtype = tuple(out.shape[1:]), out.dtype
                shapes.append((shape, dtype))
            cache[cache_key] = shapes
        return cache[cache_key]

    # -- training -----------------------------------------------------------------------------
    def fit(self, x: ArrayLike, y: ArrayLike, epochs: int = 10, batch_size: int = 32, *,
            key: PRNGKey, validation_data: tuple[ArrayLike, ArrayLike] | None = None,
            callbacks: Sequence[Callback] | None = None, verbose: int = 1,
            validation_samples: int = 20, checkpoint: str | os.PathLike[str] | None = None,
            checkpoint_every: int | None = None,
            resume: str | os.PathLike[str] | bool | None = None) -> History:
        """Train by maximising the ELBO with mini-batches; returns a
        [`History`][probflow.layers.callbacks.History].

        The loss per example is ``NLL_mean + kl_weight * KL / n_train``. Each epoch is one
        compiled ``lax.scan`` over shuffled mini-batches. Targets are checked against the
        head first (shape per example, class labels in range, 0/1, counts).

        When a step's loss or the weights become non-finite, ``fit`` raises
        ``FloatingPointError`` after putting back the last weights whose loss was finite
        (the message says which step). Ctrl-C (``KeyboardInterrupt``) stops training at the
        end of the running epoch: ``net.params`` keep the last completed epoch's weights, a
        ``RuntimeWarning`` says where it stopped, and ``fit`` returns the history so far.

        Args:
            x, y: training inputs ``(n, ...)`` and targets ``(n, ...)``.
            epochs: passes over the data.
            batch_size: examples per gradient step.
            key: JAX PRNG key (keyword).
            validation_data: optional ``(x_val, y_val)``; adds ``val_loss`` (the predictive
                NLL per example, from ``validation_samples`` weight draws), and
                ``val_accuracy`` or ``val_rmse``.
            callbacks: list of [`Callback`][probflow.layers.callbacks.Callback].
            verbose: 0 silent; 1 (default) one progress bar for the run, showing the latest
                epoch's metrics; 2 one line per epoch (as Keras).
            validation_samples: weight draws for the validation metrics.
            checkpoint: path of a checkpoint file for the full training state (weights,
                optimizer state, key, epoch count, history), replaced atomically every
                ``checkpoint_every`` epochs, at the end and on Ctrl-C (see
                [`probflow.layers.checkpoint`][probflow.layers.checkpoint]). An existing file
                is never overwritten by a new run: resume it, or delete it.
            checkpoint_every: epochs between saves (default: the first epoch end a minute
                after the last save; on resume, the run's own setting).
            resume: a checkpoint path: put its state back and continue the run to ``epochs``
                with parameters and history identical to an uninterrupted run. Pass the
                interrupted call's arguments (network, optimizer, data, ``batch_size``,
                ``key``); each is checked, and another one raises a
                [`CheckpointError`][probflow.core.checkpoint.CheckpointError]. The resumed run
                keeps saving (into ``checkpoint``, by default the same file). ``resume=True``
                resumes ``checkpoint`` if that file exists and starts afresh otherwise, so one
                unchanged script line survives being killed and restarted (as Keras's
                ``BackupAndRestore``). Callbacks continue from their saved
                [`get_state`][probflow.layers.callbacks.Callback.get_state] (the built-in
                ones have one; a callback of your own without it starts afresh).

        Examples:
            >>> import jax, optax
            >>> from probflow import layers
            >>> net = layers.Sequential([layers.DenseFlipout(2), layers.CategoricalHead()])
            >>> net.compile(optax.adam(1e-2))
            >>> x = jax.random.normal(jax.random.key(0), (40, 3))
            >>> y = (x[:, 0] > 0).astype(int)
            >>> h = net.fit(x, y, epochs=3, batch_size=20, key=jax.random.key(1),
            ...             validation_data=(x, y), verbose=0)
            >>> sorted(h.history)
            ['kl', 'loss', 'nll', 'val_accuracy', 'val_loss']
        """
        key = as_key(key)
        if isinstance(verbose, bool) or verbose not in (0, 1, 2):
            raise ValueError(f"Sequential.fit: verbose must be 0 (silent), 1 (a progress bar) "
                             f"or 2 (one line per epoch), got {verbose!r}")
        epochs = _positive("Sequential.fit", "epochs", epochs)
        batch_size = _positive("Sequential.fit", "batch_size", batch_size)
        validation_samples = _positive("Sequential.fit", "validation_samples",
                                       validation_samples)
        callbacks = list(callbacks or [])
        for i, cb in enumerate(callbacks):
            if not isinstance(cb, Callback):
                raise TypeError(f"Sequential.fit: callbacks[{i}] must be a pf.layers.Callback, "
                                f"got {cb!r}")
        if self.optimizer is None:
            self.compile()
        user_key = key
        checkpoint, resume = checkpoint_paths("Sequential.fit", checkpoint, checkpoint_every,
                                              resume)
        x_np = check_inputs(x, "x", self.input_shape)
        k_init, key = jax.random.split(key)
        if self.params is None:
            if np.issubdtype(x_np.dtype, np.floating):
                dtype = jnp.asarray(x_np[:1]).dtype
                in_dtype = dtype
            else:
                dtype = jnp.asarray(1.0).dtype
                in_dtype = jnp.int32 if self._takes_ids() else dtype
            self.build(k_init, x_np.shape[1:], dtype, in_dtype)
        xs = self._prepare_x(x_np)
        ys = self._prepare_y(y, xs.shape[0])
        val = None
        if validation_data is not None:
            if not (isinstance(validation_data, tuple | list) and len(validation_data) == 2):
                raise ValueError("Sequential.fit: validation_data must be a pair (x_val, y_val)")
            xv = self._prepare_x(validation_data[0], "validation_data[0]")
            yv = self._prepare_y(validation_data[1], xv.shape[0], "validation_data[1]",
                                 "validation_data[0]")
            val = (xv, yv)
        assert self.optimizer is not None and self.params is not None  # compiled and built
        if self.opt_state is None or resume is not None:
            self.opt_state = self.optimizer.init(self.params)
        if checkpoint is None and resume is None:
            return run_epochs(self, xs, ys, key=key, epochs=epochs, batch_size=batch_size,
                              val=val, callbacks=callbacks, verbose=verbose,
                              validation_samples=validation_samples)
        header = fit_header(self, xs, ys, val, key=user_key, batch_size=batch_size,
                            validation_samples=validation_samples, every=checkpoint_every)
        start, history, stopped, callback_states = 0, None, False, ()
        if resume is not None:
            state = restore_fit_state(resume, self, header, key)
            callback_states = state.callback_states(resume, callbacks)
            self.params, self.opt_state, key = state.params, state.opt_state, state.key
            start, stopped = state.epochs_done, state.stopped
            history = History()
            history.epoch = list(range(start))
            history.history = state.history
            if checkpoint_every is None:
                checkpoint_every = state.every
        path = checkpoint or resume
        assert path is not None  # one of them is set here
        writer = FitCheckpoint(path, header, checkpoint_every, start)
        return run_epochs(self, xs, ys, key=key, epochs=epochs, batch_size=batch_size,
                          val=val, callbacks=callbacks, verbose=verbose,
                          validation_samples=validation_samples, start_epoch=start,
                          history=history, checkpoint=writer, stopped=stopped,
                          callback_states=callback_states)

    def _validation_metrics(self, params: PyTree, x: Array, y: Array, key: PRNGKey,
                            num_samples: int) -> dict[str, float]:
        fn = self._jitted.get(("val", num_samples))
        if fn is None:
            def val_fn(params: PyTree, x: Array, y: Array, key: PRNGKey) -> dict[str, Array]:
                keys = jax.random.split(key, num_samples)
                d = predictive_draws(self, params, x, keys, y)
                nll = -jnp.mean(logmeanexp(d["log_prob"], 0))
                mean = jnp.mean(d["mean"], 0)
                if self.head.is_classifier:
                    pred = (mean > 0.5) if mean.ndim == 1 else jnp.argmax(mean, -1)
                    return {"val_loss": nll,
                            "val_accuracy": jnp.mean(pred == y.reshape(pred.shape))}
                err = mean - y.reshape(mean.shape)
                return {"val_loss": nll, "val_rmse": jnp.sqrt(jnp.mean(jnp.square(err)))}

            fn = self._jitted[("val", num_samples)] = jax.jit(val_fn)
        return {k: float(v) for k, v in fn(params, x, y, key).items()}

    # -- prediction -----------------------------------------------------------------------------
    def _draws(self, x: Array, key: PRNGKey, num_samples: int, y: Array | None = None,
               posterior: az.InferenceData | None = None,
               batch_size: int | None = None) -> dict[str, Array]:
        from probflow.layers.posterior import weights_from_idata

        if posterior is None:
            fn = self._jitted.get(("draws", num_samples, y is None))
            if fn is None:
                def draws_fn(params: PyTree, x: Array, key: PRNGKey, y: Array | None,
                             row_offset: Any) -> dict[str, Array]:
                    keys = jax.random.split(key, num_samples)
                    return predictive_draws(self, params, x, keys, y, row_offset=row_offset)

                fn = self._jitted[("draws", num_samples, y is None)] = jax.jit(draws_fn)
            params = self.params
            return draws_in_chunks(lambda x, y, offset: fn(params, x, key, y, offset), x, y,
                                   batch_size)
        weights = weights_from_idata(self, posterior, num_samples)
        fn = self._jitted.get(("post", y is None))
        if fn is None:
            def post_fn(weights: PyTree, x: Array, key: PRNGKey, y: Array | None,
                        row_offset: Any) -> dict[str, Array]:
                n = jax.tree_util.tree_leaves(weights)[0].shape[0]
                keys = jax.random.split(key, n)
                return predictive_draws(self, None, x, keys, y, weights, row_offset)

            fn = self._jitted[("post", y is None)] = jax.jit(post_fn)
        return draws_in_chunks(lambda x, y, offset: fn(weights, x, key, y, offset), x, y,
                               batch_size)

    def predict(self, x: ArrayLike, num_samples: int = 100, *, key: PRNGKey,
                posterior: az.InferenceData | None = None,
                batch_size: int | None = None) -> Prediction:
        """Posterior predictive summary from ``num_samples`` weight draws.

        Args:
            x: inputs ``(n, ...)``.
            num_samples: weight draws (from the variational surrogate, or evenly thinned
                draws of ``posterior``).
            key: JAX PRNG key (keyword).
            posterior: optional ``InferenceData`` from
                [`sample_posterior`][probflow.layers.sequential.Sequential.sample_posterior] or
                [`fit_sgmcmc`][probflow.layers.sequential.Sequential.fit_sgmcmc]; its weight draws
                replace the surrogate.
            batch_size: rows per compiled call (``None``: all rows, up to 1024). The
                working memory scales with ``batch_size``, and the result does not depend on
                it: each weight draw is shared by all rows, whatever the chunking.

        Returns:
            [`Prediction`][probflow.layers.predict.Prediction] (mean, std, samples, epistemic and
            aleatoric
            variance).

        Examples:
            >>> import jax, jax.numpy as jnp
            >>> from probflow import layers
            >>> net = layers.Sequential([layers.DenseFlipout(1), layers.NormalHead()])
            >>> _ = net.build(jax.random.key(0), (2,))
            >>> p = net.predict(jnp.ones((3, 2)), num_samples=5, key=jax.random.key(1))
            >>> p.samples.shape, p.std.shape
            ((5, 3), (3,))
        """
        self._require_built("predict")
        key = as_key(key)
        num_samples = _positive("Sequential.predict", "num_samples", num_samples)
        batch_size = _batch_size("Sequential.predict", batch_size)
        xs = self._prepare_x(x)
        draws = self._draws(xs, key, num_samples, posterior=posterior, batch_size=batch_size)
        return summarize_draws(draws, self.head.is_classifier)

    def evaluate(self, x: ArrayLike, y: ArrayLike, num_samples: int = 100, *, key: PRNGKey,
                 posterior: az.InferenceData | None = None, interval: float = 0.9,
                 num_bins: int = 15, batch_size: int | None = None) -> dict[str, float]:
        """Predictive metrics on held-out data.

        Returns a dict with ``nll`` (mean negative log predictive density per example) and,
        for classifiers, ``accuracy`` and ``ece`` (expected calibration error, ``num_bins``
        bins); for regression ``rmse``, ``mae`` and ``coverage`` (fraction of targets inside
        the central ``interval`` predictive interval) and ``interval_width``. The targets
        are checked against the head as in [`fit`][probflow.layers.sequential.Sequential.fit];
        ``batch_size`` is as in
        [`predict`][probflow.layers.sequential.Sequential.predict].

        Examples:
            >>> import jax, jax.numpy as jnp
            >>> from probflow import layers
            >>> net = layers.Sequential([layers.DenseFlipout(1), layers.NormalHead()])
            >>> _ = net.build(jax.random.key(0), (2,))
            >>> sorted(net.evaluate(jnp.ones((3, 2)), jnp.zeros(3), 10, key=jax.random.key(1)))
            ['coverage', 'interval_width', 'mae', 'nll', 'rmse']
        """
        self._require_built("evaluate")
        key = as_key(key)
        num_samples = _positive("Sequential.evaluate", "num_samples", num_samples)
        batch_size = _batch_size("Sequential.evaluate", batch_size)
        if not 0.0 < interval < 1.0:
            raise ValueError(f"Sequential.evaluate: interval must be in (0, 1), got "
                             f"{interval!r}")
        xs = self._prepare_x(x)
        ys = self._prepare_y(y, xs.shape[0])
        d = self._draws(xs, key, num_samples, ys, posterior, batch_size)
        nll = float(-jnp.mean(logmeanexp(d["log_prob"], 0)))
        mean = np.asarray(jnp.mean(d["mean"], 0))
        y_np = np.asarray(ys)
        out = {"nll": nll}
        if self.head.is_classifier:
            pred = (mean > 0.5).astype(int) if mean.ndim == 1 else mean.argmax(-1)
            out["accuracy"] = float(np.mean(pred == y_np.reshape(pred.shape)))
            out["ece"] = expected_calibration_error(mean, y_np.reshape(-1), num_bins)
            return out
        y_np = y_np.reshape(mean.shape)
        out["rmse"] = float(np.sqrt(np.mean((mean - y_np) ** 2)))
        out["mae"] = float(np.mean(np.abs(mean - y_np)))
        samples = np.asarray(d["sample"])
        lo, hi = np.quantile(samples, [(1 - interval) / 2, (1 + interval) / 2], axis=0)
        if "cdf" in d:
            out["coverage"] = interval_coverage(d["cdf"], interval)
        else:
            out["coverage"] = float(np.mean((y_np >= lo) & (y_np <= hi)))
        out["interval_width"] = float(np.mean(hi - lo))
        return out

    # -- description and persistence ---------------------------------------------------------
    def summary(self, print_fn: Callable[[str], Any] = print) -> str:
        """Print (and return) a table of layers, output shapes and parameter counts.

        Examples:
            >>> import jax
            >>> from probflow import layers
            >>> net = layers.Sequential([layers.DenseFlipout(4), layers.CategoricalHead()])
            >>> _ = net.build(jax.random.key(0), (3,))
            >>> text = net.summary(print_fn=lambda s: None)
            >>> "Total parameters: 32" in text
            True
        """
        self._require_built("summary")
        assert self.params is not None
        rows = [("Layer", "Output shape", "Parameters")]
        shapes = self._layer_shapes()
        total = 0
        names = [layer.name for layer in self.layers]
        for i, (layer, p) in enumerate(zip(self.layers, self.params, strict=True)):
            count = int(sum(np.size(a) for a in jax.tree_util.tree_leaves(p)))
            total += count
            if layer.is_head:
                out = f"{type(layer).__name__.replace('Head', '')} distribution"
            else:
                out = str((None,) + shapes[i + 1][0])
            name = f"{layer.name}_{i}" if names.count(layer.name) > 1 else layer.name
            rows.append((f"{name} ({type(layer).__name__})", out, str(count)))
        widths = [max(len(r[i]) for r in rows) for i in range(3)]
        lines = [f'Model "{self.name}"']
        line = "-" * (sum(widths) + 4)
        lines.append(line)
        for i, r in enumerate(rows):
            lines.append(f"{r[0]:<{widths[0]}}  {r[1]:<{widths[1]}}  {r[2]:>{widths[2]}}")
            if i == 0:
                lines.append(line)
        lines.append(line)
        lines.append(f"Total parameters: {total}")
        text = "\n".join(lines)
        print_fn(text)
        return text

    def get_config(self) -> dict[str, Any]:
        """JSON-ready architecture description (layers, input shape and dtype)."""
        return {
            "name": self.name,
            "layers": [layer.get_config() for layer in self.layers],
            "input_shape": list(self.input_shape) if self.input_shape is not None else None,
            "input_dtype": str(self.input_dtype) if self.input_dtype is not None else None,
            "kl_weight": self.kl_weight,
        }

    def save(self, path: str | os.PathLike[str]) -> None:
        """Save architecture (JSON) and parameters to an ``.npz`` file (no pickling).

        Examples:
            >>> import jax, os, tempfile
            >>> from probflow import layers
            >>> net = layers.Sequential([layers.DenseFlipout(2), layers.CategoricalHead()])
            >>> _ = net.build(jax.random.key(0), (3,))
            >>> path = os.path.join(tempfile.mkdtemp(), "net.npz")
            >>> net.save(path)
            >>> layers.load(path).summary(print_fn=lambda s: None) == net.summary(lambda s: None)
            True
        """
        from probflow.layers.io import save

        save(self, path)

    # -- MCMC -------------------------------------------------------------------------------
    def sample_posterior(self, x: ArrayLike, y: ArrayLike, *, key: PRNGKey,
                         num_samples: int = 500, num_warmup: int = 500, num_chains: int = 2,
                         kernel: Any = None, **kwargs: Any) -> az.InferenceData:
        """Full-batch MCMC (NUTS by default) over all weights; returns ``InferenceData``.

        See [`probflow.layers.sample_posterior`][probflow.layers.posterior.sample_posterior].
        """
        from probflow.layers.posterior import sample_posterior

        return sample_posterior(self, x, y, key=key, num_samples=num_samples,
                                num_warmup=num_warmup, num_chains=num_chains, kernel=kernel,
                                **kwargs)

    def fit_sgmcmc(self, x: ArrayLike, y: ArrayLike, *, key: PRNGKey,
                   **kwargs: Any) -> az.InferenceData:
        """Stochastic-gradient MCMC (SGLD/SGHMC) over the weights; see
        [`probflow.layers.sample_sgmcmc`][probflow.layers.posterior.sample_sgmcmc]."""
        from probflow.layers.posterior import sample_sgmcmc

        return sample_sgmcmc(self, x, y, key=key, **kwargs)

    def __repr__(self) -> str:
        return f"Sequential({self.layers!r})"

