"""One exception hierarchy for Bastion.

    BastionError
    ├── ConfigError        a config file is invalid (names the file, line and key)
    ├── InvalidInput       a request or input line is malformed (maps to INVALID_ARGUMENT)
    ├── LimitExceeded      a size/count limit was hit (maps to RESOURCE_EXHAUSTED)
    ├── Unauthenticated    no or bad credentials (maps to UNAUTHENTICATED)
    ├── PermissionDenied   a caller acting outside its tenant (maps to PERMISSION_DENIED)
    ├── PolicyError        a policy cannot be loaded or evaluated (fails closed)
    ├── ModelError         a local model failed to load or run (fails closed)
    ├── EgressBlocked      the egress re-check stopped a send
    ├── UpstreamError      the cloud tier or a provider failed (maps to UNAVAILABLE)
    ├── AuditError         the audit log could not be written or verified
    └── CheckFailed        a check ran and found a problem (exit code 1, not 2)

Exit codes of the ``bastion`` command: 0 ok; 1 a check found a problem (``CheckFailed``:
tampering, a failed verification, a failing policy test, a server not serving); 2 usage
or configuration error (any other ``BastionError``, and argparse's own errors).

Messages never contain document text or PII values: name the field, the offset, the
type, the size - not the content.
"""

from __future__ import annotations


class BastionError(Exception):
    """Base class of every error Bastion raises on purpose."""


class ConfigError(BastionError):
    pass


class InvalidInput(BastionError):
    pass


class LimitExceeded(BastionError):
    pass


class Unauthenticated(BastionError):
    pass


class PermissionDenied(BastionError):
    pass


class PolicyError(BastionError):
    pass


class ModelError(BastionError):
    pass


class EgressBlocked(BastionError):
    pass


class UpstreamError(BastionError):
    pass


class AuditError(BastionError):
    pass


class CheckFailed(BastionError):
    """A check ran to its end and found a problem: a log or export that does not verify,
    a bundle whose signature fails, a server that is not serving. The CLI exits 1."""
