"""probflow.bijectors (imported as ``pfb``): invertible maps with log-Jacobians, and flows.

Examples:
    >>> import probflow.bijectors as pfb
    >>> float(pfb.Exp().forward(0.0))
    1.0
"""

# ruff: noqa: F403
from probflow.bijectors.bijector import Bijector
from probflow.bijectors.elementwise import *
