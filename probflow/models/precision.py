"""A warning when float64 data become float32 because JAX's 64-bit mode is off.

JAX computes in float32 unless ``jax.config.update("jax_enable_x64", True)`` ran at start-up;
a float64 NumPy array given to a model is then cast to float32 without a word. ``condition``
calls [`warn_float64_data`][probflow.models.precision.warn_float64_data] on the observed data
and the model's array arguments, which warns when such a cast changes values.
"""

from __future__ import annotations

import os
import sys
import warnings
from collections.abc import Mapping
from typing import Any

import jax
import numpy as np

__all__ = ["PrecisionWarning", "warn_float64_data"]

_PACKAGE_DIR = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


class PrecisionWarning(UserWarning):
    """Float64 data were cast to float32 (JAX's 64-bit mode is off) and changed value.

    Examples:
        >>> import probflow as pf
        >>> issubclass(pf.models.PrecisionWarning, UserWarning)
        True
    """


def _user_stacklevel() -> int:
    """``stacklevel`` of the first caller outside the probflow package (the user's line)."""
    frame, level = sys._getframe(1), 1
    while frame is not None and os.path.abspath(frame.f_code.co_filename).startswith(
            _PACKAGE_DIR + os.sep):
        frame = frame.f_back
        level += 1
    return level


def warn_float64_data(owner: str, what: str, arrays: Mapping[str, Any]) -> None:
    """Warn, once per calling line, when a float64 array loses precision as float32.

    Only when JAX's 64-bit mode is off, and only for NumPy arrays and scalars of dtype
    float64 whose values change when cast to float32 (so integer-valued data stay
    silent; Python floats, which JAX treats as weakly typed, too). The warning is a
    [`PrecisionWarning`][probflow.models.precision.PrecisionWarning] attributed to the
    user's line, which Python shows once per line and message.

    Args:
        owner: the function that receives the data (for the message).
        what: what the arrays are, e.g. ``"data for"``.
        arrays: ``{name: array}``.

    Examples:
        >>> import warnings
        >>> import numpy as np
        >>> with warnings.catch_warnings(record=True) as caught:
        ...     warnings.simplefilter("always")
        ...     warn_float64_data("condition", "data for", {"y": np.asarray([0.1, 2.0])})
        >>> print(str(caught[0].message).split(";")[0])
        condition: data for 'y' are float64 but JAX's 64-bit mode is off, so they are used \
as float32 and 1 of 2 values change (largest relative change 1.5e-08)
    """
    if jax.config.jax_enable_x64:  # pyright: ignore[reportAttributeAccessIssue] - a JAX flag
        return
    for name, value in arrays.items():
        if not isinstance(value, np.ndarray | np.generic) or value.dtype != np.float64:
            continue
        array = np.asarray(value, dtype=np.float64)  # float64 already: typed for numpy's stubs
        cast = array.astype(np.float32).astype(np.float64)
        with np.errstate(invalid="ignore", divide="ignore", over="ignore"):
            changed = (cast != array) & np.isfinite(array)
            if not changed.any():
                continue
            relative = np.abs(cast - array)[changed] / np.maximum(np.abs(array[changed]),
                                                                  np.finfo(np.float64).tiny)
        warnings.warn(
            f"{owner}: {what} {name!r} are float64 but JAX's 64-bit mode is off, so they are "
            f"used as float32 and {int(changed.sum())} of {array.size} values change (largest "
            f"relative change {float(relative.max()):.2g}); to compute in float64 run "
            f"jax.config.update('jax_enable_x64', True) at start-up, or pass float32 arrays "
            f"to silence this",
            PrecisionWarning, stacklevel=_user_stacklevel())
