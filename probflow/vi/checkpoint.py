"""Checkpoints of [`pf.vi.fit`][probflow.vi.fit.fit]: the optimisation state in one atomically
replaced ``.npz`` file, and the checks that let a run resume exactly.

``pf.vi.fit(posterior, key=key, ..., checkpoint="vi.ckpt")`` writes, after the compiled chunk
that ends at least ``checkpoint_every`` steps after the last save (default: a minute after
it), at the end and when Ctrl-C stops the run, one file with

- the loop state: the guide's parameters (last iterate), the optimizer state, the steps done,
  the minibatch permutation of the current epoch, and the running sum of the averaged
  iterates (``state/<i>``, leaf by leaf with
  [`tree_to_arrays`][probflow.core.checkpoint.tree_to_arrays]);
- the losses so far (``losses``);
- a JSON header: format version, probflow and JAX versions, precision, the latent and observed
  names, a digest of the posterior's arrays (model parameters and data), the guide and its
  parameters' shapes, the ELBO settings, the minibatch plan, ``num_steps``, ``tol`` and
  ``average``, a digest of the key, the optimizer state's structure and an optimizer probe
  ([`optimizer_probe`][probflow.core.fingerprints.optimizer_probe]), and the host's record
  (windowed mean losses, convergence, the planned end and where averaging starts).

``pf.vi.fit(..., resume="vi.ckpt")`` (the same call otherwise) checks every entry, puts the
state back and continues from the next chunk. Step ``t`` uses ``fold_in(key, t)`` and the
chunks are those of the uninterrupted run, so the result (parameters, losses, convergence,
k-hat) is identical to it.
"""

from __future__ import annotations

import os
import time
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import jax
import numpy as np
import optax

import probflow
from probflow.core.checkpoint import (
    CheckpointError,
    arrays_to_tree,
    load_arrays,
    save_arrays,
    tree_to_arrays,
)
from probflow.core.fingerprints import PROBE_RTOL, digest, key_digest, optimizer_probe
from probflow.typing import ArrayLike, PRNGKey, PyTree

if TYPE_CHECKING:
    from probflow.models.posterior import Posterior
    from probflow.vi.elbo import ELBOConfig
    from probflow.vi.guides import Guide
    from probflow.vi.loop import _LoopState
    from probflow.vi.minibatch import MinibatchPlan

__all__ = ["VI_FORMAT", "VI_VERSION", "DEFAULT_SECONDS", "VICheckpoint", "VIRunState",
           "run_header", "restore_run"]

VI_FORMAT = "probflow.vi.fit"
VI_VERSION = 1
DEFAULT_SECONDS = 60.0


def _numeric_leaves(tree: PyTree) -> list[np.ndarray]:
    out = []
    for leaf in jax.tree_util.tree_leaves(tree):
        value = np.asarray(leaf)
        if value.dtype != object:
            out.append(value)
    return out


def run_header(posterior: Posterior, guide: Guide, optimizer: optax.GradientTransformation,
               elbo: ELBOConfig, plan: MinibatchPlan | None, params: PyTree, *, key: PRNGKey,
               num_steps: int, tol: float | None, average: float,
               every: int | None) -> dict[str, Any]:
    """The JSON header describing one ``fit`` run (its checkpoint's identity).

    Examples:
        >>> import jax, jax.numpy as jnp, optax
        >>> import probflow as pf
        >>> from probflow import distributions as pfd
        >>> @pf.model
        ... def m():
        ...     yield pfd.Normal(0.0, 1.0, name="mu")
        >>> guide = pf.vi.MeanField()
        >>> params = guide.init(None, jnp.zeros(1))
        >>> h = run_header(m().condition(), guide, optax.adam(1e-2), pf.vi.ELBOConfig(), None,
        ...                params, key=jax.random.key(0), num_steps=100, tol=None,
        ...                average=0.5, every=10)
        >>> h["format"], h["guide"], h["latent_names"]
        ('probflow.vi.fit', 'meanfield', ['mu'])
    """
    return {
        "format": VI_FORMAT,
        "version": VI_VERSION,
        "probflow_version": probflow.__version__,
        "jax_version": jax.__version__,
        "x64": bool(jax.config.jax_enable_x64),  # pyright: ignore[reportAttributeAccessIssue]
        "latent_names": list(posterior.latent_names),
        "observed_names": list(posterior.observed_names),
        "posterior_digest": digest(*_numeric_leaves(posterior)),
        "guide": guide.name,
        "guide_class": type(guide).__qualname__,
        "guide_params": [[list(np.shape(x)), str(np.asarray(x).dtype)]
                         for x in jax.tree_util.tree_leaves(params)],
        "elbo": list(elbo),
        "plan": None if plan is None else [plan.num_rows, plan.batch_size,
                                           list(plan.observed)],
        "num_steps": int(num_steps),
        "tol": tol,
        "average": float(average),
        "key": key_digest(key),
        "optimizer_structure": str(jax.tree_util.tree_structure(optimizer.init(params))),
        "every": every,
        "steps_done": 0,
    }


class VIRunState:
    """What [`restore_run`][probflow.vi.checkpoint.restore_run] reads back: the loop state and
    the host's record of the run.

    Attributes:
        state: the loop state (``probflow.vi.loop``'s ``_LoopState``).
        losses: the losses of the steps done (numpy).
        window_means: the windowed mean losses (one per chunk).
        converged: whether the convergence rule has fired.
        total: the step the run ends at (earlier than ``num_steps`` once converged).
        average_start: the first averaged step.
        every: the run's ``checkpoint_every``.

    Examples:
        >>> VIRunState(None, np.zeros(3), [1.0], False, 100, 50, None).total
        100
    """

    def __init__(self, state: _LoopState, losses: np.ndarray, window_means: Sequence[float],
                 converged: bool, total: int, average_start: int, every: int | None):
        self.state, self.losses, self.window_means = state, losses, list(window_means)
        self.converged, self.total, self.average_start = converged, total, average_start
        self.every = every


class VICheckpoint:
    """Writes the state of one ``fit`` run to ``path`` (see the module docs).

    Args:
        path: the checkpoint file.
        header: from [`run_header`][probflow.vi.checkpoint.run_header].
        every: save after the chunk that ends at least ``every`` steps after the last save;
            ``None``: ``DEFAULT_SECONDS`` after it.
        saved_steps: steps already in the file (when resuming).

    Examples:
        >>> import os, tempfile, jax
        >>> import probflow as pf
        >>> from probflow import distributions as pfd
        >>> from probflow.core.checkpoint import load_arrays
        >>> @pf.model
        ... def m():
        ...     yield pfd.Normal(0.0, 1.0, name="mu")
        >>> path = os.path.join(tempfile.mkdtemp(), "vi.ckpt")
        >>> fit = pf.vi.fit(m().condition(), key=jax.random.key(0), num_steps=80, tol=None,
        ...                 progress_bar=False, checkpoint=path, checkpoint_every=20)
        >>> load_arrays(path, VI_FORMAT, VI_VERSION)[0]["steps_done"]
        80
    """

    def __init__(self, path: str | os.PathLike[str], header: dict[str, Any], every: int | None,
                 saved_steps: int = 0):
        self.path = os.fspath(path)
        self.header = dict(header, every=every)
        self.every = every
        self.saved_steps = int(saved_steps)
        self.last_save = time.monotonic()

    def due(self, steps_done: int) -> bool:
        """Whether a save is due after ``steps_done`` steps."""
        if self.every is None:
            return time.monotonic() - self.last_save >= DEFAULT_SECONDS
        return steps_done - self.saved_steps >= self.every

    def save(self, optimizer: optax.GradientTransformation, state: _LoopState, losses: ArrayLike,
             window_means: Sequence[float], converged: bool, total: int,
             average_start: int) -> None:
        """Replace the file atomically with the loop state ``state`` and the host's record."""
        state = jax.device_get(state)
        arrays, leaves = tree_to_arrays("state/", state)
        arrays["losses"] = np.asarray(losses)
        probe = optimizer_probe(optimizer, state.params, state.opt_state)
        if probe is not None:
            arrays["optimizer_probe"] = probe
        steps = int(state.step)
        header = dict(self.header, steps_done=steps, converged=bool(converged),
                      total=int(total), average_start=int(average_start),
                      window_means=[float(m) for m in window_means], state_leaves=leaves,
                      saved_at=time.time())
        save_arrays(self.path, header, arrays)
        self.header = header
        self.saved_steps = steps
        self.last_save = time.monotonic()


def restore_run(path: str | os.PathLike[str], expected: dict[str, Any],
                optimizer: optax.GradientTransformation,
                state_template: _LoopState) -> VIRunState:
    """Read ``path`` and check it against the run described by ``expected`` (a
    [`run_header`][probflow.vi.checkpoint.run_header]); ``state_template`` is a fresh loop
    state of the run.

    Raises:
        FileNotFoundError: no file at ``path``.
        probflow.core.checkpoint.CheckpointError: a damaged file, another format or probflow
            version, precision, model or data, guide, ELBO settings, minibatches, run length,
            key or optimizer.

    Examples:
        >>> import os, tempfile, jax, jax.numpy as jnp
        >>> import probflow as pf
        >>> from probflow import distributions as pfd
        >>> @pf.model
        ... def m():
        ...     mu = yield pfd.Normal(0.0, 1.0, name="mu")
        ...     yield pfd.Normal(jnp.full(3, mu), 1.0, name="y")
        >>> path = os.path.join(tempfile.mkdtemp(), "vi.ckpt")
        >>> _ = pf.vi.fit(m().condition(y=jnp.zeros(3)), key=jax.random.key(0), num_steps=40,
        ...               progress_bar=False, checkpoint=path)
        >>> pf.vi.fit(m().condition(y=jnp.ones(3)), key=jax.random.key(0), num_steps=40,
        ...           progress_bar=False, resume=path)
        Traceback (most recent call last):
        ...
        probflow.core.checkpoint.CheckpointError: ...another posterior...
    """
    path = os.fspath(path)
    header, arrays = load_arrays(path, VI_FORMAT, VI_VERSION)
    checks = [
        ("probflow_version", "probflow", "resume with the version that wrote it"),
        ("x64", "jax_enable_x64 =", "set it as the run had it"),
        ("latent_names", "the latent variables", "pass the run's posterior"),
        ("observed_names", "the observed variables", "pass the run's posterior"),
        ("guide", "the guide", "pass the run's guide"),
        ("guide_class", "a guide of class", "pass the run's guide"),
        ("guide_params", "guide parameters of [shape, dtype]", "pass the run's guide and its "
         "options"),
        ("elbo", "the ELBO settings [num_particles, objective, entropy, stick_the_landing]",
         "pass the run's num_particles, objective, entropy and stick_the_landing"),
        ("plan", "minibatches [rows, batch_size, observed]", "pass the run's data= and "
         "batch_size="),
        ("num_steps", "num_steps =", "the chunks, windows and averaging depend on it"),
        ("tol", "tol =", "pass the run's tol"),
        ("average", "average =", "pass the run's average"),
    ]
    for name, what, hint in checks:
        if header.get(name) != expected[name]:
            raise CheckpointError(f"{path}: the run had {what} {header.get(name)!r}, this "
                                  f"call has {expected[name]!r}; {hint}")
    if header.get("posterior_digest") != expected["posterior_digest"]:
        raise CheckpointError(f"{path}: written for another posterior (same variables, other "
                              f"data or model parameters); pass the run's posterior")
    if header.get("key") != expected["key"]:
        raise CheckpointError(f"{path}: the run was started with another key; pass fit the "
                              f"same key= as the interrupted call")
    if header.get("optimizer_structure") != expected["optimizer_structure"]:
        raise CheckpointError(f"{path}: written with another optimizer: its state is "
                              f"{header.get('optimizer_structure')}, this optimizer's is "
                              f"{expected['optimizer_structure']}; pass the run's optimizer")
    state = arrays_to_tree("state/", arrays, state_template, path, header.get("state_leaves"))
    if "optimizer_probe" in arrays:
        probe = optimizer_probe(optimizer, state.params, state.opt_state)
        saved = arrays["optimizer_probe"]
        if probe is None or probe.shape != saved.shape or not np.allclose(
                probe, saved, rtol=PROBE_RTOL, atol=0.0):
            raise CheckpointError(f"{path}: written with another optimizer (same state "
                                  f"structure, other settings such as the learning rate); "
                                  f"pass the run's optimizer")
    done = int(header["steps_done"])
    losses = arrays.get("losses")
    if losses is None or losses.shape != (done,):
        raise CheckpointError(f"{path}: the losses are missing or of the wrong length "
                              f"(expected {done} steps)")
    return VIRunState(state, losses, header["window_means"], bool(header["converged"]),
                      int(header["total"]), int(header["average_start"]), header.get("every"))
