"""mkdocs hook: render the executed notebooks of ``notebooks/`` as pages of the docs site.

The notebooks are committed with their outputs (``docs/execute_notebooks.py`` runs them), so
the docs build only converts them, which takes well under a second and needs no kernel. Each
``notebooks/NAME.ipynb`` becomes the page ``notebooks/NAME.md``: Markdown cells as they are,
code cells as ``python`` blocks, text outputs as ``text`` blocks and figures as PNG files beside
the page. HTML outputs (tables) are shown through their plain-text form.
"""

from __future__ import annotations

import base64
import json
import pathlib

from mkdocs.structure.files import File

ROOT = pathlib.Path(__file__).resolve().parents[2]
NOTEBOOKS = ROOT / "notebooks"
REPOSITORY_PATH = "notebooks"


def _text(value) -> str:
    return "".join(value) if isinstance(value, list) else str(value)


def _fence(text: str, language: str) -> str:
    fence = "```"
    while fence in text:
        fence += "`"
    return f"{fence}{language}\n{text.rstrip()}\n{fence}"


def notebook_to_markdown(nb: dict, stem: str, repo_url: str) -> tuple[str, dict[str, bytes]]:
    """The page of one notebook and its images ``{file name: PNG bytes}``."""
    parts, images = [], {}
    for cell in nb["cells"]:
        source = _text(cell.get("source", ""))
        if cell["cell_type"] == "markdown":
            parts.append(source)
            continue
        if cell["cell_type"] != "code":
            continue
        if source.strip():
            parts.append(_fence(source, "python"))
        for output in cell.get("outputs", []):
            kind = output.get("output_type")
            if kind == "stream":
                parts.append(_fence(_text(output.get("text", "")), "text"))
            elif kind == "error":
                parts.append(_fence(f"{output.get('ename')}: {output.get('evalue')}", "text"))
            elif kind in ("execute_result", "display_data"):
                data = output.get("data", {})
                if "image/png" in data:
                    name = f"{stem}_{len(images) + 1}.png"
                    images[name] = base64.b64decode(_text(data["image/png"]))
                    parts.append(f"![figure {len(images)} of {stem}]({name})")
                elif "text/plain" in data:
                    parts.append(_fence(_text(data["text/plain"]), "text"))
    source_link = f"{repo_url.rstrip('/')}/blob/main/{REPOSITORY_PATH}/{stem}.ipynb"
    parts.insert(1, f"[The notebook]({source_link}) (committed with these outputs).")
    return "\n\n".join(parts) + "\n", images


def on_files(files, config):
    """Add a generated page (and its figures) for every notebook."""
    repo_url = config.get("repo_url") or ""
    for path in sorted(NOTEBOOKS.glob("*.ipynb")):
        nb = json.loads(path.read_text(encoding="utf-8"))
        page, images = notebook_to_markdown(nb, path.stem, repo_url)
        files.append(File.generated(config, f"notebooks/{path.stem}.md", content=page))
        for name, png in images.items():
            files.append(File.generated(config, f"notebooks/{name}", content=png))
    return files
