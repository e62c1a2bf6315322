"""Make the docs site's images under ``docs/images/``.

* ``index_trace.png``: runs the example on the home page (the first ``python`` block of
  ``docs/index.md``, exactly as written there), prints its summary (the output pasted under it)
  and saves ArviZ's trace plot of the result.
* ``gallery_*.png``: the figures of the executed notebooks in ``notebooks/`` (committed with their
  outputs, see ``docs/execute_notebooks.py``), copied out for ``docs/gallery.md``.

Usage, from the repository root with the ``dev`` extra installed::

    MPLBACKEND=Agg .venv/bin/python docs/make_figures.py            # both
    MPLBACKEND=Agg .venv/bin/python docs/make_figures.py gallery    # notebook images only
"""

from __future__ import annotations

import base64
import json
import pathlib
import re
import sys

ROOT = pathlib.Path(__file__).resolve().parents[1]
IMAGES = ROOT / "docs" / "images"

# Gallery image name -> (notebook, index of the PNG among the notebook's PNG outputs).
GALLERY = {
    "gallery_trace.png": ("eight_schools.ipynb", 0),
    "gallery_rank.png": ("eight_schools.ipynb", 1),
    "gallery_pair.png": ("eight_schools.ipynb", 2),
    "gallery_ppc.png": ("models_and_predictive.ipynb", 0),
    "gallery_flow_density.png": ("normalizing_flows.ipynb", 0),
    "gallery_bnn_uncertainty.png": ("bnn_regression.ipynb", 0),
    "gallery_vi_guides.png": ("variational_inference.ipynb", 0),
    "gallery_logistic_pair.png": ("logistic_regression.ipynb", 2),
}


def first_python_block(markdown: str) -> str:
    """The first fenced ``python`` code block of a Markdown page."""
    match = re.search(r"^```python\n(.*?)^```", markdown, flags=re.S | re.M)
    if match is None:
        raise ValueError("no ```python block found")
    return match.group(1)


def notebook_pngs(path: pathlib.Path) -> list[bytes]:
    """Every PNG output of an executed notebook, in order."""
    nb = json.loads(path.read_text(encoding="utf-8"))
    pngs = []
    for cell in nb["cells"]:
        for output in cell.get("outputs", []):
            data = output.get("data", {})
            if "image/png" in data:
                pngs.append(base64.b64decode(data["image/png"]))
    return pngs


def make_index_figure() -> None:
    """Run the home page's example and save its trace plot."""
    import arviz as az
    import matplotlib.pyplot as plt

    code = first_python_block((ROOT / "docs" / "index.md").read_text(encoding="utf-8"))
    namespace: dict = {}
    exec(compile(code, "docs/index.md", "exec"), namespace)  # noqa: S102 - our own page
    axes = az.plot_trace(namespace["idata"], compact=True, figsize=(9, 5))
    fig = axes.ravel()[0].figure
    fig.tight_layout()
    fig.savefig(IMAGES / "index_trace.png", dpi=80)
    plt.close(fig)


def make_gallery() -> None:
    """Copy the gallery's figures out of the executed notebooks."""
    for name, (notebook, index) in GALLERY.items():
        pngs = notebook_pngs(ROOT / "notebooks" / notebook)
        if index >= len(pngs):
            raise ValueError(f"{notebook} has {len(pngs)} figures; is it executed?")
        (IMAGES / name).write_bytes(pngs[index])


def main(argv: list[str]) -> None:
    IMAGES.mkdir(exist_ok=True)
    what = argv[0] if argv else "all"
    if what in ("all", "index"):
        make_index_figure()
    if what in ("all", "gallery"):
        make_gallery()


if __name__ == "__main__":
    main(sys.argv[1:])
