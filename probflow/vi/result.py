"""``VIResult`` (what [`fit`][probflow.vi.fit.fit] returns) and ``NonFiniteLossError``."""

from __future__ import annotations

import functools
import warnings
from typing import Any

import jax
import numpy as np

from probflow.core.checks import check_count
from probflow.core.keys import as_typed_key
from probflow.core.pytree import Struct, static_field
from probflow.models.inference_data import to_inference_data
from probflow.vi.surrogate import Surrogate

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

    def __init__(self, message: str, *, step: int, loss: float, last_params: Any):
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
def _draw(surrogate, key, num_samples):
    return surrogate.sample(key, (num_samples,), include_deterministic=True)


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
        converged: whether ``tol`` stopped the run early.
        interrupted: whether Ctrl-C (``KeyboardInterrupt``) stopped the run early; the
            parameters and losses are then those of the steps done.

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

    posterior: Any
    params: Any
    opt_state: Any
    losses: Any
    guide: Any = static_field(default=None)
    optimizer: Any = static_field(default=None)
    elbo: Any = static_field(default=None)
    plan: Any = static_field(default=None)
    converged: bool = static_field(default=False)
    interrupted: bool = static_field(default=False)

    @property
    def surrogate(self) -> Surrogate:
        """The fitted distribution over the constrained latents
        ([`Surrogate`][probflow.vi.surrogate.Surrogate])."""
        return Surrogate(self.posterior, self.guide.distribution(self.params))

    @property
    def num_steps(self) -> int:
        """Optimisation steps taken so far."""
        return int(np.shape(self.losses)[0])

    def sample(self, key, num_samples: int = 1000, *, log_likelihood: bool | None = None):
        """Draws from the surrogate as ``arviz.InferenceData`` (one chain of ``num_samples``).

        The ``posterior`` group holds the constrained latents and the deterministics. The
        ``log_likelihood`` group (pointwise, for ``az.loo``) has ``num_samples`` times the
        number of observations; by default (``None``) it is added unless that exceeds
        ``LOG_LIKELIHOOD_LIMIT`` numbers (then with a warning); ``True`` or ``False`` decide.

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
                   "guide": self.guide.name},
        )

    def resume(self, num_steps: int, *, key, tol: float | None = None,
               progress_bar: bool = True) -> VIResult:
        """Continue the optimisation for ``num_steps`` more steps (optimizer state kept).

        The losses of the new steps are appended. A new ``key`` gives new Monte Carlo draws
        (and a new order of minibatches).

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

        if self.optimizer is None:
            raise ValueError("resume: this result has no optimizer state (a Laplace "
                             "approximation); call pf.vi.laplace again instead")
        return continue_fit(self, num_steps, key=key, tol=tol, progress_bar=progress_bar)
