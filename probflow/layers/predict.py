"""Predictive summaries and evaluation metrics of a trained network.

[`predictive_draws`][probflow.layers.predict.predictive_draws] runs the network once per weight draw
(from the variational
surrogate, or from posterior draws made by MCMC) and collects each draw's predictive mean,
variance, a target sample and, given targets, their log density and CDF.
[`Prediction`][probflow.layers.predict.Prediction]
splits the total predictive variance into its epistemic part (the variance of the per-draw
means) and its aleatoric part (the mean of the per-draw variances).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Self

import jax
import jax.numpy as jnp
import numpy as np

from probflow.core.errors import UnsupportedError
from probflow.core.pytree import Struct, static_field
from probflow.typing import Array, ArrayLike, PyTree

if TYPE_CHECKING:
    from probflow.layers.sequential import Sequential

__all__ = ["Prediction", "expected_calibration_error", "interval_coverage", "predictive_draws",
           "draws_in_chunks", "DEFAULT_BATCH_SIZE"]


class Prediction(Struct):
    """Posterior predictive summary returned by
    [`Sequential.predict`][probflow.layers.sequential.Sequential.predict].

    Attributes:
        mean: predictive mean (for classifiers: class probabilities).
        std: predictive standard deviation (square root of ``variance``).
        variance: ``epistemic_variance + aleatoric_variance``.
        epistemic_variance: variance over weight draws of the per-draw means.
        aleatoric_variance: mean over weight draws of the per-draw variances.
        samples: draws from the predictive distribution, one per weight draw (leading axis).
        mean_samples: the per-draw means (leading axis = weight draws).
        is_classifier: ``True`` for Bernoulli and categorical heads.

    Examples:
        >>> import jax.numpy as jnp
        >>> p = Prediction.from_draws(jnp.asarray([[0.0], [2.0]]), jnp.ones((2, 1)),
        ...                           jnp.zeros((2, 1)))
        >>> float(p.mean[0]), float(p.epistemic_variance[0]), float(p.variance[0])
        (1.0, 1.0, 2.0)
    """

    mean: jax.Array
    std: jax.Array
    variance: jax.Array
    epistemic_variance: jax.Array
    aleatoric_variance: jax.Array
    samples: jax.Array
    mean_samples: jax.Array
    is_classifier: bool = static_field(default=False)

    @classmethod
    def from_draws(cls, means: Array, variances: ArrayLike, samples: Array,
                   is_classifier: bool = False) -> Self:
        """Summarise per-draw means and variances (leading axis = draws)."""
        mean = jnp.mean(means, axis=0)
        epistemic = jnp.var(means, axis=0)
        aleatoric = jnp.mean(variances, axis=0)
        variance = epistemic + aleatoric
        fields = dict(mean=mean, std=jnp.sqrt(variance), variance=variance,
                      epistemic_variance=epistemic, aleatoric_variance=aleatoric,
                      samples=samples, mean_samples=means, is_classifier=is_classifier)
        # Struct's __init__ is generated at class creation (invisible to pyright)
        return cls(**fields)  # pyright: ignore[reportCallIssue]

    @property
    def probs(self) -> Array:
        """Predictive class probabilities (classifiers only)."""
        if not self.is_classifier:
            raise AttributeError("Prediction.probs: only classification heads have class "
                                 "probabilities; use .mean")
        return self.mean

    @property
    def classes(self) -> Array:
        """Most probable class (classifiers only)."""
        p = self.probs
        return (p > 0.5).astype(jnp.int32) if p.ndim == 1 else jnp.argmax(p, axis=-1)

    def interval(self, level: float = 0.9) -> tuple[Array, Array]:
        """Central predictive interval ``(lower, upper)`` from `samples`.

        Examples:
            >>> import jax, jax.numpy as jnp
            >>> s = jax.random.normal(jax.random.key(0), (4000, 1))
            >>> p = Prediction.from_draws(jnp.zeros((2, 1)), jnp.ones((2, 1)), s)
            >>> lo, hi = p.interval(0.9)
            >>> bool(abs(float(hi[0]) - 1.645) < 0.1)
            True
        """
        if not 0.0 < level < 1.0:
            raise ValueError(f"Prediction.interval: level must be in (0, 1), got {level!r}")
        q = jnp.quantile(self.samples, jnp.asarray([(1 - level) / 2, (1 + level) / 2]), axis=0)
        return q[0], q[1]


def predictive_draws(net: Sequential, params: PyTree, x: Array, keys: Array,
                     y: Array | None = None, weights: PyTree | None = None,
                     row_offset: ArrayLike = 0) -> dict[str, Array]:
    """Per-draw moments, a target sample and (given ``y``) log densities and CDF values.

    Runs under ``jit``; draws are mapped in chunks of 16 to bound memory (padded, so the
    chunk body compiles once). With ``weights`` (a PyTree with a leading draw axis, from
    MCMC) the network uses those weights; otherwise it samples from the variational
    surrogate with ``keys``.

    Rows are independent: each draw's weight noise (Flipout's sign flips and the local
    reparameterization's noise included) is shared by all rows, and the noise of the target
    sample of row ``i`` comes from ``fold_in(key, row_offset + i)``. So a draw is one network
    applied to every row, and predicting rows in chunks (``row_offset`` = the chunk's first
    row) gives the same numbers as predicting them at once.

    Examples:
        >>> import jax, jax.numpy as jnp
        >>> from probflow import layers
        >>> net = layers.Sequential([layers.DenseFlipout(1), layers.NormalHead()])
        >>> params = net.init(jax.random.key(0), (2,))
        >>> keys = jax.random.split(jax.random.key(1), 3)
        >>> x = jax.random.normal(jax.random.key(2), (4, 2))
        >>> whole = predictive_draws(net, params, x, keys)["sample"]
        >>> whole.shape
        (3, 4)
        >>> tail = predictive_draws(net, params, x[2:], keys, row_offset=2)["sample"]
        >>> bool(jnp.allclose(whole[:, 2:], tail))
        True
    """
    head = net.head

    def one(args: tuple[Array, PyTree]) -> dict[str, Array]:
        key, w = args
        k_net, k_y = jax.random.split(key)

        def row(x_row: Array, y_row: Array | None, index: Array) -> dict[str, Array]:
            if w is None:
                dist, _ = net.apply(params, x_row[None], key=k_net)
            else:
                dist = net.apply_weights(w, x_row[None], key=k_net)
            mean, var = head.moments(dist)
            sample = head.sample(jax.random.fold_in(k_y, index), dist)
            out = {"mean": mean[0], "var": var[0], "sample": sample[0]}
            if y_row is not None:
                yy = y_row[None].reshape(dist.batch_shape)
                lp = dist.log_prob(yy)
                out["log_prob"] = lp.reshape(-1).sum()
                if not head.is_classifier:
                    try:
                        out["cdf"] = dist.cdf(yy)[0]
                    except (UnsupportedError, NotImplementedError):
                        pass
            return out

        rows = jnp.asarray(row_offset, jnp.uint32) + jnp.arange(x.shape[0], dtype=jnp.uint32)
        return jax.vmap(row, in_axes=(0, None if y is None else 0, 0))(x, y, rows)

    # Pad the draws to a multiple of the chunk so the mapped body compiles once.
    n = keys.shape[0]
    chunk = min(16, n)
    pad = -n % chunk
    if pad:
        keys = jnp.concatenate([keys, keys[:pad]])
        if weights is not None:
            weights = jax.tree_util.tree_map(lambda w: jnp.concatenate([w, w[:pad]]), weights)
    out = jax.lax.map(one, (keys, weights), batch_size=chunk)
    return jax.tree_util.tree_map(lambda a: a[:n], out)


DEFAULT_BATCH_SIZE = 1024


def draws_in_chunks(draw_fn: Callable[[Array, Array | None, int], dict[str, Array]], x: Array,
                    y: Array | None = None, batch_size: int | None = None) -> dict[str, Array]:
    """Run ``draw_fn(x_rows, y_rows, row_offset)`` over chunks of rows; join the draws.

    Every chunk has ``batch_size`` rows (``None``: all rows up to
    [`DEFAULT_BATCH_SIZE`][probflow.layers.predict.DEFAULT_BATCH_SIZE]), the last one padded by
    repeating its final row and cut
    back afterwards, so a jitted ``draw_fn`` compiles once and its working memory scales
    with ``batch_size`` rather than with the number of rows. The outputs of
    [`predictive_draws`][probflow.layers.predict.predictive_draws] have rows on axis 1, where the
    chunks are joined.

    Examples:
        >>> import jax.numpy as jnp
        >>> def draw_fn(x, y, offset):  # one "draw": each row's global index
        ...     return {"row": (offset + jnp.arange(x.shape[0]))[None]}
        >>> draws_in_chunks(draw_fn, jnp.zeros((5, 1)), batch_size=2)["row"].tolist()
        [[0, 1, 2, 3, 4]]
    """
    n = x.shape[0]
    chunk = min(n, DEFAULT_BATCH_SIZE if batch_size is None else batch_size)
    if chunk == n:
        return draw_fn(x, y, 0)
    parts = []
    for begin in range(0, n, chunk):
        rows = min(chunk, n - begin)
        pick = jnp.minimum(jnp.arange(begin, begin + chunk), n - 1)
        out = draw_fn(x[pick], None if y is None else y[pick], begin)
        parts.append(jax.tree_util.tree_map(lambda a, r=rows: a[:, :r], out))
    return jax.tree_util.tree_map(lambda *a: jnp.concatenate(a, axis=1), *parts)


def expected_calibration_error(probs: ArrayLike, labels: ArrayLike, num_bins: int = 15) -> float:
    """Expected calibration error of the top-class confidence (equal-width bins).

    Args:
        probs: ``(n, K)`` class probabilities, or ``(n,)`` probabilities of class 1.
        labels: ``(n,)`` integer labels.
        num_bins: number of confidence bins on [0, 1].

    Examples:
        >>> import numpy as np
        >>> probs = np.asarray([[0.9, 0.1], [0.8, 0.2], [0.3, 0.7]])
        >>> round(expected_calibration_error(probs, np.asarray([0, 1, 1])), 3)
        0.4
    """
    probs = np.asarray(probs, np.float64)
    labels = np.asarray(labels).reshape(-1).astype(int)
    if probs.ndim == 1:
        probs = np.stack([1 - probs, probs], axis=-1)
    conf = probs.max(-1)
    correct = (probs.argmax(-1) == labels).astype(np.float64)
    edges = np.linspace(0.0, 1.0, num_bins + 1)
    which = np.clip(np.digitize(conf, edges[1:-1], right=True), 0, num_bins - 1)
    ece = 0.0
    for b in range(num_bins):
        m = which == b
        if m.any():
            ece += m.mean() * abs(correct[m].mean() - conf[m].mean())
    return float(ece)


def interval_coverage(cdf_values: ArrayLike, level: float = 0.9) -> float:
    """Fraction of targets inside the central ``level`` predictive interval.

    ``cdf_values``: per-draw predictive CDFs at the targets (leading axis = draws). The
    predictive distribution is their mixture, so a target lies inside the central interval
    when the mixture CDF is within ``((1 - level) / 2, (1 + level) / 2)``.

    Examples:
        >>> import numpy as np
        >>> interval_coverage(np.asarray([[0.5, 0.99, 0.2]]), 0.9)
        0.6666666666666666
    """
    f = np.asarray(cdf_values, np.float64).mean(0)
    lo, hi = (1 - level) / 2, (1 + level) / 2
    return float(np.mean((f > lo) & (f < hi)))


def summarize_draws(draws: dict[str, Array], is_classifier: bool) -> Prediction:
    """[`Prediction`][probflow.layers.predict.Prediction] from
    [`predictive_draws`][probflow.layers.predict.predictive_draws]' output.

    Examples:
        >>> import jax.numpy as jnp
        >>> d = {"mean": jnp.zeros((2, 3)), "var": jnp.ones((2, 3)), "sample": jnp.zeros((2, 3))}
        >>> summarize_draws(d, False).std.tolist()
        [1.0, 1.0, 1.0]
    """
    return Prediction.from_draws(draws["mean"], draws["var"], draws["sample"], is_classifier)


def logmeanexp(a: ArrayLike, axis: int = 0) -> Array:
    """``log(mean(exp(a)))`` along ``axis``, stably.

    Examples:
        >>> import jax.numpy as jnp
        >>> float(logmeanexp(jnp.log(jnp.asarray([1.0, 3.0]))))  # doctest: +ELLIPSIS
        0.693...
    """
    a = jnp.asarray(a)
    return jax.scipy.special.logsumexp(a, axis=axis) - jnp.log(a.shape[axis])
