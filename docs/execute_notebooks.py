"""Execute the notebooks in ``notebooks/`` in place, so they are committed with their outputs.

The docs site renders the committed outputs (no notebook runs during ``mkdocs build``) and the
test suite runs every notebook again with nbmake; ``tests/test_notebooks_rendered.py`` checks
that each committed notebook has been executed from top to bottom.

Usage (from the repository root, with the ``dev`` extra installed)::

    .venv/bin/python docs/execute_notebooks.py            # all notebooks
    .venv/bin/python docs/execute_notebooks.py notebooks/eight_schools.ipynb

The kernel uses matplotlib's inline backend (``MPLBACKEND`` is removed from its environment),
so every ``plt.show()`` leaves a PNG in the notebook. Large HTML outputs (xarray's repr of an
``InferenceData``) are dropped where a plain-text form exists, to keep the files small.

Run it after changing a notebook, then ``.venv/bin/python docs/make_figures.py`` to refresh the
gallery's images.
"""

from __future__ import annotations

import hashlib
import os
import pathlib
import sys
import time

import nbformat
from nbclient import NotebookClient

ROOT = pathlib.Path(__file__).resolve().parents[1]
SOURCES_KEY = "probflow_executed_code_sha256"
HTML_LIMIT = 20_000  # characters of an HTML output kept when a plain-text form exists


def execute(path: pathlib.Path, timeout: int = 1800) -> None:
    """Run ``path`` top to bottom in a fresh kernel and write it back with its outputs."""
    nb = nbformat.read(path, as_version=4)
    client = NotebookClient(nb, timeout=timeout, kernel_name="python3",
                            resources={"metadata": {"path": str(path.parent)}})
    client.execute()
    clean(nb)
    nb.metadata[SOURCES_KEY] = code_fingerprint(nb)
    nbformat.write(nb, path)


def code_fingerprint(nb) -> str:
    """SHA-256 of the notebook's code cells, stored at execution so that a test can tell when
    the code changed after the outputs were made."""
    code = "\n\x00".join("".join(c["source"]) if isinstance(c["source"], list) else c["source"]
                          for c in nb["cells"] if c["cell_type"] == "code")
    return hashlib.sha256(code.encode("utf-8")).hexdigest()


def clean(nb) -> None:
    """Drop what only this machine prints: timings, tqdm's notice that ipywidgets is missing,
    and large HTML reprs that have a plain-text form."""
    for cell in nb.cells:
        cell.metadata.pop("execution", None)
        outputs = []
        for output in cell.get("outputs", []):
            data = output.get("data", {})
            if "text/plain" in data and len(str(data.get("text/html", ""))) > HTML_LIMIT:
                del data["text/html"]
            if output.get("name") == "stderr":
                lines = output["text"].splitlines(keepends=True)
                keep, skip_next = [], False
                for line in lines:
                    if "TqdmWarning: IProgress not found" in line:
                        skip_next = True
                        continue
                    if skip_next and line.lstrip().startswith("from .autonotebook"):
                        skip_next = False
                        continue
                    skip_next = False
                    keep.append(line)
                output["text"] = "".join(keep)
                if not output["text"].strip():
                    continue
            outputs.append(output)
        if cell.cell_type == "code":
            cell.outputs = outputs


def main(argv: list[str]) -> None:
    os.environ.pop("MPLBACKEND", None)  # the kernel inherits it; inline draws the figures
    paths = [pathlib.Path(p) for p in argv] or sorted((ROOT / "notebooks").glob("*.ipynb"))
    for path in paths:
        start = time.perf_counter()
        execute(path)
        print(f"{path.name}: {time.perf_counter() - start:.0f} s", flush=True)


if __name__ == "__main__":
    main(sys.argv[1:])
