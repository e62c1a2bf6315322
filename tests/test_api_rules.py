"""The key rule, checked over the whole public API (issue 14).

Rule (``docs/architecture.md``, "Keys"): a random primitive (distribution, bijector, kernel,
layer ``init``, ...) takes ``key`` as its FIRST positional argument; everything else that
uses randomness, drivers and functions whose key may be omitted alike, takes ``key=``
keyword-only. No other name (``rng``, ``rng_key``, ...) is used for a key; ``seed=`` exists
only as TensorFlow Probability's keyword-only alias of ``sample``.

The walk covers every name exported by ``probflow`` and its subpackages (``pf.X``,
``pf.mcmc.X``, ``pf.layers.X``, ...) and every public method of the classes among them.
"""

import importlib
import inspect
import pkgutil

import jax
import jax.numpy as jnp
import numpy as np
import pytest

import probflow as pf
from probflow import distributions as pfd
from probflow import layers

OTHER_KEY_NAMES = {"rng", "rng_key", "prng_key", "random_key", "rng_seed", "prng"}

# Drivers: each takes ``key=`` keyword-only (checked by name, so a driver cannot turn into a
# "primitive" by moving its key to the front).
DRIVERS = [
    "probflow.sample_prior_predictive",
    "probflow.sample_posterior_predictive",
    "probflow.mcmc.sample",
    "probflow.vi.fit",
    "probflow.layers.Sequential.fit",
    "probflow.layers.Sequential.predict",
    "probflow.layers.Sequential.evaluate",
    "probflow.layers.Sequential.sample_posterior",
    "probflow.layers.Sequential.fit_sgmcmc",
    "probflow.layers.sample_posterior",
    "probflow.layers.sample_sgmcmc",
]

# Known exceptions, each waiting for a change in a file owned elsewhere. A new exception fails
# the test; so does an entry here that has been fixed (remove it then).
# Named where they are defined (module and qualified name), so subclasses that inherit one
# do not count again.
# Known exceptions still to fix (none now: Dense and BayesianLayer's apply_weights take
# (weights, x, *_old_key, key=None, training=False) like Layer's since the typing work).
PENDING: set[str] = set()


def _namespaces():
    yield "probflow", pf
    for info in pkgutil.walk_packages(pf.__path__, "probflow."):
        if info.ispkg and not any(part.startswith("_") for part in info.name.split(".")):
            yield info.name, importlib.import_module(info.name)


def _is_ours(obj) -> bool:
    return str(getattr(obj, "__module__", "") or "").startswith("probflow")


def public_callables():
    """``{qualified name: callable}`` for the public API (functions, classes, methods)."""
    out, seen_classes = {}, set()
    for prefix, module in _namespaces():
        names = getattr(module, "__all__", None)
        if names is None:
            names = [n for n in vars(module) if not n.startswith("_")]
        for name in names:
            obj = getattr(module, name, None)
            if obj is None or inspect.ismodule(obj) or not callable(obj) or not _is_ours(obj):
                continue
            qual = f"{prefix}.{name}"
            out.setdefault(qual, obj)
            if inspect.isclass(obj) and obj not in seen_classes:
                seen_classes.add(obj)
                for attr in dir(obj):
                    if attr.startswith("_") and attr != "__call__":
                        continue
                    raw = inspect.getattr_static(obj, attr)
                    raw = getattr(raw, "__func__", raw)  # classmethod / staticmethod
                    if callable(raw) and _is_ours(raw) and not inspect.isclass(raw):
                        out.setdefault(f"{qual}.{attr}", raw)
    return out


def key_rule_violations(fn) -> list[str]:
    """What is wrong with ``fn``'s signature under the key rule ([] when it follows it)."""
    try:
        sig = inspect.signature(fn)
    except (TypeError, ValueError):
        return []
    params = [p for p in sig.parameters.values() if p.name not in ("self", "cls")]
    problems = []
    for i, p in enumerate(params):
        positional = p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)
        if p.name in OTHER_KEY_NAMES:
            problems.append(f"a PRNG key is called {p.name!r}; call it 'key'")
        elif p.name == "key" and positional and i != 0:
            problems.append(f"'key' is positional argument {i} of {sig}: make it the first "
                            f"argument (a random primitive) or keyword-only (key=, a driver)")
        elif p.name == "seed" and p.kind is not p.KEYWORD_ONLY:
            problems.append(f"'seed' is positional in {sig}: it is only TFP's keyword alias")
    return problems


def _driver(qual):
    obj = pf
    for part in qual.split(".")[1:]:
        obj = getattr(obj, part)
    return obj


def test_every_public_callable_follows_the_key_rule():
    found = public_callables()
    assert len(found) > 500  # the walk reaches the whole API, methods included
    bad = {}
    for qual, fn in found.items():
        problems = key_rule_violations(fn)
        if problems:
            defined = f"{fn.__module__}.{getattr(fn, '__qualname__', qual)}"
            bad.setdefault(defined, [f"(as {qual})"] + problems)
    new = {qual: problems for qual, problems in bad.items() if qual not in PENDING}
    assert not new, "exceptions to the key rule (docs/architecture.md, Keys):\n" + "\n".join(
        f"{qual}: {'; '.join(problems)}" for qual, problems in sorted(new.items()))
    fixed = sorted(PENDING - set(bad))
    assert not fixed, f"fixed, so remove from PENDING: {fixed}"


@pytest.mark.parametrize("qual", DRIVERS)
def test_drivers_take_key_keyword_only(qual):
    params = inspect.signature(_driver(qual)).parameters
    assert "key" in params, qual
    assert params["key"].kind is inspect.Parameter.KEYWORD_ONLY, qual


def test_the_rule_check_catches_exceptions():
    def middle(x, key, n):
        pass

    def primitive(key, x):
        pass

    def driver(x, *, key, seed=None):
        pass

    def other_name(x, rng_key):
        pass

    def old_and_new(x, *_old_key, key=None):
        pass

    assert key_rule_violations(middle) and key_rule_violations(other_name)
    assert key_rule_violations(lambda shape, seed: None)
    assert not (key_rule_violations(primitive) or key_rule_violations(driver)
                or key_rule_violations(old_and_new))


# -- the old orders still work for one release, with a DeprecationWarning ----------------------

def _deprecated(fn, *args, **kwargs):
    with pytest.warns(DeprecationWarning, match="deprecated") as record:
        out = fn(*args, **kwargs)
    assert record[0].filename == __file__  # points at the user's call
    return out


@pf.model
def _coin():
    p = yield pfd.Beta(2.0, 2.0, name="p")
    yield pfd.Bernoulli(probs=p * jnp.ones(3), name="y")


def test_predictive_functions_old_positional_key():
    post = _coin().condition(y=jnp.asarray([1, 0, 1]))
    key = jax.random.PRNGKey(0)
    new = pf.sample_prior_predictive(post, 7, key=key)
    old = _deprecated(pf.sample_prior_predictive, post, key, 7)
    np.testing.assert_array_equal(new.prior["p"], old.prior["p"])
    assert old.prior["p"].shape == (1, 7)
    draws = {"p": np.full((1, 4), 0.5)}
    new = pf.sample_posterior_predictive(post, draws, key=key)
    old = _deprecated(pf.sample_posterior_predictive, post, draws, key)
    np.testing.assert_array_equal(new.posterior_predictive["y"], old.posterior_predictive["y"])
    with pytest.raises(TypeError, match="missing the keyword argument key="):
        pf.sample_prior_predictive(post, 7)
    with pytest.raises(TypeError, match="key given twice"):
        pf.sample_posterior_predictive(post, draws, key, key=key)


def test_layer_apply_old_positional_key():
    net = layers.Sequential([layers.DenseFlipout(2), layers.NormalHead()])
    params = net.init(jax.random.key(0), (3,))
    x, key = jnp.ones((4, 3)), jax.random.key(1)
    dist, kl = net.apply(params, x, key=key, training=True)
    old_dist, old_kl = _deprecated(net.apply, params, x, key, training=True)
    np.testing.assert_array_equal(dist.loc, old_dist.loc)
    layer = net.layers[0]
    y, _ = layer.apply(params[0], x, key=key)
    old_y, _ = _deprecated(layer.apply, params[0], x, key)
    np.testing.assert_array_equal(y, old_y)
    weights = net.point_weights(params)
    np.testing.assert_array_equal(net.apply_weights(weights, x).loc,
                                  _deprecated(net.apply_weights, weights, x, None).loc)


def test_sample_sgmcmc_num_burnin_is_num_warmup():
    net = layers.Sequential([layers.Dense(1), layers.NormalHead(scale=1.0)])
    x = jnp.linspace(-1, 1, 8)[:, None]
    run = dict(key=jax.random.key(0), kernel=pf.mcmc.SGLD(1e-3), num_samples=3, thin=1,
               batch_size=4)
    new = net.fit_sgmcmc(x, x[:, 0], num_warmup=5, **run)
    old = _deprecated(net.fit_sgmcmc, x, x[:, 0], num_burnin=5, **run)
    np.testing.assert_array_equal(new.posterior["0.bias"], old.posterior["0.bias"])
