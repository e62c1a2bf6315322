"""Progress bars: a widget in Jupyter when ipywidgets is installed, plain text otherwise.

``tqdm.auto`` warns (``TqdmWarning: IProgress not found``) in every notebook without
ipywidgets, at import. [`progress_bar`][probflow.core.progress.progress_bar] decides when a
bar is made instead: the widget bar in a Jupyter kernel that has ipywidgets (the
``notebook`` extra, ``pip install "probflow-jax[notebook]"``), else tqdm's text bar,
quietly.
"""

from __future__ import annotations

import importlib.util
import os
import sys
from typing import Any

from tqdm.std import tqdm as text_tqdm

__all__ = ["progress_bar", "bar_class", "in_notebook", "widgets_available"]


def in_notebook() -> bool:
    """True inside a Jupyter kernel that renders HTML (notebook, lab, VS Code, Colab).

    Consoles (IPython in a terminal, qtconsole, Spyder) count as text.

    Examples:
        >>> in_notebook()
        False
    """
    if "ipykernel.zmqshell" not in sys.modules:
        return False
    if any(name == "QT_API" or name.startswith("SPYDER") for name in os.environ):
        return False
    ipython = sys.modules.get("IPython")
    shell = ipython.get_ipython() if ipython is not None else None
    name = type(shell).__name__.lower()
    return shell is not None and "qt" not in name and "spyder" not in name


def widgets_available() -> bool:
    """True when ipywidgets is installed (without importing it).

    Examples:
        >>> isinstance(widgets_available(), bool)
        True
    """
    return importlib.util.find_spec("ipywidgets") is not None


def bar_class(*, notebook: bool | None = None,
              widgets: bool | None = None) -> type[text_tqdm[Any]]:
    """The tqdm class to use: ``tqdm.notebook.tqdm`` in a notebook with ipywidgets, else the
    text ``tqdm.std.tqdm``.

    Args:
        notebook: whether we run in a notebook (default:
            [`in_notebook`][probflow.core.progress.in_notebook]).
        widgets: whether ipywidgets is installed (default:
            [`widgets_available`][probflow.core.progress.widgets_available]).

    Examples:
        >>> bar_class(notebook=True, widgets=False).__module__
        'tqdm.std'
    """
    notebook = in_notebook() if notebook is None else bool(notebook)
    if not notebook:
        return text_tqdm
    widgets = widgets_available() if widgets is None else bool(widgets)
    if not widgets:
        return text_tqdm
    try:
        from tqdm.notebook import IProgress  # pyright: ignore[reportAttributeAccessIssue]
        from tqdm.notebook import tqdm as widget_tqdm
    except ImportError:  # pragma: no cover - tqdm without its notebook module
        return text_tqdm
    return text_tqdm if IProgress is None else widget_tqdm


def progress_bar(total: int | None = None, *, desc: str | None = None, unit: str = "it",
                 disable: bool = False, leave: bool = True, **kwargs: Any) -> text_tqdm[Any]:
    """A tqdm bar over ``total`` steps, from [`bar_class`][probflow.core.progress.bar_class].

    The one place probflow makes progress bars (``Sequential.fit``, samplers, VI loops).
    A disabled bar is always the text class, so nothing is drawn or imported.

    Args:
        total: number of steps (``None``: unknown).
        desc: label shown before the bar.
        unit: name of one step (``"it"``, ``"epoch"``, ...).
        disable: make a silent bar (``update`` and ``set_postfix`` still work).
        leave: keep the finished bar on screen.
        **kwargs: other tqdm options (``file=``, ``mininterval=``, ...).

    Examples:
        >>> import io
        >>> out = io.StringIO()
        >>> with progress_bar(3, desc="fit", unit="epoch", file=out) as bar:
        ...     bar.update(3)
        >>> "3/3" in out.getvalue()
        True
    """
    cls = text_tqdm if disable else bar_class()
    kwargs.setdefault("dynamic_ncols", True)
    return cls(total=total, desc=desc, unit=unit, disable=disable, leave=leave, **kwargs)
