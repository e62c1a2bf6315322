"""Every public signature is annotated (issue 14); pyright itself runs in ``.ci/run``.

Public: a function, or a method (``__init__`` and ``__call__`` included) of a class, whose name
does not start with ``_``, in a module whose path has no ``_``-prefixed part. Annotated: every
parameter except ``self``/``cls`` (``*args`` and ``**kwargs`` included) and the return
(``__init__`` excepted).
"""

from __future__ import annotations

import ast
import pathlib

import jax

import probflow.typing as pft

ROOT = pathlib.Path(__file__).resolve().parent.parent / "probflow"


def _public_modules():
    for path in sorted(ROOT.rglob("*.py")):
        parts = path.relative_to(ROOT).parts
        if any(p.startswith("_") and p != "__init__.py" for p in parts):
            continue
        yield path


def _unannotated(path: pathlib.Path) -> list[str]:
    missing = []

    def visit(node, owner):
        for child in ast.iter_child_nodes(node):
            if isinstance(child, ast.ClassDef):
                if not child.name.startswith("_"):
                    visit(child, child.name)
            elif isinstance(child, ast.FunctionDef | ast.AsyncFunctionDef):
                name = child.name
                if name.startswith("_") and name not in ("__init__", "__call__"):
                    continue
                a = child.args
                params = a.posonlyargs + a.args + a.kwonlyargs
                if owner and params and params[0].arg in ("self", "cls"):
                    params = params[1:]
                params += [p for p in (a.vararg, a.kwarg) if p is not None]
                bare = [p.arg for p in params if p.annotation is None]
                if child.returns is None and name != "__init__":
                    bare.append("return")
                if bare:
                    label = f"{owner}.{name}" if owner else name
                    missing.append(f"{path.relative_to(ROOT.parent)}:{child.lineno} {label} "
                                   f"{bare}")

    visit(ast.parse(path.read_text()), None)
    return missing


def test_every_public_signature_is_annotated():
    missing = [m for path in _public_modules() for m in _unannotated(path)]
    assert not missing, f"{len(missing)} public signatures lack annotations:\n" + "\n".join(
        missing[:50])


def test_the_check_sees_a_missing_annotation(tmp_path):
    module = tmp_path / "m.py"
    module.write_text("def f(x: int, y) -> int:\n    return x\n\n"
                      "class C:\n    def g(self, z: int):\n        return z\n"
                      "    def _private(self, w):\n        return w\n")
    global ROOT
    saved, ROOT = ROOT, tmp_path
    try:
        found = [m.split("/")[-1] for m in _unannotated(module)]
        assert found == ["m.py:1 f ['y']", "m.py:5 C.g ['return']"]
    finally:
        ROOT = saved


def test_aliases_name_what_jax_accepts():
    assert pft.Array is jax.Array and pft.PRNGKey is jax.Array
    assert pft.ArrayLike is jax.typing.ArrayLike
    assert isinstance(jax.random.key(0), pft.PRNGKey)
    assert isinstance(jax.random.PRNGKey(0), pft.PRNGKey)
