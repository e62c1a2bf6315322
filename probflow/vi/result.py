"""``VIResult`` (what [`fit`][probflow.vi.fit.fit] returns) and ``NonFiniteLossError``."""

from __future__ import annotations

import functools
import warnings
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import jax
import jax.numpy as jnp
import numpy as np

from probflow.core.checks import check_count
from probflow.core.keys import as_typed_key
from probflow.core.pytree import Struct, static_field
from probflow.models.inference_data import to_inference_data
from probflow.typing import Array, PRNGKey, PyTree
from probflow.vi.psis import ImportanceDraws, log_importance_ratios, psis
from probflow.vi.surrogate import Surrogate

if TYPE_CHECKING:
    import arviz as az
    import optax

    from probflow.models.posterior import Posterior
    from probflow.vi.elbo import ELBOConfig
    from probflow.vi.guides import Guide
    from probflow.vi.minibatch import MinibatchPlan

__all__ = ["VIResult", "NonFiniteLossError", "FitWarning", "LOG_LIKELIHOOD_LIMIT"]

LOG_LIKELIHOOD_LIMIT = 100_000_000  # numbers in the pointwise log likelihood (800 MB in float64)


class NonFiniteLossError(FloatingPointError, ValueError):
    """The loss or its gradient became NaN/inf during [`fit`][probflow.vi.fit.fit].

    Attributes:
        step: the step (counted from 0 within the call) whose loss or gradient was not finite.
        loss: that loss value.
        last_params: the guide's parameters at which the last finite loss was evaluated
            (the step before); pass them back with ``fit(..., init_params=err.last_params)``
            and a smaller learning rate.

    Examples:
        >>> import probflow as pf
        >>> issubclass(pf.vi.NonFiniteLossError, FloatingPointError)
        True
    """

    def __init__(self, message: str, *, step: int, loss: float, last_params: PyTree):
        super().__init__(message)
        self.step = step
        self.loss = loss
        self.last_params = last_params


class FitWarning(UserWarning):
    """A fit ran to its end but its result is suspect: the loss diverged, or it was interrupted.

    [`fit`][probflow.vi.fit.fit] warns when the loss ends far above where it started (the
    optimisation climbed instead of descending: a negative or missing learning rate, or one
    much too large) and when Ctrl-C stopped it early (the result then holds the steps done).

    Examples:
        >>> import warnings
        >>> import probflow as pf
        >>> issubclass(pf.vi.FitWarning, UserWarning)
        True
        >>> with warnings.catch_warnings():
        ...     warnings.simplefilter("error", pf.vi.FitWarning)  # make them errors
        ...     warnings.warn("the loss diverged", pf.vi.FitWarning)
        Traceback (most recent call last):
        ...
        probflow.vi.result.FitWarning: the loss diverged
    """


@functools.partial(jax.jit, static_argnums=2)
def _draw(surrogate: Surrogate, key: PRNGKey, num_samples: int) -> dict[str, Array]:
    return surrogate.sample(key, (num_samples,), include_deterministic=True)


@jax.jit
def _constrain_vectors(posterior: Posterior, vectors: Array) -> dict[str, Array]:
    def one(v: Array) -> dict[str, Array]:
        return posterior.constrain(posterior.unflatten(v), True)

    return jax.lax.map(one, vectors, batch_size=256)


class VIResult(Struct):
    """The result of [`fit`][probflow.vi.fit.fit] or [`laplace`][probflow.vi.laplace.laplace]
    (immutable PyTree).

    Attributes:
        posterior: the fitted [`Posterior`][probflow.models.posterior.Posterior] (with the full
            data).
        params: the guide's final parameters (continue with ``fit(..., init_params=...)``).
        opt_state: the optimizer's final state (used by
            [`resume`][probflow.vi.result.VIResult.resume]).
        losses: negative ELBO estimate at every step (for ``"map"`` the negative log
            density; for [`laplace`][probflow.vi.laplace.laplace] that of the mode search).
        guide: the [`Guide`][probflow.vi.guides.Guide].
        optimizer, elbo, plan: the settings [`resume`][probflow.vi.result.VIResult.resume] reuses.
        converged: whether the convergence rule (``tol``) stopped the run early.
        interrupted: whether Ctrl-C (``KeyboardInterrupt``) stopped the run early; the
            parameters and losses are then those of the steps done.
        last_params: the last iterate of the optimiser (``params`` is the mean of the
            iterates over the last part of the run; see ``fit``'s ``average``); a resumed run
            continues from here. ``None`` when ``params`` is the last iterate.
        num_averaged: how many iterates were averaged into ``params`` (0: the last iterate).
        khat: the Pareto k-hat of the importance ratios posterior/approximation (Yao et al.
            2018), from ``fit``'s ``num_psis_draws`` draws; below 0.5 the approximation is
            good, 0.5-0.7 usable with importance resampling, above 0.7 not reliable (``fit``
            warns). ``nan`` when not computed (``num_psis_draws=0``, or the ``"map"`` guide).
        importance_resample: the default of ``sample``'s option of that name (true for
            [`pathfinder`][probflow.vi.pathfinder.pathfinder], whose draws are resampled).

    Examples:
        >>> import jax, jax.numpy as jnp, optax
        >>> import probflow as pf
        >>> from probflow import distributions as pfd
        >>> @pf.model
        ... def m():
        ...     mu = yield pfd.Normal(0.0, 10.0, name="mu")
        ...     yield pfd.Normal(jnp.full(20, mu), 1.0, name="y")
        >>> post = m().condition(y=jnp.full(20, 3.0))
        >>> fit = pf.vi.fit(post, key=jax.random.key(0), num_steps=500,
        ...                 optimizer=optax.adam(0.05), progress_bar=False)
        >>> fit.losses.shape
        (500,)
        >>> bool(abs(float(fit.surrogate.flat.mean()[0]) - 3.0) < 0.1)
        True
        >>> more = fit.resume(100, key=jax.random.key(1), progress_bar=False)
        >>> more.losses.shape
        (600,)
    """

    posterior: Posterior
    params: PyTree
    opt_state: PyTree
    losses: np.ndarray
    guide: Guide = static_field(default=None)
    optimizer: optax.GradientTransformation | None = static_field(default=None)
    elbo: ELBOConfig = static_field(default=None)
    plan: MinibatchPlan | None = static_field(default=None)
    converged: bool = static_field(default=False)
    interrupted: bool = static_field(default=False)
    last_params: PyTree = None
    num_averaged: int = static_field(default=0)
    khat: float = static_field(default=float("nan"))
    importance_resample: bool = static_field(default=False)

    @property
    def surrogate(self) -> Surrogate:
        """The fitted distribution over the constrained latents
        ([`Surrogate`][probflow.vi.surrogate.Surrogate])."""
        return Surrogate(self.posterior, self.guide.distribution(self.params))  # pyright: ignore[reportCallIssue]

    @property
    def num_steps(self) -> int:
        """Optimisation steps taken so far."""
        return int(np.shape(self.losses)[0])

    def importance_draws(self, key: PRNGKey, num_draws: int = 4000) -> ImportanceDraws:
        """Draws from the approximation with Pareto-smoothed importance weights (PSIS).

        Weighted by ``log_weights``, the draws estimate posterior expectations more accurately
        than the approximation alone when ``khat`` is below 0.7 (see
        [`expectation`][probflow.vi.result.VIResult.expectation]).

        Examples:
            >>> import jax, jax.numpy as jnp
            >>> import probflow as pf
            >>> from probflow import distributions as pfd
            >>> @pf.model
            ... def m():
            ...     mu = yield pfd.Normal(0.0, 1.0, name="mu")
            ...     yield pfd.Normal(jnp.full(5, mu), 1.0, name="y")
            >>> fit = pf.vi.fit(m().condition(y=jnp.zeros(5)), key=jax.random.key(0),
            ...                 num_steps=300, progress_bar=False)
            >>> draws = fit.importance_draws(jax.random.key(1), 500)
            >>> draws.vectors.shape, draws.log_weights.shape, bool(draws.khat < 0.7)
            ((500, 1), (500,), True)
        """
        key = as_typed_key(key)
        num_draws = check_count("importance_draws", "num_draws", num_draws)
        vectors, log_ratios = log_importance_ratios(self.posterior, self.surrogate.flat,
                                                    key=key, num_draws=num_draws)
        log_weights, khat = psis(np.asarray(log_ratios))
        return ImportanceDraws(np.asarray(vectors), log_weights, khat)

    def expectation(self, fn: Callable[[dict[str, Array]], PyTree], *, key: PRNGKey,
                    num_draws: int = 4000) -> PyTree:
        """The PSIS-weighted estimate of ``E[fn(latents)]`` under the posterior.

        ``fn`` takes the dict of constrained latents (and deterministics) of one draw and
        returns an array (or PyTree of arrays); the weights correct the approximation
        towards the posterior (reliable when ``khat`` is below 0.7).

        Examples:
            >>> import jax, jax.numpy as jnp, optax
            >>> import probflow as pf
            >>> from probflow import distributions as pfd
            >>> @pf.model
            ... def m():
            ...     mu = yield pfd.Normal(0.0, 1.0, name="mu")
            ...     yield pfd.Normal(jnp.full(4, mu), 1.0, name="y")
            >>> fit = pf.vi.fit(m().condition(y=jnp.ones(4)), key=jax.random.key(0),
            ...                 num_steps=1000, optimizer=optax.adam(0.05), progress_bar=False)
            >>> mean = fit.expectation(lambda d: d["mu"], key=jax.random.key(1))
            >>> bool(abs(float(mean) - 0.8) < 0.05)
            True
        """
        draws = self.importance_draws(key, num_draws)
        weights = jnp.asarray(np.exp(draws.log_weights))
        latents = _constrain_vectors(self.posterior, jnp.asarray(draws.vectors))
        values = jax.vmap(fn)(latents)
        return jax.tree_util.tree_map(
            lambda v: jnp.tensordot(weights.astype(v.dtype), v, axes=1), values)

    def sample(self, key: PRNGKey, num_samples: int = 1000, *,
               log_likelihood: bool | None = None, importance_resample: bool | None = None,
               num_proposals: int | None = None) -> az.InferenceData:
        """Draws from the surrogate as ``arviz.InferenceData`` (one chain of ``num_samples``).

        The ``posterior`` group holds the constrained latents and the deterministics. The
        ``log_likelihood`` group (pointwise, for ``az.loo``) has ``num_samples`` times the
        number of observations; by default (``None``) it is added unless that exceeds
        ``LOG_LIKELIHOOD_LIMIT`` numbers (then with a warning); ``True`` or ``False`` decide.

        With ``importance_resample=True`` (default: the result's ``importance_resample``,
        false for ``fit``, true for ``pathfinder``) the draws are resampled (with replacement) from
        ``num_proposals`` draws of the approximation (default ``4 * num_samples``) in
        proportion to their Pareto-smoothed importance weights, which moves them towards the
        posterior (sampling importance resampling; useful when k-hat is below 0.7, and the
        resampled draws repeat some proposals). The k-hat of the proposals is in
        ``idata.posterior.attrs["khat"]`` (the fit's own ``khat`` otherwise).

        Examples:
            >>> import jax, jax.numpy as jnp
            >>> import probflow as pf
            >>> from probflow import distributions as pfd
            >>> @pf.model
            ... def m():
            ...     mu = yield pfd.Normal(0.0, 1.0, name="mu")
            ...     yield pfd.Normal(jnp.full(5, mu), 1.0, name="y")
            >>> fit = pf.vi.fit(m().condition(y=jnp.zeros(5)), key=jax.random.key(0),
            ...                 num_steps=50, progress_bar=False)
            >>> idata = fit.sample(jax.random.key(1), 100)
            >>> idata.posterior["mu"].shape, idata.log_likelihood["y"].shape
            ((1, 100), (1, 100, 5))
        """
        key = as_typed_key(key)
        num_samples = check_count("sample", "num_samples", num_samples)
        khat = self.khat
        if importance_resample is None:
            importance_resample = self.importance_resample
        if importance_resample:
            num_proposals = check_count("sample", "num_proposals",
                                        4 * num_samples if num_proposals is None
                                        else num_proposals)
            key_draws, key_pick = jax.random.split(key)
            proposals = self.importance_draws(key_draws, num_proposals)
            khat = proposals.khat
            picks = jax.random.choice(key_pick, num_proposals, (num_samples,),
                                      p=jnp.asarray(np.exp(proposals.log_weights)))
            draws = _constrain_vectors(self.posterior,
                                       jnp.asarray(proposals.vectors)[np.asarray(picks)])
        else:
            draws = _draw(self.surrogate, key, num_samples)
        draws = {k: np.asarray(v)[None] for k, v in draws.items()}
        if log_likelihood is None:
            size = int(num_samples) * sum(int(np.size(v)) for v in self.posterior.data.values())
            log_likelihood = size <= LOG_LIKELIHOOD_LIMIT
            if not log_likelihood:
                warnings.warn(
                    f"sample: the pointwise log likelihood would hold {size:,} numbers (more "
                    f"than {LOG_LIKELIHOOD_LIMIT:,}); it is left out. Pass log_likelihood=True "
                    f"to compute it anyway, or draw fewer samples", stacklevel=2)
        has_observed = bool(self.posterior.observed_names)
        return to_inference_data(
            self.posterior,
            draws=draws,
            log_likelihood=True if (log_likelihood and has_observed) else None,
            attrs={"inference_library": "probflow", "inference": "vi",
                   "guide": self.guide.name, "khat": float(khat),
                   "importance_resampled": int(bool(importance_resample))},
        )

    def to_inference_data(self, key: PRNGKey | None = None,
                          num_samples: int = 1000) -> az.InferenceData:
        """``sample(key, num_samples)`` with a fixed default key (``jax.random.key(0)``): what
        ``pf.summary(fit)`` summarises.

        Examples:
            >>> import jax, jax.numpy as jnp
            >>> import probflow as pf
            >>> from probflow import distributions as pfd
            >>> @pf.model
            ... def m():
            ...     yield pfd.Normal(0.0, 1.0, name="mu")
            >>> fit = pf.vi.fit(m().condition(), key=jax.random.key(0), num_steps=50,
            ...                 progress_bar=False)
            >>> fit.to_inference_data(num_samples=10).posterior["mu"].shape
            (1, 10)
        """
        key = jax.random.key(0) if key is None else key
        return self.sample(key, num_samples)

    def resume(self, num_steps: int, *, key: PRNGKey, progress_bar: bool = True,
               **options: Any) -> VIResult:
        """Continue the optimisation for ``num_steps`` more steps (optimizer state kept).

        The run starts from the last iterate (``last_params``); the losses of the new steps
        are appended. A new ``key`` gives new Monte Carlo draws (and a new order of
        minibatches). ``options`` are ``tol``, ``average`` and ``num_psis_draws``, as in
        [`fit`][probflow.vi.fit.fit] (same defaults), applied to the new steps.

        Examples:
            >>> import jax, jax.numpy as jnp
            >>> import probflow as pf
            >>> from probflow import distributions as pfd
            >>> @pf.model
            ... def m():
            ...     yield pfd.Normal(0.0, 1.0, name="mu")
            >>> fit = pf.vi.fit(m().condition(), key=jax.random.key(0), num_steps=20,
            ...                 progress_bar=False)
            >>> fit.resume(30, key=jax.random.key(1), progress_bar=False).num_steps
            50
        """
        from probflow.vi.fit import continue_fit

        if self.optimizer is None or self.opt_state is None:
            raise ValueError("resume: this result has no optimizer state (a Laplace or "
                             "Pathfinder approximation); call that function again instead")
        return continue_fit(self, num_steps, key=key, progress_bar=progress_bar, **options)
