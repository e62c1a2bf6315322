"""docs/errors-and-warnings.md has a row for every error and warning probflow can raise."""

import ast
import importlib
import inspect
import pathlib
import pkgutil
import re

import probflow

ROOT = pathlib.Path(__file__).resolve().parents[1]
PAGE = ROOT / "docs" / "errors-and-warnings.md"


def defined_exception_classes() -> set[str]:
    """Names of the exception and warning classes defined in probflow's modules."""
    names = set()
    for info in pkgutil.walk_packages(probflow.__path__, "probflow."):
        module = importlib.import_module(info.name)
        for name, obj in vars(module).items():
            if (inspect.isclass(obj) and issubclass(obj, BaseException)
                    and obj.__module__ == module.__name__):
                names.add(name)
    return names


def warned_categories() -> set[str]:
    """The category of every ``warnings.warn(...)`` call in probflow's source (``UserWarning``
    when none is given)."""
    categories = set()
    for path in (ROOT / "probflow").rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)
                    and node.func.attr == "warn" and isinstance(node.func.value, ast.Name)
                    and node.func.value.id == "warnings"):
                continue
            category = node.args[1] if len(node.args) > 1 else next(
                (k.value for k in node.keywords if k.arg == "category"), None)
            if category is None:
                categories.add("UserWarning")
            elif isinstance(category, ast.Name):
                categories.add(category.id)
            elif isinstance(category, ast.Attribute):
                categories.add(category.attr)
            else:
                categories.add(ast.unparse(category))
    return categories


def rows_of(page: str) -> set[str]:
    """The class names that open a table row: ``| `Name` ...`` or ``| [`Name`][path] ...``."""
    return set(re.findall(r"^\|\s*\[?`(\w+)`", page, flags=re.M))


def missing(page: str, names: set[str]) -> list[str]:
    return sorted(names - rows_of(page))


def test_every_defined_error_and_warning_has_a_row():
    names = defined_exception_classes()
    assert {"ParameterError", "ConvergenceWarning", "NonFiniteLossError"} <= names
    gaps = missing(PAGE.read_text(encoding="utf-8"), names)
    assert not gaps, f"add a row to {PAGE.name} for: {gaps}"


def test_every_warned_category_has_a_row():
    categories = warned_categories()
    assert {"ConvergenceWarning", "FitWarning", "DeprecationWarning"} <= categories
    gaps = missing(PAGE.read_text(encoding="utf-8"), categories)
    assert not gaps, f"add a row to {PAGE.name} for: {gaps}"


def test_no_row_for_a_class_that_is_gone():
    known = defined_exception_classes() | warned_categories()
    stale = sorted(rows_of(PAGE.read_text(encoding="utf-8")) - known)
    assert not stale, f"rows in {PAGE.name} for classes probflow no longer has: {stale}"


def test_the_check_catches_a_new_class():
    page = "| class | x |\n|---|---|\n| [`OldError`][probflow.x.OldError] | y |\n| `OldWarning` | z |\n"
    assert rows_of(page) == {"OldError", "OldWarning"}
    assert missing(page, {"OldError", "OldWarning", "NewWarning"}) == ["NewWarning"]
