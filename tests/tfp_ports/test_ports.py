"""Five TFP-on-JAX programs run on probflow with only their import line changed.

Each program (``programs.py``) is TFP code; ``programs.port`` swaps
``import tensorflow_probability.substrates.jax as tfp`` for
``import probflow.tfp_compat as tfp``. The results are compared with TFP's own, computed
in the bench environment and stored as literals in ``expected.py`` by::

    /work/bench-venv/bin/python benchmarks/tfp_ports_check.py --emit-literals \\
        tests/tfp_ports/expected.py

Tolerances: both libraries evaluate the same float64 closed forms (the GP through a
Cholesky factor with the same jitter, the HMM through the forward-backward recursions), so
they agree to rounding (the script measured at most 4e-14 relative); ``rtol=1e-9`` leaves room
for other but exact summation orders and fails on any wrong formula, parameterization or
shape convention.
"""

import numpy as np
import pytest

from tests.tfp_ports import programs
from tests.tfp_ports.expected import EXPECTED


@pytest.mark.compile_bound
@pytest.mark.parametrize("name", list(programs.PROGRAMS))
def test_program_matches_tfp(name):
    results = programs.run(name, "probflow")
    expected = EXPECTED[name]
    assert sorted(results) == sorted(expected)
    for key, want in expected.items():
        want = np.asarray(want, dtype=np.float64)
        np.testing.assert_allclose(results[key], want, rtol=1e-9, atol=1e-12,
                                   err_msg=f"{name}: {key}")


@pytest.mark.parametrize("name", list(programs.PROGRAMS))
def test_port_changes_only_the_import_line(name):
    text = programs.PROGRAMS[name]
    before, after = text.splitlines(), programs.port(text).splitlines()
    changed = [(a, b) for a, b in zip(before, after, strict=True) if a != b]
    assert changed == [(programs.TFP_IMPORT, programs.PROBFLOW_IMPORT)]


def test_port_rejects_a_program_without_the_import():
    with pytest.raises(ValueError, match="import TFP exactly once"):
        programs.port("import numpy as np\n")
