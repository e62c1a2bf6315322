"""MCMC over the weights of a [`Sequential`][probflow.layers.sequential.Sequential] network.

[`sample_posterior`][probflow.layers.posterior.sample_posterior] hands a plain log density of the
weight PyTree (every layer's prior
plus the full-data log likelihood) to [`probflow.mcmc.sample`][probflow.mcmc.sample] (NUTS by
default);
[`sample_sgmcmc`][probflow.layers.posterior.sample_sgmcmc] runs SGLD or SGHMC with mini-batch
gradients. Both return
``arviz.InferenceData`` whose posterior variables are named ``"<layer>.<weight>"`` (for
example ``"0.kernel"``); [`Sequential.predict`][probflow.layers.sequential.Sequential.predict] and
[`Sequential.evaluate`][probflow.layers.sequential.Sequential.evaluate] accept it
as ``posterior=``.
"""

from __future__ import annotations

import warnings
from typing import TYPE_CHECKING, Any

import arviz as az
import jax
import jax.numpy as jnp
import numpy as np

from probflow.core.checks import check_count
from probflow.core.deprecation import user_stacklevel
from probflow.core.keys import as_key
from probflow.mcmc.sgmcmc import SGHMC, SGLD
from probflow.typing import Array, ArrayLike, LogDensityFn, PRNGKey, PyTree

if TYPE_CHECKING:
    from probflow.layers.sequential import Sequential

__all__ = ["sample_posterior", "sample_sgmcmc", "weights_from_idata", "log_density_fn"]


def _leaf_names(tree: PyTree) -> list[str]:
    # The naming pf.mcmc.sample gives the leaves of a log-density target's position.
    names = []
    for path, _ in jax.tree_util.tree_flatten_with_path(tree)[0]:
        parts = [str(getattr(p, "key", getattr(p, "idx", getattr(p, "name", p)))) for p in path]
        names.append(".".join(parts))
    return names


def _prepare(net: Sequential, x: ArrayLike, y: ArrayLike, key: PRNGKey) -> tuple[Array, Array]:
    from probflow.layers.training import check_inputs

    x_np = check_inputs(x, "x", net.input_shape)
    if net.params is None:
        dtype = jnp.asarray(x_np[:1]).dtype if np.issubdtype(x_np.dtype, np.floating) else (
            jnp.asarray(1.0).dtype)
        in_dtype = jnp.int32 if net._takes_ids() else dtype
        net.build(key, x_np.shape[1:], dtype, in_dtype)
    xs = net._prepare_x(x_np)
    ys = net._prepare_y(y, xs.shape[0])
    return xs, ys


def _log_likelihood(net: Sequential, weights: PyTree, x: Array, y: Array) -> Array:
    dist = net.apply_weights(weights, x)
    lp = dist.log_prob(y.reshape(dist.batch_shape))
    return lp.reshape(lp.shape[0], -1).sum(-1)


def log_density_fn(net: Sequential, x: Array, y: Array) -> LogDensityFn:
    """``f(weights) -> log prior + full-data log likelihood`` for the network's weights.

    Examples:
        >>> import jax, jax.numpy as jnp
        >>> from probflow import layers
        >>> net = layers.Sequential([layers.DenseFlipout(1), layers.NormalHead(scale=1.0)])
        >>> _ = net.build(jax.random.key(0), (2,))
        >>> f = log_density_fn(net, jnp.ones((5, 2)), jnp.zeros(5))
        >>> f(net.point_weights(net.params)).shape
        ()
    """
    def logdensity(weights: PyTree) -> ArrayLike:
        return net.log_prior(weights) + jnp.sum(_log_likelihood(net, weights, x, y))

    return logdensity


def sample_posterior(net: Sequential, x: ArrayLike, y: ArrayLike, *, key: PRNGKey,
                     num_samples: int = 500, num_warmup: int = 500, num_chains: int = 2,
                     kernel: Any = None, init_jitter: float = 0.01, progress_bar: bool = False,
                     **kwargs: Any) -> az.InferenceData:
    """Full-batch MCMC (NUTS by default) over all the network's weights.

    The log density is the sum of every layer's prior (the Bayesian layers' ``kernel_prior``
    and ``bias_prior``; deterministic layers' ``prior``; ``Normal(0, 3)`` on unconstrained
    head parameters) and the log likelihood of all of ``(x, y)``. Chains start at the
    current surrogate means (so fit first for a good start) plus ``init_jitter`` noise.

    Args:
        net: a [`Sequential`][probflow.layers.sequential.Sequential] (built here if needed).
        x, y: the full training data.
        key: JAX PRNG key (keyword).
        num_samples, num_warmup, num_chains: as for [`probflow.mcmc.sample`][probflow.mcmc.sample].
        kernel: [`probflow.mcmc.NUTS`][probflow.mcmc.nuts.NUTS] (default) or
            [`probflow.mcmc.HMC`][probflow.mcmc.hmc.HMC], ...
        init_jitter: scale of the normal noise added to each chain's starting weights.
        progress_bar: show the sampler's progress bar.
        **kwargs: passed on to [`probflow.mcmc.sample`][probflow.mcmc.sample].

    Returns:
        ``arviz.InferenceData`` (variables ``"<layer>.<weight>"``).

    Examples:
        >>> import jax, jax.numpy as jnp
        >>> from probflow import layers
        >>> net = layers.Sequential([layers.Dense(1), layers.NormalHead(scale=1.0)])
        >>> x = jnp.linspace(-1, 1, 20)[:, None]
        >>> idata = net.sample_posterior(x, 2 * x[:, 0], key=jax.random.key(0), num_samples=50,
        ...                              num_warmup=50, num_chains=1, warn=False)
        >>> idata.posterior["0.kernel"].shape
        (1, 50, 1, 1)
    """
    from probflow.mcmc.sample import sample

    key = as_key(key)
    k_build, k_init, k_run = jax.random.split(key, 3)
    xs, ys = _prepare(net, x, y, k_build)
    assert net.params is not None  # built by _prepare
    start = net.point_weights(net.params)
    leaves, treedef = jax.tree_util.tree_flatten(start)
    keys = jax.random.split(k_init, len(leaves))
    init = [w[None] + init_jitter * jax.random.normal(k, (num_chains,) + w.shape, w.dtype)
            for k, w in zip(keys, leaves, strict=True)]
    initial_position = jax.tree_util.tree_unflatten(treedef, init)
    return sample(log_density_fn(net, xs, ys), kernel, key=k_run, num_chains=num_chains,
                  num_warmup=num_warmup, num_samples=num_samples,
                  initial_position=initial_position, progress_bar=progress_bar, **kwargs)


def weights_from_idata(net: Sequential, idata: az.InferenceData,
                       num_samples: int | None = None) -> PyTree:
    """Weight PyTree with a leading draw axis from MCMC output (chains flattened, thinned).

    Examples:
        >>> import jax, jax.numpy as jnp, numpy as np, arviz as az
        >>> from probflow import layers
        >>> net = layers.Sequential([layers.Dense(1), layers.NormalHead(scale=1.0)])
        >>> _ = net.build(jax.random.key(0), (2,))
        >>> idata = az.from_dict(posterior={"0.kernel": np.zeros((2, 10, 2, 1)),
        ...                                 "0.bias": np.zeros((2, 10, 1))})
        >>> weights_from_idata(net, idata, 5)[0]["kernel"].shape
        (5, 2, 1)
    """
    assert net.params is not None  # callers (predict, evaluate) check the net is built
    template = net.point_weights(net.params)
    posterior = getattr(idata, "posterior", None)
    if posterior is None:
        raise ValueError("weights_from_idata: posterior must be InferenceData with a "
                         "'posterior' group (from sample_posterior or fit_sgmcmc)")
    names = _leaf_names(template)
    leaves = jax.tree_util.tree_leaves(template)
    out = []
    for name, leaf in zip(names, leaves, strict=True):
        if name not in posterior:
            raise ValueError(f"weights_from_idata: the posterior has no variable {name!r}; it "
                             f"was not sampled for this network (variables: "
                             f"{sorted(posterior.data_vars)})")
        arr = np.asarray(posterior[name].values)
        arr = arr.reshape((-1,) + arr.shape[2:])
        if arr.shape[1:] != leaf.shape:
            raise ValueError(f"weights_from_idata: posterior variable {name!r} has draws of "
                             f"shape {arr.shape[1:]}, the network needs {leaf.shape}")
        out.append(arr)
    total = out[0].shape[0] if out else 0
    if num_samples is not None and num_samples < total:
        idx = np.linspace(0, total - 1, num_samples).round().astype(int)
        out = [a[idx] for a in out]
    return jax.tree_util.tree_unflatten(
        jax.tree_util.tree_structure(template),
        [jnp.asarray(a, leaf.dtype) for a, leaf in zip(out, leaves, strict=True)])


def sample_sgmcmc(net: Sequential, x: ArrayLike, y: ArrayLike, *, key: PRNGKey,
                  kernel: SGLD | SGHMC | None = None, num_samples: int = 200,
                  num_warmup: int = 1000, thin: int = 10, batch_size: int = 32,
                  num_burnin: int | None = None) -> az.InferenceData:
    """Stochastic-gradient MCMC over the weights with mini-batch gradients.

    Runs ``num_warmup`` steps (discarded), then keeps every ``thin``-th of
    ``num_samples * thin`` steps, all in one compiled ``lax.scan``. Mini-batches are drawn
    uniformly with replacement.

    Args:
        net: a [`Sequential`][probflow.layers.sequential.Sequential] (starts at its current
            surrogate means).
        x, y: training data.
        key: JAX PRNG key (keyword).
        kernel: [`probflow.mcmc.SGLD`][probflow.mcmc.sgmcmc.SGLD] (default, ``step_size=1e-4``) or
            [`probflow.mcmc.SGHMC`][probflow.mcmc.sgmcmc.SGHMC].
        num_samples, num_warmup, thin, batch_size: run length and mini-batch size
            (``num_warmup`` as in [`pf.mcmc.sample`][probflow.mcmc.sample.sample]).
        num_burnin: the old name of ``num_warmup``; deprecated (a ``DeprecationWarning``),
            removed in the next release.

    Returns:
        ``arviz.InferenceData`` with one chain (variables ``"<layer>.<weight>"``).

    Examples:
        >>> import jax, jax.numpy as jnp
        >>> from probflow import layers
        >>> from probflow.mcmc.sgmcmc import SGLD
        >>> net = layers.Sequential([layers.Dense(1), layers.NormalHead(scale=1.0)])
        >>> x = jnp.linspace(-1, 1, 40)[:, None]
        >>> idata = net.fit_sgmcmc(x, x[:, 0], key=jax.random.key(0), kernel=SGLD(1e-3),
        ...                        num_samples=20, num_warmup=50, thin=2, batch_size=10)
        >>> idata.posterior["0.bias"].shape
        (1, 20, 1)
    """
    key = as_key(key)
    kernel = SGLD() if kernel is None else kernel
    if not isinstance(kernel, SGLD | SGHMC):
        raise TypeError(f"sample_sgmcmc: kernel must be pf.mcmc.SGLD or pf.mcmc.SGHMC, got "
                        f"{kernel!r}")
    num_samples = check_count("sample_sgmcmc", "num_samples", num_samples)
    thin = check_count("sample_sgmcmc", "thin", thin)
    batch_size = check_count("sample_sgmcmc", "batch_size", batch_size)
    if num_burnin is not None:
        warnings.warn("sample_sgmcmc: num_burnin is deprecated and removed in the next release; "
                      "use num_warmup (the name pf.mcmc.sample uses)", DeprecationWarning,
                      stacklevel=user_stacklevel())
        num_warmup = num_burnin
    num_warmup = check_count("sample_sgmcmc", "num_warmup", num_warmup, 0)
    k_build, k_run = jax.random.split(key)
    xs, ys = _prepare(net, x, y, k_build)
    n = xs.shape[0]
    b = min(batch_size, n)

    def grad_fn(w: PyTree, idx: Array) -> PyTree:
        def objective(w: PyTree) -> ArrayLike:
            ll = _log_likelihood(net, w, xs[idx], ys[idx])
            return net.log_prior(w) + n / b * jnp.sum(ll)
        return jax.grad(objective)(w)

    def one_step(state: Any, k: PRNGKey) -> tuple[Any, None]:
        k_batch, k_step = jax.random.split(k)
        idx = jax.random.randint(k_batch, (b,), 0, n)
        return kernel.step(k_step, state, grad_fn(state.position, idx)), None

    @jax.jit
    def run(start: PyTree, key: PRNGKey) -> PyTree:
        k_warmup, k_keep = jax.random.split(key)
        state = kernel.init(start)
        if num_warmup:
            state, _ = jax.lax.scan(one_step, state, jax.random.split(k_warmup, num_warmup))

        def keep(state: Any, k: PRNGKey) -> tuple[Any, PyTree]:
            state, _ = jax.lax.scan(one_step, state, jax.random.split(k, thin))
            return state, state.position

        state, draws = jax.lax.scan(keep, state, jax.random.split(k_keep, num_samples))
        return draws

    assert net.params is not None  # built by _prepare
    draws = run(net.point_weights(net.params), k_run)
    names = _leaf_names(draws)
    posterior = {name: np.asarray(a)[None] for name, a in
                 zip(names, jax.tree_util.tree_leaves(draws), strict=True)}
    return az.from_dict(posterior=posterior)
