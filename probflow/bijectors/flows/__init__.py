"""Normalizing flows on JAX: RealNVP, neural spline coupling, MAF (affine or spline), and the
rational-quadratic spline bijector, with conditioners that are plain functions of PyTree
parameters."""

from probflow.bijectors.flows.layers import (
    MADEConditioner,
    MaskedAutoregressiveFlow,
    MLPConditioner,
    RealNVP,
    SplineCoupling,
)
from probflow.bijectors.flows.networks import (
    made_apply,
    made_init,
    made_masks,
    mlp_apply,
    mlp_init,
)
from probflow.bijectors.flows.spline import RationalQuadraticSpline, spline_params_from_raw
from probflow.bijectors.flows.stack import FLOW_KINDS, stacked_flow

__all__ = [
    "MADEConditioner",
    "MaskedAutoregressiveFlow",
    "MLPConditioner",
    "RealNVP",
    "SplineCoupling",
    "RationalQuadraticSpline",
    "spline_params_from_raw",
    "stacked_flow",
    "FLOW_KINDS",
    "made_apply",
    "made_init",
    "made_masks",
    "mlp_apply",
    "mlp_init",
]
