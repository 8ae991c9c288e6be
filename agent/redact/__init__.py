"""Stage 5a: apply a policy decision to a section's text (mask, pseudonymise, hash, drop)."""

from agent.redact.redactor import Redaction, mask_everything, redact

__all__ = ["Redaction", "mask_everything", "redact"]
