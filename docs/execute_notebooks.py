"""Execute the notebooks in ``notebooks/`` in place, so they are committed with their outputs.

The docs site renders the committed outputs (no notebook runs during ``mkdocs build``) and the
test suite runs every notebook again with nbmake; ``tests/test_notebooks_rendered.py`` checks
that each committed notebook has been executed from top to bottom.

Usage (from the repository root, with the ``dev`` extra installed)::

    MPLBACKEND=Agg .venv/bin/python docs/execute_notebooks.py            # all notebooks
    MPLBACKEND=Agg .venv/bin/python docs/execute_notebooks.py notebooks/eight_schools.ipynb

Run it after changing a notebook, then ``.venv/bin/python docs/make_figures.py`` to refresh the
gallery's images.
"""

from __future__ import annotations

import pathlib
import sys
import time

import nbformat
from nbclient import NotebookClient

ROOT = pathlib.Path(__file__).resolve().parents[1]


def execute(path: pathlib.Path, timeout: int = 1800) -> None:
    """Run ``path`` top to bottom in a fresh kernel and write it back with its outputs."""
    nb = nbformat.read(path, as_version=4)
    client = NotebookClient(nb, timeout=timeout, kernel_name="python3",
                            resources={"metadata": {"path": str(path.parent)}})
    client.execute()
    for cell in nb.cells:  # keep the diff small: no timings in the committed file
        cell.metadata.pop("execution", None)
    nbformat.write(nb, path)


def main(argv: list[str]) -> None:
    paths = [pathlib.Path(p) for p in argv] or sorted((ROOT / "notebooks").glob("*.ipynb"))
    for path in paths:
        start = time.perf_counter()
        execute(path)
        print(f"{path.name}: {time.perf_counter() - start:.0f} s", flush=True)


if __name__ == "__main__":
    main(sys.argv[1:])
