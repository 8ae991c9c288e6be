import pytest

from agent.auth import Authenticator, hash_token
from agent.config import TenantAuth
from bastion.errors import PermissionDenied, Unauthenticated

TENANTS = {
    "acme-law": TenantAuth(token_sha256=(hash_token("acme-token"),), client_cert_cns=("dms-acme",)),
    "northbank": TenantAuth(token_sha256=(hash_token("bank-token"),)),
}


def test_token_maps_to_its_tenant_and_is_not_recorded_in_clear() -> None:
    ident = Authenticator(TENANTS, required=True).identify(
        [("authorization", "Bearer acme-token")], [], "ipv4:127.0.0.1:1"
    )
    assert ident.tenant == "acme-law"
    assert "acme-token" not in ident.caller
    ident.check_tenant("acme-law")
    with pytest.raises(PermissionDenied):
        ident.check_tenant("northbank")


def test_certificate_common_name_maps_to_its_tenant() -> None:
    ident = Authenticator(TENANTS, required=True).identify([], [b"dms-acme"], "peer")
    assert (ident.tenant, ident.caller) == ("acme-law", "cert:dms-acme")


@pytest.mark.parametrize(
    "metadata",
    [
        [],
        [("authorization", "Bearer nope")],
        [("authorization", "Basic YWJj")],
        [("authorization", "Bearer ")],
    ],
    ids=["none", "unknown-token", "wrong-scheme", "empty-token"],
)
def test_required_auth_refuses(metadata: list[tuple[str, str]]) -> None:
    with pytest.raises(Unauthenticated):
        Authenticator(TENANTS, required=True).identify(metadata, [b"unknown-cn"], "peer")


def test_optional_auth_records_the_peer_and_allows_any_tenant() -> None:
    ident = Authenticator({}, required=False).identify([], [], "ipv4:127.0.0.1:5")
    assert ident.tenant is None and ident.caller == "peer:ipv4:127.0.0.1:5"
    ident.check_tenant("anyone")


def test_a_reviewer_token_holds_only_the_reviewer_role() -> None:
    tenants = {
        "acme-law": TenantAuth(
            token_sha256=(hash_token("acme-token"),),
            reviewer_token_sha256=(hash_token("acme-reviewer"),),
        )
    }
    auth = Authenticator(tenants, required=True)
    reviewer = auth.identify([("authorization", "Bearer acme-reviewer")], [], "peer")
    assert reviewer.caller.startswith("reviewer-token:acme-law:")
    reviewer.check_tenant("acme-law", "reviewer")
    with pytest.raises(PermissionDenied, match="client role"):
        reviewer.check_tenant("acme-law")  # a reviewer cannot Route documents
    client = auth.identify([("authorization", "Bearer acme-token")], [], "peer")
    with pytest.raises(PermissionDenied, match="reviewer role"):
        client.check_tenant("acme-law", "reviewer")


def test_one_credential_cannot_hold_two_roles() -> None:
    from bastion.errors import ConfigError

    digest = hash_token("shared-token")
    with pytest.raises(ConfigError):
        Authenticator(
            {"t": TenantAuth(token_sha256=(digest,), reviewer_token_sha256=(digest,))}, True
        )
