"""The docs site: strict build, and no Sphinx roles left literal on its pages."""

import pathlib
import re
import subprocess
import sys

import pytest

ROOT = pathlib.Path(__file__).resolve().parents[1]
# A Sphinx role such as :func:`~probflow.vi.fit` that mkdocstrings would print as text.
SPHINX_ROLE = re.compile(r":(?:func|class|meth|attr|mod|data|obj|exc|ref):(?:`|<code>)")


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    pytest.importorskip("mkdocs")
    out = tmp_path_factory.mktemp("site")
    proc = subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "--strict", "--site-dir", str(out)],
        cwd=ROOT,
        capture_output=True,
        text=True,
    )
    assert proc.returncode == 0, proc.stderr[-4000:]
    return out


@pytest.mark.slow  # builds the site (about 10 s); CI also builds it with --strict
def test_no_literal_sphinx_roles(site):
    found = []
    for page in sorted(site.rglob("*.html")):
        text = page.read_text(encoding="utf-8")
        for m in SPHINX_ROLE.finditer(text):
            found.append(f"{page.relative_to(site)}: ...{text[m.start() - 40 : m.end() + 40]}...")
    assert not found, "Sphinx roles on the built pages (use [`name`][probflow.path]):\n" + "\n".join(
        found[:20]
    )


def test_role_pattern_catches_a_role():
    assert SPHINX_ROLE.search("see :func:`~probflow.vi.fit` for")
    assert SPHINX_ROLE.search("see :func:<code>~probflow.vi.fit</code>")
    assert not SPHINX_ROLE.search("ratio 3:1 and `code`")


@pytest.mark.slow
def test_lists_survive_code_blocks_and_notebooks_render(site):
    """Getting started's list goes on after its code block (every item an <li>); the executed
    notebooks are pages with their figures; the Performance page holds the benchmark tables."""
    page = (site / "getting-started" / "index.html").read_text(encoding="utf-8")
    for item in ("PyTrees.", "dtypes", "Bad input", "Outside the support"):
        assert re.search(r"<li>\s*(?:<p>)?\s*<strong>" + re.escape(item), page), item
    notebooks = sorted((ROOT / "notebooks").glob("*.ipynb"))
    for nb in notebooks:
        html = (site / "notebooks" / nb.stem / "index.html").read_text(encoding="utf-8")
        assert "<pre" in html, nb.stem
    assert list((site / "notebooks").glob("*.png")), "no notebook figures on the site"
    assert "<table>" in (site / "performance" / "index.html").read_text(encoding="utf-8")
