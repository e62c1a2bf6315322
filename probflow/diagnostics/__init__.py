"""probflow.diagnostics: ArviZ output checks and summaries (built on ArviZ)."""

from probflow.diagnostics.checks import (
    ConvergenceWarning,
    checks_applied,
    clean_run_message,
    convergence_messages,
    warn_convergence,
)
from probflow.diagnostics.summary import as_inference_data, summary

__all__ = ["ConvergenceWarning", "convergence_messages", "warn_convergence", "checks_applied",
           "clean_run_message", "summary", "as_inference_data"]
