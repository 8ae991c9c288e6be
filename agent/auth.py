"""Who is calling, and for which tenant: mTLS client certificates or per-tenant bearer tokens.

Tokens are stored in the config only as sha256 digests; a presented token is hashed and
compared in constant time. A certificate's common name maps to a tenant through
``auth.tenants.<t>.client_cert_cns``. With ``auth.required: false`` (loopback development)
an unauthenticated caller may act for any tenant and is recorded by peer address.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from agent.config import TenantAuth
from bastion.errors import PermissionDenied, Unauthenticated


@dataclass(frozen=True, slots=True)
class Identity:
    caller: (
        str  # recorded in the audit log: "token:<tenant>:<digest prefix>", "cert:<cn>", "peer:..."
    )
    tenant: str | None  # the only tenant this caller may act for; None = any (auth not required)

    def check_tenant(self, tenant: str) -> None:
        if self.tenant is not None and self.tenant != tenant:
            raise PermissionDenied("caller is not allowed to act for this tenant")


class Authenticator:
    def __init__(self, tenants: Mapping[str, TenantAuth], required: bool) -> None:
        self.required = required
        self._tokens: list[tuple[bytes, str]] = [
            (bytes.fromhex(h), tenant) for tenant, a in tenants.items() for h in a.token_sha256
        ]
        self._cns: dict[str, str] = {
            cn: tenant for tenant, a in tenants.items() for cn in a.client_cert_cns
        }

    def identify(
        self,
        metadata: Sequence[tuple[str, str | bytes]],
        cert_names: Sequence[bytes],
        peer: str,
    ) -> Identity:
        for name in cert_names:
            cn = name.decode("utf-8", "replace")
            tenant = self._cns.get(cn)
            if tenant is not None:
                return Identity(caller=f"cert:{cn}", tenant=tenant)
        token = _bearer(metadata)
        if token is not None:
            digest = hashlib.sha256(token.encode("utf-8")).digest()
            match: str | None = None
            for known, tenant in self._tokens:
                if hmac.compare_digest(known, digest):
                    match = tenant
            if match is None:
                raise Unauthenticated("bearer token is not valid")
            return Identity(caller=f"token:{match}:{digest.hex()[:12]}", tenant=match)
        if self.required:
            raise Unauthenticated(
                "authentication required: present a client certificate or a bearer token"
            )
        return Identity(caller=f"peer:{peer}", tenant=None)


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
