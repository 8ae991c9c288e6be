"""Stage 5a: apply a policy decision to a section's text (mask, pseudonymise, hash, drop)."""

from agent.redact.redactor import Redaction, redact

__all__ = ["Redaction", "redact"]
