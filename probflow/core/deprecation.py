"""Warnings that point at the user's line, and the deprecated positional ``key``.

probflow's rule for keys (``docs/architecture.md``): random primitives take ``key`` as their
first positional argument; everything else that uses randomness (drivers, and functions
whose key is optional, such as a layer's ``apply``) takes ``key=`` keyword-only. Functions
that used to take the key positionally in another place accept the old order for one
release through [`key_from_positional`][probflow.core.deprecation.key_from_positional],
with a ``DeprecationWarning``.
"""

from __future__ import annotations

import os
import sys
import warnings
from collections.abc import Sequence
from typing import Any

import jax
import jax.numpy as jnp

from probflow.typing import PRNGKey

__all__ = ["user_stacklevel", "is_key", "key_from_positional"]

_PACKAGE_DIR = os.path.dirname(os.path.dirname(os.path.abspath(__file__))) + os.sep


def user_stacklevel() -> int:
    """The ``stacklevel`` that points a warning at the first frame outside probflow.

    ``warnings.warn(message, stacklevel=user_stacklevel())``, called in any function inside
    probflow, points the warning at the user's line, however deep the call.

    Examples:
        >>> user_stacklevel()  # called from outside probflow: the caller itself
        1
    """
    frame = sys._getframe(1)
    level = 1
    while frame is not None and frame.f_code.co_filename.startswith(_PACKAGE_DIR):
        frame = frame.f_back
        level += 1
    return level


def is_key(value: Any) -> bool:
    """True for a JAX PRNG key: a typed key (``jax.random.key``) or a raw ``uint32[..., 2]``.

    Examples:
        >>> import jax
        >>> is_key(jax.random.key(0)), is_key(jax.random.PRNGKey(0)), is_key(100)
        (True, True, False)
    """
    dtype = getattr(value, "dtype", None)
    if dtype is None:
        return False
    if jnp.issubdtype(dtype, jax.dtypes.prng_key):
        return True
    return dtype == jnp.uint32 and tuple(getattr(value, "shape", ()))[-1:] == (2,)


def key_from_positional(owner: str, key: PRNGKey | None, legacy: Sequence[Any], *, old: str,
                        new: str) -> PRNGKey | None:
    """The key of a call that may use a deprecated positional order.

    ``legacy`` is what the call passed positionally where the key used to be (``()`` for a
    call in the new form). With one value, that value is the key and a
    ``DeprecationWarning`` naming ``old`` and ``new`` is issued at the user's line; passing
    it both ways, or more values, is a ``TypeError``.

    Args:
        owner: the function's name, for messages.
        key: the ``key=`` keyword argument (``None`` when not given).
        legacy: the positional values in the old key slot.
        old, new: the old and new call forms, for the warning.

    Examples:
        >>> import warnings, jax
        >>> k = jax.random.key(0)
        >>> key_from_positional("f", k, (), old="f(x, key)", new="f(x, key=key)") is k
        True
        >>> with warnings.catch_warnings(record=True) as caught:
        ...     warnings.simplefilter("always")
        ...     got = key_from_positional("f", None, (k,), old="f(x, key)", new="f(x, key=key)")
        >>> got is k, caught[0].category.__name__
        (True, 'DeprecationWarning')
    """
    if not legacy:
        return key
    if len(legacy) > 1 or key is not None:
        raise TypeError(
            f"{owner}: unexpected positional arguments {legacy!r}"
            + (" (key given twice: positionally and as key=)" if key is not None else "")
            + f"; call it as {new}"
        )
    warnings.warn(
        f"{owner}: passing the key positionally ({old}) is deprecated and stops working in the "
        f"next release; pass it as a keyword: {new}",
        DeprecationWarning, stacklevel=user_stacklevel())
    return legacy[0]
