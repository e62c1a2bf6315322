"""probflow.diagnostics: ArviZ output checks and summaries (built on ArviZ)."""

from probflow.diagnostics.checks import ConvergenceWarning, convergence_messages, warn_convergence
from probflow.diagnostics.summary import summary

__all__ = ["ConvergenceWarning", "convergence_messages", "warn_convergence", "summary"]
