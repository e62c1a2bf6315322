"""What each distribution parameter is: its event rank and the bijector that constrains it.

[`Distribution.parameter_properties()`][probflow.distributions.distribution.Distribution.parameter_properties]
returns one [`ParameterProperties`][probflow.distributions.parameter_properties.ParameterProperties]
per constructor parameter, as TFP's method of the same name does. A surrogate or an
optimiser that fits a distribution's parameters works in unconstrained space and maps
back with ``default_constraining_bijector_fn()`` (``Softplus`` for a scale, ``Sigmoid``
for a probability, ``IteratedSigmoidCentered`` for a vector of probabilities, ...).

Where the answers come from, first match wins:

1. the class's own ``param_constraints`` declaration (a ``ClassVar`` dict
   ``{name: Constraint}``) and ``param_event_ndims``;
2. a short table of existing classes whose parameter names mean something unusual
   (``TwoPieceNormal``'s positive ``skewness``, ``Zipf``'s ``power > 1``, the real
   ``concentration`` of the generalized Pareto and extreme-value families,
   ``StudentTProcess``'s ``df > 2``);
3. TFP's naming conventions, which probflow follows (``scale``, ``rate``,
   ``concentration``, ``df`` are positive; ``probs`` is in ``[0, 1]``, or a simplex
   when it has an event dimension; ``scale_tril`` is a lower Cholesky factor;
   ``loc``, ``logits``, ``log_*`` are real);
4. otherwise the reals (``Identity``), TFP's default too.

Parameters that are distributions, bijectors or kernels (``Independent.distribution``,
``MixtureSameFamily.components_distribution``, ``GaussianProcess.kernel``) are listed
with ``is_tensor=False``, as in TFP.

``ReparameterizationType`` and its two values ``FULLY_REPARAMETERIZED`` and
``NOT_REPARAMETERIZED`` are TFP's reparameterization markers
(``Distribution.reparameterization_type``).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, NamedTuple

from probflow.distributions import constraints as c

if TYPE_CHECKING:
    from probflow.distributions.distribution import Distribution

__all__ = [
    "ParameterProperties",
    "ReparameterizationType",
    "FULLY_REPARAMETERIZED",
    "NOT_REPARAMETERIZED",
    "parameter_properties",
]


class ReparameterizationType(NamedTuple):
    """Whether samples are differentiable in the parameters (TFP's marker of the same name).

    Compare with ``==`` against ``FULLY_REPARAMETERIZED`` or ``NOT_REPARAMETERIZED``.

    Examples:
        >>> import probflow.distributions as pfd
        >>> from probflow.distributions.parameter_properties import FULLY_REPARAMETERIZED
        >>> pfd.Normal(0.0, 1.0).reparameterization_type == FULLY_REPARAMETERIZED
        True
        >>> pfd.Poisson(3.0).reparameterization_type
        NOT_REPARAMETERIZED
    """

    rep_type: str

    def __repr__(self) -> str:
        return self.rep_type


FULLY_REPARAMETERIZED = ReparameterizationType("FULLY_REPARAMETERIZED")
NOT_REPARAMETERIZED = ReparameterizationType("NOT_REPARAMETERIZED")


class ParameterProperties(NamedTuple):
    """Static facts about one distribution parameter.

    Attributes:
        event_ndims: number of trailing dimensions of the parameter that belong to one
            distribution of the batch (``0`` for ``Normal.loc``, ``1`` for
            ``Categorical.logits``, ``2`` for ``MultivariateNormalTriL.scale_tril``).
        constraint: the set of valid values, a
            [`constraints`][probflow.distributions.constraints] object (``None`` for
            parameters that are not arrays).
        default_constraining_bijector_fn: a function of no arguments returning the bijector
            from unconstrained reals onto ``constraint`` (``None`` for non-array parameters).
        is_preferred: ``False`` for the second spelling of a parameter that has two
            (``rate`` next to ``log_rate``, ``probs`` next to ``logits``).
        is_tensor: ``False`` for parameters that are distributions, bijectors or kernels.

    Examples:
        >>> import probflow.distributions as pfd
        >>> props = pfd.Gamma.parameter_properties()
        >>> props["rate"].event_ndims, props["rate"].constraint
        (0, GreaterThan(lower=0.0, closed=False))
        >>> b = props["rate"].default_constraining_bijector_fn()
        >>> round(float(b.forward(0.0)), 4)
        0.6931
    """

    event_ndims: int
    constraint: Any
    default_constraining_bijector_fn: Callable[[], Any] | None
    is_preferred: bool = True
    is_tensor: bool = True


# Parameter names whose meaning is fixed by TFP's conventions, for scalar (event_ndims 0)
# parameters; vector parameters keep the same elementwise constraint unless listed below.
_BY_NAME: dict[str, c.Constraint] = {
    "scale": c.positive,
    "rate": c.positive,
    "rate1": c.positive,
    "rate2": c.positive,
    "mixing_concentration": c.positive,
    "mixing_rate": c.positive,
    "noncentrality": c.positive,
    "eigenvalues": c.positive,
    "concentration1_numerator": c.positive,
    "concentration0_numerator": c.positive,
    "concentration1_denominator": c.positive,
    "concentration0_denominator": c.positive,
    "scores": c.positive,
    "concentration": c.positive,
    "concentration0": c.positive,
    "concentration1": c.positive,
    "df": c.positive,
    "scale_diag": c.positive,
    "scale_perturb_diag": c.positive,
    "temperature": c.positive,
    "tailweight": c.positive,
    "power": c.positive,
    "amplitude": c.positive,
    "length_scale": c.positive,
    "inverse_length_scale": c.positive,
    "observation_noise_variance": c.positive,
    "predictive_noise_variance": c.positive,
    "total_count": c.nonnegative,
    "atol": c.nonnegative,
    "rtol": c.nonnegative,
    "probs": c.unit_interval,
    "gate": c.unit_interval,
    "inflated_loc_probs": c.unit_interval,
    "scale_tril": c.lower_cholesky,
    "observation_scale_tril": c.lower_cholesky,
    "covariance_matrix": c.positive_definite,
    "cutpoints": c.ordered,
}

# Names that mean something else when the parameter has an event dimension.
_BY_NAME_VECTOR: dict[str, c.Constraint] = {"probs": c.simplex}

# Event ranks of parameter names whose classes compute their batch shape by hand.
_EVENT_NDIMS_BY_NAME: dict[str, int] = {
    "index_points": 2,
    "observation_index_points": 2,
    "observations": 1,
    "whitened_observations": 1,
}

# Existing classes whose parameter names break the conventions, by "module.qualname".
_BY_CLASS: dict[str, dict[str, c.Constraint]] = {
    "probflow.distributions.two_piece_normal.TwoPieceNormal": {"skewness": c.positive},
    "probflow.distributions.two_piece_student_t.TwoPieceStudentT": {"skewness": c.positive},
    "probflow.distributions.zipf.Zipf": {"power": c.GreaterThan(1.0)},
    "probflow.distributions.generalized_pareto.GeneralizedPareto": {"concentration": c.real},
    "probflow.distributions.gev.GeneralizedExtremeValue": {"concentration": c.real},
    "probflow.distributions.lkj.LKJ": {"concentration": c.GreaterThan(1.0)},
    "probflow.distributions.lkj.CholeskyLKJ": {"concentration": c.GreaterThan(1.0)},
    "probflow.distributions.inverse_gaussian.InverseGaussian": {"loc": c.positive},
    "probflow.distributions.student_t_process.StudentTProcess": {"df": c.GreaterThan(2.0)},
}

# Existing classes that compute their batch shape by hand, with TFP's event ranks.
_EVENT_NDIMS_BY_CLASS: dict[str, dict[str, int]] = {
    "probflow.distributions.deterministic.VectorDeterministic": {"loc": 1, "atol": 1, "rtol": 1},
}

# Second spellings of a parameter (TFP marks them ``is_preferred=False``), when both exist.
_NOT_PREFERRED_IF: dict[str, str] = {"rate": "log_rate", "probs": "logits", "gate": "gate_logits"}

_NON_TENSOR_TYPES = ("Distribution", "Bijector", "Kernel", "Constraint", "tuple", "Callable")


def _is_tensor(field: dataclasses.Field) -> bool:
    annotation = field.type if isinstance(field.type, str) else getattr(
        field.type, "__name__", str(field.type))
    return not any(word in annotation for word in _NON_TENSOR_TYPES)


def _constraint_for(cls, name: str, event_ndims: int) -> c.Constraint:
    declared = getattr(cls, "param_constraints", {}) or {}
    if name in declared:
        return declared[name]
    for klass in cls.__mro__:
        table = _BY_CLASS.get(f"{klass.__module__}.{klass.__qualname__}")
        if table and name in table:
            return table[name]
    if event_ndims and name in _BY_NAME_VECTOR:
        return _BY_NAME_VECTOR[name]
    return _BY_NAME.get(name, c.real)


def _event_ndims_for(cls, name: str) -> int:
    declared = getattr(cls, "param_event_ndims", {}) or {}
    if name in declared:
        return declared[name]
    for klass in cls.__mro__:
        table = _EVENT_NDIMS_BY_CLASS.get(f"{klass.__module__}.{klass.__qualname__}")
        if table and name in table:
            return table[name]
    return _EVENT_NDIMS_BY_NAME.get(name, 0)


def _bijector_fn(constraint):
    def make():
        if isinstance(constraint, c.Simplex):
            # TFP's choice for probability vectors (a distribution's *event space* uses the
            # stick-breaking IteratedSigmoidCentered instead).
            from probflow.bijectors import SoftmaxCentered

            return SoftmaxCentered()
        from probflow.distributions.event_space import biject_to

        return biject_to(constraint)

    return make


def parameter_properties(cls: type[Distribution]) -> dict[str, ParameterProperties]:
    """``{parameter name: ParameterProperties}`` for distribution class ``cls``.

    The parameters are the class's PyTree children (its array parameters and nested
    distributions), in declaration order.

    Examples:
        >>> import probflow.distributions as pfd
        >>> props = parameter_properties(pfd.Categorical)
        >>> props["probs"].event_ndims, type(props["probs"].constraint).__name__
        (1, 'Simplex')
        >>> props["probs"].is_preferred, props["logits"].is_preferred
        (False, True)
    """
    fields = {f.name: f for f in dataclasses.fields(cls)}  # pyright: ignore[reportArgumentType]
    names = [n for n in cls._child_fields if n in fields]
    out = {}
    for name in names:
        tensor = _is_tensor(fields[name])
        ndims = _event_ndims_for(cls, name)
        partner = _NOT_PREFERRED_IF.get(name)
        preferred = not (partner is not None and partner in names)
        if not tensor:
            out[name] = ParameterProperties(ndims, None, None, preferred, False)
            continue
        constraint = _constraint_for(cls, name, ndims)
        out[name] = ParameterProperties(ndims, constraint, _bijector_fn(constraint), preferred)
    return out
