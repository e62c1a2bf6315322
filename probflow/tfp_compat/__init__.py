"""TFP's namespace on probflow: port TFP-on-JAX code by changing its import line.

Replace::

    import tensorflow_probability.substrates.jax as tfp
    tfd = tfp.distributions
    tfb = tfp.bijectors
    tfpk = tfp.math.psd_kernels

with::

    import probflow.tfp_compat as tfp
    tfd = tfp.distributions
    tfb = tfp.bijectors
    tfpk = tfp.math.psd_kernels

and leave the rest of the program alone. The three namespaces resolve to probflow's own
modules plus TFP's names for things probflow spells otherwise:

* ``tfp.distributions``: everything in ``probflow.distributions``,
  the joint distributions (``JointDistributionCoroutine`` and its ``Root``,
  ``JointDistributionNamed``, ``JointDistributionSequential`` and their ``AutoBatched``
  names), ``JointDistributionPinned``, ``FULLY_REPARAMETERIZED`` /
  ``NOT_REPARAMETERIZED`` and ``kl_divergence``;
* ``tfp.bijectors``: ``probflow.bijectors``;
* ``tfp.math.psd_kernels``: ``probflow.psd_kernels``; ``tfp.math``
  also has ``log1mexp``, ``softplus_inverse`` and ``log_sub_exp``.

``docs/coming-from-tfp.md`` lists what still differs (inference: ``pf.mcmc.sample`` instead
of ``tfp.mcmc`` kernels; joint draws of the named and sequential forms are dicts).

Examples:
    >>> import jax
    >>> import probflow.tfp_compat as tfp
    >>> tfd, tfb = tfp.distributions, tfp.bijectors
    >>> d = tfd.TransformedDistribution(tfd.Normal(0.0, 1.0), tfb.Exp())
    >>> d.sample([2], seed=jax.random.PRNGKey(0)).shape
    (2,)
    >>> tfp.math.psd_kernels.ExponentiatedQuadratic(amplitude=1.0).feature_ndims
    1
"""

from probflow.tfp_compat import bijectors, distributions, math

__all__ = ["distributions", "bijectors", "math"]
