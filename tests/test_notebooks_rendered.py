"""The notebooks are committed executed (the docs site shows their outputs), and the docs
hook renders them; the gallery's images are the notebooks' current figures."""

import base64
import importlib.util
import json
import pathlib

import pytest

ROOT = pathlib.Path(__file__).resolve().parents[1]
NOTEBOOKS = sorted((ROOT / "notebooks").glob("*.ipynb"))


def _load(path):
    return json.loads(path.read_text(encoding="utf-8"))


def _hook():
    spec = importlib.util.spec_from_file_location("notebooks_hook",
                                                  ROOT / "docs" / "hooks" / "notebooks.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _figures():
    spec = importlib.util.spec_from_file_location("make_figures", ROOT / "docs" / "make_figures.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_there_are_notebooks():
    assert len(NOTEBOOKS) >= 6


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_notebook_is_committed_executed_in_order(path):
    """Every code cell ran, once, top to bottom in one kernel, without an error; a notebook
    edited after its run (a new or changed cell) has a cell without an execution count."""
    cells = [c for c in _load(path)["cells"] if c["cell_type"] == "code" and "".join(c["source"]).strip()]
    counts = [c.get("execution_count") for c in cells]
    assert None not in counts, f"{path.name}: run docs/execute_notebooks.py (cells not executed)"
    assert counts == list(range(1, len(cells) + 1)), (
        f"{path.name}: execution counts {counts} are not 1..{len(cells)}; re-run "
        "docs/execute_notebooks.py so the outputs match the code")
    errors = [o for c in cells for o in c.get("outputs", []) if o.get("output_type") == "error"]
    assert not errors, f"{path.name}: committed with an error output"


def _executor():
    spec = importlib.util.spec_from_file_location("execute_notebooks",
                                                  ROOT / "docs" / "execute_notebooks.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_notebook_outputs_come_from_its_current_code(path):
    """docs/execute_notebooks.py stores a hash of the code it ran; an edit since then shows."""
    executor, nb = _executor(), _load(path)
    assert nb["metadata"].get(executor.SOURCES_KEY) == executor.code_fingerprint(nb), (
        f"{path.name}: its code changed after its outputs were made; run "
        f"docs/execute_notebooks.py {path.relative_to(ROOT)}")


def test_fingerprint_sees_a_code_change():
    executor = _executor()
    nb = {"cells": [{"cell_type": "code", "source": ["x = 1"]},
                    {"cell_type": "markdown", "source": ["text"]}]}
    before = executor.code_fingerprint(nb)
    nb["cells"][1]["source"] = ["other text"]
    assert executor.code_fingerprint(nb) == before
    nb["cells"][0]["source"] = ["x = 2"]
    assert executor.code_fingerprint(nb) != before


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_notebook_outputs_stay_small(path):
    assert path.stat().st_size < 1_500_000, f"{path.name} is {path.stat().st_size} bytes"


def test_gallery_images_are_the_notebooks_figures():
    figures = _figures()
    for name, (notebook, index) in figures.GALLERY.items():
        pngs = figures.notebook_pngs(ROOT / "notebooks" / notebook)
        assert (ROOT / "docs" / "images" / name).read_bytes() == pngs[index], (
            f"docs/images/{name} differs from figure {index} of {notebook}; run "
            "docs/make_figures.py gallery")
    gallery = (ROOT / "docs" / "gallery.md").read_text(encoding="utf-8")
    for name in figures.GALLERY:
        assert f"images/{name}" in gallery


def test_hook_renders_code_outputs_and_figures():
    nb = {"cells": [
        {"cell_type": "markdown", "source": ["# Title\n", "Intro."]},
        {"cell_type": "code", "source": ["print(1)"], "execution_count": 1,
         "outputs": [{"output_type": "stream", "name": "stdout", "text": ["1\n"]}]},
        {"cell_type": "code", "source": ["fig"], "execution_count": 2,
         "outputs": [{"output_type": "display_data",
                      "data": {"image/png": base64.b64encode(b"PNG").decode(),
                               "text/plain": ["<Figure>"]}}]},
    ]}
    page, images = _hook().notebook_to_markdown(nb, "demo", "https://example.org/repo")
    assert page.startswith("# Title\nIntro.\n\n[The notebook](https://example.org/repo/blob/main/notebooks/demo.ipynb)")
    assert "```python\nprint(1)\n```" in page and "```text\n1\n```" in page
    assert "![figure 1 of demo](demo_1.png)" in page and "<Figure>" not in page
    assert images == {"demo_1.png": b"PNG"}
