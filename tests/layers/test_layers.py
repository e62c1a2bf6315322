"""Unit tests of the layers: shapes, KL terms, estimators' means, transforms, configs."""

import jax
import jax.numpy as jnp
import numpy as np
import optax
import pytest

import probflow as pf
from probflow import distributions as pfd
from probflow import layers as L
from probflow.core.errors import ShapeError

F32 = jnp.float32


def _init_apply(layer, in_shape, batch=5, key=0, dtype=F32):
    params = layer.init(jax.random.key(key), in_shape, dtype)
    x = jax.random.normal(jax.random.key(key + 1), (batch,) + in_shape, dtype)
    return params, x


@pytest.mark.parametrize("cls", [L.DenseReparameterization, L.DenseFlipout,
                                 L.DenseLocalReparameterization, L.DenseVariational])
def test_dense_bayesian_shapes_and_mean_pass(cls):
    layer = cls(4, activation="tanh")
    params, x = _init_apply(layer, (3,))
    y, kl = layer.apply(params, x, key=jax.random.key(2))
    assert y.shape == (5, 4) and y.dtype == F32 and kl.shape == ()
    # key=None is the deterministic pass through the surrogate means.
    y0, _ = layer.apply(params, x)
    ref = jnp.tanh(x @ params["kernel"]["loc"] + params["bias"]["loc"])
    np.testing.assert_allclose(y0, ref, rtol=1e-6)
    # Small initial scales: a sampled pass is close to the mean pass.
    assert float(jnp.max(jnp.abs(y - y0))) < 0.05


def test_kl_closed_form_matches_normal_formula():
    layer = L.DenseFlipout(2, kernel_prior=pfd.Normal(0.0, 2.0))
    params = layer.init(jax.random.key(0), (3,), jnp.float64)
    _, kl = layer.apply(params, jnp.ones((1, 3)), key=jax.random.key(1))
    expected = 0.0
    for part, prior_scale in (("kernel", 2.0), ("bias", 1.0)):
        m = params[part]["loc"]
        s = jax.nn.softplus(params[part]["rho"])
        expected += jnp.sum(jnp.log(prior_scale / s) + (s**2 + m**2) / (2 * prior_scale**2)
                            - 0.5)
    np.testing.assert_allclose(kl, expected, rtol=1e-10)


def test_monte_carlo_kl_is_unbiased_for_scale_mixture_and_matches_analytic():
    # With a normal prior the Monte Carlo estimate (kl_method="mc") averages to the closed form.
    layer_mc = L.DenseReparameterization(3, kl_method="mc", surrogate=L.MeanField(init_scale=0.5))
    layer_cf = L.DenseReparameterization(3, surrogate=L.MeanField(init_scale=0.5))
    params = layer_mc.init(jax.random.key(0), (4,), jnp.float64)
    x = jnp.ones((1, 4))
    keys = jax.random.split(jax.random.key(1), 4000)
    kls = jax.vmap(lambda k: layer_mc.apply(params, x, key=k)[1])(keys)
    _, kl_cf = layer_cf.apply(params, x, key=keys[0])
    # 4000 draws: the standard error of the mean is std/sqrt(4000); allow 4 of them.
    se = float(jnp.std(kls)) / np.sqrt(kls.shape[0])
    assert abs(float(kls.mean()) - float(kl_cf)) < 4 * se
    # The scale mixture prior has no closed form: the layer falls back to Monte Carlo.
    mix = L.DenseFlipout(3, kernel_prior=L.ScaleMixturePrior(0.5, 1.0, 0.01))
    _, kl = mix.apply(mix.init(jax.random.key(0), (4,)), jnp.ones((2, 4)), key=jax.random.key(3))
    assert np.isfinite(float(kl))


def test_dense_variational_with_laplace_prior_and_surrogate_uses_closed_form_or_mc():
    layer = L.DenseVariational(2, kernel_prior=pfd.Laplace(0.0, 1.0),
                               surrogate=L.MeanField("Laplace", 0.1), estimator="flipout")
    params, x = _init_apply(layer, (3,))
    y, kl = layer.apply(params, x, key=jax.random.key(0))
    assert y.shape == (5, 2) and np.isfinite(float(kl))
    with pytest.raises(ValueError, match="local reparameterization needs a Normal"):
        L.DenseVariational(2, surrogate=L.MeanField("Laplace"),
                           estimator="local_reparameterization")


def test_flipout_and_reparameterization_output_moments_agree():
    # Per example, flipout's output has the same distribution as the reparameterization
    # estimator's; compare mean and variance over 4000 draws for one example.
    lf = L.DenseFlipout(3, surrogate=L.MeanField(init_scale=0.3))
    lr = L.DenseReparameterization(3, surrogate=L.MeanField(init_scale=0.3))
    params = lf.init(jax.random.key(0), (4,), jnp.float64)
    x = jax.random.normal(jax.random.key(1), (2, 4), jnp.float64)
    keys = jax.random.split(jax.random.key(2), 4000)
    yf = jax.vmap(lambda k: lf.apply(params, x, key=k)[0])(keys)
    yr = jax.vmap(lambda k: lr.apply(params, x, key=k)[0])(keys)
    sd = jnp.std(yr, 0)
    assert float(jnp.max(jnp.abs(yf.mean(0) - yr.mean(0)) / sd)) < 4 * np.sqrt(2 / 4000)
    np.testing.assert_allclose(jnp.var(yf, 0), jnp.var(yr, 0), rtol=0.15)


@pytest.mark.compile_bound
@pytest.mark.parametrize("cls,shape,out", [
    (L.Conv2DFlipout, (8, 8, 2), (4, 4, 3)),
    (L.Conv2DReparameterization, (8, 8, 2), (4, 4, 3)),
    (L.Conv1DFlipout, (9, 2), (5, 3)),
    (L.Conv1DReparameterization, (9, 2), (5, 3)),
])
def test_conv_shapes_strides_and_padding(cls, shape, out):
    layer = cls(3, 3, strides=2, padding="same", activation="relu")
    params, x = _init_apply(layer, shape, batch=2)
    y, kl = layer.apply(params, x, key=jax.random.key(0))
    assert y.shape == (2,) + out and np.isfinite(float(kl))
    valid = cls(3, 3, padding="valid")
    pv = valid.init(jax.random.key(0), shape)
    yv, _ = valid.apply(pv, x)
    assert yv.shape[1] == shape[0] - 2


def test_conv_mean_pass_matches_lax():
    layer = L.Conv2DFlipout(2, (3, 3), padding="valid")
    params, x = _init_apply(layer, (5, 5, 1), batch=1)
    y, _ = layer.apply(params, x)
    ref = jax.lax.conv_general_dilated(x, params["kernel"]["loc"], (1, 1), "VALID",
                                       dimension_numbers=("NHWC", "HWIO", "NHWC"))
    np.testing.assert_allclose(y, ref + params["bias"]["loc"], rtol=1e-5)


def test_basic_layers():
    x = jnp.ones((2, 3, 4), F32)
    assert L.Flatten().apply({}, x)[0].shape == (2, 12)
    y, _ = L.Dropout(0.5).apply({}, x, key=jax.random.key(0), training=False)
    np.testing.assert_array_equal(y, x)
    y, _ = L.Dropout(0.5).apply({}, jnp.ones((1, 4000)), key=jax.random.key(0), training=True)
    assert abs(float(y.mean()) - 1.0) < 0.1
    emb = L.Embedding(7, 2)
    ids = jnp.asarray([[0, 6], [3, 3]])
    out, _ = emb.apply(emb.init(jax.random.key(0), (2,)), ids)
    assert out.shape == (2, 2, 2)
    with pytest.raises(ValueError, match="rate must be in"):
        L.Dropout(1.5)
    with pytest.raises(ValueError, match="activation must be"):
        L.Dense(2, activation="nope")


def test_heads_distributions_and_moments():
    h = jnp.zeros((4, 1), F32)
    for head, cls in [(L.NormalHead(), pfd.Normal), (L.StudentTHead(), pfd.StudentT),
                      (L.BernoulliHead(), pfd.Bernoulli), (L.PoissonHead(), pfd.Poisson)]:
        dist, _ = head.apply(head.init(jax.random.key(0), (1,)), h)
        assert isinstance(dist, cls) and dist.batch_shape == (4,)
        mean, var = head.moments(dist)
        assert mean.shape == (4,) and var.shape == (4,)
    dist, _ = L.CategoricalHead().apply({}, jnp.zeros((4, 3)))
    assert isinstance(dist, pfd.Categorical)
    fixed = L.NormalHead(scale=0.5)
    assert fixed.init(jax.random.key(0), (1,)) == {}
    hetero = L.NormalHead(heteroscedastic=True)
    d, _ = hetero.apply({}, jnp.zeros((3, 2)))
    np.testing.assert_allclose(d.scale, jax.nn.softplus(0.0) + 1e-6, rtol=1e-6)


def test_apply_under_jit_vmap_grad_and_a_user_optax_loop():
    net = L.Sequential([L.DenseFlipout(8, activation="relu"), L.DenseFlipout(1),
                        L.NormalHead()])
    params = net.init(jax.random.key(0), (2,))
    x = jax.random.normal(jax.random.key(1), (64, 2), F32)
    y = x[:, 0] - x[:, 1]

    def loss(params, key):
        dist, kl = net.apply(params, x, key=key, training=True)
        return -dist.log_prob(y).mean() + kl / 64

    opt = optax.adam(1e-2)
    state = opt.init(params)

    @jax.jit
    def step(params, state, key):
        value, grads = jax.value_and_grad(loss)(params, key)
        updates, state = opt.update(grads, state, params)
        return optax.apply_updates(params, updates), state, value

    first = None
    for i in range(200):
        params, state, value = step(params, state, jax.random.key(i))
        first = value if first is None else first
    assert float(value) < float(first) - 0.5
    outs = jax.vmap(lambda k: net.apply(params, x, key=k)[0].loc)(jax.random.split(
        jax.random.key(0), 3))
    assert outs.shape == (3, 64)


def test_layer_config_round_trip():
    layers = [L.DenseFlipout(3, activation="relu", kernel_prior=L.ScaleMixturePrior(0.25)),
              L.Conv2DFlipout(2, 3, strides=2), L.DenseVariational(2, estimator="flipout"),
              L.Dropout(0.1), L.NormalHead(scale=0.3), L.StudentTHead(df=None)]
    for layer in layers:
        again = L.layer_from_config(layer.get_config())
        assert type(again) is type(layer)
        assert again.get_config() == layer.get_config()
    with pytest.raises(ValueError, match="unknown layer class"):
        L.layer_from_config({"class": "Nope"})


def test_sequential_construction_errors():
    with pytest.raises(ValueError, match="last layer must be an output head"):
        L.Sequential([L.Dense(2)])
    with pytest.raises(ValueError, match="must be the last layer"):
        L.Sequential([L.NormalHead(), L.Dense(1), L.NormalHead()])
    with pytest.raises(TypeError, match=r"layers\[0\]"):
        L.Sequential(["dense", L.NormalHead()])
    net = L.Sequential([L.Dense(1), L.NormalHead()])
    with pytest.raises(RuntimeError, match="no parameters yet"):
        net.predict(np.zeros((2, 1)), key=jax.random.key(0))


def test_conv_sizes_are_checked_with_the_argument_named():
    with pytest.raises(TypeError, match=r"kernel_size must be a positive integer or a tuple of "
                                        r"2 positive integers, got True \(bool\)"):
        L.Conv2DFlipout(2, True)
    with pytest.raises(TypeError, match=r"strides must be .* got 1.5 \(float\)"):
        L.Conv2DFlipout(2, 3, strides=1.5)
    with pytest.raises(ValueError, match=r"kernel_size must be .* got \(3, True\)"):
        L.Conv2DFlipout(2, (3, True))
    with pytest.raises(ValueError, match=r"kernel_size must be .* got \(3,\)"):
        L.Conv2DFlipout(2, (3,))
    layer = L.Conv2DFlipout(2, (np.int64(3), 2))  # NumPy integers are integers
    assert layer.kernel_size == (3, 2) and type(layer.kernel_size[0]) is int


def test_pf_layers_is_wired():
    assert pf.layers.Sequential is L.Sequential


def test_summary_lists_shapes_and_counts(capsys):
    net = L.Sequential([L.Conv2DFlipout(4, 3, activation="relu"), L.Flatten(),
                        L.DenseFlipout(10), L.CategoricalHead()])
    net.build(jax.random.key(0), (8, 8, 1))
    text = net.summary()
    assert "(None, 8, 8, 4)" in text and "(None, 256)" in text
    conv_params = 2 * (3 * 3 * 1 * 4 + 4)
    dense_params = 2 * (256 * 10 + 10)
    assert f"Total parameters: {conv_params + dense_params}" in text
    assert "Total parameters" in capsys.readouterr().out


def test_shape_errors_name_the_problem():
    layer = L.DenseFlipout(2)
    params = layer.init(jax.random.key(0), (3,))
    with pytest.raises(ShapeError, match="expected 3"):
        layer.apply(params, jnp.ones((2, 4)), key=jax.random.key(0))
    conv = L.Conv2DFlipout(2, 3)
    with pytest.raises(ShapeError, match=r"\(batch, height, width, channels\)"):
        conv.apply(conv.init(jax.random.key(0), (4, 4, 1)), jnp.ones((4, 4, 1)))
