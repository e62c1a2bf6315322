"""The hidden Markov model: a chain over ``K`` discrete states emitting observations of any family.

All recursions run in log space under ``lax.scan`` with the time axis leading: the forward
algorithm (``log_prob``), forward-backward (``posterior_marginals``) and Viterbi
(``posterior_mode``). Each costs ``O(num_steps K^2)`` per batch member.
"""

from __future__ import annotations

from typing import Any

import jax
import jax.numpy as jnp

from probflow.core import checks
from probflow.core.errors import ShapeError
from probflow.core.pytree import static_field
from probflow.core.shapes import broadcast_shapes
from probflow.distributions import constraints
from probflow.distributions._markov import (
    sample_expanded,
    state_log_probs,
    take_rows,
    time_to_back,
    time_to_front,
)
from probflow.distributions.categorical import Categorical
from probflow.distributions.distribution import Distribution
from probflow.typing import Array, ArrayLike

__all__ = ["HiddenMarkovModel"]

_OWNER = "HiddenMarkovModel"


def _check_state_distribution(arg: str, dist: Any) -> None:
    if not isinstance(dist, Distribution) or dist.event_shape != () or not dist.is_discrete:
        raise TypeError(
            f"{_OWNER}: {arg} must be a distribution over the state indices 0, ..., K - 1 with "
            f"scalar events (e.g. pfd.Categorical), got {dist!r}"
        )


def _check_trailing(arg: str, dist: Distribution, want: tuple, meaning: str) -> None:
    shape = tuple(dist.batch_shape)
    if len(shape) < len(want) or shape[len(shape) - len(want):] != want:
        raise ShapeError(
            f"{_OWNER}: {arg} has batch_shape {shape}; its rightmost batch dimensions must be "
            f"{want} ({meaning})"
        )


class HiddenMarkovModel(Distribution):
    """Hidden Markov model with TFP's parameters and semantics.

    A hidden chain of states ``z_t`` in ``{0, ..., K - 1}`` starts from
    ``initial_distribution``; row ``i`` of ``transition_distribution`` (a batch of ``K``
    categoricals) gives ``P(z_{t+1} | z_t = i)``; member ``k`` of ``observation_distribution``
    (a batch of ``K`` distributions of any family) gives ``p(x_t | z_t = k)``. The distribution
    is over the observations ``x_0, ..., x_{T-1}``, with the states summed out:

    * ``event_shape = (num_steps,) + observation_distribution.event_shape``;
    * ``batch_shape`` broadcasts ``initial_distribution.batch_shape``,
      ``transition_distribution.batch_shape[:-1]`` and
      ``observation_distribution.batch_shape[:-1]`` (one more dimension is dropped from a
      time-varying distribution).

    ``log_prob`` runs the forward algorithm in log space; ``posterior_marginals`` (the
    forward-backward algorithm) and ``posterior_mode`` (Viterbi) infer the states from
    observations; ``prior_marginals`` gives the state distribution of each step before any
    observation; ``mean`` and ``variance`` follow from the prior marginals by the laws of total
    expectation and variance. Sampling is ancestral (not reparameterized). The support is the
    observation distribution's, so an HMM over real-valued observations can be a latent
    variable of a model, and one over counts is discrete.

    Args:
        initial_distribution: distribution of ``z_0`` over ``K`` states (e.g. a
            ``Categorical``).
        transition_distribution: a categorical with batch ``(..., K)``: row ``i`` is the
            distribution of the next state given state ``i``. With
            ``time_varying_transition_distribution`` the batch is ``(..., num_steps - 1, K)``
            and slice ``t`` governs the move from step ``t`` to ``t + 1``.
        observation_distribution: batch ``(..., K)`` (or ``(..., num_steps, K)`` when
            ``time_varying_observation_distribution``): member ``k`` emits the observation
            in state ``k``.
        num_steps: number of steps ``T`` (a positive Python integer; static).
        time_varying_transition_distribution: transitions differ per step (static).
        time_varying_observation_distribution: emissions differ per step (static).

    Examples:
        TFP's weather example: cold (0) and hot (1) days, temperatures by state.

        >>> import jax, jax.numpy as jnp
        >>> import probflow.distributions as pfd
        >>> hmm = pfd.HiddenMarkovModel(
        ...     initial_distribution=pfd.Categorical(probs=jnp.asarray([0.8, 0.2])),
        ...     transition_distribution=pfd.Categorical(
        ...         probs=jnp.asarray([[0.7, 0.3], [0.2, 0.8]])),
        ...     observation_distribution=pfd.Normal(jnp.asarray([0.0, 15.0]),
        ...                                         jnp.asarray([5.0, 10.0])),
        ...     num_steps=7)
        >>> hmm.batch_shape, hmm.event_shape
        ((), (7,))
        >>> tfp_documented_mean = [3.0, 6.0, 7.5, 8.25, 8.625, 8.8125, 8.90625]
        >>> bool(jnp.allclose(hmm.mean(), jnp.asarray(tfp_documented_mean)))
        True
        >>> x = hmm.sample(jax.random.key(0), (2,))
        >>> x.shape, hmm.log_prob(x).shape
        ((2, 7), (2,))
        >>> hmm.posterior_mode(jnp.asarray([-2.0, 0.0, 1.0, 20.0, 25.0, 18.0, 1.0]))
        Array([0, 0, 0, 1, 1, 1, 0], dtype=int32)
    """

    initial_distribution: Distribution
    transition_distribution: Distribution
    observation_distribution: Distribution
    num_steps: int = static_field()
    time_varying_transition_distribution: bool = static_field(default=False, kw_only=True)
    time_varying_observation_distribution: bool = static_field(default=False, kw_only=True)

    def __init__(self, initial_distribution: Distribution, transition_distribution: Distribution,
                 observation_distribution: Distribution, num_steps: int, *,
                 time_varying_transition_distribution: bool = False,
                 time_varying_observation_distribution: bool = False, validate_args: bool = False,
                 name: str | None = None):
        _check_state_distribution("initial_distribution", initial_distribution)
        _check_state_distribution("transition_distribution", transition_distribution)
        if not isinstance(observation_distribution, Distribution):
            raise TypeError(f"{_OWNER}: observation_distribution must be a Distribution, got "
                            f"{observation_distribution!r}")
        num_steps = checks.check_count(_OWNER, "num_steps", num_steps)
        tv_trans = bool(time_varying_transition_distribution)
        tv_obs = bool(time_varying_observation_distribution)
        trans_batch = tuple(transition_distribution.batch_shape)
        if len(trans_batch) < 1 + tv_trans:
            raise ShapeError(
                f"{_OWNER}: transition_distribution has batch_shape {trans_batch}; it needs a "
                f"rightmost batch dimension of size K indexing the current state"
                + (" and one before it of size num_steps - 1" if tv_trans else "")
            )
        k = trans_batch[-1]
        if tv_trans:
            _check_trailing("transition_distribution", transition_distribution,
                            (num_steps - 1, k), "num_steps - 1 transitions of K states")
        _check_trailing("observation_distribution", observation_distribution,
                        (num_steps, k) if tv_obs else (k,),
                        "num_steps steps of K states" if tv_obs else "one member per state")
        for arg, dist in (("initial_distribution", initial_distribution),
                          ("transition_distribution", transition_distribution)):
            if isinstance(dist, Categorical) and dist.num_categories != k:
                raise ShapeError(
                    f"{_OWNER}: {arg} has {dist.num_categories} categories but there are "
                    f"K = {k} states (transition_distribution.batch_shape[-1])"
                )
        self._set(initial_distribution=initial_distribution,
                  transition_distribution=transition_distribution,
                  observation_distribution=observation_distribution, num_steps=num_steps,
                  time_varying_transition_distribution=tv_trans,
                  time_varying_observation_distribution=tv_obs,
                  validate_args=validate_args, name=name)
        _ = self.batch_shape  # a ShapeError naming the class when the batches do not broadcast

    # -- shapes -------------------------------------------------------------------------------
    @property
    def num_states(self) -> int:
        """Number of hidden states ``K``."""
        return int(self.transition_distribution.batch_shape[-1])

    @property
    def batch_shape(self) -> tuple[int, ...]:
        n_trans = 1 + self.time_varying_transition_distribution
        n_obs = 1 + self.time_varying_observation_distribution
        trans = tuple(self.transition_distribution.batch_shape)
        obs = tuple(self.observation_distribution.batch_shape)
        return broadcast_shapes(
            tuple(self.initial_distribution.batch_shape), trans[: len(trans) - n_trans],
            obs[: len(obs) - n_obs], what=f"{_OWNER}: the batch shapes of the initial, "
            f"transition and observation distributions")

    @property
    def event_shape(self) -> tuple[int, ...]:
        return (self.num_steps,) + tuple(self.observation_distribution.event_shape)

    @property
    def dtype(self) -> Any:
        return self.observation_distribution.dtype

    @property
    def support(self) -> constraints.Constraint:
        return constraints.independent(self.observation_distribution.support, 1)

    @property
    def is_discrete(self) -> bool:
        return bool(self.observation_distribution.is_discrete)

    # -- the model's pieces in log space ----------------------------------------------------------
    def _log_init(self):
        """``log P(z_0 = k)``, shape ``initial batch + (K,)``."""
        return state_log_probs(self.initial_distribution, self.num_states)

    def _log_transitions(self):
        """``log P(z_{t+1} = j | z_t = i)`` per step: ``(T - 1,) + batch + (K, K)``."""
        log_matrix = state_log_probs(self.transition_distribution, self.num_states)
        if self.time_varying_transition_distribution:
            return jnp.moveaxis(log_matrix, -3, 0)
        return jnp.broadcast_to(log_matrix, (self.num_steps - 1,) + log_matrix.shape)

    def _event_ndims(self) -> int:
        return len(self.observation_distribution.event_shape)

    def _observation_log_likelihoods(self, value):
        """``log p(x_t | z_t = k)``: ``(T,) + batch + (K,)`` for ``value`` of the event shape."""
        ev = self._event_ndims()
        obs = self.observation_distribution
        if self.time_varying_observation_distribution:
            # (...) + (T, 1) + E against the batch (...) + (T, K).
            lp = obs.log_prob(jnp.expand_dims(value, value.ndim - ev))
            return jnp.moveaxis(lp, -2, 0)
        # Time leads, so it acts as a sample dimension: (T,) + (...) + (1,) + E.
        value = time_to_front(value, ev)
        return obs.log_prob(jnp.expand_dims(value, value.ndim - ev))

    def _first_message(self, obs_lp):
        """``(log p(x_0, z_0), log transition matrices)``, broadcast to the joint batch shape.

        Shared by the forward algorithm and Viterbi: both start from the initial log
        probabilities plus the first observation's, and scan over the transitions.
        """
        log_init = self._log_init()
        log_trans = self._log_transitions()
        lead = broadcast_shapes(obs_lp.shape[1:-1], log_init.shape[:-1], log_trans.shape[1:-2],
                                what=f"{_OWNER}: observations and batch_shape")
        return jnp.broadcast_to(log_init + obs_lp[0], lead + (self.num_states,)), log_trans

    def _forward(self, obs_lp, keep_all: bool):
        """Log forward messages ``log p(x_0..x_t, z_t)``; all steps or only the last."""
        alpha0, log_trans = self._first_message(obs_lp)

        def step(alpha, inputs):
            lt, olp = inputs
            new = jax.nn.logsumexp(alpha[..., :, None] + lt, axis=-2) + olp
            return new, new if keep_all else None

        last, rest = jax.lax.scan(step, alpha0, (log_trans, obs_lp[1:]))
        if keep_all:
            assert rest is not None  # the scan keeps every message
            return jnp.concatenate([alpha0[None], rest], axis=0)
        return last

    def _checked_observations(self, observations):
        return self._observation_log_likelihoods(self._as_value(observations))

    # -- distribution methods -------------------------------------------------------------------
    def _log_prob(self, value):
        alpha = self._forward(self._observation_log_likelihoods(value), keep_all=False)
        return jax.nn.logsumexp(alpha, axis=-1)

    def _sample(self, key, sample_shape):
        k, t = self.num_states, self.num_steps
        lead = tuple(sample_shape) + self.batch_shape
        key_init, key_steps, key_obs = jax.random.split(key, 3)
        z0 = jax.random.categorical(key_init, jnp.broadcast_to(self._log_init(), lead + (k,)))

        def step(z, inputs):
            step_key, lt = inputs
            z_next = jax.random.categorical(step_key, take_rows(lt, z), axis=-1)
            return z_next, z_next

        _, rest = jax.lax.scan(step, z0, (jax.random.split(key_steps, t - 1),
                                          self._log_transitions()))
        states = jnp.concatenate([z0[None], rest], axis=0)  # (T,) + lead
        draws = self._observation_draws(key_obs, tuple(sample_shape))  # (T,) + lead + (K,) + E
        ev = self._event_ndims()
        index = states.reshape(states.shape + (1,) * (1 + ev))
        x = jnp.take_along_axis(draws, index, axis=-1 - ev).squeeze(-1 - ev)
        return time_to_back(x, ev)

    def _observation_draws(self, key, sample_shape):
        """One draw per state and step: ``(T,) + sample_shape + batch + (K,) + event``."""
        obs, batch = self.observation_distribution, self.batch_shape
        k, t = self.num_states, self.num_steps
        if self.time_varying_observation_distribution:
            draws = sample_expanded(obs, key, sample_shape, batch + (t, k))
            return jnp.moveaxis(draws, len(sample_shape) + len(batch), 0)
        return sample_expanded(obs, key, (t,) + sample_shape, batch + (k,))

    def _prior_log_marginals(self):
        """``log P(z_t = k)`` before observations: ``(T,) + batch + (K,)``."""
        p0 = jnp.broadcast_to(self._log_init(), self.batch_shape + (self.num_states,))

        def step(lp, lt):
            new = jax.nn.logsumexp(lp[..., :, None] + lt, axis=-2)
            return new, new

        _, rest = jax.lax.scan(step, p0, self._log_transitions())
        return jnp.concatenate([p0[None], rest], axis=0)

    def _moments_parts(self):
        ev = self._event_ndims()
        probs = jnp.moveaxis(jnp.exp(self._prior_log_marginals()), 0, -2)  # batch + (T, K)
        weights = probs.reshape(probs.shape + (1,) * ev)
        obs = self.observation_distribution

        def per_step(x):  # batch_obs + (K,) + E -> batch_obs + (1, K) + E
            if self.time_varying_observation_distribution:
                return x
            return jnp.expand_dims(x, x.ndim - ev - 1)

        return weights, per_step(obs.mean()), per_step(obs.variance()), -1 - ev

    def _mean(self):
        weights, means, _, axis = self._moments_parts()
        return jnp.sum(weights * means, axis=axis)

    def _variance(self):
        weights, means, variances, axis = self._moments_parts()
        mean = jnp.sum(weights * means, axis=axis)
        second = jnp.sum(weights * (variances + jnp.square(means)), axis=axis)
        return jnp.maximum(second - jnp.square(mean), 0.0)

    # -- inference over the hidden states --------------------------------------------------------
    def prior_marginals(self) -> Categorical:
        """The state distribution of each step before any observation.

        Returns:
            A ``Categorical`` with batch shape ``batch_shape + (num_steps,)`` over ``K`` states.

        Examples:
            >>> import jax.numpy as jnp, numpy as np
            >>> import probflow.distributions as pfd
            >>> hmm = pfd.HiddenMarkovModel(
            ...     pfd.Categorical(probs=jnp.asarray([1.0, 0.0])),
            ...     pfd.Categorical(probs=jnp.asarray([[0.5, 0.5], [0.0, 1.0]])),
            ...     pfd.Normal(jnp.asarray([0.0, 1.0]), 1.0), num_steps=3)
            >>> np.float64(hmm.prior_marginals().probs_parameter()).round(3)
            array([[1.  , 0.  ],
                   [0.5 , 0.5 ],
                   [0.25, 0.75]])
        """
        return Categorical(logits=jnp.moveaxis(self._prior_log_marginals(), 0, -2))

    def posterior_marginals(self, observations: ArrayLike) -> Categorical:
        """``P(z_t = k | x_0, ..., x_{T-1})`` for every step, by the forward-backward algorithm.

        Args:
            observations: shape ``(...) + event_shape``; leading dimensions broadcast with
                ``batch_shape``.

        Returns:
            A ``Categorical`` (normalised ``logits``) with batch shape
            ``broadcast(observations' leading shape, batch_shape) + (num_steps,)``.

        Examples:
            >>> import jax.numpy as jnp
            >>> import probflow.distributions as pfd
            >>> hmm = pfd.HiddenMarkovModel(
            ...     pfd.Categorical(probs=jnp.asarray([0.5, 0.5])),
            ...     pfd.Categorical(probs=jnp.asarray([[0.9, 0.1], [0.1, 0.9]])),
            ...     pfd.Normal(jnp.asarray([-1.0, 1.0]), 1.0), num_steps=3)
            >>> post = hmm.posterior_marginals(jnp.asarray([-1.0, -1.0, 3.0]))
            >>> post.batch_shape, bool(post.probs_parameter()[2, 1] > 0.5)
            ((3,), True)
        """
        obs_lp = self._checked_observations(observations)
        alphas = self._forward(obs_lp, keep_all=True)  # (T,) + lead + (K,)
        lead = alphas.shape[1:-1]
        log_trans = self._log_transitions()

        def step(beta, inputs):
            lt, olp = inputs  # the move t -> t + 1 and the observation at t + 1
            new = jax.nn.logsumexp(lt + (olp + beta)[..., None, :], axis=-1)
            return new, new

        beta_last = jnp.zeros(lead + (self.num_states,), alphas.dtype)
        _, rest = jax.lax.scan(step, beta_last, (log_trans, obs_lp[1:]), reverse=True)
        betas = jnp.concatenate([rest, beta_last[None]], axis=0)
        log_evidence = jax.nn.logsumexp(alphas[-1], axis=-1)
        log_marginals = alphas + betas - log_evidence[..., None]
        return Categorical(logits=jnp.moveaxis(log_marginals, 0, -2))

    def posterior_mode(self, observations: ArrayLike) -> Array:
        """The most probable state sequence given the observations (the Viterbi algorithm).

        Args:
            observations: shape ``(...) + event_shape``; leading dimensions broadcast with
                ``batch_shape``.

        Returns:
            ``int32`` states of shape ``broadcast(observations' leading shape, batch_shape) +
            (num_steps,)``. Ties go to the lowest state index.

        Examples:
            >>> import jax.numpy as jnp
            >>> import probflow.distributions as pfd
            >>> hmm = pfd.HiddenMarkovModel(
            ...     pfd.Categorical(probs=jnp.asarray([0.5, 0.5])),
            ...     pfd.Categorical(probs=jnp.asarray([[0.9, 0.1], [0.1, 0.9]])),
            ...     pfd.Normal(jnp.asarray([-1.0, 1.0]), 1.0), num_steps=4)
            >>> hmm.posterior_mode(jnp.asarray([-1.0, 0.2, -1.0, 2.0]))
            Array([0, 0, 0, 1], dtype=int32)
        """
        obs_lp = self._checked_observations(observations)
        delta0, log_trans = self._first_message(obs_lp)

        def forward(delta, inputs):
            lt, olp = inputs
            scores = delta[..., :, None] + lt  # lead + (previous state, next state)
            return jnp.max(scores, axis=-2) + olp, jnp.argmax(scores, axis=-2)

        delta_last, pointers = jax.lax.scan(forward, delta0, (log_trans, obs_lp[1:]))
        last = jnp.argmax(delta_last, axis=-1)

        def backward(state, pointer):
            previous = jnp.take_along_axis(pointer, state[..., None], axis=-1)[..., 0]
            return previous, previous

        _, earlier = jax.lax.scan(backward, last, pointers, reverse=True)
        path = jnp.concatenate([earlier, last[None]], axis=0)
        return time_to_back(path, 0).astype(jnp.int32)
