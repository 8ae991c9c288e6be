"""Errors the cloud tier raises on purpose, as leaves of the ``bastion.errors`` tree.

    BastionError
    ├── InvalidInput          a malformed request (bad mode, empty task)  -> INVALID_ARGUMENT
    ├── PolicyError
    │   └── DestinationRefused  no configured provider serves an allowed destination
    │                           -> FAILED_PRECONDITION (nothing was sent)
    ├── LimitExceeded
    │   └── BudgetExceeded    a per-request or per-tenant token budget ran out
    │                         -> RESOURCE_EXHAUSTED
    └── UpstreamError
        └── ProviderFailed    a provider (and every eligible fallback) failed -> UNAVAILABLE

Messages name providers, destinations, sizes and counts - never section text.
"""

from __future__ import annotations

from bastion.errors import LimitExceeded, PolicyError, UpstreamError


class DestinationRefused(PolicyError):
    """No provider qualifies for the destinations the agent allowed: nothing is sent."""


class BudgetExceeded(LimitExceeded):
    """A token budget would be exceeded by the next call: the call is not made."""


class ProviderFailed(UpstreamError):
    """A provider call failed after retries, and no eligible fallback succeeded."""

    def __init__(self, message: str, *, retryable: bool = True) -> None:
        super().__init__(message)
        self.retryable = retryable
