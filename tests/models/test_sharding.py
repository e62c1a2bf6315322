"""pf.shard_data: observations split over devices, the likelihood summed across them.

The test process has one device, so the multi-device checks run in a child process with four
forced CPU devices (``--xla_force_host_platform_device_count=4``) and report back as JSON.
"""

import json
import os
import subprocess
import sys
import textwrap

import jax
import jax.numpy as jnp
import numpy as np
import pytest

import probflow as pf
from probflow import distributions as pfd
from probflow.core.errors import ShapeError

PRELUDE = textwrap.dedent("""
    import json, os
    os.environ["XLA_FLAGS"] = "--xla_force_host_platform_device_count=4"
    os.environ["JAX_ENABLE_X64"] = "0"
    import jax, jax.numpy as jnp, numpy as np
    import probflow as pf
    from probflow import distributions as pfd
    assert len(jax.devices()) == 4
    SEEN = []

    @pf.model
    def logistic(x):
        beta = yield pfd.Normal(jnp.zeros(x.shape[1]), 1.0, name="beta")
        eta = x @ beta
        # called when a program that runs the model is compiled: how eta is laid out there
        jax.debug.inspect_array_sharding(eta, callback=lambda s: SEEN.append(
            [str(s.spec), len(s.device_set)] if hasattr(s, "spec") else [str(s), len(s.device_set)]))
        yield pfd.Bernoulli(logits=eta, name="y")

    def logistic_data(n, seed=0, dtype=jnp.float32):
        x = jax.random.normal(jax.random.key(seed), (n, 5), dtype)
        p = jax.nn.sigmoid(x @ (jnp.arange(5.0, dtype=dtype) / 5 - 0.4))
        y = (jax.random.uniform(jax.random.key(seed + 1), (n,)) < p).astype(dtype)
        return x, y

    def report(**values):
        print("RESULT " + json.dumps(values))
""")


def run_child(body: str, timeout: int = 600) -> dict:
    env = dict(os.environ)
    env.pop("XLA_FLAGS", None)
    proc = subprocess.run([sys.executable, "-c", PRELUDE + textwrap.dedent(body)],
                          capture_output=True, text=True, timeout=timeout, env=env)
    assert proc.returncode == 0, proc.stderr[-4000:]
    line = [s for s in proc.stdout.splitlines() if s.startswith("RESULT ")][-1]
    return json.loads(line[len("RESULT "):])


EPS32 = float(np.finfo(np.float32).eps)


# -- four devices ---------------------------------------------------------------------------------

EXACT = """
n = 4096
x, y = logistic_data(n)
posterior = logistic(x).condition(y=y)
z = {"beta": jnp.asarray([0.3, -0.2, 0.1, 0.5, -0.4], jnp.float32)}
fn = jax.jit(lambda p, z: jax.value_and_grad(p.unconstrained_log_density)(z))
out = {}
for label, devices in (("unsharded", None), ("two", 2), ("four", 4)):
    target = posterior if devices is None else pf.shard_data(posterior, devices=devices,
                                                             names=["x"])
    value, grad = fn(target, z)
    out[label] = [float(value), np.asarray(grad["beta"], np.float64).tolist()]
sharded = pf.shard_data(posterior, names=["x"])
out["y_spec"] = list(sharded.data["y"].sharding.spec)
out["x_spec"] = list(sharded.model.array_args[0].sharding.spec)
out["y_devices"] = len(sharded.data["y"].sharding.device_set)
# float64 reference on the host: the log density and the per-row gradient magnitudes
xs, ys = np.asarray(x, np.float64), np.asarray(y, np.float64)
b = np.asarray(z["beta"], np.float64)
eta = xs @ b
rows = ys * eta - np.logaddexp(0.0, eta)
prior = -0.5 * np.sum(b ** 2) - 2.5 * np.log(2 * np.pi)
out["reference"] = float(rows.sum() + prior)
out["abs_sum"] = float(np.abs(rows).sum() + abs(prior))
row_grads = (ys - 1 / (1 + np.exp(-eta)))[:, None] * xs
out["reference_grad"] = (row_grads.sum(0) - b).tolist()
out["abs_grad"] = (np.abs(row_grads).sum(0) + np.abs(b)).tolist()

# an observation axis other than 0: y of shape (3, n) split along axis 1
@pf.model
def replicates():
    mu = yield pfd.Normal(jnp.zeros((3, 1)), 1.0, name="mu")
    yield pfd.Normal(mu, 1.0, name="y")
y3 = jax.random.normal(jax.random.key(5), (3, 64))
post3 = replicates().condition(y=y3)
shard3 = pf.shard_data(post3, axis=1)
z3 = {"mu": jnp.asarray([[0.1], [0.2], [-0.3]])}
out["axis1"] = [float(fn(post3, z3)[0]), float(fn(shard3, z3)[0])]
out["axis1_spec"] = list(shard3.data["y"].sharding.spec)

# a named joint distribution: its parameters are replicated on the mesh
jd = pf.JointDistributionNamed({"mu": pfd.Normal(jnp.asarray(0.5), 2.0),
                                "y": lambda mu: pfd.Normal(jnp.full(8, mu), 1.0)})
post_jd = jd.condition(y=jnp.arange(8.0))
shard_jd = pf.shard_data(post_jd)
zj = {"mu": jnp.asarray(0.3)}
out["named"] = [float(fn(post_jd, zj)[0]), float(fn(shard_jd, zj)[0])]
leaf = jax.tree_util.tree_leaves(shard_jd.model)[0]
out["named_leaf"] = [list(leaf.sharding.spec), len(leaf.sharding.device_set)]

errors = {}
for label, call in {
    "rows": lambda: pf.shard_data(logistic(x[:4094]).condition(y=y[:4094]), names=["x"]),
    "three": lambda: pf.shard_data(posterior, devices=3),
    "axis": lambda: pf.shard_data(posterior, axis=1),
    "devices": lambda: pf.shard_data(posterior, devices=5),
    "twice": lambda: pf.shard_data(posterior, devices=[jax.devices()[0]] * 2),
    "parallel": lambda: pf.mcmc.sample(sharded, key=jax.random.key(0), num_chains=4,
                                       num_warmup=2, num_samples=2, chain_method="parallel",
                                       progress_bar=False, warn=False),
}.items():
    try:
        call()
        errors[label] = None
    except Exception as err:
        errors[label] = [type(err).__name__, str(err)]
out["errors"] = errors
report(**out)
"""


@pytest.fixture(scope="module")
def exact():
    return run_child(EXACT)


@pytest.mark.compile_bound
def test_sharded_log_density_and_gradient_match_float32(exact):
    # Sharding changes only the order of the float32 sum over rows (each device sums its rows,
    # then an all-reduce adds the partial sums). Rounding errors of a sum of n terms grow like
    # a random walk, about sqrt(n) * eps * sum|terms|; 8 times that bounds any order's result.
    # A shard left out or counted twice changes the density by about a quarter of itself.
    n = 4096
    tol = 8 * np.sqrt(n) * EPS32 * exact["abs_sum"]
    tol_grad = 8 * np.sqrt(n) * EPS32 * np.asarray(exact["abs_grad"])
    for label in ("unsharded", "two", "four"):
        value, grad = exact[label]
        assert abs(value - exact["reference"]) < tol, (label, value, exact["reference"])
        np.testing.assert_array_less(np.abs(np.asarray(grad) - exact["reference_grad"]), tol_grad)
    for label in ("two", "four"):
        assert abs(exact[label][0] - exact["unsharded"][0]) < tol
        np.testing.assert_array_less(
            np.abs(np.asarray(exact[label][1]) - exact["unsharded"][1]), tol_grad)


@pytest.mark.compile_bound
def test_layout_of_the_sharded_posterior(exact):
    assert exact["y_spec"] == ["data"]
    assert exact["x_spec"] == ["data"]
    assert exact["y_devices"] == 4
    assert exact["axis1_spec"] == [None, "data"]
    assert exact["axis1"][1] == pytest.approx(exact["axis1"][0], rel=1e-6)
    assert exact["named"][1] == pytest.approx(exact["named"][0], rel=1e-6)
    assert exact["named_leaf"] == [[], 4]


@pytest.mark.compile_bound
def test_sizes_that_do_not_divide_are_refused(exact):
    errors = exact["errors"]
    kind, message = errors["rows"]
    assert kind == "ValueError"
    assert "'y'" in message and "4094 rows along axis 0" in message
    assert "4 devices; use 4092 or 4096 rows" in message
    kind, message = errors["three"]
    assert kind == "ValueError" and "not a multiple of the 3 devices" in message
    kind, message = errors["axis"]
    assert kind == "ShapeError" and "shape (4096,), with no axis 1" in message
    kind, message = errors["devices"]
    assert kind == "ValueError" and "devices=5 must be between 1 and the number of devices, 4" \
        in message
    kind, message = errors["twice"]
    assert kind == "ValueError" and "lists a device twice" in message


@pytest.mark.compile_bound
def test_parallel_chains_on_sharded_data_run_or_say_why(exact):
    error = exact["errors"]["parallel"]
    assert error is None or "shard_data" in error[1], error


MOMENTS = """
import arviz as az

@pf.model
def regression(x):
    beta = yield pfd.Normal(jnp.zeros(2), 2.0, name="beta")
    sigma = yield pfd.HalfNormal(1.0, name="sigma")
    yield pfd.Normal(x @ beta, sigma, name="y")

n = 400
x = jax.random.normal(jax.random.key(0), (n, 2))
y = x @ jnp.asarray([1.0, -0.5]) + 0.8 * jax.random.normal(jax.random.key(1), (n,))
posterior = regression(x).condition(y=y)
out = {}
for label, target in (("unsharded", posterior),
                      ("sharded", pf.shard_data(posterior, names=["x"]))):
    idata = pf.mcmc.sample(target, key=jax.random.key(2), num_chains=4, num_warmup=300,
                           num_samples=500, chain_method="vectorized", progress_bar=False,
                           warn=False)
    post = idata.posterior
    ds = az.convert_to_dataset({"beta0": post["beta"].values[..., 0],
                                "beta1": post["beta"].values[..., 1],
                                "sigma": post["sigma"].values})
    se_mean, se_sd = az.mcse(ds, method="mean"), az.mcse(ds, method="sd")
    out[label] = {name: [float(ds[name].mean()), float(se_mean[name]),
                         float(ds[name].std()), float(se_sd[name])] for name in ds.data_vars}
    fit = pf.vi.fit(target, key=jax.random.key(3), num_steps=1500, progress_bar=False,
                    num_psis_draws=100)
    draws = fit.sample(jax.random.key(4), 4000).posterior
    out[label + "_vi"] = {"beta": np.asarray(draws["beta"]).reshape(-1, 2).mean(0).tolist(),
                          "beta_sd": np.asarray(draws["beta"]).reshape(-1, 2).std(0).tolist(),
                          "sigma": float(draws["sigma"].mean()),
                          "sigma_sd": float(draws["sigma"].std())}
report(**out)
"""


@pytest.mark.slow
def test_nuts_and_vi_on_a_sharded_posterior_give_the_same_moments():
    out = run_child(MOMENTS)
    # NUTS: the two runs' means and standard deviations agree within 5 combined Monte Carlo
    # standard errors (ArviZ's MCSE, from the effective sample size): 12 comparisons, a false
    # failure rate below 1e-5. Dropping a shard's rows would double the posterior sd.
    for name in ("beta0", "beta1", "sigma"):
        mean_u, se_u, sd_u, sd_se_u = out["unsharded"][name]
        mean_s, se_s, sd_s, sd_se_s = out["sharded"][name]
        assert abs(mean_u - mean_s) < 5 * np.hypot(se_u, se_s), (name, mean_u, mean_s)
        assert abs(sd_u - sd_s) < 5 * np.hypot(sd_se_u, sd_se_s), (name, sd_u, sd_s)
    # VI: the same key gives the same optimisation up to float rounding; the fitted
    # approximations' means (4000 draws each, Monte Carlo error 0.016 sd each) agree within
    # 0.1 posterior sd, and their sds within 10%.
    vi_u, vi_s = out["unsharded_vi"], out["sharded_vi"]
    for k in range(2):
        assert abs(vi_u["beta"][k] - vi_s["beta"][k]) < 0.1 * vi_u["beta_sd"][k]
        assert vi_s["beta_sd"][k] == pytest.approx(vi_u["beta_sd"][k], rel=0.1)
    assert abs(vi_u["sigma"] - vi_s["sigma"]) < 0.1 * vi_u["sigma_sd"]
    assert vi_s["sigma_sd"] == pytest.approx(vi_u["sigma_sd"], rel=0.1)
    # and both methods find the same posterior
    for k, name in enumerate(("beta0", "beta1")):
        assert abs(vi_s["beta"][k] - out["sharded"][name][0]) < 0.25 * out["sharded"][name][2]


MILLION = """
n = 10 ** 6
x, y = logistic_data(n)
posterior = logistic(x).condition(y=y)
sharded = pf.shard_data(posterior, names=["x"])
z = {"beta": jnp.zeros(5, jnp.float32)}
grad = lambda p, z: jax.value_and_grad(p.unconstrained_log_density)(z)
memory = {}
for label, target in (("unsharded", posterior), ("sharded", sharded)):
    compiled = jax.jit(grad).lower(target, z).compile()
    analysis = compiled.memory_analysis()
    memory[label] = [analysis.argument_size_in_bytes, analysis.temp_size_in_bytes]
    memory[label + "_gathers"] = "all-gather" in compiled.as_text()
SEEN.clear()
idata = pf.mcmc.sample(sharded, pf.mcmc.NUTS(max_tree_depth=5), key=jax.random.key(2),
                       num_chains=2, num_warmup=10, num_samples=5,
                       chain_method="vectorized", progress_bar=False, warn=False)
nuts_seen = list(SEEN)
SEEN.clear()
fit = pf.vi.fit(sharded, key=jax.random.key(3), num_steps=20, tol=None, progress_bar=False,
                num_psis_draws=10)
report(memory=memory, nuts_seen=nuts_seen, vi_seen=list(SEEN),
       data_bytes=int(x.nbytes + y.nbytes),
       nuts_mean=np.asarray(idata.posterior["beta"]).mean((0, 1)).tolist(),
       vi_loc=np.asarray(fit.params["loc"]).tolist())
"""


@pytest.mark.slow
def test_a_million_rows_stay_split_under_nuts_and_vi():
    out = run_child(MILLION)
    memory = out["memory"]
    quarter = out["data_bytes"] / 4
    # per device: the arguments are a quarter of the data, and no full copy is made
    assert memory["unsharded"][0] >= out["data_bytes"]
    assert memory["sharded"][0] < 1.1 * quarter
    assert memory["sharded"][1] < 1.1 * quarter
    assert not memory["sharded_gathers"]
    # every program that ran the model under NUTS and VI saw the rows split over 4 devices
    assert out["nuts_seen"] and out["vi_seen"]
    for spec, num_devices in out["nuts_seen"] + out["vi_seen"]:
        assert "data" in spec and num_devices == 4, (spec, num_devices)
    truth = np.arange(5.0) / 5 - 0.4  # 10^6 rows: the posterior sd is about 0.003
    np.testing.assert_allclose(out["nuts_mean"], truth, atol=0.05)
    assert np.all(np.isfinite(out["vi_loc"]))


# -- one device (this process) ----------------------------------------------------------------------


@pf.model
def line(x, scale=1.0):
    slope = yield pfd.Normal(0.0, 1.0, name="slope")
    yield pfd.Normal(slope * x, scale, name="y")


def test_one_device_gives_the_same_posterior():
    x = jnp.linspace(-1.0, 1.0, 6)
    posterior = line(x).condition(y=2.0 * x)
    sharded = pf.shard_data(posterior, devices=jax.devices(), names=("x",))
    assert type(sharded) is type(posterior)
    assert sharded.latent_names == posterior.latent_names
    z = {"slope": jnp.asarray(0.7)}
    assert float(sharded.unconstrained_log_density(z)) == pytest.approx(
        float(posterior.unconstrained_log_density(z)), rel=1e-12)
    assert sharded.data["y"].sharding.spec == jax.sharding.PartitionSpec("data")
    pinned = pf.shard_data(line(x).experimental_pin(y=x), names="x")
    assert type(pinned).__name__ == "JointDistributionPinned"


def test_bad_arguments_are_named():
    x = jnp.linspace(-1.0, 1.0, 6)
    posterior = line(x).condition(y=x)
    with pytest.raises(TypeError, match="posterior must be a pf.Posterior"):
        pf.shard_data(line(x))
    with pytest.raises(ValueError, match="axis must be a non-negative int"):
        pf.shard_data(posterior, axis=-1)
    with pytest.raises(ValueError, match=r"names \['z'\] are not arguments .* are \['x'\]"):
        pf.shard_data(posterior, names=["z"])
    with pytest.raises(TypeError, match="'scale' holds no array to split"):
        pf.shard_data(line(x, 2.0).condition(y=x), names=["scale"])
    with pytest.raises(TypeError, match="names must be argument names"):
        pf.shard_data(posterior, names=[0])
    with pytest.raises(TypeError, match="devices must be None, a number"):
        pf.shard_data(posterior, devices="cpu")
    with pytest.raises(ShapeError, match="data for 'y' has shape"):
        pf.shard_data(line(jnp.asarray(1.0)).condition(y=1.0))
    jd = pf.JointDistributionNamed({"mu": pfd.Normal(0.0, 1.0),
                                    "y": lambda mu: pfd.Normal(jnp.full(4, mu), 1.0)})
    with pytest.raises(TypeError, match="needs a @pf.model model"):
        pf.shard_data(jd.condition(y=jnp.zeros(4)), names=["x"])


def test_container_arguments_are_split_leaf_by_leaf():
    @pf.model
    def m(inputs):
        w = yield pfd.Normal(0.0, 1.0, name="w")
        yield pfd.Normal(w * inputs["a"] + inputs["b"], 1.0, name="y")

    inputs = {"a": jnp.arange(4.0), "b": np.ones(4)}
    posterior = m(inputs).condition(y=jnp.zeros(4))
    sharded = pf.shard_data(posterior, names=["inputs"])
    assert all(isinstance(a, jax.Array) and a.sharding.spec == jax.sharding.PartitionSpec("data")
               for a in sharded.model.array_args)
    z = {"w": jnp.asarray(0.2)}
    assert float(sharded.unconstrained_log_density(z)) == pytest.approx(
        float(posterior.unconstrained_log_density(z)))
