"""Benchmark: flow training steps per second, probflow vs distrax vs TFP-on-JAX.

Run with the ``bench`` extra installed: ``python benchmarks/flows.py``. Same architecture
everywhere: 2-D events, coupling layers alternating which coordinate is transformed, the
same MLP conditioner (two hidden layers of 64, written once here as plain JAX and shared by
every library), adam, batch 512 of two-moons data. RealNVP: 8 affine coupling layers
(probflow, distrax ``MaskedCoupling`` + ``ScalarAffine``, TFP ``RealNVP`` with a custom
``shift_and_log_scale_fn``). Spline: 4 rational-quadratic spline coupling layers with 8 bins
(probflow, distrax ``RationalQuadraticSpline``; TFP's spline coupling needs a Keras-style
``bijector_fn`` with per-layer state and is left out). Times are medians over repeated
blocks of 50 jitted steps after compilation.
"""

from __future__ import annotations

import sys

import jax
import jax.numpy as jnp
import optax
from sklearn.datasets import make_moons

sys.path.insert(0, __file__.rsplit("/", 1)[0])
from common import machine_line, markdown_table, time_jitted  # noqa: E402

import probflow.distributions as pfd  # noqa: E402
from probflow.bijectors import flows  # noqa: E402

BATCH, HIDDEN, STEPS_PER_CALL = 512, (64, 64), 50
DATA = jnp.asarray(make_moons(8192, noise=0.05, random_state=0)[0], jnp.float32)


def normal_log_prob(z):
    return -0.5 * jnp.sum(z**2, -1) - jnp.log(2 * jnp.pi)


def trainer(loss_fn, params):
    """A jitted function running STEPS_PER_CALL adam steps (a lax.scan) from ``params``."""
    optimizer = optax.adam(1e-3)

    def run(params, state, key):
        def body(carry, k):
            p, s = carry
            batch = DATA[jax.random.choice(k, DATA.shape[0], (BATCH,))]
            grads = jax.grad(loss_fn)(p, batch)
            updates, s = optimizer.update(grads, s, p)
            return (optax.apply_updates(p, updates), s), None

        (params, state), _ = jax.lax.scan(body, (params, state),
                                          jax.random.split(key, STEPS_PER_CALL))
        return params, state

    return jax.jit(run), (params, optimizer.init(params), jax.random.key(0))


def conditioner_params(key, layers, out_size):
    return [flows.mlp_init(k, 1, out_size, HIDDEN) for k in jax.random.split(key, layers)]


# -- probflow ---------------------------------------------------------------------------------

def probflow_case(kind, layers):
    flow = flows.stacked_flow(jax.random.key(0), kind, event_size=2, num_layers=layers,
                              hidden_units=HIDDEN, num_bins=8, bound=4.0)
    base = pfd.Independent(pfd.Normal(jnp.zeros(2), 1.0), 1)

    def loss(b, x):
        return -jnp.mean(pfd.TransformedDistribution(base, b).log_prob(x))

    return trainer(loss, flow)


# -- distrax ----------------------------------------------------------------------------------

def distrax_case(kind, layers):
    import distrax

    bins = 8
    out = 2 if kind == "realnvp" else 3 * bins + 1
    params = conditioner_params(jax.random.key(0), layers, out)

    def make(params):
        parts = []
        for i, p in enumerate(params):
            mask = jnp.asarray([i % 2 == 0, i % 2 == 1])

            def conditioner(x, p=p, i=i):
                return flows.mlp_apply(p, x[..., (i % 2):(i % 2) + 1])

            if kind == "realnvp":
                def inner(raw):
                    return distrax.ScalarAffine(shift=raw[..., :1],
                                                log_scale=2 * jnp.tanh(0.5 * raw[..., 1:]))
            else:
                def inner(raw):
                    return distrax.RationalQuadraticSpline(raw[..., None, :], -4.0, 4.0)

            parts.append(distrax.MaskedCoupling(mask=mask, conditioner=conditioner,
                                                bijector=inner))
        return distrax.Chain(parts)

    def loss(params, x):
        z, ildj = make(params).inverse_and_log_det(x)
        return -jnp.mean(normal_log_prob(z) + ildj)

    return trainer(loss, params)


# -- TFP on JAX -------------------------------------------------------------------------------

def tfp_case(layers):
    from tensorflow_probability.substrates import jax as tfp

    tfb = tfp.bijectors
    params = conditioner_params(jax.random.key(0), layers, 2)

    def make(params):
        parts = []
        for i, p in enumerate(params):
            def fn(x, output_units, p=p):
                raw = flows.mlp_apply(p, x)
                return raw[..., :1], 2 * jnp.tanh(0.5 * raw[..., 1:])

            parts.append(tfb.RealNVP(num_masked=1, shift_and_log_scale_fn=fn))
            if i < len(params) - 1:
                parts.append(tfb.Permute([1, 0]))
        return tfb.Chain(parts)

    def loss(params, x):
        b = make(params)
        z = b.inverse(x)
        return -jnp.mean(normal_log_prob(z) + b.inverse_log_det_jacobian(x, event_ndims=1))

    return trainer(loss, params)


def main():
    rows = []
    cases = [("RealNVP, 8 affine couplings", "probflow", lambda: probflow_case("realnvp", 8)),
             ("RealNVP, 8 affine couplings", "distrax", lambda: distrax_case("realnvp", 8)),
             ("RealNVP, 8 affine couplings", "TFP", lambda: tfp_case(8)),
             ("spline coupling, 4 layers x 8 bins", "probflow",
              lambda: probflow_case("spline_coupling", 4)),
             ("spline coupling, 4 layers x 8 bins", "distrax", lambda: distrax_case("spline", 4))]
    results = {}
    for flow_name, library, build in cases:
        try:
            run, args = build()
            seconds = time_jitted(run, *args, repeats=5)
            results[(flow_name, library)] = STEPS_PER_CALL / seconds
        except Exception as err:  # report, keep going
            print(f"# {library} {flow_name} failed: {type(err).__name__}: {err}", file=sys.stderr)
    for (flow_name, library), rate in results.items():
        ours = results.get((flow_name, "probflow"))
        rows.append([flow_name, library, f"{rate:,.0f}",
                     f"{ours / rate:.2f}x" if ours else "n/a"])
    print(f"training steps per second (batch {BATCH}); {machine_line()}\n")
    print(markdown_table(["flow", "library", "steps/s", "probflow speed vs this"], rows))


if __name__ == "__main__":
    main()
