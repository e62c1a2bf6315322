"""probflow.bijectors (imported as ``pfb``): invertible maps with log-Jacobians, and flows.

Examples:
    >>> import probflow.bijectors as pfb
    >>> float(pfb.Exp().forward(0.0))
    1.0
"""

# ruff: noqa: F403
from probflow.bijectors import flows
from probflow.bijectors.affine import *
from probflow.bijectors.bijector import Bijector
from probflow.bijectors.chain import *
from probflow.bijectors.elementwise import *
from probflow.bijectors.extended_interval import *
from probflow.bijectors.joint import *
from probflow.bijectors.linear import *
from probflow.bijectors.ordered import *
from probflow.bijectors.scalar_cdfs import *
from probflow.bijectors.simplex import *
from probflow.bijectors.soft_clip import *
from probflow.bijectors.softplus_sigmoid import *
from probflow.bijectors.structural import *
from probflow.bijectors.triangular import *
