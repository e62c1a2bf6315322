"""Sequential.fit progress output and the shared progress-bar factory (issue 14)."""

import os
import sys
import types
import warnings

import jax
import numpy as np
import optax
import pytest

from probflow import layers
from probflow.core import progress


def _net_and_data():
    rng = np.random.default_rng(0)
    x = rng.normal(size=(24, 2))
    y = x @ np.asarray([1.0, -1.0]) + 0.1 * rng.normal(size=24)
    net = layers.Sequential([layers.Dense(1), layers.NormalHead()])
    net.compile(optax.adam(1e-2))
    return net, x, y


def test_fit_shows_one_bar_by_default_and_lines_with_verbose_2(capsys):
    net, x, y = _net_and_data()
    net.fit(x, y, epochs=6, batch_size=8, key=jax.random.key(0))
    out, err = capsys.readouterr()
    assert out == ""  # no Keras-style lines
    assert "Epoch" not in err
    assert "fit: 100%" in err and "6/6" in err and "loss=" in err
    net.fit(x, y, epochs=3, batch_size=8, key=jax.random.key(1), verbose=2)
    out, err = capsys.readouterr()
    lines = out.splitlines()
    assert len(lines) == 3 and all(line.startswith(f"Epoch {i + 1}/3 - ")
                                   for i, line in enumerate(lines))
    assert "fit:" not in err
    net.fit(x, y, epochs=2, batch_size=8, key=jax.random.key(2), verbose=0)
    assert capsys.readouterr() == ("", "")


def test_fit_rejects_an_unknown_verbose():
    net, x, y = _net_and_data()
    with pytest.raises(ValueError, match=r"Sequential.fit: verbose must be 0 \(silent\), 1 \(a "
                                         r"progress bar\) or 2 \(one line per epoch\), got 3"):
        net.fit(x, y, epochs=1, key=jax.random.key(0), verbose=3)


def _fake_notebook(monkeypatch):
    shell_type = type("ZMQInteractiveShell", (), {})
    ipython = types.ModuleType("IPython")
    ipython.get_ipython = lambda: shell_type()
    monkeypatch.setitem(sys.modules, "IPython", ipython)
    monkeypatch.setitem(sys.modules, "ipykernel.zmqshell", types.ModuleType("ipykernel.zmqshell"))
    for name in [n for n in os.environ if n == "QT_API" or n.startswith("SPYDER")]:
        monkeypatch.delenv(name)


def test_notebook_without_ipywidgets_falls_back_to_text_quietly(monkeypatch, capsys):
    _fake_notebook(monkeypatch)
    assert progress.in_notebook()
    monkeypatch.setattr(progress, "widgets_available", lambda: False)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # tqdm.auto would warn "IProgress not found" here
        bar = progress.progress_bar(4, desc="run")
        bar.update(4)
        bar.close()
    assert type(bar).__module__ == "tqdm.std"
    assert "run: 100%" in capsys.readouterr().err


def test_terminal_gets_text_and_notebook_with_widgets_gets_widgets(monkeypatch):
    assert not progress.in_notebook()
    assert progress.bar_class().__module__ == "tqdm.std"
    assert progress.bar_class(notebook=True, widgets=False).__module__ == "tqdm.std"
    if progress.widgets_available():
        assert progress.bar_class(notebook=True, widgets=True).__module__ == "tqdm.notebook"
    # a disabled bar never needs widgets
    _fake_notebook(monkeypatch)
    assert type(progress.progress_bar(3, disable=True)).__module__ == "tqdm.std"
