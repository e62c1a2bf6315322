"""Run the TFP port programs under real TFP and under probflow, and print the differences.

The five programs of ``tests/tfp_ports/programs.py`` are TFP-on-JAX code; probflow runs
them with the import line changed to ``import probflow.tfp_compat as tfp``. This script
runs each under both (in the bench environment, which has ``tfp-nightly``) and prints,
per program, the largest absolute and relative difference over its results. It also
compares ``parameter_properties()`` (event ranks and default constraining bijectors, at a
few unconstrained points) for every distribution class the two libraries share.

    /work/bench-venv/bin/python benchmarks/tfp_ports_check.py
    /work/bench-venv/bin/python benchmarks/tfp_ports_check.py --emit-literals \\
        tests/tfp_ports/expected.py     # rewrite the test's TFP literals

Never imported by probflow or its tests.
"""

from __future__ import annotations

import argparse
import pathlib
import sys

import numpy as np

ROOT = pathlib.Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.tfp_ports import programs  # noqa: E402

LITERALS_HEADER = '''"""TFP's results for the port programs of ``tests/tfp_ports/programs.py``.

Produced with TFP on JAX (float64) by:

    /work/bench-venv/bin/python benchmarks/tfp_ports_check.py --emit-literals \\\\
        tests/tfp_ports/expected.py

TFP version: {version}.
"""

# ruff: noqa: E501

EXPECTED = {{
'''


def _differences(tfp_results: dict, pf_results: dict) -> tuple[float, float, list[str]]:
    worst_abs, worst_rel, problems = 0.0, 0.0, []
    for key, expected in tfp_results.items():
        got = pf_results.get(key)
        if got is None or got.shape != expected.shape:
            problems.append(f"{key}: shape {None if got is None else got.shape} "
                            f"vs {expected.shape}")
            continue
        diff = np.abs(got - expected)
        worst_abs = max(worst_abs, float(diff.max(initial=0.0)))
        scale = np.maximum(np.abs(expected), 1e-300)
        worst_rel = max(worst_rel, float((diff / scale).max(initial=0.0)))
    return worst_abs, worst_rel, problems


def compare_programs() -> dict:
    """Run every program under both libraries; print and return TFP's results."""
    all_tfp = {}
    print(f"{'program':<16}{'results':>8}{'max |diff|':>14}{'max rel diff':>14}")
    for name in programs.PROGRAMS:
        tfp_results = programs.run(name, "tfp")
        pf_results = programs.run(name, "probflow")
        worst_abs, worst_rel, problems = _differences(tfp_results, pf_results)
        print(f"{name:<16}{len(tfp_results):>8}{worst_abs:>14.2e}{worst_rel:>14.2e}")
        for problem in problems:
            print(f"    MISMATCH {problem}")
        all_tfp[name] = tfp_results
    return all_tfp


def _probe_points(event_ndims: int) -> np.ndarray:
    if event_ndims == 0:
        return np.array([-1.5, 0.0, 0.7])
    if event_ndims == 1:
        return np.array([-0.4, 0.3, 1.1])
    return np.array([-0.4, 0.3, 1.1, 0.2, -0.6, 0.9])  # a 3x3 triangle as a vector


def compare_parameter_properties() -> None:
    """Event ranks and constraining bijectors of the parameters both libraries name."""
    import tensorflow_probability.substrates.jax as tfp

    import probflow.distributions as pfd

    tfd = tfp.distributions
    checked = mismatched = 0
    for name in sorted(dir(pfd)):
        pf_cls, tfp_cls = getattr(pfd, name), getattr(tfd, name, None)
        if not isinstance(pf_cls, type) or tfp_cls is None or not issubclass(
                pf_cls, pfd.Distribution):
            continue
        try:
            tfp_props = tfp_cls.parameter_properties()
        except Exception:  # noqa: BLE001 - some TFP classes have none
            continue
        pf_props = pf_cls.parameter_properties()
        for param, tfp_p in tfp_props.items():
            pf_p = pf_props.get(param)
            if pf_p is None or not pf_p.is_tensor or not tfp_p.is_tensor:
                continue
            checked += 1
            notes = []
            tfp_nd = tfp_p.event_ndims
            if callable(tfp_nd):
                continue
            if tfp_nd != pf_p.event_ndims:
                notes.append(f"event_ndims {pf_p.event_ndims} (TFP {tfp_nd})")
            if pf_p.event_ndims <= 1:
                x = _probe_points(pf_p.event_ndims)
                try:
                    want = np.asarray(tfp_p.default_constraining_bijector_fn().forward(x))
                    got = np.asarray(pf_p.default_constraining_bijector_fn().forward(x))
                    if want.shape != got.shape or not np.allclose(want, got, rtol=1e-5):
                        notes.append(f"bijector forward {got.round(4).tolist()} "
                                     f"(TFP {want.round(4).tolist()})")
                except Exception as err:  # noqa: BLE001 - report, do not stop
                    notes.append(f"bijector not comparable: {type(err).__name__}")
            if notes:
                mismatched += 1
                print(f"    {name}.{param}: " + "; ".join(notes))
    print(f"parameter_properties: {checked} parameters compared, {mismatched} differ")


def emit_literals(path: str, all_tfp: dict) -> None:
    import tensorflow_probability.substrates.jax as tfp

    lines = [LITERALS_HEADER.format(version=tfp.__version__)]
    for name, results in all_tfp.items():
        lines.append(f"    {name!r}: {{\n")
        for key, value in results.items():
            lines.append(f"        {key!r}: {np.asarray(value).tolist()!r},\n")
        lines.append("    },\n")
    lines.append("}\n")
    pathlib.Path(path).write_text("".join(lines))
    print(f"wrote {path}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--emit-literals", metavar="PATH",
                        help="write TFP's results as the test's literal file")
    parser.add_argument("--skip-parameter-properties", action="store_true")
    args = parser.parse_args()
    all_tfp = compare_programs()
    if not args.skip_parameter_properties:
        compare_parameter_properties()
    if args.emit_literals:
        emit_literals(args.emit_literals, all_tfp)


if __name__ == "__main__":
    main()
