"""``tfp.bijectors`` on probflow: ``probflow.bijectors`` under TFP's names.

Examples:
    >>> from probflow.tfp_compat import bijectors as tfb
    >>> b = tfb.Chain([tfb.Shift(1.0), tfb.Scale(2.0)])
    >>> float(b.forward(1.0))
    3.0
"""

# ruff: noqa: F401, F403
from probflow.bijectors import *
from probflow.bijectors import Bijector
