"""Who is calling, for which tenant, in which role: mTLS certificates or bearer tokens.

Tokens are stored in the config only as sha256 digests; a presented token is hashed and
compared in constant time. A certificate's common name maps to a tenant through
``auth.tenants.<t>.client_cert_cns``. With ``auth.required: false`` (loopback development)
an unauthenticated caller may act for any tenant, in any role, and is recorded by peer
address.

Roles: ``client`` (a document system: Analyze, Route, fetching a reviewed section's
answer) and ``reviewer`` (the Review service's List, Get, Decide), from
``auth.tenants.<t>.reviewer_token_sha256`` / ``reviewer_cert_cns``. A credential holds
one role; the same token or name listed under both is refused at load.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from agent.config import TenantAuth
from bastion.errors import ConfigError, PermissionDenied, Unauthenticated

CLIENT = "client"
REVIEWER = "reviewer"
ANY_ROLE = frozenset({CLIENT, REVIEWER})


@dataclass(frozen=True, slots=True)
class Identity:
    caller: (
        str  # recorded in the audit log: "token:<tenant>:<digest prefix>", "cert:<cn>", "peer:..."
    )
    tenant: str | None  # the only tenant this caller may act for; None = any (auth not required)
    roles: frozenset[str] = frozenset({CLIENT})

    def check_tenant(self, tenant: str, role: str = CLIENT) -> None:
        """The caller may act for ``tenant`` in ``role`` (a document system by default)."""
        if self.tenant is not None and self.tenant != tenant:
            raise PermissionDenied("caller is not allowed to act for this tenant")
        if role not in self.roles:
            raise PermissionDenied(f"caller does not hold the {role} role")


class Authenticator:
    def __init__(self, tenants: Mapping[str, TenantAuth], required: bool) -> None:
        self.required = required
        self._tokens: list[tuple[bytes, str, str]] = [
            (bytes.fromhex(h), tenant, role)
            for tenant, a in tenants.items()
            for role, digests in ((CLIENT, a.token_sha256), (REVIEWER, a.reviewer_token_sha256))
            for h in digests
        ]
        self._cns: dict[str, tuple[str, str]] = {}
        for tenant, a in tenants.items():
            for role, names in ((CLIENT, a.client_cert_cns), (REVIEWER, a.reviewer_cert_cns)):
                for cn in names:
                    if cn in self._cns:
                        raise ConfigError(
                            "auth.tenants: a certificate name is listed twice (one tenant, "
                            "one role per name)"
                        )
                    self._cns[cn] = (tenant, role)
        if len({t[0] for t in self._tokens}) != len(self._tokens):
            raise ConfigError(
                "auth.tenants: a token digest is listed twice (one tenant, one role per token)"
            )

    def identify(
        self,
        metadata: Sequence[tuple[str, str | bytes]],
        cert_names: Sequence[bytes],
        peer: str,
    ) -> Identity:
        for name in cert_names:
            cn = name.decode("utf-8", "replace")
            mapped = self._cns.get(cn)
            if mapped is not None:
                return Identity(caller=f"cert:{cn}", tenant=mapped[0], roles=frozenset({mapped[1]}))
        token = _bearer(metadata)
        if token is not None:
            digest = hashlib.sha256(token.encode("utf-8")).digest()
            match: tuple[str, str] | None = None
            for known, tenant, role in self._tokens:
                if hmac.compare_digest(known, digest):
                    match = (tenant, role)
            if match is None:
                raise Unauthenticated("bearer token is not valid")
            tenant, role = match
            tag = "token" if role == CLIENT else "reviewer-token"
            return Identity(
                caller=f"{tag}:{tenant}:{digest.hex()[:12]}",
                tenant=tenant,
                roles=frozenset({role}),
            )
        if self.required:
            raise Unauthenticated(
                "authentication required: present a client certificate or a bearer token"
            )
        return Identity(caller=f"peer:{peer}", tenant=None, roles=ANY_ROLE)


def _bearer(metadata: Sequence[tuple[str, str | bytes]]) -> str | None:
    for key, value in metadata:
        if key == "authorization" and isinstance(value, str):
            scheme, _, token = value.partition(" ")
            if scheme.lower() != "bearer" or not token.strip():
                raise Unauthenticated("authorization metadata must be 'Bearer <token>'")
            return token.strip()
    return None


def hash_token(token: str) -> str:
    """The value to put in ``auth.tenants.<t>.token_sha256`` for ``token``."""
    return hashlib.sha256(token.encode("utf-8")).hexdigest()
