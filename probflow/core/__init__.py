"""probflow.core: the PyTree base class, shapes, numerics, keys, checks and errors."""

from probflow.core import checks, errors, keys, numerics, shapes
from probflow.core.errors import (
    NoKLError,
    ParameterError,
    ProbflowError,
    ShapeError,
    UnsupportedError,
)
from probflow.core.keys import as_key, as_typed_key
from probflow.core.pytree import Struct, field, static_field

__all__ = [
    "Struct",
    "static_field",
    "field",
    "as_key",
    "as_typed_key",
    "checks",
    "errors",
    "keys",
    "numerics",
    "shapes",
    "ProbflowError",
    "ParameterError",
    "ShapeError",
    "UnsupportedError",
    "NoKLError",
]
