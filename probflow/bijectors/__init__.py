"""probflow.bijectors (imported as ``pfb``): invertible maps with log-Jacobians, and flows.

The flow bijectors ``RealNVP``, ``MaskedAutoregressiveFlow`` and ``RationalQuadraticSpline``
live in ``probflow.bijectors.flows`` and are exported here too, as in TFP.

Examples:
    >>> import probflow.bijectors as pfb
    >>> float(pfb.Exp().forward(0.0))
    1.0
"""

# ruff: noqa: F403
from probflow.bijectors import flows
from probflow.bijectors.absolute_value import *
from probflow.bijectors.affine import *
from probflow.bijectors.bijector import Bijector
from probflow.bijectors.cdfs_extreme import *
from probflow.bijectors.chain import *
from probflow.bijectors.composition import *
from probflow.bijectors.elementwise import *
from probflow.bijectors.extended_interval import *
from probflow.bijectors.flows.layers import MaskedAutoregressiveFlow, RealNVP
from probflow.bijectors.flows.spline import RationalQuadraticSpline
from probflow.bijectors.generalized_pareto import *
from probflow.bijectors.inline import *
from probflow.bijectors.joint import *
from probflow.bijectors.lambertw_tail import *
from probflow.bijectors.linear import *
from probflow.bijectors.matrix import *
from probflow.bijectors.ordered import *
from probflow.bijectors.power_transform import *
from probflow.bijectors.scalar_cdfs import *
from probflow.bijectors.simplex import *
from probflow.bijectors.soft_clip import *
from probflow.bijectors.softplus_sigmoid import *
from probflow.bijectors.softsign_softfloor import *
from probflow.bijectors.structural import *
from probflow.bijectors.triangular import *
from probflow.bijectors.unit_vector import *
